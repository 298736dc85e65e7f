//! The catalog: stores (where, which zone they deliver to, pickup), products
//! (what), offers (price and stock of a product in a store), and the two
//! read use cases of the MCP channel, [`search`] and [`actualize`].
//!
//! Search is split on purpose: the [`SearchIndex`] port ranks SKU ids by
//! text; price, stock and availability are always read from the store of
//! record through [`CatalogRepo`], so `/search` and `/actualize` never
//! disagree.

mod availability;
pub mod demo;
mod feed;
mod hours;
pub mod import;
mod model;
mod ports;
pub mod stock;
mod usecases;

pub use availability::{AvailabilityBook, Choice};
pub use feed::{FeedPosition, OfferAvailability, OfferChange, OfferFeedPage};
pub use hours::{OpeningHours, time_zone};
pub use model::{DeliveryZone, Offer, Product, Store};
pub use ports::{CatalogRepo, RepoError, SearchError, SearchHit, SearchIndex};
pub use usecases::{
    ActualizeQuery, CatalogError, Item, ReachPolicy, SearchQuery, actualize, reachable_stores, search,
};
