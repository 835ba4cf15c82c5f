//! HTTP tests: the real router, real databases (SQLite, and PostgreSQL
//! when reachable), requests through `oneshot`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use extramile_domain::admin::NewStaff;
use extramile_domain::audit::Actor;
use extramile_store::{Options, SqlStore, testing};
use extramile_web::{AppState, router};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;

struct App {
    router: Router,
    agent: String,
    supervisor: String,
    admin: String,
    technician: String,
    specialist: String,
    agent2: String,
}

const PASSWORD: &str = "a long test password";

async fn apps() -> Vec<App> {
    let mut out = Vec::new();
    for url in testing::databases().await {
        let store = Arc::new(SqlStore::open(&url, &Options::default()).await.unwrap());
        let state = AppState::new(store, "US", false);
        let mut tokens = Vec::new();
        for role in [
            "agent",
            "supervisor",
            "admin",
            "technician",
            "specialist",
            "agent2",
        ] {
            let email = format!("{role}@test.example");
            state
                .staff
                .create_staff(
                    &Actor::system(),
                    NewStaff {
                        email: email.clone(),
                        name: format!("Test {role}"),
                        role: role.trim_end_matches('2').into(),
                        team_id: None,
                        password: PASSWORD.into(),
                    },
                )
                .await
                .unwrap();
            tokens.push(
                state
                    .staff
                    .create_token(&Actor::system(), &email, "test", None)
                    .await
                    .unwrap(),
            );
        }
        let mut t = tokens.into_iter();
        out.push(App {
            router: router(state),
            agent: t.next().unwrap(),
            supervisor: t.next().unwrap(),
            admin: t.next().unwrap(),
            technician: t.next().unwrap(),
            specialist: t.next().unwrap(),
            agent2: t.next().unwrap(),
        });
    }
    out
}

struct Res {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
    text: String,
}

impl App {
    async fn send(&self, req: Request<Body>) -> Res {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).to_string();
        Res {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        }
    }
    async fn call(&self, token: &str, method: &str, uri: &str, body: Option<Value>) -> Res {
        let mut b = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let body = match body {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.send(b.body(body).unwrap()).await
    }
    async fn get(&self, token: &str, uri: &str) -> Res {
        self.call(token, "GET", uri, None).await
    }
    async fn post(&self, token: &str, uri: &str, v: Value) -> Res {
        self.call(token, "POST", uri, Some(v)).await
    }
    async fn patch(&self, token: &str, uri: &str, v: Value) -> Res {
        self.call(token, "PATCH", uri, Some(v)).await
    }

    /// Rosa (holder, phone (505) 555-0134) with an account; returns (person id, account id).
    async fn rosa(&self) -> (String, String) {
        let p = self.post(&self.agent, "/api/v1/people", json!({"given_name": "Rosa", "family_name": "Álvarez",
            "contact_points": [{"kind": "phone", "value": "(505) 555-0134"}, {"kind": "email", "value": "Rosa@Example.net"}]})).await;
        assert_eq!(p.status, StatusCode::CREATED, "{}", p.text);
        let pid = p.body["person"]["id"].as_str().unwrap().to_string();
        let a = self
            .post(
                &self.agent,
                "/api/v1/accounts",
                json!({"holder_id": pid, "number": "EM20000001"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
        (pid, a.body["id"].as_str().unwrap().to_string())
    }
}

fn assert_problem(r: &Res, status: StatusCode, field: Option<&str>) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(r.body["status"], status.as_u16());
    assert!(r.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    if let Some(f) = field {
        assert_eq!(r.body["field"], f, "{}", r.text);
    }
}

#[tokio::test]
async fn everything_but_health_signin_and_assets_requires_a_user() {
    for app in apps().await {
        let anon = |uri: &str| Request::get(uri).body(Body::empty()).unwrap();
        assert_eq!(app.send(anon("/healthz")).await.status, StatusCode::OK);
        assert_eq!(
            app.send(anon("/assets/app.css")).await.status,
            StatusCode::OK
        );
        assert_eq!(app.send(anon("/signin")).await.status, StatusCode::OK);
        for uri in [
            "/api/v1/lookup?q=x",
            "/api/v1/accounts/00000000-0000-0000-0000-000000000000",
            "/api/v1/audit",
            "/metrics",
            "/api/openapi.json",
        ] {
            assert_problem(&app.send(anon(uri)).await, StatusCode::UNAUTHORIZED, None);
        }
        let page = app.send(anon("/accounts/abc")).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(page.headers[header::LOCATION], "/signin?next=/accounts/abc");
        let bad = app.get("emt_not-a-token", "/api/v1/me").await;
        assert_problem(&bad, StatusCode::UNAUTHORIZED, None);
        assert_eq!(
            app.get(&app.agent, "/api/v1/me").await.body["role"],
            "agent"
        );
    }
}

#[tokio::test]
async fn the_360_lookup_and_representative_with_consent() {
    for app in apps().await {
        let (rosa, account) = app.rosa().await;
        let ana = app
            .post(
                &app.agent,
                "/api/v1/people",
                json!({"given_name": "Ana", "family_name": "Silva"}),
            )
            .await
            .body["person"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let rep = app.post(&app.agent, &format!("/api/v1/accounts/{account}/roles"), json!({"person_id": ana, "kind": "authorized_representative",
            "consent": {"given_by": rosa, "method": "verbal_on_call", "note": "on a conference call"}})).await;
        assert_eq!(rep.status, StatusCode::CREATED, "{}", rep.text);
        let no_consent = app
            .post(
                &app.agent,
                &format!("/api/v1/accounts/{account}/roles"),
                json!({"person_id": ana, "kind": "authorized_representative"}),
            )
            .await;
        assert_problem(&no_consent, StatusCode::CONFLICT, None);

        let loc = app
            .post(
                &app.agent,
                &format!("/api/v1/accounts/{account}/locations"),
                json!({"line1": "742 Evergreen Terrace", "city": "Santa Fe", "postcode": "87501"}),
            )
            .await;
        assert_eq!(loc.status, StatusCode::CREATED, "{}", loc.text);
        let product = app.post(&app.admin, "/api/v1/products", json!({"code": "INET100", "name": "Internet 100", "kind": "internet", "monthly_price_minor": 4999, "currency": "USD"})).await;
        assert_eq!(product.status, StatusCode::CREATED, "{}", product.text);
        let sub = app
            .post(
                &app.agent,
                &format!("/api/v1/accounts/{account}/subscriptions"),
                json!({"location_id": loc.body["id"], "product_id": product.body["id"]}),
            )
            .await;
        assert_eq!(sub.status, StatusCode::CREATED, "{}", sub.text);
        let note = app
            .post(
                &app.agent,
                &format!("/api/v1/accounts/{account}/notes"),
                json!({"body": "Ana called for Rosa"}),
            )
            .await;
        assert_eq!(note.status, StatusCode::CREATED);

        let v = app
            .get(&app.agent, &format!("/api/v1/accounts/{account}"))
            .await;
        assert_eq!(v.status, StatusCode::OK);
        let kinds: Vec<&str> = v.body["parties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["role"]["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["holder", "authorized_representative"]);
        assert_eq!(
            v.body["parties"][1]["role"]["consent"]["given_by"],
            rosa.as_str()
        );
        assert_eq!(
            v.body["subscriptions"][0]["product"]["monthly_price_minor"],
            4999
        );
        assert_eq!(v.body["subscriptions"][0]["history"][0]["kind"], "started");
        assert_eq!(v.body["notes"][0]["body"], "Ana called for Rosa");
        assert!(v.body["timeline"].as_array().unwrap().len() >= 6);

        for q in [
            "(505)%20555-0134",
            "505.555.0134",
            "%2B1%20505%20555%200134",
            "rosa%40example.net",
            "EM2000-0001",
            "alvarz",
            "evergreen",
        ] {
            let hits = app.get(&app.agent, &format!("/api/v1/lookup?q={q}")).await;
            assert_eq!(hits.status, StatusCode::OK);
            assert_eq!(
                hits.body[0]["account_id"],
                account.as_str(),
                "{q}: {}",
                hits.text
            );
        }
        let people = app.get(&app.agent, &format!("/api/v1/people/{ana}")).await;
        assert_eq!(
            people.body["accounts"][0]["role"]["kind"],
            "authorized_representative"
        );
    }
}

#[tokio::test]
async fn bad_input_names_the_field_and_changes_nothing() {
    for app in apps().await {
        let (rosa, account) = app.rosa().await;
        let cases = [
            (
                json!({"given_name": "X", "family_name": "Y", "contact_points": [{"kind": "phone", "value": "55-12"}]}),
                "contact_points[0].value",
            ),
            (
                json!({"given_name": "X", "family_name": "Y", "contact_points": [{"kind": "email", "value": "x@"}]}),
                "contact_points[0].value",
            ),
            (
                json!({"given_name": "X", "family_name": "Y", "contact_points": [{"kind": "fax", "value": "1"}]}),
                "contact_points[0].kind",
            ),
            (
                json!({"given_name": "  ", "family_name": "Y"}),
                "given_name",
            ),
            (json!({"family_name": "Y"}), "given_name"),
            (json!({"given_name": 5, "family_name": "Y"}), "given_name"),
        ];
        for (body, field) in cases {
            assert_problem(
                &app.post(&app.agent, "/api/v1/people", body).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(field),
            );
        }
        let raw = Request::post("/api/v1/people")
            .header(header::AUTHORIZATION, format!("Bearer {}", app.agent))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{not json"))
            .unwrap();
        assert_problem(
            &app.send(raw).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("body"),
        );
        let bad_number = app
            .post(
                &app.agent,
                "/api/v1/accounts",
                json!({"holder_id": rosa, "number": "E#1"}),
            )
            .await;
        assert_problem(
            &bad_number,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("number"),
        );
        let dup = app
            .post(
                &app.agent,
                "/api/v1/accounts",
                json!({"holder_id": rosa, "number": "EM20000001"}),
            )
            .await;
        assert_problem(&dup, StatusCode::CONFLICT, None);
        let closing = app
            .patch(
                &app.agent,
                &format!("/api/v1/accounts/{account}"),
                json!({"version": 1, "status": "closed"}),
            )
            .await;
        assert_problem(&closing, StatusCode::UNPROCESSABLE_ENTITY, Some("reason"));

        // unknown and malformed ids are 404
        assert_problem(
            &app.get(
                &app.agent,
                "/api/v1/accounts/0190a3b2-0000-7000-8000-000000000000",
            )
            .await,
            StatusCode::NOT_FOUND,
            None,
        );
        assert_problem(
            &app.get(&app.agent, "/api/v1/accounts/not-an-id").await,
            StatusCode::NOT_FOUND,
            None,
        );
        assert_problem(
            &app.patch(
                &app.agent,
                "/api/v1/people/0190a3b2-0000-7000-8000-000000000000",
                json!({"version": 1}),
            )
            .await,
            StatusCode::NOT_FOUND,
            None,
        );

        // a stale update is refused and the first one stands
        let first = app
            .patch(
                &app.agent,
                &format!("/api/v1/people/{rosa}"),
                json!({"version": 1, "given_name": "Rosita"}),
            )
            .await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text);
        let stale = app
            .patch(
                &app.agent,
                &format!("/api/v1/people/{rosa}"),
                json!({"version": 1, "given_name": "Rosalind"}),
            )
            .await;
        assert_problem(&stale, StatusCode::CONFLICT, None);
        let now = app.get(&app.agent, &format!("/api/v1/people/{rosa}")).await;
        assert_eq!(now.body["person"]["given_name"], "Rosita");
        assert_eq!(now.body["contact_points"].as_array().unwrap().len(), 2);
        let hits = app.get(&app.agent, "/api/v1/lookup?q=x").await;
        assert_eq!(
            hits.body.as_array().unwrap().len(),
            0,
            "no stray people were created: {}",
            hits.text
        );
        let long = "a".repeat(300);
        assert_problem(
            &app.get(&app.agent, &format!("/api/v1/lookup?q={long}"))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("q"),
        );
    }
}

#[tokio::test]
async fn roles_are_enforced_with_a_reason() {
    for app in apps().await {
        let (rosa, account) = app.rosa().await;
        let t = app
            .post(
                &app.technician,
                "/api/v1/people",
                json!({"given_name": "T", "family_name": "T"}),
            )
            .await;
        assert_problem(&t, StatusCode::FORBIDDEN, None);
        assert!(t.body["detail"].as_str().unwrap().contains("technician"));
        assert_eq!(
            app.get(&app.technician, &format!("/api/v1/accounts/{account}"))
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            app.post(
                &app.technician,
                &format!("/api/v1/accounts/{account}/notes"),
                json!({"body": "on site"})
            )
            .await
            .status,
            StatusCode::CREATED
        );
        assert_problem(&app.post(&app.agent, "/api/v1/products", json!({"code": "X", "name": "X", "kind": "tv", "monthly_price_minor": 1, "currency": "USD"})).await, StatusCode::FORBIDDEN, None);
        assert_problem(
            &app.get(&app.agent, "/api/v1/audit").await,
            StatusCode::FORBIDDEN,
            None,
        );
        assert_problem(
            &app.get(&app.agent, "/api/v1/staff").await,
            StatusCode::FORBIDDEN,
            None,
        );
        assert_problem(
            &app.post(
                &app.supervisor,
                "/api/v1/staff",
                json!({"email": "x@y.example", "name": "X", "role": "agent", "password": PASSWORD}),
            )
            .await,
            StatusCode::FORBIDDEN,
            None,
        );
        let created = app.post(&app.admin, "/api/v1/staff", json!({"email": "New@Y.example", "name": "New", "role": "agent", "password": PASSWORD})).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        assert!(created.body.get("password_hash").is_none());
        let audit = app
            .get(&app.supervisor, &format!("/api/v1/audit?entity={rosa}"))
            .await;
        assert_eq!(audit.status, StatusCode::OK);
        let ev = &audit.body[0];
        assert_eq!(
            (
                ev["action"].as_str(),
                ev["entity_type"].as_str(),
                ev["actor_name"].as_str()
            ),
            (Some("create"), Some("person"), Some("Test agent"))
        );
        assert_eq!(ev["after"]["given_name"], "Rosa");
        let on_account = app
            .get(&app.supervisor, &format!("/api/v1/audit?entity={account}"))
            .await;
        assert!(
            on_account
                .body
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["summary"].as_str().unwrap().starts_with("Note"))
        );
        assert_problem(
            &app.get(&app.supervisor, "/api/v1/audit?entity=nope").await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("entity"),
        );
    }
}

fn form(uri: &str, body: &str, cookie: Option<&str>) -> Request<Body> {
    let mut b =
        Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(Body::from(body.to_string())).unwrap()
}

#[tokio::test]
async fn signin_throttles_then_locks_and_sessions_need_csrf() {
    for app in apps().await {
        let wrong = "email=agent%40test.example&password=nope";
        let first = app.send(form("/signin", wrong, None)).await;
        assert_eq!(first.status, StatusCode::UNAUTHORIZED);
        assert!(first.text.contains("4 attempt(s) left"), "{}", first.text);
        for _ in 0..3 {
            app.send(form("/signin", wrong, None)).await;
        }
        let locked = app.send(form("/signin", wrong, None)).await;
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(
            locked.text.contains("try again in 1 minute(s)"),
            "{}",
            locked.text
        );
        assert_eq!(locked.headers[header::RETRY_AFTER], "60");
        let right_but_locked = app
            .send(form(
                "/signin",
                &format!(
                    "email=agent%40test.example&password={}",
                    PASSWORD.replace(' ', "+")
                ),
                None,
            ))
            .await;
        assert_eq!(right_but_locked.status, StatusCode::TOO_MANY_REQUESTS);

        let ok = app
            .send(form(
                "/signin",
                &format!(
                    "email=supervisor%40test.example&password={}&next=%2Fsearch",
                    PASSWORD.replace(' ', "+")
                ),
                None,
            ))
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        assert_eq!(ok.headers[header::LOCATION], "/search");
        let set = ok.headers[header::SET_COOKIE].to_str().unwrap().to_string();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Lax"),
            "{set}"
        );
        let cookie = set.split(';').next().unwrap().to_string();
        let page = app
            .send(
                Request::get("/")
                    .header(header::COOKIE, &cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let csrf = page
            .text
            .split("name=\"_csrf\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();

        let json_req = |token: Option<&str>| {
            let mut b = Request::post("/api/v1/people")
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/json");
            if let Some(t) = token {
                b = b.header("x-csrf-token", t);
            }
            b.body(Body::from(
                json!({"given_name": "C", "family_name": "S"}).to_string(),
            ))
            .unwrap()
        };
        assert_problem(&app.send(json_req(None)).await, StatusCode::FORBIDDEN, None);
        assert_eq!(
            app.send(json_req(Some(&csrf))).await.status,
            StatusCode::CREATED
        );
        let forged = app
            .send(form(
                "/customers/new",
                "given_name=Eve&family_name=Forged",
                Some(&cookie),
            ))
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let real = app.send(form("/customers/new", &format!("_csrf={csrf}&given_name=Chlo%C3%A9&family_name=Martin&phone=802+555+0111&account_type=residential&line1=5+Harbor+View&city=Burlington&postcode=05401"), Some(&cookie))).await;
        assert_eq!(real.status, StatusCode::SEE_OTHER, "{}", real.text);
        let account_page = real.headers[header::LOCATION].to_str().unwrap().to_string();
        let html = app
            .send(
                Request::get(&account_page)
                    .header(header::COOKIE, &cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert!(
            html.text.contains("Chloé Martin") && html.text.contains("5 Harbor View"),
            "{}",
            html.text
        );
        let invalid = app
            .send(form(
                "/customers/new",
                &format!("_csrf={csrf}&given_name=Eve&family_name=X&phone=12"),
                Some(&cookie),
            ))
            .await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            invalid.text.contains("a phone number has 7 to 15 digits"),
            "the error is shown at the field"
        );

        let out = app
            .send(form("/signout", &format!("_csrf={csrf}"), Some(&cookie)))
            .await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        let after = app
            .send(
                Request::get("/")
                    .header(header::COOKIE, &cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(after.status, StatusCode::SEE_OTHER, "the session is gone");
    }
}

#[tokio::test]
async fn openapi_and_metrics_describe_the_service() {
    for app in apps().await {
        let doc = app.get(&app.agent, "/api/openapi.json").await;
        assert_eq!(doc.status, StatusCode::OK);
        let paths = doc.body["paths"].as_object().unwrap();
        for p in [
            "/api/v1/lookup",
            "/api/v1/people",
            "/api/v1/people/{id}",
            "/api/v1/accounts",
            "/api/v1/accounts/{id}",
            "/api/v1/accounts/{id}/roles",
            "/api/v1/roles/{id}/end",
            "/api/v1/people/{id}/contact-points",
            "/api/v1/contact-points/{id}",
            "/api/v1/accounts/{id}/locations",
            "/api/v1/locations/{id}",
            "/api/v1/products",
            "/api/v1/accounts/{id}/subscriptions",
            "/api/v1/subscriptions/{id}",
            "/api/v1/accounts/{id}/notes",
            "/api/v1/audit",
            "/api/v1/me",
            "/api/v1/staff",
        ] {
            assert!(paths.contains_key(p), "openapi lacks {p}");
        }
        for s in [
            "Customer360",
            "Problem",
            "LookupHit",
            "NewPerson",
            "AuditEvent",
        ] {
            assert!(
                doc.body["components"]["schemas"].get(s).is_some(),
                "openapi lacks schema {s}"
            );
        }
        assert_eq!(
            doc.body["components"]["schemas"]["RoleKind"]["enum"],
            json!(["holder", "former_holder", "authorized_representative"])
        );
        assert_eq!(
            doc.body["paths"]["/api/v1/lookup"]["get"]["parameters"][0]["in"],
            "query"
        );
        // Every operation declares its path parameters and its error answers
        // as problem+json, so a standard tester can drive it (issue 9, 11).
        let mut operations = 0;
        for (path, item) in paths {
            for (method, op) in item.as_object().unwrap() {
                operations += 1;
                for name in path
                    .split('/')
                    .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                {
                    let declared = op["parameters"].as_array().is_some_and(|ps| {
                        ps.iter().any(|p| {
                            p["name"] == name && p["in"] == "path" && p["required"] == true
                        })
                    });
                    assert!(declared, "{method} {path} does not declare {name}");
                }
                for code in ["401", "403", "404", "422"] {
                    assert!(
                        op["responses"][code]["content"]["application/problem+json"].is_object(),
                        "{method} {path}: {code} is not documented as problem+json"
                    );
                }
            }
        }
        assert!(operations > 70, "{operations}");
        app.get(&app.agent, "/api/v1/lookup?q=rosa").await;
        let m = app.get(&app.agent, "/metrics").await;
        assert_eq!(m.status, StatusCode::FORBIDDEN, "metrics are for admins");
        let m = app.get(&app.admin, "/metrics").await;
        assert_eq!(m.status, StatusCode::OK);
        assert!(m.text.contains("http_requests_total"), "{}", m.text);
    }
}

async fn session(app: &App, email: &str) -> (String, String) {
    let ok = app
        .send(form(
            "/signin",
            &format!(
                "email={}&password={}",
                email.replace('@', "%40"),
                PASSWORD.replace(' ', "+")
            ),
            None,
        ))
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    let cookie = ok.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = app
        .send(
            Request::get("/")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let csrf = page
        .text
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    (cookie, csrf)
}

#[tokio::test]
async fn edit_pages_save_and_show_errors_at_the_field() {
    for app in apps().await {
        let (_, account) = app.rosa().await;
        let (cookie, csrf) = session(&app, "agent@test.example").await;
        let get = |uri: String| {
            Request::get(uri)
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap()
        };
        let page = app.send(get(format!("/accounts/{account}/edit"))).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("name=\"version\" value=\"1\""));

        let close = app
            .send(form(
                &format!("/accounts/{account}/edit"),
                &format!("_csrf={csrf}&version=1&name=Rosa&account_type=residential&status=closed"),
                Some(&cookie),
            ))
            .await;
        assert_eq!(close.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            close.text.contains("id=\"e-reason\""),
            "the error sits at the reason field: {}",
            close.text
        );
        let saved = app.send(form(&format!("/accounts/{account}/edit"), &format!("_csrf={csrf}&version=1&name=Rosa+%C3%81lvarez+%28estate%29&account_type=residential&status=active"), Some(&cookie))).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
        let stale = app
            .send(form(
                &format!("/accounts/{account}/edit"),
                &format!(
                    "_csrf={csrf}&version=1&name=Other&account_type=residential&status=active"
                ),
                Some(&cookie),
            ))
            .await;
        assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            stale.text.contains("changed by someone else"),
            "{}",
            stale.text
        );
        assert!(
            stale.text.contains("Rosa Álvarez (estate)"),
            "the form shows what is stored now"
        );

        let v = app
            .get(&app.agent, &format!("/api/v1/accounts/{account}"))
            .await;
        let cp = v.body["parties"][0]["contact_points"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "phone")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let bad = app
            .send(form(
                &format!("/contact-points/{cp}/edit"),
                &format!("_csrf={csrf}&version=1&value=12"),
                Some(&cookie),
            ))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text.contains("id=\"e-value\""));
        let good = app
            .send(form(
                &format!("/contact-points/{cp}/edit"),
                &format!("_csrf={csrf}&version=1&value=505-555-0199&label=mobile"),
                Some(&cookie),
            ))
            .await;
        assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.text);
        let hits = app
            .get(&app.agent, "/api/v1/lookup?q=(505)%20555-0199")
            .await;
        assert_eq!(
            hits.body[0]["account_id"],
            account.as_str(),
            "the new number finds the account"
        );
        assert_eq!(
            app.get(&app.agent, "/api/v1/lookup?q=(505)%20555-0134")
                .await
                .body
                .as_array()
                .unwrap()
                .len(),
            0,
            "the old one no longer does"
        );

        let missing = app
            .send(get("/accounts/0190a3b2-0000-7000-8000-000000000000".into()))
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let (tcookie, _) = session(&app, "technician@test.example").await;
        let denied = app
            .send(
                Request::get(format!("/accounts/{account}"))
                    .header(header::COOKIE, &tcookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(denied.status, StatusCode::OK);
        assert!(
            !denied.text.contains("Edit account"),
            "a technician is not offered edits"
        );
    }
}

#[tokio::test]
async fn interactions_belong_to_their_owner_participants_and_supervisors() {
    for app in apps().await {
        let (rosa, account) = app.rosa().await;
        let created = app
            .post(
                &app.agent,
                "/api/v1/interactions",
                json!({"channel": "inbound_call", "account_id": account}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        assert_eq!(created.body["interaction"]["state"], "offered");
        let id = created.body["interaction"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let state = |v: i64, s: &str| json!({"version": v, "state": s});

        let answered = app
            .post(
                &app.agent,
                &format!("/api/v1/interactions/{id}/state"),
                state(1, "connected"),
            )
            .await;
        assert_eq!(answered.status, StatusCode::OK, "{}", answered.text);
        let me = app.get(&app.agent, "/api/v1/me").await.body["id"].clone();
        assert_eq!(answered.body["interaction"]["owner_id"], me);

        // another agent may neither act nor join people; a supervisor may
        let other = app
            .post(
                &app.agent2,
                &format!("/api/v1/interactions/{id}/state"),
                state(2, "on_hold"),
            )
            .await;
        assert_problem(&other, StatusCode::FORBIDDEN, None);
        let join = app
            .post(
                &app.agent2,
                &format!("/api/v1/interactions/{id}/participants"),
                json!({"person_id": rosa, "role": "customer"}),
            )
            .await;
        assert_problem(&join, StatusCode::FORBIDDEN, None);
        let held = app
            .post(
                &app.supervisor,
                &format!("/api/v1/interactions/{id}/state"),
                state(2, "on_hold"),
            )
            .await;
        assert_eq!(held.status, StatusCode::OK, "{}", held.text);
        let resumed = app
            .post(
                &app.agent,
                &format!("/api/v1/interactions/{id}/state"),
                state(3, "connected"),
            )
            .await;
        assert_eq!(
            resumed.body["events"].as_array().unwrap().last().unwrap()["kind"],
            "resumed"
        );

        // conference: the holder joins and is verified once; a specialist joins and sees it
        let joined = app
            .post(
                &app.agent,
                &format!("/api/v1/interactions/{id}/participants"),
                json!({"person_id": rosa, "role": "customer"}),
            )
            .await;
        assert_eq!(joined.status, StatusCode::CREATED, "{}", joined.text);
        let verified = app
            .post(
                &app.agent,
                &format!("/api/v1/interactions/{id}/verifications"),
                json!({"person_id": rosa, "method": "security_questions"}),
            )
            .await;
        assert_eq!(verified.status, StatusCode::CREATED, "{}", verified.text);
        let specialist_id = app.get(&app.specialist, "/api/v1/me").await.body["id"].clone();
        let sp = app
            .post(
                &app.agent,
                &format!("/api/v1/interactions/{id}/participants"),
                json!({"staff_id": specialist_id, "role": "specialist"}),
            )
            .await;
        assert_eq!(sp.status, StatusCode::CREATED, "{}", sp.text);
        let seen = app
            .get(&app.specialist, &format!("/api/v1/interactions/{id}"))
            .await;
        assert_eq!(seen.body["verifications"][0]["person_id"], rosa.as_str());
        let twice = app
            .post(
                &app.specialist,
                &format!("/api/v1/interactions/{id}/verifications"),
                json!({"person_id": rosa, "method": "account_pin"}),
            )
            .await;
        assert_problem(&twice, StatusCode::CONFLICT, None);
        assert!(
            twice.body["detail"]
                .as_str()
                .unwrap()
                .contains("already verified by Test agent"),
            "{}",
            twice.text
        );

        // bad input
        assert_problem(
            &app.post(
                &app.agent,
                "/api/v1/interactions",
                json!({"channel": "pigeon"}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("channel"),
        );
        assert_problem(
            &app.post(
                &app.agent,
                &format!("/api/v1/interactions/{id}/state"),
                state(4, "flying"),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("state"),
        );
        assert_problem(
            &app.post(
                &app.agent,
                &format!("/api/v1/interactions/{id}/state"),
                state(4, "offered"),
            )
            .await,
            StatusCode::CONFLICT,
            None,
        );
        assert_problem(
            &app.post(
                &app.agent,
                &format!("/api/v1/interactions/{id}/state"),
                state(4, "queued"),
            )
            .await,
            StatusCode::CONFLICT,
            None,
        );
        assert_problem(
            &app.post(
                &app.agent,
                &format!("/api/v1/interactions/{id}/state"),
                state(4, "ended"),
            )
            .await,
            StatusCode::CONFLICT,
            None,
        );
        assert_problem(
            &app.get(
                &app.agent,
                "/api/v1/interactions/0190a3b2-0000-7000-8000-000000000000",
            )
            .await,
            StatusCode::NOT_FOUND,
            None,
        );
        let no_outcome = app
            .post(
                &app.agent,
                &format!("/api/v1/interactions/{id}/wrap-up"),
                json!({"version": 4, "outcome": " ", "disposition": "billing"}),
            )
            .await;
        assert_problem(
            &no_outcome,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("outcome"),
        );

        // the specialist, as a participant, may wrap up
        let done = app
            .post(
                &app.specialist,
                &format!("/api/v1/interactions/{id}/wrap-up"),
                json!({"version": 4, "outcome": "resolved", "disposition": "billing_dispute"}),
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        assert_eq!(done.body["interaction"]["state"], "ended");
        let after = app
            .post(
                &app.agent,
                &format!("/api/v1/interactions/{id}/participants"),
                json!({"person_id": rosa, "role": "customer"}),
            )
            .await;
        assert_problem(&after, StatusCode::CONFLICT, None);
        let doc = app.get(&app.agent, "/api/openapi.json").await;
        assert!(
            doc.body["paths"]
                .get("/api/v1/interactions/{id}/verifications")
                .is_some()
        );
    }
}

#[tokio::test]
async fn a_case_has_one_owner_clocks_handover_and_confirmed_resolution() {
    for app in apps().await {
        let (_, account) = app.rosa().await;
        let call = app
            .post(
                &app.agent,
                "/api/v1/interactions",
                json!({"channel": "outbound_call", "account_id": account}),
            )
            .await;
        let call_id = call.body["interaction"]["id"].as_str().unwrap().to_string();
        let opened = app.post(&app.agent, "/api/v1/cases", json!({"account_id": account, "title": "Internet drops since upgrade", "category": "technical", "priority": "urgent", "interaction_id": call_id})).await;
        assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
        let id = opened.body["case"]["id"].as_str().unwrap().to_string();
        assert_eq!(opened.body["interactions"][0], call_id.as_str());
        assert_eq!(opened.body["sla"]["first_response"], "running");
        assert!(
            opened.body["sla"]["customer_waiting_secs"]
                .as_i64()
                .unwrap()
                >= 0
        );

        let not_mine = app
            .post(
                &app.agent2,
                &format!("/api/v1/cases/{id}/status"),
                json!({"version": 1, "status": "open"}),
            )
            .await;
        assert_problem(&not_mine, StatusCode::FORBIDDEN, None);
        assert!(
            not_mine.body["detail"]
                .as_str()
                .unwrap()
                .contains("consult")
        );
        let open = app
            .post(
                &app.agent,
                &format!("/api/v1/cases/{id}/status"),
                json!({"version": 1, "status": "open"}),
            )
            .await;
        assert_eq!(open.body["sla"]["first_response"], "met", "{}", open.text);
        assert_problem(
            &app.post(
                &app.agent,
                &format!("/api/v1/cases/{id}/status"),
                json!({"version": 2, "status": "resolved"}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("status"),
        );
        assert_problem(
            &app.post(
                &app.agent,
                &format!("/api/v1/cases/{id}/status"),
                json!({"version": 2, "status": "closed"}),
            )
            .await,
            StatusCode::CONFLICT,
            None,
        );
        assert_problem(
            &app.post(
                &app.agent,
                &format!("/api/v1/cases/{id}/resolve"),
                json!({"version": 2, "confirmed_by_customer": false}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("note"),
        );

        let teams = app.get(&app.admin, "/api/v1/staff").await;
        assert_eq!(teams.status, StatusCode::OK);
        let agent2_id = app.get(&app.agent2, "/api/v1/me").await.body["id"].clone();
        assert_problem(
            &app.post(
                &app.agent,
                &format!("/api/v1/cases/{id}/handover"),
                json!({"version": 2, "new_owner_id": agent2_id, "note": " "}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("note"),
        );
        let handed = app.post(&app.agent, &format!("/api/v1/cases/{id}/handover"), json!({"version": 2, "new_owner_id": agent2_id, "note": "Power cord looked frayed; call back Friday"})).await;
        assert_eq!(handed.status, StatusCode::OK, "{}", handed.text);
        assert_eq!(
            (
                handed.body["case"]["owner_id"].clone(),
                handed.body["case"]["handovers"].clone()
            ),
            (agent2_id.clone(), json!(1))
        );
        assert_problem(
            &app.post(
                &app.agent,
                &format!("/api/v1/cases/{id}/status"),
                json!({"version": 3, "status": "waiting_on_customer"}),
            )
            .await,
            StatusCode::FORBIDDEN,
            None,
        );

        let resolved = app.post(&app.agent2, &format!("/api/v1/cases/{id}/resolve"), json!({"version": 3, "confirmed_by_customer": false, "note": "Customer did not answer two callbacks"})).await;
        assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.text);
        assert_eq!(resolved.body["case"]["status"], "resolved");
        assert_eq!(resolved.body["case"]["confirmed_by_customer"], false);
        assert_eq!(
            resolved.body["case"]["resolution_note"],
            "Customer did not answer two callbacks"
        );
        let reopened = app
            .post(
                &app.supervisor,
                &format!("/api/v1/cases/{id}/status"),
                json!({"version": 4, "status": "open"}),
            )
            .await;
        assert_eq!(
            reopened.body["case"]["resolved_at"],
            Value::Null,
            "{}",
            reopened.text
        );

        let history = app
            .get(&app.supervisor, &format!("/api/v1/audit?entity={id}"))
            .await;
        let handover = history
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "handover")
            .unwrap();
        assert_eq!(
            handover["reason"],
            "Power cord looked frayed; call back Friday"
        );
        assert_problem(
            &app.get(&app.agent, "/api/v1/cases/nope").await,
            StatusCode::NOT_FOUND,
            None,
        );
        assert_problem(&app.post(&app.agent, "/api/v1/cases", json!({"account_id": account, "title": "x", "category": "billing", "priority": "asap"})).await, StatusCode::UNPROCESSABLE_ENTITY, Some("priority"));
    }
}
