//! The 54-FZ receipt of an order: what a gateway that fiscalises (YooKassa's
//! `receipt`, Sber's `orderBundle`) must be sent with the payment and with
//! every refund. One rule for every gateway: the receipt's items add up to
//! what the order charged, to the kopeck, whichever way the gateway rounds
//! `price × quantity` (half up or half to even): a line whose total is not
//! one price times its quantity is split into items that are (pieces: some
//! at one kopeck more; weighed goods: whole units apart from the fraction),
//! and a weighed line keeps its weighed amount across its items.

pub use domain::VatRate;
use domain::{Decimal, Money, SkuId, Unit};
use orders::{Order, OrderLine};

/// What an item is (54-FZ tag 1212).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Commodity,
    Service,
}

/// Who the receipt goes to: the buyer's email or phone (54-FZ tag 1008).
#[derive(Clone, PartialEq, Eq)]
pub enum Contact {
    Email(String),
    /// Digits only, with the country code: `79161234567`.
    Phone(String),
}

impl std::fmt::Debug for Contact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            Contact::Email(_) => "Email",
            Contact::Phone(_) => "Phone",
        };
        f.debug_tuple(kind).field(&domain::personal::Hidden).finish()
    }
}

impl Contact {
    /// The contact a receipt goes to from a profile: the email when it is
    /// one, else the phone when it is one (a Russian number written `8…`,
    /// `+7 (…) …` or without its country code becomes `7…`).
    pub fn from_profile(email: Option<&str>, phone: Option<&str>) -> Option<Contact> {
        let email = email.map(str::trim).filter(|e| {
            e.split_once('@').is_some_and(|(user, host)| {
                !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.')
            }) && !e.contains(char::is_whitespace)
        });
        if let Some(email) = email {
            return Some(Contact::Email(email.to_owned()));
        }
        let phone = phone?;
        if phone.chars().any(char::is_alphabetic) {
            return None;
        }
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        let digits = match digits.len() {
            10 if !phone.trim_start().starts_with('+') => format!("7{digits}"),
            11 if digits.starts_with('8') && !phone.trim_start().starts_with('+') => {
                format!("7{}", &digits[1..])
            }
            11..=15 => digits,
            _ => return None,
        };
        Some(Contact::Phone(digits))
    }
}

/// One item of a receipt: `quantity` of `unit` at `price` each (after any
/// discount).
#[derive(Clone, Debug, PartialEq)]
pub struct ReceiptItem {
    /// The product's SKU (`delivery` for the delivery line): Sber's
    /// `itemCode`.
    pub code: String,
    pub description: String,
    pub quantity: Decimal,
    pub unit: Unit,
    pub price: Money,
    pub vat: VatRate,
    pub subject: Subject,
}

impl ReceiptItem {
    /// `price × quantity`, which [`build`] makes land strictly within half a
    /// kopeck of a whole kopeck, so both roundings agree.
    pub fn amount(&self) -> Money {
        let exact = Decimal::from(self.price.minor()) * self.quantity;
        Money::from_minor(i64::try_from(exact.round()).unwrap_or(i64::MAX), self.price.currency())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Receipt {
    pub customer: Contact,
    pub items: Vec<ReceiptItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("the receipt needs the buyer's email or phone, and the profile has neither")]
    NoContact,
    #[error("no VAT rate for {0}: set it in the feed (YML param \"НДС\", CSV column vat) or a store default")]
    NoVat(SkuId),
    #[error("the line of {0} cannot be put on a receipt (a negative or zero amount)")]
    Unrepresentable(SkuId),
}

/// What a receipt is built from besides the order.
#[allow(missing_debug_implementations)] // holds a closure
pub struct ReceiptInputs<'a> {
    pub contact: Option<Contact>,
    /// A product's VAT rate (from the catalog, or a store default).
    pub vat: &'a dyn Fn(&SkuId) -> Option<VatRate>,
    pub delivery_vat: VatRate,
}

/// The code of the delivery line.
pub const DELIVERY_CODE: &str = "delivery";

/// The receipt of `order`: its lines, then its delivery.
pub fn build(order: &Order, inputs: &ReceiptInputs<'_>) -> Result<Receipt, ReceiptError> {
    let customer = inputs.contact.clone().ok_or(ReceiptError::NoContact)?;
    let mut items = Vec::new();
    for line in &order.lines {
        let vat = (inputs.vat)(&line.sku).ok_or_else(|| ReceiptError::NoVat(line.sku.clone()))?;
        let parts = split(line.total.minor(), line.quantity)
            .ok_or_else(|| ReceiptError::Unrepresentable(line.sku.clone()))?;
        items.extend(parts.into_iter().map(|(quantity, price)| item(line, quantity, price, vat)));
    }
    if order.delivery_price.minor() > 0 {
        items.push(ReceiptItem {
            code: DELIVERY_CODE.into(),
            description: "Доставка".into(),
            quantity: Decimal::ONE,
            unit: Unit::Pcs,
            price: order.delivery_price,
            vat: inputs.delivery_vat,
            subject: Subject::Service,
        });
    }
    Ok(Receipt { customer, items })
}

fn item(line: &OrderLine, quantity: Decimal, price_minor: i64, vat: VatRate) -> ReceiptItem {
    ReceiptItem {
        code: line.sku.as_str().to_owned(),
        description: line.name.clone(),
        quantity,
        unit: line.unit,
        price: Money::from_minor(price_minor, line.total.currency()),
        vat,
        subject: Subject::Commodity,
    }
}

/// Whether `price × quantity` is strictly within half a kopeck of `total`.
fn lands_on(price: i64, quantity: Decimal, total: i64) -> bool {
    (Decimal::from(price) * quantity - Decimal::from(total)).abs() < Decimal::new(5, 1)
}

/// `(quantity, price in kopecks)` items whose amounts add up to `total`
/// kopecks for `quantity` in all; `None` for a line that cannot be on a
/// receipt (nothing to charge, or nothing charged for something).
fn split(total: i64, quantity: Decimal) -> Option<Vec<(Decimal, i64)>> {
    if total <= 0 || quantity <= Decimal::ZERO {
        return None;
    }
    let whole = quantity.trunc();
    let fraction = quantity - whole;
    if fraction.is_zero() {
        return Some(whole_units(total, i64::try_from(whole).ok()?));
    }
    // One price for the whole weighed amount, when one lands.
    let near = i64::try_from((Decimal::from(total) / quantity).round()).ok()?;
    if let Some(price) =
        (0..=3).flat_map(|d| [near - d, near + d]).find(|p| *p >= 0 && lands_on(*p, quantity, total))
    {
        return Some(vec![(quantity, price)]);
    }
    // Else the fraction at about the unit price (a fraction's step is under
    // a kopeck, so one lands), the whole units sharing the rest exactly.
    let for_fraction = i64::try_from((Decimal::from(near) * fraction).round()).ok()?;
    let price = (0..=3)
        .flat_map(|d| [near - d, near + d])
        .find(|p| *p >= 0 && lands_on(*p, fraction, for_fraction))?;
    let rest = total - for_fraction;
    if rest <= 0 || whole.is_zero() {
        return None;
    }
    let mut items = whole_units(rest, i64::try_from(whole).ok()?);
    items.push((fraction, price));
    Some(items)
}

/// `count` units sharing `total` kopecks exactly: some at one kopeck more.
fn whole_units(total: i64, count: i64) -> Vec<(Decimal, i64)> {
    let (price, dearer) = (total / count, total % count);
    [(count - dearer, price), (dearer, price + 1)]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, p)| (Decimal::from(n), p))
        .collect()
}

mod stored;
pub use stored::{from_stored, is_erased, to_stored, without_contact};

#[cfg(test)]
mod tests;
