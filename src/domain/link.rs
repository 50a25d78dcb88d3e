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
    /// Turns the ends round where the type reads one way whatever order
    /// they were given in, then checks that the type fits the kinds of its
    /// ends (set): an includes link reads from the case (a parcel linked to
    /// a case with it means the case includes the parcel); sender-of and
    /// recipient-of read from the person or organisation to the parcel.
    /// The rest is [`Link::check_kinds`]. A refusal names the types that do join the two kinds.
    pub fn orient(&mut self) -> Result<(), FieldError> {
        let (from, to) = (self.from_kind, self.to_kind);
        let fits = turned(&self.link_type, from, to).and_then(|turn| {
            if turn {
                std::mem::swap(&mut self.from_id, &mut self.to_id);
                std::mem::swap(&mut self.from_kind, &mut self.to_kind);
            }
            self.check_kinds()
        });
        fits.map_err(|mut e| {
            e.message = format!(
                "{}; a {from} and a {to} take {}",
                e.message,
                Self::types_between(from, to).join(", ")
            );
            e
        })
    }

    /// The link types that may join an item of kind `from` to one of kind
    /// `to`, given in either order where the type reads one way
    /// ([`Link::orient`]), in the order of [`LINK_TYPES`].
    pub fn types_between(from: ItemKind, to: ItemKind) -> Vec<&'static str> {
        LINK_TYPES
            .iter()
            .copied()
            .filter(|t| match turned(t, from, to) {
                Ok(true) => kinds_fit(t, to, from).is_ok(),
                Ok(false) => kinds_fit(t, from, to).is_ok(),
                Err(_) => false,
            })
            .collect()
    }

    /// Whether the link's type fits the kinds of its ends (set): an
    /// analogue or precursor joins two substances; same-sender,
    /// same-recipient and sent-with two parcels; member-of and operates
    /// go from a person or organisation to an organisation; paid joins
    /// two people or organisations; arrested a person and a parcel. (The
    /// includes, sender-of and recipient-of rules turn the ends round
    /// first: see [`Link::orient`].) Other types join anything.
    pub fn check_kinds(&self) -> Result<(), FieldError> {
        kinds_fit(&self.link_type, self.from_kind, self.to_kind)
    }
}

/// Whether a link of `link_type` must be turned round to read from `from`
/// to `to` as its type reads (see [`Link::orient`]); an error where no
/// order of the two fits.
fn turned(link_type: &str, from: ItemKind, to: ItemKind) -> Result<bool, FieldError> {
    use ItemKind::*;
    let party = |k: ItemKind| matches!(k, Person | Organisation);
    match link_type {
        "includes" if from != Case => {
            if to != Case {
                return Err(FieldError {
                    field: "link_type".into(),
                    message: "an includes link goes from a case to what it includes".into(),
                });
            }
            Ok(true)
        }
        "sender-of" | "recipient-of" => {
            let turn = from == Parcel && party(to);
            let (a, b) = if turn { (to, from) } else { (from, to) };
            if !(party(a) && b == Parcel) {
                return Err(FieldError {
                    field: "link_type".into(),
                    message: format!(
                        "a {link_type} link joins a person or organisation and a parcel, not a {from} and a {to}"
                    ),
                });
            }
            Ok(turn)
        }
        _ => Ok(false),
    }
}

/// Whether a link of `link_type` from a `a` to a `b` fits (see
/// [`Link::check_kinds`]).
fn kinds_fit(link_type: &str, a: ItemKind, b: ItemKind) -> Result<(), FieldError> {
    use ItemKind::*;
    let party = |k: ItemKind| matches!(k, Person | Organisation);
    let (fits, wants) = match link_type {
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
        message: format!("a {link_type} link joins {wants}, not a {a} and a {b}"),
    })
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

    /// The types offered between two kinds are those the store takes,
    /// in either order where a type reads one way, and a refusal names
    /// them.
    #[test]
    fn the_types_between_two_kinds_are_those_that_fit() {
        use ItemKind::{Case, Exhibit, Organisation, Parcel, Person, Substance};
        let between = Link::types_between;
        let parcels = between(Parcel, Parcel);
        assert!(parcels.contains(&"same-sender-as") && parcels.contains(&"related-to"));
        for t in [
            "includes",
            "analogue-of",
            "member-of",
            "sender-of",
            "arrested",
        ] {
            assert!(!parcels.contains(&t), "{t} between two parcels");
        }
        // Read one way, offered in either order.
        assert!(between(Parcel, Case).contains(&"includes"));
        assert!(between(Case, Parcel).contains(&"includes"));
        for (a, b) in [(Person, Parcel), (Parcel, Organisation)] {
            let offered = between(a, b);
            assert!(offered.contains(&"sender-of") && offered.contains(&"recipient-of"));
        }
        assert!(between(Parcel, Person).contains(&"arrested"));
        assert!(between(Person, Organisation).contains(&"member-of"));
        assert!(!between(Organisation, Person).contains(&"member-of"));
        assert!(between(Substance, Substance).contains(&"precursor-of"));
        // Every type offered is taken, every other refused, naming those
        // offered.
        let kinds = [Case, Parcel, Substance, Person, Organisation, Exhibit];
        for a in kinds {
            for b in kinds {
                let offered = between(a, b);
                for t in LINK_TYPES {
                    let (mut l, _) = new_record::<Link>(&[("link_type", t)]).unwrap();
                    (l.from_kind, l.to_kind) = (a, b);
                    match l.orient() {
                        Ok(()) => assert!(offered.contains(t), "{t} {a}->{b} not offered"),
                        Err(e) => {
                            assert!(!offered.contains(t), "{t} {a}->{b} offered, refused");
                            assert_eq!(e.field, "link_type");
                            let names = format!("a {a} and a {b} take {}", offered.join(", "));
                            assert!(e.message.ends_with(&names), "{}", e.message);
                        }
                    }
                }
            }
        }
    }
}
