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
    Inspection,
    Exhibit,
    Custody,
    #[serde(rename = "lab-result")]
    LabResult,
    Delivery,
    Document,
}

impl ItemKind {
    pub const ALL: [ItemKind; 14] = [
        ItemKind::Case,
        ItemKind::Parcel,
        ItemKind::Substance,
        ItemKind::Finding,
        ItemKind::Link,
        ItemKind::Note,
        ItemKind::Person,
        ItemKind::Organisation,
        ItemKind::Inspection,
        ItemKind::Exhibit,
        ItemKind::Custody,
        ItemKind::LabResult,
        ItemKind::Delivery,
        ItemKind::Document,
    ];

    /// The kinds of the evidence trail, each held by a parcel (custody by
    /// an exhibit, lab results by a finding, documents by any item).
    pub const EVIDENCE: [ItemKind; 6] = [
        ItemKind::Inspection,
        ItemKind::Exhibit,
        ItemKind::Custody,
        ItemKind::LabResult,
        ItemKind::Delivery,
        ItemKind::Document,
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
            ItemKind::Inspection => "inspection",
            ItemKind::Exhibit => "exhibit",
            ItemKind::Custody => "custody",
            ItemKind::LabResult => "lab-result",
            ItemKind::Delivery => "delivery",
            ItemKind::Document => "document",
        }
    }

    /// `n` items of this kind, as a count reads: `1 person`, `2 people`,
    /// `3 custody entries`.
    pub fn counted(self, n: usize) -> String {
        let one = match self {
            ItemKind::Custody => "custody entry",
            ItemKind::LabResult => "lab result",
            k => k.as_str(),
        };
        if n == 1 {
            return format!("1 {one}");
        }
        let many = match self {
            ItemKind::Person => "people".to_string(),
            ItemKind::Custody => "custody entries".to_string(),
            ItemKind::Delivery => "deliveries".to_string(),
            _ => format!("{one}s"),
        };
        format!("{n} {many}")
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
            ItemKind::Inspection => "inspections",
            ItemKind::Exhibit => "exhibits",
            ItemKind::Custody => "custody",
            ItemKind::LabResult => "lab_results",
            ItemKind::Delivery => "deliveries",
            ItemKind::Document => "documents",
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
                    || (*k == ItemKind::LabResult && matches!(s.as_str(), "lab" | "lab-results" | "labresult"))
                    || (*k == ItemKind::Custody && s == "custody-entry")
            })
            .ok_or_else(|| {
                format!(
                    "unknown kind {s:?}: expected case, parcel, substance, finding, link, note, person, organisation, inspection, exhibit, custody, lab-result, delivery or document"
                )
            })
    }
}

/// Runs `$body` with `$R` standing for the record type of `$kind`, so that
/// one generic call serves every kind.
#[macro_export]
macro_rules! with_record_type {
    ($kind:expr, $R:ident => $body:expr) => {{
        use $crate::domain::ItemKind as K;
        match $kind {
            K::Case => {
                type $R = $crate::domain::Case;
                $body
            }
            K::Parcel => {
                type $R = $crate::domain::Parcel;
                $body
            }
            K::Substance => {
                type $R = $crate::domain::Substance;
                $body
            }
            K::Finding => {
                type $R = $crate::domain::Finding;
                $body
            }
            K::Link => {
                type $R = $crate::domain::Link;
                $body
            }
            K::Note => {
                type $R = $crate::domain::Note;
                $body
            }
            K::Person => {
                type $R = $crate::domain::Person;
                $body
            }
            K::Organisation => {
                type $R = $crate::domain::Organisation;
                $body
            }
            K::Inspection => {
                type $R = $crate::domain::evidence::Inspection;
                $body
            }
            K::Exhibit => {
                type $R = $crate::domain::evidence::Exhibit;
                $body
            }
            K::Custody => {
                type $R = $crate::domain::evidence::Custody;
                $body
            }
            K::LabResult => {
                type $R = $crate::domain::evidence::LabResult;
                $body
            }
            K::Delivery => {
                type $R = $crate::domain::evidence::Delivery;
                $body
            }
            K::Document => {
                type $R = $crate::domain::evidence::Document;
                $body
            }
        }
    }};
}
