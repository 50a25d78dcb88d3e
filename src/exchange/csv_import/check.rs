//! Checking each row as the forms and the command line would, and
//! judging it against the file and the notebook (new, duplicate, rejected).

use super::*;

/// One thing wrong with a row: which field and column, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub field: Option<String>,
    /// The column's header (`(column N)` when it has none).
    pub column: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.field, &self.column) {
            (Some(field), Some(col)) if field != col => write!(f, "column {col:?} ({field}): ")?,
            (_, Some(col)) => write!(f, "column {col:?}: ")?,
            (Some(field), None) => write!(f, "{field}: ")?,
            (None, None) => {}
        }
        f.write_str(&self.message)
    }
}

/// A bad row: where, and everything wrong with it. `field`, `column` and
/// `message` are the first problem's; `problems` holds them all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub field: Option<String>,
    pub column: Option<String>,
    pub message: String,
    pub problems: Vec<Problem>,
}

impl RowError {
    pub(super) fn new(line: u64, problems: Vec<Problem>) -> RowError {
        let first = problems.first().cloned().unwrap_or(Problem {
            field: None,
            column: None,
            message: "bad row".into(),
        });
        RowError {
            line,
            field: first.field,
            column: first.column,
            message: first.message,
            problems,
        }
    }
}

impl std::fmt::Display for RowError {
    /// `line 7, column "Телефон получателя" (recipient_phone): ...; column
    /// "Дата" (seized_on): ...`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}", self.line)?;
        for (i, p) in self.problems.iter().enumerate() {
            let sep = match (i, p.field.is_some() || p.column.is_some()) {
                (0, true) => ", ",
                (0, false) => ": ",
                _ => "; ",
            };
            write!(f, "{sep}{p}")?;
        }
        Ok(())
    }
}

pub(super) enum Verdict {
    Blank,
    /// A parcel to write, with its identifiers when the reading worked
    /// them out.
    New(
        Box<Parcel>,
        Option<Vec<crate::domain::identifiers::Identifier>>,
        /// What the parcel's check says of it.
        Vec<String>,
    ),
    Duplicate,
    Rejected(RowError),
}

pub(super) struct Checker<'a> {
    pub(super) plan: &'a ColumnPlan,
    pub(super) imported: Vec<&'static str>,
    /// Tracking number -> (line, fingerprint of its imported values) of the
    /// first row that had it.
    pub(super) first: HashMap<Box<str>, (u64, u64)>,
    /// Tracking numbers a later row gives other values (found on the first
    /// reading), and on the second the first row of each, kept to say
    /// which fields the later rows give otherwise.
    pub(super) differing: std::collections::HashSet<Box<str>>,
    pub(super) first_rows: HashMap<Box<str>, Parcel>,
}

pub(super) fn values_of(p: &Parcel, fields: &[&'static str]) -> Vec<Value> {
    let map = match serde_json::to_value(p) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    fields
        .iter()
        .map(|f| map.get(*f).cloned().unwrap_or(Value::Null))
        .collect()
}

/// The values of `fields` as they are compared: a phone by its E.164
/// form (`+7 701 123-45-67` is `+77011234567`), read in the parcel's
/// origin (a sender's) or destination (a recipient's), else in `other`'s
/// (the parcel in the notebook, when the file has no such column); every
/// other field as it is stored, which is already its normal form (weights
/// in grams, dates in ISO form, countries as codes, e-mail addresses in
/// lower case).
pub(super) fn compared_values(
    p: &Parcel,
    fields: &[&'static str],
    other: Option<&Parcel>,
) -> Vec<Value> {
    let values = values_of(p, fields);
    fields
        .iter()
        .zip(values)
        .map(|(f, v)| {
            let hint = match *f {
                "sender_phone" => p
                    .origin
                    .as_deref()
                    .or(other.and_then(|o| o.origin.as_deref())),
                "recipient_phone" => p
                    .destination
                    .as_deref()
                    .or(other.and_then(|o| o.destination.as_deref())),
                _ => return v,
            };
            match &v {
                Value::String(raw) => {
                    crate::domain::identifiers::phone_key(raw, hint).map_or(v, Value::String)
                }
                _ => v,
            }
        })
        .collect()
}

pub(super) fn fingerprint(values: &[Value]) -> u64 {
    let mut h = DefaultHasher::new();
    for v in values {
        v.to_string().hash(&mut h);
    }
    h.finish()
}

pub(super) fn shown(v: &Value) -> String {
    match v {
        Value::Null => "(empty)".into(),
        Value::String(s) => format!("{:?}", truncate(s, 40)),
        other => other.to_string(),
    }
}

impl<'a> Checker<'a> {
    pub(super) fn new(plan: &'a ColumnPlan) -> Checker<'a> {
        Checker {
            plan,
            imported: plan.imported_fields(),
            first: HashMap::new(),
            differing: Default::default(),
            first_rows: HashMap::new(),
        }
    }

    /// The imported fields `p` gives otherwise than `other`, each with
    /// both values as written (`weight_g (file 600, notebook 500)`),
    /// compared in their normal forms.
    fn differing_fields(
        &self,
        p: &Parcel,
        other: &Parcel,
        mine: &str,
        theirs: &str,
    ) -> Vec<String> {
        let a_values = values_of(p, &self.imported);
        let b_values = values_of(other, &self.imported);
        let same = compared_values(p, &self.imported, Some(other))
            .into_iter()
            .zip(compared_values(other, &self.imported, Some(p)))
            .map(|(a, b)| a == b);
        self.imported
            .iter()
            .zip(a_values.iter().zip(b_values.iter()))
            .zip(same)
            .filter(|(_, same)| !same)
            .map(|((f, (a, b)), _)| format!("{f} ({mine} {}, {theirs} {})", shown(a), shown(b)))
            .collect()
    }

    pub(super) fn reject(&self, line: u64, field: Option<&str>, message: String) -> Verdict {
        Verdict::Rejected(RowError::new(
            line,
            vec![problem(self.plan, field, message)],
        ))
    }

    /// Judges one row read and parsed by [`read_rows`]. `settled` is true
    /// on the second reading, when the first row of every tracking number
    /// is already known.
    pub(super) fn judge(
        &mut self,
        conn: &rusqlite::Connection,
        line: u64,
        parsed: Parsed,
        settled: bool,
    ) -> Result<Verdict, StoreError> {
        let (parcel, fp, identifiers, warnings) = match parsed {
            Parsed::Blank => return Ok(Verdict::Blank),
            Parsed::Rejected(problems) => {
                return Ok(Verdict::Rejected(RowError::new(line, problems)));
            }
            Parsed::Parcel {
                parcel,
                fp,
                identifiers,
                warnings,
                ..
            } => (parcel, fp, identifiers, warnings),
        };
        let first = self.first.get(parcel.tracking.as_str()).copied();
        match first {
            Some((l, f)) if l != line => {
                if f == fp {
                    return Ok(Verdict::Duplicate);
                }
                self.differing
                    .insert(parcel.tracking.clone().into_boxed_str());
                let which = match self.first_rows.get(parcel.tracking.as_str()) {
                    Some(first) => {
                        let d =
                            self.differing_fields(&parcel, first, "this row", &format!("line {l}"));
                        if d.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", d.join(", "))
                        }
                    }
                    None => String::new(),
                };
                return Ok(self.reject(
                    line,
                    Some("tracking"),
                    format!(
                        "{} is on line {l} too, with different values{which}; the first row wins",
                        parcel.tracking
                    ),
                ));
            }
            Some(_) => {
                // The first row of a number later rows give otherwise,
                // met again on the second reading: kept to name what
                // they change.
                if settled && self.differing.contains(parcel.tracking.as_str()) {
                    self.first_rows
                        .insert(parcel.tracking.clone().into_boxed_str(), (*parcel).clone());
                }
            }
            None => {
                if settled {
                    // Only if the file changed between the two readings.
                    tracing::warn!(line, "row not seen on the first reading");
                }
                self.first
                    .insert(parcel.tracking.clone().into_boxed_str(), (line, fp));
            }
        }
        // Every parcel the notebook holds under the number (one of its own
        // and a partner's received copy, say): the row is a duplicate of
        // any that holds its values (it was compared with the first only,
        // and refused though the second was the same).
        let mut held = Vec::new();
        for id in crate::store::refs::parcels_tracked(conn, &parcel.tracking, HELD_UNDER_ONE)? {
            if let Some(old) = records::get::<Parcel>(conn, id)? {
                held.push(old);
            }
        }
        let mut first_differing = None;
        for old in &held {
            let differing = self.differing_fields(&parcel, old, "file", "notebook");
            if differing.is_empty() {
                return Ok(Verdict::Duplicate);
            }
            first_differing.get_or_insert(differing);
        }
        if let (Some(old), Some(differing)) = (held.first(), first_differing) {
            let message = if held.len() == 1 {
                format!(
                    "parcel {} is already in the notebook (id {}) with other values: {}; edit it there",
                    parcel.tracking,
                    old.meta.id,
                    differing.join(", ")
                )
            } else {
                format!(
                    "{} parcels {} are already in the notebook (ids {}), none with this row's values (the first: {}); edit one there",
                    held.len(),
                    parcel.tracking,
                    held.iter()
                        .map(|p| p.meta.id.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    differing.join(", ")
                )
            };
            return Ok(self.reject(line, Some("tracking"), message));
        }
        Ok(Verdict::New(parcel, identifiers, warnings))
    }
}

/// How many of a row's `n` cells count: empty ones (`empty(i)`) after
/// the header's `width` at the row's end are left out.
pub(super) fn used_cells(n: usize, width: usize, empty: impl Fn(usize) -> bool) -> usize {
    let mut n = n;
    while n > width && empty(n - 1) {
        n -= 1;
    }
    n
}

/// The longest message a bad row is read with; a longer one has the
/// values it echoes cut ([`cut_quoted`]), its reason kept whole.
const MAX_HELD_MESSAGE: usize = 4096;

/// A problem with a field, named by the column that fills it (or the
/// mapping's `[defaults]` when that is where the value came from).
pub(super) fn problem(plan: &ColumnPlan, field: Option<&str>, message: String) -> Problem {
    let column = field.and_then(|f| plan.column_of(f));
    let from_defaults =
        column.is_none() && field.is_some_and(|f| plan.defaults.iter().any(|(d, _)| *d == f));
    Problem {
        field: field.map(str::to_string),
        column,
        message: if from_defaults {
            format!("{message} (from the mapping's [defaults])")
        } else {
            message
        },
    }
}

/// A date or weight cell as the field takes it: a table's dates in ISO
/// form (slash dates in the column's order, Excel serial days), weights
/// in grams by the value's unit or the column's.
fn table_value<'c>(
    plan: &ColumnPlan,
    i: usize,
    kind: FieldKind,
    cell: &'c str,
) -> Result<std::borrow::Cow<'c, str>, String> {
    if kind == FieldKind::Grams {
        // Whole grams in a column of grams are the field's value as
        // they are (the field reads grams).
        let t = cell.trim();
        if plan.units[i] == Some(WeightUnit::G)
            && !t.is_empty()
            && t.len() <= 15
            && t.bytes().all(|b| b.is_ascii_digit())
        {
            return Ok(t.into());
        }
        use crate::domain::weight::{WeightError, parse_table_weight};
        return match parse_table_weight(cell, plan.units[i], plan.decimal_marks[i]) {
            Ok(g) => Ok(g.to_string().into()),
            Err(WeightError::Ambiguous(m)) => {
                Err(ambiguous_number(&m, plan.marks_disagree[i].as_ref()))
            }
            Err(WeightError::Other(m)) => Err(m),
        };
    }
    if matches!(kind, FieldKind::Amount | FieldKind::Quantity) {
        use crate::domain::weight::number_with;
        return match number_with(cell, plan.decimal_marks[i]) {
            Ok(n) => Ok(n.to_string().into()),
            Err(e) => match e.ambiguity(cell) {
                Some(m) => Err(ambiguous_number(&m, plan.marks_disagree[i].as_ref())),
                // (Said by the field's own rules.)
                None => Ok(cell.into()),
            },
        };
    }
    if kind == FieldKind::Date {
        let order = plan.date_orders[i];
        if let Some(m) = two_digit_year(cell, order) {
            return Err(m);
        }
        if order.is_none() && crate::domain::fields::slash_date(cell) == Some(SlashDate::Ambiguous)
        {
            // (A column whose dates tell both orders was said to tell
            // neither.)
            if let Some((day, month)) = &plan.orders_disagree[i] {
                return Err(format!(
                    "{:?} could be day/month/year or month/day/year, and this column's dates \
                     are written both ways ({day:?} day first, {month:?} month first); pass \
                     --date-order dmy or --date-order mdy, or write it as YYYY-MM-DD",
                    cell.trim()
                ));
            }
            return Err(format!(
                "{:?} could be day/month/year or month/day/year, and no date in this column \
                 tells which; pass --date-order dmy or --date-order mdy",
                cell.trim()
            ));
        }
        return crate::domain::fields::parse_table_date(cell, order, true).map(Into::into);
    }
    Ok(cell.into())
}

/// What is wrong with a date cell whose year has two digits (`4.3.69`,
/// `03/04/26`): `69` may be 1969 or 2069, and the notebook does not guess
/// a seizure's date. `None` for any other cell.
fn two_digit_year(cell: &str, order: Option<DateOrder>) -> Option<String> {
    let t = cell.trim();
    let date = t.split([' ', 'T']).next().unwrap_or(t);
    let sep = date.chars().find(|c| matches!(c, '.' | '/' | '-'))?;
    let parts: Vec<&str> = date.split(sep).collect();
    let [a, _, c] = parts[..] else { return None };
    let number = |p: &str| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit());
    if !parts.iter().all(|p| number(p)) || a.len() == 4 {
        return None;
    }
    let year = if sep != '.' && order == Some(DateOrder::Ymd) {
        a
    } else {
        c
    };
    (year.len() == 2).then(|| {
        format!(
            "{t:?} has a two-digit year (19{year} or 20{year}?), which is not guessed: \
             write the year in four digits"
        )
    })
}

/// The most parcels under one tracking number a row is compared with.
const HELD_UNDER_ONE: usize = 16;

/// Why a parcel's seizure and posting dates cannot be in the future.
const PAST_DATES: [&str; 2] = [
    "a seizure is recorded once it happened",
    "a parcel is recorded as posted once it was",
];

/// A number that reads two ways, as a table's cell: what settles it.
/// `disagree`: the column's own values tell both marks.
fn ambiguous_number(readings: &str, disagree: Option<&(String, String)>) -> String {
    if let Some((comma, point)) = disagree {
        // (The column's own values: it said `0,5` and `1,200.5` whatever
        // the column held, read as values of another column.)
        return format!(
            "{readings}, and this column's values disagree on the decimal mark (some \
             have a decimal comma, as {comma:?}, others a decimal point, as {point:?}); \
             write it as the number it is, without the mark between thousands"
        );
    }
    format!(
        "{readings}, and no other value in this column tells which (one with both marks, \
         as 1,200.5, or a decimal part not of three digits, as 0,5); write it as the \
         number it is, without the mark between thousands"
    )
}

/// How a cell [`around_bad_cells`] left out is said, at the end of the
/// row's warning.
pub(crate) const LEFT_OUT: &str = "left out of this row's screening";

/// A row rejected for cells of fields other than its tracking number,
/// read again without them, for a screen: its other fields (a watched
/// phone) are screened, and each cell left out is said in its warnings
/// (`руб.` in a currency column passed the whole row over, its watched
/// phone never screened). The phones written in a phone cell that is no
/// phone (`tel. +7 701 555 01 42`, `+7 701 555 01 42 (WhatsApp)`, two
/// numbers) are screened too, and said: its watched number was left out,
/// unsaid. Anything else stays rejected as it was.
pub(super) fn around_bad_cells(
    plan: &ColumnPlan,
    imported: &[&'static str],
    cells: &[&str],
    problems: Vec<Problem>,
) -> Parsed {
    let whole_row = problems
        .iter()
        .any(|p| p.field.as_deref().is_none_or(|f| f == "tracking"));
    if whole_row || problems.is_empty() {
        return Parsed::Rejected(problems);
    }
    let bad = |i: usize| {
        plan.fields
            .get(i)
            .copied()
            .flatten()
            .is_some_and(|f| problems.iter().any(|p| p.field.as_deref() == Some(f)))
    };
    let without: Vec<&str> = cells
        .iter()
        .enumerate()
        .map(|(i, c)| if bad(i) { "" } else { *c })
        .collect();
    match parse_row(plan, imported, &without, false) {
        Parsed::Parcel {
            parcel,
            fp,
            identifiers,
            mut warnings,
            ..
        } => {
            let mut found = Vec::new();
            for (i, cell) in cells.iter().enumerate() {
                let (Some(field), true) = (plan.fields.get(i).copied().flatten(), bad(i)) else {
                    continue;
                };
                let country = match field {
                    "sender_phone" => parcel.origin.as_deref(),
                    "recipient_phone" => parcel.destination.as_deref(),
                    _ => continue,
                };
                found.extend(phones_in_cell(cell, country).into_iter().map(|p| {
                    crate::domain::identifiers::Identifier::new(
                        crate::domain::identifiers::IdentKind::Phone,
                        p,
                        field,
                    )
                }));
            }
            warnings.extend(problems.iter().map(|p| {
                let phones: Vec<&str> = found
                    .iter()
                    .filter(|i| p.field.as_deref() == Some(i.role))
                    .map(|i| i.value.as_str())
                    .collect();
                if phones.is_empty() {
                    format!("{p}: {LEFT_OUT}")
                } else {
                    format!(
                        "{p}: screened by the phone{} written in it, {}; the rest {LEFT_OUT}",
                        if phones.len() == 1 { "" } else { "s" },
                        phones.join(", ")
                    )
                }
            }));
            Parsed::Parcel {
                parcel,
                fp,
                identifiers,
                found,
                warnings,
            }
        }
        _ => Parsed::Rejected(problems),
    }
}

/// The phones written in a phone cell that is no phone as a whole: those
/// free text holds (with `+`, or a trunk prefix), and each run of the
/// characters a number is written with, read in the parcel's country (a
/// vendor's `138 0013 8000 (WeChat)`, `0151 23456789 (WhatsApp)`: read
/// alone in their country's plan, they were left out beside a word).
fn phones_in_cell(cell: &str, country: Option<&str>) -> Vec<String> {
    use crate::domain::identifiers as ids;
    let mut out: Vec<String> = ids::scan(cell, country)
        .ids
        .into_iter()
        .filter(|i| i.kind == ids::IdentKind::Phone)
        .map(|i| i.value)
        .collect();
    let runs = cell.split(|c: char| !(c.is_ascii_digit() || " +()-.".contains(c)));
    for run in runs {
        let run = run.trim_matches(|c: char| !(c.is_ascii_digit() || c == '+'));
        if run.bytes().filter(u8::is_ascii_digit).count() >= 5
            && let Some(p) = ids::phone_key(run, country)
            && !out.contains(&p)
        {
            out.push(p);
        }
    }
    out
}

/// Parses one row into a parcel, with nothing but the row: this runs on
/// the reading thread, beside the one that writes. Every bad cell is
/// reported, not only the first. `fingerprint_it`: fingerprint the
/// parcel's imported values (an import tells repeated rows by it; a
/// screen has no use for it, and gets 0).
pub(super) fn parse_row(
    plan: &ColumnPlan,
    imported: &[&'static str],
    cells: &[&str],
    fingerprint_it: bool,
) -> Parsed {
    let blank = cells.iter().all(|c| c.trim().is_empty());
    if blank {
        return Parsed::Blank;
    }
    let width = plan.header.len();
    // (Empty cells past the header's end are no cells: a spreadsheet
    // writes a delimiter at the end of a row, for a column with nothing.)
    let cells = &cells[..used_cells(cells.len(), width, |i| cells[i].trim().is_empty())];
    if cells.len() != width {
        return Parsed::Rejected(vec![Problem {
            field: None,
            column: None,
            message: format!("the row has {} cells, the header {width}", cells.len()),
        }]);
    }
    // A spreadsheet cell typed with line breaks (an address over three
    // lines) goes into a one-line field with its lines joined by ", ".
    // First the `'` a spreadsheet-safe CSV (ours: `--format csv`, a
    // rejects file) puts before a value that starts like a formula comes
    // off: it is not part of the value.
    let joined: Vec<std::borrow::Cow<'_, str>> = cells
        .iter()
        .map(|cell| crate::domain::text::csv_unguard(cell))
        .enumerate()
        .map(|(i, cell)| match plan.fields[i] {
            Some(f) if cell.bytes().any(|b| b == b'\n' || b == b'\r') && is_one_line(f) => {
                // (A line that ends with its own comma or semicolon,
                // `г. Астана,`, is not given a second one.)
                let mut one = String::with_capacity(cell.len() + 8);
                for l in cell
                    .split(['\r', '\n'])
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                {
                    if !one.is_empty() {
                        if !one.ends_with([',', ';']) {
                            one.push(',');
                        }
                        one.push(' ');
                    }
                    one.push_str(l);
                }
                one.into()
            }
            _ => std::borrow::Cow::Borrowed(cell),
        })
        .collect();
    // A NUL is never data in a seizure table: a file in another encoding
    // (UTF-16 read as UTF-8) or not text, whatever the column.
    let mut problems: Vec<Problem> = cells
        .iter()
        .enumerate()
        .filter(|(_, c)| c.contains('\0'))
        .map(|(i, _)| Problem {
            field: plan.fields[i].map(str::to_string),
            column: Some(column_name(&plan.header, i)),
            message: "holds a NUL byte, which is never data: the file is not text in the encoding \
                      read (UTF-16? pass --encoding utf-16le or utf-16be)"
                .into(),
        })
        .collect();
    // U+FFFD (or its UTF-8 bytes read as Windows-1252, `ï¿½`) is the mark
    // of a byte lost when a text was read in the wrong encoding: a
    // rejects file of a row that was not UTF-8 holds it, and imported
    // again it stored `M\u{FFFD}ller` (or `Mï¿½ller`) without a word.
    problems.extend(
        cells
            .iter()
            .enumerate()
            .filter(|(_, c)| c.contains('\u{FFFD}') || c.contains("ï¿½"))
            .map(|(i, _)| Problem {
                field: plan.fields[i].map(str::to_string),
                column: Some(column_name(&plan.header, i)),
                message: "holds U+FFFD, the mark of a character lost when the text was read in another encoding (a rejects file of a row that was not UTF-8?): take the value from the original file, read with its --encoding".into(),
            }),
    );
    // Each field's value where `Parcel::FIELDS` has the field.
    let mut values: Vec<Option<std::borrow::Cow<'_, str>>> =
        (0..Parcel::FIELDS.len()).map(|_| None).collect();
    let mut unknown = Vec::new();
    for (i, cell) in joined.iter().enumerate() {
        let Some(f) = plan.fields[i] else { continue };
        if cell.contains('\0') {
            continue;
        }
        // An empty cell (or one saying "not known") takes the default,
        // when there is one; it is an error only in a required column.
        if cell.trim().is_empty() || is_placeholder(cell) {
            continue;
        }
        let Some(at) = plan.slots[i] else {
            unknown.extend(Parcel::field(f).err());
            continue;
        };
        match table_value(plan, i, Parcel::FIELDS[at].kind, cell) {
            Ok(v) => values[at] = Some(v),
            Err(m) => problems.push(Problem {
                field: Some(f.to_string()),
                column: Some(column_name(&plan.header, i)),
                message: m,
            }),
        }
    }
    let slot_of_field = |name: &str| Parcel::FIELDS.iter().position(|f| f.name == name);
    for ((f, v), at) in plan.defaults.iter().zip(&plan.default_slots) {
        match at {
            Some(at) if values[*at].is_none() => {
                values[*at] = Some(std::borrow::Cow::Borrowed(v.as_str()));
            }
            Some(_) => {}
            None => unknown.extend(Parcel::field(f).err()),
        }
    }
    // A value whose header names its currency is in it, unless the row
    // says another (it was a value with no currency: no value test of a
    // profile could read it).
    if let Some(code) = plan.value_currency
        && let (Some(v), Some(c)) = (
            slot_of_field("declared_value"),
            slot_of_field("declared_currency"),
        )
        && values[v].is_some()
        && values[c].is_none()
    {
        values[c] = Some(std::borrow::Cow::Borrowed(code));
    }
    // A row of a seizure table that gives a seizure date and no status
    // is a seizure (it was `targeted`, so no seized-parcel indicator ever
    // fired on what it shares).
    let slot_of = |name: &str| Parcel::FIELDS.iter().position(|f| f.name == name);
    if let (Some(st), Some(on)) = (slot_of("status"), slot_of("seized_on"))
        && values[st].is_none()
        && values[on].is_some()
    {
        values[st] = Some(std::borrow::Cow::Borrowed("seized"));
    }
    // Every field is parsed once, here, with every bad one reported (a
    // field whose cell could not be read as a date or weight is said once).
    let given: Vec<Option<&str>> = values.iter().map(|v| v.as_deref()).collect();
    let errors = match new_record_given::<Parcel>(&given, unknown) {
        Ok((parcel, warnings)) => {
            // A seizure or posting date after today (a day and month
            // swapped, a year mistyped) is refused, naming its column.
            let today = crate::domain::dates::latest_today();
            for (field, date, why) in [
                ("seized_on", &parcel.seized_on, PAST_DATES[0]),
                ("posted_on", &parcel.posted_on, PAST_DATES[1]),
            ] {
                if let Some(d) = date.as_deref().filter(|d| *d > today.as_str()) {
                    problems.push(problem(
                        plan,
                        Some(field),
                        format!("{d} is in the future: {why}"),
                    ));
                }
            }
            if problems.is_empty() {
                let fp = if fingerprint_it {
                    fingerprint(&compared_values(&parcel, imported, None))
                } else {
                    0
                };
                return Parsed::Parcel {
                    parcel: Box::new(parcel),
                    fp,
                    identifiers: None,
                    found: Vec::new(),
                    warnings,
                };
            }
            Vec::new()
        }
        Err(errors) => {
            // Every problem of the row at once: a date read well but in
            // the future is said beside another cell's (it was said only
            // once that cell was mended, a second round for the partner).
            let today = crate::domain::dates::latest_today();
            for (field, why) in [("seized_on", PAST_DATES[0]), ("posted_on", PAST_DATES[1])] {
                let Some(at) = slot_of(field) else { continue };
                if errors.iter().any(|e| e.field == field) {
                    continue;
                }
                let Some(raw) = given[at] else { continue };
                if let Ok(parsed) = Parcel::FIELDS[at].parse(raw)
                    && let Some(d) = parsed.value.as_str().filter(|d| *d > today.as_str())
                {
                    problems.push(problem(
                        plan,
                        Some(field),
                        format!("{d} is in the future: {why}"),
                    ));
                }
            }
            errors
        }
    };
    for e in errors {
        if !problems
            .iter()
            .any(|p| p.field.as_deref() == Some(e.field.as_str()))
        {
            problems.push(problem(plan, Some(&e.field), e.message));
        }
    }
    // A value of megabytes echoed in a message is cut here, where the
    // row is read: such messages wait, with the rows, to be written.
    for p in &mut problems {
        if p.message.len() > MAX_HELD_MESSAGE
            && let std::borrow::Cow::Owned(cut) = cut_quoted(&p.message)
        {
            p.message = cut;
        }
    }
    // In the order of the table's columns.
    problems.sort_by_key(|p| {
        p.field
            .as_deref()
            .and_then(|f| plan.fields.iter().position(|g| *g == Some(f)))
            .unwrap_or(usize::MAX)
    });
    Parsed::Rejected(problems)
}
