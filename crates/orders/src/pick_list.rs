//! One pick list for many orders: what to take from the shelves for the
//! orders due, product by product, grouped by category, each product with
//! the orders it goes to and how much to each.

use std::collections::BTreeMap;

use catalog::stock::StockQty;

/// A line of an order to pick.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineToPick {
    /// How staff name the order (`kuper:H-1`, an MCP order's number).
    pub order: String,
    pub sku: String,
    /// Pieces, or kilograms for goods sold by weight.
    pub quantity: StockQty,
    pub weighted: bool,
}

/// What the catalog says of a product on the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductFacts {
    pub name: String,
    pub category: String,
}

/// One product on the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickItem {
    pub sku: String,
    pub name: String,
    pub weighted: bool,
    /// Summed over its orders.
    pub total: StockQty,
    /// The orders it goes to, in the order they came, with how much each.
    pub orders: Vec<(String, StockQty)>,
}

/// The products of one category.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickGroup {
    pub category: String,
    pub items: Vec<PickItem>,
}

/// The category of products the catalog does not know (any more).
pub const UNKNOWN_CATEGORY: &str = "Без категории";

/// The pick list of `lines`: categories by name (unknown products last),
/// products by name within each, an order named once per product with its
/// quantities summed.
pub fn pick_list(lines: &[LineToPick], facts: impl Fn(&str) -> Option<ProductFacts>) -> Vec<PickGroup> {
    // (category known?, category, name, sku) orders the list.
    let mut items: BTreeMap<(bool, String, String, String), PickItem> = BTreeMap::new();
    for line in lines {
        let known = facts(&line.sku);
        let (category, name) = known.map_or_else(
            || (UNKNOWN_CATEGORY.to_owned(), line.sku.clone()),
            |f| (if f.category.trim().is_empty() { UNKNOWN_CATEGORY.to_owned() } else { f.category }, f.name),
        );
        let key = (category == UNKNOWN_CATEGORY, category, name.to_lowercase(), line.sku.clone());
        let item = items.entry(key).or_insert_with(|| PickItem {
            sku: line.sku.clone(),
            name,
            weighted: line.weighted,
            total: StockQty::ZERO,
            orders: Vec::new(),
        });
        item.total =
            StockQty::from_thousandths(item.total.thousandths().saturating_add(line.quantity.thousandths()));
        match item.orders.iter_mut().find(|(order, _)| *order == line.order) {
            Some((_, quantity)) => {
                *quantity = StockQty::from_thousandths(
                    quantity.thousandths().saturating_add(line.quantity.thousandths()),
                );
            }
            None => item.orders.push((line.order.clone(), line.quantity)),
        }
    }
    let mut groups: Vec<PickGroup> = Vec::new();
    for ((_, category, _, _), item) in items {
        match groups.last_mut() {
            Some(group) if group.category == category => group.items.push(item),
            _ => groups.push(PickGroup { category, items: vec![item] }),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(order: &str, sku: &str, thousandths: i64, weighted: bool) -> LineToPick {
        LineToPick {
            order: order.into(),
            sku: sku.into(),
            quantity: StockQty::from_thousandths(thousandths),
            weighted,
        }
    }

    fn catalog(sku: &str) -> Option<ProductFacts> {
        let (name, category) = match sku {
            "MILK" => ("Молоко 3,2%", "Молочные продукты"),
            "KEFIR" => ("кефир 1%", "Молочные продукты"),
            "CHEESE" => ("Сыр российский", "Сыры"),
            "BREAD" => ("Батон нарезной", "Хлеб"),
            "BLANK" => ("Соль", " "),
            _ => return None,
        };
        Some(ProductFacts { name: name.into(), category: category.into() })
    }

    /// (sku, total, [(order, quantity)]) in thousandths.
    type Shown = (String, i64, Vec<(String, i64)>);

    fn shown(groups: &[PickGroup]) -> Vec<(String, Vec<Shown>)> {
        groups
            .iter()
            .map(|g| {
                let items = g
                    .items
                    .iter()
                    .map(|i| {
                        let orders = i.orders.iter().map(|(o, q)| (o.clone(), q.thousandths())).collect();
                        (i.sku.clone(), i.total.thousandths(), orders)
                    })
                    .collect();
                (g.category.clone(), items)
            })
            .collect()
    }

    #[test]
    fn three_orders_become_one_list_summed_per_product_with_each_order_named() {
        let lines = [
            line("kuper:H-1", "MILK", 2_000, false),
            line("kuper:H-1", "CHEESE", 350, true),
            line("mcp:ord_2", "MILK", 1_000, false),
            line("mcp:ord_2", "BREAD", 1_000, false),
            line("kuper:H-3", "CHEESE", 500, true),
            line("kuper:H-3", "KEFIR", 3_000, false),
            line("kuper:H-3", "MILK", 1_000, false),
        ];
        let list = pick_list(&lines, catalog);
        let milk_orders =
            vec![("kuper:H-1".into(), 2_000), ("mcp:ord_2".into(), 1_000), ("kuper:H-3".into(), 1_000)];
        assert_eq!(
            shown(&list),
            vec![
                (
                    "Молочные продукты".to_owned(),
                    vec![
                        // By name, whatever its case: кефир before Молоко.
                        ("KEFIR".to_owned(), 3_000, vec![("kuper:H-3".to_owned(), 3_000)]),
                        ("MILK".to_owned(), 4_000, milk_orders),
                    ]
                ),
                (
                    "Сыры".to_owned(),
                    vec![(
                        "CHEESE".to_owned(),
                        850,
                        vec![("kuper:H-1".to_owned(), 350), ("kuper:H-3".to_owned(), 500)]
                    )]
                ),
                ("Хлеб".to_owned(), vec![("BREAD".to_owned(), 1_000, vec![("mcp:ord_2".to_owned(), 1_000)])]),
            ]
        );
        assert!(list[1].items[0].weighted, "weighed goods stay weighed");
        assert_eq!(list[0].items[1].name, "Молоко 3,2%");
    }

    #[test]
    fn an_order_with_a_product_on_two_lines_is_named_once_and_unknown_products_come_last() {
        let lines = [
            line("kuper:H-1", "GONE", 1_000, false),
            line("kuper:H-1", "MILK", 1_000, false),
            line("kuper:H-1", "MILK", 2_000, false),
            line("kuper:H-2", "BLANK", 1_000, false),
        ];
        assert_eq!(
            shown(&pick_list(&lines, catalog)),
            vec![
                (
                    "Молочные продукты".to_owned(),
                    vec![("MILK".to_owned(), 3_000, vec![("kuper:H-1".to_owned(), 3_000)])]
                ),
                (
                    UNKNOWN_CATEGORY.to_owned(),
                    vec![
                        ("GONE".to_owned(), 1_000, vec![("kuper:H-1".to_owned(), 1_000)]),
                        ("BLANK".to_owned(), 1_000, vec![("kuper:H-2".to_owned(), 1_000)]),
                    ]
                ),
            ]
        );
        assert!(pick_list(&[], catalog).is_empty());
    }
}
