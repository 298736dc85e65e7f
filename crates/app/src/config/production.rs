//! Production mode (`MERCHANT_ENV=production`): what is only for demos is
//! refused at start, each refusal naming its setting, so a forgotten
//! sandbox never takes real orders.

use secrecy::{ExposeSecret, SecretString};

use super::{Config, ConfigError, GatewayConfig, ProviderMode, lookup};

/// Shortest operator, stock or metrics token production accepts: 32 bytes
/// is 256 bits of a random token, past any guessing.
pub const MIN_TOKEN_BYTES: usize = 32;

/// Every refusal of production mode for `config`, in the order of README's
/// list; empty when it may run.
pub fn refusals(config: &Config) -> Vec<ConfigError> {
    let mut refused = Vec::new();
    let mut refuse = |section: &str, name: &str, problem: &str| {
        refused.push(ConfigError::new(lookup(section, name).env_var(), format!("{problem} in production")));
    };
    if config.sberid.mode == ProviderMode::Sandbox {
        refuse("sberid", "mode", "sandbox (test tokens sign anyone in) is refused");
    }
    if config.token_introspection.mode == ProviderMode::Sandbox {
        refuse("token_introspection", "mode", "sandbox (test tokens sign anyone in) is refused");
    }
    if matches!(config.payments.gateway, GatewayConfig::Sandbox { .. }) {
        refuse("payments", "gateway", "sandbox (anyone can pay any order on its page) is refused");
    }
    if config.payments.public_url.is_none() {
        refuse("payments", "public_url", "is required (payment links must not follow the request's Host)");
    }
    if !config.console_secure_cookies {
        refuse("console", "secure_cookies", "must be true (sessions only over HTTPS)");
    }
    let short = |token: &Option<SecretString>| {
        token.as_ref().is_some_and(|t| t.expose_secret().len() < MIN_TOKEN_BYTES)
    };
    let too_short = format!("must be at least {MIN_TOKEN_BYTES} bytes");
    if short(&config.kuper_operator_token) {
        refuse("kuper_listener", "operator_token", &too_short);
    }
    if short(&config.stock_api_token) {
        refuse("stock_api", "token", &too_short);
    }
    if short(&config.metrics.token) {
        refuse("metrics", "token", &too_short);
    }
    refused
}
