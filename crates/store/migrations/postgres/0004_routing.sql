CREATE TABLE queues (
    id UUID PRIMARY KEY,
    team_id UUID REFERENCES teams(id),
    name TEXT NOT NULL UNIQUE,
    skill TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    hours TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE staff_skills (
    staff_id UUID NOT NULL REFERENCES staff_users(id),
    skill TEXT NOT NULL,
    PRIMARY KEY (staff_id, skill)
);
CREATE INDEX staff_skills_skill ON staff_skills(skill, staff_id);

-- Availability, and since when (for available agents: idle since).
CREATE TABLE staff_presence (
    staff_id UUID PRIMARY KEY REFERENCES staff_users(id),
    state TEXT NOT NULL,
    since BIGINT NOT NULL
);

CREATE TABLE queue_entries (
    interaction_id UUID PRIMARY KEY REFERENCES interactions(id),
    queue_id UUID NOT NULL REFERENCES queues(id),
    queued_at BIGINT NOT NULL,
    offered_to UUID REFERENCES staff_users(id),
    offered_at BIGINT
);
CREATE INDEX queue_entries_waiting ON queue_entries(queue_id, offered_to, queued_at);
