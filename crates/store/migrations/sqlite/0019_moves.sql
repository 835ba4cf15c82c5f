-- Issue 12: moves with their final reading, meter readings, and the
-- integration events the billing system reads.

CREATE TABLE moves (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts(id),
    from_location_id BLOB NOT NULL REFERENCES service_locations(id),
    to_location_id BLOB NOT NULL REFERENCES service_locations(id),
    move_date TEXT NOT NULL,
    start_date TEXT NOT NULL,
    -- The subscriptions that move and the final reading, as JSON.
    subscriptions TEXT NOT NULL,
    reading TEXT,
    disconnect_work_order_id BLOB REFERENCES work_orders(id),
    connect_work_order_id BLOB REFERENCES work_orders(id),
    state TEXT NOT NULL,
    cancel_reason TEXT,
    created_by BLOB NOT NULL REFERENCES staff_users(id),
    created_at BIGINT NOT NULL,
    completed_at BIGINT,
    version BIGINT NOT NULL
);
CREATE INDEX moves_account ON moves(account_id, created_at);

-- Every reading taken, by meter: a new one is compared with the last.
CREATE TABLE meter_readings (
    id BLOB PRIMARY KEY,
    meter_id TEXT NOT NULL,
    account_id BLOB NOT NULL REFERENCES accounts(id),
    location_id BLOB NOT NULL REFERENCES service_locations(id),
    value_milli BIGINT NOT NULL,
    reading TEXT NOT NULL,
    read_on TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    move_id BLOB REFERENCES moves(id)
);
CREATE INDEX meter_readings_meter ON meter_readings(meter_id, read_on, recorded_at);

CREATE TABLE integration_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    account_id BLOB REFERENCES accounts(id),
    payload TEXT NOT NULL,
    at BIGINT NOT NULL
);

-- An install order's work order.
CREATE INDEX work_orders_order ON work_orders(order_id) WHERE order_id IS NOT NULL;
