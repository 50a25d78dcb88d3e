//! The signers a user knows: colleagues' and partners' public keys, each
//! under the name its owner signs with, trusted by the user (as SSH's
//! `known_hosts`). Kept in the user's own data directory (0600), outside
//! every notebook, so that no one who can write a notebook or send a file
//! can add themselves to it.
//!
//! Any key can sign as any name, so a valid signature says only that the
//! file is as its signer left it; the list says whether that signer is who
//! the user thinks. A merge refuses a file from a key the list does not
//! hold (unless told to accept it once), and refuses outright a known
//! name signing with a new key, or a key the user revoked. `audit verify`
//! judges the keys that sealed a notebook's entries the same way.

use crate::domain::text::sanitize;
use crate::store::{Result, StoreError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One known key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Known {
    /// The name its owner signs with.
    pub name: String,
    /// `SHA256:...`, as `interdict keys show` prints it.
    pub fingerprint: String,
    /// The key itself (`ed25519:...`), when it was trusted from a file
    /// that carried it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// When the user trusted it, and who they are.
    pub trusted_at: String,
    pub trusted_by: String,
    /// Where it was trusted from (a file's name, or "fingerprint").
    pub from: String,
    /// When the user revoked it: files it signs are refused from then on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

/// What the list says of a key signing as a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// The user's own key.
    Yours,
    /// Trusted under this name.
    Known,
    /// Neither the key nor the name is on the list.
    Unknown,
    /// The name is known, with other keys (their fingerprints): someone
    /// else may be signing in that name, or its owner changed keys.
    NewKeyForName(Vec<String>),
    /// The key is known under other names.
    KnownAs(Vec<String>),
    /// The key was revoked then.
    Revoked(String),
    /// Signed in the user's own name with a key that is not the user's:
    /// someone else signing as them.
    YourName,
    /// Neither is known, but the name looks like one that is (a
    /// no-break space for a space, a Cyrillic `а` for a Latin `a`):
    /// the known names, and their keys' fingerprints.
    LooksLike(Vec<String>, Vec<String>),
}

impl Standing {
    /// Whether files signed so are taken without asking.
    pub fn trusted(&self) -> bool {
        matches!(self, Standing::Yours | Standing::Known)
    }

    /// Says what is wrong, for a refusal or a warning; `None` when trusted.
    pub fn problem(&self, name: &str, fingerprint: &str) -> Option<String> {
        let name = sanitize(name);
        Some(match self {
            Standing::Yours | Standing::Known => return None,
            Standing::Unknown => format!(
                "signed by {name} with a key you do not know ({fingerprint}); if {name} gave you this fingerprint by another way (in person, by phone), trust it with `interdict keys trust {fingerprint} --name {}`",
                shell_word(&name)
            ),
            Standing::NewKeyForName(known) => format!(
                "signed as {name} with a new key ({fingerprint}), not the one you know for {name} ({}): someone else may be signing in their name; if {name} changed keys, ask them, then `interdict keys trust {fingerprint} --name {}`",
                known.join(", "),
                shell_word(&name)
            ),
            Standing::KnownAs(names) => format!(
                "signed as {name} with the key you know as {} ({fingerprint})",
                names
                    .iter()
                    .map(|n| sanitize(n).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Standing::LooksLike(names, known) => format!(
                "signed as {name} with a key you do not know ({fingerprint}): the name looks like {} (whose key you know: {}) but is not the same ({}): someone else may be signing in their name; if this is really another person, trust the key with `interdict keys trust {fingerprint} --name {}`",
                names
                    .iter()
                    .map(|n| sanitize(n).into_owned())
                    .collect::<Vec<_>>()
                    .join(", "),
                known.join(", "),
                unusual(&name),
                shell_word(&name)
            ),
            Standing::YourName => format!(
                "signed as {name}, your own name here, with a key that is not yours ({fingerprint}; yours: `interdict keys show`): someone else may be signing in your name; if it is your own other key (another machine's), check its fingerprint there and trust it with `interdict keys trust {fingerprint} --name {}`",
                shell_word(&name)
            ),
            Standing::Revoked(at) => {
                format!("signed by {name} with a key you revoked on {at} ({fingerprint})")
            }
        })
    }
}

/// How a look-alike name differs: its characters that are not plain
/// ASCII ([`crate::domain::text::unusual`]), or case and spacing.
fn unusual(name: &str) -> String {
    crate::domain::text::unusual(name).unwrap_or_else(|| "it differs in case or spacing".into())
}

/// `s` quoted for a shell when it needs to be.
fn shell_word(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || "-_.@".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The user's list of known signers, as on disk.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Keyring {
    #[serde(default)]
    pub keys: Vec<Known>,
    #[serde(skip)]
    path: PathBuf,
}

fn bad(path: &Path, m: impl std::fmt::Display) -> StoreError {
    StoreError::File {
        path: path.into(),
        message: m.to_string(),
    }
}

impl Keyring {
    /// The list kept at `path` (empty when there is none yet). A list
    /// others could write is refused, as a swapped one would let anyone in.
    pub fn load(path: &Path) -> Result<Keyring> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Keyring {
                    keys: Vec::new(),
                    path: path.into(),
                });
            }
            Err(e) => return Err(bad(path, e)),
        };
        if let Some(why) = super::seal::not_private(path) {
            return Err(bad(
                path,
                format!("the list of known signers is not private: {why}"),
            ));
        }
        let mut ring: Keyring = serde_json::from_str(&text)
            .map_err(|e| bad(path, format!("not a list of known signers: {e}")))?;
        ring.path = path.into();
        Ok(ring)
    }

    /// Writes the list back (0600, replaced in one step).
    pub fn save(&self) -> Result<()> {
        let mut tmp = super::seal::private_beside(&self.path)?;
        let text = crate::domain::json::pretty(self).map_err(|e| bad(&self.path, e))?;
        use std::io::Write;
        tmp.write_all(text.as_bytes())
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| bad(&self.path, e))?;
        super::seal::put_in_place(tmp, &self.path)
    }

    /// What the list says of the key `fingerprint` signing as `name`,
    /// `own` being the user's own key's fingerprint.
    pub fn standing(&self, name: &str, fingerprint: &str, own: Option<&str>) -> Standing {
        if own == Some(fingerprint) {
            return Standing::Yours;
        }
        self.others_standing(name, fingerprint)
    }

    /// [`Keyring::standing`] of a file received by the user `me` (the
    /// name they sign with): their own name with a key neither theirs nor
    /// trusted under that name (their other machine's) is someone who may
    /// be signing as them.
    pub fn standing_for(
        &self,
        name: &str,
        fingerprint: &str,
        own: Option<&str>,
        me: &str,
    ) -> Standing {
        match self.standing(name, fingerprint, own) {
            // (A known name's new key, a revoked key, a look-alike are
            // refused outright as they are.)
            Standing::Unknown | Standing::KnownAs(_) if name == me => Standing::YourName,
            s => s,
        }
    }

    fn others_standing(&self, name: &str, fingerprint: &str) -> Standing {
        if let Some(k) = self
            .keys
            .iter()
            .find(|k| k.fingerprint == fingerprint && k.revoked_at.is_some())
        {
            return Standing::Revoked(k.revoked_at.clone().unwrap_or_default());
        }
        let live = || self.keys.iter().filter(|k| k.revoked_at.is_none());
        if live().any(|k| k.fingerprint == fingerprint && k.name == name) {
            return Standing::Known;
        }
        let others: Vec<String> = live()
            .filter(|k| k.name == name)
            .map(|k| k.fingerprint.clone())
            .collect();
        if !others.is_empty() {
            return Standing::NewKeyForName(others);
        }
        // A key known under another name is said as that name's, first:
        // signing as a look-alike of a third name with it, it was called
        // "a key you do not know", and trusting it as told was refused.
        let known_as: Vec<String> = live()
            .filter(|k| k.fingerprint == fingerprint)
            .map(|k| k.name.clone())
            .collect();
        if !known_as.is_empty() {
            return Standing::KnownAs(known_as);
        }
        // A known name's look-alike, signed with another key.
        let alike = crate::domain::text::skeleton(name);
        let (names, keys): (Vec<String>, Vec<String>) = live()
            .filter(|k| {
                k.fingerprint != fingerprint
                    && k.name != name
                    && crate::domain::text::skeleton(&k.name) == alike
            })
            .map(|k| (k.name.clone(), k.fingerprint.clone()))
            .unzip();
        if !names.is_empty() {
            return Standing::LooksLike(names, keys);
        }
        Standing::Unknown
    }

    /// Trusts `fingerprint` as `name`'s key. Returns false when it was
    /// trusted so already. A revoked key is not trusted again this way,
    /// nor a key trusted under another name (one key, one signer: a key
    /// signing under a second name is someone's other name or a forgery,
    /// and either way the list would no longer tell them apart).
    pub fn trust(&mut self, entry: Known) -> Result<bool> {
        let other: Vec<&str> = self
            .keys
            .iter()
            .filter(|k| {
                k.fingerprint == entry.fingerprint && k.name != entry.name && k.revoked_at.is_none()
            })
            .map(|k| k.name.as_str())
            .collect();
        if !other.is_empty() {
            return Err(StoreError::Refused(format!(
                "{} is trusted already as {}: one key is one signer's; if it changed hands, `interdict keys revoke {}` first",
                entry.fingerprint,
                other
                    .iter()
                    .map(|n| sanitize(n).into_owned())
                    .collect::<Vec<_>>()
                    .join(", "),
                entry.fingerprint
            )));
        }
        if let Some(k) = self
            .keys
            .iter()
            .find(|k| k.fingerprint == entry.fingerprint && k.revoked_at.is_some())
        {
            return Err(StoreError::Refused(format!(
                "{} was revoked on {}: a revoked key is not trusted again (remove its line from {} by hand if that is really meant)",
                entry.fingerprint,
                k.revoked_at.as_deref().unwrap_or(""),
                self.path.display()
            )));
        }
        if self
            .keys
            .iter()
            .any(|k| k.fingerprint == entry.fingerprint && k.name == entry.name)
        {
            return Ok(false);
        }
        self.keys.push(entry);
        Ok(true)
    }

    /// Revokes every key with this fingerprint, or every key of this name;
    /// returns those revoked.
    pub fn revoke(&mut self, what: &str, at: &str) -> Vec<Known> {
        let mut done = Vec::new();
        for k in &mut self.keys {
            if k.revoked_at.is_none() && (k.fingerprint == what || k.name == what) {
                k.revoked_at = Some(at.to_string());
                done.push(k.clone());
            }
        }
        done
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Whether `s` is written as a key fingerprint (`SHA256:` and base64).
pub fn is_fingerprint(s: &str) -> bool {
    s.strip_prefix("SHA256:").is_some_and(|b| {
        b.len() == 22
            && b.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file in the receiver's own name with a key not theirs is said
    /// so; trusted under that name (their other machine's) it is known;
    /// a known name's new key stays refused as such.
    #[test]
    fn your_own_name_with_another_key_is_told_apart() {
        let mut ring = Keyring::default();
        assert_eq!(
            ring.standing_for("me", "SHA256:x", Some("SHA256:m"), "me"),
            Standing::YourName
        );
        assert_eq!(
            ring.standing_for("me", "SHA256:m", Some("SHA256:m"), "me"),
            Standing::Yours
        );
        ring.trust(known("me", "SHA256:laptop")).unwrap();
        assert_eq!(
            ring.standing_for("me", "SHA256:laptop", Some("SHA256:m"), "me"),
            Standing::Known
        );
        assert!(matches!(
            ring.standing_for("me", "SHA256:x", Some("SHA256:m"), "me"),
            Standing::NewKeyForName(_)
        ));
        // One key, one signer.
        assert!(ring.trust(known("bob", "SHA256:laptop")).is_err());
    }

    fn known(name: &str, fp: &str) -> Known {
        Known {
            name: name.into(),
            fingerprint: fp.into(),
            public_key: None,
            trusted_at: "2026-12-01".into(),
            trusted_by: "me".into(),
            from: "fingerprint".into(),
            revoked_at: None,
        }
    }

    /// A key known as bob's, signing as a look-alike of alice, is said
    /// as bob's (it was "a key you do not know", and trusting it as told
    /// was refused: the key was trusted already, as bob's).
    #[test]
    fn a_known_key_signing_as_a_look_alike_is_said_as_its_owners() {
        let dir = tempfile::tempdir().unwrap();
        let mut ring = Keyring::load(&dir.path().join("k.json")).unwrap();
        ring.trust(known("alice", "SHA256:a")).unwrap();
        ring.trust(known("bob", "SHA256:b")).unwrap();
        let st = ring.standing("Alice", "SHA256:b", None);
        assert_eq!(st, Standing::KnownAs(vec!["bob".into()]));
        assert!(!st.trusted());
        let p = st.problem("Alice", "SHA256:b").unwrap();
        assert!(
            p.contains("you know as bob") && !p.contains("do not know"),
            "{p}"
        );
    }

    #[test]
    fn standing_of_keys_and_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known-signers.json");
        let mut ring = Keyring::load(&path).unwrap();
        assert_eq!(ring.standing("alice", "SHA256:a", None), Standing::Unknown);
        assert_eq!(
            ring.standing("me", "SHA256:m", Some("SHA256:m")),
            Standing::Yours
        );
        assert!(ring.trust(known("alice", "SHA256:a")).unwrap());
        assert!(!ring.trust(known("alice", "SHA256:a")).unwrap(), "once");
        assert_eq!(ring.standing("alice", "SHA256:a", None), Standing::Known);
        assert_eq!(
            ring.standing("alice", "SHA256:x", None),
            Standing::NewKeyForName(vec!["SHA256:a".into()])
        );
        assert_eq!(
            ring.standing("bob", "SHA256:a", None),
            Standing::KnownAs(vec!["alice".into()])
        );
        // Look-alikes of a known name, with another key: a no-break
        // space, a Cyrillic letter, a zero-width space, fullwidth letters.
        for fake in [
            "alice\u{a0}",
            "аlice",
            "ali\u{200b}ce",
            "\u{ff41}lice",
            "ALICE",
        ] {
            let st = ring.standing(fake, "SHA256:x", None);
            assert_eq!(
                st,
                Standing::LooksLike(vec!["alice".into()], vec!["SHA256:a".into()]),
                "{fake:?}"
            );
            assert!(!st.trusted());
            let p = st.problem(fake, "SHA256:x").unwrap();
            assert!(
                p.contains("looks like alice") && p.contains("SHA256:a"),
                "{p}"
            );
        }
        assert!(
            ring.standing("аlice", "SHA256:x", None)
                .problem("аlice", "SHA256:x")
                .unwrap()
                .contains("U+0430 at character 1")
        );
        assert_eq!(ring.standing("alicia", "SHA256:x", None), Standing::Unknown);
        let p = ring
            .standing("alice", "SHA256:x", None)
            .problem("alice", "SHA256:x")
            .unwrap();
        assert!(p.contains("SHA256:a") && p.contains("SHA256:x"), "{p}");
        // Kept, privately, and read back.
        ring.save().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let mut ring = Keyring::load(&path).unwrap();
        assert_eq!(ring.keys.len(), 1);
        // Revoked: refused, and not trusted again by accident.
        assert_eq!(ring.revoke("alice", "2026-12-02").len(), 1);
        assert_eq!(
            ring.standing("alice", "SHA256:a", None),
            Standing::Revoked("2026-12-02".into())
        );
        assert!(ring.trust(known("alice", "SHA256:a")).is_err());
        // A new key for alice is hers once trusted.
        ring.trust(known("alice", "SHA256:b")).unwrap();
        assert_eq!(ring.standing("alice", "SHA256:b", None), Standing::Known);
        assert!(is_fingerprint("SHA256:1QXwHyvIn9kEQwsU+ObXPw"));
        assert!(!is_fingerprint("SHA256:short"));
    }

    #[test]
    fn a_list_others_can_write_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known-signers.json");
        std::fs::write(&path, "{\"keys\": []}").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
            let e = Keyring::load(&path).unwrap_err();
            assert!(e.to_string().contains("not private"), "{e}");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert!(Keyring::load(&path).unwrap().keys.is_empty());
        std::fs::write(&path, "nonsense").unwrap();
        assert!(Keyring::load(&path).is_err());
    }
}
