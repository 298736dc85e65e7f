//! The final composition's rules, a table per class of mistake, and the
//! holds each composition leaves.

use super::*;

fn q(thousandths: i64) -> StockQty {
    StockQty::from_thousandths(thousandths)
}

/// Milk ×3 (pieces), cheese 0.700 kg (weighted), bread ×1; all held.
fn lines() -> Vec<PickLine> {
    let line = |line_no, id: &str, ordered, weighted| PickLine {
        line_no,
        position_id: id.into(),
        sku: Some(format!("SKU-{id}")),
        ordered: q(ordered),
        weighted,
        held: q(ordered),
    };
    vec![line(0, "milk", 3000, false), line(1, "cheese", 700, true), line(2, "bread", 1000, false)]
}

fn pos(id: &str, quantity: u32, weight: Option<u32>, replaced_by: Option<&str>) -> PickedPosition {
    PickedPosition {
        id: id.into(),
        quantity,
        weight_grams: weight,
        replaced_by: replaced_by.map(str::to_owned),
        marking_codes: Vec::new(),
    }
}

fn candidates() -> HashMap<String, Candidate> {
    [("kefir", false), ("gouda", true)]
        .into_iter()
        .map(|(id, weighted)| (id.to_owned(), Candidate { sku: format!("SKU-{id}"), weighted }))
        .collect()
}

const RULES: PickingRules = PickingRules { replacements_allowed: true, weight_tolerance_permille: 100 };

fn run(positions: Vec<PickedPosition>, rules: PickingRules) -> Result<Reconciled, PickingError> {
    reconcile(&lines(), &Picking { positions, packs: Some(1) }, &candidates(), rules)
}

#[test]
fn everything_as_ordered_moves_no_stock() {
    let done = run(
        vec![pos("milk", 3, None, None), pos("cheese", 1, Some(700), None), pos("bread", 1, None, None)],
        RULES,
    )
    .unwrap();
    assert_eq!(done.picked, vec![(0, q(3000)), (1, q(700)), (2, q(1000))]);
    assert!(done.release.is_empty() && done.hold.is_empty() && done.replacements.is_empty());
}

#[test]
fn weighed_to_the_gram_shortfalls_released_replacements_held() {
    let done = run(
        vec![
            pos("milk", 0, None, Some("kefir")),
            pos("kefir", 2, None, None),
            pos("cheese", 1, Some(734), None),
            pos("bread", 0, None, None),
        ],
        RULES,
    )
    .unwrap();
    assert_eq!(done.picked, vec![(0, q(0)), (1, q(734)), (2, q(0))]);
    assert_eq!(done.release, vec![("SKU-milk".into(), q(3000)), ("SKU-bread".into(), q(1000))]);
    assert_eq!(done.hold, vec![("SKU-cheese".into(), q(34)), ("SKU-kefir".into(), q(2000))]);
    assert_eq!(done.replacements.len(), 1);
    assert_eq!(done.replacements[0].replaces, 0);
    let ids: Vec<&str> = done.composition.positions.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["milk", "cheese", "bread", "kefir"], "lines in order, then replacements");
}

#[test]
fn a_line_left_out_is_a_shortfall_of_all_of_it() {
    let done = run(vec![pos("milk", 2, None, None), pos("cheese", 1, Some(500), None)], RULES).unwrap();
    assert_eq!(done.picked, vec![(0, q(2000)), (1, q(500)), (2, q(0))]);
    assert_eq!(
        done.release,
        vec![("SKU-milk".into(), q(1000)), ("SKU-cheese".into(), q(200)), ("SKU-bread".into(), q(1000))]
    );
    assert_eq!(done.composition.positions[2], PickedPosition::missing("bread"));
}

#[test]
fn weight_tolerance_is_the_limit_above_the_order() {
    let at = |grams| run(vec![pos("cheese", 1, Some(grams), None), pos("milk", 3, None, None)], RULES);
    assert!(at(770).is_ok(), "exactly 10 % over");
    assert!(matches!(at(771), Err(PickingError::Overweight { .. })));
    let strict = PickingRules { weight_tolerance_permille: 0, ..RULES };
    assert!(run(vec![pos("cheese", 1, Some(701), None)], strict).is_err());
    assert!(run(vec![pos("cheese", 1, Some(700), None)], strict).is_ok());
}

/// Positions, rules, and the class of error expected.
type Case = (Vec<PickedPosition>, PickingRules, fn(&PickingError) -> bool);

#[test]
fn every_class_of_mistake_is_refused_with_its_reason() {
    use PickingError as E;
    let no_replacing = PickingRules { replacements_allowed: false, ..RULES };
    let cases: Vec<Case> = vec![
        (vec![pos("milk", 4, None, None)], RULES, |e| matches!(e, E::OverPicked { .. })),
        (vec![pos("milk", 1, None, None), pos("milk", 1, None, None)], RULES, |e| {
            matches!(e, E::Duplicate(_))
        }),
        (vec![pos("milk", 1, None, None), pos("beer", 1, None, None)], RULES, |e| {
            matches!(e, E::Stranger(_))
        }),
        (vec![pos("cheese", 1, None, None)], RULES, |e| matches!(e, E::WeightMissing(_))),
        (vec![pos("milk", 0, None, Some("kefir")), pos("kefir", 1, None, None)], no_replacing, |e| {
            matches!(e, E::ReplacementRefused(_))
        }),
        (vec![pos("milk", 0, None, Some("kefir"))], RULES, |e| matches!(e, E::ReplacementMissing { .. })),
        (vec![pos("milk", 0, None, Some("bread")), pos("bread", 1, None, None)], RULES, |e| {
            matches!(e, E::ReplacementIsALine { .. })
        }),
        (
            vec![
                pos("milk", 0, None, Some("kefir")),
                pos("bread", 0, None, Some("kefir")),
                pos("kefir", 1, None, None),
            ],
            RULES,
            |e| matches!(e, E::ReplacesTwice(_)),
        ),
        (vec![pos("milk", 0, None, Some("ayran")), pos("ayran", 1, None, None)], RULES, |e| {
            matches!(e, E::UnknownProduct(_))
        }),
        (vec![pos("milk", 0, None, Some("kefir")), pos("kefir", 0, None, None)], RULES, |e| {
            matches!(e, E::EmptyReplacement(_))
        }),
        (vec![pos("cheese", 0, None, Some("gouda")), pos("gouda", 1, None, None)], RULES, |e| {
            matches!(e, E::WeightMissing(_))
        }),
        (vec![pos("milk", 0, None, None)], RULES, |e| matches!(e, E::NothingPicked)),
    ];
    for (positions, rules, expected) in cases {
        let error = run(positions.clone(), rules).expect_err(&format!("{positions:?}"));
        assert!(expected(&error), "{positions:?}: {error}");
        assert!(!error.to_string().is_empty());
    }
}

#[test]
fn a_position_we_do_not_sell_can_only_be_missing() {
    let mut lines = lines();
    lines[2].sku = None;
    lines[2].held = StockQty::ZERO;
    let picking = |bread| Picking {
        positions: vec![pos("milk", 3, None, None), pos("bread", bread, None, None)],
        packs: None,
    };
    assert!(reconcile(&lines, &picking(0), &candidates(), RULES).is_ok());
    let error = reconcile(&lines, &picking(1), &candidates(), RULES).unwrap_err();
    assert!(matches!(error, PickingError::NotOurs(_)));
}

#[test]
fn a_weighted_replacement_is_held_by_its_weight() {
    let done = run(
        vec![
            pos("cheese", 0, None, Some("gouda")),
            pos("gouda", 1, Some(512), None),
            pos("milk", 3, None, None),
        ],
        RULES,
    )
    .unwrap();
    assert_eq!(done.hold, vec![("SKU-gouda".into(), q(512))]);
    assert_eq!(done.release, vec![("SKU-cheese".into(), q(700)), ("SKU-bread".into(), q(1000))]);
}
