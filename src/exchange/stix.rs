//! A case as a STIX 2.1 bundle.
//!
//! What becomes what:
//! - the case: a `grouping` (context `suspicious-activity`) whose
//!   `object_refs` name everything exported with it;
//! - the exporter: an `identity` (the agency, or the person exporting),
//!   the `created_by_ref` of every object it vouches for;
//! - a parcel: `observed-data` over a custom `x-interdict-parcel` SCO
//!   (tracking number, route, declared contents and found contents kept
//!   apart) and `email-addr` SCOs for the parties' e-mail addresses;
//! - its sender and recipient: `identity` objects (individual or
//!   organization) with their contact details, related to the parcel by
//!   `sent-by` and `addressed-to`;
//! - a substance: a custom `x-interdict-substance` SDO; a finding: a
//!   `contains` relationship from the parcel to the substance, carrying
//!   form, quantity, unit and identification (presumptive or lab-confirmed);
//! - a link: a relationship of the link's type (custom types are valid
//!   STIX 2.1 names; `same-as` becomes `duplicate-of`, `other` becomes
//!   `related-to`); `includes` links are the grouping's `object_refs`;
//! - a note or lead: a `note`, with its source and 3x5x2 grading.
//!
//! interdict's own properties travel in one extension definition (so a
//! strict validator accepts them). Every object but the TLP definitions
//! carries a TLP 2.0 marking: the case's, or for a note the stricter of
//! its own and the case's. TLP:RED cases and notes stay out unless named in
//! [`StixOptions::include_red`].
//!
//! Ids are deterministic, so exporting the same records again gives the
//! same ids: an SDO or SRO id is a UUIDv5 in the namespace of the record's
//! own UUID, named by its STIX type (and role, when one record yields two
//! objects of a type); SCO ids follow STIX's own UUIDv5 rule over their
//! id-contributing properties.

use crate::domain::identifiers::masked_text;
use crate::domain::{Case, Finding, ItemKind, Link, Note, Parcel, Record, Substance};
use crate::store::error::{Result, StoreError};
use crate::store::{records, related};
use rusqlite::Connection;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// What a bundle says about who made it and what it may hold.
#[derive(Debug, Clone, Default)]
pub struct StixOptions {
    /// The exporting agency (an `organization` identity); without it the
    /// exporter is named as an `individual`.
    pub agency: Option<String>,
    /// Who exports (the notebook user), named when no agency is given.
    pub exporter: String,
    /// TLP:RED cases and notes to include anyway, by id.
    pub include_red: Vec<Uuid>,
    /// Let TLP:AMBER+STRICT cases and notes go (see `exchange::handling`).
    pub amber_strict: bool,
    /// Notes leave without their source, grading and handling.
    pub redact_sources: bool,
}

/// STIX's namespace for deterministic SCO ids (STIX 2.1, 2.9).
const SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00abedb4_aa42_466c_9c01_fed23315a9b7);
/// interdict's namespace for objects that are not one record's (the
/// exporting identity).
const INTERDICT_NAMESPACE: Uuid = Uuid::from_u128(0x1d8ba5b9_6a00_4b85_8add_9598783c3a02);
/// interdict's extension definition (custom objects and properties).
pub const EXTENSION_ID: &str = "extension-definition--b335094e-276c-408d-aa3e-421c893780db";
const EXTENSION_CREATED: &str = "2026-01-01T00:00:00.000Z";
/// The identity that defined the extension: interdict itself.
const INTERDICT_IDENTITY: &str = "identity--1d8ba5b9-6a00-4b85-8add-9598783c3a02";
/// The OASIS TLP 2.0 marking extension.
pub const TLP2_EXTENSION_ID: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
const TLP2_CREATED: &str = "2022-10-01T00:00:00.000Z";

/// The OASIS TLP 2.0 marking definitions: label, id, extension value.
const TLP2: &[(&str, &str, &str)] = &[
    (
        "CLEAR",
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        "clear",
    ),
    (
        "GREEN",
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        "green",
    ),
    (
        "AMBER",
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        "amber",
    ),
    (
        "AMBER+STRICT",
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "amber+strict",
    ),
    (
        "RED",
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        "red",
    ),
];

/// The TLP 2.0 marking-definition id for a label (`AMBER`, `TLP:RED`...).
/// An unknown or empty label is treated as AMBER, interdict's default.
pub fn tlp_marking_id(label: &str) -> &'static str {
    tlp_entry(label).1
}

fn tlp_entry(label: &str) -> (&'static str, &'static str, &'static str) {
    let upper = label.trim().to_ascii_uppercase();
    let l = upper.strip_prefix("TLP:").unwrap_or(&upper);
    TLP2.iter().find(|t| t.0 == l).copied().unwrap_or(TLP2[2])
}

/// The stricter of two TLP labels (CLEAR < GREEN < AMBER < AMBER+STRICT < RED).
fn stricter<'a>(a: &'a str, b: &'a str) -> &'a str {
    let rank = |l: &str| super::handling::tlp_rank(tlp_entry(l).0);
    if rank(a) >= rank(b) { a } else { b }
}

fn is_red(label: &str) -> bool {
    tlp_entry(label).0 == "RED"
}

/// The id of the object a record becomes.
fn sdo_id(stix_type: &str, record: Uuid, role: &str) -> String {
    let name = if role.is_empty() {
        stix_type.to_string()
    } else {
        format!("{stix_type}/{role}")
    };
    format!("{stix_type}--{}", Uuid::new_v5(&record, name.as_bytes()))
}

/// An SCO id: UUIDv5 in STIX's namespace over the canonical JSON (keys in
/// order, no spaces) of its id-contributing properties.
fn sco_id(stix_type: &str, contributing: &[(&str, &str)]) -> String {
    let mut canon = String::from("{");
    for (i, (k, v)) in contributing.iter().enumerate() {
        if i > 0 {
            canon.push(',');
        }
        canon.push_str(&Value::from(*k).to_string());
        canon.push(':');
        canon.push_str(&Value::from(*v).to_string());
    }
    canon.push('}');
    format!(
        "{stix_type}--{}",
        Uuid::new_v5(&SCO_NAMESPACE, canon.as_bytes())
    )
}

/// A date (`YYYY-MM-DD`) as a STIX timestamp at midnight UTC.
fn day(date: &str) -> Option<String> {
    let d = date.trim();
    let ok = d.len() == 10
        && d.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    ok.then(|| format!("{d}T00:00:00.000Z"))
}

/// Drops absent and empty values, so objects carry only what is known.
fn props(pairs: Vec<(&str, Value)>) -> Map<String, Value> {
    pairs
        .into_iter()
        .filter(|(_, v)| match v {
            Value::Null => false,
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => !a.is_empty(),
            Value::Object(o) => !o.is_empty(),
            _ => true,
        })
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

fn opt(s: &Option<String>) -> Value {
    match s.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => Value::from(t),
        _ => Value::Null,
    }
}

/// interdict's properties on a standard object, as a property extension.
fn extension(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = props(pairs);
    m.insert("extension_type".into(), "property-extension".into());
    json!({ EXTENSION_ID: m })
}

/// The bundle being built: objects in order, each id once.
struct Builder {
    objects: Vec<Value>,
    seen: HashSet<String>,
    tlp_used: Vec<&'static str>,
    producer: String,
    /// The senders and recipients met so far, one per person.
    parties: BTreeMap<String, Party>,
}

/// One person or company across the parcels they send or receive: one
/// STIX identity, however many parcels name them.
struct Party {
    name: String,
    /// (role, tracking number) of each parcel that names them.
    on: Vec<(&'static str, String)>,
    contacts: Vec<String>,
    meta: crate::domain::Meta,
}

/// The key a party is told apart by: their name (as the identifier index
/// keys names: words folded and sorted, so `PETROV, Ivan` is `Ivan
/// Petrov`), else their phone, e-mail or address.
fn party_key(
    name: &Option<String>,
    phone: &Option<String>,
    email: &Option<String>,
    address: &Option<String>,
) -> Option<String> {
    let name = name
        .as_deref()
        .and_then(crate::domain::identifiers::name_key);
    name.map(|n| format!("name:{n}")).or_else(|| {
        [("phone", phone), ("email", email), ("address", address)]
            .into_iter()
            .find_map(|(k, v)| {
                v.as_deref()
                    .map(crate::domain::text::fold)
                    .filter(|s| !s.is_empty())
                    .map(|v| format!("{k}:{v}"))
            })
    })
}

impl Builder {
    fn push(&mut self, obj: Value) {
        let id = obj
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if self.seen.insert(id) {
            self.objects.push(obj);
        }
    }

    /// Common properties of an object interdict vouches for.
    fn base(&mut self, stix_type: &str, id: &str, tlp: &str) -> Map<String, Value> {
        let marking = tlp_marking_id(tlp);
        if !self.tlp_used.contains(&marking) {
            self.tlp_used.push(marking);
        }
        let mut m = Map::new();
        m.insert("type".into(), stix_type.into());
        m.insert("spec_version".into(), "2.1".into());
        m.insert("id".into(), id.into());
        m.insert("object_marking_refs".into(), json!([marking]));
        m
    }

    /// An SDO or SRO with times and author.
    fn domain(
        &mut self,
        stix_type: &str,
        id: &str,
        tlp: &str,
        meta: &crate::domain::Meta,
    ) -> Map<String, Value> {
        let mut m = self.base(stix_type, id, tlp);
        m.insert("created_by_ref".into(), self.producer.clone().into());
        m.insert("created".into(), meta.created_at.clone().into());
        let modified = if meta.updated_at >= meta.created_at {
            &meta.updated_at
        } else {
            &meta.created_at
        };
        m.insert("modified".into(), modified.clone().into());
        m
    }
}

/// A STIX 2.1 bundle of one case and everything it includes.
pub fn case_bundle(conn: &Connection, case_id: Uuid, opts: &StixOptions) -> Result<Value> {
    let case: Case = records::must_get(conn, case_id)?;
    if is_red(&case.tlp) && !opts.include_red.contains(&case_id) {
        return Err(StoreError::Invalid(crate::domain::fields::FieldError {
            field: "tlp".into(),
            message: format!(
                "{} is TLP:RED and is not exported unless named with --include-red {}",
                case.reference, case.reference
            ),
        }));
    }
    let release = super::handling::Release {
        include_red: opts.include_red.iter().copied().collect(),
        amber_strict: opts.amber_strict,
        redact_sources: opts.redact_sources,
    };
    super::handling::check_chosen(conn, case_id, &release)?;
    let tlp = case.tlp.clone();

    // The exporter.
    let (producer_name, producer_class) = match opts.agency.as_deref().map(str::trim) {
        Some(a) if !a.is_empty() => (a.to_string(), "organization"),
        _ => (opts.exporter.trim().to_string(), "individual"),
    };
    let producer_name = if producer_name.is_empty() {
        "unnamed exporter".to_string()
    } else {
        producer_name
    };
    let producer_id = format!(
        "identity--{}",
        Uuid::new_v5(
            &INTERDICT_NAMESPACE,
            format!("identity/{producer_class}/{producer_name}").as_bytes()
        )
    );
    let mut b = Builder {
        objects: Vec::new(),
        seen: HashSet::new(),
        tlp_used: Vec::new(),
        producer: producer_id.clone(),
        parties: BTreeMap::new(),
    };

    // interdict and its extension definition: public, TLP:CLEAR.
    let mut me = b.base("identity", INTERDICT_IDENTITY, "CLEAR");
    me.insert("created".into(), EXTENSION_CREATED.into());
    me.insert("modified".into(), EXTENSION_CREATED.into());
    me.insert("name".into(), "interdict".into());
    me.insert("identity_class".into(), "system".into());
    me.insert(
        "description".into(),
        "A case-and-intelligence notebook for synthetic-drug parcel interdiction.".into(),
    );
    b.push(Value::Object(me));
    let mut ext = b.base("extension-definition", EXTENSION_ID, "CLEAR");
    ext.insert("created_by_ref".into(), INTERDICT_IDENTITY.into());
    ext.insert("created".into(), EXTENSION_CREATED.into());
    ext.insert("modified".into(), EXTENSION_CREATED.into());
    ext.insert("name".into(), "interdict parcel interdiction".into());
    ext.insert(
        "description".into(),
        "Parcels (x-interdict-parcel SCO), substances (x-interdict-substance SDO) and \
         interdict's case, seizure, finding, link and note properties."
            .into(),
    );
    ext.insert("schema".into(), SCHEMA_TEXT.into());
    ext.insert("version".into(), "1.0.0".into());
    ext.insert(
        "extension_types".into(),
        json!(["new-sco", "new-sdo", "property-extension"]),
    );
    b.push(Value::Object(ext));

    let mut producer = b.base("identity", &producer_id, &tlp);
    producer.insert("created".into(), EXTENSION_CREATED.into());
    producer.insert("modified".into(), EXTENSION_CREATED.into());
    producer.insert("name".into(), producer_name.into());
    producer.insert("identity_class".into(), producer_class.into());
    b.push(Value::Object(producer));

    // STIX ids of the records in the bundle, for links and notes.
    let mut stix_of: HashMap<Uuid, String> = HashMap::new();
    let grouping_id = sdo_id("grouping", case.meta.id, "");
    stix_of.insert(case.meta.id, grouping_id.clone());

    let parcels = related::parcels_in_case(conn, case_id, 1_000_000, 0)?;
    let mut findings: Vec<Finding> = Vec::new();
    let mut substances: BTreeMap<Uuid, ()> = BTreeMap::new();
    // Objects emitted after the grouping (which must list them).
    let mut members: Vec<Value> = Vec::new();
    for p in &parcels {
        let od = parcel_objects(&mut b, p, &tlp, &mut members);
        stix_of.insert(p.meta.id, od);
        for f in related::findings_in_parcel(conn, p.meta.id)? {
            substances.insert(f.substance_id, ());
            findings.push(f);
        }
    }
    // The senders and recipients: one identity each, naming every parcel
    // they are on.
    for (pid, party) in std::mem::take(&mut b.parties) {
        let mut m = b.domain("identity", &pid, &tlp, &party.meta);
        m.insert("identity_class".into(), party_class(&party.name).into());
        m.insert("name".into(), party.name.into());
        let on: Vec<String> = party
            .on
            .iter()
            .map(|(role, tracking)| format!("{role} of {tracking}"))
            .collect();
        m.insert(
            "description".into(),
            format!("Named on {} parcel(s): {}.", on.len(), on.join(", ")).into(),
        );
        if !party.contacts.is_empty() {
            m.insert(
                "contact_information".into(),
                masked_text(&party.contacts.join("; ")).into_owned().into(),
            );
        }
        members.push(Value::Object(m));
    }

    // The people and organisations of the case (linked to it or to its
    // parcels), as identities of their own; TLP:RED ones stay behind.
    let mut scos_seen: HashSet<String> = HashSet::new();
    let name_of_party = |k: ItemKind| {
        if k == ItemKind::Person {
            "the person"
        } else {
            "the organisation"
        }
    };
    // Each party's marking, for the links that reach it: a link is
    // marked as strictly as its strictest end (a RED informant's
    // `recipient-of`, its note naming them, went out GREEN).
    let mut marked: HashMap<Uuid, String> = HashMap::new();
    for kind in [ItemKind::Person, ItemKind::Organisation] {
        for id in related::ids_in_case(conn, kind, case_id)? {
            let (meta, name, class, tlp_of, aliases, contacts, description, ids) = match kind {
                ItemKind::Person => {
                    let p: crate::domain::Person = records::must_get(conn, id)?;
                    let contact: Vec<String> = [&p.phones, &p.addresses, &p.contacts]
                        .into_iter()
                        .flatten()
                        .cloned()
                        .collect();
                    let desc = [
                        p.role_notes.clone(),
                        p.born_on.as_ref().map(|b| format!("born {b}")),
                        p.nationality.as_ref().map(|n| format!("nationality {n}")),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("; ");
                    (
                        p.meta.clone(),
                        p.name.clone(),
                        "individual",
                        p.tlp.clone(),
                        p.aliases.clone(),
                        contact,
                        desc,
                        p.identifiers(),
                    )
                }
                _ => {
                    let o: crate::domain::Organisation = records::must_get(conn, id)?;
                    let contact: Vec<String> = [&o.phones, &o.addresses, &o.contacts]
                        .into_iter()
                        .flatten()
                        .cloned()
                        .collect();
                    let desc = format!(
                        "{}{}",
                        o.org_type,
                        o.description
                            .as_ref()
                            .map(|d| format!(": {d}"))
                            .unwrap_or_default()
                    );
                    (
                        o.meta.clone(),
                        o.name.clone(),
                        "organization",
                        o.tlp.clone(),
                        o.aliases.clone(),
                        contact,
                        desc,
                        o.identifiers(),
                    )
                }
            };
            // (The rule every output keeps: RED unless named, AMBER+STRICT
            // unless `--amber-strict`.)
            if super::handling::held_back_as(Some(tlp_entry(&tlp_of).0), id, &release).is_some() {
                continue;
            }
            let sid = sdo_id("identity", id, "");
            marked.insert(id, stricter(&tlp, &tlp_of).to_string());
            let mut m = b.domain("identity", &sid, stricter(&tlp, &tlp_of), &meta);
            m.insert("identity_class".into(), class.into());
            m.insert("name".into(), name.into());
            if !description.is_empty() {
                m.insert(
                    "description".into(),
                    masked_text(&description).into_owned().into(),
                );
            }
            if !contacts.is_empty() {
                m.insert(
                    "contact_information".into(),
                    masked_text(&contacts.join("; ")).into_owned().into(),
                );
            }
            if let Some(a) = aliases {
                m.insert(
                    "extensions".into(),
                    extension(vec![("kind", kind.as_str().into()), ("aliases", a.into())]),
                );
            }
            stix_of.insert(id, sid.clone());
            members.push(Value::Object(m));
            // The sites, messenger accounts and wallets in their contacts,
            // as observables related to them.
            for i in ids {
                let (sco, mut o) = match i.kind {
                    crate::domain::identifiers::IdentKind::Domain => {
                        let sco = sco_id("domain-name", &[("value", &i.value)]);
                        let mut o = b.base("domain-name", &sco, stricter(&tlp, &tlp_of));
                        o.insert("value".into(), i.value.clone().into());
                        (sco, o)
                    }
                    crate::domain::identifiers::IdentKind::Wallet => {
                        let currency = if i.value.starts_with("0x") {
                            "ethereum"
                        } else if i.value.starts_with('T') {
                            "tron"
                        } else {
                            "bitcoin"
                        };
                        let sco = sco_id(
                            "x-interdict-wallet",
                            &[("address", &i.value), ("currency", currency)],
                        );
                        let mut o = b.base("x-interdict-wallet", &sco, stricter(&tlp, &tlp_of));
                        o.insert("currency".into(), currency.into());
                        o.insert("address".into(), i.value.clone().into());
                        o.insert(
                            "extensions".into(),
                            json!({ EXTENSION_ID: {"extension_type": "new-sco"} }),
                        );
                        (sco, o)
                    }
                    crate::domain::identifiers::IdentKind::Handle => {
                        let login = i.value.trim_start_matches('@').to_string();
                        let sco = sco_id("user-account", &[("account_login", &login)]);
                        let mut o = b.base("user-account", &sco, stricter(&tlp, &tlp_of));
                        o.insert("account_login".into(), login.into());
                        o.insert(
                            "display_name".into(),
                            format!("{} (Telegram)", i.value).into(),
                        );
                        (sco, o)
                    }
                    _ => continue,
                };
                let rid = format!(
                    "relationship--{}",
                    Uuid::new_v5(&INTERDICT_NAMESPACE, format!("uses/{id}/{sco}").as_bytes())
                );
                if !scos_seen.insert(sco.clone()) {
                    o.clear();
                }
                if !o.is_empty() {
                    members.push(Value::Object(o));
                }
                let mut r = b.domain("relationship", &rid, stricter(&tlp, &tlp_of), &meta);
                r.insert("relationship_type".into(), "related-to".into());
                r.insert("source_ref".into(), sid.clone().into());
                r.insert("target_ref".into(), sco.into());
                r.insert(
                    "description".into(),
                    format!(
                        "{} in the contacts of {}",
                        i.kind.as_str(),
                        name_of_party(kind)
                    )
                    .into(),
                );
                members.push(Value::Object(r));
            }
        }
    }

    // Links from or to the case and its parcels; substances they reach join.
    let mut links: Vec<Link> = Vec::new();
    let mut link_seen = HashSet::new();
    let mut anchors: Vec<Uuid> = vec![case.meta.id];
    anchors.extend(parcels.iter().map(|p| p.meta.id));
    for id in &anchors {
        for l in related::links_of(conn, *id, 100_000)? {
            if l.link_type == "includes" || !link_seen.insert(l.meta.id) {
                continue;
            }
            for (kind, other) in [(l.from_kind, l.from_id), (l.to_kind, l.to_id)] {
                if kind == ItemKind::Substance {
                    substances.insert(other, ());
                }
            }
            links.push(l);
        }
    }

    for sid in substances.keys() {
        if let Some(s) = records::get::<Substance>(conn, *sid)? {
            let id = substance_object(&mut b, &s, &tlp, &mut members);
            stix_of.insert(s.meta.id, id);
        }
    }

    for f in &findings {
        let (Some(src), Some(dst)) = (stix_of.get(&f.parcel_id), stix_of.get(&f.substance_id))
        else {
            continue;
        };
        let id = sdo_id("relationship", f.meta.id, "");
        let mut r = b.domain("relationship", &id, &tlp, &f.meta);
        r.insert("relationship_type".into(), "contains".into());
        r.insert("source_ref".into(), src.clone().into());
        r.insert("target_ref".into(), dst.clone().into());
        if let Value::String(n) = opt(&f.note) {
            r.insert("description".into(), n.into());
        }
        r.insert(
            "extensions".into(),
            extension(vec![
                ("kind", "finding".into()),
                ("form", f.form.clone().into()),
                (
                    "quantity",
                    f.quantity.map(Value::from).unwrap_or(Value::Null),
                ),
                ("unit", opt(&f.unit)),
                ("identification", f.identification.clone().into()),
                // (Not `test_ref`: a STIX property ending in `_ref` holds
                // an id, and a consumer may try to resolve it.)
                ("test_reference", opt(&f.test_ref)),
            ]),
        );
        stix_of.insert(f.meta.id, id);
        members.push(Value::Object(r));
    }

    for l in &links {
        let (Some(src), Some(dst)) = (stix_of.get(&l.from_id), stix_of.get(&l.to_id)) else {
            continue;
        };
        let id = sdo_id("relationship", l.meta.id, "");
        let end = |e: &Uuid| marked.get(e).map_or(tlp.as_str(), String::as_str);
        let link_tlp = stricter(stricter(&tlp, end(&l.from_id)), end(&l.to_id));
        let mut r = b.domain("relationship", &id, link_tlp, &l.meta);
        r.insert(
            "relationship_type".into(),
            relationship_type(&l.link_type).into(),
        );
        r.insert("source_ref".into(), src.clone().into());
        r.insert("target_ref".into(), dst.clone().into());
        if let Value::String(n) = opt(&l.note) {
            r.insert("description".into(), n.into());
        }
        r.insert(
            "extensions".into(),
            extension(vec![
                ("kind", "link".into()),
                ("link_type", l.link_type.clone().into()),
                ("made_by", l.meta.created_by.clone().into()),
                ("source_grade", opt(&l.source_grade)),
                ("intel_grade", opt(&l.intel_grade)),
                ("handling", opt(&l.handling)),
            ]),
        );
        members.push(Value::Object(r));
    }

    // What the parcels share (a phone, an address, a name...), as the
    // identifier index finds it: a relationship for each pair of the
    // case's parcels, once, saying what they share.
    let mut shared_pairs = HashSet::new();
    for p in &parcels {
        let Some(src) = stix_of.get(&p.meta.id).cloned() else {
            continue;
        };
        for sh in crate::xref::shared_identifiers(conn, p.meta.id)? {
            if sh.over_shared() {
                continue;
            }
            for other in &sh.items {
                let Some(dst) = stix_of.get(&other.id).cloned() else {
                    continue;
                };
                if other.kind != crate::domain::ItemKind::Parcel || p.meta.id >= other.id {
                    continue;
                }
                if !shared_pairs.insert((p.meta.id, other.id, sh.kind.clone(), sh.value.clone())) {
                    continue;
                }
                let id = format!(
                    "relationship--{}",
                    Uuid::new_v5(
                        &INTERDICT_NAMESPACE,
                        format!("shared/{}/{}/{}/{}", p.meta.id, other.id, sh.kind, sh.value)
                            .as_bytes()
                    )
                );
                let mut r = b.domain("relationship", &id, &tlp, &p.meta);
                r.insert("relationship_type".into(), "related-to".into());
                r.insert("source_ref".into(), src.clone().into());
                r.insert("target_ref".into(), dst.into());
                r.insert(
                    "description".into(),
                    format!(
                        "same {} {} ({} here, {} there)",
                        sh.kind,
                        sh.shown(),
                        sh.role.replace('_', " "),
                        other.role.replace('_', " ")
                    )
                    .into(),
                );
                r.insert(
                    "extensions".into(),
                    extension(vec![
                        ("kind", "shared-identifier".into()),
                        ("identifier_kind", sh.kind.clone().into()),
                        ("value", sh.shown().into()),
                    ]),
                );
                members.push(Value::Object(r));
            }
        }
    }

    // Notes on the case, its parcels and their findings.
    let mut note_targets: Vec<Uuid> = anchors.clone();
    note_targets.extend(findings.iter().map(|f| f.meta.id));
    for target in note_targets {
        let Some(target_ref) = stix_of.get(&target).cloned() else {
            continue;
        };
        for mut n in related::notes_on(conn, target, 100_000)? {
            if (is_red(&n.tlp) && !opts.include_red.contains(&n.meta.id))
                || (n.tlp.eq_ignore_ascii_case("AMBER+STRICT") && !opts.amber_strict)
            {
                continue;
            }
            if opts.redact_sources {
                n.strip_sources();
            }
            members.push(note_object(&mut b, &n, &target_ref, &tlp));
        }
    }

    // The case itself, naming everything it gathers.
    let mut g = b.domain("grouping", &grouping_id, &tlp, &case.meta);
    g.insert(
        "name".into(),
        format!("{} {}", case.reference, case.title).into(),
    );
    if let Value::String(s) = opt(&case.summary) {
        g.insert("description".into(), s.into());
    }
    g.insert("context".into(), "suspicious-activity".into());
    let mut refs: Vec<Value> = vec![producer_id.clone().into()];
    refs.extend(members.iter().filter_map(|o| o.get("id").cloned()));
    g.insert("object_refs".into(), Value::Array(refs));
    g.insert(
        "extensions".into(),
        extension(vec![
            ("kind", "case".into()),
            ("reference", case.reference.clone().into()),
            ("status", case.status.clone().into()),
            ("opened_on", opt(&case.opened_on)),
            ("closed_on", opt(&case.closed_on)),
            ("lead_officer", opt(&case.lead_officer)),
            ("tlp", tlp_entry(&tlp).0.into()),
        ]),
    );
    b.push(Value::Object(g));
    for m in members {
        b.push(m);
    }

    // The TLP definitions used, first, as OASIS publishes them.
    let mut objects: Vec<Value> = TLP2
        .iter()
        .filter(|t| b.tlp_used.contains(&t.1))
        .map(|(label, id, value)| {
            json!({
                "type": "marking-definition",
                "spec_version": "2.1",
                "id": id,
                "created": TLP2_CREATED,
                "name": format!("TLP:{label}"),
                "extensions": {
                    TLP2_EXTENSION_ID: {
                        "extension_type": "property-extension",
                        "tlp_2_0": value,
                    }
                }
            })
        })
        .collect();
    objects.append(&mut b.objects);
    let content = serde_json::to_string(&objects).unwrap_or_default();
    let bundle_id = format!(
        "bundle--{}",
        Uuid::new_v5(&INTERDICT_NAMESPACE, content.as_bytes())
    );
    Ok(json!({"type": "bundle", "id": bundle_id, "objects": objects}))
}

/// What the extension definition says, for people reading the bundle.
const SCHEMA_TEXT: &str = "interdict extension, version 1. \
x-interdict-parcel (SCO; id-contributing properties interdict_id, tracking_number): \
tracking_number, tracking_kind (s10, waybill, other), carrier, service, route \
{origin, transit[], destination as ISO 3166-1 alpha-2 codes, posted_on, posted_from \
(office of origin), entry_point (point of entry or flight)}, weight_g, \
declared {customs_form, category, contents, value, currency, hs_code} as the customs \
declaration says, found {contents, concealment} as inspection found. \
x-interdict-wallet (SCO; id-contributing properties address, currency): currency \
(bitcoin, ethereum, tron), address as written in its checked, normalised form. \
x-interdict-substance (SDO): name, aliases, group (UNODC early-warning chemical group), \
subclass, effect, cas, schedule_1961, schedule_1971, table_1988, national_note. \
Property extension (kind = case, seizure, finding, link or note): case {reference, status, \
opened_on, closed_on, lead_officer, tlp}; seizure on observed-data {status, seized_place, \
seized_on}; finding on a contains relationship {form, quantity, unit, identification \
(presumptive or lab-confirmed), test_reference}; link on a relationship {link_type, made_by, \
source_grade, intel_grade, handling}; note {note_type (note or lead), noted_on, source, \
source_grade (1-3), intel_grade (A-E), handling (P or C), grading (UK 3x5x2), tlp}.";

/// A link type as a STIX relationship type.
pub fn relationship_type(link_type: &str) -> String {
    match link_type {
        "same-as" => "duplicate-of".into(),
        "related-to" | "other" | "" => "related-to".into(),
        t => {
            let t: String = t
                .to_ascii_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            if t.len() < 3 { "related-to".into() } else { t }
        }
    }
}

/// Words that mark a party's name as an organisation's.
const ORG_WORDS: &[&str] = &[
    "co",
    "co.",
    "company",
    "ltd",
    "ltd.",
    "llc",
    "llp",
    "inc",
    "inc.",
    "gmbh",
    "ag",
    "sa",
    "srl",
    "bv",
    "oy",
    "ab",
    "plc",
    "corp",
    "corporation",
    "trading",
    "limited",
    "group",
    "too",
    "ooo",
    "jsc",
    "pte",
    "shop",
    "store",
    "logistics",
    "express",
    "import",
    "export",
];

fn party_class(name: &str) -> &'static str {
    let is_org = name
        .split(|c: char| c.is_whitespace() || c == ',')
        .any(|w| ORG_WORDS.contains(&w.to_lowercase().as_str()));
    if is_org { "organization" } else { "individual" }
}

/// The observed-data of a parcel, its SCOs and its parties; returns the
/// observed-data id.
fn parcel_objects(b: &mut Builder, p: &Parcel, tlp: &str, out: &mut Vec<Value>) -> String {
    let od_id = sdo_id("observed-data", p.meta.id, "");
    let interdict_id = p.meta.id.to_string();
    let parcel_sco = sco_id(
        "x-interdict-parcel",
        &[
            ("interdict_id", &interdict_id),
            ("tracking_number", &p.tracking),
        ],
    );
    let mut sco = b.base("x-interdict-parcel", &parcel_sco, tlp);
    let transit: Vec<Value> = p
        .transit
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(Value::from)
        .collect();
    sco.extend(props(vec![
        ("interdict_id", interdict_id.clone().into()),
        ("tracking_number", p.tracking.clone().into()),
        ("tracking_kind", p.tracking_kind.as_str().into()),
        ("carrier", opt(&p.carrier)),
        ("service", opt(&p.service)),
        (
            "route",
            Value::Object(props(vec![
                ("origin", opt(&p.origin)),
                ("transit", Value::Array(transit)),
                ("destination", opt(&p.destination)),
                ("posted_on", opt(&p.posted_on)),
                ("posted_from", opt(&p.posted_from)),
                ("entry_point", opt(&p.entry_point)),
            ])),
        ),
        (
            "weight_g",
            p.weight_g.map(Value::from).unwrap_or(Value::Null),
        ),
        (
            "declared",
            Value::Object(props(vec![
                ("customs_form", opt(&p.customs_form)),
                ("category", opt(&p.declared_category)),
                ("contents", opt(&p.declared_contents)),
                (
                    "value",
                    p.declared_value.map(Value::from).unwrap_or(Value::Null),
                ),
                ("currency", opt(&p.declared_currency)),
                ("hs_code", opt(&p.hs_code)),
            ])),
        ),
        (
            "found",
            Value::Object(props(vec![
                ("contents", opt(&p.found_contents)),
                ("concealment", opt(&p.concealment)),
            ])),
        ),
    ]));
    sco.insert(
        "extensions".into(),
        json!({ EXTENSION_ID: {"extension_type": "new-sco"} }),
    );
    out.push(Value::Object(sco));
    let mut object_refs: Vec<Value> = vec![parcel_sco.into()];

    for (role, name, address, phone, email, rel) in [
        (
            "sender",
            &p.sender_name,
            &p.sender_address,
            &p.sender_phone,
            &p.sender_email,
            "sent-by",
        ),
        (
            "recipient",
            &p.recipient_name,
            &p.recipient_address,
            &p.recipient_phone,
            &p.recipient_email,
            "addressed-to",
        ),
    ] {
        if let Value::String(e) = opt(email) {
            let eid = sco_id("email-addr", &[("value", &e)]);
            let mut m = b.base("email-addr", &eid, tlp);
            m.insert("value".into(), e.into());
            out.push(Value::Object(m));
            object_refs.push(eid.into());
        }
        let Some(key) = party_key(name, phone, email, address) else {
            continue;
        };
        // One identity per person: its id from who they are, not from
        // the parcel (the same sender of five parcels is one identity).
        let pid = format!(
            "identity--{}",
            Uuid::new_v5(&INTERDICT_NAMESPACE, format!("party/{key}").as_bytes())
        );
        let shown = match opt(name) {
            Value::String(n) => n,
            _ => format!("{role} of {} (name not recorded)", p.tracking),
        };
        let party = b.parties.entry(pid.clone()).or_insert_with(|| Party {
            name: shown,
            on: Vec::new(),
            contacts: Vec::new(),
            meta: p.meta.clone(),
        });
        party.on.push((role, p.tracking.clone()));
        for (label, v) in [("address", address), ("phone", phone), ("e-mail", email)] {
            if let Value::String(s) = opt(v) {
                let c = format!("{label}: {s}");
                if !party.contacts.contains(&c) {
                    party.contacts.push(c);
                }
            }
        }
        let rid = sdo_id("relationship", p.meta.id, role);
        let mut r = b.domain("relationship", &rid, tlp, &p.meta);
        r.insert("relationship_type".into(), rel.into());
        r.insert("source_ref".into(), od_id.clone().into());
        r.insert("target_ref".into(), pid.into());
        out.push(Value::Object(r));
    }

    let mut od = b.domain("observed-data", &od_id, tlp, &p.meta);
    let seen = p
        .seized_on
        .as_deref()
        .and_then(day)
        .unwrap_or_else(|| p.meta.created_at.clone());
    od.insert("first_observed".into(), seen.clone().into());
    od.insert("last_observed".into(), seen.into());
    od.insert("number_observed".into(), 1.into());
    od.insert("object_refs".into(), Value::Array(object_refs));
    od.insert(
        "extensions".into(),
        extension(vec![
            ("kind", "seizure".into()),
            ("status", p.status.clone().into()),
            ("seized_place", opt(&p.seized_place)),
            ("seized_on", opt(&p.seized_on)),
        ]),
    );
    out.push(Value::Object(od));
    od_id
}

fn substance_object(b: &mut Builder, s: &Substance, tlp: &str, out: &mut Vec<Value>) -> String {
    let id = sdo_id("x-interdict-substance", s.meta.id, "");
    let mut m = b.domain("x-interdict-substance", &id, tlp, &s.meta);
    m.extend(props(vec![
        ("name", s.name.clone().into()),
        (
            "aliases",
            Value::Array(s.synonym_list().map(Value::from).collect()),
        ),
        ("group", s.group.clone().into()),
        ("subclass", opt(&s.subclass)),
        ("effect", opt(&s.effect)),
        ("cas", opt(&s.cas)),
        ("schedule_1961", opt(&s.schedule_1961)),
        ("schedule_1971", opt(&s.schedule_1971)),
        ("table_1988", opt(&s.table_1988)),
        ("national_note", opt(&s.national_note)),
    ]));
    m.insert(
        "extensions".into(),
        json!({ EXTENSION_ID: {"extension_type": "new-sdo"} }),
    );
    out.push(Value::Object(m));
    id
}

fn note_object(b: &mut Builder, n: &Note, target_ref: &str, case_tlp: &str) -> Value {
    let id = sdo_id("note", n.meta.id, "");
    // A note is shared no more widely than its own label or its case's.
    let mut m = b.domain("note", &id, stricter(&n.tlp, case_tlp), &n.meta);
    let abstract_ = if n.note_type == "lead" {
        format!("Lead, {}", n.noted_on)
    } else {
        format!("Note, {}", n.noted_on)
    };
    m.insert("abstract".into(), abstract_.into());
    m.insert("content".into(), masked_text(&n.text).into_owned().into());
    m.insert("authors".into(), json!([n.meta.created_by]));
    m.insert("object_refs".into(), json!([target_ref]));
    m.insert(
        "extensions".into(),
        extension(vec![
            ("kind", "note".into()),
            ("note_type", n.note_type.clone().into()),
            ("noted_on", n.noted_on.clone().into()),
            ("source", opt(&n.source)),
            ("source_grade", opt(&n.source_grade)),
            ("intel_grade", opt(&n.intel_grade)),
            ("handling", opt(&n.handling)),
            (
                "grading",
                n.grading().map(Value::from).unwrap_or(Value::Null),
            ),
            ("tlp", tlp_entry(&n.tlp).0.into()),
        ]),
    );
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlp_ids_are_the_oasis_ones() {
        assert_eq!(
            tlp_marking_id("RED"),
            "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
        );
        assert_eq!(
            tlp_marking_id("TLP:AMBER+STRICT"),
            "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
        );
        assert_eq!(tlp_marking_id(""), tlp_marking_id("AMBER"));
        assert!(is_red("tlp:red"));
        assert_eq!(stricter("AMBER", "AMBER+STRICT"), "AMBER+STRICT");
        assert_eq!(stricter("RED", "GREEN"), "RED");
        assert_eq!(stricter("CLEAR", "clear"), "CLEAR");
        assert!(!is_red("AMBER"));
    }

    #[test]
    fn sco_ids_follow_the_stix_rule() {
        // STIX 2.1, 2.9: email-addr of "john@example.com" (value only).
        let id = sco_id("email-addr", &[("value", "john@example.com")]);
        let expected = Uuid::new_v5(&SCO_NAMESPACE, br#"{"value":"john@example.com"}"#);
        assert_eq!(id, format!("email-addr--{expected}"));
        assert_eq!(Uuid::parse_str(&id[12..]).unwrap().get_version_num(), 5);
    }

    #[test]
    fn sdo_ids_are_stable_and_distinct_by_role() {
        let r = Uuid::now_v7();
        assert_eq!(
            sdo_id("identity", r, "sender"),
            sdo_id("identity", r, "sender")
        );
        assert_ne!(
            sdo_id("identity", r, "sender"),
            sdo_id("identity", r, "recipient")
        );
        assert!(sdo_id("note", r, "").starts_with("note--"));
    }

    #[test]
    fn link_types_map_to_relationship_types() {
        assert_eq!(relationship_type("same-as"), "duplicate-of");
        assert_eq!(relationship_type("other"), "related-to");
        assert_eq!(relationship_type("same-sender-as"), "same-sender-as");
        assert_eq!(relationship_type("Odd Type"), "odd-type");
    }

    #[test]
    fn parties_are_classed() {
        assert_eq!(party_class("Petrov Trading Co"), "organization");
        assert_eq!(party_class("Ivan Petrov"), "individual");
    }

    #[test]
    fn dates_become_timestamps() {
        assert_eq!(day("2026-03-04").unwrap(), "2026-03-04T00:00:00.000Z");
        assert!(day("4 March").is_none());
    }
}
