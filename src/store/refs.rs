//! Turning what a person types (`C-0042`, a tracking number, a substance
//! name or synonym, a record id) into the item it designates.

use super::error::{Result, StoreError};
use super::records;
use crate::domain::case::{parse_reference, reference};
use crate::domain::{ItemKind, Substance, tracking};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemRef {
    pub kind: ItemKind,
    pub id: Uuid,
    pub label: String,
}

impl ItemRef {
    /// The item as a sentence names it: its kind, then its label, the
    /// kind said once where the label begins with it (`exhibit EX-1`, not
    /// `exhibit exhibit EX-1`).
    pub fn named(&self) -> String {
        named(self.kind, &self.label)
    }
}

/// [`ItemRef::named`], of a kind and label.
pub fn named(kind: ItemKind, label: &str) -> String {
    let k = kind.as_str();
    let said = label
        .get(..k.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(k) && label[k.len()..].starts_with(' '));
    if said {
        label.to_string()
    } else {
        format!("{k} {label}")
    }
}

/// The parcels of a tracking number, through the identifier index.
const TRACKED: &str = "SELECT p.id FROM occurrences o JOIN parcels p ON p.n = o.item >> ?1
     WHERE o.kind = ?2 AND o.value = ?3 AND o.role = ?4 AND o.item & ?5 = ?6
     ORDER BY o.item LIMIT ?7";

/// The ids of the parcels whose tracking number is `tracking` exactly
/// (at most `limit`, oldest first), found through the identifier index:
/// since schema 19 the parcels have no index of their own by tracking
/// number (it held each number a second time; the index holds it as a
/// parcel's identifier, written in the same transaction as the parcel).
pub fn parcels_tracked(conn: &Connection, tracking: &str, limit: usize) -> Result<Vec<Uuid>> {
    use super::keys;
    use crate::domain::identifiers::IdentKind;
    let mut stmt = conn.prepare_cached(TRACKED)?;
    let ids = stmt
        .query_map(
            (
                keys::KIND_BITS,
                keys::ident_code(IdentKind::Tracking),
                tracking,
                keys::role_code("tracking")?,
                (1i64 << keys::KIND_BITS) - 1,
                keys::kind_code(ItemKind::Parcel),
                i64::try_from(limit).unwrap_or(i64::MAX),
            ),
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// The kind of the item with this id, if any item has it.
pub fn kind_of_id(conn: &Connection, id: Uuid) -> Result<Option<ItemKind>> {
    for kind in ItemKind::ALL {
        let found = conn
            .prepare_cached(&format!("SELECT 1 FROM {} WHERE id = ?1", kind.table()))?
            .query_row([id], |_| Ok(()))
            .optional()?;
        if found.is_some() {
            return Ok(Some(kind));
        }
    }
    Ok(None)
}

fn item(conn: &Connection, kind: ItemKind, id: Uuid) -> Result<ItemRef> {
    Ok(ItemRef {
        kind,
        id,
        label: records::label_of(conn, kind, id)?,
    })
}

/// Resolves a reference typed by a person.
pub fn resolve(conn: &Connection, text: &str) -> Result<ItemRef> {
    // (Accents composed, as texts are kept: see `fields::composed`.)
    let composed = crate::domain::fields::composed(text);
    let t = composed.trim();
    if t.is_empty() {
        return Err(StoreError::NotFound(
            "an empty reference names nothing".into(),
        ));
    }
    if let Ok(id) = Uuid::parse_str(t) {
        return match kind_of_id(conn, id)? {
            Some(kind) => item(conn, kind, id),
            None => Err(StoreError::NotFound(format!("no item has id {id}"))),
        };
    }
    if let Some(n) = parse_reference(t) {
        let r = reference(n);
        let id: Option<Uuid> = conn
            .prepare_cached("SELECT id FROM cases WHERE \"ref\" = ?1")?
            .query_row([&r], |row| row.get(0))
            .optional()?;
        return match id {
            Some(id) => item(conn, ItemKind::Case, id),
            None => Err(StoreError::NotFound(format!("no case {r}"))),
        };
    }
    if let Ok(tr) = tracking::parse(t) {
        let ids = parcels_tracked(conn, &tr.canonical, 5)?;
        match ids.as_slice() {
            [id] => return item(conn, ItemKind::Parcel, *id),
            [] => {}
            many => {
                return Err(StoreError::Ambiguous(format!(
                    "{} parcels have tracking number {}; name one by id: {}",
                    many.len(),
                    tr.canonical,
                    many.iter()
                        .map(Uuid::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
    }
    // A substance, a person or organisation, and an exhibit may all be
    // called by one text (`A2` is a street name of BZP and an exhibit
    // number): one of them is named only when no other of another kind is.
    let mut named: Vec<(ItemKind, Uuid)> = Vec::new();
    let substances = substances_called(conn, t)?;
    match substances.as_slice() {
        [s] => named.push((ItemKind::Substance, s.meta.id)),
        [] => {}
        many => {
            return Err(StoreError::Ambiguous(format!(
                "{t:?} names {} substances: {}",
                many.len(),
                many.iter()
                    .map(|s| format!("{} ({})", s.name, s.meta.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let parties = parties_called(conn, t)?;
    match parties.as_slice() {
        [(kind, id)] => named.push((*kind, *id)),
        [] => {}
        many => {
            return Err(StoreError::Ambiguous(format!(
                "{t:?} names {} people or organisations: {}",
                many.len(),
                each_named(conn, many)?.join(", ")
            )));
        }
    }
    // An exhibit by its number.
    if let Some(id) = exhibit_numbered(conn, t)? {
        named.push((ItemKind::Exhibit, id));
    }
    match named.as_slice() {
        [(kind, id)] => return item(conn, *kind, *id),
        [] => {}
        many => {
            return Err(StoreError::Ambiguous(format!(
                "{t:?} names {}; name one by its id",
                each_named(conn, many)?.join(" and ")
            )));
        }
    }
    // A finding as PARCEL:SUBSTANCE.
    if let Some((p, s)) = t.rsplit_once(':')
        && let Ok(parcel) = resolve_kind(conn, p, ItemKind::Parcel)
    {
        let subs: Vec<Uuid> = substances_called(conn, s.trim())?
            .into_iter()
            .map(|s| s.meta.id)
            .collect();
        let found: Vec<Uuid> = crate::store::related::findings_in_parcel(conn, parcel.id)?
            .into_iter()
            .filter(|f| subs.contains(&f.substance_id))
            .map(|f| f.meta.id)
            .collect();
        match found.as_slice() {
            [id] => return item(conn, ItemKind::Finding, *id),
            [] => {
                return Err(StoreError::NotFound(format!(
                    "parcel {} has no finding of {:?}",
                    parcel.label,
                    s.trim()
                )));
            }
            many => {
                return Err(StoreError::Ambiguous(format!(
                    "parcel {} has {} findings of {:?}; name one by id: {}",
                    parcel.label,
                    many.len(),
                    s.trim(),
                    many.iter()
                        .map(Uuid::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
    }
    Err(StoreError::NotFound(matches_nothing(t)))
}

/// What [`resolve`] says of a text that names nothing.
fn matches_nothing(t: &str) -> String {
    format!(
        "no case, parcel, substance, person, organisation, exhibit or finding (PARCEL:SUBSTANCE) matches {t:?} (try: interdict search {t:?})"
    )
}

/// Items as an ambiguity lists them: `person Ivan Petrov (id)`.
fn each_named(conn: &Connection, items: &[(ItemKind, Uuid)]) -> Result<Vec<String>> {
    items
        .iter()
        .map(|(kind, id)| {
            Ok(format!(
                "{} ({id})",
                named(*kind, &records::label_of(conn, *kind, *id)?)
            ))
        })
        .collect()
}

/// People and organisations whose name or alias is `name` (in any script
/// or word order: `PETROV, Ivan` and `Иван Петров` name Ivan Petrov), or
/// whose handle it is (`@shop_bot`), through the identifier index.
pub fn parties_called(conn: &Connection, name: &str) -> Result<Vec<(ItemKind, Uuid)>> {
    use crate::domain::identifiers::{self as ids, IdentKind};
    let mut keys = Vec::new();
    if let Some(k) = ids::name_key(name) {
        keys.push((IdentKind::Name, k));
    }
    if let Some(h) = crate::domain::online::telegram(name).filter(|_| name.trim().starts_with('@'))
    {
        keys.push((IdentKind::Handle, h));
    }
    let mut out = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT item FROM occurrences WHERE kind = ?1 AND value = ?2 AND role IN (?3, ?4)",
    )?;
    let (name_role, contacts_role) = (
        super::keys::role_code("name")?,
        super::keys::role_code("contacts")?,
    );
    for (kind, value) in keys {
        let items: Vec<i64> = stmt
            .query_map(
                (
                    super::keys::ident_code(kind),
                    &value,
                    name_role,
                    contacts_role,
                ),
                |r| r.get(0),
            )?
            .collect::<rusqlite::Result<_>>()?;
        for key in items {
            if let Some((k, id)) = super::keys::id_of(conn, key)?
                && matches!(k, ItemKind::Person | ItemKind::Organisation)
                && !out.contains(&(k, id))
            {
                out.push((k, id));
            }
        }
    }
    // A name too short to be an identifier (`P1`, `AB`: a key needs three
    // letters) is looked for as written: `search` listed such a person,
    // and `show P1` or `add link P1 ...` said nothing matched.
    if ids::name_key(name).is_none() && !name.trim().is_empty() {
        for kind in [ItemKind::Person, ItemKind::Organisation] {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT id FROM {} WHERE name = ?1 COLLATE NOCASE",
                kind.table()
            ))?;
            let ids: Vec<Uuid> = stmt
                .query_map([name.trim()], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            out.extend(ids.into_iter().map(|id| (kind, id)));
        }
    }
    Ok(out)
}

/// Substances whose name or synonym is `name`, ignoring case. Exact names
/// win over synonyms.
pub fn substances_called(conn: &Connection, name: &str) -> Result<Vec<Substance>> {
    let exact = records::list_where::<Substance, _>(
        conn,
        "name = ?1 COLLATE NOCASE",
        [name.trim()],
        10,
        0,
    )?;
    if !exact.is_empty() {
        return Ok(exact);
    }
    let like = format!("%{}%", name.trim().replace(['%', '_'], ""));
    let candidates = records::list_where::<Substance, _>(conn, "synonyms LIKE ?1", [like], 100, 0)?;
    let found: Vec<Substance> = candidates
        .into_iter()
        .filter(|s| s.is_called(name))
        .collect();
    // SQLite folds the case of ASCII letters only: `Мефедрон` is looked
    // for among every substance (a few hundred).
    if found.is_empty() && !name.is_ascii() {
        return Ok(
            records::list_where::<Substance, _>(conn, "1", [], usize::MAX, 0)?
                .into_iter()
                .filter(|s| s.is_called(name))
                .collect(),
        );
    }
    Ok(found)
}

/// Resolves a reference that must be of one kind.
pub fn resolve_kind(conn: &Connection, text: &str, kind: ItemKind) -> Result<ItemRef> {
    let r = match resolve(conn, text) {
        // A text that names items of several kinds names the one of the
        // kind wanted, when it names one.
        Err(StoreError::Ambiguous(why)) => {
            let t = text.trim();
            let ids: Vec<Uuid> = match kind {
                ItemKind::Substance => substances_called(conn, t)?
                    .into_iter()
                    .map(|s| s.meta.id)
                    .collect(),
                ItemKind::Exhibit => exhibit_numbered(conn, t)?.into_iter().collect(),
                ItemKind::Person | ItemKind::Organisation => parties_called(conn, t)?
                    .into_iter()
                    .filter(|(k, _)| *k == kind)
                    .map(|(_, id)| id)
                    .collect(),
                _ => Vec::new(),
            };
            match ids.as_slice() {
                [id] => return item(conn, kind, *id),
                _ => return Err(StoreError::Ambiguous(why)),
            }
        }
        // Nothing of any kind: said of the kind wanted (a form's "In case"
        // listed every kind, and a command to type, under the field).
        Err(StoreError::NotFound(m)) if m == matches_nothing(text.trim()) => {
            let how = match kind {
                ItemKind::Case => " (a case is named by its reference, C-0001, or its title)",
                _ => "",
            };
            return Err(StoreError::NotFound(format!(
                "no {kind} matches {:?}{how}",
                text.trim()
            )));
        }
        other => other?,
    };
    if r.kind != kind {
        return Err(StoreError::NotFound(format!(
            "{text:?} is a {}, not a {kind}",
            r.kind
        )));
    }
    Ok(r)
}

/// The `meta` key under which the highest case number ever given or
/// deleted here is kept, so that no reference is given twice.
const CASE_NUMBERS: &str = "case_numbers_used";

/// The highest case number used here before, by a case since deleted
/// too: kept in `meta`, or, in a notebook from before it was kept, read
/// once from the audit log's deletions of cases (each holds the case as
/// it was).
fn case_numbers_used(conn: &Connection) -> Result<i64> {
    match kept_case_numbers(conn)? {
        Some(n) => Ok(n),
        None => deleted_case_numbers(conn),
    }
}

/// The number of the highest case reference the audit log shows deleted
/// (each deletion holds the case as it was); 0 when none was.
pub fn deleted_case_numbers(conn: &Connection) -> Result<i64> {
    use super::audit::names::Name;
    let mut stmt = conn.prepare(&format!(
        "SELECT detail FROM audit WHERE action = {} AND item_kind = {} AND state IS NULL",
        Name::Action.sql("delete"),
        Name::Kind.sql("case")
    ))?;
    let mut rows = stmt.query([])?;
    let mut high = 0;
    while let Some(r) = rows.next()? {
        let detail: Option<String> = r.get(0)?;
        let n = detail
            .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
            .and_then(|v| v.get("ref")?.as_str().and_then(parse_reference));
        high = high.max(n.unwrap_or(0));
    }
    Ok(high)
}

/// The highest case number kept as used (`meta`), when it is kept.
pub fn kept_case_numbers(conn: &Connection) -> Result<Option<i64>> {
    let kept: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [CASE_NUMBERS],
            |r| r.get(0),
        )
        .optional()?;
    Ok(kept.and_then(|v| v.parse().ok()))
}

/// Keeps `n` as a case number used here (a case given it, or deleted).
pub fn case_number_used(conn: &Connection, n: i64) -> Result<()> {
    let high = case_numbers_used(conn)?.max(n);
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (CASE_NUMBERS, high.to_string()),
    )?;
    Ok(())
}

/// The next free case reference, kept as used (call it only to give it,
/// in the write that does): after every reference given here before, a
/// deleted case's too (a reference once given names that case in notes,
/// reports and watch entries written since, and is never given to
/// another).
pub fn next_case_reference(conn: &Connection) -> Result<String> {
    // References outside the range a notebook numbers in (a hostile file's
    // `C-9223372036854775807`) do not move the numbering.
    let max: Option<i64> = conn.query_row(
        "SELECT max(CAST(substr(\"ref\", 3) AS INTEGER)) FROM cases \
         WHERE CAST(substr(\"ref\", 3) AS INTEGER) BETWEEN 1 AND ?1",
        [crate::domain::case::MAX_CASE_NUMBER],
        |r| r.get(0),
    )?;
    let used = case_numbers_used(conn)?.min(crate::domain::case::MAX_CASE_NUMBER);
    let next = max.unwrap_or(0).max(used).saturating_add(1);
    if next > crate::domain::case::MAX_CASE_NUMBER {
        return Err(StoreError::Refused(format!(
            "every case number up to {} is taken",
            crate::domain::case::MAX_CASE_NUMBER
        )));
    }
    // (Called only to give the reference: kept as used at once.)
    case_number_used(conn, next)?;
    Ok(reference(next))
}

/// The exhibit with this number, if any: written as given (through the
/// index), or else ignoring case (`ex-1` is `EX-1`: one number per
/// notebook whatever its case).
///
/// Two exhibits may hold one number when a merge brought another post's
/// (each post numbers its own from EX-1; both are kept, and the merge says
/// so): the number is then refused as ambiguous, naming each exhibit with
/// its parcel and id, rather than one picked without a word.
pub fn exhibit_numbered(conn: &Connection, number: &str) -> Result<Option<Uuid>> {
    let held = exhibits_numbered(conn, number)?;
    match held.as_slice() {
        [] => Ok(None),
        [(id, _, _)] => Ok(Some(*id)),
        many => Err(StoreError::Ambiguous(format!(
            "{} exhibits are numbered {:?} (a merge brought another post's): {}; name one by its id",
            many.len(),
            number.trim(),
            many.iter()
                .map(|(id, n, parcel)| format!(
                    "{n} on parcel {} ({id})",
                    parcel.as_deref().unwrap_or("?")
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// An exhibit number as numbers are compared: ignoring case and the
/// spaces around it.
pub fn exhibit_number_key(number: &str) -> String {
    number.trim().to_lowercase()
}

/// Every exhibit's id by its number's key ([`exhibit_number_key`]), in
/// the order written: one read for work that asks of many numbers (a
/// merge asked [`exhibits_numbered`] of each exhibit it added, a scan of
/// them all each time).
pub fn exhibits_by_number(
    conn: &Connection,
) -> Result<std::collections::HashMap<String, Vec<Uuid>>> {
    let mut stmt = conn.prepare("SELECT id, number FROM exhibits ORDER BY rowid")?;
    let mut rows = stmt.query([])?;
    let mut out = std::collections::HashMap::<String, Vec<Uuid>>::new();
    while let Some(r) = rows.next()? {
        let number: String = r.get(1)?;
        out.entry(exhibit_number_key(&number))
            .or_default()
            .push(r.get(0)?);
    }
    Ok(out)
}

/// Every exhibit whose number is `number` ignoring case, as (id, number,
/// its parcel's tracking number), in the order written.
pub fn exhibits_numbered(
    conn: &Connection,
    number: &str,
) -> Result<Vec<(Uuid, String, Option<String>)>> {
    let want = exhibit_number_key(number);
    let mut stmt = conn.prepare_cached(
        "SELECT e.id, e.number, p.tracking FROM exhibits e \
         LEFT JOIN parcels p ON p.id = e.parcel_id ORDER BY e.rowid",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let n: String = r.get(1)?;
        if exhibit_number_key(&n) == want {
            out.push((r.get(0)?, n, r.get(2)?));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::new_record;
    use crate::domain::{Note, Parcel};
    use crate::store::testutil::temp_store;

    /// `show`, `edit` and `delete` find an exhibit by its number written
    /// in any case, as the evidence commands do.
    #[test]
    fn an_exhibit_number_is_found_in_any_case() {
        let (_d, mut s) = temp_store();
        let id = s
            .write(|w| {
                let (mut p, _) = new_record::<Parcel>(&[("tracking", "RR123456785KZ")])?;
                crate::store::create::parcel(w, &mut p)?;
                let (mut x, _) =
                    new_record::<crate::domain::evidence::Exhibit>(&[("number", "KZ-ALA-1/1")])?;
                x.parcel_id = p.meta.id;
                crate::store::records::insert(w, &mut x)?;
                Ok(x.meta.id)
            })
            .unwrap();
        for written in ["KZ-ALA-1/1", "kz-ala-1/1", " Kz-Ala-1/1 "] {
            let r = resolve(s.conn(), written).unwrap();
            assert_eq!((r.kind, r.id), (ItemKind::Exhibit, id), "{written:?}");
        }
        assert!(resolve(s.conn(), "kz-ala-1/2").is_err());
    }

    /// A tracking number leads to its parcel through the identifier index
    /// (the parcels have no index by number since schema 19): a second
    /// parcel of the number is refused, a note that mentions it is not
    /// taken for the parcel, and the lookup reads the index's range and
    /// the parcel's row, no scan.
    #[test]
    fn a_tracking_number_is_found_through_the_identifier_index() {
        let (_d, mut s) = temp_store();
        let id = s
            .write(|w| {
                let (mut p, _) = new_record::<Parcel>(&[("tracking", "RR123456785KZ")])?;
                crate::store::create::parcel(w, &mut p)?;
                let (mut other, _) = new_record::<Parcel>(&[("tracking", "EE473124829CN")])?;
                crate::store::create::parcel(w, &mut other)?;
                let (mut n, _) = new_record::<Note>(&[("text", "see RR123456785KZ")])?;
                n.item_id = other.meta.id;
                crate::store::create::note(w, &mut n)?;
                Ok(p.meta.id)
            })
            .unwrap();
        let mentioned: i64 = s
            .conn()
            .query_row(
                "SELECT count(*) FROM occurrences WHERE value = 'RR123456785KZ'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(mentioned, 2, "the parcel's number and the note's mention");
        assert_eq!(parcels_tracked(s.conn(), "RR123456785KZ", 5).unwrap(), [id]);
        assert!(
            parcels_tracked(s.conn(), "RR123456786KZ", 5)
                .unwrap()
                .is_empty()
        );
        assert_eq!(resolve(s.conn(), "rr 123 456 785 kz").unwrap().id, id);
        let again = s.write(|w| {
            let (mut p, _) = new_record::<Parcel>(&[("tracking", "RR123456785KZ")])?;
            crate::store::create::parcel(w, &mut p)
        });
        assert!(
            matches!(&again, Err(StoreError::Duplicate(m)) if m.contains(&id.to_string())),
            "{again:?}"
        );
        let gone: i64 = s
            .conn()
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'parcels_tracking'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(gone, 0);
        let plan = crate::store::testutil::plan(s.conn(), TRACKED, [1, 1, 1, 1, 1, 1, 1]);
        assert!(
            plan.iter()
                .any(|d| d.contains("SEARCH o USING PRIMARY KEY (kind=? AND value=?)")),
            "{plan:?}"
        );
        assert!(
            plan.iter()
                .any(|d| d.contains("SEARCH p USING INTEGER PRIMARY KEY (rowid=?)")),
            "{plan:?}"
        );
        assert!(!plan.iter().any(|d| d.contains("TEMP B-TREE")), "{plan:?}");
    }
}
