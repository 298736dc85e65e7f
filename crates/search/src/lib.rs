//! The catalog's [`SearchIndex`](catalog::SearchIndex) on tantivy, kept in
//! memory as a projection of the products table: rebuilt from the change
//! feed at start, then caught up by feed position.
//!
//! What a query understands:
//! - Russian words by their dictionary lemma (OpenCorpora: "молока" finds
//!   "молоко", "яиц" finds "яйца", "банан" finds "бананы"), other words by
//!   Russian and English stemming;
//! - typos: edit distance 1 for words of 5+ letters, 2 for 9+;
//! - the last word as a prefix ("колб" finds "колбаса");
//! - sizes and percentages in any spelling: "1л", "1 л", "1000 мл" and
//!   "1,0 л" are one size; "330г" and "0,33 кг" too; "2,5%" and "2.5 %";
//! - Latin spellings of Cyrillic words and back ("moloko", "пармалат");
//! - a query typed in the other keyboard layout ("vjkjrj", "ыфьыгтп");
//! - diminutives ("бананчики", "водичка", "кофеек") by Russian's suffixes;
//! - misspellings that follow speech ("малако", "хлеп");
//! - English words and phrases ("pears", "ice cream") by a bilingual
//!   dictionary the merchant installs ([`Thesaurus`]).

mod analysis;
mod diminutive;
mod index;
pub mod layout;
mod lemma;
mod projected;
mod thesaurus;

pub use analysis::{QueryTerms, analyse};
pub use index::{SHIPPED_SYNONYMS, SearchIndexError, TantivyIndex};
pub use projected::ProjectedCatalog;
pub use thesaurus::{DEFAULT_THESAURUS, Thesaurus, ThesaurusError};
