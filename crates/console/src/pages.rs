//! The console's pages (maud): plain HTML with an inline stylesheet, no
//! script, readable on a store's tablet.

use identity::staff::StaffAccount;
use maud::{DOCTYPE, Markup, html};
use orders::kuper::{Attention, KuperOrderView};
use storage::{AuditEntry, BookEntry};

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#222}\
header{background:#1f4e79;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:center}\
header a{color:#fff}main{padding:1rem}table{border-collapse:collapse;width:100%}\
td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}.error{color:#b00020}\
.attention{background:#fff4e5}form.inline{display:inline}label{display:block;margin:.5rem 0}";

fn layout(title: &str, staff: Option<(&StaffAccount, &str)>, body: &Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="ru" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — консоль магазина" }
                style { (STYLE) }
            }
            body {
                header {
                    strong { "Консоль магазина" }
                    @if let Some((account, csrf)) = staff {
                        a href="/" { "Очередь" }
                        span { (account.name) " (" (account.role.as_str()) ")" }
                        form.inline method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" { "Выйти" }
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    }
}

pub fn message(title: &str, text: &str) -> Markup {
    layout(title, None, &html! { p { (text) } p { a href="/" { "В очередь" } } })
}

pub fn login(login: &str, csrf: &str, error: Option<&str>) -> Markup {
    layout(
        "Вход",
        None,
        &html! {
            form method="post" action="/login" {
                input type="hidden" name="csrf" value=(csrf);
                label { "Логин " input name="login" autocomplete="username" value=(login); }
                label { "Пароль " input name="password" type="password" autocomplete="current-password"; }
                @if let Some(error) = error { p.error id="login-error" { (error) } }
                button type="submit" { "Войти" }
            }
        },
    )
}

fn order_link(entry: &BookEntry) -> Markup {
    if let (Some(original), "kuper") = (&entry.external_id, entry.channel.as_str()) {
        html! { a href=(format!("/orders/kuper/{original}")) { (original) } }
    } else {
        html! { (entry.id) }
    }
}

#[allow(clippy::too_many_arguments)]
pub fn queue(
    account: &StaffAccount,
    csrf: &str,
    book: &[BookEntry],
    attention: &[Attention],
    store: Option<&str>,
    status: Option<&str>,
    channel: Option<&str>,
) -> Markup {
    let value = |v: Option<&str>| v.unwrap_or_default().to_owned();
    layout(
        "Очередь заказов",
        Some((account, csrf)),
        &html! {
            @if !attention.is_empty() {
                section.attention id="attention" {
                    h2 { "Требует внимания" }
                    ul {
                        @for a in attention {
                            li { a href=(format!("/orders/kuper/{}", a.original_order_id)) { (a.original_order_id) } " — " (a.kind) ": " (a.note) }
                        }
                    }
                }
            }
            form method="get" action="/" {
                label { "Магазин " input name="store" value=(value(store)); }
                label { "Статус " input name="status" value=(value(status)); }
                label { "Канал "
                    select name="channel" {
                        option value="" { "все" }
                        option value="kuper" selected[channel == Some("kuper")] { "Купер" }
                        option value="mcp" selected[channel == Some("mcp")] { "ИИ-агенты (MCP)" }
                    }
                }
                button type="submit" { "Показать" }
            }
            table id="queue" {
                thead { tr { th { "Заказ" } th { "Канал" } th { "Статус" } th { "Магазин" } th { "Получение" } th { "Создан (UTC)" } } }
                tbody {
                    @for entry in book {
                        tr.order data-channel=(entry.channel) {
                            td { (order_link(entry)) }
                            td { (entry.channel) }
                            td { (entry.status) }
                            td { (entry.store) }
                            td { (entry.fulfilment) }
                            td { (entry.created_at.format("%Y-%m-%d %H:%M")) }
                        }
                    }
                }
            }
            @if book.is_empty() { p { "Заказов нет." } }
        },
    )
}

/// The picking form: per line what was found (pieces, or grams for goods
/// sold by weight), a replacement, and the steps of the flow.
fn picking_form(csrf: &str, order: &KuperOrderView, error: Option<&str>) -> Markup {
    html! {
        form method="post" action=(format!("/orders/kuper/{}/step", order.original_order_id)) id="picking" {
            input type="hidden" name="csrf" value=(csrf);
            table {
                thead { tr { th { "Позиция" } th { "Собрано" } th { "Замена" } th { "Сколько замены" } } }
                tbody {
                    @for (i, line) in order.lines.iter().enumerate().filter(|(_, l)| l.replaces.is_none()) {
                        tr {
                            td { (line.position_id) }
                            td {
                                @if line.weighted {
                                    input type="number" min="0" name=(format!("grams_{i}")) value=(line.ordered.thousandths()); " г"
                                } @else {
                                    input type="number" min="0" name=(format!("qty_{i}")) value=(line.ordered.whole_units()); " шт"
                                }
                            }
                            td { input name=(format!("repl_{i}")) placeholder="SKU замены"; }
                            td {
                                input type="number" min="0" name=(format!("repl_qty_{i}")) placeholder="шт";
                                input type="number" min="0" name=(format!("repl_grams_{i}")) placeholder="г";
                            }
                        }
                    }
                }
            }
            label { "Пакетов " input type="number" min="1" name="packs" value="1"; }
            label { "Код выдачи " input name="code"; }
            label { "Причина отмены " input name="reason"; }
            @if let Some(error) = error { p.error id="step-error" { (error) } }
            @for (action, label) in crate::picking::STEPS {
                button type="submit" name="action" value=(action) { (label) } " "
            }
        }
    }
}

pub fn kuper_order(
    account: &StaffAccount,
    csrf: &str,
    order: &KuperOrderView,
    trail: &[AuditEntry],
    error: Option<&str>,
) -> Markup {
    let d = &order.details;
    let kuper_status = order.kuper_status.map_or("—", |s| s.as_str());
    layout(
        &format!("Заказ Купера {}", order.original_order_id),
        Some((account, csrf)),
        &html! {
            dl {
                dt { "Наш номер" } dd { (order.order_id) }
                dt { "Магазин" } dd { (order.store_id) " (" (order.integration.as_str()) ")" }
                dt { "Статус" } dd id="status" { (order.status.as_str()) @if order.paid { ", оплачен" } }
                dt { "У Купера" } dd { (kuper_status) }
                @if let Some(c) = &d.customer { dt { "Покупатель" } dd { (c.name.clone().unwrap_or_default()) " " (c.phone.clone().unwrap_or_default()) } }
                @if let Some(a) = &d.address { dt { "Адрес" } dd { (a.full_address.clone().unwrap_or_default()) } }
                @if let Some(w) = &d.delivery { dt { "Окно доставки" } dd { (w.expected_from.clone().unwrap_or_default()) " — " (w.expected_to.clone().unwrap_or_default()) } }
                @if let Some(c) = &d.comment { dt { "Комментарий" } dd { (c) } }
                @if let Some(p) = &d.replacement_policy { dt { "Замены" } dd { (p) } }
                @if let Some(c) = &d.cancel { dt { "Отмена" } dd { (c.by) ": " (c.code.clone().unwrap_or_default()) " " (c.comment.clone().unwrap_or_default()) } }
            }
            h2 { "Позиции" }
            table id="lines" {
                thead { tr { th { "Позиция" } th { "Наш SKU" } th { "Заказано" } th { "В резерве" } th { "Собрано" } } }
                tbody {
                    @for l in &order.lines {
                        tr {
                            td { (l.position_id) @if let Some(r) = &l.replaces { " (замена " (r) ")" } }
                            td { (l.sku.clone().unwrap_or_else(|| "—".into())) }
                            td { (l.ordered.to_string()) @if l.weighted { " кг" } }
                            td { (l.held.to_string()) }
                            td { (l.picked.map(|p| p.to_string()).unwrap_or_default()) }
                        }
                    }
                }
            }
            @if !order.status.is_final() {
                h2 { "Сборка" }
                (picking_form(csrf, order, error))
            }
            h2 { "История" }
            table id="history" {
                tbody {
                    @for h in &order.history {
                        tr { td { (h.at.format("%Y-%m-%d %H:%M:%S")) } td { (if h.direction == "in" { "← Купер" } else { "→ Купер" }) } td { (h.kind) } td { (h.outcome) } td { (h.note.clone().unwrap_or_default()) } }
                    }
                }
            }
            @if !trail.is_empty() {
                h2 { "Действия сотрудников" }
                ul id="audit" { @for e in trail { li { (e.at.format("%Y-%m-%d %H:%M")) " " (e.login) ": " (e.action) } } }
            }
        },
    )
}
