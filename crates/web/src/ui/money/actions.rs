//! The Money tab's forms: check or apply a money action, ask for
//! approval, hold or uphold a dispute.

use super::rows::decision_view;
use super::{Said, page};
use crate::auth::CurrentUser;
use crate::state::AppState;
use crate::ui::{Fields, Typed, UiError, path_id, refusal, text};
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use extramile_domain::DomainError;
use extramile_domain::ids::{AccountId, LedgerEntryId};
use extramile_domain::ledger::{ActionResult, DisputeInput, MoneyAction, parse_money};

/// The form as a request: the amount as typed, the charge when one is chosen.
fn money_action(f: &Fields) -> Result<MoneyAction, DomainError> {
    let charge_id =
        match f.get("charge_id").map(|c| c.trim()) {
            None | Some("") => None,
            Some(c) => Some(c.parse::<LedgerEntryId>().map_err(|_| {
                DomainError::invalid("charge", "choose one of the account's charges")
            })?),
        };
    Ok(MoneyAction {
        action: text(f, "action"),
        amount_minor: parse_money("amount", &text(f, "amount"))?,
        currency: text(f, "currency"),
        charge_id,
        reason: text(f, "reason"),
        credit_reason: f.get("credit_reason").filter(|c| !c.is_empty()).cloned(),
        label: f.get("label").filter(|c| !c.trim().is_empty()).cloned(),
        refund_method: f.get("refund_method").filter(|c| !c.is_empty()).cloned(),
        idempotency_key: text(f, "idempotency_key"),
    })
}

/// A refusal in the dialog's words ("Amount: ...", not "amount minor: ...").
fn said(e: &DomainError) -> (StatusCode, String) {
    let words = match e {
        DomainError::Invalid { field, .. } => match field.as_str() {
            "amount_minor" | "amount" => Some("Amount"),
            "charge_id" | "charge" => Some("Charge it is about"),
            "refund_method" => Some("Refund paid back by"),
            "reason" => Some("Internal note"),
            "label" => Some("On the customer's bill"),
            "credit_reason" => Some("Credit for"),
            _ => None,
        },
        _ => None,
    };
    match (words, e) {
        (Some(w), DomainError::Invalid { message, .. }) => {
            (StatusCode::UNPROCESSABLE_ENTITY, format!("{w}: {message}"))
        }
        _ => refusal(e),
    }
}

/// The page a money form came from on this site (the contact page), to go
/// back to once it is applied.
fn back_of(f: &Fields) -> Option<String> {
    f.get("back")
        .filter(|b| b.starts_with("/interactions/") && !b.contains("//") && !b.contains('?'))
        .cloned()
}

/// Check or apply a credit, waiver, fee reversal or refund.
pub(super) async fn act(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let id: AccountId = path_id(&id, "account")?;
    let actor = u.actor();
    let input = match money_action(&f) {
        Ok(i) => i,
        Err(e) => return page(&s, &u, id, Some(said(&e)), Said::default(), Typed(f)).await,
    };
    if f.get("intent").map(String::as_str) == Some("check") {
        return match s.ledger.check(&actor, id, &input).await {
            Ok(d) => {
                let decision = Some(decision_view(d, input));
                let said = Said {
                    decision,
                    ..Said::default()
                };
                page(&s, &u, id, None, said, Typed(f)).await
            }
            Err(e) => page(&s, &u, id, Some(said(&e)), Said::default(), Typed(f)).await,
        };
    }
    // A refund pays money out: it is confirmed first, saying how it goes back.
    if input.action == "refund" && f.get("confirmed").map(String::as_str) != Some("yes") {
        if let Err(e) = s.ledger.check(&actor, id, &input).await {
            return page(&s, &u, id, Some(said(&e)), Said::default(), Typed(f)).await;
        }
        let methods = extramile_domain::workspace::PickLists::new(s.store.clone())
            .offered(extramile_domain::workspace::ListKind::RefundMethod)
            .await?;
        let method = input.refund_method.clone().unwrap_or_default();
        let said = Said {
            confirm: Some(super::ConfirmRefund {
                amount: extramile_domain::ledger::format_money(input.amount_minor, &input.currency),
                amount_typed: super::decimal(input.amount_minor),
                method_label: extramile_domain::workspace::picklists::label_of(&methods, &method),
                method,
                reason: input.reason.clone(),
                label: input.label.clone().unwrap_or_default(),
                key: input.idempotency_key.clone(),
            }),
            ..Said::default()
        };
        return page(&s, &u, id, None, said, Typed(f)).await;
    }
    match s.ledger.act(&actor, id, input.clone()).await {
        // From the contact page: back to the call, saying what was applied.
        Ok(ActionResult::Applied { entry, replayed }) if back_of(&f).is_some() => {
            Ok(Redirect::to(&format!(
                "{}?applied={}{}#make-good",
                back_of(&f).unwrap_or_default(),
                entry.id,
                if replayed { "&again=1" } else { "" }
            ))
            .into_response())
        }
        Ok(ActionResult::Applied { entry, replayed }) => Ok(Redirect::to(&format!(
            "/accounts/{id}/money?entry={}{}",
            entry.id,
            if replayed { "&again=1" } else { "" }
        ))
        .into_response()),
        Ok(ActionResult::NotAllowed(d)) => {
            // The decision shows beside the form; the status says refused.
            let said = Said {
                decision: Some(decision_view(d, input)),
                ..Said::default()
            };
            let mut r = page(&s, &u, id, None, said, Typed(f)).await?;
            *r.status_mut() = StatusCode::FORBIDDEN;
            Ok(r)
        }
        Err(e) => page(&s, &u, id, Some(said(&e)), Said::default(), Typed(f)).await,
    }
}

/// Ask someone with more authority for exactly what was refused.
pub(super) async fn request(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let id: AccountId = path_id(&id, "account")?;
    let done = async {
        let input = money_action(&f)?;
        s.authority.request(&u.actor(), id, input).await
    }
    .await;
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/accounts/{id}/money?done=requested")).into_response()),
        Err(e) => page(&s, &u, id, Some(said(&e)), Said::default(), Typed(f)).await,
    }
}

/// Hold a charge in dispute, or uphold a held one.
pub(super) async fn dispute(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let id: AccountId = path_id(&id, "account")?;
    let hold = f.get("hold").map(String::as_str) == Some("yes");
    let done = async {
        let input = DisputeInput {
            charge_id: crate::ui::id_of(&f, "charge_id", "charge")?,
            reason: text(&f, "reason"),
            idempotency_key: text(&f, "idempotency_key"),
        };
        s.ledger.dispute(&u.actor(), id, input, hold).await
    }
    .await;
    match done {
        Ok(_) => Ok(Redirect::to(&format!(
            "/accounts/{id}/money?done={}",
            if hold { "held" } else { "upheld" }
        ))
        .into_response()),
        Err(e) => {
            page(
                &s,
                &u,
                id,
                Some(refusal(&e)),
                Said::default(),
                Typed::default(),
            )
            .await
        }
    }
}
