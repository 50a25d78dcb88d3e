//! Photos and documents are referenced by path and SHA-256: hashed when
//! added, checked again when they are shown.
//!
//! Only regular files are read (a symbolic link is followed to one): a
//! path naming a named pipe, a device such as `/dev/zero` or a directory
//! is said to be "not a regular file" and never opened, since reading it
//! could block or never end. A file of another size than recorded is
//! "changed" without being read. Reading never goes past the size the
//! file had when it was looked at (a file growing while read is
//! "changed"). Where a document is only shown (`show`, `trail`, the
//! interface's detail) a file is hashed only up to [`SHOWN_HASH_LIMIT`]
//! bytes; a larger one of the recorded size is said to be so, unhashed,
//! and `interdict document check` hashes it whole, saying its progress.
//! (A path swapped for a named pipe between the look and the opening can
//! still make the opening wait: that takes someone who can write where
//! the file is.)

use crate::domain::evidence::Document;
use crate::store::{Result, StoreError};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest file hashed where a document is only shown: a photo or a
/// scanned report is hashed each time (well under a second), a video of
/// gigabytes is not (`document check` hashes it).
pub const SHOWN_HASH_LIMIT: u64 = 16 << 20;

/// How often, in bytes read, a whole-file hash reports its progress.
const PROGRESS_EVERY: u64 = 1 << 30;

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a path that is not a regular file names, for messages.
fn what_it_is(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() { "a folder" } else { "not a file" }
}

/// A path opened for hashing, or what it names instead of a regular file.
enum Opened {
    File(std::fs::File, u64),
    NotRegular(&'static str),
}

/// Opens a regular file (following symbolic links) with its size; a path
/// naming anything else is not opened.
fn open_regular(path: &Path) -> std::io::Result<Opened> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Ok(Opened::NotRegular(what_it_is(meta.file_type())));
    }
    let f = std::fs::File::open(path)?;
    // The file opened, not the path looked at, is what is read.
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Ok(Opened::NotRegular(what_it_is(meta.file_type())));
    }
    Ok(Opened::File(f, meta.len()))
}

/// Hashes at most `limit` bytes of `f`, in blocks; the hash and how many
/// bytes there were. `progress` hears the bytes read so far now and then.
fn hash_reader(
    f: impl Read,
    limit: u64,
    progress: &mut dyn FnMut(u64),
) -> std::io::Result<(String, u64)> {
    let mut f = f.take(limit);
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    let mut next = PROGRESS_EVERY;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
        if size >= next {
            progress(size);
            next += PROGRESS_EVERY;
        }
    }
    Ok((hex(&h.finalize()), size))
}

/// The SHA-256 and size of a regular file, read in blocks (a video need
/// not fit in memory). A named pipe, device or folder is refused unread;
/// a file that grows while it is read is refused too.
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let (f, len) = match open_regular(path)? {
        Opened::File(f, len) => (f, len),
        Opened::NotRegular(what) => {
            return Err(std::io::Error::other(format!(
                "not a regular file ({what})"
            )));
        }
    };
    let (hash, size) = hash_reader(f, len.saturating_add(1), &mut |_| {})?;
    if size != len {
        return Err(std::io::Error::other(format!(
            "it changed while it was read ({size} bytes read of the {len} it had)"
        )));
    }
    Ok((hash, size))
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
    /// The file at its path has another size than recorded (not read).
    Resized {
        size: u64,
        recorded: u64,
    },
    /// The path names something other than a regular file (a named pipe,
    /// a device, a folder), which is not read.
    NotRegular {
        what: String,
    },
    /// The file has the recorded size but is too large to hash where it
    /// is only shown ([`SHOWN_HASH_LIMIT`]).
    Unhashed {
        size: u64,
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
            FileState::Resized { size, recorded } => {
                format!("FILE CHANGED: it has {size} bytes, {recorded} when it was added")
            }
            FileState::NotRegular { what } => {
                format!("NOT A REGULAR FILE at its path ({what}): not read")
            }
            FileState::Unhashed { size } => format!(
                "the size recorded ({size} bytes); too large to hash here: `interdict document check` hashes it"
            ),
            FileState::Unreadable { why } => format!("file unreadable: {why}"),
        }
    }
    pub fn is_intact(&self) -> bool {
        matches!(self, FileState::Intact)
    }
}

/// Where a document's file is: a relative path is read from `base` (the
/// notebook's folder), as it was added.
fn file_of(doc: &Document, base: Option<&Path>) -> PathBuf {
    let p = Path::new(&doc.path);
    match base {
        Some(b) if p.is_relative() => b.join(p),
        _ => p.to_path_buf(),
    }
}

/// Checks a document's file against its recorded hash, reading it whole
/// (`document check`): `progress` hears the path, bytes read and size of
/// a file every gigabyte. A relative path is read from `base`.
pub fn check(
    doc: &Document,
    base: Option<&Path>,
    progress: &mut dyn FnMut(&Path, u64, u64),
) -> FileState {
    let p = file_of(doc, base);
    check_up_to(doc, &p, u64::MAX, &mut |done, size| {
        progress(&p, done, size)
    })
}

/// What a document's file is, for showing it: as [`check`], but a file
/// over [`SHOWN_HASH_LIMIT`] is not read (its size is compared only).
pub fn glance(doc: &Document, base: Option<&Path>) -> FileState {
    check_up_to(doc, &file_of(doc, base), SHOWN_HASH_LIMIT, &mut |_, _| {})
}

/// The check, hashing only files of at most `hash_limit` bytes.
fn check_up_to(
    doc: &Document,
    path: &Path,
    hash_limit: u64,
    progress: &mut dyn FnMut(u64, u64),
) -> FileState {
    let unreadable = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => FileState::Missing {
            embedded: doc.embedded == "yes",
        },
        _ => FileState::Unreadable { why: e.to_string() },
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return unreadable(e),
    };
    if !meta.is_file() {
        return FileState::NotRegular {
            what: what_it_is(meta.file_type()).into(),
        };
    }
    let recorded = doc
        .size_bytes
        .filter(|s| s.is_finite() && *s >= 0.0 && s.fract() == 0.0)
        .map(|s| s as u64);
    if let Some(r) = recorded
        && r != meta.len()
    {
        return FileState::Resized {
            size: meta.len(),
            recorded: r,
        };
    }
    if meta.len() > hash_limit {
        return FileState::Unhashed { size: meta.len() };
    }
    let (f, len) = match open_regular(path) {
        Ok(Opened::File(f, len)) => (f, len),
        Ok(Opened::NotRegular(what)) => return FileState::NotRegular { what: what.into() },
        Err(e) => return unreadable(e),
    };
    // One byte more than it should have tells a file grown since.
    let expected = recorded.unwrap_or(len);
    match hash_reader(f, expected.saturating_add(1), &mut |done| {
        progress(done, expected)
    }) {
        Ok((_, size)) if size != expected => match recorded {
            Some(r) => FileState::Resized {
                size: std::fs::metadata(path).map_or(size, |m| m.len()),
                recorded: r,
            },
            None => FileState::Unreadable {
                why: "it changed while it was read".into(),
            },
        },
        Ok((h, _)) if h == doc.sha256 => FileState::Intact,
        Ok((h, _)) => FileState::Changed { now: h },
        Err(e) => unreadable(e),
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

    /// A document record for `path` as `document add` makes it.
    fn doc(path: &Path, sha256: &str, size: Option<u64>) -> Document {
        let size = size.map(|s| s.to_string());
        let mut v = vec![("path", path.to_str().unwrap()), ("sha256", sha256)];
        if let Some(s) = &size {
            v.push(("size_bytes", s));
        }
        crate::domain::record::new_record::<Document>(&v).unwrap().0
    }

    #[test]
    fn only_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let zero = dir.path().join("zero.jpg");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let sha = sha256_hex(b"");
        for (path, what) in [
            (fifo.as_path(), "a named pipe"),
            (zero.as_path(), "a device"),
            (dir.path(), "a folder"),
        ] {
            let d = doc(path, &sha, Some(0));
            let want = FileState::NotRegular { what: what.into() };
            assert_eq!(glance(&d, None), want);
            assert_eq!(check(&d, None, &mut |_, _, _| {}), want);
            let e = hash_file(path).unwrap_err().to_string();
            assert!(e.contains("not a regular file"), "{e}");
        }
        // A link to a regular file is followed.
        let real = dir.path().join("real.jpg");
        std::fs::write(&real, b"abc").unwrap();
        let link = dir.path().join("link.jpg");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let d = doc(&link, &sha256_hex(b"abc"), Some(3));
        assert_eq!(glance(&d, None), FileState::Intact);
        assert_eq!(hash_file(&link).unwrap(), (sha256_hex(b"abc"), 3));
    }

    #[test]
    fn a_file_is_read_no_further_than_its_recorded_size() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("photo.jpg");
        std::fs::write(&f, b"0123456789").unwrap();
        let sha = sha256_hex(b"0123456789");
        let full = |d: &Document| check(d, None, &mut |_, _, _| {});
        // Recorded and unrecorded size: intact.
        assert_eq!(full(&doc(&f, &sha, Some(10))), FileState::Intact);
        assert_eq!(glance(&doc(&f, &sha, None), None), FileState::Intact);
        // Another size: changed, unread.
        let bigger = doc(&f, &sha, Some(4));
        let want = FileState::Resized {
            size: 10,
            recorded: 4,
        };
        assert_eq!(glance(&bigger, None), want);
        assert_eq!(full(&bigger), want);
        assert!(glance(&bigger, None).describe().starts_with("FILE CHANGED"));
        // The same size, other bytes: changed, by hash.
        std::fs::write(&f, b"012345678X").unwrap();
        let d = doc(&f, &sha, Some(10));
        assert!(matches!(glance(&d, None), FileState::Changed { .. }));
        assert!(matches!(full(&d), FileState::Changed { .. }));
        // Over the bound for showing: the size only, said as such.
        let p = file_of(&d, None);
        assert_eq!(
            check_up_to(&d, &p, 4, &mut |_, _| {}),
            FileState::Unhashed { size: 10 }
        );
        // Gone.
        std::fs::remove_file(&f).unwrap();
        assert!(glance(&d, None).describe().contains("FILE MISSING"));
    }

    #[test]
    fn known_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
