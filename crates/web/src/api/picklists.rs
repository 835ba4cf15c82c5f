//! Pick-lists: the words staff choose from (case categories, wrap-up
//! reasons, outcomes, bill words for credits, refund methods). Everyone
//! reads them; admins maintain them.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use extramile_domain::workspace::picklists::PickItemInput;
use extramile_domain::workspace::{ListKind, PickItem, PickLists};

type Res<T> = Result<T, ApiError>;

fn list_of(raw: &str) -> Result<ListKind, ApiError> {
    ListKind::parse("list", raw).map_err(ApiError)
}

#[utoipa::path(get, path = "/api/v1/pick-lists/{list}", tag = "admin",
    params(("list" = String, Path, description = "case_category, wrap_reason, outcome, bill_label or refund_method")),
    responses((status = 200, body = Vec<PickItem>, description = "Every item, retired ones too, in order"), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn get(
    State(s): State<AppState>,
    _u: CurrentUser,
    Path(list): Path<String>,
) -> Res<Json<Vec<PickItem>>> {
    Ok(Json(
        PickLists::new(s.store.clone()).all(list_of(&list)?).await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/pick-lists/{list}", request_body = PickItemInput, tag = "admin",
    params(("list" = String, Path, description = "case_category, wrap_reason, outcome, bill_label or refund_method")),
    responses((status = 200, body = PickItem, description = "Added, or changed (by value)"), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn put(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(list): Path<String>,
    ApiJson(b): ApiJson<PickItemInput>,
) -> Res<Json<PickItem>> {
    let list = list_of(&list)?;
    Ok(Json(
        PickLists::new(s.store.clone())
            .save(&u.actor(), list, b)
            .await?,
    ))
}
