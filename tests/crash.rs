//! kill -9 in the middle of a long write job leaves a consistent notebook:
//! no half record, no orphan index row, audit chain and records intact.

mod common;

use common::{assert_consistent, count_in as count};
use std::process::Command;
use std::time::{Duration, Instant};

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
    while count(&db, "SELECT count(*) FROM parcels") == 0 {
        assert!(start.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success(), "the job was killed mid-way");

    assert_consistent(&db);
    let parcels = count(&db, "SELECT count(*) FROM parcels");
    assert!((1..200_000).contains(&parcels), "{parcels}");
    // Whole batches only: a parcel of a planted series is written with its
    // case's link in the same transaction, so none is without it.
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM parcels p WHERE declared_category = 'commercial-sample'
             AND NOT EXISTS (SELECT 1 FROM links l WHERE l.to_id = p.id AND l.link_type = 'includes')"
        ),
        0
    );
    assert!(
        count(
            &db,
            "SELECT count(*) FROM parcels WHERE declared_category = 'commercial-sample'"
        ) > 0,
        "no series parcel was written before the kill"
    );
}
