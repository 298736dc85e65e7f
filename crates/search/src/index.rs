//! The tantivy index: products in memory, searched by words and sizes.

use std::collections::HashMap;
use std::ops::Bound;
use std::sync::{Mutex, RwLock};

use catalog::{FeedPosition, Product, SearchError, SearchHit, SearchIndex};
use domain::SkuId;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{FAST, Field, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{LowerCaser, SimpleTokenizer, TextAnalyzer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::analysis::{analyse, fleeting_vowel_forms, sound_key, spoken_key, transliterate};
use crate::lemma::LemmaTokenizer;
use crate::thesaurus::Thesaurus;
use crate::{diminutive, layout};

const STEMMED: &str = "stemmed";
/// A fast field holding each document's index in `TantivyIndex::skus`: a
/// hit becomes a SKU without touching the compressed document store.
const KEY: &str = "key";
const PLAIN: &str = "plain";
/// An exact (stemmed) word counts three times a fuzzy one.
const EXACT_BOOST: f32 = 3.0;
const SIZE_BOOST: f32 = 2.0;
const BRAND_BOOST: f32 = 1.5;
/// The product's head noun (the first word of its name: `Апельсины`, not
/// `Сок … апельсиновый`) matching a query word.
const HEAD_BOOST: f32 = 2.0;
/// A product named by a diminutive (`горошек`, `сырок`) found by its noun
/// (`горох`, `сыр`): less than the noun's own products.
const BASE_BOOST: f32 = 1.0;
/// A misspelling a letter away from how a word is said counts as a typo.
const SPOKEN_BOOST: f32 = 1.0;
/// The shortest spoken key read with a letter's difference.
const SPOKEN_FUZZY_FROM: usize = 6;
/// Words whose terms are remembered; past it the memory starts afresh
/// (a bound against a flood of distinct words, not an LRU).
const STEM_CACHE_WORDS: usize = 100_000;
/// A synonym's match counts less than the word's own.
const SYNONYM_WEIGHT: f32 = 0.6;

/// The synonym groups that ship with the product (`src/synonyms.txt`); a
/// merchant's file adds to them.
pub const SHIPPED_SYNONYMS: &str = include_str!("synonyms.txt");

#[derive(Debug, thiserror::Error)]
#[error("search index: {0}")]
pub struct SearchIndexError(#[from] tantivy::TantivyError);

#[derive(Clone, Copy)]
struct Fields {
    sku: Field,
    key: Field,
    stemmed: Field,
    plain: Field,
    brand: Field,
    /// The first word of the name, stemmed.
    head: Field,
    /// The nouns the name's diminutives are made from, as lemmas.
    bases: Field,
    /// How the name's Russian words are said ([`spoken_key`]), for a
    /// misspelling a letter away from how a word is said (`марожное`).
    spoken: Field,
    sizes: Field,
}

pub struct TantivyIndex {
    /// Stem of a word -> the other words of its synonym group.
    synonyms: HashMap<String, Vec<String>>,
    /// English words and phrases -> Russian ones.
    thesaurus: Thesaurus,
    /// Words -> their index terms, as [`TantivyIndex::stems`] found them.
    stem_cache: RwLock<HashMap<String, Vec<String>>>,
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    applied: Mutex<FeedPosition>,
    /// The products as of `applied`, for hydrating answers without a
    /// database round trip (descriptive data only: no price, no stock).
    products: RwLock<HashMap<SkuId, Product>>,
    /// Every SKU ever indexed, at its document key; a re-indexed product
    /// keeps its key.
    skus: RwLock<Keys>,
    /// How indexed words sound ([`sound_keys`]) -> the words: a shopper's
    /// `данон` finds Danone, `pepsicola` finds Pepsi-Cola, `малако` finds
    /// молоко. Derived from the catalog's own names and brands as they are
    /// indexed.
    sounds: RwLock<HashMap<String, Vec<String>>>,
}

#[derive(Default)]
struct Keys {
    by_key: Vec<SkuId>,
    by_sku: HashMap<SkuId, u64>,
}

impl Keys {
    fn key(&mut self, sku: &SkuId) -> u64 {
        if let Some(key) = self.by_sku.get(sku) {
            return *key;
        }
        let key = self.by_key.len() as u64;
        self.by_key.push(sku.clone());
        self.by_sku.insert(sku.clone(), key);
        key
    }
}

impl std::fmt::Debug for TantivyIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TantivyIndex").field("applied", &self.applied()).finish_non_exhaustive()
    }
}

fn text_field(tokenizer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(IndexRecordOption::WithFreqs),
    )
}

/// Edit distance allowed for a word of this length.
fn typo_distance(word: &str) -> u8 {
    match word.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// The lemmas of the nouns `word` may be a diminutive of, other than its
/// own (`горошек`: `горох`).
fn noun_bases(word: &str) -> Vec<String> {
    let dictionary = morphology::russian();
    let own = dictionary.lemmas(word);
    let mut out: Vec<String> = Vec::new();
    for base in diminutive::bases(word) {
        for lemma in dictionary.lemmas(&base) {
            if !own.contains(&lemma) && !out.contains(&lemma) {
                out.push(lemma);
            }
        }
    }
    out
}

/// Whether `field` has `text` in some document.
fn has(searcher: &Searcher, field: Field, text: &str) -> bool {
    searcher.doc_freq(&Term::from_field_text(field, text)).is_ok_and(|n| n > 0)
}

/// The keys a word is found by in `TantivyIndex::sounds`: how it sounds
/// across alphabets, and (marked apart) how a Russian word is said.
fn sound_keys(word: &str) -> Vec<String> {
    sound_key(word).into_iter().chain(spoken_key(word).map(|key| format!("ru:{key}"))).collect()
}

impl TantivyIndex {
    /// An empty index with the built-in synonyms (`src/synonyms.txt`).
    pub fn new() -> Result<Self, SearchIndexError> {
        Self::with_synonyms(SHIPPED_SYNONYMS)
    }

    /// An empty index with the synonym groups of `synonyms` (the format of
    /// `src/synonyms.txt`).
    pub fn with_synonyms(synonyms: &str) -> Result<Self, SearchIndexError> {
        let mut builder = Schema::builder();
        let fields = Fields {
            sku: builder.add_text_field("sku", STRING),
            key: builder.add_u64_field(KEY, FAST),
            stemmed: builder.add_text_field("stemmed", text_field(STEMMED)),
            plain: builder.add_text_field("plain", text_field(PLAIN)),
            brand: builder.add_text_field("brand", text_field(PLAIN)),
            head: builder.add_text_field("head", text_field(STEMMED)),
            bases: builder.add_text_field("bases", text_field(STEMMED)),
            spoken: builder.add_text_field("spoken", text_field(PLAIN)),
            sizes: builder.add_text_field("sizes", STRING),
        };
        let index = Index::create_in_ram(builder.build());
        index.tokenizers().register(STEMMED, TextAnalyzer::from(LemmaTokenizer::default()));
        index
            .tokenizers()
            .register(PLAIN, TextAnalyzer::builder(SimpleTokenizer::default()).filter(LowerCaser).build());
        let writer = index.writer_with_num_threads(1, 30_000_000)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let mut this = TantivyIndex {
            synonyms: HashMap::new(),
            thesaurus: Thesaurus::default(),
            stem_cache: RwLock::new(HashMap::new()),
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            applied: Mutex::new(FeedPosition::default()),
            products: RwLock::new(HashMap::new()),
            skus: RwLock::new(Keys::default()),
            sounds: RwLock::new(HashMap::new()),
        };
        this.synonyms = this.parse_synonyms(synonyms);
        Ok(this)
    }

    /// The index with English words and phrases read as `thesaurus`
    /// translates them.
    #[must_use]
    pub fn with_thesaurus(mut self, thesaurus: Thesaurus) -> Self {
        self.thesaurus = thesaurus;
        self
    }

    fn parse_synonyms(&self, text: &str) -> HashMap<String, Vec<String>> {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let group: Vec<String> =
                line.split(',').map(|w| w.trim().to_lowercase().replace('ё', "е")).collect();
            for word in &group {
                for stem in self.stems(word) {
                    map.entry(stem).or_default().extend(group.iter().filter(|w| *w != word).cloned());
                }
            }
        }
        map
    }

    /// The change-feed position applied last.
    pub fn applied(&self) -> FeedPosition {
        self.applied.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Indexes (or re-indexes) `products` and records the last of their
    /// feed positions; searchers see them when this returns.
    pub fn apply(&self, products: &[(Product, FeedPosition)]) -> Result<(), SearchIndexError> {
        if products.is_empty() {
            return Ok(());
        }
        let f = self.fields;
        let mut writer = self.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut keys = self.skus.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut sounds = self.sounds.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut diminutive_bases: HashMap<String, Vec<String>> = HashMap::new();
        for (product, _) in products {
            writer.delete_term(Term::from_field_text(f.sku, product.sku.as_str()));
            let terms = analyse(&format!("{} {}", product.name, product.category));
            let words = terms.words.join(" ");
            // Forms the stemmer does not reach from the other cases (a
            // fleeting vowel: `сырок` is `сырк-` in `сырков`, `сырки`).
            let fleeting: Vec<String> = terms.words.iter().flat_map(|w| fleeting_vowel_forms(w)).collect();
            let mut doc = TantivyDocument::default();
            doc.add_text(f.sku, product.sku.as_str());
            doc.add_u64(f.key, keys.key(&product.sku));
            doc.add_text(f.stemmed, format!("{words} {}", fleeting.join(" ")));
            if let Some(head) = terms.words.first() {
                doc.add_text(f.head, head);
            }
            let mut bases: Vec<String> = Vec::new();
            for word in &terms.words {
                bases.extend(
                    diminutive_bases.entry(word.clone()).or_insert_with(|| noun_bases(word)).iter().cloned(),
                );
            }
            if !bases.is_empty() {
                doc.add_text(f.bases, bases.join(" "));
            }
            let spoken: Vec<String> = terms.words.iter().filter_map(|w| spoken_key(w)).collect();
            if !spoken.is_empty() {
                doc.add_text(f.spoken, spoken.join(" "));
            }
            doc.add_text(f.plain, &words);
            // A brand of several words also as one (`Pepsi-Cola`:
            // `pepsicola`), for shoppers who run it together.
            let brand_words = analyse(&product.brand).words;
            let joined = (brand_words.len() > 1).then(|| brand_words.concat());
            let brand = product.brand.to_lowercase().replace('ё', "е");
            doc.add_text(f.brand, joined.as_ref().map_or(brand.clone(), |j| format!("{brand} {j}")));
            for word in terms.words.iter().chain(&brand_words).chain(joined.iter()) {
                for key in sound_keys(word) {
                    let known = sounds.entry(key).or_default();
                    if !known.contains(word) {
                        known.push(word.clone());
                    }
                }
            }
            for size in &terms.sizes {
                doc.add_text(f.sizes, size);
            }
            writer.add_document(doc)?;
        }
        drop(keys);
        drop(sounds);
        writer.commit()?;
        self.reader.reload()?;
        let mut known = self.products.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (product, _) in products {
            known.insert(product.sku.clone(), product.clone());
        }
        drop(known);
        if let Some(last) = products.iter().map(|(_, position)| position).max() {
            let mut applied = self.applied.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if *last > *applied {
                *applied = last.clone();
            }
        }
        Ok(())
    }

    /// The indexed products among `skus`; unknown ones are left out.
    pub fn products(&self, skus: &[SkuId]) -> Vec<Product> {
        let known = self.products.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        skus.iter().filter_map(|sku| known.get(sku).cloned()).collect()
    }

    /// The index terms of `word` (its lemmas, or its stem). Remembered:
    /// a query asks for a word's terms several times, and shoppers ask for
    /// the same words all day.
    fn stems(&self, word: &str) -> Vec<String> {
        let read = |cache: &HashMap<String, Vec<String>>| cache.get(word).cloned();
        if let Some(stems) = read(&self.stem_cache.read().unwrap_or_else(std::sync::PoisonError::into_inner))
        {
            return stems;
        }
        let Ok(mut analyzer) = self.index.tokenizers().get(STEMMED).ok_or(()) else {
            return Vec::new();
        };
        let mut stream = analyzer.token_stream(word);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        let mut cache = self.stem_cache.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= STEM_CACHE_WORDS {
            cache.clear();
        }
        cache.insert(word.to_owned(), out.clone());
        out
    }

    /// Alternatives for one query word: its stem exactly, the word with typos
    /// (and as a prefix when it is the last), the same in the other alphabet.
    /// A word the index knows (as typed or by its stem) is taken as typed:
    /// typo tolerance and the other alphabet are for words that match
    /// nothing, and sparing their automata is most of a query's cost.
    /// Whether the index has `spelling` as a word, a brand, a lemma or a
    /// diminutive's noun.
    fn known(&self, searcher: &Searcher, spelling: &str) -> bool {
        self.literally_known(searcher, spelling)
            || self.stems(spelling).iter().any(|stem| {
                has(searcher, self.fields.stemmed, stem) || has(searcher, self.fields.bases, stem)
            })
    }

    /// Whether the index has `spelling` as typed, as a word or a brand.
    fn literally_known(&self, searcher: &Searcher, spelling: &str) -> bool {
        has(searcher, self.fields.plain, spelling) || has(searcher, self.fields.brand, spelling)
    }

    /// The reading of `text` the index knows: a token none of whose words
    /// the index has is read as typed in the other keyboard layout when all
    /// of that reading's words are the index's (`vjkjrj` is `молоко`,
    /// `ыфьыгтп` is `samsung`). The layout is per token: a query may switch
    /// halfway.
    fn reading(&self, searcher: &Searcher, text: &str) -> String {
        let known_words = |t: &str| {
            let words = analyse(t).words;
            (!words.is_empty())
                .then(|| words.iter().filter(|w| self.known(searcher, w)).count() == words.len())
        };
        // The other reading's words must be the catalog's as typed or words
        // of the dictionary: a stem of a jumble of letters may be anything.
        let real_words = |t: &str| {
            let words = analyse(t).words;
            !words.is_empty()
                && words.iter().all(|w| {
                    self.literally_known(searcher, w)
                        || (morphology::russian().knows(w) && self.known(searcher, w))
                })
        };
        let tokens: Vec<String> = text
            .split_whitespace()
            .map(|token| {
                if known_words(token) != Some(false) {
                    return token.to_owned();
                }
                match layout::other_layout(token) {
                    Some(other) if real_words(&other) => other,
                    _ => token.to_owned(),
                }
            })
            .collect();
        tokens.join(" ")
    }

    fn word_query(&self, searcher: &Searcher, word: &str, last: bool) -> Box<dyn Query> {
        let f = self.fields;
        let known = |spelling: &str| self.known(searcher, spelling);
        // Each spelling with its weight: the word and its other forms in
        // full, a synonym less (it names a neighbour, not the thing asked).
        let mut spellings: Vec<(String, f32)> = vec![(word.to_owned(), 1.0)];
        let transliterated = transliterate(word);
        if !known(word) {
            // An English word or phrase in Russian (`pears`: груша), when
            // the index has the translation's noun (its last word: `грецкий
            // орех`) and then with the translation's words it has; a later
            // sense counts less than the first.
            for (russian, weight) in self.thesaurus.translations(word) {
                let words = analyse(russian).words;
                if words.last().is_some_and(|noun| known(noun)) {
                    let known_words: Vec<&str> =
                        words.iter().filter(|w| known(w)).map(String::as_str).collect();
                    spellings.push((known_words.join(" "), *weight));
                }
            }
            let forms = transliterated.iter().cloned().chain(fleeting_vowel_forms(word));
            spellings.extend(forms.map(|w| (w, 1.0)));
            // A diminutive's noun, when the index has it (`бананчики`).
            if let Some(base) = diminutive::bases(word).into_iter().find(|b| known(b)) {
                spellings.push((base, 1.0));
            }
        }
        // The catalog's words that sound like it (`данон`: danone, `малако`:
        // молоко), for a word that is neither the catalog's as typed nor a
        // Russian word: a stem of a misspelling may be some other word's
        // (`смитана` stems to `смит`).
        if !known(word) || !(self.literally_known(searcher, word) || morphology::russian().knows(word)) {
            let sounds = self.sounds.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            for alike in sound_keys(word).iter().filter_map(|key| sounds.get(key)) {
                for other in alike.iter().filter(|w| w.as_str() != word) {
                    if !spellings.iter().any(|(s, _)| s == other) {
                        spellings.push((other.clone(), 1.0));
                    }
                }
            }
        }
        for stem in self.stems(word) {
            let synonyms = self.synonyms.get(&stem).into_iter().flatten();
            spellings.extend(synonyms.map(|w| (w.clone(), SYNONYM_WEIGHT)));
        }
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // A word the index does not know, a letter away from how one of its
        // words is said (`марожное`: мороженое); long keys only, where one
        // letter is a typo rather than another word.
        if !known(word)
            && let Some(key) = spoken_key(word).filter(|k| k.chars().count() >= SPOKEN_FUZZY_FROM)
        {
            let near = FuzzyTermQuery::new(Term::from_field_text(f.spoken, &key), 1, true);
            alternatives.push((Occur::Should, Box::new(BoostQuery::new(Box::new(near), SPOKEN_BOOST))));
        }
        for (i, (spelling, weight)) in spellings.iter().enumerate() {
            let (spelling, weight) = (spelling.as_str(), *weight);
            // The word as typed (in either alphabet) may be mistyped or
            // unfinished; the spellings derived from it (a translation, a
            // diminutive's noun, a synonym) are whole words of the index or
            // the dictionary.
            let typed = i == 0 || transliterated.as_deref() == Some(spelling);
            for stem in self.stems(spelling) {
                let exact =
                    TermQuery::new(Term::from_field_text(f.stemmed, &stem), IndexRecordOption::WithFreqs);
                let exact = BoostQuery::new(Box::new(exact), EXACT_BOOST * weight);
                alternatives.push((Occur::Should, Box::new(exact)));
                let head = TermQuery::new(Term::from_field_text(f.head, &stem), IndexRecordOption::Basic);
                alternatives
                    .push((Occur::Should, Box::new(BoostQuery::new(Box::new(head), HEAD_BOOST * weight))));
                let base = TermQuery::new(Term::from_field_text(f.bases, &stem), IndexRecordOption::Basic);
                alternatives
                    .push((Occur::Should, Box::new(BoostQuery::new(Box::new(base), BASE_BOOST * weight))));
            }
            // A number is meant as typed: no typos, no prefixes.
            let numeric = spelling.chars().all(|c| c.is_ascii_digit() || c == '.');
            let distance = if !typed || known(spelling) || numeric { 0 } else { typo_distance(spelling) };
            for field in [f.plain, f.brand] {
                let term = Term::from_field_text(field, spelling);
                let boost = if field == f.brand { BRAND_BOOST } else { 1.0 };
                let prefix = typed && last && !numeric && spelling.chars().count() >= 3;
                let fuzzy: Box<dyn Query> = if prefix && distance == 0 {
                    // A prefix as typed: the range of terms it begins, with
                    // no automaton to build.
                    let end = Term::from_field_text(field, &format!("{spelling}\u{10FFFF}"));
                    Box::new(RangeQuery::new(Bound::Included(term.clone()), Bound::Excluded(end)))
                } else if prefix {
                    Box::new(FuzzyTermQuery::new_prefix(term.clone(), 1, true))
                } else if distance > 0 {
                    Box::new(FuzzyTermQuery::new(term.clone(), distance, true))
                } else {
                    Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs))
                };
                alternatives.push((Occur::Should, Box::new(BoostQuery::new(fuzzy, boost * weight))));
                // The last word is read as a prefix with one typo; a whole
                // word mistyped twice (`пельминии`) is still a word.
                if last && distance > 1 {
                    let whole = FuzzyTermQuery::new(term, distance, true);
                    alternatives
                        .push((Occur::Should, Box::new(BoostQuery::new(Box::new(whole), boost * weight))));
                }
            }
        }
        Box::new(BooleanQuery::new(alternatives))
    }

    fn query(&self, searcher: &Searcher, text: &str) -> Option<BooleanQuery> {
        let terms = analyse(&self.reading(searcher, text));
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // Two words the thesaurus translates together (`ice cream`,
        // `cottage cheese`) are one word of the query.
        let mut words: Vec<String> = Vec::with_capacity(terms.words.len());
        let mut rest = terms.words.as_slice();
        while let Some((first, after)) = rest.split_first() {
            if let Some(second) = after.first() {
                let phrase = format!("{first} {second}");
                if !self.thesaurus.translations(&phrase).is_empty() && !self.known(searcher, first) {
                    words.push(phrase);
                    rest = &after[1..];
                    continue;
                }
            }
            words.push(first.clone());
            rest = after;
        }
        let count = words.len();
        for (i, word) in words.iter().enumerate() {
            clauses.push((Occur::Should, self.word_query(searcher, word, i + 1 == count)));
        }
        for size in &terms.sizes {
            let exact =
                TermQuery::new(Term::from_field_text(self.fields.sizes, size), IndexRecordOption::Basic);
            clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(exact), SIZE_BOOST))));
        }
        (!clauses.is_empty()).then(|| BooleanQuery::new(clauses))
    }
}

impl SearchIndex for TantivyIndex {
    fn search(&self, text: &str, limit: usize) -> Result<Vec<SearchHit>, SearchError> {
        let searcher = self.reader.searcher();
        let Some(query) = self.query(&searcher, text) else {
            return Ok(Vec::new());
        };
        let failed = |e: tantivy::TantivyError| SearchError(e.to_string());
        let top =
            searcher.search(&query, &TopDocs::with_limit(limit.max(1)).order_by_score()).map_err(failed)?;
        let keys = self.skus.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        top.into_iter()
            .map(|(score, address)| {
                let column =
                    searcher.segment_reader(address.segment_ord).fast_fields().u64(KEY).map_err(failed)?;
                let sku = column
                    .first(address.doc_id)
                    .and_then(|key| keys.by_key.get(usize::try_from(key).ok()?))
                    .ok_or_else(|| SearchError("document without a key".into()))?;
                Ok(SearchHit { sku: sku.clone(), score })
            })
            .collect()
    }
}
