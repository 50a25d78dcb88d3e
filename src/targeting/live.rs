//! [`Knowledge`] read from a notebook through its identifier index: what
//! scoring a parcel as it is saved (or a manifest beside the notebook)
//! asks, one indexed query at a time.

use super::score::{InCase, Knowledge, Label, Other, Pointer, Seen, Suspect, Watched, key_hash};
use crate::domain::identifiers::{IdentKind, name_sound_key};
use crate::domain::text::{fold, name_key};
use crate::domain::{ItemKind, Substance};
use crate::store::keys::{ident_code, role_code, sound_hash};
use crate::store::{Result, records, stamp};
use rusqlite::{Connection, OptionalExtension};
use uuid::Uuid;

/// A name on the watchlist, as a suspect's name is looked for.
#[derive(Debug, Clone)]
pub struct WatchedName {
    /// The name's sound key, and its name key.
    sound: String,
    name: String,
    reason: String,
    case: Option<Pointer>,
    expires_on: Option<String>,
}

/// Every name on the watchlist (expired ones too: whether an entry still
/// counts is decided on the day of each scoring).
pub fn watched_names(conn: &Connection) -> Result<Vec<WatchedName>> {
    let mut stmt = conn.prepare_cached(
        "SELECT w.raw, w.value, w.reason, c.id, w.expires_on FROM watchlist w
         LEFT JOIN cases c ON c.id = w.case_id WHERE w.kind = 'name'",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<Uuid>>(3)?,
            r.get::<_, Option<String>>(4)?,
        ))
    })?;
    let mut names = Vec::new();
    for row in rows {
        let (raw, name, reason, case, expires_on) = row?;
        names.push(WatchedName {
            sound: name_sound_key(&raw).unwrap_or_default(),
            name,
            reason,
            case: case.map(|id| Pointer {
                kind: ItemKind::Case,
                id,
            }),
            expires_on,
        });
    }
    Ok(names)
}

/// A watchlist entry from a row holding, from column `at` on, the
/// entry's id and reason, its case's reference and id (NULL without a
/// case), and who added it.
pub(super) fn watched_at(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Watched> {
    let case: Option<(String, Uuid)> = match (r.get(at + 2)?, r.get(at + 3)?) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => None,
    };
    Ok(Watched {
        id: r.get(at)?,
        reason: r.get(at + 1)?,
        case,
        added_by: r.get(at + 4)?,
    })
}

/// Knowledge of the notebook open on `conn` (a transaction, or a read
/// connection), as of `today` (YYYY-MM-DD: watchlist entries expired
/// before it do not count).
pub struct Live<'a> {
    conn: &'a Connection,
    today: String,
    /// Loaded on first use (or given, by a screener that keeps them).
    watched_names: Option<std::sync::Arc<Vec<WatchedName>>>,
    substances: Option<std::sync::Arc<super::terms::Terms>>,
    /// The warning list, when given (else asked value by value).
    listed: Option<std::sync::Arc<Listed>>,
    /// The parcels asked about are none of the notebook's (a screen's
    /// rows): none is looked for to be left out.
    unsaved: bool,
    /// The last parcel asked about that the notebook holds, and its item
    /// key (its questions come one after another; a `Live` is made for
    /// one saved parcel's screening, within its transaction).
    last: Option<(Uuid, i64)>,
    /// Of parcels not held: the one row screened now that the notebook
    /// has a copy of (its tracking number's), by that copy's id, so that
    /// the copy is left out of its answers as a saved parcel's self is.
    held: Option<Uuid>,
}

impl<'a> Live<'a> {
    pub fn new(conn: &'a Connection, today: &str) -> Live<'a> {
        Live {
            conn,
            today: today.get(..10).unwrap_or(today).to_string(),
            watched_names: None,
            substances: None,
            listed: None,
            unsaved: false,
            last: None,
            held: None,
        }
    }

    /// Asking only of parcels the notebook does not hold (rows screened,
    /// with ids of their own): the parcel to leave out of each answer is
    /// not looked for.
    pub fn of_unsaved(mut self) -> Live<'a> {
        self.unsaved = true;
        self
    }

    /// Of parcels not held ([`Live::of_unsaved`]): the next row screened
    /// is the notebook's parcel `id` again (its tracking number's), to be
    /// left out of the answers as a saved parcel is; `None` when it is not.
    pub fn held_copy(&mut self, id: Option<Uuid>) {
        self.held = id;
    }

    /// The item key (`(n << 4) | 2`) of the parcel `id` in the notebook,
    /// or -1 when it holds none: what a question leaves out, compared in
    /// the occurrences index, with no parcel row read for it.
    fn item_of(&mut self, id: Uuid) -> Result<i64> {
        if self.unsaved && self.held != Some(id) {
            return Ok(-1);
        }
        if let Some((last, item)) = self.last
            && last == id
        {
            return Ok(item);
        }
        let item: Option<i64> = self
            .conn
            .prepare_cached("SELECT (n << 4) | 2 FROM parcels WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        // (Only a parcel held is remembered: one not yet written may be
        // by the next question.)
        if let Some(item) = item {
            self.last = Some((id, item));
        }
        Ok(item.unwrap_or(-1))
    }

    /// With the catalogue's terms already read (see [`substance_terms`]).
    pub fn with_terms(mut self, terms: std::sync::Arc<super::terms::Terms>) -> Live<'a> {
        self.substances = Some(terms);
        self
    }

    /// With the warning list already read (a screen asks of it for each
    /// value it asks the notebook about).
    pub fn with_listed(mut self, listed: std::sync::Arc<Listed>) -> Live<'a> {
        self.listed = Some(listed);
        self
    }

    /// Whether a value is on the warning list (a placeholder, a courier
    /// hub, the post itself): it says nothing about who is behind a
    /// parcel, so it is no evidence and no cluster.
    fn listed(&self, kind: IdentKind, value: &str) -> Result<bool> {
        match &self.listed {
            Some(l) => {
                let listed = l.get(&kind);
                Ok(crate::store::warnlist::held_by(
                    kind,
                    value,
                    listed.is_some_and(|v| v.contains(value)),
                    listed.into_iter().flatten().map(String::as_str),
                ))
            }
            None => crate::store::warnlist::is_listed(self.conn, kind, value),
        }
    }

    /// With the watchlist's names already read (see [`watched_names`]).
    pub fn with_names(mut self, names: std::sync::Arc<Vec<WatchedName>>) -> Live<'a> {
        self.watched_names = Some(names);
        self
    }

    /// [`Knowledge::seized_with`] when parcel number `n` is known to be
    /// the newest seized parcel of any value that shares this one's hash:
    /// the answer when that parcel has this value and is not `except`,
    /// else `None` (ask [`Knowledge::seized_with`]). A value on the
    /// warning list is on no parcel, as there.
    pub fn seized_at(
        &mut self,
        kind: IdentKind,
        value: &str,
        n: u32,
        except: Uuid,
    ) -> Result<Option<Seen>> {
        if self.listed(kind, value)? {
            return Ok(None);
        }
        let found: Option<(String, Uuid)> = self
            .conn
            .prepare_cached(
                "SELECT p.tracking, p.id FROM parcels p
                 WHERE p.n = ?1 AND p.status = 'seized' AND p.id <> ?4
                   AND EXISTS (SELECT 1 FROM occurrences o
                               WHERE o.kind = ?2 AND o.value = ?3 AND o.item = (p.n << 4) | 2)",
            )?
            .query_row((n, ident_code(kind), value, except), |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        seen(self.conn, found)
    }

    /// The watchlist's names that sound like `name_sound`, as suspects.
    pub fn watched_suspects(&mut self, name_sound: &str) -> Result<Vec<Suspect>> {
        let mut out = Vec::new();
        if self.watched_names.is_none() {
            self.watched_names = Some(std::sync::Arc::new(watched_names(self.conn)?));
        }
        let today = self.today.as_str();
        for w in self.watched_names.iter().flat_map(|n| n.iter()) {
            if w.sound == name_sound && w.expires_on.as_deref().is_none_or(|d| d >= today) {
                out.push(Suspect {
                    name: w.name.clone(),
                    source: format!("the watchlist ({})", w.reason),
                    item: w.case.clone(),
                });
            }
        }
        Ok(out)
    }
}

/// The catalogue's substance names and synonyms, folded (four letters or
/// more: shorter codes would match by chance), with the substance's name.
pub fn substance_terms(conn: &Connection) -> Result<super::terms::Terms> {
    let mut terms = Vec::new();
    let mut cas = Vec::new();
    records::each_numbered::<Substance>(conn, |_, s| {
        for t in std::iter::once(s.name.as_str()).chain(s.synonym_list()) {
            let f = fold(t);
            if f.len() >= 4 {
                terms.push((f, s.name.clone()));
            }
        }
        if let Some(c) = s.cas.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            cas.push((c.to_string(), s.name.clone()));
        }
        Ok(())
    })?;
    Ok(super::terms::Terms::new(terms).with_cas(cas))
}

/// What tells whether the catalogue changed: its size and latest edit.
pub fn substances_version(conn: &Connection) -> Result<(i64, Option<String>)> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT count(*), max({}) FROM substances",
            records::read_column("substances", "updated_at")
        ))?
        .query_row([], |r| {
            let latest = match r.get_ref(1)? {
                rusqlite::types::ValueRef::Null => None,
                v => Some(stamp::decode(v)),
            };
            Ok((r.get(0)?, latest))
        })?)
}

/// The parcels (item key kind 2) holding an identifier, as SQL over
/// `occurrences o` joined to `parcels p`.
const PARCELS_WITH: &str = "FROM occurrences o
     JOIN parcels p ON p.n = (o.item >> 4) AND (o.item & 15) = 2
     WHERE o.kind = ?1 AND o.value = ?2 AND o.item <> ?3";

/// How many other parcels in a recipient role hold a value since a date,
/// up to a number ([`Live::senders_to`]; worked out once, not per question).
static SENDERS_COUNTED: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT count(*) FROM (SELECT 1 {PARCELS_WITH}
           AND o.role = ?4 AND {} LIMIT ?6)",
        in_window()
    )
});

/// Whether the parcel `p` is of the window from `?5` on: by its own date,
/// posted, else seized, else the day it was recorded (the day recorded
/// alone made an archive of 2024 seizures imported today a cluster "since"
/// last week).
fn in_window() -> String {
    format!(
        "(CASE WHEN coalesce(p.posted_on, p.seized_on) IS NULL THEN {} \
          ELSE substr(coalesce(p.posted_on, p.seized_on), 1, 10) >= ?5 END)",
        stamp::sql_on_or_after("p.created_at", "?5")
    )
}

/// Each other parcel to a recipient since a date, with what its sender's
/// key is made of (the columns `Parcel::sender_key_of` reads: the index
/// has no way in by item to find the key among its values).
static SENDERS_TO: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT p.tracking, p.sender_phone, p.sender_email, p.sender_name, p.sender_address,
                p.origin {PARCELS_WITH}
           AND o.role = ?4 AND {} LIMIT 200",
        in_window()
    )
});

/// `shared`, then `more`, as one statement's parameters.
fn params_then<'a>(
    shared: &[&'a dyn rusqlite::ToSql],
    more: &[&'a dyn rusqlite::ToSql],
) -> rusqlite::ParamsFromIter<Vec<&'a dyn rusqlite::ToSql>> {
    rusqlite::params_from_iter(shared.iter().chain(more).copied().collect())
}

/// The warning list's values by kind, held in memory by a long screen.
pub type Listed = std::collections::HashMap<IdentKind, std::collections::HashSet<String>>;

/// A seized parcel found (its tracking number and id), with its case.
fn seen(conn: &Connection, found: Option<(String, Uuid)>) -> Result<Option<Seen>> {
    let Some((tracking, parcel)) = found else {
        return Ok(None);
    };
    Ok(Some(Seen {
        tracking,
        parcel,
        case: case_of(conn, parcel)?,
    }))
}

fn case_of(conn: &Connection, parcel: Uuid) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT c.\"ref\" FROM links l JOIN cases c ON c.id = l.from_id
             WHERE l.to_id = ?1 AND l.link_type = 'includes' AND l.from_kind = 'case'
             ORDER BY c.n LIMIT 1",
        )?
        .query_row([parcel], |r| r.get(0))
        .optional()?)
}

impl Knowledge for Live<'_> {
    fn watched(&mut self, kind: IdentKind, value: &str) -> Result<Vec<Watched>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT w.id, w.reason, c.\"ref\", c.id, w.added_by FROM watchlist w
             LEFT JOIN cases c ON c.id = w.case_id
             WHERE w.kind = ?1 AND w.value = ?2 AND (w.expires_on IS NULL OR w.expires_on >= ?3)
             ORDER BY w.added_at",
        )?;
        let rows = stmt.query_map((kind.as_str(), value, &self.today), |r| watched_at(r, 0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn seized_with(&mut self, kind: IdentKind, value: &str, except: Uuid) -> Result<Option<Seen>> {
        if self.listed(kind, value)? {
            return Ok(None);
        }
        let item = self.item_of(except)?;
        let found: Option<(String, Uuid)> = self
            .conn
            .prepare_cached(&format!(
                // (The newest by the bare columns of max(), which SQLite
                // takes from the row with the maximum: ORDER BY .. LIMIT 1
                // opened a sorter for each question.)
                "SELECT max(p.n), p.tracking, p.id {PARCELS_WITH} AND p.status = 'seized'"
            ))?
            // (An aggregate: always one row, its maximum null when none.)
            .query_row((ident_code(kind), value, item), |r| {
                Ok(match r.get::<_, Option<i64>>(0)? {
                    Some(_) => Some((r.get(1)?, r.get(2)?)),
                    None => None,
                })
            })?;
        seen(self.conn, found)
    }

    fn open_case_with(
        &mut self,
        kind: IdentKind,
        value: &str,
        except: Uuid,
    ) -> Result<Option<InCase>> {
        if self.listed(kind, value)? {
            return Ok(None);
        }
        let item = self.item_of(except)?;
        Ok(self
            .conn
            .prepare_cached(
                // (The first case by the bare columns of min(), as above.)
                "SELECT min(c.n), c.\"ref\", c.id, p.tracking
                 FROM occurrences o
                 JOIN parcels p ON p.n = (o.item >> 4) AND (o.item & 15) = 2
                 JOIN links l ON l.to_id = p.id AND l.link_type = 'includes' AND l.from_kind = 'case'
                 JOIN cases c ON c.id = l.from_id AND (c.status = 'open' OR c.status = 'active')
                 WHERE o.kind = ?1 AND o.value = ?2 AND o.item <> ?3",
            )?
            .query_row((ident_code(kind), value, item), |r| {
                Ok(match r.get::<_, Option<i64>>(0)? {
                    Some(_) => Some(InCase {
                        case_ref: r.get(1)?,
                        case: r.get(2)?,
                        via: r.get(3)?,
                    }),
                    None => None,
                })
            })?)
    }

    fn suspects(&mut self, name_sound: &str) -> Result<Vec<Suspect>> {
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.id, p.tracking, p.sender_name, p.recipient_name
             FROM sounds s
             JOIN parcels p ON p.n = (s.item >> 4) AND (s.item & 15) = 2
             WHERE s.key = ?1 AND p.status = 'seized'
             LIMIT 50",
        )?;
        // (A sound is kept as its number: the names are checked below.)
        let key = sound_hash(IdentKind::NameSound, name_sound);
        let rows = stmt.query_map([key], |r| {
            Ok((
                r.get::<_, Uuid>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        let rows: Vec<_> = rows.collect::<rusqlite::Result<_>>()?;
        for (id, tracking, sender, recipient) in rows {
            let case = case_of(self.conn, id)?;
            for name in [sender, recipient].into_iter().flatten() {
                if name_sound_key(&name).as_deref() == Some(name_sound) {
                    out.push(Suspect {
                        name: name_key(&name),
                        source: format!(
                            "seized parcel {tracking}{}",
                            case.as_deref()
                                .map(|c| format!(" ({c})"))
                                .unwrap_or_default()
                        ),
                        item: Some(Pointer {
                            kind: ItemKind::Parcel,
                            id,
                        }),
                    });
                }
            }
        }
        out.extend(self.watched_suspects(name_sound)?);
        Ok(out)
    }

    fn others_with(&mut self, kind: IdentKind, value: &str, except: Uuid) -> Result<usize> {
        if self.listed(kind, value)? {
            return Ok(0);
        }
        let item = self.item_of(except)?;
        // (No parcel row is read: the item keys say which are parcels.)
        let found: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT 1 FROM occurrences o
                 WHERE o.kind = ?1 AND o.value = ?2 AND (o.item & 15) = 2 AND o.item <> ?3
                 LIMIT 1",
            )?
            .query_row((ident_code(kind), value, item), |r| r.get(0))
            .optional()?;
        Ok(usize::from(found.is_some()))
    }

    fn senders_to(
        &mut self,
        kind: IdentKind,
        value: &str,
        since: &str,
        except: Uuid,
        need: usize,
    ) -> Result<Vec<Other>> {
        if self.listed(kind, value)? {
            return Ok(Vec::new());
        }
        let role = match kind {
            IdentKind::Phone => "recipient_phone",
            IdentKind::Email => "recipient_email",
            _ => "recipient_address",
        };
        // (The question's own values, shared by both statements below.)
        let (code, role) = (ident_code(kind), role_code(role)?);
        let item = self.item_of(except)?;
        let shared: [&dyn rusqlite::ToSql; 5] = [&code, &value, &item, &role, &since];
        if need > 1 {
            // Counted first, without the senders (each looked up through
            // a subquery): most recipients have one other parcel or none.
            let count: i64 = self
                .conn
                .prepare_cached(&SENDERS_COUNTED)?
                .query_row(params_then(&shared, &[&(need as i64)]), |r| r.get(0))?;
            if (count as usize) < need {
                return Ok(Vec::new());
            }
        }
        let mut stmt = self.conn.prepare_cached(&SENDERS_TO)?;
        let rows = stmt.query_map(params_then(&shared, &[]), |r| {
            let column = |i| r.get::<_, Option<String>>(i);
            let (phone, email, name, address) = (column(1)?, column(2)?, column(3)?, column(4)?);
            let key = crate::domain::parcel::sender_key_of(
                &phone,
                &email,
                &name,
                &address,
                column(5)?.as_deref(),
            );
            Ok(Other {
                key: key_hash(key.as_deref().unwrap_or_default()),
                label: Label::Text(r.get(0)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn names_at(&mut self, address: &str, except: Uuid) -> Result<Vec<Other>> {
        if self.listed(IdentKind::Address, address)? {
            return Ok(Vec::new());
        }
        let item = self.item_of(except)?;
        let mut stmt = self.conn.prepare_cached(
            // (The parcel left out by its item key, not by its id: no
            // parcel row is read for those the item key rules out.)
            "SELECT p.recipient_name FROM occurrences o
             JOIN parcels p ON p.n = (o.item >> 4)
             WHERE o.kind = ?1 AND o.value = ?2 AND (o.item & 15) = 2
               AND o.role = ?4 AND o.item <> ?3",
        )?;
        let mut rows = stmt.query((
            ident_code(IdentKind::Address),
            address,
            item,
            role_code("recipient_address")?,
        ))?;
        // The first 200 with a name, as the index holds names (its key).
        let mut out = Vec::new();
        while out.len() < 200
            && let Some(r) = rows.next()?
        {
            if let Some(name) = crate::domain::parcel::recipient_name_key(&r.get(0)?) {
                out.push(Other {
                    key: key_hash(&name),
                    label: Label::Text(name),
                });
            }
        }
        Ok(out)
    }

    fn substance_terms(&mut self) -> Result<std::sync::Arc<super::terms::Terms>> {
        if self.substances.is_none() {
            self.substances = Some(std::sync::Arc::new(substance_terms(self.conn)?));
        }
        Ok(self.substances.clone().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::new_record;
    use crate::domain::{Case, Link, Parcel};
    use crate::store::create;
    use crate::store::testutil::temp_store;

    /// The sender's key and the recipient's name key that the questions
    /// work out from a parcel's columns are those its identifiers hold,
    /// for every parcel of a demo notebook and for columns left blank.
    #[test]
    fn keys_from_columns_are_the_identifiers_keys() {
        let (_d, mut s) = temp_store();
        crate::exchange::demo::generate(&mut s, 300, 9, |_, _| {}).unwrap();
        let mut parcels: Vec<Parcel> = Vec::new();
        crate::store::records::each_numbered::<Parcel>(s.conn(), |_, p| {
            parcels.push(p);
            Ok(())
        })
        .unwrap();
        // Blank columns, one field after another, so each key is the one
        // that comes first.
        let mut blanked = Vec::new();
        for p in parcels.iter().take(40) {
            let mut q = p.clone();
            q.sender_phone = None;
            blanked.push(q.clone());
            q.sender_email = Some(String::new());
            blanked.push(q.clone());
            q.sender_name = None;
            blanked.push(q.clone());
            q.sender_address = None;
            q.recipient_name = Some("  ".into());
            blanked.push(q);
        }
        let (mut by_phone, mut by_other) = (0, 0);
        for p in parcels.iter().chain(&blanked) {
            let ids = p.identifiers_of(false);
            let key = crate::domain::parcel::sender_key_of(
                &p.sender_phone,
                &p.sender_email,
                &p.sender_name,
                &p.sender_address,
                p.origin.as_deref(),
            );
            assert_eq!(
                key.as_deref().unwrap_or_default(),
                super::super::score::sender_key(&ids),
                "{}",
                p.tracking
            );
            let name = ids
                .iter()
                .find(|i| i.role == "recipient_name" && i.kind == IdentKind::Name)
                .map(|i| i.value.clone());
            assert_eq!(
                crate::domain::parcel::recipient_name_key(&p.recipient_name),
                name
            );
            if p.sender_phone.is_some() {
                by_phone += 1;
            } else if key.is_some() {
                by_other += 1;
            }
        }
        assert!(by_phone > 100 && by_other > 50, "{by_phone} {by_other}");
    }

    /// Told how many other parcels would matter, a recipient with fewer is
    /// answered with none, and one with as many or more in full, the
    /// same as asked with no such need.
    #[test]
    fn a_recipient_with_fewer_parcels_than_needed_is_answered_with_none() {
        let (_d, mut s) = temp_store();
        let mut save = |serial: u32, sender: &str, recipient: &str| {
            let tracking = crate::exchange::demo::s10_number("EE", serial, "CN");
            s.write(|w| {
                let (mut p, _) = new_record::<Parcel>(&[
                    ("tracking", &tracking),
                    ("origin", "CN"),
                    ("destination", "KZ"),
                    ("sender_phone", sender),
                    ("recipient_phone", recipient),
                ])?;
                create::parcel(w, &mut p)
            })
            .unwrap();
        };
        save(1, "+86 131 0000 0001", "+7 701 111 1111");
        save(2, "+86 131 0000 0002", "+7 701 222 2222");
        save(3, "+86 131 0000 0003", "+7 701 222 2222");
        let conn = s.conn();
        let mut live = Live::new(conn, "2026-12-01");
        let ask = |live: &mut Live<'_>, phone: &str, need: usize| {
            live.senders_to(IdentKind::Phone, phone, "2000-01-01", Uuid::nil(), need)
                .unwrap()
                .into_iter()
                .map(|o| (o.key, o.label.to_string()))
                .collect::<Vec<_>>()
        };
        let one = "+77011111111";
        let two = "+77012222222";
        assert_eq!(ask(&mut live, one, 0).len(), 1);
        assert_eq!(ask(&mut live, one, 1).len(), 1);
        assert!(
            ask(&mut live, one, 2).is_empty(),
            "one parcel of two needed"
        );
        let all = ask(&mut live, two, 0);
        assert_eq!(all.len(), 2);
        assert_ne!(all[0].0, all[1].0, "two senders");
        assert_eq!(ask(&mut live, two, 2), all);
        assert!(ask(&mut live, two, 3).is_empty());
    }

    /// The parcel asking is left out of every answer (by its item key,
    /// the notebook asked once for it), and asking of parcels the notebook
    /// does not hold leaves none out.
    #[test]
    fn the_parcel_asking_is_left_out_of_every_answer() {
        let (_d, mut s) = temp_store();
        let ids = s
            .write(|w| {
                let mut ids = Vec::new();
                for (tracking, sender, name) in [
                    ("RR000000014KZ", "+86 131 0000 0001", "Ivan Petrov"),
                    ("RR000000028KZ", "+86 131 0000 0002", "Pavel Sidorov"),
                ] {
                    let (mut p, _) = new_record::<Parcel>(&[
                        ("tracking", tracking),
                        ("origin", "CN"),
                        ("destination", "KZ"),
                        ("sender_phone", sender),
                        ("recipient_phone", "+7 701 222 2222"),
                        ("recipient_name", name),
                        ("recipient_address", "Almaty, Abaya 5, kv 12"),
                    ])?;
                    create::parcel(w, &mut p)?;
                    ids.push(p.meta.id);
                }
                Ok(ids)
            })
            .unwrap();
        let address = crate::domain::identifiers::address_key("Almaty, Abaya 5, kv 12").unwrap();
        let ask = |live: &mut Live<'_>, asking: Uuid| {
            (
                live.others_with(IdentKind::Phone, "+8613100000001", asking)
                    .unwrap(),
                live.others_with(IdentKind::Phone, "+77012222222", asking)
                    .unwrap(),
                live.senders_to(IdentKind::Phone, "+77012222222", "2000-01-01", asking, 0)
                    .unwrap()
                    .len(),
                live.names_at(&address, asking).unwrap().len(),
            )
        };
        let mut live = Live::new(s.conn(), "2026-12-01");
        assert_eq!(ask(&mut live, ids[0]), (0, 1, 1, 1), "the first asking");
        assert_eq!(ask(&mut live, ids[1]), (1, 1, 1, 1), "the second asking");
        assert_eq!(
            ask(&mut live, Uuid::now_v7()),
            (1, 1, 2, 2),
            "a parcel not held"
        );
        let mut unsaved = Live::new(s.conn(), "2026-12-01").of_unsaved();
        assert_eq!(ask(&mut unsaved, Uuid::now_v7()), (1, 1, 2, 2));
    }

    /// Of the seized parcels holding a phone, the newest is named; of the
    /// open cases including a parcel that holds it, the first; a closed
    /// case, a parcel not seized and the asking parcel itself never are.
    #[test]
    fn the_newest_seized_parcel_and_the_first_open_case_are_named() {
        let (_d, mut s) = temp_store();
        let phone = "+77015550142";
        let made = s
            .write(|w| {
                let mut ids = Vec::new();
                for (tracking, status, case) in [
                    ("RR000000014KZ", "seized", Some("closed")),
                    ("RR000000028KZ", "seized", Some("open")),
                    ("RR000000031KZ", "inspected", Some("open")),
                    ("RR000000045KZ", "seized", None),
                ] {
                    let (mut p, _) = new_record::<Parcel>(&[
                        ("tracking", tracking),
                        ("origin", "KZ"),
                        ("recipient_phone", phone),
                        ("status", status),
                    ])?;
                    create::parcel(w, &mut p)?;
                    let mut case_id = None;
                    if let Some(status) = case {
                        let (mut c, _) = new_record::<Case>(&[("title", tracking)])?;
                        create::case(w, &mut c)?;
                        if status == "closed" {
                            w.tx.execute(
                                "UPDATE cases SET status = 'closed' WHERE id = ?1",
                                [c.meta.id],
                            )?;
                        }
                        let (mut l, _) = new_record::<Link>(&[("link_type", "includes")])?;
                        l.from_id = c.meta.id;
                        l.to_id = p.meta.id;
                        create::link(w, &mut l)?;
                        case_id = Some(c.meta.id);
                    }
                    ids.push((p.meta.id, case_id));
                }
                Ok(ids)
            })
            .unwrap();
        let mut live = Live::new(s.conn(), "2026-12-01");
        let asking = Uuid::now_v7();
        let seen = live
            .seized_with(IdentKind::Phone, phone, asking)
            .unwrap()
            .unwrap();
        assert_eq!(seen.tracking, "RR000000045KZ", "the newest seized");
        assert_eq!(seen.parcel, made[3].0);
        // Asked by that parcel itself: the one before it.
        let seen = live
            .seized_with(IdentKind::Phone, phone, made[3].0)
            .unwrap()
            .unwrap();
        assert_eq!(seen.tracking, "RR000000028KZ");
        let in_case = live
            .open_case_with(IdentKind::Phone, phone, asking)
            .unwrap()
            .unwrap();
        assert_eq!(Some(in_case.case), made[1].1, "the first open case");
        assert_eq!(in_case.via.as_deref(), Some("RR000000028KZ"));
        let in_case = live
            .open_case_with(IdentKind::Phone, phone, made[1].0)
            .unwrap()
            .unwrap();
        assert_eq!(Some(in_case.case), made[2].1);
        for none in [
            live.seized_with(IdentKind::Phone, "+77019999999", asking)
                .unwrap()
                .map(|s| s.tracking),
            live.open_case_with(IdentKind::Email, phone, asking)
                .unwrap()
                .map(|c| c.case.to_string()),
        ] {
            assert_eq!(none, None);
        }
    }
}
