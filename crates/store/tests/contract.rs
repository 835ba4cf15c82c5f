//! The store contract: every operation behaves the same on SQLite and on
//! PostgreSQL. Each check runs once per backend.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use extramile_domain::DomainError;
use extramile_domain::admin::{ApiToken, Session, StaffRole, StaffUser, Team, hash_password};
use extramile_domain::audit::{Actor, AuditFilter};
use extramile_domain::customers::CustomerService;
use extramile_domain::customers::inputs::*;
use extramile_domain::customers::lookup::MatchKind;
use extramile_domain::customers::model::*;
use extramile_domain::ids::*;
use extramile_domain::store::*;
use extramile_store::{Options, SqlStore, testing};
use std::sync::Arc;

fn agent() -> Actor {
    Actor {
        id: Some(StaffId::new()),
        name: "Test Agent".into(),
        role: StaffRole::Agent,
    }
}

async fn stores() -> Vec<Arc<SqlStore>> {
    let mut out = Vec::new();
    for url in testing::databases().await {
        out.push(Arc::new(
            SqlStore::open(&url, &Options::default()).await.unwrap(),
        ));
    }
    out
}

struct World {
    svc: CustomerService,
    store: Arc<SqlStore>,
    rosa: Person,
    ana: Person,
    account: Account,
}

async fn world(store: Arc<SqlStore>) -> World {
    let svc = CustomerService::new(store.clone(), "US");
    let a = agent();
    let (rosa, _) = svc
        .create_person(
            &a,
            NewPerson {
                given_name: "Rosa".into(),
                family_name: "Álvarez".into(),
                preferred_language: Some("es".into()),
                contact_points: vec![
                    NewContactPoint {
                        kind: "phone".into(),
                        value: "(505) 555-0134".into(),
                        label: Some("home".into()),
                        is_primary: true,
                    },
                    NewContactPoint {
                        kind: "email".into(),
                        value: "Rosa@Example.net".into(),
                        label: None,
                        is_primary: true,
                    },
                ],
            },
        )
        .await
        .unwrap();
    let (ana, _) = svc
        .create_person(
            &a,
            NewPerson {
                given_name: "Ana".into(),
                family_name: "Silva".into(),
                preferred_language: None,
                contact_points: vec![NewContactPoint {
                    kind: "phone".into(),
                    value: "312 555 0147".into(),
                    label: None,
                    is_primary: true,
                }],
            },
        )
        .await
        .unwrap();
    let account = svc
        .create_account(
            &a,
            NewAccount {
                number: Some("em-1234 5678".into()),
                name: None,
                account_type: None,
                holder_id: rosa.id,
            },
        )
        .await
        .unwrap();
    World {
        svc,
        store,
        rosa,
        ana,
        account,
    }
}

async fn each(f: impl AsyncFn(World)) {
    for s in stores().await {
        let backend = s.backend();
        eprintln!("contract on {backend}");
        f(world(s).await).await;
    }
}

#[tokio::test]
async fn people_accounts_and_optimistic_versions() {
    each(async |w| {
        let a = agent();
        assert_eq!(w.account.number, "EM12345678");
        assert_eq!(w.account.name, "Rosa Álvarez");
        let got = w.store.person(w.rosa.id).await.unwrap().unwrap();
        assert_eq!(got, w.rosa);
        let cps = w.store.person_contact_points(w.rosa.id).await.unwrap();
        assert_eq!(cps.len(), 2);
        assert!(cps.iter().any(|c| c.normalized == "+15055550134"));
        assert!(cps.iter().any(|c| c.normalized == "rosa@example.net"));

        let updated = w
            .svc
            .update_person(
                &a,
                w.rosa.id,
                PersonUpdate {
                    version: 1,
                    family_name: Some("Alvarez Ruiz".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(updated.version, 2);
        let stale = w
            .svc
            .update_person(
                &a,
                w.rosa.id,
                PersonUpdate {
                    version: 1,
                    given_name: Some("R".into()),
                    ..Default::default()
                },
            )
            .await;
        assert!(matches!(stale, Err(DomainError::Conflict(_))), "{stale:?}");
        assert_eq!(
            w.store.person(w.rosa.id).await.unwrap().unwrap().given_name,
            "Rosa"
        );

        let dup = w
            .svc
            .create_account(
                &a,
                NewAccount {
                    number: Some("EM12345678".into()),
                    holder_id: w.ana.id,
                    ..Default::default()
                },
            )
            .await;
        assert!(matches!(dup, Err(DomainError::Conflict(_))), "{dup:?}");
        let mine = w.store.person_accounts(w.rosa.id).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].0.kind, RoleKind::Holder);
    })
    .await;
}

#[tokio::test]
async fn roles_consent_and_former_holders() {
    each(async |w| {
        let a = agent();
        let rep = w
            .svc
            .add_role(
                &a,
                w.account.id,
                NewRole {
                    person_id: w.ana.id,
                    kind: "authorized_representative".into(),
                    consent: Some(ConsentInput {
                        given_by: w.rosa.id,
                        method: "verbal_on_call".into(),
                        note: Some("on a conference call".into()),
                    }),
                },
            )
            .await
            .unwrap();
        let stored = w.store.role(rep.id).await.unwrap().unwrap();
        assert_eq!(stored.consent.as_ref().unwrap().given_by, w.rosa.id);
        assert_eq!(
            stored.consent.as_ref().unwrap().method,
            ConsentMethod::VerbalOnCall
        );

        // Ana becomes a holder too, then Rosa's holding ends (deceased).
        let err = w
            .svc
            .add_role(
                &a,
                w.account.id,
                NewRole {
                    person_id: w.ana.id,
                    kind: "holder".into(),
                    consent: None,
                },
            )
            .await;
        assert!(matches!(err, Err(DomainError::Conflict(_))));
        let roles = w.store.account_roles(w.account.id).await.unwrap();
        let rosa_role = roles.iter().find(|r| r.person_id == w.rosa.id).unwrap();
        let last = w
            .svc
            .end_role(
                &a,
                rosa_role.id,
                EndRole {
                    version: 1,
                    reason: "deceased".into(),
                    ended_on: Some("2026-09-14".into()),
                },
            )
            .await;
        assert!(
            matches!(last, Err(DomainError::Conflict(_))),
            "the last holder stays: {last:?}"
        );
        let (ben, _) = w
            .svc
            .create_person(
                &a,
                NewPerson {
                    given_name: "Ben".into(),
                    family_name: "Okafor".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        w.svc
            .add_role(
                &a,
                w.account.id,
                NewRole {
                    person_id: ben.id,
                    kind: "holder".into(),
                    consent: None,
                },
            )
            .await
            .unwrap();
        let ended = w
            .svc
            .end_role(
                &a,
                rosa_role.id,
                EndRole {
                    version: 1,
                    reason: "deceased".into(),
                    ended_on: Some("2026-09-14".into()),
                },
            )
            .await
            .unwrap();
        assert_eq!(ended.kind, RoleKind::FormerHolder);
        assert_eq!(ended.ended_on, Some(jiff::civil::date(2026, 9, 14)));
        let again = w.store.role(rosa_role.id).await.unwrap().unwrap();
        assert_eq!(again.ended_reason.as_deref(), Some("deceased"));
        assert_eq!(again.version, 2);
    })
    .await;
}

#[tokio::test]
async fn the_360_has_everything_in_one_read() {
    each(async |w| {
        let a = agent();
        let admin = Actor {
            role: StaffRole::Admin,
            ..agent()
        };
        let loc = w
            .svc
            .add_location(
                &a,
                w.account.id,
                NewLocation {
                    line1: "742 Evergreen Terrace".into(),
                    city: "Santa Fe".into(),
                    region: Some("NM".into()),
                    postcode: "87501".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let slow = w
            .svc
            .create_product(
                &admin,
                NewProduct {
                    code: "inet100".into(),
                    name: "Internet 100".into(),
                    kind: "internet".into(),
                    monthly_price_minor: 4999,
                    currency: "usd".into(),
                    retail_price_minor: None,
                },
            )
            .await
            .unwrap();
        let fast = w
            .svc
            .create_product(
                &admin,
                NewProduct {
                    code: "INET500".into(),
                    name: "Internet 500".into(),
                    kind: "internet".into(),
                    monthly_price_minor: 6999,
                    currency: "USD".into(),
                    retail_price_minor: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(slow.code, "INET100");
        let sub = w
            .svc
            .add_subscription(
                &a,
                w.account.id,
                NewSubscription {
                    location_id: loc.id,
                    product_id: slow.id,
                    start_date: Some("2024-05-01".into()),
                },
            )
            .await
            .unwrap();
        w.svc
            .change_subscription(
                &a,
                sub.id,
                SubscriptionChange {
                    version: 1,
                    product_id: Some(fast.id),
                    status: None,
                    reason: Some("speed upgrade".into()),
                },
            )
            .await
            .unwrap();
        w.svc
            .add_note(
                &a,
                w.account.id,
                NewNote {
                    body: "Power source suspected; hard reboot advised".into(),
                },
            )
            .await
            .unwrap();

        let v = w
            .store
            .customer_360(w.account.id, 50)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(v.account.id, w.account.id);
        assert_eq!(v.parties.len(), 1);
        assert_eq!(v.parties[0].person.id, w.rosa.id);
        assert_eq!(v.parties[0].contact_points.len(), 2);
        assert_eq!(v.locations, vec![loc]);
        assert_eq!(v.subscriptions.len(), 1);
        assert_eq!(v.subscriptions[0].product.code, "INET500");
        let kinds: Vec<&str> = v.subscriptions[0]
            .history
            .iter()
            .map(|e| e.kind.as_str())
            .collect();
        assert_eq!(kinds, ["started", "product_changed"]);
        assert!(
            v.subscriptions[0].history[1]
                .description
                .contains("Internet 100 → Internet 500")
        );
        assert_eq!(v.notes.len(), 1);
        // Newest first: note, subscription change, subscription, location, holder, account.
        let actions: Vec<(&str, &str)> = v
            .timeline
            .iter()
            .map(|e| (e.action.as_str(), e.entity_type.as_str()))
            .collect();
        assert_eq!(actions.first(), Some(&("create", "note")));
        assert!(actions.contains(&("update", "subscription")));
        assert!(actions.contains(&("create", "account")));
        assert!(
            w.store
                .customer_360(AccountId::new(), 10)
                .await
                .unwrap()
                .is_none()
        );
    })
    .await;
}

#[tokio::test]
async fn lookup_by_identifier_name_typo_and_address() {
    each(async |w| {
        let a = agent();
        w.svc
            .add_location(
                &a,
                w.account.id,
                NewLocation {
                    line1: "742 Evergreen Terrace".into(),
                    city: "Santa Fe".into(),
                    postcode: "87501".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let first = |hits: Vec<extramile_domain::customers::lookup::LookupHit>| {
            hits.into_iter().next().expect("a hit")
        };
        for q in ["(505) 555-0134", "505.555.0134", "+1 505 555 0134"] {
            let h = first(w.svc.lookup(&a, q).await.unwrap());
            assert_eq!(
                (h.matched, h.account_id),
                (MatchKind::Phone, Some(w.account.id)),
                "{q}"
            );
        }
        let h = first(w.svc.lookup(&a, "ROSA@example.NET").await.unwrap());
        assert_eq!(
            (h.matched, h.role),
            (MatchKind::Email, Some(RoleKind::Holder))
        );
        let h = first(w.svc.lookup(&a, "em1234-5678").await.unwrap());
        assert_eq!(
            (h.matched, h.account_id),
            (MatchKind::AccountNumber, Some(w.account.id))
        );
        for q in ["alvarez", "ALV", "rosa alv", "Álvarez", "alvrez", "alvarze"] {
            let h = first(w.svc.lookup(&a, q).await.unwrap());
            assert_eq!(
                (h.matched, h.person_id),
                (MatchKind::Name, Some(w.rosa.id)),
                "{q}"
            );
        }
        let h = first(w.svc.lookup(&a, "evergreen 742").await.unwrap());
        assert_eq!(
            (h.matched, h.account_id),
            (MatchKind::Address, Some(w.account.id))
        );
        // Ana has no account: found, without one.
        let h = first(w.svc.lookup(&a, "silva").await.unwrap());
        assert_eq!((h.person_id, h.account_id), (Some(w.ana.id), None));
        assert!(w.svc.lookup(&a, "zzzzqqq").await.unwrap().is_empty());
        assert!(
            w.svc.lookup(&a, "rosa silva").await.unwrap().is_empty(),
            "every term must match one person"
        );
        assert!(
            w.svc
                .lookup(&a, "alvarez rosa ana")
                .await
                .unwrap()
                .is_empty(),
            "a third word must match too"
        );
        let h = first(w.svc.lookup(&a, "alvarez rosa").await.unwrap());
        assert_eq!(h.person_id, Some(w.rosa.id), "either word order");
        let h = first(w.svc.lookup(&a, "alvares ros").await.unwrap());
        assert_eq!(
            h.person_id,
            Some(w.rosa.id),
            "a typo in one word, a prefix in the other"
        );
        // A renamed person is found by the new name only.
        w.svc
            .update_person(
                &a,
                w.ana.id,
                PersonUpdate {
                    version: 1,
                    family_name: Some("Moreau".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(w.svc.lookup(&a, "silva").await.unwrap().is_empty());
        assert_eq!(
            first(w.svc.lookup(&a, "moreau").await.unwrap()).person_id,
            Some(w.ana.id)
        );
    })
    .await;
}

#[tokio::test]
async fn audit_is_written_with_the_change_and_only_then() {
    each(async |w| {
        let a = agent();
        let before = w
            .store
            .audit_events(&AuditFilter {
                entity_id: Some(w.rosa.id.0),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(before.len(), 1);
        assert_eq!(before[0].action, "create");
        assert_eq!(before[0].actor_name, "Test Agent");
        assert_eq!(before[0].after.as_ref().unwrap()["given_name"], "Rosa");
        w.svc
            .update_person(
                &a,
                w.rosa.id,
                PersonUpdate {
                    version: 1,
                    given_name: Some("Rosita".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let _ = w
            .svc
            .update_person(
                &a,
                w.rosa.id,
                PersonUpdate {
                    version: 1,
                    given_name: Some("Lost".into()),
                    ..Default::default()
                },
            )
            .await;
        let after = w
            .store
            .audit_events(&AuditFilter {
                entity_id: Some(w.rosa.id.0),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(after.len(), 2, "the refused update leaves no audit row");
        assert_eq!(after[0].before.as_ref().unwrap()["given_name"], "Rosa");
        assert_eq!(after[0].after.as_ref().unwrap()["given_name"], "Rosita");
        let on_account = w
            .store
            .audit_events(&AuditFilter {
                entity_id: Some(w.account.id.0),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(on_account.iter().any(|e| e.entity_type == "account_role"));
    })
    .await;
}

#[tokio::test]
async fn staff_sessions_and_tokens() {
    for s in stores().await {
        let team = Team {
            id: TeamId::new(),
            name: "Billing".into(),
        };
        s.insert_team(&team).await.unwrap();
        assert_eq!(s.teams().await.unwrap(), vec![team.clone()]);
        let u = StaffUser {
            id: StaffId::new(),
            email: "bea@example.com".into(),
            name: "Bea".into(),
            role: StaffRole::Specialist,
            team_id: Some(team.id),
            active: true,
            created_at: extramile_domain::time::now(),
            password_hash: hash_password("a long enough password").unwrap(),
            failed_signins: 0,
            locked_until: None,
            time_zone: None,
        };
        let ev = extramile_domain::audit::change(&Actor::system(), "create", "staff_user", u.id.0)
            .build();
        s.insert_staff(&u, &ev).await.unwrap();
        assert!(matches!(
            s.insert_staff(&u, &ev).await,
            Err(DomainError::Conflict(_))
        ));
        assert_eq!(
            s.staff_by_email("bea@example.com").await.unwrap().unwrap(),
            u
        );
        let until = extramile_domain::time::now();
        // Sign-in attempts count in the database; a window starts them again.
        let long_ago = until
            .checked_sub(jiff::SignedDuration::from_hours(1))
            .unwrap();
        for n in 1..=3 {
            assert_eq!(
                s.signin_attempt("pair:x", until, long_ago)
                    .await
                    .unwrap()
                    .attempts,
                n
            );
        }
        s.signin_pause("pair:x", until).await.unwrap();
        let c = s.signin_attempt("pair:x", until, long_ago).await.unwrap();
        assert_eq!((c.attempts, c.paused_until, c.pauses), (1, Some(until), 1));
        let later = until
            .checked_add(jiff::SignedDuration::from_mins(20))
            .unwrap();
        assert_eq!(
            s.signin_attempt(
                "pair:x",
                later,
                until
                    .checked_add(jiff::SignedDuration::from_secs(1))
                    .unwrap()
            )
            .await
            .unwrap()
            .attempts,
            1,
            "a new window"
        );
        s.signin_release("pair:x").await.unwrap();
        s.signin_clear("pair:x").await.unwrap();
        s.signin_attempt("addr:y", long_ago, long_ago)
            .await
            .unwrap();
        assert_eq!(
            s.signin_purge(until).await.unwrap(),
            1,
            "idle counters are forgotten"
        );
        assert_eq!(
            s.signin_attempt("pair:x", until, long_ago)
                .await
                .unwrap()
                .pauses,
            0
        );
        let sess = Session {
            digest: "d1".into(),
            staff_id: u.id,
            csrf_token: "c".into(),
            created_at: until,
            expires_at: until,
        };
        s.insert_session(&sess).await.unwrap();
        assert_eq!(s.session("d1").await.unwrap(), Some(sess));
        s.delete_session("d1").await.unwrap();
        assert_eq!(s.session("d1").await.unwrap(), None);
        let t = ApiToken {
            id: extramile_domain::ids::TokenId::new(),
            digest: "t1".into(),
            staff_id: u.id,
            label: "ci".into(),
            created_at: until,
            expires_at: Some(until),
            revoked_at: None,
            issue_key: None,
        };
        let ev2 = extramile_domain::audit::change(&Actor::system(), "create", "api_token", u.id.0)
            .build();
        s.insert_token(&t, &ev2).await.unwrap();
        assert_eq!(s.token("t1").await.unwrap(), Some(t.clone()));
        assert_eq!(s.tokens(Some(u.id)).await.unwrap(), vec![t.clone()]);
        let ev3 = extramile_domain::audit::change(&Actor::system(), "revoke", "api_token", t.id.0)
            .build();
        assert!(s.revoke_token(t.id, until, &ev3).await.unwrap());
        assert!(!s.revoke_token(t.id, until, &ev3).await.unwrap(), "once");
        assert_eq!(
            s.token("t1").await.unwrap().unwrap().revoked_at,
            Some(until)
        );
        // Deactivating ends sessions and revokes tokens in one go.
        let t2 = ApiToken {
            id: extramile_domain::ids::TokenId::new(),
            digest: "t2".into(),
            expires_at: None,
            ..t
        };
        s.insert_token(
            &t2,
            &extramile_domain::audit::change(&Actor::system(), "create", "api_token", t2.id.0)
                .build(),
        )
        .await
        .unwrap();
        let sess2 = Session {
            digest: "d2".into(),
            staff_id: u.id,
            csrf_token: "c".into(),
            created_at: until,
            expires_at: until,
        };
        s.insert_session(&sess2).await.unwrap();
        s.set_staff_active(
            u.id,
            false,
            until,
            &extramile_domain::audit::change(&Actor::system(), "deactivate", "staff_user", u.id.0)
                .build(),
        )
        .await
        .unwrap();
        assert!(!s.staff(u.id).await.unwrap().unwrap().active);
        assert_eq!(s.session("d2").await.unwrap(), None);
        assert!(s.token("t2").await.unwrap().unwrap().revoked_at.is_some());
    }
}

#[tokio::test]
async fn bulk_loaded_customers_are_found() {
    for s in stores().await {
        use extramile_store::bulk::Batch;
        let mut b = Batch::default();
        let p = Person {
            id: PersonId::new(),
            given_name: "Zoë".into(),
            family_name: "Kowalski".into(),
            preferred_language: None,
            created_at: extramile_domain::time::now(),
            version: 1,
        };
        let acc = Account {
            id: AccountId::new(),
            number: "EM55550000".into(),
            name: "Zoë Kowalski".into(),
            account_type: AccountType::Business,
            status: AccountStatus::Active,
            created_at: p.created_at,
            version: 1,
        };
        b.roles.push(AccountRole {
            id: AccountRoleId::new(),
            account_id: acc.id,
            person_id: p.id,
            kind: RoleKind::Holder,
            consent: None,
            ended_reason: None,
            ended_on: None,
            created_at: p.created_at,
            version: 1,
        });
        b.contacts.push(ContactPoint {
            id: ContactPointId::new(),
            person_id: p.id,
            kind: ContactKind::Phone,
            value: "(608) 555-0100".into(),
            normalized: "+16085550100".into(),
            label: None,
            is_primary: true,
            version: 1,
        });
        b.people.push(p.clone());
        b.accounts.push(acc.clone());
        let mut vocab = Default::default();
        s.bulk_insert(&b, &mut vocab).await.unwrap();
        let svc = CustomerService::new(s.clone(), "US");
        let hits = svc.lookup(&agent(), "608-555-0100").await.unwrap();
        assert_eq!(hits[0].account_id, Some(acc.id));
        let hits = svc.lookup(&agent(), "kowalsky").await.unwrap();
        assert_eq!(hits[0].person_id, Some(p.id));
    }
}

#[tokio::test]
async fn interactions_participants_verification_and_timeline() {
    use extramile_domain::interactions::state::InteractionState;
    use extramile_domain::interactions::*;
    each(async |w| {
        let svc = InteractionService::new(w.store.clone());
        let a = agent();
        let me = StaffUser {
            id: a.id.unwrap(), email: "agent@example.com".into(), name: a.name.clone(), role: StaffRole::Agent, team_id: None,
            active: true, created_at: extramile_domain::time::now(), password_hash: "x".into(), failed_signins: 0, locked_until: None, time_zone: None };
        w.store.insert_staff(&me, &extramile_domain::audit::change(&Actor::system(), "create", "staff_user", me.id.0).build()).await.unwrap();
        let v = svc.create(&a, NewInteraction { channel: "inbound_call".into(), account_id: Some(w.account.id), person_id: Some(w.ana.id), subject: Some("Mother's bill".into()), in_progress: None }).await.unwrap();
        assert_eq!(v.interaction.state, InteractionState::Offered);
        assert_eq!(v.participants.len(), 1);
        let id = v.interaction.id;
        let v = svc.change_state(&a, id, StateChange { version: 1, state: "connected".into() }).await.unwrap();
        assert_eq!((v.interaction.state, v.interaction.owner_id), (InteractionState::Connected, a.id));
        assert!(v.interaction.answered_at.is_some());
        let v = svc.add_participant(&a, id, NewParticipant { person_id: Some(w.rosa.id), staff_id: None, role: "customer".into() }).await.unwrap();
        let v2 = svc.verify(&a, id, VerifyInput { person_id: w.rosa.id, method: "security_questions".into() }).await.unwrap();
        assert_eq!(v2.verifications.len(), 1);
        let again = svc.verify(&a, id, VerifyInput { person_id: w.rosa.id, method: "account_pin".into() }).await;
        assert!(matches!(&again, Err(DomainError::Conflict(m)) if m.contains("already verified by Test Agent")), "{again:?}");
        let rosa_part = v.participants.iter().find(|p| p.person_id == Some(w.rosa.id)).unwrap().id;
        svc.remove_participant(&a, id, rosa_part).await.unwrap();
        let stale = svc.wrap_up(&a, id, WrapUpInput { version: 1, outcome: "resolved".into(), disposition: "billing".into(), notes: None, follow_up_outcome: None }).await;
        assert!(matches!(stale, Err(DomainError::Conflict(_))));
        let done = svc.wrap_up(&a, id, WrapUpInput { version: 2, outcome: "resolved".into(), disposition: "billing_dispute".into(), notes: Some("credit applied".into()), follow_up_outcome: None }).await.unwrap();
        assert_eq!(done.interaction.state, InteractionState::Ended);
        assert_eq!(done.interaction.disposition.as_deref(), Some("billing_dispute"));
        let kinds: Vec<&str> = done.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["offered", "participant_joined", "answered", "participant_joined", "verified", "participant_left", "wrapped_up", "ended"]);
        assert!(done.participants.iter().any(|p| p.person_id == Some(w.rosa.id) && p.left_at.is_some()));
        let audit = w.store.audit_events(&AuditFilter { entity_id: Some(id.0), limit: 50, ..Default::default() }).await.unwrap();
        assert!(audit.iter().any(|e| e.action == "wrap_up") && audit.iter().any(|e| e.action == "verify"));
    }).await;
}

#[tokio::test]
async fn cases_keep_one_owner_and_resolve_with_confirmation() {
    use extramile_domain::cases::state::CaseStatus;
    use extramile_domain::cases::*;
    use extramile_domain::interactions::*;
    each(async |w| {
        let a = agent();
        for (id, email) in [(a.id.unwrap(), "owner@example.com")] {
            let u = StaffUser {
                id,
                email: email.into(),
                name: a.name.clone(),
                role: StaffRole::Agent,
                team_id: None,
                active: true,
                created_at: extramile_domain::time::now(),
                password_hash: "x".into(),
                failed_signins: 0,
                locked_until: None,
                time_zone: None,
            };
            w.store
                .insert_staff(
                    &u,
                    &extramile_domain::audit::change(
                        &Actor::system(),
                        "create",
                        "staff_user",
                        id.0,
                    )
                    .build(),
                )
                .await
                .unwrap();
        }
        let cases = CaseService::new(w.store.clone());
        let v = cases
            .open(
                &a,
                NewCase {
                    account_id: w.account.id,
                    title: "Disputed $39.99 charge".into(),
                    category: "billing".into(),
                    priority: Some("high".into()),
                    description: None,
                    interaction_id: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (v.case.status, v.case.owner_id),
            (CaseStatus::New, a.id.unwrap())
        );
        let id = v.case.id;
        let v = cases
            .change_status(
                &a,
                id,
                CaseStatusChange {
                    version: 1,
                    status: "open".into(),
                },
            )
            .await
            .unwrap();
        assert!(v.case.first_response_at.is_some());
        let billing = Team {
            id: TeamId::new(),
            name: "Billing".into(),
        };
        w.store.insert_team(&billing).await.unwrap();
        let bad = cases
            .escalate(
                &a,
                id,
                EscalateInput {
                    version: 2,
                    team_id: TeamId::new(),
                    note: "x".into(),
                },
            )
            .await;
        assert!(matches!(bad, Err(DomainError::Invalid { ref field, .. }) if field == "team_id"));
        let v = cases
            .escalate(
                &a,
                id,
                EscalateInput {
                    version: 2,
                    team_id: billing.id,
                    note: "Is the charge valid?".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (v.case.escalated_to, v.case.owner_id),
            (Some(billing.id), a.id.unwrap()),
            "escalation keeps the owner"
        );
        let no_reason = cases
            .resolve(
                &a,
                id,
                ResolveInput {
                    version: 3,
                    confirmed_by_customer: false,
                    note: None,
                },
            )
            .await;
        assert!(
            matches!(no_reason, Err(DomainError::Invalid { ref field, .. }) if field == "note"),
            "{no_reason:?}"
        );
        let v = cases
            .resolve(
                &a,
                id,
                ResolveInput {
                    version: 3,
                    confirmed_by_customer: true,
                    note: Some("Ana and Rosa are happy".into()),
                },
            )
            .await
            .unwrap();
        assert_eq!(v.case.status, CaseStatus::Resolved);
        assert!(v.case.confirmed_by_customer && v.case.resolved_at.is_some());
        let stored = w.store.case(id).await.unwrap().unwrap().0;
        assert_eq!(stored, v.case);
        let stale = cases
            .change_status(
                &a,
                id,
                CaseStatusChange {
                    version: 3,
                    status: "open".into(),
                },
            )
            .await;
        assert!(matches!(stale, Err(DomainError::Conflict(_))));
        let history = w
            .store
            .audit_events(&AuditFilter {
                entity_id: Some(id.0),
                limit: 20,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            history.iter().filter(|e| e.entity_type == "case").count(),
            4
        );
        let v = cases.view(&a, id).await.unwrap();
        assert_eq!(
            v.first_contact_resolution,
            fcr::FirstContactResolution::Pending,
            "not counted before a quiet week"
        );
        // The customer calls again about billing: not a first-contact resolution.
        let svc = InteractionService::new(w.store.clone());
        let again = svc
            .create(
                &a,
                NewInteraction {
                    channel: "outbound_call".into(),
                    account_id: Some(w.account.id),
                    person_id: None,
                    subject: None,
                    in_progress: None,
                },
            )
            .await
            .unwrap();
        cases
            .open(
                &a,
                NewCase {
                    account_id: w.account.id,
                    title: "Charged again".into(),
                    category: "billing".into(),
                    priority: None,
                    description: None,
                    interaction_id: Some(again.interaction.id),
                },
            )
            .await
            .unwrap();
        assert_eq!(
            cases.view(&a, id).await.unwrap().first_contact_resolution,
            fcr::FirstContactResolution::No
        );
    })
    .await;
}

#[tokio::test]
async fn work_lists_presence_and_the_waiting_list() {
    use extramile_domain::cases::*;
    use extramile_domain::interactions::state::InteractionState;
    use extramile_domain::interactions::*;
    use extramile_domain::routing::*;
    each(async |w| {
        let (me, other) = (agent(), agent());
        for (a, email) in [(&me, "me@example.com"), (&other, "other@example.com")] {
            let u = StaffUser {
                id: a.id.unwrap(),
                email: email.into(),
                name: email.into(),
                role: StaffRole::Agent,
                team_id: None,
                active: true,
                created_at: extramile_domain::time::now(),
                password_hash: "x".into(),
                failed_signins: 0,
                locked_until: None,
                time_zone: None,
            };
            w.store
                .insert_staff(
                    &u,
                    &extramile_domain::audit::change(
                        &Actor::system(),
                        "create",
                        "staff_user",
                        u.id.0,
                    )
                    .build(),
                )
                .await
                .unwrap();
        }
        let (my, their) = (me.id.unwrap(), other.id.unwrap());
        let svc = InteractionService::new(w.store.clone());
        let call = svc
            .create(
                &me,
                NewInteraction {
                    channel: "outbound_call".into(),
                    account_id: Some(w.account.id),
                    person_id: Some(w.rosa.id),
                    subject: None,
                    in_progress: None,
                },
            )
            .await
            .unwrap();
        let mine = w.store.staff_interactions(my).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].interaction.id, call.interaction.id);
        assert_eq!(
            mine[0].account_number.as_deref(),
            Some(w.account.number.as_str())
        );
        assert!(!mine[0].offered_to_me);
        assert!(w.store.staff_interactions(their).await.unwrap().is_empty());
        assert_eq!(
            w.store
                .account_interactions(w.account.id, 10)
                .await
                .unwrap()
                .len(),
            1
        );

        let cases = CaseService::new(w.store.clone());
        let case = cases
            .open(
                &me,
                NewCase {
                    account_id: w.account.id,
                    title: "t".into(),
                    category: "billing".into(),
                    interaction_id: Some(call.interaction.id),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let (owned, total) = w.store.owner_cases(my, 50, 0).await.unwrap();
        assert_eq!(
            (owned.len(), total, owned[0].1.as_str()),
            (1, 1, w.account.number.as_str())
        );
        assert!(
            w.store
                .owner_cases(their, 50, 0)
                .await
                .unwrap()
                .0
                .is_empty()
        );
        // Due first: an urgent case opened later is due before the normal one.
        let urgent = cases
            .open(
                &me,
                NewCase {
                    account_id: w.account.id,
                    title: "urgent".into(),
                    category: "billing".into(),
                    priority: Some("urgent".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let (first, total) = w.store.owner_cases(my, 1, 0).await.unwrap();
        assert_eq!(
            (first[0].0.id, total),
            (urgent.case.id, 2),
            "urgent first, 2 in all"
        );
        let (second, _) = w.store.owner_cases(my, 1, 1).await.unwrap();
        assert_eq!(second[0].0.id, case.case.id, "the next page");
        assert_eq!(
            w.store
                .interaction_cases(call.interaction.id)
                .await
                .unwrap()[0]
                .id,
            case.case.id
        );
        assert_eq!(
            w.store.account_cases(w.account.id, 10).await.unwrap().len(),
            2
        );
        assert!(
            w.store
                .case_consults(case.case.id)
                .await
                .unwrap()
                .is_empty()
        );

        // The waiting list: two chats queued; the first abandoned leaves it.
        let q = Queue {
            id: QueueId::new(),
            team_id: None,
            name: "Care".into(),
            skill: "general".into(),
            time_zone: "UTC".into(),
            hours: "24/7".into(),
            created_at: extramile_domain::time::now(),
            after_call_secs: 0,
        };
        w.store
            .insert_queue(
                &q,
                &extramile_domain::audit::change(&Actor::system(), "create", "queue", q.id.0)
                    .build(),
            )
            .await
            .unwrap();
        let mut entries = Vec::new();
        for n in 0..2 {
            let v = svc
                .create(
                    &Actor::system(),
                    NewInteraction {
                        channel: "chat".into(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            let mut i = v.interaction.clone();
            i.state = InteractionState::Queued;
            i.version += 1;
            let e = QueueEntry {
                interaction_id: i.id,
                queue_id: q.id,
                queued_at: jiff::Timestamp::from_second(1_700_000_000 + n).unwrap(),
                offered_to: None,
                offered_at: None,
            };
            let ev = InteractionEvent {
                id: InteractionEventId::new(),
                interaction_id: i.id,
                at: e.queued_at,
                kind: "queued".into(),
                actor_name: "t".into(),
                detail: String::new(),
            };
            w.store
                .enqueue(
                    &i,
                    &e,
                    &ev,
                    &extramile_domain::audit::change(
                        &Actor::system(),
                        "enqueue",
                        "interaction",
                        i.id.0,
                    )
                    .build(),
                )
                .await
                .unwrap();
            entries.push((i, e));
        }
        assert_eq!(w.store.waiting(q.id, 10).await.unwrap().len(), 2);
        assert_eq!(
            w.store.waiting(q.id, 1).await.unwrap()[0].interaction_id,
            entries[0].0.id,
            "oldest first"
        );
        assert_eq!(w.store.waiting_ahead(&entries[1].1).await.unwrap(), 1);
        let counts = w.store.waiting_counts().await.unwrap();
        assert_eq!(
            (counts[0].waiting, counts[0].oldest),
            (2, entries[0].1.queued_at)
        );
        let mut gone = entries[0].0.clone();
        gone.state = InteractionState::Ended;
        gone.version += 1;
        let ev = InteractionEvent {
            id: InteractionEventId::new(),
            interaction_id: gone.id,
            at: extramile_domain::time::now(),
            kind: "ended".into(),
            actor_name: "t".into(),
            detail: String::new(),
        };
        w.store
            .update_interaction(&gone, None, &[ev], &[])
            .await
            .unwrap();
        assert_eq!(w.store.waiting(q.id, 10).await.unwrap().len(), 1);
        assert_eq!(w.store.waiting_ahead(&entries[1].1).await.unwrap(), 0);
        assert_eq!(w.store.waiting_counts().await.unwrap()[0].waiting, 1);
        let ev = InteractionEvent {
            id: InteractionEventId::new(),
            interaction_id: gone.id,
            at: extramile_domain::time::now(),
            kind: "offered_to_agent".into(),
            actor_name: "t".into(),
            detail: String::new(),
        };
        w.store
            .set_presence(
                their,
                Availability::Available,
                extramile_domain::time::now(),
            )
            .await
            .unwrap();
        assert!(
            !w.store.claim(gone.id, their, &ev).await.unwrap(),
            "an abandoned contact is not offered"
        );

        // Presence: unknown is offline; the board lists everyone with skills.
        w.store
            .set_skills(
                my,
                &["general".into()],
                &extramile_domain::audit::change(&Actor::system(), "update", "staff_skills", my.0)
                    .build(),
            )
            .await
            .unwrap();
        assert_eq!(
            w.store.presence(my).await.unwrap().map(|p| p.0),
            Some(Availability::Busy),
            "on the outbound call started above: presence follows calls"
        );
        w.store
            .set_presence(my, Availability::Away, extramile_domain::time::now())
            .await
            .unwrap();
        assert_eq!(
            w.store.presence(my).await.unwrap().unwrap().0,
            Availability::Away
        );
        let board = w.store.presence_board().await.unwrap();
        let row = |id| board.iter().find(|a| a.staff_id == id).unwrap();
        assert_eq!(
            (row(my).state, row(my).skills.clone()),
            (Availability::Away, vec!["general".to_string()])
        );
        assert_eq!(row(their).state, Availability::Available);
    })
    .await;
}

#[tokio::test]
async fn ledger_guards_keys_policies_and_approvals() {
    use extramile_domain::authority::*;
    use extramile_domain::ledger::*;
    use extramile_domain::store::{IdempotencyKey, PostGuard, PostOutcome};
    each(async |w| {
        let a = agent();
        let me = a.id.unwrap();
        let u = StaffUser {
            id: me, email: "money@example.com".into(), name: "Money".into(), role: StaffRole::Agent, team_id: None,
            active: true, created_at: extramile_domain::time::now(), password_hash: "x".into(), failed_signins: 0, locked_until: None, time_zone: None };
        w.store.insert_staff(&u, &extramile_domain::audit::change(&Actor::system(), "create", "staff_user", me.0).build()).await.unwrap();
        let entry = |kind: EntryKind, amount: i64, by: Option<StaffId>, external: Option<&str>| LedgerEntry {
            id: LedgerEntryId::new(), account_id: w.account.id, kind, amount_minor: signed(kind, amount), currency: "USD".into(),
            reason_code: None, memo: "m".into(), related_entry_id: None, external_id: external.map(Into::into),
            effective_on: jiff::civil::date(2026, 11, 22), created_at: extramile_domain::time::now(), created_by: by,
            created_by_name: "t".into(),
            label: None, approval_id: None,
        };
        let audit = |e: &LedgerEntry| extramile_domain::audit::change(&a, "post", "ledger_entry", e.id.0).account(Some(w.account.id)).build();
        let none = PostGuard::default();

        // The billing system's id makes a charge once.
        let charge = entry(EntryKind::Charge, 3999, None, Some("inv-1"));
        assert_eq!(w.store.post_entry(&charge, &audit(&charge), &none, None).await.unwrap(), PostOutcome::Posted);
        let again = entry(EntryKind::Charge, 3999, None, Some("inv-1"));
        assert!(matches!(w.store.post_entry(&again, &audit(&again), &none, None).await.unwrap(), PostOutcome::Existing(e, None) if e.id == charge.id));

        // A key answers its first entry with the digest it was sent with.
        let key = IdempotencyKey { actor: me, key: "k1".into(), digest: "d1".into() };
        let credit = entry(EntryKind::Credit, 3000, Some(me), None);
        let month = PostGuard { month: Some((EntryKind::Credit, jiff::Timestamp::UNIX_EPOCH, 5000)), max_balance_after: None, charge_seen: None };
        assert_eq!(w.store.post_entry(&credit, &audit(&credit), &month, Some(&key)).await.unwrap(), PostOutcome::Posted);
        let replay = entry(EntryKind::Credit, 3000, Some(me), None);
        assert!(matches!(w.store.post_entry(&replay, &audit(&replay), &month, Some(&key)).await.unwrap(), PostOutcome::Existing(e, Some(d)) if e.id == credit.id && d == "d1"));

        // The monthly limit: 3,000 used of 5,000 leaves 2,000.
        let over = entry(EntryKind::Credit, 2001, Some(me), None);
        assert_eq!(w.store.post_entry(&over, &audit(&over), &month, None).await.unwrap(), PostOutcome::MonthLimit { used: 3000 });
        assert_eq!(w.store.month_used(w.account.id, EntryKind::Credit, jiff::Timestamp::UNIX_EPOCH).await.unwrap(), 3000);

        // A refund never pays out more than was paid beyond what is owed:
        // 3,999 owed without the goodwill credit, which is never cash.
        let refund = entry(EntryKind::Refund, 1, Some(me), None);
        let cap = PostGuard { month: None, max_balance_after: Some(0), charge_seen: None };
        assert_eq!(w.store.post_entry(&refund, &audit(&refund), &cap, None).await.unwrap(), PostOutcome::BalanceLimit { balance: 3999 });
        let entries = w.store.ledger_entries(w.account.id).await.unwrap();
        assert_eq!((entries.len(), balance(&entries)), (2, 999), "refused writes left nothing");

        // Default policies are there; a person's own replaces theirs only.
        let policies = w.store.policies().await.unwrap();
        let agent_goodwill = effective_policy(&policies, Some(me), StaffRole::Agent, MoneyActionKind::GoodwillCredit, "USD").unwrap();
        assert_eq!((agent_goodwill.per_entry_limit_minor, agent_goodwill.per_account_month_limit_minor), (5000, Some(10000)));
        assert!(effective_policy(&policies, Some(me), StaffRole::Agent, MoneyActionKind::ChargeWaiver, "USD").is_none());
        let own = Policy { id: PolicyId::new(), role: None, staff_id: Some(me), action: MoneyActionKind::ChargeWaiver, currency: "USD".into(),
            per_entry_limit_minor: 2500, per_account_month_limit_minor: None, updated_at: extramile_domain::time::now() };
        w.store.put_policy(&own, &extramile_domain::audit::change(&Actor::system(), "update", "authority_policy", own.id.0).build()).await.unwrap();
        let policies = w.store.policies().await.unwrap();
        assert_eq!(effective_policy(&policies, Some(me), StaffRole::Agent, MoneyActionKind::ChargeWaiver, "USD").unwrap().per_entry_limit_minor, 2500);
        assert!(effective_policy(&policies, None, StaffRole::Agent, MoneyActionKind::ChargeWaiver, "USD").is_none());

        // An approval: escalated once when due; approving posts its entry.
        let now = extramile_domain::time::now();
        let req = MoneyAction { action: "refund".into(), amount_minor: 500, currency: "USD".into(), reason: "r".into(), idempotency_key: "a1".into(), ..Default::default() };
        let ap = Approval { id: ApprovalId::new(), account_id: w.account.id, requested_by: me, requested_by_name: "Money".into(), request: req,
            status: ApprovalStatus::Pending, created_at: now, due_at: now, escalated: false, decided_by: None, decided_by_name: None,
            decided_at: None, decision_reason: None, entry_id: None, version: 1, decision_key: None };
        assert_eq!(w.store.insert_approval(&ap, &extramile_domain::audit::change(&a, "request", "approval", ap.id.0).build()).await.unwrap(), None);
        // The same requester and key again: nothing written, the first returned.
        let twin = Approval { id: ApprovalId::new(), ..ap.clone() };
        assert_eq!(w.store.insert_approval(&twin, &extramile_domain::audit::change(&a, "request", "approval", twin.id.0).build()).await.unwrap().map(|x| x.id), Some(ap.id));
        assert_eq!(w.store.approval_by_key(me, "a1").await.unwrap().map(|x| x.id), Some(ap.id));
        assert_eq!(w.store.pending_approvals().await.unwrap().len(), 1);
        assert_eq!(w.store.escalate_due(now).await.unwrap().len(), 1);
        assert!(w.store.escalate_due(now).await.unwrap().is_empty(), "once");
        let mut done = w.store.approval(ap.id).await.unwrap().unwrap();
        assert!(done.escalated);
        done.status = ApprovalStatus::Approved;
        done.version = 2;
        let credit2 = entry(EntryKind::Credit, 500, Some(me), None);
        done.entry_id = Some(credit2.id);
        let stale = Approval { version: 5, ..done.clone() };
        assert!(w.store.decide_approval(&stale, Some((&credit2, &none, None)), &audit(&credit2)).await.is_err());
        assert_eq!(w.store.decide_approval(&done, Some((&credit2, &none, None)), &audit(&credit2)).await.unwrap(), PostOutcome::Posted);
        assert_eq!(w.store.approval(ap.id).await.unwrap().unwrap().status, ApprovalStatus::Approved);
        assert!(w.store.pending_approvals().await.unwrap().is_empty());
        assert_eq!(balance(&w.store.ledger_entries(w.account.id).await.unwrap()), 499);

        // The view's window: the same sums and entries as computing them from
        // every entry, across bill periods and window sizes.
        for (n, months_ago) in [0i64, 1, 2, 14, 0, 3].iter().enumerate() {
            let mut e = entry(EntryKind::Payment, 100 + n as i64, None, None);
            e.effective_on = jiff::civil::date(2026, 11, 5).checked_sub(jiff::Span::new().months(*months_ago)).unwrap();
            e.created_at = extramile_domain::time::now();
            assert_eq!(w.store.post_entry(&e, &audit(&e), &none, None).await.unwrap(), PostOutcome::Posted);
        }
        let all = w.store.ledger_entries(w.account.id).await.unwrap();
        let start = jiff::civil::date(2026, 11, 1);
        for newest in [0u32, 1, 3, 50] {
            let got = w.store.ledger_window(w.account.id, start, newest).await.unwrap();
            assert_eq!(got, window(all.clone(), start, newest as usize), "newest {newest}");
        }
        assert_eq!(w.store.ledger_window(w.account.id, start, 2).await.unwrap().count, all.len() as i64);
    }).await;
}
