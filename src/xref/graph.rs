//! The network of items: explicit links, findings, notes and shared
//! identifiers are its edges, each with the reason a person would give.
//! Walks stop at hubs (over-shared values, substances found everywhere), so
//! one popular substance or a courier hub does not join every case.

use super::{OVER_SHARED, shared_identifiers};
use crate::domain::{ItemKind, Note, Record};
use crate::store::{Result, records, related};
use rusqlite::Connection;
use serde::Serialize;
use std::collections::{HashMap, HashSet, VecDeque};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Node {
    pub kind: ItemKind,
    pub id: Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    Link,
    Finding,
    Note,
    Shared,
}

#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    pub from: Node,
    pub to: Node,
    pub via: Via,
    pub reason: String,
}

/// Substances found in more parcels than this are not walked through.
pub const HUB_FINDINGS: usize = OVER_SHARED as usize;
/// Walks stop after visiting this many items.
pub const WALK_CAP: usize = 100_000;

/// The items one step from `node`, with why.
pub fn neighbours(conn: &Connection, node: Node) -> Result<Vec<Edge>> {
    let mut out = Vec::new();
    let mut edge = |to: Node, via: Via, reason: String| {
        out.push(Edge {
            from: node,
            to,
            via,
            reason,
        })
    };
    for l in related::links_of(conn, node.id, 10_000)? {
        let (to, dir) = if l.from_id == node.id {
            (
                Node {
                    kind: l.to_kind,
                    id: l.to_id,
                },
                "",
            )
        } else {
            (
                Node {
                    kind: l.from_kind,
                    id: l.from_id,
                },
                " (from)",
            )
        };
        let note = l
            .note
            .as_deref()
            .map(|n| format!(": {n}"))
            .unwrap_or_default();
        edge(to, Via::Link, format!("{}{dir}{note}", l.link_type));
    }
    match node.kind {
        ItemKind::Parcel => {
            for f in related::findings_in_parcel(conn, node.id)? {
                edge(
                    Node {
                        kind: ItemKind::Substance,
                        id: f.substance_id,
                    },
                    Via::Finding,
                    format!("found: {}", f.label()),
                );
            }
        }
        ItemKind::Substance => {
            let fs = related::findings_of_substance(conn, node.id, HUB_FINDINGS + 1)?;
            if fs.len() <= HUB_FINDINGS {
                for f in fs {
                    edge(
                        Node {
                            kind: ItemKind::Parcel,
                            id: f.parcel_id,
                        },
                        Via::Finding,
                        format!("found in: {}", f.label()),
                    );
                }
            }
        }
        ItemKind::Note => {
            if let Some(n) = records::get::<Note>(conn, node.id)? {
                edge(
                    Node {
                        kind: n.item_kind,
                        id: n.item_id,
                    },
                    Via::Note,
                    "note on".into(),
                );
            }
        }
        _ => {}
    }
    for n in related::notes_on(conn, node.id, 1000)? {
        edge(
            Node {
                kind: ItemKind::Note,
                id: n.meta.id,
            },
            Via::Note,
            format!("{} {}", n.note_type, n.noted_on),
        );
    }
    for s in shared_identifiers(conn, node.id)? {
        for o in &s.items {
            edge(
                Node {
                    kind: o.kind,
                    id: o.id,
                },
                Via::Shared,
                format!("same {} {}", s.role.replace('_', " "), s.value),
            );
        }
    }
    // One edge per neighbour: the first reason found (links first).
    let mut seen = HashSet::new();
    out.retain(|e| e.to != node && seen.insert(e.to));
    Ok(out)
}

/// An item reached by a walk, how far out, and the edge that reached it.
#[derive(Debug, Clone, Serialize)]
pub struct Reached {
    pub node: Node,
    pub depth: usize,
    pub edge: Edge,
}

/// Breadth-first walk to `depth` steps (the start itself not included).
pub fn walk(conn: &Connection, start: Node, depth: usize) -> Result<Vec<Reached>> {
    walk_with(conn, start, depth, true)
}

/// A walk that may stop at substances: they are reached and listed, but a
/// network of people and parcels is not joined through what they sent.
fn walk_with(
    conn: &Connection,
    start: Node,
    depth: usize,
    through_substances: bool,
) -> Result<Vec<Reached>> {
    let mut seen: HashSet<Node> = HashSet::from([start]);
    let mut out = Vec::new();
    let mut frontier = vec![start];
    for d in 1..=depth {
        if frontier.is_empty() {
            break;
        }
        let mut next = Vec::new();
        for n in frontier {
            if n.kind == ItemKind::Substance && !through_substances && n != start {
                continue;
            }
            for e in neighbours(conn, n)? {
                if seen.insert(e.to) {
                    next.push(e.to);
                    out.push(Reached {
                        node: e.to,
                        depth: d,
                        edge: e,
                    });
                    if seen.len() >= WALK_CAP {
                        return Ok(out);
                    }
                }
            }
        }
        frontier = next;
    }
    Ok(out)
}

/// The shortest chain of edges from `a` to `b`, at most `max_depth` long.
pub fn path(conn: &Connection, a: Node, b: Node, max_depth: usize) -> Result<Option<Vec<Edge>>> {
    if a == b {
        return Ok(Some(Vec::new()));
    }
    let mut parent: HashMap<Node, Edge> = HashMap::new();
    let mut queue = VecDeque::from([(a, 0usize)]);
    let mut seen = HashSet::from([a]);
    while let Some((n, d)) = queue.pop_front() {
        if d >= max_depth {
            continue;
        }
        for e in neighbours(conn, n)? {
            if !seen.insert(e.to) {
                continue;
            }
            let to = e.to;
            parent.insert(to, e);
            if to == b {
                let mut chain = Vec::new();
                let mut cur = b;
                while let Some(e) = parent.get(&cur) {
                    chain.push(e.clone());
                    cur = e.from;
                }
                chain.reverse();
                return Ok(Some(chain));
            }
            if seen.len() >= WALK_CAP {
                return Ok(None);
            }
            queue.push_back((to, d + 1));
        }
    }
    Ok(None)
}

#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    pub nodes: Vec<Node>,
    pub counts: Vec<(ItemKind, usize)>,
    /// The walk stopped at its cap before the network ended.
    pub truncated: bool,
}

fn counts(nodes: &[Node]) -> Vec<(ItemKind, usize)> {
    let mut c: Vec<(ItemKind, usize)> = Vec::new();
    for k in ItemKind::ALL {
        let n = nodes.iter().filter(|x| x.kind == k).count();
        if n > 0 {
            c.push((k, n));
        }
    }
    c
}

/// The connected network around an item (the item included): cases,
/// parcels and notes joined by links and shared identifiers, with the
/// substances found in them (not joined through).
pub fn cluster(conn: &Connection, start: Node) -> Result<Cluster> {
    let reached = walk_with(conn, start, usize::MAX, false)?;
    let truncated = reached.len() + 1 >= WALK_CAP;
    let mut nodes = vec![start];
    nodes.extend(reached.into_iter().map(|r| r.node));
    Ok(Cluster {
        counts: counts(&nodes),
        nodes,
        truncated,
    })
}

/// The items of a case ranked by how many items they connect to.
pub fn most_connected(conn: &Connection, case: Uuid, top: usize) -> Result<Vec<(Node, usize)>> {
    let mut ranked = Vec::new();
    for l in related::links_of(conn, case, 100_000)? {
        if l.link_type == "includes" && l.from_id == case {
            let n = Node {
                kind: l.to_kind,
                id: l.to_id,
            };
            // The case itself is one of every member's neighbours: not counted.
            let degree = neighbours(conn, n)?
                .iter()
                .filter(|e| e.to.id != case)
                .count();
            ranked.push((n, degree));
        }
    }
    ranked.sort_by_key(|r| std::cmp::Reverse(r.1));
    ranked.truncate(top);
    Ok(ranked)
}

/// A connected network found across the whole notebook.
#[derive(Debug, Clone, Serialize)]
pub struct Component {
    pub size: usize,
    pub counts: Vec<(ItemKind, usize)>,
    /// The first item of the network, to name it by.
    pub example: Node,
}

struct UnionFind(Vec<u32>);

impl UnionFind {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let p = self.0[x as usize];
            self.0[x as usize] = self.0[p as usize];
            x = p;
        }
        x
    }
    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb) as usize] = ra.min(rb);
        }
    }
}

/// Hashes a record id by its last eight bytes: random in UUIDv7 (and in
/// the catalogue's name-derived ids), so no need for SipHash's cost on the
/// million lookups of [`all_clusters`].
#[derive(Default)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(29) ^ u64::from_le_bytes(b);
        }
    }
}

type IdMap = HashMap<Uuid, u32, std::hash::BuildHasherDefault<IdHasher>>;

/// Every network of two or more items in the notebook, largest first,
/// built in one pass over links, notes and the identifier index
/// (over-shared and warning-listed values left out). Substances are not
/// joined through: a network is people, parcels and cases.
pub fn all_clusters(conn: &Connection) -> Result<Vec<Component>> {
    let mut index = IdMap::default();
    let mut nodes: Vec<Node> = Vec::new();
    for kind in [ItemKind::Case, ItemKind::Parcel, ItemKind::Note] {
        let mut stmt = conn.prepare(&format!("SELECT id FROM {} ORDER BY rowid", kind.table()))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: Uuid = r.get(0)?;
            index.insert(id, nodes.len() as u32);
            nodes.push(Node { kind, id });
        }
    }
    let mut uf = UnionFind((0..nodes.len() as u32).collect());
    let join = |uf: &mut UnionFind, a: &Uuid, b: &Uuid| {
        if let (Some(x), Some(y)) = (index.get(a), index.get(b)) {
            uf.union(*x, *y);
        }
    };
    {
        let mut stmt = conn.prepare("SELECT from_id, to_id FROM links")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            join(&mut uf, &r.get(0)?, &r.get(1)?);
        }
    }
    {
        let mut stmt = conn.prepare("SELECT id, item_id FROM notes")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            join(&mut uf, &r.get(0)?, &r.get(1)?);
        }
    }
    {
        // Occurrences in their primary key's order (no join, no sort): a
        // run is one identifier. Most values belong to one item only; the
        // identifier's kind (for the cap, the fuzzy kinds left out and
        // the warning list) is looked up only for runs of two or more.
        let warned: std::collections::HashSet<(String, String)> = conn
            .prepare("SELECT kind, value FROM warnlist")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut ident_of = conn.prepare("SELECT kind, value FROM identifiers WHERE id = ?1")?;
        let mut stmt = conn.prepare("SELECT ident, item_id FROM occurrences ORDER BY ident")?;
        let mut rows = stmt.query([])?;
        let mut run: Vec<u32> = Vec::new();
        let mut current = i64::MIN;
        let mut flush = |uf: &mut UnionFind, run: &mut Vec<u32>, ident: i64| -> Result<()> {
            if run.len() >= 2 {
                run.sort_unstable();
                run.dedup();
            }
            if run.len() >= 2 {
                let (kind, value): (String, String) =
                    ident_of.query_row([ident], |r| Ok((r.get(0)?, r.get(1)?)))?;
                let fuzzy = kind == "name-sound" || kind == "address-sound";
                if !fuzzy
                    && run.len() <= super::cap(&kind) as usize + 1
                    && !warned.contains(&(kind, value))
                {
                    for w in run.windows(2) {
                        uf.union(w[0], w[1]);
                    }
                }
            }
            run.clear();
            Ok(())
        };
        while let Some(r) = rows.next()? {
            let ident: i64 = r.get(0)?;
            if ident != current {
                flush(&mut uf, &mut run, current)?;
                current = ident;
            }
            let item = r
                .get_ref(1)?
                .as_blob()
                .ok()
                .and_then(|b| Uuid::from_slice(b).ok());
            if let Some(x) = item.and_then(|id| index.get(&id)) {
                run.push(*x);
            }
        }
        flush(&mut uf, &mut run, current)?;
    }
    let mut groups: HashMap<u32, Vec<u32>> = HashMap::new();
    for i in 0..nodes.len() as u32 {
        let root = uf.find(i);
        groups.entry(root).or_default().push(i);
    }
    let mut out: Vec<Component> = groups
        .into_values()
        .filter(|g| g.len() >= 2)
        .map(|g| {
            let members: Vec<Node> = g.iter().map(|i| nodes[*i as usize]).collect();
            Component {
                size: members.len(),
                counts: counts(&members),
                example: members[0],
            }
        })
        .collect();
    out.sort_by(|a, b| b.size.cmp(&a.size).then(a.example.id.cmp(&b.example.id)));
    Ok(out)
}
