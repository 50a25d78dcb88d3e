//! A laboratory's result on a finding. A finding becomes lab-confirmed
//! only through a result that confirms it; a result that found another
//! substance, or none, contradicts the presumptive test and is flagged.

use super::meta_access;
use crate::domain::fields::{FieldError, FieldKind::*, FieldSpec};
use crate::domain::finding::UNITS;
use crate::domain::text::search_fields;
use crate::domain::{ItemKind, Meta, Record};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const METHODS: &[&str] = &[
    "GC-MS",
    "LC-MS",
    "LC-HRMS",
    "FTIR",
    "Raman",
    "NMR",
    "HPLC",
    "UV-Vis",
    "colour-test",
    "other",
];
/// What the laboratory found, against the finding's substance.
pub const OUTCOMES: &[&str] = &["confirmed", "other-substance", "not-detected"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabResult {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(default)]
    pub finding_id: Uuid,
    pub laboratory: String,
    pub reference: String,
    pub method: String,
    pub analysed_on: Option<String>,
    pub outcome: String,
    /// The substance the laboratory identified, when not the finding's.
    pub identified: Option<String>,
    pub purity: Option<f64>,
    pub net_quantity: Option<f64>,
    pub unit: Option<String>,
    pub note: Option<String>,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec::new("laboratory", "Laboratory", Text).required(),
    FieldSpec::new("reference", "Report reference", Text).required(),
    FieldSpec::new("method", "Methods", ChoiceList(METHODS)).required(),
    FieldSpec::new("analysed_on", "Analysed on", Date),
    FieldSpec::new("outcome", "Outcome", Choice(OUTCOMES))
        .required()
        .default("confirmed"),
    FieldSpec::new("identified", "Substance identified", Text),
    FieldSpec::new("purity", "Purity (%)", Percent),
    FieldSpec::new("net_quantity", "Net quantity", Quantity),
    FieldSpec::new("unit", "Unit", Choice(UNITS)),
    FieldSpec::new("note", "Note", LongText),
];

/// The SWGDRUG categories of a method's techniques (A most
/// discriminating): a hyphenated technique counts as its two techniques,
/// a chromatography (B) and a mass spectrometry (A), as SWGDRUG allows
/// when the results of each are used. `other` is a technique of unknown
/// category.
pub fn categories(method: &str) -> &'static [char] {
    match method {
        "GC-MS" | "LC-MS" | "LC-HRMS" => &['A', 'B'],
        "FTIR" | "Raman" | "NMR" => &['A'],
        "HPLC" => &['B'],
        "UV-Vis" | "colour-test" => &['C'],
        _ => &['?'],
    }
}

/// Whether methods (`GC-MS,FTIR`) can identify a substance under SWGDRUG:
/// a category A technique and at least one other, or three techniques of
/// which two are category B.
pub fn identifies(methods: &str) -> bool {
    let all: Vec<char> = methods
        .split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .flat_map(|m| categories(m).iter().copied())
        .collect();
    let count = |c: char| all.iter().filter(|x| **x == c).count();
    (count('A') >= 1 && all.len() >= 2) || (all.len() >= 3 && count('B') >= 2)
}

impl LabResult {
    /// Whether the result contradicts the finding's presumptive
    /// identification.
    pub fn contradicts(&self) -> bool {
        self.outcome != "confirmed"
    }

    /// Whether the result confirms the finding: it says so, and its
    /// methods can identify a substance (SWGDRUG).
    pub fn confirms(&self) -> bool {
        self.outcome == "confirmed" && identifies(&self.method)
    }

    /// Whether the result agrees with itself on its finding, whose
    /// substance is `substance`: `other-substance` naming the finding's
    /// own substance (by its name, a synonym or its CAS number), or
    /// `confirmed` naming another, is refused (however the result is
    /// written: added, edited or merged). (An edit naming it by a synonym
    /// or its CAS number was taken, and the report said the finding was
    /// contradicted by a result that found it.)
    pub fn against_finding(&self, substance: &crate::domain::Substance) -> Result<(), FieldError> {
        let same = |a: &str| {
            crate::domain::text::fold(a) == crate::domain::text::fold(&substance.name)
                || substance.is_called(a)
                || substance
                    .cas
                    .as_deref()
                    .is_some_and(|c| c.trim() == a.trim())
        };
        let substance = substance.name.as_str();
        let message = match (self.outcome.as_str(), self.identified.as_deref()) {
            ("other-substance", Some(s)) if same(s) => format!(
                "{s} is the finding's own substance: a result that found it is confirmed, not other-substance"
            ),
            ("confirmed", Some(s)) if !same(s) => format!(
                "the finding is {substance}: a result that found {s} is other-substance, not confirmed"
            ),
            _ => return Ok(()),
        };
        Err(FieldError {
            field: "identified".into(),
            message,
        })
    }
}

impl Record for LabResult {
    const KIND: ItemKind = ItemKind::LabResult;
    const FIELDS: &'static [FieldSpec] = FIELDS;
    const ID_COLUMNS: &'static [&'static str] = &["finding_id"];
    meta_access!();

    fn label(&self) -> String {
        let what = match (self.outcome.as_str(), &self.identified) {
            ("other-substance", Some(s)) => format!("found {s}"),
            (o, _) => o.to_string(),
        };
        format!("lab {} {}: {what}", self.laboratory, self.reference)
    }
    fn search_text(&self) -> String {
        search_fields(&[
            Some(self.laboratory.as_str()),
            Some(self.reference.as_str()),
            self.identified.as_deref(),
            self.note.as_deref(),
        ])
    }
    fn check(&self) -> Result<Vec<String>, FieldError> {
        if self.net_quantity.is_some() && self.unit.is_none() {
            return Err(FieldError {
                field: "unit".into(),
                message: "a quantity needs a unit".into(),
            });
        }
        if self.outcome == "other-substance" && self.identified.is_none() {
            return Err(FieldError {
                field: "identified".into(),
                message: "say which substance the laboratory found (identified)".into(),
            });
        }
        // (However it was written: typed, edited, merged.)
        if self.outcome == "confirmed" && !identifies(&self.method) {
            return Err(FieldError {
                field: "method".into(),
                message: format!(
                    "{} cannot confirm a finding: SWGDRUG identifies with a category A technique (GC-MS, LC-MS, LC-HRMS, FTIR, Raman, NMR) and one more; name every technique the report used",
                    self.method
                ),
            });
        }
        if let ("not-detected", Some(s)) = (self.outcome.as_str(), &self.identified) {
            return Err(FieldError {
                field: "identified".into(),
                message: format!("{s} identified, but the outcome is not-detected"),
            });
        }
        if let Some(on) = &self.analysed_on
            && on.get(..10).unwrap_or(on) > crate::domain::dates::latest_today().as_str()
        {
            return Err(FieldError {
                field: "analysed_on".into(),
                message: format!(
                    "{on} is in the future: a result is recorded once the analysis is done"
                ),
            });
        }
        if self.outcome == "not-detected" && self.purity.is_some_and(|p| p > 0.0) {
            return Err(FieldError {
                field: "purity".into(),
                message: "a purity above 0 % for a substance not detected".into(),
            });
        }
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::identifies;

    #[test]
    fn swgdrug_needs_a_category_a_technique_and_another() {
        for yes in [
            "GC-MS",
            "GC-MS,FTIR",
            "FTIR,colour-test",
            "NMR,Raman",
            "LC-MS",
        ] {
            assert!(identifies(yes), "{yes}");
        }
        for no in [
            "colour-test",
            "FTIR",
            "HPLC,UV-Vis,colour-test",
            "UV-Vis",
            "other",
        ] {
            assert!(!identifies(no), "{no}");
        }
    }
}
