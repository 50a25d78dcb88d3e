//! The interface ended by a signal: SIGTERM or SIGHUP through its main
//! loop puts the terminal back and ends the process with 128 and the
//! signal's number (143, 129), as a shell expects (it used to exit 0, so
//! a script or a service manager took a killed session for a clean quit).

#![cfg(unix)]

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The running program, its terminal's master side, and the screen it
/// draws.
struct Running {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    master: Box<dyn portable_pty::MasterPty + Send>,
    screen: Arc<Mutex<vt100::Parser>>,
}

/// The interface on an empty notebook in a pseudo-terminal of 80x24.
fn start(home: &std::path::Path) -> Running {
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
    let mut reader = pty.master.try_clone_reader().unwrap();
    let screen = Arc::new(Mutex::new(vt100::Parser::new(
        std::num::NonZero::new(24).unwrap(),
        std::num::NonZero::new(80).unwrap(),
        0,
    )));
    let parser = screen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            parser.lock().unwrap().process(&buf[..n]);
        }
    });
    Running {
        child,
        master: pty.master,
        screen,
    }
}

#[test]
fn a_signal_ends_the_interface_with_128_and_its_number() {
    for (sig, code) in [("-TERM", 143), ("-HUP", 129)] {
        let dir = tempfile::tempdir().unwrap();
        let Running {
            mut child,
            master,
            screen,
        } = start(dir.path());
        let state = || {
            let p = screen.lock().unwrap();
            let s = p.screen();
            (s.contents(), s.alternate_screen(), s.hide_cursor())
        };
        let start = Instant::now();
        // (A debug binary starting beside other tests can take long on a
        // loaded machine: the bound is for a hang.)
        while !state().0.contains("This notebook is empty") {
            assert!(start.elapsed() < Duration::from_secs(180), "{}", state().0);
            std::thread::sleep(Duration::from_millis(50));
        }
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
        std::thread::sleep(Duration::from_millis(200));
        let (_, alternate, hidden) = state();
        assert!(
            !alternate && !hidden,
            "{sig}: the terminal was left as the interface had it"
        );
        drop(master);
    }
}
