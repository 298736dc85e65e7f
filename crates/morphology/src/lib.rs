//! Russian lemmas from a dictionary, not from suffix rules: `бананов` and
//! `банан` are the lexeme `банан` (Snowball stems the latter to `бан`),
//! `яиц` is `яйцо`, `сельди` is `сельдь`, `стали` both `сталь` and `стать`.
//!
//! The dictionary is OpenCorpora's (389,835 lexemes, 5 million word forms),
//! as pymorphy2 compiles it: every form a key of a DAWG whose value names
//! the form's paradigm and its place there; a paradigm lists, per form, the
//! suffix and prefix that the form adds to the lexeme's stem. The lemma is
//! the stem with the paradigm's first form's suffix. The DAWG is read in
//! place (dawgdic's double-array layout), so the whole dictionary costs its
//! 7 MB of memory and a lookup a few hundred array reads.

mod dawg;

use std::sync::OnceLock;

use dawg::Dawg;

#[derive(Debug, thiserror::Error)]
pub enum DictionaryError {
    #[error("dictionary file {file}: {reason}")]
    Malformed { file: &'static str, reason: String },
}

/// A compiled pymorphy2 dictionary.
pub struct Dictionary {
    words: Dawg,
    /// Per paradigm: the suffix ids of its forms, their tag ids, their
    /// prefix ids (three runs of equal length).
    paradigms: Vec<Vec<u16>>,
    suffixes: Vec<String>,
    prefixes: Vec<String>,
}

impl std::fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dictionary")
            .field("paradigms", &self.paradigms.len())
            .field("suffixes", &self.suffixes.len())
            .finish_non_exhaustive()
    }
}

macro_rules! data {
    ($file:literal) => {
        include_bytes!(concat!(env!("OPENCORPORA_DICT_DIR"), "/", $file))
    };
}

/// OpenCorpora's Russian dictionary, decompressed on first use (some
/// 50 ms) and shared by the process.
///
/// # Panics
/// Never for the data this crate is built with: a test reads it whole.
pub fn russian() -> &'static Dictionary {
    static RUSSIAN: OnceLock<Dictionary> = OnceLock::new();
    RUSSIAN.get_or_init(|| {
        Dictionary::from_gzipped(
            data!("words.dawg.gz"),
            data!("paradigms.array.gz"),
            data!("suffixes.json.gz"),
            data!("meta.json.gz"),
        )
        .expect("the dictionary built into this crate reads")
    })
}

fn gunzip(file: &'static str, bytes: &[u8]) -> Result<Vec<u8>, DictionaryError> {
    let mut out = Vec::with_capacity(bytes.len() * 2);
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut out)
        .map_err(|e| DictionaryError::Malformed { file, reason: e.to_string() })?;
    Ok(out)
}

impl Dictionary {
    /// Reads the gzipped files of a pymorphy2 dictionary (format 2.4).
    pub fn from_gzipped(
        words: &[u8],
        paradigms: &[u8],
        suffixes: &[u8],
        meta: &[u8],
    ) -> Result<Self, DictionaryError> {
        let malformed = |file, reason: &str| DictionaryError::Malformed { file, reason: reason.to_owned() };
        let words = Dawg::parse(&gunzip("words.dawg", words)?).map_err(|e| malformed("words.dawg", e))?;
        let paradigms = parse_paradigms(&gunzip("paradigms.array", paradigms)?)
            .ok_or_else(|| malformed("paradigms.array", "truncated"))?;
        let suffixes: Vec<String> = serde_json::from_slice(&gunzip("suffixes.json", suffixes)?)
            .map_err(|e| malformed("suffixes.json", &e.to_string()))?;
        let meta: Vec<(String, serde_json::Value)> = serde_json::from_slice(&gunzip("meta.json", meta)?)
            .map_err(|e| malformed("meta.json", &e.to_string()))?;
        let prefixes = meta
            .iter()
            .find(|(key, _)| key == "compile_options")
            .and_then(|(_, options)| options.get("paradigm_prefixes"))
            .and_then(|p| serde_json::from_value::<Vec<String>>(p.clone()).ok())
            .ok_or_else(|| malformed("meta.json", "no compile_options.paradigm_prefixes"))?;
        Ok(Dictionary { words, paradigms, suffixes, prefixes })
    }

    /// Whether the dictionary has `word` (lower case; `е` also read as `ё`):
    /// the key's path alone, without reading its records.
    pub fn knows(&self, word: &str) -> bool {
        let chars: Vec<char> = word.chars().collect();
        self.knows_from(&chars, Dawg::ROOT)
    }

    fn knows_from(&self, rest: &[char], index: u32) -> bool {
        let Some((&c, rest)) = rest.split_first() else {
            return self.words.follow(index, &[dawg::PAYLOAD_SEPARATOR]).is_some();
        };
        let alternatives: &[char] = if c == 'е' { &['е', 'ё'] } else { &[c] };
        alternatives.iter().any(|letter| {
            let mut utf8 = [0; 4];
            self.words
                .follow(index, letter.encode_utf8(&mut utf8).as_bytes())
                .is_some_and(|next| self.knows_from(rest, next))
        })
    }

    /// The lemmas of `word` (lower case; `е` also read as `ё`), `ё` written
    /// `е`, each once, in the dictionary's order; empty for a word it does
    /// not know.
    pub fn lemmas(&self, word: &str) -> Vec<String> {
        let mut lemmas: Vec<String> = Vec::new();
        for (spelling, records) in self.spellings(word) {
            for (paradigm, form) in records {
                if let Some(lemma) = self.lemma(&spelling, paradigm, form) {
                    let lemma = lemma.replace('ё', "е");
                    if !lemmas.contains(&lemma) {
                        lemmas.push(lemma);
                    }
                }
            }
        }
        lemmas
    }

    /// The dictionary's spellings of `word` (an `е` may be its `ё`), each
    /// with its (paradigm, form) records.
    fn spellings(&self, word: &str) -> Vec<(String, Vec<(u16, u16)>)> {
        let mut found = Vec::new();
        let chars: Vec<char> = word.chars().collect();
        self.spellings_from(&chars, Dawg::ROOT, &mut String::new(), &mut found);
        found
    }

    fn spellings_from(
        &self,
        rest: &[char],
        index: u32,
        spelled: &mut String,
        found: &mut Vec<(String, Vec<(u16, u16)>)>,
    ) {
        let Some((&c, rest)) = rest.split_first() else {
            if let Some(values) = self.words.follow(index, &[dawg::PAYLOAD_SEPARATOR]) {
                let records = self.words.values(values).filter_map(|v| decode_record(&v)).collect();
                found.push((spelled.clone(), records));
            }
            return;
        };
        let alternatives: &[char] = if c == 'е' { &['е', 'ё'] } else { &[c] };
        for &letter in alternatives {
            let mut utf8 = [0; 4];
            if let Some(next) = self.words.follow(index, letter.encode_utf8(&mut utf8).as_bytes()) {
                spelled.push(letter);
                self.spellings_from(rest, next, spelled, found);
                spelled.pop();
            }
        }
    }

    /// The lemma of `word`, the `form`-th form of `paradigm`.
    fn lemma(&self, word: &str, paradigm: u16, form: u16) -> Option<String> {
        let paradigm = self.paradigms.get(usize::from(paradigm))?;
        let forms = paradigm.len() / 3;
        let form = usize::from(form);
        let suffix = self.suffixes.get(usize::from(*paradigm.get(form)?))?;
        let prefix = self.prefixes.get(usize::from(*paradigm.get(2 * forms + form)?))?;
        let chars: Vec<char> = word.chars().collect();
        let (prefix_len, suffix_len) = (prefix.chars().count(), suffix.chars().count());
        let stem: String = chars.get(prefix_len..chars.len().checked_sub(suffix_len)?)?.iter().collect();
        let lemma_suffix = self.suffixes.get(usize::from(*paradigm.first()?))?;
        let lemma_prefix = self.prefixes.get(usize::from(*paradigm.get(2 * forms)?))?;
        Some(format!("{lemma_prefix}{stem}{lemma_suffix}"))
    }
}

/// A value of the words DAWG: base64 of two big-endian `u16`s, the paradigm
/// and the form's index in it.
fn decode_record(base64: &[u8]) -> Option<(u16, u16)> {
    let bytes = dawg::base64_decode(base64)?;
    let [a, b, c, d] = bytes.get(..4)?.try_into().ok()?;
    Some((u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d])))
}

/// `paradigms.array`: a little-endian `u16` count, then each paradigm as a
/// `u16` length and that many `u16`s.
fn parse_paradigms(bytes: &[u8]) -> Option<Vec<Vec<u16>>> {
    let mut words = bytes.chunks_exact(2).map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
    let count = words.next()?;
    let mut paradigms = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let len = usize::from(words.next()?);
        let paradigm: Vec<u16> = words.by_ref().take(len).collect();
        if paradigm.len() != len || len % 3 != 0 {
            return None;
        }
        paradigms.push(paradigm);
    }
    Some(paradigms)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Word forms and the lemma the dictionary gives them, where repeated
    /// Snowball stemming either over-stems (`банан` → `бан`, the stem of
    /// `баня`) or leaves the forms of one word apart (`яиц`/`яйцо`).
    const PARADIGMS: &[(&str, &str)] = &[
        ("банан", "банан"),
        ("бананы", "банан"),
        ("бананов", "банан"),
        ("баня", "баня"),
        ("яйцо", "яйцо"),
        ("яйца", "яйцо"),
        ("яиц", "яйцо"),
        ("огурцов", "огурец"),
        ("огурец", "огурец"),
        ("сырков", "сырок"),
        ("пельменей", "пельмень"),
        ("сметаной", "сметана"),
        ("молока", "молоко"),
        ("молочный", "молочный"),
        ("сельди", "сельдь"),
        ("вафель", "вафля"),
        ("сушек", "сушка"),
        ("креветок", "креветка"),
        ("сливок", "сливки"),
        ("груш", "груша"),
        ("луком", "лук"),
        ("мандаринов", "мандарин"),
        ("капусты", "капуста"),
        ("ежика", "ежик"),
        ("курицы", "курица"),
        ("куриные", "куриный"),
        ("помидоров", "помидор"),
        ("морковью", "морковь"),
        ("лучшее", "хороший"),
    ];

    #[test]
    fn forms_reach_their_lemma() {
        let dictionary = russian();
        for (form, lemma) in PARADIGMS {
            let lemmas = dictionary.lemmas(form);
            assert!(lemmas.iter().any(|l| l == lemma), "{form}: expected {lemma}, got {lemmas:?}");
        }
    }

    #[test]
    fn an_ambiguous_form_has_every_lemma() {
        let lemmas = russian().lemmas("стали");
        assert!(lemmas.contains(&"сталь".to_owned()) && lemmas.contains(&"стать".to_owned()), "{lemmas:?}");
    }

    #[test]
    fn e_is_also_read_as_yo_and_lemmas_are_written_with_e() {
        assert_eq!(russian().lemmas("мед").first().map(String::as_str), Some("мед"));
        assert!(russian().lemmas("ежики").contains(&"ежик".to_owned()));
        assert!(russian().knows("ёлка") && russian().knows("елка"));
    }

    #[test]
    fn words_the_dictionary_lacks_have_no_lemma() {
        for word in ["пармалат", "простоквашино", "milk", "", "ыыыыыы"] {
            assert!(russian().lemmas(word).is_empty(), "{word}");
            assert!(!russian().knows(word), "{word}");
        }
    }

    #[test]
    fn damaged_files_are_an_error_not_a_panic() {
        let gz = |bytes: &[u8]| {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut encoder, bytes).unwrap();
            encoder.finish().unwrap()
        };
        let meta = gz(br#"[["compile_options", {"paradigm_prefixes": [""]}]]"#);
        let suffixes = gz(br#"[""]"#);
        let truncated = Dictionary::from_gzipped(&gz(&[9, 0, 0, 0, 1]), &gz(&[0, 0]), &suffixes, &meta);
        assert!(matches!(truncated, Err(DictionaryError::Malformed { file: "words.dawg", .. })));
        let not_gzip = Dictionary::from_gzipped(b"plain", &gz(&[0, 0]), &suffixes, &meta);
        assert!(not_gzip.is_err());
    }
}
