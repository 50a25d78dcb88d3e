//! Search across every kind: a trigram full-text index narrows the
//! candidates for substring queries, and a fuzzy matcher ranks them (and
//! finds non-contiguous matches such as `almty` for `Almaty`).

use super::error::Result;
use crate::domain::ItemKind;
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use std::collections::HashSet;
use uuid::Uuid;

/// Replaces the searchable text of an item (removing it when empty).
pub fn replace(
    tx: &Connection,
    kind: ItemKind,
    id: Uuid,
    label: &str,
    body: &str,
    fresh: bool,
) -> Result<()> {
    if !fresh {
        remove(tx, id)?;
    }
    if body.trim().is_empty() && label.trim().is_empty() {
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT INTO search_items (item_id, kind, label, body) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute((id, kind.as_str(), label, body))?;
    let rowid = tx.last_insert_rowid();
    tx.prepare_cached("INSERT INTO search_fts (rowid, body) VALUES (?1, ?2)")?
        .execute((rowid, body))?;
    Ok(())
}

pub fn remove(tx: &Connection, id: Uuid) -> Result<()> {
    let old: Option<(i64, String)> = tx
        .prepare_cached("SELECT rowid, body FROM search_items WHERE item_id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((rowid, body)) = old {
        tx.prepare_cached(
            "INSERT INTO search_fts (search_fts, rowid, body) VALUES ('delete', ?1, ?2)",
        )?
        .execute((rowid, body))?;
        tx.prepare_cached("DELETE FROM search_items WHERE rowid = ?1")?
            .execute([rowid])?;
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub kind: ItemKind,
    pub id: Uuid,
    pub label: String,
    pub text: String,
    pub score: i64,
    /// Character positions in `text` that matched the query.
    #[serde(skip)]
    pub matched: Vec<usize>,
}

impl Hit {
    /// About `width` characters of the text around the first match, so a
    /// table shows why the item matched.
    pub fn snippet(&self, width: usize) -> String {
        let chars: Vec<char> = self.text.chars().collect();
        let first = self.matched.first().copied().unwrap_or(0);
        let start = first.saturating_sub(width / 4);
        let end = (start + width).min(chars.len());
        let mut s: String = chars[start..end].iter().collect();
        if start > 0 {
            s.insert(0, '…');
        }
        if end < chars.len() {
            s.push('…');
        }
        s
    }
}

/// The FTS5 query that asks for every word of three or more characters as
/// a substring; `None` when no word is long enough for trigrams.
fn fts_query(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split_whitespace()
        .filter(|w| w.chars().count() >= 3)
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" AND "))
}

/// Items whose text matches `query`, best first.
pub fn search(
    conn: &Connection,
    query: &str,
    kind: Option<ItemKind>,
    limit: usize,
) -> Result<Vec<Hit>> {
    Ok(search_cancellable(conn, query, kind, limit, &|| false)?.unwrap_or_default())
}

/// As [`search`], giving up (with `None`) as soon as `cancelled` says so:
/// a newer keystroke has made this search pointless.
pub fn search_cancellable(
    conn: &Connection,
    query: &str,
    kind: Option<ItemKind>,
    limit: usize,
    cancelled: &dyn Fn() -> bool,
) -> Result<Option<Vec<Hit>>> {
    let q = query.trim();
    if q.is_empty() || limit == 0 {
        return Ok(Some(Vec::new()));
    }
    let matcher = SkimMatcherV2::default().ignore_case();
    let kind_s = kind.map(ItemKind::as_str);
    let mut hits: Vec<Hit> = Vec::new();
    // Rows already scored by the full-text phase, skipped by the scan.
    let mut seen: HashSet<i64> = HashSet::new();
    let best_first = |a: &Hit, b: &Hit| {
        b.score
            .cmp(&a.score)
            .then(a.kind.cmp(&b.kind))
            .then(a.label.cmp(&b.label))
    };
    // Scores a row's text without copying it; keeps matches, and never
    // more than a few times `limit` of them (memory stays bounded however
    // many rows match a one-letter query).
    let consider = |r: &rusqlite::Row<'_>, hits: &mut Vec<Hit>| -> rusqlite::Result<()> {
        let body = r.get_ref(4)?.as_str()?;
        if let Some(score) = matcher.fuzzy_match(body, q)
            && let Ok(kind) = r.get_ref(1)?.as_str()?.parse::<ItemKind>()
        {
            hits.push(Hit {
                kind,
                id: r.get(2)?,
                label: r.get(3)?,
                text: body.to_string(),
                score,
                matched: Vec::new(),
            });
            if hits.len() >= limit.saturating_mul(4).max(64) {
                hits.sort_by(best_first);
                hits.truncate(limit);
            }
        }
        Ok(())
    };
    if let Some(fq) = fts_query(q) {
        let mut stmt = conn.prepare_cached(
            "SELECT s.rowid, s.kind, s.item_id, s.label, s.body FROM search_fts
             JOIN search_items s ON s.rowid = search_fts.rowid
             WHERE search_fts MATCH ?1 AND (?2 IS NULL OR s.kind = ?2) LIMIT 10000",
        )?;
        let mut rows = stmt.query((fq, kind_s))?;
        let mut n = 0u32;
        while let Some(r) = rows.next()? {
            seen.insert(r.get(0)?);
            consider(r, &mut hits)?;
            n += 1;
            if n.is_multiple_of(256) && cancelled() {
                return Ok(None);
            }
        }
    }
    if hits.len() < limit {
        // Not enough substring matches: rank everything fuzzily.
        let mut stmt = conn.prepare_cached(
            "SELECT rowid, kind, item_id, label, body FROM search_items WHERE (?1 IS NULL OR kind = ?1)",
        )?;
        let mut rows = stmt.query([kind_s])?;
        let mut n = 0u32;
        while let Some(r) = rows.next()? {
            if !seen.contains(&r.get::<_, i64>(0)?) {
                consider(r, &mut hits)?;
            }
            n += 1;
            if n.is_multiple_of(1024) && cancelled() {
                return Ok(None);
            }
        }
    }
    hits.sort_by(best_first);
    hits.truncate(limit);
    // Which characters matched, for the few shown.
    for h in &mut hits {
        if let Some((_, idx)) = matcher.fuzzy_indices(&h.text, q) {
            h.matched = idx;
        }
    }
    Ok(Some(hits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Parcel;
    use crate::domain::record::{new_record, set_fields};
    use crate::store::testutil::temp_store;
    use crate::store::{create, records};

    #[test]
    fn finds_substrings_fuzzy_matches_and_catalogue_names() {
        let (_d, mut s) = temp_store();
        let id = s
            .write(|w| {
                let (mut p, _) = new_record::<Parcel>(&[
                    ("tracking", "RR123456785KZ"),
                    ("recipient_address", "Almaty, ul. Abaya 5"),
                    ("declared_contents", "tea sample"),
                ])?;
                create::parcel(w, &mut p)?;
                Ok(p.meta.id)
            })
            .unwrap();
        let hits = search(s.conn(), "tea sample", None, 10).unwrap();
        assert_eq!(hits[0].id, id);
        let hits = search(s.conn(), "almty", None, 10).unwrap();
        assert_eq!(hits[0].id, id, "non-contiguous query finds Almaty");
        let hits = search(s.conn(), "carfentanil", Some(ItemKind::Substance), 5).unwrap();
        assert_eq!(hits[0].label, "Carfentanil");
        assert!(search(s.conn(), "zzzzqqqq", None, 10).unwrap().is_empty());

        // Edits and deletes keep the index in step.
        s.write(|w| {
            let mut p: Parcel = records::must_get(&w.tx, id)?;
            set_fields(&mut p, &[("declared_contents", "pigment")])?;
            records::update(w, &mut p)?;
            Ok(())
        })
        .unwrap();
        assert!(
            search(s.conn(), "tea sample", Some(ItemKind::Parcel), 10)
                .unwrap()
                .is_empty()
        );
        assert_eq!(search(s.conn(), "pigment", None, 10).unwrap()[0].id, id);
        s.write(|w| records::delete(w, ItemKind::Parcel, id))
            .unwrap();
        assert!(
            search(s.conn(), "pigment", Some(ItemKind::Parcel), 10)
                .unwrap()
                .is_empty()
        );
        let n: i64 = s
            .conn()
            .query_row(
                "SELECT count(*) FROM search_fts WHERE search_fts MATCH 'pigment'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn a_small_limit_keeps_the_best_of_many_matches() {
        let (_d, mut s) = temp_store();
        crate::exchange::demo::generate(&mut s, 400, 5, |_, _| {}).unwrap();
        for q in ["a", "kz", "almty"] {
            let all = search(s.conn(), q, Some(ItemKind::Parcel), 100_000).unwrap();
            assert!(all.len() > 50, "{q}: {}", all.len());
            let top = search(s.conn(), q, Some(ItemKind::Parcel), 7).unwrap();
            let ids = |h: &[Hit]| h.iter().map(|h| (h.score, h.id)).collect::<Vec<_>>();
            assert_eq!(ids(&top), ids(&all[..7]), "{q}");
            assert!(top.iter().all(|h| !h.matched.is_empty()));
        }
    }
}
