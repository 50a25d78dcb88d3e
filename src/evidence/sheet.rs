//! The custody sheet of an exhibit, printable: what it is, where it came
//! from, every hand-over in order with its seal, and what is flagged.

use super::{ExhibitTrail, custody_log};
use crate::domain::evidence::{Exhibit, custody};
use crate::domain::{ItemKind, text};
use crate::store::{Result, records};
use rusqlite::Connection;
use std::fmt::Write;

/// The exhibit with its log and flags.
pub fn exhibit_trail(conn: &Connection, e: Exhibit) -> Result<ExhibitTrail> {
    let log = custody_log(conn, e.meta.id)?;
    let flags = custody::flags(e.seal.as_deref(), &log)
        .into_iter()
        .map(|(i, f)| format!("hand-over {} ({}): {f}", i + 1, log[i].handed_at))
        .collect();
    Ok(ExhibitTrail {
        exhibit: e,
        custody: log,
        flags,
    })
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
        "{:<3} {:<16} {:<18} {:<18} {:<11} {:<5} Seal no. / where",
        "#", "When", "From", "To", "Purpose", "Seal"
    );
    for (i, c) in t.custody.iter().enumerate() {
        let cut = |v: &str, n: usize| text::truncate(&one_line(v), n).into_owned();
        let _ = writeln!(
            s,
            "{:<3} {:<16} {:<18} {:<18} {:<11} {:<5} {}",
            i + 1,
            cut(&c.handed_at, 16),
            cut(c.from_holder.as_deref().unwrap_or("?"), 18),
            cut(&c.to_holder, 18),
            c.purpose,
            if c.seal_intact == "yes" {
                "ok"
            } else {
                "BROKE"
            },
            [c.seal.as_deref(), c.place.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ")
        );
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
