//! The terminal interface: four panes (cases, parcels, substances, links),
//! all by keyboard. One `App` holds the state; keys resolve to actions
//! through the keymap; `update` changes the state and `view::draw` only
//! reads it. A burst of keys costs one redraw.

pub mod analyst;
pub mod app;
pub mod config;
pub mod conflicts;
pub mod data;
pub mod draw;
pub mod form;
mod formview;
pub mod keymap;
pub mod loader;
pub mod matches;
pub mod note;
pub mod picker;
pub mod reports;
pub mod searcher;
pub mod stats;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod update;
pub mod view;

use crate::store::Store;
use app::App;
use crossterm::event::{self, Event};
use std::time::Duration;
use theme::Theme;

impl App {
    /// Follows a change of terminal height.
    pub fn resize(&mut self, height: u16) {
        self.page = view::page_rows(height);
        self.reload();
    }
}

/// Builds the application with the user's keymap and theme.
pub fn build(store: Store, height: u16) -> App {
    let path = config::path();
    let (keymap, theme, msg) = config::load(
        path.as_ref().map(|(p, _)| p.as_path()),
        path.as_ref().is_some_and(|(_, named)| *named),
        Theme::from_env(),
    );
    let mut app = App::new(store, keymap, theme, view::page_rows(height));
    match crate::exchange::conflicts::open_count(app.store.conn()) {
        Ok(n) if n > 0 => {
            let keys = app
                .keymap
                .keys_for(keymap::Layer::List, keymap::Action::Conflicts)
                .join("/");
            app.info(format!(
                "{n} merge conflict(s) wait for a choice: press {keys}"
            ))
        }
        _ => {}
    }
    if let Some(m) = msg {
        app.error(m);
    }
    app
}

/// Runs the interface until the user quits; `notice` is shown on the
/// status line at start: a warning (e.g. a notebook on a network
/// filesystem, an export that failed its checks) when its flag is set.
pub fn run(store: Store, notice: Option<(String, bool)>) -> anyhow::Result<()> {
    let mut guard = terminal::TerminalGuard::enter()?;
    let size = guard.terminal.size()?;
    let mut app = build(store, size.height);
    match notice {
        Some((w, true)) => app.error(w),
        Some((m, false)) => app.info(m),
        None => {}
    }
    let mut dirty = true;
    loop {
        if dirty {
            guard.terminal.draw(|f| view::draw(f, &app))?;
            dirty = false;
        }
        if app.quit {
            break;
        }
        if app.tick() {
            dirty = true;
            continue;
        }
        // Wake often while a search or a count is out, to show its
        // results at once.
        let wait = if app.searching() || app.analysing() || app.loading() {
            20
        } else {
            500
        };
        if event::poll(Duration::from_millis(wait))? {
            // Drain every pending event, then draw once.
            loop {
                match event::read()? {
                    Event::Resize(_, h) => app.resize(h),
                    ev => app.handle_event(ev),
                }
                dirty = true;
                if app.quit || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        }
    }
    Ok(())
}
