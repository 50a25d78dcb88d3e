//! The kinds of item the notebook holds.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Case,
    Parcel,
    Substance,
    Finding,
    Link,
    Note,
    Person,
    Organisation,
}

impl ItemKind {
    pub const ALL: [ItemKind; 8] = [
        ItemKind::Case,
        ItemKind::Parcel,
        ItemKind::Substance,
        ItemKind::Finding,
        ItemKind::Link,
        ItemKind::Note,
        ItemKind::Person,
        ItemKind::Organisation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Case => "case",
            ItemKind::Parcel => "parcel",
            ItemKind::Substance => "substance",
            ItemKind::Finding => "finding",
            ItemKind::Link => "link",
            ItemKind::Note => "note",
            ItemKind::Person => "person",
            ItemKind::Organisation => "organisation",
        }
    }

    /// The SQLite table holding items of this kind.
    pub fn table(self) -> &'static str {
        match self {
            ItemKind::Case => "cases",
            ItemKind::Parcel => "parcels",
            ItemKind::Substance => "substances",
            ItemKind::Finding => "findings",
            ItemKind::Link => "links",
            ItemKind::Note => "notes",
            ItemKind::Person => "people",
            ItemKind::Organisation => "organisations",
        }
    }
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ItemKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_lowercase();
        ItemKind::ALL
            .into_iter()
            .find(|k| {
                k.as_str() == s
                    || k.table() == s
                    // American spelling and the short forms people type.
                    || (*k == ItemKind::Organisation
                        && matches!(s.as_str(), "organization" | "organizations" | "org" | "orgs"))
                    || (*k == ItemKind::Person && s == "persons")
            })
            .ok_or_else(|| {
                format!(
                    "unknown kind {s:?}: expected case, parcel, substance, finding, link, note, person or organisation"
                )
            })
    }
}
