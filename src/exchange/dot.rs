//! A case's network as a Graphviz graph: its items (cases, parcels,
//! substances, notes), the links, findings and notes between them, and
//! each value two or more of them share (a phone, an address, a name...)
//! drawn once as a node of its own with an edge to each holder, instead of
//! a clique of pairwise "same address" edges. The TLP marking heads the
//! graph and a legend says what each shape is. What may not leave (see
//! [`super::handling`]) is not drawn.

use super::handling::{self, Release};
use crate::domain::ItemKind;
use crate::store::refs::ItemRef;
use crate::store::{Result, records};
use crate::xref::graph::{self, Node, Via};
use rusqlite::Connection;
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;

fn quote(s: &str) -> String {
    format!(
        "\"{}\"",
        crate::domain::text::sanitize(s)
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
    )
}

fn item_shape(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Case => "box, style=bold",
        ItemKind::Parcel => "ellipse",
        ItemKind::Substance => "hexagon",
        ItemKind::Note => "note",
        ItemKind::Person => "oval, peripheries=2",
        ItemKind::Organisation => "box3d",
        _ => "plain",
    }
}

fn value_shape(kind: &str) -> &'static str {
    match kind {
        "phone" => "diamond",
        "email" => "parallelogram",
        "address" => "house",
        "name" => "egg",
        "payment" | "card" | "iban" | "wallet" => "octagon",
        "handle" | "domain" => "tab",
        "tracking" => "cds",
        _ => "component",
    }
}

/// The graph of `case`'s network, as DOT text.
pub fn case_graph(conn: &Connection, case: &ItemRef, rel: &Release) -> Result<String> {
    handling::check_chosen(conn, case.id, rel)?;
    let tlp = handling::tlp_of(conn, ItemKind::Case, case.id)?.unwrap_or_else(|| "AMBER".into());
    let c = graph::cluster(
        conn,
        Node {
            kind: case.kind,
            id: case.id,
        },
    )?;
    // What may not leave is not drawn: cases and notes held back, and the
    // parcels only they include.
    let mut held = HashSet::new();
    for n in &c.nodes {
        if handling::held_back(conn, n.kind, n.id, rel)?.is_some() {
            held.insert(n.id);
        }
    }
    held.extend(handling::only_in_withheld(conn, &held)?);
    let members: Vec<Node> = c
        .nodes
        .iter()
        .copied()
        .filter(|n| !held.contains(&n.id))
        .collect();
    let ids: HashSet<uuid::Uuid> = members.iter().map(|n| n.id).collect();

    let mut s = String::new();
    let _ = writeln!(s, "graph {} {{", quote(&case.label));
    let _ = writeln!(
        s,
        "  graph [overlap=false, splines=true, labelloc=t, label={}];",
        quote(&format!("TLP:{tlp}  {}", case.label))
    );
    for n in &members {
        let _ = writeln!(
            s,
            "  {} [label={}, shape={}];",
            quote(&n.id.to_string()),
            quote(&records::label_of(conn, n.kind, n.id)?),
            item_shape(n.kind)
        );
    }
    // Links, findings and notes between members, once each.
    let mut drawn = HashSet::new();
    for n in &members {
        for e in graph::neighbours(conn, *n)? {
            if matches!(e.via, Via::Shared) || !ids.contains(&e.to.id) {
                continue;
            }
            let key = if e.from.id < e.to.id {
                (e.from.id, e.to.id)
            } else {
                (e.to.id, e.from.id)
            };
            if drawn.insert(key) {
                let _ = writeln!(
                    s,
                    "  {} -- {} [label={}];",
                    quote(&e.from.id.to_string()),
                    quote(&e.to.id.to_string()),
                    quote(&e.reason)
                );
            }
        }
    }
    // Each value two or more members share: a node, an edge to each
    // holder labelled with the role it plays there.
    let mut values: BTreeMap<(String, String), Vec<(uuid::Uuid, String)>> = BTreeMap::new();
    for n in &members {
        for sh in crate::xref::shared_identifiers(conn, n.id)? {
            if sh.over_shared() || !sh.items.iter().any(|o| ids.contains(&o.id)) {
                continue;
            }
            values
                .entry((sh.kind.clone(), sh.value.clone()))
                .or_default()
                .push((n.id, sh.role.replace('_', " ")));
        }
    }
    let mut kinds_drawn = HashSet::new();
    for ((kind, value), holders) in &values {
        if holders.len() < 2 {
            continue;
        }
        kinds_drawn.insert(kind.clone());
        let vid = format!("{kind}:{value}");
        let _ = writeln!(
            s,
            "  {} [label={}, shape={}, style=dashed];",
            quote(&vid),
            quote(&crate::domain::identifiers::shown_value(kind, value)),
            value_shape(kind)
        );
        for (holder, role) in holders {
            let _ = writeln!(
                s,
                "  {} -- {} [label={}, style=dashed];",
                quote(&holder.to_string()),
                quote(&vid),
                quote(role)
            );
        }
    }
    // The legend: the shapes drawn, and the marking.
    let _ = writeln!(s, "  subgraph cluster_legend {{");
    let _ = writeln!(s, "    label=\"Legend (TLP:{tlp})\"; style=dotted;");
    let mut shown = HashSet::new();
    for n in &members {
        if shown.insert(n.kind) {
            let _ = writeln!(
                s,
                "    {} [label={}, shape={}];",
                quote(&format!("legend:{}", n.kind)),
                quote(n.kind.as_str()),
                item_shape(n.kind)
            );
        }
    }
    let mut kinds: Vec<&String> = kinds_drawn.iter().collect();
    kinds.sort();
    for k in kinds {
        let _ = writeln!(
            s,
            "    {} [label={}, shape={}, style=dashed];",
            quote(&format!("legend:{k}")),
            quote(&format!("shared {k}")),
            value_shape(k)
        );
    }
    let _ = writeln!(s, "  }}");
    s.push_str("}\n");
    Ok(s)
}
