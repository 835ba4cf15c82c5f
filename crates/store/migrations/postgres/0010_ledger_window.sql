-- The ledger view reads two sums and a bounded window per account:
-- the sums come from this index alone, the newest entries from the next.
CREATE INDEX ledger_entries_account_effective ON ledger_entries(account_id, effective_on, amount_minor);
CREATE INDEX ledger_entries_account_newest ON ledger_entries(account_id, created_at, id);
