//! A notebook on a temporary file and the real binary, for the
//! integration tests. Not every test file uses every helper.
#![allow(dead_code)]

pub mod pty;
pub mod tools;

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

pub struct Nb {
    pub _dir: tempfile::TempDir,
    pub db: PathBuf,
}

impl Nb {
    pub fn new() -> Nb {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("nb.db");
        Nb { _dir: dir, db }
    }

    /// A file beside the notebook, in its temporary folder.
    pub fn beside(&self, name: &str) -> PathBuf {
        self.db.parent().unwrap().join(name)
    }

    pub fn cmd(&self) -> Command {
        self.cmd_on(&self.db)
    }

    /// The binary as this notebook's user, on another file.
    pub fn cmd_on(&self, db: &std::path::Path) -> Command {
        let mut c = Command::cargo_bin("interdict").unwrap();
        c.env_remove("INTERDICT_DB")
            .env("INTERDICT_USER", "tester")
            .env("HOME", self._dir.path())
            .env("XDG_DATA_HOME", self._dir.path().join("data"))
            .arg("--db")
            .arg(db);
        c
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let mut cmd = self.cmd();
        cmd.args(args);
        String::from_utf8(stdout_of_success(cmd)).unwrap()
    }

    /// Runs `args` on another file opened `--read-only` (a received
    /// export), expecting success; its standard output.
    pub fn read_only(&self, file: &std::path::Path, args: &[&str]) -> String {
        let mut cmd = self.cmd_on(file);
        cmd.arg("--read-only").args(args);
        String::from_utf8_lossy(&stdout_of_success(cmd)).into_owned()
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.extend(["--format", "json"]);
        serde_json::from_str(&self.ok(&a)).unwrap()
    }

    /// The labels of what `search QUERY` finds, best first.
    pub fn search_labels(&self, query: &str) -> Vec<String> {
        self.json(&["search", query])
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["label"].as_str().unwrap().to_string())
            .collect()
    }

    pub fn fails(&self, args: &[&str]) -> String {
        let out = self
            .cmd()
            .args(args)
            .assert()
            .failure()
            .get_output()
            .stderr
            .clone();
        String::from_utf8(out).unwrap()
    }

    /// Runs `args`, expecting success; what it said on standard error
    /// (warnings, flags).
    pub fn warns(&self, args: &[&str]) -> String {
        let out = self
            .cmd()
            .args(args)
            .assert()
            .success()
            .get_output()
            .stderr
            .clone();
        String::from_utf8(out).unwrap()
    }

    pub fn count(&self, table: &str) -> i64 {
        let c = rusqlite::Connection::open(&self.db).unwrap();
        c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }
}

impl Nb {
    /// Runs the binary with these arguments.
    pub fn run(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        self.cmd().args(args).assert()
    }
}

/// A count from the notebook at `db` (0 when the query fails).
/// The standard output of `cmd`, which must succeed.
fn stdout_of_success(mut cmd: Command) -> Vec<u8> {
    cmd.assert().success().get_output().stdout.clone()
}

/// The text field `field` of each object of the JSON array `list`.
/// A path as an argument.
/// An ANX chart's text: UTF-16 little-endian after its byte-order mark.
pub fn anx_text(bytes: &[u8]) -> String {
    assert_eq!(
        &bytes[..2],
        &[0xFF, 0xFE],
        "UTF-16 LE with a byte-order mark"
    );
    let units: Vec<u16> = bytes[2..]
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).unwrap()
}

pub fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

pub fn strings<'a>(list: &'a Value, field: &str) -> Vec<&'a str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| e[field].as_str().unwrap())
        .collect()
}

pub fn count_in(db: &std::path::Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap_or(0)
}

/// A notebook as it must be after a crash or a failed write: SQLite's
/// integrity check passes, the audit chain is intact, every record is as
/// its last audit entry left it, the warning list, match decisions,
/// watchlist and profiles are as their entries left them, received
/// histories and document bytes hash as they should, and no identifier,
/// occurrence, search row or provenance row is left without its item.
pub fn assert_consistent(db: &std::path::Path) {
    use interdict::store::{OpenOptions, Store, audit, integrity};
    let s = Store::open(db, OpenOptions::new("check")).unwrap();
    let ok: String = s
        .conn()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    assert!(matches!(
        audit::verify(s.conn()).unwrap(),
        audit::Verdict::Intact { .. }
    ));
    let records = integrity::check(s.conn()).unwrap();
    assert!(records.problems.is_empty(), "{:?}", records.problems);
    let derived = integrity::check_derived(s.conn()).unwrap();
    assert!(derived.problems.is_empty(), "{:?}", derived.problems);
    let tables = integrity::check_tables(s.conn()).unwrap();
    assert!(tables.problems.is_empty(), "{:?}", tables.problems);
    for (what, sql) in [
        (
            "occurrences of missing parcels",
            "SELECT count(*) FROM occurrences o WHERE (o.item & 15) = 2 AND NOT EXISTS (SELECT 1 FROM parcels p WHERE p.n = o.item >> 4)",
        ),
        (
            "search rows of missing parcels",
            "SELECT count(*) FROM search_items s WHERE (s.item & 15) = 2 AND NOT EXISTS (SELECT 1 FROM parcels p WHERE p.n = s.item >> 4)",
        ),
        (
            "provenance of missing parcels",
            "SELECT count(*) FROM provenance pr WHERE pr.action = 'import' AND NOT EXISTS (SELECT 1 FROM parcels p WHERE p.id = pr.item_id)",
        ),
    ] {
        assert_eq!(count_in(db, sql), 0, "{what}");
    }
    // No index row of any kind names an item that is not there.
    for (code, table) in [
        (1, "cases"),
        (2, "parcels"),
        (3, "substances"),
        (4, "findings"),
        (5, "links"),
        (6, "notes"),
        (7, "people"),
        (8, "organisations"),
    ] {
        for index in ["occurrences", "sounds", "search_items"] {
            let sql = format!(
                "SELECT count(*) FROM {index} x WHERE (x.item & 15) = {code}
                   AND NOT EXISTS (SELECT 1 FROM {table} r WHERE r.n = x.item >> 4)"
            );
            assert_eq!(count_in(db, &sql), 0, "{index} rows of missing {table}");
        }
    }
    assert_eq!(
        count_in(
            db,
            "SELECT count(*) FROM occurrences WHERE (item & 15) NOT BETWEEN 1 AND 8"
        ),
        0,
        "occurrences of no kind"
    );
}
