//! The plan for one file: which column fills which field, which are
//! ignored, and what is reported about them.

use super::*;

/// How the file's columns are used.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnPlan {
    /// The header, as read.
    pub header: Vec<String>,
    /// For each column, the field it fills.
    pub fields: Vec<Option<&'static str>>,
    /// Columns read but not used (named; `(column N)` when unnamed).
    pub ignored: Vec<String>,
    /// Columns a mapping names that the file does not have.
    pub missing: Vec<String>,
    /// Of those, each with the field the mapping sends it to.
    pub(super) missing_fields: Vec<(String, &'static str)>,
    /// Values every row gets where its own cell is empty.
    pub defaults: Vec<(&'static str, String)>,
    /// Two columns filling one field: their places and the field.
    pub(super) conflicts: Vec<(usize, usize, &'static str)>,
    /// For each weight column, the unit of values that do not say one
    /// (None: each value must say it).
    pub units: Vec<Option<WeightUnit>>,
    /// The currency the declared value's header names (`Value ($)`,
    /// `Стоимость (USD)`): a row's value without a currency of its own
    /// is in it.
    pub value_currency: Option<&'static str>,
    /// For each date column, the order of its slash dates, when given or
    /// told by the column's own dates.
    pub date_orders: Vec<Option<DateOrder>>,
    /// For each number column (weights, amounts), the decimal mark its
    /// values use, when told by the column's own values (`0,5`,
    /// `1.200,5`, `12,345,678`): it reads an ambiguous `1,200`.
    pub decimal_marks: Vec<Option<DecimalMark>>,
    /// For each number column whose values tell both marks (`0,5` and
    /// `1,200.5`), the first value telling each (comma, point): then
    /// nothing settles an ambiguous value, and that is what is said, with
    /// those values.
    #[serde(skip)]
    pub(super) marks_disagree: Vec<Option<(String, String)>>,
    /// A date column whose own dates tell both orders (`13/01/2026` day
    /// first, `1/13/2026` month first): one of each, for what is said of
    /// a date that reads both ways.
    pub(super) orders_disagree: Vec<Option<(String, String)>>,
    /// For each column, where its field is in `Parcel::FIELDS`; for each
    /// default, the same (worked out once, not by name for every cell of
    /// every row).
    pub(super) slots: Vec<Option<usize>>,
    pub(super) default_slots: Vec<Option<usize>>,
    /// Columns under the empty header cells at the header's end (a
    /// trailing delimiter, as a spreadsheet writes) that nothing maps: not
    /// named as ignored unless a row holds a value there (one did, a
    /// phone, and it was left out unsaid).
    pub(super) unnamed: Vec<usize>,
}

/// Where a parcel field is in `Parcel::FIELDS`.
fn slot(field: &str) -> Option<usize> {
    Parcel::FIELDS.iter().position(|f| f.name == field)
}

/// Whether a parcel field holds a number written with a decimal mark
/// (a weight, an amount).
pub(super) fn is_number(field: &str) -> bool {
    Parcel::FIELDS.iter().any(|f| {
        f.name == field
            && matches!(
                f.kind,
                FieldKind::Grams | FieldKind::Amount | FieldKind::Quantity
            )
    })
}

/// Whether a parcel field holds a date.
pub(super) fn is_date(field: &str) -> bool {
    Parcel::FIELDS
        .iter()
        .any(|f| f.name == field && f.kind == FieldKind::Date)
}

/// How a column is named in messages and reports: its header, with its
/// place when another column is headed alike; its place when it has none.
/// [`column_name`] of every column, in one pass: a name was looked for
/// among all the header's for each column, and a header of 100,000
/// columns took 71 s.
pub(super) fn column_names(header: &[String]) -> Vec<String> {
    let mut alike: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for h in header {
        *alike.entry(h.trim()).or_default() += 1;
    }
    header
        .iter()
        .enumerate()
        .map(|(i, h)| match h.trim() {
            "" => format!("(column {})", i + 1),
            h if alike[h] > 1 => format!("{} (column {})", cut_value(h), i + 1),
            h => cut_value(h).into_owned(),
        })
        .collect()
}

pub(super) fn column_name(header: &[String], i: usize) -> String {
    match header.get(i).map(|h| h.trim()) {
        Some(h) if !h.is_empty() => {
            let alike = header.iter().filter(|o| o.trim() == h).count();
            if alike > 1 {
                format!("{} (column {})", cut_value(h), i + 1)
            } else {
                cut_value(h).into_owned()
            }
        }
        _ => format!("(column {})", i + 1),
    }
}

/// The longest value echoed in a message or report, in characters.
pub const MAX_ECHOED: usize = 80;

/// A value as a message echoes it: one over [`MAX_ECHOED`] characters cut
/// there, saying how long it is (`12345…` + ` (400 characters)`).
pub(super) fn cut_value(s: &str) -> std::borrow::Cow<'_, str> {
    let n = s.chars().count();
    if n <= MAX_ECHOED {
        return std::borrow::Cow::Borrowed(s);
    }
    let head: String = s.chars().take(MAX_ECHOED).collect();
    std::borrow::Cow::Owned(format!("{head}… ({n} characters)"))
}

/// A message with each quoted value in it (`"..."`, as `{:?}` writes one)
/// over [`MAX_ECHOED`] characters cut there, saying how long it was, and
/// so each unquoted word as long; the words around them, which say what
/// is wrong, are kept whole.
pub(super) fn cut_quoted(m: &str) -> std::borrow::Cow<'_, str> {
    let mut out = String::new();
    let mut rest = m;
    let mut changed = false;
    while let Some(open) = rest.find('"') {
        let after = &rest[open + 1..];
        // The closing quote: one not escaped.
        let mut close = None;
        let mut escaped = false;
        for (k, c) in after.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    close = Some(k);
                    break;
                }
                _ => {}
            }
        }
        let Some(close) = close else { break };
        let inner = &after[..close];
        out.push_str(&rest[..=open]);
        let n = inner.chars().count();
        if n > MAX_ECHOED {
            out.extend(inner.chars().take(MAX_ECHOED));
            out.push_str(&format!("…\" ({n} characters)"));
            changed = true;
        } else {
            out.push_str(inner);
            out.push('"');
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    // A value echoed without quotes (`999…999 must be greater than 0`):
    // a word longer than any word of a reason.
    let mut words = String::with_capacity(out.len());
    for w in out.split_inclusive(char::is_whitespace) {
        let word = w.trim_end();
        let n = word.chars().count();
        if n > MAX_ECHOED && !word.contains('"') {
            words.extend(word.chars().take(MAX_ECHOED));
            words.push_str(&format!("… ({n} characters)"));
            words.push_str(&w[word.len()..]);
            changed = true;
        } else {
            words.push_str(w);
        }
    }
    if !changed {
        return std::borrow::Cow::Borrowed(m);
    }
    std::borrow::Cow::Owned(words)
}

impl ColumnPlan {
    /// Assigns columns to fields: by the mapping when one is given (other
    /// columns are ignored), otherwise by recognising the headers.
    pub fn new(header: Vec<String>, mapping: Option<&Mapping>) -> ColumnPlan {
        let mut fields: Vec<Option<&'static str>> = vec![None; header.len()];
        let mut ignored = Vec::new();
        let mut missing = Vec::new();
        let mut missing_fields = Vec::new();
        let mut conflicts = Vec::new();
        let mut defaults = Vec::new();
        let field_of = |name: &str| Parcel::FIELDS.iter().find(|f| f.name == name);
        match mapping {
            Some(m) => {
                let mut named = vec![false; header.len()];
                // Keys by header first, then keys by place (`#3`), which
                // say what one column is whatever its header: of two
                // columns headed alike, `"#3" = ""` leaves out the second.
                let (by_place, by_name): (Vec<_>, Vec<_>) =
                    m.columns.iter().partition(|(c, _)| column_at(c).is_some());
                for (col, field) in by_name.into_iter().chain(by_place) {
                    let found: Vec<usize> = match column_at(col) {
                        Some(i) => (i < header.len()).then_some(i).into_iter().collect(),
                        None => {
                            let exact: Vec<usize> = (0..header.len())
                                .filter(|i| header[*i].trim() == col.trim())
                                .collect();
                            if exact.is_empty() {
                                (0..header.len())
                                    .filter(|i| {
                                        !header_key(col).is_empty()
                                            && header_key(&header[*i]) == header_key(col)
                                    })
                                    .collect()
                            } else {
                                exact
                            }
                        }
                    };
                    let spec = field_of(field);
                    if found.is_empty() && !field.is_empty() {
                        missing.push(col.clone());
                        if let Some(spec) = spec {
                            missing_fields.push((col.clone(), spec.name));
                        }
                    }
                    for i in found {
                        named[i] = true;
                        match spec {
                            Some(spec) => fields[i] = Some(spec.name),
                            None if column_at(col).is_some() => fields[i] = None,
                            None => {}
                        }
                    }
                }
                // A column the mapping does not name is recognised by its
                // header, as without a mapping, unless the mapping gives
                // its field to another column (a mapping for the odd
                // columns left `Recipient name` ignored, and one naming
                // only the weight refused a file headed `Tracking number`
                // for having no tracking column). `"COLUMN" = ""` leaves
                // a column out; `--save-mapping` names every column.
                for i in 0..header.len() {
                    if named[i] {
                        continue;
                    }
                    if let Some(f) = recognise(&header[i])
                        && !fields.contains(&Some(f))
                        && !missing_fields.iter().any(|(_, m)| *m == f)
                    {
                        fields[i] = Some(f);
                    }
                }
                for (f, v) in &m.defaults {
                    if let Some(spec) = field_of(f) {
                        defaults.push((spec.name, v.clone()));
                    }
                }
            }
            None => {
                for (i, h) in header.iter().enumerate() {
                    fields[i] = recognise(h);
                }
                // A column named exactly as a field wins over one that
                // only names it another way (a list's `sender` summary
                // beside its `sender_name`): the other is ignored.
                let exact = |i: usize| field_of(header[i].trim()).is_some();
                for i in 0..header.len() {
                    let Some(f) = fields[i] else { continue };
                    let named =
                        (0..header.len()).any(|j| j != i && fields[j] == Some(f) && exact(j));
                    if named && !exact(i) {
                        fields[i] = None;
                    }
                }
                // A bare `Адрес` or `Телефон` is the addressee's in a
                // table of the addressee alone; beside a sender's column it
                // could be either side's, and is ignored (and named) as
                // an English `Address` or `Phone` is: taken as the
                // recipient's, a sender's phone fed the watchlist and the
                // cross-references as a recipient's.
                // (A sender's column not recognised counts: beside an
                // `Отправитель (ФИО)` or a `Seller`, a bare `Адрес` was
                // taken as the recipient's until 2026-12-07.)
                let senders = fields.iter().zip(&header).any(|(f, h)| match f {
                    Some(f) => f.starts_with("sender_"),
                    None => super::headers::names_sender(h),
                });
                if senders {
                    for i in 0..header.len() {
                        if matches!(fields[i], Some("recipient_address" | "recipient_phone"))
                            && super::headers::is_bare_contact(&header[i])
                        {
                            fields[i] = None;
                        }
                    }
                }
            }
        }
        // Empty header cells at the end are a trailing delimiter (as a
        // spreadsheet writes), not columns: nothing to say of them.
        let trailing = header
            .iter()
            .rev()
            .take_while(|h| h.trim().is_empty())
            .count();
        let named_width = header.len() - trailing;
        let names = column_names(&header);
        let mut unnamed = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            match f {
                None if i >= named_width => unnamed.push(i),
                None => ignored.push(names[i].clone()),
                Some(f) => {
                    if let Some(j) = fields[..i].iter().position(|g| g == &Some(*f)) {
                        conflicts.push((j, i, *f));
                    }
                }
            }
        }
        let units = (0..header.len())
            .map(|i| {
                if fields[i] != Some("weight_g") {
                    return None;
                }
                // (A key by place before one by header.)
                let stated = mapping.and_then(|m| {
                    m.units
                        .iter()
                        .find(|(c, _)| column_at(c) == Some(i))
                        .or_else(|| m.units.iter().find(|(c, _)| key_names(c, i, &header[i])))
                        .map(|(_, u)| *u)
                });
                // A mapped column's header may still say its unit
                // (`Poids brut (kg)`); under one that says none (`Poids`,
                // `重量`), as under a bare `Weight`, every value must say
                // its own, or `[units]` the column's. (It was taken for
                // grams: `1,5` under `Poids` or `重量(公斤)`, kilograms
                // in a word not known then, was stored as 1.5 g.)
                stated
                    .or_else(|| weight_header(&header[i]))
                    .or_else(|| unit_in_header(&header[i]).map(Some))
                    .unwrap_or(None)
            })
            .collect();
        let value_currency = (0..header.len())
            .filter(|i| fields[*i] == Some("declared_value"))
            .find_map(|i| super::headers::currency_in_header(&header[i]))
            .map(|(c, _)| c);
        let date_orders = (0..header.len())
            .map(|i| {
                fields[i].filter(|f| is_date(f)).and_then(|_| {
                    mapping
                        .and_then(|m| m.date_order)
                        .or_else(|| date_format_hint(&header[i]).map(|(o, _)| o))
                })
            })
            .collect();
        let decimal_marks = vec![None; header.len()];
        let marks_disagree = vec![None; header.len()];
        let orders_disagree = vec![None; header.len()];
        let slots = fields.iter().map(|f| f.and_then(slot)).collect();
        let default_slots = defaults.iter().map(|(f, _)| slot(f)).collect();
        ColumnPlan {
            unnamed,
            header,
            fields,
            ignored,
            missing,
            missing_fields,
            defaults,
            conflicts,
            units,
            value_currency,
            date_orders,
            decimal_marks,
            marks_disagree,
            orders_disagree,
            slots,
            default_slots,
        }
    }

    /// Refuses a plan that cannot import: no tracking column, or two
    /// columns for one field.
    pub fn check(&self, path: &Path) -> Result<(), ImportError> {
        let err = |message: String| ImportError::Columns {
            path: path.to_path_buf(),
            message,
        };
        let cols = || {
            (0..self.header.len())
                .map(|i| format!("{:?}", column_name(&self.header, i)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if let Some(&(j, i, f)) = self.conflicts.first() {
            let (a, b) = (column_name(&self.header, j), column_name(&self.header, i));
            let headed = self.header[j].trim();
            return Err(err(
                if !headed.is_empty() && headed == self.header[i].trim() {
                    // Headed alike: a mapping tells them apart by place only.
                    format!(
                        "columns {} and {} are both headed {:?} and both fill {f}; say which with \
                     --mapping, naming a column by its place (\"#{}\" = \"{f}\" and \"#{}\" = \"\" \
                     to leave the other out; --save-mapping writes one to edit)",
                        j + 1,
                        i + 1,
                        cut_value(headed),
                        j + 1,
                        i + 1
                    )
                } else {
                    format!(
                        "columns {a:?} and {b:?} both fill {f}; say which with --mapping \
                     (--save-mapping writes one to edit)"
                    )
                },
            ));
        }
        for spec in Parcel::FIELDS.iter().filter(|f| f.required) {
            let has_column = self.fields.contains(&Some(spec.name));
            let has_default =
                spec.default.is_some() || self.defaults.iter().any(|(f, _)| *f == spec.name);
            // The mapping names a column for it that is not in the file.
            if let Some((key, _)) = self
                .missing_fields
                .iter()
                .find(|(_, f)| *f == spec.name)
                .filter(|_| !has_column)
            {
                return Err(err(format!(
                    "the mapping's column {:?} (for {}) is not in the file, whose columns are {}; \
                     correct the key to a header as written, or \"#N\" for the N-th column",
                    cut_value(key),
                    spec.name,
                    cols()
                )));
            }
            if !has_column && !has_default {
                return Err(err(format!(
                    "no {} column ({}): none of the columns {} is recognised as one; \
                     rename it (e.g. \"Tracking number\") or map it with --mapping \
                     (--save-mapping writes one to edit)",
                    spec.name,
                    spec.label,
                    cols()
                )));
            }
        }
        Ok(())
    }

    /// The mapping this plan amounts to, for `--save-mapping`.
    /// A column is written by its header, or by its place (`#3`) when
    /// its header is empty or another column's too (or reads as a place).
    pub fn to_mapping(&self, delimiter: u8, encoding: Option<&str>) -> Mapping {
        let key = |i: usize| {
            let name = self.header[i].trim();
            let alike = (0..self.header.len())
                .filter(|j| self.header[*j].trim() == name)
                .count();
            if name.is_empty() || alike > 1 || looks_like_place(name) {
                format!("#{}", i + 1)
            } else {
                name.to_string()
            }
        };
        let columns = (0..self.header.len())
            .map(|i| (key(i), self.fields[i].unwrap_or("").to_string()))
            .collect();
        let units = (0..self.header.len())
            .filter(|i| self.fields[*i] == Some("weight_g"))
            .map(|i| (key(i), self.units[i]))
            .collect();
        Mapping {
            delimiter: (delimiter != b',').then_some(delimiter),
            encoding: encoding.map(str::to_string),
            units,
            date_order: self.date_orders.iter().flatten().next().copied(),
            columns,
            defaults: self
                .defaults
                .iter()
                .map(|(f, v)| (f.to_string(), v.clone()))
                .collect(),
        }
    }

    pub(super) fn column_of(&self, field: &str) -> Option<String> {
        self.fields
            .iter()
            .position(|f| *f == Some(field))
            .map(|i| column_name(&self.header, i))
    }

    /// The fields an import sets, whose values decide whether a row is a
    /// duplicate of a parcel already in the notebook.
    pub(super) fn imported_fields(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = self.fields.iter().flatten().copied().collect();
        out.extend(self.defaults.iter().map(|(f, _)| *f));
        out.sort_unstable();
        out.dedup();
        out
    }
}

// ---------------------------------------------------------------------
// Reading
