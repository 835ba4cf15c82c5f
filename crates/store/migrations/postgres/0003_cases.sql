CREATE TABLE cases (
    id UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts(id),
    owner_id UUID NOT NULL REFERENCES staff_users(id),
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    opened_at BIGINT NOT NULL,
    first_response_at BIGINT,
    resolved_at BIGINT,
    confirmed_by_customer BOOLEAN NOT NULL,
    resolution_note TEXT,
    escalated_to UUID REFERENCES teams(id),
    escalation_note TEXT,
    handovers BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX cases_account ON cases(account_id, id);
CREATE INDEX cases_owner ON cases(owner_id, status);

CREATE TABLE case_interactions (
    case_id UUID NOT NULL REFERENCES cases(id),
    interaction_id UUID NOT NULL REFERENCES interactions(id),
    linked_at BIGINT NOT NULL,
    PRIMARY KEY (case_id, interaction_id)
);
CREATE INDEX case_interactions_interaction ON case_interactions(interaction_id);
