DROP INDEX ix_api_requests_x_request_id;
ALTER TABLE api_requests DROP COLUMN x_request_id;
