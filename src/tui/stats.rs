//! The analyst's views as one modal: a column picker and frequency sheet,
//! trends, the route matrix, emerging substances and a case's timeline.
//! Each is computed on the analyst worker ([`super::analyst`]) over the
//! scope of the pane it was opened from (its filter, the values chosen on
//! earlier sheets, the case in focus) and drawn as lines, some of which
//! lead somewhere: a value filters the pane to it, an item opens.

use super::analyst::{Job, Output};
use super::app::{App, Modal, Pane, Subset};
use super::draw::{block, counted, fit, pad};
use super::effect::Effect;
use super::keymap::{Action, Layer};
use crate::analysis::freq::{Freq, Order};
use crate::analysis::trend::{Every, Trend};
use crate::analysis::{Dim, Facet, Scope, dims, emerging, routes, timeline};
use crate::domain::ItemKind;
use crate::domain::text::{bar, spark};
use crate::store::refs::ItemRef;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Clear, Paragraph};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Columns,
    Freq,
    Trend,
    Routes,
    Emerging,
    Timeline,
}

impl View {
    /// What the view is called in its title while it is being counted.
    pub fn name(self) -> &'static str {
        match self {
            View::Columns => "Count which field?",
            View::Freq => "Frequency sheet",
            View::Trend => "Seizures over time",
            View::Routes => "Routes",
            View::Emerging => "Emerging substances",
            View::Timeline => "Timeline",
        }
    }
}

/// Where Enter on a line leads.
#[derive(Debug, Clone, PartialEq)]
pub enum Lead {
    /// Filter the pane to the items with this value.
    Facet(Facet),
    Item(ItemRef),
    /// The column picker's choice.
    Column(usize),
}

/// What trends split by, in the order `b` cycles through them.
pub const SPLITS: &[&str] = &[
    "substance",
    "group",
    "subclass",
    "concealment",
    "origin",
    "carrier",
    "form",
    "route",
    "",
];

/// Trend periods `p` cycles through, in months.
pub const TREND_MONTHS: &[u32] = &[12, 24, 36, 6, 3];
/// Emerging periods, in months.
pub const EMERGING_MONTHS: &[u32] = &[3, 6, 12];

#[derive(Debug, Clone)]
pub struct StatsView {
    pub view: View,
    /// The scope the view was opened on.
    pub base: Scope,
    /// The case in focus, and whether the view is limited to it.
    pub case: Option<ItemRef>,
    pub case_only: bool,
    /// The columns of the base scope's kind (the picker's list).
    pub columns: Vec<Dim>,
    pub column: Option<usize>,
    pub split: usize,
    pub every: Every,
    pub period: usize,
    pub order: Order,
    pub busy: bool,
    pub error: Option<String>,
    pub title: String,
    /// The trend's seizures per period, for the bar chart.
    pub chart: Option<(Vec<String>, Vec<u64>)>,
    pub header: String,
    pub lines: Vec<(String, Option<Lead>)>,
    pub cursor: usize,
    /// The frequency sheet shown, kept to re-sort.
    pub freq: Option<Freq>,
    /// The trend's counted period (its current window), which a line's
    /// Enter filters within.
    pub counted: Option<(String, String)>,
}

impl StatsView {
    pub fn new(view: View, base: Scope, case: Option<ItemRef>, case_only: bool) -> StatsView {
        let columns = dims::all(base.kind);
        StatsView {
            view,
            base,
            case,
            case_only,
            columns,
            column: None,
            split: 0,
            every: Every::Month,
            period: 0,
            order: Order::Count,
            busy: false,
            error: None,
            title: String::new(),
            chart: None,
            header: String::new(),
            lines: Vec::new(),
            cursor: 0,
            freq: None,
            counted: None,
        }
    }

    /// The scope the view counts over now.
    pub fn scope(&self) -> Scope {
        let mut s = self.base.clone();
        if self.case_only
            && let Some(c) = &self.case
        {
            s.case = Some(c.id);
        }
        s
    }

    fn describe(&self) -> String {
        let s = self.scope();
        let case = self.case.as_ref().map(|c| c.label.as_str());
        s.describe(if s.case.is_some() { case } else { None })
    }

    /// The job that computes the view, if it needs one.
    pub fn job(&self) -> Option<Job> {
        let scope = self.scope();
        Some(match self.view {
            View::Columns => return None,
            View::Freq => Job::Freq {
                scope,
                dim: self.columns.get(self.column?)?.clone(),
            },
            View::Trend => Job::Trend {
                scope,
                by: self.split_dim(),
                every: self.every,
                months: TREND_MONTHS[self.period % TREND_MONTHS.len()],
            },
            View::Routes => Job::Routes { scope },
            View::Emerging => Job::Emerging {
                scope,
                months: EMERGING_MONTHS[self.period % EMERGING_MONTHS.len()],
            },
            View::Timeline => Job::Timeline {
                case: self.case.as_ref()?.id,
            },
        })
    }

    fn split_dim(&self) -> Option<Dim> {
        let name = SPLITS[self.split % SPLITS.len()];
        (!name.is_empty())
            .then(|| dims::find(ItemKind::Parcel, name).ok())
            .flatten()
    }

    /// The column picker's lines.
    pub fn show_columns(&mut self) {
        self.view = View::Columns;
        self.title = format!("Count which field? ({})", self.describe());
        self.header = format!("{:<36} {}", "FIELD", "NAME");
        self.chart = None;
        self.lines = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let many = if d.is_many() {
                    " (several per item)"
                } else {
                    ""
                };
                (
                    format!("{:<36} {}{many}", d.label, d.name),
                    Some(Lead::Column(i)),
                )
            })
            .collect();
        self.cursor = self
            .column
            .unwrap_or(0)
            .min(self.lines.len().saturating_sub(1));
        self.busy = false;
        self.error = None;
    }

    /// Shows a finished computation.
    pub fn show(&mut self, out: Output) {
        self.busy = false;
        self.error = None;
        self.cursor = 0;
        self.chart = None;
        match out {
            Output::Freq(f) => {
                self.freq = Some(f);
                self.show_freq();
            }
            Output::Trend(t) => self.show_trend(&t),
            Output::Routes(r) => self.show_routes(&r),
            Output::Emerging(e) => self.show_emerging(&e),
            Output::Timeline(t) => self.show_timeline(&t),
            Output::Subset(_) => {}
        }
    }

    fn show_freq(&mut self) {
        let scope = self.describe();
        let Some(f) = self.freq.as_mut() else { return };
        f.sort(self.order);
        let dim = self.column.and_then(|c| self.columns.get(c)).cloned();
        let many = if f.many {
            "; an item may have several"
        } else {
            ""
        };
        self.title = format!(
            "{} · {} ({}{many})",
            f.label,
            scope,
            counted(f.total, "item", "items")
        );
        let (header, texts) = freq_texts(f, FREQ_WIDTH);
        self.header = header;
        self.lines = f
            .rows
            .iter()
            .zip(texts)
            .map(|(r, text)| {
                let lead = dim.clone().map(|dim| {
                    Lead::Facet(Facet {
                        dim,
                        value: r.value.clone(),
                    })
                });
                (text, lead)
            })
            .collect();
    }

    /// The frequency sheet's heading and lines laid out for `width`
    /// columns, when the sheet is what the view shows.
    fn freq_fitted(&self, width: usize) -> Option<(String, Vec<String>)> {
        let f = self.freq.as_ref()?;
        let shown = self.view == View::Freq && !self.busy && self.error.is_none();
        (shown && f.rows.len() == self.lines.len()).then(|| freq_texts(f, width))
    }

    fn show_trend(&mut self, t: &Trend) {
        self.counted = Some((t.since.clone(), t.until.clone()));
        let every = match t.every {
            Every::Week => "week",
            Every::Month => "month",
        };
        // The window compared against, as the command line says it (the
        // title said "the 12 months before" of a shorter window).
        self.title = format!(
            "Seizures per {every} · {} · {}..{} against {}..{}",
            self.describe(),
            t.since,
            t.until,
            t.previous_since,
            t.previous_until
        );
        let labels = t
            .buckets
            .iter()
            .map(|b| match t.every {
                Every::Month => month_name(b).to_string(),
                Every::Week => b.get(5..).unwrap_or("").to_string(),
            })
            .collect();
        self.chart = Some((labels, t.total.clone()));
        let by = t.by.clone().unwrap_or_else(|| "series".into());
        self.header = format!(
            "{:<22} {:>6} {:>6} {:>6} {:>6}  per {every}",
            by.to_uppercase(),
            "BEFORE",
            "NOW",
            "CHANGE",
            "%"
        );
        let dim = self.split_dim();
        self.lines = t
            .series
            .iter()
            .map(|s| {
                let name = match (&t.by, &s.value) {
                    (None, _) => "all seizures".to_string(),
                    (Some(_), Some(v)) => v.clone(),
                    (Some(_), None) => "(none)".into(),
                };
                let pct = s.change_text();
                let text = format!(
                    "{} {:>6} {:>6} {:>+6} {:>6}  {}",
                    pad(&name, 22),
                    s.previous,
                    s.current,
                    s.change,
                    pct,
                    spark(&s.counts)
                );
                let lead = dim.clone().map(|dim| {
                    Lead::Facet(Facet {
                        dim,
                        value: s.value.clone(),
                    })
                });
                (text, lead)
            })
            .collect();
    }

    fn show_routes(&mut self, r: &routes::Routes) {
        self.title = format!(
            "Routes · {} · {}, {} ({}) held a controlled substance",
            self.describe(),
            counted(r.parcels, "parcel", "parcels"),
            r.controlled,
            crate::analysis::percent_of(r.controlled, r.parcels)
        );
        let dests: Vec<&Option<String>> = r.destinations.iter().take(5).collect();
        let mut header = format!("{:<10}", "FROM \\ TO");
        for d in &dests {
            header.push_str(&format!(" {:>12}", d.as_deref().unwrap_or("?")));
        }
        self.header = header;
        let name = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".into());
        let origin = dims::find(ItemKind::Parcel, "origin").ok();
        let path = dims::find(ItemKind::Parcel, "path").ok();
        let mut lines = Vec::new();
        for o in &r.origins {
            let mut text = pad(&name(o), 10);
            for d in &dests {
                let cell = r
                    .matrix
                    .iter()
                    .find(|x| &x.origin == o && &x.destination == *d)
                    .map(|x| format!("{:>6} {:>3.0}%", x.parcels, x.controlled_share * 100.0))
                    .unwrap_or_else(|| "-".into());
                text.push_str(&format!(" {cell:>12}"));
            }
            let lead = origin.clone().map(|dim| {
                Lead::Facet(Facet {
                    dim,
                    value: o.clone(),
                })
            });
            lines.push((text, lead));
        }
        if !r.via.is_empty() {
            lines.push((String::new(), None));
            lines.push((
                "THROUGH A TRANSIT COUNTRY        PARCELS  CONTROLLED".into(),
                None,
            ));
            for x in &r.via {
                let p = format!(
                    "{}>{}>{}",
                    name(&x.origin),
                    x.transit.as_deref().unwrap_or(""),
                    name(&x.destination)
                );
                let text = format!(
                    "{} {:>7}  {:>5} {:>4.0}%",
                    pad(&p, 32),
                    x.parcels,
                    x.controlled,
                    x.controlled_share * 100.0
                );
                let lead = path.clone().map(|dim| {
                    Lead::Facet(Facet {
                        dim,
                        value: Some(p),
                    })
                });
                lines.push((text, lead));
            }
        }
        self.lines = lines;
    }

    fn show_emerging(&mut self, e: &emerging::Emerging) {
        self.title = format!(
            "Emerging substances · {} · first seen {}..{}",
            self.describe(),
            e.since,
            e.until
        );
        self.header = format!(
            "{:<10} {:<26} {:<22} {:>7}",
            "FIRST", "SUBSTANCE", "GROUP", "PARCELS"
        );
        let mut lines = Vec::new();
        for (catalogue, heading) in [
            (false, "Added to this notebook, first found in the period"),
            (true, "In the catalogue, never found before the period"),
        ] {
            let these: Vec<_> = e
                .substances
                .iter()
                .filter(|s| s.in_catalogue == catalogue)
                .collect();
            lines.push((format!("{heading}: {}", these.len()), None));
            for s in these {
                lines.push((
                    format!(
                        "{:<10} {} {} {:>7}",
                        s.first_seen,
                        pad(&s.name, 26),
                        pad(&s.group, 22),
                        s.parcels
                    ),
                    Some(Lead::Item(ItemRef {
                        kind: ItemKind::Substance,
                        id: s.id,
                        label: s.name.clone(),
                    })),
                ));
                for p in s.seen.iter().take(5) {
                    lines.push((
                        format!("  {:<10} {}", p.seized_on, p.tracking),
                        Some(Lead::Item(ItemRef {
                            kind: ItemKind::Parcel,
                            id: p.id,
                            label: p.tracking.clone(),
                        })),
                    ));
                }
                if s.parcels > 5 {
                    let more = counted(s.parcels - 5, "more parcel", "more parcels");
                    lines.push((format!("  (+{more})"), None));
                }
            }
        }
        self.lines = lines;
    }

    fn show_timeline(&mut self, t: &timeline::Timeline) {
        self.title = format!(
            "Timeline of {} {} · {}",
            t.case.label,
            t.title,
            counted(t.events.len() as u64, "event", "events")
        );
        self.header = format!("{:<10} {:<9} {}", "DATE", "WHAT", "EVENT");
        self.lines = t
            .events
            .iter()
            .map(|e| {
                (
                    format!(
                        "{:<10} {:<9} {}",
                        e.date,
                        e.what,
                        crate::analysis::timeline::one_line(&e.text)
                    ),
                    e.item.clone().map(Lead::Item),
                )
            })
            .collect();
    }
}

fn month_name(bucket: &str) -> &'static str {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    bucket
        .get(5..7)
        .and_then(|m| m.parse::<usize>().ok())
        .and_then(|m| NAMES.get(m.wrapping_sub(1)))
        .copied()
        .unwrap_or("?")
}

impl App {
    /// The items the focused pane shows: its kind, the values chosen on
    /// sheets before (a subset), and a live filter's matches.
    /// A live filter's matches are given by kind and id, which the runner
    /// turns into the scope's items.
    pub(super) fn pane_scope(&self) -> (Scope, Option<Vec<(ItemKind, uuid::Uuid)>>) {
        let kind = self.pane.kind().unwrap_or(ItemKind::Link);
        if self.pane == Pane::Links {
            return (Scope::new(kind), None);
        }
        let l = &self.lists[self.pane.index()];
        let mut scope = match &l.subset {
            Some(s) => s.scope.clone(),
            None => Scope::new(kind),
        };
        scope.items_capped = l.filtered() && l.capped;
        let hits = l
            .filter
            .is_some()
            .then(|| l.hits.iter().map(|r| (r.kind, r.id)).collect());
        (scope, hits)
    }

    /// The case under the cursor of the Cases pane, else the last case
    /// shown.
    fn case_in_focus(&self) -> Option<ItemRef> {
        match &self.current {
            Some(c) if c.kind == ItemKind::Case => Some(c.clone()),
            _ => self.focus_case.clone(),
        }
    }

    /// Opens a view over the focused pane's items. From the Cases pane,
    /// the parcel views (trends, routes, emerging) count the selected
    /// case's parcels; from the Substances pane, the parcels the selected
    /// substance was found in.
    pub(super) fn open_stats(&mut self, view: View) {
        let case = self.case_in_focus();
        let parcel_view = matches!(view, View::Trend | View::Routes | View::Emerging);
        let mut hits = None;
        let (base, case_only) = match (self.pane, parcel_view) {
            (Pane::Cases, true) => (Scope::new(ItemKind::Parcel), case.is_some()),
            (Pane::Substances, true) => {
                let mut s = Scope::new(ItemKind::Parcel);
                if let Some(c) = self
                    .current
                    .as_ref()
                    .filter(|c| c.kind == ItemKind::Substance)
                    && let Ok(dim) = dims::find(ItemKind::Parcel, "substance")
                {
                    s.facets.push(Facet {
                        dim,
                        value: Some(c.label.clone()),
                    });
                }
                (s, false)
            }
            (Pane::Links, true) => (Scope::new(ItemKind::Parcel), false),
            _ => {
                let (scope, filtered) = self.pane_scope();
                hits = filtered;
                (scope, false)
            }
        };
        if view == View::Timeline && case.is_none() {
            self.info("select a case first: the timeline is a case's");
            return;
        }
        let view = Box::new(StatsView::new(view, base, case, case_only));
        self.ask(Effect::OpenStats { view, hits });
    }

    /// A view whose scope the runner completed: shown, and counted.
    pub(super) fn show_stats(&mut self, mut v: Box<StatsView>) {
        if v.view == View::Columns {
            v.show_columns();
            self.modal = Modal::Stats(v);
            return;
        }
        self.modal = Modal::Stats(v);
        self.compute_stats();
    }

    /// Starts the computation of the open view.
    fn compute_stats(&mut self) {
        let Modal::Stats(v) = &mut self.modal else {
            return;
        };
        let Some(job) = v.job() else {
            v.show_columns();
            return;
        };
        v.busy = true;
        v.error = None;
        if v.lines.is_empty() {
            v.title = match (&v.view, &v.case) {
                (View::Timeline, Some(c)) => format!("Timeline of {}", c.label),
                _ => format!("{} · {}", v.view.name(), v.describe()),
            };
        }
        self.submit(job);
    }

    /// Hands a job to the runner (for the analyst worker).
    pub(super) fn submit(&mut self, job: Job) {
        self.analysing = true;
        self.ask(Effect::Count(job));
    }

    pub fn analysing(&self) -> bool {
        self.analysing
    }

    /// A finished count.
    pub(super) fn deliver(&mut self, out: Result<Output, String>) {
        self.analysing = false;
        match out {
            Ok(Output::Subset(numbers)) => {
                let again = std::mem::take(&mut self.subset_again);
                if let Some((i, scope)) = self.subset_pending.take() {
                    let label = scope.describe(None);
                    let n = numbers.len();
                    let l = &mut self.lists[i];
                    if again {
                        // Read again for others' writes: the list as it
                        // is now, the cursor on its item where it stays.
                        let keep = self.subset_keep[i].take();
                        if l.subset.is_none() {
                            return;
                        }
                        if let Some((item, on_screen)) = keep
                            && let Some(pos) = numbers.iter().position(|n| *n == item)
                        {
                            l.cursor = pos;
                            l.offset = pos.saturating_sub(on_screen);
                        }
                        l.subset = Some(Subset { scope, numbers });
                        l.rows.clear();
                        self.clamp(i);
                        self.fetch(i);
                        self.select_current();
                        return;
                    }
                    l.subset = Some(Subset { scope, numbers });
                    l.cursor = 0;
                    l.offset = 0;
                    l.rows.clear();
                    self.clamp(i);
                    self.fetch(i);
                    self.select_current();
                    self.info(format!("{n} shown: {label} (esc shows all)"));
                }
            }
            Ok(out) => {
                // A view's count asked while a list was being counted again
                // took the worker's answer: that list is counted again later
                // (it waited for ever, and no list was counted again).
                if std::mem::take(&mut self.subset_again)
                    && let Some((i, _)) = self.subset_pending.take()
                {
                    self.stale_subsets[i] = true;
                }
                if let Modal::Stats(v) = self.modal_under_help() {
                    v.show(out);
                }
            }
            Err(e) => {
                self.subset_again = false;
                self.subset_pending = None;
                if let Modal::Stats(v) = self.modal_under_help() {
                    v.busy = false;
                    v.error = Some(e);
                } else {
                    self.error(e);
                }
            }
        }
    }

    /// Filters a pane to the items with a value: the pane's scope with the
    /// value added.
    fn filter_to(&mut self, facet: Facet, base: Scope) {
        // Links have no list of their own to narrow.
        let Some(pane) = Pane::listing(facet.dim.kind) else {
            self.info(format!(
                "{}s have no list of their own to filter; the sheet counts them only",
                facet.dim.kind
            ));
            return;
        };
        let i = pane.index();
        // What the sheet counted, narrowed to the line: a case's parcels
        // stay the case's (from the Cases pane the list showed the whole
        // notebook's, not the count Enter was pressed on).
        // A live filter's matches the sheet counted stay: the list is
        // their items with the value (Enter dropped the filter, and
        // listed every item with it).
        let mut scope = if base.kind == facet.dim.kind {
            base
        } else {
            Scope::new(facet.dim.kind)
        };
        scope.facets.retain(|f| f.dim != facet.dim);
        scope.facets.push(facet);
        self.modal = Modal::None;
        self.pane = pane;
        self.lists[i].filter = None;
        self.lists[i].hits.clear();
        self.filter_typing = false;
        self.subset_pending = Some((i, scope.clone()));
        self.subset_again = false;
        self.stale_subsets[i] = false;
        self.subset_keep[i] = None;
        self.info("filtering…");
        self.submit(Job::Subset { scope });
    }

    /// Counts again a list of chosen values others' writes may have
    /// changed (the items deleted elsewhere showed as blank rows, a value
    /// changed elsewhere stayed under the old one, a new match never
    /// came), when no other count is in flight or open (the worker answers
    /// the latest request only).
    pub(super) fn recount_a_stale_subset(&mut self) {
        if self.analysing
            || self.subset_pending.is_some()
            || matches!(self.modal_under_help(), Modal::Stats(_))
        {
            return;
        }
        let Some(i) = (0..self.stale_subsets.len()).find(|i| self.stale_subsets[*i]) else {
            return;
        };
        self.stale_subsets[i] = false;
        let Some(s) = &self.lists[i].subset else {
            return;
        };
        let scope = s.scope.clone();
        self.subset_pending = Some((i, scope.clone()));
        self.subset_again = true;
        self.submit(Job::Subset { scope });
    }

    /// Shows every item again in the focused pane.
    pub(super) fn clear_subset(&mut self) -> bool {
        let i = self.pane.index();
        if self.pane == Pane::Links || self.lists[i].subset.is_none() {
            return false;
        }
        // The item selected stays selected, at its place on the screen,
        // as when a `/` filter is cleared (the cursor kept its row number
        // and stood on another item, which the next key acted on).
        let l = &self.lists[i];
        let keep = l
            .selected()
            .map(|r| (r.id, l.cursor.saturating_sub(l.offset)));
        self.lists[i].subset = None;
        self.stale_subsets[i] = false;
        self.subset_keep[i] = None;
        self.lists[i].rows.clear();
        self.whole_list_again(i, keep);
        true
    }

    /// An action while a view is open; false when the view does not take
    /// it.
    pub(super) fn stats_action(&mut self, a: Action) -> bool {
        let Modal::Stats(v) = &mut self.modal else {
            return false;
        };
        let page = self.page.max(1);
        let last = v.lines.len().saturating_sub(1);
        match a {
            Action::Down => v.cursor = (v.cursor + 1).min(last),
            Action::Up => v.cursor = v.cursor.saturating_sub(1),
            Action::PageDown | Action::HalfPageDown => v.cursor = (v.cursor + page).min(last),
            Action::PageUp | Action::HalfPageUp => v.cursor = v.cursor.saturating_sub(page),
            Action::Top => v.cursor = 0,
            Action::Bottom => v.cursor = last,
            Action::Cancel => {
                if v.view == View::Freq {
                    v.show_columns();
                } else {
                    self.modal = Modal::None;
                }
            }
            Action::SortBy if v.view == View::Freq => {
                v.order = match v.order {
                    Order::Count => Order::Value,
                    Order::Value => Order::Count,
                };
                v.show_freq();
            }
            Action::SplitBy if v.view == View::Trend => {
                v.split = (v.split + 1) % SPLITS.len();
                self.compute_stats();
            }
            Action::Every if v.view == View::Trend => {
                v.every = match v.every {
                    Every::Month => Every::Week,
                    Every::Week => Every::Month,
                };
                self.compute_stats();
            }
            Action::Period if matches!(v.view, View::Trend | View::Emerging) => {
                v.period += 1;
                self.compute_stats();
            }
            Action::CaseScope if v.view != View::Timeline => {
                if v.case.is_none() {
                    self.info("no case in focus: select one in the Cases pane first");
                } else if v.base.kind == ItemKind::Case {
                    self.info("this sheet counts cases; open it from the Parcels pane for a case's parcels");
                } else {
                    v.case_only = !v.case_only;
                    if v.view == View::Columns {
                        v.show_columns();
                    } else {
                        self.compute_stats();
                    }
                }
            }
            Action::Follow => {
                let lead = v.lines.get(v.cursor).and_then(|(_, l)| l.clone());
                let mut base = v.scope();
                // A trend's line counts its current window: the list is
                // filtered within it (it showed every seizure ever).
                if v.view == View::Trend
                    && let Some((since, until)) = v.counted.clone()
                {
                    base.since = Some(since);
                    base.until = Some(until);
                }
                match lead {
                    Some(Lead::Column(c)) => {
                        v.column = Some(c);
                        v.view = View::Freq;
                        self.compute_stats();
                    }
                    Some(Lead::Facet(f)) => self.filter_to(f, base),
                    Some(Lead::Item(item)) => {
                        self.modal = Modal::None;
                        self.go_to(item, true);
                    }
                    None => self.info("this line names no item to open"),
                }
            }
            _ => return false,
        }
        true
    }
}

/// The width a frequency sheet's lines are laid out for, where its
/// values and bars have their whole room (an 80-column terminal's).
const FREQ_WIDTH: usize = 78;

/// A frequency sheet's heading and lines for `width` columns: the value,
/// count, share and a bar scaled to the largest count. Narrower, the
/// values give up room first (to 12), then the bars, which stay to scale.
fn freq_texts(f: &Freq, width: usize) -> (String, Vec<String>) {
    // (" {count:>9} {share:>5.1}% " between the value and the bar.)
    const BETWEEN: usize = 18;
    let value_w = width.saturating_sub(BETWEEN + 24).clamp(12, 34);
    let bar_w = width.saturating_sub(value_w + BETWEEN).min(24);
    let header = format!("{:<value_w$} {:>9} {:>6}", "VALUE", "COUNT", "SHARE");
    let max = f.rows.iter().map(|r| r.count).max().unwrap_or(0);
    let lines = f
        .rows
        .iter()
        .map(|r| {
            let v = r.value.clone().unwrap_or_else(|| "(none)".into());
            format!(
                "{} {:>9} {:>5.1}% {}",
                pad(&v, value_w),
                r.count,
                r.share * 100.0,
                bar(r.count, max, bar_w)
            )
        })
        .collect();
    (header, lines)
}

/// The view, drawn over the panes: its chart (trends), its column
/// headings and its lines, the cursor's line selected.
pub fn draw(f: &mut Frame<'_>, app: &App, v: &StatsView) {
    let area = super::draw::overlay(f.area());
    let t = &app.theme;
    f.render_widget(Clear, area);
    let w = area.width.saturating_sub(2) as usize;
    let block = block(
        app,
        format!(" {} ", fit(&v.title, w.saturating_sub(4))),
        true,
    );
    let inner = block.inner(area);
    f.render_widget(block, area);
    // (A frequency sheet laid out for the room there is: its bars to
    // scale at any width.)
    let fitted = v.freq_fitted(w);
    let chart_h = match &v.chart {
        Some(_) if inner.height >= 16 => 7,
        Some(_) if inner.height >= 10 => 4,
        _ => 0,
    };
    let [chart_area, head_area, body] = Layout::vertical([
        Constraint::Length(chart_h),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(inner);
    if let (Some((labels, values)), true) = (&v.chart, chart_h > 0) {
        draw_chart(f, app, chart_area, labels, values);
    }
    if v.busy {
        f.render_widget(
            Paragraph::new(Span::styled("counting…", t.dim())),
            head_area,
        );
    } else if let Some(e) = &v.error {
        f.render_widget(
            Paragraph::new(Span::styled(fit(e, w), t.error())),
            head_area,
        );
    } else {
        let header = fitted.as_ref().map_or(&v.header, |(h, _)| h);
        f.render_widget(
            Paragraph::new(Span::styled(fit(header, w), t.header())),
            head_area,
        );
    }
    let h = body.height as usize;
    let skip = (v.cursor + 1).saturating_sub(h);
    let lines: Vec<Line> = v
        .lines
        .iter()
        .enumerate()
        .skip(skip)
        .take(h)
        .map(|(i, (text, _))| {
            let text = fitted.as_ref().map_or(text, |(_, lines)| &lines[i]);
            let style = if i == v.cursor {
                t.selected()
            } else {
                Style::new()
            };
            // The cursor's line is selected across the whole width.
            let s = if i == v.cursor {
                pad(text, w)
            } else {
                fit(text, w)
            };
            Line::from(Span::styled(s, style))
        })
        .collect();
    if lines.is_empty() && !v.busy && v.error.is_none() {
        f.render_widget(
            Paragraph::new(Span::styled("nothing to count here", t.dim())),
            body,
        );
    } else {
        f.render_widget(Paragraph::new(lines), body);
    }
}

/// Seizures per period as bars, as many of the latest periods as fit.
fn draw_chart(f: &mut Frame<'_>, app: &App, area: Rect, labels: &[String], values: &[u64]) {
    let n = values.len().max(1);
    let width = area.width as usize;
    // Bars of 3 cells with a gap fit month names; narrower ones go unlabelled.
    let (bar_w, gap) = if n * 4 <= width {
        (((width / n).saturating_sub(1)).clamp(3, 6), 1)
    } else if n * 2 <= width {
        (1, 1)
    } else {
        (1, 0)
    };
    let fits = (width / (bar_w + gap)).max(1);
    let from = values.len().saturating_sub(fits);
    let bars: Vec<Bar> = values[from..]
        .iter()
        .zip(&labels[from..])
        .map(|(v, l)| {
            let bar = Bar::default().value(*v).text_value(String::new());
            if bar_w >= 3 {
                bar.label(Line::from(l.clone()))
            } else {
                bar
            }
        })
        .collect();
    let chart = BarChart::default()
        .data(BarGroup::default().bars(&bars))
        .bar_width(bar_w as u16)
        .bar_gap(gap as u16)
        .bar_style(app.theme.header())
        .value_style(app.theme.dim())
        .label_style(app.theme.dim());
    f.render_widget(chart, area);
}

/// The keys a view answers to, for the status line.
pub fn hint_actions(v: &StatsView) -> &'static [Action] {
    use Action::*;
    match v.view {
        View::Columns => &[Follow, CaseScope, Cancel],
        View::Freq => &[Follow, SortBy, CaseScope, Cancel],
        View::Trend => &[Follow, SplitBy, Every, Period, CaseScope, Cancel],
        View::Routes => &[Follow, CaseScope, Cancel],
        View::Emerging => &[Follow, Period, CaseScope, Cancel],
        View::Timeline => &[Follow, Down, Cancel],
    }
}

/// The layer whose keys a view uses.
pub const LAYER: Layer = Layer::Stats;
