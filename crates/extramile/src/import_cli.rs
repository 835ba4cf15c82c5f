//! `extramile import numbers|equipment FILE`: CSV files into the
//! inventory, all or nothing; an error names the line and the column.

use extramile_domain::audit::Actor;
use extramile_domain::resources::rules::nanp;
use extramile_domain::resources::{
    ImportEquipmentRow, ImportNumberRow, normal_serial, number_value,
};
use extramile_web::AppState;

#[derive(clap::Subcommand)]
pub enum ImportCommand {
    /// Number ranges: columns `first` and optionally `last` (the range's
    /// last number) and `note`. Example row: +15125550000,+15125550999
    Numbers { file: std::path::PathBuf },
    /// Equipment in stock: columns `serial`, `model`, and `office` (an
    /// office's name) or `van` (a technician's e-mail).
    Equipment { file: std::path::PathBuf },
}

/// Columns by name from the header (case-insensitive), the required ones
/// checked.
fn columns(
    headers: &csv::StringRecord,
    wanted: &[&str],
    required: &[&str],
) -> Result<Vec<Option<usize>>, String> {
    let found: Vec<Option<usize>> = wanted
        .iter()
        .map(|w| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(w))
        })
        .collect();
    for (w, f) in wanted.iter().zip(&found) {
        if f.is_none() && required.contains(w) {
            return Err(format!(
                "line 1: the header has no column \"{w}\" (it has: {})",
                headers.iter().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    Ok(found)
}

fn cell(rec: &csv::StringRecord, col: Option<usize>) -> &str {
    col.and_then(|c| rec.get(c)).unwrap_or("").trim()
}

fn reader(file: &std::path::Path) -> Result<csv::Reader<std::fs::File>, String> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(file)
        .map_err(|e| format!("{}: {e}", file.display()))
}

pub async fn run(st: &AppState, command: ImportCommand) -> Result<(), String> {
    let actor = Actor::system();
    let field_error = |e: extramile_domain::DomainError| match e {
        extramile_domain::DomainError::Invalid { field, message } => format!("{field}: {message}"),
        e => e.to_string(),
    };
    match command {
        ImportCommand::Numbers { file } => {
            let mut rdr = reader(&file)?;
            let headers = rdr.headers().map_err(|e| format!("line 1: {e}"))?.clone();
            let cols = columns(&headers, &["first", "last", "note"], &["first"])?;
            let mut rows = Vec::new();
            for (i, rec) in rdr.records().enumerate() {
                let line = i as u64 + 2;
                let rec = rec.map_err(|e| format!("line {line}: {e}"))?;
                if rec.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                let first = nanp(&format!("line {line}, column first"), cell(&rec, cols[0]))
                    .map_err(field_error)?;
                let last_raw = cell(&rec, cols[1]);
                let last = if last_raw.is_empty() {
                    first.clone()
                } else {
                    nanp(&format!("line {line}, column last"), last_raw).map_err(field_error)?
                };
                let note = cell(&rec, cols[2]);
                extramile_domain::customers::values::check_chars(
                    &format!("line {line}, column note"),
                    note,
                )
                .map_err(field_error)?;
                rows.push(ImportNumberRow {
                    line,
                    first: number_value(&first),
                    last: number_value(&last),
                    note: (!note.is_empty()).then(|| note.chars().take(200).collect()),
                });
            }
            if rows.is_empty() {
                return Err(format!("{}: no numbers in the file", file.display()));
            }
            let n = st
                .resources
                .import_numbers(&actor, &rows)
                .await
                .map_err(field_error)?;
            println!("imported {n} numbers from {} range(s)", rows.len());
        }
        ImportCommand::Equipment { file } => {
            let mut rdr = reader(&file)?;
            let headers = rdr.headers().map_err(|e| format!("line 1: {e}"))?.clone();
            let cols = columns(
                &headers,
                &["serial", "model", "office", "van"],
                &["serial", "model"],
            )?;
            if cols[2].is_none() && cols[3].is_none() {
                return Err("line 1: the header needs a column \"office\" or \"van\"".into());
            }
            let offices: Vec<_> = st
                .orders
                .offices(&actor)
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .map(|v| v.office)
                .collect();
            let staff = st
                .staff
                .list_staff(&actor)
                .await
                .map_err(|e| e.to_string())?;
            let mut rows = Vec::new();
            for (i, rec) in rdr.records().enumerate() {
                let line = i as u64 + 2;
                let rec = rec.map_err(|e| format!("line {line}: {e}"))?;
                if rec.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                let serial = normal_serial(cell(&rec, cols[0]));
                extramile_domain::resources::check_serial(
                    &format!("line {line}, column serial"),
                    &serial,
                )
                .map_err(field_error)?;
                let model = cell(&rec, cols[1]);
                if model.is_empty() || model.len() > 100 {
                    return Err(format!("line {line}, column model: 1 to 100 characters"));
                }
                for (col, v) in [("serial", serial.as_str()), ("model", model)] {
                    extramile_domain::customers::values::check_chars(
                        &format!("line {line}, column {col}"),
                        v,
                    )
                    .map_err(field_error)?;
                }
                let (office, van) = (cell(&rec, cols[2]), cell(&rec, cols[3]));
                let (office_id, van_staff_id) = match (office.is_empty(), van.is_empty()) {
                    (false, true) => (
                        Some(
                            offices
                                .iter()
                                .find(|o| o.name.eq_ignore_ascii_case(office))
                                .map(|o| o.id)
                                .ok_or_else(|| {
                                    format!("line {line}, column office: no office named \"{office}\"")
                                })?,
                        ),
                        None,
                    ),
                    (true, false) => (
                        None,
                        Some(
                            staff
                                .iter()
                                .find(|u| {
                                    u.email.eq_ignore_ascii_case(van)
                                        && u.role == extramile_domain::admin::StaffRole::Technician
                                })
                                .map(|u| u.id)
                                .ok_or_else(|| {
                                    format!("line {line}, column van: no technician with the e-mail \"{van}\"")
                                })?,
                        ),
                    ),
                    _ => {
                        return Err(format!(
                            "line {line}, column office: give an office or a van (one of them)"
                        ));
                    }
                };
                rows.push(ImportEquipmentRow {
                    line,
                    serial,
                    model: model.to_string(),
                    office_id,
                    van_staff_id,
                });
            }
            if rows.is_empty() {
                return Err(format!("{}: no equipment in the file", file.display()));
            }
            let n = st
                .resources
                .import_equipment(&actor, &rows)
                .await
                .map_err(field_error)?;
            println!("imported {n} pieces of equipment");
        }
    }
    Ok(())
}
