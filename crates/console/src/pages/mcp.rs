//! An MCP order's page.

use identity::staff::StaffAccount;
use maud::{Markup, html};
use orders::Shipping;
use payments::PaymentMethod;
use payments::receipt::{Contact, Receipt};
use staff_desk::McpOrderPage;

use super::{clock, layout, status};

fn action_label(action: orders::Action) -> &'static str {
    match action {
        orders::Action::Process => "Начать сборку",
        orders::Action::Deliver => "Передать курьеру",
        orders::Action::ReadyForPickup => "Готов к выдаче",
        orders::Action::Complete => "Выдан покупателю",
        orders::Action::Cancel => "Отменить",
        other => other.as_str(),
    }
}

pub fn order_page(account: &StaffAccount, csrf: &str, view: &McpOrderPage, error: Option<&str>) -> Markup {
    let o = &view.order;
    let steps = &view.steps;
    let z = view.zone.as_str();
    layout(
        &format!("Заказ ИИ-агента {}", o.id),
        Some((account, csrf)),
        &html! {
            dl.facts {
                dt { "Статус" } dd id="status" data-status=(o.status.as_str()) { (status(o.status.as_str())) }
                dt { "Магазин" } dd { (o.store) }
                dt { "Покупатель" } dd { (o.user) }
                dt { "Получение" }
                dd { @match &o.shipping {
                    Shipping::Delivery { address, .. } => { "доставка: " (address.clone().unwrap_or_default()) }
                    Shipping::Pickup => { "самовывоз из магазина" }
                } }
                dt { "Слот" } dd { (clock(z, o.slot.starts_at, "%d.%m %H:%M")) " — " (clock(z, o.slot.ends_at, "%H:%M")) " (" (z) ")" }
                dt { "Сумма" } dd { (o.total.to_string()) " (товары " (o.items_total.to_string()) ", доставка " (o.delivery_price.to_string()) ")" }
                @if let Some(at) = o.expires_at { dt { "Оплатить до" } dd { (clock(z, at, "%d.%m %H:%M")) } }
            }
            h2 { "Позиции" }
            p.noprint { a #packing-link href=(format!("/orders/mcp/{}/packing", o.id)) { "Упаковочный лист" } }
            table id="lines" {
                thead { tr { th { "SKU" } th { "Товар" } th { "Количество" } th { "Цена" } th { "Сумма" } } }
                tbody {
                    @for l in &o.lines {
                        tr { td { (l.sku) } td { (l.name) } td { (l.quantity.to_string()) " " (l.unit.to_string()) } td { (l.unit_price.to_string()) } td { (l.total.to_string()) } }
                    }
                }
            }
            h2 { "Оплата" }
            @if view.payments.is_empty() { p id="payment" { "Попыток оплаты нет." } }
            @else {
                table id="payment" {
                    thead { tr { th { "Платёж" } th { "Шлюз" } th { "Способ" } th { "Сумма" } th { "Состояние" } th { "Чек 54-ФЗ" } th { "Обновлён (UTC)" } } }
                    tbody { @for p in &view.payments { tr {
                        td { (p.id) } td { (p.gateway) } td { (method_label(p.method)) } td { (p.amount.to_string()) }
                        td { (p.status.as_str()) } td { (receipt_label(p.receipt.as_ref())) } td { (clock(z, p.updated_at, "%d.%m %H:%M")) }
                    } } }
                }
            }
            @if !steps.is_empty() || error.is_some() {
                h2 { "Шаги" }
                form.steps method="post" action=(format!("/orders/mcp/{}/step", o.id)) id="steps" {
                    input type="hidden" name="csrf" value=(csrf);
                    @if let Some(error) = error { p.error id="step-error" role="alert" { (error) } }
                    @for action in steps { button type="submit" name="action" value=(action.as_str()) { (action_label(*action)) } }
                }
            }
            h2 { "История" }
            table id="history" {
                tbody { @for e in &view.events { tr { td { (clock(z, e.at, "%d.%m %H:%M:%S")) } td { (e.from.clone().unwrap_or_default()) " → " (e.to) } td { (e.action) } } } }
            }
            @if !view.trail.is_empty() {
                h2 { "Действия сотрудников" }
                ul id="audit" { @for e in &view.trail { li { (clock(z, e.at, "%d.%m %H:%M")) " " (e.login) ": " (e.action) } } }
            }
        },
    )
}

fn method_label(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::Page => "страница банка",
        PaymentMethod::SberPay => "SberPay",
        PaymentMethod::Sbp => "СБП",
    }
}

/// Whether the payment was fiscalised, and to whom the receipt went.
fn receipt_label(receipt: Option<&Receipt>) -> String {
    match receipt {
        None => "—".into(),
        Some(r) => match &r.customer {
            Contact::Email(email) => format!("отправлен: {email}"),
            Contact::Phone(phone) => format!("отправлен: +{phone}"),
        },
    }
}
