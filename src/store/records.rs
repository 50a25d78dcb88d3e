//! Generic reading and writing of records. A record's columns are its
//! provenance columns, its system columns and its fields, all named as in
//! its JSON form, so one piece of code serves every kind. Each write also
//! maintains the identifier index, the search index and the audit log, in
//! the caller's transaction.

use super::error::{Result, StoreError};
use super::{Writer, audit, index, keys, search, stamp, writers};
use crate::domain::record::{self, Record};
use crate::domain::{ItemKind, Meta, Note, Parcel};
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension, Row, params_from_iter};
use serde_json::{Map, Value};
use uuid::Uuid;

/// Columns of a kind's table besides provenance and fields.
pub fn system_columns(kind: ItemKind) -> &'static [&'static str] {
    match kind {
        ItemKind::Case => &["ref"],
        ItemKind::Parcel => &["tracking_kind"],
        ItemKind::Substance => &[],
        ItemKind::Finding => &["parcel_id", "substance_id"],
        ItemKind::Link => &["from_kind", "from_id", "to_kind", "to_id"],
        ItemKind::Note => &["item_kind", "item_id"],
        ItemKind::Person | ItemKind::Organisation => &[],
        ItemKind::Inspection | ItemKind::Exhibit | ItemKind::Delivery => &["parcel_id"],
        ItemKind::Custody => &["exhibit_id"],
        ItemKind::LabResult => &["finding_id"],
        ItemKind::Document => &["item_kind", "item_id"],
    }
}

pub fn columns<R: Record>() -> Vec<&'static str> {
    let mut cols: Vec<&'static str> = Meta::COLUMNS.to_vec();
    cols.extend_from_slice(system_columns(R::KIND));
    cols.extend(R::FIELDS.iter().map(|f| f.name));
    cols
}

/// Refuses a file (a received export, about to be read) holding a field
/// value longer than any path of writing takes ([`FieldSpec::max_chars`]:
/// typed, imported and merged values are all refused above it), or a
/// writer's name longer than a one-line field: read as it came, one such
/// value made every search of the file slow and gigabytes large. One pass
/// over each kind's table, counting in SQL.
///
/// [`FieldSpec::max_chars`]: crate::domain::fields::FieldSpec::max_chars
pub fn check_sizes(conn: &Connection) -> Result<()> {
    use crate::domain::fields::MAX_TEXT;
    for kind in ItemKind::ALL {
        // (An export of an older schema lacks later kinds and fields: what
        // it has is measured.)
        let present: std::collections::HashSet<String> = conn
            .prepare("SELECT name FROM pragma_table_info(?1)")?
            .query_map([kind.table()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let fields: Vec<&crate::domain::fields::FieldSpec> = crate::domain::fields_of(kind)
            .iter()
            .filter(|f| present.contains(f.name))
            .collect();
        if fields.is_empty() {
            continue;
        }
        let lengths = fields
            .iter()
            .map(|f| format!("max(length(\"{}\"))", f.name))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("SELECT {lengths} FROM {}", kind.table());
        let longest: Vec<Option<i64>> =
            conn.query_row(&sql, [], |r| (0..fields.len()).map(|i| r.get(i)).collect())?;
        for (f, n) in fields.iter().zip(longest) {
            let n = usize::try_from(n.unwrap_or(0)).unwrap_or(usize::MAX);
            if n > f.max_chars() {
                let id: Uuid = conn.query_row(
                    &format!(
                        "SELECT id FROM {} WHERE length(\"{}\") > ?1 LIMIT 1",
                        kind.table(),
                        f.name
                    ),
                    [f.max_chars() as i64],
                    |r| r.get(0),
                )?;
                return Err(StoreError::Refused(format!(
                    "{kind} {id}: its {} holds {n} characters, more than the {} any notebook takes: the file is refused",
                    f.name,
                    f.max_chars()
                )));
            }
        }
    }
    let has_writers: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'writers'",
        [],
        |r| r.get(0),
    )?;
    if has_writers {
        let n: Option<i64> =
            conn.query_row("SELECT max(length(name)) FROM writers", [], |r| r.get(0))?;
        if let Some(n) = n.filter(|&n| n > MAX_TEXT as i64) {
            return Err(StoreError::Refused(format!(
                "a writer's name in it holds {n} characters, more than the {MAX_TEXT} a name takes: the file is refused"
            )));
        }
    }
    Ok(())
}

/// The columns of a kind's table, as [`columns`] gives them.
/// Made once per process: the audit reads it on every write.
pub fn kind_columns(kind: ItemKind) -> &'static [&'static str] {
    static COLUMNS: std::sync::OnceLock<Vec<Vec<&'static str>>> = std::sync::OnceLock::new();
    let all = COLUMNS.get_or_init(|| {
        ItemKind::ALL
            .iter()
            .map(|k| crate::with_record_type!(*k, R => columns::<R>()))
            .collect()
    });
    let i = ItemKind::ALL
        .iter()
        .position(|k| *k == kind)
        .expect("every kind is in ItemKind::ALL");
    &all[i]
}

fn is_id_column<R: Record>(col: &str) -> bool {
    col == "id" || col == "origin_db" || R::ID_COLUMNS.contains(&col)
}

/// SQL text built once per kind and purpose: statements are cached by
/// their text, and building a kind's column list costs dozens of
/// allocations, once per row of an import if done per call.
fn sql_once(kind: ItemKind, purpose: &'static str, make: impl FnOnce() -> String) -> &'static str {
    type Texts = Vec<((ItemKind, &'static str), &'static str)>;
    static TEXTS: std::sync::Mutex<Texts> = std::sync::Mutex::new(Vec::new());
    let find = |texts: &Texts| {
        texts
            .iter()
            .find(|(k, _)| *k == (kind, purpose))
            .map(|(_, sql)| *sql)
    };
    if let Some(sql) = find(&TEXTS.lock().unwrap_or_else(|e| e.into_inner())) {
        return sql;
    }
    // Made without the lock held: making one text may need another.
    let made = make();
    let mut texts = TEXTS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(sql) = find(&texts) {
        return sql;
    }
    // At most a few texts per kind, kept for the life of the process.
    let sql: &'static str = Box::leak(made.into_boxed_str());
    texts.push(((kind, purpose), sql));
    sql
}

/// The columns of a kind's table, as a write names them.
fn select_list<R: Record>() -> &'static str {
    sql_once(R::KIND, "columns", || {
        columns::<R>()
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// The column that names the notebook a record was first made in: since
/// schema 20 a number, the row of `origins` that holds the notebook's id.
const ORIGIN: &str = "origin_db";

/// The column a record's last change shares with its creation when it
/// has had none, since schema 21: `updated_at` and `updated_by` hold an
/// empty text (no bytes) when they are `created_at` and `created_by`.
fn created_twin(col: &str) -> Option<&'static str> {
    match col {
        "updated_at" => Some("created_at"),
        "updated_by" => Some("created_by"),
        _ => None,
    }
}

/// A column as a read gives it: the origin's id for its number (a column
/// that still holds the id itself, before schema 20's SQL has run in an
/// upgrade, as it stands); a writer's name for its key (`writers`; a
/// column that holds the name, as it stands); the last change's time or
/// author, when empty, the creation's (no record of any schema has an
/// empty one); any other column as stored.
pub fn read_column(table: &str, col: &str) -> String {
    let named = |c: &str| writers::read(&format!("{table}.\"{c}\""));
    if col == ORIGIN {
        format!(
            "coalesce((SELECT o.id FROM origins o WHERE o.n = {table}.\"{col}\"), {table}.\"{col}\")"
        )
    } else if col == "updated_at" {
        format!("CASE {table}.\"{col}\" WHEN '' THEN {table}.created_at ELSE {table}.\"{col}\" END")
    } else if col == "updated_by" {
        format!(
            "CASE {table}.\"{col}\" WHEN '' THEN {} ELSE {} END",
            named("created_by"),
            named(col)
        )
    } else if is_writer_column(col) {
        named(col)
    } else {
        format!("\"{col}\"")
    }
}

/// Whether a record column holds a writer's name, stored as its key in
/// `writers` since schema 23 (see [`writers`]).
fn is_writer_column(col: &str) -> bool {
    writers::RECORD_COLUMNS.contains(&col)
}

/// Puts the writers' names a write binds (its values, in `columns`'
/// order) in `writers`, where they are not yet.
fn keep_writers(w: &Writer<'_>, cols: &[&str], values: &[Sql]) -> Result<()> {
    for (col, v) in cols.iter().zip(values) {
        if is_writer_column(col) {
            w.writers.keep(&w.tx, v.into())?;
        }
    }
    Ok(())
}

/// The value a write binds for column `i` of `cols` at placeholder `p`,
/// as the column stores it, `at(j)` the placeholder of another column `j`
/// if the write binds it: the origin's number for its id (which
/// [`keep_origin`] has put in `origins`); a writer's key for the name
/// (which [`keep_writers`] has put in `writers`); an empty text for the
/// last change's time or author that is the creation's, where that is
/// bound too.
fn written_value(cols: &[&str], i: usize, p: usize, at: impl Fn(usize) -> Option<usize>) -> String {
    let col = cols[i];
    if col == ORIGIN {
        return format!("(SELECT n FROM origins WHERE id = ?{p})");
    }
    let value = if is_writer_column(col) {
        writers::written(&format!("?{p}"))
    } else {
        format!("?{p}")
    };
    let twin = created_twin(col).and_then(|t| cols.iter().position(|c| *c == t));
    match twin.and_then(at) {
        Some(q) => format!("CASE WHEN ?{p} IS ?{q} THEN '' ELSE {value} END"),
        None => value,
    }
}

/// The columns of a kind's table, as reads give them (see
/// [`read_column`]), each under its own name.
fn read_list<R: Record>() -> &'static str {
    sql_once(R::KIND, "read columns", || {
        let t = R::KIND.table();
        columns::<R>()
            .iter()
            .map(|c| match read_column(t, c) {
                plain if plain.starts_with('"') => plain,
                read => format!("{read} AS \"{c}\""),
            })
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// Puts the origin a write names (its id, at `origin` in the values) in
/// `origins`, where it is not yet.
fn keep_origin(tx: &Connection, origin: rusqlite::types::ValueRef<'_>) -> Result<()> {
    if let rusqlite::types::ValueRef::Blob(id) = origin {
        tx.prepare_cached("INSERT OR IGNORE INTO origins (id) VALUES (?1)")?
            .execute([id])?;
    }
    Ok(())
}

/// Where a kind's columns have the origin.
fn origin_at<R: Record>() -> usize {
    kind_columns(R::KIND)
        .iter()
        .position(|c| *c == ORIGIN)
        .expect("every kind has an origin")
}

/// `SELECT <all columns> FROM <table> WHERE id = ?1`.
fn select_by_id_sql<R: Record>() -> &'static str {
    sql_once(R::KIND, "select by id", || {
        format!("{} WHERE id = ?1", select_sql::<R>())
    })
}

/// `SELECT <all columns>, n FROM <table>`, to which callers add their
/// clauses: rows read with [`from_row`], the record's number after its
/// columns (at `columns::<R>().len()`).
fn select_numbered_sql<R: Record>() -> String {
    format!("SELECT {}, n FROM {}", read_list::<R>(), R::KIND.table())
}

/// `SELECT <all columns> FROM <table>`, to which callers add their clauses.
pub fn select_sql<R: Record>() -> &'static str {
    sql_once(R::KIND, "select", || {
        format!("SELECT {} FROM {}", read_list::<R>(), R::KIND.table())
    })
}

fn encode_err<R: Record>(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("cannot encode {}: {e}", R::KIND))
}

/// The record's fields by name, as its JSON form has them.
fn encode<R: Record>(rec: &R) -> Result<Map<String, Value>> {
    match serde_json::to_value(rec) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(encode_err::<R>("not an object")),
        Err(e) => Err(encode_err::<R>(e)),
    }
}

/// The record as the audit log keeps it: compact JSON, empty fields left
/// out (an absent field reads as empty).
pub fn to_json<R: Record>(rec: &R) -> Result<String> {
    json_of_map::<R>(&encode(rec)?)
}

fn json_of_map<R: Record>(map: &Map<String, Value>) -> Result<String> {
    /// The map without its null entries, written as it stands.
    struct Set<'a>(&'a Map<String, Value>);
    impl serde::Serialize for Set<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().filter(|(_, v)| !v.is_null()))
        }
    }
    serde_json::to_string(&Set(map)).map_err(encode_err::<R>)
}

fn to_sql_values<R: Record>(rec: &R) -> Result<Vec<Sql>> {
    sql_values_of::<R>(&encode(rec)?)
}

fn sql_values_of<R: Record>(map: &Map<String, Value>) -> Result<Vec<Sql>> {
    columns::<R>()
        .into_iter()
        .map(|col| {
            let v = map.get(col).cloned().unwrap_or(Value::Null);
            Ok(match v {
                Value::Null => Sql::Null,
                Value::String(s) if stamp::is_stamp_column(col) => stamp::encode(&s),
                Value::String(s) if is_id_column::<R>(col) => {
                    let id = Uuid::parse_str(&s).map_err(|_| {
                        StoreError::Corrupt(format!("{col}: {s:?} is not a record id"))
                    })?;
                    Sql::Blob(id.as_bytes().to_vec())
                }
                Value::String(s) => Sql::Text(s),
                Value::Number(n) => match n.as_i64() {
                    Some(i) => Sql::Integer(i),
                    None => Sql::Real(n.as_f64().unwrap_or(0.0)),
                },
                Value::Bool(b) => Sql::Integer(i64::from(b)),
                other => Sql::Text(other.to_string()),
            })
        })
        .collect()
}

/// A column's value as a record's JSON holds it (a 16-byte blob is a
/// record id, as its text; a timestamp column's number its text).
fn json_of_column(col: &str, v: Sql) -> Value {
    match v {
        Sql::Integer(ms) if stamp::is_stamp_column(col) => {
            Value::String(stamp::decode(rusqlite::types::ValueRef::Integer(ms)))
        }
        Sql::Null => Value::Null,
        Sql::Integer(n) => Value::from(n),
        Sql::Real(f) => Value::from(f),
        Sql::Text(s) => Value::String(s),
        Sql::Blob(b) => match Uuid::from_slice(&b) {
            Ok(id) => Value::String(id.to_string()),
            Err(_) => Value::Null,
        },
    }
}

/// Reads a record from a row selected with [`select_sql`] (each column
/// read by serde as the record's JSON form holds it; see
/// [`super::row_fields`]).
pub fn from_row<R: Record>(row: &Row<'_>) -> rusqlite::Result<R> {
    super::row_fields::read(row, kind_columns(R::KIND)).map_err(|e| {
        let said = unreadable::<R>(row, &e.to_string());
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, said.into())
    })
}

/// What makes a stored row unreadable as a record, said with its kind,
/// its id and the column: a number column holding text (a file changed
/// by another tool), or else the reader's own words.
fn unreadable<R: Record>(row: &Row<'_>, why: &str) -> String {
    use crate::domain::fields::FieldKind;
    use rusqlite::types::ValueRef;
    let cols = kind_columns(R::KIND);
    let id = cols
        .iter()
        .position(|c| *c == "id")
        .and_then(|i| row.get::<_, Uuid>(i).ok())
        .map_or_else(|| "(no id)".to_string(), |id| id.to_string());
    for f in R::FIELDS {
        let numeric = matches!(
            f.kind,
            FieldKind::Quantity | FieldKind::Grams | FieldKind::Amount | FieldKind::Percent
        );
        let Some(i) = cols.iter().position(|c| *c == f.name) else {
            continue;
        };
        if let Ok(ValueRef::Text(t) | ValueRef::Blob(t)) = row.get_ref(i)
            && numeric
        {
            let shown: String = String::from_utf8_lossy(t).chars().take(40).collect();
            return format!(
                "{} {id}: its {} holds {shown:?}, where a number belongs (changed by another tool?)",
                R::KIND,
                f.name
            );
        }
        // (A text stored as bytes: the shell's `cast(x as blob)`.)
        let textual = !numeric && !matches!(f.kind, FieldKind::Date | FieldKind::DateTime);
        if let Ok(ValueRef::Blob(b)) = row.get_ref(i)
            && textual
        {
            return format!(
                "{} {id}: its {} is stored as {} bytes, where text belongs (changed by another tool?)",
                R::KIND,
                f.name,
                b.len()
            );
        }
    }
    format!("{} {id}: its stored row cannot be read: {why}", R::KIND)
}

/// [`from_row`] through a JSON map of the columns, as records were read
/// before [`super::row_fields`]: what the tests hold it to.
#[cfg(test)]
pub(crate) fn from_row_through_json<R: Record>(row: &Row<'_>) -> rusqlite::Result<R> {
    let mut map = Map::new();
    for (i, col) in columns::<R>().into_iter().enumerate() {
        map.insert(col.to_string(), json_of_column(col, row.get(i)?));
    }
    serde_json::from_value(Value::Object(map)).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

pub fn get<R: Record>(conn: &Connection, id: Uuid) -> Result<Option<R>> {
    let mut stmt = conn.prepare_cached(select_by_id_sql::<R>())?;
    let mut rows = stmt.query([id])?;
    match rows.next()? {
        Some(row) => Ok(Some(from_row(row)?)),
        None => Ok(None),
    }
}

pub fn must_get<R: Record>(conn: &Connection, id: Uuid) -> Result<R> {
    get(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("no {} with id {id}", R::KIND)))
}

/// Calls `f` with each record matching an SQL condition (with bound
/// parameters), in the order they were written, without holding them all.
pub fn each<R: Record, P: rusqlite::Params>(
    conn: &Connection,
    condition: &str,
    params: P,
    limit: usize,
    offset: usize,
    mut f: impl FnMut(R) -> Result<()>,
) -> Result<()> {
    let sql = format!(
        "{} WHERE {condition} ORDER BY rowid LIMIT {} OFFSET {}",
        select_sql::<R>(),
        limit.min(i64::MAX as usize),
        offset
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params)?;
    while let Some(row) = rows.next()? {
        f(from_row(row)?)?;
    }
    Ok(())
}

/// Every record of the table but those whose id is in `skip`, in the
/// order they were written; a skipped row is not read as a record.
pub fn each_but<R: Record>(
    conn: &Connection,
    skip: &std::collections::HashSet<Uuid>,
    mut f: impl FnMut(R) -> Result<()>,
) -> Result<()> {
    let sql = format!("{} ORDER BY rowid", select_sql::<R>());
    let mut stmt = conn.prepare_cached(&sql)?;
    let id = stmt.column_index("id")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        if !skip.is_empty()
            && let Ok(Some(i)) = row.get::<_, Option<Uuid>>(id)
            && skip.contains(&i)
        {
            continue;
        }
        f(from_row(row)?)?;
    }
    Ok(())
}

/// Records matching an SQL condition, in the order they were written.
pub fn list_where<R: Record, P: rusqlite::Params>(
    conn: &Connection,
    condition: &str,
    params: P,
    limit: usize,
    offset: usize,
) -> Result<Vec<R>> {
    let mut out = Vec::new();
    each(conn, condition, params, limit, offset, |r| {
        out.push(r);
        Ok(())
    })?;
    Ok(out)
}

pub fn list<R: Record>(conn: &Connection, limit: usize, offset: usize) -> Result<Vec<R>> {
    list_where(conn, "1", [], limit, offset)
}

/// Which rows of a table a window holds, by rowid, so that paging stays
/// as cheap at the millionth row as at the first (no OFFSET walks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// The first rows.
    First,
    /// The last rows.
    Last,
    /// Rows from this rowid on.
    From(i64),
    /// Rows before this rowid (returned in ascending order).
    Before(i64),
}

/// Up to `limit` records of a window, each with its rowid, in rowid order.
pub fn window<R: Record>(conn: &Connection, w: Window, limit: usize) -> Result<Vec<(i64, R)>> {
    let (cond, order, param) = match w {
        Window::First => ("1", "ASC", None),
        Window::Last => ("1", "DESC", None),
        Window::From(r) => ("rowid >= ?1", "ASC", Some(r)),
        Window::Before(r) => ("rowid < ?1", "DESC", Some(r)),
    };
    let sql = format!(
        "SELECT {}, rowid FROM {} WHERE {cond} ORDER BY rowid {order} LIMIT {}",
        read_list::<R>(),
        R::KIND.table(),
        limit.min(i64::MAX as usize)
    );
    let n = columns::<R>().len();
    let mut stmt = conn.prepare_cached(&sql)?;
    let read = |row: &Row<'_>| -> rusqlite::Result<(i64, R)> { Ok((row.get(n)?, from_row(row)?)) };
    let mut out: Vec<(i64, R)> = match param {
        Some(p) => stmt
            .query_map([p], read)?
            .collect::<rusqlite::Result<_>>()?,
        None => stmt.query_map([], read)?.collect::<rusqlite::Result<_>>()?,
    };
    if order == "DESC" {
        out.reverse();
    }
    Ok(out)
}

/// The records with these rowids (record numbers), each with its rowid,
/// in rowid order; numbers no record has any more are skipped.
pub fn at_rowids<R: Record>(conn: &Connection, rowids: &[i64]) -> Result<Vec<(i64, R)>> {
    let sql = format!(
        "SELECT {}, rowid FROM {} WHERE rowid IN (SELECT value FROM json_each(?1)) ORDER BY rowid",
        read_list::<R>(),
        R::KIND.table(),
    );
    let n = columns::<R>().len();
    let list = serde_json::to_string(rowids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([list], |row| Ok((row.get(n)?, from_row(row)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The rowid of a record, and how many records of its kind come before it.
pub fn position(conn: &Connection, kind: ItemKind, id: Uuid) -> Result<Option<(i64, usize)>> {
    let t = kind.table();
    let rowid: Option<i64> = conn
        .prepare_cached(&format!("SELECT rowid FROM {t} WHERE id = ?1"))?
        .query_row([id], |r| r.get(0))
        .ok();
    let Some(rowid) = rowid else { return Ok(None) };
    let before: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM {t} WHERE rowid < ?1"))?
        .query_row([rowid], |r| r.get(0))?;
    Ok(Some((rowid, before as usize)))
}

/// How many records of a kind match an SQL condition (bound parameters).
pub fn count_where<P: rusqlite::Params>(
    conn: &Connection,
    kind: ItemKind,
    condition: &str,
    params: P,
) -> Result<i64> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM {} WHERE {condition}",
            kind.table()
        ))?
        .query_row(params, |r| r.get(0))?)
}

/// The ids of the records of `kind` in `src` that `dst` holds with the
/// same value in every column (the row number aside, which is each file's
/// own), and that have no conflict recorded in `dst`. Empty when the two
/// tables' columns differ. For merging a file again: such a record is
/// unchanged whatever its history, and is known without reading it as a
/// record.
///
/// Both tables are read in id order side by side. The file's rows are
/// read once; when the notebook holds no more than twice as many, its
/// cursor steps to the file's next id while that is near (merging a file
/// again, the next row), so each row costs a step, not a lookup from the
/// root; otherwise (a small or sparse file into a large notebook) it seeks
/// each id, a lookup per row, and the notebook is never read whole.
pub fn same_rows(
    src: &Connection,
    dst: &Connection,
    kind: ItemKind,
) -> Result<std::collections::HashSet<Uuid>> {
    use fallible_streaming_iterator::FallibleStreamingIterator;
    use rusqlite::types::ValueRef;
    let t = kind.table();
    let columns = |c: &Connection| -> Result<Vec<String>> {
        let mut stmt = c.prepare(&format!("SELECT name FROM pragma_table_info('{t}')"))?;
        let names = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for n in names {
            let n = n?;
            if n != "n" {
                out.push(n);
            }
        }
        Ok(out)
    };
    let cols = columns(src)?;
    let mut same = std::collections::HashSet::new();
    if cols != columns(dst)? {
        return Ok(same);
    }
    let Some(at) = cols.iter().position(|c| c == "id") else {
        return Ok(same);
    };
    // (Each file's origins read as their ids: the numbers are its own.
    // Its writers' keys are its own too, but they are read as stored and
    // compared by the names each file's `writers` gives them, without a
    // lookup in SQL for every row.)
    let list = cols
        .iter()
        .map(|c| {
            if is_writer_column(c) {
                format!("\"{c}\"")
            } else {
                read_column(t, c)
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let keyed: Vec<bool> = cols.iter().map(|c| is_writer_column(c)).collect();
    let (their_names, our_names) = (writers::names(src)?, writers::names(dst)?);
    let same_name = |a: ValueRef<'_>, b: ValueRef<'_>| {
        let a = writers::name_in(&our_names, a);
        a.is_some() && a == writers::name_in(&their_names, b)
    };
    // Ids are 16-byte blobs, which SQLite orders as their bytes; a row
    // whose id is anything else is never "the same" (the merge reads it).
    let from_on = format!("SELECT {list} FROM {t} WHERE id >= ?1 ORDER BY id");
    let mut theirs = src.prepare(&from_on)?;
    let mut ours = dst.prepare(&from_on)?;
    // The items in conflict here, read once (an id held otherwise than as
    // a blob names no record).
    let mut conflicted: std::collections::HashSet<Vec<u8>> = Default::default();
    {
        let mut stmt = dst.prepare("SELECT DISTINCT item_id FROM conflicts")?;
        let mut ids = stmt.query([])?;
        while let Some(r) = ids.next()? {
            if let ValueRef::Blob(b) = r.get_ref(0)? {
                conflicted.insert(b.to_vec());
            }
        }
    }
    let n = cols.len();
    // Rows the notebook's cursor steps over before it seeks instead.
    let near = if count_kind(dst, kind)? <= 2 * count_kind(src, kind)? {
        16
    } else {
        0
    };
    let mut rows = theirs.query([Vec::<u8>::new()])?;
    rows.advance()?;
    let mut from: Vec<u8> = Vec::new();
    'seek: loop {
        let mut mine = ours.query([&from])?;
        mine.advance()?;
        while let Some(r) = rows.get() {
            let ValueRef::Blob(id) = r.get_ref(at)? else {
                rows.advance()?;
                continue;
            };
            let mut steps = 0;
            let equal = loop {
                let Some(m) = mine.get() else { break false };
                // (Only blobs are at or after a blob.)
                let here = match m.get_ref(at)? {
                    ValueRef::Blob(b) => b.cmp(id),
                    _ => std::cmp::Ordering::Less,
                };
                match here {
                    std::cmp::Ordering::Less if steps < near => {
                        mine.advance()?;
                        steps += 1;
                    }
                    // The file's row stays where it is; the notebook's
                    // cursor seeks its id.
                    std::cmp::Ordering::Less => {
                        from = id.to_vec();
                        continue 'seek;
                    }
                    std::cmp::Ordering::Greater => break false,
                    // Compared where they lie, without copying either row.
                    std::cmp::Ordering::Equal => {
                        break (0..n).all(|i| match (m.get_ref(i), r.get_ref(i)) {
                            (Ok(a), Ok(b)) if keyed[i] => same_name(a, b),
                            (Ok(a), Ok(b)) => a == b,
                            _ => false,
                        });
                    }
                }
            };
            if equal
                && !conflicted.contains(id)
                && let Ok(id) = Uuid::from_slice(id)
            {
                same.insert(id);
            }
            rows.advance()?;
        }
        return Ok(same);
    }
}

/// The number of the last record of a kind written (0 when there is
/// none): those written after it are numbered above it.
pub fn last_number(conn: &Connection, kind: ItemKind) -> Result<i64> {
    Ok(conn
        .prepare_cached(&format!("SELECT coalesce(max(n), 0) FROM {}", kind.table()))?
        .query_row([], |r| r.get(0))?)
}

/// How many records of a kind there are.
pub fn count_kind(conn: &Connection, kind: ItemKind) -> Result<i64> {
    count_where(conn, kind, "1", [])
}

/// The rowid `skip` rows after (`forward`) or before a rowid, or from the
/// start. Costs `skip` steps, so callers move from rows they hold.
pub fn nth_rowid(
    conn: &Connection,
    kind: ItemKind,
    from: Option<(i64, bool)>,
    skip: usize,
) -> Result<i64> {
    let t = kind.table();
    let sql = match from {
        None => format!("SELECT rowid FROM {t} ORDER BY rowid LIMIT 1 OFFSET ?1"),
        Some((_, true)) => {
            format!("SELECT rowid FROM {t} WHERE rowid > ?2 ORDER BY rowid LIMIT 1 OFFSET ?1")
        }
        Some((_, false)) => {
            format!("SELECT rowid FROM {t} WHERE rowid < ?2 ORDER BY rowid DESC LIMIT 1 OFFSET ?1")
        }
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    Ok(match from {
        None => stmt.query_row([skip as i64], |r| r.get(0))?,
        Some((rowid, _)) => stmt.query_row([skip as i64, rowid], |r| r.get(0))?,
    })
}

pub fn count<R: Record>(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        &format!("SELECT count(*) FROM {}", R::KIND.table()),
        [],
        |r| r.get(0),
    )?)
}

/// Writes a new record: fills in its provenance, checks every field,
/// inserts it, indexes it and audits it. Returns the field warnings.
pub fn insert<R: Record>(w: &mut Writer<'_>, rec: &mut R) -> Result<Vec<String>> {
    insert_checking(w, rec, true, None)
}

/// [`insert`] for a record just made by `record::new_record` (every field
/// parsed and the record checked there, nothing changed since), which is
/// not checked a second time: the CSV import's writer, whose reading
/// thread made it. Its warnings were given by `new_record`. `identifiers`:
/// what [`identifiers_of`] gives for it, when the caller worked them out
/// already (the import's reading thread, beside this one).
pub fn insert_parsed<R: Record>(
    w: &mut Writer<'_>,
    rec: &mut R,
    identifiers: Option<Vec<crate::domain::identifiers::Identifier>>,
) -> Result<()> {
    insert_checking(w, rec, false, identifiers).map(drop)
}

fn insert_checking<R: Record>(
    w: &mut Writer<'_>,
    rec: &mut R,
    check: bool,
    identifiers: Option<Vec<crate::domain::identifiers::Identifier>>,
) -> Result<Vec<String>> {
    {
        let m = rec.meta_mut();
        if m.id.is_nil() {
            m.id = Uuid::now_v7();
        }
        if m.created_at.is_empty() {
            m.created_at = w.now.clone();
            m.created_by = w.actor.to_string();
        }
        if m.updated_at.is_empty() {
            m.updated_at = m.created_at.clone();
            m.updated_by = m.created_by.clone();
        }
        if m.origin_db.is_nil() {
            m.origin_db = w.db_id;
        }
    }
    rec.derive();
    let warnings = if check {
        record::validate(rec)?
    } else {
        Vec::new()
    };
    // One encoding serves the row and the audit entry.
    let map = encode(rec)?;
    let values = sql_values_of::<R>(&map)?;
    keep_origin(&w.tx, (&values[origin_at::<R>()]).into())?;
    keep_writers(w, &columns::<R>(), &values)?;
    w.tx.prepare_cached(insert_sql::<R>())?
        .execute(params_from_iter(values))?;
    let id = rec.meta().id;
    let item = keys::item_key(R::KIND, w.tx.last_insert_rowid());
    if w.indexing {
        let now = identifiers_or_given(&w.tx, rec, identifiers)?;
        match w.held_index.as_mut() {
            Some(batch) => batch.add(&w.tx, item, &now)?,
            None => index::replace(&w.tx, item, &now, None)?,
        }
        search::replace_record(&w.tx, item, rec, true)?;
    }
    screened(w, item, rec, true)?;
    let json = json_of_map::<R>(&map)?;
    audit::append_shape(
        w,
        "create",
        R::KIND.as_str(),
        id,
        &audit::created(R::KIND, &map, &json),
    )?;
    Ok(warnings)
}

fn insert_sql<R: Record>() -> &'static str {
    sql_once(R::KIND, "insert", || {
        format!(
            "INSERT INTO {} ({}) VALUES ({})",
            R::KIND.table(),
            select_list::<R>(),
            {
                let cols = columns::<R>();
                (0..cols.len())
                    .map(|i| written_value(&cols, i, i + 1, |j| Some(j + 1)))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        )
    })
}

/// Inserts a record's row from its column values, or overwrites the stored
/// row with the same id.
fn write_values<R: Record>(w: &Writer<'_>, values: Vec<Sql>, exists: bool) -> Result<()> {
    let cols = columns::<R>();
    let sql = if exists {
        let sets = cols
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, c)| {
                format!(
                    "\"{c}\" = {}",
                    written_value(&cols, i, i + 1, |j| Some(j + 1))
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!("UPDATE {} SET {sets} WHERE id = ?1", R::KIND.table())
    } else {
        insert_sql::<R>().to_string()
    };
    keep_origin(&w.tx, (&values[origin_at::<R>()]).into())?;
    keep_writers(w, &cols, &values)?;
    w.tx.prepare_cached(&sql)?
        .execute(params_from_iter(values))?;
    Ok(())
}

/// Overwrites the columns whose values differ from `before`'s.
fn update_columns<R: Record>(w: &Writer<'_>, before: &R, rec: &R) -> Result<()> {
    let (old, new) = (to_sql_values(before)?, to_sql_values(rec)?);
    let cols = columns::<R>();
    let changed: Vec<usize> = (1..cols.len()).filter(|&i| old[i] != new[i]).collect();
    if changed.is_empty() {
        return Ok(());
    }
    let sets = changed
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let bound = |j| changed.iter().position(|&c| c == j).map(|k| k + 2);
            format!(
                "\"{}\" = {}",
                cols[i],
                written_value(&cols, i, k + 2, bound)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    if changed.contains(&origin_at::<R>()) {
        keep_origin(&w.tx, (&new[origin_at::<R>()]).into())?;
    }
    for &i in &changed {
        if is_writer_column(cols[i]) {
            w.writers.keep(&w.tx, (&new[i]).into())?;
        }
    }
    let sql = format!("UPDATE {} SET {sets} WHERE id = ?1", R::KIND.table());
    let mut values = vec![new[0].clone()];
    values.extend(changed.iter().map(|&i| new[i].clone()));
    w.tx.prepare_cached(&sql)?
        .execute(params_from_iter(values))?;
    Ok(())
}

/// A record encoded once: its fields by name (for its row) and its JSON
/// as the audit log keeps it ([`to_json`]).
pub struct Encoded {
    map: Map<String, Value>,
    json: String,
}

impl Encoded {
    /// The record's JSON, as [`to_json`] gives it.
    pub fn json(&self) -> &str {
        &self.json
    }
}

/// `rec` encoded for [`put_in_hand`], its JSON with it.
pub fn encoded<R: Record>(rec: &R) -> Result<Encoded> {
    let map = encode(rec)?;
    let json = json_of_map::<R>(&map)?;
    Ok(Encoded { map, json })
}

/// What a writer of a received record already holds, so that
/// [`put_in_hand`] neither reads nor works it out again.
pub struct InHand<'a, R> {
    /// The version stored now, read in this transaction (`None`: none).
    pub before: Option<&'a R>,
    /// Whether the record passed [`record::check_received`] (which
    /// checks all that [`record::validate`] does, and more) unchanged
    /// since: then it is not validated again.
    pub checked: bool,
    /// The record, [`encoded`].
    pub encoded: Encoded,
    /// Its identifiers and its audit entry as a new item, when worked
    /// out already ([`worked`]).
    pub identifiers: Option<Vec<crate::domain::identifiers::Identifier>>,
    pub created: Option<audit::Shape>,
    /// What a settlement of a conflict decided (nothing for any other
    /// write): named in its audit entry ([`audit::name_settled`]).
    pub settles: Settles<'a>,
}

/// What a write that settles two versions of a record decided, as its
/// audit entry names it ([`audit::name_settled`]): the fields it decided
/// (a person's settlement of a conflict), and the other side's version it
/// settled over (its version key in hex: the conflict's incoming version,
/// or the file's version a merge merged field by field). A post that
/// later meets the entry in a file knows from it which of the other
/// side's versions the settler had seen, whatever the clocks said.
#[derive(Debug, Default, Clone, Copy)]
pub struct Settles<'a> {
    pub fields: &'a [String],
    pub over: Option<&'a str>,
}

impl Settles<'_> {
    fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.over.is_none()
    }
}

/// What a writer of a received record can work out of it with nothing but
/// the record (a merge does, on a second thread, beside the one that
/// writes): its encoding, its identifiers where they need nothing else (a
/// note's read a parcel's country), and its audit entry as a new item.
pub struct Worked {
    pub encoded: Encoded,
    pub identifiers: Option<Vec<crate::domain::identifiers::Identifier>>,
    pub created: audit::Shape,
}

/// [`Worked`] for `rec`.
pub fn worked<R: Record>(rec: &R) -> Result<Worked> {
    let encoded = encoded(rec)?;
    let identifiers = rec.about_parcel().is_none().then(|| rec.identifiers());
    let created = audit::shape_of_map(R::KIND, None, &encoded.map, &encoded.json);
    Ok(Worked {
        encoded,
        identifiers,
        created,
    })
}

/// Writes a record exactly as given, its provenance included, over any
/// stored version: for records that come from another database (export
/// files, merges, a conflict resolved for the incoming version). Checked,
/// indexed and audited like any write, under `action`, with the version
/// it replaced as the entry's before.
pub fn put_verbatim<R: Record>(w: &mut Writer<'_>, rec: &R, action: &str) -> Result<()> {
    put_settled(w, rec, action, Settles::default())
}

/// [`put_verbatim`] of a conflict's settlement, whose audit entry names
/// what it decided (see [`audit::name_settled`]).
pub fn put_settled<R: Record>(
    w: &mut Writer<'_>,
    rec: &R,
    action: &str,
    settles: Settles<'_>,
) -> Result<()> {
    let before: Option<R> = get(&w.tx, rec.meta().id)?;
    let encoded = encoded(rec)?;
    put_in_hand(
        w,
        rec,
        action,
        InHand {
            before: before.as_ref(),
            checked: false,
            encoded,
            identifiers: None,
            created: None,
            settles,
        },
    )
}

/// [`put_verbatim`] given what the caller holds already (a merge, which
/// has read the stored version, checked the file's records before any
/// was written, and encoded the record to compare it).
pub fn put_in_hand<R: Record>(
    w: &mut Writer<'_>,
    rec: &R,
    action: &str,
    hand: InHand<'_, R>,
) -> Result<()> {
    let id = rec.meta().id;
    let m = rec.meta();
    if id.is_nil()
        || m.created_at.is_empty()
        || m.created_by.is_empty()
        || m.updated_at.is_empty()
        || m.updated_by.is_empty()
        || m.origin_db.is_nil()
    {
        return Err(StoreError::Corrupt(format!(
            "{} {id}: a record from another database lacks its provenance",
            R::KIND
        )));
    }
    let InHand {
        before,
        checked,
        encoded: Encoded { map, json },
        identifiers,
        created,
        settles,
    } = hand;
    let before_json = before.map(to_json).transpose()?;
    if !checked {
        record::validate(rec)?;
    }
    write_values::<R>(w, sql_values_of::<R>(&map)?, before.is_some())?;
    let item = match before {
        Some(_) => must_key::<R>(&w.tx, id)?,
        // (Its row was the last inserted: the origin's, if new, before it.)
        None => keys::item_key(R::KIND, w.tx.last_insert_rowid()),
    };
    if w.indexing {
        let now = identifiers_or_given(&w.tx, rec, identifiers)?;
        match (before, w.held_index.as_mut()) {
            (None, Some(batch)) => batch.add(&w.tx, item, &now)?,
            _ => {
                let was = before.map(|b| identifiers_of(&w.tx, b)).transpose()?;
                index::replace(&w.tx, item, &now, was.as_deref())?;
            }
        }
        // An item written over keeps its search row (and so its place
        // among equal scores).
        if before.is_some() {
            search::update_record(&w.tx, item, rec)?;
        } else {
            search::replace_record(&w.tx, item, rec, true)?;
        }
    }
    screened(w, item, rec, before.is_none())?;
    notes_follow_parcel(w, rec, before)?;
    let mut shape = match (created, &before_json) {
        (Some(created), None) => created,
        _ => audit::shape_of_map(R::KIND, before_json.as_deref(), &map, &json),
    };
    if !settles.is_empty() {
        shape.detail = Some(audit::name_settled(
            shape.detail.as_deref(),
            &json,
            settles.fields,
            settles.over,
        ));
    }
    audit::append_shape(w, action, R::KIND.as_str(), id, &shape)?;
    Ok(())
}

/// Copies the stored row of the record `id` from `src` into `dst` as it
/// stands, column by column, without reading it as a record and without
/// an audit entry, index rows or screening: an export's copy between two
/// databases of this schema, whose history travels beside it and whose
/// receiver checks, indexes and audits it as it merges. False (and
/// nothing written) when `dst` holds a record with that id already.
pub fn copy_row<R: Record>(src: &Connection, w: &Writer<'_>, id: Uuid) -> Result<bool> {
    let dst = &w.tx;
    let mut read = src.prepare_cached(select_by_id_sql::<R>())?;
    let mut rows = read.query([id])?;
    let Some(row) = rows.next()? else {
        return Err(StoreError::NotFound(format!("no {} with id {id}", R::KIND)));
    };
    let n = kind_columns(R::KIND).len();
    let values = (0..n)
        .map(|i| row.get_ref(i).map(rusqlite::types::ToSqlOutput::Borrowed))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // (The origin read as its id, written as the number `dst` gives it.)
    keep_origin(dst, row.get_ref(origin_at::<R>())?)?;
    // (And the writers' names read as names, written as `dst`'s keys.)
    for (i, col) in kind_columns(R::KIND).iter().enumerate() {
        if is_writer_column(col) {
            w.writers.keep(dst, row.get_ref(i)?)?;
        }
    }
    let mut write = dst.prepare_cached(sql_once(R::KIND, "insert or ignore", || {
        insert_sql::<R>().replacen("INSERT INTO", "INSERT OR IGNORE INTO", 1)
    }))?;
    Ok(write.execute(params_from_iter(values))? == 1)
}

/// A record's identifiers, national phone numbers in its free text read in
/// the country of the parcel it is about (a lead on a parcel), if any.
pub fn identifiers_of<R: Record>(
    conn: &Connection,
    rec: &R,
) -> Result<Vec<crate::domain::identifiers::Identifier>> {
    let Some(parcel) = rec.about_parcel() else {
        return Ok(rec.identifiers());
    };
    let country: Option<String> = conn
        .prepare_cached("SELECT coalesce(destination, origin) FROM parcels WHERE id = ?1")?
        .query_row([parcel], |r| r.get(0))
        .optional()?
        .flatten();
    Ok(rec.identifiers_in(country.as_deref()))
}

/// [`identifiers_of`] the record, or those its writer gives, worked out
/// already (on another thread); in debug builds, checked the same.
fn identifiers_or_given<R: Record>(
    conn: &Connection,
    rec: &R,
    given: Option<Vec<crate::domain::identifiers::Identifier>>,
) -> Result<Vec<crate::domain::identifiers::Identifier>> {
    match given {
        Some(given) => {
            #[cfg(debug_assertions)]
            assert_eq!(given, identifiers_of(conn, rec)?, "identifiers given");
            Ok(given)
        }
        None => identifiers_of(conn, rec),
    }
}

/// After a parcel is written: the notes on it index their free text again
/// when what they read it in (the parcel's country) may have changed.
fn notes_follow_parcel<R: Record>(w: &Writer<'_>, rec: &R, before: Option<&R>) -> Result<()> {
    if R::KIND != ItemKind::Parcel || !w.indexing {
        return Ok(());
    }
    // The country `identifiers_of` reads a note on the parcel in.
    let country = |r: &R| {
        (r as &dyn std::any::Any)
            .downcast_ref::<Parcel>()
            .and_then(|p| p.destination.clone().or_else(|| p.origin.clone()))
    };
    if let Some(b) = before
        && country(b) == country(rec)
    {
        return Ok(());
    }
    // The note's rows as they were read: in the country the parcel had
    // (none when it has just been written: a note on it until then was
    // read in none).
    let was = before.and_then(country);
    let id = rec.meta().id;
    for note_id in ids_where(&w.tx, "SELECT id FROM notes WHERE item_id = ?1", id)? {
        if let Some(note) = get::<Note>(&w.tx, note_id)? {
            let item = must_key::<Note>(&w.tx, note_id)?;
            let ids = identifiers_of(&w.tx, &note)?;
            let old = note.identifiers_in(was.as_deref());
            index::replace(&w.tx, item, &ids, Some(&old))?;
        }
    }
    Ok(())
}

/// Screens a parcel just written, when the store screens (see
/// [`super::Screen`]); other records pass.
fn screened<R: Record>(w: &Writer<'_>, item: i64, rec: &R, new: bool) -> Result<()> {
    if R::KIND != ItemKind::Parcel {
        return Ok(());
    }
    let Some(screen) = w.screen.clone() else {
        return Ok(());
    };
    match (rec as &dyn std::any::Any).downcast_ref::<crate::domain::Parcel>() {
        Some(p) => screen.parcel(w, item, p, new),
        None => Ok(()),
    }
}

/// The exhibit a sample is taken from (`x.sample_of`), when it has one:
/// an exhibit of the same parcel that is not, by the samples taken in
/// turn, a sample of `x` itself. Refused otherwise, naming the field.
pub fn taken_from(
    conn: &Connection,
    x: &crate::domain::evidence::Exhibit,
) -> Result<Option<crate::domain::evidence::Exhibit>> {
    let Some(of) = &x.sample_of else {
        return Ok(None);
    };
    let bad = |message: String| {
        StoreError::Invalid(crate::domain::fields::FieldError {
            field: "sample_of".into(),
            message,
        })
    };
    let numbered = |n: &str| -> Result<Option<crate::domain::evidence::Exhibit>> {
        match super::refs::exhibit_numbered(conn, n)? {
            Some(id) => get(conn, id),
            None => Ok(None),
        }
    };
    let Some(source) = numbered(of)? else {
        return Err(bad(format!(
            "no exhibit {of}: add the item before the sample taken from it"
        )));
    };
    if source.parcel_id != x.parcel_id {
        return Err(bad(format!("exhibit {of} was seized from another parcel")));
    }
    // Up the chain of samples from the source: never back to this one.
    let mut at = Some(source.clone());
    let mut seen = std::collections::HashSet::new();
    while let Some(e) = at {
        if e.meta.id == x.meta.id || e.number.eq_ignore_ascii_case(&x.number) {
            return Err(bad(format!(
                "exhibit {of} is itself taken from {}: a sample cannot be taken from its own sample",
                x.number
            )));
        }
        if !seen.insert(e.meta.id) {
            break;
        }
        at = match &e.sample_of {
            Some(n) => numbered(n)?,
            None => None,
        };
    }
    Ok(Some(source))
}

/// A sample weighs no more than the exhibit it is taken from, added or
/// edited: `x` (a sample, or an exhibit samples are taken from) against
/// its source and each sample taken from it. Refused naming the field.
/// A warning when a finding's quantity, by mass, is more than its
/// parcel's whole weight (a g/kg slip: 37 kg of powder in a parcel of
/// 450 g reached the incident report unsaid).
pub fn finding_heavier_than_parcel(
    conn: &Connection,
    f: &crate::domain::Finding,
) -> Result<Option<String>> {
    let grams_per = match f.unit.as_deref() {
        Some("ug") => 1e-6,
        Some("mg") => 1e-3,
        Some("g") => 1.0,
        Some("kg") => 1000.0,
        _ => return Ok(None),
    };
    let Some(q) = f.quantity else {
        return Ok(None);
    };
    let Some(parcel) = get::<crate::domain::Parcel>(conn, f.parcel_id)? else {
        return Ok(None);
    };
    let Some(weight) = parcel.weight_g.filter(|w| *w > 0.0) else {
        return Ok(None);
    };
    Ok((q * grams_per > weight * 1.000_001).then(|| {
        format!(
            "quantity: {q} {} is more than the whole parcel {} weighs ({weight} g): a slip of units?",
            f.unit.as_deref().unwrap_or_default(),
            parcel.tracking
        )
    }))
}

pub fn sample_weights(conn: &Connection, x: &crate::domain::evidence::Exhibit) -> Result<()> {
    use crate::domain::evidence::Exhibit;
    // Each pair of weights compared: the sample's and its exhibit's, by
    // kind. (A sample's net weight against its exhibit's gross too: 12 g
    // of powder out of an exhibit of 10 g with its packaging, weighed
    // gross only at the counter, passed.)
    const PAIRS: [(&str, &str); 3] = [("net", "net"), ("net", "gross"), ("gross", "gross")];
    let weight = |e: &Exhibit, kind: &str| if kind == "net" { e.net_g } else { e.gross_g };
    let heavier = |(nk, mk): (&str, &str),
                   sample: &Exhibit,
                   source: &Exhibit,
                   edited_is_sample: bool| {
        let (Some(n), Some(m)) = (weight(sample, nk), weight(source, mk)) else {
            return None;
        };
        if n <= m {
            return None;
        }
        // (The other side's kind, said where the two differ.)
        let kind = |k: &str| {
            if nk == mk {
                String::new()
            } else {
                format!(" {k}")
            }
        };
        let (field, message) = if edited_is_sample {
            (
                nk,
                format!(
                    "a sample of {n} g ({nk}) weighs more than exhibit {} it is taken from ({m} g{})",
                    source.number,
                    kind(mk)
                ),
            )
        } else {
            (
                mk,
                format!(
                    "{m} g ({mk}) is less than its sample {} weighs ({n} g{})",
                    sample.number,
                    kind(nk)
                ),
            )
        };
        Some(StoreError::Invalid(crate::domain::fields::FieldError {
            field: format!("{field}_g"),
            message,
        }))
    };
    if let Some(source) = taken_from(conn, x)? {
        for pair in PAIRS {
            if let Some(e) = heavier(pair, x, &source, true) {
                return Err(e);
            }
        }
    }
    let samples: Vec<Exhibit> = list_where(conn, "parcel_id = ?1", [x.parcel_id], usize::MAX, 0)?;
    for s in samples.iter().filter(|s| {
        s.meta.id != x.meta.id
            && s.sample_of
                .as_deref()
                .is_some_and(|of| of.trim().eq_ignore_ascii_case(x.number.trim()))
    }) {
        for pair in PAIRS {
            if let Some(e) = heavier(pair, s, x, false) {
                return Err(e);
            }
        }
    }
    Ok(())
}

/// The item key of a stored record.
fn must_key<R: Record>(conn: &Connection, id: Uuid) -> Result<i64> {
    keys::key_of(conn, R::KIND, id)?
        .ok_or_else(|| StoreError::NotFound(format!("no {} with id {id}", R::KIND)))
}

/// Calls `f` with the number and record of every record of a kind, in
/// number order.
pub fn each_numbered<R: Record>(
    conn: &Connection,
    mut f: impl FnMut(i64, R) -> Result<()>,
) -> Result<()> {
    let sql = format!("{} ORDER BY n", select_numbered_sql::<R>());
    let at = columns::<R>().len();
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let n: i64 = row.get(at)?;
        f(n, from_row(row)?)?;
    }
    Ok(())
}

/// Calls `f` with the number and fields of each record of a kind that
/// `condition` (SQL over its table) selects, in no set order (sorting
/// whole rows by number cost more than reading them), until `f` returns
/// false (then false). The record is made from its fields' values
/// alone ([`Record::from_fields`], no serde map: a third of the time of
/// reading a row so) where its kind has such a maker, its provenance left
/// empty: for work on what records say (their identifiers), not on who
/// wrote them. Kinds without a maker are read whole. With `only`, the
/// fields not named are read as empty (the kind's required fields must be
/// named).
pub fn each_fields_where<R: Record>(
    conn: &Connection,
    condition: &str,
    only: Option<&[&str]>,
    mut f: impl FnMut(i64, R) -> Result<bool>,
) -> Result<bool> {
    let names: Vec<&str> = R::FIELDS.iter().map(|f| f.name).collect();
    let sql = format!(
        "SELECT {}, n FROM {} WHERE {condition}",
        names
            .iter()
            .map(|c| match only {
                Some(only) if !only.contains(c) => "NULL".to_string(),
                _ => format!("\"{c}\""),
            })
            .collect::<Vec<_>>()
            .join(", "),
        R::KIND.table()
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    let mut values: Vec<Value> = Vec::with_capacity(names.len());
    while let Some(row) = rows.next()? {
        values.clear();
        for (i, name) in names.iter().enumerate() {
            values.push(json_of_column(name, row.get(i)?));
        }
        let n: i64 = row.get(names.len())?;
        let rec = match R::from_fields(&mut values) {
            Some(made) => {
                made.map_err(|e| StoreError::Corrupt(format!("{} number {n}: {e}", R::KIND)))?
            }
            None => match get_numbered::<R>(conn, n)? {
                Some(r) => r,
                None => continue,
            },
        };
        if !f(n, rec)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The record numbered `n`, if any.
fn get_numbered<R: Record>(conn: &Connection, n: i64) -> Result<Option<R>> {
    let mut stmt = conn.prepare_cached(&format!("{} WHERE n = ?1", select_sql::<R>()))?;
    let mut rows = stmt.query([n])?;
    Ok(match rows.next()? {
        Some(row) => Some(from_row(row)?),
        None => None,
    })
}

/// Calls `f` with the number and record of at most `limit` records of a
/// kind numbered after `after`, in number order; returns the last number
/// visited (none when there were no more).
pub fn each_numbered_after<R: Record>(
    conn: &Connection,
    after: i64,
    limit: usize,
    mut f: impl FnMut(i64, R) -> Result<()>,
) -> Result<Option<i64>> {
    let none = std::collections::HashSet::new();
    each_numbered_after_but::<R>(conn, after, limit, &none, |n, r| match r {
        Some(r) => f(n, r),
        None => Ok(()),
    })
}

/// [`each_numbered_after`], a row whose id is in `skip` handed over as
/// `None`, not read as a record.
pub fn each_numbered_after_but<R: Record>(
    conn: &Connection,
    after: i64,
    limit: usize,
    skip: &std::collections::HashSet<Uuid>,
    mut f: impl FnMut(i64, Option<R>) -> Result<()>,
) -> Result<Option<i64>> {
    let sql = format!(
        "SELECT {}, n FROM {} WHERE n > ?1 ORDER BY n LIMIT ?2",
        read_list::<R>(),
        R::KIND.table()
    );
    let at = columns::<R>().len();
    let mut stmt = conn.prepare_cached(&sql)?;
    let id = stmt.column_index("id")?;
    let mut rows = stmt.query((after, limit.min(i64::MAX as usize) as i64))?;
    let mut last = None;
    while let Some(row) = rows.next()? {
        let n: i64 = row.get(at)?;
        let skipped = !skip.is_empty()
            && matches!(row.get::<_, Option<Uuid>>(id), Ok(Some(i)) if skip.contains(&i));
        f(n, if skipped { None } else { Some(from_row(row)?) })?;
        last = Some(n);
    }
    Ok(last)
}

/// What an update did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Updated {
    Changed,
    Unchanged,
}

/// Saves an edited record over its stored version. An edit that changes
/// no field writes nothing.
pub fn update<R: Record>(w: &mut Writer<'_>, rec: &mut R) -> Result<(Updated, Vec<String>)> {
    let id = rec.meta().id;
    let before: R = must_get(&w.tx, id)?;
    rec.derive();
    {
        // Provenance of creation never changes.
        let (b, m) = (before.meta().clone(), rec.meta_mut());
        m.created_at = b.created_at;
        m.created_by = b.created_by;
        m.origin_db = b.origin_db;
        m.updated_at = b.updated_at;
        m.updated_by = b.updated_by;
    }
    let before_json = to_json(&before)?;
    if to_json(rec)? == before_json {
        return Ok((Updated::Unchanged, Vec::new()));
    }
    if R::KIND == ItemKind::Finding {
        lab_confirmed_by_a_result(&w.tx, id, &before, rec)?;
    }
    // A link edited stays one `add link` would make: its type fits its
    // ends, and it repeats no other (an edit made "person recipient-of
    // parcel" twice, and "organisation arrested organisation", until
    // 2026-12-07). Asked only when its type or ends change: two alike
    // that a merge brought together (each post linked the same two) each
    // take a note or a grade (refused "already exists" until a later
    // session of 2026-12-07).
    let was_link = (&before as &dyn std::any::Any)
        .downcast_ref::<crate::domain::Link>()
        .map(|b| (b.from_id, b.to_id, b.link_type.clone()));
    if let Some(l) = (rec as &mut dyn std::any::Any).downcast_mut::<crate::domain::Link>() {
        // (Turned round where its new type reads the other way, as a new
        // link is.)
        l.orient().map_err(StoreError::Invalid)?;
        let moved = was_link != Some((l.from_id, l.to_id, l.link_type.clone()));
        if moved && let Some(other) = super::create::same_link(&w.tx, l)? {
            return Err(StoreError::Duplicate(format!(
                "link_type: that {} link already exists (id {other})",
                l.link_type
            )));
        }
    }
    let was = &before as &dyn std::any::Any;
    if let Some(s) = (rec as &dyn std::any::Any).downcast_ref::<crate::domain::Substance>() {
        super::create::substance_is_new(&w.tx, s, was.downcast_ref())?;
    }
    if let (Some(p), Some(b)) = (
        (rec as &dyn std::any::Any).downcast_ref::<Parcel>(),
        was.downcast_ref::<Parcel>(),
    ) {
        super::create::tracking_is_free(&w.tx, p, b)?;
    }
    let result = (rec as &dyn std::any::Any).downcast_ref::<crate::domain::evidence::LabResult>();
    let result_of = result.map(|x| x.finding_id);
    if let Some(x) = result {
        // What the result says must agree with its finding's substance.
        let f: crate::domain::Finding = must_get(&w.tx, x.finding_id)?;
        let substance: crate::domain::Substance = must_get(&w.tx, f.substance_id)?;
        x.against_finding(&substance).map_err(StoreError::Invalid)?;
    }
    if let Some(x) = (rec as &dyn std::any::Any).downcast_ref::<crate::domain::evidence::Exhibit>()
    {
        sample_weights(&w.tx, x)?;
    }
    if let (Some(d), Some(b)) = (
        (rec as &dyn std::any::Any).downcast_ref::<crate::domain::evidence::Document>(),
        was.downcast_ref::<crate::domain::evidence::Document>(),
    ) && let Some(field) = d.fingerprint_changed(b)
    {
        return Err(StoreError::Invalid(crate::domain::fields::FieldError {
            field: field.into(),
            message: "a document's fingerprint (sha256, size_bytes, embedded) and the item it is on are never edited: they are how a changed file is noticed; add the file again with `document add` (the old entry stays)".into(),
        }));
    }
    if R::KIND == ItemKind::Custody {
        return Err(StoreError::Refused(
            "a custody entry is never edited: the log is appended to (record a correcting hand-over with custody add, saying what it corrects)".into(),
        ));
    }
    {
        let m = rec.meta_mut();
        m.updated_at = w.now.clone();
        m.updated_by = w.actor.to_string();
    }
    let mut warnings = record::validate(rec)?;
    if let Some(f) = (rec as &dyn std::any::Any).downcast_ref::<crate::domain::Finding>() {
        warnings.extend(finding_heavier_than_parcel(&w.tx, f)?);
    }
    // Only what changed is written: the changed columns (so indexes on
    // unchanged ones are not rewritten), the identifier rows and the search
    // row if they differ from what is stored.
    update_columns(w, &before, rec)?;
    let item = must_key::<R>(&w.tx, id)?;
    if w.indexing {
        let was = identifiers_of(&w.tx, &before)?;
        index::replace(&w.tx, item, &identifiers_of(&w.tx, rec)?, Some(&was))?;
        search::update_record(&w.tx, item, rec)?;
    }
    screened(w, item, rec, false)?;
    notes_follow_parcel(w, rec, Some(&before))?;
    audit::append(
        w,
        "update",
        R::KIND.as_str(),
        id,
        Some(&before_json),
        Some(&to_json(rec)?),
    )?;
    if let Some(f) = result_of {
        let was = (&before as &dyn std::any::Any)
            .downcast_ref::<crate::domain::evidence::LabResult>()
            .map(report_ref);
        finding_follows_its_results(w, f, was.as_deref())?;
    }
    if let (Some(x), Some(b)) = (
        (rec as &dyn std::any::Any).downcast_ref::<crate::domain::evidence::Exhibit>(),
        (&before as &dyn std::any::Any).downcast_ref::<crate::domain::evidence::Exhibit>(),
    ) && x.number.trim() != b.number.trim()
    {
        samples_follow(w, x, &b.number)?;
    }
    Ok((Updated::Changed, warnings))
}

/// The samples taken from exhibit `x`, renumbered from `was`, name it by
/// its new number (each written as an edit, audited): they kept the old
/// one, which no exhibit had, so a sample could no longer be edited, and
/// in time named another parcel's exhibit given that number.
fn samples_follow(
    w: &mut Writer<'_>,
    x: &crate::domain::evidence::Exhibit,
    was: &str,
) -> Result<()> {
    let samples: Vec<crate::domain::evidence::Exhibit> =
        list_where(&w.tx, "parcel_id = ?1", [x.parcel_id], usize::MAX, 0)?;
    for mut s in samples.into_iter().filter(|s| {
        s.meta.id != x.meta.id
            && s.sample_of
                .as_deref()
                .is_some_and(|of| of.trim().eq_ignore_ascii_case(was.trim()))
    }) {
        s.sample_of = Some(x.number.clone());
        update(w, &mut s)?;
    }
    Ok(())
}

/// How a finding's test reference names a laboratory result: `LAB REF`.
fn report_ref(r: &crate::domain::evidence::LabResult) -> String {
    format!("{} {}", r.laboratory, r.reference)
}

/// A lab-confirmed finding whose laboratory results no longer confirm it
/// (one edited out of `confirmed`, or deleted) is presumptive again; one
/// whose test reference named the result `was` (as it was before its
/// edit, or deleted) names a result that still confirms it, or none (a
/// report cited a deleted result, or one that now contradicts it).
fn finding_follows_its_results(w: &mut Writer<'_>, finding: Uuid, was: Option<&str>) -> Result<()> {
    let Some(mut f) = get::<crate::domain::Finding>(&w.tx, finding)? else {
        return Ok(());
    };
    let mut changed = false;
    let confirmed = super::related::confirmed_by_lab(&w.tx, finding)?;
    if f.identification == "lab-confirmed" && !confirmed {
        f.identification = "presumptive".into();
        changed = true;
    }
    // And one a result confirms again (edited back to `confirmed`) is
    // lab-confirmed, naming a confirming result, as `lab add` makes it:
    // it stayed presumptive while the report cited the result's purity.
    if f.identification != "lab-confirmed" && confirmed {
        let confirming = super::related::confirming_results(&w.tx, finding)?;
        f.identification = "lab-confirmed".into();
        let named = f.test_ref.as_deref().map(str::trim);
        if !named.is_some_and(|n| confirming.iter().any(|c| c == n)) {
            f.test_ref = confirming.into_iter().next();
        }
        update(w, &mut f)?;
        return Ok(());
    }
    let named = f.test_ref.as_deref().map(str::trim);
    if let (Some(was), Some(named)) = (was, named)
        && named == was.trim()
    {
        let results: Vec<crate::domain::evidence::LabResult> =
            list_where(&w.tx, "finding_id = ?1", [finding], usize::MAX, 0)?;
        let confirming: Vec<String> = results
            .iter()
            .filter(|r| r.confirms())
            .map(report_ref)
            .collect();
        if !confirming.iter().any(|c| c.trim() == named) {
            f.test_ref = confirming.into_iter().next();
            changed = true;
        }
    }
    if changed {
        update(w, &mut f)?;
    }
    Ok(())
}

fn delete_one<R: Record>(w: &mut Writer<'_>, id: Uuid) -> Result<R> {
    let before: R = must_get(&w.tx, id)?;
    if let Some(c) = (&before as &dyn std::any::Any).downcast_ref::<crate::domain::Case>()
        && let Some(n) = crate::domain::case::parse_reference(&c.reference)
    {
        // Its reference is never given to another case.
        super::refs::case_number_used(&w.tx, n)?;
    }
    let item = must_key::<R>(&w.tx, id)?;
    w.tx.prepare_cached(&format!("DELETE FROM {} WHERE id = ?1", R::KIND.table()))?
        .execute([id])?;
    if w.indexing {
        let was = identifiers_of(&w.tx, &before)?;
        index::replace(&w.tx, item, &[], Some(&was))?;
        search::remove(&w.tx, item)?;
    }
    audit::append(
        w,
        "delete",
        R::KIND.as_str(),
        id,
        Some(&to_json(&before)?),
        None,
    )?;
    Ok(before)
}

fn ids_where(conn: &Connection, sql: &str, id: Uuid) -> Result<Vec<Uuid>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([id], |r| r.get::<_, Uuid>(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Deletes an item and what cannot stand without it: its findings, the
/// links to and from it, and the notes on it. Every deletion is audited
/// with the record as it was. Returns how many records were deleted. A
/// laboratory result deleted on its own leaves its finding lab-confirmed
/// only if another result still confirms it.
pub fn delete(w: &mut Writer<'_>, kind: ItemKind, id: Uuid) -> Result<usize> {
    let finding = match kind {
        ItemKind::LabResult => get::<crate::domain::evidence::LabResult>(&w.tx, id)?
            .map(|r| (r.finding_id, report_ref(&r))),
        _ => None,
    };
    let n = delete_with(w, kind, id)?;
    if let Some((f, was)) = finding {
        finding_follows_its_results(w, f, Some(&was))?;
    }
    Ok(n)
}

/// [`delete`], what cannot stand without the item deleted with it (a
/// finding's results with it, the finding left alone).
fn delete_with(w: &mut Writer<'_>, kind: ItemKind, id: Uuid) -> Result<usize> {
    let doomed = doomed(&w.tx, kind, id)?;
    for (k, i) in &doomed {
        crate::with_record_type!(*k, R => drop(delete_one::<R>(w, *i)?));
    }
    Ok(doomed.len())
}

/// What deleting an item deletes, each record once and before what it
/// hangs on, the item itself last: the notes and documents on it, the
/// links to and from it, and what cannot stand without it (a parcel's
/// findings, inspections, exhibits and deliveries, a substance's
/// findings, a finding's laboratory results), each with what hangs on
/// that. Refused as a whole where a custody log would lose entries.
pub fn doomed(conn: &Connection, kind: ItemKind, id: Uuid) -> Result<Vec<(ItemKind, Uuid)>> {
    fn walk(
        conn: &Connection,
        kind: ItemKind,
        id: Uuid,
        seen: &mut std::collections::HashSet<Uuid>,
        out: &mut Vec<(ItemKind, Uuid)>,
    ) -> Result<()> {
        if !seen.insert(id) {
            return Ok(());
        }
        refuse_custody_loss(conn, kind, id)?;
        for note in ids_where(conn, "SELECT id FROM notes WHERE item_id = ?1", id)? {
            walk(conn, ItemKind::Note, note, seen, out)?;
        }
        for doc in ids_where(conn, "SELECT id FROM documents WHERE item_id = ?1", id)? {
            walk(conn, ItemKind::Document, doc, seen, out)?;
        }
        // A link goes with what is written on it (a note on a link was
        // left behind, on a link no longer there, and exported so).
        let links = "SELECT id FROM links WHERE from_id = ?1 OR to_id = ?1";
        for link in ids_where(conn, links, id)? {
            walk(conn, ItemKind::Link, link, seen, out)?;
        }
        // What cannot stand without the item, and the kind it is.
        let children: &[(&str, ItemKind)] = match kind {
            ItemKind::Parcel => &[
                (
                    "SELECT id FROM findings WHERE parcel_id = ?1",
                    ItemKind::Finding,
                ),
                (
                    "SELECT id FROM inspections WHERE parcel_id = ?1",
                    ItemKind::Inspection,
                ),
                (
                    "SELECT id FROM exhibits WHERE parcel_id = ?1",
                    ItemKind::Exhibit,
                ),
                (
                    "SELECT id FROM deliveries WHERE parcel_id = ?1",
                    ItemKind::Delivery,
                ),
            ],
            ItemKind::Substance => &[(
                "SELECT id FROM findings WHERE substance_id = ?1",
                ItemKind::Finding,
            )],
            ItemKind::Finding => &[(
                "SELECT id FROM lab_results WHERE finding_id = ?1",
                ItemKind::LabResult,
            )],
            // A sample names the exhibit it is taken from by its number:
            // left behind, it named a number no exhibit had, or in time
            // another parcel's exhibit given it.
            ItemKind::Exhibit => &[(
                "SELECT s.id FROM exhibits s JOIN exhibits e ON e.id = ?1 \
                 WHERE s.parcel_id = e.parcel_id AND s.id <> e.id \
                 AND trim(s.sample_of) = trim(e.number) COLLATE NOCASE",
                ItemKind::Exhibit,
            )],
            _ => &[],
        };
        for (sql, child) in children {
            for c in ids_where(conn, sql, id)? {
                walk(conn, *child, c, seen, out)?;
            }
        }
        out.push((kind, id));
        Ok(())
    }
    let mut out = Vec::new();
    walk(
        conn,
        kind,
        id,
        &mut std::collections::HashSet::new(),
        &mut out,
    )?;
    Ok(out)
}

/// The message for a finding made lab-confirmed by hand.
pub const LAB_CONFIRMED_BY_RESULT: &str = "a finding becomes lab-confirmed through a laboratory result that confirms it: interdict lab add FINDING --lab NAME --ref REPORT --method GC-MS";

/// A finding becomes lab-confirmed only through a laboratory result: an
/// edit that makes it so without a confirming result is refused. While a
/// result confirms it, an edit keeps it lab-confirmed and its test
/// reference naming a confirming result (`presumptive` and a reference no
/// result has were taken, and the report cited one result's figures under
/// another's name, the trail with no flag).
fn lab_confirmed_by_a_result<R: Record>(
    conn: &Connection,
    id: Uuid,
    before: &R,
    after: &R,
) -> Result<()> {
    let field = |r: &R, name: &str| {
        serde_json::to_value(r).ok().and_then(|v| {
            v.get(name)
                .and_then(|x| x.as_str())
                .map(|s| s.trim().to_string())
        })
    };
    let ident = |r: &R| field(r, "identification");
    let refused = |field: &str, message: String| {
        Err(StoreError::Invalid(crate::domain::fields::FieldError {
            field: field.into(),
            message,
        }))
    };
    if ident(before).as_deref() == Some("lab-confirmed") {
        let confirming = super::related::confirming_results(conn, id)?;
        if !confirming.is_empty() {
            if ident(after).as_deref() != Some("lab-confirmed") {
                return refused(
                    "identification",
                    format!(
                        "{} confirms it: the finding stays lab-confirmed while a confirming result stands (delete the result, and the finding is presumptive again)",
                        confirming.join(", ")
                    ),
                );
            }
            let reference = field(after, "test_ref");
            if reference != field(before, "test_ref")
                && !reference.as_ref().is_some_and(|r| confirming.contains(r))
            {
                return refused(
                    "test_ref",
                    format!(
                        "a lab-confirmed finding's test reference names a result that confirms it: {}",
                        confirming.join(" or ")
                    ),
                );
            }
        }
    }
    if ident(after).as_deref() != Some("lab-confirmed") || ident(before) == ident(after) {
        return Ok(());
    }
    let confirmed = super::related::confirmed_by_lab(conn, id)?;
    if confirmed {
        Ok(())
    } else {
        Err(StoreError::Invalid(crate::domain::fields::FieldError {
            field: "identification".into(),
            message: LAB_CONFIRMED_BY_RESULT.into(),
        }))
    }
}

/// A custody log is appended to, never shortened: an entry, and an
/// exhibit (or the parcel of an exhibit) that has entries, is not deleted.
fn refuse_custody_loss(conn: &Connection, kind: ItemKind, id: Uuid) -> Result<()> {
    let entries: i64 = match kind {
        ItemKind::Custody => 1,
        ItemKind::Exhibit => conn
            .prepare_cached("SELECT count(*) FROM custody WHERE exhibit_id = ?1")?
            .query_row([id], |r| r.get(0))?,
        ItemKind::Parcel => conn
            .prepare_cached(
                "SELECT count(*) FROM custody WHERE exhibit_id IN (SELECT id FROM exhibits WHERE parcel_id = ?1)",
            )?
            .query_row([id], |r| r.get(0))?,
        _ => 0,
    };
    if entries == 0 {
        return Ok(());
    }
    Err(StoreError::Refused(match kind {
        ItemKind::Custody => "a custody entry is never deleted: the log is appended to (record a correcting hand-over with custody add)".into(),
        _ => format!(
            "this {kind} holds {entries} custody entr{} of seized evidence, which are never deleted",
            if entries == 1 { "y" } else { "ies" }
        ),
    }))
}

/// The label of any item, for lists of links and search results.
pub fn label_of(conn: &Connection, kind: ItemKind, id: Uuid) -> Result<String> {
    fn l<R: Record>(conn: &Connection, id: Uuid) -> Result<Option<String>> {
        Ok(get::<R>(conn, id)?.map(|r| r.label()))
    }
    let label = crate::with_record_type!(kind, R => l::<R>(conn, id)?);
    Ok(label.unwrap_or_else(|| format!("(missing {kind} {id})")))
}

/// [`label_of`] headed by the item's kind (`person Ivan Petrov`), once: a
/// note's label begins with its kind already.
pub fn kind_and_label(conn: &Connection, kind: ItemKind, id: Uuid) -> Result<String> {
    Ok(headed(kind, &label_of(conn, kind, id)?))
}

/// A label headed by its item's kind once: a note's or an exhibit's label
/// begins with it already ("added exhibit exhibit EX-1", "on exhibit
/// exhibit EX-1" were said).
pub fn headed(kind: ItemKind, label: &str) -> String {
    match label.strip_prefix(kind.as_str()) {
        Some(rest) if rest.starts_with(' ') => label.to_string(),
        _ => format!("{kind} {label}"),
    }
}

/// Any item as its audit entries record it (`to_json`).
pub fn stored_json(conn: &Connection, kind: ItemKind, id: Uuid) -> Result<String> {
    fn j<R: Record>(conn: &Connection, id: Uuid) -> Result<String> {
        to_json(&must_get::<R>(conn, id)?)
    }
    crate::with_record_type!(kind, R => j::<R>(conn, id))
}

/// The stored JSON form of any item.
pub fn json_of(conn: &Connection, kind: ItemKind, id: Uuid) -> Result<Value> {
    fn j<R: Record>(conn: &Connection, id: Uuid) -> Result<Value> {
        let r: R = must_get(conn, id)?;
        serde_json::to_value(r).map_err(|e| StoreError::Corrupt(e.to_string()))
    }
    crate::with_record_type!(kind, R => j::<R>(conn, id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{OpenOptions, Store};

    /// A record's origin is kept as a number of the file's own (schema
    /// 20) and read as the notebook's id: one made here and one from
    /// another notebook each read back with theirs, each id in `origins`
    /// once. A copy into a second file (an export's) numbers them its own
    /// way, reads the same records, and the two files' rows are the same.
    #[test]
    fn origins_are_numbers_of_the_files_own_and_read_as_ids() {
        use crate::domain::record::new_record;
        let dir = tempfile::tempdir().unwrap();
        let mut a = Store::open(&dir.path().join("a.db"), OpenOptions::new("t")).unwrap();
        let other = Uuid::now_v7();
        let (here, there) = a
            .write(|w| {
                let (mut p, _) = new_record::<Parcel>(&[("tracking", "RR123456785KZ")])?;
                super::super::create::parcel(w, &mut p)?;
                let (mut q, _) = new_record::<Parcel>(&[("tracking", "EE473124829CN")])?;
                q.meta.id = Uuid::now_v7();
                q.meta.created_at = "2026-01-02T03:04:05.006Z".into();
                q.meta.created_by = "elsewhere".into();
                q.meta.updated_at = q.meta.created_at.clone();
                q.meta.updated_by = "elsewhere".into();
                q.meta.origin_db = other;
                put_verbatim(w, &q, "merge")?;
                Ok((p, q))
            })
            .unwrap();
        let stored = |s: &Connection, id: Uuid| -> (String, i64) {
            s.query_row(
                "SELECT typeof(origin_db), origin_db FROM parcels WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
        };
        let origins = |s: &Connection, id: Uuid| -> i64 {
            s.query_row("SELECT count(*) FROM origins WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
        };
        for (p, origin) in [(&here, a.db_id()), (&there, other)] {
            assert_eq!(stored(a.conn(), p.meta.id).0, "integer");
            assert_eq!(origins(a.conn(), origin), 1);
            let read: Parcel = must_get(a.conn(), p.meta.id).unwrap();
            assert_eq!(read.meta.origin_db, origin);
            assert_eq!(to_json(&read).unwrap(), to_json(p).unwrap());
        }
        // A second file, whose first origin is its catalogue's, then the
        // other notebook's: the numbers differ, the records do not.
        let mut b = Store::open(&dir.path().join("b.db"), OpenOptions::new("t")).unwrap();
        b.write(|w| {
            assert!(copy_row::<Parcel>(a.conn(), w, there.meta.id)?);
            assert!(copy_row::<Parcel>(a.conn(), w, here.meta.id)?);
            Ok(())
        })
        .unwrap();
        assert_ne!(
            stored(a.conn(), here.meta.id).1,
            stored(b.conn(), here.meta.id).1,
            "numbered by each file"
        );
        for p in [&here, &there] {
            let copied: Parcel = must_get(b.conn(), p.meta.id).unwrap();
            assert_eq!(to_json(&copied).unwrap(), to_json(p).unwrap());
        }
        let same = same_rows(a.conn(), b.conn(), ItemKind::Parcel).unwrap();
        assert!(
            same.contains(&here.meta.id) && same.contains(&there.meta.id),
            "{same:?}"
        );
    }

    /// A record never changed keeps its last change's time and author as
    /// empty texts (schema 21) and reads its creation's; once changed it
    /// keeps its own; a received record that lacks them is refused.
    #[test]
    fn a_record_never_changed_reads_its_creation_as_its_last_change() {
        use crate::domain::record::new_record;
        let (_d, mut s) = crate::store::testutil::temp_store();
        let mut p = s
            .write(|w| {
                let (mut p, _) = new_record::<Parcel>(&[("tracking", "RR123456785KZ")])?;
                super::super::create::parcel(w, &mut p)?;
                Ok(p)
            })
            .unwrap();
        let stored = |s: &Store| -> (String, String) {
            s.conn()
                .query_row(
                    "SELECT quote(updated_at), quote(updated_by) FROM parcels",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap()
        };
        assert_eq!(stored(&s), ("''".to_string(), "''".to_string()));
        let read: Parcel = must_get(s.conn(), p.meta.id).unwrap();
        assert_eq!(read.meta.updated_at, p.meta.created_at);
        assert_eq!(read.meta.updated_by, p.meta.created_by);
        assert_eq!(to_json(&read).unwrap(), to_json(&p).unwrap());
        // A change: its own time (and the same author, kept as the
        // creation's).
        std::thread::sleep(std::time::Duration::from_millis(5));
        p.declared_contents = Some("tea".into());
        s.write(|w| update(w, &mut p)).unwrap();
        let read: Parcel = must_get(s.conn(), p.meta.id).unwrap();
        assert_ne!(read.meta.updated_at, read.meta.created_at);
        assert_eq!(to_json(&read).unwrap(), to_json(&p).unwrap());
        assert_ne!(stored(&s).0, "''");
        let check = crate::store::integrity::check(s.conn()).unwrap();
        assert!(check.problems.is_empty(), "{:?}", check.problems);
        // Received without an author of its last change: refused.
        let (mut q, _) = new_record::<Parcel>(&[("tracking", "EE473124829CN")]).unwrap();
        q.meta.id = Uuid::now_v7();
        q.meta.created_at = "2026-01-02T03:04:05.006Z".into();
        q.meta.created_by = "elsewhere".into();
        q.meta.updated_at = q.meta.created_at.clone();
        q.meta.origin_db = Uuid::now_v7();
        let refused = s.write(|w| put_verbatim(w, &q, "merge"));
        assert!(
            matches!(refused, Err(StoreError::Corrupt(_))),
            "{refused:?}"
        );
    }

    #[test]
    fn same_rows_are_those_held_alike_and_not_in_conflict() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = Store::open(&dir.path().join("a.db"), OpenOptions::new("t")).unwrap();
        crate::exchange::demo::generate(&mut a, 60, 1, |_, _| {}).unwrap();
        // A copy of a database, to change out of band.
        let copy = |of: &Connection, name: &str| {
            let path = dir.path().join(name);
            of.execute("VACUUM INTO ?1", [path.to_str().unwrap()])
                .unwrap();
            let c = Connection::open(&path).unwrap();
            c.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
            c
        };
        let b = copy(a.conn(), "b.db");
        let ids: Vec<Uuid> = b
            .prepare("SELECT id FROM parcels ORDER BY n")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(ids.len(), 60);
        let same = same_rows(a.conn(), &b, ItemKind::Parcel).unwrap();
        assert_eq!(same.len(), 60);
        // Writers keyed otherwise in another file are the same names; a
        // name that differs is not.
        let rekeyed = copy(a.conn(), "rekeyed.db");
        let key: Vec<u8> = rekeyed
            .query_row("SELECT created_by FROM parcels LIMIT 1", [], |r| r.get(0))
            .unwrap();
        let name: String = rekeyed
            .query_row("SELECT name FROM writers WHERE k = ?1", [&key], |r| {
                r.get(0)
            })
            .unwrap();
        rekeyed
            .execute(
                "UPDATE writers SET name = 'was ' || name WHERE k = ?1",
                [&key],
            )
            .unwrap();
        rekeyed
            .execute(
                "INSERT INTO writers (k, name) VALUES (x'7f7f', ?1)",
                [&name],
            )
            .unwrap();
        for col in ["created_by", "updated_by"] {
            rekeyed
                .execute(
                    &format!("UPDATE parcels SET {col} = x'7f7f' WHERE {col} = ?1"),
                    [&key],
                )
                .unwrap();
        }
        let moved: i64 = rekeyed
            .query_row(
                "SELECT count(*) FROM parcels WHERE created_by = x'7f7f'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(moved, 60);
        assert_eq!(
            same_rows(a.conn(), &rekeyed, ItemKind::Parcel)
                .unwrap()
                .len(),
            60
        );
        rekeyed
            .execute("UPDATE writers SET name = 'mallory' WHERE k = x'7f7f'", [])
            .unwrap();
        assert!(
            same_rows(a.conn(), &rekeyed, ItemKind::Parcel)
                .unwrap()
                .is_empty()
        );
        // One column of one parcel differs; another has a conflict here.
        b.execute(
            "UPDATE parcels SET weight_g = weight_g + 1 WHERE id = ?1",
            [ids[3]],
        )
        .unwrap();
        b.execute(
            "INSERT INTO conflicts (item_kind, item_id, source_id, incoming, incoming_key, detected_at, status)
             VALUES ('parcel', ?1, ?1, '{}', 'k', 'now', 'kept-local')",
            [ids[7]],
        )
        .unwrap();
        // One written out of band with an id that is not a blob names no
        // record, and stops nothing.
        b.execute(
            "INSERT INTO conflicts (item_kind, item_id, source_id, incoming, incoming_key, detected_at, status)
             VALUES ('parcel', 'not an id', ?1, '{}', 'k2', 'now', 'open')",
            [ids[7]],
        )
        .unwrap();
        let same = same_rows(a.conn(), &b, ItemKind::Parcel).unwrap();
        assert_eq!(same.len(), 58);
        assert!(!same.contains(&ids[3]) && !same.contains(&ids[7]));
        assert!(same.contains(&ids[0]));
        // Rows only one side holds, alone and in runs longer than the
        // notebook's cursor steps over, are never the same; the rest are
        // found whichever side holds more.
        let gone = |c: &Connection, which: &dyn Fn(usize) -> bool| {
            for (i, id) in ids.iter().enumerate() {
                if which(i) {
                    c.execute("DELETE FROM parcels WHERE id = ?1", [id])
                        .unwrap();
                }
            }
        };
        let c = copy(a.conn(), "c.db");
        let mut sorted = ids.clone();
        sorted.sort();
        let rank = |id: &Uuid| sorted.iter().position(|s| s == id).unwrap();
        // One lacks every fifth; the other a run of 25 (by id), whose rows
        // the first holds more than 16 of in a row. Read either way, the
        // notebook holds at most twice the file's rows, so its cursor
        // steps, and seeks past the run.
        gone(&c, &|i| i % 5 == 0);
        gone(&b, &|i| (5..30).contains(&rank(&ids[i])));
        let want: std::collections::HashSet<Uuid> = ids
            .iter()
            .enumerate()
            .filter(|&(i, id)| i % 5 != 0 && !(5..30).contains(&rank(id)) && i != 3 && i != 7)
            .map(|(_, id)| *id)
            .collect();
        assert_eq!(same_rows(&c, &b, ItemKind::Parcel).unwrap(), want);
        // (The conflict is the notebook's: read the other way, it is not.)
        let mut back = want.clone();
        if !(5..30).contains(&rank(&ids[7])) {
            back.insert(ids[7]);
        }
        assert_eq!(same_rows(&b, &c, ItemKind::Parcel).unwrap(), back);
        // A file of a few rows against a notebook of many seeks each one.
        let d = copy(&c, "d.db");
        gone(&d, &|i| i % 7 != 1);
        let few: std::collections::HashSet<Uuid> = back
            .iter()
            .filter(|id| ids.iter().position(|i| i == *id).unwrap() % 7 == 1)
            .copied()
            .collect();
        assert!(few.len() >= 3, "{few:?}");
        assert_eq!(same_rows(&d, &b, ItemKind::Parcel).unwrap(), few);
        // Tables of different shapes compare nothing.
        b.execute_batch("ALTER TABLE parcels ADD COLUMN extra TEXT")
            .unwrap();
        assert!(
            same_rows(a.conn(), &b, ItemKind::Parcel)
                .unwrap()
                .is_empty()
        );
    }
}
