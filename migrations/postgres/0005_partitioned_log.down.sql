-- Back to the unpartitioned log of 0001-0004, every row kept.
CREATE TABLE api_requests_unpartitioned (
    id uuid PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    endpoint varchar(100) NOT NULL,
    request_data jsonb NOT NULL,
    client_ip varchar(45),
    user_agent text,
    http_status integer NOT NULL,
    response_time_ms integer
);
CREATE TABLE predictions_unpartitioned (
    id uuid PRIMARY KEY,
    request_id uuid NOT NULL REFERENCES api_requests_unpartitioned (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    prediction_date timestamptz NOT NULL,
    employee_id varchar(50),
    attrition_prob double precision NOT NULL
        CONSTRAINT ck_predictions_attrition_prob CHECK (attrition_prob >= 0 AND attrition_prob <= 1),
    risk_level varchar(10) NOT NULL
        CONSTRAINT ck_predictions_risk_level CHECK (risk_level IN ('LOW', 'MEDIUM', 'HIGH')),
    model_version varchar(50) NOT NULL,
    features_snapshot jsonb,
    shadow boolean NOT NULL DEFAULT false
);
INSERT INTO api_requests_unpartitioned SELECT id, created_at, endpoint, request_data, client_ip,
    user_agent, http_status, response_time_ms FROM api_requests;
INSERT INTO predictions_unpartitioned SELECT id, request_id, created_at, prediction_date,
    employee_id, attrition_prob, risk_level, model_version, features_snapshot, shadow
FROM predictions;
DROP TABLE predictions;
DROP TABLE api_requests;
DROP FUNCTION attrition_create_log_partitions(date, date);
DROP FUNCTION attrition_drop_oldest_log_partition(timestamptz);
ALTER TABLE predictions_unpartitioned RENAME TO predictions;
ALTER TABLE api_requests_unpartitioned RENAME TO api_requests;
ALTER INDEX predictions_unpartitioned_pkey RENAME TO predictions_pkey;
ALTER INDEX api_requests_unpartitioned_pkey RENAME TO api_requests_pkey;
ALTER TABLE predictions RENAME CONSTRAINT predictions_unpartitioned_request_id_fkey
    TO predictions_request_id_fkey;
CREATE INDEX ix_api_requests_created_at ON api_requests (created_at);
CREATE INDEX ix_api_requests_endpoint ON api_requests (endpoint);
CREATE INDEX ix_api_requests_http_status ON api_requests (http_status);
CREATE INDEX ix_predictions_created_at ON predictions (created_at);
CREATE INDEX ix_predictions_request_id ON predictions (request_id);
CREATE INDEX ix_predictions_risk_level ON predictions (risk_level);
CREATE INDEX ix_predictions_model_version ON predictions (model_version);
CREATE INDEX ix_predictions_employee_id ON predictions (employee_id);
