//! What each service serves, built from the configuration: the adapters
//! chosen, the use cases assembled, the routes registered.

use std::sync::Arc;

use actix_web::web;
use domain::SystemClock;
use identity::{Authenticator, AuthenticatorSettings, IdentityProvider, JwtVerifier, SandboxProvider};
use identity_providers::{IntrospectionProvider, SberIdProvider, SetupError};
use storage::{Database, DbIdentityStore};

use crate::config::{Config, ConfigError, JwtKeyConfig, ProviderMode};
use crate::server::StartError;

fn setup_error(e: SetupError) -> StartError {
    StartError::Config(ConfigError { setting: e.setting.to_owned(), problem: e.problem })
}

fn config_error(setting: &str, problem: impl std::fmt::Display) -> StartError {
    StartError::Config(ConfigError { setting: setting.to_owned(), problem: problem.to_string() })
}

/// The authenticator over the database, as every MCP route and
/// `merchantctl tokens` use it.
pub fn authenticator(db: &Database, config: &Config) -> Result<Authenticator, StartError> {
    let auth = &config.mcp_auth;
    let jwt = match &auth.jwt {
        None => None,
        Some((JwtKeyConfig::Pem(path), settings)) => {
            let setting = "MERCHANT_MCP_AUTH_JWT_PUBLIC_KEY_FILE";
            let pem = std::fs::read(path)
                .map_err(|e| config_error(setting, format!("cannot read {}: {e}", path.display())))?;
            Some(JwtVerifier::from_pem(&pem, settings.clone()).map_err(|e| config_error(setting, e))?)
        }
        Some((JwtKeyConfig::Jwks(path), settings)) => {
            let setting = "MERCHANT_MCP_AUTH_JWT_JWKS_FILE";
            let json = std::fs::read_to_string(path)
                .map_err(|e| config_error(setting, format!("cannot read {}: {e}", path.display())))?;
            Some(JwtVerifier::from_jwks(&json, settings.clone()).map_err(|e| config_error(setting, e))?)
        }
    };
    Ok(Authenticator::new(
        Arc::new(DbIdentityStore::new(db.clone())),
        Arc::new(SystemClock),
        jwt,
        AuthenticatorSettings {
            access_token_ttl: auth.access_token_ttl,
            max_failures: auth.max_failures,
            failure_window: auth.failure_window,
        },
    ))
}

fn provider(
    name: &str,
    mode: ProviderMode,
    live: impl FnOnce() -> Result<Arc<dyn IdentityProvider>, SetupError>,
) -> Result<Option<Arc<dyn IdentityProvider>>, StartError> {
    Ok(match mode {
        ProviderMode::Disabled => None,
        ProviderMode::Sandbox => {
            tracing::warn!(
                provider = name,
                "sandbox identity provider: test tokens log anyone in; never in production"
            );
            Some(Arc::new(SandboxProvider))
        }
        ProviderMode::Live => Some(live().map_err(setup_error)?),
    })
}

/// The routes of `mcp-api`.
pub fn mcp_api(
    db: &Database,
    config: &Config,
) -> Result<impl Fn(&mut web::ServiceConfig) + Clone + Send + use<>, StartError> {
    let sberid = provider("sberid", config.sberid.mode, || {
        let settings = config.sberid.live.as_ref().expect("live mode has settings");
        Ok(Arc::new(SberIdProvider::new(settings)?))
    })?;
    let merchant_token = provider("token_introspection", config.token_introspection.mode, || {
        let settings = config.token_introspection.live.clone().expect("live mode has settings");
        Ok(Arc::new(IntrospectionProvider::new(settings)?))
    })?;
    Ok(mcp_http::configure(mcp_http::McpState {
        authenticator: Arc::new(authenticator(db, config)?),
        sberid,
        merchant_token,
        max_body_bytes: config.http.max_body_bytes,
        catalog_requires_client: config.mcp_auth.catalog_requires_client,
    }))
}

/// The routes of `kuper-listener` beyond the operational ones: none yet.
pub fn kuper_listener(
    _db: &Database,
    _config: &Config,
) -> Result<impl Fn(&mut web::ServiceConfig) + Clone + Send + use<>, StartError> {
    Ok(|_: &mut web::ServiceConfig| {})
}
