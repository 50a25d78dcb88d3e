//! The custody sheet of an exhibit, printable: what it is, where it came
//! from, every hand-over in order with its seal, and what is flagged.

use super::{ExhibitTrail, custody_log, exhibit_seizure};
use crate::domain::evidence::{Exhibit, custody};
use crate::domain::{ItemKind, text};
use crate::store::{Result, audit, records};
use rusqlite::Connection;
use std::fmt::Write;

/// The exhibit with its log and flags.
pub fn exhibit_trail(conn: &Connection, e: Exhibit) -> Result<ExhibitTrail> {
    let log = custody_log(conn, e.meta.id)?;
    let began = log.iter().map(|c| c.meta.created_at.as_str()).min();
    let edits = match began {
        Some(t) => edits_since(conn, e.meta.id, t, &EXHIBIT_FIELDS)?,
        None => Vec::new(),
    };
    // The seal it was sealed with: the one before any edit made once
    // custody began.
    let sealed = edits
        .iter()
        .find(|c| c.field == "seal")
        .map(|c| c.before.clone())
        .unwrap_or_else(|| e.seal.clone());
    let (seized, entry_flag) = exhibit_seizure(conn, &e, &log)?;
    let mut entry_flags = custody::flags(sealed.as_deref(), seized.as_deref(), &log);
    if let Some(f) = entry_flag {
        entry_flags.insert(0, (0, f));
    }
    let mut flags: Vec<String> = entry_flags
        .iter()
        .map(|(i, f)| format!("hand-over {} ({}): {f}", i + 1, log[*i].handed_at))
        .collect();
    // No log at all is the widest gap (it was "Flags: none (no gap)", and
    // one real hand-over recorded made the sheet flagged).
    if log.is_empty() {
        flags.push(format!(
            "gap: no custody recorded: who has held it since it was {}{} is not recorded (`interdict custody add {} --to HOLDER`)",
            if e.sample_of.is_some() { "taken" } else { "seized" },
            seized
                .as_deref()
                .filter(|_| e.sample_of.is_none())
                .map(|s| format!(" ({s})"))
                .unwrap_or_default(),
            e.number
        ));
    }
    // What the chain stands on in the parcel, changed once it began (a
    // seizure date cleared and the parcel released left a clean sheet).
    // What was there changed or cleared, not a blank filled in, and the
    // status only away from seized (`inspected` to `seized` once the first
    // hand-over is logged is the chain's own course).
    let parcel_edits: Vec<Edit> = match began {
        Some(t) => edits_since(conn, e.parcel_id, t, &PARCEL_FIELDS)?,
        None => Vec::new(),
    }
    .into_iter()
    .filter(|c| match (c.field, c.before.as_deref()) {
        (_, None) => false,
        ("status", Some(before)) => before == "seized",
        _ => true,
    })
    .collect();
    for c in edits.iter().chain(&parcel_edits) {
        let mut f = format!(
            "{} changed from {} to {} after custody began ({} by {})",
            match c.field {
                "number" => "exhibit number",
                "seal" => "seal number",
                "net_g" => "net weight",
                "gross_g" => "gross weight",
                "sample_of" => "the exhibit it was taken from",
                "exhibit_kind" => "kind (item or sample)",
                "tracking" => "the parcel's tracking number",
                "seized_on" => "the parcel's seizure date",
                "status" => "the parcel's status",
                _ => "the parcel's weight",
            },
            c.shown(&c.before),
            c.shown(&c.after),
            c.at,
            c.by
        );
        if c.field == "number" {
            f.push_str(&format!(
                ": sheets printed before name it {}",
                c.shown(&c.before)
            ));
        }
        flags.push(f);
    }
    flags.extend(weight_flags(conn, &e)?);
    Ok(ExhibitTrail {
        exhibit: e,
        custody: log,
        flags,
        entry_flags,
    })
}

/// What an exhibit's weights say against what it came from: heavier than
/// the exhibit it was sampled from, or than its parcel (a twentieth over
/// is weighing, not a slip), the parcel's items together heavier than
/// it, its samples together heavier than it. On its trail, and said as
/// it is added (`exhibit add` said nothing, an edit did).
pub fn weight_flags(conn: &Connection, e: &Exhibit) -> Result<Vec<String>> {
    let mut flags = Vec::new();
    if let (Some(of), Some(n)) = (&e.sample_of, e.net_g)
        && let Some(src) = super::exhibit_numbered(conn, of)?
        && let Some(m) = src.net_g
        && n > m
    {
        flags.push(format!(
            "sample of {n} g is heavier than exhibit {} it was taken from ({m} g)",
            src.number
        ));
    }
    // Not heavier than the parcel it came from (a kg-for-g slip: 4.5 kg
    // from a parcel of 450 g went unflagged, and the report gave the net
    // weight above the gross). A twentieth over is weighing, not a slip.
    if e.sample_of.is_none()
        && let Some(parcel) = records::get::<crate::domain::Parcel>(conn, e.parcel_id)?
        && let Some(w) = parcel.weight_g.filter(|w| *w > 0.0)
        && let Some((what, g)) = [("gross", e.gross_g), ("net", e.net_g)]
            .into_iter()
            .find_map(|(what, g)| g.filter(|g| *g > w * 1.05).map(|g| (what, g)))
    {
        flags.push(format!(
            "{what} weight {g} g is more than the parcel {} weighs ({w} g): a slip of units?",
            parcel.tracking
        ));
    }
    // The parcel's items together weigh no more than the parcel (each
    // was weighed against it alone: two exhibits of 400 g from a parcel
    // of 500 g went unflagged, and the incident report gave a net weight
    // above the gross).
    if e.sample_of.is_none()
        && let Some(parcel) = records::get::<crate::domain::Parcel>(conn, e.parcel_id)?
        && let Some(w) = parcel.weight_g.filter(|w| *w > 0.0)
    {
        let items: Vec<Exhibit> = records::list_where(
            conn,
            "parcel_id = ?1 AND sample_of IS NULL",
            [e.parcel_id],
            usize::MAX,
            0,
        )?;
        // (Each by its gross weight, or its net when that is all it
        // gives, which is no more; samples and the unweighed left out.)
        let weighed: Vec<f64> = items
            .iter()
            .filter(|x| x.exhibit_kind != "sample")
            .filter_map(|x| x.gross_g.or(x.net_g))
            .collect();
        let total: f64 = weighed.iter().sum();
        if weighed.len() > 1 && total > w * 1.05 {
            flags.push(format!(
                "the parcel's {} exhibits weigh {} g together, more than the parcel {} ({w} g)",
                weighed.len(),
                (total * 1000.0).round() / 1000.0,
                parcel.tracking
            ));
        }
    }
    flags.extend(samples_flag(conn, e)?);
    Ok(flags)
}

/// Whether an exhibit's samples together weigh more than it did (said of
/// the exhibit, on its trail, and by `exhibit add` of the sample that
/// tips it over).
pub fn samples_flag(conn: &Connection, e: &Exhibit) -> Result<Option<String>> {
    let Some(m) = e.net_g else {
        return Ok(None);
    };
    let samples: Vec<Exhibit> = records::list_where(
        conn,
        "parcel_id = ?1 AND sample_of = ?2 COLLATE NOCASE",
        (e.parcel_id, e.number.as_str()),
        usize::MAX,
        0,
    )?;
    let total: f64 = samples.iter().filter_map(|s| s.net_g).sum();
    Ok((samples.len() > 1 && total > m).then(|| {
        format!(
            "its {} samples weigh {} g together, more than its own {m} g",
            samples.len(),
            (total * 1000.0).round() / 1000.0
        )
    }))
}

/// The fields of an exhibit whose change once custody began is flagged:
/// what the sheet names it by, seals it with, weighs, and where a sample
/// came from (a sample re-pointed to another exhibit, or an item made a
/// sample, said only "updated" until 2026-12-07).
const EXHIBIT_FIELDS: [&str; 6] = [
    "number",
    "seal",
    "net_g",
    "gross_g",
    "sample_of",
    "exhibit_kind",
];

/// The fields of the parcel an exhibit came from whose change once the
/// exhibit's custody began is flagged on its sheet (since 2026-12-07).
const PARCEL_FIELDS: [&str; 4] = ["tracking", "seized_on", "status", "weight_g"];

/// A change to a field of an exhibit (or of its parcel) made after its
/// custody began, as this notebook's audit log records it.
struct Edit {
    field: &'static str,
    before: Option<String>,
    after: Option<String>,
    at: String,
    by: String,
}

impl Edit {
    fn shown(&self, v: &Option<String>) -> String {
        match (v, self.field) {
            (None, _) => "none".into(),
            (Some(g), "net_g" | "gross_g" | "weight_g") => format!("{g} g"),
            (Some(v), _) => v.clone(),
        }
    }
}

/// The changes to `fields` of the item `id` made after `began`.
fn edits_since(
    conn: &Connection,
    id: uuid::Uuid,
    began: &str,
    fields: &[&'static str],
) -> Result<Vec<Edit>> {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.as_f64().map_or(n.to_string(), |g| format!("{g}"))),
        v => Some(v.to_string()),
    };
    let mut out: Vec<Edit> = Vec::new();
    // Whoever made the change, when: a change a merge brought is named by
    // the log it came with (who edited it there, and when), not by the
    // merge that wrote it here; the merge's entry names it only when no
    // log came with it (an export without history).
    let mut merged: Vec<Edit> = Vec::new();
    for a in audit::full_history(conn, id)? {
        if a.at.as_str() <= began || a.state.is_none() {
            continue;
        }
        let by_merge =
            a.from_db.is_none() && (a.action == "merge" || a.action == audit::MERGED_FIELDS);
        let Some(Ok(map)) = a
            .detail
            .as_deref()
            .map(serde_json::from_str::<serde_json::Map<String, serde_json::Value>>)
        else {
            continue;
        };
        for &field in fields {
            // (A settlement names a field it kept as it was: no edit.)
            if let Some(serde_json::Value::Array(pair)) = map.get(field)
                && pair.len() == 2
                && pair[0] != pair[1]
            {
                let edit = Edit {
                    field,
                    before: text(&pair[0]),
                    after: text(&pair[1]),
                    at: a.at.clone(),
                    by: a.actor.clone(),
                };
                if by_merge {
                    merged.push(edit);
                } else {
                    out.push(edit);
                }
            }
        }
    }
    for m in merged {
        if !out
            .iter()
            .any(|o| o.field == m.field && o.before == m.before && o.after == m.after)
        {
            out.push(m);
        }
    }
    out.sort_by(|a, b| a.at.cmp(&b.at));
    Ok(out)
}

fn one_line(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The sheet as text, lines at most 100 columns wide.
pub fn render(conn: &Connection, t: &ExhibitTrail) -> Result<String> {
    let e = &t.exhibit;
    let mut s = String::new();
    let parcel = records::label_of(conn, ItemKind::Parcel, e.parcel_id)?;
    let _ = writeln!(s, "CHAIN OF CUSTODY: exhibit {}", e.number);
    let _ = writeln!(s, "Parcel:       {parcel}");
    let _ = writeln!(
        s,
        "Kind:         {}{}",
        e.exhibit_kind,
        e.sample_of
            .as_deref()
            .map(|o| format!(" taken from exhibit {o}"))
            .unwrap_or_default()
    );
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let _ = writeln!(s, "Seal:         {}", opt(&e.seal));
    let _ = writeln!(s, "Description:  {}", one_line(&opt(&e.description)));
    let w = |g: Option<f64>| g.map(|g| format!("{g} g")).unwrap_or_else(|| "-".into());
    let _ = writeln!(
        s,
        "Weight:       gross {}, net {}",
        w(e.gross_g),
        w(e.net_g)
    );
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "{:<3} {:<16} {:<18} {:<18} {:<11} {:<6} Seal no. / where",
        "#", "When", "From", "To", "Purpose", "Seal"
    );
    for (i, c) in t.custody.iter().enumerate() {
        // (Cut and padded by display width: a CJK name pushed the columns
        // after it one place right.)
        let cut = |v: &str, n: usize| text::column(&one_line(v), n);
        let _ = writeln!(
            s,
            "{:<3} {} {} {} {:<11} {:<6} {}",
            i + 1,
            cut(&c.handed_at, 16),
            cut(c.from_holder.as_deref().unwrap_or("?"), 18),
            cut(&c.to_holder, 18),
            c.purpose,
            if c.seal_intact == "yes" {
                "ok"
            } else {
                "BROKEN"
            },
            [c.seal.as_deref(), c.place.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ")
        );
        // What the columns cut (a holder's whole name: two laboratories
        // of one name's first 18 letters read as one holder), and the
        // remarks of the hand-over, on lines of their own under it.
        let mut under = Vec::new();
        for (what, v) in [
            ("from", c.from_holder.as_deref()),
            ("to", Some(c.to_holder.as_str())),
        ] {
            if let Some(v) = v
                && text::column(&one_line(v), 18).trim_end() != one_line(v)
            {
                under.push(format!("{what}: {}", one_line(v)));
            }
        }
        if let Some(n) = c.note.as_deref().filter(|n| !n.trim().is_empty()) {
            under.push(format!("note: {}", one_line(n)));
        }
        for u in under {
            for line in text::wrap(&u, 100 - 4) {
                let _ = writeln!(s, "    {line}");
            }
        }
    }
    if t.custody.is_empty() {
        let _ = writeln!(s, "(no hand-over recorded)");
    }
    let _ = writeln!(s);
    if t.flags.is_empty() {
        let _ = writeln!(s, "Flags: none (no gap, every seal intact)");
    } else {
        let _ = writeln!(s, "FLAGS:");
        for f in &t.flags {
            let _ = writeln!(s, "  ! {f}");
        }
    }
    Ok(s)
}
