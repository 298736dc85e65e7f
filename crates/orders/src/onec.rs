//! Orders of both channels as 1C's documents, and what 1C says back of
//! them. Every rule is here as a pure function: which document an order
//! is (lines, delivery as a service line, the customer and their contacts,
//! the channel and status as requisites), and which steps of our state
//! machine a change from 1C asks for.
//!
//! Requisites follow the names every site module uses, so that 1C's
//! standard exchange reads them without setup: `Статус заказа`, `Заказ
//! оплачен`, `Отменен`, `Финальный статус`, `Дата изменения статуса`; ours
//! beside them: `Канал` (MCP or Kuper), `Номер у Купера`, `Способ
//! получения`.

use commerceml::documents::{Counterparty, Document, Line, ORDER};
use domain::{Decimal, Unit};

use crate::{Action, OrderStatus};

/// The id 1C sees of the delivery service line.
pub const DELIVERY_LINE: &str = "ORDER_DELIVERY";

/// A line of an order as 1C books it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportLine {
    /// 1C's product `Ид` when the product came from 1C, else our SKU.
    pub id: String,
    pub sku: String,
    pub name: String,
    pub unit: Unit,
    pub quantity: Decimal,
    pub price: Decimal,
    pub sum: Decimal,
}

/// An order of either channel, with what 1C needs of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportOrder {
    /// `MCP` or `Kuper`.
    pub channel: &'static str,
    pub id: String,
    /// Kuper's `originalOrderId`.
    pub external_id: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// In the channel's own statuses.
    pub status: String,
    pub paid: bool,
    pub canceled: bool,
    pub closed: bool,
    /// `delivery` / `pickup`, or Kuper's integration type.
    pub fulfilment: String,
    pub customer_id: String,
    pub customer_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub comment: Option<String>,
    pub lines: Vec<ExportLine>,
    pub delivery_price: Decimal,
    pub total: Decimal,
}

/// The OKEI code and short name 1C books `unit` by.
pub fn okei(unit: Unit) -> (&'static str, &'static str) {
    match unit {
        Unit::Pcs => ("796", "шт"),
        Unit::Kg => ("166", "кг"),
        Unit::G => ("163", "г"),
        Unit::L => ("112", "л"),
        Unit::Ml => ("111", "мл"),
    }
}

fn flag(value: bool) -> String {
    value.to_string()
}

/// `order` as 1C's order document.
pub fn document(order: &ExportOrder) -> Document {
    let mut lines: Vec<Line> = order
        .lines
        .iter()
        .map(|l| {
            let (code, unit) = okei(l.unit);
            Line {
                id: l.id.clone(),
                article: Some(l.sku.clone()),
                name: l.name.clone(),
                unit: Some(unit.to_owned()),
                unit_code: Some(code.to_owned()),
                price: l.price,
                quantity: l.quantity,
                sum: l.sum,
                requisites: vec![
                    ("ВидНоменклатуры".into(), "Товар".into()),
                    ("ТипНоменклатуры".into(), "Товар".into()),
                ],
            }
        })
        .collect();
    if order.delivery_price > Decimal::ZERO {
        lines.push(Line {
            id: DELIVERY_LINE.into(),
            article: None,
            name: "Доставка заказа".into(),
            unit: Some("шт".into()),
            unit_code: Some("796".into()),
            price: order.delivery_price,
            quantity: Decimal::ONE,
            sum: order.delivery_price,
            requisites: vec![
                ("ВидНоменклатуры".into(), "Услуга".into()),
                ("ТипНоменклатуры".into(), "Услуга".into()),
            ],
        });
    }
    let contacts: Vec<(String, String)> = [("Телефон рабочий", &order.phone), ("Почта", &order.email)]
        .into_iter()
        .filter_map(|(kind, value)| value.as_ref().map(|v| (kind.to_owned(), v.clone())))
        .collect();
    let name = order.customer_name.clone().unwrap_or_else(|| format!("Покупатель {}", order.customer_id));
    let mut requisites = vec![
        ("Канал".to_owned(), order.channel.to_owned()),
        ("Статус заказа".to_owned(), order.status.clone()),
        ("Заказ оплачен".to_owned(), flag(order.paid)),
        ("Отменен".to_owned(), flag(order.canceled)),
        ("Финальный статус".to_owned(), flag(order.closed)),
        ("Способ получения".to_owned(), order.fulfilment.clone()),
        ("Дата изменения статуса".to_owned(), order.updated_at.format("%Y-%m-%d %H:%M:%S").to_string()),
    ];
    if let Some(external) = &order.external_id {
        requisites.push(("Номер у Купера".into(), external.clone()));
    }
    Document {
        id: order.id.clone(),
        number: order.id.clone(),
        date: order.created_at.format("%Y-%m-%d").to_string(),
        time: Some(order.created_at.format("%H:%M:%S").to_string()),
        operation: ORDER.into(),
        role: "Продавец".into(),
        currency: "RUB".into(),
        sum: order.total,
        counterparties: vec![Counterparty {
            id: order.customer_id.clone(),
            name,
            role: "Покупатель".into(),
            contacts,
            address: order.address.clone(),
        }],
        comment: order.comment.clone(),
        lines,
        requisites,
    }
}

/// What 1C's `Заказ оплачен`, `Отменен` and `Финальный статус` are of an
/// MCP order in `status`: (paid, canceled, closed).
pub fn flags(status: OrderStatus) -> (bool, bool, bool) {
    use OrderStatus as S;
    (
        !matches!(status, S::New | S::Cancelled),
        status == S::Cancelled,
        matches!(status, S::Completed | S::Cancelled),
    )
}

/// How far 1C says an order has gone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Progress {
    #[default]
    InStore,
    /// Handed to a courier or set out for pickup.
    Shipped,
    /// The shopper has it.
    Done,
}

/// What 1C says of an order in a document it sends back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Said {
    pub paid: bool,
    pub progress: Progress,
    pub canceled: bool,
}

fn truthy(value: &str) -> bool {
    matches!(value.trim().to_lowercase().as_str(), "true" | "истина" | "да" | "1")
}

/// What `doc` says, by the requisites site modules read and write (`Заказ
/// оплачен`, `Отменен`, `Финальный статус`, `Отгружен`, and `Статус заказа`
/// by its words).
pub fn said(doc: &Document) -> Said {
    let get = |name: &str| doc.requisite(name).map(str::to_owned).unwrap_or_default();
    let status = get("Статус заказа").to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| status.contains(w));
    let done = truthy(&get("Финальный статус")) || has(&["выполнен", "доставлен", "получен", "закрыт"]);
    let shipped =
        truthy(&get("Отгружен")) || has(&["отгружен", "передан", "в пути", "доставляется", "готов к выдаче"]);
    Said {
        paid: truthy(&get("Заказ оплачен")) || truthy(&get("Оплачен")) || has(&["оплачен"]),
        progress: if done {
            Progress::Done
        } else if shipped {
            Progress::Shipped
        } else {
            Progress::InStore
        },
        canceled: truthy(&get("Отменен")) || truthy(&get("Отменён")) || has(&["отмен"]),
    }
}

/// The steps an MCP order in `status` takes for what 1C `said`, in order;
/// each is then taken through the order's state machine, which may still
/// refuse it. `Err` says why 1C's word cannot be followed.
pub fn mcp_steps(status: OrderStatus, delivery: bool, said: Said) -> Result<Vec<Action>, String> {
    use OrderStatus as S;
    if said.canceled {
        return match status {
            S::Cancelled => Ok(Vec::new()),
            S::Completed => Err("1C cancels an order the shopper already has".into()),
            _ => Ok(vec![Action::Cancel]),
        };
    }
    if status == S::Cancelled && (said.paid || said.progress > Progress::InStore) {
        return Err("1C moves an order that is cancelled here".into());
    }
    let handover = if delivery { Action::Deliver } else { Action::ReadyForPickup };
    let handed_over = if delivery { S::Delivering } else { S::ReadyForPickup };
    let wants_handover = said.progress >= Progress::Shipped;
    let mut steps = Vec::new();
    let mut at = status;
    if (said.paid || wants_handover) && at == S::New {
        if !said.paid {
            return Err("1C ships an order nobody has paid".into());
        }
        steps.push(Action::Pay);
        at = S::Paid;
    }
    if wants_handover && at == S::Paid {
        steps.push(Action::Process);
        at = S::Processing;
    }
    if wants_handover && at == S::Processing {
        steps.push(handover);
        at = handed_over;
    }
    if said.progress == Progress::Done && matches!(at, S::Delivering | S::ReadyForPickup) {
        steps.push(Action::Complete);
    }
    Ok(steps)
}

/// How 1C's changes went: what moved, and what could not, with why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SaleReport {
    pub documents: usize,
    pub steps: usize,
    /// Documents 1C's word could not be followed for, with the reason.
    pub refused: Vec<String>,
}

/// Why 1C's file of changes cannot be read: nothing of it is applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SaleError {
    #[error("{0}")]
    File(String),
    #[error(transparent)]
    Repo(#[from] domain::RepoError),
}

/// The orders side of 1C's exchange, as storage keeps it.
#[async_trait::async_trait]
pub trait OneCSale: Send + Sync + std::fmt::Debug {
    /// Orders of both channels 1C has not confirmed (new, or changed since
    /// it did), as one CommerceML file; each is marked sent at `at`.
    async fn query(&self, limit: i64, at: chrono::DateTime<chrono::Utc>)
    -> Result<String, domain::RepoError>;
    /// 1C took what it was sent up to `at`: not sent again until it changes.
    async fn confirm(&self, at: chrono::DateTime<chrono::Utc>) -> Result<u64, domain::RepoError>;
    /// Applies 1C's changes from the session's file `filename` through the
    /// order state machines.
    async fn apply(
        &self,
        token_hash: &str,
        filename: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<SaleReport, SaleError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus as S;

    const IN_STORE: Progress = Progress::InStore;
    const SHIPPED: Progress = Progress::Shipped;
    const DONE: Progress = Progress::Done;

    fn said(paid: bool, progress: Progress, canceled: bool) -> Said {
        Said { paid, progress, canceled }
    }

    #[test]
    fn what_1c_says_becomes_steps_of_our_state_machine() {
        use Action::{Cancel, Complete, Deliver, Pay, Process, ReadyForPickup};
        // (status, delivery, what 1C says, the steps; `None`: refused)
        let cases = [
            (S::New, true, said(true, IN_STORE, false), Some(vec![Pay])),
            (S::New, true, said(true, SHIPPED, false), Some(vec![Pay, Process, Deliver])),
            (S::New, false, said(true, SHIPPED, false), Some(vec![Pay, Process, ReadyForPickup])),
            (S::New, true, said(true, DONE, false), Some(vec![Pay, Process, Deliver, Complete])),
            (S::Paid, true, said(true, DONE, false), Some(vec![Process, Deliver, Complete])),
            (S::Delivering, true, said(true, DONE, false), Some(vec![Complete])),
            (S::Completed, true, said(true, DONE, false), Some(vec![])),
            (S::Paid, true, said(true, IN_STORE, false), Some(vec![])),
            (S::New, true, said(false, SHIPPED, false), None),
            (S::New, true, said(false, IN_STORE, true), Some(vec![Cancel])),
            (S::Processing, false, said(true, IN_STORE, true), Some(vec![Cancel])),
            (S::Cancelled, true, said(false, IN_STORE, true), Some(vec![])),
            (S::Completed, true, said(true, DONE, true), None),
            (S::Cancelled, true, said(true, IN_STORE, false), None),
        ];
        for (status, delivery, s, expected) in cases {
            assert_eq!(mcp_steps(status, delivery, s).ok(), expected, "{status:?} {s:?}");
        }
    }

    fn doc(requisites: &[(&str, &str)]) -> Document {
        Document {
            requisites: requisites.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            ..Document::default()
        }
    }

    #[test]
    fn requisites_are_read_as_site_modules_write_them() {
        assert_eq!(super::said(&doc(&[("Заказ оплачен", "true")])), said(true, IN_STORE, false));
        assert_eq!(super::said(&doc(&[("Отменен", "Истина")])), said(false, IN_STORE, true));
        assert_eq!(super::said(&doc(&[("Статус заказа", "[F] Выполнен")])).progress, DONE);
        assert_eq!(
            super::said(&doc(&[("Статус заказа", "Отгружен"), ("Заказ оплачен", "1")])),
            said(true, SHIPPED, false)
        );
        assert_eq!(
            super::said(&doc(&[("Финальный статус", "false"), ("Отменен", "false")])),
            Said::default()
        );
    }

    #[test]
    fn an_order_is_a_document_with_its_delivery_as_a_service() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-07T09:30:00Z").unwrap().to_utc();
        let order = ExportOrder {
            channel: "MCP",
            id: "ord_1".into(),
            external_id: None,
            created_at: at,
            updated_at: at,
            status: "paid".into(),
            paid: true,
            canceled: false,
            closed: false,
            fulfilment: "delivery".into(),
            customer_id: "usr_1".into(),
            customer_name: Some("Ольга".into()),
            phone: Some("+79990000000".into()),
            email: None,
            address: Some("Москва, Тверская, 1".into()),
            comment: None,
            lines: vec![ExportLine {
                id: "guid-milk".into(),
                sku: "SKU-1".into(),
                name: "Молоко".into(),
                unit: Unit::Pcs,
                quantity: Decimal::from(2),
                price: "89.90".parse().unwrap(),
                sum: "179.80".parse().unwrap(),
            }],
            delivery_price: "99.00".parse().unwrap(),
            total: "278.80".parse().unwrap(),
        };
        let d = document(&order);
        assert_eq!((d.operation.as_str(), d.date.as_str(), d.sum), (ORDER, "2026-12-07", order.total));
        assert_eq!(d.lines.len(), 2);
        assert_eq!(d.lines[0].unit_code.as_deref(), Some("796"));
        assert_eq!(d.lines[1].id, DELIVERY_LINE);
        let total: Decimal = d.lines.iter().map(|l| l.sum).sum();
        assert_eq!(total, d.sum, "the lines add up to the document");
        assert_eq!(d.counterparties[0].contacts, [("Телефон рабочий".to_owned(), "+79990000000".to_owned())]);
        assert_eq!(d.requisite("Канал"), Some("MCP"));
        assert_eq!(d.requisite("Заказ оплачен"), Some("true"));
    }
}
