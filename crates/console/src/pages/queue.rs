//! The queue page.

use identity::staff::StaffAccount;
use maud::{Markup, html};
use orders::book::{BookEntry, Contents, Urgency};
use staff_desk::Queue;

use super::{clock, field_error, kuper_link, layout, status, zone_note};
use crate::queue::{FieldError, QueueQuery};

fn order_link(entry: &BookEntry) -> Markup {
    let mcp = || html! { a href=(format!("/orders/mcp/{}", entry.id)) { (entry.id) } };
    entry.external_id.as_deref().filter(|_| entry.channel == "kuper").map_or_else(mcp, kuper_link)
}

/// An order's size as a picker reads it: lines, pieces, kilograms.
fn contents(c: &Contents) -> String {
    let mut said = vec![format!("{} поз.", c.lines)];
    if c.pieces > 0 {
        said.push(format!("{} шт", c.pieces));
    }
    if c.grams > 0 {
        let kg = domain::Decimal::new(c.grams, 3).normalize().to_string().replace('.', ",");
        said.push(format!("{kg} кг"));
    }
    said.join(", ")
}

fn attention_kind(kind: &str) -> &str {
    match kind {
        "dead_letter" => "Купер не принял уведомление",
        "update" => "изменение заказа ждёт решения",
        "orphan" => "событие без заказа",
        other => other,
    }
}

pub fn page(
    account: &StaffAccount,
    csrf: &str,
    queue: &Queue,
    query: &QueueQuery,
    error: Option<&FieldError>,
) -> Markup {
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let error_of = |field: &str| error.filter(|e| e.field == field).map(|e| e.message.as_str());
    let channel = query.channel.as_deref();
    let now = chrono::Utc::now();
    // One store's clock: said once above the table; several: each time
    // says its zone.
    let zone_of = |store: &str| queue.zones.get(store).map_or("UTC", String::as_str);
    let mut zones: Vec<&str> = queue.book.iter().map(|e| zone_of(&e.store)).collect();
    zones.sort_unstable();
    zones.dedup();
    let one_zone = match zones.as_slice() {
        [zone] => Some(*zone),
        _ => None,
    };
    // How many of each status the page shows, in the statuses' own order
    // of first appearance.
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for entry in &queue.book {
        match counts.iter_mut().find(|(s, _)| *s == entry.status) {
            Some((_, n)) => *n += 1,
            None => counts.push((entry.status.as_str(), 1)),
        }
    }
    let format = if one_zone.is_some() { "%d.%m %H:%M" } else { "%d.%m %H:%M %Z" };
    let local =
        |entry: &BookEntry, at: chrono::DateTime<chrono::Utc>| clock(zone_of(&entry.store), at, format);
    layout(
        "Очередь заказов",
        Some((account, csrf)),
        &html! {
            form.filters method="get" action="/" {
                label { "Магазин " input name="store" value=(value(&query.store)); }
                label { "Статус " input name="status" value=(value(&query.status));
                    (field_error("status-error", error_of("status"))) }
                label { "Канал "
                    select name="channel" {
                        option value="" { "все" }
                        option value="kuper" selected[channel == Some("kuper")] { "Купер" }
                        option value="mcp" selected[channel == Some("mcp")] { "ИИ-агенты (MCP)" }
                    }
                    (field_error("channel-error", error_of("channel")))
                }
                label { "Срок "
                    select name="due" {
                        @for (minutes, text) in [("", "любой"), ("60", "в ближайший час"), ("120", "2 часа"), ("240", "4 часа"), ("1440", "сутки")] {
                            option value=(minutes) selected[query.due.as_deref().unwrap_or_default() == minutes] { (text) }
                        }
                    }
                    (field_error("due-error", error_of("due")))
                }
                button type="submit" { "Показать" }
            }
            // The live part: the script swaps it when the book changes.
            div id="live-queue" data-stamp=(queue.stamp) {
                @if !queue.attention.is_empty() {
                    section.attention id="attention" {
                        h2 { "Требует внимания" }
                        ul {
                            @for a in &queue.attention {
                                li { (kuper_link(&a.original_order_id))
                                     " — " (attention_kind(&a.kind)) ": " (a.note) }
                            }
                        }
                    }
                }
                @if !queue.book.is_empty() {
                    p #status-counts {
                        @for (status_name, n) in &counts { span.count data-status=(status_name) { (status(status_name)) ": " (n) } " " }
                    }
                }
                @if let Some(zone) = one_zone { (zone_note(zone)) }
                table id="queue" {
                    thead { tr { th { "Заказ" } th { "Канал" } th { "Статус" } th { "Покупатель" } th { "Состав" } th { "Сумма" } th { "Магазин" } th { "Получение" } th { "К сроку" } th { "Создан" } } }
                    tbody {
                        @for entry in &queue.book {
                            @let urgency = orders::book::urgency(&entry.channel, &entry.status, entry.due_at, now);
                            @let (late, soon) = (urgency == Urgency::Late, urgency == Urgency::DueSoon);
                            tr.order.due-soon[soon || late].late[late] data-id=(entry.id) data-channel=(entry.channel) data-status=(entry.status) {
                                td { (order_link(entry)) }
                                td { @if entry.channel == "kuper" { "Купер" } @else { "MCP" } }
                                td { (status(&entry.status)) }
                                td.customer { (entry.customer.clone().unwrap_or_default()) }
                                td.contents { (contents(&entry.contents)) }
                                td.total { (entry.total.clone().unwrap_or_default()) }
                                td { (entry.store) }
                                td { (entry.fulfilment) }
                                td.due {
                                    (entry.due_at.map(|d| local(entry, d)).unwrap_or_default())
                                    @if late { " " strong.mark { "опаздывает" } } @else if soon { " " strong.mark { "скоро" } }
                                }
                                td { (local(entry, entry.created_at)) }
                            }
                        }
                    }
                }
                @if queue.book.is_empty() { p { "Заказов нет." } }
            }
        },
    )
}
