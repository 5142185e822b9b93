-- The prediction log (SPEC §4) in SQLite terms: UUIDs as text, JSON as text checked by
-- json_valid, timestamps as ISO-8601 UTC text (2026-11-27T09:23:32.123456Z), which sorts in
-- time order.
CREATE TABLE api_requests (
    id text PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    created_at text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    endpoint text NOT NULL CHECK (length(endpoint) <= 100),
    request_data text NOT NULL CHECK (json_valid(request_data)),
    client_ip text CHECK (client_ip IS NULL OR length(client_ip) <= 45),
    user_agent text,
    http_status integer NOT NULL,
    response_time_ms integer
);
CREATE INDEX ix_api_requests_created_at ON api_requests (created_at);
CREATE INDEX ix_api_requests_endpoint ON api_requests (endpoint);
CREATE INDEX ix_api_requests_http_status ON api_requests (http_status);

CREATE TABLE predictions (
    id text PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    request_id text NOT NULL REFERENCES api_requests (id) ON DELETE CASCADE,
    created_at text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    prediction_date text NOT NULL,
    employee_id text CHECK (employee_id IS NULL OR length(employee_id) <= 50),
    attrition_prob real NOT NULL CHECK (attrition_prob >= 0 AND attrition_prob <= 1),
    risk_level text NOT NULL CHECK (risk_level IN ('LOW', 'MEDIUM', 'HIGH')),
    model_version text NOT NULL CHECK (length(model_version) <= 50),
    features_snapshot text CHECK (features_snapshot IS NULL OR json_valid(features_snapshot))
);
CREATE INDEX ix_predictions_created_at ON predictions (created_at);
CREATE INDEX ix_predictions_request_id ON predictions (request_id);
CREATE INDEX ix_predictions_risk_level ON predictions (risk_level);
CREATE INDEX ix_predictions_model_version ON predictions (model_version);
CREATE INDEX ix_predictions_employee_id ON predictions (employee_id);
