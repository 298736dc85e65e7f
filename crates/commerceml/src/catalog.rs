//! `import.xml`: the classifier's groups and the catalog's products.

use std::io::BufRead;

use rust_decimal::Decimal;

use crate::xml::{Item, Node, Want, records};
use crate::{Error, number};

/// A group of the classifier, nested groups flattened with their parent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
}

/// A product (`Товар`) as 1C describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Product {
    /// `Ид`: 1C's GUID, the key offers name.
    pub id: String,
    /// `Артикул`, the merchant's own code when they keep one.
    pub article: Option<String>,
    pub name: String,
    /// `БазоваяЕдиница`: the unit's short name (`шт`, `кг`) and its OKEI
    /// code (`796`, `166`) when given.
    pub unit: Option<String>,
    pub unit_code: Option<String>,
    pub barcode: Option<String>,
    pub description: Option<String>,
    pub groups: Vec<String>,
    /// `ЗначенияРеквизитов`: 1C's own fields (`ВидНоменклатуры`,
    /// `Вес`, `ТипНоменклатуры`…) by name.
    pub requisites: Vec<(String, String)>,
    /// `СтавкиНалогов/СтавкаНалога` named НДС: `20`, `10`, `0`, or `Без
    /// налога`.
    pub vat: Option<String>,
    /// `Статус` `Удален` or `ПометкаУдаления` true: withdrawn in 1C.
    pub deleted: bool,
}

impl Product {
    pub fn requisite(&self, name: &str) -> Option<&str> {
        self.requisites.iter().find(|(k, _)| same(k, name)).map(|(_, v)| v.as_str())
    }

    /// The weight 1C keeps (`Вес`), when it says.
    pub fn weight(&self) -> Option<Decimal> {
        self.requisite("Вес").and_then(number)
    }
}

/// What `import.xml` holds, as it comes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatalogItem {
    /// The file is an update (`СодержитТолькоИзменения`): products not in
    /// it are kept; otherwise the file is the whole catalog.
    OnlyChanges(bool),
    Group(Group),
    Product(Product),
}

fn wanted(path: &str) -> Want {
    match path {
        "Каталог" => Want::Head,
        "Каталог/СодержитТолькоИзменения" | "Классификатор/Группы/Группа" | "Каталог/Товары/Товар" => {
            Want::Record
        }
        _ => Want::Nothing,
    }
}

/// Equal but for case, Cyrillic included.
fn same(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn truthy(text: &str) -> bool {
    matches!(text.trim().to_lowercase().as_str(), "true" | "истина" | "да" | "1")
}

fn groups(node: &Node, parent: Option<&str>, out: &mut Vec<Group>) {
    let id = node.text_at("Ид").unwrap_or_default();
    out.push(Group {
        id: id.clone(),
        name: node.text_at("Наименование").unwrap_or_default(),
        parent: parent.map(str::to_owned),
    });
    if let Some(children) = node.child("Группы") {
        for child in children.children("Группа") {
            groups(child, Some(&id), out);
        }
    }
}

fn requisites(node: &Node) -> Vec<(String, String)> {
    node.child("ЗначенияРеквизитов")
        .map(|list| {
            list.children("ЗначениеРеквизита")
                .filter_map(|r| Some((r.text_at("Наименование")?, r.text_at("Значение").unwrap_or_default())))
                .collect()
        })
        .unwrap_or_default()
}

fn product(node: &Node) -> Result<Product, Error> {
    let id = node.text_at("Ид").ok_or_else(|| Error::invalid("Товар", "has no Ид"))?;
    let unit = node.child("БазоваяЕдиница");
    let vat = node.child("СтавкиНалогов").and_then(|rates| {
        rates
            .children("СтавкаНалога")
            .find(|r| r.text_at("Наименование").is_some_and(|n| n.to_uppercase().contains("НДС")))
            .and_then(|r| r.text_at("Ставка"))
    });
    let deleted = node.text_at("Статус").is_some_and(|s| same(&s, "Удален"))
        || node.attribute("Статус").is_some_and(|s| same(s, "Удален"))
        || node.text_at("ПометкаУдаления").is_some_and(|s| truthy(&s));
    Ok(Product {
        name: node.text_at("Наименование").unwrap_or_else(|| id.clone()),
        article: node.text_at("Артикул"),
        unit: unit
            .map(|u| u.text.trim().to_owned())
            .filter(|u| !u.is_empty())
            .or_else(|| unit.and_then(|u| u.attribute("НаименованиеКраткое").map(str::to_owned))),
        unit_code: unit.and_then(|u| u.attribute("Код").map(|c| c.trim().to_owned())),
        barcode: node.text_at("Штрихкод"),
        description: node.text_at("Описание"),
        groups: node
            .child("Группы")
            .map(|g| g.children("Ид").map(|i| i.text.trim().to_owned()).collect())
            .unwrap_or_default(),
        requisites: requisites(node),
        vat,
        deleted,
        id,
    })
}

/// Reads `import.xml`, item by item; a product without an `Ид` stops the
/// file (1C never writes one: the file is not 1C's).
pub fn read_import<R: BufRead>(input: R) -> impl Iterator<Item = Result<CatalogItem, Error>> {
    records(input, wanted).flat_map(|item| {
        let out: Vec<Result<CatalogItem, Error>> = match item {
            Err(e) => vec![Err(e)],
            Ok(Item::Root(_)) => Vec::new(),
            Ok(Item::Head { node, .. }) => node
                .attribute("СодержитТолькоИзменения")
                .map(|v| Ok(CatalogItem::OnlyChanges(truthy(v))))
                .into_iter()
                .collect(),
            Ok(Item::Record { path, node }) => match path.as_str() {
                "Каталог/СодержитТолькоИзменения" => {
                    vec![Ok(CatalogItem::OnlyChanges(truthy(&node.text)))]
                }
                "Классификатор/Группы/Группа" => {
                    let mut all = Vec::new();
                    groups(&node, None, &mut all);
                    all.into_iter().map(|g| Ok(CatalogItem::Group(g))).collect()
                }
                _ => vec![product(&node).map(CatalogItem::Product)],
            },
        };
        out
    })
}
