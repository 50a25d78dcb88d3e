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
use crate::store::{Result, StoreError, records, refs, related};
use rusqlite::{Connection, OptionalExtension};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

pub const PARCEL_TEMPLATE: &str =
    include_str!("../../assets/misp-objects/interdict-parcel/definition.json");
pub const SUBSTANCE_TEMPLATE: &str =
    include_str!("../../assets/misp-objects/interdict-substance/definition.json");

/// MISP's own templates used here: (name, uuid, version, meta-category),
/// as PyMISP 2.5 ships them.
const PERSON: (&str, &str, u64, &str) =
    ("person", "a15b0477-e9d1-4b9c-9546-abe78a4f4248", 21, "misc");
const ORGANIZATION: (&str, &str, u64, &str) = (
    "organization",
    "f750e12b-127a-432c-b022-b3f9153c4e2a",
    9,
    "misc",
);
const ANNOTATION: (&str, &str, u64, &str) = (
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
        "full-name"
        | "first-name"
        | "last-name"
        | "date-of-birth"
        | "nationality"
        | "passport-number"
        | "passport-country"
        | "identity-card-number"
        | "phone-number" => "Person",
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
    /// Its own TLP, as an object tag (people, organisations, notes):
    /// read back as theirs, not the event's strictest.
    tlp: Option<String>,
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
            tlp: None,
        }
    }

    fn add(&mut self, relation: &str, misp_type: &str, value: Option<String>) {
        let Some(mut v) = value
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
        else {
            return;
        };
        // Free text (a note, a person's contacts) never carries a card
        // number whole to a partner.
        if misp_type == "text" {
            v = crate::domain::identifiers::masked_text(&v).into_owned();
        }
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
            "Tag": self
                .tlp
                .map(|t| json!([{"name": format!("tlp:{}", t.to_ascii_lowercase())}]))
                .unwrap_or_else(|| json!([])),
        })
    }
}

fn from_template(id: Uuid, t: &Template, comment: String) -> Obj {
    Obj::new(id, (&t.name, &t.uuid, t.version, &t.meta), comment)
}

fn typed<'a>(t: &'a Template, relation: &str) -> &'a str {
    t.types.get(relation).map_or("text", String::as_str)
}

/// A finding as its reference's comment: what a person reads, and the
/// fields in brackets for an importer (`50 g powder (presumptive) [form=powder
/// quantity=50 unit=g identification=presumptive]`).
fn finding_comment(f: &Finding) -> String {
    let mut fields = vec![
        format!("form={}", f.form),
        format!("identification={}", f.identification),
    ];
    if let Some(q) = f.quantity {
        fields.push(format!("quantity={q}"));
    }
    if let Some(u) = &f.unit {
        fields.push(format!("unit={u}"));
    }
    // Text as a JSON string (spaces, brackets and quotes in it): the lab's
    // reference and the note went nowhere, and a round trip lost them.
    for (k, v) in [("test_ref", &f.test_ref), ("note", &f.note)] {
        if let Some(v) = v {
            fields.push(format!("{k}={}", Value::String(v.clone())));
        }
    }
    format!("{} [{}]", f.label(), fields.join(" "))
}

/// A finding's fields as read from a comment, with what is said of it.
type FindingRead = (Vec<(String, String)>, Option<String>);

/// The fields of a finding from its reference's comment: interdict's own
/// `[form=... quantity=...]` block, else the finding as a person writes
/// it (`19 g crystals (lab-confirmed)`, `120 tablets`), with a word of a
/// comment not read whole (then kept whole as the finding's note, its
/// form "other": "powder" was stored as if the partner had said it). A
/// block that cannot be read whole is refused, saying why, as a bad
/// value in it is.
fn finding_fields(comment: &str) -> Result<FindingRead, String> {
    const KEYS: [&str; 6] = [
        "form",
        "identification",
        "quantity",
        "unit",
        "test_ref",
        "note",
    ];
    if let Some(at) = comment.find('[')
        && let Some(inside) = comment[at + 1..].trim_end().strip_suffix(']')
        && KEYS
            .iter()
            .any(|k| inside.trim_start().starts_with(&format!("{k}=")))
    {
        return Ok((block_fields(inside)?, None));
    }
    Ok(written_finding(comment))
}

/// `key=value` pairs, a value bare or a JSON string; what is not one, a
/// key given twice or with no value, is refused.
fn block_fields(inside: &str) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut rest = inside.trim_start();
    while !rest.is_empty() {
        let Some((k, after)) = rest
            .split_once('=')
            .filter(|(k, _)| !k.is_empty() && !k.contains(char::is_whitespace))
        else {
            return Err(format!(
                "the comment's block has {:?} where a key=value pair should be",
                crate::domain::text::truncate(rest, 40)
            ));
        };
        let (value, next) = if after.starts_with('"') {
            let mut de = serde_json::Deserializer::from_str(after).into_iter::<String>();
            match de.next() {
                Some(Ok(v)) => (v, &after[de.byte_offset()..]),
                _ => {
                    return Err(format!(
                        "the comment's block has {k}= with a quoted value that does not end, or holds an escape JSON has not"
                    ));
                }
            }
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            (after[..end].to_string(), &after[end..])
        };
        if value.is_empty() {
            return Err(format!("the comment's block has {k}= with no value"));
        }
        if out.iter().any(|(have, _)| have == k) {
            return Err(format!("the comment's block gives {k} twice"));
        }
        out.push((k.to_string(), value));
        rest = next.trim_start();
    }
    Ok(out)
}

/// A finding as a person writes it: `[quantity unit] form
/// [(identification)]`, read only whole: a comment that is not (words
/// interdict does not know, a number written with a mark between
/// thousands, `1,500`, which read as 1.5) is kept whole as the note,
/// with form other, and said.
fn written_finding(comment: &str) -> FindingRead {
    use crate::domain::finding::{FORMS, IDENTIFICATION, UNITS};
    let text = comment.trim();
    if text.is_empty() {
        return (
            vec![("form".into(), "other".into())],
            Some("no form, quantity or identification given: stored as form other".into()),
        );
    }
    let mut out: Vec<(String, String)> = Vec::new();
    let mut body = text;
    if let Some((before, last)) = text.rsplit_once('(')
        && let Some(id) = last.trim_end().strip_suffix(')')
        && IDENTIFICATION.contains(&id.trim())
    {
        out.push(("identification".into(), id.trim().into()));
        body = before;
    }
    let words: Vec<&str> = body.split_whitespace().collect();
    let quantity = |w: &str| -> Option<String> {
        // Digits, and at most one decimal point or comma not followed
        // by exactly three digits (a mark between thousands reads both
        // ways), in sixteen characters at most.
        let (whole, fraction) = match w.split_once(['.', ',']) {
            Some((a, b)) => (a, Some(b)),
            None => (w, None),
        };
        let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        let ok =
            digits(whole) && fraction.is_none_or(|f| digits(f) && f.len() != 3) && w.len() <= 16;
        let q: f64 = w.replace(',', ".").parse().ok()?;
        (ok && q > 0.0).then(|| q.to_string())
    };
    let known = match words.as_slice() {
        [q, u, f] => quantity(q)
            .filter(|_| UNITS.contains(u) && FORMS.contains(f))
            .map(|q| {
                vec![
                    ("quantity", q),
                    ("unit", u.to_string()),
                    ("form", f.to_string()),
                ]
            }),
        // `120 tablets`: the unit is the form.
        [q, u] => quantity(q)
            .filter(|_| UNITS.contains(u) && FORMS.contains(u))
            .map(|q| {
                vec![
                    ("quantity", q),
                    ("unit", u.to_string()),
                    ("form", u.to_string()),
                ]
            }),
        [f] => FORMS.contains(f).then(|| vec![("form", f.to_string())]),
        _ => None,
    };
    match known {
        Some(fields) => {
            out.extend(fields.into_iter().map(|(k, v)| (k.to_string(), v)));
            (out, None)
        }
        None => (
            vec![
                ("form".into(), "other".into()),
                ("note".into(), text.to_string()),
            ],
            Some(format!(
                "{text:?} is not read as a finding (a quantity, unit and form, as `19 g crystals (lab-confirmed)` or `120 tablets`): stored as form other, presumptive, the words kept as its note"
            )),
        ),
    }
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
            ("posted-on", p.posted_on.clone()),
            ("posted-from", p.posted_from.clone()),
            ("entry-point", p.entry_point.clone()),
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
                "comment": finding_comment(f),
            }));
        }
    }

    // People and organisations of the case, as MISP's own objects.
    for kind in [ItemKind::Person, ItemKind::Organisation] {
        for id in related::ids_in_case(conn, kind, case_id)? {
            if handling::held_back(conn, kind, id, rel)?.is_some() {
                continue;
            }
            let o = match kind {
                ItemKind::Person => {
                    let p: Person = records::must_get(conn, id)?;
                    let mut o = Obj::new(id, PERSON, format!("person {}", p.name));
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
                    // Identity documents as the person template holds them
                    // (`passport KZ N1234567`: passport-country and
                    // -number), read back as the documents they were; any
                    // other document rides in the text with the contacts.
                    let mut other_documents = Vec::new();
                    for d in crate::domain::person::parts(&p.documents) {
                        if let Some(rest) = d.strip_prefix("passport ") {
                            match rest.split_once(' ') {
                                Some((cc, n))
                                    if cc.len() == 2
                                        && cc.bytes().all(|b| b.is_ascii_uppercase()) =>
                                {
                                    o.add("passport-country", "passport-country", Some(cc.into()));
                                    o.add("passport-number", "passport-number", Some(n.into()));
                                }
                                _ => o.add("passport-number", "passport-number", Some(rest.into())),
                            }
                        } else if let Some(n) = d.strip_prefix("identity card ") {
                            o.add(
                                "identity-card-number",
                                "identity-card-number",
                                Some(n.into()),
                            );
                        } else {
                            other_documents.push(d.to_string());
                        }
                    }
                    o.add(
                        "text",
                        "text",
                        [
                            (!other_documents.is_empty()).then(|| other_documents.join("; ")),
                            p.contacts.clone(),
                        ]
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
                    let mut o = Obj::new(id, ORGANIZATION, format!("organisation {}", org.name));
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
                    // (MISP's organisation has no relation for handles and
                    // payment ids: they ride in its description on a line
                    // of their own, read back as the contacts they were.)
                    // (With no contacts, a description that names a site
                    // or handle says so on an empty contacts line: else an
                    // import would read it as a partner's, for contacts.)
                    let contacts = org.contacts.clone().or_else(|| {
                        org.description
                            .as_deref()
                            .is_some_and(|d| !contacts_in(d).is_empty())
                            .then(String::new)
                    });
                    o.add(
                        "description",
                        "text",
                        [
                            org.description.clone(),
                            contacts.map(|c| format!("{CONTACTS_LINE}{c}").trim_end().to_string()),
                        ]
                        .into_iter()
                        .flatten()
                        .reduce(|a, b| format!("{a}\n{b}")),
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
        for mut n in related::notes_on(conn, *id, 100_000)? {
            if handling::held_back(conn, ItemKind::Note, n.meta.id, rel)?.is_none() {
                if rel.redact_sources {
                    n.strip_sources();
                }
                notes.push(n);
            }
        }
    }
    for n in &notes {
        let mut o = Obj::new(
            n.meta.id,
            ANNOTATION,
            format!("{} {}", n.note_type, n.noted_on),
        );
        o.add("text", "text", Some(n.text.clone()));
        o.add(
            "type",
            "text",
            Some(match n.grading() {
                Some(g) => format!("{} (graded {g})", n.note_type),
                None => n.note_type.clone(),
            }),
        );
        o.add("creation-date", "datetime", Some(n.noted_on.clone()));
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
    // The event is marked as strictly as the strictest thing it carries
    // (an AMBER+STRICT note on a GREEN case went out under tlp:green,
    // and a receiving instance shares by the event's tag).
    // Each person, organisation and note is tagged with its own level,
    // and the case's own rides on an `interdict:case-tlp` tag: read back,
    // each is what it was (a GREEN case with an AMBER note came back
    // AMBER, a conflict of its own event, until 2026-12-07).
    let mut tlp = case.tlp.clone();
    for (id, obj) in objects.iter_mut() {
        if let Some(kind) = refs::kind_of_id(conn, *id)?
            && let Some(t) = handling::tlp_of(conn, kind, *id)?
        {
            if handling::tlp_rank(&t) > handling::tlp_rank(&tlp) {
                tlp = t.clone();
            }
            obj.tlp = Some(t);
        }
    }
    let mut tags = vec![json!({"name": format!("tlp:{}", tlp.to_ascii_lowercase())})];
    if tlp != case.tlp {
        tags.push(json!({"name": format!("{CASE_TLP_TAG}=\"{}\"", case.tlp.to_ascii_lowercase())}));
    }
    event.insert("Tag".into(), tags.into());
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

/// What importing an event did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Imported {
    pub event: String,
    pub case: String,
    /// Records written, by kind.
    pub added: BTreeMap<String, usize>,
    /// Records already in the notebook (same id), left as they are.
    pub already_here: usize,
    /// Objects of templates interdict does not read, by template name.
    pub skipped: BTreeMap<String, usize>,
    /// Records here that the event gives other values: kept as here, each
    /// difference said in the notices and the event's version filed as a
    /// conflict to settle (`interdict conflicts`).
    pub differ: usize,
    /// What the summary says besides the counts: a choice made for the
    /// user (which of several TLP tags applies), data left out and why.
    pub notices: Vec<String>,
    pub dry_run: bool,
}

/// Says of an object or reference the event marks deleted, `uuid`, that
/// this notebook holds a record under it (brought by an earlier import):
/// kept, as nothing is deleted by an import, and named with how to delete
/// it if the partner's withdrawal stands.
fn withdrawn_here(
    w: &crate::store::Writer<'_>,
    uuid: &Value,
    what: &str,
    notices: &mut Vec<String>,
) -> Result<()> {
    let Some(id) = uuid.as_str().and_then(|u| Uuid::parse_str(u.trim()).ok()) else {
        return Ok(());
    };
    if let Some(kind) = refs::kind_of_id(&w.tx, id)? {
        let label = records::label_of(&w.tx, kind, id)?;
        notices.push(format!(
            "{what} {id} is marked deleted in MISP: the partner withdrew it, and this notebook holds it as {kind} {} (kept; `interdict delete {id}` if the withdrawal stands)",
            crate::domain::text::sanitize(&label)
        ));
    }
    Ok(())
}

/// How an organisation's contacts begin their line of its MISP
/// description.
const CONTACTS_LINE: &str = "contacts: ";

/// The contacts an organisation's MISP description carries: interdict's
/// from their line on (the last thing it writes there; the lines after it
/// are the contacts' own), and the description without them. Another
/// tool's description (no such line) is kept whole as the description,
/// and gives as contacts only the handles, sites, e-mail addresses and
/// payment ids written in it (it gave the whole description, which came
/// back in contacts after a round trip of one's own organisation).
fn description_and_contacts(given: &str) -> (String, String) {
    let lines: Vec<&str> = given.lines().collect();
    match lines
        .iter()
        .position(|l| l.starts_with(CONTACTS_LINE.trim_end()))
    {
        Some(at) => {
            let first = lines[at][CONTACTS_LINE.trim_end().len()..].trim_start();
            let contacts = std::iter::once(first)
                .chain(lines[at + 1..].iter().copied())
                .collect::<Vec<_>>()
                .join("\n");
            (lines[..at].join("\n"), contacts)
        }
        None => (given.to_string(), contacts_in(given).join("; ")),
    }
}

/// The handles, sites, e-mail addresses and payment ids a text names, as
/// identifiers read them (card numbers not: they are kept masked).
fn contacts_in(text: &str) -> Vec<String> {
    use crate::domain::identifiers::{self, IdentKind};
    let mut out: Vec<String> = identifiers::from_free_text(text)
        .into_iter()
        .filter(|i| {
            matches!(
                i.kind,
                IdentKind::Handle
                    | IdentKind::Domain
                    | IdentKind::Email
                    | IdentKind::Wallet
                    | IdentKind::Iban
                    | IdentKind::Payment
            )
        })
        .map(|i| i.value)
        .collect();
    out.dedup();
    out
}

/// What typing and saving a record of the event said (a date in the
/// future, a national phone with no country...), each once, named by its
/// object: said as the same record typed would be.
fn said(notices: &mut Vec<String>, what: &str, warnings: impl IntoIterator<Item = String>) {
    for w in warnings {
        let n = format!("{what}: {w}");
        if !notices.contains(&n) {
            notices.push(n);
        }
    }
}

/// The event's TLP from its `tlp:` tags: the strictest when there are
/// several (a partner's RED is never lowered by a CLEAR beside it), TLP
/// 1.0's `tlp:white` read as CLEAR, AMBER when there is none. Tags of the
/// `tlp:ex:` extensions (`tlp:ex:chr`) are not levels: they are named in
/// the notices. Any other `tlp:` tag refuses the file.
/// The machine tag that carries the case's own TLP in an event marked
/// more strictly for what else it holds.
const CASE_TLP_TAG: &str = "interdict:case-tlp";

/// The case's own TLP as the event's [`CASE_TLP_TAG`] gives it, when it
/// is a level no stricter than `event_level` (one stricter, or no level,
/// is not read: the event's tags rule then).
fn case_tlp(e: &Value, event_level: &str) -> Option<String> {
    use crate::domain::fields::TLP;
    let rank = |t: &str| TLP.iter().position(|x| *x == t);
    e["Tag"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str())
        .find_map(|n| n.trim().strip_prefix(CASE_TLP_TAG)?.strip_prefix('='))
        .map(|v| v.trim().trim_matches('"').to_ascii_uppercase())
        .filter(|v| rank(v).zip(rank(event_level)).is_some_and(|(c, e)| c <= e))
}

/// What of an event interdict keeps nowhere, said: tags other than TLP
/// (a partner's PAP:RED, a limit on how the information may be used,
/// went unsaid, and the next export shared it without it), galaxy
/// clusters and sightings.
fn not_kept(e: &Value) -> Vec<String> {
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let mut tags: Vec<(String, String)> = Vec::new();
    let mut note = |v: &Value, at: String| {
        for name in list(v).iter().filter_map(|t| t["name"].as_str()) {
            let lower = name.trim().to_lowercase();
            let extension = lower
                .strip_prefix("tlp:")
                .is_some_and(|l| l.trim_start().starts_with("ex:"));
            if !extension && (lower.starts_with("tlp:") || lower.starts_with(CASE_TLP_TAG)) {
                continue;
            }
            tags.push((name.trim().to_string(), at.clone()));
        }
    };
    note(&e["Tag"], "the event".into());
    let attrs = |holder: &Value| {
        list(&holder["Attribute"])
            .into_iter()
            .filter(|a| !deleted(a))
    };
    let mut sightings = 0;
    let mut galaxies: Vec<Value> = list(&e["Galaxy"]);
    for a in attrs(e) {
        note(
            &a["Tag"],
            format!("attribute {}", a["type"].as_str().unwrap_or("?")),
        );
        sightings += list(&a["Sighting"]).len();
        galaxies.extend(list(&a["Galaxy"]));
    }
    for o in list(&e["Object"]).into_iter().filter(|o| !deleted(o)) {
        let name = o["name"].as_str().unwrap_or("?").to_string();
        note(&o["Tag"], format!("object {name}"));
        for a in attrs(&o) {
            note(
                &a["Tag"],
                format!("{name} {}", a["object_relation"].as_str().unwrap_or("?")),
            );
            sightings += list(&a["Sighting"]).len();
            galaxies.extend(list(&a["Galaxy"]));
        }
    }
    sightings += list(&e["Sighting"]).len();
    let mut out = Vec::new();
    let mut paps: Vec<&str> = Vec::new();
    for (t, _) in &tags {
        let lower = t.to_lowercase();
        let limit = lower.starts_with("pap:")
            || lower
                .strip_prefix("tlp:")
                .is_some_and(|l| l.trim_start().starts_with("ex:"));
        if limit && !paps.contains(&t.as_str()) {
            paps.push(t);
        }
    }
    if !paps.is_empty() {
        out.push(format!(
            "tagged {}: the partner's limit on how it may be used is not kept by interdict (it keeps TLP levels only) and goes with no export: keep to it yourself",
            paps.join(", ")
        ));
    }
    if !tags.is_empty() {
        let shown: Vec<String> = tags
            .iter()
            .take(10)
            .map(|(t, at)| format!("{t:?} ({at})"))
            .collect();
        let more = tags.len().saturating_sub(10);
        out.push(format!(
            "{} tag(s) not imported (interdict keeps TLP only): {}{}",
            tags.len(),
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    let galaxies: Vec<String> = galaxies
        .iter()
        .flat_map(|g| list(&g["GalaxyCluster"]))
        .filter_map(|c| c["value"].as_str().map(str::to_string))
        .collect();
    if !galaxies.is_empty() {
        out.push(format!(
            "{} galaxy cluster(s) not imported: {}",
            galaxies.len(),
            galaxies.join(", ")
        ));
    }
    if sightings > 0 {
        out.push(format!("{sightings} sighting(s) not imported"));
    }
    out
}

fn event_tlp(e: &Value, notices: &mut Vec<String>) -> Result<String> {
    use crate::domain::fields::TLP;
    let found = tlp_tags(&e["Tag"], "Event.Tag", notices)?;
    let Some((rank, _)) = found.iter().max_by_key(|(r, _)| *r) else {
        return Ok("AMBER".into());
    };
    let tlp = TLP[*rank].to_string();
    if found.iter().any(|(r, _)| r != rank) {
        let names: Vec<&str> = found.iter().map(|(_, n)| n.as_str()).collect();
        notices.push(format!(
            "the event has several TLP tags ({}): the strictest, {tlp}, applies to everything imported",
            names.join(", ")
        ));
    }
    Ok(tlp)
}

/// The TLP levels of `tags` (a MISP `Tag` list) with each tag's name, by
/// rank in [`TLP`](crate::domain::fields::TLP); `at` names where they are
/// in a refusal of a `tlp:` tag that is no level.
fn tlp_tags(tags: &Value, at: &str, notices: &mut Vec<String>) -> Result<Vec<(usize, String)>> {
    use crate::domain::fields::TLP;
    let mut found: Vec<(usize, String)> = Vec::new();
    for name in tags
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str())
    {
        let lower = name.trim().to_lowercase();
        let Some(level) = lower.strip_prefix("tlp:") else {
            continue;
        };
        let level = level.trim();
        if level.starts_with("ex:") {
            // (An extension such as tlp:ex:chr is a limit on use, named
            // with PAP's by `not_kept`, wherever it is tagged.)
            continue;
        }
        let upper = if level == "white" {
            notices.push(format!("tag {name:?} (TLP 1.0) read as CLEAR"));
            "CLEAR".to_string()
        } else {
            level.to_ascii_uppercase().replace(' ', "+")
        };
        let Some(rank) = TLP.iter().position(|t| *t == upper) else {
            return Err(bad(
                at,
                format!(
                    "{name:?} is not a TLP label (tlp:clear, tlp:white, tlp:green, tlp:amber, tlp:amber+strict, tlp:red)"
                ),
            ));
        };
        found.push((rank, name.to_string()));
    }
    Ok(found)
}

/// The strictest TLP the tags of an object, or of its attributes not
/// marked deleted, give, when it is stricter than `base`: what that
/// object imports is held at it (a `tlp:red` on one attribute of a
/// `tlp:green` event was imported GREEN, and left in the next plain
/// export).
fn stricter_in(
    tags: impl IntoIterator<Item = (Value, String)>,
    base: &str,
) -> Result<Option<String>> {
    use crate::domain::fields::TLP;
    let base = TLP.iter().position(|t| *t == base).unwrap_or(0);
    let mut strictest = base;
    // (What these tags say of themselves, TLP 1.0 or extensions, is
    // said of the event's own; not again for each attribute.)
    let mut quiet = Vec::new();
    for (t, at) in tags {
        for (rank, _) in tlp_tags(&t, &at, &mut quiet)? {
            strictest = strictest.max(rank);
        }
    }
    Ok((strictest > base).then(|| TLP[strictest].to_string()))
}

/// The tags of an object and of its attributes not marked deleted, each
/// with where it is (for a refusal).
fn object_tags(o: &Value, what: &str) -> Vec<(Value, String)> {
    std::iter::once((o["Tag"].clone(), format!("{what} Tag")))
        .chain(
            o["Attribute"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|a| !deleted(a))
                .map(|a| {
                    (
                        a["Tag"].clone(),
                        format!(
                            "{what} attribute {} Tag",
                            a["object_relation"].as_str().unwrap_or("?")
                        ),
                    )
                }),
        )
        .collect()
}

/// The link type of a MISP relationship (the reverse of the export's).
fn link_type(relationship: &str) -> (&'static str, bool) {
    match relationship {
        "sends" => ("sender-of", false),
        "receives" => ("recipient-of", false),
        "similar-to" => ("same-as", false),
        r => match crate::domain::link::LINK_TYPES.iter().find(|t| **t == r) {
            Some(t) => (t, false),
            None => ("related-to", true),
        },
    }
}

/// A MISP relationship and its comment as a link's type and note (an
/// unknown relationship is `related-to`, naming it).
fn link_of(relationship: &str, comment: &str) -> (&'static str, String) {
    let (t, unknown) = link_type(relationship);
    let note = if unknown {
        format!("MISP relationship {relationship}: {comment}")
    } else {
        comment.to_string()
    };
    (t, note)
}

fn bad(what: &str, message: impl std::fmt::Display) -> StoreError {
    StoreError::Refused(format!("{what}: {message}; nothing was imported"))
}

/// The one event of a document in any of MISP's shapes: `{"Event": {...}}`
/// (the core format), the bare event, a REST search's
/// `{"response": [{"Event": {...}}]}` or a list of events. Several events
/// are refused, naming the shape (one file is one case).
fn the_event(v: &Value) -> Result<&Value> {
    let (list, shape) = match v {
        Value::Array(a) => (a, "a list"),
        Value::Object(m) => match m.get("response") {
            Some(Value::Array(a)) => (a, "a MISP REST response"),
            Some(Value::Object(_)) => return the_event(&v["response"]),
            _ => return Ok(v.get("Event").unwrap_or(v)),
        },
        _ => return Err(bad("the file", "not a MISP event (a JSON object)")),
    };
    match list.as_slice() {
        [one] => Ok(one.get("Event").unwrap_or(one)),
        [] => Err(bad("the file", format!("{shape} holding no event"))),
        many => Err(bad(
            "the file",
            format!(
                "{shape} of {} events; import one event per file (one event is one case)",
                many.len()
            ),
        )),
    }
}

/// What a JSON value is, in a refusal of the wrong one.
fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The event's shape, checked before anything is read from it: a list of
/// objects where MISP gives one (`Tag`, `Attribute`, `Object`,
/// `ObjectReference`), text where it gives text. A field of another shape
/// was read as empty: `"Tag": "tlp:red"` as no tag (a RED note came in
/// GREEN), `"Object": {}` as no objects (every parcel left out, the import
/// said done). The file is refused, naming the field.
fn shape(e: &Value) -> Result<()> {
    let is = |v: &Value, at: &str, want: &str, ok: bool| {
        if ok || v.is_null() {
            Ok(())
        } else {
            Err(bad(at, format!("expected {want}, found {}", json_kind(v))))
        }
    };
    fn list<'v>(v: &'v Value, at: &str) -> Result<Vec<(String, &'v Value)>> {
        match v {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, it)| {
                    let at = format!("{at}[{i}]");
                    match it {
                        Value::Object(_) => Ok((at, it)),
                        _ => Err(bad(
                            &at,
                            format!("expected an object, found {}", json_kind(it)),
                        )),
                    }
                })
                .collect(),
            other => Err(bad(
                at,
                format!("expected a list of objects, found {}", json_kind(other)),
            )),
        }
    }
    let tags = |holder: &Value, at: &str| -> Result<()> {
        for (at, t) in list(&holder["Tag"], &format!("{at}.Tag"))? {
            let name = &t["name"];
            is(name, &format!("{at}.name"), "text", name.is_string())?;
        }
        Ok(())
    };
    let texts = |holder: &Value, at: &str, keys: &[&str]| -> Result<()> {
        for k in keys {
            let v = &holder[*k];
            is(v, &format!("{at}.{k}"), "text", v.is_string())?;
        }
        Ok(())
    };
    let attributes = |holder: &Value, at: &str| -> Result<()> {
        for (at, a) in list(&holder["Attribute"], &format!("{at}.Attribute"))? {
            // (A value may be a number; its own reading refuses null or an
            // object, naming the attribute.)
            texts(a, &at, &["type", "object_relation", "uuid"])?;
            tags(a, &at)?;
        }
        Ok(())
    };
    if !e.is_object() {
        return Err(bad(
            "Event",
            format!("expected an object, found {}", json_kind(e)),
        ));
    }
    texts(e, "Event", &["uuid", "info", "date"])?;
    tags(e, "Event")?;
    attributes(e, "Event")?;
    // The event's own attributes become a note: each must say what it is
    // and hold a value (one with none, or a list, was left out unsaid).
    for (at, a) in list(&e["Attribute"], "Event.Attribute")? {
        if deleted(a) {
            continue;
        }
        let (t, v) = (&a["type"], &a["value"]);
        if !t.is_string() {
            return Err(bad(
                &format!("{at}.type"),
                "missing: an attribute says its type",
            ));
        }
        if !(v.is_string() || v.is_number()) {
            return Err(bad(
                &format!("{at}.value"),
                format!("expected text or a number, found {}", json_kind(v)),
            ));
        }
    }
    // An event says its date (it opens the case); empty or null, it was
    // taken as today, unsaid.
    if let Some(d) = e.get("date")
        && d.as_str().is_none_or(|d| d.trim().is_empty())
    {
        return Err(bad("Event.date", "empty: the event's date opens the case"));
    }
    for (at, o) in list(&e["Object"], "Event.Object")? {
        texts(o, &at, &["name", "uuid"])?;
        tags(o, &at)?;
        attributes(o, &at)?;
        for (at, r) in list(&o["ObjectReference"], &format!("{at}.ObjectReference"))? {
            texts(r, &at, &["referenced_uuid", "relationship_type", "uuid"])?;
        }
    }
    Ok(())
}

/// Whether MISP marks an attribute deleted (soft deletion keeps it in
/// exports): it is not live intelligence.
fn deleted(a: &Value) -> bool {
    match &a["deleted"] {
        Value::Bool(b) => *b,
        Value::String(s) => s == "1" || s.eq_ignore_ascii_case("true"),
        Value::Number(n) => n.as_u64() == Some(1),
        _ => false,
    }
}

/// An attribute's value as text: a number as written (MISP's own exports
/// write strings, other tools numbers); null, a list or an object refuses
/// the file, naming the attribute.
fn value_text(a: &Value, what: &str) -> Result<String> {
    match &a["value"] {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        v => Err(bad(
            &format!(
                "{what} attribute {}",
                a["object_relation"].as_str().unwrap_or("?")
            ),
            format!(
                "its value is {}, not text or a number",
                match v {
                    Value::Null => "null",
                    Value::Array(_) => "a list",
                    _ => "an object",
                }
            ),
        )),
    }
}

/// An object's attributes, deleted ones left out: relation -> values, in
/// order, with which of them the import read (to name every one it did
/// not).
struct Rels {
    map: BTreeMap<String, Vec<String>>,
    read: std::cell::RefCell<HashSet<(String, usize)>>,
    /// Why a value read was still not imported, by (relation, index).
    why: std::cell::RefCell<BTreeMap<(String, usize), String>>,
}

impl Rels {
    fn of(o: &Value, what: &str) -> Result<Rels> {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for a in o["Attribute"].as_array().into_iter().flatten() {
            if deleted(a) {
                continue;
            }
            if let Some(r) = a["object_relation"].as_str() {
                map.entry(r.to_string())
                    .or_default()
                    .push(value_text(a, what)?);
            }
        }
        Ok(Rels {
            map,
            read: Default::default(),
            why: Default::default(),
        })
    }

    /// The first value of `k` (read), or "".
    fn one(&self, k: &str) -> String {
        match self.map.get(k).and_then(|v| v.first()) {
            Some(v) => {
                self.read.borrow_mut().insert((k.to_string(), 0));
                v.clone()
            }
            None => String::new(),
        }
    }

    /// Every value of `k` (read).
    fn values(&self, k: &str) -> Vec<String> {
        let v = self.map.get(k).cloned().unwrap_or_default();
        let mut read = self.read.borrow_mut();
        for i in 0..v.len() {
            read.insert((k.to_string(), i));
        }
        v
    }

    /// Every value of `k` joined by `; ` (read).
    fn all(&self, k: &str) -> String {
        self.values(k).join("; ")
    }

    /// Whether the object has a value of `k`, without reading it.
    fn has(&self, k: &str) -> bool {
        self.map.get(k).is_some_and(|v| !v.is_empty())
    }

    /// Marks every value of `k` as not imported, for the reason given.
    fn refuse(&self, k: &str, why: impl Into<String>) {
        let why = why.into();
        let n = self.map.get(k).map_or(0, Vec::len);
        let mut read = self.read.borrow_mut();
        let mut w = self.why.borrow_mut();
        for i in 0..n {
            read.remove(&(k.to_string(), i));
            w.insert((k.to_string(), i), why.clone());
        }
    }

    /// The values not imported, each said with its relation and why.
    fn not_imported(&self, what: &str, kind: &str) -> Vec<String> {
        let read = self.read.borrow();
        let why = self.why.borrow();
        let mut out = Vec::new();
        for (k, vs) in &self.map {
            for (i, v) in vs.iter().enumerate() {
                if read.contains(&(k.clone(), i)) {
                    continue;
                }
                let reason = match why.get(&(k.clone(), i)) {
                    Some(w) => w.clone(),
                    None if read.contains(&(k.clone(), 0)) => format!(
                        "a {kind} holds one {k}: the first, {:?}, was imported",
                        vs[0]
                    ),
                    None => format!("not a relation interdict reads from a {kind}"),
                };
                out.push(format!(
                    "{what}: attribute {k} {v:?} not imported ({reason})"
                ));
            }
        }
        out
    }
}

/// The conflicts a re-imported event leaves, as a merge does: the record
/// here stays, the file's version waits beside it until someone chooses
/// (`interdict conflicts`). They hang on a `sources` row of the import,
/// made with the first.
struct Conflicts<'a> {
    file: &'a str,
    sha256: String,
    event: Uuid,
    source: Option<Uuid>,
    dry_run: bool,
    /// Records here found to differ from the event.
    differ: usize,
}

impl Conflicts<'_> {
    /// The `sources` row of this import, made when first asked for.
    fn source(&mut self, w: &crate::store::Writer<'_>) -> Result<Uuid> {
        if let Some(s) = self.source {
            return Ok(s);
        }
        let s = Uuid::now_v7();
        w.tx.execute(
            "INSERT INTO sources (id, kind, at, actor, file_name, file_sha256, report)
             VALUES (?1, 'import', ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![
                s,
                w.now,
                w.actor,
                self.file,
                self.sha256,
                json!({"format": "misp", "event": self.event.to_string()}).to_string()
            ],
        )?;
        self.source = Some(s);
        Ok(s)
    }

    /// Files the file's version `incoming` of a record here (`local`);
    /// what to say of it.
    fn file(
        &mut self,
        w: &crate::store::Writer<'_>,
        kind: ItemKind,
        id: Uuid,
        local: &str,
        incoming: &str,
    ) -> Result<String> {
        use sha2::Digest;
        let key = format!(
            "misp:{}",
            crate::store::audit::hex(&sha2::Sha256::digest(incoming.as_bytes()))
        );
        let known: Option<(i64, String)> =
            w.tx.query_row(
                "SELECT id, status FROM conflicts WHERE item_id = ?1 AND incoming_key = ?2",
                (id, &key),
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((n, status)) = known {
            return Ok(match status.as_str() {
                "open" => {
                    format!("kept as here; conflict {n} waits (`interdict conflicts show {n}`)")
                }
                s => format!(
                    "kept as here; conflict {n}, this same version, was settled before ({s})"
                ),
            });
        }
        let source = self.source(w)?;
        w.tx.execute(
            "INSERT INTO conflicts (item_kind, item_id, source_id, local, incoming, incoming_key, detected_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            rusqlite::params![kind.as_str(), id, source, local, incoming, key, w.now],
        )?;
        let n = w.tx.last_insert_rowid();
        Ok(if self.dry_run {
            "kept as here; it would wait as a conflict to settle (`interdict conflicts`)".into()
        } else {
            format!(
                "kept as here; the file's version waits as conflict {n}: `interdict conflicts show {n}`, then `conflicts resolve {n} --keep local|incoming`"
            )
        })
    }
}

/// Compares the record `id` here with the values the file gives it
/// (`pairs`, as typed): a field the file gives otherwise is never written
/// over. The file's version (the record here with the
/// file's values) is filed as a conflict (`file_it`; otherwise it is
/// only said, as for the catalogue's own substances); the differences are
/// said either way, and counted. Returns whether it differs.
fn differ<R: Record>(
    w: &crate::store::Writer<'_>,
    id: Uuid,
    pairs: &[(&str, &str)],
    what: &str,
    conflicts: &mut Conflicts<'_>,
    file_it: bool,
    notices: &mut Vec<String>,
) -> Result<bool> {
    let local: R = records::must_get(&w.tx, id)?;
    let mut incoming = local.clone();
    if let Err(e) = crate::domain::record::set_fields(&mut incoming, pairs) {
        notices.push(format!(
            "{what} is here; the file's values for it are not valid ({e}): kept as here"
        ));
        return Ok(true);
    }
    if incoming == local {
        return Ok(false);
    }
    let l = serde_json::to_value(&local).unwrap_or_default();
    let mut i = serde_json::to_value(&incoming).unwrap_or_default();
    // A value the file gives as the one here with its card numbers
    // masked (as every export to a partner masks them) is the one here:
    // it differed, and taking the file's version put the stars in place
    // of the number (until 2026-12-07).
    if let (Some(lo), Some(io)) = (l.as_object(), i.as_object_mut()) {
        for (k, v) in io.iter_mut() {
            if let Some(here) = lo.get(k)
                && here != v
                && masked_value(here) == *v
            {
                *v = here.clone();
            }
        }
    }
    if i == l {
        return Ok(false);
    }
    let incoming: R = serde_json::from_value(i.clone())
        .map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))?;
    let show = |v: Option<&Value>| match v {
        None | Some(Value::Null) => "(none)".to_string(),
        Some(Value::String(s)) => format!("{s:?}"),
        Some(v) => v.to_string(),
    };
    let fields: Vec<String> = i
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, v)| l.get(k.as_str()) != Some(*v))
        .map(|(k, v)| {
            format!(
                "{k} here {}, in the file {}",
                show(l.get(k.as_str())),
                show(Some(v))
            )
        })
        .collect();
    conflicts.differ += 1;
    let said = if file_it {
        conflicts.file(
            w,
            R::KIND,
            id,
            &records::to_json(&local)?,
            &records::to_json(&incoming)?,
        )?
    } else {
        "kept as here".into()
    };
    notices.push(format!(
        "{what} is here with other values ({}): {said}",
        fields.join("; ")
    ));
    Ok(true)
}

/// A value with every card number in its texts masked, as an export to a
/// partner gives it ([`crate::domain::identifiers::masked_text`]).
fn masked_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(crate::domain::identifiers::masked_text(s).into_owned()),
        Value::Array(a) => Value::Array(a.iter().map(masked_value).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), masked_value(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn id_of(v: &Value, what: &str) -> Result<Uuid> {
    v.as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| bad(what, format!("{v} is not a UUID")))
}

/// Imports a MISP event (as [`case_event`] writes it, or any event whose
/// objects are of the templates it reads) as a case: its parcels,
/// substances (the catalogue's when the name is known), people,
/// organisations, notes, findings and links, in one transaction, each
/// record under its MISP uuid (so importing the same event again adds
/// nothing). The event's attributes become a note on the case listing
/// them (so their handles, sites and payment ids are identifiers). A record
/// that would not be valid refuses the whole file, naming the object and
/// the field.
pub fn import_event(
    w: &mut crate::store::Writer<'_>,
    text: &str,
    file: &str,
    dry_run: bool,
) -> Result<Imported> {
    use crate::domain::Link;
    use crate::domain::record::new_record;
    use crate::store::{create, refs};
    // A byte-order mark, as Windows tools write one, is no part of the
    // JSON (RFC 8259 lets a reader pass over it; it was "not JSON").
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let v: Value = super::strict_json::parse(text).map_err(|e| {
        // (serde_json's words for a `\uD800`-`\uDFFF` escape that is not
        // one of a pair: "unexpected end of hex escape".)
        let why = e.to_string();
        if why.contains(super::strict_json::TWICE) {
            return bad(
                file,
                format!("{why}: which of the two the partner meant is not known"),
            );
        }
        let lone = if why.contains("hex escape") || why.contains("surrogate") {
            ": a \\u escape of half a UTF-16 pair (D800-DFFF) without its other half, which is no character"
        } else {
            ""
        };
        bad(file, format!("not JSON: {why}{lone}"))
    })?;
    let e = the_event(&v)?;
    shape(e)?;
    let event_id = id_of(&e["uuid"], "Event.uuid")?;
    let info = e["info"]
        .as_str()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| bad("Event.info", "missing"))?;
    let mut out = Imported {
        event: event_id.to_string(),
        dry_run,
        ..Imported::default()
    };
    let event_level = event_tlp(e, &mut out.notices)?;
    out.notices.extend(not_kept(e));
    // The case's own level, when the event says it (one of interdict's,
    // marked as strictly as the strictest thing it holds): the base of
    // the case and of every object that says none of its own stays the
    // event's.
    let case_level = case_tlp(e, &event_level);
    // Objects of kinds that hold no TLP of their own (parcels, substances:
    // their case's) tagged stricter than the event make the case as
    // strict; people, organisations and notes hold their own (below).
    let objects_of_case = e["Object"].as_array().into_iter().flatten().filter(|o| {
        !deleted(o)
            && !matches!(
                o["name"].as_str(),
                Some("person" | "organization" | "annotation")
            )
    });
    let mut tags = Vec::new();
    for o in objects_of_case {
        let what = format!(
            "{} object {}",
            o["name"].as_str().unwrap_or("?"),
            o["uuid"].as_str().unwrap_or("?")
        );
        tags.extend(object_tags(o, &what));
    }
    let base = case_level.clone().unwrap_or_else(|| event_level.clone());
    let tlp = match stricter_in(tags, &base)? {
        Some(t) => {
            out.notices.push(format!(
                "the event is {base}, but objects in it that hold no TLP of their own (parcels, substances) are tagged {t}: the case is {t}"
            ));
            t
        }
        None => base,
    };
    // What holds no level of its own is held at the event's (with the
    // case's own level given, the case's may be looser).
    let untagged = match &case_level {
        Some(_)
            if crate::exchange::handling::tlp_rank(&event_level)
                > crate::exchange::handling::tlp_rank(&tlp) =>
        {
            event_level.clone()
        }
        _ => tlp.clone(),
    };
    // An object's own TLP: the case's, or stricter where its tags say so;
    // the event's when it has no tag of its own and the case's is looser.
    //
    // A person's or organisation's TLP is its own, and a tag on the
    // object itself says it, looser than the case's too (this notebook's
    // export tags each with its own so that it comes back as it was: a
    // GREEN person of an AMBER case came back AMBER, and into the
    // notebook it came from as a conflict); tags on its attributes only
    // hold it more strictly.
    let own_tlp = |o: &Value, what: &str, notices: &mut Vec<String>| -> Result<String> {
        let mut quiet = Vec::new();
        let own = tlp_tags(&o["Tag"], &format!("{what} Tag"), &mut quiet)?
            .into_iter()
            .map(|(rank, _)| rank)
            .max();
        if let Some(rank) = own {
            let level = crate::domain::fields::TLP[rank].to_string();
            let attributes = object_tags(o, what).into_iter().skip(1);
            return Ok(match stricter_in(attributes, &level)? {
                Some(t) => {
                    notices.push(format!(
                        "{what} is tagged {level}, an attribute of it {t}: imported as {t}"
                    ));
                    t
                }
                None => {
                    if level != tlp {
                        notices.push(format!(
                            "{what} is tagged {level}: imported as {level} (the case is {tlp})"
                        ));
                    }
                    level
                }
            });
        }
        let tags = object_tags(o, what);
        let tagged = tags.iter().any(|(t, _)| {
            t.as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t["name"].as_str())
                .any(|n| n.trim().to_lowercase().starts_with("tlp:"))
        });
        let tlp = if tagged { &tlp } else { &untagged };
        Ok(match stricter_in(tags, tlp)? {
            Some(t) => {
                notices.push(format!("{what} is tagged {t}: imported as {t}"));
                t
            }
            None => tlp.clone(),
        })
    };
    // What the event adds, each named in the provenance of this import
    // at the end (imported records looked typed here: `came_through`
    // empty, no source named).
    let mut made: Vec<Uuid> = Vec::new();
    let mut added = |k: ItemKind, id: Uuid| {
        made.push(id);
        *out.added.entry(k.as_str().to_string()).or_default() += 1
    };
    // Whether a record of `kind` has this id already; an id that names a
    // record of another kind here refuses the file (a crafted event cannot
    // pass one record off as another).
    let exists_as = |w: &crate::store::Writer<'_>, id: Uuid, kind: ItemKind| -> Result<bool> {
        match refs::kind_of_id(&w.tx, id)? {
            None => Ok(false),
            Some(k) if k == kind => Ok(true),
            Some(k) => Err(bad(
                &format!("{kind} {id}"),
                format!("that id is a {k} in this notebook"),
            )),
        }
    };

    // The case: the event itself.
    let title = info
        .split_once(' ')
        .filter(|(r, _)| crate::domain::case::parse_reference(r).is_some())
        .map_or(info, |(_, t)| t);
    let case_id = event_id;
    let case_here = exists_as(w, case_id, ItemKind::Case)?;
    if case_here {
        out.already_here += 1;
    } else {
        let mut pairs = vec![("title", title), ("tlp", tlp.as_str())];
        // The event's date opens the case; one that is no date is refused
        // as typed input is (it opened the case today, unsaid).
        match e["date"].as_str().filter(|d| !d.trim().is_empty()) {
            Some(opened) => {
                new_record::<Case>(&[("title", "x"), ("opened_on", opened)])
                    .map_err(|err| bad("Event.date", err))?;
                pairs.push(("opened_on", opened));
            }
            None => out
                .notices
                .push("the event gives no date: the case is opened today".into()),
        }
        let (mut c, _) = new_record::<Case>(&pairs).map_err(|err| bad("Event", err))?;
        c.meta.id = case_id;
        create::case(w, &mut c).map_err(|err| bad("Event", err))?;
        added(ItemKind::Case, case_id);
    }
    out.case = records::label_of(&w.tx, ItemKind::Case, case_id)?;

    // Objects marked deleted (MISP keeps them, marked, as it does
    // attributes) are not imported: a retracted person came back live.
    let (gone_objects, objects): (Vec<&Value>, Vec<&Value>) = e["Object"]
        .as_array()
        .into_iter()
        .flatten()
        .partition(|o| deleted(o));
    if !gone_objects.is_empty() {
        out.notices.push(format!(
            "{} object(s) marked deleted in MISP left out",
            gone_objects.len()
        ));
    }
    // One this notebook holds (an earlier import of the event brought
    // it) is kept, and named: the partner withdrew it (it was only
    // counted, and the withdrawn attribution stood unsaid).
    for o in &gone_objects {
        let what = format!("{} object", o["name"].as_str().unwrap_or("?"));
        withdrawn_here(w, &o["uuid"], &what, &mut out.notices)?;
        // Its references go with it.
        for x in o["ObjectReference"].as_array().into_iter().flatten() {
            let what = format!(
                "reference ({}) of that object",
                x["relationship_type"].as_str().unwrap_or("?")
            );
            withdrawn_here(w, &x["uuid"], &what, &mut out.notices)?;
        }
    }
    // Two objects under one uuid: the second was taken as "already here"
    // and its content lost. The same object twice is harmless. (A uuid
    // is one whatever the case of its letters.)
    let mut by_id: HashMap<Uuid, &Value> = HashMap::new();
    for o in &objects {
        if let Some(id) = o["uuid"].as_str()
            && let Ok(key) = Uuid::parse_str(id)
            && let Some(before) = by_id.insert(key, o)
            && before != *o
        {
            return Err(bad(
                &format!("{} object {id}", o["name"].as_str().unwrap_or("?")),
                "the file has two objects with this uuid and different content (one would be lost)",
            ));
        }
    }
    // Deleted attributes (MISP keeps them, marked) are not imported.
    let gone = objects
        .iter()
        .flat_map(|o| o["Attribute"].as_array().into_iter().flatten())
        .chain(e["Attribute"].as_array().into_iter().flatten())
        .filter(|a| deleted(a))
        .count();
    if gone > 0 {
        out.notices.push(format!(
            "{gone} attribute(s) marked deleted in MISP left out"
        ));
    }
    // Parcels, substances, people and organisations first; notes after
    // (they are on one of those), then the references.
    let mut substance_of: HashMap<Uuid, Uuid> = HashMap::new();
    // The parcels this file adds, by tracking number: one given twice is
    // named as the file's, not as one the notebook held.
    let mut tracked_in_file: HashMap<String, Uuid> = HashMap::new();
    // A record here that the file gives otherwise waits as a conflict.
    let mut conflicts = Conflicts {
        file,
        sha256: {
            use sha2::Digest;
            crate::store::audit::hex(&sha2::Sha256::digest(text.as_bytes()))
        },
        event: event_id,
        source: None,
        dry_run,
        differ: 0,
    };
    // The case here, given another title or TLP by the event (a partner
    // raising it to RED): said and waiting as a conflict, as any record
    // (it was passed over without a word, and exported on as before).
    if case_here {
        differ::<Case>(
            w,
            case_id,
            &[("title", title), ("tlp", tlp.as_str())],
            &format!("case {}", out.case),
            &mut conflicts,
            true,
            &mut out.notices,
        )?;
    }
    for o in &objects {
        let name = o["name"].as_str().unwrap_or("");
        let id = id_of(&o["uuid"], &format!("object {name}"))?;
        let what = format!("{name} object {id}");
        let r = Rels::of(o, &what)?;
        let as_pairs = |pairs: &[(&'static str, String)]| -> Vec<(&'static str, String)> {
            pairs
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .cloned()
                .collect()
        };
        match name {
            "interdict-parcel" => {
                let mut pairs: Vec<(&str, String)> = Vec::new();
                for (rel, field) in [
                    ("tracking-number", "tracking"),
                    ("carrier", "carrier"),
                    ("service", "service"),
                    ("origin-country", "origin"),
                    ("transit-countries", "transit"),
                    ("destination-country", "destination"),
                    ("sender-name", "sender_name"),
                    ("sender-address", "sender_address"),
                    ("sender-phone", "sender_phone"),
                    ("sender-email", "sender_email"),
                    ("recipient-name", "recipient_name"),
                    ("recipient-address", "recipient_address"),
                    ("recipient-phone", "recipient_phone"),
                    ("recipient-email", "recipient_email"),
                    ("customs-form", "customs_form"),
                    ("declared-category", "declared_category"),
                    ("declared-contents", "declared_contents"),
                    ("declared-value", "declared_value"),
                    ("declared-currency", "declared_currency"),
                    ("hs-code", "hs_code"),
                    ("weight-g", "weight_g"),
                    ("concealment", "concealment"),
                    ("found-contents", "found_contents"),
                    ("status", "status"),
                    ("seized-place", "seized_place"),
                    ("seized-on", "seized_on"),
                    ("posted-on", "posted_on"),
                    ("posted-from", "posted_from"),
                    ("entry-point", "entry_point"),
                ] {
                    pairs.push((field, r.one(rel)));
                }
                // MISP's plain `weight`, when interdict's own (in grams)
                // is not there: read with the unit it must say.
                if r.has("weight") {
                    if r.has("weight-g") {
                        r.refuse("weight", "weight-g, in grams, is read instead");
                    } else {
                        let v = r.one("weight");
                        match crate::domain::weight::parse_weight(&v, None) {
                            Ok(g) => pairs.push(("weight_g", g.to_string())),
                            Err(_) => r.refuse(
                                "weight",
                                "no unit a weight is read in: write it as 450 g or 0.45 kg, or as weight-g in grams",
                            ),
                        }
                    }
                }
                // Derived from the number here.
                let kind_given = r.one("tracking-kind");
                let pairs = as_pairs(&pairs);
                let pairs: Vec<(&str, &str)> =
                    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                if exists_as(w, id, ItemKind::Parcel)? {
                    out.already_here += 1;
                    create::include_in_case(w, case_id, id)?;
                    differ::<crate::domain::Parcel>(
                        w,
                        id,
                        &pairs,
                        &format!("parcel {}", records::label_of(&w.tx, ItemKind::Parcel, id)?),
                        &mut conflicts,
                        true,
                        &mut out.notices,
                    )?;
                } else {
                    let (mut p, typed) = new_record::<crate::domain::Parcel>(&pairs)
                        .map_err(|err| bad(&what, err))?;
                    p.meta.id = id;
                    if !kind_given.is_empty() && kind_given != p.tracking_kind.as_str() {
                        r.refuse(
                            "tracking-kind",
                            format!(
                                "the kind is told by the number here: {}",
                                p.tracking_kind.as_str()
                            ),
                        );
                    }
                    if let Some(first) = tracked_in_file.get(&p.tracking) {
                        return Err(bad(
                            &what,
                            format!(
                                "tracking: parcel {} is object {first} of this file too; \
                                 give each parcel once",
                                p.tracking
                            ),
                        ));
                    }
                    // Another post's record of a parcel held here under
                    // the same number is kept beside it, both ids said, as
                    // a merge does (the event was refused whole, "edit it
                    // instead", which a file cannot).
                    p.derive();
                    let here = create::tracked_by_another(&w.tx, &p)?;
                    let saved = records::insert(w, &mut p).map_err(|err| bad(&what, err))?;
                    said(&mut out.notices, &what, typed.into_iter().chain(saved));
                    if let Some(here) = here {
                        out.notices.push(format!(
                            "{what}: added beside this notebook's parcel {} of the same tracking number (id {here}): both kept",
                            p.tracking
                        ));
                    }
                    tracked_in_file.insert(p.tracking.clone(), id);
                    create::include_in_case(w, case_id, id)?;
                    added(ItemKind::Parcel, id);
                }
                out.notices.extend(r.not_imported(&what, "parcel"));
            }
            "interdict-substance" => {
                let n = r.one("name");
                let syn = r.all("synonym");
                let mut pairs: Vec<(&str, String)> =
                    vec![("name", n.clone()), ("group", r.one("group"))];
                for (k, f) in [
                    ("subclass", "subclass"),
                    ("effect", "effect"),
                    ("cas", "cas"),
                    ("schedule-1961", "schedule_1961"),
                    ("schedule-1971", "schedule_1971"),
                    ("table-1988", "table_1988"),
                    ("national-note", "national_note"),
                ] {
                    pairs.push((f, r.one(k)));
                }
                pairs.push(("synonyms", syn));
                let pairs = as_pairs(&pairs);
                let pairs: Vec<(&str, &str)> =
                    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                // The catalogue's, or one already here by name or synonym:
                // its own values stay (the differences are said).
                if let Some(s) = refs::substances_called(&w.tx, &n)?.first() {
                    substance_of.insert(id, s.meta.id);
                    out.already_here += 1;
                    let by_id = s.meta.id == id;
                    differ::<Substance>(
                        w,
                        s.meta.id,
                        &pairs,
                        &format!("substance {}", s.name),
                        &mut conflicts,
                        by_id,
                        &mut out.notices,
                    )?;
                } else if exists_as(w, id, ItemKind::Substance)? {
                    substance_of.insert(id, id);
                    out.already_here += 1;
                    differ::<Substance>(
                        w,
                        id,
                        &pairs,
                        &format!(
                            "substance {}",
                            records::label_of(&w.tx, ItemKind::Substance, id)?
                        ),
                        &mut conflicts,
                        true,
                        &mut out.notices,
                    )?;
                } else {
                    let (mut s, _) =
                        new_record::<Substance>(&pairs).map_err(|err| bad(&what, err))?;
                    s.meta.id = id;
                    create::substance(w, &mut s).map_err(|err| bad(&what, err))?;
                    substance_of.insert(id, id);
                    added(ItemKind::Substance, id);
                }
                out.notices.extend(r.not_imported(&what, "substance"));
            }
            "person" => {
                let full = match r.one("full-name") {
                    f if !f.is_empty() => {
                        // The parts of a full name given are in it.
                        for part in ["first-name", "middle-name", "last-name"] {
                            let v = r.one(part);
                            if !v.is_empty() && !f.to_lowercase().contains(&v.to_lowercase()) {
                                r.refuse(part, format!("the name is the full-name, {f:?}"));
                            }
                        }
                        f
                    }
                    _ => [
                        r.one("first-name"),
                        r.one("middle-name"),
                        r.one("last-name"),
                    ]
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join(" "),
                };
                let full = if full.is_empty() {
                    r.one("alias")
                } else {
                    full
                };
                // Identity documents as interdict writes them
                // (`passport KZ N1234567`).
                let country = r.one("passport-country");
                let country = crate::domain::country::parse(&country).unwrap_or(country);
                let mut documents: Vec<String> = r
                    .values("passport-number")
                    .into_iter()
                    .map(|n| {
                        if country.is_empty() {
                            format!("passport {n}")
                        } else {
                            format!("passport {country} {n}")
                        }
                    })
                    .collect();
                if documents.is_empty() && !country.is_empty() {
                    r.refuse("passport-country", "no passport-number to go with it");
                }
                documents.extend(
                    r.values("identity-card-number")
                        .into_iter()
                        .map(|n| format!("identity card {n}")),
                );
                // Contacts: the free text, then e-mail addresses (each
                // recognised as an identifier there).
                let contacts: Vec<String> = [r.one("text")]
                    .into_iter()
                    .chain(r.values("e-mail"))
                    .filter(|c| !c.is_empty())
                    .collect();
                let pairs: Vec<(&str, String)> = vec![
                    ("name", full),
                    ("tlp", own_tlp(o, &what, &mut out.notices)?),
                    ("aliases", r.all("alias")),
                    ("born_on", r.one("date-of-birth")),
                    ("nationality", r.one("nationality")),
                    ("documents", documents.join("; ")),
                    ("phones", r.all("phone-number")),
                    ("addresses", r.all("address")),
                    ("role_notes", r.one("role")),
                    ("contacts", contacts.join("; ")),
                ];
                let pairs = as_pairs(&pairs);
                let pairs: Vec<(&str, &str)> =
                    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                if exists_as(w, id, ItemKind::Person)? {
                    out.already_here += 1;
                    differ::<Person>(
                        w,
                        id,
                        &pairs,
                        &format!("person {}", records::label_of(&w.tx, ItemKind::Person, id)?),
                        &mut conflicts,
                        true,
                        &mut out.notices,
                    )?;
                } else {
                    let (mut p, typed) =
                        new_record::<Person>(&pairs).map_err(|err| bad(&what, err))?;
                    p.meta.id = id;
                    let saved = records::insert(w, &mut p).map_err(|err| bad(&what, err))?;
                    said(&mut out.notices, &what, typed.into_iter().chain(saved));
                    added(ItemKind::Person, id);
                }
                out.notices.extend(r.not_imported(&what, "person"));
            }
            "organization" => {
                let given = r.one("type-of-organization");
                let kind =
                    if crate::domain::organisation::ORGANISATION_TYPES.contains(&given.as_str()) {
                        given
                    } else {
                        if !given.is_empty() {
                            r.refuse(
                                "type-of-organization",
                                format!(
                                    "not a type interdict knows ({}): imported as \"other\"",
                                    crate::domain::organisation::ORGANISATION_TYPES.join(", ")
                                ),
                            );
                        }
                        "other".to_string()
                    };
                let name = match r.one("name") {
                    n if n.is_empty() => r.one("alias"),
                    n => n,
                };
                // The description carries the contacts the export joined
                // to it; e-mail addresses and sites go with them (each
                // recognised as an identifier there).
                let (description, written) = description_and_contacts(&r.one("description"));
                // (An address or site the description names too is
                // given once.)
                let named = written.to_lowercase();
                let mut contacts = vec![written];
                contacts.extend(
                    r.values("e-mail")
                        .into_iter()
                        .chain(r.values("website"))
                        .filter(|c| !named.contains(&c.trim().to_lowercase())),
                );
                contacts.retain(|c| !c.is_empty());
                let pairs: Vec<(&str, String)> = vec![
                    ("name", name),
                    ("org_type", kind),
                    ("tlp", own_tlp(o, &what, &mut out.notices)?),
                    ("aliases", r.all("alias")),
                    ("phones", r.all("phone-number")),
                    ("addresses", r.all("address")),
                    ("description", description),
                    ("contacts", contacts.join("; ")),
                ];
                let pairs = as_pairs(&pairs);
                let pairs: Vec<(&str, &str)> =
                    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                if exists_as(w, id, ItemKind::Organisation)? {
                    out.already_here += 1;
                    differ::<Organisation>(
                        w,
                        id,
                        &pairs,
                        &format!(
                            "organisation {}",
                            records::label_of(&w.tx, ItemKind::Organisation, id)?
                        ),
                        &mut conflicts,
                        true,
                        &mut out.notices,
                    )?;
                } else {
                    let (mut org, typed) =
                        new_record::<Organisation>(&pairs).map_err(|err| bad(&what, err))?;
                    org.meta.id = id;
                    let saved = records::insert(w, &mut org).map_err(|err| bad(&what, err))?;
                    said(&mut out.notices, &what, typed.into_iter().chain(saved));
                    added(ItemKind::Organisation, id);
                }
                out.notices.extend(r.not_imported(&what, "organisation"));
            }
            "annotation" => {}
            other => *out.skipped.entry(other.to_string()).or_default() += 1,
        }
    }
    // Notes, on what they annotate (or the case).
    for o in objects.iter().filter(|o| o["name"] == "annotation") {
        let id = id_of(&o["uuid"], "object annotation")?;
        let what = format!("annotation object {id}");
        let r = Rels::of(o, &what)?;
        let text = r.one("text");
        let kind = r.one("type");
        let on = o["ObjectReference"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|x| x["relationship_type"] == "annotates" && !deleted(x))
            .and_then(|x| x["referenced_uuid"].as_str())
            .and_then(|s| Uuid::parse_str(s).ok())
            .filter(|id| refs::kind_of_id(&w.tx, *id).ok().flatten().is_some())
            .unwrap_or(case_id);
        let note_type = if kind.starts_with("lead") {
            "lead"
        } else {
            "note"
        };
        let grade = kind
            .split_once("(graded ")
            .and_then(|(_, g)| g.strip_suffix(')'))
            .and_then(|g| crate::domain::note::parse_grading(g).ok());
        let mut pairs: Vec<(&str, String)> = vec![
            ("text", text),
            ("note_type", note_type.into()),
            ("tlp", own_tlp(o, &what, &mut out.notices)?),
        ];
        let created = r.one("creation-date");
        if !created.is_empty() {
            let day: String = created.chars().take(10).collect();
            if new_record::<Note>(&[("text", "x"), ("noted_on", &day)]).is_ok() {
                pairs.push(("noted_on", day));
            } else {
                r.refuse("creation-date", "not a date interdict reads");
            }
        }
        if let Some((s, i, h)) = grade {
            pairs.push(("source_grade", s));
            pairs.push(("intel_grade", i));
            if let Some(h) = h {
                pairs.push(("handling", h));
            }
        }
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        if exists_as(w, id, ItemKind::Note)? {
            out.already_here += 1;
            differ::<Note>(
                w,
                id,
                &pairs,
                &format!("note {}", records::label_of(&w.tx, ItemKind::Note, id)?),
                &mut conflicts,
                true,
                &mut out.notices,
            )?;
        } else {
            let (mut n, _) = new_record::<Note>(&pairs).map_err(|err| bad(&what, err))?;
            n.meta.id = id;
            n.item_id = on;
            create::note(w, &mut n).map_err(|err| bad(&what, err))?;
            added(ItemKind::Note, id);
        }
        out.notices.extend(r.not_imported(&what, "note"));
    }
    // Findings and links, from the references (those marked deleted
    // left out, and counted).
    let mut gone_refs = 0;
    for o in &objects {
        for x in o["ObjectReference"].as_array().into_iter().flatten() {
            if deleted(x) {
                gone_refs += 1;
                let what = format!(
                    "reference ({})",
                    x["relationship_type"].as_str().unwrap_or("?")
                );
                withdrawn_here(w, &x["uuid"], &what, &mut out.notices)?;
                continue;
            }
            let rel = x["relationship_type"].as_str().unwrap_or("");
            if rel == "annotates" {
                continue;
            }
            let id = id_of(&x["uuid"], "ObjectReference.uuid")?;
            let what = format!("reference {id}");
            let kind = if rel == "contains" {
                ItemKind::Finding
            } else {
                ItemKind::Link
            };
            let comment = x["comment"].as_str().unwrap_or("");
            if exists_as(w, id, kind)? {
                out.already_here += 1;
                let label = records::label_of(&w.tx, kind, id)?;
                if kind == ItemKind::Finding {
                    let (fields, _) = finding_fields(comment).map_err(|e| bad(&what, e))?;
                    let pairs: Vec<(&str, &str)> = fields
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect();
                    differ::<Finding>(
                        w,
                        id,
                        &pairs,
                        &format!("finding {label}"),
                        &mut conflicts,
                        true,
                        &mut out.notices,
                    )?;
                } else {
                    let (t, note) = link_of(rel, comment);
                    let mut pairs = vec![("link_type", t)];
                    if !note.trim().is_empty() {
                        pairs.push(("note", note.as_str()));
                    }
                    differ::<Link>(
                        w,
                        id,
                        &pairs,
                        &format!("link {label}"),
                        &mut conflicts,
                        true,
                        &mut out.notices,
                    )?;
                }
                continue;
            }
            let to_uuid = &x["referenced_uuid"];
            let dangling = |notices: &mut Vec<String>| {
                notices.push(match to_uuid
                    .as_str()
                    .and_then(|t| Uuid::parse_str(t).ok())
                    .and_then(|t| by_id.get(&t))
                {
                    Some(o) => format!(
                        "reference {id} ({rel}) to an object of template {}, which is not read here: left out",
                        o["name"].as_str().unwrap_or("?")
                    ),
                    None => format!(
                        "reference {id} ({rel}) names {to_uuid}, which is neither in the file nor in this notebook: left out"
                    ),
                });
            };
            // An object's reference is from that object, whatever its
            // object_uuid says: an object_uuid naming one of this
            // notebook's records made a link between two of them, or put
            // the file's finding on this notebook's parcel, unsaid.
            let Ok(from) = id_of(&o["uuid"], &what) else {
                continue;
            };
            if let Some(said) = x["object_uuid"].as_str()
                && Uuid::parse_str(said).ok() != Some(from)
            {
                out.notices.push(format!(
                    "reference {id} ({rel}) sits in object {from} but says it is from {said:?}: taken as {from}'s"
                ));
            }
            let Ok(to) = id_of(to_uuid, &what) else {
                dangling(&mut out.notices);
                continue;
            };
            if rel == "contains" {
                // A finding: a parcel contains a substance, of the file
                // or of this notebook (its catalogue's, by uuid).
                let sub = match substance_of.get(&to) {
                    Some(s) => Some(*s),
                    None => match refs::kind_of_id(&w.tx, to)? {
                        Some(ItemKind::Substance) => Some(to),
                        _ => None,
                    },
                };
                let Some(sub) = sub else {
                    let points_at = match by_id.get(&to) {
                        Some(o) => Some(format!(
                            "the {} object {to}",
                            o["name"].as_str().unwrap_or("?")
                        )),
                        None => {
                            refs::kind_of_id(&w.tx, to)?.map(|k| format!("a {k} of this notebook"))
                        }
                    };
                    out.notices.push(match points_at {
                        Some(t) => format!(
                            "reference {id} (contains) points at {t}, not at a substance: `contains` must name a substance (an interdict-substance object, or a substance of this notebook): left out"
                        ),
                        None => format!(
                            "reference {id} (contains) names {to_uuid}, which is neither in the file nor in this notebook: left out"
                        ),
                    });
                    continue;
                };
                if refs::kind_of_id(&w.tx, from)? != Some(ItemKind::Parcel) {
                    out.notices.push(format!(
                        "reference {id} (contains) is from {from}, which is not a parcel in the file or this notebook: `contains` must be a parcel's: left out"
                    ));
                    continue;
                }
                let (fields, said) = finding_fields(comment).map_err(|e| bad(&what, e))?;
                if let Some(said) = said {
                    out.notices.push(format!("{what} (contains): {said}"));
                }
                let pairs: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let (mut f, _) = new_record::<Finding>(&pairs).map_err(|err| bad(&what, err))?;
                f.meta.id = id;
                f.parcel_id = from;
                f.substance_id = sub;
                // A partner's finding may say lab-confirmed: MISP carries
                // no laboratory results, so it is kept as the event says
                // (the event is named in its provenance), as a merged
                // finding new here is.
                create::finding_of(w, &mut f).map_err(|err| bad(&what, err))?;
                added(ItemKind::Finding, id);
                continue;
            }
            if refs::kind_of_id(&w.tx, from)?.is_none() || refs::kind_of_id(&w.tx, to)?.is_none() {
                dangling(&mut out.notices);
                continue;
            }
            let (t, note) = link_of(rel, comment);
            let mut pairs = vec![("link_type", t)];
            if !note.trim().is_empty() {
                pairs.push(("note", note.as_str()));
            }
            let (mut l, _) = new_record::<Link>(&pairs).map_err(|err| bad(&what, err))?;
            l.meta.id = id;
            l.from_id = from;
            l.to_id = to;
            create::link(w, &mut l).map_err(|err| bad(&what, err))?;
            added(ItemKind::Link, id);
        }
    }
    if gone_refs > 0 {
        out.notices.push(format!(
            "{gone_refs} reference(s) marked deleted in MISP left out"
        ));
    }
    // The event's attributes, as a note on the case.
    let attrs: Vec<String> = e["Attribute"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| !deleted(a))
        .filter_map(|a| {
            let value = match &a["value"] {
                Value::Number(n) => n.to_string(),
                v => v.as_str()?.to_string(),
            };
            Some(format!(
                "{} {}{}",
                a["type"].as_str()?,
                value,
                a["comment"]
                    .as_str()
                    .filter(|c| !c.is_empty())
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default()
            ))
        })
        .collect();
    // Held at the strictest TLP any of them is tagged with.
    let attrs_tlp = match stricter_in(
        e["Attribute"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| !deleted(a))
            .map(|a| (a["Tag"].clone(), "Event.Attribute Tag".to_string())),
        &untagged,
    )? {
        Some(t) => {
            if !attrs.is_empty() {
                out.notices.push(format!(
                    "the event's attributes include some tagged {t}: the note of them is {t}"
                ));
            }
            t
        }
        None => untagged.clone(),
    };
    // In notes of at most a note's length each (800 phone numbers were one
    // note of 23,268 characters, and the file was refused).
    let head = format!("From MISP event {event_id} ({file})");
    let room = crate::domain::fields::MAX_LONG_TEXT - head.chars().count() - 40;
    let mut parts: Vec<Vec<String>> = Vec::new();
    let mut len = 0;
    for a in attrs {
        let a: String = if a.chars().count() > room {
            a.chars().take(room).collect()
        } else {
            a
        };
        let n = a.chars().count() + 1;
        if parts.is_empty() || len + n > room {
            parts.push(Vec::new());
            len = 0;
        }
        len += n;
        parts.last_mut().expect("pushed").push(a);
    }
    let total = parts.len();
    for (i, part) in parts.into_iter().enumerate() {
        // The first note keeps the id a single note always had.
        let note_id = if i == 0 {
            Uuid::new_v5(&event_id, b"misp-attributes")
        } else {
            Uuid::new_v5(&event_id, format!("misp-attributes-{}", i + 1).as_bytes())
        };
        let text = if total == 1 {
            format!("{head}:\n{}", part.join("\n"))
        } else {
            format!("{head}, part {} of {total}:\n{}", i + 1, part.join("\n"))
        };
        if exists_as(w, note_id, ItemKind::Note)? {
            // (Its first line names the file it came from: only what it
            // lists is compared.)
            let here: Note = records::must_get(&w.tx, note_id)?;
            let body = |t: &str| t.split_once('\n').map(|(_, b)| b.to_string());
            if body(&here.text) == body(&text) {
                continue;
            }
            differ::<Note>(
                w,
                note_id,
                &[("text", text.as_str())],
                "the note of the event's attributes",
                &mut conflicts,
                true,
                &mut out.notices,
            )?;
            continue;
        }
        let (mut n, _) =
            new_record::<Note>(&[("text", text.as_str()), ("tlp", attrs_tlp.as_str())])
                .map_err(|err| bad("Event.Attribute", err))?;
        n.meta.id = note_id;
        n.item_id = case_id;
        create::note(w, &mut n).map_err(|err| bad("Event.Attribute", err))?;
        added(ItemKind::Note, note_id);
    }
    // Each record the event added names this import as where it came
    // from (`show`: imported ... from FILE).
    if !made.is_empty() {
        let source = conflicts.source(w)?;
        let mut came = w.tx.prepare_cached(
            "INSERT OR REPLACE INTO provenance (item_id, source_id, action, line, foreign_ref)
             VALUES (?1, ?2, 'added', NULL, NULL)",
        )?;
        for id in made {
            came.execute((id, source))?;
        }
    }
    out.differ = conflicts.differ;
    Ok(out)
}
