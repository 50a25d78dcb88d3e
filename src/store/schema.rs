//! The exact schema of each version, and how a file's schema differs from
//! it. A file is only ever read through the tables, indexes and triggers
//! interdict's own migrations make: a view, trigger, generated column or
//! index that someone else added (to make a merge run forever, or to hide
//! rows inside interdict's own writes) is named before any row is read.

use super::error::Result;
use super::migrations::{self, MIGRATIONS};
use super::upgrade::Ctx;
use rusqlite::Connection;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock};

/// One object of the schema, as `sqlite_schema` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub kind: String,
    pub name: String,
    pub table: String,
    /// The statement that made it (none for SQLite's own indexes of
    /// UNIQUE and PRIMARY KEY constraints).
    pub sql: Option<String>,
}

/// Drops the indexes of `tables` (of every table when none is named)
/// that interdict's migrations made, not SQLite's own for UNIQUE and
/// PRIMARY KEY constraints: for a bulk write into them, after which
/// [`make_again`] builds each in one sorted pass, its pages filled,
/// rather than row by row. Returns what makes them.
pub fn drop_indexes(conn: &Connection, tables: &[&str]) -> Result<Vec<String>> {
    let all: Vec<(String, String, String)> = conn
        .prepare("SELECT name, tbl_name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut made = Vec::new();
    for (name, table, sql) in all {
        if tables.is_empty() || tables.contains(&table.as_str()) {
            conn.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
            made.push(sql);
        }
    }
    Ok(made)
}

/// Makes again the indexes [`drop_indexes`] dropped.
pub fn make_again(conn: &Connection, made: &[String]) -> Result<()> {
    for sql in made {
        conn.execute_batch(sql)?;
    }
    Ok(())
}

/// Tables SQLite itself may add to any file (ANALYZE's statistics, the
/// AUTOINCREMENT counters), with the statements it makes them by.
const SQLITE_OWN: &[(&str, &str)] = &[
    ("sqlite_stat1", "CREATE TABLE sqlite_stat1(tbl,idx,stat)"),
    (
        "sqlite_stat4",
        "CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample)",
    ),
    ("sqlite_sequence", "CREATE TABLE sqlite_sequence(name,seq)"),
];

/// Every object of a file's schema, by name. Reading `sqlite_schema` runs
/// nothing the file defines.
pub fn objects(conn: &Connection) -> Result<BTreeMap<String, Object>> {
    let mut stmt = conn.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema")?;
    let rows = stmt.query_map([], |r| {
        Ok(Object {
            kind: r.get(0)?,
            name: r.get(1)?,
            table: r.get(2)?,
            sql: r.get(3)?,
        })
    })?;
    let mut out = BTreeMap::new();
    for o in rows {
        let o = o?;
        out.insert(o.name.clone(), o);
    }
    Ok(out)
}

/// The schema at the latest version, as the migrations make it, recorded
/// so that checking a file costs microseconds rather than the ten
/// milliseconds of running every migration (a test keeps it exact).
const RECORDED: &str = include_str!("migrations/schema.json");

/// The version `RECORDED` is the schema of.
#[derive(serde::Deserialize, serde::Serialize)]
struct Recorded {
    version: i64,
    objects: Vec<(String, String, String, Option<String>)>,
}

/// The schema interdict's migrations make at `version`: the recorded one
/// for the latest, else built once per version in memory.
pub fn expected(version: i64) -> Result<BTreeMap<String, Object>> {
    if let Ok(r) = serde_json::from_str::<Recorded>(RECORDED)
        && r.version == version
    {
        return Ok(r
            .objects
            .into_iter()
            .map(|(kind, name, table, sql)| {
                (
                    name.clone(),
                    Object {
                        kind,
                        name,
                        table,
                        sql,
                    },
                )
            })
            .collect());
    }
    built(version)
}

/// The schema the migrations make at `version`, built in memory (once
/// per version and process).
fn built(version: i64) -> Result<BTreeMap<String, Object>> {
    static BUILT: OnceLock<Mutex<HashMap<i64, BTreeMap<String, Object>>>> = OnceLock::new();
    let cache = BUILT.get_or_init(Default::default);
    if let Some(s) = cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&version)
    {
        return Ok(s.clone());
    }
    let mut conn = Connection::open_in_memory()?;
    let tx = conn.transaction()?;
    let upto = MIGRATIONS
        .iter()
        .take_while(|m| m.version <= version)
        .count();
    migrations::apply(
        &tx,
        0,
        &MIGRATIONS[..upto],
        &Ctx {
            from: 0,
            actor: "schema",
            now: "1970-01-01T00:00:00.000Z",
            private_copy: true,
        },
    )?;
    let s = objects(&tx)?;
    tx.rollback()?;
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(version, s.clone());
    Ok(s)
}

/// One way a file's schema differs from its version's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub text: String,
    /// An object of the version is absent (which runs nothing, unlike an
    /// object added or altered).
    pub missing: bool,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// How a file's schema differs from the exact schema of `version`, one
/// entry per difference (none when it is exactly that schema).
pub fn differences(conn: &Connection, version: i64) -> Result<Vec<Difference>> {
    let found = objects(conn)?;
    let want = expected(version)?;
    let mut out = Vec::new();
    let show = |s: &str| crate::domain::text::sanitize(s).into_owned();
    let mut add = |text: String, missing: bool| out.push(Difference { text, missing });
    for (name, o) in &found {
        match want.get(name) {
            Some(w) if w == o => {}
            Some(w) if w.kind != o.kind => add(
                format!("{} {} should be a {}", o.kind, show(name), w.kind),
                false,
            ),
            Some(_) => add(
                format!(
                    "{} {} is not as schema version {version} defines it",
                    o.kind,
                    show(name)
                ),
                false,
            ),
            None if SQLITE_OWN
                .iter()
                .any(|(n, sql)| n == name && o.sql.as_deref() == Some(sql)) => {}
            None => add(
                format!(
                    "{} {} is not part of schema version {version}",
                    o.kind,
                    show(name)
                ),
                false,
            ),
        }
    }
    for (name, w) in &want {
        if !found.contains_key(name) {
            add(format!("{} {} is missing", w.kind, show(name)), true);
        }
    }
    Ok(out)
}

/// [`differences`] of a received export file, which never holds SQLite's
/// statistics (`ANALYZE` made in a notebook, never in an export): there
/// they were made after signing, out of the content hash's reach, and
/// would steer the plans of every read of the file. (They were refused
/// as "content that does not match the signed manifest".)
pub fn received_differences(conn: &Connection, version: i64) -> Result<Vec<Difference>> {
    let mut out = differences(conn, version)?;
    let found = objects(conn)?;
    for name in ["sqlite_stat1", "sqlite_stat4"] {
        if found.contains_key(name) {
            out.push(Difference {
                text: format!(
                    "table {name} (SQLite's statistics, made by ANALYZE) is in no export: it was made after signing"
                ),
                missing: false,
            });
        }
    }
    Ok(out)
}

/// The differences as lines.
pub fn lines(d: &[Difference]) -> Vec<String> {
    d.iter().map(|d| d.text.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testutil::temp_store;

    #[test]
    fn a_notebook_has_exactly_its_versions_schema() {
        let (_d, s) = temp_store();
        let v = migrations::latest();
        assert_eq!(differences(s.conn(), v).unwrap(), vec![]);
        // SQLite's own statistics are not foreign.
        s.conn().execute_batch("ANALYZE").unwrap();
        assert_eq!(differences(s.conn(), v).unwrap(), vec![]);
    }

    #[test]
    fn each_kind_of_foreign_object_is_named() {
        let (_d, s) = temp_store();
        let v = migrations::latest();
        s.conn()
            .execute_batch(
                "CREATE VIEW endless AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r;
                 CREATE TRIGGER hide AFTER INSERT ON occurrences BEGIN DELETE FROM occurrences WHERE rowid = new.rowid; END;
                 CREATE INDEX extra ON parcels(carrier);
                 ALTER TABLE cases ADD COLUMN big BLOB GENERATED ALWAYS AS (zeroblob(400000000)) VIRTUAL;
                 DROP TABLE export_signature;",
            )
            .unwrap();
        let found = differences(s.conn(), v).unwrap();
        assert_eq!(
            found.iter().filter(|d| d.missing).count(),
            1,
            "only the dropped table is missing"
        );
        let d = lines(&found).join("\n");
        for want in [
            "view endless is not part of schema version",
            "trigger hide is not part of",
            "index extra is not part of",
            "table cases is not as schema version",
            "table export_signature is missing",
        ] {
            assert!(d.contains(want), "{want} in:\n{d}");
        }
        assert_eq!(d.lines().count(), 5, "{d}");
    }

    /// The recorded schema is exactly what the migrations make at the
    /// latest version. After adding a migration, write it anew with
    /// `INTERDICT_RECORD_SCHEMA=1 cargo test --lib store::schema`.
    #[test]
    fn the_recorded_schema_is_the_latest_migrations() {
        let latest = migrations::latest();
        let made = built(latest).unwrap();
        if std::env::var_os("INTERDICT_RECORD_SCHEMA").is_some() {
            let r = Recorded {
                version: latest,
                objects: made
                    .values()
                    .map(|o| {
                        (
                            o.kind.clone(),
                            o.name.clone(),
                            o.table.clone(),
                            o.sql.clone(),
                        )
                    })
                    .collect(),
            };
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/src/store/migrations/schema.json"
            );
            std::fs::write(path, serde_json::to_string_pretty(&r).unwrap() + "\n").unwrap();
            return;
        }
        let r: Recorded = serde_json::from_str(RECORDED).expect("schema.json reads");
        assert_eq!(
            r.version, latest,
            "schema.json is of version {}, the migrations reach {latest}: record it anew (INTERDICT_RECORD_SCHEMA=1)",
            r.version
        );
        assert_eq!(
            expected(latest).unwrap(),
            made,
            "record it anew (INTERDICT_RECORD_SCHEMA=1)"
        );
    }

    #[test]
    fn every_version_can_be_built() {
        for m in MIGRATIONS {
            assert!(!built(m.version).unwrap().is_empty(), "{}", m.version);
        }
    }
}
