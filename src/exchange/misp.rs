//! A case as a MISP event (the core format's JSON, `{"Event": {...}}`),
//! for partners who run MISP: parcels and substances as objects of
//! interdict's own templates (shipped in `assets/misp-objects/`, since MISP
//! has no parcel, shipment or seizure template), people and organisations
//! as MISP's `person` and `organization` objects, notes as `annotation`
//! objects, findings and links as object references, and the handles,
//! sites, IBANs and wallets named in notes and contacts as the event's
//! attributes. The event carries the case's TLP as a `tlp:` tag; TLP:RED
//! items stay behind unless named, as in every export.

use super::handling::{self, Release};
use crate::domain::identifiers::{IdentKind, Identifier};
use crate::domain::{Case, Finding, ItemKind, Note, Organisation, Person, Record, Substance};
use crate::store::{Result, StoreError, records, related};
use rusqlite::Connection;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

pub const PARCEL_TEMPLATE: &str =
    include_str!("../../assets/misp-objects/interdict-parcel/definition.json");
pub const SUBSTANCE_TEMPLATE: &str =
    include_str!("../../assets/misp-objects/interdict-substance/definition.json");

/// MISP's own templates used here: (name, uuid, version, meta-category),
/// as PyMISP 2.5 ships them.
const PERSON: (&str, &str, u32, &str) =
    ("person", "a15b0477-e9d1-4b9c-9546-abe78a4f4248", 21, "misc");
const ORGANIZATION: (&str, &str, u32, &str) = (
    "organization",
    "f750e12b-127a-432c-b022-b3f9153c4e2a",
    9,
    "misc",
);
const ANNOTATION: (&str, &str, u32, &str) = (
    "annotation",
    "5d8dc046-15a1-4ca3-a09f-ed4ede7c4487",
    3,
    "misc",
);

/// A template's (uuid, version, meta-category) and its relations' MISP
/// types.
struct Template {
    name: String,
    uuid: String,
    version: u64,
    meta: String,
    types: HashMap<String, String>,
}

fn template(text: &str) -> Result<Template> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("a MISP object template: {e}")))?;
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    let types = v["attributes"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, a)| {
                    (
                        k.clone(),
                        a["misp-attribute"].as_str().unwrap_or("text").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Template {
        name: s("name"),
        uuid: s("uuid"),
        version: v["version"].as_u64().unwrap_or(1),
        meta: s("meta-category"),
        types,
    })
}

/// The MISP category a type's attributes go in.
fn category(misp_type: &str) -> &'static str {
    match misp_type {
        "full-name" | "first-name" | "last-name" | "date-of-birth" | "nationality"
        | "passport-number" | "phone-number" => "Person",
        "email-src" | "email-dst" => "Payload delivery",
        "domain" | "url" => "Network activity",
        "btc" | "iban" | "cc-number" => "Financial fraud",
        _ => "Other",
    }
}

/// An object being built.
struct Obj {
    uuid: String,
    name: String,
    template_uuid: String,
    template_version: u64,
    meta: String,
    comment: String,
    attrs: Vec<Value>,
    refs: Vec<Value>,
}

impl Obj {
    fn new(id: Uuid, t: (&str, &str, u64, &str), comment: String) -> Obj {
        Obj {
            uuid: id.to_string(),
            name: t.0.into(),
            template_uuid: t.1.into(),
            template_version: t.2,
            meta: t.3.into(),
            comment,
            attrs: Vec::new(),
            refs: Vec::new(),
        }
    }

    fn add(&mut self, relation: &str, misp_type: &str, value: Option<String>) {
        let Some(v) = value
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
        else {
            return;
        };
        self.attrs.push(json!({
            "uuid": Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("{}:{relation}:{v}", self.uuid).as_bytes()).to_string(),
            "object_relation": relation,
            "type": misp_type,
            "category": category(misp_type),
            "value": v,
            "to_ids": false,
            "disable_correlation": false,
        }));
    }

    fn json(self) -> Value {
        json!({
            "uuid": self.uuid,
            "name": self.name,
            "meta-category": self.meta,
            "template_uuid": self.template_uuid,
            "template_version": self.template_version.to_string(),
            "description": "",
            "comment": self.comment,
            "distribution": "5",
            "Attribute": self.attrs,
            "ObjectReference": self.refs,
        })
    }
}

fn from_template(id: Uuid, t: &Template, comment: String) -> Obj {
    Obj::new(id, (&t.name, &t.uuid, t.version, &t.meta), comment)
}

fn typed<'a>(t: &'a Template, relation: &str) -> &'a str {
    t.types.get(relation).map_or("text", String::as_str)
}

/// The MISP relationship of a link type.
fn relationship(link_type: &str) -> &str {
    match link_type {
        "sender-of" => "sends",
        "recipient-of" => "receives",
        "same-as" => "similar-to",
        "related-to" | "other" => "related-to",
        t => t,
    }
}

/// The event for `case_id` and what it holds, as MISP JSON.
pub fn case_event(conn: &Connection, case_id: Uuid, rel: &Release) -> Result<Value> {
    handling::check_chosen(conn, case_id, rel)?;
    let case: Case = records::must_get(conn, case_id)?;
    let parcel_t = template(PARCEL_TEMPLATE)?;
    let substance_t = template(SUBSTANCE_TEMPLATE)?;
    let mut objects: BTreeMap<Uuid, Obj> = BTreeMap::new();
    let mut identifiers: Vec<(Identifier, String)> = Vec::new();

    let parcels = related::parcels_in_case(conn, case_id, 1_000_000, 0)?;
    let mut substances: HashSet<Uuid> = HashSet::new();
    let mut findings: Vec<Finding> = Vec::new();
    for p in &parcels {
        let mut o = from_template(p.meta.id, &parcel_t, format!("parcel {}", p.tracking));
        let t = |r: &str| typed(&parcel_t, r).to_string();
        let pairs: Vec<(&str, Option<String>)> = vec![
            ("tracking-number", Some(p.tracking.clone())),
            ("tracking-kind", Some(p.tracking_kind.as_str().to_string())),
            ("carrier", p.carrier.clone()),
            ("service", p.service.clone()),
            ("origin-country", p.origin.clone()),
            ("transit-countries", p.transit.clone()),
            ("destination-country", p.destination.clone()),
            ("sender-name", p.sender_name.clone()),
            ("sender-address", p.sender_address.clone()),
            ("sender-phone", p.sender_phone.clone()),
            ("sender-email", p.sender_email.clone()),
            ("recipient-name", p.recipient_name.clone()),
            ("recipient-address", p.recipient_address.clone()),
            ("recipient-phone", p.recipient_phone.clone()),
            ("recipient-email", p.recipient_email.clone()),
            ("customs-form", p.customs_form.clone()),
            ("declared-category", p.declared_category.clone()),
            ("declared-contents", p.declared_contents.clone()),
            ("declared-value", p.declared_value.map(|v| v.to_string())),
            ("declared-currency", p.declared_currency.clone()),
            ("hs-code", p.hs_code.clone()),
            ("weight-g", p.weight_g.map(|v| v.to_string())),
            ("concealment", p.concealment.clone()),
            ("found-contents", p.found_contents.clone()),
            ("status", Some(p.status.clone())),
            ("seized-place", p.seized_place.clone()),
            ("seized-on", p.seized_on.clone()),
        ];
        for (r, v) in pairs {
            o.add(r, &t(r), v);
        }
        objects.insert(p.meta.id, o);
        for f in related::findings_in_parcel(conn, p.meta.id)? {
            substances.insert(f.substance_id);
            findings.push(f);
        }
    }
    for sid in &substances {
        let Some(s) = records::get::<Substance>(conn, *sid)? else {
            continue;
        };
        let mut o = from_template(s.meta.id, &substance_t, format!("substance {}", s.name));
        o.add("name", "text", Some(s.name.clone()));
        for syn in s.synonym_list() {
            o.add("synonym", "text", Some(syn.to_string()));
        }
        o.add("group", "text", Some(s.group.clone()));
        o.add("subclass", "text", s.subclass.clone());
        o.add("effect", "text", s.effect.clone());
        o.add("cas", "text", s.cas.clone());
        o.add("schedule-1961", "text", s.schedule_1961.clone());
        o.add("schedule-1971", "text", s.schedule_1971.clone());
        o.add("table-1988", "text", s.table_1988.clone());
        o.add("national-note", "text", s.national_note.clone());
        objects.insert(s.meta.id, o);
    }
    for f in &findings {
        if let Some(o) = objects.get_mut(&f.parcel_id) {
            o.refs.push(json!({
                "uuid": f.meta.id.to_string(),
                "object_uuid": f.parcel_id.to_string(),
                "referenced_uuid": f.substance_id.to_string(),
                "relationship_type": "contains",
                "comment": f.label(),
            }));
        }
    }

    // People and organisations of the case, as MISP's own objects.
    for kind in [ItemKind::Person, ItemKind::Organisation] {
        let Some(cond) = related::in_case_condition(kind) else {
            continue;
        };
        let mut ids: Vec<Uuid> = Vec::new();
        conn.prepare(&format!("SELECT id FROM {} WHERE {cond}", kind.table()))?
            .query_map([case_id], |r| r.get(0))?
            .try_for_each(|r| -> rusqlite::Result<()> {
                ids.push(r?);
                Ok(())
            })?;
        for id in ids {
            if handling::held_back(conn, kind, id, rel)?.is_some() {
                continue;
            }
            let o = match kind {
                ItemKind::Person => {
                    let p: Person = records::must_get(conn, id)?;
                    let t = (PERSON.0, PERSON.1, u64::from(PERSON.2), PERSON.3);
                    let mut o = Obj::new(id, t, format!("person {}", p.name));
                    o.add("full-name", "full-name", Some(p.name.clone()));
                    for a in crate::domain::person::parts(&p.aliases) {
                        o.add("alias", "text", Some(a.to_string()));
                    }
                    o.add("date-of-birth", "date-of-birth", p.born_on.clone());
                    o.add("nationality", "nationality", p.nationality.clone());
                    for ph in crate::domain::person::parts(&p.phones) {
                        o.add("phone-number", "phone-number", Some(ph.to_string()));
                    }
                    for a in crate::domain::person::parts(&p.addresses) {
                        o.add("address", "text", Some(a.to_string()));
                    }
                    o.add("role", "text", p.role_notes.clone());
                    o.add(
                        "text",
                        "text",
                        [p.documents.clone(), p.contacts.clone()]
                            .into_iter()
                            .flatten()
                            .reduce(|a, b| format!("{a}; {b}")),
                    );
                    for i in p.identifiers() {
                        identifiers.push((i, format!("from person {}", p.name)));
                    }
                    o
                }
                _ => {
                    let org: Organisation = records::must_get(conn, id)?;
                    let t = (
                        ORGANIZATION.0,
                        ORGANIZATION.1,
                        u64::from(ORGANIZATION.2),
                        ORGANIZATION.3,
                    );
                    let mut o = Obj::new(id, t, format!("organisation {}", org.name));
                    o.add("name", "text", Some(org.name.clone()));
                    o.add("type-of-organization", "text", Some(org.org_type.clone()));
                    for a in crate::domain::person::parts(&org.aliases) {
                        o.add("alias", "text", Some(a.to_string()));
                    }
                    for ph in crate::domain::person::parts(&org.phones) {
                        o.add("phone-number", "phone-number", Some(ph.to_string()));
                    }
                    for a in crate::domain::person::parts(&org.addresses) {
                        o.add("address", "text", Some(a.to_string()));
                    }
                    o.add(
                        "description",
                        "text",
                        [org.description.clone(), org.contacts.clone()]
                            .into_iter()
                            .flatten()
                            .reduce(|a, b| format!("{a}; {b}")),
                    );
                    for i in org.identifiers() {
                        identifiers.push((i, format!("from organisation {}", org.name)));
                    }
                    o
                }
            };
            objects.insert(id, o);
        }
    }

    // Notes on the case and on what it holds, as annotations.
    let mut on: Vec<Uuid> = vec![case_id];
    on.extend(objects.keys().copied());
    let mut notes: Vec<Note> = Vec::new();
    for id in &on {
        for n in related::notes_on(conn, *id, 100_000)? {
            if handling::held_back(conn, ItemKind::Note, n.meta.id, rel)?.is_none() {
                notes.push(n);
            }
        }
    }
    for n in &notes {
        let t = (
            ANNOTATION.0,
            ANNOTATION.1,
            u64::from(ANNOTATION.2),
            ANNOTATION.3,
        );
        let mut o = Obj::new(n.meta.id, t, format!("{} {}", n.note_type, n.noted_on));
        o.add("text", "text", Some(n.text.clone()));
        o.add(
            "type",
            "text",
            Some(match n.grading() {
                Some(g) => format!("{} (graded {g})", n.note_type),
                None => n.note_type.clone(),
            }),
        );
        o.add("creation-date", "datetime", Some(n.meta.created_at.clone()));
        if n.item_id != case_id {
            o.refs.push(json!({
                "uuid": Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("note-on:{}", n.meta.id).as_bytes()).to_string(),
                "object_uuid": n.meta.id.to_string(),
                "referenced_uuid": n.item_id.to_string(),
                "relationship_type": "annotates",
                "comment": "",
            }));
        }
        for i in crate::store::records::identifiers_of(conn, n)? {
            identifiers.push((i, format!("from {} {}", n.note_type, n.noted_on)));
        }
        objects.insert(n.meta.id, o);
    }

    // Links between what the event holds.
    let mut seen = HashSet::new();
    for id in on {
        for l in related::links_of(conn, id, 100_000)? {
            if l.link_type == "includes" || !seen.insert(l.meta.id) {
                continue;
            }
            let (from_id, to_id) = (l.from_id, l.to_id);
            if !objects.contains_key(&to_id) {
                continue;
            }
            if let Some(o) = objects.get_mut(&from_id) {
                o.refs.push(json!({
                    "uuid": l.meta.id.to_string(),
                    "object_uuid": from_id.to_string(),
                    "referenced_uuid": to_id.to_string(),
                    "relationship_type": relationship(&l.link_type),
                    "comment": l.note.clone().unwrap_or_default(),
                }));
            }
        }
    }

    // What leads and contacts name online and as payment, once each.
    let mut attributes: Vec<Value> = Vec::new();
    let mut values = HashSet::new();
    for (i, from) in identifiers {
        let (misp_type, comment) = match i.kind {
            IdentKind::Handle => ("text", "Telegram handle"),
            IdentKind::Domain => ("domain", "web or .onion site"),
            IdentKind::Iban => ("iban", "IBAN"),
            IdentKind::Wallet if i.value.starts_with("0x") => ("text", "Ethereum address"),
            IdentKind::Wallet if i.value.starts_with('T') => ("text", "TRON address"),
            IdentKind::Wallet => ("btc", "Bitcoin address"),
            IdentKind::Payment => ("text", "e-wallet"),
            IdentKind::Email => ("email-src", "e-mail address"),
            // Card numbers do not leave whole (they are shown masked).
            _ => continue,
        };
        if !values.insert((misp_type, i.value.clone())) {
            continue;
        }
        attributes.push(json!({
            "uuid": Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("{case_id}:{misp_type}:{}", i.value).as_bytes()).to_string(),
            "type": misp_type,
            "category": category(misp_type),
            "value": i.value,
            "to_ids": false,
            "comment": format!("{comment}, {from}"),
            "distribution": "5",
        }));
    }

    let mut event = Map::new();
    event.insert("uuid".into(), case_id.to_string().into());
    let info: String = format!("{} {}", case.reference, case.title)
        .chars()
        .take(256)
        .collect();
    event.insert("info".into(), info.into());
    event.insert(
        "date".into(),
        case.opened_on
            .clone()
            .unwrap_or_else(|| case.meta.created_at.chars().take(10).collect())
            .into(),
    );
    event.insert("threat_level_id".into(), "2".into());
    event.insert(
        "analysis".into(),
        if case.status == "closed" || case.status == "archived" {
            "2"
        } else {
            "1"
        }
        .into(),
    );
    // Your organisation only: sharing further is the partner's decision.
    event.insert("distribution".into(), "0".into());
    event.insert("published".into(), false.into());
    event.insert(
        "Tag".into(),
        json!([{"name": format!("tlp:{}", case.tlp.to_ascii_lowercase())}]),
    );
    event.insert("Attribute".into(), attributes.into());
    event.insert(
        "Object".into(),
        objects
            .into_values()
            .map(Obj::json)
            .collect::<Vec<_>>()
            .into(),
    );
    Ok(json!({ "Event": event }))
}
