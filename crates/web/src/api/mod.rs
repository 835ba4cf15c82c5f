//! The JSON API under `/api/v1`, described by `/api/openapi.json`.

mod admin;
mod audit;
mod cases;
mod consults;
mod customers;
mod doc;
pub mod feedback;
mod fieldwork;
pub mod followups;
mod interactions;
pub mod ledger;
mod moves;
mod orders;
mod picklists;
mod records;
pub mod reports;
mod resources;
mod routing;
mod telephony;
pub mod work;

use crate::error::Problem;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, patch, post};
use doc::Complete;
use extramile_domain::customers::{inputs, lookup, model};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Extramile API", version = "1", description = "Customer operations for regional service providers. Authenticate with `Authorization: Bearer <token>` (see `extramile token create`). Errors are RFC 9457 problem+json with the `field` at fault."),
    paths(
        customers::lookup, customers::create_person, customers::get_person, customers::update_person,
        customers::create_account, customers::get_account, customers::update_account,
        customers::add_role, customers::end_role,
        records::add_contact_point, records::update_contact_point,
        records::add_location, records::update_location,
        records::list_products, records::create_product,
        records::add_subscription, records::change_subscription, records::add_note,
        audit::list_audit, admin::me, admin::list_staff, admin::create_staff,
        admin::list_tokens, admin::revoke_token, admin::deactivate, admin::activate,
        interactions::create, interactions::get, interactions::change_state, interactions::add_participant,
        interactions::transfer,
        interactions::accept_transfer,
        interactions::leave, interactions::verify, interactions::wrap_up,
        cases::open, cases::get, cases::status, cases::resolve, cases::handover, cases::escalate, cases::link,
        consults::request, consults::inbox, consults::get, consults::pick_up, consults::join, consults::answer,
        consults::cancel, consults::update,
        telephony::event,
        crate::live::stream,
        routing::list, routing::create, routing::skills, routing::availability, routing::enqueue, routing::position,
        work::me_work, work::wall, work::case_consults, work::interaction_cases, work::account_cases, work::account_interactions,
        ledger::view, ledger::billing, ledger::check, ledger::act, ledger::hold, ledger::uphold, ledger::remaining,
        ledger::policies, ledger::put_policy, ledger::request, ledger::inbox, ledger::get, ledger::decide,
        picklists::get, picklists::put,
        followups::create, followups::list, followups::get, followups::reschedule, followups::reassign,
        followups::cancel, followups::miss, followups::complete, followups::call,
        followups::holidays, followups::put_holiday, followups::delete_holiday, followups::jobs, followups::retry,
        reports::report, reports::records,
        feedback::survey, feedback::list, feedback::create, feedback::confirm, feedback::staff,
        fieldwork::create, fieldwork::list, fieldwork::get, fieldwork::schedule, fieldwork::step, fieldwork::report, fieldwork::restore, fieldwork::cancel_account,
        resources::search, resources::number, resources::number_step, resources::holdings, resources::equipment, resources::equipment_step,
        resources::porting_list, resources::porting_create, resources::porting_get, resources::porting_step,
        moves::create, moves::list, moves::get, moves::step, moves::events,
        orders::offices, orders::add_office, orders::put_office, orders::list, orders::place, orders::get, orders::step,
    ),
    components(schemas(
        extramile_domain::fieldwork::WorkOrder, extramile_domain::fieldwork::WorkOrderKind, extramile_domain::fieldwork::WorkOrderState,
        extramile_domain::fieldwork::NotDoneReason, extramile_domain::fieldwork::CompletionReport, extramile_domain::fieldwork::ReportLine,
        extramile_domain::fieldwork::Measurement, extramile_domain::fieldwork::CompletionInput, extramile_domain::fieldwork::ReportLineInput,
        extramile_domain::fieldwork::NewWorkOrder, extramile_domain::fieldwork::ScheduleInput, extramile_domain::fieldwork::WorkOrderStep,
        extramile_domain::fieldwork::WorkOrderView, extramile_domain::fieldwork::ServiceLine, fieldwork::RestoreInput, extramile_domain::fieldwork::AccountCancel,
        extramile_domain::resources::PhoneNumber, extramile_domain::resources::NumberState, extramile_domain::resources::NumberView,
        extramile_domain::resources::ResourceEvent, extramile_domain::resources::NumberStep, extramile_domain::resources::Holdings,
        extramile_domain::resources::Equipment, extramile_domain::resources::EquipmentState, extramile_domain::resources::Condition,
        extramile_domain::resources::EquipmentView, extramile_domain::resources::EquipmentStep, extramile_domain::resources::PortingOrder,
        extramile_domain::resources::PortState, extramile_domain::resources::NewPortingOrder, extramile_domain::resources::PortStep,
        extramile_domain::moves::Move, extramile_domain::moves::MoveView, extramile_domain::moves::MoveState, extramile_domain::moves::MeterReading,
        extramile_domain::moves::NewMove, extramile_domain::moves::ReadingInput, extramile_domain::moves::MoveStep, extramile_domain::moves::IntegrationEvent,
        extramile_domain::orders::Office, extramile_domain::orders::OfficeInput, extramile_domain::orders::OfficeView,
        extramile_domain::orders::Order, extramile_domain::orders::OrderLine, extramile_domain::orders::OrderView,
        extramile_domain::orders::OrderState, extramile_domain::orders::Fulfilment, extramile_domain::orders::NewOrder,
        extramile_domain::orders::NewOrderLine, extramile_domain::orders::OrderStep,
        Problem, extramile_domain::followups::FollowUp, extramile_domain::followups::FollowUpItem,
        extramile_domain::followups::FollowUpEvent, extramile_domain::followups::FollowUpState,
        extramile_domain::followups::FollowUpOutcome, extramile_domain::followups::NewFollowUp,
        extramile_domain::followups::RescheduleInput, extramile_domain::followups::ReassignInput,
        extramile_domain::followups::CancelInput, extramile_domain::followups::CompleteInput,
        extramile_domain::followups::Holiday, extramile_domain::followups::HolidayInput, followups::FollowUpDetail,
        followups::JobsView, extramile_domain::feedback::Survey, extramile_domain::feedback::SurveyView,
        extramile_domain::feedback::Kudos, extramile_domain::feedback::NewKudos, extramile_domain::feedback::KudosKind,
        extramile_domain::feedback::KudosSource, extramile_domain::feedback::StaffFeedback, extramile_domain::reports::Report, extramile_domain::reports::Figure,
        extramile_domain::reports::ExtraMileRow, extramile_domain::reports::MoneyRow, extramile_domain::reports::Chart, extramile_domain::reports::Bar, extramile_domain::reports::ReportFilter, extramile_domain::reports::RecordRow, extramile_domain::jobs::Job, extramile_domain::jobs::JobState, extramile_domain::jobs::JobCounts,
        extramile_domain::workspace::PickItem, extramile_domain::workspace::ListKind,
        extramile_domain::workspace::picklists::PickItemInput, model::Person, model::Account, model::AccountRole, model::Consent, model::ContactPoint,
        model::ServiceLocation, model::Product, model::Subscription, model::SubscriptionEvent, model::Note,
        model::Party, model::SubscriptionView, model::Customer360, lookup::LookupHit,
        inputs::NewPerson, inputs::NewContactPoint, inputs::PersonUpdate, inputs::NewAccount, inputs::AccountUpdate,
        inputs::NewRole, inputs::ConsentInput, inputs::EndRole, inputs::ContactPointUpdate, inputs::NewLocation,
        inputs::LocationUpdate, inputs::NewProduct, inputs::NewSubscription, inputs::SubscriptionChange, inputs::NewNote,
        extramile_domain::audit::AuditEvent, extramile_domain::admin::StaffUser, extramile_domain::admin::NewStaff,
        extramile_domain::admin::TokenInfo, admin::ActiveInput, ledger::BeyondAuthority,
        customers::PersonDetail,
        extramile_domain::interactions::Interaction, extramile_domain::interactions::InteractionView,
        extramile_domain::interactions::Participant, extramile_domain::interactions::InteractionEvent,
        extramile_domain::interactions::Verification, extramile_domain::interactions::NewInteraction,
        extramile_domain::interactions::NewParticipant, extramile_domain::interactions::VerifyInput,
        extramile_domain::interactions::TransferInput,
        extramile_domain::interactions::AcceptTransfer,
        extramile_domain::interactions::StateChange, extramile_domain::interactions::WrapUpInput,
        extramile_domain::cases::Case, extramile_domain::cases::CaseView, extramile_domain::cases::SlaView, extramile_domain::cases::fcr::FirstContactResolution,
        extramile_domain::cases::NewCase, extramile_domain::cases::CaseStatusChange, extramile_domain::cases::ResolveInput,
        extramile_domain::cases::HandoverInput, extramile_domain::cases::EscalateInput, cases::LinkInput,
        extramile_domain::routing::Queue, extramile_domain::routing::QueueSummary, extramile_domain::routing::QueuePosition,
        extramile_domain::routing::NewQueue, extramile_domain::routing::SkillsInput, extramile_domain::routing::AvailabilityInput,
        extramile_domain::routing::EnqueueInput, extramile_domain::routing::Availability, routing::AvailabilityState, extramile_domain::telephony::CallEvent, extramile_domain::telephony::CallEventResult, extramile_domain::telephony::ScreenPop,
        extramile_domain::consults::Consult, extramile_domain::consults::ConsultView, extramile_domain::consults::ConsultStatus,
        extramile_domain::consults::NewConsult, extramile_domain::consults::ConsultStep, extramile_domain::consults::ConsultAnswer,
        extramile_domain::consults::StatusUpdate,
        work::MyWork, extramile_domain::interactions::InteractionSummary, extramile_domain::cases::CaseSummary,
        extramile_domain::routing::QueueWall, extramile_domain::routing::AgentPresence,
        extramile_domain::ledger::LedgerEntry, extramile_domain::ledger::EntryKind, extramile_domain::ledger::EntryView,
        extramile_domain::ledger::DisputeState, extramile_domain::ledger::BillLine, extramile_domain::ledger::NextBill,
        extramile_domain::ledger::LedgerView, extramile_domain::ledger::BillingEntryInput, extramile_domain::ledger::MoneyAction,
        extramile_domain::ledger::DisputeInput, extramile_domain::authority::Policy, extramile_domain::authority::PolicyInput,
        extramile_domain::authority::MoneyActionKind, extramile_domain::authority::Remaining, extramile_domain::authority::Decision,
        extramile_domain::authority::Alternative, extramile_domain::authority::Outcome, extramile_domain::authority::Approval,
        extramile_domain::authority::ApprovalStatus, extramile_domain::authority::ApprovalDecision,
    )),
    modifiers(&BearerAuth, &Complete),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;
impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi(_user: crate::auth::CurrentUser) -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/lookup", get(customers::lookup))
        .route(
            "/api/v1/follow-ups",
            get(followups::list).post(followups::create),
        )
        .route("/api/v1/follow-ups/{id}", get(followups::get))
        .route(
            "/api/v1/follow-ups/{id}/reschedule",
            post(followups::reschedule),
        )
        .route(
            "/api/v1/follow-ups/{id}/reassign",
            post(followups::reassign),
        )
        .route("/api/v1/follow-ups/{id}/cancel", post(followups::cancel))
        .route("/api/v1/follow-ups/{id}/miss", post(followups::miss))
        .route(
            "/api/v1/follow-ups/{id}/complete",
            post(followups::complete),
        )
        .route("/api/v1/follow-ups/{id}/call", post(followups::call))
        .route(
            "/api/v1/holidays",
            get(followups::holidays).put(followups::put_holiday),
        )
        .route(
            "/api/v1/holidays/{region}/{on}",
            axum::routing::delete(followups::delete_holiday),
        )
        .route("/api/v1/surveys", get(feedback::survey))
        .route("/api/v1/kudos", get(feedback::list).post(feedback::create))
        .route("/api/v1/kudos/{id}/confirm", post(feedback::confirm))
        .route("/api/v1/staff/{id}/feedback", get(feedback::staff))
        .route(
            "/api/v1/accounts/{id}/work-orders",
            get(fieldwork::list).post(fieldwork::create),
        )
        .route("/api/v1/work-orders/{id}", get(fieldwork::get))
        .route(
            "/api/v1/work-orders/{id}/schedule",
            post(fieldwork::schedule),
        )
        .route("/api/v1/work-orders/{id}/steps", post(fieldwork::step))
        .route("/api/v1/work-orders/{id}/report", post(fieldwork::report))
        .route("/api/v1/work-orders/{id}/restore", post(fieldwork::restore))
        .route(
            "/api/v1/accounts/{id}/cancel",
            post(fieldwork::cancel_account),
        )
        .route(
            "/api/v1/accounts/{id}/moves",
            get(moves::list).post(moves::create),
        )
        .route("/api/v1/moves/{id}", get(moves::get))
        .route("/api/v1/moves/{id}/steps", post(moves::step))
        .route("/api/v1/integration-events", get(moves::events))
        .route("/api/v1/numbers", get(resources::search))
        .route("/api/v1/numbers/{number}", get(resources::number))
        .route(
            "/api/v1/numbers/{number}/steps",
            post(resources::number_step),
        )
        .route("/api/v1/accounts/{id}/holdings", get(resources::holdings))
        .route("/api/v1/equipment/{serial}", get(resources::equipment))
        .route(
            "/api/v1/equipment/{serial}/steps",
            post(resources::equipment_step),
        )
        .route(
            "/api/v1/porting-orders",
            get(resources::porting_list).post(resources::porting_create),
        )
        .route("/api/v1/porting-orders/{id}", get(resources::porting_get))
        .route(
            "/api/v1/porting-orders/{id}/steps",
            post(resources::porting_step),
        )
        .route(
            "/api/v1/offices",
            get(orders::offices).post(orders::add_office),
        )
        .route(
            "/api/v1/offices/{id}",
            axum::routing::put(orders::put_office),
        )
        .route(
            "/api/v1/accounts/{id}/orders",
            get(orders::list).post(orders::place),
        )
        .route("/api/v1/orders/{id}", get(orders::get))
        .route("/api/v1/orders/{id}/steps", post(orders::step))
        .route("/api/v1/reports", get(reports::report))
        .route("/api/v1/reports/records", get(reports::records))
        .route("/api/v1/jobs", get(followups::jobs))
        .route("/api/v1/jobs/{id}/retry", post(followups::retry))
        .route("/api/v1/people", post(customers::create_person))
        .route(
            "/api/v1/people/{id}",
            get(customers::get_person).patch(customers::update_person),
        )
        .route(
            "/api/v1/people/{id}/contact-points",
            post(records::add_contact_point),
        )
        .route(
            "/api/v1/contact-points/{id}",
            patch(records::update_contact_point),
        )
        .route("/api/v1/accounts", post(customers::create_account))
        .route(
            "/api/v1/accounts/{id}",
            get(customers::get_account).patch(customers::update_account),
        )
        .route("/api/v1/accounts/{id}/roles", post(customers::add_role))
        .route("/api/v1/roles/{id}/end", post(customers::end_role))
        .route(
            "/api/v1/accounts/{id}/locations",
            post(records::add_location),
        )
        .route("/api/v1/locations/{id}", patch(records::update_location))
        .route(
            "/api/v1/products",
            get(records::list_products).post(records::create_product),
        )
        .route(
            "/api/v1/accounts/{id}/subscriptions",
            post(records::add_subscription),
        )
        .route(
            "/api/v1/subscriptions/{id}",
            patch(records::change_subscription),
        )
        .route("/api/v1/accounts/{id}/notes", post(records::add_note))
        .route("/api/v1/audit", get(audit::list_audit))
        .route("/api/v1/me", get(admin::me))
        .route(
            "/api/v1/staff",
            get(admin::list_staff).post(admin::create_staff),
        )
        .route("/api/v1/tokens", get(admin::list_tokens))
        .route("/api/v1/tokens/{id}/revoke", post(admin::revoke_token))
        .route("/api/v1/staff/{id}/deactivate", post(admin::deactivate))
        .route("/api/v1/staff/{id}/activate", post(admin::activate))
        .route("/api/v1/telephony/events", post(telephony::event))
        .route("/api/v1/stream", get(crate::live::stream))
        .route("/api/v1/queues", get(routing::list).post(routing::create))
        .route(
            "/api/v1/staff/{id}/skills",
            axum::routing::put(routing::skills),
        )
        .route("/api/v1/me/availability", post(routing::availability))
        .route("/api/v1/me/work", get(work::me_work))
        .route("/api/v1/accounts/{id}/ledger", get(ledger::view))
        .route(
            "/api/v1/accounts/{id}/ledger/billing",
            post(ledger::billing),
        )
        .route("/api/v1/accounts/{id}/ledger/check", post(ledger::check))
        .route("/api/v1/accounts/{id}/ledger/actions", post(ledger::act))
        .route("/api/v1/accounts/{id}/ledger/disputes", post(ledger::hold))
        .route(
            "/api/v1/accounts/{id}/ledger/disputes/uphold",
            post(ledger::uphold),
        )
        .route("/api/v1/accounts/{id}/authority", get(ledger::remaining))
        .route(
            "/api/v1/policies",
            get(ledger::policies).put(ledger::put_policy),
        )
        .route(
            "/api/v1/pick-lists/{list}",
            get(picklists::get).put(picklists::put),
        )
        .route("/api/v1/accounts/{id}/approvals", post(ledger::request))
        .route("/api/v1/approvals", get(ledger::inbox))
        .route("/api/v1/approvals/{id}", get(ledger::get))
        .route("/api/v1/approvals/{id}/decision", post(ledger::decide))
        .route("/api/v1/queues/wall", get(work::wall))
        .route("/api/v1/cases/{id}/consults", get(work::case_consults))
        .route(
            "/api/v1/interactions/{id}/cases",
            get(work::interaction_cases),
        )
        .route("/api/v1/accounts/{id}/cases", get(work::account_cases))
        .route(
            "/api/v1/accounts/{id}/interactions",
            get(work::account_interactions),
        )
        .route("/api/v1/interactions/{id}/enqueue", post(routing::enqueue))
        .route(
            "/api/v1/interactions/{id}/queue-position",
            get(routing::position),
        )
        .route(
            "/api/v1/consults",
            get(consults::inbox).post(consults::request),
        )
        .route("/api/v1/consults/{id}", get(consults::get))
        .route("/api/v1/consults/{id}/pick-up", post(consults::pick_up))
        .route("/api/v1/consults/{id}/join", post(consults::join))
        .route("/api/v1/consults/{id}/answer", post(consults::answer))
        .route("/api/v1/consults/{id}/cancel", post(consults::cancel))
        .route("/api/v1/consults/{id}/updates", post(consults::update))
        .route("/api/v1/cases", post(cases::open))
        .route("/api/v1/cases/{id}", get(cases::get))
        .route("/api/v1/cases/{id}/status", post(cases::status))
        .route("/api/v1/cases/{id}/resolve", post(cases::resolve))
        .route("/api/v1/cases/{id}/handover", post(cases::handover))
        .route("/api/v1/cases/{id}/escalate", post(cases::escalate))
        .route("/api/v1/cases/{id}/interactions", post(cases::link))
        .route(
            "/api/v1/interactions/{id}/transfer",
            post(interactions::transfer),
        )
        .route(
            "/api/v1/interactions/{id}/accept-transfer",
            post(interactions::accept_transfer),
        )
        .route("/api/v1/interactions", post(interactions::create))
        .route("/api/v1/interactions/{id}", get(interactions::get))
        .route(
            "/api/v1/interactions/{id}/state",
            post(interactions::change_state),
        )
        .route(
            "/api/v1/interactions/{id}/participants",
            post(interactions::add_participant),
        )
        .route(
            "/api/v1/interactions/{id}/participants/{participant}/leave",
            post(interactions::leave),
        )
        .route(
            "/api/v1/interactions/{id}/verifications",
            post(interactions::verify),
        )
        .route(
            "/api/v1/interactions/{id}/wrap-up",
            post(interactions::wrap_up),
        )
}
