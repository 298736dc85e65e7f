//! VAT rates of Russian sales (54-FZ tag 1199), as catalog feeds write them.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VatRate {
    /// Not subject to VAT ("без НДС").
    None,
    Vat0,
    Vat5,
    Vat7,
    Vat10,
    Vat20,
    /// 10/110: VAT included in an advance.
    Vat110,
    /// 20/120: VAT included in an advance.
    Vat120,
}

impl VatRate {
    pub const ALL: [VatRate; 8] = [
        VatRate::None,
        VatRate::Vat0,
        VatRate::Vat5,
        VatRate::Vat7,
        VatRate::Vat10,
        VatRate::Vat20,
        VatRate::Vat110,
        VatRate::Vat120,
    ];

    /// How it is stored and shown: `none`, `0`, `5`, `7`, `10`, `20`,
    /// `10/110`, `20/120`.
    pub const fn as_str(self) -> &'static str {
        match self {
            VatRate::None => "none",
            VatRate::Vat0 => "0",
            VatRate::Vat5 => "5",
            VatRate::Vat7 => "7",
            VatRate::Vat10 => "10",
            VatRate::Vat20 => "20",
            VatRate::Vat110 => "10/110",
            VatRate::Vat120 => "20/120",
        }
    }

    /// A rate as a feed writes it: `20`, `20%`, `НДС 20%`, `без НДС`,
    /// `none`, `10/110`, or Yandex Market's `VAT_20`, `NO_VAT`,
    /// `VAT_20_120`.
    pub fn parse(text: &str) -> Option<VatRate> {
        let text = text.trim().to_lowercase();
        let text = text.strip_prefix("ндс").unwrap_or(&text).trim();
        let text = text.strip_prefix("vat_").unwrap_or(text).trim_end_matches('%').trim();
        Some(match text {
            "none" | "без ндс" | "no_vat" | "no vat" => VatRate::None,
            "0" => VatRate::Vat0,
            "5" => VatRate::Vat5,
            "7" => VatRate::Vat7,
            "10" => VatRate::Vat10,
            "20" => VatRate::Vat20,
            "10/110" | "10_110" => VatRate::Vat110,
            "20/120" | "20_120" => VatRate::Vat120,
            _ => return None,
        })
    }
}

impl fmt::Display for VatRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_as_feeds_write_them() {
        let cases = [
            ("20", Some(VatRate::Vat20)),
            ("20%", Some(VatRate::Vat20)),
            (" 10 ", Some(VatRate::Vat10)),
            ("НДС 20%", Some(VatRate::Vat20)),
            ("0", Some(VatRate::Vat0)),
            ("5%", Some(VatRate::Vat5)),
            ("7", Some(VatRate::Vat7)),
            ("Без НДС", Some(VatRate::None)),
            ("none", Some(VatRate::None)),
            ("20/120", Some(VatRate::Vat120)),
            ("10/110", Some(VatRate::Vat110)),
            ("VAT_20", Some(VatRate::Vat20)),
            ("VAT_10_110", Some(VatRate::Vat110)),
            ("NO_VAT", Some(VatRate::None)),
            ("VAT_0", Some(VatRate::Vat0)),
            ("18", None),
            ("twenty", None),
            ("", None),
        ];
        for (text, rate) in cases {
            assert_eq!(VatRate::parse(text), rate, "{text:?}");
        }
    }

    #[test]
    fn the_stored_form_reads_back() {
        for rate in VatRate::ALL {
            assert_eq!(VatRate::parse(rate.as_str()), Some(rate));
        }
    }
}
