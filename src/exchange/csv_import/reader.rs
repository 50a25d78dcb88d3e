//! Reading the file: decoding, line endings, true line numbers, and the
//! rows handed from the reading thread to the writer.

use super::*;

/// Counts (and optionally hashes) the raw bytes read from the file.
pub(super) struct Tap<R> {
    pub(super) inner: R,
    pub(super) bytes: Rc<Cell<u64>>,
    pub(super) hash: Option<Rc<RefCell<Sha256>>>,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.set(self.bytes.get() + n as u64);
        if let Some(h) = &self.hash {
            h.borrow_mut().update(&buf[..n]);
        }
        Ok(n)
    }
}

pub(super) type Decoded = encoding_rs_io::DecodeReaderBytes<Tap<File>, Vec<u8>>;
pub(super) type CsvReader = csv::Reader<Terminators<io::Chain<Cursor<Vec<u8>>, Decoded>>>;

/// Remembers where line-ending bytes are in the text the CSV parser reads.
/// The parser's record position is where it started looking, which is
/// before the line ending of the previous row (CRLF) and before any blank
/// lines; the true line of a row counts those too.
pub(super) struct Terminators<R> {
    pub(super) inner: R,
    pub(super) offset: u64,
    pub(super) seen: Rc<RefCell<VecDeque<(u64, u8)>>>,
}

impl<R: Read> Read for Terminators<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut seen = self.seen.borrow_mut();
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' || *b == b'\r' {
                seen.push_back((self.offset + i as u64, *b));
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// The line a record starts on (1 = the first line of the file). Called
/// for records in the order they are read.
#[derive(Clone)]
pub(super) struct LineFinder(Rc<RefCell<VecDeque<(u64, u8)>>>);

impl LineFinder {
    pub(super) fn line(&self, rec: &csv::ByteRecord) -> u64 {
        let Some(pos) = rec.position() else { return 0 };
        let mut seen = self.0.borrow_mut();
        while seen.front().is_some_and(|(o, _)| *o < pos.byte()) {
            seen.pop_front();
        }
        let (mut at, mut newlines) = (pos.byte(), 0);
        for (o, b) in seen.iter() {
            if *o != at {
                break;
            }
            newlines += u64::from(*b == b'\n');
            at += 1;
        }
        pos.line() + newlines
    }
}

pub(super) struct Opened {
    pub(super) reader: CsvReader,
    pub(super) delimiter: u8,
    pub(super) bytes: Rc<Cell<u64>>,
    pub(super) lines: LineFinder,
}

/// Opens the file as UTF-8 text: decoded from `encoding` when given, from
/// UTF-16 when a byte-order mark says so, passed through unchanged (and
/// checked row by row) otherwise. A UTF-8 byte-order mark is dropped.
pub(super) fn open_csv(
    path: &Path,
    encoding: Option<&'static Encoding>,
    delimiter: Option<u8>,
    hash: Option<Rc<RefCell<Sha256>>>,
) -> Result<Opened, ImportError> {
    let file = File::open(path).map_err(io_err(path))?;
    let bytes = Rc::new(Cell::new(0));
    let tap = Tap {
        inner: file,
        bytes: bytes.clone(),
        hash,
    };
    let mut decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(encoding)
        .utf8_passthru(true)
        .strip_bom(true)
        .bom_override(true)
        .build(tap);
    let mut head = Vec::new();
    (&mut decoded)
        .take(SNIFF_BYTES)
        .read_to_end(&mut head)
        .map_err(io_err(path))?;
    let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(&head));
    let seen = Rc::new(RefCell::new(VecDeque::new()));
    let reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(Terminators {
            inner: Cursor::new(head).chain(decoded),
            offset: 0,
            seen: seen.clone(),
        });
    Ok(Opened {
        reader,
        delimiter,
        bytes,
        lines: LineFinder(seen),
    })
}

pub(super) fn utf8_cells<'r>(
    rec: &'r csv::ByteRecord,
    path: &Path,
    line: u64,
) -> Result<Vec<&'r str>, ImportError> {
    rec.iter()
        .map(|b| {
            std::str::from_utf8(b).map_err(|_| ImportError::NotUtf8 {
                path: path.to_path_buf(),
                line,
            })
        })
        .collect()
}

/// A file ready to import: its header read and its columns planned.
#[derive(Debug)]
pub struct Prepared {
    pub path: PathBuf,
    pub encoding: Option<&'static Encoding>,
    pub delimiter: u8,
    pub plan: ColumnPlan,
    pub total_bytes: u64,
}

impl Prepared {
    /// Opens the file and reads its header. Encoding and delimiter: the
    /// ones given, else the mapping's, else UTF-8 and the one the header
    /// line uses.
    pub fn new(
        path: &Path,
        mapping: Option<&Mapping>,
        encoding: Option<&'static Encoding>,
        delimiter: Option<u8>,
    ) -> Result<Prepared, ImportError> {
        let encoding = match (encoding, mapping.and_then(|m| m.encoding.as_deref())) {
            (Some(e), _) => Some(e),
            (None, Some(label)) => Some(encoding_for(label)?),
            (None, None) => None,
        };
        let delimiter = delimiter.or(mapping.and_then(|m| m.delimiter));
        let total_bytes = std::fs::metadata(path).map_err(io_err(path))?.len();
        let mut o = open_csv(path, encoding, delimiter, None)?;
        let header = o.reader.byte_headers().map_err(csv_err(path))?.clone();
        let line = o.lines.line(&header).max(1);
        let header: Vec<String> = utf8_cells(&header, path, line)?
            .into_iter()
            .map(str::to_string)
            .collect();
        if header.iter().all(|h| h.trim().is_empty()) {
            return Err(ImportError::Columns {
                path: path.to_path_buf(),
                message: "no header line: the first line must name the columns".into(),
            });
        }
        Ok(Prepared {
            path: path.to_path_buf(),
            encoding,
            delimiter: o.delimiter,
            plan: ColumnPlan::new(header, mapping),
            total_bytes,
        })
    }

    /// The mapping in use, to save and reuse.
    pub fn mapping(&self) -> Mapping {
        self.plan
            .to_mapping(self.delimiter, self.encoding.map(|e| e.name()))
    }
}

// ---------------------------------------------------------------------
// Checking rows

/// A row as the reading thread hands it over.
pub(super) struct ReadRow {
    pub(super) line: u64,
    /// The row's cells, for the rejects file (second reading only).
    pub(super) cells: Vec<String>,
    pub(super) parsed: Parsed,
}

pub(super) enum Parsed {
    Blank,
    Rejected {
        field: Option<String>,
        message: String,
    },
    Parcel {
        parcel: Box<Parcel>,
        /// Of the imported fields' values, to tell a repeated row from a
        /// conflicting one.
        fp: u64,
    },
}

/// What the reading thread sends: rows with the bytes read so far, then
/// the end (with the file's SHA-256 when it was asked to hash), or why it
/// stopped.
pub(super) enum Chunk {
    Rows(Vec<ReadRow>, u64),
    End { sha256: Option<String>, bytes: u64 },
}

/// Rows per message from the reading thread.
pub(super) const CHUNK_ROWS: usize = 256;

/// Reads and parses the file's rows in order, sending them in chunks; the
/// second core parses while the first checks and writes. The first
/// reading (`first`) hashes the file; the second keeps each row's cells,
/// which a rejected row is written to the rejects file with. Stops quietly
/// when the receiver is gone.
pub(super) fn read_rows(
    prep: &Prepared,
    imported: &[&'static str],
    first: bool,
    tx: std::sync::mpsc::SyncSender<Result<Chunk, ImportError>>,
) {
    let path = prep.path.as_path();
    let sha = first.then(|| Rc::new(RefCell::new(Sha256::new())));
    let run = || -> Result<u64, ImportError> {
        let mut o = open_csv(path, prep.encoding, Some(prep.delimiter), sha.clone())?;
        let mut rec = csv::ByteRecord::new();
        let mut chunk = Vec::with_capacity(CHUNK_ROWS);
        while o.reader.read_byte_record(&mut rec).map_err(csv_err(path))? {
            let line = o.lines.line(&rec);
            let cells = utf8_cells(&rec, path, line)?;
            let parsed = parse_row(&prep.plan, imported, &cells);
            chunk.push(ReadRow {
                line,
                cells: if first {
                    Vec::new()
                } else {
                    cells.into_iter().map(str::to_string).collect()
                },
                parsed,
            });
            if chunk.len() == CHUNK_ROWS {
                let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_ROWS));
                if tx.send(Ok(Chunk::Rows(full, o.bytes.get()))).is_err() {
                    return Ok(o.bytes.get());
                }
            }
        }
        if !chunk.is_empty() {
            let _ = tx.send(Ok(Chunk::Rows(chunk, o.bytes.get())));
        }
        Ok(o.bytes.get())
    };
    let msg = run().map(|bytes| Chunk::End {
        sha256: sha.map(|h| hex(&h.borrow().clone().finalize())),
        bytes,
    });
    let _ = tx.send(msg);
}

/// The rows of one reading, one at a time, as [`read_rows`] sends them.
pub(super) struct Rows {
    pub(super) rx: std::sync::mpsc::Receiver<Result<Chunk, ImportError>>,
    pub(super) buf: std::vec::IntoIter<ReadRow>,
    pub(super) bytes: u64,
    pub(super) sha256: Option<String>,
}

impl Rows {
    pub(super) fn new(rx: std::sync::mpsc::Receiver<Result<Chunk, ImportError>>) -> Rows {
        Rows {
            rx,
            buf: Vec::new().into_iter(),
            bytes: 0,
            sha256: None,
        }
    }

    pub(super) fn next(&mut self) -> Result<Option<ReadRow>, ImportError> {
        loop {
            if let Some(r) = self.buf.next() {
                return Ok(Some(r));
            }
            match self.rx.recv() {
                Ok(Ok(Chunk::Rows(rows, bytes))) => {
                    self.buf = rows.into_iter();
                    self.bytes = bytes;
                }
                Ok(Ok(Chunk::End { sha256, bytes })) => {
                    self.sha256 = sha256;
                    self.bytes = bytes;
                    return Ok(None);
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => {
                    return Err(ImportError::Store(StoreError::Corrupt(
                        "the reading thread stopped".into(),
                    )));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------
// Running an import
