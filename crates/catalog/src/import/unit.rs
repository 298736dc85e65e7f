//! How a feed offer's unit of sale is decided, as Russian shops' platforms
//! export it: a unit parameter under any of its usual names
//! (`Единица измерения`, `Ед. изм.`, `Единица`, `unit`, `Цена за`, …, any
//! case), its value in any usual spelling (`шт`, `кг`, `г`, `л`, `мл`,
//! `kg`, `pcs`, …) or in the parameter's `unit` attribute; else a
//! weighted-goods flag (`Весовой товар: да`); else pieces. The import report
//! counts each way, so a merchant sees how their feed was read.

use domain::Unit;

/// One `<param name="…" unit="…">value</param>` of an offer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub value: String,
    pub unit: Option<String>,
}

/// How the unit was decided, for the import report.
pub const BY_UNIT_PARAM: &str = "unit parameter";
pub const BY_WEIGHTED_FLAG: &str = "weighted-goods flag";
pub const BY_DEFAULT: &str = "no unit given: pieces";
/// A feed field that names the unit itself (the CSV `unit` column).
pub const BY_FIELD: &str = "unit field";

/// A parameter name without case, spaces, dots, dashes or underscores.
fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect()
}

const UNIT_PARAMS: [&str; 12] = [
    "единицаизмерения",
    "едизм",
    "едизмерения",
    "единица",
    "единицы",
    "unit",
    "units",
    "unitofmeasure",
    "measure",
    "ценаза",
    "продаетсяв",
    "мера",
];

const WEIGHTED_FLAGS: [&str; 10] = [
    "весовойтовар",
    "весовой",
    "весовое",
    "поразвес",
    "наразвес",
    "развес",
    "продаетсянаразвес",
    "продаетсяповесу",
    "weighted",
    "soldbyweight",
];

/// A unit as shops write it: any case, with or without a dot, in Russian or
/// English. `None` for anything else.
pub fn parse_unit(text: &str) -> Option<Unit> {
    let word = text.trim().trim_end_matches('.').to_lowercase().replace('ё', "е");
    Some(match word.as_str() {
        "шт" | "штука" | "штуки" | "штук" | "pcs" | "pc" | "piece" | "pieces" | "ед" | "упак" | "уп"
        | "pack" => Unit::Pcs,
        "кг" | "килограмм" | "килограммы" | "kg" | "kilogram" | "kilo" => Unit::Kg,
        "г" | "гр" | "грамм" | "граммы" | "g" | "gr" | "gram" => Unit::G,
        "л" | "литр" | "литры" | "l" | "liter" | "litre" => Unit::L,
        "мл" | "миллилитр" | "ml" => Unit::Ml,
        _ => return None,
    })
}

fn truthy(text: &str) -> bool {
    matches!(text.trim().to_lowercase().as_str(), "да" | "yes" | "true" | "1" | "y" | "+")
}

/// The offer's unit of sale from its parameters, and how it was decided;
/// `Err` names a unit parameter whose value is no unit we know (a misread
/// unit would price a kilogram as a piece).
pub fn decide(params: &[Param]) -> Result<(Unit, &'static str), String> {
    if let Some(p) = params.iter().find(|p| UNIT_PARAMS.contains(&squash(&p.name).as_str())) {
        return match parse_unit(&p.value).or_else(|| p.unit.as_deref().and_then(parse_unit)) {
            Some(unit) => Ok((unit, BY_UNIT_PARAM)),
            None => Err(format!("param {:?}: {:?} is not a unit (шт, кг, г, л, мл)", p.name, p.value)),
        };
    }
    if params.iter().any(|p| WEIGHTED_FLAGS.contains(&squash(&p.name).as_str()) && truthy(&p.value)) {
        return Ok((Unit::Kg, BY_WEIGHTED_FLAG));
    }
    Ok((Unit::Pcs, BY_DEFAULT))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(name: &str, value: &str, unit: Option<&str>) -> Param {
        Param { name: name.into(), value: value.into(), unit: unit.map(str::to_owned) }
    }

    #[test]
    fn every_usual_name_and_spelling_of_a_unit() {
        let names = [
            "Единица измерения",
            "ЕД. ИЗМ.",
            "Ед.изм",
            "единица",
            "unit",
            "Unit",
            "Цена за",
            "Ед. измерения",
        ];
        let values = [
            ("кг", Unit::Kg),
            ("КГ", Unit::Kg),
            ("кг.", Unit::Kg),
            ("kg", Unit::Kg),
            ("шт", Unit::Pcs),
            ("шт.", Unit::Pcs),
            ("PCS", Unit::Pcs),
            ("г", Unit::G),
            ("гр.", Unit::G),
            ("л", Unit::L),
            ("Литр", Unit::L),
            ("мл", Unit::Ml),
        ];
        for name in names {
            for (value, unit) in values {
                assert_eq!(decide(&[param(name, value, None)]), Ok((unit, BY_UNIT_PARAM)), "{name}: {value}");
            }
        }
    }

    #[test]
    fn a_unit_attribute_a_weighted_flag_and_the_default() {
        assert_eq!(decide(&[param("Единица измерения", "", Some("кг"))]), Ok((Unit::Kg, BY_UNIT_PARAM)));
        for (name, value) in
            [("Весовой товар", "да"), ("весовой", "Да"), ("Weighted", "true"), ("На развес", "1")]
        {
            assert_eq!(decide(&[param(name, value, None)]), Ok((Unit::Kg, BY_WEIGHTED_FLAG)), "{name}");
        }
        assert_eq!(decide(&[param("Весовой товар", "нет", None)]), Ok((Unit::Pcs, BY_DEFAULT)));
        // A weight of the pack is not the unit of sale.
        assert_eq!(decide(&[param("Вес", "500", Some("г"))]), Ok((Unit::Pcs, BY_DEFAULT)));
        assert_eq!(decide(&[]), Ok((Unit::Pcs, BY_DEFAULT)));
        // The unit parameter wins over the flag.
        let both = [param("Весовой товар", "да", None), param("Ед. изм.", "шт", None)];
        assert_eq!(decide(&both), Ok((Unit::Pcs, BY_UNIT_PARAM)));
    }

    #[test]
    fn an_unknown_unit_is_refused_with_its_name() {
        let error = decide(&[param("Единица измерения", "коробка", None)]).unwrap_err();
        assert!(error.contains("коробка"), "{error}");
    }
}
