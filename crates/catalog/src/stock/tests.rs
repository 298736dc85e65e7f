use chrono::TimeZone;

use super::*;

fn t(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 29, 12, minute, 0).unwrap()
}

fn q(units: i64) -> StockQty {
    StockQty::units(units)
}

/// One step of a story told to an offer.
#[derive(Clone, Copy, Debug)]
enum Step {
    Report { shelf: i64, as_of: u32 },
    Hold(i64),
    Release(i64),
    Sell { units: i64, at: u32 },
}

/// What a step must give: the available amount after it, or that it was
/// refused (and then changed nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Then {
    Available(i64),
    Short,
    Stale,
}

/// Plays a story; `sales` is the ledger a report is given, as storage would.
fn play(story: &[(Step, Then)]) {
    let mut stock = OfferStock::default();
    let mut sales: Vec<Sale> = Vec::new();
    for (i, (step, then)) in story.iter().enumerate() {
        let before = stock;
        let outcome = match *step {
            Step::Report { shelf, as_of } => stock
                .report(StockReport { shelf: q(shelf), as_of: t(as_of) }, &sales)
                .map_err(|_| Then::Stale),
            Step::Hold(n) => stock.hold(q(n)).map_err(|_| Then::Short),
            Step::Release(n) => Ok(stock.release(q(n))),
            Step::Sell { units, at } => {
                sales.push(Sale { at: t(at), quantity: q(units) });
                Ok(stock.sell(q(units), t(at)))
            }
        };
        let got = match outcome {
            Ok(next) => {
                stock = next;
                Then::Available(stock.available().whole_units())
            }
            Err(refused) => {
                assert_eq!(stock, before, "step {i} ({step:?}) was refused but changed the stock");
                refused
            }
        };
        assert_eq!(got, *then, "step {i}: {step:?} in {story:?}");
    }
}

use Step::{Hold, Release, Report, Sell};
use Then::{Available, Short, Stale};

#[test]
fn the_cases_of_the_stock_model() {
    let stories: &[&[(Step, Then)]] = &[
        // A report after a hold does not undo the hold: 6 of 10 held, the
        // shelf still says 10, and only 4 more can be promised.
        &[
            (Report { shelf: 10, as_of: 0 }, Available(10)),
            (Hold(6), Available(4)),
            (Report { shelf: 10, as_of: 5 }, Available(4)),
            (Hold(5), Short),
            (Hold(4), Available(0)),
        ],
        // A release after a report gives back what was held, not more.
        &[
            (Report { shelf: 10, as_of: 0 }, Available(10)),
            (Hold(6), Available(4)),
            (Report { shelf: 10, as_of: 5 }, Available(4)),
            (Release(6), Available(10)),
        ],
        // A sale after the report counts against it until a report knows it.
        &[
            (Report { shelf: 10, as_of: 0 }, Available(10)),
            (Hold(6), Available(4)),
            (Sell { units: 6, at: 10 }, Available(4)),
            (Report { shelf: 4, as_of: 20 }, Available(4)),
        ],
        // A report as of a time before the sale does not resurrect the sold units.
        &[
            (Report { shelf: 10, as_of: 0 }, Available(10)),
            (Hold(6), Available(4)),
            (Sell { units: 6, at: 10 }, Available(4)),
            (Report { shelf: 10, as_of: 5 }, Available(4)),
        ],
        // A report after the sale that still says 10 (someone restocked) is believed.
        &[
            (Report { shelf: 10, as_of: 0 }, Available(10)),
            (Hold(6), Available(4)),
            (Sell { units: 6, at: 10 }, Available(4)),
            (Report { shelf: 10, as_of: 15 }, Available(10)),
        ],
        // An older report than the one applied changes nothing.
        &[
            (Report { shelf: 10, as_of: 10 }, Available(10)),
            (Report { shelf: 50, as_of: 5 }, Stale),
            (Hold(10), Available(0)),
        ],
        // A report as old as the applied one is a correction.
        &[(Report { shelf: 10, as_of: 10 }, Available(10)), (Report { shelf: 8, as_of: 10 }, Available(8))],
        // A shelf smaller than what is held promises nothing, never a negative.
        &[
            (Report { shelf: 10, as_of: 0 }, Available(10)),
            (Hold(8), Available(2)),
            (Report { shelf: 3, as_of: 5 }, Available(0)),
            (Hold(1), Short),
            (Release(8), Available(3)),
        ],
        // A sale the report already counted (sold at or before its as_of) is not counted twice.
        &[
            (Report { shelf: 10, as_of: 0 }, Available(10)),
            (Hold(2), Available(8)),
            (Sell { units: 2, at: 3 }, Available(8)),
            (Report { shelf: 8, as_of: 3 }, Available(8)),
        ],
        // Two sales, one on each side of the report's as_of: only the later counts.
        &[
            (Report { shelf: 10, as_of: 0 }, Available(10)),
            (Hold(5), Available(5)),
            (Sell { units: 2, at: 2 }, Available(5)),
            (Sell { units: 3, at: 8 }, Available(5)),
            (Report { shelf: 8, as_of: 5 }, Available(5)),
        ],
        // A sale recorded before the report that then arrives as of a later time.
        &[
            (Report { shelf: 5, as_of: 0 }, Available(5)),
            (Hold(5), Available(0)),
            (Sell { units: 5, at: 1 }, Available(0)),
            (Report { shelf: 0, as_of: 2 }, Available(0)),
            (Report { shelf: 7, as_of: 3 }, Available(7)),
        ],
        // No report yet: the shelf is what the offer was created with.
        &[(Hold(1), Short), (Report { shelf: 1, as_of: 0 }, Available(1)), (Hold(1), Available(0))],
        // Releasing more than is held releases what is held.
        &[(Report { shelf: 4, as_of: 0 }, Available(4)), (Hold(1), Available(3)), (Release(3), Available(4))],
        // A hold of exactly what is available, then nothing.
        &[(Report { shelf: 3, as_of: 0 }, Available(3)), (Hold(3), Available(0)), (Hold(1), Short)],
    ];
    for story in stories {
        play(story);
    }
}

#[test]
fn weighted_goods_hold_to_the_gram() {
    let kg = |text: &str| StockQty::from_decimal(text.parse().unwrap()).unwrap();
    let stock = OfferStock::reported(StockReport { shelf: kg("2.5"), as_of: t(0) });
    let stock = stock.hold(kg("0.734")).unwrap();
    assert_eq!(stock.available(), kg("1.766"));
    assert_eq!(stock.available().whole_units(), 1);
    assert!(stock.hold(kg("1.767")).is_err());
    let stock = stock.sell(kg("0.734"), t(1));
    assert_eq!((stock.held, stock.sold_after, stock.available()), (StockQty::ZERO, kg("0.734"), kg("1.766")));
}

#[test]
fn amounts_are_exact_thousandths_or_refused() {
    let parse = |text: &str| StockQty::from_decimal(text.parse().unwrap());
    assert_eq!(parse("0.734").unwrap().thousandths(), 734);
    assert_eq!(parse("12").unwrap(), StockQty::units(12));
    assert_eq!(parse("0").unwrap(), StockQty::ZERO);
    assert_eq!(parse("1.5000").unwrap().thousandths(), 1500);
    assert!(matches!(parse("-1"), Err(StockQtyError::Negative(_))));
    assert!(matches!(parse("0.0001"), Err(StockQtyError::TooPrecise(_))));
    assert!(matches!(parse("1000000001"), Err(StockQtyError::TooLarge(_))));
    assert!(matches!(parse("79228162514264337593543950335"), Err(StockQtyError::TooLarge(_))));
    assert_eq!(parse("2.5").unwrap().to_string(), "2.5");
    assert_eq!(parse("2.5").unwrap().whole_units(), 2);
}

#[test]
fn moves_by_kind() {
    let stock = OfferStock::reported(StockReport { shelf: q(5), as_of: t(0) });
    let held = MoveKind::Hold.apply(stock, q(2), t(1)).unwrap();
    assert_eq!(held.held, q(2));
    assert!(MoveKind::Hold.apply(held, q(4), t(1)).is_err());
    assert_eq!(MoveKind::Release.apply(held, q(2), t(2)).unwrap(), stock);
    let sold = MoveKind::Sale.apply(held, q(2), t(2)).unwrap();
    assert_eq!((sold.held, sold.sold_after, sold.available()), (StockQty::ZERO, q(2), q(3)));
    for kind in MoveKind::ALL {
        assert_eq!(kind.as_str().parse::<MoveKind>().unwrap(), kind);
    }
}
