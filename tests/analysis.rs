//! The analyst's counts, checked against independent `GROUP BY` queries
//! written here from the schema (not from the analysis code's SQL), on a
//! demo notebook; and the `stats` and `timeline` commands as a user runs
//! them.

mod common;

use common::Nb;
use interdict::analysis::{Facet, Scope, dims, emerging, freq, routes, timeline, trend};
use interdict::domain::ItemKind;
use interdict::exchange::demo::{self, Summary};
use interdict::store::{OpenOptions, Store};
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const PARCELS: usize = 4000;

struct Demo {
    nb: Nb,
    summary: Summary,
}

fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let nb = Nb::new();
        let mut s = Store::open(&nb.db, OpenOptions::new("tester")).unwrap();
        let summary = demo::generate(&mut s, PARCELS, 42, |_, _| {}).unwrap();
        Demo { nb, summary }
    })
}

fn conn() -> Connection {
    Connection::open(&demo().nb.db).unwrap()
}

/// `value -> count` from a two-column query (NULL and '' as `None`).
fn grouped(sql: &str, params: impl rusqlite::Params) -> BTreeMap<Option<String>, u64> {
    let c = conn();
    let mut stmt = c.prepare(sql).unwrap();
    let mut out = BTreeMap::new();
    let rows = stmt
        .query_map(params, |r| {
            Ok((r.get::<_, Option<String>>(0)?, r.get::<_, i64>(1)?))
        })
        .unwrap();
    for row in rows {
        let (v, n) = row.unwrap();
        *out.entry(v.filter(|v| !v.is_empty())).or_default() += n as u64;
    }
    out
}

fn sheet(f: &freq::Freq) -> BTreeMap<Option<String>, u64> {
    f.rows.iter().map(|r| (r.value.clone(), r.count)).collect()
}

fn parcels() -> Scope {
    Scope::new(ItemKind::Parcel)
}

#[test]
fn frequency_sheets_match_an_independent_group_by() {
    let c = conn();
    let dim = |n: &str| dims::find(ItemKind::Parcel, n).unwrap();
    for (field, sql) in [
        (
            "carrier",
            "SELECT carrier, count(*) FROM parcels GROUP BY 1",
        ),
        ("status", "SELECT status, count(*) FROM parcels GROUP BY 1"),
        (
            "concealment",
            "SELECT concealment, count(*) FROM parcels GROUP BY 1",
        ),
        (
            "month",
            "SELECT substr(seized_on, 1, 7), count(*) FROM parcels GROUP BY 1",
        ),
        (
            "route",
            "SELECT origin || '>' || destination, count(*) FROM parcels GROUP BY 1",
        ),
    ] {
        let f = freq::freq(&c, &parcels(), &dim(field)).unwrap();
        assert_eq!(sheet(&f), grouped(sql, []), "{field}");
        assert_eq!(f.total, PARCELS as u64);
        let shares: f64 = f.rows.iter().map(|r| r.share).sum();
        assert!(
            (shares - 1.0).abs() < 1e-9,
            "{field}: shares add to {shares}"
        );
        assert!(
            f.rows.windows(2).all(|w| w[0].count >= w[1].count),
            "most first"
        );
    }
    // Values reached through findings: each parcel once per value, and
    // the parcels with none counted apart.
    let f = freq::freq(&c, &parcels(), &dim("group")).unwrap();
    let mut want = grouped(
        "SELECT s.\"group\", count(DISTINCT f.parcel_id) FROM findings f \
         JOIN substances s ON s.id = f.substance_id GROUP BY 1",
        [],
    );
    let with: i64 = c
        .query_row("SELECT count(DISTINCT parcel_id) FROM findings", [], |r| {
            r.get(0)
        })
        .unwrap();
    want.insert(None, PARCELS as u64 - with as u64);
    assert_eq!(sheet(&f), want);
    assert!(f.many);
}

#[test]
fn identifier_kinds_carried_agree_with_the_identifier_index() {
    let c = conn();
    let f = freq::freq(
        &c,
        &parcels(),
        &dims::find(ItemKind::Parcel, "identifier").unwrap(),
    )
    .unwrap();
    let by_index = grouped(
        "SELECT CASE kind WHEN 1 THEN 'tracking' WHEN 2 THEN 'phone' WHEN 3 THEN 'email' \
         WHEN 4 THEN 'address' WHEN 5 THEN 'name' WHEN 7 THEN 'content' END, count(DISTINCT item) \
         FROM occurrences \
         WHERE item % 16 = 2 AND kind IN (1, 2, 3, 4, 5, 7) GROUP BY 1",
        [],
    );
    let mut got = sheet(&f);
    got.remove(&None);
    assert_eq!(got, by_index);
    // A parcel with nothing but a tracking number carries one kind; one
    // with a phone, two, and is found under both.
    let nb = Nb::new();
    nb.ok(&["init"]);
    nb.ok(&["add", "parcel", "--tracking", "RR123456785CN"]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR000000005KZ",
        "--sender-phone",
        "+7 701 555 0142",
    ]);
    let j = nb.json(&["stats", "freq", "identifier"]);
    assert_eq!(j["many"], true);
    let rows: Vec<(String, u64)> = j["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["value"].as_str().unwrap().to_string(),
                r["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [("tracking".to_string(), 2), ("phone".to_string(), 1)]
    );
    let j = nb.json(&["stats", "freq", "tracking", "--where", "identifier=phone"]);
    assert_eq!(j["total"], 1);
}

#[test]
fn sheets_keep_to_the_case_the_period_and_the_chosen_values() {
    let c = conn();
    let case: (uuid::Uuid, String) = c
        .query_row(
            "SELECT id, \"ref\" FROM cases ORDER BY (SELECT count(*) FROM links WHERE from_id = cases.id) DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let mut scope = parcels();
    scope.case = Some(case.0);
    let f = freq::freq(&c, &scope, &dims::find(ItemKind::Parcel, "origin").unwrap()).unwrap();
    let want = grouped(
        "SELECT p.origin, count(*) FROM parcels p JOIN links l ON l.to_id = p.id \
         WHERE l.from_id = ?1 AND l.link_type = 'includes' GROUP BY 1",
        [case.0],
    );
    assert_eq!(sheet(&f), want);
    assert!(f.total > 0 && f.total < PARCELS as u64);

    let mut scope = parcels();
    scope.since = Some("2026-01-01".into());
    scope.until = Some("2026-06-30".into());
    scope.facets.push(Facet {
        dim: dims::find(ItemKind::Parcel, "carrier").unwrap(),
        value: Some("China Post".into()),
    });
    let f = freq::freq(&c, &scope, &dims::find(ItemKind::Parcel, "status").unwrap()).unwrap();
    let want = grouped(
        "SELECT status, count(*) FROM parcels WHERE carrier = 'China Post' \
         AND seized_on BETWEEN '2026-01-01' AND '2026-06-30' GROUP BY 1",
        [],
    );
    assert_eq!(sheet(&f), want);
    // Items without a value are a value of their own to choose.
    let mut none = parcels();
    none.facets.push(Facet {
        dim: dims::find(ItemKind::Parcel, "seized_on").unwrap(),
        value: None,
    });
    let n = interdict::analysis::scope::count(&c, &none).unwrap();
    let want: i64 = c
        .query_row(
            "SELECT count(*) FROM parcels WHERE seized_on IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, want as u64);
}

#[test]
fn trends_count_seizures_per_month_and_put_the_rising_first() {
    let c = conn();
    let by = dims::find(ItemKind::Parcel, "substance").unwrap();
    let t = trend::trend(&c, &parcels(), Some(&by), trend::Every::Month, 12).unwrap();
    assert_eq!(t.buckets.len(), 12);
    let latest: String = c
        .query_row("SELECT max(seized_on) FROM parcels", [], |r| r.get(0))
        .unwrap();
    assert_eq!(t.until, latest, "the period ends at the latest seizure");
    assert!(t.since.ends_with("-01"), "{}", t.since);
    for s in &t.series {
        let name = s.value.clone().unwrap();
        let current = grouped(
            "SELECT s.name, count(DISTINCT p.id) FROM parcels p JOIN findings f ON f.parcel_id = p.id \
             JOIN substances s ON s.id = f.substance_id WHERE p.seized_on BETWEEN ?1 AND ?2 GROUP BY 1",
            [&t.since, &t.until],
        );
        assert_eq!(
            current.get(&Some(name.clone())).copied().unwrap_or(0),
            s.current,
            "{name}"
        );
        assert_eq!(s.counts.iter().sum::<u64>(), s.current, "{name}");
        let previous = grouped(
            "SELECT s.name, count(DISTINCT p.id) FROM parcels p JOIN findings f ON f.parcel_id = p.id \
             JOIN substances s ON s.id = f.substance_id WHERE p.seized_on BETWEEN ?1 AND ?2 GROUP BY 1",
            [&t.previous_since, &t.previous_until],
        );
        assert_eq!(
            previous.get(&Some(name.clone())).copied().unwrap_or(0),
            s.previous,
            "{name}"
        );
    }
    assert!(
        t.series.windows(2).all(|w| w[0].change >= w[1].change),
        "rising first"
    );
    // The total counts each seizure once, whatever was found in it.
    let seized: i64 = c
        .query_row(
            "SELECT count(*) FROM parcels WHERE seized_on BETWEEN ?1 AND ?2",
            [&t.since, &t.until],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(t.total.iter().sum::<u64>(), seized as u64);
    // What the demo planted shows: the arriving nitazene is new and
    // rising, the falling fentanyl analogues fall.
    let arriving = &demo().summary.emerging[0].substance;
    let s = t
        .series
        .iter()
        .find(|s| s.value.as_ref() == Some(arriving))
        .unwrap();
    assert_eq!(s.previous, 0);
    assert!(s.current > 0);
    let falling = t
        .series
        .iter()
        .find(|s| s.value.as_deref() == Some("Carfentanil"))
        .unwrap();
    assert!(falling.change < 0, "{falling:?}");
    // Weekly buckets start on Mondays and cover the period.
    let w = trend::trend(&c, &parcels(), None, trend::Every::Week, 6).unwrap();
    for b in &w.buckets {
        let d: jiff::civil::Date = b.parse().unwrap();
        assert_eq!(d.weekday(), jiff::civil::Weekday::Monday, "{b}");
    }
    assert!(
        w.buckets.len() >= 25 && w.buckets.len() <= 28,
        "{}",
        w.buckets.len()
    );
}

/// A trend split by a dimension a parcel may hold several values of
/// (substance group, form), month by month, within a scope narrowed by a
/// value chosen on another sheet: each bucket's count is the parcels
/// seized that month with that value, each counted once however many of
/// its findings carry it.
#[test]
fn a_trend_by_a_many_valued_dimension_counts_each_parcel_once_a_month() {
    // A copy of the demo in which some seized parcels hold a second
    // finding of the same form and substance group (another substance).
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("doubled.db");
    conn()
        .execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
        .unwrap();
    let c = Connection::open(&copy).unwrap();
    let doubled = c
        .execute(
            "INSERT INTO findings (id, created_at, created_by, updated_at, updated_by, origin_db, \
             parcel_id, substance_id, form, identification) \
             SELECT randomblob(16), f.created_at, f.created_by, f.updated_at, f.updated_by, f.origin_db, \
             f.parcel_id, (SELECT s2.id FROM substances s2 WHERE s2.\"group\" = s.\"group\" AND s2.id <> s.id \
             ORDER BY s2.id LIMIT 1), f.form, f.identification \
             FROM findings f JOIN substances s ON s.id = f.substance_id JOIN parcels p ON p.id = f.parcel_id \
             WHERE p.seized_on IS NOT NULL AND EXISTS (SELECT 1 FROM substances s2 \
             WHERE s2.\"group\" = s.\"group\" AND s2.id <> s.id) ORDER BY f.n LIMIT 400",
            [],
        )
        .unwrap();
    assert!(doubled > 100, "{doubled}");
    let grouped = |sql: &str, params: [&String; 3]| -> BTreeMap<Option<String>, u64> {
        let mut stmt = c.prepare(sql).unwrap();
        let rows = stmt
            .query_map(params, |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .unwrap();
        rows.map(|r| {
            let (v, n) = r.unwrap();
            (Some(v).filter(|v| !v.is_empty()), n as u64)
        })
        .collect()
    };
    let carrier = dims::find(ItemKind::Parcel, "carrier").unwrap();
    let top: String = c
        .query_row(
            "SELECT carrier FROM parcels WHERE seized_on IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let mut scope = parcels();
    scope.facets.push(Facet {
        dim: carrier,
        value: Some(top.clone()),
    });
    for (name, value) in [("group", "s.\"group\""), ("form", "f.form")] {
        let by = dims::find(ItemKind::Parcel, name).unwrap();
        let t = trend::trend(&c, &scope, Some(&by), trend::Every::Month, 12).unwrap();
        assert!(!t.series.is_empty(), "{name}");
        let sql = format!(
            "SELECT substr(p.seized_on, 1, 7) || '|' || coalesce({value}, ''), count(DISTINCT p.id) \
             FROM parcels p JOIN findings f ON f.parcel_id = p.id JOIN substances s ON s.id = f.substance_id \
             WHERE p.carrier = ?1 AND p.seized_on BETWEEN ?2 AND ?3 GROUP BY 1"
        );
        let want = grouped(&sql, [&top, &t.since, &t.until]);
        let mut seen = 0;
        for s in &t.series {
            for (bucket, n) in t.buckets.iter().zip(&s.counts) {
                let key = format!("{bucket}|{}", s.value.as_deref().unwrap_or(""));
                assert_eq!(
                    want.get(&Some(key.clone())).copied().unwrap_or(0),
                    *n,
                    "{name} {key}"
                );
                seen += n;
            }
        }
        assert_eq!(
            seen,
            want.values().sum::<u64>(),
            "{name}: every count placed"
        );
        // The total: the parcels seized each month, whatever their values.
        let seized = grouped(
            "SELECT substr(seized_on, 1, 7), count(*) FROM parcels \
             WHERE carrier = ?1 AND seized_on BETWEEN ?2 AND ?3 GROUP BY 1",
            [&top, &t.since, &t.until],
        );
        for (bucket, n) in t.buckets.iter().zip(&t.total) {
            let want = seized.get(&Some(bucket.clone())).copied().unwrap_or(0);
            assert_eq!(want, *n, "{name} total {bucket}");
        }
        let previous = format!(
            "SELECT coalesce({value}, ''), count(DISTINCT p.id) \
             FROM parcels p JOIN findings f ON f.parcel_id = p.id JOIN substances s ON s.id = f.substance_id \
             WHERE p.carrier = ?1 AND p.seized_on BETWEEN ?2 AND ?3 GROUP BY 1"
        );
        let before = grouped(&previous, [&top, &t.previous_since, &t.previous_until]);
        for s in &t.series {
            assert_eq!(
                before.get(&s.value).copied().unwrap_or(0),
                s.previous,
                "{name} {:?} before",
                s.value
            );
        }
    }
}

#[test]
fn the_route_matrix_counts_parcels_and_controlled_shares() {
    let c = conn();
    let r = routes::routes(&c, &parcels()).unwrap();
    assert_eq!(r.parcels, PARCELS as u64);
    let want = grouped(
        "SELECT origin || '>' || destination, count(*) FROM parcels GROUP BY 1",
        [],
    );
    let controlled = grouped(
        "SELECT origin || '>' || destination, count(*) FROM parcels p WHERE EXISTS ( \
           SELECT 1 FROM findings f JOIN substances s ON s.id = f.substance_id WHERE f.parcel_id = p.id \
           AND (s.schedule_1961 IS NOT NULL OR s.schedule_1971 IS NOT NULL OR s.table_1988 IS NOT NULL)) GROUP BY 1",
        [],
    );
    for cell in &r.matrix {
        let key = Some(format!(
            "{}>{}",
            cell.origin.as_deref().unwrap(),
            cell.destination.as_deref().unwrap()
        ));
        assert_eq!(want.get(&key).copied(), Some(cell.parcels), "{key:?}");
        assert_eq!(
            controlled.get(&key).copied().unwrap_or(0),
            cell.controlled,
            "{key:?}"
        );
    }
    assert_eq!(r.matrix.len(), want.len());
    assert_eq!(r.origins[0].as_deref(), Some("CN"), "China leads");
    let via: u64 = r.via.iter().map(|v| v.parcels).sum();
    let want_via: i64 = c
        .query_row(
            "SELECT count(*) FROM parcels WHERE coalesce(transit, '') <> ''",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(via, want_via as u64);
}

#[test]
fn emerging_substances_are_those_first_seen_in_the_period() {
    let c = conn();
    let planted = &demo().summary.emerging[0];
    let e = emerging::emerging(&c, &parcels(), &planted.from, None).unwrap();
    let found = e
        .substances
        .iter()
        .find(|s| s.name == planted.substance)
        .expect("the arriving substance");
    assert!(found.in_catalogue);
    assert!(found.first_seen >= planted.from);
    let first: String = c
        .query_row(
            "SELECT min(p.seized_on) FROM findings f JOIN parcels p ON p.id = f.parcel_id \
             JOIN substances s ON s.id = f.substance_id WHERE s.name = ?1",
            [&planted.substance],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(found.first_seen, first);
    assert_eq!(found.seen[0].seized_on, first);
    // Nothing seen before the period is emerging.
    for s in &e.substances {
        assert!(s.first_seen >= e.since, "{s:?}");
    }
    assert!(!e.substances.iter().any(|s| s.name == "Mephedrone"));
    // A period that runs backwards is refused, as a trend's is (it said
    // "none").
    let err = emerging::emerging(&c, &parcels(), "2026-01-01", Some("2025-01-01")).unwrap_err();
    assert!(err.to_string().contains("after it ends"), "{err}");
}

#[test]
fn a_substance_added_by_hand_and_found_is_emerging_and_not_from_the_catalogue() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    nb.ok(&[
        "add",
        "substance",
        "--name",
        "Novelazene",
        "--group",
        "other",
    ]);
    let case = nb
        .ok(&["add", "case", "--title", "New opioid"])
        .trim()
        .to_string();
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785CN",
        "--case",
        &case,
        "--status",
        "seized",
        "--seized-on",
        "2026-10-02",
        "--origin",
        "CN",
        "--destination",
        "KZ",
    ]);
    nb.ok(&[
        "add",
        "finding",
        "--parcel",
        "RR123456785CN",
        "--substance",
        "Novelazene",
        "--form",
        "powder",
    ]);
    nb.ok(&[
        "add",
        "note",
        "--on",
        &case,
        "--text",
        "Vendor ships weekly",
        "--lead",
    ]);
    let e = nb.json(&["stats", "emerging", "--since", "2026-10-01"]);
    let list = e["substances"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{e}");
    assert_eq!(list[0]["name"], "Novelazene");
    assert_eq!(list[0]["in_catalogue"], false);
    // Added today, said as a date (the time is stored as a number since
    // schema 15, and was once cut as its digits: "1764...").
    let added = list[0]["added_on"].as_str().unwrap();
    assert_eq!(added.len(), 10, "{added}");
    assert!(
        jiff::civil::Date::strptime("%Y-%m-%d", added).is_ok(),
        "{added}"
    );
    assert_eq!(list[0]["seen"][0]["tracking"], "RR123456785CN");
    let e = nb.json(&["stats", "emerging", "--since", "2026-10-03"]);
    assert_eq!(e["substances"].as_array().unwrap().len(), 0, "{e}");
    // The case's timeline, in date order, each event with its item.
    let t = nb.json(&["timeline", &case]);
    let events = t["events"].as_array().unwrap();
    let whats: Vec<&str> = events.iter().map(|e| e["what"].as_str().unwrap()).collect();
    for w in ["opened", "added", "seized", "finding", "lead"] {
        assert!(whats.contains(&w), "{w} in {whats:?}");
    }
    let dates: Vec<&str> = events.iter().map(|e| e["date"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
    let seized = events.iter().find(|e| e["what"] == "seized").unwrap();
    assert_eq!(seized["date"], "2026-10-02");
    assert_eq!(seized["item"]["label"], "RR123456785CN");
    assert_eq!(seized["item"]["kind"], "parcel");
    let table = nb.ok(&["timeline", &case]);
    assert!(table.contains("2026-10-02  seized"), "{table}");
}

/// Notes of one day, dated by the day, run in the order they were
/// written, as the day's story ran (they ran in the order of their texts).
#[test]
fn a_days_notes_run_in_the_order_written() {
    let nb = common::Nb::new();
    nb.ok(&["add", "case", "--title", "Op Owl"]);
    let texts = [
        "Watch the parcel from Dubai",
        "Parcel arrived, controlled delivery approved",
        "Buyer collected it, arrested at the door",
    ];
    for t in texts {
        nb.ok(&[
            "add",
            "note",
            "--on",
            "C-0001",
            "--date",
            "2026-12-01",
            "--text",
            t,
        ]);
    }
    let t = nb.json(&["timeline", "C-0001"]);
    let notes: Vec<&str> = t["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["what"] == "note")
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(notes, texts, "{t}");
}

#[test]
fn the_timeline_shows_merges_links_and_notes_of_the_case() {
    let c = conn();
    let case: uuid::Uuid = c
        .query_row(
            "SELECT id FROM cases WHERE id IN (SELECT item_id FROM notes) LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let t = timeline::timeline(&c, case).unwrap();
    let notes: i64 = c
        .query_row(
            "SELECT count(*) FROM notes WHERE item_id = ?1 OR item_id IN \
             (SELECT to_id FROM links WHERE from_id = ?1 AND link_type = 'includes')",
            [case],
            |r| r.get(0),
        )
        .unwrap();
    let shown = t
        .events
        .iter()
        .filter(|e| e.what == "note" || e.what == "lead")
        .count();
    assert_eq!(shown as i64, notes);
    let included: i64 = c
        .query_row(
            "SELECT count(*) FROM links WHERE from_id = ?1 AND link_type = 'includes'",
            [case],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        t.events.iter().filter(|e| e.what == "added").count() as i64,
        included
    );
    assert!(t.events.iter().all(|e| e.item.is_some()));

    // Merged into another notebook, the case's records show where they came from.
    let nb = Nb::new();
    let reference: String = c
        .query_row("SELECT \"ref\" FROM cases WHERE id = ?1", [case], |r| {
            r.get(0)
        })
        .unwrap();
    let file = nb._dir.path().join("case.db");
    demo().nb.ok(&[
        "export",
        "--case",
        &reference,
        "--out",
        file.to_str().unwrap(),
    ]);
    nb.ok(&["init"]);
    nb.ok(&["merge", "--trust-new", file.to_str().unwrap()]);
    let t = nb.json(&["timeline", &reference]);
    let merge = t["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["what"] == "merge")
        .unwrap_or_else(|| panic!("no merge in {t}"));
    assert!(
        merge["text"].as_str().unwrap().contains("case.db"),
        "{merge}"
    );
}

#[test]
fn stats_commands_print_tables_json_and_formula_safe_csv() {
    let d = &demo().nb;
    let j = d.json(&["stats", "freq", "carrier", "--limit", "3"]);
    assert_eq!(j["field"], "carrier");
    assert_eq!(j["total"], PARCELS as u64);
    assert_eq!(j["rows"].as_array().unwrap().len(), 3);
    assert_eq!(j["rows"][0]["value"], "China Post");
    let t = d.ok(&["stats", "freq", "status"]);
    assert!(t.starts_with("Status over all parcels (4000 items)"), "{t}");
    assert!(t.contains("VALUE") && t.contains("█"), "{t}");
    let j = d.json(&["stats", "trend", "--by", "group", "--every", "week"]);
    assert_eq!(j["every"], "week");
    assert_eq!(j["by"], "group");
    for key in [
        "since",
        "until",
        "previous_since",
        "previous_until",
        "buckets",
        "total",
        "series",
    ] {
        assert!(j.get(key).is_some(), "{key} in {j}");
    }
    let j = d.json(&["stats", "routes", "--where", "origin=CN"]);
    assert!(
        j["matrix"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["origin"] == "CN")
    );
    let csv = d.ok(&["stats", "freq", "month", "--format", "csv", "--by-value"]);
    assert!(csv.starts_with("value,count,share\n"), "{csv}");
    // Bad input names what is wrong.
    let e = d.fails(&["stats", "freq", "colour"]);
    assert!(
        e.contains("\"colour\" is not a field of a parcel") && e.contains("carrier"),
        "{e}"
    );
    let e = d.fails(&["stats", "trend", "--since", "2026-13-01"]);
    assert!(e.contains("--since") && e.contains("2026-13-01"), "{e}");
    let e = d.fails(&["stats", "emerging"]);
    assert!(e.contains("--since"), "{e}");
    let e = d.fails(&["stats", "freq", "form", "--kind", "finding"]);
    assert!(e.contains("--kind finding"), "{e}");
    let e = d.fails(&["stats", "freq", "status", "--where", "nothing"]);
    assert!(e.contains("FIELD=VALUE"), "{e}");
    // A value no item can hold is refused, naming why (each counted a
    // silent 0); one written otherwise than the values is read as them.
    for (w, why) in [
        ("status=seizd", "not one of"),
        ("form=powdr", "not one of"),
        ("origin=ZZ", "country code"),
        ("seized_on=2024-02-30", "not a date"),
        ("week=last", "not a date"),
        ("route=CN", "not a route"),
        ("quarter=2026-Q5", "not a quarter"),
        ("identifier=passport", "not one of"),
    ] {
        let e = d.fails(&["stats", "freq", "destination", "--where", w]);
        assert!(e.contains(why) && e.contains(w), "{w}: {e}");
    }
    let count = |w: &str| -> u64 {
        d.json(&["stats", "freq", "destination", "--where", w])["total"]
            .as_u64()
            .unwrap()
    };
    let week = d.json(&["stats", "freq", "week"]);
    let monday = week["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|r| r["value"].as_str())
        .unwrap()
        .to_string();
    let monday_count = count(&format!("week={monday}"));
    assert!(monday_count > 0, "{week}");
    let thursday = jiff::civil::Date::strptime("%Y-%m-%d", &monday)
        .unwrap()
        .checked_add(jiff::Span::new().days(3))
        .unwrap();
    assert_eq!(count(&format!("week={thursday}")), monday_count);
    assert_eq!(count("route=cn>kz"), count("route=CN>KZ"));
    assert!(count("route=CN>KZ") > 0);

    // A value a spreadsheet would run as a formula is quoted.
    let nb = Nb::new();
    nb.ok(&["init"]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785CN",
        "--carrier",
        "=HYPERLINK(\"x\")",
    ]);
    let csv = nb.ok(&["stats", "freq", "carrier", "--format", "csv"]);
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
}

/// A case's timeline tells the notes and leads on its people and
/// organisations (the case's export carries them; the timeline left them
/// out) and its parcels' posting, when recorded.
#[test]
fn a_timeline_tells_the_notes_on_the_cases_people_and_the_postings() {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "Op"]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--case",
        "C-0001",
        "--set",
        "posted_on=2026-02-01",
        "--set",
        "origin=CN",
    ]);
    nb.ok(&["add", "person", "--name", "Olga Smirnova"]);
    nb.ok(&[
        "add",
        "link",
        "Olga Smirnova",
        "C-0001",
        "--type",
        "related-to",
    ]);
    nb.ok(&[
        "add",
        "note",
        "--on",
        "Olga Smirnova",
        "--text",
        "Olga seen at Khorgos",
        "--lead",
        "--date",
        "2026-02-20",
    ]);
    let t = nb.ok(&["timeline", "C-0001"]);
    assert!(t.contains("Olga Smirnova: Olga seen at Khorgos"), "{t}");
    assert!(t.contains("RR123456785KZ posted from CN"), "{t}");
}

/// An identifier written several ways is one value in the counts, as it
/// is one in `xref`: one phone in three spellings, one content in three
/// cases and spacings; and a value chosen with `--where` is read as the
/// field reads what is typed (`cn` is the country `CN`, a phone in its
/// international form meets the national ones).
#[test]
fn counts_group_identifiers_by_their_key_and_read_chosen_values_as_typed() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    for (tracking, phone, declared) in [
        ("RR000000014CN", "+7 701 555 01 42", "tea sample"),
        ("RR000000028CN", "87015550142", "Tea Sample"),
        ("EE000000031CN", "7015550142", "tea  sample"),
        ("EE000000045CN", "+7 701 555 99 99", "gift"),
    ] {
        nb.ok(&[
            "add",
            "parcel",
            "--tracking",
            tracking,
            "--origin",
            "CN",
            "--destination",
            "KZ",
            "--recipient-phone",
            phone,
            "--declared",
            declared,
        ]);
    }
    let csv = nb.ok(&["--format", "csv", "stats", "freq", "recipient_phone"]);
    assert_eq!(
        csv.lines().collect::<Vec<_>>(),
        [
            "value,count,share",
            // (A leading `+` guarded from spreadsheets' formulas.)
            "'+77015550142,3,0.750000",
            "'+77015559999,1,0.250000"
        ],
        "{csv}"
    );
    let csv = nb.ok(&["--format", "csv", "stats", "freq", "declared_contents"]);
    assert!(csv.contains("tea sample,3,"), "{csv}");
    for (field, value, n) in [
        ("recipient_phone", "+77015550142", "3"),
        ("recipient_phone", "+7 701 555 01 42", "3"),
        ("declared_contents", "TEA   Sample", "3"),
        ("origin", "cn", "4"),
    ] {
        let csv = nb.ok(&[
            "--format",
            "csv",
            "stats",
            "freq",
            "origin",
            "--where",
            &format!("{field}={value}"),
        ]);
        assert_eq!(
            csv.lines().nth(1).unwrap_or_default(),
            format!("CN,{n},1.000000"),
            "{field}={value}: {csv}"
        );
    }
}

/// `--where` reads a substance by any of its names and a finding's form
/// or a substance's group as those fields read what is typed (only the
/// stored spelling matched: `substance=fentanyl` and `form=Powder` gave a
/// false 0 with no word); a substance the notebook does not know is
/// refused, naming it.
#[test]
fn where_reads_substances_and_forms_as_typed() {
    let nb = Nb::new();
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785CN",
        "--origin",
        "CN",
        "--status",
        "seized",
        "--seized-on",
        "2026-03-01",
    ]);
    nb.ok(&[
        "add",
        "finding",
        "--parcel",
        "RR123456785CN",
        "--substance",
        "fentanyl",
        "--form",
        "Powder",
    ]);
    nb.ok(&[
        "add",
        "finding",
        "--parcel",
        "RR123456785CN",
        "--substance",
        "4-mmc",
        "--form",
        "powder",
    ]);
    for w in [
        "substance=fentanyl",
        "substance=мефедрон",
        "substance=4-MMC",
        "form=Powder",
        "form=powder",
    ] {
        let f = nb.json(&["stats", "freq", "status", "--where", w]);
        assert_eq!(f["total"], 1, "{w}: {f}");
    }
    let err = nb.fails(&[
        "stats",
        "freq",
        "status",
        "--where",
        "substance=nosuchthing",
    ]);
    assert!(err.contains("nosuchthing"), "{err}");
    // A period that ends before it starts is refused, as a trend's is.
    let err = nb.fails(&[
        "stats",
        "freq",
        "status",
        "--since",
        "2026-05-01",
        "--until",
        "2026-01-01",
    ]);
    assert!(err.contains("after it ends"), "{err}");
}

/// A note over several lines stands in the case's timeline whole, its
/// lines joined (the first line alone was shown, in the text and the
/// JSON, and a lead's phone on the next line was lost without a mark).
#[test]
fn a_timeline_keeps_every_line_of_a_note() {
    let nb = Nb::new();
    nb.ok(&["add", "case", "--title", "Lines"]);
    nb.ok(&[
        "add",
        "note",
        "--on",
        "C-0001",
        "--text",
        "Source called at 10:00\nSeller WeChat wxid_abc123\n\nSeller phone +7 702 111 2233",
    ]);
    let t = nb.json(&["timeline", "C-0001"]);
    let note = t["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["what"] == "note")
        .unwrap_or_else(|| panic!("{t}"));
    // As written in JSON; its lines joined in the table.
    assert_eq!(
        note["text"],
        "Source called at 10:00\nSeller WeChat wxid_abc123\n\nSeller phone +7 702 111 2233",
        "{t}"
    );
    let table = nb.ok(&["timeline", "C-0001"]);
    // (The table fits its width, cut with a mark.)
    assert!(table.contains("/ Seller WeChat"), "{table}");
}

/// A phone in `--where` written the national way, as a parcel holds it,
/// is read in each parcel's country: `87015550142` to Kazakhstan is the
/// number `+7 701 555 01 42` is (it counted a silent 0).
#[test]
fn where_reads_a_national_phone_in_each_parcels_country() {
    let nb = Nb::new();
    for (t, phone) in [
        ("RR555000012CN", "+7 (701) 555-01-42"),
        ("RR555000026CN", "87015550142"),
        ("RR555000030CN", "7015550142"),
    ] {
        nb.ok(&[
            "add",
            "parcel",
            "--tracking",
            t,
            "--origin",
            "CN",
            "--destination",
            "KZ",
            "--recipient-phone",
            phone,
        ]);
    }
    for w in [
        "recipient_phone=+7 701 555 01 42",
        "recipient_phone=87015550142",
        "recipient_phone=8 (701) 555-01-42",
    ] {
        let f = nb.json(&["stats", "freq", "status", "--where", w]);
        assert_eq!(f["total"], 3, "{w}: {f}");
    }
    // A value that is no phone at all is counted as written: none.
    let f = nb.json(&["stats", "freq", "status", "--where", "recipient_phone=12"]);
    assert_eq!(f["total"], 0, "{f}");
}
