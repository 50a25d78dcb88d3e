//! STIX 2.1 export of a demo case, checked by the OASIS validator
//! (`pip install stix2-validator`) and by content.
//!
//! The validator must be present in CI; elsewhere, without it, the content
//! checks still run and the validation is named at the end of the run as
//! not run.

mod common;

use common::Nb;
use common::tools::{STIX_VALIDATOR, require};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const TLP_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// Runs the OASIS validator with warnings as errors. Two best-practice
/// checks are off, each for a reason:
/// - 103 (uuid-check) wants random UUIDv4 ids for SDOs; ours are UUIDv5 in
///   the namespace of each record's own UUID, which STIX 2.1 allows, so
///   that exporting the same records again gives the same ids;
/// - 202 (relationship-types) warns about relationship types the spec does
///   not suggest ("permitted, but not a suggested"); STIX 2.1 allows custom
///   types, and ours (contains, sent-by, same-sender-as...) name what a
///   link says.
///
/// `--enforce-refs` also requires everything referenced to be in the bundle.
fn validate(validator: &Path, file: &Path) {
    let out = Command::new(validator)
        .args([
            "--strict",
            "--disable",
            "103,202",
            "--enforce-refs",
            "--no-cache",
        ])
        .arg(file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("STIX JSON: Valid"),
        "stix2_validator rejected {}:\n{text}\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn objects<'a>(bundle: &'a Value, ty: &str) -> Vec<&'a Value> {
    bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["type"] == ty)
        .collect()
}

fn export(nb: &Nb, extra: &[&str]) -> (String, Value) {
    let out = nb._dir.path().join("bundle.json");
    let mut args = vec![
        "export",
        "--stix",
        "--case",
        "C-0001",
        "--agency",
        "Test Customs",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    nb.ok(&args);
    let text = std::fs::read_to_string(&out).unwrap();
    (text.clone(), serde_json::from_str(&text).unwrap())
}

/// A demo notebook whose first case holds a same-sender link, a sender
/// e-mail and a TLP:RED note; returns two tracking numbers and the note id.
fn notebook() -> (Nb, String, String, String) {
    let nb = Nb::new();
    nb.ok(&["demo", "--parcels", "200", "--seed", "42"]);
    nb.ok(&["edit", "C-0001", "--set", "tlp=AMBER"]);
    let parcels = nb.json(&["list", "parcels", "--case", "C-0001"]);
    // Seized parcels first: the first is checked for its found contents.
    let mut listed: Vec<&Value> = parcels.as_array().unwrap().iter().collect();
    listed.sort_by_key(|p| p["status"] != "seized");
    let trackings: Vec<String> = listed
        .iter()
        .map(|p| p["tracking"].as_str().unwrap().to_string())
        .collect();
    assert!(trackings.len() >= 2, "{trackings:?}");
    let (a, b) = (trackings[0].clone(), trackings[1].clone());
    nb.ok(&[
        "add",
        "link",
        &a,
        &b,
        "--type",
        "same-sender-as",
        "--note",
        "same phone on both labels",
        "--grade",
        "2B",
    ]);
    nb.ok(&["edit", &a, "--set", "sender_email=seller@example.com"]);
    let red = nb.ok(&[
        "add",
        "note",
        "--on",
        "C-0001",
        "--text",
        "Informant KESTREL-7 named the buyer",
        "--tlp",
        "RED",
    ]);
    let red_id = red.trim().to_string();
    (nb, a, b, red_id)
}

#[test]
fn case_bundle_passes_the_oasis_validator_and_holds_the_case() {
    // The bundle's content is checked either way; the OASIS validator's
    // verdict only where it is installed (always in CI).
    let validator = require("STIX validation", &[&STIX_VALIDATOR]);
    let (nb, a, b, red_id) = notebook();
    let (text, bundle) = export(&nb, &[]);
    if let Some(v) = &validator {
        validate(&v[0], &nb._dir.path().join("bundle.json"));
    }

    assert_eq!(bundle["type"], "bundle");
    // The case, by its exporting agency.
    let groupings = objects(&bundle, "grouping");
    assert_eq!(groupings.len(), 1);
    let g = groupings[0];
    assert!(g["name"].as_str().unwrap().starts_with("C-0001 "));
    let agency = objects(&bundle, "identity")
        .into_iter()
        .find(|i| i["id"] == g["created_by_ref"])
        .expect("created_by_ref names an identity in the bundle");
    assert_eq!(agency["name"], "Test Customs");
    assert_eq!(agency["identity_class"], "organization");

    // A parcel's tracking number, with declared and found contents apart.
    let parcel = objects(&bundle, "x-interdict-parcel")
        .into_iter()
        .find(|p| p["tracking_number"] == a.as_str())
        .expect("parcel SCO with the tracking number");
    assert!(parcel["declared"]["contents"].is_string());
    assert!(parcel["found"]["contents"].is_string(), "{parcel}");
    let od_of = |sco: &Value| {
        objects(&bundle, "observed-data")
            .into_iter()
            .find(|o| {
                o["object_refs"]
                    .as_array()
                    .unwrap()
                    .contains(&sco["id"].clone())
            })
            .unwrap()["id"]
            .clone()
    };
    let od_a = od_of(parcel);
    let email = objects(&bundle, "email-addr");
    assert_eq!(email.len(), 1);
    assert_eq!(email[0]["value"], "seller@example.com");

    // A substance found, as a `contains` relationship with its test status.
    let substance = objects(&bundle, "x-interdict-substance")[0];
    let name = substance["name"].as_str().unwrap();
    assert!(
        parcel["found"]["contents"].as_str().unwrap().contains(name),
        "{name} in {parcel}"
    );
    let contains = objects(&bundle, "relationship")
        .into_iter()
        .find(|r| r["relationship_type"] == "contains" && r["target_ref"] == substance["id"])
        .expect("a finding");
    let finding =
        &contains["extensions"]["extension-definition--b335094e-276c-408d-aa3e-421c893780db"];
    assert!(
        ["presumptive", "lab-confirmed"].contains(&finding["identification"].as_str().unwrap())
    );

    // The link, as a relationship between the two parcels.
    let parcel_b = objects(&bundle, "x-interdict-parcel")
        .into_iter()
        .find(|p| p["tracking_number"] == b.as_str())
        .unwrap();
    let od_b = od_of(parcel_b);
    let link = objects(&bundle, "relationship")
        .into_iter()
        .find(|r| r["relationship_type"] == "same-sender-as")
        .expect("the same-sender link");
    assert_eq!(link["source_ref"], od_a);
    assert_eq!(link["target_ref"], od_b);
    assert_eq!(link["description"], "same phone on both labels");

    // TLP 2.0 on every object, with the OASIS definitions.
    let amber = bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == TLP_AMBER)
        .expect("the TLP:AMBER definition");
    assert_eq!(amber["name"], "TLP:AMBER");
    assert_eq!(amber["extensions"][TLP2_EXTENSION]["tlp_2_0"], "amber");
    for o in bundle["objects"].as_array().unwrap() {
        if o["type"] != "marking-definition" {
            let refs = o["object_marking_refs"].as_array();
            assert!(
                refs.is_some_and(|r| r.len() == 1),
                "object without a TLP marking: {o}"
            );
        }
    }
    assert!(
        objects(&bundle, "note")
            .iter()
            .all(|n| n["object_marking_refs"][0] == TLP_AMBER)
    );

    // The RED note stays out, and so does the RED marking.
    assert!(!text.contains("KESTREL-7"), "RED note exported");
    assert!(!text.contains(TLP_RED));
    assert!(
        !objects(&bundle, "note").is_empty(),
        "the demo leads are there"
    );

    // The same records give the same bundle.
    let (again, _) = export(&nb, &[]);
    assert_eq!(text, again);

    // Named with --include-red, the RED note comes, marked RED, and the
    // bundle is still valid.
    let (text, bundle) = export(&nb, &["--include-red", &red_id]);
    if let Some(v) = &validator {
        validate(&v[0], &nb._dir.path().join("bundle.json"));
    }
    let red = objects(&bundle, "note")
        .into_iter()
        .find(|n| n["content"] == "Informant KESTREL-7 named the buyer")
        .expect("the included RED note");
    assert_eq!(red["object_marking_refs"][0], TLP_RED);
    assert!(text.contains("\"TLP:RED\""));
}

#[test]
fn red_cases_and_bad_arguments_are_refused() {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "Quiet one", "--tlp", "RED"]);
    let err = nb.fails(&["export", "--stix", "--case", "C-0001"]);
    assert!(err.contains("TLP:RED"), "{err}");
    let out = nb.ok(&[
        "export",
        "--stix",
        "--case",
        "C-0001",
        "--include-red",
        "C-0001",
    ]);
    let bundle: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(objects(&bundle, "grouping").len(), 1);
    nb.ok(&["add", "case", "--title", "Other"]);
    let err = nb.fails(&["export", "--stix", "--case", "C-0001", "--case", "C-0002"]);
    assert!(err.contains("exactly one --case"), "{err}");
    let err = nb.fails(&["export", "--stix"]);
    assert!(err.contains("exactly one --case"), "{err}");
}

#[test]
fn one_identity_per_person_however_many_parcels_name_them() {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "Petrov's parcels"]);
    for (tracking, name) in [
        ("RR123456785KZ", "Ivan Petrov"),
        ("RR000000014KZ", "PETROV, Ivan"),
        ("RR000000028KZ", "Ivan Petrov"),
    ] {
        nb.ok(&[
            "add",
            "parcel",
            "--tracking",
            tracking,
            "--sender-name",
            name,
            "--recipient-name",
            "Aigul Nurlanova",
            "--case",
            "C-0001",
        ]);
    }
    let (_, bundle) = export(&nb, &[]);
    let file = nb._dir.path().join("bundle.json");
    let parties: Vec<&Value> = objects(&bundle, "identity")
        .into_iter()
        .filter(|i| {
            i["description"]
                .as_str()
                .is_some_and(|d| d.starts_with("Named on"))
        })
        .collect();
    // Two people, not six identities.
    assert_eq!(parties.len(), 2, "{parties:#?}");
    let petrov = parties
        .iter()
        .find(|i| i["name"].as_str().unwrap().contains("Petrov"))
        .unwrap();
    assert!(
        petrov["description"]
            .as_str()
            .unwrap()
            .starts_with("Named on 3 parcel(s): sender of"),
        "{petrov}"
    );
    // Every parcel's sent-by relationship points at that one identity.
    let sent_by: Vec<&Value> = objects(&bundle, "relationship")
        .into_iter()
        .filter(|r| r["relationship_type"] == "sent-by")
        .collect();
    assert_eq!(sent_by.len(), 3);
    assert!(sent_by.iter().all(|r| r["target_ref"] == petrov["id"]));
    // What the parcels share, as the index finds it: one relationship per
    // pair and value, saying what.
    let shared: Vec<&Value> = objects(&bundle, "relationship")
        .into_iter()
        .filter(|r| {
            r["description"]
                .as_str()
                .is_some_and(|d| d.starts_with("same name aigul nurlanova"))
        })
        .collect();
    assert_eq!(shared.len(), 3, "{shared:#?}");
    assert!(
        shared
            .iter()
            .all(|r| r["relationship_type"] == "related-to")
    );
    if let Some(tools) = require("STIX validation", &[&STIX_VALIDATOR]) {
        validate(&tools[0], &file);
    }
}

/// People and shops of a case are identities of their own, and the sites
/// and Telegram accounts in their contacts are observables related to
/// them (`domain-name`, `user-account`); valid STIX.
#[test]
fn people_and_shops_with_their_sites_and_accounts() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let case = nb.ok(&["add", "case", "--title", "Operation Steppe"]);
    let case = case.trim().to_string();
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785CN",
        "--origin",
        "CN",
        "--destination",
        "KZ",
        "--recipient-name",
        "Ivan Petrov",
        "--case",
        &case,
    ]);
    nb.ok(&[
        "add",
        "person",
        "--name",
        "Иван Петров",
        "--contacts",
        "t.me/ivan_klad",
    ]);
    nb.ok(&[
        "add",
        "organisation",
        "--name",
        "Almaty Mef Shop",
        "--contacts",
        "@almaty_mef_bot, https://www.mef-shop.kz, mirror mef-shop.onion.ws, USDT TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
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
    let file = nb._dir.path().join("people.json");
    nb.ok(&[
        "export",
        "--stix",
        "--case",
        &case,
        "--out",
        file.to_str().unwrap(),
    ]);
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let identities = objects(&bundle, "identity");
    let person = identities
        .iter()
        .find(|o| o["name"] == "Иван Петров")
        .unwrap();
    assert_eq!(person["identity_class"], "individual");
    let shop = identities
        .iter()
        .find(|o| o["name"] == "Almaty Mef Shop")
        .unwrap();
    assert_eq!(shop["identity_class"], "organization");
    let domains: Vec<&str> = objects(&bundle, "domain-name")
        .iter()
        .map(|o| o["value"].as_str().unwrap())
        .collect();
    assert!(
        domains.contains(&"mef-shop.kz") && domains.contains(&"mef-shop.onion.ws"),
        "{domains:?}"
    );
    let accounts: Vec<&str> = objects(&bundle, "user-account")
        .iter()
        .map(|o| o["account_login"].as_str().unwrap())
        .collect();
    assert!(
        accounts.contains(&"almaty_mef_bot") && accounts.contains(&"ivan_klad"),
        "{accounts:?}"
    );
    let wallets = objects(&bundle, "x-interdict-wallet");
    assert_eq!(wallets.len(), 1);
    assert_eq!(wallets[0]["currency"], "tron");
    assert_eq!(wallets[0]["address"], "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t");
    let sros = objects(&bundle, "relationship");
    let from_shop = sros
        .iter()
        .filter(|r| {
            r["source_ref"] == shop["id"]
                && r["target_ref"]
                    .as_str()
                    .unwrap()
                    .starts_with("domain-name--")
        })
        .count();
    assert_eq!(from_shop, 2);
    // The recipient-of link from the person to the parcel's observed data.
    assert!(
        sros.iter()
            .any(|r| r["source_ref"] == person["id"] && r["relationship_type"] == "recipient-of")
    );
    if let Some(tools) = require("STIX validation", &[&STIX_VALIDATOR]) {
        validate(&tools[0], &file);
    }
}

/// A card number written in free text (a note, a person's contacts) never
/// leaves in a bundle, even with --show-cards: it is masked but for its
/// last four digits, as the README says of what goes to partners.
#[test]
fn card_numbers_in_free_text_leave_masked() {
    let (nb, a, _, _) = notebook();
    nb.ok(&[
        "add",
        "note",
        "--on",
        &a,
        "--text",
        "paid with card 4111 1111 1111 1111 at the kiosk",
    ]);
    for extra in [&[][..], &["--show-cards"][..]] {
        let mut args: Vec<&str> = extra.to_vec();
        args.extend(["export", "--stix", "--case", "C-0001", "--out"]);
        let out = nb._dir.path().join("cards.json");
        args.push(out.to_str().unwrap());
        nb.ok(&args);
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(!text.contains("4111 1111 1111 1111"), "a card left whole");
        assert!(text.contains("************1111"), "masked in the note");
    }
}

/// A link is marked as strictly as its strictest end: one to a RED
/// informant (named to go) or an AMBER+STRICT shop went out marked as the
/// case, GREEN, its note naming the informant with it.
#[test]
fn a_link_is_marked_as_strictly_as_its_strictest_end() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    nb.ok(&["add", "case", "--title", "Op Green", "--tlp", "GREEN"]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--case",
        "C-0001",
        "--recipient-name",
        "Bob",
    ]);
    nb.ok(&["add", "person", "--name", "Informant Alpha", "--tlp", "RED"]);
    nb.ok(&[
        "add",
        "link",
        "Informant Alpha",
        "RR123456785KZ",
        "--type",
        "recipient-of",
        "--note",
        "informant collects for us at the Almaty depot",
    ]);
    nb.ok(&[
        "add",
        "organisation",
        "--name",
        "Shop X",
        "--type",
        "marketplace",
        "--tlp",
        "AMBER",
    ]);
    nb.ok(&[
        "add",
        "link",
        "Shop X",
        "C-0001",
        "--type",
        "related-to",
        "--note",
        "undercover buy",
    ]);
    let (_, bundle) = export(&nb, &["--include-red", "Informant Alpha"]);
    let marks = |o: &Value| o["object_marking_refs"].clone();
    let rel = |text: &str| {
        objects(&bundle, "relationship")
            .into_iter()
            .find(|r| r["description"].as_str().is_some_and(|d| d.contains(text)))
            .cloned()
            .unwrap_or_else(|| panic!("no relationship {text}: {bundle}"))
    };
    assert_eq!(
        marks(&rel("informant collects")),
        serde_json::json!([TLP_RED])
    );
    assert_eq!(
        marks(&rel("undercover buy")),
        serde_json::json!([TLP_AMBER])
    );
}
