//! Screening a manifest: tomorrow's parcels, as a CSV of advance data,
//! read with the import's header recognition and mappings, scored against
//! the notebook's profiles and watchlist without storing it. Only the hits
//! come out (and, when asked, go into the notebook as targeted parcels
//! with their hits). A row that cannot be read is reported with its line
//! and passed over; it never stops the screen.

use super::csv_import::{self, ImportError, Phase, Prepared, Progress, RowError, ScreenRow};
use crate::domain::Parcel;
use crate::domain::identifiers::{IdentKind, Identifier};
use crate::store::{Store, StoreError, create};
use crate::targeting::batch::Batch;
use crate::targeting::known::{Beside, Known, Reading};
use crate::targeting::live::Live;
use crate::targeting::profile::Profile;
use crate::targeting::score::Hit;
use rusqlite::Connection;
use serde::Serialize;
use uuid::Uuid;

/// Rows that could not be read, listed at most.
const MAX_LISTED: usize = 100;

/// A manifest this large (about 100,000 rows) has the notebook's filters
/// read beside it from the start: the rent rule would read them all
/// within its first rows anyway.
const BESIDE_BYTES: u64 = 16 << 20;

/// A manifest row that hit.
#[derive(Debug, Clone, Serialize)]
pub struct RowHit {
    pub line: u64,
    pub tracking: String,
    pub hits: Vec<Hit>,
    /// The notebook holds a parcel of this tracking number already: the
    /// row was screened without that copy counting as another parcel.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub held: bool,
    /// The row's parcel (kept only when the hits are to be stored).
    #[serde(skip)]
    pub parcel: Option<Box<Parcel>>,
}

/// A tracking number a manifest has on two rows (the later row's line,
/// and the first's).
#[derive(Debug, Clone, Serialize)]
pub struct Twice {
    pub tracking: String,
    pub first_line: u64,
    pub line: u64,
}

/// What a screen did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub file: String,
    pub rows: u64,
    pub screened: u64,
    pub hit: u64,
    pub unreadable: u64,
    /// The first rows that could not be read, with line and field.
    pub errors: Vec<RowError>,
    pub profiles: Vec<String>,
    pub watchlist: bool,
    /// The file's columns that fill no field (named; `(column N)` when
    /// unnamed): what they hold is screened by no indicator.
    #[serde(default)]
    pub ignored_columns: Vec<String>,
    /// What the rows' own checks say, by field (a phone written nationally
    /// with no country to read it in is matched against nothing): the
    /// first row's line and words, and how many rows.
    pub notices: Vec<csv_import::Notice>,
    /// Rows whose tracking number the notebook holds already (each
    /// screened without its stored copy counting as another parcel).
    pub held: u64,
    /// Rows whose tracking number an earlier row of the file has, hit or
    /// not (the first [`MAX_LISTED`]; `twice_rows` counts them all).
    pub twice: Vec<Twice>,
    pub twice_rows: u64,
}

/// Screens every row of `prep` against `profiles` (and the watchlist when
/// `watching`) as the notebook on `conn` knows it on `today`; each row
/// that hits goes to `on_hit`. `keep` keeps each hit row's parcel in it.
#[allow(clippy::too_many_arguments)]
pub fn screen(
    conn: &Connection,
    prep: &Prepared,
    profiles: &[Profile],
    watching: bool,
    today: &str,
    keep: bool,
    on_hit: impl FnMut(RowHit) -> Result<(), ImportError>,
    progress: impl FnMut(Progress),
) -> Result<Report, ImportError> {
    let how = Screening {
        profiles,
        watching,
        today,
        keep,
        filter: Reading::WhenPaid,
    };
    screen_as(conn, prep, &how, on_hit, progress)
}

/// A row as the reading thread hands it to the scoring thread: its parcel,
/// identifiers and each profile's look at it.
type Made = (
    Box<Parcel>,
    Vec<Identifier>,
    Vec<crate::targeting::score::Looked>,
);

/// What a screen screens against, and how.
struct Screening<'a> {
    profiles: &'a [Profile],
    watching: bool,
    today: &'a str,
    keep: bool,
    /// When the notebook's identifiers are read into memory.
    filter: Reading,
}

fn screen_as(
    conn: &Connection,
    prep: &Prepared,
    how: &Screening<'_>,
    mut on_hit: impl FnMut(RowHit) -> Result<(), ImportError>,
    progress: impl FnMut(Progress),
) -> Result<Report, ImportError> {
    let Screening {
        profiles,
        watching,
        today,
        keep: _,
        filter,
    } = *how;
    let mut report = Report {
        file: prep.path.display().to_string(),
        ignored_columns: prep.plan.ignored.clone(),
        profiles: profiles.iter().map(|p| p.name.clone()).collect(),
        watchlist: watching,
        ..Report::default()
    };
    // One read transaction for the whole screen: one snapshot of the
    // notebook, and no lock taken and given back per query.
    let snapshot = conn.unchecked_transaction().map_err(StoreError::from)?;
    // A long screen reads the notebook's filters beside it from the start
    // (it would read them all anyway), with the same snapshot; a short one
    // reads each only once it has paid for itself.
    let beside = match filter {
        Reading::Beside => true,
        Reading::WhenPaid => prep.total_bytes >= BESIDE_BYTES,
        Reading::Now | Reading::Never => false,
    };
    let beside = beside
        .then(|| conn.path().filter(|p| !p.is_empty()))
        .flatten()
        .and_then(|path| Beside::start(std::path::Path::new(path), &snapshot));
    let terms = std::sync::Arc::new(crate::targeting::live::substance_terms(&snapshot)?);
    let listed: Vec<(crate::domain::identifiers::IdentKind, String)> =
        crate::store::warnlist::list(&snapshot)?
            .into_iter()
            .filter_map(|e| crate::store::keys::ident_named(&e.kind).map(|k| (k, e.value)))
            .collect();
    let mut held = crate::targeting::live::Listed::new();
    for (k, v) in &listed {
        held.entry(*k).or_default().insert(v.clone());
    }
    // (Each row has an id of its own, below: none is the notebook's.)
    let live = Live::new(&snapshot, today)
        .of_unsaved()
        .with_terms(terms.clone())
        .with_listed(std::sync::Arc::new(held));
    let mut known = Known::new(&snapshot, live, today)?.reading(filter)?;
    if let Some(b) = beside {
        known = known.beside(b);
    }
    let mut know = Batch::new(known).without(listed.iter().map(|(k, v)| (*k, v.as_str())));
    // A long screen waits for its filters before its first row (saying
    // so: at a million parcels a second or two, far longer from disk).
    let mut progress = progress;
    know.inner().wait_for_filters(&mut |read, of| {
        progress(Progress {
            phase: Phase::Notebook,
            rows: read,
            bytes_read: read,
            total_bytes: of,
            imported: 0,
            duplicates: 0,
            rejected: 0,
        })
    });
    // The reading thread gives each parcel an id of its own (so no parcel
    // of the notebook is taken for it), derives its identifiers and tries
    // the indicators that look at the parcel alone (this thread being the
    // busier); this one asks the notebook for the rest and remembers it.
    // (Ids told apart by a count in the random bits of one new id: a new
    // id per row asked the system for random bytes a million times.)
    let first = Uuid::now_v7().as_u128();
    let made = std::sync::atomic::AtomicU64::new(0);
    let catalogue = terms.clone();
    let prepare = move |mut parcel: Box<Parcel>, found: Vec<Identifier>| {
        let n = made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        parcel.meta.id = Uuid::from_u128(first ^ u128::from(n));
        // (Exact values only: no indicator asks of a sound in `ids`. With
        // the phones read from a cell the row was read without.)
        let mut ids = parcel.identifiers_of(false);
        ids.extend(found);
        // (Its declared contents folded once: the content identifier's
        // value is what a look at them folds.)
        let contents = ids
            .iter()
            .find(|i| i.role == "declared_contents")
            .map(|i| i.value.as_str());
        let looked =
            crate::targeting::score::look_all(profiles, &parcel, Some(&catalogue), contents);
        (parcel, ids, looked)
    };
    // Each row is scored once the next has come, so that what scoring it
    // will look at in memory is asked for a row ahead (`Batch::expect`).
    // (With whether the row was read without a cell it could not read:
    // such a row is screened, not kept.)
    let mut pending: Option<(u64, Made, bool)> = None;
    let rows = csv_import::each_row(
        prep,
        prepare,
        |row: ScreenRow<Made>, spent: &mut Vec<Made>| {
            let made = match row.parcel {
                Ok(p) => p,
                Err(e) => {
                    report.unreadable += 1;
                    if report.errors.len() < MAX_LISTED {
                        report.errors.push(e);
                    }
                    return Ok(true);
                }
            };
            report.screened += 1;
            if report.screened.is_multiple_of(1024) && row.bytes > 0 {
                // How many rows the file has, about, from what they took so far.
                let all = (u128::from(report.screened) * u128::from(prep.total_bytes)
                    / u128::from(row.bytes)) as u64;
                know.ahead(report.screened, all);
            }
            csv_import::note(&mut report.notices, row.line, &row.warnings);
            let partial = row
                .warnings
                .iter()
                .any(|w| w.ends_with(csv_import::LEFT_OUT));
            know.expect(&made.1);
            if let Some((line, before, part)) = pending.replace((row.line, made, partial)) {
                score_row(
                    &mut know,
                    how,
                    &mut report,
                    (line, part),
                    before,
                    spent,
                    &mut on_hit,
                )?;
            }
            Ok(true)
        },
        &mut progress,
    )?;
    if let Some((line, last, part)) = pending.take() {
        score_row(
            &mut know,
            how,
            &mut report,
            (line, part),
            last,
            &mut Vec::new(),
            &mut on_hit,
        )?;
    }
    drop(know);
    snapshot.finish().map_err(StoreError::from)?;
    report.rows = rows;
    Ok(report)
}

/// Scores one row of a screen, remembers it for the rows after it, and
/// tells `on_hit` of its hits. What it is done with goes to `spent`.
/// `partial`: the row was read without a cell it could not read (it is
/// screened, and not kept: kept, it would be stored without it).
fn score_row(
    know: &mut Batch<Known<'_>>,
    how: &Screening<'_>,
    report: &mut Report,
    (line, partial): (u64, bool),
    (parcel, ids, looked): Made,
    spent: &mut Vec<Made>,
    on_hit: &mut impl FnMut(RowHit) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    let (mut parcel, ids, looked) = (parcel, ids, looked);
    let tracking = ids
        .iter()
        .find(|i| i.kind == IdentKind::Tracking && i.role == "tracking")
        .map(|i| i.value.as_str());
    // A row the notebook has a copy of is asked about as that copy (which
    // is left out of its answers, as a saved parcel's self is).
    let held = know
        .inner()
        .held_copy(tracking)
        .map_err(ImportError::Store)?;
    if let Some(id) = held {
        parcel.meta.id = id;
        report.held += 1;
    }
    if let Some(first_line) = know.first_line_of(&ids, line) {
        report.twice_rows += 1;
        if report.twice.len() < MAX_LISTED {
            report.twice.push(Twice {
                tracking: parcel.tracking.clone(),
                first_line,
                line,
            });
        }
    }
    let hits = crate::targeting::screen_looked(
        how.profiles,
        how.watching,
        &parcel,
        &ids,
        looked,
        know,
        how.today,
    )
    .map_err(ImportError::Store)?;
    know.remember(&parcel, &ids, line);
    if hits.is_empty() {
        spent.push((parcel, ids, Vec::new()));
        return Ok(());
    }
    report.hit += 1;
    let tracking = parcel.tracking.clone();
    if how.keep && partial {
        csv_import::note(
            &mut report.notices,
            line,
            &[format!(
                "not kept: line {line} ({tracking}) hit, but a cell of it could not be read: correct it and import or screen it again"
            )],
        );
    }
    let parcel = if how.keep && !partial {
        Some(parcel)
    } else {
        spent.push((parcel, ids, Vec::new()));
        None
    };
    on_hit(RowHit {
        line,
        tracking,
        hits,
        held: held.is_some(),
        parcel,
    })
}

/// What keeping the hits did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Kept {
    /// Parcels added (as targeted), screened in their own transaction.
    pub added: usize,
    /// Hits whose tracking number the notebook had already: not added.
    pub already: Vec<String>,
}

/// Adds the hit rows' parcels to the notebook as targeted parcels, each
/// with the hits the screen found (and any more its save finds, screened
/// as every parcel saved is), passing over those whose tracking number it
/// already has. One transaction.
pub fn keep(store: &mut Store, rows: &[RowHit]) -> Result<Kept, StoreError> {
    store.write(|w| {
        let mut kept = Kept::default();
        for r in rows {
            let Some(p) = &r.parcel else { continue };
            let mut p = (**p).clone();
            p.meta = crate::domain::meta::Meta::unsaved();
            if p.status.is_empty() || p.status == "seized" {
                p.status = "targeted".into();
            }
            match create::parcel(w, &mut p) {
                Ok(_) => {
                    // What the screen found is why it is kept: stored as
                    // found. (Screened again as it is saved, against the
                    // notebook alone, it may not hit: the screen counted
                    // the manifest's rows the notebook does not hold.)
                    crate::targeting::stored::add_hits(w, p.meta.id, &r.hits)?;
                    kept.added += 1;
                }
                Err(StoreError::Duplicate(_)) => kept.already.push(p.tracking.clone()),
                Err(e) => return Err(e),
            }
        }
        Ok(kept)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testutil::temp_store;

    /// A notebook of 600 demo parcels, a demo manifest of 1,500 rows
    /// made from it, and the notebook's active profiles and watchlist.
    fn demo_manifest() -> (
        tempfile::TempDir,
        Store,
        Prepared,
        std::sync::Arc<Vec<Profile>>,
        bool,
    ) {
        let (d, mut s) = temp_store();
        crate::exchange::demo::generate(&mut s, 600, 7, |_, _| {}).unwrap();
        let path = d.path().join("manifest.csv");
        crate::exchange::demo::targeting::manifest(s.conn(), &path, 1500, 7).unwrap();
        let prep = Prepared::new(&path, None, None, None).unwrap();
        let (profiles, watching) = crate::targeting::Screener::new()
            .settings(s.conn())
            .unwrap();
        (d, s, prep, profiles, watching)
    }

    /// A manifest row the notebook holds a copy of (screened before and
    /// kept, or seized since) is screened without that copy counting as
    /// another parcel: the first parcel from its sender stays the first,
    /// and its own seizure is no "seized parcel with this phone". A
    /// tracking number on two rows of the file is listed, hit or not.
    #[test]
    fn a_row_held_already_is_screened_without_its_stored_copy() {
        let (d, mut s) = temp_store();
        let (profile, _) = crate::targeting::profile::parse(
            r#"
name = "new-and-seized"
threshold = 10

[[indicator]]
weight = 10
kind = "first-from-sender"

[[indicator]]
weight = 50
kind = "seen-in-seized"
kinds = ["phone"]
"#,
        )
        .unwrap();
        let path = d.path().join("manifest.csv");
        std::fs::write(
            &path,
            "tracking,origin,destination,sender_phone,recipient_phone,weight_g\n\
             RR123456785KZ,CN,KZ,+8613800000001,+77015550142,120\n\
             RR000000014KZ,CN,KZ,+8613800000002,+77015550100,80\n\
             RR123456785KZ,CN,KZ,+8613800000003,+77015550101,90\n",
        )
        .unwrap();
        let prep = Prepared::new(&path, None, None, None).unwrap();
        let profiles = vec![profile];
        let how = Screening {
            profiles: &profiles,
            watching: false,
            today: "2026-12-01",
            keep: true,
            filter: Reading::Never,
        };
        let run = |s: &Store| {
            let mut hits = Vec::new();
            let report = screen_as(
                s.conn(),
                &prep,
                &how,
                |h| {
                    hits.push(h);
                    Ok(())
                },
                |_| {},
            )
            .unwrap();
            (report, hits)
        };
        let scores = |hits: &[RowHit]| -> Vec<(u64, f64, bool)> {
            hits.iter()
                .map(|h| (h.line, h.hits[0].score, h.held))
                .collect()
        };
        let (first, hits) = run(&s);
        assert_eq!(
            scores(&hits),
            vec![(2, 10.0, false), (3, 10.0, false), (4, 10.0, false)]
        );
        assert_eq!(first.held, 0);
        assert_eq!(
            first
                .twice
                .iter()
                .map(|t| (t.tracking.as_str(), t.first_line, t.line))
                .collect::<Vec<_>>(),
            vec![("RR123456785KZ", 2, 4)]
        );
        assert_eq!(first.twice_rows, 1);
        // The first row's parcel kept, then seized.
        keep(&mut s, &hits[..1]).unwrap();
        s.conn()
            .execute(
                "UPDATE parcels SET status = 'seized' WHERE tracking = 'RR123456785KZ'",
                [],
            )
            .unwrap();
        let (again, hits) = run(&s);
        // Line 2 is the notebook's parcel: still the first from its
        // sender, and not seized "with" itself; line 3 as before; line 4
        // (the same number, another sender) is the notebook's parcel too.
        assert_eq!(
            scores(&hits),
            vec![(2, 10.0, true), (3, 10.0, false), (4, 10.0, true)]
        );
        assert_eq!(again.held, 2);
    }

    /// Each row is scored once the next has come: the last row too is
    /// scored, and the hits come in the file's order, whatever reads the
    /// filters. (Rows on the watchlist: the first, one whose tracking
    /// number cannot be read, one after it, and the last, whose weight
    /// cannot be read: screened without it, and not kept.)
    #[test]
    fn every_row_is_scored_in_order_the_last_too() {
        let (d, mut s) = temp_store();
        for phone in ["+77015550142", "+77015550199"] {
            let e = crate::targeting::watchlist::NewEntry {
                kind: "phone".into(),
                raw: phone.into(),
                reason: "lead 12".into(),
                ..Default::default()
            };
            s.write(|w| crate::targeting::watchlist::add(w, &e))
                .unwrap();
        }
        let path = d.path().join("manifest.csv");
        std::fs::write(
            &path,
            "tracking,origin,destination,recipient_phone,weight_g\n\
             RR123456785KZ,CN,KZ,+77015550142,120\n\
             RR000000014KZ,CN,KZ,+77015550100,80\n\
             RR00000002KZ,CN,KZ,+77015550142,80\n\
             RR000000031KZ,CN,KZ,+77015550199,0353\n\
             RR000000045KZ,CN,KZ,+77015550142,heavy\n",
        )
        .unwrap();
        let prep = Prepared::new(&path, None, None, None).unwrap();
        for filter in [Reading::Never, Reading::Now, Reading::Beside] {
            let how = Screening {
                profiles: &[],
                watching: true,
                today: "2026-12-01",
                keep: true,
                filter,
            };
            let mut hits = Vec::new();
            let report = screen_as(
                s.conn(),
                &prep,
                &how,
                |h| {
                    hits.push((h.line, h.tracking, h.parcel.map(|p| p.weight_g)));
                    Ok(())
                },
                |_| {},
            )
            .unwrap();
            assert_eq!((report.screened, report.unreadable), (4, 1), "{filter:?}");
            assert_eq!(report.hit, 3, "{filter:?}");
            assert_eq!(
                hits,
                vec![
                    (2, "RR123456785KZ".to_string(), Some(Some(120.0))),
                    (5, "RR000000031KZ".to_string(), Some(Some(353.0))),
                    (6, "RR000000045KZ".to_string(), None),
                ],
                "{filter:?}"
            );
            let said: Vec<&str> = report.notices.iter().map(|n| n.first.as_str()).collect();
            assert!(
                said.iter()
                    .any(|n| n.contains("weight") && n.contains("left out")),
                "{said:?}"
            );
            assert!(
                said.iter().any(|n| n.starts_with("not kept: line 6")),
                "{said:?}"
            );
        }
    }

    /// The hits kept are the hits the screen found, each with its score
    /// and reasons, even where saving the parcel alone would not find them
    /// (a screen counts the manifest's other rows, which the notebook does
    /// not hold: a recipient's senders, a sender's first parcel).
    #[test]
    fn kept_hits_are_stored_as_the_screen_found_them() {
        let (_d, mut s, prep, profiles, watching) = demo_manifest();
        let how = Screening {
            profiles: &profiles,
            watching,
            today: "2026-12-01",
            keep: true,
            filter: Reading::Never,
        };
        let mut found = Vec::new();
        screen_as(
            s.conn(),
            &prep,
            &how,
            |h| {
                found.push(h);
                Ok(())
            },
            |_| {},
        )
        .unwrap();
        assert!(found.len() > 20, "{}", found.len());
        let kept = keep(&mut s, &found).unwrap();
        assert_eq!(kept.added, found.len());
        for h in &found {
            let id: Uuid = s
                .conn()
                .query_row(
                    "SELECT id FROM parcels WHERE tracking = ?1",
                    [&h.tracking],
                    |r| r.get(0),
                )
                .unwrap();
            let stored = crate::targeting::stored::hits_on(s.conn(), id).unwrap();
            for hit in &h.hits {
                assert!(
                    stored
                        .iter()
                        .any(|st| st.profile == hit.profile && st.score >= st.threshold),
                    "line {} {}: {} found by the screen, not stored ({:?})",
                    h.line,
                    h.tracking,
                    hit.profile,
                    stored.iter().map(|st| &st.profile).collect::<Vec<_>>()
                );
            }
        }
    }

    /// The identifiers read into memory change no answer: a demo
    /// manifest screened with the filter read at once and never gives the
    /// same hits, row by row, reason by reason.
    #[test]
    fn the_filter_in_memory_changes_no_hit() {
        let (_d, s, prep, profiles, watching) = demo_manifest();
        assert!(!profiles.is_empty() && watching);
        let run = |filter| {
            let mut hits = Vec::new();
            let mut phases = Vec::new();
            let how = Screening {
                profiles: &profiles,
                watching,
                today: "2026-12-01",
                keep: false,
                filter,
            };
            let report = screen_as(
                s.conn(),
                &prep,
                &how,
                |h| {
                    hits.push((h.line, h.tracking, h.hits));
                    Ok(())
                },
                |p| phases.push(p.phase),
            )
            .unwrap();
            // Reading the notebook's filters beside is said first, and
            // only then.
            let first = phases.first().copied();
            assert_eq!(
                first == Some(Phase::Notebook),
                filter == Reading::Beside,
                "{filter:?}: {first:?}"
            );
            (report.screened, hits)
        };
        let (n, without) = run(Reading::Never);
        let (m, with) = run(Reading::Now);
        let (b, beside) = run(Reading::Beside);
        assert_eq!(n, m);
        assert_eq!(n, b);
        assert_eq!(beside, without);
        assert!(
            without.len() > 20,
            "the manifest's planted rows hit: {}",
            without.len()
        );
        assert_eq!(with, without);
    }
}
