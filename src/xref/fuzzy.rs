//! Fuzzy matches: items whose names sound alike (transliteration, word
//! order, typos) or whose addresses read alike (spelling, abbreviations),
//! without being the same name or address. Separate from, and
//! lower in confidence than, shared identifiers: each comes with a score
//! and the features that produced it, and waits for a person to confirm it
//! (it becomes a `same-as` link, audited) or reject it (remembered, never
//! suggested again).

use super::OVER_SHARED;
use super::graph::Node;
use crate::domain::identifiers::IdentKind;
use crate::domain::record::{get_field, new_record};
use crate::domain::{ItemKind, Link, Parcel, text};
use crate::store::{Result, StoreError, Writer, audit, create, keys, records, refs};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    pub a: Node,
    pub b: Node,
    pub a_name: String,
    pub b_name: String,
    pub a_role: String,
    pub b_role: String,
    /// 0 to 1; never above 0.95, as a person must confirm.
    pub score: f64,
    pub features: Vec<String>,
    /// The two items as a person knows them (tracking numbers, case
    /// references), so that pairs of the same names can be told apart.
    pub a_label: String,
    pub b_label: String,
}

/// An item that has a sound, with the name or address that sounds so.
struct Member {
    kind: ItemKind,
    id: Uuid,
    role: String,
    name: String,
}

/// Two records of people (or of organisations) of one name, told apart
/// by nothing but being two records (two posts' records of one target,
/// met in a merge): offered as a match (score 0.95) until confirmed,
/// linked `same-as` or rejected; around one item, its pairs only. A name
/// that more than [`super::cap`]`("name")` records of a kind carry, or
/// one on the warning list, is passed over. Found from the records
/// themselves, not the shared sounds: a name that many parcels carry (a
/// target's own series) is over-shared as a sound, and the pair was
/// never offered.
fn same_named_parties(conn: &Connection, around: Option<Uuid>) -> Result<Vec<Suggestion>> {
    let mut out = Vec::new();
    for kind in [ItemKind::Person, ItemKind::Organisation] {
        let table = kind.table();
        let only = match around {
            Some(id) => {
                let name: Option<String> = conn
                    .prepare_cached(&format!("SELECT name FROM {table} WHERE id = ?1"))?
                    .query_row([id], |r| r.get(0))
                    .optional()?;
                match name {
                    Some(n) => Some((id, text::name_key(&n))),
                    None => continue,
                }
            }
            None => None,
        };
        // (In the names' order: pairs of equal score are listed alike in
        // every run.)
        let mut by_name: std::collections::BTreeMap<String, Vec<(Uuid, String)>> =
            Default::default();
        let mut stmt = conn.prepare(&format!("SELECT id, name FROM {table}"))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (id, name): (Uuid, String) = (r.get(0)?, r.get(1)?);
            let key = text::name_key(&name);
            if key.is_empty() || only.as_ref().is_some_and(|(_, k)| *k != key) {
                continue;
            }
            by_name.entry(key).or_default().push((id, name));
        }
        for (key, members) in by_name {
            if members.len() < 2
                || members.len() > super::cap("name") as usize
                || crate::store::warnlist::is_listed(conn, IdentKind::Name, &key)?
            {
                continue;
            }
            for (i, (a, a_name)) in members.iter().enumerate() {
                for (b, b_name) in members.iter().skip(i + 1) {
                    if only.as_ref().is_some_and(|(x, _)| x != a && x != b)
                        || decided(conn, *a, *b)?.is_some()
                        || linked_same_as(conn, *a, *b)?
                    {
                        continue;
                    }
                    out.push(Suggestion {
                        a: Node { kind, id: *a },
                        b: Node { kind, id: *b },
                        a_name: a_name.clone(),
                        b_name: b_name.clone(),
                        a_role: "name".into(),
                        b_role: "name".into(),
                        score: 0.95,
                        features: vec![format!("the same name: two {kind} records")],
                        a_label: String::new(),
                        b_label: String::new(),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// Whether a link of this type joins the two items in this direction
/// (either way for `same-as`).
fn link_exists(conn: &Connection, (link_type, from, to): (&str, Uuid, Uuid)) -> Result<bool> {
    if link_type == "same-as" {
        return linked_same_as(conn, from, to);
    }
    Ok(conn
        .prepare_cached("SELECT 1 FROM links WHERE link_type = ?1 AND from_id = ?2 AND to_id = ?3")?
        .exists((link_type, from, to))?)
}

/// Whether a `same-as` link joins the two items (either way).
fn linked_same_as(conn: &Connection, a: Uuid, b: Uuid) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM links WHERE link_type = 'same-as'
               AND ((from_id = ?1 AND to_id = ?2) OR (from_id = ?2 AND to_id = ?1))",
        )?
        .exists((a, b))?)
}

/// The pair in a canonical order (smaller id first).
fn ordered(a: Uuid, b: Uuid) -> (Uuid, Uuid) {
    if a < b { (a, b) } else { (b, a) }
}

fn decided(conn: &Connection, a: Uuid, b: Uuid) -> Result<Option<String>> {
    let (x, y) = ordered(a, b);
    Ok(conn
        .prepare_cached("SELECT decision FROM match_decisions WHERE a_id = ?1 AND b_id = ?2")?
        .query_row((x, y), |r| r.get(0))
        .optional()?)
}

/// The name or address of an item whose sound is kept as `hash`, with
/// that sound: a parcel's field in `role`; the one of a person's or
/// organisation's names or addresses that sounds so. None when none of
/// them does (the row is not the record's: the integrity check names it).
fn sounding(
    conn: &Connection,
    id: Uuid,
    role: &str,
    hash: i64,
    kind: IdentKind,
) -> Result<Option<(String, String)>> {
    let address = kind == IdentKind::AddressSound;
    use crate::domain::identifiers as ids;
    use crate::domain::person::parts;
    let sound_of = |n: &str| {
        if address {
            ids::address_sound_key(n)
        } else {
            ids::name_sound_key(n)
        }
    };
    let pick = |names: Vec<&str>| {
        names.into_iter().find_map(|n| {
            sound_of(n)
                .filter(|s| keys::sound_hash(kind, s) == hash)
                .map(|s| (n.to_string(), s))
        })
    };
    if let Some(p) = records::get::<crate::domain::Person>(conn, id)? {
        return Ok(if address {
            pick(parts(&p.addresses).collect())
        } else {
            pick(p.names().collect())
        });
    }
    if let Some(o) = records::get::<crate::domain::Organisation>(conn, id)? {
        return Ok(if address {
            pick(parts(&o.addresses).collect())
        } else {
            pick(o.names().collect())
        });
    }
    Ok(records::get::<Parcel>(conn, id)?.and_then(|p| pick(vec![get_field(&p, role).as_str()])))
}

/// Why two addresses are thought to be one place, and how strongly.
pub fn explain_address(a: &str, b: &str, sound: &str) -> (f64, Vec<String>) {
    let (fa, fb) = (text::fold(a), text::fold(b));
    let mut features = vec![format!(
        "addresses read alike ({sound}): same numbers, street and town"
    )];
    let d = strsim::levenshtein(&fa, &fb);
    features.push(format!(
        "{d} letter{} apart as written",
        if d == 1 { "" } else { "s" }
    ));
    let similarity = strsim::jaro_winkler(&fa, &fb);
    ((0.5 + 0.45 * similarity).min(0.95), features)
}

/// Why two names are thought to be one, and how strongly.
pub fn explain(a: &str, b: &str, sound: &str) -> (f64, Vec<String>) {
    let (ka, kb) = (text::name_key(a), text::name_key(b));
    let (fa, fb) = (text::fold(a), text::fold(b));
    let mut features = vec![format!("names sound alike ({sound})")];
    if ka == kb {
        features.push("same words in another order or case".into());
    } else {
        let swapped = |s: &str| {
            s.replace('w', "v")
                .replace('j', "y")
                .replace("ph", "f")
                .replace("kh", "h")
        };
        let script = |s: &str| crate::domain::translit::has_cyrillic(s);
        let spelled = |k: &str| {
            k.split(' ')
                .map(crate::domain::identifiers::spelling)
                .collect::<Vec<_>>()
                .join(" ")
        };
        if script(a) != script(b) {
            features.push("one name in Cyrillic, one in Latin letters".into());
        } else if swapped(&ka) == swapped(&kb) {
            features.push("transliteration variants (w/v, j/y, ph/f, kh/h)".into());
        } else if spelled(&ka) == spelled(&kb) {
            features.push(
                "transliteration variants (GOST, ICAO, BGN or informal spellings of one name)"
                    .into(),
            );
        } else {
            let d = strsim::levenshtein(&ka, &kb);
            features.push(format!("{d} letter{} apart", if d == 1 { "" } else { "s" }));
        }
    }
    if fa.split(' ').next() != fb.split(' ').next() && ka == kb {
        features.push("word order differs".into());
    }
    let similarity = strsim::jaro_winkler(&ka, &kb);
    ((0.5 + 0.45 * similarity).min(0.95), features)
}

/// Suggested matches, best first: around one item, or across the notebook.
/// Pairs already connected by the same exact name, over-shared sounds,
/// and pairs a person has decided on are left out.
pub fn suggestions(
    conn: &Connection,
    around: Option<Uuid>,
    limit: usize,
) -> Result<Vec<Suggestion>> {
    // In one read: its many small questions each began and ended a read
    // transaction of their own (with a lock taken and let go in the file
    // each time), about half of the time on a notebook of 100,000
    // parcels.
    Ok(counted_suggestions(conn, around, limit)?.0)
}

/// [`suggestions`], with how many there are in all (a list cut at its
/// limit says so: `matches list` showed 50 of 584, unsaid).
pub fn counted_suggestions(
    conn: &Connection,
    around: Option<Uuid>,
    limit: usize,
) -> Result<(Vec<Suggestion>, usize)> {
    crate::store::in_one_read(conn, || suggestions_in(conn, around, limit))
}

fn suggestions_in(
    conn: &Connection,
    around: Option<Uuid>,
    limit: usize,
) -> Result<(Vec<Suggestion>, usize)> {
    // The sounds to look at, as (kind, key as kept): the item's own,
    // worked out from its record, or every sound two or more items share
    // (its kind its rows' role's).
    let coded: Vec<(IdentKind, i64)> = match around {
        Some(id) => {
            let Some(kind) = refs::kind_of_id(conn, id)? else {
                return Ok((Vec::new(), 0));
            };
            let idents = crate::with_record_type!(kind, R => match records::get::<R>(conn, id)? {
                Some(r) => crate::domain::record::Record::sounds(&r),
                None => Vec::new(),
            });
            let mut own: Vec<(IdentKind, i64)> = idents
                .into_iter()
                .filter(|i| !i.kind.is_exact())
                .map(|i| (i.kind, keys::sound_hash(i.kind, &i.value)))
                .collect();
            own.sort_unstable();
            own.dedup();
            own
        }
        None => {
            let mut stmt = conn.prepare(
                "SELECT min(role), key FROM sounds GROUP BY key HAVING count(*) BETWEEN 2 AND ?1",
            )?;
            let shared: Vec<(i64, i64)> = stmt
                .query_map(
                    [super::cap("name-sound").max(super::cap("address-sound"))],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?
                .collect::<rusqlite::Result<_>>()?;
            shared
                .into_iter()
                .filter_map(|(role, key)| Some((keys::sound_kind(role)?, key)))
                .collect()
        }
    };
    let mut out: Vec<Suggestion> = same_named_parties(conn, around)?;
    // Each pair once, as the sound that scores it best suggests it (two
    // items may sound alike by name and by address): whichever sound is
    // met first, around an item or across the notebook.
    let mut pairs_seen: HashMap<(Uuid, Uuid), f64> = out
        .iter()
        .map(|s| (ordered(s.a.id, s.b.id), s.score))
        .collect();
    for (of, hash) in coded {
        let sound_kind = of.as_str();
        let address = of == IdentKind::AddressSound;
        let mut stmt =
            conn.prepare_cached("SELECT item, role FROM sounds WHERE key = ?1 LIMIT ?2")?;
        let coded: Vec<(i64, i64)> = stmt
            .query_map((hash, OVER_SHARED + 1), |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        // Each member with the name that sounds so, read from its record,
        // and grouped by the sound itself (two sounds may share a number).
        let mut by_sound: std::collections::BTreeMap<String, Vec<Member>> = Default::default();
        for (item, role) in coded {
            let Some((kind, id)) = keys::id_of(conn, item)? else {
                continue;
            };
            let role = keys::role_name(role)?;
            if let Some((name, sound)) = sounding(conn, id, role, hash, of)? {
                // A value on the warning list never connects items, nor
                // is it offered as a match (our own post office's
                // address, written a little otherwise, joined strangers).
                let (exact, value) = if address {
                    (
                        IdentKind::Address,
                        crate::domain::identifiers::address_fold(&name),
                    )
                } else {
                    (IdentKind::Name, text::name_key(&name))
                };
                if crate::store::warnlist::is_listed(conn, exact, &value)? {
                    continue;
                }
                by_sound.entry(sound).or_default().push(Member {
                    kind,
                    id,
                    role: role.to_string(),
                    name,
                });
            }
        }
        for (sound, members) in by_sound {
            if members.len() > super::cap(sound_kind) as usize {
                continue;
            }
            for (i, a) in members.iter().enumerate() {
                for b in members.iter().skip(i + 1) {
                    if a.id == b.id || around.is_some_and(|x| x != a.id && x != b.id) {
                        continue;
                    }
                    let pair = ordered(a.id, b.id);
                    let best = pairs_seen.get(&pair).copied();
                    if best.is_none() && decided(conn, a.id, b.id)?.is_some() {
                        continue;
                    }
                    let same = if address {
                        crate::domain::identifiers::address_fold(&a.name)
                            == crate::domain::identifiers::address_fold(&b.name)
                    } else {
                        text::name_key(&a.name) == text::name_key(&b.name)
                    };
                    // A street and an avenue (or a lane, a micro-district)
                    // of one name are two places: no match ("same
                    // numbers, street and town" was said of them).
                    let two_kinds = || {
                        let kind = crate::domain::identifiers::street_kind;
                        matches!((kind(&a.name), kind(&b.name)), (Some(x), Some(y)) if x != y)
                    };
                    if address && two_kinds() {
                        continue;
                    }
                    if same {
                        // The same value: already connected as a shared
                        // identifier (the pair may still be suggested for
                        // another name or address; two parties' records
                        // of one name are offered by `same_named_parties`).
                        continue;
                    }
                    let (score, features) = if address {
                        explain_address(&a.name, &b.name, &sound)
                    } else {
                        explain(&a.name, &b.name, &sound)
                    };
                    if best.is_some_and(|best| best >= score) {
                        continue;
                    }
                    let suggestion = Suggestion {
                        a: Node {
                            kind: a.kind,
                            id: a.id,
                        },
                        b: Node {
                            kind: b.kind,
                            id: b.id,
                        },
                        a_name: a.name.clone(),
                        b_name: b.name.clone(),
                        a_role: a.role.clone(),
                        b_role: b.role.clone(),
                        score,
                        features,
                        a_label: String::new(),
                        b_label: String::new(),
                    };
                    // A pair the link confirming it already joins (a
                    // buyer linked `recipient-of` the parcel naming him)
                    // is no suggestion: it was offered, and confirming it
                    // failed on the link that was there.
                    if link_exists(conn, confirmed_link(&suggestion))? {
                        continue;
                    }
                    if best.is_some() {
                        out.retain(|s| ordered(s.a.id, s.b.id) != pair);
                    }
                    pairs_seen.insert(pair, score);
                    out.push(suggestion);
                    // Only the best `limit` are kept: every pair held until
                    // the end was 814 MiB across a million parcels. (A
                    // stable sort: what it keeps, and in what order, is
                    // what one sort at the end would give.)
                    if out.len() >= limit.saturating_mul(2).max(64) {
                        best_first(&mut out);
                        out.truncate(limit);
                    }
                }
            }
        }
    }
    best_first(&mut out);
    out.truncate(limit);
    for s in &mut out {
        s.a_label = crate::store::records::label_of(conn, s.a.kind, s.a.id)?;
        s.b_label = crate::store::records::label_of(conn, s.b.kind, s.b.id)?;
    }
    Ok((out, pairs_seen.len()))
}

/// Suggestions best first: by score, then by the first item's id, the
/// order found kept among equals.
fn best_first(list: &mut [Suggestion]) {
    list.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.a.id.cmp(&y.a.id)));
}

fn decision_id(a: Uuid, b: Uuid) -> Uuid {
    let (x, y) = ordered(a, b);
    Uuid::new_v5(
        &Uuid::NAMESPACE_OID,
        format!("interdict-match:{x}:{y}").as_bytes(),
    )
}

fn record_decision(
    w: &mut Writer<'_>,
    a: Uuid,
    b: Uuid,
    decision: &str,
    link: Option<Uuid>,
) -> Result<()> {
    if let Some(d) = decided(&w.tx, a, b)? {
        return Err(StoreError::Duplicate(format!("this pair was already {d}")));
    }
    let (x, y) = ordered(a, b);
    w.tx.execute(
        "INSERT INTO match_decisions (a_id, b_id, decision, link_id, decided_by, decided_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        (x, y, decision, link, w.actor, &w.now),
    )?;
    let after = serde_json::json!({"a": x, "b": y, "decision": decision, "link": link}).to_string();
    audit::append(w, decision, "match", decision_id(a, b), None, Some(&after))
}

/// The link a confirmed match makes: a person or organisation and a parcel
/// they are named on are `sender-of` or `recipient-of` it (from the party
/// to the parcel); any other pair is `same-as`.
pub fn confirmed_link(s: &Suggestion) -> (&'static str, Uuid, Uuid) {
    let party = |k: ItemKind| matches!(k, ItemKind::Person | ItemKind::Organisation);
    let side = |role: &str| {
        if role.starts_with("sender") {
            Some("sender-of")
        } else if role.starts_with("recipient") {
            Some("recipient-of")
        } else {
            None
        }
    };
    if party(s.a.kind)
        && s.b.kind == ItemKind::Parcel
        && let Some(t) = side(&s.b_role)
    {
        return (t, s.a.id, s.b.id);
    }
    if party(s.b.kind)
        && s.a.kind == ItemKind::Parcel
        && let Some(t) = side(&s.a_role)
    {
        return (t, s.b.id, s.a.id);
    }
    ("same-as", s.a.id, s.b.id)
}

/// Confirms a suggested match: a link that says why (see
/// [`confirmed_link`] for its type).
pub fn confirm(w: &mut Writer<'_>, s: &Suggestion) -> Result<Uuid> {
    let note = format!(
        "confirmed match {:?} ~ {:?} (score {:.2}: {})",
        s.a_name,
        s.b_name,
        s.score,
        s.features.join("; ")
    );
    let (link_type, from, to) = confirmed_link(s);
    let (mut l, _) = new_record::<Link>(&[("link_type", link_type), ("note", &note)])?;
    l.from_id = from;
    l.to_id = to;
    create::link(w, &mut l)?;
    record_decision(w, s.a.id, s.b.id, "confirmed", Some(l.meta.id))?;
    Ok(l.meta.id)
}

/// Rejects a suggested match; it is never suggested again.
pub fn reject(w: &mut Writer<'_>, a: Uuid, b: Uuid) -> Result<()> {
    record_decision(w, a, b, "rejected", None)
}

/// The suggestion for one pair, if the pair is (still) suggested.
pub fn between(conn: &Connection, a: Uuid, b: Uuid) -> Result<Option<Suggestion>> {
    Ok(suggestions(conn, Some(a), usize::MAX)?
        .into_iter()
        .find(|s| (s.a.id == a && s.b.id == b) || (s.a.id == b && s.b.id == a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explanations() {
        let (s, f) = explain("Ivan Petrov", "Iwan Petrow", "ivn ptrv");
        assert!(s > 0.8 && s <= 0.95, "{s}");
        assert!(f.iter().any(|x| x.contains("transliteration")), "{f:?}");
        let (s2, f2) = explain("Ivan Petrov", "Ivan Petorv", "ivn ptrv");
        assert!(f2.iter().any(|x| x.contains("letters apart")), "{f2:?}");
        assert!(s2 < 0.95);
    }

    /// The best few, kept as the pairs are found, are the head of the
    /// whole list: the same pairs, scores and order.
    #[test]
    fn the_best_few_are_the_head_of_the_whole_list() {
        let (_d, mut s) = crate::store::testutil::temp_store();
        crate::exchange::demo::generate(&mut s, 1500, 9, |_, _| {}).unwrap();
        let key = |l: &[Suggestion]| -> Vec<(Uuid, Uuid, u64)> {
            l.iter()
                .map(|x| (x.a.id, x.b.id, x.score.to_bits()))
                .collect()
        };
        let all = suggestions(s.conn(), None, usize::MAX).unwrap();
        // Enough pairs for the list kept to be cut many times over.
        assert!(all.len() > 400, "{}", all.len());
        for limit in [1, 7, 40] {
            let few = suggestions(s.conn(), None, limit).unwrap();
            assert_eq!(key(&few), key(&all[..limit]), "limit {limit}");
        }
    }

    /// Two names whose sounds differ but are kept as the same number are
    /// never paired: each row's sound is worked out again from its record.
    /// A name that sounds like one of them still is.
    #[test]
    fn sounds_that_share_a_number_are_told_apart() {
        use crate::domain::identifiers::name_sound_key;
        let word = |mut i: u32| {
            let mut w = String::new();
            for _ in 0..6 {
                w.push(b"bdgklmnprstz"[(i % 12) as usize] as char);
                w.push('a');
                i /= 12;
            }
            w
        };
        // (Some 80,000 sounds before two share 4 bytes.)
        let mut seen = std::collections::HashMap::new();
        let (a, b) = (0..3_000_000)
            .find_map(|i| {
                let name = format!("{} Dolotov", word(i));
                let sound = name_sound_key(&name)?;
                let hash = keys::sound_hash(IdentKind::NameSound, &sound);
                match seen.insert(hash, (name.clone(), sound.clone())) {
                    Some((other, was)) if was != sound => Some((other, name)),
                    _ => None,
                }
            })
            .unwrap();
        let like_a = a.replace('a', "o");
        assert_eq!(name_sound_key(&like_a), name_sound_key(&a), "{like_a}");
        let (_d, mut s) = crate::store::testutil::temp_store();
        let ids = s
            .write(|w| {
                let mut ids = Vec::new();
                for (serial, name) in [(1, &a), (2, &b), (3, &like_a)] {
                    let t = crate::exchange::demo::s10_number("EE", serial, "CN");
                    let (mut p, _) =
                        new_record::<Parcel>(&[("tracking", &t), ("recipient_name", name)])?;
                    create::parcel(w, &mut p)?;
                    ids.push(p.meta.id);
                }
                Ok(ids)
            })
            .unwrap();
        let pairs: Vec<(Uuid, Uuid)> = suggestions(s.conn(), None, 50)
            .unwrap()
            .iter()
            .map(|x| ordered(x.a.id, x.b.id))
            .collect();
        assert_eq!(pairs, [ordered(ids[0], ids[2])], "{a} / {b} / {like_a}");
        let around_b = suggestions(s.conn(), Some(ids[1]), 50).unwrap();
        assert!(around_b.is_empty(), "{}", around_b.len());
    }

    #[test]
    fn match_decisions_changed_outside_interdict_are_named() {
        use crate::store::integrity::check_tables;
        let (_d, mut s) = crate::store::testutil::temp_store();
        let (a, b, c) = s
            .write(|w| {
                let mut ids = Vec::new();
                for t in ["RR123456785KZ", "EE473124829CN", "CP000000080KZ"] {
                    let (mut p, _) = new_record::<Parcel>(&[
                        ("tracking", t),
                        ("recipient_name", "Ivan Petrov"),
                    ])?;
                    create::parcel(w, &mut p)?;
                    ids.push(p.meta.id);
                }
                reject(w, ids[0], ids[1])?;
                Ok((ids[0], ids[1], ids[2]))
            })
            .unwrap();
        let ok = check_tables(s.conn()).unwrap();
        assert!(ok.problems.is_empty(), "{:?}", ok.problems);
        // A rejection turned into a confirmation, and a decision forged.
        let (x, y) = ordered(a, c);
        s.conn()
            .execute("UPDATE match_decisions SET decision = 'confirmed';", [])
            .unwrap();
        s.conn()
            .execute(
                "INSERT INTO match_decisions (a_id, b_id, decision, decided_by, decided_at)
                 VALUES (?1, ?2, 'rejected', 'tester', '2026-01-01T00:00:00.000Z')",
                (x, y),
            )
            .unwrap();
        let all = check_tables(s.conn()).unwrap().problems.join("\n");
        let (p, q) = ordered(a, b);
        assert!(
            all.contains(&format!(
                "match_decisions row {p} ~ {q} differs from its last audited state in decision: changed outside interdict"
            )),
            "{all}"
        );
        assert!(
            all.contains(&format!(
                "match_decisions row {x} ~ {y} (rejected) is not in the audit (added): changed outside interdict"
            )),
            "{all}"
        );
        assert_eq!(all.lines().count(), 2, "{all}");
    }
}
