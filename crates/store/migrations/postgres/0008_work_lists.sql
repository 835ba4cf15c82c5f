-- Work lists: the contacts a staff member takes part in, is offered, or is
-- asked to accept; each branch of the list's UNION is an indexed equality.
CREATE INDEX interaction_participants_staff ON interaction_participants(staff_id, left_at);
CREATE INDEX interactions_pending_transfer ON interactions(pending_transfer_to);
CREATE INDEX queue_entries_offered ON queue_entries(offered_to);
CREATE INDEX consults_picked ON consults(picked_by, status);
CREATE INDEX consults_interaction ON consults(interaction_id);

-- A contact that leaves its queue without being routed (abandoned, or
-- answered by someone else) is marked, so the waiting list is exactly the
-- unrouted, unmarked entries of a queue, read from one partial index.
ALTER TABLE queue_entries ADD COLUMN left_at BIGINT;
UPDATE queue_entries SET left_at = queued_at
 WHERE offered_to IS NULL AND interaction_id IN (SELECT id FROM interactions WHERE state <> 'queued');
CREATE INDEX queue_entries_unrouted ON queue_entries(queue_id, queued_at, interaction_id)
 WHERE offered_to IS NULL AND left_at IS NULL;

-- Routing looks for the longest-idle available agents: few of many.
CREATE INDEX staff_presence_state ON staff_presence(state, since);
