//! How each action changes the application.

use super::app::{App, Level, ListState, Modal, Pane};
use super::data::{self, Row};
use super::form::Form;
use super::keymap::Action;
use super::note::NotePrompt;
use super::picker::{Picker, PickerPurpose, picker_len};
use crate::domain::ItemKind;
use crate::exchange::conflicts::Choice;
use crate::store::refs::ItemRef;
use crate::store::{records, search};

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
        if let Some(s) = &mut self.searcher {
            s.request(&q, kind, FILTER_LIMIT);
            self.searching_pane = Some(i);
            self.filter_shown = false;
            return;
        }
        let conn = self.store.conn();
        let rows = search::search(conn, &q, Some(kind), FILTER_LIMIT).map(|hits| {
            hits.iter()
                .filter_map(|h| data::row_of(conn, h.kind, h.id).ok().flatten())
                .map(|mut r| {
                    data::mark(&mut r, &q);
                    r
                })
                .collect()
        });
        self.apply_filter(i, rows.map_err(|e| e.to_string()));
    }

    fn apply_filter(&mut self, i: usize, rows: Result<Vec<Row>, String>) {
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

    /// Applies a finished background search; true when the screen changed.
    pub fn tick(&mut self) -> bool {
        if std::mem::take(&mut self.warm_pending)
            && let Some(s) = self.searcher.as_mut()
        {
            s.warm(ItemKind::Parcel);
        }
        let searched = self.receive(std::time::Duration::ZERO);
        let counted = self.receive_stats(std::time::Duration::ZERO);
        let loaded = self.follow_loader();
        searched | counted | loaded | self.refresh_if_changed()
    }

    pub(super) fn read_data_version(&self) -> i64 {
        self.store
            .conn()
            .pragma_query_value(None, "data_version", |r| r.get(0))
            .unwrap_or(0)
    }

    /// Shows what other processes wrote since the last look (SQLite's
    /// `data_version` moves on their commits), keeping the cursor on the
    /// same item. True when the screen changed.
    pub fn refresh_if_changed(&mut self) -> bool {
        if self.last_refresh.elapsed() < self.refresh_every {
            return false;
        }
        self.last_refresh = std::time::Instant::now();
        let v = self.read_data_version();
        if v == self.data_version {
            return false;
        }
        self.data_version = v;
        let keep = self.current.clone();
        self.reload();
        if let Some(item) = keep
            && self.pane != Pane::Links
            && Some(self.pane) == Pane::listing(item.kind)
            && self.lists[self.pane.index()].filter.is_none()
            && let Ok(Some((rowid, pos))) = records::position(self.store.conn(), item.kind, item.id)
        {
            let i = self.pane.index();
            let l = &mut self.lists[i];
            // Keep the item where it was on screen if possible.
            let row_on_screen = l.cursor.saturating_sub(l.offset);
            l.cursor = pos;
            l.offset = pos.saturating_sub(row_on_screen);
            self.clamp(i);
            self.fetch_around(i, rowid, pos);
        }
        self.refresh_current();
        true
    }

    pub fn searching(&self) -> bool {
        self.searcher.as_ref().is_some_and(|s| s.is_pending())
    }

    /// Waits for the search in flight (tests and scripted input).
    pub fn settle(&mut self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while self.searching() && std::time::Instant::now() < deadline {
            self.receive(std::time::Duration::from_millis(50));
        }
        while self.analysing() && std::time::Instant::now() < deadline {
            self.receive_stats(std::time::Duration::from_millis(50));
        }
        while self.loading() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
            self.follow_loader();
        }
    }

    /// Waits until the filter in flight shows its first rows (the rest may
    /// still be on their way): what a person sees after a keystroke.
    pub fn settle_shown(&mut self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while self.searching() && !self.filter_shown && std::time::Instant::now() < deadline {
            self.receive(std::time::Duration::from_millis(50));
        }
    }

    fn receive(&mut self, wait: std::time::Duration) -> bool {
        let Some(reply) = self.searcher.as_mut().and_then(|s| s.poll(wait)) else {
            return false;
        };
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
                Some(item) => match crate::store::audit::history(self.store.conn(), item.id) {
                    Ok(entries) => {
                        let lines = entries
                            .iter()
                            .map(|e| {
                                (
                                    format!("{}  {}  {}: {}", e.at, e.actor, e.action, e.changes()),
                                    None,
                                )
                            })
                            .collect();
                        self.modal = Modal::Report {
                            title: format!("History of {} {}", item.kind, item.label),
                            lines,
                            cursor: 0,
                        };
                    }
                    Err(e) => self.error(e.to_string()),
                },
                None => self.info("select an item to see its history"),
            },
            Action::Neighbourhood => match self.current.clone() {
                Some(item) => match super::reports::neighbourhood(self.store.conn(), &item) {
                    Ok(lines) => {
                        self.modal = Modal::Report {
                            title: format!("Around {} {}", item.kind, item.label),
                            lines,
                            cursor: 0,
                        }
                    }
                    Err(e) => self.error(e.to_string()),
                },
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
                let form = if kind == ItemKind::Parcel {
                    Form::new_parcel(self.case_for_new_parcel())
                } else {
                    Form::new(kind)
                };
                self.modal = Modal::Form(Box::new(form));
            }
            Action::Edit if self.pane == Pane::Links => {
                match self.links.get(self.links_cursor).and_then(|l| l.via) {
                    Some((kind, id)) => match Form::edit(
                        self.store.conn(),
                        &ItemRef {
                            kind,
                            id,
                            label: String::new(),
                        },
                    ) {
                        Ok(f) => self.modal = Modal::Form(Box::new(f)),
                        Err(e) => self.error(e.to_string()),
                    },
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
                    match Form::edit(self.store.conn(), &item) {
                        Ok(f) => self.modal = Modal::Form(Box::new(f)),
                        Err(e) => self.error(e.to_string()),
                    }
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
                    if let (Some(s), Some(kind)) = (&mut self.searcher, self.pane.kind()) {
                        s.warm(kind);
                    }
                }
            }
            Action::LoadDemo => self.load_demo(),
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
                    match self.store.write(|w| records::delete(w, item.kind, item.id)) {
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
                        Err(e) => self.error(e.to_string()),
                    }
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
        let Modal::Form(mut f) = std::mem::replace(&mut self.modal, Modal::None) else {
            return;
        };
        match f.save(&mut self.store) {
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

    /// The reference of the case a new parcel goes into from where the
    /// user is: the case shown in the Links pane, or the case of the parcel
    /// shown there.
    fn case_for_new_parcel(&self) -> Option<String> {
        if self.pane != Pane::Links {
            return None;
        }
        let c = self.current.as_ref()?;
        let conn = self.store.conn();
        let case = match c.kind {
            ItemKind::Case => c.id,
            _ => *crate::store::related::cases_including(conn, c.id)
                .ok()?
                .first()?,
        };
        records::get::<crate::domain::Case>(conn, case)
            .ok()
            .flatten()
            .map(|c| c.reference)
    }

    /// Starts loading the demo data on a thread of its own; `tick`
    /// follows it.
    fn load_demo(&mut self) {
        if self.demo_load.is_some() {
            self.info("the demo data is loading already");
            return;
        }
        self.demo_load = Some(super::loader::DemoLoad::start(
            self.store.path().to_path_buf(),
            self.store.writer_options(),
            DEMO_PARCELS,
            42,
        ));
        self.info(format!("loading the demo data: 0/{DEMO_PARCELS} parcels"));
    }

    pub fn loading(&self) -> bool {
        self.demo_load.is_some()
    }

    /// Follows the demo loader; true when the screen changed.
    fn follow_loader(&mut self) -> bool {
        let Some(l) = self.demo_load.as_mut() else {
            return false;
        };
        match l.poll() {
            super::loader::Polled::Nothing => false,
            super::loader::Polled::Progress => {
                let (d, t) = (l.done, l.total);
                self.message = Some((
                    format!("loading the demo data: {d}/{t} parcels"),
                    Level::Info,
                ));
                true
            }
            super::loader::Polled::Done(r) => {
                self.demo_load = None;
                match r {
                    Ok(s) => {
                        self.data_version = self.read_data_version();
                        self.reload();
                        // What was shown while the data came in is read
                        // again whole.
                        self.refresh_current();
                        self.info(format!(
                            "demo data loaded: {} cases, {} parcels, {} findings",
                            s.cases, s.parcels, s.findings
                        ));
                    }
                    Err(e) => self.error(format!("the demo data could not be loaded: {e}")),
                }
                true
            }
        }
    }
}
