//! An output path never replaces the notebook, its journals, or a file
//! the command reads: every command that writes a file refuses it,
//! naming the option and the file, and writes nothing.

mod common;

use common::{Nb, s};
use std::path::Path;

const PROFILE: &str = r#"
name = "kz-watch"
threshold = 50

[[indicator]]
weight = 30
kind = "origin"
countries = ["CN"]
"#;

/// A notebook with a case, a seized parcel in it, a profile and an
/// embedded document: every output below would have something to write.
fn stocked() -> (Nb, String) {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "Steppe"]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--origin",
        "CN",
        "--status",
        "seized",
        "--case",
        "C-0001",
    ]);
    let p = nb.beside("kz.toml");
    std::fs::write(&p, PROFILE).unwrap();
    nb.ok(&["profile", "import", s(&p)]);
    let doc = nb.beside("report.pdf");
    std::fs::write(&doc, b"%PDF lab report").unwrap();
    let d = nb.json(&["document", "add", "RR123456785KZ", s(&doc), "--embed"]);
    let id = d["id"].as_str().unwrap().to_string();
    (nb, id)
}

/// Runs `args`, which must fail naming `option` and `file`, and leave
/// the notebook as it was.
fn refused(nb: &Nb, args: &[&str], option: &str, file: &str) {
    let before = std::fs::read(&nb.db).unwrap();
    let err = nb.fails(args);
    assert!(
        err.contains(&format!("{option} {file}")) && err.contains("nothing was written"),
        "{args:?}: {err}"
    );
    assert_eq!(std::fs::read(&nb.db).unwrap(), before, "{args:?}");
}

#[test]
fn no_output_option_replaces_the_open_notebook() {
    let (nb, doc) = stocked();
    let db = s(&nb.db).to_string();
    for args in [
        vec!["export", "--stix", "--case", "C-0001", "--out", &db],
        vec!["export", "--misp", "--case", "C-0001", "--out", &db],
        vec!["export", "--graph", "dot", "--case", "C-0001", "--out", &db],
        vec!["export", "--graph", "anx", "--case", "C-0001", "--out", &db],
        vec!["export", "--incident", "RR123456785KZ", "--out", &db],
        vec!["export", "--case", "C-0001", "--out", &db],
        vec!["profile", "export", "kz-watch", "--out", &db],
        vec!["document", "extract", &doc, "--out", &db],
        vec!["demo", "--manifest", &db],
    ] {
        let option = if args[0] == "demo" {
            "--manifest"
        } else {
            "--out"
        };
        refused(&nb, &args, option, &db);
    }
    // Another spelling, a symbolic link and the write-ahead log are caught.
    let dir = nb.db.parent().unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    let spelt = dir.join("sub/../nb.db");
    refused(
        &nb,
        &["export", "--stix", "--case", "C-0001", "--out", s(&spelt)],
        "--out",
        s(&spelt),
    );
    #[cfg(unix)]
    {
        let link = dir.join("bundle.json");
        std::os::unix::fs::symlink(&nb.db, &link).unwrap();
        refused(
            &nb,
            &["export", "--misp", "--case", "C-0001", "--out", s(&link)],
            "--out",
            s(&link),
        );
    }
    let wal = format!("{db}-wal");
    refused(
        &nb,
        &["export", "--stix", "--case", "C-0001", "--out", &wal],
        "--out",
        &wal,
    );
    // The notebook still opens and holds its parcel.
    assert!(nb.ok(&["list", "parcels"]).contains("RR123456785KZ"));
}

#[test]
fn an_import_writes_neither_over_the_notebook_nor_over_its_input() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let csv = nb.beside("partner.csv");
    let text = "Tracking number,Weight\nRR473124829KZ,450 g\nbad,heavy\n";
    std::fs::write(&csv, text).unwrap();
    let db = s(&nb.db).to_string();
    let file = s(&csv).to_string();
    refused(
        &nb,
        &["import", "csv", &file, "--save-mapping", &db],
        "--save-mapping",
        &db,
    );
    refused(
        &nb,
        &["import", "csv", &file, "--skip-bad", "--rejects", &db],
        "--rejects",
        &db,
    );
    // The partner's file is not overwritten before it is read.
    refused(
        &nb,
        &["import", "csv", &file, "--save-mapping", &file],
        "--save-mapping",
        &file,
    );
    refused(
        &nb,
        &["import", "csv", &file, "--skip-bad", "--rejects", &file],
        "--rejects",
        &file,
    );
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), text);
    // Nor one output over another.
    let m = s(&nb.beside("m.toml")).to_string();
    refused(
        &nb,
        &[
            "import",
            "csv",
            &file,
            "--skip-bad",
            "--save-mapping",
            &m,
            "--rejects",
            &m,
        ],
        "--rejects",
        &m,
    );
    assert!(!Path::new(&m).exists());
    assert_eq!(nb.count("parcels"), 0);
}

/// A dry run writes nothing, not even the notebook its --db names: where
/// there is none, it checks as against a new one, and none is left there.
#[test]
fn a_dry_run_on_a_notebook_that_is_not_there_creates_none() {
    let (a, _) = stocked();
    let export = a.beside("all.db");
    a.ok(&["export", "--all", "--out", s(&export)]);
    let csv = a.beside("in.csv");
    std::fs::write(&csv, "tracking,origin,destination\nRR123456785KZ,CN,KZ\n").unwrap();
    let misp = a.beside("event.json");
    a.ok(&["export", "--misp", "--case", "C-0001", "--out", s(&misp)]);
    let b = Nb::new();
    for (args, says) in [
        (
            vec!["import", "csv", "--dry-run", s(&csv)],
            "1 would be imported",
        ),
        (vec!["import", "misp", "--dry-run", s(&misp)], "dry run"),
        (
            vec!["merge", "--dry-run", "--trust-new", s(&export)],
            "would merge",
        ),
    ] {
        let out = b.cmd().args(&args).assert().success().get_output().clone();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(
            stderr.contains("no notebook at") && stderr.contains("none is created"),
            "{args:?}: {stderr}"
        );
        assert!(stdout.contains(says), "{args:?}: {stdout}");
        assert!(!b.db.exists(), "{args:?} created {}", b.db.display());
    }
}
