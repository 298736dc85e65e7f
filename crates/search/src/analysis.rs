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
                _ => {
                    // A bare fraction in a grocery query is a fat content
                    // ("молоко 2.5"): also the size `2.5pct`.
                    if n.fract() != Decimal::ZERO && *n < Decimal::from(100) {
                        terms.sizes.push(format!("{}pct", n.normalize()));
                    }
                    terms.words.push(n.normalize().to_string());
                }
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

/// Where a letter sounds other than its transliteration spells it, for
/// [`sound_key`]: `х` is `h` as in Heinz and Hochland, `ц` is `z` as in
/// Lavazza, `й ы` are `i`.
const SOUND_OVERRIDES: &[(char, &str)] =
    &[('й', "i"), ('х', "h"), ('ц', "z"), ('щ', "sh"), ('ы', "i"), ('ю', "iu"), ('я', "ia")];

/// How a word sounds, the same for a Latin brand and its Russian spelling:
/// `Danone`/`данон`, `Heinz`/`хайнц`, `Lavazza`/`лавацца`,
/// `Jacobs`/`якобс`, `Greenfield`/`гринфилд`, `Nescafe`/`нескафе`. Not a
/// transliteration: a key to compare spellings by (`None` for words with
/// no letters). Rules, in order: Cyrillic letters by sound; Latin digraphs
/// (`sch ph th ck qu`, `ch` before a consonant or at the end as `h`, as in
/// Hochland); `c` before `e i y` as `s`, else `k`; `j y` as `i`; `w` as `v`,
/// `x` as `ks`; `ts`/`zz` as `z`; `ee ie ea` as `i`, `ou oo` as `u`, `ei ai
/// ay` as `ai`; doubled letters once; a final `e` after a consonant
/// dropped (French and Italian spellings).
pub fn sound_key(word: &str) -> Option<String> {
    let word = word.to_lowercase().replace('ё', "е");
    if !word.chars().any(char::is_alphabetic) {
        return None;
    }
    let mut latin = String::with_capacity(word.len());
    for c in word.chars() {
        let sound = SOUND_OVERRIDES.iter().chain(CYRILLIC_TO_LATIN).find(|(k, _)| *k == c);
        match sound {
            Some((_, v)) => latin.push_str(v),
            None if c.is_ascii_alphabetic() => latin.push(c),
            None => {}
        }
    }
    let mut s = latin;
    for (from, to) in [("sch", "sh"), ("ph", "f"), ("th", "t"), ("ck", "k"), ("qu", "kv"), ("q", "k")] {
        s = s.replace(from, to);
    }
    // `ch` as in Hochland (before a consonant or at the end) sounds as `h`.
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let vowel = |c: char| "aeiouy".contains(c);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == 'c' && next == Some('h') {
            let after = chars.get(i + 2).copied();
            out.push_str(if after.is_none_or(|a| !vowel(a)) { "h" } else { "ch" });
            i += 2;
            continue;
        }
        match c {
            'c' if next.is_some_and(|n| "eiy".contains(n)) => out.push('s'),
            'c' => out.push('k'),
            'j' | 'y' => out.push('i'),
            'w' => out.push('v'),
            'x' => out.push_str("ks"),
            other => out.push(other),
        }
        i += 1;
    }
    let mut s = out;
    for (from, to) in [
        ("tsts", "z"),
        ("ts", "z"),
        ("zz", "z"),
        ("ee", "i"),
        ("ie", "i"),
        ("ea", "i"),
        ("ou", "u"),
        ("oo", "u"),
        ("ei", "ai"),
        ("ay", "ai"),
    ] {
        s = s.replace(from, to);
    }
    let mut key = String::with_capacity(s.len());
    for c in s.chars() {
        if key.ends_with(c) {
            continue;
        }
        key.push(c);
    }
    if key.len() > 3 && key.ends_with('e') && key[..key.len() - 1].chars().last().is_some_and(|c| !vowel(c)) {
        key.pop();
    }
    Some(key)
}

/// How a Russian word is said, for the misspellings that follow speech:
/// unstressed vowels (`малако`, `смитана`, `макорони`), a voiced consonant
/// said voiceless at the end (`хлеп`, `йогурд`), doubled letters
/// (`пельминии`), `ь`/`ъ` left out. `о а` are `а`; `е и я э ы` are `и`;
/// `ю у` are `у`. `None` for words without Cyrillic letters or shorter than
/// four letters (too many words sound alike there).
pub fn spoken_key(word: &str) -> Option<String> {
    let word = word.to_lowercase().replace('ё', "е");
    if word.chars().count() < 4 || !word.chars().all(|c| ('а'..='я').contains(&c)) {
        return None;
    }
    let mut key = String::with_capacity(word.len());
    for c in word.chars() {
        let said = match c {
            'о' => 'а',
            'е' | 'я' | 'э' | 'ы' => 'и',
            'ю' => 'у',
            'ь' | 'ъ' => continue,
            other => other,
        };
        if !key.ends_with(said) {
            key.push(said);
        }
    }
    let devoiced = match key.chars().last() {
        Some('б') => Some('п'),
        Some('в') => Some('ф'),
        Some('г') => Some('к'),
        Some('д') => Some('т'),
        Some('ж') => Some('ш'),
        Some('з') => Some('с'),
        _ => None,
    };
    if let Some(voiceless) = devoiced {
        key.pop();
        key.push(voiceless);
    }
    Some(key)
}

/// Other spellings of a Russian word whose stem the stemmer misses: a
/// fleeting vowel (`сосисок` → `сосиск`, `огурец` → `огурц`, `булочек` →
/// `булочк`) and `иц` for `йц` (`яиц` → `яйц`). Tried only for words the
/// index does not know as typed.
pub fn fleeting_vowel_forms(word: &str) -> Vec<String> {
    let mut forms = Vec::new();
    let chars: Vec<char> = word.chars().collect();
    let n = chars.len();
    if n >= 4 {
        let (vowel, last) = (chars[n - 2], chars[n - 1]);
        if matches!(vowel, 'о' | 'е' | 'ё') && matches!(last, 'к' | 'ц' | 'н' | 'л' | 'р') {
            let mut form: String = chars[..n - 2].iter().collect();
            form.push(last);
            forms.push(form);
        }
    }
    if word.ends_with("иц") && n >= 3 {
        forms.push(format!("{}йц", &word[..word.len() - "иц".len()]));
    }
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brands_sound_the_same_in_either_alphabet() {
        for (latin, cyrillic) in [
            ("danone", "данон"),
            ("heinz", "хайнц"),
            ("lavazza", "лавацца"),
            ("jacobs", "якобс"),
            ("greenfield", "гринфилд"),
            ("nescafe", "нескафе"),
            ("hochland", "хохланд"),
            ("bonaqua", "бонаква"),
            ("raffaello", "рафаэлло"),
            ("orbit", "орбит"),
            ("egoiste", "эгоист"),
            ("barilla", "барилла"),
            ("pepsi", "пепси"),
            ("cola", "кола"),
            ("ritter", "риттер"),
            ("alpen", "альпен"),
            ("gold", "гольд"),
            ("ahmad", "ахмад"),
            ("oreo", "орео"),
            ("lipton", "липтон"),
            ("minerale", "минерале"),
            ("parmalat", "пармалат"),
            ("prostokvashino", "простоквашино"),
            ("chudo", "чудо"),
        ] {
            assert_eq!(sound_key(latin), sound_key(cyrillic), "{latin} / {cyrillic}");
        }
        assert_ne!(sound_key("lipton"), sound_key("milton"));
        assert_eq!(sound_key("123"), None);
    }

    #[test]
    fn misspellings_that_follow_speech_sound_the_same() {
        for (typed, word) in [
            ("малако", "молоко"),
            ("смитана", "сметана"),
            ("макорони", "макароны"),
            ("хлеп", "хлеб"),
            ("йогурд", "йогурт"),
            ("пельминии", "пельмени"),
            ("тварог", "творог"),
            ("калбаса", "колбаса"),
            ("гречька", "гречка"),
            ("апильсины", "апельсины"),
        ] {
            assert_eq!(spoken_key(typed), spoken_key(word), "{typed} / {word}");
        }
        assert_eq!(spoken_key("сыр"), None);
        assert_eq!(spoken_key("milk"), None);
        assert_ne!(spoken_key("молоко"), spoken_key("масло"));
    }

    #[test]
    fn fleeting_vowels_and_yi() {
        assert_eq!(fleeting_vowel_forms("сосисок"), ["сосиск"]);
        assert_eq!(fleeting_vowel_forms("огурец"), ["огурц"]);
        assert_eq!(fleeting_vowel_forms("сырок"), ["сырк"]);
        assert_eq!(fleeting_vowel_forms("яиц"), ["яйц"]);
        assert!(fleeting_vowel_forms("молоко").is_empty());
    }

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
