//! A case as an i2 Analyst's Notebook chart (ANX): parsed as XML here and
//! checked for the structure the format requires (every entity has a type
//! and an identity, every link's ends exist, every attribute names a
//! declared class), the icons by kind, the shared values as entities of
//! their own, TLP and grading as attributes, and what may not leave left
//! out.

mod common;

use common::Nb;
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use std::collections::{HashMap, HashSet};

/// The chart's elements: (tag, attributes), in document order.
fn elements(bytes: &[u8]) -> Vec<(String, HashMap<String, String>)> {
    let text = common::anx_text(bytes);
    assert!(text.starts_with("<?xml version='1.0' encoding='utf-16'?>"));
    let mut reader = Reader::from_str(&text);
    let mut out = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        (
                            String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                            a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                                .unwrap()
                                .into_owned(),
                        )
                    })
                    .collect();
                out.push((
                    String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
                    attrs,
                ));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

#[test]
fn a_case_is_an_analysts_notebook_chart_with_a_sound_structure() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let case = nb.ok(&["add", "case", "--title", "Operation <Steppe> & Co"]);
    let case = case.trim().to_string();
    for t in ["RR123456785CN", "RR000000005CN"] {
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
            "+7 701 555 01 42",
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
        "Isotonitazene",
    ]);
    nb.ok(&[
        "add",
        "person",
        "--name",
        "Иван Петров",
        "--phone",
        "+7 701 555 01 42",
    ]);
    nb.ok(&[
        "add",
        "link",
        "Иван Петров",
        "RR123456785CN",
        "--type",
        "recipient-of",
        "--grade",
        "2B",
    ]);
    nb.ok(&[
        "add",
        "note",
        "--on",
        &case,
        "--lead",
        "--grade",
        "1AP",
        "--text",
        "informant says so",
    ]);
    nb.ok(&[
        "add",
        "note",
        "--on",
        &case,
        "--tlp",
        "RED",
        "--text",
        "the informant's name",
    ]);
    let file = nb.beside("steppe.anx");
    let said = nb.ok(&[
        "export",
        "--graph",
        "anx",
        "--case",
        &case,
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(said.contains("wrote"), "{said}");
    let els = elements(&std::fs::read(&file).unwrap());
    let all = |tag: &str| -> Vec<&HashMap<String, String>> {
        els.iter()
            .filter(|(t, _)| t == tag)
            .map(|(_, a)| a)
            .collect()
    };
    assert_eq!(all("Chart").len(), 1);
    // Every entity has an id, an identity and an icon (its type).
    let entities = all("Entity");
    let icons = all("IconStyle");
    assert_eq!(entities.len(), icons.len());
    let ids: HashSet<&str> = entities.iter().map(|e| e["EntityId"].as_str()).collect();
    assert_eq!(ids.len(), entities.len(), "entity ids are unique");
    assert!(entities.iter().all(|e| !e["Identity"].is_empty()));
    let types: HashSet<&str> = all("EntityType")
        .iter()
        .map(|t| t["Name"].as_str())
        .collect();
    assert!(icons.iter().all(|i| types.contains(i["Type"].as_str())));
    for want in ["Case", "Package", "Drugs", "Person", "Document", "Phone"] {
        assert!(types.contains(want), "{want} not in {types:?}");
    }
    // Every link's ends exist.
    let links = all("Link");
    assert!(!links.is_empty());
    for l in &links {
        assert!(
            ids.contains(l["End1Id"].as_str()) && ids.contains(l["End2Id"].as_str()),
            "{l:?}"
        );
    }
    // Every attribute names a declared class.
    let classes: HashMap<&str, &str> = all("AttributeClass")
        .iter()
        .map(|c| (c["Id"].as_str(), c["Name"].as_str()))
        .collect();
    for a in all("Attribute") {
        assert_eq!(
            classes.get(a["AttributeClassReference"].as_str()),
            Some(&a["AttributeClass"].as_str())
        );
    }
    let values = |class: &str| -> Vec<&str> {
        all("Attribute")
            .iter()
            .filter(|a| a["AttributeClass"] == class)
            .map(|a| a["Value"].as_str())
            .collect()
    };
    assert!(values("TLP").contains(&"AMBER"));
    assert!(values("Grading").contains(&"1AP"), "the lead's grading");
    assert!(values("Grading").contains(&"2B"), "the link's grading");
    // The phone the parcels and the person share is one entity, linked to
    // each holder.
    let labels: Vec<&str> = all("ChartItem")
        .iter()
        .filter_map(|c| c.get("Label").map(String::as_str))
        .collect();
    assert_eq!(
        labels.iter().filter(|l| **l == "+77015550142").count(),
        1,
        "{labels:?}"
    );
    assert!(
        labels.iter().any(|l| l.contains("Operation <Steppe> & Co")),
        "markup escaped and read back"
    );
    // A link is drawn from its own from-item: the person's recipient-of
    // runs person -> parcel (met from the parcel, it ran backwards,
    // labelled "recipient-of (from)").
    let after = |i: usize, tag: &str| els[i..].iter().find(|(t, _)| t == tag).unwrap().1.clone();
    let item = |label: &str| {
        els.iter()
            .position(|(t, a)| {
                t == "ChartItem" && a.get("Label").is_some_and(|l| l.contains(label))
            })
            .unwrap_or_else(|| panic!("no {label}"))
    };
    let person = after(item("Иван Петров"), "Entity")["EntityId"].clone();
    let parcel = after(item("RR123456785CN"), "Entity")["EntityId"].clone();
    let link = after(item("recipient-of"), "Link");
    assert_eq!(
        (&link["End1Id"], &link["End2Id"]),
        (&person, &parcel),
        "{link:?}"
    );
    assert!(!labels.iter().any(|l| l.contains("(from)")), "{labels:?}");
    // The RED note stays behind.
    assert!(
        !els.iter()
            .any(|(_, a)| a.values().any(|v| v.contains("informant's name")))
    );
    // Without --out it says why.
    let err = nb.fails(&["export", "--graph", "anx", "--case", &case]);
    assert!(err.contains("--out"), "{err}");
}

/// Text XML 1.0 forbids (U+FFFE, U+FFFF) is left out, and a line end in
/// an attribute is written as a reference, read back as a line end: the
/// chart was no XML a parser would open, and a note's lines ran together.
#[test]
fn characters_xml_forbids_are_left_out_and_line_ends_kept() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let case = nb.ok(&["add", "case", "--title", "Op\u{FFFF} Steppe\u{FFFE}"]);
    let case = case.trim().to_string();
    for t in ["RR123456785CN", "RR000000005CN"] {
        nb.ok(&["add", "parcel", "--tracking", t, "--case", &case]);
    }
    nb.ok(&[
        "add",
        "link",
        "RR123456785CN",
        "RR000000005CN",
        "--type",
        "same-sender-as",
        "--note",
        "seen at\nthe depot",
    ]);
    let file = nb.beside("c.anx");
    nb.ok(&[
        "export",
        "--graph",
        "anx",
        "--case",
        &case,
        "--out",
        file.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&file).unwrap();
    let text = common::anx_text(&bytes);
    assert!(
        !text.contains('\u{FFFF}') && !text.contains('\u{FFFE}'),
        "{text}"
    );
    assert!(text.contains("Op Steppe"), "{text}");
    let els = elements(&bytes);
    let kept = els
        .iter()
        .flat_map(|(_, a)| a.values())
        .any(|v| v.contains("seen at\nthe depot"));
    assert!(kept, "{text}");
}
