//! Order documents (`Документ`, `ХозОперация` "Заказ товара"): written for
//! 1C's `query` (our orders of both channels) and read from its `file` of
//! `type=sale` (what 1C changed: paid, shipped, canceled). Statuses and the
//! channel travel as `ЗначенияРеквизитов`, as every site module does.

use std::fmt::Write as _;
use std::io::BufRead;

use quick_xml::escape::escape;
use rust_decimal::Decimal;

use crate::xml::{Item, Node, Want, records};
use crate::{Error, number};

/// The operation of an order document.
pub const ORDER: &str = "Заказ товара";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counterparty {
    pub id: String,
    pub name: String,
    /// `Покупатель` for the customer.
    pub role: String,
    /// `Контакты/Контакт`: (`Тип`, `Значение`), e.g. (`Телефон рабочий`,
    /// `+7…`), (`Почта`, `…`).
    pub contacts: Vec<(String, String)>,
    /// `АдресРегистрации/Представление`: the delivery address as text.
    pub address: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Line {
    /// The product's `Ид` in 1C when we know it, else our SKU.
    pub id: String,
    pub article: Option<String>,
    pub name: String,
    /// Short name (`шт`, `кг`) and OKEI code (`796`, `166`).
    pub unit: Option<String>,
    pub unit_code: Option<String>,
    pub price: Decimal,
    pub quantity: Decimal,
    pub sum: Decimal,
    /// `ВидНоменклатуры` / `ТипНоменклатуры` (`Товар`, `Услуга` for
    /// delivery), and anything else 1C keeps per line.
    pub requisites: Vec<(String, String)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Document {
    pub id: String,
    pub number: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM:SS`.
    pub time: Option<String>,
    pub operation: String,
    /// `Продавец`: we sell.
    pub role: String,
    pub currency: String,
    pub sum: Decimal,
    pub counterparties: Vec<Counterparty>,
    pub comment: Option<String>,
    pub lines: Vec<Line>,
    /// The document's `ЗначенияРеквизитов`: `Статус заказа`, `Заказ
    /// оплачен`, `Отменен`, `Канал`…
    pub requisites: Vec<(String, String)>,
}

impl Document {
    pub fn requisite(&self, name: &str) -> Option<&str> {
        self.requisites.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

fn element(out: &mut String, indent: usize, name: &str, text: &str) {
    let _ = writeln!(out, "{:indent$}<{name}>{}</{name}>", "", escape(text));
}

fn requisites(out: &mut String, indent: usize, values: &[(String, String)]) {
    if values.is_empty() {
        return;
    }
    let _ = writeln!(out, "{:indent$}<ЗначенияРеквизитов>", "");
    for (name, value) in values {
        let _ = writeln!(out, "{:w$}<ЗначениеРеквизита>", "", w = indent + 2);
        element(out, indent + 4, "Наименование", name);
        element(out, indent + 4, "Значение", value);
        let _ = writeln!(out, "{:w$}</ЗначениеРеквизита>", "", w = indent + 2);
    }
    let _ = writeln!(out, "{:indent$}</ЗначенияРеквизитов>", "");
}

fn counterparty(out: &mut String, c: &Counterparty) {
    out.push_str("      <Контрагент>\n");
    element(out, 8, "Ид", &c.id);
    element(out, 8, "Наименование", &c.name);
    element(out, 8, "Роль", &c.role);
    element(out, 8, "ПолноеНаименование", &c.name);
    if let Some(address) = &c.address {
        out.push_str("        <АдресРегистрации>\n");
        element(out, 10, "Представление", address);
        out.push_str("        </АдресРегистрации>\n");
    }
    if !c.contacts.is_empty() {
        out.push_str("        <Контакты>\n");
        for (kind, value) in &c.contacts {
            out.push_str("          <Контакт>\n");
            element(out, 12, "Тип", kind);
            element(out, 12, "Значение", value);
            out.push_str("          </Контакт>\n");
        }
        out.push_str("        </Контакты>\n");
    }
    out.push_str("      </Контрагент>\n");
}

fn line(out: &mut String, l: &Line) {
    out.push_str("      <Товар>\n");
    element(out, 8, "Ид", &l.id);
    if let Some(article) = &l.article {
        element(out, 8, "Артикул", article);
    }
    element(out, 8, "Наименование", &l.name);
    if let Some(unit) = &l.unit {
        let code = l.unit_code.as_deref().map(|c| format!(" Код=\"{}\"", escape(c))).unwrap_or_default();
        let _ = writeln!(out, "        <БазоваяЕдиница{code}>{}</БазоваяЕдиница>", escape(unit.as_str()));
    }
    element(out, 8, "ЦенаЗаЕдиницу", &l.price.to_string());
    element(out, 8, "Количество", &l.quantity.to_string());
    element(out, 8, "Сумма", &l.sum.to_string());
    requisites(out, 8, &l.requisites);
    out.push_str("      </Товар>\n");
}

/// `documents` as one CommerceML file of `version` (`2.08`), formed at
/// `formed_at` (`2026-12-07T12:00:00`), in UTF-8.
pub fn write_documents(documents: &[Document], version: &str, formed_at: &str) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<КоммерческаяИнформация ВерсияСхемы=\"{}\" ДатаФормирования=\"{}\">",
        escape(version),
        escape(formed_at)
    );
    for d in documents {
        out.push_str("  <Документ>\n");
        element(&mut out, 4, "Ид", &d.id);
        element(&mut out, 4, "Номер", &d.number);
        element(&mut out, 4, "Дата", &d.date);
        if let Some(time) = &d.time {
            element(&mut out, 4, "Время", time);
        }
        element(&mut out, 4, "ХозОперация", &d.operation);
        element(&mut out, 4, "Роль", &d.role);
        element(&mut out, 4, "Валюта", &d.currency);
        element(&mut out, 4, "Курс", "1");
        element(&mut out, 4, "Сумма", &d.sum.to_string());
        if !d.counterparties.is_empty() {
            out.push_str("    <Контрагенты>\n");
            for c in &d.counterparties {
                counterparty(&mut out, c);
            }
            out.push_str("    </Контрагенты>\n");
        }
        if let Some(comment) = &d.comment {
            element(&mut out, 4, "Комментарий", comment);
        }
        out.push_str("    <Товары>\n");
        for l in &d.lines {
            line(&mut out, l);
        }
        out.push_str("    </Товары>\n");
        requisites(&mut out, 4, &d.requisites);
        out.push_str("  </Документ>\n");
    }
    out.push_str("</КоммерческаяИнформация>\n");
    out
}

fn pairs(node: &Node, list: &str, item: &str, key: &str, value: &str) -> Vec<(String, String)> {
    node.child(list)
        .map(|l| {
            l.children(item)
                .filter_map(|i| Some((i.text_at(key)?, i.text_at(value).unwrap_or_default())))
                .collect()
        })
        .unwrap_or_default()
}

fn amount(doc: &str, what: &str, node: &Node, field: &str) -> Result<Decimal, Error> {
    let text = node.text_at(field).unwrap_or_else(|| "0".into());
    number(&text).ok_or_else(|| Error::invalid(format!("Документ {doc}"), format!("{what} {field} {text:?}")))
}

fn document(node: &Node) -> Result<Document, Error> {
    let id = node.text_at("Ид").ok_or_else(|| Error::invalid("Документ", "has no Ид"))?;
    let counterparties = node
        .child("Контрагенты")
        .map(|list| {
            list.children("Контрагент")
                .map(|c| Counterparty {
                    id: c.text_at("Ид").unwrap_or_default(),
                    name: c
                        .text_at("Наименование")
                        .or_else(|| c.text_at("ПолноеНаименование"))
                        .unwrap_or_default(),
                    role: c.text_at("Роль").unwrap_or_default(),
                    contacts: pairs(c, "Контакты", "Контакт", "Тип", "Значение"),
                    address: c
                        .text_at("АдресРегистрации/Представление")
                        .or_else(|| c.text_at("Адрес/Представление")),
                })
                .collect()
        })
        .unwrap_or_default();
    let lines = node
        .child("Товары")
        .map(|list| {
            list.children("Товар")
                .map(|l| {
                    let unit = l.child("БазоваяЕдиница");
                    Ok(Line {
                        id: l.text_at("Ид").unwrap_or_default(),
                        article: l.text_at("Артикул"),
                        name: l.text_at("Наименование").unwrap_or_default(),
                        unit: unit.map(|u| u.text.trim().to_owned()).filter(|u| !u.is_empty()),
                        unit_code: unit.and_then(|u| u.attribute("Код")).map(|c| c.trim().to_owned()),
                        price: amount(&id, "line", l, "ЦенаЗаЕдиницу")?,
                        quantity: amount(&id, "line", l, "Количество")?,
                        sum: amount(&id, "line", l, "Сумма")?,
                        requisites: pairs(
                            l,
                            "ЗначенияРеквизитов",
                            "ЗначениеРеквизита",
                            "Наименование",
                            "Значение",
                        ),
                    })
                })
                .collect::<Result<Vec<_>, Error>>()
        })
        .transpose()?
        .unwrap_or_default();
    Ok(Document {
        number: node.text_at("Номер").unwrap_or_else(|| id.clone()),
        date: node.text_at("Дата").unwrap_or_default(),
        time: node.text_at("Время"),
        operation: node.text_at("ХозОперация").unwrap_or_default(),
        role: node.text_at("Роль").unwrap_or_default(),
        currency: node.text_at("Валюта").unwrap_or_default(),
        sum: amount(&id, "document", node, "Сумма")?,
        counterparties,
        comment: node.text_at("Комментарий"),
        lines,
        requisites: pairs(node, "ЗначенияРеквизитов", "ЗначениеРеквизита", "Наименование", "Значение"),
        id,
    })
}

fn wanted(path: &str) -> Want {
    if path == "Документ" { Want::Record } else { Want::Nothing }
}

/// Reads the documents of an `orders.xml` (1C's changes of `type=sale`, or
/// ours read back), one by one.
pub fn read_documents<R: BufRead>(input: R) -> impl Iterator<Item = Result<Document, Error>> {
    records(input, wanted).filter_map(|item| match item {
        Err(e) => Some(Err(e)),
        Ok(Item::Record { node, .. }) => Some(document(&node)),
        Ok(_) => None,
    })
}
