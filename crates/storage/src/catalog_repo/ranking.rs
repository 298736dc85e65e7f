//! The best and cheapest offers per SKU, in each backend's own SQL.

use std::fmt::Write as _;

use diesel::prelude::*;
use diesel::sql_types::{Array, Text};

use super::rows::OfferRow;

/// SQLite's way to the queries PostgreSQL runs with `DISTINCT ON`: one
/// offer row per SKU, the first by `order`, chosen by `ROW_NUMBER()` so that
/// only the winners leave the database.
pub(super) fn sqlite_ranked_offers(
    c: &mut SqliteConnection,
    order: &str,
    filter: &str,
    binds: impl IntoIterator<Item = String>,
) -> QueryResult<Vec<OfferRow>> {
    let sql = format!(
        "SELECT sku, store_id, currency, price_minor, old_price_minor, stock, delivery, pickup, seen_seq,
                shelf, shelf_as_of, held, sold_after, stock_txn FROM (
           SELECT o.*, ROW_NUMBER() OVER (PARTITION BY o.sku ORDER BY {order}) AS rank
           FROM offers o WHERE {filter}
         ) ranked WHERE rank = 1"
    );
    let mut query = diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>();
    for value in binds {
        query = query.bind::<Text, _>(value);
    }
    query.load(c)
}

pub(super) fn markers(count: usize) -> String {
    vec!["?"; count].join(", ")
}

/// In stock, then deliverable, then the earliest of `stores`.
pub(super) fn sqlite_best_offers(
    c: &mut SqliteConnection,
    skus: &[String],
    stores: &[String],
) -> QueryResult<Vec<OfferRow>> {
    let mut preference = String::new();
    for i in 0..stores.len() {
        let _ = write!(preference, " WHEN ? THEN {i}");
    }
    let order = format!(
        "CASE WHEN o.stock > 0 THEN 0 ELSE 1 END, CASE WHEN o.delivery THEN 0 ELSE 1 END, CASE o.store_id{preference} END"
    );
    let filter = format!("o.sku IN ({}) AND o.store_id IN ({})", markers(skus.len()), markers(stores.len()));
    sqlite_ranked_offers(c, &order, &filter, stores.iter().chain(skus).chain(stores).cloned())
}

/// In stock, then cheapest, then by store id.
pub(super) fn sqlite_cheapest_offers(
    c: &mut SqliteConnection,
    skus: &[String],
) -> QueryResult<Vec<OfferRow>> {
    let order = "CASE WHEN o.stock > 0 THEN 0 ELSE 1 END, o.price_minor, o.store_id";
    sqlite_ranked_offers(c, order, &format!("o.sku IN ({})", markers(skus.len())), skus.iter().cloned())
}

/// `offers_at` on PostgreSQL: one primary-key probe per key through
/// `unnest`, which the query builder cannot say. A query type of its own
/// (rather than `sql_query`) so that diesel prepares it once per connection.
pub(super) struct PgOffersAt<'a> {
    pub(super) skus: &'a [String],
    pub(super) stores: &'a [String],
}

impl diesel::query_builder::QueryId for PgOffersAt<'_> {
    type QueryId = PgOffersAt<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for PgOffersAt<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        out.push_sql(
            "SELECT o.sku, o.store_id, o.currency, o.price_minor, o.old_price_minor, o.stock, \
             o.delivery, o.pickup, o.seen_seq, o.shelf, o.shelf_as_of, o.held, o.sold_after, o.stock_txn \
             FROM unnest(",
        );
        out.push_bind_param::<Array<Text>, _>(&self.skus)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.stores)?;
        out.push_sql(") AS k (sku, store_id) JOIN offers o ON o.sku = k.sku AND o.store_id = k.store_id");
        Ok(())
    }
}

impl diesel::query_builder::Query for PgOffersAt<'_> {
    type SqlType = diesel::sql_types::Untyped;
}

impl RunQueryDsl<PgConnection> for PgOffersAt<'_> {}
