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
            "g" | "gr" | "grs" | "gram" | "grams" | "gramme" | "grammes" | "gramm" | "gramos"
            | "grammi" | "г" | "гр" | "грамм" | "грамма" | "граммов" | "граммах" | "граммы"
            | "克" => WeightUnit::G,
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
            | "килограммах"
            | "килограммы"
            | "kilogramm"
            | "kilogramos"
            | "chilogrammi"
            | "公斤"
            | "千克" => WeightUnit::Kg,
            "lb" | "lbs" | "pound" | "pounds" | "pfund" | "libra" | "libras" | "livre"
            | "livres" | "фунт" | "фунты" | "фунтов" | "磅" => WeightUnit::Lb,
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

/// The mark a column's (or a person's) numbers use between whole and
/// decimal part; the other one, if any, stands between thousands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DecimalMark {
    Comma,
    Point,
}

impl DecimalMark {
    fn of(sep: char) -> DecimalMark {
        if sep == ',' {
            DecimalMark::Comma
        } else {
            DecimalMark::Point
        }
    }
}

/// How a written number reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reading {
    /// One way only; `tells` is the decimal mark it shows, if any
    /// (`0,5`, `1.200,5`, `12,345,678` with its commas between thousands).
    Number {
        value: f64,
        tells: Option<DecimalMark>,
    },
    /// A single `,` or `.` followed by exactly three digits and nothing
    /// else (`1,200`): thousands or a decimal part.
    Ambiguous {
        sep: char,
        thousands: f64,
        decimal: f64,
    },
}

/// Whether `groups` are digits grouped by thousands: the first of one to
/// three digits, each other of three.
fn thousands(groups: &[&str]) -> bool {
    groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
        && groups[1..].iter().all(|g| g.len() == 3)
}

/// A number as written: `1 200`, `0,45`, `1,200.5`, `1.200,5`,
/// `12,345,678`; `None` when it is not one (`1,200,5`).
pub fn read_number(s: &str) -> Option<Reading> {
    let s: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\''))
        .collect();
    if s.is_empty()
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b',' || b == b'.')
    {
        return None;
    }
    let plain = |t: &str| -> Option<f64> {
        (!t.is_empty() && t != ".")
            .then(|| t.parse().ok())
            .flatten()
    };
    let number = |t: &str, tells| plain(t).map(|value| Reading::Number { value, tells });
    let (commas, dots) = (s.matches(',').count(), s.matches('.').count());
    match (commas, dots) {
        (0, 0) => number(&s, None),
        (_, _) if commas > 0 && dots > 0 => {
            // Both: the last one, once, is the decimal mark.
            let (dec, thou) = if s.rfind(',') > s.rfind('.') {
                (',', '.')
            } else {
                ('.', ',')
            };
            let (whole, frac) = s.rsplit_once(dec)?;
            if whole.contains(dec) || !thousands(&whole.split(thou).collect::<Vec<_>>()) {
                return None;
            }
            number(
                &format!("{}.{frac}", whole.replace(thou, "")),
                Some(DecimalMark::of(dec)),
            )
        }
        (1, 0) | (0, 1) => {
            let sep = if commas == 1 { ',' } else { '.' };
            let (whole, frac) = s.split_once(sep)?;
            let decimal = plain(&format!("{whole}.{frac}"))?;
            // Three digits after a first group of one to three that is not
            // a lone 0: as likely thousands as a decimal part.
            let ambiguous =
                frac.len() == 3 && (1..=3).contains(&whole.len()) && !whole.starts_with('0');
            if ambiguous {
                let thousands = plain(&format!("{whole}{frac}"))?;
                return Some(Reading::Ambiguous {
                    sep,
                    thousands,
                    decimal,
                });
            }
            Some(Reading::Number {
                value: decimal,
                tells: Some(DecimalMark::of(sep)),
            })
        }
        // Several of one kind: between thousands, so the other is the
        // decimal mark.
        _ => {
            let sep = if commas > 0 { ',' } else { '.' };
            if !thousands(&s.split(sep).collect::<Vec<_>>()) {
                return None;
            }
            let other = if sep == ',' {
                DecimalMark::Point
            } else {
                DecimalMark::Comma
            };
            number(&s.replace(sep, ""), Some(other))
        }
    }
}

/// Why a written number cannot be taken as it stands.
#[derive(Debug, Clone, PartialEq)]
pub enum NumberError {
    NotANumber,
    /// Thousands or a decimal part, and nothing tells which.
    Ambiguous {
        sep: char,
        thousands: f64,
        decimal: f64,
    },
}

impl NumberError {
    /// `"1,200" could be 1200 (a comma between thousands) or 1.2 (a
    /// decimal comma)`.
    pub fn ambiguity(&self, raw: &str) -> Option<String> {
        let NumberError::Ambiguous {
            sep,
            thousands,
            decimal,
        } = self
        else {
            return None;
        };
        let name = if *sep == ',' { "comma" } else { "point" };
        Some(format!(
            "{:?} could be {thousands} (a {name} between thousands) or {decimal} (a decimal {name})",
            raw.trim()
        ))
    }
}

/// A number as written, its ambiguous form (`1,200`) read by `mark` when
/// one is known: the column's, or what the writer is known to use.
pub fn number_with(s: &str, mark: Option<DecimalMark>) -> Result<f64, NumberError> {
    // (A minus sign read as one, so that the field's rules say what is
    // wrong with a negative number: not that it is none.)
    if let Some(rest) = s.trim_start().strip_prefix(['-', '\u{2212}']) {
        // (One sign: `--5` is no number.)
        if rest.trim_start().starts_with(['-', '\u{2212}']) {
            return Err(NumberError::NotANumber);
        }
        return match number_with(rest, mark) {
            Ok(n) => Ok(-n),
            Err(NumberError::Ambiguous {
                sep,
                thousands,
                decimal,
            }) => Err(NumberError::Ambiguous {
                sep,
                thousands: -thousands,
                decimal: -decimal,
            }),
            Err(e) => Err(e),
        };
    }
    match read_number(s).ok_or(NumberError::NotANumber)? {
        Reading::Number { value, .. } => Ok(value),
        Reading::Ambiguous {
            sep,
            thousands,
            decimal,
        } => match mark {
            Some(m) if m == DecimalMark::of(sep) => Ok(decimal),
            Some(_) => Ok(thousands),
            None => Err(NumberError::Ambiguous {
                sep,
                thousands,
                decimal,
            }),
        },
    }
}

/// A number as typed on the command line or stored: a point is a
/// decimal point (as interdict writes numbers, `1.234`), a lone comma
/// before three digits (`1,200`) is refused as ambiguous.
fn typed_number(s: &str) -> Result<f64, NumberError> {
    match number_with(s, None) {
        Err(NumberError::Ambiguous {
            sep: '.', decimal, ..
        }) => Ok(decimal),
        other => other,
    }
}

/// A typed amount (a declared value): as [`typed_number`], with the error
/// said.
pub fn parse_amount(raw: &str) -> Result<f64, String> {
    typed_number(raw).map_err(|e| match e.ambiguity(raw) {
        Some(m) => format!("{m}: write it without the comma, or with a decimal point"),
        None => format!("{:?} is not a number", raw.trim()),
    })
}

/// A weight in grams: the unit written after the number, else `unit`
/// (the field's or the column's); refused when neither says one.
/// The heaviest weight read: 100 t (a container's load). Above it a
/// weight is a slip, and its number would be written with an exponent
/// that nothing reads back.
pub const MAX_GRAMS: f64 = 1e8;

pub fn parse_weight(raw: &str, unit: Option<WeightUnit>) -> Result<f64, String> {
    weight_as(raw, unit, typed_number).map_err(|e| match e {
        WeightError::Ambiguous(m) => {
            format!("{m}: write it without the comma, or with a decimal point")
        }
        WeightError::Other(m) => m,
    })
}

/// Why a weight cannot be read.
#[derive(Debug, Clone, PartialEq)]
pub enum WeightError {
    /// Its number could be read two ways (said, both readings).
    Ambiguous(String),
    Other(String),
}

/// A weight in grams as a table writes it, its number's ambiguous form
/// read by the column's decimal `mark` when one is known.
pub fn parse_table_weight(
    raw: &str,
    unit: Option<WeightUnit>,
    mark: Option<DecimalMark>,
) -> Result<f64, WeightError> {
    weight_as(raw, unit, |s| number_with(s, mark))
}

fn weight_as(
    raw: &str,
    unit: Option<WeightUnit>,
    number: impl Fn(&str) -> Result<f64, NumberError>,
) -> Result<f64, WeightError> {
    let t = raw.trim();
    let sign = t
        .starts_with(['-', '\u{2212}'])
        .then(|| t.chars().next().map_or(0, char::len_utf8));
    let sign = sign.unwrap_or(0);
    let split = t[sign..]
        .find(|c: char| !in_number(c))
        .map_or(t.len(), |at| sign + at);
    let (num, word) = (t[..split].trim(), t[split..].trim());
    let not_a_number = || format!("{t:?} is not a number (a weight such as 450, 450 g or 0,45 kg)");
    let n = number(num).map_err(|e| match e.ambiguity(num) {
        Some(m) => WeightError::Ambiguous(m),
        None => WeightError::Other(not_a_number()),
    })?;
    weigh(t, n, word, unit).map_err(WeightError::Other)
}

fn weigh(t: &str, n: f64, word: &str, unit: Option<WeightUnit>) -> Result<f64, String> {
    let not_a_number = || format!("{t:?} is not a number (a weight such as 450, 450 g or 0,45 kg)");
    let unit = if word.is_empty() {
        unit.ok_or_else(|| {
            format!(
                "{t:?} has no unit and the column does not say one: write \"{t} g\" or \"{t} kg\", \
                 or give the column's unit in a mapping ([units] \"COLUMN\" = \"kg\")"
            )
        })?
    } else {
        WeightUnit::from_word(word).ok_or_else(|| {
            if word.starts_with(['e', 'E']) && word[1..].trim_start_matches(['+', '-']).bytes().all(|b| b.is_ascii_digit()) && word.len() > 1 {
                format!("{t:?}: a number with an exponent is not read; write it in digits (a weight such as 450, 450 g or 0,45 kg)")
            } else if word.chars().any(|c| c.is_alphabetic()) {
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
    if grams > MAX_GRAMS {
        return Err(format!(
            "{t} is {grams:.0} g, more than any consignment weighs (at most {} t); a slip?",
            MAX_GRAMS / 1e6
        ));
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

    /// A lone comma or point before three digits is thousands or a
    /// decimal part: never guessed (a thousandfold error in a weight).
    #[test]
    fn thousands_are_told_from_decimals_or_refused() {
        let n = |s: &str| number_with(s, None);
        for (raw, want) in [
            ("1,200.5", 1200.5),
            ("1.200,5", 1200.5),
            ("12,345,678", 12_345_678.0),
            ("12.345.678", 12_345_678.0),
            ("0,5", 0.5),
            ("1,25", 1.25),
            ("0,450", 0.45),
            ("1234,567", 1234.567),
            ("1 200,5", 1200.5),
            ("450", 450.0),
        ] {
            assert_eq!(n(raw), Ok(want), "{raw}");
        }
        for raw in ["1,200,5", "1.200.5", "1,2,3", "1.200,5,0", "12,34.5", ""] {
            assert_eq!(n(raw), Err(NumberError::NotANumber), "{raw}");
        }
        let e = n("1,200").unwrap_err();
        assert_eq!(
            e.ambiguity("1,200").unwrap(),
            "\"1,200\" could be 1200 (a comma between thousands) or 1.2 (a decimal comma)"
        );
        assert!(matches!(
            n("1.200"),
            Err(NumberError::Ambiguous { sep: '.', .. })
        ));
        // The column's decimal mark reads it.
        assert_eq!(number_with("1,200", Some(DecimalMark::Comma)), Ok(1.2));
        assert_eq!(number_with("1,200", Some(DecimalMark::Point)), Ok(1200.0));
        assert_eq!(number_with("1.200", Some(DecimalMark::Comma)), Ok(1200.0));
        // What a value tells of its column.
        let tells = |s: &str| match read_number(s) {
            Some(Reading::Number { tells, .. }) => tells,
            _ => None,
        };
        assert_eq!(tells("0,5"), Some(DecimalMark::Comma));
        assert_eq!(tells("1.200,5"), Some(DecimalMark::Comma));
        assert_eq!(tells("12,345,678"), Some(DecimalMark::Point));
        assert_eq!(tells("450"), None);
        // Typed (the command line, a stored value): a point is a decimal
        // point, as interdict writes numbers; a comma is refused.
        assert_eq!(parse_weight("1.234", Some(WeightUnit::G)), Ok(1.234));
        let e = parse_weight("1,200 g", None).unwrap_err();
        assert!(e.contains("could be 1200") && e.contains("or 1.2"), "{e}");
        assert!(parse_amount("1,500").unwrap_err().contains("could be 1500"));
        // A negative number is one (the field says it must not be).
        assert_eq!(parse_amount("-1"), Ok(-1.0));
        assert_eq!(parse_amount(" \u{2212}2,5"), Ok(-2.5));
        assert!(parse_amount("-").unwrap_err().contains("is not a number"));
        assert!(parse_amount("--5").unwrap_err().contains("is not a number"));
        let e = parse_weight("-5", Some(WeightUnit::G)).unwrap_err();
        assert!(e.contains("-5 must be greater than 0"), "{e}");
        let e = parse_weight("-0,45 kg", None).unwrap_err();
        assert!(e.contains("must be greater than 0"), "{e}");
        assert_eq!(parse_amount("1,500.5"), Ok(1500.5));
        assert_eq!(parse_amount("1500.0"), Ok(1500.0));
    }

    /// A weight no consignment has is a slip, refused (1e29 g was kept,
    /// then written as `1e+29`, which nothing read back); a number with
    /// an exponent is said to be one, not an unknown unit.
    #[test]
    fn an_impossible_weight_and_an_exponent_are_said() {
        let g = Some(WeightUnit::G);
        let e = parse_weight("99999999999999999999999999999", g).unwrap_err();
        assert!(e.contains("more than any consignment weighs"), "{e}");
        assert_eq!(parse_weight("100000 kg", g), Ok(1e8));
        assert!(parse_weight("100001 kg", g).is_err());
        let e = parse_weight("1e3", g).unwrap_err();
        assert!(e.contains("exponent"), "{e}");
        let e = parse_weight("1e+29", g).unwrap_err();
        assert!(e.contains("exponent"), "{e}");
    }
}
