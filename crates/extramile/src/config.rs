//! Configuration: defaults, then a TOML file (`--config`), then
//! `EXTRAMILE_*` environment variables, then command-line flags.

use serde::Deserialize;
use std::path::Path;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub region: Option<String>,
    pub log: Option<String>,
    pub secure_cookies: Option<bool>,
    pub currency: Option<String>,
    pub overpayment_threshold_cents: Option<i64>,
    pub approval_escalate_minutes: Option<i64>,
    pub metrics_token: Option<String>,
    pub header_read_timeout_secs: Option<i64>,
    pub body_timeout_secs: Option<i64>,
    pub max_connections: Option<i64>,
    pub trusted_proxies: Option<String>,
    pub time_zone: Option<String>,
    pub cancellation_grace_days: Option<i64>,
    pub number_aging_residential_days: Option<i64>,
    pub number_aging_business_days: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub listen: String,
    /// Region for phone numbers written without a country code.
    pub region: String,
    /// `pretty` or `json`.
    pub log: String,
    pub secure_cookies: bool,
    /// The provider's currency, overpayment threshold, approval escalation.
    pub money: extramile_domain::ledger::MoneySettings,
    /// A bearer token a monitoring system reads `/metrics` with.
    pub metrics_token: Option<String>,
    /// Timeouts and the connection cap of the HTTP server.
    pub limits: extramile_web::ServerLimits,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The provider's IANA time zone: staff see times in it unless they
    /// choose their own.
    pub time_zone: String,
    /// Days a cancelled service can be restored (1–365, 30).
    pub cancellation_grace_days: i64,
    /// How long a cancelled service's numbers age (47 CFR 52.15(f)).
    pub aging: extramile_domain::resources::rules::AgingPolicy,
}

pub const DEFAULT_DATABASE: &str = "sqlite:extramile.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

impl Config {
    pub fn load(
        file: Option<&Path>,
        database_url: Option<String>,
        listen: Option<String>,
    ) -> Result<Self, String> {
        let f: FileConfig = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
            }
            None => FileConfig::default(),
        };
        let env = |k: &str| {
            std::env::var(format!("EXTRAMILE_{k}"))
                .ok()
                .filter(|v| !v.is_empty())
        };
        let secure = match env("SECURE_COOKIES") {
            Some(v) => matches!(v.as_str(), "1" | "true" | "yes"),
            None => f.secure_cookies.unwrap_or(false),
        };
        let number = |k: &str, file: Option<i64>, default: i64| match env(k) {
            Some(v) => v
                .trim()
                .parse::<i64>()
                .map_err(|_| format!("EXTRAMILE_{k}: not a whole number: {v}")),
            None => Ok(file.unwrap_or(default)),
        };
        let money = extramile_domain::ledger::MoneySettings::new(
            &env("CURRENCY")
                .or(f.currency)
                .unwrap_or_else(|| "USD".into()),
            number(
                "OVERPAYMENT_THRESHOLD_CENTS",
                f.overpayment_threshold_cents,
                extramile_domain::ledger::DEFAULT_OVERPAYMENT_THRESHOLD,
            )?,
            number("APPROVAL_ESCALATE_MINUTES", f.approval_escalate_minutes, 15)?,
        )
        .map_err(|e| format!("configuration: {e}"))?;
        let bounded =
            |k: &str, file: Option<i64>, default: i64, range: std::ops::RangeInclusive<i64>| {
                let v = number(k, file, default)?;
                if range.contains(&v) {
                    Ok(v as u64)
                } else {
                    Err(format!(
                        "{}: must be between {} and {}",
                        k.to_lowercase(),
                        range.start(),
                        range.end()
                    ))
                }
            };
        let limits = extramile_web::ServerLimits {
            header_read_timeout: std::time::Duration::from_secs(bounded(
                "HEADER_READ_TIMEOUT_SECS",
                f.header_read_timeout_secs,
                10,
                1..=600,
            )?),
            body_timeout: std::time::Duration::from_secs(bounded(
                "BODY_TIMEOUT_SECS",
                f.body_timeout_secs,
                30,
                1..=3600,
            )?),
            max_connections: bounded("MAX_CONNECTIONS", f.max_connections, 4096, 1..=100_000)?
                as usize,
            ..Default::default()
        };
        let trusted_proxies = env("TRUSTED_PROXIES")
            .or(f.trusted_proxies)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse::<std::net::IpAddr>()
                    .map_err(|_| format!("trusted_proxies: {p} is not an IP address"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let metrics_token = env("METRICS_TOKEN").or(f.metrics_token);
        if metrics_token
            .as_ref()
            .is_some_and(|t| t.trim().chars().count() < 20)
        {
            return Err("metrics_token: use at least 20 characters".into());
        }
        let time_zone = env("TIME_ZONE")
            .or(f.time_zone)
            .unwrap_or_else(|| "America/Chicago".into());
        jiff::tz::TimeZone::get(time_zone.trim()).map_err(|_| {
            format!("time_zone: unknown time zone \"{time_zone}\"; use a name like America/Chicago")
        })?;
        let cancellation_grace_days = bounded(
            "CANCELLATION_GRACE_DAYS",
            f.cancellation_grace_days,
            30,
            1..=365,
        )? as i64;
        let aging = extramile_domain::resources::rules::AgingPolicy::new(
            number(
                "NUMBER_AGING_RESIDENTIAL_DAYS",
                f.number_aging_residential_days,
                90,
            )?,
            number(
                "NUMBER_AGING_BUSINESS_DAYS",
                f.number_aging_business_days,
                365,
            )?,
        )?;
        Ok(Self {
            cancellation_grace_days,
            aging,
            time_zone: time_zone.trim().to_string(),
            money,
            metrics_token,
            limits,
            trusted_proxies,
            database_url: database_url
                .or_else(|| env("DATABASE_URL"))
                .or(f.database_url)
                .unwrap_or_else(|| DEFAULT_DATABASE.into()),
            listen: listen
                .or_else(|| env("LISTEN"))
                .or(f.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.into()),
            region: env("REGION").or(f.region).unwrap_or_else(|| "US".into()),
            log: env("LOG").or(f.log).unwrap_or_else(|| "pretty".into()),
            secure_cookies: secure,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_environment_beat_file() {
        let dir = std::env::temp_dir().join(format!("em-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("extramile.toml");
        std::fs::write(
            &path,
            "database_url = \"sqlite:file.db\"\nlisten = \"127.0.0.1:1\"\nregion = \"GB\"\n",
        )
        .unwrap();
        let c = Config::load(Some(&path), None, Some("127.0.0.1:2".into())).unwrap();
        assert_eq!(c.database_url, "sqlite:file.db");
        assert_eq!(c.listen, "127.0.0.1:2");
        assert_eq!(c.region, "GB");
        std::fs::write(&path, "databse_url = \"typo\"\n").unwrap();
        let err = Config::load(Some(&path), None, None).unwrap_err();
        assert!(err.contains("databse_url"), "{err}");
        std::fs::write(&path, "currency = \"EUR\"\napproval_escalate_minutes = 5\n").unwrap();
        let c = Config::load(Some(&path), None, None).unwrap();
        assert_eq!(c.money.currency, "EUR");
        assert_eq!(c.money.escalate_after, jiff::SignedDuration::from_mins(5));
        assert_eq!(c.money.overpayment_threshold_minor, 100);
        std::fs::write(&path, "approval_escalate_minutes = 0\n").unwrap();
        let err = Config::load(Some(&path), None, None).unwrap_err();
        assert!(err.contains("approval_escalate_minutes"), "{err}");
        std::fs::write(&path, "currency = \"euro\"\n").unwrap();
        let err = Config::load(Some(&path), None, None).unwrap_err();
        assert!(err.contains("currency"), "{err}");
    }
}
