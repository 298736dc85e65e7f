//! The sandbox bank's payment page, `/pay/{paymentId}`: the order's lines
//! and total, and what a payer can do — pay, pay after a 3-D Secure check,
//! fail the check, decline; for SBP the QR a bank app would read, for
//! SberPay the app's place. Plain HTML with no script and no external
//! asset; the choice is a form post, answered with a redirect back to the
//! shop (`backUrl`) once the payment is settled. The 54-FZ receipts the
//! bank was sent are printed below, and given as JSON at
//! `/pay/{paymentId}/receipts`. `/pay/done` is where a payer lands when no
//! return address was configured.

use std::fmt::Write as _;

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use orders::Order;
use payment_gateways::sandbox::PayerChoice;
use payments::{Payment, PaymentMethod, PaymentStatus};
use serde::Deserialize;

use crate::McpState;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    // `/pay/done` before `/pay/{paymentId}`, which would take it.
    cfg.service(done).service(page).service(choose).service(receipts);
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn html(status: actix_web::http::StatusCode, title: &str, body: &str, refresh: Option<&str>) -> HttpResponse {
    document(status, title, body, refresh, "Sandbox bank — no real money moves.")
}

fn document(
    status: actix_web::http::StatusCode,
    title: &str,
    body: &str,
    refresh: Option<&str>,
    note: &str,
) -> HttpResponse {
    let refresh = refresh
        .map(|r| format!(r#"<meta http-equiv="refresh" content="{}">"#, escape(r)))
        .unwrap_or_default();
    let document = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
{refresh}<title>{title}</title>
<style>
body {{ font: 16px/1.4 system-ui, sans-serif; max-width: 34rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }}
table {{ width: 100%; border-collapse: collapse; }} td, th {{ padding: .3rem 0; border-bottom: 1px solid #ddd; text-align: left; }}
td.n {{ text-align: right; }} .total {{ font-weight: 600; font-size: 1.2rem; }}
button {{ font: inherit; padding: .6rem 1rem; margin: .3rem .3rem 0 0; border-radius: .4rem; border: 1px solid #888; cursor: pointer; }}
button.pay {{ background: #21a038; color: white; border-color: #21a038; }} .note {{ color: #666; font-size: .9rem; }}
</style></head><body>
<p class="note">{note}</p>
<h1>{title}</h1>
{body}
</body></html>"#,
        title = escape(title),
        note = escape(note),
    );
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'",
        ))
        .insert_header(("X-Frame-Options", "DENY"))
        .body(document)
}

fn not_found() -> HttpResponse {
    html(
        actix_web::http::StatusCode::NOT_FOUND,
        "No such payment",
        "<p>This payment link is not valid.</p>",
        None,
    )
}

fn unavailable() -> HttpResponse {
    let mut response = html(
        actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
        "Try again",
        "<p>Payments are unavailable for a moment. Reload this page.</p>",
        Some("2"),
    );
    response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("2"));
    response
}

fn order_table(order: &Order) -> String {
    let mut rows = String::new();
    for line in &order.lines {
        let _ = write!(
            rows,
            r#"<tr><td>{}</td><td class="n">{} {}</td><td class="n">{}</td></tr>"#,
            escape(&line.name),
            line.quantity.normalize(),
            line.unit.as_str(),
            line.total
        );
    }
    format!(
        r#"<p>Order <code>{id}</code></p>
<table><tr><th>Item</th><th class="n">Qty</th><th class="n">Sum</th></tr>{rows}
<tr><td>Delivery</td><td></td><td class="n">{delivery}</td></tr></table>
<p class="total" id="total">Total: {total}</p>"#,
        id = escape(order.id.as_str()),
        delivery = order.delivery_price,
        total = order.total,
    )
}

/// A receipt as the bank keeps it (`payments::receipt::to_stored`), printed.
fn receipt_table(id: &str, title: &str, receipt: &serde_json::Value) -> String {
    let mut rows = String::new();
    for item in receipt["items"].as_array().into_iter().flatten() {
        let price = item["price_minor"].as_i64().unwrap_or(0);
        let _ = write!(
            rows,
            r#"<tr><td>{}</td><td class="n">{} {}</td><td class="n">{}.{:02}</td><td class="n">НДС {}</td></tr>"#,
            escape(item["description"].as_str().unwrap_or("")),
            escape(item["quantity"].as_str().unwrap_or("")),
            escape(item["unit"].as_str().unwrap_or("")),
            price / 100,
            price % 100,
            escape(item["vat"].as_str().unwrap_or("")),
        );
    }
    let customer =
        receipt["customer"]["email"].as_str().or(receipt["customer"]["phone"].as_str()).unwrap_or("");
    format!(
        r#"<section id="{id}"><h2>{title}</h2><p class="note">To {customer}</p>
<table><tr><th>Item</th><th class="n">Qty</th><th class="n">Price</th><th class="n">VAT</th></tr>{rows}</table></section>"#,
        title = escape(title),
        customer = escape(customer),
    )
}

fn state_of(state: &McpState) -> Option<&crate::payment_routes::PaymentsState> {
    state.payments.as_ref().filter(|p| p.sandbox.is_some())
}

/// The sandbox's payment page (HTML).
#[utoipa::path(
    tag = "Sandbox",
    params(("paymentId" = String, Path, description = "The sandbox payment.")),
    responses(
        (status = 200, description = "The page.", content_type = "text/html"),
        (status = 404, description = "No such payment.", content_type = "text/html"),
        (status = 503, description = "Try again.", content_type = "text/html"),
    )
)]
#[get("/pay/{paymentId}")]
async fn page(state: web::Data<McpState>, id: web::Path<String>) -> HttpResponse {
    let Some(payments) = state_of(&state) else { return not_found() };
    let Some(bank) = &payments.sandbox else { return not_found() };
    let shown = match bank.page_state(&id).await {
        Ok(Some(shown)) => shown,
        Ok(None) => return not_found(),
        Err(_) => return unavailable(),
    };
    let (payment, order): (Payment, Order) = match payments.payments.refresh_with_order(&id).await {
        Ok(Some(found)) => found,
        Ok(None) => return not_found(),
        Err(_) => return unavailable(),
    };
    let ok = actix_web::http::StatusCode::OK;
    let mut table = order_table(&order);
    for (section, title, receipt) in [
        ("receipt", "Receipt (54-FZ)", &shown.receipt),
        ("refund-receipt", "Refund receipt", &shown.refund_receipt),
    ] {
        if let Some(receipt) = receipt {
            table.push_str(&receipt_table(section, title, receipt));
        }
    }
    let return_url = &shown.return_url;
    let return_link = escape(return_url);
    match payment.status {
        PaymentStatus::Pending if shown.checking => html(
            ok,
            "3-D Secure",
            &format!(r#"{table}<p id="state">Checking with your bank…</p>"#),
            Some("1"),
        ),
        PaymentStatus::Pending | PaymentStatus::WaitingForCapture => {
            let id = escape(&payment.id);
            let total = order.total;
            let card = r#"<button id="pay_3ds" name="choice" value="pay_3ds">Pay with 3-D Secure</button>
<button id="fail_3ds" name="choice" value="fail_3ds">3-D Secure fails</button>"#;
            let (title, intro, pay, extra) = match shown.method {
                PaymentMethod::Page => ("Pay for your order", String::new(), format!("Pay {total}"), card),
                PaymentMethod::Sbp => (
                    "Pay by SBP",
                    format!(
                        r#"<p><img id="sbp-qr" src="/payment/{id}/qr.svg" width="240" height="240" alt="SBP QR code"></p>
<p class="note">Scan with your bank's app. In the sandbox the code opens this page: pay here as your bank would.</p>"#
                    ),
                    format!("Pay {total} by SBP"),
                    "",
                ),
                PaymentMethod::SberPay => (
                    "Pay with SberPay",
                    r#"<p class="note">In the sandbox this page stands in for Sber's app.</p>"#.to_owned(),
                    format!("Pay {total} with SberPay"),
                    "",
                ),
            };
            html(
                ok,
                title,
                &format!(
                    r#"{intro}{table}
<form method="post" action="/pay/{id}">
<button class="pay" id="pay" name="choice" value="pay">{pay}</button>
{extra}
<button id="decline" name="choice" value="decline">Decline</button>
</form>"#
                ),
                None,
            )
        }
        status => {
            let outcome = match status {
                PaymentStatus::Succeeded => "Paid",
                PaymentStatus::Failed => "The payment failed",
                _ if shown.timed_out => "The time to pay for this order ran out",
                _ => "The payment was declined",
            };
            html(
                ok,
                outcome,
                &format!(
                    r#"{table}<p id="state">{status}</p><p><a id="back" href="{return_link}">Back to the shop</a></p>"#
                ),
                Some(&format!("2;url={return_url}")),
            )
        }
    }
}

/// The form the page posts.
#[derive(Deserialize, utoipa::ToSchema)]
struct Choice {
    #[schema(value_type = ChoiceName)]
    choice: String,
}

/// What a payer can choose (schema only).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
enum ChoiceName {
    Pay,
    #[serde(rename = "pay_3ds")]
    Pay3ds,
    #[serde(rename = "fail_3ds")]
    Fail3ds,
    Decline,
}

/// The payer's choice on the sandbox page: back to `backUrl` when settled.
#[utoipa::path(
    tag = "Sandbox",
    params(("paymentId" = String, Path, description = "The sandbox payment.")),
    request_body(content = Choice, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "To `backUrl`, or back to the page while 3-D Secure runs."),
        (status = 400, description = "Unknown choice.", content_type = "text/html"),
        (status = 404, description = "No such payment.", content_type = "text/html"),
    )
)]
#[post("/pay/{paymentId}")]
async fn choose(state: web::Data<McpState>, id: web::Path<String>, form: web::Form<Choice>) -> HttpResponse {
    let Some(payments) = state_of(&state) else { return not_found() };
    let Some(bank) = &payments.sandbox else { return not_found() };
    let Some(choice) = PayerChoice::parse(&form.choice) else {
        return html(
            actix_web::http::StatusCode::BAD_REQUEST,
            "Unknown choice",
            "<p>Go back and choose again.</p>",
            None,
        );
    };
    let status = match bank.choose(&id, choice).await {
        Ok(Some(status)) => status,
        Ok(None) => return not_found(),
        Err(_) => return unavailable(),
    };
    // What a real bank's notification does: the order follows at once.
    let settled = match payments.payments.refresh(&id).await {
        Ok(Some(payment)) => payment.status,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::warn!(payment = %id, error = %e, "sandbox payment not settled yet");
            status
        }
    };
    let location = match (settled.is_final(), bank.page_state(&id).await) {
        (true, Ok(Some(shown))) => shown.return_url,
        _ => format!("/pay/{id}"),
    };
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

/// The 54-FZ receipts the sandbox bank was sent for a payment, as it keeps
/// them: what a fiscal provider would have printed.
#[utoipa::path(
    tag = "Sandbox",
    params(("paymentId" = String, Path, description = "The sandbox payment.")),
    responses(
        (status = 200, description = "`{payment, refund}`: each a receipt or null."),
        (status = 404, description = "No such payment."),
        (status = 503, description = "Try again."),
    )
)]
#[get("/pay/{paymentId}/receipts")]
async fn receipts(state: web::Data<McpState>, id: web::Path<String>) -> HttpResponse {
    let Some(bank) = state_of(&state).and_then(|p| p.sandbox.as_ref()) else {
        return HttpResponse::NotFound().finish();
    };
    match bank.page_state(&id).await {
        Ok(Some(shown)) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(serde_json::json!({"payment": shown.receipt, "refund": shown.refund_receipt})),
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(_) => HttpResponse::ServiceUnavailable().insert_header((header::RETRY_AFTER, "2")).finish(),
    }
}

/// Where a payer lands after paying when the merchant configured no page
/// of their own (`payments.sberpay_return_url`).
#[utoipa::path(
    tag = "Sandbox",
    responses((status = 200, description = "The page.", content_type = "text/html"))
)]
#[get("/pay/done")]
async fn done() -> HttpResponse {
    document(
        actix_web::http::StatusCode::OK,
        "Thank you",
        "<p>The payment is with your bank. You can go back to the chat: the order's status follows it.</p>",
        None,
        "",
    )
}
