use super::*;
use catalog::stock::StockQty;
use chrono::{DateTime, Utc};
use domain::{Currency, OrderId, Rounding, StoreId, UserId};
use orders::{Channel, OrderStatus, Shipping, Slot};
use proptest::prelude::*;

fn rub(minor: i64) -> Money {
    Money::from_minor(minor, Currency::Rub)
}

fn line(sku: &str, unit: Unit, quantity: Decimal, unit_price: i64, discount: i64) -> OrderLine {
    let gross = rub(unit_price).checked_mul(quantity, Rounding::HalfEven).unwrap();
    OrderLine {
        sku: SkuId::new(sku).unwrap(),
        name: format!("Товар {sku}"),
        unit,
        quantity,
        unit_price: rub(unit_price),
        discount: rub(discount),
        total: gross.checked_sub(rub(discount)).unwrap(),
        held: StockQty::units(1),
    }
}

fn order(lines: Vec<OrderLine>, delivery: i64) -> Order {
    let at = DateTime::<Utc>::from_timestamp(1_764_000_000, 0).unwrap();
    let items_total = Money::checked_sum(lines.iter().map(|l| l.total), Currency::Rub).unwrap();
    Order {
        id: OrderId::new("ord_receipt").unwrap(),
        channel: Channel::Mcp,
        user: UserId::new("usr_1").unwrap(),
        store: StoreId::new("STORE-001").unwrap(),
        shipping: Shipping::Pickup,
        slot: Slot { starts_at: at, ends_at: at },
        lines,
        items_total,
        delivery_price: rub(delivery),
        total: items_total.checked_add(rub(delivery)).unwrap(),
        status: OrderStatus::New,
        created_at: at,
        updated_at: at,
        expires_at: None,
        request_id: String::new(),
        request_digest: String::new(),
    }
}

#[allow(clippy::unnecessary_wraps)] // the shape of a catalog lookup
fn vat_20(_: &SkuId) -> Option<VatRate> {
    Some(VatRate::Vat20)
}

/// `(quantity, unit price, discount)` of a line and the receipt items
/// `(quantity, price)` it becomes.
type SplitCase = (&'static str, i64, i64, &'static [(&'static str, i64)]);

fn inputs(vat: &dyn Fn(&SkuId) -> Option<VatRate>) -> ReceiptInputs<'_> {
    ReceiptInputs {
        contact: Some(Contact::Email("buyer@example.ru".into())),
        vat,
        delivery_vat: VatRate::Vat20,
    }
}

/// What the receipt's items add up to.
fn total(receipt: &Receipt, currency: Currency) -> Money {
    Money::from_minor(receipt.items.iter().map(|i| i.amount().minor()).sum(), currency)
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// Both ways a gateway may round `price × quantity`, summed.
fn sums(receipt: &Receipt) -> (i64, i64) {
    let each = |rounding| -> i64 {
        receipt.items.iter().map(|i| i.price.checked_mul(i.quantity, rounding).unwrap().minor()).sum()
    };
    (each(Rounding::HalfUp), each(Rounding::HalfEven))
}

#[test]
fn lines_split_so_the_receipt_is_what_the_order_charged() {
    let cases: [SplitCase; 7] = [
        // Whole units at one price.
        ("3", 8990, 0, &[("3", 8990)]),
        // 3 × 89.90 − 0.10 = 269.60 = 89.86 + 2 × 89.87.
        ("3", 8990, 10, &[("1", 8986), ("2", 8987)]),
        // A weighed amount under a kilo: one price lands.
        ("0.734", 49990, 0, &[("0.734", 49990)]),
        // Weighed with a discount: a price near the effective one.
        ("0.734", 49990, 100, &[("0.734", 49854)]),
        // Over a kilo: one price lands when it can…
        ("1.5", 20000, 0, &[("1.5", 20000)]),
        // …and 1.5 × 199.99 = 299.985, charged 299.98 (half to even), which
        // a gateway rounding half up would make 299.99: the half kilo apart.
        ("1.5", 19999, 0, &[("1", 19998), ("0.5", 20000)]),
        // 2.345 kg at 99.99 − 1.00: the fraction apart, the kilos share the rest.
        ("2.345", 9999, 100, &[("1", 9956), ("1", 9957), ("0.345", 9957)]),
    ];
    for (quantity, price, discount, expected) in cases {
        let unit = if quantity.contains('.') { Unit::Kg } else { Unit::Pcs };
        let l = line("SKU-1", unit, dec(quantity), price, discount);
        let receipt = build(&order(vec![l.clone()], 0), &inputs(&vat_20)).unwrap();
        let got: Vec<(Decimal, i64)> = receipt.items.iter().map(|i| (i.quantity, i.price.minor())).collect();
        let want: Vec<(Decimal, i64)> = expected.iter().map(|(q, p)| (dec(q), *p)).collect();
        assert_eq!(sums(&receipt), (l.total.minor(), l.total.minor()), "{quantity} at {price} − {discount}");
        assert_eq!(got, want, "{quantity} at {price} − {discount}");
    }
}

#[test]
fn what_a_receipt_cannot_be_built_without_is_said() {
    let o = order(vec![line("SKU-7", Unit::Pcs, dec("1"), 100, 0)], 0);
    let no_contact = ReceiptInputs { contact: None, ..inputs(&vat_20) };
    assert_eq!(build(&o, &no_contact), Err(ReceiptError::NoContact));
    let unknown = |_: &SkuId| None;
    let err = build(&o, &inputs(&unknown)).unwrap_err();
    assert_eq!(err, ReceiptError::NoVat(SkuId::new("SKU-7").unwrap()));
    assert!(err.to_string().contains("НДС"), "says where to set it: {err}");
    let free = order(vec![line("SKU-8", Unit::Pcs, dec("1"), 100, 100)], 0);
    assert_eq!(
        build(&free, &inputs(&vat_20)),
        Err(ReceiptError::Unrepresentable(SkuId::new("SKU-8").unwrap()))
    );
}

#[test]
fn delivery_is_a_service_line_of_its_own() {
    let o = order(vec![line("SKU-1", Unit::Pcs, dec("2"), 5000, 0)], 19900);
    let receipt = build(&o, &inputs(&vat_20)).unwrap();
    let delivery = receipt.items.last().unwrap();
    assert_eq!(
        (delivery.subject, delivery.price, delivery.quantity),
        (Subject::Service, rub(19900), Decimal::ONE)
    );
    assert_eq!(total(&receipt, Currency::Rub), o.total);
}

fn any_line() -> impl Strategy<Value = OrderLine> {
    let pieces = (1_u32..=50, 1_i64..=500_000).prop_flat_map(|(n, price)| {
        let gross = i64::from(n) * price;
        (Just(n), Just(price), 0..gross)
    });
    let weighed = (1_u32..=20_000, 1_i64..=500_000).prop_flat_map(|(grams, price)| {
        let gross = (i64::from(grams) * price + 500) / 1000;
        (Just(grams), Just(price), 0..gross.max(1))
    });
    prop_oneof![
        pieces.prop_map(|(n, price, discount)| line("SKU-P", Unit::Pcs, Decimal::from(n), price, discount)),
        weighed.prop_map(|(grams, price, discount)| line(
            "SKU-W",
            Unit::Kg,
            Decimal::new(i64::from(grams), 3),
            price,
            discount
        )),
    ]
}

proptest! {
    #[test]
    fn every_receipt_adds_up_to_the_order_to_the_kopeck(
        lines in proptest::collection::vec(any_line(), 1..8),
        delivery in prop_oneof![Just(0_i64), 1_i64..=100_000],
    ) {
        prop_assume!(lines.iter().all(|l| l.total.minor() > 0));
        let o = order(lines, delivery);
        let receipt = build(&o, &inputs(&vat_20)).unwrap();
        prop_assert_eq!(sums(&receipt), (o.total.minor(), o.total.minor()));
        for l in &o.lines {
            let of_line: Decimal = receipt.items.iter().filter(|i| i.description == l.name).map(|i| i.quantity).sum();
            // Lines of one SKU share a name here: compare per name.
            let ordered: Decimal = o.lines.iter().filter(|m| m.name == l.name).map(|m| m.quantity).sum();
            prop_assert_eq!(of_line, ordered, "the weighed amount is all on the receipt");
        }
        prop_assert!(receipt.items.iter().all(|i| i.quantity > Decimal::ZERO && i.price.minor() >= 0));
    }
}

#[test]
fn the_contact_is_the_profile_s_email_or_its_phone_as_digits() {
    let email = |e: &str| Some(Contact::Email(e.into()));
    let phone = |p: &str| Some(Contact::Phone(p.into()));
    let cases: [(Option<&str>, Option<&str>, Option<Contact>); 12] = [
        (Some("buyer@example.ru"), Some("+7 916 123-45-67"), email("buyer@example.ru")),
        (Some(" buyer@example.ru "), None, email("buyer@example.ru")),
        // Not an email: the phone stands in.
        (Some("buyer@localhost"), Some("+7 916 123-45-67"), phone("79161234567")),
        (Some("not an@email.ru"), None, None),
        (None, Some("+7 (916) 123-45-67"), phone("79161234567")),
        (None, Some("8 916 123 45 67"), phone("79161234567")),
        (None, Some("9161234567"), phone("79161234567")),
        (None, Some("+375 29 123 45 67"), phone("375291234567")),
        (None, Some("12345"), None),
        (None, Some("call me"), None),
        (None, Some("+7 916 123 45 67 89 01 23"), None),
        (None, None, None),
    ];
    for (e, p, want) in cases {
        assert_eq!(Contact::from_profile(e, p), want, "{e:?} {p:?}");
    }
}

#[test]
fn a_stored_receipt_reads_back_as_it_was() {
    let lines =
        vec![line("SKU-W", Unit::Kg, dec("1.234"), 49990, 100), line("SKU-P", Unit::Pcs, dec("3"), 8990, 10)];
    for contact in [Contact::Email("b@example.ru".into()), Contact::Phone("79161234567".into())] {
        let receipt =
            build(&order(lines.clone(), 19900), &ReceiptInputs { contact: Some(contact), ..inputs(&vat_20) })
                .unwrap();
        assert_eq!(from_stored(&to_stored(&receipt)), Some(receipt));
    }
    assert_eq!(from_stored(&serde_json::json!({"items": []})), None);
}

#[test]
fn a_receipt_without_its_contact_keeps_its_items_and_names_no_one() {
    let lines = vec![line("SKU-P", Unit::Pcs, dec("3"), 8990, 10)];
    for contact in [Contact::Email("b@example.ru".into()), Contact::Phone("79161234567".into())] {
        let receipt =
            build(&order(lines.clone(), 19900), &ReceiptInputs { contact: Some(contact), ..inputs(&vat_20) })
                .unwrap();
        let stored = to_stored(&receipt);
        let erased = without_contact(&stored);
        let text = erased.to_string();
        assert!(!text.contains("b@example.ru") && !text.contains("79161234567"), "{text}");
        assert_eq!(erased["items"], stored["items"]);
        assert_eq!(from_stored(&erased), None, "no contact, no receipt");
        assert!(is_erased(&erased) && !is_erased(&stored));
        assert_eq!(without_contact(&erased), erased);
    }
}
