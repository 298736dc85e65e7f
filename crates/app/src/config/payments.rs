//! The typed settings of payments: which gateway, and how to reach it.

use std::time::Duration;

use secrecy::SecretString;

use super::{ConfigError, Raw, lookup, parse_bool, parse_non_empty};

#[derive(Clone, Debug)]
pub enum GatewayConfig {
    /// The sandbox bank; its page lives on `mcp-api`.
    Sandbox {
        public_url: Option<String>,
        three_ds: Duration,
    },
    YooKassa {
        base_url: String,
        shop_id: String,
        secret_key: SecretString,
        two_stage: bool,
    },
}

#[derive(Clone, Debug)]
pub struct PaymentsConfig {
    pub gateway: GatewayConfig,
    pub timeout: Duration,
    pub refund_interval: Duration,
}

fn http_url(text: &str) -> Result<String, String> {
    let text = text.trim().trim_end_matches('/');
    if (text.starts_with("http://") || text.starts_with("https://")) && !text.contains(char::is_whitespace) {
        Ok(text.to_owned())
    } else {
        Err("expected an http(s) URL".into())
    }
}

impl PaymentsConfig {
    pub(super) fn from_raw(raw: &Raw) -> Result<Self, ConfigError> {
        let gateway = match raw.required("payments", "gateway", parse_non_empty)?.as_str() {
            "sandbox" => GatewayConfig::Sandbox {
                public_url: raw.optional("payments", "public_url", http_url)?,
                three_ds: raw.millis("payments", "three_ds_ms", 0, 60_000)?,
            },
            "yookassa" => {
                let needed = |name| {
                    ConfigError::new(
                        lookup("payments", name).env_var(),
                        "is required with the yookassa gateway",
                    )
                };
                GatewayConfig::YooKassa {
                    base_url: raw.required("payments", "yookassa_base_url", http_url)?,
                    shop_id: raw
                        .optional("payments", "yookassa_shop_id", parse_non_empty)?
                        .ok_or_else(|| needed("yookassa_shop_id"))?,
                    secret_key: raw
                        .optional("payments", "yookassa_secret_key", parse_non_empty)?
                        .map(SecretString::from)
                        .ok_or_else(|| needed("yookassa_secret_key"))?,
                    two_stage: raw.required("payments", "yookassa_two_stage", parse_bool)?,
                }
            }
            other => {
                return Err(ConfigError::new(
                    lookup("payments", "gateway").env_var(),
                    format!("expected sandbox or yookassa (got {other:?})"),
                ));
            }
        };
        Ok(PaymentsConfig {
            gateway,
            timeout: raw.millis("payments", "timeout_ms", 100, 120_000)?,
            refund_interval: raw.millis("payments", "refund_interval_ms", 100, 3_600_000)?,
        })
    }
}
