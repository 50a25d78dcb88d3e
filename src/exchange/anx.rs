//! A case's network as an i2 Analyst's Notebook chart (ANX): its items as
//! entities with icons (a parcel a package, a substance drugs, a person a
//! person...), each value two or more of them share (a phone, an address,
//! a handle...) as an entity of its own linked to each holder, and the
//! links, findings and notes between them as labelled links; the kind,
//! TLP and 3x5x2 grading as attributes. The structure is the one the open
//! generators write (pyanx, anxwritter 1.25, whose authors state their
//! files open in Analyst's Notebook 9 and later): `Chart` >
//! `ChartItemCollection` > `ChartItem` holding an `End`/`Entity` or a
//! `Link`, UTF-16 LE with a byte-order mark. What may not leave is left
//! out, as in every export.

use super::chart::CaseChart;
use crate::domain::{ItemKind, Link, Note, Organisation, Person};
use crate::store::{Result, records};
use rusqlite::Connection;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use uuid::Uuid;

/// The icon (entity type) an item is drawn with: names of Analyst's
/// Notebook's standard icon set as the open generators use them; a chart
/// opened where one is missing shows the default icon.
fn icon(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Case => "Case",
        ItemKind::Parcel => "Package",
        ItemKind::Substance => "Drugs",
        ItemKind::Person => "Person",
        ItemKind::Organisation => "Organisation",
        ItemKind::Note => "Document",
        ItemKind::Finding | ItemKind::Link => "Document",
        ItemKind::Inspection | ItemKind::Delivery => "Event",
        ItemKind::Exhibit | ItemKind::Custody | ItemKind::LabResult | ItemKind::Document => {
            "Document"
        }
    }
}

fn value_icon(kind: &str) -> &'static str {
    match kind {
        "phone" => "Phone",
        "email" => "Email",
        "address" => "Address",
        "name" => "Person",
        "tracking" => "Package",
        "handle" | "domain" => "Web Site",
        "card" | "iban" | "wallet" | "payment" => "Account",
        _ => "Document",
    }
}

/// Text made safe for an XML attribute: markup escaped, the characters
/// XML 1.0 forbids dropped (the controls, and U+FFFE and U+FFFF: a title
/// holding one made a chart no parser would open), and line ends and tabs
/// written as character references (raw in an attribute, a parser reads
/// each as a space: a note's lines ran together).
fn esc(s: &str) -> String {
    let kept: String = s
        .chars()
        .filter(|c| {
            let n = *c as u32;
            (n >= 0x20 || matches!(c, '\t' | '\n' | '\r')) && n != 0xFFFE && n != 0xFFFF
        })
        .collect();
    quick_xml::escape::escape(kept.as_str())
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
        .replace('\t', "&#9;")
}

/// The attribute classes every chart declares, in order: (name, type).
const CLASSES: &[(&str, &str)] = &[
    ("Kind", "AttText"),
    ("TLP", "AttText"),
    ("Grading", "AttText"),
    ("Reason", "AttText"),
    ("Interdict id", "AttText"),
];

/// What an item's entity carries besides its label: its TLP and grading.
fn tlp_and_grade(
    conn: &Connection,
    kind: ItemKind,
    id: Uuid,
    redact_sources: bool,
) -> Result<(Option<String>, Option<String>)> {
    let grade = |s: &Option<String>, i: &Option<String>, h: &Option<String>| {
        let g: String = [s, i, h].into_iter().flatten().cloned().collect();
        (!g.is_empty()).then_some(g)
    };
    Ok(match kind {
        ItemKind::Note => records::get::<Note>(conn, id)?
            .map(|n| (Some(n.tlp.clone()), n.grading().filter(|_| !redact_sources)))
            .unwrap_or_default(),
        ItemKind::Person => records::get::<Person>(conn, id)?
            .map(|p| {
                (
                    Some(p.tlp.clone()),
                    grade(&p.source_grade, &p.intel_grade, &p.handling),
                )
            })
            .unwrap_or_default(),
        ItemKind::Organisation => records::get::<Organisation>(conn, id)?
            .map(|o| {
                (
                    Some(o.tlp.clone()),
                    grade(&o.source_grade, &o.intel_grade, &o.handling),
                )
            })
            .unwrap_or_default(),
        ItemKind::Case => (super::handling::tlp_of(conn, kind, id)?, None),
        _ => (None, None),
    })
}

/// The chart as ANX XML text (before its UTF-16 encoding).
pub fn chart_xml(conn: &Connection, c: &CaseChart) -> Result<String> {
    let mut s = String::new();
    let _ = writeln!(s, "<?xml version='1.0' encoding='utf-16'?>");
    let _ = writeln!(
        s,
        "<!-- {} (TLP:{}), written by interdict -->",
        esc(&c.title).replace("--", "- -"),
        esc(&c.tlp)
    );
    let _ = writeln!(s, "<Chart IdReferenceLinking=\"false\">");
    let _ = writeln!(
        s,
        "<ApplicationVersion Major=\"9\" Minor=\"0\" Point=\"0\" Build=\"0\"/>"
    );
    let _ = writeln!(s, "<StrengthCollection>");
    let _ = writeln!(
        s,
        "<Strength Id=\"Default\" Name=\"Default\" DotStyle=\"DotStyleSolid\"/>"
    );
    let _ = writeln!(
        s,
        "<Strength Id=\"Shared\" Name=\"Shared value\" DotStyle=\"DotStyleDashed\"/>"
    );
    let _ = writeln!(s, "</StrengthCollection>");
    let _ = writeln!(s, "<AttributeClassCollection>");
    let mut class_id: HashMap<&str, String> = HashMap::new();
    for (i, (name, ty)) in CLASSES.iter().enumerate() {
        let id = format!("AC{}", i + 1);
        let _ = writeln!(
            s,
            "<AttributeClass Id=\"{id}\" Name=\"{}\" Type=\"{ty}\" IsUser=\"true\" UserCanAdd=\"true\" UserCanRemove=\"true\" ShowValue=\"true\"/>",
            esc(name)
        );
        class_id.insert(name, id);
    }
    let _ = writeln!(s, "</AttributeClassCollection>");
    // Entity types: the icons used.
    let mut types: BTreeMap<&str, ()> = BTreeMap::new();
    for m in &c.members {
        types.insert(icon(m.node.kind), ());
    }
    for v in &c.values {
        types.insert(value_icon(&v.kind), ());
    }
    let _ = writeln!(s, "<EntityTypeCollection>");
    for t in types.keys() {
        let _ = writeln!(
            s,
            "<EntityType Id=\"ET_{0}\" Name=\"{0}\" IconFile=\"{0}\"/>",
            esc(t)
        );
    }
    let _ = writeln!(s, "</EntityTypeCollection>");
    let _ = writeln!(s, "<LinkTypeCollection>");
    let _ = writeln!(s, "<LinkType Id=\"LT1\" Name=\"Link\"/>");
    let _ = writeln!(s, "</LinkTypeCollection>");
    let _ = writeln!(s, "<ChartItemCollection>");

    let attrs = |s: &mut String, pairs: &[(&str, Option<String>)]| {
        let present: Vec<&(&str, Option<String>)> =
            pairs.iter().filter(|(_, v)| v.is_some()).collect();
        if present.is_empty() {
            return;
        }
        let _ = writeln!(s, "<AttributeCollection>");
        for (name, v) in present {
            let _ = writeln!(
                s,
                "<Attribute AttributeClass=\"{}\" AttributeClassReference=\"{}\" Value=\"{}\"/>",
                esc(name),
                class_id[name],
                esc(v.as_deref().unwrap_or_default())
            );
        }
        let _ = writeln!(s, "</AttributeCollection>");
    };
    // Entities on a grid, items first, then the shared values.
    let mut entity_of: HashMap<String, usize> = HashMap::new();
    let total = c.members.len() + c.values.len();
    let cols = (total as f64).sqrt().ceil().max(1.0) as usize;
    let mut n = 0usize;
    let place = |n: usize| ((n % cols) as i64 * 160, (n / cols) as i64 * 160);
    for m in &c.members {
        n += 1;
        let (x, y) = place(n - 1);
        entity_of.insert(m.node.id.to_string(), n);
        let (tlp, grade) = tlp_and_grade(conn, m.node.kind, m.node.id, c.redact_sources)?;
        let _ = writeln!(
            s,
            "<ChartItem Id=\"CI{n}\" Label=\"{}\" Description=\"{}\" XPosition=\"{x}\">",
            esc(&m.label),
            esc(m.node.kind.as_str())
        );
        let _ = writeln!(s, "<End X=\"{x}\" Y=\"{y}\" Z=\"0\">");
        let _ = writeln!(
            s,
            "<Entity EntityId=\"{n}\" Identity=\"{}\" LabelIsIdentity=\"false\">",
            m.node.id
        );
        let _ = writeln!(
            s,
            "<Icon>\n<IconStyle Type=\"{}\"/>\n</Icon>",
            esc(icon(m.node.kind))
        );
        let _ = writeln!(s, "</Entity>\n</End>");
        attrs(
            &mut s,
            &[
                ("Kind", Some(m.node.kind.as_str().to_string())),
                ("TLP", tlp),
                ("Grading", grade),
                ("Interdict id", Some(m.node.id.to_string())),
            ],
        );
        let _ = writeln!(s, "</ChartItem>");
    }
    for v in &c.values {
        n += 1;
        let (x, y) = place(n - 1);
        let key = format!("{}:{}", v.kind, v.value);
        entity_of.insert(key.clone(), n);
        let _ = writeln!(
            s,
            "<ChartItem Id=\"CI{n}\" Label=\"{}\" Description=\"shared {}\" XPosition=\"{x}\">",
            esc(&v.shown),
            esc(&v.kind)
        );
        let _ = writeln!(s, "<End X=\"{x}\" Y=\"{y}\" Z=\"0\">");
        let _ = writeln!(
            s,
            "<Entity EntityId=\"{n}\" Identity=\"{}\" LabelIsIdentity=\"false\">",
            esc(&format!("{}:{}", v.kind, v.shown))
        );
        let _ = writeln!(
            s,
            "<Icon>\n<IconStyle Type=\"{}\"/>\n</Icon>",
            esc(value_icon(&v.kind))
        );
        let _ = writeln!(s, "</Entity>\n</End>");
        attrs(&mut s, &[("Kind", Some(format!("shared {}", v.kind)))]);
        let _ = writeln!(s, "</ChartItem>");
    }
    // Links: between items (with their reason and, for links, grading),
    // and from each holder to the value it shares (the role it plays).
    let link = |s: &mut String,
                n: &mut usize,
                a: usize,
                b: usize,
                label: &str,
                strength: &str,
                grade: Option<String>| {
        *n += 1;
        let _ = writeln!(s, "<ChartItem Id=\"CI{n}\" Label=\"{}\">", esc(label));
        let _ = writeln!(s, "<Link End1Id=\"{a}\" End2Id=\"{b}\">");
        let _ = writeln!(
            s,
            "<LinkStyle Strength=\"{strength}\" ArrowStyle=\"ArrowOnHead\" Type=\"Link\" LinkTypeReference=\"LT1\"/>"
        );
        let _ = writeln!(s, "</Link>");
        attrs(
            s,
            &[("Reason", Some(label.to_string())), ("Grading", grade)],
        );
        let _ = writeln!(s, "</ChartItem>");
    };
    for e in &c.edges {
        let (Some(&a), Some(&b)) = (
            entity_of.get(&e.from.to_string()),
            entity_of.get(&e.to.to_string()),
        ) else {
            continue;
        };
        // The grading of the link between them, when one is graded.
        let grade = link_grade(conn, e.from, e.to);
        link(&mut s, &mut n, a, b, &e.reason, "Default", grade);
    }
    for v in &c.values {
        let Some(&b) = entity_of.get(&format!("{}:{}", v.kind, v.value)) else {
            continue;
        };
        for (holder, role) in &v.holders {
            if let Some(&a) = entity_of.get(&holder.to_string()) {
                link(&mut s, &mut n, a, b, role, "Shared", None);
            }
        }
    }
    let _ = writeln!(s, "</ChartItemCollection>");
    let _ = writeln!(s, "</Chart>");
    Ok(s)
}

/// The 3x5x2 grading of the link between two items, if one is graded.
fn link_grade(conn: &Connection, a: Uuid, b: Uuid) -> Option<String> {
    let l: Link = conn
        .query_row(
            &format!(
                "{} WHERE (from_id = ?1 AND to_id = ?2) OR (from_id = ?2 AND to_id = ?1) LIMIT 1",
                records::select_sql::<Link>()
            ),
            (a, b),
            records::from_row::<Link>,
        )
        .ok()?;
    let g: String = [&l.source_grade, &l.intel_grade, &l.handling]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    (!g.is_empty()).then_some(g)
}

/// The chart in the file form: UTF-16 LE with a byte-order mark.
pub fn to_file_bytes(xml: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(2 + xml.len() * 2);
    bytes.extend_from_slice(&[0xFF, 0xFE]);
    for u in xml.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    bytes
}
