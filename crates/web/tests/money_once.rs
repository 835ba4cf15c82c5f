//! Money exactly once (issue 9, defects 1–3), on both databases: a retried
//! request answers its first result even once the limit is used; approval
//! requests and decisions are keyed and can never book what a key already
//! booked; an account takes its first entry's currency; any interleaving
//! and repetition of keyed requests books each key at most once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use axum::http::StatusCode;
use common::{call, new_account, state_with_staff};
use extramile_domain::ledger::MoneySettings;
use extramile_store::testing;
use extramile_web::router;
use serde_json::{Value, json};

fn credit(amount: i64, key: &str) -> Value {
    json!({"action": "goodwill_credit", "amount_minor": amount, "currency": "USD", "reason": "outage", "idempotency_key": key})
}

async fn staff_credits(app: &axum::Router, token: &str, acct: &str) -> Vec<Value> {
    let (_, view) = call(
        app,
        token,
        "GET",
        &format!("/api/v1/accounts/{acct}/ledger"),
        None,
    )
    .await;
    view["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entry"]["kind"] == "credit")
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_retry_after_the_limit_is_used_answers_the_first_result_and_cannot_be_booked_twice() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("sam@t.example", "supervisor", None),
            ],
        )
        .await;
        let app = router(state);
        let (maya, sam) = (&t[0], &t[1]);
        let acct = new_account(&app, maya).await;
        let act = format!("/api/v1/accounts/{acct}/ledger/actions");
        let (s, a) = call(&app, maya, "POST", &act, Some(credit(5000, "a"))).await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {a}");
        let (s, b) = call(&app, maya, "POST", &act, Some(credit(5000, "b"))).await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {b}");
        // The month's $100 is used; the client resends b after a timeout.
        let (s, again) = call(&app, maya, "POST", &act, Some(credit(5000, "b"))).await;
        assert_eq!(s, StatusCode::OK, "{url}: a replay is not refused: {again}");
        assert_eq!(again["id"], b["id"], "{url}: the first entry");
        // Asking for approval of what the key booked is refused, so it cannot be paid twice.
        let ask = format!("/api/v1/accounts/{acct}/approvals");
        let (s, p) = call(&app, maya, "POST", &ask, Some(credit(5000, "b"))).await;
        assert_eq!(s, StatusCode::CONFLICT, "{url}: {p}");
        assert!(
            p["detail"].as_str().unwrap().contains("already applied"),
            "{p}"
        );
        // The same key with another body is refused, naming the field.
        let (s, p) = call(&app, maya, "POST", &act, Some(credit(4000, "b"))).await;
        assert_eq!(
            (s, p["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key")),
            "{url}"
        );
        // A new credit beyond the limit is refused and may be asked for, once.
        let (s, _) = call(&app, maya, "POST", &act, Some(credit(5000, "c"))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{url}");
        let (s, first) = call(&app, maya, "POST", &ask, Some(credit(5000, "c"))).await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {first}");
        let (s, second) = call(&app, maya, "POST", &ask, Some(credit(5000, "c"))).await;
        assert!(s.is_success(), "{url}: {second}");
        assert_eq!(
            second["id"], first["id"],
            "{url}: the same request twice is one approval"
        );
        let (_, inbox) = call(&app, sam, "GET", "/api/v1/approvals", None).await;
        assert_eq!(inbox.as_array().unwrap().len(), 1, "{url}: {inbox}");
        // Approving books it under Maya's key c; the decision sent twice answers once.
        let decide = format!(
            "/api/v1/approvals/{}/decision",
            first["id"].as_str().unwrap()
        );
        let body = json!({"version": 1, "approve": true, "reason": "long outage", "idempotency_key": "d1"});
        let (s, approved) = call(&app, sam, "POST", &decide, Some(body.clone())).await;
        assert_eq!(s, StatusCode::OK, "{url}: {approved}");
        let (s, replay) = call(&app, sam, "POST", &decide, Some(body)).await;
        assert_eq!(
            (s, &replay["entry_id"]),
            (StatusCode::OK, &approved["entry_id"]),
            "{url}: {replay}"
        );
        // Maya's retry of c now answers the approved entry.
        let (s, c) = call(&app, maya, "POST", &act, Some(credit(5000, "c"))).await;
        assert_eq!(
            (s, &c["id"]),
            (StatusCode::OK, &approved["entry_id"]),
            "{url}: {c}"
        );
        assert_eq!(
            staff_credits(&app, maya, &acct).await.len(),
            3,
            "{url}: a, b and the approved c"
        );
    }
}

#[tokio::test]
async fn a_second_approval_under_a_booked_key_books_nothing() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("sam@t.example", "supervisor", None),
                ("ann@t.example", "admin", None),
            ],
        )
        .await;
        let app = router(state);
        let (maya, sam, ann) = (&t[0], &t[1], &t[2]);
        let acct = new_account(&app, maya).await;
        let ask = format!("/api/v1/accounts/{acct}/approvals");
        let (s, r) = call(&app, maya, "POST", &ask, Some(credit(20000, "big"))).await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {r}");
        let decide = format!("/api/v1/approvals/{}/decision", r["id"].as_str().unwrap());
        let (s, _) = call(
            &app,
            sam,
            "POST",
            &decide,
            Some(json!({"version": 1, "approve": true, "reason": "ok"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{url}");
        // Another decider racing on the same request: stale, nothing booked.
        let (s, _) = call(
            &app,
            ann,
            "POST",
            &decide,
            Some(json!({"version": 1, "approve": true, "reason": "ok too"})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{url}");
        assert_eq!(staff_credits(&app, maya, &acct).await.len(), 1, "{url}");
    }
}

#[tokio::test]
async fn an_account_takes_its_first_entrys_currency_and_any_provider_currency_works() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("pbx@t.example", "integration", None),
            ],
        )
        .await;
        let cad = MoneySettings::new("CAD", 100, 15).unwrap();
        let state = state.with_money(&cad);
        assert!(
            state
                .authority
                .ensure_default_policies("CAD")
                .await
                .unwrap()
                > 0
        );
        assert_eq!(
            state
                .authority
                .ensure_default_policies("CAD")
                .await
                .unwrap(),
            0,
            "once"
        );
        let app = router(state);
        let (maya, billing) = (&t[0], &t[1]);
        // A fresh account: the first billing entry in USD sets USD.
        let acct = new_account(&app, maya).await;
        let post = format!("/api/v1/accounts/{acct}/ledger/billing");
        let entry = |c: &str, x: &str| json!({"kind": "charge", "amount_minor": 1000, "currency": c, "external_id": x, "memo": "m"});
        let (s, e) = call(&app, billing, "POST", &post, Some(entry("USD", "u1"))).await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {e}");
        let (s, e) = call(&app, billing, "POST", &post, Some(entry("CAD", "c1"))).await;
        assert_eq!(
            (s, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("currency")),
            "{url}: {e}"
        );
        // Another fresh account, in the provider's CAD: an agent credits in CAD.
        let other = new_account(&app, maya).await;
        let (s, e) = call(
            &app,
            billing,
            "POST",
            &format!("/api/v1/accounts/{other}/ledger/billing"),
            Some(entry("CAD", "c2")),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {e}");
        let mut c = credit(1000, "cad-1");
        c["currency"] = json!("CAD");
        let (s, e) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/accounts/{other}/ledger/actions"),
            Some(c),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{url}: the CAD defaults apply: {e}");
        let (_, v) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/accounts/{other}/ledger"),
            None,
        )
        .await;
        assert_eq!(v["currency"], "CAD", "{url}: {v}");
    }
}

mod property {
    use super::*;
    use extramile_domain::audit::Actor;
    use extramile_domain::authority::ApprovalDecision;
    use extramile_domain::ids::{AccountId, LedgerEntryId};
    use extramile_domain::ledger::{ActionResult, MoneyAction};
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[derive(Clone, Debug)]
    enum Op {
        Act(usize),
        Ask(usize),
        Approve(usize),
    }

    /// Each key always carries the same body, as a retrying client does;
    /// key 2 is beyond an agent's $50 a credit and key 3 beyond it with what
    /// the others use.
    const AMOUNTS: [i64; 4] = [5000, 4000, 7000, 3000];

    fn action(k: usize) -> MoneyAction {
        MoneyAction {
            action: "goodwill_credit".into(),
            amount_minor: AMOUNTS[k],
            currency: "USD".into(),
            reason: "outage".into(),
            idempotency_key: format!("k{k}"),
            ..Default::default()
        }
    }

    fn op() -> impl Strategy<Value = Op> {
        (0..3usize, 0..4usize).prop_map(|(v, k)| match v {
            0 => Op::Act(k),
            1 => Op::Ask(k),
            _ => Op::Approve(k),
        })
    }

    async fn run(
        st: &extramile_web::AppState,
        agent: &Actor,
        sup: &Actor,
        acct: AccountId,
        op: Op,
    ) -> Option<(usize, LedgerEntryId)> {
        match op {
            Op::Act(k) => match st.ledger.act(agent, acct, action(k)).await {
                Ok(ActionResult::Applied { entry, .. }) => Some((k, entry.id)),
                _ => None,
            },
            Op::Ask(k) => {
                let _ = st.authority.request(agent, acct, action(k)).await;
                None
            }
            Op::Approve(k) => {
                let a = st
                    .store
                    .approval_by_key(agent.id.unwrap(), &format!("k{k}"))
                    .await
                    .unwrap()
                    .filter(|a| a.account_id == acct)?;
                let d = ApprovalDecision {
                    version: a.version,
                    approve: true,
                    reason: "ok".into(),
                    idempotency_key: Some(format!("d{k}")),
                };
                st.authority
                    .decide(sup, a.id, d)
                    .await
                    .ok()
                    .and_then(|a| a.entry_id)
                    .map(|e| (k, e))
            }
        }
    }

    /// Any interleaving (ops run in concurrent groups) and repetition of
    /// keyed requests, approval requests and approvals: each key books at
    /// most one entry, and every answer for a key names that entry.
    #[test]
    fn each_key_has_at_most_one_effect_and_replays_answer_the_first() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let (st, agent, sup) = rt.block_on(async {
            let (st, _) = state_with_staff(
                &testing::sqlite_url(),
                &[
                    ("maya@t.example", "agent", None),
                    ("sam@t.example", "supervisor", None),
                ],
            )
            .await;
            let staff = st.store.list_staff().await.unwrap();
            let actor = |e: &str| {
                extramile_domain::admin::StaffService::actor(
                    staff.iter().find(|u| u.email == e).unwrap(),
                )
            };
            let (a, s) = (actor("maya@t.example"), actor("sam@t.example"));
            (st, a, s)
        });
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
            cases: 24,
            ..ProptestConfig::default()
        });
        runner
            .run(
                &(prop::collection::vec(op(), 1..14), 1..5usize),
                |(ops, group)| {
                    rt.block_on(async {
                        let acct = new_account_direct(&st, &agent).await;
                        let mut seen: BTreeMap<usize, BTreeSet<LedgerEntryId>> = BTreeMap::new();
                        for chunk in ops.chunks(group) {
                            let all = chunk
                                .iter()
                                .map(|o| run(&st, &agent, &sup, acct, o.clone()));
                            for (k, e) in futures_util::future::join_all(all)
                                .await
                                .into_iter()
                                .flatten()
                            {
                                seen.entry(k).or_default().insert(e);
                            }
                        }
                        let booked = st.ledger.view(&agent, acct).await.unwrap();
                        let credits = booked
                            .entries
                            .iter()
                            .filter(|e| e.entry.kind.as_str() == "credit")
                            .count();
                        for ids in seen.values() {
                            prop_assert_eq!(ids.len(), 1, "one entry per key: {:?}", seen);
                        }
                        prop_assert_eq!(credits, seen.len(), "no entry without its key's answer");
                        Ok(())
                    })
                },
            )
            .unwrap();
    }

    async fn new_account_direct(st: &extramile_web::AppState, actor: &Actor) -> AccountId {
        use extramile_domain::customers::inputs::{NewAccount, NewPerson};
        let (p, _) = st
            .customers
            .create_person(
                actor,
                NewPerson {
                    given_name: "Rosa".into(),
                    family_name: "Alvarez".into(),
                    preferred_language: None,
                    contact_points: vec![],
                },
            )
            .await
            .unwrap();
        st.customers
            .create_account(
                actor,
                NewAccount {
                    holder_id: p.id,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .id
    }
}

/// Ten waivers of one charge at once (distinct keys) and ten disputes of
/// it: one of each is booked; the others are told the charge changed.
#[tokio::test]
async fn parallel_waivers_and_disputes_of_one_charge_book_once() {
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
        let (ann, billing) = (&t[0], &t[1]);
        for round in ["waive", "dispute"] {
            let acct = new_account(&app, ann).await;
            let (_, charge) = call(&app, billing, "POST", &format!("/api/v1/accounts/{acct}/ledger/billing"), Some(json!({"kind": "charge", "amount_minor": 3999, "currency": "USD", "external_id": format!("{round}-{acct}"), "memo": "visit"}))).await;
            let tries = (0..10).map(|i| {
                let app = app.clone();
                let (path, body) = if round == "waive" {
                    (format!("/api/v1/accounts/{acct}/ledger/actions"), json!({"action": "charge_waiver", "amount_minor": 3999, "currency": "USD", "charge_id": charge["id"], "reason": "disputed", "idempotency_key": format!("w{i}")}))
                } else {
                    (format!("/api/v1/accounts/{acct}/ledger/disputes"), json!({"charge_id": charge["id"], "reason": "disputed", "idempotency_key": format!("d{i}")}))
                };
                async move { call(&app, ann, "POST", &path, Some(body)).await.0 }
            });
            let answers = futures_util::future::join_all(tries).await;
            let booked = answers
                .iter()
                .filter(|s| **s == StatusCode::CREATED)
                .count();
            assert_eq!(booked, 1, "{url} {round}: {answers:?}");
            assert!(
                answers.iter().all(|s| *s == StatusCode::CREATED
                    || *s == StatusCode::CONFLICT
                    || *s == StatusCode::UNPROCESSABLE_ENTITY),
                "{url} {round}: {answers:?}"
            );
            let (_, v) = call(
                &app,
                ann,
                "GET",
                &format!("/api/v1/accounts/{acct}/ledger"),
                None,
            )
            .await;
            assert_eq!(
                v["entry_count"], 2,
                "{url} {round}: the charge and one step"
            );
        }
    }
}

/// A goodwill credit lowers the next bill; it is not an overpayment and is
/// never paid out as cash (a refund of it was possible, and the page offered
/// one right where a double click landed).
#[tokio::test]
async fn goodwill_credits_are_never_refunded_as_cash() {
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
        let (ann, billing) = (&t[0], &t[1]);
        let acct = new_account(&app, ann).await;
        let act = format!("/api/v1/accounts/{acct}/ledger/actions");
        let (s, _) = call(&app, ann, "POST", &act, Some(credit(2000, "g1"))).await;
        assert_eq!(s, StatusCode::CREATED, "{url}");
        let (_, v) = call(
            &app,
            ann,
            "GET",
            &format!("/api/v1/accounts/{acct}/ledger"),
            None,
        )
        .await;
        assert_eq!(
            (v["balance_minor"].as_i64(), &v["overpayment_minor"]),
            (Some(-2000), &Value::Null),
            "{url}: {v}"
        );
        let refund = json!({"action": "refund", "amount_minor": 2000, "currency": "USD", "reason": "cash", "refund_method": "cheque", "idempotency_key": "r1"});
        let (s, p) = call(&app, ann, "POST", &act, Some(refund)).await;
        assert_eq!(
            (s, p["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("amount_minor")),
            "{url}: {p}"
        );
        // Paying more than owed is refundable, the credit still is not.
        let (s, _) = call(&app, billing, "POST", &format!("/api/v1/accounts/{acct}/ledger/billing"), Some(json!({"kind": "payment", "amount_minor": 5000, "currency": "USD", "external_id": format!("p-{acct}"), "memo": "paid"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{url}");
        let (_, v) = call(
            &app,
            ann,
            "GET",
            &format!("/api/v1/accounts/{acct}/ledger"),
            None,
        )
        .await;
        assert_eq!(v["overpayment_minor"], 5000, "{url}: {v}");
        let (s, p) = call(&app, ann, "POST", &act, Some(json!({"action": "refund", "amount_minor": 5000, "currency": "USD", "reason": "overpaid", "refund_method": "card", "idempotency_key": "r2"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {p}");
    }
}
