//! Text to search terms, the same way for products and queries: words, and
//! sizes in one canonical spelling.

use domain::Decimal;

/// What a text means to the index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryTerms {
    /// Lower-case words, `ё` as `е`, in order.
    pub words: Vec<String>,
    /// Canonical sizes: `1000ml`, `330g`, `2.5pct`, `10pcs`.
    pub sizes: Vec<String>,
}

enum Lexeme {
    Number(Decimal),
    Word(String),
    Percent,
}

fn lex(text: &str) -> Vec<Lexeme> {
    let text = text.to_lowercase().replace('ё', "е");
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut number = String::new();
            while let Some(&d) = chars.peek() {
                if d.is_ascii_digit() {
                    number.push(d);
                    chars.next();
                } else if (d == ',' || d == '.') && !number.contains('.') {
                    // A decimal separator only when a digit follows: "1,5%"
                    // but not "молоко, 1".
                    let mut ahead = chars.clone();
                    ahead.next();
                    if ahead.peek().is_some_and(char::is_ascii_digit) {
                        number.push('.');
                        chars.next();
                    } else {
                        break;
                    }
                } else {
                    break;
                }
            }
            if let Ok(n) = number.parse::<Decimal>() {
                out.push(Lexeme::Number(n));
            }
        } else if c.is_alphabetic() {
            let mut word = String::new();
            while let Some(&w) = chars.peek() {
                if w.is_alphabetic() {
                    word.push(w);
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(Lexeme::Word(word));
        } else {
            if c == '%' {
                out.push(Lexeme::Percent);
            }
            chars.next();
        }
    }
    out
}

/// A unit word and how many base units (g, ml, pcs) one of it is.
fn unit(word: &str) -> Option<(&'static str, Decimal)> {
    Some(match word {
        "г" | "гр" | "грамм" | "граммов" | "g" | "gr" => ("g", Decimal::ONE),
        "кг" | "килограмм" | "kg" => ("g", Decimal::from(1000)),
        "мл" | "ml" => ("ml", Decimal::ONE),
        "л" | "литр" | "литра" | "литров" | "l" => ("ml", Decimal::from(1000)),
        "шт" | "штук" | "штуки" | "pcs" => ("pcs", Decimal::ONE),
        _ => return None,
    })
}

pub fn analyse(text: &str) -> QueryTerms {
    let mut terms = QueryTerms::default();
    let lexemes = lex(text);
    let mut i = 0;
    while i < lexemes.len() {
        match &lexemes[i] {
            Lexeme::Number(n) => match lexemes.get(i + 1) {
                Some(Lexeme::Word(w)) if w.starts_with("процент") => {
                    terms.sizes.push(format!("{}pct", n.normalize()));
                    i += 1;
                }
                Some(Lexeme::Percent) => {
                    terms.sizes.push(format!("{}pct", n.normalize()));
                    i += 1;
                }
                Some(Lexeme::Word(w)) if unit(w).is_some() => {
                    let (base, factor) = unit(w).expect("checked");
                    terms.sizes.push(format!("{}{base}", (*n * factor).normalize()));
                    i += 1;
                }
                _ => terms.words.push(n.normalize().to_string()),
            },
            Lexeme::Word(w) => terms.words.push(w.clone()),
            Lexeme::Percent => {}
        }
        i += 1;
    }
    terms
}

const CYRILLIC_TO_LATIN: &[(char, &str)] = &[
    ('а', "a"),
    ('б', "b"),
    ('в', "v"),
    ('г', "g"),
    ('д', "d"),
    ('е', "e"),
    ('ж', "zh"),
    ('з', "z"),
    ('и', "i"),
    ('й', "y"),
    ('к', "k"),
    ('л', "l"),
    ('м', "m"),
    ('н', "n"),
    ('о', "o"),
    ('п', "p"),
    ('р', "r"),
    ('с', "s"),
    ('т', "t"),
    ('у', "u"),
    ('ф', "f"),
    ('х', "kh"),
    ('ц', "ts"),
    ('ч', "ch"),
    ('ш', "sh"),
    ('щ', "shch"),
    ('ъ', ""),
    ('ы', "y"),
    ('ь', ""),
    ('э', "e"),
    ('ю', "yu"),
    ('я', "ya"),
];

/// The word in the other alphabet, for shoppers who type "moloko" or
/// "пармалат". `None` when the word has no letters to convert.
pub fn transliterate(word: &str) -> Option<String> {
    if word.chars().any(|c| ('а'..='я').contains(&c)) {
        let latin: String = word
            .chars()
            .map(|c| {
                CYRILLIC_TO_LATIN
                    .iter()
                    .find(|(k, _)| *k == c)
                    .map_or_else(|| c.to_string(), |(_, v)| (*v).to_owned())
            })
            .collect();
        return Some(latin);
    }
    if !word.chars().any(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    // Greedy longest match of the Latin spellings, longest first.
    let mut pairs: Vec<(&str, char)> =
        CYRILLIC_TO_LATIN.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (*v, *k)).collect();
    pairs.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
    let mut out = String::new();
    let mut rest = word;
    while !rest.is_empty() {
        if let Some((v, c)) = pairs.iter().find(|(v, _)| rest.starts_with(v)) {
            out.push(*c);
            rest = &rest[v.len()..];
        } else {
            let c = rest.chars().next().expect("not empty");
            out.push(match c {
                'c' | 'x' | 'q' => 'к',
                'w' => 'в',
                'h' => 'х',
                other => other,
            });
            rest = &rest[c.len_utf8()..];
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(text: &str) -> Vec<String> {
        analyse(text).sizes
    }

    #[test]
    fn sizes_have_one_spelling() {
        for text in ["молоко 1л", "молоко 1 л", "молоко 1000 мл", "молоко 1,0 л", "Молоко 1 Л"]
        {
            assert_eq!(sizes(text), ["1000ml"], "{text}");
        }
        for text in ["колбаса 330г", "колбаса 330 г", "колбаса 0,33 кг", "колбаса 0.33кг"]
        {
            assert_eq!(sizes(text), ["330g"], "{text}");
        }
        assert_eq!(sizes("молоко 2,5%"), ["2.5pct"]);
        assert_eq!(sizes("молоко 2.5 %"), ["2.5pct"]);
        assert_eq!(sizes("сметана 15 процентов"), ["15pct"]);
        assert_eq!(sizes("яйца 10 шт"), ["10pcs"]);
    }

    #[test]
    fn words_are_lower_case_with_e_for_yo() {
        let terms = analyse("Мороженое «Пломбир», ЁЛКА 48 копеек");
        assert_eq!(terms.words, ["мороженое", "пломбир", "елка", "48", "копеек"]);
        assert!(terms.sizes.is_empty());
        assert_eq!(analyse("молоко, 1").words, ["молоко", "1"]);
    }

    #[test]
    fn transliteration_both_ways() {
        assert_eq!(transliterate("moloko").as_deref(), Some("молоко"));
        assert_eq!(transliterate("kefir").as_deref(), Some("кефир"));
        assert_eq!(transliterate("пармалат").as_deref(), Some("parmalat"));
        assert_eq!(transliterate("123"), None);
    }
}
