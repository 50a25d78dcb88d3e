//! How each action changes the application.

use super::app::{App, Level, ListState, Modal, Pane};
use super::data::Row;
use super::effect::Effect;
use super::form::Form;
use super::keymap::Action;
use super::note::NotePrompt;
use super::picker::{Picker, PickerPurpose, picker_len};
use crate::domain::ItemKind;
use crate::exchange::conflicts::Choice;
use crate::store::refs::ItemRef;

/// How many parcels the demo key loads.
pub const DEMO_PARCELS: usize = 2000;

/// At most this many matches are listed by a live filter.
pub const FILTER_LIMIT: usize = 1000;

impl App {
    pub(super) fn accepts_text(&self) -> bool {
        matches!(
            self.modal,
            Modal::Note(_) | Modal::Picker(_) | Modal::Form(_)
        ) || (self.modal_is_none() && self.filter_typing)
    }

    fn modal_is_none(&self) -> bool {
        matches!(self.modal, Modal::None)
    }

    /// The text the keys edit now, with its caret: the focused field of
    /// a form or prompt, a picker's query, or the pane's filter.
    fn edit_target(&mut self) -> Option<(&mut String, &mut usize)> {
        match &mut self.modal {
            Modal::Note(p) => match p.focus {
                0 => Some((&mut p.text, &mut p.caret)),
                1 => Some((&mut p.grade, &mut p.caret)),
                _ => None,
            },
            Modal::Picker(p) if !matches!(p.purpose, PickerPurpose::LinkType { .. }) => {
                Some((&mut p.query, &mut p.caret))
            }
            Modal::Form(f) => f.edit_target(),
            Modal::None if self.filter_typing && self.pane != Pane::Links => {
                let l = &mut self.lists[self.pane.index()];
                Some((l.filter.get_or_insert_with(String::new), &mut l.caret))
            }
            _ => None,
        }
    }

    /// What follows a change of the text being edited: a picker searches
    /// again, a filter filters again, a form field's message goes.
    fn after_edit(&mut self) {
        match &mut self.modal {
            Modal::Picker(_) => self.run_picker(),
            Modal::Form(f) => f.edited(),
            Modal::None if self.filter_typing => self.run_filter(),
            _ => {}
        }
    }

    /// A key no binding took, while text is being edited: readline keys
    /// edit it (moving, deleting words, to the start or end...).
    pub(super) fn edit_key(&mut self, k: crossterm::event::KeyEvent) {
        if let Modal::Note(p) = &mut self.modal
            && p.focus == 2
        {
            if k.code == crossterm::event::KeyCode::Char(' ') {
                p.lead = !p.lead;
            }
            return;
        }
        let changed = self
            .edit_target()
            .and_then(|(v, c)| super::text::key(v, c, k))
            .unwrap_or(false);
        if changed {
            self.after_edit();
        }
    }

    /// Text inserted at the caret: one character typed, or a whole paste
    /// at once (one search after it, not one per character).
    pub(super) fn insert_text(&mut self, text: &str) {
        if let Modal::Note(p) = &mut self.modal
            && p.focus == 2
        {
            if text.contains(' ') {
                p.lead = !p.lead;
            }
            return;
        }
        let changed = self
            .edit_target()
            .is_some_and(|(v, c)| super::text::insert(v, c, text));
        if changed {
            self.after_edit();
        }
    }

    fn run_filter(&mut self) {
        let i = self.pane.index();
        let Some(kind) = self.pane.kind() else { return };
        let q = self.lists[i].filter.clone().unwrap_or_default();
        if q.trim().is_empty() {
            // An empty filter shows nothing filtered yet.
            self.lists[i].hits.clear();
            self.lists[i].cursor = 0;
            self.lists[i].offset = 0;
            self.searching_pane = None;
            return;
        }
        self.searching_pane = Some(i);
        self.filter_shown = false;
        self.ask(Effect::Filter {
            pane: i,
            kind,
            query: q,
        });
    }

    pub(super) fn apply_filter(&mut self, i: usize, rows: Result<Vec<Row>, String>) {
        match rows {
            Ok(rows) => {
                let l = &mut self.lists[i];
                l.hits = rows;
                l.cursor = 0;
                l.offset = 0;
                if self.pane.index() == i {
                    self.select_current();
                }
            }
            Err(e) => self.error(e),
        }
    }

    /// Rows the searcher found for a filter; true when the screen changed.
    pub(super) fn receive_rows(&mut self, reply: super::searcher::Reply) -> bool {
        let Some(i) = self.searching_pane else {
            return false;
        };
        if reply.complete {
            self.searching_pane = None;
        }
        // A filter cleared or changed since is not overwritten.
        if self.lists[i].filter.as_deref() == Some(reply.query.as_str()) {
            if self.filter_shown {
                // The rest of the rows: the first ones, and where the
                // cursor is, stay as they are.
                if let Ok(rows) = reply.rows {
                    self.lists[i].hits = rows;
                }
            } else {
                self.apply_filter(i, reply.rows);
                self.filter_shown = true;
            }
            return true;
        }
        false
    }

    fn clear_filter(&mut self) {
        let i = self.pane.index();
        self.lists[i].filter = None;
        self.lists[i].hits.clear();
        self.filter_typing = false;
        self.searching_pane = None;
        self.clamp(i);
        self.fetch(i);
        self.select_current();
    }

    fn move_cursor(&mut self, delta: isize) {
        if self.pane == Pane::Links {
            let len = self.links.len();
            if len > 0 {
                self.links_cursor =
                    (self.links_cursor as isize + delta).clamp(0, len as isize - 1) as usize;
            }
            return;
        }
        let i = self.pane.index();
        let len = self.lists[i].len();
        if len == 0 {
            return;
        }
        let l: &mut ListState = &mut self.lists[i];
        l.cursor = (l.cursor as isize + delta).clamp(0, len as isize - 1) as usize;
        let before = l.offset;
        self.clamp(i);
        if self.lists[i].offset != before || self.lists[i].rows.is_empty() {
            self.fetch(i);
        }
        self.select_current();
    }

    pub fn update(&mut self, a: Action) {
        if matches!(self.modal, Modal::Stats(_)) && self.stats_action(a) {
            return;
        }
        match a {
            Action::Messages => {
                // Newest first, each in full over as many lines as it needs.
                let mut lines = Vec::new();
                for (at, text, level) in self.log.iter().rev() {
                    let tag = if *level == Level::Error {
                        "error: "
                    } else {
                        ""
                    };
                    for (i, l) in crate::domain::text::wrap(&format!("{tag}{text}"), 66)
                        .into_iter()
                        .enumerate()
                    {
                        let when = if i == 0 { at.as_str() } else { "" };
                        lines.push((format!("{when:<9} {l}"), None));
                    }
                }
                if lines.is_empty() {
                    lines.push(("no messages yet".into(), None));
                }
                self.modal = Modal::Report {
                    title: "Messages of this session, newest first".into(),
                    lines,
                    cursor: 0,
                };
            }
            Action::Frequencies => self.open_stats(super::stats::View::Columns),
            Action::Trends => self.open_stats(super::stats::View::Trend),
            Action::Routes => self.open_stats(super::stats::View::Routes),
            Action::Emerging => self.open_stats(super::stats::View::Emerging),
            Action::Timeline => self.open_stats(super::stats::View::Timeline),
            // Keys of the views, which answer them before this.
            Action::SortBy
            | Action::SplitBy
            | Action::Every
            | Action::Period
            | Action::CaseScope => {}
            Action::Quit => self.quit = true,
            Action::Help => {
                self.modal = match self.modal {
                    Modal::Help { .. } => Modal::None,
                    _ => Modal::Help { scroll: 0 },
                }
            }
            Action::NextPane | Action::PrevPane => {
                let i = self.pane.index() as isize + if a == Action::NextPane { 1 } else { -1 };
                self.pane = Pane::ALL[i.rem_euclid(4) as usize];
                self.select_current();
            }
            Action::PaneCases => self.focus(Pane::Cases),
            Action::PaneParcels => self.focus(Pane::Parcels),
            Action::PaneSubstances => self.focus(Pane::Substances),
            Action::PaneLinks => self.focus(Pane::Links),
            Action::Down => match &mut self.modal {
                Modal::Help { scroll } => *scroll += 1,
                Modal::Report { lines, cursor, .. } => {
                    *cursor = (*cursor + 1).min(lines.len().saturating_sub(1))
                }
                Modal::Matches { list, cursor } => {
                    *cursor = (*cursor + 1).min(list.len().saturating_sub(1))
                }
                Modal::Conflicts { list, cursor } => {
                    *cursor = (*cursor + 1).min(list.len().saturating_sub(1))
                }
                Modal::Picker(p) => p.cursor = (p.cursor + 1).min(picker_len(p).saturating_sub(1)),
                _ => self.move_cursor(1),
            },
            Action::Up => match &mut self.modal {
                Modal::Report { cursor, .. }
                | Modal::Matches { cursor, .. }
                | Modal::Conflicts { cursor, .. } => *cursor = cursor.saturating_sub(1),
                Modal::Help { scroll } => *scroll = scroll.saturating_sub(1),
                Modal::Picker(p) => p.cursor = p.cursor.saturating_sub(1),
                _ => self.move_cursor(-1),
            },
            Action::Top => self.move_cursor(isize::MIN / 2),
            Action::Bottom => self.move_cursor(isize::MAX / 2),
            Action::HalfPageDown => self.move_cursor((self.page / 2).max(1) as isize),
            Action::HalfPageUp => self.move_cursor(-((self.page / 2).max(1) as isize)),
            Action::PageDown => self.move_cursor(self.page as isize),
            Action::PageUp => self.move_cursor(-(self.page as isize)),
            Action::Follow => {
                if let Modal::Report { lines, cursor, .. } = &self.modal {
                    match lines.get(*cursor).and_then(|(_, t)| t.clone()) {
                        Some(item) => {
                            self.modal = Modal::None;
                            self.go_to(item, true);
                        }
                        None => self.info("this line leads nowhere"),
                    }
                } else {
                    self.follow();
                }
            }
            Action::PathTo => match self.current.clone() {
                Some(from) => {
                    self.modal = Modal::Picker(Picker {
                        purpose: PickerPurpose::PathFrom(from),
                        query: String::new(),
                        caret: 0,
                        hits: Vec::new(),
                        cursor: 0,
                    })
                }
                None => self.info("select an item to find a path from"),
            },
            Action::History => match self.current.clone() {
                Some(item) => self.ask(Effect::History(item)),
                None => self.info("select an item to see its history"),
            },
            Action::Neighbourhood => match self.current.clone() {
                Some(item) => self.ask(Effect::Neighbourhood(item)),
                None => self.info("select an item to draw around"),
            },
            Action::Matches => self.open_matches(),
            Action::Conflicts => self.open_conflicts(),
            Action::KeepLocal => self.settle_conflict(Choice::Local),
            Action::TakeIncoming => self.settle_conflict(Choice::Incoming),
            Action::Reject => self.reject_match(),
            Action::Back => {
                if let Some(prev) = self.back.pop() {
                    if let Some(here) = self.place() {
                        self.forward.push(here);
                    }
                    self.return_to(prev);
                } else {
                    self.info("nothing to go back to");
                }
            }
            Action::Forward => {
                if let Some(next) = self.forward.pop() {
                    if let Some(here) = self.place() {
                        self.back.push(here);
                    }
                    self.return_to(next);
                } else {
                    self.info("nothing to go forward to");
                }
            }
            Action::AddNote => match self.current.clone() {
                Some(target) => {
                    self.modal = Modal::Note(NotePrompt {
                        target,
                        text: String::new(),
                        grade: String::new(),
                        lead: false,
                        focus: 0,
                        caret: 0,
                        error: None,
                    })
                }
                None => self.info("select an item to write a note on"),
            },
            Action::New => {
                // In the Links pane, a new item beside the one shown: a new
                // parcel in the case shown, or in the parcel's case.
                let kind = match (self.pane, &self.current) {
                    (Pane::Links, Some(c)) if c.kind == ItemKind::Case => ItemKind::Parcel,
                    (Pane::Links, Some(c)) => c.kind,
                    (pane, _) => pane.kind().unwrap_or(ItemKind::Case),
                };
                match (kind, self.pane, self.current.clone()) {
                    (ItemKind::Parcel, Pane::Links, Some(beside)) => {
                        self.ask(Effect::NewParcelBeside(beside))
                    }
                    (ItemKind::Parcel, ..) => {
                        self.modal = Modal::Form(Box::new(Form::new_parcel(None)))
                    }
                    _ => self.modal = Modal::Form(Box::new(Form::new(kind))),
                }
            }
            Action::Edit if self.pane == Pane::Links => {
                match self.links.get(self.links_cursor).and_then(|l| l.via) {
                    Some((kind, id)) => self.ask(Effect::EditForm(ItemRef {
                        kind,
                        id,
                        label: String::new(),
                    })),
                    None => self.info("a shared identifier is not a record: nothing to edit"),
                }
            }
            Action::Delete if self.pane == Pane::Links => {
                match self.links.get(self.links_cursor).cloned() {
                    Some(l) => match l.via {
                        Some((kind, id)) => {
                            let message =
                                format!("Delete this {kind} ({}: {})? (y/n)", l.label, l.reason);
                            self.modal = Modal::Confirm {
                                item: ItemRef {
                                    kind,
                                    id,
                                    label: l.reason.clone(),
                                },
                                message,
                            };
                        }
                        None => self.info("a shared identifier is not a record: nothing to delete"),
                    },
                    None => self.info("nothing selected"),
                }
            }
            Action::AddFinding => match self.current.clone() {
                Some(p) if p.kind == ItemKind::Parcel => {
                    self.modal = Modal::Picker(Picker {
                        purpose: PickerPurpose::FindingIn(p),
                        query: String::new(),
                        caret: 0,
                        hits: Vec::new(),
                        cursor: 0,
                    })
                }
                _ => self.info("select a parcel to record what was found in it"),
            },
            Action::Edit => match self.current.clone() {
                Some(item)
                    if matches!(
                        item.kind,
                        ItemKind::Case | ItemKind::Parcel | ItemKind::Substance
                    ) =>
                {
                    self.ask(Effect::EditForm(item))
                }
                _ => self.info("select a case, parcel or substance to edit"),
            },
            Action::Delete => match self.current.clone() {
                Some(item) => {
                    let message = format!(
                        "Delete {} {} with its findings, links and notes? (y/n)",
                        item.kind, item.label
                    );
                    self.modal = Modal::Confirm { item, message };
                }
                None => self.info("nothing selected"),
            },
            Action::Link => match self.current.clone() {
                Some(from) => {
                    self.modal = Modal::Picker(Picker {
                        purpose: PickerPurpose::LinkFrom(from),
                        query: String::new(),
                        caret: 0,
                        hits: Vec::new(),
                        cursor: 0,
                    })
                }
                None => self.info("select an item to link from"),
            },
            Action::Search => {
                self.modal = Modal::Picker(Picker {
                    purpose: PickerPurpose::Jump,
                    query: String::new(),
                    caret: 0,
                    hits: Vec::new(),
                    cursor: 0,
                })
            }
            Action::Filter => {
                if self.pane != Pane::Links {
                    let i = self.pane.index();
                    let f = self.lists[i].filter.get_or_insert_with(String::new);
                    self.lists[i].caret = super::text::end(f);
                    self.filter_typing = true;
                    // The texts load while the query is typed.
                    if let Some(kind) = self.pane.kind() {
                        self.ask(Effect::Warm(kind));
                    }
                }
            }
            Action::LoadDemo => self.ask(Effect::LoadDemo),
            Action::Cancel => match &self.modal {
                Modal::None => {
                    if self.pane != Pane::Links && self.lists[self.pane.index()].filter.is_some() {
                        self.clear_filter();
                    } else if self.clear_subset() {
                        self.info("all items shown again");
                    }
                }
                _ => self.modal = Modal::None,
            },
            Action::Confirm => self.confirm(),
            Action::NextField | Action::PrevField => {
                let forward = a == Action::NextField;
                match &mut self.modal {
                    Modal::Note(p) => {
                        p.focus = (p.focus + if forward { 1 } else { 2 }) % 3;
                        p.caret = match p.focus {
                            0 => super::text::end(&p.text),
                            1 => super::text::end(&p.grade),
                            _ => 0,
                        };
                    }
                    Modal::Form(f) => f.next(forward),
                    _ => {}
                }
            }
            Action::Save => self.save_form(),
            Action::Yes if matches!(self.modal, Modal::Matches { .. }) => self.confirm_match(),
            Action::Yes => {
                if let Modal::Confirm { item, .. } = std::mem::replace(&mut self.modal, Modal::None)
                {
                    self.ask(Effect::Delete(item));
                }
            }
            Action::No => self.modal = Modal::None,
        }
    }

    fn focus(&mut self, pane: Pane) {
        self.pane = pane;
        self.select_current();
    }

    fn follow(&mut self) {
        match self.pane {
            Pane::Links => {
                if let Some(l) = self.links.get(self.links_cursor).cloned() {
                    if l.kind == ItemKind::Note {
                        self.info(format!("{}: {}", l.label, l.reason));
                        return;
                    }
                    if Some(l.id) == self.current.as_ref().map(|c| c.id) {
                        self.info(l.reason);
                        return;
                    }
                    // One key per hop: the next item's connections are
                    // shown in this pane, where the next hop is taken.
                    self.go_to(
                        ItemRef {
                            kind: l.kind,
                            id: l.id,
                            label: l.label,
                        },
                        true,
                    );
                    self.pane = Pane::Links;
                }
            }
            _ => {
                if self.filter_typing {
                    self.filter_typing = false;
                    return;
                }
                // Open: show what the item connects to.
                self.pane = Pane::Links;
            }
        }
    }

    fn confirm(&mut self) {
        match std::mem::replace(&mut self.modal, Modal::None) {
            Modal::Note(p) => self.save_note(p),
            Modal::Picker(p) => self.pick(p),
            other => {
                if self.filter_typing {
                    self.filter_typing = false;
                }
                self.modal = other;
            }
        }
    }

    fn save_form(&mut self) {
        let Modal::Form(f) = std::mem::replace(&mut self.modal, Modal::None) else {
            return;
        };
        self.ask(Effect::SaveForm(f));
    }

    /// What the runner's save of a form came to: the item shown, or the
    /// form back with its errors.
    pub(super) fn form_saved(&mut self, f: Box<Form>, saved: Option<(ItemRef, Vec<String>)>) {
        match saved {
            Some((item, warnings)) => {
                let verb = if f.editing.is_some() {
                    "saved"
                } else {
                    "created"
                };
                let mut msg = format!("{verb} {} {}", item.kind, item.label);
                if !warnings.is_empty() {
                    msg.push_str(&format!(" (warning: {})", warnings.join("; ")));
                }
                self.reload();
                if matches!(
                    item.kind,
                    ItemKind::Case | ItemKind::Parcel | ItemKind::Substance
                ) {
                    self.go_to(item, true);
                } else {
                    self.refresh_current();
                }
                self.info(msg);
            }
            None => self.modal = Modal::Form(f),
        }
    }

    /// What the runner's delete came to.
    pub(super) fn deleted(&mut self, item: ItemRef, result: Result<usize, String>) {
        match result {
            Ok(n) => {
                self.info(format!(
                    "deleted {} {} ({n} records)",
                    item.kind, item.label
                ));
                if matches!(
                    item.kind,
                    ItemKind::Link | ItemKind::Finding | ItemKind::Note
                ) {
                    self.reload();
                    self.refresh_current();
                    return;
                }
                self.current = None;
                self.back.retain(|b| b.item.id != item.id);
                self.forward.retain(|b| b.item.id != item.id);
                self.reload();
            }
            Err(e) => self.error(e),
        }
    }
}

#[cfg(test)]
mod tests;
