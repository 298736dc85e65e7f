//! The relevance set (`tests/relevance.tsv`) over the demo catalog: every
//! query must find what a shopper meant in the top 3. The set has a section
//! per class of query (Latin brands spelt in Russian and back, brands of
//! several words however written, every case and number, everyday names).

use catalog::{FeedPosition, SearchIndex, demo};
use search::TantivyIndex;

fn norm(s: &str) -> String {
    s.to_lowercase().replace('ё', "е")
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

/// Queries typed in the other keyboard layout, both ways: Russian on the
/// Latin layout, Latin brands on the Russian one, and a query that switches
/// halfway.
#[test]
fn queries_typed_in_the_other_layout_find_what_was_meant() {
    let catalog = demo::generate(100_000);
    let index = TantivyIndex::new().unwrap();
    let products: Vec<_> =
        catalog.products.iter().map(|p| (p.clone(), FeedPosition::new(1, p.sku.to_string(), ""))).collect();
    index.apply(&products).unwrap();
    let names = catalog.products.iter().map(|p| (p.sku.clone(), norm(&p.name))).collect();
    let (cases, failures) = misses(&index, &names, include_str!("layout.tsv"));
    assert!(cases >= 35, "the set has {cases} queries");
    assert!(failures.is_empty(), "{} of {cases} missed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_query_of_the_relevance_set_finds_its_product_in_the_top_3() {
    let catalog = demo::generate(100_000);
    let index = TantivyIndex::new().unwrap();
    let products: Vec<_> = catalog
        .products
        .iter()
        .cloned()
        .map(|p| {
            let position = FeedPosition::new(1, p.sku.to_string(), "");
            (p, position)
        })
        .collect();
    index.apply(&products).unwrap();
    let names: std::collections::HashMap<_, _> =
        catalog.products.iter().map(|p| (p.sku.clone(), norm(&p.name))).collect();

    let cases: Vec<(&str, Vec<String>)> = include_str!("relevance.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (query, expected) = l.split_once('\t').expect("query<TAB>expected");
            (query, expected.split('|').map(norm).collect())
        })
        .collect();
    assert!(cases.len() >= 160, "the set has {} queries", cases.len());

    let mut failures = Vec::new();
    for (query, expected) in &cases {
        let hits = index.search(query, 3).unwrap();
        let top: Vec<&String> = hits.iter().map(|h| &names[&h.sku]).collect();
        if !top.iter().any(|name| expected.iter().all(|word| name.contains(word.as_str()))) {
            failures.push(format!("{query:?}: expected {expected:?}, got {top:?}"));
        }
    }
    let passed = cases.len() - failures.len();
    #[allow(clippy::cast_precision_loss)]
    let rate = passed as f64 / cases.len() as f64;
    println!("relevance: {passed}/{} ({:.1} %)", cases.len(), rate * 100.0);
    for f in &failures {
        println!("  miss {f}");
    }
    assert!(failures.is_empty(), "relevance {:.1} %:\n{}", rate * 100.0, failures.join("\n"));
}
