//! The interface's state, and how keys reach it. No store here: what a
//! key needs from the notebook is queued as an [`Effect`] for the
//! [`super::runner::Runner`]. Drawing only reads the state (see `view`).

use super::data::{LinkRow, Row};
use super::effect::Effect;
use super::form::Form;
use super::keymap::{Action, Keymap, Layer, Resolved, combo};
pub use super::note::NotePrompt;
pub use super::picker::{Picker, PickerPurpose};
use super::theme::Theme;
use crate::domain::ItemKind;
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
    /// Where to show an item: its own pane, else (a person, a finding,
    /// a piece of evidence: no list holds them) the Links pane, whose
    /// detail and connections are the item's.
    pub(super) fn of(kind: ItemKind) -> Pane {
        Pane::listing(kind).unwrap_or(Pane::Links)
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
    /// More items matched the filter than the best ones kept in `hits`.
    pub capped: bool,
    /// Only the items with chosen values (a live filter, while typed,
    /// searches them all).
    pub subset: Option<Subset>,
}

impl ListState {
    /// How many rows the list has as shown.
    /// Whether a filter narrows the list: one with something typed in it
    /// (an empty filter, as when its text was all erased, shows all).
    pub fn filtered(&self) -> bool {
        self.filter.as_deref().is_some_and(|q| !q.trim().is_empty())
    }
    pub fn len(&self) -> usize {
        if self.filtered() {
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
        if self.filtered() {
            let end = (self.offset + 1000).min(self.hits.len());
            &self.hits[self.offset.min(end)..end]
        } else {
            &self.rows
        }
    }
    pub fn selected(&self) -> Option<&Row> {
        self.visible().get(self.cursor.saturating_sub(self.offset))
    }
    /// A filter's matches, best first: at most the best
    /// [`FILTER_LIMIT`](super::searcher::FILTER_LIMIT), the search having
    /// been asked for one more to tell whether more matched.
    pub(super) fn set_hits(&mut self, mut rows: Vec<Row>) {
        use super::searcher::FILTER_LIMIT;
        self.capped = rows.len() > FILTER_LIMIT;
        rows.truncate(FILTER_LIMIT);
        self.hits = rows;
    }
}

/// Moves a modal's cursor in a list of `len` for the actions that move
/// (a line, a page of `page`, to either end); false for any other.
pub(super) fn move_in(
    cursor: &mut usize,
    len: usize,
    a: super::keymap::Action,
    page: usize,
) -> bool {
    use super::keymap::Action::*;
    let last = len.saturating_sub(1);
    *cursor = match a {
        Down => (*cursor + 1).min(last),
        Up => cursor.saturating_sub(1),
        PageDown | HalfPageDown => (*cursor + page.max(1)).min(last),
        PageUp | HalfPageUp => cursor.saturating_sub(page.max(1)),
        Top => 0,
        Bottom => last,
        _ => return false,
    };
    true
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
    /// Every binding; `back` is the view or form help was opened from,
    /// shown again when help closes.
    Help {
        scroll: usize,
        back: Option<Box<Modal>>,
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
    pub keymap: Keymap,
    /// On a notebook open read-only: the bindings left out because they
    /// write, so that their keys can say why they do nothing.
    refused: Keymap,
    pub theme: Theme,
    /// The notebook is open read-only: no key writes.
    pub read_only: bool,
    /// The notebook's file name, for the tab line.
    pub file: String,
    pub pane: Pane,
    pub lists: [ListState; 3],
    /// The item whose links the Links pane shows.
    pub current: Option<ItemRef>,
    pub detail: Vec<(String, String)>,
    /// How many lines of the detail are scrolled past (back to 0 when
    /// another item is shown).
    pub detail_scroll: usize,
    /// The terminal's width and height, for what scrolls by the screen.
    pub size: (u16, u16),
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
    /// What the last Ctrl-w, Ctrl-u, Ctrl-k... cut from a text, for
    /// Ctrl-y to paste back.
    pub cut: String,
    /// Rows a list shows (set from the terminal size).
    pub page: usize,
    pub quit: bool,
    /// The whole screen is to be drawn again, not only what changed
    /// (`Ctrl-l`: other output wrote over it).
    pub redraw: bool,
    pub empty: bool,
    /// Keys go to the focused list's filter.
    pub filter_typing: bool,
    /// The pane whose filter the searcher is working on.
    pub searching_pane: Option<usize>,
    /// Whether the filter in flight has shown its first rows.
    pub filter_shown: bool,
    /// Whether the filter in flight was typed (not searched again after
    /// others' writes, which keeps the cursor on its item).
    pub filter_typed: bool,
    /// Rows moved down (from the first match) while the filter in flight
    /// had shown nothing yet.
    pub(super) moved_ahead: isize,
    /// The lists whose kept filter others' writes may have changed: each
    /// is searched again once it is the one shown.
    pub(super) stale_filters: [bool; 3],
    /// The list searched again for others' writes, the item under its
    /// cursor and its row on screen, to keep it there.
    pub(super) refilter_keep: Option<(usize, uuid::Uuid, usize)>,
    /// A count is in flight.
    pub(super) analysing: bool,
    /// The pane (and scope) waiting for the items of a chosen value.
    pub(super) subset_pending: Option<(usize, crate::analysis::Scope)>,
    /// The lists of chosen values others' writes may have changed: each
    /// is counted again when no count is in flight.
    pub(super) stale_subsets: [bool; 3],
    /// Of each such list, the item under its cursor (its number) and its
    /// row on screen when the writes were first seen: the rows read
    /// since may have moved under the cursor.
    pub(super) subset_keep: [Option<(i64, usize)>; 3],
    /// The count in flight is a list of chosen values read again (the
    /// cursor kept on its item, nothing said).
    pub(super) subset_again: bool,
    /// The last case shown: what views limit themselves to on `c`, and
    /// whose timeline `t` draws.
    pub focus_case: Option<ItemRef>,
    /// What the hop asked by the key being handled changed, to put back
    /// if its item turns out to be deleted elsewhere.
    pub(super) nav_undo: Option<super::gone::NavUndo>,
    /// The warnings and notes each item's last save gave, so that the
    /// next save of it says only what is new.
    pub(super) notices: std::collections::HashMap<uuid::Uuid, Vec<String>>,
    /// What the keys handled so far ask of the store, in order, for the
    /// runner to carry out.
    effects: Vec<Effect>,
}

impl App {
    /// The interface's state over a notebook (`read_only` binds no key
    /// that writes); its first effect reads the lists.
    pub fn new(keymap: Keymap, theme: Theme, page: usize, read_only: bool, file: &str) -> App {
        let (keymap, refused) = if read_only {
            let mut refused = keymap.clone();
            refused.bindings.retain(|b| b.action.writes());
            (keymap.read_only(), refused)
        } else {
            (
                keymap,
                Keymap {
                    bindings: Vec::new(),
                },
            )
        };
        App {
            keymap,
            refused,
            theme,
            read_only,
            file: file.to_string(),
            pane: Pane::Cases,
            lists: Default::default(),
            current: None,
            detail: Vec::new(),
            detail_scroll: 0,
            size: (80, (page.max(1) + 5).min(u16::MAX as usize) as u16),
            links: Vec::new(),
            links_cursor: 0,
            back: Vec::new(),
            forward: Vec::new(),
            modal: Modal::None,
            message: None,
            log: Vec::new(),
            pending: Vec::new(),
            cut: String::new(),
            page: page.max(1),
            quit: false,
            redraw: false,
            empty: false,
            filter_typing: false,
            searching_pane: None,
            filter_shown: false,
            filter_typed: false,
            moved_ahead: 0,
            stale_filters: [false; 3],
            refilter_keep: None,
            analysing: false,
            subset_pending: None,
            stale_subsets: [false; 3],
            subset_keep: [None; 3],
            subset_again: false,
            focus_case: None,
            nav_undo: None,
            notices: Default::default(),
            effects: vec![Effect::Reload],
        }
    }

    /// Queues an effect for the runner.
    pub(super) fn ask(&mut self, e: Effect) {
        self.effects.push(e);
    }

    /// The effects queued since the last call, oldest first.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    pub fn info(&mut self, s: impl Into<String>) {
        self.say(s.into(), Level::Info);
    }
    pub fn error(&mut self, s: impl Into<String>) {
        self.say(s.into(), Level::Error);
    }
    /// Shows a message on the status line and keeps it in the log, where
    /// one cut at the screen's edge can be read in full. The same message
    /// again at once (each key typed at a field's cap, each Enter on
    /// nothing) is one entry of the log, at its last time.
    fn say(&mut self, s: String, level: Level) {
        let at = jiff::ZonedDateTime::now().strftime("%H:%M:%S").to_string();
        if let Some(last) = self.log.last_mut()
            && last.1 == s
            && last.2 == level
        {
            last.0 = at;
            self.message = Some((s, level));
            return;
        }
        self.log.push((at, s.clone(), level));
        if self.log.len() > LOG_KEPT {
            self.log.remove(0);
        }
        self.message = Some((s, level));
    }

    /// Counts and visible windows read again (after a write, or at start).
    pub fn reload(&mut self) {
        self.ask(Effect::Reload);
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

    /// The rows at the list's offset.
    pub(super) fn fetch(&mut self, i: usize) {
        self.ask(Effect::Fetch(i));
    }

    /// The item under the cursor of the focused list becomes current.
    pub(super) fn select_current(&mut self) {
        self.ask(Effect::Select);
    }

    /// Nothing is selected: no details or links to show.
    pub(super) fn clear_current(&mut self) {
        if self.pane != Pane::Links {
            self.current = None;
            self.detail.clear();
            self.detail_scroll = 0;
            self.links.clear();
        }
    }

    /// An item read from the store becomes the one shown.
    pub(super) fn set_current(
        &mut self,
        item: ItemRef,
        detail: Vec<(String, String)>,
        links: Vec<LinkRow>,
    ) {
        if item.kind == ItemKind::Case {
            self.focus_case = Some(item.clone());
        }
        // Another item's detail and links are read from their top; the
        // same item's, read again (after a write here or elsewhere), stay
        // where they were: the detail scrolled, and in the Links pane the
        // cursor on the same connection (or where it was, if that one
        // went).
        let same = self.current.as_ref().map(|c| c.id) == Some(item.id);
        if !same {
            self.detail_scroll = 0;
        }
        if same && self.pane == Pane::Links {
            let key = |l: &LinkRow| (l.group.clone(), l.id, l.via, l.label.clone());
            let was = self.links.get(self.links_cursor).map(key);
            self.links_cursor = was
                .and_then(|w| links.iter().position(|l| key(l) == w))
                .unwrap_or(self.links_cursor)
                .min(links.len().saturating_sub(1));
        } else {
            self.links_cursor = 0;
        }
        self.detail = detail;
        self.links = links;
        self.current = Some(item);
    }

    pub(super) fn refresh_current(&mut self) {
        if self.current.is_some() {
            self.ask(Effect::Refresh);
        }
    }

    /// Shows an item: its pane, its row under the cursor, its links.
    pub fn go_to(&mut self, item: ItemRef, record_history: bool) {
        self.go_to_row(item, record_history, None);
    }

    fn go_to_row(&mut self, item: ItemRef, record_history: bool, links_cursor: Option<usize>) {
        self.before_hop();
        if record_history
            && let Some(here) = self.place()
            && here.item.id != item.id
        {
            self.back.push(here);
            self.forward.clear();
        }
        let pane = Pane::of(item.kind);
        if pane != Pane::Links {
            // A list's filter is kept when the item is among its matches
            // (`[` back to a row of a filtered list after two hops showed
            // the whole list); a list of chosen values is judged by the
            // runner, which knows the items' numbers.
            let i = pane.index();
            let l = &self.lists[i];
            let among = l.filtered() && l.hits.iter().any(|r| r.id == item.id);
            if l.filter.is_some() && !among {
                self.keep_list_for_undo(i);
                self.lists[i].filter = None;
                self.lists[i].hits.clear();
                self.lists[i].subset = None;
            }
        }
        self.pane = pane;
        self.ask(Effect::GoTo { item, links_cursor });
    }

    /// A report drawn over the panes.
    pub(super) fn report(&mut self, title: String, lines: Vec<ReportLine>) {
        self.modal = Modal::Report {
            title,
            lines,
            cursor: 0,
        };
    }

    /// The item the keys that act on one (edit, delete, note, link...)
    /// act on: in the Links pane the item shown; in a list the row under
    /// the cursor, and only when the detail shows that same row, so that
    /// nothing acts on an item other than the one highlighted and shown.
    pub(super) fn selected_item(&self) -> Option<ItemRef> {
        let current = self.current.as_ref()?;
        if self.pane == Pane::Links {
            return Some(current.clone());
        }
        let row = self.lists[self.pane.index()].selected()?;
        (row.id == current.id).then(|| current.clone())
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
        // The item is still where the place had it (an item opened from
        // its list, and back): only the pane changes, and the list keeps
        // its filter and its window.
        let shown = self.current.as_ref().is_some_and(|c| c.id == place.item.id);
        match place.pane {
            Pane::Links if shown => {
                self.pane = Pane::Links;
                self.links_cursor = place.links_cursor.min(self.links.len().saturating_sub(1));
                return;
            }
            Pane::Links => {}
            p if self.lists[p.index()]
                .selected()
                .is_some_and(|r| r.id == place.item.id) =>
            {
                self.pane = p;
                self.select_current();
                return;
            }
            _ => {}
        }
        self.go_to_row(place.item, false, Some(place.links_cursor));
        if place.pane == Pane::Links {
            self.pane = Pane::Links;
        }
    }

    /// The modal the keys and results are for: under help, the view or
    /// form it was opened from.
    pub(super) fn modal_under_help(&mut self) -> &mut Modal {
        match &mut self.modal {
            Modal::Help { back: Some(b), .. } => b.as_mut(),
            m => m,
        }
    }

    fn layers(&self) -> Vec<Layer> {
        match &self.modal {
            Modal::Help { .. } => vec![Layer::Help],
            Modal::Note(_) => vec![Layer::Prompt],
            // A list to choose from with no text to type: moved like one.
            Modal::Picker(p) if p.is_choice() => vec![Layer::Choice],
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

    /// An event changes the state; what it asks of the store is
    /// returned, for the runner.
    #[must_use = "the effects are for the runner to carry out"]
    pub fn handle_event(&mut self, ev: Event) -> Vec<Effect> {
        match ev {
            Event::Key(k) if k.kind != KeyEventKind::Release => self.key(k),
            Event::Paste(s) => self.insert_text(&s),
            _ => {}
        }
        self.take_effects()
    }

    fn key(&mut self, k: KeyEvent) {
        self.nav_undo = None;
        let c = combo(k);
        self.pending.push(c);
        let layers = self.layers();
        // Quit and help by keys that type nothing (Ctrl-c, F1) work in
        // every view, form and prompt, and ? wherever it types nothing.
        let typing = self.accepts_text();
        let resolved = match self.keymap.resolve(&layers, &self.pending) {
            Resolved::None if !layers.contains(&Layer::Global) => {
                self.keymap
                    .resolve_where(&[Layer::Global], &self.pending, |b| match b.action {
                        Action::Quit => !b.keys.types_text(),
                        Action::Help => !(typing && b.keys.types_text()),
                        _ => false,
                    })
            }
            r => r,
        };
        match resolved {
            Resolved::Action(a) => {
                self.pending.clear();
                self.message = None;
                self.update(a);
            }
            Resolved::Pending => {
                // (Said, so that the next key is known to finish it.)
                let keys = super::keymap::Keys(self.pending.clone());
                self.info(format!("{keys}… (a key of two: the next one finishes it)"));
            }
            // A key of two begun (`g`) that the next does not finish: the
            // next does its own work (it was lost without a word).
            Resolved::None if self.pending.len() > 1 => {
                self.pending.clear();
                self.message = None;
                self.key(k);
            }
            Resolved::None => {
                if self.accepts_text() {
                    self.pending.clear();
                    self.edit_key(k);
                } else if let Resolved::Action(a) = self.refused.resolve(&layers, &self.pending) {
                    // A key that writes, on a notebook open read-only.
                    let key = super::keymap::Keys(std::mem::take(&mut self.pending));
                    self.info(format!(
                        "the notebook is open read-only: nothing can be written ({key}: {})",
                        a.description()
                    ));
                } else {
                    self.pending.clear();
                }
            }
        }
    }
}
