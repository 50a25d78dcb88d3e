//! The real binary in a pseudo-terminal, as an officer would use it:
//! open a demo notebook, create a parcel through the form, link it to a
//! case, follow the link, go back, quit; then check the file holds exactly
//! that.

mod common;

use common::pty::Screen;
use portable_pty::CommandBuilder;
use std::path::Path;

const BIN: &str = env!("CARGO_BIN_EXE_interdict");

/// The interface on `db`, with its data directory under `home`.
fn start(db: &Path, home: &Path, extra: &[&str]) -> Screen {
    start_with(db, home, extra, &[])
}

/// [`start`], with more of the environment set.
fn start_with(db: &Path, home: &Path, extra: &[&str], env: &[(&str, &Path)]) -> Screen {
    let mut cmd = CommandBuilder::new(BIN);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.arg("--db");
    cmd.arg(db);
    for a in extra {
        cmd.arg(a);
    }
    cmd.env("HOME", home);
    cmd.env("XDG_DATA_HOME", home.join("data"));
    // An empty config of its own: the user's is not read, and a named
    // file must exist.
    let config = home.join("data").join("interdict-config.toml");
    if !config.exists() {
        std::fs::create_dir_all(home.join("data")).unwrap();
        std::fs::write(&config, "").unwrap();
    }
    cmd.env("INTERDICT_CONFIG", config);
    cmd.env("INTERDICT_USER", "officer");
    cmd.env("TERM", "xterm-256color");
    Screen::spawn(cmd, 30, 100)
}

fn cli(db: &Path, args: &[&str]) -> String {
    let home = db.parent().unwrap();
    let out = std::process::Command::new(BIN)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn create_link_follow_back_quit() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    cli(&db, &["demo", "--parcels", "200"]);
    let audit_before: serde_json::Value = serde_json::from_str(&cli(
        &db,
        &["audit", "log", "--limit", "1", "--format", "json"],
    ))
    .unwrap();
    let last_seq = audit_before[0]["seq"].as_i64().unwrap();

    let mut s = start(&db, dir.path(), &[]);
    s.wait_for("Cases 1/");
    // A new parcel through the form: tracking number, carrier, save (F2).
    s.send("2");
    s.send("a");
    s.wait_for("New parcel");
    s.send("EE473124829CN\tEMS");
    s.send("\x1bOQ");
    s.wait_for("created parcel EE473124829CN");
    // Link it to case C-0001 through the picker: includes.
    s.send("l");
    s.send("C-0001");
    s.wait_for("case      C-0001");
    s.send("\r");
    s.wait_for(": type");
    s.send("\r");
    s.wait_for("linked: case C-0001 Operation Steppe includes parcel EE473124829CN");
    // Follow the link from the Links pane to the case (one key: the case's
    // own links show in the same pane), then go back to where we were.
    s.send("4");
    s.wait_for("Links of parcel EE473124829CN");
    s.send("\r");
    s.wait_for("Links of case C-0001");
    s.send("[");
    s.wait_for("Links of parcel EE473124829CN");
    s.send("2");
    s.wait_for("┌ Parcels 201/201");
    s.send("q");
    s.wait_exit();

    // The file holds exactly that: one parcel and one link more, audited.
    let p: serde_json::Value =
        serde_json::from_str(&cli(&db, &["show", "EE473124829CN", "--format", "json"])).unwrap();
    assert_eq!(p["carrier"], "EMS");
    assert!(p["created_by"].as_str().unwrap().starts_with("officer"));
    let links = p["links"].as_array().unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0]["type"], "includes");
    assert_eq!(links[0]["direction"], "in");
    assert!(links[0]["label"].as_str().unwrap().starts_with("C-0001"));
    let log: serde_json::Value = serde_json::from_str(&cli(
        &db,
        &["audit", "log", "--limit", "10", "--format", "json"],
    ))
    .unwrap();
    let new: Vec<&serde_json::Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["seq"].as_i64().unwrap() > last_seq)
        .collect();
    let actions: Vec<(String, String)> = new
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["item_kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        vec![
            ("create".into(), "link".into()),
            ("create".into(), "parcel".into())
        ]
    );
    cli(&db, &["audit", "verify"]);
}

/// A received export browsed in the interface with --read-only: the
/// signer is named, items open and links are followed, a write attempt
/// is refused on the status line, and the file is byte-identical after.
#[test]
fn received_export_browsed_read_only_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    cli(&db, &["demo", "--parcels", "200"]);
    let file = dir.path().join("received.db");
    cli(
        &db,
        &[
            "export",
            "--case",
            "C-0001",
            "--include-red",
            "C-0001",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    let hash = |p: &Path| {
        use sha2::Digest;
        sha2::Sha256::digest(std::fs::read(p).unwrap()).to_vec()
    };
    let before = hash(&file);
    let names = || {
        let mut v: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    };
    let files_before = names();

    let mut s = start(&file, dir.path(), &["--read-only"]);
    s.wait_for("signed by");
    s.wait_for("Cases 1/");
    s.send("2");
    s.wait_for("Parcels 1/");
    // The live filter searches the received parcels (the file carries no
    // search rows: they are rebuilt in a private copy it reads instead).
    let screen = s.text();
    let second = screen
        .lines()
        .filter_map(|l| l.trim_start_matches('│').split_whitespace().next())
        .filter(|w| {
            w.len() >= 10
                && w.chars().all(|c| c.is_ascii_alphanumeric())
                && w.chars().any(|c| c.is_ascii_digit())
        })
        .nth(1)
        .expect("a second parcel listed")
        .to_string();
    s.send("/");
    s.send(&second);
    s.wait_for(&format!("/{second}"));
    // The exact match comes first (other waybills of the same series may
    // match the digits loosely).
    s.wait_for(&format!("parcel {second} "));
    // Esc drops the filter; the parcel it found stays highlighted.
    s.send("\x1b");
    s.wait_for("Parcels 2/");
    s.send("j");
    s.send("4");
    s.wait_for("Links of parcel");
    s.send("\r");
    s.wait_for("case C-0001");
    s.send("n");
    s.send("seen at the depot");
    s.send("\r");
    s.wait_for("read-only");
    s.send("\x07");
    s.send("q");
    s.wait_exit();

    assert_eq!(
        hash(&file),
        before,
        "not a byte of the received file changed"
    );
    assert_eq!(names(), files_before, "nothing was created beside it");
}

#[test]
fn a_field_is_edited_in_the_middle_with_cursor_keys() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    cli(&db, &["demo", "--parcels", "50"]);
    let mut s = start(&db, dir.path(), &[]);
    s.wait_for("Cases 1/");
    s.send("2");
    s.send("a");
    s.wait_for("New parcel");
    // A digit left out: back over the country code, put it in.
    s.send("EE47312482CN");
    s.send("\x1b[D\x1b[D");
    s.send("9");
    s.wait_for("EE473124829");
    // The carrier: typed, then its start changed (Home, Ctrl-k clears to
    // the end, Ctrl-a/Ctrl-e move).
    s.send("\tPost");
    s.send("\x1b[H");
    s.send("Kaz");
    s.wait_for("Kaz▏Post");
    s.send("\x0b");
    s.send("EMS");
    s.send("\x01\x05");
    s.send("\x1bOQ");
    s.wait_for("created parcel EE473124829CN");
    s.send("q");
    s.wait_exit();
    let p: serde_json::Value =
        serde_json::from_str(&cli(&db, &["show", "EE473124829CN", "--format", "json"])).unwrap();
    assert_eq!(p["carrier"], "KazEMS");
}

/// Two notes typed in one burst, as keys arrive over SSH: the `n` typed
/// right after the first note's Enter opens the second note, and its text
/// goes into it. (The keys pending after any save were dropped: the `n`
/// was lost, and typed a moment later the second note's text ran as list
/// commands, its `x` and `y` deleting the parcel.)
#[test]
fn keys_typed_ahead_of_a_quick_save_are_applied() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    cli(&db, &["init"]);
    cli(&db, &["add", "parcel", "--tracking", "RR123456785KZ"]);
    let mut s = start(&db, dir.path(), &[]);
    s.wait_for("2 Parcels (1)");
    s.send("2");
    s.wait_for("┌ Parcels 1/1");
    s.send("n");
    s.wait_for("RR123456785KZ");
    s.send("first note\rnbox yes\r");
    s.wait_for("note added to RR123456785KZ");
    s.send("q");
    s.wait_exit();
    let p: serde_json::Value =
        serde_json::from_str(&cli(&db, &["show", "RR123456785KZ", "--format", "json"])).unwrap();
    let mut notes: Vec<&str> = p["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["text"].as_str())
        .collect();
    notes.sort();
    assert_eq!(notes, ["box yes", "first note"], "{p}");
}

/// Every file under `dir` whose bytes hold `needle`.
fn files_holding(dir: &Path, needle: &[u8]) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            found.extend(files_holding(&p, needle));
        } else if std::fs::read(&p).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle)) {
            found.push(p);
        }
    }
    found
}

#[test]
fn an_encrypted_export_is_browsed_from_memory_and_a_kill_leaves_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    cli(&db, &["demo", "--parcels", "200"]);
    let id = dir.path().join("identity.txt");
    let made: serde_json::Value = serde_json::from_str(&cli(
        &db,
        &[
            "--format",
            "json",
            "keys",
            "new-identity",
            "--out",
            id.to_str().unwrap(),
        ],
    ))
    .unwrap();
    let recipient = made["recipient"].as_str().unwrap();
    let sealed = dir.path().join("sent.age");
    cli(
        &db,
        &[
            "export",
            "--case",
            "C-0001",
            "--include-red",
            "C-0001",
            "--encrypt-to",
            recipient,
            "--out",
            sealed.to_str().unwrap(),
        ],
    );
    // A tracking number the export holds, to look for in plaintext.
    let listed: serde_json::Value = serde_json::from_str(&cli(
        &db,
        &["--format", "json", "list", "parcels", "--case", "C-0001"],
    ))
    .unwrap();
    let tracking = listed[0]["tracking"].as_str().unwrap().to_string();
    assert!(files_holding(&sealed, tracking.as_bytes()).is_empty());

    // A private temporary folder, and a data folder of its own, watched.
    let tmp = dir.path().join("tmp");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    let mut s = start_with(
        &sealed,
        &home,
        &["--read-only", "--identity", id.to_str().unwrap()],
        &[("TMPDIR", tmp.as_path())],
    );
    s.wait_for("signed by");
    s.wait_for("Cases 1/");
    s.send("2");
    s.wait_for("Parcels 1/");
    // The live filter reads the received parcels (indexed in memory).
    s.send("/");
    s.send(&tracking);
    s.wait_for(&format!("parcel {tracking} "));
    // While it runs, no file anywhere it writes holds the plaintext.
    for place in [&tmp, &home] {
        let held = files_holding(place, tracking.as_bytes());
        assert!(held.is_empty(), "plaintext on disk: {held:?}");
        assert!(
            files_holding(place, b"SQLite format 3\0").is_empty(),
            "a database on disk under {}",
            place.display()
        );
    }
    // Killed as hard as can be: nothing is left to sweep.
    let pid = s.child.process_id().unwrap();
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let _ = s.child.wait();
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "left in the temporary folder: {:?}",
        std::fs::read_dir(&tmp).unwrap().collect::<Vec<_>>()
    );
    assert!(files_holding(&home, tracking.as_bytes()).is_empty());
}

/// An interface whose terminal goes away without a SIGHUP reaching it
/// (started through `su` or `runuser`, its window or SSH session then
/// closed) ends: it read end-of-input at a core's pace for as long as
/// nobody killed it, holding the notebook open. Here: a terminal that is
/// not the process's controlling one (a session of its own), then closed.
#[cfg(unix)]
#[test]
fn an_interface_ends_when_its_terminal_hangs_up_without_a_signal() {
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    cli(&db, &["init"]);
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: 24,
        ws_col: 80,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: out-parameters for two descriptors, a size; no name asked.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(r, 0, "openpty");
    // (The master not inherited: the child holding it open, it never
    // hangs up.)
    unsafe { libc::fcntl(master, libc::F_SETFD, libc::FD_CLOEXEC) };
    let slave = unsafe { OwnedFd::from_raw_fd(slave) };
    let mut cmd = Command::new(BIN);
    cmd.env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env("INTERDICT_USER", "officer")
        .env("TERM", "xterm-256color")
        .arg("--db")
        .arg(&db)
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    // SAFETY: setsid is async-signal-safe; a session of its own, with no
    // controlling terminal: the terminal's hang-up sends it no SIGHUP.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let mut child = cmd.spawn().unwrap();
    // Its first screen read (the terminal's buffer must not fill), then
    // the terminal closed.
    unsafe { libc::fcntl(master, libc::F_SETFL, libc::O_NONBLOCK) };
    let mut drawn = 0usize;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) {
        let mut buf = [0u8; 4096];
        let n = unsafe { libc::read(master, buf.as_mut_ptr().cast(), buf.len()) };
        if n > 0 {
            drawn += n as usize;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(drawn > 0, "the interface drew nothing");
    unsafe { libc::close(master) };
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            // ended as a SIGHUP ends it
            assert_eq!(status.code(), Some(129), "{status:?}");
            break;
        }
        if start.elapsed() > Duration::from_secs(15) {
            let _ = child.kill();
            panic!("the interface still ran 15 s after its terminal hung up");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
