-- The X-Request-ID the client saw (the one it sent, or the one the service made and answered
-- with), so that a client's or a proxy's request id finds its log rows: GET
-- /api/v1/predictions?x_request_id=. NULL for rows logged before this migration and for rows
-- with no HTTP request. Its index serves that filter (an index per partition, made by
-- PostgreSQL for each existing and future partition); a nullable column without a default is
-- added without rewriting the table.
ALTER TABLE api_requests ADD COLUMN x_request_id varchar(128);
CREATE INDEX ix_api_requests_x_request_id ON api_requests (x_request_id);
