-- Indexes the read API needs beyond schema.ts (to become a storage migration; until then the
-- query tests and bench/read-api.js create them): equality filters that would otherwise walk
-- the whole time index when nothing matches.
CREATE INDEX IF NOT EXISTS traces_conversation_time ON traces (conversation_id, start_time) WHERE conversation_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS traces_user_time ON traces (user_id, start_time) WHERE user_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS errors_otel_trace_time ON errors (otel_trace_id, occurred_at) WHERE otel_trace_id IS NOT NULL;
-- Stats read only these columns of model calls: a covering index turns a scan of wide rows (texts,
-- JSON) into a scan of narrow index entries.
CREATE INDEX IF NOT EXISTS traces_usage ON traces (start_time, request_model, model, service_name, provider, status,
  input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, duration_ms, is_aggregate, kind)
  WHERE is_aggregate = 0 AND kind IN ('llm', 'embedding');
