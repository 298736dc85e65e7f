//! The outbox page.

use identity::staff::StaffAccount;
use maud::{Markup, html};
use orders::kuper::OutboxRow;

use super::{kuper_link, layout};

fn order(row: &OutboxRow) -> Markup {
    row.original_order_id.as_deref().map_or_else(|| html! { (row.order_id) }, kuper_link)
}

pub fn page(
    account: &StaffAccount,
    csrf: &str,
    dead: &[OutboxRow],
    pending: &[OutboxRow],
    error: Option<&str>,
) -> Markup {
    layout(
        "Исходящие Куперу",
        Some((account, csrf)),
        &html! {
            @if let Some(error) = error { p.error id="outbox-error" role="alert" { (error) } }
            h2 { "Не приняты Купером (" (dead.len()) ")" }
            p { "Следующие уведомления заказа ждут, пока это не отправлено снова или не отброшено." }
            table id="dead" {
                thead { tr { th { "№" } th { "Заказ" } th { "Уведомление" } th { "Попыток" } th { "Ответ Купера" } th { "" } } }
                tbody {
                    @for row in dead {
                        tr data-id=(row.id) {
                            td { (row.id) } td { (order(row)) } td { (row.kind) } td { (row.attempts) }
                            td { (row.last_error.clone().unwrap_or_default()) }
                            td {
                                form.inline method="post" action=(format!("/outbox/{}", row.id)) {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button type="submit" name="action" value="retry" { "Отправить снова" }
                                    button type="submit" name="action" value="discard" { "Отбросить" }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "В очереди (" (pending.len()) ")" }
            table id="pending" {
                thead { tr { th { "№" } th { "Заказ" } th { "Уведомление" } th { "Попыток" } th { "Последняя ошибка" } } }
                tbody {
                    @for row in pending {
                        tr data-id=(row.id) { td { (row.id) } td { (order(row)) } td { (row.kind) } td { (row.attempts) } td { (row.last_error.clone().unwrap_or_default()) } }
                    }
                }
            }
        },
    )
}
