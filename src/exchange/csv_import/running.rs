//! An import's `sources` row while it runs: who runs it (host, process
//! and the process's start), and a heartbeat written with every batch.
//! A later run, or opening the notebook, marks an import whose process
//! is gone (same host) or whose heartbeat has stopped (any host: a
//! process on another machine cannot be looked at) as interrupted, with
//! the rows it had committed; it is no longer said to be under way.

use super::*;

/// How long an import's heartbeat may be silent before it is taken for
/// dead when its process cannot be looked at (another host). Batches
/// commit about every second; a batch waiting for a colleague's write
/// waits far less than this.
pub const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// The report of an import while it runs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Running {
    /// `in-progress`.
    pub outcome: String,
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub pid: Option<u32>,
    /// When the process started, in the kernel's clock ticks since boot
    /// (`/proc/PID/stat`), so that a reused process id is not taken for it.
    #[serde(default)]
    pub pid_start: Option<u64>,
    /// The last batch's commit (RFC 3339, UTC).
    #[serde(default)]
    pub heartbeat: Option<String>,
    /// Parcels committed so far.
    #[serde(default)]
    pub imported: u64,
}

impl Running {
    /// This process, now.
    pub fn here(imported: u64) -> Running {
        let pid = std::process::id();
        Running {
            outcome: "in-progress".into(),
            host: host_name(),
            pid: Some(pid),
            pid_start: process_start(pid),
            heartbeat: Some(crate::domain::meta::now()),
            imported,
        }
    }

    /// Why the process this was written by is taken to be gone, as of
    /// now (`at`: when it started); `None` while it runs.
    pub fn gone(&self, at: &str) -> Option<String> {
        dead(self, at, jiff::Timestamp::now())
    }

    pub fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| r#"{"outcome":"in-progress"}"#.into())
    }
}

/// This machine's name ("" when it cannot be read).
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default()
}

/// When a process started (field 22 of `/proc/PID/stat`); None when it
/// does not exist or the system has no `/proc`.
fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: the
    // fields after it start after its last `)`.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // A zombie (killed, not yet reaped by a parent that is gone too, as
    // under an init that reaps nothing) runs no more.
    if matches!(fields.next(), Some("Z" | "X" | "x")) {
        return None;
    }
    fields.nth(18)?.parse().ok()
}

/// Whether a process of this host still runs: Some(false) when it is
/// gone (or its id now belongs to a later process), None when this
/// system cannot say.
fn alive(pid: u32, start: Option<u64>) -> Option<bool> {
    process_start(std::process::id())?;
    match (process_start(pid), start) {
        (None, _) => Some(false),
        (Some(now), Some(then)) => Some(now == then),
        (Some(_), None) => Some(true),
    }
}

/// An import found stopped midway.
#[derive(Debug, Clone, Serialize)]
pub struct Interrupted {
    pub source_id: Uuid,
    pub file: String,
    pub actor: String,
    pub at: String,
    /// Parcels it had committed (kept: importing the file again
    /// completes it).
    pub imported: u64,
    /// The last line it committed a parcel from.
    pub through_line: Option<u64>,
    /// Why it is taken for dead.
    pub why: String,
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the import of {} by {} at {} was interrupted ({}) after {} parcels",
            self.file, self.actor, self.at, self.why, self.imported
        )?;
        if let Some(l) = self.through_line {
            write!(f, " (through line {l})")?;
        }
        f.write_str("; importing the file again completes it")
    }
}

/// Why an import marked in progress is dead, or None while it may run.
fn dead(r: &Running, at: &str, now: jiff::Timestamp) -> Option<String> {
    let here = host_name();
    if let Some(pid) = r.pid
        && !r.host.is_empty()
        && r.host == here
        && let Some(alive) = alive(pid, r.pid_start)
    {
        return (!alive).then(|| format!("its process {pid} on {here} is gone"));
    }
    let beat = r.heartbeat.as_deref().unwrap_or(at);
    let Ok(t) = beat.parse::<jiff::Timestamp>() else {
        return Some(format!("its last sign of life {beat:?} cannot be read"));
    };
    let silent = now.duration_since(t);
    (silent > jiff::SignedDuration::try_from(STALE_AFTER).unwrap_or(jiff::SignedDuration::MAX))
        .then(|| {
            format!(
                "no sign of life since {beat}{}",
                if r.host.is_empty() {
                    String::new()
                } else {
                    format!(" from {}", r.host)
                }
            )
        })
}

/// Marks every import left "in progress" by a process that is gone as
/// interrupted, with the parcels it had committed, and returns them. Those
/// still running are left alone. Writes nothing on a read-only notebook.
pub fn settle_interrupted(store: &mut Store) -> Result<Vec<Interrupted>, StoreError> {
    settle_at(store, jiff::Timestamp::now())
}

pub(super) fn settle_at(
    store: &mut Store,
    now: jiff::Timestamp,
) -> Result<Vec<Interrupted>, StoreError> {
    let candidates: Vec<(Uuid, String, String, String, String)> = {
        let mut stmt = store.conn().prepare(
            "SELECT id, file_name, actor, at, report FROM sources
             WHERE kind = 'import' AND json_valid(report)
               AND json_extract(report, '$.outcome') = 'in-progress'",
        )?;
        stmt.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?
    };
    let mut found = Vec::new();
    for (id, file, actor, at, report) in candidates {
        let running: Running = serde_json::from_str(&report).unwrap_or(Running {
            outcome: "in-progress".into(),
            host: String::new(),
            pid: None,
            pid_start: None,
            heartbeat: None,
            imported: 0,
        });
        if let Some(why) = dead(&running, &at, now) {
            found.push(Interrupted {
                source_id: id,
                file,
                actor,
                at,
                imported: 0,
                through_line: None,
                why,
            });
        }
    }
    // What each had committed (read on a read-only open too, which says
    // them without marking them).
    for i in &mut found {
        let (n, last): (i64, Option<i64>) = store.conn().query_row(
            "SELECT count(*), max(line) FROM provenance WHERE source_id = ?1",
            [i.source_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        i.imported = n as u64;
        i.through_line = last.map(|l| l as u64);
    }
    if found.is_empty() || store.is_read_only() {
        return Ok(found);
    }
    store.write(|w| {
        for i in &mut found {
            let json = serde_json::json!({
                "outcome": "interrupted",
                "imported": i.imported,
                "through_line": i.through_line,
                "why": i.why,
                "noticed_at": crate::domain::meta::now(),
            })
            .to_string();
            // Only if it is still in progress (no one settled it meanwhile).
            w.tx.execute(
                "UPDATE sources SET report = ?2 WHERE id = ?1
                   AND json_extract(report, '$.outcome') = 'in-progress'",
                rusqlite::params![i.source_id, json],
            )?;
        }
        Ok(())
    })?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testutil::temp_store;

    fn insert(s: &mut Store, at: &str, report: &str) -> Uuid {
        let id = Uuid::now_v7();
        s.conn()
            .execute(
                "INSERT INTO sources (id, kind, at, actor, file_name, file_sha256, report)
                 VALUES (?1, 'import', ?2, 'alice', 'seizures.csv', 'x', ?3)",
                rusqlite::params![id, at, report],
            )
            .unwrap();
        id
    }

    fn outcome(s: &Store, id: Uuid) -> serde_json::Value {
        let r: String = s
            .conn()
            .query_row("SELECT report FROM sources WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap();
        serde_json::from_str(&r).unwrap()
    }

    /// The rows a killed import leaves, as it leaves them; "now" is a
    /// fixed instant, not the clock.
    #[test]
    fn a_dead_imports_row_is_marked_interrupted_with_its_committed_rows() {
        let (_d, mut s) = temp_store();
        let now: jiff::Timestamp = "2026-12-01T12:00:00Z".parse().unwrap();
        let recent = "2026-12-01T11:59:30.000Z";
        let old = "2026-12-01T10:00:00.000Z";
        let here = host_name();
        let running = |host: &str, pid: Option<u32>, beat: &str| {
            Running {
                outcome: "in-progress".into(),
                host: host.into(),
                pid,
                pid_start: pid.and_then(process_start),
                heartbeat: Some(beat.into()),
                imported: 1,
            }
            .json()
        };
        // Killed on this host: its process is gone, however recent its
        // heartbeat (a pid no system hands out).
        let killed = insert(&mut s, old, &running(&here, Some(4_194_305), recent));
        for (n, line) in [(1u8, 2i64), (2, 3)] {
            s.conn()
                .execute(
                    "INSERT INTO provenance (item_id, source_id, action, line) VALUES (?1, ?2, 'import', ?3)",
                    rusqlite::params![Uuid::from_u128(u128::from(n)), killed, line],
                )
                .unwrap();
        }
        // A read-only open finds it, with what it committed, and marks
        // nothing (a listing said nothing of it).
        {
            let mut opts = crate::store::OpenOptions::new("reader");
            opts.read_only = true;
            let mut ro = Store::open(s.path(), opts).unwrap();
            let seen = settle_at(&mut ro, now).unwrap();
            let k = seen
                .iter()
                .find(|i| i.source_id == killed)
                .expect("said read-only");
            assert_eq!((k.imported, k.through_line), (2, Some(3)));
            assert_eq!(outcome(&s, killed)["outcome"], "in-progress");
        }
        // On another host: its heartbeat says.
        let silent = insert(&mut s, old, &running("elsewhere", Some(1), old));
        let beating = insert(&mut s, old, &running("elsewhere", Some(1), recent));
        // This very process: alive, even with an old heartbeat.
        let mine = insert(&mut s, old, &running(&here, Some(std::process::id()), old));
        // Left by an earlier version: only the time it began.
        let legacy = insert(&mut s, old, r#"{"outcome":"in-progress"}"#);

        let found = settle_at(&mut s, now).unwrap();
        let ids: Vec<Uuid> = found.iter().map(|i| i.source_id).collect();
        assert!(
            ids.contains(&killed) && ids.contains(&silent) && ids.contains(&legacy),
            "{found:?}"
        );
        assert!(!ids.contains(&beating), "{found:?}");
        if process_start(std::process::id()).is_some() {
            assert!(!ids.contains(&mine), "{found:?}");
        }
        let k = outcome(&s, killed);
        assert_eq!(k["outcome"], "interrupted", "{k}");
        assert_eq!(k["imported"], 2);
        assert_eq!(k["through_line"], 3);
        let said = found
            .iter()
            .find(|i| i.source_id == killed)
            .unwrap()
            .to_string();
        assert!(
            said.contains("interrupted") && said.contains("after 2 parcels"),
            "{said}"
        );
        assert_eq!(outcome(&s, beating)["outcome"], "in-progress");
        // No longer said to be under way; settling again finds nothing new.
        let under: Vec<String> = crate::store::under_way(s.conn())
            .unwrap()
            .into_iter()
            .map(|u| u.report)
            .collect();
        assert!(under.iter().all(|r| !r.contains("4194305")), "{under:?}");
        let again = settle_at(&mut s, now).unwrap();
        assert!(again.iter().all(|i| i.source_id != killed));
    }
}
