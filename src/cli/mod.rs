//! The command line: every basic operation without the terminal interface,
//! for scripts, tests and officers on a bad connection.

pub mod args;
pub(crate) mod commands;
mod evidence;
mod formats;
mod import;
mod list;
pub mod memory;
pub mod output;
mod outputs;
mod share;
mod show;
mod stats;
mod targeting;
mod xref;

use anyhow::{Context, Result};
use args::Cli;
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// The bytes of `path`, at most `cap` of them: a file, pipe or device
/// holding more is refused once one byte past `cap` is read, the message
/// naming `what` holds at most `cap` bytes, rather than read whole
/// (`/dev/zero` as a MISP event grew to gigabytes before its size was
/// asked).
pub(crate) fn read_at_most(path: &std::path::Path, cap: u64, what: &str) -> Result<Vec<u8>> {
    use std::io::Read;
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() as u64 > cap {
        anyhow::bail!(
            "{}: more than {cap} bytes; {what} is at most {cap} bytes",
            path.display()
        );
    }
    Ok(bytes)
}

/// [`read_at_most`], as UTF-8 text.
pub(crate) fn read_text_at_most(path: &std::path::Path, cap: u64, what: &str) -> Result<String> {
    String::from_utf8(read_at_most(path, cap, what)?)
        .map_err(|e| anyhow::anyhow!("{}: not UTF-8 text: {e}", path.display()))
}

/// The data directory (`~/.local/share/interdict` on Linux).
pub fn data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "interdict").map(|d| d.data_dir().to_path_buf())
}

/// The notebook used when neither `--db` nor `INTERDICT_DB` names one.
pub fn default_db_path() -> Result<PathBuf> {
    let dir = data_dir().context("cannot find the user's data directory; pass --db PATH")?;
    crate::exchange::seal::private_dir(&dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir.join("interdict.db"))
}

/// The OS user, as changes are attributed by default.
pub fn os_user() -> String {
    whoami::username()
        .ok()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| {
            ["USER", "LOGNAME", "USERNAME"]
                .iter()
                .find_map(|v| std::env::var(v).ok())
        })
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// Who changes are attributed to: the OS user, or `--as NAME`, recorded
/// with the OS account it was typed in. A name that is not one line of
/// visible characters, or longer than a name, is refused.
pub fn actor(as_name: Option<&str>) -> anyhow::Result<String> {
    let os = os_user();
    Ok(match as_name.map(str::trim).filter(|s| !s.is_empty()) {
        Some(name) => {
            crate::domain::record::check_name("--as", name)?;
            if name == os {
                os
            } else {
                format!("{name} (as {os})")
            }
        }
        _ => os,
    })
}

/// Logs go to a file in the data directory, never to the terminal.
fn init_logging() {
    let Some(dir) = data_dir() else { return };
    if crate::exchange::seal::private_dir(&dir).is_err() {
        return;
    }
    let mut o = std::fs::OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    {
        // Logs can name items: readable by their owner only, like the notebook.
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let Ok(file) = o.open(dir.join("interdict.log")) else {
        return;
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("INTERDICT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    init_logging();
    crate::domain::identifiers::show_cards(cli.show_cards);
    // CSV for a file or a pipe keeps its values as stored (it reads back
    // in unchanged); for the screen, control characters are shown.
    crate::domain::text::csv_to_terminal(std::io::IsTerminal::is_terminal(&std::io::stdout()));
    match commands::dispatch(cli) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", output::cell_line(&one_line(&e)));
            ExitCode::FAILURE
        }
    }
}

/// An error on one line: the chain of causes, outermost first, a cause
/// left out where the one before already says it (a database error
/// quoting its cause, an I/O error its OS error), so nothing is said two
/// or three times over.
fn one_line(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in e.chain() {
        let text = c.to_string();
        if parts.last().is_some_and(|p| p.contains(&text)) {
            continue;
        }
        parts.push(text);
    }
    parts.join(": ")
}

/// Help and version as clap prints them; a usage error with every line
/// sanitised, since it may echo an argument (an escape sequence typed or
/// pasted must not set the terminal's title or colours).
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return if e.use_stderr() {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    let text = e.render().to_string();
    let lines: Vec<String> = text.lines().map(output::cell_line).collect();
    eprintln!("{}", lines.join("\n"));
    ExitCode::from(2)
}

/// `interdict list parcels | head` closes the pipe early: not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    let broken = |io: &std::io::Error| io.kind() == std::io::ErrorKind::BrokenPipe;
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(broken)
            // (The CSV writer's error holds the pipe's: `list parcels
            // --format csv | head` said "error: Broken pipe".)
            || c.downcast_ref::<csv::Error>().is_some_and(|e| match e.kind() {
                csv::ErrorKind::Io(io) => broken(io),
                _ => false,
            })
            // (And the JSON writer's: `--format json audit log | head`.)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

#[cfg(test)]
mod tests {
    /// A pipe closed early is no error, as the CSV writer says it too.
    #[test]
    fn a_pipe_closed_by_the_reader_is_no_error() {
        let io = || std::io::Error::new(std::io::ErrorKind::BrokenPipe, "Broken pipe");
        assert!(super::is_broken_pipe(&anyhow::Error::new(io())));
        let csv_err: csv::Error = io().into();
        assert!(super::is_broken_pipe(&anyhow::Error::new(csv_err)));
        let other: csv::Error =
            std::io::Error::new(std::io::ErrorKind::StorageFull, "disk full").into();
        assert!(!super::is_broken_pipe(&anyhow::Error::new(other)));
        let json = serde_json::Error::io(io());
        assert!(super::is_broken_pipe(&anyhow::Error::new(json)));
    }

    /// A cause the message before it already quotes is said once.
    #[test]
    fn an_error_chain_says_each_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file (os error 2)");
        let e = anyhow::Error::new(io).context("reading x.csv: No such file (os error 2)");
        assert_eq!(
            super::one_line(&e),
            "reading x.csv: No such file (os error 2)"
        );
        let e = anyhow::anyhow!("disk on fire").context("writing y");
        assert_eq!(super::one_line(&e), "writing y: disk on fire");
    }
}
