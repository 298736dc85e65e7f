//! Each service's OpenAPI document, collected from the routes it registers
//! (utoipa-actix-web: a route is registered by documenting it), with the
//! facts no handler carries: which seed version `mcp-api` implements, the
//! seed's own summaries and descriptions of its operations, the security
//! schemes the operations name.

use actix_web::App;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{Service, ops};

mod v3_0;

/// The seed spec (`openapi/seed/mcp-merchant-api.yaml`) `mcp-api` implements.
pub const SEED_VERSION: &str = "1.0.5";

/// The seed itself: its operations' summaries and descriptions are the
/// contract's words, kept as written.
const SEED: &str = include_str!("../../../../openapi/seed/mcp-merchant-api.yaml");

/// Each seed operation's `summary` and `description` on ours, where the
/// seed has them.
fn seed_texts(api: &mut OpenApi) {
    let seed: serde_json::Value = serde_yaml_ng::from_str(SEED).expect("the seed is YAML");
    let Some(paths) = seed["paths"].as_object() else { return };
    for (path, item) in paths {
        let Some(ours) = api.paths.paths.get_mut(path) else { continue };
        let Some(methods) = item.as_object() else { continue };
        for (method, op) in methods {
            let operation = match method.as_str() {
                "get" => ours.get.as_mut(),
                "post" => ours.post.as_mut(),
                "put" => ours.put.as_mut(),
                "patch" => ours.patch.as_mut(),
                "delete" => ours.delete.as_mut(),
                _ => None,
            };
            let Some(operation) = operation else { continue };
            let text = |key: &str| op[key].as_str().map(|t| t.trim_end().to_owned());
            operation.summary = text("summary").or(operation.summary.take());
            operation.description = text("description").or(operation.description.take());
        }
    }
}

/// The documented routes of `service` (besides the operational ones).
pub(crate) fn service_routes(service: Service) -> fn(&mut ServiceConfig) {
    match service {
        Service::McpApi => mcp_api_http::routes,
        // The console's pages are HTML for people, not an API.
        Service::Console => |_| {},
        // The MCP endpoint speaks JSON-RPC, not REST; what is documented is
        // the sandbox bank's payment page it serves beside it.
        Service::McpServer => mcp_api_http::pay_page_routes,
        Service::KuperListener => kuper_http::routes,
    }
}

/// The routes of `service`, every one of them documented.
pub(crate) fn routes(service: Service) -> impl Fn(&mut ServiceConfig) {
    move |cfg: &mut ServiceConfig| {
        cfg.configure(ops::routes).configure(service_routes(service));
    }
}

/// `service`'s OpenAPI document; needs no database and no configuration.
pub fn spec(service: Service) -> OpenApi {
    let (_, mut api) = App::new().into_utoipa_app().configure(routes(service)).split_for_parts();
    let crate_version = env!("CARGO_PKG_VERSION");
    match service {
        Service::McpApi => {
            api.info.title = "MCP-Merchant Integration API".into();
            api.info.version = SEED_VERSION.into();
            api.info.description = Some(format!(
                "The seed spec {SEED_VERSION} as mcp-api {crate_version} serves it, with its deliberate \
                 additions (error responses, the payment notification endpoint, the sandbox payment page, \
                 the merchant's stock API, operations)."
            ));
            seed_texts(&mut api);
            let components = api.components.get_or_insert_with(Default::default);
            components.add_security_scheme(
                "stock_api",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
            components.add_security_scheme(
                "mcp_client",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(
                            "The MCP client's token (issued by `merchantctl tokens create --client NAME`) or a JWT \
                             of the configured issuer. Operations that act for a shopper may carry it in \
                             `credentials.oauth2` instead.",
                        ))
                        .build(),
                ),
            );
        }
        Service::Console => {
            api.info.title = "Staff console".into();
            api.info.version = crate_version.into();
            api.info.description = Some("Operations of the staff console; its pages are HTML.".into());
        }
        Service::McpServer => {
            api.info.title = "merchant-mcp".into();
            api.info.version = crate_version.into();
            api.info.description = Some(
                "The merchant's own MCP server: the MCP endpoint is `/mcp` (Streamable HTTP, JSON-RPC); \
                 documented here are the sandbox payment page and operations."
                    .into(),
            );
        }
        Service::KuperListener => {
            api.info.title = "Kuper listener".into();
            api.info.version = crate_version.into();
            api.info.description =
                Some("Kuper's webhooks in (KUPER-WIRE.md) and the operator API for staff steps.".into());
            let components = api.components.get_or_insert_with(Default::default);
            components.add_security_scheme(
                "operator",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
    api.info.license = None;
    api.info.contact = None;
    api
}

/// [`spec`] as the JSON `/openapi.json` serves and `openapi/` holds.
pub fn json(service: Service) -> String {
    spec(service).to_pretty_json().expect("an OpenAPI document serializes") + "\n"
}

/// [`json`] rendered as OpenAPI 3.0.3 (`openapi/*.3.0.json`), for client
/// generators that do not read 3.1; see [`v3_0`] for what changes.
pub fn json_3_0(service: Service) -> String {
    let document: serde_json::Value = serde_json::from_str(&json(service)).expect("our own document is JSON");
    serde_json::to_string_pretty(&v3_0::downgrade(&document)).expect("a JSON value serializes") + "\n"
}
