//! The terminal interface driven by real key events through the real
//! keymap, rendered into ratatui's TestBackend and compared with reviewed
//! snapshots (plus a few per-cell style checks).

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use interdict::domain::ItemKind;
use interdict::exchange::demo;
use interdict::store::{OpenOptions, Store};
use interdict::tui::Session;
use interdict::tui::app::{Modal, Pane};
use interdict::tui::keymap::{Action, Keymap, Layer};
use interdict::tui::theme::Theme;
use interdict::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};

struct Ui {
    _dir: tempfile::TempDir,
    session: Session,
    w: u16,
    h: u16,
}

/// A notebook whose writes are all stamped with one fixed time, so the
/// snapshots are the same every day.
fn store(dir: &tempfile::TempDir) -> Store {
    let mut opts = OpenOptions::new("tester");
    opts.clock = Some("2026-01-02T03:04:05.000Z".into());
    Store::open(&dir.path().join("nb.db"), opts).unwrap()
}

impl Ui {
    fn new(parcels: usize, w: u16, h: u16, color: bool) -> Ui {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(&dir);
        if parcels > 0 {
            demo::generate(&mut s, parcels, 3, |_, _| {}).unwrap();
        }
        let mut session =
            Session::new(s, Keymap::defaults(), Theme::new(color), view::page_rows(h));
        session.resize(w, h);
        Ui {
            _dir: dir,
            session,
            w,
            h,
        }
    }

    /// Presses keys written as in the keymap, space-separated (`j j enter`).
    fn keys(&mut self, seq: &str) -> &mut Self {
        for name in seq.split_whitespace() {
            let combo = crokey::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            let ev = KeyEvent::new(*combo.codes.first(), combo.modifiers);
            self.session.handle_event(Event::Key(ev));
            self.session.settle();
        }
        self
    }

    /// Types text, one key event per character.
    fn typed(&mut self, text: &str) -> &mut Self {
        for c in text.chars() {
            let m = if c.is_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            self.session
                .handle_event(Event::Key(KeyEvent::new(KeyCode::Char(c), m)));
            self.session.settle();
        }
        self
    }

    /// Types text as fast as a paste: no waiting for searches in between.
    fn burst(&mut self, text: &str) -> &mut Self {
        for c in text.chars() {
            self.session.handle_event(Event::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
        }
        self
    }

    fn render(&self) -> Terminal<TestBackend> {
        let mut t = Terminal::new(TestBackend::new(self.w, self.h)).unwrap();
        t.draw(|f| view::draw(f, &self.session.app)).unwrap();
        t
    }

    fn text(&self) -> String {
        self.render().backend().to_string()
    }
}

macro_rules! snap {
    ($name:expr, $ui:expr) => {{
        let today = jiff::ZonedDateTime::now().date().to_string();
        insta::with_settings!({filters => vec![
            (today.as_str(), "[today]"),
        ]}, {
            insta::assert_snapshot!($name, $ui.render().backend());
        });
    }};
}

#[test]
fn empty_notebook_says_what_to_do_and_loads_the_demo() {
    let mut ui = Ui::new(0, 80, 24, true);
    snap!("empty_80x24", ui);
    ui.keys("d");
    assert!(!ui.session.app.empty);
    assert_eq!(
        ui.session.app.lists[1].total,
        interdict::tui::loader::DEMO_PARCELS
    );
    assert!(ui.text().contains("demo data loaded"));
}

#[test]
fn every_pane_at_100x30() {
    let mut ui = Ui::new(300, 100, 30, true);
    snap!("cases_pane", ui);
    ui.keys("2");
    snap!("parcels_pane", ui);
    ui.keys("3 j j");
    snap!("substances_pane", ui);
    ui.keys("1 4");
    snap!("links_pane", ui);
}

#[test]
fn an_80x24_frame_with_no_color() {
    let ui = Ui::new(300, 80, 24, false);
    snap!("cases_80x24_no_color", ui);
    let t = ui.render();
    let buf = t.backend().buffer();
    // Without colour the selection is shown by reversing, and no cell has
    // a colour of its own.
    let row = (0..24)
        .find(|y| buf[(1, *y)].symbol() == "C" && buf[(2, *y)].symbol() == "-")
        .unwrap();
    assert!(buf[(1, row)].modifier.contains(Modifier::REVERSED));
    for y in 0..24 {
        for x in 0..80 {
            assert_eq!(buf[(x, y)].fg, Color::Reset, "cell {x},{y}");
            assert_eq!(buf[(x, y)].bg, Color::Reset, "cell {x},{y}");
        }
    }
}

#[test]
fn moving_keeps_a_window_and_the_cursor() {
    let mut ui = Ui::new(300, 100, 30, true);
    ui.keys("2");
    let page = ui.session.app.page;
    assert_eq!(
        ui.session.app.lists[1].rows.len(),
        page,
        "only the visible rows are held"
    );
    ui.keys("ctrl-d");
    assert_eq!(ui.session.app.lists[1].cursor, page / 2);
    ui.keys("shift-g");
    assert_eq!(ui.session.app.lists[1].cursor, 299);
    assert_eq!(ui.session.app.lists[1].offset, 300 - page);
    ui.keys("g g");
    assert_eq!(ui.session.app.lists[1].cursor, 0);
    ui.keys("j j k");
    assert_eq!(ui.session.app.lists[1].cursor, 1);
    let selected = ui.session.app.current.clone().unwrap();
    assert_eq!(selected.kind, ItemKind::Parcel);
    assert_eq!(selected.id, ui.session.app.lists[1].rows[1].id);
}

#[test]
fn follow_a_link_and_come_back() {
    let mut ui = Ui::new(300, 100, 30, true);
    let case = ui.session.app.current.clone().unwrap();
    assert_eq!(case.kind, ItemKind::Case);
    ui.keys("enter");
    assert_eq!(ui.session.app.pane, Pane::Links);
    let second = ui.session.app.links[1].clone();
    assert_eq!(second.group, "Includes");
    // One key per hop: following stays in the Links pane, now the parcel's.
    ui.keys("j enter");
    assert_eq!(ui.session.app.pane, Pane::Links);
    assert_eq!(ui.session.app.current.as_ref().unwrap().id, second.id);
    assert!(
        ui.text()
            .contains(&format!("Links of parcel {}", second.label))
    );
    // The parcel's own links lead back to its case: one more hop.
    let to_case = ui
        .session
        .app
        .links
        .iter()
        .position(|l| l.id == case.id)
        .unwrap();
    ui.session.app.links_cursor = to_case;
    ui.keys("enter");
    assert_eq!(ui.session.app.current.as_ref().unwrap().id, case.id);
    // Back, one key each way, to the very row each hop was taken from.
    ui.keys("[");
    assert_eq!(ui.session.app.current.as_ref().unwrap().id, second.id);
    assert_eq!(
        (ui.session.app.pane, ui.session.app.links_cursor),
        (Pane::Links, to_case)
    );
    ui.keys("[");
    assert_eq!(ui.session.app.current.as_ref().unwrap().id, case.id);
    assert_eq!(
        (ui.session.app.pane, ui.session.app.links_cursor),
        (Pane::Links, 1)
    );
    ui.keys("]");
    assert_eq!(ui.session.app.current.as_ref().unwrap().id, second.id);
    assert_eq!(
        (ui.session.app.pane, ui.session.app.links_cursor),
        (Pane::Links, to_case)
    );
    // From a list, back returns to the list.
    ui.keys("2 j j");
    let parcel = ui.session.app.current.clone().unwrap();
    ui.keys("s").typed(&case.label).keys("enter");
    assert_eq!(ui.session.app.pane, Pane::Cases);
    ui.keys("[");
    assert_eq!(ui.session.app.current.as_ref().unwrap().id, parcel.id);
    assert_eq!(ui.session.app.pane, Pane::Parcels);
}

#[test]
fn quick_note_with_grading_in_few_keys() {
    let mut ui = Ui::new(300, 100, 30, true);
    ui.keys("n");
    ui.typed("Courier confirms pickup by same man");
    ui.keys("tab").typed("2BP");
    ui.keys("tab space enter");
    assert!(matches!(ui.session.app.modal, Modal::None));
    let text = ui.text();
    assert!(text.contains("lead added"), "{text}");
    assert!(text.contains("[2BP]"), "{text}");
    // A bad grading stays in the prompt with a message.
    ui.keys("n")
        .typed("x")
        .keys("tab")
        .typed("9Z")
        .keys("enter");
    assert!(matches!(ui.session.app.modal, Modal::Note(_)));
    snap!("note_prompt_bad_grading", ui);
    ui.keys("ctrl-g ctrl-g");
    assert!(matches!(ui.session.app.modal, Modal::None));
}

#[test]
fn form_shows_the_expected_check_digit_and_creates_the_parcel() {
    let mut ui = Ui::new(300, 100, 30, true);
    ui.keys("2 a");
    ui.typed("RR123456789KZ").keys("tab");
    snap!("parcel_form_bad_check_digit", ui);
    let before = ui.session.app.lists[1].total;
    ui.keys("ctrl-s");
    assert!(
        matches!(ui.session.app.modal, Modal::Form(_)),
        "not saved with an error"
    );
    // The failed save put the cursor on the field at fault.
    ui.keys("backspace backspace backspace");
    ui.typed("5KZ").keys("tab").typed("Post").keys("f2");
    assert!(matches!(ui.session.app.modal, Modal::None));
    assert_eq!(ui.session.app.lists[1].total, before + 1);
    let cur = ui.session.app.current.clone().unwrap();
    assert_eq!(cur.label, "RR123456785KZ");
    assert!(ui.text().contains("created parcel RR123456785KZ"));
    // Esc and its second key both cancel a form.
    ui.keys("a esc");
    assert!(matches!(ui.session.app.modal, Modal::None));
    ui.keys("a ctrl-g");
    assert!(matches!(ui.session.app.modal, Modal::None));
}

#[test]
fn edit_then_delete_with_confirmation() {
    let mut ui = Ui::new(300, 100, 30, true);
    ui.keys("e");
    // Title is the first field: replace it.
    for _ in 0..40 {
        ui.keys("backspace");
    }
    ui.typed("Renamed op").keys("ctrl-s");
    assert!(ui.text().contains("Renamed op"));
    let n = ui.session.app.lists[0].total;
    ui.keys("x");
    snap!("delete_confirm", ui);
    ui.keys("n");
    assert_eq!(ui.session.app.lists[0].total, n);
    ui.keys("x y");
    assert_eq!(ui.session.app.lists[0].total, n - 1);
    assert!(ui.text().contains("deleted case C-0001 Renamed op"));
    assert!(
        ui.session.app.lists[0]
            .rows
            .iter()
            .all(|r| r.cells[3] != "Renamed op")
    );
}

#[test]
fn link_through_the_picker() {
    let mut ui = Ui::new(300, 100, 30, true);
    let case = ui.session.app.current.clone().unwrap();
    ui.keys("l").typed("carfentanil");
    assert!(ui.text().contains("Carfentanil"));
    ui.keys("enter");
    // The type list: related-to is second.
    ui.keys("down enter");
    assert!(ui.text().contains("linked"), "{}", ui.text());
    assert!(
        ui.session
            .app
            .links
            .iter()
            .any(|l| l.label == "Carfentanil" && l.reason.starts_with("related-to"))
    );
    assert_eq!(ui.session.app.current.unwrap().id, case.id);
}

#[test]
fn filter_and_global_search() {
    let mut ui = Ui::new(300, 100, 30, true);
    ui.keys("3 /").typed("nitaz");
    let hits = ui.session.app.lists[2].hits.len();
    assert!(hits >= 10, "{hits}");
    // The matched characters come marked in the rows, from the search.
    let first = &ui.session.app.lists[2].hits[0];
    assert_eq!(first.matched[0].len(), 5, "{first:?}");
    snap!("substances_filtered", ui);
    ui.keys("enter j");
    assert_eq!(ui.session.app.lists[2].cursor, 1);
    ui.keys("esc");
    assert!(ui.session.app.lists[2].filter.is_none());
    ui.keys("s").typed("Isotonitazene").keys("enter");
    assert_eq!(ui.session.app.pane, Pane::Substances);
    assert_eq!(
        ui.session.app.current.as_ref().unwrap().label,
        "Isotonitazene"
    );
}

#[test]
fn help_lists_the_keymap_in_force() {
    let mut ui = Ui::new(300, 100, 40, true);
    ui.keys("?");
    snap!("help", ui);
    ui.keys("ctrl-g");
    assert!(matches!(ui.session.app.modal, Modal::None));
}

#[test]
fn control_characters_in_records_are_shown_not_obeyed() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(&dir);
    s.write(|w| {
        let (mut c, _) =
            interdict::domain::record::new_record::<interdict::domain::Case>(&[("title", "Evil")])?;
        interdict::store::create::case(w, &mut c)
    })
    .unwrap();
    // (Written refuses a control character since 2026-12-07; a notebook
    // written before may hold them, put in here as they would be.)
    s.conn()
        .execute(
            "UPDATE cases SET title = ?1, summary = ?2",
            [
                "Evil\u{1b}[2J\u{202e}title\u{7}",
                "line one\nline\u{1b}]52;c;AAAA\u{7} two",
            ],
        )
        .unwrap();
    let ui = Ui {
        session: Session::new(s, Keymap::defaults(), Theme::new(true), view::page_rows(24)),
        _dir: dir,
        w: 80,
        h: 24,
    };
    let text = ui.text();
    assert!(text.contains("Evil^[[2J<U+202E>title^G"), "{text}");
    assert!(!text.contains('\u{1b}'));
    snap!("control_characters", ui);
}

#[test]
fn key_release_events_are_ignored() {
    let mut ui = Ui::new(300, 100, 30, true);
    let mut ev = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
    ev.kind = crossterm::event::KeyEventKind::Release;
    ui.session.handle_event(Event::Key(ev));
    assert_eq!(ui.session.app.lists[0].cursor, 0);
}

#[test]
fn windows_match_the_table_at_every_step() {
    let mut ui = Ui::new(300, 100, 30, true);
    ui.keys("2");
    let check = |ui: &Ui, step: &str| {
        let l = &ui.session.app.lists[1];
        let want: Vec<uuid::Uuid> = interdict::store::records::list::<interdict::domain::Parcel>(
            ui.session.store().conn(),
            ui.session.app.page,
            l.offset,
        )
        .unwrap()
        .iter()
        .map(|p| p.meta.id)
        .collect();
        let got: Vec<uuid::Uuid> = l.rows.iter().map(|r| r.id).collect();
        assert_eq!(got, want, "after {step}");
        assert_eq!(
            ui.session.app.current.as_ref().unwrap().id,
            l.rows[l.cursor - l.offset].id,
            "after {step}"
        );
    };
    let steps = [
        "pagedown", "pagedown", "j", "pagedown", "ctrl-d", "ctrl-d", "k", "ctrl-u", "pageup",
        "pageup", "shift-g", "k", "pageup", "ctrl-u", "g g", "j", "pagedown", "pagedown",
        "pagedown", "pageup", "k", "k",
    ];
    for step in steps {
        ui.keys(step);
        check(&ui, step);
    }
    for _ in 0..40 {
        ui.keys("j");
        check(&ui, "j");
    }
    for _ in 0..70 {
        ui.keys("k");
        check(&ui, "k");
    }
}

#[test]
fn a_new_keystroke_supersedes_the_search_in_flight() {
    let mut ui = Ui::new(2000, 100, 30, true);
    ui.keys("2 /");
    ui.burst("almaty abaya");
    assert!(
        ui.session.runner.searcher.is_some(),
        "filtering runs on the worker"
    );
    ui.session.settle();
    let hits = &ui.session.app.lists[1].hits;
    assert!(!hits.is_empty());
    // Every row shown answers the last query, not an earlier prefix.
    let conn = ui.session.store().conn();
    let want: Vec<uuid::Uuid> =
        interdict::store::search::search(conn, "almaty abaya", Some(ItemKind::Parcel), 1000)
            .unwrap()
            .iter()
            .map(|h| h.id)
            .collect();
    let got: Vec<uuid::Uuid> = hits.iter().map(|r| r.id).collect();
    assert_eq!(got, want);
    // Clearing the filter while a search runs leaves the full list.
    ui.burst("x");
    ui.keys("esc");
    ui.session.settle();
    assert!(ui.session.app.lists[1].filter.is_none());
    assert_eq!(ui.session.app.lists[1].rows.len(), ui.session.app.page);
}

/// The worker sends the rows the screen shows ahead of the rest (each
/// row sent is read from the notebook, and the best few dozen of many
/// are found long before the best 1000): as many as the list shows at
/// the terminal's height, then all of them.
#[test]
fn a_filter_shows_its_first_screenful_then_the_rest() {
    let mut ui = Ui::new(2000, 100, 30, true);
    let want: Vec<uuid::Uuid> = interdict::store::search::search(
        ui.session.store().conn(),
        "a",
        Some(ItemKind::Parcel),
        1000,
    )
    .unwrap()
    .iter()
    .map(|h| h.id)
    .collect();
    ui.keys("2");
    for height in [30, 50] {
        ui.h = height;
        ui.session.resize(ui.w, height);
        ui.keys("/");
        ui.session.handle_event(Event::Key(KeyEvent::new(
            KeyCode::Char('a'),
            KeyModifiers::NONE,
        )));
        ui.session.settle_shown();
        let page = ui.session.app.page;
        assert_eq!(page, usize::from(height) - 5);
        let first: Vec<uuid::Uuid> = ui.session.app.lists[1].hits.iter().map(|r| r.id).collect();
        assert_eq!(first[..], want[..page], "at {height} lines");
        assert!(ui.text().contains("searching…"), "{}", ui.text());
        ui.session.settle();
        assert!(want.len() > page);
        let got: Vec<uuid::Uuid> = ui.session.app.lists[1].hits.iter().map(|r| r.id).collect();
        assert_eq!(got, want);
        assert!(!ui.text().contains("searching…"));
        ui.keys("esc");
    }
}

/// Until the search answers (a million parcels' texts may take seconds
/// to load), the pane says it is searching, not that nothing matches.
#[test]
fn a_filter_says_nothing_matches_only_once_the_search_has_answered() {
    let mut ui = Ui::new(200, 100, 30, true);
    ui.keys("2 /");
    for c in "zqxjv".chars() {
        ui.session.handle_event(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
    let text = ui.text();
    assert!(ui.session.app.lists[1].hits.is_empty(), "{text}");
    assert!(text.contains("searching…"), "{text}");
    assert!(!text.contains("nothing matches"), "{text}");
    ui.session.settle();
    let text = ui.text();
    assert!(text.contains("nothing matches"), "{text}");
    assert!(!text.contains("searching…"), "{text}");
}

#[test]
fn findings_links_and_notes_are_edited_where_they_show() {
    let mut ui = Ui::new(300, 100, 30, true);
    // A finding: pick the substance, fill the form; a quantity needs a unit.
    ui.keys("2 f").typed("carfentanil").keys("enter");
    assert!(ui.text().contains("Carfentanil found in"), "{}", ui.text());
    ui.keys("tab").typed("2.5").keys("ctrl-s");
    assert!(
        ui.text().contains("a quantity needs a unit"),
        "{}",
        ui.text()
    );
    // The failed save put the cursor on the unit.
    ui.typed("g").keys("ctrl-s");
    assert!(matches!(ui.session.app.modal, Modal::None), "{}", ui.text());
    let finding = ui
        .session
        .app
        .links
        .iter()
        .find(|l| l.group == "Findings" && l.label == "Carfentanil")
        .cloned()
        .unwrap();
    assert_eq!(finding.label, "Carfentanil");
    assert_eq!(finding.reason, "2.5 g powder (presumptive)");
    // Edit it from the Links pane: lab-confirmed now.
    ui.keys("4");
    let at = ui
        .session
        .app
        .links
        .iter()
        .position(|l| l.group == "Findings" && l.label == "Carfentanil")
        .unwrap();
    for _ in 0..at {
        ui.keys("j");
    }
    ui.keys("e");
    assert!(ui.text().contains("Edit finding"));
    ui.keys("tab tab tab");
    for _ in 0..20 {
        ui.keys("backspace");
    }
    ui.typed("lab-confirmed").keys("ctrl-s");
    // Lab-confirmed only through a laboratory result: the form says so on
    // the field and saves nothing.
    assert!(ui.text().contains("Edit finding"), "{}", ui.text());
    assert!(
        ui.text()
            .contains("becomes lab-confirmed through a laboratory"),
        "{}",
        ui.text()
    );
    ui.keys("esc esc");
    let finding = ui
        .session
        .app
        .links
        .iter()
        .find(|l| l.group == "Findings" && l.label == "Carfentanil")
        .cloned()
        .unwrap();
    assert_eq!(finding.reason, "2.5 g powder (presumptive)");
    // A note, then deleting it from the Links pane leaves the parcel.
    ui.keys("n").typed("seen at the depot").keys("enter");
    let parcel = ui.session.app.current.clone().unwrap();
    let at = ui
        .session
        .app
        .links
        .iter()
        .position(|l| l.group == "Notes")
        .unwrap();
    ui.keys("g g");
    for _ in 0..at {
        ui.keys("j");
    }
    ui.keys("x");
    assert!(ui.text().contains("Delete this note"), "{}", ui.text());
    ui.keys("y");
    assert!(ui.session.app.links.iter().all(|l| l.group != "Notes"));
    assert_eq!(ui.session.app.current.as_ref().unwrap().id, parcel.id);
    assert!(
        interdict::store::records::get::<interdict::domain::Parcel>(
            ui.session.store().conn(),
            parcel.id
        )
        .unwrap()
        .is_some()
    );
}

#[test]
fn path_view_neighbourhood_and_suggested_matches() {
    let mut ui = Ui::new(300, 100, 30, true);
    // From the first case, a path to one of its parcels' substances.
    ui.keys("4");
    let parcel = ui
        .session
        .app
        .links
        .iter()
        .find(|l| l.group == "Includes")
        .cloned()
        .unwrap();
    ui.keys("enter");
    let substance = ui
        .session
        .app
        .links
        .iter()
        .find(|l| l.group == "Findings")
        .map(|l| l.label.clone());
    ui.keys("1 p").typed(&parcel.label).keys("enter");
    match &ui.session.app.modal {
        Modal::Report { title, lines, .. } => {
            assert!(title.starts_with("Path C-0001"), "{title}");
            assert_eq!(lines.len(), 2, "{lines:?}");
            assert!(lines[1].0.contains("includes ─> parcel"), "{:?}", lines[1]);
        }
        _ => panic!("no path view: {}", ui.text()),
    }
    // Enter on a line follows it.
    ui.keys("j enter");
    assert_eq!(ui.session.app.current.as_ref().unwrap().id, parcel.id);
    // The neighbourhood of the parcel: its case and finding at least.
    ui.keys("w");
    let text = ui.text();
    assert!(
        text.contains("├─ case C-0001 Operation Steppe ── includes (from)"),
        "{text}"
    );
    // Children branch like a tree: the last of each is the only corner.
    assert!(
        text.contains("│   ├─ ") && text.contains("│   └─ "),
        "{text}"
    );
    // Nothing of the panes shows at the sides of the drawing.
    assert!(
        text.lines().next().unwrap().starts_with("\"┌ Around"),
        "{text}"
    );
    if let Some(s) = substance {
        assert!(text.contains(&s), "{text}");
    }
    snap!("neighbourhood", ui);
    ui.keys("esc");
    // Suggested name matches around the parcel: confirm one, reject one.
    ui.keys("m");
    let before = match &ui.session.app.modal {
        Modal::Matches { list, .. } => list.len(),
        _ => panic!("no suggestions: {}", ui.text()),
    };
    assert!(before >= 2, "{before}");
    assert!(ui.text().contains("names sound alike"));
    // Each pair says which items it joins, so two pairs of the same names
    // can be told apart.
    let Modal::Matches { list, .. } = &ui.session.app.modal else {
        unreachable!()
    };
    let first = &list[0];
    assert!(
        ui.text()
            .contains(&format!("{} {} (", first.a.kind, first.a_label)),
        "{}",
        ui.text()
    );
    ui.keys("y");
    ui.keys("r");
    let after = match &ui.session.app.modal {
        Modal::Matches { list, .. } => list.len(),
        _ => 0,
    };
    assert_eq!(after, before - 2);
    ui.keys("esc");
    assert!(
        ui.session
            .app
            .links
            .iter()
            .any(|l| l.reason.starts_with("same-as")),
        "confirmed match is a link"
    );
    // Decisions are remembered: the same pairs are not suggested again.
    let again =
        interdict::xref::fuzzy::suggestions(ui.session.store().conn(), Some(parcel.id), 100)
            .unwrap();
    assert_eq!(again.len(), after);
}

#[test]
fn what_another_process_writes_appears_without_a_key() {
    let mut ui = Ui::new(300, 100, 30, true);
    ui.keys("2 j j j j j");
    let before = ui.session.app.current.clone().unwrap();
    let cursor_row = ui.session.app.lists[1].cursor - ui.session.app.lists[1].offset;
    // Another writer on the same file: a new parcel, and an edit of the
    // parcel under the cursor.
    let mut other = Store::open(ui.session.store().path(), OpenOptions::new("colleague")).unwrap();
    other
        .write(|w| {
            let (mut p, _) = interdict::domain::record::new_record::<interdict::domain::Parcel>(
                &[("tracking", "EE473124829CN")],
            )?;
            interdict::store::create::parcel(w, &mut p)?;
            let mut mine: interdict::domain::Parcel =
                interdict::store::records::must_get(&w.tx, before.id)?;
            interdict::domain::record::set_fields(&mut mine, &[("concealment", "false bottom")])?;
            interdict::store::records::update(w, &mut mine)?;
            Ok(())
        })
        .unwrap();
    ui.session.runner.refresh_every = std::time::Duration::ZERO;
    assert!(ui.session.tick(), "the change is noticed");
    assert_eq!(ui.session.app.lists[1].total, 301);
    assert_eq!(
        ui.session.app.current.as_ref().unwrap().id,
        before.id,
        "the cursor stays on the same item"
    );
    assert_eq!(
        ui.session.app.lists[1].cursor - ui.session.app.lists[1].offset,
        cursor_row
    );
    assert!(
        ui.session
            .app
            .detail
            .iter()
            .any(|(_, v)| v == "false bottom")
    );
    assert!(!ui.session.tick(), "nothing new, nothing redrawn");
}

#[test]
fn history_shows_who_changed_what() {
    let mut ui = Ui::new(300, 100, 30, true);
    ui.keys("e");
    for _ in 0..40 {
        ui.keys("backspace");
    }
    ui.typed("Op Lantern").keys("ctrl-s h");
    match &ui.session.app.modal {
        Modal::Report { title, lines, .. } => {
            assert!(title.starts_with("History of case C-0001"), "{title}");
            assert_eq!(lines.len(), 2);
            assert!(lines[0].0.contains("tester  create"), "{:?}", lines[0]);
            assert!(
                lines[1]
                    .0
                    .contains("tester  update: title: \"Operation Steppe\" -> \"Op Lantern\""),
                "{:?}",
                lines[1]
            );
        }
        _ => panic!("no history: {}", ui.text()),
    }
}

#[test]
fn merge_conflicts_are_shown_side_by_side_and_settled_by_key() {
    use interdict::exchange::{export, merge, received, signing};
    let dir = tempfile::tempdir().unwrap();
    let open = |name: &str| {
        let mut opts = OpenOptions::new("tester");
        opts.clock = Some("2026-01-02T03:04:05.000Z".into());
        Store::open(&dir.path().join(name), opts).unwrap()
    };
    let key = signing::load_or_create(&dir.path().join("signing.key")).unwrap();
    let mut a = open("a.db");
    demo::generate(&mut a, 40, 3, |_, _| {}).unwrap();
    let case = interdict::store::refs::resolve(a.conn(), "C-0001")
        .unwrap()
        .id;
    let export_to = |s: &Store, name: &str| {
        let out = dir.path().join(name);
        let opts = export::ExportOptions {
            cases: vec![case],
            all: false,
            include_red: vec![],
            redact_sources: false,
            key: &key,
            encrypt_to: vec![],
            amber_strict: false,
        };
        export::export(s, &out, &opts, &mut |_, _, _| {}).unwrap();
        received::open(&out, None).unwrap()
    };
    let mut b = open("b.db");
    merge::merge(&mut b, &export_to(&a, "1.db"), false, &mut |_, _| {}).unwrap();
    let edit = |s: &mut Store, field: &str, value: &str| {
        s.write(|w| {
            let mut c: interdict::domain::Case = interdict::store::records::must_get(&w.tx, case)?;
            interdict::domain::record::set_fields(&mut c, &[(field, value)])?;
            interdict::store::records::update(w, &mut c).map(|_| ())
        })
        .unwrap();
    };
    edit(&mut a, "title", "Steppe, as A has it");
    edit(&mut b, "title", "Steppe, as B has it");
    let r = merge::merge(&mut b, &export_to(&a, "2.db"), false, &mut |_, _| {}).unwrap();
    assert_eq!(r.conflicts, 1);

    let mut ui = Ui {
        session: interdict::tui::build(b, 100, 30),
        _dir: dir,
        w: 100,
        h: 30,
    };
    assert!(
        ui.text()
            .contains("1 merge conflict waits for a choice: press Shift-c"),
        "{}",
        ui.text()
    );
    ui.keys("shift-c");
    assert!(matches!(ui.session.app.modal, Modal::Conflicts { .. }));
    insta::with_settings!({filters => vec![(r"SHA256:[A-Za-z0-9+/]+", "[key]")]}, {
        insta::assert_snapshot!("merge_conflicts", ui.render().backend());
    });
    ui.keys("t");
    assert!(matches!(ui.session.app.modal, Modal::None));
    assert!(
        ui.text().contains("took the incoming version"),
        "{}",
        ui.text()
    );
    // The list's row shows the version taken too (it kept the one it
    // showed before).
    assert!(!ui.text().contains("as B"), "{}", ui.text());
    let title: String = ui
        .session
        .store()
        .conn()
        .query_row("SELECT title FROM cases WHERE ref = 'C-0001'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(title, "Steppe, as A has it");
    ui.keys("shift-c");
    assert!(
        ui.text().contains("no merge conflicts wait"),
        "{}",
        ui.text()
    );
    // The case's history: what was done to it here, and in the notebook
    // it came from, said as such.
    ui.keys("esc h");
    match &ui.session.app.modal {
        Modal::Report { title, lines, .. } => {
            assert!(title.starts_with("History of case C-0001"), "{title}");
            let theirs = |l: &&(String, _)| l.0.contains(" (in tester's notebook): ");
            assert!(
                lines
                    .iter()
                    .filter(theirs)
                    .any(|l| l.0.contains("Steppe, as A has it")),
                "{lines:?}"
            );
            assert!(
                lines
                    .iter()
                    .any(|l| !theirs(&l) && l.0.contains("Steppe, as B has it")),
                "{lines:?}"
            );
        }
        _ => panic!("no history: {}", ui.text()),
    }
}

/// The parcels' texts load ahead of the first filter, but only from the
/// first tick after the first frame: loading a million of them must not
/// slow that frame.
#[test]
fn parcels_texts_load_from_the_first_tick() {
    let mut ui = Ui::new(300, 100, 30, true);
    let _ = ui.render();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let warmed = |ui: &Ui| ui.session.runner.searcher.as_ref().unwrap().warmed();
    assert_eq!(warmed(&ui), 0, "loaded before the first tick");
    ui.session.tick();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while warmed(&ui) == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(warmed(&ui), 1, "not loaded after the first tick");
}

/// No cell of the frame has a colour of its own (what NO_COLOR asks).
fn assert_no_colour(ui: &Ui) {
    let t = ui.render();
    let buf = t.backend().buffer();
    for y in 0..ui.h {
        for x in 0..ui.w {
            assert_eq!(buf[(x, y)].fg, Color::Reset, "cell {x},{y}");
            assert_eq!(buf[(x, y)].bg, Color::Reset, "cell {x},{y}");
        }
    }
}

fn parcels_where(ui: &Ui, sql: &str) -> usize {
    let n: i64 = ui
        .session
        .store()
        .conn()
        .query_row(
            &format!("SELECT count(*) FROM parcels WHERE {sql}"),
            [],
            |r| r.get(0),
        )
        .unwrap();
    n as usize
}

/// In a terminal narrower than 80 columns a frequency sheet's values give
/// up room and its bars are drawn to scale in what is left: a smaller
/// count draws a shorter bar, never a bar cut to the same length.
#[test]
fn a_frequency_sheet_keeps_its_bars_to_scale_in_a_narrow_terminal() {
    for w in [60u16, 70, 50] {
        let mut ui = Ui::new(600, w, 20, false);
        ui.keys("2 shift-f j j enter");
        let Modal::Stats(v) = &ui.session.app.modal else {
            panic!("no sheet")
        };
        let rows = v.freq.as_ref().unwrap().rows.clone();
        assert!(rows.len() >= 3, "{rows:?}");
        let text = ui.text();
        // Each value's line: its bar's length in eighths of a cell.
        let eighths = |value: &str| -> usize {
            let line = text
                .lines()
                .find(|l| l.contains(&format!("{value} ")))
                .unwrap_or_else(|| panic!("{value} at {w}:\n{text}"));
            assert!(!line.contains('…'), "a cut line at {w}: {line}");
            line.chars()
                .map(|c| match c {
                    '█' => 8,
                    '▏' => 1,
                    '▎' => 2,
                    '▍' => 3,
                    '▌' => 4,
                    '▋' => 5,
                    '▊' => 6,
                    '▉' => 7,
                    _ => 0,
                })
                .sum()
        };
        let (top, third) = (&rows[0], &rows[2]);
        let name = |r: &interdict::analysis::freq::FreqRow| r.value.clone().unwrap();
        let (a, c) = (eighths(&name(top)), eighths(&name(third)));
        assert!(a > 0 && c > 0, "at {w}:\n{text}");
        if third.count < top.count {
            assert!(
                c < a,
                "{} of {} drew {c} eighths, {} of {} drew {a}, at {w}:\n{text}",
                third.count,
                name(third),
                top.count,
                name(top)
            );
        }
        // To scale: within an eighth of a cell of the count's share.
        let want = (third.count as f64 / top.count as f64) * a as f64;
        assert!((c as f64 - want).abs() <= 1.0, "{c} against {want} at {w}");
    }
}

#[test]
fn a_frequency_sheet_counts_a_column_and_filters_the_pane_to_a_value() {
    let mut ui = Ui::new(600, 80, 24, true);
    ui.keys("2 shift-f");
    assert!(ui.text().contains("Count which field?"), "{}", ui.text());
    // The third field of a parcel is its carrier.
    ui.keys("j j enter");
    snap!("freq_carrier_80x24", ui);
    let Modal::Stats(v) = &ui.session.app.modal else {
        panic!("no sheet")
    };
    let first = v.freq.as_ref().unwrap().rows[0].clone();
    let carrier = first.value.clone().unwrap();
    assert_eq!(
        first.count as usize,
        parcels_where(&ui, &format!("carrier = '{carrier}'"))
    );
    // Enter on the value lists only its parcels, counted in the title.
    ui.keys("enter");
    assert!(matches!(ui.session.app.modal, Modal::None));
    assert_eq!(ui.session.app.lists[1].len(), first.count as usize);
    let text = ui.text();
    assert!(
        text.contains(&format!("Parcels 1/{} · carrier = {carrier}", first.count)),
        "{text}"
    );
    // A second sheet counts within the first value: two keystrokes from
    // "China Post parcels" to "their statuses".
    ui.keys("shift-f");
    let Modal::Stats(v) = &mut ui.session.app.modal else {
        panic!()
    };
    let status = v.columns.iter().position(|d| d.name == "status").unwrap();
    v.cursor = status;
    ui.keys("enter");
    let Modal::Stats(v) = &ui.session.app.modal else {
        panic!()
    };
    let f = v.freq.as_ref().unwrap();
    assert_eq!(f.total, first.count);
    let seized = f.rows.iter().find(|r| r.value.as_deref() == Some("seized"));
    assert_eq!(
        seized.map_or(0, |r| r.count as usize),
        parcels_where(&ui, &format!("carrier = '{carrier}' AND status = 'seized'"))
    );
    // s sorts by value; esc goes back to the fields, esc again closes.
    ui.keys("s");
    let Modal::Stats(v) = &ui.session.app.modal else {
        panic!()
    };
    let values: Vec<_> = v
        .freq
        .as_ref()
        .unwrap()
        .rows
        .iter()
        .map(|r| r.value.clone())
        .collect();
    assert!(values.windows(2).all(|w| w[0] <= w[1]), "{values:?}");
    ui.keys("esc esc");
    assert!(matches!(ui.session.app.modal, Modal::None));
    // Esc in the pane shows every parcel again.
    ui.keys("esc");
    assert_eq!(ui.session.app.lists[1].len(), 600);
}

#[test]
fn trends_at_80x24_with_and_without_colour() {
    let mut ui = Ui::new(1500, 80, 24, true);
    ui.keys("2 shift-t");
    snap!("trend_80x24", ui);
    let Modal::Stats(v) = &ui.session.app.modal else {
        panic!("no trend")
    };
    assert!(v.chart.is_some() && !v.lines.is_empty());
    // Enter on a series filters the parcels to it.
    ui.keys("enter");
    assert!(matches!(ui.session.app.modal, Modal::None));
    let title = ui.text();
    assert!(title.contains("· substance = "), "{title}");
    let mut ui = Ui::new(1500, 80, 24, false);
    ui.keys("2 shift-t w");
    snap!("trend_weekly_80x24_no_color", ui);
    assert_no_colour(&ui);
    // b splits by another field, p takes a longer period.
    ui.keys("b p");
    let Modal::Stats(v) = &ui.session.app.modal else {
        panic!()
    };
    assert!(v.header.starts_with("GROUP"), "{}", v.header);
    // Two years, against the two before them, both windows said.
    let windows: Vec<(i32, i32)> = v
        .title
        .split(' ')
        .filter_map(|w| w.split_once(".."))
        .map(|(a, b)| (a[..4].parse().unwrap(), b[..4].parse().unwrap()))
        .collect();
    assert!(
        windows.len() == 2 && windows.iter().all(|(a, b)| b - a == 2),
        "{}",
        v.title
    );
}

#[test]
fn routes_emerging_and_the_case_timeline_at_80x24() {
    let mut ui = Ui::new(4000, 80, 24, false);
    ui.keys("2 shift-r");
    snap!("routes_80x24_no_color", ui);
    assert_no_colour(&ui);
    ui.keys("esc shift-e p p");
    snap!("emerging_80x24_no_color", ui);
    let Modal::Stats(v) = &ui.session.app.modal else {
        panic!()
    };
    assert!(
        v.lines.iter().any(|(l, _)| l.contains("Protonitazepyne")),
        "{:?}",
        v.lines
    );
    ui.keys("esc");
    // The first case's timeline, from the Cases pane; Enter opens the
    // event's item.
    ui.keys("1 t");
    snap!("timeline_80x24_no_color", ui);
    let Modal::Stats(v) = &ui.session.app.modal else {
        panic!()
    };
    let seized = v
        .lines
        .iter()
        .position(|(l, _)| l.contains(" seized "))
        .unwrap();
    ui.session.app.modal = {
        let Modal::Stats(mut v) = std::mem::replace(&mut ui.session.app.modal, Modal::None) else {
            unreachable!()
        };
        v.cursor = seized;
        Modal::Stats(v)
    };
    ui.keys("enter");
    assert_eq!(ui.session.app.pane, Pane::Parcels);
    assert_eq!(
        ui.session.app.current.as_ref().unwrap().kind,
        ItemKind::Parcel
    );
    // Back on the case, R counts its parcels' routes only.
    ui.keys("1 shift-r");
    let Modal::Stats(v) = &ui.session.app.modal else {
        panic!()
    };
    assert!(v.title.contains("parcels of C-"), "{}", v.title);
    ui.keys("c");
    let Modal::Stats(v) = &ui.session.app.modal else {
        panic!()
    };
    assert!(v.title.contains("all parcels"), "{}", v.title);
}

/// Enter on a line of a case's routes leads to that case's parcels on
/// that route, as many as the line counts (it led to the whole
/// notebook's).
#[test]
fn a_cases_routes_lead_to_the_cases_parcels() {
    let mut ui = Ui::new(1500, 80, 24, false);
    ui.keys("1 shift-r");
    let Modal::Stats(v) = &ui.session.app.modal else {
        panic!("{}", ui.text())
    };
    assert!(v.title.contains("parcels of C-"), "{}", v.title);
    let case = ui.session.app.current.clone().unwrap();
    assert_eq!(case.kind, ItemKind::Case);
    let Some((_, Some(interdict::tui::stats::Lead::Facet(f)))) = v.lines.first() else {
        panic!("{:?}", v.lines)
    };
    let origin = f.value.clone().expect("an origin");
    ui.keys("enter");
    ui.session.settle();
    assert_eq!(ui.session.app.pane, Pane::Parcels, "{}", ui.text());
    let l = &ui.session.app.lists[Pane::Parcels.index()];
    let shown = l
        .subset
        .as_ref()
        .expect("a list of chosen values")
        .numbers
        .len();
    let in_case: i64 = ui
        .session
        .store()
        .conn()
        .query_row(
            "SELECT count(*) FROM parcels p WHERE p.origin = ?2 \
             AND p.id IN (SELECT to_id FROM links WHERE from_id = ?1 AND link_type = 'includes')",
            (case.id, &origin),
            |r| r.get(0),
        )
        .unwrap();
    assert!(in_case > 0);
    assert_eq!(shown as i64, in_case, "{}", ui.text());
}

#[test]
fn a_newer_count_supersedes_the_one_in_flight() {
    let mut ui = Ui::new(1500, 80, 24, true);
    // Keys as fast as they come: none waits for a count.
    for (c, m) in [('2', KeyModifiers::NONE), ('T', KeyModifiers::SHIFT)] {
        ui.session
            .handle_event(Event::Key(KeyEvent::new(KeyCode::Char(c), m)));
    }
    for _ in 0..5 {
        ui.session.handle_event(Event::Key(KeyEvent::new(
            KeyCode::Char('b'),
            KeyModifiers::NONE,
        )));
    }
    ui.session.settle();
    let Modal::Stats(v) = &ui.session.app.modal else {
        panic!()
    };
    // Five presses of b from "substance": the sixth split is shown.
    assert!(v.header.starts_with("CARRIER"), "{}", v.header);
    assert!(!v.busy);
}

#[test]
fn every_view_reads_the_same_with_and_without_colour() {
    for keys in [
        "2 shift-f j j enter",
        "2 shift-t",
        "2 shift-r",
        "2 shift-e p p",
        "1 t",
    ] {
        let mut coloured = Ui::new(1500, 80, 24, true);
        let mut plain = Ui::new(1500, 80, 24, false);
        coloured.keys(keys);
        plain.keys(keys);
        assert!(matches!(plain.session.app.modal, Modal::Stats(_)), "{keys}");
        assert_eq!(coloured.text(), plain.text(), "{keys}");
        assert_no_colour(&plain);
        let t = coloured.render();
        let buf = t.backend().buffer();
        let styled = (0..24)
            .flat_map(|y| (0..80).map(move |x| (x, y)))
            .any(|(x, y)| buf[(x, y)].fg != Color::Reset);
        assert!(styled, "{keys}: colour is used where allowed");
    }
}

#[test]
fn a_read_only_notebook_offers_nothing_that_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ro.db");
    {
        let mut s = Store::open(&path, OpenOptions::new("tester")).unwrap();
        demo::generate(&mut s, 200, 3, |_, _| {}).unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let mut opts = OpenOptions::new("tester");
    opts.read_only = true;
    let store = Store::open(&path, opts).unwrap();
    let session = Session::new(
        store,
        Keymap::defaults(),
        Theme::new(false),
        view::page_rows(24),
    );
    let mut ui = Ui {
        _dir: dir,
        session,
        w: 80,
        h: 24,
    };
    // Every key that would write is unbound: no prompt or form opens, and
    // nothing typed is lost to a refusal after the fact.
    ui.keys("2 n");
    assert!(
        matches!(ui.session.app.modal, Modal::None),
        "a note prompt opened"
    );
    for k in ["a", "e", "x", "l", "f", "shift-c"] {
        ui.keys(k);
        assert!(
            !matches!(
                ui.session.app.modal,
                Modal::Form(_) | Modal::Note(_) | Modal::Confirm { .. } | Modal::Picker(_)
            ),
            "{k} opened a writing modal"
        );
        ui.session.app.modal = Modal::None;
    }
    let footer = ui.text();
    for word in ["note", "new", "edit", "link", "delete"] {
        assert!(
            !footer.contains(&format!(" {word} ")),
            "{word} offered:\n{footer}"
        );
    }
    ui.keys("?");
    let help = ui.text();
    assert!(!help.contains("add a note"), "{help}");
    // Help is drawn from the keymap in force, which binds no writing.
    assert!(
        ui.session
            .app
            .keymap
            .bindings
            .iter()
            .all(|b| !b.action.writes())
    );
    assert!(
        !ui.session
            .app
            .keymap
            .keys_for(Layer::List, Action::Filter)
            .is_empty()
    );
    assert!(std::fs::read(&path).unwrap() == before, "the file changed");
    assert!(
        !path.with_extension("db-wal").exists()
            || std::fs::metadata(path.with_extension("db-wal"))
                .unwrap()
                .len()
                == 0
    );
}

#[test]
fn a_parcel_linked_to_a_case_by_includes_is_included_by_the_case() {
    let mut ui = Ui::new(300, 100, 30, true);
    let case = ui.session.app.current.clone().unwrap();
    assert_eq!(case.kind, ItemKind::Case);
    // From a parcel, link to the case with "includes" (the first type).
    ui.keys("2 j");
    let parcel = ui.session.app.current.clone().unwrap();
    ui.keys("l").typed(&case.label);
    ui.keys("enter enter");
    let text = ui.text();
    assert!(
        text.contains(&format!(
            "linked: case {} includes parcel {}",
            case.label, parcel.label
        )),
        "{text}"
    );
    let n: i64 = ui
        .session
        .store()
        .conn()
        .query_row(
            "SELECT count(*) FROM links WHERE from_id = ?1 AND to_id = ?2 AND link_type = 'includes'",
            [case.id, parcel.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1, "the case includes the parcel");
    // The path picker says what it is for.
    ui.keys("p");
    assert!(
        ui.text().contains(&format!("Path from {}", parcel.label)),
        "{}",
        ui.text()
    );
}

#[test]
fn an_item_sharing_several_values_is_listed_once_with_its_reasons_strongest_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(&dir);
    let parcel = |t: &str| {
        interdict::domain::record::new_record::<interdict::domain::Parcel>(&[
            ("tracking", t),
            ("origin", "CN"),
            ("destination", "KZ"),
            ("sender_name", "Wei Zhang"),
            ("recipient_name", "Arman Petrov"),
            ("recipient_address", "Almaty, Abai 10, apt 5"),
            ("recipient_phone", "+7 701 555 0142"),
        ])
        .unwrap()
        .0
    };
    let mut a = parcel("RR123456785CN");
    let mut b = parcel("RR000000005CN");
    s.write(|w| {
        interdict::store::create::parcel(w, &mut a)?;
        interdict::store::create::parcel(w, &mut b)
    })
    .unwrap();
    let session = Session::new(s, Keymap::defaults(), Theme::new(true), view::page_rows(30));
    let mut ui = Ui {
        _dir: dir,
        session,
        w: 100,
        h: 30,
    };
    ui.keys("2");
    let rows: Vec<_> = ui
        .session
        .app
        .links
        .iter()
        .filter(|l| l.group == "Shares values")
        .collect();
    assert_eq!(rows.len(), 1, "{:?}", ui.session.app.links);
    let r = &rows[0].reason;
    assert!(
        r.starts_with("4 shared: recipient phone +77015550142, recipient address"),
        "{r}"
    );
    assert!(r.contains("name"), "{r}");
}

#[test]
fn a_case_lists_what_its_parcels_hold_and_takes_a_new_parcel_from_its_links() {
    let mut ui = Ui::new(300, 100, 30, true);
    let case = ui.session.app.current.clone().unwrap();
    ui.keys("enter");
    let groups: Vec<&str> = ui
        .session
        .app
        .links
        .iter()
        .map(|l| l.group.as_str())
        .collect();
    for g in ["Includes", "Found in its parcels", "People", "Notes"] {
        assert!(groups.contains(&g), "{g} in {groups:?}");
    }
    // Groups are together: each appears in one run.
    let mut runs = groups.clone();
    runs.dedup();
    let mut distinct = runs.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(runs.len(), distinct.len(), "{runs:?}");
    let found = ui
        .session
        .app
        .links
        .iter()
        .find(|l| l.group == "Found in its parcels")
        .unwrap();
    assert_eq!(found.kind, ItemKind::Substance);
    // a: a new parcel in this case, its case field filled in.
    ui.keys("a");
    let Modal::Form(f) = &ui.session.app.modal else {
        panic!("no form")
    };
    assert_eq!(f.kind, ItemKind::Parcel);
    let reference = case.label.split_whitespace().next().unwrap().to_string();
    assert_eq!(f.fields.last().unwrap().value, reference);
    ui.typed("RR123456785CN").keys("ctrl-s");
    assert!(matches!(ui.session.app.modal, Modal::None), "{}", ui.text());
    let n: i64 = ui
        .session
        .store()
        .conn()
        .query_row(
            "SELECT count(*) FROM links l JOIN parcels p ON p.id = l.to_id \
             WHERE l.from_id = ?1 AND l.link_type = 'includes' AND p.tracking = 'RR123456785CN'",
            [case.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1, "the new parcel is in the case");
    // A case that does not exist is said on its field, and nothing is saved.
    ui.keys("2 a").typed("RR000000005CN");
    let Modal::Form(f) = &mut ui.session.app.modal else {
        panic!()
    };
    f.fields.last_mut().unwrap().value = "C-9999".into();
    ui.keys("ctrl-s");
    let Modal::Form(f) = &ui.session.app.modal else {
        panic!("saved anyway")
    };
    assert!(
        f.fields.last().unwrap().error.is_some(),
        "{:?}",
        f.fields.last()
    );
    let n: i64 = ui
        .session
        .store()
        .conn()
        .query_row(
            "SELECT count(*) FROM parcels WHERE tracking = 'RR000000005CN'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn fields_prompts_and_filters_edit_like_a_shell_line() {
    let mut ui = Ui::new(50, 100, 30, true);
    ui.keys("2 a");
    ui.typed("RR12345678KZ").keys("left left").typed("5");
    ui.keys("tab").typed("Post").keys("home").typed("Kaz");
    ui.keys("end alt-b ctrl-k").typed("post");
    let Modal::Form(f) = &ui.session.app.modal else {
        panic!()
    };
    assert_eq!(f.fields[0].value, "RR123456785KZ");
    let carrier = f.fields.iter().find(|x| x.spec.name == "carrier").unwrap();
    assert_eq!(carrier.value, "post");
    ui.keys("ctrl-a").typed("Kaz").keys("f2");
    assert!(matches!(ui.session.app.modal, Modal::None), "{}", ui.text());
    assert!(ui.text().contains("created parcel RR123456785KZ"));
    // A long paste into a filter is taken at once, up to a query's cap,
    // and the status line says it was cut.
    ui.keys("/");
    let long = "almaty ".repeat(2000);
    ui.session.handle_event(Event::Paste(long));
    ui.session.settle();
    let q = ui.session.app.lists[1].filter.clone().unwrap();
    assert_eq!(q.chars().count(), interdict::tui::text::QUERY_MAX_CHARS);
    assert!(
        ui.text().contains("pasted text cut at 256 characters"),
        "{}",
        ui.text()
    );
    ui.keys("ctrl-u");
    assert_eq!(ui.session.app.lists[1].filter.as_deref(), Some(""));
    // The note prompt too: a word taken back with Ctrl-w.
    ui.keys("esc esc n")
        .typed("Seen twice wrongly")
        .keys("ctrl-w")
        .typed("at Khorgos");
    let Modal::Note(p) = &ui.session.app.modal else {
        panic!()
    };
    assert_eq!(p.text, "Seen twice at Khorgos");
}

/// A grading the note prompt refuses brings the caret back to the end of
/// the grading, where a person fixes its last letter (it stood before its
/// first: Backspace did nothing, and `B` made `B2Z`).
#[test]
fn a_refused_grading_is_fixed_at_its_end() {
    let mut ui = Ui::new(50, 100, 30, false);
    ui.keys("2 n")
        .typed("Seen at Khorgos")
        .keys("tab")
        .typed("2Z");
    ui.keys("tab space enter");
    let Modal::Note(p) = &ui.session.app.modal else {
        panic!("{}", ui.text())
    };
    assert!(p.error.is_some(), "{}", ui.text());
    ui.keys("backspace").typed("B");
    let Modal::Note(p) = &ui.session.app.modal else {
        panic!("{}", ui.text())
    };
    assert_eq!(p.grade, "2B");
}

/// Each text takes what its field holds: a note its 20,000 characters of
/// free text, a one-line field its 1,000; a paste beyond is cut and the
/// status line says so; a paste of megabytes costs no more, and Esc
/// answers on the next key.
#[test]
fn a_paste_fills_its_field_up_to_the_fields_own_cap() {
    let mut ui = Ui::new(50, 100, 30, false);
    let cap = interdict::domain::fields::MAX_LONG_TEXT;
    // A note of 12,000 characters (over the old 4,096) is taken whole.
    ui.keys("2 n");
    let note = "Seen at Khorgos. ".repeat(12_000 / 17);
    ui.session.handle_event(Event::Paste(note.clone()));
    ui.session.settle();
    let Modal::Note(p) = &ui.session.app.modal else {
        panic!("{}", ui.text())
    };
    assert_eq!(p.text, note);
    assert!(!ui.text().contains("cut at"), "{}", ui.text());
    // Pasting on past the note's cap: cut there, and said.
    let huge = "x".repeat(8 << 20);
    let started = std::time::Instant::now();
    ui.session.handle_event(Event::Paste(huge));
    ui.session.settle();
    let Modal::Note(p) = &ui.session.app.modal else {
        panic!("{}", ui.text())
    };
    assert_eq!(p.text.chars().count(), cap);
    assert!(
        ui.text()
            .contains(&format!("pasted text cut at {cap} characters")),
        "{}",
        ui.text()
    );
    // Esc answers at once: it says what a second Esc does (the paste is
    // not thrown away at one key), and the second closes the prompt.
    ui.keys("esc");
    assert!(ui.text().contains("Esc again discards"), "{}", ui.text());
    ui.keys("esc");
    assert!(matches!(ui.session.app.modal, Modal::None), "{}", ui.text());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // A one-line field of a form holds 1,000.
    ui.keys("a").keys("tab");
    let Modal::Form(f) = &ui.session.app.modal else {
        panic!("{}", ui.text())
    };
    let field = f.fields[f.focus].spec;
    assert_eq!(field.max_chars(), interdict::domain::fields::MAX_TEXT);
    ui.session
        .handle_event(Event::Paste("Ivan Petrov ".repeat(200)));
    ui.session.settle();
    let Modal::Form(f) = &ui.session.app.modal else {
        panic!("{}", ui.text())
    };
    assert_eq!(f.fields[f.focus].value.chars().count(), 1_000);
    assert!(
        ui.text().contains("pasted text cut at 1000 characters"),
        "{}",
        ui.text()
    );
    ui.keys("esc");
}

#[test]
fn a_message_cut_at_the_edge_is_read_in_full_in_the_log() {
    let mut ui = Ui::new(50, 80, 24, false);
    let long = format!(
        "warning: {}",
        "the S10 number was issued by the post of CN; ".repeat(4)
    );
    ui.session.app.error(long.clone());
    let text = ui.text();
    let status = text.lines().last().unwrap().to_string();
    assert!(status.contains("(Shift-m: all)"), "{status}");
    ui.keys("shift-m");
    let Modal::Report { lines, .. } = &ui.session.app.modal else {
        panic!("no log: {}", ui.text())
    };
    let all: String = lines
        .iter()
        .map(|(l, _)| l.get(10..).unwrap_or("").trim().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(all.contains(long.trim()), "{all}");
    // Every line fits the screen, so nothing of it is cut.
    let shown = ui.text();
    assert!(shown.contains("Messages of this session"), "{shown}");
    assert!(
        lines.iter().all(|(l, _)| l.chars().count() <= 78),
        "{lines:?}"
    );
}

#[test]
fn wide_terminals_get_more_columns_and_narrow_ones_keep_the_tracking_number() {
    let mut ui = Ui::new(300, 200, 30, true);
    ui.keys("2");
    let text = ui.text();
    let header = text.lines().find(|l| l.contains("Tracking ")).unwrap();
    for col in ["Status", "Route", "Carrier", "Seized", "Declared"] {
        assert!(header.contains(col), "{col}: {header}");
    }
    let tracking = ui.session.app.current.clone().unwrap().label;
    // At 80 columns the declared contents still show beside the route.
    let mut eighty = Ui::new(300, 80, 24, true);
    eighty.keys("2");
    let text = eighty.text();
    let header = text.lines().find(|l| l.contains("Tracking ")).unwrap();
    assert!(
        header.contains("Declared") && header.contains("Route"),
        "{header}"
    );
    for w in [60, 50, 40] {
        let mut ui = Ui::new(300, w, 24, true);
        ui.keys("2");
        assert!(
            ui.text().contains(&tracking),
            "at {w} columns: {}",
            ui.text()
        );
    }
}

#[test]
fn the_demo_loads_off_the_input_thread_with_its_progress() {
    let mut ui = Ui::new(0, 80, 24, true);
    ui.session.handle_event(Event::Key(KeyEvent::new(
        KeyCode::Char('d'),
        KeyModifiers::NONE,
    )));
    assert!(ui.session.loading(), "loading on a thread of its own");
    assert!(ui.text().contains("loading the demo data"), "{}", ui.text());
    // Keys are answered meanwhile.
    ui.session.handle_event(Event::Key(KeyEvent::new(
        KeyCode::Char('?'),
        KeyModifiers::NONE,
    )));
    assert!(matches!(ui.session.app.modal, Modal::Help { .. }));
    // Ticking as the interface's loop does: what others write shows as it
    // comes.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while ui.session.loading() && std::time::Instant::now() < deadline {
        ui.session.tick();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(!ui.session.loading());
    assert!(ui.session.app.lists[1].total > 0);
    // The case shown is read again once the data is all in: its notes and
    // every parcel it includes, not what there was mid-way.
    let case = ui.session.app.current.clone().unwrap();
    let includes: i64 = ui
        .session
        .store()
        .conn()
        .query_row(
            "SELECT count(*) FROM links WHERE from_id = ?1 AND link_type = 'includes'",
            [case.id],
            |r| r.get(0),
        )
        .unwrap();
    let shown = ui
        .session
        .app
        .links
        .iter()
        .filter(|l| l.group == "Includes")
        .count();
    assert_eq!(shown as i64, includes);
    assert!(
        ui.session.app.links.iter().any(|l| l.group == "Notes"),
        "{:?}",
        ui.session.app.links
    );
    assert!(ui.text().contains("demo data loaded"), "{}", ui.text());
}

#[test]
fn a_sheet_of_links_counts_them_and_says_it_cannot_filter_a_list() {
    let mut ui = Ui::new(300, 100, 30, true);
    ui.keys("enter 4 shift-f");
    let Modal::Stats(v) = &mut ui.session.app.modal else {
        panic!("no picker: {}", ui.text())
    };
    v.cursor = v
        .columns
        .iter()
        .position(|d| d.name == "link_type")
        .unwrap();
    ui.keys("enter");
    let Modal::Stats(v) = &ui.session.app.modal else {
        panic!()
    };
    assert!(v.freq.as_ref().unwrap().total > 0);
    ui.keys("enter");
    assert!(
        ui.text().contains("links have no list of their own"),
        "{}",
        ui.text()
    );
}

#[test]
fn hits_are_marked_listed_and_each_reason_leads_to_its_evidence() {
    use interdict::domain::Parcel;
    use interdict::domain::record::new_record;
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(&dir);
    demo::generate(&mut s, 200, 3, |_, _| {}).unwrap();
    s.set_screen(std::sync::Arc::new(interdict::targeting::Screener::new()));
    // A seized parcel's recipient phone, again, from CN by EMS: the
    // opioids-by-post starter profile hits.
    let (seized, phone, dest): (uuid::Uuid, String, String) = s
        .conn()
        .query_row(
            "SELECT id, recipient_phone, destination FROM parcels
             WHERE status = 'seized' AND recipient_phone IS NOT NULL AND destination IS NOT NULL
             ORDER BY n LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    s.write(|w| {
        let (mut p, _) = new_record::<Parcel>(&[
            ("tracking", "EE000000028CN"),
            ("origin", "CN"),
            ("destination", &dest),
            ("service", "EMS"),
            ("recipient_phone", &phone),
        ])?;
        interdict::store::create::parcel(w, &mut p)
    })
    .unwrap();
    let mut ui = Ui {
        session: Session::new(
            s,
            Keymap::defaults(),
            Theme::new(false),
            view::page_rows(30),
        ),
        _dir: dir,
        w: 100,
        h: 30,
    };
    // Marked in the Parcels list.
    ui.keys("2 shift-g");
    let text = ui.text();
    assert!(
        text.lines()
            .any(|l| l.contains("EE000000028CN") && l.contains("!targeted")),
        "{text}"
    );
    // And in a filtered list (the `/` filter's rows dropped the mark).
    ui.keys("/");
    ui.typed("EE000000028");
    ui.keys("enter");
    let text = ui.text();
    assert!(
        text.lines()
            .any(|l| l.contains("EE000000028CN") && l.contains("!targeted")),
        "{text}"
    );
    // The detail says why.
    assert!(text.contains("opioids-by-post"), "{text}");
    // The hits view: the hit, then its reasons.
    ui.keys("shift-h");
    let text = ui.text();
    assert!(text.contains("Hits, newest first (1)"), "{text}");
    assert!(
        text.contains("parcel EE000000028CN  opioids-by-post 80"),
        "{text}"
    );
    let Modal::Report { lines, .. } = &ui.session.app.modal else {
        panic!("no report: {text}");
    };
    let at = lines
        .iter()
        .position(|(l, _)| l.contains("was on seized parcel"))
        .expect("the seized-parcel reason");
    // Down to that reason, Enter: the seized parcel is open.
    let downs = vec!["j"; at].join(" ");
    ui.keys(&downs).keys("enter");
    assert_eq!(ui.session.app.current.as_ref().unwrap().id, seized);
    assert!(matches!(ui.session.app.modal, Modal::None));
    // A parcel typed in the form is screened as it is saved, and the
    // officer is told at once.
    ui.keys("2 a").typed("EE000000031CN");
    ui.keys("tab tab").typed("EMS").keys("tab").typed("CN");
    ui.keys("tab tab").typed(&dest);
    ui.keys("tab tab tab tab tab tab tab")
        .typed(&phone)
        .keys("f2");
    assert!(matches!(ui.session.app.modal, Modal::None), "{}", ui.text());
    let text = ui.text();
    assert!(
        text.contains("parcel EE000000031CN is a HIT: opioids-by-post 80"),
        "{text}"
    );
}

/// A person is reached from the global search in either script, shown in
/// the detail, and their links and shared values are in the Links pane;
/// a Cyrillic live filter finds a parcel written in Latin letters.
#[test]
fn a_person_is_found_in_cyrillic_and_opened_with_their_links() {
    use interdict::domain::{Parcel, Person, record::new_record};
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(&dir);
    s.write(|w| {
        let (mut p, _) = new_record::<Person>(&[
            ("name", "Иван Петров"),
            ("nationality", "KZ"),
            ("phones", "8 701 555 01 42"),
        ])?;
        interdict::store::records::insert(w, &mut p)?;
        let (mut parcel, _) = new_record::<Parcel>(&[
            ("tracking", "RR123456785CN"),
            ("origin", "CN"),
            ("destination", "KZ"),
            ("recipient_name", "Ivan Petrov"),
            ("recipient_phone", "+7 701 555 0142"),
        ])?;
        interdict::store::create::parcel(w, &mut parcel).map(drop)
    })
    .unwrap();
    let mut ui = Ui {
        session: Session::new(
            s,
            Keymap::defaults(),
            Theme::new(false),
            view::page_rows(24),
        ),
        _dir: dir,
        w: 80,
        h: 24,
    };
    ui.keys("2 /").typed("петров");
    assert_eq!(ui.session.app.lists[1].hits.len(), 1, "{}", ui.text());
    ui.keys("esc s").typed("ivan petrov");
    let text = ui.text();
    assert!(text.contains("person    Иван Петров"), "{text}");
    // (The parcel that names him scores the same; equal scores come in
    // item number order, so the cursor is moved to the person.)
    let Modal::Picker(p) = &ui.session.app.modal else {
        panic!("{text}")
    };
    let at = p
        .hits
        .iter()
        .position(|h| h.label == "Иван Петров")
        .expect("the person is listed");
    for _ in 0..at {
        ui.keys("down");
    }
    ui.keys("enter");
    assert_eq!(
        ui.session.app.current.as_ref().unwrap().label,
        "Иван Петров"
    );
    ui.keys("4");
    let text = ui.text();
    assert!(text.contains("Links of person Иван Петров"), "{text}");
    assert!(text.contains("RR123456785CN"), "{text}");
    assert!(text.contains("2 shared: phone +7"), "{text}");
    // A parcel typed with the person's name says whom it names.
    ui.keys("2 a");
    ui.typed("RR000000005CN");
    for _ in 0..10 {
        ui.keys("tab");
    }
    ui.typed("PETROV Ivan").keys("ctrl-s");
    let text = ui.text();
    assert!(
        text.contains("names person Иван Петров (same recipient name ivan petrov)"),
        "{text}"
    );
}

/// `v` on a parcel records its evidence through forms: an inspection, an
/// exhibit, and a photo hashed from its path; the parcel's detail lists
/// them. On the exhibit (found with `s`), `v` records a hand-over.
#[test]
fn evidence_is_recorded_from_the_parcel_with_v() {
    let mut ui = Ui::new(300, 100, 30, true);
    ui.keys("2");
    let parcel = ui.session.app.current.clone().unwrap();
    // The chooser: inspection, exhibit, delivery, document.
    ui.keys("v");
    assert!(ui.text().contains("Record about"), "{}", ui.text());
    assert!(ui.text().contains("photo or document"), "{}", ui.text());
    ui.keys("enter");
    assert!(ui.text().contains("New inspection of"), "{}", ui.text());
    // When is filled with now; the selection is required.
    ui.keys("ctrl-s");
    assert!(matches!(ui.session.app.modal, Modal::Form(_)));
    assert!(ui.text().contains("is required"), "{}", ui.text());
    ui.typed("x-ray").keys("ctrl-s");
    assert!(matches!(ui.session.app.modal, Modal::None), "{}", ui.text());
    ui.keys("v down enter");
    assert!(ui.text().contains("New exhibit of"), "{}", ui.text());
    ui.typed("EX-UI-1").keys("ctrl-s");
    assert!(
        ui.text().contains("created exhibit EX-UI-1"),
        "{}",
        ui.text()
    );
    // A photo: its path typed, its hash read from the file.
    let photo = ui._dir.path().join("ex1.jpg");
    std::fs::write(&photo, b"jpeg bytes").unwrap();
    ui.keys("v down down down enter");
    assert!(ui.text().contains("New document of"), "{}", ui.text());
    ui.typed(photo.to_str().unwrap()).keys("ctrl-s");
    assert!(matches!(ui.session.app.modal, Modal::None), "{}", ui.text());
    let conn = ui.session.store().conn();
    let (sha, on): (String, uuid::Uuid) = conn
        .query_row("SELECT sha256, item_id FROM documents", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(sha, interdict::evidence::files::sha256_hex(b"jpeg bytes"));
    assert_eq!(on, parcel.id);
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM inspections WHERE parcel_id = ?1",
            [parcel.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
    // A file that is not there is said on the path field.
    ui.keys("v down down down enter");
    ui.typed("/no/such/file.jpg").keys("ctrl-s");
    assert!(matches!(ui.session.app.modal, Modal::Form(_)));
    assert!(ui.text().contains("cannot read"), "{}", ui.text());
    ui.keys("esc esc");
    // The detail lists the trail.
    let detail = interdict::tui::data::detail(ui.session.store().conn(), &parcel).unwrap();
    let labels: Vec<&str> = detail.iter().map(|(l, _)| l.as_str()).collect();
    for l in ["Inspected", "Exhibit", "Document"] {
        assert!(labels.contains(&l), "{l} not in {labels:?}");
    }
    // The exhibit, found by its number: `v` there records a hand-over.
    ui.keys("s").typed("EX-UI-1").keys("enter");
    assert_eq!(
        ui.session.app.current.as_ref().map(|c| c.kind),
        Some(interdict::domain::ItemKind::Exhibit),
        "{}",
        ui.text()
    );
    ui.keys("v enter");
    assert!(
        ui.text().contains("New custody of exhibit EX-UI-1"),
        "{}",
        ui.text()
    );
    ui.keys("tab tab").typed("Evidence store").keys("ctrl-s");
    assert!(matches!(ui.session.app.modal, Modal::None), "{}", ui.text());
    let held: String = ui
        .session
        .store()
        .conn()
        .query_row(
            "SELECT c.to_holder FROM custody c JOIN exhibits e ON e.id = c.exhibit_id WHERE e.number = 'EX-UI-1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(held, "Evidence store");
}

/// A notebook with one person and the parcel that names them, at 80x24.
fn with_a_person() -> Ui {
    use interdict::domain::{Parcel, Person, record::new_record};
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(&dir);
    demo::generate(&mut s, 50, 3, |_, _| {}).unwrap();
    s.write(|w| {
        let (mut p, _) = new_record::<Person>(&[("name", "Емил Бекюсбеуулу")])?;
        interdict::store::records::insert(w, &mut p)?;
        let (mut parcel, _) = new_record::<Parcel>(&[
            ("tracking", "RR123456785CN"),
            ("recipient_name", "Емил Бекюсбеуулу"),
        ])?;
        interdict::store::create::parcel(w, &mut parcel).map(drop)
    })
    .unwrap();
    Ui {
        session: Session::new(
            s,
            Keymap::defaults(),
            Theme::new(false),
            view::page_rows(24),
        ),
        _dir: dir,
        w: 80,
        h: 24,
    }
}

/// In the picker open, the person among its matches chosen.
fn pick_the_person(ui: &mut Ui) {
    let Modal::Picker(p) = &ui.session.app.modal else {
        panic!("{}", ui.text())
    };
    let at = p
        .hits
        .iter()
        .position(|h| h.kind == ItemKind::Person)
        .expect("the person is listed");
    for _ in 0..at {
        ui.keys("down");
    }
    ui.keys("enter");
}

/// A link made from a parcel to a person is said as it is stored: the
/// person `recipient-of` the parcel (it said the parcel was the
/// recipient of the person).
#[test]
fn a_new_link_is_said_the_way_it_is_stored() {
    let mut ui = with_a_person();
    ui.keys("2 /").typed("RR123456785CN").keys("enter");
    let parcel = ui.session.app.current.clone().unwrap();
    assert_eq!(parcel.label, "RR123456785CN", "{}", ui.text());
    ui.keys("l").typed("Емил Бекюсбеуулу");
    pick_the_person(&mut ui);
    let types = interdict::domain::Link::types_between(ItemKind::Parcel, ItemKind::Person);
    let at = types.iter().position(|t| *t == "recipient-of").unwrap();
    for _ in 0..at {
        ui.keys("j");
    }
    ui.keys("enter");
    let text = ui.text();
    assert!(
        text.contains("linked: person Емил Бекюсбеуулу recipient-of parcel RR123456785CN"),
        "{text}"
    );
}

/// A search's jump to an item no list holds (a person) shows it in the
/// Links pane, not under a parcel's highlighted row; and what `x` asks
/// about is what is highlighted there.
#[test]
fn a_jump_to_a_person_focuses_the_links_pane() {
    let mut ui = with_a_person();
    ui.keys("2 j j s").typed("Емил Бекюсбеуулу");
    pick_the_person(&mut ui);
    assert_eq!(ui.session.app.pane, Pane::Links, "{}", ui.text());
    let text = ui.text();
    assert!(text.contains("Links of person Емил"), "{text}");
    assert!(!text.contains("┌ Parcels"), "{text}");
    ui.keys("x");
    assert!(!ui.text().contains("Delete person"), "{}", ui.text());
    ui.keys("esc 2");
    // Back in the parcels, the row highlighted is the one shown.
    let app = &ui.session.app;
    let row = app.lists[1].selected().unwrap();
    assert_eq!(app.current.as_ref().map(|c| c.id), Some(row.id));
}

/// A filter typed and erased again shows the whole list, and `x` asks
/// about the row highlighted and shown in the detail.
#[test]
fn an_empty_filter_shows_everything_and_x_acts_on_the_highlighted_row() {
    let mut ui = Ui::new(300, 80, 24, false);
    ui.keys("2 j j j j j / x backspace");
    assert!(!ui.text().contains("nothing matches"), "{}", ui.text());
    ui.keys("enter");
    let text = ui.text();
    assert!(!text.contains("nothing matches"), "{text}");
    let app = &ui.session.app;
    assert!(app.lists[1].filter.is_none());
    assert_eq!(app.lists[1].len(), 300);
    let row = app.lists[1].selected().unwrap().clone();
    assert_eq!(app.current.as_ref().map(|c| c.id), Some(row.id));
    ui.keys("x");
    let text = ui.text();
    assert!(
        text.contains(&format!("Delete parcel {}", row.cells[0])),
        "{text}"
    );
}

/// A second interface on the same notebook, writing as `bob`.
fn second_on(ui: &Ui) -> Ui {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = OpenOptions::new("bob");
    opts.clock = Some("2026-01-03T09:10:11.000Z".into());
    let s = Store::open(&ui._dir.path().join("nb.db"), opts).unwrap();
    Ui {
        session: Session::new(
            s,
            Keymap::defaults(),
            Theme::new(false),
            view::page_rows(24),
        ),
        _dir: dir,
        w: 80,
        h: 24,
    }
}

/// The case under the cursor, as stored now: (title, summary).
fn case_now(ui: &Ui) -> (String, String) {
    let id = ui.session.app.current.as_ref().unwrap().id;
    ui.session
        .store()
        .conn()
        .query_row(
            "SELECT title, coalesce(summary, '') FROM cases WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

/// Two people edit one case: a save writes only the fields its form
/// changed, so the other's change to another field stays; a field both
/// changed is refused, named with who changed it and when, the form kept
/// with the user's text; a second save replaces it knowingly.
#[test]
fn a_save_writes_only_its_changes_and_refuses_a_field_changed_meanwhile() {
    let mut a = Ui::new(20, 80, 24, false);
    let mut b = second_on(&a);
    // The summary field's place in the case form.
    let summary = interdict::domain::fields_of(ItemKind::Case)
        .iter()
        .position(|f| f.name == "summary")
        .unwrap();
    let to_summary = vec!["tab"; summary].join(" ");
    a.keys("e");
    b.keys("e ctrl-u").typed("U-TITLE").keys("ctrl-s");
    assert!(matches!(b.session.app.modal, Modal::None), "{}", b.text());
    a.keys(&to_summary)
        .keys("ctrl-u")
        .typed("A summary")
        .keys("ctrl-s");
    assert!(matches!(a.session.app.modal, Modal::None), "{}", a.text());
    assert_eq!(
        case_now(&a),
        ("U-TITLE".to_string(), "A summary".to_string())
    );
    // Both change the summary: the second save is refused.
    a.keys("e");
    b.keys("e")
        .keys(&to_summary)
        .keys("ctrl-u")
        .typed("B summary")
        .keys("ctrl-s");
    a.keys(&to_summary)
        .keys("ctrl-u")
        .typed("A again")
        .keys("ctrl-s");
    let text = a.text();
    let Modal::Form(f) = &a.session.app.modal else {
        panic!("the form stays open: {text}")
    };
    assert_eq!(f.fields[summary].value, "A again");
    assert!(
        text.contains("not saved: Summary changed by bob at 2026-01-03T09:10:11")
            && text.contains("save again to replace it with yours"),
        "{text}"
    );
    assert_eq!(case_now(&a).1, "B summary");
    // Kept in the log of messages too (it kept only "saving…").
    assert!(
        a.session
            .app
            .log
            .iter()
            .any(|(_, t, _)| t.starts_with("not saved: Summary changed by bob")),
        "{:?}",
        a.session.app.log
    );
    // Saved again, knowingly, it replaces the other's.
    a.keys("ctrl-s");
    assert!(matches!(a.session.app.modal, Modal::None), "{}", a.text());
    assert_eq!(case_now(&a).1, "A again");
}

/// The line of the frame that holds the caret, if one does.
fn caret_line(ui: &Ui) -> Option<String> {
    ui.text()
        .lines()
        .find(|l| l.contains('▏'))
        .map(str::to_string)
}

/// A field, prompt or filter longer than its box scrolls sideways to keep
/// the caret in view, by display width: wide characters, a long line
/// edited at its start, a long filter.
#[test]
fn long_and_wide_text_scrolls_to_keep_the_caret_in_view() {
    let mut ui = Ui::new(20, 80, 24, false);
    ui.keys("a");
    ui.session.handle_event(Event::Paste("龙".repeat(40)));
    ui.session.settle();
    let line = caret_line(&ui).expect("the caret shows");
    assert!(line.contains("龙▏"), "{line}");
    // A long summary: Home shows its start, and text typed there shows.
    let summary = interdict::domain::fields_of(ItemKind::Case)
        .iter()
        .position(|f| f.name == "summary")
        .unwrap();
    ui.keys(&vec!["tab"; summary].join(" "));
    ui.session
        .handle_event(Event::Paste("0123456789".repeat(30)));
    ui.session.settle();
    assert!(caret_line(&ui).unwrap().contains("789▏"));
    ui.keys("home").typed("XY");
    let line = caret_line(&ui).expect("the caret shows after Home");
    assert!(line.contains("XY▏0123"), "{line}");
    ui.keys("left left left");
    assert!(caret_line(&ui).unwrap().contains("▏XY0123"));
    // Further in, the caret stays in view with what precedes it.
    ui.keys("end left left left left left left left left left left");
    let line = caret_line(&ui).unwrap();
    assert!(line.contains("789▏0123456789│"), "{line}");
    ui.keys("esc 2 /")
        .typed("abcdefghijklmnopqrstuvwxyz0123456789");
    let line = caret_line(&ui).expect("the filter's caret shows");
    assert!(line.contains("789▏"), "{line}");
}

/// A notebook open read-only at 80x24: the header's marker shows whole,
/// and each key that would write says why it does nothing.
#[test]
fn a_read_only_notebook_says_so_on_each_key_that_would_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("n.db");
    {
        let mut s = Store::open(&path, OpenOptions::new("tester")).unwrap();
        demo::generate(&mut s, 5000, 3, |_, _| {}).unwrap();
    }
    let mut opts = OpenOptions::new("tester");
    opts.read_only = true;
    let store = Store::open(&path, opts).unwrap();
    let session = Session::new(
        store,
        Keymap::defaults(),
        Theme::new(false),
        view::page_rows(24),
    );
    let mut ui = Ui {
        _dir: dir,
        session,
        w: 80,
        h: 24,
    };
    ui.keys("2");
    let header = ui.text().lines().next().unwrap().to_string();
    assert!(header.contains("[read-only]"), "{header}");
    for k in ["a", "e", "x", "n", "l", "f", "v"] {
        ui.keys("esc").keys(k);
        assert!(matches!(ui.session.app.modal, Modal::None), "{k}");
        let text = ui.text();
        assert!(
            text.contains("the notebook is open read-only"),
            "{k}:\n{text}"
        );
    }
    ui.keys("m");
    if matches!(ui.session.app.modal, Modal::Matches { .. }) {
        for k in ["y", "r"] {
            ui.keys(k);
            assert!(ui.text().contains("open read-only"), "{k}");
        }
    }
}

/// A field filled in ahead (an inspection's time, a finding's form) has
/// the caret at its end when the form opens, so typing adds to it.
#[test]
fn a_prefilled_first_field_has_the_caret_at_its_end() {
    let mut ui = Ui::new(50, 80, 24, false);
    ui.keys("2 v enter");
    let Modal::Form(f) = &ui.session.app.modal else {
        panic!("{}", ui.text())
    };
    assert!(!f.fields[0].value.is_empty());
    assert_eq!(f.caret, f.fields[0].value.chars().count());
    let line = caret_line(&ui).unwrap();
    assert!(line.contains(&format!("{}▏", f.fields[0].value)), "{line}");
    ui.keys("esc f");
    let Modal::Picker(p) = &ui.session.app.modal else {
        panic!("{}", ui.text())
    };
    assert!(p.hits.is_empty() || p.query.is_empty());
    ui.typed("a");
    ui.keys("enter");
    let Modal::Form(f) = &ui.session.app.modal else {
        panic!("{}", ui.text())
    };
    assert_eq!(f.caret, f.fields[0].value.chars().count(), "{}", ui.text());
}

/// A multi-line paste into a note is one line, its lines joined with a
/// space.
#[test]
fn a_pasted_note_keeps_a_space_between_its_lines() {
    let mut ui = Ui::new(20, 80, 24, false);
    ui.keys("n");
    ui.session
        .handle_event(Event::Paste("seen 🚀\nsecond line 42\r\nthird".into()));
    let Modal::Note(p) = &ui.session.app.modal else {
        panic!()
    };
    assert_eq!(p.text, "seen 🚀 second line 42 third");
    assert!(ui.text().contains("42 third▏"), "{}", ui.text());
}

/// Every list moves with j/k, G and g g: the evidence chooser (Enter
/// takes the row highlighted), and the suggested matches (y confirms the
/// highlighted one).
#[test]
fn choice_lists_and_matches_move_with_j_k_g_and_act_on_the_highlighted_row() {
    let mut ui = Ui::new(300, 100, 30, false);
    ui.keys("2 v j j j");
    ui.keys("enter");
    assert!(ui.text().contains("New document of"), "{}", ui.text());
    ui.keys("esc v j j k shift-g g g enter");
    assert!(ui.text().contains("New inspection of"), "{}", ui.text());
    ui.keys("esc 1 4");
    let parcel = ui
        .session
        .app
        .links
        .iter()
        .find(|l| l.group == "Includes")
        .cloned()
        .unwrap();
    ui.keys("enter m");
    let Modal::Matches { list, .. } = &ui.session.app.modal else {
        panic!("no suggestions: {}", ui.text())
    };
    assert!(list.len() >= 2, "{}", parcel.label);
    let (first, last) = (list[0].clone(), list[list.len() - 1].clone());
    ui.keys("shift-g");
    let Modal::Matches { list, cursor } = &ui.session.app.modal else {
        panic!()
    };
    assert_eq!(*cursor, list.len() - 1);
    ui.keys("y");
    // Said by the link it made (a person and a parcel are joined
    // `recipient-of`, which was said "same as").
    let (made, from, _) = interdict::xref::fuzzy::confirmed_link(&last);
    // A person or organisation by name, a parcel by its tracking number.
    let named = |node: &interdict::xref::graph::Node, name: &str, label: &str| {
        if matches!(
            node.kind,
            interdict::domain::ItemKind::Person | interdict::domain::ItemKind::Organisation
        ) {
            name.to_string()
        } else {
            interdict::store::refs::named(node.kind, label)
        }
    };
    let first_named = if from == last.a.id {
        named(&last.a, &last.a_name, &last.a_label)
    } else {
        named(&last.b, &last.b_name, &last.b_label)
    };
    assert!(
        ui.text()
            .contains(&format!("confirmed: {first_named} {made}")),
        "{}",
        ui.text()
    );
    // The parcel named by its tracking number (it was named by its
    // recipient's name, the person's own).
    let (other, other_label) = if from == last.a.id {
        (&last.b, &last.b_label)
    } else {
        (&last.a, &last.a_label)
    };
    if other.kind == interdict::domain::ItemKind::Parcel {
        assert!(
            ui.session
                .app
                .message
                .as_ref()
                .is_some_and(|m| m.0.contains(&format!("parcel {other_label}"))),
            "{:?}",
            ui.session.app.message
        );
    }
    let Modal::Matches { list, .. } = &ui.session.app.modal else {
        panic!("{}", ui.text())
    };
    let same = |a: &interdict::xref::fuzzy::Suggestion, b: &interdict::xref::fuzzy::Suggestion| {
        a.a.id == b.a.id && a.b.id == b.b.id
    };
    assert!(!list.iter().any(|s| same(s, &last)), "the last one went");
    assert!(list.iter().any(|s| same(s, &first)), "the first one stays");
    ui.keys("g g");
    let Modal::Matches { cursor, .. } = &ui.session.app.modal else {
        panic!()
    };
    assert_eq!(*cursor, 0);
}

/// The interface on a new notebook under `home`, started in an 80x24
/// pseudo-terminal as a person's terminal runs it: its process, and the
/// terminal's side the test reads and closes.
#[cfg(unix)]
fn in_a_pty(
    home: &std::path::Path,
) -> (
    Box<dyn portable_pty::Child + Send + Sync>,
    Box<dyn portable_pty::MasterPty + Send>,
) {
    let config = home.join("config.toml");
    std::fs::write(&config, "").unwrap();
    let mut cmd = portable_pty::CommandBuilder::new(env!("CARGO_BIN_EXE_interdict"));
    cmd.arg("--db");
    cmd.arg(home.join("n.db"));
    cmd.env("HOME", home);
    cmd.env("XDG_DATA_HOME", home.join("data"));
    cmd.env("INTERDICT_CONFIG", &config);
    cmd.env("TERM", "xterm-256color");
    let pty = portable_pty::native_pty_system()
        .openpty(portable_pty::PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let child = pty.slave.spawn_command(cmd).unwrap();
    (child, pty.master)
}

/// `kill -TERM` (or a hang-up) of the running interface puts the
/// terminal back (out of the alternate screen, the cursor shown) and ends
/// the process through its loop with 128 and the signal's number (143,
/// 129), as a shell expects: it used to exit 0, so a script or a service
/// manager took a killed session for a clean quit.
#[cfg(unix)]
#[test]
fn sigterm_and_sighup_restore_the_terminal_and_exit_as_a_shell_expects() {
    use std::io::Read;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};
    for (sig, code) in [("-TERM", 143), ("-HUP", 129)] {
        let dir = tempfile::tempdir().unwrap();
        let (mut child, master) = in_a_pty(dir.path());
        let mut reader = master.try_clone_reader().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZero::new(24).unwrap(),
            std::num::NonZero::new(80).unwrap(),
            0,
        )));
        let parser = screen.clone();
        let reading = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                parser.lock().unwrap().process(&buf[..n]);
            }
        });
        let state = || {
            let p = screen.lock().unwrap();
            let s = p.screen();
            (s.contents(), s.alternate_screen(), s.hide_cursor())
        };
        let start = Instant::now();
        // (A debug binary starting beside the other tests' threads can
        // take long on a loaded machine: the bound is for a hang.)
        while !state().0.contains("This notebook is empty") {
            assert!(start.elapsed() < Duration::from_secs(180), "{}", state().0);
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            state().1 && state().2,
            "in the alternate screen, cursor hidden"
        );
        let pid = child.process_id().unwrap();
        let killed = std::process::Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{sig}: still running"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        // Ended through the loop (not by the signal's default action),
        // with the status a shell gives a process the signal ended.
        assert_eq!(status.signal(), None, "{sig}: {status:?}");
        assert_eq!(status.exit_code(), code, "{sig}: {status:?}");
        drop(master);
        let _ = reading.join();
        let (_, alternate, hidden) = state();
        assert!(
            !alternate && !hidden,
            "{sig}: the terminal was left as the interface had it"
        );
    }
}

/// The terminal going away (an SSH session dropped: the pseudo-terminal
/// closed under the interface) ends the process: it was held in a read of
/// the closed terminal, at half a core, for ever, and a `kill` did not end
/// it either.
#[cfg(unix)]
#[test]
fn a_terminal_that_goes_away_ends_the_interface() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let (mut child, master) = in_a_pty(dir.path());
    let mut reader = master.try_clone_reader().unwrap();
    // Wait until it has drawn (its first bytes), then close the terminal.
    let mut first = [0u8; 64];
    let _ = std::io::Read::read(&mut reader, &mut first).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    drop(reader);
    drop(master);
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the interface outlived its terminal");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The right-hand pane's text, line by line (the columns right of the
/// list's pane at 80 columns).
fn detail_text(ui: &Ui) -> Vec<String> {
    let t = ui.render();
    let buf = t.backend().buffer();
    let left = (0..ui.w).find(|x| buf[(*x, 1)].symbol() == "┐").unwrap();
    (1..ui.h - 1)
        .map(|y| {
            (left + 1..ui.w)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect()
}

#[test]
fn the_detail_scrolls_and_says_there_is_more() {
    let mut ui = Ui::new(300, 80, 24, false);
    ui.keys("2");
    let first = detail_text(&ui);
    let foot = first.last().unwrap().clone();
    assert!(foot.contains("more (Shift-j)"), "{foot}");
    assert!(!first.iter().any(|l| l.contains("Status ")), "{first:#?}");
    // A line at a time, then a page: the rest of the parcel shows.
    ui.keys("shift-j");
    assert_eq!(detail_text(&ui)[1], first[2]);
    ui.keys("alt-j alt-j alt-j");
    let end = detail_text(&ui);
    assert!(end.iter().any(|l| l.contains("Status ")), "{end:#?}");
    assert!(end.last().unwrap().contains("above (Shift-k)"), "{end:#?}");
    // The end is the end: one key back up is one line back up.
    ui.keys("ctrl-e ctrl-e ctrl-e shift-k");
    let up = detail_text(&ui);
    assert_eq!(up[2], end[1], "{up:#?}");
    assert!(up.last().unwrap().contains("more"), "{up:#?}");
    ui.keys("alt-k alt-k alt-k alt-k");
    assert_eq!(detail_text(&ui), first);
    // Another item's detail is read from its top.
    ui.keys("alt-j j");
    let next = detail_text(&ui);
    assert!(next[1].contains("Tracking number"), "{next:#?}");
    // The keys are in help.
    ui.keys("? j j j j j j j j j j j j j j j j j j j j");
    assert!(
        ui.text()
            .contains("Shift-j, Ctrl-e        scroll the detail (right) down a line"),
        "{}",
        ui.text()
    );
}

/// A live filter keeps its best 1000 matches: a pane's count and the
/// counts made over it say when more matched, and when not.
#[test]
fn a_filter_that_matched_more_than_it_keeps_says_so() {
    let mut ui = Ui::new(2000, 100, 30, true);
    let matched = interdict::store::search::search(
        ui.session.store().conn(),
        "a",
        Some(ItemKind::Parcel),
        5000,
    )
    .unwrap()
    .len();
    assert!(matched > 1000, "{matched}");
    ui.keys("2 /");
    ui.typed("a");
    ui.keys("enter");
    let text = ui.text();
    assert!(text.contains("Parcels 1/1000+ /a"), "{text}");
    ui.keys("shift-f");
    let text = ui.text();
    assert!(text.contains("only the best 1000 filter matches"), "{text}");
    // A filter with fewer matches counts them all, and says nothing more.
    ui.keys("esc esc / ");
    ui.typed("vitamins");
    ui.keys("enter");
    let n = ui.session.app.lists[1].hits.len();
    assert!(n > 0 && n < 1000, "{n}");
    let text = ui.text();
    assert!(text.contains(&format!("Parcels 1/{n} /vitamins")), "{text}");
    ui.keys("shift-f");
    let text = ui.text();
    assert!(text.contains(&format!("{n} filtered")), "{text}");
    assert!(!text.contains("best"), "{text}");
}

/// The help screen's rows, between its borders.
fn help_rows(ui: &Ui) -> Vec<String> {
    ui.text()
        .lines()
        .skip(1)
        .take(usize::from(ui.h) - 3)
        .map(|l| l.to_string())
        .collect()
}

#[test]
fn help_scrolls_within_its_length_and_opens_from_views_and_forms() {
    let mut ui = Ui::new(300, 80, 24, false);
    ui.keys("?");
    let top = help_rows(&ui);
    assert!(top[0].contains("Everywhere"), "{top:#?}");
    // A description longer than the line goes on under itself.
    ui.keys("j j j j j j j j j j j j j j j j j j j j j j");
    let text = ui.text();
    assert!(
        text.contains(
            "│                         on a finding (its row in the Links pane), a photo or"
        ),
        "{text}"
    );
    // Scrolling stops at the end: one key back up is one line back up.
    ui.keys(&"j ".repeat(400));
    let end = help_rows(&ui);
    ui.keys("k");
    let up = help_rows(&ui);
    assert_eq!(up[1], end[0], "{up:#?}");
    // The ends and pages.
    ui.keys("g g");
    assert_eq!(help_rows(&ui), top);
    ui.keys("shift-g");
    assert_eq!(help_rows(&ui), end);
    // A page down is as many lines as help shows.
    ui.keys("home pagedown");
    let paged = help_rows(&ui);
    ui.keys(&format!("g g {}", "j ".repeat(top.len())));
    assert_eq!(help_rows(&ui), paged);
    ui.keys("end pageup");
    assert_ne!(help_rows(&ui), end);
    ui.keys("esc");

    // From a frequency sheet, help and back to the sheet.
    ui.keys("2 shift-f");
    assert!(ui.text().contains("Count which field?"));
    ui.keys("?");
    assert!(ui.text().contains("Everywhere"), "{}", ui.text());
    ui.keys("esc");
    assert!(ui.text().contains("Count which field?"), "{}", ui.text());
    ui.keys("f1 f1");
    assert!(ui.text().contains("Count which field?"), "{}", ui.text());
    ui.keys("esc");
    // From an item's history, and from the suggested matches.
    ui.keys("h");
    assert!(ui.text().contains("History of parcel"), "{}", ui.text());
    ui.keys("? q");
    assert!(ui.text().contains("History of parcel"), "{}", ui.text());
    ui.keys("esc 1 4 enter m");
    assert!(
        matches!(ui.session.app.modal, Modal::Matches { .. }),
        "{}",
        ui.text()
    );
    let m = ui.text();
    ui.keys("?");
    assert!(ui.text().contains("Everywhere"), "{}", ui.text());
    ui.keys("esc");
    assert_eq!(ui.text(), m);
    ui.keys("esc");

    // In a form ? is typed, F1 opens help and comes back to the form.
    ui.keys("1 a");
    ui.typed("Who?");
    ui.keys("f1");
    assert!(ui.text().contains("Everywhere"), "{}", ui.text());
    ui.keys("f1");
    assert!(ui.text().contains("Who?▏"), "{}", ui.text());
    // Ctrl-c quits from a form (one typed into says so first, and the
    // second quits), and from a filter being typed.
    ui.keys("ctrl-c");
    assert!(!ui.session.app.quit);
    assert!(ui.text().contains("Ctrl-c again quits"), "{}", ui.text());
    ui.keys("ctrl-c");
    assert!(ui.session.app.quit);
    let mut ui = Ui::new(30, 80, 24, false);
    ui.keys("2 /");
    ui.typed("q?");
    assert!(!ui.session.app.quit);
    ui.keys("ctrl-c");
    assert!(ui.session.app.quit);
}

#[test]
fn ctrl_y_pastes_back_what_ctrl_w_or_ctrl_u_cut() {
    let mut ui = Ui::new(30, 80, 24, false);
    ui.keys("1 a");
    ui.typed("Operation Steppe");
    ui.keys("ctrl-w");
    assert!(ui.text().contains("Operation ▏"), "{}", ui.text());
    ui.keys("ctrl-a ctrl-y");
    assert!(ui.text().contains("Steppe▏Operation "), "{}", ui.text());
    // In a filter too, and a line cut whole (the form typed into closed
    // by a second Esc).
    ui.keys("esc esc 2 /");
    ui.typed("tea");
    ui.keys("ctrl-u");
    assert!(ui.text().contains("Parcels 1/30 /▏ "), "{}", ui.text());
    ui.keys("ctrl-y");
    ui.session.settle();
    assert!(ui.text().contains("/tea▏"), "{}", ui.text());
}

/// A note elsewhere naming a value of the item is a row of its own in
/// the Links pane, saying what it is on, and Enter follows it there: a
/// lead on the parcel's own case was folded into the case's "In case"
/// row, its reason cut off by the pane, and the tab counted one fewer
/// than `xref`.
#[test]
fn a_note_sharing_a_value_is_its_own_row_and_leads_to_what_it_is_on() {
    use interdict::domain::record::new_record;
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(&dir);
    let (mut p, _) = new_record::<interdict::domain::Parcel>(&[
        ("tracking", "RR123456785CN"),
        ("origin", "PL"),
        ("destination", "KZ"),
        ("sender_phone", "+48 666 318 964"),
    ])
    .unwrap();
    let (mut c, _) =
        new_record::<interdict::domain::Case>(&[("title", "Operation Steppe")]).unwrap();
    let (mut n, _) = new_record::<interdict::domain::Note>(&[
        ("note_type", "lead"),
        ("noted_on", "2026-03-10"),
        (
            "text",
            "Buyer pays the sender by crypto, sender answers on +48666318964",
        ),
    ])
    .unwrap();
    let (mut p2, _) =
        new_record::<interdict::domain::Parcel>(&[("tracking", "RR000000005CN")]).unwrap();
    let (mut x, _) =
        new_record::<interdict::domain::evidence::Exhibit>(&[("number", "EX-9")]).unwrap();
    let (mut n2, _) = new_record::<interdict::domain::Note>(&[
        ("note_type", "note"),
        ("noted_on", "2026-03-11"),
        ("text", "the label on EX-9 gives +48666318964"),
    ])
    .unwrap();
    s.write(|w| {
        interdict::store::create::case(w, &mut c)?;
        interdict::store::create::parcel(w, &mut p)?;
        interdict::store::create::include_in_case(w, c.meta.id, p.meta.id)?;
        n.item_kind = interdict::domain::ItemKind::Case;
        n.item_id = c.meta.id;
        interdict::store::create::note(w, &mut n)?;
        interdict::store::create::parcel(w, &mut p2)?;
        interdict::evidence::add_exhibit(w, p2.meta.id, &mut x)?;
        n2.item_kind = interdict::domain::ItemKind::Exhibit;
        n2.item_id = x.meta.id;
        interdict::store::create::note(w, &mut n2)
    })
    .unwrap();
    let session = Session::new(s, Keymap::defaults(), Theme::new(true), view::page_rows(24));
    let mut ui = Ui {
        _dir: dir,
        session,
        w: 80,
        h: 24,
    };
    ui.session.resize(80, 24);
    ui.keys("2 4");
    let links = &ui.session.app.links;
    let note = links
        .iter()
        .position(|l| l.kind == interdict::domain::ItemKind::Note)
        .unwrap_or_else(|| panic!("{links:?}"));
    assert_eq!(links[note].group, "Shares values", "{links:?}");
    assert!(
        links[note].reason.starts_with("same phone +48666318964")
            && links[note]
                .reason
                .ends_with("; on case C-0001 Operation Steppe"),
        "{}",
        links[note].reason
    );
    // the case's own row is its inclusion, no longer carrying the note
    let case = links.iter().find(|l| l.group == "In case").unwrap();
    assert!(!case.reason.contains("phone"), "{}", case.reason);
    // a note on an exhibit says it once ("on exhibit exhibit EX-9")
    let on_exhibit = links
        .iter()
        .find(|l| l.reason.contains("; on exhibit"))
        .unwrap_or_else(|| panic!("{links:?}"));
    assert!(
        on_exhibit.reason.ends_with("; on exhibit EX-9"),
        "{}",
        on_exhibit.reason
    );
    let note = links
        .iter()
        .position(|l| l.kind == interdict::domain::ItemKind::Note && l.reason.contains("on case"))
        .unwrap();
    let text = ui.text();
    assert!(text.contains("4 Links (3)"), "{text}");
    assert!(text.contains("note lead 2026-03-10"), "{text}");
    // Enter on it goes to the case it is on
    for _ in 0..note {
        ui.keys("j");
    }
    ui.keys("enter");
    let now = ui.session.app.current.clone().unwrap();
    assert_eq!(now.id, c.meta.id, "{:?}", now);
}
