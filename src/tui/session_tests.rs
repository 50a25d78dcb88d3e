//! The interface over a real notebook, as a person at an 80x24 terminal
//! uses it: real key events through the real keymap into a [`Session`],
//! each frame drawn into ratatui's `TestBackend`, and the asserts on what
//! the frame shows and on the state behind it.

use super::Session;
use super::keymap::Keymap;
use super::theme::Theme;
use super::view;
use crate::store::{OpenOptions, Store};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;

const W: u16 = 80;
const H: u16 = 24;

pub(super) struct Ui {
    dir: tempfile::TempDir,
    pub s: Session,
}

/// The notebook file of a test, written as `who`.
pub(super) fn open(dir: &tempfile::TempDir, who: &str) -> Store {
    Store::open(&dir.path().join("nb.db"), OpenOptions::new(who)).unwrap()
}

impl Ui {
    /// The interface at 80x24 (no colour) over a demo notebook of
    /// `parcels` parcels.
    pub fn new(parcels: usize) -> Ui {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(&dir, "tester");
        if parcels > 0 {
            crate::exchange::demo::generate(&mut store, parcels, 3, |_, _| {}).unwrap();
        }
        Ui::over(dir, store)
    }

    /// The interface over a notebook already made.
    pub fn over(dir: tempfile::TempDir, store: Store) -> Ui {
        let mut s = Session::new(
            store,
            Keymap::defaults(),
            Theme::new(false),
            view::page_rows(H),
        );
        s.resize(W, H);
        s.settle();
        Ui { dir, s }
    }

    /// A second interface on the same notebook file (another window, or
    /// a colleague on the shared server).
    pub fn second(&self) -> Ui {
        let store = open(&self.dir, "colleague");
        Ui::over(tempfile::tempdir().unwrap(), store)
    }

    /// What the user sees after the interface's next look at the
    /// notebook (which it takes twice a second).
    pub fn look(&mut self) -> &mut Ui {
        self.s.runner.last_refresh = std::time::Instant::now() - self.s.runner.refresh_every;
        self.s.tick();
        self.s.settle();
        self
    }

    /// Presses one key written as in the keymap (`ctrl-s`, `j`).
    fn press(&mut self, name: &str) {
        let combo = crokey::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let ev = KeyEvent::new(*combo.codes.first(), combo.modifiers);
        self.s.handle_event(Event::Key(ev));
    }

    /// Presses keys written as in the keymap, space-separated.
    pub fn keys(&mut self, seq: &str) -> &mut Ui {
        for name in seq.split_whitespace() {
            self.press(name);
            self.s.settle();
        }
        self
    }

    /// Presses keys as fast as a hurried person: one after the other,
    /// nothing waited for in between (searches run on meanwhile); then
    /// waits for what is in flight.
    pub fn burst(&mut self, seq: &str) -> &mut Ui {
        for name in seq.split_whitespace() {
            self.press(name);
        }
        self.s.settle();
        self
    }

    /// Types text, a key event per character.
    pub fn typed(&mut self, text: &str) -> &mut Ui {
        for c in text.chars() {
            let m = if c.is_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            self.s
                .handle_event(Event::Key(KeyEvent::new(KeyCode::Char(c), m)));
            self.s.settle();
        }
        self
    }

    pub fn render(&self) -> Terminal<TestBackend> {
        let mut t = Terminal::new(TestBackend::new(W, H)).unwrap();
        t.draw(|f| view::draw(f, &self.s.app)).unwrap();
        t
    }

    /// The frame's lines.
    pub fn lines(&self) -> Vec<String> {
        let t = self.render();
        let buf = t.backend().buffer();
        (0..H)
            .map(|y| (0..W).map(|x| buf[(x, y)].symbol()).collect::<String>())
            .collect()
    }

    pub fn text(&self) -> String {
        self.lines().join("\n")
    }

    /// The frame but its status line.
    pub fn panes(&self) -> String {
        self.lines()[..H as usize - 1].join("\n")
    }

    /// The status line.
    pub fn status(&self) -> String {
        self.lines()[H as usize - 1].trim_end().to_string()
    }

    /// The rows of the left pane drawn as the selection (reversed, with
    /// no colour), below the tabs.
    pub fn highlighted(&self) -> Vec<String> {
        let t = self.render();
        let buf = t.backend().buffer();
        (1..H - 1)
            .filter(|y| buf[(2, *y)].modifier.contains(Modifier::REVERSED))
            .map(|y| (1..W / 2).map(|x| buf[(x, y)].symbol()).collect::<String>())
            .collect()
    }

    /// The id and first cell of the focused list's row under the cursor.
    pub fn selected(&self) -> (uuid::Uuid, String) {
        let l = &self.s.app.lists[self.s.app.pane.index()];
        let r = l.selected().expect("a row under the cursor");
        (r.id, r.cells[0].clone())
    }
}

/// Esc drops a filter and the list shows everything again: the item that
/// was highlighted among the matches stays highlighted (it used to be
/// the row at the same number in the whole list, or the first).
#[test]
fn dropping_a_filter_keeps_the_highlighted_item() {
    let mut ui = Ui::new(120);
    ui.keys("2 /").typed("tea").keys("down down");
    let (id, tracking) = ui.selected();
    assert_eq!(ui.s.app.lists[1].cursor, 2);
    let pos =
        crate::store::records::position(ui.s.store().conn(), crate::domain::ItemKind::Parcel, id)
            .unwrap()
            .unwrap()
            .1;
    assert!(pos > 2, "the third match is further down the whole list");
    // Esc while typing.
    ui.keys("esc");
    assert!(!ui.s.app.lists[1].filtered());
    assert_eq!(ui.selected().0, id);
    assert_eq!(ui.s.app.current.as_ref().map(|c| c.id), Some(id));
    let shown = ui.highlighted();
    assert!(
        shown.len() == 1 && shown[0].contains(&tracking),
        "{shown:?}\n{}",
        ui.text()
    );
    assert!(
        ui.lines()[1].contains(&format!("Parcels {}/120", pos + 1)),
        "{}",
        ui.text()
    );
    assert!(ui.lines()[1].contains(&format!("parcel {tracking}")));
    // Esc after the filter was kept with Enter, and moved in.
    ui.keys("/").typed("tea").keys("enter j j j j");
    let (id, tracking) = ui.selected();
    ui.keys("esc");
    assert_eq!(ui.selected().0, id);
    assert!(ui.highlighted()[0].contains(&tracking), "{}", ui.text());
}

/// `[` right after Enter opened an item from its list comes back to that
/// list and row (it said "nothing to go back to", or went to an item seen
/// before); a filter the list had is still there, and `]` opens the item
/// again.
#[test]
fn back_after_opening_an_item_returns_to_its_list() {
    let mut ui = Ui::new(120);
    // An older hop, which back used to return to instead.
    ui.keys("1 enter j enter");
    ui.keys("2 g g j j");
    let (id, tracking) = ui.selected();
    ui.keys("enter");
    assert!(ui.lines()[1].contains(&format!("Links of parcel {tracking}")));
    ui.keys("[");
    assert_eq!(ui.s.app.pane, super::app::Pane::Parcels, "{}", ui.text());
    assert_eq!(ui.selected().0, id);
    assert!(ui.lines()[1].contains("Parcels 3/120"), "{}", ui.text());
    assert!(ui.highlighted()[0].contains(&tracking), "{}", ui.text());
    assert!(
        !ui.status().contains("nothing to go back"),
        "{}",
        ui.status()
    );
    // Forward opens it again, on the same row of links.
    ui.keys("]");
    assert!(ui.lines()[1].contains(&format!("Links of parcel {tracking}")));
    // From a filtered list: back keeps the filter and the row.
    ui.keys("[ /").typed("tea").keys("enter j");
    let (id, tracking) = ui.selected();
    ui.keys("enter [");
    assert_eq!(ui.s.app.pane, super::app::Pane::Parcels);
    assert_eq!(ui.selected().0, id);
    assert!(ui.lines()[1].contains("/tea"), "{}", ui.text());
    assert!(ui.highlighted()[0].contains(&tracking), "{}", ui.text());
    // And further back, the hops taken before.
    ui.keys("[");
    assert_ne!(ui.s.app.current.as_ref().map(|c| c.id), Some(id));
}

/// Parcels logged one after another from a case's Links pane all go
/// into the case: the first save left the Links pane for the Parcels
/// pane, where `a` opened a form with no case, and the parcels after the
/// first were in none, unsaid.
#[test]
fn parcels_added_from_a_cases_links_pane_all_go_into_the_case() {
    let mut ui = Ui::new(0);
    ui.keys("a").typed("Op Series").keys("ctrl-s");
    // A case typed in other letters is said by its reference.
    ui.keys("2")
        .keys("a")
        .typed("RR000000178RU")
        .keys("backtab")
        .typed(" c-1 ")
        .keys("ctrl-s");
    assert!(
        ui.status()
            .contains("created parcel RR000000178RU in case C-0001"),
        "{}",
        ui.text()
    );
    ui.keys("1").keys("4");
    for t in ["RR123456785KZ", "RR000000155RU", "RR000000164RU"] {
        ui.keys("a").typed(t).keys("ctrl-s");
        assert!(
            ui.status()
                .contains(&format!("created parcel {t} in case C-0001")),
            "{}",
            ui.text()
        );
        assert_eq!(ui.s.app.pane, super::app::Pane::Links, "{}", ui.text());
    }
    let c = ui.s.runner.store.conn();
    let case =
        crate::store::refs::resolve_kind(c, "C-0001", crate::domain::ItemKind::Case).unwrap();
    assert_eq!(
        crate::store::related::parcel_count_in_case(c, case.id).unwrap(),
        4
    );
    // The Links pane shows them.
    assert!(ui.text().contains("RR000000164RU"), "{}", ui.text());
}

/// A count of one reads in the singular where counts are drawn: a
/// parcel deleted with nothing attached is "(1 record)", a frequency
/// sheet over one parcel counts "1 item" (they said "1 records", "1
/// items").
#[test]
fn a_count_of_one_reads_in_the_singular() {
    let mut ui = Ui::new(0);
    ui.keys("a").typed("Op Test").keys("ctrl-s");
    ui.keys("2 a").typed("RR123456785KZ").keys("ctrl-s");
    assert!(ui.status().contains("created parcel RR123456785KZ"));
    ui.keys("/")
        .typed("RR123456785KZ")
        .keys("enter shift-f enter");
    let title = ui.lines()[0].clone();
    assert!(title.contains("(1 item)"), "{}", ui.text());
    ui.keys("esc esc esc x y");
    assert!(
        ui.status()
            .contains("deleted parcel RR123456785KZ (1 record)"),
        "{}",
        ui.status()
    );
    assert_eq!(super::draw::counted(0, "record", "records"), "0 records");
    assert_eq!(super::draw::counted(2, "record", "records"), "2 records");
}

/// Whether a character is a line of a box.
fn boxy(c: char) -> bool {
    ('\u{2500}'..='\u{257f}').contains(&c)
}

/// The box whose top border holds `title`: its left, top, right and
/// bottom columns and rows.
fn box_around(lines: &[Vec<char>], title: &str) -> (usize, usize, usize, usize) {
    let (top, at) = lines
        .iter()
        .enumerate()
        .find_map(|(y, l)| {
            let s: String = l.iter().collect();
            s.find(title).map(|b| (y, s[..b].chars().count()))
        })
        .unwrap_or_else(|| panic!("no box titled {title:?}"));
    let left = (0..at).rev().find(|x| lines[top][*x] == '┌').unwrap();
    let right = (at..lines[top].len())
        .find(|x| lines[top][*x] == '┐')
        .unwrap();
    let bottom = (top..lines.len()).find(|y| lines[*y][left] == '└').unwrap();
    (left, top, right, bottom)
}

/// A pop-up is drawn with a cell of space around it: no line of the
/// panes' boxes stands against its border (at 80 columns the form and
/// the pickers were drawn one cell in, so the panes' borders doubled
/// theirs: `┌┌`, `││`, `┘┘`).
#[test]
fn pop_ups_have_no_border_against_their_own() {
    let mut ui = Ui::new(40);
    let check = |ui: &Ui, title: &str| {
        let lines: Vec<Vec<char>> = ui.lines().iter().map(|l| l.chars().collect()).collect();
        let (l, t, r, b) = box_around(&lines, title);
        let mut around = Vec::new();
        let rows = t.saturating_sub(1)..=(b + 1).min(lines.len() - 2);
        for line in &lines[rows] {
            if l > 0 {
                around.push(line[l - 1]);
            }
            if r + 1 < line.len() {
                around.push(line[r + 1]);
            }
        }
        for x in l..=r {
            if t > 1 {
                around.push(lines[t - 1][x]);
            }
            if b + 2 < lines.len() {
                around.push(lines[b + 1][x]);
            }
        }
        assert!(
            !around.iter().any(|c| boxy(*c)),
            "{title}: a border against the pop-up's\n{}",
            ui.text()
        );
    };
    ui.keys("2 a");
    check(&ui, " New parcel ");
    ui.keys("esc s");
    ui.typed("ru");
    check(&ui, " Search everything ");
    ui.keys("esc l");
    ui.typed("ru");
    check(&ui, " Link ");
    ui.keys("enter");
    check(&ui, ": type ");
    ui.keys("esc v");
    check(&ui, " Record about ");
    ui.keys("esc n");
    check(&ui, " Note on ");
    ui.keys("esc x");
    check(&ui, " Confirm ");
    ui.keys("n 1 e");
    check(&ui, " Edit case ");
}

/// A save's warning is said once per cause: not twice in one message,
/// not again on the next saves of the item while the cause lasts, and
/// again when the cause went and came back.
#[test]
fn a_save_warning_is_said_once_per_cause() {
    const CLOSED: &str = "the case is closed but has no closing date";
    let mut ui = Ui::new(40);
    let last = |ui: &Ui| ui.s.app.log.last().unwrap().1.clone();
    // Closed with no closing date: warned, once.
    ui.keys("1 g g e tab ctrl-u").typed("closed").keys("ctrl-s");
    assert!(
        ui.status().contains("(warning: closed_on:"),
        "{}",
        ui.status()
    );
    assert_eq!(last(&ui).matches(CLOSED).count(), 1, "{}", last(&ui));
    // Saved again, the cause still there: not said again.
    ui.keys("e").typed(" two").keys("ctrl-s");
    assert!(
        ui.status().starts_with("saved case C-0001"),
        "{}",
        ui.status()
    );
    assert!(!ui.status().contains("warning"), "{}", ui.status());
    ui.keys("e").typed(" three").keys("ctrl-s");
    assert!(!last(&ui).contains(CLOSED), "{}", last(&ui));
    // The cause goes (a closing date), then comes back: said again.
    ui.keys("e tab tab tab").typed("2026-01-31").keys("ctrl-s");
    assert!(!last(&ui).contains(CLOSED));
    ui.keys("e tab tab tab ctrl-u ctrl-s");
    assert_eq!(last(&ui).matches(CLOSED).count(), 1, "{}", last(&ui));
}

/// Deletes a parcel by its tracking number from another interface on the
/// same notebook, by its keys.
fn delete_from(other: &mut Ui, tracking: &str) {
    other.keys("2 esc /").typed(tracking).keys("enter");
    assert_eq!(other.selected().1, tracking, "{}", other.text());
    other.keys("x y");
    assert!(
        other
            .status()
            .contains(&format!("deleted parcel {tracking}")),
        "{}",
        other.status()
    );
}

/// What no message should show: the store's own words for a missing row.
/// The status line says the parcel `tracking` was deleted by the other
/// interface, in words (no raw error).
fn says_deleted_elsewhere(ui: &Ui, tracking: &str) {
    let said = ui.status();
    assert!(
        said.starts_with(&format!(
            "parcel {tracking} was deleted elsewhere (by colleague"
        )),
        "{said}"
    );
    assert!(!raw(&said), "{said}");
}

fn raw(status: &str) -> bool {
    status.contains("no parcel with id")
        || status.contains("no item has id")
        || status.contains("database error")
        || status.contains("(missing ")
}

/// Two interfaces on one notebook: a parcel the other deleted, still
/// among this one's filter matches, is edited, deleted and opened here.
/// Each says it was deleted elsewhere, by whom, naming it (it used to
/// show "no parcel with id 0190…"), drops it from the matches, and
/// keeps the filter.
#[test]
fn acting_on_a_parcel_deleted_elsewhere_says_so() {
    let mut ui = Ui::new(60);
    let mut other = ui.second();
    ui.keys("2 /").typed("ru").keys("enter j");
    let (id, tracking) = ui.selected();
    let matches = ui.s.app.lists[1].len();
    delete_from(&mut other, &tracking);
    // Edit.
    ui.keys("e");
    says_deleted_elsewhere(&ui, &tracking);
    assert!(
        ui.s.app
            .log
            .last()
            .unwrap()
            .1
            .ends_with(": nothing to edit")
    );
    assert!(matches!(ui.s.app.modal, super::app::Modal::None));
    assert!(
        ui.lines()[1].contains("/ru"),
        "the filter stays: {}",
        ui.text()
    );
    assert_eq!(ui.s.app.lists[1].len(), matches - 1);
    assert!(ui.s.app.lists[1].hits.iter().all(|r| r.id != id));
    assert!(!ui.panes().contains(&tracking), "{}", ui.text());
    // Delete, and open: the next match, deleted too.
    let (_, next) = ui.selected();
    delete_from(&mut other, &next);
    ui.keys("x y");
    says_deleted_elsewhere(&ui, &next);
    assert!(
        ui.s.app
            .log
            .last()
            .unwrap()
            .1
            .ends_with("already: nothing more to delete")
    );
    let (_, third) = ui.selected();
    delete_from(&mut other, &third);
    ui.keys("enter");
    assert!(
        ui.status()
            .starts_with(&format!("parcel {third} was deleted elsewhere")),
        "{}",
        ui.status()
    );
    assert_eq!(ui.s.app.pane, super::app::Pane::Parcels);
    assert!(ui.s.app.current.as_ref().is_none_or(|c| c.label != third));
}

/// Following a link (Enter in the Links pane) to a parcel deleted
/// elsewhere says so and leaves the user where they were: the same item
/// shown, no hop recorded, the Parcels pane's filter kept; the link
/// leaves the pane.
#[test]
fn following_a_link_to_a_parcel_deleted_elsewhere_stays_put() {
    let mut ui = Ui::new(60);
    let mut other = ui.second();
    ui.keys("2 /").typed("ru").keys("enter 1 g g 4");
    let case = ui.s.app.current.clone().unwrap();
    // The first parcel the case includes.
    let at =
        ui.s.app
            .links
            .iter()
            .position(|l| l.group == "Includes")
            .unwrap();
    let tracking = ui.s.app.links[at].label.clone();
    for _ in 0..at {
        ui.keys("j");
    }
    let back = ui.s.app.back.len();
    delete_from(&mut other, &tracking);
    ui.keys("enter");
    says_deleted_elsewhere(&ui, &tracking);
    assert_eq!(ui.s.app.pane, super::app::Pane::Links);
    assert_eq!(ui.s.app.current.as_ref().map(|c| c.id), Some(case.id));
    assert_eq!(ui.s.app.back.len(), back, "no hop to a parcel that is gone");
    assert!(ui.s.app.links.iter().all(|l| l.label != tracking));
    assert_eq!(ui.s.app.lists[1].filter.as_deref(), Some("ru"));
}

/// A form, a note and a link under way on a parcel the other interface
/// deletes: nothing typed is lost. The edit form stays open with what
/// was typed and says that saving again adds it as a new parcel (which
/// it does); the note's text is kept for Ctrl-y; the link says no link
/// was made.
#[test]
fn what_was_typed_for_a_parcel_deleted_elsewhere_is_kept() {
    let mut ui = Ui::new(60);
    let mut other = ui.second();
    // The edit form.
    ui.keys("2 g g j");
    let (_, tracking) = ui.selected();
    ui.keys("e tab ctrl-u").typed("Kazpost Express");
    delete_from(&mut other, &tracking);
    ui.keys("ctrl-s");
    let super::app::Modal::Form(f) = &ui.s.app.modal else {
        panic!("the form closed: {}", ui.text())
    };
    assert!(f.editing.is_none());
    assert!(f.fields.iter().any(|x| x.value == "Kazpost Express"));
    let text = ui.text();
    assert!(text.contains(" New parcel "), "{text}");
    assert!(
        text.contains(&format!("parcel {tracking} was deleted elsewhere")),
        "{text}"
    );
    assert!(text.contains("save again to add"), "{text}");
    assert!(!raw(&text), "{text}");
    ui.keys("ctrl-s");
    assert!(
        ui.status()
            .starts_with(&format!("created parcel {tracking}")),
        "{}",
        ui.status()
    );
    // The note.
    ui.keys("2 g g j j");
    let (_, tracking) = ui.selected();
    ui.keys("n").typed("same phone as the March parcels");
    delete_from(&mut other, &tracking);
    ui.keys("enter");
    assert!(matches!(ui.s.app.modal, super::app::Modal::None));
    assert!(
        ui.status()
            .starts_with(&format!("parcel {tracking} was deleted elsewhere")),
        "{}",
        ui.status()
    );
    assert_eq!(ui.s.app.cut, "same phone as the March parcels");
    ui.keys("n ctrl-y");
    assert!(
        ui.text().contains("same phone as the March"),
        "{}",
        ui.text()
    );
    ui.keys("esc esc");
    // The link, to a parcel deleted while its type is chosen.
    let (_, from) = ui.selected();
    ui.keys("l");
    let to = ui.s.app.lists[1].rows[5].cells[0].clone();
    assert_ne!(to, from);
    ui.typed(&to).keys("enter");
    delete_from(&mut other, &to);
    ui.keys("j j enter");
    assert!(
        ui.status()
            .starts_with(&format!("parcel {to} was deleted elsewhere")),
        "{}",
        ui.status()
    );
    assert!(
        ui.s.app
            .log
            .last()
            .unwrap()
            .1
            .ends_with(": no link was made")
    );
}

/// The item shown, deleted by the other interface, is said to be gone
/// at the next look at the notebook, as the list loses its row.
#[test]
fn the_item_shown_deleted_elsewhere_is_said_to_be_gone() {
    let mut ui = Ui::new(60);
    let mut other = ui.second();
    ui.keys("2 g g j j");
    let (_, tracking) = ui.selected();
    delete_from(&mut other, &tracking);
    ui.look();
    says_deleted_elsewhere(&ui, &tracking);
    assert_ne!(ui.selected().1, tracking);
    assert!(!ui.panes().contains(&tracking), "{}", ui.text());
}

/// The Links pane's cursor stays on its connection when the item shown
/// is read again: after a write elsewhere (it went back to the first
/// row each time anyone wrote anything), and after a note here; after
/// deleting the row under it, it stays where it was.
#[test]
fn the_links_cursor_stays_when_the_item_is_read_again() {
    let mut ui = Ui::new(60);
    let mut other = ui.second();
    ui.keys("1 g g 4 j j j j j");
    let row = |ui: &Ui| ui.s.app.links[ui.s.app.links_cursor].clone();
    let before = row(&ui);
    assert_eq!(ui.s.app.links_cursor, 5);
    // A note written elsewhere, on a substance.
    other
        .keys("3 g g n")
        .typed("seen in a forum post")
        .keys("enter");
    ui.look();
    assert_eq!(row(&ui), before, "{}", ui.text());
    assert!(
        ui.highlighted()[0].contains(&before.label),
        "{:?}\n{}",
        ui.highlighted(),
        ui.text()
    );
    // A note written here, on the case: the row stays under the cursor.
    ui.keys("n").typed("called the recipient").keys("enter");
    assert_eq!(row(&ui), before);
    // The note deleted from the Links pane: the cursor stays at its place.
    ui.keys("shift-g");
    let last = ui.s.app.links_cursor;
    assert_eq!(row(&ui).group, "Notes");
    ui.keys("x y");
    assert!(ui.status().starts_with("deleted note"), "{}", ui.status());
    assert_eq!(ui.s.app.links_cursor, last - 1);
}

/// The choice of a link's type offers only the types its two ends can
/// take: between two parcels no includes, analogue-of or member-of (it
/// offered every type, and the store refused those its ends could not
/// take); the second offered is same-sender-as, and it is made.
#[test]
fn a_links_type_is_chosen_among_those_its_ends_take() {
    let mut ui = Ui::new(60);
    ui.keys("2 g g");
    let to = ui.s.app.lists[1].rows[3].cells[0].clone();
    ui.keys("l").typed(&to).keys("enter");
    let super::app::Modal::Picker(p) = &ui.s.app.modal else {
        panic!("no choice of type: {}", ui.text())
    };
    assert!(matches!(
        &p.purpose,
        super::picker::PickerPurpose::LinkType { to: t, .. } if t.label == to
    ));
    let text = ui.text();
    assert!(text.contains(&format!(" to {to}: type ")), "{text}");
    assert!(text.contains("  same-sender-as"), "{text}");
    for t in ["includes", "analogue-of", "member-of", "sender-of"] {
        assert!(!text.contains(&format!("  {t}")), "{t} offered:\n{text}");
    }
    ui.keys("j enter");
    assert!(
        ui.status().contains(&format!("same-sender-as parcel {to}")),
        "{}",
        ui.status()
    );
}

/// Moves pressed right after a filter's query, before its search has
/// answered, are not lost: `/ru Enter j j` ends on the third match (the
/// answer put the cursor back on the first).
#[test]
fn moves_typed_ahead_of_a_filters_answer_count() {
    let mut ui = Ui::new(60);
    ui.keys("2");
    ui.burst("/ r u enter j j");
    assert!(ui.s.app.lists[1].filtered());
    assert_eq!(ui.s.app.lists[1].cursor, 2, "{}", ui.text());
    let third = ui.s.app.lists[1].hits[2].cells[0].clone();
    assert!(ui.lines()[1].contains("Parcels 3/"), "{}", ui.text());
    assert!(ui.highlighted()[0].contains(&third), "{}", ui.text());
    assert_eq!(ui.selected().1, third);
    assert_eq!(
        ui.s.app.current.as_ref().map(|c| c.label.as_str()),
        Some(third.as_str())
    );
    // A longer query, and a move before its answer: from its first match.
    ui.burst("/ s enter j");
    assert_eq!(ui.s.app.lists[1].filter.as_deref(), Some("rus"));
    assert_eq!(ui.s.app.lists[1].cursor, 1, "{}", ui.text());
}

/// A note typed at once after a filter's query, before its rows came,
/// is written on the filter's top match: `n` waited for nothing, met no
/// row ("select an item to write a note on"), and the note's text ran as
/// list commands (a tester's `x` then `y` deleted the top match). And
/// `Enter` typed so opens the top match, not the row the filter replaced.
#[test]
fn keys_typed_ahead_of_a_filters_rows_act_on_them() {
    use std::sync::atomic::Ordering;
    let mut ui = Ui::new(60);
    ui.keys("2");
    let before = ui.s.app.lists[1].selected().map(|r| r.cells[0].clone());
    let count = |ui: &Ui| -> i64 {
        ui.s.store()
            .conn()
            .query_row("SELECT count(*) FROM parcels", [], |r| r.get(0))
            .unwrap()
    };
    let parcels = count(&ui);
    let hold = |ui: &Ui, ms| {
        ui.s.runner
            .searcher
            .as_ref()
            .unwrap()
            .hold
            .store(ms, Ordering::SeqCst)
    };
    hold(&ui, 300);
    ui.burst("/ r u enter n x y");
    let top = ui.s.app.lists[1].hits[0].cells[0].clone();
    assert_ne!(
        Some(&top),
        before.as_ref(),
        "the filter kept the row before"
    );
    let text = ui.text();
    assert!(text.contains("xy") && text.contains(&top), "{text}");
    assert_eq!(count(&ui), parcels);
    ui.keys("esc esc esc");
    hold(&ui, 300);
    ui.burst("/ s enter enter");
    let top = ui.s.app.lists[1].hits[0].cells[0].clone();
    assert_eq!(ui.s.app.lists[1].filter.as_deref(), Some("s"));
    let text = ui.text();
    assert!(text.contains(&format!("Links of parcel {top}")), "{text}");
}

/// The last field's error is read whole at 80x24 (the form showed its
/// first line), and a wrong case under "In case" is said of cases (it
/// listed every kind of item and a command to type).
#[test]
fn the_last_fields_whole_error_is_in_view() {
    let mut ui = Ui::new(20);
    ui.keys("2 a");
    ui.typed("RR000000031KZ");
    ui.keys("backtab");
    ui.typed("5KZ");
    ui.keys("ctrl-s");
    let text = ui.text();
    assert!(
        text.contains("no case matches \"5KZ\" (a case is named by its")
            && text.contains("reference, C-0001, or its title)"),
        "{text}"
    );
    assert!(!text.contains("interdict search"), "{text}");
}

/// A lone `g` says it waits for the key that finishes it, and a next key
/// that does not (`g j`) does its own work: it was lost without a word.
#[test]
fn a_key_after_a_lone_g_does_its_own_work() {
    let mut ui = Ui::new(20);
    ui.keys("2 j j");
    assert_eq!(ui.s.app.lists[1].cursor, 2);
    ui.keys("g");
    assert!(ui.status().contains("g… (a key of two"), "{}", ui.status());
    ui.keys("j");
    assert_eq!(ui.s.app.lists[1].cursor, 3, "{}", ui.text());
    ui.keys("g g");
    assert_eq!(ui.s.app.lists[1].cursor, 0, "{}", ui.text());
}

/// A warning that each key repeats (typing on at a filter's cap) is on
/// the status line while it holds, and once in the log of messages (it
/// was logged once per key).
#[test]
fn a_warning_repeated_by_each_key_is_logged_once() {
    use super::text::QUERY_MAX_CHARS;
    let mut ui = Ui::new(10);
    ui.keys("2 /");
    let before = ui.s.app.log.len();
    ui.burst(&"k ".repeat(QUERY_MAX_CHARS + 20));
    let said = format!("this field holds at most {QUERY_MAX_CHARS} characters");
    assert_eq!(ui.status(), said);
    let logged: Vec<_> = ui.s.app.log[before..]
        .iter()
        .filter(|(_, t, _)| *t == said)
        .collect();
    assert_eq!(logged.len(), 1, "{:?}", &ui.s.app.log[before..]);
    ui.keys("esc shift-m");
    assert_eq!(
        ui.text().matches("holds at most").count(),
        1,
        "{}",
        ui.text()
    );
}

/// The log of messages shows a name's invisible and reordering
/// characters as the status line does, as visible escapes (it took them
/// out, showing a name that is not the stored one, and sent a joiner to
/// the terminal raw).
#[test]
fn the_log_of_messages_shows_invisible_characters_as_escapes() {
    let mut ui = Ui::new(0);
    ui.keys("a")
        .typed("Invoice\u{202E}gpj.exe A\u{200D}B")
        .keys("ctrl-s");
    assert!(ui.status().contains("<U+202E>"), "{}", ui.status());
    ui.keys("shift-m");
    let text = ui.text();
    assert!(text.contains("Invoice<U+202E>gpj.exe A<U+200D>B"), "{text}");
    assert!(
        !text.contains('\u{200D}') && !text.contains('\u{202E}'),
        "{text}"
    );
}

/// `v` on an exhibit's row in its parcel's Links pane offers a custody
/// hand-over of that exhibit (it offered the parcel's own kinds, the
/// hand-over only after opening the exhibit).
#[test]
fn v_on_an_exhibits_row_offers_its_custody() {
    let mut ui = Ui::new(60);
    let (exhibit, tracking): (uuid::Uuid, String) =
        ui.s.runner
            .store
            .conn()
            .query_row(
                "SELECT e.id, p.tracking FROM exhibits e JOIN parcels p ON p.id = e.parcel_id
                 ORDER BY p.n LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
    ui.keys("2 /").typed(&tracking).keys("enter enter");
    for _ in 0..30 {
        let on = ui.s.app.links.get(ui.s.app.links_cursor).map(|l| l.id);
        if on == Some(exhibit) {
            break;
        }
        ui.keys("j");
    }
    assert_eq!(
        ui.s.app.links.get(ui.s.app.links_cursor).map(|l| l.id),
        Some(exhibit),
        "{}",
        ui.text()
    );
    ui.keys("v");
    let text = ui.text();
    assert!(text.contains("custody hand-over"), "{text}");
    assert!(!text.contains("inspection:"), "the parcel's own: {text}");
}

/// A finding is never an item shown, so a laboratory result is recorded
/// from its row in the Links pane: `v` there offers what is recorded
/// about the finding, and the result saved through the evidence rules
/// makes it lab-confirmed.
#[test]
fn a_lab_result_is_recorded_from_a_findings_row_in_the_links_pane() {
    let mut ui = Ui::new(60);
    let (finding, tracking): (uuid::Uuid, String) =
        ui.s.runner
            .store
            .conn()
            .query_row(
                "SELECT f.id, p.tracking FROM findings f JOIN parcels p ON p.id = f.parcel_id
             WHERE f.identification = 'presumptive' AND NOT EXISTS
               (SELECT 1 FROM lab_results r WHERE r.finding_id = f.id)
             ORDER BY p.n LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
    ui.keys("2 /").typed(&tracking).keys("enter enter");
    for _ in 0..20 {
        let on =
            ui.s.app
                .links
                .get(ui.s.app.links_cursor)
                .and_then(|l| l.via);
        if on == Some((crate::domain::ItemKind::Finding, finding)) {
            break;
        }
        ui.keys("j");
    }
    ui.keys("v");
    let text = ui.text();
    assert!(text.contains("laboratory result"), "{text}");
    assert!(!text.contains("inspection:"), "the parcel's own: {text}");
    ui.keys("enter")
        .typed("CFL")
        .keys("tab")
        .typed("CFL-7")
        .keys("tab")
        .typed("GC-MS,FTIR")
        .keys("ctrl-s");
    let status = ui.status();
    assert!(status.contains("lab"), "{status}\n{}", ui.text());
    let identification: String =
        ui.s.runner
            .store
            .conn()
            .query_row(
                "SELECT identification FROM findings WHERE id = ?1",
                [finding],
                |r| r.get(0),
            )
            .unwrap();
    assert_eq!(identification, "lab-confirmed", "{}", ui.text());
}

/// Quitting closes the worker threads' connections before the
/// notebook's own, which, the last to close, folds the log into the file:
/// the notebook file alone holds the session's work (a worker's
/// connection left open at exit left it in the log beside it, and a copy
/// of the file alone without it).
#[test]
fn after_the_interface_the_notebook_file_alone_holds_everything() {
    let mut ui = Ui::new(60);
    // The filter's worker and the analyst's, each with its connection.
    ui.keys("2 /").typed("tea").keys("enter F esc esc");
    let Ui { dir, s } = ui;
    drop(s);
    let wal = dir.path().join("nb.db-wal");
    let left = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(left, 0, "the log left beside the notebook file");
    let copy = dir.path().join("copy.db");
    std::fs::copy(dir.path().join("nb.db"), &copy).unwrap();
    let parcels: i64 = rusqlite::Connection::open(&copy)
        .unwrap()
        .query_row("SELECT count(*) FROM parcels", [], |r| r.get(0))
        .unwrap();
    assert_eq!(parcels, 60, "the file alone");
}

/// A kept filter shows what others write: a parcel written elsewhere
/// that matches it joins its matches at the next look (the list kept the
/// matches of the moment it was typed), the cursor staying on the item it
/// was on; a filter kept on another pane is searched again once shown.
#[test]
fn a_kept_filter_shows_matches_written_elsewhere() {
    use crate::domain::{Parcel, record::new_record};
    let mut ui = Ui::new(60);
    let mut other = open(&ui.dir, "carol");
    let add = |st: &mut Store, n: u32| {
        let t = crate::exchange::demo::s10_number("RR", 900 + n, "KZ");
        let (mut p, _) = new_record::<Parcel>(&[
            ("tracking", t.as_str()),
            ("recipient_name", "Serik Zhaksylykov"),
        ])
        .unwrap();
        st.write(|w| crate::store::create::parcel(w, &mut p))
            .unwrap();
        t
    };
    add(&mut other, 1);
    add(&mut other, 2);
    ui.look();
    ui.keys("2 /").typed("zhaksylykov").keys("enter j");
    assert_eq!(ui.s.app.lists[1].hits.len(), 2, "{}", ui.text());
    let (id, tracking) = ui.selected();
    let third = add(&mut other, 3);
    ui.look();
    let hits: Vec<String> = ui.s.app.lists[1]
        .hits
        .iter()
        .map(|r| r.cells[0].clone())
        .collect();
    assert!(hits.contains(&third), "{hits:?}\n{}", ui.text());
    assert_eq!(hits.len(), 3);
    assert_eq!(ui.selected(), (id, tracking.clone()), "{}", ui.text());
    // Kept on the parcels while the cases are shown: searched again when
    // the parcels are.
    ui.keys("1");
    let fourth = add(&mut other, 4);
    ui.look();
    ui.keys("2");
    ui.look();
    let hits: Vec<String> = ui.s.app.lists[1]
        .hits
        .iter()
        .map(|r| r.cells[0].clone())
        .collect();
    assert!(hits.contains(&fourth), "{hits:?}\n{}", ui.text());
    assert_eq!(ui.selected().1, tracking);
    // A filter still being typed shows them too, its prompt open (it
    // waited for Enter, though nothing was typed for seconds).
    ui.keys("esc 2 /").typed("zhaksylykov");
    assert_eq!(ui.s.app.lists[1].hits.len(), 4, "{}", ui.text());
    let fifth = add(&mut other, 5);
    ui.look();
    ui.look();
    assert!(ui.s.app.filter_typing);
    let hits: Vec<String> = ui.s.app.lists[1]
        .hits
        .iter()
        .map(|r| r.cells[0].clone())
        .collect();
    assert!(hits.contains(&fifth), "{hits:?}\n{}", ui.text());
    // And the typing goes on where it was.
    ui.typed(" s");
    assert_eq!(ui.s.app.lists[1].filter.as_deref(), Some("zhaksylykov s"));
}

/// The number of an exhibit of the demo with a custody log, and its
/// parcel's tracking number.
fn exhibit_in_custody(ui: &Ui) -> (String, String) {
    ui.s.runner
        .store
        .conn()
        .query_row(
            "SELECT e.number, p.tracking FROM exhibits e JOIN parcels p ON p.id = e.parcel_id
             WHERE EXISTS (SELECT 1 FROM custody c WHERE c.exhibit_id = e.id) LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

/// An exhibit's page says what it is an exhibit of (Enter opens the
/// parcel) and shows its custody chain; the parcel lists its exhibits.
/// It said "no links, findings or shared identifiers" and showed neither.
#[test]
fn an_exhibit_shows_its_parcel_and_its_custody() {
    let mut ui = Ui::new(300);
    let (number, tracking) = exhibit_in_custody(&ui);
    ui.keys("s").typed(&number).keys("enter");
    let text = ui.text();
    assert!(
        text.contains("Exhibit of") && text.contains(&tracking),
        "{text}"
    );
    assert!(text.contains("Hand-over 1"), "{text}");
    assert!(!text.contains("no links, findings"), "{text}");
    // Enter on the parcel's row opens the parcel, whose Links list the
    // exhibit.
    ui.keys("4");
    let at =
        ui.s.app
            .links
            .iter()
            .position(|l| l.group == "Exhibit of")
            .unwrap();
    ui.s.app.links_cursor = at;
    ui.keys("enter");
    assert_eq!(
        ui.s.app.current.as_ref().map(|c| c.label.clone()),
        Some(tracking.clone()),
        "{}",
        ui.text()
    );
    assert!(
        ui.s.app
            .links
            .iter()
            .any(|l| l.group == "Exhibits" && l.label == number),
        "{}",
        ui.text()
    );
}

/// `e` on an exhibit's row of a parcel's Links pane opens the exhibit's
/// form (it said "a shared identifier is not a record").
#[test]
fn an_exhibit_row_is_edited_where_it_is_listed() {
    let mut ui = Ui::new(300);
    let (number, tracking) = exhibit_in_custody(&ui);
    ui.keys("s").typed(&tracking).keys("enter 4");
    let at =
        ui.s.app
            .links
            .iter()
            .position(|l| l.group == "Exhibits" && l.label == number)
            .unwrap();
    ui.s.app.links_cursor = at;
    ui.keys("e");
    assert!(ui.text().contains("Edit exhibit"), "{}", ui.text());
    assert!(ui.text().contains(&number), "{}", ui.text());
    // Its seal changed once custody began is said as it is saved, as the
    // command line's edit says it (the form said only that it saved).
    if let super::app::Modal::Form(f) = &mut ui.s.app.modal {
        let seal = f.fields.iter_mut().find(|x| x.spec.name == "seal").unwrap();
        seal.value = "S-NEW-1".into();
    }
    ui.keys("ctrl-s");
    assert!(
        ui.status()
            .contains(&format!("flagged on exhibit {number}: seal number changed")),
        "{}",
        ui.status()
    );
}

/// A history entry longer than the screen is read whole with the cursor
/// on it (its changes were cut at the edge, the second field's never
/// seen); a creation says no empty "create:".
#[test]
fn a_long_history_entry_is_read_whole_under_the_cursor() {
    let mut ui = Ui::new(60);
    ui.keys("2 g g");
    let (id, _) = ui.selected();
    let mut other = open(&ui.dir, "carol");
    other
        .write(|w| {
            let mut p: crate::domain::Parcel = crate::store::records::must_get(&w.tx, id)?;
            p.carrier = Some("Kazpost Express Logistics Department".into());
            p.recipient_name = Some("Серик Беков".into());
            crate::store::records::update(w, &mut p).map(|_| ())
        })
        .unwrap();
    ui.look();
    ui.keys("h");
    let n = match &ui.s.app.modal {
        super::app::Modal::Report { lines, .. } => lines.len(),
        _ => panic!("no history: {}", ui.text()),
    };
    assert!(!ui.text().contains("create:"), "{}", ui.text());
    for _ in 1..n {
        ui.keys("j");
    }
    // (Wrapped at spaces: the words whole, not cut in two.)
    let text = ui.text();
    assert!(
        text.contains("Серик") && text.contains("Беков") && text.contains("Logistics Department"),
        "{text}"
    );
}

/// An open conflict of parcel RR123456785KZ from `in.db`: the version
/// here and the incoming one, nothing else said.
fn open_conflict(local: &str, incoming: &str) -> crate::exchange::conflicts::Conflict {
    crate::exchange::conflicts::Conflict {
        id: 1,
        item_kind: "parcel".into(),
        item_id: uuid::Uuid::now_v7(),
        label: "RR123456785KZ".into(),
        local: Some(local.into()),
        incoming: incoming.into(),
        base: None,
        incoming_key: "k".into(),
        file: "in.db".into(),
        signer: None,
        detected_at: String::new(),
        status: "open".into(),
        resolved_by: None,
        resolved_at: None,
        deleted_with: Vec::new(),
        never_here: false,
        here_now: None,
    }
}

/// A deletion that met work here is shown as such in the list of
/// conflicts, with what taking it would delete with it (the list showed
/// no field and no reason when the item itself was unchanged here).
#[test]
fn a_deletion_conflict_names_what_would_go_with_it() {
    let mut ui = Ui::new(0);
    let c = crate::exchange::conflicts::Conflict {
        incoming_key: "deleted:00".into(),
        deleted_with: vec!["note 2026-12-06: informant".into(), "link x".into()],
        ..open_conflict("{}", "{}")
    };
    ui.s.app.modal = super::app::Modal::Conflicts {
        list: vec![c],
        cursor: 0,
    };
    let text = ui.text();
    assert!(text.contains("incoming: deleted there"), "{text}");
    assert!(
        text.contains("taking it deletes with it 2 here: note 2026-12-06: informant; link x"),
        "{text}"
    );
}

/// A conflict whose item was edited here since it was filed shows the
/// item as it stands (what keeping the local side keeps) and says so.
/// At 80 columns a field settled differently at the two posts is said
/// in words that fit.
#[test]
fn a_conflict_edited_here_since_shows_it_as_it_stands() {
    let mut ui = Ui::new(0);
    let c = crate::exchange::conflicts::Conflict {
        base: Some(r#"{"weight_g":"(settled differently)"}"#.into()),
        here_now: Some(Some(r#"{"weight_g":480.0}"#.into())),
        ..open_conflict(r#"{"weight_g":470.0}"#, r#"{"weight_g":460.0}"#)
    };
    ui.s.app.modal = super::app::Modal::Conflicts {
        list: vec![c],
        cursor: 0,
    };
    let text = ui.text();
    assert!(
        text.contains("edited since the conflict was filed"),
        "{text}"
    );
    assert!(text.contains("480.0"), "{text}");
    assert!(!text.contains("470.0"), "{text}");
    // The shared column's "settled differently" is said whole at 80
    // columns, not cut.
    assert!(text.contains("(settled apart)"), "{text}");
    assert!(!text.contains("(settled differen…"), "{text}");
}

/// A card number in a note is masked on the screen wherever the note
/// shows (its row in the Links pane), as typed while it is typed.
#[test]
fn a_card_number_is_masked_on_the_screen() {
    let mut ui = Ui::new(10);
    ui.keys("2 g g n")
        .typed("paid with card 4111 1111 1111 1111");
    assert!(ui.text().contains("4111 1111 1111 1111"), "{}", ui.text());
    ui.keys("enter 4");
    let text = ui.text();
    assert!(!text.contains("4111 1"), "{text}");
    assert!(text.contains("paid with card ****"), "{text}");
    // Whatever else shows one (a report's line): each digit a `*` in
    // its place, but the last four.
    ui.s.app.modal = super::app::Modal::Report {
        title: "t".into(),
        lines: vec![("timeline: card 5555 5555 5555 4444 used".into(), None)],
        cursor: 0,
    };
    let text = ui.text();
    assert!(text.contains("card **** **** **** 4444 used"), "{text}");
    // (--show-cards is the process's: not turned on here, beside tests
    // of the masking running at once.)
}

/// A row above the cursor deleted elsewhere: the highlighted row, the
/// item shown and the item the keys act on stay one and the same (the
/// detail showed the next row's parcel, and `e`, `x`, `n` refused).
#[test]
fn a_row_deleted_above_the_cursor_leaves_the_selection_whole() {
    let mut ui = Ui::new(60);
    let mut other = ui.second();
    ui.keys("2 g g j j j j");
    let (id, tracking) = ui.selected();
    let above = ui.s.app.lists[1].rows[1].cells[0].clone();
    delete_from(&mut other, &above);
    ui.look();
    assert_eq!(ui.selected(), (id, tracking.clone()), "{}", ui.text());
    assert!(ui.highlighted()[0].contains(&tracking), "{}", ui.text());
    assert_eq!(
        ui.s.app.current.as_ref().map(|c| c.id),
        Some(id),
        "{}",
        ui.text()
    );
    ui.keys("e");
    assert!(
        matches!(ui.s.app.modal, super::app::Modal::Form(_)),
        "{}\n{}",
        ui.status(),
        ui.text()
    );
}

/// `/` in the Links pane says the pane is not filtered (it did nothing,
/// and the letters typed next ran as commands: `e` opened an edit). (The
/// pane's key line no longer offers it, where the line is wide enough to.)
#[test]
fn a_filter_asked_for_in_the_links_pane_is_said_not_to_apply() {
    let mut ui = Ui::new(60);
    ui.keys("1 g g 4");
    assert!(ui.lines()[1].contains("Links of"), "{}", ui.text());
    ui.keys("/");
    assert!(
        ui.status().starts_with("the Links pane is not filtered"),
        "{}",
        ui.status()
    );
}

/// A long case title in the Links pane's title is cut with a mark, inside
/// the pane (at 80 columns its border cut it, with none).
#[test]
fn a_long_title_is_cut_with_a_mark_in_the_links_pane() {
    let mut ui = Ui::new(0);
    ui.keys("a")
        .typed("Operation Night Owl - not the Astana Owl case, parcels to Almaty via Dubai")
        .keys("ctrl-s 4");
    let top = ui.lines()[1].clone();
    // (The Links pane's own title: the detail pane's beside it is cut
    // with its mark.)
    let title = top
        .split("Links of")
        .nth(1)
        .and_then(|t| t.split('┐').next())
        .unwrap_or_default();
    assert!(title.contains("…"), "{top}");
}

/// Help lists the keys of a line being typed (they work in every field,
/// the note prompt and a filter, and help did not say so).
#[test]
fn help_lists_the_line_editing_keys() {
    let mut ui = Ui::new(0);
    ui.keys("? shift-g");
    let text = ui.text();
    assert!(
        text.contains("Typing in a field, the note prompt or a filter"),
        "{text}"
    );
    assert!(
        text.contains("Ctrl-w") && text.contains("cut the word before the caret"),
        "{text}"
    );
    // At 80 columns every key is said whole (`Ctrl-e` was cut off).
    assert!(text.contains("End, Ctrl-e"), "{text}");
    assert!(!text.contains("Ct…"), "{text}");
}

/// A write that may wait for the notebook (a colleague's import holds
/// it) is drawn before it waits: the status line says what is being
/// written and that keys typed meanwhile are not applied (the screen
/// showed the list as if saved, and the keys typed then went into the
/// note that came back when the save failed). Reading keys write nothing
/// and draw nothing first.
#[test]
fn a_write_is_said_on_the_screen_before_it_waits_for_the_notebook() {
    let mut ui = Ui::new(20);
    ui.keys("n").typed("courier collects 18:00");
    let mut drawn = None;
    let enter = Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let wrote = ui.s.handle_event_then(enter, |app| {
        let mut t = Terminal::new(TestBackend::new(W, H)).unwrap();
        t.draw(|f| view::draw(f, app)).unwrap();
        let buf = t.backend().buffer().clone();
        drawn = Some(
            (0..W)
                .map(|x| buf[(x, H - 1)].symbol().to_string())
                .collect::<String>(),
        );
    });
    ui.s.settle();
    assert!(wrote);
    let status = drawn.expect("drawn before the write");
    assert!(status.starts_with("saving the note…"), "{status}");
    // Saved: the line says so, not "saving".
    assert!(!ui.status().starts_with("saving"), "{}", ui.status());
    let mut drawn_on_read = false;
    let down = Event::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE));
    assert!(!ui.s.handle_event_then(down, |_| drawn_on_read = true));
    assert!(!drawn_on_read);
}

/// The panes' headers name the item as it is now: a parcel renumbered
/// elsewhere was headed with its old number above a body that gave the
/// new one, and going back to it kept the old one too.
#[test]
fn headers_name_an_item_changed_elsewhere_as_it_is_now() {
    let mut ui = Ui::new(60);
    ui.keys("2 g g");
    let (id, old) = ui.selected();
    let mut other = open(&ui.dir, "carol");
    other
        .write(|w| {
            let mut p: crate::domain::Parcel = crate::store::records::must_get(&w.tx, id)?;
            p.tracking = "RR777777775KZ".into();
            crate::store::records::update(w, &mut p).map(|_| ())
        })
        .unwrap();
    ui.look();
    let panes = ui.panes();
    assert!(panes.contains("parcel RR777777775KZ"), "{panes}");
    assert!(!panes.contains(&old), "{panes}");
    // Away and back: still the new number.
    ui.keys("enter [");
    let panes = ui.panes();
    assert!(!panes.contains(&format!("parcel {old}")), "{panes}");
}

/// `[` back to a row of a filtered list after several hops comes back to
/// the list as it was, filter kept (it came back to the whole list, the
/// row at its place there), as after one hop.
#[test]
fn back_after_several_hops_keeps_the_lists_filter() {
    let mut ui = Ui::new(60);
    ui.keys("2 /").typed("cn").keys("enter j j");
    let (id, tracking) = ui.selected();
    let shown = ui.s.app.lists[1].len();
    assert!(shown < 60, "{}", ui.text());
    // Open it, then follow its first connection, then its first again.
    ui.keys("enter enter");
    assert_ne!(ui.s.app.current.as_ref().map(|c| c.id), Some(id));
    ui.keys("enter");
    ui.keys("[ [ [");
    let l = &ui.s.app.lists[1];
    assert_eq!(l.filter.as_deref(), Some("cn"), "{}", ui.text());
    assert_eq!(l.len(), shown, "{}", ui.text());
    assert_eq!(ui.selected().1, tracking, "{}", ui.text());
}

/// Leaving a list of the parcels with a value chosen on a sheet keeps
/// the parcel selected in it selected (the cursor kept its row number,
/// and stood on another parcel, which the next key acted on).
#[test]
fn leaving_a_chosen_values_list_keeps_the_parcel_selected() {
    let mut ui = Ui::new(120);
    ui.keys("2 shift-f j j enter enter j j j");
    assert!(ui.s.app.lists[1].subset.is_some(), "{}", ui.text());
    let (kept, label) = ui.selected();
    ui.keys("esc");
    assert!(ui.s.app.lists[1].subset.is_none(), "{}", ui.text());
    assert_eq!(ui.selected().0, kept, "{label}: {}", ui.text());
    assert!(ui.text().contains(&label), "{}", ui.text());
}

/// A list of the parcels with a value chosen on a sheet is read again
/// after others' writes: a parcel deleted elsewhere leaves it (it left a
/// blank row and the count unchanged), one changed elsewhere to another
/// value leaves it, and one given the value comes into it.
#[test]
fn a_list_of_chosen_values_follows_others_writes() {
    let mut ui = Ui::new(120);
    ui.keys("2 shift-f j j enter enter");
    let title = ui.lines()[1].clone();
    let n = ui.s.app.lists[1].len();
    assert!(
        title.contains(&format!("Parcels 1/{n} · carrier = ")),
        "{title}"
    );
    let carrier = title
        .split("carrier = ")
        .nth(1)
        .unwrap()
        .split(" ─")
        .next()
        .unwrap()
        .trim()
        .to_string();
    ui.keys("j");
    let (kept, _) = ui.selected();
    let rows: Vec<uuid::Uuid> = ui.s.app.lists[1].rows.iter().map(|r| r.id).collect();
    let (gone, changed) = (rows[0], rows[2]);
    let outside: uuid::Uuid = {
        let c = ui.s.runner.store.conn();
        c.query_row(
            "SELECT id FROM parcels WHERE coalesce(carrier, '') <> ?1 LIMIT 1",
            [&carrier],
            |r| r.get(0),
        )
        .unwrap()
    };
    let mut other = open(&ui.dir, "carol");
    other
        .write(|w| {
            use crate::domain::Parcel;
            use crate::store::records;
            records::delete(w, crate::domain::ItemKind::Parcel, gone)?;
            let mut p: Parcel = records::must_get(&w.tx, changed)?;
            p.carrier = Some("Another Carrier".into());
            records::update(w, &mut p)?;
            let mut p: Parcel = records::must_get(&w.tx, outside)?;
            p.carrier = Some(carrier.clone());
            records::update(w, &mut p).map(|_| ())
        })
        .unwrap();
    ui.look();
    let l = &ui.s.app.lists[1];
    assert_eq!(l.len(), n - 1, "{}", ui.text());
    let numbers = &l.subset.as_ref().unwrap().numbers;
    let number_of = |id: uuid::Uuid| -> i64 {
        ui.s.runner
            .store
            .conn()
            .query_row("SELECT n FROM parcels WHERE id = ?1", [id], |r| r.get(0))
            .unwrap()
    };
    assert!(!numbers.contains(&number_of(changed)));
    assert!(numbers.contains(&number_of(outside)));
    // The cursor stays on its parcel, and no row is blank.
    assert_eq!(ui.selected().0, kept, "{}", ui.text());
    assert!(l.rows.iter().all(|r| r.id != gone));
}

/// The messages view shows each message whole at the screen's width:
/// wrapped for 80 columns whatever the width, at 60 each line lost its
/// last words.
#[test]
fn every_message_is_shown_whole_at_a_narrow_width() {
    let mut ui = Ui::new(0);
    ui.s.resize(60, 20);
    let said = "saving... (a colleague's write may hold the notebook for a few seconds: keys typed meanwhile are kept and applied in order)";
    ui.s.app.info(said);
    ui.typed("M");
    let mut t = Terminal::new(TestBackend::new(60, 20)).unwrap();
    t.draw(|f| view::draw(f, &ui.s.app)).unwrap();
    let buf = t.backend().buffer();
    let screen: String = (0..20)
        .map(|y| (0..60).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join(" ");
    let words = |s: &str| {
        s.split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let shown = words(&screen.replace(['│', '─', '╭', '╮', '╰', '╯', '┌', '┐', '└', '┘'], " "));
    assert!(shown.contains(&words(said)), "{screen}");
}

/// Esc on a form or note typed into does not throw the typing away at
/// once: it says so, with the keys, and a second Esc discards it (an
/// investigator in a hurry lost a whole parcel's fields to one Esc meant
/// for a field's picker). A form or note with nothing typed closes at
/// the first.
#[test]
fn escape_from_what_was_typed_asks_once_before_discarding_it() {
    use super::app::Modal;
    let mut ui = Ui::new(0);
    ui.keys("a esc");
    assert!(matches!(ui.s.app.modal, Modal::None), "{}", ui.text());
    ui.keys("a").typed("Op Kestrel").keys("esc");
    assert!(matches!(ui.s.app.modal, Modal::Form(_)), "{}", ui.text());
    assert!(
        ui.text()
            .contains("not saved: Esc again discards what was typed here, Ctrl-s saves it"),
        "{}",
        ui.text()
    );
    // Typing on takes the warning back: the next Esc warns again.
    ui.keys("tab").typed("x").keys("esc");
    assert!(matches!(ui.s.app.modal, Modal::Form(_)), "{}", ui.text());
    ui.keys("esc");
    assert!(matches!(ui.s.app.modal, Modal::None), "{}", ui.text());
    assert!(!ui.text().contains("Op Kestrel"));
    // Ctrl-c, from shell habit, says so too before it quits.
    ui.keys("a").typed("Op Kestrel").keys("ctrl-c");
    assert!(!ui.s.app.quit, "{}", ui.text());
    assert!(
        ui.text()
            .contains("not saved: Ctrl-c again quits and discards what was typed here"),
        "{}",
        ui.text()
    );
    ui.keys("esc esc");
    // Saved after the warning: the form's values all kept.
    ui.keys("a").typed("Op Kestrel").keys("esc ctrl-s");
    assert!(ui.status().contains("created case"), "{}", ui.text());
    // A note.
    ui.keys("n esc");
    assert!(matches!(ui.s.app.modal, Modal::None), "{}", ui.text());
    ui.keys("n").typed("called the recipient").keys("esc");
    assert!(matches!(ui.s.app.modal, Modal::Note(_)), "{}", ui.text());
    assert!(ui.text().contains("Esc again discards"), "{}", ui.text());
    ui.keys("enter");
    assert!(ui.text().contains("called the recipient"), "{}", ui.text());
    // Nothing typed: Ctrl-c quits at once.
    ui.keys("ctrl-c");
    assert!(ui.s.app.quit);
}

/// `Ctrl-l` draws the whole screen again (a `wall` message written over
/// it stayed until a resize), and help lists it, and says what `y` does
/// among suggested matches (it said only "yes").
#[test]
fn ctrl_l_redraws_and_help_says_it() {
    let mut ui = Ui::new(0);
    assert!(!ui.s.app.redraw);
    ui.keys("ctrl-l");
    assert!(ui.s.app.redraw, "Ctrl-l asks for the whole screen again");
    ui.keys("?");
    let mut seen = String::new();
    for _ in 0..40 {
        seen.push_str(&ui.text());
        ui.keys("pagedown");
    }
    assert!(
        seen.contains("Ctrl-l") && seen.contains("draw the whole screen again"),
        "{seen}"
    );
    assert!(
        seen.contains("in suggested matches: they are one"),
        "{seen}"
    );
}

/// Enter on a sheet's line lists what the sheet counted: a live filter's
/// matches with the value (Enter dropped the filter and listed every
/// parcel with it), and a trend's line within its counted window (every
/// seizure ever).
#[test]
fn a_sheets_line_lists_what_the_sheet_counted() {
    let mut ui = Ui::new(300);
    ui.keys("2");
    let some = ui.s.app.lists[1].rows[3].cells[0].clone();
    ui.keys("/")
        .typed(&some[..some.len().min(10)])
        .keys("enter");
    let matched: std::collections::HashSet<uuid::Uuid> =
        ui.s.app.lists[1].hits.iter().map(|r| r.id).collect();
    assert!(!matched.is_empty() && matched.len() < 100, "{}", ui.text());
    ui.keys("shift-r enter");
    let l = &ui.s.app.lists[1];
    assert!(l.subset.is_some(), "{}", ui.text());
    let numbers = l.subset.as_ref().unwrap().numbers.clone();
    assert!(!numbers.is_empty(), "{}", ui.text());
    let c = ui.s.runner.store.conn();
    for n in &numbers {
        let id: uuid::Uuid = c
            .query_row("SELECT id FROM parcels WHERE n = ?1", [n], |r| r.get(0))
            .unwrap();
        assert!(
            matched.contains(&id),
            "a parcel the filter did not match: {id}"
        );
    }
    // A trend's line: its window, not every seizure.
    ui.keys("esc esc esc shift-t");
    let super::app::Modal::Stats(v) = &ui.s.app.modal else {
        panic!("{}", ui.text())
    };
    let (since, until) = v.counted.clone().expect("the trend's window");
    ui.keys("enter");
    let l = &ui.s.app.lists[1];
    let numbers = l.subset.as_ref().expect("a subset").numbers.clone();
    for n in &numbers {
        let on: Option<String> = c_on(&ui, *n);
        let on = on.expect("a seizure has its date");
        assert!(
            on.as_str() >= since.as_str() && on.as_str() <= until.as_str(),
            "{on} outside {since}..{until}"
        );
    }
    fn c_on(ui: &Ui, n: i64) -> Option<String> {
        ui.s.runner
            .store
            .conn()
            .query_row("SELECT seized_on FROM parcels WHERE n = ?1", [n], |r| {
                r.get(0)
            })
            .unwrap()
    }
}

/// A group of the Links pane that lists the first 200 of more says how
/// many more there are (it stopped at 200 without a word: a substance
/// found in 462 parcels showed "Found in (200)").
#[test]
fn a_group_cut_at_its_first_rows_says_how_many_more() {
    use crate::domain::record::new_record;
    use crate::domain::{Case, Note};
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir, "tester");
    let case = store
        .write(|w| {
            let (mut c, _) = new_record::<Case>(&[("title", "Op Many Notes")])?;
            crate::store::create::case(w, &mut c)?;
            for i in 0..205 {
                let (mut n, _) = new_record::<Note>(&[("text", &format!("lead {i}"))])?;
                n.item_id = c.meta.id;
                crate::store::create::note(w, &mut n)?;
            }
            Ok(crate::store::refs::ItemRef {
                kind: crate::domain::ItemKind::Case,
                id: c.meta.id,
                label: c.reference.clone(),
            })
        })
        .unwrap();
    let rows = super::data::links_of(store.conn(), &case).unwrap();
    let notes: Vec<_> = rows.iter().filter(|r| r.group == "Notes").collect();
    assert_eq!(notes.len(), 201);
    assert_eq!(notes[200].label, "5 more not listed (200 of 205)");
}

/// The item itself is never offered as the other end of its link (it was
/// refused only once a type was chosen, the query typed gone).
#[test]
fn a_link_never_offers_the_item_itself() {
    let mut ui = Ui::new(60);
    ui.keys("2 g g");
    let (own, tracking) = ui.selected();
    ui.keys("l").typed(&tracking);
    let super::app::Modal::Picker(p) = &ui.s.app.modal else {
        panic!("{}", ui.text())
    };
    assert!(p.hits.iter().all(|h| h.id != own), "{:?}", p.hits);
}
