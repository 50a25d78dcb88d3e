//! Search across every kind. Every item whose text contains the query's
//! characters in order (case-insensitively: `almty` finds `Almaty`) is a
//! match; matches are ranked by fuzzy-matcher's SkimMatcherV2 score, best
//! first, and among equal scores by item key (each kind's items in the
//! order they were written, a lower number first across kinds), and the
//! best `limit` are returned.
//!
//! Scoring every row costs about a microsecond, far too much per keystroke
//! over a million parcels, so both ways of searching here skip rows that
//! provably cannot reach the results:
//! - a 64-bit mask of the characters a row holds rejects rows lacking one
//!   of the query's characters;
//! - an upper bound on the score a row can reach (from where its
//!   characters stand: at the start, at word starts, elsewhere) skips rows
//!   that cannot beat the worst result kept so far.
//!
//! [`search`] streams the rows from SQLite in item key order. [`LiveSearch`]
//! keeps one kind's texts in memory for the live filter, visits rows by
//! descending bound so the results fill with the best rows first, narrows
//! each keystroke to the rows that may match the query before it (rows
//! found not to match are dropped), and scores on both cores. Rows are
//! scored with a replica of the matcher's programme without its
//! allocations (for ASCII texts, read only at the query's matches); the
//! one-shot search has the matcher score its results again, the live
//! filter checks them against it in debug builds (every test).
//! Both return the same results; `tests/search_narrowing.rs` checks it.
//!
//! Here: the hit and the one-shot search. The search rows are written in
//! `index`, texts scored in `score`, bounded in `bound`, the best kept in
//! `top`, and the live filter is `live`.

use super::error::Result;
use super::keys;
use crate::domain::ItemKind;
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use uuid::Uuid;

mod bound;
mod index;
mod live;
mod rows;
mod score;
mod top;

use bound::*;
pub use index::{remove, replace, replace_record, update, update_record};
pub use live::{LiveSearch, Ranked};
pub use rows::{derived, parcel_texts};
pub use score::skim_indices as matched_chars;
use score::*;
use top::*;

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
    /// (A card number in it masked first, unless `--show-cards`: cut short
    /// it no longer reads as one. Masking shortens a spaced number by its
    /// spaces, so the window may sit a few characters off the match.)
    pub fn snippet(&self, width: usize) -> String {
        let chars: Vec<char> = crate::domain::identifiers::shown_text(&self.text)
            .chars()
            .collect();
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

/// Items whose text matches `query`, best first.
pub fn search(
    conn: &Connection,
    query: &str,
    kind: Option<ItemKind>,
    limit: usize,
) -> Result<Vec<Hit>> {
    Ok(search_cancellable(conn, query, kind, limit, &|| false)?.unwrap_or_default())
}

/// Above this many rows, a one-shot search reads the second half of them
/// on the other core, through a second read-only connection.
const TWO_CORES_FROM: i64 = 50_000;

/// As [`search`], giving up (with `None`) as soon as `cancelled` says so.
/// Reads every row of the kind from SQLite once, in item key order; a file
/// with many rows is read in two halves, one per core, and the best of
/// both kept (the same results: each half keeps its exact best).
pub fn search_cancellable(
    conn: &Connection,
    query: &str,
    kind: Option<ItemKind>,
    limit: usize,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Result<Option<Vec<Hit>>> {
    search_split(conn, query, kind, limit, cancelled, TWO_CORES_FROM)
}

/// [`search_cancellable`], on two cores when there are more than
/// `two_cores_from` rows.
fn search_split(
    conn: &Connection,
    query: &str,
    kind: Option<ItemKind>,
    limit: usize,
    cancelled: &(dyn Fn() -> bool + Sync),
    two_cores_from: i64,
) -> Result<Option<Vec<Hit>>> {
    // A Cyrillic query searches in the letters its Latin spellings share.
    let q = crate::domain::translit::query_form(query.trim());
    let q = q.as_ref();
    if q.is_empty() || limit == 0 {
        return Ok(Some(Vec::new()));
    }
    let (rows, first, second_half) = rows::halves(conn, kind)?;
    let second = if rows > two_cores_from {
        super::second_reader(conn)
    } else {
        None
    };
    let found = match second {
        Some(other) => {
            let (mine, theirs) = std::thread::scope(|s| {
                let theirs = s.spawn(move || scan(&other, q, kind, limit, second_half, cancelled));
                let mine = scan(conn, q, kind, limit, first, cancelled);
                let theirs = theirs
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
                (mine, theirs)
            });
            let (Some(mine), Some(theirs)) = (mine?, theirs?) else {
                return Ok(None);
            };
            let mut best = Best::new(limit);
            for (score, order) in mine.into_iter().chain(theirs) {
                if best.could_take(score, order) {
                    best.offer(score, order);
                }
            }
            best.into_sorted()
        }
        None => match scan(conn, q, kind, limit, rows::Span::ALL, cancelled)? {
            Some(found) => found,
            None => return Ok(None),
        },
    };
    let mut hits = Vec::with_capacity(found.len());
    for (score, item) in found {
        if let Some(h) = hit_at(conn, item as i64, None, Some(q), score)? {
            hits.push(h);
        }
    }
    // A phone number, however written: first, every item the identifier
    // index holds it for (`+7 701 123 45 67` found nothing, and
    // `+77011234567` only the parcels that spelt it so, until 2026-12-07).
    let held = phone_holders(conn, query.trim(), kind, limit)?;
    if !held.is_empty() {
        let top = hits.first().map_or(0, |h| h.score) + 1;
        let mut front = Vec::with_capacity(held.len());
        for item in held {
            if let Some(h) = hit_at(conn, item, None, Some(q), top)? {
                front.push(h);
            }
        }
        hits.retain(|h| !front.iter().any(|f| f.id == h.id));
        front.extend(hits);
        front.truncate(limit);
        hits = front;
    }
    Ok(Some(hits))
}

/// The items (of `kind`, when given) that hold the phone number `query`
/// as the identifier index holds it (its E.164 form), when the query
/// reads as one written internationally: at most `limit`.
fn phone_holders(
    conn: &Connection,
    query: &str,
    kind: Option<ItemKind>,
    limit: usize,
) -> Result<Vec<i64>> {
    use crate::domain::identifiers::{self as ids, IdentKind};
    let digits = query.bytes().filter(u8::is_ascii_digit).count();
    if digits < 7 || crate::domain::contact::check_phone(query).is_err() {
        return Ok(Vec::new());
    }
    let Some(key) = ids::phone_key(query, None).filter(|k| k.starts_with('+')) else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT item FROM occurrences WHERE kind = ?1 AND value = ?2
          AND (?3 IS NULL OR (item & 15) = ?3) ORDER BY item LIMIT ?4",
    )?;
    let items = stmt
        .query_map(
            (
                keys::ident_code(IdentKind::Phone),
                key,
                kind.map(keys::kind_code),
                limit as i64,
            ),
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(items)
}

/// The best `limit` rows (score, item key) within `span`, best first;
/// `None` when cancelled.
fn scan(
    conn: &Connection,
    q: &str,
    kind: Option<ItemKind>,
    limit: usize,
    span: rows::Span,
    cancelled: &dyn Fn() -> bool,
) -> Result<Option<Vec<(i64, u64)>>> {
    let query = Query::new(q);
    let mut best = Best::new(limit);
    let mut replica = Replica::new();
    let mut caps = Vec::new();
    let mut n = 0u32;
    let whole = rows::each(conn, kind, span, |key, body| {
        n += 1;
        if n.is_multiple_of(4096) && cancelled() {
            return Ok(false);
        }
        // A row without the query's characters in order scores nothing:
        // found out in a pass that stops early, before the row's features
        // (a full pass) are made.
        if !Replica::could_match(body, q) {
            return Ok(true);
        }
        let features = features(body);
        let Some(bound) = query.bound(&features) else {
            return Ok(true);
        };
        if !best.could_take(bound.into(), key as u64) {
            return Ok(true);
        }
        // Once the results are full, bounded again from the text (where
        // each character stands, gaps counted), which costs a fraction of
        // scoring it.
        if best.full() {
            match query.refined(&features, body, &mut caps) {
                Some(b) if best.could_take(b.into(), key as u64) => {}
                _ => return Ok(true),
            }
        }
        if let Some(score) = replica.score(body, q)
            && best.could_take(score, key as u64)
            && let Some(score) = skim_score(body, q)
        {
            best.offer(score, key as u64);
        }
        Ok(true)
    })?;
    if !whole {
        return Ok(None);
    }
    Ok(Some(best.into_sorted()))
}

/// The hit for the search row of the item `item` (an item key), with the
/// matched characters.
fn hit_at(
    conn: &Connection,
    item: i64,
    text: Option<&str>,
    q: Option<&str>,
    score: i64,
) -> Result<Option<Hit>> {
    let Some((label, body)) = rows::at(conn, item)? else {
        return Ok(None);
    };
    let Some((kind, id)) = keys::id_of(conn, item)? else {
        return Ok(None);
    };
    // A row rewritten since the texts were loaded is not shown stale.
    if text.is_some_and(|t| t != body) {
        return Ok(None);
    }
    let matched = q.and_then(|q| skim_indices(&body, q)).unwrap_or_default();
    Ok(Some(Hit {
        kind,
        id,
        label,
        text: body,
        score,
        matched,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::{new_record, set_fields};
    use crate::domain::{Case, Parcel};
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
                // Rows of parcels no longer there.
                "SELECT count(*) FROM search_items WHERE (item & 15) = 2
                   AND NOT EXISTS (SELECT 1 FROM parcels WHERE n = item >> 4)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 0);
    }

    /// Read in two halves on two cores, a search returns exactly what one
    /// pass returns, ties in the same order.
    #[test]
    fn two_halves_give_the_results_of_one_pass() {
        let (_d, mut s) = temp_store();
        // Parcels (searched from their rows) and every other kind (from
        // their stored rows), split between the halves each their own way.
        crate::exchange::demo::generate(&mut s, 200, 3, |_, _| {}).unwrap();
        let words = ["Almaty", "tea", "Karaganda", "sample", "pigment", "Kazakh"];
        s.write(|w| {
            for i in 0..300usize {
                let title = format!(
                    "{} {} {i}",
                    words[i % words.len()],
                    words[(i / 6) % words.len()]
                );
                let (mut c, _) = new_record::<Case>(&[("title", title.as_str())])?;
                create::case(w, &mut c)?;
            }
            Ok(())
        })
        .unwrap();
        for q in ["almty", "tea", "ka", "C-01", "zzzq", "a", "+7 70"] {
            for limit in [1, 7, 50, 1000] {
                let one = search_split(s.conn(), q, None, limit, &|| false, i64::MAX)
                    .unwrap()
                    .unwrap();
                let two = search_split(s.conn(), q, None, limit, &|| false, 10)
                    .unwrap()
                    .unwrap();
                let key = |h: &Hit| (h.score, h.id);
                assert_eq!(
                    one.iter().map(key).collect::<Vec<_>>(),
                    two.iter().map(key).collect::<Vec<_>>(),
                    "{q} {limit}"
                );
            }
        }
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

    /// Texts and queries rich in what the matcher's bonuses look at: case,
    /// separators, punctuation, digits, a non-ASCII letter.
    fn tricky() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::collection::vec(
            proptest::sample::select(vec![
                'a', 'A', 'b', 'B', 'l', ' ', '|', '.', '-', '1', 'é', '/',
            ]),
            0..40,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

        /// The bound is never below the score, a missing character is
        /// never a match, and the replica scores as the matcher does.
        /// (Appending to a query can raise a score by more than the new
        /// characters earn: the matcher's reused rows let a later
        /// character start from an earlier one's score, so the bound is
        /// not carried from one keystroke to the next.)
        /// The one-pass features are those of the two-pass reading they
        /// replaced (every character's place first, then the pairs).
        #[test]
        fn features_in_one_pass_are_the_two_pass_ones(text in tricky()) {
            let chars: Vec<char> = text.chars().collect();
            let mut places = Vec::new();
            let mut prev = '\0';
            for &c in &chars {
                places.push(place_bonus(prev, c));
                prev = c;
            }
            let mut pairs = 0u64;
            for h in 0..chars.len() {
                if places[h] < 7 || !chars[h].is_alphabetic() {
                    continue;
                }
                for d in 1..=3 {
                    if h + d < chars.len() && (d == 1 || places[h + d] >= 7) {
                        pairs |= 1 << pair_bit(chars[h], chars[h + d]);
                    }
                }
            }
            prop_assert_eq!(features(&text).pairs, pairs);
        }

        /// An ASCII text's features read byte by byte are those read
        /// character by character.
        #[test]
        fn ascii_features_are_the_characters_ones(text in "[\\x00-\\x7f]{0,50}") {
            prop_assert_eq!(features(&text), bound::features_of(text.chars()));
        }

        /// A bound made from a row's text for a query of two or more
        /// characters, carried on to longer queries it begins (the
        /// features' bound of each less the room the text took off the
        /// first), is never below their scores; nor is the tighter of
        /// two such bounds, carried.
        #[test]
        fn a_bound_carried_on_holds(
            parts in proptest::collection::vec(tricky(), 1..4),
            q in "[abAB l.1é-]{2,4}",
            more in "[abAB l|.1é-]{1,3}",
            most in "[abAB l.-]{1,2}",
        ) {
            let held = parts.join("\u{1f}");
            let text = parts.join(" | ");
            let f = features(&text);
            let query = Query::new(&q);
            let mut caps = Vec::new();
            let Some(written) = query.refined(&f, &text, &mut caps) else {
                return Ok(());
            };
            // And the bound from the query's matches in the text as held
            // (what the live filter keeps).
            let mut b = written;
            let mut r = Replica::new();
            if r.collect_held(&held, '\u{1f}', &q) == Some(true) {
                let mut matched = Caps::default();
                r.caps(&mut matched);
                b = b.min(query.bound_matched(&f, &matched));
            }
            let room = query.bound(&f).unwrap() - b;
            prop_assert!(room >= 0);
            let longer = format!("{q}{more}");
            let longer_query = Query::new(&longer);
            let Some(feat) = longer_query.bound(&f) else {
                prop_assert!(skim_score(&text, &longer).is_none());
                return Ok(());
            };
            let carried = feat - room;
            // What narrowing adds to a bound: the longer query's
            // features' bound is the shorter's plus it.
            prop_assert_eq!(
                Some(feat),
                longer_query.bound_after(&f, q.chars().count()).map(|a| a + query.bound(&f).unwrap())
            );
            if let Some(s) = skim_score(&text, &longer) {
                prop_assert!(s <= i64::from(carried), "{s} > {carried} for {longer:?}");
            }
            // Carried again, the tighter of it and a bound from the text.
            let again = longer_query.refined(&f, &text, &mut caps).map_or(carried, |r| r.min(carried));
            let room = feat - again;
            let longest = format!("{longer}{most}");
            if let (Some(feat), Some(s)) = (Query::new(&longest).bound(&f), skim_score(&text, &longest)) {
                prop_assert!(s <= i64::from(feat - room), "{s} > {} for {longest:?}", feat - room);
            }
        }

        /// The bound from the query's matches the sparse programme found
        /// in a held text is never below the score of the text written
        /// out, nor above the bound from the whole text.
        #[test]
        fn the_bound_from_the_matches_holds(
            parts in proptest::collection::vec(tricky(), 1..4),
            q in "[abAB l|.1-]{2,6}",
        ) {
            let held = parts.join("\u{1f}");
            let text = parts.join(" | ");
            let score = skim_score(&text, &q);
            let mut r = Replica::new();
            let Some(found) = r.collect_held(&held, '\u{1f}', &q) else {
                prop_assert!(!text.is_ascii());
                return Ok(());
            };
            prop_assert_eq!(found, score.is_some());
            if !found {
                return Ok(());
            }
            let query = Query::new(&q);
            let f = features(&text);
            let mut matched = Caps::default();
            r.caps(&mut matched);
            let b = query.bound_matched(&f, &matched);
            prop_assert!(score.unwrap() <= i64::from(b), "{score:?} > {b}");
            prop_assert!(b <= query.refined(&f, &text, &mut Vec::new()).unwrap());
            prop_assert_eq!(Some(r.run()), score);
        }

        #[test]
        fn the_bound_holds(text in tricky(), q in "[abAB l|.1é-]{1,6}") {
            let query = Query::new(&q);
            let score = skim_score(&text, &q);
            match query.bound(&features(&text)) {
                None => prop_assert!(score.is_none()),
                Some(b) => prop_assert!(score.is_none_or(|s| s <= i64::from(b)), "{score:?} > {b}"),
            }
            match query.refined(&features(&text), &text, &mut Vec::new()) {
                None => prop_assert!(score.is_none()),
                Some(b) => prop_assert!(score.is_none_or(|s| s <= i64::from(b)), "refined: {score:?} > {b}"),
            }
            prop_assert_eq!(score.is_some(), subsequence(&q, &text));
            prop_assert_eq!(Replica::new().score(&text, &q), score);
            // The early pass never passes over a row that scores, and
            // for an ASCII query (any text) it passes over every row that
            // does not.
            if score.is_some() {
                prop_assert!(Replica::could_match(&text, &q));
            } else if q.is_ascii() {
                prop_assert!(!Replica::could_match(&text, &q));
            }
        }
    }

    /// A character found only far from the one before it can only be
    /// matched after that gap, and the refined bound counts its length
    /// (a gap of one character was all it counted before: 43 here).
    #[test]
    fn the_refined_bound_counts_the_gap_back_to_the_character_before() {
        let text = format!("a{}b", "x".repeat(20));
        let score = skim_score(&text, "ab").unwrap();
        let refined = Query::new("ab")
            .refined(&features(&text), &text, &mut Vec::new())
            .unwrap();
        assert!(i64::from(refined) >= score);
        assert_eq!(refined, 31, "score {score}");
        let near = "axb";
        let refined_near = Query::new("ab")
            .refined(&features(near), near, &mut Vec::new())
            .unwrap();
        assert_eq!(refined_near, 31 + 16 - 4);
    }

    /// The bound from the query's matches takes the first character at
    /// each of its places with what the second earns after it there, and
    /// a character right after the one before at what its place gives:
    /// in a row that opens with an `a` no `l` follows, and whose `alm`
    /// stands at a word start, the features' reading joins the opening
    /// `a` (a doubled bonus) to the pair that comes later; and an `E` on a
    /// camelCase hump lets the features count 22 for an `e` that only
    /// ever follows a `t` as a plain letter (20).
    #[test]
    fn the_bound_from_the_matches_reads_the_first_two_characters_together() {
        let mut r = Replica::new();
        let mut matched = Caps::default();
        for (text, q, before, now) in [("axe alm", "alm", 71, 69), ("ab cEx te", "te", 45, 43)] {
            let f = features(text);
            let query = Query::new(q);
            assert_eq!(r.collect_held(text, '\u{1f}', q), Some(true));
            r.caps(&mut matched);
            let score = skim_score(text, q).unwrap();
            let features_only = query.bound(&f).unwrap();
            let refined = query.refined(&f, text, &mut Vec::new()).unwrap();
            assert_eq!(features_only.min(refined), before, "{text:?}");
            assert_eq!(query.bound_matched(&f, &matched), now, "{text:?}");
            assert!(i64::from(now) >= score, "{text:?}: {score}");
        }
    }

    #[test]
    fn a_fresh_matcher_scores_the_same_whatever_came_before() {
        // fuzzy-matcher 0.3.7 reuses a matrix between calls; these scored
        // differently after other strings through one shared matcher.
        for (text, q) in [("|-A.|-a-aBbaa ", "bbaa"), ("A .|Ab..Bbb bbc--c.", "bbb")] {
            let alone = skim_score(text, q);
            let shared = SkimMatcherV2::default().ignore_case();
            let _ = shared.fuzzy_match("| A|A|A|A|A|A|A|A|A|A|A|A|A|A|A|A|A", "aaaaaaaaaa");
            let _ = shared.fuzzy_match("Almaty | aaaaaab | A A A A AAAB", "aaab");
            let _ = skim_score("Almaty | aaaaaab | A A A A AAAB", "aaab");
            assert_eq!(skim_score(text, q), alone);
        }
    }
}
