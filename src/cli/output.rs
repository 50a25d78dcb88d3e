//! Printing records for people (aligned tables, sanitised) and for
//! programs (JSON, and CSV for spreadsheets).

use super::args::{AuditCmd, Command, WarnCmd};
use crate::domain::text::{sanitize, truncate};
use serde::Serialize;
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

/// Widest a table column grows before its cells are cut.
const MAX_COL: usize = 48;

/// A cell as it may be shown: control characters made visible, cut to fit.
pub fn cell(s: &str) -> String {
    truncate(&sanitize(s), MAX_COL).into_owned()
}

pub fn print_table(out: &mut impl Write, headers: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| cell(c)).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.width());
            }
        }
    }
    let line = |out: &mut dyn Write, cells: &[String]| -> io::Result<()> {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(c);
                s.push_str(&" ".repeat(widths[i].saturating_sub(c.width()) + 2));
            }
        }
        writeln!(out, "{}", s.trim_end())
    };
    line(
        out,
        &headers.iter().map(|h| h.to_uppercase()).collect::<Vec<_>>(),
    )?;
    for r in &rows {
        line(out, r)?;
    }
    Ok(())
}

/// Prints `label: value` lines, skipping empty values.
pub fn print_fields(out: &mut impl Write, fields: &[(&str, String)]) -> io::Result<()> {
    let w = fields
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(l, _)| l.width())
        .max()
        .unwrap_or(0);
    for (label, value) in fields {
        if value.is_empty() {
            continue;
        }
        let pad = " ".repeat(w - label.width());
        writeln!(out, "{label}:{pad} {}", sanitize(value))?;
    }
    Ok(())
}

pub fn print_json<T: Serialize + ?Sized>(out: &mut impl Write, value: &T) -> anyhow::Result<()> {
    crate::domain::json::write_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Writes a JSON array one element at a time, so long lists are never held
/// in memory whole.
pub struct JsonArray<'a, W: Write> {
    out: &'a mut W,
    first: bool,
}

impl<'a, W: Write> JsonArray<'a, W> {
    pub fn start(out: &'a mut W) -> io::Result<Self> {
        write!(out, "[")?;
        Ok(JsonArray { out, first: true })
    }
    pub fn push<T: Serialize>(&mut self, v: &T) -> anyhow::Result<()> {
        if !self.first {
            write!(self.out, ",")?;
        }
        self.first = false;
        write!(self.out, "\n  ")?;
        crate::domain::json::write_compact(&mut *self.out, v)?;
        Ok(())
    }
    pub fn finish(self) -> io::Result<()> {
        if self.first {
            writeln!(self.out, "]")
        } else {
            writeln!(self.out, "\n]")
        }
    }
}

/// A list as JSON (the items as they serialise) or as a table (one row of
/// cells per item).
pub fn print_list<T: Serialize>(
    out: &mut impl Write,
    format: super::args::Format,
    items: &[T],
    headers: &[&str],
    row: impl Fn(&T) -> Vec<String>,
) -> anyhow::Result<()> {
    match format {
        super::args::Format::Json => print_json(out, items),
        super::args::Format::Table => {
            let rows: Vec<Vec<String>> = items.iter().map(row).collect();
            Ok(print_table(out, headers, &rows)?)
        }
        super::args::Format::Csv => print_csv(out, headers, items.iter().map(row)),
    }
}

/// Whether `--format csv` applies to a command: the ones that print lists.
/// Checked before anything runs, so a command that writes never runs only
/// to fail at printing.
pub fn csv_applies(command: &Command) -> bool {
    matches!(
        command,
        Command::List(_)
            | Command::Audit(AuditCmd::Log { .. })
            | Command::Warnlist(WarnCmd::List)
            | Command::Stats(_)
            | Command::Timeline { .. }
            | Command::Export(super::args::ExportArgs {
                incident: Some(_),
                ..
            })
            | Command::Watch(super::args::WatchCmd::List { .. })
            | Command::Profile(super::args::ProfileCmd::List)
            | Command::Hits { .. }
            | Command::Screen(_)
    )
}

/// Names every command [`csv_applies`] to (it named five of nine).
pub const CSV_ONLY_LISTS: &str = "--format csv applies to list, audit log, warnlist list, stats, timeline, export --incident, watch list, profile list, hits and screen; use --format json here";

/// A CSV cell as a spreadsheet may safely open it and a terminal show it
/// (see [`crate::domain::text::csv_cell`]).
pub use crate::domain::text::csv_cell;

/// Rows as CSV under a header row, each cell neutralised.
pub fn print_csv(
    out: &mut impl Write,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> anyhow::Result<()> {
    let mut w = csv_writer(out, headers)?;
    for r in rows {
        csv_row(&mut w, &r)?;
    }
    w.flush()?;
    Ok(())
}

/// A CSV writer with its header row written.
pub fn csv_writer<W: Write>(out: W, headers: &[&str]) -> anyhow::Result<csv::Writer<W>> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(headers)?;
    Ok(w)
}

/// One CSV row, each cell neutralised.
pub fn csv_row<W: Write>(w: &mut csv::Writer<W>, cells: &[String]) -> anyhow::Result<()> {
    w.write_record(cells.iter().map(|c| csv_cell(c).into_owned()))?;
    Ok(())
}

/// A message for one line of a terminal: sanitised, newlines shown.
pub fn cell_line(s: &str) -> String {
    sanitize(s).into_owned()
}

/// Standard output as shown to a person: each line written with the card
/// numbers in it masked but for their last four digits, unless
/// `--show-cards` (see [`crate::domain::identifiers::shown_text`]), so
/// every command's table, JSON and CSV says what `show` says. Lines are
/// held until their end (a card number is never split between writes).
pub struct Shown<W: Write> {
    inner: W,
    line: Vec<u8>,
}

impl<W: Write> Shown<W> {
    pub fn new(inner: W) -> Self {
        Shown {
            inner,
            line: Vec::new(),
        }
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        match std::str::from_utf8(bytes) {
            Ok(t) => self
                .inner
                .write_all(crate::domain::identifiers::shown_text(t).as_bytes()),
            Err(_) => self.inner.write_all(bytes),
        }
    }
}

impl<W: Write> Write for Shown<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(end) = rest.iter().position(|b| *b == b'\n') {
            let (line, after) = rest.split_at(end + 1);
            if self.line.is_empty() {
                self.put(line)?;
            } else {
                self.line.extend_from_slice(line);
                let held = std::mem::take(&mut self.line);
                self.put(&held)?;
            }
            rest = after;
        }
        self.line.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.line.is_empty() {
            let held = std::mem::take(&mut self.line);
            self.put(&held)?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for Shown<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// A list said in a line: its first `n` names, and how many more (a
/// file of 25,000 columns printed 190 KB of ignored columns' names).
pub fn first_few(names: &[String], n: usize) -> String {
    if names.len() <= n {
        return names.join(", ");
    }
    format!("{} and {} more", names[..n].join(", "), names.len() - n)
}

/// A notice over a table's rows, as a line: how many rows, which lines
/// (the first 20), and the first row's words.
pub fn notice_line(n: &crate::exchange::csv_import::Notice) -> String {
    const SAID: usize = 20;
    let lines = if n.rows == 1 {
        format!("line {}", n.first_line)
    } else {
        let shown: Vec<String> = n.lines.iter().take(SAID).map(u64::to_string).collect();
        let more = n.rows.saturating_sub(shown.len() as u64);
        let rest = if more == 0 {
            String::new()
        } else if n.lines.len() > SAID {
            format!(" and {more} more (--format json names {})", n.lines.len())
        } else {
            format!(" and {more} more")
        };
        format!(
            "lines {}{rest}; first, line {}",
            shown.join(", "),
            n.first_line
        )
    };
    format!(
        "notice: {} row{} ({lines}: {})",
        n.rows,
        if n.rows == 1 { "" } else { "s" },
        cell_line(&n.first)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_notice_names_its_rows_lines() {
        let n = |rows: u64, lines: Vec<u64>| crate::exchange::csv_import::Notice {
            field: "x".into(),
            rows,
            first_line: lines[0],
            first: "x: y".into(),
            lines,
        };
        assert_eq!(
            super::notice_line(&n(1, vec![7])),
            "notice: 1 row (line 7: x: y)"
        );
        assert_eq!(
            super::notice_line(&n(3, vec![2, 3, 5])),
            "notice: 3 rows (lines 2, 3, 5; first, line 2: x: y)"
        );
        let many = super::notice_line(&n(50, (2..32).collect()));
        assert!(
            many.contains("21 and 30 more (--format json names 30); first, line 2"),
            "{many}"
        );
    }

    #[test]
    fn a_long_list_is_said_by_its_first_names_and_a_count() {
        let names: Vec<String> = (0..5).map(|i| format!("c{i}")).collect();
        assert_eq!(super::first_few(&names, 5), "c0, c1, c2, c3, c4");
        assert_eq!(super::first_few(&names, 2), "c0, c1 and 3 more");
    }

    use super::*;

    /// Card numbers are masked in every line written, a number split
    /// between two writes too, and the last line without its end.
    #[test]
    fn standard_output_masks_card_numbers() {
        let mut buf = Vec::new();
        {
            let mut w = Shown::new(&mut buf);
            write!(w, "{{\"contacts\": \"card 4111 1111 ").unwrap();
            writeln!(w, "1111 1111\"}}").unwrap();
            write!(w, "4111111111111111").unwrap();
        }
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "{\"contacts\": \"card ************1111\"}\n************1111"
        );
    }

    #[test]
    fn table_aligns_and_sanitises() {
        let mut out = Vec::new();
        print_table(
            &mut out,
            &["a", "b"],
            &[
                vec!["x\x1b[2J".into(), "1".into()],
                vec!["日本".into(), "2".into()],
            ],
        )
        .unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(s, "A       B\nx^[[2J  1\n日本    2\n");
    }

    #[test]
    fn csv_cells_never_run_as_formulas() {
        assert_eq!(
            csv_cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(csv_cell("+7 701 555 0142"), "'+7 701 555 0142");
        // A negative number is a number; a formula starting with one is not.
        assert_eq!(csv_cell("-1"), "-1");
        assert_eq!(csv_cell("-1+1"), "'-1+1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("\rx"), "'^Mx");
        assert_eq!(csv_cell("Tea sample"), "Tea sample");
        assert_eq!(csv_cell("a=b"), "a=b");
        assert_eq!(csv_cell("two\nlines"), "two\nlines");
        assert_eq!(csv_cell("esc\x1b[2J"), "esc^[[2J");
    }

    #[test]
    fn json_array_streams() {
        let mut out = Vec::new();
        let mut a = JsonArray::start(&mut out).unwrap();
        a.push(&1).unwrap();
        a.push(&"x").unwrap();
        a.finish().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v, serde_json::json!([1, "x"]));
        let mut out = Vec::new();
        JsonArray::start(&mut out).unwrap().finish().unwrap();
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&out).unwrap(),
            serde_json::json!([])
        );
    }
}
