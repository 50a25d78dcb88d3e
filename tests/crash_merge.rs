//! kill -9 in the middle of a merge: the merge is written in short steps,
//! each with its progress, so the notebook holds whole steps only, stays
//! consistent, says a merge stopped midway, and merging the file again
//! goes on from there and completes it, with the same report as a merge
//! that was never stopped.

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
fn kill_9_during_a_merge_leaves_whole_steps_and_a_rerun_completes_it() {
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
    // (The parcels only TLP:RED cases include stay behind with them.)
    let exported = count(&file, "SELECT count(*) FROM parcels");
    assert!(exported > 7000 && exported < 8000, "{exported}");

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

    // Whole steps only, the notebook consistent, and the merge marked as
    // stopped midway.
    assert_consistent(&dst);
    let parcels = count(&dst, "SELECT count(*) FROM parcels");
    assert!(parcels < exported, "{parcels}");
    assert_eq!(
        count(
            &dst,
            "SELECT count(*) FROM sources WHERE json_extract(report, '$.in_progress') IS NOT NULL"
        ),
        1
    );
    assert_eq!(
        count(
            &dst,
            "SELECT count(*) FROM occurrences WHERE (item & 15) = 2 AND kind = 1"
        ),
        parcels,
        "each parcel merged has its tracking number indexed"
    );
    let out = run(home, &dst, &["list", "cases", "--limit", "1"]);
    let note = String::from_utf8_lossy(&out.stderr);
    assert!(
        note.contains("is in progress or was stopped midway"),
        "{note}"
    );
    // A merge stopped midway vouches for nothing: the file is checked
    // whole again (a merge completed, only then, knows it by its bytes).
    let known = |db: &Path| {
        use interdict::exchange::{merge, received};
        let c = rusqlite::Connection::open(db).unwrap();
        received::open_vouched(&file, None, &|sha| merge::merged_whole(&c, sha))
            .unwrap()
            .vouched
    };
    assert!(!known(&dst));

    // While the process that left it runs on (as a merge running beside
    // this one would), the merge is not joined: a second merge of the
    // same file refuses, naming the process, and writes nothing. A
    // process of that number that is not the one recorded does not
    // count. (Linux says when a process started; elsewhere a merge left
    // in progress is always taken as stopped.)
    #[cfg(target_os = "linux")]
    {
        let mut sleeper = Command::new("sleep").arg("60").spawn().unwrap();
        let pid = sleeper.id();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let start: u64 = stat[stat.rfind(')').unwrap() + 1..]
            .split_whitespace()
            .nth(19)
            .unwrap()
            .parse()
            .unwrap();
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
        let set_runner = |start: u64| {
            rusqlite::Connection::open(&dst)
                .unwrap()
                .execute(
                    "UPDATE sources SET report = json_set(report, '$.runner',
                        json_object('pid', ?1, 'host', ?2, 'start', ?3))",
                    rusqlite::params![pid, host.trim(), start as i64],
                )
                .unwrap();
        };
        set_runner(start);
        let before = count(&dst, "SELECT count(*) FROM parcels");
        let out = run(home, &dst, &["merge", file.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{err}");
        assert!(
            err.contains("being merged into this notebook right now")
                && err.contains(&format!("process {pid}")),
            "{err}"
        );
        assert_eq!(count(&dst, "SELECT count(*) FROM parcels"), before);
        // Another start time: another process that got the number.
        set_runner(start + 1);
        sleeper.kill().unwrap();
        sleeper.wait().unwrap();
    }

    // Merging again goes on from there and completes it.
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
    assert_eq!(count(&dst, "SELECT count(*) FROM parcels"), exported);
    assert_eq!(count(&dst, "SELECT count(*) FROM sources"), 1);
    assert_eq!(
        count(
            &dst,
            "SELECT count(*) FROM sources WHERE json_extract(report, '$.in_progress') IS NOT NULL"
        ),
        0
    );
    assert_consistent(&dst);
    assert!(run(home, &dst, &["audit", "verify"]).status.success());
    assert!(known(&dst));

    // The same report as a merge that was never stopped.
    let whole = home.join("whole.db");
    assert!(run(home, &whole, &["init"]).status.success());
    let out = run(
        home,
        &whole,
        &["merge", file.to_str().unwrap(), "--format", "json"],
    );
    let w: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for k in ["added", "updated", "unchanged", "conflicts"] {
        assert_eq!(r[k], w[k], "{k}");
    }
}
