use crate::live::Hub;
use extramile_domain::admin::{SigninPolicy, StaffService};
use extramile_domain::authority::AuthorityService;
use extramile_domain::cases::CaseService;
use extramile_domain::consults::ConsultService;
use extramile_domain::customers::CustomerService;
use extramile_domain::interactions::InteractionService;
use extramile_domain::ledger::{LedgerService, MoneySettings};
use extramile_domain::routing::RoutingService;
use extramile_domain::store::Store;
use extramile_domain::telephony::TelephonyService;
use extramile_domain::time::{Clock, system_clock};
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub customers: CustomerService,
    pub staff: StaffService,
    pub interactions: InteractionService,
    pub cases: CaseService,
    pub consults: ConsultService,
    pub routing: RoutingService,
    pub telephony: TelephonyService,
    pub ledger: LedgerService,
    pub authority: AuthorityService,
    pub follow_ups: extramile_domain::followups::FollowUpService,
    pub reports: extramile_domain::reports::ReportService,
    pub feedback: extramile_domain::feedback::FeedbackService,
    pub orders: extramile_domain::orders::OrderService,
    pub field: extramile_domain::fieldwork::FieldService,
    pub resources: extramile_domain::resources::ResourceService,
    pub moves: extramile_domain::moves::MoveService,
    /// Live updates to signed-in browsers.
    pub hub: Arc<Hub>,
    pub store: Arc<dyn Store>,
    /// Mark cookies `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// A bearer token that may read `/metrics` without a staff user.
    pub metrics_token: Option<String>,
    /// A request body must arrive whole within this.
    pub body_timeout: std::time::Duration,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The provider's time zone: the console's times unless a person
    /// chose their own.
    pub time_zone: jiff::tz::TimeZone,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, region: &str, secure_cookies: bool) -> Self {
        Self::with_clock(store, region, secure_cookies, system_clock())
    }

    /// With a given clock for time-of-day rules (tests play 04:45).
    pub fn with_clock(
        store: Arc<dyn Store>,
        region: &str,
        secure_cookies: bool,
        clock: Clock,
    ) -> Self {
        let hub = Arc::new(Hub::new());
        let customers = CustomerService::new(store.clone(), region);
        let ledger = LedgerService::new(store.clone()).with_notifier(hub.clone());
        let interactions = InteractionService::new(store.clone()).with_notifier(hub.clone());
        let follow_ups = extramile_domain::followups::FollowUpService::new(
            store.clone(),
            hub.clone(),
            clock.clone(),
            interactions.clone(),
        );
        let authority = AuthorityService::new(store.clone(), ledger.clone(), hub.clone());
        let orders = extramile_domain::orders::OrderService::new(
            store.clone(),
            ledger.clone(),
            authority.clone(),
            hub.clone(),
            clock.clone(),
            jiff::tz::TimeZone::UTC,
        );
        let field = extramile_domain::fieldwork::FieldService::new(store.clone(), clock.clone())
            .with_notifier(hub.clone());
        let orders = orders.with_field(field.clone());
        let moves = extramile_domain::moves::MoveService::new(
            store.clone(),
            field.clone(),
            customers.clone(),
            clock.clone(),
            hub.clone(),
        );
        Self {
            moves,
            resources: extramile_domain::resources::ResourceService::new(
                store.clone(),
                clock.clone(),
            ),
            field,
            orders,
            reports: extramile_domain::reports::ReportService::new(store.clone(), clock.clone()),
            feedback: extramile_domain::feedback::FeedbackService::new(
                store.clone(),
                clock.clone(),
            ),
            follow_ups,
            authority,
            ledger,
            customers: customers.clone(),
            staff: StaffService::new(store.clone(), SigninPolicy::default()),
            interactions,
            cases: CaseService::new(store.clone())
                .with_notifier(hub.clone())
                .with_clock(clock.clone()),
            consults: ConsultService::new(store.clone()).with_notifier(hub.clone()),
            routing: RoutingService::new(store.clone(), clock, hub.clone()),
            telephony: TelephonyService::new(store.clone(), customers, hub.clone()),
            hub,
            store,
            secure_cookies,
            metrics_token: None,
            body_timeout: std::time::Duration::from_secs(30),
            trusted_proxies: Vec::new(),
            time_zone: jiff::tz::TimeZone::UTC,
        }
    }

    /// The grace period of cancellations and how long numbers age.
    pub fn with_field_settings(
        mut self,
        grace_days: i64,
        aging: extramile_domain::resources::rules::AgingPolicy,
    ) -> Self {
        self.field = self
            .field
            .clone()
            .with_grace_days(grace_days)
            .with_aging(aging);
        self.orders = self.orders.clone().with_field(self.field.clone());
        self.moves = self.moves.clone().with_field(self.field.clone());
        self
    }

    /// The provider's zone and calendar region: "today" for follow-ups of
    /// staff without their own zone, and which holidays apply.
    pub fn with_calendar(mut self, zone: jiff::tz::TimeZone, region: &str) -> Self {
        self.follow_ups = self.follow_ups.clone().with_calendar(zone.clone(), region);
        self.reports = self.reports.clone().with_zone(zone.clone());
        self.time_zone = zone;
        self.rebuild_orders()
    }

    /// Orders use the money services and the provider's zone as they are now.
    fn rebuild_orders(mut self) -> Self {
        self.orders = extramile_domain::orders::OrderService::new(
            self.store.clone(),
            self.ledger.clone(),
            self.authority.clone(),
            self.hub.clone(),
            self.follow_ups.clock(),
            self.time_zone.clone(),
        );
        self
    }

    /// The provider's currency, overpayment threshold and approval escalation.
    pub fn with_money(mut self, m: &MoneySettings) -> Self {
        self.ledger = self.ledger.with_settings(m);
        self.authority =
            AuthorityService::new(self.store.clone(), self.ledger.clone(), self.hub.clone());
        self.authority.escalate_after = m.escalate_after;
        self.rebuild_orders()
    }
}
