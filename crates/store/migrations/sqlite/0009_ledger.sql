-- The account ledger (C5), authority policies and approvals (C6).
CREATE TABLE ledger_entries (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts(id),
    kind TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    reason_code TEXT,
    memo TEXT NOT NULL,
    related_entry_id BLOB REFERENCES ledger_entries(id),
    external_id TEXT UNIQUE,
    effective_on TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by BLOB REFERENCES staff_users(id),
    created_by_name TEXT NOT NULL,
    approval_id BLOB
);
CREATE INDEX ledger_entries_account ON ledger_entries(account_id, kind, created_at);
CREATE INDEX ledger_entries_related ON ledger_entries(related_entry_id);

-- A money request's key, with the entry it produced (same transaction).
CREATE TABLE idempotency_keys (
    actor_id BLOB NOT NULL,
    key TEXT NOT NULL,
    digest TEXT NOT NULL,
    entry_id BLOB NOT NULL REFERENCES ledger_entries(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (actor_id, key)
);

CREATE TABLE authority_policies (
    id BLOB PRIMARY KEY,
    role TEXT,
    staff_id BLOB REFERENCES staff_users(id),
    action TEXT NOT NULL,
    currency TEXT NOT NULL,
    per_entry_limit_minor BIGINT NOT NULL,
    per_account_month_limit_minor BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX authority_policies_role ON authority_policies(role, action, currency) WHERE staff_id IS NULL;
CREATE UNIQUE INDEX authority_policies_staff ON authority_policies(staff_id, action, currency) WHERE staff_id IS NOT NULL;

CREATE TABLE approvals (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts(id),
    requested_by BLOB NOT NULL REFERENCES staff_users(id),
    requested_by_name TEXT NOT NULL,
    request_json TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    escalated BOOLEAN NOT NULL,
    decided_by BLOB REFERENCES staff_users(id),
    decided_by_name TEXT,
    decided_at BIGINT,
    decision_reason TEXT,
    entry_id BLOB REFERENCES ledger_entries(id),
    version BIGINT NOT NULL
);
CREATE INDEX approvals_status ON approvals(status, due_at);
CREATE INDEX approvals_account ON approvals(account_id, id);

-- Default authority (USD), changed by admins: agent goodwill $50 a credit
-- and $100 an account a month, refunds $200, fee reversals $10, no waivers.
INSERT INTO authority_policies (id, role, staff_id, action, currency, per_entry_limit_minor, per_account_month_limit_minor, updated_at) VALUES
(X'00000000000070008000000000000001', 'agent', NULL, 'goodwill_credit', 'USD', 5000, 10000, 0),
(X'00000000000070008000000000000002', 'agent', NULL, 'fee_reversal', 'USD', 1000, 2000, 0),
(X'00000000000070008000000000000003', 'agent', NULL, 'refund', 'USD', 20000, NULL, 0),
(X'00000000000070008000000000000004', 'specialist', NULL, 'goodwill_credit', 'USD', 5000, 10000, 0),
(X'00000000000070008000000000000005', 'specialist', NULL, 'charge_waiver', 'USD', 5000, 10000, 0),
(X'00000000000070008000000000000006', 'specialist', NULL, 'fee_reversal', 'USD', 2500, 5000, 0),
(X'00000000000070008000000000000007', 'specialist', NULL, 'refund', 'USD', 20000, NULL, 0),
(X'00000000000070008000000000000008', 'supervisor', NULL, 'goodwill_credit', 'USD', 50000, 100000, 0),
(X'00000000000070008000000000000009', 'supervisor', NULL, 'charge_waiver', 'USD', 50000, 100000, 0),
(X'0000000000007000800000000000000a', 'supervisor', NULL, 'fee_reversal', 'USD', 10000, NULL, 0),
(X'0000000000007000800000000000000b', 'supervisor', NULL, 'refund', 'USD', 100000, NULL, 0),
(X'0000000000007000800000000000000c', 'admin', NULL, 'goodwill_credit', 'USD', 1000000, NULL, 0),
(X'0000000000007000800000000000000d', 'admin', NULL, 'charge_waiver', 'USD', 1000000, NULL, 0),
(X'0000000000007000800000000000000e', 'admin', NULL, 'fee_reversal', 'USD', 1000000, NULL, 0),
(X'0000000000007000800000000000000f', 'admin', NULL, 'refund', 'USD', 1000000, NULL, 0);
