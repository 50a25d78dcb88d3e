//! The behaviour shared by every kind of record, and the generic way typed
//! text becomes a record field.

use super::fields::{FieldError, FieldSpec};
use super::identifiers::Identifier;
use super::kind::ItemKind;
use super::meta::Meta;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub trait Record:
    Serialize + DeserializeOwned + Clone + PartialEq + std::fmt::Debug + Send + 'static
{
    const KIND: ItemKind;
    /// The fields a person can set, in form order. Each is also a column of
    /// the kind's table, named the same.
    const FIELDS: &'static [FieldSpec];
    /// Columns that hold record ids (stored as 16-byte blobs).
    const ID_COLUMNS: &'static [&'static str] = &[];

    fn meta(&self) -> &Meta;
    fn meta_mut(&mut self) -> &mut Meta;
    /// What a person calls this record: `C-0042`, a tracking number, a name.
    fn label(&self) -> String;
    /// Text the search index holds for this record.
    fn search_text(&self) -> String {
        String::new()
    }
    /// Normalised identifiers for the cross-reference index.
    fn identifiers(&self) -> Vec<Identifier> {
        Vec::new()
    }
    /// The record's name and address sounds: exactly the identifiers of
    /// [`Record::identifiers`] whose kind is not exact, worked out alone
    /// (the match suggestions around an item want only these: the rest of
    /// its identifiers, phones read and free text scanned, are not needed
    /// for them). Kinds with no sounds keep the default.
    fn sounds(&self) -> Vec<Identifier> {
        Vec::new()
    }
    /// The parcel this record is about, whose country its free text's
    /// national phone numbers are read in (a note or lead on a parcel).
    fn about_parcel(&self) -> Option<uuid::Uuid> {
        None
    }
    /// [`Record::identifiers`] with national phone numbers in free text
    /// read in `country` (that of [`Record::about_parcel`]).
    fn identifiers_in(&self, _country: Option<&str>) -> Vec<Identifier> {
        self.identifiers()
    }
    /// Rules that involve more than one field; returns warnings.
    fn check(&self) -> Result<Vec<String>, FieldError> {
        Ok(Vec::new())
    }
    /// Recomputes fields derived from others (e.g. a parcel's tracking kind).
    fn derive(&mut self) {}
    /// The unsaved record whose fields have these parsed values, one for
    /// each of [`Record::FIELDS`] in its order (each taken, leaving null),
    /// made without serde; `None` where the kind has no such maker (it is
    /// then deserialised from the values, which are left as they were).
    /// Rows of a table are made so, a million at a time.
    fn from_fields(_values: &mut [Value]) -> Option<Result<Self, String>> {
        None
    }

    fn field(name: &str) -> Result<&'static FieldSpec, FieldError> {
        Self::FIELDS
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| FieldError {
                field: name.to_string(),
                message: format!(
                    "no such {} field; fields are: {}",
                    Self::KIND,
                    Self::FIELDS
                        .iter()
                        .map(|f| f.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
    }
}

fn to_map<R: Record>(rec: &R) -> Map<String, Value> {
    match serde_json::to_value(rec) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

fn from_map<R: Record>(map: Map<String, Value>) -> Result<R, FieldError> {
    serde_json::from_value(Value::Object(map)).map_err(|e| FieldError {
        field: R::KIND.to_string(),
        message: format!("record does not fit its kind: {e}"),
    })
}

/// Sets the fields of a record from typed text, checking each; returns the
/// warnings. Nothing changes when any value is rejected.
pub fn set_fields<R: Record>(
    rec: &mut R,
    values: &[(&str, &str)],
) -> Result<Vec<String>, FieldError> {
    let mut map = to_map(rec);
    let mut warnings = Vec::new();
    for (name, raw) in values {
        let spec = R::field(name)?;
        let parsed = spec.parse(raw)?;
        if let Some(w) = parsed.warning {
            warnings.push(format!("{name}: {w}"));
        }
        map.insert(spec.name.to_string(), parsed.value);
    }
    let mut updated: R = from_map(map)?;
    updated.derive();
    warnings.extend(updated.check()?);
    *rec = updated;
    Ok(warnings)
}

/// Builds a new, unsaved record from typed text: defaults first, then the
/// given values; every required field must end up set.
pub fn new_record<R: Record>(values: &[(&str, &str)]) -> Result<(R, Vec<String>), FieldError> {
    new_record_all(values).map_err(|mut errors| errors.swap_remove(0))
}

/// [`new_record`] reporting every field whose value fails, in form order,
/// not only the first (a table's row is said whole). The rules that
/// involve several fields run once every field is good.
pub fn new_record_all<R: Record>(
    values: &[(&str, &str)],
) -> Result<(R, Vec<String>), Vec<FieldError>> {
    // (Said once per row of every table imported or screened: each value
    // is matched to its field once, and the record is built from the
    // parsed values directly, not through a JSON map.)
    let mut given: Vec<Option<&str>> = vec![None; R::FIELDS.len()];
    let mut errors = Vec::new();
    for (name, raw) in values {
        match R::FIELDS.iter().position(|f| f.name == *name) {
            // The last value given for a field is the one that counts.
            Some(at) => given[at] = Some(raw),
            None => {
                if let Err(e) = R::field(name) {
                    errors.push(e);
                }
            }
        }
    }
    new_record_given(&given, errors)
}

/// [`new_record_all`] of values already placed: `given[i]` is the value
/// of `R::FIELDS[i]`, if any (a table's reader knows each column's field
/// once, not by name for every cell). `errors`: the names given that are
/// no field, said after the fields' own.
pub fn new_record_given<R: Record>(
    given: &[Option<&str>],
    errors: Vec<FieldError>,
) -> Result<(R, Vec<String>), Vec<FieldError>> {
    let mut parsed_values = Vec::with_capacity(R::FIELDS.len());
    let mut warnings = Vec::new();
    let mut failed = Vec::new();
    for (at, spec) in R::FIELDS.iter().enumerate() {
        let raw = given
            .get(at)
            .copied()
            .flatten()
            .or(spec.default)
            .unwrap_or("");
        match spec.parse(raw) {
            Ok(parsed) => {
                if let Some(w) = parsed.warning {
                    warnings.push(format!("{}: {w}", spec.name));
                }
                parsed_values.push(parsed.value);
            }
            Err(e) => failed.push(e),
        }
    }
    // In form order, then the names that are no field.
    failed.extend(errors);
    if !failed.is_empty() {
        return Err(failed);
    }
    let misfit = |e: &dyn std::fmt::Display| {
        vec![FieldError {
            field: R::KIND.to_string(),
            message: format!("record does not fit its kind: {e}"),
        }]
    };
    let mut rec = match R::from_fields(&mut parsed_values) {
        Some(made) => made.map_err(|e| misfit(&e))?,
        None => {
            let mut pairs: Vec<(&'static str, Value)> = unsaved_meta();
            pairs.extend(R::FIELDS.iter().map(|f| f.name).zip(parsed_values));
            let de =
                serde::de::value::MapDeserializer::<_, serde_json::Error>::new(pairs.into_iter());
            <R as serde::Deserialize>::deserialize(de).map_err(|e| misfit(&e))?
        }
    };
    rec.derive();
    warnings.extend(rec.check().map_err(|e| vec![e])?);
    Ok((rec, warnings))
}

/// An unsaved record's provenance columns, as field values.
fn unsaved_meta() -> Vec<(&'static str, Value)> {
    static META: std::sync::LazyLock<Vec<(&'static str, Value)>> = std::sync::LazyLock::new(|| {
        let map = match serde_json::to_value(Meta::unsaved()) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        Meta::COLUMNS
            .iter()
            .filter_map(|c| map.get(*c).map(|v| (*c, v.clone())))
            .collect()
    });
    META.clone()
}

/// A field's value as text, as a form or a table shows it.
pub fn get_field<R: Record>(rec: &R, name: &str) -> String {
    match to_map(rec).get(name) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        Some(other) => other.to_string(),
    }
}

/// Re-checks every field of a record as the store is about to write it, so
/// nothing that bypassed the forms (a merge, a bug) stores a bad value.
pub fn validate<R: Record>(rec: &R) -> Result<Vec<String>, FieldError> {
    let map = to_map(rec);
    for spec in R::FIELDS {
        spec.parse(&raw_of(&map, spec.name))?;
    }
    rec.check()
}

/// A field's stored value as the text that would be typed for it.
fn raw_of(map: &Map<String, Value>, name: &str) -> String {
    match map.get(name) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

/// Whether two field values are the same value (numbers by value, so that
/// `450` and `450.0` meet; "not set" whether absent, null or empty).
fn same_value(a: Option<&Value>, b: &Value) -> bool {
    match (a.unwrap_or(&Value::Null), b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Null, Value::String(s)) | (Value::String(s), Value::Null) => s.is_empty(),
        (x, y) => x == y,
    }
}

/// The longest name a change may be attributed to (`--as`, a received
/// record's author).
pub const MAX_NAME: usize = 200;

/// Checks a name a change is attributed to: set, one line, no character
/// that would not show as itself, within [`MAX_NAME`].
pub fn check_name(field: &str, name: &str) -> Result<(), FieldError> {
    let bad = |message: String| {
        Err(FieldError {
            field: field.to_string(),
            message,
        })
    };
    if name.trim().is_empty() {
        return bad("is empty".into());
    }
    let n = name.chars().count();
    if n > MAX_NAME {
        return bad(format!("is {n} characters long; at most {MAX_NAME}"));
    }
    if let Some(c) = name.chars().find(|&c| super::text::needs_escape(c)) {
        return bad(format!(
            "holds the invisible or control character U+{:04X}",
            c as u32
        ));
    }
    Ok(())
}

/// Checks a record that comes from another database (a merge) as typed
/// input is checked, and more: every field holds what typing its value
/// would store (a tracking number in its stored form, a country as its
/// code, a date as ISO...), fields derived from others are what they
/// derive to, and its provenance is well formed (timestamps, one-line
/// names). A record that passes is one this build could have written.
pub fn check_received<R: Record>(rec: &R) -> Result<Vec<String>, FieldError> {
    let map = to_map(rec);
    for spec in R::FIELDS {
        let parsed = spec.parse(&raw_of(&map, spec.name))?;
        if !same_value(map.get(spec.name), &parsed.value) {
            return Err(FieldError {
                field: spec.name.to_string(),
                message: format!(
                    "{} is not as interdict stores it (typed, it would be {})",
                    map.get(spec.name).unwrap_or(&Value::Null),
                    parsed.value
                ),
            });
        }
    }
    let mut derived = rec.clone();
    derived.derive();
    // (Most records come as derived: then there is nothing to compare
    // field by field.)
    let again = if derived == *rec {
        Map::new()
    } else {
        to_map(&derived)
    };
    if let Some((k, v)) = again.iter().find(|(k, v)| !same_value(map.get(*k), v)) {
        return Err(FieldError {
            field: k.clone(),
            message: format!(
                "{} does not follow from the record's other fields (it would be {v})",
                map.get(k).unwrap_or(&Value::Null)
            ),
        });
    }
    let m = rec.meta();
    for (field, at) in [("created_at", &m.created_at), ("updated_at", &m.updated_at)] {
        if at.parse::<jiff::Timestamp>().is_err() {
            return Err(FieldError {
                field: field.into(),
                message: format!(
                    "{:?} is not a time (RFC 3339)",
                    super::text::truncate(at, 40)
                ),
            });
        }
    }
    check_name("created_by", &m.created_by)?;
    check_name("updated_by", &m.updated_by)?;
    rec.check()
}
