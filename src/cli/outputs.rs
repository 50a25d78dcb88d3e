//! Files a command writes: never the notebook it has open, that
//! notebook's journal files, or a file the command reads.
//!
//! Outputs are written into a new file and then put at their name, so an
//! output named like the notebook replaces it whole (a STIX bundle where
//! the cases were). Every command that writes a file is listed in
//! [`check_command`], which checks each of its outputs with the one
//! function [`check_output`] before the notebook is opened.

use super::args::{Command, DocumentCmd, ExportArgs, ImportCmd, KeysCmd, ProfileCmd};
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};

/// A file an output must not be written over, and what it is to the user.
type Kept = (PathBuf, String);

/// The files SQLite keeps beside a notebook, by the suffix of their name.
const SIDE_FILES: [(&str, &str); 3] = [
    ("-wal", "write-ahead log"),
    ("-shm", "shared-memory index"),
    ("-journal", "rollback journal"),
];

/// Refuses an output at `path` (named by `option`) that is one of `kept`:
/// the same name however spelt (relative, through `..` or a symbolic
/// link), or the same file by device and inode (a hard link). Nothing is
/// written either way.
pub(super) fn check_output(option: &str, path: &Path, kept: &[Kept]) -> Result<()> {
    let out = resolved(path, 0);
    let out_id = identity(path);
    for (kept_path, what) in kept {
        let same_name = out.is_some() && out == resolved(kept_path, 0);
        let same_file = out_id.is_some() && out_id == identity(kept_path);
        if same_name || same_file {
            bail!(
                "{option} {}: that is {} ({}); writing there would replace it. Choose another file; nothing was written",
                super::output::cell_line(&path.display().to_string()),
                what,
                super::output::cell_line(&kept_path.display().to_string()),
            );
        }
    }
    Ok(())
}

/// The notebook at `db` and the files SQLite keeps beside it, as outputs
/// must not be written over.
fn notebook_files(db: &Path) -> Vec<Kept> {
    let mut files = vec![(db.to_path_buf(), "the notebook this command opens".into())];
    // (SQLite names its journals after the file the link leads to.)
    let mut bases = vec![db.to_path_buf()];
    if let Some(real) = resolved(db, 0).filter(|r| r != db) {
        bases.push(real);
    }
    for base in bases {
        for (suffix, what) in SIDE_FILES {
            let mut name = base.clone().into_os_string();
            name.push(suffix);
            files.push((PathBuf::from(name), format!("the notebook's {what}")));
        }
    }
    files
}

/// Checks every file `command` would write against the notebook `db`
/// (and its journals), the files the command reads (`identity`: the key
/// file given with `--identity`) and its other outputs.
pub(super) fn check_command(command: &Command, db: &Path, identity: Option<&Path>) -> Result<()> {
    let mut kept: Vec<Kept> = notebook_files(db);
    if let Some(i) = identity {
        kept.push((
            i.to_path_buf(),
            "the identity file given with --identity".into(),
        ));
    }
    // (option, path) of each output; inputs beside the notebook.
    let mut outputs: Vec<(String, PathBuf)> = Vec::new();
    let mut database_out = false;
    match command {
        Command::Export(a @ ExportArgs { out: Some(p), .. }) => {
            outputs.push(("--out".into(), p.clone()));
            // (A database export refuses any file there: said by it.)
            database_out = a.graph.is_none() && !a.stix && !a.misp && a.incident.is_none();
        }
        Command::Profile(ProfileCmd::Export { out: Some(p), .. })
        | Command::Document(DocumentCmd::Extract { out: p, .. })
        | Command::Keys(KeysCmd::NewIdentity { out: p }) => {
            outputs.push(("--out".into(), p.clone()));
        }
        Command::Demo {
            manifest: Some(p), ..
        } => {
            outputs.push(("--manifest".into(), p.clone()));
            outputs.push((
                "--manifest (its list of planted rows)".into(),
                PathBuf::from(format!("{}.planted", p.display())),
            ));
        }
        Command::Import(ImportCmd::Csv(a)) => {
            kept.push((a.file.clone(), "the file being imported".into()));
            if let Some(m) = &a.mapping {
                kept.push((m.clone(), "the mapping given with --mapping".into()));
            }
            if let Some(p) = &a.save_mapping {
                outputs.push(("--save-mapping".into(), p.clone()));
            }
            match &a.rejects {
                Some(p) => outputs.push(("--rejects".into(), p.clone())),
                // (Written, by default beside the file, only with --skip-bad.)
                None if a.skip_bad => outputs.push((
                    "the rejects file (by default FILE.rejects.csv; pass --rejects)".into(),
                    crate::exchange::csv_import::default_rejects_path(&a.file),
                )),
                None => {}
            }
        }
        _ => {}
    }
    for (option, path) in &outputs {
        check_output(option, path, &kept)?;
        // Another notebook (or an export: a database of any kind) is never
        // replaced by a text: `export --stix --out colleague.db` destroyed
        // a whole notebook, as `--rejects` or `profile export` could. (The
        // database export refuses any file that exists.)
        if !database_out && holds_a_database(path) {
            bail!(
                "{option} {}: that file is an SQLite database (a notebook or an export?); writing there would replace it. Choose another file; nothing was written",
                super::output::cell_line(&path.display().to_string()),
            );
        }
        // Two outputs of one command are not one file either.
        kept.push((path.clone(), format!("the file {option} writes")));
    }
    Ok(())
}

/// Whether the file at `path` begins as an SQLite database does.
fn holds_a_database(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && &head == b"SQLite format 3\0"
}

/// Where `path` leads: the file a link names (followed, even when it
/// leads nowhere yet), in its folder resolved; `None` when its folder
/// cannot be found.
fn resolved(path: &Path, depth: u8) -> Option<PathBuf> {
    if let Ok(p) = path.canonicalize() {
        return Some(p);
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // A link to a file not there yet (a notebook's journal, say).
    if let Ok(target) = std::fs::read_link(path)
        && depth < 40
    {
        return resolved(&dir.join(target), depth + 1);
    }
    let name = path.file_name()?;
    Some(resolved(dir, depth + 1)?.join(name))
}

/// The device and inode of the file at `path` (links followed).
#[cfg(unix)]
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(_path: &Path) -> Option<(u64, u64)> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(p: &Path) -> Vec<Kept> {
        vec![(p.to_path_buf(), "the notebook".into())]
    }

    /// The same file is caught however it is named: another spelling, a
    /// symbolic link, a hard link; a file beside it is not.
    #[test]
    fn the_same_file_is_caught_under_any_name() {
        let d = tempfile::tempdir().unwrap();
        let nb = d.path().join("nb.db");
        std::fs::write(&nb, b"x").unwrap();
        std::fs::create_dir(d.path().join("sub")).unwrap();
        let spelt = d.path().join("sub/../nb.db");
        let e = check_output("--out", &spelt, &kept(&nb)).unwrap_err();
        assert!(e.to_string().starts_with("--out "), "{e}");
        assert!(e.to_string().contains("that is the notebook"), "{e}");
        #[cfg(unix)]
        {
            let link = d.path().join("link.json");
            std::os::unix::fs::symlink(&nb, &link).unwrap();
            assert!(check_output("--out", &link, &kept(&nb)).is_err());
            let hard = d.path().join("hard.json");
            std::fs::hard_link(&nb, &hard).unwrap();
            assert!(check_output("--out", &hard, &kept(&nb)).is_err());
        }
        assert!(check_output("--out", &d.path().join("out.json"), &kept(&nb)).is_ok());
    }

    /// Another notebook (any SQLite database) is not replaced by a text
    /// output; a text file of the same name is, as before.
    #[test]
    fn a_database_is_never_a_texts_output() {
        use super::super::args::Cli;
        use clap::Parser;
        let d = tempfile::tempdir().unwrap();
        let other = d.path().join("colleague.db");
        let c = rusqlite::Connection::open(&other).unwrap();
        c.execute_batch("CREATE TABLE t (x)").unwrap();
        drop(c);
        let old = d.path().join("old.json");
        std::fs::write(&old, "{}").unwrap();
        let nb = d.path().join("nb.db");
        for args in [
            vec!["interdict", "export", "--stix", "--all", "--out"],
            vec!["interdict", "profile", "export", "p", "--out"],
        ] {
            let cli =
                Cli::try_parse_from(args.iter().copied().chain([other.to_str().unwrap()])).unwrap();
            let e = check_command(cli.command.as_ref().unwrap(), &nb, None).unwrap_err();
            assert!(e.to_string().contains("is an SQLite database"), "{e}");
            let cli =
                Cli::try_parse_from(args.iter().copied().chain([old.to_str().unwrap()])).unwrap();
            assert!(check_command(cli.command.as_ref().unwrap(), &nb, None).is_ok());
        }
    }

    /// A journal not there yet is still the notebook's, and found through
    /// a link to the notebook too.
    #[test]
    fn the_notebooks_journals_are_kept_even_before_they_exist() {
        let d = tempfile::tempdir().unwrap();
        let nb = d.path().join("nb.db");
        std::fs::write(&nb, b"x").unwrap();
        let e =
            check_output("--out", &d.path().join("nb.db-wal"), &notebook_files(&nb)).unwrap_err();
        assert!(e.to_string().contains("write-ahead log"), "{e}");
        #[cfg(unix)]
        {
            let link = d.path().join("alias.db");
            std::os::unix::fs::symlink(&nb, &link).unwrap();
            assert!(
                check_output("--out", &d.path().join("nb.db-shm"), &notebook_files(&link)).is_err()
            );
        }
    }
}
