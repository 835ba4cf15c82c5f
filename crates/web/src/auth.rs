//! Who is calling: a bearer API token or a session cookie. Browser
//! requests that change something must carry the session's CSRF token
//! (form field `_csrf` or header `x-csrf-token`).

use crate::error::ApiError;
use crate::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use extramile_domain::DomainError;
use extramile_domain::admin::{SESSION_COOKIE, StaffService, StaffUser};
use extramile_domain::audit::Actor;

#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: StaffUser,
    /// Present for browser sessions.
    pub csrf: Option<String>,
    /// For console pages: presence, the call bar, the approvals count.
    pub desk: Option<std::sync::Arc<crate::desk::Desk>>,
}

impl CurrentUser {
    pub fn actor(&self) -> Actor {
        StaffService::actor(&self.user)
    }
}

pub fn cookie<'a>(parts: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    parts
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Resolve the caller once per request; cached in the request extensions.
pub(crate) async fn resolve(
    parts: &mut Parts,
    state: &AppState,
) -> Result<Option<CurrentUser>, DomainError> {
    if let Some(u) = parts.extensions.get::<Option<CurrentUser>>() {
        return Ok(u.clone());
    }
    let found = if let Some(token) = bearer(&parts.headers) {
        state
            .staff
            .token_user(token)
            .await?
            .map(|user| CurrentUser {
                user,
                csrf: None,
                desk: None,
            })
    } else if let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) {
        state
            .staff
            .session_user(secret)
            .await?
            .map(|(user, s)| CurrentUser {
                user,
                csrf: Some(s.csrf_token),
                desk: None,
            })
    } else {
        None
    };
    // A console page (not a fragment, the stream or the API) shows the desk.
    let path = parts.uri.path();
    let page =
        !(path.starts_with("/api/") || path.starts_with("/ui/") || path.starts_with("/assets/"));
    let found = match found {
        Some(mut u) if u.csrf.is_some() && page => {
            // Best effort: a page still shows if the desk cannot be read.
            match crate::desk::load(state, &u.user).await {
                Ok(d) => u.desk = Some(std::sync::Arc::new(d)),
                Err(e) => tracing::warn!(error = %e, "the desk could not be read"),
            }
            Some(u)
        }
        other => other,
    };
    parts.extensions.insert(found.clone());
    Ok(found)
}

/// Whether the request comes from a signed-in user or a token (resolved
/// once and kept for the handler).
pub(crate) async fn signed_in(parts: &mut Parts, state: &AppState) -> Result<bool, DomainError> {
    resolve(parts, state).await.map(|u| u.is_some())
}

pub struct AuthRejection {
    api: bool,
    path: String,
    err: Option<DomainError>,
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match (self.err, self.api) {
            (Some(e), _) => ApiError(e).into_response(),
            (None, true) => ApiError(DomainError::Unauthenticated(
                "sign in, or send Authorization: Bearer <token>".into(),
            ))
            .into_response(),
            (None, false) => {
                let next = url_escape(&self.path);
                Redirect::to(&format!("/signin?next={next}")).into_response()
            }
        }
    }
}

pub fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let api = parts.uri.path().starts_with("/api/") || parts.uri.path() == "/metrics";
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default();
        match resolve(parts, state).await {
            Ok(Some(u)) => Ok(u),
            Ok(None) => Err(AuthRejection {
                api,
                path,
                err: None,
            }),
            Err(e) => Err(AuthRejection {
                api,
                path,
                err: Some(e),
            }),
        }
    }
}

/// The client's address, for sign-in throttling: the TCP peer, or behind
/// trusted proxies the nearest address in `X-Forwarded-For` that is not
/// one of them. IPv6 addresses count per /64 (one subscriber's block), so
/// a client cannot dodge the per-address limit by changing its last bits.
/// "local" when a request did not come over a socket (tests).
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(peer) = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
        else {
            return Ok(Self("local".into()));
        };
        Ok(Self(bucket(client_ip(
            peer,
            &parts.headers,
            &state.trusted_proxies,
        ))))
    }
}

/// The nearest untrusted hop: the peer itself unless it is a trusted proxy.
pub fn client_ip(
    peer: std::net::IpAddr,
    headers: &axum::http::HeaderMap,
    trusted: &[std::net::IpAddr],
) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|h| h.trim().parse().ok())
        .collect();
    hops.into_iter()
        .rev()
        .find(|h| !trusted.contains(h))
        .unwrap_or(peer)
}

fn bucket(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

const MAX_FORM: usize = crate::edge::MAX_BODY;

/// Reject a state-changing request authenticated by cookie unless it
/// carries the session's CSRF token. Bearer requests are exempt (a browser
/// never adds that header by itself); sign-in has no session yet.
pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || bearer(req.headers()).is_some() || req.uri().path() == "/signin" {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let user = match resolve(&mut parts, &state).await {
        Ok(Some(u)) => u,
        Ok(None) => return next.run(Request::from_parts(parts, body)).await,
        Err(e) => return ApiError(e).into_response(),
    };
    let Some(expected) = user.csrf else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    if parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        == Some(expected.as_str())
    {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let Ok(bytes) = to_bytes(body, MAX_FORM).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "form too large").into_response();
    };
    let sent = form_field(&bytes, "_csrf");
    if sent.as_deref() != Some(expected.as_str()) {
        return ApiError(DomainError::Forbidden(
            "this form has expired or did not come from Extramile; reload the page and try again"
                .into(),
        ))
        .into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_the_nearest_untrusted_hop_and_ipv6_counts_per_64() {
        let proxy: std::net::IpAddr = "10.0.0.1"
            .parse()
            .unwrap_or(std::net::Ipv4Addr::LOCALHOST.into());
        let mut h = axum::http::HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            axum::http::HeaderValue::from_static("6.6.6.6, 203.0.113.7, 10.0.0.1"),
        );
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap_or(proxy);
        // Not behind a trusted proxy: the header is anyone's to forge.
        assert_eq!(
            client_ip(ip("198.51.100.1"), &h, &[proxy]),
            ip("198.51.100.1")
        );
        // Behind it: the nearest hop the proxy did not add itself.
        assert_eq!(client_ip(proxy, &h, &[proxy]), ip("203.0.113.7"));
        assert_eq!(bucket(ip("2001:db8:1:2:3:4:5:6")), "2001:db8:1:2::/64");
        assert_eq!(bucket(ip("2001:db8:1:2:ffff::1")), "2001:db8:1:2::/64");
        assert_eq!(bucket(ip("::ffff:192.0.2.1")), "192.0.2.1");
    }
}
