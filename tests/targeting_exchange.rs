//! Watchlist entries and risk profiles in database exports: entries follow
//! the handling rules records do, profiles (the post's own targeting)
//! leave only with the whole notebook, and what a merge receives of them
//! is counted and screens nothing until someone here says so.

mod common;

use common::Nb;
use rusqlite::Connection;
use serde_json::Value;
use std::path::{Path, PathBuf};

const PROFILE: &str = r#"
name = "kz-watch"
threshold = 50

[[indicator]]
weight = 60
kind = "origin"
countries = ["CN"]
"#;

fn file(nb: &Nb, name: &str) -> PathBuf {
    nb.db.parent().unwrap().join(name)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn watch(nb: &Nb, value: &str, reason: &str, tlp: &str, case: Option<&str>) {
    let mut args = vec![
        "watch", "add", "phone", value, "--reason", reason, "--tlp", tlp,
    ];
    if let Some(c) = case {
        args.extend(["--case", c]);
    }
    nb.ok(&args);
}

/// The watched values in an export, and its manifest.
fn carried(export: &Path) -> (Vec<String>, i64, Value) {
    let c =
        Connection::open_with_flags(export, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let values: Vec<String> = c
        .prepare("SELECT value FROM watchlist ORDER BY value")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let profiles: i64 = c
        .query_row("SELECT count(*) FROM profiles", [], |r| r.get(0))
        .unwrap();
    let manifest: String = c
        .query_row("SELECT manifest FROM export_manifest", [], |r| r.get(0))
        .unwrap();
    (values, profiles, serde_json::from_str(&manifest).unwrap())
}

#[test]
fn watchlist_entries_follow_the_handling_rules_of_records() {
    let a = Nb::new();
    a.ok(&["add", "case", "--title", "Steppe", "--tlp", "GREEN"]);
    watch(&a, "+77015550142", "courier", "AMBER", Some("C-0001"));
    watch(
        &a,
        "+77015550144",
        "strict lead",
        "AMBER+STRICT",
        Some("C-0001"),
    );
    watch(&a, "+77015550145", "red lead", "RED", Some("C-0001"));

    let plain = file(&a, "plain.db");
    a.ok(&["export", "--case", "C-0001", "--out", s(&plain)]);
    let (values, _, m) = carried(&plain);
    assert_eq!(values, ["+77015550142"], "{m}");
    assert_eq!(
        m["handling"]["withheld_red"], 2,
        "RED and AMBER+STRICT counted: {m}"
    );
    assert_eq!(m["handling"]["amber_strict"], serde_json::json!([]), "{m}");

    let strict = file(&a, "strict.db");
    a.ok(&[
        "export",
        "--case",
        "C-0001",
        "--amber-strict",
        "--out",
        s(&strict),
    ]);
    let (values, _, m) = carried(&strict);
    assert_eq!(values, ["+77015550142", "+77015550144"], "{m}");
    assert_eq!(m["handling"]["withheld_red"], 1, "the RED one: {m}");
    assert_eq!(
        m["handling"]["amber_strict"],
        serde_json::json!(["watchlist phone +77015550144"]),
        "{m}"
    );
}

#[test]
fn a_case_export_carries_no_profiles_and_received_entries_screen_nothing_until_added() {
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
    let p = file(&a, "kz.toml");
    std::fs::write(&p, PROFILE).unwrap();
    a.ok(&["profile", "import", s(&p)]);
    watch(&a, "+77015550142", "courier", "AMBER", Some("C-0001"));
    watch(&a, "+77015550199", "the post's own lead", "AMBER", None);

    // A case: its entries, not the post's profiles nor its entries of no
    // case.
    let case = file(&a, "case.db");
    a.ok(&["export", "--case", "C-0001", "--out", s(&case)]);
    let (values, profiles, m) = carried(&case);
    assert_eq!(values, ["+77015550142"], "{m}");
    assert_eq!(profiles, 0, "{m}");
    assert!(m["counts"].get("profile").is_none(), "{m}");

    let b = Nb::new();
    b.ok(&["init"]);
    b.ok(&["keys", "trust", s(&case)]);
    let out = b.ok(&["merge", s(&case)]);
    assert!(
        out.contains("watchlist: 1 entry received, not watched here until you add it"),
        "{out}"
    );
    assert!(
        out.contains("interdict watch add phone +77015550142"),
        "{out}"
    );
    let listed = b.json(&["watch", "list"]);
    assert_eq!(listed.as_array().unwrap().len(), 0, "not watched: {listed}");
    // So a parcel with that phone merged or typed here is no hit.
    b.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR000000005KZ",
        "--sender-phone",
        "+77015550142",
    ]);
    assert_eq!(b.json(&["hits"]).as_array().unwrap().len(), 0);
    let r = b.json(&["merge", s(&case)]);
    assert_eq!(
        r["targeting"]["watch_received"][0]["value"], "+77015550142",
        "{r}"
    );
    assert_eq!(r["written"], false, "merging again writes nothing: {r}");
    // Its command watches it.
    let accept = r["targeting"]["watch_received"][0]["accept"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        accept,
        "interdict watch add phone +77015550142 --reason courier --tlp AMBER --case C-0001"
    );
    b.ok(&[
        "watch",
        "add",
        "phone",
        "+77015550142",
        "--reason",
        "courier",
        "--tlp",
        "AMBER",
        "--case",
        "C-0001",
    ]);
    let r = b.json(&["merge", s(&case)]);
    assert_eq!(r["targeting"]["watch_already"], 1, "{r}");
    assert_eq!(
        r["targeting"]["watch_received"],
        serde_json::json!([]),
        "{r}"
    );

    // Asked for, a case export carries the post's targeting too.
    let with = file(&a, "with.db");
    a.ok(&[
        "export",
        "--case",
        "C-0001",
        "--with-profiles",
        "--out",
        s(&with),
    ]);
    let (values, profiles, m) = carried(&with);
    assert_eq!(values, ["+77015550142", "+77015550199"], "{m}");
    assert_eq!(profiles, 1, "{m}");

    // The whole notebook carries the post's targeting; the profile
    // arrives switched off, counted in the summary.
    let all = file(&a, "all.db");
    a.ok(&["export", "--all", "--out", s(&all)]);
    let (values, profiles, _) = carried(&all);
    assert_eq!(values, ["+77015550142", "+77015550199"]);
    assert_eq!(profiles, 1);
    let c = Nb::new();
    c.ok(&["init"]);
    let out = c.ok(&["merge", "--trust-new", s(&all)]);
    assert!(
        out.contains("risk profiles: 1 added switched off (kz-watch)"),
        "{out}"
    );
    assert!(out.contains("watchlist: 2 entries received"), "{out}");
    assert_eq!(c.json(&["profile", "list"])[0]["active"], false);
}
