//! Database files between teams: export, merge, conflicts, signatures,
//! encryption, handling rules and read-only browsing, through the real
//! binary. Each notebook has its own home, so its own signing key.

mod common;

use common::{Nb, s};
use rusqlite::Connection;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A small case: two parcels, a finding, a link between the parcels, a
/// lead with a source, a RED note, and a RED case of its own elsewhere.
fn officer_a() -> Nb {
    let a = Nb::new();
    a.ok(&["add", "case", "--title", "Operation Tea", "--tlp", "AMBER"]);
    a.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR473124829KZ",
        "--sender-phone",
        "+7 701 555 0142",
        "--sender-name",
        "Ivan Petrov",
        "--declared",
        "tea samples",
    ]);
    a.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--sender-phone",
        "+7 701 555 0142",
    ]);
    a.ok(&[
        "add",
        "link",
        "C-0001",
        "RR473124829KZ",
        "--type",
        "includes",
    ]);
    a.ok(&[
        "add",
        "link",
        "C-0001",
        "RR123456785KZ",
        "--type",
        "includes",
    ]);
    a.ok(&[
        "add",
        "finding",
        "--parcel",
        "RR473124829KZ",
        "--substance",
        "Fentanyl",
        "--form",
        "powder",
        "--quantity",
        "12.5",
        "--unit",
        "g",
    ]);
    a.ok(&[
        "add",
        "note",
        "--on",
        "RR473124829KZ",
        "--text",
        "courier says the sender pays cash",
        "--lead",
        "--grade",
        "2BP",
        "--source",
        "informant KESTREL-7",
    ]);
    a.ok(&[
        "add",
        "note",
        "--on",
        "C-0001",
        "--text",
        "undercover buy planned",
        "--tlp",
        "RED",
    ]);
    a.ok(&["add", "case", "--title", "Operation Red", "--tlp", "RED"]);
    a
}

fn export(nb: &Nb, name: &str, extra: &[&str]) -> PathBuf {
    let f = nb.beside(name);
    let mut args = vec!["export", "--out", f.to_str().unwrap()];
    args.extend(extra);
    nb.ok(&args);
    f
}

/// Merges `file` into `nb`, whose user trusts its signer first (as they
/// would, having been given the file by a colleague they know).
fn merge(nb: &Nb, file: &Path) -> Value {
    nb.ok(&["keys", "trust", file.to_str().unwrap()]);
    nb.json(&["merge", "--trust-new", file.to_str().unwrap()])
}

fn counts(v: &Value) -> [u64; 4] {
    ["added", "updated", "unchanged", "conflicts"].map(|k| v[k].as_u64().unwrap())
}

/// The logical content of a notebook (every row of every table).
fn content(db: &Path) -> String {
    let c = Connection::open(db).unwrap();
    interdict::exchange::signing::content_hash(&c).unwrap()
}

fn sha(path: &Path) -> String {
    interdict::exchange::signing::file_sha256(path).unwrap()
}

fn verified(nb: &Nb) {
    nb.ok(&["audit", "verify"]);
}

#[test]
fn export_merge_into_empty_then_twice_changes_nothing() {
    let a = officer_a();
    let file = export(&a, "tea.db", &["--case", "C-0001"]);
    let b = Nb::new();
    b.ok(&["init"]);
    let r = merge(&b, &file);
    // case, 2 parcels, finding, 2 links, the lead (RED note withheld).
    assert_eq!(counts(&r)[0], 7, "{r}");
    assert_eq!(counts(&r)[1..], [0, 305, 0], "{r}");
    // Checked as typed input: the records it adds (the catalogue's 305
    // substances are held here as the file holds them).
    assert_eq!(r["checked"], 7, "{r}");
    assert!(r["signer"].as_str().unwrap().starts_with("tester"), "{r}");
    let cases = b.json(&["list", "cases"]);
    assert_eq!(
        cases.as_array().unwrap().len(),
        1,
        "the RED case was not chosen"
    );
    assert_eq!(cases[0]["title"], "Operation Tea");
    let notes = b.json(&["list", "notes"]);
    assert_eq!(
        notes.as_array().unwrap().len(),
        1,
        "the RED note is withheld: {notes}"
    );
    assert_eq!(notes[0]["source"], "informant KESTREL-7");
    // `show` says where a merged record came from: the file, who
    // exported and signed it, what the merge did.
    let shown = b.ok(&["show", "RR473124829KZ"]);
    assert!(
        shown.contains("Came through (1)")
            && shown.contains("merged (added)")
            && shown.contains("from tea.db")
            && shown.contains("signed by tester"),
        "{shown}"
    );
    let json = b.json(&["show", "RR473124829KZ"]);
    assert_eq!(json["came_through"][0]["file_name"], "tea.db", "{json}");
    // Cross-referencing works on merged parcels: the shared phone connects them.
    let x = b.ok(&["xref", "RR473124829KZ"]);
    assert!(x.contains("RR123456785KZ"), "{x}");
    verified(&b);

    // Provenance: every merged record names the merge, which names the file.
    let c = Connection::open(&b.db).unwrap();
    let (file_name, signer): (String, String) = c
        .query_row(
            "SELECT file_name, signer FROM sources WHERE kind = 'merge'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(file_name, "tea.db");
    assert!(
        signer.starts_with("tester") && signer.contains("(SHA256:"),
        "{signer}"
    );
    let prov: i64 = c
        .query_row(
            "SELECT count(*) FROM provenance WHERE action = 'added'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(prov, 7);
    let merges: i64 = c
        .query_row(
            &format!(
                "SELECT count(*) FROM audit WHERE item_kind = {}",
                interdict::store::audit::names::Name::Kind.sql("merge")
            ),
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(merges, 1, "the merge itself is audited");
    drop(c);

    let before = content(&b.db);
    let again = merge(&b, &file);
    assert_eq!(counts(&again), [0, 0, 312, 0], "{again}");
    // Only the case is checked again (its reference is made local first):
    // the rest are held exactly as the file has them.
    assert_eq!(again["checked"], 1, "{again}");
    assert_eq!(again["written"], false);
    assert_eq!(content(&b.db), before, "merging twice changes nothing");
}

#[test]
fn diverged_notebooks_update_and_conflict_and_resolve() {
    let a = officer_a();
    let b = Nb::new();
    b.ok(&["init"]);
    merge(&b, &export(&a, "1.db", &["--case", "C-0001"]));

    // B edits the case; A edits a parcel. Each side's edit reaches the other.
    b.ok(&["edit", "C-0001", "--set", "title=Operation Tea (joint)"]);
    a.ok(&["edit", "RR123456785KZ", "--set", "weight_g=950"]);
    let r = merge(&a, &export(&b, "2.db", &["--case", "C-0001"]));
    assert_eq!(
        counts(&r)[..2],
        [0, 1],
        "B's case edit fast-forwards A: {r}"
    );
    assert_eq!(counts(&r)[3], 0, "{r}");
    let r = merge(&b, &export(&a, "3.db", &["--case", "C-0001"]));
    assert_eq!(counts(&r)[..2], [0, 1], "A's parcel edit reaches B: {r}");
    let p = b.json(&["show", "RR123456785KZ"]);
    assert_eq!(p["weight_g"], 950.0, "{p}");
    assert_eq!(
        b.json(&["list", "cases"])[0]["title"],
        "Operation Tea (joint)"
    );

    // Both edit the same parcel: a conflict; both versions are kept.
    a.ok(&["edit", "RR473124829KZ", "--set", "concealment=in tea tins"]);
    b.ok(&["edit", "RR473124829KZ", "--set", "concealment=false bottom"]);
    let file4 = export(&a, "4.db", &["--case", "C-0001"]);
    let r = merge(&b, &file4);
    assert_eq!(counts(&r)[3], 1, "{r}");
    let p = b.json(&["show", "RR473124829KZ"]);
    assert_eq!(p["concealment"], "false bottom", "the local version stays");
    let list = b.json(&["conflicts"]);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let id = list[0]["id"].as_i64().unwrap().to_string();
    let shown = b.ok(&["conflicts", "show", &id]);
    assert!(
        shown.contains("in tea tins") && shown.contains("false bottom"),
        "{shown}"
    );
    // Merging the same file again records nothing new.
    let before = content(&b.db);
    let again = merge(&b, &file4);
    assert_eq!(again["new_conflicts"], 0);
    assert_eq!(content(&b.db), before);

    b.ok(&["conflicts", "resolve", &id, "--keep", "incoming"]);
    assert_eq!(
        b.json(&["show", "RR473124829KZ"])["concealment"],
        "in tea tins"
    );
    assert_eq!(b.json(&["conflicts"]).as_array().unwrap().len(), 0);
    let all = b.json(&["conflicts", "list", "--all"]);
    assert_eq!(all[0]["status"], "took-incoming");
    assert!(
        all[0]["resolved_by"]
            .as_str()
            .unwrap()
            .starts_with("tester")
    );
    let err = b.fails(&["conflicts", "resolve", &id, "--keep", "local"]);
    assert!(err.contains("already resolved"), "{err}");
    // The version not chosen is in the audit, not lost.
    let log = b.ok(&["audit", "log", "RR473124829KZ"]);
    assert!(log.contains("false bottom"), "{log}");
    verified(&b);
    // And the file merges as unchanged now.
    assert_eq!(counts(&merge(&b, &file4))[3], 0);

    // Keeping the local version leaves the record and records the choice.
    a.ok(&["edit", "C-0001", "--set", "status=closed"]);
    b.ok(&["edit", "C-0001", "--set", "status=archived"]);
    merge(&b, &export(&a, "5.db", &["--case", "C-0001"]));
    let id = b.json(&["conflicts"])[0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    b.ok(&["conflicts", "resolve", &id, "--keep", "local"]);
    assert_eq!(b.json(&["list", "cases"])[0]["status"], "archived");
    let again = merge(&b, &a.beside("5.db"));
    assert_eq!(
        counts(&again)[3],
        0,
        "a decided conflict does not come back: {again}"
    );
    verified(&b);
}

#[test]
fn case_references_that_collide_are_renumbered_once() {
    let a = officer_a();
    let b = Nb::new();
    b.ok(&["add", "case", "--title", "B's own first case"]);
    let file = export(&a, "tea.db", &["--case", "C-0001"]);
    let r = merge(&b, &file);
    assert_eq!(r["renumbered"][0]["there"], "C-0001");
    assert_eq!(r["renumbered"][0]["here"], "C-0002");
    let cases = b.ok(&["list", "cases"]);
    assert!(
        cases.contains("C-0002") && cases.contains("Operation Tea"),
        "{cases}"
    );
    // The same case arriving again is the same case, not a conflict.
    let again = merge(&b, &file);
    assert_eq!(counts(&again), [0, 0, 312, 0], "{again}");
    a.ok(&["edit", "C-0001", "--set", "summary=seen again"]);
    let r = merge(&b, &export(&a, "tea2.db", &["--case", "C-0001"]));
    assert_eq!(counts(&r)[1], 1, "{r}");
    let shown = b.json(&["show", "C-0002"]);
    assert_eq!(shown["summary"], "seen again");
    verified(&b);
}

#[test]
fn red_items_are_withheld_unless_named_and_sources_can_be_redacted() {
    let a = officer_a();
    let all = export(&a, "all.db", &["--all", "--redact-sources"]);
    let bytes = std::fs::read(&all).unwrap();
    let has = |s: &str| bytes.windows(s.len()).any(|w| w == s.as_bytes());
    assert!(!has("undercover buy planned"), "RED note withheld");
    assert!(!has("Operation Red"), "RED case withheld");
    assert!(
        !has("KESTREL"),
        "the source is nowhere in the file, history included"
    );
    assert!(
        has("courier says the sender pays cash"),
        "the lead itself is there"
    );
    // A file in rollback-journal mode (header bytes 18 and 19 are 1; 2
    // would be a write-ahead log, whose readers must write beside it),
    // with nothing left beside it.
    assert_eq!(&bytes[18..20], &[1, 1], "rollback-journal mode");
    for left in ["-wal", "-shm", "-journal"] {
        let mut p = all.clone().into_os_string();
        p.push(left);
        assert!(!std::path::Path::new(&p).exists(), "{left} left beside it");
    }
    let c = Connection::open(&all).unwrap();
    let manifest: String = c
        .query_row("SELECT manifest FROM export_manifest", [], |r| r.get(0))
        .unwrap();
    let m: Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(m["handling"]["withheld_red"], 2, "{m}");
    assert_eq!(m["handling"]["redacted_notes"], 1, "{m}");
    assert!(m["exporter"].as_str().unwrap().starts_with("tester"), "{m}");
    assert_eq!(m["selection"]["all"], true);
    drop(c);

    // A RED case named explicitly is exported; one only chosen is refused.
    let err = a.fails(&["export", "--case", "C-0002", "--out", "x.db"]);
    assert!(
        err.contains("TLP:RED") && err.contains("--include-red"),
        "{err}"
    );
    let red = export(
        &a,
        "red.db",
        &["--case", "C-0002", "--include-red", "C-0002"],
    );
    let b = Nb::new();
    b.ok(&["init"]);
    merge(&b, &red);
    assert!(b.ok(&["list", "cases"]).contains("Operation Red"));
}

/// A deleted item's deletion keeps its whole record, and travels with an
/// export so that the receiver deletes it too: never for an item the
/// handling rules would have held back alive (a TLP:RED note, a
/// TLP:AMBER+STRICT one without --amber-strict, or a note on a deleted
/// RED case), whose text would otherwise leave in the file's history.
#[test]
fn deleted_red_and_amber_strict_items_stay_behind_with_their_text() {
    let a = officer_a();
    let id_of = |out: String| out.trim().to_string();
    let red = id_of(a.ok(&[
        "add",
        "note",
        "--on",
        "C-0001",
        "--text",
        "SECRETRED informant Zed",
        "--tlp",
        "RED",
    ]));
    let strict = id_of(a.ok(&[
        "add",
        "note",
        "--on",
        "C-0001",
        "--text",
        "STRICTLY ours",
        "--tlp",
        "AMBER+STRICT",
    ]));
    let plain = id_of(a.ok(&[
        "add",
        "note",
        "--on",
        "C-0001",
        "--text",
        "PLAIN deleted note",
    ]));
    // A RED case with a note on it, both deleted.
    a.ok(&["add", "case", "--title", "Operation Gone", "--tlp", "RED"]);
    let on_red = id_of(a.ok(&[
        "add",
        "note",
        "--on",
        "C-0003",
        "--text",
        "UNDER the red case",
    ]));
    for id in [&red, &strict, &plain, &on_red] {
        a.ok(&["delete", id]);
    }
    a.ok(&["delete", "C-0003"]);
    for (name, extra) in [
        ("case.db", &["--case", "C-0001"][..]),
        ("all.db", &["--all"][..]),
    ] {
        let file = export(&a, name, extra);
        let bytes = std::fs::read(&file).unwrap();
        let has = |s: &str| bytes.windows(s.len()).any(|w| w == s.as_bytes());
        assert!(!has("SECRETRED"), "{name}: a deleted RED note's text left");
        assert!(
            !has("STRICTLY ours"),
            "{name}: a deleted AMBER+STRICT note's text left"
        );
        assert!(
            !has("UNDER the red case"),
            "{name}: a note of a deleted RED case left"
        );
        assert!(!has("Operation Gone"), "{name}: a deleted RED case left");
        assert!(
            has("PLAIN deleted note"),
            "{name}: an ordinary deletion travels"
        );
    }
    // Let go on purpose, the AMBER+STRICT deletion travels like any other.
    let file = export(&a, "strict.db", &["--case", "C-0001", "--amber-strict"]);
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.windows(13).any(|w| w == b"STRICTLY ours"));
    // And the receiver of the first file deletes the ordinary note too.
    let b = Nb::new();
    b.ok(&["init"]);
    merge(&b, &a.beside("case.db"));
    verified(&b);
}

/// A merge that deletes what the file deleted says so in its text
/// summary, the dry run included, not only in its JSON.
#[test]
fn a_merge_says_what_it_deleted() {
    let a = officer_a();
    let note = a.ok(&["add", "note", "--on", "C-0001", "--text", "to be deleted"]);
    let first = export(&a, "first.db", &["--case", "C-0001"]);
    let b = Nb::new();
    b.ok(&["init"]);
    merge(&b, &first);
    a.ok(&["delete", note.trim()]);
    let second = export(&a, "second.db", &["--case", "C-0001"]);
    let f = second.to_str().unwrap();
    let dry = b.ok(&["merge", "--dry-run", f]);
    assert!(dry.contains("conflicts 0, deleted 1"), "{dry}");
    assert!(dry.contains("1 record(s) would be deleted here"), "{dry}");
    let done = b.ok(&["merge", f]);
    assert!(done.contains("conflicts 0, deleted 1"), "{done}");
    assert!(done.contains("1 record(s) were deleted here"), "{done}");
    assert!(!b.ok(&["list", "notes"]).contains("to be deleted"));
}

#[test]
fn encrypted_round_trip_and_wrong_identity_refused() {
    let a = officer_a();
    let b = Nb::new();
    b.ok(&["init"]);
    let id = b.beside("b-identity.txt");
    let out = b.json(&["keys", "new-identity", "--out", id.to_str().unwrap()]);
    let recipient = out["recipient"].as_str().unwrap().to_string();
    assert!(recipient.starts_with("age1"));
    let sealed = export(
        &a,
        "tea.age",
        &["--case", "C-0001", "--encrypt-to", &recipient],
    );
    let bytes = std::fs::read(&sealed).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1"));
    assert!(
        !bytes.windows(12).any(|w| w == b"RR473124829K"),
        "nothing readable"
    );

    let before = content(&b.db);
    let err = b.fails(&["merge", "--trust-new", sealed.to_str().unwrap()]);
    assert!(
        err.contains("encrypted") && err.contains("--identity"),
        "{err}"
    );
    let mallory = a.beside("mallory.txt");
    a.ok(&["keys", "new-identity", "--out", mallory.to_str().unwrap()]);
    let err = b.fails(&[
        "merge",
        "--trust-new",
        sealed.to_str().unwrap(),
        "--identity",
        mallory.to_str().unwrap(),
    ]);
    assert!(err.contains("cannot be decrypted"), "{err}");
    // Over the cap a received file may decrypt to: refused, saying how
    // to raise it; and so is a cap that is not a size.
    let capped = |cap: &str| {
        let out = b
            .cmd()
            .env("INTERDICT_MAX_RECEIVED", cap)
            .args(["merge", "--trust-new", sealed.to_str().unwrap()])
            .arg("--identity")
            .arg(&id)
            .assert()
            .failure()
            .get_output()
            .stderr
            .clone();
        String::from_utf8(out).unwrap()
    };
    let err = capped("1000");
    assert!(
        err.contains("larger than the 1000 bytes") && err.contains("INTERDICT_MAX_RECEIVED="),
        "{err}"
    );
    assert!(capped("lots").contains("is not a size"));
    assert_eq!(content(&b.db), before, "refusals write nothing");

    let r = b.json(&[
        "merge",
        "--trust-new",
        sealed.to_str().unwrap(),
        "--identity",
        id.to_str().unwrap(),
    ]);
    assert_eq!(counts(&r)[0], 7, "{r}");
    // Browsing the encrypted file read-only leaves it as it was (and
    // reads it from memory), and the decrypted copy that a session of an
    // earlier release, killed, left in the temporary folder is swept (its
    // process is gone).
    let tmp = b._dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let left = tmp.join(".interdict-received-4194999-abc");
    std::fs::create_dir(&left).unwrap();
    std::fs::write(left.join("received.db"), "plaintext").unwrap();
    // So is the indexed copy such a session was reading (plaintext too).
    let left_copy = tmp.join(".interdict-upgraded-4194998-abc");
    std::fs::create_dir(&left_copy).unwrap();
    std::fs::write(left_copy.join("upgraded.db"), "plaintext").unwrap();
    let h = sha(&sealed);
    let mut c = b.cmd_on(&sealed);
    c.env("TMPDIR", &tmp);
    c.args([
        "--read-only",
        "--identity",
        id.to_str().unwrap(),
        "list",
        "parcels",
    ]);
    let listed = String::from_utf8(c.assert().success().get_output().stdout.clone()).unwrap();
    assert!(listed.contains("RR473124829KZ"), "{listed}");
    assert_eq!(sha(&sealed), h);
    if cfg!(target_os = "linux") {
        assert!(!left.exists(), "a killed session's plaintext stayed");
        assert!(
            !left_copy.exists(),
            "a killed session's indexed copy stayed"
        );
    }
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "this session's copy went with it"
    );
    let out = b
        .cmd_on(&sealed)
        .args(["list", "parcels"])
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("--read-only"), "{err}");
}

/// Copies `file` and changes the copy with `f`.
fn tampered(file: &Path, name: &str, f: impl FnOnce(&Path)) -> PathBuf {
    let t = file.with_file_name(name);
    std::fs::copy(file, &t).unwrap();
    f(&t);
    t
}

#[test]
fn tampered_unsigned_damaged_and_newer_files_are_refused_before_writing() {
    let a = officer_a();
    let file = export(&a, "tea.db", &["--case", "C-0001"]);
    let b = Nb::new();
    b.ok(&["init"]);
    let before = content(&b.db);
    let refuse = |f: &Path, why: &str| {
        let err = b.fails(&["merge", "--trust-new", f.to_str().unwrap()]);
        assert!(err.contains(why), "{}: {err}", f.display());
        assert!(err.contains("nothing was merged"), "{err}");
    };

    // One byte of a record's text, changed in the file itself.
    let flipped = tampered(&file, "flipped.db", |t| {
        let mut bytes = std::fs::read(t).unwrap();
        let at = bytes
            .windows(9)
            .position(|w| w == b"tea sampl")
            .expect("the text is in the file");
        bytes[at] = b'T';
        std::fs::write(t, bytes).unwrap();
    });
    refuse(&flipped, "the file was changed after tester");

    // A value changed through SQLite, the way someone with sqlite3 would.
    let edited = tampered(&file, "edited.db", |t| {
        let c = Connection::open(t).unwrap();
        c.execute(
            "UPDATE parcels SET weight_g = 1 WHERE tracking = 'RR123456785KZ'",
            [],
        )
        .unwrap();
    });
    refuse(&edited, "does not match the signed manifest");

    // The manifest re-written to match (e.g. a count changed): the signature fails.
    let forged = tampered(&file, "forged.db", |t| {
        let c = Connection::open(t).unwrap();
        c.execute(
            "UPDATE export_manifest SET manifest = replace(manifest, '\"exporter\":\"tester', '\"exporter\":\"chief')",
            [],
        )
        .unwrap();
    });
    refuse(&forged, "signature does not match");
    // `audit verify` of a file whose content is not what was signed fails,
    // naming it, whatever the log says (a history entry that changes no
    // record's state, deleted, was "intact", exit 0).
    for (f, why) in [
        (&forged, "signature does not match"),
        (&edited, "does not match the signed manifest"),
    ] {
        let out = b
            .cmd_on(f)
            .args(["--read-only", "audit", "verify"])
            .assert()
            .failure();
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(err.contains("signed export fails its checks: "), "{err}");
        assert!(err.contains(why), "{err}");
    }
    let out = b
        .cmd_on(&forged)
        .args(["--read-only", "audit", "verify", "--format", "json"])
        .assert()
        .failure();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(
        v["signed_export_problem"]
            .as_str()
            .is_some_and(|p| p.contains("signature does not match")),
        "{v}"
    );

    let unsigned = tampered(&file, "unsigned.db", |t| {
        let c = Connection::open(t).unwrap();
        c.execute("DELETE FROM export_signature", []).unwrap();
    });
    refuse(&unsigned, "unsigned");

    refuse(&a.db, "not an export");
    // A notebook's own `-wal` is not spoken of as an export's would be.
    let err = b.fails(&["merge", a.db.to_str().unwrap()]);
    assert!(!err.contains("signature covers"), "{err}");
    // The notebook itself, by whatever path, is named as such.
    let err = b.fails(&["merge", b.db.to_str().unwrap()]);
    assert!(err.contains("is this notebook itself"), "{err}");
    // the command it offers is one export takes (it offered `-o`)
    assert!(err.contains("export --all --out FILE"), "{err}");
    assert_eq!(content(&b.db), before);

    let newer = tampered(&file, "newer.db", |t| {
        let c = Connection::open(t).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
    });
    refuse(&newer, "newer interdict");

    let damaged = tampered(&file, "damaged.db", |t| {
        let bytes = std::fs::read(t).unwrap();
        std::fs::write(t, &bytes[..bytes.len() / 2]).unwrap();
    });
    let err = b.fails(&["merge", "--trust-new", damaged.to_str().unwrap()]);
    assert!(
        err.contains("damaged") || err.contains("malformed"),
        "{err}"
    );

    let text = tampered(&file, "text.db", |t| {
        std::fs::write(t, "tracking\nRR1\n").unwrap()
    });
    refuse(&text, "not an SQLite database");

    assert_eq!(content(&b.db), before, "no refused file wrote anything");
    // The genuine file still merges.
    assert_eq!(counts(&merge(&b, &file))[0], 7);
    // Once it has, a file of other bytes is checked whole as before (only
    // the very bytes merged are known): the changed copies are refused.
    refuse(&flipped, "the file was changed after tester");
    refuse(&edited, "does not match the signed manifest");
    refuse(&forged, "signature does not match");
    // Nor does a row written out of band into `sources` vouch for a
    // file's bytes: only a merge whose audit entry says it completed.
    let c = Connection::open(&b.db).unwrap();
    c.execute(
        "INSERT INTO sources (id, kind, at, actor, file_name, file_sha256, source_db, exporter, signer, report)
         SELECT randomblob(16), kind, at, actor, 'edited.db', ?1, source_db, exporter, signer,
                json_set(report, '$.file_sha256', ?1)
         FROM sources WHERE kind = 'merge'",
        [sha(&edited)],
    )
    .unwrap();
    drop(c);
    refuse(&edited, "does not match the signed manifest");
}

/// Opens `file` as `interdict merge` does into the notebook at `db`:
/// whether its bytes were known there (a merge of them completed).
fn known_in(db: &Path, file: &Path) -> bool {
    use interdict::exchange::{merge, received};
    let c = Connection::open(db).unwrap();
    received::open_vouched(file, None, &|sha| merge::merged_whole(&c, sha))
        .unwrap()
        .vouched
}

#[test]
fn a_file_is_known_by_its_bytes_once_a_merge_of_it_completed_here() {
    let a = officer_a();
    let file = export(&a, "tea.db", &["--case", "C-0001"]);
    // The same records exported again: a file of other bytes.
    let later = export(&a, "tea-later.db", &["--case", "C-0001"]);
    assert_ne!(sha(&file), sha(&later));
    let b = Nb::new();
    b.ok(&["init"]);
    assert!(!known_in(&b.db, &file), "never merged here");
    assert_eq!(counts(&merge(&b, &file))[0], 7);
    assert!(known_in(&b.db, &file), "merged whole");
    assert!(!known_in(&b.db, &later), "other bytes, the same records");
    // Merging it again (known) finds nothing new, as before, and says
    // what it did not recompute.
    let again = merge(&b, &file);
    assert_eq!(counts(&again), [0, 0, 312, 0], "{again}");
    assert_eq!(again["written"], false, "{again}");
    assert_eq!(again["known_bytes"], true, "{again}");
    let text = b.ok(&["merge", file.to_str().unwrap()]);
    assert!(
        text.contains("content hash were not computed again"),
        "{text}"
    );
    let first = b.json(&["merge", "--dry-run", later.to_str().unwrap()]);
    assert_eq!(first["known_bytes"], false, "{first}");
    verified(&b);
    // A dry run vouches for nothing: it wrote nothing here.
    let c = Nb::new();
    c.ok(&["init"]);
    c.ok(&["keys", "trust", file.to_str().unwrap()]);
    let before = content(&c.db);
    let dry = c.json(&["merge", "--dry-run", file.to_str().unwrap()]);
    assert_eq!(counts(&dry)[0], 7, "{dry}");
    assert!(!known_in(&c.db, &file));
    assert_eq!(content(&c.db), before);
}

/// A received export opened without --read-only is browsed read-only, and
/// said so: opened for writing it became a notebook (its journal
/// switched, its indexes built), changed after signing, so that its merge
/// then blamed the sender for tampering. A write is refused, naming why;
/// the file stays byte for byte as signed and merges afterwards.
#[test]
fn an_export_opened_without_read_only_is_never_written() {
    let a = officer_a();
    let file = export(&a, "tea.db", &["--case", "C-0001"]);
    let h = sha(&file);
    let b = Nb::new();
    b.ok(&["init"]);
    let out = b
        .cmd_on(&file)
        .args(["list", "cases"])
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("opened read-only") && err.contains("interdict merge"),
        "{err}"
    );
    assert!(
        err.contains("signed by tester"),
        "the signer is named: {err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Operation Tea"));
    let refused = b
        .cmd_on(&file)
        .args(["add", "case", "--title", "Scribbled"])
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    let refused = String::from_utf8_lossy(&refused);
    assert!(
        refused.contains("read-only") && refused.contains("signed export"),
        "{refused}"
    );
    assert_eq!(sha(&file), h, "not a byte of the export changed");
    let r = merge(&b, &file);
    assert_eq!(counts(&r)[0], 7, "{r}");
}

/// Files that are not what they seem are refused with what they are, the
/// file unchanged: a named pipe (which an open waited on for ever, browsed
/// or merged) and an export whose schema version another tool set to 0
/// (whose upgrade from nothing failed with pages of SQL, after changing
/// the file's header).
#[cfg(unix)]
#[test]
fn a_pipe_or_a_file_without_its_schema_version_is_refused_unchanged() {
    let a = officer_a();
    let b = Nb::new();
    b.ok(&["init"]);
    let pipe = a.beside("pipe.db");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .unwrap()
            .success()
    );
    let p = pipe.to_str().unwrap();
    let err = b.fails(&["merge", p]);
    assert!(err.contains("not a regular file"), "{err}");
    let mut c = b.cmd_on(&pipe);
    c.args(["--read-only", "list", "cases"]);
    let err = c.assert().failure().get_output().stderr.clone();
    assert!(String::from_utf8_lossy(&err).contains("not a regular file"));

    let file = export(&a, "zero.db", &["--case", "C-0001"]);
    Connection::open(&file)
        .unwrap()
        .pragma_update(None, "user_version", 0)
        .unwrap();
    let h = sha(&file);
    for ro in [false, true] {
        let mut c = b.cmd_on(&file);
        if ro {
            c.arg("--read-only");
        }
        c.args(["list", "cases"]);
        let err = c.assert().failure().get_output().stderr.clone();
        let err = String::from_utf8_lossy(&err);
        assert!(
            err.contains("no schema version") && err.len() < 400,
            "{err}"
        );
    }
    // Merged, it says the same (it said "no manifest: never signed").
    let err = b.fails(&["merge", file.to_str().unwrap()]);
    assert!(err.contains("no schema version"), "{err}");
    assert_eq!(sha(&file), h, "unchanged");
}

#[test]
fn read_only_browsing_leaves_the_file_byte_identical() {
    let a = officer_a();
    let file = export(&a, "tea.db", &["--case", "C-0001"]);
    let h = sha(&file);
    let dir = file.parent().unwrap();
    let siblings = || {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let before = siblings();
    let b = Nb::new();
    for args in [
        vec!["list", "parcels"],
        vec!["show", "RR473124829KZ"],
        vec!["xref", "RR473124829KZ"],
        vec!["audit", "verify"],
        vec!["search", "tea"],
    ] {
        let mut c = b.cmd_on(&file);
        c.arg("--read-only").args(&args);
        let out = c.assert().success().get_output().clone();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("signed by tester"),
            "the signer is named: {err}"
        );
        // The file carries no index rows; reading it rebuilds them in a
        // private copy, so cross-references and search work as at home.
        let text = String::from_utf8_lossy(&out.stdout);
        match args[0] {
            "xref" => assert!(
                text.contains("RR123456785KZ") && text.contains("sender phone"),
                "{text}"
            ),
            "search" => assert!(text.contains("RR473124829KZ"), "{text}"),
            _ => {}
        }
    }
    let index_rows: i64 =
        rusqlite::Connection::open_with_flags(&file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap()
            .query_row(
                "SELECT (SELECT count(*) FROM occurrences) + (SELECT count(*) FROM sounds)
              + (SELECT count(*) FROM search_items)",
                [],
                |r| r.get(0),
            )
            .unwrap();
    assert_eq!(index_rows, 0, "the export carries no index rows");
    let mut c = b.cmd_on(&file);
    c.arg("--read-only").args(["add", "case", "--title", "x"]);
    c.assert().failure();
    assert_eq!(sha(&file), h, "not a byte changed");
    assert_eq!(
        siblings(),
        before,
        "no journal, WAL or SHM file left beside it"
    );
}

#[test]
fn hostile_text_arrives_faithfully_and_is_never_printed_raw() {
    let a = Nb::new();
    // (A control character is never data, and refused since 2026-12-07:
    // a received record holding one is refused whole, see
    // `a_received_record_must_be_one_typed_input_could_have_made`. What
    // a text may hold that a terminal must not show raw are the
    // invisible and reordering characters.)
    let err = a.fails(&[
        "add",
        "parcel",
        "--tracking",
        "RR473124829KZ",
        "--sender-name",
        "Ivan\u{1b}[2J",
    ]);
    assert!(err.contains("U+001B") && !err.contains('\u{1b}'), "{err:?}");
    let evil = "Ivan\u{2028}\u{202e}drowssap\u{200b}";
    a.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR473124829KZ",
        "--sender-name",
        evil,
    ]);
    // No one writes under a hostile name here...
    let err = a
        .cmd()
        .env("INTERDICT_USER", "chief\u{1b}[31m")
        .args([
            "export",
            "--all",
            "--out",
            a.beside("no.db").to_str().unwrap(),
        ])
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("U+001B") && !err.contains('\u{1b}'), "{err:?}");
    // ...but a file can come signed under one, by its maker's own key.
    let plain = export(&a, "plain.db", &["--all"]);
    let file = resigned_as(&plain, "evil.db", "", "chief\u{1b}[31m");
    let b = Nb::new();
    b.ok(&["init"]);
    let out = b.ok(&["merge", "--trust-new", file.to_str().unwrap()]);
    assert!(!out.contains('\u{1b}'), "{out:?}");
    assert!(out.contains("chief^[[31m"), "{out:?}");
    let shown = b.ok(&["show", "RR473124829KZ"]);
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{202e}'),
        "{shown:?}"
    );
    // Stored byte for byte as it was written.
    let c = Connection::open(&b.db).unwrap();
    let stored: String = c
        .query_row("SELECT sender_name FROM parcels", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, evil);
    // And in a conflict listing.
    a.ok(&[
        "edit",
        "RR473124829KZ",
        "--set",
        &format!("concealment={evil}"),
    ]);
    b.ok(&["edit", "RR473124829KZ", "--set", "concealment=plain"]);
    let f2 = export(&a, "evil2.db", &["--all"]);
    merge(&b, &f2);
    let listed = b.ok(&["conflicts", "show", "1"]);
    assert!(listed.contains("Ivan<U+2028>"), "{listed:?}");
    assert!(
        !listed.contains('\u{1b}') && !listed.contains('\u{202e}'),
        "{listed:?}"
    );
}

#[test]
fn a_hostile_case_reference_is_renumbered_and_does_not_break_numbering() {
    use interdict::domain::{Case, ItemKind};
    use interdict::store::{audit, records};
    // A file whose case carries the largest reference a number can hold,
    // its history made to end in that state, signed by whoever made it.
    let a = Nb::new();
    a.ok(&["init"]);
    a.ok(&["add", "case", "--title", "Hostile"]);
    let sent = export(&a, "sent.db", &["--all"]);
    let c = Connection::open(&sent).unwrap();
    let id: uuid::Uuid = c
        .query_row("SELECT id FROM cases", [], |r| r.get(0))
        .unwrap();
    let mut case: Case = records::get(&c, id).unwrap().unwrap();
    drop(c);
    case.reference = "C-9223372036854775807".into();
    let state = audit::state_of(ItemKind::Case, &records::to_json(&case).unwrap());
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let file = resigned(
        &sent,
        "hostile.db",
        &format!(
            "UPDATE cases SET \"ref\" = 'C-9223372036854775807';
             UPDATE received_audit SET state = X'{}' WHERE item_id = X'{}';",
            hex(&state),
            hex(id.as_bytes())
        ),
    );
    let b = Nb::new();
    b.ok(&["init"]);
    b.ok(&["add", "case", "--title", "Local"]);
    let out = b.ok(&["merge", "--trust-new", file.to_str().unwrap()]);
    assert!(
        out.contains("C-9223372036854775807 there is C-0002 here (its reference is not one"),
        "{out}"
    );
    // Numbering goes on as before, and the file's reference stays on record.
    assert_eq!(b.ok(&["add", "case", "--title", "Next"]).trim(), "C-0003");
    let foreign: String = Connection::open(&b.db)
        .unwrap()
        .query_row(
            "SELECT foreign_ref FROM provenance WHERE foreign_ref IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(foreign, "C-9223372036854775807");
}

#[cfg(unix)]
#[test]
fn a_signing_key_others_could_write_signs_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let a = Nb::new();
    a.ok(&["init"]);
    a.ok(&["add", "case", "--title", "Signed"]);
    // The first export makes the key, private, in a private data folder.
    export(&a, "first.db", &["--all"]);
    let key = a
        ._dir
        .path()
        .join("data")
        .join("interdict")
        .join("signing.key");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&key), 0o600, "{}", key.display());
    assert_eq!(mode(key.parent().unwrap()), 0o700);
    // Made writable by others, it is refused, naming why.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = a.beside("second.db");
    let err = a.fails(&["export", "--all", "--out", out.to_str().unwrap()]);
    assert!(
        err.contains("not private") && err.contains("chmod 600"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn bytes_appended_after_signing_are_refused() {
    let a = officer_a();
    let file = export(&a, "signed.db", &["--all"]);
    let grown = tampered(&file, "grown.db", |p| {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(p).unwrap();
        f.write_all(&[0u8; 4096]).unwrap();
    });
    let b = Nb::new();
    b.ok(&["init"]);
    let err = b.fails(&["merge", "--trust-new", grown.to_str().unwrap()]);
    assert!(err.contains("4096 bytes after the database's end"), "{err}");
    // Cut short, it is refused too; as signed, it merges.
    let cut = tampered(&file, "cut.db", |p| {
        let len = std::fs::metadata(p).unwrap().len();
        std::fs::OpenOptions::new()
            .write(true)
            .open(p)
            .unwrap()
            .set_len(len - 4096)
            .unwrap();
    });
    let err = b.fails(&["merge", "--trust-new", cut.to_str().unwrap()]);
    assert!(err.contains("cut short"), "{err}");
    b.ok(&["merge", "--trust-new", file.to_str().unwrap()]);
}

/// Signs a file again as its maker could, with a key of their own, after
/// changing it: the manifest's content hash recomputed, the signature
/// made anew. Any key can sign; the receiver must still be safe.
fn resigned(file: &Path, name: &str, sql: &str) -> PathBuf {
    resigned_as(file, name, sql, "mallory")
}

/// [`resigned`], the maker naming themselves `signer`.
fn resigned_as(file: &Path, name: &str, sql: &str, signer: &str) -> PathBuf {
    resigned_with(file, name, sql, signer, |_| {})
}

/// [`resigned_as`], with the manifest edited by `edit` before it is signed.
fn resigned_with(
    file: &Path,
    name: &str,
    sql: &str,
    signer: &str,
    edit: impl Fn(&mut Value),
) -> PathBuf {
    use interdict::exchange::signing;
    tampered(file, name, |t| {
        let c = Connection::open(t).unwrap();
        c.execute_batch(sql).unwrap();
        let text: String = c
            .query_row("SELECT manifest FROM export_manifest", [], |r| r.get(0))
            .unwrap();
        let mut m: Value = serde_json::from_str(&text).unwrap();
        m["content_hash"] = signing::content_hash(&c).unwrap().into();
        m["exporter"] = signer.into();
        edit(&mut m);
        let text = m.to_string();
        let dir = tempfile::tempdir().unwrap();
        let key = signing::load_or_create(&dir.path().join("mallory.key")).unwrap();
        c.execute("UPDATE export_manifest SET manifest = ?1", [&text])
            .unwrap();
        c.execute(
            "UPDATE export_signature SET public_key = ?1, signer = ?3, signature = ?2",
            [
                signing::public_text(&key.verifying_key()),
                signing::sign(&key, text.as_bytes()),
                signer.to_string(),
            ],
        )
        .unwrap();
    })
}

/// A file of a later export format version is refused, saying so (it
/// was merged as if of this one); one dated in the future is merged with
/// a warning (accepted without a word).
#[test]
fn a_later_format_is_refused_and_a_future_export_time_is_said() {
    let a = officer_a();
    let sent = export(&a, "sent.db", &["--all"]);
    let b = Nb::new();
    b.ok(&["init"]);
    let later = resigned_with(&sent, "later.db", "SELECT 1;", "mallory", |m| {
        m["format_version"] = 2.into();
    });
    let err = b.fails(&["merge", "--trust-new", later.to_str().unwrap()]);
    assert!(
        err.contains("made by a later interdict (export format version 2"),
        "{err}"
    );
    assert_eq!(b.count("parcels"), 0, "nothing merged");
    let ahead = resigned_with(&sent, "ahead.db", "SELECT 1;", "mallory", |m| {
        m["exported_at"] = "2099-01-01T00:00:00+00:00".into();
    });
    let out = b
        .run(&["merge", "--trust-new", ahead.to_str().unwrap()])
        .success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("warning: the file says it was exported at 2099-01-01T00:00:00+00:00"),
        "{err}"
    );
    assert!(b.count("parcels") > 0);
}

/// A file whose manifest names the receiving notebook as its source,
/// signed by another key, does not replace that notebook's checkpoint
/// of its own log (it did: `audit verify` then said the notebook was
/// rolled back); the merge says so.
#[test]
fn a_file_naming_this_notebook_as_its_source_leaves_its_checkpoint() {
    let a = officer_a();
    let sent = export(&a, "sent.db", &["--all"]);
    let b = Nb::new();
    b.ok(&["add", "case", "--title", "Local"]);
    b.ok(&["add", "note", "--on", "C-0001", "--text", "office note"]);
    let b_id: String = Connection::open(&b.db)
        .unwrap()
        .query_row(
            "SELECT value FROM meta WHERE key = 'database_id'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    b.ok(&["audit", "verify"]);
    let crafted = resigned_with(&sent, "mine.db", "SELECT 1;", "mallory", |m| {
        m["source_db"] = b_id.clone().into();
        // (Far ahead of this notebook's log.)
        m["audit_head"]["seq"] = 100_000.into();
    });
    let out = b
        .run(&["merge", "--trust-new", crafted.to_str().unwrap()])
        .success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("names this notebook") && err.contains("not with your key"),
        "{err}"
    );
    b.ok(&["audit", "verify"]);
}

#[test]
fn a_file_whose_schema_is_not_interdicts_is_refused_before_a_row_is_read() {
    let a = officer_a();
    let file = export(&a, "tea.db", &["--all"]);
    let b = Nb::new();
    b.ok(&["init"]);
    let before = content(&b.db);
    let endless = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r";
    for (name, sql, why) in [
        (
            "view.db",
            format!("DROP TABLE notes; CREATE VIEW notes AS {endless};"),
            "view notes should be a table",
        ),
        (
            "generated.db",
            "ALTER TABLE cases ADD COLUMN pad BLOB GENERATED ALWAYS AS (zeroblob(1000)) VIRTUAL;"
                .into(),
            "table cases is not as schema version",
        ),
        (
            "trigger.db",
            "CREATE TRIGGER quiet BEFORE DELETE ON parcels BEGIN SELECT 1; END;".into(),
            "trigger quiet is not part of schema version",
        ),
        (
            "extra.db",
            format!("CREATE VIEW extra AS {endless};"),
            "view extra is not part of schema version",
        ),
        // SQLite's statistics steer every read's plan, and no export
        // holds them (refused as content that did not match, unsigned
        // again; signed again, taken).
        (
            "analyzed.db",
            "ANALYZE;".into(),
            "table sqlite_stat1 (SQLite's statistics, made by ANALYZE) is in no export",
        ),
    ] {
        let crafted = resigned(&file, name, &sql);
        let err = b.fails(&["merge", "--trust-new", crafted.to_str().unwrap()]);
        assert!(
            err.contains("its schema is not interdict's"),
            "{name}: {err}"
        );
        assert!(err.contains(why), "{name}: {err}");
        assert!(err.contains("nothing was merged"), "{name}: {err}");
        // Browsing it read-only is refused the same way.
        let out = b
            .cmd_on(&crafted)
            .args(["--read-only", "list", "cases"])
            .assert()
            .failure()
            .get_output()
            .clone();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{name} read-only: {err}");
    }
    assert_eq!(content(&b.db), before, "no refused file wrote anything");
    // Signed again by another key but unchanged in shape, it merges.
    let plain = resigned(&file, "plain.db", "SELECT 1;");
    assert_eq!(counts(&merge(&b, &plain))[0], 7);
}

#[test]
fn an_export_from_a_log_rolled_back_since_the_last_one_is_flagged() {
    let a = Nb::new();
    a.ok(&["add", "case", "--title", "Kept"]);
    let old = a.beside("old.db");
    Connection::open(&a.db)
        .unwrap()
        .execute("VACUUM INTO ?1", [old.to_str().unwrap()])
        .unwrap();
    a.ok(&["add", "case", "--title", "Later"]);
    let b = Nb::new();
    b.ok(&["init"]);
    let first = export(&a, "first.db", &["--all"]);
    let out = b
        .cmd()
        .args(["merge", "--trust-new", first.to_str().unwrap()])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"));
    // A's notebook swapped for the older copy, then exported again: the
    // file is well signed, but the log it comes from went back.
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", a.db.display()));
    }
    std::fs::rename(&old, &a.db).unwrap();
    let second = export(&a, "second.db", &["--all"]);
    let out = b
        .cmd()
        .args(["merge", "--trust-new", second.to_str().unwrap()])
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: the notebook this file comes from: its log stands at entry")
            && err.contains("rolled back to an older copy"),
        "{err}"
    );
}

/// An older export merged after a newer one was seen (here: a notebook
/// this account also writes, whose own entries the account checkpoints)
/// is an older copy, not a rolled-back log: no warning (it said "newest
/// entries were removed there, or the notebook was rolled back").
#[test]
fn an_older_export_merged_after_a_newer_entry_was_seen_is_no_rollback() {
    let post = Nb::new();
    post.ok(&["--as", "aigul", "init"]);
    post.ok(&["--as", "aigul", "add", "case", "--title", "Series"]);
    let monday = export(&post, "monday.db", &["--case", "C-0001"]);
    post.ok(&["--as", "aigul", "add", "case", "--title", "Next lead"]);
    let desk = post.beside("desk.db");
    post.cmd_on(&desk)
        .args(["--as", "marat", "init"])
        .assert()
        .success();
    let out = post
        .cmd_on(&desk)
        .args([
            "--as",
            "marat",
            "merge",
            "--trust-new",
            monday.to_str().unwrap(),
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("rolled back"), "{err}");
}

#[test]
fn of_records_refused_in_batches_checked_apart_the_first_in_the_file_is_named() {
    // Thousands of parcels: the check as typed input takes them in
    // batches, on more than one thread, and a later batch's refusal may be
    // found before an earlier one's.
    let a = Nb::new();
    a.ok(&["demo", "--parcels", "3000"]);
    let file = export(&a, "many.db", &["--all"]);
    let nth = |n: usize| -> String {
        Connection::open(&file)
            .unwrap()
            .query_row(
                "SELECT tracking FROM parcels ORDER BY rowid LIMIT 1 OFFSET ?1",
                [n as i64],
                |r| r.get(0),
            )
            .unwrap()
    };
    // The early one refused as typed input (on a checking thread), the
    // later for its lost provenance as it is read, a few batches on:
    // often found first, and it stops the reading, not the checking of
    // what was read before it.
    let (early, late) = (nth(900), nth(1150));
    let bad = resigned(
        &file,
        "bad.db",
        &format!(
            "UPDATE parcels SET concealment = printf('%.5000c', 'x') WHERE tracking = '{early}';
             UPDATE parcels SET created_at = '' WHERE tracking = '{late}';"
        ),
    );
    let b = Nb::new();
    b.ok(&["init"]);
    let before = content(&b.db);
    for _ in 0..3 {
        let err = b.fails(&["merge", "--trust-new", bad.to_str().unwrap()]);
        assert!(
            err.contains(&format!("parcel {early}")) && err.contains("nothing was merged"),
            "{err}"
        );
    }
    assert_eq!(content(&b.db), before, "not one step was written");
}

#[test]
fn a_file_with_a_record_that_could_never_be_merged_is_refused_whole() {
    let a = officer_a();
    let file = export(&a, "tea.db", &["--all"]);
    // A field longer than any typed one may be, signed by whoever made it:
    // the merge in steps would otherwise stop at it, half written.
    let long = resigned(
        &file,
        "long.db",
        "UPDATE parcels SET concealment = printf('%.5000c', 'x') WHERE tracking = 'RR123456785KZ';",
    );
    let b = Nb::new();
    b.ok(&["init"]);
    let before = content(&b.db);
    let err = b.fails(&["merge", "--trust-new", long.to_str().unwrap()]);
    assert!(
        err.contains("parcel RR123456785KZ") && err.contains("nothing was merged"),
        "{err}"
    );
    assert_eq!(content(&b.db), before, "not one step was written");
    // Two such records: the refusal names the first in the file's order,
    // whichever part of the check finds the other (the check as typed
    // input runs on a thread of its own, and the lost provenance of the
    // second is found as it is read).
    let two = resigned(
        &file,
        "two.db",
        "UPDATE parcels SET concealment = printf('%.5000c', 'x') WHERE tracking = 'RR473124829KZ';
         UPDATE parcels SET created_at = '' WHERE tracking = 'RR123456785KZ';",
    );
    let err = b.fails(&["merge", "--trust-new", two.to_str().unwrap()]);
    assert!(
        err.contains("parcel RR473124829KZ") && err.contains("concealment"),
        "{err}"
    );
    assert_eq!(content(&b.db), before, "not one step was written");
    // A result that names the finding's own substance as another: refused,
    // named.
    let own = resigned(
        &file,
        "own.db",
        "INSERT INTO lab_results (id, finding_id, laboratory, reference, method, outcome, identified, created_at, created_by, updated_at, updated_by, origin_db)
         SELECT x'01a24a31000070008000000000000001', id, 'CFL', 'CFL-9', 'GC-MS', 'other-substance', 'Fentanyl', created_at, created_by, updated_at, updated_by, origin_db FROM findings;",
    );
    let err = b.fails(&["merge", "--trust-new", own.to_str().unwrap()]);
    assert!(
        err.contains("own substance") && err.contains("nothing was merged"),
        "{err}"
    );
    assert_eq!(content(&b.db), before, "not one step was written");
    // A finding held here made lab-confirmed without a laboratory result
    // that confirms it: refused. (One new here may come lab-confirmed:
    // findings were, by a test reference alone, before results were
    // recorded, and upgraded notebooks hold them.)
    let c = Nb::new();
    c.ok(&["init"]);
    merge(&c, &file);
    let held = content(&c.db);
    let confirmed = resigned(
        &file,
        "confirmed.db",
        "UPDATE findings SET identification = 'lab-confirmed';",
    );
    let err = c.fails(&["merge", "--trust-new", confirmed.to_str().unwrap()]);
    assert!(
        err.contains("lab-confirmed without a laboratory result")
            && err.contains("nothing was merged"),
        "{err}"
    );
    assert_eq!(content(&c.db), held, "not one step was written");
    // Browsed, the same file is refused too, before a row is indexed: read
    // as it came, one such value (a note of ten million characters) made a
    // search of the file take gigabytes.
    let mut c = b.cmd_on(&long);
    c.args(["--read-only", "search", "xxxxxxxxxxxxxxxx"]);
    let err = c.assert().failure().get_output().stderr.clone();
    let err = String::from_utf8_lossy(&err);
    assert!(
        err.contains("its concealment holds 5000 characters") && err.contains("1000"),
        "{err}"
    );
    // The file as it was signed merges.
    assert_eq!(counts(&merge(&b, &file))[0], 7);
}

/// Runs the binary as `user` with `nb`'s data directory (and key).
fn as_user(nb: &Nb, user: &str, db: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    let mut c = nb.cmd_on(db);
    c.env("INTERDICT_USER", user).args(args).assert()
}

fn stderr(a: assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.failure().get_output().stderr).into_owned()
}

fn stdout(a: assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.success().get_output().stdout).into_owned()
}

#[test]
fn signers_are_known_not_just_valid() {
    let a = officer_a();
    let file = export(&a, "tea.db", &["--case", "C-0001"]);
    let a_fp = a.json(&["keys", "show"])["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let b = Nb::new();
    b.ok(&["init"]);
    let before = content(&b.db);

    // A key b does not know: refused, saying its fingerprint and how to
    // trust it; nothing written. (As another name than the signer's: in
    // its own name, the refusal says so, below.)
    let err = b.fails(&["--as", "bob", "merge", file.to_str().unwrap()]);
    assert!(
        err.contains("a key you do not know")
            && err.contains(&a_fp)
            && err.contains(&format!("interdict keys trust {a_fp} --name "))
            && err.contains("--trust-new"),
        "{err}"
    );
    assert_eq!(content(&b.db), before);
    // Browsing it read-only is allowed, with the same warning shown.
    let listed = stdout(
        b.cmd_on(&file)
            .args(["--read-only", "list", "parcels"])
            .assert(),
    );
    assert!(listed.contains("RR473124829KZ"), "{listed}");

    // Trusted from the file it signed: listed, then merged without asking.
    let t = b.json(&["keys", "trust", file.to_str().unwrap()]);
    assert_eq!(t["trusted"]["fingerprint"], a_fp.as_str());
    // (The name is the one the signer writes as: their user name, and the
    // login it was given on, when the two differ.)
    assert!(
        t["trusted"]["name"].as_str().unwrap().starts_with("tester"),
        "{t}"
    );
    let list = b.json(&["keys", "list"]);
    assert_eq!(list["known"][0]["fingerprint"], a_fp.as_str());
    assert!(
        list["known"][0]["trusted_by"]
            .as_str()
            .unwrap()
            .starts_with("tester")
    );
    let r = b.json(&["merge", file.to_str().unwrap()]);
    assert_eq!(r["added"], 7, "{r}");

    // Someone else signing in the same name with a key of their own: refused
    // with both fingerprints, even when told to accept new keys.
    let mallory = Nb::new();
    mallory.ok(&["add", "case", "--title", "Operation Tea, forged"]);
    let forged = export(&mallory, "forged.db", &["--case", "C-0001"]);
    let m_fp = mallory.json(&["keys", "show"])["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let err = b.fails(&["merge", "--trust-new", forged.to_str().unwrap()]);
    assert!(
        err.contains("with a new key") && err.contains(&a_fp) && err.contains(&m_fp),
        "{err}"
    );
    assert!(!b.ok(&["list", "cases"]).contains("forged"));

    // A key unknown under a name unknown is accepted once with --trust-new
    // (and still unknown after).
    let c = Nb::new();
    as_user(
        &c,
        "carol",
        &c.db,
        &["add", "case", "--title", "Carol's lead"],
    )
    .success();
    let carols = c.beside("carol.db");
    as_user(
        &c,
        "carol",
        &c.db,
        &[
            "export",
            "--case",
            "C-0001",
            "--out",
            carols.to_str().unwrap(),
        ],
    )
    .success();
    let once = b
        .cmd()
        .args(["merge", "--trust-new", carols.to_str().unwrap()])
        .assert()
        .success();
    let said = String::from_utf8_lossy(&once.get_output().stderr).into_owned();
    assert!(said.contains("accepted this once"), "{said}");
    assert!(
        b.fails(&["merge", carols.to_str().unwrap()])
            .contains("do not know")
    );

    // Revoked: refused from then on, and not trusted again by accident.
    let r = b.json(&["keys", "revoke", &a_fp]);
    assert_eq!(r["revoked"][0]["fingerprint"], a_fp.as_str());
    let err = b.fails(&["merge", "--trust-new", file.to_str().unwrap()]);
    assert!(err.contains("revoked"), "{err}");
    assert!(
        b.fails(&["keys", "trust", file.to_str().unwrap()])
            .contains("revoked")
    );

    // By fingerprint, the name is needed; nonsense is refused by name.
    let err = b.fails(&["keys", "trust", &m_fp]);
    assert!(err.contains("--name"), "{err}");
    assert!(
        b.fails(&["keys", "trust", "SHA256:nope"])
            .contains("neither a file")
    );
}

#[test]
fn audit_verify_judges_the_keys_that_sealed_a_shared_notebook() {
    // Alice and Bob write one notebook, each with the key in their own
    // data directory.
    let alice = Nb::new();
    let bob = Nb::new();
    let db = alice.db.clone();
    as_user(&alice, "alice", &db, &["add", "case", "--title", "Shared"]).success();
    as_user(
        &bob,
        "bob",
        &db,
        &["add", "note", "--on", "C-0001", "--text", "seen"],
    )
    .success();
    // Bob does not know Alice's key yet: said, not a failure.
    let out = stdout(as_user(&bob, "bob", &db, &["audit", "verify"]));
    assert!(
        out.contains("note:") && out.contains("a key you do not know"),
        "{out}"
    );
    let v: Value = serde_json::from_str(&stdout(as_user(
        &bob,
        "bob",
        &db,
        &["audit", "verify", "--format", "json"],
    )))
    .unwrap();
    assert_eq!(v["unknown_sealers"].as_array().unwrap().len(), 1, "{v}");
    // Told Alice's fingerprint, Bob trusts it: nothing left to say.
    let a_fp = alice.json(&["keys", "show"])["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let alice_as = v["seals"]["sealers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["fingerprint"] == a_fp.as_str())
        .unwrap()["actor"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(alice_as.starts_with("alice"), "{alice_as}");
    as_user(
        &bob,
        "bob",
        &db,
        &["keys", "trust", &a_fp, "--name", &alice_as],
    )
    .success();
    let out = stdout(as_user(&bob, "bob", &db, &["audit", "verify"]));
    assert!(!out.contains("do not know"), "{out}");
    // Mallory, with write access and a key of her own, writes as Alice:
    // Bob's verify fails, naming the key that is not the one he knows.
    let mallory = Nb::new();
    as_user(
        &mallory,
        "alice",
        &db,
        &["add", "note", "--on", "C-0001", "--text", "nothing here"],
    )
    .success();
    let err = stderr(as_user(&bob, "bob", &db, &["audit", "verify"]));
    assert!(
        err.contains("seal problem") && err.contains("with a new key") && err.contains(&a_fp),
        "{err}"
    );
}

#[test]
fn messages_name_the_real_cause() {
    let a = officer_a();
    let file = export(&a, "tea.db", &["--case", "C-0001"]);
    // An existing output is named as such, not as a database problem.
    let err = a.fails(&[
        "export",
        "--case",
        "C-0001",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(
        err.contains("the file exists") && !err.contains("cannot open the database"),
        "{err}"
    );
    let b = Nb::new();
    b.ok(&["init"]);
    // A signature table taken out: unsigned.
    let cut = tampered(&file, "cut.db", |t| {
        rusqlite::Connection::open(t)
            .unwrap()
            .execute_batch("DROP TABLE export_signature")
            .unwrap();
    });
    let err = b.fails(&["merge", "--trust-new", cut.to_str().unwrap()]);
    assert!(err.contains("unsigned"), "{err}");
    // An identity file that cannot be read is an identity problem.
    let id = b.beside("id.txt");
    let out = b.json(&["keys", "new-identity", "--out", id.to_str().unwrap()]);
    let sealed = export(
        &a,
        "tea.age",
        &[
            "--case",
            "C-0001",
            "--encrypt-to",
            out["recipient"].as_str().unwrap(),
        ],
    );
    let err = b.fails(&[
        "merge",
        sealed.to_str().unwrap(),
        "--identity",
        "/no/such/identity",
    ]);
    assert!(
        err.contains("cannot read the identity file") && !err.contains("cannot open the database"),
        "{err}"
    );
}

#[test]
fn a_received_record_must_be_one_typed_input_could_have_made() {
    let a = officer_a();
    let file = export(&a, "tea.db", &["--all"]);
    let b = Nb::new();
    b.ok(&["add", "case", "--title", "Local case"]);
    let before = content(&b.db);
    let refuse = |sql: &str, name: &str, why: &[&str]| {
        let f = resigned(&file, name, sql);
        let err = b.fails(&["merge", "--trust-new", f.to_str().unwrap()]);
        for w in why {
            assert!(err.contains(w), "{name}: {w:?} not in {err}");
        }
        assert!(err.contains("nothing was merged"), "{name}: {err}");
        assert_eq!(content(&b.db), before, "{name}: something was written");
        // Nor does a dry run take it.
        let err = b.fails(&["merge", "--trust-new", "--dry-run", f.to_str().unwrap()]);
        assert!(
            err.contains("nothing was merged"),
            "{name} (dry run): {err}"
        );
    };
    // Values as typed input would never store them: a tracking number not
    // in its stored form, a country by name, a status in capitals, a date
    // the day-first way.
    refuse(
        "UPDATE parcels SET tracking = 'rr 123456785 kz' WHERE tracking = 'RR123456785KZ';",
        "tracking.db",
        &["tracking", "not as interdict stores it"],
    );
    refuse(
        "UPDATE parcels SET origin = 'china' WHERE tracking = 'RR123456785KZ';",
        "origin.db",
        &["origin"],
    );
    refuse(
        "UPDATE parcels SET status = 'SEIZED' WHERE tracking = 'RR123456785KZ';",
        "status.db",
        &["status"],
    );
    // Provenance that no writer makes: a name of 5,000 characters, a time
    // that is not one, a name with a control character.
    refuse(
        "UPDATE parcels SET created_by = printf('%.5000c', 'x') WHERE tracking = 'RR123456785KZ';",
        "author.db",
        &["created_by", "at most 200"],
    );
    refuse(
        "UPDATE parcels SET updated_at = 'yesterday' WHERE tracking = 'RR123456785KZ';",
        "time.db",
        &["updated_at", "not a time"],
    );
    refuse(
        "UPDATE parcels SET updated_by = 'eve' || char(27) || ']0;x' WHERE tracking = 'RR123456785KZ';",
        "escape.db",
        &["updated_by", "U+001B"],
    );
    // A name or a title holding one (typed input refuses them since
    // 2026-12-07: it took an escape in any text but provenance).
    refuse(
        "UPDATE parcels SET recipient_name = 'Bob' || char(27) || '[2J' WHERE tracking = 'RR123456785KZ';",
        "name-escape.db",
        &["recipient_name", "U+001B"],
    );
    refuse(
        "UPDATE cases SET title = 'Op ' || char(7);",
        "title-bell.db",
        &["title", "U+0007"],
    );
    // A derived field that does not follow from the others.
    refuse(
        "UPDATE parcels SET tracking_kind = 'waybill' WHERE tracking = 'RR123456785KZ';",
        "derived.db",
        &["tracking_kind", "does not follow"],
    );
    // A record with the id of an item of another kind here (the local
    // case's), and a link that names a parcel as a case.
    let local_case: Vec<u8> = Connection::open(&b.db)
        .unwrap()
        .query_row("SELECT id FROM cases", [], |r| r.get(0))
        .unwrap();
    let hex: String = local_case.iter().map(|b| format!("{b:02x}")).collect();
    refuse(
        &format!("UPDATE parcels SET id = x'{hex}' WHERE tracking = 'RR123456785KZ';"),
        "kind.db",
        &["id of a case of this notebook"],
    );
    refuse(
        "UPDATE links SET to_kind = 'case' WHERE link_type = 'includes';",
        "ends.db",
        &["as a case, which is a parcel"],
    );
    // A link whose type does not fit its ends (an edit made one until
    // 2026-12-07, and it travelled on).
    refuse(
        "UPDATE links SET link_type = 'analogue-of' WHERE link_type = 'includes';",
        "type.db",
        &["link_type", "joins two substances"],
    );
    // The file as it was signed merges.
    merge(&b, &file);
    let before = content(&b.db);
    // A finding held here, made lab-confirmed without the result that
    // confirms it.
    let lab = resigned(
        &file,
        "lab.db",
        "UPDATE findings SET identification = 'lab-confirmed';",
    );
    let err = b.fails(&["merge", "--trust-new", lab.to_str().unwrap()]);
    assert!(
        err.contains("lab-confirmed without a laboratory result")
            && err.contains("nothing was merged"),
        "{err}"
    );
    assert_eq!(content(&b.db), before);
}

#[test]
fn a_name_to_write_as_is_one_line_of_visible_characters() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let err = nb.fails(&["--as", &"x".repeat(5000), "add", "case", "--title", "T"]);
    assert!(err.contains("--as") && err.contains("at most 200"), "{err}");
    let err = nb.fails(&["--as", "eve\u{1b}]0;x\u{7}", "add", "case", "--title", "T"]);
    assert!(err.contains("--as") && err.contains("U+001B"), "{err}");
    assert!(!err.contains('\u{1b}'), "the message echoes it raw");
    nb.ok(&["--as", "Айгерим Сапарова", "add", "case", "--title", "T"]);
}

#[test]
fn a_signer_name_changed_after_signing_is_refused() {
    let a = officer_a();
    let file = export(&a, "tea.db", &["--case", "C-0001"]);
    let renamed = tampered(&file, "renamed.db", |t| {
        Connection::open(t)
            .unwrap()
            .execute("UPDATE export_signature SET signer = 'chief'", [])
            .unwrap();
    });
    let b = Nb::new();
    b.ok(&["init"]);
    let err = b.fails(&["merge", "--trust-new", renamed.to_str().unwrap()]);
    assert!(
        err.contains("the signer's name was changed after signing"),
        "{err}"
    );
    merge(&b, &file);
}

/// An export holds each record once: its history from the notebook it
/// came from travels with it (and ends in the state it is in), without an
/// audit entry of the file's own per record. `audit verify` on the file
/// reads that history, and still names a record changed in the file or
/// one whose history was taken away.
#[test]
fn exported_records_are_proven_by_the_history_they_carry() {
    let a = officer_a();
    let file = export(&a, "all.db", &["--all"]);
    let c = Connection::open(&file).unwrap();
    let n = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(n("SELECT count(*) FROM parcels"), 2);
    assert_eq!(
        n(&format!(
            "SELECT count(*) FROM audit WHERE item_kind = {}",
            interdict::store::audit::names::Name::Kind.sql("parcel")
        )),
        0,
        "no copy of each record's state in the file's own log"
    );
    assert!(
        n(&format!(
            "SELECT count(*) FROM received_audit WHERE item_kind = {}",
            interdict::store::audit::names::Name::Kind.sql("parcel")
        )) >= 2
    );
    drop(c);
    // The file as received: intact.
    let b = Nb::new();
    let verified = b.read_only(&file, &["audit", "verify"]);
    assert!(!verified.contains("outside interdict"), "{verified}");
    // A copy changed behind the signature's back (a receiver would refuse
    // it for its content hash; the records' check names it too).
    let check = |sql: &str| -> Vec<String> {
        let copy = a.beside("changed.db");
        let _ = std::fs::remove_file(&copy);
        std::fs::copy(&file, &copy).unwrap();
        let c = Connection::open(&copy).unwrap();
        c.execute_batch(sql).unwrap();
        interdict::store::integrity::check(&c).unwrap().problems
    };
    assert_eq!(check(""), Vec::<String>::new());
    // Exported again from the export, browsed read-only: its records hold
    // no entry of their own there either; their history still proves them.
    let again = b.beside("again.db");
    b.read_only(
        &file,
        &["export", "--all", "--out", again.to_str().unwrap()],
    );
    let verified = b.read_only(&again, &["audit", "verify"]);
    assert!(!verified.contains("outside interdict"), "{verified}");
    let changed =
        check("UPDATE parcels SET declared_contents = 'books' WHERE tracking = 'RR473124829KZ'");
    assert!(
        changed.len() == 1 && changed[0].contains("differs from its last audited state"),
        "{changed:?}"
    );
    // A row deleted from the file, its history left: named (it passed).
    let gone =
        check("PRAGMA foreign_keys = OFF; DELETE FROM parcels WHERE tracking = 'RR473124829KZ'");
    assert!(
        gone.iter().any(|p| p.starts_with("parcel ")
            && p.contains("is missing: its history from the notebook the file was exported from")),
        "{gone:?}"
    );
    let orphan = check(
        "DELETE FROM received_audit WHERE item_id = (SELECT id FROM parcels WHERE tracking = 'RR123456785KZ')",
    );
    assert!(
        orphan.len() == 1 && orphan[0].contains("has no audit entry"),
        "{orphan:?}"
    );
}

/// A record changed with the sqlite3 shell (outside interdict, so outside
/// its history) is no record a file vouches for: its export is refused,
/// naming it and the field; and a file signed with such a record in it
/// (its maker's own doing) is refused by its receiver, which holds
/// nothing of it.
#[test]
fn a_record_changed_outside_interdict_is_neither_exported_nor_merged() {
    let a = officer_a();
    let clean = export(&a, "clean.db", &["--all"]);
    let c = Connection::open(&a.db).unwrap();
    c.execute(
        "UPDATE parcels SET recipient_phone = '+77770000000' WHERE tracking = 'RR473124829KZ'",
        [],
    )
    .unwrap();
    drop(c);
    let out = a.beside("changed.db");
    let err = a.fails(&["export", "--all", "--out", out.to_str().unwrap()]);
    assert!(
        err.contains("RR473124829KZ")
            && err.contains("differs from its last audited state in recipient_phone")
            && err.contains("nothing was exported"),
        "{err}"
    );
    assert!(!out.exists(), "no file left behind");
    // The same change made in a file, signed again by its maker.
    let file = resigned(
        &clean,
        "resigned.db",
        "UPDATE parcels SET recipient_phone = '+77770000000' WHERE tracking = 'RR473124829KZ';",
    );
    let b = Nb::new();
    b.ok(&["init"]);
    let before = content(&b.db);
    let err = b.fails(&["merge", "--trust-new", file.to_str().unwrap()]);
    assert!(
        err.contains("RR473124829KZ")
            && err.contains("differs from its last audited state in recipient_phone")
            && err.contains("nothing was merged"),
        "{err}"
    );
    assert_eq!(content(&b.db), before, "nothing of the file was written");
    assert_eq!(b.count("parcels"), 0);
}

/// The history of a record browsed in an export, or merged, is its whole
/// history: the entries of the notebook it came from, named by who
/// exported it, beside this notebook's own.
#[test]
fn a_records_history_shows_where_each_entry_was_written() {
    let a = officer_a();
    a.ok(&[
        "edit",
        "RR473124829KZ",
        "--set",
        "declared_contents=tea and biscuits",
    ]);
    let file = export(&a, "hist.db", &["--case", "C-0001"]);
    let b = Nb::new();
    let read = |args: &[&str]| b.read_only(&file, args);
    let log: Value = serde_json::from_str(&read(&[
        "audit",
        "log",
        "RR473124829KZ",
        "--format",
        "json",
    ]))
    .unwrap();
    let actions = common::strings(&log, "action");
    assert_eq!(actions, ["create", "update"], "{log}");
    assert!(log[0]["from_db"].is_string(), "{log}");
    let table = read(&["audit", "log", "RR473124829KZ"]);
    assert!(
        table.contains("\"tea samples\" -> \"tea and") && table.contains("tester"),
        "the edit, in the exporter's log: {table}"
    );
    // Merged: the notebook's own entry and the exporter's, in time order.
    merge(&b, &file);
    let log = b.json(&["audit", "log", "RR473124829KZ"]);
    let rows: Vec<(&str, bool)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["from_db"].is_string()))
        .collect();
    assert_eq!(
        rows,
        [("create", true), ("update", true), ("merge", false)],
        "{log}"
    );
    let table = b.ok(&["audit", "log", "RR473124829KZ"]);
    assert!(table.contains("here"), "{table}");
}

#[test]
fn a_merge_says_it_is_done_once() {
    use interdict::exchange::{merge as merging, received};
    let a = officer_a();
    let file = export(&a, "tea.db", &["--case", "C-0001"]);
    let b = Nb::new();
    b.ok(&["init"]);
    merge(&b, &file);
    let mut store =
        interdict::store::Store::open(&b.db, interdict::store::OpenOptions::new("t")).unwrap();
    // Again, its kinds held whole (counted, not read), then a copy of
    // other bytes: each progress goes up, and "all done" is said once.
    let copy = tampered(&file, "copy.db", |_| {});
    for f in [&file, &copy] {
        let rec = received::open(f, None).unwrap();
        let mut said = Vec::new();
        merging::merge(&mut store, &rec, false, &mut |d, t| said.push((d, t))).unwrap();
        assert_eq!(said.iter().filter(|(d, t)| d == t).count(), 1, "{said:?}");
        assert!(said.windows(2).all(|w| w[0].0 <= w[1].0), "{said:?}");
    }
}

/// Writers' names are stored as keys of each file's own (`writers`,
/// schema 23): a notebook whose first writer is someone else gives its
/// keys to other names, and a merged record and its history still name
/// whoever wrote them, in the export file and in the notebook merged
/// into. Every name in either file is stored as a key of a byte or two.
#[test]
fn writers_names_travel_by_name_though_each_file_keys_them_its_own_way() {
    let a = officer_a();
    let file = export(&a, "tea.db", &["--case", "C-0001"]);
    let b = Nb::new();
    // (B's own writer first, so B's first keys are not A's.)
    let mut cmd = b.cmd();
    cmd.env("INTERDICT_USER", "bob")
        .args(["add", "case", "--title", "Operation Bob"]);
    cmd.assert().success();
    merge(&b, &file);
    verified(&b);
    let parcel = b.json(&["show", "RR473124829KZ"]);
    let a_name = parcel["created_by"].as_str().unwrap().to_string();
    assert!(a_name.starts_with("tester"), "{a_name}");
    // (Bob's case keeps C-0001; the merged one is renumbered.)
    let bobs = b.json(&["show", "C-0001"]);
    assert!(
        bobs["created_by"].as_str().unwrap().starts_with("bob"),
        "{bobs}"
    );
    let log = b.ok(&["audit", "log", "RR473124829KZ"]);
    assert!(log.contains(&a_name), "{log}");
    assert!(!log.contains("bob"), "{log}");
    for db in [&b.db, &file] {
        let c = Connection::open(db).unwrap();
        let names: Vec<String> = c
            .prepare("SELECT name FROM writers ORDER BY k")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(names.contains(&a_name), "{names:?}");
        for (table, col) in interdict::store::writers::columns() {
            let unkeyed: i64 = c
                .query_row(
                    &format!(
                        "SELECT count(*) FROM {table}
                          WHERE NOT (typeof({col}) = 'blob' AND length({col}) <= 2)
                            AND {col} <> ''"
                    ),
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(unkeyed, 0, "{table}.{col} in {}", db.display());
        }
    }
    let c = Connection::open(&b.db).unwrap();
    let first: String = c
        .query_row("SELECT name FROM writers ORDER BY k LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_ne!(first, a_name, "B keyed its own writers first");
}

/// A received parcel whose tracking number a parcel here already has
/// (two posts that each recorded it) is kept beside it and said, by
/// both ids: it was added without a word, and the number then named
/// two parcels.
#[test]
fn a_received_parcel_beside_one_of_the_same_tracking_number_is_said() {
    let a = Nb::new();
    a.ok(&["add", "case", "--title", "Steppe"]);
    a.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--weight",
        "450",
        "--case",
        "C-0001",
    ]);
    let file = export(&a, "x.db", &["--case", "C-0001"]);
    let b = Nb::new();
    b.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--weight",
        "999",
    ]);
    let here = b.json(&["show", "RR123456785KZ"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let text = b.ok(&["merge", "--trust-new", common::s(&file)]);
    assert!(
        text.contains("parcel RR123456785KZ was added beside this notebook's parcel of the same tracking number")
            && text.contains(&here),
        "{text}"
    );
    let v = b.json(&["merge", "--dry-run", "--trust-new", common::s(&file)]);
    assert!(
        v["same_tracking"].as_array().unwrap().is_empty(),
        "merged before: {v}"
    );
    assert_eq!(b.count("parcels"), 2);
}

/// A notebook with case C-0001 (AMBER) holding these leads, each graded
/// 2BP and sourced to agent K.
fn graded_leads(texts: &[&str]) -> Nb {
    let a = Nb::new();
    a.ok(&["add", "case", "--title", "Steppe", "--tlp", "AMBER"]);
    for text in texts {
        a.ok(&[
            "add", "note", "--on", "C-0001", "--text", text, "--lead", "--grade", "2BP",
            "--source", "agent K",
        ]);
    }
    a
}

/// A redacted export of notes the receiver has in full is no edit of
/// them: merged after the full one it changed nothing (it filed a
/// conflict "edited on both sides", and taking theirs erased the grading).
#[test]
fn a_redacted_file_after_a_full_one_changes_nothing() {
    let a = graded_leads(&["informant says X"]);
    let b = Nb::new();
    merge(&b, &export(&a, "full.db", &["--case", "C-0001"]));
    let v = merge(
        &b,
        &export(&a, "redacted.db", &["--case", "C-0001", "--redact-sources"]),
    );
    assert_eq!(v["conflicts"], 0, "{v}");
    let notes = b.json(&["list", "notes"]);
    assert_eq!(notes[0]["source"], "agent K", "{notes}");
    assert_eq!(notes[0]["source_grade"], "2", "{notes}");
}

/// Redacted notes a partner sends back are merged against the version
/// they had stripped: one untouched is unchanged, one whose text they
/// edited takes their text and keeps the source and grading here (each
/// was a conflict of the whole, and taking theirs erased the grading). A
/// full export sent them later gives them the source and grading with
/// their own text, without a conflict.
#[test]
fn redacted_notes_sent_back_keep_their_sources_here() {
    let a = graded_leads(&["informant says X", "informant says Y"]);
    let b = Nb::new();
    merge(
        &b,
        &export(&a, "redacted.db", &["--case", "C-0001", "--redact-sources"]),
    );
    let edited = b
        .json(&["list", "notes"])
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["text"] == "informant says X")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    b.ok(&[
        "edit",
        &edited,
        "--set",
        "text=informant says X, seen again",
    ]);
    let v = merge(&a, &export(&b, "back.db", &["--all"]));
    assert_eq!(
        (v["conflicts"].as_u64(), v["updated"].as_u64()),
        (Some(0), Some(1)),
        "{v}"
    );
    let notes = a.json(&["list", "notes"]);
    let texts: Vec<&str> = notes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.contains(&"informant says X, seen again") && texts.contains(&"informant says Y"),
        "{notes}"
    );
    for n in notes.as_array().unwrap() {
        assert_eq!(
            (&n["source"], &n["source_grade"], &n["handling"]),
            (&"agent K".into(), &"2".into(), &"P".into()),
            "{n}"
        );
    }
    let v = merge(&b, &export(&a, "full.db", &["--all"]));
    assert_eq!(v["conflicts"], 0, "{v}");
    for n in b.json(&["list", "notes"]).as_array().unwrap() {
        assert_eq!(n["source"], "agent K", "{n}");
    }
    for nb in [&a, &b] {
        nb.ok(&["audit", "verify"]);
        common::assert_consistent(&nb.db);
    }
}

/// A note's text edit sent in a redacted file to a post that holds the
/// note in full is taken there with the source and grading it holds (it
/// was a conflict whose incoming side emptied them, and, taken, the wipe
/// went back to the note's author); and an older redacted file after a
/// newer full one changes nothing.
#[test]
fn a_redacted_edit_is_taken_with_the_sources_held() {
    let a = graded_leads(&["informant says X"]);
    let b = Nb::new();
    merge(&b, &export(&a, "full.db", &["--case", "C-0001"]));
    let old_redacted = export(
        &a,
        "old-redacted.db",
        &["--case", "C-0001", "--redact-sources"],
    );
    let id = a.json(&["list", "notes"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    a.ok(&["edit", &id, "--set", "text=informant says X, corrected"]);
    let v = merge(
        &b,
        &export(&a, "redacted.db", &["--case", "C-0001", "--redact-sources"]),
    );
    assert_eq!(
        (v["conflicts"].as_u64(), v["updated"].as_u64()),
        (Some(0), Some(1)),
        "{v}"
    );
    let note = &b.json(&["list", "notes"])[0];
    assert_eq!(note["text"], "informant says X, corrected", "{note}");
    assert_eq!(
        (&note["source"], &note["handling"]),
        (&"agent K".into(), &"P".into()),
        "{note}"
    );
    let v = merge(&b, &old_redacted);
    assert_eq!(
        (v["conflicts"].as_u64(), v["updated"].as_u64()),
        (Some(0), Some(0)),
        "{v}"
    );
    assert_eq!(
        b.json(&["list", "notes"])[0]["text"],
        "informant says X, corrected"
    );
    let v = merge(&a, &export(&b, "back.db", &["--all"]));
    assert_eq!(
        (v["conflicts"].as_u64(), v["updated"].as_u64()),
        (Some(0), Some(0)),
        "{v}"
    );
    assert_eq!(a.json(&["list", "notes"])[0]["source"], "agent K");
}

/// A case's export counts the substances its file holds (the catalogue
/// every notebook is made with, besides the case's), as the receiver's
/// merge counts them: it said "1 substance" of a file of 305, and the
/// merge counted 305 unchanged of items the export never named.
#[test]
fn a_case_export_counts_the_substances_its_file_holds() {
    let a = Nb::new();
    a.ok(&["add", "case", "--title", "Steppe"]);
    a.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--case",
        "C-0001",
    ]);
    a.ok(&[
        "add",
        "finding",
        "--parcel",
        "RR123456785KZ",
        "--substance",
        "mephedrone",
    ]);
    let f = a.beside("case.db");
    let v = a.json(&["export", "--case", "C-0001", "--out", common::s(&f)]);
    let held: i64 = Connection::open(&f)
        .unwrap()
        .query_row("SELECT count(*) FROM substances", [], |r| r.get(0))
        .unwrap();
    assert!(held > 100, "{held}");
    assert_eq!(v["manifest"]["counts"]["substance"], held, "{v}");
    let b = Nb::new();
    b.ok(&["init"]);
    let m = merge(&b, &f);
    assert_eq!(m["unchanged"].as_i64(), Some(held), "{m}");
}

/// `--redact-sources` and `--encrypt-to` hold for every export, not the
/// database file alone: a STIX bundle, a MISP event and an ANX chart
/// leave without a note's source and grading (they kept them, the flag
/// silently ignored), and each is written encrypted when asked (they
/// were written in the clear), never to a terminal.
#[test]
fn redacting_and_encrypting_hold_for_every_format() {
    let a = officer_a();
    a.ok(&[
        "add",
        "note",
        "--on",
        "RR473124829KZ",
        "--text",
        "courier changes phone weekly",
        "--source",
        "CHIS-4471 (informant)",
        "--grade",
        "2BC",
    ]);
    let modes: [&[&str]; 3] = [&["--stix"], &["--misp"], &["--graph", "anx"]];
    for mode in modes {
        let f = a.beside("redacted.out");
        let mut args = vec!["export", "--case", "C-0001", "--redact-sources", "--out"];
        args.push(f.to_str().unwrap());
        args.extend_from_slice(mode);
        a.ok(&args);
        let bytes = std::fs::read(&f).unwrap();
        let text = if mode[0] == "--graph" {
            common::anx_text(&bytes)
        } else {
            String::from_utf8(bytes).unwrap()
        };
        assert!(text.contains("courier changes phone weekly"), "{mode:?}");
        for gone in ["CHIS-4471", "2BC"] {
            assert!(!text.contains(gone), "{mode:?} kept {gone}:\n{text}");
        }
    }
    let id = a.beside("id.txt");
    let recipient = a.json(&["keys", "new-identity", "--out", id.to_str().unwrap()])["recipient"]
        .as_str()
        .unwrap()
        .to_string();
    let modes: [&[&str]; 5] = [
        &["--stix"],
        &["--misp"],
        &["--graph", "dot"],
        &["--graph", "anx"],
        &["--incident", "RR473124829KZ"],
    ];
    for mode in modes {
        let f = a.beside("sealed.out");
        let _ = std::fs::remove_file(&f);
        let mut args = vec!["export", "--encrypt-to", &recipient, "--out"];
        args.push(f.to_str().unwrap());
        if mode[0] != "--incident" {
            args.extend_from_slice(&["--case", "C-0001"]);
        }
        args.extend_from_slice(mode);
        a.ok(&args);
        let bytes = std::fs::read(&f).unwrap();
        assert!(bytes.starts_with(b"age-encryption.org/v1"), "{mode:?}");
        assert!(
            !bytes.windows(12).any(|w| w == b"RR473124829K"),
            "{mode:?}: readable"
        );
        // Not to a terminal or a pipe.
        let mut args = vec!["export", "--encrypt-to", &recipient, "--case", "C-0001"];
        if mode[0] != "--graph" || mode[1] != "anx" {
            args.retain(|a| *a != "--case" && *a != "C-0001" || mode[0] != "--incident");
            args.extend_from_slice(mode);
            let err = a.fails(&args);
            assert!(
                err.contains("--encrypt-to writes an encrypted file"),
                "{mode:?}: {err}"
            );
        }
    }
}

/// A file signed in the receiver's own name with a key that is not
/// theirs is said to be that (it read as any unknown signer), trusting
/// that key under their name is warned of (`keys trust FILE` took it
/// without a word), and one key is not trusted under two names.
#[test]
fn a_file_signed_in_your_own_name_with_another_key_is_said_so() {
    let a = officer_a();
    // Another notebook user signs as "tester" too: someone else's key.
    let b = Nb::new();
    b.ok(&["init"]);
    let f = export(&a, "as-you.db", &["--all"]);
    let err = b.fails(&["merge", f.to_str().unwrap()]);
    assert!(
        err.contains("your own name here, with a key that is not yours"),
        "{err}"
    );
    // Trusted from the file as asked, but not without a word.
    let out = b
        .cmd()
        .args(["keys", "trust", f.to_str().unwrap()])
        .assert()
        .success()
        .get_output()
        .clone();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("is your own name here and") && said.contains("is not your key"),
        "{said}"
    );
    b.ok(&["merge", f.to_str().unwrap()]);
    let fp = a.json(&["keys", "show"])["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let me = err
        .split("signed as ")
        .nth(1)
        .and_then(|r| r.split(", your own name").next())
        .unwrap()
        .to_string();
    // That key under a second name: refused, naming the first.
    let err = b.fails(&["keys", "trust", &fp, "--name", "bob"]);
    assert!(
        err.contains(&format!("is trusted already as {me}")),
        "{err}"
    );
}

/// A received file passed on: opened read-only and exported again, its
/// records stand as the first export's source left them, whatever a
/// third post's history of them says (a case renumbered at carol's came
/// first, being newest, and the file passed on was "changed outside
/// interdict": `audit verify` failed on it and every merge refused it).
#[test]
fn a_received_file_exported_again_is_proven_by_its_first_source() {
    let (alice, bob, carol) = (Nb::new(), Nb::new(), Nb::new());
    for nb in [&alice, &bob, &carol] {
        nb.ok(&["init"]);
    }
    alice.ok(&["add", "case", "--title", "Alice case", "--tlp", "GREEN"]);
    carol.ok(&["add", "case", "--title", "Carol case", "--tlp", "GREEN"]);
    let a1 = export(&alice, "a1.db", &["--all"]);
    merge(&bob, &a1);
    // At carol's, alice's case is renumbered C-0002; bob then holds
    // carol's later history of it, with her number.
    merge(&carol, &a1);
    let c1 = export(&carol, "c1.db", &["--all"]);
    merge(&bob, &c1);
    let b1 = export(&bob, "b1.db", &["--all"]);
    bob.read_only(&b1, &["audit", "verify"]);
    // carol passes bob's file on as it is
    let relayed = carol.beside("b1-relayed.db");
    carol.read_only(&b1, &["export", "--all", "--out", s(&relayed)]);
    let said = carol.read_only(&relayed, &["audit", "verify"]);
    assert!(!said.contains("outside"), "{said}");
    let v = merge(&alice, &relayed);
    assert_eq!(counts(&v), [1, 0, 306, 0], "{v}");
    verified(&alice);
    // and passed on again, its records still bob's
    let again = alice.beside("again.db");
    alice.read_only(&relayed, &["export", "--all", "--out", s(&again)]);
    alice.read_only(&again, &["audit", "verify"]);
    let d = Nb::new();
    d.ok(&["init"]);
    let v = merge(&d, &again);
    assert_eq!(v["added"], 2, "{v}");
    verified(&d);
}

/// Two posts that each linked the same two items: the merge keeps both
/// links and says so (it added the second unsaid), and each still takes
/// its own note (an edit of either was refused "that sender-of link
/// already exists", naming a field nobody changed); a change of type or
/// ends onto another link is still refused.
#[test]
fn the_same_link_made_at_two_posts_is_said_and_each_stays_editable() {
    let (alice, bob) = (Nb::new(), Nb::new());
    alice.ok(&["init"]);
    bob.ok(&["init"]);
    alice.ok(&["add", "person", "--name", "Ivan Petrov"]);
    alice.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--origin",
        "KZ",
        "--destination",
        "KZ",
    ]);
    let a1 = export(&alice, "a1.db", &["--all"]);
    merge(&bob, &a1);
    let link = |nb: &Nb, note: &str| {
        nb.ok(&[
            "add",
            "link",
            "Ivan Petrov",
            "RR123456785KZ",
            "--type",
            "sender-of",
            "--note",
            note,
        ]);
    };
    link(&alice, "alice saw the label");
    link(&bob, "bob saw the label");
    let b1 = export(&bob, "b1.db", &["--all"]);
    alice.ok(&["keys", "trust", s(&b1)]);
    let said = alice.ok(&["merge", "--dry-run", s(&b1)]);
    assert!(
        said.contains("link Ivan Petrov sender-of RR123456785KZ would be added beside this notebook's link between the same two"),
        "{said}"
    );
    let v = alice.json(&["merge", s(&b1)]);
    assert_eq!(v["added"], 1, "{v}");
    assert_eq!(v["same_link"].as_array().map(Vec::len), Some(1), "{v}");
    let links = alice.json(&["list", "links"]);
    let ids: Vec<String> = links
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["link_type"] == "sender-of")
        .map(|l| l["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2, "{links}");
    for id in &ids {
        alice.ok(&["edit", id, "--set", "note=checked at the post office"]);
        alice.ok(&["edit", id, "--set", "source_grade=2"]);
    }
    alice.ok(&[
        "add",
        "link",
        "Ivan Petrov",
        "RR123456785KZ",
        "--type",
        "recipient-of",
    ]);
    let other = alice.json(&["list", "links"]);
    let recipient = other
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["link_type"] == "recipient-of")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let err = alice.fails(&["edit", &recipient, "--set", "link_type=sender-of"]);
    assert!(err.contains("that sender-of link already exists"), "{err}");
    verified(&alice);
}

/// A partner's edit passed on by a third post comes to its origin as the
/// partner's own file brings it: taken, no conflict (the passed-on file's
/// records were judged against the relay's log, which holds none of their
/// history, and the edit was "an item edited on both sides").
#[test]
fn a_partners_edit_passed_on_by_a_third_post_is_taken_at_its_origin() {
    let (alice, bob, carol) = (Nb::new(), Nb::new(), Nb::new());
    for nb in [&alice, &bob, &carol] {
        nb.ok(&["init"]);
    }
    alice.ok(&["add", "case", "--title", "Steppe", "--tlp", "GREEN"]);
    let a1 = export(&alice, "a1.db", &["--all"]);
    merge(&bob, &a1);
    bob.ok(&["edit", "C-0001", "--set", "title=Steppe (renamed by bob)"]);
    let b1 = export(&bob, "b1.db", &["--all"]);
    let relayed = carol.beside("relayed.db");
    carol.read_only(&b1, &["export", "--all", "--out", s(&relayed)]);
    let v = merge(&alice, &relayed);
    assert_eq!(v["updated"], 1, "{v}");
    assert_eq!(v["conflicts"], 0, "{v}");
    let case = alice.json(&["show", "C-0001"]);
    assert_eq!(case["title"], "Steppe (renamed by bob)", "{case}");
    // and bob's own file after it changes nothing
    let v = merge(&alice, &b1);
    assert_eq!(counts(&v)[1..], [0, 306, 0], "{v}");
    verified(&alice);
}

/// A link said to be added beside one alike here is still alike once the
/// merge is done: the same merge may re-type the one here (it said "of
/// the same type" of a link it had just made `related-to`, and advised
/// deleting one).
#[test]
fn a_link_retyped_by_the_same_merge_is_not_said_alike() {
    let (alice, bob) = (Nb::new(), Nb::new());
    alice.ok(&["init"]);
    bob.ok(&["init"]);
    for t in ["RR123456785KZ", "RR000000005KZ"] {
        alice.ok(&["add", "parcel", "--tracking", t]);
    }
    let a1 = export(&alice, "a1.db", &["--all"]);
    merge(&bob, &a1);
    for nb in [&alice, &bob] {
        nb.ok(&[
            "add",
            "link",
            "RR123456785KZ",
            "RR000000005KZ",
            "--type",
            "same-sender-as",
        ]);
    }
    let b1 = export(&bob, "b1.db", &["--all"]);
    let v = merge(&alice, &b1);
    assert_eq!(v["same_link"].as_array().map(Vec::len), Some(1), "{v}");
    // alice makes bob's link `related-to` and sends it back with hers
    let bobs = v["same_link"][0]["received"].as_str().unwrap().to_string();
    alice.ok(&["edit", &bobs, "--set", "link_type=related-to"]);
    let a2 = export(&alice, "a2.db", &["--all"]);
    bob.ok(&["keys", "trust", s(&a2)]);
    let said = bob.ok(&["merge", s(&a2)]);
    assert!(!said.contains("of the same type"), "{said}");
    let links = bob.json(&["list", "links"]).to_string();
    assert!(
        links.contains("related-to") && links.contains("same-sender-as"),
        "{links}"
    );
}

/// A received history is as the last merge that added to it left it:
/// an entry deleted, moved past the log's end or to another log, or two
/// entries swapped, is named by `audit verify` (each passed, the one
/// moved as an entry "of the format before schema 4" that nothing
/// proved, the others without a word).
#[test]
fn a_received_history_changed_after_its_merge_is_named() {
    let a = officer_a();
    let b = Nb::new();
    b.ok(&["init"]);
    merge(&b, &export(&a, "first.db", &["--all"]));
    a.ok(&["edit", "RR473124829KZ", "--set", "weight_g=510"]);
    merge(&b, &export(&a, "second.db", &["--all"]));
    verified(&b);
    let snapshot = b.beside("snapshot.db");
    Connection::open(&b.db)
        .unwrap()
        .execute(&format!("VACUUM INTO '{}'", s(&snapshot)), [])
        .unwrap();
    let last =
        "(SELECT max(seq) FROM received_audit r WHERE r.source_db = received_audit.source_db)";
    for (what, sql) in [
        (
            "the newest entry of a log deleted",
            format!("DELETE FROM received_audit WHERE seq = {last}"),
        ),
        (
            "an entry rewritten and moved past its log's end",
            format!(
                "UPDATE received_audit SET actor = 'mallory', seq = {last} + 1000
                  WHERE seq = (SELECT min(seq) FROM received_audit)"
            ),
        ),
        (
            "an entry moved to a log of its own",
            "UPDATE received_audit SET source_db = randomblob(16)
              WHERE seq = (SELECT max(seq) FROM received_audit)"
                .to_string(),
        ),
        (
            "two entries swapped",
            "CREATE TEMP TABLE two AS SELECT source_db, seq FROM received_audit
               WHERE source_db = (SELECT source_db FROM received_audit ORDER BY seq LIMIT 1)
               ORDER BY seq LIMIT 2;
             UPDATE received_audit SET seq = -seq WHERE (source_db, seq) IN (SELECT * FROM two);
             UPDATE received_audit SET seq = (SELECT max(seq) FROM two)
               WHERE seq = -(SELECT min(seq) FROM two);
             UPDATE received_audit SET seq = (SELECT min(seq) FROM two)
               WHERE seq = -(SELECT max(seq) FROM two);"
                .to_string(),
        ),
    ] {
        let copy = b.beside("changed.db");
        let _ = std::fs::remove_file(&copy);
        std::fs::copy(&snapshot, &copy).unwrap();
        let c = Connection::open(&copy).unwrap();
        c.execute_batch(&sql).unwrap();
        drop(c);
        let out = b.cmd_on(&copy).args(["audit", "verify"]).assert().failure();
        let said = String::from_utf8_lossy(&out.get_output().stdout).into_owned()
            + &String::from_utf8_lossy(&out.get_output().stderr);
        assert!(said.contains("received history"), "{what}: {said}");
        // Nor does an export vouch for it: signed, the changed history
        // went on to every receiver as the partner's.
        let sent = b.beside("onward.db");
        let _ = std::fs::remove_file(&sent);
        let out = b
            .cmd_on(&copy)
            .args(["export", "--all", "--out", s(&sent)])
            .assert()
            .failure();
        let said = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            said.contains("received history") && said.contains("nothing was exported"),
            "{what}: {said}"
        );
        assert!(!sent.exists(), "{what}");
    }
    // Unchanged, it goes.
    b.ok(&["export", "--all", "--out", s(&b.beside("fine.db"))]);
}
