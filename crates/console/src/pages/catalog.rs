//! The catalog page.

use catalog::reports::ImportRecord;
use identity::staff::StaffAccount;
use maud::{Markup, html};
use serde_json::Value;
use staff_desk::{CatalogOverview, ProductInStores};

use super::{clock, field_error, layout};

#[derive(Default)]
pub struct CatalogPage {
    pub overview: CatalogOverview,
    pub product: Option<ProductInStores>,
    pub sku_error: Option<String>,
}

pub fn page(account: &StaffAccount, csrf: &str, typed: Option<&str>, page: &CatalogPage) -> Markup {
    // A store's times on its clock; the merchant's own (feeds, batches)
    // in UTC, said so.
    let zone_of = |store: &str| page.overview.zones.get(store).map_or("UTC", String::as_str);
    layout(
        "Каталог",
        Some((account, csrf)),
        &html! {
            form method="get" action="/catalog" {
                label { "Товар (SKU) " input name="sku" value=(typed.unwrap_or_default());
                    (field_error("sku-error", page.sku_error.as_deref())) }
                button type="submit" { "Показать" }
            }
            @if let Some(p) = &page.product {
                h2 { (p.product.name) " (" (p.product.sku) ")" }
                p { (p.product.brand) " · " (p.product.category) " · продаётся в " (p.product.unit.to_string()) }
                table id="offers" {
                    thead { tr { th { "Магазин" } th { "Цена" } th { "На полке" } th { "Отчёт (время магазина)" } th { "В резерве" } th { "Продано после отчёта" } th { "Доступно" } } }
                    tbody {
                        @for f in &p.figures {
                            @let price = p.offers.iter().find(|o| o.store.as_str() == f.store_id).map(|o| o.price.to_string());
                            tr { td { (f.store_id) } td { (price.unwrap_or_default()) } td { (f.shelf) }
                                 td { (f.as_of.map(|t| clock(zone_of(&f.store_id), t, "%d.%m %H:%M %Z")).unwrap_or_default()) }
                                 td { (f.held) } td { (f.sold_after_report) } td { (f.available) } }
                        }
                    }
                }
            }
            h2 { "Последние загрузки каталога" }
            table id="imports" {
                thead { tr { th { "Когда (UTC)" } th { "Откуда" } th { "Итог" } th { "Что сделано" } } }
                tbody { @for i in &page.overview.imports { (import_row(i)) } }
            }
            @if page.overview.imports.is_empty() { p { "Загрузок ещё не было." } }
            h2 { "Последние отчёты об остатках" }
            table id="reports" {
                thead { tr { th { "Получен (UTC)" } th { "Пакет" } th { "Применено строк" } th { "Отклонено" } } }
                tbody {
                    @for (at, r) in &page.overview.batches {
                        tr {
                            td { (at.format("%Y-%m-%d %H:%M:%S")) } td { (r.batch_id) } td { (r.applied) }
                            td {
                                (r.refused.len())
                                @if !r.refused.is_empty() {
                                    ul { @for l in r.refused.iter().take(10) { li { "строка " (l.line + 1) ": " (l.sku) " в " (l.store_id) " — " (l.reason) } } }
                                }
                            }
                        }
                    }
                }
            }
            @if page.overview.batches.is_empty() { p { "Отчётов ещё не было." } }
            h2 { "Когда магазины сообщали остатки" }
            table id="report-times" {
                tbody { @for (store, at) in &page.overview.report_times { tr { td { (store) } td { (clock(zone_of(store), *at, "%d.%m %H:%M:%S %Z")) } } } }
            }
        },
    )
}

/// `added/updated` of one kind of thing in an import's report.
fn changed(report: &Value, what: &str) -> String {
    let n = |key: &str| report[what][key].as_i64().unwrap_or(0);
    let removed = report[what]["removed"].as_i64().map(|r| format!(", удалено {r}")).unwrap_or_default();
    format!("добавлено {}, обновлено {}{removed}", n("added"), n("updated"))
}

fn import_row(i: &ImportRecord) -> Markup {
    let r = &i.report;
    html! {
        tr {
            td { (i.at.format("%Y-%m-%d %H:%M:%S")) }
            td { (i.kind) ": " (i.source) }
            td { @if i.outcome == "applied" { "применена" } @else { strong.error { "отклонена" } } }
            td {
                @if let Some(error) = r["error"].as_str() { (error) " — ничего не изменено" }
                @else {
                    "магазины: " (changed(r, "stores")) br;
                    "товары: " (changed(r, "products")) br;
                    "предложения: " (changed(r, "offers")) br;
                    "отклонено строк: " (r["rejectedCount"].as_u64().unwrap_or(0))
                    @if let Some(lines) = r["rejected"].as_array().filter(|l| !l.is_empty()) {
                        ul { @for l in lines.iter().take(10) { li { "строка " (l["line"]) ": " (l["reason"].as_str().unwrap_or_default()) } } }
                    }
                }
            }
        }
    }
}
