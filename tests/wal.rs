//! An interface left open for hours must not let the write-ahead log grow
//! without bound: it holds no read transaction between keys, so the
//! checkpoints other writers run can restart the log, and the log file is
//! truncated back to a limit afterwards. A control shows that a held read
//! transaction would make the log grow, so the bound below means something.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use interdict::domain::Case;
use interdict::domain::record::new_record;
use interdict::exchange::demo;
use interdict::store::{OpenOptions, Store, create};
use interdict::tui::Session;
use interdict::tui::keymap::Keymap;
use interdict::tui::theme::Theme;
use interdict::tui::view;
use std::path::Path;

const MIB: u64 = 1 << 20;

fn wal_size(db: &Path) -> u64 {
    std::fs::metadata(db.with_extension("db-wal")).map_or(0, |m| m.len())
}

/// Writes `n` cases of about 4 KiB each, one transaction each.
fn write_cases(s: &mut Store, n: usize, tag: &str) {
    let summary = "s".repeat(4000);
    for i in 0..n {
        s.write(|w| {
            let (mut c, _) =
                new_record::<Case>(&[("title", &format!("{tag} {i}")), ("summary", &summary)])?;
            create::case(w, &mut c).map(|_| ())
        })
        .unwrap();
    }
}

#[test]
fn an_open_interface_does_not_pin_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let mut s = Store::open(&db, OpenOptions::new("setup")).unwrap();
    demo::generate(&mut s, 300, 7, |_, _| {}).unwrap();
    drop(s);

    // The interface, used now and then while another officer writes a lot.
    let ui_store = Store::open(&db, OpenOptions::new("viewer")).unwrap();
    let mut app = Session::new(
        ui_store,
        Keymap::defaults(),
        Theme::new(false),
        view::page_rows(30),
    );
    let mut writer = Store::open(&db, OpenOptions::new("writer")).unwrap();
    let mut peak = 0;
    for round in 0..12 {
        write_cases(&mut writer, 250, &format!("round {round}"));
        // Keys, a live filter on the worker thread, a refresh.
        for c in ['j', 'j', '/', 'o', 'p', '\u{1b}', '2', 'k'] {
            let code = if c == '\u{1b}' {
                KeyCode::Esc
            } else {
                KeyCode::Char(c)
            };
            app.handle_event(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
            app.settle();
        }
        app.runner.last_refresh = std::time::Instant::now() - std::time::Duration::from_secs(5);
        app.tick();
        peak = peak.max(wal_size(&db));
    }
    // 3,000 writes of ~12 KiB of pages each went through the log.
    assert!(peak < 24 * MIB, "the log grew to {} MiB", peak / MIB);

    // Control: a read transaction held open pins the log, which then grows.
    let reader = rusqlite::Connection::open(&db).unwrap();
    reader
        .execute_batch("BEGIN; SELECT count(*) FROM cases;")
        .unwrap();
    write_cases(&mut writer, 600, "pinned");
    let pinned = wal_size(&db);
    reader.execute_batch("COMMIT").unwrap();
    assert!(
        pinned > 24 * MIB,
        "a held snapshot should grow the log (it is {} MiB)",
        pinned / MIB
    );
    // Once the snapshot is released, the next checkpoint restarts the log
    // and the file is cut back to the limit.
    write_cases(&mut writer, 300, "after");
    writer
        .conn()
        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        .unwrap();
    write_cases(&mut writer, 10, "after2");
    assert!(
        wal_size(&db) <= interdict::store::WAL_SIZE_LIMIT as u64,
        "the log file is truncated to its limit ({} MiB)",
        wal_size(&db) / MIB
    );
    drop(app);
}
