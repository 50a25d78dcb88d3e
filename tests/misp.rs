//! A case as a MISP event: content checked here, and the event rebuilt
//! through PyMISP strictly (`pip install pymisp`): every object from its
//! template (interdict's own parcel and substance templates, shipped in
//! `assets/misp-objects/`, and MISP's person, organization and annotation),
//! every attribute by type and category, then a round trip. PyMISP must be
//! present in CI; elsewhere the content checks run and the rebuild is named
//! at the end of the run as not run.

mod common;

use common::Nb;
use common::tools::{PYMISP, require};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn case_with_people() -> (Nb, String) {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let case = nb.ok(&["add", "case", "--title", "Operation Steppe"]);
    let case = case.trim().to_string();
    for (t, name) in [
        ("RR123456785CN", "Ivan Petrov"),
        ("RR000000005CN", "Iwan Petrow"),
    ] {
        nb.ok(&[
            "add",
            "parcel",
            "--tracking",
            t,
            "--origin",
            "CN",
            "--destination",
            "KZ",
            "--recipient-name",
            name,
            "--declared",
            "tea sample",
            "--weight",
            "450",
            "--status",
            "seized",
            "--case",
            &case,
        ]);
    }
    nb.ok(&[
        "add",
        "finding",
        "--parcel",
        "RR123456785CN",
        "--substance",
        "мефедрон",
        "--form",
        "powder",
        "--quantity",
        "50",
        "--unit",
        "g",
    ]);
    nb.ok(&[
        "add",
        "person",
        "--name",
        "Иван Петров",
        "--alias",
        "Ivan Petrov",
        "--born",
        "1990-04-01",
        "--nationality",
        "KZ",
        "--phone",
        "+7 701 555 01 42",
        "--document",
        "passport KZ N1234567",
    ]);
    nb.ok(&[
        "add",
        "organisation",
        "--name",
        "Almaty Mef Shop",
        "--contacts",
        "@almaty_mef_bot, https://mef-shop.kz",
    ]);
    nb.ok(&[
        "add",
        "link",
        "Иван Петров",
        "RR123456785CN",
        "--type",
        "recipient-of",
    ]);
    nb.ok(&[
        "add",
        "link",
        "Almaty Mef Shop",
        &case,
        "--type",
        "related-to",
    ]);
    nb.ok(&[
        "add",
        "note",
        "--on",
        &case,
        "--lead",
        "--grade",
        "2B",
        "--text",
        "Buyer pays bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq and IBAN KZ86 125K ZT50 0410 0100",
    ]);
    nb.ok(&[
        "add",
        "note",
        "--on",
        "RR123456785CN",
        "--tlp",
        "RED",
        "--text",
        "informant's name: not to leave",
    ]);
    (nb, case)
}

fn objects<'a>(event: &'a Value, name: &str) -> Vec<&'a Value> {
    event["Event"]["Object"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["name"] == name)
        .collect()
}

fn attr<'a>(o: &'a Value, relation: &str) -> Vec<&'a str> {
    o["Attribute"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["object_relation"] == relation)
        .map(|a| a["value"].as_str().unwrap())
        .collect()
}

#[test]
fn a_case_is_a_misp_event_that_pymisp_rebuilds_strictly() {
    let (nb, case) = case_with_people();
    let file = nb.db.parent().unwrap().join("event.json");
    nb.ok(&[
        "export",
        "--misp",
        "--case",
        &case,
        "--out",
        file.to_str().unwrap(),
    ]);
    let event: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let e = &event["Event"];
    assert_eq!(e["info"], format!("{case} Operation Steppe"));
    assert_eq!(e["Tag"][0]["name"], "tlp:amber");
    assert_eq!(e["distribution"], "0");

    let parcels = objects(&event, "interdict-parcel");
    assert_eq!(parcels.len(), 2);
    let first = parcels
        .iter()
        .find(|o| attr(o, "tracking-number") == ["RR123456785CN"])
        .unwrap();
    assert_eq!(attr(first, "weight-g"), ["450"]);
    // The finding: the parcel contains Mephedrone.
    let mephedrone = objects(&event, "interdict-substance");
    assert_eq!(attr(mephedrone[0], "name"), ["Mephedrone"]);
    assert!(attr(mephedrone[0], "synonym").contains(&"мефедрон"));
    let contains = first["ObjectReference"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["relationship_type"] == "contains")
        .unwrap();
    assert_eq!(contains["referenced_uuid"], mephedrone[0]["uuid"]);
    // The person and the shop, with MISP's templates.
    let person = objects(&event, "person");
    assert_eq!(attr(person[0], "full-name"), ["Иван Петров"]);
    assert_eq!(attr(person[0], "alias"), ["Ivan Petrov"]);
    assert_eq!(attr(person[0], "date-of-birth"), ["1990-04-01"]);
    let receives = person[0]["ObjectReference"][0].clone();
    assert_eq!(receives["relationship_type"], "receives");
    assert_eq!(receives["referenced_uuid"], first["uuid"]);
    assert_eq!(objects(&event, "organization").len(), 1);
    // The lead as an annotation, graded; the RED note stays behind.
    let notes = objects(&event, "annotation");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(attr(notes[0], "type"), ["lead (graded 2B)"]);
    assert!(!event.to_string().contains("informant"));
    // What the lead and the shop name online and as payment.
    let attrs: Vec<(&str, &str)> = e["Attribute"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["type"].as_str().unwrap(), a["value"].as_str().unwrap()))
        .collect();
    for want in [
        ("btc", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
        ("iban", "KZ86125KZT5004100100"),
        ("domain", "mef-shop.kz"),
        ("text", "@almaty_mef_bot"),
    ] {
        assert!(attrs.contains(&want), "{want:?} not in {attrs:?}");
    }

    // A RED case does not leave unless named.
    nb.ok(&["edit", &case, "--set", "tlp=RED"]);
    let refused = nb.fails(&["export", "--misp", "--case", &case]);
    assert!(refused.contains("RED"), "{refused}");
    nb.ok(&["export", "--misp", "--case", &case, "--include-red", &case]);

    let Some(tools) = require("MISP rebuild", &[&PYMISP]) else {
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/misp_check.py");
    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/misp-objects");
    let out = Command::new(&tools[0])
        .arg(&script)
        .arg(&file)
        .arg(&templates)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "PyMISP refused the event:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rebuilt: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rebuilt["objects"]["interdict-parcel"], 2, "{rebuilt}");
    assert_eq!(rebuilt["objects"]["person"], 1, "{rebuilt}");
    assert_eq!(rebuilt["attributes"], 4, "{rebuilt}");
    assert_eq!(rebuilt["tags"][0], "tlp:amber");
}
