//! The admin's pick-lists page: the words staff choose from, added,
//! renamed, reordered and retired (retired words stay readable on old
//! records).

use super::{Fields, Shell, Typed, UiError, render, text};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use extramile_domain::access::{Action, authorize};
use extramile_domain::workspace::picklists::PickItemInput;
use extramile_domain::workspace::{ListKind, PickItem, PickLists};

#[derive(Template)]
#[template(path = "picklists.html")]
struct Page {
    shell: Shell,
    /// (list code, title, items)
    lists: Vec<(&'static str, &'static str, Vec<PickItem>)>,
    saved: bool,
    error: Option<String>,
    /// What was typed into the form that was refused (kept in it).
    typed: Typed,
}

async fn page(
    s: &AppState,
    u: &CurrentUser,
    saved: bool,
    refused: Option<(StatusCode, String)>,
    typed: Typed,
) -> Result<Response, UiError> {
    authorize(u.user.role, Action::ManagePolicies)?;
    let lists = PickLists::new(s.store.clone());
    let mut out = Vec::new();
    for k in ListKind::ALL {
        out.push((k.as_str(), k.title(), lists.all(*k).await?));
    }
    let (status, error) = match refused {
        Some((st, e)) => (st, Some(e)),
        None => (StatusCode::OK, None),
    };
    Ok((
        status,
        render(&Page {
            shell: Shell::of(u),
            lists: out,
            saved,
            error,
            typed,
        }),
    )
        .into_response())
}

#[derive(serde::Deserialize)]
struct Saved {
    saved: Option<String>,
}

async fn show(
    State(s): State<AppState>,
    u: CurrentUser,
    Query(q): Query<Saved>,
) -> Result<Response, UiError> {
    page(&s, &u, q.saved.is_some(), None, Typed::default()).await
}

async fn save(
    State(s): State<AppState>,
    u: CurrentUser,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let done = async {
        let list = ListKind::parse("list", &text(&f, "list"))?;
        let lists = PickLists::new(s.store.clone());
        // A rename or retire is of the item as it was shown: changed by
        // someone else meanwhile, it is refused rather than undone.
        if let Some(was) = f.get("was")
            && let Some(now) = lists
                .all(list)
                .await?
                .into_iter()
                .find(|i| i.value == text(&f, "value").trim())
            && *was != format!("{}|{}", now.label, now.active)
        {
            return Err(extramile_domain::DomainError::Conflict(format!(
                "“{}” was changed by someone else meanwhile; it now reads “{}”{} — look again",
                was.split('|').next().unwrap_or_default(),
                now.label,
                if now.active { "" } else { " (retired)" }
            )));
        }
        // Adding never renames an item already on the list.
        if f.contains_key("adding")
            && lists
                .all(list)
                .await?
                .iter()
                .any(|i| i.value == text(&f, "value").trim())
        {
            return Err(extramile_domain::DomainError::invalid(
                "value",
                "already on the list; rename that item instead",
            ));
        }
        let input = PickItemInput {
            value: text(&f, "value"),
            label: text(&f, "label"),
            position: f.get("position").and_then(|p| p.trim().parse().ok()),
            active: Some(f.get("active").map(String::as_str) != Some("no")),
        };
        lists.save(&u.actor(), list, input).await
    }
    .await;
    match done {
        Ok(_) => Ok(
            Redirect::to(&format!("/pick-lists?saved=1#list-{}", text(&f, "list"))).into_response(),
        ),
        Err(e) => {
            let mut typed = Typed(f);
            let said = super::refusal_at(
                &e,
                &[
                    ("value", "value", "Stored as"),
                    ("label", "label", "Shown as"),
                ],
                &mut typed,
            );
            page(&s, &u, false, Some(said), typed).await
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/pick-lists", get(show).post(save))
}
