//! What can go wrong in the store, said so a person can act on it.

use crate::domain::fields::FieldError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: not an SQLite database (the file was not changed)")]
    NotSqlite { path: PathBuf },
    #[error("{path}: an SQLite database, but not an interdict notebook (the file was not changed)")]
    NotInterdict { path: PathBuf },
    #[error(
        "{path}: written by a newer interdict (schema version {found}; this build reads up to {supported}); upgrade interdict to open it (the file was not changed)"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// Objects in the file that interdict's migrations did not make (a
    /// view, trigger, generated column or index of someone else's), which
    /// would run inside interdict's reads and writes.
    #[error(
        "{path}: its schema is not interdict's, so nothing is read from it: {}; `interdict audit verify` names every difference",
        brief(differences)
    )]
    ForeignSchema {
        path: PathBuf,
        differences: Vec<String>,
    },
    /// Another writer held the notebook past the busy timeout.
    #[error(
        "{path}: another writer has held the notebook for over {}{holder}; nothing of this change was written: try again",
        super::lockholder::took(super::busy_timeout())
    )]
    Busy { path: PathBuf, holder: String },
    #[error(
        "{path}: the database is open read-only, so nothing was written (opened with --read-only, or a file you may not write or its owner made read-only, or one in a folder you may not write, where no `-wal` can be made beside it: check the permissions of the file and its folder; a signed export is always read-only: merge it into a notebook to work on it)"
    )]
    ReadOnly { path: PathBuf },
    /// A write refused because a file beside the notebook is another
    /// account's (left by its read-only open).
    #[error(
        "{path}: nothing was written: {} belongs to {owner}, who opened the notebook read-only while no one had it open, and you cannot write it; {}",
        file.display(),
        if *wal_len == 0 {
            format!("once no one has the notebook open, remove {} and {} (nothing waits in them), or open it read-only until {owner} closes it; a shared group (--file-group) keeps these files the group's", side(path, "-wal"), side(path, "-shm"))
        } else {
            format!("its write-ahead log holds {wal_len} bytes not yet in the notebook: do not remove it; ask {owner} to close the notebook, then someone who can write both files opens it once")
        }
    )]
    SideFilesNotYours {
        path: PathBuf,
        file: PathBuf,
        owner: String,
        wal_len: u64,
    },
    #[error(
        "{path}: the disk is full: what this command was writing was not written and nothing else was lost (even reading a notebook needs a little space, for its shared-memory index); free some space and try again"
    )]
    DiskFull { path: PathBuf },
    #[error("{path}: cannot open the database: {message}")]
    Open { path: PathBuf, message: String },
    /// A read or write the system refused (a failing disk, a file-size
    /// limit), met with the notebook open.
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    /// A file that is not a notebook (an output, an identity, a key, an
    /// encrypted file) could not be read or written.
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error(transparent)]
    Invalid(#[from] FieldError),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Ambiguous(String),
    #[error("{0}")]
    Duplicate(String),
    #[error("{0}")]
    Corrupt(String),
    /// A received file that is not accepted (unsigned, tampered, damaged,
    /// encrypted without the key...). Nothing was written.
    #[error("{0}")]
    Refused(String),
    /// A long job that stopped after some of its steps were written.
    #[error("{source}; {what}")]
    Stopped {
        what: String,
        source: Box<StoreError>,
    },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The first few lines of a list, with how many more there are.
pub fn brief(lines: &[String]) -> String {
    const SHOWN: usize = 5;
    let more = match lines.len() {
        n if n > SHOWN => format!(" (and {} more)", n - SHOWN),
        _ => String::new(),
    };
    format!("{}{more}", lines[..lines.len().min(SHOWN)].join("; "))
}

/// The name of the file SQLite keeps beside `path` with `suffix`.
fn side(path: &std::path::Path, suffix: &str) -> String {
    super::fsinfo::beside(path, suffix).display().to_string()
}
