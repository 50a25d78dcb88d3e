//! Files on a shared server (#18): what an export, an encrypted export and
//! a dry-run merge leave on the disk while they run, under the loosest
//! umask (000), looked at by stopping the process midway.

mod common;

use common::Nb;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The binary under `umask 000`, as this notebook's user.
fn spawn_loose(nb: &Nb, args: &[&str]) -> Child {
    let bin = assert_cmd::cargo::cargo_bin("interdict");
    let mut script = String::from("umask 000; exec \"$0\"");
    for i in 1..=args.len() + 2 {
        script.push_str(&format!(" \"${i}\""));
    }
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(bin)
        .arg("--db")
        .arg(&nb.db)
        .args(args)
        .env_remove("INTERDICT_DB")
        .env("INTERDICT_USER", "tester")
        .env("HOME", nb._dir.path())
        .env("XDG_DATA_HOME", nb._dir.path().join("data"))
        .env("TMPDIR", nb._dir.path().join("tmp"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn signal(child: &Child, sig: &str) {
    Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
}

/// Working entries (`.interdict-<what>-...`) in `dir`.
fn working(dir: &Path, what: &str) -> Vec<PathBuf> {
    let prefix = format!(".interdict-{what}-");
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

/// Runs the command under umask 000, stops it as soon as its working
/// folder for `what` appears in `dir` and checks that folder and all in
/// it are the owner's only; then kills it. Returns whether it was caught
/// midway (a fast machine may finish first).
fn caught_private(nb: &Nb, args: &[&str], dir: &Path, what: &str) -> bool {
    let mut child = spawn_loose(nb, args);
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut caught = false;
    while Instant::now() < deadline {
        if let Some(work) = working(dir, what).into_iter().next() {
            signal(&child, "-STOP");
            caught = true;
            assert_eq!(mode(&work), 0o700, "{} is open to others", work.display());
            for e in std::fs::read_dir(&work).unwrap().flatten() {
                assert_eq!(
                    mode(&e.path()),
                    0o600,
                    "{} is open to others",
                    e.path().display()
                );
            }
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    signal(&child, "-KILL");
    let _ = child.wait();
    caught
}

fn demo(nb: &Nb, parcels: &str) {
    nb.ok(&["demo", "--parcels", parcels]);
    std::fs::create_dir_all(nb._dir.path().join("tmp")).unwrap();
}

#[test]
fn an_export_under_umask_000_builds_in_a_folder_only_its_owner_can_enter() {
    let nb = Nb::new();
    demo(&nb, "3000");
    let outdir = nb._dir.path().join("out");
    std::fs::create_dir(&outdir).unwrap();
    std::fs::set_permissions(&outdir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = outdir.join("all.db");
    let mut caught = 0;
    for _ in 0..3 {
        if caught_private(
            &nb,
            &["export", "--all", "--out", out.to_str().unwrap()],
            &outdir,
            "export",
        ) {
            caught += 1;
        }
        let _ = std::fs::remove_file(&out);
    }
    assert!(caught > 0, "never caught an export midway");
    // What the killed exports left is swept by the next one, which
    // writes its output for its owner only.
    nb.ok(&["export", "--all", "--out", out.to_str().unwrap()]);
    assert!(working(&outdir, "export").is_empty(), "leftovers stay");
    assert_eq!(mode(&out), 0o600);
}

#[test]
fn an_encrypted_export_never_writes_its_plaintext_to_the_disk() {
    let nb = Nb::new();
    demo(&nb, "3000");
    let id = nb._dir.path().join("id.txt");
    let r = nb.json(&["keys", "new-identity", "--out", id.to_str().unwrap()]);
    let recipient = r["recipient"].as_str().unwrap().to_string();
    let outdir = nb._dir.path().join("out");
    std::fs::create_dir(&outdir).unwrap();
    let out = outdir.join("all.age");
    let mut child = spawn_loose(
        &nb,
        &[
            "export",
            "--all",
            "--out",
            out.to_str().unwrap(),
            "--encrypt-to",
            &recipient,
        ],
    );
    // Watched all along: nothing but the encrypted output ever appears.
    let mut seen = std::collections::BTreeSet::new();
    let status = loop {
        for e in std::fs::read_dir(&outdir).unwrap().flatten() {
            seen.insert(e.file_name().to_string_lossy().into_owned());
        }
        for e in std::fs::read_dir(nb._dir.path().join("tmp"))
            .unwrap()
            .flatten()
        {
            seen.insert(format!("tmp/{}", e.file_name().to_string_lossy()));
        }
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    assert!(status.success());
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        vec!["all.age".to_string()],
        "a working file appeared beside the encrypted output"
    );
    assert!(
        std::fs::read(&out)
            .unwrap()
            .starts_with(b"age-encryption.org/v1")
    );
    assert_eq!(mode(&out), 0o600);
    // It is whole: the colleague it is for merges it.
    let b = Nb::new();
    b.ok(&["init"]);
    b.ok(&[
        "merge",
        "--trust-new",
        out.to_str().unwrap(),
        "--identity",
        id.to_str().unwrap(),
    ]);
    // All of it: as many parcels as the same export unencrypted holds.
    let plain = outdir.join("all.db");
    nb.ok(&["export", "--all", "--out", plain.to_str().unwrap()]);
    assert_eq!(
        b.count("parcels"),
        common::count_in(&plain, "SELECT count(*) FROM parcels")
    );
}

#[test]
fn a_dry_run_merge_under_umask_000_copies_the_notebook_for_its_owner_only() {
    let a = Nb::new();
    demo(&a, "3000");
    let file = a._dir.path().join("all.db");
    a.ok(&["export", "--all", "--out", file.to_str().unwrap()]);
    let b = Nb::new();
    demo(&b, "3000");
    let dbdir = b.db.parent().unwrap().to_path_buf();
    let mut caught = 0;
    for _ in 0..3 {
        if caught_private(
            &b,
            &["merge", "--trust-new", "--dry-run", file.to_str().unwrap()],
            &dbdir,
            "trial",
        ) {
            caught += 1;
        }
    }
    assert!(caught > 0, "never caught a dry run midway");
}

/// Whether this run can act as other accounts (root, with `setpriv`);
/// when it cannot, the check `check` is said not to have run (a failure
/// in CI, which runs as root). `needs` says what for.
fn can_act_as_others(check: &str, needs: &str) -> bool {
    // SAFETY: `geteuid` reads the process's own id.
    if unsafe { libc::geteuid() } == 0 && common::tools::find_path("setpriv").is_some() {
        return true;
    }
    common::tools::not_run(check, needs, "run the tests as root (CI does)");
    false
}

/// A folder every account may write (sticky, as `/tmp`), and a home in
/// it any account may use.
fn open_folder() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o777)).unwrap();
    (dir, home)
}

/// The binary run as the account `uid` (by root, with `setpriv`), with
/// its home in `home`.
fn as_uid(uid: u32, home: &Path, db: &Path, args: &[&str]) -> std::process::Output {
    let bin = assert_cmd::cargo::cargo_bin("interdict");
    Command::new("setpriv")
        .arg(format!("--reuid={uid}"))
        .arg(format!("--regid={uid}"))
        .arg("--clear-groups")
        .arg(bin)
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("INTERDICT_DB")
        .env("INTERDICT_USER", format!("user{uid}"))
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("TMPDIR", home)
        .output()
        .unwrap()
}

/// Another account's read-only open, while the owner had the notebook
/// closed, leaves `-wal` and `-shm` its own; the owner's next write names
/// that file and its owner and what to do (it said the notebook was open
/// read-only: "check its permissions"). Needs root, to act as two
/// accounts (CI runs as root; elsewhere it is said not to have run).
#[test]
fn a_side_file_of_another_account_is_named_with_its_owner() {
    if !can_act_as_others(
        "a_side_file_of_another_account_is_named_with_its_owner",
        "root and setpriv (util-linux), to act as two accounts",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    let (owner, reader) = (4242, 4343);
    let home = |uid: u32| {
        let h = dir.path().join(format!("home{uid}"));
        std::fs::create_dir_all(&h).unwrap();
        std::fs::set_permissions(&h, std::fs::Permissions::from_mode(0o777)).unwrap();
        h
    };
    let db = dir.path().join("nb.db");
    let out = as_uid(owner, &home(owner), &db, &["add", "case", "--title", "Op"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Readable by all, as a team's notebook is.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = as_uid(
        reader,
        &home(reader),
        &db,
        &["--read-only", "list", "cases"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = as_uid(owner, &home(owner), &db, &["add", "case", "--title", "Op2"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("nb.db-shm belongs to uid 4343") && err.contains("nothing waits in them"),
        "{err}"
    );
    assert!(
        !err.contains("open read-only, so nothing was written"),
        "{err}"
    );
}

/// `--file-group` naming a group the user is not in refuses, saying so,
/// and leaves no file (an empty file of mode 0640 was left, which the
/// next open made a notebook of its owner's alone). Needs root, to act as
/// an account outside the group.
#[test]
fn a_file_group_the_user_is_not_in_leaves_no_file() {
    if !can_act_as_others(
        "a_file_group_the_user_is_not_in_leaves_no_file",
        "root and setpriv (util-linux), to act as another account",
    ) {
        return;
    }
    let (dir, home) = open_folder();
    let db = dir.path().join("nb.db");
    let out = as_uid(
        4242,
        &home,
        &db,
        &["--file-group", "4444", "add", "case", "--title", "Op"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("you are not in it") && err.contains("nothing was created"),
        "{err}"
    );
    assert!(!db.exists(), "{err}");
}

/// A notebook browsed while its owner had made it read-only (0400) takes
/// writes again once made writable: the `-shm` SQLite made then, of mode
/// 0400, is given back its owner's write permission (every write was
/// refused "the database is open read-only"). Needs root, to act as an
/// account that file permissions bind.
#[test]
fn a_browse_of_a_file_made_read_only_leaves_it_writable_after() {
    if !can_act_as_others(
        "a_browse_of_a_file_made_read_only_leaves_it_writable_after",
        "root and setpriv (util-linux), to act as an account permissions bind",
    ) {
        return;
    }
    let (dir, home) = open_folder();
    let db = dir.path().join("nb.db");
    let ok = |args: &[&str]| {
        let out = as_uid(4242, &home, &db, args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    ok(&["add", "case", "--title", "one"]);
    let chmod = |mode: &str| {
        let s = Command::new("setpriv")
            .args([
                "--reuid=4242",
                "--regid=4242",
                "--clear-groups",
                "chmod",
                mode,
            ])
            .arg(&db)
            .status()
            .unwrap();
        assert!(s.success());
    };
    chmod("0400");
    ok(&["list", "cases"]);
    chmod("0600");
    ok(&["add", "case", "--title", "two"]);
}

/// A colleague who may read the notebook but not write it or its folder
/// lists it, read as it stands (no `-shm` can be made beside it), and is
/// told so; a write is refused as one to a file they may not write. (A
/// listing failed "the database is open read-only, so nothing was
/// written".) Needs root, to act as an account permissions bind.
#[test]
fn a_reader_who_may_not_write_the_folder_still_reads() {
    if !can_act_as_others(
        "a_reader_who_may_not_write_the_folder_still_reads",
        "root and setpriv (util-linux), to act as an account permissions bind",
    ) {
        return;
    }
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "Op"]);
    let dir = nb.db.parent().unwrap().to_path_buf();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&nb.db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = as_uid(4343, home.path(), &nb.db, &["list", "cases"]);
    let (text, err) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{err}");
    assert!(text.contains("C-0001"), "{text}");
    assert!(err.contains("is read as it stands now, alone"), "{err}");
    let out = as_uid(4343, home.path(), &nb.db, &["add", "case", "--title", "X"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("a file you may not write"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The owner of a notebook in a folder they may not write (an admin's
/// folder, no `-wal` beside the file) reads it as it stands, told so; a
/// write is refused naming the folder. (Every command failed "the
/// database is open read-only ... check its permissions", the file's
/// permissions being fine, the interface too.) Needs root, to act as an
/// account permissions bind.
#[test]
fn the_owner_of_a_notebook_in_a_folder_they_may_not_write_still_reads() {
    if !can_act_as_others(
        "the_owner_of_a_notebook_in_a_folder_they_may_not_write_still_reads",
        "root and setpriv (util-linux), to act as an account permissions bind",
    ) {
        return;
    }
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "Op"]);
    nb.ok(&["audit", "verify"]);
    let dir = nb.db.parent().unwrap().to_path_buf();
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{side}", nb.db.display()));
    }
    std::os::unix::fs::chown(&nb.db, Some(4344), Some(4344)).unwrap();
    std::fs::set_permissions(&nb.db, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = as_uid(4344, home.path(), &nb.db, &["list", "cases"]);
    let (text, err) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{err}");
    assert!(text.contains("C-0001"), "{text}");
    assert!(err.contains("is read as it stands now, alone"), "{err}");
    let out = as_uid(4344, home.path(), &nb.db, &["add", "case", "--title", "X"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("a folder you may not write"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A notebook in a folder this account may not enter is said to be out
/// of reach, naming the folder's owner and group: it was "no notebook
/// at", whose advice (`init` there) was then refused "Permission denied".
#[test]
fn a_notebook_in_a_folder_one_cannot_enter_is_said_out_of_reach() {
    if !can_act_as_others(
        "a_notebook_in_a_folder_one_cannot_enter_is_said_out_of_reach",
        "root and setpriv (util-linux), to act as an account outside the folder's group",
    ) {
        return;
    }
    let (dir, home) = open_folder();
    let team = dir.path().join("team");
    std::fs::create_dir(&team).unwrap();
    let db = team.join("nb.db");
    let nb = Nb::new();
    nb.cmd_on(&db).arg("init").assert().success();
    std::fs::set_permissions(&team, std::fs::Permissions::from_mode(0o700)).unwrap();
    for args in [&["list", "cases"][..], &["audit", "verify"]] {
        let out = as_uid(4545, &home, &db, args);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("cannot be reached: this account may not enter the folder")
                && err.contains("owner root"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("no notebook at"), "{err}");
    }
}
