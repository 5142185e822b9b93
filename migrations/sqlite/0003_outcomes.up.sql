-- Outcomes: what became of an employee after a prediction, reported by the HR system
-- (POST /api/v1/outcomes, attrition outcomes import). 'left' on event_date, or 'stayed': still
-- employed on event_date (YYYY-MM-DD, UTC). One row per (employee, event, date): the same report
-- twice is stored once. The primary key also serves the lookup by employee and GDPR erasure.
CREATE TABLE outcomes (
    employee_id text NOT NULL CHECK (length(employee_id) BETWEEN 1 AND 50),
    event text NOT NULL CHECK (event IN ('left', 'stayed')),
    event_date text NOT NULL CHECK (date(event_date) IS event_date),
    recorded_at text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (employee_id, event, event_date)
) WITHOUT ROWID;
