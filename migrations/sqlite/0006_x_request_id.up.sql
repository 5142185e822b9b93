-- The X-Request-ID the client saw (the one it sent, or the one the service made and answered
-- with), as PostgreSQL's 0006: GET /api/v1/predictions?x_request_id= finds a request's rows by
-- its index. NULL for rows logged before this migration and for rows with no HTTP request.
ALTER TABLE api_requests ADD COLUMN x_request_id text
    CHECK (x_request_id IS NULL OR length(x_request_id) <= 128);
CREATE INDEX ix_api_requests_x_request_id ON api_requests (x_request_id);
