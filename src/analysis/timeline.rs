//! A case's timeline: everything that happened in it in date order, each
//! event leading to the item it is about. Parcels seized, what was found
//! in them, notes and leads, links made, parcels added to the case, the
//! case opened and closed, and the merges and imports its records came
//! through, and the evidence trail: inspections, custody hand-overs,
//! laboratory results and how controlled deliveries ended. (Posting dates
//! are not recorded, so they have no events.)

use super::Result;
use crate::domain::{Case, Finding, ItemKind};
use crate::store::records::{self, get};
use crate::store::refs::ItemRef;
use crate::store::related;
use rusqlite::Connection;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The time as recorded (a date, or a date and time): events of one
    /// day and kind run in its order.
    pub at: String,
    /// `opened`, `closed`, `added`, `inspected`, `seized`, `delivered`,
    /// `finding`, `custody`, `lab`, `outcome`, `note`, `lead`, `link`,
    /// `merge`, `import`.
    pub what: &'static str,
    pub text: String,
    /// The item the event is about (Enter leads there).
    pub item: Option<ItemRef>,
    /// When a note was written, for notes of one day whose time is a day:
    /// they run in the order written (they ran in the order of their
    /// texts, a day's story backwards as often as not).
    #[serde(skip)]
    pub written: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeline {
    pub case: ItemRef,
    pub title: String,
    /// Oldest first; within a day, in the order the case's story runs.
    pub events: Vec<Event>,
}

fn order(what: &str) -> u8 {
    match what {
        "posted" => 0,
        "opened" => 0,
        "added" => 1,
        "inspected" => 2,
        // (After the inspection that found it, whose time is known when
        // the seizure's is a day.)
        "seized" | "delivered" => 3,
        "finding" | "custody" | "lab" | "outcome" => 4,
        "link" => 5,
        "note" | "lead" => 6,
        "merge" | "import" => 7,
        _ => 8,
    }
}

fn day(s: &str) -> String {
    s.chars().take(10).collect()
}

/// A note's text on one line, as a table or the interface shows an
/// event: its lines joined with " / " (the first line alone was shown,
/// and a lead's phone or seller on the next lines was lost without a
/// mark). An event's text keeps a note's as written (JSON, CSV).
pub fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" / ")
}

fn item(kind: ItemKind, id: Uuid, label: impl Into<String>) -> Option<ItemRef> {
    Some(ItemRef {
        kind,
        id,
        label: label.into(),
    })
}

/// The timeline of the case `case`.
pub fn timeline(conn: &Connection, case: Uuid) -> Result<Timeline> {
    let Some(c) = get::<Case>(conn, case)? else {
        return Err(super::Error::input("case", format!("no case {case}")));
    };
    let me = ItemRef {
        kind: ItemKind::Case,
        id: case,
        label: c.reference.clone(),
    };
    let mut ev: Vec<Event> = Vec::new();
    let mut push = |date: &str, what: &'static str, text: String, item: Option<ItemRef>| {
        if !date.is_empty() {
            ev.push(Event {
                date: day(date),
                at: date.to_string(),
                what,
                text,
                item,
                written: String::new(),
            });
        }
    };
    push(
        c.opened_on.as_deref().unwrap_or(&c.meta.created_at),
        "opened",
        format!("{} opened: {}", c.reference, c.title),
        Some(me.clone()),
    );
    if let Some(d) = &c.closed_on {
        push(
            d,
            "closed",
            format!("{} closed ({})", c.reference, c.status),
            Some(me.clone()),
        );
    }
    // Which records are the case's, for provenance below.
    let mut ids: Vec<Uuid> = vec![case];
    let mut labels: HashMap<Uuid, String> = HashMap::new();
    let parcels = related::parcels_in_case(conn, case, usize::MAX, 0)?;
    let in_case: HashSet<Uuid> = parcels.iter().map(|p| p.meta.id).collect();
    // Notes on the parcels and on the case: (note, the parcel it is on,
    // the item its event leads to).
    let mut notes = Vec::new();
    for p in &parcels {
        let pid = p.meta.id;
        ids.push(pid);
        labels.insert(pid, p.tracking.clone());
        let at = item(ItemKind::Parcel, pid, p.tracking.clone());
        // Its posting, when recorded: where the parcel's story begins.
        if let Some(d) = &p.posted_on {
            let from = p
                .posted_from
                .as_deref()
                .or(p.origin.as_deref())
                .map(|f| format!(" from {f}"))
                .unwrap_or_default();
            push(
                d,
                "posted",
                format!("{} posted{from}", p.tracking),
                at.clone(),
            );
        }
        if let Some(d) = &p.seized_on {
            let (what, verb) = if p.status == "controlled-delivery" {
                ("delivered", "found and delivered under watch")
            } else {
                ("seized", "seized")
            };
            let place = p
                .seized_place
                .as_deref()
                .map(|s| format!(" at {s}"))
                .unwrap_or_default();
            let route = format!(
                "{}>{}",
                p.origin.as_deref().unwrap_or("?"),
                p.destination.as_deref().unwrap_or("?")
            );
            push(
                d,
                what,
                format!("{} {verb}{place} ({route})", p.tracking),
                at.clone(),
            );
        }
        for f in related::findings_in_parcel(conn, pid)? {
            ids.push(f.meta.id);
            let date = p
                .seized_on
                .clone()
                .unwrap_or_else(|| f.meta.created_at.clone());
            push(
                &date,
                "finding",
                finding_text(conn, &p.tracking, &f)?,
                at.clone(),
            );
        }
        evidence_events(conn, &p.tracking, pid, &at, &mut ids, &mut push)?;
        notes.extend(
            related::notes_on(conn, pid, 1000)?
                .into_iter()
                .map(|n| (n, Some(p.tracking.clone()), at.clone())),
        );
    }
    notes.extend(
        related::notes_on(conn, case, 10_000)?
            .into_iter()
            .map(|n| (n, None, Some(me.clone()))),
    );
    // The notes and leads on the case's people and organisations (the
    // case's export carries them; its story left them out).
    for kind in [ItemKind::Person, ItemKind::Organisation] {
        for id in related::ids_in_case(conn, kind, case)? {
            let name = records::label_of(conn, kind, id)?;
            let at = item(kind, id, name.clone());
            notes.extend(
                related::notes_on(conn, id, 1000)?
                    .into_iter()
                    .map(|n| (n, Some(name.clone()), at.clone())),
            );
        }
    }
    // (Made here, not pushed: each keeps when it was written.)
    let mut note_events = Vec::new();
    for (n, on, item) in notes {
        ids.push(n.meta.id);
        let what = if n.note_type == "lead" {
            "lead"
        } else {
            "note"
        };
        let text = match on {
            Some(tracking) => format!("{tracking}: {}", n.text),
            None => n.text.clone(),
        };
        if !n.noted_on.is_empty() {
            note_events.push(Event {
                date: day(&n.noted_on),
                at: n.noted_on.clone(),
                what,
                text,
                item,
                written: n.meta.created_at.clone(),
            });
        }
    }
    // Links from or to the case and its parcels, each once.
    let mut seen_links = HashSet::new();
    let ends: Vec<Uuid> = std::iter::once(case)
        .chain(in_case.iter().copied())
        .collect();
    for end in ends {
        for l in related::links_of(conn, end, 10_000)? {
            if !seen_links.insert(l.meta.id) {
                continue;
            }
            ids.push(l.meta.id);
            if l.link_type == "includes" && l.from_id == case {
                let label = labels.get(&l.to_id).cloned().unwrap_or_else(|| {
                    records::label_of(conn, l.to_kind, l.to_id).unwrap_or_default()
                });
                push(
                    &l.meta.created_at,
                    "added",
                    format!("{} {label} added to {}", l.to_kind, c.reference),
                    item(l.to_kind, l.to_id, label),
                );
                continue;
            }
            let other = |k: ItemKind, id: Uuid| {
                labels
                    .get(&id)
                    .cloned()
                    .or_else(|| (id == case).then(|| c.reference.clone()))
                    .unwrap_or_else(|| records::label_of(conn, k, id).unwrap_or_default())
            };
            let (from, to) = (other(l.from_kind, l.from_id), other(l.to_kind, l.to_id));
            let why = l
                .note
                .as_deref()
                .map(|n| format!(" ({})", one_line(n)))
                .unwrap_or_default();
            // The end outside the case is where following leads.
            let (fk, fid, flabel) = if l.from_id == end {
                (l.to_kind, l.to_id, to.clone())
            } else {
                (l.from_kind, l.from_id, from.clone())
            };
            push(
                &l.meta.created_at,
                "link",
                format!("{from} {} {to}{why}", l.link_type),
                item(fk, fid, flabel),
            );
        }
    }
    // Merges and imports the case's records came through, one event each.
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, s.kind, s.at, s.file_name, coalesce(s.exporter, '') \
         FROM provenance p JOIN sources s ON s.id = p.source_id WHERE p.item_id = ?1",
    )?;
    let mut sources: HashMap<Uuid, (String, String, String, String, u64)> = HashMap::new();
    for id in &ids {
        let rows = stmt.query_map([id], |r| {
            Ok((
                r.get::<_, Uuid>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        for row in rows {
            let (sid, kind, at, file, exporter) = row?;
            sources
                .entry(sid)
                .or_insert((kind, at, file, exporter, 0))
                .4 += 1;
        }
    }
    for (kind, at, file, exporter, n) in sources.into_values() {
        let (what, verb) = if kind == "import" {
            ("import", "imported from")
        } else {
            ("merge", "merged from")
        };
        let by = if exporter.is_empty() {
            String::new()
        } else {
            format!(", exported by {exporter}")
        };
        push(
            &at,
            what,
            format!("{n} record(s) {verb} {file}{by}"),
            Some(me.clone()),
        );
    }
    ev.extend(note_events);
    ev.sort_by(|a, b| {
        a.date
            .cmp(&b.date)
            .then(order(a.what).cmp(&order(b.what)))
            .then_with(|| a.at.cmp(&b.at))
            .then_with(|| a.written.cmp(&b.written))
            .then_with(|| a.text.cmp(&b.text))
    });
    Ok(Timeline {
        case: me,
        title: c.title,
        events: ev,
    })
}

fn finding_text(conn: &Connection, tracking: &str, f: &Finding) -> Result<String> {
    let name = records::label_of(conn, ItemKind::Substance, f.substance_id)?;
    let test = f
        .test_ref
        .as_deref()
        .map(|t| format!(", {t}"))
        .unwrap_or_default();
    Ok(format!(
        "{tracking}: {} of {name} ({}{test})",
        f.amount(),
        f.identification
    ))
}

/// The evidence trail of one parcel as events: inspections, custody
/// hand-overs, laboratory results and controlled-delivery outcomes.
fn evidence_events(
    conn: &Connection,
    tracking: &str,
    parcel: Uuid,
    at: &Option<ItemRef>,
    ids: &mut Vec<Uuid>,
    push: &mut impl FnMut(&str, &'static str, String, Option<ItemRef>),
) -> Result<()> {
    use crate::domain::Record;
    use crate::domain::evidence::{Custody, Delivery, Exhibit, Inspection, LabResult};
    for i in records::list_where::<Inspection, _>(conn, "parcel_id = ?1", [parcel], usize::MAX, 0)?
    {
        ids.push(i.meta.id);
        let mut text = format!("{tracking} inspected ({})", i.selection);
        if let Some(p) = &i.place {
            text.push_str(&format!(" at {p}"));
        }
        if let Some(o) = &i.officer {
            text.push_str(&format!(" by {o}"));
        }
        if let Some(r) = &i.test_result {
            text.push_str(&format!(", field test {r}"));
        }
        push(&i.inspected_on, "inspected", text, at.clone());
    }
    for e in records::list_where::<Exhibit, _>(conn, "parcel_id = ?1", [parcel], usize::MAX, 0)? {
        ids.push(e.meta.id);
        for c in
            records::list_where::<Custody, _>(conn, "exhibit_id = ?1", [e.meta.id], usize::MAX, 0)?
        {
            ids.push(c.meta.id);
            let seal = if c.seal_intact == "no" {
                ", SEAL BROKEN"
            } else {
                ""
            };
            push(
                &c.handed_at,
                "custody",
                format!(
                    "{tracking}: exhibit {} {} -> {} ({}){seal}",
                    e.number,
                    c.from_holder.as_deref().unwrap_or("?"),
                    c.to_holder,
                    c.purpose
                ),
                at.clone(),
            );
        }
    }
    for f in related::findings_in_parcel(conn, parcel)? {
        for r in records::list_where::<LabResult, _>(
            conn,
            "finding_id = ?1",
            [f.meta.id],
            usize::MAX,
            0,
        )? {
            ids.push(r.meta.id);
            let purity = r
                .purity
                .map(|p| format!(", purity {p} %"))
                .unwrap_or_default();
            let flag = if r.contradicts() {
                " (contradicts the presumptive test)"
            } else {
                ""
            };
            push(
                r.analysed_on.as_deref().unwrap_or(&r.meta.created_at),
                "lab",
                format!("{tracking}: {}{purity}{flag}", r.label()),
                at.clone(),
            );
        }
    }
    for d in records::list_where::<Delivery, _>(conn, "parcel_id = ?1", [parcel], usize::MAX, 0)? {
        ids.push(d.meta.id);
        push(
            d.delivered_on.as_deref().unwrap_or(&d.meta.created_at),
            "outcome",
            format!("{tracking}: {}", d.label()),
            at.clone(),
        );
    }
    Ok(())
}
