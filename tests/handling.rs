//! The handling rules on every output that leaves the notebook: a TLP:RED
//! case leaves only when named, a TLP:AMBER+STRICT one only with
//! `--amber-strict` (and is named in the manifest), and what belongs only
//! to a withheld case is withheld with it. One test per output path.

mod common;

use common::{Nb, s};
use std::path::Path;

/// C-0001 GREEN with parcel RR123456785KZ; C-0002 RED with parcel
/// RR000000014CN (only in it, with a finding); RR000000028CN in both;
/// C-0003 AMBER+STRICT with RR000000031CN.
fn notebook() -> Nb {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "Open steppe", "--tlp", "GREEN"]);
    nb.ok(&["add", "case", "--title", "Secret source", "--tlp", "RED"]);
    nb.ok(&[
        "add",
        "case",
        "--title",
        "Strict partner",
        "--tlp",
        "AMBER+STRICT",
    ]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--case",
        "C-0001",
    ]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR000000014CN",
        "--case",
        "C-0002",
    ]);
    nb.ok(&[
        "add",
        "finding",
        "--parcel",
        "RR000000014CN",
        "--substance",
        "Fentanyl",
        "--form",
        "powder",
    ]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR000000028CN",
        "--case",
        "C-0001",
    ]);
    nb.ok(&[
        "add",
        "link",
        "C-0002",
        "RR000000028CN",
        "--type",
        "includes",
    ]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR000000031CN",
        "--case",
        "C-0003",
    ]);
    nb
}

fn trackings(db: &Path) -> Vec<String> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut stmt = c
        .prepare("SELECT tracking FROM parcels ORDER BY tracking")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn an_export_of_everything_withholds_what_belongs_only_to_withheld_cases() {
    let nb = notebook();
    let out = nb.db.with_file_name("all.db");
    let said = nb.ok(&["export", "--all", "--out", s(&out)]);
    assert!(said.contains("withheld"), "{said}");
    // The RED case's own parcel and its finding stay; the parcel the
    // GREEN case includes too goes; the AMBER+STRICT case and its parcel
    // stay without the flag.
    assert_eq!(trackings(&out), ["RR000000028CN", "RR123456785KZ"]);
    let c = rusqlite::Connection::open(&out).unwrap();
    let findings: i64 = c
        .query_row("SELECT count(*) FROM findings", [], |r| r.get(0))
        .unwrap();
    assert_eq!(findings, 0);
    let titles: Vec<String> = c
        .prepare("SELECT title FROM cases ORDER BY title")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(titles, ["Open steppe"]);
    // With the flag the AMBER+STRICT case goes, named in the manifest.
    let out2 = nb.db.with_file_name("all2.db");
    let v = nb.json(&["export", "--all", "--amber-strict", "--out", s(&out2)]);
    assert_eq!(
        v["manifest"]["handling"]["amber_strict"][0], "C-0003 Strict partner",
        "{v}"
    );
    assert!(trackings(&out2).contains(&"RR000000031CN".to_string()));
}

#[test]
fn a_case_asked_for_by_name_is_refused_unless_let_go_on_every_output() {
    let nb = notebook();
    let out = nb.db.with_file_name("x.db");
    // Database export.
    let err = nb.fails(&["export", "--case", "C-0003", "--out", s(&out)]);
    assert!(
        err.contains("AMBER+STRICT") && err.contains("--amber-strict"),
        "{err}"
    );
    assert!(!out.exists());
    nb.ok(&[
        "export",
        "--case",
        "C-0003",
        "--amber-strict",
        "--out",
        s(&out),
    ]);
    // STIX.
    let err = nb.fails(&["export", "--stix", "--case", "C-0003"]);
    assert!(err.contains("--amber-strict"), "{err}");
    let bundle = nb.ok(&["export", "--stix", "--case", "C-0003", "--amber-strict"]);
    assert!(bundle.contains("\"type\": \"bundle\""));
    // Graph.
    let err = nb.fails(&["export", "--graph", "dot", "--case", "C-0002"]);
    assert!(
        err.contains("TLP:RED") && err.contains("--include-red"),
        "{err}"
    );
    let err = nb.fails(&["export", "--graph", "dot", "--case", "C-0003"]);
    assert!(err.contains("--amber-strict"), "{err}");
    let dot = nb.ok(&[
        "export",
        "--graph",
        "dot",
        "--case",
        "C-0002",
        "--include-red",
        "C-0002",
    ]);
    assert!(dot.contains("Secret source"), "{dot}");
    // The graph of the open case does not draw the RED case it touches,
    // nor the RED case's own parcel.
    let dot = nb.ok(&["export", "--graph", "dot", "--case", "C-0001"]);
    assert!(dot.contains("RR000000028CN"), "{dot}");
    assert!(
        !dot.contains("Secret source") && !dot.contains("C-0002"),
        "{dot}"
    );
    assert!(!dot.contains("RR000000014CN"), "{dot}");
}

#[test]
fn an_incident_summary_never_names_a_withheld_case() {
    let nb = notebook();
    // A parcel only the RED case includes does not leave.
    let err = nb.fails(&["export", "--incident", "RR000000014CN"]);
    assert!(
        err.contains("held back") && err.contains("--include-red"),
        "{err}"
    );
    let text = nb.ok(&[
        "export",
        "--incident",
        "RR000000014CN",
        "--include-red",
        "C-0002",
    ]);
    assert!(text.contains("C-0002"), "{text}");
    // A parcel of the open and the RED case names the open one only.
    let text = nb.ok(&["export", "--incident", "RR000000028CN"]);
    assert!(text.contains("C-0001"), "{text}");
    assert!(
        !text.contains("C-0002") && !text.contains("Secret"),
        "{text}"
    );
    // AMBER+STRICT the same way.
    let err = nb.fails(&["export", "--incident", "RR000000031CN"]);
    assert!(err.contains("--amber-strict"), "{err}");
    nb.ok(&["export", "--incident", "RR000000031CN", "--amber-strict"]);
}

/// A parcel that belongs only to a withheld case, reached from the chosen
/// case over a link, stays with its case in a case export (as `export
/// --all` keeps it back): it left with a RED case's recipient on it. The
/// STIX bundle keeps back AMBER+STRICT people and organisations without
/// `--amber-strict`, as every other output does.
#[test]
fn a_case_export_keeps_back_what_only_withheld_cases_hold_however_reached() {
    let nb = notebook();
    nb.ok(&[
        "add",
        "link",
        "RR123456785KZ",
        "RR000000014CN",
        "--type",
        "same-sender-as",
    ]);
    nb.ok(&[
        "add",
        "link",
        "RR123456785KZ",
        "RR000000031CN",
        "--type",
        "same-sender-as",
    ]);
    let out = nb.db.with_file_name("c1.db");
    let said = nb.ok(&["export", "--case", "C-0001", "--out", s(&out)]);
    assert_eq!(
        trackings(&out),
        ["RR000000028CN", "RR123456785KZ"],
        "{said}"
    );
    // With the flag, the AMBER+STRICT case's parcel goes; the RED one's
    // does not.
    let out2 = nb.db.with_file_name("c2.db");
    nb.ok(&[
        "export",
        "--case",
        "C-0001",
        "--amber-strict",
        "--out",
        s(&out2),
    ]);
    assert_eq!(
        trackings(&out2),
        ["RR000000028CN", "RR000000031CN", "RR123456785KZ"]
    );
    // STIX: people and organisations by their own label.
    nb.ok(&[
        "add",
        "person",
        "--name",
        "Strict Person",
        "--tlp",
        "AMBER+STRICT",
    ]);
    nb.ok(&[
        "add",
        "organisation",
        "--name",
        "Strict Org",
        "--type",
        "company",
        "--tlp",
        "AMBER+STRICT",
    ]);
    nb.ok(&[
        "add",
        "link",
        "Strict Person",
        "C-0001",
        "--type",
        "related-to",
    ]);
    nb.ok(&[
        "add",
        "link",
        "Strict Org",
        "C-0001",
        "--type",
        "related-to",
    ]);
    let stix = nb.db.with_file_name("c.stix");
    nb.ok(&["export", "--stix", "--case", "C-0001", "--out", s(&stix)]);
    let text = std::fs::read_to_string(&stix).unwrap();
    assert!(!text.contains("Strict Person") && !text.contains("Strict Org"));
    nb.ok(&[
        "export",
        "--stix",
        "--case",
        "C-0001",
        "--amber-strict",
        "--out",
        s(&stix),
    ]);
    let text = std::fs::read_to_string(&stix).unwrap();
    assert!(text.contains("Strict Person") && text.contains("Strict Org"));
}

/// A graph of an open case draws nothing reached only through a withheld
/// item: the note on a RED case's parcel, a person linked to it alone, a
/// parcel of the AMBER+STRICT case sharing a phone with it (they were
/// drawn as nodes of their own), and the strictest label it does draw
/// heads it (an AMBER case reached over a shared phone was drawn under
/// TLP:GREEN).
#[test]
fn a_graph_draws_nothing_reached_only_through_what_is_withheld() {
    let nb = notebook();
    nb.ok(&[
        "add",
        "note",
        "--on",
        "RR000000014CN",
        "--text",
        "informant Zhanna meets the courier",
    ]);
    nb.ok(&["add", "person", "--name", "Bolat Courier", "--tlp", "GREEN"]);
    nb.ok(&[
        "add",
        "link",
        "Bolat Courier",
        "RR000000014CN",
        "--type",
        "recipient-of",
    ]);
    // The RED parcel and the strict case's parcel share a phone.
    for t in ["RR000000014CN", "RR000000031CN"] {
        nb.ok(&["edit", t, "--set", "recipient_phone=+7 701 555 0101"]);
    }
    nb.ok(&[
        "add",
        "note",
        "--on",
        "RR000000031CN",
        "--text",
        "strict lead: warehouse 7",
    ]);
    for format in ["dot", "anx"] {
        let f = nb.beside(&format!("g.{format}"));
        nb.ok(&[
            "export",
            "--graph",
            format,
            "--case",
            "C-0001",
            "--out",
            s(&f),
        ]);
        let bytes = std::fs::read(&f).unwrap();
        let text = if format == "anx" {
            common::anx_text(&bytes)
        } else {
            String::from_utf8(bytes).unwrap()
        };
        assert!(text.contains("RR000000028CN"), "{text}");
        for gone in [
            "Zhanna",
            "Bolat",
            "warehouse",
            "RR000000031CN",
            "RR000000014CN",
        ] {
            assert!(!text.contains(gone), "{format} drew {gone}:\n{text}");
        }
    }
    // An AMBER case reached over a shared phone heads it AMBER.
    nb.ok(&["add", "case", "--title", "Amber lantern", "--tlp", "AMBER"]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR000000045CN",
        "--case",
        "C-0004",
    ]);
    for t in ["RR123456785KZ", "RR000000045CN"] {
        nb.ok(&["edit", t, "--set", "sender_phone=+86 138 0000 1111"]);
    }
    let dot = nb.ok(&["export", "--graph", "dot", "--case", "C-0001"]);
    assert!(dot.contains("Amber lantern"), "{dot}");
    assert!(dot.contains("TLP:AMBER  C-0001"), "{dot}");
}

/// A MISP event and an incident report are marked as strictly as the
/// strictest thing they carry: an AMBER+STRICT note and an AMBER person on
/// a GREEN case went out under tlp:green (a receiving MISP instance
/// shares by the event's tag), and the report drew a payment from an
/// AMBER note under TLP:GREEN.
#[test]
fn misp_and_incident_reports_are_marked_by_the_strictest_they_carry() {
    let nb = notebook();
    nb.ok(&[
        "add",
        "note",
        "--on",
        "C-0001",
        "--text",
        "buyer pays to btc 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
        "--tlp",
        "AMBER",
    ]);
    let event = nb.json(&["export", "--misp", "--case", "C-0001"]);
    assert_eq!(event["Event"]["Tag"][0]["name"], "tlp:amber", "{event}");
    nb.ok(&[
        "add",
        "note",
        "--on",
        "RR123456785KZ",
        "--text",
        "strict: source inside the forwarder",
        "--tlp",
        "AMBER+STRICT",
    ]);
    let event = nb.json(&["export", "--misp", "--case", "C-0001", "--amber-strict"]);
    assert_eq!(
        event["Event"]["Tag"][0]["name"], "tlp:amber+strict",
        "{event}"
    );
    let report = nb.json(&["--format", "json", "export", "--incident", "C-0001"]);
    assert_eq!(report["tlp"], "AMBER", "{report}");
    assert!(
        report["payment_methods"].to_string().contains("3J98t1"),
        "{report}"
    );
}

/// With --amber-strict every AMBER+STRICT record that leaves is named in
/// the manifest: a person, and a parcel that belongs only to an
/// AMBER+STRICT case (it arrives without its case; only a note was named).
#[test]
fn amber_strict_names_every_strict_record_that_leaves() {
    let nb = notebook();
    nb.ok(&[
        "add",
        "link",
        "RR123456785KZ",
        "RR000000031CN",
        "--type",
        "same-recipient-as",
    ]);
    nb.ok(&[
        "add",
        "person",
        "--name",
        "Asel Strictova",
        "--tlp",
        "AMBER+STRICT",
    ]);
    nb.ok(&[
        "add",
        "link",
        "Asel Strictova",
        "RR123456785KZ",
        "--type",
        "recipient-of",
    ]);
    let f = nb.beside("strict.db");
    let out = nb.json(&[
        "export",
        "--case",
        "C-0001",
        "--amber-strict",
        "--out",
        s(&f),
    ]);
    let named = out["manifest"]["handling"]["amber_strict"].to_string();
    assert!(named.contains("Asel Strictova"), "{out}");
    assert!(
        named.contains("parcel RR000000031CN (only in AMBER+STRICT cases)"),
        "{out}"
    );
}

/// A partner's record marked TLP:RED here is withheld from the export,
/// and named in its signed manifest by id, kind and label only: the
/// partner, merging, raises its own (it stayed AMBER there and went on to
/// a third post as AMBER). A record made here RED and never relabelled is
/// not named, a label is never lowered, and a receiver that does not
/// hold the record learns nothing of it.
#[test]
fn a_label_raised_here_is_raised_where_the_record_came_from() {
    let a = Nb::new();
    a.ok(&["add", "case", "--title", "Steppe", "--tlp", "AMBER"]);
    a.ok(&[
        "add",
        "person",
        "--name",
        "Ivan Petrov",
        "--phone",
        "+77015550142",
    ]);
    a.ok(&["add", "link", "Ivan Petrov", "C-0001"]);
    a.ok(&[
        "add",
        "note",
        "--on",
        "C-0001",
        "--text",
        "buys via @ivan_kz",
    ]);
    let a1 = a.beside("a1.db");
    a.ok(&["export", "--case", "C-0001", "--out", s(&a1)]);
    let b = Nb::new();
    b.ok(&["init"]);
    b.ok(&["merge", "--trust-new", s(&a1)]);
    let c = Nb::new();
    c.ok(&["init"]);
    let note = b.json(&["list", "notes"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    b.ok(&["edit", &note, "--set", "tlp=RED"]);
    b.ok(&["edit", "Ivan Petrov", "--set", "tlp=RED"]);
    // One of bob's own, RED from the start: never named.
    b.ok(&[
        "add",
        "note",
        "--on",
        "C-0001",
        "--text",
        "our informant",
        "--tlp",
        "RED",
    ]);
    let b1 = b.beside("b1.db");
    let out = b.ok(&["export", "--case", "C-0001", "--out", s(&b1)]);
    assert!(out.contains("named by id and label only"), "{out}");
    let raised: String = rusqlite::Connection::open(&b1)
        .unwrap()
        .query_row("SELECT manifest FROM export_manifest", [], |r| r.get(0))
        .unwrap();
    assert!(raised.contains(&note), "{raised}");
    let own = b
        .json(&["list", "notes"])
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["text"] == "our informant")
        .map(|n| n["id"].as_str().unwrap().to_string())
        .unwrap();
    assert!(!raised.contains(&own), "{raised}");

    let out = a.ok(&["merge", "--trust-new", s(&b1)]);
    assert!(
        out.contains("label was raised: person Ivan Petrov, AMBER to RED"),
        "{out}"
    );
    let tlps = |nb: &Nb, what: &str| -> Vec<String> {
        nb.json(&["list", what])
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["tlp"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(tlps(&a, "notes"), ["RED"]);
    assert_eq!(tlps(&a, "people"), ["RED"]);
    let log = a.ok(&["audit", "log", "Ivan Petrov"]);
    assert!(log.contains("raise-label"), "{log}");
    a.ok(&["audit", "verify"]);
    // Alice's next export withholds them: the third post never gets them.
    let a2 = a.beside("a2.db");
    a.ok(&["export", "--case", "C-0001", "--out", s(&a2)]);
    c.ok(&["merge", "--trust-new", s(&a2)]);
    assert!(tlps(&c, "notes").is_empty() && tlps(&c, "people").is_empty());
    // Bob's file at the third post, which never held them: nothing.
    let out = c.ok(&["merge", "--trust-new", s(&b1)]);
    assert!(!out.contains("raised"), "{out}");
    // A person who lowers it again is not overruled by the same file
    // merged again.
    a.ok(&["edit", "Ivan Petrov", "--set", "tlp=AMBER"]);
    let out = a.ok(&["merge", "--trust-new", s(&b1)]);
    assert!(!out.contains("raised"), "{out}");
    assert_eq!(tlps(&a, "people"), ["AMBER"]);
}

/// A partner's record marked TLP:RED here and then deleted: its deletion
/// stays behind (as it would alive), and it is named by id and label so
/// the partner raises its own (it stayed GREEN there, and went on).
#[test]
fn a_label_raised_then_deleted_here_is_raised_where_it_came_from() {
    let a = Nb::new();
    a.ok(&["add", "case", "--title", "Steppe", "--tlp", "GREEN"]);
    a.ok(&[
        "add",
        "note",
        "--on",
        "C-0001",
        "--text",
        "uses @ivp",
        "--tlp",
        "GREEN",
    ]);
    let a1 = a.beside("a1.db");
    a.ok(&["export", "--all", "--out", s(&a1)]);
    let b = Nb::new();
    b.ok(&["init"]);
    b.ok(&["merge", "--trust-new", s(&a1)]);
    let note = b.json(&["list", "notes"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    b.ok(&["edit", &note, "--set", "tlp=RED"]);
    b.ok(&["delete", &note]);
    let b1 = b.beside("b1.db");
    b.ok(&["export", "--all", "--out", s(&b1)]);
    let out = a.ok(&["merge", "--trust-new", s(&b1)]);
    assert!(out.contains("label was raised"), "{out}");
    let n = a.json(&["list", "notes"]);
    assert_eq!(n[0]["tlp"], "RED", "{n}");
    assert_eq!(n.as_array().unwrap().len(), 1, "the deletion stayed behind");
}
