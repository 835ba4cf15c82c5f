//! The persistence boundary. Implementations (SQLite, PostgreSQL) live in
//! the store crate; they write each change and its audit events in one
//! transaction and never decide business rules.
//!
//! Updates carry the new record whose `version` is one more than the
//! version it was read at; a store answers `Conflict` when the stored
//! version differs (someone else changed it meanwhile).

use crate::admin::{ApiToken, Session, StaffUser, Team};
use crate::audit::{AuditEvent, AuditFilter};
use crate::cases::Case;
use crate::consults::Consult;
use crate::customers::lookup::{LookupHit, MatchKind, TermField, TermMatch};
use crate::customers::model::*;
use crate::error::Result;
use crate::ids::*;
use crate::interactions::*;
use crate::routing::*;
use async_trait::async_trait;
use jiff::Timestamp;

#[async_trait]
pub trait CustomerStore: Send + Sync {
    async fn insert_person(
        &self,
        p: &Person,
        cps: &[ContactPoint],
        audit: &[AuditEvent],
    ) -> Result<()>;
    async fn update_person(&self, p: &Person, audit: &AuditEvent) -> Result<()>;
    async fn person(&self, id: PersonId) -> Result<Option<Person>>;
    async fn person_contact_points(&self, id: PersonId) -> Result<Vec<ContactPoint>>;
    /// Accounts the person has a role on, with the role.
    async fn person_accounts(&self, id: PersonId) -> Result<Vec<(AccountRole, Account)>>;

    async fn insert_account(
        &self,
        a: &Account,
        holder: &AccountRole,
        audit: &[AuditEvent],
    ) -> Result<()>;
    async fn update_account(&self, a: &Account, audit: &AuditEvent) -> Result<()>;
    async fn account(&self, id: AccountId) -> Result<Option<Account>>;

    async fn account_roles(&self, id: AccountId) -> Result<Vec<AccountRole>>;
    async fn role(&self, id: AccountRoleId) -> Result<Option<AccountRole>>;
    async fn insert_role(&self, r: &AccountRole, audit: &AuditEvent) -> Result<()>;
    async fn update_role(&self, r: &AccountRole, audit: &AuditEvent) -> Result<()>;

    async fn contact_point(&self, id: ContactPointId) -> Result<Option<ContactPoint>>;
    async fn insert_contact_point(&self, c: &ContactPoint, audit: &AuditEvent) -> Result<()>;
    async fn update_contact_point(&self, c: &ContactPoint, audit: &AuditEvent) -> Result<()>;

    async fn location(&self, id: LocationId) -> Result<Option<ServiceLocation>>;
    async fn insert_location(&self, l: &ServiceLocation, audit: &AuditEvent) -> Result<()>;
    async fn update_location(&self, l: &ServiceLocation, audit: &AuditEvent) -> Result<()>;

    async fn products(&self) -> Result<Vec<Product>>;
    async fn product(&self, id: ProductId) -> Result<Option<Product>>;
    async fn insert_product(&self, p: &Product, audit: &AuditEvent) -> Result<()>;

    async fn subscription(&self, id: SubscriptionId) -> Result<Option<Subscription>>;
    async fn insert_subscription(
        &self,
        s: &Subscription,
        ev: &SubscriptionEvent,
        audit: &AuditEvent,
    ) -> Result<()>;
    async fn update_subscription(
        &self,
        s: &Subscription,
        ev: &SubscriptionEvent,
        audit: &AuditEvent,
    ) -> Result<()>;

    async fn insert_note(&self, n: &Note, audit: &AuditEvent) -> Result<()>;

    /// The whole account in a fixed, small number of queries.
    async fn customer_360(&self, id: AccountId, timeline_limit: u32)
    -> Result<Option<Customer360>>;

    /// Exact match on a phone (E.164), e-mail or account number.
    async fn find_by_identifier(
        &self,
        kind: MatchKind,
        value: &str,
        limit: u32,
    ) -> Result<Vec<LookupHit>>;
    /// The time zone of the account's first service location that has one.
    async fn account_time_zone(&self, account: AccountId) -> Result<Option<String>>;
    /// The service cities of these accounts and the phones of these people
    /// (primary first), to tell lookup results apart; two reads.
    async fn hit_details(
        &self,
        accounts: &[AccountId],
        people: &[PersonId],
    ) -> Result<(Vec<(AccountId, String)>, Vec<(PersonId, String)>)>;
    /// Indexed terms that share a deletion variant with the query.
    async fn vocabulary(&self, variants: &[String]) -> Result<Vec<String>>;
    /// Name or address hits where every term matches; scored by the caller.
    async fn find_by_terms(
        &self,
        field: TermField,
        terms: &[TermMatch],
        limit: u32,
    ) -> Result<Vec<LookupHit>>;
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>>;
    async fn record(&self, ev: &AuditEvent) -> Result<()>;
}

#[async_trait]
pub trait StaffStore: Send + Sync {
    async fn insert_team(&self, t: &Team) -> Result<()>;
    async fn teams(&self) -> Result<Vec<Team>>;
    async fn insert_staff(&self, u: &StaffUser, audit: &AuditEvent) -> Result<()>;
    async fn staff(&self, id: StaffId) -> Result<Option<StaffUser>>;
    async fn staff_by_email(&self, email: &str) -> Result<Option<StaffUser>>;
    async fn list_staff(&self) -> Result<Vec<StaffUser>>;
    /// Count one sign-in attempt for `subject`, atomically in the database
    /// (a new count when its window began before `window_start`): the
    /// attempts in the window with this one, the pause in force, and how
    /// many pauses it had.
    async fn signin_attempt(
        &self,
        subject: &str,
        now: Timestamp,
        window_start: Timestamp,
    ) -> Result<SigninCount>;
    /// Pause `subject` until `until`; its count starts again.
    async fn signin_pause(&self, subject: &str, until: Timestamp) -> Result<()>;
    /// Forget `subject`'s attempts and pauses (a successful sign-in).
    async fn signin_clear(&self, subject: &str) -> Result<()>;
    /// Give one attempt back to `subject` (a success from an address).
    async fn signin_release(&self, subject: &str) -> Result<()>;
    /// Forget counters idle since `before` and not paused; how many.
    async fn signin_purge(&self, before: Timestamp) -> Result<u64>;
    async fn insert_session(&self, s: &Session) -> Result<()>;
    async fn session(&self, digest: &str) -> Result<Option<Session>>;
    async fn delete_session(&self, digest: &str) -> Result<()>;
    async fn insert_token(&self, t: &ApiToken, audit: &AuditEvent) -> Result<()>;
    async fn token(&self, digest: &str) -> Result<Option<ApiToken>>;
    async fn token_by_id(&self, id: TokenId) -> Result<Option<ApiToken>>;
    /// Tokens, newest first, of one staff user or of everyone.
    async fn tokens(&self, staff: Option<StaffId>) -> Result<Vec<ApiToken>>;
    /// Revoke a token at `at`; false when no such token is still active.
    async fn revoke_token(&self, id: TokenId, at: Timestamp, audit: &AuditEvent) -> Result<bool>;
    /// Activate or deactivate a staff user; deactivating ends their
    /// sessions and revokes their tokens in the same transaction.
    async fn set_staff_time_zone(
        &self,
        id: StaffId,
        time_zone: Option<&str>,
        audit: &AuditEvent,
    ) -> Result<()>;
    async fn set_staff_active(
        &self,
        id: StaffId,
        active: bool,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> Result<()>;
}

/// A sign-in counter after one more attempt.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SigninCount {
    pub attempts: i64,
    pub paused_until: Option<Timestamp>,
    pub pauses: i64,
}

/// Interactions: each write appends its timeline events and audit rows in
/// the same transaction.
#[async_trait]
pub trait InteractionStore: Send + Sync {
    async fn insert_interaction(
        &self,
        i: &Interaction,
        participants: &[Participant],
        events: &[InteractionEvent],
        audit: &[AuditEvent],
    ) -> Result<()>;
    async fn interaction_view(&self, id: InteractionId) -> Result<Option<InteractionView>>;
    /// Store `i` where the stored version is `i.version - 1`.
    /// Store a changed interaction where its version still matches, with
    /// a participant who joins by the change (answering), its events and
    /// audit rows; a stale version writes none of them.
    async fn update_interaction(
        &self,
        i: &Interaction,
        join: Option<&Participant>,
        events: &[InteractionEvent],
        audit: &[AuditEvent],
    ) -> Result<()>;
    async fn insert_participant(
        &self,
        p: &Participant,
        ev: &InteractionEvent,
        audit: &AuditEvent,
    ) -> Result<()>;
    async fn end_participant(
        &self,
        id: ParticipantId,
        at: Timestamp,
        ev: &InteractionEvent,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// A hand-over of the contact: the interaction, a participant joining
    /// and one leaving, events and audit, in one transaction.
    async fn transfer(
        &self,
        i: &Interaction,
        join: Option<&Participant>,
        leave: Option<ParticipantId>,
        events: &[InteractionEvent],
        audit: &AuditEvent,
    ) -> Result<()>;
    /// `Conflict` when this person is already verified on this interaction.
    async fn insert_verification(
        &self,
        v: &Verification,
        ev: &InteractionEvent,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Contacts not yet ended that the staff user owns, takes part in, was
    /// offered by routing or is asked to accept by warm transfer; oldest first.
    async fn staff_interactions(&self, staff: StaffId) -> Result<Vec<InteractionSummary>>;
    /// The account's most recent contacts, newest first.
    async fn account_interactions(
        &self,
        account: AccountId,
        limit: u32,
    ) -> Result<Vec<Interaction>>;
}

#[async_trait]
pub trait CaseStore: Send + Sync {
    /// With the contact it was opened from, when given.
    async fn insert_case(
        &self,
        c: &Case,
        interaction: Option<InteractionId>,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// The case and its linked interactions.
    async fn case(&self, id: CaseId) -> Result<Option<(Case, Vec<InteractionId>)>>;
    /// Store `c` where the stored version is `c.version - 1`.
    async fn update_case(&self, c: &Case, audit: &AuditEvent) -> Result<()>;
    async fn link_case_interaction(
        &self,
        case: CaseId,
        interaction: InteractionId,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// The account's contacts that started at or after `since`, with the
    /// cases (and their categories) each is linked to.
    async fn account_contacts_since(
        &self,
        account: AccountId,
        since: Timestamp,
    ) -> Result<Vec<crate::cases::fcr::LaterContact>>;
    /// A page of the unresolved cases the staff user owns, with the
    /// account's number and name, due first (breached ones first); and how
    /// many there are in all.
    async fn owner_cases(
        &self,
        staff: StaffId,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<(Case, String, String)>, i64)>;
    /// Cases the interaction is linked to.
    async fn interaction_cases(&self, interaction: InteractionId) -> Result<Vec<Case>>;
    /// The account's cases, newest first.
    async fn account_cases(&self, account: AccountId, limit: u32) -> Result<Vec<Case>>;
}

#[async_trait]
pub trait RoutingStore: Send + Sync {
    async fn insert_queue(&self, q: &Queue, audit: &AuditEvent) -> Result<()>;
    async fn queues(&self) -> Result<Vec<Queue>>;
    async fn queue(&self, id: QueueId) -> Result<Option<Queue>>;
    async fn set_skills(&self, staff: StaffId, skills: &[String], audit: &AuditEvent)
    -> Result<()>;
    /// Availability and since when (for idle agents: idle since).
    async fn set_presence(&self, staff: StaffId, state: Availability, at: Timestamp) -> Result<()>;
    /// Busy with after-call work until `until`.
    async fn set_after_call(&self, staff: StaffId, at: Timestamp, until: Timestamp) -> Result<()>;
    /// Make available everyone whose after-call work is over; how many.
    async fn end_after_call(&self, now: Timestamp) -> Result<u64>;
    /// Queue the contact (its new state and version) in one transaction.
    async fn enqueue(
        &self,
        i: &Interaction,
        entry: &QueueEntry,
        ev: &InteractionEvent,
        audit: &AuditEvent,
    ) -> Result<()>;
    async fn queue_entry(&self, interaction: InteractionId) -> Result<Option<QueueEntry>>;
    /// Not yet offered, oldest first.
    /// The oldest `limit` contacts still waiting (queued, not offered).
    async fn waiting(&self, queue: QueueId, limit: u32) -> Result<Vec<QueueEntry>>;
    /// How many waiting contacts of the entry's queue were queued before it.
    async fn waiting_ahead(&self, entry: &QueueEntry) -> Result<i64>;
    async fn waiting_counts(&self) -> Result<Vec<WaitingCount>>;
    async fn available_by_skill(&self) -> Result<Vec<(String, i64)>>;
    /// Available agents with this skill.
    async fn available_count(&self, skill: &str) -> Result<i64>;
    /// Available agents with the skill.
    async fn candidates(&self, skill: &str) -> Result<Vec<Candidate>>;
    /// Atomically offer the contact to the agent: only if the contact is
    /// still unoffered and the agent still available (the agent becomes
    /// busy). False when either was taken meanwhile.
    async fn claim(
        &self,
        interaction: InteractionId,
        agent: StaffId,
        ev: &InteractionEvent,
    ) -> Result<bool>;
    async fn presence(&self, staff: StaffId) -> Result<Option<(Availability, Timestamp)>>;
    async fn skills(&self, staff: StaffId) -> Result<Vec<String>>;
    /// Every active staff user who can take contacts, with availability and skills.
    async fn presence_board(&self) -> Result<Vec<AgentPresence>>;
    /// Active staff of the role who are available or busy now.
    async fn on_duty(&self, role: crate::admin::StaffRole) -> Result<Vec<StaffId>>;
}

#[async_trait]
pub trait ConsultStore: Send + Sync {
    /// Who asked, the case and account, and the live contact of each
    /// consult, in one read.
    async fn consult_contexts(
        &self,
        ids: &[ConsultId],
    ) -> Result<Vec<crate::consults::ConsultContext>>;
    async fn insert_consult(&self, c: &Consult, audit: &AuditEvent) -> Result<()>;
    async fn consult(&self, id: ConsultId) -> Result<Option<Consult>>;
    /// Store `c` where the stored version is `c.version - 1`.
    async fn update_consult(&self, c: &Consult, audit: &AuditEvent) -> Result<()>;
    /// Waiting consults of the same department requested before this one.
    async fn consults_ahead(&self, c: &Consult) -> Result<i64>;
    async fn waiting_consults(&self, team: TeamId) -> Result<Vec<Consult>>;
    /// Consults raised from this live contact, oldest first.
    async fn interaction_consults(&self, interaction: InteractionId) -> Result<Vec<Consult>>;
    /// Consults the specialist picked up and has not answered yet.
    async fn picked_consults(&self, staff: StaffId) -> Result<Vec<Consult>>;
    /// Every consult raised on the case, oldest first.
    async fn case_consults(&self, case: CaseId) -> Result<Vec<Consult>>;
    /// An event on an interaction's timeline, with its audit row.
    async fn append_event(&self, ev: &InteractionEvent, audit: &AuditEvent) -> Result<()>;
}

#[async_trait]
pub trait TelephonyStore: Send + Sync {
    /// The interaction an already applied event id led to.
    async fn call_event(&self, event_id: &str) -> Result<Option<InteractionId>>;
    async fn record_call_event(
        &self,
        event_id: &str,
        call_id: &str,
        interaction: InteractionId,
    ) -> Result<()>;
    async fn call_interaction(&self, call_id: &str) -> Result<Option<InteractionId>>;
    async fn link_call(&self, call_id: &str, interaction: InteractionId) -> Result<()>;
}

/// What a ledger write must still hold inside its transaction.
#[derive(Clone, Debug, Default)]
pub struct PostGuard {
    /// (kind, month start, limit): entries of this kind made by staff on
    /// the account since the month start, plus this one, stay within it.
    pub month: Option<(crate::ledger::EntryKind, Timestamp, i64)>,
    /// The balance after this entry may not exceed it (a refund never pays
    /// out more than the credit).
    pub max_balance_after: Option<i64>,
    /// (charge, entries about it that the decision saw): the entry is about
    /// this charge, and nobody added a waiver, reversal or dispute step to
    /// it since (otherwise `ChargeChanged`, and the caller decides again).
    pub charge_seen: Option<(LedgerEntryId, i64)>,
}

/// A money request's idempotency key, kept with the entry it produced.
#[derive(Clone, Debug)]
pub struct IdempotencyKey {
    pub actor: StaffId,
    pub key: String,
    /// A digest of the request body: the same key with another body is refused.
    pub digest: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PostOutcome {
    Posted,
    /// The key (or the billing system's external id) was seen before: the
    /// entry it produced, and the digest it was sent with.
    Existing(Box<crate::ledger::LedgerEntry>, Option<String>),
    /// The monthly limit would be passed: what was used already.
    MonthLimit {
        used: i64,
    },
    /// The balance limit would be passed: the balance now.
    BalanceLimit {
        balance: i64,
    },
    /// The account's entries are in this other currency.
    OtherCurrency(String),
    /// The charge this entry is about changed since it was read.
    ChargeChanged,
}

#[async_trait]
pub trait LedgerStore: Send + Sync {
    /// Append an entry and its audit row in one transaction, after the
    /// idempotency, external-id and guard checks (the account row is locked
    /// on PostgreSQL; SQLite has one writer).
    async fn post_entry(
        &self,
        e: &crate::ledger::LedgerEntry,
        audit: &AuditEvent,
        guard: &PostGuard,
        key: Option<&IdempotencyKey>,
    ) -> Result<PostOutcome>;
    async fn ledger_entry(&self, id: LedgerEntryId) -> Result<Option<crate::ledger::LedgerEntry>>;
    /// The entry booked under an actor's idempotency key, with the digest
    /// of the request that booked it.
    async fn keyed_entry(
        &self,
        actor: StaffId,
        key: &str,
    ) -> Result<Option<(crate::ledger::LedgerEntry, String)>>;
    async fn ledger_entries(&self, account: AccountId) -> Result<Vec<crate::ledger::LedgerEntry>>;
    /// The account's balance and what came before `period_start` (sums),
    /// its entry count, and the newest `newest` entries together with every
    /// entry effective on or after `period_start`. See `ledger::window`.
    async fn ledger_window(
        &self,
        account: AccountId,
        period_start: jiff::civil::Date,
        newest: u32,
    ) -> Result<crate::ledger::LedgerWindow>;
    /// The account's active subscriptions as (product, monthly price, currency).
    async fn recurring_charges(&self, account: AccountId) -> Result<Vec<(String, i64, String)>>;
    /// The currency of the account's first entry, if it has any.
    async fn ledger_currency(&self, account: AccountId) -> Result<Option<String>>;
    /// A charge and every entry about it (waivers, reversals, disputes).
    async fn charge_entries(
        &self,
        account: AccountId,
        charge: LedgerEntryId,
    ) -> Result<Vec<crate::ledger::LedgerEntry>>;
    /// What staff booked of this kind on the account since `since` (positive).
    async fn month_used(
        &self,
        account: AccountId,
        kind: crate::ledger::EntryKind,
        since: Timestamp,
    ) -> Result<i64>;
    async fn policies(&self) -> Result<Vec<crate::authority::Policy>>;
    /// Replace the policy for the same role or person, action and currency.
    async fn put_policy(&self, p: &crate::authority::Policy, audit: &AuditEvent) -> Result<()>;
    /// Insert a request, unless its requester already made one under the
    /// same idempotency key: then nothing is written and that one returns.
    async fn insert_approval(
        &self,
        a: &crate::authority::Approval,
        audit: &AuditEvent,
    ) -> Result<Option<crate::authority::Approval>>;
    /// The request a staff user made under an idempotency key.
    async fn approval_by_key(
        &self,
        requester: StaffId,
        key: &str,
    ) -> Result<Option<crate::authority::Approval>>;
    async fn approval(&self, id: ApprovalId) -> Result<Option<crate::authority::Approval>>;
    /// Pending requests, oldest first.
    async fn pending_approvals(&self) -> Result<Vec<crate::authority::Approval>>;
    /// The most recently decided (approved, denied, withdrawn) requests,
    /// newest decision first.
    async fn decided_approvals(&self, limit: u32) -> Result<Vec<crate::authority::Approval>>;
    async fn account_approvals(
        &self,
        account: AccountId,
    ) -> Result<Vec<crate::authority::Approval>>;
    /// Store the decided approval (where the stored version is one less)
    /// and, when it carries one, post its entry under the guard: one
    /// transaction. Anything but `Posted` leaves both unchanged.
    async fn decide_approval(
        &self,
        a: &crate::authority::Approval,
        entry: Option<(
            &crate::ledger::LedgerEntry,
            &PostGuard,
            Option<&IdempotencyKey>,
        )>,
        audit: &AuditEvent,
    ) -> Result<PostOutcome>;
    /// Mark pending requests past their due time escalated; each once.
    async fn escalate_due(&self, now: Timestamp) -> Result<Vec<crate::authority::Approval>>;
}

/// The workspace's own records: pick-lists, create keys, preferences.
#[async_trait]
pub trait WorkspaceStore: Send + Sync {
    /// A list's items, retired ones too, by position.
    async fn pick_list(
        &self,
        list: crate::workspace::ListKind,
    ) -> Result<Vec<crate::workspace::PickItem>>;
    /// Insert or replace an item (by list and value).
    async fn save_pick_item(
        &self,
        item: &crate::workspace::PickItem,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Claim `key` for `staff`, or say what it produced (or that it is
    /// being produced).
    async fn claim_create_key(
        &self,
        staff: StaffId,
        key: &str,
        kind: &str,
        at: Timestamp,
    ) -> Result<crate::workspace::KeyClaim>;
    async fn finish_create_key(&self, staff: StaffId, key: &str, result: &str) -> Result<()>;
    async fn drop_create_key(&self, staff: StaffId, key: &str) -> Result<()>;
    /// Forget keys claimed before `before`; how many.
    async fn purge_create_keys(&self, before: Timestamp) -> Result<u64>;
    /// A line on a contact's timeline about work done beside it (a case
    /// opened, a consult asked or answered); the work's own record has its
    /// audit event.
    async fn timeline_note(&self, ev: &crate::interactions::InteractionEvent) -> Result<()>;
}

/// Background jobs (see `crate::jobs`). Times are passed in, so a test
/// can play a lease expiring without waiting.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Write jobs on their own (changes write theirs in their transaction).
    /// A keyed job whose key has an unfinished job is left out.
    async fn enqueue_jobs(&self, jobs: &[crate::jobs::NewJob]) -> Result<()>;
    /// Claim up to `limit` due jobs for `node` until `lease_until`: pending
    /// jobs whose time has come and running jobs whose lease has expired.
    /// Each claim counts an attempt.
    async fn claim_jobs(
        &self,
        node: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<crate::jobs::Job>>;
    /// Done (or, for a periodic job, pending again at `again`). False when
    /// `node` no longer holds the lease (another node took it over).
    async fn finish_job(
        &self,
        id: uuid::Uuid,
        node: &str,
        now: Timestamp,
        again: Option<Timestamp>,
    ) -> Result<bool>;
    /// A failed run: pending again at `retry_at`, or dead when `None`.
    async fn fail_job(
        &self,
        id: uuid::Uuid,
        node: &str,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<bool>;
    /// Give back jobs a stopping node holds, untouched (the attempt is not
    /// counted).
    async fn release_jobs(&self, node: &str, ids: &[uuid::Uuid]) -> Result<u64>;
    async fn job(&self, id: uuid::Uuid) -> Result<Option<crate::jobs::Job>>;
    /// The newest jobs in a state (bounded by `limit`).
    async fn jobs(
        &self,
        state: Option<crate::jobs::JobState>,
        limit: u32,
    ) -> Result<Vec<crate::jobs::Job>>;
    async fn job_counts(&self, now: Timestamp) -> Result<crate::jobs::JobCounts>;
    /// A dead or failing job runs again now, with its attempts reset.
    async fn retry_job(&self, id: uuid::Uuid, now: Timestamp, audit: &AuditEvent) -> Result<bool>;
    /// Forget finished jobs done before `before`.
    async fn purge_jobs(&self, before: Timestamp) -> Result<u64>;
}

/// Follow-ups and the provider's calendar. Writes carry their history line,
/// the jobs they cause and the audit event, in one transaction.
#[async_trait]
pub trait FollowUpStore: Send + Sync {
    async fn insert_follow_up(
        &self,
        f: &crate::followups::FollowUp,
        ev: &crate::followups::FollowUpEvent,
        jobs: &[crate::jobs::NewJob],
        audit: &AuditEvent,
    ) -> Result<()>;
    /// `Conflict` when the stored version is not `f.version - 1`.
    async fn update_follow_up(
        &self,
        f: &crate::followups::FollowUp,
        ev: &crate::followups::FollowUpEvent,
        jobs: &[crate::jobs::NewJob],
        audit: &AuditEvent,
    ) -> Result<()>;
    async fn follow_up(&self, id: FollowUpId) -> Result<Option<crate::followups::FollowUp>>;
    async fn follow_up_events(
        &self,
        id: FollowUpId,
    ) -> Result<Vec<crate::followups::FollowUpEvent>>;
    /// Overdue first, then by due day (bounded by the filter's limit).
    async fn follow_up_items(
        &self,
        filter: &crate::followups::FollowUpFilter,
    ) -> Result<Vec<crate::followups::FollowUpItem>>;
    async fn follow_up_by_call(
        &self,
        interaction: InteractionId,
    ) -> Result<Option<crate::followups::FollowUp>>;
    /// Holidays of `region` and its subregions ("US", "US-TX") in a range.
    async fn holidays(
        &self,
        region: &str,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> Result<Vec<crate::followups::Holiday>>;
    async fn put_holiday(&self, h: &crate::followups::Holiday, audit: &AuditEvent) -> Result<()>;
    async fn delete_holiday(
        &self,
        region: &str,
        on: jiff::civil::Date,
        audit: &AuditEvent,
    ) -> Result<bool>;
}

/// The facts behind a report, for `from..to` (microseconds).
#[async_trait]
pub trait ReportStore: Send + Sync {
    async fn report_facts(
        &self,
        q: &crate::reports::ReportQuery,
        from: i64,
        to: i64,
    ) -> Result<crate::reports::Facts>;
    /// The records behind one figure (at most `RECORDS_LIMIT`), newest first.
    async fn report_records(
        &self,
        figure: &str,
        q: &crate::reports::ReportQuery,
        from: i64,
        to: i64,
    ) -> Result<Vec<crate::reports::RecordRow>>;
}

/// Surveys and compliments (C14).
#[async_trait]
pub trait FeedbackStore: Send + Sync {
    /// The provider's survey key: the stored one, or `new` stored now.
    async fn survey_key(&self, new: &str) -> Result<String>;
    /// Surveys for cases resolved and contacts (with an account, outside a
    /// case) ended in `since..now` that have none, crediting the owner and
    /// the staff who took part; how many were made.
    async fn create_surveys(
        &self,
        since: Timestamp,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<u64>;
    async fn survey(&self, id: SurveyId) -> Result<Option<crate::feedback::Survey>>;
    async fn survey_for(
        &self,
        interaction: Option<InteractionId>,
        case: Option<CaseId>,
    ) -> Result<Option<crate::feedback::Survey>>;
    /// False when it was answered already.
    async fn answer_survey(
        &self,
        id: SurveyId,
        rating: i64,
        comment: Option<&str>,
        at: Timestamp,
    ) -> Result<bool>;
    /// (answered surveys crediting them, sum of ratings, the latest `limit`).
    async fn staff_ratings(
        &self,
        staff: StaffId,
        limit: u32,
    ) -> Result<(i64, i64, Vec<crate::feedback::Survey>)>;
    async fn insert_kudos(&self, k: &crate::feedback::Kudos, audit: &AuditEvent) -> Result<()>;
    async fn kudos(&self, id: KudosId) -> Result<Option<crate::feedback::Kudos>>;
    /// Newest first; one person's (confirmed only when asked).
    async fn kudos_list(
        &self,
        staff: Option<StaffId>,
        confirmed_only: bool,
        limit: u32,
    ) -> Result<Vec<crate::feedback::Kudos>>;
    async fn confirm_kudos(
        &self,
        id: KudosId,
        by: StaffId,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> Result<bool>;
}

/// Everything, as one object the services hold.
/// What placing an order led to in its transaction.
#[derive(Clone, Debug, PartialEq)]
pub enum PlaceOutcome {
    Placed,
    /// The same actor's key placed this order already.
    Existing(OrderId),
    /// A free item would pass the month's limit on the account.
    MonthLimit {
        used: i64,
    },
}

/// Offices and orders. An order is written with its lines, its charges and
/// free items (each under its guard) and its audit event in one
/// transaction; lines read their free part from the ledger.
#[async_trait]
pub trait OrderStore: Send + Sync {
    async fn offices(&self) -> Result<Vec<crate::orders::Office>>;
    async fn office(&self, id: OfficeId) -> Result<Option<crate::orders::Office>>;
    /// Insert, or update when the stored version is `o.version - 1`.
    async fn put_office(
        &self,
        o: &crate::orders::Office,
        insert: bool,
        audit: &AuditEvent,
    ) -> Result<()>;
    async fn order_by_key(&self, actor: StaffId, key: &str) -> Result<Option<OrderId>>;
    async fn place_order(
        &self,
        o: &crate::orders::Order,
        key: &str,
        entries: &[(crate::ledger::LedgerEntry, PostGuard)],
        audit: &AuditEvent,
    ) -> Result<PlaceOutcome>;
    async fn order(&self, id: OrderId) -> Result<Option<crate::orders::Order>>;
    /// Newest first.
    async fn account_orders(
        &self,
        account: AccountId,
        limit: u32,
    ) -> Result<Vec<crate::orders::Order>>;
    /// `Conflict` when the stored version is not `o.version - 1`.
    async fn update_order(
        &self,
        o: &crate::orders::Order,
        entries: &[(crate::ledger::LedgerEntry, PostGuard)],
        audit: &AuditEvent,
    ) -> Result<()>;
}

/// A subscription written with a work order: inserted (a pending install)
/// or updated where its stored version is one less.
pub struct SubscriptionWrite<'a> {
    pub sub: &'a crate::customers::model::Subscription,
    pub insert: bool,
    pub event: crate::customers::model::SubscriptionEvent,
}

/// Work orders, their completion reports and the subscriptions they change,
/// one transaction per write.
#[async_trait]
pub trait FieldStore: Send + Sync {
    /// Insert (`insert`) or update where the stored version is
    /// `w.version - 1` (else `Conflict`), with the subscriptions it
    /// changes, its report when filed, and the audit event.
    // Each argument is a part of the one transaction.
    #[allow(clippy::too_many_arguments)]
    async fn write_work_order(
        &self,
        w: &crate::fieldwork::WorkOrder,
        insert: bool,
        subs: &[SubscriptionWrite<'_>],
        report: Option<&crate::fieldwork::CompletionReport>,
        res: &crate::resources::ResourceWrites,
        jobs: &[crate::jobs::NewJob],
        audit: &AuditEvent,
    ) -> Result<()>;
    /// An install order with its lines, its work order, the pending
    /// services and the numbers it holds, in one transaction; `Some` (the
    /// first order) when this staff user's key was used meanwhile.
    async fn place_install_order(
        &self,
        order: &crate::orders::Order,
        key: &str,
        w: &crate::fieldwork::WorkOrder,
        subs: &[SubscriptionWrite<'_>],
        res: &crate::resources::ResourceWrites,
        audit: &[AuditEvent],
    ) -> Result<Option<OrderId>>;
    async fn work_order(&self, id: WorkOrderId) -> Result<Option<crate::fieldwork::WorkOrder>>;
    /// The work order that carries out an install order.
    async fn order_work_order(&self, order: OrderId)
    -> Result<Option<crate::fieldwork::WorkOrder>>;
    /// Newest first (at most `limit`).
    async fn account_work_orders(
        &self,
        account: AccountId,
        limit: u32,
    ) -> Result<Vec<crate::fieldwork::WorkOrder>>;
    /// Work orders of these technicians on this day, not cancelled (at
    /// most 5,000: 200 technicians with 25 visits each), with who goes
    /// (of these technicians) but not their services.
    async fn technicians_day(
        &self,
        technicians: &[StaffId],
        day: jiff::civil::Date,
    ) -> Result<Vec<crate::fieldwork::WorkOrder>>;
    async fn completion_report(
        &self,
        id: WorkOrderId,
    ) -> Result<Option<crate::fieldwork::CompletionReport>>;
    /// Requested work orders (not yet scheduled), oldest first.
    async fn unassigned_work_orders(&self, limit: u32) -> Result<Vec<crate::fieldwork::WorkOrder>>;
}

/// Phone numbers, equipment and port orders.
#[async_trait]
pub trait ResourceStore: Send + Sync {
    /// Numbers in the plan's ranges matching its pattern that are
    /// available, or whose reservation or aging ended by `now`; by number.
    async fn search_numbers(
        &self,
        plan: &crate::resources::rules::NumberSearch,
        now: jiff::Timestamp,
        limit: u32,
    ) -> Result<Vec<crate::resources::PhoneNumber>>;
    async fn phone_number(&self, number: &str) -> Result<Option<crate::resources::PhoneNumber>>;
    /// Numbers whose account is this one (assigned, reserved, aging,
    /// porting in), by number (at most 500).
    async fn account_numbers(
        &self,
        account: AccountId,
    ) -> Result<Vec<crate::resources::PhoneNumber>>;
    /// Numbers held by these subscriptions (assigned, or aging for them).
    async fn subscription_numbers(
        &self,
        subs: &[SubscriptionId],
    ) -> Result<Vec<crate::resources::PhoneNumber>>;
    /// Newest first.
    async fn resource_history(
        &self,
        subject: &str,
        limit: u32,
    ) -> Result<Vec<crate::resources::ResourceEvent>>;
    /// Numbers and equipment (version 1 inserts, others update where the
    /// stored version is one less, else `Conflict`), with the audit row.
    async fn write_resources(
        &self,
        w: &crate::resources::ResourceWrites,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// All or nothing; a number already held names its line.
    async fn import_numbers(
        &self,
        rows: &[crate::resources::ImportNumberRow],
        now: jiff::Timestamp,
        actor_name: &str,
    ) -> Result<u64>;
    async fn equipment_by_serial(
        &self,
        serial: &str,
    ) -> Result<Option<crate::resources::Equipment>>;
    /// Assigned to or pending return from this account.
    async fn account_equipment(
        &self,
        account: AccountId,
    ) -> Result<Vec<crate::resources::Equipment>>;
    async fn import_equipment(
        &self,
        rows: &[crate::resources::ImportEquipmentRow],
        now: jiff::Timestamp,
        actor_name: &str,
    ) -> Result<u64>;
    async fn write_porting_order(
        &self,
        p: &crate::resources::PortingOrder,
        insert: bool,
        res: &crate::resources::ResourceWrites,
        audit: &AuditEvent,
    ) -> Result<()>;
    async fn porting_order(
        &self,
        id: PortingOrderId,
    ) -> Result<Option<crate::resources::PortingOrder>>;
    /// An account's (newest first) or, without one, the open ones by their
    /// next date.
    async fn porting_orders(
        &self,
        account: Option<AccountId>,
        limit: u32,
    ) -> Result<Vec<crate::resources::PortingOrder>>;
}

/// Moves, meter readings and the integration events they tell.
#[async_trait]
pub trait MoveStore: Send + Sync {
    /// The move, its new location, the final reading (`value` in
    /// thousandths), its visits and the audit rows in one transaction.
    async fn create_move(
        &self,
        m: &crate::moves::Move,
        new_location: Option<&crate::customers::model::ServiceLocation>,
        reading_milli: Option<i64>,
        visits: &[crate::fieldwork::WorkOrder],
        audit: &[AuditEvent],
    ) -> Result<()>;
    /// Update where the stored version is `m.version - 1`, with the
    /// subscriptions it moves (their location, under their versions), the
    /// equipment, and an integration event `(kind, payload)`.
    async fn write_move(
        &self,
        m: &crate::moves::Move,
        subs: &[(
            crate::customers::model::Subscription,
            crate::customers::model::SubscriptionEvent,
        )],
        res: &crate::resources::ResourceWrites,
        event: Option<(&str, &serde_json::Value)>,
        audit: &AuditEvent,
    ) -> Result<()>;
    async fn move_by_id(&self, id: MoveId) -> Result<Option<crate::moves::Move>>;
    /// Newest first.
    async fn account_moves(
        &self,
        account: AccountId,
        limit: u32,
    ) -> Result<Vec<crate::moves::Move>>;
    /// The meter's latest reading (by date, then when recorded), in
    /// thousandths with the reading.
    async fn last_reading(
        &self,
        meter_id: &str,
    ) -> Result<Option<(i64, crate::moves::MeterReading, AccountId)>>;
    async fn integration_events(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<crate::moves::IntegrationEvent>>;
}

pub trait Store:
    FieldStore
    + MoveStore
    + ResourceStore
    + OrderStore
    + CustomerStore
    + AuditStore
    + StaffStore
    + InteractionStore
    + CaseStore
    + RoutingStore
    + ConsultStore
    + TelephonyStore
    + LedgerStore
    + WorkspaceStore
    + JobStore
    + FollowUpStore
    + ReportStore
    + FeedbackStore
{
}
impl<T> Store for T where
    T: FieldStore
        + MoveStore
        + ResourceStore
        + OrderStore
        + CustomerStore
        + AuditStore
        + StaffStore
        + InteractionStore
        + CaseStore
        + RoutingStore
        + ConsultStore
        + TelephonyStore
        + LedgerStore
        + WorkspaceStore
        + JobStore
        + FollowUpStore
        + ReportStore
        + FeedbackStore
{
}
