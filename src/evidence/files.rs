//! Photos and documents are referenced by path and SHA-256: hashed when
//! added, checked again whenever they are shown.

use crate::domain::evidence::Document;
use crate::store::{Result, StoreError};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 and size of a file, read in blocks (a video need not fit
/// in memory).
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
    Ok((hex(&h.finalize()), size))
}

/// What a document's file is now, against the hash recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum FileState {
    /// The file at its path has the recorded hash.
    Intact,
    /// The file is not at its path; `embedded` says whether the notebook
    /// holds the bytes.
    Missing {
        embedded: bool,
    },
    /// The file at its path has other bytes.
    Changed {
        now: String,
    },
    Unreadable {
        why: String,
    },
}

impl FileState {
    pub fn describe(&self) -> String {
        match self {
            FileState::Intact => "intact (SHA-256 matches)".into(),
            FileState::Missing { embedded: true } => {
                "file missing at its path; the notebook holds the original (document extract)"
                    .into()
            }
            FileState::Missing { embedded: false } => "FILE MISSING at its path".into(),
            FileState::Changed { now } => format!("FILE CHANGED: its SHA-256 is now {now}"),
            FileState::Unreadable { why } => format!("file unreadable: {why}"),
        }
    }
    pub fn is_intact(&self) -> bool {
        matches!(self, FileState::Intact)
    }
}

/// Checks a document's file against its recorded hash. A relative path is
/// read from `base` (the notebook's folder), as it was added.
pub fn check(doc: &Document, base: Option<&Path>) -> FileState {
    let p = Path::new(&doc.path);
    let p = match base {
        Some(b) if p.is_relative() => b.join(p),
        _ => p.to_path_buf(),
    };
    match hash_file(&p) {
        Ok((h, _)) if h == doc.sha256 => FileState::Intact,
        Ok((h, _)) => FileState::Changed { now: h },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileState::Missing {
            embedded: doc.embedded == "yes",
        },
        Err(e) => FileState::Unreadable { why: e.to_string() },
    }
}

/// The bytes the notebook holds for a document (checked against its
/// hash), if it was embedded.
pub fn embedded_bytes(conn: &Connection, doc: &Document) -> Result<Option<Vec<u8>>> {
    let bytes: Option<Vec<u8>> = conn
        .prepare_cached("SELECT bytes FROM document_bytes WHERE sha256 = ?1")?
        .query_row([&doc.sha256], |r| r.get(0))
        .optional()?;
    match bytes {
        Some(b) if sha256_hex(&b) != doc.sha256 => Err(StoreError::Corrupt(format!(
            "the bytes kept for {} do not have its SHA-256",
            doc.path
        ))),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
