//! Upgrading notebooks and export files written by the last schema-3
//! release (tests/fixtures/schema3, made by make.sh there): in place, in
//! one transaction, with nothing lost; the audit still proves what it
//! proved, and still finds what was changed behind its back before the
//! upgrade; old exports still open read-only and merge.

mod common;

use common::{Nb, assert_consistent, count_in};
use interdict::store::audit::names::Name;
use interdict::store::stamp;
use predicates::prelude::*;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_interdict");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/schema3")
        .join(name)
}

/// A private copy of a fixture in the notebook's place.
fn notebook_from(name: &str) -> Nb {
    let nb = Nb::new();
    std::fs::copy(fixture(name), &nb.db).unwrap();
    nb
}

fn user_version(db: &Path) -> i64 {
    Connection::open(db)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap()
}

/// Every row of a table as text, in a stable order, leaving out `n` (the
/// record number schema 4 adds).
fn columns(db: &Path, table: &str) -> Vec<String> {
    let c = Connection::open(db).unwrap();
    c.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .filter(|n| n != "n")
        .collect()
}

fn rows(db: &Path, table: &str, order: &str) -> Vec<String> {
    rows_of(db, table, order, &columns(db, table))
}

/// The rows of a table as text, over the given columns.
fn rows_of(db: &Path, table: &str, order: &str, cols: &[String]) -> Vec<String> {
    let c = Connection::open(db).unwrap();
    // (Times read as their text, however the schema stores them; origins
    // as their ids, once a number stands for each; the last change as the
    // creation where it is empty.)
    let numbered: bool = c
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'origins'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    // (And writers' names as names, once `writers` keys them.)
    let keyed: bool = c
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'writers'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let list = cols
        .iter()
        .map(|c| match c.as_str() {
            "created_by" | "updated_by" if keyed => format!(
                "quote({})",
                interdict::store::records::read_column(table, c)
            ),
            "updated_by" if !keyed => {
                "quote(CASE updated_by WHEN '' THEN created_by ELSE updated_by END)".to_string()
            }
            // (A record never changed keeps no copy of its creation as its
            // last change since schema 21: read as the creation's.)
            "created_at" | "updated_at" => format!(
                "quote({})",
                stamp::sql_decode(&interdict::store::records::read_column(table, c))
            ),
            "updated_by" => format!(
                "quote({})",
                interdict::store::records::read_column(table, c)
            ),
            "origin_db" if numbered => format!(
                "quote({})",
                interdict::store::records::read_column(table, c)
            ),
            _ => format!("quote(\"{c}\")"),
        })
        .collect::<Vec<_>>()
        .join(" || '|' || ");
    c.prepare(&format!("SELECT {list} FROM \"{table}\" ORDER BY {order}"))
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Each audit entry's sequence number, time, actor, action and item (as
/// text, however the schema stores them).
fn audit_log(db: &Path) -> Vec<String> {
    let c = Connection::open(db).unwrap();
    let keyed: bool = c
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'writers'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let actor = if keyed {
        interdict::store::writers::read("actor")
    } else {
        "actor".to_string()
    };
    c.prepare(&format!(
        "SELECT seq || {} || {actor} || {} || {} || hex(item_id) FROM audit ORDER BY seq",
        stamp::sql_decode("at"),
        Name::Action.sql_decode("action"),
        Name::Kind.sql_decode("item_kind")
    ))
    .unwrap()
    .query_map([], |r| r.get(0))
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// What the upgrade must keep as it was: every record, every note and
/// link, provenance and merge history, conflicts, decisions, the warning
/// list, the database's identity.
const KEPT: &[(&str, &str)] = &[
    ("cases", "id"),
    ("parcels", "id"),
    ("substances", "id"),
    ("findings", "id"),
    ("links", "id"),
    ("notes", "id"),
    ("sources", "id"),
    ("provenance", "item_id, source_id"),
    ("conflicts", "id"),
    ("match_decisions", "a_id, b_id"),
    ("warnlist", "kind, value"),
    ("meta", "key"),
];

/// Turns the identifier index into schema 13's (a table of values, and
/// the occurrences naming them by number), as the migration of schema 4
/// made it.
const AS_SCHEMA_13: &str = concat!(
    include_str!("fixtures/schema17.sql"),
    include_str!("fixtures/schema14_numbers.sql"),
    include_str!("fixtures/schema13_index.sql")
);

#[test]
fn a_schema_3_notebook_upgrades_in_place_with_nothing_lost() {
    let nb = notebook_from("notebook.db");
    assert_eq!(user_version(&nb.db), 3);
    let before: Vec<Vec<String>> = KEPT.iter().map(|(t, o)| rows(&nb.db, t, o)).collect();
    let old_columns: Vec<Vec<String>> = KEPT.iter().map(|(t, _)| columns(&nb.db, t)).collect();
    let old_audit = count_in(&nb.db, "SELECT count(*) FROM audit");
    let old_received = count_in(&nb.db, "SELECT count(*) FROM received_audit");
    let old_log: Vec<String> = audit_log(&nb.db);
    assert!(
        old_audit > 100 && old_received > 100,
        "a fixture with history"
    );

    // Any writable open upgrades it.
    nb.ok(&["list", "cases"]);
    assert_eq!(user_version(&nb.db), interdict::store::migrations::latest());
    // Every writer's name is a key now (schema 23), read back as the name
    // (the rows and the log compared below).
    for (table, col) in interdict::store::writers::columns() {
        let named = count_in(
            &nb.db,
            &format!("SELECT count(*) FROM {table} WHERE typeof({col}) = 'text' AND {col} <> ''"),
        );
        assert_eq!(named, 0, "{table}.{col}");
    }
    assert!(count_in(&nb.db, "SELECT count(*) FROM writers") >= 2);
    // Every row as it was, but for what the catalogue's later revisions
    // changed (substances the catalogue wrote, now stamped with the
    // revision's time) or added, and the revision the notebook has.
    let revised_at = "'2026-12-01T00:00:00.000Z'";
    // (Columns later schemas added, such as a parcel's posting date, are
    // new and empty.)
    for (((table, order), was), cols) in KEPT.iter().zip(&before).zip(&old_columns) {
        let added: Vec<String> = columns(&nb.db, table)
            .into_iter()
            .filter(|c| !cols.contains(c))
            .collect();
        if !added.is_empty() {
            let filled: i64 = Connection::open(&nb.db)
                .unwrap()
                .query_row(
                    &format!(
                        "SELECT count(*) FROM \"{table}\" WHERE {}",
                        added
                            .iter()
                            .map(|c| format!("\"{c}\" IS NOT NULL"))
                            .collect::<Vec<_>>()
                            .join(" OR ")
                    ),
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(filled, 0, "{table}: {added:?} filled");
        }
        let now: Vec<String> = rows_of(&nb.db, table, order, cols)
            .into_iter()
            .filter(|r| !r.contains(revised_at) && !r.starts_with("'catalogue_revision'"))
            .collect();
        if *table == "substances" {
            assert!(now.iter().all(|r| was.contains(r)), "{table} changed");
            assert!(
                now.len() + 30 < was.len(),
                "{} revised",
                was.len() - now.len()
            );
        } else {
            assert_eq!(&now, was, "{table} changed");
        }
    }
    // The same entries, one more for the upgrade itself, saying the old
    // chain was intact, and one for each substance the catalogue revised;
    // the histories received with the merge are all kept.
    let log: Vec<String> = audit_log(&nb.db);
    let revised = count_in(
        &nb.db,
        &format!(
            "SELECT count(*) FROM audit WHERE action = {}",
            Name::Action.sql("catalogue")
        ),
    );
    assert!(revised >= 30, "{revised}");
    assert_eq!(log.len() as i64, old_audit + 1 + revised);
    assert_eq!(&log[..old_log.len()], &old_log[..]);
    let upgrade: String = Connection::open(&nb.db)
        .unwrap()
        .query_row(
            &format!(
                "SELECT detail FROM audit WHERE action = {}",
                Name::Action.sql("upgrade")
            ),
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(upgrade.contains("\"old_chain\":\"intact\""), "{upgrade}");
    assert_eq!(
        count_in(&nb.db, "SELECT count(*) FROM received_audit"),
        old_received
    );
    assert!(nb.ok(&["audit", "verify"]).contains("intact"));
    assert_consistent(&nb.db);
    // A parcel's search text is made from its record (schema 11): none
    // is stored any more.
    assert_eq!(
        count_in(
            &nb.db,
            "SELECT count(*) FROM search_items WHERE (item & 15) = 2"
        ),
        0
    );

    // Cross-referencing, search and history work on the upgraded file.
    let xref = nb.ok(&["xref", "RR473124829KZ"]);
    assert!(
        xref.contains("CP000000080KZ") && xref.contains("sender phone"),
        "{xref}"
    );
    assert!(nb.ok(&["search", "tea sample"]).contains("RR473124829KZ"));
    let history = nb.ok(&["audit", "log", "C-0001", "--format", "json"]);
    assert!(history.contains("Steppe route, renamed"), "{history}");
    let weight = nb.ok(&["audit", "log", "RR473124829KZ", "--format", "json"]);
    assert!(weight.contains(r#"\"weight_g\":[120.0,125.0]"#), "{weight}");
    let table = nb.ok(&["audit", "log", "RR473124829KZ"]);
    assert!(table.contains("weight_g: 120.0 -> 125.0"), "{table}");

    // The file shrinks once its freed pages go.
    let size = |db: &Path| std::fs::metadata(db).unwrap().len();
    Connection::open(&nb.db)
        .unwrap()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM;")
        .unwrap();
    assert!(
        size(&nb.db) * 10 < std::fs::metadata(fixture("notebook.db")).unwrap().len() * 7,
        "{} bytes after the upgrade, {} before",
        size(&nb.db),
        std::fs::metadata(fixture("notebook.db")).unwrap().len()
    );
    // And keeps working: a write after the upgrade is audited and verifies.
    nb.ok(&["edit", "C-0001", "--set", "summary=after the upgrade"]);
    assert!(nb.ok(&["audit", "verify"]).contains("intact"));
}

#[test]
fn a_record_changed_outside_interdict_before_the_upgrade_is_still_found() {
    let nb = notebook_from("notebook.db");
    Connection::open(&nb.db)
        .unwrap()
        .execute_batch(
            "PRAGMA foreign_keys = OFF;
             UPDATE parcels SET concealment = 'none found' WHERE tracking = 'RR473124829KZ';
             DELETE FROM links WHERE from_id = (SELECT id FROM cases WHERE ref = 'C-0004')
                                  OR to_id = (SELECT id FROM cases WHERE ref = 'C-0004');
             DELETE FROM notes WHERE item_id = (SELECT id FROM cases WHERE ref = 'C-0004');
             DELETE FROM cases WHERE ref = 'C-0004';
             -- A parcel deleted with its findings left behind, as the shell
             -- allows (foreign keys are off there).
             DELETE FROM parcels WHERE id = (SELECT parcel_id FROM findings LIMIT 1);",
        )
        .unwrap();
    nb.ok(&["list", "cases"]);
    assert_eq!(user_version(&nb.db), interdict::store::migrations::latest());
    let err = nb.fails(&["audit", "verify"]);
    assert!(
        err.contains("RR473124829KZ") && err.contains("in concealment"),
        "{err}"
    );
    assert!(err.contains("deleted outside interdict"), "{err}");
}

/// A notebook whose old chain is broken is not upgraded: converting it
/// would hash the altered entries anew. It is left byte for byte as it
/// was, and read-only (through a private copy) the break is reported.
#[test]
fn a_notebook_with_a_broken_old_chain_is_not_upgraded_and_the_break_is_reported() {
    let nb = notebook_from("notebook.db");
    Connection::open(&nb.db)
        .unwrap()
        .execute_batch(
            "DROP TRIGGER audit_no_update;
             UPDATE audit SET actor = 'mallory' WHERE seq = 40;",
        )
        .unwrap();
    let log = rows(&nb.db, "audit", "seq");
    let err = nb.fails(&["list", "cases"]);
    assert!(
        err.contains("audit log is broken")
            && err.contains("entry 40")
            && err.contains("not upgraded"),
        "{err}"
    );
    assert_eq!(user_version(&nb.db), 3);
    assert!(
        rows(&nb.db, "audit", "seq") == log,
        "the old log was changed"
    );
    let out = nb
        .cmd()
        .args(["--read-only", "audit", "verify"])
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out);
    assert!(
        err.contains("already broken when it was upgraded") && err.contains("entry 40"),
        "{err}"
    );
    assert_eq!(user_version(&nb.db), 3);
    assert!(
        rows(&nb.db, "audit", "seq") == log,
        "the old log was changed"
    );
}

#[test]
fn a_schema_3_export_opens_read_only_unchanged_and_merges() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("steppe.db");
    std::fs::copy(fixture("export.db"), &file).unwrap();
    let bytes = std::fs::read(&file).unwrap();
    let nb = Nb::new();

    // Browsed read-only: through an upgraded private copy, the file untouched.
    let read_only = |args: &[&str]| nb.read_only(&file, args);
    assert!(read_only(&["list", "cases"]).contains("C-0001"));
    assert!(read_only(&["search", "tea sample"]).contains("RR473124829KZ"));
    read_only(&["audit", "verify"]);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        bytes,
        "the export was changed"
    );
    let beside: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(beside.len(), 1, "files appeared beside the export");

    // Merged: everything it holds arrives, audited, and again changes nothing.
    nb.ok(&["init"]);
    let merged = nb.json(&["merge", "--trust-new", file.to_str().unwrap()]);
    assert!(merged["added"].as_u64().unwrap() > 10, "{merged}");
    assert_eq!(merged["conflicts"], 0, "{merged}");
    let parcels: i64 =
        Connection::open_with_flags(&file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap()
            .query_row("SELECT count(*) FROM parcels", [], |r| r.get(0))
            .unwrap();
    assert_eq!(nb.count("parcels"), parcels);
    let again = nb.json(&["merge", "--trust-new", file.to_str().unwrap()]);
    assert_eq!(again["added"], 0, "{again}");
    assert_eq!(again["updated"], 0, "{again}");
    assert_eq!(again["written"], false, "{again}");
    assert!(nb.ok(&["audit", "verify"]).contains("intact"));
    assert_consistent(&nb.db);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        bytes,
        "the export was changed"
    );

    // A changed byte in a record of the old file is still refused.
    let c = Connection::open(&file).unwrap();
    c.execute_batch("UPDATE parcels SET concealment = 'x' WHERE rowid = 1")
        .unwrap();
    drop(c);
    nb.cmd()
        .args(["merge", "--trust-new", file.to_str().unwrap()])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "does not match the signed manifest",
        ));
}

/// Makes the fixture large enough that an upgrade takes a while: copies
/// of one of its parcels, each with a valid entry in the old audit chain.
fn inflate(db: &Path, copies: usize) {
    use interdict::store::audit::legacy::{OldEntry, old_hash};
    let mut c = Connection::open(db).unwrap();
    let tx = c.transaction().unwrap();
    let (src_id, json): (Vec<u8>, String) = tx
        .query_row(
            "SELECT p.id, a.after FROM parcels p JOIN audit a ON a.item_id = p.id
             WHERE a.action = 'create' AND a.after = (SELECT after FROM audit b WHERE b.item_id = p.id ORDER BY seq DESC LIMIT 1)
             LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let src = uuid::Uuid::from_slice(&src_id).unwrap();
    let (mut seq, mut prev): (i64, String) = tx
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    for i in 0..copies {
        let id = uuid::Uuid::now_v7();
        tx.execute(
            "CREATE TEMP TABLE IF NOT EXISTS one AS SELECT * FROM parcels WHERE 0",
            [],
        )
        .unwrap();
        tx.execute("DELETE FROM temp.one", []).unwrap();
        tx.execute(
            "INSERT INTO temp.one SELECT * FROM parcels WHERE id = ?1",
            [&src_id],
        )
        .unwrap();
        tx.execute("UPDATE temp.one SET id = ?1", [id]).unwrap();
        tx.execute("INSERT INTO parcels SELECT * FROM temp.one", [])
            .unwrap();
        seq += 1;
        let mut e = OldEntry {
            seq,
            at: format!("2026-11-30T00:00:{:02}Z", i % 60),
            actor: "inflate".into(),
            action: "create".into(),
            item_kind: "parcel".into(),
            item_id: id.as_bytes().to_vec(),
            before: None,
            after: Some(json.replace(&src.to_string(), &id.to_string())),
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        e.hash = old_hash(&e);
        tx.execute(
            "INSERT INTO audit (seq, at, actor, action, item_kind, item_id, before, after, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?8, ?9)",
            rusqlite::params![e.seq, e.at, e.actor, e.action, e.item_kind, e.item_id, e.after, e.prev_hash, e.hash],
        )
        .unwrap();
        prev = e.hash;
    }
    tx.commit().unwrap();
}

#[test]
fn kill_9_during_the_upgrade_leaves_the_old_file_usable() {
    let nb = notebook_from("notebook.db");
    inflate(&nb.db, 20_000);
    let home = nb._dir.path();
    let mut child = Command::new(BIN)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .arg("--db")
        .arg(&nb.db)
        .args(["list", "cases"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once its transaction has written a good part to the log.
    let wal = nb.db.with_extension("db-wal");
    let start = Instant::now();
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < 1 << 20 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the upgrade ended before it could be killed"
        );
        assert!(start.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success(), "killed mid-way");

    // Still schema 3, whole, and readable as it was.
    assert_eq!(user_version(&nb.db), 3);
    let c = Connection::open(&nb.db).unwrap();
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    drop(c);
    assert!(count_in(&nb.db, "SELECT count(*) FROM parcels") > 20_000);
    // The next open upgrades it, and everything proves out.
    nb.ok(&["list", "cases"]);
    assert_eq!(user_version(&nb.db), interdict::store::migrations::latest());
    assert!(nb.ok(&["audit", "verify"]).contains("intact"));
    assert_consistent(&nb.db);
}

/// The catalogue's later revisions (Russian names, DET's CAS number,
/// opioids by origin, new precursors) reach an old notebook when it is
/// upgraded, audited; and a post that took them merges a colleague's
/// notebook that took them too, or a new one, without a conflict on any
/// substance.
#[test]
fn posts_that_take_the_catalogue_revision_merge_without_conflicts() {
    let old = notebook_from("notebook.db");
    // The first writable open says it upgrades, before it does.
    let said = old
        .cmd()
        .args(["list", "cases"])
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    let said = String::from_utf8_lossy(&said);
    assert!(
        said.contains("upgrading") && said.contains("from schema 3 to"),
        "{said}"
    );
    let fresh = Nb::new();
    fresh.ok(&["init"]);
    for nb in [&old, &fresh] {
        let shown = nb.ok(&["show", "мефедрон"]);
        assert!(shown.contains("Mephedrone"), "{shown}");
        assert!(nb.ok(&["show", "DET"]).contains("61-51-8"));
        assert!(nb.ok(&["show", "Propionic anhydride"]).contains("123-62-6"));
        assert!(nb.ok(&["audit", "verify"]).contains("intact"));
        assert_consistent(&nb.db);
    }
    // The revision is in the old notebook's audit log, as the catalogue's.
    let revised: i64 = count_in(
        &old.db,
        &format!(
            "SELECT count(*) FROM audit WHERE action = {}",
            Name::Action.sql("catalogue")
        ),
    );
    assert!(revised >= 30, "{revised} catalogue entries");

    // Each post exports everything it has and the other merges it: the
    // substances their findings name (Mephedrone, Fentanyl, MDMA...) are
    // the same versions on both sides.
    for (from, into) in [(&old, &fresh), (&fresh, &old)] {
        let file = from.beside("all.db");
        let _ = std::fs::remove_file(&file);
        from.ok(&["export", "--all", "--out", file.to_str().unwrap()]);
        into.ok(&["keys", "trust", file.to_str().unwrap()]);
        let merged = into.json(&["merge", "--trust-new", file.to_str().unwrap()]);
        assert_eq!(merged["conflicts"], 0, "{merged}");
        assert!(into.ok(&["audit", "verify"]).contains("intact"));
    }
}

/// A schema-10 notebook (parcels' search rows stored beside them) loses
/// those rows on its upgrade, and nothing else: its audit still verifies,
/// a parcel is still found by its text, and a search row planted for a
/// parcel afterwards is named by `audit verify`.
#[test]
fn a_schema_10_notebook_drops_its_parcels_search_rows_and_still_finds_them() {
    let nb = Nb::new();
    nb.ok(&["demo", "--parcels", "40"]);
    let parcels = count_in(&nb.db, "SELECT count(*) FROM parcels");
    assert!(parcels >= 40, "{parcels}");
    let tracking: String = Connection::open(&nb.db)
        .unwrap()
        .query_row("SELECT tracking FROM parcels ORDER BY n LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    // Back to schema 10: its search_items as 0004 made it (a rowid of its
    // own, the item key unique), each parcel's text stored there too, the
    // identifier values in a table of their own (to schema 13), the
    // sounds in the identifier index and the occurrences' index by item.
    {
        // (The statement read from the migration that wrote it, so the
        // upgrade's schema check sees schema 10's table exactly.)
        let schema_4 = include_str!("../src/store/migrations/0004_compact_store.sql");
        let at = schema_4.find("CREATE TABLE search_items (").unwrap();
        let create = &schema_4[at..at + schema_4[at..].find(");").unwrap() + 2];
        let c = Connection::open(&nb.db).unwrap();
        c.execute_batch(&format!(
            "CREATE TEMP TABLE kept AS SELECT item, label, body FROM search_items;
             DROP TABLE search_items;
             {create}
             INSERT INTO search_items (item, label, body) SELECT item, label, body FROM kept;
             INSERT INTO search_items (item, label, body)
               SELECT (n << 4) | 2, tracking, tracking || ' | stored' FROM parcels;
             DROP TABLE kept;
             {AS_SCHEMA_13}
             INSERT INTO identifiers (kind, value) SELECT DISTINCT kind, key FROM sounds;
             INSERT INTO occurrences (ident, item, role)
               SELECT i.id, s.item, s.role FROM sounds s
               JOIN identifiers i ON i.kind = s.kind AND i.value = s.key;
             DROP TABLE sounds;
             CREATE INDEX occurrences_item ON occurrences (item);"
        ))
        .unwrap();
        c.pragma_update(None, "user_version", 10).unwrap();
    }
    let others = count_in(&nb.db, "SELECT count(*) FROM search_items") - parcels;
    nb.ok(&["list", "cases"]);
    assert_eq!(user_version(&nb.db), interdict::store::migrations::latest());
    assert_eq!(
        count_in(&nb.db, "SELECT count(*) FROM search_items"),
        others,
        "the parcels' rows went, the others stayed"
    );
    assert!(nb.ok(&["audit", "verify"]).contains("intact"));
    assert_consistent(&nb.db);
    assert!(nb.ok(&["search", &tracking]).contains(&tracking));
    Connection::open(&nb.db)
        .unwrap()
        .execute_batch(
            "INSERT INTO search_items (item, label, body)
               SELECT (n << 4) | 2, tracking, 'planted' FROM parcels ORDER BY n LIMIT 1;",
        )
        .unwrap();
    let out = nb.fails(&["audit", "verify"]);
    assert!(out.contains("1 search row(s) belong to no record"), "{out}");
}

/// A conflict open before the upgrade stays open through a merge of the
/// notebook's own export (made while it was open): that file carries,
/// under the notebook's own id, the history its copy at the other post
/// sent, and the conflict was closed as "the partner had settled" it,
/// credited to the file's signer, when nobody had.
#[test]
fn an_open_conflict_is_not_closed_by_a_merge_of_the_notebooks_own_export() {
    let nb = notebook_from("notebook.db");
    let open = |nb: &Nb| {
        nb.json(&["conflicts", "list"])
            .as_array()
            .map_or(0, Vec::len)
    };
    assert_eq!(open(&nb), 1);
    let file = nb.beside("export.db");
    std::fs::copy(fixture("export.db"), &file).unwrap();
    let merged = nb.json(&["merge", "--trust-new", file.to_str().unwrap()]);
    assert_eq!(merged["settled_there"], 0, "{merged}");
    assert_eq!(open(&nb), 1, "{merged}");
    let all = nb.json(&["conflicts", "list", "--all"]);
    assert_eq!(all[0]["status"], "open", "{all}");
}

/// Schema 26 keys a German or Dutch street named in one word by its name
/// and the street's word: an older notebook's index is built again on
/// its first writable open, and `Königstraße 5` and `Königstr. 5`, which
/// connected nothing, are one address.
#[test]
fn schema_26_builds_the_keys_again_and_one_word_streets_connect() {
    let nb = Nb::new();
    for (t, address) in [
        ("RR000096009CN", "Königstraße 5, Stuttgart"),
        ("RR000096012CN", "Königstr. 5, Stuttgart"),
        ("RR000096043CN", "Kerkstraat 10, Utrecht"),
    ] {
        nb.ok(&[
            "add",
            "parcel",
            "--tracking",
            t,
            "--recipient-address",
            address,
        ]);
    }
    // The index as schema 25 left it, in part: rows its rules did not
    // make, gone.
    let c = Connection::open(&nb.db).unwrap();
    c.execute_batch("DELETE FROM occurrences; DELETE FROM sounds; PRAGMA user_version = 25;")
        .unwrap();
    drop(c);
    let shown = nb.ok(&["xref", "RR000096009CN"]);
    assert!(
        shown.contains("RR000096012CN") && shown.contains("same recipient address"),
        "{shown}"
    );
    assert!(!shown.contains("RR000096043CN"), "{shown}");
    assert_eq!(user_version(&nb.db), 26);
    nb.ok(&["audit", "verify"]);
}
