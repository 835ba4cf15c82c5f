//! Contact points, locations, products, subscriptions and notes.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson, path_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use extramile_domain::customers::inputs::*;
use extramile_domain::customers::model::*;

type Res<T> = Result<T, ApiError>;
type Created<T> = Res<(StatusCode, Json<T>)>;

#[utoipa::path(post, path = "/api/v1/people/{id}/contact-points", request_body = NewContactPoint, tag = "customers",
    responses((status = 201, body = ContactPoint), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn add_contact_point(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewContactPoint>,
) -> Created<ContactPoint> {
    Ok((
        StatusCode::CREATED,
        Json(
            s.customers
                .add_contact_point(&u.actor(), path_id(&id, "person")?, b)
                .await?,
        ),
    ))
}

#[utoipa::path(patch, path = "/api/v1/contact-points/{id}", request_body = ContactPointUpdate, tag = "customers",
    responses((status = 200, body = ContactPoint), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn update_contact_point(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ContactPointUpdate>,
) -> Res<Json<ContactPoint>> {
    Ok(Json(
        s.customers
            .update_contact_point(&u.actor(), path_id(&id, "contact point")?, b)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/locations", request_body = NewLocation, tag = "customers",
    responses((status = 201, body = ServiceLocation), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn add_location(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewLocation>,
) -> Created<ServiceLocation> {
    Ok((
        StatusCode::CREATED,
        Json(
            s.customers
                .add_location(&u.actor(), path_id(&id, "account")?, b)
                .await?,
        ),
    ))
}

#[utoipa::path(patch, path = "/api/v1/locations/{id}", request_body = LocationUpdate, tag = "customers",
    responses((status = 200, body = ServiceLocation), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn update_location(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<LocationUpdate>,
) -> Res<Json<ServiceLocation>> {
    Ok(Json(
        s.customers
            .update_location(&u.actor(), path_id(&id, "service location")?, b)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/products", tag = "catalog", responses((status = 200, body = Vec<Product>)))]
#[tracing::instrument(skip_all)]
pub async fn list_products(State(s): State<AppState>, u: CurrentUser) -> Res<Json<Vec<Product>>> {
    Ok(Json(s.customers.products(&u.actor()).await?))
}

#[utoipa::path(post, path = "/api/v1/products", request_body = NewProduct, tag = "catalog",
    responses((status = 201, body = Product), (status = 403, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn create_product(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<NewProduct>,
) -> Created<Product> {
    Ok((
        StatusCode::CREATED,
        Json(s.customers.create_product(&u.actor(), b).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/subscriptions", request_body = NewSubscription, tag = "customers",
    responses((status = 201, body = Subscription), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn add_subscription(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewSubscription>,
) -> Created<Subscription> {
    Ok((
        StatusCode::CREATED,
        Json(
            s.customers
                .add_subscription(&u.actor(), path_id(&id, "account")?, b)
                .await?,
        ),
    ))
}

#[utoipa::path(patch, path = "/api/v1/subscriptions/{id}", request_body = SubscriptionChange, tag = "customers",
    responses((status = 200, body = Subscription), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn change_subscription(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SubscriptionChange>,
) -> Res<Json<Subscription>> {
    Ok(Json(
        s.customers
            .change_subscription(&u.actor(), path_id(&id, "subscription")?, b)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/notes", request_body = NewNote, tag = "customers",
    responses((status = 201, body = Note), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn add_note(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewNote>,
) -> Created<Note> {
    Ok((
        StatusCode::CREATED,
        Json(
            s.customers
                .add_note(&u.actor(), path_id(&id, "account")?, b)
                .await?,
        ),
    ))
}
