//! Drawing: free functions over the application state. Nothing here
//! changes state; every string from the database is sanitised first.

use super::app::{App, Level, Modal, Pane};
use super::conflicts::draw_conflicts;
use super::data;
use super::draw::{block, centered, fit, fit_hints, hints, overlay};
use super::keymap::{Action, Layer};
use super::loader::DEMO_PARCELS;
use super::matches::draw_matches;
use super::note::draw_note;
use super::picker::draw_picker;
use super::reports::draw_report;
use crate::domain::text::sanitize;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Row, Table, Wrap};
use unicode_width::UnicodeWidthStr;

/// Rows a list pane shows for a terminal of `height` lines.
pub fn page_rows(height: u16) -> usize {
    // Tabs, status line, borders and the header row.
    height.saturating_sub(5).max(1) as usize
}

pub fn draw(f: &mut Frame<'_>, app: &App) {
    let [tabs, main, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(f.area());
    draw_tabs(f, app, tabs);
    if app.empty && matches!(app.modal, Modal::None) {
        draw_empty(f, app, main);
    } else {
        let [left, right] = panes(f.area());
        match app.pane {
            Pane::Links => draw_links(f, app, left),
            p => draw_list(f, app, p, left),
        }
        draw_detail(f, app, right);
    }
    draw_status(f, app, status);
    mask_cards(f);
    match &app.modal {
        Modal::None => {}
        Modal::Help { scroll, .. } => draw_help(f, app, *scroll),
        Modal::Note(p) => draw_note(f, app, p),
        Modal::Picker(p) => draw_picker(f, app, p),
        Modal::Confirm { message, .. } => draw_confirm(f, app, message),
        Modal::Report {
            title,
            lines,
            cursor,
        } => draw_report(f, app, title, lines, *cursor),
        Modal::Matches { list, cursor } => draw_matches(f, app, list, *cursor),
        Modal::Conflicts { list, cursor } => draw_conflicts(f, app, list, *cursor),
        Modal::Form(form) => super::formview::draw(f, app, form),
        Modal::Stats(v) => super::stats::draw(f, app, v),
    }
    // What is typed into a form or a note is shown as typed.
    if !matches!(app.modal, Modal::Form(_) | Modal::Note(_)) {
        mask_cards(f);
    }
}

/// Every card number on the screen (a note's text in a list, a link's
/// note, a report line) masked but for its last four digits, each digit
/// a `*` in its place, unless `--show-cards`.
fn mask_cards(f: &mut Frame<'_>) {
    if crate::domain::identifiers::cards_shown() {
        return;
    }
    let area = f.area();
    let buf = f.buffer_mut();
    for y in area.top()..area.bottom() {
        // The row's text, and the cell each byte of it came from.
        let mut text = String::new();
        let mut cell_at = Vec::new();
        for x in area.left()..area.right() {
            let sym = buf[(x, y)].symbol();
            text.push_str(sym);
            cell_at.extend(std::iter::repeat_n(x, sym.len()));
        }
        for (r, _) in crate::domain::identifiers::card_spans(&text) {
            let digits: Vec<usize> = (r.clone())
                .filter(|i| text.as_bytes()[*i].is_ascii_digit())
                .collect();
            for i in &digits[..digits.len().saturating_sub(4)] {
                buf[(cell_at[*i], y)].set_symbol("*");
            }
        }
    }
}

fn draw_tabs(f: &mut Frame<'_>, app: &App, area: Rect) {
    let t = &app.theme;
    let width = area.width as usize;
    let ro = if app.read_only { " [read-only]" } else { "" };
    // The read-only marker always shows: the tabs give up their counts,
    // then their gaps, then the file name goes, before it is cut.
    let tabs = |counts: bool, gap: &'static str| -> Vec<Span<'static>> {
        let mut spans = Vec::new();
        for (i, p) in Pane::ALL.iter().enumerate() {
            let count = match p {
                Pane::Links => app.links.len(),
                _ => app.lists[i].total,
            };
            let text = if counts || *p == app.pane {
                format!(" {} {} ({count}) ", i + 1, p.title())
            } else {
                format!(" {} {} ", i + 1, p.title())
            };
            spans.push(Span::styled(text, t.tab(*p == app.pane)));
            spans.push(Span::raw(gap));
        }
        spans
    };
    let used = |s: &[Span]| s.iter().map(|x| x.content.width()).sum::<usize>();
    let mut spans = tabs(true, " ");
    for (counts, gap) in [(true, ""), (false, "")] {
        if used(&spans) + ro.width() + 4 <= width {
            break;
        }
        spans = tabs(counts, gap);
    }
    let room = width.saturating_sub(used(&spans) + ro.width());
    let file = if room >= 4 {
        fit(&app.file, room.min(30))
    } else {
        String::new()
    };
    spans.push(Span::styled(file, t.dim()));
    if app.read_only {
        spans.push(Span::styled(ro, t.warning()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The columns a list shows at a width: which cell of the row (see
/// [`data::headers`]) and how wide. Wider panes get more columns; the
/// first column (tracking number, reference, name) is never squeezed
/// below its usual length.
fn columns(kind: Option<crate::domain::ItemKind>, w: u16) -> Vec<(usize, Constraint)> {
    use crate::domain::ItemKind::*;
    use Constraint::{Length as L, Min};
    match kind {
        Some(Case) if w >= 100 => vec![
            (0, L(7)),
            (1, L(8)),
            (2, L(12)),
            (4, L(10)),
            (5, L(18)),
            (3, Min(10)),
        ],
        Some(Case) if w >= 56 => vec![(0, L(7)), (1, L(8)), (2, L(12)), (3, Min(10))],
        // (The handling label whole: `AMBER+STRICT` shortened to
        // `AMBER+S` is no TLP 2.0 label, and was read as one.)
        Some(Case) => vec![(0, L(7)), (1, L(8)), (2, L(12)), (3, Min(10))],
        Some(Parcel) if w >= 110 => vec![
            (0, L(20)),
            (1, L(10)),
            (2, L(6)),
            (4, L(16)),
            (5, L(10)),
            (3, Min(10)),
        ],
        Some(Parcel) if w >= 48 => vec![(0, L(18)), (1, L(10)), (2, L(6)), (3, Min(8))],
        // An 80-column terminal's pane: the declared contents still show.
        Some(Parcel) if w >= 44 => vec![(0, L(18)), (1, L(9)), (2, L(5)), (3, Min(6))],
        Some(Parcel) if w >= 36 => vec![(0, L(18)), (2, L(5)), (1, Min(6))],
        Some(Parcel) => vec![(0, Min(13))],
        Some(Substance) if w >= 90 => vec![(0, Min(16)), (1, L(22)), (3, L(18)), (2, L(12))],
        Some(Substance) => vec![(0, Min(16)), (1, L(14)), (2, L(12))],
        _ => vec![(0, Min(10))],
    }
}

/// A cell with the characters a filter matched marked (worked out when the
/// row was made, see [`data::mark`]).
fn highlighted(app: &App, text: &str, width: usize, marks: &[usize]) -> Line<'static> {
    let shown = fit(text, width);
    if marks.is_empty() {
        return Line::from(shown);
    }
    Line::from(
        shown
            .chars()
            .enumerate()
            .map(|(i, c)| {
                let style = if marks.contains(&i) {
                    app.theme.matched()
                } else {
                    Style::new()
                };
                Span::styled(c.to_string(), style)
            })
            .collect::<Vec<_>>(),
    )
}

fn draw_list(f: &mut Frame<'_>, app: &App, pane: Pane, area: Rect) {
    let l = &app.lists[pane.index()];
    let kind = pane.kind();
    let pos = l.len();
    let mut title = format!(" {} ", pane.title());
    // A filter that matched more than it keeps says so: its best only.
    let more = if l.filtered() && l.capped { "+" } else { "" };
    if pos > 0 {
        title = format!(" {} {}/{pos}{more} ", pane.title(), l.cursor + 1);
    }
    if let Some(s) = &l.subset
        && l.filter.is_none()
    {
        let what: Vec<String> = s.scope.facets.iter().map(|f| f.describe()).collect();
        title.push_str(&format!("· {} ", sanitize(&what.join(", "))));
    }
    if let Some(q) = &l.filter {
        let searching = app.searching_pane == Some(pane.index());
        // What the title has room for: the query scrolls to keep the
        // caret in view.
        let room = (area.width as usize)
            .saturating_sub(2 + title.width() + 2 + if searching { 11 } else { 0 });
        let shown = if app.filter_typing {
            super::text::window(q, l.caret, room)
        } else {
            fit(q, room)
        };
        title.push_str(&format!("/{shown} "));
        if searching {
            title.push_str("searching… ");
        }
    }
    let chosen = columns(kind, area.width);
    let cols: Vec<Constraint> = chosen.iter().map(|(_, c)| *c).collect();
    let inner_w = area.width.saturating_sub(2);
    let col_w: Vec<usize> = Layout::horizontal(cols.clone())
        .spacing(1)
        .split(Rect::new(0, 0, inner_w, 1))
        .iter()
        .map(|r| r.width as usize)
        .collect();
    let names = data::headers(kind.unwrap_or(crate::domain::ItemKind::Case));
    let header = Row::new(
        chosen
            .iter()
            .map(|(i, _)| Line::from(names.get(*i).copied().unwrap_or(""))),
    )
    .style(app.theme.header());
    let text = data::marked_cells(kind.unwrap_or(crate::domain::ItemKind::Case))[1];
    let rows: Vec<Row> = l
        .visible()
        .iter()
        .take(app.page)
        .enumerate()
        .map(|(i, r)| {
            let selected = l.offset + i == l.cursor;
            let cells: Vec<Line> = chosen
                .iter()
                .enumerate()
                .map(|(col, (c, _))| {
                    let cell = r.cells.get(*c).map(String::as_str).unwrap_or("");
                    let w = col_w.get(col).copied().unwrap_or(10);
                    let marks = r.matched.get(*c).map(Vec::as_slice).unwrap_or(&[]);
                    if l.filtered() && (*c == 0 || *c == text) {
                        highlighted(app, cell, w, marks)
                    } else if kind == Some(crate::domain::ItemKind::Case) && *c == 2 {
                        Line::from(Span::styled(fit(cell, w), app.theme.tlp(cell)))
                    } else {
                        Line::from(fit(&crate::domain::identifiers::shown_text(cell), w))
                    }
                })
                .collect();
            let row = Row::new(cells);
            if selected {
                row.style(app.theme.selected())
            } else {
                row
            }
        })
        .collect();
    let empty = rows.is_empty();
    let table = Table::new(rows, cols)
        .header(header)
        .column_spacing(1)
        .block(block(app, title, true));
    f.render_widget(table, area);
    if empty {
        // (Not "nothing matches" before the search has answered: a
        // million texts may still be loading.)
        let msg = if l.filtered() && app.searching_pane == Some(pane.index()) {
            "searching…"
        } else if l.filtered() {
            "nothing matches"
        } else {
            "nothing here yet"
        };
        let inner = Rect::new(area.x + 2, area.y + 3, area.width.saturating_sub(4), 1);
        f.render_widget(Paragraph::new(Span::styled(msg, app.theme.dim())), inner);
    }
}

fn draw_links(f: &mut Frame<'_>, app: &App, area: Rect) {
    let title = match &app.current {
        // (Fitted to the pane: at 80 columns a long title was cut by
        // its border, with no mark.)
        Some(c) => format!(
            " Links of {} ",
            fit(&c.named(), (area.width as usize).saturating_sub(14).min(38))
        ),
        None => " Links ".to_string(),
    };
    let inner_h = area.height.saturating_sub(2) as usize;
    let w = area.width.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor_line = 0;
    let mut last_group = "";
    for (i, l) in app.links.iter().enumerate() {
        if l.group != last_group {
            let n = app.links.iter().filter(|x| x.group == l.group).count();
            lines.push(Line::from(Span::styled(
                format!("{} ({n})", l.group),
                app.theme.header(),
            )));
            last_group = &l.group;
        }
        if i == app.links_cursor {
            cursor_line = lines.len();
        }
        // People are names on parcels (Enter opens the parcel), not items
        // of their own yet.
        let text = if l.group == "People" {
            format!("  {} — {}", l.label, l.reason)
        } else {
            format!(
                "  {} — {}",
                crate::store::refs::named(l.kind, &l.label),
                l.reason
            )
        };
        // (Masked whole before it is cut to the pane: a card cut short
        // is not found on the screen.)
        let text = crate::domain::identifiers::shown_text(&text).into_owned();
        let style = if i == app.links_cursor {
            app.theme.selected()
        } else {
            Style::new()
        };
        lines.push(Line::from(Span::styled(fit(&text, w), style)));
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            if app.current.is_some() {
                "no links, findings or shared identifiers"
            } else {
                "select an item in another pane"
            },
            app.theme.dim(),
        )));
    }
    let skip = cursor_line.saturating_sub(inner_h.saturating_sub(1));
    let p = Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>())
        .block(block(app, title, true));
    f.render_widget(p, area);
}

/// The panes' row of a screen of `size` (between the tabs and the status
/// line), split into the list (left) and the detail (right).
fn panes(area: Rect) -> [Rect; 2] {
    let [_, main, _] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(main)
}

/// Lines the detail pane shows at once on a screen of `size`.
pub fn detail_height(size: (u16, u16)) -> usize {
    let [_, right] = panes(Rect::new(0, 0, size.0, size.1));
    right.height.saturating_sub(2) as usize
}

/// How far the detail of the item shown scrolls at most on the app's
/// screen: its last line at the pane's foot.
pub fn detail_max_scroll(app: &App) -> usize {
    let [_, right] = panes(Rect::new(0, 0, app.size.0, app.size.1));
    let w = right.width.saturating_sub(2) as usize;
    detail_lines(app, w)
        .len()
        .saturating_sub(right.height.saturating_sub(2) as usize)
}

/// The detail's lines, wrapped at `w` columns: labels in a column, a
/// value's further lines from the pane's left edge (a narrow pane keeps
/// its width for the values); notes (long labels) with their text on lines
/// of their own.
fn detail_lines(app: &App, w: usize) -> Vec<Line<'static>> {
    let lw = app
        .detail
        .iter()
        .map(|(l, _)| l.width())
        .filter(|w| *w <= 20)
        .max()
        .unwrap_or(0)
        .min(w / 2);
    let mut lines = Vec::new();
    for (label, value) in &app.detail {
        let style = if label.starts_with("TLP") || label.starts_with("Handling (TLP)") {
            app.theme.tlp(value)
        } else {
            Style::new()
        };
        // A value that fits beside its label is drawn there; one that
        // does not goes under its label, indented, whole where it fits a
        // line (wrapped beside the label, `+7 917 344 72` read as a whole
        // number and its `67` stood in the labels' column).
        let head = format!("{label:lw$} ");
        // (Control characters shown, never obeyed.)
        let shown = sanitize(value);
        if label.width() <= lw && head.width() + shown.width() <= w {
            lines.push(Line::from(vec![
                Span::styled(head, app.theme.label()),
                Span::styled(shown.into_owned(), style),
            ]));
            continue;
        }
        lines.push(Line::from(Span::styled(fit(label, w), app.theme.label())));
        let indent = if w > 24 { 2 } else { 0 };
        for l in super::draw::wrap(value, w - indent) {
            lines.push(Line::from(vec![
                Span::raw(" ".repeat(indent)),
                Span::styled(l, style),
            ]));
        }
    }
    lines
}

fn draw_detail(f: &mut Frame<'_>, app: &App, area: Rect) {
    let title = match &app.current {
        Some(c) => format!(
            " {} ",
            fit(&c.named(), area.width.saturating_sub(4) as usize)
        ),
        None => " Detail ".into(),
    };
    let w = area.width.saturating_sub(2) as usize;
    let h = area.height.saturating_sub(2) as usize;
    let lines = detail_lines(app, w);
    let total = lines.len();
    let skip = app.detail_scroll.min(total.saturating_sub(h));
    let below = total.saturating_sub(skip + h);
    // What lies beyond the pane's edges, and the key that shows it.
    let key = |a| {
        app.keymap
            .keys_for(Layer::List, a)
            .first()
            .map(|k| format!(" ({k})"))
            .unwrap_or_default()
    };
    let mark = if below > 0 {
        format!(" ↓ {below} more{} ", key(Action::DetailDown))
    } else if skip > 0 {
        format!(" ↑ {skip} above{} ", key(Action::DetailUp))
    } else {
        String::new()
    };
    let mut block = block(app, title, false);
    if !mark.is_empty() {
        block = block.title_bottom(
            Line::from(Span::styled(
                fit(&mark, w.saturating_sub(1)),
                app.theme.dim(),
            ))
            .right_aligned(),
        );
    }
    let p = Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()).block(block);
    f.render_widget(p, area);
}

fn draw_status(f: &mut Frame<'_>, app: &App, area: Rect) {
    use Action::*;
    let line = if let Some((m, level)) = &app.message {
        let style = if *level == Level::Error {
            app.theme.error()
        } else {
            Style::new()
        };
        let w = area.width as usize;
        // A message too long for the line says where to read it whole.
        let keys = app.keymap.keys_for(Layer::Global, Messages);
        let more = match keys.first() {
            Some(k) if m.width() > w => format!(" ({k}: all)"),
            _ => String::new(),
        };
        Line::from(vec![
            Span::styled(fit(m, w.saturating_sub(more.width())), style),
            Span::styled(more, app.theme.dim()),
        ])
    } else {
        let spans = match &app.modal {
            Modal::Help { .. } => hints(app, Layer::Help, &[Down, Up, Cancel]),
            Modal::Note(_) => hints(app, Layer::Prompt, &[Confirm, NextField, Cancel]),
            Modal::Picker(p) if p.is_choice() => {
                hints(app, Layer::Choice, &[Confirm, Down, Cancel])
            }
            Modal::Picker(_) => hints(app, Layer::Picker, &[Confirm, Cancel]),
            Modal::Confirm { .. } => hints(app, Layer::Confirm, &[Yes, No]),
            Modal::Report { .. } => hints(app, Layer::Report, &[Follow, Down, Cancel]),
            Modal::Matches { .. } => hints(app, Layer::Matches, &[Yes, Reject, Down, Cancel]),
            Modal::Conflicts { .. } => hints(
                app,
                Layer::Conflicts,
                &[KeepLocal, TakeIncoming, Down, Cancel],
            ),
            Modal::Form(_) => hints(app, Layer::Form, &[Save, NextField, Cancel]),
            Modal::Stats(v) => hints(app, Layer::Stats, super::stats::hint_actions(v)),
            Modal::None if app.filter_typing => hints(app, Layer::Picker, &[Confirm, Cancel]),
            Modal::None if app.empty => hints(app, Layer::Empty, &[LoadDemo, New, Help, Quit]),
            // (The Links pane is not filtered: `/` is not offered there.)
            Modal::None if app.pane == Pane::Links => hints(
                app,
                Layer::List,
                &[Follow, Back, AddNote, New, Edit, Link, Search, Help, Quit],
            ),
            Modal::None => hints(
                app,
                Layer::List,
                &[
                    Follow, Back, AddNote, New, Edit, Link, Filter, Search, Help, Quit,
                ],
            ),
        };
        Line::from(fit_hints(spans, area.width as usize))
    };
    f.render_widget(Paragraph::new(line), area);
}

fn draw_empty(f: &mut Frame<'_>, app: &App, area: Rect) {
    let k = |a| {
        app.keymap
            .keys_for(Layer::Empty, a)
            .first()
            .cloned()
            .unwrap_or_default()
    };
    let g = |a| {
        app.keymap
            .keys_for(Layer::Global, a)
            .first()
            .cloned()
            .unwrap_or_default()
    };
    let mut lines = vec![
        Line::from(Span::styled("This notebook is empty.", app.theme.header())),
        Line::from(""),
    ];
    if app.read_only {
        lines.push(Line::from(
            "It is open read-only: nothing can be added to it here.",
        ));
    } else {
        lines.push(Line::from(vec![
            Span::raw("Press "),
            Span::styled(k(Action::LoadDemo), app.theme.key()),
            Span::raw(format!(
                " to load the demo data ({DEMO_PARCELS} parcels in planted series),"
            )),
        ]));
        lines.push(Line::from(vec![
            Span::raw("or "),
            Span::styled(k(Action::New), app.theme.key()),
            Span::raw(" to create the first case."),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled(g(Action::Help), app.theme.key()),
        Span::raw(" shows every key; "),
        Span::styled(g(Action::Quit), app.theme.key()),
        Span::raw(" quits."),
    ]));
    let r = centered(area, 72, 8);
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block(
            app,
            " interdict ".into(),
            true,
        )),
        r,
    );
}

/// Lines help shows at once on a screen of `size`.
pub fn help_height(size: (u16, u16)) -> usize {
    overlay(Rect::new(0, 0, size.0, size.1))
        .height
        .saturating_sub(2) as usize
}

/// How far help scrolls at most on the app's screen: its last line at
/// the foot.
pub fn help_max_scroll(app: &App) -> usize {
    let w = app.size.0.saturating_sub(2) as usize;
    help_lines(app, w)
        .len()
        .saturating_sub(help_height(app.size))
}

/// Every binding of the keymap in force, by layer, each description
/// wrapped beside its keys at `w` columns.
fn help_lines(app: &App, w: usize) -> Vec<Line<'static>> {
    const KEYS: usize = 22;
    let mut lines = Vec::new();
    for layer in [
        Layer::Global,
        Layer::List,
        Layer::Empty,
        Layer::Form,
        Layer::Prompt,
        Layer::Picker,
        Layer::Choice,
        Layer::Confirm,
        Layer::Report,
        Layer::Matches,
        Layer::Conflicts,
        Layer::Stats,
        Layer::Help,
    ] {
        let mut actions: Vec<Action> = app
            .keymap
            .bindings
            .iter()
            .filter(|b| b.layer == layer)
            .map(|b| b.action)
            .collect();
        let mut seen = Vec::new();
        actions.retain(|a| {
            let new = !seen.contains(a);
            seen.push(*a);
            new
        });
        if actions.is_empty() {
            continue;
        }
        for l in super::draw::wrap(layer.title(), w) {
            lines.push(Line::from(Span::styled(l, app.theme.header())));
        }
        for a in actions {
            let keys = app.keymap.keys_for(layer, a).join(", ");
            let text = super::draw::wrap(a.description(), w.saturating_sub(KEYS + 3));
            for (i, d) in text.into_iter().enumerate() {
                let head = if i == 0 {
                    format!("  {:KEYS$} ", fit(&keys, KEYS))
                } else {
                    " ".repeat(KEYS + 3)
                };
                lines.push(Line::from(vec![
                    Span::styled(head, app.theme.key()),
                    Span::raw(d),
                ]));
            }
        }
    }
    // The line editing keys (text.rs, not the keymap: they are the same
    // in every field, the note prompt and a filter), which help left out.
    lines.push(Line::from(Span::styled(
        "Typing in a field, the note prompt or a filter",
        app.theme.header(),
    )));
    for (keys, what) in EDITING_KEYS {
        for (i, d) in super::draw::wrap(what, w.saturating_sub(KEYS + 3))
            .into_iter()
            .enumerate()
        {
            let head = if i == 0 {
                format!("  {:KEYS$} ", fit(keys, KEYS))
            } else {
                " ".repeat(KEYS + 3)
            };
            lines.push(Line::from(vec![
                Span::styled(head, app.theme.key()),
                Span::raw(d),
            ]));
        }
    }
    lines
}

/// The keys of a line being typed, as `text.rs` reads them.
/// (Each fits the key column at 80 columns: `Home, End, Ctrl-a, Ctrl-e`
/// was cut to `Ctrl-a, Ct…`.)
const EDITING_KEYS: [(&str, &str); 8] = [
    ("←, →", "move by a character"),
    ("Home, Ctrl-a", "to the start"),
    ("End, Ctrl-e", "to the end"),
    ("Alt-b, Alt-f", "back, forward by a word"),
    ("Ctrl-u", "cut the line"),
    ("Ctrl-w", "cut the word before the caret"),
    ("Ctrl-k", "cut to the end"),
    ("Ctrl-y", "paste back the last cut (in any field)"),
];

fn draw_help(f: &mut Frame<'_>, app: &App, scroll: usize) {
    let area = overlay(f.area());
    let lines = help_lines(app, area.width.saturating_sub(2) as usize);
    let h = area.height.saturating_sub(2) as usize;
    let skip = scroll.min(lines.len().saturating_sub(h));
    let p = Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()).block(block(
        app,
        " Keys ".into(),
        true,
    ));
    f.render_widget(Clear, area);
    f.render_widget(p, area);
}

fn draw_confirm(f: &mut Frame<'_>, app: &App, message: &str) {
    let area = centered(f.area(), 64, 5);
    super::draw::clear_popup(f, area);
    f.render_widget(
        Paragraph::new(sanitize(message).into_owned())
            .wrap(Wrap { trim: true })
            .block(block(app, " Confirm ".into(), true)),
        area,
    );
}
