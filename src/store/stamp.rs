//! Timestamps as the file stores them (schema 15): the milliseconds since
//! 1970 as an integer (6 bytes where the text took 24) whenever that number
//! gives back the very text it came from, and otherwise the text itself.
//! The columns that hold them (records' `created_at` and `updated_at`, the
//! audit's `at`) have no type affinity, so SQLite keeps either as it is
//! given. Everything above the store sees the text (`meta::now`'s format,
//! RFC 3339, UTC, milliseconds): records' JSON, state hashes and the audit
//! chain's hashes are computed over the text, never over the number.
//!
//! Every record read and written goes through here, so the one shape is
//! read and written by hand (days from the civil date and back, Howard
//! Hinnant's algorithms) rather than by a general parser and formatter;
//! the tests hold it to `jiff`'s reading and writing of the same shape.

use rusqlite::types::{Value as Sql, ValueRef};

const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a number of days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The first and last milliseconds of years 0000-9999.
const FIRST_MS: i64 = -62_167_219_200_000;
const LAST_MS: i64 = 253_402_300_799_999;

/// Whether a record column holds a timestamp stored as [`encode`] says.
pub fn is_stamp_column(column: &str) -> bool {
    matches!(column, "created_at" | "updated_at")
}

/// The milliseconds a canonical timestamp stands for, when the text is one
/// (`2026-12-05T05:35:31.123Z`, years 0000-9999) and they give it back.
pub fn millis(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 24 {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        b[from..to].iter().try_fold(0i64, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let marks = [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (23, b'Z'),
    ];
    if marks.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (h, mi, s, ms) = (num(11, 13)?, num(14, 16)?, num(17, 19)?, num(20, 23)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * MS_PER_DAY + ((h * 60 + mi) * 60 + s) * 1000 + ms)
}

/// The canonical text of a number of milliseconds in years 0000-9999.
fn text_of(ms: i64) -> Option<String> {
    if !(FIRST_MS..=LAST_MS).contains(&ms) {
        return None;
    }
    let (days, in_day) = (ms.div_euclid(MS_PER_DAY), ms.rem_euclid(MS_PER_DAY));
    let (y, mo, d) = civil_from_days(days);
    let (s, frac) = (in_day / 1000, in_day % 1000);
    Some(format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{frac:03}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    ))
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
        ValueRef::Integer(ms) => text_of(ms).unwrap_or_else(|| ms.to_string()),
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
            "9999-12-31T23:59:59.999Z",
            "0000-01-01T00:00:00.000Z",
            "2024-02-29T12:00:00.500Z",
        ] {
            let v = encode(t);
            assert!(matches!(v, Sql::Integer(_)), "{t}");
            assert_eq!(back(v), t);
        }
        assert_eq!(millis("1970-01-01T00:00:01.002Z"), Some(1002));
    }

    /// The hand-made reading and writing agree with `jiff`'s on the shape
    /// `meta::now` writes, across the years and around every day's edges.
    #[test]
    fn the_shape_is_read_and_written_as_jiff_does() {
        use crate::domain::meta::format_timestamp;
        let mut ms: i64 = -62_135_596_800_000; // 0001-01-01
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        while ms < 253_402_000_000_000 {
            for edge in [ms, ms - 1, ms + 999, ms / MS_PER_DAY * MS_PER_DAY - 1] {
                let t = jiff::Timestamp::from_millisecond(edge).unwrap();
                let text = format_timestamp(t);
                assert_eq!(text_of(edge).as_deref(), Some(text.as_str()), "{edge}");
                assert_eq!(millis(&text), Some(edge), "{text}");
            }
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ms += 1 + (x % 40_000_000_000) as i64;
        }
        assert_eq!(text_of(FIRST_MS).unwrap(), "0000-01-01T00:00:00.000Z");
        assert_eq!(text_of(LAST_MS).unwrap(), "9999-12-31T23:59:59.999Z");
        assert_eq!(text_of(LAST_MS + 1), None);
        assert_eq!(
            decode(ValueRef::Integer(LAST_MS + 1)),
            (LAST_MS + 1).to_string()
        );
        for bad in [
            "2023-02-29T00:00:00.000Z",
            "1900-02-29T00:00:00.000Z",
            "2026-13-01T00:00:00.000Z",
            "2026-00-01T00:00:00.000Z",
            "2026-04-31T00:00:00.000Z",
            "2026-01-00T00:00:00.000Z",
            "2026-01-01T24:00:00.000Z",
            "2026-01-01T00:60:00.000Z",
            "2026-01-01T00:00:60.000Z",
            "2026-01-01t00:00:00.000Z",
            "2026-01-01T00:00:00.000z",
            "+026-01-01T00:00:00.000Z",
            "2026-01-01T00:00:00,000Z",
            "2026-01-01T00:00:0 .000Z",
        ] {
            assert_eq!(millis(bad), None, "{bad}");
        }
        assert!(millis("2000-02-29T00:00:00.000Z").is_some());
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
            "1900-02-29T00:00:00.000Z",
            "0000-01-01T00:00:00.000Z",
            "9999-12-31T23:59:59.999Z",
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
