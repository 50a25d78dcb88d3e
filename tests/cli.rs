//! The command line, run as a user would: the real binary on temp files.

mod common;

use assert_cmd::Command;
use common::{Nb, s};
use predicates::prelude::*;
use std::path::Path;

fn file_bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

#[test]
fn add_case_and_parcel_then_list_as_json() {
    let nb = Nb::new();
    assert_eq!(
        nb.ok(&["add", "case", "--title", "Operation Tea"]).trim(),
        "C-0001"
    );
    let out = nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "rr 123 456 785 kz",
        "--origin",
        "cn",
        "--destination",
        "KZ",
        "--sender-name",
        "Wang Li",
        "--sender-phone",
        "+86 138 0013 8000",
        "--sender-address",
        "Guangzhou, Baiyun district 12",
        "--recipient-name",
        "Ivan Petrov",
        "--recipient-phone",
        "8 701 555 01 42",
        "--recipient-address",
        "Almaty, ul. Abaya 5",
        "--declared",
        "tea sample",
        "--case",
        "C-1",
    ]);
    assert_eq!(out.trim(), "RR123456785KZ");
    let parcels = nb.json(&["list", "parcels"]);
    let p = &parcels.as_array().unwrap()[0];
    assert_eq!(p["tracking"], "RR123456785KZ");
    assert_eq!(p["origin"], "CN");
    assert_eq!(p["destination"], "KZ");
    assert!(p["id"].as_str().unwrap().len() == 36);
    // --as NAME is recorded with the OS account it was typed in.
    assert!(p["created_by"].as_str().unwrap().starts_with("tester"));
    let cases = nb.json(&["list", "cases"]);
    assert_eq!(cases[0]["ref"], "C-0001");
    assert_eq!(cases[0]["title"], "Operation Tea");
    assert!(cases[0]["id"].is_string());
    // The table's parcel count is in the JSON too.
    assert_eq!(cases[0]["parcels"], 1, "{cases}");
    let subs = nb.json(&["list", "substances", "--limit", "500"]);
    let subs = subs.as_array().unwrap();
    assert!(subs.len() >= 150);
    let fentanyl = subs.iter().find(|s| s["name"] == "Fentanyl").unwrap();
    assert_eq!(fentanyl["cas"], "437-38-7");
    assert_eq!(fentanyl["group"], "other");
    // The parcel is in the case.
    let in_case = nb.json(&["list", "parcels", "--case", "C-0001"]);
    assert_eq!(in_case.as_array().unwrap().len(), 1);
    let limited = nb.json(&["list", "substances", "--limit", "3"]);
    assert_eq!(limited.as_array().unwrap().len(), 3);
}

#[test]
fn show_resolves_every_kind_of_reference() {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "A"]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "EE473124829CN",
        "--case",
        "C-0001",
    ]);
    let by_ref = nb.json(&["show", "C-0001"]);
    assert_eq!(by_ref["kind"], "case");
    assert_eq!(by_ref["parcel_count"], 1);
    let by_tracking = nb.json(&["show", "ee 473124829 cn"]);
    assert_eq!(by_tracking["tracking"], "EE473124829CN");
    assert_eq!(by_tracking["links"][0]["type"], "includes");
    let by_id = nb.json(&["show", by_tracking["id"].as_str().unwrap()]);
    assert_eq!(by_id["tracking"], "EE473124829CN");
    let by_synonym = nb.json(&["show", "4-MMC"]);
    assert_eq!(by_synonym["name"], "Mephedrone");
    let err = nb.fails(&["show", "C-0099"]);
    assert!(
        err.starts_with("error: ") && err.contains("C-0099") && err.lines().count() == 1,
        "{err}"
    );
    let err = nb.fails(&["show", "no such thing"]);
    assert!(
        err.contains("no case, parcel, substance, person, organisation, exhibit or finding"),
        "{err}"
    );
}

#[test]
fn bad_input_is_refused_naming_the_field_and_nothing_is_written() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let audit_before = nb.count("audit");
    let err = nb.fails(&["add", "parcel", "--tracking", "RR123456789KZ"]);
    assert!(
        err.contains("tracking") && err.contains("expected 5"),
        "{err}"
    );
    let err = nb.fails(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--origin",
        "Kazakhstanistan",
    ]);
    assert!(
        err.contains("origin") && err.contains("country code"),
        "{err}"
    );
    let err = nb.fails(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--set",
        "status=",
    ]);
    assert!(err.contains("status: is required"), "{err}");
    let err = nb.fails(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--case",
        "C-0042",
    ]);
    assert!(err.contains("no case C-0042"), "{err}");
    let err = nb.fails(&["add", "substance", "--name", "X", "--cas", "437-38-6"]);
    assert!(err.contains("cas") && err.contains("expected 7"), "{err}");
    let err = nb.fails(&["add", "substance", "--name", "4-mmc"]);
    assert!(
        err.contains("name:") && err.contains("already in the notebook as Mephedrone"),
        "{err}"
    );
    let err = nb.fails(&[
        "add", "note", "--on", "Fentanyl", "--text", "x", "--grade", "9Z",
    ]);
    assert!(err.contains("grade"), "{err}");
    nb.cmd()
        .args(["add", "case"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--title"));
    assert_eq!(nb.count("parcels"), 0);
    assert_eq!(nb.count("audit"), audit_before);
    // Courier waybills are accepted as such.
    nb.ok(&["add", "parcel", "--tracking", "1Z999AA10123456784"]);
    let p = nb.json(&["show", "1Z999AA10123456784"]);
    assert_eq!(p["tracking_kind"], "waybill");
    // A second parcel with the same number is refused.
    let err = nb.fails(&["add", "parcel", "--tracking", "1Z999AA10123456784"]);
    assert!(err.contains("already in the notebook"), "{err}");
    // An unknown S10 service indicator warns but is accepted.
    nb.cmd()
        .args(["add", "parcel", "--tracking", "ZZ123456785KZ"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: tracking: service indicator ZZ",
        ));
}

#[test]
fn files_that_are_not_notebooks_are_refused_unchanged() {
    let nb = Nb::new();
    std::fs::write(&nb.db, "name,phone\nIvan,+77015550142\n".repeat(200)).unwrap();
    let before = file_bytes(&nb.db);
    let err = nb.fails(&["list", "cases"]);
    assert!(
        err.contains("not an SQLite database") && err.lines().count() == 1,
        "{err}"
    );
    nb.fails(&["add", "case", "--title", "x"]);
    assert_eq!(file_bytes(&nb.db), before);

    let nb = Nb::new();
    nb.ok(&["init"]);
    {
        let c = rusqlite::Connection::open(&nb.db).unwrap();
        c.pragma_update(None, "user_version", 999).unwrap();
    }
    let before = file_bytes(&nb.db);
    let err = nb.fails(&["add", "case", "--title", "x"]);
    assert!(
        err.contains("newer interdict") && err.contains("999"),
        "{err}"
    );
    assert_eq!(file_bytes(&nb.db), before);
}

#[test]
fn read_only_files_are_read_but_never_written() {
    use std::os::unix::fs::PermissionsExt;
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "Kept"]);
    std::fs::set_permissions(&nb.db, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = file_bytes(&nb.db);
    let err = nb.fails(&["add", "case", "--title", "x"]);
    assert!(
        err.contains("read-only") && err.lines().count() == 1,
        "{err}"
    );
    let cases = nb.json(&["list", "cases"]);
    assert_eq!(cases[0]["title"], "Kept");
    assert_eq!(file_bytes(&nb.db), before);
    std::fs::set_permissions(&nb.db, std::fs::Permissions::from_mode(0o644)).unwrap();
    // --read-only on a writable file refuses writes too.
    let err = nb.fails(&["--read-only", "add", "case", "--title", "x"]);
    assert!(err.contains("read-only"), "{err}");
}

#[test]
fn edit_delete_and_audit() {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "A"]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--case",
        "C-0001",
        "--sender-phone",
        "+77015550142",
    ]);
    let note_id = nb.ok(&[
        "add",
        "note",
        "--on",
        "RR123456785KZ",
        "--text",
        "called +7 701 555 0142",
        "--grade",
        "2B",
        "--lead",
    ]);
    nb.ok(&[
        "add",
        "finding",
        "--parcel",
        "RR123456785KZ",
        "--substance",
        "carfentanil",
        "--quantity",
        "2.5",
        "--unit",
        "g",
    ]);
    // Lab-confirmed only through a laboratory result, not by hand.
    let refused = nb.fails(&[
        "edit",
        "RR123456785KZ:carfentanil",
        "--set",
        "identification=lab-confirmed",
    ]);
    assert!(refused.contains("laboratory result"), "{refused}");
    nb.ok(&[
        "lab",
        "add",
        "RR123456785KZ:carfentanil",
        "--lab",
        "Central Forensic Laboratory",
        "--ref",
        "CFL-2026-0042",
        "--method",
        "GC-MS",
    ]);
    assert_eq!(
        nb.ok(&[
            "edit",
            "C-0001",
            "--set",
            "status=active",
            "--set",
            "lead-officer=Insp. Nurlanova"
        ])
        .trim(),
        "updated case C-0001 A"
    );
    assert!(
        nb.ok(&["edit", "C-0001", "--set", "status=active"])
            .starts_with("unchanged")
    );
    let err = nb.fails(&["edit", "C-0001", "--set", "colour=red"]);
    assert!(err.contains("no such case field"), "{err}");
    let c = nb.json(&["show", "C-0001"]);
    assert_eq!(c["status"], "active");
    assert_eq!(c["lead_officer"], "Insp. Nurlanova");
    let note = nb.json(&["show", note_id.trim()]);
    assert_eq!(note["note_type"], "lead");
    assert_eq!(note["source_grade"], "2");
    assert_eq!(note["intel_grade"], "B");
    // The note's phone meets the parcel's in the identifier index.
    let p = nb.json(&["show", "RR123456785KZ"]);
    assert_eq!(p["findings"][0]["substance"], "Carfentanil");
    assert_eq!(p["findings"][0]["identification"], "lab-confirmed");
    assert!(
        p["shared"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["value"] == "+77015550142")
    );
    nb.ok(&["audit", "verify"]);
    // An includes link reads from the case, whichever end is named first.
    nb.ok(&["add", "parcel", "--tracking", "EE473124829CN"]);
    nb.ok(&[
        "add",
        "link",
        "EE473124829CN",
        "C-0001",
        "--type",
        "includes",
    ]);
    assert_eq!(
        nb.json(&["list", "parcels", "--case", "C-0001"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let err = nb.fails(&[
        "add",
        "link",
        "EE473124829CN",
        "RR123456785KZ",
        "--type",
        "includes",
    ]);
    assert!(
        err.contains("link_type") && err.contains("from a case"),
        "{err}"
    );
    nb.ok(&["delete", "EE473124829CN"]);
    let log = nb.json(&["audit", "log", "C-0001"]);
    assert_eq!(log.as_array().unwrap().len(), 2);
    assert_eq!(log[1]["action"], "update");
    // `--limit` holds for an item's history too: its latest entries.
    let last = nb.json(&["audit", "log", "C-0001", "--limit", "1"]);
    assert_eq!(last.as_array().unwrap().len(), 1, "{last}");
    assert_eq!(last[0]["action"], "update");
    // Deleting the parcel takes its finding with its lab result, its note
    // and its case link with it.
    assert!(
        nb.ok(&["delete", "RR123456785KZ"])
            .contains("and 4 dependent records")
    );
    assert_eq!(nb.count("parcels"), 0);
    assert_eq!(nb.count("findings"), 0);
    assert_eq!(nb.count("notes"), 0);
    assert_eq!(nb.count("links"), 0);
    assert_eq!(nb.count("occurrences"), 0);
    assert_eq!(nb.count("sounds"), 0);
    nb.ok(&["audit", "verify"]);
}

#[test]
fn audit_verify_names_the_first_broken_entry() {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "A"]);
    nb.ok(&["add", "case", "--title", "B"]);
    let seq: i64 = {
        let c = rusqlite::Connection::open(&nb.db).unwrap();
        let seq = c
            .query_row(
                &format!(
                    "SELECT seq FROM audit WHERE action = {} AND item_kind = {} ORDER BY seq LIMIT 1",
                    interdict::store::audit::names::Name::Action.sql("create"),
                    interdict::store::audit::names::Name::Kind.sql("case")
                ),
                [],
                |r| r.get(0),
            )
            .unwrap();
        c.execute_batch(&format!(
            "DROP TRIGGER audit_no_update; UPDATE audit SET state = zeroblob(32) WHERE seq = {seq};"
        ))
        .unwrap();
        seq
    };
    nb.cmd()
        .args(["audit", "verify"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(format!("broken at entry {seq}")));
}

#[test]
fn search_across_kinds() {
    let nb = Nb::new();
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--recipient-address",
        "Almaty, ul. Abaya 5",
    ]);
    let hits = nb.json(&["search", "almty"]);
    assert_eq!(hits[0]["kind"], "parcel");
    assert_eq!(hits[0]["label"], "RR123456785KZ");
    // The office of origin and the point of entry are searched, as the
    // place of seizure is (they were not until 2026-12-07).
    nb.ok(&[
        "edit",
        "RR123456785KZ",
        "--set",
        "posted_from=Guangzhou IMPC",
        "--set",
        "entry_point=Khorgos border crossing",
    ]);
    for q in ["khorgos", "guangzhou"] {
        let hits = nb.json(&["search", q]);
        assert_eq!(hits[0]["label"], "RR123456785KZ", "{q}: {hits}");
    }
    // A phone, however written, finds every parcel that holds it (the
    // spelling searched for found only the parcels that spelt it so).
    nb.ok(&[
        "edit",
        "RR123456785KZ",
        "--set",
        "recipient_phone=+77011234567",
    ]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456799KZ",
        "--sender-phone",
        "+7 (701) 123-45-67",
    ]);
    for q in ["+7 701 123 45 67", "+77011234567"] {
        let hits = nb.json(&["search", q]);
        let mut labels: Vec<&str> = hits
            .as_array()
            .unwrap()
            .iter()
            .take(2)
            .map(|h| h["label"].as_str().unwrap())
            .collect();
        labels.sort();
        assert_eq!(labels, ["RR123456785KZ", "RR123456799KZ"], "{q}: {hits}");
    }
    let hits = nb.json(&["search", "nitazene", "--kind", "substance"]);
    assert!(hits.as_array().unwrap().len() >= 3, "{hits}");
    assert!(
        hits.as_array()
            .unwrap()
            .iter()
            .all(|h| h["kind"] == "substance")
    );
}

#[test]
fn demo_dataset_is_deterministic_and_consistent() {
    let a = Nb::new();
    let summary = a.json(&["demo", "--parcels", "600", "--seed", "7"]);
    assert_eq!(summary["parcels"], 600);
    assert!(summary["clusters"].as_array().unwrap().len() >= 5);
    assert_eq!(a.json(&["list", "parcels"]).as_array().unwrap().len(), 600);
    a.ok(&["audit", "verify"]);
    // Each planted cluster: its parcels share the sender phone (but the
    // one whose route shifts, which changes sender half-way).
    let cluster = summary["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case_ref"] != summary["route_shift"]["case_ref"])
        .unwrap();
    let first = cluster["trackings"][0].as_str().unwrap();
    let p = a.json(&["show", first]);
    let phone = p["shared"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["role"] == "sender_phone")
        .unwrap();
    let items = phone["items"].as_array().unwrap();
    let parcels = items.iter().filter(|i| i["kind"] == "parcel").count();
    assert_eq!(parcels + 1, cluster["trackings"].as_array().unwrap().len());
    // The case's lead mentions the same phone.
    assert!(items.iter().any(|i| i["kind"] == "note"));
    let b = Nb::new();
    let again = b.json(&["demo", "--parcels", "600", "--seed", "7"]);
    assert_eq!(summary["clusters"], again["clusters"]);
    let err = a.fails(&["demo", "--parcels", "10"]);
    assert!(
        err.contains("600 parcels") && err.contains("already holds"),
        "{err}"
    );
}

#[test]
fn default_database_lives_in_the_data_directory_and_env_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Command::cargo_bin("interdict").unwrap();
    c.env_remove("INTERDICT_DB")
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .args(["add", "case", "--title", "Default"])
        .assert()
        .success();
    assert!(dir.path().join("data/interdict/interdict.db").exists());
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["interdict.db", "interdict.log"] {
            let mode = std::fs::metadata(dir.path().join("data/interdict").join(f))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{f}");
        }
    }
    let other = dir.path().join("other.db");
    let mut c = Command::cargo_bin("interdict").unwrap();
    c.env("INTERDICT_DB", &other)
        .env("HOME", dir.path())
        .args(["add", "case", "--title", "Env"])
        .assert()
        .success();
    assert!(other.exists());
}

#[test]
fn audit_verify_names_records_changed_outside_interdict() {
    let nb = Nb::new();
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--found",
        "2 kg powder",
    ]);
    nb.ok(&["audit", "verify"]);
    {
        let c = rusqlite::Connection::open(&nb.db).unwrap();
        c.execute("UPDATE parcels SET found_contents = 'nothing'", [])
            .unwrap();
    }
    nb.cmd()
        .args(["audit", "verify"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("parcel RR123456785KZ"))
        .stderr(predicate::str::contains(
            "in found_contents: changed outside interdict",
        ));
}

#[test]
fn a_warning_is_said_once() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let out = nb
        .cmd()
        .args([
            "add",
            "parcel",
            "--tracking",
            "RR123456785CN",
            "--origin",
            "KZ",
        ])
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert_eq!(err.matches("issued by the post of CN").count(), 1, "{err}");
}

#[test]
fn a_planted_trigger_is_refused_at_open_and_named_by_verify() {
    let nb = Nb::new();
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR473124829KZ",
        "--sender-phone",
        "+7 701 555 0142",
    ]);
    // What someone with write access to the file could plant: a trigger
    // that would run inside interdict's own writes and hide phone links.
    let c = rusqlite::Connection::open(&nb.db).unwrap();
    c.execute_batch(
        "CREATE TRIGGER hide_phones AFTER INSERT ON occurrences BEGIN DELETE FROM occurrences WHERE rowid = new.rowid; END;",
    )
    .unwrap();
    let err = nb.fails(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--sender-phone",
        "+7 701 555 0142",
    ]);
    assert!(
        err.contains("its schema is not interdict's")
            && err.contains("trigger hide_phones is not part of schema version"),
        "{err}"
    );
    let err = nb.fails(&["list", "parcels"]);
    assert!(err.contains("hide_phones"), "{err}");
    let err = nb.fails(&["audit", "verify"]);
    assert!(err.contains("schema differs: trigger hide_phones"), "{err}");
    let out = nb
        .cmd()
        .args(["--format", "json", "audit", "verify"])
        .assert()
        .failure()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!(
        v["schema"][0].as_str().unwrap().contains("hide_phones"),
        "{v}"
    );

    // Removed, the notebook opens again and verifies.
    c.execute_batch("DROP TRIGGER hide_phones").unwrap();
    nb.ok(&["audit", "verify"]);
    // A protective trigger of interdict's dropped runs nothing, so the
    // notebook opens; verify names it.
    c.execute_batch("DROP TRIGGER audit_no_delete").unwrap();
    nb.ok(&["list", "parcels"]);
    let err = nb.fails(&["audit", "verify"]);
    assert!(
        err.contains("schema differs: trigger audit_no_delete is missing"),
        "{err}"
    );
}

#[test]
fn an_index_row_removed_behind_interdicts_back_is_named_by_verify() {
    let nb = Nb::new();
    for t in ["RR473124829KZ", "RR123456785KZ"] {
        nb.ok(&[
            "add",
            "parcel",
            "--tracking",
            t,
            "--sender-phone",
            "+7 701 555 0142",
        ]);
    }
    let out = nb.ok(&["audit", "verify"]);
    assert!(
        out.contains("identifier index and search rows match the records"),
        "{out}"
    );
    // The shared phone quietly unlinked from one parcel: the records and
    // their audit are untouched, so only the derived check can see it.
    rusqlite::Connection::open(&nb.db)
        .unwrap()
        .execute_batch(
            "DELETE FROM occurrences WHERE kind = 2 AND value = '+77015550142'
               AND item = (SELECT max(item) FROM occurrences WHERE kind = 2 AND value = '+77015550142');",
        )
        .unwrap();
    let err = nb.fails(&["audit", "verify"]);
    assert!(
        err.contains("derived rows differ: parcel RR123456785KZ: the identifier index differs from the record (missing phone +77015550142)"),
        "{err}"
    );
}

/// A copy of the notebook as it stands now, beside it.
fn copy_of(nb: &Nb) -> std::path::PathBuf {
    let old = nb.db.with_file_name("old.db");
    rusqlite::Connection::open(&nb.db)
        .unwrap()
        .execute("VACUUM INTO ?1", [old.to_str().unwrap()])
        .unwrap();
    old
}

/// The notebook file swapped for `old` (an older copy of it).
fn swapped_for(nb: &Nb, old: &std::path::Path) {
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", nb.db.display()));
    }
    std::fs::rename(old, &nb.db).unwrap();
}

#[test]
fn a_notebook_rolled_back_to_an_older_copy_is_caught_by_the_users_checkpoint() {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "First"]);
    let old = copy_of(&nb);
    nb.ok(&["add", "case", "--title", "Second"]);
    nb.ok(&["add", "case", "--title", "Third"]);
    let out = nb.ok(&["audit", "verify"]);
    assert!(out.contains("audit log sealed up to entry"), "{out}");
    assert!(
        out.contains("sealed by tester") && out.contains(", yours)"),
        "{out}"
    );
    assert!(
        out.contains("your checkpoint: the log holds entry"),
        "{out}"
    );
    // The file swapped for the older copy: its chain, seals and records
    // all agree with one another; only the checkpoint remembers more.
    swapped_for(&nb, &old);
    let err = nb.fails(&["audit", "verify"]);
    assert!(
        err.contains("seal problem: the log ends at entry")
            && err.contains("the file was rolled back to an older copy"),
        "{err}"
    );
}

/// A notebook rolled back to an older copy and then written to by its
/// owner is still caught: writes leave the checkpoint at the entry the
/// log no longer holds (two writes grew the log past it, and the next
/// moved the checkpoint on, hiding the rollback for good), and each says
/// so; `audit verify --accept-log` takes the log as it stands, once looked
/// into.
#[test]
fn writes_after_a_rollback_do_not_move_the_checkpoint_past_it() {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "First"]);
    let old = copy_of(&nb);
    nb.ok(&["add", "case", "--title", "Second"]);
    nb.ok(&[
        "add",
        "note",
        "--on",
        "C-0002",
        "--text",
        "informant says X",
    ]);
    nb.ok(&["audit", "verify"]);
    swapped_for(&nb, &old);
    for t in ["a", "b", "c"] {
        let out = nb
            .cmd()
            .args(["add", "case", "--title", t])
            .output()
            .unwrap();
        assert!(out.status.success());
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.contains("warning: ")
                && said.contains("your audit checkpoint stays at that entry"),
            "{said}"
        );
        // (Past the once-a-second pace of checkpoints.)
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    let err = nb.fails(&["audit", "verify"]);
    assert!(
        err.contains("seal problem: entry ") && err.contains("is not the one you saw"),
        "{err}"
    );
    assert!(err.contains("audit verify --accept-log"), "{err}");
    // Read-only, it is refused, not ignored.
    let err = nb.fails(&["--read-only", "audit", "verify", "--accept-log"]);
    assert!(err.contains("this notebook is open read-only"), "{err}");
    nb.ok(&["audit", "verify", "--accept-log"]);
    let out = nb.ok(&["audit", "verify"]);
    assert!(
        out.contains("your checkpoint: the log holds entry"),
        "{out}"
    );
    let out = nb
        .cmd()
        .args(["add", "case", "--title", "d"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// Deleting an item deletes the notes written on its links with the
/// links (they stayed, on "(missing link)", were exported so, and the
/// other post's conflict over them could never be taken).
#[test]
fn a_deletion_takes_the_notes_on_its_links() {
    let nb = Nb::new();
    nb.ok(&["add", "parcel", "--tracking", "RR123456785KZ"]);
    nb.ok(&["add", "person", "--name", "Marat Aliyev"]);
    let link = nb.ok(&[
        "add",
        "link",
        "Marat Aliyev",
        "RR123456785KZ",
        "--type",
        "recipient-of",
    ]);
    let link = link.trim();
    nb.ok(&["add", "note", "--on", link, "--text", "seen at the depot"]);
    let said = nb.ok(&["delete", "RR123456785KZ"]);
    assert!(
        said.contains("3 dependent records") || said.contains("2 dependent records"),
        "{said}"
    );
    assert_eq!(nb.count("notes"), 0);
    assert_eq!(nb.count("links"), 0);
    nb.ok(&["audit", "verify"]);
}

/// The case numbers kept as used, set back with the sqlite3 shell below
/// a case the log shows deleted, are named by `audit verify` (the next
/// case was given the deleted one's reference without a word).
#[test]
fn case_numbers_set_back_outside_interdict_are_named() {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "First"]);
    nb.ok(&["add", "case", "--title", "Second"]);
    nb.ok(&["delete", "C-0002"]);
    nb.ok(&["audit", "verify"]);
    rusqlite::Connection::open(&nb.db)
        .unwrap()
        .execute(
            "UPDATE meta SET value = '1' WHERE key = 'case_numbers_used'",
            [],
        )
        .unwrap();
    let err = nb.fails(&["audit", "verify"]);
    assert!(
        err.contains("the highest case number kept as used is 1, but the log shows C-0002 deleted"),
        "{err}"
    );
}

/// A notebook whose schema version another tool set below 0 is refused
/// in a line, unchanged, writable or read-only (writable, its upgrade
/// "from" it failed in 7 KB of SQL; read-only, it was told to upgrade).
#[test]
fn a_negative_schema_version_is_refused_in_a_line() {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "First"]);
    rusqlite::Connection::open(&nb.db)
        .unwrap()
        .pragma_update(None, "user_version", -1)
        .unwrap();
    let before = std::fs::read(&nb.db).unwrap();
    for ro in [false, true] {
        let mut c = nb.cmd();
        if ro {
            c.arg("--read-only");
        }
        let out = c.args(["list", "cases"]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success()
                && err.contains("its schema version is -1, which no interdict writes")
                && err.len() < 400,
            "{err}"
        );
    }
    assert_eq!(std::fs::read(&nb.db).unwrap(), before, "unchanged");
}

/// Characters a terminal would not show as themselves (a bidirectional
/// override, a tag character, a line separator, a C1 control) leave every
/// JSON output as `\uXXXX` escapes, and the JSON still reads back to the
/// very text stored.
#[test]
fn json_output_escapes_invisible_characters_and_reads_back_the_same() {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "Hidden text"]);
    // (A control character, `\u{9b}` among them, is refused since
    // 2026-12-07: these are the invisible characters a value may hold.)
    let evil = "Wang\u{202e}gnp.exe\u{e0041}\u{2028}Li\u{200b}";
    fn holds(v: &serde_json::Value, s: &str) -> bool {
        match v {
            serde_json::Value::String(t) => t.contains(s),
            serde_json::Value::Array(a) => a.iter().any(|x| holds(x, s)),
            serde_json::Value::Object(m) => m.values().any(|x| holds(x, s)),
            _ => false,
        }
    }
    let shown_raw = |out: &str| {
        out.chars()
            .any(|c| c != '\n' && interdict::domain::text::needs_escape(c))
    };
    let add = nb.ok(&[
        "--format",
        "json",
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--sender-name",
        evil,
        "--declared",
        evil,
        "--case",
        "C-0001",
    ]);
    let outputs = [
        add,
        nb.ok(&["--format", "json", "show", "RR123456785KZ"]),
        nb.ok(&["--format", "json", "list", "parcels"]),
        nb.ok(&["--format", "json", "search", "Wang"]),
        nb.ok(&["--format", "json", "export", "--incident", "RR123456785KZ"]),
    ];
    for out in &outputs {
        assert!(!shown_raw(out), "raw in {out:?}");
        assert!(
            out.contains(r"\u202e") && out.contains(r"\udb40\udc41"),
            "{out}"
        );
        // Parsed, the escapes are the characters again.
        let v: serde_json::Value = serde_json::from_str(out).unwrap();
        assert!(holds(&v, evil), "{v}");
    }
    let shown: serde_json::Value = serde_json::from_str(&outputs[1]).unwrap();
    assert_eq!(shown["sender_name"], evil, "{shown}");
}

#[test]
fn a_usage_error_never_echoes_an_argument_raw() {
    let nb = common::Nb::new();
    nb.ok(&["init"]);
    // An escape sequence that would set the terminal's title, and a
    // bidirectional override, in an argument clap echoes back.
    for arg in ["X\u{1b}]0;pwned\u{7}", "X\u{202e}gnp.exe", "X\u{9b}31m"] {
        let out = nb.cmd().args(["list", arg]).assert().code(2);
        let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert!(
            !err.chars()
                .any(|c| interdict::domain::text::needs_escape(c) && c != '\n'),
            "{err:?}"
        );
        assert!(err.contains('X'), "the argument is still named: {err}");
    }
}

/// A row another tool changed so that it no longer reads as a record (a
/// number column holding text) is named with its kind, id and column, and
/// the error says it once, not three times over.
#[test]
fn a_row_changed_by_another_tool_is_named_once() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--weight",
        "12",
    ]);
    rusqlite::Connection::open(&nb.db)
        .unwrap()
        .execute("UPDATE parcels SET weight_g = 'heavy'", [])
        .unwrap();
    let err = nb.fails(&["list", "parcels"]);
    assert!(
        err.contains("its weight_g holds \"heavy\", where a number belongs"),
        "{err}"
    );
    assert_eq!(err.matches("weight_g").count(), 1, "{err}");
    // A text stored as bytes (the shell's `cast(x as blob)`): its field
    // named, in `audit verify` too (a bare conversion error named none).
    rusqlite::Connection::open(&nb.db)
        .unwrap()
        .execute(
            "UPDATE parcels SET weight_g = 12, status = cast('seized' as blob)",
            [],
        )
        .unwrap();
    for args in [&["list", "parcels"][..], &["audit", "verify"]] {
        let err = nb.fails(args);
        assert!(
            err.contains("its status is stored as 6 bytes, where text belongs"),
            "{args:?}: {err}"
        );
    }
}

/// A CAS number names one substance: a second substance with the CAS
/// number of one in the notebook (here fentanyl's, under a chemical name
/// the catalogue does not list) is refused on add and on edit, naming the
/// field and the substance that holds it, so one substance is not
/// counted under two names. A substance edited keeps its own number.
#[test]
fn a_second_substance_with_a_known_cas_number_is_refused() {
    let nb = Nb::new();
    let err = nb.fails(&[
        "add",
        "substance",
        "--name",
        "N-phenethyl-4-piperidyl propionanilide",
        "--cas",
        "437-38-7",
        "--group",
        "other",
    ]);
    assert!(
        err.contains("cas:") && err.contains("437-38-7") && err.contains("as Fentanyl"),
        "{err}"
    );
    nb.ok(&[
        "add",
        "substance",
        "--name",
        "Compound Q",
        "--group",
        "other",
    ]);
    let err = nb.fails(&["edit", "Compound Q", "--set", "cas=437-38-7"]);
    assert!(err.contains("cas:") && err.contains("as Fentanyl"), "{err}");
    let err = nb.fails(&["edit", "Compound Q", "--set", "name=Fentanyl"]);
    assert!(
        err.contains("name:") && err.contains("as Fentanyl"),
        "{err}"
    );
    nb.ok(&["edit", "Compound Q", "--set", "cas=50-00-0"]);
    // `--group` is the substance's chemical group, on a notebook this
    // command creates too (it was taken for the file's Unix group there).
    let fresh = Nb::new();
    fresh.ok(&[
        "add",
        "substance",
        "--name",
        "Compound R",
        "--group",
        "other",
    ]);
    assert_eq!(fresh.json(&["show", "Compound R"])["group"], "other");
    nb.ok(&["edit", "Fentanyl", "--set", "national_note=schedule I here"]);
    let s = nb.json(&["show", "Fentanyl"]);
    assert_eq!(s["cas"], "437-38-7", "{s}");
}

/// A deleted case's reference is never given to another: notes, reports
/// and watch entries written since name it. Kept in the notebook; a
/// notebook from before it was kept finds it in its audit log's
/// deletions.
#[test]
fn a_deleted_cases_reference_is_not_given_again() {
    let nb = Nb::new();
    for t in ["One", "Two", "Three"] {
        nb.ok(&["add", "case", "--title", t]);
    }
    nb.ok(&["delete", "C-0003"]);
    assert_eq!(nb.ok(&["add", "case", "--title", "Four"]).trim(), "C-0004");
    nb.ok(&["delete", "C-0004"]);
    nb.ok(&["delete", "C-0002"]);
    // As a notebook written before the numbers were kept.
    {
        let c = rusqlite::Connection::open(&nb.db).unwrap();
        let n = c
            .execute("DELETE FROM meta WHERE key = 'case_numbers_used'", [])
            .unwrap();
        assert_eq!(n, 1);
    }
    assert_eq!(nb.ok(&["add", "case", "--title", "Five"]).trim(), "C-0005");
    assert_eq!(nb.ok(&["add", "case", "--title", "Six"]).trim(), "C-0006");
    nb.ok(&["audit", "verify"]);
}

/// A link type its ends cannot take is refused, naming what it joins: an
/// analogue between a parcel and a case was saved (only sender-of and
/// recipient-of were checked).
#[test]
fn a_link_type_must_fit_its_ends() {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "Kestrel"]);
    nb.ok(&["add", "parcel", "--tracking", "RR123456785KZ"]);
    nb.ok(&["add", "parcel", "--tracking", "RR473124829KZ"]);
    for t in [
        "analogue-of",
        "precursor-of",
        "paid",
        "member-of",
        "arrested",
    ] {
        let err = nb.fails(&["add", "link", "RR123456785KZ", "C-0001", "--type", t]);
        assert!(
            err.contains("link_type:") && err.contains(&format!("a {t} link joins")),
            "{t}: {err}"
        );
        // The types that do join them are named.
        assert!(
            err.contains("a parcel and a case take includes, related-to,"),
            "{t}: {err}"
        );
    }
    let err = nb.fails(&[
        "add",
        "link",
        "RR123456785KZ",
        "Fentanyl",
        "--type",
        "analogue-of",
    ]);
    assert!(err.contains("two substances"), "{err}");
    nb.ok(&[
        "add",
        "link",
        "Carfentanil",
        "Fentanyl",
        "--type",
        "analogue-of",
    ]);
    nb.ok(&[
        "add",
        "link",
        "RR123456785KZ",
        "RR473124829KZ",
        "--type",
        "sent-with",
    ]);
    nb.ok(&[
        "add",
        "link",
        "RR123456785KZ",
        "C-0001",
        "--type",
        "related-to",
    ]);
    assert_eq!(nb.count("links"), 3);
}

/// A demo stopped midway (killed, or a full disk) is said as such when
/// it is run again, which refused nothing and made a second set of cases;
/// a notebook with cases of its own is not empty either. A demo that
/// ends leaves no trace of having been under way.
#[test]
fn a_demo_stopped_midway_is_said_and_not_doubled() {
    let nb = Nb::new();
    nb.ok(&["demo", "--parcels", "50"]);
    let left: i64 = common::count_in(
        &nb.db,
        "SELECT count(*) FROM meta WHERE key = 'demo_unfinished'",
    );
    assert_eq!(left, 0);
    // As a demo killed after its cases were written.
    let stopped = Nb::new();
    stopped.ok(&["add", "case", "--title", "Operation Steppe"]);
    {
        let c = rusqlite::Connection::open(&stopped.db).unwrap();
        c.execute(
            "INSERT INTO meta (key, value) VALUES ('demo_unfinished', '3000')",
            [],
        )
        .unwrap();
    }
    let err = stopped.fails(&["demo", "--parcels", "3000"]);
    assert!(
        err.contains("stopped midway") && err.contains("new file"),
        "{err}"
    );
    assert_eq!(stopped.count("cases"), 1);
    // Cases of the notebook's own: not empty.
    let own = Nb::new();
    own.ok(&["add", "case", "--title", "Mine"]);
    let err = own.fails(&["demo", "--parcels", "20"]);
    assert!(err.contains("1 cases and 0 parcels"), "{err}");
}

/// A file-size limit (`ulimit -f`) reached is said as an error naming it,
/// the process not killed by SIGXFSZ without a word (exit 153), and the
/// notebook is left whole.
#[cfg(unix)]
#[test]
fn a_file_size_limit_is_said_not_a_silent_kill() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let csv = nb.beside("p.csv");
    let mut text = String::from("tracking,recipient_name,recipient_address\n");
    for i in 0..400u32 {
        let t = interdict::exchange::demo::s10_number("RR", 1000 + i, "KZ");
        text.push_str(&format!(
            "{t},Person {i},Street {i} house {i} flat {i} Almaty\n"
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let size_kib = std::fs::metadata(&nb.db).unwrap().len() / 1024;
    let bin = assert_cmd::cargo::cargo_bin("interdict");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -f {}; exec \"$0\" --db \"$1\" import csv \"$2\"",
            size_kib + 8
        ))
        .arg(&bin)
        .arg(&nb.db)
        .arg(&csv)
        .env("HOME", nb.db.parent().unwrap())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("ulimit -f"), "{err}");
    // Met midway through the import, not at the open.
    assert!(!err.contains("cannot open"), "{err}");
    nb.ok(&["audit", "verify"]);
}

/// An edit cannot give a parcel another parcel's tracking number (add
/// refused it, edit took it, and lookups by the number then failed), nor
/// a substance a synonym that names another substance (`fent` then named
/// three).
#[test]
fn an_edit_cannot_take_another_items_tracking_number_or_synonym() {
    let nb = Nb::new();
    nb.ok(&["add", "parcel", "--tracking", "RR123456785KZ"]);
    nb.ok(&["add", "parcel", "--tracking", "RB123456785CN"]);
    let err = nb.fails(&[
        "edit",
        "RB123456785CN",
        "--set",
        "tracking=rr 123 456 785 kz",
    ]);
    assert!(
        err.contains("tracking: parcel RR123456785KZ is already in the notebook"),
        "{err}"
    );
    assert_eq!(nb.count("parcels"), 2);
    nb.ok(&["show", "RR123456785KZ"]);
    // Its own number, written otherwise, is no clash.
    nb.ok(&[
        "edit",
        "RB123456785CN",
        "--set",
        "tracking=rb 123 456 785 cn",
    ]);

    let err = nb.fails(&[
        "add",
        "substance",
        "--name",
        "Otherazene",
        "--synonyms",
        "fent",
    ]);
    assert!(
        err.contains("synonyms: \"fent\" already names Fentanyl"),
        "{err}"
    );
    nb.ok(&[
        "add",
        "substance",
        "--name",
        "Testazene",
        "--synonyms",
        "tz-1",
    ]);
    let err = nb.fails(&["edit", "Testazene", "--set", "synonyms=tz-1;Mephedrone"]);
    assert!(
        err.contains("\"Mephedrone\" already names Mephedrone"),
        "{err}"
    );
    // Its own synonyms kept, one added: taken.
    nb.ok(&["edit", "Testazene", "--set", "synonyms=tz-1;tz-one"]);
    nb.ok(&["show", "fent"]);
}

/// A card number is masked but for its last four digits in whatever a
/// command prints (tables, JSON and CSV of lists, show, timeline, xref,
/// search, stats) and in whatever an export writes (STIX, MISP, DOT,
/// ANX, incident reports), whole only with --show-cards on the screen:
/// notes, contacts, concealment and link notes went out in full.
#[test]
fn card_numbers_are_masked_in_every_output() {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "Card test"]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--case",
        "C-0001",
        "--concealment",
        "card 4111 1111 1111 1111 in the lining",
    ]);
    nb.ok(&[
        "add",
        "note",
        "--on",
        "RR123456785KZ",
        "--text",
        "Paid with card 4111 1111 1111 1111 to shop",
    ]);
    nb.ok(&[
        "add",
        "person",
        "--name",
        "Card Holder",
        "--contacts",
        "card 5555 5555 5555 4444",
    ]);
    nb.ok(&[
        "add",
        "link",
        "Card Holder",
        "C-0001",
        "--type",
        "related-to",
        "--note",
        "paid with card 5500 0000 0000 0004",
    ]);
    let whole = [
        "4111 1111 1111 1111",
        "5555 5555 5555 4444",
        "5500 0000 0000 0004",
    ];
    let digits: Vec<String> = whole.iter().map(|w| w.replace(' ', "")).collect();
    let clean = |what: &str, text: &str| {
        for w in whole.iter().map(|w| w.to_string()).chain(digits.clone()) {
            assert!(!text.contains(&w), "{what} holds {w}:\n{text}");
        }
    };
    for args in [
        &["list", "notes"][..],
        &["--format", "json", "list", "notes"],
        &["--format", "csv", "list", "people"],
        &["show", "RR123456785KZ"],
        &["--format", "json", "show", "Card Holder"],
        &["timeline", "C-0001"],
        &["--format", "csv", "timeline", "C-0001"],
        &["xref", "Card Holder"],
        &["search", "Paid with"],
        &["stats", "freq", "concealment"],
        &["export", "--stix", "--case", "C-0001"],
        &["export", "--misp", "--case", "C-0001"],
        &["export", "--graph", "dot", "--case", "C-0001"],
        &["export", "--incident", "RR123456785KZ"],
    ] {
        let out = nb.ok(args);
        clean(&args.join(" "), &out);
    }
    assert!(nb.ok(&["list", "notes"]).contains("************1111"));
    let anx = nb.beside("c.anx");
    nb.ok(&[
        "export",
        "--graph",
        "anx",
        "--case",
        "C-0001",
        "--out",
        anx.to_str().unwrap(),
    ]);
    clean("anx", &common::anx_text(&std::fs::read(&anx).unwrap()));
    // Whole on the screen when asked for; never in what leaves.
    assert!(nb.ok(&["--show-cards", "list", "notes"]).contains(whole[0]));
    clean(
        "stix with --show-cards",
        &nb.ok(&["--show-cards", "export", "--stix", "--case", "C-0001"]),
    );
}

/// Text pasted with combining accents (a PDF's, a Mac's `José`, as `e`
/// and U+0301) and text typed with composed ones meet: in search, and in
/// a reference by name (search found one of two, and `show` missed).
#[test]
fn composed_and_decomposed_accents_are_one_text() {
    let nb = Nb::new();
    let nfd = "Jose\u{301} Mun\u{303}oz";
    let nfc = "Jos\u{e9} Mu\u{f1}oz";
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RB123456785CN",
        "--set",
        &format!("recipient_name={nfc}"),
    ]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--set",
        &format!("recipient_name={nfd}"),
    ]);
    nb.ok(&["add", "person", "--name", nfd]);
    for q in [nfc, nfd, "Mu\u{f1}oz"] {
        let found = nb.ok(&["search", q]);
        assert!(
            found.contains("RB123456785CN") && found.contains("RR123456785KZ"),
            "{q:?}: {found}"
        );
    }
    nb.ok(&["show", nfc]);
    nb.ok(&["show", nfd]);
}

/// `add link --help` names every link type the store takes (it left out
/// `arrested`, which the README's controlled deliveries rely on).
#[test]
fn add_link_help_names_every_link_type() {
    let nb = Nb::new();
    let help = nb.ok(&["add", "link", "--help"]);
    for t in interdict::domain::link::LINK_TYPES {
        assert!(help.contains(t), "{t}: {help}");
    }
}

/// The latest changes name the item each is about (a deleted one as its
/// deletion kept it), and a deleted item's history is asked for by its
/// tracking number or id: who deleted parcel X is answered.
#[test]
fn the_audit_log_names_items_and_finds_a_deleted_ones_history() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    nb.ok(&[
        "--as",
        "alice",
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
    ]);
    nb.ok(&["--as", "carol", "delete", "RR123456785KZ"]);
    let recent = nb.ok(&["audit", "log", "--limit", "2"]);
    assert!(recent.contains("ITEM"), "{recent}");
    assert_eq!(
        recent.matches("RR123456785KZ (deleted)").count(),
        2,
        "{recent}"
    );
    for asked in ["RR123456785KZ", "rr 123456785 kz"] {
        let history = nb.ok(&["audit", "log", asked]);
        assert!(
            history.contains("carol") && history.contains("delete"),
            "{asked}: {history}"
        );
    }
}

/// A command that only reads, pointed at a notebook that is not there (a
/// mistyped --db), is refused, naming the path, and makes nothing: it
/// listed an empty notebook, exit 0, and left one behind. A command that
/// writes makes it, as before.
#[test]
fn reading_a_notebook_that_is_not_there_makes_none() {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "Operation Kestrel"]);
    let typo = nb.beside("team-notbook.db");
    for args in [
        &["list", "cases"][..],
        &["search", "Kestrel"],
        &["show", "C-0001"],
        &["stats", "freq", "status"],
        &["audit", "log"],
        &["audit", "verify"],
        &["watch", "list"],
        &["exhibit", "list"],
        &["export", "--all", "--out", "x.db"],
    ] {
        let out = nb.cmd_on(&typo).args(args).assert().failure();
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            err.contains("no notebook at") && err.contains("team-notbook.db"),
            "{args:?}: {err}"
        );
        assert!(!typo.exists(), "{args:?} made {}", typo.display());
    }
    nb.cmd_on(&typo)
        .args(["add", "case", "--title", "New"])
        .assert()
        .success();
    assert!(typo.exists());
    // Nor is a file of nothing made one by a read (a received file whose
    // download stopped at 0 bytes listed nothing, exit 0, and was a
    // notebook after, mode 600); a write makes it one.
    let empty = nb.beside("received.db");
    std::fs::write(&empty, b"").unwrap();
    for args in [
        &["list", "parcels"][..],
        &["search", "Kestrel"],
        &["audit", "verify"],
        &["export", "--all", "--out", "y.db"],
    ] {
        let out = nb.cmd_on(&empty).args(args).assert().failure();
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            err.contains("received.db: the file holds nothing (0 bytes"),
            "{args:?}: {err}"
        );
        assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0, "{args:?}");
    }
    nb.cmd_on(&empty)
        .args(["add", "case", "--title", "New"])
        .assert()
        .success();
    assert!(std::fs::metadata(&empty).unwrap().len() > 0);
}

/// A notebook under two names (a hard link) is refused for writing and
/// said when read: each name had its own write-ahead log, a case
/// reference was given twice, and one name's writes were lost.
#[test]
fn a_hard_linked_notebook_is_refused_for_writing() {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "Op"]);
    let other = nb.beside("mine.db");
    std::fs::hard_link(&nb.db, &other).unwrap();
    let out = nb
        .cmd_on(&other)
        .args(["add", "case", "--title", "Two"])
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("under 2 names (hard links)"), "{err}");
    let err = nb.warns(&["list", "cases"]);
    assert!(err.contains("hard links"), "{err}");
    std::fs::remove_file(&other).unwrap();
    nb.ok(&["add", "case", "--title", "Two"]);
}

/// A `-wal` of another file left beside a notebook (a backup restored
/// beside an old log) is applied by a writable open before the damage
/// shows: the refusal no longer says the file "was not changed", which
/// it was.
#[test]
fn a_foreign_wal_applied_is_not_called_harmless() {
    let a = Nb::new();
    a.ok(&["demo", "--parcels", "50", "--seed", "3"]);
    let b = Nb::new();
    b.ok(&["demo", "--parcels", "300", "--seed", "7"]);
    // A reader holds A open, so its writer's log is not checkpointed.
    let reader = rusqlite::Connection::open(&a.db).unwrap();
    let tx = reader.unchecked_transaction().unwrap();
    let _: i64 = tx
        .query_row("SELECT count(*) FROM cases", [], |r| r.get(0))
        .unwrap();
    a.ok(&["add", "case", "--title", "From A only"]);
    a.ok(&["edit", "C-0001", "--set", "title=A title"]);
    let wal = |p: &std::path::Path| std::path::PathBuf::from(format!("{}-wal", p.display()));
    std::fs::copy(wal(&a.db), wal(&b.db)).unwrap();
    drop(tx);
    let out = b.cmd().args(["list", "cases"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && err.contains("damaged") {
        assert!(!err.contains("it was not changed"), "{err}");
        assert!(err.contains("was applied as it opened"), "{err}");
    }
}

/// A parcel's transit countries are counted each, `--where transit=` finds
/// a parcel by any of them, and a path is each country a step, as `freq`
/// prints it and `--where path=` takes it back: `AE,KZ` was one value,
/// `transit=AE` a silent 0, and `path=` refused the path `freq` printed.
#[test]
fn transit_countries_are_counted_each_and_found_by_any() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    for (t, transit) in [
        ("RR111111115CN", "AE,KZ"),
        ("RR222222225CN", "AE,KZ"),
        ("RR333333335CN", "KZ"),
        ("RR444444445CN", ""),
    ] {
        let mut args = vec![
            "add",
            "parcel",
            "--tracking",
            t,
            "--origin",
            "CN",
            "--destination",
            "UZ",
        ];
        if !transit.is_empty() {
            args.extend(["--transit", transit]);
        }
        nb.ok(&args);
    }
    let counts = |args: &[&str]| -> Vec<(String, u64)> {
        let mut a = vec!["stats", "freq"];
        a.extend(args);
        nb.json(&a)["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["value"].as_str().unwrap_or("").to_string(),
                    r["count"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        counts(&["transit"]),
        [("KZ".into(), 3), ("AE".into(), 2), (String::new(), 1)]
    );
    assert_eq!(
        counts(&["route", "--where", "transit=AE"]),
        [("CN>UZ".into(), 2)]
    );
    assert_eq!(
        counts(&["route", "--where", "transit=KZ"]),
        [("CN>UZ".into(), 3)]
    );
    let paths = counts(&["path"]);
    assert_eq!(paths[0], ("CN>AE>KZ>UZ".into(), 2), "{paths:?}");
    assert_eq!(
        counts(&["route", "--where", "path=CN>AE>KZ>UZ"]),
        [("CN>UZ".into(), 2)]
    );
}

/// A file read whole (a MISP event, a risk profile, a column mapping) is
/// read up to its cap and refused there, whatever it is: from a pipe or
/// device, whose size nothing gives, it was read whole first (`/dev/zero`
/// as a MISP event grew to gigabytes).
#[test]
fn files_read_whole_stop_at_their_cap_from_a_pipe_too() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let header = nb.beside("h.csv");
    std::fs::write(&header, "Tracking number,Destination\n").unwrap();
    for (args, bytes, said) in [
        (
            vec!["import", "misp", "/dev/stdin", "--dry-run"],
            5usize << 20,
            "more than 4194304 bytes; a MISP event",
        ),
        (
            vec!["profile", "import", "/dev/stdin"],
            200_000,
            "more than 100000 bytes; a profile is at most 100000 bytes",
        ),
        (
            vec![
                "import",
                "csv",
                s(&header),
                "--mapping",
                "/dev/stdin",
                "--dry-run",
            ],
            2 << 20,
            "more than 1048576 bytes; a column mapping",
        ),
    ] {
        let out = nb
            .cmd()
            .args(&args)
            .write_stdin(vec![b' '; bytes])
            .assert()
            .failure();
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(err.contains(said), "{args:?}: {err}");
    }
}
