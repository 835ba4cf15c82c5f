//! `extramile bench ledger`: ledger writes per second through the domain
//! services (authority, monthly guard, idempotency key or external id,
//! audit, one transaction each) with concurrent writers, replays of the
//! same keys, and the balance and next-bill preview of an account with
//! many entries. On a fresh database.

use crate::bench::ms;
use crate::config::Config;
use extramile_domain::admin::NewStaff;
use extramile_domain::audit::Actor;
use extramile_domain::authority::PolicyInput;
use extramile_domain::customers::inputs::{NewAccount, NewPerson};
use extramile_domain::ids::AccountId;
use extramile_domain::ledger::{ActionResult, BillingEntryInput, MoneyAction};
use extramile_web::AppState;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn line(what: &str, n: usize, elapsed: Duration, mut took: Vec<Duration>) {
    took.sort();
    let p = |q: f64| crate::bench::percentile(&took, q);
    println!(
        "  {what:<34} {:>7.0} per second   p50 {}  p99 {}  ({n} in {:.2}s)",
        n as f64 / elapsed.as_secs_f64(),
        ms(p(0.5)),
        ms(p(0.99)),
        elapsed.as_secs_f64()
    );
}

async fn accounts(st: &AppState, actor: &Actor, n: usize) -> Result<Vec<AccountId>, String> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (person, _) = st
            .customers
            .create_person(
                actor,
                NewPerson {
                    given_name: "Bench".into(),
                    family_name: format!("Ledger {i}"),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| e.to_string())?;
        let account = st
            .customers
            .create_account(
                actor,
                NewAccount {
                    holder_id: person.id,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| e.to_string())?;
        out.push(account.id);
    }
    Ok(out)
}

/// `count` requests from `concurrency` tasks; `one(i)` makes request i.
async fn drive<F, Fut>(
    count: usize,
    concurrency: usize,
    one: F,
) -> Result<(Duration, Vec<Duration>), String>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send,
{
    let one = Arc::new(one);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (one, next) = (one.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut took = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let t = Instant::now();
                one(i).await?;
                took.push(t.elapsed());
            }
            Ok::<_, String>(took)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.map_err(|e| e.to_string())??);
    }
    Ok((started.elapsed(), all))
}

pub async fn run(
    count: usize,
    concurrency: usize,
    entries: usize,
    config: &Config,
) -> Result<(), String> {
    let (url, store) = crate::bench::fresh_store(config, "ledger").await?;
    println!(
        "extramile bench ledger: {count} credits and {count} billing entries, {concurrency} concurrent writers; an account with {entries} entries; on {url}"
    );
    let st = AppState::new(store, &config.region, false);
    let system = Actor::system();
    let user = st
        .staff
        .create_staff(
            &system,
            NewStaff {
                email: format!("ledger-{}@extramile.invalid", uuid::Uuid::new_v4().simple()),
                name: "Bench supervisor".into(),
                role: "supervisor".into(),
                team_id: None,
                password: "timing run secret 2026".into(),
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    // A personal policy whose monthly limit is checked on every credit but
    // never reached: the guard's query runs as in production.
    st.authority
        .put_policy(
            &system,
            PolicyInput {
                role: None,
                staff_id: Some(user.id),
                action: "goodwill_credit".into(),
                currency: "USD".into(),
                per_entry_limit_minor: 10_000,
                per_account_month_limit_minor: Some(100_000_000_000),
                reason: Some("benchmark: a monthly limit never reached".into()),
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    let actor = extramile_domain::admin::StaffService::actor(&user);
    // Credits spread over 100 accounts, as a contact centre's are.
    let spread = Arc::new(accounts(&st, &actor, 100).await?);

    let run_id = uuid::Uuid::new_v4().simple().to_string();
    let credit = {
        let (st, actor, spread, run_id) =
            (st.clone(), actor.clone(), spread.clone(), run_id.clone());
        move |i: usize| {
            let (st, actor, spread, run_id) =
                (st.clone(), actor.clone(), spread.clone(), run_id.clone());
            async move {
                let r = st
                    .ledger
                    .act(
                        &actor,
                        spread[i % spread.len()],
                        MoneyAction {
                            action: "goodwill_credit".into(),
                            amount_minor: 500 + (i % 100) as i64,
                            currency: "USD".into(),
                            reason: "Benchmark credit".into(),
                            idempotency_key: format!("{run_id}-{i}"),
                            ..Default::default()
                        },
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                match r {
                    ActionResult::Applied { .. } => Ok(()),
                    ActionResult::NotAllowed(d) => Err(format!("refused: {}", d.reason)),
                }
            }
        }
    };
    let credit = Arc::new(credit);
    let c2 = credit.clone();
    let (elapsed, took) = drive(count, concurrency, move |i| c2(i)).await?;
    line("credits with idempotency keys", count, elapsed, took);
    // The same keys again: each answers its first result, books nothing.
    let replays = count.min(2_000);
    let c3 = credit.clone();
    let (elapsed, took) = drive(replays, concurrency, move |i| c3(i)).await?;
    line("  the same keys replayed", replays, elapsed, took);

    let billing = {
        let (st, spread, run_id) = (st.clone(), spread.clone(), run_id.clone());
        move |i: usize| {
            let (st, spread, run_id) = (st.clone(), spread.clone(), run_id.clone());
            async move {
                st.ledger
                    .post_billing(
                        &Actor::system(),
                        spread[i % spread.len()],
                        BillingEntryInput {
                            kind: if i.is_multiple_of(2) {
                                "charge"
                            } else {
                                "payment"
                            }
                            .into(),
                            amount_minor: 4999,
                            currency: "USD".into(),
                            external_id: format!("{run_id}-inv-{i}"),
                            memo: "Benchmark".into(),
                            ..Default::default()
                        },
                    )
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        }
    };
    let (elapsed, took) = drive(count, concurrency, billing).await?;
    line("billing entries by external id", count, elapsed, took);

    // One account with many entries, three a day going back years (about
    // 66 in the current period): its balance and next-bill preview.
    let big = accounts(&st, &actor, 1).await?[0];
    let today = jiff::Zoned::now().date();
    let seed = {
        let (st, run_id) = (st.clone(), run_id.clone());
        move |i: usize| {
            let (st, run_id) = (st.clone(), run_id.clone());
            async move {
                st.ledger
                    .post_billing(
                        &Actor::system(),
                        big,
                        BillingEntryInput {
                            kind: if i % 3 == 2 { "payment" } else { "charge" }.into(),
                            amount_minor: 1000 + (i % 5000) as i64,
                            currency: "USD".into(),
                            external_id: format!("{run_id}-big-{i}"),
                            memo: format!("Entry {i}"),
                            effective_on: today
                                .checked_sub(jiff::Span::new().days((i / 3) as i64))
                                .ok(),
                            ..Default::default()
                        },
                    )
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        }
    };
    drive(entries, concurrency, seed).await?;
    let samples = 200;
    let mut took = Vec::with_capacity(samples);
    let (mut balance, mut shown) = (0, 0);
    let started = Instant::now();
    for _ in 0..samples {
        let t = Instant::now();
        let v = st
            .ledger
            .view(&actor, big)
            .await
            .map_err(|e| e.to_string())?;
        took.push(t.elapsed());
        balance = v.balance_minor;
        if v.entry_count != entries as i64 {
            return Err(format!(
                "expected {entries} entries, counted {}",
                v.entry_count
            ));
        }
        shown = v.entries.len();
    }
    line(
        &format!("balance + next bill at {entries} entries"),
        samples,
        started.elapsed(),
        took,
    );
    let mut took = Vec::with_capacity(samples);
    let started = Instant::now();
    for _ in 0..samples {
        let t = Instant::now();
        st.authority
            .remaining(&actor, big)
            .await
            .map_err(|e| e.to_string())?;
        took.push(t.elapsed());
    }
    line(
        "remaining authority (4 actions)",
        samples,
        started.elapsed(),
        took,
    );
    println!("  (the big account: balance {balance} cents, {shown} entries returned)");
    Ok(())
}
