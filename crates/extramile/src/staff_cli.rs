//! Staff users and API tokens from the command line (`user`, `token`).

use clap::Subcommand;
use extramile_domain::admin::NewStaff;
use extramile_domain::audit::Actor;
use extramile_web::AppState;
use std::io::BufRead;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a staff user; the password is read from standard input.
    Add {
        email: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: String,
        /// Team (department) name; created when missing.
        #[arg(long)]
        team: Option<String>,
    },
    /// List staff users with their role and whether they are active.
    List,
    /// Deactivate a staff user: their sessions end and tokens stop at once.
    Deactivate {
        email: String,
        #[arg(long)]
        reason: String,
    },
    /// Activate a deactivated staff user again (issue new tokens after).
    Activate {
        email: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Print a new API token for a staff user.
    Create {
        email: String,
        #[arg(long, default_value = "cli")]
        label: String,
        /// Refuse the token after this many days.
        #[arg(long)]
        expires_in_days: Option<i64>,
    },
    /// List API tokens (never their secrets), of one staff user or all.
    List { email: Option<String> },
    /// Revoke an API token by its id (from `token list`).
    Revoke { id: String },
}

/// A line on standard output; false once the reader has gone (`| head`),
/// which ends a listing quietly instead of panicking.
fn out(line: std::fmt::Arguments<'_>) -> bool {
    use std::io::Write;
    writeln!(std::io::stdout().lock(), "{line}").is_ok()
}

pub async fn users(st: &AppState, command: UserCommand) -> Result<(), String> {
    match command {
        UserCommand::Add {
            email,
            role,
            name,
            team,
        } => add(st, email, role, name, team).await,
        UserCommand::List => {
            for u in st
                .staff
                .list_staff(&Actor::system())
                .await
                .map_err(|e| e.to_string())?
            {
                let state = if u.active { "active" } else { "deactivated" };
                if !out(format_args!(
                    "{:<32} {:<11} {:<12} {}",
                    u.email,
                    u.role.as_str(),
                    state,
                    u.name
                )) {
                    break;
                }
            }
            Ok(())
        }
        UserCommand::Deactivate { email, reason } => set_active(st, &email, false, &reason).await,
        UserCommand::Activate { email, reason } => set_active(st, &email, true, &reason).await,
    }
}

/// Add a staff user; the password comes from standard input.
async fn add(
    st: &AppState,
    email: String,
    role: String,
    name: String,
    team: Option<String>,
) -> Result<(), String> {
    let team_id = match team {
        Some(t) => Some(
            st.staff
                .ensure_team(&t)
                .await
                .map_err(|e| e.to_string())?
                .id,
        ),
        None => None,
    };
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .map_err(|e| format!("reading the password from standard input: {e}"))?;
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    let user = st
        .staff
        .create_staff(
            &Actor::system(),
            NewStaff {
                email,
                name,
                role,
                team_id,
                password,
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    println!("added {} <{}> as {}", user.name, user.email, user.role);
    Ok(())
}

async fn set_active(st: &AppState, email: &str, active: bool, reason: &str) -> Result<(), String> {
    let user = st
        .store
        .staff_by_email(&email.trim().to_lowercase())
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no staff user {email}"))?;
    let u = st
        .staff
        .set_active(&Actor::system(), user.id, active, reason)
        .await
        .map_err(|e| e.to_string())?;
    if u.active {
        println!("{} <{}> is active", u.name, u.email);
    } else {
        println!(
            "{} <{}> is deactivated; their sessions and tokens ended",
            u.name, u.email
        );
    }
    Ok(())
}

pub async fn tokens(st: &AppState, command: TokenCommand) -> Result<(), String> {
    let system = Actor::system();
    match command {
        TokenCommand::Create {
            email,
            label,
            expires_in_days,
        } => {
            let token = st
                .staff
                .create_token(&system, &email, &label, expires_in_days)
                .await
                .map_err(|e| e.to_string())?;
            println!("{token}");
        }
        TokenCommand::List { email } => {
            let staff = st
                .staff
                .list_staff(&system)
                .await
                .map_err(|e| e.to_string())?;
            let who = match &email {
                Some(e) => Some(
                    staff
                        .iter()
                        .find(|u| u.email == e.trim().to_lowercase())
                        .ok_or_else(|| format!("no staff user {e}"))?
                        .id,
                ),
                None => None,
            };
            let day = |t: Option<jiff::Timestamp>| {
                t.map_or("-".to_string(), |t| t.strftime("%Y-%m-%d").to_string())
            };
            out(format_args!(
                "{:<36}  {:<28} {:<16} {:<10} {:<10} revoked",
                "id", "staff", "label", "created", "expires"
            ));
            for t in st
                .staff
                .tokens(&system, who)
                .await
                .map_err(|e| e.to_string())?
            {
                let owner = staff
                    .iter()
                    .find(|u| u.id == t.staff_id)
                    .map_or("?", |u| u.email.as_str());
                if !out(format_args!(
                    "{:<36}  {:<28} {:<16} {:<10} {:<10} {}",
                    t.id,
                    owner,
                    t.label,
                    day(Some(t.created_at)),
                    day(t.expires_at),
                    day(t.revoked_at)
                )) {
                    break;
                }
            }
        }
        TokenCommand::Revoke { id } => {
            let id = id
                .trim()
                .parse()
                .map_err(|_| format!("{id} is not a token id (see token list)"))?;
            let t = st
                .staff
                .revoke_token(&system, id)
                .await
                .map_err(|e| e.to_string())?;
            println!("revoked token {} ({})", t.id, t.label);
        }
    }
    Ok(())
}
