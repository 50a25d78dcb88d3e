//! Field descriptions: one table per record kind says each field's name,
//! label and kind, and the kind says how text typed by a person (in a form,
//! a CLI flag or a CSV cell) is checked and normalised. Forms, `edit
//! --set`, imports and the store's write checks all go through here.

use super::{cas, contact, country, tracking};
use serde_json::Value;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Free text that may span lines.
    LongText,
    Country,
    /// Countries in route order, stored as `TR,AE`.
    CountryList,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A number greater than zero.
    Quantity,
    /// A weight, stored in grams; typed as grams or with its unit
    /// (`450`, `450 g`, `0,45 kg`, `1 200 g`).
    Grams,
    /// A number zero or greater.
    Amount,
    /// One of a fixed list of values (matched ignoring case).
    Choice(&'static [&'static str]),
    /// Several of a fixed list, stored as `a,b` in the list's order.
    ChoiceList(&'static [&'static str]),
    /// A date with an optional time of day, `YYYY-MM-DD HH:MM`.
    DateTime,
    /// A percentage, 0 to 100.
    Percent,
    Tracking,
    Phone,
    Email,
    Cas,
    HsCode,
    Currency,
    /// Traffic Light Protocol 2.0 label.
    Tlp,
}

pub const TLP: &[&str] = &["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"];
pub const SOURCE_GRADES: &[&str] = &["1", "2", "3"];
pub const INTEL_GRADES: &[&str] = &["A", "B", "C", "D", "E"];
pub const HANDLING_CODES: &[&str] = &["P", "C"];

#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    /// Value given to a new record when none is supplied.
    pub default: Option<&'static str>,
}

impl FieldSpec {
    pub const fn new(name: &'static str, label: &'static str, kind: FieldKind) -> FieldSpec {
        FieldSpec {
            name,
            label,
            kind,
            required: false,
            default: None,
        }
    }
    pub const fn required(mut self) -> FieldSpec {
        self.required = true;
        self
    }
    pub const fn default(mut self, value: &'static str) -> FieldSpec {
        self.default = Some(value);
        self
    }

    /// The most characters a value of this field may have: whatever path
    /// it comes by (typed, imported, merged), a value is refused above it,
    /// so that one hostile field cannot make every search slow.
    pub fn max_chars(&self) -> usize {
        match self.kind {
            FieldKind::LongText => MAX_LONG_TEXT,
            _ => MAX_TEXT,
        }
    }

    /// Checks and normalises typed text. Empty text clears the field.
    pub fn parse(&self, raw: &str) -> Result<Parsed, FieldError> {
        // (Said of every field of every row read: trimmed by bytes, as
        // both are ASCII, and counted only when its bytes could be too
        // many characters.)
        let raw = trim_blanks(raw);
        if raw.is_empty() {
            if self.required {
                return Err(self.error("is required"));
            }
            return Ok(Parsed::plain(Value::Null));
        }
        let n = if raw.len() <= self.max_chars() {
            0
        } else {
            raw.chars().count()
        };
        if n > self.max_chars() {
            return Err(self.error(format!(
                "is {n} characters long (at most {})",
                self.max_chars()
            )));
        }
        if raw.trim().is_empty() || is_placeholder(raw) {
            if self.required {
                return Err(self.error(if raw.trim().is_empty() {
                    "is required".to_string()
                } else {
                    format!("is required ({:?} says it is not known)", raw.trim())
                }));
            }
            return Ok(Parsed::plain(Value::Null));
        }
        self.kind.parse(raw).map_err(|m| self.error(m))
    }

    pub fn error(&self, message: impl Into<String>) -> FieldError {
        FieldError {
            field: self.name.to_string(),
            message: message.into(),
        }
    }

    /// A one-line description of the accepted values, for help and errors.
    pub fn hint(&self) -> String {
        match self.kind {
            FieldKind::Text | FieldKind::LongText => "text".into(),
            FieldKind::Country => "ISO country code, e.g. KZ".into(),
            FieldKind::CountryList => "country codes in route order, e.g. TR,AE".into(),
            FieldKind::Date => "date, YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY or today".into(),
            FieldKind::Quantity => "number > 0".into(),
            FieldKind::Grams => "weight in grams, or with its unit: 450 g, 0,45 kg".into(),
            FieldKind::Amount => "number >= 0".into(),
            FieldKind::Choice(c) => c.join("|"),
            FieldKind::ChoiceList(c) => format!("any of {}, separated by commas", c.join("|")),
            FieldKind::DateTime => "YYYY-MM-DD HH:MM, a date, or now".into(),
            FieldKind::Percent => "percent, 0-100".into(),
            FieldKind::Tracking => "S10 number (RR123456785KZ) or courier waybill".into(),
            FieldKind::Phone => "phone number".into(),
            FieldKind::Email => "e-mail address".into(),
            FieldKind::Cas => "CAS number, e.g. 437-38-7".into(),
            FieldKind::HsCode => "HS code, e.g. 2933.33".into(),
            FieldKind::Currency => "ISO 4217 code, e.g. USD".into(),
            FieldKind::Tlp => TLP.join("|"),
        }
    }
}

/// A checked value, with a warning the user should see but need not act on.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub value: Value,
    pub warning: Option<String>,
}

impl Parsed {
    fn plain(value: Value) -> Parsed {
        Parsed {
            value,
            warning: None,
        }
    }
}

/// The longest one-line value (names, addresses, declared contents...).
pub const MAX_TEXT: usize = 1_000;
/// The longest free text (a note, a case summary).
pub const MAX_LONG_TEXT: usize = 20_000;

/// What [`is_placeholder`] takes for "not known", in lower case.
const PLACEHOLDERS: &[&str] = &[
    "n/a",
    "n.a.",
    "#n/a",
    "-",
    "--",
    "—",
    "–",
    "?",
    "unknown",
    "not known",
    "нет",
    "не известно",
    "неизвестно",
    "нет данных",
    "не указан",
    "не указано",
    "не указана",
    "н/д",
    "н.д.",
];

/// What tables and forms write for "not known": an empty value, not an
/// error and not a value (`N/A`, `-`, `unknown`, `нет`, `не известно`...).
/// (`none` is not among them: it is a value of some lists.)
pub fn is_placeholder(raw: &str) -> bool {
    // (Every placeholder starts with one of these bytes: `n`, `#`, `-`,
    // `?`, `u` in either case, a dash's first byte, a Cyrillic `н`'s.)
    let may_start = |b: u8| {
        matches!(
            b,
            b'n' | b'N' | b'#' | b'-' | b'?' | b'u' | b'U' | 0xE2 | 0xD0
        )
    };
    // (Said per cell of every table row read: no allocation for a value
    // that cannot be one, or is plain ASCII; and no trimming of a cell
    // whose first byte is printable ASCII and starts no placeholder.)
    if let Some(&b) = raw.as_bytes().first()
        && (0x21..0x7F).contains(&b)
        && !may_start(b)
    {
        return false;
    }
    let t = raw.trim();
    if t.len() > 32 || !t.as_bytes().first().is_some_and(|&b| may_start(b)) {
        return false;
    }
    if t.is_ascii() {
        return PLACEHOLDERS.iter().any(|p| p.eq_ignore_ascii_case(t));
    }
    PLACEHOLDERS.contains(&t.to_lowercase().as_str())
}

/// `s` without the spaces and tabs around it (by bytes: both are ASCII,
/// so the cut is between characters).
fn trim_blanks(s: &str) -> &str {
    let blank = |b: &u8| *b == b' ' || *b == b'\t';
    let bytes = s.as_bytes();
    let start = bytes.iter().position(|b| !blank(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !blank(b))
        .map_or(start, |e| e + 1);
    &s[start..end]
}

pub use super::dates::{DateOrder, SlashDate, parse_date, parse_table_date, slash_date};
pub use super::weight::{DecimalMark, WeightUnit, parse_weight};

/// A date and time of day as typed (`2026-03-02 14:30`, `2026-03-02T14:30`,
/// `02.03.2026 14:30`, seconds too, a date alone, or `now`), stored
/// `YYYY-MM-DD HH:MM` (a date alone keeps no time: `YYYY-MM-DD`). Times
/// are the local time of the place, as every time in the notebook is: one
/// given with a time zone or offset (`Z`, `+06:00`) is refused, since
/// dropping it would file another moment (and put a hand-over out of its
/// order unflagged).
pub fn parse_date_time(raw: &str) -> Result<String, String> {
    let t = raw.trim();
    if t.eq_ignore_ascii_case("now") {
        return Ok(jiff::ZonedDateTime::now()
            .strftime("%Y-%m-%d %H:%M")
            .to_string());
    }
    // A date and a time apart by a space, or by ISO's `T` after the
    // date's last digit (the `T` of `Today 09:00` split it into "" and
    // "oday 09:00", and the error quoted "").
    let iso_t = t
        .char_indices()
        .find(|&(i, c)| matches!(c, 'T' | 't') && i > 0 && t.as_bytes()[i - 1].is_ascii_digit())
        .map(|(i, _)| i);
    let (date, time) = match (t.split_once(' '), iso_t) {
        (Some((d, tm)), _) => (d, Some(tm.trim())),
        (None, Some(i)) => (&t[..i], Some(t[i + 1..].trim())),
        (None, None) => (t, None),
    };
    let date = parse_date(date)?;
    let Some(time) = time.filter(|tm| !tm.is_empty()) else {
        return Ok(date);
    };
    let bad = || format!("{t:?}: {time:?} is not a time of day (HH:MM)");
    // What follows the time of day: seconds, and their fraction, only.
    let zone_at = time
        .char_indices()
        .skip(3)
        .find(|(_, c)| matches!(c, '+' | '-' | 'Z' | 'z') || c.is_alphabetic() || *c == ' ')
        .map(|(i, _)| i);
    if let Some(i) = zone_at {
        // (`3:00 PM` is no zone: a 12-hour time, said as one.)
        let tail = time[i..].trim().trim_end_matches('.').to_ascii_lowercase();
        if matches!(tail.as_str(), "am" | "pm" | "a.m" | "p.m") {
            return Err(format!(
                "{t:?}: a 12-hour time is not read; give the time of day on the 24-hour clock (HH:MM: 3:00 PM is 15:00)"
            ));
        }
        return Err(format!(
            "{t:?}: the time zone {:?} would be dropped; give the local time of the place, without a zone (HH:MM)",
            time[i..].trim()
        ));
    }
    let (h, rest) = time.split_once(':').ok_or_else(bad)?;
    let (m, secs) = match rest.split_once(':') {
        Some((m, s)) => (m, Some(s)),
        None => (rest, None),
    };
    if let Some(s) = secs {
        let (whole, frac) = s.split_once(['.', ',']).unwrap_or((s, "0"));
        let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
        if whole.len() != 2 || !digits(whole) || !digits(frac) || whole > "59" {
            return Err(bad());
        }
    }
    if m.len() != 2 || h.is_empty() || h.len() > 2 {
        return Err(bad());
    }
    let (h, m): (u8, u8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(format!("{date} {h:02}:{m:02}"))
}

/// A value that failed a field's rules; says which field and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// The ISO 4217 codes in use (2026), funds and metals included; `XXX`
/// (no currency) and `XTS` (testing) are not among them.
const ISO_4217: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
    "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP",
    "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP",
    "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS",
    "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW",
    "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD",
    "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN",
    "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR",
    "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SLL",
    "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY",
    "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES",
    "VND", "VUV", "WST", "XAF", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XCD", "XCG", "XDR",
    "XOF", "XPD", "XPF", "XPT", "XSU", "XUA", "YER", "ZAR", "ZMW", "ZWG", "ZWL",
];

/// Names people write for a currency in place of its code, with the code.
const CURRENCY_ALIASES: &[(&str, &str)] = &[("RMB", "CNY"), ("RUR", "RUB")];

/// An ISO 4217 currency code, upper-cased (`usd` is `USD`); `RMB` (what
/// Chinese partners write) is `CNY`, the old `RUR` is `RUB`. Three letters
/// that are no code (`XYZ`) are refused: a value in them was read by no
/// value test, with no word.
pub fn parse_currency(raw: &str) -> Result<String, String> {
    let t = raw.trim().to_ascii_uppercase();
    if let Some((_, code)) = CURRENCY_ALIASES.iter().find(|(a, _)| *a == t) {
        return Ok((*code).to_string());
    }
    if t.len() == 3 && ISO_4217.binary_search(&t.as_str()).is_ok() {
        return Ok(t);
    }
    // A sign or a word, as a partner's table writes it in each row
    // (`₽`, `руб.`, `тенге`): the whole row was passed over, its
    // watched phone never screened.
    let word = raw.trim().trim_end_matches('.').to_lowercase();
    if let Some((_, code)) = CURRENCY_WORDS.iter().find(|(w, _)| *w == word) {
        return Ok((*code).to_string());
    }
    Err(format!(
        "{:?} is not an ISO 4217 currency code (e.g. USD, EUR, KZT) or a currency's sign or word (₽, руб, тенге)",
        raw.trim()
    ))
}

/// Currency words and signs, with their codes.
pub const CURRENCY_WORDS: &[(&str, &str)] = &[
    ("$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("₽", "RUB"),
    ("₸", "KZT"),
    ("₴", "UAH"),
    ("₩", "KRW"),
    ("₹", "INR"),
    ("₺", "TRY"),
    ("rmb", "CNY"),
    ("руб", "RUB"),
    ("рубли", "RUB"),
    ("рублей", "RUB"),
    ("рубль", "RUB"),
    ("rubles", "RUB"),
    ("тенге", "KZT"),
    ("тг", "KZT"),
    ("долл", "USD"),
    ("доллар", "USD"),
    ("долларов", "USD"),
    ("dollars", "USD"),
    ("евро", "EUR"),
    ("euro", "EUR"),
    ("euros", "EUR"),
    ("юань", "CNY"),
    ("юаней", "CNY"),
    ("yuan", "CNY"),
];

/// A NUL byte is never data (no terminal shows it, and a CSV holding one
/// is refused on its way back in): refused on every path a text is
/// written by, typed, imported or received.
fn no_nul(raw: &str) -> Result<(), String> {
    if raw.contains('\0') {
        return Err("holds a NUL byte, which is never data".into());
    }
    no_controls(raw, "\t\n\r")
}

/// A control character (an escape, a bell, U+0080-U+009F) is never data
/// either: a terminal acts on it (an ESC sequence retitles the window or
/// clears the screen of whoever `cat`s a report), and a name holding one
/// cannot be typed back. Refused on every path, as NUL is, but for those
/// of `allowed` (a long text's line ends and tabs). (Until 2026-12-07
/// only NUL was, though a received record holding an escape was said to
/// be refused.)
fn no_controls(raw: &str, allowed: &str) -> Result<(), String> {
    match raw
        .chars()
        .find(|c| c.is_control() && !allowed.contains(*c))
    {
        Some(c) => Err(format!(
            "holds the control character U+{:04X}, which is never data",
            c as u32
        )),
        None => Ok(()),
    }
}

/// A text with its accents composed (Unicode NFC): `José` pasted from a
/// PDF or a Mac comes as `e` and a combining accent, typed as `é`; kept
/// one way, the two meet in every search, filter and reference.
pub fn composed(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    if s.is_ascii() {
        s.to_string()
    } else {
        s.nfc().collect()
    }
}

fn text(s: impl Into<String>) -> Result<Parsed, String> {
    Ok(Parsed::plain(Value::String(s.into())))
}

impl FieldKind {
    fn parse(self, raw: &str) -> Result<Parsed, String> {
        match self {
            FieldKind::Text => {
                if raw.bytes().any(|b| b == b'\n' || b == b'\r') {
                    return Err("must be a single line".into());
                }
                no_nul(raw)?;
                no_controls(raw, "\t")?;
                text(composed(raw.trim()))
            }
            FieldKind::LongText => {
                no_nul(raw)?;
                text(composed(raw.trim()))
            }
            FieldKind::Country => text(country::parse(raw)?),
            FieldKind::CountryList => text(country::parse_list(raw)?),
            FieldKind::Date => text(parse_date(raw)?),
            FieldKind::Grams => {
                let g = parse_weight(raw, Some(WeightUnit::G))?;
                let num = serde_json::Number::from_f64(g).ok_or("not a finite number")?;
                Ok(Parsed::plain(Value::Number(num)))
            }
            FieldKind::Quantity | FieldKind::Amount => {
                // (A decimal comma or point; a comma before three digits,
                // `1,500`, is refused as ambiguous.)
                let n = super::weight::parse_amount(raw)?;
                if !n.is_finite() || n < 0.0 || (self == FieldKind::Quantity && n == 0.0) {
                    let want = if self == FieldKind::Quantity {
                        "greater than 0"
                    } else {
                        "0 or more"
                    };
                    return Err(format!("{} must be {want}", raw.trim()));
                }
                let num = serde_json::Number::from_f64(n).ok_or("not a finite number")?;
                Ok(Parsed::plain(Value::Number(num)))
            }
            FieldKind::Choice(choices) => {
                let t = raw.trim();
                // ("controlled-delivery" also as "controlled delivery"; with
                // no copy made, as every row of a table says its status.)
                let dash_as_space =
                    |a: u8, b: u8| a.eq_ignore_ascii_case(&b) || (a == b'-' && b == b' ');
                let found = choices.iter().find(|c| {
                    c.len() == t.len() && c.bytes().zip(t.bytes()).all(|(a, b)| dash_as_space(a, b))
                });
                match found {
                    Some(c) => text(*c),
                    None => Err(format!("{t:?} is not one of {}", choices.join(", "))),
                }
            }
            FieldKind::ChoiceList(choices) => {
                let mut picked = Vec::new();
                for part in raw
                    .split([',', ';'])
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                {
                    match FieldKind::Choice(choices).parse(part)?.value {
                        Value::String(c) => picked.push(c),
                        _ => unreachable!("a choice is text"),
                    }
                }
                // In the list's own order, each once.
                let ordered: Vec<&str> = choices
                    .iter()
                    .copied()
                    .filter(|c| picked.iter().any(|p| p == c))
                    .collect();
                text(ordered.join(","))
            }
            FieldKind::DateTime => text(parse_date_time(raw)?),
            FieldKind::Percent => {
                let cleaned = raw.trim().trim_end_matches('%').trim().replace(',', ".");
                let n: f64 = cleaned
                    .parse()
                    .map_err(|_| format!("{:?} is not a percentage", raw.trim()))?;
                if !(0.0..=100.0).contains(&n) {
                    return Err(format!("{} is not between 0 and 100 %", raw.trim()));
                }
                let num = serde_json::Number::from_f64(n).ok_or("not a finite number")?;
                Ok(Parsed::plain(Value::Number(num)))
            }
            FieldKind::Tlp => {
                let t = raw.trim().to_ascii_uppercase();
                let t = t
                    .strip_prefix("TLP:")
                    .unwrap_or(&t)
                    .trim()
                    .replace(' ', "+");
                match TLP.iter().find(|c| **c == t) {
                    Some(c) => text(*c),
                    None => Err(format!(
                        "{:?} is not a TLP 2.0 label ({})",
                        raw.trim(),
                        TLP.join(", ")
                    )),
                }
            }
            FieldKind::Tracking => {
                let t = tracking::parse(raw)?;
                Ok(Parsed {
                    value: Value::String(t.canonical),
                    warning: t.warning,
                })
            }
            FieldKind::Phone => text(contact::check_phone(raw)?),
            FieldKind::Email => text(contact::parse_email(raw)?),
            FieldKind::Cas => text(cas::parse(raw).map_err(|e| e.to_string())?),
            FieldKind::HsCode => {
                let t = raw.trim();
                let digits: String = t.chars().filter(|c| *c != '.' && *c != ' ').collect();
                if !digits.bytes().all(|b| b.is_ascii_digit()) || !(4..=10).contains(&digits.len())
                {
                    return Err(format!(
                        "{t:?} is not an HS code: expected 4-10 digits, e.g. 2933.33"
                    ));
                }
                // A spreadsheet drops a code's leading zero (`0902.10`, green
                // tea, as `902.10` or `90210`): read as written it is
                // another heading (9021, orthopaedic appliances).
                let first = t.split(['.', ' ']).next().unwrap_or("");
                if first.len() == 3 && t.len() > 3 {
                    return Err(format!(
                        "{t:?} is not an HS code: a point after three digits (a leading zero lost, 0{t}?); a heading has four"
                    ));
                }
                if matches!(digits.len(), 5 | 7) {
                    return Err(format!(
                        "{t:?} is not an HS code: {} digits, where a code has 4, 6, 8 or 10 (a leading zero lost, 0{digits}? a digit missing?)",
                        digits.len()
                    ));
                }
                if &digits[..2] == "00" || &digits[..2] == "77" {
                    return Err(format!("{t:?}: HS chapter {} does not exist", &digits[..2]));
                }
                let mut canonical = digits[..4].to_string();
                let mut rest = &digits[4..];
                while !rest.is_empty() {
                    let n = rest.len().min(2);
                    canonical.push('.');
                    canonical.push_str(&rest[..n]);
                    rest = &rest[n..];
                }
                text(canonical)
            }
            FieldKind::Currency => text(parse_currency(raw)?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `today` in any letters, with a time or without, is a date and time
    /// (`Today 09:00` was split at its `T`: "" is not a date); ISO's `T`
    /// still parts a date from its time.
    #[test]
    fn today_in_any_letters_takes_a_time() {
        let today = jiff::ZonedDateTime::now().date().to_string();
        for raw in ["Today 09:00", "TODAY 09:00", "today 09:00"] {
            assert_eq!(
                parse_date_time(raw).as_deref(),
                Ok(format!("{today} 09:00").as_str()),
                "{raw}"
            );
        }
        assert_eq!(parse_date_time("TODAY").as_deref(), Ok(today.as_str()));
        assert_eq!(
            parse_date_time("2026-03-02T10:40").as_deref(),
            Ok("2026-03-02 10:40")
        );
    }

    /// A currency written in a row as its sign or word is its code, as
    /// in a header (a partner's `руб.` in every row passed each row over);
    /// what is neither is refused.
    #[test]
    fn a_currency_sign_or_word_is_its_code() {
        for (raw, code) in [
            ("RUB", "RUB"),
            (" usd ", "USD"),
            ("RMB", "CNY"),
            ("руб.", "RUB"),
            ("Руб", "RUB"),
            ("₽", "RUB"),
            ("тенге", "KZT"),
            ("$", "USD"),
        ] {
            assert_eq!(parse_currency(raw).as_deref(), Ok(code), "{raw}");
        }
        for bad in ["XYZ", "рубашка", "", "¥"] {
            assert!(parse_currency(bad).is_err(), "{bad}");
        }
    }

    /// A control character is refused in a line of text and in a long
    /// text, naming it; a long text keeps its line ends and tabs.
    #[test]
    fn control_characters_are_never_data() {
        for raw in ["Evil\u{1b}]0;pwned\u{7}", "Bob\u{9b}2J", "x\u{7f}"] {
            let err = FieldKind::Text.parse(raw).unwrap_err();
            assert!(err.contains("control character U+"), "{raw:?}: {err}");
            assert!(FieldKind::LongText.parse(raw).is_err(), "{raw:?}");
        }
        assert!(FieldKind::LongText.parse("line 1\nline 2\tend\r\n").is_ok());
        assert!(FieldKind::Text.parse("a\tb").is_ok());
    }

    #[test]
    fn placeholders_are_told_in_any_case_and_script() {
        for p in [
            "N/A",
            " n.a. ",
            "#N/A",
            "-",
            "—",
            "?",
            "Unknown",
            "NOT KNOWN",
            "НЕТ",
            "Не известно",
            "Н/Д",
        ] {
            assert!(is_placeholder(p), "{p:?}");
        }
        for v in [
            "",
            "n/a/b",
            "unknowns",
            "Almaty",
            "нетто",
            "-1",
            &"x".repeat(40),
        ] {
            assert!(!is_placeholder(v), "{v:?}");
        }
        // The first-byte test passes every placeholder, in either case.
        for p in PLACEHOLDERS {
            assert!(is_placeholder(p), "{p:?}");
            assert!(is_placeholder(&p.to_uppercase()), "{p:?}");
        }
    }

    fn parse(kind: FieldKind, raw: &str) -> Result<Value, FieldError> {
        FieldSpec::new("f", "F", kind).parse(raw).map(|p| p.value)
    }

    #[test]
    fn a_choice_is_taken_in_any_case_and_with_spaces_for_dashes() {
        let kind = FieldKind::Choice(&["seized", "controlled-delivery"]);
        for typed in [
            "seized",
            "SEIZED",
            "Controlled-Delivery",
            "controlled delivery",
        ] {
            assert!(parse(kind, typed).is_ok(), "{typed}");
        }
        assert_eq!(
            parse(kind, " Controlled Delivery ").unwrap(),
            Value::String("controlled-delivery".into())
        );
        for typed in [
            "seize",
            "seizedd",
            "controlled_delivery",
            "controlled-delivery-",
        ] {
            assert!(parse(kind, typed).is_err(), "{typed}");
        }
    }

    #[test]
    fn empty_clears_unless_required() {
        assert_eq!(parse(FieldKind::Text, "  ").unwrap(), Value::Null);
        let e = FieldSpec::new("title", "Title", FieldKind::Text)
            .required()
            .parse("")
            .unwrap_err();
        assert_eq!(e.to_string(), "title: is required");
    }

    #[test]
    fn values_have_a_length_cap_on_every_path() {
        assert!(parse(FieldKind::Text, &"a".repeat(MAX_TEXT)).is_ok());
        let e = parse(FieldKind::Text, &"a".repeat(MAX_TEXT + 1)).unwrap_err();
        assert!(e.message.contains("1001 characters"), "{e}");
        assert!(parse(FieldKind::LongText, &"a ".repeat(MAX_TEXT)).is_ok());
        assert!(parse(FieldKind::LongText, &"a".repeat(MAX_LONG_TEXT + 1)).is_err());
        // A merged record is checked by the same rules.
        let (mut p, _) = crate::domain::record::new_record::<crate::domain::Parcel>(&[(
            "tracking",
            "RR123456785KZ",
        )])
        .unwrap();
        p.sender_name = Some("x".repeat(10 * 1024 * 1024));
        let e = crate::domain::record::validate(&p).unwrap_err();
        assert_eq!(e.field, "sender_name");
    }

    #[test]
    fn dates() {
        assert_eq!(parse(FieldKind::Date, "2026-03-01").unwrap(), "2026-03-01");
        assert!(parse(FieldKind::Date, "2026-02-30").is_err());
        // A slash date whose order cannot be told is refused, not guessed.
        assert!(
            parse(FieldKind::Date, "01/03/2026")
                .unwrap_err()
                .message
                .contains("YYYY-MM-DD")
        );
        assert_eq!(parse(FieldKind::Date, "25/03/2026").unwrap(), "2026-03-25");
        assert_eq!(parse(FieldKind::Date, "03/25/2026").unwrap(), "2026-03-25");
    }

    #[test]
    fn quantities() {
        assert_eq!(
            parse(FieldKind::Quantity, "2,5").unwrap(),
            serde_json::json!(2.5)
        );
        assert!(parse(FieldKind::Quantity, "0").is_err());
        assert!(parse(FieldKind::Quantity, "-1").is_err());
        assert!(parse(FieldKind::Quantity, "NaN").is_err());
        assert!(parse(FieldKind::Quantity, "ten").is_err());
        assert_eq!(
            parse(FieldKind::Amount, "0").unwrap(),
            serde_json::json!(0.0)
        );
    }

    #[test]
    fn weights_in_grams_or_with_their_unit() {
        let g = |raw| parse(FieldKind::Grams, raw);
        assert_eq!(g("450").unwrap(), serde_json::json!(450.0));
        assert_eq!(g("0,45 кг").unwrap(), serde_json::json!(450.0));
        assert_eq!(g("0.45 kg").unwrap(), serde_json::json!(450.0));
        assert_eq!(g("1 200 g").unwrap(), serde_json::json!(1200.0));
        assert_eq!(g("450г").unwrap(), serde_json::json!(450.0));
        assert!(g("heavy").unwrap_err().message.contains("is not a number"));
        assert!(g("0 kg").is_err());
        assert!(g("3 parsecs").unwrap_err().message.contains("unit"));
    }

    #[test]
    fn choices_and_tlp() {
        let k = FieldKind::Choice(&["lab-confirmed", "presumptive"]);
        assert_eq!(parse(k, "Lab Confirmed").unwrap(), "lab-confirmed");
        assert!(
            parse(k, "maybe")
                .unwrap_err()
                .message
                .contains("lab-confirmed, presumptive")
        );
        assert_eq!(
            parse(FieldKind::Tlp, "tlp:amber strict").unwrap(),
            "AMBER+STRICT"
        );
        assert_eq!(parse(FieldKind::Tlp, "red").unwrap(), "RED");
        assert!(parse(FieldKind::Tlp, "white").is_err());
    }

    #[test]
    fn codes() {
        assert_eq!(parse(FieldKind::HsCode, "293333").unwrap(), "2933.33");
        assert_eq!(
            parse(FieldKind::HsCode, "2933.34.00").unwrap(),
            "2933.34.00"
        );
        assert!(parse(FieldKind::HsCode, "29a3").is_err());
        assert!(parse(FieldKind::HsCode, "0012").is_err());
        // A leading zero lost by a spreadsheet is said, not regrouped.
        for lost in ["902.10", "90210", "2933.3"] {
            let e = parse(FieldKind::HsCode, lost).unwrap_err();
            assert!(e.message.contains("leading zero lost"), "{lost}: {e}");
        }
        assert_eq!(parse(FieldKind::HsCode, "0902.10").unwrap(), "0902.10");
        assert_eq!(parse(FieldKind::Currency, "usd").unwrap(), "USD");
        assert!(parse(FieldKind::Currency, "US$").is_err());
        // Codes only: what Chinese partners write is CNY; three letters
        // that are no code are refused.
        assert_eq!(parse(FieldKind::Currency, "RMB").unwrap(), "CNY");
        assert_eq!(parse(FieldKind::Currency, "kzt").unwrap(), "KZT");
        for bad in ["XYZ", "QQQ", "XXX"] {
            assert!(parse(FieldKind::Currency, bad).is_err(), "{bad}");
        }
        assert!(
            parse(FieldKind::Cas, "437-38-8")
                .unwrap_err()
                .message
                .contains("expected 7")
        );
        assert!(parse(FieldKind::Country, "ZZ").is_err());
        assert!(parse(FieldKind::Text, "two\nlines").is_err());
    }

    #[test]
    fn tracking_warning_carried() {
        let p = FieldSpec::new("tracking", "Tracking", FieldKind::Tracking)
            .parse("ZZ123456785KZ")
            .unwrap();
        assert!(p.warning.is_some());
    }
}

#[cfg(test)]
mod date_time_tests {
    use super::parse_date_time;

    #[test]
    fn times_are_read_to_the_minute_and_seconds_allowed() {
        for (raw, want) in [
            ("2026-03-02 14:30", "2026-03-02 14:30"),
            ("2026-03-02T14:30", "2026-03-02 14:30"),
            ("2026-03-02T14:30:59", "2026-03-02 14:30"),
            ("2026-03-02 14:30:05.250", "2026-03-02 14:30"),
            ("2026-03-02 8:05", "2026-03-02 08:05"),
            ("2026-03-02", "2026-03-02"),
        ] {
            assert_eq!(parse_date_time(raw).as_deref(), Ok(want), "{raw}");
        }
    }

    /// A zone or offset was cut off with whatever followed the minutes,
    /// filing another moment: it is refused, named.
    #[test]
    fn a_time_zone_is_refused_not_dropped() {
        for (raw, zone) in [
            ("2026-03-06T03:30Z", "Z"),
            ("2026-03-06T08:00+06:00", "+06:00"),
            ("2026-03-02T23:30-05:00", "-05:00"),
            ("2026-03-02 23:30:00+0500", "+0500"),
            ("2026-03-02 23:30 UTC", "UTC"),
        ] {
            let err = parse_date_time(raw).unwrap_err();
            assert!(
                err.contains("time zone") && err.contains(&format!("{zone:?}")),
                "{raw}: {err}"
            );
        }
        // A 12-hour time is no zone (it was said to be one).
        for raw in [
            "2026-03-10 3:00 PM",
            "2026-03-10 03:00 am",
            "2026-03-10 3:00 p.m.",
        ] {
            let err = parse_date_time(raw).unwrap_err();
            assert!(
                err.contains("12-hour") && !err.contains("zone"),
                "{raw}: {err}"
            );
        }
        for raw in [
            "2026-03-02 14:3",
            "2026-03-02 14:305",
            "2026-03-02 14:30:6",
            "2026-03-02 1430",
        ] {
            assert!(parse_date_time(raw).is_err(), "{raw}");
        }
    }
}
