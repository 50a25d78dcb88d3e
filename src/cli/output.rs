//! Printing records for people (aligned tables, sanitised) and for
//! programs (JSON).

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
    serde_json::to_writer_pretty(&mut *out, value)?;
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
        serde_json::to_writer(&mut *self.out, v)?;
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
    }
}

/// A message for one line of a terminal: sanitised, newlines shown.
pub fn cell_line(s: &str) -> String {
    sanitize(s).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

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
