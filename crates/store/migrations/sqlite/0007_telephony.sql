-- Phone-system calls and the interactions they became.
CREATE TABLE call_links (
    call_id TEXT PRIMARY KEY,
    interaction_id BLOB NOT NULL REFERENCES interactions(id)
);

-- Applied events, by the phone system's event id (idempotency).
CREATE TABLE call_events (
    event_id TEXT PRIMARY KEY,
    call_id TEXT NOT NULL,
    interaction_id BLOB NOT NULL REFERENCES interactions(id),
    received_at BIGINT NOT NULL
);
