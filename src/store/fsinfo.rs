//! Where the notebook lives: SQLite's locking is unreliable on network
//! filesystems, so a notebook there is detected (Linux: /proc/mounts) and
//! warned about.

use std::path::Path;

/// Filesystem types on which SQLite's locks or shared memory cannot be
/// trusted.
const NETWORK: &[&str] = &[
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "9p",
    "afs",
    "ceph",
    "glusterfs",
    "lustre",
    "gpfs",
    "davfs",
    "fuse.sshfs",
    "fuse.rclone",
    "fuse.s3fs",
];

fn is_network(fstype: &str) -> bool {
    NETWORK.contains(&fstype) || fstype.starts_with("fuse.") && fstype != "fuse.portal"
}

/// Undoes the octal escapes of /proc/mounts (`\040` for a space).
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 4 <= b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 4], 8)
        {
            out.push(v);
            i += 4;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The filesystem type of the mount holding `path`, from a mounts table.
pub fn fstype_in(mounts: &str, path: &Path) -> Option<String> {
    let p = path.to_string_lossy();
    mounts
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (_dev, mnt, ty) = (f.next()?, unescape(f.next()?), f.next()?);
            let inside =
                p == mnt || p.starts_with(&format!("{}/", mnt.trim_end_matches('/'))) || mnt == "/";
            inside.then(|| (mnt.len(), ty.to_string()))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, ty)| ty)
}

/// A warning when the notebook sits on a network filesystem.
pub fn network_warning(path: &Path) -> Option<String> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let real = std::fs::canonicalize(dir).ok()?;
    let mounts = std::fs::read_to_string("/proc/mounts").ok()?;
    let ty = fstype_in(&mounts, &real)?;
    is_network(&ty).then(|| {
        format!(
            "{} is on a network filesystem ({ty}): SQLite's locks are not reliable there and concurrent use can corrupt the notebook; keep it on a local disk",
            path.display()
        )
    })
}

/// The file SQLite keeps beside the notebook at `path` with `suffix`
/// (`-wal`, `-shm`, `-journal`).
/// The names of the account and group that own `path` (numbers where
/// the system names none), to say whom to ask for access.
#[cfg(unix)]
pub fn owner_and_group(path: &Path) -> Option<(String, String)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    let owner = super::lockholder::user_name(m.uid()).unwrap_or_else(|| m.uid().to_string());
    let group = groups()
        .into_iter()
        .find_map(|(name, id)| (id == m.gid()).then_some(name))
        .unwrap_or_else(|| m.gid().to_string());
    Some((owner, group))
}

/// The system's groups, by name and id, from `/etc/group` (none when it
/// cannot be read).
pub fn groups() -> Vec<(String, u32)> {
    std::fs::read_to_string("/etc/group")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            Some((name.to_string(), f.nth(1)?.parse::<u32>().ok()?))
        })
        .collect()
}

#[cfg(not(unix))]
pub fn owner_and_group(_path: &Path) -> Option<(String, String)> {
    None
}

pub fn beside(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    std::path::PathBuf::from(p)
}

/// Whether this account may not write the file at `path`, by the
/// system's own rule (`access`: owner, group, others, and root); false
/// for a file that is not there.
pub fn not_writable_by_me(path: &std::path::Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        if !path.exists() {
            return false;
        }
        let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
            return false;
        };
        // SAFETY: `access` only reads the path it is given.
        unsafe { libc::access(c.as_ptr(), libc::W_OK) != 0 }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTS: &str = "/dev/vda1 / ext4 rw 0 0\n\
        server:/export /mnt/cases nfs4 rw 0 0\n\
        sshfs#me@host: /home/me/remote\\040files fuse.sshfs rw 0 0\n\
        tmpfs /tmp tmpfs rw 0 0\n";

    #[test]
    fn the_longest_mount_point_wins() {
        assert_eq!(
            fstype_in(MOUNTS, Path::new("/mnt/cases/team")).as_deref(),
            Some("nfs4")
        );
        assert_eq!(
            fstype_in(MOUNTS, Path::new("/mnt/casesx")).as_deref(),
            Some("ext4")
        );
        assert_eq!(
            fstype_in(MOUNTS, Path::new("/home/me/remote files/x")).as_deref(),
            Some("fuse.sshfs")
        );
        assert_eq!(
            fstype_in(MOUNTS, Path::new("/tmp")).as_deref(),
            Some("tmpfs")
        );
        assert!(is_network("nfs4") && is_network("fuse.sshfs") && is_network("cifs"));
        assert!(!is_network("ext4") && !is_network("tmpfs") && !is_network("overlay"));
    }

    #[test]
    fn local_files_raise_no_warning() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(network_warning(&d.path().join("x.db")), None);
    }
}
