ALTER TABLE "syncs" ADD COLUMN "drift" jsonb;--> statement-breakpoint
CREATE INDEX "syncs_external_ref_idx" ON "syncs" USING btree ("tenant_id",("external_ref"->>'entity'),("external_ref"->>'qboId'));