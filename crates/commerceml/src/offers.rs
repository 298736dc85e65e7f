//! `offers.xml`, and the split `prices.xml` / `rests.xml`: price types,
//! warehouses, and each offer's prices and stock. An offer says only what
//! its file carries: prices without stock (`prices.xml`) leave the stock as
//! it was, stock without prices (`rests.xml`) the prices.

use std::io::BufRead;

use rust_decimal::Decimal;

use crate::xml::{Item, Node, Want, records};
use crate::{Error, number};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceType {
    pub id: String,
    pub name: String,
    pub currency: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warehouse {
    pub id: String,
    pub name: String,
}

/// One `Цена` of an offer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Price {
    pub price_type: String,
    /// `ЦенаЗаЕдиницу`.
    pub per_unit: Decimal,
    pub currency: Option<String>,
    pub unit: Option<String>,
}

/// What an offer says of its stock.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stock {
    /// Per warehouse (`Склад` `Ид`), as 1C counted it.
    pub by_warehouse: Vec<(String, Decimal)>,
    /// `Количество`: the total, when given.
    pub total: Option<Decimal>,
}

impl Stock {
    pub fn is_said(&self) -> bool {
        self.total.is_some() || !self.by_warehouse.is_empty()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Offer {
    /// `Ид` as written: `product` or `product#characteristic`.
    pub id: String,
    pub product: String,
    pub characteristic: Option<String>,
    pub article: Option<String>,
    pub name: Option<String>,
    pub barcode: Option<String>,
    pub prices: Vec<Price>,
    pub stock: Stock,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OffersItem {
    /// `СодержитТолькоИзменения`: offers not in the file are kept as they
    /// are; otherwise the file holds every offer.
    OnlyChanges(bool),
    PriceType(PriceType),
    Warehouse(Warehouse),
    Offer(Offer),
}

fn wanted(path: &str) -> Want {
    match path {
        "ПакетПредложений" | "ИзмененияПакетаПредложений" => {
            Want::Head
        }
        "ПакетПредложений/СодержитТолькоИзменения"
        | "ПакетПредложений/ТипыЦен/ТипЦены"
        | "ПакетПредложений/Склады/Склад"
        | "Классификатор/Склады/Склад"
        | "Классификатор/ТипыЦен/ТипЦены"
        | "ПакетПредложений/Предложения/Предложение"
        | "ИзмененияПакетаПредложений/Предложения/Предложение" => {
            Want::Record
        }
        _ => Want::Nothing,
    }
}

fn quantity(what: &str, text: &str) -> Result<Decimal, Error> {
    number(text).ok_or_else(|| Error::invalid(what, format!("{text:?} is not a number")))
}

fn stock(node: &Node, id: &str) -> Result<Stock, Error> {
    let mut stock = Stock::default();
    let what = || format!("Предложение {id}");
    if let Some(total) = node.text_at("Количество") {
        stock.total = Some(quantity(&what(), &total)?);
    }
    // 2.03 to 2.07: <Склад ИдСклада="…" КоличествоНаСкладе="…"/>.
    for w in node.children("Склад") {
        if let (Some(warehouse), Some(count)) = (w.attribute("ИдСклада"), w.attribute("КоличествоНаСкладе"))
        {
            stock.by_warehouse.push((warehouse.trim().to_owned(), quantity(&what(), count)?));
        }
    }
    // 2.08+: <Остатки><Остаток><Склад><Ид/><Количество/></Склад></Остаток></Остатки>,
    // or a total as <Остаток><Количество/></Остаток>.
    if let Some(rests) = node.child("Остатки") {
        for rest in rests.children("Остаток") {
            match rest.child("Склад") {
                Some(w) => {
                    let warehouse =
                        w.text_at("Ид").ok_or_else(|| Error::invalid(what(), "a Склад without Ид"))?;
                    let count = w.text_at("Количество").unwrap_or_else(|| "0".into());
                    stock.by_warehouse.push((warehouse, quantity(&what(), &count)?));
                }
                None => {
                    if let Some(count) = rest.text_at("Количество") {
                        stock.total = Some(quantity(&what(), &count)?);
                    }
                }
            }
        }
    }
    Ok(stock)
}

fn offer(node: &Node) -> Result<Offer, Error> {
    let id = node.text_at("Ид").ok_or_else(|| Error::invalid("Предложение", "has no Ид"))?;
    let (product, characteristic) = match id.split_once('#') {
        Some((p, c)) if !c.trim().is_empty() => (p.trim().to_owned(), Some(c.trim().to_owned())),
        Some((p, _)) => (p.trim().to_owned(), None),
        None => (id.clone(), None),
    };
    let prices = node
        .child("Цены")
        .map(|prices| {
            prices
                .children("Цена")
                .map(|p| {
                    let text = p.text_at("ЦенаЗаЕдиницу").unwrap_or_default();
                    Ok(Price {
                        price_type: p.text_at("ИдТипаЦены").unwrap_or_default(),
                        per_unit: number(&text).ok_or_else(|| {
                            Error::invalid(format!("Предложение {id}"), format!("price {text:?}"))
                        })?,
                        currency: p.text_at("Валюта"),
                        unit: p.text_at("Единица"),
                    })
                })
                .collect::<Result<Vec<_>, Error>>()
        })
        .transpose()?
        .unwrap_or_default();
    Ok(Offer {
        stock: stock(node, &id)?,
        product,
        characteristic,
        article: node.text_at("Артикул"),
        name: node.text_at("Наименование"),
        barcode: node.text_at("Штрихкод"),
        prices,
        id,
    })
}

/// Reads `offers.xml`, `prices.xml` or `rests.xml`, item by item; an
/// offer whose numbers are not numbers stops the file (a half-applied
/// exchange is worse than none).
pub fn read_offers<R: BufRead>(input: R) -> impl Iterator<Item = Result<OffersItem, Error>> {
    records(input, wanted).filter_map(|item| match item {
        Err(e) => Some(Err(e)),
        Ok(Item::Root(_)) => None,
        Ok(Item::Head { node, .. }) => node
            .attribute("СодержитТолькоИзменения")
            .map(|v| Ok(OffersItem::OnlyChanges(matches!(v.trim(), "true" | "1")))),
        Ok(Item::Record { path, node }) => {
            Some(if path.ends_with("СодержитТолькоИзменения") {
                Ok(OffersItem::OnlyChanges(matches!(node.text.trim(), "true" | "1")))
            } else if path.ends_with("ТипЦены") {
                Ok(OffersItem::PriceType(PriceType {
                    id: node.text_at("Ид").unwrap_or_default(),
                    name: node.text_at("Наименование").unwrap_or_default(),
                    currency: node.text_at("Валюта"),
                }))
            } else if path.ends_with("Склад") {
                Ok(OffersItem::Warehouse(Warehouse {
                    id: node.text_at("Ид").unwrap_or_default(),
                    name: node.text_at("Наименование").unwrap_or_default(),
                }))
            } else {
                offer(&node).map(OffersItem::Offer)
            })
        }
    })
}
