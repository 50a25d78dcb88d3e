//! Encryption of export files to age recipients (`age1...` public keys),
//! and decryption with an age identity file. age does not sign: the
//! signature inside the file still decides whether it is accepted.

use crate::store::{Result, StoreError};
use std::io::{BufReader, Read, Write};
use std::path::Path;
use std::str::FromStr;

const BINARY_MAGIC: &[u8] = b"age-encryption.org/v1";
const ARMOR_MAGIC: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";

fn io_err(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::File {
        path: path.into(),
        message: e.to_string(),
    }
}

/// Whether the file at `path` is age-encrypted.
pub fn is_encrypted(path: &Path) -> Result<bool> {
    let mut head = [0u8; 34];
    let mut f = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
    let n = f.read(&mut head).map_err(|e| io_err(path, e))?;
    Ok(head[..n].starts_with(BINARY_MAGIC) || head[..n].starts_with(ARMOR_MAGIC))
}

/// Parses recipients, naming the one that is wrong.
pub fn recipients(texts: &[String]) -> Result<Vec<age::x25519::Recipient>> {
    texts
        .iter()
        .map(|t| {
            age::x25519::Recipient::from_str(t.trim()).map_err(|e| {
                StoreError::Invalid(crate::domain::fields::FieldError {
                    field: "encrypt-to".into(),
                    message: format!("{t:?} is not an age recipient (age1...): {e}"),
                })
            })
        })
        .collect()
}

/// Encrypts `plain` (bytes held in memory: an export's plaintext never
/// touches a disk) into a new file `out`, readable by its owner only.
pub fn encrypt_bytes(plain: &[u8], out: &Path, to: &[age::x25519::Recipient]) -> Result<()> {
    let enc = age::Encryptor::with_recipients(to.iter().map(|r| r as &dyn age::Recipient))
        .map_err(|e| io_err(out, format!("cannot encrypt: {e}")))?;
    let file = create_private(out)?;
    let mut w = enc.wrap_output(file).map_err(|e| io_err(out, e))?;
    w.write_all(plain).map_err(|e| io_err(out, e))?;
    let mut file = w.finish().map_err(|e| io_err(out, e))?;
    file.flush().map_err(|e| io_err(out, e))?;
    file.sync_all().map_err(|e| io_err(out, e))?;
    Ok(())
}

/// The largest plaintext a received file is decrypted to, unless
/// [`MAX_RECEIVED_VAR`] says otherwise: a real export of 100,000 parcels
/// is about 114 MiB, so only a file made to fill this machine's memory
/// reaches it.
pub const MAX_RECEIVED_DEFAULT: u64 = 4 << 30;

/// The environment variable that sets the largest plaintext a received
/// file is decrypted to: bytes, or a number with K, M, G or T (binary
/// multiples: `8G` is 8 GiB).
pub const MAX_RECEIVED_VAR: &str = "INTERDICT_MAX_RECEIVED";

/// The largest plaintext a received file is decrypted to: from
/// [`MAX_RECEIVED_VAR`] when set, else [`MAX_RECEIVED_DEFAULT`].
pub fn max_received() -> Result<u64> {
    match std::env::var(MAX_RECEIVED_VAR) {
        Err(std::env::VarError::NotPresent) => Ok(MAX_RECEIVED_DEFAULT),
        Ok(v) => parse_size(&v).ok_or_else(|| {
            StoreError::Refused(format!(
                "{MAX_RECEIVED_VAR}={v:?} is not a size: give bytes, or a number with K, M, G or T (8G)"
            ))
        }),
        Err(e) => Err(StoreError::Refused(format!("{MAX_RECEIVED_VAR}: {e}"))),
    }
}

/// A size in bytes as written: `1048576`, `512M`, `8G`, `8 GiB`, `1t`.
fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n: u64 = s[..digits].parse().ok()?;
    let unit = s[digits..].trim().to_ascii_lowercase();
    let unit = unit
        .strip_suffix("ib")
        .or_else(|| unit.strip_suffix('b'))
        .unwrap_or(&unit);
    let shift = match unit {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        _ => return None,
    };
    n.checked_mul(1 << shift)
}

/// A size for a message: in GiB or MiB when it is a whole number of them.
fn size_text(n: u64) -> String {
    match n {
        n if n >= 1 << 30 && n % (1 << 30) == 0 => format!("{} GiB", n >> 30),
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n => format!("{n} bytes"),
    }
}

/// Why a received file is refused for its size, naming the cap and how to
/// raise it.
fn too_large(sealed: &Path, what: &str, cap: u64) -> StoreError {
    StoreError::Refused(format!(
        "{}: {what} the {} a received file may decrypt to; if the file is expected to be this large, \
         set {MAX_RECEIVED_VAR} to a larger size (e.g. {MAX_RECEIVED_VAR}={}G)",
        sealed.display(),
        size_text(cap),
        (cap >> 30).saturating_mul(2).max(1),
    ))
}

/// Decrypts `sealed` into memory with the identities in the age identity
/// file `identity` (the plaintext is never written to disk). A wrong
/// identity is refused by name, and so is a plaintext over `max_plain`
/// bytes ([`max_received`]): read through the cap, it never takes more
/// memory than that. An encrypted file over twice the cap is refused
/// without being decrypted: age adds little to its plaintext (armour a
/// third, each 64 KiB block 16 bytes, a header of some hundred bytes per
/// recipient), so such a file's plaintext cannot be within the cap unless
/// it was made to waste the reader's time.
pub fn decrypt(sealed: &Path, identity: &Path, max_plain: u64) -> Result<Vec<u8>> {
    let sealed_len = std::fs::metadata(sealed)
        .map_err(|e| io_err(sealed, e))?
        .len();
    if sealed_len > max_plain.saturating_mul(2).saturating_add(1 << 20) {
        return Err(too_large(
            sealed,
            &format!("encrypted, it has {sealed_len} bytes, more than twice"),
            max_plain,
        ));
    }
    let ids_file = std::fs::File::open(identity)
        .map_err(|e| io_err(identity, format!("cannot read the identity file: {e}")))?;
    let ids = age::IdentityFile::from_buffer(BufReader::new(ids_file))
        .map_err(|e| io_err(identity, format!("not an age identity file: {e}")))?
        .into_identities()
        .map_err(|e| io_err(identity, format!("not an age identity file: {e}")))?;
    if ids.is_empty() {
        return Err(io_err(identity, "no age identity in the file"));
    }
    let input = BufReader::new(std::fs::File::open(sealed).map_err(|e| io_err(sealed, e))?);
    let armored = age::armor::ArmoredReader::new(input);
    let dec = age::Decryptor::new(armored).map_err(|e| {
        StoreError::Refused(format!(
            "{}: not a readable age file: {e}",
            sealed.display()
        ))
    })?;
    let reader = dec
        .decrypt(ids.iter().map(|i| i.as_ref() as &dyn age::Identity))
        .map_err(|e| {
            StoreError::Refused(format!(
                "{}: cannot be decrypted with {}: {e}",
                sealed.display(),
                identity.display()
            ))
        })?;
    // The plaintext is no larger than the encrypted file: room for it at
    // once, not twice over as a growing buffer would take.
    let room = sealed_len.min(max_plain.saturating_add(1));
    let mut plain = Vec::with_capacity(usize::try_from(room).unwrap_or(0));
    reader
        .take(max_plain.saturating_add(1))
        .read_to_end(&mut plain)
        .map_err(|e| {
            StoreError::Refused(format!("{}: decryption failed: {e}", sealed.display()))
        })?;
    if plain.len() as u64 > max_plain {
        return Err(too_large(sealed, "decrypted, it is larger than", max_plain));
    }
    Ok(plain)
}

/// A new age identity file at `out` (refusing to overwrite one); returns
/// its recipient, to give to those who will send files.
pub fn new_identity(out: &Path) -> Result<String> {
    use age::secrecy::ExposeSecret;
    let id = age::x25519::Identity::generate();
    let recipient = id.to_public().to_string();
    let mut f = create_private(out)?;
    writeln!(
        f,
        "# created by interdict on {}\n# public key: {recipient}\n{}",
        crate::domain::meta::now(),
        id.to_string().expose_secret()
    )
    .map_err(|e| io_err(out, e))?;
    Ok(recipient)
}

/// Creates a directory (and those above it) for its owner only (0700),
/// whatever the umask: the data directory holds the notebook, the log and
/// the signing key.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Why a file that must be its owner's alone is not (writable by group or
/// others, or in a folder they can write, so it could be swapped), if so.
pub fn not_private(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).ok().map(|m| m.permissions().mode());
        if let Some(m) = mode(path)
            && m & 0o022 != 0
        {
            return Some(format!(
                "{} can be written by others (mode {:o}); chmod 600 it",
                path.display(),
                m & 0o777
            ));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && let Some(m) = mode(dir)
            && m & 0o022 != 0
            && m & 0o1000 == 0
        {
            return Some(format!(
                "{} is in {}, which others can write (mode {:o}), so it could be swapped; chmod 700 the folder",
                path.display(),
                dir.display(),
                m & 0o777
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    None
}

pub use crate::store::workdir::work_dir_in;
use crate::store::workdir::{sweep, work_prefix};

/// A new file beside `path`, readable and writable by its owner only, to
/// write an output into and then put in place with [`put_in_place`].
pub fn private_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // tempfile creates its files 0600, with a name no one could plant.
    let f = tempfile::Builder::new()
        .prefix(&work_prefix("out"))
        .tempfile_in(dir)
        .map_err(|e| io_err(path, e))?;
    sweep(dir, "out", f.path());
    Ok(f)
}

/// Puts a finished output at its name in one step. Whatever was at the
/// name is replaced, a symbolic link too: it is never followed, so a link
/// planted there cannot make the output overwrite its target.
pub fn put_in_place(file: tempfile::NamedTempFile, path: &Path) -> Result<()> {
    file.as_file().sync_all().map_err(|e| io_err(path, e))?;
    file.persist(path).map_err(|e| io_err(path, e.error))?;
    Ok(())
}

/// Writes a whole output file, the owner's only (0600), replacing what is
/// at its name without following a link there.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = private_beside(path)?;
    f.write_all(bytes).map_err(|e| io_err(path, e))?;
    put_in_place(f, path)
}

/// Creates a new file readable and writable by its owner only; an
/// existing file is never overwritten.
pub fn create_private(path: &Path) -> Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            io_err(
                path,
                "the file exists; choose another name or remove it first",
            )
        } else {
            io_err(path, e)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn leftovers_of_a_killed_process_are_swept_and_a_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        // A process id no process has (beyond the kernel's pid_max).
        let dead = dir.path().join(".interdict-export-4194999-abc");
        std::fs::create_dir(&dead).unwrap();
        std::fs::write(dead.join("build.db"), "plaintext").unwrap();
        let live = dir.path().join(".interdict-export-1-abc");
        std::fs::create_dir(&live).unwrap();
        let other = dir.path().join(".interdict-import-4194999-abc");
        std::fs::create_dir(&other).unwrap();
        let w = work_dir_in(dir.path(), "export").unwrap();
        assert!(!dead.exists(), "the killed export's leftovers stay");
        assert!(live.exists(), "a running process's folder was removed");
        assert!(other.exists(), "another kind of work was swept");
        assert!(w.path().exists());
    }

    #[cfg(unix)]
    #[test]
    fn private_folders_and_files_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("a").join("data");
        private_dir(&d).unwrap();
        let mode = std::fs::metadata(&d).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        let key = d.join("signing.key");
        std::fs::write(&key, "k").unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(not_private(&key), None);
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(not_private(&key).unwrap().contains("mode 666"));
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(not_private(&key).unwrap().contains("could be swapped"));
    }

    #[cfg(unix)]
    #[test]
    fn outputs_replace_a_planted_link_instead_of_writing_through_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("precious");
        std::fs::write(&target, "keep me").unwrap();
        let out = dir.path().join("bundle.json");
        std::os::unix::fs::symlink(&target, &out).unwrap();
        write_private(&out, b"{}").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "{}");
        assert!(
            !std::fs::symlink_metadata(&out)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn round_trip_and_wrong_identity() {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n);
        let alice = new_identity(&p("alice.txt")).unwrap();
        new_identity(&p("mallory.txt")).unwrap();
        std::fs::write(p("plain"), b"SQLite format 3\0 and more").unwrap();
        encrypt_bytes(
            &std::fs::read(p("plain")).unwrap(),
            &p("sealed"),
            &recipients(&[alice]).unwrap(),
        )
        .unwrap();
        assert!(is_encrypted(&p("sealed")).unwrap());
        assert!(!is_encrypted(&p("plain")).unwrap());
        assert_eq!(
            decrypt(&p("sealed"), &p("alice.txt"), MAX_RECEIVED_DEFAULT).unwrap(),
            std::fs::read(p("plain")).unwrap()
        );
        let e = decrypt(&p("sealed"), &p("mallory.txt"), MAX_RECEIVED_DEFAULT).unwrap_err();
        assert!(e.to_string().contains("cannot be decrypted"), "{e}");
        assert!(new_identity(&p("alice.txt")).is_err(), "never overwrites");
        assert!(recipients(&["age1nope".into()]).is_err());
    }

    #[test]
    fn a_plaintext_over_the_cap_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n);
        let alice = new_identity(&p("alice.txt")).unwrap();
        encrypt_bytes(
            &vec![7u8; 100_000],
            &p("sealed"),
            &recipients(&[alice]).unwrap(),
        )
        .unwrap();
        // The exact size passes, a byte less does not.
        assert_eq!(
            decrypt(&p("sealed"), &p("alice.txt"), 100_000)
                .unwrap()
                .len(),
            100_000
        );
        let e = decrypt(&p("sealed"), &p("alice.txt"), 99_999)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("larger than the 99999 bytes") && e.contains(MAX_RECEIVED_VAR),
            "{e}"
        );
        // An encrypted file far over the cap is refused before decrypting.
        let big = p("big.age");
        let mut bytes = std::fs::read(p("sealed")).unwrap();
        bytes.resize(3 << 20, 0);
        std::fs::write(&big, bytes).unwrap();
        let e = decrypt(&big, &p("alice.txt"), 1000)
            .unwrap_err()
            .to_string();
        assert!(e.contains("more than twice the 1000 bytes"), "{e}");
    }

    #[test]
    fn sizes_as_written() {
        assert_eq!(parse_size("1048576"), Some(1 << 20));
        assert_eq!(parse_size("512M"), Some(512 << 20));
        assert_eq!(parse_size(" 8 GiB "), Some(8 << 30));
        assert_eq!(parse_size("8gb"), Some(8 << 30));
        assert_eq!(parse_size("1t"), Some(1 << 40));
        assert_eq!(parse_size("8X"), None);
        assert_eq!(parse_size("G"), None);
        assert_eq!(parse_size("99999999999T"), None);
        assert_eq!(size_text(4 << 30), "4 GiB");
        assert_eq!(size_text(3 << 20), "3 MiB");
        assert_eq!(size_text(1000), "1000 bytes");
    }
}
