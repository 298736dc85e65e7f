//! The CSV offer feed: one row per offer, product columns repeated.
//!
//! Header (any order; the first six are required, the rest may be empty or
//! absent):
//!
//! `sku,name,unit,price,photo_url,category,description,pack_quantity,rating,brand,barcode,vat,store_id,old_price,currency,stock,delivery,pickup`
//!
//! - `unit`: `pcs kg g l ml`; `price`, `old_price`: roubles, `.` or `,`;
//! - `vat`: the product's VAT rate for 54-FZ receipts (`20`, `10`, `7`,
//!   `5`, `0`, `20/120`, `10/110`, `без НДС`; `%` allowed), empty: none
//!   known;
//! - `store_id` empty: the offer applies to every store;
//! - `currency` empty: RUB (`RUR` accepted); `stock` empty: 0;
//! - `delivery`, `pickup`: `true`/`false` (`1`/`0`, `yes`/`no`), default true.
//!
//! Rows of one SKU must be adjacent; the product columns of the first row
//! count.

use std::io::Read;

use domain::StoreId;

use super::fields::{currency, flag, price, product, stock};
use super::{FeedEntry, FeedEvent, OfferSpec, Rejected};
use crate::stock::StockQty;

const REQUIRED: [&str; 6] = ["sku", "name", "unit", "price", "photo_url", "category"];

struct Columns(csv::StringRecord);

impl Columns {
    fn index(&self, name: &str) -> Option<usize> {
        self.0.iter().position(|h| h.trim() == name)
    }
}

/// Reads `input` as the CSV offer feed, row by row.
pub fn read_csv<R: Read>(input: R) -> impl Iterator<Item = FeedEvent> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(input);
    let header = reader.headers().cloned().map(Columns);
    let mut records = reader.into_records();
    let mut pending: Option<FeedEntry> = None;
    // Set when a rejected row comes between rows of one SKU: they are no
    // longer adjacent, so the later one is a new (duplicate) entry.
    let mut run_broken = false;
    let mut done = false;
    let mut header_error = match &header {
        Err(e) => Some(format!("cannot read the header: {e}")),
        Ok(columns) => REQUIRED
            .iter()
            .find(|c| columns.index(c).is_none())
            .map(|c| format!("the header has no column {c:?}")),
    };
    std::iter::from_fn(move || {
        if let Some(reason) = header_error.take() {
            done = true;
            return Some(FeedEvent::Fatal(Rejected { line: 1, reason }));
        }
        let columns = header.as_ref().ok()?;
        loop {
            if done {
                return pending.take().map(FeedEvent::Entry);
            }
            let Some(record) = records.next() else {
                done = true;
                continue;
            };
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, csv::Position::line);
                    done = true;
                    pending = None;
                    return Some(FeedEvent::Fatal(Rejected { line, reason: e.to_string() }));
                }
            };
            let line = record.position().map_or(0, csv::Position::line);
            let parsed = parse_row(columns, &record, line);
            match parsed {
                Err(reason) => {
                    run_broken = true;
                    return Some(FeedEvent::Rejected(Rejected { line, reason }));
                }
                Ok((entry, offer)) => match &mut pending {
                    Some(current) if current.product.sku == entry.product.sku && !run_broken => {
                        current.offers.push(offer);
                    }
                    _ => {
                        run_broken = false;
                        let mut next = entry;
                        next.offers.push(offer);
                        if let Some(previous) = pending.replace(next) {
                            return Some(FeedEvent::Entry(previous));
                        }
                    }
                },
            }
        }
    })
}

fn parse_row(
    columns: &Columns,
    record: &csv::StringRecord,
    line: u64,
) -> Result<(FeedEntry, OfferSpec), String> {
    let get = |name: &str| columns.index(name).and_then(|i| record.get(i)).unwrap_or("");
    let currency = currency(get("currency"))?;
    let product = product(
        get("sku"),
        get("name"),
        get("unit"),
        get("photo_url"),
        get("category"),
        get("description"),
        get("pack_quantity"),
        get("rating"),
        get("brand"),
        get("barcode"),
        get("vat"),
    )?;
    let old_price = match get("old_price") {
        "" => None,
        text => Some(price("old_price", text, currency)?),
    };
    let store = match get("store_id") {
        "" => None,
        id => Some(StoreId::new(id).map_err(|e| format!("store_id: {e}"))?),
    };
    let offer = OfferSpec {
        store,
        price: price("price", get("price"), currency)?,
        old_price,
        stock: match get("stock") {
            "" => StockQty::ZERO,
            text => stock(text)?,
        },
        delivery: flag("delivery", get("delivery"), true)?,
        pickup: flag("pickup", get("pickup"), true)?,
    };
    Ok((FeedEntry { line, product, offers: Vec::new(), unit_source: super::unit::BY_FIELD }, offer))
}
