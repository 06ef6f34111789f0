CREATE TABLE "mappings" (
	"tenant_id" text NOT NULL,
	"kind" text NOT NULL,
	"source_key" text NOT NULL,
	"qbo_id" text NOT NULL,
	"qbo_name" text,
	"status" text DEFAULT 'active' NOT NULL,
	"stale_reason" text,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mappings_tenant_id_kind_source_key_pk" PRIMARY KEY("tenant_id","kind","source_key")
);
--> statement-breakpoint
CREATE TABLE "qbo_connections" (
	"tenant_id" text PRIMARY KEY NOT NULL,
	"realm_id" text NOT NULL,
	"base_url" text NOT NULL,
	"environment" text NOT NULL,
	"access_token" text NOT NULL,
	"refresh_token" text NOT NULL,
	"access_token_expires_at" timestamp with time zone NOT NULL,
	"refresh_token_expires_at" timestamp with time zone NOT NULL,
	"refresh_token_hard_expires_at" timestamp with time zone,
	"scopes" text DEFAULT 'com.intuit.quickbooks.accounting' NOT NULL,
	"status" text DEFAULT 'healthy' NOT NULL,
	"client_id" text,
	"client_secret" text,
	"last_refresh_at" timestamp with time zone,
	"last_success_at" timestamp with time zone,
	"last_error" text,
	"last_error_at" timestamp with time zone,
	"connected_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "sync_attempts_wf_attempt_idx";--> statement-breakpoint
ALTER TABLE "sync_attempts" ADD COLUMN "activity_attempt" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "mappings" ADD CONSTRAINT "mappings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "qbo_connections" ADD CONSTRAINT "qbo_connections_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "mappings_qbo_idx" ON "mappings" USING btree ("tenant_id","qbo_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sync_attempts_wf_attempt_idx" ON "sync_attempts" USING btree ("workflow_id","attempt_no","activity_attempt");