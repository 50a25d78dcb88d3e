//! Outside tools some checks drive (OpenSSH's server, the OASIS STIX
//! validator...). In CI a missing tool fails the check: `.ci/run` installs
//! them all. Anywhere else the check is skipped, said at once on the
//! terminal, and left as a note that `tests/zz_checks_not_run.rs` (the
//! last test binary of a `cargo test` run) prints at the end of the run
//! with the one command that installs what was missing.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// An outside program a check needs.
pub struct Tool {
    /// The program's name, looked up on `PATH`.
    pub program: &'static str,
    /// Also looked for in the system directories of `INTERDICT_SBIN_PATH`
    /// (by default `/usr/local/sbin:/usr/sbin:/sbin`), for daemons that
    /// an ordinary user's `PATH` does not hold.
    pub sbin: bool,
    /// How to install it, as one shell command.
    pub install: &'static str,
    /// A Python module the check imports: the tool is then `python3` (the
    /// program) with this module importable, and is named by the module.
    pub module: Option<&'static str>,
}

impl Tool {
    /// What a person is told is missing.
    pub fn name(&self) -> &'static str {
        self.module.unwrap_or(self.program)
    }
}

pub const SSHD: Tool = Tool {
    program: "sshd",
    sbin: true,
    install: "apt-get install -y openssh-server",
    module: None,
};
pub const SSH: Tool = Tool {
    program: "ssh",
    sbin: false,
    install: "apt-get install -y openssh-client",
    module: None,
};
pub const SSH_KEYGEN: Tool = Tool {
    program: "ssh-keygen",
    sbin: false,
    install: "apt-get install -y openssh-client",
    module: None,
};
pub const GRAPHVIZ: Tool = Tool {
    program: "dot",
    sbin: false,
    install: "apt-get install -y graphviz",
    module: None,
};
pub const STIX_VALIDATOR: Tool = Tool {
    program: "stix2_validator",
    sbin: false,
    install: "pip install stix2-validator",
    module: None,
};
pub const PYMISP: Tool = Tool {
    program: "python3",
    sbin: false,
    install: "pip install pymisp",
    module: Some("pymisp"),
};

/// Where the notes of checks that did not run are kept between the test
/// binaries of one run.
pub fn notes_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("checks-not-run")
}

/// Whether this run is CI's, where every check must run.
pub fn strict() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// The program's path, if it is installed.
pub fn find(tool: &Tool) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if tool.sbin {
        let sbin = std::env::var_os("INTERDICT_SBIN_PATH")
            .unwrap_or_else(|| "/usr/local/sbin:/usr/sbin:/sbin".into());
        dirs.extend(std::env::split_paths(&sbin));
    }
    let found = dirs
        .into_iter()
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join(tool.program))
        .find(|p| is_executable(p))?;
    match tool.module {
        None => Some(found),
        Some(m) => std::process::Command::new(&found)
            .args(["-c", &format!("import {m}")])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
            .then_some(found),
    }
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The paths of the tools the check `check` needs, when all are there.
/// When one is missing: in CI, a panic naming it and how to install it;
/// elsewhere, `None` after saying that the check did not run (on the
/// terminal now, and in the summary at the end of the run).
pub fn require(check: &str, tools: &[&Tool]) -> Option<Vec<PathBuf>> {
    let note = notes_dir().join(format!("{check}.txt"));
    let found: Vec<Option<PathBuf>> = tools.iter().map(|t| find(t)).collect();
    if found.iter().all(Option::is_some) {
        let _ = std::fs::remove_file(&note);
        return Some(found.into_iter().flatten().collect());
    }
    let missing: Vec<&&Tool> = tools
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|(t, _)| t)
        .collect();
    let names: Vec<&str> = missing.iter().map(|t| t.name()).collect();
    let mut install: Vec<&str> = missing.iter().map(|t| t.install).collect();
    install.dedup();
    if strict() {
        panic!(
            "{check}: {} not installed; CI must run every check ({})",
            names.join(", "),
            install.join(" && ")
        );
    }
    let _ = std::fs::create_dir_all(notes_dir());
    // One line per note: the check, what it lacks, the install commands.
    let _ = std::fs::write(
        &note,
        format!("{check}\t{}\t{}\n", names.join(", "), install.join("\t")),
    );
    // Straight to the terminal: libtest captures `eprintln!` of a passing
    // test, so a skip would otherwise go unseen.
    let _ = writeln!(
        std::io::stderr(),
        "\nnot run: {check} needs {} ({})",
        names.join(", "),
        install.join(" && ")
    );
    None
}

/// The path of `program` on `PATH` (or the system directories), if any.
pub fn find_path(program: &'static str) -> Option<PathBuf> {
    find(&Tool {
        program,
        sbin: true,
        install: "",
        module: None,
    })
}

/// A check that cannot run here for want of `needs` (not a program: the
/// rights to act as other accounts, say): said as [`require`] says a
/// missing tool, and a failure in CI, where every check must run.
pub fn not_run(check: &str, needs: &str, how: &str) {
    if strict() {
        panic!("{check}: needs {needs}; CI must run every check ({how})");
    }
    let _ = std::fs::create_dir_all(notes_dir());
    let _ = std::fs::write(
        notes_dir().join(format!("{check}.txt")),
        format!("{check}\t{needs}\t{how}\n"),
    );
    let _ = writeln!(
        std::io::stderr(),
        "\nnot run: {check} needs {needs} ({how})"
    );
}
