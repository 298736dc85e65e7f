//! The typed settings of payments: which gateway, how to reach it, which
//! methods `/checkout` offers, and the 54-FZ receipts.

use std::time::Duration;

use domain::VatRate;
use secrecy::SecretString;

use super::{ConfigError, Raw, lookup, parse_bool, parse_non_empty};

#[derive(Clone, Debug)]
pub enum GatewayConfig {
    /// The sandbox bank; its page lives on `mcp-api`.
    Sandbox {
        three_ds: Duration,
    },
    YooKassa {
        base_url: String,
        shop_id: String,
        secret_key: SecretString,
        two_stage: bool,
    },
    Sber {
        base_url: String,
        user_name: String,
        password: SecretString,
        two_stage: bool,
        tax_system: Option<u8>,
    },
}

/// The receipts sent with every payment and refund.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReceiptsConfig {
    pub default_vat: Option<VatRate>,
    pub delivery_vat: VatRate,
}

#[derive(Clone, Debug)]
pub struct PaymentsConfig {
    pub gateway: GatewayConfig,
    /// mcp-api's origin as payers reach it (payment links, return pages).
    pub public_url: Option<String>,
    pub timeout: Duration,
    pub refund_interval: Duration,
    /// Whether `/checkout` starts a SberPay payment and answers
    /// `sberpayDetails`.
    pub sberpay: bool,
    /// Where the payer returns after SberPay; unset: `/pay/done` on
    /// mcp-api.
    pub sberpay_return_url: Option<String>,
    /// `None`: the gateway does not fiscalise (or the merchant does it
    /// elsewhere).
    pub receipts: Option<ReceiptsConfig>,
}

fn vat(text: &str) -> Result<VatRate, String> {
    VatRate::parse(text).ok_or_else(|| "expected a VAT rate: none, 0, 5, 7, 10, 20, 10/110 or 20/120".into())
}

fn tax_system(text: &str) -> Result<u8, String> {
    text.trim()
        .parse::<u8>()
        .ok()
        .filter(|t| *t <= 5)
        .ok_or_else(|| "expected Sber's taxSystem, 0 to 5".into())
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
        let needed = |name, gateway| {
            ConfigError::new(
                lookup("payments", name).env_var(),
                format!("is required with the {gateway} gateway"),
            )
        };
        let gateway = match raw.required("payments", "gateway", parse_non_empty)?.as_str() {
            "sandbox" => {
                GatewayConfig::Sandbox { three_ds: raw.millis("payments", "three_ds_ms", 0, 60_000)? }
            }
            "yookassa" => GatewayConfig::YooKassa {
                base_url: raw.required("payments", "yookassa_base_url", http_url)?,
                shop_id: raw
                    .optional("payments", "yookassa_shop_id", parse_non_empty)?
                    .ok_or_else(|| needed("yookassa_shop_id", "yookassa"))?,
                secret_key: raw
                    .optional("payments", "yookassa_secret_key", parse_non_empty)?
                    .map(SecretString::from)
                    .ok_or_else(|| needed("yookassa_secret_key", "yookassa"))?,
                two_stage: raw.required("payments", "yookassa_two_stage", parse_bool)?,
            },
            "sber" => GatewayConfig::Sber {
                base_url: raw.required("payments", "sber_base_url", http_url)?,
                user_name: raw
                    .optional("payments", "sber_user_name", parse_non_empty)?
                    .ok_or_else(|| needed("sber_user_name", "sber"))?,
                password: raw
                    .optional("payments", "sber_password", parse_non_empty)?
                    .map(SecretString::from)
                    .ok_or_else(|| needed("sber_password", "sber"))?,
                two_stage: raw.required("payments", "sber_two_stage", parse_bool)?,
                tax_system: raw.optional("payments", "sber_tax_system", tax_system)?,
            },
            other => {
                return Err(ConfigError::new(
                    lookup("payments", "gateway").env_var(),
                    format!("expected sandbox, yookassa or sber (got {other:?})"),
                ));
            }
        };
        let receipts = raw.required("payments", "receipts", parse_bool)?.then(|| {
            Ok::<_, ConfigError>(ReceiptsConfig {
                default_vat: raw.optional("payments", "default_vat", vat)?,
                delivery_vat: raw.required("payments", "delivery_vat", vat)?,
            })
        });
        Ok(PaymentsConfig {
            gateway,
            public_url: raw.optional("payments", "public_url", http_url)?,
            timeout: raw.millis("payments", "timeout_ms", 100, 120_000)?,
            refund_interval: raw.millis("payments", "refund_interval_ms", 100, 3_600_000)?,
            sberpay: raw.required("payments", "sberpay", parse_bool)?,
            sberpay_return_url: raw.optional("payments", "sberpay_return_url", http_url)?,
            receipts: receipts.transpose()?,
        })
    }
}
