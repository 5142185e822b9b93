-- Shadow scoring: a prediction row made by the shadow model version beside the one the client
-- got. The read endpoints and the statistics leave shadow rows out unless asked. A constant
-- default: PostgreSQL adds the column without rewriting the table.
ALTER TABLE predictions ADD COLUMN shadow boolean NOT NULL DEFAULT false;
