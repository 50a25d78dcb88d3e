//! A notebook on a temporary file and the real binary, for the
//! integration tests. Not every test file uses every helper.
#![allow(dead_code)]

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
        let out = self
            .cmd()
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.extend(["--format", "json"]);
        serde_json::from_str(&self.ok(&a)).unwrap()
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
