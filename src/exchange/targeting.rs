//! Risk profiles and watchlist entries between notebooks: what a database
//! export carries of them, and what a merge does with what it receives.
//!
//! They are the post's own targeting rules, not part of a case:
//! - a profile leaves only when the export asks for the post's targeting
//!   ([`super::export::ExportOptions::with_profiles`]: with `--all`), and
//!   so does a watchlist entry of no case; an entry of an exported case
//!   goes with it. Entries follow the handling rules records do: TLP:RED
//!   ones and those of a withheld case stay behind and are counted with
//!   what was withheld, TLP:AMBER+STRICT ones go only with
//!   `--amber-strict`, and are then named in the manifest.
//! - nothing received changes what the receiving post screens with: a
//!   profile arrives switched off (`profile on NAME` turns it on), a
//!   profile of a name taken here stays as it is here (the difference is
//!   said), and a watchlist entry is not put on the watchlist at all: it
//!   is listed as received, with the `watch add` command that takes it
//!   (the watchlist has no switched-off state; merging the file again
//!   lists those still not taken). Every profile added is audited as a
//!   merge.

use super::handling::Release;
use crate::store::{Result, Writer, audit};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;

/// What an export carried of the post's targeting, and what it held back.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Carried {
    pub profiles: usize,
    pub watched: usize,
    /// Watchlist entries held back by the handling rules (TLP:RED ones,
    /// TLP:AMBER+STRICT ones without `--amber-strict`, those of a withheld
    /// case).
    pub withheld: usize,
    /// The TLP:AMBER+STRICT entries that went, as named in the manifest.
    pub amber_strict: Vec<String>,
}

/// How an entry is named where it is listed (a manifest, a report).
fn entry_label(kind: &str, value: &str) -> String {
    format!("watchlist {kind} {value}")
}

/// Copies into the export database `dst` the post's profiles (only
/// `with_profiles`), and the watchlist entries of the exported `cases`
/// (and, `with_profiles`, those of no case) that the handling rules `rel`
/// let go; an entry of a case in `withheld` is withheld with it.
pub fn export(
    src: &Connection,
    dst: &Connection,
    cases: &HashSet<Uuid>,
    withheld: &HashSet<Uuid>,
    rel: &Release,
    with_profiles: bool,
) -> Result<Carried> {
    let mut out = Carried::default();
    if with_profiles {
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
            out.profiles += 1;
        }
    }
    let mut read = src.prepare(
        "SELECT id, kind, value, raw, reason, added_by, added_at, expires_on, tlp, case_id
         FROM watchlist ORDER BY added_at, id",
    )?;
    let mut rows = read.query([])?;
    while let Some(r) = rows.next()? {
        let case: Option<Uuid> = r.get(9)?;
        let (kind, value, tlp): (String, String, String) = (r.get(1)?, r.get(2)?, r.get(8)?);
        let chosen = match case {
            Some(c) if withheld.contains(&c) => {
                out.withheld += 1;
                continue;
            }
            Some(c) => cases.contains(&c),
            None => with_profiles,
        };
        if !chosen {
            continue;
        }
        // (An entry is never named to go: `--include-red` names records.)
        match tlp.as_str() {
            "RED" => {
                out.withheld += 1;
                continue;
            }
            "AMBER+STRICT" if !rel.amber_strict => {
                out.withheld += 1;
                continue;
            }
            "AMBER+STRICT" => out.amber_strict.push(entry_label(&kind, &value)),
            _ => {}
        }
        dst.execute(
            "INSERT INTO watchlist (id, kind, value, raw, reason, added_by, added_at, expires_on, tlp, case_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            rusqlite::params![
                r.get::<_, Uuid>(0)?,
                kind,
                value,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, Option<String>>(7)?,
                tlp,
                case
            ],
        )?;
        out.watched += 1;
    }
    Ok(out)
}

/// A watchlist entry a merge received and did not put on the watchlist:
/// what it is, and the command that watches it here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReceivedEntry {
    pub kind: String,
    pub value: String,
    pub reason: String,
    pub tlp: String,
    /// The case it belongs to, by its reference here (when the case is
    /// in this notebook).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<String>,
    /// Who watched it at the post that sent it.
    pub added_by: String,
    /// The command that puts it on this notebook's watchlist.
    pub accept: String,
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
    /// Profiles whose text does not read as a profile: left out.
    #[serde(default)]
    pub profiles_unreadable: Vec<String>,
    /// Watchlist entries whose values are not watched here: received, not
    /// watched (each with the command that watches it).
    #[serde(default)]
    pub watch_received: Vec<ReceivedEntry>,
    /// Watchlist entries whose values are watched here already.
    #[serde(default)]
    pub watch_already: usize,
    /// Watchlist entries left out: expired, or not as `watch add` would
    /// have written them (each named, with why).
    #[serde(default)]
    pub watch_left_out: Vec<String>,
}

impl Received {
    /// Whether the merge wrote anything of them (profiles added).
    pub fn changed(&self) -> bool {
        !self.profiles_added.is_empty()
    }
}

/// `s` quoted for a shell when it needs to be.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@+:/".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Why a received entry (as the file holds it) is not one `watch add`
/// would have written, if it is not.
fn not_as_typed(
    kind: &str,
    value: &str,
    raw: &str,
    reason: &str,
    tlp: &str,
    expires: Option<&str>,
) -> Option<String> {
    use crate::domain::fields::{MAX_TEXT, TLP, parse_date};
    let Ok(k) = crate::targeting::watchlist::kind_named(kind) else {
        return Some(format!("{kind:?} is not a kind a watchlist holds"));
    };
    let value_ok = match k {
        // (Read in a country the file does not say: its form is checked.)
        crate::domain::identifiers::IdentKind::Phone => value
            .strip_prefix('+')
            .is_some_and(|d| (6..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit())),
        _ => {
            crate::targeting::watchlist::normalise(k, raw, None)
                .ok()
                .as_deref()
                == Some(value)
        }
    };
    if !value_ok {
        return Some("its value is not as the watchlist would hold it".into());
    }
    if reason.trim().is_empty()
        || reason.chars().count() > MAX_TEXT
        || reason.contains(['\n', '\r'])
    {
        return Some("its reason is empty or not one line".into());
    }
    if raw.chars().count() > MAX_TEXT {
        return Some("its value is too long".into());
    }
    if !TLP.contains(&tlp) {
        return Some(format!("{tlp:?} is not a TLP label"));
    }
    if expires.is_some_and(|d| parse_date(d).is_err()) {
        return Some("its expiry is not a date".into());
    }
    None
}

/// Merges the profiles of the received file `src` into the notebook `w`
/// writes (switched off), and lists its watchlist entries (as of
/// `today`: expired ones are left out) without watching them.
pub fn merge(w: &mut Writer<'_>, src: &Connection, today: &str) -> Result<Received> {
    let mut out = Received::default();
    let profiles: Vec<(Uuid, String, String)> = src
        .prepare("SELECT id, name, body FROM profiles ORDER BY name")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, name, body) in profiles {
        let shown = crate::domain::text::sanitize(&name).into_owned();
        // Refused here as it would be typed: a text that does not read.
        if crate::targeting::profile::parse(&body).is_err() {
            out.profiles_unreadable.push(shown);
            continue;
        }
        let here: Option<String> =
            w.tx.query_row("SELECT body FROM profiles WHERE name = ?1", [&name], |r| {
                r.get(0)
            })
            .optional()?;
        match here {
            Some(b) if b == body => {}
            Some(_) => out.profiles_differ.push(shown),
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
                out.profiles_added.push(shown);
            }
        }
    }
    let mut read = src.prepare(
        "SELECT kind, value, raw, reason, added_by, expires_on, tlp, case_id
         FROM watchlist ORDER BY added_at, id",
    )?;
    let mut rows = read.query([])?;
    while let Some(r) = rows.next()? {
        let (kind, value, raw, reason): (String, String, String, String) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        let (added_by, expires, tlp): (String, Option<String>, String) =
            (r.get(4)?, r.get(5)?, r.get(6)?);
        let shown = crate::domain::text::sanitize(&entry_label(&kind, &value)).into_owned();
        if let Some(why) = not_as_typed(&kind, &value, &raw, &reason, &tlp, expires.as_deref()) {
            out.watch_left_out.push(format!("{shown}: {why}"));
            continue;
        }
        if let Some(d) = expires.as_deref().filter(|d| *d < today) {
            out.watch_left_out.push(format!("{shown}: expired on {d}"));
            continue;
        }
        let watched: bool = w.tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM watchlist WHERE kind = ?1 AND value = ?2
                              AND (expires_on IS NULL OR expires_on >= ?3))",
            (&kind, &value, today),
            |r| r.get(0),
        )?;
        if watched {
            out.watch_already += 1;
            continue;
        }
        let case: Option<Uuid> = r.get(7)?;
        let case = match case {
            Some(c) => {
                w.tx.query_row("SELECT \"ref\" FROM cases WHERE id = ?1", [c], |r| {
                    r.get::<_, String>(0)
                })
                .optional()?
            }
            None => None,
        };
        // (A phone as the watchlist holds it, in full; anything else as
        // it was typed there, which reads as the same value here.)
        let typed = if kind == "phone" { &value } else { &raw };
        let mut accept = format!(
            "interdict watch add {} {} --reason {} --tlp {}",
            kind,
            shell_word(typed),
            shell_word(&reason),
            shell_word(&tlp)
        );
        if let Some(c) = &case {
            accept.push_str(&format!(" --case {}", shell_word(c)));
        }
        if let Some(d) = &expires {
            accept.push_str(&format!(" --expires {d}"));
        }
        let s = |t: &str| crate::domain::text::sanitize(t).into_owned();
        out.watch_received.push(ReceivedEntry {
            kind,
            value: s(&value),
            reason: s(&reason),
            tlp,
            case,
            expires_on: expires,
            added_by: s(&added_by),
            accept: s(&accept),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shell_word_is_quoted_when_it_must_be() {
        assert_eq!(shell_word("+77015550144"), "+77015550144");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word("$(rm -rf ~)"), "'$(rm -rf ~)'");
    }
}
