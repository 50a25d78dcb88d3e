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
    let file = nb.beside("event.json");
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
    let rewritten = nb.beside("pymisp.json");
    let out = Command::new(&tools[0])
        .arg(&script)
        .arg(&file)
        .arg(&templates)
        .arg(&rewritten)
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

    // The round trip: the event as PyMISP wrote it back, imported.
    let there = Nb::new();
    there.ok(&["init"]);
    imported_as_sent(&there, &rewritten);
}

/// Imports an event (of `case_with_people`) into an empty notebook and
/// checks that the case arrived whole, then that a second import adds
/// nothing.
fn imported_as_sent(there: &Nb, file: &Path) {
    let said = there.ok(&["import", "misp", file.to_str().unwrap()]);
    assert!(said.contains("as case C-0001 Operation Steppe"), "{said}");
    assert_eq!(there.count("parcels"), 2);
    assert_eq!(there.count("people"), 1);
    assert_eq!(there.count("organisations"), 1);
    let person = there.json(&["show", "Иван Петров"]);
    assert_eq!(person["born_on"], "1990-04-01");
    let f = there.json(&["list", "findings"]);
    assert_eq!(f[0]["form"], "powder");
    assert_eq!(f[0]["quantity"], 50.0);
    let links = there.ok(&["list", "links"]);
    assert!(links.contains("recipient-of"), "{links}");
    // The lead came back graded, on the case, with its identifiers.
    let xref = there.ok(&["xref", "C-0001", "--depth", "2"]);
    assert!(xref.contains("lead"), "{xref}");
    let again = there.ok(&["import", "misp", file.to_str().unwrap()]);
    assert!(again.contains("added nothing"), "{again}");
    there.ok(&["audit", "verify"]);
    common::assert_consistent(&there.db);
}

#[test]
fn an_exported_event_imports_whole_into_another_notebook() {
    let (nb, case) = case_with_people();
    let file = nb.beside("event.json");
    nb.ok(&[
        "export",
        "--misp",
        "--case",
        &case,
        "--out",
        file.to_str().unwrap(),
    ]);
    let there = Nb::new();
    there.ok(&["init"]);
    // A dry run writes nothing.
    let dry = there.ok(&["import", "misp", "--dry-run", file.to_str().unwrap()]);
    assert!(dry.contains("dry run"), "{dry}");
    // A byte-order mark before it, as Windows tools write one, is passed
    // over (the file was "not JSON").
    let bom = nb.beside("bom.json");
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend(std::fs::read(&file).unwrap());
    std::fs::write(&bom, bytes).unwrap();
    let dry = there.ok(&["import", "misp", "--dry-run", bom.to_str().unwrap()]);
    assert!(dry.contains("dry run"), "{dry}");
    assert_eq!(there.count("parcels"), 0);
    // Half a UTF-16 pair escaped alone is said as such (serde's words
    // alone were "unexpected end of hex escape").
    let lone = nb.beside("lone.json");
    let text = std::fs::read_to_string(&file).unwrap();
    let at = text
        .find("\"value\": \"")
        .or_else(|| text.find("\"value\":\""))
        .unwrap();
    let cut = text[at..].find(':').unwrap() + at + 1;
    let (head, tail) = text.split_at(cut);
    let tail = tail.trim_start().replacen('"', "\"\\ud800 ", 1);
    std::fs::write(&lone, format!("{head}{tail}")).unwrap();
    let err = there.fails(&["import", "misp", "--dry-run", lone.to_str().unwrap()]);
    assert!(err.contains("half a UTF-16 pair"), "{err}");
    imported_as_sent(&there, &file);
    // A crafted event passing a person off under a parcel's id is refused
    // whole.
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let parcel_id = objects(&event, "interdict-parcel")[0]["uuid"].clone();
    for o in event["Event"]["Object"].as_array_mut().unwrap() {
        if o["name"] == "person" {
            o["uuid"] = parcel_id.clone();
        }
    }
    // (The parcel itself is left out of the file: two objects under one
    // uuid are refused before the notebook is asked.)
    event["Event"]["Object"]
        .as_array_mut()
        .unwrap()
        .retain(|o| !(o["name"] == "interdict-parcel" && o["uuid"] == parcel_id));
    let crafted = nb.beside("crafted.json");
    std::fs::write(&crafted, event.to_string()).unwrap();
    let err = there.fails(&["import", "misp", crafted.to_str().unwrap()]);
    assert!(err.contains("is a parcel in this notebook"), "{err}");
    // A file that is not an event is refused, naming what is wrong.
    let bad = nb.beside("bad.json");
    std::fs::write(&bad, r#"{"Event": {"uuid": "not-a-uuid", "info": "x"}}"#).unwrap();
    let err = there.fails(&["import", "misp", bad.to_str().unwrap()]);
    assert!(
        err.contains("Event.uuid") && err.contains("nothing was imported"),
        "{err}"
    );
}

#[test]
fn a_lab_confirmed_finding_travels_and_an_oversized_event_is_refused() {
    let (nb, case) = case_with_people();
    nb.ok(&[
        "lab",
        "add",
        "RR123456785CN",
        "--lab",
        "CFL",
        "--ref",
        "CFL-1",
        "--method",
        "GC-MS",
    ]);
    assert_eq!(
        nb.json(&["list", "findings"])[0]["identification"],
        "lab-confirmed"
    );
    let file = nb.beside("event.json");
    nb.ok(&[
        "export",
        "--misp",
        "--case",
        &case,
        "--out",
        file.to_str().unwrap(),
    ]);
    let there = Nb::new();
    there.ok(&["init"]);
    // MISP carries no laboratory results: the finding comes as the event
    // says it is.
    there.ok(&["import", "misp", file.to_str().unwrap()]);
    assert_eq!(
        there.json(&["list", "findings"])[0]["identification"],
        "lab-confirmed"
    );
    // An event too big to import in about a second is refused, whole.
    let big = nb.beside("big.json");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str(&" ".repeat(5 << 20));
    std::fs::write(&big, text).unwrap();
    let other = Nb::new();
    other.ok(&["init"]);
    let err = other.fails(&["import", "misp", big.to_str().unwrap()]);
    assert!(err.contains("at most 4194304 bytes"), "{err}");
    assert_eq!(other.count("parcels"), 0);
}

/// A finding's lab reference and note travel in the event and come back
/// (they went nowhere, and a round trip lost them); a reference written
/// in them (brackets, quotes) reads back as written.
#[test]
fn a_findings_test_reference_and_note_travel() {
    let (nb, case) = case_with_people();
    let id = nb.json(&["list", "findings"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    nb.ok(&[
        "edit",
        &id,
        "--set",
        "test_ref=LAB-2026-001 [\"B\"]",
        "--set",
        "note=two bags, one torn",
    ]);
    let file = nb.beside("event.json");
    nb.ok(&[
        "export",
        "--misp",
        "--case",
        &case,
        "--out",
        common::s(&file),
    ]);
    let there = Nb::new();
    there.ok(&["init"]);
    there.ok(&["import", "misp", common::s(&file)]);
    let f = &there.json(&["list", "findings"])[0];
    assert_eq!(f["test_ref"], "LAB-2026-001 [\"B\"]", "{f}");
    assert_eq!(f["note"], "two bags, one torn", "{f}");
}

/// A partner's `contains` reference that says the finding in words (as
/// MISP users write it, or interdict's own wording without its block) is
/// read as written; words it cannot read are kept as the finding's note
/// and said, and no form is made up (every such finding was stored as
/// presumptive powder, with no quantity, without a word).
#[test]
fn a_finding_written_in_words_is_read_and_nothing_is_made_up() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let sub = "5b0a3c1e-0000-4000-8000-000000000002";
    let parcel = |n: u32, t: &str, comment: &str| {
        serde_json::json!({"name": "interdict-parcel", "uuid": format!("5b0a3c1e-0000-4000-8000-00000000010{n}"),
            "Attribute": [{"object_relation": "tracking-number", "type": "text", "value": t}],
            "ObjectReference": [{"uuid": format!("5b0a3c1e-0000-4000-8000-00000000020{n}"),
                "object_uuid": format!("5b0a3c1e-0000-4000-8000-00000000010{n}"),
                "referenced_uuid": sub, "relationship_type": "contains", "comment": comment}]})
    };
    let event = serde_json::json!({"Event": {"uuid": "5b0a3c1e-0000-4000-8000-000000000001",
    "info": "partner seizure", "date": "2026-11-30", "Tag": [{"name": "tlp:green"}],
    "Object": [
        {"name": "interdict-substance", "uuid": sub,
         "Attribute": [{"object_relation": "name", "type": "text", "value": "Mephedrone"}]},
        parcel(1, "RR000011017CN", "120 tablets (lab-confirmed)"),
        parcel(2, "RR000011025CN", "19 g crystals (lab-confirmed)"),
        parcel(3, "RR000011034CN", "a white substance in two bags"),
        // A mark between thousands reads both ways (it was 1.5), a
        // unit in Russian, a number past any seizure: kept as words.
        parcel(4, "RR000011048CN", "1,500 tablets"),
        parcel(5, "RR000011051CN", "19 г кристаллы"),
        parcel(6, "RR000011065CN", "99999999999999999999999 g powder"),
    ]}});
    let file = import_value(&nb, "ev.json", &event);
    let said = nb.ok(&["import", "misp", common::s(&file)]);
    let findings = nb.json(&["list", "findings"]);
    let by = |t: &str| {
        let parcel = nb.json(&["show", t])["id"].as_str().unwrap().to_string();
        findings
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["parcel_id"] == parcel.as_str())
            .unwrap()
            .clone()
    };
    let f = by("RR000011017CN");
    assert_eq!(
        (
            &f["form"],
            &f["quantity"],
            &f["unit"],
            &f["identification"],
            &f["note"]
        ),
        (
            &"tablets".into(),
            &120.0.into(),
            &"tablets".into(),
            &"lab-confirmed".into(),
            &Value::Null
        ),
        "{f}"
    );
    let f = by("RR000011025CN");
    assert_eq!(
        (&f["form"], &f["quantity"], &f["unit"], &f["identification"]),
        (
            &"crystals".into(),
            &19.0.into(),
            &"g".into(),
            &"lab-confirmed".into()
        ),
        "{f}"
    );
    let f = by("RR000011034CN");
    assert_eq!(
        (&f["form"], &f["identification"], &f["note"]),
        (
            &"other".into(),
            &"presumptive".into(),
            &"a white substance in two bags".into()
        ),
        "{f}"
    );
    for (t, words) in [
        ("RR000011048CN", "1,500 tablets"),
        ("RR000011051CN", "19 г кристаллы"),
        ("RR000011065CN", "99999999999999999999999 g powder"),
    ] {
        let f = by(t);
        assert_eq!(
            (&f["form"], &f["quantity"], &f["note"]),
            (&"other".into(), &Value::Null, &words.into()),
            "{f}"
        );
    }
    assert!(
        said.contains("\"a white substance in two bags\" is not read as a finding")
            && said.contains("stored as form other, presumptive, the words kept as its note"),
        "{said}"
    );
    // A block of interdict's own that cannot be read whole is refused,
    // naming the reference (its junk, a repeated key, an empty value, a
    // quote that does not end were dropped without a word).
    for block in [
        "[form=tablets note=\"x\" junk]",
        "[form=tablets quantity=5 quantity=7 unit=tablets]",
        "[form=tablets quantity= unit=g]",
        "[form=tablets note=\"unterminated]",
    ] {
        let mut e = event.clone();
        e["Event"]["uuid"] = uuid_for(block).into();
        e["Event"]["Object"][1]["ObjectReference"][0]["comment"] = block.into();
        let other = Nb::new();
        other.ok(&["init"]);
        let err = other.fails(&[
            "import",
            "misp",
            common::s(&import_value(&other, "b.json", &e)),
        ]);
        assert!(
            err.contains("reference 5b0a3c1e-0000-4000-8000-000000000201")
                && err.contains("the comment's block"),
            "{block}: {err}"
        );
    }
}

/// Tags interdict does not keep (a partner's PAP:RED, galaxy tags),
/// galaxy clusters and sightings are said, never dropped without a word
/// (the next export shared a PAP:RED event's content without it).
#[test]
fn tags_galaxies_and_sightings_not_kept_are_said() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let v = event_with(
        &["tlp:amber", "PAP:RED", "misp-galaxy:threat-actor=\"X\""],
        tracking("RR123456785CN"),
        serde_json::json!({
            "Attribute": [{"type": "email-src", "value": "shop@example.com",
                "Tag": [{"name": "PAP:RED"}], "Sighting": [{"type": "0"}],
                "Galaxy": [{"name": "Tool", "GalaxyCluster": [{"value": "Z"}]}]}],
            "Galaxy": [{"name": "Threat Actor", "GalaxyCluster": [{"value": "X"}]}],
        }),
    );
    let file = import_value(&nb, "tags.json", &v);
    let said = nb.ok(&["import", "misp", common::s(&file)]);
    assert!(
        said.contains("tagged PAP:RED: the partner's limit on how it may be used is not kept"),
        "{said}"
    );
    assert!(
        said.contains("3 tag(s) not imported")
            && said.contains("\"misp-galaxy:threat-actor=\\\"X\\\"\" (the event)")
            && said.contains("\"PAP:RED\" (attribute email-src)"),
        "{said}"
    );
    assert!(
        said.contains("2 galaxy cluster(s) not imported: X, Z"),
        "{said}"
    );
    assert!(said.contains("1 sighting(s) not imported"), "{said}");
}

/// A small event of one parcel, with these tags.
fn event_with(tags: &[&str], parcel_attrs: Value, extra: Value) -> Value {
    let mut e = serde_json::json!({"Event": {
        "uuid": uuid_for(&format!("{tags:?}{parcel_attrs}{extra}")),
        "info": "partner event",
        "date": "2026-03-01",
        "Tag": tags.iter().map(|t| serde_json::json!({"name": t})).collect::<Vec<_>>(),
        "Attribute": [],
        "Object": [{
            "name": "interdict-parcel",
            "uuid": "e0edd3fb-8156-48fb-858c-2b95e39a6eeb",
            "Attribute": parcel_attrs,
            "ObjectReference": [],
        }],
    }});
    if let Value::Object(m) = extra {
        for (k, v) in m {
            e["Event"][k] = v;
        }
    }
    e
}

fn uuid_for(s: &str) -> String {
    // Stable per content, so two events here never share a case id.
    let mut h: u128 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h = (h ^ u128::from(b)).wrapping_mul(0x100000001b3);
    }
    let hex = format!("{h:032x}");
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn tracking(t: &str) -> Value {
    serde_json::json!([
        {"object_relation": "tracking-number", "type": "text", "value": t},
        {"object_relation": "declared-contents", "type": "text", "value": "tea"},
    ])
}

fn import_value(nb: &Nb, name: &str, v: &Value) -> std::path::PathBuf {
    let file = nb.db.parent().unwrap().join(name);
    std::fs::write(&file, v.to_string()).unwrap();
    file
}

#[test]
fn the_strictest_of_several_tlp_tags_applies_and_tlp_white_is_clear() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    for (tags, want) in [
        (&["tlp:clear", "tlp:red"][..], "RED"),
        (&["tlp:red", "tlp:clear"][..], "RED"),
        (&["tlp:green", "TLP:AMBER+STRICT"][..], "AMBER+STRICT"),
        (&["tlp:white"][..], "CLEAR"),
    ] {
        let f = import_value(
            &nb,
            "e.json",
            &event_with(tags, tracking("EE000000080CN"), Value::Null),
        );
        let said = nb.ok(&["import", "misp", f.to_str().unwrap()]);
        let case = nb.json(&["list", "cases"]);
        let last = case.as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["tlp"], want, "{tags:?}: {said}");
        if tags.len() > 1 {
            assert!(said.contains(&format!("the strictest, {want}")), "{said}");
        }
        if tags == ["tlp:white"] {
            assert!(said.contains("read as CLEAR"), "{said}");
        }
    }
    let f = import_value(
        &nb,
        "e.json",
        &event_with(&["tlp:purple"], tracking("EE000000080CN"), Value::Null),
    );
    let err = nb.fails(&["import", "misp", f.to_str().unwrap()]);
    assert!(err.contains("tlp:purple"), "{err}");
}

/// A TLP tag on an attribute or object holds what it tags at that level:
/// a note, person or organisation at its own, a parcel (which has none)
/// by its case, the event's attributes by their note. A `tlp:red` on one
/// annotation of a `tlp:green` event was imported GREEN and left in the
/// next plain export.
#[test]
fn tlp_tags_on_attributes_and_objects_hold_what_they_tag() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let red = serde_json::json!([{"name": "tlp:red"}]);
    let mut e = event_with(&["tlp:green"], tracking("EE000000080CN"), Value::Null);
    e["Event"]["Object"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "name": "annotation",
            "uuid": "5a0c2f1e-8e59-4a8e-9d0b-2f6a1c3e4d5f",
            "Attribute": [{"object_relation": "text", "type": "text",
                           "value": "SOURCE IS INFORMANT K-17", "Tag": red}],
        }));
    e["Event"]["Attribute"] = serde_json::json!([
        {"type": "phone-number", "value": "+77015550142"},
        {"type": "btc", "value": "bc1q3d7fs2wjnp7z3q8hdjxkp7fpyl7jzquev8gt6v", "Tag": red},
    ]);
    let f = import_value(&nb, "e.json", &e);
    let said = nb.ok(&["import", "misp", f.to_str().unwrap()]);
    assert!(said.contains("is tagged RED: imported as RED"), "{said}");
    let notes = nb.json(&["list", "notes"]);
    let tlp_of = |text: &str| {
        notes
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["text"].as_str().unwrap().contains(text))
            .map(|n| n["tlp"].as_str().unwrap().to_string())
    };
    assert_eq!(tlp_of("INFORMANT").as_deref(), Some("RED"), "{notes}");
    assert_eq!(tlp_of("bc1q3d7").as_deref(), Some("RED"), "{notes}");
    // The case stays GREEN: its parcel is tagged with nothing stricter.
    let cases = nb.json(&["list", "cases"]);
    assert_eq!(cases[0]["tlp"], "GREEN", "{cases}");
    // A parcel's attribute tagged RED makes its case RED.
    let mut attrs = tracking("EE000000102CN");
    attrs[1]["Tag"] = red.clone();
    let e = event_with(&["tlp:green"], attrs, Value::Null);
    let f = import_value(&nb, "e2.json", &e);
    let said = nb.ok(&["import", "misp", f.to_str().unwrap()]);
    assert!(said.contains("the case is RED"), "{said}");
    let cases = nb.json(&["list", "cases"]);
    assert_eq!(
        cases.as_array().unwrap().last().unwrap()["tlp"],
        "RED",
        "{cases}"
    );
}

/// A reference is from the object that holds it: an `object_uuid`
/// naming a record of this notebook made a link between two of its own
/// parcels (or put the file's finding on one), unsaid.
#[test]
fn a_reference_is_from_the_object_that_holds_it() {
    let nb = Nb::new();
    for t in ["RR473124829KZ", "RR123456785KZ"] {
        nb.ok(&["add", "parcel", "--tracking", t]);
    }
    let id_of = |t: &str| nb.json(&["show", t])["id"].as_str().unwrap().to_string();
    let (mine, other) = (id_of("RR473124829KZ"), id_of("RR123456785KZ"));
    let mut e = event_with(&["tlp:green"], tracking("EE000000080CN"), Value::Null);
    e["Event"]["Object"][0]["ObjectReference"] = serde_json::json!([{
        "uuid": "7d2b8f8e-3c1a-4f55-9a39-0c6e5b1f2a11",
        "object_uuid": mine,
        "referenced_uuid": other,
        "relationship_type": "same-sender-as",
    }]);
    let f = import_value(&nb, "e.json", &e);
    let said = nb.ok(&["import", "misp", f.to_str().unwrap()]);
    assert!(
        said.contains(&format!("says it is from \"{mine}\"")),
        "{said}"
    );
    let c = rusqlite::Connection::open(&nb.db).unwrap();
    let ends: Vec<(String, String)> = c
        .prepare(
            "SELECT fp.tracking, tp.tracking FROM links l
             JOIN parcels fp ON fp.id = l.from_id JOIN parcels tp ON tp.id = l.to_id
             WHERE l.link_type <> 'includes'",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    // From the file's parcel (its own object), not between two of this
    // notebook's.
    assert_eq!(ends.len(), 1, "{ends:?}");
    assert!(
        ends[0].0 == "EE000000080CN" || ends[0].1 == "EE000000080CN",
        "{ends:?}"
    );
}

/// Objects and references MISP marks deleted are left out and counted,
/// as deleted attributes are (a retracted person came back live); two
/// objects under one uuid written in other letter cases are one uuid.
#[test]
fn deleted_objects_and_references_are_left_out_and_uuids_ignore_case() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let mut e = event_with(&["tlp:green"], tracking("EE000000080CN"), Value::Null);
    let objects = e["Event"]["Object"].as_array_mut().unwrap();
    objects.push(serde_json::json!({
        "name": "person",
        "uuid": "3f0a6b2c-1d4e-4f80-9a7b-5c6d7e8f9a0b",
        "deleted": true,
        "Attribute": [{"object_relation": "full-name", "type": "full-name", "value": "Retracted Person"}],
    }));
    objects[0]["ObjectReference"] = serde_json::json!([{
        "uuid": "7d2b8f8e-3c1a-4f55-9a39-0c6e5b1f2a12",
        "referenced_uuid": "3f0a6b2c-1d4e-4f80-9a7b-5c6d7e8f9a0b",
        "relationship_type": "sends",
        "deleted": "1",
    }]);
    let f = import_value(&nb, "e.json", &e);
    let said = nb.ok(&["import", "misp", f.to_str().unwrap()]);
    assert!(
        said.contains("1 object(s) marked deleted in MISP left out"),
        "{said}"
    );
    assert!(
        said.contains("1 reference(s) marked deleted in MISP left out"),
        "{said}"
    );
    assert_eq!(nb.json(&["list", "people"]).as_array().unwrap().len(), 0);
    // The parcel again under its uuid in capitals, with another sender.
    let mut e = event_with(&["tlp:green"], tracking("EE000000102CN"), Value::Null);
    let mut copy = e["Event"]["Object"][0].clone();
    copy["uuid"] = copy["uuid"].as_str().unwrap().to_uppercase().into();
    copy["Attribute"].as_array_mut().unwrap().push(
        serde_json::json!({"object_relation": "sender-name", "type": "text", "value": "Other"}),
    );
    e["Event"]["Object"].as_array_mut().unwrap().push(copy);
    let f = import_value(&nb, "e2.json", &e);
    let err = nb.fails(&["import", "misp", f.to_str().unwrap()]);
    assert!(err.contains("two objects with this uuid"), "{err}");
}

#[test]
fn nothing_in_an_event_is_dropped_without_a_word() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let attrs = |w: Value| {
        let mut a = tracking("EE000000045CN");
        a.as_array_mut()
            .unwrap()
            .push(serde_json::json!({"object_relation": "weight-g", "type": "float", "value": w}));
        a
    };
    // A number as a number is read; null or an object refuses the file,
    // naming the attribute.
    let f = import_value(
        &nb,
        "n.json",
        &event_with(&[], attrs(serde_json::json!(123)), Value::Null),
    );
    nb.ok(&["import", "misp", f.to_str().unwrap()]);
    assert_eq!(nb.json(&["show", "EE000000045CN"])["weight_g"], 123.0);
    for bad in [Value::Null, serde_json::json!({"a": 1})] {
        let f = import_value(
            &nb,
            "b.json",
            &event_with(&["tlp:green"], attrs(bad.clone()), Value::Null),
        );
        let err = nb.fails(&["import", "misp", f.to_str().unwrap()]);
        assert!(err.contains("attribute weight-g"), "{bad}: {err}");
    }
    // Two objects under one uuid with different content: refused.
    let mut two = event_with(&["tlp:red"], tracking("EE000000102CN"), Value::Null);
    let mut second = two["Event"]["Object"][0].clone();
    second["Attribute"] = tracking("EE000000116CN");
    two["Event"]["Object"].as_array_mut().unwrap().push(second);
    let f = import_value(&nb, "d.json", &two);
    let err = nb.fails(&["import", "misp", f.to_str().unwrap()]);
    assert!(err.contains("two objects with this uuid"), "{err}");
    // A deleted attribute is left out and said; a reference to nothing is
    // said.
    let mut a = tracking("EE000000133CN");
    a.as_array_mut().unwrap().push(serde_json::json!(
        {"object_relation": "sender-name", "type": "text", "value": "Old Name", "deleted": true}
    ));
    let mut e = event_with(
        &["tlp:amber"],
        a,
        serde_json::json!({"Attribute": [
            {"type": "btc", "value": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "deleted": true}
        ]}),
    );
    e["Event"]["Object"][0]["uuid"] = "2e385857-0000-4000-8000-000000000001".into();
    e["Event"]["Object"][0]["ObjectReference"] = serde_json::json!([{
        "uuid": "ab3aa75a-a704-4989-8a5a-3b115e65a36c",
        "object_uuid": "2e385857-0000-4000-8000-000000000001",
        "referenced_uuid": "6c0a3b7e-0000-4000-8000-000000000009",
        "relationship_type": "related-to"
    }]);
    let f = import_value(&nb, "g.json", &e);
    let said = nb.ok(&["import", "misp", f.to_str().unwrap()]);
    assert!(said.contains("2 attribute(s) marked deleted"), "{said}");
    assert!(
        said.contains("6c0a3b7e-0000-4000-8000-000000000009") && said.contains("left out"),
        "{said}"
    );
    assert_eq!(
        nb.json(&["show", "EE000000133CN"])["sender_name"],
        Value::Null
    );
    assert!(!nb.json(&["list", "notes"]).to_string().contains("bc1q"));
}

#[test]
fn a_rest_response_or_a_list_of_one_event_and_many_attributes_import() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let phones: Vec<Value> = (0..800)
        .map(|i| {
            serde_json::json!({"type": "phone-number", "category": "Person",
                "value": format!("+7 701 555 {i:04}"), "comment": "a courier's phone, seen on a label"})
        })
        .collect();
    let e = event_with(
        &["tlp:green"],
        tracking("EE000000045CN"),
        serde_json::json!({"Attribute": phones}),
    );
    let rest = serde_json::json!({"response": [e.clone()]});
    let f = import_value(&nb, "r.json", &rest);
    let said = nb.ok(&["import", "misp", f.to_str().unwrap()]);
    assert!(said.contains("added 1 case"), "{said}");
    let notes = nb.json(&["list", "notes"]);
    let notes = notes.as_array().unwrap();
    assert!(notes.len() >= 2, "{}", notes.len());
    let all: String = notes.iter().map(|n| n["text"].as_str().unwrap()).collect();
    assert!(all.contains("+7 701 555 0000") && all.contains("+7 701 555 0799"));
    // A list of one event is the same event: nothing new.
    let f = import_value(&nb, "l.json", &serde_json::json!([e["Event"].clone()]));
    let again = nb.ok(&["import", "misp", f.to_str().unwrap()]);
    assert!(again.contains("added nothing"), "{again}");
    // Two events: refused, naming the shape.
    let f = import_value(
        &nb,
        "two.json",
        &serde_json::json!({"response": [e.clone(), e]}),
    );
    let err = nb.fails(&["import", "misp", f.to_str().unwrap()]);
    assert!(err.contains("a MISP REST response of 2 events"), "{err}");
}

/// A card number written in free text (a note, an organisation's
/// contacts) never leaves whole in an event, even with --show-cards: it is
/// masked but for its last four digits, as the README promises.
#[test]
fn card_numbers_in_free_text_leave_masked() {
    let (nb, case) = case_with_people();
    nb.ok(&[
        "add",
        "note",
        "--on",
        &case,
        "--text",
        "paid with card 4111 1111 1111 1111 at the kiosk",
    ]);
    let file = nb.beside("cards.json");
    nb.ok(&[
        "--show-cards",
        "export",
        "--misp",
        "--case",
        &case,
        "--out",
        file.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains("4111 1111 1111 1111"), "a card left whole");
    assert!(text.contains("************1111"), "masked in the note");
}

/// A notebook's own event read back: an organisation's contacts holding
/// a card number come back masked, as every export masks them, and are
/// the contacts here, not a difference (it was filed as a conflict whose
/// two sides printed alike, and taking the file's side put the stars in
/// place of the number).
#[test]
fn a_masked_card_read_back_is_the_number_here() {
    let (nb, case) = case_with_people();
    nb.ok(&[
        "edit",
        "Almaty Mef Shop",
        "--set",
        "contacts=@almaty_mef_bot, card 4111 1111 1111 1111",
    ]);
    let file = nb.beside("own.json");
    nb.ok(&[
        "export",
        "--misp",
        "--case",
        &case,
        "--out",
        file.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("************1111"), "masked in the event");
    let said = nb.json(&["import", "misp", file.to_str().unwrap()]);
    let notices = said["notices"].to_string();
    assert!(!notices.contains("contacts"), "{said}");
    let open = nb.json(&["conflicts"]);
    assert!(
        !open.to_string().contains("Almaty Mef Shop"),
        "no conflict of the shop: {open}"
    );
    let shop = nb.json(&["--show-cards", "show", "Almaty Mef Shop"]);
    assert!(shop.to_string().contains("4111 1111 1111 1111"), "{shop}");
}

/// A GREEN case holding an AMBER note goes out under tlp:amber (its
/// strictest) with its own level beside it, each person and note tagged
/// with its own: read back into the notebook it came from, nothing
/// differs (the case came back AMBER, a conflict of its own event), and
/// into a new one each is what it was.
#[test]
fn a_round_trip_keeps_each_records_own_tlp() {
    let (nb, case) = case_with_people();
    nb.ok(&["edit", &case, "--set", "tlp=GREEN"]);
    nb.ok(&["edit", "Иван Петров", "--set", "tlp=GREEN"]);
    // Looser than its case: it came back at the case's level.
    nb.ok(&["edit", "Almaty Mef Shop", "--set", "tlp=CLEAR"]);
    nb.ok(&[
        "add",
        "note",
        "--on",
        &case,
        "--text",
        "source says Tuesday",
        "--tlp",
        "AMBER",
    ]);
    let file = nb.beside("own-tlp.json");
    nb.ok(&[
        "export",
        "--misp",
        "--case",
        &case,
        "--out",
        file.to_str().unwrap(),
    ]);
    let event: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let tags = event["Event"]["Tag"].to_string();
    assert!(
        tags.contains("tlp:amber") && tags.contains("interdict:case-tlp"),
        "{tags}"
    );
    let said = nb.json(&["import", "misp", file.to_str().unwrap()]);
    assert_eq!(said["differ"], 0, "{said}");
    let there = Nb::new();
    there.ok(&["init"]);
    there.ok(&["import", "misp", file.to_str().unwrap()]);
    let c = there.json(&["list", "cases"]);
    assert_eq!(c[0]["tlp"], "GREEN", "{c}");
    let p = there.json(&["show", "Иван Петров"]);
    assert_eq!(p["tlp"], "GREEN", "{p}");
    let o = there.json(&["show", "Almaty Mef Shop"]);
    assert_eq!(o["tlp"], "CLEAR", "{o}");
    let notes = there.json(&["list", "notes"]);
    let tuesday = notes
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["text"] == "source says Tuesday")
        .unwrap();
    assert_eq!(tuesday["tlp"], "AMBER", "{notes}");
}

/// One tracking number under two parcel objects of an event is named as
/// the file's own repeat (with the object that gave it first), not as a
/// parcel the notebook holds: the notebook holds none.
#[test]
fn a_tracking_number_given_twice_in_one_event_is_named_as_the_files() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let mut e = event_with(&["tlp:green"], tracking("EE000000080CN"), Value::Null);
    let mut second = e["Event"]["Object"][0].clone();
    second["uuid"] = "33333333-3333-4333-8333-333333333333".into();
    e["Event"]["Object"].as_array_mut().unwrap().push(second);
    let f = import_value(&nb, "twice.json", &e);
    for dry in [true, false] {
        let mut args = vec!["import", "misp", f.to_str().unwrap()];
        if dry {
            args.push("--dry-run");
        }
        let err = nb.fails(&args);
        assert!(
            err.contains("object 33333333-3333-4333-8333-333333333333")
                && err.contains(
                    "parcel EE000000080CN is object e0edd3fb-8156-48fb-858c-2b95e39a6eeb of this file too"
                )
                && !err.contains("already in the notebook"),
            "{err}"
        );
    }
    assert_eq!(nb.count("parcels"), 0);
}

/// What a typed record would be told is said of an imported one too (a
/// seizure dated 2099 was stored without a word), and a NUL byte, which
/// is never data, refuses the event with nothing written.
#[test]
fn an_imported_parcel_is_told_what_a_typed_one_is() {
    let nb = Nb::new();
    let attrs = serde_json::json!([
        {"object_relation": "tracking-number", "type": "text", "value": "RR123456785KZ"},
        {"object_relation": "status", "type": "text", "value": "seized"},
        {"object_relation": "seized-on", "type": "datetime", "value": "2099-01-01"},
    ]);
    let file = import_value(
        &nb,
        "future.json",
        &event_with(&["tlp:amber"], attrs, Value::Null),
    );
    let v = nb.json(&["import", "misp", file.to_str().unwrap()]);
    let notices = v["notices"].to_string();
    assert!(
        notices.contains("seized_on: 2099-01-01 is in the future"),
        "{v}"
    );
    let attrs = serde_json::json!([
        {"object_relation": "tracking-number", "type": "text", "value": "RR473124829KZ"},
        {"object_relation": "recipient-name", "type": "text", "value": "A\u{0}B"},
    ]);
    let mut e = event_with(&["tlp:amber"], attrs, Value::Null);
    e["Event"]["Object"][0]["uuid"] = "5a6c2a3e-8b1d-4c2e-9f00-0d3a4b5c6d7e".into();
    let file = import_value(&nb, "nul.json", &e);
    let err = nb.fails(&["import", "misp", file.to_str().unwrap()]);
    assert!(err.contains("NUL byte"), "{err}");
    assert_eq!(nb.count("parcels"), 1);
}

/// A case sent as a MISP event, imported there and sent back as an
/// export, holds the same data: its records are unchanged here, not
/// conflicts "edited on both sides" with no field differing (their
/// creation stamps differ: the import wrote them anew).
#[test]
fn an_event_back_as_an_export_is_no_conflict() {
    let (nb, case) = case_with_people();
    let file = nb.beside("event.json");
    nb.ok(&[
        "export",
        "--misp",
        "--case",
        &case,
        "--out",
        file.to_str().unwrap(),
    ]);
    let there = Nb::new();
    there.ok(&["init"]);
    there.ok(&["import", "misp", file.to_str().unwrap()]);
    let back = there.beside("back.db");
    there.ok(&["export", "--all", "--out", back.to_str().unwrap()]);
    let r = nb.json(&["merge", "--trust-new", back.to_str().unwrap()]);
    let shown = nb.ok(&["conflicts"]);
    let first = nb.json(&["conflicts"]);
    let detail = first
        .as_array()
        .and_then(|a| a.first())
        .map(|c| nb.ok(&["conflicts", "show", &c["id"].to_string()]))
        .unwrap_or_default();
    assert_eq!(r["conflicts"], 0, "{r}\n{shown}\n{detail}");
    nb.ok(&["audit", "verify"]);
}

/// An event imported again with the case renamed and raised to RED: the
/// case here waits as a conflict with both differences said (it was
/// passed over without a word, and exported on as AMBER).
#[test]
fn a_case_raised_to_red_in_an_event_imported_again_is_a_conflict() {
    let (nb, case) = case_with_people();
    let file = nb.beside("event.json");
    nb.ok(&[
        "export",
        "--misp",
        "--case",
        &case,
        "--out",
        file.to_str().unwrap(),
    ]);
    let there = Nb::new();
    there.ok(&["init"]);
    there.ok(&["import", "misp", file.to_str().unwrap()]);
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    event["Event"]["info"] = Value::from(format!("{case} Operation Steppe RENAMED"));
    event["Event"]["Tag"] = serde_json::json!([{"name": "tlp:red"}]);
    let renamed = nb.beside("renamed.json");
    std::fs::write(&renamed, event.to_string()).unwrap();
    let said = there.ok(&["import", "misp", renamed.to_str().unwrap()]);
    assert!(
        said.contains("RENAMED") && said.contains("\"RED\""),
        "{said}"
    );
    let listed = there.ok(&["conflicts"]);
    assert!(
        listed.contains("case") && listed.contains("tlp"),
        "{listed}"
    );
    // Nothing written over until a person chooses.
    assert!(!there.ok(&["list", "cases"]).contains("RENAMED"));
}

/// What an event adds says where it came from: `show` names the import
/// and its file (imported records looked typed here).
#[test]
fn an_imported_record_names_the_event_it_came_through() {
    let (nb, case) = case_with_people();
    let file = nb.beside("event.json");
    nb.ok(&[
        "export",
        "--misp",
        "--case",
        &case,
        "--out",
        file.to_str().unwrap(),
    ]);
    let there = Nb::new();
    there.ok(&["init"]);
    there.ok(&["import", "misp", file.to_str().unwrap()]);
    let p = there.json(&["show", "RR123456785CN"]);
    let came = p["came_through"].to_string();
    assert!(
        came.contains("import") && came.contains("event.json"),
        "{p}"
    );
    let shown = there.ok(&["show", "RR123456785CN"]);
    assert!(
        shown.contains("  imported ") && shown.contains("event.json, by "),
        "{shown}"
    );
}

/// An event holding a parcel another post recorded under a number held
/// here keeps both, saying so with both ids, as a merge does (the event
/// was refused whole with "edit it instead").
#[test]
fn an_event_parcel_of_a_number_held_here_is_kept_beside_it() {
    let (nb, case) = case_with_people();
    let file = nb.beside("event.json");
    nb.ok(&[
        "export",
        "--misp",
        "--case",
        &case,
        "--out",
        file.to_str().unwrap(),
    ]);
    let there = Nb::new();
    there.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785CN",
        "--recipient-name",
        "I. Petrov",
    ]);
    let said = there.ok(&["import", "misp", file.to_str().unwrap()]);
    assert!(
        said.contains("of the same tracking number") && said.contains("both kept"),
        "{said}"
    );
    let parcels = there.json(&["list", "parcels"]);
    let same = common::strings(&parcels, "tracking")
        .into_iter()
        .filter(|t| *t == "RR123456785CN")
        .count();
    assert_eq!(same, 2, "{parcels}");
}

/// An organisation's description is not its contacts: one of this
/// notebook's, with a description and no contacts (or a description that
/// names a site), comes back as it went, into another notebook and into
/// this one; a partner's description is kept whole and gives as contacts
/// only the sites and addresses written in it. The whole description was
/// copied into the contacts, and a round trip moved its lines between
/// the two fields.
#[test]
fn an_organisations_description_is_not_its_contacts() {
    let (nb, case) = case_with_people();
    for (name, description) in [
        ("Khimprom Trading", "Telegram-магазин\nбез контактов"),
        ("Mirror Shop", "mirror of https://mef-shop.kz\nsecond line"),
    ] {
        nb.ok(&[
            "add",
            "organisation",
            "--name",
            name,
            "--set",
            &format!("description={description}"),
        ]);
        nb.ok(&["add", "link", name, &case, "--type", "related-to"]);
    }
    let file = nb.beside("orgs.json");
    nb.ok(&[
        "export",
        "--misp",
        "--case",
        &case,
        "--out",
        file.to_str().unwrap(),
    ]);
    let field = |nb: &Nb, name: &str, f: &str| -> Value { nb.json(&["show", name])[f].clone() };
    let there = Nb::new();
    there.ok(&["init"]);
    for _ in 0..2 {
        there.ok(&["import", "misp", file.to_str().unwrap()]);
        assert_eq!(
            field(&there, "Khimprom Trading", "description"),
            "Telegram-магазин\nбез контактов"
        );
        assert_eq!(field(&there, "Khimprom Trading", "contacts"), Value::Null);
        assert_eq!(
            field(&there, "Mirror Shop", "description"),
            "mirror of https://mef-shop.kz\nsecond line"
        );
        assert_eq!(field(&there, "Mirror Shop", "contacts"), Value::Null);
    }
    let said = nb.json(&["import", "misp", file.to_str().unwrap()]);
    assert!(!said["notices"].to_string().contains("contacts"), "{said}");
    assert!(
        !nb.json(&["conflicts"]).to_string().contains("contacts"),
        "{}",
        nb.json(&["conflicts"])
    );

    // A partner's organisation: its description whole, its sites and
    // addresses as contacts, an address it gives twice once.
    let event = serde_json::json!({"Event": {
        "uuid": uuid_for("partner org"),
        "info": "partner event",
        "date": "2026-03-01",
        "Tag": [{"name": "tlp:amber"}],
        "Attribute": [],
        "Object": [{
            "name": "organization",
            "uuid": "2b0f3c9e-5a3b-4d7e-9f1a-0c2d3e4f5a6b",
            "Attribute": [
                {"object_relation": "name", "type": "text", "value": "Partner Shop"},
                {"object_relation": "description", "type": "text",
                 "value": "Sells via @partner_shop_kz and sales@partner.kz\nno office"},
                {"object_relation": "e-mail", "type": "email-src", "value": "Sales@Partner.kz"},
            ],
            "ObjectReference": [],
        }],
    }});
    let file = import_value(&there, "partner.json", &event);
    there.ok(&["import", "misp", file.to_str().unwrap()]);
    assert_eq!(
        field(&there, "Partner Shop", "description"),
        "Sells via @partner_shop_kz and sales@partner.kz\nno office"
    );
    assert_eq!(
        field(&there, "Partner Shop", "contacts"),
        "sales@partner.kz; @partner_shop_kz"
    );
}

/// An object or reference the partner marks deleted in a later version
/// of an event already imported is named where this notebook holds it
/// (kept: an import deletes nothing), with how to delete it: it was
/// only counted, and the withdrawn attribution stood unsaid.
#[test]
fn a_partners_withdrawal_of_what_is_here_is_named() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let event = |deleted: bool| {
        serde_json::json!({"Event": {
            "uuid": "6f1c2a7e-1b2c-4d3e-8f40-5a6b7c8d9e01",
            "info": "partner event",
            "date": "2026-03-01",
            "Tag": [{"name": "tlp:amber"}],
            "Attribute": [],
            "Object": [
                {
                    "name": "interdict-parcel",
                    "uuid": "6f1c2a7e-1b2c-4d3e-8f40-5a6b7c8d9e02",
                    "Attribute": tracking("RR123456785CN"),
                    "ObjectReference": [],
                },
                {
                    "name": "person",
                    "uuid": "6f1c2a7e-1b2c-4d3e-8f40-5a6b7c8d9e03",
                    "deleted": deleted,
                    "Attribute": [
                        {"object_relation": "full-name", "type": "full-name", "value": "Асанов Бакыт"},
                    ],
                    "ObjectReference": [{
                        "uuid": "6f1c2a7e-1b2c-4d3e-8f40-5a6b7c8d9e04",
                        "referenced_uuid": "6f1c2a7e-1b2c-4d3e-8f40-5a6b7c8d9e02",
                        "relationship_type": "receives",
                        "deleted": deleted,
                    }],
                },
            ],
        }})
    };
    let v1 = import_value(&nb, "v1.json", &event(false));
    nb.ok(&["import", "misp", v1.to_str().unwrap()]);
    let x = nb.ok(&["show", "RR123456785CN"]);
    assert!(x.contains("Асанов Бакыт"), "{x}");
    let v2 = import_value(&nb, "v2.json", &event(true));
    let said = nb.json(&["import", "misp", v2.to_str().unwrap()]);
    let notices = said["notices"].to_string();
    assert!(
        notices.contains("6f1c2a7e-1b2c-4d3e-8f40-5a6b7c8d9e03 is marked deleted in MISP")
            && notices.contains("Асанов Бакыт"),
        "{notices}"
    );
    assert!(
        notices.contains("6f1c2a7e-1b2c-4d3e-8f40-5a6b7c8d9e04 is marked deleted in MISP"),
        "{notices}"
    );
    // Kept, as said.
    assert!(nb.ok(&["show", "RR123456785CN"]).contains("Асанов Бакыт"));
}

/// A field of the wrong shape is refused, naming it, with nothing
/// imported: a `Tag` given as text or a list of texts was read as no tag
/// (a RED note came in GREEN, a RED event AMBER), an `Object` given as
/// an object as no objects (every parcel left out, exit 0), a wrong-typed
/// `info` was said "missing", and a date that is no date opened the case
/// today.
#[test]
fn a_field_of_the_wrong_shape_is_refused_naming_it() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let base = || event_with(&["tlp:green"], tracking("EE000000080CN"), Value::Null);
    let annotation = |tag: Value| {
        let mut e = base();
        e["Event"]["Object"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "name": "annotation",
                "uuid": "5a0c2f1e-8e59-4a8e-9d0b-2f6a1c3e4d5f",
                "Tag": tag,
                "Attribute": [{"object_relation": "text", "type": "text",
                               "value": "SOURCE IS INFORMANT K-17"}],
            }));
        e
    };
    let cases: Vec<(Value, &str)> = vec![
        (
            annotation(serde_json::json!("tlp:red")),
            "Event.Object[1].Tag: expected a list of objects, found text",
        ),
        (
            annotation(serde_json::json!({"name": "tlp:red"})),
            "Event.Object[1].Tag: expected a list of objects, found an object",
        ),
        (
            annotation(serde_json::json!(["tlp:red"])),
            "Event.Object[1].Tag[0]: expected an object, found text",
        ),
        (
            annotation(serde_json::json!([{"name": 7}])),
            "Event.Object[1].Tag[0].name: expected text, found a number",
        ),
        (
            {
                let mut e = base();
                e["Event"]["Tag"] = serde_json::json!("tlp:red");
                e
            },
            "Event.Tag: expected a list of objects, found text",
        ),
        (
            {
                let mut e = base();
                e["Event"]["Object"] = serde_json::json!({});
                e
            },
            "Event.Object: expected a list of objects, found an object",
        ),
        (
            {
                let mut e = base();
                e["Event"]["Object"][0]["ObjectReference"] = serde_json::json!({});
                e
            },
            "Event.Object[0].ObjectReference: expected a list of objects",
        ),
        (
            {
                let mut e = base();
                e["Event"]["Attribute"] = serde_json::json!("x");
                e
            },
            "Event.Attribute: expected a list of objects, found text",
        ),
        (
            {
                let mut e = base();
                e["Event"]["Attribute"] = serde_json::json!([5]);
                e
            },
            "Event.Attribute[0]: expected an object, found a number",
        ),
        (
            {
                let mut e = base();
                e["Event"]["Object"][0]["Attribute"] = serde_json::json!("x");
                e
            },
            "Event.Object[0].Attribute: expected a list of objects",
        ),
        (
            {
                let mut e = base();
                e["Event"]["info"] = serde_json::json!([[1]]);
                e
            },
            "Event.info: expected text, found a list",
        ),
        (
            {
                let mut e = base();
                e["Event"]["Object"][0]["Attribute"][0]["type"] = serde_json::json!(5);
                e
            },
            "Event.Object[0].Attribute[0].type: expected text, found a number",
        ),
        (
            {
                let mut e = base();
                e["Event"]["date"] = serde_json::json!("2099-13-45");
                e
            },
            "Event.date: opened_on: \"2099-13-45\" is not a date",
        ),
        (
            {
                let mut e = base();
                e["Event"] = serde_json::json!("x");
                e
            },
            "Event: expected an object, found text",
        ),
    ];
    let more: Vec<(Value, &str)> = vec![
        (
            {
                let mut e = base();
                e["Event"]["date"] = serde_json::json!("");
                e
            },
            "Event.date: empty",
        ),
        (
            {
                let mut e = base();
                e["Event"]["date"] = serde_json::json!(" ");
                e
            },
            "Event.date: empty",
        ),
        (
            {
                let mut e = base();
                e["Event"]["date"] = Value::Null;
                e
            },
            "Event.date: empty",
        ),
        (
            {
                let mut e = base();
                e["Event"]["Attribute"] = serde_json::json!([{"type": "text", "value": null}]);
                e
            },
            "Event.Attribute[0].value: expected text or a number, found null",
        ),
        (
            {
                let mut e = base();
                e["Event"]["Attribute"] =
                    serde_json::json!([{"type": "text", "value": ["@shopvendor"]}]);
                e
            },
            "Event.Attribute[0].value: expected text or a number, found a list",
        ),
        (
            {
                let mut e = base();
                e["Event"]["Attribute"] = serde_json::json!([{"value": "@shopvendor"}]);
                e
            },
            "Event.Attribute[0].type: missing",
        ),
    ];
    for (e, want) in cases.into_iter().chain(more) {
        let f = import_value(&nb, "e.json", &e);
        let err = nb.fails(&["import", "misp", f.to_str().unwrap()]);
        assert!(err.contains(want), "want {want:?}: {err}");
        assert!(err.contains("nothing was imported"), "{err}");
        assert_eq!(nb.json(&["list", "cases"]), serde_json::json!([]), "{want}");
    }
    // The same event well shaped comes in, its date opening the case; an
    // attribute's number value is its text.
    let mut e = annotation(serde_json::json!([{"name": "tlp:red"}]));
    e["Event"]["Attribute"] = serde_json::json!([{"type": "text", "value": 12345}]);
    let f = import_value(&nb, "e.json", &e);
    nb.ok(&["import", "misp", f.to_str().unwrap()]);
    assert_eq!(nb.json(&["list", "cases"])[0]["opened_on"], "2026-03-01");
    assert!(
        nb.json(&["list", "notes"])
            .to_string()
            .contains("text 12345")
    );
    // With no date at all, opened today, and said.
    let mut e = base();
    e["Event"]["uuid"] = serde_json::json!("7f1c0d2e-3b4a-4c5d-8e6f-0a1b2c3d4e5f");
    e["Event"].as_object_mut().unwrap().remove("date");
    let f = import_value(&nb, "e.json", &e);
    let said = nb.ok(&["import", "misp", f.to_str().unwrap()]);
    assert!(
        said.contains("the event gives no date: the case is opened today"),
        "{said}"
    );
}

/// A key given twice in one object is refused at its line: serde_json
/// keeps the last, and `"Tag": [tlp:red], "Tag": [tlp:clear]` came in
/// CLEAR past "the strictest applies".
#[test]
fn a_key_given_twice_is_refused() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let text = event_with(&["tlp:red"], tracking("EE000000080CN"), Value::Null)
        .to_string()
        .replacen(
            "\"Tag\":[{\"name\":\"tlp:red\"}]",
            "\"Tag\":[{\"name\":\"tlp:red\"}],\n\"Tag\":[{\"name\":\"tlp:clear\"}]",
            1,
        );
    assert!(text.contains("tlp:clear"), "{text}");
    let f = nb.db.parent().unwrap().join("twice.json");
    std::fs::write(&f, text).unwrap();
    let err = nb.fails(&["import", "misp", f.to_str().unwrap()]);
    assert!(
        err.contains("\"Tag\" given twice in one object at line 2"),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(nb.json(&["list", "cases"]), serde_json::json!([]));
}

/// A TLP extension tag (`tlp:ex:chr`, Chatham House Rule) is a limit on
/// use, not a level: named as PAP's are, wherever it is tagged (on an
/// object it was said nowhere).
#[test]
fn a_tlp_extension_is_named_as_a_limit_wherever_it_is() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let mut e = event_with(&["tlp:green"], tracking("EE000000080CN"), Value::Null);
    e["Event"]["Object"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "name": "annotation",
            "uuid": "5a0c2f1e-8e59-4a8e-9d0b-2f6a1c3e4d5f",
            "Tag": [{"name": "tlp:ex:chr"}],
            "Attribute": [{"object_relation": "text", "type": "text", "value": "met at the fair"}],
        }));
    let f = import_value(&nb, "e.json", &e);
    let said = nb.ok(&["import", "misp", f.to_str().unwrap()]);
    assert!(
        said.contains("tagged tlp:ex:chr: the partner's limit on how it may be used is not kept"),
        "{said}"
    );
    assert!(
        said.contains("\"tlp:ex:chr\" (object annotation)"),
        "{said}"
    );
}
