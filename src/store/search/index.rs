//! Writing the search rows: one per item, by item key, for the kinds
//! whose rows are stored (a parcel's is made from its row: see `rows`).

use super::*;

/// Whether the item `item` (an item key) has no stored search row
/// whatever its text.
fn not_stored(item: i64) -> bool {
    keys::kind_of_key(item).is_some_and(super::rows::derived)
}

/// Replaces the searchable text of the item `item` (an item key),
/// removing it when empty.
pub fn replace(tx: &Connection, item: i64, label: &str, body: &str, fresh: bool) -> Result<()> {
    if not_stored(item) {
        return Ok(());
    }
    if !fresh {
        remove(tx, item)?;
    }
    if body.trim().is_empty() && label.trim().is_empty() {
        return Ok(());
    }
    // Cyrillic text carries its Latin forms (see `translit::searchable`).
    let body = crate::domain::translit::searchable(body);
    let body = body.as_ref();
    tx.prepare_cached("INSERT INTO search_items (item, label, body) VALUES (?1, ?2, ?3)")?
        .execute((item, label, body))?;
    Ok(())
}

/// Replaces the searchable text of an item that has one; nothing is
/// written when the text is unchanged.
pub fn update(tx: &Connection, item: i64, label: &str, body: &str) -> Result<()> {
    if not_stored(item) {
        return Ok(());
    }
    let old: Option<(String, String)> = tx
        .prepare_cached("SELECT label, body FROM search_items WHERE item = ?1")?
        .query_row([item], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((old_label, old_body)) = old else {
        return replace(tx, item, label, body, true);
    };
    if body.trim().is_empty() && label.trim().is_empty() {
        return remove(tx, item);
    }
    let body = crate::domain::translit::searchable(body);
    let body = body.as_ref();
    if old_label == label && old_body == body {
        return Ok(());
    }
    tx.prepare_cached("UPDATE search_items SET label = ?2, body = ?3 WHERE item = ?1")?
        .execute((item, label, body))?;
    Ok(())
}

pub fn remove(tx: &Connection, item: i64) -> Result<()> {
    if not_stored(item) {
        return Ok(());
    }
    tx.prepare_cached("DELETE FROM search_items WHERE item = ?1")?
        .execute([item])?;
    Ok(())
}

/// [`replace`] with the record's label and text (not made at all for a
/// kind whose rows are derived).
pub fn replace_record<R: crate::domain::Record>(
    tx: &Connection,
    item: i64,
    rec: &R,
    fresh: bool,
) -> Result<()> {
    if super::rows::derived(R::KIND) {
        return Ok(());
    }
    replace(tx, item, &rec.label(), &rec.search_text(), fresh)
}

/// [`update`] with the record's label and text (not made at all for a
/// kind whose rows are derived).
pub fn update_record<R: crate::domain::Record>(tx: &Connection, item: i64, rec: &R) -> Result<()> {
    if super::rows::derived(R::KIND) {
        return Ok(());
    }
    update(tx, item, &rec.label(), &rec.search_text())
}
