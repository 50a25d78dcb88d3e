//! kill -9 in the middle of a merge: the merge is one transaction, so the
//! notebook holds all of it or none of it, stays consistent, and merging
//! the file again completes it.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{assert_consistent, count_in as count};

const BIN: &str = env!("CARGO_BIN_EXE_interdict");

fn run(home: &Path, db: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("INTERDICT_USER", "tester")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn kill_9_during_a_merge_leaves_all_or_nothing_and_a_rerun_completes() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (src, dst) = (home.join("src.db"), home.join("dst.db"));
    let file = home.join("all.db");
    assert!(
        run(home, &src, &["demo", "--parcels", "8000"])
            .status
            .success()
    );
    let out = run(
        home,
        &src,
        &["export", "--all", "--out", file.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(run(home, &dst, &["init"]).status.success());

    let mut child = Command::new(BIN)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .arg("--db")
        .arg(&dst)
        .args(["merge", file.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once its transaction has written a good part to the WAL.
    let wal = home.join("dst.db-wal");
    let start = Instant::now();
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < 2 << 20 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the merge ended before it could be killed"
        );
        assert!(start.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success(), "killed mid-way");

    // Nothing of the merge is there, and the notebook is whole.
    assert_consistent(&dst);
    assert_eq!(count(&dst, "SELECT count(*) FROM parcels"), 0);
    assert_eq!(count(&dst, "SELECT count(*) FROM sources"), 0);
    assert_eq!(
        count(
            &dst,
            "SELECT count(*) FROM search_items WHERE (item & 15) = 2"
        ),
        0
    );
    assert_eq!(count(&dst, "SELECT count(*) FROM occurrences"), 0);

    // Merging again completes it.
    let out = run(
        home,
        &dst,
        &["merge", file.to_str().unwrap(), "--format", "json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["conflicts"], 0);
    assert_eq!(count(&dst, "SELECT count(*) FROM parcels"), 8000);
    assert_consistent(&dst);
}
