//! The demo's number inventory and equipment: 900 numbers in 217 (the
//! demo's Springfield), routers and set-top boxes at the main office and
//! in the field technician's van, so S3 plays with real serials.

use extramile_domain::audit::Actor;
use extramile_domain::resources::{ImportEquipmentRow, ImportNumberRow};
use extramile_web::AppState;

pub async fn ensure(st: &AppState) -> Result<(), String> {
    let err = |e: extramile_domain::DomainError| e.to_string();
    if st
        .store
        .phone_number("+12175550100")
        .await
        .map_err(err)?
        .is_some()
    {
        return Ok(());
    }
    let system = Actor::system();
    st.resources
        .import_numbers(
            &system,
            &[ImportNumberRow {
                line: 2,
                first: 12_175_550_100,
                last: 12_175_550_999,
                note: Some("demo block".into()),
            }],
        )
        .await
        .map_err(err)?;
    let office = st
        .orders
        .offices(&system)
        .await
        .map_err(err)?
        .into_iter()
        .find(|o| o.office.name == "Springfield main office")
        .map(|o| o.office.id);
    let van = st
        .staff
        .list_staff(&system)
        .await
        .map_err(err)?
        .into_iter()
        .find(|u| u.email == "field@demo.extramile.dev")
        .map(|u| u.id);
    let mut rows = Vec::new();
    for i in 1..=20u64 {
        // The first five of each in the van, the rest at the office.
        let (office_id, van_staff_id) = if i <= 5 && van.is_some() {
            (None, van)
        } else {
            (office, None)
        };
        if office_id.is_none() && van_staff_id.is_none() {
            continue;
        }
        for (prefix, model) in [("RTR", "Router AX3000"), ("STB", "Set-top box 4K")] {
            rows.push(ImportEquipmentRow {
                line: rows.len() as u64 + 2,
                serial: format!("{prefix}-{:05}", 10_000 + i),
                model: model.into(),
                office_id,
                van_staff_id,
            });
        }
    }
    if !rows.is_empty() {
        st.resources
            .import_equipment(&system, &rows)
            .await
            .map_err(err)?;
    }
    Ok(())
}
