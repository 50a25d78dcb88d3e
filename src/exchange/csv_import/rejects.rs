//! The rejects file: the bad rows with their line and error.

use super::*;
use crate::domain::text::{csv_cell, csv_guard};
use std::borrow::Cow;

/// Whether a parcel field takes one line of text only.
pub(super) fn is_one_line(field: &str) -> bool {
    Parcel::FIELDS
        .iter()
        .any(|f| f.name == field && f.kind == crate::domain::fields::FieldKind::Text)
}

/// Where bad rows go by default: `seizures.csv` -> `seizures.rejects.csv`.
pub fn default_rejects_path(file: &Path) -> PathBuf {
    file.with_extension("rejects.csv")
}

/// Whether a rejects file can be written at `path`: its directory is
/// there and takes a new file. Asked before any row is written; said
/// once, naming the path the user gave (never the private file it is
/// first written to).
pub(super) fn check_rejects_path(path: &Path) -> Result<(), ImportError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let why = match std::fs::metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            format!(
                "the rejects file's directory {} does not exist",
                dir.display()
            )
        }
        Ok(m) if !m.is_dir() => format!("{} is not a directory", dir.display()),
        _ => match tempfile::tempfile_in(dir) {
            Ok(_) => return Ok(()),
            Err(e) => format!(
                "the rejects file cannot be written in {}: {}",
                dir.display(),
                io::Error::from(e.kind())
            ),
        },
    };
    Err(ImportError::Io {
        path: path.to_path_buf(),
        source: io::Error::other(format!("{why}; nothing was imported (pass --rejects)")),
    })
}

/// The rejects file, created when the first bad row is written: the
/// original columns plus `line` and `error`.
///
/// It is opened in a spreadsheet, fixed and imported again, so it must be
/// both safe to open and faithful. A cell that would run as a formula
/// (`=`, `+`, `-`, `@`, tab, carriage return first) gets a leading `'`,
/// as `--format csv` writes it, and the import takes that quote off again
/// ([`crate::domain::text::csv_unguard`]): `+44 20 7946 0000` comes back
/// as the same phone number. Nothing else in the row's cells is changed:
/// control and invisible characters stay as the sender wrote them (made
/// visible, they would be imported as the visible notation), so the file
/// is no more hostile to a terminal than the file it came from. The
/// `error` column is ours and is not imported: it is sanitised as every
/// CSV cell for reading.
pub(super) struct Rejects {
    pub(super) path: PathBuf,
    pub(super) delimiter: u8,
    pub(super) header: Vec<String>,
    /// The most cells a bad row has: columns past the header's are
    /// headed `(column N)`, so that `line` and `error` stay under their
    /// names in every row.
    pub(super) width: usize,
    /// Written into a private file beside the rejects path, put in place
    /// when the import ends (never through a link planted at the name).
    pub(super) writer: Option<csv::Writer<tempfile::NamedTempFile>>,
}

impl Rejects {
    pub(super) fn push(&mut self, cells: &[&str], e: &RowError) -> Result<(), ImportError> {
        let path = self.path.clone();
        if self.writer.is_none() {
            let file = crate::exchange::seal::private_beside(&path)
                .map_err(|e| io_err(&path)(std::io::Error::other(e.to_string())))?;
            let mut w = csv::WriterBuilder::new()
                .delimiter(self.delimiter)
                .flexible(true)
                .from_writer(file);
            let mut h: Vec<Cow<'_, str>> = self.header.iter().map(|c| csv_guard(c)).collect();
            h.extend((h.len()..self.width).map(|i| format!("(column {})", i + 1).into()));
            h.extend(["line".into(), "error".into()]);
            w.write_record(h.iter().map(|c| c.as_bytes()))
                .map_err(csv_err(&path))?;
            self.writer = Some(w);
        }
        if let Some(w) = &mut self.writer {
            let line = e.line.to_string();
            let msg = e.to_string();
            // Short rows are padded so `line` and `error` stay in their
            // columns; empty cells past the header's end are left out.
            // (A row wider than any of the first reading's, from a file
            // changed since, is cut to the columns there are.)
            let width = self.width.max(self.header.len());
            let used = used_cells(cells.len(), self.header.len(), |i| {
                cells[i].trim().is_empty()
            });
            let mut row: Vec<Cow<'_, str>> = cells[..used.min(width)]
                .iter()
                .map(|c| csv_guard(c))
                .collect();
            while row.len() < width {
                row.push("".into());
            }
            row.push(line.as_str().into());
            row.push(csv_cell(&msg));
            w.write_record(row.iter().map(|c| c.as_bytes()))
                .map_err(csv_err(&path))?;
        }
        Ok(())
    }

    /// Puts the file in place; true when there was a bad row to write.
    pub(super) fn finish(&mut self) -> Result<bool, ImportError> {
        let Some(w) = self.writer.take() else {
            return Ok(false);
        };
        let file = w
            .into_inner()
            .map_err(|e| io_err(&self.path)(std::io::Error::other(e.to_string())))?;
        crate::exchange::seal::put_in_place(file, &self.path)
            .map_err(|e| io_err(&self.path)(std::io::Error::other(e.to_string())))?;
        Ok(true)
    }
}

/// Removes a rejects file an earlier import left at `path` (one whose
/// header ends with our `line` and `error` columns; any other file there
/// is left alone), when this import rejected nothing: it would be taken
/// for this import's. True when one was removed.
pub(super) fn remove_stale_rejects(path: &Path, delimiter: u8) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    let Ok(file) = File::open(path) else {
        return false;
    };
    let mut first = Vec::new();
    let mut r = io::BufReader::new(file.take(1 << 20));
    if io::BufRead::read_until(&mut r, b'\n', &mut first).is_err() {
        return false;
    }
    let tail = [b"line".as_slice(), &[delimiter], b"error"].concat();
    let line = first.trim_ascii_end();
    line.ends_with(&tail) && std::fs::remove_file(path).is_ok()
}
