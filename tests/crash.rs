//! kill -9 in the middle of a long write job leaves a consistent notebook:
//! no half record, no orphan index row, audit chain and records intact.

use interdict::store::{OpenOptions, Store, audit, integrity};
use std::process::Command;
use std::time::{Duration, Instant};

fn count(db: &std::path::Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.busy_timeout(Duration::from_secs(10)).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap_or(0)
}

#[test]
fn kill_9_during_the_demo_job_leaves_a_consistent_notebook() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_interdict"))
        .arg("--db")
        .arg(&db)
        .args(["demo", "--parcels", "200000"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some batches have committed, then kill without warning.
    let start = Instant::now();
    while count(&db, "SELECT count(*) FROM parcels") < 5000 {
        assert!(start.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success(), "the job was killed mid-way");

    let s = Store::open(&db, OpenOptions::new("check")).unwrap();
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
    let parcels = count(&db, "SELECT count(*) FROM parcels");
    assert!((5000..200_000).contains(&parcels), "{parcels}");
    // Whole batches only: the job commits 5,000 parcels at a time.
    assert_eq!(parcels % 5000, 0, "{parcels}");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM identifiers i WHERE NOT EXISTS (SELECT 1 FROM occurrences o WHERE o.ident = i.id)"
        ),
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM occurrences o WHERE o.item_kind = 'parcel' AND NOT EXISTS (SELECT 1 FROM parcels p WHERE p.id = o.item_id)"
        ),
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM search_items s WHERE s.kind = 'parcel' AND NOT EXISTS (SELECT 1 FROM parcels p WHERE p.id = s.item_id)"
        ),
        0
    );
}
