//! How each action changes the application.

use super::app::{App, Level, ListState, Modal, Pane};
use super::data::Row;
use super::effect::Effect;
use super::form::Form;
use super::keymap::Action;
use super::note::NotePrompt;
use super::picker::PickerPurpose;
use crate::domain::ItemKind;
use crate::store::refs::ItemRef;

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

    /// The text the keys edit now, with its caret and the most characters
    /// it may hold: the focused field of a form (its field's cap) or
    /// prompt (a note's text is free text), a picker's query, or the
    /// pane's filter (queries: a small cap).
    fn edit_target(&mut self) -> Option<(&mut String, &mut usize, usize)> {
        use super::text::QUERY_MAX_CHARS;
        match &mut self.modal {
            Modal::Note(p) => match p.focus {
                0 => Some((&mut p.text, &mut p.caret, NotePrompt::TEXT_MAX_CHARS)),
                1 => Some((&mut p.grade, &mut p.caret, QUERY_MAX_CHARS)),
                _ => None,
            },
            Modal::Picker(p)
                if !matches!(
                    p.purpose,
                    PickerPurpose::LinkType { .. } | PickerPurpose::Evidence { .. }
                ) =>
            {
                Some((&mut p.query, &mut p.caret, QUERY_MAX_CHARS))
            }
            Modal::Form(f) => f.edit_target(),
            Modal::None if self.filter_typing && self.pane != Pane::Links => {
                let l = &mut self.lists[self.pane.index()];
                Some((
                    l.filter.get_or_insert_with(String::new),
                    &mut l.caret,
                    QUERY_MAX_CHARS,
                ))
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
            Modal::Note(p) => {
                p.typed = true;
                p.discard_told = false;
            }
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
        // Ctrl-y puts back what the last cut took (in any field).
        if super::text::is_paste_back(k) {
            let cut = self.cut.clone();
            if !cut.is_empty() {
                self.insert_text(&cut);
            }
            return;
        }
        let Some((v, c, cap)) = self.edit_target() else {
            return;
        };
        let before = super::text::is_cut(k).then(|| v.clone());
        let Some(e) = super::text::key(v, c, k, cap) else {
            return;
        };
        if let Some(before) = before
            && e.changed
        {
            let cut = super::text::removed(&before, v);
            self.cut = cut;
        }
        if e.changed {
            self.after_edit();
        }
        if e.cut {
            self.info(format!("this field holds at most {cap} characters"));
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
        let Some((v, c, cap)) = self.edit_target() else {
            return;
        };
        let e = super::text::insert(v, c, text, cap);
        if e.changed {
            self.after_edit();
        }
        if e.cut {
            self.info(format!(
                "pasted text cut at {cap} characters, the most this field holds"
            ));
        }
    }

    fn run_filter(&mut self) {
        let i = self.pane.index();
        let Some(kind) = self.pane.kind() else { return };
        let q = self.lists[i].filter.clone().unwrap_or_default();
        if q.trim().is_empty() {
            // An empty filter narrows nothing: the whole list shows, from
            // its top, and the row under the cursor is the one shown.
            self.lists[i].hits.clear();
            self.lists[i].cursor = 0;
            self.lists[i].offset = 0;
            self.searching_pane = None;
            self.fetch(i);
            self.select_current();
            return;
        }
        self.searching_pane = Some(i);
        self.filter_shown = false;
        self.filter_typed = true;
        self.moved_ahead = 0;
        self.ask(Effect::Filter {
            pane: i,
            kind,
            query: q,
        });
    }

    /// Searches list `i`'s kept filter again (others wrote since): its
    /// matches as the notebook holds them now, the cursor kept on the
    /// same item, at the same height, where it still matches.
    pub(super) fn refilter(&mut self, i: usize) {
        let Some(kind) = Pane::ALL.get(i).and_then(|p| p.kind()) else {
            return;
        };
        let l = &self.lists[i];
        let Some(q) = l.filter.clone().filter(|_| l.filtered()) else {
            return;
        };
        self.refilter_keep = l
            .selected()
            .map(|r| (i, r.id, l.cursor.saturating_sub(l.offset)));
        self.searching_pane = Some(i);
        self.filter_shown = false;
        self.filter_typed = false;
        self.moved_ahead = 0;
        self.ask(Effect::Filter {
            pane: i,
            kind,
            query: q,
        });
    }

    /// Puts list `i`'s cursor back on the item kept by [`refilter`]
    /// when its matches hold it; true when they did.
    fn keep_refiltered(&mut self, i: usize) -> bool {
        let Some((p, id, row)) = self.refilter_keep else {
            return false;
        };
        let Some(at) = (p == i)
            .then(|| self.lists[i].hits.iter().position(|r| r.id == id))
            .flatten()
        else {
            return false;
        };
        self.refilter_keep = None;
        self.lists[i].cursor = at;
        self.lists[i].offset = at.saturating_sub(row);
        self.clamp(i);
        true
    }

    pub(super) fn apply_filter(&mut self, i: usize, rows: Result<Vec<Row>, String>) {
        match rows {
            Ok(rows) => {
                let l = &mut self.lists[i];
                l.set_hits(rows);
                l.cursor = 0;
                l.offset = 0;
                self.keep_refiltered(i);
                // Moves made while the search ran start from its first
                // match.
                let ahead = std::mem::take(&mut self.moved_ahead);
                if ahead > 0 && !self.lists[i].hits.is_empty() {
                    let last = self.lists[i].hits.len() - 1;
                    self.lists[i].cursor = (ahead as usize).min(last);
                    self.clamp(i);
                }
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
                    self.lists[i].set_hits(rows);
                }
            } else {
                self.apply_filter(i, reply.rows);
                self.filter_shown = true;
            }
            if reply.complete {
                // Searched again for others' writes: the item that was
                // under the cursor, found among all the matches.
                if self.keep_refiltered(i) && self.pane.index() == i {
                    self.select_current();
                }
                self.refilter_keep = None;
            }
            return true;
        }
        false
    }

    /// The typing of a filter ends: its matches stay, and an empty
    /// filter, which narrows nothing, goes.
    fn end_filter_typing(&mut self) {
        self.filter_typing = false;
        let i = self.pane.index();
        if self.pane != Pane::Links && !self.lists[i].filtered() {
            self.lists[i].filter = None;
            self.lists[i].hits.clear();
        }
    }

    /// Drops the pane's filter: the whole list shows again, the row that
    /// was highlighted among the matches still highlighted (at the same
    /// height on screen), or the top of the list if it is no longer in it.
    fn clear_filter(&mut self) {
        let i = self.pane.index();
        let l = &self.lists[i];
        let keep = l
            .filtered()
            .then(|| {
                l.selected()
                    .map(|r| (r.id, l.cursor.saturating_sub(l.offset)))
            })
            .flatten();
        self.lists[i].filter = None;
        self.lists[i].hits.clear();
        self.filter_typing = false;
        self.searching_pane = None;
        self.whole_list_again(i, keep);
    }

    /// Pane `i`'s whole list shown again (a filter or a chosen value
    /// left), with `keep` (an item and its row on the screen) still
    /// selected there when given.
    pub(super) fn whole_list_again(&mut self, i: usize, keep: Option<(uuid::Uuid, usize)>) {
        match keep {
            Some((id, row)) => self.ask(Effect::Reveal { pane: i, id, row }),
            None => {
                self.clamp(i);
                self.fetch(i);
                self.select_current();
            }
        }
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
        // A filter's search still running: the move applies to its
        // matches when they come (the rows shown are an older query's).
        if self.searching_pane == Some(i) && !self.filter_shown && self.lists[i].filtered() {
            self.moved_ahead = self.moved_ahead.saturating_add(delta).max(0);
            return;
        }
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

    /// Lines the detail pane shows at once, less one kept in view on a
    /// page's move.
    fn detail_page(&self) -> usize {
        super::view::detail_height(self.size)
            .saturating_sub(1)
            .max(1)
    }

    /// Scrolls the detail by `delta` lines, never past its last line.
    fn scroll_detail(&mut self, delta: isize) {
        let max = super::view::detail_max_scroll(self);
        self.detail_scroll = (self.detail_scroll as isize + delta).clamp(0, max as isize) as usize;
    }

    /// An action: the open modal answers it first (each in its own file),
    /// then the lists and the keys that work everywhere.
    pub fn update(&mut self, a: Action) {
        let taken = match self.modal {
            Modal::None => false,
            Modal::Help { .. } => self.help_action(a),
            Modal::Note(_) => self.note_action(a),
            Modal::Picker(_) => self.picker_action(a),
            Modal::Confirm { .. } => self.confirm_action(a),
            Modal::Form(_) => self.form_action(a),
            Modal::Report { .. } => self.report_action(a),
            Modal::Matches { .. } => self.matches_action(a),
            Modal::Conflicts { .. } => self.conflicts_action(a),
            Modal::Stats(_) => self.stats_action(a),
        };
        if !taken {
            self.list_action(a);
        }
    }

    fn help_action(&mut self, a: Action) -> bool {
        let last = super::view::help_max_scroll(self);
        let page = super::view::help_height(self.size).max(1);
        let Modal::Help { scroll, back } = &mut self.modal else {
            return false;
        };
        let half = (page / 2).max(1);
        *scroll = match a {
            Action::Down => (*scroll + 1).min(last),
            Action::Up => scroll.saturating_sub(1),
            Action::PageDown => (*scroll + page).min(last),
            Action::PageUp => scroll.saturating_sub(page),
            Action::HalfPageDown => (*scroll + half).min(last),
            Action::HalfPageUp => scroll.saturating_sub(half),
            Action::Top => 0,
            Action::Bottom => last,
            Action::Help | Action::Cancel => {
                // Back to the view or form help was opened from.
                self.modal = back.take().map_or(Modal::None, |b| *b);
                return true;
            }
            Action::Quit => return false,
            _ => return true,
        };
        true
    }

    /// Opens help over what is shown; closing it comes back there.
    fn open_help(&mut self) {
        let back = match std::mem::replace(&mut self.modal, Modal::None) {
            Modal::None => None,
            m => Some(Box::new(m)),
        };
        self.modal = Modal::Help { scroll: 0, back };
    }

    fn confirm_action(&mut self, a: Action) -> bool {
        match a {
            Action::Yes => {
                if let Modal::Confirm { item, .. } = std::mem::replace(&mut self.modal, Modal::None)
                {
                    self.ask(Effect::Delete(item));
                }
            }
            Action::No | Action::Cancel => self.modal = Modal::None,
            _ => return false,
        }
        true
    }

    /// The keys of the lists and those that work everywhere.
    fn list_action(&mut self, a: Action) {
        match a {
            Action::Messages => self.show_messages(),
            Action::Redraw => self.redraw = true,
            Action::Frequencies => self.open_stats(super::stats::View::Columns),
            Action::Trends => self.open_stats(super::stats::View::Trend),
            Action::Routes => self.open_stats(super::stats::View::Routes),
            Action::Emerging => self.open_stats(super::stats::View::Emerging),
            Action::Timeline => self.open_stats(super::stats::View::Timeline),
            Action::Quit => self.quit_typed(),
            Action::Help => self.open_help(),
            Action::NextPane | Action::PrevPane => {
                let i = self.pane.index() as isize + if a == Action::NextPane { 1 } else { -1 };
                self.focus(Pane::ALL[i.rem_euclid(4) as usize]);
            }
            Action::PaneCases => self.focus(Pane::Cases),
            Action::PaneParcels => self.focus(Pane::Parcels),
            Action::PaneSubstances => self.focus(Pane::Substances),
            Action::PaneLinks => self.focus(Pane::Links),
            Action::Down => self.move_cursor(1),
            Action::Up => self.move_cursor(-1),
            Action::Top => self.move_cursor(isize::MIN / 2),
            Action::Bottom => self.move_cursor(isize::MAX / 2),
            Action::HalfPageDown => self.move_cursor((self.page / 2).max(1) as isize),
            Action::HalfPageUp => self.move_cursor(-((self.page / 2).max(1) as isize)),
            Action::PageDown => self.move_cursor(self.page as isize),
            Action::PageUp => self.move_cursor(-(self.page as isize)),
            Action::DetailDown => self.scroll_detail(1),
            Action::DetailUp => self.scroll_detail(-1),
            Action::DetailPageDown => self.scroll_detail(self.detail_page() as isize),
            Action::DetailPageUp => self.scroll_detail(-(self.detail_page() as isize)),
            Action::Follow => self.follow(),
            Action::Back => self.hop(true),
            Action::Forward => self.hop(false),
            Action::Search => self.open_picker(PickerPurpose::Jump),
            Action::PathTo => match self.selected_item() {
                Some(from) => self.open_picker(PickerPurpose::PathFrom(from)),
                None => self.info("select an item to find a path from"),
            },
            Action::Link => match self.selected_item() {
                Some(from) => self.open_picker(PickerPurpose::LinkFrom(from)),
                None => self.info("select an item to link from"),
            },
            Action::AddFinding => match self.selected_item() {
                Some(p) if p.kind == ItemKind::Parcel => {
                    self.open_picker(PickerPurpose::FindingIn(p))
                }
                _ => self.info("select a parcel to record what was found in it"),
            },
            // (In the Links pane, the finding or exhibit under the cursor:
            // `v` on an exhibit's row offered the parcel's kinds.)
            Action::AddEvidence => match self
                .finding_under_cursor()
                .or_else(|| self.exhibit_under_cursor())
                .or_else(|| self.selected_item())
            {
                Some(item) if !super::picker::evidence_kinds(item.kind).is_empty() => {
                    let kinds = super::picker::evidence_kinds(item.kind)
                        .into_iter()
                        .map(|(k, _)| k)
                        .collect();
                    self.open_picker(PickerPurpose::Evidence { about: item, kinds })
                }
                _ => self.info(
                    "select a parcel (inspection, exhibit, delivery), an exhibit (custody), a finding's row in the Links pane (lab result) or any item (a photo or document)",
                ),
            },
            Action::History => match self.selected_item() {
                Some(item) => self.ask(Effect::History(item)),
                None => self.info("select an item to see its history"),
            },
            Action::Neighbourhood => match self.selected_item() {
                Some(item) => self.ask(Effect::Neighbourhood(item)),
                None => self.info("select an item to draw around"),
            },
            Action::Matches => self.open_matches(),
            Action::Hits => self.ask(Effect::Hits),
            Action::Conflicts => self.open_conflicts(),
            Action::AddNote => match self.selected_item() {
                Some(target) => self.modal = Modal::Note(NotePrompt::new(target)),
                None => self.info("select an item to write a note on"),
            },
            Action::New => self.new_item(),
            Action::Edit => self.edit_item(),
            Action::Delete => self.delete_item(),
            Action::Filter => self.start_filter(),
            Action::LoadDemo => self.ask(Effect::LoadDemo),
            Action::Cancel => {
                if self.pane != Pane::Links && self.lists[self.pane.index()].filter.is_some() {
                    self.clear_filter();
                } else if self.clear_subset() {
                    self.info("all items shown again");
                }
            }
            // A live filter's Enter: the typing ends, the matches stay.
            Action::Confirm => self.end_filter_typing(),
            // Keys of the modals, which answer them before this.
            Action::SortBy
            | Action::SplitBy
            | Action::Every
            | Action::Period
            | Action::CaseScope
            | Action::KeepLocal
            | Action::TakeIncoming
            | Action::Reject
            | Action::NextField
            | Action::PrevField
            | Action::Save
            | Action::Yes
            | Action::No => {}
        }
    }

    /// The session's messages, newest first, each in full over as many
    /// lines as it needs.
    fn show_messages(&mut self) {
        let mut lines = Vec::new();
        for (at, text, level) in self.log.iter().rev() {
            let tag = if *level == Level::Error {
                "error: "
            } else {
                ""
            };
            // Shown as the status line showed it: an invisible or
            // reordering character as its visible escape (the log took
            // them out, and sent a joiner to the terminal raw).
            let text = crate::domain::text::sanitize(text);
            // (At the screen's width, less the box and the time: wrapped
            // at 66 whatever it was, a line at 60 columns lost its end.)
            let width = usize::from(self.size.0).saturating_sub(12).max(20);
            for (i, l) in crate::domain::text::wrap(&format!("{tag}{text}"), width)
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
        self.report("Messages of this session, newest first".into(), lines);
    }

    /// One hop back (or forward) to where the user was.
    fn hop(&mut self, back: bool) {
        self.before_hop();
        let here = self.place();
        let (from, to) = if back {
            (&mut self.back, &mut self.forward)
        } else {
            (&mut self.forward, &mut self.back)
        };
        let Some(there) = from.pop() else {
            let way = if back { "back" } else { "forward" };
            return self.info(format!("nothing to go {way} to"));
        };
        to.extend(here);
        self.return_to(there);
    }

    /// A new item: in the Links pane, beside the one shown (a new parcel
    /// in the case shown, or in the parcel's case); elsewhere of the
    /// pane's kind.
    fn new_item(&mut self) {
        let kind = match (self.pane, &self.current) {
            (Pane::Links, Some(c)) if c.kind == ItemKind::Case => ItemKind::Parcel,
            (Pane::Links, Some(c)) => c.kind,
            (pane, _) => pane.kind().unwrap_or(ItemKind::Case),
        };
        match (kind, self.pane, self.current.clone()) {
            (ItemKind::Parcel, Pane::Links, Some(beside)) => {
                self.ask(Effect::NewParcelBeside(beside))
            }
            (ItemKind::Parcel, ..) => self.modal = Modal::Form(Box::new(Form::new_parcel(None))),
            _ => self.modal = Modal::Form(Box::new(Form::new(kind))),
        }
    }

    /// In the Links pane, the finding that makes the connection under the
    /// cursor (a parcel's finding, a substance's): what `v` records a
    /// laboratory result about, as a finding is never an item shown.
    fn finding_under_cursor(&self) -> Option<ItemRef> {
        if self.pane != Pane::Links {
            return None;
        }
        let l = self.links.get(self.links_cursor)?;
        match l.via {
            Some((ItemKind::Finding, id)) => Some(ItemRef {
                kind: ItemKind::Finding,
                id,
                label: format!("{}: {}", l.label, l.reason),
            }),
            _ => None,
        }
    }

    /// In the Links pane, the exhibit whose row is under the cursor: what
    /// `v` records a custody hand-over of.
    fn exhibit_under_cursor(&self) -> Option<ItemRef> {
        if self.pane != Pane::Links {
            return None;
        }
        let l = self.links.get(self.links_cursor)?;
        exhibit_row(l).then(|| ItemRef {
            kind: ItemKind::Exhibit,
            id: l.id,
            label: l.label.clone(),
        })
    }

    /// Edits the item shown, or in the Links pane the record that makes
    /// the connection under the cursor.
    fn edit_item(&mut self) {
        if self.pane == Pane::Links {
            let row = self.links.get(self.links_cursor);
            // An exhibit's row is that record (it said "a shared
            // identifier is not a record" of an exhibit until 2026-12-07).
            let record =
                row.and_then(|l| l.via.or_else(|| exhibit_row(l).then_some((l.kind, l.id))));
            return match record {
                Some((kind, id)) => self.ask(Effect::EditForm(ItemRef {
                    kind,
                    id,
                    label: String::new(),
                })),
                None => self.info("a shared identifier is not a record: nothing to edit"),
            };
        }
        match self.selected_item() {
            Some(item)
                if matches!(
                    item.kind,
                    ItemKind::Case | ItemKind::Parcel | ItemKind::Substance
                ) =>
            {
                self.ask(Effect::EditForm(item))
            }
            _ => self.info("select a case, parcel or substance to edit"),
        }
    }

    /// Asks before deleting the item shown, or in the Links pane the
    /// record that makes the connection under the cursor.
    fn delete_item(&mut self) {
        let (item, message) = if self.pane == Pane::Links {
            let Some(l) = self.links.get(self.links_cursor) else {
                return self.info("nothing selected");
            };
            // (An exhibit's row is that record: see `edit_item`.)
            let Some((kind, id)) = l.via.or_else(|| exhibit_row(l).then_some((l.kind, l.id)))
            else {
                return self.info("a shared identifier is not a record: nothing to delete");
            };
            let message = format!("Delete this {kind} ({}: {})? (y/n)", l.label, l.reason);
            let label = l.reason.clone();
            (ItemRef { kind, id, label }, message)
        } else {
            let Some(item) = self.selected_item() else {
                return self.info("nothing selected");
            };
            let message = format!(
                "Delete {} {} with its findings, links and notes? (y/n)",
                item.kind, item.label
            );
            (item, message)
        };
        self.modal = Modal::Confirm { item, message };
    }

    /// Starts typing a live filter in the focused list.
    fn start_filter(&mut self) {
        let Some(kind) = self.pane.kind() else {
            // Said, not silently dropped: the letters typed next would run
            // as commands.
            self.info(
                "the Links pane is not filtered: / filters Cases, Parcels or Substances (1, 2, 3); s searches everything",
            );
            return;
        };
        let i = self.pane.index();
        let f = self.lists[i].filter.get_or_insert_with(String::new);
        self.lists[i].caret = super::text::end(f);
        self.filter_typing = true;
        // The texts load while the query is typed.
        self.ask(Effect::Warm(kind));
    }

    fn focus(&mut self, pane: Pane) {
        self.pane = pane;
        self.select_current();
    }

    fn follow(&mut self) {
        match self.pane {
            Pane::Links => {
                if let Some(l) = self.links.get(self.links_cursor).cloned() {
                    // A note on this item is read here; one elsewhere
                    // sharing a value with it is followed to what it is on
                    // (where it is listed among that item's notes).
                    if l.kind == ItemKind::Note && l.group == "Notes" {
                        self.info(format!("{}: {}", l.label, l.reason));
                        return;
                    }
                    if l.kind == ItemKind::Note {
                        self.ask(Effect::GoToNoteSubject(l.id));
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
                    self.end_filter_typing();
                    return;
                }
                // Open: show what the item connects to, read again (it
                // may have been deleted elsewhere); back (`[`) comes back
                // to this row of the list, as from any hop.
                self.before_hop();
                if let Some(item) = self.selected_item()
                    && let Some(here) = self.place()
                {
                    let again = self
                        .back
                        .last()
                        .is_some_and(|b| b.item.id == here.item.id && b.pane == here.pane);
                    if !again {
                        self.back.push(here);
                    }
                    self.forward.clear();
                    self.ask(Effect::Open(item));
                }
                self.pane = Pane::Links;
            }
        }
    }

    /// What the runner's delete came to.
    pub(super) fn deleted(&mut self, item: ItemRef, result: Result<usize, String>) {
        match result {
            Ok(n) => {
                self.info(format!(
                    "deleted {} {} ({})",
                    item.kind,
                    item.label,
                    super::draw::counted(n as u64, "record", "records")
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
                // Nor is it among a filter's matches any more.
                for i in 0..self.lists.len() {
                    self.forget_hit(i, item.id);
                }
                self.reload();
            }
            Err(e) => self.error(e),
        }
    }
}

#[cfg(test)]
mod tests;

/// Whether a Links row is an exhibit listed as the item's own (its
/// exhibits, samples, or the exhibit a sample was taken from): the record
/// itself, edited and deleted there. (Not a row of a value an exhibit's
/// note shares, whose kind is an exhibit too: that is no record.)
fn exhibit_row(l: &super::data::LinkRow) -> bool {
    l.kind == ItemKind::Exhibit && matches!(l.group.as_str(), "Exhibits" | "Samples" | "Sample of")
}
