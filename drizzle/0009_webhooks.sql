CREATE TABLE "webhook_state" (
	"id" text PRIMARY KEY NOT NULL,
	"endpoint" text NOT NULL,
	"last_seq" bigint NOT NULL,
	"lease_token" text,
	"lease_until" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"last_error" text,
	"last_delivered_at" timestamp with time zone
);
