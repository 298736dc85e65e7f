//! The catalog as staff check it: the latest imports and stock batches,
//! when each store last reported, and one product in every store that
//! sells it — of a picker's own stores only.

use catalog::reports::ImportRecord;
use catalog::stock::{BatchReport, OfferStockView};
use catalog::{Offer, Product};
use chrono::{DateTime, Utc};
use domain::SkuId;
use identity::staff::{Permission, StaffAccount};

use crate::{DeskError, StaffDesk};

/// How many of the latest imports and stock batches are shown.
const REPORTS: i64 = 20;

/// One product's price, shelf, holds and availability per store.
#[derive(Clone, Debug)]
pub struct ProductInStores {
    pub product: Product,
    pub offers: Vec<Offer>,
    pub figures: Vec<OfferStockView>,
}

/// The catalog's reports as one staff member sees them.
#[derive(Clone, Debug, Default)]
pub struct CatalogOverview {
    pub imports: Vec<ImportRecord>,
    pub batches: Vec<(DateTime<Utc>, BatchReport)>,
    pub report_times: Vec<(String, DateTime<Utc>)>,
    /// Each store's time zone (IANA): a store's times are on its clock.
    pub zones: std::collections::BTreeMap<String, String>,
}

impl StaffDesk {
    pub async fn catalog_overview(&self, account: &StaffAccount) -> Result<CatalogOverview, DeskError> {
        let mut report_times = self.ports.reports.report_times().await?;
        report_times.retain(|(store, _)| account.may(Permission::PickIn(store)));
        let zones = self
            .ports
            .catalog
            .stores()
            .await?
            .iter()
            .map(|s| (s.id.to_string(), s.time_zone.clone()))
            .collect();
        // Feeds and stock batches are the whole merchant's: a picker, who
        // sees their own stores only, is shown none of them.
        if account.store_scope().is_some() {
            return Ok(CatalogOverview { report_times, zones, ..CatalogOverview::default() });
        }
        Ok(CatalogOverview {
            imports: self.ports.reports.recent_imports(REPORTS).await?,
            batches: self.ports.reports.recent_batches(REPORTS).await?,
            report_times,
            zones,
        })
    }

    /// `sku` in the stores `account` may see; `None`: no such product.
    pub async fn product_in_stores(
        &self,
        account: &StaffAccount,
        sku: &SkuId,
    ) -> Result<Option<ProductInStores>, DeskError> {
        let wanted = std::slice::from_ref(sku);
        let Some(product) = self.ports.catalog.products(wanted).await?.pop() else {
            return Ok(None);
        };
        let mut offers = self.ports.catalog.offers(wanted, None).await?;
        let mut figures = self.ports.reports.offers_of_sku(sku.as_str()).await?;
        offers.retain(|offer| account.may(Permission::PickIn(offer.store.as_str())));
        figures.retain(|figure| account.may(Permission::PickIn(&figure.store_id)));
        Ok(Some(ProductInStores { product, offers, figures }))
    }
}
