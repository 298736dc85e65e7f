//! CommerceML 2.x as 1C's "exchange with a site" (обмен с сайтом) writes
//! and reads it: the catalog (`import.xml`), offers with prices and stock
//! (`offers.xml`, or the split `prices.xml` and `rests.xml` newer modules
//! send) and order documents (`orders.xml` both ways). Files are streamed
//! record by record ([`xml`]); nothing here knows HTTP or a database.
//!
//! What 1C sends, read the tolerant way:
//!
//! - schema versions 2.03 to 2.10; UTF-8 or the encoding the declaration
//!   names (windows-1251 from older configurations);
//! - numbers with a comma or a dot, with spaces or no-break spaces between
//!   thousands (`1 234,50`);
//! - stock per warehouse as `Остатки/Остаток/Склад/{Ид, Количество}`
//!   (2.08+), as `Склад ИдСклада= КоличествоНаСкладе=` attributes (2.03 to
//!   2.07), or only a total `Количество`;
//! - an offer's `Ид` as `product#characteristic` for a product's variants;
//! - elements we do not use are read past.

pub mod catalog;
pub mod documents;
pub mod offers;
pub mod xml;

use rust_decimal::Decimal;

/// Why a file cannot be taken. The exchange answers `failure` with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("not well-formed XML: {0}")]
    Xml(String),
    #[error("refused: {0}")]
    Hostile(String),
    #[error("too large: {0}")]
    TooLarge(String),
    #[error("{what}: {why}")]
    Invalid { what: String, why: String },
}

impl Error {
    pub(crate) fn xml(e: &dyn std::fmt::Display) -> Error {
        Error::Xml(e.to_string())
    }

    pub(crate) fn invalid(what: impl Into<String>, why: impl Into<String>) -> Error {
        Error::Invalid { what: what.into(), why: why.into() }
    }
}

/// A number as 1C writes it: `1234.5`, `1234,5`, `1 234,50` (spaces or
/// no-break spaces between thousands).
pub fn number(text: &str) -> Option<Decimal> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    cleaned.parse::<Decimal>().ok().or_else(|| Decimal::from_scientific(&cleaned).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_1c_writes_them() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        for (text, expected) in [
            ("1234.5", Some(d("1234.5"))),
            ("1234,5", Some(d("1234.5"))),
            ("1 234,50", Some(d("1234.50"))),
            ("1\u{a0}234,50", Some(d("1234.50"))),
            (" 10 ", Some(d("10"))),
            ("-3", Some(d("-3"))),
            ("1e3", Some(d("1000"))),
            ("", None),
            ("много", None),
        ] {
            assert_eq!(number(text), expected, "{text:?}");
        }
    }
}
