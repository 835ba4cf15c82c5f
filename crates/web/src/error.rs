//! Errors at the HTTP edge: problem+json (RFC 9457) naming the field at
//! fault. Storage failures are logged and answered without detail.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use extramile_domain::DomainError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The input at fault, when there is one (`contact_points[0].value`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug)]
pub struct ApiError(pub DomainError);

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        Self(e)
    }
}

impl ApiError {
    pub fn bad_request(field: &str, detail: impl Into<String>) -> Self {
        Self(DomainError::invalid(field, detail))
    }

    pub fn problem(&self) -> (StatusCode, Problem) {
        let (status, slug, title) = classify(&self.0);
        let (field, detail) = match &self.0 {
            DomainError::Invalid { field, message } => (Some(field.clone()), message.clone()),
            DomainError::Store(m) => {
                tracing::error!(error = %m, "storage failure");
                (
                    None,
                    "something went wrong on our side; nothing was changed".into(),
                )
            }
            other => (None, other.to_string()),
        };
        let p = Problem {
            kind: format!("https://extramile.dev/problems/{slug}"),
            title: title.into(),
            status: status.as_u16(),
            detail,
            field,
        };
        (status, p)
    }
}

/// The one mapping of a domain error to its HTTP status, problem type and
/// title, for the API and the console alike.
pub fn classify(e: &DomainError) -> (StatusCode, &'static str, &'static str) {
    match e {
        DomainError::Invalid { .. } => {
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid", "Invalid input")
        }
        DomainError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
        DomainError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Not allowed"),
        DomainError::Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
        DomainError::Unauthenticated(_) => (
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Sign-in required",
        ),
        DomainError::Throttled { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            "throttled",
            "Too many attempts",
        ),
        DomainError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too-large", "Too large"),
        DomainError::Store(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
        ),
    }
}

/// `Retry-After` for a throttled answer.
pub fn retry_after(e: &DomainError, res: &mut Response) {
    if let DomainError::Throttled {
        retry_after_secs, ..
    } = e
        && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = self.problem();
        let mut res = (status, Json(body)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        retry_after(&self.0, &mut res);
        res
    }
}

/// A JSON body whose syntax or shape errors become problem+json with the
/// field named where serde names it.
pub struct ApiJson<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(rejection) => {
                let text = rejection.body_text();
                if rejection.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
                    return Err(ApiError::bad_request(
                        "body",
                        "send JSON with Content-Type: application/json",
                    ));
                }
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    return Err(ApiError(DomainError::TooLarge(format!(
                        "the body is larger than {} bytes",
                        crate::edge::MAX_BODY
                    ))));
                }
                let field = text
                    .split('`')
                    .nth(1)
                    .filter(|_| text.contains("missing field") || text.contains("unknown field"))
                    .map(str::to_string)
                    .or_else(|| {
                        text.split(": ")
                            .nth(1)
                            .and_then(|s| s.split(':').next())
                            .filter(|s| !s.contains(' ') && !s.is_empty())
                            .map(str::to_string)
                    })
                    .unwrap_or_else(|| "body".into());
                Err(ApiError::bad_request(&field, text))
            }
        }
    }
}

/// Parse an id from the path; anything that is not an id is simply unknown.
pub fn path_id<T: std::str::FromStr>(raw: &str, what: &str) -> Result<T, ApiError> {
    raw.parse()
        .map_err(|_| ApiError(DomainError::NotFound(what.into())))
}

/// A query string whose errors become problem+json (422) naming the
/// parameter, instead of axum's plain-text 400.
pub struct ApiQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(q).map(Self).map_err(|e| {
            let text = e.to_string();
            let field = text
                .split('`')
                .nth(1)
                .map(str::to_string)
                .or_else(|| culprit::<T>(q))
                .unwrap_or_else(|| "query".to_string());
            ApiError::bad_request(&field, text)
        })
    }
}

/// The parameter whose value a query fails on: the one without which it
/// parses (serde's messages for a bad value do not name the field).
fn culprit<T: serde::de::DeserializeOwned>(q: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q).ok()?;
    (0..pairs.len()).find_map(|i| {
        let rest: Vec<&(String, String)> = pairs
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, p)| p)
            .collect();
        let without = serde_urlencoded::to_string(&rest).ok()?;
        match serde_urlencoded::from_str::<T>(&without) {
            Ok(_) => Some(pairs[i].0.clone()),
            Err(e) if e.to_string().contains("missing field") => Some(pairs[i].0.clone()),
            Err(_) => None,
        }
    })
}

/// The `Idempotency-Key` header of a creating request: sent again with the
/// same key, the request answers what it created the first time (200)
/// instead of creating a second record.
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        match parts.headers.get("idempotency-key") {
            None => Ok(Self(None)),
            Some(v) => v
                .to_str()
                .ok()
                .filter(|k| k.len() <= 100)
                .map(|k| Self(Some(k.to_string())))
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "Idempotency-Key",
                        "at most 100 printable ASCII characters",
                    )
                }),
        }
    }
}

/// 201 for a record created now, 200 for one an earlier request with the
/// same key created.
pub fn created(new: bool) -> axum::http::StatusCode {
    if new {
        axum::http::StatusCode::CREATED
    } else {
        axum::http::StatusCode::OK
    }
}
