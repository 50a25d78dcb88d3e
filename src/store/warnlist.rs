//! Noise control for cross-referencing: a warning list of values that must never connect items,
//! kept by the user, seeded with the usual placeholders. Values are stored
//! normalised the way the identifier index holds them, so `N/A`, `n.a.`
//! and `n a` are one entry.

use super::{Result, StoreError, Writer, audit};
use crate::domain::identifiers::{self as ids, IdentKind};
use rusqlite::Connection;
use serde::Serialize;
use uuid::Uuid;

/// Placeholders seen on labels and declarations, listed in every new
/// notebook (and removable).
pub const DEFAULTS: &[(IdentKind, &str)] = &[
    (IdentKind::Name, "unknown"),
    (IdentKind::Name, "n/a"),
    (IdentKind::Name, "none"),
    (IdentKind::Name, "not known"),
    (IdentKind::Name, "resident"),
    (IdentKind::Name, "occupant"),
    (IdentKind::Name, "customer"),
    (IdentKind::Address, "unknown"),
    (IdentKind::Address, "n/a"),
    (IdentKind::Address, "none"),
    (IdentKind::Address, "not known"),
    (IdentKind::Address, "general delivery"),
    (IdentKind::Address, "poste restante"),
    (IdentKind::Content, "n/a"),
    (IdentKind::Content, "none"),
    (IdentKind::Content, "unknown"),
    (IdentKind::Content, "not stated"),
    (IdentKind::Content, "various"),
    (IdentKind::Content, "goods"),
    (IdentKind::Content, "merchandise"),
    // The same in Russian, as partners' tables write them (they linked
    // unrelated parcels until 2026-12-07: "До востребования", "Товары").
    (IdentKind::Name, "неизвестно"),
    (IdentKind::Name, "не указано"),
    (IdentKind::Address, "до востребования"),
    (IdentKind::Address, "адрес не указан"),
    (IdentKind::Address, "не указан"),
    (IdentKind::Address, "неизвестно"),
    (IdentKind::Content, "товары"),
    (IdentKind::Content, "товар"),
    (IdentKind::Content, "разное"),
    (IdentKind::Content, "не указано"),
    (IdentKind::Phone, "0000000000"),
    (IdentKind::Email, "noreply@example.com"),
];

/// The normalised form of a value of a kind, as the index holds it.
pub fn normalise(kind: IdentKind, raw: &str) -> Option<String> {
    match kind {
        IdentKind::Tracking => ids::tracking_key(raw),
        // (A phone of zeros is no identifier at all, and is listed as
        // its digits: the default `0000000000` says so.)
        IdentKind::Phone => ids::phone_key(raw, None).or_else(|| {
            let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
            ids::is_zero_phone(&digits).then_some(digits)
        }),
        IdentKind::Email => ids::email_key(raw),
        // Placeholders are short: fold without the length floor.
        IdentKind::Address => Some(ids::address_fold(raw)).filter(|s| !s.is_empty()),
        IdentKind::Content => Some(crate::domain::text::fold(raw)).filter(|s| !s.is_empty()),
        IdentKind::Name => Some(crate::domain::text::name_key(raw)).filter(|s| !s.is_empty()),
        IdentKind::NameSound => ids::name_sound_key(raw),
        IdentKind::AddressSound => ids::address_sound_key(raw),
        IdentKind::Payment => ids::payment_id_key(raw),
        IdentKind::Handle => crate::domain::online::telegram(raw),
        IdentKind::Domain => crate::domain::online::domain(raw),
        IdentKind::Card | IdentKind::Iban | IdentKind::Wallet => ids::payment_key(raw)
            .ok()
            .filter(|(k, _)| *k == kind)
            .map(|(_, v)| v),
    }
}

pub fn parse_kind(s: &str) -> std::result::Result<IdentKind, StoreError> {
    IdentKind::ALL
        .into_iter()
        .find(|k| k.as_str() == s.trim().to_ascii_lowercase())
        .ok_or_else(|| {
            StoreError::NotFound(format!(
                "unknown identifier kind {s:?}: expected {}",
                IdentKind::ALL.map(IdentKind::as_str).join(", ")
            ))
        })
}

/// The audit id of a warning-list entry (the same in every database).
fn entry_id(kind: IdentKind, value: &str) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_OID,
        format!("interdict-warnlist:{}:{value}", kind.as_str()).as_bytes(),
    )
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub kind: String,
    pub value: String,
    pub note: Option<String>,
    pub added_by: String,
    pub added_at: String,
}

/// Adds a value (normalised) to the warning list; returns it as stored,
/// or `None` when it was listed already.
pub fn add(
    w: &mut Writer<'_>,
    kind: IdentKind,
    raw: &str,
    note: Option<&str>,
) -> Result<Option<String>> {
    let value = normalise(kind, raw).ok_or_else(|| {
        StoreError::Invalid(crate::domain::fields::FieldError {
            field: "value".into(),
            message: format!("{raw:?} is not a {} value", kind.as_str()),
        })
    })?;
    let n = w.tx.execute(
        "INSERT OR IGNORE INTO warnlist (kind, value, note, added_by, added_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        (kind.as_str(), &value, note, w.actor, &w.now),
    )?;
    if n == 0 {
        return Ok(None);
    }
    let after =
        serde_json::json!({"kind": kind.as_str(), "value": value, "note": note}).to_string();
    audit::append(
        w,
        "create",
        "warnlist",
        entry_id(kind, &value),
        None,
        Some(&after),
    )?;
    Ok(Some(value))
}

/// Removes a value from the warning list; false when it was not listed.
pub fn remove(w: &mut Writer<'_>, kind: IdentKind, raw: &str) -> Result<bool> {
    let value = normalise(kind, raw).unwrap_or_else(|| raw.trim().to_string());
    let n = w.tx.execute(
        "DELETE FROM warnlist WHERE kind = ?1 AND value = ?2",
        (kind.as_str(), &value),
    )?;
    if n > 0 {
        let before = serde_json::json!({"kind": kind.as_str(), "value": value}).to_string();
        audit::append(
            w,
            "delete",
            "warnlist",
            entry_id(kind, &value),
            Some(&before),
            None,
        )?;
    }
    Ok(n > 0)
}

/// Whether the value (normalised as the index holds it) is listed.
pub fn is_listed(conn: &Connection, kind: IdentKind, value: &str) -> Result<bool> {
    let exact = conn
        .prepare_cached("SELECT 1 FROM warnlist WHERE kind = ?1 AND value = ?2")?
        .exists((kind.as_str(), value))?;
    let mut addresses = Vec::new();
    if kind == IdentKind::Address && !exact {
        let mut stmt = conn.prepare_cached("SELECT value FROM warnlist WHERE kind = 'address'")?;
        addresses = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(held_by(
        kind,
        value,
        exact,
        addresses.iter().map(String::as_str),
    ))
}

/// Whether a listed `entry` of a kind makes `value` of it a placeholder:
/// the value itself, or, for an address, the entry's words among the
/// value's (`poste restante almaty`, `do vostrebovaniya g almaty`: a
/// placeholder naming its post office linked every parcel sent there)
/// when the entry is a phrase: two words or more, none a lone letter. A
/// word alone (`unknown`) or letters (`n a`, from `N/A`) are the whole
/// value only: `n a` took every street named with its initials, `ул.
/// Н.А. Некрасова 5`.
pub fn holds(value: &str, entry: &str) -> bool {
    let phrase = entry.split(' ').count() >= 2 && entry.split(' ').all(|w| w.len() >= 2);
    value == entry
        || (phrase
            && value.match_indices(entry).any(|(at, _)| {
                let end = at + entry.len();
                (at == 0 || value.as_bytes()[at - 1] == b' ')
                    && (end == value.len() || value.as_bytes()[end] == b' ')
            }))
}

/// Whether `value` of `kind` is a placeholder: listed as it is
/// (`exact`, the caller's own look-up in the list as it holds it), an
/// address holding a listed address phrase among `addresses` (the
/// list's addresses; see [`holds`]; read only for an address), or a
/// phone of zeros (an index made before one was no identifier holds it
/// as one: a placeholder all the same, listed or not).
pub fn held_by<'a>(
    kind: IdentKind,
    value: &str,
    exact: bool,
    addresses: impl IntoIterator<Item = &'a str>,
) -> bool {
    exact
        || (kind == IdentKind::Phone && ids::is_zero_phone(value))
        || (kind == IdentKind::Address && addresses.into_iter().any(|e| holds(value, e)))
}

pub fn list(conn: &Connection) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare(
        "SELECT kind, value, note, added_by, added_at FROM warnlist ORDER BY kind, value",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Entry {
            kind: r.get(0)?,
            value: r.get(1)?,
            note: r.get(2)?,
            added_by: r.get(3)?,
            added_at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Seeds a new notebook's warning list.
pub fn seed(w: &mut Writer<'_>) -> Result<()> {
    for (kind, raw) in DEFAULTS {
        add(w, *kind, raw, Some("placeholder (default)"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testutil::temp_store;

    #[test]
    fn entries_are_normalised_audited_and_removable() {
        let (_d, mut s) = temp_store();
        let n = list(s.conn()).unwrap().len();
        assert!(n >= DEFAULTS.len() - 1, "seeded: {n}");
        let v = s
            .write(|w| {
                add(
                    w,
                    IdentKind::Address,
                    "Almaty Airport, Customs Post №1",
                    Some("our own post"),
                )
            })
            .unwrap();
        assert_eq!(v.as_deref(), Some("almaty airport customs post no1"));
        assert_eq!(
            s.write(|w| add(
                w,
                IdentKind::Address,
                "ALMATY AIRPORT customs post No1",
                None
            ))
            .unwrap(),
            None
        );
        assert!(
            s.write(|w| remove(w, IdentKind::Address, "almaty airport, customs post no1"))
                .unwrap()
        );
        assert!(
            !s.write(|w| remove(w, IdentKind::Address, "almaty airport, customs post no1"))
                .unwrap()
        );
        let log = crate::store::audit::recent(s.conn(), 2).unwrap();
        assert_eq!(log[0].action, "delete");
        assert_eq!(log[0].item_kind, "warnlist");
        assert!(matches!(
            crate::store::audit::verify(s.conn()).unwrap(),
            crate::store::audit::Verdict::Intact { .. }
        ));
        assert!(parse_kind("colour").is_err());
    }

    #[test]
    fn a_listed_address_makes_one_holding_its_words_a_placeholder() {
        let fold = |a: &str| normalise(IdentKind::Address, a).unwrap();
        for (address, listed) in [
            ("Poste restante, Almaty", "poste restante"),
            ("До востребования, г. Алматы", "до востребования"),
            ("Almaty, poste restante", "poste restante"),
            ("Poste restante", "poste restante"),
        ] {
            assert!(holds(&fold(address), &fold(listed)), "{address}");
        }
        // words, not letters; a phrase, not a word or initials
        assert!(!holds(&fold("Unknownstrasse 5"), &fold("unknown")));
        assert!(!holds(&fold("Unknown Soldier St 5"), &fold("unknown")));
        for street in [
            "ул. Н.А. Некрасова 5, Алматы",
            "N.A. Nekrasov st 5",
            "Unit N/A-2, Dubai",
        ] {
            assert!(!holds(&fold(street), &fold("n/a")), "{street}");
        }
        assert!(holds(&fold("N/A"), &fold("n/a")));
        assert!(holds(&fold("адрес не указан, Алматы"), &fold("не указан")));
        assert!(!holds(&fold("ul. Nonea 5"), &fold("none")));
        // an address's words, another kind's whole value only
        assert!(held_by(
            IdentKind::Address,
            "poste restante almaty",
            false,
            ["poste restante"]
        ));
        assert!(!held_by(
            IdentKind::Name,
            "unknown ivanov",
            false,
            ["unknown"]
        ));
        // in a notebook, through its list (the defaults)
        let (_d, s) = temp_store();
        assert!(
            is_listed(
                s.conn(),
                IdentKind::Address,
                &fold("Poste restante, Almaty")
            )
            .unwrap()
        );
        assert!(!is_listed(s.conn(), IdentKind::Address, &fold("ul. Abaya 5, Almaty")).unwrap());
        // a phone of zeros an older index holds as an identifier is a
        // placeholder, listed or not
        assert!(is_listed(s.conn(), IdentKind::Phone, "+70000000000").unwrap());
        assert!(held_by(IdentKind::Phone, "+70000000000", false, []));
        assert!(!held_by(IdentKind::Phone, "+77015550142", false, []));
        // the default zero phone is still listed (as its digits)
        assert_eq!(
            normalise(IdentKind::Phone, "0000000000").as_deref(),
            Some("0000000000")
        );
    }
}
