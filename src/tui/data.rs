//! What the panes show, read from the store a window at a time.

use crate::domain::record::get_field;
use crate::domain::{Case, Finding, ItemKind, Link, Note, Parcel, Record, Substance};
use crate::store::records::Window;
use crate::store::refs::ItemRef;
use crate::store::{Result, records, related};
use crate::xref;
use rusqlite::Connection;
use uuid::Uuid;

/// One row of a list pane.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub kind: ItemKind,
    pub id: Uuid,
    /// Where the row sits in its table (0 for search hits).
    pub rowid: i64,
    pub cells: Vec<String>,
    /// For each cell, the characters that matched the filter that found
    /// the row (empty when none did), worked out once where the row was
    /// made, not on every frame.
    pub matched: Vec<Vec<usize>>,
}

/// The cells a row holds for its kind, in this order; a pane shows as
/// many of them as its width allows ([`super::view`] chooses).
pub fn headers(kind: ItemKind) -> &'static [&'static str] {
    match kind {
        ItemKind::Case => &["Ref", "Status", "TLP", "Title", "Opened", "Lead officer"],
        ItemKind::Parcel => &[
            "Tracking", "Status", "Route", "Declared", "Carrier", "Seized",
        ],
        ItemKind::Substance => &["Name", "Group", "CAS", "Sub-class"],
        _ => &["Item"],
    }
}

fn route(p: &Parcel) -> String {
    format!(
        "{}>{}",
        p.origin.as_deref().unwrap_or("?"),
        p.destination.as_deref().unwrap_or("?")
    )
}

fn cells_case(c: &Case) -> Vec<String> {
    vec![
        c.reference.clone(),
        c.status.clone(),
        c.tlp.clone(),
        c.title.clone(),
        c.opened_on.clone().unwrap_or_default(),
        c.lead_officer.clone().unwrap_or_default(),
    ]
}
fn cells_parcel(p: &Parcel) -> Vec<String> {
    vec![
        p.tracking.clone(),
        p.status.clone(),
        route(p),
        p.declared_contents.clone().unwrap_or_default(),
        p.carrier.clone().unwrap_or_default(),
        p.seized_on.clone().unwrap_or_default(),
    ]
}
fn cells_substance(s: &Substance) -> Vec<String> {
    vec![
        s.name.clone(),
        s.group.clone(),
        s.cas.clone().unwrap_or_default(),
        s.subclass.clone().unwrap_or_default(),
    ]
}

/// Records with their rowids as the rows a pane shows.
fn to_rows<R: Record>(records: Vec<(i64, R)>, cells: fn(&R) -> Vec<String>) -> Vec<Row> {
    records
        .iter()
        .map(|(rowid, r)| Row {
            kind: R::KIND,
            id: r.meta().id,
            rowid: *rowid,
            cells: cells(r),
            matched: Vec::new(),
        })
        .collect()
}

fn page<R: Record>(
    conn: &Connection,
    w: Window,
    limit: usize,
    cells: fn(&R) -> Vec<String>,
) -> Result<Vec<Row>> {
    Ok(to_rows(records::window::<R>(conn, w, limit)?, cells))
}

/// Marks the parcels that screening hit: `!` before their status.
fn mark_hits(conn: &Connection, mut rows: Vec<Row>) -> Result<Vec<Row>> {
    mark_hits_in(conn, &mut rows)?;
    Ok(rows)
}

/// [`mark_hits`] where the rows stand.
fn mark_hits_in(conn: &Connection, rows: &mut [Row]) -> Result<()> {
    let ids: Vec<Uuid> = rows
        .iter()
        .filter(|r| r.kind == ItemKind::Parcel)
        .map(|r| r.id)
        .collect();
    let hit = crate::targeting::stored::hit_parcels(conn, &ids)?;
    for r in rows.iter_mut().filter(|r| hit.contains(&r.id)) {
        if let Some(status) = r.cells.get_mut(1) {
            status.insert(0, '!');
        }
    }
    Ok(())
}

/// A window of a kind's list, in the order items were written.
pub fn window(conn: &Connection, kind: ItemKind, w: Window, limit: usize) -> Result<Vec<Row>> {
    match kind {
        ItemKind::Case => page::<Case>(conn, w, limit, cells_case),
        ItemKind::Parcel => mark_hits(conn, page::<Parcel>(conn, w, limit, cells_parcel)?),
        ItemKind::Substance => page::<Substance>(conn, w, limit, cells_substance),
        _ => Ok(Vec::new()),
    }
}

fn rows_of<R: Record>(
    conn: &Connection,
    rowids: &[i64],
    cells: fn(&R) -> Vec<String>,
) -> Result<Vec<Row>> {
    Ok(to_rows(records::at_rowids::<R>(conn, rowids)?, cells))
}

/// The rows of the items with these record numbers (a subset's window).
pub fn rows_at(conn: &Connection, kind: ItemKind, rowids: &[i64]) -> Result<Vec<Row>> {
    match kind {
        ItemKind::Case => rows_of::<Case>(conn, rowids, cells_case),
        ItemKind::Parcel => mark_hits(conn, rows_of::<Parcel>(conn, rowids, cells_parcel)?),
        ItemKind::Substance => rows_of::<Substance>(conn, rowids, cells_substance),
        _ => Ok(Vec::new()),
    }
}

/// The cells of a row a filter's matches are marked in: the first (the
/// tracking number, reference, name) and the one with most text.
pub fn marked_cells(kind: ItemKind) -> [usize; 2] {
    match kind {
        ItemKind::Substance => [0, 2],
        _ => [0, 3],
    }
}

/// A filter's hits as the rows a pane lists, each with the characters
/// that match `query` marked (a hit whose item is gone is left out), and
/// a parcel screening hit marked `!` as in the whole list (a filtered
/// list dropped the marks).
pub fn rows_of_hits(
    conn: &Connection,
    hits: &[crate::store::search::Hit],
    query: &str,
) -> Vec<Row> {
    let rows: Vec<Row> = hits
        .iter()
        .filter_map(|h| row_of(conn, h.kind, h.id).ok().flatten())
        .map(|mut r| {
            mark(&mut r, query);
            r
        })
        .collect();
    let mut rows = rows;
    // (A mark that cannot be read leaves the row as it is.)
    let _ = mark_hits_in(conn, &mut rows);
    rows
}

/// Marks in a row the characters of its marked cells that match a
/// filter's query.
pub fn mark(row: &mut Row, query: &str) {
    let q = query.trim();
    if q.is_empty() {
        return;
    }
    row.matched = vec![Vec::new(); row.cells.len()];
    for c in marked_cells(row.kind) {
        if let Some(idx) = row
            .cells
            .get(c)
            .and_then(|cell| crate::store::search::matched_chars(cell, q))
        {
            row.matched[c] = idx;
        }
    }
}

/// The row of one item (for filtered lists).
pub fn row_of(conn: &Connection, kind: ItemKind, id: Uuid) -> Result<Option<Row>> {
    let cells = match kind {
        ItemKind::Case => records::get::<Case>(conn, id)?.map(|r| cells_case(&r)),
        ItemKind::Parcel => records::get::<Parcel>(conn, id)?.map(|r| cells_parcel(&r)),
        ItemKind::Substance => records::get::<Substance>(conn, id)?.map(|r| cells_substance(&r)),
        _ => None,
    };
    Ok(cells.map(|cells| Row {
        kind,
        id,
        rowid: 0,
        cells,
        matched: Vec::new(),
    }))
}

/// The most findings or notes of one item a group of the Links pane
/// lists; a row says how many more there are.
const LISTED: usize = 200;

/// Everything connected to an item, for the Links pane.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkRow {
    pub group: String,
    /// The item at the other end, which Enter follows.
    pub kind: ItemKind,
    pub id: Uuid,
    pub label: String,
    pub reason: String,
    /// The record that makes the connection (a link, finding or note),
    /// which edit and delete act on in the Links pane.
    pub via: Option<(ItemKind, Uuid)>,
}

pub fn links_of(conn: &Connection, item: &ItemRef) -> Result<Vec<LinkRow>> {
    let mut out = Vec::new();
    let label = |k, id| records::label_of(conn, k, id);
    for l in related::links_of(conn, item.id, 500)? {
        let (k, id, dir) = if l.from_id == item.id {
            (l.to_kind, l.to_id, "")
        } else {
            (l.from_kind, l.from_id, " (from)")
        };
        let group = if l.link_type == "includes" {
            if l.from_id == item.id {
                "Includes".to_string()
            } else {
                "In case".to_string()
            }
        } else {
            "Links".to_string()
        };
        let grading = match (&l.source_grade, &l.intel_grade) {
            (Some(s), Some(i)) => format!(" [{s}{i}]"),
            _ => String::new(),
        };
        out.push(LinkRow {
            group,
            kind: k,
            id,
            label: label(k, id)?,
            reason: format!(
                "{}{dir}{grading}{}",
                l.link_type,
                l.note
                    .as_deref()
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default()
            ),
            via: Some((ItemKind::Link, l.meta.id)),
        });
    }
    match item.kind {
        ItemKind::Exhibit => {
            // What it is an exhibit of, what it was taken from, and its
            // samples: each opens with Enter.
            if let Some(e) = records::get::<crate::domain::evidence::Exhibit>(conn, item.id)? {
                out.push(LinkRow {
                    group: "Exhibit of".into(),
                    kind: ItemKind::Parcel,
                    id: e.parcel_id,
                    label: label(ItemKind::Parcel, e.parcel_id)?,
                    reason: "the parcel it was taken from".into(),
                    via: None,
                });
                let t = crate::evidence::trail(conn, e.parcel_id)?;
                for x in &t.exhibits {
                    let ex = &x.exhibit;
                    let (group, reason) = if Some(&ex.number) == e.sample_of.as_ref() {
                        ("Sample of", "the exhibit it was taken from")
                    } else if ex.sample_of.as_ref() == Some(&e.number) {
                        ("Samples", "taken from it")
                    } else {
                        continue;
                    };
                    out.push(LinkRow {
                        group: group.into(),
                        kind: ItemKind::Exhibit,
                        id: ex.meta.id,
                        label: ex.number.clone(),
                        reason: reason.into(),
                        via: None,
                    });
                }
            }
        }
        ItemKind::Parcel => {
            // Its exhibits, each with who holds it and its flags.
            for x in crate::evidence::trail(conn, item.id)?.exhibits {
                let holder = x.custody.last().map_or_else(
                    || "no hand-over".to_string(),
                    |c| format!("with {}", c.to_holder),
                );
                let flags = match x.flags.len() {
                    0 => String::new(),
                    1 => ", 1 flag".into(),
                    n => format!(", {n} flags"),
                };
                out.push(LinkRow {
                    group: "Exhibits".into(),
                    kind: ItemKind::Exhibit,
                    id: x.exhibit.meta.id,
                    label: x.exhibit.number.clone(),
                    reason: format!("{holder}, {} hand-overs{flags}", x.custody.len()),
                    via: None,
                });
            }
            for f in related::findings_in_parcel(conn, item.id)? {
                out.push(LinkRow {
                    group: "Findings".into(),
                    kind: ItemKind::Substance,
                    id: f.substance_id,
                    label: label(ItemKind::Substance, f.substance_id)?,
                    reason: f.label(),
                    via: Some((ItemKind::Finding, f.meta.id)),
                });
            }
        }
        ItemKind::Substance => {
            let found = related::findings_of_substance(conn, item.id, LISTED)?;
            let listed = found.len();
            for f in found {
                out.push(LinkRow {
                    group: "Found in".into(),
                    kind: ItemKind::Parcel,
                    id: f.parcel_id,
                    label: label(ItemKind::Parcel, f.parcel_id)?,
                    reason: f.label(),
                    via: Some((ItemKind::Finding, f.meta.id)),
                });
            }
            // The first only, and said so, with how to count them all (the
            // group stopped at 200 without a word).
            if listed == LISTED {
                let all = related::findings_of_substance_count(conn, item.id)?;
                if all > listed {
                    out.push(LinkRow {
                        group: "Found in".into(),
                        kind: item.kind,
                        id: item.id,
                        label: format!("{} more not listed ({listed} of {all})", all - listed),
                        reason: "Shift-t or Shift-r on the substance counts its parcels; `interdict stats freq` on the command line".into(),
                        via: None,
                    });
                }
            }
        }
        ItemKind::Case => {
            // What its parcels hold and who sent and received them.
            let mut people: Vec<(String, Uuid, Vec<String>)> = Vec::new();
            for p in related::parcels_in_case(conn, item.id, 1000, 0)? {
                for f in related::findings_in_parcel(conn, p.meta.id)? {
                    out.push(LinkRow {
                        group: "Found in its parcels".into(),
                        kind: ItemKind::Substance,
                        id: f.substance_id,
                        label: label(ItemKind::Substance, f.substance_id)?,
                        reason: format!("in {}: {}", p.tracking, f.label()),
                        via: Some((ItemKind::Finding, f.meta.id)),
                    });
                }
                for (role, name) in [("sender", &p.sender_name), ("recipient", &p.recipient_name)] {
                    let Some(name) = name.as_deref().map(str::trim).filter(|n| !n.is_empty())
                    else {
                        continue;
                    };
                    let what = format!("{role} of {}", p.tracking);
                    match people.iter_mut().find(|(n, _, _)| n == name) {
                        Some((_, _, roles)) => roles.push(what),
                        None => people.push((name.to_string(), p.meta.id, vec![what])),
                    }
                }
            }
            for (name, parcel, roles) in people {
                out.push(LinkRow {
                    group: "People".into(),
                    kind: ItemKind::Parcel,
                    id: parcel,
                    label: name,
                    reason: roles.join(", "),
                    via: None,
                });
            }
        }
        _ => {}
    }
    // Each item sharing values with this one once, with every value it
    // shares, strongest first. A note is its own row, as `xref` lists it,
    // saying what it is on (it stood for its item: a lead on the parcel's
    // own case was folded into the case's "In case" row, its reason cut
    // off by the pane, and the pane counted one fewer than `xref`); a note
    // on this item naming its own values is no connection.
    let mut sharing: Vec<(Owner, Vec<Ranked>)> = Vec::new();
    let mut over = Vec::new();
    for s in xref::shared_identifiers(conn, item.id)? {
        let what = format!("{} {}", s.what(), s.shown());
        for o in &s.items {
            let what = s.with(o);
            if note_owner(conn, o.kind, o.id)? == (item.kind, item.id) {
                continue;
            }
            let owner = (o.kind, o.id);
            let i = match sharing.iter().position(|(k, _)| *k == owner) {
                Some(i) => i,
                None => {
                    sharing.push((owner, Vec::new()));
                    sharing.len() - 1
                }
            };
            let reasons = &mut sharing[i].1;
            if !reasons.iter().any(|(_, r)| *r == what) {
                reasons.push((xref::strength(&s.kind), what));
            }
        }
        if s.over_shared() {
            // Said first in the row, as a narrow pane cuts its end.
            over.push(LinkRow {
                group: format!("Same {what}"),
                kind: item.kind,
                id: item.id,
                label: format!("shared by more than {} other items", xref::cap(&s.kind)),
                reason: "over-shared: not followed".into(),
                via: None,
            });
        }
    }
    // Items sharing the most, and the strongest, first.
    for (_, reasons) in &mut sharing {
        reasons.sort_by_key(|(rank, _)| *rank);
    }
    sharing.sort_by_key(|(_, reasons)| (reasons[0].0, std::cmp::Reverse(reasons.len())));
    for ((k, id), reasons) in sharing {
        let n = reasons.len();
        let list: Vec<String> = reasons.into_iter().map(|(_, r)| r).collect();
        let mut said = if n == 1 {
            format!("same {}", list[0])
        } else {
            format!("{n} shared: {}", list.join(", "))
        };
        if k == ItemKind::Note {
            let (on_kind, on) = note_owner(conn, k, id)?;
            said = format!(
                "{said}; on {}",
                records::headed(on_kind, &label(on_kind, on)?)
            );
        }
        // An item listed already (linked, in the case) is listed once,
        // with the values it shares beside its link (it was listed twice,
        // and the pane counted it twice against `xref`).
        if let Some(row) = out.iter_mut().find(|r| r.id == id && r.kind == k) {
            row.reason = format!("{}; {said}", row.reason);
            continue;
        }
        out.push(LinkRow {
            group: "Shares values".into(),
            kind: k,
            id,
            label: label(k, id)?,
            reason: said,
            via: None,
        });
    }
    out.extend(over);
    let notes = related::notes_on(conn, item.id, LISTED)?;
    let more_notes = if notes.len() == LISTED {
        let all = related::notes_on_count(conn, item.id)?;
        (all > LISTED).then(|| LinkRow {
            group: "Notes".into(),
            kind: item.kind,
            id: item.id,
            label: format!("{} more not listed ({LISTED} of {all})", all - LISTED),
            reason: "`interdict timeline` or `interdict list notes` on the command line".into(),
            via: None,
        })
    } else {
        None
    };
    for n in notes {
        let grade = n.grading().map(|g| format!(" [{g}]")).unwrap_or_default();
        out.push(LinkRow {
            group: "Notes".into(),
            kind: ItemKind::Note,
            id: n.meta.id,
            label: format!("{} {}{grade}", n.note_type, n.noted_on),
            reason: n.text.clone(),
            via: Some((ItemKind::Note, n.meta.id)),
        });
    }
    out.extend(more_notes);
    // Each group together, in the order a reader wants them.
    out.sort_by_key(|l| group_rank(&l.group));
    Ok(out)
}

fn group_rank(group: &str) -> u8 {
    match group {
        "In case" => 0,
        "Includes" => 1,
        "Found in its parcels" => 2,
        "People" => 3,
        "Exhibit of" => 2,
        "Sample of" => 3,
        "Findings" => 4,
        "Exhibits" | "Samples" => 4,
        "Found in" => 5,
        "Links" => 6,
        "Shares values" => 7,
        "Notes" => 9,
        _ => 8,
    }
}

/// An item, by kind and id.
type Owner = (ItemKind, Uuid);
/// A reason with its strength (lower is stronger).
type Ranked = (u8, String);

/// The item a note is written on (any other item: itself).
fn note_owner(conn: &Connection, kind: ItemKind, id: Uuid) -> Result<(ItemKind, Uuid)> {
    if kind == ItemKind::Note
        && let Some(n) = records::get::<Note>(conn, id)?
    {
        return Ok((n.item_kind, n.item_id));
    }
    Ok((kind, id))
}

/// Label and value lines of an item's detail.
pub fn detail(conn: &Connection, item: &ItemRef) -> Result<Vec<(String, String)>> {
    fn fields<R: Record>(r: &R) -> Vec<(String, String)> {
        R::FIELDS
            .iter()
            .map(|f| {
                let v = get_field(r, f.name);
                let shown = crate::domain::identifiers::shown_text(&v).into_owned();
                (f.label.to_string(), shown)
            })
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }
    let mut out = match item.kind {
        ItemKind::Case => records::get::<Case>(conn, item.id)?.map(|c| {
            let mut v = vec![("Reference".to_string(), c.reference.clone())];
            v.extend(fields(&c));
            v
        }),
        ItemKind::Parcel => records::get::<Parcel>(conn, item.id)?.map(|p| {
            let mut v = fields(&p);
            v.insert(1, ("Number kind".into(), p.tracking_kind.as_str().into()));
            v
        }),
        ItemKind::Substance => records::get::<Substance>(conn, item.id)?.map(|s| {
            let mut v = fields(&s);
            v.push(("Control".into(), s.control_summary()));
            v
        }),
        ItemKind::Finding => records::get::<Finding>(conn, item.id)?.map(|f| fields(&f)),
        ItemKind::Link => records::get::<Link>(conn, item.id)?.map(|l| fields(&l)),
        ItemKind::Note => records::get::<Note>(conn, item.id)?.map(|n| fields(&n)),
        ItemKind::Person => {
            records::get::<crate::domain::Person>(conn, item.id)?.map(|n| fields(&n))
        }
        ItemKind::Organisation => {
            records::get::<crate::domain::Organisation>(conn, item.id)?.map(|n| fields(&n))
        }
        kind => crate::with_record_type!(kind, R => records::get::<R>(conn, item.id)?.map(|n| fields(&n))),
    }
    .unwrap_or_default();
    // Why screening hit a parcel: each profile's score, then each reason.
    if item.kind == ItemKind::Parcel {
        for h in crate::targeting::stored::hits_on(conn, item.id)? {
            out.push((
                "Hit".into(),
                format!("{} {} (threshold {})", h.profile, h.score, h.threshold),
            ));
            for r in &h.reasons {
                out.push((format!("  {:+}", r.weight), r.evidence.clone()));
            }
        }
    }
    if let Ok(serde_json::Value::Object(m)) = records::json_of(conn, item.kind, item.id) {
        let s = |k: &str| m.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
        // To the minute, in one word so it never wraps apart.
        let at = |k: &str| s(k).chars().take(16).collect::<String>();
        out.push((
            "Created".into(),
            format!("{} by {}", at("created_at"), s("created_by")),
        ));
        out.push((
            "Changed".into(),
            format!("{} by {}", at("updated_at"), s("updated_by")),
        ));
    }
    // A parcel's evidence trail, flags last.
    if item.kind == ItemKind::Parcel {
        let t = crate::evidence::trail(conn, item.id)?;
        for i in &t.inspections {
            out.push(("Inspected".into(), i.label()));
        }
        for e in &t.exhibits {
            let holder = e
                .custody
                .last()
                .map(|c| format!(", with {}", c.to_holder))
                .unwrap_or_default();
            out.push((
                "Exhibit".into(),
                format!(
                    "{}{}{holder}",
                    e.exhibit.label(),
                    e.exhibit
                        .seal
                        .as_deref()
                        .map(|s| format!(", seal {s}"))
                        .unwrap_or_default()
                ),
            ));
        }
        for l in &t.lab_results {
            out.push((
                "Lab".into(),
                format!("{} ({})", l.result.label(), l.substance),
            ));
        }
        for d in &t.deliveries {
            out.push(("Delivery".into(), d.label()));
        }
        for d in &t.documents {
            out.push((
                "Document".into(),
                format!(
                    "{}: {}",
                    d.label(),
                    crate::evidence::files::glance(d, None).describe()
                ),
            ));
        }
        for f in &t.flags {
            out.push(("FLAG".into(), f.clone()));
        }
    }
    // An exhibit's custody chain, in the order recorded, flags last.
    if item.kind == ItemKind::Exhibit
        && let Some(e) = records::get::<crate::domain::evidence::Exhibit>(conn, item.id)?
    {
        let t = crate::evidence::sheet::exhibit_trail(conn, e)?;
        for (i, c) in t.custody.iter().enumerate() {
            let seal = match (&c.seal, c.seal_intact.as_str()) {
                (_, "no") => ", seal broken".to_string(),
                (Some(s), _) => format!(", seal {s}"),
                _ => String::new(),
            };
            out.push((
                format!("Hand-over {}", i + 1),
                format!("{}{seal}", c.label()),
            ));
        }
        if t.custody.is_empty() {
            out.push(("Custody".into(), "no hand-over recorded".into()));
        }
        for f in &t.flags {
            out.push(("FLAG".into(), f.clone()));
        }
    }
    for n in related::notes_on(conn, item.id, 20)? {
        let grade = n.grading().map(|g| format!(" [{g}]")).unwrap_or_default();
        out.push((format!("{} {}{grade}", n.note_type, n.noted_on), n.text));
    }
    Ok(out)
}
