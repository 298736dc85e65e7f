//! A packing list: one order's goods, to print and put in its bag. It
//! names the customer as the bag may (first name, the phone's last four
//! digits) and nothing else of them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use identity::staff::StaffAccount;
use maud::{Markup, html};
use orders::Order;
use orders::kuper::KuperOrderView;

use super::layout_with;
use super::pick_list::Paper;

/// A time on the store's clock.
fn local(zone: &str, at: DateTime<Utc>) -> String {
    super::clock(zone, at, "%d.%m %H:%M")
}

fn sheet(paper: Paper) -> Option<&'static str> {
    (paper == Paper::Receipt).then_some("/assets/receipt.css")
}

fn paper_links(here: &str) -> Markup {
    html! { p.noprint { a href=(here) { "A4" } " · " a href=(format!("{here}?paper=80mm")) { "Чековая лента 80 мм" } } }
}

/// A Kuper order's packing list.
pub fn kuper(
    account: &StaffAccount,
    csrf: &str,
    order: &KuperOrderView,
    names: &HashMap<String, String>,
    zone: &str,
    paper: Paper,
) -> Markup {
    let d = &order.details;
    let due = d.due().map(|at| local(zone, at));
    let body = html! {
        (paper_links(&format!("/orders/kuper/{}/packing", order.original_order_id)))
        dl.facts #packing-facts {
            dt { "Заказ" } dd { "Купер " (order.original_order_id) " (наш " (order.order_id) ")" }
            @if let Some(c) = &d.customer { dt { "Покупатель" } dd #packing-customer { (c.on_the_bag()) } }
            @if let Some(due) = due { dt { "К сроку" } dd { (due) " (" (zone) ")" } }
            @if let Some(c) = &d.comment { dt { "Комментарий" } dd { (c) } }
        }
        table #packing-lines {
            thead { tr { th { "Товар" } th { "Заказано" } th { "Собрано" } } }
            tbody {
                @for line in &order.lines {
                    @let name = line.sku.as_ref().and_then(|s| names.get(s)).map_or_else(|| line.position_id.clone(), Clone::clone);
                    @let unit = if line.weighted { " кг" } else { " шт" };
                    tr {
                        td { (name) @if let Some(r) = &line.replaces { " (замена " (r) ")" } }
                        td { @if line.replaces.is_none() { (line.ordered.to_string()) (unit) } }
                        td { (line.picked.map_or_else(|| "—".into(), |p| format!("{p}{unit}"))) }
                    }
                }
            }
        }
    };
    layout_with(
        &format!("Упаковочный лист — {}", order.original_order_id),
        Some((account, csrf)),
        &body,
        sheet(paper),
    )
}

/// An MCP order's packing list.
pub fn mcp(account: &StaffAccount, csrf: &str, order: &Order, zone: &str, paper: Paper) -> Markup {
    let body = html! {
        (paper_links(&format!("/orders/mcp/{}/packing", order.id)))
        dl.facts #packing-facts {
            dt { "Заказ" } dd { (order.id) }
            dt { "Получение" } dd { (if order.shipping.method() == orders::ShippingMethod::Pickup { "самовывоз" } else { "доставка" }) }
            dt { "К сроку" } dd { (local(zone, order.slot.starts_at)) " (" (zone) ")" }
        }
        table #packing-lines {
            thead { tr { th { "Товар" } th { "Сколько" } } }
            tbody { @for line in &order.lines { tr { td { (line.name) } td { (line.quantity.normalize()) " " (line.unit.as_str()) } } } }
        }
        p { "Итого: " (order.total) }
    };
    layout_with(&format!("Упаковочный лист — {}", order.id), Some((account, csrf)), &body, sheet(paper))
}
