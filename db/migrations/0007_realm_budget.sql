CREATE TABLE "qbo_realm_requests" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"realm_id" text NOT NULL,
	"kind" text NOT NULL,
	"holder" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"finished" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "qbo_realm_throttles" (
	"realm_id" text PRIMARY KEY NOT NULL,
	"strikes" integer NOT NULL,
	"last_throttle_at" timestamp with time zone NOT NULL,
	"cooldown_until" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "qbo_realm_requests_window_idx" ON "qbo_realm_requests" USING btree ("realm_id","ends_at");