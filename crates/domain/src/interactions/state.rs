//! The interaction state machine: every allowed transition in one place.

crate::str_enum!(InteractionState {
    Offered => "offered",
    Queued => "queued",
    Connected => "connected",
    OnHold => "on_hold",
    WrapUp => "wrap_up",
    Ended => "ended",
});

impl InteractionState {
    pub fn can_become(self, to: InteractionState) -> bool {
        use InteractionState::*;
        matches!(
            (self, to),
            (Offered, Queued | Connected | Ended)
                | (Queued, Connected | Ended)
                | (Connected, OnHold | WrapUp)
                | (OnHold, Connected | WrapUp)
                | (WrapUp, Ended)
        )
    }

    /// Customer and staff are still talking (or waiting to).
    pub fn is_live(self) -> bool {
        !matches!(self, InteractionState::WrapUp | InteractionState::Ended)
    }

    pub fn check(self, to: InteractionState) -> crate::Result<()> {
        if self.can_become(to) {
            Ok(())
        } else {
            Err(crate::DomainError::Conflict(format!(
                "an interaction that is {} cannot become {}",
                self.as_str().replace('_', " "),
                to.as_str().replace('_', " ")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::InteractionState::{self, *};

    #[test]
    fn every_pair_is_decided_here() {
        let allowed = [
            (Offered, Queued),
            (Offered, Connected),
            (Offered, Ended),
            (Queued, Connected),
            (Queued, Ended),
            (Connected, OnHold),
            (Connected, WrapUp),
            (OnHold, Connected),
            (OnHold, WrapUp),
            (WrapUp, Ended),
        ];
        for from in InteractionState::ALL {
            for to in InteractionState::ALL {
                assert_eq!(
                    from.can_become(*to),
                    allowed.contains(&(*from, *to)),
                    "{from} -> {to}"
                );
                assert_eq!(from.check(*to).is_ok(), from.can_become(*to));
            }
        }
        assert!(!Ended.is_live() && !WrapUp.is_live() && OnHold.is_live());
    }
}
