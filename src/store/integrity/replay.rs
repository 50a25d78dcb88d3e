//! Tables whose changes are audited as descriptions rather than record
//! states: the warning list, match decisions, watchlist entries and risk
//! profiles. Each entry about one of them says what the row became (or
//! that it went), so replaying the entries oldest first gives the rows
//! the table must hold now: a row no entry made, a row an entry says is
//! there but is missing, or a row whose content is not what its last
//! entry said, was changed outside interdict.
//!
//! One pass over the audit (the entries of these kinds are read, the
//! rest skipped) and one over each table, all of them small.

use super::{RecordCheck, push};
use crate::domain::identifiers as ids;
use crate::domain::text::sanitize;
use crate::store::error::Result;
use rusqlite::Connection;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The item kinds of the entries replayed here.
const KINDS: [&str; 4] = ["warnlist", "match", "watchlist", "profile"];

/// The last word of a problem line (as the record checks say it).
const OUTSIDE: &str = "changed outside interdict";

/// Says the row `name` is one no audit entry made.
fn not_audited(out: &mut RecordCheck, name: &str) {
    push(
        out,
        format!("{name} is not in the audit (added): {OUTSIDE}"),
    );
}

/// Says the row `name` differs from its last audited state in the columns
/// whose flag is set (nothing when none is).
fn differs(out: &mut RecordCheck, name: &str, cols: &[(&str, bool)]) {
    let cols: Vec<&str> = cols.iter().filter(|(_, d)| *d).map(|(c, _)| *c).collect();
    if !cols.is_empty() {
        push(
            out,
            format!(
                "{name} differs from its last audited state in {}: {OUTSIDE}",
                cols.join(", ")
            ),
        );
    }
}

/// An entry about one of the tables, as replay needs it.
struct Entry {
    at: String,
    actor: String,
    action: String,
    id: Uuid,
    detail: Map<String, Value>,
}

impl Entry {
    fn text(&self, key: &str) -> Option<String> {
        self.detail
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
    }
}

/// What replaying every entry leaves, table by table.
#[derive(Default)]
struct Replayed {
    /// (kind, value) -> (note, added_by, added_at).
    warnlist: BTreeMap<(String, String), WarnRow>,
    /// (a, b) -> the decision row.
    matches: BTreeMap<(Uuid, Uuid), MatchRow>,
    /// id -> the entry as `targeting::watchlist::Entry` serialises it.
    watchlist: BTreeMap<Uuid, Map<String, Value>>,
    /// id -> the profile row.
    profiles: BTreeMap<Uuid, ProfileRow>,
}

#[derive(Debug, Clone, PartialEq)]
struct WarnRow {
    note: Option<String>,
    added_by: String,
    added_at: String,
}

#[derive(Debug, Clone, PartialEq)]
struct MatchRow {
    decision: String,
    link: Option<Uuid>,
    decided_by: String,
    decided_at: String,
}

#[derive(Debug, Clone, PartialEq)]
struct ProfileRow {
    name: String,
    body: String,
    active: bool,
    updated_at: String,
    updated_by: String,
}

/// The key schema 7's upgrade gave a warning-list value of a name or an
/// address (see `store::upgrade::to_7`); the value itself otherwise.
fn warn_key_after_7(kind: &str, value: &str) -> String {
    let new = match kind {
        "name" => crate::domain::text::name_key(value),
        "address" => ids::address_fold(value),
        _ => return value.to_string(),
    };
    if new.is_empty() {
        value.to_string()
    } else {
        new
    }
}

fn replay(conn: &Connection) -> Result<Replayed> {
    let mut out = Replayed::default();
    use crate::store::audit::names::Name;
    let kinds = KINDS.map(|k| Name::Kind.sql(k)).join(", ");
    let mut stmt = conn.prepare(&format!(
        "SELECT at, {}, action, item_kind, item_id, detail FROM audit
         WHERE item_kind IN ({kinds}) ORDER BY seq",
        crate::store::writers::read("actor")
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let kind = Name::Kind.get(r, 3)?;
        let detail: Option<String> = r.get(5)?;
        // (An intact chain proves every entry interdict's own; a detail
        // that does not read describes nothing to replay.)
        let Some(Ok(Value::Object(detail))) = detail.map(|d| serde_json::from_str(&d)) else {
            continue;
        };
        let e = Entry {
            at: crate::store::stamp::get(r, 0)?,
            actor: r.get(1)?,
            action: Name::Action.get(r, 2)?,
            id: r.get(4)?,
            detail,
        };
        match kind.as_str() {
            "warnlist" => warnlist_entry(&mut out.warnlist, e),
            "match" => match_entry(&mut out.matches, e),
            "watchlist" => {
                if e.action == "delete" {
                    out.watchlist.remove(&e.id);
                } else {
                    out.watchlist.insert(e.id, e.detail);
                }
            }
            _ => profile_entry(&mut out.profiles, e),
        }
    }
    Ok(out)
}

fn warnlist_entry(live: &mut BTreeMap<(String, String), WarnRow>, e: Entry) {
    let (Some(kind), Some(value)) = (e.text("kind"), e.text("value")) else {
        return;
    };
    if e.action == "delete" {
        // Removing a value removes what schema 7 made of the values
        // listed before it, too.
        live.retain(|(k, v), _| !(*k == kind && (*v == value || warn_key_after_7(k, v) == value)));
    } else {
        let row = WarnRow {
            note: e.text("note"),
            added_by: e.actor,
            added_at: e.at,
        };
        live.insert((kind, value), row);
    }
}

fn match_entry(live: &mut BTreeMap<(Uuid, Uuid), MatchRow>, e: Entry) {
    let uuid = |key: &str| e.text(key).and_then(|s| Uuid::parse_str(&s).ok());
    let (Some(a), Some(b)) = (uuid("a"), uuid("b")) else {
        return;
    };
    let row = MatchRow {
        decision: e.text("decision").unwrap_or_else(|| e.action.clone()),
        link: uuid("link"),
        decided_by: e.actor,
        decided_at: e.at,
    };
    live.insert((a, b), row);
}

fn profile_entry(live: &mut BTreeMap<Uuid, ProfileRow>, e: Entry) {
    if e.action == "delete" {
        live.remove(&e.id);
        return;
    }
    // A new profile is active unless its entry says otherwise (a merged
    // one arrives switched off); a later entry changes what it names.
    let row = live.entry(e.id).or_insert_with(|| ProfileRow {
        name: String::new(),
        body: String::new(),
        active: true,
        updated_at: String::new(),
        updated_by: String::new(),
    });
    if let Some(body) = e.text("body") {
        row.body = body;
        row.name = e.text("name").unwrap_or_default();
    }
    if let Some(active) = e.detail.get("active").and_then(Value::as_bool) {
        row.active = active;
    }
    row.updated_at = e.at;
    row.updated_by = e.actor;
}

/// Checks the four tables against their replayed entries.
pub(super) fn check(conn: &Connection, out: &mut RecordCheck) -> Result<()> {
    let live = replay(conn)?;
    check_warnlist(conn, live.warnlist, out)?;
    check_matches(conn, live.matches, out)?;
    // An export's profiles and watchlist entries were copied as they
    // were, without entries of their own; the manifest's signed content
    // hash (checked when it is opened) covers them.
    if !crate::store::is_export(conn)? {
        check_watchlist(conn, live.watchlist, out)?;
        check_profiles(conn, live.profiles, out)?;
    }
    Ok(())
}

fn check_warnlist(
    conn: &Connection,
    live: BTreeMap<(String, String), WarnRow>,
    out: &mut RecordCheck,
) -> Result<()> {
    let mut rows: BTreeMap<(String, String), WarnRow> = BTreeMap::new();
    let mut stmt = conn.prepare("SELECT kind, value, note, added_by, added_at FROM warnlist")?;
    let mut it = stmt.query([])?;
    while let Some(r) = it.next()? {
        out.checked += 1;
        let row = WarnRow {
            note: r.get(2)?,
            added_by: r.get(3)?,
            added_at: r.get(4)?,
        };
        rows.insert((r.get(0)?, r.get(1)?), row);
    }
    let name = |(k, v): &(String, String)| format!("warnlist row {k} {:?}", sanitize(v));
    // The entries each row must be as. Schema 7's upgrade folded names
    // and addresses anew, moving a listed value to its new key without an
    // entry (two values that now fold alike became one row, as the first
    // of them was): such a row may be as any entry moved to it.
    let mut wanted: BTreeMap<&(String, String), Vec<&WarnRow>> = BTreeMap::new();
    let mut moved_keys = Vec::new();
    for (key, want) in &live {
        if rows.contains_key(key) {
            wanted.entry(key).or_default().push(want);
            continue;
        }
        let moved = (key.0.clone(), warn_key_after_7(&key.0, &key.1));
        if moved != *key && rows.contains_key(&moved) {
            moved_keys.push((moved, want));
        } else {
            push(
                out,
                format!(
                    "{} is missing (the audit has no removal): {OUTSIDE}",
                    name(key)
                ),
            );
        }
    }
    for (moved, want) in &moved_keys {
        wanted.entry(moved).or_default().push(want);
    }
    for (key, have) in &rows {
        let Some(want) = wanted.get(key) else {
            not_audited(out, &name(key));
            continue;
        };
        if want.contains(&have) {
            continue;
        }
        differs(
            out,
            &name(key),
            &[
                ("note", have.note != want[0].note),
                ("added_by", have.added_by != want[0].added_by),
                ("added_at", have.added_at != want[0].added_at),
            ],
        );
    }
    Ok(())
}

fn check_matches(
    conn: &Connection,
    mut live: BTreeMap<(Uuid, Uuid), MatchRow>,
    out: &mut RecordCheck,
) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT a_id, b_id, decision, link_id, decided_by, decided_at FROM match_decisions",
    )?;
    let mut it = stmt.query([])?;
    while let Some(r) = it.next()? {
        out.checked += 1;
        let key: (Uuid, Uuid) = (r.get(0)?, r.get(1)?);
        let have = MatchRow {
            decision: r.get(2)?,
            link: r.get(3)?,
            decided_by: r.get(4)?,
            decided_at: r.get(5)?,
        };
        let name = format!("match_decisions row {} ~ {}", key.0, key.1);
        match live.remove(&key) {
            None => not_audited(out, &format!("{name} ({})", have.decision)),
            Some(want) if want != have => differs(
                out,
                &name,
                &[
                    ("decision", want.decision != have.decision),
                    ("link_id", want.link != have.link),
                    ("decided_by", want.decided_by != have.decided_by),
                    ("decided_at", want.decided_at != have.decided_at),
                ],
            ),
            Some(_) => {}
        }
    }
    for ((a, b), want) in live {
        push(
            out,
            format!(
                "match_decisions row {a} ~ {b} ({}) is missing (the audit has no removal): {OUTSIDE}",
                want.decision
            ),
        );
    }
    Ok(())
}

fn check_watchlist(
    conn: &Connection,
    mut live: BTreeMap<Uuid, Map<String, Value>>,
    out: &mut RecordCheck,
) -> Result<()> {
    let mut case_named = conn.prepare_cached("SELECT 1 FROM cases WHERE \"ref\" = ?1")?;
    let mut stmt = conn.prepare(
        "SELECT w.id, w.kind, w.value, w.raw, w.reason, w.added_by, w.added_at, w.expires_on, w.tlp,
                w.case_id, c.\"ref\"
         FROM watchlist w LEFT JOIN cases c ON c.id = w.case_id",
    )?;
    let mut it = stmt.query([])?;
    while let Some(r) = it.next()? {
        out.checked += 1;
        let id: Uuid = r.get(0)?;
        let kind: String = r.get(1)?;
        let value: String = r.get(2)?;
        let name = format!("watchlist row {kind} {:?} ({id})", sanitize(&value));
        let Some(want) = live.remove(&id) else {
            not_audited(out, &name);
            continue;
        };
        let text = |key: &str| want.get(key).and_then(Value::as_str);
        let mut cols = Vec::new();
        for (i, col) in [
            (1, "kind"),
            (3, "raw"),
            (4, "reason"),
            (5, "added_by"),
            (6, "added_at"),
            (7, "expires_on"),
            (8, "tlp"),
        ] {
            let have: Option<String> = r.get(i)?;
            cols.push((col, have.as_deref() != text(col)));
        }
        // Schema 7's upgrade normalised names and addresses anew (from
        // the value as typed), without an entry.
        let upgraded = |raw: &str| match kind.as_str() {
            "name" => ids::name_key(raw),
            "address" => ids::address_key(raw),
            _ => None,
        };
        cols.push((
            "value",
            text("value") != Some(value.as_str())
                && text("raw").and_then(upgraded).as_deref() != Some(value.as_str()),
        ));
        // The case is audited by its reference. Deleting a case empties
        // its entries' case (`ON DELETE SET NULL`), which is not an entry
        // of the watchlist's own.
        let (case_id, case_ref): (Option<Uuid>, Option<String>) = (r.get(9)?, r.get(10)?);
        let case_ok = match (text("case"), case_id) {
            (None, None) => true,
            (Some(want), Some(_)) => case_ref.as_deref() == Some(want),
            (Some(want), None) => !case_named.exists([want])?,
            (None, Some(_)) => false,
        };
        cols.push(("case_id", !case_ok));
        differs(out, &name, &cols);
    }
    for (id, want) in live {
        let text = |key: &str| want.get(key).and_then(Value::as_str).unwrap_or("?");
        push(
            out,
            format!(
                "watchlist row {} {:?} ({id}) is missing (the audit has no removal): {OUTSIDE}",
                text("kind"),
                sanitize(text("value"))
            ),
        );
    }
    Ok(())
}

fn check_profiles(
    conn: &Connection,
    mut live: BTreeMap<Uuid, ProfileRow>,
    out: &mut RecordCheck,
) -> Result<()> {
    let mut stmt =
        conn.prepare("SELECT id, name, body, active, updated_at, updated_by FROM profiles")?;
    let mut it = stmt.query([])?;
    while let Some(r) = it.next()? {
        out.checked += 1;
        let id: Uuid = r.get(0)?;
        let have = ProfileRow {
            name: r.get(1)?,
            body: r.get(2)?,
            active: r.get(3)?,
            updated_at: r.get(4)?,
            updated_by: r.get(5)?,
        };
        let name = format!("profiles row {:?} ({id})", sanitize(&have.name));
        match live.remove(&id) {
            None => not_audited(out, &name),
            Some(want) if want != have => differs(
                out,
                &name,
                &[
                    ("name", want.name != have.name),
                    ("body", want.body != have.body),
                    ("active", want.active != have.active),
                    ("updated_at", want.updated_at != have.updated_at),
                    ("updated_by", want.updated_by != have.updated_by),
                ],
            ),
            Some(_) => {}
        }
    }
    for (id, want) in live {
        push(
            out,
            format!(
                "profiles row {:?} ({id}) is missing (the audit has no removal): {OUTSIDE}",
                sanitize(&want.name)
            ),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::check_tables;
    use crate::domain::identifiers::IdentKind;
    use crate::store::testutil::temp_store;
    use crate::store::{audit, warnlist};

    #[test]
    fn warning_list_changed_outside_interdict_is_named() {
        let (_d, mut s) = temp_store();
        s.write(|w| {
            warnlist::add(
                w,
                IdentKind::Address,
                "Almaty sorting centre",
                Some("our own post"),
            )?;
            warnlist::remove(w, IdentKind::Content, "various").map(drop)
        })
        .unwrap();
        // A value listed by a release before schema 7 and moved to its
        // new key by that upgrade, without an entry: not a change.
        s.write(|w| {
            let after = r#"{"kind":"name","value":"PETROV  Ivan","note":null}"#;
            audit::append(w, "create", "warnlist", uuid::Uuid::now_v7(), None, Some(after))?;
            w.tx.execute(
                "INSERT INTO warnlist (kind, value, note, added_by, added_at) VALUES ('name', ?1, NULL, ?2, ?3)",
                (crate::domain::text::name_key("PETROV  Ivan"), w.actor, &w.now),
            )?;
            Ok(())
        })
        .unwrap();
        let ok = check_tables(s.conn()).unwrap();
        assert!(ok.problems.is_empty(), "{:?}", ok.problems);
        assert!(ok.checked >= 20, "{}", ok.checked);
        // What someone with the sqlite3 shell could do.
        s.conn()
            .execute_batch(
                "DELETE FROM warnlist WHERE kind = 'content' AND value = 'goods';
                 UPDATE warnlist SET note = 'not ours' WHERE value = 'almaty sorting centre';
                 INSERT INTO warnlist (kind, value, note, added_by, added_at)
                   VALUES ('phone', '+77015550142', NULL, 'tester', '2026-01-01T00:00:00.000Z');",
            )
            .unwrap();
        let bad = check_tables(s.conn()).unwrap();
        let all = bad.problems.join("\n");
        assert!(
            all.contains(
                "warnlist row content \"goods\" is missing (the audit has no removal): changed outside interdict"
            ),
            "{all}"
        );
        assert!(
            all.contains(
                "warnlist row address \"almaty sorting centre\" differs from its last audited state in note: changed outside interdict"
            ),
            "{all}"
        );
        assert!(
            all.contains(
                "warnlist row phone \"+77015550142\" is not in the audit (added): changed outside interdict"
            ),
            "{all}"
        );
        assert_eq!(bad.problems.len(), 3, "{all}");
    }
}
