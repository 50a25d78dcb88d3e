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

use crate::domain::fields::FieldError;
use crate::domain::record::new_record;
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
    #[error("{}: line {line}: not UTF-8; pass --encoding windows-1251 or the file's encoding", .path.display())]
    NotUtf8 { path: PathBuf, line: u64 },
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
    #[error("{}: {message}", .path.display())]
    Changed { path: PathBuf, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
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

/// Headers people use for each parcel field, besides the field's own name
/// and label. Matched ignoring case, spaces and punctuation. A bare
/// "weight" is left out on purpose: its unit is unknown.
const ALIASES: &[(&str, &[&str])] = &[
    (
        "tracking",
        &[
            "tracking number",
            "tracking no",
            "tracking id",
            "tracking code",
            "track",
            "track number",
            "waybill",
            "waybill number",
            "waybill no",
            "awb",
            "air waybill",
            "item id",
            "item number",
            "item no",
            "consignment no",
            "consignment number",
            "shipment number",
            "shipment id",
            "parcel number",
            "parcel id",
            "barcode",
            "num envoi",
            "numero envoi",
            "trek nomer",
        ],
    ),
    ("carrier", &["courier", "operator", "postal operator"]),
    ("service", &["service type", "mail class", "product"]),
    (
        "origin",
        &[
            "origin",
            "country of origin",
            "origin country code",
            "from country",
            "sender country",
            "dispatch country",
            "departure country",
        ],
    ),
    ("transit", &["transit", "transit country", "via"]),
    (
        "destination",
        &[
            "destination",
            "destination country code",
            "to country",
            "recipient country",
            "consignee country",
            "dest country",
        ],
    ),
    (
        "sender_name",
        &[
            "sender",
            "shipper",
            "shipper name",
            "from name",
            "consignor",
            "consignor name",
        ],
    ),
    (
        "sender_address",
        &["shipper address", "from address", "consignor address"],
    ),
    (
        "sender_phone",
        &[
            "sender tel",
            "sender telephone",
            "sender mobile",
            "shipper tel",
            "shipper phone",
            "shipper telephone",
            "from phone",
            "from tel",
            "consignor phone",
            "consignor tel",
        ],
    ),
    (
        "sender_email",
        &[
            "sender mail",
            "shipper email",
            "from email",
            "consignor email",
        ],
    ),
    (
        "recipient_name",
        &[
            "recipient",
            "consignee",
            "consignee name",
            "addressee",
            "addressee name",
            "receiver",
            "receiver name",
            "to name",
        ],
    ),
    (
        "recipient_address",
        &[
            "consignee address",
            "addressee address",
            "receiver address",
            "delivery address",
            "to address",
        ],
    ),
    (
        "recipient_phone",
        &[
            "recipient tel",
            "recipient telephone",
            "recipient mobile",
            "consignee phone",
            "consignee tel",
            "receiver phone",
            "receiver tel",
            "addressee phone",
            "to phone",
            "to tel",
        ],
    ),
    (
        "recipient_email",
        &[
            "recipient mail",
            "consignee email",
            "receiver email",
            "addressee email",
            "to email",
        ],
    ),
    (
        "customs_form",
        &["customs declaration", "declaration form", "cn form", "form"],
    ),
    (
        "declared_category",
        &["category", "category of item", "item category"],
    ),
    (
        "declared_contents",
        &[
            "declared content",
            "declared",
            "contents",
            "content",
            "description",
            "description of contents",
            "goods description",
            "item description",
        ],
    ),
    ("declared_value", &["value", "customs value", "item value"]),
    ("declared_currency", &["value currency"]),
    (
        "hs_code",
        &[
            "hs",
            "hs tariff number",
            "tariff code",
            "tariff number",
            "commodity code",
        ],
    ),
    (
        "weight_g",
        &[
            "weight g",
            "weight gr",
            "weight grams",
            "weight in grams",
            "gross weight g",
            "net weight g",
            "mass g",
        ],
    ),
    (
        "concealment",
        &["concealment method", "method of concealment", "hidden in"],
    ),
    (
        "found_contents",
        &[
            "found",
            "contents found",
            "actual contents",
            "seized contents",
            "substance found",
        ],
    ),
    ("status", &["parcel status", "state"]),
    (
        "seized_place",
        &[
            "seized place",
            "seizure place",
            "place of seizure",
            "seizure location",
            "seized where",
        ],
    ),
    (
        "seized_on",
        &[
            "seizure date",
            "date of seizure",
            "seized date",
            "date seized",
        ],
    ),
];

/// A header reduced to what matters for recognising it: `Sender E-mail`,
/// `sender_email` and `SENDER EMAIL` all become `senderemail`.
fn header_key(h: &str) -> String {
    fold(h).replace(' ', "")
}

/// The parcel field a header names, if it is one people commonly use.
pub fn recognise(header: &str) -> Option<&'static str> {
    let key = header_key(header);
    if key.is_empty() {
        return None;
    }
    for spec in Parcel::FIELDS {
        if header_key(spec.name) == key || header_key(spec.label) == key {
            return Some(spec.name);
        }
    }
    ALIASES
        .iter()
        .find(|(_, aliases)| aliases.iter().any(|a| header_key(a) == key))
        .map(|(field, _)| *field)
}

/// The delimiter a header line uses: whichever of `,` `;` tab `|` occurs
/// most often outside quotes in the first line; `,` when none does.
pub fn sniff_delimiter(head: &[u8]) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for &b in head {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = CANDIDATES.iter().position(|c| *c == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let mut best = 0;
    for i in 1..CANDIDATES.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    CANDIDATES[best]
}

/// The byte a delimiter character stands for.
pub fn delimiter_byte(c: char) -> Result<u8, ImportError> {
    u8::try_from(c)
        .ok()
        .filter(|b| b.is_ascii() && *b != b'"' && *b != b'\n' && *b != b'\r')
        .ok_or_else(|| ImportError::BadDelimiter(c.to_string()))
}

/// An encoding by its WHATWG label (`windows-1251`, `cp1251`, `koi8-r`...).
pub fn encoding_for(label: &str) -> Result<&'static Encoding, ImportError> {
    Encoding::for_label(label.trim().as_bytes())
        .ok_or_else(|| ImportError::UnknownEncoding(label.to_string()))
}

// ---------------------------------------------------------------------
// Mapping files

/// Which column fills which parcel field, and values every row gets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapping {
    pub delimiter: Option<u8>,
    pub encoding: Option<String>,
    /// Column header -> field name; an empty field name ignores the column.
    pub columns: Vec<(String, String)>,
    /// Field name -> value, for every row whose own cell is empty.
    pub defaults: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    delimiter: Option<toml::Spanned<String>>,
    encoding: Option<toml::Spanned<String>>,
    #[serde(default)]
    columns: BTreeMap<String, toml::Spanned<String>>,
    #[serde(default)]
    defaults: BTreeMap<String, toml::Spanned<String>>,
}

fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

impl Mapping {
    /// Reads a mapping file's text; errors name the file and line.
    pub fn parse(text: &str, path: &Path) -> Result<Mapping, ImportError> {
        let err = |offset: usize, message: String| ImportError::Mapping {
            path: path.to_path_buf(),
            line: line_at(text, offset),
            message,
        };
        let file: MappingFile = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            err(at, e.message().trim().to_string())
        })?;
        let mut m = Mapping::default();
        if let Some(d) = &file.delimiter {
            let s = d.get_ref();
            let c = match s.as_str() {
                "tab" | "\\t" => '\t',
                _ => {
                    let mut cs = s.chars();
                    match (cs.next(), cs.next()) {
                        (Some(c), None) => c,
                        _ => {
                            return Err(err(
                                d.span().start,
                                format!("delimiter {s:?}: must be one character"),
                            ));
                        }
                    }
                }
            };
            m.delimiter = Some(delimiter_byte(c).map_err(|e| err(d.span().start, e.to_string()))?);
        }
        if let Some(e) = &file.encoding {
            encoding_for(e.get_ref()).map_err(|x| err(e.span().start, x.to_string()))?;
            m.encoding = Some(e.get_ref().clone());
        }
        let mut used: HashMap<&str, (&str, usize)> = HashMap::new();
        for (column, field) in &file.columns {
            let name = field.get_ref().trim();
            let at = field.span().start;
            if name.is_empty() {
                m.columns.push((column.clone(), String::new()));
                continue;
            }
            let spec =
                Parcel::field(name).map_err(|e| err(at, format!("column {column:?}: {e}")))?;
            if let Some((other, line)) = used.insert(spec.name, (column, line_at(text, at))) {
                return Err(err(
                    at,
                    format!(
                        "columns {other:?} (line {line}) and {column:?} both fill {}",
                        spec.name
                    ),
                ));
            }
            m.columns.push((column.clone(), spec.name.to_string()));
        }
        for (name, value) in &file.defaults {
            let at = value.span().start;
            let spec = Parcel::field(name).map_err(|e| err(at, format!("[defaults] {e}")))?;
            if spec.name == "tracking" {
                return Err(err(
                    at,
                    "[defaults] tracking: every parcel needs its own tracking number".into(),
                ));
            }
            spec.parse(value.get_ref())
                .map_err(|e| err(at, format!("[defaults] {e}")))?;
            m.defaults
                .push((spec.name.to_string(), value.get_ref().clone()));
        }
        Ok(m)
    }

    /// The mapping as a TOML file a person can edit and pass to `--mapping`.
    pub fn to_toml(&self) -> String {
        let q = |s: &str| toml::Value::String(s.to_string()).to_string();
        let mut out = String::from(
            "# interdict CSV mapping: column header = parcel field (\"\" ignores the column).\n\
             # Fields: `interdict fields parcel`. [defaults] fill empty cells of every row.\n",
        );
        if let Some(d) = self.delimiter {
            let s = if d == b'\t' {
                "tab".to_string()
            } else {
                char::from(d).to_string()
            };
            out.push_str(&format!("delimiter = {}\n", q(&s)));
        }
        if let Some(e) = &self.encoding {
            out.push_str(&format!("encoding = {}\n", q(e)));
        }
        out.push_str("\n[columns]\n");
        for (c, f) in &self.columns {
            out.push_str(&format!("{} = {}\n", q(c), q(f)));
        }
        if !self.defaults.is_empty() {
            out.push_str("\n[defaults]\n");
            for (f, v) in &self.defaults {
                out.push_str(&format!("{f} = {}\n", q(v)));
            }
        }
        out
    }
}

// ---------------------------------------------------------------------
// Columns

/// How the file's columns are used.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnPlan {
    /// The header, as read.
    pub header: Vec<String>,
    /// For each column, the field it fills.
    pub fields: Vec<Option<&'static str>>,
    /// Columns read but not used (named; `(column N)` when unnamed).
    pub ignored: Vec<String>,
    /// Columns a mapping names that the file does not have.
    pub missing: Vec<String>,
    /// Values every row gets where its own cell is empty.
    pub defaults: Vec<(&'static str, String)>,
    /// Two columns filling one field.
    conflicts: Vec<String>,
}

fn column_name(header: &[String], i: usize) -> String {
    match header.get(i).map(|h| h.trim()) {
        Some(h) if !h.is_empty() => h.to_string(),
        _ => format!("(column {})", i + 1),
    }
}

impl ColumnPlan {
    /// Assigns columns to fields: by the mapping when one is given (other
    /// columns are ignored), otherwise by recognising the headers.
    pub fn new(header: Vec<String>, mapping: Option<&Mapping>) -> ColumnPlan {
        let mut fields: Vec<Option<&'static str>> = vec![None; header.len()];
        let mut ignored = Vec::new();
        let mut missing = Vec::new();
        let mut conflicts = Vec::new();
        let mut defaults = Vec::new();
        let field_of = |name: &str| Parcel::FIELDS.iter().find(|f| f.name == name);
        match mapping {
            Some(m) => {
                for (col, field) in &m.columns {
                    let exact: Vec<usize> = (0..header.len())
                        .filter(|i| header[*i].trim() == col.trim())
                        .collect();
                    let found = if exact.is_empty() {
                        (0..header.len())
                            .filter(|i| {
                                !header_key(col).is_empty()
                                    && header_key(&header[*i]) == header_key(col)
                            })
                            .collect()
                    } else {
                        exact
                    };
                    if found.is_empty() && !field.is_empty() {
                        missing.push(col.clone());
                    }
                    if let Some(spec) = field_of(field) {
                        for i in found {
                            fields[i] = Some(spec.name);
                        }
                    }
                }
                for (f, v) in &m.defaults {
                    if let Some(spec) = field_of(f) {
                        defaults.push((spec.name, v.clone()));
                    }
                }
            }
            None => {
                for (i, h) in header.iter().enumerate() {
                    fields[i] = recognise(h);
                }
            }
        }
        for (i, f) in fields.iter().enumerate() {
            match f {
                None => ignored.push(column_name(&header, i)),
                Some(f) => {
                    if let Some(j) = fields[..i].iter().position(|g| g == &Some(*f)) {
                        conflicts.push(format!(
                            "columns {:?} and {:?} both fill {f}",
                            column_name(&header, j),
                            column_name(&header, i)
                        ));
                    }
                }
            }
        }
        ColumnPlan {
            header,
            fields,
            ignored,
            missing,
            defaults,
            conflicts,
        }
    }

    /// Refuses a plan that cannot import: no tracking column, or two
    /// columns for one field.
    pub fn check(&self, path: &Path) -> Result<(), ImportError> {
        let err = |message: String| ImportError::Columns {
            path: path.to_path_buf(),
            message,
        };
        if let Some(c) = self.conflicts.first() {
            return Err(err(format!(
                "{c}; say which with --mapping (--save-mapping writes one to edit)"
            )));
        }
        for spec in Parcel::FIELDS.iter().filter(|f| f.required) {
            let has_column = self.fields.contains(&Some(spec.name));
            let has_default =
                spec.default.is_some() || self.defaults.iter().any(|(f, _)| *f == spec.name);
            if !has_column && !has_default {
                let cols: Vec<String> = (0..self.header.len())
                    .map(|i| format!("{:?}", column_name(&self.header, i)))
                    .collect();
                return Err(err(format!(
                    "no {} column ({}): none of the columns {} is recognised as one; \
                     rename it (e.g. \"Tracking number\") or map it with --mapping \
                     (--save-mapping writes one to edit)",
                    spec.name,
                    spec.label,
                    cols.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// The mapping this plan amounts to, for `--save-mapping`.
    pub fn to_mapping(&self, delimiter: u8, encoding: Option<&str>) -> Mapping {
        let mut seen = std::collections::HashSet::new();
        let columns = (0..self.header.len())
            .filter_map(|i| {
                let name = self.header[i].trim().to_string();
                (!name.is_empty() && seen.insert(name.clone()))
                    .then(|| (name, self.fields[i].unwrap_or("").to_string()))
            })
            .collect();
        Mapping {
            delimiter: (delimiter != b',').then_some(delimiter),
            encoding: encoding.map(str::to_string),
            columns,
            defaults: self
                .defaults
                .iter()
                .map(|(f, v)| (f.to_string(), v.clone()))
                .collect(),
        }
    }

    fn column_of(&self, field: &str) -> Option<String> {
        self.fields
            .iter()
            .position(|f| *f == Some(field))
            .map(|i| column_name(&self.header, i))
    }

    /// The fields an import sets, whose values decide whether a row is a
    /// duplicate of a parcel already in the notebook.
    fn imported_fields(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = self.fields.iter().flatten().copied().collect();
        out.extend(self.defaults.iter().map(|(f, _)| *f));
        out.sort_unstable();
        out.dedup();
        out
    }
}

// ---------------------------------------------------------------------
// Reading

/// Counts (and optionally hashes) the raw bytes read from the file.
struct Tap<R> {
    inner: R,
    bytes: Rc<Cell<u64>>,
    hash: Option<Rc<RefCell<Sha256>>>,
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

type Decoded = encoding_rs_io::DecodeReaderBytes<Tap<File>, Vec<u8>>;
type CsvReader = csv::Reader<Terminators<io::Chain<Cursor<Vec<u8>>, Decoded>>>;

/// Remembers where line-ending bytes are in the text the CSV parser reads.
/// The parser's record position is where it started looking, which is
/// before the line ending of the previous row (CRLF) and before any blank
/// lines; the true line of a row counts those too.
struct Terminators<R> {
    inner: R,
    offset: u64,
    seen: Rc<RefCell<VecDeque<(u64, u8)>>>,
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
struct LineFinder(Rc<RefCell<VecDeque<(u64, u8)>>>);

impl LineFinder {
    fn line(&self, rec: &csv::ByteRecord) -> u64 {
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

struct Opened {
    reader: CsvReader,
    delimiter: u8,
    bytes: Rc<Cell<u64>>,
    lines: LineFinder,
}

/// Opens the file as UTF-8 text: decoded from `encoding` when given, from
/// UTF-16 when a byte-order mark says so, passed through unchanged (and
/// checked row by row) otherwise. A UTF-8 byte-order mark is dropped.
fn open_csv(
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

fn utf8_cells<'r>(
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

/// A bad row: where, which field (and column), and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub field: Option<String>,
    pub column: Option<String>,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}", self.line)?;
        match (&self.field, &self.column) {
            (Some(field), Some(col)) => write!(f, ", {field} (column {col:?})")?,
            (Some(field), None) => write!(f, ", {field}")?,
            _ => {}
        }
        write!(f, ": {}", self.message)
    }
}

enum Verdict {
    Blank,
    New(Box<Parcel>),
    Duplicate,
    Rejected(RowError),
}

struct Checker<'a> {
    plan: &'a ColumnPlan,
    imported: Vec<&'static str>,
    /// Tracking number -> (line, fingerprint of its imported values) of the
    /// first row that had it.
    first: HashMap<Box<str>, (u64, u64)>,
}

fn values_of(p: &Parcel, fields: &[&'static str]) -> Vec<Value> {
    let map = match serde_json::to_value(p) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    fields
        .iter()
        .map(|f| map.get(*f).cloned().unwrap_or(Value::Null))
        .collect()
}

fn fingerprint(values: &[Value]) -> u64 {
    let mut h = DefaultHasher::new();
    for v in values {
        v.to_string().hash(&mut h);
    }
    h.finish()
}

fn shown(v: &Value) -> String {
    match v {
        Value::Null => "(empty)".into(),
        Value::String(s) => format!("{:?}", truncate(s, 40)),
        other => other.to_string(),
    }
}

impl<'a> Checker<'a> {
    fn new(plan: &'a ColumnPlan) -> Checker<'a> {
        Checker {
            plan,
            imported: plan.imported_fields(),
            first: HashMap::new(),
        }
    }

    fn reject(&self, line: u64, field: Option<&str>, message: String) -> Verdict {
        let column = field.and_then(|f| {
            self.plan.column_of(f).or_else(|| {
                self.plan
                    .defaults
                    .iter()
                    .any(|(d, _)| *d == f)
                    .then(|| "[defaults] of the mapping".to_string())
            })
        });
        Verdict::Rejected(RowError {
            line,
            field: field.map(str::to_string),
            column,
            message,
        })
    }

    /// Judges one row read and parsed by [`read_rows`]. `settled` is true
    /// on the second reading, when the first row of every tracking number
    /// is already known.
    fn judge(
        &mut self,
        conn: &rusqlite::Connection,
        line: u64,
        parsed: Parsed,
        settled: bool,
    ) -> Result<Verdict, StoreError> {
        let (parcel, fp) = match parsed {
            Parsed::Blank => return Ok(Verdict::Blank),
            Parsed::Rejected { field, message } => {
                return Ok(self.reject(line, field.as_deref(), message));
            }
            Parsed::Parcel { parcel, fp } => (parcel, fp),
        };
        let first = self.first.get(parcel.tracking.as_str()).copied();
        match first {
            Some((l, f)) if l != line => {
                return Ok(if f == fp {
                    Verdict::Duplicate
                } else {
                    self.reject(
                        line,
                        Some("tracking"),
                        format!(
                            "{} is on line {l} too, with different values; the first row wins",
                            parcel.tracking
                        ),
                    )
                });
            }
            Some(_) => {}
            None => {
                if settled {
                    // Only if the file changed between the two readings.
                    tracing::warn!(line, "row not seen on the first reading");
                }
                self.first
                    .insert(parcel.tracking.clone().into_boxed_str(), (line, fp));
            }
        }
        let existing =
            records::list_where::<Parcel, _>(conn, "tracking = ?1", [&parcel.tracking], 1, 0)?;
        if let Some(old) = existing.first() {
            let mine = values_of(&parcel, &self.imported);
            let theirs = values_of(old, &self.imported);
            let differing: Vec<String> = self
                .imported
                .iter()
                .zip(mine.iter().zip(theirs.iter()))
                .filter(|(_, (a, b))| a != b)
                .map(|(f, (a, b))| format!("{f} (file {}, notebook {})", shown(a), shown(b)))
                .collect();
            if differing.is_empty() {
                return Ok(Verdict::Duplicate);
            }
            return Ok(self.reject(
                line,
                Some("tracking"),
                format!(
                    "parcel {} is already in the notebook (id {}) with other values: {}; edit it there",
                    parcel.tracking,
                    old.meta.id,
                    differing.join(", ")
                ),
            ));
        }
        Ok(Verdict::New(parcel))
    }
}

/// Parses one row into a parcel, with nothing but the row: this runs on
/// the reading thread, beside the one that writes.
fn parse_row(plan: &ColumnPlan, imported: &[&'static str], cells: &[&str]) -> Parsed {
    let blank = cells.iter().all(|c| c.trim().is_empty());
    if blank {
        return Parsed::Blank;
    }
    let width = plan.header.len();
    if cells.len() != width {
        return Parsed::Rejected {
            field: None,
            message: format!("the row has {} cells, the header {width}", cells.len()),
        };
    }
    // A spreadsheet cell typed with line breaks (an address over three
    // lines) goes into a one-line field with its lines joined by ", ".
    let joined: Vec<std::borrow::Cow<'_, str>> = cells
        .iter()
        .enumerate()
        .map(|(i, cell)| match plan.fields[i] {
            Some(f) if cell.contains(['\n', '\r']) && is_one_line(f) => cell
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
                .into(),
            _ => std::borrow::Cow::Borrowed(*cell),
        })
        .collect();
    let mut values: Vec<(&str, &str)> = Vec::with_capacity(width);
    for (i, cell) in joined.iter().enumerate() {
        if let Some(f) = plan.fields[i]
            && !cell.trim().is_empty()
        {
            values.push((f, cell));
        }
    }
    for (f, v) in &plan.defaults {
        if !values.iter().any(|(g, _)| g == f) {
            values.push((f, v));
        }
    }
    match new_record::<Parcel>(&values) {
        Ok((parcel, _warnings)) => {
            let fp = fingerprint(&values_of(&parcel, imported));
            Parsed::Parcel {
                parcel: Box::new(parcel),
                fp,
            }
        }
        Err(FieldError { field, message }) => Parsed::Rejected {
            field: Some(field),
            message,
        },
    }
}

/// A row as the reading thread hands it over.
struct ReadRow {
    line: u64,
    /// The row's cells, for the rejects file (second reading only).
    cells: Vec<String>,
    parsed: Parsed,
}

enum Parsed {
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
enum Chunk {
    Rows(Vec<ReadRow>, u64),
    End { sha256: Option<String>, bytes: u64 },
}

/// Rows per message from the reading thread.
const CHUNK_ROWS: usize = 256;

/// Reads and parses the file's rows in order, sending them in chunks; the
/// second core parses while the first checks and writes. The first
/// reading (`first`) hashes the file; the second keeps each row's cells,
/// which a rejected row is written to the rejects file with. Stops quietly
/// when the receiver is gone.
fn read_rows(
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
struct Rows {
    rx: std::sync::mpsc::Receiver<Result<Chunk, ImportError>>,
    buf: std::vec::IntoIter<ReadRow>,
    bytes: u64,
    sha256: Option<String>,
}

impl Rows {
    fn new(rx: std::sync::mpsc::Receiver<Result<Chunk, ImportError>>) -> Rows {
        Rows {
            rx,
            buf: Vec::new().into_iter(),
            bytes: 0,
            sha256: None,
        }
    }

    fn next(&mut self) -> Result<Option<ReadRow>, ImportError> {
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

/// What the importer is doing, for a progress line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Checking,
    Writing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    pub rows: u64,
    pub bytes_read: u64,
    pub total_bytes: u64,
    pub imported: u64,
    pub duplicates: u64,
    pub rejected: u64,
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Import the good rows when some are bad, writing the bad ones to
    /// `rejects`.
    pub skip_bad: bool,
    /// Where bad rows go [default: FILE.rejects.csv].
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Good rows were written.
    Imported,
    /// Some rows are bad and `skip_bad` was not given: nothing written.
    Refused,
    /// Checked only.
    DryRun,
}

/// What an import did. `read` = `new` + `duplicates` + `rejected` + `blank`.
#[derive(Debug, Clone, Serialize)]
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
    pub ignored_columns: Vec<String>,
    pub missing_columns: Vec<String>,
    /// The first bad rows (all are counted in `rejected`).
    pub errors: Vec<RowError>,
    pub rejects_file: Option<String>,
    pub delimiter: String,
    pub encoding: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ColumnUse {
    pub column: String,
    pub field: &'static str,
}

/// Where bad rows go by default: `seizures.csv` -> `seizures.rejects.csv`.
/// Whether a parcel field takes one line of text only.
fn is_one_line(field: &str) -> bool {
    Parcel::FIELDS
        .iter()
        .any(|f| f.name == field && f.kind == crate::domain::fields::FieldKind::Text)
}

pub fn default_rejects_path(file: &Path) -> PathBuf {
    file.with_extension("rejects.csv")
}

/// The rejects file, created when the first bad row is written: the
/// original columns plus `line` and `error`.
struct Rejects {
    path: PathBuf,
    delimiter: u8,
    header: Vec<String>,
    writer: Option<csv::Writer<File>>,
}

impl Rejects {
    fn push(&mut self, cells: &[&str], e: &RowError) -> Result<(), ImportError> {
        let path = self.path.clone();
        if self.writer.is_none() {
            let mut w = csv::WriterBuilder::new()
                .delimiter(self.delimiter)
                .flexible(true)
                .from_path(&path)
                .map_err(csv_err(&path))?;
            let mut h: Vec<&str> = self.header.iter().map(String::as_str).collect();
            h.extend(["line", "error"]);
            w.write_record(&h).map_err(csv_err(&path))?;
            self.writer = Some(w);
        }
        if let Some(w) = &mut self.writer {
            let line = e.line.to_string();
            let msg = e.to_string();
            let mut row: Vec<&str> = cells.to_vec();
            // Short rows are padded so `line` and `error` stay in their columns.
            while row.len() < self.header.len() {
                row.push("");
            }
            row.push(&line);
            row.push(&msg);
            w.write_record(&row).map_err(csv_err(&path))?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), ImportError> {
        if let Some(w) = &mut self.writer {
            w.flush().map_err(io_err(&self.path))?;
        }
        Ok(())
    }
}

#[derive(Default)]
struct Counts {
    read: u64,
    new: u64,
    imported: u64,
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
    store.bulk(|store| run_in(store, prep, opts, progress))?
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
            imported: c.imported,
            duplicates: c.duplicates,
            rejected: c.rejected,
        })
    };

    // First reading: check every row, write nothing.
    // The receiving end lives inside the scope: on any early return it is
    // dropped first, so the reading thread's next send fails and it ends
    // instead of waiting on a full channel for ever.
    let (reader, rows) = reading(true);
    let (sha256, bytes) = std::thread::scope(|scope| -> Result<_, ImportError> {
        scope.spawn(reader);
        let mut rows = rows;
        while let Some(row) = rows.next()? {
            counts.read += 1;
            match checker.judge(store.conn(), row.line, row.parsed, false)? {
                Verdict::Blank => counts.blank += 1,
                Verdict::New(_) => counts.new += 1,
                Verdict::Duplicate => counts.duplicates += 1,
                Verdict::Rejected(e) => {
                    counts.rejected += 1;
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
                })
            })
            .collect(),
        ignored_columns: plan.ignored.clone(),
        missing_columns: plan.missing.clone(),
        errors,
        rejects_file: None,
        delimiter: char::from(prep.delimiter).to_string(),
        encoding: prep.encoding.map_or("UTF-8", |e| e.name()).to_string(),
    };
    if opts.dry_run {
        return Ok(report);
    }
    if counts.rejected > 0 && !opts.skip_bad {
        report.outcome = Outcome::Refused;
        return Ok(report);
    }
    if same_file(&rejects_path, path) {
        return Err(ImportError::Columns {
            path: path.to_path_buf(),
            message: "the rejects file would overwrite the file being imported; pass --rejects"
                .into(),
        });
    }

    // Second reading: write in batches of whole rows.
    let source_id = Uuid::now_v7();
    let file_name = path.display().to_string();
    let mut rejects = Rejects {
        path: rejects_path,
        delimiter: prep.delimiter,
        header: plan.header.clone(),
        writer: None,
    };
    let mut c2 = Counts::default();
    let mut errors2: Vec<RowError> = Vec::new();
    let mut stopped: Option<ImportError> = None;
    let mut first_batch = true;
    let (reader, rows) = reading(false);
    let bytes = std::thread::scope(|scope| -> Result<u64, ImportError> {
        scope.spawn(reader);
        let mut rows = rows;
        loop {
            let batch = crate::store::Batch::with_max(opts.batch_rows);
            let mut in_batch = 0;
            let step = store.write(|w| {
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
                        r#"{"outcome":"in-progress"}"#
                    ])?;
                }
                while !batch.full(in_batch) {
                    in_batch += 1;
                    let row = match rows.next() {
                        Ok(Some(row)) => row,
                        Ok(None) => return Ok(true),
                        Err(e) => {
                            stopped = Some(e);
                            return Err(StoreError::Corrupt("import stopped".into()));
                        }
                    };
                    c2.read += 1;
                    match checker.judge(&w.tx, row.line, row.parsed, true)? {
                        Verdict::Blank => c2.blank += 1,
                        Verdict::Duplicate => c2.duplicates += 1,
                        Verdict::New(mut p) => {
                            c2.new += 1;
                            write_parcel(w, &mut p, source_id, row.line)?;
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
                        tick(Phase::Writing, &c2, bytes, &mut progress);
                    }
                }
                Ok(false)
            });
            first_batch = false;
            match step {
                Ok(true) => return Ok(rows.bytes),
                Ok(false) => {}
                Err(e) => return Err(stopped.take().unwrap_or(ImportError::Store(e))),
            }
        }
    })?;
    rejects.finish()?;
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
    report.rejects_file = rejects
        .writer
        .is_some()
        .then(|| rejects.path.display().to_string());
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
    if e.message.chars().count() > MAX_MESSAGE {
        e.message = truncate(&e.message, MAX_MESSAGE).into_owned();
    }
    e
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

fn write_parcel(
    w: &mut Writer<'_>,
    p: &mut Parcel,
    source_id: Uuid,
    line: u64,
) -> Result<(), StoreError> {
    // Made by `new_record` on the reading thread: checked there.
    records::insert_parsed(w, p)?;
    w.tx.prepare_cached(
        "INSERT INTO provenance (item_id, source_id, action, line) VALUES (?1, ?2, 'import', ?3)",
    )?
    .execute(rusqlite::params![p.meta.id, source_id, line as i64])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testutil::temp_store;

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
        for h in ["Weight", "Phone", "Remarks", "", "  "] {
            assert_eq!(recognise(h), None, "{h}");
        }
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
        let plan = ColumnPlan::new(h(&["Tracking", "Remarks", ""]), None);
        plan.check(Path::new("f.csv")).unwrap();
        assert_eq!(plan.ignored, vec!["Remarks", "(column 3)"]);
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
    fn not_utf8_names_the_line() {
        let (_d, mut s) = temp_store();
        let e = import_bytes(
            &mut s,
            b"tracking,sender_name\nRR123456785KZ,ok\nEE473124829CN,\xcf\xe5\xf2\xf0\xee\xe2\n",
            &Options::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("line 3: not UTF-8; pass --encoding"), "{e}");
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
                Err(ImportError::Columns { .. } | ImportError::NotUtf8 { .. }) => {}
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
                crlf in any::<bool>(),
            ) {
                let (_d, mut s) = temp_store();
                let term = if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') };
                let mut w = csv::WriterBuilder::new()
                    .delimiter(delim)
                    .terminator(term)
                    .flexible(true)
                    .from_writer(Vec::new());
                w.write_record(["tracking", "origin", "weight_g", "status", "seized_on", "concealment"]).unwrap();
                let mut starts = Vec::new();
                for r in &rows {
                    w.flush().unwrap();
                    starts.push(1 + w.get_ref().iter().filter(|b| **b == b'\n').count() as u64);
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
