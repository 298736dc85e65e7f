//! The gateway adapters against local fakes of YooKassa's and Sber's APIs.
//! One test binary with a module per subject, so that a change below links it
//! once.

mod sber;
mod yookassa;

use domain::{Currency, Money, Unit};
use payments::receipt::{Contact, Receipt, ReceiptItem, Subject, VatRate};

/// 0.734 kg of apples at 499.90 (366.93) and delivery at 199.00 (565.93 in
/// all), to `customer`: what both adapters are sent.
fn receipt_to(customer: Contact) -> Receipt {
    let item = |code: &str, description: &str, quantity: &str, unit, price, vat, subject| ReceiptItem {
        code: code.into(),
        description: description.into(),
        quantity: quantity.parse().unwrap(),
        unit,
        price: Money::from_minor(price, Currency::Rub),
        vat,
        subject,
    };
    Receipt {
        customer,
        items: vec![
            item("APL-1", "Яблоки Гала", "0.734", Unit::Kg, 49_990, VatRate::Vat10, Subject::Commodity),
            item("delivery", "Доставка", "1", Unit::Pcs, 19_900, VatRate::Vat20, Subject::Service),
        ],
    }
}
