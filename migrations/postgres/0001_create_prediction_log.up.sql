-- The prediction log (SPEC §4): one api_requests row per HTTP request to a prediction
-- endpoint, one predictions row per employee scored.
CREATE TABLE api_requests (
    id uuid PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    endpoint varchar(100) NOT NULL,
    request_data jsonb NOT NULL,
    client_ip varchar(45),
    user_agent text,
    http_status integer NOT NULL,
    response_time_ms integer
);
CREATE INDEX ix_api_requests_created_at ON api_requests (created_at);
CREATE INDEX ix_api_requests_endpoint ON api_requests (endpoint);
CREATE INDEX ix_api_requests_http_status ON api_requests (http_status);

CREATE TABLE predictions (
    id uuid PRIMARY KEY,
    request_id uuid NOT NULL REFERENCES api_requests (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    prediction_date timestamptz NOT NULL,
    employee_id varchar(50),
    attrition_prob double precision NOT NULL
        CONSTRAINT ck_predictions_attrition_prob CHECK (attrition_prob >= 0 AND attrition_prob <= 1),
    risk_level varchar(10) NOT NULL
        CONSTRAINT ck_predictions_risk_level CHECK (risk_level IN ('LOW', 'MEDIUM', 'HIGH')),
    model_version varchar(50) NOT NULL,
    features_snapshot jsonb
);
CREATE INDEX ix_predictions_created_at ON predictions (created_at);
CREATE INDEX ix_predictions_request_id ON predictions (request_id);
CREATE INDEX ix_predictions_risk_level ON predictions (risk_level);
CREATE INDEX ix_predictions_model_version ON predictions (model_version);
CREATE INDEX ix_predictions_employee_id ON predictions (employee_id);
