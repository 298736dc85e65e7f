//! The YML feed (Yandex Market's format, which Russian shops already
//! export), read as a stream of XML events: memory stays flat whatever the
//! feed's size.
//!
//! Read: `currencies` (only RUB/RUR is accepted: prices are not converted),
//! `categories` (names by id), and each `offer`: `id`, `available`, `name`,
//! `price`, `oldprice`, `currencyId`, `categoryId`, the first `picture`
//! (none: the merchant's placeholder is answered), `vendor`, the first
//! `barcode`, `description`, `count` (stock), every `param` (the unit of
//! sale is decided from them by [`super::unit::decide`]: Bitrix's, InSales',
//! Shop-Script's, Tilda's and hand-made spellings alike), and
//! `outlets/outlet id=… instock=…` (store ids of the stores file), and the
//! VAT rate for 54-FZ receipts from `<vat>` (`VAT_20`, `NO_VAT`, …) or a
//! `param` named `НДС` (`20%`, `без НДС`). An offer
//! without outlets applies to every store with `count` as its stock.
//! `weight` (kg) is kept as the pack quantity; `dimensions` and other
//! fields are read past.

use std::cell::Cell;
use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::rc::Rc;

use domain::StoreId;
use quick_xml::Reader;
use quick_xml::encoding::Decoder;
use quick_xml::events::{BytesStart, Event};

use super::fields::{currency, flag, price, product, stock};
use super::unit::{Param, decide};
use super::{FeedEntry, FeedEvent, OfferSpec, Rejected};
use crate::stock::StockQty;

/// Counts the lines the XML reader has consumed, for row numbers in reports.
struct LineCounter<R> {
    inner: R,
    lines: Rc<Cell<u64>>,
}

// A line count over a stream is not worth a SIMD crate.
#[allow(clippy::naive_bytecount)]
impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let newlines = buf[..n].iter().filter(|&&b| b == b'\n').count();
        self.lines.set(self.lines.get() + newlines as u64);
        Ok(n)
    }
}

#[allow(clippy::naive_bytecount)]
impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        let newlines = self
            .inner
            .fill_buf()
            .map_or(0, |b| b[..amt.min(b.len())].iter().filter(|&&c| c == b'\n').count());
        self.lines.set(self.lines.get() + newlines as u64);
        self.inner.consume(amt);
    }
}

#[derive(Default)]
struct OfferDraft {
    line: u64,
    id: String,
    available: String,
    fields: HashMap<String, String>,
    params: Vec<Param>,
    /// The `unit` attribute of the `param` being read.
    param_unit: Option<String>,
    outlets: Vec<(String, String)>,
}

/// An attribute's value, decoded from the feed's encoding (a feed may be
/// windows-1251, as many Russian shops still export).
fn attribute(e: &BytesStart<'_>, name: &[u8], decoder: Decoder) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.decode_and_unescape_value(decoder).ok())
        .map(std::borrow::Cow::into_owned)
}

struct YmlReader<R: BufRead> {
    reader: Reader<LineCounter<R>>,
    lines: Rc<Cell<u64>>,
    buf: Vec<u8>,
    categories: HashMap<String, String>,
    offer: Option<OfferDraft>,
    /// The element whose text is being collected, and the text so far.
    text: Option<(String, String)>,
    done: bool,
}

/// The offer's VAT rate: Yandex Market's `<vat>` element, else a
/// `<param name="НДС">` (or `VAT`).
fn vat(d: &OfferDraft) -> &str {
    if let Some(vat) = d.fields.get("vat").filter(|v| !v.trim().is_empty()) {
        return vat;
    }
    d.params
        .iter()
        .find(|p| matches!(p.name.trim().to_lowercase().as_str(), "ндс" | "vat"))
        .map_or("", |p| p.value.as_str())
}

impl<R: BufRead> YmlReader<R> {
    fn line(&self) -> u64 {
        self.lines.get() + 1
    }

    fn finish(&self, draft: &OfferDraft) -> FeedEvent {
        let line = draft.line;
        match self.build(draft) {
            Ok(entry) => FeedEvent::Entry(entry),
            Err(reason) => FeedEvent::Rejected(Rejected { line, reason }),
        }
    }

    fn build(&self, d: &OfferDraft) -> Result<FeedEntry, String> {
        let get = |k: &str| d.fields.get(k).map_or("", String::as_str);
        let currency = currency(get("currencyId"))?;
        let category = self.categories.get(get("categoryId")).map_or(get("categoryId"), String::as_str);
        let (unit, unit_source) = decide(&d.params)?;
        let product = product(
            &d.id,
            get("name"),
            unit.as_str(),
            get("picture"),
            category,
            get("description"),
            get("weight"),
            get("rating"),
            get("vendor"),
            get("barcode"),
            vat(d),
        )?;
        let price = price("price", get("price"), currency)?;
        let old_price = match get("oldprice") {
            "" => None,
            text => Some(super::fields::price("oldprice", text, currency)?),
        };
        let available = flag("available", &d.available, true)?;
        let base =
            OfferSpec { store: None, price, old_price, stock: StockQty::ZERO, delivery: true, pickup: true };
        let offers = if d.outlets.is_empty() {
            let count = if available { get("count") } else { "0" };
            vec![OfferSpec {
                stock: if count.is_empty() { StockQty::units(i64::from(available)) } else { stock(count)? },
                ..base
            }]
        } else {
            d.outlets
                .iter()
                .map(|(id, instock)| {
                    Ok(OfferSpec {
                        store: Some(StoreId::new(id.as_str()).map_err(|e| format!("outlet id: {e}"))?),
                        stock: if available { stock(instock)? } else { StockQty::ZERO },
                        ..base.clone()
                    })
                })
                .collect::<Result<_, String>>()?
        };
        Ok(FeedEntry { line: d.line, product, offers, unit_source })
    }

    fn on_start(&mut self, e: &BytesStart<'_>, empty: bool) {
        let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        let decoder = self.reader.decoder();
        let attribute = |e: &BytesStart<'_>, key: &[u8]| attribute(e, key, decoder);
        match name.as_str() {
            "offer" => {
                self.offer = Some(OfferDraft {
                    line: self.line(),
                    id: attribute(e, b"id").unwrap_or_default(),
                    available: attribute(e, b"available").unwrap_or_default(),
                    ..OfferDraft::default()
                });
            }
            "outlet" => {
                if let Some(offer) = &mut self.offer {
                    offer.outlets.push((
                        attribute(e, b"id").unwrap_or_default(),
                        attribute(e, b"instock").unwrap_or_else(|| "0".into()),
                    ));
                }
            }
            "category" if !empty => {
                let id = attribute(e, b"id").unwrap_or_default();
                self.text = Some((format!("category:{id}"), String::new()));
            }
            "param" if self.offer.is_some() => {
                let name = attribute(e, b"name").unwrap_or_default();
                let unit = attribute(e, b"unit");
                if empty {
                    if let Some(offer) = &mut self.offer {
                        offer.params.push(Param { name, value: String::new(), unit });
                    }
                } else {
                    if let Some(offer) = &mut self.offer {
                        offer.param_unit = unit;
                    }
                    self.text = Some((format!("param:{name}"), String::new()));
                }
            }
            _ if !empty && self.offer.is_some() => self.text = Some((name, String::new())),
            _ => {}
        }
    }

    fn on_end(&mut self, name: &[u8]) -> Option<FeedEvent> {
        if name == b"offer" {
            self.text = None;
            return self.offer.take().map(|draft| self.finish(&draft));
        }
        let (field, text) = self.text.take()?;
        let text = text.trim().to_owned();
        if let Some(id) = field.strip_prefix("category:") {
            self.categories.insert(id.to_owned(), text);
        } else if let Some(offer) = &mut self.offer {
            if let Some(name) = field.strip_prefix("param:") {
                offer.params.push(Param {
                    name: name.to_owned(),
                    value: text,
                    unit: offer.param_unit.take(),
                });
                return None;
            }
            match field.as_str() {
                // The first picture is the product's photo; the first
                // barcode its barcode.
                "picture" | "barcode" if offer.fields.contains_key(&field) => {}
                _ => {
                    offer.fields.insert(field, text);
                }
            }
        }
        None
    }
}

impl<R: BufRead> Iterator for YmlReader<R> {
    type Item = FeedEvent;

    fn next(&mut self) -> Option<FeedEvent> {
        while !self.done {
            self.buf.clear();
            let event = self.reader.read_event_into(&mut self.buf);
            let fatal = |reader: &Self, e: &dyn std::fmt::Display| {
                FeedEvent::Fatal(Rejected { line: reader.line(), reason: format!("broken XML: {e}") })
            };
            match event {
                Err(e) => {
                    self.done = true;
                    return Some(fatal(self, &e));
                }
                Ok(Event::Eof) => {
                    self.done = true;
                    if self.offer.is_some() {
                        return Some(fatal(self, &"the feed ends inside an offer"));
                    }
                }
                Ok(Event::Start(e)) => {
                    let e = e.into_owned();
                    self.on_start(&e, false);
                }
                Ok(Event::Empty(e)) => {
                    let e = e.into_owned();
                    self.on_start(&e, true);
                }
                Ok(Event::Text(t)) => {
                    if let (Some((_, text)), Ok(decoded)) = (&mut self.text, t.decode()) {
                        text.push_str(&decoded);
                    }
                }
                Ok(Event::CData(t)) => {
                    if let (Some((_, text)), Ok(decoded)) = (&mut self.text, t.decode()) {
                        text.push_str(&decoded);
                    }
                }
                Ok(Event::GeneralRef(r)) => {
                    if let Some((_, text)) = &mut self.text {
                        let name = String::from_utf8_lossy(&r).into_owned();
                        let resolved = match name.as_str() {
                            "amp" => Some('&'),
                            "lt" => Some('<'),
                            "gt" => Some('>'),
                            "quot" => Some('"'),
                            "apos" => Some('\''),
                            _ => r.resolve_char_ref().ok().flatten(),
                        };
                        if let Some(c) = resolved {
                            text.push(c);
                        }
                    }
                }
                Ok(Event::End(e)) => {
                    let name = e.name().as_ref().to_vec();
                    if let Some(event) = self.on_end(&name) {
                        return Some(event);
                    }
                }
                Ok(_) => {}
            }
        }
        None
    }
}

/// Reads `input` as a YML feed, offer by offer.
pub fn read_yml<R: BufRead>(input: R) -> impl Iterator<Item = FeedEvent> {
    let lines = Rc::new(Cell::new(0));
    let mut reader = Reader::from_reader(LineCounter { inner: input, lines: Rc::clone(&lines) });
    reader.config_mut().trim_text(false);
    YmlReader {
        reader,
        lines,
        buf: Vec::new(),
        categories: HashMap::new(),
        offer: None,
        text: None,
        done: false,
    }
}
