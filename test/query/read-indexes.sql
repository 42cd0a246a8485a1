-- Indexes the read API needs beyond schema.ts (to become a storage migration; until then the
-- query tests and bench/read-api.js create them): equality filters that would otherwise walk
-- the whole time index when nothing matches.
CREATE INDEX IF NOT EXISTS traces_conversation_time ON traces (conversation_id, start_time) WHERE conversation_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS traces_user_time ON traces (user_id, start_time) WHERE user_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS errors_otel_trace_time ON errors (otel_trace_id, occurred_at) WHERE otel_trace_id IS NOT NULL;
