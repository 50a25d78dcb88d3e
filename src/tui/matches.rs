//! Suggested name and address matches: each pair, its items and the
//! evidence, to confirm (a same-as link) or reject (remembered).

use super::app::{App, Modal, move_in};
use super::draw::{draw_entries, fit};
use super::effect::Effect;
use super::keymap::Action;
use crate::domain::ItemKind;
use crate::xref::fuzzy;
use ratatui::Frame;
use ratatui::text::{Line, Span};

pub fn draw_matches(
    f: &mut Frame<'_>,
    app: &App,
    list: &[crate::xref::fuzzy::Suggestion],
    cursor: usize,
) {
    let title = format!(" Suggested matches ({}) ", list.len());
    // Each pair: the two names, the two items they are on (with the role
    // the name plays), then the evidence for the score.
    draw_entries(f, app, title, list, cursor, 2, |s, style, w| {
        vec![
            Line::from(Span::styled(
                fit(&format!("{:.2}  {}  ~  {}", s.score, s.a_name, s.b_name), w),
                style,
            )),
            Line::from(Span::raw(fit(
                &format!(
                    "      {} {} ({})  ~  {} {} ({})",
                    s.a.kind,
                    s.a_label,
                    s.a_role.replace('_', " "),
                    s.b.kind,
                    s.b_label,
                    s.b_role.replace('_', " ")
                ),
                w,
            ))),
            Line::from(Span::styled(
                fit(&format!("      {}", s.features.join("; ")), w),
                app.theme.dim(),
            )),
        ]
    });
}

impl App {
    /// The keys of the suggested matches: confirm, reject, move, close.
    pub(super) fn matches_action(&mut self, a: Action) -> bool {
        match a {
            Action::Down
            | Action::Up
            | Action::Top
            | Action::Bottom
            | Action::PageDown
            | Action::PageUp => {
                let page = self.page / 3;
                if let Modal::Matches { list, cursor } = &mut self.modal {
                    move_in(cursor, list.len(), a, page);
                }
            }
            Action::Yes => self.confirm_match(),
            Action::Reject => self.reject_match(),
            Action::Cancel => self.modal = Modal::None,
            _ => return false,
        }
        true
    }

    pub(super) fn open_matches(&mut self) {
        let around = self.current.as_ref().map(|c| c.id);
        self.ask(Effect::Matches(around));
    }

    /// The suggestions the runner found.
    pub(super) fn show_matches(&mut self, found: Result<Vec<fuzzy::Suggestion>, String>) {
        match found {
            Ok(list) if list.is_empty() => self.info("no suggested name matches here"),
            Ok(list) => self.modal = Modal::Matches { list, cursor: 0 },
            Err(e) => self.error(e),
        }
    }

    pub(super) fn confirm_match(&mut self) {
        if let Modal::Matches { list, cursor } = &self.modal
            && let Some(sg) = list.get(*cursor).cloned()
        {
            self.ask(Effect::ConfirmMatch(Box::new(sg)));
        }
    }

    pub(super) fn reject_match(&mut self) {
        if let Modal::Matches { list, cursor } = &self.modal
            && let Some(sg) = list.get(*cursor).cloned()
        {
            self.ask(Effect::RejectMatch(Box::new(sg)));
        }
    }

    /// What the runner's confirmation (or rejection) of a suggestion came
    /// to: on success it leaves the list.
    pub(super) fn match_settled(
        &mut self,
        sg: &fuzzy::Suggestion,
        confirmed: bool,
        result: Result<(), String>,
    ) {
        if let Err(e) = result {
            self.error(e);
            return;
        }
        if let Modal::Matches { list, cursor } = &mut self.modal {
            list.retain(|s| !(s.a.id == sg.a.id && s.b.id == sg.b.id));
            *cursor = (*cursor).min(list.len().saturating_sub(1));
            if list.is_empty() {
                self.modal = Modal::None;
            }
        }
        if confirmed {
            self.refresh_current();
            // Named by the link the confirmation made (a person and a
            // parcel are joined `recipient-of` or `sender-of`, not "same
            // as").
            let (link_type, from, _) = fuzzy::confirmed_link(sg);
            // A person or organisation by name; anything else (a parcel)
            // as it is known, its tracking number (the parcel was named
            // by its recipient's name, which is the person's own).
            let named = |node: &crate::xref::graph::Node, name: &str, label: &str| {
                if matches!(node.kind, ItemKind::Person | ItemKind::Organisation) {
                    name.to_string()
                } else {
                    crate::store::refs::named(node.kind, label)
                }
            };
            let (a, b) = (
                named(&sg.a, &sg.a_name, &sg.a_label),
                named(&sg.b, &sg.b_name, &sg.b_label),
            );
            let (first, second) = if from == sg.a.id { (a, b) } else { (b, a) };
            self.info(format!("confirmed: {first} {link_type} {second}"));
        } else {
            self.info(format!("rejected: {} / {}", sg.a_name, sg.b_name));
        }
    }
}
