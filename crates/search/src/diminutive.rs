//! Diminutive and affectionate forms of Russian nouns (`бананчики`,
//! `водичка`, `йогуртик`, `кофеек`): the word with its ending and its
//! diminutive suffix taken off, so the index finds the noun it was made
//! from. Rules of word formation, not a list of words: the suffixes are
//! Russian's own (`-ик -чик -ок -ек -ёк -очк- -ечк- -ичк- -ушк- -юшк- -шк-
//! -оньк- -еньк-`, and `-ушек -очек…` with the vowel that comes and goes),
//! with the consonant changes they bring (`лучок`: `лук`, `горчичка`:
//! `горчица`). A base must be a word of the dictionary, and is used only
//! when the index knows it.

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

/// The consonant a diminutive suffix turned the base's last one into
/// (`лук` → `лучок`, `горчица` → `горчичка`, `творог` → `творожок`), and
/// what it was.
const ALTERNATIONS: [(char, &str); 7] =
    [('ч', "к"), ('ч', "ц"), ('ж', "г"), ('ж', "з"), ('ш', "х"), ('ш', "с"), ('щ', "ст")];

/// How a noun's lemma ends after its stem: `морков|ь`, `чипс|ы`,
/// `вод|а`, `ча|й`, `огур|ец`.
const LEMMA_ENDINGS: [&str; 11] = ["", "а", "ь", "ы", "и", "о", "я", "е", "й", "ец", "ка"];

/// The nouns `word` may be a diminutive of, most likely first, each a word
/// of the dictionary; empty for a word too short to carry a suffix.
pub fn bases(word: &str) -> Vec<String> {
    let word = word.to_lowercase().replace('ё', "е");
    if word.chars().count() < 4 {
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
    let dictionary = morphology::russian();
    let mut out: Vec<String> = Vec::new();
    for stem in &stems {
        for (suffix, tail) in SUFFIXES {
            let suffix = suffix.replace('ё', "е");
            let Some(base) = stem.strip_suffix(suffix.as_str()) else { continue };
            if base.chars().count() < 2 {
                continue;
            }
            let base = format!("{base}{tail}");
            // `сливочки` is `сливки` with `-оч-` in, not `слив` with `-очк-`.
            let inner = matches!(suffix.as_str(), "очк" | "ечк" | "ичк").then(|| format!("{base}к"));
            let altered = ALTERNATIONS
                .iter()
                .filter_map(|(now, was)| base.strip_suffix(*now).map(|rest| format!("{rest}{was}")));
            let candidates: Vec<String> = std::iter::once(base.clone()).chain(inner).chain(altered).collect();
            for candidate in candidates {
                for ending in LEMMA_ENDINGS {
                    let noun = format!("{candidate}{ending}");
                    if noun != word && !out.contains(&noun) && dictionary.knows(&noun) {
                        out.push(noun);
                    }
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
            ("водичка", "вода"),
            ("йогуртик", "йогурт"),
            ("фаршик", "фарш"),
            ("кофеек", "кофе"),
            ("кофеёк", "кофе"),
            ("сыночек", "сын"),
            ("хлебушек", "хлеб"),
            ("творожок", "творог"),
            ("огурчики", "огурец"),
            ("сметанка", "сметана"),
            ("картошечка", "картошка"),
            ("морковка", "морковь"),
            ("лучок", "лук"),
            ("сочок", "сок"),
            ("сливочки", "сливки"),
            ("оливочки", "оливки"),
            ("горчичка", "горчица"),
            ("чипсики", "чипсы"),
            ("булочка", "булка"),
            ("чаек", "чай"),
        ];
        for (word, base) in cases {
            let found = bases(word);
            assert!(found.iter().any(|b| b == base), "{word}: {found:?}");
        }
        assert!(bases("сыр").is_empty(), "too short to carry a suffix");
        assert!(bases("пармалатик").is_empty(), "no word of the dictionary under it");
    }
}
