//! The substance catalogue shipped in `assets/substances.csv`, loaded into
//! every new database. Catalogue entries get the same ids in every
//! database (UUIDv7 with a fixed time and name-derived bits), so files that
//! are merged later meet on the same substances instead of doubling them.

use super::error::{Result, StoreError};
use super::{Writer, records};
use crate::domain::Substance;
use crate::domain::record::new_record;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const CSV: &str = include_str!("../../assets/substances.csv");

/// Creation time of catalogue ids: 2026-01-01T00:00:00Z.
const CATALOGUE_EPOCH_MS: u64 = 1_767_225_600_000;
pub const CATALOGUE_AUTHOR: &str = "catalogue";
/// The catalogue's records carry the same provenance in every database
/// (this time, this author, this origin), so that two untouched catalogue
/// entries in two files are the same record, byte for byte, on merge.
pub const CATALOGUE_TIME: &str = "2026-01-01T00:00:00.000Z";
/// The "database" catalogue records were first written in: a fixed id.
pub const CATALOGUE_DB: Uuid = Uuid::from_u128(0x019b_7791_4800_7000_8000_0000_6361_7461);

/// The stable id of a catalogue substance.
pub fn catalogue_id(name: &str) -> Uuid {
    let digest = Sha256::digest(name.to_lowercase().as_bytes());
    let mut rand = [0u8; 10];
    rand.copy_from_slice(&digest[..10]);
    uuid::Builder::from_unix_timestamp_millis(CATALOGUE_EPOCH_MS, &rand).into_uuid()
}

/// Parses the catalogue into unsaved substances; errors name the line.
pub fn entries() -> Result<Vec<Substance>> {
    let mut rdr = csv::Reader::from_reader(CSV.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| StoreError::Corrupt(format!("assets/substances.csv: {e}")))?
        .clone();
    let mut out = Vec::new();
    for (i, row) in rdr.records().enumerate() {
        let line = i + 2;
        let row = row
            .map_err(|e| StoreError::Corrupt(format!("assets/substances.csv line {line}: {e}")))?;
        let get = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|p| row.get(p))
                .unwrap_or("")
        };
        let values = [
            ("name", get("name")),
            ("synonyms", get("synonyms")),
            ("group", get("group")),
            ("subclass", get("subclass")),
            ("effect", get("effect")),
            ("cas", get("cas")),
            ("schedule_1961", get("schedule_1961")),
            ("schedule_1971", get("schedule_1971")),
            ("table_1988", get("table_1988")),
            ("national_note", get("national_note")),
        ];
        let (mut s, _) = new_record::<Substance>(&values)
            .map_err(|e| StoreError::Corrupt(format!("assets/substances.csv line {line}: {e}")))?;
        s.synonyms = s
            .synonyms
            .map(|v| v.split(';').map(str::trim).collect::<Vec<_>>().join("; "));
        s.meta.id = catalogue_id(&s.name);
        out.push(s);
    }
    Ok(out)
}

/// Writes the catalogue into a new database, audited like any other write.
pub fn load(w: &mut Writer<'_>) -> Result<usize> {
    let entries = entries()?;
    let n = entries.len();
    for mut s in entries {
        s.meta.created_by = CATALOGUE_AUTHOR.into();
        s.meta.created_at = CATALOGUE_TIME.into();
        s.meta.updated_by = CATALOGUE_AUTHOR.into();
        s.meta.updated_at = CATALOGUE_TIME.into();
        s.meta.origin_db = CATALOGUE_DB;
        records::insert(w, &mut s)?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalogue_is_complete_and_valid() {
        let e = entries().unwrap();
        assert!(e.len() >= 150, "{} substances", e.len());
        let names: HashSet<String> = e.iter().map(|s| s.name.to_lowercase()).collect();
        assert_eq!(names.len(), e.len(), "names are unique");
        for must in [
            "fentanyl",
            "carfentanil",
            "isotonitazene",
            "mephedrone",
            "4-anpp",
            "npp",
        ] {
            assert!(e.iter().any(|s| s.is_called(must)), "{must} missing");
        }
        let count = |sub: &str| {
            e.iter()
                .filter(|s| s.subclass.as_deref() == Some(sub))
                .count()
        };
        assert!(count("fentanyl-analogue") >= 20);
        assert!(count("nitazene") >= 10);
        assert!(count("precursor") >= 5);
        assert!(count("benzodiazepine") >= 8);
        for g in [
            "synthetic-cathinones",
            "synthetic-cannabinoids",
            "phenethylamines",
            "tryptamines",
            "ketamine-pcp-type",
        ] {
            assert!(e.iter().filter(|s| s.group == g).count() >= 5, "{g}");
        }
        let fentanyl = e.iter().find(|s| s.name == "Fentanyl").unwrap();
        assert_eq!(fentanyl.cas.as_deref(), Some("437-38-7"));
        assert_eq!(fentanyl.schedule_1961.as_deref(), Some("I"));
    }

    #[test]
    fn ids_are_stable_v7() {
        let a = catalogue_id("Fentanyl");
        assert_eq!(a, catalogue_id("fentanyl"));
        assert_ne!(a, catalogue_id("Carfentanil"));
        assert_eq!(a.get_version_num(), 7);
    }
}
