//! `extramile bench routing`: routing decisions with 1,000 agents and
//! 10,000 queued contacts, and screen-pop latency from a phone-system event
//! (over HTTP) to its delivery on the agent's Server-Sent Events stream.

use crate::bench::{ms, percentile};
use crate::config::Config;
use extramile_domain::admin::{NewStaff, StaffService, StaffUser, hash_password};
use extramile_domain::audit::{Actor, change};
use extramile_domain::customers::inputs::{NewAccount, NewContactPoint, NewPerson};
use extramile_domain::ids::StaffId;
use extramile_domain::interactions::NewInteraction;
use extramile_domain::routing::{AvailabilityInput, EnqueueInput, NewQueue, SkillsInput};
use extramile_store::{Options, SqlStore};
use extramile_web::AppState;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn e(x: impl std::fmt::Display) -> String {
    x.to_string()
}

fn line(title: &str, mut d: Vec<Duration>) {
    d.sort();
    let p = |q: f64| percentile(&d, q);
    println!(
        "  {title:<52} p50 {}  p99 {}  max {}  (n={})",
        ms(p(0.5)),
        ms(p(0.99)),
        ms(p(1.0)),
        d.len()
    );
}

/// Agents straight into the store with one password hash: argon2 a
/// thousand times would measure the hash, not routing.
async fn agents(st: &AppState, n: usize) -> Result<Vec<StaffUser>, String> {
    let hash = hash_password("timing run secret 2026").map_err(e)?;
    let mut out = Vec::with_capacity(n);
    let run = uuid::Uuid::new_v4().simple().to_string();
    for i in 0..n {
        let u = StaffUser {
            id: StaffId::new(),
            email: format!("agent{i}-{run}@extramile.invalid"),
            name: format!("Agent {i}"),
            role: extramile_domain::admin::StaffRole::Agent,
            team_id: None,
            active: true,
            created_at: extramile_domain::time::now(),
            password_hash: hash.clone(),
            failed_signins: 0,
            locked_until: None,
            time_zone: None,
        };
        let ev = change(&Actor::system(), "create", "staff_user", u.id.0)
            .summary(format!("Added {}", u.name))
            .build();
        st.store.insert_staff(&u, &ev).await.map_err(e)?;
        out.push(u);
    }
    Ok(out)
}

pub async fn run(
    agent_count: usize,
    queued: usize,
    pops: usize,
    config: &Config,
) -> Result<(), String> {
    let (url, store) = crate::bench::fresh_store(config, "routing").await?;
    println!(
        "extramile bench routing: {agent_count} agents, {queued} queued contacts, {pops} screen pops, on {url}"
    );
    let st = AppState::new(store.clone(), &config.region, false);
    let admin = Actor::system();
    let run = uuid::Uuid::new_v4().simple().to_string();
    let queue = st
        .routing
        .create_queue(
            &admin,
            NewQueue {
                name: format!("Bench {run}"),
                team_id: None,
                skill: format!("bench{}", &run[..8]),
                time_zone: "UTC".into(),
                hours: "24/7".into(),
                after_call_secs: None,
            },
        )
        .await
        .map_err(e)?;
    let started = Instant::now();
    let staff = agents(&st, agent_count).await?;
    for u in &staff {
        st.routing
            .set_skills(
                &admin,
                u.id,
                SkillsInput {
                    skills: vec![queue.skill.clone(), "general".into()],
                },
            )
            .await
            .map_err(e)?;
    }
    println!(
        "  set-up: {agent_count} agents with skills in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let actors: Vec<Actor> = staff.iter().map(StaffService::actor).collect();
    let available = || AvailabilityInput {
        state: "available".into(),
    };
    let contact = || NewInteraction {
        channel: "chat".into(),
        ..Default::default()
    };

    // A: every agent idle; each arriving contact is routed at once to the
    // longest-idle of them.
    for a in &actors {
        st.routing
            .set_availability(a, available())
            .await
            .map_err(e)?;
    }
    let mut arrive = Vec::new();
    for _ in 0..agent_count {
        let v = st.interactions.create(&admin, contact()).await.map_err(e)?;
        let t = Instant::now();
        let pos = st
            .routing
            .enqueue(
                &admin,
                v.interaction.id,
                EnqueueInput { queue_id: queue.id },
            )
            .await
            .map_err(e)?;
        arrive.push(t.elapsed());
        if pos.offered_to.is_none() {
            return Err("a contact was not routed although agents were idle".into());
        }
    }
    // B: every agent busy; contacts queue up to the given depth.
    let mut fill = Vec::new();
    for _ in 0..queued {
        let v = st.interactions.create(&admin, contact()).await.map_err(e)?;
        let t = Instant::now();
        st.routing
            .enqueue(
                &admin,
                v.interaction.id,
                EnqueueInput { queue_id: queue.id },
            )
            .await
            .map_err(e)?;
        fill.push(t.elapsed());
    }
    // C: agents free up one by one; each takes the oldest waiting contact.
    let mut free = Vec::new();
    for a in &actors {
        let t = Instant::now();
        st.routing
            .set_availability(a, available())
            .await
            .map_err(e)?;
        free.push(t.elapsed());
    }
    let wall = st.routing.queues(&admin).await.map_err(e)?;
    let left = wall
        .iter()
        .find(|q| q.queue.id == queue.id)
        .map_or(0, |q| q.waiting);
    if left != queued as i64 - agent_count as i64 {
        return Err(format!(
            "{left} contacts still wait; expected {}",
            queued - agent_count
        ));
    }
    println!("routing decisions ({agent_count} agents):");
    line("contact arrives, all agents idle (enqueue + route)", arrive);
    line(
        &format!("contact arrives, queue growing to {queued} (enqueue)"),
        fill,
    );
    line(
        &format!("agent frees up, {queued} waiting (claim oldest)"),
        free,
    );
    let t = Instant::now();
    for _ in 0..100 {
        st.routing.wall(&admin).await.map_err(e)?;
    }
    line("queue wall read", vec![t.elapsed() / 100]);

    screen_pops(st, pops).await?;
    if url.starts_with("postgres") {
        across_nodes(&url, pops).await?;
    }
    Ok(())
}

struct Stream {
    body: hyper::body::Incoming,
    buf: String,
}

impl Stream {
    /// Wait for the next event of this kind; its data.
    async fn next(&mut self, kind: &str) -> Result<String, String> {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let frame: String = self.buf.drain(..end + 2).collect();
                if frame.lines().any(|l| l == format!("event: {kind}")) {
                    return Ok(frame);
                }
                continue;
            }
            let f = tokio::time::timeout(Duration::from_secs(10), self.body.frame())
                .await
                .map_err(|_| format!("no {kind} event within 10 s"))?
                .ok_or("the stream ended")?
                .map_err(e)?;
            if let Ok(d) = f.into_data() {
                self.buf.push_str(&String::from_utf8_lossy(&d));
            }
        }
    }
}

type Client = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    Full<Bytes>,
>;

async fn open_stream(
    client: &Client,
    addr: std::net::SocketAddr,
    token: &str,
) -> Result<Stream, String> {
    let req = hyper::Request::get(format!("http://{addr}/api/v1/stream"))
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::new()))
        .map_err(e)?;
    let res = client.request(req).await.map_err(e)?;
    Ok(Stream {
        body: res.into_body(),
        buf: String::new(),
    })
}

async fn post(
    client: &Client,
    addr: std::net::SocketAddr,
    token: &str,
    body: String,
) -> Result<(), String> {
    let req = hyper::Request::post(format!("http://{addr}/api/v1/telephony/events"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(e)?;
    let res = client.request(req).await.map_err(e)?;
    let ok = res.status().is_success();
    let text = res.into_body().collect().await.map_err(e)?.to_bytes();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "telephony event refused: {}",
            String::from_utf8_lossy(&text)
        ))
    }
}

/// An integration token, an agent token and a caller whose number is known.
async fn pop_setup(st: &AppState) -> Result<(String, String, String), String> {
    let run = uuid::Uuid::new_v4().simple().to_string();
    let (pbx, agent) = (
        format!("pbx-{run}@extramile.invalid"),
        format!("popped-{run}@extramile.invalid"),
    );
    for (email, role) in [(&pbx, "integration"), (&agent, "agent")] {
        st.staff
            .create_staff(
                &Actor::system(),
                NewStaff {
                    email: email.clone(),
                    name: role.into(),
                    role: role.into(),
                    team_id: None,
                    password: "timing run secret 2026".into(),
                },
            )
            .await
            .map_err(e)?;
    }
    let pbx_token = st
        .staff
        .create_token(&Actor::system(), &pbx, "bench", None)
        .await
        .map_err(e)?;
    let agent_token = st
        .staff
        .create_token(&Actor::system(), &agent, "bench", None)
        .await
        .map_err(e)?;
    let phone = format!(
        "+1517{:07}",
        5_550_000 + (u32::from_str_radix(&run[..4], 16).unwrap_or(0) % 9999)
    );
    let (person, _) = st
        .customers
        .create_person(
            &Actor::system(),
            NewPerson {
                given_name: "Popped".into(),
                family_name: "Caller".into(),
                contact_points: vec![NewContactPoint {
                    kind: "phone".into(),
                    value: phone.clone(),
                    ..Default::default()
                }],
                ..Default::default()
            },
        )
        .await
        .map_err(e)?;
    st.customers
        .create_account(
            &Actor::system(),
            NewAccount {
                holder_id: person.id,
                ..Default::default()
            },
        )
        .await
        .map_err(e)?;
    Ok((pbx_token, agent_token, format!("{agent}|{phone}")))
}

async fn measure_pops(
    client: &Client,
    post_to: std::net::SocketAddr,
    stream: &mut Stream,
    pbx: &str,
    who: &str,
    pops: usize,
) -> Result<Vec<Duration>, String> {
    let (agent, phone) = who.split_once('|').ok_or("setup")?;
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut took = Vec::with_capacity(pops);
    for i in 0..pops {
        let body = format!(
            r#"{{"event_id":"{run}-{i}","call_id":"{run}-{i}","kind":"offered","caller_id":"{phone}","agent_email":"{agent}"}}"#
        );
        let t = Instant::now();
        let (sent, got) = tokio::join!(post(client, post_to, pbx, body), stream.next("screen_pop"));
        sent?;
        let frame = got?;
        took.push(t.elapsed());
        if !frame.contains("Popped Caller") {
            return Err(format!(
                "the pop did not carry the caller's account: {frame}"
            ));
        }
    }
    Ok(took)
}

async fn serve(
    st: AppState,
) -> Result<(std::net::SocketAddr, tokio::sync::oneshot::Sender<()>), String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(e)?;
    let addr = listener.local_addr().map_err(e)?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(extramile_web::serve(st, listener, async {
        let _ = stopped.await;
    }));
    Ok((addr, stop))
}

fn client() -> Client {
    hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http()
}

async fn screen_pops(st: AppState, pops: usize) -> Result<(), String> {
    let (pbx, agent, who) = pop_setup(&st).await?;
    let (addr, stop) = serve(st).await?;
    let c = client();
    let mut stream = open_stream(&c, addr, &agent).await?;
    let took = measure_pops(&c, addr, &mut stream, &pbx, &who, pops).await?;
    println!("screen pop, phone-system event posted over HTTP to the event on the agent's stream:");
    line("one node", took);
    let _ = stop.send(());
    Ok(())
}

/// Two nodes on one PostgreSQL: the event posted to node A, the stream held
/// on node B (LISTEN/NOTIFY carries it).
async fn across_nodes(url: &str, pops: usize) -> Result<(), String> {
    let mut nodes = Vec::new();
    for _ in 0..2 {
        let store = Arc::new(SqlStore::open(url, &Options::default()).await.map_err(e)?);
        let st = AppState::new(store.clone(), "US", false);
        let (outgoing, incoming) = st.hub.bridge();
        store.bridge_live(outgoing, incoming).await.map_err(e)?;
        nodes.push(st);
    }
    let (pbx, agent, who) = pop_setup(&nodes[0]).await?;
    let (b, stop_b) = serve(nodes.pop().ok_or("node")?).await?;
    let (a, stop_a) = serve(nodes.pop().ok_or("node")?).await?;
    let c = client();
    let mut stream = open_stream(&c, b, &agent).await?;
    let took = measure_pops(&c, a, &mut stream, &pbx, &who, pops).await?;
    line("posted to node A, stream on node B", took);
    let _ = stop_a.send(());
    let _ = stop_b.send(());
    Ok(())
}
