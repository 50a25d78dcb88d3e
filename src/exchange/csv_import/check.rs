//! Checking each row as the forms and the command line would, and
//! judging it against the file and the notebook (new, duplicate, rejected).

use super::*;

/// A bad row: where, which field (and column), and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub field: Option<String>,
    pub column: Option<String>,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}", self.line)?;
        match (&self.field, &self.column) {
            (Some(field), Some(col)) => write!(f, ", {field} (column {col:?})")?,
            (Some(field), None) => write!(f, ", {field}")?,
            _ => {}
        }
        write!(f, ": {}", self.message)
    }
}

pub(super) enum Verdict {
    Blank,
    New(Box<Parcel>),
    Duplicate,
    Rejected(RowError),
}

pub(super) struct Checker<'a> {
    pub(super) plan: &'a ColumnPlan,
    pub(super) imported: Vec<&'static str>,
    /// Tracking number -> (line, fingerprint of its imported values) of the
    /// first row that had it.
    pub(super) first: HashMap<Box<str>, (u64, u64)>,
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
        }
    }

    pub(super) fn reject(&self, line: u64, field: Option<&str>, message: String) -> Verdict {
        let column = field.and_then(|f| {
            self.plan.column_of(f).or_else(|| {
                self.plan
                    .defaults
                    .iter()
                    .any(|(d, _)| *d == f)
                    .then(|| "[defaults] of the mapping".to_string())
            })
        });
        Verdict::Rejected(RowError {
            line,
            field: field.map(str::to_string),
            column,
            message,
        })
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
        let (parcel, fp) = match parsed {
            Parsed::Blank => return Ok(Verdict::Blank),
            Parsed::Rejected { field, message } => {
                return Ok(self.reject(line, field.as_deref(), message));
            }
            Parsed::Parcel { parcel, fp } => (parcel, fp),
        };
        let first = self.first.get(parcel.tracking.as_str()).copied();
        match first {
            Some((l, f)) if l != line => {
                return Ok(if f == fp {
                    Verdict::Duplicate
                } else {
                    self.reject(
                        line,
                        Some("tracking"),
                        format!(
                            "{} is on line {l} too, with different values; the first row wins",
                            parcel.tracking
                        ),
                    )
                });
            }
            Some(_) => {}
            None => {
                if settled {
                    // Only if the file changed between the two readings.
                    tracing::warn!(line, "row not seen on the first reading");
                }
                self.first
                    .insert(parcel.tracking.clone().into_boxed_str(), (line, fp));
            }
        }
        let existing =
            records::list_where::<Parcel, _>(conn, "tracking = ?1", [&parcel.tracking], 1, 0)?;
        if let Some(old) = existing.first() {
            let mine = values_of(&parcel, &self.imported);
            let theirs = values_of(old, &self.imported);
            let differing: Vec<String> = self
                .imported
                .iter()
                .zip(mine.iter().zip(theirs.iter()))
                .filter(|(_, (a, b))| a != b)
                .map(|(f, (a, b))| format!("{f} (file {}, notebook {})", shown(a), shown(b)))
                .collect();
            if differing.is_empty() {
                return Ok(Verdict::Duplicate);
            }
            return Ok(self.reject(
                line,
                Some("tracking"),
                format!(
                    "parcel {} is already in the notebook (id {}) with other values: {}; edit it there",
                    parcel.tracking,
                    old.meta.id,
                    differing.join(", ")
                ),
            ));
        }
        Ok(Verdict::New(parcel))
    }
}

/// A cell without the `'` a spreadsheet-safe CSV (ours: `--format csv`)
/// puts before a value that starts like a formula (`'+7 701 ...`): the
/// quote is not part of the value.
pub(super) fn unguarded(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest)
            if matches!(
                rest.chars().next(),
                Some('=' | '+' | '-' | '@' | '\t' | '\r')
            ) =>
        {
            rest
        }
        _ => cell,
    }
}

/// Parses one row into a parcel, with nothing but the row: this runs on
/// the reading thread, beside the one that writes.
pub(super) fn parse_row(plan: &ColumnPlan, imported: &[&'static str], cells: &[&str]) -> Parsed {
    let blank = cells.iter().all(|c| c.trim().is_empty());
    if blank {
        return Parsed::Blank;
    }
    let width = plan.header.len();
    if cells.len() != width {
        return Parsed::Rejected {
            field: None,
            message: format!("the row has {} cells, the header {width}", cells.len()),
        };
    }
    // A spreadsheet cell typed with line breaks (an address over three
    // lines) goes into a one-line field with its lines joined by ", ".
    let joined: Vec<std::borrow::Cow<'_, str>> = cells
        .iter()
        .enumerate()
        .map(|(i, cell)| match plan.fields[i] {
            Some(f) if cell.contains(['\n', '\r']) && is_one_line(f) => cell
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
                .into(),
            _ => std::borrow::Cow::Borrowed(*cell),
        })
        .collect();
    let mut values: Vec<(&str, &str)> = Vec::with_capacity(width);
    for (i, cell) in joined.iter().enumerate() {
        if let Some(f) = plan.fields[i]
            && !cell.trim().is_empty()
        {
            values.push((f, unguarded(cell)));
        }
    }
    for (f, v) in &plan.defaults {
        if !values.iter().any(|(g, _)| g == f) {
            values.push((f, v));
        }
    }
    match new_record::<Parcel>(&values) {
        Ok((parcel, _warnings)) => {
            let fp = fingerprint(&values_of(&parcel, imported));
            Parsed::Parcel {
                parcel: Box::new(parcel),
                fp,
            }
        }
        Err(FieldError { field, message }) => Parsed::Rejected {
            field: Some(field),
            message,
        },
    }
}
