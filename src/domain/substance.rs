//! A substance: a drug, new psychoactive substance or precursor, known
//! under many names.

use super::fields::{FieldKind::*, FieldSpec};
use super::kind::ItemKind;
use super::meta::Meta;
use super::record::Record;
use serde::{Deserialize, Serialize};

/// UNODC early-warning chemical groups.
pub const GROUPS: &[&str] = &[
    "aminoindanes",
    "synthetic-cannabinoids",
    "synthetic-cathinones",
    "ketamine-pcp-type",
    "phenethylamines",
    "piperazines",
    "plant-based",
    "tryptamines",
    "other",
    // Not an early-warning group: the internationally controlled drugs
    // that are not NPS (cocaine, heroin, morphine, codeine).
    "classic-drugs",
];
/// Sub-classes worth naming, mostly among opioids.
pub const SUBCLASSES: &[&str] = &[
    "fentanyl-analogue",
    "nitazene",
    "brorphine-like",
    "other-opioid",
    "benzodiazepine",
    "precursor",
    "arylcyclohexylamine",
    "other",
];
/// UNODC effect groups.
pub const EFFECTS: &[&str] = &[
    "stimulant",
    "synthetic-cannabinoid",
    "hallucinogen",
    "dissociative",
    "sedative-hypnotic",
    "synthetic-opioid",
    // Natural and semi-synthetic opioids (morphine, codeine, heroin,
    // oxycodone, buprenorphine, kratom alkaloids).
    "opioid",
    "none",
];
pub const SCHEDULES: &[&str] = &["I", "II", "III", "IV"];
pub const TABLES_1988: &[&str] = &["I", "II"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Substance {
    #[serde(flatten)]
    pub meta: Meta,
    pub name: String,
    /// Synonyms, short names and street names, separated by `;`.
    pub synonyms: Option<String>,
    pub group: String,
    pub subclass: Option<String>,
    pub effect: Option<String>,
    pub cas: Option<String>,
    pub schedule_1961: Option<String>,
    pub schedule_1971: Option<String>,
    pub table_1988: Option<String>,
    pub national_note: Option<String>,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec::new("name", "Name", Text).required(),
    FieldSpec::new("synonyms", "Synonyms", Text),
    FieldSpec::new("group", "Chemical group", Choice(GROUPS))
        .required()
        .default("other"),
    FieldSpec::new("subclass", "Sub-class", Choice(SUBCLASSES)),
    FieldSpec::new("effect", "Effect group", Choice(EFFECTS)),
    FieldSpec::new("cas", "CAS number", Cas),
    FieldSpec::new("schedule_1961", "1961 schedule", Choice(SCHEDULES)),
    FieldSpec::new("schedule_1971", "1971 schedule", Choice(SCHEDULES)),
    FieldSpec::new("table_1988", "1988 table", Choice(TABLES_1988)),
    FieldSpec::new("national_note", "National control", Text),
];

impl Substance {
    pub fn synonym_list(&self) -> impl Iterator<Item = &str> {
        self.synonyms
            .as_deref()
            .unwrap_or("")
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// Does this name or synonym designate the substance (ignoring case)?
    pub fn is_called(&self, name: &str) -> bool {
        // Case folded in every script: `Мефедрон` is `мефедрон`.
        let name = name.trim().to_lowercase();
        self.name.to_lowercase() == name || self.synonym_list().any(|s| s.to_lowercase() == name)
    }

    /// International control in one line: `1961 Sch. I; 1988 Table I`.
    pub fn control_summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.schedule_1961 {
            parts.push(format!("1961 Sch. {s}"));
        }
        if let Some(s) = &self.schedule_1971 {
            parts.push(format!("1971 Sch. {s}"));
        }
        if let Some(t) = &self.table_1988 {
            parts.push(format!("1988 Table {t}"));
        }
        if parts.is_empty() {
            parts.push("not internationally controlled".into());
        }
        parts.join("; ")
    }
}

impl Record for Substance {
    const KIND: ItemKind = ItemKind::Substance;
    const FIELDS: &'static [FieldSpec] = FIELDS;

    fn meta(&self) -> &Meta {
        &self.meta
    }
    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }
    fn label(&self) -> String {
        self.name.clone()
    }
    fn search_text(&self) -> String {
        [
            Some(self.name.as_str()),
            self.synonyms.as_deref(),
            self.cas.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" | ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::new_record;

    #[test]
    fn names_and_control() {
        let (s, _) = new_record::<Substance>(&[
            ("name", "Mephedrone"),
            ("synonyms", "4-MMC; meow meow"),
            ("group", "synthetic-cathinones"),
            ("schedule_1971", "II"),
            ("cas", "1189805-46-6"),
        ])
        .unwrap();
        assert!(s.is_called("4-mmc"));
        assert!(s.is_called("MEOW MEOW"));
        assert!(!s.is_called("meow"));
        assert_eq!(s.control_summary(), "1971 Sch. II");
        assert_eq!(
            new_record::<Substance>(&[("name", "X"), ("cas", "1189805-46-7")])
                .unwrap_err()
                .field,
            "cas"
        );
    }
}
