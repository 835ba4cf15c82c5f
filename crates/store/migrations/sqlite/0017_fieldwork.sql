-- Issue 12: work orders, their technicians and services, and the
-- structured completion report.

CREATE TABLE work_orders (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts(id),
    location_id BLOB NOT NULL REFERENCES service_locations(id),
    kind TEXT NOT NULL,
    order_id BLOB REFERENCES orders(id),
    case_id BLOB REFERENCES cases(id),
    day TEXT,
    window_start TEXT,
    window_end TEXT,
    minutes BIGINT NOT NULL,
    access_notes TEXT,
    state TEXT NOT NULL,
    not_completed_reason TEXT,
    cancel_reason TEXT,
    -- Services put in pending cancellation by an override come back until then.
    grace_until BIGINT,
    created_by BLOB NOT NULL REFERENCES staff_users(id),
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX work_orders_account ON work_orders(account_id, created_at);
-- The board's waiting list: requested ones, oldest first.
CREATE INDEX work_orders_requested ON work_orders(created_at) WHERE state = 'requested';

-- Who goes, by day: the dispatch board and double-booking checks read it.
CREATE TABLE work_order_technicians (
    work_order_id BLOB NOT NULL REFERENCES work_orders(id),
    staff_id BLOB NOT NULL REFERENCES staff_users(id),
    day TEXT NOT NULL,
    PRIMARY KEY (work_order_id, staff_id)
);
CREATE INDEX work_order_technicians_day ON work_order_technicians(staff_id, day);

CREATE TABLE work_order_subscriptions (
    work_order_id BLOB NOT NULL REFERENCES work_orders(id),
    subscription_id BLOB NOT NULL REFERENCES subscriptions(id),
    position BIGINT NOT NULL,
    PRIMARY KEY (work_order_id, subscription_id)
);
CREATE INDEX work_order_subscriptions_sub ON work_order_subscriptions(subscription_id);

-- One report per work order; its structured part as JSON (lines,
-- equipment, numbers, measurements), read whole with the work order.
CREATE TABLE completion_reports (
    work_order_id BLOB PRIMARY KEY REFERENCES work_orders(id),
    report_json TEXT NOT NULL,
    filed_at BIGINT NOT NULL
);
