-- The index set where every index names the query it serves (as PostgreSQL's 0005, which also
-- partitions the log; SQLite stays unpartitioned). Kept: the primary keys (the writer's
-- idempotent insert, erasure by request), created_at on both tables (retention oldest first,
-- GET /api/v1/predictions newest first, the statistics and monitoring windows),
-- predictions.request_id (the cascade, the history's join) and predictions.employee_id
-- (?employee_id=, erasure, the monitoring's outcome join). Dropped: indexes no query is
-- selective on (endpoint, http_status; risk_level and model_version, a handful of values).
DROP INDEX ix_api_requests_endpoint;
DROP INDEX ix_api_requests_http_status;
DROP INDEX ix_predictions_risk_level;
DROP INDEX ix_predictions_model_version;
