//! Search, the customer 360 and the person page, the audit log.

use super::{Shell, UiError, money, render, when};
use crate::auth::CurrentUser;
use crate::error::path_id;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use extramile_domain::DomainError;
use extramile_domain::access::{Action, allowed};
use extramile_domain::audit::AuditEvent;
use extramile_domain::customers::lookup::LookupHit;
use extramile_domain::customers::model::*;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "results.html")]
struct Results {
    q: String,
    hits: Vec<LookupHit>,
    /// How many matched in all (counted up to 200), and whether more.
    total: usize,
    more: bool,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    shell: Shell,
    results: String,
}

#[derive(Deserialize)]
struct Q {
    q: Option<String>,
    tab: Option<String>,
    /// Sent by the header's lookup box: one exact match opens at once.
    go: Option<String>,
}

async fn results_html(s: &AppState, u: &CurrentUser, q: &str) -> Result<String, UiError> {
    let page = if q.trim().is_empty() {
        extramile_domain::customers::lookup::LookupPage {
            hits: Vec::new(),
            total: 0,
            more: false,
        }
    } else {
        s.customers.lookup_page(&u.actor(), q).await?
    };
    Results {
        q: q.trim().to_string(),
        hits: page.hits,
        total: page.total,
        more: page.more,
    }
    .render()
    .map_err(|e| UiError(DomainError::Store(e.to_string())))
}

async fn search(
    State(s): State<AppState>,
    u: CurrentUser,
    Query(q): Query<Q>,
) -> Result<Response, UiError> {
    let text = q.q.unwrap_or_default();
    // Enter in the lookup box before the live results came: an exact
    // phone, e-mail or account number with one match opens that customer.
    if q.go.is_some() && !text.trim().is_empty() {
        use extramile_domain::customers::lookup::MatchKind;
        let page = s.customers.lookup_page(&u.actor(), &text).await?;
        if let [hit] = page.hits.as_slice()
            && page.total == 1
            && matches!(
                hit.matched,
                MatchKind::Phone | MatchKind::Email | MatchKind::AccountNumber
            )
            && let Some(a) = hit.account_id
        {
            return Ok(axum::response::Redirect::to(&format!("/accounts/{a}")).into_response());
        }
    }
    let results = results_html(&s, &u, &text).await?;
    let mut shell = Shell::of(&u);
    shell.q = text;
    Ok(render(&SearchPage { shell, results }))
}

async fn fragment(
    State(s): State<AppState>,
    u: CurrentUser,
    Query(q): Query<Q>,
) -> Result<Response, UiError> {
    Ok(Html(results_html(&s, &u, q.q.as_deref().unwrap_or_default()).await?).into_response())
}

pub struct PartyRow {
    pub person_id: String,
    pub role_id: String,
    pub name: String,
    pub role_kind: &'static str,
    pub role_label: String,
    pub ended: Option<String>,
    pub consent: Option<String>,
    pub contacts: Vec<(String, String, String)>,
}

pub struct SubRow {
    pub id: String,
    pub product: String,
    pub price: String,
    pub status: String,
    pub start: String,
    pub location: String,
    pub history: Vec<(String, String, String)>,
}

pub struct EventRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub summary: String,
    pub reason: Option<String>,
    pub before: String,
    pub after: String,
    /// What changed, field by field: (field, before, after).
    pub changes: Vec<(String, String, String)>,
    pub account_id: Option<String>,
}

pub fn event_row(e: &AuditEvent) -> EventRow {
    let pretty = |v: &Option<serde_json::Value>| {
        v.as_ref()
            .and_then(|v| serde_json::to_string_pretty(v).ok())
            .unwrap_or_default()
    };
    EventRow {
        at: when(e.at),
        actor: e.actor_name.clone(),
        action: e.action.clone(),
        entity: e.entity_type.replace('_', " "),
        summary: e.summary.clone(),
        reason: e.reason.clone(),
        before: pretty(&e.before),
        after: pretty(&e.after),
        changes: extramile_domain::audit::changes(e.before.as_ref(), e.after.as_ref()),
        account_id: e.account_id.map(|a| a.to_string()),
    }
}

pub fn contact_rows(cps: &[ContactPoint]) -> Vec<(String, String, String)> {
    cps.iter()
        .map(|c| {
            (
                c.kind.as_str().to_string(),
                c.label.clone().unwrap_or_default(),
                c.value.clone(),
            )
        })
        .collect()
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    shell: Shell,
    a: Account,
    since: String,
    tab: String,
    can_edit: bool,
    can_roles: bool,
    can_audit: bool,
    /// Current holders: the last one cannot be ended, so it gets no link.
    holders: usize,
    parties: Vec<PartyRow>,
    subs: Vec<SubRow>,
    locations: Vec<(String, String)>,
    notes: Vec<(String, String, String)>,
    timeline: Vec<EventRow>,
    /// Recent contacts: id, channel, state, started.
    contacts: Vec<(String, String, String, String)>,
    /// Cases: id, title, status, opened.
    cases: Vec<(String, String, String, String)>,
    /// People on the account for starting a contact: id, name.
    people: Vec<(String, String)>,
    /// The balance as it reads ("$5.00 owed", "$70.01 in credit"), and the
    /// overpayment to refund when flagged.
    balance: String,
    overpaid: Option<String>,
    /// The customer's local time where a location's zone is known.
    local: Option<(String, String)>,
    /// Calls promised to the customer, open first.
    follow_ups: Vec<super::followups::FollowUpRow>,
    /// Orders, newest first.
    orders: Vec<super::orders::OrderRow>,
    /// Work orders, newest first.
    work_orders: Vec<super::fieldwork::WorkOrderRow>,
    /// Services pending cancellation, and the work order that can restore
    /// them with until when.
    pending_cancel: Option<(usize, String, String)>,
    /// Numbers and equipment the customer holds.
    holdings: Vec<super::resources::HoldingRow>,
    /// Moves, newest first: (id, the one status line, state).
    moves: Vec<(String, String, String)>,
    /// Port-in orders, newest first: (id, numbers, state).
    ports: Vec<(String, String, String)>,
}

pub fn party_row(p: &Party, v: &Customer360) -> PartyRow {
    let name_of = |id| {
        v.parties
            .iter()
            .find(|x| x.person.id == id)
            .map(|x| x.person.full_name())
            .unwrap_or_else(|| "a holder".into())
    };
    PartyRow {
        person_id: p.person.id.to_string(),
        role_id: p.role.id.to_string(),
        name: p.person.full_name(),
        role_kind: p.role.kind.as_str(),
        role_label: match (p.role.kind, p.role.ended_on.is_some()) {
            (RoleKind::AuthorizedRepresentative, true) => "representative (ended)".into(),
            (k, _) => k.as_str().replace('_', " "),
        },
        ended: p.role.ended_on.map(|d| {
            format!(
                "Since {d}: {}",
                p.role.ended_reason.clone().unwrap_or_default()
            )
        }),
        consent: p.role.consent.as_ref().map(|c| {
            format!(
                "given by {} ({}) on {}{}",
                name_of(c.given_by),
                c.method.as_str().replace('_', " "),
                c.given_at
                    .to_zoned(crate::ui::viewer_zone())
                    .strftime("%Y-%m-%d"),
                c.note
                    .as_ref()
                    .map(|n| format!(" — {n}"))
                    .unwrap_or_default()
            )
        }),
        contacts: contact_rows(&p.contact_points),
    }
}

async fn account(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<Q>,
) -> Result<Response, UiError> {
    let v = s
        .customers
        .customer_360(&u.actor(), path_id(&id, "account").map_err(|e| e.0)?)
        .await?;
    let role = u.user.role;
    let can_audit = allowed(role, Action::ViewAudit);
    let tab = match q.tab.as_deref() {
        Some("timeline") => "timeline",
        Some("audit") if can_audit => "audit",
        _ => "overview",
    };
    let loc_name = |id| {
        v.locations
            .iter()
            .find(|l| l.id == id)
            .map(|l| l.one_line())
            .unwrap_or_default()
    };
    let actor = u.actor();
    let contacts = s.interactions.for_account(&actor, v.account.id).await?;
    let cases = s.cases.for_account(&actor, v.account.id).await?;
    let standing = s.ledger.standing(&actor, v.account.id).await?;
    let follow_ups = s.follow_ups.for_account(&actor, v.account.id).await?;
    let orders = s.orders.for_account(&actor, v.account.id).await?;
    let work_orders = s.field.for_account(&actor, v.account.id).await?;
    let pending = v
        .subscriptions
        .iter()
        .filter(|x| {
            x.subscription.status
                == extramile_domain::customers::model::SubscriptionStatus::PendingCancellation
        })
        .count();
    let pending_cancel = (pending > 0).then(|| {
        let w = work_orders.iter().find(|w| w.grace_until.is_some());
        (
            pending,
            w.map(|w| format!("/work-orders/{}", w.id))
                .unwrap_or_default(),
            w.and_then(|w| w.grace_until).map(when).unwrap_or_default(),
        )
    });
    let holdings =
        super::resources::holding_rows(&s.resources.holdings(&actor, v.account.id).await?);
    let moves = s
        .moves
        .for_account(&actor, v.account.id, 5)
        .await?
        .into_iter()
        .map(|m| {
            (
                m.r#move.id.to_string(),
                m.status,
                m.r#move.state.as_str().to_string(),
            )
        })
        .collect();
    let ports = s
        .resources
        .porting_orders(&actor, Some(v.account.id))
        .await?
        .into_iter()
        .take(10)
        .map(|p| {
            (
                p.id.to_string(),
                p.numbers
                    .iter()
                    .map(|n| extramile_domain::resources::rules::display(n))
                    .collect::<Vec<_>>()
                    .join(", "),
                p.state.as_str().to_string(),
            )
        })
        .collect();
    let page = AccountPage {
        ports,
        moves,
        holdings,
        pending_cancel,
        work_orders: work_orders
            .iter()
            .take(10)
            .map(super::fieldwork::row)
            .collect(),
        orders: orders
            .iter()
            .take(10)
            .map(super::orders::order_row)
            .collect(),
        follow_ups: follow_ups
            .iter()
            .take(20)
            .map(super::followups::row)
            .collect(),
        local: v
            .locations
            .iter()
            .find_map(|l| l.time_zone.as_deref())
            .and_then(super::local_time),
        balance: match standing.balance_minor {
            0 => "nothing owed".into(),
            b if b > 0 => format!("{} owed", money(b, &standing.currency)),
            b => format!("{} in credit", money(-b, &standing.currency)),
        },
        overpaid: standing
            .overpayment_minor
            .map(|o| money(o, &standing.currency)),
        contacts: contacts
            .iter()
            .take(10)
            .map(|i| {
                (
                    i.id.to_string(),
                    i.channel.as_str().replace('_', " "),
                    i.state.as_str().to_string(),
                    when(i.started_at),
                )
            })
            .collect(),
        cases: cases
            .iter()
            .take(10)
            .map(|c| {
                (
                    c.id.to_string(),
                    c.title.clone(),
                    c.status.as_str().to_string(),
                    when(c.opened_at),
                )
            })
            .collect(),
        people: v
            .parties
            .iter()
            .filter(|p| p.role.ended_on.is_none())
            .map(|p| (p.person.id.to_string(), p.person.full_name()))
            .collect(),
        shell: Shell::of(&u),
        since: v
            .account
            .created_at
            .to_zoned(crate::ui::viewer_zone())
            .strftime("%Y-%m-%d")
            .to_string(),
        tab: tab.into(),
        can_edit: allowed(role, Action::EditCustomer),
        can_roles: allowed(role, Action::ChangeAccountRoles),
        can_audit,
        holders: v.holders().filter(|p| p.role.ended_on.is_none()).count(),
        parties: v.parties.iter().map(|p| party_row(p, &v)).collect(),
        subs: v
            .subscriptions
            .iter()
            .map(|s| SubRow {
                id: s.subscription.id.to_string(),
                product: s.product.name.clone(),
                price: money(s.product.monthly_price_minor, &s.product.currency),
                status: s.subscription.status.as_str().replace('_', " "),
                start: s.subscription.start_date.to_string(),
                location: loc_name(s.subscription.location_id),
                history: s
                    .history
                    .iter()
                    .map(|h| {
                        (
                            h.at.to_zoned(crate::ui::viewer_zone())
                                .strftime("%Y-%m-%d")
                                .to_string(),
                            h.description.clone(),
                            h.actor_name.clone(),
                        )
                    })
                    .collect(),
            })
            .collect(),
        locations: v
            .locations
            .iter()
            .map(|l| (l.id.to_string(), l.one_line()))
            .collect(),
        notes: v
            .notes
            .iter()
            .map(|n| (when(n.created_at), n.author_name.clone(), n.body.clone()))
            .collect(),
        timeline: v.timeline.iter().map(event_row).collect(),
        a: v.account,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    shell: Shell,
    id: String,
    name: String,
    language: Option<String>,
    can_edit: bool,
    contacts: Vec<(String, String, String, String)>,
    accounts: Vec<(String, String, String, String)>,
}

async fn person(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let (p, cps, accounts) = s
        .customers
        .person(&u.actor(), path_id(&id, "person").map_err(|e| e.0)?)
        .await?;
    Ok(render(&PersonPage {
        shell: Shell::of(&u),
        id: p.id.to_string(),
        name: p.full_name(),
        language: p.preferred_language.clone(),
        can_edit: allowed(u.user.role, Action::EditCustomer),
        contacts: cps
            .iter()
            .map(|c| {
                (
                    c.kind.as_str().to_string(),
                    c.label.clone().unwrap_or_default(),
                    c.value.clone(),
                    c.id.to_string(),
                )
            })
            .collect(),
        accounts: accounts
            .iter()
            .map(|(r, a)| {
                (
                    a.id.to_string(),
                    a.number.clone(),
                    a.name.clone(),
                    r.kind.as_str().replace('_', " "),
                )
            })
            .collect(),
    }))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(search))
        .route("/search", get(search))
        .route("/ui/search", get(fragment))
        .route("/accounts/{id}", get(account))
        .route("/people/{id}", get(person))
}
