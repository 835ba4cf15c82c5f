-- Issue 11: reports read a date range of each table from an index on its
-- time, never the whole table.
CREATE INDEX interactions_started ON interactions(started_at);
-- First-contact resolution: an account's later contacts by time.
CREATE INDEX interactions_account_started ON interactions(account_id, started_at);
CREATE INDEX queue_entries_queued ON queue_entries(queued_at);
CREATE INDEX cases_resolved ON cases(resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX consults_requested ON consults(requested_at);
CREATE INDEX ledger_entries_created ON ledger_entries(created_at) WHERE created_by IS NOT NULL;
CREATE INDEX approvals_created ON approvals(created_at);
CREATE INDEX verifications_at ON verifications(at);
