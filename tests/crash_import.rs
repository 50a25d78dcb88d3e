//! kill -9 in the middle of a large CSV import leaves whole rows only, a
//! consistent notebook and an intact audit chain; running the import again
//! completes it without filing any parcel twice.

use interdict::exchange::demo::s10_number;
mod common;

use common::{assert_consistent, count_in as count};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROWS: u32 = 30_000;

fn import(db: &std::path::Path, csv: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_interdict"));
    c.env("INTERDICT_USER", "tester")
        .arg("--db")
        .arg(db)
        .args(["--format", "json", "import", "csv"])
        .arg(csv);
    c
}

#[test]
fn kill_9_during_an_import_then_a_rerun_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let csv = dir.path().join("big.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
        writeln!(
            f,
            "Tracking number,Origin,Sender phone,Recipient,Declared contents,Weight (g)"
        )
        .unwrap();
        for i in 0..ROWS {
            writeln!(
                f,
                "{},CN,+86 138 {:04} {:04},Recipient {},tea sample {},{}",
                s10_number("RR", 7_000_000 + i, "CN"),
                i / 10_000,
                i % 10_000,
                i % 997,
                i % 13,
                10 + i % 500
            )
            .unwrap();
        }
    }
    let mut child = import(&db, &csv)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some batches have committed, then kill without warning.
    let start = Instant::now();
    while count(&db, "SELECT count(*) FROM parcels") == 0 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import ended before it could be killed"
        );
        assert!(start.elapsed() < Duration::from_secs(300), "no progress");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success(), "the import was killed mid-way");

    let check = |expect_all: bool| {
        assert_consistent(&db);
        let parcels = count(&db, "SELECT count(*) FROM parcels");
        if expect_all {
            assert_eq!(parcels, i64::from(ROWS));
        } else {
            assert!((1..i64::from(ROWS)).contains(&parcels), "{parcels}");
            // Whole batches only, and batches commit in file order: the
            // parcels are exactly the file's first rows (lines 2 to N+1).
            assert_eq!(
                count(
                    &db,
                    "SELECT max(line) - min(line) + 1 FROM provenance WHERE action = 'import'"
                ),
                parcels
            );
            assert_eq!(
                count(
                    &db,
                    "SELECT min(line) FROM provenance WHERE action = 'import'"
                ),
                2
            );
        }
        // Every parcel came with its provenance, and no tracking twice.
        assert_eq!(
            count(
                &db,
                "SELECT count(*) FROM provenance WHERE action = 'import'"
            ),
            parcels
        );
        assert_eq!(
            count(&db, "SELECT count(DISTINCT tracking) FROM parcels"),
            parcels
        );
        parcels
    };
    let done_before = check(false);

    // The killed import's source row is there, its report never filled in.
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM sources WHERE report LIKE '%in-progress%'"
        ),
        1
    );
    let out = import(&db, &csv).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The killed import's row is no longer "in progress": its process is
    // gone, so the next run marked it interrupted, with the parcels it
    // had committed, and said so.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("was interrupted"), "{stderr}");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM sources WHERE report LIKE '%in-progress%'"
        ),
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT json_extract(report, '$.imported') FROM sources
             WHERE json_extract(report, '$.outcome') = 'interrupted'"
        ),
        done_before
    );
    assert_eq!(report["read"], ROWS);
    assert_eq!(report["duplicates"], done_before);
    assert_eq!(report["imported"], i64::from(ROWS) - done_before);
    assert_eq!(report["rejected"], 0);
    check(true);
}
