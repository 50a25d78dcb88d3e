//! Key handling without a database: real key events through the real
//! keymap into an `App` that has no store, asserting on the state and on
//! the effects each key asks the runner for. The runner's results are
//! handed back by calling the same methods it calls.

use crate::domain::ItemKind;
use crate::store::refs::ItemRef;
use crate::store::search::Hit;
use crate::tui::app::{App, Modal, Pane};
use crate::tui::data::Row;
use crate::tui::effect::Effect;
use crate::tui::keymap::Keymap;
use crate::tui::searcher::Reply;
use crate::tui::theme::Theme;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use uuid::Uuid;

const PAGE: usize = 10;

fn app(read_only: bool) -> App {
    let mut a = App::new(
        Keymap::defaults(),
        Theme::new(false),
        PAGE,
        read_only,
        "nb.db",
    );
    let first = a.take_effects();
    assert!(matches!(first[..], [Effect::Reload]), "{first:?}");
    a
}

fn row(kind: ItemKind, n: usize) -> Row {
    Row {
        kind,
        id: Uuid::from_u128(n as u128 + 1),
        rowid: n as i64 + 1,
        cells: vec![format!("{kind} {n}")],
        matched: Vec::new(),
    }
}

fn item(kind: ItemKind, n: usize) -> ItemRef {
    ItemRef {
        kind,
        id: Uuid::from_u128(n as u128 + 1),
        label: format!("{kind} {n}"),
    }
}

/// A list of `total` items of which the first page is held, as the
/// runner's first read leaves it.
fn fill(a: &mut App, i: usize, total: usize) {
    let kind = Pane::ALL[i].kind().unwrap();
    a.lists[i].total = total;
    a.lists[i].rows = (0..total.min(PAGE)).map(|n| row(kind, n)).collect();
    a.lists[i].held_from = 0;
}

/// What the runner does when it shows an item.
fn show(a: &mut App, it: ItemRef) {
    a.set_current(it, vec![("Ref".into(), "x".into())], Vec::new());
}

/// Presses keys written as in the keymap, space-separated; the effects of
/// them all, in order.
fn press(a: &mut App, seq: &str) -> Vec<Effect> {
    let mut all = Vec::new();
    for name in seq.split_whitespace() {
        let combo = crokey::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let ev = KeyEvent::new(*combo.codes.first(), combo.modifiers);
        all.extend(a.handle_event(Event::Key(ev)));
    }
    all
}

fn typed(a: &mut App, text: &str) -> Vec<Effect> {
    let mut all = Vec::new();
    for c in text.chars() {
        let m = if c.is_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        all.extend(a.handle_event(Event::Key(KeyEvent::new(KeyCode::Char(c), m))));
    }
    all
}

#[test]
fn moving_in_a_page_selects_and_leaving_it_fetches_first() {
    let mut a = app(false);
    fill(&mut a, 0, 100);
    let e = press(&mut a, "j");
    assert!(matches!(e[..], [Effect::Select]), "{e:?}");
    assert_eq!(a.lists[0].cursor, 1);
    // To the last row: a new window, read before the item under it.
    let e = press(&mut a, "shift-g");
    assert!(matches!(e[..], [Effect::Fetch(0), Effect::Select]), "{e:?}");
    assert_eq!((a.lists[0].cursor, a.lists[0].offset), (99, 90));
    // Switching panes asks only for the selection there.
    let e = press(&mut a, "2");
    assert!(matches!(e[..], [Effect::Select]), "{e:?}");
    assert_eq!(a.pane, Pane::Parcels);
}

#[test]
fn a_delete_is_asked_for_only_after_yes_and_its_result_reloads() {
    let mut a = app(false);
    fill(&mut a, 0, 3);
    let case = item(ItemKind::Case, 0);
    show(&mut a, case.clone());
    assert!(press(&mut a, "x").is_empty());
    assert!(matches!(a.modal, Modal::Confirm { .. }));
    assert!(press(&mut a, "n").is_empty(), "no is nothing");
    assert!(matches!(a.modal, Modal::None));
    let e = press(&mut a, "x y");
    match &e[..] {
        [Effect::Delete(it)] => assert_eq!(it.id, case.id),
        other => panic!("{other:?}"),
    }
    // The runner's answer: deleted, so the lists are read again.
    a.deleted(case.clone(), Ok(4));
    assert!(a.current.is_none());
    assert!(matches!(a.take_effects()[..], [Effect::Reload]));
    assert!(a.message.as_ref().unwrap().0.contains("deleted case"));
    // A failure says why and changes nothing.
    show(&mut a, case.clone());
    a.deleted(case.clone(), Err("the disk is full".into()));
    assert!(a.current.is_some());
    assert!(a.take_effects().is_empty());
    assert_eq!(a.message.as_ref().unwrap().0, "the disk is full");
}

#[test]
fn a_form_is_typed_and_saved_by_the_runner_and_comes_back_on_failure() {
    let mut a = app(false);
    fill(&mut a, 0, 3);
    assert!(press(&mut a, "a").is_empty());
    let Modal::Form(f) = &a.modal else {
        panic!("no form")
    };
    assert_eq!(f.kind, ItemKind::Case);
    let focus = f.focus;
    assert!(typed(&mut a, "Op Steppe").is_empty(), "typing asks nothing");
    // The caret moves into the middle and the text goes in there.
    assert!(press(&mut a, "left left left left left left left").is_empty());
    assert!(typed(&mut a, "x").is_empty());
    let e = press(&mut a, "ctrl-s");
    let f = match e.into_iter().next() {
        Some(Effect::SaveForm(f)) => f,
        other => panic!("{other:?}"),
    };
    assert_eq!(f.fields[focus].value, "Opx Steppe");
    assert!(matches!(a.modal, Modal::None));
    // Refused by the store: the form comes back as it was.
    a.form_saved(f.clone(), None, Vec::new());
    assert!(matches!(&a.modal, Modal::Form(g) if g.fields[focus].value == "Opx Steppe"));
    assert!(a.take_effects().is_empty());
    // Saved: the lists are read again and the new item is shown.
    a.modal = Modal::None;
    let parcel = item(ItemKind::Parcel, 7);
    a.form_saved(f, Some((parcel.clone(), Vec::new())), Vec::new());
    let e = a.take_effects();
    match &e[..] {
        [
            Effect::Reload,
            Effect::GoTo {
                item,
                links_cursor: None,
            },
        ] => assert_eq!(item.id, parcel.id),
        other => panic!("{other:?}"),
    }
    assert_eq!(a.pane, Pane::Parcels);
}

/// A paste past a filter's cap asks for one search, of what fits, and the
/// status line says it was cut; typing on at the cap is said too, and
/// Esc still leaves the filter at once.
#[test]
fn a_paste_past_the_cap_is_cut_searched_once_and_said() {
    use crate::tui::text::QUERY_MAX_CHARS;
    let mut a = app(false);
    fill(&mut a, 1, 50);
    press(&mut a, "2 /");
    let e = a.handle_event(Event::Paste("k".repeat(QUERY_MAX_CHARS * 1000)));
    match &e[..] {
        [Effect::Filter { query, .. }] => assert_eq!(query.len(), QUERY_MAX_CHARS),
        other => panic!("{other:?}"),
    }
    let said = |a: &App| a.message.as_ref().map(|m| m.0.clone()).unwrap_or_default();
    assert_eq!(
        said(&a),
        format!("pasted text cut at {QUERY_MAX_CHARS} characters, the most this field holds")
    );
    // A character typed at the cap is left out and said; no search.
    let e = typed(&mut a, "z");
    assert!(e.is_empty(), "{e:?}");
    assert!(said(&a).contains("holds at most 256"), "{}", said(&a));
    // A paste that fits says nothing.
    press(&mut a, "ctrl-u");
    let e = a.handle_event(Event::Paste("almaty".into()));
    assert!(
        matches!(&e[..], [Effect::Filter { query, .. }] if query == "almaty"),
        "{e:?}"
    );
    assert!(!said(&a).contains("cut"), "{}", said(&a));
    press(&mut a, "esc");
    assert!(!a.filter_typing);
}

#[test]
fn a_filter_asks_once_per_edit_and_a_paste_once() {
    let mut a = app(false);
    fill(&mut a, 1, 50);
    press(&mut a, "2");
    let e = press(&mut a, "/");
    assert!(matches!(e[..], [Effect::Warm(ItemKind::Parcel)]), "{e:?}");
    let e = typed(&mut a, "ab");
    let queries: Vec<&str> = e
        .iter()
        .map(|e| match e {
            Effect::Filter { pane: 1, query, .. } => query.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(queries, ["a", "ab"]);
    let e = a.handle_event(Event::Paste("cd".into()));
    assert!(
        matches!(&e[..], [Effect::Filter { query, .. }] if query == "abcd"),
        "{e:?}"
    );
    assert_eq!(a.searching_pane, Some(1));
    // The searcher's first rows for an older query are dropped; for this
    // one they are shown and the first is selected.
    let reply = |q: &str, complete: bool| Reply {
        generation: 1,
        query: q.into(),
        rows: Ok(vec![row(ItemKind::Parcel, 4)]),
        complete,
    };
    assert!(!a.receive_rows(reply("ab", false)));
    assert!(a.receive_rows(reply("abcd", true)));
    assert_eq!(a.searching_pane, None);
    assert_eq!(a.lists[1].len(), 1);
    assert!(matches!(a.take_effects()[..], [Effect::Select]));
    // Esc clears the filter: the whole list is read again around the
    // match that was highlighted.
    let e = press(&mut a, "esc");
    assert!(
        matches!(e[..], [Effect::Reveal { pane: 1, id, row: 0 }] if id == Uuid::from_u128(5)),
        "{e:?}"
    );
}

#[test]
fn a_read_only_notebook_takes_no_writing_key() {
    let mut a = app(true);
    fill(&mut a, 0, 3);
    show(&mut a, item(ItemKind::Case, 0));
    for k in ["x", "a", "e", "n", "l", "f", "delete"] {
        let e = press(&mut a, k);
        assert!(e.is_empty(), "{k}: {e:?}");
        assert!(matches!(a.modal, Modal::None), "{k}");
    }
    // Reading keys still work.
    assert!(matches!(press(&mut a, "h")[..], [Effect::History(_)]));
}

#[test]
fn back_and_forward_return_to_the_item_and_the_row_of_links() {
    let mut a = app(false);
    let (c, p) = (item(ItemKind::Case, 0), item(ItemKind::Parcel, 1));
    show(&mut a, c.clone());
    a.pane = Pane::Links;
    a.links_cursor = 2;
    a.go_to(p.clone(), true);
    assert!(matches!(&a.take_effects()[..], [Effect::GoTo { item, .. }] if item.id == p.id));
    show(&mut a, p.clone());
    let e = press(&mut a, "[");
    match &e[..] {
        [Effect::GoTo { item, links_cursor }] => {
            assert_eq!(item.id, c.id);
            assert_eq!(*links_cursor, Some(2));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(a.pane, Pane::Links, "back in the Links pane it was left in");
    show(&mut a, c);
    let e = press(&mut a, "]");
    assert!(matches!(&e[..], [Effect::GoTo { item, .. }] if item.id == p.id));
    assert!(press(&mut a, "]").is_empty());
    assert_eq!(a.message.as_ref().unwrap().0, "nothing to go forward to");
}

#[test]
fn a_new_item_in_the_links_pane_goes_beside_the_one_shown() {
    let mut a = app(false);
    let case = item(ItemKind::Case, 0);
    show(&mut a, case.clone());
    press(&mut a, "4");
    let e = press(&mut a, "a");
    assert!(
        matches!(&e[..], [Effect::NewParcelBeside(it)] if it.id == case.id),
        "{e:?}"
    );
    // Elsewhere a new parcel's form opens at once, in no case.
    press(&mut a, "2");
    assert!(press(&mut a, "a").is_empty());
    assert!(matches!(&a.modal, Modal::Form(f) if f.kind == ItemKind::Parcel));
}

#[test]
fn the_search_picker_asks_per_edit_and_jumps_to_a_hit() {
    let mut a = app(false);
    show(&mut a, item(ItemKind::Case, 0));
    assert!(press(&mut a, "s").is_empty());
    let e = typed(&mut a, "al");
    assert!(
        matches!(&e[..], [Effect::PickerSearch { query: q1, kind: None }, Effect::PickerSearch { query: q2, .. }] if q1 == "a" && q2 == "al"),
        "{e:?}"
    );
    let hit = |n: usize, kind: ItemKind| Hit {
        kind,
        id: Uuid::from_u128(n as u128 + 1),
        label: format!("hit {n}"),
        text: String::new(),
        score: 1,
        matched: Vec::new(),
    };
    // Hits for a query no longer typed are not shown.
    a.picker_hits("a", vec![hit(9, ItemKind::Parcel)]);
    assert!(matches!(&a.modal, Modal::Picker(p) if p.hits.is_empty()));
    a.picker_hits("al", vec![hit(3, ItemKind::Parcel), hit(5, ItemKind::Note)]);
    // A note found leads to the item it is on, which the runner looks up.
    let e = press(&mut a, "down enter");
    assert!(
        matches!(e[..], [Effect::GoToNoteSubject(id)] if id == Uuid::from_u128(6)),
        "{e:?}"
    );
    press(&mut a, "s");
    typed(&mut a, "al");
    a.picker_hits("al", vec![hit(3, ItemKind::Parcel)]);
    let e = press(&mut a, "enter");
    assert!(matches!(&e[..], [Effect::GoTo { item, .. }] if item.id == Uuid::from_u128(4)));
    assert_eq!(a.back.len(), 1, "the case is where back returns to");
}

#[test]
fn counts_from_a_filtered_pane_ask_for_its_matches() {
    let mut a = app(false);
    fill(&mut a, 1, 50);
    press(&mut a, "2 /");
    typed(&mut a, "x");
    a.take_effects();
    a.receive_rows(Reply {
        generation: 1,
        query: "x".into(),
        rows: Ok(vec![row(ItemKind::Parcel, 2), row(ItemKind::Parcel, 8)]),
        complete: true,
    });
    press(&mut a, "enter");
    a.take_effects();
    let e = press(&mut a, "shift-f");
    match &e[..] {
        [Effect::OpenStats { hits: Some(h), .. }] => assert_eq!(h.len(), 2),
        other => panic!("{other:?}"),
    }
    // Unfiltered, the view counts the whole pane.
    press(&mut a, "esc");
    let e = press(&mut a, "shift-f");
    assert!(
        matches!(&e[..], [Effect::OpenStats { hits: None, .. }]),
        "{e:?}"
    );
}

#[test]
fn a_conflict_is_settled_by_key_and_leaves_the_list_only_when_the_runner_did_it() {
    use crate::exchange::conflicts::{Choice, Conflict};
    let mut a = app(false);
    let conflict = |id: i64| Conflict {
        id,
        item_kind: "case".into(),
        item_id: Uuid::from_u128(id as u128),
        label: format!("C-000{id}"),
        local: Some("{}".into()),
        incoming: "{}".into(),
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
    };
    assert!(matches!(press(&mut a, "shift-c")[..], [Effect::Conflicts]));
    a.show_conflicts(Ok(vec![conflict(1), conflict(2)]));
    let e = press(&mut a, "j t");
    assert!(
        matches!(
            e[..],
            [Effect::Resolve {
                conflict: 2,
                choice: Choice::Incoming
            }]
        ),
        "{e:?}"
    );
    // Refused (settled meanwhile by a colleague): it stays listed.
    a.conflict_settled(Choice::Incoming, Err("already settled".into()), &[]);
    assert!(matches!(&a.modal, Modal::Conflicts { list, .. } if list.len() == 2));
    a.conflict_settled(
        Choice::Incoming,
        Ok(conflict(2)),
        &[("weight_g".into(), "480.0".into())],
    );
    assert!(matches!(&a.modal, Modal::Conflicts { list, cursor: 0 } if list.len() == 1));
    let said = &a.message.as_ref().unwrap().0;
    assert!(said.contains("took the incoming"), "{said}");
    // What it replaced that was edited here since is said.
    assert!(
        said.contains("edited here since the conflict was filed: weight_g 480.0"),
        "{said}"
    );
    // The lists' rows are read again (a row kept the old version).
    let after = a.take_effects();
    assert!(
        after.iter().any(|e| matches!(e, Effect::Reload)),
        "{after:?}"
    );
    let e = press(&mut a, "o");
    assert!(matches!(
        e[..],
        [Effect::Resolve {
            conflict: 1,
            choice: Choice::Local
        }]
    ));
    a.conflict_settled(Choice::Local, Ok(conflict(1)), &[]);
    assert!(
        matches!(a.modal, Modal::None),
        "the last one closes the list"
    );
}

#[test]
fn a_note_with_a_bad_grading_stays_open_and_a_good_one_is_asked_for() {
    let mut a = app(false);
    fill(&mut a, 1, 10);
    press(&mut a, "2 j j j");
    let parcel = item(ItemKind::Parcel, 3);
    show(&mut a, parcel.clone());
    assert!(press(&mut a, "n").is_empty());
    typed(&mut a, "same phone as the March parcels");
    press(&mut a, "tab");
    typed(&mut a, "9Z");
    assert!(press(&mut a, "enter").is_empty(), "nothing written");
    assert!(matches!(&a.modal, Modal::Note(p) if p.error.is_some() && p.focus == 1));
    press(&mut a, "backspace backspace");
    typed(&mut a, "2B");
    let e = press(&mut a, "enter");
    match &e[..] {
        [Effect::SaveNote(p, n)] => {
            assert_eq!(n.item_id, parcel.id);
            assert_eq!(n.text, "same phone as the March parcels");
            assert_eq!(p.grade, "2B");
        }
        other => panic!("{other:?}"),
    }
    // The store refused it: the prompt comes back with the text.
    let Some(Effect::SaveNote(p, _)) = e.into_iter().next() else {
        unreachable!()
    };
    a.note_saved(*p, Err("database is locked".into()));
    assert!(
        matches!(&a.modal, Modal::Note(p) if p.text.starts_with("same phone") && p.error.is_some())
    );
}

/// `e` and `x` on an exhibit's own row act on the exhibit; on a row of a
/// value an exhibit's note shares (its kind an exhibit too) they say it
/// is no record (they asked to delete the exhibit).
#[test]
fn only_an_exhibits_own_row_is_its_record() {
    use crate::tui::data::LinkRow;
    let mut a = app(false);
    show(
        &mut a,
        ItemRef {
            kind: ItemKind::Parcel,
            id: Uuid::from_u128(1),
            label: "RR1".into(),
        },
    );
    let row = |group: &str| LinkRow {
        group: group.into(),
        kind: ItemKind::Exhibit,
        id: Uuid::from_u128(9),
        label: "EX-1".into(),
        reason: "same phone +77015550142".into(),
        via: None,
    };
    a.pane = Pane::Links;
    a.links = vec![row("Shares values")];
    a.links_cursor = 0;
    assert!(press(&mut a, "x").is_empty());
    assert!(matches!(a.modal, Modal::None));
    assert!(
        a.message
            .as_ref()
            .is_some_and(|(m, _)| m.contains("not a record"))
    );
    a.links = vec![row("Exhibits")];
    let fx = press(&mut a, "e");
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::EditForm(i) if i.kind == ItemKind::Exhibit)),
        "{fx:?}"
    );
}
