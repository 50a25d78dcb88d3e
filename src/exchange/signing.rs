//! Signatures on export files. Every user has an ed25519 key of
//! interdict's (created on first export, readable by its owner only); an
//! export's manifest is signed with it, and the manifest carries a hash of
//! everything else in the file, so a file changed anywhere after signing
//! is refused on merge, and the signer is named.

use crate::store::audit::hex;
use crate::store::{Result, StoreError};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

const SECRET_TAG: &str = "interdict-ed25519-secret-key";

/// The user's signing key at `path`, created (0600) when missing.
pub fn load_or_create(path: &Path) -> Result<SigningKey> {
    let bad = |m: String| StoreError::File {
        path: path.into(),
        message: m,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            // A key others could write or swap signs nothing.
            if let Some(why) = super::seal::not_private(path) {
                return Err(bad(format!("the signing key is not private: {why}")));
            }
            let b64 = text
                .lines()
                .find_map(|l| l.strip_prefix(SECRET_TAG).map(str::trim))
                .ok_or_else(|| {
                    bad(format!(
                        "not an interdict signing key (no {SECRET_TAG} line)"
                    ))
                })?;
            let bytes = B64
                .decode(b64)
                .map_err(|e| bad(format!("signing key is not base64: {e}")))?;
            let arr: [u8; 32] = bytes
                .try_into()
                .map_err(|_| bad("signing key is not 32 bytes".into()))?;
            Ok(SigningKey::from_bytes(&arr))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut secret = [0u8; 32];
            getrandom::fill(&mut secret).map_err(|e| bad(format!("no randomness: {e}")))?;
            let key = SigningKey::from_bytes(&secret);
            if let Some(dir) = path.parent() {
                super::seal::private_dir(dir).map_err(|e| bad(e.to_string()))?;
            }
            let mut o = std::fs::OpenOptions::new();
            o.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                o.mode(0o600);
            }
            let mut f = o.open(path).map_err(|e| bad(e.to_string()))?;
            writeln!(
                f,
                "# interdict signing key: keep it private; its public half is {}\n{SECRET_TAG} {}",
                public_text(&key.verifying_key()),
                B64.encode(key.to_bytes())
            )
            .map_err(|e| bad(e.to_string()))?;
            Ok(key)
        }
        Err(e) => Err(bad(e.to_string())),
    }
}

/// `ed25519:BASE64`, as a public key is shown and stored.
pub fn public_text(k: &VerifyingKey) -> String {
    format!("ed25519:{}", B64.encode(k.to_bytes()))
}

/// A short, comparable name for a public key: `SHA256:` and the first 16
/// bytes of its hash, base64 (as people compare SSH keys).
pub fn fingerprint(k: &VerifyingKey) -> String {
    crate::store::audit::seal::fingerprint(k.as_bytes())
}

/// The base64 signature of `message`.
pub fn sign(key: &SigningKey, message: &[u8]) -> String {
    B64.encode(key.sign(message).to_bytes())
}

/// A public key written as [`public_text`] writes it.
pub fn parse_public(public: &str) -> Result<VerifyingKey> {
    let refuse = |m: &str| StoreError::Refused(m.to_string());
    let b = public
        .strip_prefix("ed25519:")
        .and_then(|b| B64.decode(b).ok())
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| refuse("the signer's public key is unreadable"))?;
    VerifyingKey::from_bytes(&b).map_err(|_| refuse("the signer's public key is invalid"))
}

/// Checks a signature; returns the key that made it.
pub fn verify(public: &str, message: &[u8], signature: &str) -> Result<VerifyingKey> {
    let refuse = |m: &str| StoreError::Refused(m.to_string());
    let key = parse_public(public)?;
    let s = B64
        .decode(signature)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .ok_or_else(|| refuse("the signature is unreadable"))?;
    key.verify_strict(message, &Signature::from_bytes(&s))
        .map_err(|_| refuse("the signature does not match the manifest: the file was changed after it was signed"))?;
    Ok(key)
}

/// Tables outside the content hash: the manifest (which holds the hash)
/// and the signature (over the manifest).
const UNHASHED: &[&str] = &["export_manifest", "export_signature"];

/// SHA-256 over the whole logical content of a database file: its
/// identity pragmas, its schema, and every row of every table (except the
/// manifest and signature), in a fixed order, each value typed and
/// length-prefixed. A change to any stored value, row or schema object
/// changes it; the physical layout (page order, free space) does not.
pub fn content_hash(conn: &Connection) -> Result<String> {
    let mut h = Sha256::new();
    let mut put = |tag: u8, bytes: &[u8]| {
        h.update([tag]);
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    for pragma in ["application_id", "user_version"] {
        let v: i64 = conn.pragma_query_value(None, pragma, |r| r.get(0))?;
        put(b'p', &v.to_le_bytes());
    }
    let mut tables = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (kind, name): (String, String) = (r.get(0)?, r.get(1)?);
            for i in 0..4 {
                put(b's', r.get::<_, String>(i)?.as_bytes());
            }
            let virtual_table = r
                .get::<_, String>(3)?
                .to_uppercase()
                .contains("VIRTUAL TABLE");
            if kind == "table"
                && !virtual_table
                && !name.starts_with("sqlite_")
                && !UNHASHED.contains(&name.as_str())
            {
                tables.push(name);
            }
        }
    }
    for t in tables {
        let q = t.replace('"', "\"\"");
        let n: usize = conn
            .prepare(&format!("SELECT * FROM \"{q}\" LIMIT 0"))?
            .column_count();
        let order = (1..=n)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        put(b't', t.as_bytes());
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{q}\" ORDER BY {order}"))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            put(b'r', &[]);
            for i in 0..n {
                match r.get_ref(i)? {
                    ValueRef::Null => put(b'0', &[]),
                    ValueRef::Integer(v) => put(b'i', &v.to_le_bytes()),
                    ValueRef::Real(v) => put(b'f', &v.to_le_bytes()),
                    ValueRef::Text(b) => put(b'x', b),
                    ValueRef::Blob(b) => put(b'b', b),
                }
            }
        }
    }
    Ok(format!("sha256:{}", hex(&h.finalize())))
}

/// SHA-256 of a file's bytes, hex.
pub fn file_sha256(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|e| StoreError::File {
        path: path.into(),
        message: e.to_string(),
    })?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        use std::io::Read;
        let n = f.read(&mut buf).map_err(|e| StoreError::File {
            path: path.into(),
            message: e.to_string(),
        })?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_created_private_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k/signing.key");
        let a = load_or_create(&p).unwrap();
        let b = load_or_create(&p).unwrap();
        assert_eq!(a.to_bytes(), b.to_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn signatures_check_and_fail_on_change() {
        let dir = tempfile::tempdir().unwrap();
        let k = load_or_create(&dir.path().join("s.key")).unwrap();
        let public = public_text(&k.verifying_key());
        let sig = sign(&k, b"manifest");
        assert!(verify(&public, b"manifest", &sig).is_ok());
        assert!(verify(&public, b"manifesT", &sig).is_err());
        let other = load_or_create(&dir.path().join("o.key")).unwrap();
        assert!(verify(&public_text(&other.verifying_key()), b"manifest", &sig).is_err());
    }

    #[test]
    fn content_hash_sees_any_value_but_not_the_manifest() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE t (a INTEGER, b TEXT) ; INSERT INTO t VALUES (1, 'x'), (2, 'y');
             CREATE TABLE export_manifest (manifest TEXT);",
        )
        .unwrap();
        let h0 = content_hash(&c).unwrap();
        c.execute("INSERT INTO export_manifest VALUES ('m')", [])
            .unwrap();
        assert_eq!(content_hash(&c).unwrap(), h0);
        c.execute("UPDATE t SET b = 'z' WHERE a = 2", []).unwrap();
        assert_ne!(content_hash(&c).unwrap(), h0);
        c.execute("UPDATE t SET b = 'y' WHERE a = 2", []).unwrap();
        assert_eq!(content_hash(&c).unwrap(), h0);
        c.execute_batch("CREATE VIEW v AS SELECT 1").unwrap();
        assert_ne!(content_hash(&c).unwrap(), h0);
    }
}
