//! Small integers for what index rows repeat millions of times.
//!
//! A record's UUIDv7 is its identity between files; inside one file every
//! record also has a number, `n`, its table's `INTEGER PRIMARY KEY` (kept
//! by `VACUUM`, unlike an implicit rowid). The index tables (identifier
//! occurrences, search rows) name an item by one integer, its *item key*:
//! `n * 16 + kind code`. Kinds of identifier and the roles values play are
//! small codes too. Codes are part of the file format: append, never
//! renumber.

use super::error::{Result, StoreError};
use crate::domain::ItemKind;
use crate::domain::identifiers::IdentKind;
use rusqlite::{Connection, OptionalExtension};
use uuid::Uuid;

/// Room for 16 kinds of item in an item key.
pub const KIND_BITS: u32 = 4;
const KIND_MASK: i64 = (1 << KIND_BITS) - 1;

/// A sound's key as `sounds` holds it (schema 18): the first 4 bytes of
/// the SHA-256 of its kind's code and its text, as a signed number (4
/// bytes in the file; the text was 12 to 17, and the kind a column of its
/// own, which the role gives: [`sound_kind`]). Sounds are only ever asked
/// for by equality, and what a row's text was is worked out again from
/// its record: different sounds that share a number (about one pair in a
/// few hundred among a million parcels' sounds) are told apart there,
/// never taken as one.
pub fn sound_hash(kind: IdentKind, text: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(ident_code(kind).to_le_bytes());
    h.update(text.as_bytes());
    let d = h.finalize();
    i64::from(i32::from_be_bytes([d[0], d[1], d[2], d[3]]))
}

/// The kind of sound a value in the role `role` (a code) has: a name's or
/// an address's. None for a role no sound is in.
pub fn sound_kind(role: i64) -> Option<IdentKind> {
    match role_name(role).ok()? {
        "sender_name" | "recipient_name" | "name" => Some(IdentKind::NameSound),
        "sender_address" | "recipient_address" | "address" => Some(IdentKind::AddressSound),
        _ => None,
    }
}

/// The code of a kind of item in item keys.
pub fn kind_code(kind: ItemKind) -> i64 {
    match kind {
        ItemKind::Case => 1,
        ItemKind::Parcel => 2,
        ItemKind::Substance => 3,
        ItemKind::Finding => 4,
        ItemKind::Link => 5,
        ItemKind::Note => 6,
        ItemKind::Person => 7,
        ItemKind::Organisation => 8,
        ItemKind::Inspection => 9,
        ItemKind::Exhibit => 10,
        ItemKind::Custody => 11,
        ItemKind::LabResult => 12,
        ItemKind::Delivery => 13,
        ItemKind::Document => 14,
    }
}

pub fn kind_of_code(code: i64) -> Option<ItemKind> {
    ItemKind::ALL.into_iter().find(|k| kind_code(*k) == code)
}

/// The key of record number `n` of a kind.
pub fn item_key(kind: ItemKind, n: i64) -> i64 {
    (n << KIND_BITS) | kind_code(kind)
}

/// The kind and number an item key stands for.
pub fn split(key: i64) -> Result<(ItemKind, i64)> {
    let kind = kind_of_code(key & KIND_MASK)
        .ok_or_else(|| StoreError::Corrupt(format!("item key {key}: no such kind of item")))?;
    Ok((kind, key >> KIND_BITS))
}

/// The kind of an item key, without reading anything.
pub fn kind_of_key(key: i64) -> Option<ItemKind> {
    kind_of_code(key & KIND_MASK)
}

/// SQL that is true for the item keys of one kind (`<column> & 15 = code`).
pub fn kind_condition(column: &str, kind: ItemKind) -> String {
    format!("({column} & {KIND_MASK}) = {}", kind_code(kind))
}

/// The number of a record of a kind, by id.
pub fn number(conn: &Connection, kind: ItemKind, id: Uuid) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(&format!("SELECT n FROM {} WHERE id = ?1", kind.table()))?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

/// The item key of a record, by id.
pub fn key_of(conn: &Connection, kind: ItemKind, id: Uuid) -> Result<Option<i64>> {
    Ok(number(conn, kind, id)?.map(|n| item_key(kind, n)))
}

/// The kind and id of the record an item key stands for (`None` when no
/// record has that number any more).
pub fn id_of(conn: &Connection, key: i64) -> Result<Option<(ItemKind, Uuid)>> {
    let (kind, n) = split(key)?;
    let id: Option<Uuid> = conn
        .prepare_cached(&format!("SELECT id FROM {} WHERE n = ?1", kind.table()))?
        .query_row([n], |r| r.get(0))
        .optional()?;
    Ok(id.map(|id| (kind, id)))
}

/// The code of a kind of identifier.
pub fn ident_code(kind: IdentKind) -> i64 {
    match kind {
        IdentKind::Tracking => 1,
        IdentKind::Phone => 2,
        IdentKind::Email => 3,
        IdentKind::Address => 4,
        IdentKind::Name => 5,
        IdentKind::Payment => 6,
        IdentKind::Content => 7,
        IdentKind::NameSound => 8,
        IdentKind::AddressSound => 9,
        IdentKind::Handle => 10,
        IdentKind::Domain => 11,
        IdentKind::Card => 12,
        IdentKind::Iban => 13,
        IdentKind::Wallet => 14,
    }
}

pub fn ident_of_code(code: i64) -> Result<IdentKind> {
    IdentKind::ALL
        .into_iter()
        .find(|k| ident_code(*k) == code)
        .ok_or_else(|| StoreError::Corrupt(format!("identifier kind {code}: unknown")))
}

/// The identifier kind named `name` (`phone`, `name-sound`...).
pub fn ident_named(name: &str) -> Option<IdentKind> {
    IdentKind::ALL.into_iter().find(|k| k.as_str() == name)
}

/// Roles a value plays in its record, by code (index + 1).
const ROLES: &[&str] = &[
    "tracking",
    "sender_phone",
    "recipient_phone",
    "sender_email",
    "recipient_email",
    "sender_address",
    "recipient_address",
    "sender_name",
    "recipient_name",
    "declared_contents",
    "text",
    // People and organisations.
    "name",
    "phone",
    "address",
    "contacts",
];

pub fn role_code(role: &str) -> Result<i64> {
    ROLES
        .iter()
        .position(|r| *r == role)
        .map(|i| i as i64 + 1)
        .ok_or_else(|| StoreError::Corrupt(format!("identifier role {role:?}: unknown")))
}

pub fn role_name(code: i64) -> Result<&'static str> {
    usize::try_from(code - 1)
        .ok()
        .and_then(|i| ROLES.get(i).copied())
        .ok_or_else(|| StoreError::Corrupt(format!("identifier role {code}: unknown")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_keys_round_trip_and_keep_number_order_within_a_kind() {
        for kind in ItemKind::ALL {
            for n in [1, 2, 15, 16, 1 << 40] {
                assert_eq!(split(item_key(kind, n)).unwrap(), (kind, n));
            }
            assert!(item_key(kind, 7) < item_key(kind, 8));
        }
        assert!(split(0).is_err());
        assert!(split(15).is_err());
    }

    #[test]
    fn codes_are_distinct_and_round_trip() {
        for k in IdentKind::ALL {
            assert_eq!(ident_of_code(ident_code(k)).unwrap(), k);
            assert_eq!(ident_named(k.as_str()), Some(k));
        }
        for r in ROLES {
            assert_eq!(role_name(role_code(r).unwrap()).unwrap(), *r);
        }
        assert!(role_code("nonsense").is_err());
        assert!(role_name(0).is_err());
    }
}
