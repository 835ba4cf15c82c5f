-- Timestamps are BIGINT microseconds since the Unix epoch; ids are UUID v7.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE teams (id UUID PRIMARY KEY, name TEXT NOT NULL UNIQUE);

CREATE TABLE staff_users (
    id UUID PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    team_id UUID REFERENCES teams(id),
    active BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    password_hash TEXT NOT NULL,
    failed_signins BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT
);

CREATE TABLE sessions (
    digest TEXT PRIMARY KEY,
    staff_id UUID NOT NULL REFERENCES staff_users(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    digest TEXT PRIMARY KEY,
    staff_id UUID NOT NULL REFERENCES staff_users(id),
    label TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE people (
    id UUID PRIMARY KEY,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    preferred_language TEXT,
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);

CREATE TABLE accounts (
    id UUID PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    account_type TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);

CREATE TABLE account_roles (
    id UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts(id),
    person_id UUID NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    consent_given_by UUID REFERENCES people(id),
    consent_given_at BIGINT,
    consent_method TEXT,
    consent_note TEXT,
    ended_reason TEXT,
    ended_on TEXT,
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX account_roles_account ON account_roles(account_id);
CREATE INDEX account_roles_person ON account_roles(person_id);

CREATE TABLE contact_points (
    id UUID PRIMARY KEY,
    person_id UUID NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    normalized TEXT NOT NULL,
    label TEXT,
    is_primary BOOLEAN NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX contact_points_lookup ON contact_points(normalized, kind);
CREATE INDEX contact_points_person ON contact_points(person_id);

CREATE TABLE service_locations (
    id UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts(id),
    line1 TEXT NOT NULL,
    line2 TEXT,
    city TEXT NOT NULL,
    region TEXT,
    postcode TEXT NOT NULL,
    country TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX service_locations_account ON service_locations(account_id);

CREATE TABLE products (
    id UUID PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    monthly_price_minor BIGINT NOT NULL,
    currency TEXT NOT NULL
);

CREATE TABLE subscriptions (
    id UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts(id),
    location_id UUID NOT NULL REFERENCES service_locations(id),
    product_id UUID NOT NULL REFERENCES products(id),
    status TEXT NOT NULL,
    start_date TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX subscriptions_account ON subscriptions(account_id);

CREATE TABLE subscription_events (
    id UUID PRIMARY KEY,
    subscription_id UUID NOT NULL REFERENCES subscriptions(id),
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    actor_name TEXT NOT NULL
);
CREATE INDEX subscription_events_subscription ON subscription_events(subscription_id);

CREATE TABLE notes (
    id UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts(id),
    author_id UUID,
    author_name TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX notes_account ON notes(account_id);

CREATE TABLE audit_events (
    id UUID PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id UUID,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id UUID NOT NULL,
    account_id UUID,
    summary TEXT NOT NULL,
    reason TEXT,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_events_entity ON audit_events(entity_id, id);
CREATE INDEX audit_events_account ON audit_events(account_id, id);

-- Lookup: normalized name terms (field 'n', entity = person) and address
-- terms (field 'a', entity = service location).
CREATE TABLE search_terms (
    field TEXT NOT NULL,
    term TEXT COLLATE "C" NOT NULL,
    entity_id UUID NOT NULL,
    PRIMARY KEY (field, term, entity_id)
);
CREATE INDEX search_terms_entity ON search_terms(entity_id);

-- Typo tolerance: each indexed word and its single-deletion variants.
CREATE TABLE term_variants (
    variant TEXT COLLATE "C" NOT NULL,
    term TEXT NOT NULL,
    PRIMARY KEY (variant, term)
);
