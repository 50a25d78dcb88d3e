//! A case's network as a Graphviz graph: its items (cases, parcels,
//! substances, notes), the links, findings and notes between them, and
//! each value two or more of them share (a phone, an address, a name...)
//! drawn once as a node of its own with an edge to each holder, instead of
//! a clique of pairwise "same address" edges. The TLP marking heads the
//! graph and a legend says what each shape is. What may not leave (see
//! [`super::handling`]) is not drawn.

use super::handling::Release;
use crate::domain::ItemKind;
use crate::store::Result;
use crate::store::refs::ItemRef;
use rusqlite::Connection;
use std::collections::HashSet;
use std::fmt::Write;

/// A DOT string: each line made safe to show and escaped, the lines
/// joined by DOT's own line break (a note's newline was drawn `^J`).
fn quote(s: &str) -> String {
    let lines: Vec<String> = s
        .split('\n')
        .map(|l| {
            crate::domain::text::sanitize(l.strip_suffix('\r').unwrap_or(l))
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
        })
        .collect();
    format!("\"{}\"", lines.join("\\n"))
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
    let c = super::chart::case_chart(conn, case, rel)?;
    let tlp = &c.tlp;
    let mut s = String::new();
    let _ = writeln!(s, "graph {} {{", quote(&c.title));
    let _ = writeln!(
        s,
        "  graph [overlap=false, splines=true, labelloc=t, label={}];",
        quote(&format!("TLP:{tlp}  {}", c.title))
    );
    for m in &c.members {
        let _ = writeln!(
            s,
            "  {} [label={}, shape={}];",
            quote(&m.node.id.to_string()),
            quote(&m.label),
            item_shape(m.node.kind)
        );
    }
    for e in &c.edges {
        let _ = writeln!(
            s,
            "  {} -- {} [label={}];",
            quote(&e.from.to_string()),
            quote(&e.to.to_string()),
            quote(&e.reason)
        );
    }
    // Each value two or more members share: a node, an edge to each
    // holder labelled with the role it plays there.
    let mut kinds_drawn = HashSet::new();
    for (n, v) in c.values.iter().enumerate() {
        kinds_drawn.insert(v.kind.clone());
        // Named by its place, not its value: a card number is never
        // written whole, and two cards that end alike stay two nodes.
        let vid = format!("{}:{n}", v.kind);
        let _ = writeln!(
            s,
            "  {} [label={}, shape={}, style=dashed];",
            quote(&vid),
            quote(&v.shown),
            value_shape(&v.kind)
        );
        for (holder, role) in &v.holders {
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
    for m in &c.members {
        if shown.insert(m.node.kind) {
            let _ = writeln!(
                s,
                "    {} [label={}, shape={}];",
                quote(&format!("legend:{}", m.node.kind)),
                quote(m.node.kind.as_str()),
                item_shape(m.node.kind)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A line end is DOT's line break, quotes and backslashes escaped, a
    /// control character shown, never obeyed.
    #[test]
    fn a_label_keeps_its_lines() {
        assert_eq!(
            quote("seen at\nthe \"depot\""),
            "\"seen at\\nthe \\\"depot\\\"\""
        );
        assert_eq!(quote("a\\b\r\nc"), "\"a\\\\b\\nc\"");
        assert!(!quote("x\u{1b}[2J").contains('\u{1b}'));
    }
}
