//! The pick list's page: products by category, each with its total and
//! the orders it goes to; the orders it gathers below. Prints on A4, or
//! on a receipt printer's 80 mm (`receipt.css`).

use identity::staff::StaffAccount;
use maud::{Markup, html};
use orders::pick_list::PickItem;
use staff_desk::PickList;

use super::{field_error, layout_with};

/// What the list is printed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paper {
    A4,
    /// An 80 mm receipt printer.
    Receipt,
}

/// What the form asked.
pub struct PickListForm<'a> {
    pub store: Option<&'a str>,
    pub due_within: &'a str,
    pub paper: Paper,
}

/// An amount as the shelf is picked: pieces whole, weighed goods in kg.
fn amount(item_weighted: bool, quantity: catalog::stock::StockQty) -> String {
    if item_weighted {
        format!("{} кг", quantity.to_decimal().normalize().to_string().replace('.', ","))
    } else {
        format!("{} шт", quantity.whole_units())
    }
}

/// An order named as staff say it, linked to its page.
fn order_link(reference: &str) -> Markup {
    match reference.split_once(':') {
        Some(("kuper", original)) => {
            html! { a href=(format!("/orders/kuper/{original}")) { "К " (original) } }
        }
        Some((_, id)) => html! { a href=(format!("/orders/mcp/{id}")) { "И " (id) } },
        None => html! { (reference) },
    }
}

fn item_row(item: &PickItem) -> Markup {
    html! {
        tr data-sku=(item.sku) {
            td { strong { (item.name) } br; small { (item.sku) } }
            td.total { (amount(item.weighted, item.total)) }
            td.orders { @for (order, quantity) in &item.orders { span { (order_link(order)) " × " (amount(item.weighted, *quantity)) } } }
        }
    }
}

pub fn page(
    account: &StaffAccount,
    csrf: &str,
    form: &PickListForm<'_>,
    list: Option<&PickList>,
    error: Option<&str>,
) -> Markup {
    let receipt = form.paper == Paper::Receipt;
    let zone = list.map_or("UTC", |l| l.zone.as_str());
    let local = |at: chrono::DateTime<chrono::Utc>| super::clock(zone, at, "%d.%m %H:%M");
    let title = match form.store {
        Some(store) => format!("Лист сборки — {store}"),
        None => "Лист сборки".to_owned(),
    };
    let body = html! {
        form.filters.noprint method="get" action="/picklist" {
            label { "Магазин " input name="store" value=(form.store.unwrap_or_default()) required; }
            label { "Срок, минут " input type="number" min="0" name="due_within" value=(form.due_within);
                (field_error("due_within-error", error)) }
            @if receipt { input type="hidden" name="paper" value="80mm"; }
            button type="submit" { "Показать" }
            @if let Some(store) = form.store {
                @let here = format!("/picklist?store={store}&due_within={}", form.due_within);
                @if receipt { a href=(here) { "Для A4" } } @else { a href=(format!("{here}&paper=80mm")) { "Для чековой ленты 80 мм" } }
            }
        }
        @if let Some(list) = list {
            p #pick-meta {
                "Заказы к " (local(list.due_by)) " (" (list.zone) "): " (list.orders.len())
                ", товаров " (list.groups.iter().map(|g| g.items.len()).sum::<usize>())
            }
            @if list.groups.is_empty() { p { "Собирать нечего." } }
            @for group in &list.groups {
                h2 { (group.category) }
                table.pick {
                    thead { tr { th { "Товар" } th { "Всего" } th { "В заказы" } } }
                    tbody { @for item in &group.items { (item_row(item)) } }
                }
            }
            @if !list.orders.is_empty() {
                h2 { "Заказы" }
                table #pick-orders {
                    thead { tr { th { "Заказ" } th { "К сроку" } } }
                    tbody { @for o in &list.orders {
                        tr { td { (order_link(&o.reference())) } td { (o.due_at.map_or_else(|| "—".into(), local)) } }
                    } }
                }
            }
        }
    };
    layout_with(&title, Some((account, csrf)), &body, receipt.then_some("/assets/receipt.css"))
}
