//! The terminal guard: raw mode, alternate screen and bracketed paste on
//! entry; everything restored on drop, on error, on panic, and (through
//! [`stop_on_signals`], which ends the loop) on SIGTERM and SIGHUP.

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{self, Stdout};

pub struct TerminalGuard {
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

/// Puts the terminal back as it was. Safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

impl TerminalGuard {
    pub fn enter() -> io::Result<TerminalGuard> {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        enable_raw_mode()?;
        let mut stdout = io::stdout();
        if let Err(e) = execute!(stdout, EnterAlternateScreen, EnableBracketedPaste) {
            restore();
            return Err(e);
        }
        let terminal = match Terminal::new(CrosstermBackend::new(stdout)) {
            Ok(t) => t,
            Err(e) => {
                restore();
                return Err(e);
            }
        };
        Ok(TerminalGuard { terminal })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Set to the number of the signal (SIGTERM or SIGHUP, on Unix) the
/// process got, for the loop to end on, so the guard's drop restores the
/// terminal; 0 until one comes. (A handler cannot restore it itself: the
/// terminal calls are not async-signal-safe.) The process then exits
/// with [`exit_code`], as a shell expects of a process a signal ended.
/// If a handler cannot be set, the flag stays down and the signal keeps
/// its default.
pub fn stop_on_signals() -> std::sync::Arc<std::sync::atomic::AtomicUsize> {
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    #[cfg(unix)]
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
        if let Err(e) = signal_hook::flag::register_usize(sig, flag.clone(), sig as usize) {
            tracing::warn!("signal {sig} will not restore the terminal: {e}");
        }
    }
    // The loop ends on the flag and the guard restores the terminal. But
    // when the terminal itself has gone (an SSH session dropped: SIGHUP),
    // the loop can be held in a read of it that never returns (crossterm
    // retries a closed terminal's reads, at half a core): it would never
    // see the flag, and never end. A watcher ends the process a moment
    // after the signal if the loop has not.
    //
    // A terminal can also go without a SIGHUP reaching the process (an
    // interface started through `su` or `runuser`, whose tmux window or
    // SSH session was closed: it read end-of-input at a core's pace for
    // as long as nobody killed it, holding the notebook open). The watcher
    // looks at the terminal too: hung up, it is taken as a SIGHUP.
    #[cfg(unix)]
    {
        let raised = flag.clone();
        let watched = stdin_is_a_terminal();
        let _ = std::thread::Builder::new()
            .name("interdict-signals".into())
            .spawn(move || {
                let sig = loop {
                    match raised.load(std::sync::atomic::Ordering::Relaxed) {
                        0 if watched && stdin_hung_up() => {
                            raised.store(
                                signal_hook::consts::SIGHUP as usize,
                                std::sync::atomic::Ordering::Relaxed,
                            );
                        }
                        0 => std::thread::sleep(std::time::Duration::from_millis(200)),
                        sig => break sig,
                    }
                };
                std::thread::sleep(std::time::Duration::from_secs(2));
                let _ = crossterm::terminal::disable_raw_mode();
                let _ = crossterm::execute!(
                    std::io::stdout(),
                    crossterm::terminal::LeaveAlternateScreen,
                    crossterm::cursor::Show
                );
                std::process::exit(exit_code(sig));
            });
    }
    flag
}

/// Whether standard input is a terminal (the interface's, to watch).
#[cfg(unix)]
fn stdin_is_a_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal()
}

/// Whether the terminal on standard input has hung up (its other end,
/// the terminal emulator or SSH session, closed), asked without reading
/// a byte of what is typed.
#[cfg(unix)]
fn stdin_hung_up() -> bool {
    let mut fd = libc::pollfd {
        fd: 0,
        events: 0,
        revents: 0,
    };
    // SAFETY: one valid pollfd, a zero timeout; nothing is read.
    let n = unsafe { libc::poll(&mut fd, 1, 0) };
    n > 0 && fd.revents & (libc::POLLHUP | libc::POLLNVAL | libc::POLLERR) != 0
}

/// The exit status of a process a signal ended, as shells give it:
/// 128 and the signal's number (143 for SIGTERM, 129 for SIGHUP).
pub fn exit_code(signal: usize) -> i32 {
    128 + i32::try_from(signal).unwrap_or(127).min(127)
}
