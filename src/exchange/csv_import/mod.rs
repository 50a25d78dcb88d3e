//! Seizure tables from spreadsheets: CSV import with column mapping.
//!
//! One parcel per row. Columns are found by a saved mapping (TOML) or by
//! recognising common headers. Every row goes through the same field
//! parsing as the forms and the command line. The file is read twice:
//! once to check every row (nothing is written, nothing but one small
//! entry per tracking number is held), then again to write in batches of
//! whole rows, so a killed import leaves whole parcels only and a re-run
//! completes it: rows already in the notebook with the same values are
//! counted as duplicates, never filed twice.

use crate::domain::fields::{
    DateOrder, DecimalMark, FieldKind, SlashDate, WeightUnit, is_placeholder,
};
use crate::domain::record::new_record_given;
use crate::domain::text::{fold, truncate};
use crate::domain::{Parcel, Record};
use crate::store::{Store, StoreError, Writer, audit, records};
use encoding_rs::Encoding;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fs::File;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use uuid::Uuid;

/// The most rows written per transaction (a transaction also ends after
/// about a second, see [`crate::store::Batch`]).
pub const BATCH_ROWS: usize = crate::store::BATCH_MAX_ROWS;
/// Bad rows a report lists (all of them are counted).
pub const MAX_LISTED: usize = 20;
/// How often (in rows) progress is reported.
const PROGRESS_EVERY: u64 = 2000;
/// How much of the file's start is looked at to recognise the delimiter.
const SNIFF_BYTES: u64 = 64 * 1024;
/// Longest message kept in a report (the rejects file keeps it whole).
const MAX_MESSAGE: usize = 300;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}: {source}", .path.display())]
    Io { path: PathBuf, source: io::Error },
    /// `detail`: the encoding to pass, the column and the byte.
    #[error("{}: line {line}: not UTF-8; {detail}", .path.display())]
    NotUtf8 {
        path: PathBuf,
        line: u64,
        detail: String,
    },
    #[error(
        "unknown encoding {0:?}: use a WHATWG label such as windows-1251, koi8-r, iso-8859-1, utf-16le"
    )]
    UnknownEncoding(String),
    #[error("delimiter {0:?}: must be a single ASCII character such as , ; or a tab")]
    BadDelimiter(String),
    #[error("{}: line {line}: {message}", .path.display())]
    Mapping {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}: {message}", .path.display())]
    Columns { path: PathBuf, message: String },
    /// The file's quoting is broken from `line` on: a quote missing or
    /// extra. Refused whole, `--skip-bad` or not: which lines are rows is
    /// not known.
    #[error("{}: line {line}: {message}; the file is refused whole, --skip-bad or not: fix the quote", .path.display())]
    Quoting {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{}: {message}", .path.display())]
    Changed { path: PathBuf, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A write stopped after some of the import's transactions had
    /// committed (a full disk): they are kept, and said (it said "what
    /// this command was writing was not written" of 27,078 parcels kept).
    #[error(
        "{}: the import stopped midway: {kept} parcels from its earlier transactions are kept (through line {through_line}); the rest was not written; running the same import again imports the rest. Why it stopped: {cause}",
        .path.display()
    )]
    Midway {
        path: PathBuf,
        kept: u64,
        through_line: u64,
        cause: Box<ImportError>,
    },
}

fn io_err(path: &Path) -> impl Fn(io::Error) -> ImportError + '_ {
    move |source| ImportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn csv_err(path: &Path) -> impl Fn(csv::Error) -> ImportError + '_ {
    move |e| ImportError::Io {
        path: path.to_path_buf(),
        source: e.into(),
    }
}

// ---------------------------------------------------------------------
// Header recognition

mod check;
mod headers;
#[cfg(test)]
mod import_tests;
mod mapping;
mod plan;
mod reader;
mod rejects;
mod running;

pub(crate) use check::LEFT_OUT;
use check::*;
pub use check::{Problem, RowError};
pub use headers::*;
pub use mapping::*;
pub use plan::*;
use reader::*;
pub use reader::{HEADER_SCAN_ROWS, Layout, Prepared, sniff_layout};
pub use rejects::default_rejects_path;
use rejects::*;
pub use running::{Interrupted, Running, STALE_AFTER, settle_interrupted};

/// What the importer is doing, for a progress line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Checking,
    Writing,
    /// A screen reading what the notebook holds before its rows: `rows`
    /// and `bytes_read` count the notebook's identifiers read, of about
    /// `total_bytes`.
    Notebook,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    pub rows: u64,
    pub bytes_read: u64,
    pub total_bytes: u64,
    /// Parcels written and committed: what an interruption keeps (the
    /// rows of the step under way counted in, a Ctrl-C left the screen
    /// saying 40,000 imported of the 28,446 kept).
    pub imported: u64,
    pub duplicates: u64,
    pub rejected: u64,
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Import the good rows when some are bad, writing the bad ones to
    /// `rejects`.
    pub skip_bad: bool,
    /// Where bad rows go [default: FILE.rejects.csv]. The caller sees
    /// that it is neither the file imported nor the notebook (the command
    /// line checks every output it writes in one place, `cli::outputs`).
    pub rejects: Option<PathBuf>,
    /// Check every row and report; write nothing.
    pub dry_run: bool,
    pub batch_rows: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            skip_bad: false,
            rejects: None,
            dry_run: false,
            batch_rows: BATCH_ROWS,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Good rows were written.
    Imported,
    /// Some rows are bad and `skip_bad` was not given: nothing written.
    Refused,
    /// Checked only.
    #[default]
    DryRun,
}

/// What an import did. `read` = `new` + `duplicates` + `rejected` + `blank`.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Report {
    pub file: String,
    pub sha256: String,
    pub outcome: Outcome,
    pub source_id: Option<Uuid>,
    /// Data rows read (the header not counted).
    pub read: u64,
    /// Rows that make a new parcel.
    pub new: u64,
    /// Parcels written.
    pub imported: u64,
    /// Rows already in the notebook (or earlier in the file) with the
    /// same values.
    pub duplicates: u64,
    pub rejected: u64,
    /// Rows with every cell empty.
    pub blank: u64,
    pub columns: Vec<ColumnUse>,
    /// What the rows imported (or to be) have that a person should look
    /// at, by field: a value without a currency, a seizure date on a
    /// parcel still `targeted`, an S10 number of another post than its
    /// origin... (said as `add` says them of one parcel).
    pub notices: Vec<Notice>,
    pub ignored_columns: Vec<String>,
    pub missing_columns: Vec<String>,
    /// The first bad rows (all are counted in `rejected`).
    pub errors: Vec<RowError>,
    pub rejects_file: Option<String>,
    /// A rejects file of an earlier import at the rejects path, removed
    /// because this one rejected no row (it no longer says what is bad).
    pub stale_rejects_removed: Option<String>,
    /// Only checked (`--dry-run`): `outcome` is what the import would be
    /// (`dry-run`, or `refused`).
    pub dry_run: bool,
    pub delimiter: String,
    pub encoding: String,
    /// The line the header is on (1 = the first line; below a title or
    /// notes, a later one).
    pub header_line: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ColumnUse {
    pub column: String,
    pub field: &'static str,
    /// The currency the declared value's header names (`Value ($)`: USD),
    /// for a row that gives none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<&'static str>,
}

/// One field's notices over an import's rows: how many rows, their
/// lines (the first [`NOTICE_LINES`]), and the first one's line and words.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub field: String,
    pub rows: u64,
    pub first_line: u64,
    pub first: String,
    /// The rows' lines, the first [`NOTICE_LINES`] of them: a screen's
    /// rows read without a cell were named by the first alone, and the one
    /// holding a watched phone was not among them.
    pub lines: Vec<u64>,
}

/// How many lines of a notice's rows are kept to be named.
pub const NOTICE_LINES: usize = 1000;

/// Counts `warnings` (each `field: words`) of the row on `line` into
/// `notices`, by field.
pub(crate) fn note(notices: &mut Vec<Notice>, line: u64, warnings: &[String]) {
    for w in warnings {
        let field = w.split_once(':').map_or("", |(f, _)| f.trim());
        match notices.iter_mut().find(|n| n.field == field) {
            Some(n) => {
                n.rows += 1;
                if n.lines.len() < NOTICE_LINES && n.lines.last() != Some(&line) {
                    n.lines.push(line);
                }
            }
            None => notices.push(Notice {
                field: field.to_string(),
                rows: 1,
                first_line: line,
                first: w.clone(),
                lines: vec![line],
            }),
        }
    }
}

#[derive(Default)]
struct Counts {
    read: u64,
    new: u64,
    imported: u64,
    /// Of `imported`, those whose step has committed.
    committed: u64,
    duplicates: u64,
    rejected: u64,
    blank: u64,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Imports a prepared file into the notebook: checks every row, then (unless
/// refused or a dry run) writes the new parcels in batches, each with its
/// identifier index, search index, audit entry and provenance.
pub fn run(
    store: &mut Store,
    prep: &Prepared,
    opts: &Options,
    progress: impl FnMut(Progress),
) -> Result<Report, ImportError> {
    // Imports killed midway are said to be interrupted, not under way.
    if !opts.dry_run && !store.is_read_only() {
        for i in settle_interrupted(store)? {
            tracing::warn!("{i}");
        }
    }
    store.bulk(|store| store.copying_log(|store| run_in(store, prep, opts, progress)))??
}

fn run_in(
    store: &mut Store,
    prep: &Prepared,
    opts: &Options,
    mut progress: impl FnMut(Progress),
) -> Result<Report, ImportError> {
    let path = prep.path.as_path();
    prep.plan.check(path)?;
    let plan = &prep.plan;
    let mut checker = Checker::new(plan);
    let mut counts = Counts::default();
    let mut errors: Vec<RowError> = Vec::new();
    let mut notices: Vec<Notice> = Vec::new();
    let every = PROGRESS_EVERY;

    // A reading: a thread reads and parses the rows in order and hands
    // them over; this thread checks them against the notebook (and writes).
    let imported = checker.imported.clone();
    let reading = |first: bool| {
        let (tx, rx) = std::sync::mpsc::sync_channel(16);
        let imported = imported.clone();
        (move || read_rows(prep, &imported, first, tx), Rows::new(rx))
    };
    let tick = |phase, c: &Counts, bytes: u64, progress: &mut dyn FnMut(Progress)| {
        progress(Progress {
            phase,
            rows: c.read,
            bytes_read: bytes,
            total_bytes: prep.total_bytes,
            imported: c.committed,
            duplicates: c.duplicates,
            rejected: c.rejected,
        })
    };

    // First reading: check every row, write nothing.
    // The receiving end lives inside the scope: on any early return it is
    // dropped first, so the reading thread's next send fails and it ends
    // instead of waiting on a full channel for ever.
    let (reader, rows) = reading(true);
    // The most cells a bad row has, for the rejects file's columns.
    let mut widest = 0;
    // Columns under no header that hold values ([`ColumnPlan::unnamed`]).
    let mut unnamed: Vec<String> = Vec::new();
    let (sha256, bytes) = std::thread::scope(|scope| -> Result<_, ImportError> {
        scope.spawn(reader);
        let mut rows = rows;
        while let Some(row) = rows.next()? {
            counts.read += 1;
            for &i in &row.unnamed {
                let column = column_name(&plan.header, i);
                if !unnamed.contains(&column) {
                    unnamed.push(column.clone());
                }
                note(
                    &mut notices,
                    row.line,
                    &[format!(
                        "{column}: a value under no header, not imported: give the column a header, or map it (\"#{}\" = \"FIELD\")",
                        i + 1
                    )],
                );
            }
            match checker.judge(store.conn(), row.line, row.parsed, false)? {
                Verdict::Blank => counts.blank += 1,
                Verdict::New(_, _, warnings) => {
                    counts.new += 1;
                    note(&mut notices, row.line, &warnings);
                }
                Verdict::Duplicate => counts.duplicates += 1,
                Verdict::Rejected(e) => {
                    counts.rejected += 1;
                    widest = widest.max(row.width);
                    if errors.len() < MAX_LISTED {
                        errors.push(short(e));
                    }
                }
            }
            if counts.read.is_multiple_of(every) {
                tick(Phase::Checking, &counts, rows.bytes, &mut progress);
            }
        }
        Ok((rows.sha256.take().unwrap_or_default(), rows.bytes))
    })?;
    tick(Phase::Checking, &counts, bytes, &mut progress);
    let rejects_path = opts
        .rejects
        .clone()
        .unwrap_or_else(|| default_rejects_path(path));

    let mut report = Report {
        file: path.display().to_string(),
        sha256,
        outcome: Outcome::DryRun,
        source_id: None,
        read: counts.read,
        new: counts.new,
        imported: 0,
        duplicates: counts.duplicates,
        rejected: counts.rejected,
        blank: counts.blank,
        columns: plan
            .fields
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                f.map(|field| ColumnUse {
                    column: column_name(&plan.header, i),
                    field,
                    currency: plan.value_currency.filter(|_| field == "declared_value"),
                })
            })
            .collect(),
        notices,
        ignored_columns: plan.ignored.iter().cloned().chain(unnamed).collect(),
        missing_columns: plan.missing.clone(),
        errors,
        rejects_file: None,
        stale_rejects_removed: None,
        dry_run: false,
        delimiter: char::from(prep.delimiter).to_string(),
        encoding: prep.encoding.map_or("UTF-8", |e| e.name()).to_string(),
        header_line: prep.header_line,
    };
    // Bad rows to set aside: where they go must take them, before any
    // row is written (a dry run answers as the import would).
    if counts.rejected > 0 && opts.skip_bad {
        check_rejects_path(&rejects_path)?;
    }
    // A dry run answers as the import would: refused when it would be.
    if counts.rejected > 0 && !opts.skip_bad {
        report.outcome = Outcome::Refused;
        report.dry_run = opts.dry_run;
        return Ok(report);
    }
    if opts.dry_run {
        report.dry_run = true;
        return Ok(report);
    }

    // Second reading: write in batches of whole rows. Its progress is the
    // share of the rows to write that are written (said as bytes of the
    // file, as the first reading's is).
    let to_write = counts.read;
    // (Rounded up: rounded down, a share of rows the file's size does
    // not divide showed a per cent short, 95 % for 96 % of the rows.)
    let written_share = |c: &Counts| {
        (u128::from(prep.total_bytes) * u128::from(c.read.min(to_write)))
            .div_ceil(u128::from(to_write.max(1))) as u64
    };
    let source_id = Uuid::now_v7();
    let file_name = path.display().to_string();
    let mut rejects = Rejects {
        path: rejects_path,
        delimiter: prep.delimiter,
        header: plan.header.clone(),
        width: widest,
        writer: None,
    };
    let mut c2 = Counts::default();
    let mut errors2: Vec<RowError> = Vec::new();
    let mut stopped: Option<ImportError> = None;
    let mut first_batch = true;
    // The line of the last row read, and of the last one committed.
    let (mut last_line, mut committed_line) = (0u64, 0u64);
    let (reader, rows) = reading(false);
    let bytes = std::thread::scope(|scope| -> Result<u64, ImportError> {
        scope.spawn(reader);
        let mut rows = rows;
        loop {
            let batch = crate::store::Batch::with_max(opts.batch_rows);
            let mut in_batch = 0;
            let step = store.write(|w| {
                // (The index rows of the parcels this step writes are
                // written together before it commits. Nothing in the step
                // looks for them before: `judge` looks a tracking number
                // up in the index only on its first row of the file, and
                // this import writes none but that row's parcel.)
                w.hold_index()?;
                if first_batch {
                    w.tx.prepare_cached(
                        "INSERT INTO sources (id, kind, at, actor, file_name, file_sha256, report)
                         VALUES (?1, 'import', ?2, ?3, ?4, ?5, ?6)",
                    )?
                    .execute(rusqlite::params![
                        source_id,
                        w.now,
                        w.actor,
                        file_name,
                        report.sha256,
                        Running::here(0).json()
                    ])?;
                }
                let mut done = false;
                while !batch.full(in_batch) {
                    in_batch += 1;
                    let row = match rows.next() {
                        Ok(Some(row)) => row,
                        Ok(None) => {
                            done = true;
                            break;
                        }
                        Err(e) => {
                            stopped = Some(e);
                            return Err(StoreError::Corrupt("import stopped".into()));
                        }
                    };
                    c2.read += 1;
                    last_line = row.line;
                    match checker.judge(&w.tx, row.line, row.parsed, true)? {
                        Verdict::Blank => c2.blank += 1,
                        Verdict::Duplicate => c2.duplicates += 1,
                        Verdict::New(mut p, identifiers, _) => {
                            c2.new += 1;
                            write_parcel(w, &mut p, identifiers, source_id, row.line)?;
                            c2.imported += 1;
                        }
                        Verdict::Rejected(e) => {
                            c2.rejected += 1;
                            let cells: Vec<&str> = row.cells.iter().map(String::as_str).collect();
                            if let Err(x) = rejects.push(&cells, &e) {
                                stopped = Some(x);
                                return Err(StoreError::Corrupt("import stopped".into()));
                            }
                            if errors2.len() < MAX_LISTED {
                                errors2.push(short(e));
                            }
                        }
                    }
                    if c2.read.is_multiple_of(every) {
                        tick(Phase::Writing, &c2, written_share(&c2), &mut progress);
                    }
                }
                // The heartbeat, committed with the batch: this import is
                // alive, with this many parcels in.
                if !done {
                    w.tx.prepare_cached("UPDATE sources SET report = ?2 WHERE id = ?1")?
                        .execute(rusqlite::params![
                            source_id,
                            Running::here(c2.imported).json()
                        ])?;
                }
                Ok(done)
            });
            first_batch = false;
            if step.is_ok() {
                c2.committed = c2.imported;
                committed_line = last_line;
            }
            match step {
                Ok(true) => return Ok(rows.bytes),
                Ok(false) => tick(Phase::Writing, &c2, written_share(&c2), &mut progress),
                Err(e) => {
                    let cause = stopped.take().unwrap_or(ImportError::Store(e));
                    return Err(if c2.committed > 0 {
                        ImportError::Midway {
                            path: path.to_path_buf(),
                            kept: c2.committed,
                            through_line: committed_line,
                            cause: Box::new(cause),
                        }
                    } else {
                        cause
                    });
                }
            }
        }
    })?;
    let written = rejects.finish()?;
    tick(Phase::Writing, &c2, bytes, &mut progress);
    report.outcome = Outcome::Imported;
    report.source_id = Some(source_id);
    report.read = c2.read;
    report.new = c2.new;
    report.imported = c2.imported;
    report.duplicates = c2.duplicates;
    report.rejected = c2.rejected;
    report.blank = c2.blank;
    report.errors = errors2;
    report.rejects_file = written.then(|| rejects.path.display().to_string());
    if !written && remove_stale_rejects(&rejects.path, prep.delimiter) {
        report.stale_rejects_removed = Some(rejects.path.display().to_string());
    }
    let json = serde_json::to_string(&report)
        .map_err(|e| StoreError::Corrupt(format!("cannot encode the import report: {e}")))?;
    store.write(|w| {
        w.tx.prepare_cached("UPDATE sources SET report = ?2 WHERE id = ?1")?
            .execute(rusqlite::params![source_id, json])?;
        audit::append(w, "import", "import", source_id, None, Some(&json))
    })?;
    Ok(report)
}

fn short(mut e: RowError) -> RowError {
    let cut = |m: &mut String| {
        // Long values echoed are cut first, keeping the reason whole.
        if let std::borrow::Cow::Owned(c) = cut_quoted(m) {
            *m = c;
        }
        if m.chars().count() > MAX_MESSAGE {
            *m = truncate(m, MAX_MESSAGE).into_owned();
        }
    };
    cut(&mut e.message);
    for p in &mut e.problems {
        cut(&mut p.message);
    }
    e
}

fn write_parcel(
    w: &mut Writer<'_>,
    p: &mut Parcel,
    identifiers: Option<Vec<crate::domain::identifiers::Identifier>>,
    source_id: Uuid,
    line: u64,
) -> Result<(), StoreError> {
    // Made by `new_record` on the reading thread: checked there, and its
    // identifiers worked out there.
    records::insert_parsed(w, p, identifiers)?;
    w.tx.prepare_cached(
        "INSERT INTO provenance (item_id, source_id, action, line) VALUES (?1, ?2, 'import', ?3)",
    )?
    .execute(rusqlite::params![p.meta.id, source_id, line as i64])?;
    Ok(())
}

/// One row of a file read for screening (not imported): its line, and
/// what the reading thread made of its parcel (`T`), or why it cannot be
/// read.
pub struct ScreenRow<T> {
    pub line: u64,
    pub parcel: Result<T, RowError>,
    /// What the parcel's own check says of it (a phone with no country
    /// to read it in...).
    pub warnings: Vec<String>,
    /// The file's bytes read by the end of the row (about).
    pub bytes: u64,
}

/// What the screen's reading thread sends: rows with the bytes read so
/// far, or the end, or why it stopped.
enum Screened<T> {
    Rows(Vec<ScreenRow<T>>, u64),
    End,
}

/// Reads every row of a prepared file as a parcel, checked as an import
/// checks it (but against nothing in any notebook), and hands each to
/// `f` in order: blank rows are passed over, a row that cannot be read
/// comes with its line and field. The reading thread also runs `prepare`
/// on each parcel (work that needs nothing but the parcel, done on the
/// second core). `f` returns false to stop; what it puts in its second
/// argument (what it is done with) is given back to the reading thread
/// to be freed there, where it was made. `progress` hears the rows and
/// bytes read so far, every `PROGRESS_EVERY` rows. Returns the rows read.
pub fn each_row<T: Send>(
    prep: &Prepared,
    prepare: impl Fn(Box<Parcel>, Vec<crate::domain::identifiers::Identifier>) -> T + Send,
    mut f: impl FnMut(ScreenRow<T>, &mut Vec<T>) -> Result<bool, ImportError>,
    mut progress: impl FnMut(Progress),
) -> Result<u64, ImportError> {
    let path = prep.path.as_path();
    prep.plan.check(path)?;
    let checker = Checker::new(&prep.plan);
    let imported = checker.imported.clone();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Screened<T>, ImportError>>(8);
    // (Memory freed by a thread other than the one that took it costs
    // both: the freeing thread hands each block back to its owner, who
    // then collects them. Freeing a million rows' parcels on the scoring
    // thread was a twentieth of its time.)
    let (spent_tx, spent_rx) = std::sync::mpsc::channel::<Vec<T>>();
    std::thread::scope(|scope| -> Result<u64, ImportError> {
        scope.spawn(move || {
            // A row that is not UTF-8 is passed over, named, as any row
            // that cannot be read: it never stops the screen (the rows
            // after it, and their hits, were lost).
            let keep = reader::Keeping {
                hash: false,
                cells: false,
                fingerprint: false,
                skip_bad: true,
                identifiers: false,
                around_bad: true,
            };
            let blocked = std::cell::Cell::new(std::time::Duration::ZERO);
            let read = reader::read_in_chunks(
                prep,
                &imported,
                keep,
                |row, bytes| {
                    let (parcel, warnings) = match row.parsed {
                        Parsed::Blank => return None,
                        Parsed::Parcel {
                            parcel,
                            warnings,
                            found,
                            ..
                        } => (Ok(prepare(parcel, found)), warnings),
                        Parsed::Rejected(problems) => {
                            (Err(RowError::new(row.line, problems)), Vec::new())
                        }
                    };
                    Some(ScreenRow {
                        line: row.line,
                        parcel,
                        warnings,
                        bytes,
                    })
                },
                |rows, bytes| {
                    while let Ok(spent) = spent_rx.try_recv() {
                        drop(spent);
                    }
                    let start = std::time::Instant::now();
                    let sent = tx.send(Ok(Screened::Rows(rows, bytes))).is_ok();
                    blocked.set(blocked.get() + start.elapsed());
                    sent
                },
            );
            tracing::info!(
                ms = blocked.get().as_millis() as u64,
                "screen's reading thread waited for the scoring"
            );
            let end = read.map(|_| Screened::End);
            let _ = tx.send(end);
        });
        let mut read = 0u64;
        let mut waited = std::time::Duration::ZERO;
        let began = std::time::Instant::now();
        let waiting = |waited: std::time::Duration| {
            tracing::info!(
                ms = waited.as_millis() as u64,
                of_ms = began.elapsed().as_millis() as u64,
                "screen's scoring waited for the reading thread"
            );
        };
        loop {
            let start = std::time::Instant::now();
            let next = rx.recv();
            waited += start.elapsed();
            let (rows, bytes) = match next {
                Ok(Ok(Screened::Rows(rows, bytes))) => (rows, bytes),
                Ok(Ok(Screened::End)) => {
                    waiting(waited);
                    return Ok(read);
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => {
                    return Err(ImportError::Store(StoreError::Corrupt(
                        "the reading thread stopped".into(),
                    )));
                }
            };
            let mut spent = Vec::with_capacity(rows.len());
            for row in rows {
                read += 1;
                if read.is_multiple_of(PROGRESS_EVERY) {
                    progress(Progress {
                        phase: Phase::Checking,
                        rows: read,
                        bytes_read: bytes,
                        total_bytes: prep.total_bytes,
                        imported: 0,
                        duplicates: 0,
                        rejected: 0,
                    });
                }
                if !f(row, &mut spent)? {
                    // Dropping the receiver stops the reading thread.
                    drop(rx);
                    return Ok(read);
                }
            }
            // (Freed here only once the reading thread has ended.)
            let _ = spent_tx.send(spent);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testutil::temp_store;

    /// Header keys looked up in tables made once answer as reading every
    /// field's names and aliases in order did (a field's own name or
    /// label first, then a weight, then the first alias list naming it).
    #[test]
    fn headers_are_recognised_by_the_first_field_that_names_them() {
        let naive = |header: &str| -> Option<&'static str> {
            let key = headers::header_key(header);
            for spec in Parcel::FIELDS {
                if headers::header_key(spec.name) == key || headers::header_key(spec.label) == key {
                    return Some(spec.name);
                }
            }
            if weight_header(header).is_some() {
                return Some("weight_g");
            }
            headers::ALIASES
                .iter()
                .find(|(_, a)| a.iter().any(|a| headers::header_key(a) == key))
                .map(|(f, _)| *f)
        };
        let mut all: Vec<&str> = Parcel::FIELDS
            .iter()
            .flat_map(|f| [f.name, f.label])
            .collect();
        all.extend(headers::ALIASES.iter().flat_map(|(_, a)| a.iter().copied()));
        all.extend(["Weight (kg)", "nonsense", "TRACKING  NUMBER", "Вес, кг"]);
        for h in all {
            assert_eq!(recognise(h), naive(h), "{h}");
        }
    }

    #[test]
    fn headers_are_recognised_loosely() {
        for (h, f) in [
            ("Tracking", "tracking"),
            ("TRACKING NUMBER", "tracking"),
            ("Waybill No.", "tracking"),
            ("item_id", "tracking"),
            ("Consignment no", "tracking"),
            ("Трек-номер", "tracking"),
            ("Sender phone", "sender_phone"),
            ("shipper tel", "sender_phone"),
            ("From-Phone", "sender_phone"),
            ("Recipient", "recipient_name"),
            ("Consignee name", "recipient_name"),
            ("Sender e-mail", "sender_email"),
            ("Weight (g)", "weight_g"),
            ("weight_g", "weight_g"),
            ("HS code", "hs_code"),
            ("Date of seizure", "seized_on"),
            ("Declared contents", "declared_contents"),
        ] {
            assert_eq!(recognise(h), Some(f), "{h}");
        }
        for h in ["Phone", "Remarks", "Weight of substance", "", "  "] {
            assert_eq!(recognise(h), None, "{h}");
        }
        // Weights with their unit; a bare weight's values must say theirs.
        use WeightUnit::*;
        for (h, unit) in [
            ("Weight (g)", Some(G)),
            ("weight_g", Some(G)),
            ("Weight (kg)", Some(Kg)),
            ("Weight kg", Some(Kg)),
            ("Вес, кг", Some(Kg)),
            ("Масса (кг)", Some(Kg)),
            ("Вес брутто, кг", Some(Kg)),
            ("Gross weight, KG", Some(Kg)),
            ("Вес в граммах", Some(G)),
            ("Weight (lbs)", Some(Lb)),
            ("Weight", None),
            ("Вес", None),
        ] {
            assert_eq!(weight_header(h), Some(unit), "{h}");
            assert_eq!(recognise(h), Some("weight_g"), "{h}");
        }
        assert_eq!(weight_header("Weight (kg/g)"), None);
        // A header may spell its dates' order out.
        for (h, order) in [
            ("Seizure date (dd/mm/yyyy)", DateOrder::Dmy),
            ("Date of seizure MM-DD-YYYY", DateOrder::Mdy),
            ("Дата изъятия (ДД.ММ.ГГГГ)", DateOrder::Dmy),
        ] {
            assert_eq!(recognise(h), Some("seized_on"), "{h}");
            assert_eq!(date_format_hint(h).map(|(o, _)| o), Some(order), "{h}");
        }
        let plan = ColumnPlan::new(
            vec!["Tracking".into(), "Seizure date (mm/dd/yyyy)".into()],
            None,
        );
        assert_eq!(plan.date_orders, vec![None, Some(DateOrder::Mdy)]);
        // A mapped column's header may say its unit; [units] says it too.
        let m = Mapping {
            columns: vec![
                ("Ref".into(), "tracking".into()),
                ("Poids brut (kg)".into(), "weight_g".into()),
            ],
            ..Mapping::default()
        };
        let plan = ColumnPlan::new(vec!["Ref".into(), "Poids brut (kg)".into()], Some(&m));
        assert_eq!(plan.units[1], Some(WeightUnit::Kg));
        let m = Mapping {
            columns: vec![
                ("Ref".into(), "tracking".into()),
                ("Вес".into(), "weight_g".into()),
            ],
            units: vec![("Вес".into(), Some(WeightUnit::Kg))],
            ..Mapping::default()
        };
        let plan = ColumnPlan::new(vec!["Ref".into(), "Вес".into()], Some(&m));
        assert_eq!(plan.units[1], Some(WeightUnit::Kg));
        let m = Mapping { units: vec![], ..m };
        let plan = ColumnPlan::new(vec!["Ref".into(), "Вес".into()], Some(&m));
        assert_eq!(
            plan.units[1], None,
            "a bare weight: each value must say its unit"
        );
        // Every alias names a real field.
        for (f, _) in ALIASES {
            assert!(Parcel::field(f).is_ok(), "{f}");
        }
    }

    #[test]
    fn delimiters_are_sniffed_from_the_header_line() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1;2;3;4;5"), b',');
        assert_eq!(sniff_delimiter(b"Num. envoi;Poids;Origine\r\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc\n"), b'\t');
        assert_eq!(sniff_delimiter(b"\"a;b\",c\n"), b',');
        assert_eq!(sniff_delimiter(b"single"), b',');
        assert_eq!(sniff_delimiter(b""), b',');
    }

    #[test]
    fn mapping_errors_name_the_line() {
        let p = Path::new("map.toml");
        let bad_syntax = "[columns]\n\"A\" = \"tracking\"\n\"B\" = tracking\n";
        let e = Mapping::parse(bad_syntax, p).unwrap_err().to_string();
        assert!(e.starts_with("map.toml: line 3:"), "{e}");
        let bad_field = "[columns]\n\"A\" = \"tracking\"\n\n\"B\" = \"trackin\"\n";
        let e = Mapping::parse(bad_field, p).unwrap_err().to_string();
        assert!(e.starts_with("map.toml: line 4:"), "{e}");
        assert!(
            e.contains("trackin") && e.contains("no such parcel field"),
            "{e}"
        );
        let twice = "[columns]\n\"A\" = \"tracking\"\n\"B\" = \"tracking\"\n";
        let e = Mapping::parse(twice, p).unwrap_err().to_string();
        assert!(
            e.contains("line 3") && e.contains("both fill tracking"),
            "{e}"
        );
        let bad_default = "[columns]\n\"A\" = \"tracking\"\n[defaults]\nstatus = \"lost\"\n";
        let e = Mapping::parse(bad_default, p).unwrap_err().to_string();
        assert!(
            e.starts_with("map.toml: line 4:") && e.contains("status"),
            "{e}"
        );
        // A default date is read in the mapping's own order; without
        // one, a date that could be either is refused.
        let mdy = "date_order = \"mdy\"\n[columns]\n\"A\" = \"tracking\"\n[defaults]\nseized_on = \"03/04/2026\"\n";
        let m = Mapping::parse(mdy, p).unwrap();
        assert_eq!(
            m.defaults,
            [("seized_on".to_string(), "2026-03-04".to_string())]
        );
        let e = Mapping::parse(&mdy.replace("date_order = \"mdy\"\n", ""), p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 4") && e.contains("03/04/2026"), "{e}");
        let unknown_key = "delimitr = \";\"\n";
        let e = Mapping::parse(unknown_key, p).unwrap_err().to_string();
        assert!(e.contains("line 1"), "{e}");
        let e = Mapping::parse("encoding = \"klingon\"\n", p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1") && e.contains("klingon"), "{e}");
    }

    #[test]
    fn mapping_round_trips_through_toml() {
        let m = Mapping {
            delimiter: Some(b'\t'),
            encoding: Some("windows-1251".into()),
            columns: vec![
                ("Num. envoi".into(), "tracking".into()),
                ("Poids \"net\" (g)".into(), "weight_g".into()),
                ("Remarque".into(), String::new()),
            ],
            defaults: vec![("status".into(), "seized".into())],
            units: vec![
                ("Poids \"net\" (g)".into(), Some(WeightUnit::G)),
                ("Вес".into(), Some(WeightUnit::Kg)),
                ("Weight".into(), None),
            ],
            date_order: Some(DateOrder::Mdy),
        };
        let text = m.to_toml();
        let back = Mapping::parse(&text, Path::new("m.toml")).unwrap();
        assert_eq!(back.delimiter, m.delimiter);
        assert_eq!(back.encoding, m.encoding);
        let mut a = m.columns.clone();
        a.sort();
        let mut b = back.columns.clone();
        b.sort();
        assert_eq!(a, b);
        assert_eq!(back.defaults, m.defaults);
        let mut a = m.units.clone();
        a.sort_by(|x, y| x.0.cmp(&y.0));
        let mut b = back.units.clone();
        b.sort_by(|x, y| x.0.cmp(&y.0));
        assert_eq!(a, b);
        assert_eq!(back.date_order, Some(DateOrder::Mdy));
    }

    #[test]
    fn plan_needs_a_tracking_column_and_one_column_per_field() {
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let plan = ColumnPlan::new(h(&["Weight (g)", "Remarks"]), None);
        let e = plan.check(Path::new("f.csv")).unwrap_err().to_string();
        assert!(
            e.contains("no tracking column") && e.contains("\"Remarks\""),
            "{e}"
        );
        let plan = ColumnPlan::new(h(&["Tracking", "Waybill"]), None);
        let e = plan.check(Path::new("f.csv")).unwrap_err().to_string();
        assert!(e.contains("both fill tracking"), "{e}");
        // (An unnamed column among named ones is named by its place; an
        // empty header cell at the end is a trailing delimiter.)
        let plan = ColumnPlan::new(h(&["Tracking", "", "Remarks", ""]), None);
        plan.check(Path::new("f.csv")).unwrap();
        assert_eq!(plan.ignored, vec!["(column 2)", "Remarks"]);
        let m = Mapping {
            columns: vec![
                ("num envoi".into(), "tracking".into()),
                ("Absent".into(), "carrier".into()),
            ],
            ..Mapping::default()
        };
        let plan = ColumnPlan::new(h(&["Num. envoi", "Tracking"]), Some(&m));
        plan.check(Path::new("f.csv")).unwrap();
        assert_eq!(plan.fields, vec![Some("tracking"), None]);
        assert_eq!(plan.missing, vec!["Absent"]);
    }

    fn import_bytes(
        store: &mut Store,
        bytes: &[u8],
        opts: &Options,
    ) -> Result<Report, ImportError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        std::fs::write(&path, bytes).unwrap();
        let prep = Prepared::new(&path, None, None, None)?;
        run(store, &prep, opts, |_| {})
    }

    /// The progress says imported only what has committed: an
    /// interruption keeps that many (it counted the rows of the step under
    /// way, and a Ctrl-C left the screen saying thousands more than kept).
    #[test]
    fn progress_counts_only_committed_parcels() {
        let (_d, mut s) = temp_store();
        let mut csv = String::from("tracking\n");
        for i in 0..2500 {
            csv.push_str(&crate::exchange::demo::s10_number("RR", 10_000 + i, "CN"));
            csv.push('\n');
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        std::fs::write(&path, &csv).unwrap();
        let prep = Prepared::new(&path, None, None, None).unwrap();
        let opts = Options {
            batch_rows: 3000,
            ..Options::default()
        };
        // What another connection sees committed, as each is said.
        let other = rusqlite::Connection::open(_d.path().join("t.db")).unwrap();
        let kept = || -> u64 {
            other
                .query_row("SELECT count(*) FROM parcels", [], |r| r.get::<_, i64>(0))
                .unwrap() as u64
        };
        let mut said = Vec::new();
        let r = run(&mut s, &prep, &opts, |p| {
            if p.phase == Phase::Writing {
                said.push((p.rows, p.imported, kept()));
            }
        })
        .unwrap();
        assert_eq!(r.imported, 2500);
        // (a step commits after 3,000 rows or half a second: row 2,000 is
        // said within one, whatever the machine's speed)
        assert!(said.iter().any(|(rows, _, _)| *rows == 2000), "{said:?}");
        for (_, imported, kept) in &said {
            assert_eq!(imported, kept, "{said:?}");
        }
        assert_eq!(said.last(), Some(&(2500, 2500, 2500)));
    }

    /// A write that fails after earlier transactions committed (a full
    /// disk) says how many parcels are kept, through which line: it said
    /// "what this command was writing was not written" of thousands kept.
    #[test]
    fn a_full_disk_midway_says_what_is_kept() {
        let (d, mut s) = temp_store();
        let mut csv = String::from("tracking,sender_name\n");
        for i in 0..4000 {
            csv.push_str(&crate::exchange::demo::s10_number("RR", 20_000 + i, "CN"));
            csv.push_str(&format!(",{}\n", "sender name ".repeat(20)));
        }
        let path = d.path().join("in.csv");
        std::fs::write(&path, &csv).unwrap();
        let prep = Prepared::new(&path, None, None, None).unwrap();
        let pages: i64 = s
            .conn()
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap();
        s.conn()
            .pragma_update(None, "max_page_count", pages + 400)
            .unwrap();
        let opts = Options {
            batch_rows: 100,
            ..Options::default()
        };
        let e = run(&mut s, &prep, &opts, |_| {}).unwrap_err();
        let ImportError::Midway {
            kept, through_line, ..
        } = &e
        else {
            panic!("{e:?}")
        };
        let n: i64 = s
            .conn()
            .query_row("SELECT count(*) FROM parcels", [], |r| r.get(0))
            .unwrap();
        assert_eq!(*kept, n as u64, "{e}");
        assert!(*kept > 0 && *kept < 4000, "{e}");
        assert_eq!(*through_line, *kept + 1, "{e}");
        let said = e.to_string();
        assert!(said.contains("the import stopped midway"), "{said}");
        assert!(said.contains("disk is full"), "{said}");
    }

    /// Values echoed in a message are cut, quoted or not, saying how
    /// long they were; the reason around them is kept whole.
    #[test]
    fn long_values_in_messages_are_cut_and_the_reason_kept() {
        let long = "x\\\"y".repeat(100);
        let m = format!("\"{long}\" is not a number (a weight such as 450)");
        let cut = cut_quoted(&m);
        assert!(
            cut.starts_with("\"x\\\"yx")
                && cut.ends_with("…\" (400 characters) is not a number (a weight such as 450)"),
            "{cut}"
        );
        let m = format!("{} must be greater than 0", "9".repeat(400));
        assert_eq!(
            cut_quoted(&m),
            format!(
                "{}… (400 characters) must be greater than 0",
                "9".repeat(80)
            )
        );
        assert_eq!(
            cut_quoted("\"heavy\" is not a number"),
            "\"heavy\" is not a number"
        );
    }

    /// UTF-16 without a byte-order mark is told by its NULs and read as
    /// such; a NUL in a UTF-8 file's cell is refused, naming line and
    /// column, whatever the column.
    #[test]
    fn utf16_without_a_bom_is_read_and_a_nul_is_never_data() {
        let text = "Tracking number,Sender name\nRR123456785KZ,Иван\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for (bytes, name) in [(le, "UTF-16LE"), (be, "UTF-16BE")] {
            let (_d, mut s) = temp_store();
            let r = import_bytes(&mut s, &bytes, &Options::default()).unwrap();
            assert_eq!((r.read, r.imported), (1, 1), "{r:?}");
            assert_eq!(r.encoding, name);
            let p: Vec<Parcel> = records::list(s.conn(), 1, 0).unwrap();
            assert_eq!(p[0].sender_name.as_deref(), Some("Иван"));
        }
        assert_eq!(reader::utf16_by_nuls(b"tracking\nRR1\x00x\n"), None);
        let (_d, mut s) = temp_store();
        let r = import_bytes(
            &mut s,
            b"tracking,sender_name,remarks\nRR123456785KZ,a\x00b,ok\nEE473124829CN,ok,x\x00\n",
            &Options::default(),
        )
        .unwrap();
        assert_eq!(r.outcome, Outcome::Refused);
        let e: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
        assert!(
            e[0].starts_with("line 2, column \"sender_name\": holds a NUL byte")
                && e[1].starts_with("line 3, column \"remarks\": holds a NUL byte"),
            "{e:?}"
        );
        let e = import_bytes(
            &mut s,
            b"track\x00ing\nRR123456785KZ\n",
            &Options::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("line 1: the header's column 1 holds a NUL byte"),
            "{e}"
        );
    }

    /// Excel for Mac's "CSV (Macintosh)" ends lines with CR alone: each
    /// is a line end as LF is, for line numbers, `--header-row` and a
    /// cell typed over several lines.
    #[test]
    fn a_carriage_return_alone_ends_a_line() {
        let (_d, mut s) = temp_store();
        let csv = "Tracking number,Weight (g)\rRR123456785KZ,450\rEE473124829CN,bad\r\
                   RR470000003CN,bad2\r";
        let r = import_bytes(&mut s, csv.as_bytes(), &Options::default()).unwrap();
        let lines: Vec<u64> = r.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4], "{r:?}");
        // Mixed with CRLF and LF, and inside a quoted cell.
        let csv = "Tracking,Concealment,Weight (g)\r\n\
                   RR123456785KZ,\"in a book\rsecond line\",10\r\
                   \r\
                   EE473124829CN,in a toy,heavy\n";
        let r = import_bytes(&mut temp_store().1, csv.as_bytes(), &Options::default()).unwrap();
        assert_eq!((r.read, r.rejected), (2, 1), "{r:?}");
        assert_eq!(r.errors[0].line, 5, "{r:?}");
        let (_d2, mut s) = temp_store();
        let csv = "Tracking,Concealment\rRR123456785KZ,\"in a book\rsecond line\"\r";
        let r = import_bytes(&mut s, csv.as_bytes(), &Options::default()).unwrap();
        assert_eq!(r.imported, 1, "{r:?}");
        let p: Vec<Parcel> = records::list(s.conn(), 1, 0).unwrap();
        assert_eq!(p[0].concealment.as_deref(), Some("in a book, second line"));
        // The header below a title, given by its line.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(
            &path,
            "Seizures 2026\r\rTracking,Weight (g)\rRR123456785KZ,heavy\r",
        )
        .unwrap();
        let layout = Layout {
            header_row: Some(3),
            ..Layout::default()
        };
        let prep = Prepared::with_layout(&path, None, &layout).unwrap();
        assert_eq!(prep.header_line, 3);
        let r = run(&mut temp_store().1, &prep, &Options::default(), |_| {}).unwrap();
        assert_eq!(r.errors[0].line, 4, "{r:?}");
    }

    #[test]
    fn line_numbers_survive_quoted_newlines_and_crlf() {
        let (_d, mut s) = temp_store();
        let csv = "\u{feff}Tracking,Concealment,Weight (g)\r\n\
                   RR123456785KZ,\"in a book\r\nsecond line\",10\r\n\
                   \r\n\
                   EE473124829CN,in a toy,heavy\r\n";
        let r = import_bytes(&mut s, csv.as_bytes(), &Options::default()).unwrap();
        assert_eq!(r.outcome, Outcome::Refused);
        assert_eq!(r.rejected, 1, "{r:?}");
        assert_eq!(r.blank, 0, "blank lines are not rows");
        // After a quoted line break and a blank line, the bad row is on line 5.
        assert_eq!(r.errors[0].line, 5);
        assert_eq!(r.errors[0].field.as_deref(), Some("weight_g"));
        assert_eq!(r.errors[0].column.as_deref(), Some("Weight (g)"));
        assert_eq!(records::count::<Parcel>(s.conn()).unwrap(), 0);
        // The first row's concealment spans two lines: a one-line field
        // takes them joined.
        let opts = Options {
            skip_bad: true,
            rejects: Some(_d.path().join("rejects.csv")),
            ..Options::default()
        };
        let r = import_bytes(&mut s, csv.as_bytes(), &opts).unwrap();
        assert_eq!(r.imported, 1, "{r:?}");
        let p: Vec<Parcel> = records::list(s.conn(), 10, 0).unwrap();
        assert_eq!(p[0].concealment.as_deref(), Some("in a book, second line"));
    }

    /// While writing, progress is the share of the rows to write that
    /// are written, not the file read ahead of them (which was at 100 %
    /// from the first write on).
    #[test]
    fn writing_progress_is_the_share_of_rows_written() {
        let mut csv = String::from("tracking\n");
        for n in 0..4500u32 {
            csv.push_str(&crate::exchange::demo::s10_number(
                "RR",
                4_000_000 + n,
                "KZ",
            ));
            csv.push('\n');
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        std::fs::write(&path, &csv).unwrap();
        let prep = Prepared::new(&path, None, None, None).unwrap();
        let mut seen = Vec::new();
        let (_d, mut s) = temp_store();
        run(&mut s, &prep, &Options::default(), |p| {
            if p.phase == Phase::Writing {
                seen.push((p.rows, p.bytes_read * 100 / p.total_bytes));
            }
        })
        .unwrap();
        // (and once more as each step commits, at the rows it holds)
        for at in [(2000, 44), (4000, 88), (4500, 100)] {
            assert!(seen.contains(&at), "{seen:?}");
        }
        for (rows, pct) in seen {
            assert_eq!(pct, rows * 100 / 4500, "{rows}");
        }
    }

    #[test]
    fn duplicates_in_the_file_and_in_the_notebook() {
        let (_d, mut s) = temp_store();
        let csv = "tracking;origin;weight_g\n\
                   RR123456785KZ;KZ;10\n\
                   rr 123 456 785 kz;kz;10\n\
                   RR123456785KZ;KZ;11\n\
                   ;;\n\
                   EE473124829CN;CN;5\n";
        let opts = Options {
            skip_bad: true,
            ..Options::default()
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.csv");
        std::fs::write(&path, csv).unwrap();
        let prep = Prepared::new(&path, None, None, None).unwrap();
        assert_eq!(prep.delimiter, b';');
        let r = run(&mut s, &prep, &opts, |_| {}).unwrap();
        assert_eq!(
            (r.read, r.imported, r.duplicates, r.rejected, r.blank),
            (5, 2, 1, 1, 1),
            "{r:?}"
        );
        assert!(r.errors[0].message.contains("line 2"), "{:?}", r.errors);
        let rejects = std::fs::read_to_string(dir.path().join("d.rejects.csv")).unwrap();
        assert!(
            rejects.starts_with("tracking;origin;weight_g;line;error\n"),
            "{rejects}"
        );
        assert!(rejects.contains("RR123456785KZ;KZ;11;4;"), "{rejects}");
        // Again: nothing new.
        let r = run(&mut s, &prep, &opts, |_| {}).unwrap();
        assert_eq!((r.imported, r.duplicates, r.rejected), (0, 3, 1), "{r:?}");
        assert_eq!(records::count::<Parcel>(s.conn()).unwrap(), 2);
        let prov: i64 = s
            .conn()
            .query_row(
                "SELECT count(*) FROM provenance WHERE action = 'import'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(prov, 2);
        assert!(matches!(
            audit::verify(s.conn()).unwrap(),
            audit::Verdict::Intact { .. }
        ));
    }

    /// A rejects file opens in a spreadsheet without running formulas, and
    /// fixed and imported again gives each value as the original file
    /// would have: the `'` before `+44 ...` or `=...` comes off, control
    /// characters are as the sender wrote them.
    #[test]
    fn a_rejects_file_is_formula_safe_and_imports_back_the_same_values() {
        let csv = "tracking,sender_phone,declared_contents,sender_name,recipient_name,weight_g\n\
                   RR123456785KZ,+44 20 7946 0000,\"=HYPERLINK(\"\"http://x\"\")\",\"@Wang\u{200b}\u{202e}Li\",-Ivan,heavy\n";
        let (d, mut s) = temp_store();
        let rejects = d.path().join("in.rejects.csv");
        let opts = Options {
            skip_bad: true,
            rejects: Some(rejects.clone()),
            ..Options::default()
        };
        let r = import_bytes(&mut s, csv.as_bytes(), &opts).unwrap();
        assert_eq!((r.imported, r.rejected), (0, 1), "{r:?}");
        let written = std::fs::read_to_string(&rejects).unwrap();
        let mut rows = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(written.as_bytes());
        let row: Vec<String> = rows
            .records()
            .nth(1)
            .unwrap()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect();
        assert_eq!(
            row[..6],
            [
                "RR123456785KZ",
                "'+44 20 7946 0000",
                "'=HYPERLINK(\"http://x\")",
                "'@Wang\u{200b}\u{202e}Li",
                "'-Ivan",
                "heavy"
            ],
            "{written:?}"
        );
        assert!(
            !row[7].chars().any(crate::domain::text::needs_escape),
            "{:?}",
            row[7]
        );
        // Fixed and imported again: the values the original would give.
        let fixed = d.path().join("fixed.csv");
        std::fs::write(&fixed, written.replace(",heavy,", ",12,")).unwrap();
        let prep = Prepared::new(&fixed, None, None, None).unwrap();
        let again = run(&mut s, &prep, &opts, |_| {}).unwrap();
        assert_eq!(again.imported, 1, "{again:?}");
        let (_d2, mut direct) = temp_store();
        let r = import_bytes(&mut direct, csv.replace(",heavy", ",12").as_bytes(), &opts);
        assert_eq!(r.unwrap().imported, 1);
        let fields = |s: &Store| {
            let p: Vec<Parcel> = records::list(s.conn(), 10, 0).unwrap();
            let p = &p[0];
            (
                p.sender_phone.clone(),
                p.declared_contents.clone(),
                p.sender_name.clone(),
                p.recipient_name.clone(),
                p.weight_g,
            )
        };
        assert_eq!(fields(&s), fields(&direct));
        let (phone, declared, sender, recipient, _) = fields(&s);
        assert!(phone.unwrap().starts_with("+44"));
        assert_eq!(declared.as_deref(), Some("=HYPERLINK(\"http://x\")"));
        assert_eq!(sender.as_deref(), Some("@Wang\u{200b}\u{202e}Li"));
        assert_eq!(recipient.as_deref(), Some("-Ivan"));
    }

    /// A write that fails with most rows still to read (here, a notebook
    /// opened read-only) returns its error: the reading thread, blocked on
    /// a full channel, is let go rather than waited for.
    #[test]
    fn a_failing_write_ends_the_reading_thread() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("nb.db");
        drop(Store::open(&db, crate::store::OpenOptions::new("t")).unwrap());
        let mut csv = String::from("tracking\n");
        for n in 0..20_000u32 {
            csv.push_str(&crate::exchange::demo::s10_number(
                "RR",
                3_000_000 + n,
                "KZ",
            ));
            csv.push('\n');
        }
        let path = dir.path().join("in.csv");
        std::fs::write(&path, csv).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut store = Store::open(
                &db,
                crate::store::OpenOptions {
                    read_only: true,
                    ..crate::store::OpenOptions::new("t")
                },
            )
            .unwrap();
            let prep = Prepared::new(&path, None, None, None).unwrap();
            let r = run(&mut store, &prep, &Options::default(), |_| {});
            let _ = tx.send(r.map(|_| ()).map_err(|e| e.to_string()));
        });
        // Not a timing: a bound on waiting for a hang.
        let r = rx
            .recv_timeout(std::time::Duration::from_secs(300))
            .expect("the import returned");
        assert!(r.unwrap_err().contains("read-only"));
    }

    #[test]
    fn a_changed_parcel_is_rejected_naming_the_fields() {
        let (_d, mut s) = temp_store();
        let opts = Options::default();
        import_bytes(&mut s, b"tracking,weight_g\nRR123456785KZ,10\n", &opts).unwrap();
        let r = import_bytes(&mut s, b"tracking,weight_g\nRR123456785KZ,12\n", &opts).unwrap();
        assert_eq!(r.outcome, Outcome::Refused);
        let m = &r.errors[0].message;
        assert!(
            m.contains("already in the notebook")
                && m.contains("weight_g (file 12.0, notebook 10.0)"),
            "{m}"
        );
    }

    #[test]
    fn a_title_block_above_the_header_is_skipped_and_lines_stay_true() {
        let (_d, mut s) = temp_store();
        let csv = "Таможенный пост Хоргос / Seizure report Q3 2026\n\
                   \n\
                   Prepared by: A. Ivanov, analyst\n\
                   Трек-номер;Вес, кг;Дата изъятия\n\
                   RR123456785KZ;0,45;05.03.2026\n\
                   EE473124829CN;heavy;31.02.2026\n";
        let r = import_bytes(&mut s, csv.as_bytes(), &Options::default()).unwrap();
        assert_eq!(r.header_line, 4, "{r:?}");
        assert_eq!(r.delimiter, ";");
        assert_eq!((r.read, r.rejected), (2, 1), "{r:?}");
        let e = &r.errors[0];
        assert_eq!(e.line, 6);
        // Both bad cells, each by its column's header.
        assert_eq!(e.problems.len(), 2, "{e:?}");
        let text = e.to_string();
        assert!(
            text.starts_with("line 6, column \"Вес, кг\" (weight_g): \"heavy\" is not a number")
                && text.contains(
                    "; column \"Дата изъятия\" (seized_on): \"31.02.2026\" is not a date"
                ),
            "{text}"
        );
    }

    #[test]
    fn header_row_is_found_by_the_mapping_or_given() {
        let rows = |v: &[&[&str]]| -> Vec<Vec<String>> {
            v.iter()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect()
        };
        let t = rows(&[
            &["Report"],
            &["Ref colis", "Remarque"],
            &["RR123456785KZ", "1"],
        ]);
        assert_eq!(
            header_index(&t, None),
            0,
            "nothing recognised: the first row"
        );
        let m = Mapping {
            columns: vec![("Ref colis".into(), "tracking".into())],
            ..Mapping::default()
        };
        assert_eq!(header_index(&t, Some(&m)), 1);
        let t = rows(&[
            &["Seizures"],
            &["Tracking", "Weight (kg)"],
            &["RR123456785KZ", "1"],
        ]);
        assert_eq!(header_index(&t, None), 1);
        // A title line without the delimiter does not decide it.
        assert_eq!(
            sniff_layout(b"Title, 2026\nTracking;Origin;Weight\n", None, None),
            b';'
        );
        // The line given as the header's decides, however many lines of
        // commas stand above it.
        let letter = format!(
            "{}Tracking number;Weight (g);Seizure date\nRR000009910CN;100;01.12.2026\n",
            "Dear colleagues, please find, attached, the report\n".repeat(21)
        );
        assert_eq!(sniff_layout(letter.as_bytes(), None, Some(22)), b';');
        assert_eq!(sniff_layout(letter.as_bytes(), None, None), b',');
    }

    #[test]
    fn slash_dates_take_their_columns_order() {
        let (_d, mut s) = temp_store();
        let ok = |csv: &str| import_bytes(&mut temp_store().1, csv.as_bytes(), &Options::default());
        // A day over 12 in the column says day first for the whole column.
        let r =
            ok("tracking,seized_on\nRR123456785KZ,03/04/2026\nEE473124829CN,25/03/2026\n").unwrap();
        assert_eq!((r.imported, r.rejected), (2, 0), "{r:?}");
        let r = import_bytes(
            &mut s,
            b"tracking,seized_on\nRR123456785KZ,03/04/2026\nEE473124829CN,03/25/2026\n",
            &Options::default(),
        )
        .unwrap();
        assert_eq!((r.imported, r.rejected), (2, 0), "{r:?}");
        let p: Vec<Parcel> =
            records::list_where(s.conn(), "tracking = ?1", ["RR123456785KZ"], 1, 0).unwrap();
        assert_eq!(p[0].seized_on.as_deref(), Some("2026-03-04"));
        // A column that never tells: refused, naming the flag.
        let r = ok("tracking,Seizure date\nRR123456785KZ,03/04/2026\n").unwrap();
        assert_eq!(r.outcome, Outcome::Refused);
        let e = r.errors[0].to_string();
        assert!(
            e.contains("line 2, column \"Seizure date\" (seized_on)") && e.contains("--date-order"),
            "{e}"
        );
    }

    #[test]
    fn not_utf8_names_the_line() {
        let (_d, mut s) = temp_store();
        let e = import_bytes(
            &mut s,
            b"tracking,sender_name\nRR123456785KZ,ok\nEE473124829CN,\xcf\xe5\xf2\xf0\xee\xe2\n",
            &Options::default(),
        )
        .unwrap();
        assert_eq!(e.outcome, Outcome::Refused);
        let e = e.errors[0].to_string();
        assert!(
            e.contains("line 3, column \"sender_name\": not UTF-8 (byte 0xCF, the cell's byte 1); pass --encoding"),
            "{e}"
        );
        // Every bad row is named, and every problem of each: a bad weight
        // beside the bytes, and the rows around it.
        let r = import_bytes(
            &mut s,
            b"tracking,sender_name,weight_g\nRR123456785KZ,ok,heavy\n\
              EE473124829CN,\xcf\xe5\xf2,bad\nRR470000003CN,x,bad2\n",
            &Options::default(),
        )
        .unwrap();
        let e: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].starts_with("line 2, column \"weight_g\""), "{e:?}");
        assert!(
            e[1].starts_with("line 3, column \"sender_name\": not UTF-8 (byte 0xCF")
                && e[1].contains("; column \"weight_g\": \"bad\" is not a number"),
            "{e:?}"
        );
        assert!(e[2].starts_with("line 4, column \"weight_g\""), "{e:?}");
        // With --skip-bad it is one bad row, kept in the rejects as it reads.
        let dir = tempfile::tempdir().unwrap();
        let opts = Options {
            skip_bad: true,
            rejects: Some(dir.path().join("r.csv")),
            ..Options::default()
        };
        let r = import_bytes(
            &mut s,
            b"tracking,sender_name\nRR123456785KZ,ok\nEE473124829CN,\xcf\xe5\xf2\n",
            &opts,
        )
        .unwrap();
        assert_eq!((r.imported, r.rejected), (1, 1), "{r:?}");
        let e = r.errors[0].to_string();
        assert!(
            e.contains("line 3, column \"sender_name\": not UTF-8 (byte 0xCF, the cell's byte 1)"),
            "{e}"
        );
        let rejects = std::fs::read_to_string(dir.path().join("r.csv")).unwrap();
        assert!(rejects.contains("EE473124829CN,\u{fffd}"), "{rejects}");
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        fn cell() -> impl Strategy<Value = String> {
            prop_oneof![
                Just(String::new()),
                Just("RR123456785KZ".to_string()),
                Just("EE473124829CN".to_string()),
                Just("1Z999AA10123456784".to_string()),
                Just("KZ".to_string()),
                Just("12,5".to_string()),
                Just("2026-02-30".to_string()),
                Just("seized".to_string()),
                "[A-Z0-9]{8,14}",
                "\\PC{0,12}",
                "[\"\r\n,;\t \x1b\u{202e}a-z]{0,10}",
            ]
        }

        /// Imports and checks the counts add up; `starts` are the lines the
        /// rows start on, when known.
        fn check_invariants(store: &mut Store, bytes: &[u8], starts: Option<&[u64]>) {
            let opts = Options {
                skip_bad: true,
                batch_rows: 3,
                ..Options::default()
            };
            match import_bytes(store, bytes, &opts) {
                Ok(r) => {
                    assert_eq!(r.read, r.new + r.duplicates + r.rejected + r.blank, "{r:?}");
                    assert_eq!(r.new, r.imported);
                    assert!(r.errors.iter().all(|e| e.line >= 2), "{r:?}");
                    if let Some(starts) = starts {
                        assert_eq!(r.read, starts.len() as u64, "{r:?}");
                        for e in &r.errors {
                            assert!(starts.contains(&e.line), "{e} not in {starts:?}");
                        }
                    }
                }
                Err(
                    ImportError::Columns { .. }
                    | ImportError::NotUtf8 { .. }
                    | ImportError::Quoting { .. },
                ) => {}
                Err(e) => panic!("unexpected error: {e}"),
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(
                std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48)
            ))]

            /// Any bytes at all: an answer, never a panic.
            #[test]
            fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
                let (_d, mut s) = temp_store();
                let mut with_header = b"tracking,weight_g,sender_name\n".to_vec();
                with_header.extend_from_slice(&bytes);
                check_invariants(&mut s, &bytes, None);
                check_invariants(&mut s, &with_header, None);
            }

            /// CSV-shaped rows: every row imported, duplicate, rejected with
            /// its line, or blank; importing twice adds nothing.
            #[test]
            fn csv_shaped_rows(
                rows in proptest::collection::vec(proptest::collection::vec(cell(), 0..6), 0..12),
                delim in prop::sample::select(vec![b',', b';', b'\t']),
                term in prop::sample::select(vec![
                    csv::Terminator::CRLF,
                    csv::Terminator::Any(b'\n'),
                    csv::Terminator::Any(b'\r'),
                ]),
            ) {
                let (_d, mut s) = temp_store();
                let mut w = csv::WriterBuilder::new()
                    .delimiter(delim)
                    .terminator(term)
                    .flexible(true)
                    .from_writer(Vec::new());
                w.write_record(["tracking", "origin", "weight_g", "status", "seized_on", "concealment"]).unwrap();
                let mut starts = Vec::new();
                for r in &rows {
                    w.flush().unwrap();
                    // (LF, CRLF and CR alone each end a line, in a cell too.)
                    starts.push(1 + reader::line_ends(w.get_ref()));
                    w.write_record(r).unwrap();
                }
                let bytes = w.into_inner().unwrap();
                check_invariants(&mut s, &bytes, Some(&starts));
                let before = records::count::<Parcel>(s.conn()).unwrap();
                check_invariants(&mut s, &bytes, Some(&starts));
                prop_assert_eq!(records::count::<Parcel>(s.conn()).unwrap(), before);
                let intact = matches!(audit::verify(s.conn()).unwrap(), audit::Verdict::Intact { .. });
                prop_assert!(intact);
            }
        }
    }
}
