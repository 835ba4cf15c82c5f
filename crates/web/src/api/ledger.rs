//! The ledger, money actions against authority, disputes, policies and
//! approvals.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson, path_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use extramile_domain::authority::*;
use extramile_domain::ledger::*;

type Res<T> = Result<T, ApiError>;

#[utoipa::path(get, path = "/api/v1/accounts/{id}/ledger", tag = "ledger",
    responses((status = 200, body = LedgerView, description = "Balance (the sum of every entry), entries newest first, the next-bill preview and any overpayment")))]
#[tracing::instrument(skip_all)]
pub async fn view(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<LedgerView>> {
    Ok(Json(
        s.ledger.view(&u.actor(), path_id(&id, "account")?).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/ledger/billing", request_body = BillingEntryInput, tag = "ledger",
    responses((status = 201, body = LedgerEntry), (status = 200, body = LedgerEntry, description = "the same external id again: the first entry"), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn billing(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<BillingEntryInput>,
) -> Res<(StatusCode, Json<LedgerEntry>)> {
    let (e, created) = s
        .ledger
        .post_billing(&u.actor(), path_id(&id, "account")?, b)
        .await?;
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(e),
    ))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/ledger/check", request_body = MoneyAction, tag = "ledger",
    responses((status = 200, body = Decision, description = "allowed, or not with the reason, alternatives within authority and whether an approval can be asked")))]
#[tracing::instrument(skip_all)]
pub async fn check(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MoneyAction>,
) -> Res<Json<Decision>> {
    Ok(Json(
        s.ledger
            .check(&u.actor(), path_id(&id, "account")?, &b)
            .await?,
    ))
}

/// A request beyond the caller's authority: a problem (403) that carries
/// the decision (reason, alternatives, whether an approval can be asked).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct BeyondAuthority {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub decision: Decision,
}

/// 403 problem+json that carries the decision: reason, alternatives, approval.
pub fn beyond_authority(d: Decision) -> Response {
    let body = BeyondAuthority {
        kind: "https://extramile.dev/problems/beyond-authority".into(),
        title: "Beyond your authority".into(),
        status: 403,
        detail: d.reason.clone(),
        decision: d,
    };
    let mut res = (StatusCode::FORBIDDEN, Json(body)).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    res
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/ledger/actions", request_body = MoneyAction, tag = "ledger",
    responses((status = 201, body = LedgerEntry), (status = 200, body = LedgerEntry, description = "the same idempotency key and body again: the first entry"),
        (status = 403, description = "beyond authority: problem+json with `decision` (reason, alternatives, approval_possible)", body = BeyondAuthority, content_type = "application/problem+json"), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn act(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MoneyAction>,
) -> Res<Response> {
    Ok(
        match s
            .ledger
            .act(&u.actor(), path_id(&id, "account")?, b)
            .await?
        {
            ActionResult::Applied { entry, replayed } => (
                if replayed {
                    StatusCode::OK
                } else {
                    StatusCode::CREATED
                },
                Json(entry),
            )
                .into_response(),
            ActionResult::NotAllowed(d) => beyond_authority(d),
        },
    )
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/ledger/disputes", request_body = DisputeInput, tag = "ledger",
    responses((status = 201, body = LedgerEntry, description = "the charge is held: not due while in dispute"), (status = 200, body = LedgerEntry, description = "the same idempotency key and body again: the first entry"), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn hold(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DisputeInput>,
) -> Res<(StatusCode, Json<LedgerEntry>)> {
    let (e, new) = s
        .ledger
        .dispute(&u.actor(), path_id(&id, "account")?, b, true)
        .await?;
    Ok((
        if new {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(e),
    ))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/ledger/disputes/uphold", request_body = DisputeInput, tag = "ledger",
    responses((status = 201, body = LedgerEntry, description = "the charge stands and is due again (waive it with a charge_waiver action instead)"), (status = 200, body = LedgerEntry, description = "the same idempotency key and body again: the first entry"), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn uphold(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DisputeInput>,
) -> Res<(StatusCode, Json<LedgerEntry>)> {
    let (e, new) = s
        .ledger
        .dispute(&u.actor(), path_id(&id, "account")?, b, false)
        .await?;
    Ok((
        if new {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(e),
    ))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/authority", tag = "ledger",
    responses((status = 200, body = Vec<Remaining>, description = "What the caller may still do on this account, per action")))]
#[tracing::instrument(skip_all)]
pub async fn remaining(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<Vec<Remaining>>> {
    Ok(Json(
        s.authority
            .remaining(&u.actor(), path_id(&id, "account")?)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/policies", tag = "ledger", responses((status = 200, body = Vec<Policy>)))]
#[tracing::instrument(skip_all)]
pub async fn policies(State(s): State<AppState>, u: CurrentUser) -> Res<Json<Vec<Policy>>> {
    Ok(Json(s.authority.policies(&u.actor()).await?))
}

#[utoipa::path(put, path = "/api/v1/policies", request_body = PolicyInput, tag = "ledger",
    responses((status = 200, body = Policy), (status = 403, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn put_policy(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<PolicyInput>,
) -> Res<Json<Policy>> {
    Ok(Json(s.authority.put_policy(&u.actor(), b).await?))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/approvals", request_body = MoneyAction, tag = "approvals",
    responses((status = 201, body = Approval), (status = 409, body = crate::error::Problem, description = "within your authority: apply it yourself")))]
#[tracing::instrument(skip_all)]
pub async fn request(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MoneyAction>,
) -> Res<(StatusCode, Json<Approval>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            s.authority
                .request(&u.actor(), path_id(&id, "account")?, b)
                .await?,
        ),
    ))
}

#[utoipa::path(get, path = "/api/v1/approvals", tag = "approvals",
    responses((status = 200, body = Vec<Approval>, description = "Pending requests offered to the caller: on-duty supervisors first, everyone who decides once escalated; escalated first, then oldest")))]
#[tracing::instrument(skip_all)]
pub async fn inbox(State(s): State<AppState>, u: CurrentUser) -> Res<Json<Vec<Approval>>> {
    Ok(Json(s.authority.inbox(&u.actor()).await?))
}

#[utoipa::path(get, path = "/api/v1/approvals/{id}", tag = "approvals", responses((status = 200, body = Approval)))]
#[tracing::instrument(skip_all)]
pub async fn get(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<Approval>> {
    Ok(Json(
        s.authority
            .get(&u.actor(), path_id(&id, "approval request")?)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/approvals/{id}/decision", request_body = ApprovalDecision, tag = "approvals",
    responses((status = 200, body = Approval, description = "approved (the action is carried out in the same transaction), denied, or withdrawn by the requester"),
        (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn decide(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ApprovalDecision>,
) -> Res<Json<Approval>> {
    Ok(Json(
        s.authority
            .decide(&u.actor(), path_id(&id, "approval request")?, b)
            .await?,
    ))
}
