DROP TABLE predictions;
DROP TABLE api_requests;
