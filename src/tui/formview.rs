//! Drawing a form.

use super::app::App;
use super::draw::fit;
use super::form::Form;
use crate::domain::text::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn draw(f: &mut Frame<'_>, app: &App, form: &Form) {
    let full = f.area();
    let w = full.width.min(78);
    let h = full.height.saturating_sub(2);
    let area = Rect::new(full.x + (full.width - w) / 2, full.y + 1, w, h);
    let inner_h = h.saturating_sub(2) as usize;
    let lw = form
        .fields
        .iter()
        .map(|f| f.spec.label.len())
        .max()
        .unwrap_or(10)
        .min(22);
    let vw = (w as usize).saturating_sub(lw + 4);
    let mut lines: Vec<Line> = Vec::new();
    let mut focus_line = 0;
    // The line after the focused field's own (its error, warning or hint).
    let mut focus_end = 0;
    if let Some(e) = &form.error {
        // The whole message, word-wrapped.
        for text in wrap(&sanitize(e), (w as usize).saturating_sub(2).max(8)) {
            lines.push(Line::from(Span::styled(text, app.theme.error())));
        }
    }
    for (i, field) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        if focused {
            focus_line = lines.len();
        }
        let req = if field.spec.required { "*" } else { " " };
        // The field in focus scrolls to keep its caret in view; the
        // others show their start.
        let shown = if focused {
            super::text::window(&field.value, form.caret, vw)
        } else {
            super::draw::fit_as_typed(&field.value, vw)
        };
        let vstyle = if focused {
            app.theme.selected()
        } else {
            ratatui::style::Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:lw$}{req} ", fit(field.spec.label, lw)),
                app.theme.label(),
            ),
            Span::styled(shown, vstyle),
        ]));
        if let Some(e) = &field.error {
            // The whole message, word-wrapped under the field.
            for (k, text) in wrap(&sanitize(e), vw.saturating_sub(4).max(8))
                .iter()
                .enumerate()
            {
                let mark = if k == 0 { "✗" } else { " " };
                lines.push(Line::from(Span::styled(
                    format!("{:lw$}  {mark} {text}", ""),
                    app.theme.error(),
                )));
            }
        } else if let Some(wn) = &field.warning {
            lines.push(Line::from(Span::styled(
                format!("{:lw$}  ! {}", "", fit(wn, vw.saturating_sub(2))),
                app.theme.warning(),
            )));
        } else if focused {
            lines.push(Line::from(Span::styled(
                format!("{:lw$}  {}", "", fit(&field.spec.hint(), vw)),
                app.theme.dim(),
            )));
        }
        if focused {
            focus_end = lines.len();
        }
    }
    // The focused field in view with every line of what is said under it
    // (at 80x24 the last field's error showed its first line only), the
    // field itself kept in view when they are more than the form holds.
    let skip = focus_end.saturating_sub(inner_h).min(focus_line);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.border(true))
        .title(Span::styled(
            format!(" {} ", form.title()),
            app.theme.title(true),
        ));
    super::draw::clear_popup(f, area);
    f.render_widget(
        Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()).block(block),
        area,
    );
}

/// Greedy word wrap to `width` terminal cells; overlong words are cut
/// ([`crate::domain::text::wrap`]: it counted characters, and a message
/// naming a Chinese value ran past the form and lost its last words).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    crate::domain::text::wrap(text, width)
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn wraps_on_words() {
        assert_eq!(
            super::wrap("has check digit 9, expected 5", 16),
            vec!["has check digit", "9, expected 5"]
        );
        assert_eq!(
            super::wrap("abcdefghijklmnopqrs", 8),
            vec!["abcdefgh", "ijklmnop", "qrs"]
        );
        // By the cells a character takes: two for a Chinese one.
        assert_eq!(
            super::wrap("电话一二三四五六 is not", 8),
            vec!["电话一二", "三四五六", "is not"]
        );
    }
}
