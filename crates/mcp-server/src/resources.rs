//! The server as a whole: what it says of itself, its resources (the
//! store list; a product by id) and its prompt ("find, choose a slot,
//! order, pay"). The tools are in `tools`.

use rmcp::model::{
    ErrorData, GetPromptRequestParams, GetPromptResponse, GetPromptResult, Implementation, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, PaginatedRequestParams, Prompt, PromptArgument,
    PromptMessage, ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
    ResourceContents, ResourceTemplate, Role, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, ServerHandler, tool_handler};
use serde_json::json;

use crate::MerchantMcp;

const STORES_URI: &str = "merchant://stores";
const PRODUCT_PREFIX: &str = "merchant://products/";
const SHOP_PROMPT: &str = "shop";

fn store_json(store: &catalog::Store) -> serde_json::Value {
    let zone = match &store.delivery_zone {
        None => "no delivery".to_owned(),
        Some(catalog::DeliveryZone::Radius { metres }) => format!("delivers within {metres} m"),
        Some(_) => "delivers within its zone".to_owned(),
    };
    json!({
        "store_id": store.id.as_str(),
        "name": store.name,
        "address": store.address,
        "latitude": store.location.lat(),
        "longitude": store.location.lon(),
        "opening_hours": store.opening_hours,
        "time_zone": store.time_zone,
        "pickup": store.pickup,
        "delivery": zone,
    })
}

/// The catalog did not answer: logged, and said plainly (never its words).
fn unavailable(e: &catalog::RepoError) -> ErrorData {
    tracing::error!(error = %e, "merchant-mcp: a resource could not be read");
    ErrorData::internal_error("the shop is unavailable for a moment; try again", None)
}

fn not_found(uri: &str) -> ErrorData {
    ErrorData::resource_not_found(format!("no resource {uri}"), None)
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for MerchantMcp {
    fn get_info(&self) -> ServerConfig {
        let capabilities =
            ServerCapabilities::builder().enable_tools().enable_resources().enable_prompts().build();
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new("merchant-mcp", env!("CARGO_PKG_VERSION")))
            .with_instructions(format!(
                "The shop of {}: search products near the shopper, choose a delivery or pickup slot, place \
                 the order and give the shopper a payment link. Sign the shopper in first (sign_in). \
                 Магазин {}: найдите товары, выберите слот, оформите заказ и дайте ссылку на оплату.",
                self.state.merchant_name, self.state.merchant_name
            ))
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let stores = Resource::new(STORES_URI, "stores")
            .with_description("The merchant's stores: address, location, hours, pickup and delivery zone.")
            .with_mime_type("application/json");
        Ok(ListResourcesResult::with_all_items(vec![stores]))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let product = ResourceTemplate::new(format!("{PRODUCT_PREFIX}{{sku}}"), "product")
            .with_description("A product by id: name, brand, unit, description, photo.")
            .with_mime_type("application/json");
        Ok(ListResourceTemplatesResult::with_all_items(vec![product]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let uri = request.uri.as_str();
        let body = if uri == STORES_URI {
            let stores = self.state.catalog.stores().await.map_err(|e| unavailable(&e))?;
            json!({"stores": stores.iter().map(store_json).collect::<Vec<_>>()})
        } else if let Some(raw) = uri.strip_prefix(PRODUCT_PREFIX) {
            let sku = domain::SkuId::new(raw).map_err(|_| not_found(uri))?;
            let product = self
                .state
                .catalog
                .products(std::slice::from_ref(&sku))
                .await
                .map_err(|e| unavailable(&e))?
                .pop()
                .ok_or_else(|| not_found(uri))?;
            json!({
                "sku": product.sku.as_str(), "name": product.name, "brand": product.brand,
                "category": product.category, "unit": product.unit.as_str(),
                "description": product.description, "photo_url": product.photo_url,
            })
        } else {
            return Err(not_found(uri));
        };
        let contents = ResourceContents::text(body.to_string(), uri).with_mime_type("application/json");
        Ok(ReadResourceResult::new(vec![contents]).into())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        let prompt = Prompt::new(
            SHOP_PROMPT,
            Some(
                "Find what the shopper wants, choose a slot, order and pay. Найти, выбрать слот, заказать, оплатить.",
            ),
            Some(vec![
                PromptArgument::new("wish")
                    .with_description("What the shopper wants, in their words.")
                    .with_required(true),
                PromptArgument::new("address")
                    .with_description("Where to deliver (or a store for pickup).")
                    .with_required(false),
            ]),
        );
        Ok(ListPromptsResult::with_all_items(vec![prompt]))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        if request.name != SHOP_PROMPT {
            return Err(ErrorData::invalid_params(format!("no prompt {}", request.name), None));
        }
        let argument = |name: &str| {
            request
                .arguments
                .as_ref()
                .and_then(|a| a.get(name))
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let (wish, address) = (argument("wish"), argument("address"));
        let text = format!(
            "The shopper wants: {wish}. Deliver to: {address}.\n\
             1. If the shopper is not signed in, ask for their sign-in token and call sign_in.\n\
             2. search_products with their words and location; offer the best few, say the price and whether \
                each is in stock; confirm the choice and quantities (get_products for current prices).\n\
             3. delivery_options for the chosen items and address (or pickup store); offer a few slots with \
                the order total.\n\
             4. place_order with the chosen slot exactly as given, the total the shopper agreed to as \
                expected_total, and a fresh idempotency_key; if a price changed or the slot is full, say so \
                and offer again.\n\
             5. payment_link and give the link to the shopper; then order_status until it is paid.\n\
             Answer in the shopper's language."
        );
        Ok(GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
            .with_description("Find, choose a slot, order, pay.")
            .into())
    }
}
