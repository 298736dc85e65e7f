//! A Kuper order's page and its picking form.

use identity::staff::StaffAccount;
use maud::{Markup, html};
use std::collections::HashMap;

use identity::staff::AuditEntry;
use orders::kuper::{KuperOrderView, LineView};

use super::{clock, field_error, layout, status, zone_note};
use crate::picking::FormError;

/// The picking form: per line what was found (pieces, or grams for goods
/// sold by weight), a replacement found by search as the picker types,
/// and the steps of the flow. After a refused step the form shows what
/// was typed, and the message beside the field it is about.
/// What the picking form holds: what was typed (or scanned), the refusal
/// beside the field it is about, what the last scan did.
pub struct Form<'a> {
    pub typed: &'a HashMap<String, String>,
    pub error: Option<&'a FormError>,
    pub said: Option<&'a str>,
}

fn picking_form(
    csrf: &str,
    order: &KuperOrderView,
    names: &HashMap<String, String>,
    form: &Form<'_>,
) -> Markup {
    let (typed, error) = (form.typed, form.error);
    let beside =
        |field: &str| error.filter(|e| e.field.as_deref() == Some(field)).map(|e| e.message.as_str());
    let was = |field: &str, default: String| typed.get(field).cloned().unwrap_or(default);
    let suggest = format!("/stores/{}/products", order.store_id);
    html! {
        form.picking method="post" action=(format!("/orders/kuper/{}/step", order.original_order_id)) id="picking" {
            input type="hidden" name="csrf" value=(csrf);
            // First in the form: Enter in the scan field (a scanner ends
            // every code with it) scans.
            div.scan {
                label { "Скан "
                    input #scan name=(crate::scanning::FIELD) autofocus autocomplete="off" placeholder="штрихкод или этикетка весов"; }
                button type="submit" name="action" value="scan" { "Сканировать" }
                @if typed.contains_key("scanning") { input type="hidden" name="scanning" value="1"; }
                (field_error("scan-error", beside(crate::scanning::FIELD)))
                @if let Some(said) = form.said { p #scan-said role="status" { (said) } }
            }
            table {
                thead { tr { th { "Позиция" } th { "Собрано" } th { "Замена" } th { "Сколько замены" } } }
                tbody {
                    @for (i, line) in order.lines.iter().enumerate().filter(|(_, l)| l.replaces.is_none()) {
                        @let (qty, grams, repl) = (format!("qty_{i}"), format!("grams_{i}"), format!("repl_{i}"));
                        @let (repl_qty, repl_grams) = (format!("repl_qty_{i}"), format!("repl_grams_{i}"));
                        tr {
                            td { (product(names, line)) br; small { "заказано " (line.ordered.to_string()) @if line.weighted { " кг" } } }
                            td {
                                @if line.weighted {
                                    input type="number" inputmode="numeric" min="0" name=(grams) value=(was(&grams, line.ordered.thousandths().to_string())); " г"
                                    (field_error(&format!("{grams}-error"), beside(&grams)))
                                } @else {
                                    input type="number" inputmode="numeric" min="0" name=(qty) value=(was(&qty, line.ordered.whole_units().to_string())); " шт"
                                    (field_error(&format!("{qty}-error"), beside(&qty)))
                                }
                            }
                            td.replacement {
                                input name=(repl) value=(was(&repl, String::new())) placeholder="найти замену" autocomplete="off"
                                    data-suggest=(suggest) data-list=(format!("suggest-{i}"));
                                ul.suggestions id=(format!("suggest-{i}")) {}
                                (field_error(&format!("{repl}-error"), beside(&repl)))
                            }
                            td {
                                input type="number" inputmode="numeric" min="0" name=(repl_qty) value=(was(&repl_qty, String::new())) placeholder="шт";
                                input type="number" inputmode="numeric" min="0" name=(repl_grams) value=(was(&repl_grams, String::new())) placeholder="г";
                                (field_error(&format!("{repl_qty}-error"), beside(&repl_qty)))
                                (field_error(&format!("{repl_grams}-error"), beside(&repl_grams)))
                            }
                        }
                    }
                }
            }
            label { "Пакетов " input type="number" inputmode="numeric" min="1" name="packs" value=(was("packs", "1".into()));
                (field_error("packs-error", beside("packs"))) }
            label { "Код выдачи " input name="code" value=(was("code", String::new())) inputmode="numeric";
                (field_error("code-error", beside("code"))) }
            label { "Причина отмены " input name="reason" value=(was("reason", String::new()));
                (field_error("reason-error", beside("reason"))) }
            @if let Some(e) = error.filter(|e| e.field.is_none()) { p.error id="step-error" role="alert" { (e.message) } }
            div.steps {
                @for (action, label) in crate::picking::STEPS {
                    button type="submit" name="action" value=(action) { (label) }
                }
            }
        }
    }
}

/// A time Kuper sent (RFC 3339, with its own offset) on the store's clock;
/// as sent when it is not one.
fn on_clock(zone: &str, sent: Option<&str>) -> String {
    let Some(sent) = sent else { return String::new() };
    match chrono::DateTime::parse_from_rfc3339(sent.trim()) {
        Ok(at) => clock(zone, at.with_timezone(&chrono::Utc), "%d.%m %H:%M"),
        Err(_) => sent.to_owned(),
    }
}

/// What the order page shows.
pub struct OrderPage<'a> {
    pub order: &'a KuperOrderView,
    pub trail: &'a [AuditEntry],
    /// Product names by SKU.
    pub names: &'a HashMap<String, String>,
    /// The store's time zone.
    pub zone: &'a str,
}

fn product(names: &HashMap<String, String>, line: &LineView) -> Markup {
    let name = line.sku.as_ref().and_then(|sku| names.get(sku));
    html! {
        @if let Some(name) = name { strong { (name) } br; small { (line.position_id) } }
        @else { (line.position_id) }
    }
}

pub fn order_page(account: &StaffAccount, csrf: &str, page: &OrderPage<'_>, form: &Form<'_>) -> Markup {
    let (order, trail, names) = (page.order, page.trail, page.names);
    let d = &order.details;
    let kuper_status = order.kuper_status.map_or("—", |s| status(s.as_str()));
    layout(
        &format!("Заказ Купера {}", order.original_order_id),
        Some((account, csrf)),
        &html! {
            dl.facts {
                dt { "Наш номер" } dd { (order.order_id) }
                dt { "Магазин" } dd { (order.store_id) " (" (order.integration.as_str()) ")" }
                dt { "Статус" } dd id="status" data-status=(order.status.as_str()) { (status(order.status.as_str())) @if order.paid { ", оплачен" } }
                dt { "У Купера" } dd { (kuper_status) }
                @if let Some(c) = &d.customer { dt { "Покупатель" } dd { (c.name.clone().unwrap_or_default()) " " (c.phone.clone().unwrap_or_default()) } }
                @if let Some(a) = &d.address {
                    dt { "Адрес" }
                    dd { (a.full_address.clone().unwrap_or_default())
                        @if let Some(x) = &a.entrance { ", подъезд " (x) } @if let Some(x) = &a.floor { ", этаж " (x) } @if let Some(x) = &a.apartment { ", кв. " (x) } }
                }
                @if let Some(w) = &d.delivery { dt { "Окно доставки" } dd #window { (on_clock(page.zone, w.expected_from.as_deref())) " — " (on_clock(page.zone, w.expected_to.as_deref())) } }
                @if let Some(m) = &d.shipment_method { dt { "Способ получения" } dd { (m) } }
                @if let Some(c) = &d.comment { dt { "Комментарий" } dd { (c) } }
                @if let Some(p) = &d.replacement_policy { dt { "Замены" } dd { (p) } }
                @if !d.payment_methods.is_empty() { dt { "Оплата" } dd { (d.payment_methods.join(", ")) } }
                @if let Some(t) = &d.total { dt { "Сумма" } dd { (t.total_price.clone().unwrap_or_default()) @if let Some(x) = &t.discount_total_price { " (со скидкой " (x) ")" } } }
                @if let Some(c) = &d.cancel { dt { "Отмена" } dd { (c.by) ": " (c.code.clone().unwrap_or_default()) " " (c.comment.clone().unwrap_or_default()) } }
            }
            @if !d.courier.is_empty() {
                h2 { "Курьер" }
                ul id="courier" { @for c in &d.courier { li { (c.at) " " (c.event) " " (c.payload.to_string()) } } }
            }
            h2 { "Позиции" }
            p.noprint { a #packing-link href=(format!("/orders/kuper/{}/packing", order.original_order_id)) { "Упаковочный лист" } }
            table id="lines" {
                thead { tr { th { "Позиция" } th { "Наш SKU" } th { "Заказано" } th { "Цена" } th { "В резерве" } th { "Собрано" } } }
                tbody {
                    @for l in &order.lines {
                        @let priced = d.positions.iter().find(|p| p.id == l.position_id);
                        tr {
                            td { (product(names, l)) @if let Some(r) = &l.replaces { " (замена " (r) ")" } }
                            td { (l.sku.clone().unwrap_or_else(|| "— не продаём".into())) }
                            td { (l.ordered.to_string()) @if l.weighted { " кг" } }
                            td { (priced.and_then(|p| p.discount_price.clone().or_else(|| p.price.clone())).unwrap_or_default()) }
                            td { (l.held.to_string()) }
                            td { (l.picked.map(|p| p.to_string()).unwrap_or_default()) }
                        }
                    }
                }
            }
            @if !order.status.is_final() {
                h2 { "Сборка" }
                (picking_form(csrf, order, names, form))
            }
            h2 { "История" }
            (zone_note(page.zone))
            table id="history" {
                thead { tr { th { "Когда" } th { "" } th { "Что" } th { "Итог" } th { "Примечание" } } }
                tbody {
                    @for h in &order.history {
                        tr { td { (clock(page.zone, h.at, "%d.%m %H:%M:%S")) } td { (if h.direction == "in" { "← Купер" } else { "→ Купер" }) } td { (h.kind) } td { (h.outcome) } td { (h.note.clone().unwrap_or_default()) } }
                    }
                }
            }
            @if !trail.is_empty() {
                h2 { "Действия сотрудников" }
                ul id="audit" { @for e in trail { li { (clock(page.zone, e.at, "%d.%m %H:%M")) " " (e.login) ": " (e.action) } } }
            }
        },
    )
}
