//! A case's network as the chart formats draw it (Graphviz DOT, i2
//! Analyst's Notebook): its items, the links, findings and notes between
//! them, and each value two or more of them share, once, with its holders.
//! What may not leave (see [`super::handling`]) is left out.

use super::handling::{self, Release};
use crate::domain::ItemKind;
use crate::store::refs::ItemRef;
use crate::store::{Result, records};
use crate::xref::graph::{self, Node, Via};
use rusqlite::Connection;
use std::collections::{BTreeMap, HashSet};
use uuid::Uuid;

/// An item drawn.
pub struct Member {
    pub node: Node,
    pub label: String,
}

/// A link, finding or note between two members.
pub struct Edge {
    pub from: Uuid,
    pub to: Uuid,
    pub reason: String,
}

/// A connection as a chart draws it: a link from its own from-item to
/// its to-item, whichever end it was met from (a person's `recipient-of`
/// met from the parcel was drawn parcel -> person, "recipient-of (from)",
/// its arrow backwards in Analyst's Notebook).
fn as_drawn(e: graph::Edge) -> Edge {
    if matches!(e.via, Via::Link)
        && let Some((link_type, rest)) = e.reason.split_once(" (from)")
        && crate::domain::link::LINK_TYPES.contains(&link_type)
    {
        return Edge {
            from: e.to.id,
            to: e.from.id,
            reason: format!("{link_type}{rest}"),
        };
    }
    Edge {
        from: e.from.id,
        to: e.to.id,
        reason: e.reason,
    }
}

/// A value two or more members hold.
pub struct SharedValue {
    /// Its identifier kind (`phone`, `address`...).
    pub kind: String,
    /// As stored (the key of the node).
    pub value: String,
    /// As shown (cards masked).
    pub shown: String,
    /// Each holder and the role the value plays there.
    pub holders: Vec<(Uuid, String)>,
}

pub struct CaseChart {
    pub title: String,
    pub tlp: String,
    pub members: Vec<Member>,
    pub edges: Vec<Edge>,
    pub values: Vec<SharedValue>,
    /// Notes drawn without their grading (`--redact-sources`).
    pub redact_sources: bool,
}

/// The network of `case`, less what may not leave.
pub fn case_chart(conn: &Connection, case: &ItemRef, rel: &Release) -> Result<CaseChart> {
    handling::check_chosen(conn, case.id, rel)?;
    let tlp = handling::tlp_of(conn, ItemKind::Case, case.id)?.unwrap_or_else(|| "AMBER".into());
    let c = graph::cluster(
        conn,
        Node {
            kind: case.kind,
            id: case.id,
        },
    )?;
    let mut held = HashSet::new();
    for n in &c.nodes {
        if handling::held_back(conn, n.kind, n.id, rel)?.is_some() {
            held.insert(n.id);
        }
    }
    held.extend(handling::only_in_withheld(conn, &held)?);
    // What the case still reaches with the withheld items gone: a note on
    // a withheld parcel, a person linked to it alone, an item sharing a
    // phone with it alone are reached only through it, and stay behind
    // with it.
    let start = Node {
        kind: case.kind,
        id: case.id,
    };
    let in_network: HashSet<Uuid> = c.nodes.iter().map(|n| n.id).collect();
    let mut reached: HashSet<Uuid> = HashSet::from([case.id]);
    let mut frontier = vec![start];
    while let Some(n) = frontier.pop() {
        // (Not through a substance, as the network itself is walked.)
        if n.kind == ItemKind::Substance && n != start {
            continue;
        }
        for e in graph::neighbours(conn, n)? {
            let to = e.to;
            if in_network.contains(&to.id) && !held.contains(&to.id) && reached.insert(to.id) {
                frontier.push(to);
            }
        }
    }
    let mut members = Vec::new();
    // The label that heads it: the strictest of what it draws.
    let mut tlp = tlp;
    for n in c.nodes.iter().copied().filter(|n| reached.contains(&n.id)) {
        if let Some(t) = handling::tlp_of(conn, n.kind, n.id)?
            && handling::tlp_rank(&t) > handling::tlp_rank(&tlp)
        {
            tlp = t;
        }
        members.push(Member {
            node: n,
            label: records::label_of(conn, n.kind, n.id)?,
        });
    }
    let ids: HashSet<Uuid> = members.iter().map(|m| m.node.id).collect();
    // Links, findings and notes between members, once each.
    let mut edges = Vec::new();
    let mut drawn = HashSet::new();
    for m in &members {
        for e in graph::neighbours(conn, m.node)? {
            if matches!(e.via, Via::Shared) || !ids.contains(&e.to.id) {
                continue;
            }
            let key = if e.from.id < e.to.id {
                (e.from.id, e.to.id)
            } else {
                (e.to.id, e.from.id)
            };
            if drawn.insert(key) {
                edges.push(as_drawn(e));
            }
        }
    }
    // Each value two or more members share.
    let mut by_value: BTreeMap<(String, String), Vec<(Uuid, String)>> = BTreeMap::new();
    for m in &members {
        for sh in crate::xref::shared_identifiers(conn, m.node.id)? {
            if sh.over_shared() || !sh.items.iter().any(|o| ids.contains(&o.id)) {
                continue;
            }
            by_value
                .entry((sh.kind.clone(), sh.value.clone()))
                .or_default()
                .push((m.node.id, sh.role.replace('_', " ")));
        }
    }
    let values = by_value
        .into_iter()
        .filter(|(_, holders)| holders.len() >= 2)
        .map(|((kind, value), holders)| SharedValue {
            shown: crate::domain::identifiers::shown_value(&kind, &value).into_owned(),
            kind,
            value,
            holders,
        })
        .collect();
    Ok(CaseChart {
        title: case.label.clone(),
        tlp,
        members,
        edges,
        values,
        redact_sources: rel.redact_sources,
    })
}
