//! Profiles and watchlist entries between notebooks: what an export
//! carries of them, and what a merge does with what it receives. Nothing
//! received changes what a post screens with behind its back: a profile
//! arrives switched off (its name is said, and `profile on` turns it on),
//! a profile of the same name stays as it is here (the difference is
//! said), and a watched value keeps its entry here. Every addition is
//! audited as a merge.

use crate::store::{Result, Writer, audit};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;

/// Copies into the export database `dst` every profile, and the
/// watchlist entries that are not TLP:RED and belong to no case or to one
/// of `cases` (those exported). Returns (profiles, entries).
pub fn export(src: &Connection, dst: &Connection, cases: &HashSet<Uuid>) -> Result<(usize, usize)> {
    let mut profiles = 0;
    {
        let mut read = src.prepare(
            "SELECT id, name, body, active, updated_at, updated_by FROM profiles ORDER BY name",
        )?;
        let mut rows = read.query([])?;
        while let Some(r) = rows.next()? {
            dst.execute(
                "INSERT INTO profiles (id, name, body, active, updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![
                    r.get::<_, Uuid>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, bool>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?
                ],
            )?;
            profiles += 1;
        }
    }
    let mut entries = 0;
    let mut read = src.prepare(
        "SELECT id, kind, value, raw, reason, added_by, added_at, expires_on, tlp, case_id
         FROM watchlist WHERE tlp <> 'RED' ORDER BY added_at, id",
    )?;
    let mut rows = read.query([])?;
    while let Some(r) = rows.next()? {
        let case: Option<Uuid> = r.get(9)?;
        if case.is_some_and(|c| !cases.contains(&c)) {
            continue;
        }
        dst.execute(
            "INSERT INTO watchlist (id, kind, value, raw, reason, added_by, added_at, expires_on, tlp, case_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            rusqlite::params![
                r.get::<_, Uuid>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, String>(8)?,
                case
            ],
        )?;
        entries += 1;
    }
    Ok((profiles, entries))
}

/// What a merge did with the profiles and watchlist entries it received.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Received {
    /// Profiles new here, added switched off.
    #[serde(default)]
    pub profiles_added: Vec<String>,
    /// Profiles whose name is taken here by a different text: kept as here.
    #[serde(default)]
    pub profiles_differ: Vec<String>,
    /// Watchlist entries added (their values were not watched here).
    #[serde(default)]
    pub watched_added: usize,
}

impl Received {
    pub fn changed(&self) -> bool {
        !self.profiles_added.is_empty() || self.watched_added > 0
    }
}

/// Merges the profiles and watchlist entries of the received file `src`
/// into the notebook `w` writes (as of `today`: expired entries are left).
pub fn merge(w: &mut Writer<'_>, src: &Connection, today: &str) -> Result<Received> {
    let mut out = Received::default();
    let profiles: Vec<(Uuid, String, String)> = src
        .prepare("SELECT id, name, body FROM profiles ORDER BY name")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, name, body) in profiles {
        // Refused here as it would be typed: a text that does not read.
        if super::profile::parse(&body).is_err() {
            continue;
        }
        let here: Option<String> =
            w.tx.query_row("SELECT body FROM profiles WHERE name = ?1", [&name], |r| {
                r.get(0)
            })
            .optional()?;
        match here {
            Some(b) if b == body => {}
            Some(_) => out.profiles_differ.push(name),
            None => {
                let taken: bool = w.tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM profiles WHERE id = ?1)",
                    [id],
                    |r| r.get(0),
                )?;
                let id = if taken { Uuid::now_v7() } else { id };
                w.tx.execute(
                    "INSERT INTO profiles (id, name, body, active, updated_at, updated_by)
                     VALUES (?1, ?2, ?3, 0, ?4, ?5)",
                    rusqlite::params![id, name, body, w.now, w.actor],
                )?;
                let after =
                    serde_json::json!({"name": name, "body": body, "active": false}).to_string();
                audit::append(w, "merge", "profile", id, None, Some(&after))?;
                out.profiles_added.push(name);
            }
        }
    }
    let mut read = src.prepare(
        "SELECT id, kind, value, raw, reason, added_by, added_at, expires_on, tlp, case_id
         FROM watchlist WHERE expires_on IS NULL OR expires_on >= ?1 ORDER BY added_at, id",
    )?;
    let mut rows = read.query([today])?;
    while let Some(r) = rows.next()? {
        let (id, kind, value): (Uuid, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        // Checked as typed: a kind a watchlist holds, its value as the
        // index would hold it.
        let Ok(k) = super::watchlist::kind_named(&kind) else {
            continue;
        };
        let raw: String = r.get(3)?;
        let (reason, tlp, expires): (String, String, Option<String>) =
            (r.get(4)?, r.get(8)?, r.get(7)?);
        let valid = match k {
            // (Read in a country the file does not say: its form is checked.)
            crate::domain::identifiers::IdentKind::Phone => {
                value.strip_prefix('+').is_some_and(|d| {
                    (6..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit())
                })
            }
            _ => super::watchlist::normalise(k, &raw, None).ok().as_deref() == Some(value.as_str()),
        } && !reason.trim().is_empty()
            && reason.chars().count() <= crate::domain::fields::MAX_TEXT
            && raw.chars().count() <= crate::domain::fields::MAX_TEXT
            && !reason.contains(['\n', '\r'])
            && crate::domain::fields::TLP.contains(&tlp.as_str())
            && expires
                .as_deref()
                .is_none_or(|d| crate::domain::fields::parse_date(d).is_ok());
        if !valid {
            continue;
        }
        let watched: bool = w.tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM watchlist WHERE (kind = ?1 AND value = ?2) OR id = ?3)",
            (&kind, &value, id),
            |r| r.get(0),
        )?;
        if watched {
            continue;
        }
        let case: Option<Uuid> = r.get(9)?;
        let case = match case {
            Some(c) => {
                w.tx.query_row("SELECT id FROM cases WHERE id = ?1", [c], |r| {
                    r.get::<_, Uuid>(0)
                })
                .optional()?
            }
            None => None,
        };
        w.tx.execute(
            "INSERT INTO watchlist (id, kind, value, raw, reason, added_by, added_at, expires_on, tlp, case_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            rusqlite::params![
                id,
                kind,
                value,
                raw,
                reason,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                expires,
                tlp,
                case
            ],
        )?;
        let entry = super::watchlist::get(&w.tx, id)?;
        let json = serde_json::to_string(&entry).unwrap_or_default();
        audit::append(w, "merge", "watchlist", id, None, Some(&json))?;
        out.watched_added += 1;
    }
    if out.changed() {
        super::watchlist::changed(w)?;
    }
    Ok(out)
}
