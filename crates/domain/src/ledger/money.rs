//! Typed money: an amount in minor units that cannot exist without its
//! currency, and a money request parsed once into checked values.

use super::model::MoneyAction;
use super::rules;
use crate::authority::MoneyActionKind;
use crate::customers::values::required_text;
use crate::error::{DomainError, Result};
use crate::ids::{AccountId, LedgerEntryId};

/// An ISO 4217 code: three upper-case letters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Currency(String);

impl Currency {
    pub fn parse(field: &str, code: &str) -> Result<Self> {
        rules::currency(field, code).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A positive amount in minor units (cents) with its currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn parse(field: &str, minor: i64, currency: &str) -> Result<Self> {
        Ok(Self {
            minor: rules::amount(field, minor)?,
            currency: Currency::parse("currency", currency)?,
        })
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&rules::format_money(self.minor, self.currency.as_str()))
    }
}

/// A staff money request after parsing: every value checked, the key and
/// the digest of everything but the key.
#[derive(Clone, Debug)]
pub struct MoneyRequest {
    pub kind: MoneyActionKind,
    pub money: Money,
    pub charge_id: Option<LedgerEntryId>,
    pub reason: String,
    /// goodwill, service_failure or adjustment (credits only).
    pub credit_reason: Option<String>,
    /// The bill's words, when given.
    pub label: Option<String>,
    /// For refunds: how the money goes back.
    pub refund_method: Option<String>,
    /// The refund method's words, once checked against the provider's list.
    pub refund_words: Option<String>,
    /// How many entries were about the named charge when what was given
    /// about it was read: the write is refused if that changed (so the
    /// decision never rests on an older total).
    pub charge_seen: Option<i64>,
    pub key: String,
    /// The same request again (any key) has the same digest.
    pub digest: String,
}

impl MoneyRequest {
    /// Parse the request body once. The key is required.
    pub fn parse(account: AccountId, input: &MoneyAction) -> Result<Self> {
        let kind = MoneyActionKind::parse("action", input.action.trim())?;
        let money = Money::parse("amount_minor", input.amount_minor, &input.currency)?;
        let key = required_text("idempotency_key", &input.idempotency_key, 100)?;
        let credit_reason = match kind {
            MoneyActionKind::GoodwillCredit => {
                let code = input.credit_reason.as_deref().unwrap_or("goodwill").trim();
                if !matches!(code, "goodwill" | "service_failure" | "adjustment") {
                    return Err(DomainError::invalid(
                        "credit_reason",
                        "must be one of: goodwill, service_failure, adjustment",
                    ));
                }
                Some(code.to_string())
            }
            _ => None,
        };
        let charge_id = match kind {
            MoneyActionKind::ChargeWaiver | MoneyActionKind::FeeReversal => Some(
                input
                    .charge_id
                    .ok_or_else(|| DomainError::invalid("charge_id", "name the charge"))?,
            ),
            // A free item is an order line's charge given up.
            MoneyActionKind::FreeItem => Some(input.charge_id.ok_or_else(|| {
                DomainError::invalid("charge_id", "name the order line's charge")
            })?),
            // A credit may make good a charge: it is then counted against it.
            MoneyActionKind::GoodwillCredit => input.charge_id,
            MoneyActionKind::Refund => None,
        };
        let label = match input.label.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(l) if l.chars().count() > 80 => {
                return Err(DomainError::invalid(
                    "label",
                    "keep the bill's words under 80 characters",
                ));
            }
            Some(l) => Some(l.to_string()),
        };
        let refund_method = match (kind, input.refund_method.as_deref().map(str::trim)) {
            (MoneyActionKind::Refund, None | Some("")) => {
                return Err(DomainError::invalid(
                    "refund_method",
                    "say how the money goes back",
                ));
            }
            (MoneyActionKind::Refund, Some(m)) => Some(m.to_string()),
            _ => None,
        };
        Ok(Self {
            kind,
            money,
            charge_id,
            reason: required_text("reason", &input.reason, 300)?,
            credit_reason,
            label,
            refund_method,
            refund_words: None,
            charge_seen: None,
            key,
            digest: request_digest(account, input),
        })
    }
}

/// The digest of a request's body without its key: the same body sent
/// again under the same key is a replay; another body under it is refused.
pub fn request_digest(account: AccountId, input: &MoneyAction) -> String {
    let body = MoneyAction {
        idempotency_key: String::new(),
        action: input.action.trim().to_string(),
        currency: input.currency.trim().to_string(),
        reason: input.reason.trim().to_string(),
        credit_reason: input.credit_reason.as_ref().map(|c| c.trim().to_string()),
        ..input.clone()
    };
    crate::admin::secret_digest(&format!(
        "{account}|{}",
        serde_json::to_string(&body).unwrap_or_default()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(key: &str, amount: i64) -> MoneyAction {
        MoneyAction {
            action: "goodwill_credit".into(),
            amount_minor: amount,
            currency: "USD".into(),
            charge_id: None,
            reason: "outage".into(),
            credit_reason: None,
            idempotency_key: key.into(),
            ..MoneyAction::default()
        }
    }

    #[test]
    fn a_request_parses_once_into_checked_values() {
        let acc = AccountId::new();
        let r = MoneyRequest::parse(acc, &action("k", 5000)).unwrap();
        assert_eq!(r.money.minor, 5000);
        assert_eq!(r.money.currency.as_str(), "USD");
        assert_eq!(r.money.to_string(), "$50.00");
        assert_eq!(r.credit_reason.as_deref(), Some("goodwill"));
        assert!(MoneyRequest::parse(acc, &action("", 5000)).is_err());
        assert!(MoneyRequest::parse(acc, &action("k", 0)).is_err());
        let mut waiver = action("k", 100);
        waiver.action = "charge_waiver".into();
        let e = MoneyRequest::parse(acc, &waiver).unwrap_err();
        assert!(matches!(e, DomainError::Invalid { ref field, .. } if field == "charge_id"));
        let mut refund = action("k", 100);
        refund.action = "refund".into();
        let e = MoneyRequest::parse(acc, &refund).unwrap_err();
        assert!(
            matches!(e, DomainError::Invalid { ref field, .. } if field == "refund_method"),
            "a refund says how the money goes back"
        );
        refund.refund_method = Some("card".into());
        assert_eq!(
            MoneyRequest::parse(acc, &refund)
                .unwrap()
                .refund_method
                .as_deref(),
            Some("card")
        );
        let mut long = action("k", 100);
        long.label = Some("x".repeat(81));
        assert!(MoneyRequest::parse(acc, &long).is_err());
    }

    #[test]
    fn the_digest_ignores_the_key_but_not_the_body_or_account() {
        let acc = AccountId::new();
        let a = request_digest(acc, &action("a", 5000));
        assert_eq!(a, request_digest(acc, &action("b", 5000)));
        assert_ne!(a, request_digest(acc, &action("a", 5001)));
        assert_ne!(a, request_digest(AccountId::new(), &action("a", 5000)));
    }
}
