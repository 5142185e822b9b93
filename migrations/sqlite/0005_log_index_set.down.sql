CREATE INDEX ix_api_requests_endpoint ON api_requests (endpoint);
CREATE INDEX ix_api_requests_http_status ON api_requests (http_status);
CREATE INDEX ix_predictions_risk_level ON predictions (risk_level);
CREATE INDEX ix_predictions_model_version ON predictions (model_version);
