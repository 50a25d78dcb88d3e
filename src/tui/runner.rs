//! Carries out the interface's effects against the store, and owns what
//! works beside it: the notebook, the live-filter searcher, the analyst
//! worker and the demo loader. Each result goes back to the interface's
//! state through one of its methods; no key handling lives here.

use super::app::{App, Level, Modal, Pane};
use super::data;
use super::effect::Effect;
use super::form::Form;
use super::gone;
use super::loader::DEMO_PARCELS;
use super::searcher::FILTER_LIMIT;
use crate::domain::{Case, ItemKind, Note};
use crate::exchange::conflicts;
use crate::store::records::{self, Window};
use crate::store::refs::ItemRef;
use crate::store::{Store, search};
use crate::xref::fuzzy;
use std::time::{Duration, Instant};

/// The newest hits the hits view lists (each with its reasons' lines);
/// its title says how many more there are.
const HITS_SHOWN: usize = 1000;

pub struct Runner {
    pub store: Store,
    /// Runs live filters off the input thread (none if it could not start).
    pub searcher: Option<super::searcher::Searcher>,
    /// The parcels' texts are still to be loaded ahead of the first
    /// filter: asked for on the first tick, after the first frame, so that
    /// loading them does not slow that frame.
    warm_pending: bool,
    /// Computes counts and charts off the input thread (started on first
    /// use).
    analyst: Option<super::analyst::Analyst>,
    analyst_failed: bool,
    /// The demo data being loaded on a thread of its own.
    demo_load: Option<super::loader::DemoLoad>,
    /// SQLite's count of commits by other connections, last seen.
    data_version: i64,
    /// How often to look for other people's changes.
    pub refresh_every: Duration,
    pub last_refresh: Instant,
}

impl Drop for Runner {
    /// The workers' read-only connections are closed before the
    /// notebook's own: the last connection to close folds the log into
    /// the file, and a read-only one cannot (the log was left beside the
    /// file, and a copy of the file alone lacked the session's work).
    fn drop(&mut self) {
        self.searcher.take();
        self.analyst.take();
    }
}

impl Runner {
    pub fn new(store: Store) -> Runner {
        let mut r = Runner {
            store,
            searcher: None,
            warm_pending: false,
            analyst: None,
            analyst_failed: false,
            demo_load: None,
            data_version: 0,
            refresh_every: Duration::from_millis(500),
            last_refresh: Instant::now(),
        };
        r.data_version = r.read_data_version();
        match super::searcher::Searcher::start(r.store.read_path()) {
            Ok(s) => {
                // The parcels' texts, the most of any pane, load in the
                // background from the first tick (right after the first
                // frame), so that the first filter does not wait for them
                // (a million parcels take a second or two).
                r.searcher = Some(s);
                r.warm_pending = true;
            }
            Err(e) => tracing::warn!("live filtering will run on the input thread: {e}"),
        }
        r
    }

    /// Carries out effects in order; those a result queues run before the
    /// ones after it, as a call would.
    pub fn run(&mut self, app: &mut App, effects: Vec<Effect>) {
        let mut stack: Vec<Effect> = effects.into_iter().rev().collect();
        while let Some(e) = stack.pop() {
            self.apply(app, e);
            stack.extend(app.take_effects().into_iter().rev());
        }
    }

    fn apply(&mut self, app: &mut App, e: Effect) {
        match e {
            Effect::Reload => self.reload(app),
            Effect::Fetch(i) => self.fetch(app, i),
            Effect::Select => self.select(app),
            Effect::Refresh => self.refresh(app),
            Effect::GoTo { item, links_cursor } => {
                if gone::exists(self.store.conn(), item.kind, item.id) {
                    app.nav_undo = None;
                    self.go_to(app, item, links_cursor);
                } else {
                    // Nothing of the hop is kept: the user stays where
                    // they were.
                    app.undo_hop();
                    let by = gone::deleted_by(self.store.conn(), item.id);
                    app.gone_elsewhere(&item, by, "");
                }
            }
            Effect::Open(item) => {
                if gone::exists(self.store.conn(), item.kind, item.id) {
                    app.nav_undo = None;
                    let cursor = app.links_cursor;
                    self.show(app, item);
                    app.links_cursor = cursor.min(app.links.len().saturating_sub(1));
                } else {
                    app.undo_hop();
                    let by = gone::deleted_by(self.store.conn(), item.id);
                    app.gone_elsewhere(&item, by, "");
                }
            }
            Effect::Reveal { pane, id, row } => {
                if !self.put_cursor_on(app, pane, id, row) {
                    let l = &mut app.lists[pane];
                    l.cursor = 0;
                    l.offset = 0;
                    self.fetch(app, pane);
                }
                self.select(app);
            }
            Effect::GoToNoteSubject(id) => {
                let conn = self.store.conn();
                match records::get::<Note>(conn, id) {
                    Ok(Some(n)) => {
                        let label =
                            records::label_of(conn, n.item_kind, n.item_id).unwrap_or_default();
                        app.go_to(
                            ItemRef {
                                kind: n.item_kind,
                                id: n.item_id,
                                label,
                            },
                            true,
                        );
                    }
                    Ok(None) => {
                        let note = ItemRef {
                            kind: ItemKind::Note,
                            id,
                            label: String::new(),
                        };
                        let by = gone::deleted_by(conn, id);
                        app.gone_elsewhere(&note, by, "");
                    }
                    Err(e) => app.error(e.to_string()),
                }
            }
            Effect::Filter { pane, kind, query } => self.filter(app, pane, kind, &query),
            Effect::Warm(kind) => {
                if let Some(s) = &mut self.searcher {
                    s.warm(kind);
                }
            }
            Effect::PickerSearch { query, kind } => {
                let hits = search::search(self.store.conn(), &query, kind, 50)
                    .map(|h| {
                        h.into_iter()
                            .filter(|h| {
                                matches!(
                                    h.kind,
                                    ItemKind::Case
                                        | ItemKind::Parcel
                                        | ItemKind::Substance
                                        | ItemKind::Note
                                        | ItemKind::Person
                                        | ItemKind::Organisation
                                ) || ItemKind::EVIDENCE.contains(&h.kind)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                app.picker_hits(&query, hits);
            }
            Effect::Path { from, to } => {
                if gone::check(self.store.conn(), app, &from, ": no path to find")
                    || gone::check(self.store.conn(), app, &to, ": no path to find")
                {
                    return;
                }
                let lines = super::reports::path_lines(self.store.conn(), &from, &to);
                match lines {
                    Ok(Some(lines)) => {
                        app.report(format!("Path {} to {}", from.label, to.label), lines)
                    }
                    Ok(None) => app.info(format!(
                        "no chain of 6 steps or fewer connects {} and {}",
                        from.label, to.label
                    )),
                    Err(e) => app.error(e.to_string()),
                }
            }
            Effect::History(item) => match history_lines(self.store.conn(), item.id) {
                Ok(lines) => {
                    app.report(format!("History of {}", item.named()), lines)
                }
                Err(e) => app.error(e.to_string()),
            },
            Effect::Neighbourhood(item) => {
                if gone::check(self.store.conn(), app, &item, ": nothing to draw around") {
                    return;
                }
                match super::reports::neighbourhood(self.store.conn(), &item) {
                    Ok(lines) => app.report(format!("Around {}", item.named()), lines),
                    Err(e) => app.error(e.to_string()),
                }
            }
            Effect::EditForm(item) => match Form::edit(self.store.conn(), &item) {
                Ok(f) => app.modal = Modal::Form(Box::new(f)),
                Err(e) => {
                    if !gone::check(self.store.conn(), app, &item, ": nothing to edit") {
                        app.error(e.to_string())
                    }
                }
            },
            Effect::NewParcelBeside(item) => {
                let case = self.case_of(&item);
                app.modal = Modal::Form(Box::new(Form::new_parcel(case)));
            }
            Effect::SaveForm(mut f) => {
                // An edit's new custody flags are said as the command
                // line's edit says them (the form said only "saved").
                let flags_of = |conn: &rusqlite::Connection, f: &Form| {
                    f.editing
                        .and_then(|id| crate::evidence::exhibit_flags_of(conn, f.kind, id).ok())
                        .unwrap_or_default()
                };
                let before = flags_of(self.store.conn(), &f);
                let saved = f.save(&mut self.store);
                let flagged = match &saved {
                    Some(_) => crate::evidence::new_flags(&before, flags_of(self.store.conn(), &f)),
                    None => Vec::new(),
                };
                if saved.is_none() {
                    gone::form_gone(self.store.conn(), app, &mut f);
                }
                // A parcel that screening hit says so at once.
                let hit = saved
                    .as_ref()
                    .filter(|(item, _)| item.kind == crate::domain::ItemKind::Parcel)
                    .and_then(|(item, _)| {
                        let hits =
                            crate::targeting::stored::hits_on(self.store.conn(), item.id).ok()?;
                        (!hits.is_empty()).then(|| {
                            let what: Vec<String> = hits
                                .iter()
                                .map(|h| format!("{} {}", h.profile, h.score))
                                .collect();
                            format!(
                                "parcel {} is a HIT: {} (its detail, and Shift-h, say why)",
                                item.label,
                                what.join(", ")
                            )
                        })
                    });
                // And one that names a known person or shop, which to link.
                let known = saved
                    .as_ref()
                    .filter(|(item, _)| item.kind == crate::domain::ItemKind::Parcel)
                    .and_then(|(item, _)| {
                        let k = crate::xref::known_parties(self.store.conn(), item.id).ok()?;
                        let first = k.first()?;
                        Some(format!(
                            "names {} {} ({}){}: 4 shows it, l links it",
                            first.kind,
                            first.label,
                            first.reasons.join(", "),
                            if k.len() > 1 {
                                format!(" and {} more", k.len() - 1)
                            } else {
                                String::new()
                            }
                        ))
                    });
                app.form_saved(
                    f,
                    saved,
                    flagged.into_iter().chain(hit).chain(known).collect(),
                );
            }
            Effect::SaveNote(p, mut n) => {
                let result = self.store.write(|w| crate::store::create::note(w, &mut n));
                if result.is_err()
                    && gone::check(
                        self.store.conn(),
                        app,
                        &p.target,
                        ": the note was not saved; its text is kept, and Ctrl-y pastes it into another",
                    )
                {
                    // The text is what Ctrl-y puts back, in any field.
                    app.cut = p.text.clone();
                    return;
                }
                app.note_saved(*p, result.map(|_| ()).map_err(|e| e.to_string()));
            }
            Effect::CreateLink(mut l, from, to) => {
                let result = self.store.write(|w| crate::store::create::link(w, &mut l));
                match result {
                    Ok(_) => {
                        // As stored: a type read the other way round
                        // (`recipient-of`, a person's) turns the ends (it
                        // said the parcel was the recipient of the person).
                        let (a, b) = if l.from_id == to.id && l.to_id == from.id {
                            (&to, &from)
                        } else {
                            (&from, &to)
                        };
                        app.info(format!(
                            "linked: {} {} {} {} {}",
                            a.kind, a.label, l.link_type, b.kind, b.label
                        ));
                        app.refresh_current();
                    }
                    Err(e) => {
                        let conn = self.store.conn();
                        let then = ": no link was made";
                        if gone::check(conn, app, &from, then) || gone::check(conn, app, &to, then) {
                            return;
                        }
                        match e {
                            // A type these ends cannot take (or an item
                            // linked to itself): the choice comes back.
                            crate::store::StoreError::Invalid(fe) => {
                                app.link_refused(from, to, &l.link_type, &fe)
                            }
                            e => app.error(e.to_string()),
                        }
                    }
                }
            }
            Effect::Delete(item) => {
                let result = self.store.write(|w| records::delete(w, item.kind, item.id));
                if result.is_err()
                    && gone::check(self.store.conn(), app, &item, " already: nothing more to delete")
                {
                    return;
                }
                app.deleted(item, result.map_err(|e| e.to_string()));
            }
            Effect::Hits => match super::reports::hit_lines(self.store.conn(), HITS_SHOWN) {
                Ok((0, _)) => app.info(
                    "no hits yet: parcels are screened as they are saved, against the profiles and the watchlist (interdict profile, interdict watch)",
                ),
                Ok((n, lines)) => {
                    // The newest only, and said so, with where the rest
                    // are (the view stopped at 200 without a word).
                    let all = crate::targeting::stored::hits_count(self.store.conn(), None)
                        .map_or(n, |c| c as usize);
                    let title = if all > n {
                        format!(
                            "Hits, newest first ({n} of {all}; `interdict hits --limit {all}` lists every one)"
                        )
                    } else {
                        format!("Hits, newest first ({n})")
                    };
                    app.report(title, lines)
                }
                Err(e) => app.error(e.to_string()),
            },
            Effect::Matches(around) => {
                let found = fuzzy::suggestions(self.store.conn(), around, 200);
                app.show_matches(found.map_err(|e| e.to_string()));
            }
            Effect::ConfirmMatch(sg) => {
                let result = self.store.write(|w| fuzzy::confirm(w, &sg));
                app.match_settled(&sg, true, result.map(|_| ()).map_err(|e| e.to_string()));
            }
            Effect::RejectMatch(sg) => {
                let result = self.store.write(|w| fuzzy::reject(w, sg.a.id, sg.b.id));
                app.match_settled(&sg, false, result.map_err(|e| e.to_string()));
            }
            Effect::Conflicts => {
                let found = conflicts::list(self.store.conn(), false);
                app.show_conflicts(found.map_err(|e| e.to_string()));
            }
            Effect::Resolve { conflict, choice } => {
                // (What taking the incoming side replaces is said.)
                let replaced = match choice {
                    conflicts::Choice::Incoming => conflicts::get(self.store.conn(), conflict)
                        .map(|c| c.replaced_since())
                        .unwrap_or_default(),
                    conflicts::Choice::Local => Vec::new(),
                };
                let done = conflicts::resolve(&mut self.store, conflict, choice);
                app.conflict_settled(choice, done.map_err(|e| e.to_string()), &replaced);
            }
            Effect::OpenStats { mut view, hits } => {
                if let Some(hits) = hits {
                    let conn = self.store.conn();
                    let numbers = hits
                        .iter()
                        .filter_map(|(kind, id)| {
                            crate::store::keys::number(conn, *kind, *id).ok().flatten()
                        })
                        .collect();
                    view.base.items = Some(numbers);
                }
                app.show_stats(view);
            }
            Effect::Count(job) => self.count(app, job),
            Effect::LoadDemo => self.load_demo(app),
        }
    }

    /// Re-reads counts and visible windows (after a write, or at start).
    fn reload(&mut self, app: &mut App) {
        self.reload_lists(app);
        self.select(app);
    }

    /// [`Runner::reload`] but the item under the cursor left as it was
    /// shown (for a caller that puts the cursor back on it first).
    fn reload_lists(&mut self, app: &mut App) {
        for (i, pane) in Pane::ALL[..3].iter().enumerate() {
            let kind = pane.kind().unwrap_or(ItemKind::Case);
            match records::count_kind(self.store.conn(), kind).map(|n| n as usize) {
                Ok(n) => app.lists[i].total = n,
                Err(e) => app.error(e.to_string()),
            }
            app.clamp(i);
            self.fetch(app, i);
        }
        app.empty = app.lists[0].total == 0 && app.lists[1].total == 0;
    }

    /// Fetches the rows at the list's offset, moving from the rows already
    /// held by rowid so that no query walks the table from its start.
    fn fetch(&mut self, app: &mut App, i: usize) {
        if app.lists[i].filtered() {
            return;
        }
        let kind = Pane::ALL[i].kind().unwrap_or(ItemKind::Case);
        let page = app.page;
        let conn = self.store.conn();
        let l = &app.lists[i];
        if let Some(s) = &l.subset {
            let from = l.offset.min(s.numbers.len());
            let to = (from + page).min(s.numbers.len());
            match data::rows_at(conn, kind, &s.numbers[from..to]) {
                Ok(rows) => {
                    app.lists[i].rows = rows;
                    app.lists[i].held_from = from;
                }
                Err(e) => app.error(e.to_string()),
            }
            return;
        }
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
                app.lists[i].rows = rows;
                app.lists[i].held_from = want;
            }
            Err(e) => app.error(e.to_string()),
        }
    }

    /// Fetches a window that shows the item at `pos` (rowid `rowid`).
    fn fetch_around(&mut self, app: &mut App, i: usize, rowid: i64, pos: usize) {
        let kind = Pane::ALL[i].kind().unwrap_or(ItemKind::Case);
        let conn = self.store.conn();
        let l = &app.lists[i];
        let before = pos - l.offset.min(pos);
        let need = app.page.min(l.total.saturating_sub(l.offset));
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
                let offset = app.lists[i].offset;
                app.lists[i].rows = rows;
                app.lists[i].held_from = offset;
            }
            Err(e) => app.error(e.to_string()),
        }
    }

    /// The item under the cursor of the focused list becomes current.
    fn select(&mut self, app: &mut App) {
        let sel = match app.pane {
            Pane::Links => return,
            p => app.lists[p.index()]
                .selected()
                .map(|r| (r.kind, r.id, r.cells.first().cloned().unwrap_or_default())),
        };
        match sel {
            Some((kind, id, first)) => {
                if app.current.as_ref().map(|c| c.id) != Some(id) {
                    let conn = self.store.conn();
                    // A filter's match may have been deleted since: named
                    // by its row, as the user sees it.
                    if gone::check(
                        conn,
                        app,
                        &ItemRef {
                            kind,
                            id,
                            label: first,
                        },
                        "",
                    ) {
                        return;
                    }
                    let label = records::label_of(conn, kind, id).unwrap_or_default();
                    self.show(app, ItemRef { kind, id, label });
                }
            }
            None => app.clear_current(),
        }
    }

    /// An item's details and connections, read and shown (unless it was
    /// deleted elsewhere: then said).
    fn show(&mut self, app: &mut App, mut item: ItemRef) {
        let conn = self.store.conn();
        if gone::check(conn, app, &item, "") {
            return;
        }
        // Named as it is now: a label kept from before (the item shown
        // when another process renumbered or renamed it, a place in the
        // history) headed the panes with a tracking number or title the
        // item no longer has, above a body that gave the new one.
        if let Ok(label) = records::label_of(conn, item.kind, item.id)
            && !label.is_empty()
        {
            item.label = label;
        }
        let detail =
            data::detail(conn, &item).unwrap_or_else(|e| vec![("Error".into(), e.to_string())]);
        let links = data::links_of(conn, &item).unwrap_or_default();
        app.set_current(item, detail, links);
    }

    /// The current item's details and connections read again.
    fn refresh(&mut self, app: &mut App) {
        if let Some(c) = app.current.clone() {
            self.show(app, c);
        }
    }

    /// Shows an item in its pane (which the interface has focused).
    fn go_to(&mut self, app: &mut App, item: ItemRef, links_cursor: Option<usize>) {
        // An item no list holds is shown in the Links pane alone.
        let Some(pane) = Pane::listing(item.kind) else {
            self.show(app, item);
            if let Some(c) = links_cursor {
                app.links_cursor = c.min(app.links.len().saturating_sub(1));
            }
            return;
        };
        let i = pane.index();
        let position = records::position(self.store.conn(), item.kind, item.id);
        // Among a filter's matches or a list of chosen values, the list
        // is kept (the interface kept it only for an item among its
        // matches): the cursor goes onto the item's row there.
        let kept_at = if app.lists[i].filtered() {
            app.lists[i].hits.iter().position(|r| r.id == item.id)
        } else if let (Some(s), Ok(Some((rowid, _)))) = (&app.lists[i].subset, &position) {
            let at = s.numbers.iter().position(|n| n == rowid);
            if at.is_none() {
                app.lists[i].subset = None;
            }
            at
        } else {
            None
        };
        if let Some(pos) = kept_at {
            app.lists[i].cursor = pos;
            app.lists[i].offset = pos.saturating_sub(app.page / 2);
            app.clamp(i);
            self.fetch(app, i);
        } else if let Ok(Some((rowid, pos))) = position {
            app.lists[i].cursor = pos;
            app.lists[i].offset = pos.saturating_sub(app.page / 2);
            app.clamp(i);
            self.fetch_around(app, i, rowid, pos);
        } else {
            app.clamp(i);
            self.fetch(app, i);
        }
        self.show(app, item);
        if let Some(c) = links_cursor {
            app.links_cursor = c.min(app.links.len().saturating_sub(1));
        }
    }

    /// The reference of the case an item is in: itself, or the first case
    /// that includes it.
    fn case_of(&self, item: &ItemRef) -> Option<String> {
        let conn = self.store.conn();
        let case = match item.kind {
            ItemKind::Case => item.id,
            _ => *crate::store::related::cases_including(conn, item.id)
                .ok()?
                .first()?,
        };
        records::get::<Case>(conn, case)
            .ok()
            .flatten()
            .map(|c| c.reference)
    }

    fn filter(&mut self, app: &mut App, i: usize, kind: ItemKind, q: &str) {
        if let Some(s) = &mut self.searcher {
            // One more than is kept, to tell whether more matched.
            s.request(q, kind, FILTER_LIMIT + 1, app.page);
            return;
        }
        let conn = self.store.conn();
        let rows = search::search(conn, q, Some(kind), FILTER_LIMIT + 1)
            .map(|hits| data::rows_of_hits(conn, &hits, q));
        app.searching_pane = None;
        app.apply_filter(i, rows.map_err(|e| e.to_string()));
    }

    /// Hands a job to the analyst worker (started on first use), or runs
    /// it here when the worker cannot run.
    fn count(&mut self, app: &mut App, job: super::analyst::Job) {
        if self.analyst.is_none() && !self.analyst_failed {
            match super::analyst::Analyst::start(self.store.read_path()) {
                Ok(a) => self.analyst = Some(a),
                Err(e) => {
                    tracing::warn!("counts will run on the input thread: {e}");
                    self.analyst_failed = true;
                }
            }
        }
        match self.analyst.as_mut() {
            Some(a) => {
                a.request(job);
            }
            None => {
                let out = super::analyst::run(self.store.conn(), &job).map_err(|e| e.to_string());
                app.deliver(out);
            }
        }
    }

    /// Starts loading the demo data on a thread of its own; `tick`
    /// follows it.
    fn load_demo(&mut self, app: &mut App) {
        if self.demo_load.is_some() {
            app.info("the demo data is loading already");
            return;
        }
        self.demo_load = Some(super::loader::DemoLoad::start(
            self.store.path().to_path_buf(),
            self.store.writer_options(),
            DEMO_PARCELS,
            42,
        ));
        app.info(format!("loading the demo data: 0/{DEMO_PARCELS} parcels"));
    }

    pub fn loading(&self) -> bool {
        self.demo_load.is_some()
    }

    pub fn searching(&self) -> bool {
        self.searcher.as_ref().is_some_and(|s| s.is_pending())
    }

    /// Takes what the workers finished and looks for other people's
    /// changes; true when the screen changed.
    pub fn tick(&mut self, app: &mut App) -> bool {
        if std::mem::take(&mut self.warm_pending)
            && let Some(s) = self.searcher.as_mut()
        {
            s.warm(ItemKind::Parcel);
        }
        let searched = self.receive(app, Duration::ZERO);
        let counted = self.receive_stats(app, Duration::ZERO);
        let loaded = self.follow_loader(app);
        let changed = searched | counted | loaded | self.refresh_if_changed(app);
        app.recount_a_stale_subset();
        // A filter others' writes may have changed is searched again once
        // its list is the one shown, and nothing is searched meanwhile:
        // kept, or still being typed (its prompt open, it waited for
        // Enter, though nothing was typed for seconds; a key typed then
        // searches again as ever).
        let i = app.pane.index();
        if app.pane != Pane::Links
            && app.stale_filters.get(i) == Some(&true)
            && app.searching_pane.is_none()
        {
            app.stale_filters[i] = false;
            app.refilter(i);
        }
        let queued = app.take_effects();
        self.run(app, queued);
        changed
    }

    /// Waits for the work in flight (tests and scripted input).
    pub fn settle(&mut self, app: &mut App) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.searching() && Instant::now() < deadline {
            self.receive(app, Duration::from_millis(50));
        }
        while app.analysing() && Instant::now() < deadline {
            self.receive_stats(app, Duration::from_millis(50));
        }
        while self.loading() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
            self.follow_loader(app);
        }
        let queued = app.take_effects();
        self.run(app, queued);
    }

    /// Waits until the filter in flight shows its first rows (the rest may
    /// still be on their way): what a person sees after a keystroke.
    pub fn settle_shown(&mut self, app: &mut App) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.searching() && !app.filter_shown && Instant::now() < deadline {
            self.receive(app, Duration::from_millis(50));
        }
        let queued = app.take_effects();
        self.run(app, queued);
    }

    fn receive(&mut self, app: &mut App, wait: Duration) -> bool {
        let Some(reply) = self.searcher.as_mut().and_then(|s| s.poll(wait)) else {
            return false;
        };
        let shown = app.receive_rows(reply);
        let queued = app.take_effects();
        self.run(app, queued);
        shown
    }

    /// Takes a finished count from the worker; true when the screen
    /// changed.
    fn receive_stats(&mut self, app: &mut App, wait: Duration) -> bool {
        if !app.analysing() {
            return false;
        }
        let Some((_, out)) = self.analyst.as_mut().and_then(|a| a.poll(wait)) else {
            return false;
        };
        app.deliver(out);
        let queued = app.take_effects();
        self.run(app, queued);
        true
    }

    fn read_data_version(&self) -> i64 {
        self.store
            .conn()
            .pragma_query_value(None, "data_version", |r| r.get(0))
            .unwrap_or(0)
    }

    /// Shows what other processes wrote since the last look (SQLite's
    /// `data_version` moves on their commits), keeping the cursor on the
    /// same item. True when the screen changed.
    fn refresh_if_changed(&mut self, app: &mut App) -> bool {
        if self.last_refresh.elapsed() < self.refresh_every {
            return false;
        }
        self.last_refresh = Instant::now();
        let v = self.read_data_version();
        if v == self.data_version {
            return false;
        }
        self.data_version = v;
        // The item shown, deleted elsewhere, is said to be gone; a
        // filter's other matches deleted elsewhere leave it, as rows
        // leave a list.
        let keep = app.current.clone();
        if let Some(item) = &keep {
            gone::check(self.store.conn(), app, item, "");
        }
        for i in 0..app.lists.len() {
            if app.lists[i].subset.is_some() && i < app.stale_subsets.len() {
                app.stale_subsets[i] = true;
                if app.subset_keep[i].is_none() {
                    let l = &app.lists[i];
                    app.subset_keep[i] = l
                        .selected()
                        .map(|r| (r.rowid, l.cursor.saturating_sub(l.offset)));
                }
            }
            if !app.lists[i].filtered() {
                continue;
            }
            if let Some(stale) = app.stale_filters.get_mut(i) {
                *stale = true;
            }
            let conn = self.store.conn();
            let gone: Vec<uuid::Uuid> = app.lists[i]
                .hits
                .iter()
                .filter(|r| !gone::exists(conn, r.kind, r.id))
                .map(|r| r.id)
                .collect();
            for id in gone {
                app.forget_hit(i, id);
            }
        }
        // Where the item was on screen, to keep it there.
        let row_on_screen = match app.pane {
            Pane::Links => 0,
            p => {
                let l = &app.lists[p.index()];
                l.cursor.saturating_sub(l.offset)
            }
        };
        // The cursor is put back on the item before the item under it is
        // shown: rows gone above it would put the next item under it (the
        // detail showed that one, the keys refused, the row highlighted
        // was the item's).
        self.reload_lists(app);
        if let Some(item) = keep
            && app.pane != Pane::Links
            && Some(app.pane) == Pane::listing(item.kind)
            && !app.lists[app.pane.index()].filtered()
        {
            self.put_cursor_on(app, app.pane.index(), item.id, row_on_screen);
        }
        self.select(app);
        self.refresh(app);
        true
    }

    /// Puts list `i`'s cursor on the item `id` as the list stands now
    /// (all items, or a subset), at screen row `row` where it can be, and
    /// reads the rows around it; false, changing nothing, when the list
    /// does not hold the item.
    fn put_cursor_on(&mut self, app: &mut App, i: usize, id: uuid::Uuid, row: usize) -> bool {
        let kind = Pane::ALL[i].kind().unwrap_or(ItemKind::Case);
        let Ok(Some((rowid, pos))) = records::position(self.store.conn(), kind, id) else {
            return false;
        };
        // In a subset, the item's place is among the subset's numbers.
        let pos = match &app.lists[i].subset {
            Some(s) => match s.numbers.iter().position(|n| *n == rowid) {
                Some(at) => at,
                None => return false,
            },
            None => pos,
        };
        let l = &mut app.lists[i];
        l.cursor = pos;
        l.offset = pos.saturating_sub(row);
        app.clamp(i);
        if app.lists[i].subset.is_some() {
            self.fetch(app, i);
        } else {
            self.fetch_around(app, i, rowid, pos);
        }
        true
    }

    /// Follows the demo loader; true when the screen changed.
    fn follow_loader(&mut self, app: &mut App) -> bool {
        let Some(l) = self.demo_load.as_mut() else {
            return false;
        };
        match l.poll() {
            super::loader::Polled::Nothing => false,
            super::loader::Polled::Progress => {
                let (d, t) = (l.done, l.total);
                app.message = Some((
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
                        self.reload(app);
                        // What was shown while the data came in is read
                        // again whole.
                        self.refresh(app);
                        app.info(format!(
                            "demo data loaded: {} cases, {} parcels, {} findings",
                            s.cases, s.parcels, s.findings
                        ));
                    }
                    Err(e) => app.error(format!("the demo data could not be loaded: {e}")),
                }
                true
            }
        }
    }
}

/// An item's whole history, one line an entry; an entry written in
/// another notebook (merged, or in an export) says whose.
fn history_lines(
    conn: &rusqlite::Connection,
    id: uuid::Uuid,
) -> crate::store::Result<Vec<super::app::ReportLine>> {
    use crate::store::audit;
    let entries = audit::full_history(conn, id)?;
    let owners = audit::log_owners(conn, &entries)?;
    let mut lines = Vec::new();
    for e in entries {
        // Before the changes, which a narrow screen cuts.
        let whose = match e.from_db.map(|db| owners.get(&db).cloned().flatten()) {
            None => String::new(),
            Some(Some(who)) => format!(" (in {who}'s notebook)"),
            Some(None) => " (in another notebook)".to_string(),
        };
        let changes = e.changes();
        lines.push((
            format!(
                "{}  {}  {}{whose}{}{changes}",
                e.at,
                e.actor,
                e.action,
                if changes.is_empty() { "" } else { ": " }
            ),
            None,
        ));
    }
    Ok(lines)
}
