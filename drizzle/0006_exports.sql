CREATE TABLE "download_codes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"bundle_id" uuid NOT NULL,
	"code_hash" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "export_bundles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"request_id" uuid NOT NULL,
	"storage_key" text NOT NULL,
	"key_id" text NOT NULL,
	"size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"manifest" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"released_at" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"purged_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "download_codes" ADD CONSTRAINT "download_codes_bundle_id_export_bundles_id_fk" FOREIGN KEY ("bundle_id") REFERENCES "public"."export_bundles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "export_bundles" ADD CONSTRAINT "export_bundles_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "download_codes_bundle_idx" ON "download_codes" USING btree ("bundle_id","created_at");--> statement-breakpoint
CREATE INDEX "export_bundles_request_idx" ON "export_bundles" USING btree ("request_id","created_at");--> statement-breakpoint
CREATE INDEX "export_bundles_purge_idx" ON "export_bundles" USING btree ("expires_at") WHERE purged_at is null;--> statement-breakpoint
CREATE INDEX "collected_records_collection_idx" ON "collected_records" USING btree ("task_id","collection","id");