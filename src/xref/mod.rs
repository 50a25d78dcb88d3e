//! Cross-referencing: which items share a normalised identifier with an
//! item, and why.

pub mod fuzzy;
pub mod graph;

use crate::domain::ItemKind;
use crate::store::{Result, keys, refs};
use rusqlite::Connection;
use serde::Serialize;
use uuid::Uuid;

/// Above this many items, a shared value is reported as over-shared rather
/// than linking everything to everything (placeholders, courier hubs).
pub const OVER_SHARED: i64 = 50;

/// The over-sharing cap of a kind of identifier. Declared contents and
/// names are words people reuse ("gift", a common name): past 20 items
/// they no longer point at one series or one person.
pub fn cap(kind: &str) -> i64 {
    match kind {
        "content" | "name" | "name-sound" | "address-sound" => 20,
        _ => OVER_SHARED,
    }
}

/// How strongly a shared value of a kind ties two items, strongest
/// first: a tracking number, phone, e-mail or payment handle names one
/// party; an address may house several; a name or a declared phrase is
/// shared by strangers.
pub fn strength(kind: &str) -> u8 {
    match kind {
        "tracking" => 0,
        "phone" => 1,
        "email" => 2,
        "payment" | "card" | "iban" | "wallet" | "handle" => 3,
        "domain" => 4,
        "address" => 4,
        "name" => 5,
        "content" => 6,
        _ => 7,
    }
}

/// Items sharing one identifier value with the item asked about.
#[derive(Debug, Clone, Serialize)]
pub struct Shared {
    pub kind: String,
    pub value: String,
    /// The role the value plays in the item asked about (`sender_phone`...).
    pub role: String,
    /// How many other items hold the value, counted up to one past the
    /// over-sharing cap.
    pub others: i64,
    /// The other items and the role the value plays in each; empty when
    /// the value is over-shared.
    pub items: Vec<SharedWith>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SharedWith {
    pub kind: ItemKind,
    pub id: Uuid,
    pub role: String,
}

impl Shared {
    /// The value as shown to a person: a card number masked but for its
    /// last four digits unless `--show-cards` was given.
    pub fn shown(&self) -> String {
        crate::domain::identifiers::shown_value(&self.kind, &self.value).into_owned()
    }

    /// The value's role in words, or its kind where the role says no more
    /// than where the value was written (`same wallet TR7…`, not `same
    /// text TR7…`: a value found in a note's text or a person's contacts).
    pub fn what(&self) -> String {
        if matches!(
            self.role.as_str(),
            "text" | "contacts" | "description" | "summary" | "note"
        ) {
            self.kind.replace('_', " ")
        } else {
            self.role.replace('_', " ")
        }
    }

    pub fn over_shared(&self) -> bool {
        self.others > cap(&self.kind)
    }

    /// What the item asked about shares with `other`, as a reason reads
    /// after "same": `recipient phone +77015550142` where the value plays
    /// the same role in both, else `phone +77015550142 (recipient phone
    /// here, sender phone there)`.
    pub fn with(&self, other: &SharedWith) -> String {
        if other.role == self.role {
            format!("{} {}", self.what(), self.shown())
        } else {
            format!(
                "{} {} ({} here, {} there)",
                self.kind.replace('_', " "),
                self.shown(),
                self.role.replace('_', " "),
                other.role.replace('_', " ")
            )
        }
    }

    /// "same sender_phone +77015550142: 3 other items".
    pub fn reason(&self) -> String {
        let what = if self.over_shared() {
            " (over-shared, not followed)"
        } else {
            ""
        };
        let n = if self.over_shared() {
            format!("more than {} other items", cap(&self.kind))
        } else {
            format!(
                "{} other item{}",
                self.others,
                if self.others == 1 { "" } else { "s" }
            )
        };
        format!("same {} {}: {n}{what}", self.what(), self.shown())
    }
}

/// A person or organisation an item names (shares a value with) but is
/// not linked to: what a newly typed or imported parcel suggests.
#[derive(Debug, Clone, Serialize)]
pub struct KnownParty {
    pub kind: ItemKind,
    pub id: Uuid,
    pub label: String,
    /// What names it on the command line: its name where that finds it
    /// alone, else its id (an organisation's label adds its type, which
    /// no reference takes).
    pub reference: String,
    /// `same recipient phone +77015550142`, strongest first.
    pub reasons: Vec<String>,
    /// The link a parcel's match would make: `recipient-of` or
    /// `sender-of`, by the role the shared values play in the parcel.
    pub link_type: Option<&'static str>,
}

/// What names item `id` alone as a reference: its name when that resolves
/// to it, else its id.
fn reference_of(conn: &Connection, kind: ItemKind, id: Uuid) -> Result<String> {
    let json = crate::store::records::json_of(conn, kind, id)?;
    if let Some(name) = json.get("name").and_then(|n| n.as_str())
        && crate::store::refs::resolve(conn, name).is_ok_and(|r| r.id == id)
    {
        return Ok(name.to_string());
    }
    Ok(id.to_string())
}

/// The people and organisations an item shares exact values with and is
/// not linked to yet. Nothing is linked: this is a suggestion.
pub fn known_parties(conn: &Connection, id: Uuid) -> Result<Vec<KnownParty>> {
    let linked: std::collections::HashSet<Uuid> =
        crate::store::related::links_of(conn, id, 10_000)?
            .into_iter()
            .flat_map(|l| [l.from_id, l.to_id])
            .collect();
    let mut out: Vec<KnownParty> = Vec::new();
    let mut shared = shared_identifiers(conn, id)?;
    shared.sort_by_key(|s| strength(&s.kind));
    for s in shared.iter().filter(|s| !s.over_shared()) {
        for o in &s.items {
            if !matches!(o.kind, ItemKind::Person | ItemKind::Organisation)
                || linked.contains(&o.id)
            {
                continue;
            }
            let reason = format!("same {} {}", s.what(), s.shown());
            let side = if s.role.starts_with("sender") {
                Some("sender-of")
            } else if s.role.starts_with("recipient") {
                Some("recipient-of")
            } else {
                None
            };
            match out.iter_mut().find(|p| p.id == o.id) {
                Some(p) => {
                    p.reasons.push(reason);
                    p.link_type = p.link_type.or(side);
                }
                None => out.push(KnownParty {
                    kind: o.kind,
                    id: o.id,
                    label: crate::store::records::label_of(conn, o.kind, o.id)?,
                    reference: reference_of(conn, o.kind, o.id)?,
                    reasons: vec![reason],
                    link_type: side,
                }),
            }
        }
    }
    Ok(out)
}

/// Parcels numbered above `after` (those a job just wrote) that share an
/// exact value (not a sound) with a person or organisation: how many, and
/// the tracking numbers of the first `show`.
pub fn parcels_naming_parties(
    conn: &Connection,
    after: i64,
    show: usize,
) -> Result<(u64, Vec<String>)> {
    let any: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM people) OR EXISTS (SELECT 1 FROM organisations)",
        [],
        |r| r.get(0),
    )?;
    if !any {
        return Ok((0, Vec::new()));
    }
    let parcel = keys::kind_code(ItemKind::Parcel);
    let mut stmt = conn.prepare(
        "SELECT DISTINCT o2.item FROM occurrences o1
           JOIN occurrences o2 ON o2.kind = o1.kind AND o2.value = o1.value
         WHERE (o1.item & 15) IN (?1, ?2)
           AND (o2.item & 15) = ?3 AND (o2.item >> 4) > ?4
         ORDER BY o2.item",
    )?;
    let items: Vec<i64> = stmt
        .query_map(
            (
                keys::kind_code(ItemKind::Person),
                keys::kind_code(ItemKind::Organisation),
                parcel,
                after,
            ),
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    let mut first = Vec::new();
    for key in items.iter().take(show) {
        if let Some((kind, id)) = keys::id_of(conn, *key)? {
            first.push(crate::store::records::label_of(conn, kind, id)?);
        }
    }
    Ok((items.len() as u64, first))
}

/// Every identifier of an item that other items hold too.
pub fn shared_identifiers(conn: &Connection, id: Uuid) -> Result<Vec<Shared>> {
    crate::store::in_one_read(conn, || shared_identifiers_in(conn, id))
}

fn shared_identifiers_in(conn: &Connection, id: Uuid) -> Result<Vec<Shared>> {
    let Some(kind) = refs::kind_of_id(conn, id)? else {
        return Ok(Vec::new());
    };
    let Some(item) = keys::key_of(conn, kind, id)? else {
        return Ok(Vec::new());
    };
    shared_identifiers_of(conn, item)
}

/// Every identifier of the item `item` (an item key) that other items
/// hold too, by kind and value.
pub fn shared_identifiers_of(conn: &Connection, item: i64) -> Result<Vec<Shared>> {
    // The item's own values, worked out from its record; then how many
    // other items hold each. Counting stops past the over-sharing cap: a
    // placeholder held by 100,000 parcels costs no more than one held by 51.
    let mut count = conn.prepare_cached(
        "SELECT count(*) FROM (SELECT DISTINCT item FROM occurrences
                               WHERE kind = ?1 AND value = ?2 AND item != ?3 LIMIT ?4)",
    )?;
    let mut rows: Vec<(i64, String, i64, i64)> = Vec::new();
    for (code, value, role) in crate::store::index::exact_of_item(conn, item)? {
        let n: i64 = count.query_row((code, &value, item, OVER_SHARED + 1), |r| r.get(0))?;
        rows.push((code, value, role, n));
    }
    let mut others = conn.prepare_cached(
        "SELECT item, role FROM occurrences WHERE kind = ?1 AND value = ?2 AND item != ?3 LIMIT ?4",
    )?;
    let mut out = Vec::new();
    for (code, value, role, n) in rows {
        if n == 0 {
            continue;
        }
        let ident_kind = keys::ident_of_code(code)?;
        if crate::store::warnlist::is_listed(conn, ident_kind, &value)? {
            continue;
        }
        let kind = ident_kind.as_str().to_string();
        let items = if n > cap(&kind) {
            Vec::new()
        } else {
            let found: Vec<(i64, i64)> = others
                .query_map((code, &value, item, OVER_SHARED), |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let mut items = Vec::with_capacity(found.len());
            for (other, role) in found {
                if let Some((kind, id)) = keys::id_of(conn, other)? {
                    items.push(SharedWith {
                        kind,
                        id,
                        role: keys::role_name(role)?.to_string(),
                    });
                }
            }
            items
        };
        out.push(Shared {
            kind,
            value,
            role: keys::role_name(role)?.to_string(),
            others: n,
            items,
        });
    }
    out.sort_by(|a, b| (&a.kind, &a.value).cmp(&(&b.kind, &b.value)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Parcel;
    use crate::domain::record::new_record;
    use crate::exchange::demo::s10_number;
    use crate::store::create;
    use crate::store::testutil::temp_store;

    #[test]
    fn shared_values_listed_and_over_shared_ones_capped() {
        let (_d, mut s) = temp_store();
        let ids = s
            .write(|w| {
                let mut ids = Vec::new();
                for i in 0..60u32 {
                    let phone = if i < 3 {
                        "+77015550142".to_string()
                    } else {
                        format!("+7701555{i:04}")
                    };
                    let (mut p, _) = new_record::<Parcel>(&[
                        ("tracking", &s10_number("RR", i, "KZ")),
                        ("sender_phone", &phone),
                        ("declared_contents", "Gift"),
                    ])?;
                    create::parcel(w, &mut p)?;
                    ids.push(p.meta.id);
                }
                Ok(ids)
            })
            .unwrap();
        let shared = shared_identifiers(s.conn(), ids[0]).unwrap();
        let phone = shared.iter().find(|x| x.kind == "phone").unwrap();
        assert_eq!(phone.others, 2);
        assert_eq!(phone.items.len(), 2);
        assert!(
            phone
                .items
                .iter()
                .all(|o| o.role == "sender_phone" && ids[1..3].contains(&o.id))
        );
        assert_eq!(
            phone.reason(),
            "same sender phone +77015550142: 2 other items"
        );
        let gift = shared.iter().find(|x| x.kind == "content").unwrap();
        assert!(gift.over_shared());
        assert!(gift.items.is_empty());
        // Counting stops one past the highest cap.
        assert_eq!(gift.others, OVER_SHARED + 1);
        assert!(
            gift.reason()
                .contains("more than 20 other items (over-shared, not followed)"),
            "{}",
            gift.reason()
        );
        // A parcel with nothing in common has no shared identifiers but the
        // over-shared content.
        let lone = shared_identifiers(s.conn(), ids[10]).unwrap();
        assert_eq!(lone.len(), 1);
    }
}
