//! Ranking rules of search answers that text relevance alone gets wrong.

/// How many answers a shopper (or an agent) looks at.
pub const TOP: usize = 3;

/// One ranked answer as the rule sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ranked<F> {
    pub in_stock: bool,
    /// The product's family (its brand and kind): an in-stock member can
    /// stand in for an out-of-stock one.
    pub family: F,
}

/// An out-of-stock product in the top [`TOP`] must not keep an in-stock
/// product of its own family out of it: the best such one below is moved
/// up to just after it, or into its place when it is last of the top
/// (everything between shifts down by one). Returns the new order as
/// indexes into `ranked`, which is in score order.
pub fn keep_family_in_stock<F: PartialEq>(ranked: &[Ranked<F>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..ranked.len()).collect();
    let mut position = 0;
    while position < TOP.min(order.len()) {
        let current = &ranked[order[position]];
        if !current.in_stock {
            let family = &current.family;
            let top = TOP.min(order.len());
            let served = order[..top].iter().any(|&i| ranked[i].in_stock && ranked[i].family == *family);
            let below =
                order.iter().skip(top).position(|&i| ranked[i].in_stock && ranked[i].family == *family);
            if let (false, Some(offset)) = (served, below) {
                let moved = order.remove(top + offset);
                order.insert((position + 1).min(top - 1), moved);
            }
        }
        position += 1;
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(in_stock: bool, family: &'static str) -> Ranked<&'static str> {
        Ranked { in_stock, family }
    }

    #[test]
    fn an_out_of_stock_product_brings_its_in_stock_family_into_the_top() {
        let cases: Vec<(Vec<Ranked<&str>>, Vec<usize>)> = vec![
            // The exact product is out; its sibling (same family) was 4th.
            (
                vec![r(false, "milk-A"), r(true, "kefir"), r(true, "milk-B"), r(true, "milk-A")],
                vec![0, 3, 1, 2],
            ),
            // Already served in the top: nothing moves.
            (vec![r(false, "milk-A"), r(true, "milk-A"), r(true, "x"), r(true, "milk-A")], vec![0, 1, 2, 3]),
            // In stock at the top: nothing moves.
            (vec![r(true, "a"), r(true, "b"), r(true, "c"), r(true, "a")], vec![0, 1, 2, 3]),
            // No in-stock family member anywhere: nothing moves.
            (vec![r(false, "a"), r(true, "b"), r(true, "c"), r(false, "a")], vec![0, 1, 2, 3]),
            // Two out-of-stock products in the top, each brings its own
            // (the second, pushed to third, gives its place to its sibling).
            (
                vec![r(false, "a"), r(false, "b"), r(true, "c"), r(true, "d"), r(true, "b"), r(true, "a")],
                vec![0, 5, 4, 1, 2, 3],
            ),
            // Out of stock third: its sibling takes the third place.
            (
                vec![r(true, "x"), r(true, "y"), r(false, "a"), r(true, "z"), r(true, "a")],
                vec![0, 1, 4, 2, 3],
            ),
            (vec![], vec![]),
        ];
        for (ranked, expected) in cases {
            assert_eq!(keep_family_in_stock(&ranked), expected, "{ranked:?}");
        }
    }
}
