-- Issue 11: satisfaction surveys, compliments and complaints.

-- One survey per resolved case and per wrapped contact outside a case; its
-- link is signed (a keyed digest of the id and expiry), single use and
-- expiring. The answer is credited to the staff who took part.
CREATE TABLE surveys (
    id UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts(id),
    interaction_id UUID REFERENCES interactions(id),
    case_id UUID REFERENCES cases(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    answered_at BIGINT,
    rating BIGINT,
    comment TEXT
);
CREATE UNIQUE INDEX surveys_one_per_case ON surveys(case_id) WHERE case_id IS NOT NULL;
CREATE UNIQUE INDEX surveys_one_per_contact ON surveys(interaction_id) WHERE interaction_id IS NOT NULL AND case_id IS NULL;
CREATE INDEX surveys_answered ON surveys(answered_at) WHERE answered_at IS NOT NULL;
CREATE TABLE survey_staff (
    survey_id UUID NOT NULL REFERENCES surveys(id),
    staff_id UUID NOT NULL REFERENCES staff_users(id),
    PRIMARY KEY (survey_id, staff_id)
);
CREATE INDEX survey_staff_staff ON survey_staff(staff_id);
-- The survey sweep finds contacts that ended lately.
CREATE INDEX interactions_ended ON interactions(ended_at) WHERE ended_at IS NOT NULL;

-- A compliment or complaint from a customer, credited to staff or to the
-- company; a supervisor confirms it.
CREATE TABLE kudos (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    link TEXT,
    words TEXT NOT NULL,
    on_date TEXT NOT NULL,
    account_id UUID REFERENCES accounts(id),
    to_company BOOLEAN NOT NULL,
    recorded_by UUID NOT NULL REFERENCES staff_users(id),
    recorded_at BIGINT NOT NULL,
    confirmed_by UUID REFERENCES staff_users(id),
    confirmed_at BIGINT
);
CREATE INDEX kudos_recorded ON kudos(recorded_at);
CREATE TABLE kudos_staff (
    kudos_id UUID NOT NULL REFERENCES kudos(id),
    staff_id UUID NOT NULL REFERENCES staff_users(id),
    PRIMARY KEY (kudos_id, staff_id)
);
CREATE INDEX kudos_staff_staff ON kudos_staff(staff_id);
