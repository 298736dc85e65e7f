//! Barcodes a picker scans: a product's own (EAN-13, EAN-8, UPC-A, GTIN-14,
//! check digit verified; any other code is taken as printed) and the label
//! an in-store scale prints for weighed goods — an EAN-13 whose first two
//! digits are 20–29, carrying the product's article and the weight in
//! grams. Where the article and the weight sit is the store's scale
//! setting ([`LabelLayout`]); the two digits before and the check digit
//! after are fixed.

use std::fmt;
use std::str::FromStr;

/// Where a weighed label keeps the article and the weight: after the two
/// prefix digits, `article` digits of article then `weight` digits of
/// grams, then the check digit. The two add up to ten.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabelLayout {
    article: u8,
    weight: u8,
}

impl LabelLayout {
    /// `article` + `weight` digits; they must add up to ten, with at least
    /// one article digit and four weight digits (up to 9.999 kg).
    pub fn new(article: u8, weight: u8) -> Result<LabelLayout, String> {
        if article.checked_add(weight) != Some(10) || article == 0 || weight < 4 {
            return Err(format!(
                "a weighed label has 10 digits between its prefix and check digit: \
                 article and weight digits must add up to 10 (weight at least 4), not {article}+{weight}"
            ));
        }
        Ok(LabelLayout { article, weight })
    }

    pub const fn article_digits(self) -> u8 {
        self.article
    }

    pub const fn weight_digits(self) -> u8 {
        self.weight
    }
}

impl Default for LabelLayout {
    /// The common Russian scale label: `2P AAAAA WWWWW C`.
    fn default() -> Self {
        LabelLayout { article: 5, weight: 5 }
    }
}

/// `"5+5"`: article digits + weight digits.
impl FromStr for LabelLayout {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (article, weight) = text
            .split_once('+')
            .ok_or_else(|| format!("«{text}»: a label layout is article digits + weight digits, as 5+5"))?;
        let digits = |part: &str| {
            part.trim()
                .parse::<u8>()
                .map_err(|_| format!("«{text}»: «{}» is not a number of digits", part.trim()))
        };
        LabelLayout::new(digits(article)?, digits(weight)?)
    }
}

impl fmt::Display for LabelLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}+{}", self.article, self.weight)
    }
}

/// What a scanned code is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scanned {
    /// A product's own barcode, as printed.
    Product(String),
    /// An in-store weighed label.
    Weighed {
        /// The two prefix digits and the article: what names the product.
        key: String,
        /// The article alone, leading zeros kept.
        article: String,
        grams: u32,
    },
}

/// Why a scanned code cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error("пустой код")]
    Empty,
    #[error("код «{0}» не похож на штрихкод")]
    Unreadable(String),
    #[error("у кода {code} неверная контрольная цифра: должна быть {expected}")]
    CheckDigit { code: String, expected: u8 },
    #[error("на весовой этикетке {0} нулевой вес")]
    NoWeight(String),
}

/// The check digit of a GTIN whose other digits are `body` (GS1: weights
/// 3 and 1 from the right).
pub fn check_digit(body: &[u8]) -> u8 {
    let sum: u32 =
        body.iter().rev().enumerate().map(|(i, d)| u32::from(*d) * if i % 2 == 0 { 3 } else { 1 }).sum();
    u8::try_from((10 - sum % 10) % 10).unwrap_or(0)
}

fn digits(code: &str) -> Option<Vec<u8>> {
    code.bytes().map(|b| b.is_ascii_digit().then(|| b - b'0')).collect()
}

/// Reads what a scanner typed. A scanner sends the code and Enter; spaces
/// around it are dropped.
pub fn read(code: &str, layout: LabelLayout) -> Result<Scanned, ScanError> {
    let code = code.trim();
    if code.is_empty() {
        return Err(ScanError::Empty);
    }
    if code.chars().any(char::is_control) || code.chars().count() > 64 {
        return Err(ScanError::Unreadable(code.chars().take(64).collect()));
    }
    let Some(numbers) = digits(code) else {
        // Not a GTIN: an internal code, matched as printed.
        return Ok(Scanned::Product(code.to_owned()));
    };
    if !matches!(numbers.len(), 8 | 12 | 13 | 14) {
        return Ok(Scanned::Product(code.to_owned()));
    }
    let (body, check) = numbers.split_at(numbers.len() - 1);
    let expected = check_digit(body);
    if check[0] != expected {
        return Err(ScanError::CheckDigit { code: code.to_owned(), expected });
    }
    if numbers.len() == 13 && numbers[0] == 2 {
        let article_end = 2 + usize::from(layout.article);
        let weight: u32 = numbers[article_end..12].iter().fold(0, |n, d| n * 10 + u32::from(*d));
        if weight == 0 {
            return Err(ScanError::NoWeight(code.to_owned()));
        }
        return Ok(Scanned::Weighed {
            key: code[..article_end].to_owned(),
            article: code[2..article_end].to_owned(),
            grams: weight,
        });
    }
    Ok(Scanned::Product(code.to_owned()))
}

impl Scanned {
    /// Whether this code names the product `sku` whose barcode in the feed
    /// is `barcode`. A product code names the product with that barcode. A
    /// weighed label names the product whose feed barcode is a label of
    /// the same prefix and article (scales print what the catalog says,
    /// with the weight), or whose SKU is the article's number.
    pub fn names(&self, sku: &str, barcode: Option<&str>) -> bool {
        match self {
            Scanned::Product(code) => barcode == Some(code.as_str()),
            Scanned::Weighed { key, article, .. } => {
                let by_label = barcode.is_some_and(|b| b.len() == 13 && b.starts_with(key.as_str()));
                let number = |s: &str| s.trim_start_matches('0').to_owned();
                let by_sku = sku.bytes().all(|b| b.is_ascii_digit()) && number(sku) == number(article);
                by_label || by_sku
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `body` with its check digit.
    fn gtin(body: &str) -> String {
        let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
        format!("{body}{}", check_digit(&digits))
    }

    #[test]
    fn check_digits_of_real_codes() {
        for code in ["4607001771562", "96385074", "036000291452", "10012345678902"] {
            let numbers: Vec<u8> = code.bytes().map(|b| b - b'0').collect();
            let (body, check) = numbers.split_at(numbers.len() - 1);
            assert_eq!(check_digit(body), check[0], "{code}");
        }
    }

    #[test]
    fn product_codes_are_checked_when_they_are_gtins_and_taken_as_printed_otherwise() {
        let layout = LabelLayout::default();
        for (code, read_as) in [
            ("4607001771562", Ok(Scanned::Product("4607001771562".into()))),
            (" 4607001771562\r\n", Ok(Scanned::Product("4607001771562".into()))),
            ("96385074", Ok(Scanned::Product("96385074".into()))),
            ("036000291452", Ok(Scanned::Product("036000291452".into()))),
            ("10012345678902", Ok(Scanned::Product("10012345678902".into()))),
            ("4607001771563", Err(ScanError::CheckDigit { code: "4607001771563".into(), expected: 2 })),
            ("96385075", Err(ScanError::CheckDigit { code: "96385075".into(), expected: 4 })),
            ("SKU-000123", Ok(Scanned::Product("SKU-000123".into()))),
            ("12345", Ok(Scanned::Product("12345".into()))),
            ("", Err(ScanError::Empty)),
            ("   ", Err(ScanError::Empty)),
        ] {
            assert_eq!(read(code, layout), read_as, "{code:?}");
        }
        assert!(matches!(read("46\u{1b}07", layout), Err(ScanError::Unreadable(_))));
        assert!(matches!(read(&"7".repeat(100), layout), Err(ScanError::Unreadable(_))));
    }

    #[test]
    fn weighed_labels_carry_the_article_and_the_grams_where_the_layout_says() {
        // 5+5: 2P AAAAA WWWWW C.
        let label = gtin("210012301234");
        assert_eq!(
            read(&label, LabelLayout::default()),
            Ok(Scanned::Weighed { key: "2100123".into(), article: "00123".into(), grams: 1234 })
        );
        // 6+4 on the same digits: the article is one digit longer.
        assert_eq!(
            read(&label, LabelLayout::new(6, 4).unwrap()),
            Ok(Scanned::Weighed { key: "21001230".into(), article: "001230".into(), grams: 1234 })
        );
        // Every prefix 20-29 is a label; the weight's boundaries.
        for prefix in 20..=29 {
            for (weight, grams) in
                [("00001", Some(1)), ("99999", Some(99_999)), ("00000", None), ("01500", Some(1_500))]
            {
                let code = gtin(&format!("{prefix}00042{weight}"));
                let read_as = read(&code, LabelLayout::default());
                match grams {
                    Some(grams) => assert_eq!(
                        read_as,
                        Ok(Scanned::Weighed {
                            key: format!("{prefix}00042"),
                            article: "00042".into(),
                            grams
                        }),
                        "{code}"
                    ),
                    None => assert_eq!(read_as, Err(ScanError::NoWeight(code.clone()))),
                }
            }
        }
        // A label with a wrong check digit is refused like any code.
        let mut wrong = label.clone();
        let last = wrong.pop().unwrap().to_digit(10).unwrap();
        wrong.push(char::from_digit((last + 1) % 10, 10).unwrap());
        assert!(matches!(read(&wrong, LabelLayout::default()), Err(ScanError::CheckDigit { .. })));
        // A 13-digit code outside 20-29 is a product's.
        assert_eq!(
            read("4607001771562", LabelLayout::new(4, 6).unwrap()),
            Ok(Scanned::Product("4607001771562".into()))
        );
    }

    #[test]
    fn layouts_are_read_from_the_setting_and_must_fill_ten_digits() {
        for (text, layout) in [
            ("5+5", Ok((5, 5))),
            (" 6 + 4 ", Ok((6, 4))),
            ("4+6", Ok((4, 6))),
            ("5+4", Err(())),
            ("7+3", Err(())),
            ("0+10", Err(())),
            ("5", Err(())),
            ("a+b", Err(())),
        ] {
            let got =
                text.parse::<LabelLayout>().map(|l| (l.article_digits(), l.weight_digits())).map_err(|_| ());
            assert_eq!(got, layout, "{text:?}");
        }
        assert_eq!(LabelLayout::default().to_string(), "5+5");
    }

    #[test]
    fn a_label_names_its_product_by_the_feed_s_label_or_by_the_sku_number() {
        let label = read(&gtin("210012301234"), LabelLayout::default()).unwrap();
        assert!(label.names("CHEESE", Some("2100123000002")), "the feed's label with no weight");
        assert!(label.names("123", None), "the article is the SKU's number");
        assert!(label.names("000123", Some("4600000000000")));
        assert!(!label.names("CHEESE", Some("2100124000001")), "another article");
        assert!(!label.names("CHEESE", Some("2200123000001")), "another prefix");
        assert!(!label.names("1234", None));
        let product = Scanned::Product("4607001771562".into());
        assert!(product.names("MILK", Some("4607001771562")));
        assert!(!product.names("4607001771562", None), "a product code names a barcode, not a SKU");
    }
}
