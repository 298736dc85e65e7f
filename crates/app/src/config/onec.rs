//! The typed settings of 1C's exchange with a site (`/1c/exchange` on
//! `mcp-api`).

use std::time::Duration;

use secrecy::SecretString;

use super::{ConfigError, Raw, lookup, parse_in_range, parse_non_empty};

#[derive(Clone, Debug)]
pub struct OneCConfig {
    /// The login and password typed into 1C's exchange settings; `None`:
    /// the exchange is off.
    pub credentials: Option<(String, SecretString)>,
    pub price_type: Option<String>,
    pub file_limit: usize,
    pub max_file_bytes: u64,
    pub session_idle: Duration,
}

impl OneCConfig {
    pub(super) fn from_raw(raw: &Raw) -> Result<Self, ConfigError> {
        let user = raw.optional("onec", "user", parse_non_empty)?;
        let password = raw.optional("onec", "password", parse_non_empty)?.map(SecretString::from);
        let credentials = match (user, password) {
            (Some(user), Some(password)) => Some((user, password)),
            (None, None) => None,
            (Some(_), None) => {
                return Err(ConfigError::new(
                    lookup("onec", "password").env_var(),
                    "is required with the user",
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError::new(
                    lookup("onec", "user").env_var(),
                    "is required with the password",
                ));
            }
        };
        Ok(OneCConfig {
            credentials,
            price_type: raw.optional("onec", "price_type", parse_non_empty)?,
            file_limit: raw.required("onec", "file_limit_bytes", parse_in_range(1024_usize, 64 << 20))?,
            max_file_bytes: raw.required("onec", "max_file_bytes", parse_in_range(1024_u64, 4 << 30))?,
            session_idle: Duration::from_secs(raw.required(
                "onec",
                "session_idle_secs",
                parse_in_range(60_u64, 86_400),
            )?),
        })
    }
}
