//! The quick note prompt: a note or lead on the selected item in a few
//! keys, with its grading; its state, saving and drawing.

use super::app::{App, Modal};
use super::draw::{block, centered, fit};
use super::effect::Effect;
use super::keymap::Action;
use crate::domain::Note;
use crate::domain::note::parse_grading;
use crate::domain::record::new_record;
use crate::domain::text::sanitize;
use crate::store::refs::ItemRef;
use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

#[derive(Debug, Clone)]
pub struct NotePrompt {
    pub target: ItemRef,
    pub text: String,
    pub grade: String,
    pub lead: bool,
    /// 0 text, 1 grading, 2 type.
    pub focus: usize,
    /// Where the caret stands in the field in focus (characters).
    pub caret: usize,
    pub error: Option<String>,
    /// Whether anything was typed since it opened, and whether the user
    /// was told that cancelling now loses it (as a form's).
    pub typed: bool,
    pub discard_told: bool,
}

impl NotePrompt {
    /// The most characters a note's text holds: free text.
    pub const TEXT_MAX_CHARS: usize = crate::domain::fields::MAX_LONG_TEXT;

    /// An empty note on an item, its text focused.
    pub fn new(target: ItemRef) -> NotePrompt {
        NotePrompt {
            target,
            text: String::new(),
            grade: String::new(),
            lead: false,
            focus: 0,
            caret: 0,
            error: None,
            typed: false,
            discard_told: false,
        }
    }
}

impl App {
    /// The keys of the note prompt.
    pub(super) fn note_action(&mut self, a: Action) -> bool {
        match a {
            Action::Confirm => {
                if let Modal::Note(p) = std::mem::replace(&mut self.modal, Modal::None) {
                    self.save_note(p);
                }
            }
            Action::NextField | Action::PrevField => {
                if let Modal::Note(p) = &mut self.modal {
                    let forward = a == Action::NextField;
                    p.focus = (p.focus + if forward { 1 } else { 2 }) % 3;
                    p.caret = match p.focus {
                        0 => super::text::end(&p.text),
                        1 => super::text::end(&p.grade),
                        _ => 0,
                    };
                }
            }
            Action::Cancel => self.cancel_typed(),
            _ => return false,
        }
        true
    }

    pub(super) fn save_note(&mut self, mut p: NotePrompt) {
        let mut values: Vec<(&str, String)> = vec![("text", p.text.clone())];
        if p.lead {
            values.push(("note_type", "lead".into()));
        }
        if !p.grade.trim().is_empty() {
            match parse_grading(&p.grade) {
                Ok((s, i, h)) => {
                    values.push(("source_grade", s));
                    values.push(("intel_grade", i));
                    if let Some(h) = h {
                        values.push(("handling", h));
                    }
                }
                Err(e) => {
                    p.error = Some(e);
                    // (Back in the grading with the caret at its end, as
                    // Tab puts it: it stood where the type's had, before
                    // the grading's first letter.)
                    if p.focus != 1 {
                        p.focus = 1;
                        p.caret = super::text::end(&p.grade);
                    }
                    self.modal = Modal::Note(p);
                    return;
                }
            }
        }
        let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        match new_record::<Note>(&pairs) {
            Ok((mut n, _)) => {
                n.item_id = p.target.id;
                self.ask(Effect::SaveNote(Box::new(p), Box::new(n)));
            }
            Err(e) => {
                p.error = Some(e.to_string());
                self.modal = Modal::Note(p);
            }
        }
    }

    /// What the runner's write of a note came to: the prompt comes back
    /// with the error when it failed.
    pub(super) fn note_saved(&mut self, mut p: NotePrompt, result: Result<(), String>) {
        match result {
            Ok(()) => {
                self.info(format!(
                    "{} added to {}",
                    if p.lead { "lead" } else { "note" },
                    p.target.label
                ));
                self.refresh_current();
            }
            Err(e) => {
                p.error = Some(e);
                self.modal = Modal::Note(p);
            }
        }
    }
}

pub fn draw_note(f: &mut Frame<'_>, app: &App, p: &NotePrompt) {
    let area = centered(f.area(), 76, 8);
    let w = area.width.saturating_sub(16) as usize;
    let mark = |i: usize| {
        if p.focus == i {
            app.theme.selected()
        } else {
            Style::new()
        }
    };
    let shown = if p.focus == 0 {
        super::text::window(&p.text, p.caret, w)
    } else {
        super::draw::fit_as_typed(&p.text, w)
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled("Text:      ", app.theme.label()),
            Span::styled(shown, mark(0)),
        ]),
        Line::from(vec![
            Span::styled("Grading:   ", app.theme.label()),
            Span::styled(
                if p.focus == 1 {
                    super::text::window(&p.grade, p.caret, 12)
                } else {
                    fit(&p.grade, 12)
                },
                mark(1),
            ),
            Span::styled("  3x5x2, e.g. 2B or 2BP (optional)", app.theme.dim()),
        ]),
        Line::from(vec![
            Span::styled("Type:      ", app.theme.label()),
            Span::styled(if p.lead { "lead" } else { "note" }, mark(2)),
            Span::styled("  space switches", app.theme.dim()),
        ]),
    ];
    if let Some(e) = &p.error {
        for l in super::formview::wrap(&sanitize(e), area.width.saturating_sub(2) as usize) {
            lines.push(Line::from(Span::styled(l, app.theme.error())));
        }
    }
    let title = format!(" Note on {} {} ", p.target.kind, fit(&p.target.label, 40));
    super::draw::clear_popup(f, area);
    f.render_widget(Paragraph::new(lines).block(block(app, title, true)), area);
}
