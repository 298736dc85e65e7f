//! The OpenAPI documents of both services: the committed files under
//! `openapi/` are what the code generates (`cargo xtask openapi` rewrites
//! them), and `mcp-api`'s conforms to the seed spec, with a check of the
//! check on a mutated copy.

mod conformance;

use std::path::PathBuf;

use app::Service;
use app::openapi::{self, SEED_VERSION};
use conformance::{Allowed, Needs, code_comments, differences};
use serde_json::Value;

/// What `mcp-api` serves beyond the seed, on purpose.
const ALLOWED: Allowed = Allowed {
    paths: &[
        "/health/live",
        "/health/ready",
        "/metrics",
        "/openapi.json",
        "/docs",
        "/payment/notifications/yookassa",
        "/pay/{paymentId}",
        "/pay/{paymentId}/receipts",
        "/pay/done",
        "/payment/{paymentId}/qr.svg",
        "/merchant/stock",
        "/merchant/stock/moves",
    ],
    // The same address type serves /delivery and /checkout.
    // PaymentInitRequest allows other properties: ours picks the method.
    properties: &["post /delivery in.deliveryAddress fullAddress", "PaymentInitRequest.method"],
    required_beyond: &[
        // Always sent: an MCP server can tell where, how many and how.
        "ProductItem.storeAddress",
        "ProductItem.unit",
        "ProductItem.stock",
        "ProductItem.availToDelivery",
        "ProductItem.availToPickupFromStore",
        "DeliveryResponse.options",
        "DeliveryPickupOptions.orderPrice",
        "PaymentInitResponse.details",
        // Delivery needs coordinates: we do not geocode a bare address.
        "DeliveryRequest.lat",
        "DeliveryRequest.lon",
        "CheckoutRequest.lat",
        "CheckoutRequest.lon",
    ],
    client: &[
        ("post /auth/sberid", Needs::Always),
        ("post /auth/other", Needs::Always),
        ("post /checkout", Needs::Always),
        ("post /payment/init", Needs::Always),
        ("post /payment/finish", Needs::Always),
        // Open unless `catalog_requires_client` is set.
        ("post /search", Needs::Optional),
        ("post /actualize", Needs::Optional),
        ("post /delivery", Needs::Optional),
        // With `X-Access-Token`, the client too.
        ("get /order/{orderId}/status", Needs::Optional),
    ],
};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn seed() -> Value {
    let text = std::fs::read_to_string(root().join("openapi/seed/mcp-merchant-api.yaml")).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

fn ours() -> Value {
    serde_json::from_str(&openapi::json(Service::McpApi)).unwrap()
}

#[test]
fn the_committed_documents_are_what_the_code_generates() {
    for (service, name) in [
        (Service::McpApi, "mcp-api"),
        (Service::KuperListener, "kuper-listener"),
        (Service::McpServer, "merchant-mcp"),
    ] {
        for (file, generated) in [
            (format!("{name}.json"), openapi::json(service)),
            (format!("{name}.3.0.json"), openapi::json_3_0(service)),
        ] {
            let path = root().join("openapi").join(file);
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == generated,
                "{} is stale: run `cargo xtask openapi` and commit",
                path.display()
            );
        }
    }
}

/// No document of ours says "extractor" or `fn` to a client: summaries
/// and descriptions are for the people reading a reference.
#[test]
fn no_operation_is_described_by_a_code_comment() {
    for service in [Service::McpApi, Service::KuperListener, Service::McpServer] {
        let ours: Value = serde_json::from_str(&openapi::json(service)).unwrap();
        let found = code_comments(&ours);
        assert!(found.is_empty(), "{service:?}:\n{}", found.join("\n"));
    }
    let mut planted = ours();
    planted["paths"]["/search"]["post"]["summary"] = "Extractors run in order".into();
    assert_eq!(code_comments(&planted).len(), 1, "the check finds what it looks for");
}

#[test]
fn mcp_api_conforms_to_the_seed_spec_in_3_1_and_in_3_0() {
    let seed = seed();
    assert_eq!(seed["info"]["version"], SEED_VERSION, "info.version names the seed we implement");
    let found = differences(&seed, &ours(), &ALLOWED);
    assert!(found.is_empty(), "{} differences from the seed:\n{}", found.len(), found.join("\n"));
    let ours_3_0: Value = serde_json::from_str(&openapi::json_3_0(Service::McpApi)).unwrap();
    let found = differences(&seed, &ours_3_0, &ALLOWED);
    assert!(
        found.is_empty(),
        "3.0 rendering: {} differences from the seed:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// Nothing of 3.1 is left in the 3.0 renderings: no type lists, no null
/// type, no `const`, no numeric exclusive bounds, no schema `examples`.
#[test]
fn the_3_0_renderings_speak_3_0_only() {
    fn check(path: &str, value: &Value, problems: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if map.get("type").is_some_and(|t| t.is_array() || t == "null") {
                    problems.push(format!("{path}: type {}", map["type"]));
                }
                for key in ["const", "jsonSchemaDialect", "webhooks"] {
                    if map.contains_key(key) {
                        problems.push(format!("{path}: {key}"));
                    }
                }
                for key in ["exclusiveMinimum", "exclusiveMaximum"] {
                    if map.get(key).is_some_and(Value::is_number) {
                        problems.push(format!("{path}: numeric {key}"));
                    }
                }
                if map.contains_key("$ref") && map.len() > 1 {
                    problems.push(format!("{path}: siblings of $ref"));
                }
                for (k, v) in map {
                    check(&format!("{path}/{k}"), v, problems);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    check(&format!("{path}/{i}"), v, problems);
                }
            }
            _ => {}
        }
    }
    for service in [Service::McpApi, Service::KuperListener, Service::McpServer] {
        let doc: Value = serde_json::from_str(&openapi::json_3_0(service)).unwrap();
        assert_eq!(doc["openapi"], "3.0.3");
        let mut problems = Vec::new();
        check("", &doc, &mut problems);
        assert!(problems.is_empty(), "{service:?}: {problems:#?}");
    }
}

#[test]
fn the_conformance_check_catches_what_a_client_would_trip_on() {
    let seed = seed();
    let mut optional = ours();
    let required = optional["components"]["schemas"]["ProductItem"]["required"].as_array_mut().unwrap();
    required.retain(|f| f != "availToDelivery");
    let found = differences(&seed, &optional, &ALLOWED);
    assert!(
        found.iter().any(|d| d.contains("availToDelivery is listed as required in ours but is optional")),
        "{found:?}"
    );
    let mut unpromised = ours();
    let required = unpromised["components"]["schemas"]["ProductItem"]["required"].as_array_mut().unwrap();
    required.retain(|f| f != "skuId");
    let found = differences(&seed, &unpromised, &ALLOWED);
    assert!(found.iter().any(|d| d.contains("skuId is required in the seed, optional in ours")), "{found:?}");

    let mut unbounded = ours();
    unbounded["components"]["schemas"]["SearchRequest"]["properties"]["maxResult"]
        .as_object_mut()
        .unwrap()
        .remove("maximum");
    let found = differences(&seed, &unbounded, &ALLOWED);
    assert!(found.iter().any(|d| d.contains("maxResult: maximum")), "{found:?}");

    let mut missing = ours();
    missing["paths"].as_object_mut().unwrap().remove("/actualize");
    assert!(differences(&seed, &missing, &ALLOWED).iter().any(|d| d.contains("post /actualize is missing")));

    let mut renamed = ours();
    let unit = &mut renamed["components"]["schemas"]["Unit"]["enum"];
    *unit = serde_json::json!(["pcs", "kg", "g", "l", "millilitre"]);
    assert!(differences(&seed, &renamed, &ALLOWED).iter().any(|d| d.contains("enum")));

    let mut undeclared = ours();
    undeclared["paths"]["/auth/other"]["post"].as_object_mut().unwrap().remove("security");
    assert!(
        differences(&seed, &undeclared, &ALLOWED)
            .iter()
            .any(|d| d.contains("post /auth/other: needs the MCP client")),
        "an operation that needs the header without declaring it"
    );
    let mut closed = ours();
    closed["paths"]["/search"]["post"]["security"] = serde_json::json!([{"mcp_client": []}]);
    assert!(differences(&seed, &closed, &ALLOWED).iter().any(|d| d.contains("post /search: takes")));
    let mut reworded = ours();
    reworded["paths"]["/auth/sberid"]["post"]["summary"] = "Sign in".into();
    assert!(differences(&seed, &reworded, &ALLOWED).iter().any(|d| d.contains("summary is not the seed's")));
}
