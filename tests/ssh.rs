//! Over SSH for real: OpenSSH's sshd on 127.0.0.1 with throwaway keys, an
//! investigator's session running the interface in the remote
//! pseudo-terminal to add a lead, and a second session that finds it.
//!
//! Needs `sshd`, `ssh` and `ssh-keygen` (Debian's openssh-server and
//! openssh-client; `.ci/run` installs them). Without them the test fails
//! in CI and is skipped elsewhere, named at the end of the run.

mod common;

use common::pty::Screen;
use common::tools::{SSH, SSH_KEYGEN, SSHD, require};
use portable_pty::CommandBuilder;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_interdict");

struct Sshd {
    child: Child,
    port: u16,
    key: PathBuf,
    user: String,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keygen(path: &Path) {
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok, "ssh-keygen failed");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_sshd(dir: &Path, sshd: &Path) -> Sshd {
    std::fs::create_dir_all("/run/sshd").ok();
    let (host, key) = (dir.join("host_key"), dir.join("user_key"));
    keygen(&host);
    keygen(&key);
    let auth = dir.join("authorized_keys");
    std::fs::copy(dir.join("user_key.pub"), &auth).unwrap();
    let port = free_port();
    let config = dir.join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "ListenAddress 127.0.0.1\nPort {port}\nHostKey {}\nUsePAM no\nStrictModes no\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
             AuthorizedKeysFile {}\nPidFile {}\nPermitRootLogin yes\nAcceptEnv NONE\n",
            host.display(),
            auth.display(),
            dir.join("sshd.pid").display()
        ),
    )
    .unwrap();
    let child = Command::new(sshd)
        .arg("-D")
        .arg("-e")
        .arg("-f")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(dir.join("sshd.log")).unwrap(),
        ))
        .spawn()
        .unwrap();
    let user = std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| {
            String::from_utf8(Command::new("whoami").output().unwrap().stdout)
                .unwrap()
                .trim()
                .to_string()
        });
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "sshd did not start: {}",
            std::fs::read_to_string(dir.join("sshd.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Sshd {
        child,
        port,
        key,
        user,
    }
}

fn ssh_args(s: &Sshd) -> Vec<String> {
    vec![
        "-i".into(),
        s.key.display().to_string(),
        "-p".into(),
        s.port.to_string(),
        "-o".into(),
        "StrictHostKeyChecking=no".into(),
        "-o".into(),
        "UserKnownHostsFile=/dev/null".into(),
        "-o".into(),
        "LogLevel=ERROR".into(),
        "-o".into(),
        "BatchMode=yes".into(),
        format!("{}@127.0.0.1", s.user),
    ]
}

/// The remote command line: the binary on the shared notebook, with its
/// data directory inside the test's.
fn remote(dir: &Path, db: &Path, args: &str) -> String {
    format!(
        "env HOME={d} XDG_DATA_HOME={d}/data INTERDICT_CONFIG={d}/none.toml TERM=xterm-256color {BIN} --db {db} {args}",
        d = dir.display(),
        db = db.display()
    )
}

#[test]
fn a_lead_added_over_ssh_is_seen_from_a_second_session() {
    let Some(tools) = require("ssh session", &[&SSHD, &SSH, &SSH_KEYGEN]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    let out = Command::new(BIN)
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .arg("--db")
        .arg(&db)
        .args(["demo", "--parcels", "100"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let sshd = start_sshd(dir.path(), &tools[0]);

    // First session: the interface in the remote pseudo-terminal (ssh -tt).
    let mut cmd = CommandBuilder::new("ssh");
    cmd.arg("-tt");
    for a in ssh_args(&sshd) {
        cmd.arg(a);
    }
    cmd.arg(remote(dir.path(), &db, "--as investigator"));
    let mut s = Screen::spawn(cmd, 24, 80);
    let log = || {
        let log = std::fs::read_to_string(dir.path().join("sshd.log")).unwrap_or_default();
        format!("sshd log:\n{log}")
    };
    s.wait_for_or("Cases 1/", log);
    s.send("n");
    s.wait_for_or("Note on", log);
    s.send("courier at the depot pays in cash");
    s.send("\r");
    s.wait_for_or("note added", log);
    s.send("q");
    s.wait_exit();

    // Second session: the lead is there, attributed as typed.
    let out = Command::new("ssh")
        .args(ssh_args(&sshd))
        .arg(remote(dir.path(), &db, "list notes --format json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let notes: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lead = notes
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["text"] == "courier at the depot pays in cash")
        .unwrap_or_else(|| panic!("the lead is missing: {notes}"));
    assert!(
        lead["created_by"]
            .as_str()
            .unwrap()
            .starts_with("investigator (as "),
        "{lead}"
    );
}
