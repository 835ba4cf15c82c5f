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

pub const DEMO_PASSWORD: &str = "extramile-demo";

pub struct DemoStaff {
    pub email: &'static str,
    pub name: &'static str,
    pub role: &'static str,
    pub team: &'static str,
}

pub const STAFF: &[DemoStaff] = &[
    DemoStaff {
        email: "agent@demo.extramile.dev",
        name: "Maya Agent",
        role: "agent",
        team: "Customer care",
    },
    DemoStaff {
        email: "agent2@demo.extramile.dev",
        name: "Tom Frontline",
        role: "agent",
        team: "Customer care",
    },
    DemoStaff {
        email: "supervisor@demo.extramile.dev",
        name: "Sam Supervisor",
        role: "supervisor",
        team: "Customer care",
    },
    DemoStaff {
        email: "billing@demo.extramile.dev",
        name: "Bea Billing",
        role: "specialist",
        team: "Billing",
    },
    DemoStaff {
        email: "tech@demo.extramile.dev",
        name: "Theo Technical",
        role: "specialist",
        team: "Technical support",
    },
    DemoStaff {
        email: "porting@demo.extramile.dev",
        name: "Nina Porting",
        role: "specialist",
        team: "Number porting",
    },
    DemoStaff {
        email: "retention@demo.extramile.dev",
        name: "Rita Retention",
        role: "specialist",
        team: "Retention",
    },
    DemoStaff {
        email: "dispatch@demo.extramile.dev",
        name: "Dan Dispatcher",
        role: "dispatcher",
        team: "Dispatch",
    },
    DemoStaff {
        email: "field@demo.extramile.dev",
        name: "Fay Fieldtech",
        role: "technician",
        team: "Dispatch",
    },
    DemoStaff {
        email: "admin@demo.extramile.dev",
        name: "Ada Admin",
        role: "admin",
        team: "Customer care",
    },
];

const GIVEN: &[&str] = &[
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Christopher",
    "Nancy",
    "Daniel",
    "Lisa",
    "Matthew",
    "Betty",
    "Anthony",
    "Margaret",
    "Mark",
    "Sandra",
    "Donald",
    "Ashley",
    "Steven",
    "Kimberly",
    "Paul",
    "Emily",
    "Andrew",
    "Donna",
    "Joshua",
    "Michelle",
    "Kenneth",
    "Dorothy",
    "Kevin",
    "Carol",
    "Brian",
    "Amanda",
    "George",
    "Melissa",
    "Edward",
    "Deborah",
    "José",
    "María",
    "Luis",
    "Sofía",
    "Zoë",
    "Chloé",
    "Renée",
    "André",
    "Björn",
    "Søren",
    "Aoife",
    "Siobhán",
    "Nguyen",
    "Mei",
    "Hiroshi",
    "Yuki",
    "Priya",
    "Arjun",
    "Fatima",
    "Omar",
    "Olga",
    "Dmitri",
    "Ngozi",
    "Chinedu",
    "Lucía",
    "Mateo",
    "Inés",
    "Joaquín",
    "Camille",
    "Étienne",
];
const FAMILY: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Müller",
    "Schröder",
    "O'Brien",
    "Ó Súilleabháin",
    "Dubois",
    "Lefèvre",
    "Núñez",
    "Peña",
    "Okafor",
    "Adeyemi",
    "Kowalski",
    "Nowak",
    "Novák",
    "Andersson",
    "Johansson",
    "Kim",
    "Park",
    "Tanaka",
    "Suzuki",
    "Patel",
    "Sharma",
    "Chen",
    "Wang",
    "Ivanova",
    "Petrov",
    "Haddad",
    "Khalil",
    "Rossi",
    "Russo",
    "Costa",
];
const STREETS: &[&str] = &[
    "Maple Street",
    "Oak Avenue",
    "Pine Road",
    "Cedar Lane",
    "Elm Street",
    "Washington Avenue",
    "Lake Drive",
    "Hillcrest Road",
    "Sunset Boulevard",
    "River Road",
    "Park Avenue",
    "Main Street",
    "Church Street",
    "Mill Lane",
    "Highland Avenue",
    "Meadow Way",
    "Forest Drive",
    "Spring Street",
    "Valley View Road",
    "Orchard Lane",
    "Chestnut Street",
    "Willow Court",
    "Birch Road",
    "Prospect Avenue",
    "Franklin Street",
    "Jefferson Road",
    "Lincoln Avenue",
    "Madison Street",
    "Harbor View",
    "Railroad Avenue",
];
const CITIES: &[(&str, &str, u32)] = &[
    ("Columbus", "OH", 43004),
    ("Dayton", "OH", 45401),
    ("Toledo", "OH", 43601),
    ("Akron", "OH", 44301),
    ("Fort Wayne", "IN", 46802),
    ("Lansing", "MI", 48901),
    ("Grand Rapids", "MI", 49501),
    ("Madison", "WI", 53703),
    ("Des Moines", "IA", 50301),
    ("Springfield", "IL", 62701),
    ("Peoria", "IL", 61602),
    ("Lexington", "KY", 40502),
    ("Knoxville", "TN", 37902),
    ("Erie", "PA", 16501),
    ("Scranton", "PA", 18503),
    ("Albany", "NY", 12207),
    ("Syracuse", "NY", 13202),
    ("Burlington", "VT", 5401),
    ("Portland", "ME", 4101),
    ("Santa Fe", "NM", 87501),
];
const AREAS: &[u32] = &[
    614, 937, 419, 330, 260, 517, 616, 608, 515, 217, 309, 859, 865, 814, 570, 518, 315, 802, 207,
    505,
];

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

pub fn catalog() -> Catalog {
    let p = |code: &str, name: &str, kind, price| Product {
        id: ProductId::new(),
        code: code.into(),
        name: name.into(),
        kind,
        monthly_price_minor: price,
        currency: "USD".into(),
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
        ],
    }
}

/// Time-ordered v7 ids without a system call each: one timestamp for the
/// whole load and a counter in the "random" bits, so every index on an id
/// is appended to in order.
struct Ids {
    millis: u64,
    counter: u64,
}

impl Ids {
    fn new() -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        // Start the counter somewhere unpredictable so two loads never collide.
        Self {
            millis: now.as_millis() as u64,
            counter: Mix::new(now.as_nanos() as u64).next() >> 20,
        }
    }
    fn next(&mut self) -> uuid::Uuid {
        self.counter += 1;
        let mut b = [0u8; 10];
        b[..8].copy_from_slice(&self.counter.to_be_bytes());
        uuid::Builder::from_unix_timestamp_millis(self.millis, &b).into_uuid()
    }
}

struct Gen {
    batch: Batch,
    catalog: Catalog,
    actor: Actor,
    ids: Ids,
}

impl Gen {
    fn person(
        &mut self,
        given: &str,
        family: &str,
        contacts: &[(ContactKind, String, String)],
    ) -> Person {
        let p = Person {
            id: PersonId(self.ids.next()),
            given_name: given.into(),
            family_name: family.into(),
            preferred_language: None,
            created_at: now(),
            version: 1,
        };
        for (kind, value, normalized) in contacts {
            self.batch.contacts.push(ContactPoint {
                id: ContactPointId(self.ids.next()),
                person_id: p.id,
                kind: *kind,
                value: value.clone(),
                normalized: normalized.clone(),
                label: Some(
                    match kind {
                        ContactKind::Phone => "mobile",
                        ContactKind::Email => "personal",
                        ContactKind::Postal => "home",
                    }
                    .into(),
                ),
                is_primary: true,
                version: 1,
            });
        }
        self.batch.people.push(p.clone());
        p
    }

    fn role(
        &mut self,
        account: AccountId,
        person: PersonId,
        kind: RoleKind,
        consent: Option<Consent>,
        ended: Option<(&str, jiff::civil::Date)>,
    ) {
        self.batch.roles.push(AccountRole {
            id: AccountRoleId(self.ids.next()),
            account_id: account,
            person_id: person,
            kind,
            consent,
            ended_reason: ended.map(|e| e.0.to_string()),
            ended_on: ended.map(|e| e.1),
            created_at: now(),
            version: 1,
        });
    }

    fn subscribe(
        &mut self,
        account: AccountId,
        loc: LocationId,
        code: &str,
        start: jiff::civil::Date,
        upgrade_to: Option<&str>,
    ) {
        let product = self.catalog.by_code(code).clone();
        let s = Subscription {
            id: SubscriptionId(self.ids.next()),
            account_id: account,
            location_id: loc,
            product_id: upgrade_to
                .map(|c| self.catalog.by_code(c).id)
                .unwrap_or(product.id),
            status: SubscriptionStatus::Active,
            start_date: start,
            version: 1,
        };
        self.batch.events.push(SubscriptionEvent {
            id: SubscriptionEventId(self.ids.next()),
            subscription_id: s.id,
            at: now(),
            kind: "started".into(),
            description: format!("{} installed", product.name),
            actor_name: "Field services".into(),
        });
        if let Some(up) = upgrade_to {
            let to = self.catalog.by_code(up);
            self.batch.events.push(SubscriptionEvent {
                id: SubscriptionEventId(self.ids.next()),
                subscription_id: s.id,
                at: now(),
                kind: "product_changed".into(),
                description: format!("{} → {} (speed upgrade)", product.name, to.name),
                actor_name: "Maya Agent".into(),
            });
        }
        self.batch.subscriptions.push(s);
    }

    fn account(
        &mut self,
        number: &str,
        holder: &Person,
        street: &str,
        city: (&str, &str, u32),
    ) -> (AccountId, LocationId) {
        let a = Account {
            id: AccountId(self.ids.next()),
            number: number.into(),
            name: holder.full_name(),
            account_type: AccountType::Residential,
            status: AccountStatus::Active,
            created_at: now(),
            version: 1,
        };
        let loc = ServiceLocation {
            id: LocationId(self.ids.next()),
            account_id: a.id,
            line1: street.into(),
            line2: None,
            city: city.0.into(),
            region: Some(city.1.into()),
            postcode: format!("{:05}", city.2),
            country: "US".into(),
            version: 1,
        };
        self.batch
            .audit
            .push(self.event(a.id, &format!("Account {} opened (demo data)", a.number)));
        self.role(a.id, holder.id, RoleKind::Holder, None, None);
        let ids = (a.id, loc.id);
        self.batch.accounts.push(a);
        self.batch.locations.push(loc);
        ids
    }

    fn event(&self, account: AccountId, summary: &str) -> AuditEvent {
        change(&self.actor, "import", "account", account.0)
            .account(Some(account))
            .summary(summary)
            .build()
    }

    fn note(&mut self, account: AccountId, author: &str, body: &str) {
        self.batch.notes.push(Note {
            id: NoteId(self.ids.next()),
            account_id: account,
            author_id: None,
            author_name: author.into(),
            body: body.into(),
            created_at: now(),
        });
    }

    fn customer(&mut self, i: u64) {
        let id = identity(i);
        let mut r = Mix::new(i ^ 0xA5A5);
        let holder = self.person(
            id.given,
            id.family,
            &[
                (
                    ContactKind::Phone,
                    phone_display(&id.phone),
                    id.phone.clone(),
                ),
                (ContactKind::Email, id.email.clone(), id.email.clone()),
            ],
        );
        let city = *r.pick(CITIES);
        let street = format!("{} {}", 1 + r.next() % 9000, r.pick(STREETS));
        let postcode = city.2 + (r.next() % 40) as u32;
        let (aid, loc) = self.account(
            &id.account_number,
            &holder,
            &street,
            (city.0, city.1, postcode),
        );
        let start = jiff::civil::date(
            2015 + (r.next() % 11) as i16,
            1 + (r.next() % 12) as i8,
            1 + (r.next() % 28) as i8,
        );
        if r.chance(85) {
            let up = r.chance(10);
            self.subscribe(
                aid,
                loc,
                "INET100",
                start,
                if up { Some("INET500") } else { None },
            );
        }
        if r.chance(40) {
            self.subscribe(
                aid,
                loc,
                if r.chance(50) { "TVBASIC" } else { "TVPLUS" },
                start,
                None,
            );
        }
        if r.chance(30) {
            self.subscribe(aid, loc, "PHONE", start, None);
        }
        if r.chance(20) {
            self.subscribe(aid, loc, "WATER", start, None);
        }
        if r.chance(12) {
            let rep_given = *r.pick(GIVEN);
            let rep_phone = format!(
                "+1{}{:07}",
                AREAS[(i as usize + 7) % AREAS.len()],
                8_000_000 + i % 1_999_999
            );
            let rep = self.person(
                rep_given,
                id.family,
                &[(
                    ContactKind::Phone,
                    phone_display(&rep_phone),
                    rep_phone.clone(),
                )],
            );
            let consent = Consent {
                given_by: holder.id,
                given_at: now(),
                method: ConsentMethod::VerbalOnCall,
                note: None,
            };
            self.role(
                aid,
                rep.id,
                RoleKind::AuthorizedRepresentative,
                Some(consent),
                None,
            );
        }
        if r.chance(10) {
            self.note(
                aid,
                "Maya Agent",
                "Customer prefers contact by e-mail after 5pm.",
            );
        }
    }

    /// The accounts the stories in PRODUCT.md start from.
    fn story_accounts(&mut self) {
        let ph = |n: &str| (ContactKind::Phone, phone_display(n), n.to_string());
        let em = |e: &str| (ContactKind::Email, e.to_string(), e.to_string());
        let rosa = self.person(
            "Rosa",
            "Álvarez",
            &[ph("+15550102030"), em("rosa.alvarez@example.net")],
        );
        let miguel = self.person("Miguel", "Álvarez", &[]);
        let ana = self.person(
            "Ana",
            "Silva",
            &[ph("+13125550147"), em("ana.silva@example.com")],
        );
        let (aid, loc) = self.account(
            "EM00000001",
            &rosa,
            "742 Evergreen Terrace",
            ("Santa Fe", "NM", 87501),
        );
        self.role(
            aid,
            miguel.id,
            RoleKind::FormerHolder,
            None,
            Some(("deceased", jiff::civil::date(2026, 9, 14))),
        );
        let consent = Consent {
            given_by: rosa.id,
            given_at: now(),
            method: ConsentMethod::VerbalOnCall,
            note: Some("Rosa consented on a conference call".into()),
        };
        self.role(
            aid,
            ana.id,
            RoleKind::AuthorizedRepresentative,
            Some(consent),
            None,
        );
        self.subscribe(aid, loc, "INET100", jiff::civil::date(2019, 3, 2), None);
        self.subscribe(aid, loc, "TVBASIC", jiff::civil::date(2019, 3, 2), None);
        self.note(
            aid,
            "Maya Agent",
            "Miguel Álvarez passed away in September; Rosa is now the sole holder.",
        );

        let ben = self.person(
            "Ben",
            "Okafor",
            &[ph("+16145550188"), em("ben.okafor@example.org")],
        );
        let (aid, loc) = self.account(
            "EM00000002",
            &ben,
            "18 Maple Street",
            ("Columbus", "OH", 43004),
        );
        self.subscribe(
            aid,
            loc,
            "INET100",
            jiff::civil::date(2022, 6, 10),
            Some("INET500"),
        );
        self.subscribe(aid, loc, "PHONE", jiff::civil::date(2022, 6, 10), None);

        let chloe = self.person(
            "Chloé",
            "Martin",
            &[ph("+18025550111"), em("chloe.martin@example.com")],
        );
        let (aid, loc) = self.account(
            "EM00000003",
            &chloe,
            "5 Harbor View",
            ("Burlington", "VT", 5401),
        );
        self.subscribe(aid, loc, "INET500", jiff::civil::date(2024, 1, 15), None);

        let david = self.person(
            "David",
            "Kim",
            &[ph("+15175550190"), em("david.kim@example.com")],
        );
        let (aid, loc) = self.account(
            "EM00000004",
            &david,
            "221 Lincoln Avenue",
            ("Lansing", "MI", 48901),
        );
        self.subscribe(aid, loc, "INET1G", jiff::civil::date(2021, 8, 1), None);
        self.subscribe(aid, loc, "WATER", jiff::civil::date(2021, 8, 1), None);
    }
}

const BATCH: u64 = 10_000;

/// Load the demo customers unless this database already has them.
/// Returns how many were loaded now (0 when already present). Batches are
/// generated on another thread while the previous one is being written.
pub async fn load(store: &SqlStore, customers: u64, progress: bool) -> Result<u64, String> {
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
    let cat = catalog();
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
