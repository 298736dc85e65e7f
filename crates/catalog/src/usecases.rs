//! `search` and `actualize`: validation, reach, ranking, hydration.

use std::collections::HashMap;

use domain::{GeoPoint, SkuId, StoreId};

use crate::model::{Offer, Product, Store};
use crate::ports::{CatalogRepo, RepoError, SearchError, SearchIndex};
use crate::ranking;

pub const MAX_RESULTS: u32 = 500;
pub const MAX_QUERY_CHARS: usize = 256;
pub const MAX_SKUS: usize = 500;
/// How many index hits to look up per requested result: some products have
/// no offer in a reachable store and drop out.
const OVERFETCH: usize = 2;
/// The furthest down the text ranking a search looks for offered products.
const MAX_WINDOW: usize = 2_000;
/// An out-of-stock offer ranks as if half as relevant.
const OUT_OF_STOCK_FACTOR: f32 = 0.5;

/// Bad input, and the failures of the ports. The HTTP edge maps the first
/// group to 400.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CatalogError {
    #[error("query must not be empty")]
    EmptyQuery,
    #[error("query is longer than {MAX_QUERY_CHARS} characters")]
    QueryTooLong,
    #[error("maxResult must be from 1 to {MAX_RESULTS}, got {0}")]
    MaxResults(i64),
    #[error("skuIds must hold 1 to {MAX_SKUS} ids")]
    SkuCount,
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error(transparent)]
    Index(#[from] SearchError),
}

impl CatalogError {
    /// Whether the caller sent something wrong (as opposed to our failure).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, CatalogError::Repo(_) | CatalogError::Index(_))
    }
}

/// Which stores count as reachable from a point.
#[derive(Clone, Copy, Debug)]
pub struct ReachPolicy {
    /// A pickup store this close counts even when it does not deliver there.
    pub pickup_radius_m: u32,
}

#[derive(Clone, Debug)]
pub struct SearchQuery {
    pub point: GeoPoint,
    pub text: String,
    pub max_results: i64,
    pub store: Option<StoreId>,
}

#[derive(Clone, Debug)]
pub struct ActualizeQuery {
    pub skus: Vec<SkuId>,
    pub store: Option<StoreId>,
}

/// A product in a store, with the offer as it is now.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub product: Product,
    pub store: Store,
    pub offer: Offer,
}

/// Stores that deliver to `point` or offer pickup within the policy's
/// radius, nearest first.
pub fn reachable_stores(stores: &[Store], point: GeoPoint, policy: ReachPolicy) -> Vec<(Store, f64)> {
    let mut reachable: Vec<(Store, f64)> = stores
        .iter()
        .map(|s| {
            let distance = s.location.distance_m(point);
            (s, distance)
        })
        .filter(|(s, distance)| {
            s.delivers_to(point) || (s.pickup && *distance <= f64::from(policy.pickup_radius_m))
        })
        .map(|(s, distance)| (s.clone(), distance))
        .collect();
    reachable.sort_by(|a, b| a.1.total_cmp(&b.1));
    reachable
}

/// Products matching `query.text`, each with its best offer in a store that
/// can serve `query.point` (or in `query.store`), most relevant first.
///
/// Ranking: text score, halved for an offer out of stock. Among a product's
/// offers the best is in stock, then available for delivery, then nearest.
pub async fn search(
    repo: &dyn CatalogRepo,
    index: &dyn SearchIndex,
    policy: ReachPolicy,
    query: &SearchQuery,
) -> Result<Vec<Item>, CatalogError> {
    let text = query.text.trim();
    if text.is_empty() {
        return Err(CatalogError::EmptyQuery);
    }
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(CatalogError::QueryTooLong);
    }
    let max_results = usize::try_from(query.max_results)
        .ok()
        .filter(|n| (1..=MAX_RESULTS as usize).contains(n))
        .ok_or(CatalogError::MaxResults(query.max_results))?;
    let stores: Vec<(Store, f64)> = match &query.store {
        // A store we do not know sells nothing: the seed documents no error
        // for it, so the answer is an empty list, as for a point no store
        // reaches.
        Some(id) => repo
            .store(id)
            .await?
            .map(|store| {
                let distance = store.location.distance_m(query.point);
                (store, distance)
            })
            .into_iter()
            .collect(),
        None => reachable_stores(&repo.stores().await?, query.point, policy),
    };
    if stores.is_empty() {
        return Ok(Vec::new());
    }
    // Nearest first: the order breaks ties between equally good offers.
    let store_ids: Vec<StoreId> = stores.iter().map(|(s, _)| s.id.clone()).collect();
    // Look at a few hits per wanted result; when too few of them are offered
    // in the reachable stores, look further down the ranking.
    let mut window = max_results * OVERFETCH;
    let mut ranked: Vec<(f32, Offer)> = loop {
        let hits = index.search(text, window)?;
        let exhausted = hits.len() < window;
        let skus: Vec<SkuId> = hits.iter().map(|h| h.sku.clone()).collect();
        let mut best: HashMap<SkuId, Offer> =
            repo.best_offers(&skus, &store_ids).await?.into_iter().map(|o| (o.sku.clone(), o)).collect();
        let ranked: Vec<(f32, Offer)> = hits
            .into_iter()
            .filter_map(|hit| {
                let offer = best.remove(&hit.sku)?;
                let factor = if offer.in_stock() { 1.0 } else { OUT_OF_STOCK_FACTOR };
                Some((hit.score * factor, offer))
            })
            .collect();
        if ranked.len() >= max_results || exhausted || window >= MAX_WINDOW {
            break ranked;
        }
        window = (window * 4).min(MAX_WINDOW);
    };
    // Stable: equal scores keep the index's order.
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    let ranked = keep_family_in_stock(repo, ranked).await?;
    let mut offers: Vec<Offer> = ranked.into_iter().map(|(_, o)| o).collect();
    offers.truncate(max_results);
    let stores: HashMap<StoreId, Store> = stores.into_iter().map(|(s, _)| (s.id.clone(), s)).collect();
    hydrate(repo, offers, &stores).await
}

/// [`ranking::keep_family_in_stock`] over the ranked offers; the products'
/// families are read only when an offer in the top is out of stock.
async fn keep_family_in_stock(
    repo: &dyn CatalogRepo,
    ranked: Vec<(f32, Offer)>,
) -> Result<Vec<(f32, Offer)>, CatalogError> {
    if ranked.iter().take(ranking::TOP).all(|(_, o)| o.in_stock()) {
        return Ok(ranked);
    }
    let skus: Vec<SkuId> = ranked.iter().map(|(_, o)| o.sku.clone()).collect();
    let families: HashMap<SkuId, (String, String)> = repo
        .products(&skus)
        .await?
        .into_iter()
        .map(|p| (p.sku, (p.brand.to_lowercase(), p.category.to_lowercase())))
        .collect();
    let rule: Vec<ranking::Ranked<Option<&(String, String)>>> = ranked
        .iter()
        .map(|(_, o)| ranking::Ranked { in_stock: o.in_stock(), family: families.get(&o.sku) })
        .collect();
    let order = ranking::keep_family_in_stock(&rule);
    let mut slots: Vec<Option<(f32, Offer)>> = ranked.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
}

/// Current price, stock and availability of `query.skus`: in `query.store`,
/// or the best offer of each across stores (in stock first, then cheapest).
/// Unknown SKUs are left out.
pub async fn actualize(repo: &dyn CatalogRepo, query: &ActualizeQuery) -> Result<Vec<Item>, CatalogError> {
    if query.skus.is_empty() || query.skus.len() > MAX_SKUS {
        return Err(CatalogError::SkuCount);
    }
    let (offers, stores) = match &query.store {
        // A store we do not know sells nothing: an empty list, as `search`
        // answers (the seed documents no error for it).
        Some(id) => {
            let Some(store) = repo.store(id).await? else { return Ok(Vec::new()) };
            (repo.offers(&query.skus, Some(std::slice::from_ref(id))).await?, vec![store])
        }
        None => (repo.cheapest_offers(&query.skus).await?, repo.stores().await?.to_vec()),
    };
    let mut best: HashMap<SkuId, Offer> = offers.into_iter().map(|o| (o.sku.clone(), o)).collect();
    // Answer in the order asked, once per SKU.
    let mut seen = std::collections::HashSet::new();
    let offers: Vec<Offer> =
        query.skus.iter().filter(|s| seen.insert(*s)).filter_map(|sku| best.remove(sku)).collect();
    let stores: HashMap<StoreId, Store> = stores.into_iter().map(|s| (s.id.clone(), s)).collect();
    hydrate(repo, offers, &stores).await
}

async fn hydrate(
    repo: &dyn CatalogRepo,
    offers: Vec<Offer>,
    stores: &HashMap<StoreId, Store>,
) -> Result<Vec<Item>, CatalogError> {
    let skus: Vec<SkuId> = offers.iter().map(|o| o.sku.clone()).collect();
    let mut products: HashMap<SkuId, Product> =
        repo.products(&skus).await?.into_iter().map(|p| (p.sku.clone(), p)).collect();
    // One offer per SKU here, so each product is taken once.
    Ok(offers
        .into_iter()
        .filter_map(|offer| {
            let product = products.remove(&offer.sku)?;
            let store = stores.get(&offer.store).cloned()?;
            Some(Item { product, store, offer })
        })
        .collect())
}

#[cfg(test)]
mod tests;
