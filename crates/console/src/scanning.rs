//! Scanning on the picking page. A scanner types a code and Enter into the
//! form's scan field; the form comes back filled by what the code means
//! (`orders::kuper::scan` decides): a piece counted, a line weighed from a
//! scale's label, a product of no line offered as a replacement. Nothing
//! is stored until a step of the flow is taken: the counts travel in the
//! form, so the page works the same without its script. The first scan
//! starts the counts from nothing (the form otherwise proposes what was
//! ordered); a code that cannot be taken changes nothing and says why
//! beside the field.

use std::collections::HashMap;

use catalog::barcode::{self, Scanned};
use domain::{SkuId, StoreId};
use orders::kuper::KuperOrderView;
use orders::kuper::scan::{ScanLine, ScanStep, scan};

use crate::ConsoleState;
use crate::picking::FormError;

/// The form field the code is typed into.
pub const FIELD: &str = "scan";
/// Set once the counts come from scans.
const SCANNING: &str = "scanning";

/// The form after a scan: what it now holds, and what to say beside the
/// scan field.
pub(crate) struct Scan {
    pub typed: HashMap<String, String>,
    pub said: Result<Option<String>, FormError>,
}

impl Scan {
    fn refused(form: &HashMap<String, String>, message: impl Into<String>) -> Scan {
        Scan { typed: without_code(form), said: Err(FormError::at(FIELD, message)) }
    }
}

fn without_code(form: &HashMap<String, String>) -> HashMap<String, String> {
    let mut typed = form.clone();
    typed.remove(FIELD);
    typed.remove("action");
    typed
}

/// A product the scan is about, as the catalog knows it.
struct Known {
    sku: String,
    name: String,
    weighted: bool,
}

/// What the picker is told when the catalog cannot be read: the cause
/// goes to the log, not onto the page.
fn catalog_down(e: &catalog::RepoError) -> String {
    tracing::warn!(error = %e, "console: a scan could not read the catalog");
    "каталог сейчас недоступен — отсканируйте ещё раз".to_owned()
}

fn count(typed: &HashMap<String, String>, field: &str) -> u32 {
    typed.get(field).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
}

/// Reads the scan field of `form` against `order` and fills the form.
pub(crate) async fn apply(
    state: &ConsoleState,
    order: &KuperOrderView,
    form: &HashMap<String, String>,
) -> Scan {
    let code = form.get(FIELD).map_or("", |c| c.trim());
    if code.is_empty() {
        return Scan { typed: without_code(form), said: Ok(None) };
    }
    let scanned = match barcode::read(code, state.scanning.labels) {
        Ok(scanned) => scanned,
        Err(e) => return Scan::refused(form, e.to_string()),
    };
    // The order's own lines (not its replacements), by their index in the
    // form.
    let own: Vec<usize> = (0..order.lines.len()).filter(|&i| order.lines[i].replaces.is_none()).collect();
    let skus: Vec<SkuId> =
        own.iter().filter_map(|&i| SkuId::new(order.lines[i].sku.as_deref()?).ok()).collect();
    let products = match state.catalog.repo.products(&skus).await {
        Ok(products) => products,
        Err(e) => return Scan::refused(form, catalog_down(&e)),
    };
    let barcode_of =
        |sku: &str| products.iter().find(|p| p.sku.as_str() == sku).and_then(|p| p.barcode.clone());
    let name_of = |i: usize| {
        let sku = order.lines[i].sku.as_deref().unwrap_or_default();
        products
            .iter()
            .find(|p| p.sku.as_str() == sku)
            .map_or_else(|| order.lines[i].position_id.clone(), |p| p.name.clone())
    };
    let mut typed = without_code(form);
    if !typed.contains_key(SCANNING) {
        for &i in &own {
            let field = if order.lines[i].weighted { format!("grams_{i}") } else { format!("qty_{i}") };
            typed.insert(field, "0".into());
        }
    }
    let barcodes: Vec<Option<String>> =
        own.iter().map(|&i| order.lines[i].sku.as_deref().and_then(barcode_of)).collect();
    let lines: Vec<ScanLine<'_>> = own
        .iter()
        .zip(&barcodes)
        .map(|(&i, code)| {
            let line = &order.lines[i];
            let field = if line.weighted { format!("grams_{i}") } else { format!("qty_{i}") };
            ScanLine {
                sku: line.sku.as_deref(),
                barcode: code.as_deref(),
                weighted: line.weighted,
                ordered: line.ordered,
                count: count(&typed, &field),
            }
        })
        .collect();
    let step = match scan(&lines, &scanned, state.scanning.weight_tolerance_permille) {
        Ok(step) => step,
        Err(refusal) => return Scan::refused(form, refusal.to_string()),
    };
    let said = match step {
        ScanStep::Pieces { line, pieces } => {
            let i = own[line];
            typed.insert(format!("qty_{i}"), pieces.to_string());
            format!("{}: {pieces} из {} шт", name_of(i), order.lines[i].ordered.whole_units())
        }
        ScanStep::Weighed { line, grams } => {
            let i = own[line];
            typed.insert(format!("grams_{i}"), grams.to_string());
            format!("{}: {grams} г (заказано {} г)", name_of(i), order.lines[i].ordered.thousandths())
        }
        ScanStep::Selected { line } => {
            format!("{}: взвесьте и отсканируйте этикетку весов", name_of(own[line]))
        }
        ScanStep::NotInOrder => match replacement(state, order, &own, &mut typed, &scanned).await {
            Ok(said) => said,
            Err(message) => return Scan::refused(form, message),
        },
    };
    typed.insert(SCANNING.into(), "1".into());
    Scan { typed, said: Ok(Some(said)) }
}

/// The product a code of no line names, as the store sells it.
async fn known(state: &ConsoleState, store: &str, scanned: &Scanned) -> Result<Option<Known>, String> {
    let repo = &state.catalog.repo;
    let unavailable = |e: catalog::RepoError| catalog_down(&e);
    let found = match scanned {
        Scanned::Product(code) => {
            repo.products_by_barcode(std::slice::from_ref(code)).await.map_err(unavailable)?
        }
        Scanned::Weighed { key, article, .. } => {
            // The feed names a weighed product by its label with no
            // weight, or by the article's number as its SKU.
            let layout = state.scanning.labels;
            let body = format!("{key}{}", "0".repeat(usize::from(layout.weight_digits())));
            let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
            let label = format!("{body}{}", barcode::check_digit(&digits));
            let mut found = repo.products_by_barcode(&[label]).await.map_err(unavailable)?;
            let number = article.trim_start_matches('0');
            let skus: Vec<SkuId> =
                [article.as_str(), number].iter().filter_map(|s| SkuId::new(*s).ok()).collect();
            found.extend(repo.products(&skus).await.map_err(unavailable)?);
            found
        }
    };
    let Some(product) = found.into_iter().find(|p| scanned.names(p.sku.as_str(), p.barcode.as_deref()))
    else {
        return Ok(None);
    };
    let store = StoreId::new(store).map_err(|e| e.to_string())?;
    let offers = repo
        .offers(std::slice::from_ref(&product.sku), Some(std::slice::from_ref(&store)))
        .await
        .map_err(unavailable)?;
    if offers.is_empty() {
        return Err(format!("{} в этом магазине не продаётся", product.name));
    }
    Ok(Some(Known {
        sku: product.sku.to_string(),
        weighted: orders::kuper::intake::sold_by_weight(product.unit.as_str()),
        name: product.name,
    }))
}

/// A product of no line: counted again if it already replaces a line,
/// else offered as the replacement of the first line with nothing found
/// (or else the first found short) that has none, as if typed into its
/// replacement field.
async fn replacement(
    state: &ConsoleState,
    order: &KuperOrderView,
    own: &[usize],
    typed: &mut HashMap<String, String>,
    scanned: &Scanned,
) -> Result<String, String> {
    let code = match scanned {
        Scanned::Product(code) | Scanned::Weighed { key: code, .. } => code.clone(),
    };
    let Some(product) = known(state, &order.store_id, scanned).await? else {
        return Err(format!("штрихкод {code} не знаем: его нет в каталоге"));
    };
    let grams = match scanned {
        Scanned::Weighed { grams, .. } => Some(*grams),
        Scanned::Product(_) if product.weighted => {
            return Err(format!("{}: отсканируйте этикетку весов, не упаковку", product.name));
        }
        Scanned::Product(_) => None,
    };
    let replaces = |i: usize| typed.get(&format!("repl_{i}")).is_some_and(|r| r.trim() == product.sku);
    if let Some(&i) = own.iter().find(|&&i| replaces(i)) {
        if let Some(grams) = grams {
            typed.insert(format!("repl_grams_{i}"), grams.to_string());
            return Ok(format!("замена {}: {grams} г", product.name));
        }
        let pieces = count(typed, &format!("repl_qty_{i}")) + 1;
        typed.insert(format!("repl_qty_{i}"), pieces.to_string());
        return Ok(format!("замена {}: {pieces} шт", product.name));
    }
    let picked = |i: usize| {
        let line = &order.lines[i];
        if line.weighted {
            i64::from(count(typed, &format!("grams_{i}")))
        } else {
            i64::from(count(typed, &format!("qty_{i}"))) * 1000
        }
    };
    let free = |i: usize| typed.get(&format!("repl_{i}")).is_none_or(|r| r.trim().is_empty());
    // A line not found at all first, then one found short.
    let none_found = own.iter().find(|&&i| picked(i) == 0 && free(i));
    let short = || own.iter().find(|&&i| picked(i) < order.lines[i].ordered.thousandths() && free(i));
    let Some(&i) = none_found.or_else(short) else {
        return Err(format!(
            "{} не из заказа, а заменять нечего: все позиции собраны или уже с заменой",
            product.name
        ));
    };
    typed.insert(format!("repl_{i}"), product.sku.clone());
    match grams {
        Some(grams) => typed.insert(format!("repl_grams_{i}"), grams.to_string()),
        None => typed.insert(format!("repl_qty_{i}"), "1".into()),
    };
    Ok(format!(
        "{} — не из заказа: предложен заменой позиции {} ({})",
        product.name,
        own.iter().position(|&j| j == i).unwrap_or(0) + 1,
        order.lines[i].position_id
    ))
}
