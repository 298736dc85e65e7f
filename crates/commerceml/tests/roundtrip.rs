//! What the crate writes it reads back: order documents of any content
//! (Cyrillic, markup characters, amounts of any scale) survive the trip.

use commerceml::documents::{Counterparty, Document, Line, ORDER, read_documents, write_documents};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Zа-яА-ЯёЁ0-9&<>\"'#№%.,:;()/+ -]{1,24}"
        .prop_map(|s| s.trim().to_owned())
        .prop_filter("not blank", |s| !s.is_empty())
}

fn amount() -> impl Strategy<Value = Decimal> {
    (0_i64..10_000_000, 0_u32..4).prop_map(|(n, scale)| Decimal::new(n, scale))
}

fn line() -> impl Strategy<Value = Line> {
    (
        text(),
        proptest::option::of(text()),
        text(),
        proptest::option::of(text()),
        amount(),
        amount(),
        amount(),
        proptest::collection::vec((text(), text()), 0..3),
    )
        .prop_map(|(id, article, name, unit, price, quantity, sum, requisites)| Line {
            id,
            article,
            name,
            unit_code: unit.as_ref().map(|_| "796".to_owned()),
            unit,
            price,
            quantity,
            sum,
            requisites,
        })
}

fn document() -> impl Strategy<Value = Document> {
    (
        text(),
        amount(),
        proptest::option::of(text()),
        (text(), text(), proptest::collection::vec((text(), text()), 0..3), proptest::option::of(text())),
        proptest::collection::vec(line(), 1..5),
        proptest::collection::vec((text(), text()), 0..5),
    )
        .prop_map(|(id, sum, comment, (customer, name, contacts, address), lines, requisites)| {
            Document {
                number: id.clone(),
                id,
                date: "2026-12-07".into(),
                time: Some("12:30:00".into()),
                operation: ORDER.into(),
                role: "Продавец".into(),
                currency: "RUB".into(),
                sum,
                counterparties: vec![Counterparty {
                    id: customer,
                    name,
                    role: "Покупатель".into(),
                    contacts,
                    address,
                }],
                comment,
                lines,
                requisites,
            }
        })
}

proptest! {
    #[test]
    fn documents_read_back_as_written(documents in proptest::collection::vec(document(), 0..4)) {
        let xml = write_documents(&documents, "2.08", "2026-12-07T12:30:00");
        let read: Vec<Document> = read_documents(xml.as_bytes()).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(read, documents);
    }
}
