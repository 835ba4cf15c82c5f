//! The demo provider's calendar, Ben Okafor's promised call (story S2) due
//! today for Maya, and a month of ten agents' contacts so the reports page
//! has something to count.

use super::STAFF;
use extramile_domain::audit::Actor;
use extramile_domain::customers::lookup::MatchKind;
use extramile_domain::followups::{HolidayInput, NewFollowUp};
use extramile_store::SqlStore;
use extramile_web::AppState;

/// US federal holidays and the provider's day after Thanksgiving.
const HOLIDAYS: &[(&str, &str)] = &[
    ("2026-11-26", "Thanksgiving Day"),
    ("2026-11-27", "Day after Thanksgiving"),
    ("2026-12-25", "Christmas Day"),
    ("2027-01-01", "New Year's Day"),
    ("2027-01-18", "Martin Luther King Jr. Day"),
    ("2027-02-15", "Presidents' Day"),
    ("2027-05-31", "Memorial Day"),
    ("2027-06-18", "Juneteenth (observed)"),
    ("2027-07-05", "Independence Day (observed)"),
    ("2027-09-06", "Labor Day"),
    ("2027-10-11", "Columbus Day"),
    ("2027-11-11", "Veterans Day"),
    ("2027-11-25", "Thanksgiving Day"),
    ("2027-11-26", "Day after Thanksgiving"),
    ("2027-12-24", "Christmas Day (observed)"),
];

/// Once (kept in `meta`): the calendar, Ben's follow-up, a month of history.
pub async fn ensure(st: &AppState, store: &SqlStore, region: &str) -> Result<(), String> {
    let err = |e: extramile_domain::DomainError| e.to_string();
    if store.meta("demo_follow_ups").await.map_err(err)?.is_some() {
        return Ok(());
    }
    let admin = Actor::system();
    for (on, name) in HOLIDAYS {
        st.follow_ups
            .put_holiday(
                &admin,
                HolidayInput {
                    region: region.into(),
                    on: (*on).into(),
                    name: (*name).into(),
                },
            )
            .await
            .map_err(err)?;
    }
    // Where customers collect small orders (S2's replacement cord).
    for (name, address, hours) in [
        (
            "Springfield main office",
            "100 Main St, Springfield",
            "mon-fri 08:30-17:30; sat 09:00-13:00",
        ),
        (
            "Shelbyville branch",
            "12 Oak Ave, Shelbyville",
            "tue-sat 10:00-16:00",
        ),
    ] {
        st.orders
            .put_office(
                &admin,
                None,
                extramile_domain::orders::OfficeInput {
                    name: name.into(),
                    address: address.into(),
                    hours: hours.into(),
                    ..Default::default()
                },
            )
            .await
            .map_err(err)?;
    }
    let maya = st
        .store
        .staff_by_email(STAFF[0].email)
        .await
        .map_err(err)?
        .ok_or("the demo agent is missing")?;
    let maya_actor = extramile_domain::admin::StaffService::actor(&maya);
    let ben = st
        .store
        .find_by_identifier(MatchKind::AccountNumber, "EM00000002", 1)
        .await
        .map_err(err)?;
    if let Some((account, person)) = ben
        .first()
        .and_then(|h| Some((h.account_id?, h.person_id?)))
    {
        let case = st
            .store
            .account_cases(account, 10)
            .await
            .map_err(err)?
            .into_iter()
            .find(|c| c.title.starts_with("Internet drops"))
            .map(|c| c.id);
        let today = st.follow_ups.today_for(maya.id).await.map_err(err)?;
        st.follow_ups
            .schedule(
                &maya_actor,
                NewFollowUp {
                    account_id: account,
                    person_id: person,
                    contact_point_id: None,
                    owner_id: None,
                    case_id: case,
                    interaction_id: None,
                    purpose: "Has the line stayed up since the hard reboot?".into(),
                    due_on: today.to_string(),
                    window_start: None,
                    window_end: None,
                },
            )
            .await
            .map_err(err)?;
    }
    // A month of contacts by the front-line agents through the queues.
    let mut staff = Vec::new();
    for s in STAFF
        .iter()
        .filter(|s| matches!(s.role, "agent" | "specialist"))
    {
        if let Some(u) = st.store.staff_by_email(s.email).await.map_err(err)? {
            staff.push(u.id.0);
        }
    }
    let queues: Vec<uuid::Uuid> = st
        .store
        .queues()
        .await
        .map_err(err)?
        .into_iter()
        .map(|q| q.id.0)
        .collect();
    if let (false, false, Some(person)) = (
        staff.is_empty(),
        queues.is_empty(),
        ben.first().and_then(|h| h.person_id),
    ) {
        store
            .fill_history(&extramile_store::bulk::History {
                interactions: 3000,
                days: 30,
                until: jiff::Timestamp::now().as_microsecond(),
                staff: &staff,
                queues: &queues,
                person: person.0,
                label: "Household (history)",
                prefix: "HIST",
            })
            .await
            .map_err(err)?;
    }
    store.set_meta("demo_follow_ups", "1").await.map_err(err)
}
