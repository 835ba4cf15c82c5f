-- Issue 9: approval requests and decisions are keyed; sign-in attempts are
-- counted in the database per (e-mail, client address) and per address;
-- API tokens can be listed, expire and be revoked.
ALTER TABLE approvals ADD COLUMN idempotency_key TEXT;
ALTER TABLE approvals ADD COLUMN decision_key TEXT;
CREATE UNIQUE INDEX approvals_key ON approvals(requested_by, idempotency_key);

CREATE TABLE signin_attempts (
    subject TEXT PRIMARY KEY,
    attempts BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    locks BIGINT NOT NULL,
    locked_until BIGINT
);

ALTER TABLE api_tokens ADD COLUMN id BLOB;
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN revoked_at BIGINT;
-- The form that issued a token: sent again (a reload), it issues nothing.
ALTER TABLE api_tokens ADD COLUMN issue_key TEXT;
UPDATE api_tokens SET id = randomblob(16) WHERE id IS NULL;
CREATE UNIQUE INDEX api_tokens_id ON api_tokens(id);
CREATE UNIQUE INDEX api_tokens_issue_key ON api_tokens(issue_key);
CREATE INDEX api_tokens_staff ON api_tokens(staff_id);
CREATE INDEX sessions_staff ON sessions(staff_id);

-- A person or colleague is on a contact once at a time (parallel joins and
-- answers added the same one several times). Earlier duplicates leave.
UPDATE interaction_participants SET left_at = joined_at
WHERE left_at IS NULL AND staff_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM interaction_participants o
    WHERE o.interaction_id = interaction_participants.interaction_id AND o.staff_id = interaction_participants.staff_id
      AND o.left_at IS NULL AND o.id < interaction_participants.id);
UPDATE interaction_participants SET left_at = joined_at
WHERE left_at IS NULL AND person_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM interaction_participants o
    WHERE o.interaction_id = interaction_participants.interaction_id AND o.person_id = interaction_participants.person_id
      AND o.left_at IS NULL AND o.id < interaction_participants.id);
CREATE UNIQUE INDEX interaction_participants_staff_once ON interaction_participants(interaction_id, staff_id) WHERE left_at IS NULL AND staff_id IS NOT NULL;
CREATE UNIQUE INDEX interaction_participants_person_once ON interaction_participants(interaction_id, person_id) WHERE left_at IS NULL AND person_id IS NOT NULL;
