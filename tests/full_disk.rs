//! A full disk in the middle of a write fails that write cleanly and loses
//! nothing else. On a real (tiny tmpfs) filesystem when this machine lets
//! the test mount one, and always through SQLite's own page limit, which
//! takes the same SQLITE_FULL path.

mod common;

use common::{Nb, assert_consistent};
use interdict::domain::Case;
use interdict::domain::record::new_record;
use interdict::store::{OpenOptions, Store, StoreError, create};
use std::process::Command;

fn add_case(s: &mut Store, title: &str) -> Result<(), StoreError> {
    s.write(|w| {
        let (mut c, _) = new_record::<Case>(&[("title", title), ("summary", &"x".repeat(3000))])?;
        create::case(w, &mut c).map(|_| ())
    })
}

#[test]
fn sqlite_full_fails_the_write_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let mut s = Store::open(&db, OpenOptions::new("tester")).unwrap();
    add_case(&mut s, "before").unwrap();
    let pages: i64 = s
        .conn()
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    s.conn()
        .pragma_update(None, "max_page_count", pages + 3)
        .unwrap();
    let mut failed = None;
    for i in 0..200 {
        if let Err(e) = add_case(&mut s, &format!("case {i}")) {
            failed = Some((i, e));
            break;
        }
    }
    let (i, e) = failed.expect("the file filled up");
    assert!(matches!(e, StoreError::DiskFull { .. }), "{e:?}");
    assert!(e.to_string().contains("disk is full"), "{e}");
    drop(s);
    assert_consistent(&db);
    let s = Store::open(&db, OpenOptions::new("tester")).unwrap();
    let n: i64 = s
        .conn()
        .query_row("SELECT count(*) FROM cases", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        n,
        1 + i as i64,
        "every earlier write is there, the failed one is not"
    );
}

/// A tmpfs of a few hundred KiB, unmounted on drop.
struct TinyDisk(std::path::PathBuf);

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_really_full_disk_fails_the_write_and_keeps_the_rest() {
    let nb = Nb::new();
    let mnt = nb.beside("mnt");
    std::fs::create_dir_all(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=3m", "tmpfs"])
        .arg(&mnt)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!(
            "skipped: this machine does not let the test mount a tmpfs (the SQLITE_FULL path is covered above)"
        );
        return;
    }
    let _disk = TinyDisk(mnt.clone());
    let db = mnt.join("nb.db");
    let run = |args: &[&str]| nb.cmd_on(&db).args(args).output().unwrap();
    assert!(
        run(&["add", "case", "--title", "before the disk filled"])
            .status
            .success()
    );
    // Fill the disk with another file, to the last byte.
    {
        use std::io::Write;
        let mut f = std::fs::File::create(mnt.join("filler")).unwrap();
        let block = vec![0u8; 4096];
        while f.write_all(&block).is_ok() {}
        let _ = f.flush();
    }
    let mut err = None;
    for i in 0..50 {
        let out = run(&[
            "add",
            "parcel",
            "--tracking",
            &format!("1Z999AA1{i:010}"),
            "--concealment",
            &"y".repeat(900),
        ]);
        if !out.status.success() {
            err = Some(String::from_utf8_lossy(&out.stderr).into_owned());
            break;
        }
    }
    let err = err.expect("a write failed on the full disk");
    assert!(err.contains("disk is full"), "{err}");
    std::fs::remove_file(mnt.join("filler")).unwrap();
    assert_consistent(&db);
    let out = run(&["list", "cases", "--format", "json"]);
    let cases: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cases[0]["title"], "before the disk filled");
    assert!(run(&["add", "case", "--title", "after"]).status.success());
}
