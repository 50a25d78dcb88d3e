//! Reports drawn as lines of text, each possibly leading to an item: the
//! chain of connections between two items and an item's neighbourhood.

use super::app::{App, Modal, ReportLine, move_in};
use super::draw::{block, fit, overlay};
use super::keymap::Action;
use crate::store::records;
use crate::store::refs::ItemRef;
use crate::xref::graph::{self, Node};
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use rusqlite::Connection;

fn item_of(conn: &Connection, n: Node) -> ItemRef {
    ItemRef {
        kind: n.kind,
        id: n.id,
        label: records::label_of(conn, n.kind, n.id).unwrap_or_default(),
    }
}

/// The hits of screening, newest first (at most `limit`): a line per hit
/// leading to its parcel, then a line per reason leading to its evidence
/// (the seized parcel, the case), or to the parcel when it has none.
/// Returns the number of hits and the lines.
pub fn hit_lines(
    conn: &Connection,
    limit: usize,
) -> crate::store::Result<(usize, Vec<ReportLine>)> {
    use crate::domain::ItemKind;
    let hits = crate::targeting::stored::hits(conn, None, limit)?;
    let mut lines = Vec::new();
    for h in &hits {
        let parcel = ItemRef {
            kind: ItemKind::Parcel,
            id: h.parcel,
            label: h.tracking.clone(),
        };
        lines.push((
            format!(
                "{}  parcel {}  {} {} (threshold {})",
                h.at.get(..16).unwrap_or(&h.at).replace('T', " "),
                h.tracking,
                h.profile,
                h.score,
                h.threshold
            ),
            Some(parcel.clone()),
        ));
        for r in &h.reasons {
            let to = match &r.item {
                Some(p) => ItemRef {
                    kind: p.kind,
                    id: p.id,
                    label: records::label_of(conn, p.kind, p.id).unwrap_or_default(),
                },
                None => parcel.clone(),
            };
            lines.push((
                // The evidence says what fired; the profile names it.
                format!("   {:+} {}", r.weight, r.evidence),
                Some(to),
            ));
        }
    }
    Ok((hits.len(), lines))
}

/// The chain from one item to another, a line per step with the reason.
pub fn path_lines(
    conn: &Connection,
    from: &ItemRef,
    to: &ItemRef,
) -> crate::store::Result<Option<Vec<ReportLine>>> {
    let Some(steps) = graph::path(
        conn,
        Node {
            kind: from.kind,
            id: from.id,
        },
        Node {
            kind: to.kind,
            id: to.id,
        },
        6,
    )?
    else {
        return Ok(None);
    };
    let mut lines = vec![(from.named(), Some(from.clone()))];
    for (i, e) in steps.iter().enumerate() {
        let item = item_of(conn, e.to);
        let pad = "   ".repeat(i);
        lines.push((
            format!("{pad}└─ {} ─> {} {}", e.reason, item.kind, item.label),
            Some(item),
        ));
    }
    Ok(Some(lines))
}

/// A small drawing of what surrounds an item: its neighbours, grouped by
/// reason, each with a few of their own.
pub fn neighbourhood(conn: &Connection, item: &ItemRef) -> crate::store::Result<Vec<ReportLine>> {
    let centre = Node {
        kind: item.kind,
        id: item.id,
    };
    let first = graph::neighbours(conn, centre)?;
    let mut lines = vec![(item.named(), Some(item.clone()))];
    for (i, e) in first.iter().enumerate().take(60) {
        let last = i + 1 == first.len().min(60);
        let (branch, stem) = if last {
            ("└─", "   ")
        } else {
            ("├─", "│  ")
        };
        let n = item_of(conn, e.to);
        // The item first, so that a long reason never cuts its name.
        lines.push((
            format!("{branch} {} {} ── {}", n.kind, n.label, e.reason),
            Some(n),
        ));
        let second: Vec<_> = graph::neighbours(conn, e.to)?
            .into_iter()
            .filter(|x| x.to != centre)
            .collect();
        let shown = second.len().min(3);
        for (j, e2) in second.iter().enumerate().take(3) {
            let m = item_of(conn, e2.to);
            let more = if j == 2 && second.len() > 3 {
                format!("  (+{} more)", second.len() - 3)
            } else {
                String::new()
            };
            let twig = if j + 1 == shown { "└─" } else { "├─" };
            lines.push((
                format!(
                    "{stem} {twig} {} {}{more} ── {}",
                    m.kind, m.label, e2.reason
                ),
                Some(m),
            ));
        }
    }
    if first.len() > 60 {
        lines.push((format!("… and {} more", first.len() - 60), None));
    }
    if first.is_empty() {
        lines.push(("   connects to nothing yet".into(), None));
    }
    Ok(lines)
}

pub fn draw_report(
    f: &mut Frame<'_>,
    app: &App,
    title: &str,
    lines: &[super::app::ReportLine],
    cursor: usize,
) {
    let area = overlay(f.area());
    let w = area.width.saturating_sub(2) as usize;
    let inner_h = area.height.saturating_sub(2) as usize;
    // The line under the cursor is shown whole, wrapped over the rows it
    // needs (a history entry's changes ran past the edge, cut); the
    // others cut to the width.
    let whole = wrap_chars(
        lines.get(cursor).map_or("", |(t, _)| t.as_str()),
        w,
        inner_h,
    );
    let skip = (cursor + whole.len()).saturating_sub(inner_h);
    let mut shown: Vec<Line> = Vec::new();
    for (i, (text, _)) in lines.iter().enumerate().skip(skip) {
        if i == cursor {
            shown.extend(
                whole
                    .iter()
                    .map(|part| Line::from(Span::styled(part.clone(), app.theme.selected()))),
            );
        } else {
            shown.push(Line::from(fit(text, w)));
        }
    }
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(shown).block(block(
            app,
            format!(" {} ", fit(title, w.saturating_sub(4))),
            true,
        )),
        area,
    );
}

/// `text` in rows of `w` columns (at most `rows` of them, the last cut
/// with an ellipsis where more would follow). By display width: rows of
/// `w` characters lost the second half of each row of Chinese text, cut
/// at the edge (a history entry read `12号` then `14号`).
fn wrap_chars(text: &str, w: usize, rows: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthChar;
    let w = w.max(1);
    let mut out: Vec<String> = Vec::new();
    let (mut row, mut used) = (String::new(), 0);
    for c in text.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw > w && !row.is_empty() {
            // At the row's last space when it has one (a word was cut
            // in two, `li|ne`); text without spaces by its characters.
            match row.rfind(' ').filter(|at| *at > 0 && c != ' ') {
                Some(at) => {
                    let rest = row[at + 1..].to_string();
                    row.truncate(at);
                    out.push(std::mem::replace(&mut row, rest));
                    used = row.chars().map(|c| c.width().unwrap_or(0)).sum();
                }
                None => {
                    out.push(std::mem::take(&mut row));
                    used = 0;
                }
            }
            // (The space a row breaks at is the break.)
            if c == ' ' {
                continue;
            }
        }
        row.push(c);
        used += cw;
    }
    if !row.is_empty() || out.is_empty() {
        out.push(row);
    }
    if out.len() > rows.max(1) {
        out.truncate(rows.max(1));
        if let Some(last) = out.last_mut() {
            *last = fit(&format!("{last}…"), w);
        }
    }
    out
}

impl App {
    /// The keys of an open report: a line that leads to an item opens it.
    pub(super) fn report_action(&mut self, a: Action) -> bool {
        let page = self.page;
        let Modal::Report { lines, cursor, .. } = &mut self.modal else {
            return false;
        };
        if move_in(cursor, lines.len(), a, page) {
            return true;
        }
        match a {
            Action::Follow => match lines.get(*cursor).and_then(|(_, t)| t.clone()) {
                Some(item) => {
                    self.modal = Modal::None;
                    self.go_to(item, true);
                }
                None => self.info("this line names no item to open"),
            },
            Action::Cancel => self.modal = Modal::None,
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::wrap_chars;
    use unicode_width::UnicodeWidthStr;

    /// Rows are cut by columns, every character kept: wide characters
    /// fill a row at half the count.
    #[test]
    fn a_wrapped_line_keeps_every_character_of_wide_text() {
        let text: String = (10..40).map(|i| format!("{i}号包裹")).collect();
        let rows = wrap_chars(&text, 20, 100);
        assert_eq!(rows.concat(), text);
        assert!(rows.iter().all(|r| r.width() <= 20), "{rows:?}");
        assert!(
            rows.iter().take(rows.len() - 1).all(|r| r.width() >= 19),
            "{rows:?}"
        );
        assert_eq!(wrap_chars("abcdef", 4, 10), ["abcd", "ef"]);
        assert_eq!(wrap_chars("", 4, 10), [""]);
        // Words are kept whole where a row has a space to break at.
        assert_eq!(
            wrap_chars("summary: one line here", 10, 10),
            ["summary:", "one line", "here"]
        );
        assert_eq!(wrap_chars("ab cdefghijkl", 5, 10), ["ab", "cdefg", "hijkl"]);
    }
}
