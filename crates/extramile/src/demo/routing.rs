//! The demo provider's queues, skills and a little work in progress, so
//! the console's work pages show something on first sign-in.

use super::STAFF;
use extramile_domain::audit::Actor;
use extramile_domain::cases::NewCase;
use extramile_domain::customers::lookup::MatchKind;
use extramile_domain::routing::{NewQueue, SkillsInput};
use extramile_web::AppState;

/// Queues: (name, department, skill, hours). Times are America/Chicago.
const QUEUES: &[(&str, &str, &str, &str)] = &[
    ("Customer care 24/7", "Customer care", "general", "24/7"),
    ("Billing", "Billing", "billing", "mon-fri 08:00-18:00"),
    (
        "Technical support",
        "Technical support",
        "technical",
        "mon-sat 07:00-22:00",
    ),
    (
        "Number porting",
        "Number porting",
        "number_porting",
        "mon-fri 09:00-17:00",
    ),
    ("Retention", "Retention", "retention", "mon-fri 09:00-19:00"),
];

fn skill_of(team: &str) -> Option<&'static str> {
    QUEUES.iter().find(|q| q.1 == team).map(|q| q.2)
}

/// Once: queues, skills per department, and an open case for the demo agent.
pub async fn ensure(st: &AppState) -> Result<(), String> {
    let admin = Actor::system();
    let err = |e: extramile_domain::DomainError| e.to_string();
    if !st.store.queues().await.map_err(err)?.is_empty() {
        return Ok(());
    }
    let teams = st.staff.teams().await.map_err(err)?;
    for (name, team, skill, hours) in QUEUES {
        st.routing
            .create_queue(
                &admin,
                NewQueue {
                    name: (*name).into(),
                    team_id: teams.iter().find(|t| t.name == *team).map(|t| t.id),
                    skill: (*skill).into(),
                    time_zone: "America/Chicago".into(),
                    hours: (*hours).into(),
                    after_call_secs: Some(30),
                },
            )
            .await
            .map_err(err)?;
    }
    for s in STAFF {
        let Some(u) = st.store.staff_by_email(s.email).await.map_err(err)? else {
            continue;
        };
        let mut skills = Vec::new();
        if matches!(s.role, "agent" | "supervisor") {
            skills.push("general".to_string());
        }
        if let Some(k) = skill_of(s.team).filter(|k| *k != "general") {
            skills.push(k.into());
        }
        if !skills.is_empty() {
            st.routing
                .set_skills(&admin, u.id, SkillsInput { skills })
                .await
                .map_err(err)?;
        }
    }
    // Ben's follow-up (story S2) is already Maya's case.
    let maya = st
        .store
        .staff_by_email(STAFF[0].email)
        .await
        .map_err(err)?
        .ok_or("the demo agent is missing")?;
    let ben = st
        .store
        .find_by_identifier(MatchKind::AccountNumber, "EM00000002", 1)
        .await
        .map_err(err)?;
    if let Some(account_id) = ben.first().and_then(|h| h.account_id) {
        st.cases
            .open(
                &extramile_domain::admin::StaffService::actor(&maya),
                NewCase {
                    account_id,
                    title: "Internet drops out at random since the speed upgrade".into(),
                    category: "technical".into(),
                    priority: Some("high".into()),
                    description: Some(
                        "Power source suspected; hard reboot advised. Call back in five days."
                            .into(),
                    ),
                    interaction_id: None,
                },
            )
            .await
            .map_err(err)?;
    }
    Ok(())
}
