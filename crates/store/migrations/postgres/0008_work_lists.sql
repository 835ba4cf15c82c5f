-- Work lists: the contacts a staff member takes part in, is offered, or is
-- asked to accept; each branch of the list's UNION is an indexed equality.
CREATE INDEX interaction_participants_staff ON interaction_participants(staff_id, left_at);
CREATE INDEX interactions_pending_transfer ON interactions(pending_transfer_to);
CREATE INDEX queue_entries_offered ON queue_entries(offered_to);
CREATE INDEX consults_picked ON consults(picked_by, status);
CREATE INDEX consults_interaction ON consults(interaction_id);
