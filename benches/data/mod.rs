//! The benchmarks' data, shared by `benches/interdict.rs` and
//! `benches/sharing.rs`: the deterministic demo notebook (seed 42) and its
//! parcels as CSV, generated once into <target>/bench-data and reused.

use interdict::domain::{Parcel, Record};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The binary's allocator (`src/main.rs`), so that what a benchmark
/// measures in its own process (the interface, searches, screens) is
/// timed and weighed as the `interdict` a person runs: glibc's allocator
/// spread the interface's peak over 237-255 MiB from run to run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The allocator set up as the binary sets it up at its start.
pub fn allocate_as_the_binary() {
    interdict::cli::memory::give_back_at_once();
}

/// Bumped whenever the schema or the generator changes.
pub const DATA_VERSION: u32 = 9;

/// Where cargo builds: `CARGO_TARGET_DIR` when set, else `target/`.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
}

pub fn data_dir() -> PathBuf {
    let dir = target_dir().join("bench-data");
    std::fs::create_dir_all(&dir).expect("bench data directory");
    dir
}

/// The demo notebook of `parcels` parcels, generated on first use.
pub fn dataset(parcels: usize) -> PathBuf {
    let dir = data_dir();
    let path = dir.join(format!("demo-v{DATA_VERSION}-{parcels}-seed42.db"));
    let done = dir.join(format!("demo-v{DATA_VERSION}-{parcels}-seed42.done"));
    if !done.exists() {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
        }
        eprintln!(
            "generating {parcels} parcels into {} (once)...",
            path.display()
        );
        // By the interdict binary, in its own process, so that the memory
        // generating takes is not counted in the benchmark's.
        let started = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_interdict"))
            .env("INTERDICT_USER", "bench")
            .arg("--db")
            .arg(&path)
            .args(["demo", "--seed", "42", "--parcels"])
            .arg(parcels.to_string())
            .stdout(Stdio::null())
            .status()
            .expect("run interdict demo");
        assert!(status.success(), "interdict demo: {status}");
        eprintln!("generated in {:.1} s", started.elapsed().as_secs_f64());
        std::fs::write(&done, "").expect("mark");
    }
    path
}

#[allow(dead_code)] // (not every benchmark uses every helper)
/// The first `rows` parcels of notebook `db` as CSV (a header of field
/// names, one row per parcel), written on first use.
pub fn csv_form(db: &Path, rows: usize) -> PathBuf {
    let path = data_dir().join(format!("parcels-v{DATA_VERSION}-{rows}.csv"));
    if path.exists() {
        return path;
    }
    eprintln!("writing the CSV form of {rows} parcels (once)...");
    let conn = rusqlite::Connection::open(db).expect("open");
    let fields: Vec<&str> = Parcel::FIELDS.iter().map(|f| f.name).collect();
    let cols = fields
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {cols} FROM parcels ORDER BY rowid LIMIT {rows}"
        ))
        .expect("select");
    let tmp = path.with_extension("partial");
    let mut w = csv::Writer::from_path(&tmp).expect("csv");
    w.write_record(&fields).expect("header");
    let mut q = stmt.query([]).expect("query");
    while let Some(r) = q.next().expect("row") {
        let rec: Vec<String> = (0..fields.len())
            .map(|i| match r.get_ref(i).expect("cell") {
                rusqlite::types::ValueRef::Null => String::new(),
                rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                rusqlite::types::ValueRef::Real(v) => v.to_string(),
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                rusqlite::types::ValueRef::Blob(_) => String::new(),
            })
            .collect();
        w.write_record(&rec).expect("write");
    }
    w.flush().expect("flush");
    drop(w);
    std::fs::rename(&tmp, &path).expect("rename");
    path
}

/// `sqlite3`'s `.import` of `csv` (whose first line is a header) into a
/// new table `table` of database `db` with these columns, each of
/// `indexed` indexed; its time, or None when sqlite3 is not installed.
/// The peer of interdict's CSV import and manifest screening.
#[allow(dead_code)] // (not every benchmark uses every helper)
pub fn sqlite3_import(
    csv: &Path,
    db: &Path,
    table: &str,
    columns: &[String],
    indexed: &[&str],
) -> Option<std::time::Duration> {
    Command::new("sqlite3").arg("-version").output().ok()?;
    for ext in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    let cols = columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let indexes: String = indexed
        .iter()
        .map(|c| format!("CREATE INDEX {table}_{c} ON {table} (\"{c}\");"))
        .collect();
    let setup = format!("PRAGMA journal_mode=WAL; CREATE TABLE {table} ({cols}); {indexes}");
    let ok = Command::new("sqlite3")
        .arg(db)
        .arg(&setup)
        .stdout(Stdio::null())
        .status()
        .ok()?
        .success();
    if !ok {
        return None;
    }
    let t = Instant::now();
    let out = Command::new("sqlite3")
        .arg(db)
        .arg(format!(".import --csv --skip 1 {} {table}", csv.display()))
        .output()
        .ok()?;
    let took = t.elapsed();
    out.status.success().then_some(took)
}
