//! Timestamps as the file stores them (schema 15): the milliseconds since
//! 1970 as an integer (6 bytes where the text took 24) whenever that number
//! gives back the very text it came from, and otherwise the text itself.
//! The columns that hold them (records' `created_at` and `updated_at`, the
//! audit's `at`) have no type affinity, so SQLite keeps either as it is
//! given. Everything above the store sees the text (`meta::now`'s format,
//! RFC 3339, UTC, milliseconds): records' JSON, state hashes and the audit
//! chain's hashes are computed over the text, never over the number.

use crate::domain::meta;
use rusqlite::types::{Value as Sql, ValueRef};

/// Whether a record column holds a timestamp stored as [`encode`] says.
pub fn is_stamp_column(column: &str) -> bool {
    matches!(column, "created_at" | "updated_at")
}

/// The milliseconds a canonical timestamp stands for, when the text is one
/// (`2026-12-05T05:35:31.123Z`, years 0000-9999) and they give it back.
pub fn millis(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 24 || !b[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let t: jiff::Timestamp = text.parse().ok()?;
    (meta::format_timestamp(t) == text).then(|| t.as_millisecond())
}

/// The value to store for a timestamp's text: its milliseconds when they
/// give the text back, else the text.
pub fn encode(text: &str) -> Sql {
    match millis(text) {
        Some(ms) => Sql::Integer(ms),
        None => Sql::Text(text.to_string()),
    }
}

/// The text of a stored timestamp (as [`encode`] left it). An integer no
/// timestamp can be (beyond year 9999) reads as its digits; a NULL as "".
pub fn decode(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Integer(ms) => match jiff::Timestamp::from_millisecond(ms) {
            Ok(t) => meta::format_timestamp(t),
            Err(_) => ms.to_string(),
        },
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Null => String::new(),
    }
}

/// Column `i` of a row, as a timestamp's text.
pub fn get(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<String> {
    Ok(decode(row.get_ref(i)?))
}

/// The SQL expression that reads a timestamp column as its text, as
/// [`decode`] does (for someone reading the file with SQL alone).
pub fn sql_decode(col: &str) -> String {
    let ms = format!("(({col} % 1000) + 1000) % 1000");
    format!(
        "CASE typeof({col}) WHEN 'integer' \
         THEN strftime('%Y-%m-%dT%H:%M:%S', ({col} - {ms}) / 1000, 'unixepoch') || printf('.%03dZ', {ms}) \
         ELSE {col} END"
    )
}

/// SQL that holds when the timestamp column `col` is on or after the
/// day (`YYYY-MM-DD`, or a moment to the second) bound as `param`: a
/// stored number against that moment's milliseconds, a stored text
/// against the text, as it always compared.
pub fn sql_on_or_after(col: &str, param: &str) -> String {
    format!(
        "{col} >= CASE typeof({col}) WHEN 'integer' \
            THEN CAST(strftime('%s', {param}) AS INTEGER) * 1000 ELSE {param} END"
    )
}

/// The SQL expression that turns a timestamp column's stored text into its
/// milliseconds, for the upgrade to schema 15: the same rule as [`millis`]
/// (the canonical shape, and a number that gives the text back); any
/// other value is kept as it is.
pub fn sql_encode(col: &str) -> String {
    let digit = "[0-9]";
    let shape = format!(
        "{d}{d}{d}{d}-{d}{d}-{d}{d}T{d}{d}:{d}{d}:{d}{d}.{d}{d}{d}Z",
        d = digit
    );
    let ms = format!(
        "(CAST(strftime('%s', substr({col}, 1, 19)) AS INTEGER) * 1000 + CAST(substr({col}, 21, 3) AS INTEGER))"
    );
    format!(
        "CASE WHEN typeof({col}) = 'text' AND {col} GLOB '{shape}' \
              AND strftime('%Y-%m-%dT%H:%M:%S', substr({col}, 1, 19)) = substr({col}, 1, 19) \
         THEN {ms} ELSE {col} END"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn back(v: Sql) -> String {
        let r: ValueRef<'_> = (&v).into();
        decode(r)
    }

    #[test]
    fn a_canonical_timestamp_is_stored_as_its_milliseconds_and_read_back_alike() {
        for t in [
            "2026-12-05T05:35:31.123Z",
            "1970-01-01T00:00:00.000Z",
            "1969-12-31T23:59:59.999Z",
            "0001-01-01T00:00:00.000Z",
            "9999-01-01T23:59:59.999Z",
            "2024-02-29T12:00:00.500Z",
        ] {
            let v = encode(t);
            assert!(matches!(v, Sql::Integer(_)), "{t}");
            assert_eq!(back(v), t);
        }
        assert_eq!(millis("1970-01-01T00:00:01.002Z"), Some(1002));
    }

    #[test]
    fn any_other_text_is_kept_as_text() {
        for t in [
            "2026-01-01T00:00:00Z",
            "2026-12-05T05:35:31.123+00:00",
            "2026-12-05 05:35:31.123Z",
            "2026-02-30T00:00:00.000Z",
            "12345",
            "",
            "now",
            "2026-12-05T05:35:31.1234Z",
        ] {
            let v = encode(t);
            assert_eq!(v, Sql::Text(t.to_string()), "{t}");
            assert_eq!(back(v), t);
        }
    }

    #[test]
    fn the_upgrade_sql_converts_exactly_what_the_code_does() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE t (at)").unwrap();
        let texts = [
            "2026-12-05T05:35:31.123Z",
            "1970-01-01T00:00:00.000Z",
            "1969-12-31T23:59:59.999Z",
            "2024-02-29T12:00:00.500Z",
            "2026-02-30T00:00:00.000Z",
            "2026-01-01T24:00:00.000Z",
            "2026-01-01T00:00:60.000Z",
            "2026-01-01T00:00:00Z",
            "12345",
            "now",
        ];
        for t in texts {
            c.execute("INSERT INTO t (at) VALUES (?1)", [t]).unwrap();
        }
        let sql = format!("SELECT {} FROM t ORDER BY rowid", sql_encode("at"));
        let mut stmt = c.prepare(&sql).unwrap();
        let got: Vec<Sql> = stmt
            .query_map([], |r| r.get::<_, Sql>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for (t, v) in texts.iter().zip(got) {
            assert_eq!(v, encode(t), "{t}");
        }
        // And read back by SQL alone as the code reads it.
        let sql = format!(
            "SELECT {} FROM (SELECT {} AS at FROM t ORDER BY rowid)",
            sql_decode("at"),
            sql_encode("at")
        );
        let mut stmt = c.prepare(&sql).unwrap();
        let back: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(back, texts);
    }
}
