-- Issue 11: small orders of equipment and accessories, the offices they
-- are collected at, and free items as goodwill under authority.

-- The one-off price of equipment and accessories.
ALTER TABLE products ADD COLUMN retail_price_minor BIGINT;

CREATE TABLE offices (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    hours TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    version BIGINT NOT NULL
);

-- An order; its key makes placing it once per staff member.
CREATE TABLE orders (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts(id),
    case_id BLOB REFERENCES cases(id),
    interaction_id BLOB REFERENCES interactions(id),
    fulfilment TEXT NOT NULL,
    office_id BLOB REFERENCES offices(id),
    location_id BLOB REFERENCES service_locations(id),
    state TEXT NOT NULL,
    currency TEXT NOT NULL,
    cancel_reason TEXT,
    tracking TEXT,
    created_by BLOB NOT NULL REFERENCES staff_users(id),
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    idem_key TEXT NOT NULL
);
CREATE UNIQUE INDEX orders_key ON orders(created_by, idem_key);
CREATE INDEX orders_account ON orders(account_id, created_at);

-- A line's charge is on the ledger; what was given free of it is the
-- free_item entries about that charge.
CREATE TABLE order_lines (
    id BLOB PRIMARY KEY,
    order_id BLOB NOT NULL REFERENCES orders(id),
    position BIGINT NOT NULL,
    product_id BLOB NOT NULL REFERENCES products(id),
    product_name TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price_minor BIGINT NOT NULL,
    charge_entry_id BLOB REFERENCES ledger_entries(id),
    free_asked BOOLEAN NOT NULL
);
CREATE INDEX order_lines_order ON order_lines(order_id, position);

-- Default authority for free items (USD): agents $25 an item and $50 an
-- account a month; specialists $50/$100; supervisors $250; admins $10,000.
INSERT INTO authority_policies (id, role, staff_id, action, currency, per_entry_limit_minor, per_account_month_limit_minor, updated_at) VALUES
(X'00000000000070008000000000000011', 'agent', NULL, 'free_item', 'USD', 2500, 5000, 0),
(X'00000000000070008000000000000012', 'specialist', NULL, 'free_item', 'USD', 5000, 10000, 0),
(X'00000000000070008000000000000013', 'supervisor', NULL, 'free_item', 'USD', 25000, NULL, 0),
(X'00000000000070008000000000000014', 'admin', NULL, 'free_item', 'USD', 1000000, NULL, 0);
