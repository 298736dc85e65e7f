//! `kuper-sim scenario`: a Kuper order of each integration type all the way
//! round — created and paid by (simulated) Kuper, driven by staff through the
//! listener's operator API, delivered — and then checked: every
//! notification arrived, in a valid sequence, with the composition staff
//! entered.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::rules::Integration;

#[derive(Debug)]
pub struct Scenario {
    /// The running simulator, e.g. `http://127.0.0.1:8082`.
    pub sim: String,
    /// The listener's operator API and its token.
    pub operator: String,
    pub operator_token: String,
    /// The store of each integration type to order from.
    pub stores: Vec<(Integration, String)>,
    pub sku: String,
    pub grocery: Option<Grocery>,
    pub timeout: Duration,
}

/// A grocery order as a store picks it: `sku` ordered 3 and 2 found, a
/// weighed product ordered 700 g and 734 g cut, a product not found and
/// replaced by another.
#[derive(Clone, Debug)]
pub struct Grocery {
    pub weighed: String,
    pub replaced: String,
    pub replacement: String,
}

impl Scenario {
    /// What the customer orders.
    fn positions(&self) -> Value {
        match &self.grocery {
            None => json!([{"id": self.sku, "quantity": 2}]),
            Some(g) => {
                json!([{"id": self.sku, "quantity": 3}, {"id": g.weighed, "quantity": 1, "weight": 700},
                              {"id": g.replaced, "quantity": 1}])
            }
        }
    }

    /// The final composition staff enter, and Kuper must receive.
    pub fn composition(&self) -> Value {
        match &self.grocery {
            None => {
                json!({"positions": [{"id": self.sku, "quantity": 2, "replacedByID": null}], "packs": {"count": 1}})
            }
            Some(g) => json!({"positions": [
                {"id": self.sku, "quantity": 2, "replacedByID": null},
                {"id": g.weighed, "quantity": 1, "weight": 734, "replacedByID": null},
                {"id": g.replaced, "quantity": 0, "replacedByID": g.replacement},
                {"id": g.replacement, "quantity": 1, "replacedByID": null}], "packs": {"count": 2}}),
        }
    }
}

struct Client<'a> {
    http: reqwest::Client,
    scenario: &'a Scenario,
}

impl Client<'_> {
    async fn call(
        &self,
        method: reqwest::Method,
        url: String,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Result<(u16, Value), String> {
        let mut request = self.http.request(method, &url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| format!("{url}: {e}"))?;
        let status = response.status().as_u16();
        Ok((status, response.json().await.unwrap_or(Value::Null)))
    }

    async fn sim(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{path}", self.scenario.sim.trim_end_matches('/'));
        match self.call(method, url, body, None).await? {
            (200, body) => Ok(body),
            (status, body) => Err(format!("simulator {path}: {status} {body}")),
        }
    }

    async fn staff(&self, order: &str, action: &str, payload: Value) -> Result<(), String> {
        let url = format!(
            "{}/operator/kuper/orders/{order}/{action}",
            self.scenario.operator.trim_end_matches('/')
        );
        match self
            .call(reqwest::Method::POST, url, Some(payload), Some(&self.scenario.operator_token))
            .await?
        {
            (200, _) => Ok(()),
            (status, body) => Err(format!("staff {action} on {order}: {status} {body}")),
        }
    }

    async fn status(&self, order: &str) -> Result<String, String> {
        let url = format!("{}/operator/kuper/orders/{order}", self.scenario.operator.trim_end_matches('/'));
        match self.call(reqwest::Method::GET, url, None, Some(&self.scenario.operator_token)).await? {
            (200, body) => Ok(body["status"].as_str().unwrap_or_default().to_owned()),
            (status, body) => Err(format!("operator order {order}: {status} {body}")),
        }
    }
}

/// The staff actions of a whole round, with their payloads.
fn staff_round(integration: Integration, composition: &Value) -> Vec<(&'static str, Value)> {
    let mut round = vec![("in_work", json!({})), ("assembled", json!({}))];
    if integration == Integration::Pickup {
        round.push(("pickup_code_created", json!({"code": "4821"})));
    }
    round.push(("ready_for_delivery", json!({"order": composition})));
    match integration {
        Integration::KuperDelivery => {}
        Integration::Pickup => round.push(("delivered", json!({}))),
        Integration::MerchantDelivery => round.extend([
            ("estimated_delivery_time", json!({"estimated_delivery_at": "2026-11-25T13:30:00+03:00"})),
            ("delivering", json!({})),
            ("delivered", json!({})),
        ]),
    }
    round
}

/// Runs one round per configured store; `Err` names what went wrong.
pub async fn run(scenario: &Scenario) -> Result<Vec<String>, String> {
    let client = Client { http: reqwest::Client::new(), scenario };
    let mut orders = Vec::new();
    for (integration, store) in &scenario.stores {
        let created = client
            .sim(
                reqwest::Method::POST,
                "/sim/orders",
                Some(json!({"integration": integration, "store": store, "positions": scenario.positions()})),
            )
            .await?;
        let order = created["originalOrderId"].as_str().unwrap_or_default().to_owned();
        if created["reply"]["status"] != "created" {
            return Err(format!("order.created for {order}: the listener answered {created}"));
        }
        println!(
            "{order} ({}): created at {store}, our number {}",
            integration.as_str(),
            created["reply"]["number"]
        );
        client
            .sim(
                reqwest::Method::POST,
                &format!("/sim/orders/{order}/events"),
                Some(json!({"event_type": "order.paid"})),
            )
            .await?;
        for (action, payload) in staff_round(*integration, &scenario.composition()) {
            client.staff(&order, action, payload).await?;
            println!("{order}: staff {action}");
        }
        orders.push((order, *integration));
    }
    let deadline = Instant::now() + scenario.timeout;
    for (order, integration) in &orders {
        let view = loop {
            let view = client.sim(reqwest::Method::GET, &format!("/sim/orders/{order}"), None).await?;
            // The listener may be restarting: keep asking until the deadline.
            let delivered = client.status(order).await.is_ok_and(|status| status == "delivered");
            if (view["complete"] == true && delivered) || Instant::now() > deadline {
                break view;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        check(order, *integration, &view, &scenario.composition())?;
        println!("{order}: Kuper received {} — delivered", view["accepted"]);
    }
    Ok(orders.into_iter().map(|(order, _)| order).collect())
}

fn check(order: &str, integration: Integration, view: &Value, expected: &Value) -> Result<(), String> {
    if view["complete"] != true {
        return Err(format!("{order}: Kuper did not receive a whole round in time: {view}"));
    }
    if view["refused"].as_array().is_some_and(|r| !r.is_empty()) {
        return Err(format!("{order}: Kuper refused notifications: {}", view["refused"]));
    }
    if view["orderUuidMissing"].as_array().is_some_and(|r| !r.is_empty()) {
        return Err(format!(
            "{order}: notifications without the order's orderUUID: {}",
            view["orderUuidMissing"]
        ));
    }
    let got = &view["finalComposition"];
    if got["positions"] != expected["positions"] || got["packs"] != expected["packs"] {
        return Err(format!("{order}: the final composition differs from what staff entered: {got}"));
    }
    if integration == Integration::KuperDelivery && view["closedByKuper"].is_null() {
        return Err(format!("{order}: Kuper's courier did not finish"));
    }
    Ok(())
}
