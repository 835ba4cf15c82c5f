//! The customer beside the work: the account's essentials in a side panel
//! on the contact, case and money pages (holder and representatives with
//! consent, balance and overpayment, open cases, recent contacts, notes,
//! the customer's local time), so the agent never leaves the call to look.

use super::customers::{PartyRow, party_row};
use super::{UiError, ago, when};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use extramile_domain::ids::AccountId;
use extramile_domain::ledger::format_money;

#[derive(Template)]
#[template(path = "customer_panel.html")]
pub struct CustomerPanel {
    pub account_id: String,
    pub number: String,
    pub name: String,
    pub status: String,
    pub parties: Vec<PartyRow>,
    /// "$5.00 owed", "$70.01 in credit", "nothing owed".
    pub balance: String,
    pub overpaid: Option<String>,
    /// Open cases: id, title, status.
    pub cases: Vec<(String, String, String)>,
    /// Recent contacts: id, channel, state, when.
    pub contacts: Vec<(String, String, String, String)>,
    /// Latest notes: author, when, text.
    pub notes: Vec<(String, String, String)>,
    pub local: Option<(String, String)>,
}

/// The panel for an account, or None when the viewer may not read it.
pub async fn panel(
    s: &AppState,
    u: &CurrentUser,
    account: AccountId,
) -> Result<CustomerPanel, UiError> {
    let actor = u.actor();
    let v = s.customers.customer_360(&actor, account).await?;
    let standing = s.ledger.standing(&actor, account).await?;
    let cases = s.cases.for_account(&actor, account).await?;
    let contacts = s.interactions.for_account(&actor, account).await?;
    let m = |x: i64| format_money(x, &standing.currency);
    Ok(CustomerPanel {
        account_id: account.to_string(),
        number: v.account.number.clone(),
        name: v.account.name.clone(),
        status: v.account.status.as_str().replace('_', " "),
        parties: v
            .parties
            .iter()
            .filter(|p| p.role.ended_on.is_none())
            .map(|p| party_row(p, &v))
            .collect(),
        balance: match standing.balance_minor {
            0 => "nothing owed".into(),
            b if b > 0 => format!("{} owed", m(b)),
            b => format!("{} in credit", m(-b)),
        },
        overpaid: standing.overpayment_minor.map(m),
        cases: cases
            .iter()
            .filter(|c| c.resolved_at.is_none())
            .take(5)
            .map(|c| {
                (
                    c.id.to_string(),
                    c.title.clone(),
                    c.status.as_str().replace('_', " "),
                )
            })
            .collect(),
        contacts: contacts
            .iter()
            .take(5)
            .map(|i| {
                (
                    i.id.to_string(),
                    i.channel.as_str().replace('_', " "),
                    i.state.as_str().replace('_', " "),
                    format!("{} ago", ago(i.started_at)),
                )
            })
            .collect(),
        notes: v
            .notes
            .iter()
            .take(3)
            .map(|n| (n.author_name.clone(), when(n.created_at), n.body.clone()))
            .collect(),
        local: v
            .locations
            .iter()
            .find_map(|l| l.time_zone.as_deref())
            .and_then(super::local_time),
    })
}

/// The panel rendered for a page's aside; refreshed live when the
/// account's money changes.
pub fn slot(account: AccountId, p: &CustomerPanel) -> Result<String, UiError> {
    Ok(format!(
        "<div class=\"panel-slot\" data-refresh=\"/ui/accounts/{account}/panel\" data-on=\"ledger,approval\" data-match=\"account_id:{account}\">{}</div>",
        super::fragment(p)?
    ))
}

/// The panel alone, refreshed when the account's money changes.
pub async fn panel_fragment(
    axum::extract::State(s): axum::extract::State<AppState>,
    u: CurrentUser,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<axum::response::Response, UiError> {
    let id: AccountId = super::path_id(&id, "account")?;
    Ok(axum::response::IntoResponse::into_response(
        axum::response::Html(super::fragment(&panel(&s, &u, id).await?)?),
    ))
}
