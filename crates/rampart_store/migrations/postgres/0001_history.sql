-- rampart scan history, schema 1 (PostgreSQL). Times are Unix milliseconds (UTC).
CREATE TABLE scans (
    id BIGSERIAL PRIMARY KEY,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    target TEXT NOT NULL,
    source_type TEXT NOT NULL,
    rampart_version TEXT NOT NULL,
    options TEXT NOT NULL,
    files BIGINT NOT NULL,
    objects BIGINT NOT NULL,
    checks BIGINT NOT NULL,
    errors BIGINT NOT NULL,
    results BIGINT NOT NULL,
    open_count BIGINT NOT NULL,
    suppressed BIGINT NOT NULL,
    baselined BIGINT NOT NULL,
    critical BIGINT NOT NULL,
    high BIGINT NOT NULL,
    medium BIGINT NOT NULL,
    low BIGINT NOT NULL,
    info BIGINT NOT NULL,
    partial BIGINT NOT NULL,
    source TEXT,
    coverage TEXT,
    error_list TEXT NOT NULL
);
CREATE INDEX scans_by_target ON scans (target, id);
CREATE INDEX scans_by_start ON scans (started_at);

CREATE TABLE findings (
    scan_id BIGINT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    check_id TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject TEXT NOT NULL,
    namespace TEXT,
    pointer TEXT NOT NULL,
    path TEXT,
    line BIGINT,
    col BIGINT,
    message TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    suppression TEXT NOT NULL,
    suppressed_by TEXT,
    suppression_reason TEXT
);
CREATE INDEX findings_by_scan ON findings (scan_id, seq);
