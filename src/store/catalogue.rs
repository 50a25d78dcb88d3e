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

/// Revisions of the catalogue after the first: each row of
/// `assets/substances-revised.csv` is the whole new content of one
/// substance (changed or added) at the revision in its first column.
pub const REVISED_CSV: &str = include_str!("../../assets/substances-revised.csv");

/// Each revision after the first and the time its records carry, in
/// order. A record changed by a revision reads the same in every notebook
/// that has it (this time, the catalogue as author), so two posts that
/// both take a revision merge without a conflict.
pub const REVISIONS: &[(i64, &str)] = &[
    // Russian names and street names; DET's CAS number; natural and
    // semi-synthetic opioids apart from synthetic ones; cocaine, heroin,
    // morphine and codeine out of the NPS groups; precursors of mephedrone,
    // alpha-PVP, fentanyl and MDMA; pregabalin and tropicamide.
    (2, "2026-12-01T00:00:00.000Z"),
];

/// The catalogue revision a notebook has (in `meta`); notebooks from
/// before revisions existed have the first.
const REVISION_KEY: &str = "catalogue_revision";

pub fn latest_revision() -> i64 {
    REVISIONS.last().map_or(1, |r| r.0)
}

/// Parses the catalogue into unsaved substances; errors name the line.
pub fn entries() -> Result<Vec<Substance>> {
    parse(CSV, "assets/substances.csv", None)
}

/// The substances a revision changes or adds, as they read after it.
pub fn revised_entries(revision: i64) -> Result<Vec<Substance>> {
    parse(REVISED_CSV, "assets/substances-revised.csv", Some(revision))
}

/// The catalogue as a notebook that has every revision holds it.
pub fn current_entries() -> Result<Vec<Substance>> {
    let mut all = entries()?;
    for &(rev, _) in REVISIONS {
        for s in revised_entries(rev)? {
            match all.iter_mut().find(|e| e.meta.id == s.meta.id) {
                Some(e) => *e = s,
                None => all.push(s),
            }
        }
    }
    Ok(all)
}

fn parse(csv_text: &str, file: &str, revision: Option<i64>) -> Result<Vec<Substance>> {
    let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| StoreError::Corrupt(format!("{file}: {e}")))?
        .clone();
    let mut out = Vec::new();
    for (i, row) in rdr.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| StoreError::Corrupt(format!("{file} line {line}: {e}")))?;
        let get = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|p| row.get(p))
                .unwrap_or("")
        };
        if let Some(rev) = revision
            && get("revision").parse::<i64>().ok() != Some(rev)
        {
            continue;
        }
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
            .map_err(|e| StoreError::Corrupt(format!("{file} line {line}: {e}")))?;
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
    revise(w)?;
    Ok(n)
}

/// What bringing a notebook's catalogue up to date did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Revised {
    pub changed: usize,
    pub added: usize,
    /// Substances a person has edited (or deleted) here, left as they are:
    /// the revision's version arrives with a colleague's merge as a
    /// conflict to decide, never over the edit.
    pub kept: Vec<String>,
}

/// The revision a notebook's catalogue has.
pub fn revision(conn: &rusqlite::Connection) -> Result<i64> {
    use rusqlite::OptionalExtension;
    let v: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [REVISION_KEY],
            |r| r.get(0),
        )
        .optional()?;
    Ok(v.and_then(|v| v.parse().ok()).unwrap_or(1))
}

/// Brings the notebook's catalogue to the latest revision, in the
/// writer's transaction, audited (action `catalogue`): each substance a
/// revision changes is rewritten as the revision has it, unless a person
/// has changed it here since the catalogue wrote it; each it adds is added
/// unless it was deleted here.
pub fn revise(w: &mut Writer<'_>) -> Result<Revised> {
    let mut done = Revised::default();
    let have = revision(&w.tx)?;
    for &(rev, time) in REVISIONS.iter().filter(|r| r.0 > have) {
        for mut s in revised_entries(rev)? {
            let id = s.meta.id;
            match records::get::<Substance>(&w.tx, id)? {
                Some(cur) if cur.meta.updated_by != CATALOGUE_AUTHOR => done.kept.push(s.name),
                Some(cur) => {
                    s.meta = cur.meta.clone();
                    s.meta.updated_at = time.into();
                    let mut same = s.clone();
                    same.meta = cur.meta.clone();
                    if same == cur {
                        continue;
                    }
                    records::put_verbatim(w, &s, "catalogue")?;
                    done.changed += 1;
                }
                None if deleted_here(&w.tx, id)? => done.kept.push(s.name),
                None => {
                    s.meta.created_by = CATALOGUE_AUTHOR.into();
                    s.meta.created_at = time.into();
                    s.meta.updated_by = CATALOGUE_AUTHOR.into();
                    s.meta.updated_at = time.into();
                    s.meta.origin_db = CATALOGUE_DB;
                    records::put_verbatim(w, &s, "catalogue")?;
                    done.added += 1;
                }
            }
        }
        w.tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (REVISION_KEY, rev.to_string()),
        )?;
    }
    if !done.kept.is_empty() {
        tracing::warn!(kept = ?done.kept, "catalogue revision left substances edited here as they are");
    }
    Ok(done)
}

fn deleted_here(conn: &rusqlite::Connection, id: Uuid) -> Result<bool> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT 1 FROM audit WHERE {} LIMIT 1",
            super::audit::sql_of_item("item_id", "?1")
        ))?
        .exists([id])?)
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
    fn the_latest_revision_fixes_what_a_domain_check_found() {
        let e = current_entries().unwrap();
        let get = |n: &str| {
            e.iter()
                .find(|s| s.is_called(n))
                .unwrap_or_else(|| panic!("{n} missing"))
        };
        assert_eq!(get("DET").cas.as_deref(), Some("61-51-8"));
        for natural_or_semi in [
            "Heroin",
            "Morphine",
            "Codeine",
            "Oxycodone",
            "Buprenorphine",
            "Mitragynine",
        ] {
            assert_eq!(
                get(natural_or_semi).effect.as_deref(),
                Some("opioid"),
                "{natural_or_semi}"
            );
        }
        for synthetic in ["Fentanyl", "Methadone", "Tramadol", "Isotonitazene"] {
            assert_eq!(
                get(synthetic).effect.as_deref(),
                Some("synthetic-opioid"),
                "{synthetic}"
            );
        }
        assert_eq!(get("Cocaine").group, "classic-drugs");
        for precursor in [
            "2-Bromo-4'-methylpropiophenone",
            "2-Bromovalerophenone",
            "Propionic anhydride",
            "PMK ethyl glycidate",
        ] {
            assert_eq!(
                get(precursor).subclass.as_deref(),
                Some("precursor"),
                "{precursor}"
            );
        }
        assert!(get("Pregabalin").national_note.is_some());
        assert!(get("Tropicamide").cas.is_some());
        // Russian names and street names, in any case.
        for (ru, name) in [
            ("мефедрон", "Mephedrone"),
            ("Мефедрон", "Mephedrone"),
            ("соль", "alpha-PVP"),
            ("спайс", "JWH-018"),
            ("метадон", "Methadone"),
            ("героин", "Heroin"),
            ("лирика", "Pregabalin"),
        ] {
            assert_eq!(get(ru).name, name, "{ru}");
        }
        // Every revised row is valid and names a substance once.
        let names: HashSet<String> = e.iter().map(|s| s.name.to_lowercase()).collect();
        assert_eq!(names.len(), e.len());
        assert!(revised_entries(2).unwrap().len() >= 30);
        assert!(revised_entries(99).unwrap().is_empty());
    }

    /// A notebook at the first revision is brought to the latest; what a
    /// person edited or deleted here is left as it is, and named.
    #[test]
    fn a_revision_changes_what_the_catalogue_wrote_and_keeps_what_people_did() {
        use crate::domain::ItemKind;
        let (_d, mut store) = crate::store::testutil::temp_store();
        let det_id = catalogue_id("DET");
        let first = |name: &str| {
            let mut s = entries()
                .unwrap()
                .into_iter()
                .find(|s| s.name == name)
                .unwrap();
            s.meta.created_by = CATALOGUE_AUTHOR.into();
            s.meta.created_at = CATALOGUE_TIME.into();
            s.meta.updated_by = CATALOGUE_AUTHOR.into();
            s.meta.updated_at = CATALOGUE_TIME.into();
            s.meta.origin_db = CATALOGUE_DB;
            s
        };
        store
            .write(|w| {
                // DET back as the first revision had it; Mephedrone edited
                // by a person; Tropicamide (new in revision 2) deleted.
                records::put_verbatim(w, &first("DET"), "test")?;
                let mut m: Substance = records::must_get(&w.tx, catalogue_id("Mephedrone"))?;
                m.national_note = Some("local note".into());
                records::update(w, &mut m)?;
                records::delete(w, ItemKind::Substance, catalogue_id("Tropicamide"))?;
                w.tx.execute("DELETE FROM meta WHERE key = ?1", [REVISION_KEY])?;
                Ok(())
            })
            .unwrap();
        assert_eq!(revision(store.conn()).unwrap(), 1);
        let done = store.write(revise).unwrap();
        assert_eq!(done.changed, 1, "{done:?}");
        assert_eq!(done.added, 0, "{done:?}");
        assert_eq!(
            done.kept,
            vec!["Mephedrone".to_string(), "Tropicamide".to_string()]
        );
        let det: Substance = records::must_get(store.conn(), det_id).unwrap();
        assert_eq!(det.cas.as_deref(), Some("61-51-8"));
        assert_eq!(det.meta.updated_by, CATALOGUE_AUTHOR);
        assert_eq!(det.meta.updated_at, REVISIONS[0].1);
        let m: Substance = records::must_get(store.conn(), catalogue_id("Mephedrone")).unwrap();
        assert_eq!(m.national_note.as_deref(), Some("local note"));
        assert!(
            records::get::<Substance>(store.conn(), catalogue_id("Tropicamide"))
                .unwrap()
                .is_none()
        );
        assert_eq!(revision(store.conn()).unwrap(), latest_revision());
        // Nothing to do the second time.
        assert_eq!(store.write(revise).unwrap(), Revised::default());
    }

    #[test]
    fn ids_are_stable_v7() {
        let a = catalogue_id("Fentanyl");
        assert_eq!(a, catalogue_id("fentanyl"));
        assert_ne!(a, catalogue_id("Carfentanil"));
        assert_eq!(a.get_version_num(), 7);
    }
}
