//! The order's state machine and its checks.
//!
//! ```text
//! placed ──▶ ready ──▶ collected   (pickup at an office)
//!   │          │  └──▶ shipped     (ship to a service location)
//!   └──────────┴─────▶ cancelled (reason)
//! placed ──▶ installed | cancelled  (install: follows its work order)
//! ```
//! Collected, shipped, installed and cancelled are final. Cancelling takes
//! back the charges still open on the bill; an install order is cancelled
//! through its work order (guarded by the completion report).

use super::model::*;
use crate::error::{DomainError, Result};

/// The most lines an order has, and the most of one item.
pub const MAX_LINES: usize = 20;
pub const MAX_QUANTITY: i64 = 50;

pub fn can_become(from: OrderState, to: OrderState, how: Fulfilment) -> bool {
    use OrderState::*;
    if how == Fulfilment::Install {
        return matches!((from, to), (Placed, Installed) | (Placed, Cancelled));
    }
    match (from, to) {
        (Placed, Ready) => true,
        (Ready, Collected) => how == Fulfilment::Pickup,
        (Ready, Shipped) => how == Fulfilment::Ship,
        (Placed | Ready, Cancelled) => true,
        _ => false,
    }
}

/// Why a step is refused, in words for the person who tried it.
pub fn check(from: OrderState, to: OrderState, how: Fulfilment) -> Result<()> {
    if can_become(from, to, how) {
        return Ok(());
    }
    let why = match (from, to) {
        (_, OrderState::Ready | OrderState::Collected | OrderState::Shipped)
            if how == Fulfilment::Install =>
        {
            "an install order follows its work order: the completion report installs it".into()
        }
        (
            OrderState::Collected
            | OrderState::Shipped
            | OrderState::Installed
            | OrderState::Cancelled,
            _,
        ) => {
            format!("this order is already {from}; it cannot become {to}")
        }
        (_, OrderState::Collected) if how == Fulfilment::Ship => {
            "this order is shipped, not collected at an office".into()
        }
        (_, OrderState::Shipped) if how == Fulfilment::Pickup => {
            "this order is collected at an office, not shipped".into()
        }
        (OrderState::Placed, OrderState::Collected | OrderState::Shipped) => {
            "mark it ready first (picked and packed)".into()
        }
        _ => format!("a {from} order cannot become {to}"),
    };
    Err(DomainError::Conflict(why))
}

pub fn quantity(i: usize, q: Option<i64>) -> Result<i64> {
    let q = q.unwrap_or(1);
    if !(1..=MAX_QUANTITY).contains(&q) {
        return Err(DomainError::invalid(
            format!("lines[{i}].quantity"),
            format!("must be between 1 and {MAX_QUANTITY}"),
        ));
    }
    Ok(q)
}

pub fn if_not_allowed(v: Option<&str>) -> Result<&'static str> {
    match v.map(str::trim) {
        None | Some("") | Some("refuse") => Ok("refuse"),
        Some("ask_approval") => Ok("ask_approval"),
        Some("charge") => Ok("charge"),
        Some(_) => Err(DomainError::invalid(
            "if_not_allowed",
            "must be one of: refuse, ask_approval, charge",
        )),
    }
}

/// "open until 17:00" / "closed, opens Mon 09:00" for an office now.
pub fn hours_now(
    hours: &crate::routing::hours::Hours,
    tz: &jiff::tz::TimeZone,
    now: jiff::Timestamp,
) -> (bool, String) {
    if hours.always {
        return (true, "open 24/7".into());
    }
    if hours.is_open(tz, now) {
        let local = now.to_zoned(tz.clone());
        let close = hours
            .windows
            .iter()
            .filter(|w| w.day == local.weekday() && w.open <= local.time())
            .map(|w| w.close)
            .max();
        return (
            true,
            close.map_or("open now".into(), |c| {
                if c == jiff::civil::Time::MAX {
                    "open until midnight".into()
                } else {
                    format!("open until {}", c.strftime("%H:%M"))
                }
            }),
        );
    }
    match hours.next_opening(tz, now) {
        Some(z) => (false, format!("closed, opens {}", z.strftime("%a %H:%M"))),
        None => (false, "closed".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderState::*;

    #[test]
    fn every_pair_of_states_is_decided_here() {
        let pickup = [
            (Placed, Ready),
            (Ready, Collected),
            (Placed, Cancelled),
            (Ready, Cancelled),
        ];
        let ship = [
            (Placed, Ready),
            (Ready, Shipped),
            (Placed, Cancelled),
            (Ready, Cancelled),
        ];
        for from in OrderState::ALL {
            for to in OrderState::ALL {
                assert_eq!(
                    can_become(*from, *to, Fulfilment::Pickup),
                    pickup.contains(&(*from, *to)),
                    "pickup {from} -> {to}"
                );
                assert_eq!(
                    can_become(*from, *to, Fulfilment::Ship),
                    ship.contains(&(*from, *to)),
                    "ship {from} -> {to}"
                );
                assert_eq!(
                    can_become(*from, *to, Fulfilment::Install),
                    [(Placed, Installed), (Placed, Cancelled)].contains(&(*from, *to)),
                    "install {from} -> {to}"
                );
                assert_eq!(
                    check(*from, *to, Fulfilment::Pickup).is_ok(),
                    can_become(*from, *to, Fulfilment::Pickup)
                );
            }
        }
    }

    #[test]
    fn refusals_say_why() {
        let e = check(Collected, Cancelled, Fulfilment::Pickup).unwrap_err();
        assert!(e.to_string().contains("already collected"), "{e}");
        let e = check(Ready, Collected, Fulfilment::Ship).unwrap_err();
        assert!(e.to_string().contains("shipped, not collected"), "{e}");
        let e = check(Placed, Shipped, Fulfilment::Ship).unwrap_err();
        assert!(e.to_string().contains("ready first"), "{e}");
        let e = check(Placed, Ready, Fulfilment::Install).unwrap_err();
        assert!(e.to_string().contains("follows its work order"), "{e}");
    }

    #[test]
    fn quantities_and_choices_are_bounded() {
        assert_eq!(quantity(0, None).unwrap(), 1);
        assert!(
            quantity(2, Some(0))
                .unwrap_err()
                .to_string()
                .contains("lines[2].quantity")
        );
        assert!(quantity(0, Some(51)).is_err());
        assert_eq!(
            if_not_allowed(Some("ask_approval")).unwrap(),
            "ask_approval"
        );
        assert!(if_not_allowed(Some("later")).is_err());
    }

    #[test]
    fn office_hours_read_as_people_say_them() {
        let h = crate::routing::hours::Hours::parse("mon-fri 09:00-17:00").unwrap();
        let tz = jiff::tz::TimeZone::get("America/Chicago").unwrap();
        // Friday 27 Nov 2026, 10:00 in Chicago.
        let fri: jiff::Timestamp = "2026-11-27T16:00:00Z".parse().unwrap();
        assert_eq!(hours_now(&h, &tz, fri), (true, "open until 17:00".into()));
        // Saturday: closed until Monday.
        let sat: jiff::Timestamp = "2026-11-28T16:00:00Z".parse().unwrap();
        assert_eq!(
            hours_now(&h, &tz, sat),
            (false, "closed, opens Mon 09:00".into())
        );
    }
}
