//! The application: state, and how each action changes it. Drawing only
//! reads the state (see `views`).

use super::data::{self, LinkRow, Row};
use super::form::Form;
use super::keymap::{Keymap, Layer, Resolved, combo};
pub use super::note::NotePrompt;
pub use super::picker::{Picker, PickerPurpose};
use super::theme::Theme;
use crate::domain::ItemKind;
use crate::store::Store;
use crate::store::records::{self, Window};
use crate::store::refs::ItemRef;
use crokey::KeyCombination;
use crossterm::event::{Event, KeyEvent, KeyEventKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Cases,
    Parcels,
    Substances,
    Links,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Cases, Pane::Parcels, Pane::Substances, Pane::Links];
    pub fn title(self) -> &'static str {
        match self {
            Pane::Cases => "Cases",
            Pane::Parcels => "Parcels",
            Pane::Substances => "Substances",
            Pane::Links => "Links",
        }
    }
    pub fn kind(self) -> Option<ItemKind> {
        match self {
            Pane::Cases => Some(ItemKind::Case),
            Pane::Parcels => Some(ItemKind::Parcel),
            Pane::Substances => Some(ItemKind::Substance),
            Pane::Links => None,
        }
    }
    /// The pane that lists items of a kind, if one does.
    pub fn listing(kind: ItemKind) -> Option<Pane> {
        match kind {
            ItemKind::Case => Some(Pane::Cases),
            ItemKind::Parcel => Some(Pane::Parcels),
            ItemKind::Substance => Some(Pane::Substances),
            _ => None,
        }
    }
    /// Where to show an item: its own pane, else the parcels.
    fn of(kind: ItemKind) -> Pane {
        Pane::listing(kind).unwrap_or(Pane::Parcels)
    }
    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// The items with chosen values (picked on a frequency sheet or trend),
/// which a pane lists instead of all: their record numbers, in order.
#[derive(Debug, Clone)]
pub struct Subset {
    pub scope: crate::analysis::Scope,
    pub numbers: Vec<i64>,
}

/// A windowed list: only the visible rows are held.
#[derive(Debug, Clone, Default)]
pub struct ListState {
    pub total: usize,
    pub offset: usize,
    pub cursor: usize,
    /// The rows held: positions `held_from..held_from + rows.len()`, which
    /// `fetch` brings to the list's offset.
    pub rows: Vec<Row>,
    pub held_from: usize,
    /// A live filter and the items it matches, best first.
    pub filter: Option<String>,
    /// Where the caret stands in the filter (characters).
    pub caret: usize,
    pub hits: Vec<Row>,
    /// Only the items with chosen values (a live filter, while typed,
    /// searches them all).
    pub subset: Option<Subset>,
}

impl ListState {
    /// How many rows the list has as shown.
    pub fn len(&self) -> usize {
        if self.filter.is_some() {
            self.hits.len()
        } else if let Some(s) = &self.subset {
            s.numbers.len()
        } else {
            self.total
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn visible(&self) -> &[Row] {
        if self.filter.is_some() {
            let end = (self.offset + 1000).min(self.hits.len());
            &self.hits[self.offset.min(end)..end]
        } else {
            &self.rows
        }
    }
    pub fn selected(&self) -> Option<&Row> {
        self.visible().get(self.cursor.saturating_sub(self.offset))
    }
}

/// Messages the log keeps.
const LOG_KEPT: usize = 500;

/// A place in the interface the user can come back to.
#[derive(Debug, Clone)]
pub struct Place {
    pub item: ItemRef,
    pub pane: Pane,
    pub links_cursor: usize,
}

/// A line of a report, and the item Enter on it leads to.
pub type ReportLine = (String, Option<ItemRef>);

#[derive(Debug, Clone)]
pub enum Modal {
    None,
    Help {
        scroll: usize,
    },
    Note(NotePrompt),
    Picker(Picker),
    Confirm {
        item: ItemRef,
        message: String,
    },
    Form(Box<Form>),
    /// A path or a neighbourhood drawing: lines, some leading to an item.
    Report {
        title: String,
        lines: Vec<ReportLine>,
        cursor: usize,
    },
    Matches {
        list: Vec<crate::xref::fuzzy::Suggestion>,
        cursor: usize,
    },
    /// Open merge conflicts, each with both versions.
    Conflicts {
        list: Vec<crate::exchange::conflicts::Conflict>,
        cursor: usize,
    },
    /// Counts and charts (frequency sheets, trends, routes, emerging
    /// substances, a case's timeline).
    Stats(Box<super::stats::StatsView>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

pub struct App {
    pub store: Store,
    pub keymap: Keymap,
    pub theme: Theme,
    pub pane: Pane,
    pub lists: [ListState; 3],
    /// The item whose links the Links pane shows.
    pub current: Option<ItemRef>,
    pub detail: Vec<(String, String)>,
    pub links: Vec<LinkRow>,
    pub links_cursor: usize,
    /// Where the user was before each hop, to come back to: the item, the
    /// pane and the row of the Links pane.
    pub back: Vec<Place>,
    pub forward: Vec<Place>,
    pub modal: Modal,
    pub message: Option<(String, Level)>,
    /// Every message of this session (time, text, level), oldest first.
    pub log: Vec<(String, String, Level)>,
    pub pending: Vec<KeyCombination>,
    /// Rows a list shows (set from the terminal size).
    pub page: usize,
    pub quit: bool,
    pub empty: bool,
    /// Keys go to the focused list's filter.
    pub filter_typing: bool,
    /// Runs live filters off the input thread (none if it could not start).
    pub searcher: Option<super::searcher::Searcher>,
    /// The parcels' texts are still to be loaded ahead of the first
    /// filter: asked for on the first tick, after the first frame, so that
    /// loading them does not slow that frame.
    pub(super) warm_pending: bool,
    /// The pane whose filter the searcher is working on.
    pub searching_pane: Option<usize>,
    /// Whether the filter in flight has shown its first rows.
    pub filter_shown: bool,
    /// SQLite's count of commits by other connections, last seen.
    pub data_version: i64,
    /// How often to look for other people's changes.
    pub refresh_every: std::time::Duration,
    pub last_refresh: std::time::Instant,
    /// Computes counts and charts off the input thread (started on first
    /// use).
    pub(super) analyst: Option<super::analyst::Analyst>,
    pub(super) analyst_failed: bool,
    /// A count is in flight.
    pub(super) analysing: bool,
    /// The pane (and scope) waiting for the items of a chosen value.
    pub(super) subset_pending: Option<(usize, crate::analysis::Scope)>,
    /// The demo data being loaded on a thread of its own.
    pub(super) demo_load: Option<super::loader::DemoLoad>,
    /// The last case shown: what views limit themselves to on `c`, and
    /// whose timeline `t` draws.
    pub focus_case: Option<ItemRef>,
}

impl App {
    pub fn new(store: Store, keymap: Keymap, theme: Theme, page: usize) -> App {
        let keymap = if store.is_read_only() {
            keymap.read_only()
        } else {
            keymap
        };
        let mut app = App {
            store,
            keymap,
            theme,
            pane: Pane::Cases,
            lists: Default::default(),
            current: None,
            detail: Vec::new(),
            links: Vec::new(),
            links_cursor: 0,
            back: Vec::new(),
            forward: Vec::new(),
            modal: Modal::None,
            message: None,
            log: Vec::new(),
            pending: Vec::new(),
            page: page.max(1),
            quit: false,
            empty: false,
            filter_typing: false,
            searcher: None,
            warm_pending: false,
            searching_pane: None,
            filter_shown: false,
            data_version: 0,
            refresh_every: std::time::Duration::from_millis(500),
            last_refresh: std::time::Instant::now(),
            analyst: None,
            analyst_failed: false,
            analysing: false,
            subset_pending: None,
            demo_load: None,
            focus_case: None,
        };
        app.data_version = app.read_data_version();
        match super::searcher::Searcher::start(app.store.read_path()) {
            Ok(s) => {
                // The parcels' texts, the most of any pane, load in the
                // background from the first tick (right after the first
                // frame), so that the first filter does not wait for them
                // (a million parcels take a second or two).
                app.searcher = Some(s);
                app.warm_pending = true;
            }
            Err(e) => tracing::warn!("live filtering will run on the input thread: {e}"),
        }
        app.reload();
        app
    }

    pub fn info(&mut self, s: impl Into<String>) {
        self.say(s.into(), Level::Info);
    }
    pub fn error(&mut self, s: impl Into<String>) {
        self.say(s.into(), Level::Error);
    }
    /// Shows a message on the status line and keeps it in the log, where
    /// one cut at the screen's edge can be read in full.
    fn say(&mut self, s: String, level: Level) {
        let at = jiff::ZonedDateTime::now().strftime("%H:%M:%S").to_string();
        self.log.push((at, s.clone(), level));
        if self.log.len() > LOG_KEPT {
            self.log.remove(0);
        }
        self.message = Some((s, level));
    }

    /// Re-reads counts and visible windows (after a write, or at start).
    pub fn reload(&mut self) {
        for (i, pane) in Pane::ALL[..3].iter().enumerate() {
            let kind = pane.kind().unwrap_or(ItemKind::Case);
            match records::count_kind(self.store.conn(), kind).map(|n| n as usize) {
                Ok(n) => self.lists[i].total = n,
                Err(e) => self.error(e.to_string()),
            }
            self.clamp(i);
            self.fetch(i);
        }
        let cases = self.lists[0].total;
        let parcels = self.lists[1].total;
        self.empty = cases == 0 && parcels == 0;
        self.select_current();
    }

    pub(super) fn clamp(&mut self, i: usize) {
        let page = self.page;
        let l = &mut self.lists[i];
        let len = l.len();
        if len == 0 {
            l.cursor = 0;
            l.offset = 0;
            return;
        }
        l.cursor = l.cursor.min(len - 1);
        if l.cursor < l.offset {
            l.offset = l.cursor;
        }
        if l.cursor >= l.offset + page {
            l.offset = l.cursor + 1 - page;
        }
        l.offset = l.offset.min(len.saturating_sub(page));
    }

    /// Fetches the rows at the list's offset, moving from the rows already
    /// held by rowid so that no query walks the table from its start.
    pub(super) fn fetch(&mut self, i: usize) {
        if self.lists[i].filter.is_some() {
            return;
        }
        if let Some(s) = &self.lists[i].subset {
            let kind = Pane::ALL[i].kind().unwrap_or(ItemKind::Case);
            let from = self.lists[i].offset.min(s.numbers.len());
            let to = (from + self.page).min(s.numbers.len());
            match data::rows_at(self.store.conn(), kind, &s.numbers[from..to]) {
                Ok(rows) => {
                    self.lists[i].rows = rows;
                    self.lists[i].held_from = from;
                }
                Err(e) => self.error(e.to_string()),
            }
            return;
        }
        let kind = Pane::ALL[i].kind().unwrap_or(ItemKind::Case);
        let page = self.page;
        let conn = self.store.conn();
        let l = &self.lists[i];
        let (want, total) = (l.offset, l.total);
        let held_from = l.held_from;
        let need = page.min(total.saturating_sub(want));
        let old = &l.rows;
        let result = if total == 0 {
            Ok(Vec::new())
        } else if old.is_empty() || want == 0 || want + page >= total {
            if want == 0 {
                data::window(conn, kind, Window::First, need)
            } else if want + page >= total {
                data::window(conn, kind, Window::Last, need)
            } else {
                records::nth_rowid(conn, kind, None, want)
                    .and_then(|r| data::window(conn, kind, Window::From(r), need))
            }
        } else if want >= held_from {
            let d = want - held_from;
            match old.get(d) {
                Some(r) => data::window(conn, kind, Window::From(r.rowid), need),
                None => {
                    let last = old.last().map_or(0, |r| r.rowid);
                    records::nth_rowid(conn, kind, Some((last, true)), d - old.len())
                        .and_then(|r| data::window(conn, kind, Window::From(r), need))
                }
            }
        } else {
            let d = held_from - want;
            let first = old[0].rowid;
            if d <= need {
                data::window(conn, kind, Window::Before(first), d).map(|mut rows| {
                    rows.extend(old.iter().take(need - rows.len()).cloned());
                    rows
                })
            } else {
                records::nth_rowid(conn, kind, Some((first, false)), d - 1)
                    .and_then(|r| data::window(conn, kind, Window::From(r), need))
            }
        };
        match result {
            Ok(rows) => {
                self.lists[i].rows = rows;
                self.lists[i].held_from = want;
            }
            Err(e) => self.error(e.to_string()),
        }
    }

    /// Fetches a window that shows the item at `pos` (rowid `rowid`).
    pub(super) fn fetch_around(&mut self, i: usize, rowid: i64, pos: usize) {
        let kind = Pane::ALL[i].kind().unwrap_or(ItemKind::Case);
        let conn = self.store.conn();
        let l = &self.lists[i];
        let before = pos - l.offset.min(pos);
        let need = self.page.min(l.total.saturating_sub(l.offset));
        let rows = data::window(conn, kind, Window::Before(rowid), before).and_then(|mut rows| {
            rows.extend(data::window(
                conn,
                kind,
                Window::From(rowid),
                need.saturating_sub(rows.len()),
            )?);
            Ok(rows)
        });
        match rows {
            Ok(rows) => {
                let offset = self.lists[i].offset;
                self.lists[i].rows = rows;
                self.lists[i].held_from = offset;
            }
            Err(e) => self.error(e.to_string()),
        }
    }

    /// The item under the cursor of the focused list becomes current.
    pub(super) fn select_current(&mut self) {
        let sel = match self.pane {
            Pane::Links => return,
            p => self.lists[p.index()].selected().map(|r| (r.kind, r.id)),
        };
        if let Some((kind, id)) = sel {
            if self.current.as_ref().map(|c| c.id) != Some(id) {
                let label = records::label_of(self.store.conn(), kind, id).unwrap_or_default();
                self.set_current(ItemRef { kind, id, label });
            }
        } else if self.pane != Pane::Links {
            self.current = None;
            self.detail.clear();
            self.links.clear();
        }
    }

    fn set_current(&mut self, item: ItemRef) {
        if item.kind == ItemKind::Case {
            self.focus_case = Some(item.clone());
        }
        let conn = self.store.conn();
        self.detail =
            data::detail(conn, &item).unwrap_or_else(|e| vec![("Error".into(), e.to_string())]);
        self.links = data::links_of(conn, &item).unwrap_or_default();
        self.links_cursor = 0;
        self.current = Some(item);
    }

    pub(super) fn refresh_current(&mut self) {
        if let Some(c) = self.current.clone() {
            self.set_current(c);
        }
    }

    /// Shows an item: its pane, its row under the cursor, its links.
    pub fn go_to(&mut self, item: ItemRef, record_history: bool) {
        if record_history
            && let Some(here) = self.place()
            && here.item.id != item.id
        {
            self.back.push(here);
            self.forward.clear();
        }
        let pane = Pane::of(item.kind);
        let i = pane.index();
        self.lists[i].filter = None;
        self.lists[i].hits.clear();
        self.lists[i].subset = None;
        self.pane = pane;
        if let Ok(Some((rowid, pos))) = records::position(self.store.conn(), item.kind, item.id) {
            self.lists[i].cursor = pos;
            self.lists[i].offset = pos.saturating_sub(self.page / 2);
            self.clamp(i);
            self.fetch_around(i, rowid, pos);
        } else {
            self.clamp(i);
            self.fetch(i);
        }
        self.set_current(item);
    }

    /// Where the user is now.
    pub(super) fn place(&self) -> Option<Place> {
        self.current.clone().map(|item| Place {
            item,
            pane: self.pane,
            links_cursor: self.links_cursor,
        })
    }

    /// Comes back to a place: its item, its pane, its row of links.
    pub(super) fn return_to(&mut self, place: Place) {
        self.go_to(place.item, false);
        if place.pane == Pane::Links {
            self.pane = Pane::Links;
        }
        self.links_cursor = place.links_cursor.min(self.links.len().saturating_sub(1));
    }

    fn layers(&self) -> Vec<Layer> {
        match &self.modal {
            Modal::Help { .. } => vec![Layer::Help],
            Modal::Note(_) => vec![Layer::Prompt],
            Modal::Picker(_) => vec![Layer::Picker],
            Modal::Confirm { .. } => vec![Layer::Confirm],
            Modal::Form(_) => vec![Layer::Form],
            Modal::Report { .. } => vec![Layer::Report],
            Modal::Matches { .. } => vec![Layer::Matches],
            Modal::Conflicts { .. } => vec![Layer::Conflicts],
            Modal::Stats(_) => vec![Layer::Stats],
            Modal::None if self.filtering() => vec![Layer::Picker],
            Modal::None if self.empty => vec![Layer::Empty, Layer::Global],
            Modal::None => vec![Layer::List, Layer::Global],
        }
    }

    fn filtering(&self) -> bool {
        self.pane != Pane::Links
            && self.lists[self.pane.index()].filter.is_some()
            && self.filter_typing
    }

    pub fn handle_event(&mut self, ev: Event) {
        match ev {
            Event::Key(k) if k.kind != KeyEventKind::Release => self.handle_key(k),
            Event::Paste(s) => self.insert_text(&s),
            _ => {}
        }
    }

    pub fn handle_key(&mut self, k: KeyEvent) {
        let c = combo(k);
        self.pending.push(c);
        let layers = self.layers();
        match self.keymap.resolve(&layers, &self.pending) {
            Resolved::Action(a) => {
                self.pending.clear();
                self.message = None;
                self.update(a);
            }
            Resolved::Pending => {}
            Resolved::None => {
                self.pending.clear();
                if self.accepts_text() {
                    self.edit_key(k);
                }
            }
        }
    }
}
