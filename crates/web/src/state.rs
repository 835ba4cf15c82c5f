use extramile_domain::admin::{SigninPolicy, StaffService};
use extramile_domain::cases::CaseService;
use extramile_domain::customers::CustomerService;
use extramile_domain::interactions::InteractionService;
use extramile_domain::store::Store;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub customers: CustomerService,
    pub staff: StaffService,
    pub interactions: InteractionService,
    pub cases: CaseService,
    pub store: Arc<dyn Store>,
    /// Mark cookies `Secure` (behind TLS).
    pub secure_cookies: bool,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, region: &str, secure_cookies: bool) -> Self {
        Self {
            customers: CustomerService::new(store.clone(), region),
            staff: StaffService::new(store.clone(), SigninPolicy::default()),
            interactions: InteractionService::new(store.clone()),
            cases: CaseService::new(store.clone()),
            store,
            secure_cookies,
        }
    }
}
