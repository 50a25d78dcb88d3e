//! Drawing helpers every view and modal shares: fitting text to a width,
//! blocks, key hints from the keymap, placing pop-ups, lists of entries.

use super::app::App;
use super::keymap::{Action, Layer};
use crate::domain::text::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

/// Cuts text to a display width, by character, ending in `…` when cut;
/// a card number in it masked first (unless `--show-cards`): cut short it
/// no longer reads as one, and the screen's mask after drawing passed its
/// first twelve digits.
pub fn fit(s: &str, width: usize) -> String {
    fit_as_typed(&crate::domain::identifiers::shown_text(s), width)
}

/// [`fit`] of what a person is typing (a form's field, a note), shown as
/// typed.
pub fn fit_as_typed(s: &str, width: usize) -> String {
    let s = sanitize(s);
    if s.width() <= width {
        return s.into_owned();
    }
    crate::domain::text::cut_to_width(&s, width)
}

/// Word wrap by display width (sanitised first): lines of at most `width`
/// columns, a word wider than a line cut where it meets the edge. At
/// least one line, empty for an empty text.
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthChar;
    let width = width.max(1);
    let s = sanitize(s);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for (i, word) in s.split(' ').enumerate() {
        let ww = word.width();
        // The space before the word, if the line has room for both.
        let gap = usize::from(i > 0 && used > 0);
        if used + gap + ww <= width {
            if gap == 1 {
                line.push(' ');
            }
            line.push_str(word);
            used += gap + ww;
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        for c in word.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw > width {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(c);
            used += cw;
        }
    }
    lines.push(line);
    lines
}

/// A count with its noun, singular for one: `1 record`, `5 records`,
/// `0 records`.
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Text cut to a display width and padded to exactly that width.
pub fn pad(s: &str, width: usize) -> String {
    let t = fit(s, width);
    let w = t.width();
    t + &" ".repeat(width.saturating_sub(w))
}

pub fn block<'a>(app: &App, title: String, focused: bool) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.border(focused))
        .title(Span::styled(title, app.theme.title(focused)))
}

/// `key hint · key hint` for the actions of a layer, from the keymap.
pub fn hints(app: &App, layer: Layer, actions: &[Action]) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for a in actions {
        let layer = if app.keymap.keys_for(layer, *a).is_empty() {
            Layer::Global
        } else {
            layer
        };
        if let Some(k) = app.keymap.keys_for(layer, *a).first() {
            if !spans.is_empty() {
                spans.push(Span::styled(" · ", app.theme.dim()));
            }
            spans.push(Span::styled(k.clone(), app.theme.key()));
            spans.push(Span::raw(format!(" {}", a.hint())));
        }
    }
    spans
}

/// Drops hints from the middle until the line fits, keeping the last two
/// (help and quit) so the way out is always shown.
pub fn fit_hints(mut spans: Vec<Span<'static>>, width: usize) -> Vec<Span<'static>> {
    // Each hint is three spans (key, text) plus a separator before it.
    let total = |s: &[Span]| s.iter().map(|x| x.content.width()).sum::<usize>();
    while total(&spans) > width && spans.len() > 11 {
        // Remove the hint before the last two: separator, key, text.
        let at = spans.len() - 12;
        spans.drain(at + 1..at + 4);
    }
    spans
}

/// The whole screen but its status line: where full-screen views (help,
/// reports, lists of matches and conflicts) are drawn, so nothing of the
/// panes beneath shows at their sides.
pub fn overlay(area: Rect) -> Rect {
    Rect::new(area.x, area.y, area.width, area.height.saturating_sub(1))
}

/// Clears where a pop-up is drawn, a row above and below it, and its rows
/// across the whole width (within the panes' rows, below the tabs and
/// above the status line), so that the pop-up's border never stands
/// against a pane's border beside or under it (two lines side by side,
/// doubled corners) and no pane's text is cut beside it (a cell's margin
/// left the detail's words cut short at its right, `arcels`, and half of
/// a wide character).
pub fn clear_popup(f: &mut Frame<'_>, area: Rect) {
    let screen = f.area();
    let top = (screen.y + 1).min(area.y);
    let bottom = screen.bottom().saturating_sub(1).max(area.bottom());
    let (x0, x1) = (screen.x, screen.right());
    let y0 = area.y.saturating_sub(1).max(top);
    let y1 = area.bottom().saturating_add(1).min(bottom);
    f.render_widget(
        Clear,
        Rect::new(x0, y0, x1.saturating_sub(x0), y1.saturating_sub(y0)),
    );
}

pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// A full-screen list of entries of a few lines each, scrolled so that the
/// entry under the cursor (its first line and `tail` more) is in view. The
/// first line of each entry is drawn in `style` (the selection's for the
/// cursor's entry).
pub fn draw_entries<T>(
    f: &mut Frame<'_>,
    app: &App,
    title: String,
    list: &[T],
    cursor: usize,
    tail: usize,
    entry: impl Fn(&T, Style, usize) -> Vec<Line<'static>>,
) {
    let area = overlay(f.area());
    let w = area.width.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    let mut cursor_line = 0;
    for (i, item) in list.iter().enumerate() {
        let style = if i == cursor {
            cursor_line = lines.len();
            app.theme.selected()
        } else {
            Style::new()
        };
        lines.extend(entry(item, style, w));
    }
    let inner_h = area.height.saturating_sub(2) as usize;
    let skip = (cursor_line + tail + 1).saturating_sub(inner_h);
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>())
            .block(block(app, title, true)),
        area,
    );
}
