//! Writing the search rows: one per item, by item key.

use super::*;

/// Replaces the searchable text of the item `item` (an item key),
/// removing it when empty.
pub fn replace(tx: &Connection, item: i64, label: &str, body: &str, fresh: bool) -> Result<()> {
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

/// Replaces the searchable text of an item that has one, keeping its row
/// (and so its place among equal scores); nothing is written when the
/// text is unchanged.
pub fn update(tx: &Connection, item: i64, label: &str, body: &str) -> Result<()> {
    let old: Option<(i64, String, String)> = tx
        .prepare_cached("SELECT rowid, label, body FROM search_items WHERE item = ?1")?
        .query_row([item], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((rowid, old_label, old_body)) = old else {
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
    tx.prepare_cached("UPDATE search_items SET label = ?2, body = ?3 WHERE rowid = ?1")?
        .execute((rowid, label, body))?;
    Ok(())
}

pub fn remove(tx: &Connection, item: i64) -> Result<()> {
    tx.prepare_cached("DELETE FROM search_items WHERE item = ?1")?
        .execute([item])?;
    Ok(())
}

/// How many search rows of a kind (or all) there are, and their texts'
/// bytes.
pub(super) const SIZE_OF_KIND: &str = "SELECT count(*), coalesce(sum(octet_length(body)), 0)
     FROM search_items WHERE (?1 IS NULL OR (item & 15) = ?1)";

/// Rows of one kind (by kind code), or of every kind (NULL).
pub(super) const ROWS_OF_KIND: &str =
    "SELECT rowid, body FROM search_items WHERE (?1 IS NULL OR (item & 15) = ?1) ORDER BY rowid";
