//! The end of a `cargo test` run: which checks did not run for want of an
//! outside tool, and the one command that installs what they need. Cargo
//! runs integration test binaries in the order of their names, so this
//! one comes last (the library has no doc tests to follow it). Each note
//! was left by `common::tools::require` earlier in the same run; it is
//! read once and removed.

mod common;

use common::tools::notes_dir;

fn main() {
    let dir = notes_dir();
    let mut notes: Vec<(String, String, Vec<String>)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let path = e.path();
            if path.extension().is_none_or(|x| x != "txt") {
                continue;
            }
            if let Ok(text) = std::fs::read_to_string(&path) {
                let mut f = text.trim_end().split('\t');
                let check = f.next().unwrap_or_default().to_string();
                let tools = f.next().unwrap_or_default().to_string();
                let install = f.map(str::to_string).collect();
                notes.push((check, tools, install));
            }
            let _ = std::fs::remove_file(&path);
        }
    }
    notes.sort();
    if notes.is_empty() {
        println!("\nevery check ran: no outside tool was missing");
        return;
    }
    let mut apt: Vec<String> = Vec::new();
    let mut other: Vec<String> = Vec::new();
    for (_, _, install) in &notes {
        for i in install {
            if let Some(pkg) = i.strip_prefix("apt-get install -y ") {
                apt.extend(pkg.split_whitespace().map(str::to_string));
            } else {
                other.push(i.clone());
            }
        }
    }
    apt.sort();
    apt.dedup();
    other.sort();
    other.dedup();
    let mut command = Vec::new();
    if !apt.is_empty() {
        command.push(format!("apt-get install -y {}", apt.join(" ")));
    }
    command.extend(other);
    println!();
    println!(
        "NOT RUN: {} check(s) need a tool this machine lacks:",
        notes.len()
    );
    for (check, tools, _) in &notes {
        println!("  - {check} (needs {tools})");
    }
    println!("The rest passed. To run these too, install what they need:");
    println!("  {}", command.join(" && "));
    println!("(CI installs them with .ci/run and fails if any check cannot run.)");
}
