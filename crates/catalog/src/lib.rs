//! The catalog: stores (where, which zone they deliver to, pickup), products
//! (what), offers (price and stock of a product in a store), and the two
//! read use cases of the MCP channel, [`search`] and [`actualize`].
//!
//! Search is split on purpose: the [`SearchIndex`] port ranks SKU ids by
//! text and [`CatalogRepo`] gives the offers. The search service gives them
//! from [`OfferBook`], a projection of the change feed a refresh behind the
//! record; `/actualize` and `/checkout` read the record itself.

pub mod barcode;
pub mod best_offer;
pub mod demo;
mod feed;
mod hours;
pub mod import;
mod model;
mod offer_book;
mod ports;
pub mod ranking;
pub mod reports;
pub mod stock;
mod usecases;

pub use feed::{FeedPosition, OfferChange, OfferFeedPage};
pub use hours::{OpeningHours, time_zone};
pub use model::{DeliveryZone, Offer, Product, Store};
pub use offer_book::OfferBook;
pub use ports::{CatalogRepo, RepoError, SearchError, SearchHit, SearchIndex};
pub use usecases::{
    ActualizeQuery, CatalogError, Item, MAX_SKUS, ReachPolicy, SearchQuery, actualize, reachable_stores,
    search,
};
