//! A link: a typed, dated, graded connection between two items, with who
//! made it and why.

use super::fields::{
    FieldError, FieldKind::*, FieldSpec, HANDLING_CODES, INTEL_GRADES, SOURCE_GRADES,
};
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

impl Link {
    /// An item is never linked to itself, on any path a link is written.
    pub fn check_ends(&self) -> Result<(), FieldError> {
        if !self.from_id.is_nil() && self.from_id == self.to_id {
            return Err(FieldError {
                field: "to".into(),
                message: "an item cannot be linked to itself".into(),
            });
        }
        Ok(())
    }
}

impl Link {
    /// Whether the link's type fits the kinds of its ends (set): an
    /// analogue or precursor joins two substances; same-sender,
    /// same-recipient and sent-with two parcels; member-of and operates
    /// go from a person or organisation to an organisation; paid joins
    /// two people or organisations; arrested a person and a parcel. (The
    /// includes, sender-of and recipient-of rules turn the ends round
    /// first: see `store::create::link`.) Other types join anything.
    pub fn check_kinds(&self) -> Result<(), FieldError> {
        use ItemKind::*;
        let (a, b) = (self.from_kind, self.to_kind);
        let party = |k: ItemKind| matches!(k, Person | Organisation);
        let (fits, wants) = match self.link_type.as_str() {
            "analogue-of" | "precursor-of" => (a == Substance && b == Substance, "two substances"),
            "same-sender-as" | "same-recipient-as" | "sent-with" => {
                (a == Parcel && b == Parcel, "two parcels")
            }
            "member-of" | "operates" => (
                party(a) && b == Organisation,
                "a person or organisation to an organisation",
            ),
            "paid" => (party(a) && party(b), "two people or organisations"),
            "arrested" => (
                (a == Person && b == Parcel) || (a == Parcel && b == Person),
                "a person and a parcel",
            ),
            _ => (true, ""),
        };
        if fits {
            return Ok(());
        }
        Err(FieldError {
            field: "link_type".into(),
            message: format!(
                "a {} link joins {wants}, not a {a} and a {b}",
                self.link_type
            ),
        })
    }
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
    fn check(&self) -> Result<Vec<String>, FieldError> {
        self.check_ends()?;
        Ok(Vec::new())
    }
    fn search_text(&self) -> String {
        self.note.clone().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::{check_received, new_record, validate};

    /// A link from an item to itself is refused however it comes: typed
    /// (validated as written) or received in a file.
    #[test]
    fn a_link_to_itself_is_refused_on_every_path() {
        let (mut l, _) = new_record::<Link>(&[("link_type", "related-to")]).unwrap();
        let m = &mut l.meta;
        (m.created_at, m.updated_at) =
            ("2026-12-01T10:00:00Z".into(), "2026-12-01T10:00:00Z".into());
        (m.created_by, m.updated_by) = ("tester".into(), "tester".into());
        let id = Uuid::now_v7();
        (l.from_id, l.to_id) = (id, Uuid::now_v7());
        assert!(validate(&l).is_ok());
        assert!(check_received(&l).is_ok(), "{:?}", check_received(&l));
        l.to_id = id;
        for e in [validate(&l).unwrap_err(), check_received(&l).unwrap_err()] {
            assert_eq!(e.field, "to");
            assert!(e.message.contains("linked to itself"), "{}", e.message);
        }
    }
}
