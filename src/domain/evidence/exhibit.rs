//! An exhibit: an item seized from a parcel, or a sample taken from one,
//! under its exhibit number and seal, with its weights.

use super::meta_access;
use crate::domain::fields::{FieldError, FieldKind::*, FieldSpec};
use crate::domain::text::search_fields;
use crate::domain::{ItemKind, Meta, Record};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const EXHIBIT_KINDS: &[&str] = &["item", "sample"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exhibit {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(default)]
    pub parcel_id: Uuid,
    /// The exhibit number as the agency writes it (`KZ-ALA-2026-0142/1`).
    pub number: String,
    pub exhibit_kind: String,
    /// For a sample, the exhibit number it was taken from.
    pub sample_of: Option<String>,
    pub seal: Option<String>,
    pub description: Option<String>,
    pub gross_g: Option<f64>,
    pub net_g: Option<f64>,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec::new("number", "Exhibit number", Text).required(),
    FieldSpec::new("exhibit_kind", "Item or sample", Choice(EXHIBIT_KINDS))
        .required()
        .default("item"),
    FieldSpec::new("sample_of", "Sample of (exhibit)", Text),
    FieldSpec::new("seal", "Seal number", Text),
    FieldSpec::new("description", "Description", LongText),
    FieldSpec::new("gross_g", "Gross weight (g)", Grams),
    FieldSpec::new("net_g", "Net weight (g)", Grams),
];

impl Record for Exhibit {
    const KIND: ItemKind = ItemKind::Exhibit;
    const FIELDS: &'static [FieldSpec] = FIELDS;
    const ID_COLUMNS: &'static [&'static str] = &["parcel_id"];
    meta_access!();

    fn label(&self) -> String {
        let mut s = format!("exhibit {}", self.number);
        if self.exhibit_kind == "sample" {
            s.push_str(" (sample");
            if let Some(of) = &self.sample_of {
                s.push_str(&format!(" of {of}"));
            }
            s.push(')');
        }
        s
    }
    fn search_text(&self) -> String {
        search_fields(&[
            Some(self.number.as_str()),
            self.seal.as_deref(),
            self.description.as_deref(),
        ])
    }
    fn check(&self) -> Result<Vec<String>, FieldError> {
        if let (Some(g), Some(n)) = (self.gross_g, self.net_g)
            && n > g
        {
            return Err(FieldError {
                field: "net_g".into(),
                message: format!("the net weight ({n} g) is more than the gross weight ({g} g)"),
            });
        }
        if self.sample_of.is_some() && self.exhibit_kind != "sample" {
            return Err(FieldError {
                field: "sample_of".into(),
                message: "only a sample is taken from another exhibit (exhibit_kind=sample)".into(),
            });
        }
        if self.sample_of.as_deref() == Some(self.number.as_str()) {
            return Err(FieldError {
                field: "sample_of".into(),
                message: "a sample cannot be taken from itself".into(),
            });
        }
        Ok(Vec::new())
    }
}
