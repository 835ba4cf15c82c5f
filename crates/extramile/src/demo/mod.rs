//! A realistic demo provider: teams, staff of every role, a catalog and N
//! customers generated deterministically (customer `i` always has the same
//! name, phone, e-mail and address, so benchmarks can find them again).

use extramile_domain::audit::{Actor, AuditEvent, change};
use extramile_domain::customers::model::*;
use extramile_domain::ids::*;
use extramile_domain::time::now;
use extramile_store::SqlStore;
use extramile_store::bulk::Batch;
use std::collections::HashSet;

mod data;
pub mod followups;
mod generate;
pub mod inventory;
pub mod money;
pub mod routing;
pub use data::STAFF;
use data::{AREAS, FAMILY, GIVEN};
use generate::{Gen, Ids};

pub const DEMO_PASSWORD: &str = "extramile-demo";

/// A tiny deterministic generator (SplitMix64): demo data must be the same
/// on every run, and a random crate is not worth its build time here.
struct Mix(u64);
impl Mix {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() % xs.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// What customer `i` is known by: enough for a benchmark to look it up.
pub struct Identity {
    pub given: &'static str,
    pub family: &'static str,
    pub phone: String,
    pub email: String,
    pub account_number: String,
}

pub fn identity(i: u64) -> Identity {
    let mut r = Mix::new(i);
    let given = *r.pick(GIVEN);
    let family = *r.pick(FAMILY);
    let area = AREAS[(i % AREAS.len() as u64) as usize];
    let local = 2_000_000 + i / AREAS.len() as u64;
    let ascii = |s: &str| extramile_domain::customers::lookup::normalize_terms(s).join("");
    Identity {
        given,
        family,
        phone: format!("+1{area}{local:07}"),
        email: format!("{}.{}{}@example.net", ascii(given), ascii(family), i),
        account_number: format!("EM{:08}", 10_000_000 + i),
    }
}

fn phone_display(e164: &str) -> String {
    let d = &e164[2..];
    format!("({}) {}-{}", &d[0..3], &d[3..6], &d[6..10])
}

#[derive(Clone)]
pub struct Catalog {
    pub products: Vec<Product>,
}

impl Catalog {
    fn by_code(&self, code: &str) -> &Product {
        self.products
            .iter()
            .find(|p| p.code == code)
            .unwrap_or(&self.products[0])
    }
}

/// The demo products, priced in the provider's currency.
pub fn catalog(currency: &str) -> Catalog {
    let p = |code: &str, name: &str, kind, price| Product {
        id: ProductId::new(),
        code: code.into(),
        name: name.into(),
        kind,
        monthly_price_minor: price,
        currency: currency.into(),
        retail_price_minor: None,
    };
    // Bought once: a price, nothing a month.
    let goods = |code: &str, name: &str, kind, price| Product {
        monthly_price_minor: 0,
        retail_price_minor: Some(price),
        ..p(code, name, kind, 0)
    };
    Catalog {
        products: vec![
            p("INET100", "Internet 100", ProductKind::Internet, 4999),
            p("INET500", "Internet 500", ProductKind::Internet, 6999),
            p("INET1G", "Internet 1 Gig", ProductKind::Internet, 8999),
            p("TVBASIC", "TV Basic", ProductKind::Tv, 3499),
            p("TVPLUS", "TV Plus", ProductKind::Tv, 5999),
            p("PHONE", "Home Phone", ProductKind::Phone, 2499),
            p("WATER", "Water service", ProductKind::Water, 3150),
            goods(
                "CORD",
                "Phone cord (replacement)",
                ProductKind::Accessory,
                1200,
            ),
            goods(
                "PSU12V",
                "Router power adapter",
                ProductKind::Accessory,
                1900,
            ),
            goods("ROUTER", "Wi-Fi router", ProductKind::Equipment, 8900),
        ],
    }
}

const BATCH: u64 = 10_000;

/// Load the demo customers unless this database already has them.
/// Returns how many were loaded now (0 when already present). Batches are
/// generated on another thread while the previous one is being written.
pub async fn load(
    store: &SqlStore,
    customers: u64,
    currency: &str,
    progress: bool,
) -> Result<u64, String> {
    if let Some(v) = store
        .meta("demo_customers")
        .await
        .map_err(|e| e.to_string())?
    {
        if progress {
            eprintln!("demo data already loaded ({v} customers); not loading again");
        }
        return Ok(0);
    }
    let cat = catalog(currency);
    use extramile_domain::store::CustomerStore;
    let actor = Actor::system();
    for p in &cat.products {
        let ev = change(&actor, "create", "product", p.id.0)
            .summary(format!("Added product {}", p.name))
            .after(p)
            .build();
        store
            .insert_product(p, &ev)
            .await
            .map_err(|e| e.to_string())?;
    }
    let started = std::time::Instant::now();
    store.bulk_begin().await.map_err(|e| e.to_string())?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(u64, Batch)>(2);
    let generator = std::thread::spawn(move || {
        let mut g = Gen {
            batch: Batch::default(),
            catalog: cat,
            actor,
            ids: Ids::new(),
        };
        g.story_accounts();
        let mut i = 0;
        while i < customers {
            let end = (i + BATCH).min(customers);
            for n in i..end {
                g.customer(n);
            }
            if tx
                .blocking_send((end, std::mem::take(&mut g.batch)))
                .is_err()
            {
                return;
            }
            i = end;
        }
        let _ = tx.blocking_send((customers, std::mem::take(&mut g.batch)));
    });
    let mut vocabulary = HashSet::new();
    let mut reported = 0;
    while let Some((done, batch)) = rx.recv().await {
        store
            .bulk_insert(&batch, &mut vocabulary)
            .await
            .map_err(|e| e.to_string())?;
        if progress && done >= reported + 100_000 {
            reported = done;
            eprintln!(
                "  {done} customers loaded in {:.1}s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    generator
        .join()
        .map_err(|_| "the demo generator failed".to_string())?;
    let indexing = std::time::Instant::now();
    store.bulk_finish().await.map_err(|e| e.to_string())?;
    if progress {
        eprintln!(
            "  lookup indexes built in {:.1}s",
            indexing.elapsed().as_secs_f64()
        );
    }
    store
        .set_meta("demo_customers", &customers.to_string())
        .await
        .map_err(|e| e.to_string())?;
    Ok(customers)
}
