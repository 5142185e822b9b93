-- Shadow scoring: a prediction row made by the shadow model version beside the one the client
-- got (1; 0 for the one the client got). The read endpoints and the statistics leave shadow
-- rows out unless asked.
ALTER TABLE predictions ADD COLUMN shadow integer NOT NULL DEFAULT 0 CHECK (shadow IN (0, 1));
