//! The edge holds (issue 9, defects 5–7, 10, 11, 13), on both databases:
//! control characters and NUL answer 422 naming the field (never a 500 on
//! PostgreSQL), large bodies 413, bad query strings problem+json; made-up
//! methods add no metrics series; security headers; least privilege;
//! tokens revoked and staff deactivated at once; and the real server closes
//! slow and idle connections and caps how many it serves.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{browse, call, new_account, session, state_with_staff};
use extramile_store::testing;
use extramile_web::router;
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn control_characters_are_refused_at_the_field_and_nothing_is_stored() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("ann@t.example", "admin", None),
                ("pbx@t.example", "integration", None),
            ],
        )
        .await;
        let app = router(state);
        let (ann, pbx) = (&t[0], &t[1]);
        let (s, p) = call(
            &app,
            ann,
            "POST",
            "/api/v1/people",
            Some(json!({"given_name": "Ro\u{0}sa", "family_name": "A"})),
        )
        .await;
        assert_eq!(
            (s, p["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("given_name")),
            "{url}: {p}"
        );
        let (s, p) = call(&app, ann, "POST", "/api/v1/people", Some(json!({"given_name": "Rosa", "family_name": "A", "contact_points": [{"kind": "email", "value": "a\u{7}@b.example"}]}))).await;
        assert_eq!(
            (s, p["field"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("contact_points[0].value")
            ),
            "{url}: {p}"
        );
        let acct = new_account(&app, ann).await;
        let (s, p) = call(&app, pbx, "POST", &format!("/api/v1/accounts/{acct}/ledger/billing"), Some(json!({"kind": "charge", "amount_minor": 100, "currency": "USD", "external_id": "x\u{0}", "memo": "m"}))).await;
        assert_eq!(
            (s, p["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("external_id")),
            "{url}: {p}"
        );
        let (s, p) = call(
            &app,
            pbx,
            "POST",
            "/api/v1/telephony/events",
            Some(json!({"event_id": "e\u{0}", "call_id": "c", "kind": "offered"})),
        )
        .await;
        assert_eq!(
            (s, p["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("event_id")),
            "{url}: {p}"
        );
        // Free text keeps line breaks and tabs.
        let (s, p) = call(
            &app,
            ann,
            "POST",
            &format!("/api/v1/accounts/{acct}/notes"),
            Some(json!({"body": "two\nlines\tand a tab"})),
        )
        .await;
        assert!(s.is_success(), "{url}: {p}");
        let (s, p) = call(&app, ann, "GET", "/api/v1/lookup?q=%00", None).await;
        assert_eq!(
            (s, p["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("q")),
            "{url}: {p}"
        );
        // The sign-in form with a NUL: refused, no session.
        let page = browse(
            &app,
            Request::post("/signin")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("email=%00&password=x"))
                .unwrap(),
        )
        .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert!(!page.headers.contains_key(header::SET_COOKIE));
        // An unknown telephony kind is invalid input, whatever the call.
        let (s, p) = call(
            &app,
            pbx,
            "POST",
            "/api/v1/telephony/events",
            Some(json!({"event_id": "e1", "call_id": "never-offered", "kind": "exploded"})),
        )
        .await;
        assert_eq!(
            (s, p["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("kind")),
            "{url}: {p}"
        );
    }
}

#[tokio::test]
async fn bounds_on_sizes_dates_and_passwords() {
    let (state, t) =
        state_with_staff(&testing::sqlite_url(), &[("ann@t.example", "admin", None)]).await;
    let app = router(state);
    let ann = &t[0];
    let big = "x".repeat(3 * 1024 * 1024);
    let (s, p) = call(
        &app,
        ann,
        "POST",
        "/api/v1/people",
        Some(json!({"given_name": big, "family_name": "A"})),
    )
    .await;
    assert_eq!(
        (s, p["status"].as_u64()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some(413)),
        "{p}"
    );
    let many: Vec<_> = (0..10_000)
        .map(|i| json!({"kind": "email", "value": format!("a{i}@b.example")}))
        .collect();
    let (s, p) = call(
        &app,
        ann,
        "POST",
        "/api/v1/people",
        Some(json!({"given_name": "R", "family_name": "A", "contact_points": many})),
    )
    .await;
    assert_eq!(
        (s, p["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("contact_points")),
        "{p}"
    );
    let acct = new_account(&app, ann).await;
    let (s, p) = call(&app, ann, "POST", &format!("/api/v1/accounts/{acct}/ledger/billing"), Some(json!({"kind": "charge", "amount_minor": 100, "currency": "USD", "external_id": "x", "memo": "m", "effective_on": "-009999-01-01"}))).await;
    assert_eq!(
        (s, p["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("effective_on")),
        "{p}"
    );
    let (s, p) = call(&app, ann, "POST", "/api/v1/staff", Some(json!({"email": "sp@t.example", "name": "S", "role": "agent", "password": "                    "}))).await;
    assert_eq!(
        (s, p["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("password")),
        "{p}"
    );
    let (s, p) = call(&app, ann, "GET", "/api/v1/audit?limit=lots", None).await;
    assert_eq!(
        (s, p["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("limit")),
        "{p}"
    );
    let (s, p) = call(&app, ann, "GET", "/api/v1/audit?limit=2147483648", None).await;
    assert_eq!(
        (s, p["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("limit")),
        "{p}"
    );
    let (s, p) = call(&app, ann, "GET", "/api/v1/audit?limit=1000", None).await;
    assert!(s.is_success(), "{p}");
}

#[tokio::test]
async fn headers_metrics_and_least_privilege() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("tom@t.example", "technician", None),
                ("ann@t.example", "admin", None),
            ],
        )
        .await;
        let app = router(state);
        let (maya, tom, ann) = (&t[0], &t[1], &t[2]);
        let cookie = session(&app, "maya@t.example").await;
        let page = common::get_page(&app, "/work", &cookie.0).await;
        let csp = page.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert_eq!(page.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
        assert!(page.headers.contains_key(header::REFERRER_POLICY));
        // Made-up methods are one series, whatever they are called.
        for m in ["X123Q", "Y456Z"] {
            browse(
                &app,
                Request::builder()
                    .method(m)
                    .uri("/healthz")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        }
        let metrics = browse(
            &app,
            Request::get("/metrics")
                .header(header::AUTHORIZATION, format!("Bearer {ann}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(metrics.status, StatusCode::OK);
        assert!(
            !metrics.text.contains("X123Q") && metrics.text.contains("method=\"OTHER\""),
            "{url}"
        );
        // Approvals are read by their requester and deciders only.
        let acct = new_account(&app, maya).await;
        let (s, a) = call(&app, maya, "POST", &format!("/api/v1/accounts/{acct}/approvals"), Some(json!({"action": "goodwill_credit", "amount_minor": 90000, "currency": "USD", "reason": "outage", "idempotency_key": "k"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {a}");
        let get = format!("/api/v1/approvals/{}", a["id"].as_str().unwrap());
        assert_eq!(
            call(&app, tom, "GET", &get, None).await.0,
            StatusCode::FORBIDDEN,
            "{url}"
        );
        assert_eq!(
            call(&app, maya, "GET", &get, None).await.0,
            StatusCode::OK,
            "{url}"
        );
        assert_eq!(
            call(&app, ann, "GET", &get, None).await.0,
            StatusCode::OK,
            "{url}"
        );
        let (_, mine) = call(&app, tom, "GET", "/api/v1/policies", None).await;
        assert!(
            mine.as_array()
                .unwrap()
                .iter()
                .all(|p| p["role"] == "technician"),
            "{url}: {mine}"
        );
        let (_, all) = call(&app, ann, "GET", "/api/v1/policies", None).await;
        assert!(
            all.as_array().unwrap().iter().any(|p| p["role"] == "agent"),
            "{url}"
        );
        assert_eq!(
            call(&app, tom, "GET", "/metrics", None).await.0,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn revoked_tokens_and_deactivated_staff_stop_at_once() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("ann@t.example", "admin", None),
            ],
        )
        .await;
        let app = router(state);
        let (maya, ann) = (&t[0], &t[1]);
        let (_, me) = call(&app, maya, "GET", "/api/v1/me", None).await;
        let (_, tokens) = call(
            &app,
            ann,
            "GET",
            &format!("/api/v1/tokens?staff_id={}", me["id"].as_str().unwrap()),
            None,
        )
        .await;
        assert_eq!(tokens.as_array().unwrap().len(), 1, "{url}: {tokens}");
        assert!(!tokens.to_string().contains("emt_"), "no secrets listed");
        let id = tokens[0]["id"].as_str().unwrap();
        let (s, r) = call(
            &app,
            ann,
            "POST",
            &format!("/api/v1/tokens/{id}/revoke"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{url}: {r}");
        assert_eq!(
            call(&app, maya, "GET", "/api/v1/me", None).await.0,
            StatusCode::UNAUTHORIZED,
            "{url}"
        );
        assert_eq!(
            call(&app, ann, "GET", "/api/v1/me", None).await.0,
            StatusCode::OK,
            "{url}"
        );
        let (s, _) = call(&app, maya, "GET", "/api/v1/tokens", None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn deactivating_ends_sessions_and_tokens() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("ann@t.example", "admin", None),
            ],
        )
        .await;
        let app = router(state);
        let (maya, ann) = (&t[0], &t[1]);
        let cookie = session(&app, "maya@t.example").await;
        let (_, me) = call(&app, maya, "GET", "/api/v1/me", None).await;
        let (s, _) = call(
            &app,
            ann,
            "POST",
            &format!("/api/v1/staff/{}/deactivate", me["id"].as_str().unwrap()),
            Some(json!({"reason": "left"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{url}");
        assert_eq!(
            call(&app, maya, "GET", "/api/v1/me", None).await.0,
            StatusCode::UNAUTHORIZED,
            "{url}: token"
        );
        let page = common::get_page(&app, "/work", &cookie.0).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{url}: session ended");
        let (_, me_admin) = call(&app, ann, "GET", "/api/v1/me", None).await;
        let (s, _) = call(
            &app,
            ann,
            "POST",
            &format!(
                "/api/v1/staff/{}/deactivate",
                me_admin["id"].as_str().unwrap()
            ),
            Some(json!({"reason": "oops"})),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::CONFLICT,
            "{url}: nobody deactivates themselves"
        );
    }
}

/// The real server: slow headers and idle connections are closed, and at
/// the cap further clients wait until a slot frees instead of starving.
#[tokio::test]
async fn the_server_closes_slow_and_idle_connections_and_caps_them() {
    let (state, t) =
        state_with_staff(&testing::sqlite_url(), &[("ann@t.example", "admin", None)]).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = extramile_web::ServerLimits {
        header_read_timeout: Duration::from_millis(500),
        body_timeout: Duration::from_millis(500),
        max_connections: 2,
        drain: Duration::from_millis(200),
    };
    tokio::spawn(extramile_web::serve_with(
        state,
        listener,
        std::future::pending(),
        limits,
    ));
    let closed = |mut c: tokio::net::TcpStream| async move {
        let mut buf = [0u8; 256];
        // Read until the server closes (0 bytes) or resets.
        tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                match c.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        })
        .await
        .is_ok()
    };
    // Headers that trickle: closed.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    assert!(
        closed(slow).await,
        "a connection that never finishes its headers is closed"
    );
    // A body that never comes: answered and closed.
    let mut stalled = tokio::net::TcpStream::connect(addr).await.unwrap();
    stalled.write_all(b"POST /signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nemail=").await.unwrap();
    assert!(closed(stalled).await, "a stalled body is given up on");
    // A stranger's body is not waited for at all.
    let mut stranger = tokio::net::TcpStream::connect(addr).await.unwrap();
    stranger.write_all(b"POST /api/v1/people HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n").await.unwrap();
    let mut head = [0u8; 12];
    tokio::time::timeout(Duration::from_secs(5), stranger.read_exact(&mut head))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&head, b"HTTP/1.1 401");
    // A signed-in client's body that trickles (a byte every 200 ms, each
    // within the per-part timeout) is given up on at the whole-body deadline.
    let mut trickle = tokio::net::TcpStream::connect(addr).await.unwrap();
    trickle.write_all(format!("POST /api/v1/people HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n", t[0]).as_bytes()).await.unwrap();
    let started = std::time::Instant::now();
    let answered = tokio::spawn(async move {
        let mut buf = [0u8; 12];
        loop {
            if trickle.write_all(b" ").await.is_err() {
                break;
            }
            if let Ok(Ok(n)) =
                tokio::time::timeout(Duration::from_millis(200), trickle.read(&mut buf)).await
            {
                return n > 0 && buf.starts_with(b"HTTP/1.1 422");
            }
            if started.elapsed() > Duration::from_secs(20) {
                break;
            }
        }
        false
    });
    assert!(
        answered.await.unwrap(),
        "a trickled body is refused at the deadline"
    );
    // Two idle connections fill the cap; a third client still gets its answer.
    let idle1 = tokio::net::TcpStream::connect(addr).await.unwrap();
    let idle2 = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut third = tokio::net::TcpStream::connect(addr).await.unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(20), third.read_to_string(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop((idle1, idle2));
}

/// The Staff page: an admin issues an expiring token (shown once), revokes
/// it, and deactivates a colleague, whose session ends at once.
#[tokio::test]
async fn admins_manage_tokens_and_staff_on_the_staff_page() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("ann@t.example", "admin", None),
            ],
        )
        .await;
        let app = router(state);
        let ann = session(&app, "ann@t.example").await;
        let maya = session(&app, "maya@t.example").await;
        assert_eq!(
            common::get_page(&app, "/staff", &maya.0).await.status,
            StatusCode::FORBIDDEN,
            "{url}"
        );
        let page = common::post_form(
            &app,
            "/staff/tokens",
            "email=maya%40t.example&label=billing+sync&days=0",
            &ann,
        )
        .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{url}: days must be 1..3650"
        );
        assert!(page.text.contains("billing sync"), "what was typed is kept");
        let page = common::post_form(
            &app,
            "/staff/tokens",
            "email=maya%40t.example&label=billing+sync&days=30&issue_key=form-1",
            &ann,
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{url}");
        let secret = common::between(&page.text, "<code id=\"token-secret\">", "<").to_string();
        assert!(secret.starts_with("emt_"), "{url}: shown once");
        assert_eq!(
            call(&app, &secret, "GET", "/api/v1/me", None).await.0,
            StatusCode::OK
        );
        let page = common::get_page(&app, "/staff", &ann.0).await;
        assert!(!page.text.contains(&secret), "never shown again");
        // The same form again (a reload that resubmits): nothing more is issued.
        let again = common::post_form(
            &app,
            "/staff/tokens",
            "email=maya%40t.example&label=billing+sync&days=30&issue_key=form-1",
            &ann,
        )
        .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{url}");
        assert!(again.text.contains("already sent"), "{url}");
        assert!(!again.text.contains("token-secret"));
        let row = common::between(&page.text, "billing sync", "</div>");
        assert!(row.contains("<strong>active</strong>"), "{row}");
        let id = common::between(row, "/staff/tokens/", "/revoke").to_string();
        let done = common::post_form(&app, &format!("/staff/tokens/{id}/revoke"), "", &ann).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{url}");
        assert_eq!(
            call(&app, &secret, "GET", "/api/v1/me", None).await.0,
            StatusCode::UNAUTHORIZED,
            "{url}"
        );
        // Deactivate Maya: her open session ends at once, her token too.
        let (_, me) = call(&app, &t[0], "GET", "/api/v1/me", None).await;
        let done = common::post_form(
            &app,
            &format!("/staff/{}/active", me["id"].as_str().unwrap()),
            "active=false&reason=left+the+company",
            &ann,
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{url}: {}", done.text);
        assert_eq!(
            common::get_page(&app, "/work", &maya.0).await.status,
            StatusCode::SEE_OTHER,
            "{url}"
        );
        assert_eq!(
            call(&app, &t[0], "GET", "/api/v1/me", None).await.0,
            StatusCode::UNAUTHORIZED
        );
        let page = common::get_page(&app, "/staff?done=deactivated", &ann.0).await;
        assert!(
            common::between(&page.text, "data-staff=\"maya@t.example\"", "</tr>")
                .contains("deactivated"),
            "{url}"
        );
    }
}
