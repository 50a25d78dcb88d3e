//! A signed export is read as it was signed, whatever is beside it or its
//! header says: a `-wal` or hot `-journal` another program left is
//! ignored (and said so), a plain open never turns it into a notebook, and
//! a damaged file is named as such.

mod common;

use common::Nb;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// A notebook with one case and one parcel, and its export.
fn exported() -> (Nb, PathBuf) {
    let a = Nb::new();
    a.ok(&["add", "case", "--title", "Operation Tea"]);
    a.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR473124829KZ",
        "--sender-name",
        "Ivan Petrov",
        "--case",
        "C-0001",
    ]);
    let file = a.beside("tea.db");
    a.ok(&[
        "export",
        "--case",
        "C-0001",
        "--out",
        file.to_str().unwrap(),
    ]);
    (a, file)
}

fn sha(path: &Path) -> String {
    interdict::exchange::signing::file_sha256(path).unwrap()
}

fn beside(file: &Path, suffix: &str) -> PathBuf {
    let mut p = file.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// Runs `args` on `file` as `nb`'s user: (success, stdout, stderr).
fn run_on(nb: &Nb, file: &Path, args: &[&str]) -> (bool, String, String) {
    let out = nb.cmd_on(file).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Rows of the search index in `file`, read as the file alone.
fn search_rows(file: &Path) -> i64 {
    Connection::open_with_flags(
        interdict::store::immutable_uri(file),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
    )
    .unwrap()
    .query_row("SELECT count(*) FROM search_items", [], |r| r.get(0))
    .unwrap()
}

#[test]
fn a_wal_left_beside_a_signed_export_is_ignored_and_said() {
    let (a, file) = exported();
    let recv = file.with_file_name("recv.db");
    std::fs::copy(&file, &recv).unwrap();
    // Another program switches the copy to WAL and leaves an unsigned
    // change in its log (the connection is never closed, so never
    // checkpointed).
    let c = Connection::open(&recv).unwrap();
    let mode: String = c
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    c.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    c.execute("UPDATE parcels SET sender_name = 'MALLORY'", [])
        .unwrap();
    std::mem::forget(c);
    assert!(beside(&recv, "-wal").exists());
    let _ = std::fs::remove_file(beside(&recv, "-shm"));
    let main_before = sha(&recv);
    let wal_before = sha(&beside(&recv, "-wal"));

    let b = Nb::new();
    b.ok(&["init"]);
    let r = recv.to_str().unwrap();
    for args in [
        &["--read-only", "list", "parcels"][..],
        &["list", "parcels"][..],
    ] {
        let (ok, out, err) = run_on(&b, &recv, args);
        assert!(ok, "{args:?}: {err}");
        assert!(out.contains("Ivan Petrov"), "the signed value: {out}");
        assert!(!out.contains("MALLORY"), "the log's value shown: {out}");
        assert!(
            err.contains("warning") && err.contains("recv.db-wal beside it is ignored"),
            "{args:?}: {err}"
        );
        assert!(
            !beside(&recv, "-shm").exists(),
            "{args:?} created a -shm beside the file"
        );
    }
    assert_eq!(sha(&recv), main_before, "the file is unchanged");
    assert_eq!(sha(&beside(&recv, "-wal")), wal_before, "the log too");
    assert_eq!(search_rows(&recv), 0, "no index row written into it");

    // A merge reads what was browsed (the signed value), and says so.
    let (ok, _, err) = run_on(&b, &b.db, &["merge", "--trust-new", r]);
    assert!(ok, "{err}");
    assert!(err.contains("recv.db-wal beside it is ignored"), "{err}");
    let parcels = b.json(&["list", "parcels"]);
    assert_eq!(parcels[0]["sender_name"], "Ivan Petrov", "{parcels}");
    drop(a);
}

#[test]
fn an_export_switched_to_wal_is_still_opened_read_only_and_never_written() {
    let (_a, file) = exported();
    let flip = file.with_file_name("flip.db");
    std::fs::copy(&file, &flip).unwrap();
    {
        let c = Connection::open(&flip).unwrap();
        let _: String = c
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .unwrap();
    }
    assert!(!beside(&flip, "-wal").exists());
    let h = sha(&flip);
    let b = Nb::new();
    b.ok(&["init"]);
    let (ok, out, err) = run_on(&b, &flip, &["list", "parcels"]);
    assert!(ok, "{err}");
    assert!(out.contains("RR473124829KZ"), "{out}");
    assert!(err.contains("opened read-only"), "{err}");
    let (ok, _, err) = run_on(&b, &flip, &["add", "case", "--title", "Scribbled"]);
    assert!(!ok && err.contains("signed export"), "{err}");
    assert_eq!(sha(&flip), h, "not a byte of it changed");
    assert_eq!(search_rows(&flip), 0, "no index row written into it");
    for s in ["-wal", "-shm", "-journal"] {
        assert!(!beside(&flip, s).exists(), "{s} created beside it");
    }
    // The dry run and the merge agree, and the merge takes it.
    let f = flip.to_str().unwrap();
    let dry = b.json(&["merge", "--trust-new", "--dry-run", f]);
    let real = b.json(&["merge", "--trust-new", f]);
    assert_eq!(dry["added"], real["added"], "{dry} {real}");
    assert!(real["added"].as_u64().unwrap() > 0, "{real}");
}

#[test]
fn a_hot_journal_beside_an_export_is_never_applied_and_is_named() {
    let (_a, file) = exported();
    let hot = file.with_file_name("hot.db");
    std::fs::copy(&file, &hot).unwrap();
    // A write left unfinished by another program: pages spilled into the
    // file, the originals in a hot journal beside it.
    {
        let c = Connection::open(&hot).unwrap();
        c.pragma_update(None, "cache_size", 2).unwrap();
        c.execute_batch(
            "BEGIN; UPDATE parcels SET sender_name = 'MALLORY', found_contents = hex(randomblob(20000));",
        )
        .unwrap();
        std::mem::forget(c);
    }
    let journal = beside(&hot, "-journal");
    assert!(journal.exists(), "a hot journal is left");
    let (h, hj) = (sha(&hot), sha(&journal));
    let b = Nb::new();
    b.ok(&["init"]);
    for args in [
        &["--read-only", "list", "parcels"][..],
        &["list", "parcels"][..],
    ] {
        let (_, _, err) = run_on(&b, &hot, args);
        assert!(
            err.contains("hot.db-journal beside it is ignored"),
            "{args:?}: {err}"
        );
        assert!(
            !err.contains("check its permissions"),
            "{args:?}: not a permissions problem: {err}"
        );
        assert!(
            !err.contains(".interdict-upgraded"),
            "{args:?}: the file is named, not a private copy: {err}"
        );
    }
    assert_eq!(sha(&hot), h, "the file was not rolled back nor written");
    assert_eq!(sha(&journal), hj, "the journal is left as it was");
    assert_eq!(search_rows(&hot), 0, "no index row written into it");
    // The dry run and the merge read the same (the file alone): both
    // take it or both refuse it, and both say what was ignored.
    let h_str = hot.to_str().unwrap();
    let (dry_ok, dry_out, dry) = run_on(&b, &b.db, &["merge", "--trust-new", "--dry-run", h_str]);
    let (real_ok, real_out, real) = run_on(&b, &b.db, &["merge", "--trust-new", h_str]);
    assert_eq!(dry_ok, real_ok, "{dry}{dry_out} / {real}{real_out}");
    let counts = |out: &str| {
        out.lines()
            .find(|l| l.starts_with("added"))
            .map(str::to_string)
    };
    assert_eq!(counts(&dry_out), counts(&real_out));
    assert!(dry.contains("hot.db-journal beside it is ignored"), "{dry}");
    assert!(
        real.contains("hot.db-journal beside it is ignored"),
        "{real}"
    );
}

#[test]
fn an_export_with_a_damaged_header_is_named_as_damaged() {
    let (_a, file) = exported();
    let b = Nb::new();
    b.ok(&["init"]);
    // The page count (bytes 28-31) and the write version (byte 18).
    for (offset, byte) in [(28usize, 0x5a_u8), (18, 0x5b)] {
        let bad = file.with_file_name(format!("bad{offset}.db"));
        let mut bytes = std::fs::read(&file).unwrap();
        bytes[offset] ^= byte;
        std::fs::write(&bad, &bytes).unwrap();
        for ro in [true, false] {
            let mut args = vec!["list", "parcels"];
            if ro {
                args.insert(0, "--read-only");
            }
            let (ok, _, err) = run_on(&b, &bad, &args);
            assert!(!ok, "{err}");
            let name = format!("bad{offset}.db");
            assert!(
                err.contains(&name) && err.contains("damaged"),
                "offset {offset}, --read-only {ro}: {err}"
            );
            assert!(
                !err.starts_with("error: database error"),
                "offset {offset}: {err}"
            );
            assert!(!err.contains("check its permissions"), "{err}");
        }
        assert_eq!(std::fs::read(&bad).unwrap(), bytes, "unchanged");
    }
}

/// A received file changed in transit (a row deleted with sqlite3) is
/// browsed with a warning but never passed on: exporting from it, in any
/// format, is refused (it was re-signed by whoever exported it, and a
/// colleague merged it cleanly, the row gone).
#[test]
fn a_received_file_that_failed_its_checks_is_never_exported_again() {
    let (a, file) = exported();
    let tampered = beside(&file, "-tampered.db");
    std::fs::copy(&file, &tampered).unwrap();
    let c = Connection::open(&tampered).unwrap();
    c.execute("DELETE FROM links", []).unwrap();
    drop(c);
    let forwarded = a.beside("forwarded.db");
    for extra in [&[][..], &["--stix"], &["--misp"]] {
        let mut args = vec![
            "export",
            "--case",
            "C-0001",
            "--out",
            forwarded.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let (ok, _, err) = run_on(&a, &tampered, &args);
        assert!(!ok, "{extra:?}: {err}");
        assert!(
            err.contains("nothing exported: this file failed its checks"),
            "{err}"
        );
        assert!(!forwarded.exists());
    }
    // The file as signed still exports.
    let (ok, _, err) = run_on(
        &a,
        &file,
        &[
            "export",
            "--case",
            "C-0001",
            "--out",
            forwarded.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
}
