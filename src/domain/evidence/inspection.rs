//! An inspection of a parcel: when and where, by whom, why it was picked
//! out, what was done to it and what a field test said.

use super::meta_access;
use crate::domain::fields::{FieldError, FieldKind::*, FieldSpec};
use crate::domain::text::search_fields;
use crate::domain::{ItemKind, Meta, Record};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const PLACE_KINDS: &[&str] = &[
    "post-office",
    "sorting-centre",
    "airport",
    "courier-hub",
    "border-crossing",
    "warehouse",
    "address",
    "other",
];
/// How the parcel was selected (the detection method of incident reports).
pub const SELECTIONS: &[&str] = &[
    "profiling-hit",
    "x-ray",
    "detector-dog",
    "intelligence",
    "random",
    "controlled-delivery",
    "tip-off",
    "other",
];
pub const ACTIONS: &[&str] = &[
    "x-rayed",
    "dog-screened",
    "opened",
    "field-tested",
    "weighed",
    "photographed",
    "sampled",
    "resealed",
];
pub const TEST_RESULTS: &[&str] = &["positive", "negative", "inconclusive"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inspection {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(default)]
    pub parcel_id: Uuid,
    pub inspected_on: String,
    pub place: Option<String>,
    pub place_kind: Option<String>,
    pub officer: Option<String>,
    pub selection: String,
    pub actions: Option<String>,
    pub test_kit: Option<String>,
    pub test_result: Option<String>,
    /// What the field test indicated (`fentanyl`, `opioids`).
    pub test_indicated: Option<String>,
    pub note: Option<String>,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec::new("inspected_on", "When", DateTime)
        .required()
        .default("now"),
    FieldSpec::new("place", "Place", Text),
    FieldSpec::new("place_kind", "Kind of place", Choice(PLACE_KINDS)),
    FieldSpec::new("officer", "Officer", Text),
    FieldSpec::new("selection", "Selected by", Choice(SELECTIONS)).required(),
    FieldSpec::new("actions", "Done", ChoiceList(ACTIONS)),
    FieldSpec::new("test_kit", "Field-test kit", Text),
    FieldSpec::new("test_result", "Field-test result", Choice(TEST_RESULTS)),
    FieldSpec::new("test_indicated", "Test indicated", Text),
    FieldSpec::new("note", "Note", LongText),
];

impl Record for Inspection {
    const KIND: ItemKind = ItemKind::Inspection;
    const FIELDS: &'static [FieldSpec] = FIELDS;
    const ID_COLUMNS: &'static [&'static str] = &["parcel_id"];
    meta_access!();

    fn label(&self) -> String {
        let mut s = format!("inspected {} ({})", self.inspected_on, self.selection);
        if let Some(p) = &self.place {
            s.push_str(&format!(" at {p}"));
        }
        s
    }
    fn search_text(&self) -> String {
        search_fields(&[
            self.place.as_deref(),
            self.officer.as_deref(),
            self.test_kit.as_deref(),
            self.note.as_deref(),
        ])
    }
    fn check(&self) -> Result<Vec<String>, FieldError> {
        let mut w = Vec::new();
        if crate::domain::dates::in_the_future(&self.inspected_on) {
            return Err(FieldError {
                field: "inspected_on".into(),
                message: format!(
                    "{} is in the future: an inspection is recorded once it is done",
                    self.inspected_on
                ),
            });
        }
        if self.test_result.is_some() && self.test_kit.is_none() {
            w.push("test_result: the kit that gave it is not named (test_kit)".into());
        }
        if self.test_kit.is_some()
            && !self
                .actions
                .as_deref()
                .is_some_and(|a| a.split(',').any(|x| x == "field-tested"))
        {
            // Said rather than refused: the kit says it was tested.
            w.push(
                "actions: a field-test kit is named but field-tested is not among the actions"
                    .into(),
            );
        }
        Ok(w)
    }
}
