//! The live filter narrows each keystroke to the rows that matched the
//! query before it and skips rows whose score bound cannot reach the
//! results. Neither may change what is found: typed keystroke by keystroke
//! (with deletions, retyping and misses), every result list must equal a
//! fresh search and a brute-force ranking that scores every row.

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use interdict::domain::ItemKind;
use interdict::store::search::{self, Hit, LiveSearch};
use interdict::store::{OpenOptions, Store};
use proptest::prelude::*;
use rusqlite::Connection;
use std::sync::OnceLock;
use uuid::Uuid;

struct Demo {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    /// (item key, item id, text) of every parcel's search row.
    rows: Vec<(i64, Uuid, String)>,
}

fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.db");
        let mut s = Store::open(&path, OpenOptions::new("test")).unwrap();
        interdict::exchange::demo::generate(&mut s, 1500, 7, |_, _| {}).unwrap();
        let mut texts = Vec::new();
        interdict::store::search::parcel_texts(s.conn(), |key, text| {
            texts.push((key, text.to_string()))
        })
        .unwrap();
        let rows = texts
            .into_iter()
            .map(|(key, text)| {
                let id: Uuid = s
                    .conn()
                    .query_row("SELECT id FROM parcels WHERE n = ?1", [key >> 4], |r| {
                        r.get(0)
                    })
                    .unwrap();
                (key, id, text)
            })
            .collect();
        Demo {
            _dir: dir,
            path,
            rows,
        }
    })
}

fn conn() -> Connection {
    Connection::open(&demo().path).unwrap()
}

/// Every parcel scored, best first, older first (lower item key) among
/// equal scores.
fn brute_force(q: &str, limit: usize) -> Vec<(Uuid, i64)> {
    let q = q.trim();
    if q.is_empty() {
        return Vec::new();
    }
    let mut all: Vec<(i64, i64, Uuid)> = demo()
        .rows
        .iter()
        .filter_map(|(rowid, id, text)| {
            // A fresh matcher each time: see `skim_score` in search.rs.
            SkimMatcherV2::default()
                .ignore_case()
                .fuzzy_match(text, q)
                .map(|s| (s, *rowid, *id))
        })
        .collect();
    all.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    all.into_iter()
        .take(limit)
        .map(|(s, _, id)| (id, s))
        .collect()
}

fn ids(hits: &[Hit]) -> Vec<(Uuid, i64)> {
    hits.iter().map(|h| (h.id, h.score)).collect()
}

/// A query a person might type: part of a parcel's text, sometimes with
/// characters dropped (non-contiguous) or a stray one added (a miss).
fn typed(row: usize, start: usize, len: usize, drop_every: usize, stray: Option<char>) -> String {
    let rows = &demo().rows;
    let text: Vec<char> = rows[row % rows.len()].2.chars().collect();
    let start = start % text.len();
    let mut q: String = text[start..(start + len).min(text.len())]
        .iter()
        .enumerate()
        .filter(|(i, _)| drop_every == 0 || i % drop_every != drop_every - 1)
        .map(|(_, c)| *c)
        .collect();
    if let Some(c) = stray {
        q.push(c);
    }
    q
}

/// Types `q` a character at a time, then deletes back to half of it and
/// retypes, checking every keystroke.
fn check_typing(live: &mut LiveSearch, conn: &Connection, q: &str, limit: usize) {
    let chars: Vec<char> = q.chars().collect();
    let mut steps: Vec<String> = (1..=chars.len())
        .map(|n| chars[..n].iter().collect())
        .collect();
    let half = chars.len() / 2;
    steps.extend(
        (half.max(1)..chars.len())
            .rev()
            .map(|n| chars[..n].iter().collect::<String>()),
    );
    steps.extend((half.max(1)..=chars.len()).map(|n| chars[..n].iter().collect::<String>()));
    for s in steps {
        let narrowed = live.search(conn, &s, limit, &|| false).unwrap().unwrap();
        let fresh = search::search(conn, &s, Some(ItemKind::Parcel), limit).unwrap();
        let expected = brute_force(&s, limit);
        assert_eq!(ids(&narrowed), expected, "narrowed {s:?} (limit {limit})");
        assert_eq!(ids(&fresh), expected, "fresh {s:?} (limit {limit})");
    }
}

#[test]
fn planted_sequences_match_a_fresh_search() {
    let conn = conn();
    for threads in [1, 2] {
        let mut live = LiveSearch::new(Some(ItemKind::Parcel)).with_threads(threads);
        for q in [
            "almaty",
            "almty",
            "a",
            "al",
            "tea sample",
            "petrov",
            "1z0",
            "+7 701",
            "zzqx",
            "kz",
            "RR1",
            "apt 1",
            "Post | KZ",
        ] {
            for limit in [1, 7, 100] {
                check_typing(&mut live, &conn, q, limit);
            }
        }
    }
}

#[test]
fn a_non_contiguous_query_finds_almaty() {
    let conn = conn();
    let mut live = LiveSearch::new(Some(ItemKind::Parcel));
    let hits = live.search(&conn, "almty", 20, &|| false).unwrap().unwrap();
    assert!(!hits.is_empty());
    assert!(
        hits.iter()
            .all(|h| h.text.to_lowercase().contains("almaty")),
        "{:?}",
        hits[0].text
    );
    assert!(hits.iter().all(|h| h.matched.len() == 5));
}

#[test]
fn a_write_from_another_connection_is_seen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("n.db");
    let mut s = Store::open(&path, OpenOptions::new("test")).unwrap();
    interdict::exchange::demo::generate(&mut s, 50, 3, |_, _| {}).unwrap();
    let reader = Connection::open(&path).unwrap();
    let mut live = LiveSearch::new(Some(ItemKind::Parcel));
    assert!(
        live.search(&reader, "zzqxj", 10, &|| false)
            .unwrap()
            .unwrap()
            .is_empty()
    );
    let id = s
        .write(|w| {
            let (mut p, _) =
                interdict::domain::record::new_record::<interdict::domain::Parcel>(&[
                    ("tracking", "RR123456785KZ"),
                    ("declared_contents", "zzqxj plush"),
                ])?;
            interdict::store::create::parcel(w, &mut p)?;
            Ok(p.meta.id)
        })
        .unwrap();
    let hits = live
        .search(&reader, "zzqxj", 10, &|| false)
        .unwrap()
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].id, id);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn narrowing_never_changes_results(
        row in 0usize..10_000,
        start in 0usize..200,
        len in 1usize..12,
        drop_every in prop_oneof![Just(0usize), 2usize..5],
        stray in prop::option::of(prop::sample::select(vec!['q', 'z', '9', ' ', '|', 'X', '-'])),
        limit in prop_oneof![Just(1usize), 2usize..20, Just(1000usize)],
        threads in 1usize..3,
    ) {
        let conn = conn();
        let mut live = LiveSearch::new(Some(ItemKind::Parcel)).with_threads(threads);
        let q = typed(row, start, len, drop_every, stray);
        check_typing(&mut live, &conn, &q, limit);
        // And a second, unrelated query typed into the same filter.
        let q2 = typed(row / 3 + 17, start / 2 + 5, len + 2, 3, None);
        check_typing(&mut live, &conn, &q2, limit);
    }
}
