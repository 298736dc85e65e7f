//! The relevance set (`tests/relevance.tsv`) over the demo catalog: every
//! query must find what a shopper meant in the top 3. The set has a section
//! per class of query (Latin brands spelt in Russian and back, brands of
//! several words however written, every case and number, everyday names).

use catalog::{FeedPosition, SearchIndex, demo};
use search::TantivyIndex;

fn norm(s: &str) -> String {
    s.to_lowercase().replace('ё', "е")
}

/// The demo catalog's products indexed, and their names by SKU.
fn demo_index() -> (TantivyIndex, std::collections::HashMap<domain::SkuId, String>) {
    let catalog = demo::generate(100_000);
    let index = TantivyIndex::new().unwrap().with_thesaurus(crate::thesaurus());
    let products: Vec<_> =
        catalog.products.iter().map(|p| (p.clone(), FeedPosition::new(1, p.sku.to_string(), ""))).collect();
    index.apply(&products).unwrap();
    let names = catalog.products.iter().map(|p| (p.sku.clone(), norm(&p.name))).collect();
    (index, names)
}

/// The queries of `set` that miss in the top 3, and how many there are.
fn misses(
    index: &TantivyIndex,
    names: &std::collections::HashMap<domain::SkuId, String>,
    set: &str,
) -> (usize, Vec<String>) {
    let cases: Vec<(&str, Vec<String>)> = set
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (query, expected) = l.split_once('\t').expect("query<TAB>expected");
            (query, expected.split('|').map(norm).collect())
        })
        .collect();
    let mut failures = Vec::new();
    for (query, expected) in &cases {
        let hits = index.search(query, 3).unwrap();
        let top: Vec<&String> = hits.iter().map(|h| &names[&h.sku]).collect();
        if !top.iter().any(|name| expected.iter().all(|word| name.contains(word.as_str()))) {
            failures.push(format!("{query:?}: expected {expected:?}, got {top:?}"));
        }
    }
    (cases.len(), failures)
}

/// A chain's feed of another shape than the demo generator's
/// (`chain_catalog.tsv`) indexed, and its names by SKU.
fn chain_index() -> (TantivyIndex, std::collections::HashMap<domain::SkuId, String>) {
    let products: Vec<_> = include_str!("chain_catalog.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cells: Vec<&str> = l.split('\t').collect();
            let (mut product, position) = crate::product(cells[0], cells[1], cells[2]);
            product.brand = cells.get(3).copied().unwrap_or_default().into();
            (product, position)
        })
        .collect();
    let index = TantivyIndex::new().unwrap().with_thesaurus(crate::thesaurus());
    index.apply(&products).unwrap();
    let names = products.iter().map(|(p, _)| (p.sku.clone(), norm(&p.name))).collect();
    (index, names)
}

/// The rate of a set's queries answered; the misses printed.
fn rate(label: &str, cases: usize, failures: &[String]) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let rate = (cases - failures.len()) as f64 / cases as f64;
    println!("{label}: {}/{cases} ({:.1} %)", cases - failures.len(), rate * 100.0);
    for f in failures {
        println!("  miss {f}");
    }
    rate
}

/// A set held by a ratchet: at least `min_cases` queries, the rate at
/// `floor` or above (raised as mechanisms land, never lowered).
fn ratchet(label: &str, (cases, failures): (usize, Vec<String>), min_cases: usize, floor: f64) {
    let rate = rate(label, cases, &failures);
    assert!(cases >= min_cases, "{label}: the set has {cases} queries");
    assert!(rate >= floor, "{label}: {:.1} % is below the floor of {:.1} %", rate * 100.0, floor * 100.0);
}

/// Queries typed in the other keyboard layout, both ways: Russian on the
/// Latin layout, Latin brands on the Russian one, and a query that switches
/// halfway.
#[test]
fn queries_typed_in_the_other_layout_find_what_was_meant() {
    let (index, names) = demo_index();
    let (cases, failures) = misses(&index, &names, include_str!("layout.tsv"));
    assert!(cases >= 35, "the set has {cases} queries");
    assert!(failures.is_empty(), "{} of {cases} missed:\n{}", failures.len(), failures.join("\n"));
}

/// What the mechanisms of issue 34 are to answer, written before them:
/// English words, everyday and diminutive names, typos in ordinary words.
/// A ratchet: the rate may only rise (to 97 % when the mechanisms land).
#[test]
fn queries_of_kinds_nobody_listed_are_measured_and_never_fall_back() {
    // 43 of 85 before the mechanisms of issue 34; 46 with whole-word typos
    // on the last word; 52 with diminutives; 53 with their bases checked
    // against the dictionary; 57 with words said alike (`малако`); 79 with
    // Mueller's English-Russian dictionary; 80 with four-letter diminutives;
    // 81 with misspellings a letter from how a word is said.
    let (index, names) = demo_index();
    ratchet("unseen kinds", misses(&index, &names, include_str!("unseen.tsv")), 85, 0.95);
}

#[test]
fn every_query_of_the_relevance_set_finds_its_product_in_the_top_3() {
    let (index, names) = demo_index();
    let (cases, failures) = misses(&index, &names, include_str!("relevance.tsv"));
    assert!(cases >= 160, "the set has {cases} queries");
    let passed = cases - failures.len();
    #[allow(clippy::cast_precision_loss)]
    let rate = passed as f64 / cases as f64;
    println!("relevance: {passed}/{cases} ({:.1} %)", rate * 100.0);
    for f in &failures {
        println!("  miss {f}");
    }
    assert!(failures.is_empty(), "relevance {:.1} %:\n{}", rate * 100.0, failures.join("\n"));
}

/// The same kinds of query over a chain's feed of another shape, written
/// before the dictionary morphology and the thesaurus. A ratchet, as above.
#[test]
fn a_chains_feed_of_another_shape_answers_the_same_kinds() {
    // 84 of 126 before the dictionary morphology and the thesaurus; 90 with
    // diminutives checked against the dictionary; 122 with Mueller's
    // English-Russian dictionary; 123 with diminutive names found by their
    // noun (`горошек` by `горох`).
    let (index, names) = chain_index();
    ratchet("chain feed", misses(&index, &names, include_str!("chain.tsv")), 120, 0.97);
}

/// Every query written for issue 34 (the layout set, the unseen kinds and
/// the chain's feed) together: at least 97 % in the top 3.
#[test]
fn the_queries_of_kinds_nobody_listed_pass_at_97_percent() {
    let (demo, demo_names) = demo_index();
    let (chain, chain_names) = chain_index();
    let sets = [
        misses(&demo, &demo_names, include_str!("layout.tsv")),
        misses(&demo, &demo_names, include_str!("unseen.tsv")),
        misses(&chain, &chain_names, include_str!("chain.tsv")),
    ];
    let cases: usize = sets.iter().map(|(n, _)| n).sum();
    let failures: Vec<String> = sets.into_iter().flat_map(|(_, f)| f).collect();
    let rate = rate("issue 34's queries", cases, &failures);
    assert!(cases >= 246, "the sets have {cases} queries");
    assert!(rate >= 0.97, "{:.1} % is below 97 %", rate * 100.0);
}
