-- rampart scan history, schema 2: the dashboard's findings pages. Open findings of one scan by
-- severity, in report order: the first page of a scan's findings (most severe first) and the
-- severity filter read it without sorting the scan's rows. Partial (open rows only), so it
-- costs writes only for the rows it serves.
CREATE INDEX findings_open_by_severity ON findings (scan_id, severity, seq)
    WHERE status IN ('fail', 'error') AND suppression <> 'suppressed';
