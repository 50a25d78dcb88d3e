//! A write that cannot get the notebook because another process holds
//! it (#18): the command and the interface say who holds it and how long
//! that process has run, nothing is written, and the interface keeps what
//! was typed. The holder is this test binary run again as a child
//! process, since a lock of this process is not another's.

mod common;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use interdict::store::{OpenOptions, Store};
use interdict::tui::Session;
use interdict::tui::app::Modal;
use interdict::tui::keymap::Keymap;
use interdict::tui::theme::Theme;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};

/// How long writes wait here before giving up (the default is 10 s).
const WAIT_MS: &str = "300";

#[test]
#[ignore = "the holder: run by the other tests of this file as a child process"]
fn hold_the_notebook() {
    let Ok(db) = std::env::var("INTERDICT_TEST_HOLD") else {
        return;
    };
    let c = rusqlite::Connection::open(db).unwrap();
    if std::env::var("INTERDICT_TEST_HOLD_OPEN").is_ok() {
        // Only open, as a colleague's idle interface has it: a read maps
        // the shared memory, then nothing is held but the file.
        c.query_row("SELECT count(*) FROM cases", [], |r| r.get::<_, i64>(0))
            .unwrap();
    } else {
        c.execute_batch("BEGIN IMMEDIATE").unwrap();
    }
    println!("held");
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

/// A child process holding the notebook's write lock until the returned
/// input is dropped.
fn hold(db: &Path) -> (Child, ChildStdin) {
    hold_as(db, false)
}

/// A child process with the notebook open (holding its write lock, or
/// `only_open`) until the returned input is dropped.
fn hold_as(db: &Path, only_open: bool) -> (Child, ChildStdin) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    if only_open {
        command.env("INTERDICT_TEST_HOLD_OPEN", "1");
    }
    let mut child = command
        .args([
            "hold_the_notebook",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("INTERDICT_TEST_HOLD", db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = child.stdin.take().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    // (libtest may have written the test's name on the same line.)
    while !line.trim().ends_with("held") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "the holder stopped");
    }
    // What it says after (its test's result) is read, not left to break
    // its pipe.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    (child, input)
}

fn status(s: &Session) -> String {
    s.app
        .message
        .as_ref()
        .map(|(m, _)| m.clone())
        .unwrap_or_default()
}

/// Compacting takes the file for itself: refused, naming the process,
/// while a colleague merely has the notebook open; done once they close
/// it, with every record kept.
#[test]
fn compact_waits_for_no_one_else_to_have_the_notebook_open() {
    let nb = common::Nb::new();
    for i in 0..40 {
        nb.ok(&["add", "case", "--title", &format!("Case {i}")]);
    }
    let (mut child, input) = hold_as(&nb.db, true);
    let err = nb.fails(&["compact"]);
    assert!(
        err.contains(&format!("process {}", child.id()))
            && err.contains("has the notebook open")
            && err.contains("Nothing was changed"),
        "{err}"
    );
    drop(input);
    child.wait().unwrap();
    let said = nb.ok(&["compact"]);
    assert!(
        said.contains("compacted") && said.contains("given back"),
        "{said}"
    );
    assert_eq!(nb.count("cases"), 40);
    assert!(nb.ok(&["audit", "verify"]).contains("intact"));
}

#[test]
fn a_command_kept_waiting_names_the_process_holding_the_notebook() {
    let nb = common::Nb::new();
    nb.ok(&["add", "case", "--title", "First"]);
    let (mut child, input) = hold(&nb.db);
    let out = nb
        .cmd()
        .env("INTERDICT_BUSY_TIMEOUT_MS", WAIT_MS)
        .args(["add", "case", "--title", "Second"])
        .assert()
        .failure()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("held by process {}", child.id()))
            && err.contains("busy-")
            && err.contains("running for")
            && err.contains("nothing of this change was written"),
        "{err}"
    );
    drop(input);
    child.wait().unwrap();
    assert_eq!(nb.count("cases"), 1);
    nb.ok(&["add", "case", "--title", "Second"]);
    assert_eq!(nb.count("cases"), 2);
}

#[test]
fn the_interface_keeps_the_typed_form_when_the_notebook_is_held() {
    // SAFETY: set before this process makes its first store (the wait is
    // read once), and no other test of this binary reads it in-process.
    unsafe { std::env::set_var("INTERDICT_BUSY_TIMEOUT_MS", WAIT_MS) };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let store = Store::open(&db, OpenOptions::new("tester")).unwrap();
    let mut s = Session::new(store, Keymap::defaults(), Theme::new(false), 20);
    let key = |s: &mut Session, code: KeyCode, m: KeyModifiers| {
        s.handle_event(Event::Key(KeyEvent::new(code, m)));
        s.settle();
    };
    key(&mut s, KeyCode::Char('a'), KeyModifiers::NONE);
    assert!(matches!(s.app.modal, Modal::Form(_)), "no form");
    for c in "Held case".chars() {
        key(&mut s, KeyCode::Char(c), KeyModifiers::NONE);
    }
    let (mut child, input) = hold(&db);
    key(&mut s, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let Modal::Form(f) = &s.app.modal else {
        panic!("the form was closed: the typed work is lost")
    };
    assert!(
        f.fields.iter().any(|x| x.value == "Held case"),
        "{:?}",
        f.fields
    );
    // Said in the form, where the officer is looking.
    let said = f.error.clone().unwrap_or_default();
    assert!(
        said.contains(&format!("held by process {}", child.id())) && said.contains("running for"),
        "{said}"
    );
    drop(input);
    child.wait().unwrap();
    // Once it is free, the same form saves.
    key(&mut s, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(matches!(s.app.modal, Modal::None), "{}", status(&s));
    let n: i64 = s
        .store()
        .conn()
        .query_row(
            "SELECT count(*) FROM cases WHERE title = 'Held case'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
}

/// In a real terminal: keys typed while a save waits for a colleague's
/// write are typed at its "saving…" line; they are dropped, and said, and
/// do not go into the note that comes back with the error. (Keys typed
/// ahead of a save that does not wait are applied:
/// `tests/e2e_pty.rs`.)
#[test]
fn keys_typed_while_a_save_waits_are_dropped_and_said() {
    let nb = common::Nb::new();
    nb.ok(&["add", "parcel", "--tracking", "RR123456785KZ"]);
    let home = nb.db.parent().unwrap();
    let config = home.join("interdict-config.toml");
    std::fs::write(&config, "").unwrap();
    let mut cmd = portable_pty::CommandBuilder::new(env!("CARGO_BIN_EXE_interdict"));
    cmd.arg("--db");
    cmd.arg(&nb.db);
    cmd.env("HOME", home);
    cmd.env("XDG_DATA_HOME", home.join("data"));
    cmd.env("INTERDICT_CONFIG", &config);
    cmd.env("INTERDICT_USER", "officer");
    cmd.env("INTERDICT_BUSY_TIMEOUT_MS", "1500");
    cmd.env("TERM", "xterm-256color");
    let mut s = common::pty::Screen::spawn(cmd, 30, 100);
    s.wait_for("2 Parcels (1)");
    s.send("2");
    s.wait_for("┌ Parcels 1/1");
    s.send("n");
    s.send("first note");
    s.wait_for("first note");
    let (mut child, input) = hold(&nb.db);
    s.send("\r");
    s.wait_for("saving");
    s.send("xy");
    s.wait_for("2 keys typed while the notebook was busy were not applied");
    drop(input);
    child.wait().unwrap();
    // The note came back as typed, without the keys; saved now.
    s.send("\r");
    s.wait_for("note added to RR123456785KZ");
    s.send("q");
    s.wait_exit();
    let p = nb.json(&["show", "RR123456785KZ"]);
    let notes: Vec<&str> = p["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["text"].as_str())
        .collect();
    assert_eq!(notes, ["first note"], "{p}");
}
