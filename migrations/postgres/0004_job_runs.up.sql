-- Scheduled jobs (retention, monitoring) run once per schedule slot across every replica on
-- this database: a replica claims (job, slot) by inserting its row; the others see it and do
-- not run. A claim left unfinished for an hour (its replica died) may be taken over. The row
-- keeps the outcome, and for the monitoring job its figures (result, JSON text), which every
-- replica exports as metrics. A plain table, not a session advisory lock: it holds through
-- pgbouncer's transaction pooling and survives restarts.
CREATE TABLE job_runs (
    job text NOT NULL CHECK (char_length(job) BETWEEN 1 AND 50),
    slot timestamptz NOT NULL,
    claimed_by text NOT NULL,
    claimed_at timestamptz NOT NULL,
    finished_at timestamptz,
    succeeded boolean,
    result text,
    PRIMARY KEY (job, slot)
);
