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
//! - diminutives ("бананчики", "водичка", "кофеек") by Russian's suffixes.

mod analysis;
mod diminutive;
mod index;
pub mod layout;
mod lemma;
mod projected;

pub use analysis::{QueryTerms, analyse};
pub use index::{SHIPPED_SYNONYMS, SearchIndexError, TantivyIndex};
pub use projected::ProjectedCatalog;
