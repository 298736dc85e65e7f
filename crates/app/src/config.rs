//! Typed configuration, layered: built-in defaults < TOML file < `MERCHANT_*`
//! environment variables. Loaded and validated once at start; the rest of the
//! program receives a finished [`Config`].
//!
//! Every setting is declared once in [`SETTINGS`]; its environment variable is
//! `MERCHANT_<SECTION>_<NAME>` and its TOML key is `<name>` in `[<section>]`.
//! Unknown keys in either source are errors, so a typo never goes unnoticed.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;
use storage::{DatabaseUrl, PoolOptions};

use crate::Service;

pub use auth::{IntrospectionConfig, JwtKeyConfig, McpAuthConfig, ProviderMode, SberIdConfig};
pub use payments::{GatewayConfig, PaymentsConfig};

pub const ENV_PREFIX: &str = "MERCHANT_";
/// Names the TOML file; without it `merchant.toml` in the working directory
/// is read when present.
pub const CONFIG_FILE_ENV: &str = "MERCHANT_CONFIG";
pub const DEFAULT_CONFIG_FILE: &str = "merchant.toml";

pub use settings::{SETTINGS, Setting};

/// The configuration table of README.md, generated from [`SETTINGS`]; a
/// test fails when README's copy is stale.
pub fn markdown_table() -> String {
    let mut table = String::from("| variable | file key | default | meaning |\n| --- | --- | --- | --- |\n");
    for s in SETTINGS {
        let default = s.default.map_or_else(|| "—".to_owned(), |d| format!("`{d}`"));
        let secret = if s.secret { " Secret." } else { "" };
        let _ = writeln!(table, "| `{}` | `{}` | {default} | {}{secret} |", s.env_var(), s.toml_key(), s.doc);
    }
    table
}

fn find(section: &str, name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.section == section && s.name == name)
}

fn lookup(section: &str, name: &str) -> &'static Setting {
    find(section, name).unwrap_or_else(|| panic!("setting {section}.{name} is not declared in SETTINGS"))
}

/// A bad or missing setting; `Display` is one line naming where it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {problem}")]
pub struct ConfigError {
    pub setting: String,
    pub problem: String,
}

impl ConfigError {
    fn new(setting: impl Into<String>, problem: impl Into<String>) -> Self {
        ConfigError { setting: setting.into(), problem: problem.into() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Origin {
    Default,
    File(PathBuf),
    Env,
}

#[derive(Debug)]
struct RawValue {
    text: String,
    origin: Origin,
}

/// The merged, still untyped values.
#[derive(Debug, Default)]
struct Raw(BTreeMap<(&'static str, &'static str), RawValue>);

impl Raw {
    fn describe(setting: &Setting, origin: &Origin) -> String {
        match origin {
            Origin::Env | Origin::Default => setting.env_var(),
            Origin::File(path) => format!("{} in {}", setting.toml_key(), path.display()),
        }
    }

    fn value(&self, setting: &'static Setting) -> Option<(&str, String)> {
        self.0
            .get(&(setting.section, setting.name))
            .map(|v| (v.text.as_str(), Self::describe(setting, &v.origin)))
    }

    fn optional<T>(
        &self,
        section: &str,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        let setting = lookup(section, name);
        let Some((text, described)) = self.value(setting) else {
            return Ok(None);
        };
        parse(text).map(Some).map_err(|problem| {
            let problem = if setting.secret { problem } else { format!("{problem} (got {text:?})") };
            ConfigError::new(described, problem)
        })
    }

    /// A required whole number of milliseconds from `low` to `high`.
    fn millis(&self, section: &str, name: &str, low: u64, high: u64) -> Result<Duration, ConfigError> {
        Ok(Duration::from_millis(self.required(section, name, parse_in_range(low, high))?))
    }

    /// A required whole number of seconds from `low` to `high`.
    fn secs(&self, section: &str, name: &str, low: u64, high: u64) -> Result<Duration, ConfigError> {
        Ok(Duration::from_secs(self.required(section, name, parse_in_range(low, high))?))
    }

    fn required<T>(
        &self,
        section: &str,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        self.optional(section, name, parse)?
            .ok_or_else(|| ConfigError::new(lookup(section, name).env_var(), "is required but not set"))
    }
}

fn parse_bool(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err("expected true or false".into()),
    }
}

fn parse_in_range<T>(low: T, high: T) -> impl FnOnce(&str) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
{
    move |text| match text.trim().parse::<T>() {
        Ok(n) if (low..=high).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from {low} to {high}")),
    }
}

fn parse_non_empty(text: &str) -> Result<String, String> {
    if text.trim().is_empty() { Err("must not be empty".into()) } else { Ok(text.to_owned()) }
}

/// `HOST:PORT`; the host may be a name, an IPv4 address or a bracketed IPv6
/// address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListenAddr {
    pub host: String,
    pub port: u16,
}

impl ListenAddr {
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || "expected HOST:PORT with a port from 0 to 65535".to_owned();
        let (host, port) = text.trim().rsplit_once(':').ok_or_else(bad)?;
        let port = port.parse::<u16>().map_err(|_| bad())?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(bad());
        }
        Ok(ListenAddr { host: host.to_owned(), port })
    }
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookScheme {
    Bearer,
    ClientToken,
    Basic,
}

impl WebhookScheme {
    fn parse(text: &str) -> Result<Self, String> {
        match text {
            "bearer" => Ok(WebhookScheme::Bearer),
            "client_token" => Ok(WebhookScheme::ClientToken),
            "basic" => Ok(WebhookScheme::Basic),
            _ => Err("expected bearer, client_token or basic".into()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone, Debug)]
pub struct DatabaseConfig {
    pub url: DatabaseUrl,
    pub pool: PoolOptions,
    pub run_migrations: bool,
}

#[derive(Clone, Debug)]
pub struct KuperWebhookConfig {
    pub auth: WebhookScheme,
    pub user: Option<String>,
    pub secret: Option<SecretString>,
}

#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// `None`: one worker per core.
    pub workers: Option<usize>,
    pub shutdown_timeout: Duration,
    pub max_body_bytes: usize,
    /// Proxies whose `X-Forwarded-For`/`Forwarded` name the client.
    pub trusted_proxies: domain::net::TrustedProxies,
}

#[derive(Clone, Debug)]
pub struct LogConfig {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// `MERCHANT_ENV=production`: [`production::refusals`] are enforced.
    pub production: bool,
    pub database: DatabaseConfig,
    pub mcp_api_addr: ListenAddr,
    pub kuper_listener_addr: ListenAddr,
    pub console_addr: ListenAddr,
    /// The console's cookies are `Secure`.
    pub console_secure_cookies: bool,
    /// Where a scale's label keeps the article and the weight.
    pub console_weighed_label: catalog::barcode::LabelLayout,
    pub mcp_server: McpServerConfig,
    pub kuper_operator_token: Option<SecretString>,
    /// Bearer token of the merchant's systems on `/merchant/stock`.
    pub stock_api_token: Option<SecretString>,
    pub kuper_webhook: KuperWebhookConfig,
    pub http: HttpConfig,
    pub log: LogConfig,
    pub mcp_auth: auth::McpAuthConfig,
    pub sberid: auth::SberIdConfig,
    pub token_introspection: auth::IntrospectionConfig,
    pub catalog: CatalogConfig,
    pub orders: orders::OrdersConfig,
    pub kuper: kuper::KuperApiConfig,
    pub payments: payments::PaymentsConfig,
    pub metrics: MetricsConfig,
    pub retention: RetentionConfig,
    /// 1C's exchange with a site.
    pub onec: onec::OneCConfig,
}

/// Who may read `/metrics`.
#[derive(Clone, Debug)]
pub struct MetricsConfig {
    /// `None`: open to whoever reaches the service.
    pub token: Option<SecretString>,
}

/// How long personal data outlives its order.
#[derive(Clone, Copy, Debug)]
pub struct RetentionConfig {
    /// Days after an order closed before its customer's personal data is
    /// erased.
    pub personal_data_days: u32,
}

/// The merchant's own MCP server.
#[derive(Clone, Debug)]
pub struct McpServerConfig {
    pub addr: ListenAddr,
    /// `Host` names it is reached under besides loopback.
    pub allowed_hosts: Vec<String>,
    /// Browser origins allowed to call it (`https://app.example.com:443`).
    pub allowed_origins: Vec<String>,
    /// Open MCP sessions one client may hold at once.
    pub max_sessions_per_client: usize,
    /// A session unused this long is closed.
    pub session_idle: Duration,
}

/// IP addresses, comma-separated.
fn parse_proxies(text: &str) -> Result<domain::net::TrustedProxies, String> {
    let addresses = list(text)
        .map(|a| a.parse().map_err(|_| format!("{a:?} is not an IP address")))
        .collect::<Result<_, _>>()?;
    Ok(domain::net::TrustedProxies(addresses))
}

fn list(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Host names (`shop.example.com`, `shop.example.com:8443`), comma-separated.
fn parse_hosts(text: &str) -> Result<Vec<String>, String> {
    list(text)
        .map(|h| {
            if h.contains('/') || h.contains(char::is_whitespace) {
                Err(format!("{h:?} is not a host name (no scheme, no path)"))
            } else {
                Ok(h.to_owned())
            }
        })
        .collect()
}

/// Browser origins (`https://chat.example.com:443`), comma-separated.
fn parse_origins(text: &str) -> Result<Vec<String>, String> {
    list(text)
        .map(|o| {
            let rest = o.strip_prefix("https://").or_else(|| o.strip_prefix("http://"));
            match rest {
                Some(host) if !host.is_empty() && !host.contains('/') => Ok(o.to_owned()),
                _ => Err(format!("{o:?} is not an origin (scheme://host[:port])")),
            }
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct CatalogConfig {
    pub merchant_name: String,
    /// Answered as the photo of a product without one; `None`: a neutral
    /// inline image.
    pub placeholder_photo_url: Option<String>,
    /// The merchant's synonym groups, added to the shipped ones.
    pub synonyms_file: Option<PathBuf>,
    /// The bilingual dictionary for English queries; `None`: Debian's
    /// Mueller where installed.
    pub thesaurus_file: Option<PathBuf>,
    pub pickup_radius_m: u32,
    pub index_refresh: Duration,
}

/// An absolute http(s) URL.
fn parse_http_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    if (text.starts_with("https://") || text.starts_with("http://")) && text.len() > "https://".len() {
        Ok(text.to_owned())
    } else {
        Err(format!("expected an http(s) URL, got {text:?}"))
    }
}

impl Config {
    /// Reads the process environment and the TOML file it names (or
    /// `merchant.toml` in the working directory, when present).
    pub fn load() -> Result<Config, ConfigError> {
        Self::from_sources(std::env::vars(), Path::new(DEFAULT_CONFIG_FILE))
    }

    /// `env` is the whole environment; only `MERCHANT_*` entries are read.
    pub fn from_sources(
        env: impl IntoIterator<Item = (String, String)>,
        default_file: &Path,
    ) -> Result<Config, ConfigError> {
        let env: BTreeMap<String, String> =
            env.into_iter().filter(|(k, _)| k.starts_with(ENV_PREFIX)).collect();
        let mut raw = Raw::default();
        for s in SETTINGS {
            if let Some(default) = s.default {
                raw.0.insert((s.section, s.name), RawValue { text: default.into(), origin: Origin::Default });
            }
        }
        match env.get(CONFIG_FILE_ENV) {
            Some(path) => merge_file(&mut raw, Path::new(path), CONFIG_FILE_ENV)?,
            None if default_file.exists() => merge_file(&mut raw, default_file, "config file")?,
            None => {}
        }
        for (key, text) in env.iter().filter(|(k, _)| k.as_str() != CONFIG_FILE_ENV) {
            let setting = SETTINGS.iter().find(|s| s.env_var() == *key).ok_or_else(|| {
                ConfigError::new(key.clone(), "unknown setting (see README, Configuration)")
            })?;
            raw.0.insert(
                (setting.section, setting.name),
                RawValue { text: text.clone(), origin: Origin::Env },
            );
        }
        Self::from_raw(&raw)
    }

    fn from_raw(raw: &Raw) -> Result<Config, ConfigError> {
        let url = raw.required("database", "url", |t| DatabaseUrl::parse(t).map_err(|e| e.to_string()))?;
        let pool = PoolOptions {
            max_connections: raw.required("database", "max_connections", parse_in_range(1_u32, 512))?,
            acquire_timeout: raw.secs("database", "acquire_timeout_secs", 1, 3600)?,
            sqlite_busy_timeout: raw.millis("database", "sqlite_busy_timeout_ms", 0, 600_000)?,
            fail_fast: raw.millis("database", "fail_fast_ms", 0, 600_000)?,
        };
        let log_level = raw.required("log", "level", |t| {
            tracing_subscriber::EnvFilter::try_new(t).map(|_| t.to_owned()).map_err(|e| e.to_string())
        })?;
        let workers = raw.required("http", "workers", parse_in_range(0_usize, 1024))?;
        Ok(Config {
            production: raw.required("", "env", |t| match t.trim() {
                "production" => Ok(true),
                "development" => Ok(false),
                _ => Err("expected production or development".into()),
            })?,
            database: DatabaseConfig {
                url,
                pool,
                run_migrations: raw.required("database", "run_migrations", parse_bool)?,
            },
            mcp_api_addr: raw.required("mcp_api", "addr", ListenAddr::parse)?,
            kuper_listener_addr: raw.required("kuper_listener", "addr", ListenAddr::parse)?,
            console_addr: raw.required("console", "addr", ListenAddr::parse)?,
            console_secure_cookies: raw.required("console", "secure_cookies", parse_bool)?,
            console_weighed_label: raw.required("console", "weighed_label", |t: &str| t.parse())?,
            mcp_server: McpServerConfig {
                addr: raw.required("mcp_server", "addr", ListenAddr::parse)?,
                allowed_hosts: raw.required("mcp_server", "allowed_hosts", parse_hosts)?,
                allowed_origins: raw.required("mcp_server", "allowed_origins", parse_origins)?,
                max_sessions_per_client: raw.required(
                    "mcp_server",
                    "max_sessions_per_client",
                    parse_in_range(1_usize, 1_000_000),
                )?,
                session_idle: raw.secs("mcp_server", "session_idle_secs", 10, 86_400)?,
            },
            kuper_operator_token: raw
                .optional("kuper_listener", "operator_token", parse_non_empty)?
                .map(SecretString::from),
            stock_api_token: raw.optional("stock_api", "token", parse_non_empty)?.map(SecretString::from),
            kuper_webhook: KuperWebhookConfig {
                auth: raw.required("kuper_webhook", "auth", WebhookScheme::parse)?,
                user: raw.optional("kuper_webhook", "user", parse_non_empty)?,
                secret: raw.optional("kuper_webhook", "secret", parse_non_empty)?.map(SecretString::from),
            },
            http: HttpConfig {
                workers: (workers > 0).then_some(workers),
                shutdown_timeout: raw.secs("http", "shutdown_timeout_secs", 0, 3600)?,
                max_body_bytes: raw.required(
                    "http",
                    "max_body_bytes",
                    parse_in_range(1024_usize, 1 << 30),
                )?,
                trusted_proxies: raw.required("http", "trusted_proxies", parse_proxies)?,
            },
            log: LogConfig {
                format: raw.required("log", "format", |t| match t {
                    "pretty" => Ok(LogFormat::Pretty),
                    "json" => Ok(LogFormat::Json),
                    _ => Err("expected pretty or json".into()),
                })?,
                level: log_level,
            },
            mcp_auth: auth::McpAuthConfig::from_raw(raw)?,
            sberid: auth::SberIdConfig::from_raw(raw)?,
            token_introspection: auth::IntrospectionConfig::from_raw(raw)?,
            catalog: CatalogConfig {
                merchant_name: raw.required("catalog", "merchant_name", parse_non_empty)?,
                placeholder_photo_url: raw.optional("catalog", "placeholder_photo_url", parse_http_url)?,
                synonyms_file: raw
                    .optional("catalog", "synonyms_file", |t: &str| Ok::<_, String>(PathBuf::from(t)))?,
                thesaurus_file: raw
                    .optional("catalog", "thesaurus_file", |t: &str| Ok::<_, String>(PathBuf::from(t)))?,
                pickup_radius_m: raw.required(
                    "catalog",
                    "pickup_radius_m",
                    parse_in_range(0_u32, 100_000),
                )?,
                index_refresh: raw.millis("catalog", "index_refresh_ms", 50, 3_600_000)?,
            },
            orders: orders::OrdersConfig::from_raw(raw)?,
            kuper: kuper::KuperApiConfig::from_raw(raw)?,
            payments: payments::PaymentsConfig::from_raw(raw)?,
            metrics: MetricsConfig {
                token: raw.optional("metrics", "token", parse_non_empty)?.map(SecretString::from),
            },
            retention: RetentionConfig {
                personal_data_days: raw.required(
                    "retention",
                    "personal_data_days",
                    parse_in_range(1_u32, 3650),
                )?,
            },
            onec: onec::OneCConfig::from_raw(raw)?,
        })
    }

    /// Checks what only `service` needs, e.g. the webhook secret of
    /// `kuper-listener`.
    pub fn check_for(&self, service: Service) -> Result<(), ConfigError> {
        if self.production
            && let Some(refused) = production::refusals(self).into_iter().next()
        {
            return Err(refused);
        }
        let required = |section, name| {
            ConfigError::new(lookup(section, name).env_var(), format!("is required by {service}"))
        };
        match service {
            Service::McpApi | Service::Console | Service::McpServer => Ok(()),
            Service::KuperListener => {
                if self.kuper_webhook.secret.is_none() {
                    return Err(required("kuper_webhook", "secret"));
                }
                if self.kuper_webhook.auth == WebhookScheme::Basic && self.kuper_webhook.user.is_none() {
                    return Err(required("kuper_webhook", "user"));
                }
                Ok(())
            }
        }
    }

    pub fn listen_addr(&self, service: Service) -> &ListenAddr {
        match service {
            Service::McpApi => &self.mcp_api_addr,
            Service::KuperListener => &self.kuper_listener_addr,
            Service::Console => &self.console_addr,
            Service::McpServer => &self.mcp_server.addr,
        }
    }
}

fn merge_file(raw: &mut Raw, path: &Path, named_by: &str) -> Result<(), ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::new(named_by, format!("cannot read {shown}: {e}")))?;
    let table: toml::Table =
        text.parse().map_err(|e: toml::de::Error| ConfigError::new(shown.clone(), e.message().to_owned()))?;
    for (key, value) in table {
        let entries = match value {
            toml::Value::Table(values) => {
                values.into_iter().map(|(name, v)| (key.clone(), name, v)).collect()
            }
            // A top-level setting (`env = "production"`).
            value if find("", &key).is_some() => vec![(String::new(), key, value)],
            _ => {
                return Err(ConfigError::new(
                    format!("{key} in {shown}"),
                    "expected a [section] table (see README, Configuration)",
                ));
            }
        };
        for (section, name, value) in entries {
            let setting = find(&section, &name)
                .ok_or_else(|| ConfigError::new(format!("{section}.{name} in {shown}"), "unknown setting"))?;
            let text = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => {
                    return Err(ConfigError::new(
                        format!("{} in {shown}", setting.toml_key()),
                        format!("expected a string, number or boolean, got a {}", other.type_str()),
                    ));
                }
            };
            raw.0.insert(
                (setting.section, setting.name),
                RawValue { text, origin: Origin::File(path.to_owned()) },
            );
        }
    }
    Ok(())
}

mod auth;
mod kuper;
mod onec;
mod orders;
mod payments;
pub mod production;
mod settings;
#[cfg(test)]
mod tests;
