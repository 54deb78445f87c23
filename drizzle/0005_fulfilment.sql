CREATE TABLE "collected_records" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"task_id" uuid NOT NULL,
	"collection" text NOT NULL,
	"data" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fulfilment_tasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"request_id" uuid NOT NULL,
	"source" text NOT NULL,
	"action" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"receipt" jsonb,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "seen_signatures" (
	"signature_hash" text PRIMARY KEY NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "suppressions" (
	"email_hmac" text NOT NULL,
	"scope" text NOT NULL,
	"origin" text NOT NULL,
	"request_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "suppressions_email_hmac_scope_pk" PRIMARY KEY("email_hmac","scope")
);
--> statement-breakpoint
ALTER TABLE "collected_records" ADD CONSTRAINT "collected_records_task_id_fulfilment_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."fulfilment_tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fulfilment_tasks" ADD CONSTRAINT "fulfilment_tasks_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "suppressions" ADD CONSTRAINT "suppressions_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "collected_records_task_idx" ON "collected_records" USING btree ("task_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "fulfilment_tasks_request_source_key" ON "fulfilment_tasks" USING btree ("request_id","source");--> statement-breakpoint
CREATE INDEX "fulfilment_tasks_waiting_idx" ON "fulfilment_tasks" USING btree ("updated_at") WHERE status = 'waiting';