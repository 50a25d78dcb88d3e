//! Risk profiles: a named set of weighted indicators and a threshold,
//! written as TOML by the people who use them.
//!
//! ```toml
//! name = "opioids-by-post"
//! description = "what it looks for, and why"
//! threshold = 50
//!
//! [[indicator]]
//! label = "sent from a main source country"   # optional
//! weight = 20
//! kind = "origin"
//! countries = ["CN", "IN"]
//! ```
//!
//! A file that cannot be read is refused with its line and field; an
//! indicator that could never fire (an unknown country, an empty list) is
//! a warning, named by its line.

use crate::domain::identifiers::IdentKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What one indicator looks at. Names as written in the TOML (`kind = ...`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Test {
    /// The parcel comes from one of these countries.
    Origin { countries: Vec<String> },
    /// It passed through one of these.
    Transit { countries: Vec<String> },
    /// It goes to one of these.
    Destination { countries: Vec<String> },
    /// Its carrier is one of these (compared folded).
    Carrier { names: Vec<String> },
    /// Its service is one of these (EMS, letter post...).
    Service { names: Vec<String> },
    /// Its declared contents match one of these terms (each word of the
    /// term found, allowing one typo in words of five letters or more); with
    /// `substances`, any name or synonym of the catalogue's substances too.
    Contents {
        #[serde(default)]
        terms: Vec<String>,
        #[serde(default)]
        substances: bool,
    },
    /// Its HS code does not fit its declared contents (a chemical or
    /// pharmaceutical heading for "toys", a toy heading for "powder").
    HsMismatch {},
    /// Its HS code is under one of these headings (e.g. `2933.33`).
    HsHeadings { headings: Vec<String> },
    /// Its declared value is within this band (either end open); in
    /// `currency`, each other currency converted at `rates` (what one unit
    /// of it is worth in `currency`), when a currency is named.
    Value {
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        currency: Option<String>,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        rates: BTreeMap<String, f64>,
    },
    /// Its weight in grams is within this band.
    Weight {
        #[serde(default)]
        min_g: Option<f64>,
        #[serde(default)]
        max_g: Option<f64>,
    },
    /// Declared value per gram at most this (cheap for its weight), in
    /// `currency` as for [`Test::Value`].
    ValuePerGram {
        max: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        currency: Option<String>,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        rates: BTreeMap<String, f64>,
    },
    /// A sender or recipient identifier is on the watchlist.
    Watchlist {
        #[serde(default)]
        kinds: Vec<String>,
    },
    /// A sender or recipient identifier was on a seized parcel.
    SeenInSeized {
        #[serde(default)]
        kinds: Vec<String>,
    },
    /// A sender or recipient identifier appears in an open case.
    InOpenCase {
        #[serde(default)]
        kinds: Vec<String>,
    },
    /// A sender or recipient name is like a known suspect's (a name on a
    /// seized parcel or on the watchlist), scoring at least `min_score`
    /// out of 100.
    NameLikeSuspect { min_score: u8 },
    /// No other parcel has the sender's phone, e-mail or address.
    FirstFromSender {},
    /// The recipient (phone, e-mail or address) received parcels from at
    /// least `at_least` different senders within `days` days.
    ManySenders { days: u32, at_least: u32 },
    /// The recipient's address has at least `at_least` different
    /// recipient names.
    ManyNames { at_least: u32 },
}

/// One weighted indicator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    pub label: String,
    pub weight: f64,
    pub test: Test,
    /// Where it is written (1-based line of its `[[indicator]]`).
    pub line: usize,
    /// What scoring needs of the test, worked out once, not per parcel:
    /// a `contents` test's terms and a `carrier` or `service` test's
    /// names, folded; the identifier kinds a
    /// watchlist, seized-parcel or open-case test looks at.
    #[serde(skip)]
    pub folded_terms: Vec<String>,
    #[serde(skip)]
    pub kinds: Vec<IdentKind>,
}

/// A parsed profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    pub name: String,
    pub description: Option<String>,
    pub threshold: f64,
    pub indicators: Vec<Indicator>,
    /// The indicators that ask the notebook, heaviest first (equal
    /// weights in the profile's order): the order scoring asks in.
    #[serde(skip)]
    pub asking: Vec<usize>,
}

/// Why a profile file was refused: where, which field, what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ProfileError {
    pub line: Option<usize>,
    pub field: Option<String>,
    pub message: String,
}

impl std::fmt::Display for ProfileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(l) = self.line {
            write!(f, "line {l}")?;
            if self.field.is_some() {
                write!(f, ", ")?;
            } else {
                write!(f, ": ")?;
            }
        }
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        write!(f, "{}", self.message)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: String,
    #[serde(default)]
    description: Option<String>,
    threshold: toml::Spanned<toml::Value>,
    #[serde(default, rename = "indicator")]
    indicators: Vec<toml::Spanned<BTreeMap<String, toml::Spanned<toml::Value>>>>,
}

/// The largest weight (either sign) and threshold: a score stays a
/// number a person can read and compare (two weights of 1e308 made it
/// infinite).
pub const MAX_WEIGHT: f64 = 1_000.0;

/// A value as the user wrote it, for a message.
fn shown(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("text {s:?}"),
        toml::Value::Integer(i) => i.to_string(),
        // 1e308 as written, not as 309 digits.
        toml::Value::Float(f) if f.abs() >= 1e15 => format!("{f:e}"),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => format!("the date {d}"),
        toml::Value::Array(_) => "a list".into(),
        toml::Value::Table(_) => "a table".into(),
    }
}

/// A number (integer or float), if `v` is one.
fn number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// Checks a field's type and range before the indicator is read, so a
/// wrong value is named by its field, in words, with its own line.
fn check_field(kind: &str, field: &str, v: &toml::Value) -> Result<(), String> {
    let whole = |least: i64, most: i64, what: &str| match v {
        toml::Value::Integer(i) if (least..=most).contains(i) => Ok(()),
        _ => Err(format!(
            "must be a whole number {what} from {least} to {most} (got {})",
            shown(v)
        )),
    };
    match field {
        "countries" | "names" | "terms" | "headings" | "kinds" => match v {
            toml::Value::Array(a) if a.iter().all(toml::Value::is_str) => Ok(()),
            _ => Err(format!(
                "must be a list of text, like [\"CN\", \"IN\"] (got {})",
                shown(v)
            )),
        },
        "substances" => match v {
            toml::Value::Boolean(_) => Ok(()),
            _ => Err(format!("must be true or false (got {})", shown(v))),
        },
        "min" | "max" | "min_g" | "max_g" => match number(v) {
            Some(n) if n.is_finite() => Ok(()),
            _ => Err(format!("must be a number (got {})", shown(v))),
        },
        // A window of no day looks at no other parcel; one sender, or one
        // name, is every recipient's: either made the indicator fire on
        // every parcel.
        "days" => whole(1, 36_500, "of days"),
        "at_least" if kind == "many-senders" => whole(2, 1_000_000, "of senders"),
        "at_least" if kind == "many-names" => whole(2, 1_000_000, "of names"),
        "min_score" => whole(0, 100, "(a score out of 100)"),
        _ => Ok(()),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The longest profile text, in bytes.
pub const MAX_TEXT: usize = 100_000;

/// The kinds of identifier a test may name (`phone`, `email`...).
pub const WATCHED_KINDS: &[IdentKind] = &[
    IdentKind::Tracking,
    IdentKind::Phone,
    IdentKind::Email,
    IdentKind::Address,
    IdentKind::Name,
    IdentKind::Payment,
    IdentKind::Content,
    IdentKind::Handle,
    IdentKind::Domain,
    IdentKind::Card,
    IdentKind::Iban,
    IdentKind::Wallet,
];

/// Parses a profile file, refusing it with its line and field; returns the
/// profile and warnings for indicators that could never fire.
pub fn parse(text: &str) -> Result<(Profile, Vec<String>), ProfileError> {
    if text.len() > MAX_TEXT {
        return Err(ProfileError {
            line: None,
            field: None,
            message: format!("{} bytes; a profile is at most {MAX_TEXT}", text.len()),
        });
    }
    let file: File = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        ProfileError {
            line,
            field: None,
            message: e.message().trim().to_string(),
        }
    })?;
    let name = file.name.trim().to_string();
    let bad = |field: &str, message: String| ProfileError {
        line: None,
        field: Some(field.into()),
        message,
    };
    if name.is_empty()
        || name.chars().count() > 80
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || "-_. ".contains(c))
    {
        return Err(bad(
            "name",
            format!("{name:?}: one to 80 letters, digits, spaces, '-', '_' or '.'"),
        ));
    }
    let threshold = match number(file.threshold.get_ref()) {
        Some(t) if t > 0.0 && t <= MAX_WEIGHT => t,
        _ => {
            return Err(ProfileError {
                line: Some(line_of(text, file.threshold.span().start)),
                field: Some("threshold".into()),
                message: format!(
                    "must be a number above 0 and at most {MAX_WEIGHT} (got {})",
                    shown(file.threshold.get_ref())
                ),
            });
        }
    };
    let mut warnings = Vec::new();
    let mut indicators = Vec::new();
    for spanned in file.indicators {
        let line = line_of(text, spanned.span().start);
        // Each field's own line, for what is wrong with it.
        let mut lines: BTreeMap<String, usize> = BTreeMap::new();
        let mut table = toml::Table::new();
        for (k, v) in spanned.into_inner() {
            lines.insert(k.clone(), line_of(text, v.span().start));
            table.insert(k, v.into_inner());
        }
        let at = |field: &str, message: String| ProfileError {
            line: Some(lines.get(field).copied().unwrap_or(line)),
            field: Some(field.into()),
            message,
        };
        let weight = match table.remove("weight") {
            Some(v) => match number(&v) {
                Some(w) if w != 0.0 && w.abs() <= MAX_WEIGHT => w,
                Some(0.0) => return Err(at("weight", "0 would never count".into())),
                _ => {
                    return Err(at(
                        "weight",
                        format!(
                            "must be a number from -{MAX_WEIGHT} to {MAX_WEIGHT}, not 0 (got {})",
                            shown(&v)
                        ),
                    ));
                }
            },
            None => return Err(at("weight", "missing: every indicator has a weight".into())),
        };
        let label = match table.remove("label") {
            Some(toml::Value::String(s)) => Some(s),
            Some(_) => return Err(at("label", "must be text".into())),
            None => None,
        };
        let kind = match table.get("kind") {
            Some(toml::Value::String(k)) => k.clone(),
            _ => return Err(at("kind", "missing: what the indicator looks at".into())),
        };
        // In the order written, so the first wrong field is the one named.
        let mut fields: Vec<(&String, &toml::Value)> = table.iter().collect();
        fields.sort_by_key(|(f, _)| lines.get(*f).copied().unwrap_or(line));
        for (field, v) in fields {
            check_field(&kind, field, v).map_err(|m| at(field, m))?;
        }
        let test: Test = toml::Value::Table(table).try_into().map_err(|e| {
            let message = e.message().trim().to_string();
            // The field serde names, when it names one.
            let field = if message.starts_with("unknown variant") {
                Some("kind".to_string())
            } else {
                message
                    .split('`')
                    .nth(1)
                    .filter(|f| !f.contains(' '))
                    .map(str::to_string)
            };
            ProfileError {
                line: Some(
                    field
                        .as_ref()
                        .and_then(|f| lines.get(f))
                        .copied()
                        .unwrap_or(line),
                ),
                field: field.or(Some(format!("indicator {kind:?}"))),
                message,
            }
        })?;
        for w in never_fires(&test) {
            warnings.push(format!("line {line}, {kind}: {w}: it can never fire"));
        }
        let folded_terms = match &test {
            Test::Contents { terms, .. } => {
                terms.iter().map(|t| crate::domain::text::fold(t)).collect()
            }
            Test::Carrier { names } | Test::Service { names } => {
                names.iter().map(|t| crate::domain::text::fold(t)).collect()
            }
            _ => Vec::new(),
        };
        let kinds = match &test {
            Test::Watchlist { kinds }
            | Test::SeenInSeized { kinds }
            | Test::InOpenCase { kinds } => kinds_of(kinds),
            _ => Vec::new(),
        };
        indicators.push(Indicator {
            label: label.unwrap_or_else(|| describe(&test)),
            weight,
            test,
            line,
            folded_terms,
            kinds,
        });
    }
    if indicators.is_empty() {
        warnings.push("no indicator: the profile can never fire".into());
    }
    let most: f64 = indicators.iter().map(|i| i.weight.max(0.0)).sum();
    if !indicators.is_empty() && most < threshold {
        warnings.push(format!(
            "the weights add up to {most} at most, under the threshold {threshold}: it can never fire"
        ));
    }
    let mut asking: Vec<usize> = (0..indicators.len())
        .filter(|at| crate::targeting::score::asks(&indicators[*at].test))
        .collect();
    // (A stable sort.)
    asking.sort_by(|a, b| indicators[*b].weight.total_cmp(&indicators[*a].weight));
    Ok((
        Profile {
            name,
            description: file.description,
            threshold,
            indicators,
            asking,
        },
        warnings,
    ))
}

/// What can never make a test fire.
fn never_fires(test: &Test) -> Vec<String> {
    let mut out = Vec::new();
    let countries = |list: &[String], out: &mut Vec<String>| {
        if list.is_empty() {
            out.push("no country listed".into());
        }
        for c in list {
            if !crate::domain::country::is_valid(&c.trim().to_ascii_uppercase()) {
                out.push(format!("{c:?} is not an ISO 3166-1 country code"));
            }
        }
    };
    let kinds = |list: &[String], out: &mut Vec<String>| {
        for k in list {
            if !WATCHED_KINDS.iter().any(|w| w.as_str() == k) {
                out.push(format!(
                    "{k:?} is not a kind of identifier ({})",
                    WATCHED_KINDS
                        .iter()
                        .map(|w| w.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    };
    match test {
        Test::Origin { countries: c }
        | Test::Transit { countries: c }
        | Test::Destination { countries: c } => countries(c, &mut out),
        Test::Carrier { names } | Test::Service { names } if names.is_empty() => {
            out.push("no name listed".into())
        }
        Test::Contents { terms, substances } if terms.is_empty() && !substances => {
            out.push("no term listed (and substances = false)".into())
        }
        Test::HsHeadings { headings } => {
            if headings.is_empty() {
                out.push("no heading listed".into());
            }
            for h in headings {
                if hs_digits(h).len() < 4 {
                    out.push(format!("{h:?} is not an HS heading (4 digits or more)"));
                }
            }
        }
        Test::Value { min, max, .. }
        | Test::Weight {
            min_g: min,
            max_g: max,
        } => match (min, max) {
            (None, None) => out.push("neither min nor max".into()),
            (Some(a), Some(b)) if a > b => out.push(format!("min {a} is above max {b}")),
            _ => {}
        },
        Test::ValuePerGram { max, .. } if *max < 0.0 => out.push("a negative maximum".into()),
        _ => {}
    }
    match test {
        Test::Value {
            currency, rates, ..
        }
        | Test::ValuePerGram {
            currency, rates, ..
        } => money(currency.as_deref(), rates, &mut out),
        Test::Watchlist { kinds: k }
        | Test::SeenInSeized { kinds: k }
        | Test::InOpenCase { kinds: k } => kinds(k, &mut out),
        Test::NameLikeSuspect { min_score } if *min_score > 100 => {
            out.push("a score above 100".into())
        }
        _ => {}
    }
    out
}

/// What is wrong with a value indicator's currency and rates: values in
/// different currencies compared as plain numbers, a code that is no
/// currency, a rate that converts nothing.
fn money(currency: Option<&str>, rates: &BTreeMap<String, f64>, out: &mut Vec<String>) {
    let code = |c: &str| crate::domain::fields::parse_currency(c).is_ok();
    match currency {
        None => out.push(
            "no currency: declared values in different currencies are compared as plain numbers (name one, `currency = \"USD\"`, with the `rates` of the others)".into(),
        ),
        Some(c) if !code(c) => out.push(format!("{c:?} is not a currency code (three letters)")),
        Some(_) => {}
    }
    for (c, r) in rates {
        if !code(c) {
            out.push(format!(
                "rates: {c:?} is not a currency code (three letters)"
            ));
        }
        if !(r.is_finite() && *r > 0.0) {
            out.push(format!(
                "rates: {c} at {r}, which converts nothing (a rate is above 0)"
            ));
        }
    }
    if currency.is_none() && !rates.is_empty() {
        out.push("rates without a currency to convert into are not used".into());
    }
}

/// A declared value in an indicator's `currency`: as declared where the
/// parcel declares that currency, else converted at the rate `rates` gives
/// its currency; none where it cannot be (no rate, or no currency
/// declared). With no currency named, the value as declared.
pub fn value_in(
    value: f64,
    declared: Option<&str>,
    currency: Option<&str>,
    rates: &BTreeMap<String, f64>,
) -> Option<f64> {
    let Some(want) = currency else {
        return Some(value);
    };
    let had = declared?.trim();
    if had.eq_ignore_ascii_case(want) {
        return Some(value);
    }
    rates
        .iter()
        .find(|(c, r)| c.eq_ignore_ascii_case(had) && r.is_finite() && **r > 0.0)
        .map(|(_, r)| value * r)
}

/// The digits of an HS code (`2933.33` -> `293333`).
pub fn hs_digits(code: &str) -> String {
    code.chars().filter(char::is_ascii_digit).collect()
}

/// A label for an indicator that has none.
pub fn describe(test: &Test) -> String {
    let list = |v: &[String]| v.join(", ");
    match test {
        Test::Origin { countries } => format!("origin in {}", list(countries)),
        Test::Transit { countries } => format!("transit through {}", list(countries)),
        Test::Destination { countries } => format!("destination in {}", list(countries)),
        Test::Carrier { names } => format!("carrier {}", list(names)),
        Test::Service { names } => format!("service {}", list(names)),
        Test::Contents { terms, substances } => {
            let mut s = format!("declared contents like {}", list(terms));
            if *substances {
                s.push_str(if terms.is_empty() {
                    "a catalogue substance"
                } else {
                    " or a catalogue substance"
                });
            }
            s
        }
        Test::HsMismatch {} => "HS code unlike the declared contents".into(),
        Test::HsHeadings { headings } => format!("HS heading {}", list(headings)),
        Test::Value {
            min, max, currency, ..
        } => format!(
            "declared value {}",
            band(
                *min,
                *max,
                &currency
                    .as_deref()
                    .map(|c| format!(" {c}"))
                    .unwrap_or_default()
            )
        ),
        Test::Weight { min_g, max_g } => format!("weight {}", band(*min_g, *max_g, " g")),
        Test::ValuePerGram { max, currency, .. } => format!(
            "declared value at most {max}{} per gram",
            currency
                .as_deref()
                .map(|c| format!(" {c}"))
                .unwrap_or_default()
        ),
        Test::Watchlist { .. } => "an identifier on the watchlist".into(),
        Test::SeenInSeized { .. } => "an identifier seen on a seized parcel".into(),
        Test::InOpenCase { .. } => "an identifier in an open case".into(),
        Test::NameLikeSuspect { min_score } => {
            format!("a name like a known suspect's (score {min_score} or more)")
        }
        Test::FirstFromSender {} => "first parcel from this sender".into(),
        Test::ManySenders { days, at_least } => {
            format!("recipient receiving from {at_least} or more senders in {days} days")
        }
        Test::ManyNames { at_least } => {
            format!("{at_least} or more recipient names at one address")
        }
    }
}

fn band(min: Option<f64>, max: Option<f64>, unit: &str) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("{a}{unit} to {b}{unit}"),
        (Some(a), None) => format!("{a}{unit} or more"),
        (None, Some(b)) => format!("{b}{unit} or less"),
        (None, None) => "any".into(),
    }
}

/// The kinds a test names, all watched kinds when it names none.
pub fn kinds_of(names: &[String]) -> Vec<IdentKind> {
    if names.is_empty() {
        return WATCHED_KINDS.to_vec();
    }
    WATCHED_KINDS
        .iter()
        .copied()
        .filter(|k| names.iter().any(|n| n == k.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "opioids-by-post"
description = "example"
threshold = 50

[[indicator]]
weight = 20
kind = "origin"
countries = ["CN", "IN"]

[[indicator]]
label = "cover goods"
weight = 15
kind = "contents"
terms = ["silicone resin", "tea"]
substances = true

[[indicator]]
weight = 40
kind = "seen-in-seized"
kinds = ["phone", "address"]
"#;

    #[test]
    fn a_profile_is_read_with_its_indicators_and_lines() {
        let (p, warnings) = parse(GOOD).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(p.name, "opioids-by-post");
        assert_eq!(p.threshold, 50.0);
        assert_eq!(p.indicators.len(), 3);
        assert_eq!(p.indicators[0].line, 6);
        assert_eq!(p.indicators[0].label, "origin in CN, IN");
        assert_eq!(p.indicators[1].label, "cover goods");
        assert_eq!(
            p.indicators[2].test,
            Test::SeenInSeized {
                kinds: vec!["phone".into(), "address".into()]
            }
        );
    }

    #[test]
    fn a_bad_file_is_refused_with_its_line_and_field() {
        let e = parse(&GOOD.replace("countries = [\"CN\", \"IN\"]", "countires = [\"CN\"]"))
            .unwrap_err();
        // The line of the field, not of its indicator.
        assert_eq!(e.line, Some(9), "{e}");
        assert!(e.to_string().contains("countires"), "{e}");
        let e = parse(&GOOD.replace("weight = 15\n", "")).unwrap_err();
        assert_eq!(
            (e.line, e.field.as_deref()),
            (Some(11), Some("weight")),
            "{e}"
        );
        let e = parse(&GOOD.replace("kind = \"origin\"", "kind = \"horoscope\"")).unwrap_err();
        assert_eq!(e.line, Some(8), "{e}");
        assert!(e.to_string().contains("horoscope"), "{e}");
        let e = parse(&GOOD.replace("threshold = 50", "threshold = \"high\"")).unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        let e = parse(&GOOD.replace("threshold = 50", "threshold = 0")).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("threshold"), "{e}");
        let e = parse("name = [").unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
    }

    /// GOOD with one more indicator (its `[[indicator]]` on line 23).
    fn with(indicator: &str) -> String {
        format!("{GOOD}\n[[indicator]]\nweight = 10\n{indicator}\n")
    }

    #[test]
    fn values_that_would_fire_on_every_parcel_are_refused() {
        for (ind, field, line) in [
            (
                "kind = \"many-senders\"\ndays = 30\nat_least = 1",
                "at_least",
                27,
            ),
            (
                "kind = \"many-senders\"\ndays = 0\nat_least = 3",
                "days",
                26,
            ),
            ("kind = \"many-names\"\nat_least = 0", "at_least", 26),
            ("kind = \"many-names\"\nat_least = 1", "at_least", 26),
        ] {
            let e = parse(&with(ind)).unwrap_err();
            assert_eq!(
                (e.field.as_deref(), e.line),
                (Some(field), Some(line)),
                "{ind}: {e}"
            );
            assert!(e.message.contains("from "), "{e}");
        }
        let (p, _) = parse(&with("kind = \"many-names\"\nat_least = 2")).unwrap();
        assert_eq!(p.indicators.len(), 4);
    }

    #[test]
    fn weights_and_threshold_are_bounded() {
        let e = parse(&GOOD.replace("threshold = 50", "threshold = 1e308")).unwrap_err();
        assert_eq!((e.field.as_deref(), e.line), (Some("threshold"), Some(4)));
        assert!(e.message.contains("at most 1000 (got 1e308)"), "{e}");
        let e = parse(&GOOD.replace("weight = 20", "weight = 1e308")).unwrap_err();
        assert_eq!((e.field.as_deref(), e.line), (Some("weight"), Some(7)));
        assert!(e.message.contains("-1000 to 1000"), "{e}");
        let e = parse(&GOOD.replace("weight = 20", "weight = -1001")).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("weight"), "{e}");
        let (p, _) = parse(&GOOD.replace("threshold = 50", "threshold = 1000")).unwrap();
        assert_eq!(p.threshold, 1000.0);
        let (p, _) = parse(&GOOD.replace("weight = 20", "weight = -1000")).unwrap();
        assert_eq!(p.indicators[0].weight, -1000.0);
    }

    #[test]
    fn a_wrong_value_is_named_by_its_field_and_line_in_words() {
        let e = parse(&with("kind = \"many-senders\"\ndays = -3\nat_least = 3")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 26, days: must be a whole number of days from 1 to 36500 (got -3)"
        );
        let e = parse(&GOOD.replace("threshold = 50", "threshold = \"sixty\"")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 4, threshold: must be a number above 0 and at most 1000 (got text \"sixty\")"
        );
        let e = parse(&GOOD.replace("weight = 15", "weight = \"heavy\"")).unwrap_err();
        assert_eq!(
            (e.field.as_deref(), e.line),
            (Some("weight"), Some(13)),
            "{e}"
        );
        let e = parse(&GOOD.replace("substances = true", "substances = \"yes\"")).unwrap_err();
        assert_eq!(
            (e.field.as_deref(), e.line),
            (Some("substances"), Some(16)),
            "{e}"
        );
        assert!(e.message.contains("true or false"), "{e}");
        let e = parse(&GOOD.replace("[\"CN\", \"IN\"]", "\"CN\"")).unwrap_err();
        assert_eq!(
            (e.field.as_deref(), e.line),
            (Some("countries"), Some(9)),
            "{e}"
        );
        // The first wrong field as written, not in alphabetical order.
        let e = parse(&with("kind = \"many-senders\"\ndays = -3\nat_least = 0")).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("days"), "{e}");
        let e = parse(&with("kind = \"name-like-suspect\"\nmin_score = 150")).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("min_score"), "{e}");
    }

    #[test]
    fn indicators_that_could_never_fire_are_warnings() {
        let (_, w) = parse(&GOOD.replace("\"CN\", \"IN\"", "\"CN\", \"XX\"")).unwrap();
        assert!(
            w.iter()
                .any(|w| w.contains("line 6") && w.contains("\"XX\"")),
            "{w:?}"
        );
        let (_, w) = parse(&GOOD.replace(
            "terms = [\"silicone resin\", \"tea\"]\nsubstances = true",
            "terms = []",
        ))
        .unwrap();
        assert!(w.iter().any(|w| w.contains("no term")), "{w:?}");
        let (_, w) = parse(&GOOD.replace("threshold = 50", "threshold = 500")).unwrap();
        assert!(w.iter().any(|w| w.contains("under the threshold")), "{w:?}");
        let (_, w) =
            parse(&GOOD.replace("kinds = [\"phone\", \"address\"]", "kinds = [\"fax\"]")).unwrap();
        assert!(w.iter().any(|w| w.contains("\"fax\"")), "{w:?}");
    }
}
