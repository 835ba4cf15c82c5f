//! One pure function decides every money request against authority.

use super::{MoneyActionKind, Policy};
use crate::ledger::format_money;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::str_enum!(Outcome { Allowed => "allowed", NotAllowed => "not_allowed" });

/// An action within the person's authority that helps instead.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Alternative {
    pub action: MoneyActionKind,
    pub amount_minor: i64,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Decision {
    pub outcome: Outcome,
    /// Why, in words an agent can say to the customer.
    pub reason: String,
    /// Best first.
    pub alternatives: Vec<Alternative>,
    /// Someone with more authority can be asked.
    pub approval_possible: bool,
}

/// What this much of this action leaves of a limit: the most one request
/// may be now.
pub(crate) fn room(policy: Option<&Policy>, used_this_month: i64) -> i64 {
    let Some(p) = policy else { return 0 };
    let month = p
        .per_account_month_limit_minor
        .map_or(i64::MAX, |m| (m - used_this_month).max(0));
    p.per_entry_limit_minor.max(0).min(month)
}

/// Decide `amount` of `action`. `policy` is the person's for the action
/// (None: no authority); `goodwill` their goodwill-credit policy with what
/// was credited on this account this month, for alternatives.
pub fn decide(
    action: MoneyActionKind,
    amount: i64,
    currency: &str,
    policy: Option<&Policy>,
    used_this_month: i64,
    goodwill: Option<(&Policy, i64)>,
) -> Decision {
    let money = |m: i64| format_money(m, currency);
    let allowed_now = room(policy, used_this_month);
    if amount <= allowed_now {
        return Decision {
            outcome: Outcome::Allowed,
            reason: format!(
                "{} of {} is within your authority",
                action.describe(),
                money(amount)
            ),
            alternatives: Vec::new(),
            approval_possible: false,
        };
    }
    let reason = match policy {
        None => format!("{} is beyond your authority", action.describe()),
        Some(p) if p.per_entry_limit_minor <= 0 => {
            format!("{} is beyond your authority", action.describe())
        }
        Some(p) if amount > p.per_entry_limit_minor => format!(
            "{} of {} exceeds your limit of {} each",
            action.describe(),
            money(amount),
            money(p.per_entry_limit_minor)
        ),
        Some(p) => format!(
            "{} of {} would pass your monthly limit on this account ({} used of {})",
            action.describe(),
            money(amount),
            money(used_this_month),
            money(p.per_account_month_limit_minor.unwrap_or(0))
        ),
    };
    let mut alternatives = Vec::new();
    match action {
        // A charge that may not be cancelled can still be made good with
        // a credit on the next bill.
        // So can an item that may not be given free.
        MoneyActionKind::ChargeWaiver
        | MoneyActionKind::FeeReversal
        | MoneyActionKind::FreeItem => {
            if let Some((g, used)) = goodwill {
                let n = room(Some(g), used).min(amount);
                if n > 0 {
                    alternatives.push(Alternative {
                        action: MoneyActionKind::GoodwillCredit,
                        amount_minor: n,
                        description: format!("a goodwill credit of {} on the next bill", money(n)),
                    });
                }
            }
        }
        MoneyActionKind::GoodwillCredit | MoneyActionKind::Refund if allowed_now > 0 => {
            alternatives.push(Alternative {
                action,
                amount_minor: allowed_now,
                description: format!("{} of {} now", action.describe(), money(allowed_now)),
            });
        }
        _ => {}
    }
    Decision {
        outcome: Outcome::NotAllowed,
        reason,
        alternatives,
        approval_possible: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::PolicyId;

    fn policy(action: MoneyActionKind, each: i64, month: Option<i64>) -> Policy {
        Policy {
            id: PolicyId::new(),
            role: Some(crate::admin::StaffRole::Agent),
            staff_id: None,
            action,
            currency: "USD".into(),
            per_entry_limit_minor: each,
            per_account_month_limit_minor: month,
            updated_at: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn within_the_limit_is_allowed() {
        let p = policy(MoneyActionKind::GoodwillCredit, 5000, Some(10000));
        let d = decide(
            MoneyActionKind::GoodwillCredit,
            3999,
            "USD",
            Some(&p),
            0,
            None,
        );
        assert_eq!(d.outcome, Outcome::Allowed);
        assert!(d.alternatives.is_empty());
        let d = decide(
            MoneyActionKind::GoodwillCredit,
            5000,
            "USD",
            Some(&p),
            5000,
            None,
        );
        assert_eq!(
            d.outcome,
            Outcome::Allowed,
            "exactly the limit is within it"
        );
    }

    #[test]
    fn s1_a_waiver_beyond_authority_offers_the_credit_on_the_next_bill() {
        let waiver = policy(MoneyActionKind::ChargeWaiver, 0, None);
        let goodwill = policy(MoneyActionKind::GoodwillCredit, 5000, Some(10000));
        let d = decide(
            MoneyActionKind::ChargeWaiver,
            3999,
            "USD",
            Some(&waiver),
            0,
            Some((&goodwill, 0)),
        );
        assert_eq!(d.outcome, Outcome::NotAllowed);
        assert_eq!(d.reason, "a charge waiver is beyond your authority");
        assert_eq!(
            d.alternatives,
            vec![Alternative {
                action: MoneyActionKind::GoodwillCredit,
                amount_minor: 3999,
                description: "a goodwill credit of $39.99 on the next bill".into()
            }]
        );
        assert!(d.approval_possible);
    }

    #[test]
    fn the_alternative_is_capped_by_what_the_month_leaves() {
        let goodwill = policy(MoneyActionKind::GoodwillCredit, 5000, Some(10000));
        let d = decide(
            MoneyActionKind::ChargeWaiver,
            8000,
            "USD",
            None,
            0,
            Some((&goodwill, 7000)),
        );
        assert_eq!(d.alternatives[0].amount_minor, 3000);
        let d = decide(
            MoneyActionKind::ChargeWaiver,
            8000,
            "USD",
            None,
            0,
            Some((&goodwill, 10000)),
        );
        assert!(
            d.alternatives.is_empty(),
            "nothing left this month: only an approval"
        );
    }

    #[test]
    fn over_the_limit_says_which_limit_and_offers_what_is_left() {
        let p = policy(MoneyActionKind::GoodwillCredit, 5000, Some(10000));
        let d = decide(
            MoneyActionKind::GoodwillCredit,
            8000,
            "USD",
            Some(&p),
            0,
            None,
        );
        assert_eq!(
            d.reason,
            "a goodwill credit of $80.00 exceeds your limit of $50.00 each"
        );
        assert_eq!(d.alternatives[0].amount_minor, 5000);
        let d = decide(
            MoneyActionKind::GoodwillCredit,
            4000,
            "USD",
            Some(&p),
            7000,
            None,
        );
        assert_eq!(
            d.reason,
            "a goodwill credit of $40.00 would pass your monthly limit on this account ($70.00 used of $100.00)"
        );
        assert_eq!(d.alternatives[0].amount_minor, 3000);
    }

    #[test]
    fn no_policy_means_no_authority() {
        let d = decide(MoneyActionKind::Refund, 1, "USD", None, 0, None);
        assert_eq!(d.outcome, Outcome::NotAllowed);
        assert_eq!(d.reason, "a refund is beyond your authority");
        assert!(d.alternatives.is_empty());
    }

    proptest::proptest! {
        /// Whatever the numbers, an allowed amount is within both limits,
        /// and every alternative offered is itself allowed.
        #[test]
        fn decisions_never_exceed_a_limit(each in 0i64..100_000, month in proptest::option::of(0i64..200_000),
                                          used in 0i64..200_000, amount in 1i64..300_000) {
            let p = policy(MoneyActionKind::GoodwillCredit, each, month);
            let d = decide(MoneyActionKind::GoodwillCredit, amount, "USD", Some(&p), used, None);
            let within = amount <= each && month.is_none_or(|m| used + amount <= m);
            proptest::prop_assert_eq!(d.outcome == Outcome::Allowed, within);
            for a in &d.alternatives {
                let again = decide(a.action, a.amount_minor, "USD", Some(&p), used, None);
                proptest::prop_assert_eq!(again.outcome, Outcome::Allowed);
            }
        }
    }
}
