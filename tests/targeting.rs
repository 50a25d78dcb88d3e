//! Targeting as officers use it: watchlists, profiles as TOML, parcels
//! screened as they are typed, imported and merged, and tomorrow's
//! manifest screened with the planted hits all found.

mod common;

use common::{Nb, s};
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;

const PROFILE: &str = r#"
name = "kz-watch"
threshold = 50

[[indicator]]
weight = 30
kind = "origin"
countries = ["CN"]

[[indicator]]
weight = 30
kind = "seen-in-seized"
kinds = ["phone"]
"#;

#[test]
fn a_typed_parcel_is_hit_with_its_reasons_and_listed_in_hits() {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "Steppe"]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--destination",
        "KZ",
        "--recipient-phone",
        "87015550142",
        "--status",
        "seized",
        "--case",
        "C-0001",
    ]);
    let p = nb.beside("kz.toml");
    std::fs::write(&p, PROFILE).unwrap();
    let out = nb.ok(&["profile", "import", s(&p)]);
    assert!(
        out.contains("added profile kz-watch (2 indicators"),
        "{out}"
    );
    nb.ok(&[
        "watch",
        "add",
        "phone",
        "+7 (701) 555-01-42",
        "--reason",
        "courier of the Steppe ring",
        "--case",
        "C-0001",
    ]);
    // Typed the local way, from CN: both the profile and the watchlist hit.
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR000000028CN",
        "--origin",
        "CN",
        "--destination",
        "KZ",
        "--recipient-phone",
        "8 701 555 01 42",
    ]);
    let hits = nb.json(&["hits"]);
    let hits = hits.as_array().unwrap();
    assert_eq!(hits.len(), 2, "{hits:#?}");
    let profile = hits.iter().find(|h| h["profile"] == "kz-watch").unwrap();
    assert_eq!(profile["tracking"], "RR000000028CN");
    assert_eq!(profile["score"], 60.0);
    let evidence = common::strings(&profile["reasons"], "evidence");
    assert!(
        evidence
            .contains(&"recipient phone +77015550142 was on seized parcel RR123456785KZ (C-0001)"),
        "{evidence:?}"
    );
    let table = nb.ok(&["hits"]);
    assert!(
        table.contains("parcel RR000000028CN kz-watch: 60 (threshold 50)"),
        "{table}"
    );
    let csv = nb.ok(&["hits", "--format", "csv"]);
    assert!(csv.starts_with("at,tracking,profile,score,threshold,indicator,weight,evidence"));
    assert!(csv.contains("courier of the Steppe ring"), "{csv}");
    // Watching the same value twice is refused, naming who watches it.
    let err = nb.fails(&["watch", "add", "phone", "+77015550142", "--reason", "again"]);
    assert!(
        err.contains("already") && err.contains("courier of the Steppe ring"),
        "{err}"
    );
    // Hits since a later day: none.
    assert!(
        nb.ok(&["hits", "--since", "2999-01-01"])
            .contains("no hits")
    );
    // Fewer shown than there are: said, with how many there are.
    let out = nb.cmd().args(["hits", "--limit", "1"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("1 of 2 hits shown"), "{said}");
    let all = nb.cmd().args(["hits"]).output().unwrap();
    assert!(
        !String::from_utf8_lossy(&all.stderr).contains("shown"),
        "all shown: nothing said"
    );
    nb.ok(&["audit", "verify"]);
}

#[test]
fn a_bad_profile_is_refused_with_line_and_field_and_the_old_one_stays() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let p = nb.beside("kz.toml");
    std::fs::write(&p, PROFILE).unwrap();
    nb.ok(&["profile", "import", s(&p)]);
    std::fs::write(
        &p,
        PROFILE.replace("countries = [\"CN\"]", "contries = [\"CN\"]"),
    )
    .unwrap();
    let err = nb.fails(&["profile", "import", s(&p)]);
    assert!(err.contains("line 8") && err.contains("contries"), "{err}");
    // The stored profile is the first one.
    let out = nb.ok(&["profile", "export", "kz-watch"]);
    assert_eq!(out, PROFILE);
    // Warnings for what could never fire, at load.
    std::fs::write(&p, PROFILE.replace("[\"CN\"]", "[\"XX\"]")).unwrap();
    let out = nb
        .cmd()
        .args(["profile", "import", s(&p)])
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("\"XX\"") && err.contains("never fire"),
        "{err}"
    );
    // Edited in $EDITOR (a script here); a text that does not read is
    // refused and the profile is unchanged.
    let editor = nb.beside("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nsed -i 's/threshold = 50/threshold = 40/' \"$1\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = nb
        .cmd()
        .env("EDITOR", &editor)
        .args(["profile", "edit", "kz-watch"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8_lossy(&out).contains("saved profile kz-watch"));
    assert!(
        nb.ok(&["profile", "export", "kz-watch"])
            .contains("threshold = 40")
    );
    std::fs::write(&editor, "#!/bin/sh\necho 'threshold = [' >> \"$1\"\n").unwrap();
    let err = nb
        .cmd()
        .env("EDITOR", &editor)
        .args(["profile", "edit", "kz-watch"])
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&err);
    assert!(err.contains("line") && err.contains("unchanged"), "{err}");
    assert!(
        nb.ok(&["profile", "export", "kz-watch"])
            .contains("threshold = 40")
    );
    // Off, on, listed, removed.
    nb.ok(&["profile", "off", "kz-watch"]);
    let list = nb.json(&["profile", "list"]);
    assert_eq!(list[0]["active"], false);
    nb.ok(&["profile", "remove", "kz-watch"]);
    assert!(
        nb.fails(&["profile", "export", "kz-watch"])
            .contains("no profile")
    );
}

#[test]
fn imported_parcels_are_screened_in_their_transaction() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    nb.ok(&[
        "watch",
        "add",
        "address",
        "Almaty, ul. Abaya 5, kv. 12",
        "--reason",
        "drop address",
    ]);
    let csv = nb.beside("in.csv");
    std::fs::write(
        &csv,
        "tracking,origin,destination,recipient_address\n\
         RR123456785KZ,CN,KZ,\"ALMATY, UL. ABAYA 5, KV. 12\"\n\
         RR000000014CN,CN,KZ,\"Astana, Dostyk 1\"\n",
    )
    .unwrap();
    nb.ok(&["import", "csv", s(&csv)]);
    let hits = nb.json(&["hits"]);
    let tracked = common::strings(&hits, "tracking");
    assert_eq!(tracked, ["RR123456785KZ"]);
}

/// A new notebook with the kz-watch profile in force.
fn profiled() -> Nb {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let p = nb.beside("kz.toml");
    std::fs::write(&p, PROFILE).unwrap();
    nb.ok(&["profile", "import", s(&p)]);
    nb
}

/// The hit on the parcel `tracking` (the test fails without one).
fn hit_on(nb: &Nb, tracking: &str) -> Value {
    let hits = nb.json(&["hits"]);
    hits.as_array()
        .unwrap()
        .iter()
        .find(|h| h["tracking"] == tracking)
        .cloned()
        .unwrap_or_else(|| panic!("no hit: {hits}"))
}

/// An import, like a merge, writes the identifier rows of a step's
/// parcels together before it commits, unless a profile or the watchlist
/// would read them first: a row is screened against the seized parcel of
/// the row before it.
#[test]
fn an_imported_parcel_is_screened_against_the_row_before_it() {
    let table = "tracking,origin,destination,recipient_phone,status\n\
                 RR123456785KZ,KZ,KZ,87015550142,seized\n\
                 RR000000028CN,CN,KZ,87015550142,targeted\n";
    let nb = profiled();
    let csv = nb.beside("in.csv");
    std::fs::write(&csv, table).unwrap();
    nb.ok(&["import", "csv", s(&csv)]);
    let hit = hit_on(&nb, "RR000000028CN");
    assert!(hit.to_string().contains("RR123456785KZ"), "{hit}");
    // Without a profile, the rows written before the commit are the rows
    // each parcel's write would have made.
    let plain = Nb::new();
    plain.ok(&["init"]);
    let csv = plain.beside("in.csv");
    std::fs::write(&csv, table).unwrap();
    plain.ok(&["import", "csv", s(&csv)]);
    let x = plain.ok(&["xref", "RR000000028CN"]);
    assert!(x.contains("RR123456785KZ"), "{x}");
    plain.ok(&["audit", "verify"]);
}

#[test]
fn a_demo_manifest_is_screened_and_every_planted_row_is_hit() {
    let nb = Nb::new();
    let m = nb.beside("tomorrow.csv");
    nb.ok(&[
        "demo",
        "--parcels",
        "2000",
        "--manifest",
        s(&m),
        "--rows",
        "2000",
    ]);
    let planted: HashSet<String> = std::fs::read_to_string(format!("{}.planted", m.display()))
        .unwrap()
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    assert!(planted.len() >= 40, "{}", planted.len());
    let v: Value = nb.json(&["screen", s(&m)]);
    let hit: HashSet<String> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["tracking"].as_str().unwrap().to_string())
        .collect();
    let missed: Vec<&String> = planted.difference(&hit).collect();
    assert!(missed.is_empty(), "planted rows not hit: {missed:?}");
    let false_hits = hit.difference(&planted).count();
    let ordinary = v["report"]["screened"].as_u64().unwrap() as usize - planted.len();
    let rate = false_hits as f64 / ordinary as f64;
    eprintln!(
        "screen of the demo manifest: recall {}/{} (100%), {false_hits} false hits among {ordinary} ordinary rows ({:.1}%)",
        planted.len(),
        planted.len(),
        rate * 100.0
    );
    assert!(rate < 0.05, "false-hit rate {rate}");
    // Nothing was stored by the screen.
    assert_eq!(nb.json(&["hits"]).as_array().unwrap().len(), 0);
    // Kept: the hit rows become targeted parcels with their hits.
    let v: Value = nb.json(&[
        "screen",
        s(&m),
        "--keep-hits",
        "--profile",
        "opioids-by-post",
    ]);
    let kept = v["kept"]["added"].as_u64().unwrap();
    assert!(kept >= 10, "{v}");
    let stored = nb.json(&["hits", "--limit", "10000"]);
    assert!(stored.as_array().unwrap().len() as u64 >= kept);
    // A rescreen of the notebook keeps what the manifest's screen found
    // and kept (it deleted the hits only the manifest's other rows made).
    let before: HashSet<String> = common::strings(&stored, "tracking")
        .into_iter()
        .map(str::to_string)
        .collect();
    nb.ok(&["rescreen"]);
    let after = nb.json(&["hits", "--limit", "10000"]);
    let after: HashSet<String> = common::strings(&after, "tracking")
        .into_iter()
        .map(str::to_string)
        .collect();
    let lost: Vec<&String> = before.difference(&after).collect();
    assert!(lost.is_empty(), "hits lost by a rescreen: {lost:?}");
    // A row that cannot be read is reported by line and passed over.
    let bad = nb.beside("bad.csv");
    let mut text = std::fs::read_to_string(&m).unwrap();
    text.push_str("NOT-A-TRACKING,DHL,parcel,CN,KZ,,,,,,,,,,,\n");
    std::fs::write(&bad, text).unwrap();
    let out = nb
        .cmd()
        .args(["screen", s(&bad), "--format", "csv"])
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("skipped line 2002") && err.contains("tracking"),
        "{err}"
    );
    assert!(err.contains("1 could not be read"), "{err}");
    // The hits as CSV, written as they come: one header, then a row per
    // reason, every row as wide as the header.
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(out.stdout.as_slice())
        .records()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(rows.len() >= 10, "{} rows", rows.len());
    assert!(
        rows.iter()
            .all(|r| r.len() == 8 && r[0].parse::<u64>().is_ok())
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("line,tracking,profile,"));
}

#[test]
fn profiles_and_watchlists_travel_with_an_export_and_arrive_switched_off_or_listed() {
    let a = Nb::new();
    a.ok(&["add", "case", "--title", "Steppe"]);
    a.ok(&["add", "case", "--title", "Other"]);
    a.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--case",
        "C-0001",
    ]);
    let p = a.beside("kz.toml");
    std::fs::write(&p, PROFILE).unwrap();
    a.ok(&["profile", "import", s(&p)]);
    a.ok(&[
        "watch",
        "add",
        "phone",
        "+77015550142",
        "--reason",
        "courier",
        "--case",
        "C-0001",
    ]);
    a.ok(&[
        "watch",
        "add",
        "email",
        "boss@example.kz",
        "--reason",
        "the boss",
        "--tlp",
        "RED",
    ]);
    a.ok(&[
        "watch",
        "add",
        "phone",
        "+77015550199",
        "--reason",
        "other case",
        "--case",
        "C-0002",
    ]);
    let out = a.beside("steppe.db");
    a.ok(&["export", "--case", "C-0001", "--out", s(&out)]);

    let b = Nb::new();
    b.ok(&["init"]);
    b.ok(&["keys", "trust", s(&out)]);
    let r = b.json(&["merge", s(&out)]);
    // A case export carries no profile (the post's own targeting leaves
    // with `export --all` only), and the entry of the case sent arrives
    // listed with the command that watches it, not watched: not the RED
    // one, not another case's.
    assert_eq!(
        r["targeting"]["profiles_added"],
        serde_json::json!([]),
        "{r}"
    );
    let received = r["targeting"]["watch_received"].as_array().unwrap();
    assert_eq!(received.len(), 1, "{r}");
    assert_eq!(received[0]["value"], "+77015550142");
    assert_eq!(received[0]["case"], "C-0001");
    assert_eq!(received[0]["added_by"].as_str().unwrap(), a_user(&a));
    let accept = received[0]["accept"].as_str().unwrap();
    assert!(
        accept.starts_with("interdict watch add phone +77015550142 --reason courier"),
        "{accept}"
    );
    assert_eq!(b.json(&["watch", "list"]), serde_json::json!([]));
    // Merging again writes nothing and lists it again until taken.
    let again = b.json(&["merge", s(&out)]);
    assert_eq!(again["written"], false, "{again}");
    assert_eq!(
        again["targeting"]["watch_received"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "{again}"
    );
    let args: Vec<&str> = accept.split(' ').skip(1).collect();
    b.ok(&args);
    let taken = b.json(&["merge", s(&out)]);
    assert_eq!(taken["targeting"]["watch_already"], 1, "{taken}");
    // With `export --all` profiles travel, arrive switched off, and one
    // of the same name that differs here is kept as it is here.
    let all = a.beside("all.db");
    a.ok(&["export", "--all", "--out", s(&all)]);
    let r = b.json(&["merge", s(&all)]);
    assert_eq!(r["targeting"]["profiles_added"][0], "kz-watch", "{r}");
    assert_eq!(b.json(&["profile", "list"])[0]["active"], false);
    let c = Nb::new();
    c.ok(&["init"]);
    let mine = c.beside("mine.toml");
    std::fs::write(&mine, PROFILE.replace("threshold = 50", "threshold = 70")).unwrap();
    c.ok(&["profile", "import", s(&mine)]);
    c.ok(&["keys", "trust", s(&all)]);
    let r = c.json(&["merge", s(&all)]);
    assert_eq!(r["targeting"]["profiles_differ"][0], "kz-watch", "{r}");
    assert!(
        c.ok(&["profile", "export", "kz-watch"])
            .contains("threshold = 70")
    );
    b.ok(&["audit", "verify"]);
}

/// Who `nb` writes as (the name its writes are recorded under).
fn a_user(nb: &Nb) -> String {
    nb.json(&["audit", "log", "--limit", "1"])[0]["actor"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn merged_parcels_are_screened_as_they_arrive() {
    let a = Nb::new();
    a.ok(&["add", "case", "--title", "Steppe"]);
    a.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--destination",
        "KZ",
        "--recipient-phone",
        "87015550142",
        "--case",
        "C-0001",
    ]);
    let out = a.beside("steppe.db");
    a.ok(&["export", "--case", "C-0001", "--out", s(&out)]);
    let b = Nb::new();
    b.ok(&["init"]);
    b.ok(&[
        "watch",
        "add",
        "phone",
        "+7 701 555 01 42",
        "--reason",
        "lead 7",
    ]);
    b.ok(&["merge", "--trust-new", s(&out)]);
    let hits = b.json(&["hits"]);
    assert_eq!(hits[0]["tracking"], "RR123456785KZ", "{hits}");
    assert_eq!(hits[0]["profile"], "watchlist");
}

/// A merge writes the identifier rows of the parcels it adds at the end
/// of each step, in key order, unless a profile or the watchlist would
/// read them first: a parcel of the file is screened against the seized
/// parcel merged just before it, in the same step.
#[test]
fn a_merged_parcel_is_screened_against_one_merged_before_it() {
    let a = Nb::new();
    a.ok(&["add", "case", "--title", "Steppe"]);
    for (tracking, origin, status) in [
        ("RR123456785KZ", "KZ", "seized"),
        ("RR000000028CN", "CN", "targeted"),
    ] {
        a.ok(&[
            "add",
            "parcel",
            "--tracking",
            tracking,
            "--origin",
            origin,
            "--destination",
            "KZ",
            "--recipient-phone",
            "87015550142",
            "--status",
            status,
            "--case",
            "C-0001",
        ]);
    }
    let out = a.beside("steppe.db");
    a.ok(&["export", "--case", "C-0001", "--out", s(&out)]);
    let b = profiled();
    b.ok(&["merge", "--trust-new", s(&out)]);
    let hit = hit_on(&b, "RR000000028CN");
    assert_eq!(hit["profile"], "kz-watch", "{hit}");
    // Both reasons: its origin, and its phone seen in the seized parcel.
    assert!(hit.to_string().contains("RR123456785KZ"), "{hit}");
    // Without a profile, the rows written at the step's end are the
    // rows each record's write would have made.
    let c = Nb::new();
    c.ok(&["init"]);
    c.ok(&["merge", "--trust-new", s(&out)]);
    let x = c.ok(&["xref", "RR000000028CN"]);
    assert!(x.contains("RR123456785KZ"), "{x}");
    c.ok(&["audit", "verify"]);
}

#[test]
fn a_watchlist_entry_of_a_withheld_case_is_withheld_with_it() {
    let a = Nb::new();
    a.ok(&["add", "case", "--title", "Open", "--tlp", "GREEN"]);
    a.ok(&["add", "case", "--title", "Secret", "--tlp", "RED"]);
    a.ok(&[
        "watch",
        "add",
        "phone",
        "+77015550142",
        "--reason",
        "open lead",
        "--case",
        "C-0001",
    ]);
    a.ok(&[
        "watch",
        "add",
        "phone",
        "+77015550199",
        "--reason",
        "secret lead",
        "--case",
        "C-0002",
    ]);
    let out = a.beside("all.db");
    a.ok(&["export", "--all", "--out", s(&out)]);
    let b = Nb::new();
    b.ok(&["init"]);
    let r = b.json(&["merge", "--trust-new", s(&out)]);
    let received = r["targeting"]["watch_received"].to_string();
    assert!(
        received.contains("open lead") && !received.contains("secret lead"),
        "{r}"
    );
}

#[test]
fn a_rescreen_finds_what_a_new_watchlist_entry_catches_in_saved_parcels() {
    let nb = Nb::new();
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--destination",
        "KZ",
        "--recipient-phone",
        "87015550142",
    ]);
    // Watched after the parcel was saved: no hit yet.
    nb.ok(&[
        "watch",
        "add",
        "phone",
        "+77015550142",
        "--reason",
        "new lead",
    ]);
    assert_eq!(nb.json(&["hits"]).as_array().unwrap().len(), 0);
    let r = nb.json(&["rescreen"]);
    assert_eq!(
        (r["screened"].as_u64(), r["hit"].as_u64()),
        (Some(1), Some(1)),
        "{r}"
    );
    let hits = nb.json(&["hits"]);
    assert_eq!(hits[0]["tracking"], "RR123456785KZ");
    // Unwatched and screened again: the hit goes.
    nb.ok(&["watch", "remove", "phone", "+77015550142"]);
    nb.ok(&["rescreen", "--since", "2000-01-01"]);
    assert_eq!(nb.json(&["hits"]).as_array().unwrap().len(), 0);
}

#[test]
fn placeholders_on_the_warning_list_are_no_evidence_and_no_cluster() {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "Steppe"]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--recipient-name",
        "Unknown",
        "--status",
        "seized",
        "--case",
        "C-0001",
    ]);
    let p = nb.beside("names.toml");
    std::fs::write(
        &p,
        "name = \"names\"\nthreshold = 10\n\n[[indicator]]\nweight = 10\nkind = \"seen-in-seized\"\nkinds = [\"name\"]\n\n[[indicator]]\nweight = 10\nkind = \"many-senders\"\ndays = 30\nat_least = 3\n",
    )
    .unwrap();
    nb.ok(&["profile", "import", s(&p)]);
    // A typed parcel to "unknown" is not a hit for sharing that name.
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR000000014CN",
        "--recipient-name",
        "UNKNOWN",
    ]);
    assert_eq!(nb.json(&["hits"]).as_array().unwrap().len(), 0);
    // Five rows of a manifest to "poste restante" from five senders: no
    // cluster.
    let m = nb.beside("m.csv");
    let mut text = String::from("tracking,sender_phone,recipient_address\n");
    for (i, t) in [
        "RR000000028CN",
        "RR000000031CN",
        "RR000000045CN",
        "RR000000059CN",
        "RR000000062CN",
    ]
    .iter()
    .enumerate()
    {
        text.push_str(&format!("{t},+86 138 0000 000{i},Poste restante\n"));
    }
    std::fs::write(&m, text).unwrap();
    let v: serde_json::Value = nb.json(&["screen", s(&m)]);
    assert_eq!(v["report"]["screened"], 5, "{v}");
    assert_eq!(v["report"]["hit"], 0, "{v}");
}

#[test]
fn a_profile_name_that_only_looks_like_a_stored_one_is_refused() {
    let nb = Nb::new();
    let p = nb.beside("kz.toml");
    std::fs::write(&p, PROFILE).unwrap();
    nb.ok(&["profile", "import", s(&p)]);
    for name in ["Kz-Watch", " kz-watch ", "kz-wаtch"] {
        std::fs::write(
            &p,
            PROFILE
                .replace("\"kz-watch\"", &format!("{name:?}"))
                .replace("threshold = 50", "threshold = 10"),
        )
        .unwrap();
        let err = nb.fails(&["profile", "import", s(&p)]);
        assert!(
            err.contains("looks like the stored profile \"kz-watch\""),
            "{name:?}: {err}"
        );
    }
    // The stored one is as it was, and alone.
    let list = nb.json(&["profile", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["threshold"], 50.0);
    // Its exact name replaces it, as before.
    std::fs::write(&p, PROFILE.replace("threshold = 50", "threshold = 40")).unwrap();
    nb.ok(&["profile", "import", s(&p)]);
    assert_eq!(nb.json(&["profile", "list"])[0]["threshold"], 40.0);
}

#[test]
fn a_warning_list_value_is_not_watched() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    for (kind, value) in [
        ("address", "poste restante"),
        ("address", "Poste Restante"),
        ("name", "unknown"),
        ("name", "N/A"),
    ] {
        let err = nb.fails(&["watch", "add", kind, value, "--reason", "test"]);
        assert!(
            err.contains("warning list")
                || err.contains("not known")
                || err.contains("a town, or a street with no house, names no door"),
            "{kind} {value}: {err}"
        );
    }
    assert_eq!(nb.json(&["watch", "list"]).as_array().unwrap().len(), 0);
    // A real address is watched as before.
    nb.ok(&[
        "watch",
        "add",
        "address",
        "ul. Abaya 12, kv. 5, Almaty",
        "--reason",
        "drop flat",
    ]);
}

#[test]
fn a_tracking_number_twice_in_a_manifest_keeps_both_rows_data() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    nb.ok(&[
        "watch",
        "add",
        "phone",
        "+7 701 555 99 99",
        "--reason",
        "drop phone",
    ]);
    let m = nb.beside("m.csv");
    std::fs::write(
        &m,
        "tracking,origin,destination,sender_name,recipient_phone\n\
         EE074000008CN,CN,KZ,Li Wei,+7 701 555 99 99\n\
         RR000000014CN,CN,KZ,Other,+7 701 000 00 00\n\
         EE074000008CN,CN,KZ,Zhang San,+7 701 555 99 99\n",
    )
    .unwrap();
    // Said on a screen that keeps nothing too (it was said only with
    // --keep-hits), in JSON as in the table.
    let out = nb.run(&["screen", s(&m)]).success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("EE074000008CN: twice in the file (lines 2 and 4)"),
        "{err}"
    );
    let v = nb.json(&["screen", s(&m)]);
    assert!(
        v["twice"][0].as_str().unwrap().contains("lines 2 and 4"),
        "{v}"
    );
    assert_eq!(nb.count("parcels"), 0);
    let out = nb.run(&["screen", s(&m), "--keep-hits"]).success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("EE074000008CN: twice in the file (lines 2 and 4)"),
        "{err}"
    );
    assert!(!err.contains("already in the notebook"), "{err}");
    assert!(err.contains("sender_name \"Zhang San\""), "{err}");
    // The first row is the parcel; the second's data and hits are in a
    // note on it.
    let p = nb.json(&["show", "EE074000008CN"]);
    assert_eq!(p["sender_name"], "Li Wei", "{p}");
    let notes = nb.json(&["list", "notes"]).to_string();
    assert!(
        notes.contains("Zhang San") && notes.contains("twice in the file"),
        "{notes}"
    );
}

#[test]
fn a_tracking_number_twice_in_a_manifest_is_said_when_only_one_row_hits() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    nb.ok(&[
        "watch",
        "add",
        "phone",
        "+7 701 555 99 99",
        "--reason",
        "drop phone",
    ]);
    let m = nb.beside("m.csv");
    // The first row of the number does not hit; the second does.
    std::fs::write(
        &m,
        "tracking,origin,destination,sender_name,recipient_phone\n\
         EE074000008CN,CN,KZ,Li Wei,+7 701 000 00 01\n\
         EE074000008CN,CN,KZ,Zhang San,+7 701 555 99 99\n",
    )
    .unwrap();
    let out = nb.run(&["screen", s(&m), "--keep-hits"]).success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("EE074000008CN: twice in the file (lines 2 and 3); only line 3 hit, kept from it; line 2's data is not kept"),
        "{err}"
    );
    // Screened again, the parcel kept is the row's own copy: said, and
    // marked on its hit.
    let out = nb.run(&["screen", s(&m)]).success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        text.contains("line 3 parcel EE074000008CN (in the notebook)"),
        "{text}"
    );
    assert!(
        err.contains("2 rows have tracking numbers the notebook holds already"),
        "{err}"
    );
    let v = nb.json(&["screen", s(&m)]);
    assert_eq!(v["report"]["held"], 2, "{v}");
    assert_eq!(v["report"]["twice"][0]["first_line"], 2, "{v}");
}

/// What a manifest row's own check says (a phone written nationally with
/// no country to read it in, which meets no watched number written
/// otherwise) is said by field, as an import says it (a screen said
/// "no hits" and nothing else).
#[test]
fn a_screen_says_what_its_rows_checks_say() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    nb.ok(&[
        "watch",
        "add",
        "phone",
        "+7 917 344 72 67",
        "--reason",
        "drop phone",
    ]);
    let m = nb.beside("m.csv");
    std::fs::write(
        &m,
        "tracking,recipient_phone\nEE074000008CN,8 917 344 72 67\nRR000000014CN,8 917 344 72 68\n",
    )
    .unwrap();
    let out = nb.run(&["screen", s(&m)]).success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("notice: 2 rows (lines 2, 3; first, line 2: recipient_phone"),
        "{err}"
    );
    let v = nb.json(&["screen", s(&m)]);
    assert_eq!(v["report"]["notices"][0]["rows"], 2, "{v}");
    assert_eq!(
        v["report"]["notices"][0]["lines"],
        serde_json::json!([2, 3]),
        "{v}"
    );
}

/// A phone cell holding more than a phone (`tel.` before it, `(WhatsApp)`
/// or an extension after it, a second number) is screened by the phones
/// written in it, and every row so read is named by its line: the
/// watched number in three such rows was left out of screening, and the
/// notice named only the first row, which did not hold it.
#[test]
fn a_watched_phone_in_a_cell_holding_more_is_screened() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    nb.ok(&[
        "watch",
        "add",
        "phone",
        "+7 (701) 555-01-42",
        "--reason",
        "courier A",
    ]);
    nb.ok(&[
        "watch",
        "add",
        "phone",
        "+86 138 0013 8000",
        "--reason",
        "vendor",
    ]);
    let m = nb.beside("m.csv");
    std::fs::write(
        &m,
        "tracking,origin,destination,recipient_name,recipient_phone\n\
         RR000005008CN,CN,KZ,X,\"tel. +7 701 555 01 99\"\n\
         RR000005011CN,CN,KZ,X,\"+7 701 555 01 42, +7 701 555 99 99\"\n\
         RR000005025CN,CN,KZ,X,\"+7 701 555 01 42 (WhatsApp)\"\n\
         RR000005039CN,CN,KZ,X,\"+7 701 555 01 42 доб. 5\"\n\
         RR000005042CN,KZ,CN,X,\"138 0013 8000 (WeChat)\"\n\
         RR000005056CN,KZ,CN,X,\"WeChat: 13800138000\"\n",
    )
    .unwrap();
    let v = nb.json(&["screen", s(&m)]);
    let hits: Vec<u64> = v["hits"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .map(|h| h["line"].as_u64().unwrap())
        .collect();
    assert_eq!(hits, [3, 4, 5, 6, 7], "{v}");
    let notice = &v["report"]["notices"][0];
    assert_eq!(
        notice["lines"],
        serde_json::json!([2, 3, 4, 5, 6, 7]),
        "{v}"
    );
    assert!(
        notice["first"]
            .as_str()
            .unwrap()
            .contains("screened by the phone written in it, +77015550199"),
        "{v}"
    );
    let out = nb.run(&["screen", s(&m)]).success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("notice: 6 rows (lines 2, 3, 4, 5, 6, 7;"),
        "{err}"
    );
}

// Watchlist entries and risk profiles in database exports: entries follow
// the handling rules records do, profiles (the post's own targeting)
// leave only with the whole notebook or when asked for, and what a merge
// receives of them is counted and screens nothing until someone here says
// so.

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
        rusqlite::Connection::open_with_flags(export, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
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

    let plain = a.beside("plain.db");
    a.ok(&["export", "--case", "C-0001", "--out", s(&plain)]);
    let (values, _, m) = carried(&plain);
    assert_eq!(values, ["+77015550142"], "{m}");
    assert_eq!(
        m["handling"]["withheld_red"], 2,
        "RED and AMBER+STRICT counted: {m}"
    );
    assert_eq!(m["handling"]["amber_strict"], serde_json::json!([]), "{m}");

    let strict = a.beside("strict.db");
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
    let p = a.beside("kz.toml");
    std::fs::write(&p, PROFILE).unwrap();
    a.ok(&["profile", "import", s(&p)]);
    watch(&a, "+77015550142", "courier", "AMBER", Some("C-0001"));
    watch(&a, "+77015550199", "the post's own lead", "AMBER", None);

    // A case: its entries, not the post's profiles nor its entries of no
    // case.
    let case = a.beside("case.db");
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
    let with = a.beside("with.db");
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
    let all = a.beside("all.db");
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

/// A phone watched that is no number of its country's plan (a digit
/// short) is watched as written and said, since it hits only the same
/// slip; a number of the plan is watched without a word.
#[test]
fn a_watched_phone_off_its_plan_is_said() {
    let nb = profiled();
    let out = nb
        .cmd()
        .args([
            "watch",
            "add",
            "phone",
            "+7 701 555 01 4",
            "--reason",
            "a lead",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("warning: value: \"+7701555014\" is no number of +7's plan"),
        "{said}"
    );
    assert!(nb.ok(&["watch", "list"]).contains("+7701555014"));
    let out = nb
        .cmd()
        .args([
            "watch",
            "add",
            "phone",
            "+7 701 555 01 42",
            "--reason",
            "a lead",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// A parcel saved again is scored again: a hit whose watchlist entry was
/// removed, or whose profile was switched off, goes, also when nothing is
/// left to screen against.
#[test]
fn a_hit_that_no_longer_holds_goes_when_its_parcel_is_saved_again() {
    let nb = profiled();
    nb.ok(&["watch", "add", "phone", "+77015550142", "--reason", "first"]);
    let add = |t: &str| {
        nb.ok(&[
            "add",
            "parcel",
            "--tracking",
            t,
            "--origin",
            "CN",
            "--destination",
            "KZ",
            "--recipient-phone",
            "+77015550142",
        ]);
    };
    add("RR000000028CN");
    let hits_on = |t: &str| -> usize {
        let all = nb.json(&["hits"]);
        all.as_array()
            .unwrap()
            .iter()
            .filter(|h| h["tracking"] == t)
            .count()
    };
    assert!(hits_on("RR000000028CN") >= 1);
    nb.ok(&["watch", "remove", "phone", "+77015550142"]);
    nb.ok(&["profile", "off", "kz-watch"]);
    nb.ok(&["edit", "RR000000028CN", "--set", "weight_g=100"]);
    assert_eq!(hits_on("RR000000028CN"), 0, "{}", nb.ok(&["hits"]));
}

/// A value per gram is compared in the profile's currency: 10,000 KRW and
/// 300 RUB for a kilogram are cheaper than 16 GBP and were never hit, as
/// 15 GBP was (the numbers were compared as declared). A currency with no
/// rate is not compared; a profile with no currency is said on import.
#[test]
fn value_per_gram_is_compared_in_one_currency() {
    let nb = Nb::new();
    let p = nb.beside("vpg.toml");
    std::fs::write(
        &p,
        "name = \"vpg\"\nthreshold = 1\n\n[[indicator]]\nlabel = \"cheap for weight\"\nweight = 10\nkind = \"value-per-gram\"\nmax = 0.02\ncurrency = \"USD\"\nrates = { KRW = 0.000725, RUB = 0.0105, GBP = 1.266 }\n",
    )
    .unwrap();
    let out = nb.ok(&["profile", "import", s(&p)]);
    assert!(!out.contains("no currency"), "{out}");
    let m = nb.beside("v.csv");
    std::fs::write(
        &m,
        "tracking,origin,destination,declared_contents,declared_value,declared_currency,weight_g\n\
         RR000001006CN,KR,KZ,green tea,10000,KRW,1000\n\
         RR000001010CN,RU,KZ,green tea,300,RUB,1000\n\
         RR000001023CN,GB,KZ,green tea,16,GBP,1000\n\
         RR000001037CN,US,KZ,green tea,15,USD,1000\n\
         RR000001045CN,TH,KZ,green tea,1,THB,1000\n",
    )
    .unwrap();
    let v: Value = nb.json(&["screen", s(&m)]);
    let mut hit: Vec<(String, String)> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["tracking"].as_str().unwrap().to_string(), h.to_string()))
        .collect();
    hit.sort();
    let trackings: Vec<&str> = hit.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        trackings,
        ["RR000001006CN", "RR000001010CN", "RR000001037CN"],
        "{v}"
    );
    assert!(hit[1].1.contains("300 RUB, 3.15 USD"), "{}", hit[1].1);
    // No currency: said, and compared as declared.
    let q = nb.beside("raw.toml");
    std::fs::write(
        &q,
        "name = \"raw\"\nthreshold = 1\n\n[[indicator]]\nweight = 10\nkind = \"value-per-gram\"\nmax = 0.02\n",
    )
    .unwrap();
    let out = nb
        .cmd()
        .args(["profile", "import", s(&q)])
        .assert()
        .success()
        .get_output()
        .clone();
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("no currency"), "{said}");
}

/// A declaration giving a catalogue substance's CAS number is hit by a
/// `contents` indicator with `substances = true` (only names and synonyms
/// were looked for).
#[test]
fn a_cas_number_declared_is_a_substance_named() {
    let nb = Nb::new();
    let p = nb.beside("cas.toml");
    std::fs::write(
        &p,
        "name = \"cas\"\nthreshold = 1\n\n[[indicator]]\nweight = 10\nkind = \"contents\"\nsubstances = true\n",
    )
    .unwrap();
    nb.ok(&["profile", "import", s(&p)]);
    let m = nb.beside("c.csv");
    std::fs::write(
        &m,
        "tracking,origin,destination,declared_contents\n\
         RR000001006CN,CN,KZ,437-38-7\n\
         RR000001010CN,CN,KZ,sample 437-38-70\n",
    )
    .unwrap();
    let v: Value = nb.json(&["screen", s(&m)]);
    let hits = v["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 1, "{v}");
    assert_eq!(hits[0]["tracking"], "RR000001006CN");
    assert!(
        hits[0]
            .to_string()
            .contains("CAS number 437-38-7 (Fentanyl)"),
        "{v}"
    );
}

/// A column the screen does not know is said, in the summary and the
/// JSON report: its values reach no indicator (a phone under "Recipient
/// mob." was screened against nothing, without a word).
#[test]
fn a_screen_says_the_columns_it_ignores() {
    let nb = Nb::new();
    nb.ok(&[
        "watch",
        "add",
        "phone",
        "+7 701 555 01 42",
        "--reason",
        "courier",
    ]);
    let m = nb.beside("m2.csv");
    std::fs::write(
        &m,
        "Tracking;Recipient mob.\nRR123456785KZ;+7 701 555 01 42\n",
    )
    .unwrap();
    let out = nb.run(&["screen", s(&m)]).success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("ignored columns") && err.contains("Recipient mob."),
        "{err}"
    );
    let v = nb.json(&["screen", s(&m)]);
    assert_eq!(v["report"]["ignored_columns"][0], "Recipient mob.", "{v}");
}

/// A seized parcel is no suspect of itself: its own sender name "like a
/// known suspect's" on itself fired and lifted it over the threshold.
#[test]
fn a_seized_parcel_is_not_like_itself() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let p = nb.beside("names.toml");
    std::fs::write(
        &p,
        "name = \"names\"\ndescription = \"x\"\nthreshold = 10\n\n[[indicator]]\nlabel = \"name like a suspect's\"\nweight = 25\nkind = \"name-like-suspect\"\nmin_score = 80\n",
    )
    .unwrap();
    nb.ok(&["profile", "import", s(&p)]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--status",
        "seized",
        "--sender-name",
        "Zhang Wei Chemicals",
    ]);
    nb.ok(&["edit", "RR123456785KZ", "--set", "weight_g=120"]);
    nb.ok(&["rescreen"]);
    let hits = nb.json(&["hits"]);
    assert!(
        !hits.to_string().contains("on seized parcel RR123456785KZ"),
        "{hits}"
    );
    // Another parcel of that name is like it.
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RB123456785CN",
        "--sender-name",
        "Zhang Wei Chemicals",
    ]);
    let hit = hit_on(&nb, "RB123456785CN");
    assert!(
        hit.to_string().contains("on seized parcel RR123456785KZ"),
        "{hit}"
    );
}

/// A manifest row that is not UTF-8 is passed over, named by its line,
/// and the rows after it are screened (the screen stopped there, and the
/// watchlist hits on the other rows were lost).
#[test]
fn a_row_that_is_not_utf8_never_stops_a_screen() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    nb.ok(&[
        "watch",
        "add",
        "phone",
        "+7 701 555 01 42",
        "--reason",
        "courier",
    ]);
    let m = nb.beside("m.csv");
    std::fs::write(
        &m,
        b"Tracking,Destination,Recipient phone,Sender name\nRR123456785KZ,KZ,+77015550142,Anna\nEE123456785KZ,KZ,+77015550199,M\xfcller\nCP123456785KZ,KZ,8 701 555 01 42,Bob\n",
    )
    .unwrap();
    let out = nb
        .cmd()
        .args(["screen", s(&m)])
        .assert()
        .success()
        .get_output()
        .clone();
    let said = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("RR123456785KZ") && said.contains("CP123456785KZ"),
        "{said}\n{err}"
    );
    assert!(
        err.contains("skipped line 3") && err.contains("not UTF-8"),
        "{err}"
    );
}

/// A phone written with `00` and its country code meets the watchlist
/// entry written with `+` (partners' tables write it so; it was kept as
/// `0049...`), and a watchlist phone with an extension is refused (its
/// digits were read as one longer number nothing matches).
#[test]
fn phones_written_with_00_meet_and_an_extension_is_no_phone() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    nb.ok(&[
        "watch",
        "add",
        "phone",
        "0049 30 1234567",
        "--reason",
        "supplier",
    ]);
    let err = nb.fails(&[
        "watch",
        "add",
        "phone",
        "+7 701 555 01 42 доб. 3",
        "--reason",
        "x",
    ]);
    assert!(err.contains("is not a phone number"), "{err}");
    let m = nb.beside("m.csv");
    std::fs::write(
        &m,
        "Tracking,Destination,Sender phone\nRR123456785KZ,KZ,+49 30 1234567\nLA123456785KZ,KZ,0049 30 1234567\n",
    )
    .unwrap();
    let v = nb.json(&["screen", s(&m)]);
    let hit = common::strings(&v["hits"], "tracking");
    assert!(
        hit.contains(&"RR123456785KZ") && hit.contains(&"LA123456785KZ"),
        "{v}"
    );
}

/// A YooMoney wallet or WebMoney purse on the watch or warning list is
/// read as the index reads one (`4100 1234567890`, `yoomoney:...` and the
/// bare digits are one wallet): a listed one stops connecting, a watched
/// one is a hit, the same wallet twice is refused, and what is no payment
/// id is refused (the lists kept the value as typed: accepted, doing
/// nothing).
#[test]
fn payment_ids_on_the_lists_are_read_as_the_index_reads_them() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    nb.ok(&["add", "case", "--title", "A"]);
    nb.ok(&["add", "case", "--title", "B"]);
    nb.ok(&[
        "add",
        "note",
        "--on",
        "C-0001",
        "--text",
        "paid to YooMoney 41001234567890",
    ]);
    nb.ok(&[
        "add",
        "note",
        "--on",
        "C-0002",
        "--text",
        "YooMoney wallet 4100 1234567890",
    ]);
    let linked = nb.ok(&["xref", "C-0001", "--depth", "2"]);
    assert!(linked.contains("wallet 4100 1234567890"), "{linked}");
    nb.ok(&["warnlist", "add", "payment", "41001234567890"]);
    let unlinked = nb.ok(&["xref", "C-0001", "--depth", "2"]);
    assert!(!unlinked.contains("wallet 4100 1234567890"), "{unlinked}");
    nb.ok(&["warnlist", "remove", "payment", "41001234567890"]);
    nb.ok(&[
        "watch",
        "add",
        "payment",
        "4100 1234567890",
        "--reason",
        "vendor wallet",
    ]);
    let twice = nb.fails(&[
        "watch",
        "add",
        "payment",
        "yoomoney:41001234567890",
        "--reason",
        "again",
    ]);
    assert!(twice.contains("on the watchlist already"), "{twice}");
    let bad = nb.fails(&[
        "watch",
        "add",
        "payment",
        "not a wallet at all",
        "--reason",
        "x",
    ]);
    assert!(bad.contains("is not a YooMoney wallet"), "{bad}");
    assert!(
        nb.fails(&["warnlist", "add", "payment", "not a wallet at all"])
            .contains("not a payment value")
    );
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR100000017CN",
        "--origin",
        "CN",
        "--destination",
        "KZ",
        "--found",
        "slip: pay YooMoney 41001234567890",
    ]);
    let hits = nb.ok(&["hits"]);
    assert!(hits.contains("RR100000017CN"), "{hits}");
}

/// `screen` reads a manifest as `import csv` does, its options too: a
/// date column whose slash dates no row tells the order of is read with
/// `--date-order` (the message named the flag, which `screen` refused);
/// a screen that could read no row says so and fails, rather than "no
/// hits".
#[test]
fn screen_takes_the_date_order_and_never_says_no_hits_of_rows_it_passed_over() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    nb.ok(&[
        "watch",
        "add",
        "phone",
        "+79173447267",
        "--reason",
        "vendor",
    ]);
    let file = nb.beside("amb.csv");
    std::fs::write(
        &file,
        "Tracking number,Sender phone,Posting date\nRR500000018CN,+7 917 344 72 67,03/04/2026\nRR500000021CN,+7 917 344 72 67,05/06/2026\n",
    )
    .unwrap();
    // Without the order the rows are screened without their dates, the
    // flag named (they were passed over, their watched phone with them).
    let out = nb.run(&["screen", file.to_str().unwrap()]).success();
    let o = out.get_output();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(
        stdout.contains("RR500000018CN") && stdout.contains("RR500000021CN"),
        "{stdout}"
    );
    assert!(stderr.contains("--date-order dmy"), "{stderr}");
    assert!(
        stderr.contains("left out of this row's screening"),
        "{stderr}"
    );
    // A screen that could read no row says so and fails.
    let none = nb.beside("none.csv");
    std::fs::write(
        &none,
        "Tracking number,Sender phone
RR50000001CN,+7 917 344 72 67
",
    )
    .unwrap();
    let out = nb.run(&["screen", none.to_str().unwrap()]).failure();
    let o = out.get_output();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(!stdout.lines().any(|l| l == "no hits"), "{stdout}");
    assert!(
        stdout.contains("1 rows could not be read and were not screened"),
        "{stdout}"
    );
    assert!(stderr.contains("nothing was screened"), "{stderr}");
    let hit = nb.ok(&["screen", file.to_str().unwrap(), "--date-order", "dmy"]);
    assert!(
        hit.contains("RR500000018CN") && hit.contains("RR500000021CN"),
        "{hit}"
    );
}

/// `many-senders` counts the parcels of its window of days by their own
/// dates (posted, else seized), in the notebook and in the manifest: an
/// archive of 2024 seizures imported today, and manifest rows posted
/// months apart, were a cluster "since" last week, by the day each
/// record was saved.
#[test]
fn many_senders_counts_parcels_by_their_own_dates() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let p = nb.beside("ms.toml");
    std::fs::write(
        &p,
        "name = \"ms\"\nthreshold = 50\n\n[[indicator]]\nweight = 50\nkind = \"many-senders\"\ndays = 7\nat_least = 3\n",
    )
    .unwrap();
    nb.ok(&["profile", "import", s(&p)]);
    let today = jiff::ZonedDateTime::now().date();
    let ago = |n: i64| {
        today
            .checked_sub(jiff::Span::new().days(n))
            .unwrap()
            .to_string()
    };
    let archive = nb.beside("archive.csv");
    std::fs::write(
        &archive,
        "tracking,origin,destination,sender_name,recipient_phone,seized_on,status\n\
         RR100000003CN,CN,KZ,Sender 0,+77015550142,2024-02-28,seized\n\
         RR100000017CN,CN,KZ,Sender 1,+77015550142,2024-02-29,seized\n\
         RR100000025CN,CN,KZ,Sender 2,+77015550142,2024-03-01,seized\n",
    )
    .unwrap();
    nb.ok(&["import", "csv", s(&archive)]);
    let screen = |rows: &[(&str, &str, &str, String)]| -> Value {
        let m = nb.beside("manifest.csv");
        let mut text =
            String::from("tracking,origin,destination,sender_phone,recipient_phone,posted_on\n");
        for (t, sender, phone, posted) in rows {
            text.push_str(&format!("{t},CN,KZ,{sender},{phone},{posted}\n"));
        }
        std::fs::write(&m, text).unwrap();
        nb.json(&["screen", s(&m)])
    };
    let hits = |v: &Value| v["hits"].as_array().unwrap().len();
    // The archive is of 2024: no cluster this week.
    let v = screen(&[("RR300000057CN", "+8613800000009", "+77015550142", ago(0))]);
    assert_eq!(hits(&v), 0, "{v}");
    // Rows of the manifest posted months apart: none either.
    let v = screen(&[
        ("RR300000065CN", "+8613800000001", "+77012223344", ago(300)),
        ("RR300000074CN", "+8613800000002", "+77012223344", ago(200)),
        ("RR300000009CN", "+8613800000003", "+77012223344", ago(100)),
    ]);
    assert_eq!(hits(&v), 0, "{v}");
    // The same rows posted this week are one.
    let v = screen(&[
        ("RR300000065CN", "+8613800000001", "+77012223344", ago(3)),
        ("RR300000074CN", "+8613800000002", "+77012223344", ago(2)),
        ("RR300000009CN", "+8613800000003", "+77012223344", ago(1)),
    ]);
    assert_eq!(hits(&v), 1, "{v}");
    // Parcels seized this week count with the manifest's row, the
    // archive's do not.
    let recent = nb.beside("recent.csv");
    std::fs::write(
        &recent,
        format!(
            "tracking,origin,destination,sender_name,recipient_phone,seized_on,status\n\
             RR100000034CN,CN,KZ,Sender 3,+77015550142,{},seized\n\
             RR100000048CN,CN,KZ,Sender 4,+77015550142,{},seized\n",
            ago(2),
            ago(1)
        ),
    )
    .unwrap();
    nb.ok(&["import", "csv", s(&recent)]);
    let v = screen(&[("RR300000057CN", "+8613800000009", "+77015550142", ago(0))]);
    assert_eq!(hits(&v), 1, "{v}");
    let why = v["hits"].to_string();
    assert!(
        why.contains("RR100000034CN") && !why.contains("RR100000003CN"),
        "{why}"
    );
}

/// A manifest's row is screened for what it holds even where one of its
/// cells cannot be read (a currency written `руб.` once was, a country
/// as `CHN`, a date no calendar has): the cell is left out and said, and
/// the watched phone beside it is a hit. The whole row was passed over,
/// its watched phone never screened. A row whose tracking number cannot
/// be read still cannot be screened.
#[test]
fn a_manifest_row_with_a_bad_cell_is_screened_for_the_rest() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    nb.ok(&[
        "watch",
        "add",
        "phone",
        "+7 701 999 12 34",
        "--reason",
        "courier",
    ]);
    let m = nb.beside("manifest.csv");
    std::fs::write(
        &m,
        "Трек-номер;Страна отправления;Телефон получателя;Стоимость;Валюта;Дата отправки\n\
         RR300000057CN;CN;+7 701 999 12 34;1500;руб.;2026-11-30\n\
         RR300000065CN;CHN;+7 701 999 12 34;1500;₽;2026-11-30\n\
         RR300000074CN;CN;+7 701 999 12 34;1500;RUB;2026-02-30\n\
         RR300000009CN;CN;+7 701 999 12 34;1500;дублоны;2026-11-30\n\
         RR30000007CN;CN;+7 701 999 12 34;1500;RUB;2026-11-30\n",
    )
    .unwrap();
    let v = nb.json(&["screen", s(&m)]);
    let hit: Vec<&str> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["tracking"].as_str().unwrap())
        .collect();
    assert_eq!(
        hit,
        [
            "RR300000057CN",
            "RR300000065CN",
            "RR300000074CN",
            "RR300000009CN"
        ],
        "{v}"
    );
    let notices = v["report"]["notices"].to_string();
    assert!(
        notices.contains("2026-02-30") && notices.contains("left out of this row's screening"),
        "{notices}"
    );
    assert!(notices.contains("дублоны"), "{notices}");
    assert_eq!(v["report"]["unreadable"], 1, "{v}");
}

/// A placeholder as labels write it is no evidence: an address holding a
/// listed address's words (`Poste restante, Almaty`, `до востребования,
/// г. Алматы`: the list held the bare phrase, and the office named beside
/// it made it a value) and a phone of zeros in any spelling (`+7 000 000
/// 00 00`: the list's `0000000000` met only itself) neither hit a screen
/// nor join two cases.
#[test]
fn placeholders_as_labels_write_them_are_no_evidence() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let profile = nb.beside("sis.toml");
    std::fs::write(
        &profile,
        "name = \"sis\"\nthreshold = 10\n[[indicator]]\nweight = 10\nkind = \"seen-in-seized\"\nkinds = [\"phone\", \"address\"]\n",
    )
    .unwrap();
    nb.ok(&["profile", "import", s(&profile)]);
    let seized = nb.beside("seized.csv");
    std::fs::write(
        &seized,
        "tracking,origin,destination,status,seized_on,recipient_phone,recipient_address\n\
         RR000040000CN,CN,KZ,seized,2026-11-01,+7 000 000 0000,\n\
         RR000040013CN,CN,KZ,seized,2026-11-01,,\"До востребования, Алматы\"\n\
         RR000040027CN,CN,KZ,seized,2026-11-01,,\"Poste restante, Almaty\"\n\
         RR000040035CN,CN,KZ,seized,2026-11-01,+7 701 555 01 42,\"ul. Abaya 5, Almaty\"\n",
    )
    .unwrap();
    nb.ok(&["import", "csv", s(&seized)]);
    let tomorrow = nb.beside("tomorrow.csv");
    std::fs::write(
        &tomorrow,
        "tracking,origin,destination,recipient_phone,recipient_address\n\
         RR000050007CN,CN,KZ,+7 000 000 00 00,\n\
         RR000050015CN,CN,KZ,,\"до востребования, г. Алматы\"\n\
         RR000050024CN,CN,KZ,,\"Poste Restante, Almaty\"\n\
         RR000050038CN,CN,KZ,,\"UL. ABAYA 5, ALMATY\"\n",
    )
    .unwrap();
    let said = nb.ok(&["screen", s(&tomorrow)]);
    // the real address, written otherwise, still hits; no placeholder does
    assert!(said.contains("parcel RR000050038CN"), "{said}");
    assert_eq!(said.matches(" parcel RR0000500").count(), 1, "{said}");
    nb.ok(&["add", "case", "--title", "A"]);
    nb.ok(&["add", "case", "--title", "B"]);
    for (t, address, phone, case) in [
        (
            "RR000070001CN",
            "До востребования, Алматы",
            "+7 000 000 0000",
            "C-0001",
        ),
        (
            "RR000070015CN",
            "до востребования, г. Алматы",
            "+7 000 000 00 00",
            "C-0002",
        ),
    ] {
        nb.ok(&[
            "add",
            "parcel",
            "--tracking",
            t,
            "--destination",
            "KZ",
            "--recipient-address",
            address,
            "--recipient-phone",
            phone,
            "--case",
            case,
        ]);
    }
    let path = nb.fails(&["path", "C-0001", "C-0002"]);
    assert!(path.contains("no chain"), "{path}");
    // A real street named with initials (`Н.А.`, the letters of `n/a`)
    // and a real number ending in zeros still connect.
    nb.ok(&["add", "case", "--title", "C"]);
    nb.ok(&["add", "case", "--title", "D"]);
    for (t, address, phone, case) in [
        (
            "RR000070029CN",
            "ул. Н.А. Некрасова 5, Алматы",
            "+7 700 000 00 00",
            "C-0003",
        ),
        (
            "RR000070032CN",
            "ул. Н.А. Некрасова 5, Алматы",
            "+7 700 000 00 00",
            "C-0004",
        ),
    ] {
        nb.ok(&[
            "add",
            "parcel",
            "--tracking",
            t,
            "--destination",
            "KZ",
            "--recipient-address",
            address,
            "--recipient-phone",
            phone,
            "--case",
            case,
        ]);
    }
    let path = nb.ok(&["path", "C-0003", "C-0004"]);
    assert!(path.contains("3 steps"), "{path}");
    let xref = nb.json(&["xref", "RR000070029CN"]).to_string();
    assert!(xref.contains("same recipient phone +77000000000"), "{xref}");
    assert!(xref.contains("same recipient address"), "{xref}");
}
