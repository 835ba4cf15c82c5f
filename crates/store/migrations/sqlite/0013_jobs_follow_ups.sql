-- Issue 11: background jobs and follow-ups.

-- Work that happens by time or after a commit, written in the same
-- transaction as the change that causes it. Runners claim due jobs under a
-- lease; an expired lease makes the job claimable again.
CREATE TABLE jobs (
    id BLOB PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    last_error TEXT,
    lease_holder TEXT,
    lease_until BIGINT,
    created_at BIGINT NOT NULL,
    done_at BIGINT,
    key TEXT
);
CREATE INDEX jobs_ready ON jobs(run_at) WHERE state = 'pending';
CREATE INDEX jobs_leased ON jobs(lease_until) WHERE state = 'running';
CREATE INDEX jobs_state ON jobs(state, id);
-- One unfinished job per key (periodic jobs are keyed by their kind).
CREATE UNIQUE INDEX jobs_open_key ON jobs(key) WHERE key IS NOT NULL AND state IN ('pending', 'running');

-- A promised contact: its own record, never a flag on a case.
CREATE TABLE follow_ups (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts(id),
    person_id BLOB NOT NULL REFERENCES people(id),
    contact_point_id BLOB REFERENCES contact_points(id),
    owner_id BLOB NOT NULL REFERENCES staff_users(id),
    case_id BLOB REFERENCES cases(id),
    created_from BLOB REFERENCES interactions(id),
    purpose TEXT NOT NULL,
    due_on TEXT NOT NULL,
    window_start TEXT,
    window_end TEXT,
    state TEXT NOT NULL,
    outcome TEXT,
    outcome_note TEXT,
    cancel_reason TEXT,
    reschedules BIGINT NOT NULL,
    calling_interaction BLOB REFERENCES interactions(id),
    created_by BLOB NOT NULL REFERENCES staff_users(id),
    created_at BIGINT NOT NULL,
    done_by BLOB REFERENCES staff_users(id),
    done_at BIGINT,
    version BIGINT NOT NULL
);
-- Due lists: an owner's open follow-ups by day; a team's via its members.
CREATE INDEX follow_ups_owner_open ON follow_ups(owner_id, due_on) WHERE state IN ('scheduled', 'due');
CREATE INDEX follow_ups_account ON follow_ups(account_id, due_on);
CREATE INDEX follow_ups_case ON follow_ups(case_id) WHERE case_id IS NOT NULL;
CREATE INDEX follow_ups_done ON follow_ups(done_at) WHERE state = 'done';
CREATE INDEX follow_ups_calling ON follow_ups(calling_interaction) WHERE calling_interaction IS NOT NULL;

-- Every change of a follow-up: scheduled, rescheduled (from, to, why),
-- reassigned, due, called, done, cancelled.
CREATE TABLE follow_up_history (
    id BLOB PRIMARY KEY,
    follow_up_id BLOB NOT NULL REFERENCES follow_ups(id),
    at BIGINT NOT NULL,
    actor_id BLOB REFERENCES staff_users(id),
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX follow_up_history_of ON follow_up_history(follow_up_id, at);

-- The provider's calendar: public holidays per region ("US", "US-TX").
CREATE TABLE holidays (
    region TEXT NOT NULL,
    on_date TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (region, on_date)
);
