//! The console's pages (maud): plain HTML, readable on a store's tablet,
//! with the embedded stylesheet and script (`/assets/…`).

pub mod catalog;
pub mod kuper;
pub mod mcp;
pub mod outbox;
pub mod packing;
pub mod pick_list;
pub mod queue;

use identity::staff::{Permission, Role, StaffAccount};
use maud::{DOCTYPE, Markup, html};

/// A role as staff call it.
fn role(role: Role) -> &'static str {
    match role {
        Role::Admin => "администратор",
        Role::Operator => "оператор",
        Role::Picker => "сборщик",
    }
}

/// A status of either channel as staff call it; unknown ones as they are.
pub fn status(status: &str) -> &str {
    match status {
        // MCP
        "new" => "новый, не оплачен",
        "paid" => "оплачен",
        "processing" => "собирается",
        "ready_for_pickup" => "ждёт в магазине",
        "completed" => "выдан",
        // MCP's and Kuper's spelling.
        "cancelled" | "canceled" => "отменён",
        // Kuper
        "created" => "новый",
        "accepted" => "принят",
        "in_work" => "в сборке",
        "assembled" => "собран",
        "pickup_code_sent" => "код выдачи отправлен",
        "ready" | "ready_for_delivery" => "готов к выдаче",
        "received" => "получен курьером",
        "delivering" => "в доставке",
        "delivered" => "доставлен",
        other => other,
    }
}

pub(crate) fn layout(title: &str, staff: Option<(&StaffAccount, &str)>, body: &Markup) -> Markup {
    layout_with(title, staff, body, None)
}

/// [`layout`] with a stylesheet of the page's own (a printed list's paper).
pub(crate) fn layout_with(
    title: &str,
    staff: Option<(&StaffAccount, &str)>,
    body: &Markup,
    stylesheet: Option<&str>,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="ru" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — консоль магазина" }
                link rel="stylesheet" href="/assets/console.css";
                @if let Some(sheet) = stylesheet { link rel="stylesheet" href=(sheet); }
                script src="/assets/console.js" defer {}
            }
            body {
                header {
                    strong { "Консоль магазина" }
                    @if let Some((account, csrf)) = staff {
                        nav {
                            a href="/" { "Очередь" }
                            a href="/picklist" { "Лист сборки" }
                            @if account.may(Permission::ResolveStuck) { a href="/outbox" { "Исходящие Куперу" } }
                            a href="/catalog" { "Каталог" }
                        }
                        span.who { (account.name) " · " (role(account.role)) }
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

/// A time on the clock of a store in `zone` (IANA), as `format` writes it;
/// UTC, said so, for a zone that is not one.
pub(crate) fn clock(zone: &str, at: chrono::DateTime<chrono::Utc>, format: &str) -> String {
    match ::catalog::time_zone(zone) {
        Ok(zone) => at.with_timezone(&zone).format(format).to_string(),
        Err(_) => format!("{} UTC", at.format(format)),
    }
}

/// Where a page says once whose clock its times are.
pub(crate) fn zone_note(zone: &str) -> Markup {
    html! { p.zone #zone { "Время магазина: " (zone) } }
}

/// A link to a Kuper order's page.
pub(crate) fn kuper_link(original: &str) -> Markup {
    html! { a href=(format!("/orders/kuper/{original}")) { (original) } }
}

/// A form field's message, beside it.
pub(crate) fn field_error(id: &str, message: Option<&str>) -> Markup {
    html! { @if let Some(message) = message { span.error id=(id) role="alert" { (message) } } }
}

pub fn login(login: &str, csrf: &str, error: Option<&str>) -> Markup {
    layout(
        "Вход",
        None,
        &html! {
            form.login method="post" action="/login" {
                input type="hidden" name="csrf" value=(csrf);
                label { "Логин " input name="login" autocomplete="username" value=(login) required; }
                label { "Пароль " input name="password" type="password" autocomplete="current-password" required; }
                @if let Some(error) = error { p.error id="login-error" role="alert" { (error) } }
                button type="submit" { "Войти" }
            }
        },
    )
}
