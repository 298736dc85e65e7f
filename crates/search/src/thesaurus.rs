//! English words for Russian products, from a bilingual dictionary in the
//! dictd text format (Mueller's English-Russian dictionary, 7th edition, as
//! Debian's `mueller7-dict` installs it; any dictd dictionary of that
//! layout reads). Not a list of ours: every noun of the dictionary with the
//! Russian words of its first senses, and the phrases its articles
//! translate (`cottage cheese прессованный творог`). The index uses a
//! translation only when it knows all of its words, so a dictionary's many
//! senses cannot bring in what the catalog does not sell.
//!
//! The dictionary is read at start from a file the merchant installs
//! (`MERCHANT_SEARCH_THESAURUS`), not shipped: Mueller's text is GPL.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// Where Debian's `mueller7-dict` puts Mueller's dictionary: read when
/// `MERCHANT_SEARCH_THESAURUS` names no other file.
pub const DEFAULT_THESAURUS: &str = "/usr/share/dictd/mueller7.dict.dz";

/// How much a translation counts: the first sense of a noun as much as
/// the word itself, later senses and phrases found in examples less.
const FIRST_SENSE: f32 = 1.0;
const LATER_SENSE: f32 = 0.7;
const PHRASE: f32 = 0.8;
/// Senses of a noun read; later ones are figurative or rare.
const SENSES: usize = 3;

/// Part-of-speech marks of Mueller's articles that end a noun's block.
const OTHER_PARTS: [&str; 10] =
    ["_v.", "_a.", "_adv.", "_prep.", "_cj.", "_int.", "_pron.", "_num.", "_predic.", "_part."];

#[derive(Debug, Default)]
pub struct Thesaurus {
    /// An English word or phrase (lower case) -> Russian words with weights.
    entries: HashMap<String, Vec<(String, f32)>>,
}

#[derive(Debug, thiserror::Error)]
#[error("thesaurus {path}: {reason}")]
pub struct ThesaurusError {
    pub path: String,
    pub reason: String,
}

impl Thesaurus {
    /// Reads a dictd dictionary: `.dict` text, or `.dict.dz` (gzip).
    pub fn load(path: &Path) -> Result<Self, ThesaurusError> {
        let failed = |reason: String| ThesaurusError { path: path.display().to_string(), reason };
        let bytes = std::fs::read(path).map_err(|e| failed(e.to_string()))?;
        let text = if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut text = String::new();
            flate2::read::GzDecoder::new(bytes.as_slice())
                .read_to_string(&mut text)
                .map_err(|e| failed(e.to_string()))?;
            text
        } else {
            String::from_utf8(bytes).map_err(|e| failed(e.to_string()))?
        };
        let thesaurus = Self::from_dictd(&text);
        if thesaurus.entries.is_empty() {
            return Err(failed("no article with a Russian noun".into()));
        }
        Ok(thesaurus)
    }

    /// Articles of a dictd text: a headword at the start of a line, its
    /// article indented below it.
    pub fn from_dictd(text: &str) -> Self {
        let mut thesaurus = Thesaurus::default();
        let mut lines = text.lines().peekable();
        while let Some(line) = lines.next() {
            if line.is_empty() || line.starts_with(char::is_whitespace) {
                continue;
            }
            let headword = line.trim().to_lowercase();
            let mut article = String::new();
            while let Some(body) = lines.next_if(|l| l.starts_with(char::is_whitespace)) {
                article.push(' ');
                article.push_str(body.trim());
            }
            if headword.starts_with("00-")
                || !headword.chars().all(|c| c.is_ascii_alphabetic() || " -'".contains(c))
            {
                continue;
            }
            thesaurus.read_article(&headword, &article);
        }
        thesaurus
    }

    fn read_article(&mut self, headword: &str, article: &str) {
        let article = without_brackets(article);
        let nouns = noun_senses(&article);
        let translations: Vec<(String, f32)> = nouns
            .iter()
            .take(SENSES)
            .enumerate()
            .flat_map(|(i, sense)| {
                let weight = if i == 0 { FIRST_SENSE } else { LATER_SENSE };
                russian_items(sense).into_iter().map(move |w| (w, weight))
            })
            .collect();
        if !translations.is_empty() {
            let entry = self.entries.entry(headword.replace('-', " ")).or_default();
            for (word, weight) in translations {
                if !entry.iter().any(|(w, _)| *w == word) {
                    entry.push((word, weight));
                }
            }
        }
        // Phrases the article translates: "<English words> <Russian words>",
        // an item ending at `;` `,`, a sense's number or a label.
        for item in items(&article) {
            let words: Vec<&str> = item.iter().map(String::as_str).collect();
            let russian = words.iter().rev().take_while(|w| is_russian(w)).count();
            let split = words.len() - russian;
            let latin = words[..split]
                .iter()
                .rev()
                .take_while(|w| w.chars().all(|c| c.is_ascii_alphabetic()))
                .count();
            if latin >= 2 && (1..=3).contains(&russian) {
                let phrase = words[split - latin..split].join(" ").to_lowercase();
                let russian = words[split..].join(" ").to_lowercase().replace('ё', "е");
                self.entries.entry(phrase).or_insert_with(|| vec![(russian, PHRASE)]);
            }
        }
    }

    /// The Russian words for an English word or phrase (lower case); a
    /// plural is also looked up as its singular (`tomatoes`, `cherries`).
    pub fn translations(&self, english: &str) -> &[(String, f32)] {
        // The plainest plural first: `cookies` is `cookie`, not `cooky`.
        let singulars = [
            english.strip_suffix('s').map(str::to_owned),
            english.strip_suffix("es").map(str::to_owned),
            english.strip_suffix("ies").map(|s| format!("{s}y")),
        ];
        std::iter::once(Some(english.to_owned()))
            .chain(singulars)
            .flatten()
            .find_map(|form| self.entries.get(&form))
            .map_or(&[], Vec::as_slice)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The article's items: runs of words between `;` or `,`, a sense's or a
/// part's number (`2)`, `2.`) and a label (`_разг.`).
fn items(article: &str) -> Vec<Vec<String>> {
    let mut items = vec![Vec::new()];
    for token in article.split_whitespace() {
        let number = token
            .strip_suffix([')', '.'])
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        if number || token.starts_with('_') {
            items.push(Vec::new());
            continue;
        }
        let word = token.trim_end_matches([';', ',']);
        if !word.is_empty()
            && let Some(item) = items.last_mut()
        {
            item.push(word.to_owned());
        }
        if word.len() != token.len() {
            items.push(Vec::new());
        }
    }
    items.retain(|item| !item.is_empty());
    items
}

fn is_russian(word: &str) -> bool {
    !word.is_empty() && word.chars().all(|c| matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё' | '-'))
}

/// The article without transcriptions `[…]` and remarks `(…)`.
fn without_brackets(article: &str) -> String {
    let mut out = String::with_capacity(article.len());
    let mut depth = 0_u32;
    for c in article.chars() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The senses of the article's nouns, in order: what follows each `_n.`
/// up to another part of speech, a homonym's number (`_II`) or a part's
/// number (`2.`), split at sense numbers (`1)`, `2)`).
fn noun_senses(article: &str) -> Vec<String> {
    let mut senses = Vec::new();
    let mut in_noun = false;
    let mut sense = String::new();
    let flush = |sense: &mut String, senses: &mut Vec<String>| {
        if !sense.trim().is_empty() {
            senses.push(std::mem::take(sense));
        }
        sense.clear();
    };
    for token in article.split_whitespace() {
        let part_number =
            token.ends_with('.') && token[..token.len() - 1].chars().all(|c| c.is_ascii_digit());
        let homonym = token.starts_with('_') && token[1..].chars().all(|c| matches!(c, 'I' | 'V' | 'X'));
        if token == "_n." {
            flush(&mut sense, &mut senses);
            in_noun = true;
        } else if OTHER_PARTS.contains(&token) || part_number || homonym {
            flush(&mut sense, &mut senses);
            in_noun = false;
        } else if in_noun
            && token.ends_with(')')
            && token[..token.len() - 1].chars().all(|c| c.is_ascii_digit())
        {
            flush(&mut sense, &mut senses);
        } else if in_noun {
            sense.push(' ');
            sense.push_str(token);
        }
    }
    flush(&mut sense, &mut senses);
    senses
}

/// The Russian words a sense begins with: items separated by `;` and `,`,
/// each of one or two Russian words, up to the first with anything else (an
/// English example). A sense of attributes (`_attr.`) gives none.
fn russian_items(sense: &str) -> Vec<String> {
    let mut items = Vec::new();
    for item in sense.split([';', ',']) {
        let words: Vec<&str> = item.split_whitespace().collect();
        if words.first() == Some(&"_attr.") {
            return items;
        }
        let words: Vec<&str> = words.into_iter().filter(|w| !w.starts_with('_')).collect();
        if words.is_empty() {
            continue;
        }
        if words.len() > 2 || !words.iter().all(|w| is_russian(w)) {
            break;
        }
        items.push(words.join(" ").to_lowercase().replace('ё', "е"));
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Articles in Mueller's layout, written for the test.
    const ARTICLES: &str = "\
00-database-short
     An English-Russian dictionary
pear
   [pe@] _n.
   1) груша
   2) грушевое дерево
cabbage
   _I  [kabidZ]
      1. _n.
         1) (кочанная) капуста
         2) _attr. капустный
      2. _v. завиваться кочаном
   _II [kabidZ] _n. обрезки материи
shrimp
   [Srimp]
   1. _n.
      1) _зоол. креветка
      2) _шутл. маленький человечек
   2. _v. ловить креветок
sweet
   [swi:t]
   1. _a.
      1) сладкий
   2. _n.
      1) конфета, леденец
      2) _pl. сласти
cottage
   [kOtidZ] _n.
   1) коттедж
   2) _attr. cottage cheese прессованный творог; cottage hospital небольшая больница
ice-cream
   [ais'kri:m] _n. мороженое
bean
   [bi:n] _n.
   1) боб; kidney (или French) bean фасоль
sour
   [saue]
   1. _a.
      1) кислый; sour cream сметана
      2) прокисший
cooky
   [kuki] _n.
   1) = cookie
   2) _разг. кухарка
cookie
   [kuki] _n. _ам. домашнее печенье; булочка
";

    fn words(thesaurus: &Thesaurus, english: &str) -> Vec<String> {
        thesaurus.translations(english).iter().map(|(w, _)| w.clone()).collect()
    }

    #[test]
    fn a_noun_is_its_senses_russian_words() {
        let t = Thesaurus::from_dictd(ARTICLES);
        assert_eq!(words(&t, "pear"), ["груша", "грушевое дерево"]);
        assert!((t.translations("pear")[0].1 - FIRST_SENSE).abs() < f32::EPSILON);
        assert_eq!(words(&t, "shrimp"), ["креветка", "маленький человечек"]);
        assert_eq!(words(&t, "bean"), ["боб"]);
    }

    #[test]
    fn remarks_attributes_verbs_and_adjectives_are_left_out() {
        let t = Thesaurus::from_dictd(ARTICLES);
        assert_eq!(words(&t, "cabbage"), ["капуста", "обрезки материи"]);
        assert_eq!(words(&t, "sweet"), ["конфета", "леденец", "сласти"]);
    }

    #[test]
    fn plurals_hyphens_and_phrases() {
        let t = Thesaurus::from_dictd(ARTICLES);
        assert_eq!(words(&t, "pears"), ["груша", "грушевое дерево"]);
        assert_eq!(words(&t, "sweets"), ["конфета", "леденец", "сласти"]);
        assert_eq!(words(&t, "ice cream"), ["мороженое"]);
        assert_eq!(words(&t, "cottage cheese"), ["прессованный творог"]);
        assert_eq!(words(&t, "kidney bean"), ["фасоль"]);
        assert_eq!(words(&t, "sour cream"), ["сметана"]);
        assert_eq!(words(&t, "cookies"), ["домашнее печенье", "булочка"]);
        assert!(t.translations("unknownword").is_empty());
        assert!(t.translations("00-database-short").is_empty());
    }

    #[test]
    fn a_missing_or_empty_file_is_an_error() {
        assert!(Thesaurus::load(Path::new("/nonexistent/mueller7.dict.dz")).is_err());
        let dir = std::env::temp_dir().join(format!("thesaurus-{}", std::process::id()));
        std::fs::write(&dir, "not a dictionary\n").unwrap();
        assert!(Thesaurus::load(&dir).is_err());
        std::fs::remove_file(&dir).unwrap();
    }
}
