ALTER TABLE interactions ADD COLUMN pending_transfer_to UUID REFERENCES staff_users(id);
ALTER TABLE interactions ADD COLUMN pending_transfer_note TEXT;
