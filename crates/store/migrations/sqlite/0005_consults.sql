CREATE TABLE consults (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases(id),
    interaction_id BLOB REFERENCES interactions(id),
    team_id BLOB NOT NULL REFERENCES teams(id),
    question TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_by BLOB NOT NULL REFERENCES staff_users(id),
    requested_at BIGINT NOT NULL,
    picked_by BLOB REFERENCES staff_users(id),
    picked_at BIGINT,
    answer TEXT,
    answered_at BIGINT,
    version BIGINT NOT NULL
);
CREATE INDEX consults_waiting ON consults(team_id, status, requested_at);
CREATE INDEX consults_case ON consults(case_id);
