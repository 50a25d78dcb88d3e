//! A link: a typed, dated, graded connection between two items, with who
//! made it and why.

use super::fields::{FieldKind::*, FieldSpec, HANDLING_CODES, INTEL_GRADES, SOURCE_GRADES};
use super::kind::ItemKind;
use super::meta::Meta;
use super::record::Record;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const LINK_TYPES: &[&str] = &[
    "includes",
    "related-to",
    "same-sender-as",
    "same-recipient-as",
    "same-as",
    "sent-with",
    "analogue-of",
    "precursor-of",
    "mentions",
    // A person and parcels, organisations and shops.
    "sender-of",
    "recipient-of",
    "member-of",
    "operates",
    "paid",
    // A person arrested over a parcel (a controlled delivery's outcome).
    "arrested",
    "other",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(default = "default_kind")]
    pub from_kind: ItemKind,
    #[serde(default)]
    pub from_id: Uuid,
    #[serde(default = "default_kind")]
    pub to_kind: ItemKind,
    #[serde(default)]
    pub to_id: Uuid,
    pub link_type: String,
    pub note: Option<String>,
    pub source_grade: Option<String>,
    pub intel_grade: Option<String>,
    pub handling: Option<String>,
}

fn default_kind() -> ItemKind {
    ItemKind::Case
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec::new("link_type", "Link type", Choice(LINK_TYPES))
        .required()
        .default("related-to"),
    FieldSpec::new("note", "Why", LongText),
    FieldSpec::new("source_grade", "Source (1-3)", Choice(SOURCE_GRADES)),
    FieldSpec::new("intel_grade", "Intelligence (A-E)", Choice(INTEL_GRADES)),
    FieldSpec::new("handling", "Handling (P/C)", Choice(HANDLING_CODES)),
];

impl Record for Link {
    const KIND: ItemKind = ItemKind::Link;
    const FIELDS: &'static [FieldSpec] = FIELDS;
    const ID_COLUMNS: &'static [&'static str] = &["from_id", "to_id"];

    fn meta(&self) -> &Meta {
        &self.meta
    }
    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }
    fn label(&self) -> String {
        format!("{} {} {}", self.from_kind, self.link_type, self.to_kind)
    }
    fn search_text(&self) -> String {
        self.note.clone().unwrap_or_default()
    }
}
