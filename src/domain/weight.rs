//! Weights as tables and people write them: grams by default, or a
//! number with its unit (`450 g`, `450г`, `0,45 кг`, `0.45 kg`, `1 200 g`).
//! Stored in grams.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WeightUnit {
    Mg,
    G,
    Kg,
    Lb,
    Oz,
}

impl WeightUnit {
    pub fn grams(self) -> f64 {
        match self {
            WeightUnit::Mg => 0.001,
            WeightUnit::G => 1.0,
            WeightUnit::Kg => 1000.0,
            WeightUnit::Lb => 453.592_37,
            WeightUnit::Oz => 28.349_523_125,
        }
    }

    /// The unit a word names (`kg`, `кг`, `grams`, `гр`...), as written
    /// after a number or in a header; case and a final dot aside.
    pub fn from_word(w: &str) -> Option<WeightUnit> {
        let w = w.trim().trim_end_matches('.').to_lowercase();
        Some(match w.as_str() {
            "mg" | "мг" | "milligram" | "milligrams" | "миллиграмм" | "миллиграммов" => {
                WeightUnit::Mg
            }
            "g" | "gr" | "grs" | "gram" | "grams" | "gramme" | "grammes" | "г" | "гр" | "грамм"
            | "грамма" | "граммов" | "граммах" => WeightUnit::G,
            "kg"
            | "kgs"
            | "kilo"
            | "kilos"
            | "kilogram"
            | "kilograms"
            | "kilogramme"
            | "kilogrammes"
            | "кг"
            | "килограмм"
            | "килограмма"
            | "килограммов"
            | "килограммах" => WeightUnit::Kg,
            "lb" | "lbs" | "pound" | "pounds" => WeightUnit::Lb,
            "oz" | "ounce" | "ounces" => WeightUnit::Oz,
            _ => return None,
        })
    }
}

impl fmt::Display for WeightUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WeightUnit::Mg => "mg",
            WeightUnit::G => "g",
            WeightUnit::Kg => "kg",
            WeightUnit::Lb => "lb",
            WeightUnit::Oz => "oz",
        })
    }
}

impl std::str::FromStr for WeightUnit {
    type Err = String;
    fn from_str(s: &str) -> Result<WeightUnit, String> {
        WeightUnit::from_word(s).ok_or_else(|| format!("unit {s:?}: must be g, kg, mg, lb or oz"))
    }
}

/// Whether a character is part of a written number (digits, decimal
/// comma or point, spaces and apostrophes between thousands).
fn in_number(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, ',' | '.' | ' ' | '\u{a0}' | '\u{202f}' | '\'')
}

/// A number as written: `1 200`, `0,45`, `1,200.5`, `1.200,5`.
fn number(s: &str) -> Option<f64> {
    let s: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\''))
        .collect();
    let (commas, dots) = (s.matches(',').count(), s.matches('.').count());
    let plain = match (commas, dots) {
        (0, 0) | (0, 1) => s,
        (1, 0) => s.replace(',', "."),
        // Both: the last one is the decimal mark.
        (_, _) if commas > 0 && dots > 0 => {
            if s.rfind(',') > s.rfind('.') {
                s.replace('.', "").replace(',', ".")
            } else {
                s.replace(',', "")
            }
        }
        // Several of one kind: thousands.
        _ => s.replace([',', '.'], ""),
    };
    if plain.is_empty() || !plain.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    plain.parse().ok()
}

/// A weight in grams: the unit written after the number, else `unit`
/// (the field's or the column's); refused when neither says one.
pub fn parse_weight(raw: &str, unit: Option<WeightUnit>) -> Result<f64, String> {
    let t = raw.trim();
    let split = t.find(|c: char| !in_number(c)).unwrap_or(t.len());
    let (num, word) = (t[..split].trim(), t[split..].trim());
    let not_a_number = || format!("{t:?} is not a number (a weight such as 450, 450 g or 0,45 kg)");
    let n = number(num).ok_or_else(not_a_number)?;
    let unit = if word.is_empty() {
        unit.ok_or_else(|| {
            format!(
                "{t:?} has no unit and the column does not say one: write \"{t} g\" or \"{t} kg\", \
                 or give the column's unit in a mapping ([units] \"COLUMN\" = \"kg\")"
            )
        })?
    } else {
        WeightUnit::from_word(word).ok_or_else(|| {
            if word.chars().any(|c| c.is_alphabetic()) {
                format!("{t:?}: unknown unit {word:?} (g, kg, mg, lb or oz)")
            } else {
                not_a_number()
            }
        })?
    };
    let grams = n * unit.grams();
    // Rounded to a microgram: 0.45 kg is 450 g, not 450.00000000000006.
    let grams = (grams * 1e6).round() / 1e6;
    if !grams.is_finite() || grams <= 0.0 {
        return Err(format!("{t} must be greater than 0"));
    }
    Ok(grams)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_with_and_without_units() {
        let kg = Some(WeightUnit::Kg);
        let g = Some(WeightUnit::G);
        for (raw, unit, want) in [
            ("450", g, 450.0),
            ("450 g", kg, 450.0),
            ("450г", kg, 450.0),
            ("450 гр.", None, 450.0),
            ("0,45 кг", g, 450.0),
            ("0.45 kg", g, 450.0),
            ("0,45", kg, 450.0),
            ("1 200 g", None, 1200.0),
            ("1\u{a0}200", g, 1200.0),
            ("1,200.5 g", None, 1200.5),
            ("1.200,5 g", None, 1200.5),
            ("2 KG", None, 2000.0),
            ("12,5", g, 12.5),
            ("500 mg", None, 0.5),
        ] {
            assert_eq!(parse_weight(raw, unit), Ok(want), "{raw}");
        }
        assert!(parse_weight("450", None).unwrap_err().contains("no unit"));
        assert!(
            parse_weight("heavy", g)
                .unwrap_err()
                .contains("is not a number")
        );
        assert!(
            parse_weight("450 stone", g)
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_weight("-5 g", g).is_err());
        assert!(parse_weight("0", g).is_err());
    }
}
