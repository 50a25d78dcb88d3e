//! A case: one investigation.

use super::fields::{FieldError, FieldKind::*, FieldSpec, TLP};
use super::kind::ItemKind;
use super::meta::Meta;
use super::record::Record;
use serde::{Deserialize, Serialize};

pub const CASE_STATUS: &[&str] = &["open", "active", "closed", "archived"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    #[serde(flatten)]
    pub meta: Meta,
    /// Short reference, `C-0042`, given by the store.
    #[serde(rename = "ref", default)]
    pub reference: String,
    pub title: String,
    pub status: String,
    pub opened_on: Option<String>,
    pub closed_on: Option<String>,
    pub lead_officer: Option<String>,
    pub summary: Option<String>,
    pub tlp: String,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec::new("title", "Title", Text).required(),
    FieldSpec::new("status", "Status", Choice(CASE_STATUS))
        .required()
        .default("open"),
    FieldSpec::new("opened_on", "Opened", Date).default("today"),
    FieldSpec::new("closed_on", "Closed", Date),
    FieldSpec::new("lead_officer", "Lead officer", Text),
    FieldSpec::new("summary", "Summary", LongText),
    FieldSpec::new("tlp", "Handling (TLP)", Tlp)
        .required()
        .default("AMBER"),
];

/// Formats a case number as its reference: 42 -> `C-0042`.
pub fn reference(n: i64) -> String {
    format!("C-{n:04}")
}

/// The highest case number a reference may carry: far above any real
/// notebook, far below where numbering would overflow.
pub const MAX_CASE_NUMBER: i64 = 999_999_999;

/// Parses `C-42`, `c-0042` or `C42` to the case number (1 to
/// [`MAX_CASE_NUMBER`]).
pub fn parse_reference(s: &str) -> Option<i64> {
    let s = s.trim();
    let rest = s.strip_prefix(['C', 'c'])?;
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    if rest.is_empty() || rest.len() > 12 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest.parse()
        .ok()
        .filter(|n| (1..=MAX_CASE_NUMBER).contains(n))
}

impl Record for Case {
    const KIND: ItemKind = ItemKind::Case;
    const FIELDS: &'static [FieldSpec] = FIELDS;

    fn meta(&self) -> &Meta {
        &self.meta
    }
    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }
    fn label(&self) -> String {
        format!("{} {}", self.reference, self.title)
    }
    fn search_text(&self) -> String {
        [
            Some(self.reference.as_str()),
            Some(self.title.as_str()),
            self.lead_officer.as_deref(),
            self.summary.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" | ")
    }
    fn check(&self) -> Result<Vec<String>, FieldError> {
        if let (Some(o), Some(c)) = (&self.opened_on, &self.closed_on)
            && c < o
        {
            return Err(FieldError {
                field: "closed_on".into(),
                message: format!("{c} is before the opening date {o}"),
            });
        }
        let mut warnings = Vec::new();
        if self.status == "closed" && self.closed_on.is_none() {
            warnings.push("closed_on: the case is closed but has no closing date".into());
        }
        debug_assert!(TLP.contains(&self.tlp.as_str()) || self.tlp.is_empty());
        Ok(warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::{new_record, set_fields};

    #[test]
    fn references() {
        assert_eq!(reference(42), "C-0042");
        assert_eq!(reference(12345), "C-12345");
        assert_eq!(parse_reference("c-42"), Some(42));
        assert_eq!(parse_reference("C0042"), Some(42));
        assert_eq!(parse_reference("C-"), None);
        assert_eq!(parse_reference("CX-1"), None);
        assert_eq!(parse_reference("C-9223372036854775807"), None);
        assert_eq!(parse_reference("C-0"), None);
    }

    #[test]
    fn new_case_gets_defaults() {
        let (c, w) = new_record::<Case>(&[("title", "Operation Tea")]).unwrap();
        assert_eq!(c.status, "open");
        assert_eq!(c.tlp, "AMBER");
        assert!(c.opened_on.is_some());
        assert!(w.is_empty());
        assert_eq!(new_record::<Case>(&[]).unwrap_err().field, "title");
    }

    #[test]
    fn closing_before_opening_rejected_and_nothing_changes() {
        let (mut c, _) =
            new_record::<Case>(&[("title", "X"), ("opened_on", "2026-03-01")]).unwrap();
        let before = c.clone();
        let e =
            set_fields(&mut c, &[("status", "closed"), ("closed_on", "2026-02-01")]).unwrap_err();
        assert_eq!(e.field, "closed_on");
        assert_eq!(c, before);
        let w = set_fields(&mut c, &[("status", "closed")]).unwrap();
        assert_eq!(w.len(), 1);
    }
}
