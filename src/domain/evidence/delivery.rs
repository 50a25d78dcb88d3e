//! How a controlled delivery of a parcel ended: delivered or not, who
//! collected it, how many were arrested (the people arrested are linked to
//! the parcel as `arrested`).

use super::meta_access;
use crate::domain::fields::{FieldError, FieldKind::*, FieldSpec};
use crate::domain::text::search_fields;
use crate::domain::{ItemKind, Meta, Record};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const OUTCOMES: &[&str] = &[
    "collected",
    "delivered-not-collected",
    "not-delivered",
    "abandoned",
    "called-off",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(default)]
    pub parcel_id: Uuid,
    pub delivered_on: Option<String>,
    pub outcome: String,
    pub delivered_to: Option<String>,
    pub collected_by: Option<String>,
    pub arrests: Option<f64>,
    pub note: Option<String>,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec::new("delivered_on", "When", DateTime),
    FieldSpec::new("outcome", "Outcome", Choice(OUTCOMES)).required(),
    FieldSpec::new("delivered_to", "Delivered to (address)", Text),
    FieldSpec::new("collected_by", "Collected by", Text),
    FieldSpec::new("arrests", "Arrests", Amount),
    FieldSpec::new("note", "Note", LongText),
];

impl Record for Delivery {
    const KIND: ItemKind = ItemKind::Delivery;
    const FIELDS: &'static [FieldSpec] = FIELDS;
    const ID_COLUMNS: &'static [&'static str] = &["parcel_id"];
    meta_access!();

    fn label(&self) -> String {
        let mut s = format!("controlled delivery: {}", self.outcome);
        if let Some(by) = &self.collected_by {
            s.push_str(&format!(" by {by}"));
        }
        if let Some(n) = self.arrests.filter(|n| *n > 0.0) {
            s.push_str(&format!(", {n} arrested"));
        }
        s
    }
    fn search_text(&self) -> String {
        search_fields(&[
            self.delivered_to.as_deref(),
            self.collected_by.as_deref(),
            self.note.as_deref(),
        ])
    }
    fn check(&self) -> Result<Vec<String>, FieldError> {
        if let Some(on) = &self.delivered_on
            && crate::domain::dates::in_the_future(on)
        {
            return Err(FieldError {
                field: "delivered_on".into(),
                message: format!("{on} is in the future: an outcome is recorded once it is known"),
            });
        }
        if self.arrests.is_some_and(|n| n.fract() != 0.0) {
            return Err(FieldError {
                field: "arrests".into(),
                message: "a number of people (a whole number)".into(),
            });
        }
        if self.collected_by.is_some() && self.outcome != "collected" {
            return Err(FieldError {
                field: "collected_by".into(),
                message: format!("someone collected it, but the outcome is {}", self.outcome),
            });
        }
        Ok(Vec::new())
    }
}
