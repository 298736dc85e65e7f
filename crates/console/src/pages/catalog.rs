//! The catalog page.

use catalog::stock::{BatchReport, OfferStockView};
use catalog::{Offer, Product};
use chrono::{DateTime, Utc};
use identity::staff::StaffAccount;
use maud::{Markup, html};

use super::{field_error, layout};

pub struct ProductInStores {
    pub product: Product,
    pub offers: Vec<Offer>,
    pub figures: Vec<OfferStockView>,
}

#[derive(Default)]
pub struct CatalogPage {
    pub reports: Vec<(DateTime<Utc>, BatchReport)>,
    pub report_times: Vec<(String, DateTime<Utc>)>,
    pub product: Option<ProductInStores>,
    pub sku_error: Option<String>,
}

pub fn page(account: &StaffAccount, csrf: &str, typed: Option<&str>, page: &CatalogPage) -> Markup {
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
                    thead { tr { th { "Магазин" } th { "Цена" } th { "На полке" } th { "Отчёт (UTC)" } th { "В резерве" } th { "Продано после отчёта" } th { "Доступно" } } }
                    tbody {
                        @for f in &p.figures {
                            @let price = p.offers.iter().find(|o| o.store.as_str() == f.store_id).map(|o| o.price.to_string());
                            tr { td { (f.store_id) } td { (price.unwrap_or_default()) } td { (f.shelf) }
                                 td { (f.as_of.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()) }
                                 td { (f.held) } td { (f.sold_after_report) } td { (f.available) } }
                        }
                    }
                }
            }
            h2 { "Последние отчёты об остатках" }
            table id="reports" {
                thead { tr { th { "Получен (UTC)" } th { "Пакет" } th { "Применено строк" } th { "Отклонено" } } }
                tbody {
                    @for (at, r) in &page.reports {
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
            @if page.reports.is_empty() { p { "Отчётов ещё не было." } }
            h2 { "Когда магазины сообщали остатки" }
            table id="report-times" {
                tbody { @for (store, at) in &page.report_times { tr { td { (store) } td { (at.format("%Y-%m-%d %H:%M:%S")) " UTC" } } } }
            }
        },
    )
}
