//! A feed's category is a word of its products: a shopper who names the
//! category (`сыры`, `молочная продукция`) finds what is in it, though no
//! product's own name says so; a product whose name says it comes first.

use catalog::SearchIndex;
use search::TantivyIndex;

use crate::product;

#[test]
fn a_category_word_finds_what_is_in_the_category() {
    let index = TantivyIndex::new().unwrap();
    index
        .apply(&[
            product("GOUDA", "Гауда 45% 200 г", "Сыры"),
            product("MAASDAM", "Маасдам 45% 200 г", "Сыры"),
            product("KEFIR", "Кефир 1% 900 мл", "Молочная продукция"),
            product("BREAD", "Бородинский 400 г", "Хлеб и выпечка"),
        ])
        .unwrap();
    let found = |query: &str| -> Vec<String> {
        index.search(query, 3).unwrap().into_iter().map(|h| h.sku.to_string()).collect()
    };
    let cheeses = found("сыры");
    assert!(cheeses.contains(&"GOUDA".to_owned()) && cheeses.contains(&"MAASDAM".to_owned()), "{cheeses:?}");
    assert_eq!(found("сыр гауда").first().map(String::as_str), Some("GOUDA"), "the name's own word first");
    assert_eq!(found("молочная продукция").first().map(String::as_str), Some("KEFIR"));
    assert_eq!(found("выпечка").first().map(String::as_str), Some("BREAD"));
}
