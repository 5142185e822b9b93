-- Scheduled jobs (retention, monitoring) run once per schedule slot across every process on
-- this database: a process claims (job, slot) by inserting its row; the others see it and do
-- not run. A claim left unfinished for an hour (its process died) may be taken over. The row
-- keeps the outcome, and for the monitoring job its figures (result, JSON text), which every
-- process exports as metrics. Times are ISO 8601 UTC text (FormatIso8601), which sorts.
CREATE TABLE job_runs (
    job text NOT NULL CHECK (length(job) BETWEEN 1 AND 50),
    slot text NOT NULL,
    claimed_by text NOT NULL,
    claimed_at text NOT NULL,
    finished_at text,
    succeeded integer CHECK (succeeded IN (0, 1)),
    result text,
    PRIMARY KEY (job, slot)
) WITHOUT ROWID;
