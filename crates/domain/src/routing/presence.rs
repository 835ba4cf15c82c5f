//! Presence follows calls: a voice contact makes its owner busy from the
//! answer until its wrap-up ends; then the owner is available again, or
//! busy for the queue's after-call work time first. Away or offline, when
//! chosen, is kept through a call and after it: an agent who went offline
//! and returns a promised call is not made available for the queues.

use super::model::Availability;
use crate::interactions::Channel;

/// A step of a contact that moves its owner's presence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Step {
    Answered,
    WrappedUp,
}

/// What the owner's presence becomes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Change {
    Busy,
    /// Busy with after-call work for this many seconds, then available.
    AfterCall(i64),
    Available,
}

/// Whether a contact on this channel holds the agent like a call does.
pub fn is_voice(c: Channel) -> bool {
    matches!(
        c,
        Channel::InboundCall | Channel::OutboundCall | Channel::FollowUpCall
    )
}

/// The change a step makes, given the owner's presence now.
pub fn after(
    channel: Channel,
    step: Step,
    now: Option<Availability>,
    after_call_secs: i64,
) -> Option<Change> {
    if !is_voice(channel) {
        return None;
    }
    match (step, now) {
        // Only an available agent is taken by a call; someone away or
        // offline who makes one stays as they said (routing offers them
        // nothing either way), and a busy one stays busy.
        // On a call is busy, whatever was shown before (offline: never
        // said otherwise); a call during after-call work ends that too.
        // Away or offline was chosen: kept.
        (Step::Answered, Some(Availability::Away | Availability::Offline)) => None,
        (Step::Answered, _) => Some(Change::Busy),
        (Step::WrappedUp, Some(Availability::Busy)) if after_call_secs > 0 => {
            Some(Change::AfterCall(after_call_secs))
        }
        (Step::WrappedUp, Some(Availability::Busy)) => Some(Change::Available),
        // Away or offline was chosen during the call: keep it.
        (Step::WrappedUp, _) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Availability::*;

    #[test]
    fn a_call_makes_its_owner_busy_until_the_wrap_up_ends() {
        let call = Channel::InboundCall;
        assert_eq!(
            after(call, Step::Answered, Some(Available), 0),
            Some(Change::Busy)
        );
        assert_eq!(
            after(call, Step::Answered, None, 0),
            Some(Change::Busy),
            "on a call is busy, though never said available"
        );
        assert_eq!(
            after(call, Step::Answered, Some(Offline), 0),
            None,
            "offline was chosen: a call made then does not make her available after it"
        );
        assert_eq!(
            after(call, Step::Answered, Some(Away), 0),
            None,
            "away was chosen"
        );
        assert_eq!(after(call, Step::WrappedUp, None, 0), None);
        assert_eq!(
            after(call, Step::Answered, Some(Busy), 0),
            Some(Change::Busy),
            "a call during after-call work ends it (busy, without an end time)"
        );
        assert_eq!(
            after(call, Step::WrappedUp, Some(Busy), 0),
            Some(Change::Available)
        );
        assert_eq!(
            after(call, Step::WrappedUp, Some(Busy), 45),
            Some(Change::AfterCall(45))
        );
        assert_eq!(
            after(call, Step::WrappedUp, Some(Away), 45),
            None,
            "her own choice stays"
        );
        assert_eq!(after(call, Step::WrappedUp, Some(Offline), 0), None);
        assert_eq!(
            after(Channel::OutboundCall, Step::Answered, Some(Available), 0),
            Some(Change::Busy)
        );
    }

    #[test]
    fn written_contacts_do_not_hold_the_agent() {
        for c in [
            Channel::Email,
            Channel::Chat,
            Channel::Sms,
            Channel::Social,
            Channel::InPerson,
        ] {
            assert_eq!(after(c, Step::Answered, Some(Available), 0), None, "{c}");
            assert_eq!(after(c, Step::WrappedUp, Some(Busy), 30), None, "{c}");
        }
    }
}
