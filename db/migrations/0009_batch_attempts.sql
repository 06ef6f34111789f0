ALTER TABLE "sync_attempts" ADD COLUMN "batch_request_id" text;--> statement-breakpoint
ALTER TABLE "sync_attempts" ADD COLUMN "batch_item_id" text;