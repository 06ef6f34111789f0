CREATE TABLE "api_keys" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"key_hash" text NOT NULL,
	"role" text NOT NULL,
	"tenant_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tenant_id" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"target" text,
	"detail" jsonb,
	"succeeded" boolean DEFAULT true NOT NULL
);
--> statement-breakpoint
CREATE TABLE "source_records" (
	"tenant_id" text NOT NULL,
	"record_type" text NOT NULL,
	"source_id" text NOT NULL,
	"version" integer NOT NULL,
	"number" text NOT NULL,
	"status" text NOT NULL,
	"data" jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"received_by" text NOT NULL,
	CONSTRAINT "source_records_tenant_id_record_type_source_id_version_pk" PRIMARY KEY("tenant_id","record_type","source_id","version")
);
--> statement-breakpoint
CREATE TABLE "sync_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workflow_id" text NOT NULL,
	"tenant_id" text NOT NULL,
	"attempt_no" integer NOT NULL,
	"request_id" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	"http_status" integer NOT NULL,
	"class" text NOT NULL,
	"code" text,
	"message" text,
	"detail" text,
	"element" text,
	"intuit_tid" text
);
--> statement-breakpoint
CREATE TABLE "sync_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workflow_id" text NOT NULL,
	"tenant_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"message" text NOT NULL,
	"actor" text NOT NULL,
	"data" jsonb
);
--> statement-breakpoint
CREATE TABLE "syncs" (
	"workflow_id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"record_type" text NOT NULL,
	"source_id" text NOT NULL,
	"number" text NOT NULL,
	"version" integer NOT NULL,
	"state" text NOT NULL,
	"failure_class" text,
	"owner" text,
	"action_needed" text,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"readiness" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"mappings" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"duplicate_candidates" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"external_ref" jsonb,
	"assignee" text,
	"escalated_to" text,
	"currency" text,
	"amount_minor" bigint,
	"txn_date" text,
	"blocked_since" timestamp with time zone,
	"sla_due_at" timestamp with time zone,
	"seq" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenants" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"home_currency" text NOT NULL,
	"sla_seconds" integer DEFAULT 86400 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "source_records" ADD CONSTRAINT "source_records_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "syncs" ADD CONSTRAINT "syncs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_tenant_at_idx" ON "audit_events" USING btree ("tenant_id","at");--> statement-breakpoint
CREATE INDEX "source_records_number_idx" ON "source_records" USING btree ("tenant_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "sync_attempts_wf_attempt_idx" ON "sync_attempts" USING btree ("workflow_id","attempt_no");--> statement-breakpoint
CREATE INDEX "sync_attempts_tenant_idx" ON "sync_attempts" USING btree ("tenant_id","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "sync_events_wf_seq_idx" ON "sync_events" USING btree ("workflow_id","seq");--> statement-breakpoint
CREATE INDEX "syncs_tenant_state_idx" ON "syncs" USING btree ("tenant_id","state","failure_class");--> statement-breakpoint
CREATE INDEX "syncs_tenant_number_idx" ON "syncs" USING btree ("tenant_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "syncs_record_idx" ON "syncs" USING btree ("tenant_id","record_type","source_id");