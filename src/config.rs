//! Configuration from the environment (CONTRACT section 2); a `.env` file may set it too.

use std::net::SocketAddr;

/// Which browser origins may read the public API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    Any,
    List(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub addr: SocketAddr,
    /// The address readers reach, without a trailing slash.
    pub public_url: String,
    pub cors_origins: CorsOrigins,
    pub sample_content: bool,
    /// `max-age` of public reads, in seconds (`TETHER_CACHE_MAX_AGE`).
    pub cache_max_age: u32,
    /// Entries the in-process read cache may hold (`TETHER_READ_CACHE_ENTRIES`, 0 turns it off).
    pub read_cache_entries: usize,
    /// Memory the read cache may use, in MiB (`TETHER_READ_CACHE_MB`, 0 turns it off).
    pub read_cache_mb: u64,
    /// `json` for one JSON object per log line, else human-readable (`TETHER_LOG_FORMAT`).
    pub log_json: bool,
    /// An admin session ends after this long without a request (`TETHER_SESSION_IDLE_MINUTES`).
    pub session_idle: chrono::Duration,
    /// An admin session ends this long after sign-in, active or not
    /// (`TETHER_SESSION_LIFETIME_HOURS`).
    pub session_lifetime: chrono::Duration,
    /// Take the client address from the last `X-Forwarded-For` entry, for throttling and the
    /// audit trail (`TETHER_TRUST_FORWARDED_FOR`; only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// Revisions kept per article (`TETHER_REVISIONS_KEEP`).
    pub revisions_kept: u64,
    /// The named slots promos can be placed in (`TETHER_PROMO_SLOTS`, comma-separated).
    pub promo_slots: Vec<String>,
    /// How often every promo's target is checked in the background
    /// (`TETHER_LINK_CHECK_INTERVAL_MINUTES`; 0, the default, turns it off).
    pub link_check_interval: Option<std::time::Duration>,
    /// How long content events are kept (`TETHER_EVENTS_KEEP_DAYS`, default 30).
    pub events_kept: chrono::Duration,
    /// Let link checks reach private and loopback addresses (`TETHER_LINK_CHECK_ALLOW_PRIVATE`;
    /// only for intranet targets: the check is a server-side request).
    pub link_check_allow_private: bool,
    /// Clicks that may wait in memory to be stored; at this many, redirects wait for the click
    /// writer (`TETHER_CLICK_BACKLOG_MAX`, default 100000).
    pub click_backlog_max: usize,
}

impl Config {
    /// Whether readers and editors reach Tether over HTTPS (secure, `__Host-` cookies).
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {name} {message}")]
pub struct ConfigError {
    pub name: &'static str,
    pub message: String,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://tether.db?mode=rwc";
pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";
pub const DEFAULT_PROMO_SLOTS: &str = "article_start,article_end,sidebar";

impl Config {
    /// Reads the process environment (after loading `.env`, if present).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests can supply their own variables.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let addr_text = get("TETHER_ADDR").unwrap_or_else(|| DEFAULT_ADDR.to_owned());
        let addr: SocketAddr = addr_text.parse().map_err(|_| ConfigError {
            name: "TETHER_ADDR",
            message: format!("is {addr_text:?}; expected host:port such as 127.0.0.1:3000"),
        })?;
        let public_url = match get("TETHER_PUBLIC_URL") {
            Some(url) => {
                let parsed = url::Url::parse(&url)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"));
                if parsed.is_none() {
                    return Err(ConfigError {
                        name: "TETHER_PUBLIC_URL",
                        message: format!("is {url:?}; expected an absolute http(s) URL"),
                    });
                }
                url.trim_end_matches('/').to_owned()
            }
            None => format!("http://{addr}"),
        };
        let cors_origins = match get("TETHER_CORS_ORIGINS").as_deref() {
            None | Some("*") => CorsOrigins::Any,
            Some(list) => CorsOrigins::List(
                list.split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect(),
            ),
        };
        let slots_text =
            get("TETHER_PROMO_SLOTS").unwrap_or_else(|| DEFAULT_PROMO_SLOTS.to_owned());
        let mut promo_slots: Vec<String> = Vec::new();
        for slot in slots_text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            if !crate::domain::promotions::is_valid_slot(slot) {
                return Err(ConfigError {
                    name: "TETHER_PROMO_SLOTS",
                    message: format!(
                        "has {slot:?}; slot names are lowercase letters and digits joined by \
                         single underscores"
                    ),
                });
            }
            if !promo_slots.iter().any(|s| s == slot) {
                promo_slots.push(slot.to_owned());
            }
        }
        let interval_minutes: u64 = parse_number(
            "TETHER_LINK_CHECK_INTERVAL_MINUTES",
            get("TETHER_LINK_CHECK_INTERVAL_MINUTES"),
            0,
        )?;
        let click_backlog_max: usize = parse_number(
            "TETHER_CLICK_BACKLOG_MAX",
            get("TETHER_CLICK_BACKLOG_MAX"),
            crate::click_recorder::ClickLimits::DEFAULT_MAX_WAITING,
        )?;
        if click_backlog_max == 0 {
            return Err(ConfigError {
                name: "TETHER_CLICK_BACKLOG_MAX",
                message: "is 0; expected a whole number of at least 1".to_owned(),
            });
        }
        Ok(Config {
            click_backlog_max,
            events_kept: chrono::Duration::days(positive(
                "TETHER_EVENTS_KEEP_DAYS",
                parse_number(
                    "TETHER_EVENTS_KEEP_DAYS",
                    get("TETHER_EVENTS_KEEP_DAYS"),
                    30,
                )?,
            )?),
            promo_slots,
            link_check_interval: (interval_minutes > 0)
                .then(|| std::time::Duration::from_secs(interval_minutes.saturating_mul(60))),
            link_check_allow_private: parse_bool(
                "TETHER_LINK_CHECK_ALLOW_PRIVATE",
                get("TETHER_LINK_CHECK_ALLOW_PRIVATE"),
                false,
            )?,
            database_url: get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            addr,
            public_url,
            cors_origins,
            sample_content: parse_bool(
                "TETHER_SAMPLE_CONTENT",
                get("TETHER_SAMPLE_CONTENT"),
                true,
            )?,
            cache_max_age: parse_number("TETHER_CACHE_MAX_AGE", get("TETHER_CACHE_MAX_AGE"), 60)?,
            read_cache_mb: parse_number("TETHER_READ_CACHE_MB", get("TETHER_READ_CACHE_MB"), 64)?,
            read_cache_entries: parse_number(
                "TETHER_READ_CACHE_ENTRIES",
                get("TETHER_READ_CACHE_ENTRIES"),
                10_000,
            )?,
            log_json: get("TETHER_LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("json")),
            session_idle: chrono::Duration::minutes(positive(
                "TETHER_SESSION_IDLE_MINUTES",
                parse_number(
                    "TETHER_SESSION_IDLE_MINUTES",
                    get("TETHER_SESSION_IDLE_MINUTES"),
                    60,
                )?,
            )?),
            session_lifetime: chrono::Duration::hours(positive(
                "TETHER_SESSION_LIFETIME_HOURS",
                parse_number(
                    "TETHER_SESSION_LIFETIME_HOURS",
                    get("TETHER_SESSION_LIFETIME_HOURS"),
                    12,
                )?,
            )?),
            revisions_kept: parse_number(
                "TETHER_REVISIONS_KEEP",
                get("TETHER_REVISIONS_KEEP"),
                50,
            )?,
            trust_forwarded_for: parse_bool(
                "TETHER_TRUST_FORWARDED_FOR",
                get("TETHER_TRUST_FORWARDED_FOR"),
                false,
            )?,
        })
    }
}

fn parse_bool(
    name: &'static str,
    value: Option<String>,
    default: bool,
) -> Result<bool, ConfigError> {
    match value.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some("false" | "0" | "no" | "off") => Ok(false),
        Some(other) => Err(ConfigError {
            name,
            message: format!("is {other:?}; expected true or false"),
        }),
    }
}

fn positive(name: &'static str, value: i64) -> Result<i64, ConfigError> {
    if (1..=100_000).contains(&value) {
        Ok(value)
    } else {
        Err(ConfigError {
            name,
            message: format!("is {value}; expected a whole number from 1 to 100000"),
        })
    }
}

fn parse_number<T: std::str::FromStr>(
    name: &'static str,
    value: Option<String>,
    default: T,
) -> Result<T, ConfigError> {
    match value {
        None => Ok(default),
        Some(text) => text.parse().map_err(|_| ConfigError {
            name,
            message: format!("is {text:?}; expected a whole number"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_contract() {
        let config = Config::from_lookup(|_| None).unwrap();
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.addr.to_string(), DEFAULT_ADDR);
        assert_eq!(config.public_url, "http://127.0.0.1:3000");
        assert_eq!(config.cors_origins, CorsOrigins::Any);
        assert!(config.sample_content);
        assert_eq!(
            config.promo_slots,
            ["article_start", "article_end", "sidebar"]
        );
        assert_eq!(config.link_check_interval, None);
        assert!(!config.link_check_allow_private);
    }

    #[test]
    fn bad_values_are_named() {
        let err = Config::from_lookup(|n| (n == "TETHER_SAMPLE_CONTENT").then(|| "maybe".into()))
            .unwrap_err();
        assert_eq!(err.name, "TETHER_SAMPLE_CONTENT");
        let err = Config::from_lookup(|n| (n == "TETHER_ADDR").then(|| "nope".into())).unwrap_err();
        assert_eq!(err.name, "TETHER_ADDR");
        let err = Config::from_lookup(|n| (n == "TETHER_PROMO_SLOTS").then(|| "a,B-c".into()))
            .unwrap_err();
        assert_eq!(err.name, "TETHER_PROMO_SLOTS");
    }
}
