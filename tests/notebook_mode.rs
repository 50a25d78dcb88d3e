//! A notebook made in an empty file that was there before is its owner's
//! only (0600), as a file interdict creates is.
#![cfg(unix)]

mod common;

use common::Nb;
use std::os::unix::fs::PermissionsExt;

fn mode(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
fn an_empty_file_made_before_becomes_a_private_notebook() {
    let nb = Nb::new();
    std::fs::write(&nb.db, b"").unwrap();
    std::fs::set_permissions(&nb.db, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = nb.cmd().arg("init").assert().success().get_output().clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("was an empty file of mode 666; made mode 600"),
        "{err}"
    );
    assert_eq!(mode(&nb.db), 0o600);
    // The files SQLite made beside it took its mode.
    for side in ["-wal", "-shm"] {
        let p = std::path::PathBuf::from(format!("{}{side}", nb.db.display()));
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{side}");
        }
    }
    // A notebook already made is not said again.
    let out = nb.cmd().arg("init").assert().success().get_output().clone();
    assert!(!String::from_utf8(out.stderr).unwrap().contains("made mode"));
}

#[test]
fn a_group_is_not_given_to_an_empty_file_others_can_read() {
    let nb = Nb::new();
    std::fs::write(&nb.db, b"").unwrap();
    std::fs::set_permissions(&nb.db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = nb.fails(&["--file-group", "0", "init"]);
    assert!(
        err.contains("--file-group gives a notebook its group only"),
        "{err}"
    );
    assert_eq!(
        std::fs::metadata(&nb.db).unwrap().len(),
        0,
        "nothing written"
    );
}

/// `--file-group` on a notebook already made says it keeps its group and
/// mode (it was ignored without a word, and a colleague then could not
/// open it).
#[test]
fn a_group_named_for_a_notebook_already_made_is_said_not_given() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let out = nb
        .cmd()
        .args(["--file-group", "0", "add", "case", "--title", "Op"])
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("--file-group 0 applies to a notebook being made"),
        "{err}"
    );
    assert_eq!(mode(&nb.db), 0o600);
}
