//! Embedded schema migrations over `PRAGMA user_version`.

use super::error::Result;
use super::upgrade::{self, Ctx};
use rusqlite::{Connection, Transaction};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
    /// Work after the SQL, in the same transaction (converting data).
    pub step: Option<fn(&Connection, &Ctx<'_>) -> Result<()>>,
}

/// Every schema change, in order. Append; never edit a released one.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "notebook",
        sql: include_str!("migrations/0001_notebook.sql"),
        step: None,
    },
    Migration {
        version: 2,
        name: "sharing",
        sql: include_str!("migrations/0002_sharing.sql"),
        step: None,
    },
    Migration {
        version: 3,
        name: "no trigram index",
        sql: include_str!("migrations/0003_no_trigram_index.sql"),
        step: None,
    },
    Migration {
        version: 4,
        name: "compact store",
        sql: include_str!("migrations/0004_compact_store.sql"),
        step: Some(upgrade::to_4),
    },
    Migration {
        version: 5,
        name: "audit seals",
        sql: include_str!("migrations/0005_audit_seals.sql"),
        step: None,
    },
    Migration {
        version: 6,
        name: "targeting",
        sql: include_str!("migrations/0006_targeting.sql"),
        step: None,
    },
    Migration {
        version: 7,
        name: "cyrillic keys",
        sql: include_str!("migrations/0007_cyrillic_keys.sql"),
        step: Some(upgrade::to_7),
    },
    Migration {
        version: 8,
        name: "people and organisations",
        sql: include_str!("migrations/0008_people.sql"),
        step: None,
    },
    Migration {
        version: 9,
        name: "evidence",
        sql: include_str!("migrations/0009_evidence.sql"),
        step: None,
    },
    Migration {
        version: 10,
        name: "merge base",
        sql: include_str!("migrations/0010_merge_base.sql"),
        step: None,
    },
    Migration {
        version: 11,
        name: "parcel search rows made from the parcels",
        sql: include_str!("migrations/0011_parcel_search_rows.sql"),
        step: None,
    },
    Migration {
        version: 12,
        name: "name and address sounds apart from the identifier index",
        sql: include_str!("migrations/0012_sounds_apart.sql"),
        step: None,
    },
    Migration {
        version: 13,
        name: "no index of the occurrences by item",
        sql: include_str!("migrations/0013_no_item_index.sql"),
        step: None,
    },
    Migration {
        version: 14,
        name: "occurrences keyed by value",
        sql: include_str!("migrations/0014_occurrences_by_value.sql"),
        step: Some(upgrade::to_14),
    },
    Migration {
        version: 15,
        name: "timestamps and audit names as numbers",
        sql: include_str!("migrations/0015_stamps.sql"),
        step: Some(upgrade::to_15),
    },
    Migration {
        version: 16,
        name: "audit hashes kept whole every 16th entry",
        sql: include_str!("migrations/0016_audit_tags.sql"),
        step: Some(upgrade::to_16),
    },
    Migration {
        version: 17,
        name: "the audit's index by item on 4 bytes of the id",
        sql: include_str!("migrations/0017_audit_item_tag.sql"),
        step: None,
    },
    Migration {
        version: 18,
        name: "sounds kept as numbers",
        sql: include_str!("migrations/0018_sound_numbers.sql"),
        step: Some(upgrade::to_18),
    },
    Migration {
        version: 19,
        name: "no parcels' index by tracking number; seizure dates indexed where there is one",
        sql: include_str!("migrations/0019_parcel_indexes.sql"),
        step: None,
    },
    Migration {
        version: 20,
        name: "origins named by number",
        sql: include_str!("migrations/0020_origins.sql"),
        step: None,
    },
    Migration {
        version: 21,
        name: "a record's last change left empty when it is its creation",
        sql: include_str!("migrations/0021_unchanged_since_created.sql"),
        step: None,
    },
    Migration {
        version: 22,
        name: "the links' indexes by either end alone",
        sql: include_str!("migrations/0022_link_indexes.sql"),
        step: None,
    },
    Migration {
        version: 23,
        name: "writers' names by key",
        sql: include_str!("migrations/0023_writers.sql"),
        step: Some(upgrade::to_23),
    },
    Migration {
        version: 24,
        name: "conflicts closed as settled by the partner",
        sql: include_str!("migrations/0024_settled_there.sql"),
        step: None,
    },
    Migration {
        version: 25,
        name: "apostrophes in words, streets named first, addresses with a number",
        sql: include_str!("migrations/0025_key_rules.sql"),
        step: Some(upgrade::to_25),
    },
    Migration {
        version: 26,
        name: "German and Dutch streets named in one word",
        sql: include_str!("migrations/0026_street_words.sql"),
        step: Some(upgrade::to_26),
    },
];

/// The schema that names records' origins by number, and the statement of
/// its table (the first of its SQL).
const ORIGINS_SINCE: i64 = 20;
const ORIGINS: &str = "CREATE TABLE IF NOT EXISTS origins (
    n  INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE CHECK (length(id) = 16)
);";

/// The oldest schema this build opens at all. Files older than the
/// latest are upgraded in place on a writable open, and browsed read-only
/// through an upgraded private copy (the file itself is never touched).
pub const READABLE_FROM: i64 = 2;

pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Applies, inside the caller's transaction, every migration newer than
/// `current`, and records the new version. Returns the versions applied.
/// `ctx` says who and when (for what a step writes, such as the audit
/// entry of an upgrade) and whether the file is a private copy.
pub fn apply(
    tx: &Transaction<'_>,
    current: i64,
    migrations: &[Migration],
    ctx: &Ctx<'_>,
) -> Result<Vec<i64>> {
    let mut applied = Vec::new();
    // The steps of the upgrades before schema 20 read and write records
    // as this build does, which names a record's origin through `origins`
    // (the table that schema's SQL makes, and then fills): it is there
    // from the start, and gone again if the upgrade stops short of 20 (a
    // schema built to compare a file of that version with).
    let before_origins = current < ORIGINS_SINCE;
    if before_origins {
        tx.execute_batch(ORIGINS)?;
    }
    // (Likewise the writers' names, by key in `writers` since schema 23.)
    let before_writers = current < super::writers::SINCE;
    if before_writers {
        tx.execute_batch(super::writers::TABLE)?;
    }
    for m in migrations.iter().filter(|m| m.version > current) {
        tracing::info!(version = m.version, name = m.name, "applying migration");
        tx.execute_batch(m.sql)?;
        if let Some(step) = m.step {
            step(tx, ctx)?;
        }
        tx.pragma_update(None, "user_version", m.version)?;
        applied.push(m.version);
    }
    if before_origins && applied.last().is_none_or(|v| *v < ORIGINS_SINCE) {
        tx.execute_batch("DROP TABLE origins;")?;
    }
    if before_writers && applied.last().is_none_or(|v| *v < super::writers::SINCE) {
        // (The names a step wrote as keys, back to names first.)
        super::writers::restore(tx)?;
        tx.execute_batch("DROP TABLE writers;")?;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    const TEST_MIGRATIONS: &[Migration] = &[
        Migration {
            version: 1,
            name: "t",
            sql: "CREATE TABLE t (a TEXT);",
            step: None,
        },
        Migration {
            version: 2,
            name: "t.b",
            sql: "ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x';",
            step: None,
        },
    ];

    fn test_ctx(from: i64) -> Ctx<'static> {
        Ctx {
            from,
            actor: "t",
            now: "now",
            private_copy: false,
        }
    }

    #[test]
    fn an_old_version_is_brought_forward_keeping_its_data() {
        let mut conn = Connection::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        assert_eq!(
            apply(&tx, 0, &TEST_MIGRATIONS[..1], &test_ctx(0)).unwrap(),
            vec![1]
        );
        tx.execute("INSERT INTO t (a) VALUES ('kept')", []).unwrap();
        tx.commit().unwrap();
        let tx = conn.transaction().unwrap();
        assert_eq!(
            apply(&tx, 1, TEST_MIGRATIONS, &test_ctx(1)).unwrap(),
            vec![2]
        );
        tx.commit().unwrap();
        let (a, b): (String, String) = conn
            .query_row("SELECT a, b FROM t", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!((a.as_str(), b.as_str()), ("kept", "x"));
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, 2);
    }

    /// The table made before an upgrade's steps is the one schema 20's
    /// SQL makes.
    #[test]
    fn the_origins_table_made_first_is_schema_20s() {
        let m = MIGRATIONS
            .iter()
            .find(|m| m.version == ORIGINS_SINCE)
            .unwrap();
        assert!(m.sql.contains(ORIGINS), "{}", m.sql);
    }

    #[test]
    fn versions_are_increasing() {
        for w in MIGRATIONS.windows(2) {
            assert!(w[0].version < w[1].version);
        }
        assert_eq!(MIGRATIONS[0].version, 1);
    }
}
