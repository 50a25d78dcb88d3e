//! The terminal interface: four panes (cases, parcels, substances, links),
//! all by keyboard. One `App` holds the state, and no store; keys resolve
//! to actions through the keymap; `update` changes the state and queues
//! effects, which the `Runner` carries out against the notebook; and
//! `view::draw` only reads the state. A burst of keys costs one redraw.

pub mod analyst;
pub mod app;
pub mod config;
pub mod conflicts;
pub mod data;
pub mod draw;
pub mod effect;
pub mod form;
mod formview;
pub mod gone;
pub mod keymap;
pub mod loader;
pub mod matches;
pub mod note;
pub mod picker;
pub mod reports;
pub mod runner;
pub mod searcher;
#[cfg(test)]
mod session_tests;
pub mod stats;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod update;
pub mod view;

use crate::store::Store;
use app::App;
use crossterm::event::{self, Event};
use effect::Effect;
use keymap::Keymap;
use runner::Runner;
use std::time::Duration;
use theme::Theme;

/// The interface at work: its state, and the runner that carries out what
/// the keys ask of the notebook.
pub struct Session {
    pub app: App,
    pub runner: Runner,
}

impl Session {
    /// The interface over a notebook, its lists read.
    pub fn new(store: Store, keymap: Keymap, theme: Theme, page: usize) -> Session {
        let file = store
            .path()
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let app = App::new(keymap, theme, page, store.is_read_only(), &file);
        let mut s = Session {
            app,
            runner: Runner::new(store),
        };
        s.run_queued();
        s
    }

    pub fn store(&self) -> &Store {
        &self.runner.store
    }

    fn run_queued(&mut self) {
        let queued = self.app.take_effects();
        self.runner.run(&mut self.app, queued);
    }

    /// A key or paste: the state changes, then its effects are carried out.
    pub fn handle_event(&mut self, ev: Event) {
        self.handle_event_then(ev, |_| {});
    }

    /// [`Session::handle_event`], with `before_write` called (the
    /// interface drawn) once the state has changed and before a write that
    /// may wait for the notebook is carried out, the status line saying
    /// what is being written. Returns whether a write was carried out.
    pub fn handle_event_then(&mut self, ev: Event, before_write: impl FnOnce(&App)) -> bool {
        // A key typed after a list's filter, before its first rows came,
        // is for those rows: it waits for them. (`/name Enter n` typed at
        // once met no row, "select an item to write a note on", and the
        // note's text ran as list commands: its `x` and `y` deleted the
        // filter's top match; `Enter` opened the row the filter replaced.)
        if matches!(ev, Event::Key(_))
            && !self.app.filter_typing
            && self.app.searching_pane.is_some()
            && self.app.filter_typed
            && !self.app.filter_shown
        {
            self.runner.settle_shown(&mut self.app);
        }
        let effects = self.app.handle_event(ev);
        let writing = effects.iter().find_map(Effect::writing);
        let said = writing.map(|what| {
            format!(
                "{what}… (a colleague's write may hold the notebook for a few seconds: keys typed meanwhile are not applied)"
            )
        });
        if let Some(s) = &said {
            self.app.info(s.clone());
            before_write(&self.app);
        }
        self.runner.run(&mut self.app, effects);
        // Said otherwise (a form or note back with its error in it): the
        // "saving" line goes.
        if let Some(s) = said
            && self.app.message.as_ref().is_some_and(|(m, _)| *m == s)
        {
            self.app.message = None;
        }
        writing.is_some()
    }

    /// Follows a change of terminal size.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.app.page = view::page_rows(height);
        self.app.size = (width, height);
        self.app.reload();
        self.run_queued();
    }

    /// Takes what the workers finished; true when the screen changed.
    pub fn tick(&mut self) -> bool {
        self.runner.tick(&mut self.app)
    }

    /// Waits for the work in flight (tests and scripted input).
    pub fn settle(&mut self) {
        self.runner.settle(&mut self.app);
    }

    /// Waits until the filter in flight shows its first rows.
    pub fn settle_shown(&mut self) {
        self.runner.settle_shown(&mut self.app);
    }

    pub fn searching(&self) -> bool {
        self.runner.searching()
    }
    pub fn analysing(&self) -> bool {
        self.app.analysing()
    }
    pub fn loading(&self) -> bool {
        self.runner.loading()
    }
}

/// Builds the interface with the user's keymap and theme.
pub fn build(store: Store, width: u16, height: u16) -> Session {
    let path = config::path();
    let (keymap, theme, msg) = config::load(
        path.as_ref().map(|(p, _)| p.as_path()),
        path.as_ref().is_some_and(|(_, named)| *named),
        Theme::from_env(),
    );
    let mut s = Session::new(store, keymap, theme, view::page_rows(height));
    s.app.size = (width, height);
    match crate::exchange::conflicts::open_count(s.store().conn()) {
        Ok(n) if n > 0 => {
            let keys = s
                .app
                .keymap
                .keys_for(keymap::Layer::List, keymap::Action::Conflicts)
                .join("/");
            let (what, wait) = if n == 1 {
                ("merge conflict", "waits")
            } else {
                ("merge conflicts", "wait")
            };
            s.app
                .info(format!("{n} {what} {wait} for a choice: press {keys}"))
        }
        _ => {}
    }
    if let Some(m) = msg {
        s.app.error(m);
    }
    s
}

/// How long a write takes before the keys typed meanwhile are taken as
/// typed at its "saving…" line (and dropped) though it never waited for
/// another's: a write that waited for the notebook at all drops them too
/// ([`crate::store::busy_waits`]); one that did neither is a quick save,
/// and the keys typed ahead of it are applied.
const WAITED: Duration = Duration::from_secs(1);

/// The quiet that ends a burst of keys being dropped after a write that
/// waited (keys sent in one burst arrive in several reads).
const BURST_GAP: Duration = Duration::from_millis(150);

/// Runs the interface until the user quits; `notice` is shown on the
/// status line at start: a warning (e.g. a notebook on a network
/// filesystem, an export that failed its checks) when its flag is set.
///
/// Ended by SIGTERM or SIGHUP, it closes the notebook, puts the terminal
/// back, and ends the process with 128 and the signal's number (143,
/// 129), as a shell expects: the caller's code after it does not run.
pub fn run(store: Store, notice: Option<(String, bool)>) -> anyhow::Result<()> {
    let mut guard = terminal::TerminalGuard::enter()?;
    // SIGTERM and SIGHUP (a `kill`, a closed terminal) end the loop like
    // a quit, so that the guard puts the terminal back.
    let stop = terminal::stop_on_signals();
    let size = guard.terminal.size()?;
    let mut session = build(store, size.width, size.height);
    match notice {
        Some((w, true)) => session.app.error(w),
        Some((m, false)) => session.app.info(m),
        None => {}
    }
    let mut dirty = true;
    loop {
        if std::mem::take(&mut session.app.redraw) {
            // (What the terminal shows is forgotten: the next frame is
            // drawn whole.)
            guard.terminal.clear()?;
            dirty = true;
        }
        if dirty {
            guard.terminal.draw(|f| view::draw(f, &session.app))?;
            dirty = false;
        }
        if session.app.quit || stop.load(std::sync::atomic::Ordering::Relaxed) != 0 {
            break;
        }
        if session.tick() {
            dirty = true;
            continue;
        }
        // Wake often while a search or a count is out, to show its
        // results at once.
        let wait = if session.searching() || session.analysing() || session.loading() {
            20
        } else {
            500
        };
        if event::poll(Duration::from_millis(wait))? {
            // Drain every pending event, then draw once.
            loop {
                match event::read()? {
                    Event::Resize(w, h) => session.resize(w, h),
                    ev => {
                        let terminal = &mut guard.terminal;
                        let (began, waits) =
                            (std::time::Instant::now(), crate::store::busy_waits());
                        let wrote = session.handle_event_then(ev, |app| {
                            let _ = terminal.draw(|f| view::draw(f, app));
                        });
                        // Keys typed while a write waited for the notebook
                        // were typed at a screen that said it was saving:
                        // applied afterwards they went into a form or note
                        // that came back (a failed save), unseen. They are
                        // dropped, and said, with the rest of their burst
                        // (the text of a note is no list command). Keys
                        // typed ahead of a write that did not wait are
                        // applied: until 2026-12-07 every key pending after
                        // any save was dropped, so `Enter n` typed at once
                        // lost the `n` and the next note's text ran as
                        // list commands (its `x` and `y` deleted a parcel).
                        let waited =
                            crate::store::busy_waits() != waits || began.elapsed() >= WAITED;
                        if wrote && waited && event::poll(Duration::ZERO)? {
                            let mut dropped = 0;
                            let quiet_from = std::time::Instant::now();
                            while quiet_from.elapsed() < Duration::from_secs(1)
                                && event::poll(BURST_GAP)?
                            {
                                match event::read()? {
                                    // (The terminal's size is no key.)
                                    Event::Resize(w, h) => session.resize(w, h),
                                    Event::Key(k)
                                        if k.kind == crossterm::event::KeyEventKind::Press =>
                                    {
                                        dropped += 1
                                    }
                                    _ => {}
                                }
                            }
                            if dropped > 0 {
                                let (text, failed) = match &session.app.message {
                                    Some((m, l)) => (format!("{m} "), *l == app::Level::Error),
                                    None => (String::new(), false),
                                };
                                // (First: after a long message, a hit's,
                                // it was past the end of the line.)
                                let said = format!(
                                    "{dropped} keys typed while the notebook was busy were not applied{}",
                                    match text.trim_end() {
                                        "" => String::new(),
                                        t => format!("; {t}"),
                                    }
                                );
                                if failed {
                                    session.app.error(said);
                                } else {
                                    session.app.info(said);
                                }
                            }
                            dirty = true;
                            break;
                        }
                    }
                }
                dirty = true;
                if session.app.quit
                    || stop.load(std::sync::atomic::Ordering::Relaxed) != 0
                    || !event::poll(Duration::ZERO)?
                {
                    break;
                }
            }
        }
    }
    // The notebook closed, then the terminal put back; if a signal ended
    // the loop, the process ends as a shell expects of it.
    let signal = stop.load(std::sync::atomic::Ordering::Relaxed);
    drop(session);
    drop(guard);
    if signal != 0 {
        std::process::exit(terminal::exit_code(signal));
    }
    Ok(())
}
