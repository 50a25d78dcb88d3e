//! Notes and leads: dated free text on any item, graded on the UK 3x5x2
//! scale (source 1-3, intelligence A-E, handling P/C) with a TLP label.

use super::fields::{FieldKind::*, FieldSpec, HANDLING_CODES, INTEL_GRADES, SOURCE_GRADES};
use super::identifiers::{self, Identifier};
use super::kind::ItemKind;
use super::meta::Meta;
use super::record::Record;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const NOTE_TYPES: &[&str] = &["note", "lead"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(default = "default_kind")]
    pub item_kind: ItemKind,
    #[serde(default)]
    pub item_id: Uuid,
    pub note_type: String,
    pub noted_on: String,
    pub text: String,
    pub source: Option<String>,
    pub source_grade: Option<String>,
    pub intel_grade: Option<String>,
    pub handling: Option<String>,
    pub tlp: String,
}

fn default_kind() -> ItemKind {
    ItemKind::Case
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec::new("note_type", "Type", Choice(NOTE_TYPES))
        .required()
        .default("note"),
    FieldSpec::new("noted_on", "Date", Date)
        .required()
        .default("today"),
    FieldSpec::new("text", "Text", LongText).required(),
    FieldSpec::new("source", "Source", Text),
    FieldSpec::new("source_grade", "Source (1-3)", Choice(SOURCE_GRADES)),
    FieldSpec::new("intel_grade", "Intelligence (A-E)", Choice(INTEL_GRADES)),
    FieldSpec::new("handling", "Handling (P/C)", Choice(HANDLING_CODES)),
    FieldSpec::new("tlp", "TLP", Tlp)
        .required()
        .default("AMBER"),
];

/// Splits a 3x5x2 grading such as `2B`, `2BP`, `2/B/P` or `3 E C` into
/// source, intelligence and handling codes.
pub fn parse_grading(s: &str) -> Result<(String, String, Option<String>), String> {
    let chars: Vec<char> = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let bad = || {
        format!(
            "{s:?} is not a 3x5x2 grading: expected source 1-3, intelligence A-E, optional handling P/C (e.g. 2B or 2BP)"
        )
    };
    match chars.as_slice() {
        [src, intel, rest @ ..] if rest.len() <= 1 => {
            let src = src.to_string();
            let intel = intel.to_string();
            let handling = rest.first().map(char::to_string);
            if !SOURCE_GRADES.contains(&src.as_str())
                || !INTEL_GRADES.contains(&intel.as_str())
                || handling
                    .as_deref()
                    .is_some_and(|h| !HANDLING_CODES.contains(&h))
            {
                return Err(bad());
            }
            Ok((src, intel, handling))
        }
        _ => Err(bad()),
    }
}

impl Note {
    /// Strips what `--redact-sources` leaves behind: the source, its
    /// grading and handling. Whether there was any.
    pub fn strip_sources(&mut self) -> bool {
        let had = self.source.is_some()
            || self.source_grade.is_some()
            || self.intel_grade.is_some()
            || self.handling.is_some();
        self.source = None;
        self.source_grade = None;
        self.intel_grade = None;
        self.handling = None;
        had
    }

    pub fn grading(&self) -> Option<String> {
        match (&self.source_grade, &self.intel_grade) {
            (Some(s), Some(i)) => Some(format!("{s}{i}{}", self.handling.as_deref().unwrap_or(""))),
            _ => None,
        }
    }
}

impl Record for Note {
    const KIND: ItemKind = ItemKind::Note;
    const FIELDS: &'static [FieldSpec] = FIELDS;
    const ID_COLUMNS: &'static [&'static str] = &["item_id"];

    fn meta(&self) -> &Meta {
        &self.meta
    }
    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }
    fn label(&self) -> String {
        format!(
            "{} {}: {}",
            self.note_type,
            self.noted_on,
            crate::domain::text::truncate(&self.text, 40)
        )
    }
    fn search_text(&self) -> String {
        self.text.clone()
    }
    fn identifiers(&self) -> Vec<Identifier> {
        identifiers::from_free_text(&self.text)
    }
    fn about_parcel(&self) -> Option<Uuid> {
        (self.item_kind == ItemKind::Parcel).then_some(self.item_id)
    }
    fn identifiers_in(&self, country: Option<&str>) -> Vec<Identifier> {
        identifiers::scan(&self.text, country).ids
    }
    fn check(&self) -> Result<Vec<String>, super::fields::FieldError> {
        Ok(identifiers::scan(&self.text, None)
            .failed
            .into_iter()
            .map(|f| format!("text: {f}"))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradings() {
        assert_eq!(parse_grading("2B").unwrap(), ("2".into(), "B".into(), None));
        assert_eq!(
            parse_grading("1/a/p").unwrap(),
            ("1".into(), "A".into(), Some("P".into()))
        );
        assert_eq!(
            parse_grading("3 E C").unwrap(),
            ("3".into(), "E".into(), Some("C".into()))
        );
        for bad in ["", "4B", "2F", "2BX", "2BPP", "B2"] {
            assert!(parse_grading(bad).is_err(), "{bad}");
        }
    }
}
