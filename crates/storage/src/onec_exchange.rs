//! `catalog::import::onec::OneCExchange` on the database: a file of the
//! exchange read part by part on one connection while it is applied on
//! another, in one write transaction, so it applies whole or not at all and
//! memory holds one record at a time.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufReader, Read};

use async_trait::async_trait;
use catalog::import::onec::{self, FileKind, ImportError, ImportReport, OneCExchange};
use chrono::{DateTime, Utc};
use commerceml::catalog::{CatalogItem, read_import};
use commerceml::offers::{Offer, OffersItem, PriceType, read_offers};
use domain::RepoError;

use crate::error::reported;
use crate::onec::{DbOneC, OfferLine, OfferOutcome};
use crate::{AnyConnection, Database, StorageError};

/// Offers looked up and applied together.
const OFFER_BATCH: usize = 1_000;

#[derive(Clone, Debug)]
pub struct DbOneCExchange {
    db: Database,
    /// The most an archive may unpack to.
    max_unpacked: u64,
}

impl DbOneCExchange {
    pub fn new(db: Database) -> Self {
        DbOneCExchange { db, max_unpacked: onec::MAX_UNPACKED_BYTES }
    }

    /// Archives may unpack to `bytes` at most (the largest file 1C may send).
    #[must_use]
    pub fn with_max_unpacked(self, bytes: u64) -> Self {
        DbOneCExchange { max_unpacked: bytes.min(onec::MAX_UNPACKED_BYTES), ..self }
    }
}

/// A file's failure: the transaction rolls back with it.
enum Failure {
    File(String),
    Storage(StorageError),
}

impl From<StorageError> for Failure {
    fn from(e: StorageError) -> Self {
        Failure::Storage(e)
    }
}

impl From<diesel::result::Error> for Failure {
    fn from(e: diesel::result::Error) -> Self {
        Failure::Storage(e.into())
    }
}

impl From<commerceml::Error> for Failure {
    fn from(e: commerceml::Error) -> Self {
        Failure::File(e.to_string())
    }
}

fn catalog_file(
    c: &mut AnyConnection,
    items: impl Iterator<Item = Result<CatalogItem, commerceml::Error>>,
) -> Result<ImportReport, Failure> {
    let mut report = ImportReport::default();
    let mut groups = HashMap::new();
    let mut products = Vec::new();
    for item in items {
        match item? {
            CatalogItem::OnlyChanges(_) => {}
            CatalogItem::Group(g) => {
                groups.insert(g.id, g.name);
            }
            // Withdrawn in 1C: not taken (its offers stay until 1C's
            // counts say otherwise).
            CatalogItem::Product(p) if p.deleted => {}
            CatalogItem::Product(p) => match onec::product(&p, &groups) {
                Ok(ours) => products.push((p.id, ours)),
                Err(why) => report.left_out.push(format!("Товар {}: {why}", p.id)),
            },
        }
        if products.len() >= OFFER_BATCH {
            report.products += products.len();
            DbOneC::apply_products(c, &products)?;
            products.clear();
        }
    }
    report.products += products.len();
    DbOneC::apply_products(c, &products)?;
    Ok(report)
}

/// The offers of one batch as lines for our offers, and what was left out.
fn offer_lines(
    c: &mut AnyConnection,
    offers: &[Offer],
    warehouses: &HashMap<String, String>,
    price_type: Option<&str>,
    unknown_warehouses: &mut BTreeSet<String>,
    report: &mut ImportReport,
) -> Result<Vec<OfferLine>, Failure> {
    let ids: Vec<&str> = offers.iter().map(|o| o.product.as_str()).collect();
    let skus = DbOneC::skus(c, &ids)?;
    let mut lines = Vec::new();
    for offer in offers {
        let Some(sku) = skus.get(&offer.product) else {
            report.left_out.push(format!("Предложение {}: its product never came in import.xml", offer.id));
            continue;
        };
        let (figures, unknown) = onec::figures(offer, warehouses, price_type);
        unknown_warehouses.extend(unknown);
        for f in figures {
            lines.push(OfferLine {
                sku: sku.clone(),
                store_id: f.store,
                shelf: f.stock.and_then(onec::shelf),
                price_minor: f.price.and_then(onec::price_minor),
            });
        }
    }
    Ok(lines)
}

fn offers_file(
    c: &mut AnyConnection,
    items: impl Iterator<Item = Result<OffersItem, commerceml::Error>>,
    wanted_price_type: Option<&str>,
    at: DateTime<Utc>,
) -> Result<ImportReport, Failure> {
    let warehouses = DbOneC::warehouses(c)?;
    let mut report = ImportReport::default();
    let mut types: Vec<PriceType> = Vec::new();
    let mut price_type: Option<Option<String>> = None;
    let mut unknown = BTreeSet::new();
    let mut batch: Vec<Offer> = Vec::new();
    let apply = |c: &mut AnyConnection,
                 batch: &mut Vec<Offer>,
                 price_type: Option<&str>,
                 report: &mut ImportReport,
                 unknown: &mut BTreeSet<String>|
     -> Result<(), Failure> {
        let lines = offer_lines(c, batch, &warehouses, price_type, unknown, report)?;
        for (line, outcome) in lines.iter().zip(DbOneC::apply_offers(c, &lines, at)?) {
            match outcome {
                OfferOutcome::Applied => report.offers += 1,
                OfferOutcome::NoPrice => report
                    .left_out
                    .push(format!("{} in {}: a new offer needs a price", line.sku, line.store_id)),
                OfferOutcome::Stale(why) => {
                    report.left_out.push(format!("{} in {}: {why}", line.sku, line.store_id));
                }
            }
        }
        batch.clear();
        Ok(())
    };
    for item in items {
        match item? {
            OffersItem::OnlyChanges(_) | OffersItem::Warehouse(_) => {}
            OffersItem::PriceType(t) => types.push(t),
            OffersItem::Offer(offer) => {
                if price_type.is_none() {
                    // The price types come before the offers: decided once.
                    price_type = Some(if types.is_empty() {
                        None
                    } else {
                        Some(onec::price_type(&types, wanted_price_type).map_err(Failure::File)?.id.clone())
                    });
                }
                batch.push(offer);
                if batch.len() >= OFFER_BATCH {
                    apply(c, &mut batch, price_type.clone().flatten().as_deref(), &mut report, &mut unknown)?;
                }
            }
        }
    }
    apply(c, &mut batch, price_type.flatten().as_deref(), &mut report, &mut unknown)?;
    for warehouse in unknown {
        report.left_out.push(format!(
            "warehouse {warehouse} is not one of our stores (merchantctl onec warehouse {warehouse} STORE-ID)"
        ));
    }
    Ok(report)
}

/// Unpacks the archive `zipname` of the session into files of their own,
/// in one transaction: an entry out of the folder, too many entries, or
/// more bytes than `max_unpacked` (a zip bomb) refuse the
/// archive whole.
fn unpack(
    c: &mut AnyConnection,
    reading: &mut AnyConnection,
    token_hash: &str,
    zipname: &str,
    max_unpacked: u64,
) -> Result<(), Failure> {
    let mut archive = BufReader::new(DbOneC::reader(reading, token_hash, zipname));
    c.write_transaction(|c| {
        let (mut entries, mut unpacked) = (0_usize, 0_u64);
        let mut buf = vec![0_u8; 1 << 20];
        loop {
            let entry = zip::read::read_zipfile_from_stream(&mut archive).map_err(|e| {
                Failure::File(format!("{zipname} is not a zip archive 1C could have made: {e}"))
            })?;
            let Some(mut entry) = entry else { break };
            entries += 1;
            if entries > onec::MAX_ZIP_ENTRIES {
                return Err(Failure::File(format!("{zipname} holds over {} entries", onec::MAX_ZIP_ENTRIES)));
            }
            if entry.is_dir() {
                continue;
            }
            let raw = entry.name().map(std::borrow::Cow::into_owned).unwrap_or_default();
            let name = onec::safe_filename(&raw).ok_or_else(|| {
                Failure::File(format!("{zipname}: the entry {raw:?} leaves the exchange's folder"))
            })?;
            DbOneC::drop_file(c, token_hash, &name)?;
            loop {
                let n = entry.read(&mut buf).map_err(|e| Failure::File(format!("{zipname}: {name}: {e}")))?;
                if n == 0 {
                    break;
                }
                unpacked += n as u64;
                if unpacked > max_unpacked {
                    return Err(Failure::File(format!("{zipname} unpacks to over {max_unpacked} bytes")));
                }
                DbOneC::append_within(c, token_hash, &name, &buf[..n])?;
            }
        }
        DbOneC::drop_file(c, token_hash, zipname)?;
        Ok(())
    })
}

#[async_trait]
impl OneCExchange for DbOneCExchange {
    async fn open_session(&self, token_hash: &str, at: DateTime<Utc>) -> Result<(), RepoError> {
        let token_hash = token_hash.to_owned();
        self.db.run(move |c| DbOneC::open_session(c, &token_hash, at)).await.map_err(reported)
    }

    async fn touch_session(
        &self,
        token_hash: &str,
        since: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        let token_hash = token_hash.to_owned();
        self.db.run(move |c| DbOneC::touch_session(c, &token_hash, since, at)).await.map_err(reported)
    }

    async fn append(
        &self,
        token_hash: &str,
        filename: &str,
        part: Vec<u8>,
        max_bytes: u64,
    ) -> Result<bool, RepoError> {
        let (token_hash, filename) = (token_hash.to_owned(), filename.to_owned());
        self.db
            .run(move |c| {
                if DbOneC::file_size(c, &token_hash, &filename)? + part.len() as u64 > max_bytes {
                    return Ok(false);
                }
                DbOneC::append(c, &token_hash, &filename, &part)?;
                Ok::<_, StorageError>(true)
            })
            .await
            .map_err(reported)
    }

    async fn import(
        &self,
        token_hash: &str,
        filename: &str,
        price_type: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<ImportReport, ImportError> {
        let (token_hash, filename) = (token_hash.to_owned(), filename.to_owned());
        let (db, max_unpacked) = (self.db.clone(), self.max_unpacked);
        let outcome = self
            .db
            .run(move |c| {
                // 1C with zip=yes sends archives and then asks for the files
                // in them: unpacked at the first import.
                for archive in DbOneC::files(c, &token_hash)?.into_iter().filter(|f| onec::is_archive(f)) {
                    let mut reading = db.get()?;
                    match unpack(c, &mut reading, &token_hash, &archive, max_unpacked) {
                        Ok(()) => {}
                        Err(Failure::File(why)) => {
                            DbOneC::drop_file(c, &token_hash, &archive)?;
                            return Ok(Err(why));
                        }
                        Err(Failure::Storage(e)) => return Err(e),
                    }
                }
                if DbOneC::files(c, &token_hash)?.iter().all(|f| f != &filename) {
                    return Ok(Err(format!("no file {filename} was sent in this session")));
                }
                // The file is read on a connection of its own while the
                // write transaction runs on this one.
                let mut reading = db.get()?;
                let reader = BufReader::new(DbOneC::reader(&mut reading, &token_hash, &filename));
                let applied = c.write_transaction(|c| match FileKind::of(&filename) {
                    FileKind::Catalog => catalog_file(c, read_import(reader)),
                    FileKind::Offers => offers_file(c, read_offers(reader), price_type.as_deref(), at),
                    FileKind::Other => Ok(ImportReport::default()),
                });
                match applied {
                    Ok(report) => Ok(Ok(report)),
                    Err(Failure::File(why)) => Ok(Err(why)),
                    Err(Failure::Storage(e)) => Err(e),
                }
            })
            .await
            .map_err(|e: StorageError| ImportError::Repo(crate::error::reported(e)))?;
        outcome.map_err(ImportError::File)
    }
}
