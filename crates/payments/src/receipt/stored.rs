//! A receipt as the payment store keeps it (JSON): the refund receipt must
//! repeat the receipt the payment was fiscalised with, whatever the catalog
//! or the profile say by the time the order is cancelled.

use domain::{Currency, Decimal, Money, Unit, VatRate};
use serde_json::{Value, json};

use super::{Contact, Receipt, ReceiptItem, Subject};

pub fn to_stored(receipt: &Receipt) -> Value {
    let (kind, contact) = match &receipt.customer {
        Contact::Email(email) => ("email", email),
        Contact::Phone(phone) => ("phone", phone),
    };
    let items: Vec<Value> = receipt
        .items
        .iter()
        .map(|i| {
            json!({
                "code": i.code,
                "description": i.description,
                "quantity": i.quantity.normalize().to_string(),
                "unit": i.unit.as_str(),
                "price_minor": i.price.minor(),
                "currency": i.price.currency().code(),
                "vat": i.vat.as_str(),
                "subject": match i.subject { Subject::Commodity => "commodity", Subject::Service => "service" },
            })
        })
        .collect();
    json!({"customer": {kind: contact}, "items": items})
}

/// A stored receipt without the buyer's contact, once the order's personal
/// data is erased (`orders::retention`): its items stay; a refund after
/// that goes without a receipt, as [`from_stored`] then finds no contact.
pub fn without_contact(stored: &Value) -> Value {
    let mut erased = stored.clone();
    if let Some(receipt) = erased.as_object_mut() {
        receipt.insert("customer".into(), json!({"erased": true}));
    }
    erased
}

/// Whether `stored` is a receipt [`without_contact`] made: no receipt to
/// repeat, and nothing corrupt either.
pub fn is_erased(stored: &Value) -> bool {
    stored["customer"]["erased"] == Value::Bool(true)
}

/// `None` for what [`to_stored`] never wrote.
pub fn from_stored(value: &Value) -> Option<Receipt> {
    let customer = match (value["customer"]["email"].as_str(), value["customer"]["phone"].as_str()) {
        (Some(email), _) => Contact::Email(email.to_owned()),
        (None, Some(phone)) => Contact::Phone(phone.to_owned()),
        (None, None) => return None,
    };
    let items = value["items"]
        .as_array()?
        .iter()
        .map(|i| {
            let currency: Currency = i["currency"].as_str()?.parse().ok()?;
            Some(ReceiptItem {
                code: i["code"].as_str()?.to_owned(),
                description: i["description"].as_str()?.to_owned(),
                quantity: i["quantity"].as_str()?.parse::<Decimal>().ok()?,
                unit: i["unit"].as_str()?.parse::<Unit>().ok()?,
                price: Money::from_minor(i["price_minor"].as_i64()?, currency),
                vat: VatRate::parse(i["vat"].as_str()?)?,
                subject: match i["subject"].as_str()? {
                    "commodity" => Subject::Commodity,
                    "service" => Subject::Service,
                    _ => return None,
                },
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Receipt { customer, items })
}
