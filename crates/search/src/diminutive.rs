//! Diminutive and affectionate forms of Russian nouns (`бананчики`,
//! `водичка`, `йогуртик`, `кофеек`): the word with its ending and its
//! diminutive suffix taken off, so the index finds the noun it was made
//! from. Rules of word formation, not a list of words: the suffixes are
//! Russian's own (`-ик -чик -ок -ек -ёк -очк- -ечк- -ичк- -ушк- -юшк- -шк-
//! -оньк- -еньк-`, and `-ушек -очек…` with the vowel that comes and goes),
//! and a base is used only when the index knows it.

/// Endings a diminutive noun takes (case and number), longest first.
const ENDINGS: [&str; 14] = ["ами", "ях", "ах", "ов", "ей", "ом", "ем", "ам", "а", "и", "ы", "у", "е", "о"];

/// Diminutive suffixes and what the base ends in when they go: `водичка`
/// is `вод(а)`, `батончик` `батон`, `кофеек` `кофе`.
const SUFFIXES: [(&str, &str); 19] = [
    // With the vowel that comes and goes: `хлебушек`, `сыночек`.
    ("ушек", ""),
    ("юшек", ""),
    ("очек", ""),
    ("ечек", ""),
    ("ичек", ""),
    ("оньк", ""),
    ("еньк", ""),
    ("ушк", ""),
    ("юшк", ""),
    ("очк", ""),
    ("ечк", ""),
    ("ичк", ""),
    ("чик", ""),
    ("шк", ""),
    ("ик", ""),
    ("ок", ""),
    ("ек", ""),
    ("ёк", ""),
    ("к", ""),
];

/// The nouns `word` may be a diminutive of, most likely first; empty for
/// a word too short to carry a suffix.
pub fn bases(word: &str) -> Vec<String> {
    let word = word.to_lowercase().replace('ё', "е");
    if word.chars().count() < 5 {
        return Vec::new();
    }
    let mut stems = vec![word.clone()];
    for ending in ENDINGS {
        if let Some(stem) = word.strip_suffix(ending)
            && stem.chars().count() >= 4
        {
            stems.push(stem.to_owned());
        }
    }
    let mut out: Vec<String> = Vec::new();
    for stem in &stems {
        for (suffix, tail) in SUFFIXES {
            let suffix = suffix.replace('ё', "е");
            if let Some(base) = stem.strip_suffix(suffix.as_str())
                && base.chars().count() >= 3
            {
                let base = format!("{base}{tail}");
                if !out.contains(&base) && base != word {
                    out.push(base);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diminutives_lead_back_to_their_noun() {
        let cases = [
            ("бананчики", "банан"),
            ("батончик", "батон"),
            ("водичка", "вод"),
            ("йогуртик", "йогурт"),
            ("фаршик", "фарш"),
            ("кофеек", "кофе"),
            ("кофеёк", "кофе"),
            ("сыночек", "сын"),
            ("хлебушек", "хлеб"),
            ("творожок", "творож"),
            ("огурчики", "огур"),
            ("сметанка", "сметан"),
            ("картошечка", "картош"),
        ];
        for (word, base) in cases {
            let found = bases(word);
            assert!(found.iter().any(|b| b == base), "{word}: {found:?}");
        }
        assert!(bases("сыр").is_empty(), "too short to carry a suffix");
    }
}
