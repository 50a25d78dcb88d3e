//! Private working folders and files of this process, named so that those
//! a process which is gone (killed midway) left behind are recognised and
//! swept by the next one: exports being built, received files decrypted,
//! older files upgraded to be read, outputs being written.

use super::{Result, StoreError};
use std::path::Path;

/// The prefix of the working files and folders this process makes for
/// `what` (`.interdict-export-<pid>-`), so that those a process that is
/// gone left behind can be told apart and swept.
pub fn work_prefix(what: &str) -> String {
    format!(".interdict-{what}-{}-", std::process::id())
}

/// Whether process `pid` still runs (where that can be told: Linux).
fn alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

/// Removes the working files and folders for `what` in `dir` that a
/// process which is gone left there (killed mid-export, mid-import), when
/// they belong to the same user as `mine` (a working file just made).
pub fn sweep(dir: &Path, what: &str, mine: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(me) = std::fs::metadata(mine).map(|m| m.uid()) else {
            return;
        };
        let prefix = format!(".interdict-{what}-");
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(pid) = name
                .strip_prefix(&prefix)
                .and_then(|rest| rest.split('-').next())
                .and_then(|p| p.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(meta) = std::fs::symlink_metadata(e.path()) else {
                continue;
            };
            if pid == std::process::id() || alive(pid) || meta.uid() != me {
                continue;
            }
            let gone = if meta.is_dir() {
                std::fs::remove_dir_all(e.path())
            } else {
                std::fs::remove_file(e.path())
            };
            if gone.is_ok() {
                tracing::info!(
                    "removed {} left by a process that is gone",
                    e.path().display()
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (dir, what, mine);
}

/// A private working folder (0700) in `parent` for `what`, after sweeping
/// the ones a killed process left there.
pub fn work_dir_in(parent: &Path, what: &str) -> Result<tempfile::TempDir> {
    let err = |e: std::io::Error| StoreError::File {
        path: parent.into(),
        message: e.to_string(),
    };
    let prefix = work_prefix(what);
    let mut b = tempfile::Builder::new();
    b.prefix(&prefix);
    // For its owner only: asked of the system as the folder is made (so
    // it is never open to others, whatever the umask), then set again in
    // case a system narrowed it differently.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o700));
    }
    let dir = b.tempdir_in(parent).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
            .map_err(err)?;
    }
    sweep(parent, what, dir.path());
    Ok(dir)
}
