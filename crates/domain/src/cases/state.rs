//! The case status machine: every allowed transition in one place.

crate::str_enum!(CaseStatus {
    New => "new",
    Open => "open",
    WaitingOnCustomer => "waiting_on_customer",
    WaitingOnThirdParty => "waiting_on_third_party",
    Resolved => "resolved",
    Closed => "closed",
});

impl CaseStatus {
    pub fn can_become(self, to: CaseStatus) -> bool {
        use CaseStatus::*;
        matches!(
            (self, to),
            (New, Open | Resolved)
                | (Open, WaitingOnCustomer | WaitingOnThirdParty | Resolved)
                | (WaitingOnCustomer, Open | WaitingOnThirdParty | Resolved)
                | (WaitingOnThirdParty, Open | WaitingOnCustomer | Resolved)
                | (Resolved, Open | Closed)
        )
    }

    pub fn is_active(self) -> bool {
        !matches!(self, CaseStatus::Resolved | CaseStatus::Closed)
    }

    pub fn check(self, to: CaseStatus) -> crate::Result<()> {
        if self.can_become(to) {
            Ok(())
        } else {
            Err(crate::DomainError::Conflict(format!(
                "a case that is {} cannot become {}",
                self.as_str().replace('_', " "),
                to.as_str().replace('_', " ")
            )))
        }
    }
}

crate::str_enum!(Priority { Urgent => "urgent", High => "high", Normal => "normal", Low => "low" });

impl Priority {
    /// (first response, resolution) targets.
    pub fn targets(self) -> (jiff::SignedDuration, jiff::SignedDuration) {
        use jiff::SignedDuration as D;
        match self {
            Priority::Urgent => (D::from_hours(1), D::from_hours(4)),
            Priority::High => (D::from_hours(4), D::from_hours(24)),
            Priority::Normal => (D::from_hours(8), D::from_hours(72)),
            Priority::Low => (D::from_hours(24), D::from_hours(24 * 7)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CaseStatus::{self, *};

    #[test]
    fn every_pair_is_decided_here() {
        let allowed = [
            (New, Open),
            (New, Resolved),
            (Open, WaitingOnCustomer),
            (Open, WaitingOnThirdParty),
            (Open, Resolved),
            (WaitingOnCustomer, Open),
            (WaitingOnCustomer, WaitingOnThirdParty),
            (WaitingOnCustomer, Resolved),
            (WaitingOnThirdParty, Open),
            (WaitingOnThirdParty, WaitingOnCustomer),
            (WaitingOnThirdParty, Resolved),
            (Resolved, Open),
            (Resolved, Closed),
        ];
        for from in CaseStatus::ALL {
            for to in CaseStatus::ALL {
                assert_eq!(
                    from.can_become(*to),
                    allowed.contains(&(*from, *to)),
                    "{from} -> {to}"
                );
                assert_eq!(from.check(*to).is_ok(), from.can_become(*to));
            }
        }
    }

    #[test]
    fn urgent_is_tighter_than_low() {
        use super::Priority::*;
        assert!(
            Urgent.targets().1 < High.targets().1
                && High.targets().1 < Normal.targets().1
                && Normal.targets().1 < Low.targets().1
        );
    }
}
