-- rampart scan history, schema 2 (SQLite): each scan's score per compliance framework, so that
-- `rampart history trend --by framework` follows them. Scores are pass / (pass + fail) controls in
-- tenths of a percent (NULL when no control was decided).
CREATE TABLE framework_scores (
    scan_id BIGINT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    framework TEXT NOT NULL,
    score_permille BIGINT,
    pass BIGINT NOT NULL,
    fail BIGINT NOT NULL,
    manual BIGINT NOT NULL,
    not_applicable BIGINT NOT NULL,
    not_assessed BIGINT NOT NULL,
    PRIMARY KEY (scan_id, framework)
);
