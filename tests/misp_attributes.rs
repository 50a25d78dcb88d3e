//! `import misp`: every attribute it does not import is named, MISP's own
//! person and organisation relations that map are imported, `contains`
//! finds a substance of this notebook's catalogue, and an event imported
//! again with other values leaves conflicts to settle instead of being
//! taken as "already here".

mod common;

use common::Nb;
use serde_json::{Value, json};

const EVENT: &str = "5b0c2b2e-0000-4c3e-9a55-00000000e001";
const PARCEL: &str = "5b0c2b2e-0000-4c3e-9a55-000000000a01";
const PARCEL2: &str = "5b0c2b2e-0000-4c3e-9a55-000000000a02";
const PERSON: &str = "5b0c2b2e-0000-4c3e-9a55-000000000b01";
const ORG: &str = "5b0c2b2e-0000-4c3e-9a55-000000000c01";

fn attr(rel: &str, value: &str) -> Value {
    json!({"object_relation": rel, "type": "text", "category": "Other", "value": value})
}

/// An event of two parcels, a person and a shop, with what interdict's
/// own export never writes: second values, MISP's plain `weight`, a
/// person's `e-mail` and `passport-number`, a shop's `website`; the first
/// parcel `contains` the catalogue substance `meph` (a uuid of this
/// notebook's), the second `contains` the first parcel.
fn event(meph: &str, phone: &str, person: &str) -> Value {
    json!({"Event": {
        "uuid": EVENT,
        "info": "Operation Tea",
        "date": "2026-03-01",
        "Tag": [{"name": "tlp:amber"}],
        "Object": [
            {"name": "interdict-parcel", "uuid": PARCEL, "Attribute": [
                attr("tracking-number", "RR473124829KZ"),
                attr("tracking-number", "RR123456785KZ"),
                attr("sender-phone", phone),
                attr("sender-phone", "+7 701 555 0199"),
                attr("recipient-name", "Aigul Nurlanova"),
                attr("recipient-name", "Aigul N."),
                attr("declared-contents", "tea samples"),
            ], "ObjectReference": [
                {"uuid": "5b0c2b2e-0000-4c3e-9a55-000000000f01", "object_uuid": PARCEL,
                 "referenced_uuid": meph, "relationship_type": "contains",
                 "comment": "[form=powder identification=presumptive]"}
            ]},
            {"name": "interdict-parcel", "uuid": PARCEL2, "Attribute": [
                attr("tracking-number", "RR000000005KZ"),
                attr("weight", "0,45 kg"),
            ], "ObjectReference": [
                {"uuid": "5b0c2b2e-0000-4c3e-9a55-000000000f02", "object_uuid": PARCEL2,
                 "referenced_uuid": PARCEL, "relationship_type": "contains", "comment": ""}
            ]},
            {"name": "person", "uuid": PERSON, "Attribute": [
                attr("full-name", person),
                attr("e-mail", "ivan.petrov@example.kz"),
                attr("passport-number", "N1234567"),
                attr("passport-country", "KZ"),
                attr("gender", "male"),
            ]},
            {"name": "organization", "uuid": ORG, "Attribute": [
                attr("name", "Chem Shop"),
                attr("type-of-organization", "shop"),
                attr("website", "chem-shop.example.com"),
            ]},
        ]
    }})
}

fn mephedrone(nb: &Nb) -> String {
    nb.json(&["show", "Mephedrone"])["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn import(nb: &Nb, ev: &Value, name: &str) -> String {
    let f = nb.db.parent().unwrap().join(name);
    std::fs::write(&f, ev.to_string()).unwrap();
    nb.ok(&["import", "misp", f.to_str().unwrap()])
}

#[test]
fn what_is_not_imported_is_named_and_standard_relations_are_imported() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let meph = mephedrone(&nb);
    let out = import(
        &nb,
        &event(&meph, "+7 701 555 0142", "Ivan Petrov"),
        "ev.json",
    );
    for said in [
        r#"attribute tracking-number "RR123456785KZ" not imported"#,
        r#"attribute sender-phone "+7 701 555 0199" not imported"#,
        r#"attribute recipient-name "Aigul N." not imported"#,
        r#"attribute gender "male" not imported (not a relation interdict reads from a person)"#,
    ] {
        assert!(out.contains(said), "{said}: {out}");
    }
    // MISP's plain weight, with its unit, is the parcel's weight.
    let p2 = nb.json(&["show", "RR000000005KZ"]);
    assert_eq!(p2["weight_g"], 450.0, "{p2}");
    // The person's e-mail is a contact, the passport a document; the
    // shop's site a contact: each an identifier.
    let people = nb.json(&["list", "people"]);
    assert_eq!(people[0]["documents"], "passport KZ N1234567", "{people}");
    assert!(
        people[0]["contacts"]
            .as_str()
            .unwrap()
            .contains("ivan.petrov@example.kz"),
        "{people}"
    );
    let orgs = nb.json(&["list", "organisations"]);
    assert!(
        orgs[0]["contacts"]
            .as_str()
            .unwrap()
            .contains("chem-shop.example.com"),
        "{orgs}"
    );
    let found = nb.ok(&["search", "ivan.petrov@example.kz"]);
    assert!(found.contains("Ivan Petrov"), "{found}");

    // `contains` of a catalogue substance held here is a finding.
    let shown = nb.ok(&["show", "RR473124829KZ"]);
    assert!(shown.contains("Mephedrone"), "{shown}");
    assert!(
        !out.contains("neither in the file nor in this notebook"),
        "{out}"
    );
    // One that points at a parcel is said for what it is.
    assert!(
        out.contains("points at the interdict-parcel object")
            && out.contains("`contains` must name a substance"),
        "{out}"
    );
}

#[test]
fn an_event_imported_again_with_other_values_leaves_conflicts_to_settle() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let meph = mephedrone(&nb);
    import(
        &nb,
        &event(&meph, "+7 701 555 0142", "Ivan Petrov"),
        "ev.json",
    );
    // The same event again: nothing differs, nothing waits.
    let again = import(
        &nb,
        &event(&meph, "+7 701 555 0142", "Ivan Petrov"),
        "ev.json",
    );
    assert!(!again.contains("other values"), "{again}");
    assert_eq!(nb.json(&["conflicts"]).as_array().unwrap().len(), 0);

    // Corrected: another phone, another name.
    let fixed = event(&meph, "+7 701 555 0143", "Ivan Petrovich");
    let f = nb.beside("fixed.json");
    std::fs::write(&f, fixed.to_string()).unwrap();
    let r = nb.json(&["import", "misp", f.to_str().unwrap()]);
    assert_eq!(r["differ"], 2, "{r}");
    let notices = r["notices"].to_string();
    assert!(
        notices.contains("parcel RR473124829KZ is here with other values")
            && notices.contains("sender_phone here"),
        "{notices}"
    );
    assert!(
        notices.contains("person Ivan Petrov is here with other values"),
        "{notices}"
    );
    // Nothing was written over.
    let p = nb.json(&["show", "RR473124829KZ"]);
    assert_eq!(p["sender_phone"], "+7 701 555 0142", "{p}");
    let open = nb.json(&["conflicts"]);
    let open = open.as_array().unwrap();
    assert_eq!(open.len(), 2, "{open:?}");
    // Imported again, the same differences are not filed twice.
    nb.ok(&["import", "misp", f.to_str().unwrap()]);
    assert_eq!(nb.json(&["conflicts"]).as_array().unwrap().len(), 2);
    // Settled as a merge's are.
    let parcel = open.iter().find(|c| c["item_kind"] == "parcel").unwrap();
    let id = parcel["id"].to_string();
    nb.ok(&["conflicts", "resolve", &id, "--keep", "incoming"]);
    let p = nb.json(&["show", "RR473124829KZ"]);
    assert_eq!(p["sender_phone"], "+7 701 555 0143", "{p}");
    nb.ok(&["audit", "verify"]);
}
