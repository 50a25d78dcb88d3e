//! The behaviour shared by every kind of record, and the generic way typed
//! text becomes a record field.

use super::fields::{FieldError, FieldSpec};
use super::identifiers::Identifier;
use super::kind::ItemKind;
use super::meta::Meta;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub trait Record: Serialize + DeserializeOwned + Clone + std::fmt::Debug + 'static {
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
    let mut map = match serde_json::to_value(Meta::unsaved()) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    for spec in R::FIELDS {
        let given = values
            .iter()
            .rev()
            .find(|(n, _)| *n == spec.name)
            .map(|(_, v)| *v);
        let raw = given.or(spec.default).unwrap_or("");
        match spec.parse(raw) {
            Ok(parsed) => {
                if let Some(w) = parsed.warning {
                    warnings.push(format!("{}: {w}", spec.name));
                }
                map.insert(spec.name.to_string(), parsed.value);
            }
            Err(e) => errors.push(e),
        }
    }
    for (name, _) in values {
        if let Err(e) = R::field(name) {
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rec: R = from_map(map).map_err(|e| vec![e])?;
    rec.derive();
    warnings.extend(rec.check().map_err(|e| vec![e])?);
    Ok((rec, warnings))
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
        let raw = match map.get(spec.name) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        };
        spec.parse(&raw)?;
    }
    rec.check()
}
