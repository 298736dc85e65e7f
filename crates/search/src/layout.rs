//! A query typed in the wrong keyboard layout: Russian typed with the Latin
//! layout on (`vjkjrj` for `молоко`, `cs[` for `сыр` — the keys of `х ж э б ю`
//! are punctuation there), or a Latin brand typed with the Russian one on
//! (`ыфьыгтп` for `samsung`). Each key is mapped to the letter of the other
//! layout, both ways (ЙЦУКЕН ↔ QWERTY, the standard Windows and macOS
//! layouts); the index decides which reading is meant.

/// The keys of the standard layouts, Latin and Russian, in the same order.
const LATIN: &str = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`";
const RUSSIAN: &str = "йцукенгшщзхъфывапролджэячсмитьбюё";

/// `text` as typed with the other layout: every key that is a letter of one
/// layout becomes the other's; `None` when nothing changes (digits, spaces,
/// a text of neither layout).
pub fn other_layout(text: &str) -> Option<String> {
    let latin: Vec<char> = LATIN.chars().collect();
    let russian: Vec<char> = RUSSIAN.chars().collect();
    let mut changed = false;
    let out: String = text
        .chars()
        .map(|c| {
            let lower = c.to_lowercase().next().unwrap_or(c);
            let swapped = latin
                .iter()
                .position(|&k| k == lower)
                .map(|i| russian[i])
                .or_else(|| russian.iter().position(|&k| k == lower).map(|i| latin[i]));
            match swapped {
                Some(s) => {
                    changed = true;
                    s
                }
                None => c,
            }
        })
        .collect();
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_layouts_both_ways() {
        let cases = [
            ("vjkjrj", "молоко"),
            ("rtabh", "кефир"),
            ("csh", "сыр"),
            ("[kt,", "хлеб"),
            ("ckbdjxyjt vfckj", "сливочное масло"),
            ("gtkmvtyb", "пельмени"),
            ("z,kjrb", "яблоки"),
            ("`kjxyfz", "ёлочная"),
            ("VJKJRJ", "молоко"),
            ("vjkjrj 2,5%", "молоко 2б5%"),
            ("ыфьыгтп", "samsung"),
            ("дфмфяяф", "lavazza"),
            ("туыефк", "nestar"),
            ("щкущ", "oreo"),
        ];
        for (typed, meant) in cases {
            assert_eq!(other_layout(typed).as_deref(), Some(meant), "{typed}");
            assert_eq!(other_layout(meant).map(|s| s.to_lowercase()), Some(typed.to_lowercase()), "{meant}");
        }
        assert_eq!(other_layout("2 3 4"), None);
        assert_eq!(other_layout(""), None);
    }
}
