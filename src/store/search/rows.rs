//! Where the search rows come from, each known by its item key. A
//! parcel's text is its fields and nothing else, so since schema 11 it is
//! made from the parcel's row when it is searched and not stored a second
//! time (that copy and its index were about 240 bytes a parcel, an eighth
//! of the file); every other kind's rows are stored in `search_items`,
//! written in `index`.

use super::*;
use crate::domain::parcel::SEARCH_FIELDS;
use crate::domain::translit;
use rusqlite::Row;
use std::sync::LazyLock;

/// Whether a kind's search rows are made from its records (not stored).
pub fn derived(kind: ItemKind) -> bool {
    kind == ItemKind::Parcel
}

/// Whether the item `key` is of a kind whose search rows are derived.
fn derived_key(key: i64) -> bool {
    keys::kind_of_key(key).is_some_and(derived)
}

fn parcel_code() -> i64 {
    keys::kind_code(ItemKind::Parcel)
}

/// A parcel's search text as SQL: its fields joined as
/// `text::search_fields` joins them (`concat_ws` leaves out NULLs and
/// keeps empty strings, as that leaves out `None` and keeps `Some("")`).
static PARCEL_TEXT: LazyLock<String> =
    LazyLock::new(|| format!("concat_ws(' | ', {})", SEARCH_FIELDS.join(", ")));
static PARCEL_ROWS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT n, {} FROM parcels WHERE n BETWEEN ?1 AND ?2 ORDER BY n",
        *PARCEL_TEXT
    )
});
static PARCEL_AT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT tracking, {} FROM parcels WHERE n = ?1",
        *PARCEL_TEXT
    )
});
/// How many parcels, and their texts' bytes (before any Latin forms).
static PARCEL_SIZE: LazyLock<String> = LazyLock::new(|| {
    let sum: Vec<String> = SEARCH_FIELDS
        .iter()
        .enumerate()
        .map(|(k, f)| match k {
            0 => format!("coalesce(octet_length({f}), 0)"),
            _ => format!("coalesce(octet_length({f}) + 3, 0)"),
        })
        .collect();
    format!(
        "SELECT count(*), coalesce(sum({}), 0) FROM parcels",
        sum.join(" + ")
    )
});

/// Stored rows: of one kind (`?1`, by code) or of every kind, but never
/// of a derived one (`?2`: a file from before schema 11 may hold some).
const STORED_ROWS: &str = "SELECT item, body FROM search_items
     WHERE (item & 15) != ?2 AND (?1 IS NULL OR (item & 15) = ?1) AND item BETWEEN ?3 AND ?4
     ORDER BY item";
const STORED_SIZE: &str = "SELECT count(*), coalesce(sum(octet_length(body)), 0)
     FROM search_items WHERE (item & 15) != ?2 AND (?1 IS NULL OR (item & 15) = ?1)";
const STORED_TOP: &str = "SELECT coalesce(max(item), 0) FROM search_items
     WHERE (item & 15) != ?2 AND (?1 IS NULL OR (item & 15) = ?1)";

/// Whether the rows of `kind` (every kind when `None`) come from the
/// parcels, and whether from `search_items`.
fn sources(kind: Option<ItemKind>) -> (bool, bool) {
    match kind {
        None => (true, true),
        Some(k) => (derived(k), !derived(k)),
    }
}

/// Which rows a scan visits, of each source: parcels by number, stored
/// rows by item key (both inclusive).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Span {
    parcels: (i64, i64),
    stored: (i64, i64),
}

impl Span {
    pub(super) const ALL: Span = Span {
        parcels: (i64::MIN, i64::MAX),
        stored: (i64::MIN, i64::MAX),
    };
}

/// About how many rows of `kind` there are, and two spans that split them
/// about evenly (for reading on two cores): the parcels at half their
/// highest number, the stored rows at their middle one (kinds' numbers
/// run over different ranges, so half the highest key would not do).
pub(super) fn halves(conn: &Connection, kind: Option<ItemKind>) -> Result<(i64, Span, Span)> {
    let (parcels, stored) = sources(kind);
    let (mut rows, mut first, mut second) = (0, Span::ALL, Span::ALL);
    if parcels {
        let top: i64 =
            conn.query_row("SELECT coalesce(max(n), 0) FROM parcels", [], |r| r.get(0))?;
        rows += top;
        first.parcels.1 = top / 2;
        second.parcels.0 = top / 2 + 1;
    }
    if stored {
        let mid = match kind {
            // (Counted by SQLite's b-tree, no row decoded.)
            None => {
                let n: i64 =
                    conn.query_row("SELECT count(*) FROM search_items", [], |r| r.get(0))?;
                rows += n;
                conn.query_row(
                    "SELECT item FROM search_items ORDER BY item LIMIT 1 OFFSET ?1",
                    [n / 2],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(0)
            }
            Some(_) => {
                let top: i64 = conn
                    .prepare_cached(STORED_TOP)?
                    .query_row((kind.map(keys::kind_code), parcel_code()), |r| r.get(0))?;
                rows += top >> keys::KIND_BITS;
                top / 2
            }
        };
        first.stored.1 = mid;
        second.stored.0 = mid + 1;
    }
    Ok((rows, first, second))
}

/// A parcel's search text from column 1 of a row of [`PARCEL_ROWS`] or
/// [`PARCEL_AT`], with its Latin forms when it holds Cyrillic (as a
/// stored row would be).
fn parcel_text<'a>(r: &'a Row<'_>) -> Result<std::borrow::Cow<'a, str>> {
    let text = r.get_ref(1)?.as_str().unwrap_or_default();
    Ok(translit::searchable(text))
}

/// How many rows of `kind` (every kind when `None`) there are and about
/// how many bytes their texts hold (Cyrillic texts' Latin forms not
/// counted for parcels).
pub(super) fn size(conn: &Connection, kind: Option<ItemKind>) -> Result<(i64, i64)> {
    let (parcels, stored) = sources(kind);
    let mut rows = (0i64, 0i64);
    if parcels {
        let (n, b): (i64, i64) = conn
            .prepare_cached(&PARCEL_SIZE)?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows = (rows.0 + n, rows.1 + b);
    }
    if stored {
        let (n, b): (i64, i64) = conn
            .prepare_cached(STORED_SIZE)?
            .query_row((kind.map(keys::kind_code), parcel_code()), |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        rows = (rows.0 + n, rows.1 + b);
    }
    Ok(rows)
}

/// Calls `f(key, text)` for each row of `kind` (every kind when `None`)
/// within `span`, in item key order, until `f` says `false`. Returns
/// whether every row was visited.
pub(super) fn each(
    conn: &Connection,
    kind: Option<ItemKind>,
    span: Span,
    mut f: impl FnMut(i64, &str) -> Result<bool>,
) -> Result<bool> {
    let (parcels, stored) = sources(kind);
    let mut stored_stmt = conn.prepare_cached(STORED_ROWS)?;
    let mut stored_rows = if stored {
        Some(stored_stmt.query((
            kind.map(keys::kind_code),
            parcel_code(),
            span.stored.0,
            span.stored.1,
        ))?)
    } else {
        None
    };
    // The next stored row, held while parcels before it are visited.
    let mut next_stored = || -> Result<Option<(i64, String)>> {
        let Some(rows) = stored_rows.as_mut() else {
            return Ok(None);
        };
        while let Some(r) = rows.next()? {
            if let Ok(body) = r.get_ref(1)?.as_str() {
                return Ok(Some((r.get(0)?, body.to_string())));
            }
        }
        Ok(None)
    };
    let mut held = next_stored()?;
    if parcels {
        let mut stmt = conn.prepare_cached(&PARCEL_ROWS)?;
        let mut rows = stmt.query(span.parcels)?;
        while let Some(r) = rows.next()? {
            let key = keys::item_key(ItemKind::Parcel, r.get(0)?);
            while let Some((k, body)) = held.take_if(|(k, _)| *k < key) {
                if !f(k, &body)? {
                    return Ok(false);
                }
                held = next_stored()?;
            }
            if !f(key, &parcel_text(r)?)? {
                return Ok(false);
            }
        }
    }
    while let Some((k, body)) = held {
        if !f(k, &body)? {
            return Ok(false);
        }
        held = next_stored()?;
    }
    Ok(true)
}

/// The label and text of the row of the item `key`, if it has one.
pub(super) fn at(conn: &Connection, key: i64) -> Result<Option<(String, String)>> {
    if derived_key(key) {
        let mut stmt = conn.prepare_cached(&PARCEL_AT)?;
        let mut rows = stmt.query([keys::split(key)?.1])?;
        let Some(r) = rows.next()? else {
            return Ok(None);
        };
        let label: String = r.get_ref(0)?.as_str().unwrap_or_default().to_string();
        let body = parcel_text(r)?.into_owned();
        return Ok(Some((label, body)));
    }
    Ok(conn
        .prepare_cached("SELECT label, body FROM search_items WHERE item = ?1")?
        .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Every parcel's search text, in the order they were written, as the
/// searches read them (for benchmarks and tests that compare with
/// another matcher over the same texts).
pub fn parcel_texts(conn: &Connection, mut f: impl FnMut(i64, &str)) -> Result<()> {
    each(conn, Some(ItemKind::Parcel), Span::ALL, |key, text| {
        f(key, text);
        Ok(true)
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Parcel;
    use crate::domain::record::{Record, new_record};
    use crate::store::testutil::temp_store;
    use crate::store::{create, records};

    /// The text made from a parcel's row is the one its record gives
    /// (Latin forms included), for full, sparse and Cyrillic parcels; and
    /// the stored rows of other kinds come in key order among them.
    #[test]
    fn a_parcels_text_is_made_from_its_row_as_its_record_gives_it() {
        let (_d, mut s) = temp_store();
        let fields: [&[(&str, &str)]; 3] = [
            &[
                ("tracking", "RR123456785KZ"),
                ("carrier", "Kazpost"),
                ("origin", "CN"),
                ("destination", "KZ"),
                ("sender_name", "Wei Zhang"),
                ("recipient_name", "Иван Петров"),
                ("recipient_address", "г. Алматы, ул. Абая, д. 5"),
                ("recipient_phone", "+7 701 123 4567"),
                ("declared_contents", "tea sample"),
                ("concealment", "in a tin"),
                ("seized_place", "Almaty"),
                ("posted_from", "Guangzhou IMPC"),
                ("entry_point", "Khorgos"),
            ],
            &[("tracking", "1Z999AA10123456784")],
            &[("tracking", "EE473124829CN"), ("sender_email", "a@b.cn")],
        ];
        let ids = s
            .write(|w| {
                let mut ids = Vec::new();
                for f in fields {
                    let (mut p, _) = new_record::<Parcel>(f)?;
                    create::parcel(w, &mut p)?;
                    ids.push(p.meta.id);
                    let (mut c, _) = new_record::<crate::domain::Case>(&[("title", "Almaty tea")])?;
                    create::case(w, &mut c)?;
                }
                Ok(ids)
            })
            .unwrap();
        let mut seen = Vec::new();
        each(s.conn(), None, Span::ALL, |key, text| {
            seen.push((key, text.to_string()));
            Ok(true)
        })
        .unwrap();
        let keys: Vec<i64> = seen.iter().map(|(k, _)| *k).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted, "rows come in key order");
        let of = |kind| {
            seen.iter()
                .filter(|(k, _)| keys::kind_of_key(*k) == Some(kind))
                .count()
        };
        // (The catalogue's substances are there too.)
        assert_eq!((of(ItemKind::Parcel), of(ItemKind::Case)), (3, 3));
        for id in ids {
            let p: Parcel = records::must_get(s.conn(), id).unwrap();
            let key = keys::key_of(s.conn(), ItemKind::Parcel, id)
                .unwrap()
                .unwrap();
            let want = translit::searchable(&p.search_text()).into_owned();
            let (label, body) = at(s.conn(), key).unwrap().unwrap();
            assert_eq!(
                (label.as_str(), body.as_str()),
                (p.label().as_str(), want.as_str())
            );
            assert!(seen.contains(&(key, want)));
        }
        // No parcel has a stored row.
        let stored: i64 = s
            .conn()
            .query_row(
                "SELECT count(*) FROM search_items WHERE (item & 15) = ?1",
                [parcel_code()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(stored, 0);
        // Two halves visit every row once between them.
        let (rows, first, second) = halves(s.conn(), None).unwrap();
        assert!(rows >= 6, "{rows}");
        let mut both = Vec::new();
        for span in [first, second] {
            each(s.conn(), None, span, |key, _| {
                both.push(key);
                Ok(true)
            })
            .unwrap();
        }
        both.sort_unstable();
        assert_eq!(both, keys);
        let (_, first, _) = halves(s.conn(), Some(ItemKind::Parcel)).unwrap();
        let mut parcels = Vec::new();
        each(s.conn(), Some(ItemKind::Parcel), first, |key, _| {
            parcels.push(key);
            Ok(true)
        })
        .unwrap();
        assert_eq!(parcels.len(), 1, "the first of three: {parcels:?}");
    }
}
