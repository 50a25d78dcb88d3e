//! `cargo bench --bench sharing` (also run by `cargo bench`): data in and
//! out at scale.
//!
//! - CSV import of the demo dataset's parcels (BENCH_IMPORT_ROWS, default
//!   1,000,000) through the full path (every row checked, normalised,
//!   indexed for cross-referencing and search, audited, with provenance),
//!   beside `sqlite3`'s own `.import` of the same file into a table with
//!   the same columns and indexes, where sqlite3 is installed.
//! - Export (`--all`) and merge into an empty notebook of a demo notebook
//!   of BENCH_SHARE_PARCELS parcels (default 100,000), and merging it a
//!   second time (nothing new).
//!
//! - A colleague's write (one small case, every 100 ms) while the import,
//!   the merge, its dry run, the export and the demo dataset's generation
//!   run, beside the same write with nothing else running: the longest
//!   wait and the 95th percentile (goal: no wait over 1 s).
//!
//! Prints a table and writes it to <target>/bench-sharing.json. Nothing here
//! asserts a time.

mod data;

use interdict::domain::{Parcel, Record};
use interdict::exchange::{csv_import, demo, export, merge, received, signing};
use interdict::store::{OpenOptions, Store};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Where cargo builds: `CARGO_TARGET_DIR` when set, else `target/` (as the
/// main benchmark, whose dataset this one reuses).
fn fresh(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    for ext in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
    }
    p
}

/// `sqlite3`'s `.import` of the CSV into a table with the parcels table's
/// columns and indexes; None when sqlite3 is not installed.
fn sqlite3_import(csv: &Path, work: &Path) -> Option<Duration> {
    let cols: Vec<String> = Parcel::FIELDS.iter().map(|f| f.name.to_string()).collect();
    data::sqlite3_import(
        csv,
        &work.join("sqlite3-import.db"),
        "parcels",
        &cols,
        &["tracking", "status", "seized_on"],
    )
}

/// An export of everything, signed with `key`.
fn everything(key: &ed25519_dalek::SigningKey) -> export::ExportOptions<'_> {
    export::ExportOptions {
        cases: Vec::new(),
        all: true,
        include_red: Vec::new(),
        redact_sources: false,
        key,
        encrypt_to: Vec::new(),
        amber_strict: false,
    }
}

/// Runs `work` while a colleague writes one small case to `db` every
/// 100 ms from a process-like connection of their own; returns what
/// `work` returned and how long each of the colleague's writes took.
fn beside_colleague<T>(db: &Path, work: impl FnOnce() -> T) -> (T, Vec<Duration>) {
    beside_colleague_once_begun(db, |begun| {
        begun();
        work()
    })
}

/// [`beside_colleague`], the colleague's first write once `work` says it
/// has begun (the demo goes only into an empty notebook: a colleague's
/// case written before it began refused it).
fn beside_colleague_once_begun<T>(
    db: &Path,
    work: impl FnOnce(&dyn Fn()) -> T,
) -> (T, Vec<Duration>) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let stop = Arc::new(AtomicBool::new(false));
    let begun = Arc::new(AtomicBool::new(false));
    let (flag, path, go) = (stop.clone(), db.to_path_buf(), begun.clone());
    let colleague = std::thread::spawn(move || {
        let mut waits = Vec::new();
        while !go.load(Ordering::SeqCst) && !flag.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(5));
        }
        let mut s = Store::open(&path, OpenOptions::new("colleague")).expect("colleague opens");
        while !flag.load(Ordering::SeqCst) {
            let t = Instant::now();
            s.write(|w| {
                let (mut c, _) = interdict::domain::record::new_record::<interdict::domain::Case>(
                    &[("title", "a lead, typed while a big job runs")],
                )?;
                interdict::store::create::case(w, &mut c)
            })
            .expect("the colleague's write is never refused");
            waits.push(t.elapsed());
            std::thread::sleep(Duration::from_millis(100));
        }
        waits
    });
    let out = work(&|| begun.store(true, Ordering::SeqCst));
    stop.store(true, Ordering::SeqCst);
    (out, colleague.join().expect("colleague"))
}

/// The longest wait and the 95th percentile, in ms.
fn worst(waits: &[Duration]) -> (f64, f64) {
    let mut v: Vec<f64> = waits.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    v.sort_by(f64::total_cmp);
    let p95 = v
        .get(((v.len() as f64 * 0.95).ceil() as usize).saturating_sub(1))
        .copied()
        .unwrap_or(0.0);
    (v.last().copied().unwrap_or(0.0), p95)
}

fn main() {
    data::allocate_as_the_binary();
    let rows = env_usize("BENCH_IMPORT_ROWS", 1_000_000);
    let share = env_usize("BENCH_SHARE_PARCELS", 100_000);
    let work = data::data_dir().join("share-work");
    std::fs::create_dir_all(&work).expect("work dir");
    let mut table: Vec<serde_json::Value> = Vec::new();
    let mut line = |figure: &str, ours: String, peer: String, ratio: String, target: &str| {
        println!("{figure:<44} {ours:>16} {peer:>16} {ratio:>8}  {target}");
        table.push(serde_json::json!({
            "figure": figure, "ours": ours, "peer": peer, "ratio": ratio, "target": target
        }));
    };

    // CSV import, full path, against sqlite3 .import of the same file.
    let source = data::dataset(rows);
    let csv = data::csv_form(&source, rows);
    let csv_mib = std::fs::metadata(&csv).map_or(0, |m| m.len()) as f64 / (1 << 20) as f64;
    let peer = sqlite3_import(&csv, &work);
    let db = fresh(&work, "import.db");
    let mut store = Store::open(&db, OpenOptions::new("bench")).expect("open");
    let prep = csv_import::Prepared::new(&csv, None, None, None).expect("prepare");
    let t = Instant::now();
    let mut last = Instant::now();
    let report = csv_import::run(&mut store, &prep, &csv_import::Options::default(), |p| {
        if last.elapsed() > Duration::from_secs(15) {
            eprintln!("  import: {:?} {} rows", p.phase, p.rows);
            last = Instant::now();
        }
    })
    .expect("import");
    let ours = t.elapsed();
    // A colleague writing alone (the peer of the waits below), then while
    // an import of up to 100,000 rows runs into another notebook.
    let small = rows.min(100_000);
    let small_csv = data::csv_form(&data::dataset(small), small);
    let beside_db = fresh(&work, "import-beside.db");
    let mut beside = Store::open(&beside_db, OpenOptions::new("bench")).expect("open");
    let (_, alone) = beside_colleague(&beside_db, || std::thread::sleep(Duration::from_secs(3)));
    let small_prep = csv_import::Prepared::new(&small_csv, None, None, None).expect("prepare");
    let (_, import_waits) = beside_colleague(&beside_db, || {
        csv_import::run(
            &mut beside,
            &small_prep,
            &csv_import::Options::default(),
            |_| {},
        )
        .expect("import")
    });
    assert_eq!(report.imported as usize, rows.min(report.read as usize));
    drop(store);
    let rate = |d: Duration| rows as f64 / d.as_secs_f64();

    println!(
        "\ninterdict sharing benchmark: {rows} CSV rows ({csv_mib:.0} MiB), {share}-parcel export and merge"
    );
    println!(
        "{:<44} {:>16} {:>16} {:>8}  target",
        "figure", "ours", "peer", "ratio"
    );
    match peer {
        Some(p) => line(
            "CSV import, rows/s (full path vs sqlite3 .import)",
            format!("{:.0}", rate(ours)),
            format!("{:.0}", rate(p)),
            format!("{:.3}", p.as_secs_f64() / ours.as_secs_f64()),
            "ratio >= 1.0",
        ),
        None => line(
            "CSV import, rows/s (full path vs sqlite3 .import)",
            format!("{:.0}", rate(ours)),
            "not installed".into(),
            "-".into(),
            "ratio >= 1.0",
        ),
    }
    line(
        "CSV import, seconds",
        format!("{:.1}", ours.as_secs_f64()),
        peer.map_or("-".into(), |p| format!("{:.1}", p.as_secs_f64())),
        "-".into(),
        "-",
    );

    // Export and merge of a notebook of `share` parcels.
    let src_path = data::dataset(share);
    let src = Store::open(&src_path, OpenOptions::new("bench")).expect("open");
    let key = signing::load_or_create(&work.join("signing.key")).expect("key");
    let out = fresh(&work, "export.db");
    let t = Instant::now();
    let rep = export::export(&src, &out, &everything(&key), &mut |_, _, _| {}).expect("export");
    let exported = t.elapsed();
    let records: usize = rep.manifest.counts.values().sum();
    let size_mib = std::fs::metadata(&out).map_or(0, |m| m.len()) as f64 / (1 << 20) as f64;
    line(
        "export --all, seconds",
        format!("{:.1}", exported.as_secs_f64()),
        "-".into(),
        "-".into(),
        &format!("{records} records, {size_mib:.0} MiB file"),
    );
    let dst_path = fresh(&work, "merge-into.db");
    let mut dst = Store::open(&dst_path, OpenOptions::new("bench")).expect("open");
    let t = Instant::now();
    let file = received::open(&out, None).expect("verify");
    let verified = t.elapsed();
    let r = merge::merge(&mut dst, &file, false, &mut |_, _| {}).expect("merge");
    let merged = t.elapsed();
    // The work of reading the received file (checks and merge), per page
    // of it: the bound on a received file's work is set far above this.
    let pages = std::fs::metadata(&out).map_or(1, |m| m.len() / 4096).max(1);
    let per_page = file.work() as f64 / pages as f64;
    line(
        "merge into an empty notebook, seconds",
        format!("{:.1}", merged.as_secs_f64()),
        "-".into(),
        "-".into(),
        &format!(
            "{} added; checks (integrity, signature, hash) {:.1} s",
            r.added,
            verified.as_secs_f64()
        ),
    );
    // As `interdict merge` opens it: the file whose merge completed here
    // is not checked whole again (its bytes passed then).
    let t = Instant::now();
    let file = received::open_vouched(&out, None, &|sha| merge::merged_whole(dst.conn(), sha))
        .expect("verify");
    assert!(
        file.vouched,
        "the file merged whole above is known by its bytes"
    );
    let r = merge::merge(&mut dst, &file, false, &mut |_, _| {}).expect("merge");
    line(
        "reading a received file, work per page",
        format!("{per_page:.2}"),
        "-".into(),
        "-".into(),
        &format!(
            "thousand SQLite instructions; bound {}",
            received::WORK_PER_PAGE
        ),
    );
    line(
        "merge the same file again, seconds",
        format!("{:.1}", t.elapsed().as_secs_f64()),
        "-".into(),
        "-".into(),
        &format!("{} unchanged, nothing written", r.unchanged),
    );

    // The same merge into another empty notebook, a colleague writing.
    let beside = fresh(&work, "merge-beside.db");
    let mut other = Store::open(&beside, OpenOptions::new("bench")).expect("open");
    let file = received::open(&out, None).expect("verify");
    let (_, merge_waits) = beside_colleague(&beside, || {
        merge::merge(&mut other, &file, false, &mut |_, _| {}).expect("merge")
    });

    // Its dry run into another empty notebook (on a private copy of it).
    let dry = fresh(&work, "merge-dry.db");
    let mut dry_store = Store::open(&dry, OpenOptions::new("bench")).expect("open");
    let (_, dry_waits) = beside_colleague(&dry, || {
        merge::merge(&mut dry_store, &file, true, &mut |_, _| {}).expect("dry run")
    });
    drop(dry_store);
    // The export, from a copy of the source notebook the colleague writes to.
    let copied = fresh(&work, "export-beside.db");
    src.conn()
        .execute("VACUUM INTO ?1", [copied.to_string_lossy()])
        .expect("copy");
    drop(src);
    let from = Store::open(&copied, OpenOptions::new("bench")).expect("open");
    let again = fresh(&work, "export-again.db");
    let (_, export_waits) = beside_colleague(&copied, || {
        export::export(&from, &again, &everything(&key), &mut |_, _, _| {}).expect("export")
    });
    drop(from);
    // The demo dataset's generation, as large, into a new notebook.
    let demo_db = fresh(&work, "demo-beside.db");
    let mut demo_store = Store::open(&demo_db, OpenOptions::new("bench")).expect("open");
    let (_, demo_waits) = beside_colleague_once_begun(&demo_db, |begun| {
        // (Its first word of progress comes once its first step is
        // written: the notebook is the demo's.)
        demo::generate(&mut demo_store, share, 7, |_, _| begun()).expect("demo")
    });
    drop(demo_store);

    let (alone_max, alone_p95) = worst(&alone);
    for (what, waits) in [
        ("the import", &import_waits),
        ("the merge", &merge_waits),
        ("its dry run", &dry_waits),
        ("the export", &export_waits),
        ("the demo", &demo_waits),
    ] {
        let (max, p95) = worst(waits);
        line(
            &format!("a colleague's write during {what}, ms (max / p95)"),
            format!("{max:.0} / {p95:.0}"),
            format!("{alone_max:.0} / {alone_p95:.0}"),
            format!("{:.1}", max / alone_max.max(0.001)),
            "max <= 1000 ms",
        );
    }

    let path = data::target_dir().join("bench-sharing.json");
    let _ = std::fs::write(
        &path,
        serde_json::to_string_pretty(&table).unwrap_or_default(),
    );
    println!("written to {}", path.display());
}
