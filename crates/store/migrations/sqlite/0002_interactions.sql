CREATE TABLE interactions (
    id BLOB PRIMARY KEY,
    channel TEXT NOT NULL,
    state TEXT NOT NULL,
    account_id BLOB REFERENCES accounts(id),
    owner_id BLOB REFERENCES staff_users(id),
    subject TEXT,
    started_at BIGINT NOT NULL,
    answered_at BIGINT,
    ended_at BIGINT,
    outcome TEXT,
    disposition TEXT,
    wrap_notes TEXT,
    transfers BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX interactions_account ON interactions(account_id, id);
CREATE INDEX interactions_owner ON interactions(owner_id, state);

CREATE TABLE interaction_participants (
    id BLOB PRIMARY KEY,
    interaction_id BLOB NOT NULL REFERENCES interactions(id),
    person_id BLOB REFERENCES people(id),
    staff_id BLOB REFERENCES staff_users(id),
    role TEXT NOT NULL,
    display_name TEXT NOT NULL,
    joined_at BIGINT NOT NULL,
    left_at BIGINT
);
CREATE INDEX interaction_participants_interaction ON interaction_participants(interaction_id);

CREATE TABLE interaction_events (
    id BLOB PRIMARY KEY,
    interaction_id BLOB NOT NULL REFERENCES interactions(id),
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX interaction_events_interaction ON interaction_events(interaction_id, id);

-- Verified once per person per interaction.
CREATE TABLE verifications (
    id BLOB PRIMARY KEY,
    interaction_id BLOB NOT NULL REFERENCES interactions(id),
    person_id BLOB NOT NULL REFERENCES people(id),
    method TEXT NOT NULL,
    verified_by BLOB REFERENCES staff_users(id),
    verified_by_name TEXT NOT NULL,
    at BIGINT NOT NULL,
    UNIQUE (interaction_id, person_id)
);
