DROP INDEX "requests_status_idx";--> statement-breakpoint
CREATE INDEX "requests_open_queue_idx" ON "requests" USING btree ("safe_due_by","id") WHERE status in ('unverified', 'pending_review', 'awaiting_subject', 'approved', 'processing', 'failed');--> statement-breakpoint
CREATE INDEX "requests_status_queue_idx" ON "requests" USING btree ("status","safe_due_by","id");