-- Issue 10: one workspace for the whole call.

-- What the customer's bill says for a staff money action, apart from the
-- internal note (memo).
ALTER TABLE ledger_entries ADD COLUMN label TEXT;

-- Times shown in the staff user's zone; the customer's local time where a
-- service location's zone is known.
ALTER TABLE staff_users ADD COLUMN time_zone TEXT;
ALTER TABLE service_locations ADD COLUMN time_zone TEXT;

-- After-call work: an agent stays busy this long after a voice contact's
-- wrap-up before routing offers the next one.
ALTER TABLE queues ADD COLUMN after_call_secs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE staff_presence ADD COLUMN busy_until BIGINT;

-- A creating form or API call sent twice under one key creates once.
CREATE TABLE create_keys (
    staff_id BLOB NOT NULL,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    result TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (staff_id, key)
);

-- Pick-lists the admin maintains: case categories, wrap-up reasons and
-- outcomes, bill labels for credits, refund methods.
CREATE TABLE pick_lists (
    list TEXT NOT NULL,
    value TEXT NOT NULL,
    label TEXT NOT NULL,
    position BIGINT NOT NULL,
    active BOOLEAN NOT NULL,
    PRIMARY KEY (list, value)
);
INSERT INTO pick_lists (list, value, label, position, active) VALUES
    ('case_category', 'billing_dispute', 'Billing dispute', 1, 1),
    ('case_category', 'outage', 'Outage', 2, 1),
    ('case_category', 'technical', 'Technical problem', 3, 1),
    ('case_category', 'move', 'Moving home', 4, 1),
    ('case_category', 'number_porting', 'Number porting', 5, 1),
    ('case_category', 'account_access', 'Account access', 6, 1),
    ('case_category', 'billing', 'Billing question', 7, 1),
    ('wrap_reason', 'billing_dispute', 'Billing dispute', 1, 1),
    ('wrap_reason', 'outage', 'Outage', 2, 1),
    ('wrap_reason', 'technical', 'Technical problem', 3, 1),
    ('wrap_reason', 'move', 'Moving home', 4, 1),
    ('wrap_reason', 'account_change', 'Account change', 5, 1),
    ('wrap_reason', 'information', 'Information only', 6, 1),
    ('wrap_reason', 'billing', 'Billing question', 7, 1),
    ('outcome', 'resolved', 'Resolved', 1, 1),
    ('outcome', 'assisted_resolution', 'Resolved with a colleague''s help', 2, 1),
    ('outcome', 'follow_up_scheduled', 'Follow-up scheduled', 3, 1),
    ('outcome', 'escalated', 'Escalated', 4, 1),
    ('outcome', 'consult_pending', 'Waiting on a colleague', 5, 1),
    ('outcome', 'not_resolved', 'Not resolved', 6, 1),
    ('bill_label', 'Goodwill credit', 'Goodwill credit', 1, 1),
    ('bill_label', 'Service credit', 'Service credit', 2, 1),
    ('bill_label', 'Credit for a technician visit', 'Credit for a technician visit', 3, 1),
    ('bill_label', 'Outage credit', 'Outage credit', 4, 1),
    ('bill_label', 'Billing adjustment', 'Billing adjustment', 5, 1),
    ('refund_method', 'card', 'Back to the card on file', 1, 1),
    ('refund_method', 'bank transfer', 'Bank transfer', 2, 1),
    ('refund_method', 'cheque', 'Cheque by post', 3, 1);

-- My work lists a person's open cases breached and due first, a page at a
-- time: the resolution deadline is stored (opened + the priority's target)
-- and indexed per owner over open cases only.
ALTER TABLE cases ADD COLUMN resolution_due BIGINT;
UPDATE cases SET resolution_due = opened_at + CASE priority
    WHEN 'urgent' THEN 14400000000 WHEN 'high' THEN 86400000000
    WHEN 'normal' THEN 259200000000 ELSE 604800000000 END;
CREATE INDEX cases_owner_due ON cases(owner_id, resolution_due, id) WHERE status NOT IN ('resolved', 'closed');

-- The approvals page lists the latest decisions.
CREATE INDEX approvals_decided ON approvals(decided_at, id) WHERE decided_at IS NOT NULL;

-- The audit page filters by person and by action.
CREATE INDEX audit_events_actor ON audit_events(actor_id, id);
CREATE INDEX audit_events_action ON audit_events(action, id);
CREATE INDEX audit_events_at ON audit_events(at);
