//! Several writers on one notebook file at once: nothing lost, nothing
//! refused with "database is locked", the audit chain intact.

use assert_cmd::Command;
use interdict::store::{OpenOptions, Store, audit, create, records};
use std::path::Path;

fn add_notes(db: &Path, who: &str, n: usize) {
    for i in 0..n {
        Command::cargo_bin("interdict")
            .unwrap()
            .env("INTERDICT_USER", who)
            .arg("--db")
            .arg(db)
            .args([
                "add",
                "note",
                "--on",
                "C-0001",
                "--text",
                &format!("{who} lead {i}"),
            ])
            .assert()
            .success();
    }
}

#[test]
fn two_processes_writing_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    Command::cargo_bin("interdict")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .args(["add", "case", "--title", "Shared"])
        .assert()
        .success();
    let (a, b) = (db.clone(), db.clone());
    let t1 = std::thread::spawn(move || add_notes(&a, "alice", 60));
    let t2 = std::thread::spawn(move || add_notes(&b, "bob", 60));
    t1.join().unwrap();
    t2.join().unwrap();
    let s = Store::open(&db, OpenOptions::new("check")).unwrap();
    assert_eq!(
        records::count::<interdict::domain::Note>(s.conn()).unwrap(),
        120
    );
    assert!(matches!(
        audit::verify(s.conn()).unwrap(),
        audit::Verdict::Intact { .. }
    ));
}

#[test]
fn two_connections_writing_hundreds_each_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    drop(Store::open(&db, OpenOptions::new("init")).unwrap());
    let writers: Vec<_> = ["alice", "bob"]
        .into_iter()
        .map(|who| {
            let db = db.clone();
            std::thread::spawn(move || {
                let mut s = Store::open(&db, OpenOptions::new(who)).unwrap();
                for i in 0..300 {
                    s.write(|w| {
                        let (mut c, _) =
                            interdict::domain::record::new_record::<interdict::domain::Case>(&[(
                                "title",
                                &format!("{who} {i}"),
                            )])?;
                        create::case(w, &mut c)
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let s = Store::open(&db, OpenOptions::new("check")).unwrap();
    assert_eq!(
        records::count::<interdict::domain::Case>(s.conn()).unwrap(),
        600
    );
    // Case references were handed out one at a time: no duplicates, no gaps.
    let max: i64 = s
        .conn()
        .query_row(
            "SELECT max(CAST(substr(\"ref\", 3) AS INTEGER)) FROM cases",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(max, 600);
    assert!(matches!(
        audit::verify(s.conn()).unwrap(),
        audit::Verdict::Intact { .. }
    ));
}

#[test]
fn a_dry_run_merge_holds_no_lock_a_colleague_waits_on() {
    use interdict::exchange::{demo, export, merge, received, signing};
    let dir = tempfile::tempdir().unwrap();
    let key = signing::load_or_create(&dir.path().join("signing.key")).unwrap();
    let mut a = Store::open(&dir.path().join("a.db"), OpenOptions::new("alice")).unwrap();
    demo::generate(&mut a, 1200, 3, |_, _| {}).unwrap();
    let out = dir.path().join("all.db");
    let opts = export::ExportOptions {
        cases: vec![],
        all: true,
        include_red: vec![],
        redact_sources: false,
        key: &key,
        encrypt_to: vec![],
        amber_strict: false,
    };
    export::export(&a, &out, &opts, &mut |_, _, _| {}).unwrap();
    let file = received::open(&out, None).unwrap();
    let nb = dir.path().join("b");
    std::fs::create_dir(&nb).unwrap();
    let db = nb.join("b.db");
    let mut b = Store::open(&db, OpenOptions::new("bob")).unwrap();
    let before = records::count::<interdict::domain::Parcel>(b.conn()).unwrap();
    // A colleague writes while the dry run is under way (at each of its
    // progress reports): were the notebook locked, the write would wait
    // out the busy timeout and fail.
    let mut colleague = Store::open(&db, OpenOptions::new("carol")).unwrap();
    let mut written = 0;
    let report = merge::merge(&mut b, &file, true, &mut |done, _| {
        if done > 0 {
            colleague
                .write(|w| {
                    let (mut c, _) = interdict::domain::record::new_record::<
                        interdict::domain::Case,
                    >(&[("title", &format!("carol {done}"))])?;
                    create::case(w, &mut c)
                })
                .unwrap();
            written += 1;
        }
    })
    .unwrap();
    assert!(
        written >= 2,
        "the dry run reported progress {written} times"
    );
    assert!(report.dry_run && !report.written);
    assert!(report.added >= 1200, "{report:?}");
    // Nothing of the file was written; the colleague's cases were.
    assert_eq!(
        records::count::<interdict::domain::Parcel>(b.conn()).unwrap(),
        before
    );
    assert_eq!(
        records::count::<interdict::domain::Case>(b.conn()).unwrap(),
        written
    );
    // The private copy it ran on is gone.
    let left: Vec<_> = std::fs::read_dir(&nb)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains("trial"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(matches!(
        audit::verify(b.conn()).unwrap(),
        audit::Verdict::Intact { .. }
    ));
}

/// `audit verify` run while a colleague writes reads one state of the
/// notebook: it named entries "sealed by no one", index rows "written
/// outside interdict" and "newest entries removed" when a write landed
/// between its checks.
#[test]
fn a_verify_beside_a_writer_reports_no_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    Command::cargo_bin("interdict")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .args(["demo", "--parcels", "300"])
        .assert()
        .success();
    let a = db.clone();
    let writer = std::thread::spawn(move || add_notes(&a, "alice", 40));
    let mut runs = 0;
    while !writer.is_finished() || runs < 3 {
        let out = Command::cargo_bin("interdict")
            .unwrap()
            .env("INTERDICT_USER", "bob")
            .arg("--db")
            .arg(&db)
            .args(["--read-only", "audit", "verify"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "run {runs}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        runs += 1;
    }
    writer.join().unwrap();
    assert!(runs >= 3);
}
