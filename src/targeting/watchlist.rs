//! Watchlists: identifiers to catch on incoming parcels, each with why it
//! is watched, who added it and when, an optional expiry, a TLP label and
//! an optional case. Values are normalised exactly as the identifier index
//! normalises a parcel's, so `+7 (701) 555-01-42` on the list catches
//! `87015550142` on a parcel from KZ. Every change is audited.

use super::profile::WATCHED_KINDS;
use crate::domain::fields::{FieldError, TLP};
use crate::domain::identifiers::{self as ids, IdentKind};
use crate::store::{Result, StoreError, Writer, audit};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use uuid::Uuid;

/// One entry, as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub id: Uuid,
    pub kind: String,
    pub value: String,
    pub raw: String,
    pub reason: String,
    pub added_by: String,
    pub added_at: String,
    pub expires_on: Option<String>,
    pub tlp: String,
    pub case: Option<String>,
}

/// What to add.
#[derive(Debug, Clone, Default)]
pub struct NewEntry {
    pub kind: String,
    pub raw: String,
    pub reason: String,
    pub case: Option<Uuid>,
    pub expires_on: Option<String>,
    pub tlp: Option<String>,
    /// The country a phone number without `+` is read in.
    pub country: Option<String>,
}

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid(FieldError {
        field: field.into(),
        message: message.into(),
    })
}

/// The kind named `name`, if it is one a watchlist holds.
pub fn kind_named(name: &str) -> Result<IdentKind> {
    let name = name.trim().to_ascii_lowercase();
    let name = if name == "e-mail" {
        "email".into()
    } else {
        name
    };
    WATCHED_KINDS
        .iter()
        .copied()
        .find(|k| k.as_str() == name)
        .ok_or_else(|| {
            invalid(
                "kind",
                format!(
                    "{name:?} is not a kind of identifier: {}",
                    WATCHED_KINDS
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
}

/// `raw` normalised as the identifier index holds values of `kind` (a
/// phone without `+` read in `country`).
pub fn normalise(kind: IdentKind, raw: &str, country: Option<&str>) -> Result<String> {
    let value = match kind {
        IdentKind::Tracking => ids::tracking_key(raw),
        // Only a number read in full (+ and country code) meets the
        // numbers of parcels, which are read in their parcel's country.
        // (Only what a parcel's phone field takes: an extension or words
        // would be read as more digits, a number nothing matches.)
        IdentKind::Phone => {
            crate::domain::contact::check_phone(raw).map_err(|m| invalid("value", m))?;
            ids::phone_key(raw, country).filter(|p| p.starts_with('+'))
        }
        IdentKind::Email => ids::email_key(raw),
        IdentKind::Address => ids::address_key(raw),
        IdentKind::Name => ids::name_key(raw),
        IdentKind::Content => ids::content_key(raw),
        IdentKind::Payment => ids::payment_id_key(raw),
        IdentKind::Handle => crate::domain::online::telegram(raw),
        IdentKind::Domain => crate::domain::online::domain(raw),
        IdentKind::Card | IdentKind::Iban | IdentKind::Wallet => match ids::payment_key(raw) {
            Ok((k, v)) if k == kind => Some(v),
            Ok((k, _)) => {
                return Err(invalid(
                    "value",
                    format!("{raw:?} is a {} value, not a {}", k.as_str(), kind.as_str()),
                ));
            }
            Err(why) => return Err(invalid("value", why)),
        },
        IdentKind::NameSound | IdentKind::AddressSound => None,
    };
    value.ok_or_else(|| {
        invalid(
            "value",
            match kind {
                IdentKind::Phone if country.is_none() && !raw.trim().starts_with('+') => format!(
                    "{raw:?} is not a phone number it can read: write it with its country code (+7 ...) or pass --country"
                ),
                IdentKind::Address if ids::address_fold(raw).len() >= 4 => format!(
                    "{raw:?} is no address a parcel can be matched by: a town, or a street with no house, names no door; watch the address with its house number"
                ),
                IdentKind::Payment => format!(
                    "{raw:?} is not a YooMoney wallet (4100 and 9-12 digits) or WebMoney purse (a currency letter and 12 digits); cards, IBANs and crypto-currency addresses are kinds of their own (card, iban, wallet)"
                ),
                _ => format!("{raw:?} is not a {} value it can match", kind.as_str()),
            },
        )
    })
}

/// Marks the targeting settings changed, so that screeners reload them.
pub fn changed(w: &Writer<'_>) -> Result<()> {
    w.tx.execute(
        "INSERT INTO meta (key, value) VALUES ('targeting', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [Uuid::now_v7().to_string()],
    )?;
    Ok(())
}

/// Adds an entry; refuses a value already watched (naming who watches it
/// and why), an empty reason, a bad date or TLP label.
pub fn add(w: &mut Writer<'_>, new: &NewEntry) -> Result<Entry> {
    let kind = kind_named(&new.kind)?;
    let raw = new.raw.trim();
    if raw.chars().count() > crate::domain::fields::MAX_TEXT {
        return Err(invalid(
            "value",
            format!(
                "{} characters; at most {}",
                raw.chars().count(),
                crate::domain::fields::MAX_TEXT
            ),
        ));
    }
    let country = match new.country.as_deref() {
        Some(c) => Some(crate::domain::country::parse(c).map_err(|e| invalid("country", e))?),
        None => None,
    };
    if crate::domain::fields::is_placeholder(raw) {
        return Err(invalid(
            "value",
            format!(
                "{raw:?} is what forms write for \"not known\": it names nobody, and a parcel so written is read as having no {}",
                kind.as_str()
            ),
        ));
    }
    let value = normalise(kind, raw, country.as_deref())?;
    // A value on the warning list is no evidence: watched, an address such
    // as "poste restante" hit every parcel so addressed, and a name such
    // as "unknown" never matched (screening passes it over).
    let warned = [
        Some(value.clone()),
        crate::store::warnlist::normalise(kind, raw),
    ]
    .into_iter()
    .flatten()
    .find(|v| crate::store::warnlist::is_listed(&w.tx, kind, v).unwrap_or(false));
    if let Some(v) = warned {
        return Err(invalid(
            "value",
            format!(
                "{kind} {v:?} is on the warning list (values that say nothing about who is behind a parcel): \
                 watched, it would hit every parcel so written, or none; watch what identifies someone, \
                 or take it off the warning list first (interdict warnlist remove {kind} ...)",
                kind = kind.as_str()
            ),
        ));
    }
    let reason = new.reason.trim();
    if reason.is_empty() {
        return Err(invalid("reason", "say why it is watched"));
    }
    if reason.chars().count() > crate::domain::fields::MAX_TEXT || reason.contains(['\n', '\r']) {
        return Err(invalid("reason", "one line of at most 1,000 characters"));
    }
    let tlp = new
        .tlp
        .as_deref()
        .unwrap_or("AMBER")
        .trim()
        .to_ascii_uppercase();
    if !TLP.contains(&tlp.as_str()) {
        return Err(invalid(
            "tlp",
            format!("{tlp:?}: one of {}", TLP.join(", ")),
        ));
    }
    let expires_on = match new.expires_on.as_deref() {
        Some(d) => Some(crate::domain::fields::parse_date(d).map_err(|e| invalid("expires", e))?),
        None => None,
    };
    let today = w.now.get(..10).unwrap_or(&w.now).to_string();
    if let Some(d) = &expires_on
        && *d < today
    {
        return Err(invalid("expires", format!("{d} is already past")));
    }
    let existing: Option<(String, String, String)> =
        w.tx.query_row(
            "SELECT added_by, added_at, reason FROM watchlist
             WHERE kind = ?1 AND value = ?2 AND (expires_on IS NULL OR expires_on >= ?3)",
            (kind.as_str(), &value, &today),
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    if let Some((by, at, why)) = existing {
        return Err(StoreError::Refused(format!(
            "{} {value} is on the watchlist already (added by {by} on {}: {why})",
            kind.as_str(),
            at.get(..10).unwrap_or(&at)
        )));
    }
    let id = Uuid::now_v7();
    w.tx.execute(
        "INSERT INTO watchlist (id, kind, value, raw, reason, added_by, added_at, expires_on, tlp, case_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        rusqlite::params![
            id,
            kind.as_str(),
            value,
            raw,
            reason,
            w.actor,
            w.now,
            expires_on,
            tlp,
            new.case
        ],
    )?;
    let entry = get(&w.tx, id)?.ok_or_else(|| StoreError::NotFound(id.to_string()))?;
    let json = serde_json::to_string(&entry).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    audit::append(w, "create", "watchlist", id, None, Some(&json))?;
    changed(w)?;
    Ok(entry)
}

const SELECT: &str = "SELECT w.id, w.kind, w.value, w.raw, w.reason, w.added_by, w.added_at,
    w.expires_on, w.tlp, c.\"ref\" FROM watchlist w LEFT JOIN cases c ON c.id = w.case_id";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        id: r.get(0)?,
        kind: r.get(1)?,
        value: r.get(2)?,
        raw: r.get(3)?,
        reason: r.get(4)?,
        added_by: r.get(5)?,
        added_at: r.get(6)?,
        expires_on: r.get(7)?,
        tlp: r.get(8)?,
        case: r.get(9)?,
    })
}

pub fn get(conn: &Connection, id: Uuid) -> Result<Option<Entry>> {
    Ok(conn
        .query_row(&format!("{SELECT} WHERE w.id = ?1"), [id], row)
        .optional()?)
}

/// The entries, newest first; expired ones too when asked (as of `today`).
pub fn list(conn: &Connection, expired_too: bool, today: &str) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare(&format!(
        "{SELECT} WHERE ?1 OR w.expires_on IS NULL OR w.expires_on >= ?2
         ORDER BY w.added_at DESC, w.id DESC"
    ))?;
    let rows = stmt.query_map((expired_too, today.get(..10).unwrap_or(today)), row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many entries there are (expired ones too).
pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM watchlist", [], |r| r.get(0))?)
}

/// Removes the entries a value (of a kind) or an entry id names; returns
/// those removed.
pub fn remove(
    w: &mut Writer<'_>,
    kind: Option<&str>,
    what: &str,
    country: Option<&str>,
) -> Result<Vec<Entry>> {
    let ids: Vec<Uuid> = match (kind, Uuid::parse_str(what.trim())) {
        (None, Ok(id)) => vec![id],
        (Some(k), _) => {
            let kind = kind_named(k)?;
            let value = normalise(kind, what, country)?;
            let mut stmt =
                w.tx.prepare("SELECT id FROM watchlist WHERE kind = ?1 AND value = ?2")?;
            stmt.query_map((kind.as_str(), value), |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        }
        (None, Err(_)) => {
            return Err(invalid(
                "value",
                "name the entry by its id, or by KIND VALUE",
            ));
        }
    };
    let mut removed = Vec::new();
    for id in ids {
        let Some(entry) = get(&w.tx, id)? else {
            continue;
        };
        w.tx.execute("DELETE FROM watchlist WHERE id = ?1", [id])?;
        let json = serde_json::to_string(&entry).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        audit::append(w, "delete", "watchlist", id, Some(&json), None)?;
        removed.push(entry);
    }
    if !removed.is_empty() {
        changed(w)?;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::new_record;
    use crate::domain::{Case, ItemKind};
    use crate::store::integrity::check_tables;
    use crate::store::testutil::temp_store;
    use crate::store::{create, records};

    fn entry(kind: &str, raw: &str, case: Option<Uuid>) -> NewEntry {
        NewEntry {
            kind: kind.into(),
            raw: raw.into(),
            reason: "courier for the Almaty cell".into(),
            case,
            ..NewEntry::default()
        }
    }

    #[test]
    fn watchlist_changed_outside_interdict_is_named() {
        let (_d, mut s) = temp_store();
        s.write(|w| {
            let (mut c, _) = new_record::<Case>(&[("title", "Steppe route")])?;
            create::case(w, &mut c)?;
            let (mut gone, _) = new_record::<Case>(&[("title", "Closed")])?;
            create::case(w, &mut gone)?;
            add(w, &entry("phone", "+7 701 555 0142", Some(c.meta.id)))?;
            add(w, &entry("email", "drop@example.com", None))?;
            add(w, &entry("name", "Ivan Petrov", Some(gone.meta.id)))?;
            add(w, &entry("tracking", "RR123456785KZ", None))?;
            remove(w, Some("tracking"), "RR123456785KZ", None)?;
            // Deleting a case empties its entries' case, as it should.
            records::delete(w, ItemKind::Case, gone.meta.id).map(drop)
        })
        .unwrap();
        let ok = check_tables(s.conn()).unwrap();
        assert!(ok.problems.is_empty(), "{:?}", ok.problems);
        // What someone with the sqlite3 shell could do.
        s.conn()
            .execute_batch(
                "UPDATE watchlist SET reason = 'nothing to see' WHERE kind = 'phone';
                 DELETE FROM watchlist WHERE kind = 'email';
                 INSERT INTO watchlist (id, kind, value, raw, reason, added_by, added_at, tlp)
                   VALUES (randomblob(16), 'phone', '+77770000000', '+7 777 000 0000', 'planted',
                           'tester', '2026-01-01T00:00:00.000Z', 'AMBER');",
            )
            .unwrap();
        let all = check_tables(s.conn()).unwrap().problems.join("\n");
        assert!(
            all.contains("watchlist row phone \"+77015550142\" (")
                && all.contains(
                    ") differs from its last audited state in reason: changed outside interdict"
                ),
            "{all}"
        );
        assert!(
            all.contains("watchlist row email \"drop@example.com\" (")
                && all
                    .contains(") is missing (the audit has no removal): changed outside interdict"),
            "{all}"
        );
        assert!(
            all.contains("watchlist row phone \"+77770000000\" (")
                && all.contains(") is not in the audit (added): changed outside interdict"),
            "{all}"
        );
        assert_eq!(all.lines().count(), 3, "{all}");
    }
}
