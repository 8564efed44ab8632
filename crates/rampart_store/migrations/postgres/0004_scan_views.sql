-- rampart scan history, schema 4 (PostgreSQL): views computed over a whole scan, kept as JSON
-- documents (rampart_report::views): the RBAC escalation paths (kind 'rbac-escalation') and the
-- NetworkPolicy reachability matrix (kind 'netpol-reachability'). Each is capped when built;
-- `shown` and `total` say how much was kept of how much was found, so that a page can say so
-- without reading the document.
CREATE TABLE scan_views (
    scan_id BIGINT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    format BIGINT NOT NULL,
    shown BIGINT NOT NULL,
    total BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (scan_id, kind)
);
