//! Picking by scanner: what one scanned code does to the picking form's
//! counts. A product's barcode adds a piece to its line (a weighed line is
//! only selected: its grams come from the scale's label); a scale's label
//! sets its line's grams; a code of no line of the order is offered as a
//! replacement. More than was ordered (beyond the weight tolerance for
//! weighed goods) is refused and changes nothing.

use catalog::barcode::Scanned;
use catalog::stock::StockQty;

use super::picking::allowed_weight;

/// A line of the order as the scanner sees it (replacement lines are not
/// scanned into: they are added by scanning what replaces).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScanLine<'a> {
    pub sku: Option<&'a str>,
    /// The product's barcode in the feed.
    pub barcode: Option<&'a str>,
    pub weighted: bool,
    pub ordered: StockQty,
    /// Pieces counted so far, or grams weighed.
    pub count: u32,
}

/// What a scan does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanStep {
    /// Line `line` now has `pieces`.
    Pieces { line: usize, pieces: u32 },
    /// Line `line` weighs `grams`.
    Weighed { line: usize, grams: u32 },
    /// A weighed line's own barcode: the line is selected; its weight
    /// comes from the scale's label.
    Selected { line: usize },
    /// The code is of no line of the order.
    NotInOrder,
}

/// Why a scan changes nothing; `line` is the line's index (the message
/// counts from one, as the page does).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScanRefusal {
    #[error("позиция {}: заказано {ordered}, больше не положить", .line + 1)]
    MoreThanOrdered { line: usize, ordered: String },
    #[error("позиция {}: {grams} г — больше заказанного с допуском ({allowed} г)", .line + 1)]
    TooHeavy { line: usize, grams: u32, allowed: i64 },
    #[error("позиция {} продаётся штуками: весовая этикетка не к ней", .line + 1)]
    LabelForPieces { line: usize },
}

/// What `scanned` does to `lines`, with the merchant's weight tolerance
/// (thousandths of the ordered weight). Where one product is on several
/// lines, a piece goes to the first not yet complete.
pub fn scan(
    lines: &[ScanLine<'_>],
    scanned: &Scanned,
    tolerance_permille: u32,
) -> Result<ScanStep, ScanRefusal> {
    let named: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].sku.is_some_and(|sku| scanned.names(sku, lines[i].barcode)))
        .collect();
    let Some(&first) = named.first() else {
        return Ok(ScanStep::NotInOrder);
    };
    match scanned {
        Scanned::Product(_) if lines[first].weighted => Ok(ScanStep::Selected { line: first }),
        Scanned::Product(_) => {
            let open =
                named.iter().copied().find(|&i| i64::from(lines[i].count) < lines[i].ordered.whole_units());
            match open {
                Some(line) => Ok(ScanStep::Pieces { line, pieces: lines[line].count + 1 }),
                None => Err(ScanRefusal::MoreThanOrdered {
                    line: first,
                    ordered: format!("{} шт", lines[first].ordered.whole_units()),
                }),
            }
        }
        Scanned::Weighed { grams, .. } => {
            let Some(line) = named.iter().copied().find(|&i| lines[i].weighted) else {
                return Err(ScanRefusal::LabelForPieces { line: first });
            };
            let allowed = allowed_weight(lines[line].ordered, tolerance_permille).thousandths();
            if i64::from(*grams) > allowed {
                return Err(ScanRefusal::TooHeavy { line, grams: *grams, allowed });
            }
            Ok(ScanStep::Weighed { line, grams: *grams })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(article: &str, grams: u32) -> Scanned {
        Scanned::Weighed { key: format!("21{article}"), article: article.into(), grams }
    }

    fn lines(counts: [u32; 4]) -> [ScanLine<'static>; 4] {
        [
            ScanLine {
                sku: Some("MILK"),
                barcode: Some("4607001771562"),
                weighted: false,
                ordered: StockQty::units(2),
                count: counts[0],
            },
            ScanLine {
                sku: Some("CHEESE"),
                barcode: Some("2100123000002"),
                weighted: true,
                ordered: StockQty::from_thousandths(350),
                count: counts[1],
            },
            ScanLine {
                sku: None,
                barcode: None,
                weighted: false,
                ordered: StockQty::units(1),
                count: counts[2],
            },
            ScanLine {
                sku: Some("MILK"),
                barcode: Some("4607001771562"),
                weighted: false,
                ordered: StockQty::units(1),
                count: counts[3],
            },
        ]
    }

    #[test]
    fn pieces_are_counted_up_to_what_was_ordered_line_by_line() {
        let milk = Scanned::Product("4607001771562".into());
        for (counts, outcome) in [
            ([0, 0, 0, 0], Ok(ScanStep::Pieces { line: 0, pieces: 1 })),
            ([1, 0, 0, 0], Ok(ScanStep::Pieces { line: 0, pieces: 2 })),
            // The first line is complete: the next line of the same product.
            ([2, 0, 0, 0], Ok(ScanStep::Pieces { line: 3, pieces: 1 })),
            ([2, 0, 0, 1], Err(ScanRefusal::MoreThanOrdered { line: 0, ordered: "2 шт".into() })),
        ] {
            assert_eq!(scan(&lines(counts), &milk, 100), outcome, "{counts:?}");
        }
    }

    #[test]
    fn a_scale_label_weighs_its_line_within_the_tolerance() {
        for (grams, tolerance, outcome) in [
            (340, 100, Ok(ScanStep::Weighed { line: 1, grams: 340 })),
            (1, 100, Ok(ScanStep::Weighed { line: 1, grams: 1 })),
            (385, 100, Ok(ScanStep::Weighed { line: 1, grams: 385 })),
            (386, 100, Err(ScanRefusal::TooHeavy { line: 1, grams: 386, allowed: 385 })),
            (350, 0, Ok(ScanStep::Weighed { line: 1, grams: 350 })),
            (351, 0, Err(ScanRefusal::TooHeavy { line: 1, grams: 351, allowed: 350 })),
        ] {
            assert_eq!(
                scan(&lines([0; 4]), &label("00123", grams), tolerance),
                outcome,
                "{grams} g at {tolerance}‰"
            );
        }
        // Weighed again: the new label replaces the old weight.
        assert_eq!(
            scan(&lines([0, 340, 0, 0]), &label("00123", 300), 100),
            Ok(ScanStep::Weighed { line: 1, grams: 300 })
        );
    }

    #[test]
    fn the_barcode_of_a_weighed_product_selects_its_line_and_a_label_never_counts_pieces() {
        let cheese = Scanned::Product("2100123000002".into());
        assert_eq!(scan(&lines([0; 4]), &cheese, 100), Ok(ScanStep::Selected { line: 1 }));
        // A label whose article is a piece product's SKU number.
        let numbered = [ScanLine {
            sku: Some("777"),
            barcode: None,
            weighted: false,
            ordered: StockQty::units(1),
            count: 0,
        }];
        assert_eq!(scan(&numbered, &label("00777", 500), 100), Err(ScanRefusal::LabelForPieces { line: 0 }));
    }

    #[test]
    fn a_code_of_no_line_is_offered_as_a_replacement() {
        for code in
            [Scanned::Product("4600605014920".into()), label("00999", 200), Scanned::Product("SKU-X".into())]
        {
            assert_eq!(scan(&lines([0; 4]), &code, 100), Ok(ScanStep::NotInOrder), "{code:?}");
        }
        assert_eq!(scan(&[], &Scanned::Product("4607001771562".into()), 100), Ok(ScanStep::NotInOrder));
    }

    #[test]
    fn refusals_name_the_line_as_the_page_counts_it() {
        let refusal = ScanRefusal::MoreThanOrdered { line: 0, ordered: "2 шт".into() };
        assert_eq!(refusal.to_string(), "позиция 1: заказано 2 шт, больше не положить");
    }
}
