-- Issue 12: phone numbers and equipment as resources with their history;
-- port-in orders.

CREATE TABLE phone_numbers (
    -- E.164 (North American numbering): the key and the search order, in
    -- byte order (searches bound ranges with ':' after the digits).
    number TEXT COLLATE "C" PRIMARY KEY,
    -- The ten national digits reversed: "ends in 7777" reads an index.
    rev TEXT COLLATE "C" NOT NULL,
    state TEXT NOT NULL,
    -- Reserved for, assigned to, quarantined to (aging), porting in for.
    account_id UUID REFERENCES accounts(id),
    subscription_id UUID REFERENCES subscriptions(id),
    since_at BIGINT,
    -- Reserved until / aging until.
    until_at BIGINT,
    note TEXT,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- Search: available numbers of an area code, by number.
CREATE INDEX phone_numbers_state ON phone_numbers(state, number);
CREATE INDEX phone_numbers_rev ON phone_numbers(state, rev);
CREATE INDEX phone_numbers_account ON phone_numbers(account_id) WHERE account_id IS NOT NULL;
CREATE INDEX phone_numbers_subscription ON phone_numbers(subscription_id) WHERE subscription_id IS NOT NULL;

CREATE TABLE equipment (
    id UUID PRIMARY KEY,
    serial TEXT NOT NULL UNIQUE,
    model TEXT NOT NULL,
    state TEXT NOT NULL,
    office_id UUID REFERENCES offices(id),
    van_staff_id UUID REFERENCES staff_users(id),
    account_id UUID REFERENCES accounts(id),
    location_id UUID REFERENCES service_locations(id),
    subscription_id UUID REFERENCES subscriptions(id),
    condition TEXT,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX equipment_account ON equipment(account_id) WHERE account_id IS NOT NULL;

-- History of numbers (by number) and equipment (by serial).
CREATE TABLE resource_events (
    id UUID PRIMARY KEY,
    subject TEXT NOT NULL,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    account_id UUID REFERENCES accounts(id),
    actor_name TEXT NOT NULL
);
CREATE INDEX resource_events_subject ON resource_events(subject, at);

CREATE TABLE porting_orders (
    id UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts(id),
    case_id UUID NOT NULL REFERENCES cases(id),
    donor TEXT NOT NULL,
    -- The numbers as a JSON list (each is also a phone_numbers row).
    numbers TEXT NOT NULL,
    loa_received BOOLEAN NOT NULL,
    donor_account TEXT NOT NULL,
    donor_pin TEXT,
    requested_date TEXT NOT NULL,
    foc_date TEXT,
    state TEXT NOT NULL,
    reject_reason TEXT,
    created_by UUID NOT NULL REFERENCES staff_users(id),
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
-- The specialists' queue: open ones by date.
CREATE INDEX porting_orders_open ON porting_orders(requested_date) WHERE state NOT IN ('completed', 'cancelled');
CREATE INDEX porting_orders_account ON porting_orders(account_id, created_at);
