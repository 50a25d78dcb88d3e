//! Cross-referencing: which items share a normalised identifier with an
//! item, and why.

use crate::domain::ItemKind;
use crate::store::Result;
use rusqlite::Connection;
use serde::Serialize;
use uuid::Uuid;

/// Above this many items, a shared value is reported as over-shared rather
/// than linking everything to everything (placeholders, courier hubs).
pub const OVER_SHARED: i64 = 50;

/// Items sharing one identifier value with the item asked about.
#[derive(Debug, Clone, Serialize)]
pub struct Shared {
    pub kind: String,
    pub value: String,
    /// The role the value plays in the item asked about (`sender_phone`...).
    pub role: String,
    /// How many other items hold the value.
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
    pub fn over_shared(&self) -> bool {
        self.others > OVER_SHARED
    }

    /// "same sender_phone +77015550142: 3 other items".
    pub fn reason(&self) -> String {
        let what = if self.over_shared() {
            " (over-shared, not followed)"
        } else {
            ""
        };
        format!(
            "same {} {}: {} other item{}{what}",
            self.role.replace('_', " "),
            self.value,
            self.others,
            if self.others == 1 { "" } else { "s" }
        )
    }
}

/// Every identifier of an item that other items hold too.
pub fn shared_identifiers(conn: &Connection, id: Uuid) -> Result<Vec<Shared>> {
    let mut idents = conn.prepare_cached(
        "SELECT o.ident, i.kind, i.value, o.role,
                (SELECT count(DISTINCT item_id) FROM occurrences x WHERE x.ident = o.ident AND x.item_id != ?1)
         FROM occurrences o JOIN identifiers i ON i.id = o.ident
         WHERE o.item_id = ?1 ORDER BY i.kind, i.value",
    )?;
    let rows: Vec<(i64, String, String, String, i64)> = idents
        .query_map([id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut others = conn.prepare_cached(
        "SELECT item_kind, item_id, role FROM occurrences WHERE ident = ?1 AND item_id != ?2 LIMIT ?3",
    )?;
    let mut out = Vec::new();
    for (ident, kind, value, role, n) in rows {
        if n == 0 {
            continue;
        }
        let items = if n > OVER_SHARED {
            Vec::new()
        } else {
            others
                .query_map((ident, id, OVER_SHARED), |r| {
                    let k: String = r.get(0)?;
                    Ok(SharedWith {
                        kind: k.parse().unwrap_or(ItemKind::Parcel),
                        id: r.get(1)?,
                        role: r.get(2)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?
        };
        out.push(Shared {
            kind,
            value,
            role,
            others: n,
            items,
        });
    }
    Ok(out)
}
