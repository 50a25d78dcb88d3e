//! Dates as people and spreadsheets write them: `YYYY-MM-DD`,
//! `DD.MM.YYYY`, `D.M.YY`, `DD/MM/YYYY` or `MM/DD/YYYY` (when the order
//! can be told, or is given), and in a table's date column Excel serial
//! day numbers. Stored as `YYYY-MM-DD`.

use std::fmt;
use std::str::FromStr;

/// The order of a date's day, month and year where the writing does not
/// say it (`03/04/2026`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DateOrder {
    Dmy,
    Mdy,
    Ymd,
}

impl FromStr for DateOrder {
    type Err = String;
    fn from_str(s: &str) -> Result<DateOrder, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dmy" => Ok(DateOrder::Dmy),
            "mdy" => Ok(DateOrder::Mdy),
            "ymd" => Ok(DateOrder::Ymd),
            other => Err(format!("date order {other:?}: must be dmy, mdy or ymd")),
        }
    }
}

impl fmt::Display for DateOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DateOrder::Dmy => "dmy",
            DateOrder::Mdy => "mdy",
            DateOrder::Ymd => "ymd",
        })
    }
}

/// What a `a/b/year` date says about its order by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlashDate {
    /// The first number is over 12: day first.
    DayFirst,
    /// The second number is over 12: month first.
    MonthFirst,
    /// Both are 12 or less and differ: either order makes a date.
    Ambiguous,
}

/// The first and last Excel serial day numbers read as dates in a date
/// column: 1990-01-01 and 2100-12-31 (1900 date system).
const SERIAL_FIRST: i64 = 32_874;
const SERIAL_LAST: i64 = 73_415;

/// Drops a time of day after a date (`2026-03-05 14:30`, `05.03.2026
/// 00:00:00`, `2026-03-05T10:00:00Z`): the notebook keeps the day.
fn without_time(t: &str) -> &str {
    for sep in [' ', 'T'] {
        if let Some((date, time)) = t.split_once(sep) {
            let time = time.trim();
            if !date.is_empty()
                && time.starts_with(|c: char| c.is_ascii_digit())
                && time.contains(':')
                && time
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, ':' | '.' | 'Z' | '+' | '-' | ' '))
            {
                return date.trim();
            }
        }
    }
    t
}

/// A date's three numbers and the separator between them.
fn parts(t: &str) -> Option<(char, &str, &str, &str)> {
    let sep = t.chars().find(|c| matches!(c, '.' | '/' | '-'))?;
    let mut it = t.split(sep);
    let (a, b, c) = (it.next()?, it.next()?, it.next()?);
    let digits = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
    (it.next().is_none() && digits(a) && digits(b) && digits(c)).then_some((sep, a, b, c))
}

/// What a `a/b/y` (or `a-b-y`) date says about its order by itself; None
/// for any other writing.
pub fn slash_date(raw: &str) -> Option<SlashDate> {
    let (sep, a, b, y) = parts(without_time(raw.trim()))?;
    if sep == '.' || a.len() > 2 || b.len() > 2 || !(y.len() == 2 || y.len() == 4) {
        return None;
    }
    let (a, b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
    match (a > 12, b > 12) {
        (true, false) => Some(SlashDate::DayFirst),
        (false, true) => Some(SlashDate::MonthFirst),
        (false, false) if a != b => Some(SlashDate::Ambiguous),
        _ => None,
    }
}

/// What a date of two short numbers and a year says about its order by
/// itself, whatever separates them (`25.03.2026` as `25/03/2026`): what a
/// table's column of dates tells of the order of all of them.
pub fn told_order(raw: &str) -> Option<SlashDate> {
    let t = without_time(raw.trim());
    match parts(t)? {
        ('.', a, b, y) => slash_date(&format!("{a}/{b}/{y}")),
        _ => slash_date(t),
    }
}

/// The latest date that is today somewhere on Earth (UTC+14): a date
/// after it is in the future wherever it was written.
pub fn latest_today() -> String {
    jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::offset(14)))
        .date()
        .to_string()
}

/// The latest time of day that is now somewhere on Earth (UTC+14), with
/// an hour's grace for clocks and typing, as `YYYY-MM-DD HH:MM`: a local
/// time after it is in the future wherever it was written. (Times are
/// the place's local time, and the machine's clock is not the place's: a
/// server kept in UTC refused a hand-over just made in Almaty's evening.)
pub fn latest_now() -> String {
    (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1))
        .to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::offset(14)))
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

/// Whether a local time (`YYYY-MM-DD` or `YYYY-MM-DD HH:MM`) is in the
/// future wherever it was written ([`latest_now`]).
pub fn in_the_future(local: &str) -> bool {
    let now = latest_now();
    let n = local.len().min(now.len());
    local[..n] > now[..n]
}

fn year(y: &str) -> Option<i16> {
    let n: i16 = y.parse().ok()?;
    match y.len() {
        4 => Some(n),
        // Two-digit years: 00-69 are this century, 70-99 the last.
        2 if n < 70 => Some(2000 + n),
        2 => Some(1900 + n),
        _ => None,
    }
}

fn civil(y: Option<i16>, m: &str, d: &str) -> Option<jiff::civil::Date> {
    let m: i8 = m.parse().ok()?;
    let d: i8 = d.parse().ok()?;
    jiff::civil::Date::new(y?, m, d).ok()
}

/// A date as typed: `today`, `YYYY-MM-DD`, `DD.MM.YYYY` (`D.M.YY`), or a
/// slash date whose order is plain (`25/03/2026`, `03/25/2026`).
pub fn parse_date(raw: &str) -> Result<String, String> {
    if raw.trim().eq_ignore_ascii_case("today") {
        return Ok(jiff::ZonedDateTime::now().date().to_string());
    }
    parse_table_date(raw, None, false)
}

/// A date as a table writes it: as [`parse_date`], with slash dates read
/// in `order` when given, and (`serial`) a bare number read as an Excel
/// serial day (1900 date system) between 1990 and 2100.
pub fn parse_table_date(
    raw: &str,
    order: Option<DateOrder>,
    serial: bool,
) -> Result<String, String> {
    let shown = raw.trim();
    let t = without_time(shown);
    if serial && let Some(n) = excel_serial(t) {
        if !(SERIAL_FIRST..=SERIAL_LAST).contains(&n) {
            return Err(format!(
                "{shown:?} is not a date: as a spreadsheet's day number it falls outside 1990-2100"
            ));
        }
        let d = jiff::civil::date(1899, 12, 30)
            .checked_add(jiff::Span::new().days(n))
            .map_err(|e| format!("{shown:?}: {e}"))?;
        return Ok(d.to_string());
    }
    let not_a_date = |how: &str| format!("{shown:?} is not a date ({how})");
    if let Some((sep, a, b, c)) = parts(t) {
        if a.len() == 4 {
            return civil(year(a), b, c)
                .map(|d| d.to_string())
                .ok_or_else(|| not_a_date("year, month, day"));
        }
        if sep == '.' && order.is_none_or(|o| o == DateOrder::Dmy) {
            // The dot says day first, as Russian and most European tables
            // write, unless the column's order is told otherwise (a
            // header, `--date-order`, its other dates): `03.04.2026` was
            // read as 3 April under `--date-order mdy`.
            return civil(year(c), b, a)
                .map(|d| d.to_string())
                .ok_or_else(|| not_a_date("day.month.year"));
        }
        let order = match order {
            Some(o) => o,
            None => match slash_date(t) {
                Some(SlashDate::DayFirst) => DateOrder::Dmy,
                Some(SlashDate::MonthFirst) => DateOrder::Mdy,
                Some(SlashDate::Ambiguous) => {
                    return Err(format!(
                        "{shown:?} could be day/month or month/day: write it as YYYY-MM-DD"
                    ));
                }
                // Day and month alike (`04/04/2026`): either order.
                None if a == b => DateOrder::Dmy,
                None => return Err(not_a_date("neither day/month/year nor month/day/year")),
            },
        };
        let d = match order {
            DateOrder::Dmy => civil(year(c), b, a),
            DateOrder::Mdy => civil(year(c), a, b),
            DateOrder::Ymd => civil(year(a), b, c),
        };
        let how = match order {
            DateOrder::Dmy => "day/month/year",
            DateOrder::Mdy => "month/day/year",
            DateOrder::Ymd => "year/month/day",
        };
        return d.map(|d| d.to_string()).ok_or_else(|| not_a_date(how));
    }
    let d: jiff::civil::Date = t.parse().map_err(|_| {
        format!("{shown:?} is not a date: expected YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY")
    })?;
    Ok(d.to_string())
}

/// A spreadsheet day number (`46021`, `46021.5` with a time of day).
fn excel_serial(t: &str) -> Option<i64> {
    let (whole, frac) = t.split_once(['.', ',']).unwrap_or((t, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    (!whole.is_empty() && whole.len() <= 6 && digits(whole) && digits(frac))
        .then(|| whole.parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_dates() {
        for (raw, want) in [
            ("2026-03-05", "2026-03-05"),
            ("05.03.2026", "2026-03-05"),
            ("5.3.26", "2026-03-05"),
            ("25/03/2026", "2026-03-25"),
            ("03/25/2026", "2026-03-25"),
            ("04/04/2026", "2026-04-04"),
            ("2026/03/05", "2026-03-05"),
            ("05.03.2026 14:30", "2026-03-05"),
            ("2026-03-05T00:00:00Z", "2026-03-05"),
            ("25-03-2026", "2026-03-25"),
        ] {
            assert_eq!(parse_date(raw).as_deref(), Ok(want), "{raw}");
        }
        for raw in [
            "03/04/2026",
            "31.02.2026",
            "46021",
            "13/13/2026",
            "soon",
            "1.2",
        ] {
            assert!(parse_date(raw).is_err(), "{raw}");
        }
        assert!(parse_date("03/04/2026").unwrap_err().contains("YYYY-MM-DD"));
    }

    #[test]
    fn table_dates_with_an_order_and_serials() {
        let d = |raw, order, serial| parse_table_date(raw, order, serial);
        assert_eq!(
            d("03/04/2026", Some(DateOrder::Dmy), false).unwrap(),
            "2026-04-03"
        );
        assert_eq!(
            d("03/04/2026", Some(DateOrder::Mdy), false).unwrap(),
            "2026-03-04"
        );
        assert_eq!(
            d("26/03/04", Some(DateOrder::Ymd), false).unwrap(),
            "2026-03-04"
        );
        assert!(d("03/25/2026", Some(DateOrder::Dmy), false).is_err());
        // Excel: 45658 is 2025-01-01; only in a range of plausible days.
        assert_eq!(d("45658", None, true).unwrap(), "2025-01-01");
        assert_eq!(d("46021", None, true).unwrap(), "2025-12-30");
        assert_eq!(d("46021.75", None, true).unwrap(), "2025-12-30");
        assert!(d("1234", None, true).unwrap_err().contains("1990-2100"));
        assert!(d("46021", None, false).is_err());
        assert_eq!(slash_date("03/04/2026"), Some(SlashDate::Ambiguous));
        assert_eq!(slash_date("13/04/2026"), Some(SlashDate::DayFirst));
        assert_eq!(slash_date("04/13/26"), Some(SlashDate::MonthFirst));
        assert_eq!(slash_date("2026-04-03"), None);
        assert_eq!(slash_date("03.04.2026"), None);
        assert_eq!(told_order("04.25.2026"), Some(SlashDate::MonthFirst));
        assert_eq!(told_order("25.04.2026"), Some(SlashDate::DayFirst));
        assert_eq!(told_order("2026-04-25"), None);
        // A dotted date follows the order told; day first otherwise.
        assert_eq!(
            parse_table_date("03.04.2026", Some(DateOrder::Mdy), false).unwrap(),
            "2026-03-04"
        );
        assert_eq!(
            parse_table_date("04.25.2026", Some(DateOrder::Mdy), false).unwrap(),
            "2026-04-25"
        );
        assert_eq!(
            parse_table_date("03.04.2026", None, false).unwrap(),
            "2026-04-03"
        );
        assert_eq!("MDY".parse::<DateOrder>(), Ok(DateOrder::Mdy));
    }
}
