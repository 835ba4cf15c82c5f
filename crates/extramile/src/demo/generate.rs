//! Generating demo customers into batches.

use super::data::*;
use super::*;

/// Time-ordered v7 ids without a system call each: one timestamp for the
/// whole load and a counter in the "random" bits, so every index on an id
/// is appended to in order.
pub(super) struct Ids {
    millis: u64,
    counter: u64,
}

impl Ids {
    pub(super) fn new() -> Self {
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

pub(super) struct Gen {
    pub(super) batch: Batch,
    pub(super) catalog: Catalog,
    pub(super) actor: Actor,
    pub(super) ids: Ids,
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
            time_zone: super::data::state_zone(city.1).map(str::to_string),
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

    pub(super) fn customer(&mut self, i: u64) {
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
    pub(super) fn story_accounts(&mut self) {
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
