//! What a 54-FZ receipt takes from the database: the buyer's contact from
//! their profile and the VAT rates of the products from the catalog.

use std::collections::HashMap;

use ::payments::ReceiptFacts;
use ::payments::receipt::Contact;
use async_trait::async_trait;
use diesel::prelude::*;
use domain::{SkuId, UserId, VatRate};
use orders::RepoError;

use crate::error::reported;
use crate::schema::{products, users};
use crate::{Database, StorageError};

#[derive(Clone, Debug)]
pub struct DbReceiptFacts {
    db: Database,
}

impl DbReceiptFacts {
    pub fn new(db: Database) -> Self {
        DbReceiptFacts { db }
    }
}

#[async_trait]
impl ReceiptFacts for DbReceiptFacts {
    async fn contact(&self, user: &UserId) -> Result<Option<Contact>, RepoError> {
        let user = user.as_str().to_owned();
        let profile: Option<(Option<String>, Option<String>)> = self
            .db
            .run(move |conn| {
                Ok::<_, StorageError>(
                    users::table.find(&user).select((users::email, users::phone)).first(conn).optional()?,
                )
            })
            .await
            .map_err(reported)?;
        Ok(profile.and_then(|(email, phone)| Contact::from_profile(email.as_deref(), phone.as_deref())))
    }

    async fn vat_rates(&self, skus: &[SkuId]) -> Result<HashMap<SkuId, VatRate>, RepoError> {
        let skus: Vec<String> = skus.iter().map(|s| s.as_str().to_owned()).collect();
        let rows: Vec<(String, Option<String>)> = self
            .db
            .run(move |conn| {
                Ok::<_, StorageError>(
                    products::table
                        .filter(products::sku.eq_any(&skus))
                        .select((products::sku, products::vat))
                        .load(conn)?,
                )
            })
            .await
            .map_err(reported)?;
        // A rate the catalog stored is one VatRate::as_str wrote.
        Ok(rows
            .into_iter()
            .filter_map(|(sku, vat)| Some((SkuId::new(sku).ok()?, VatRate::parse(vat.as_deref()?)?)))
            .collect())
    }
}
