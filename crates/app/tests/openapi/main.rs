//! The OpenAPI documents of both services: the committed files under
//! `openapi/` are what the code generates (`cargo xtask openapi` rewrites
//! them), and `mcp-api`'s conforms to the seed spec, with a check of the
//! check on a mutated copy.

mod conformance;

use std::path::PathBuf;

use app::Service;
use app::openapi::{self, SEED_VERSION};
use conformance::{Allowed, differences};
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
        "/merchant/stock",
        "/merchant/stock/moves",
    ],
    // The same address type serves /delivery and /checkout.
    properties: &["post /delivery in.deliveryAddress fullAddress"],
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
    for (service, file) in
        [(Service::McpApi, "mcp-api.json"), (Service::KuperListener, "kuper-listener.json")]
    {
        let path = root().join("openapi").join(file);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == openapi::json(service),
            "{} is stale: run `cargo xtask openapi` and commit",
            path.display()
        );
    }
}

#[test]
fn mcp_api_conforms_to_the_seed_spec() {
    let seed = seed();
    assert_eq!(seed["info"]["version"], SEED_VERSION, "info.version names the seed we implement");
    let found = differences(&seed, &ours(), &ALLOWED);
    assert!(found.is_empty(), "{} differences from the seed:\n{}", found.len(), found.join("\n"));
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
}
