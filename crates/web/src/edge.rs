//! The edge: what every request and answer passes through before the
//! handlers. Text the database cannot hold (NUL) or people never type
//! (control characters other than tab and line breaks) is refused here
//! once, in query strings, forms and JSON bodies, naming the field; bodies
//! over `MAX_BODY` answer 413; every answer carries the security headers.

use crate::error::ApiError;
use crate::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use extramile_domain::DomainError;
use extramile_domain::customers::values::is_forbidden_char;
use serde_json::Value;

/// The largest request body accepted, in bytes.
pub const MAX_BODY: usize = 2 * 1024 * 1024;
/// Parameters in one query string.
pub const MAX_QUERY_PAIRS: usize = 64;
/// The longest list accepted anywhere in a JSON body.
pub const MAX_LIST: usize = 1000;

fn refuse(api: bool, e: DomainError) -> Response {
    if api {
        ApiError(e).into_response()
    } else {
        crate::ui::UiError(e).into_response()
    }
}

/// The first value with a forbidden character, as (field, message).
fn bad_pairs(pairs: &[(String, String)]) -> Option<DomainError> {
    pairs.iter().find_map(|(k, v)| {
        let c = k.chars().chain(v.chars()).find(|c| is_forbidden_char(*c))?;
        let field = if k.chars().any(is_forbidden_char) {
            "query"
        } else {
            k
        };
        Some(control_char(field, c))
    })
}

fn control_char(field: &str, c: char) -> DomainError {
    DomainError::invalid(
        field,
        format!("contains a control character (U+{:04X})", c as u32),
    )
}

/// Where a JSON value breaks the edge's rules: a forbidden character in a
/// string or key, or a list longer than `MAX_LIST`.
pub fn bad_json(v: &Value, path: &str) -> Option<DomainError> {
    let at = |p: &str| {
        if p.is_empty() {
            "body".to_string()
        } else {
            p.to_string()
        }
    };
    match v {
        Value::String(s) => s
            .chars()
            .find(|c| is_forbidden_char(*c))
            .map(|c| control_char(&at(path), c)),
        Value::Array(items) => {
            if items.len() > MAX_LIST {
                return Some(DomainError::invalid(
                    at(path),
                    format!("has at most {MAX_LIST} items"),
                ));
            }
            items
                .iter()
                .enumerate()
                .find_map(|(i, x)| bad_json(x, &format!("{path}[{i}]")))
        }
        Value::Object(map) => map.iter().find_map(|(k, x)| {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            match k.chars().find(|c| is_forbidden_char(*c)) {
                Some(c) => Some(control_char(&at(path), c)),
                None => bad_json(x, &p),
            }
        }),
        _ => None,
    }
}

/// Bytes of request bodies held in memory at once, over all requests.
const BODY_BUDGET_KIB: usize = 64 * 1024;
/// A sign-in form is small; nobody needs more before they are known.
const SIGNIN_BODY: usize = 8 * 1024;

fn body_budget() -> &'static tokio::sync::Semaphore {
    static BUDGET: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    BUDGET.get_or_init(|| tokio::sync::Semaphore::new(BODY_BUDGET_KIB))
}

/// Whether a request comes with a body, and its announced size (a length
/// over zero; chunks count as the most accepted).
fn has_body(parts: &axum::http::request::Parts, body: &Body) -> Option<usize> {
    use axum::body::HttpBody;
    if parts.headers.contains_key(header::TRANSFER_ENCODING) {
        return Some(MAX_BODY);
    }
    if let Some(n) = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        return (n > 0).then_some(n);
    }
    // Over HTTP/1.1 a request without either header has no body; a body
    // built in process (tests) says its length.
    match body.size_hint().exact() {
        Some(n) if n > 0 => Some(usize::try_from(n).unwrap_or(usize::MAX)),
        _ => None,
    }
}

/// Every request body is read here, whole, before any handler runs: only
/// from someone signed in (or a sign-in form of at most 8 KiB), within one
/// deadline for the whole body (a trickle cannot hold a connection), within
/// a budget of 64 MiB held at once over all requests, and at most
/// `MAX_BODY`. Then query strings, forms and JSON bodies are screened for
/// control characters, naming the field.
pub async fn screen_input(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    if let Some(e) = req.uri().query().and_then(bad_query) {
        return refuse(api, e);
    }
    let (mut parts, body) = req.into_parts();
    let Some(announced) = has_body(&parts, &body) else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let bytes = match body_limit(&mut parts, &state).await {
        Ok(limit) => match read_body(body, announced, limit, &parts, state.body_timeout).await {
            Ok(b) => b,
            Err(e) => return refuse(api, e),
        },
        Err(e) => return refuse(api, e),
    };
    if let Some(e) = bad_body(&parts, &bytes) {
        return refuse(api, e);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// What is wrong with a query string: too many parameters, a control
/// character, or no valid form at all.
fn bad_query(q: &str) -> Option<DomainError> {
    match serde_urlencoded::from_str::<Vec<(String, String)>>(q) {
        Ok(pairs) if pairs.len() > MAX_QUERY_PAIRS => Some(DomainError::invalid(
            "query",
            format!("has at most {MAX_QUERY_PAIRS} parameters"),
        )),
        Ok(pairs) => bad_pairs(&pairs),
        Err(_) => Some(DomainError::invalid(
            "query",
            "the query string is not valid",
        )),
    }
}

/// How large a body this caller may send: a sign-in form or a customer's
/// survey answer 8 KiB, a signed-in caller `MAX_BODY`, a stranger none
/// (their body is never read).
async fn body_limit(
    parts: &mut axum::http::request::Parts,
    state: &AppState,
) -> Result<usize, DomainError> {
    if parts.uri.path() == "/signin" || parts.uri.path().starts_with("/survey/") {
        return Ok(SIGNIN_BODY);
    }
    if crate::auth::signed_in(parts, state).await? {
        Ok(MAX_BODY)
    } else {
        Err(DomainError::Unauthenticated(
            "sign in, or send Authorization: Bearer <token>".into(),
        ))
    }
}

/// The whole body within the deadline and the memory budget.
async fn read_body(
    body: Body,
    announced: usize,
    limit: usize,
    parts: &axum::http::request::Parts,
    deadline: std::time::Duration,
) -> Result<axum::body::Bytes, DomainError> {
    let late = || DomainError::invalid("body", "the body did not arrive in time");
    // Chunks announce no length: they may use up to the limit.
    let chunked = parts.headers.contains_key(header::TRANSFER_ENCODING);
    let announced = if chunked { limit } else { announced };
    if announced > limit {
        return Err(too_large(limit));
    }
    let kib = u32::try_from(announced.div_ceil(1024).max(1)).unwrap_or(u32::MAX);
    let read = async {
        let _held = body_budget().acquire_many(kib).await.ok()?;
        Some(to_bytes(body, limit).await)
    };
    match tokio::time::timeout(deadline, read).await {
        Ok(Some(Ok(b))) => Ok(b),
        Ok(Some(Err(e))) => {
            let too_big =
                std::iter::successors(Some(&e as &(dyn std::error::Error + 'static)), |x| {
                    x.source()
                })
                .any(|x| x.to_string().contains("length limit"));
            Err(if too_big { too_large(limit) } else { late() })
        }
        Ok(None) | Err(_) => Err(late()),
    }
}

/// A control character in a form or JSON body, naming the field. JSON
/// syntax errors are left to the handler's extractor, which names them.
fn bad_body(parts: &axum::http::request::Parts, bytes: &[u8]) -> Option<DomainError> {
    let kind = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if kind.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes)
            .ok()
            .and_then(|pairs| bad_pairs(&pairs))
    } else if kind.starts_with("application/json") || kind.contains("+json") {
        serde_json::from_slice::<Value>(bytes)
            .ok()
            .and_then(|v| bad_json(&v, ""))
    } else {
        None
    }
}

fn too_large(limit: usize) -> DomainError {
    DomainError::TooLarge(format!("the body is larger than {limit} bytes"))
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Security headers on every answer; `no-store` on everything but the
/// static assets (pages and API answers carry customer data); HSTS when
/// cookies are marked secure (served behind TLS).
pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let asset = req.uri().path().starts_with("/assets/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !asset {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_values_with_control_characters_are_refused_naming_the_field() {
        let v = json!({"given_name": "Rosa", "contact_points": [{"value": "ok"}, {"value": "a\u{0}b"}]});
        match bad_json(&v, "") {
            Some(DomainError::Invalid { field, .. }) => {
                assert_eq!(field, "contact_points[1].value")
            }
            other => panic!("{other:?}"),
        }
        assert!(bad_json(&json!({"memo": "two\nlines\twith a tab"}), "").is_none());
        assert!(bad_json(&json!({"memo": "bell\u{7}"}), "").is_some());
        assert!(bad_json(&json!({"memo": "c1\u{85}"}), "").is_some());
        let long: Vec<i32> = (0..=MAX_LIST as i32).collect();
        assert!(bad_json(&json!({"xs": long}), "").is_some());
    }
}
