//! The network of items: explicit links, findings, notes and shared
//! identifiers are its edges, each with the reason a person would give.
//! Walks stop at hubs (over-shared values, substances found everywhere), so
//! one popular substance or a courier hub does not join every case.

use super::{OVER_SHARED, shared_identifiers_of};
use crate::domain::{ItemKind, Note, Record};
use crate::store::{Result, keys, records, related};
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
    /// The strongest reason.
    pub reason: String,
    /// Every reason the two items are connected, strongest first: links a
    /// person made, findings and notes, then shared values by kind
    /// ([`super::strength`]).
    pub reasons: Vec<String>,
}

/// Substances found in more parcels than this are not walked through.
pub const HUB_FINDINGS: usize = OVER_SHARED as usize;
/// Walks stop after visiting this many items.
pub const WALK_CAP: usize = 100_000;

/// The items one step from `node`, with why.
pub fn neighbours(conn: &Connection, node: Node) -> Result<Vec<Edge>> {
    crate::store::in_one_read(conn, || neighbours_in(conn, node))
}

fn neighbours_in(conn: &Connection, node: Node) -> Result<Vec<Edge>> {
    // (rank, neighbour, via, reason): ranked to put the strongest first.
    let mut out: Vec<(u8, Node, Via, String)> = Vec::new();
    let mut edge = |to: Node, via: Via, reason: String| {
        out.push((0, to, via, reason));
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
    let shared = match keys::key_of(conn, node.kind, node.id)? {
        Some(item) => shared_identifiers_of(conn, item)?,
        None => Vec::new(),
    };
    for s in shared {
        for o in &s.items {
            out.push((
                1 + super::strength(&s.kind),
                Node {
                    kind: o.kind,
                    id: o.id,
                },
                Via::Shared,
                format!("same {}", s.with(o)),
            ));
        }
    }
    // One edge per neighbour, in the order first found (links first),
    // with every reason, strongest first.
    let mut edges: Vec<Edge> = Vec::new();
    let mut at: HashMap<Node, usize> = HashMap::new();
    let mut ranks: Vec<Vec<u8>> = Vec::new();
    for (rank, to, via, reason) in out {
        if to == node {
            continue;
        }
        let i = *at.entry(to).or_insert_with(|| {
            edges.push(Edge {
                from: node,
                to,
                via,
                reason: String::new(),
                reasons: Vec::new(),
            });
            ranks.push(Vec::new());
            edges.len() - 1
        });
        if edges[i].reasons.contains(&reason) {
            continue;
        }
        let pos = ranks[i].partition_point(|r| *r <= rank);
        ranks[i].insert(pos, rank);
        edges[i].reasons.insert(pos, reason);
        if pos == 0 {
            edges[i].via = via;
        }
    }
    for e in &mut edges {
        e.reason = e.reasons.first().cloned().unwrap_or_default();
    }
    Ok(edges)
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
    crate::store::in_one_read(conn, || walk_in(conn, start, depth, through_substances))
}

fn walk_in(
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
    crate::store::in_one_read(conn, || path_in(conn, a, b, max_depth))
}

fn path_in(conn: &Connection, a: Node, b: Node, max_depth: usize) -> Result<Option<Vec<Edge>>> {
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
    /// The network's items, then the substances found in it.
    pub nodes: Vec<Node>,
    /// The network's items by kind (its substances not counted: networks
    /// are not joined through them, and `clusters` counts none).
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
/// parcels and notes joined by links and shared identifiers, then the
/// substances found in them (not joined through, and not counted, as
/// [`all_clusters`] counts none).
pub fn cluster(conn: &Connection, start: Node) -> Result<Cluster> {
    let reached = walk_with(conn, start, usize::MAX, false)?;
    let truncated = reached.len() + 1 >= WALK_CAP;
    let all = std::iter::once(start).chain(reached.into_iter().map(|r| r.node));
    let (substances, mut nodes): (Vec<Node>, Vec<Node>) =
        all.partition(|n| n.kind == ItemKind::Substance);
    let counts = counts(&nodes);
    nodes.extend(substances);
    Ok(Cluster {
        counts,
        nodes,
        truncated,
    })
}

impl Cluster {
    /// The network's items (its substances left out).
    pub fn members(&self) -> &[Node] {
        let n = self.nodes.len() - self.substances().len();
        &self.nodes[..n]
    }

    /// The substances found in the network's parcels.
    pub fn substances(&self) -> &[Node] {
        let n = self
            .nodes
            .iter()
            .rev()
            .take_while(|n| n.kind == ItemKind::Substance)
            .count();
        &self.nodes[self.nodes.len() - n..]
    }
}

/// The items of a case ranked by how many items they connect to.
pub fn most_connected(conn: &Connection, case: Uuid, top: usize) -> Result<Vec<(Node, usize)>> {
    crate::store::in_one_read(conn, || most_connected_in(conn, case, top))
}

fn most_connected_in(conn: &Connection, case: Uuid, top: usize) -> Result<Vec<(Node, usize)>> {
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

/// Node numbers by item key. Record numbers are dense within a kind, so
/// a kind whose numbers are (at most twice as many as its records) gets a
/// vector indexed by number, without hashing; any other (a file whose
/// numbers were chosen to be huge) a hash map.
#[derive(Default)]
struct KeyMap {
    dense: Vec<Vec<u32>>,
    sparse: HashMap<i64, u32>,
}

impl KeyMap {
    const NONE: u32 = u32::MAX;

    /// Makes room for the numbers of a kind, up to `max_n` for `count`
    /// records.
    fn prepare(&mut self, kind: ItemKind, max_n: i64, count: i64) {
        let code = keys::kind_code(kind) as usize;
        if self.dense.len() <= code {
            self.dense.resize_with(code + 1, Vec::new);
        }
        if max_n >= 0 && max_n <= count.saturating_mul(2).saturating_add(1024) {
            self.dense[code] = vec![Self::NONE; max_n as usize + 1];
        }
    }

    fn insert(&mut self, key: i64, node: u32) {
        let (code, n) = ((key & 15) as usize, key >> 4);
        match self.dense.get_mut(code) {
            Some(v) if (n as usize) < v.len() && n >= 0 => v[n as usize] = node,
            _ => {
                self.sparse.insert(key, node);
            }
        }
    }

    fn get(&self, key: &i64) -> Option<&u32> {
        let (code, n) = ((key & 15) as usize, key >> 4);
        match self.dense.get(code) {
            Some(v) if !v.is_empty() => usize::try_from(n)
                .ok()
                .and_then(|n| v.get(n))
                .filter(|x| **x != Self::NONE),
            _ => self.sparse.get(key),
        }
    }
}

/// The identifier values that never join a network: the warning-listed
/// values, by kind code. (The fuzzy kinds, similar names and addresses,
/// are suggestions, not links: they are not in the identifier index.)
#[derive(Default)]
struct Skipped(HashMap<i64, HashSet<Vec<u8>>>);

impl Skipped {
    fn read(conn: &Connection) -> Result<Skipped> {
        let mut out = Skipped::default();
        let mut warned = conn.prepare("SELECT kind, value FROM warnlist")?;
        let listed: Vec<(String, String)> = warned
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (kind, value) in listed {
            if let Some(kind) = keys::ident_named(&kind) {
                out.0
                    .entry(keys::ident_code(kind))
                    .or_default()
                    .insert(value.into_bytes());
            }
        }
        Ok(out)
    }

    fn contains(&self, code: i64, value: &[u8]) -> bool {
        let listed = self.0.get(&code);
        let exact = listed.is_some_and(|v| v.contains(value));
        // (An address by the words of one listed, a phone of zeros.)
        exact
            || keys::ident_of_code(code)
                .ok()
                .zip(std::str::from_utf8(value).ok())
                .is_some_and(|(kind, value)| {
                    let entries = listed.into_iter().flatten();
                    crate::store::warnlist::held_by(
                        kind,
                        value,
                        false,
                        entries.filter_map(|e| std::str::from_utf8(e).ok()),
                    )
                })
    }
}

/// The kinds of item networks are made of, by kind code: an item key
/// says its kind, so what the index joins can be told without knowing
/// the items (the index's pass runs beside the items' pass).
struct NodeKinds([bool; 16]);

impl NodeKinds {
    fn new() -> NodeKinds {
        let mut codes = [false; 16];
        for kind in NODE_KINDS {
            codes[(keys::kind_code(kind) & 15) as usize] = true;
        }
        NodeKinds(codes)
    }

    fn holds(&self, key: i64) -> bool {
        self.0[(key & 15) as usize]
    }
}

/// The kinds whose items are the nodes of the networks.
const NODE_KINDS: [ItemKind; 5] = [
    ItemKind::Case,
    ItemKind::Parcel,
    ItemKind::Note,
    ItemKind::Person,
    ItemKind::Organisation,
];

/// The distinct items (by item key) of a run of occurrences, those that
/// are nodes at all.
fn members_of(run: &[i64], nodes: &NodeKinds, out: &mut Vec<i64>) {
    out.clear();
    out.extend(run.iter().copied().filter(|k| nodes.holds(*k)));
    out.sort_unstable();
    out.dedup();
}

/// A run longer than this is over every kind's cap (whose largest is
/// [`super::OVER_SHARED`]): it never joins anything.
const LONGEST_RUN: usize = super::OVER_SHARED as usize + 1;

/// The pairs of items (by item key) that identifiers of kind codes
/// `lo..=hi` join. Occurrences are read in their primary key's order (no
/// join, no sort): a run is one value. Most values belong to one item
/// only, and their items are never looked up. Skipped values (the
/// warning-listed) are known before the pass; a run longer than the
/// largest cap stops being read, and the scan goes on after its value.
fn shared_pairs(
    conn: &Connection,
    lo: i64,
    hi: i64,
    index: &NodeKinds,
    skipped: &Skipped,
) -> Result<Vec<(i64, i64)>> {
    let mut pairs = Vec::new();
    // One kind at a time: its rows are (value, item), with no kind to read.
    for kind in crate::domain::identifiers::IdentKind::ALL {
        let code = keys::ident_code(kind);
        if kind.is_exact() && (lo..=hi).contains(&code) {
            shared_pairs_of(conn, code, index, skipped, &mut pairs)?;
        }
    }
    Ok(pairs)
}

/// [`shared_pairs`] of the values of one kind (by code).
fn shared_pairs_of(
    conn: &Connection,
    kind: i64,
    index: &NodeKinds,
    skipped: &Skipped,
    pairs: &mut Vec<(i64, i64)>,
) -> Result<()> {
    let cap = super::cap(keys::ident_of_code(kind)?.as_str()) as usize;
    let mut all =
        conn.prepare_cached("SELECT value, item FROM occurrences WHERE kind = ?1 ORDER BY value")?;
    let mut after = conn.prepare_cached(
        "SELECT value, item FROM occurrences WHERE kind = ?1 AND value > ?2 ORDER BY value",
    )?;
    let mut rows = all.query([kind])?;
    let mut run: Vec<i64> = Vec::new();
    let (mut members, mut items): (Vec<i64>, Vec<i64>) = (Vec::new(), Vec::new());
    // The value of the run, as bytes (none before the first row).
    let mut value: Option<Vec<u8>> = None;
    let mut next_check = LONGEST_RUN + 1;
    let mut flush = |run: &mut Vec<i64>, value: &[u8]| {
        if run.len() >= 2 && !skipped.contains(kind, value) {
            members_of(run, index, &mut members);
            if members.len() >= 2 && members.len() <= cap + 1 {
                pairs.extend(members.windows(2).map(|w| (w[0], w[1])));
            }
        }
        run.clear();
    };
    'scan: while let Some(r) = rows.next()? {
        let v = r.get_ref(0)?.as_bytes().unwrap_or_default();
        match &mut value {
            Some(held) if held.as_slice() == v => {}
            Some(held) => {
                flush(&mut run, held);
                held.clear();
                held.extend_from_slice(v);
                next_check = LONGEST_RUN + 1;
            }
            None => {
                value = Some(v.to_vec());
                next_check = LONGEST_RUN + 1;
            }
        }
        let held = value.as_deref().unwrap_or_default();
        if run.len() >= next_check {
            // Left out, or over-shared whatever its kind ("books" on 60,000
            // parcels) once it holds more items than the largest cap: the
            // rest of its run is not read, the scan goes on after it.
            if skipped.contains(kind, held) || {
                members_of(&run, index, &mut items);
                items.len() > LONGEST_RUN
            } {
                run.clear();
                drop(rows);
                // (Bound as text, as the values are stored: a blob sorts
                // after every text.)
                let text =
                    rusqlite::types::ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Text(held));
                rows = after.query((kind, text))?;
                value = None;
                continue 'scan;
            }
            next_check = run.len() * 2;
        }
        run.push(r.get(1)?);
    }
    if let Some(held) = &value {
        flush(&mut run, held);
    }
    Ok(())
}

/// Every network of two or more items in the notebook, largest first,
/// built in one pass over links, notes and the identifier index
/// (over-shared and warning-listed values left out). Substances are not
/// joined through: a network is people, parcels and cases.
pub fn all_clusters(conn: &Connection) -> Result<Vec<Component>> {
    all_clusters_from(conn, 100_000)
}

/// [`all_clusters`], reading the identifier index on two cores when it
/// holds more than about `two_cores_from` occurrences
/// ([`crate::store::index::size_estimate`]).
fn all_clusters_from(conn: &Connection, two_cores_from: i64) -> Result<Vec<Component>> {
    // Two more read connections, one for each range of the index's pass,
    // which runs beside the items' pass on this one, when the notebook is
    // a file large enough to be worth it.
    let top = i64::try_from(crate::store::index::size_estimate(conn)?).unwrap_or(i64::MAX);
    let readers = if top > two_cores_from {
        crate::store::second_reader(conn).zip(crate::store::second_reader(conn))
    } else {
        None
    };
    let skipped = Skipped::read(conn)?;
    let kinds = NodeKinds::new();
    let mut index = IdMap::default();
    let mut by_key = KeyMap::default();
    let mut nodes: Vec<Node> = Vec::new();
    let mut uf = UnionFind(Vec::new());
    let (skipped_ref, kinds_ref) = (&skipped, &kinds);
    let pairs = std::thread::scope(|s| -> Result<[Vec<(i64, i64)>; 2]> {
        // The identifier index, in two ranges of kinds, one per thread (the
        // tracking numbers and phones, about three in seven of a parcel's
        // occurrences, and the rest, whose over-shared contents are
        // skipped over): pairs of item keys to join come back from each.
        let index_pass = readers.map(|(one, two)| {
            let mid = keys::ident_code(crate::domain::identifiers::IdentKind::Phone);
            (
                s.spawn(move || shared_pairs(&one, i64::MIN, mid, kinds_ref, skipped_ref)),
                s.spawn(move || shared_pairs(&two, mid + 1, i64::MAX, kinds_ref, skipped_ref)),
            )
        });
        // Meanwhile here: the items, links and notes.
        for kind in NODE_KINDS {
            // In id order, from the id index rather than the whole table.
            let (max_n, count): (Option<i64>, i64) = conn.query_row(
                &format!("SELECT max(n), count(*) FROM {}", kind.table()),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            by_key.prepare(kind, max_n.unwrap_or(0), count);
            let more = usize::try_from(count).unwrap_or(0);
            index.reserve(more);
            nodes.reserve(more);
            let mut stmt =
                conn.prepare(&format!("SELECT id, n FROM {} ORDER BY id", kind.table()))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let id: Uuid = r.get(0)?;
                index.insert(id, nodes.len() as u32);
                by_key.insert(keys::item_key(kind, r.get(1)?), nodes.len() as u32);
                nodes.push(Node { kind, id });
            }
        }
        uf = UnionFind((0..nodes.len() as u32).collect());
        let join = |uf: &mut UnionFind, a: &Uuid, b: &Uuid| {
            if let (Some(x), Some(y)) = (index.get(a), index.get(b)) {
                uf.union(*x, *y);
            }
        };
        for sql in [
            "SELECT from_id, to_id FROM links",
            "SELECT id, item_id FROM notes",
        ] {
            let mut stmt = conn.prepare(sql)?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                join(&mut uf, &r.get(0)?, &r.get(1)?);
            }
        }
        Ok(match index_pass {
            Some((one, two)) => {
                let wait = |h: std::thread::ScopedJoinHandle<'_, Result<Vec<(i64, i64)>>>| {
                    h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
                };
                let one = wait(one);
                [one?, wait(two)?]
            }
            None => [
                shared_pairs(conn, i64::MIN, i64::MAX, kinds_ref, skipped_ref)?,
                Vec::new(),
            ],
        })
    })?;
    // (An item the index names that the items' pass did not see, written
    // between the two reads, joins nothing.)
    for (a, b) in pairs.iter().flatten() {
        if let (Some(x), Some(y)) = (by_key.get(a), by_key.get(b)) {
            uf.union(*x, *y);
        }
    }
    // Members by root, without a map: count, then place.
    let n = nodes.len();
    let roots: Vec<u32> = (0..n as u32).map(|i| uf.find(i)).collect();
    let mut size = vec![0u32; n];
    for &r in &roots {
        size[r as usize] += 1;
    }
    let mut groups: HashMap<u32, Vec<u32>> = HashMap::new();
    for (i, &r) in roots.iter().enumerate() {
        if size[r as usize] >= 2 {
            groups
                .entry(r)
                .or_insert_with(|| Vec::with_capacity(size[r as usize] as usize))
                .push(i as u32);
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Parcel;
    use crate::domain::record::new_record;
    use crate::exchange::demo::s10_number;
    use crate::store::create;
    use crate::store::testutil::temp_store;

    #[test]
    fn node_numbers_by_item_key_dense_and_sparse() {
        let mut m = KeyMap::default();
        m.prepare(ItemKind::Parcel, 10, 8);
        // Numbers far beyond the records' count are held in the map.
        m.prepare(ItemKind::Note, 1 << 40, 3);
        let p = |n| keys::item_key(ItemKind::Parcel, n);
        let note = |n| keys::item_key(ItemKind::Note, n);
        m.insert(p(3), 7);
        m.insert(p(10), 8);
        m.insert(note(1 << 40), 9);
        m.insert(keys::item_key(ItemKind::Case, 5), 10);
        assert_eq!(m.get(&p(3)), Some(&7));
        assert_eq!(m.get(&p(10)), Some(&8));
        assert_eq!(m.get(&p(4)), None);
        assert_eq!(m.get(&p(11)), None);
        assert_eq!(m.get(&note(1 << 40)), Some(&9));
        assert_eq!(m.get(&keys::item_key(ItemKind::Case, 5)), Some(&10));
        assert!(m.dense[keys::kind_code(ItemKind::Note) as usize].is_empty());
    }

    #[test]
    fn an_item_key_says_whether_its_item_is_a_node() {
        let kinds = NodeKinds::new();
        for kind in ItemKind::ALL {
            for n in [1, 2, 1_000_003] {
                assert_eq!(
                    kinds.holds(keys::item_key(kind, n)),
                    NODE_KINDS.contains(&kind),
                    "{kind} {n}"
                );
            }
        }
    }

    fn shape(c: &[Component]) -> Vec<(usize, Uuid)> {
        c.iter().map(|c| (c.size, c.example.id)).collect()
    }

    #[test]
    fn two_cores_find_the_networks_one_finds() {
        let (_d, mut s) = temp_store();
        crate::exchange::demo::generate(&mut s, 600, 3, |_, _| {}).unwrap();
        let one = all_clusters_from(s.conn(), i64::MAX).unwrap();
        let two = all_clusters_from(s.conn(), 0).unwrap();
        assert!(one.len() > 5, "{}", one.len());
        assert_eq!(shape(&one), shape(&two));
    }

    /// A value on more items than its kind's cap joins none of them, even
    /// when the scan stops reading it early; a value held twice by each of
    /// fewer items (sender and recipient phone) is counted by item.
    #[test]
    fn over_shared_values_are_counted_by_item() {
        let (_d, mut s) = temp_store();
        s.write(|w| {
            for n in 0..60u32 {
                let t = s10_number("RR", 1000 + n, "KZ");
                let (mut p, _) = new_record::<Parcel>(&[
                    ("tracking", &t),
                    ("sender_phone", "+7 701 555 01 42"),
                ])?;
                create::parcel(w, &mut p)?;
            }
            for n in 0..30u32 {
                let t = s10_number("RR", 2000 + n, "KZ");
                let (mut p, _) = new_record::<Parcel>(&[
                    ("tracking", &t),
                    ("sender_phone", "+7 701 555 09 99"),
                    ("recipient_phone", "+7 701 555 09 99"),
                ])?;
                create::parcel(w, &mut p)?;
            }
            Ok(())
        })
        .unwrap();
        for from in [0, i64::MAX] {
            let all = all_clusters_from(s.conn(), from).unwrap();
            assert_eq!(
                all.iter().map(|c| c.size).collect::<Vec<_>>(),
                vec![30],
                "{all:?}"
            );
        }
    }
}
