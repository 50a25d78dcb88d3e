//! Profiles kept in the notebook (their TOML as written, audited), and the
//! hits screening stores: one row per parcel and profile, replaced when the
//! parcel is scored again.

use super::profile::{self, Profile, ProfileError};
use super::score::{Hit, Reason};
use super::watchlist::changed;
use crate::store::{Result, StoreError, Writer, audit};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use uuid::Uuid;

/// A stored profile, as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listed {
    pub id: Uuid,
    pub name: String,
    pub active: bool,
    pub threshold: f64,
    pub indicators: usize,
    pub updated_at: String,
    pub updated_by: String,
}

fn refused(e: ProfileError) -> StoreError {
    StoreError::Refused(format!("the profile was not saved: {e}"))
}

/// Saves a profile from its TOML: a new one, or the one of the same name
/// replaced (the stored profile is unchanged when the text is refused).
/// Returns the profile, its warnings, and whether it was new.
pub fn save(w: &mut Writer<'_>, text: &str) -> Result<(Profile, Vec<String>, bool)> {
    let (p, warnings) = profile::parse(text).map_err(refused)?;
    // The name as written (parse trims it): " opioids-by-post " replaced
    // the stored profile, and "Opioids-By-Post" or a Cyrillic "о" made a
    // second one nobody could tell from it.
    let written = toml::from_str::<toml::Table>(text)
        .ok()
        .and_then(|t| t.get("name").and_then(|n| n.as_str()).map(str::to_string))
        .unwrap_or_else(|| p.name.clone());
    let key = crate::domain::text::skeleton(&written);
    let names: Vec<String> =
        w.tx.prepare("SELECT name FROM profiles")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
    if let Some(like) = names
        .iter()
        .find(|n| **n != written && crate::domain::text::skeleton(n) == key)
    {
        return Err(StoreError::Refused(format!(
            "the profile was not saved: name: {written:?} looks like the stored profile {like:?} ({}); \
             to replace that profile write its name exactly, otherwise choose a name that does not look like it",
            unusual(&written)
        )));
    }
    let old: Option<(Uuid, String)> =
        w.tx.query_row(
            "SELECT id, body FROM profiles WHERE name = ?1",
            [&p.name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let after = serde_json::json!({"name": p.name, "body": text}).to_string();
    let new = match old {
        Some((_, body)) if body == text => return Ok((p, warnings, false)),
        Some((id, body)) => {
            w.tx.execute(
                "UPDATE profiles SET body = ?2, updated_at = ?3, updated_by = ?4 WHERE id = ?1",
                (id, text, &w.now, w.actor),
            )?;
            let before = serde_json::json!({"name": p.name, "body": body}).to_string();
            audit::append(w, "update", "profile", id, Some(&before), Some(&after))?;
            false
        }
        None => {
            let id = Uuid::now_v7();
            w.tx.execute(
                "INSERT INTO profiles (id, name, body, active, updated_at, updated_by)
                 VALUES (?1, ?2, ?3, 1, ?4, ?5)",
                (id, &p.name, text, &w.now, w.actor),
            )?;
            audit::append(w, "create", "profile", id, None, Some(&after))?;
            true
        }
    };
    changed(w)?;
    Ok((p, warnings, new))
}

/// How a look-alike name differs: its characters that are not plain
/// ASCII ([`crate::domain::text::unusual`]), or case and spacing.
fn unusual(name: &str) -> String {
    crate::domain::text::unusual(name).map_or_else(
        || "it differs in case or spacing".into(),
        |u| format!("it has {u}"),
    )
}

/// The TOML of the profile `name`, and whether it is active.
pub fn text_of(conn: &Connection, name: &str) -> Result<Option<(String, bool)>> {
    Ok(conn
        .query_row(
            "SELECT body, active FROM profiles WHERE name = ?1",
            [name.trim()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Every stored profile, by name.
pub fn list(conn: &Connection) -> Result<Vec<Listed>> {
    let mut stmt = conn.prepare(
        "SELECT id, name, active, body, updated_at, updated_by FROM profiles ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, Uuid>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, bool>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, active, body, updated_at, updated_by) = row?;
        let (threshold, indicators) = profile::parse(&body)
            .map(|(p, _)| (p.threshold, p.indicators.len()))
            .unwrap_or((0.0, 0));
        out.push(Listed {
            id,
            name,
            active,
            threshold,
            indicators,
            updated_at,
            updated_by,
        });
    }
    Ok(out)
}

/// The active profiles, parsed. (A stored text that no longer parses,
/// written by hand with sqlite3, is skipped and logged.)
pub fn active(conn: &Connection) -> Result<Vec<Profile>> {
    let mut stmt =
        conn.prepare("SELECT name, body FROM profiles WHERE active = 1 ORDER BY name")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (name, body) = row?;
        match profile::parse(&body) {
            Ok((p, _)) => out.push(p),
            Err(e) => tracing::warn!(profile = %name, "stored profile does not parse: {e}"),
        }
    }
    Ok(out)
}

/// Turns a profile on or off; false when there is no such profile.
pub fn set_active(w: &mut Writer<'_>, name: &str, on: bool) -> Result<bool> {
    let found: Option<(Uuid, bool)> =
        w.tx.query_row(
            "SELECT id, active FROM profiles WHERE name = ?1",
            [name.trim()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((id, was)) = found else {
        return Ok(false);
    };
    if was != on {
        w.tx.execute(
            "UPDATE profiles SET active = ?2, updated_at = ?3, updated_by = ?4 WHERE id = ?1",
            (id, on, &w.now, w.actor),
        )?;
        audit::append(
            w,
            "update",
            "profile",
            id,
            Some(&serde_json::json!({"name": name, "active": was}).to_string()),
            Some(&serde_json::json!({"name": name, "active": on}).to_string()),
        )?;
        changed(w)?;
    }
    Ok(true)
}

/// Removes a profile (its hits stay, as they were found); false when there
/// is no such profile.
pub fn remove(w: &mut Writer<'_>, name: &str) -> Result<bool> {
    let found: Option<(Uuid, String)> =
        w.tx.query_row(
            "SELECT id, body FROM profiles WHERE name = ?1",
            [name.trim()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((id, body)) = found else {
        return Ok(false);
    };
    w.tx.execute("DELETE FROM profiles WHERE id = ?1", [id])?;
    let before = serde_json::json!({"name": name.trim(), "body": body}).to_string();
    audit::append(w, "delete", "profile", id, Some(&before), None)?;
    changed(w)?;
    Ok(true)
}

/// A stored hit, as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredHit {
    pub parcel: Uuid,
    pub tracking: String,
    pub profile: String,
    pub score: f64,
    pub threshold: f64,
    pub reasons: Vec<Reason>,
    pub at: String,
}

/// Puts the parcel's hits in place of those stored for it: a hit whose
/// score and reasons did not change keeps its time; a profile that no
/// longer hits it loses its row.
pub fn store_hits(w: &Writer<'_>, parcel: Uuid, hits: &[Hit]) -> Result<()> {
    let mut stmt =
        w.tx.prepare_cached("SELECT profile, score, reasons FROM hits WHERE parcel_id = ?1")?;
    let old: Vec<(String, f64, String)> = stmt
        .query_map([parcel], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    // A hit a screen of a manifest found and kept stays unless this finds
    // a stronger one for its profile: the notebook alone cannot count the
    // manifest's other rows again.
    let from_manifest = |reasons: &str| {
        serde_json::from_str::<Vec<Reason>>(reasons).is_ok_and(|r| r.iter().any(|r| r.manifest))
    };
    let kept: Vec<(&String, f64)> = old
        .iter()
        .filter(|(_, _, r)| from_manifest(r))
        .map(|(p, s, _)| (p, *s))
        .collect();
    for (profile, ..) in &old {
        if !hits.iter().any(|h| &h.profile == profile) && !kept.iter().any(|(p, _)| *p == profile) {
            w.tx.prepare_cached("DELETE FROM hits WHERE parcel_id = ?1 AND profile = ?2")?
                .execute((parcel, profile))?;
        }
    }
    for h in hits.iter().filter(|h| {
        !kept
            .iter()
            .any(|(p, score)| **p == h.profile && *score > h.score)
    }) {
        let reasons =
            serde_json::to_string(&h.reasons).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let same = old
            .iter()
            .any(|(p, s, r)| *p == h.profile && *s == h.score && *r == reasons);
        if same {
            continue;
        }
        w.tx.prepare_cached(
            "INSERT INTO hits (parcel_id, profile, score, threshold, reasons, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (parcel_id, profile) DO UPDATE SET
               score = excluded.score, threshold = excluded.threshold,
               reasons = excluded.reasons, at = excluded.at",
        )?
        .execute((parcel, &h.profile, h.score, h.threshold, reasons, &w.now))?;
    }
    Ok(())
}

/// Adds hits found elsewhere (a screen of a manifest, which counted its
/// other rows) for the profiles that have none stored for the parcel;
/// what its save found stays.
pub fn add_hits(w: &Writer<'_>, parcel: Uuid, hits: &[Hit]) -> Result<()> {
    for h in hits {
        let marked: Vec<Reason> = h
            .reasons
            .iter()
            .cloned()
            .map(|r| Reason {
                manifest: true,
                ..r
            })
            .collect();
        let reasons =
            serde_json::to_string(&marked).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        w.tx.prepare_cached(
            "INSERT INTO hits (parcel_id, profile, score, threshold, reasons, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (parcel_id, profile) DO NOTHING",
        )?
        .execute((parcel, &h.profile, h.score, h.threshold, reasons, &w.now))?;
    }
    Ok(())
}

/// The hits (`h`) found on or after `?1` (everything when it is null).
const SINCE: &str = "?1 IS NULL OR h.at >= ?1";

/// Hits found on or after `since` (a date or time; everything when
/// `None`), newest first, at most `limit`.
pub fn hits(conn: &Connection, since: Option<&str>, limit: usize) -> Result<Vec<StoredHit>> {
    query(conn, SINCE, (since, limit.min(i64::MAX as usize) as i64))
}

/// How many hits there are (found on or after `since`, when given).
pub fn hits_count(conn: &Connection, since: Option<&str>) -> Result<i64> {
    Ok(conn.query_row(
        &format!("SELECT count(*) FROM hits h JOIN parcels p ON p.id = h.parcel_id WHERE {SINCE}"),
        [since],
        |r| r.get(0),
    )?)
}

/// The hits on one parcel, newest first.
pub fn hits_on(conn: &Connection, parcel: Uuid) -> Result<Vec<StoredHit>> {
    query(conn, "h.parcel_id = ?1", (parcel, i64::MAX))
}

/// Parcels (among `ids`) that have a hit.
pub fn hit_parcels(conn: &Connection, ids: &[Uuid]) -> Result<std::collections::HashSet<Uuid>> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM hits WHERE parcel_id = ?1 LIMIT 1")?;
    let mut out = std::collections::HashSet::new();
    for id in ids {
        if stmt.exists([id])? {
            out.insert(*id);
        }
    }
    Ok(out)
}

fn query(conn: &Connection, cond: &str, params: impl rusqlite::Params) -> Result<Vec<StoredHit>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT h.parcel_id, p.tracking, h.profile, h.score, h.threshold, h.reasons, h.at
         FROM hits h JOIN parcels p ON p.id = h.parcel_id
         WHERE {cond}
         ORDER BY h.at DESC, h.id DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params, |r| {
        Ok((
            r.get::<_, Uuid>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, f64>(3)?,
            r.get::<_, f64>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (parcel, tracking, profile, score, threshold, reasons, at) = row?;
        out.push(StoredHit {
            parcel,
            tracking,
            profile,
            score,
            threshold,
            reasons: serde_json::from_str(&reasons).unwrap_or_default(),
            at,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::integrity::check_tables;
    use crate::store::testutil::temp_store;

    fn profile(name: &str, threshold: u32) -> String {
        format!(
            "name = \"{name}\"\nthreshold = {threshold}\n\n[[indicator]]\nweight = 60\nkind = \"origin\"\ncountries = [\"CN\"]\n"
        )
    }

    #[test]
    fn profiles_changed_outside_interdict_are_named() {
        let (_d, mut s) = temp_store();
        s.write(|w| {
            save(w, &profile("opioids-by-post", 50))?;
            save(w, &profile("opioids-by-post", 40))?;
            save(w, &profile("precursors", 50))?;
            set_active(w, "precursors", false)?;
            save(w, &profile("retired", 50))?;
            remove(w, "retired").map(drop)
        })
        .unwrap();
        let ok = check_tables(s.conn()).unwrap();
        assert!(ok.problems.is_empty(), "{:?}", ok.problems);
        // A profile switched back on, and its text changed, by hand.
        s.conn()
            .execute_batch(
                "UPDATE profiles SET active = 1, body = replace(body, '60', '5') WHERE name = 'precursors';",
            )
            .unwrap();
        let all = check_tables(s.conn()).unwrap().problems.join("\n");
        assert!(
            all.contains("profiles row \"precursors\" (")
                && all.contains(
                    ") differs from its last audited state in body, active: changed outside interdict"
                ),
            "{all}"
        );
        assert_eq!(all.lines().count(), 1, "{all}");
        // Every profile removed by hand.
        s.conn().execute_batch("DELETE FROM profiles;").unwrap();
        let all = check_tables(s.conn()).unwrap().problems.join("\n");
        for name in ["opioids-by-post", "precursors"] {
            assert!(all.contains(&format!("profiles row \"{name}\" (")), "{all}");
        }
        assert_eq!(
            all.matches(") is missing (the audit has no removal): changed outside interdict")
                .count(),
            2,
            "{all}"
        );
    }
}
