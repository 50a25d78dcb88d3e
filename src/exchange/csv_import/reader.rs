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

/// Whether `b` ends a line, `prev` being the byte before it: LF, CRLF
/// and CR alone (Excel for Mac's "CSV (Macintosh)") each end one. A CRLF
/// is counted at its CR, so that whether a byte ends a line is known as
/// soon as it is read.
pub(super) fn ends_line(prev: u8, b: u8) -> bool {
    b == b'\r' || (b == b'\n' && prev != b'\r')
}

/// How many lines `bytes` end (LF, CRLF or CR alone).
pub(super) fn line_ends(bytes: &[u8]) -> u64 {
    let mut prev = 0;
    let mut n = 0;
    for &b in bytes {
        n += u64::from(ends_line(prev, b));
        prev = b;
    }
    n
}

/// The lines of `bytes`, split at LF, CRLF or CR alone.
pub(super) fn split_lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' | b'\n' => {
                out.push(&bytes[start..i]);
                i += 1 + usize::from(bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n'));
                start = i;
            }
            _ => i += 1,
        }
    }
    out.push(&bytes[start..]);
    out
}

/// The most bytes a cell is read with. A value is at most
/// [`crate::domain::fields::MAX_TEXT`] characters (4 bytes each at most),
/// so a cell this long is never a value; one below it is read whole, to
/// be refused saying how long it is. The rest of its row is not read.
pub const MAX_CELL_BYTES: u64 = 2 * 1024 * 1024;
/// The most bytes a row is read with, each cell counting
/// [`CELL_WEIGHT`] besides its text, as it is held so: a wide table's row
/// is a few kilobytes, and no table has 131,072 columns.
pub const MAX_ROW_BYTES: u64 = 4 * 1024 * 1024;
/// The most bytes of a row cut short ([`MAX_ROW_BYTES`]) passed over in
/// looking for its end: past them, the file is refused.
pub const MAX_SKIPPED_BYTES: u64 = 64 * 1024 * 1024;
/// What a cell costs held, besides its text (its bounds, its string).
pub const CELL_WEIGHT: u64 = 32;
/// What the rows sent at once from the reading thread may weigh, their
/// text and cells counted as [`MAX_ROW_BYTES`] counts them: with 16
/// messages waiting at most, what rows wait is bounded, however large.
const CHUNK_WEIGHT: usize = 1024 * 1024;

/// A line ending in the text the CSV parser reads (`byte`: the line
/// ending itself), or where line endings of a row cut short were left
/// out (`ends` of them).
#[derive(Debug, Clone, Copy)]
pub(super) struct Ending {
    pub(super) offset: u64,
    /// How many lines it ends: 0 or 1 for a byte ([`ends_line`]).
    pub(super) ends: u64,
    pub(super) byte: bool,
}

/// A row cut short while it was read: a cell over [`MAX_CELL_BYTES`] or
/// the row over [`MAX_ROW_BYTES`]. Memory stays bounded however the file
/// is made: the parser is handed the row up to there (its quoted cell
/// closed), then the row's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Cut {
    /// Where, in the text the parser reads, the row was cut.
    pub(super) offset: u64,
    /// The cell being read when it was cut (0 = the first).
    pub(super) column: usize,
    /// True when the cell was too long, false when the row was.
    pub(super) cell: bool,
    /// The line of the file the row ends on (`u64::MAX`: the file's end).
    pub(super) last_line: u64,
}

impl Cut {
    pub(super) fn message(&self) -> String {
        if self.cell {
            format!(
                "the cell is over {} MiB (a value is at most {} characters); it and the rest \
                 of the row were not read",
                MAX_CELL_BYTES >> 20,
                crate::domain::fields::MAX_TEXT
            )
        } else {
            format!(
                "the row is over {} MiB (or {} cells); it was read up to this cell, the rest not",
                MAX_ROW_BYTES >> 20,
                MAX_ROW_BYTES / CELL_WEIGHT
            )
        }
    }
}

/// How far into its cell and row the text read is, to cut a row short.
#[derive(Debug, Default)]
pub(super) struct Sizes {
    cell: u64,
    row: u64,
    column: usize,
    /// Passing over the rest of a row cut short: the line endings passed.
    skipping: Option<u64>,
    /// The bytes passed over so, and the line the row began on.
    skipped: u64,
    began: u64,
}

/// Remembers where line-ending bytes are in the text the CSV parser reads,
/// and whether each ends a line ([`ends_line`]). The parser's record
/// position is where it started looking, which is before the line ending
/// of the previous row (CRLF) and before any blank lines; the true line of
/// a row counts those too. (The parser's own line count knows LF only.)
///
/// It also cuts short a row with a cell over [`MAX_CELL_BYTES`] or more
/// than [`MAX_ROW_BYTES`] in all ([`Cut`]): the parser, which holds a
/// row whole, never holds more.
pub(super) struct Terminators<R> {
    pub(super) inner: R,
    /// Bytes handed to the parser.
    pub(super) offset: u64,
    pub(super) seen: Rc<RefCell<VecDeque<Ending>>>,
    pub(super) quoting: Rc<RefCell<Quoting>>,
    /// The last byte read.
    pub(super) prev: u8,
    pub(super) sizes: Sizes,
    pub(super) cuts: Rc<RefCell<VecDeque<Cut>>>,
}

impl<R: Read> Read for Terminators<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.inner.read(buf)?;
            if n == 0 {
                return Ok(0);
            }
            // (A read wholly inside a row cut short hands over nothing:
            // read on.)
            let kept = self.pass(&mut buf[..n]);
            // A row that never ends (a stream of no line ends, a quote
            // never closed) is no table's: read on, it was passed over
            // until the stream ended, forever from a pipe or device.
            if self.sizes.skipped > MAX_SKIPPED_BYTES {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "the row that begins on line {} runs on for more than {} MiB with no end (a file with no line ends, or a quote never closed): not a table this import reads",
                        self.sizes.began,
                        MAX_SKIPPED_BYTES >> 20
                    ),
                ));
            }
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}

impl<R> Terminators<R> {
    /// Follows `buf`'s bytes and keeps, at its start, those the parser is
    /// handed; returns how many. (At most one byte is put in for one
    /// left out, so the kept ones never overtake the ones read.)
    fn pass(&mut self, buf: &mut [u8]) -> usize {
        let mut seen = self.seen.borrow_mut();
        let mut quoting = self.quoting.borrow_mut();
        let delimiter = quoting.delimiter;
        let last = buf.last().copied();
        let mut out = 0;
        for i in 0..buf.len() {
            let b = buf[i];
            let line = quoting.line;
            let before = quoting.step(b);
            let ends = u64::from(ends_line(self.prev, b));
            self.prev = b;
            let line_end = b == b'\n' || b == b'\r';
            let row_ends = line_end && before != QuoteState::InQuotes;
            if let Some(passed) = &mut self.sizes.skipping {
                if !row_ends {
                    *passed += ends;
                    self.sizes.skipped += 1;
                    continue;
                }
                // The row's end is handed over, after the line endings
                // passed over.
                if *passed > 0 {
                    seen.push_back(Ending {
                        offset: self.offset,
                        ends: *passed,
                        byte: false,
                    });
                }
                if let Some(c) = self.cuts.borrow_mut().back_mut() {
                    c.last_line = line;
                }
                self.sizes = Sizes::default();
            } else if row_ends {
                self.sizes = Sizes::default();
            } else {
                if self.sizes.row == 0 {
                    self.sizes.began = line;
                }
                // (A delimiter costs a cell: a row of a million empty
                // cells would be held as a million cells.)
                if before != QuoteState::InQuotes && b == delimiter {
                    self.sizes.row += CELL_WEIGHT;
                    self.sizes.cell = 0;
                    self.sizes.column += 1;
                } else {
                    self.sizes.row += 1;
                    self.sizes.cell += 1;
                }
                let cell = self.sizes.cell > MAX_CELL_BYTES;
                if cell || self.sizes.row > MAX_ROW_BYTES {
                    self.cuts.borrow_mut().push_back(Cut {
                        offset: self.offset,
                        column: self.sizes.column,
                        cell,
                        last_line: u64::MAX,
                    });
                    self.sizes.skipping = Some(ends);
                    // A quoted cell is closed for the parser, so that the
                    // row's end is one to it.
                    if before == QuoteState::InQuotes {
                        buf[out] = b'"';
                        out += 1;
                        self.offset += 1;
                    }
                    continue;
                }
            }
            if line_end {
                seen.push_back(Ending {
                    offset: self.offset,
                    ends,
                    byte: true,
                });
            }
            buf[out] = b;
            out += 1;
            self.offset += 1;
        }
        quoting.ended(last);
        out
    }
}

/// Where the CSV parser is, quote-wise, in the text it reads: kept beside
/// it (the parser does not say) to tell a quote that is missing or extra
/// from a cell typed over several lines. Follows the parser's rules: a
/// quote opens a quoted cell only at the start of a cell; inside one, two
/// quotes are a quote and one closes it; text after the closing quote is
/// added to the cell.
#[derive(Debug, Default)]
pub(super) struct Quoting {
    pub(super) delimiter: u8,
    state: QuoteState,
    /// The line being read (1 = the first), counting LF, CRLF and CR alone.
    pub(super) line: u64,
    /// The last byte fed.
    prev: u8,
    /// Where the quoted cell being read opened.
    opened: u64,
    /// Quoted cells that ran over more than one line, oldest first.
    pub(super) spans: VecDeque<Span>,
    /// Quoted cells on one line with text after their closing quote
    /// (`"Ромашка" ТОО`, read as `Ромашка ТОО`): each one's line and
    /// place in its row, oldest first.
    pub(super) strays: VecDeque<(u64, usize)>,
    /// The place in its row of the cell being read.
    cell: usize,
    /// Whether the text ended with a line break.
    ends_with_newline: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) enum QuoteState {
    #[default]
    CellStart,
    InCell,
    InQuotes,
    /// A quote inside a quoted cell: closing it, or the first of two.
    QuoteInQuotes,
}

/// A quoted cell over several lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub(super) opened: u64,
    pub(super) closed: u64,
    /// Text follows its closing quote (`"...\n..."x`): the quote that
    /// closed it was meant to open another cell.
    pub(super) stray: bool,
}

impl Quoting {
    pub(super) fn new(delimiter: u8) -> Quoting {
        Quoting {
            delimiter,
            line: 1,
            ..Quoting::default()
        }
    }

    #[cfg(test)]
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.step(b);
        }
        self.ended(bytes.last().copied());
    }

    /// Follows one byte; returns the state before it.
    pub(super) fn step(&mut self, b: u8) -> QuoteState {
        use QuoteState::*;
        let before = self.state;
        let ends_cell = b == self.delimiter || b == b'\n' || b == b'\r';
        if ends_cell && before != InQuotes {
            self.cell = if b == self.delimiter {
                self.cell + 1
            } else {
                0
            };
        }
        self.state = match self.state {
            CellStart if b == b'"' => {
                self.opened = self.line;
                InQuotes
            }
            CellStart | InCell if ends_cell => CellStart,
            CellStart | InCell => InCell,
            InQuotes if b == b'"' => QuoteInQuotes,
            InQuotes => InQuotes,
            QuoteInQuotes if b == b'"' => InQuotes,
            QuoteInQuotes => {
                self.closed(!ends_cell);
                if ends_cell { CellStart } else { InCell }
            }
        };
        if ends_line(self.prev, b) {
            self.line += 1;
        }
        self.prev = b;
        before
    }

    /// After a read: whether the text so far ends with a line break.
    fn ended(&mut self, last: Option<u8>) {
        if let Some(b) = last {
            self.ends_with_newline = b == b'\n' || b == b'\r';
        }
    }

    /// A quoted cell closed on this line (its closing quote is behind).
    fn closed(&mut self, stray: bool) {
        if stray && self.opened == self.line {
            self.strays.push_back((self.line, self.cell));
        }
        if self.opened < self.line {
            self.spans.push_back(Span {
                opened: self.opened,
                closed: self.line,
                stray,
            });
        }
    }

    /// At the end of the text: the line a quoted cell never closed opened
    /// on, and the file's last line.
    pub(super) fn unclosed(&mut self) -> Option<(u64, u64)> {
        match self.state {
            QuoteState::InQuotes => {
                let last = self.line - u64::from(self.ends_with_newline && self.line > 1);
                Some((self.opened, last))
            }
            QuoteState::QuoteInQuotes => {
                self.closed(false);
                None
            }
            _ => None,
        }
    }

    /// The places of the one-line quoted cells with text after their
    /// closing quote on lines `first` to `last`; those before are let go.
    pub(super) fn strays_in(&mut self, first: u64, last: u64) -> Vec<usize> {
        while self.strays.front().is_some_and(|s| s.0 < first) {
            self.strays.pop_front();
        }
        let mut out = Vec::new();
        while self.strays.front().is_some_and(|s| s.0 <= last) {
            out.extend(self.strays.pop_front().map(|s| s.1));
        }
        out
    }

    /// The quoted cells over several lines that opened between lines
    /// `first` and `last` (one row's); those that opened before are let go.
    pub(super) fn spans_in(&mut self, first: u64, last: u64) -> Vec<Span> {
        while self.spans.front().is_some_and(|s| s.opened < first) {
            self.spans.pop_front();
        }
        let mut out = Vec::new();
        while self.spans.front().is_some_and(|s| s.opened <= last) {
            out.extend(self.spans.pop_front());
        }
        out
    }
}

/// The line a record starts on (1 = the first line of the file). Called
/// for records in the order they are read.
#[derive(Clone)]
pub(super) struct LineFinder {
    seen: Rc<RefCell<VecDeque<Ending>>>,
    /// Lines ended by the line endings let go of (before the last record).
    ended: Rc<Cell<u64>>,
}

impl LineFinder {
    pub(super) fn line(&self, rec: &csv::ByteRecord) -> u64 {
        let Some(pos) = rec.position() else { return 0 };
        let mut seen = self.seen.borrow_mut();
        while let Some(e) = seen.front().copied().filter(|e| e.offset < pos.byte()) {
            self.ended.set(self.ended.get() + e.ends);
            seen.pop_front();
        }
        let (mut at, mut newlines) = (pos.byte(), 0);
        for e in seen.iter() {
            if e.offset != at || !e.byte {
                break;
            }
            newlines += e.ends;
            at += 1;
        }
        1 + self.ended.get() + newlines
    }
}

pub(super) struct Opened {
    pub(super) reader: CsvReader,
    pub(super) delimiter: u8,
    pub(super) bytes: Rc<Cell<u64>>,
    pub(super) lines: LineFinder,
    pub(super) quoting: Rc<RefCell<Quoting>>,
    pub(super) cuts: Rc<RefCell<VecDeque<Cut>>>,
}

impl Opened {
    /// Whether the record just read was cut short (and where).
    pub(super) fn cut(&self) -> Option<Cut> {
        let end = self.reader.position().byte();
        let mut cuts = self.cuts.borrow_mut();
        let mut last = None;
        while let Some(c) = cuts.front().copied().filter(|c| c.offset < end) {
            last = Some(c);
            cuts.pop_front();
        }
        last
    }
}

/// Opens the file as UTF-8 text: decoded from `encoding` when given, from
/// UTF-16 when a byte-order mark says so, passed through unchanged (and
/// checked row by row) otherwise. A UTF-8 byte-order mark is dropped.
pub(super) fn open_csv(
    path: &Path,
    encoding: Option<&'static Encoding>,
    delimiter: impl FnOnce(&[u8]) -> u8,
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
    let delimiter = delimiter(&head);
    let seen = Rc::new(RefCell::new(VecDeque::new()));
    let quoting = Rc::new(RefCell::new(Quoting::new(delimiter)));
    let cuts = Rc::new(RefCell::new(VecDeque::new()));
    let reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(Terminators {
            inner: Cursor::new(head).chain(decoded),
            offset: 0,
            seen: seen.clone(),
            quoting: quoting.clone(),
            prev: 0,
            sizes: Sizes::default(),
            cuts: cuts.clone(),
        });
    Ok(Opened {
        reader,
        delimiter,
        bytes,
        lines: LineFinder {
            seen,
            ended: Rc::new(Cell::new(0)),
        },
        quoting,
        cuts,
    })
}

/// The first `n` bytes of the file (fewer when it is shorter).
fn head_of(path: &Path, n: u64) -> Result<Vec<u8>, ImportError> {
    let mut head = Vec::new();
    File::open(path)
        .map_err(io_err(path))?
        .take(n)
        .read_to_end(&mut head)
        .map_err(io_err(path))?;
    Ok(head)
}

/// The encoding a file's byte-order mark names: UTF-8, UTF-16LE or
/// UTF-16BE; `None` without one.
fn bom_of(path: &Path) -> Result<Option<&'static Encoding>, ImportError> {
    let head = head_of(path, 3)?;
    Ok(Encoding::for_bom(&head).map(|(e, _)| e))
}

/// How much of a file's start is read to tell UTF-8 text from text in an
/// encoding of one byte a character.
const UTF8_SNIFF: u64 = 64 * 1024;

/// Refuses to read in the single-byte (or East Asian) encoding `named` a
/// file whose start is UTF-8 text beyond ASCII: a file in such an encoding
/// hardly ever is (Cyrillic in windows-1251, an accented letter in
/// windows-1252, is not), and read so it would be stored garbled without
/// a word. The message shows the start of the first line that differs,
/// both ways.
fn refuse_utf8_read_as(path: &Path, named: &'static Encoding) -> Result<(), ImportError> {
    if named == encoding_rs::UTF_8
        || named == encoding_rs::UTF_16LE
        || named == encoding_rs::UTF_16BE
    {
        return Ok(());
    }
    let head = head_of(path, UTF8_SNIFF)?;
    if head.is_ascii() {
        return Ok(());
    }
    // (The start may end inside a character.)
    let text = match std::str::from_utf8(&head) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return Ok(()),
    };
    // (Text holding the mark of a lost character, a rejects file's, is
    // refused row by row, naming the mark.)
    if text.contains('\u{FFFD}') {
        return Ok(());
    }
    let (line_no, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| !l.is_ascii())
        .unwrap_or((0, ""));
    let shown: String = line.chars().take(40).collect();
    let (garbled, _) = named.decode_without_bom_handling(shown.as_bytes());
    Err(ImportError::Columns {
        path: path.to_path_buf(),
        message: format!(
            "line {}: the file is UTF-8 text (\"{}\"), not {}: read so it would be stored as \"{}\"; leave --encoding out (or the mapping's `encoding`), or pass --encoding utf-8",
            line_no + 1,
            crate::domain::text::sanitize(&shown),
            named.name(),
            crate::domain::text::sanitize(&garbled)
        ),
    })
}

/// How much of a file's start is looked at to tell UTF-16 without a
/// byte-order mark.
const UTF16_SNIFF: u64 = 4096;

/// UTF-16 (little- or big-endian), told by the file's start: by its
/// byte-order mark, or, without one, as some exports write it, by its
/// NULs ([`utf16_by_nuls`]). `None` for anything else. (The decoder reads
/// a byte-order mark itself; named here, the report says the encoding the
/// file was read in: a UTF-16 file with one was reported as UTF-8.)
pub(super) fn utf16_of(path: &Path) -> Result<Option<&'static Encoding>, ImportError> {
    let head = head_of(path, UTF16_SNIFF)?;
    if head.starts_with(&[0xFF, 0xFE]) {
        return Ok(Some(encoding_rs::UTF_16LE));
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Ok(Some(encoding_rs::UTF_16BE));
    }
    Ok(utf16_by_nuls(&head))
}

/// Whether `head` reads as UTF-16 without a byte-order mark. Each ASCII
/// character (delimiters, line ends, digits, Latin letters) has a NUL as
/// its high byte, so the NULs fall on one side of the byte pairs (odd
/// offsets: little-endian; even: big-endian) and hardly ever on the
/// other. How many there are depends on the script: ASCII text has one
/// on most pairs, a Cyrillic or Chinese header only at its delimiters and
/// line ends. So the start must also decode as UTF-16 on that side (no
/// unpaired surrogate, no control character but tab and line ends, no
/// NUL character), and either have NULs on most pairs, or on one pair in
/// sixteen or more and read as a table: a line end and a delimiter (a
/// title line may come first). (ASCII text with a stray NUL decodes as ideographs,
/// its commas and line ends paired away with letters.)
pub(super) fn utf16_by_nuls(head: &[u8]) -> Option<&'static Encoding> {
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return None;
    }
    let pairs: Vec<[u8; 2]> = head.chunks_exact(2).map(|p| [p[0], p[1]]).collect();
    if pairs.len() < 2 {
        return None;
    }
    let even = pairs.iter().filter(|p| p[0] == 0).count();
    let odd = pairs.iter().filter(|p| p[1] == 0).count();
    // (A few characters have a NUL low byte, U+0400 `Ѐ` or U+4E00 `一`:
    // one NUL in eight on the other side is let be.)
    let (le, nuls) = if odd > even {
        (true, odd)
    } else {
        (false, even)
    };
    let other = if le { even } else { odd };
    if nuls == 0 || other * 8 > nuls {
        return None;
    }
    let mut units: Vec<u16> = pairs
        .iter()
        .map(|p| {
            if le {
                u16::from_le_bytes(*p)
            } else {
                u16::from_be_bytes(*p)
            }
        })
        .collect();
    // (The start may end between the two halves of a surrogate pair.)
    if units.last().is_some_and(|u| (0xD800..0xDC00).contains(u)) {
        units.pop();
    }
    let (mut line_end, mut delimited) = (false, false);
    for c in char::decode_utf16(units) {
        let c = c.ok()?;
        match c {
            '\n' | '\r' => line_end = true,
            ',' | ';' | '\t' | '|' => delimited = true,
            c if c.is_control() => return None,
            _ => {}
        }
    }
    let table = line_end && delimited && nuls * 16 >= pairs.len();
    if !table && nuls * 2 <= pairs.len() {
        return None;
    }
    Some(if le {
        encoding_rs::UTF_16LE
    } else {
        encoding_rs::UTF_16BE
    })
}

/// The encoding to pass for text whose bytes are not UTF-8, by how its
/// bad bytes lie: mostly in runs (whole words, as Cyrillic letters in
/// windows-1251 are) or mostly alone among ASCII letters (a Western
/// accented letter in windows-1252: `Gr\xfc\xdfe`).
pub(super) fn encoding_advice(bytes: &[u8]) -> &'static str {
    let mut bad = vec![false; bytes.len()];
    let mut at = 0;
    for chunk in bytes.utf8_chunks() {
        at += chunk.valid().len();
        for b in &mut bad[at..at + chunk.invalid().len()] {
            *b = true;
        }
        at += chunk.invalid().len();
    }
    let total = bad.iter().filter(|b| **b).count();
    let in_runs = (0..bad.len())
        .filter(|&i| bad[i] && ((i > 0 && bad[i - 1]) || bad.get(i + 1) == Some(&true)))
        .count();
    // Chinese in GBK is pairs of high bytes, as Cyrillic in windows-1251
    // often is: where every run pairs up and reads as GBK, both are said
    // (a GBK file was told it looked Cyrillic, and read so it was stored
    // as nonsense without a word).
    let pairs_up = {
        let mut run = 0usize;
        let mut even = true;
        for b in bytes.iter().chain(std::iter::once(&b' ')) {
            if *b >= 0x80 {
                run += 1;
            } else {
                even &= run.is_multiple_of(2);
                run = 0;
            }
        }
        even && !encoding_rs::GBK.decode_without_bom_handling(bytes).1
    };
    if total > 0 && in_runs * 2 > total && pairs_up {
        "pass --encoding gbk if it is Chinese, windows-1251 if it is Cyrillic (its bytes could be either), or the file's encoding"
    } else if total > 0 && in_runs * 2 > total {
        "pass --encoding windows-1251 (its bytes look Cyrillic) or the file's encoding"
    } else if total > 0 && in_runs * 4 < total {
        "pass --encoding windows-1252 (its bytes look Western European) or the file's encoding"
    } else {
        "pass --encoding with the file's encoding: windows-1252 for Western European text, \
         windows-1251 for Cyrillic"
    }
}

/// What is wrong with a row that is not UTF-8: the encoding to pass, and
/// the column and byte at fault.
pub(super) fn not_utf8_detail(rec: &csv::ByteRecord, header: &[String]) -> String {
    let advice = encoding_advice(rec.as_slice());
    match bad_byte(rec) {
        Some((byte, i)) => format!(
            "{advice} (column {:?}, byte 0x{byte:02X})",
            column_name(header, i)
        ),
        None => format!("{advice} (a character cut between two cells)"),
    }
}

pub(super) fn utf8_cells<'r>(
    rec: &'r csv::ByteRecord,
    path: &Path,
    line: u64,
    header: &[String],
) -> Result<Vec<&'r str>, ImportError> {
    let bad = || ImportError::NotUtf8 {
        path: path.to_path_buf(),
        line,
        detail: not_utf8_detail(rec, header),
    };
    // (The record's bytes checked at once, not cell by cell: each cell is
    // then text when it starts and ends on a character's boundary, which
    // a cell cut inside a character would not.)
    let all = std::str::from_utf8(rec.as_slice()).map_err(|_| bad())?;
    (0..rec.len())
        .map(|i| {
            let r = rec.range(i).ok_or_else(bad)?;
            all.get(r).ok_or_else(bad)
        })
        .collect()
}

/// Whether a quoted cell over several lines holds a whole row of the
/// table: a line inside it, not its first, with as many cells as the
/// header; its last line, up to the closing quote, with as many or more;
/// or a line that, with the cells after the quote (`rest`, for its last
/// line), is a row of the header's width with a tracking number where the
/// tracking column `tracking` is (a stray quote and an inch mark, `15"`,
/// at the same column of two rows: the row between them lost, its cells
/// given to the row above, without a word). Returns that line's place in
/// the cell (1 = its second line). Without a tracking number, only
/// tables of three columns or more: in narrower ones an address line
/// reads as a row.
fn swallowed_row(
    cell: &[u8],
    delimiter: u8,
    width: usize,
    rest: &[&[u8]],
    tracking: Option<usize>,
) -> Option<u64> {
    let lines = split_lines(cell);
    let last = lines.len().checked_sub(1).filter(|l| *l > 0)?;
    let parts =
        |l: &[u8]| -> Vec<Vec<u8>> { l.split(|b| *b == delimiter).map(<[u8]>::to_vec).collect() };
    let tracked = |row: &[Vec<u8>]| {
        row.len() == width
            && tracking
                .and_then(|t| row.get(t))
                .is_some_and(|t| reads_as_tracking(t))
    };
    let whole = |i: usize| {
        let mut row = parts(lines[i]);
        if i == last {
            row.extend(rest.iter().map(|c| c.to_vec()));
        }
        tracked(&row)
    };
    let cells = |l: &[u8]| l.iter().filter(|b| **b == delimiter).count() + 1;
    (1..=last)
        .find(|&i| whole(i))
        .or_else(|| {
            (width >= 3)
                .then(|| {
                    (1..last)
                        .find(|i| cells(lines[*i]) == width)
                        .or_else(|| (cells(lines[last]) >= width).then_some(last))
                })
                .flatten()
        })
        .map(|i| i as u64)
}

/// Whether a cell holds what only a tracking number holds: a valid S10
/// number, or a waybill of 8 to 40 letters and digits, six digits or
/// more, without spaces.
fn reads_as_tracking(cell: &[u8]) -> bool {
    use crate::domain::tracking::{self, TrackingKind};
    let Ok(text) = std::str::from_utf8(cell) else {
        return false;
    };
    let text = text.trim();
    match tracking::parse(text) {
        Ok(t) if t.kind == TrackingKind::S10 => true,
        Ok(t) => {
            !text.contains(char::is_whitespace)
                && t.canonical.bytes().filter(u8::is_ascii_digit).count() >= 6
        }
        Err(_) => false,
    }
}

/// Whether a row that is no parcel reads as a header: two of its cells
/// or more, and at least half as many as the header names columns, name
/// columns (a known heading, or one of the header's own).
fn reads_as_header(cells: &[&str], plan: &super::plan::ColumnPlan) -> bool {
    let named = plan.fields.iter().filter(|f| f.is_some()).count();
    let key = |c: &str| super::headers::header_key(c);
    let own: std::collections::HashSet<String> = plan
        .header
        .iter()
        .map(|h| key(h))
        .filter(|k| !k.is_empty())
        .collect();
    let naming = cells
        .iter()
        .take(MAX_HEADER_CELLS)
        .filter(|c| {
            let k = key(c);
            !k.is_empty() && (own.contains(&k) || super::headers::recognise(c).is_some())
        })
        .count();
    naming >= 2 && naming * 2 >= named
}

/// How a header read again differs from the file's header (`None`: it is
/// the same, empty cells past either's end aside).
fn header_differs(cells: &[&str], header: &[String]) -> Option<String> {
    fn trimmed<'a>(v: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
        let mut v: Vec<&str> = v.map(str::trim).collect();
        while v.last().is_some_and(|c| c.is_empty()) {
            v.pop();
        }
        v
    }
    let here = trimmed(cells.iter().copied());
    let there = trimmed(header.iter().map(String::as_str));
    // (As headings are read: case and spacing aside.)
    let key = |v: Option<&&str>| v.map(|h| super::headers::header_key(h));
    let at = (0..here.len().max(there.len())).find(|i| key(here.get(*i)) != key(there.get(*i)))?;
    Some(format!(
        "column {}: {:?} here, {:?} there",
        at + 1,
        here.get(at).copied().unwrap_or(""),
        there.get(at).copied().unwrap_or("")
    ))
}

/// The first byte of a record that is not UTF-8, and its column.
pub(super) fn bad_byte(rec: &csv::ByteRecord) -> Option<(u8, usize)> {
    rec.iter().enumerate().find_map(|(i, b)| {
        std::str::from_utf8(b)
            .err()
            .map(|e| (b[e.valid_up_to()], i))
    })
}

/// A record's cells as text, bytes that are not UTF-8 replaced.
pub(super) fn lossy_cells(rec: &csv::ByteRecord) -> Vec<String> {
    rec.iter()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect()
}

/// How many of a file's first rows the header is looked for among.
pub const HEADER_SCAN_ROWS: usize = 20;

/// How a file is laid out, when the importer is told rather than left to
/// recognise it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Layout {
    pub encoding: Option<&'static Encoding>,
    pub delimiter: Option<u8>,
    /// The line the header is on (1 = the first line of the file); else
    /// the first of the file's first rows that names the most columns.
    pub header_row: Option<u64>,
    /// The order of slash dates; else told by each date column's dates.
    pub date_order: Option<DateOrder>,
}

/// How many of a row's cells name a column: recognised headers, or the
/// columns a mapping names.
fn header_score(cells: &[String], mapping: Option<&Mapping>) -> usize {
    // (A header names its columns in its first cells: a row of a hundred
    // thousand cells is not scored past the first few thousand.)
    cells
        .iter()
        .take(MAX_HEADER_CELLS)
        .filter(|c| {
            let key = header_key(c);
            !key.is_empty()
                && (recognise(c).is_some()
                    || mapping.is_some_and(|m| {
                        m.columns
                            .iter()
                            .any(|(col, _)| col.trim() == c.trim() || header_key(col) == key)
                    }))
        })
        .count()
}

/// The cells of a row scored as a header, at most.
const MAX_HEADER_CELLS: usize = 4096;

/// The header among rows offered one by one as they are read: the first
/// that names the most columns; the first row when none names any.
#[derive(Debug, Default)]
pub(super) struct HeaderPick {
    /// Rows offered.
    seen: usize,
    /// The header so far: its place among the rows, and how many columns
    /// it names.
    at: usize,
    names: usize,
}

impl HeaderPick {
    /// Whether the row is the header so far (to keep it).
    pub(super) fn offer(&mut self, cells: &[String], mapping: Option<&Mapping>) -> bool {
        let score = header_score(cells, mapping);
        let first = self.seen == 0;
        self.seen += 1;
        // A header already found (two columns named or more, half as many
        // as this row names or more) stays the header: a second export
        // pasted below it with one column more was taken for the header,
        // the rows above it for a title, and their parcels lost, exit 0.
        // (It is then met as a header again, and said.)
        if !first && self.names >= 2 && self.names * 2 >= score {
            return false;
        }
        if first || score > self.names {
            (self.at, self.names) = (self.seen - 1, score);
            return true;
        }
        false
    }
}

/// The row among `rows` that is the header ([`HeaderPick`]).
#[cfg(test)]
pub(super) fn header_index(rows: &[Vec<String>], mapping: Option<&Mapping>) -> usize {
    let mut pick = HeaderPick::default();
    for r in rows {
        pick.offer(r, mapping);
    }
    pick.at
}

/// The delimiter of a file whose start is `head`: the one with which a
/// header row (perhaps below a title block) names the most columns; else
/// the one the first line uses most. With the header's line given
/// (`--header-row`), that line's (a cover letter of 21 lines with commas
/// above a `;` header was read with commas, and the header named no
/// column).
pub fn sniff_layout(head: &[u8], mapping: Option<&Mapping>, header_row: Option<u64>) -> u8 {
    if let Some(n) = header_row.and_then(|n| n.checked_sub(1))
        && let Some(line) = head.split(|b| *b == b'\n').nth(n as usize)
        && line.iter().any(|b| !b.is_ascii_whitespace())
    {
        return sniff_layout(line, mapping, None);
    }
    let mut best: Option<(u8, usize)> = None;
    for d in [b',', b';', b'\t', b'|'] {
        if !head.contains(&d) {
            continue;
        }
        let mut r = csv::ReaderBuilder::new()
            .delimiter(d)
            .has_headers(false)
            .flexible(true)
            .from_reader(head);
        let rows: Vec<Vec<String>> = r
            .byte_records()
            .take(HEADER_SCAN_ROWS)
            .map_while(Result::ok)
            .map(|rec| lossy_cells(&rec))
            .collect();
        let score = rows
            .iter()
            .map(|row| header_score(row, mapping))
            .max()
            .unwrap_or(0);
        if score > 0 && best.is_none_or(|(_, s)| score > s) {
            best = Some((d, score));
        }
    }
    best.map_or_else(|| sniff_delimiter(first_line(head)), |(d, _)| d)
}

/// The first line with something on it.
fn first_line(head: &[u8]) -> &[u8] {
    let start = head
        .iter()
        .position(|b| !matches!(b, b'\r' | b'\n'))
        .unwrap_or(head.len());
    &head[start..]
}

/// A file ready to import: its header found and its columns planned.
#[derive(Debug)]
pub struct Prepared {
    pub path: PathBuf,
    pub encoding: Option<&'static Encoding>,
    pub delimiter: u8,
    pub plan: ColumnPlan,
    pub total_bytes: u64,
    /// The line the header is on (1 = the first line).
    pub header_line: u64,
    /// Rows (of the CSV reader's, blank lines aside) before the header:
    /// a title, notes.
    pub(super) skip: usize,
}

impl Prepared {
    /// Opens the file and finds its header. Encoding and delimiter: the
    /// ones given, else the mapping's, else UTF-8 and the one the header
    /// line uses.
    pub fn new(
        path: &Path,
        mapping: Option<&Mapping>,
        encoding: Option<&'static Encoding>,
        delimiter: Option<u8>,
    ) -> Result<Prepared, ImportError> {
        let layout = Layout {
            encoding,
            delimiter,
            ..Layout::default()
        };
        Prepared::with_layout(path, mapping, &layout)
    }

    /// As [`Prepared::new`], with the header's line and the date order
    /// given or left to recognise.
    pub fn with_layout(
        path: &Path,
        mapping: Option<&Mapping>,
        layout: &Layout,
    ) -> Result<Prepared, ImportError> {
        let named = match (layout.encoding, mapping.and_then(|m| m.encoding.as_deref())) {
            (Some(e), _) => Some(e),
            (None, Some(label)) => Some(encoding_for(label)?),
            (None, None) => None,
        };
        // A byte-order mark says what the file is, whatever was named
        // (until 2026-12-07 a UTF-8 file's was dropped and its text read
        // in the encoding named: `Иванов` stored as `РРІР°РЅРѕРІ`); UTF-16
        // is told by its NULs without one.
        let encoding = match (bom_of(path)?, named) {
            (Some(bom), _) => Some(bom),
            (None, Some(e)) => {
                refuse_utf8_read_as(path, e)?;
                Some(e)
            }
            (None, None) => utf16_of(path)?,
        };
        // UTF-8 named is read as the default is: checked row by row, a
        // byte that is not UTF-8 named, never replaced by U+FFFD.
        let encoding = encoding.filter(|e| *e != encoding_rs::UTF_8);
        let delimiter = layout.delimiter.or(mapping.and_then(|m| m.delimiter));
        let total_bytes = std::fs::metadata(path).map_err(io_err(path))?.len();
        let mut o = open_csv(
            path,
            encoding,
            |head| delimiter.unwrap_or_else(|| sniff_layout(head, mapping, layout.header_row)),
            None,
        )?;
        // The rows the header is looked for among (or up to the line given).
        // (With a line given, only that row is kept, and the rows before
        // it counted.)
        // The header: the row on the line given, or the first of the
        // first rows that names the most columns (the first row when none
        // names any). Only it is kept, with where it is among the rows
        // and whether it was cut short: the rows looked at may be large.
        let mut found: Option<(u64, csv::ByteRecord, Option<Cut>)> = None;
        let (mut before, mut pick) = (0, HeaderPick::default());
        let mut rec = csv::ByteRecord::new();
        while o.reader.read_byte_record(&mut rec).map_err(csv_err(path))? {
            let line = o.lines.line(&rec).max(1);
            let cut = o.cut();
            match layout.header_row {
                Some(n) if line < n => before += 1,
                Some(n) => {
                    if line == n {
                        found = Some((line, rec.clone(), cut));
                    }
                    break;
                }
                None => {
                    if pick.offer(&lossy_cells(&rec), mapping) {
                        found = Some((line, rec.clone(), cut));
                    }
                    if pick.seen >= HEADER_SCAN_ROWS {
                        break;
                    }
                }
            }
        }
        let no_header = || ImportError::Columns {
            path: path.to_path_buf(),
            message: "no header line: the first line must name the columns".into(),
        };
        let skip = match layout.header_row {
            Some(n) if found.is_none() => {
                return Err(ImportError::Columns {
                    path: path.to_path_buf(),
                    message: format!(
                        "--header-row {n}: no row starts on line {n} (it is blank, inside a quoted cell, or past the end)"
                    ),
                });
            }
            Some(_) => before,
            None => pick.at,
        };
        let (line, header, cut) = found.as_ref().ok_or_else(no_header)?;
        if let Some(c) = cut {
            return Err(ImportError::Columns {
                path: path.to_path_buf(),
                message: format!(
                    "line {line}: the header's column {}: {}",
                    c.column + 1,
                    c.message()
                ),
            });
        }
        let header: Vec<String> = utf8_cells(header, path, *line, &[])?
            .into_iter()
            .map(str::to_string)
            .collect();
        if header.iter().all(|h| h.trim().is_empty()) {
            return Err(no_header());
        }
        if let Some(i) = header.iter().position(|h| h.contains('\0')) {
            return Err(ImportError::Columns {
                path: path.to_path_buf(),
                message: format!(
                    "line {line}: the header's column {} holds a NUL byte, which is never data: \
                     the file is not text in the encoding read (UTF-16? pass --encoding \
                     utf-16le or utf-16be)",
                    i + 1
                ),
            });
        }
        let mut prep = Prepared {
            path: path.to_path_buf(),
            encoding,
            delimiter: o.delimiter,
            plan: ColumnPlan::new(header, mapping),
            total_bytes,
            header_line: *line,
            skip,
        };
        prep.settle_date_orders(layout.date_order)?;
        Ok(prep)
    }

    /// The order of each date column's slash dates: the one given, else
    /// the mapping's, else the one the column's own dates tell (a first
    /// number over 12 says day first, a second one month first). A column
    /// that never tells, or tells both, has none: its ambiguous dates are
    /// refused, naming the flag to pass.
    ///
    /// In the same reading, the decimal mark of each number column: the
    /// one its values show (a value with both marks, several of one kind
    /// between thousands, or one followed by other than three digits). A
    /// column that shows none, or both, has none: its ambiguous values
    /// (`1,200`) are refused, naming both readings.
    fn settle_date_orders(&mut self, given: Option<DateOrder>) -> Result<(), ImportError> {
        let plan = &mut self.plan;
        let dates: Vec<usize> = (0..plan.fields.len())
            .filter(|i| plan.fields[*i].is_some_and(is_date))
            .collect();
        if let Some(o) = given {
            for i in &dates {
                plan.date_orders[*i] = Some(o);
            }
        }
        let open: Vec<usize> = dates
            .into_iter()
            .filter(|i| plan.date_orders[*i].is_none())
            .collect();
        let numbers: Vec<usize> = (0..plan.fields.len())
            .filter(|i| plan.fields[*i].is_some_and(is_number))
            .collect();
        if open.is_empty() && numbers.is_empty() {
            return Ok(());
        }
        let path = self.path.as_path();
        let mut o = open_csv(path, self.encoding, |_| self.delimiter, None)?;
        let mut rec = csv::ByteRecord::new();
        let mut n = 0;
        // (the first date told day first, the first told month first)
        // per open column.
        let mut told: Vec<(Option<String>, Option<String>)> = vec![(None, None); open.len()];
        // (first value with a decimal comma, first with a decimal point)
        // per number column.
        let mut marks: Vec<(Option<String>, Option<String>)> = vec![(None, None); numbers.len()];
        while o.reader.read_byte_record(&mut rec).map_err(csv_err(path))? {
            n += 1;
            // (A row cut short tells nothing; its cells are not all there.)
            if o.cut().is_some() || n <= self.skip + 1 {
                continue;
            }
            for (k, i) in open.iter().enumerate() {
                let Some(cell) = rec.get(*i) else { continue };
                let Ok(cell) = std::str::from_utf8(cell) else {
                    continue;
                };
                let seen = match crate::domain::dates::told_order(cell) {
                    Some(SlashDate::DayFirst) => &mut told[k].0,
                    Some(SlashDate::MonthFirst) => &mut told[k].1,
                    _ => continue,
                };
                if seen.is_none() {
                    *seen = Some(crate::domain::text::truncate(cell.trim(), 40).into_owned());
                }
            }
            for (k, i) in numbers.iter().enumerate() {
                let Some(cell) = rec.get(*i) else { continue };
                // (Only a cell with a mark can tell one.)
                if !cell.iter().any(|b| *b == b',' || *b == b'.') {
                    continue;
                }
                let Ok(cell) = std::str::from_utf8(cell) else {
                    continue;
                };
                let cell = crate::domain::text::csv_unguard(cell).trim();
                // (The number before a unit: `0,45 kg`.)
                let end = cell.find(|c: char| c.is_alphabetic()).unwrap_or(cell.len());
                use crate::domain::weight::{Reading, read_number};
                let seen = match read_number(&cell[..end]) {
                    Some(Reading::Number {
                        tells: Some(DecimalMark::Comma),
                        ..
                    }) => &mut marks[k].0,
                    Some(Reading::Number {
                        tells: Some(DecimalMark::Point),
                        ..
                    }) => &mut marks[k].1,
                    _ => continue,
                };
                if seen.is_none() {
                    *seen = Some(crate::domain::text::truncate(cell, 40).into_owned());
                }
            }
        }
        for (k, i) in numbers.iter().enumerate() {
            // A column headed by its field's own name (`weight_g`,
            // `declared_value`) is interdict's own list, whose numbers
            // have a decimal point: `2.125` KWD and `1.234` g read so (a
            // list of them all with three decimals was refused, "could be
            // 2125 or 2.125", where the README promised it imports back).
            let own = plan.fields[*i].is_some_and(|f| plan.header[*i].trim() == f);
            plan.decimal_marks[*i] = match &marks[k] {
                (Some(_), None) => Some(DecimalMark::Comma),
                (None, Some(_)) => Some(DecimalMark::Point),
                (None, None) if own => Some(DecimalMark::Point),
                _ => None,
            };
            if let (Some(comma), Some(point)) = std::mem::take(&mut marks[k]) {
                plan.marks_disagree[*i] = Some((comma, point));
            }
        }
        for (k, i) in open.iter().enumerate() {
            plan.date_orders[*i] = match &told[k] {
                (Some(_), None) => Some(DateOrder::Dmy),
                (None, Some(_)) => Some(DateOrder::Mdy),
                _ => None,
            };
            if let (Some(day), Some(month)) = std::mem::take(&mut told[k]) {
                plan.orders_disagree[*i] = Some((day, month));
            }
        }
        Ok(())
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
    /// What the row weighs held ([`CHUNK_WEIGHT`]).
    pub(super) weight: usize,
    /// How many cells it has, empty ones past the header's end not
    /// counted ([`used_cells`]).
    pub(super) width: usize,
    /// The row's cells, for the rejects file (second reading only).
    pub(super) cells: Vec<String>,
    /// The columns under an empty header cell at the header's end
    /// ([`ColumnPlan::unnamed`]) where this row has a value (none: no
    /// allocation).
    pub(super) unnamed: Vec<usize>,
    pub(super) parsed: Parsed,
}

pub(super) enum Parsed {
    Blank,
    Rejected(Vec<Problem>),
    Parcel {
        parcel: Box<Parcel>,
        /// Of the imported fields' values, to tell a repeated row from a
        /// conflicting one.
        fp: u64,
        /// Its identifiers, when the reading was asked to work them out
        /// (see [`Keeping::identifiers`]).
        identifiers: Option<Vec<crate::domain::identifiers::Identifier>>,
        /// Identifiers read from cells the parcel was read without (a
        /// screen's row: the phones written in a phone cell that is no
        /// phone, `+7 701 555 01 42 (WhatsApp)`), to be screened beside
        /// the parcel's own.
        found: Vec<crate::domain::identifiers::Identifier>,
        /// What the parcel's own check says of it (`declared_currency: a
        /// declared value without a currency`): imported, and said.
        warnings: Vec<String>,
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

/// What a reading keeps of each row beside its parcel.
#[derive(Debug, Clone, Copy)]
pub(super) struct Keeping {
    /// Hash the file (SHA-256, for the import's source record).
    pub(super) hash: bool,
    /// Keep each row's cells (for the rejects file).
    pub(super) cells: bool,
    /// Fingerprint each parcel's imported values (to tell a repeated row
    /// from a conflicting one).
    pub(super) fingerprint: bool,
    /// A row that is not UTF-8 is a bad row like any other (an import
    /// with --skip-bad, a screen: every bad row is named); else it stops
    /// the reading (an import without --skip-bad refuses the file).
    pub(super) skip_bad: bool,
    /// Work out each parcel's identifiers (its index rows), for the
    /// writer: on this thread, beside the one that writes.
    pub(super) identifiers: bool,
    /// Read a row with a bad cell (not its tracking number's) without
    /// that cell, said in its warnings: a screen looks at the rest.
    pub(super) around_bad: bool,
}

/// Reads and parses the file's rows in order, handing each to `each` with
/// the bytes read so far (`each` returns false to stop). Returns the bytes
/// read and, when asked, the file's SHA-256.
pub(super) fn read_each(
    prep: &Prepared,
    imported: &[&'static str],
    keep: Keeping,
    mut each: impl FnMut(ReadRow, u64) -> bool,
) -> Result<(u64, Option<String>), ImportError> {
    let path = prep.path.as_path();
    let sha = keep.hash.then(|| Rc::new(RefCell::new(Sha256::new())));
    let mut o = open_csv(path, prep.encoding, |_| prep.delimiter, sha.clone())?;
    let mut rec = csv::ByteRecord::new();
    let mut before_data = prep.skip + 1;
    while o.reader.read_byte_record(&mut rec).map_err(csv_err(path))? {
        let line = o.lines.line(&rec);
        let cut = o.cut();
        let weight = rec.as_slice().len() + rec.len() * CELL_WEIGHT as usize;
        let header_width = prep.plan.header.len();
        let width = used_cells(rec.len(), header_width, |i| {
            rec.get(i).is_some_and(|c| c.trim_ascii().is_empty())
        });
        let unnamed = prep
            .plan
            .unnamed
            .iter()
            .copied()
            .filter(|i| rec.get(*i).is_some_and(|c| !c.trim_ascii().is_empty()))
            .collect::<Vec<usize>>();
        if before_data > 0 {
            // The title block and the header.
            before_data -= 1;
            continue;
        }
        // A row with a cell too long to be a value was read only up to
        // it: a bad row, named by its line and that cell's column.
        if let Some(c) = cut {
            // (Its cells over several lines are let go of.)
            o.quoting.borrow_mut().spans_in(line, c.last_line);
            let row = ReadRow {
                line,
                weight,
                width,
                unnamed,
                cells: if keep.cells {
                    lossy_cells(&rec)
                } else {
                    Vec::new()
                },
                parsed: Parsed::Rejected(vec![Problem {
                    field: prep
                        .plan
                        .fields
                        .get(c.column)
                        .copied()
                        .flatten()
                        .map(str::to_string),
                    column: Some(column_name(&prep.plan.header, c.column)),
                    message: c.message(),
                }]),
            };
            if !each(row, o.bytes.get()) {
                break;
            }
            continue;
        }
        // A quoted cell over several lines in a row that is otherwise
        // wrong is a quote missing or extra: the rows it swallowed cannot
        // be told apart, so no row after it can be trusted.
        let last = line + rec.iter().map(line_ends).sum::<u64>();
        if last > line {
            let spans = o.quoting.borrow_mut().spans_in(line, last);
            // (The cells over several lines are the spans, in order.)
            let long = rec.iter().enumerate().filter(|(_, c)| line_ends(c) > 0);
            let tracking = prep.plan.fields.iter().position(|f| *f == Some("tracking"));
            let broken = spans.iter().zip(long).find_map(|(s, (column, cell))| {
                let why = if s.stray {
                    "and text follows its closing quote".to_string()
                } else if width != header_width {
                    format!("and the row has {width} cells, the header {header_width}")
                } else {
                    let rest: Vec<&[u8]> = rec.iter().skip(column + 1).collect();
                    let k = swallowed_row(cell, prep.delimiter, header_width, &rest, tracking)?;
                    format!("and holds whole rows (line {} reads as one)", s.opened + k)
                };
                Some((s, why))
            });
            if let Some((s, why)) = broken {
                return Err(ImportError::Quoting {
                    path: path.to_path_buf(),
                    line: s.opened,
                    message: format!(
                        "a quoted cell opened here closes only on line {}, {why}: a quote is \
                         missing or extra, and the lines in between cannot be told apart as rows",
                        s.closed
                    ),
                });
            }
        }
        // (Which byte is not UTF-8 is looked for only in a row that has one.)
        let cells = utf8_cells(&rec, path, line, &prep.plan.header);
        let bad = if cells.is_err() { bad_byte(&rec) } else { None };
        let row = match (cells, bad) {
            (Ok(cells), _) => {
                let mut parsed = parse_row(&prep.plan, imported, &cells, keep.fingerprint);
                if keep.around_bad
                    && let Parsed::Rejected(problems) = parsed
                {
                    parsed = check::around_bad_cells(&prep.plan, imported, &cells, problems);
                }
                // A cell quoted on one line with text after its closing
                // quote (`"Ромашка" ТОО`): read without its quotes, said.
                let strays = o.quoting.borrow_mut().strays_in(line, last);
                if let Parsed::Parcel { warnings, .. } = &mut parsed {
                    for i in strays {
                        warnings.push(format!(
                            "{}: text follows a closing quote: read as {:?}, the quotes dropped \
                             (a quote inside a quoted cell is written twice)",
                            column_name(&prep.plan.header, i),
                            cut_value(cells.get(i).copied().unwrap_or(""))
                        ));
                    }
                }
                // A row of UTF-8 text in a file read in a one-byte
                // encoding (two systems' exports joined): its cells read
                // as nonsense (`РђР№РіСѓР»СЊ` for `Айгуль`), stored without
                // a word. Said, as a row that is not UTF-8 is in a file
                // read as UTF-8.
                if let Some(enc) = prep.encoding.filter(|e| e.is_single_byte()) {
                    let utf8: Vec<Problem> = cells
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| !c.is_ascii())
                        .filter_map(|(i, c)| {
                            let (bytes, _, unmappable) = enc.encode(c);
                            let text = std::str::from_utf8(&bytes).ok()?;
                            (!unmappable && !text.is_ascii()).then(|| Problem {
                                field: prep
                                    .plan
                                    .fields
                                    .get(i)
                                    .copied()
                                    .flatten()
                                    .map(str::to_string),
                                column: Some(column_name(&prep.plan.header, i)),
                                message: format!(
                                    "is UTF-8 text ({:?}) in a file read as {}: a row from \
                                     another file? save the file in one encoding",
                                    cut_value(text),
                                    enc.name()
                                ),
                            })
                        })
                        .collect();
                    if !utf8.is_empty() {
                        parsed = match parsed {
                            Parsed::Rejected(mut p) => {
                                p.extend(utf8);
                                Parsed::Rejected(p)
                            }
                            _ => Parsed::Rejected(utf8),
                        };
                    }
                }
                // A header again (two exports pasted one under the other):
                // the same one is a row that is not a parcel, said so; one
                // that differs refuses the file, whose rows below it would
                // be read under the first header's columns (phones of the
                // sender as the recipient's, kilograms as grams).
                if let Parsed::Rejected(_) = &parsed
                    && reads_as_header(&cells, &prep.plan)
                {
                    match header_differs(&cells, &prep.plan.header) {
                        None => {
                            parsed = Parsed::Rejected(vec![Problem {
                                field: None,
                                column: None,
                                message: format!(
                                    "repeats the header of line {}: two tables joined? the rows \
                                     below it are read under the same columns",
                                    prep.header_line
                                ),
                            }])
                        }
                        Some(how) => {
                            return Err(ImportError::Columns {
                                path: path.to_path_buf(),
                                message: format!(
                                    "line {line} is another header, not the one of line {} \
                                     ({how}): the rows below it would be read under line {}'s \
                                     columns; the file is refused whole, --skip-bad or not: \
                                     split it at line {line} and import each part",
                                    prep.header_line, prep.header_line
                                ),
                            });
                        }
                    }
                }
                if keep.identifiers
                    && let Parsed::Parcel {
                        parcel,
                        identifiers,
                        ..
                    } = &mut parsed
                {
                    *identifiers = Some(parcel.identifiers());
                }
                ReadRow {
                    line,
                    weight,
                    width,
                    unnamed,
                    cells: if keep.cells {
                        cells.into_iter().map(str::to_string).collect()
                    } else {
                        Vec::new()
                    },
                    parsed,
                }
            }
            // A row that is not UTF-8 is a bad row like any other: each
            // such cell named with its byte, the row's other cells checked
            // as usual; kept in the rejects file as well as it reads.
            (Err(_), Some(_)) if keep.skip_bad => {
                let lossy = lossy_cells(&rec);
                let texts: Vec<&str> = lossy.iter().map(String::as_str).collect();
                let bad: Vec<usize> = (0..rec.len())
                    .filter(|i| rec.get(*i).is_some_and(|c| std::str::from_utf8(c).is_err()))
                    .collect();
                let advice = encoding_advice(rec.as_slice());
                let mut problems: Vec<Problem> = bad
                    .iter()
                    .filter_map(|i| {
                        let cell = rec.get(*i)?;
                        let e = std::str::from_utf8(cell).err()?;
                        Some(Problem {
                            field: prep
                                .plan
                                .fields
                                .get(*i)
                                .copied()
                                .flatten()
                                .map(str::to_string),
                            column: Some(column_name(&prep.plan.header, *i)),
                            message: format!(
                                "not UTF-8 (byte 0x{:02X}, the cell's byte {}); {advice}",
                                cell[e.valid_up_to()],
                                e.valid_up_to() + 1
                            ),
                        })
                    })
                    .collect();
                // (The other cells' problems; the bad cells' own readings
                // of U+FFFD are not theirs.)
                if let Parsed::Rejected(more) = parse_row(&prep.plan, imported, &texts, false) {
                    let named = |p: &Problem| {
                        bad.iter().any(|i| {
                            p.column.as_deref() == Some(&column_name(&prep.plan.header, *i))
                        })
                    };
                    problems.extend(more.into_iter().filter(|p| !named(p)));
                }
                problems.sort_by_key(|p| {
                    p.column
                        .as_deref()
                        .and_then(|c| {
                            (0..rec.len()).find(|i| column_name(&prep.plan.header, *i) == c)
                        })
                        .unwrap_or(usize::MAX)
                });
                ReadRow {
                    line,
                    weight,
                    width,
                    unnamed,
                    cells: if keep.cells { lossy } else { Vec::new() },
                    parsed: Parsed::Rejected(problems),
                }
            }
            (Err(e), _) => return Err(e),
        };
        if !each(row, o.bytes.get()) {
            break;
        }
    }
    let unclosed = o.quoting.borrow_mut().unclosed();
    if let Some((opened, last)) = unclosed {
        return Err(ImportError::Quoting {
            path: path.to_path_buf(),
            line: opened,
            message: format!(
                "a quoted cell opened here is never closed: it runs to the end of the file \
                 (line {last}), and the lines after it cannot be told apart as rows"
            ),
        });
    }
    let bytes = o.bytes.get();
    drop(o);
    Ok((bytes, sha.map(|h| hex(&h.borrow().clone().finalize()))))
}

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
    let keep = Keeping {
        hash: first,
        cells: !first,
        fingerprint: true,
        skip_bad: true,
        identifiers: !first,
        around_bad: false,
    };
    let read = read_in_chunks(
        prep,
        imported,
        keep,
        |row, _| Some(row),
        |rows, bytes| tx.send(Ok(Chunk::Rows(rows, bytes))).is_ok(),
    );
    let _ = tx.send(read.map(|(bytes, sha256)| Chunk::End { sha256, bytes }));
}

/// [`read_each`], each row made into an item by `make` (`None`: passed
/// over) and handed to `send` in chunks of [`CHUNK_ROWS`] (fewer when they
/// weigh [`CHUNK_WEIGHT`]) with the bytes
/// read so far, the last chunk when the file ends (`send` returns false
/// to stop). Returns what [`read_each`] does.
pub(super) fn read_in_chunks<T>(
    prep: &Prepared,
    imported: &[&'static str],
    keep: Keeping,
    mut make: impl FnMut(ReadRow, u64) -> Option<T>,
    send: impl Fn(Vec<T>, u64) -> bool,
) -> Result<(u64, Option<String>), ImportError> {
    let mut chunk = Vec::with_capacity(CHUNK_ROWS);
    let mut weight = 0;
    let read = read_each(prep, imported, keep, |row, bytes| {
        weight += row.weight;
        if let Some(item) = make(row, bytes) {
            chunk.push(item);
        }
        // (Sent sooner when its rows are large.)
        if chunk.len() == CHUNK_ROWS || (weight >= CHUNK_WEIGHT && !chunk.is_empty()) {
            weight = 0;
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_ROWS));
            return send(full, bytes);
        }
        true
    })?;
    if !chunk.is_empty() {
        send(chunk, read.0);
    }
    Ok(read)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The quote tracker follows the parser: a quote opens a cell only at
    /// its start, two quotes in one are a quote, and a cell over several
    /// lines is told by where it opened and closed.
    #[test]
    fn quoting_is_followed_as_the_parser_reads() {
        let fed = |text: &str| {
            let mut q = Quoting::new(b',');
            // (In two reads, cut inside the text, as a reader may.)
            let (a, b) = text.as_bytes().split_at(text.len() / 2);
            q.feed(a);
            q.feed(b);
            let unclosed = q.unclosed();
            (q.spans.into_iter().collect::<Vec<_>>(), unclosed)
        };
        let span = |opened, closed, stray| Span {
            opened,
            closed,
            stray,
        };
        assert_eq!(fed("a,b\n1,\"x\ny\",2\n"), (vec![span(2, 3, false)], None));
        assert_eq!(fed("a,b\n1,\"x \"\"q\"\"\",2\n"), (vec![], None));
        assert_eq!(
            fed("a,b\n1,x\"y\n2,3\n"),
            (vec![], None),
            "a quote inside a cell"
        );
        assert_eq!(fed("a,b\n1,\"x\n2,\"y,3\n"), (vec![span(2, 3, true)], None));
        assert_eq!(fed("a,b\n1,\"x\n2,3\n"), (vec![], Some((2, 3))));
        assert_eq!(fed("a,b\n1,\"x\n2,3"), (vec![], Some((2, 3))));
        assert_eq!(
            fed("a,b\r\n1,\"x\r\ny\"\r\n"),
            (vec![span(2, 3, false)], None)
        );
    }

    #[test]
    fn a_cell_holding_a_whole_row_swallowed_it() {
        let swallowed = |cell: &[u8], width| swallowed_row(cell, b',', width, &[], None);
        assert_eq!(swallowed(b"Oops,450\nRR1,C,450\nRR2,D", 3), Some(1));
        assert_eq!(swallowed(b"12 Main St\nAlmaty, KZ", 3), None);
        assert_eq!(swallowed(b"a\nb, c\nd", 3), None);
        // The row swallowed is the cell's last line, its closing quote a
        // stray one at its end (the row was imported into the cell above).
        assert_eq!(swallowed(b"tea\nEE123456785KZ,C,D,books,100", 5), Some(1));
        assert_eq!(swallowed(b"12 Main St\nAlmaty, KZ, 050000", 5), None);
        assert_eq!(swallowed(b"a\nb,c\nd", 2), None, "too narrow to tell");
        // The next row's cells up to the quote, the rest after it: with
        // a tracking number where the tracking column is, first or last,
        // postal or a courier's.
        let cell = b"tea sample,100\nRR000009013CN,Aigul Nurlanova,Almaty Tole bi 3,LCD monitor 15";
        assert_eq!(swallowed_row(cell, b',', 5, &[b"2500"], Some(0)), Some(1));
        let last = b"Tablet 10,450,RA123456785CN\nPetr,Monitor 15";
        assert_eq!(
            swallowed_row(last, b',', 4, &[b"300", b"RB123456799CN"], Some(3)),
            Some(1)
        );
        let ups = b"Tablet 10\n1Z999AA10123456784,Monitor 15";
        assert_eq!(swallowed_row(ups, b',', 3, &[b"300"], Some(0)), Some(1));
        let two = b"Tablet\nRB123456799CN,Monitor 15";
        assert_eq!(
            swallowed_row(two, b',', 2, &[], Some(0)),
            Some(1),
            "two columns"
        );
        // Not without a tracking number there, nor when the cells do not
        // make a row: an address over two lines.
        let bad = b"tea\nRR000009014CN,Aigul Nurlanova,Almaty Tole bi 3,LCD monitor 15";
        assert_eq!(
            swallowed_row(bad, b',', 5, &[b"2500"], Some(0)),
            None,
            "bad check digit"
        );
        assert_eq!(
            swallowed_row(b"Abaya 5,\nAlmaty, KZ, 050000", b',', 5, &[b"250"], Some(0)),
            None
        );
        assert_eq!(
            swallowed_row(
                b"Abaya 5\nMedeu district, Almaty",
                b',',
                3,
                &[b"250"],
                Some(0)
            ),
            None,
            "a place name is no tracking number"
        );
        assert_eq!(
            swallowed_row(cell, b',', 5, &[], Some(0)),
            None,
            "a cell short"
        );
    }

    /// The encoding suggested for bytes that are not UTF-8 follows how
    /// they lie: Cyrillic words are runs of them, Western accented
    /// letters stand alone among ASCII ones.
    #[test]
    fn the_encoding_suggested_follows_the_bytes() {
        let (cyr, _, _) = encoding_rs::WINDOWS_1251.encode("RR1,Иван Петров в Москве");
        assert!(encoding_advice(&cyr).contains("windows-1251"), "Cyrillic");
        assert!(!encoding_advice(&cyr).contains("gbk"), "Cyrillic");
        // Chinese in GBK is pairs too: GBK is said (it was told Cyrillic).
        let (zh, _, _) = encoding_rs::GBK.encode("RR1,王小明,广州市天河区,手机壳");
        assert!(
            encoding_advice(&zh).contains("--encoding gbk"),
            "{}",
            encoding_advice(&zh)
        );
        let (west, _, _) = encoding_rs::WINDOWS_1252.encode("RR1,Jörg Müller, Straße 5");
        let advice = encoding_advice(&west);
        assert!(
            advice.contains("windows-1252") && !advice.contains("1251"),
            "{advice}"
        );
        // Valid UTF-8 beside a bad byte does not count as a run.
        let mixed = ["Алматы,".as_bytes(), b"J\xf6rg"].concat();
        assert!(encoding_advice(&mixed).contains("windows-1252"));
        let both = encoding_advice(b"a\xc0\xc1 b\xf6c d\xe9f");
        assert!(
            both.contains("windows-1252") && both.contains("windows-1251"),
            "{both}"
        );
    }

    /// Cells are text each: two cells that are text only together (a
    /// character cut between them) are not.
    #[test]
    fn each_cell_is_checked_as_text() {
        let path = Path::new("m.csv");
        let rec = csv::ByteRecord::from(vec!["Алматы".as_bytes(), b"", b"KZ"]);
        assert_eq!(
            utf8_cells(&rec, path, 2, &[]).unwrap(),
            ["Алматы", "", "KZ"]
        );
        let cut = "А".as_bytes();
        let rec = csv::ByteRecord::from(vec![&cut[..1], &cut[1..]]);
        assert!(std::str::from_utf8(rec.as_slice()).is_ok(), "text together");
        assert!(matches!(
            utf8_cells(&rec, path, 3, &[]),
            Err(ImportError::NotUtf8 { line: 3, .. })
        ));
        let rec = csv::ByteRecord::from(vec![&b"ok"[..], &b"\xff"[..]]);
        assert!(utf8_cells(&rec, path, 4, &[]).is_err());
    }
}
