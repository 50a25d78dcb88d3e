//! Merge conflicts: both versions of each item, field by field, to settle
//! by keeping the local one or taking the incoming one.

use super::app::{App, Modal, move_in};
use super::draw::{draw_entries, fit, pad};
use super::effect::Effect;
use super::keymap::Action;
use crate::exchange::conflicts::{Choice, Conflict};
use crate::exchange::merge::SETTLED_DIFFERENTLY;
use ratatui::Frame;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

/// Open merge conflicts: for each, the item, where the other version came
/// from, and every field that differs, here and incoming (and as both
/// sides last shared it, when the merge found that version).
pub fn draw_conflicts(
    f: &mut Frame<'_>,
    app: &App,
    list: &[crate::exchange::conflicts::Conflict],
    cursor: usize,
) {
    let title = format!(" Merge conflicts ({}) ", list.len());
    draw_entries(f, app, title, list, cursor, 3, |c, style, w| {
        let field_w = 14.min(w / 4);
        // With the version both sides last shared, a third column: who
        // changed what since.
        let shared = c.base.is_some();
        let columns = if shared { 3 } else { 2 };
        let value_w = w.saturating_sub(field_w + 2 + 2 * columns) / columns;
        let mut lines = vec![
            Line::from(Span::styled(
                fit(
                    &format!(
                        "{} {}  from {}{}",
                        c.item_kind,
                        c.label,
                        c.file,
                        c.signer
                            .as_deref()
                            .map(|s| format!(", signed by {s}"))
                            .unwrap_or_default()
                    ),
                    w,
                ),
                style,
            )),
            Line::from(Span::styled(
                fit(
                    &if shared {
                        format!(
                            "  {:field_w$}  {:value_w$}  {:value_w$}  {}",
                            "field", "shared", "here", "incoming"
                        )
                    } else {
                        format!(
                            "  {:field_w$}  {:value_w$}  {}",
                            "field", "here", "incoming"
                        )
                    },
                    w,
                ),
                app.theme.dim(),
            )),
        ];
        if c.is_deletion() && c.local.is_some() {
            lines.push(Line::from(fit("  incoming: deleted there", w)));
        }
        match &c.here_now {
            Some(Some(_)) => lines.push(Line::from(fit(
                "  here: as it stands now, edited since the conflict was filed",
                w,
            ))),
            Some(None) => lines.push(Line::from(fit(
                "  here: deleted since the conflict was filed",
                w,
            ))),
            None => {}
        }
        if !c.deleted_with.is_empty() {
            lines.push(Line::from(fit(
                &format!(
                    "  taking it deletes with it {} here: {}",
                    c.deleted_with.len(),
                    c.deleted_with.join("; ")
                ),
                w,
            )));
        }
        for d in c.diff() {
            let base = d
                .base
                .as_deref()
                // Said whole in a narrow column (it was cut to "(settled
                // differen…" at 80 columns).
                .map(|b| match b {
                    SETTLED_DIFFERENTLY if b.width() > value_w => "(settled apart)",
                    b => b,
                })
                .map(|b| format!("{}  ", pad(b, value_w)))
                .unwrap_or_default();
            lines.push(Line::from(fit(
                &format!(
                    "  {}  {base}{}  {}",
                    pad(&d.field, field_w),
                    pad(&d.local, value_w),
                    d.incoming
                ),
                w,
            )));
        }
        lines
    });
}

impl App {
    /// The keys of the merge conflicts: keep one version, move, close.
    pub(super) fn conflicts_action(&mut self, a: Action) -> bool {
        match a {
            Action::Down
            | Action::Up
            | Action::Top
            | Action::Bottom
            | Action::PageDown
            | Action::PageUp => {
                let page = self.page / 3;
                if let Modal::Conflicts { list, cursor } = &mut self.modal {
                    move_in(cursor, list.len(), a, page);
                }
            }
            Action::KeepLocal => self.settle_conflict(Choice::Local),
            Action::TakeIncoming => self.settle_conflict(Choice::Incoming),
            Action::Cancel => self.modal = Modal::None,
            _ => return false,
        }
        true
    }

    pub(super) fn open_conflicts(&mut self) {
        self.ask(Effect::Conflicts);
    }

    /// The open conflicts the runner read.
    pub(super) fn show_conflicts(&mut self, found: Result<Vec<Conflict>, String>) {
        match found {
            Ok(list) if list.is_empty() => self.info("no merge conflicts wait for a choice"),
            Ok(list) => self.modal = Modal::Conflicts { list, cursor: 0 },
            Err(e) => self.error(e),
        }
    }

    pub(super) fn settle_conflict(&mut self, choice: Choice) {
        if let Modal::Conflicts { list, cursor } = &self.modal
            && let Some(c) = list.get(*cursor)
        {
            let conflict = c.id;
            self.ask(Effect::Resolve { conflict, choice });
        }
    }

    /// What the runner's settling of a conflict came to: on success it
    /// leaves the list.
    /// `replaced`: the fields of the conflict edited here since it was
    /// filed, with their values, that the incoming side replaced.
    pub(super) fn conflict_settled(
        &mut self,
        choice: Choice,
        done: Result<Conflict, String>,
        replaced: &[(String, String)],
    ) {
        let done = match done {
            Ok(d) => d,
            Err(e) => return self.error(e),
        };
        if let Modal::Conflicts { list, cursor } = &mut self.modal {
            list.retain(|c| c.id != done.id);
            *cursor = (*cursor).min(list.len().saturating_sub(1));
            if list.is_empty() {
                self.modal = Modal::None;
            }
        }
        // The lists' rows read again too: a list row kept the version it
        // showed before (the detail said the incoming title, the row the
        // old one).
        self.reload();
        self.refresh_current();
        let kept = if choice == Choice::Local {
            "kept the version here"
        } else {
            "took the incoming version"
        };
        let over: Vec<String> = replaced.iter().map(|(f, v)| format!("{f} {v}")).collect();
        let over = if over.is_empty() {
            String::new()
        } else {
            format!(
                " (replacing what was edited here since the conflict was filed: {})",
                over.join("; ")
            )
        };
        self.info(format!("{} {}: {kept}{over}", done.item_kind, done.label));
    }
}
