//! A saved column mapping (TOML): which column is which field, and
//! defaults for fields no column gives.

use super::*;

/// Which column fills which parcel field, and values every row gets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapping {
    pub delimiter: Option<u8>,
    pub encoding: Option<String>,
    /// Column header -> field name; an empty field name ignores the column.
    pub columns: Vec<(String, String)>,
    /// Field name -> value, for every row whose own cell is empty.
    pub defaults: Vec<(String, String)>,
    /// Column header -> the unit of its weights (None: each value says
    /// its own, `"each value"` in the file).
    pub units: Vec<(String, Option<WeightUnit>)>,
    /// The order of the file's slash dates (`03/04/2026`).
    pub date_order: Option<DateOrder>,
}

/// How `[units]` writes a column whose every value carries its unit.
pub(super) const EACH_VALUE: &str = "each value";

/// The column a mapping key names by its place: `#3` is the third column
/// (1 = the first), whatever its header says. A file's headers may repeat
/// (`Sender phone` twice) or be empty; such a column can be named only so.
/// `#0` is no column (`None`, refused when the mapping is read).
pub fn column_at(key: &str) -> Option<usize> {
    let n = key.trim().strip_prefix('#')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse::<usize>().ok()?.checked_sub(1)
}

/// Whether a key is written as a place (`#N`), a valid one or not.
pub(super) fn looks_like_place(key: &str) -> bool {
    key.trim()
        .strip_prefix('#')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether mapping key `key` names column `i`, headed `header`: by its
/// place (`#N`), else by its header as written, else by its header
/// folded (case, spaces and punctuation ignored).
pub(super) fn key_names(key: &str, i: usize, header: &str) -> bool {
    if looks_like_place(key) {
        return column_at(key) == Some(i);
    }
    key.trim() == header.trim()
        || (!header_key(key).is_empty() && header_key(key) == header_key(header))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MappingFile {
    pub(super) delimiter: Option<toml::Spanned<String>>,
    pub(super) encoding: Option<toml::Spanned<String>>,
    #[serde(default)]
    pub(super) columns: BTreeMap<String, toml::Spanned<String>>,
    #[serde(default)]
    pub(super) defaults: BTreeMap<String, toml::Spanned<String>>,
    #[serde(default)]
    pub(super) units: BTreeMap<String, toml::Spanned<String>>,
    pub(super) date_order: Option<toml::Spanned<String>>,
}

pub(super) fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

impl Mapping {
    /// Reads a mapping file's text; errors name the file and line.
    pub fn parse(text: &str, path: &Path) -> Result<Mapping, ImportError> {
        let err = |offset: usize, message: String| ImportError::Mapping {
            path: path.to_path_buf(),
            line: line_at(text, offset),
            message,
        };
        let file: MappingFile = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            err(at, e.message().trim().to_string())
        })?;
        let mut m = Mapping::default();
        if let Some(d) = &file.delimiter {
            let s = d.get_ref();
            let c = match s.as_str() {
                "tab" | "\\t" => '\t',
                _ => {
                    let mut cs = s.chars();
                    match (cs.next(), cs.next()) {
                        (Some(c), None) => c,
                        _ => {
                            return Err(err(
                                d.span().start,
                                format!("delimiter {s:?}: must be one character"),
                            ));
                        }
                    }
                }
            };
            m.delimiter = Some(delimiter_byte(c).map_err(|e| err(d.span().start, e.to_string()))?);
        }
        if let Some(e) = &file.encoding {
            encoding_for(e.get_ref()).map_err(|x| err(e.span().start, x.to_string()))?;
            m.encoding = Some(e.get_ref().clone());
        }
        let place = |key: &str, at: usize, table: &str| {
            if looks_like_place(key) && column_at(key).is_none() {
                return Err(err(
                    at,
                    format!("{table} {key:?}: columns are counted from 1 (\"#1\" is the first)"),
                ));
            }
            Ok(())
        };
        let mut used: HashMap<&str, (&str, usize)> = HashMap::new();
        for (column, field) in &file.columns {
            let name = field.get_ref().trim();
            let at = field.span().start;
            place(column, at, "[columns]")?;
            if name.is_empty() {
                m.columns.push((column.clone(), String::new()));
                continue;
            }
            let spec =
                Parcel::field(name).map_err(|e| err(at, format!("column {column:?}: {e}")))?;
            if let Some((other, line)) = used.insert(spec.name, (column, line_at(text, at))) {
                return Err(err(
                    at,
                    format!(
                        "columns {other:?} (line {line}) and {column:?} both fill {}; \
                         set one to \"\" to leave it out, or to another field",
                        spec.name
                    ),
                ));
            }
            m.columns.push((column.clone(), spec.name.to_string()));
        }
        for (column, unit) in &file.units {
            let at = unit.span().start;
            place(column, at, "[units]")?;
            let u = unit.get_ref().trim();
            let u = if u.eq_ignore_ascii_case(EACH_VALUE) {
                None
            } else {
                Some(u.parse::<WeightUnit>().map_err(|e| {
                    err(at, format!("[units] {column:?}: {e}, or \"{EACH_VALUE}\""))
                })?)
            };
            m.units.push((column.clone(), u));
        }
        if let Some(o) = &file.date_order {
            m.date_order = Some(
                o.get_ref()
                    .parse()
                    .map_err(|e: String| err(o.span().start, e))?,
            );
        }
        for (name, value) in &file.defaults {
            let at = value.span().start;
            let spec = Parcel::field(name).map_err(|e| err(at, format!("[defaults] {e}")))?;
            if spec.name == "tracking" {
                return Err(err(
                    at,
                    "[defaults] tracking: every parcel needs its own tracking number".into(),
                ));
            }
            // A date in the mapping's own order (`03/04/2026` under
            // `date_order = "mdy"`), kept as it reads: it was refused as
            // day/month or month/day until 2026-12-07.
            let value = match m.date_order {
                Some(order) if spec.kind == FieldKind::Date => {
                    crate::domain::dates::parse_table_date(value.get_ref(), Some(order), false)
                        .map_err(|e| err(at, format!("[defaults] {}: {e}", spec.name)))?
                }
                _ => value.get_ref().clone(),
            };
            spec.parse(&value)
                .map_err(|e| err(at, format!("[defaults] {e}")))?;
            m.defaults.push((spec.name.to_string(), value));
        }
        Ok(m)
    }

    /// The mapping as a TOML file a person can edit and pass to `--mapping`.
    pub fn to_toml(&self) -> String {
        let q = |s: &str| toml::Value::String(s.to_string()).to_string();
        let mut out = String::from(
            "# interdict CSV mapping: column header = parcel field (\"\" ignores the column).\n\
             # \"#N\" names the N-th column (1 = the first) whatever its header: for headers\n\
             # that repeat or are empty. Fields: `interdict fields parcel`.\n\
             # [defaults] fill empty cells of every row.\n",
        );
        if let Some(d) = self.delimiter {
            let s = if d == b'\t' {
                "tab".to_string()
            } else {
                char::from(d).to_string()
            };
            out.push_str(&format!("delimiter = {}\n", q(&s)));
        }
        if let Some(e) = &self.encoding {
            out.push_str(&format!("encoding = {}\n", q(e)));
        }
        if let Some(o) = self.date_order {
            out.push_str(&format!("date_order = {}\n", q(&o.to_string())));
        }
        out.push_str("\n[columns]\n");
        for (c, f) in &self.columns {
            out.push_str(&format!("{} = {}\n", q(c), q(f)));
        }
        if !self.units.is_empty() {
            out.push_str(
                "\n# The unit of a weight column's values that do not say one.\n[units]\n",
            );
            for (c, u) in &self.units {
                let u = u.map_or(EACH_VALUE.to_string(), |u| u.to_string());
                out.push_str(&format!("{} = {}\n", q(c), q(&u)));
            }
        }
        if !self.defaults.is_empty() {
            out.push_str("\n[defaults]\n");
            for (f, v) in &self.defaults {
                out.push_str(&format!("{f} = {}\n", q(v)));
            }
        }
        out
    }
}

// ---------------------------------------------------------------------
// Columns
