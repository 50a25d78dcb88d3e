//! What each command does: parse, call the store, print.

use super::args::{Add, AddParcel, AuditCmd, Cli, Command, Format, ImportCmd};
use super::output::{print_json, print_list, print_table};
use crate::domain::fields::FieldError;
use crate::domain::note::parse_grading;
use crate::domain::record::{new_record, set_fields};
use crate::domain::{Case, Finding, ItemKind, Link, Note, Parcel, Record, Substance};
use crate::exchange::{demo, received, seal};
use crate::store::audit::{self, Verdict};
use crate::store::records::{self, Updated};
use crate::store::refs::{self};
use crate::store::{OpenOptions, Store, create, search};
use anyhow::{Result, bail};
use serde_json::{Value, json};
use std::io::{self, Write};
use std::process::ExitCode;
use uuid::Uuid;

pub(super) struct Ctx {
    pub(super) format: Format,
}

/// An open notebook, and what must live as long as it: the decryption,
/// in memory, of an encrypted file the store reads as it is.
struct Opened {
    store: Store,
    _plain: Option<received::Plain>,
    /// What the user should know about the file (where it lives, whose
    /// signed export it is or that it failed verification).
    notice: Option<(String, bool)>,
    /// Why the file, a signed export, failed its checks (changed after it
    /// was signed, signature not holding...): nothing is exported from it.
    failed_checks: Option<String>,
    /// The folder of the new notebook a dry run checks against where the
    /// one named is not there (removed with it).
    _scratch: Option<tempfile::TempDir>,
}

/// Whether the command only reads the notebook (the interface, which
/// makes a new one, is not a command here).
fn reads_only(command: Option<&Command>) -> bool {
    use super::args::{
        ConflictCmd, CustodyCmd, ExhibitCmd, LabCmd, MatchCmd, ProfileCmd, WarnCmd, WatchCmd,
    };
    if let Some(Command::Screen(a)) = command {
        return !a.keep_hits;
    }
    matches!(
        command,
        Some(
            Command::Audit(AuditCmd::Verify { .. })
                | Command::Export(_)
                | Command::Watch(WatchCmd::List { .. })
                | Command::Profile(ProfileCmd::List | ProfileCmd::Export { .. })
                | Command::Warnlist(WarnCmd::List)
                | Command::Matches(MatchCmd::List { .. })
                | Command::Exhibit(ExhibitCmd::List { .. })
                | Command::Lab(LabCmd::List { .. })
                | Command::Custody(CustodyCmd::Sheet { .. })
                | Command::List(_)
                | Command::Show { .. }
                | Command::Search { .. }
                | Command::Xref { .. }
                | Command::Path { .. }
                | Command::Cluster { .. }
                | Command::Clusters { .. }
                | Command::Central { .. }
                | Command::Stats(_)
                | Command::Timeline { .. }
                | Command::Trail { .. }
                | Command::Hits { .. }
                | Command::Audit(AuditCmd::Log { .. })
                | Command::Conflicts {
                    cmd: None | Some(ConflictCmd::List { .. } | ConflictCmd::Show { .. })
                }
        )
    )
}

fn open(cli: &Cli) -> Result<Opened> {
    let path = match &cli.db {
        Some(p) => p.clone(),
        None => super::default_db_path()?,
    };
    // A dry run writes nothing: not even the notebook it was pointed at,
    // which opening would create (a mistyped --db left one behind). Where
    // there is none, it checks as against a new one, made in a private
    // folder and removed after.
    let dry_run = match &cli.command {
        Some(Command::Merge(a)) => a.dry_run,
        Some(Command::Import(ImportCmd::Csv(a))) => a.dry_run,
        Some(Command::Import(ImportCmd::Misp { dry_run, .. })) => *dry_run,
        _ => false,
    };
    // A command that only reads is not given a new, empty notebook where
    // none is (a mistyped --db listed nothing, exit 0, and left an empty
    // notebook behind: "our cases are gone").
    if reads_only(cli.command.as_ref())
        && let Err(e) = std::fs::symlink_metadata(&path)
    {
        // A folder this account may not enter hides what is in it: that
        // is said, not "no notebook" (whose advice, `init` there, was then
        // refused "Permission denied").
        if e.kind() == std::io::ErrorKind::PermissionDenied {
            let folder = path.parent().unwrap_or(std::path::Path::new("."));
            bail!(
                "{}: cannot be reached: this account may not enter the folder {}{}; ask its owner to add you to its group, or to open it to you",
                super::output::cell_line(&path.display().to_string()),
                super::output::cell_line(&folder.display().to_string()),
                crate::store::fsinfo::owner_and_group(folder)
                    .map(|(o, g)| format!(" (owner {o}, group {g})"))
                    .unwrap_or_default()
            );
        }
        bail!(
            "no notebook at {}: nothing to read (`interdict --db {} init` makes one there, as does the first command that writes to it)",
            super::output::cell_line(&path.display().to_string()),
            super::output::cell_line(&path.display().to_string())
        );
    }
    // Nor is a file of nothing made one (a received file whose download
    // stopped at 0 bytes listed nothing, exit 0, and was a notebook
    // after: "the partner sent nothing"). (A notebook just made may have
    // all it holds in its `-wal` yet: that is read.)
    if reads_only(cli.command.as_ref()) && !cli.read_only {
        let empty =
            |p: &std::path::Path| std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.len() == 0);
        let mut wal = path.clone().into_os_string();
        wal.push("-wal");
        let wal = std::path::PathBuf::from(wal);
        if empty(&path) && (empty(&wal) || !wal.exists()) {
            bail!(
                "{}: the file holds nothing (0 bytes: no notebook was ever made in it, or it was cut short); nothing to read, and it was not changed (`interdict --db {} init` makes a notebook of it)",
                super::output::cell_line(&path.display().to_string()),
                super::output::cell_line(&path.display().to_string())
            );
        }
    }
    // A notebook with two names (a hard link) has a `-wal` beside each:
    // writes through one are not seen through the other, case references
    // were given twice and one name's writes were lost.
    let names = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(&path).map_or(1, |m| m.nlink())
    };
    if names > 1 && path.is_file() {
        let said = format!(
            "{} is one file under {names} names (hard links): SQLite keeps its write-ahead log beside each name, so what is written through one is not seen through another, and writes are lost; keep one name (a symbolic link is safe)",
            super::output::cell_line(&path.display().to_string())
        );
        if cli.read_only || reads_only(cli.command.as_ref()) {
            eprintln!("warning: {said}");
        } else {
            bail!("refused, nothing was written: {said}");
        }
    }
    let mut scratch = None;
    let path = if dry_run && !path.exists() {
        let dir = tempfile::Builder::new()
            .prefix("interdict-dry-run-")
            .tempdir()
            .map_err(|e| {
                anyhow::Error::from(e)
                    .context("cannot make a folder for the dry run's new notebook")
            })?;
        eprintln!(
            "note: no notebook at {}: checked as against a new one (none is created)",
            super::output::cell_line(&path.display().to_string())
        );
        let p = dir.path().join("notebook.db");
        scratch = Some(dir);
        p
    } else {
        path
    };
    let mut opts = OpenOptions::new(super::actor(cli.actor.as_deref())?);
    opts.group = cli.group.clone();
    // Only a file is opened (a named pipe would be waited on for ever).
    crate::store::must_be_a_file(&path)?;
    // A file whose owner made it read-only is opened read-only, even by
    // root; so is one this account may read and not write (a colleague's
    // notebook shared for reading: a listing failed "nothing was written").
    // So is one in a folder this account may not write, with no `-wal`
    // and `-shm` beside it (none can be made: even a listing failed,
    // "check its permissions", of a file whose permissions were fine).
    let marked_read_only = std::fs::metadata(&path).is_ok_and(|m| m.permissions().readonly())
        || crate::store::fsinfo::not_writable_by_me(&path)
        || (path.is_file()
            && crate::store::side_files(&path).is_empty()
            && path
                .parent()
                .map(|d| {
                    if d.as_os_str().is_empty() {
                        std::path::Path::new(".")
                    } else {
                        d
                    }
                })
                .is_some_and(crate::store::fsinfo::not_writable_by_me));
    // A signed export opened for writing would become a notebook (its
    // indexes built, its journal switched): changed after it was signed,
    // so that a merge of it would then refuse it as tampered with. It is
    // browsed read-only, and said so.
    let export_file = !cli.read_only && crate::store::is_export_file(&path);
    opts.read_only = cli.read_only || marked_read_only || export_file;
    if !opts.read_only {
        private_if_empty(&path, cli.group.is_some())?;
    }
    // Writes are sealed with the user's own key; their checkpoints of the
    // log are kept beside it.
    if !opts.read_only {
        match seal_key() {
            Ok(k) => opts.seal_key = Some(std::sync::Arc::new(k)),
            Err(e) => eprintln!(
                "warning: writes will not be sealed: {}",
                super::output::cell_line(&format!("{e:#}"))
            ),
        }
        opts.checkpoints = super::data_dir().map(|d| d.join("checkpoints"));
    }
    let encrypted = path.exists() && seal::is_encrypted(&path)?;
    if encrypted && !opts.read_only {
        bail!(
            "{} is an encrypted export: browse it with --read-only --identity KEYFILE, or merge it with `interdict merge {} --identity KEYFILE`",
            path.display(),
            path.display()
        );
    }
    // Decrypted into memory, never onto the disk.
    let plain = if encrypted {
        opts.shown_as = Some(path.clone());
        Some(received::plaintext(&path, cli.identity.as_deref())?)
    } else {
        None
    };
    // An upgrade can take minutes on a large notebook: say so first.
    if !opts.read_only
        && plain.is_none()
        && let Some(v) = crate::store::schema_version_of(&path)
        && v > 0
        && v < crate::store::migrations::latest()
    {
        eprintln!(
            "upgrading {} from schema {v} to {}: once, in one transaction (from half a minute to a few minutes for a million parcels, by how old the file is; stopped midway, the file stays as it was)",
            super::output::cell_line(&path.display().to_string()),
            crate::store::migrations::latest()
        );
    }
    // (`--file-group` gives a notebook being made to the group: one that
    // was there already keeps its group, which is said.)
    let existed = std::fs::metadata(&path).is_ok_and(|m| m.len() > 0);
    let mut store = Store::open(plain.as_ref().map_or(&path, |p| &p.path), opts)?;
    // Every parcel written (typed, imported, merged) is screened against
    // the notebook's profiles and watchlist in its own transaction.
    if !store.is_read_only() {
        store.set_screen(std::sync::Arc::new(crate::targeting::Screener::new()));
    }
    let mut notice = crate::store::fsinfo::network_warning(&path).map(|w| (w, true));
    if store.read_alone() {
        let text = format!(
            "{} is read as it stands now, alone: its folder is not writable to you, so no shared-memory file can be made beside it, and what others write while this runs is not seen",
            super::output::cell_line(&path.display().to_string())
        );
        add_notice(&mut notice, text, false);
    }
    if let Some(g) = cli.group.as_deref().filter(|_| existed) {
        let text = format!(
            "--file-group {g} applies to a notebook being made; {} was there already and keeps its group and mode (give it to the group with `chgrp {g} FILE; chmod 660 FILE`)",
            super::output::cell_line(&path.display().to_string())
        );
        add_notice(&mut notice, text, true);
    }
    // A log that no longer holds the entry this user's checkpoint names
    // (the file rolled back to an older copy, or cut back) is said before
    // anything is written: writes leave the checkpoint where it is.
    if !store.is_read_only() {
        // (A log that cannot be read there is said too, not a failed open:
        // `audit verify` names what is wrong with it.)
        let said = match store.checkpoint_problem() {
            Ok(None) => None,
            Ok(Some(p)) => Some(format!(
                "{p}; your audit checkpoint stays at that entry (`interdict audit verify`)"
            )),
            Err(e) => Some(format!(
                "your audit checkpoint cannot be compared with the log: {e} (`interdict audit verify`)"
            )),
        };
        if let Some(s) = said {
            add_notice(&mut notice, s, true);
        }
    }
    let mut failed_checks = None;
    if store.is_read_only() && store.has_export_manifest()? {
        let checked = match &plain {
            Some(p) => received::accept(&path, p),
            None => received::plaintext(&path, None).and_then(|p| received::accept(&path, &p)),
        };
        notice = Some(match checked {
            Ok(r) => {
                let said = format!(
                    "export from {} signed by {} (key {}), {}",
                    r.manifest.exporter, r.signer, r.fingerprint, r.manifest.exported_at
                );
                // Browsing is allowed whoever signed; the user is told.
                match super::share::signer_standing(&r, store.actor()) {
                    Ok((_, None)) => (said, false),
                    Ok((_, Some(problem))) => (format!("{said}: {problem}"), true),
                    Err(e) => (format!("{said}: {e:#}"), true),
                }
            }
            Err(e) => {
                failed_checks = Some(e.to_string());
                (format!("this export failed its checks: {e}"), true)
            }
        });
        if export_file {
            let said = format!(
                "opened read-only: a signed export is never written to (its signature would no longer hold); `interdict merge {}` brings it into your notebook",
                super::output::cell_line(&path.display().to_string())
            );
            notice = notice.map(|(n, warn)| (format!("{said}; {n}"), warn));
        }
    }
    // A merge running beside this one, or stopped midway, is said.
    if let Ok(merges) = crate::exchange::merge::in_progress(store.conn())
        && !merges.is_empty()
    {
        let text = merges.join("; ");
        add_notice(&mut notice, text, false);
    }
    // An import killed midway is marked interrupted (with the parcels it
    // had committed), and said once; a read-only open (every listing,
    // the interface's browsing) says it without marking it, each time
    // until a writing command does (it was said by `add` alone).
    if let Ok(found) = crate::exchange::csv_import::settle_interrupted(&mut store)
        && !found.is_empty()
    {
        let text = found
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        add_notice(&mut notice, text, true);
    }
    // An upgrade that left much of the file free (the tables it made
    // again) says how to give it back, once: on the open that upgraded.
    if let Some(from) = store.upgraded_from()
        && let Ok(free) = store.free_bytes()
        && let Some(text) = upgrade_note(from, free, store.cut_within_pages().unwrap_or(0))
    {
        add_notice(&mut notice, text, false);
    }
    // The decryption is kept only if the store reads it as it is (not
    // through an indexed copy of its own).
    let plain = plain.filter(|p| store.read_path() == p.path);
    Ok(Opened {
        _scratch: scratch,
        store,
        _plain: plain,
        notice,
        failed_checks,
    })
}

/// An empty file at the notebook's path (made by `touch`, or by a tool
/// asked for a name) becomes a notebook when it is opened for writing: it
/// is made its owner's only (0600) first, as a file interdict creates is,
/// since SQLite gives the `-wal` and `-shm` files it makes the mode of
/// the file. The change is said; a file whose mode cannot be changed (not
/// the user's) is refused, and so is `--file-group`, which gives a group only
/// to a file interdict creates.
fn private_if_empty(path: &std::path::Path, group: bool) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(m) = std::fs::metadata(path) else {
            return Ok(());
        };
        // (A file empty with its log beside it holding the pages is a
        // notebook already.)
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        let logged = std::fs::metadata(&wal).is_ok_and(|w| w.len() > 0);
        if !m.is_file() || m.len() > 0 || logged {
            return Ok(());
        }
        let shown = super::output::cell_line(&path.display().to_string());
        let mode = m.permissions().mode() & 0o7777;
        if group {
            // (One interdict made with --file-group and left empty is kept.)
            if mode & 0o7007 == 0 {
                return Ok(());
            }
            bail!(
                "{shown} is an empty file of mode {mode:o} made before: --file-group gives a notebook its group only when interdict creates the file; remove it and run again (nothing was written)"
            );
        }
        if mode == 0o600 {
            return Ok(());
        }
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|e| {
            anyhow::anyhow!(
                "{shown} is an empty file of mode {mode:o} and cannot be made its owner's only (mode 600), as a notebook is: {e}; it was not made a notebook"
            )
        })?;
        eprintln!(
            "note: {shown} was an empty file of mode {mode:o}; made mode 600 (its owner's only), as a new notebook is"
        );
    }
    #[cfg(not(unix))]
    let _ = (path, group);
    Ok(())
}

/// `demo --manifest`: the manifest, and beside it the list of its planted
/// rows (`FILE.planted`).
fn demo_manifest(
    ctx: &Ctx,
    store: &Store,
    file: &std::path::Path,
    rows: usize,
    seed: u64,
    out: &mut impl Write,
) -> Result<()> {
    let m = demo::targeting::manifest(store.conn(), file, rows, seed)?;
    let listed = std::path::PathBuf::from(format!("{}.planted", file.display()));
    let text: String = m
        .planted
        .iter()
        .map(|p| format!("{}\t{}\t{}\n", p.tracking, p.line, p.why))
        .collect();
    seal::write_private(&listed, text.as_bytes())?;
    match ctx.format {
        Format::Json => print_json(out, &m)?,
        Format::Table | Format::Csv => writeln!(
            out,
            "manifest {}: {} rows, {} planted to be hit (listed in {})",
            file.display(),
            m.rows,
            m.planted.len(),
            listed.display()
        )?,
    }
    Ok(())
}

/// The user's own key (made, private, on first use).
fn seal_key() -> Result<ed25519_dalek::SigningKey> {
    let path = super::share::signing_key_path()?;
    if let Some(dir) = path.parent() {
        seal::private_dir(dir)?;
    }
    Ok(crate::exchange::signing::load_or_create(&path)?)
}

/// `audit verify` of a notebook whose schema has objects of someone
/// else's: each named, and a failure.
fn foreign_schema_verdict(ctx: &Ctx, differences: &[String]) -> Result<ExitCode> {
    let mut out = io::stdout().lock();
    match ctx.format {
        Format::Json => print_json(
            &mut out,
            &json!({"schema": differences, "chain": null, "records": null, "derived": null, "seals": null}),
        )?,
        Format::Table | Format::Csv => {
            for d in differences {
                eprintln!("schema differs: {}", super::output::cell_line(d));
            }
            eprintln!(
                "nothing else was read: objects interdict did not make would run inside the check; remove them (DROP ...) with sqlite3, or restore a copy, then verify again"
            );
        }
    }
    out.flush()?;
    Ok(ExitCode::FAILURE)
}

pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    let ctx = Ctx { format: cli.format };
    let Some(command) = &cli.command else {
        let opened = open(&cli)?;
        crate::tui::run(opened.store, opened.notice)?;
        return Ok(ExitCode::SUCCESS);
    };
    // CSV is for lists; other commands refuse it before doing anything (so
    // their `Format::Table | Format::Csv` arms only ever see Table).
    if ctx.format == Format::Csv && !super::output::csv_applies(command) {
        bail!(super::output::CSV_ONLY_LISTS);
    }
    if let Command::Fields { kind } = command {
        return fields(&ctx, kind);
    }
    // An output named like the notebook, its journals or an input would
    // replace it: refused before anything is opened or written.
    let db = match &cli.db {
        Some(p) => p.clone(),
        None => super::default_db_path()?,
    };
    super::outputs::check_command(command, &db, cli.identity.as_deref())?;
    let opened = match open(&cli) {
        Ok(o) => o,
        // A schema with objects of someone else's is refused before any
        // row is read; verifying, that is the answer, in its format.
        Err(e) if matches!(command, Command::Audit(AuditCmd::Verify { .. })) => {
            match e.downcast_ref::<crate::store::StoreError>() {
                Some(crate::store::StoreError::ForeignSchema { differences, .. }) => {
                    return foreign_schema_verdict(&ctx, differences);
                }
                _ => return Err(e),
            }
        }
        Err(e) => return Err(e),
    };
    let _plain = opened._plain;
    let mut store = opened.store;
    match &opened.notice {
        Some((w, true)) => eprintln!("warning: {}", super::output::cell_line(w)),
        Some((m, false)) => eprintln!("note: {}", super::output::cell_line(m)),
        None => {}
    }
    let stdout = io::stdout();
    let mut out = super::output::Shown::new(stdout.lock());
    match command {
        Command::Init => {
            let n = records::count::<Substance>(store.conn())?;
            writeln!(
                out,
                "notebook ready: {} (database {}, {n} substances)",
                store.path().display(),
                store.db_id()
            )?;
        }
        Command::Add(add) => self::add(&ctx, &mut store, add, &mut out)?,
        Command::Edit { target, set } => edit(&mut store, target, set, &mut out)?,
        Command::Delete { target } => {
            let r = refs::resolve(store.conn(), target)?;
            let n = store.write(|w| records::delete(w, r.kind, r.id))?;
            let extra = if n > 1 {
                format!(" and {} dependent records", n - 1)
            } else {
                String::new()
            };
            writeln!(out, "deleted {} {}{extra}", r.kind, r.label)?;
        }
        // (A listing reads one state of its own.)
        Command::List(args) => super::list::list(&ctx, &store, args, &mut out)?,
        // Each read from one state of the notebook (a case's count of
        // parcels and the parcels it listed, read while a colleague
        // wrote, disagreed).
        Command::Show { target } => {
            one_read(&store, || super::show::show(&ctx, &store, target, &mut out))?
        }
        Command::Search { query, kind, limit } => {
            let kind = kind
                .as_deref()
                .map(str::parse::<ItemKind>)
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let hits = search::search(store.conn(), query, kind, *limit)?;
            match ctx.format {
                Format::Json => print_json(&mut out, &hits)?,
                Format::Table | Format::Csv => {
                    let rows: Vec<Vec<String>> = hits
                        .iter()
                        .map(|h| vec![h.kind.to_string(), h.label.clone(), h.snippet(40)])
                        .collect();
                    print_table(&mut out, &["kind", "item", "text"], &rows)?;
                    if hits.is_empty() {
                        eprintln!("nothing matches {query:?}");
                    }
                }
            }
        }
        Command::Demo {
            parcels,
            seed,
            manifest: Some(file),
            rows,
        } if records::count::<Parcel>(store.conn())? > 0 => {
            demo_manifest(&ctx, &store, file, *rows, *seed, &mut out)?
        }
        Command::Demo {
            parcels,
            seed,
            manifest,
            rows,
        } => {
            use std::io::IsTerminal;
            let live = io::stderr().is_terminal();
            let mut last = std::time::Instant::now();
            let summary = demo::generate(&mut store, *parcels, *seed, |done, total| {
                if live && (last.elapsed().as_millis() >= 200 || done == total) {
                    eprint!("\rdemo: {done}/{total} parcels");
                    last = std::time::Instant::now();
                    if done == total {
                        eprintln!();
                    }
                }
            })?;
            match ctx.format {
                Format::Json => print_json(&mut out, &summary)?,
                Format::Table | Format::Csv => writeln!(
                    out,
                    "demo data in {}: {} cases, {} parcels, {} findings, {} notes, {} links, {} planted clusters",
                    store.path().display(),
                    summary.cases,
                    summary.parcels,
                    summary.findings,
                    summary.notes,
                    summary.links,
                    summary.clusters.len()
                )?,
            }
            if let Some(file) = manifest {
                demo_manifest(&ctx, &store, file, *rows, *seed, &mut out)?;
            }
        }
        Command::Audit(AuditCmd::Verify { accept_log }) => {
            // (It was ignored, and the output ended by asking for it.)
            if *accept_log && store.is_read_only() {
                bail!(
                    "--accept-log keeps the log as it stands as your checkpoint, as a writable open does: this notebook is open read-only (--read-only, or a file you may not write); nothing was checked"
                );
            }
            let version: i64 = store
                .conn()
                .pragma_query_value(None, "user_version", |r| r.get(0))?;
            // Every check reads one state of the notebook: colleagues
            // writing meanwhile made a verify started between their
            // commits see a log, records and index of different moments,
            // and name as tampering what was only a write in flight.
            // This user's key and checkpoint, read before the notebook:
            // an entry their checkpoint saw was committed before the state
            // read below, which must hold it (read after, a checkpoint of
            // this user's own write in another terminal was newer than the
            // state read, and said "newest entries were removed").
            let own = store.sealing().map(|(k, _)| k.verifying_key()).or_else(|| {
                super::share::signing_key_path()
                    .ok()
                    .filter(|p| p.exists())
                    .and_then(|p| crate::exchange::signing::load_or_create(&p).ok())
                    .map(|k| k.verifying_key())
            });
            let checkpoint = match (super::data_dir().map(|d| d.join("checkpoints")), &own) {
                (Some(dir), Some(k)) => audit::seal::read_checkpoint(&dir, store.db_id(), k),
                _ => None,
            };
            let conn = store.conn();
            let read = conn.unchecked_transaction()?;
            // What the open let through: objects of interdict's missing.
            let schema =
                crate::store::schema::lines(&crate::store::schema::differences(conn, version)?);
            let verdict = audit::verify(conn)?;
            // Records are checked against an intact chain only.
            let records = match verdict {
                Verdict::Intact { .. } => Some(crate::store::integrity::check(conn)?),
                Verdict::Broken { .. } => None,
            };
            // The index and search rows against what the records imply.
            let derived = crate::store::integrity::check_derived(conn)?;
            // The tables beside the records: the warning list, match
            // decisions, watchlist and profiles against their audit
            // entries; received histories and document bytes against
            // their hashes.
            let tables = crate::store::integrity::check_tables(conn)?;
            // Seals and this user's checkpoint (an export is covered by its
            // manifest's signature instead); the keys that sealed, judged by
            // the user's list of known signers.
            let mut unknown_sealers = Vec::new();
            let mut checkpoint_problem = None;
            let seals = if store.has_export_manifest()? {
                None
            } else {
                let mut r = audit::seal::verify(
                    conn,
                    store.db_id(),
                    own.as_ref().map(|k| (k, store.actor())),
                )?;
                if let Some(cp) = &checkpoint {
                    audit::seal::check_checkpoint(conn, cp, &mut r)?;
                    checkpoint_problem = audit::seal::checkpoint_problem(conn, cp)?;
                }
                match super::share::judge_sealers(&r.sealers) {
                    Ok((problems, unknown)) => {
                        r.problems.extend(problems);
                        unknown_sealers = unknown;
                    }
                    Err(e) => r
                        .problems
                        .push(format!("the list of known signers cannot be read: {e:#}")),
                }
                Some(r)
            };
            read.finish()?;
            // A signed export whose content is not what was signed (an
            // entry deleted that changes no record's state, a file cut
            // short) fails, whatever the rest says: it said "intact" and
            // exited 0, the mismatch a warning above.
            let signed = opened.failed_checks.as_deref();
            let bad = signed.is_some()
                || matches!(verdict, Verdict::Broken { .. })
                || records.as_ref().is_some_and(|r| !r.problems.is_empty())
                || !schema.is_empty()
                || !derived.problems.is_empty()
                || !tables.problems.is_empty()
                || seals.as_ref().is_some_and(|s| !s.problems.is_empty());
            // What this user verified is a checkpoint too; one the log no
            // longer holds is replaced only when the user takes the log as
            // it stands, and nothing else is wrong.
            let only_the_checkpoint = checkpoint_problem.is_some()
                && !matches!(verdict, Verdict::Broken { .. })
                && records.as_ref().is_some_and(|r| r.problems.is_empty())
                && schema.is_empty()
                && derived.problems.is_empty()
                && tables.problems.is_empty()
                && seals.as_ref().is_some_and(|s| s.problems.len() == 1);
            // (A read-only open with --accept-log was refused above.)
            let accepted = *accept_log && only_the_checkpoint;
            if !bad && !store.is_read_only() {
                store.record_checkpoint();
            } else if accepted {
                store.replace_checkpoint()?;
            }
            match ctx.format {
                Format::Json => print_json(
                    &mut out,
                    &json!({"schema": schema, "signed_export_problem": signed, "chain": verdict, "records": records, "derived": derived, "tables": tables, "seals": seals, "unknown_sealers": unknown_sealers, "checkpoint_accepted": accepted}),
                )?,
                Format::Table | Format::Csv => {
                    if let Some(why) = signed {
                        eprintln!(
                            "signed export fails its checks: {}{}",
                            super::output::cell_line(why),
                            if why.contains("cut short") {
                                "; what follows is read from what is left of the file"
                            } else {
                                ""
                            }
                        );
                    }
                    for d in &schema {
                        eprintln!("schema differs: {}", super::output::cell_line(d));
                    }
                    match &verdict {
                        Verdict::Intact { entries, head } => {
                            writeln!(out, "audit log intact: {entries} entries, head {head}")?
                        }
                        Verdict::Broken { seq, reason } => {
                            eprintln!("audit log broken at entry {seq}: {reason}")
                        }
                    }
                    if records.is_none() {
                        eprintln!(
                            "records not compared with the audit: its chain is broken (what each entry says cannot be trusted)"
                        );
                    }
                    if let Some(r) = &records {
                        if r.problems.is_empty() {
                            writeln!(out, "records match the audit: {} checked", r.checked)?;
                        }
                        for p in &r.problems {
                            eprintln!(
                                "record changed outside the audit: {}",
                                super::output::cell_line(p)
                            );
                        }
                    }
                    if derived.problems.is_empty() {
                        writeln!(
                            out,
                            "identifier index and search rows match the records: {} checked",
                            derived.checked
                        )?;
                    }
                    for p in &derived.problems {
                        eprintln!("derived rows differ: {}", super::output::cell_line(p));
                    }
                    if tables.problems.is_empty() {
                        writeln!(
                            out,
                            "warning list, match decisions, watchlist, profiles, received histories and document bytes match the audit and their hashes: {} checked",
                            tables.checked
                        )?;
                    }
                    for p in &tables.problems {
                        eprintln!(
                            "table changed outside the audit: {}",
                            super::output::cell_line(p)
                        );
                    }
                    for n in &tables.notes {
                        writeln!(out, "note: {}", super::output::cell_line(n))?;
                    }
                    if let Some(r) = &seals {
                        if r.problems.is_empty() && r.sealed_to > 0 {
                            writeln!(out, "audit log sealed up to entry {}", r.sealed_to)?;
                        }
                        for k in &r.sealers {
                            writeln!(
                                out,
                                "  sealed by {} (key {}{}): {} seal(s)",
                                super::output::cell_line(&k.actor),
                                k.fingerprint,
                                if k.yours { ", yours" } else { "" },
                                k.seals
                            )?;
                        }
                        if let Some(c) = &r.checkpoint {
                            writeln!(out, "your checkpoint: the log {c}")?;
                        }
                        for p in &r.problems {
                            eprintln!("seal problem: {}", super::output::cell_line(p));
                        }
                        if accepted {
                            writeln!(
                                out,
                                "your checkpoint: the log as it stands now taken as seen (--accept-log)"
                            )?;
                        } else if *accept_log && bad {
                            eprintln!(
                                "--accept-log: not taken, as the log is named for more than your checkpoint"
                            );
                        } else if checkpoint_problem.is_some()
                            && only_the_checkpoint
                            && !store.is_read_only()
                        {
                            eprintln!(
                                "once you have looked into it (a file restored from a backup, a copy worked on), `interdict audit verify --accept-log` takes the log as it stands as your checkpoint; until then writes leave it where it is"
                            );
                        }
                        for u in &unknown_sealers {
                            writeln!(out, "note: {}", super::output::cell_line(u))?;
                        }
                    }
                }
            }
            // (Taken as it stands, the one thing named is settled.)
            if bad && !accepted {
                out.flush()?;
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Audit(AuditCmd::Log { target, limit }) => {
            audit_log(&ctx, &store, target.as_deref(), *limit, &mut out)?
        }
        Command::Xref { target, depth } => {
            super::xref::xref(ctx.format, &store, target, *depth, &mut out)?
        }
        Command::Path {
            from,
            to,
            max_depth,
        } => {
            if !super::xref::path(ctx.format, &store, from, to, *max_depth, &mut out)? {
                out.flush()?;
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Cluster { target } => super::xref::cluster(ctx.format, &store, target, &mut out)?,
        Command::Clusters { limit } => super::xref::clusters(ctx.format, &store, *limit, &mut out)?,
        Command::Central { case, top } => {
            super::xref::central(ctx.format, &store, case, *top, &mut out)?
        }
        Command::Warnlist(cmd) => super::xref::warn(ctx.format, &mut store, cmd, &mut out)?,
        Command::Matches(cmd) => super::xref::matches(ctx.format, &mut store, cmd, &mut out)?,
        Command::Export(args) => {
            // A received file that failed its checks (a row deleted in
            // transit) is browsed with a warning, but never passed on: an
            // export of it would carry the exporter's signature over what
            // nobody can vouch for.
            if let Some(why) = &opened.failed_checks {
                bail!(
                    "nothing exported: this file failed its checks as a signed export ({}); ask its sender for it again",
                    super::output::cell_line(why)
                );
            }
            if let Some(graph) = args.graph {
                let [case] = args.cases.as_slice() else {
                    bail!("--graph takes exactly one --case");
                };
                let rel = super::formats::release(&store, args)?;
                super::xref::export_graph(&store, graph, case, &rel, args, &mut out)?
            } else if args.stix {
                super::formats::stix(&store, args, &mut out)?
            } else if args.misp {
                super::formats::misp(&store, args, &mut out)?
            } else if let Some(parcel) = &args.incident {
                super::formats::incident(ctx.format, &store, parcel, args, &mut out)?
            } else {
                super::share::export(&ctx, &store, args, &mut out)?
            }
        }
        Command::Merge(args) => {
            super::share::merge(&ctx, &mut store, args, cli.identity.as_deref(), &mut out)?
        }
        Command::Conflicts { cmd } => {
            super::share::conflicts(&ctx, &mut store, cmd.as_ref(), &mut out)?
        }
        Command::Import(ImportCmd::Csv(args)) => {
            super::import::csv(&ctx, &mut store, args, &mut out)?
        }
        Command::Import(ImportCmd::Misp { file, dry_run }) => {
            super::formats::import_misp(&ctx, &mut store, file, *dry_run, &mut out)?
        }
        Command::Keys(cmd) => {
            super::share::keys(&ctx, cmd, cli.identity.as_deref(), store.actor(), &mut out)?
        }
        Command::Stats(cmd) => super::stats::stats(ctx.format, &store, cmd, &mut out)?,
        Command::Timeline { case } => one_read(&store, || {
            super::stats::timeline(ctx.format, &store, case, &mut out)
        })?,
        Command::Compact => {
            let shown = store.path().display().to_string();
            let c = store.compact(|| {
                eprintln!("compacting {shown} (about a minute for a million parcels)...")
            })?;
            match ctx.format {
                Format::Json => writeln!(out, "{}", serde_json::to_string(&c)?)?,
                Format::Table | Format::Csv => writeln!(
                    out,
                    "compacted {}: {} -> {} ({} given back)",
                    store.path().display(),
                    mib(c.before),
                    mib(c.after),
                    mib(c.before.saturating_sub(c.after))
                )?,
            }
        }
        Command::Watch(cmd) => super::targeting::watch(ctx.format, &mut store, cmd, &mut out)?,
        Command::Profile(cmd) => super::targeting::profile(ctx.format, &mut store, cmd, &mut out)?,
        Command::Hits { since, limit } => {
            super::targeting::hits(ctx.format, &store, since.as_deref(), *limit, &mut out)?
        }
        Command::Screen(args) => super::targeting::screen(ctx.format, &mut store, args, &mut out)?,
        Command::Rescreen { since } => {
            super::targeting::rescreen(ctx.format, &mut store, since.as_deref(), &mut out)?
        }
        Command::Inspect(a) => super::evidence::inspect(ctx.format, &mut store, a, &mut out)?,
        Command::Exhibit(c) => super::evidence::exhibit(ctx.format, &mut store, c, &mut out)?,
        Command::Custody(c) => super::evidence::custody(ctx.format, &mut store, c, &mut out)?,
        Command::Lab(c) => super::evidence::lab(ctx.format, &mut store, c, &mut out)?,
        Command::Delivery(a) => super::evidence::delivery(ctx.format, &mut store, a, &mut out)?,
        Command::Document(c) => super::evidence::document(ctx.format, &mut store, c, &mut out)?,
        Command::Trail { target } => super::evidence::trail(ctx.format, &store, target, &mut out)?,
        Command::Fields { .. } => unreachable!("handled before opening the store"),
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Prints each warning once (the record's checks run when it is built
/// and again when it is written).
pub(crate) fn warn(warnings: &[String]) {
    let mut said = std::collections::HashSet::new();
    for w in warnings.iter().filter(|w| said.insert(w.as_str())) {
        eprintln!("warning: {}", super::output::cell_line(w));
    }
}

/// `field=value` pairs from `--set` arguments.
pub(crate) fn parse_sets(sets: &[String]) -> Result<Vec<(String, String)>> {
    sets.iter()
        .map(|s| match s.split_once('=') {
            Some((k, v)) => Ok((k.trim().replace('-', "_"), v.to_string())),
            None => bail!("--set {s:?}: expected FIELD=VALUE"),
        })
        .collect()
}

/// Flag values plus `--set` values, as the domain takes them.
pub(crate) struct Values(Vec<(String, String)>);

impl Values {
    pub(crate) fn new(extra: &[String]) -> Result<Values> {
        Ok(Values(parse_sets(extra)?))
    }
    pub(crate) fn opt(&mut self, field: &str, v: &Option<String>) -> &mut Self {
        if let Some(v) = v {
            self.0.push((field.to_string(), v.clone()));
        }
        self
    }
    pub(crate) fn put(&mut self, field: &str, v: &str) -> &mut Self {
        self.0.push((field.to_string(), v.to_string()));
        self
    }
    pub(crate) fn pairs(&self) -> Vec<(&str, &str)> {
        self.0
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
    fn grading(&mut self, grade: &Option<String>) -> Result<&mut Self> {
        if let Some(g) = grade {
            let (s, i, h) = parse_grading(g).map_err(|m| FieldError {
                field: "grade".into(),
                message: m,
            })?;
            self.put("source_grade", &s).put("intel_grade", &i);
            if let Some(h) = h {
                self.put("handling", &h);
            }
        }
        Ok(self)
    }
}

fn add(ctx: &Ctx, store: &mut Store, add: &Add, out: &mut impl Write) -> Result<()> {
    let printed: (String, Vec<String>) = match add {
        Add::Case {
            title,
            status,
            opened,
            lead,
            summary,
            tlp,
            extra,
        } => {
            let mut v = Values::new(&extra.set)?;
            v.put("title", title)
                .opt("status", status)
                .opt("opened_on", opened)
                .opt("lead_officer", lead)
                .opt("summary", summary)
                .opt("tlp", tlp);
            let (mut c, mut w) = new_record::<Case>(&v.pairs())?;
            w.extend(store.write(|wr| create::case(wr, &mut c))?);
            (json_or(ctx, &c, c.reference.clone()), w)
        }
        Add::Parcel(p) => add_parcel(ctx, store, p)?,
        Add::Substance {
            name,
            synonyms,
            group,
            cas,
            extra,
        } => {
            let mut v = Values::new(&extra.set)?;
            v.put("name", name)
                .opt("synonyms", synonyms)
                .opt("group", group)
                .opt("cas", cas);
            let (mut s, mut w) = new_record::<Substance>(&v.pairs())?;
            w.extend(store.write(|wr| create::substance(wr, &mut s))?);
            (json_or(ctx, &s, s.name.clone()), w)
        }
        Add::Person {
            name,
            aliases,
            born,
            nationality,
            documents,
            phones,
            addresses,
            contacts,
            role,
            tlp,
            extra,
        } => {
            let joined = |v: &Vec<String>| (!v.is_empty()).then(|| v.join("; "));
            let mut v = Values::new(&extra.set)?;
            v.put("name", name)
                .opt("aliases", &joined(aliases))
                .opt("born_on", born)
                .opt("nationality", nationality)
                .opt("documents", &joined(documents))
                .opt("phones", &joined(phones))
                .opt("addresses", &joined(addresses))
                .opt("contacts", contacts)
                .opt("role_notes", role)
                .opt("tlp", tlp);
            let (mut p, mut w) = new_record::<crate::domain::Person>(&v.pairs())?;
            w.extend(store.write(|wr| records::insert(wr, &mut p))?);
            (json_or(ctx, &p, p.name.clone()), w)
        }
        Add::Organisation {
            name,
            org_type,
            aliases,
            country,
            phones,
            addresses,
            contacts,
            description,
            tlp,
            extra,
        } => {
            let joined = |v: &Vec<String>| (!v.is_empty()).then(|| v.join("; "));
            let mut v = Values::new(&extra.set)?;
            v.put("name", name)
                .opt("org_type", org_type)
                .opt("aliases", &joined(aliases))
                .opt("country", country)
                .opt("phones", &joined(phones))
                .opt("addresses", &joined(addresses))
                .opt("contacts", contacts)
                .opt("description", description)
                .opt("tlp", tlp);
            let (mut o, mut w) = new_record::<crate::domain::Organisation>(&v.pairs())?;
            w.extend(store.write(|wr| records::insert(wr, &mut o))?);
            (json_or(ctx, &o, o.name.clone()), w)
        }
        Add::Finding {
            parcel,
            substance,
            form,
            quantity,
            unit,
            extra,
        } => {
            let mut v = Values::new(&extra.set)?;
            v.opt("form", form)
                .opt("quantity", quantity)
                .opt("unit", unit);
            let (mut f, mut w) = new_record::<Finding>(&v.pairs())?;
            w.extend(store.write(|wr| {
                f.parcel_id = refs::resolve_kind(&wr.tx, parcel, ItemKind::Parcel)?.id;
                f.substance_id = refs::resolve_kind(&wr.tx, substance, ItemKind::Substance)?.id;
                create::finding(wr, &mut f)
            })?);
            (json_or(ctx, &f, f.meta.id.to_string()), w)
        }
        Add::Note {
            on,
            text,
            lead,
            grade,
            source,
            date,
            tlp,
            extra,
        } => {
            let mut v = Values::new(&extra.set)?;
            v.put("text", text)
                .opt("source", source)
                .opt("noted_on", date)
                .opt("tlp", tlp);
            v.grading(grade)?;
            if *lead {
                v.put("note_type", "lead");
            }
            let (mut n, mut w) = new_record::<Note>(&v.pairs())?;
            w.extend(store.write(|wr| {
                n.item_id = refs::resolve(&wr.tx, on)?.id;
                create::note(wr, &mut n)
            })?);
            (json_or(ctx, &n, n.meta.id.to_string()), w)
        }
        Add::Link {
            from,
            to,
            link_type,
            note,
            grade,
        } => {
            let mut v = Values::new(&[])?;
            v.put("link_type", link_type).opt("note", note);
            v.grading(grade)?;
            let (mut l, mut w) = new_record::<Link>(&v.pairs())?;
            w.extend(store.write(|wr| {
                l.from_id = refs::resolve(&wr.tx, from)?.id;
                l.to_id = refs::resolve(&wr.tx, to)?.id;
                create::link(wr, &mut l)
            })?);
            (json_or(ctx, &l, l.meta.id.to_string()), w)
        }
    };
    warn(&printed.1);
    writeln!(out, "{}", printed.0)?;
    Ok(())
}

/// The JSON of a new record, or its reference for a person.
fn json_or<R: Record>(ctx: &Ctx, rec: &R, reference: String) -> String {
    match ctx.format {
        Format::Json => crate::domain::json::pretty(rec).unwrap_or(reference),
        Format::Table | Format::Csv => reference,
    }
}

fn add_parcel(ctx: &Ctx, store: &mut Store, a: &AddParcel) -> Result<(String, Vec<String>)> {
    let mut v = Values::new(&a.extra.set)?;
    v.put("tracking", &a.tracking)
        .opt("carrier", &a.carrier)
        .opt("service", &a.service)
        .opt("origin", &a.origin)
        .opt("transit", &a.transit)
        .opt("destination", &a.destination)
        .opt("sender_name", &a.sender_name)
        .opt("sender_address", &a.sender_address)
        .opt("sender_phone", &a.sender_phone)
        .opt("sender_email", &a.sender_email)
        .opt("recipient_name", &a.recipient_name)
        .opt("recipient_address", &a.recipient_address)
        .opt("recipient_phone", &a.recipient_phone)
        .opt("recipient_email", &a.recipient_email)
        .opt("declared_contents", &a.declared)
        .opt("declared_value", &a.value)
        .opt("declared_currency", &a.currency)
        .opt("hs_code", &a.hs_code)
        .opt("weight_g", &a.weight)
        .opt("concealment", &a.concealment)
        .opt("found_contents", &a.found)
        .opt("status", &a.status)
        .opt("seized_place", &a.seized_place)
        .opt("seized_on", &a.seized_on);
    let (mut p, mut w) = new_record::<Parcel>(&v.pairs())?;
    w.extend(store.write(|wr| {
        let case = a
            .case
            .as_deref()
            .map(|c| refs::resolve_kind(&wr.tx, c, ItemKind::Case))
            .transpose()?;
        let warnings = create::parcel(wr, &mut p)?;
        if let Some(case) = case {
            create::include_in_case(wr, case.id, p.meta.id)?;
        }
        Ok(warnings)
    })?);
    // A parcel that names a known person or shop says so, and how to link
    // them; nothing is linked without being asked.
    say_known(
        &crate::xref::known_parties(store.conn(), p.meta.id)?,
        &p.tracking,
    );
    Ok((json_or(ctx, &p, p.tracking.clone()), w))
}

/// Says, for each known person or shop an item (named `what`) names,
/// that it does and how to link them.
fn say_known(known: &[crate::xref::KnownParty], what: &str) {
    for k in known {
        eprintln!(
            "note: {} names {} {} ({}); link them: interdict add link {:?} {} --type {}",
            what,
            k.kind,
            super::output::cell_line(&k.label),
            k.reasons.join(", "),
            super::output::cell_line(&k.reference),
            what,
            k.link_type.unwrap_or("related-to")
        );
    }
}

fn edit(store: &mut Store, target: &str, sets: &[String], out: &mut impl Write) -> Result<()> {
    let r = refs::resolve(store.conn(), target)?;
    let pairs = parse_sets(sets)?;
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fn apply<R: Record>(
        store: &mut Store,
        id: Uuid,
        pairs: &[(&str, &str)],
    ) -> Result<(Updated, Vec<String>, String)> {
        Ok(store.write(|w| {
            let mut rec: R = records::must_get(&w.tx, id)?;
            let mut warnings = set_fields(&mut rec, pairs)?;
            // An exhibit's flags (a number, seal or weight changed once
            // custody began) are said as the edit makes them, as a
            // hand-over's are (they showed only in `trail`, later); and
            // so are those an edit of its parcel makes (its seizure date
            // or status, said only "updated" until 2026-12-07).
            let flagged = crate::evidence::exhibit_flags_of(&w.tx, R::KIND, id)?;
            let (u, more) = records::update(w, &mut rec)?;
            warnings.extend(more);
            let now = crate::evidence::exhibit_flags_of(&w.tx, R::KIND, id)?;
            warnings.extend(crate::evidence::new_flags(&flagged, now));
            // (Its label as this edit wrote it: read after the commit, it
            // was a colleague's written since, "updated case C-0001 erin
            // title 1" said to alice.)
            Ok((u, warnings, records::label_of(&w.tx, R::KIND, id)?))
        })?)
    }
    // Who it named before the edit: a person or shop it names since is
    // said, as on adding it (and as the interface's form says).
    let names = matches!(r.kind, ItemKind::Parcel | ItemKind::Note);
    let before: Vec<Uuid> = if names {
        crate::xref::known_parties(store.conn(), r.id)?
            .into_iter()
            .map(|k| k.id)
            .collect()
    } else {
        Vec::new()
    };
    let (updated, warnings, label) =
        crate::with_record_type!(r.kind, R => apply::<R>(store, r.id, &pairs)?);
    warn(&warnings);
    if names && matches!(updated, Updated::Changed) {
        let new: Vec<crate::xref::KnownParty> = crate::xref::known_parties(store.conn(), r.id)?
            .into_iter()
            .filter(|k| !before.contains(&k.id))
            .collect();
        let what = if r.kind == ItemKind::Parcel {
            label.clone()
        } else {
            r.id.to_string()
        };
        say_known(&new, &what);
    }
    match updated {
        Updated::Changed => writeln!(out, "updated {} {label}", r.kind)?,
        Updated::Unchanged => writeln!(out, "unchanged {} {label}", r.kind)?,
    }
    Ok(())
}

fn fields(ctx: &Ctx, kind: &str) -> Result<ExitCode> {
    let kind: ItemKind = kind.parse().map_err(anyhow::Error::msg)?;
    let specs = crate::domain::fields_of(kind);
    let mut out = io::stdout().lock();
    match ctx.format {
        Format::Json => {
            let v: Vec<Value> = specs
                .iter()
                .map(|f| json!({"name": f.name, "label": f.label, "required": f.required, "default": f.default, "accepts": f.hint()}))
                .collect();
            print_json(&mut out, &v)?;
        }
        Format::Table | Format::Csv => {
            let rows: Vec<Vec<String>> = specs
                .iter()
                .map(|f| {
                    vec![
                        f.name.to_string(),
                        f.label.to_string(),
                        if f.required {
                            "yes".into()
                        } else {
                            String::new()
                        },
                        f.default.unwrap_or("").to_string(),
                        f.hint(),
                    ]
                })
                .collect();
            print_table(
                &mut out,
                &["field", "label", "required", "default", "accepts"],
                &rows,
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn audit_log(
    ctx: &Ctx,
    store: &Store,
    target: Option<&str>,
    limit: Option<usize>,
    out: &mut impl Write,
) -> Result<()> {
    let conn = store.conn();
    let row = |e: &audit::Entry| {
        vec![
            e.seq.to_string(),
            e.at.clone(),
            e.actor.clone(),
            e.action.clone(),
            e.item_kind.clone(),
            e.changes(),
        ]
    };
    let columns = ["seq", "at", "by", "action", "kind", "changes"];
    match target {
        // One item's whole history: with what came from other notebooks,
        // each entry saying whose log holds it.
        Some(t) => {
            // A deleted item too (who deleted parcel X?), by its id, its
            // tracking number or its case reference.
            let id = match refs::resolve(conn, t) {
                Ok(r) => r.id,
                Err(e) => match deleted_named(conn, t)? {
                    Some(id) => id,
                    None => return Err(e.into()),
                },
            };
            let mut entries = audit::full_history(conn, id)?;
            // The latest N when asked (`--limit` was not read for an
            // item's history, which came whole).
            if let Some(n) = limit
                && entries.len() > n
            {
                eprintln!(
                    "note: the latest {n} of {} entries (--limit)",
                    entries.len()
                );
                entries.drain(..entries.len() - n);
            }
            let owners = audit::log_owners(conn, &entries)?;
            let mut with_log = columns.to_vec();
            with_log.push("log");
            print_list(out, ctx.format, &entries, &with_log, |e| {
                let mut cells = row(e);
                // Whose log: here, the person who exported from it, or the
                // end of its database id.
                cells.push(match e.from_db {
                    None => "here".to_string(),
                    Some(db) => owners.get(&db).cloned().flatten().unwrap_or_else(|| {
                        let id = db.simple().to_string();
                        format!("db …{}", &id[id.len() - 8..])
                    }),
                });
                cells
            })?;
        }
        None => {
            // Which item each entry is about (a deleted one by the record
            // its deletion kept): the list named none.
            let entries = audit::recent(conn, limit.unwrap_or(50))?;
            let mut with_item = columns.to_vec();
            with_item.insert(5, "item");
            print_list(out, ctx.format, &entries, &with_item, |e| {
                let mut cells = row(e);
                cells.insert(5, entry_item(conn, e));
                cells
            })?;
        }
    }
    Ok(())
}

/// The item an audit entry is about, as a person reads it: its label, a
/// deleted record's as its deletion kept it.
fn entry_item(conn: &rusqlite::Connection, e: &audit::Entry) -> String {
    let Ok(kind) = e.item_kind.parse::<ItemKind>() else {
        return String::new();
    };
    let live = records::label_of(conn, kind, e.item_id).ok();
    if let Some(l) = live.filter(|l| !l.starts_with("(missing ")) {
        return l;
    }
    fn kept<R: Record>(detail: &str) -> Option<String> {
        serde_json::from_str::<R>(detail).ok().map(|r| r.label())
    }
    // (Its own deletion's record, or, for an earlier entry, the one the
    // item's deletion kept.)
    let detail = match (&e.state, &e.detail) {
        (None, Some(d)) => Some(d.clone()),
        _ => conn
            .query_row(
                &format!(
                    "SELECT detail FROM audit WHERE {} AND state IS NULL AND detail IS NOT NULL ORDER BY seq DESC LIMIT 1",
                    audit::sql_of_item("item_id", "?1")
                ),
                [e.item_id],
                |r| r.get::<_, String>(0),
            )
            .ok(),
    };
    let from_deletion = detail
        .as_deref()
        .and_then(|d| crate::with_record_type!(kind, R => kept::<R>(d)));
    match from_deletion {
        Some(l) => format!("{l} (deleted)"),
        None => format!("{kind} {}", e.item_id),
    }
}

/// The id of a deleted item the text names: its id, or a deleted
/// parcel's tracking number, a deleted case's reference (as its deletion
/// kept it).
fn deleted_named(conn: &rusqlite::Connection, text: &str) -> Result<Option<Uuid>> {
    let t = text.trim();
    if let Ok(id) = Uuid::parse_str(t) {
        return Ok((!audit::full_history(conn, id)?.is_empty()).then_some(id));
    }
    let tracking = crate::domain::identifiers::tracking_key(t);
    let mut stmt = conn.prepare(
        "SELECT item_id, detail FROM audit WHERE state IS NULL AND detail IS NOT NULL ORDER BY seq DESC",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (id, detail): (Uuid, String) = (r.get(0)?, r.get(1)?);
        let Ok(v) = serde_json::from_str::<Value>(&detail) else {
            continue;
        };
        let hit = match (&tracking, v.get("tracking").and_then(Value::as_str)) {
            (Some(want), Some(got)) => want == got,
            _ => v
                .get("ref")
                .and_then(Value::as_str)
                .is_some_and(|r| r.eq_ignore_ascii_case(t)),
        };
        if hit {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// Free pages an upgrade must leave before it says how to give them back.
const UPGRADE_FREE_SAID: u64 = 16 << 20;

/// What the open that upgraded a file from schema `from`, leaving `free`
/// bytes of free pages and about `cut` bytes cut out of rows within their
/// pages, says of them (nothing for a few).
fn upgrade_note(from: i64, free: u64, cut: u64) -> Option<String> {
    (free + cut >= UPGRADE_FREE_SAID).then(|| {
        let what = match (free >= 1 << 20, cut >= 1 << 20) {
            (true, true) => format!(
                "{} of the file are pages the old tables left free and about {} lie within pages the upgrade cut rows in (later writes reuse both)",
                mib(free),
                mib(cut)
            ),
            (false, true) => format!(
                "about {} of the file lie within pages the upgrade cut rows in (later writes fill them)",
                mib(cut)
            ),
            _ => format!(
                "{} of the file are pages the old tables left free (later writes reuse them)",
                mib(free)
            ),
        };
        format!(
            "upgraded from schema {from} to {}: {what}; `interdict compact` gives them back when no one else has the notebook open",
            crate::store::migrations::latest(),
        )
    })
}

/// A size in bytes as people read it, in MiB.
fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Adds `text` to what opening the notebook says: after what is said
/// already (which keeps its weight), or alone, a warning when `warn`.
fn add_notice(notice: &mut Option<(String, bool)>, text: String, warn: bool) {
    *notice = Some(match notice.take() {
        Some((n, w)) => (format!("{n}; {text}"), w),
        None => (text, warn),
    });
}

#[cfg(test)]
mod upgrade_note_tests {
    #[test]
    fn an_upgrade_that_freed_much_says_how_to_give_it_back() {
        assert_eq!(super::upgrade_note(14, 10 << 20, 0), None);
        let said = super::upgrade_note(14, 360 << 20, 0).unwrap();
        assert!(
            said.contains("upgraded from schema 14")
                && said.contains("360.0 MiB")
                && said.contains("interdict compact"),
            "{said}"
        );
        let said = super::upgrade_note(15, 0, 42 << 20).unwrap();
        assert!(
            said.contains("about 42.0 MiB") && said.contains("within pages"),
            "{said}"
        );
        assert_eq!(super::upgrade_note(15, 4 << 20, 4 << 20), None);
    }
}

/// Runs `f`, a command's reads, in one read transaction: one state of the
/// notebook for all of them, whatever colleagues write meanwhile.
fn one_read<T>(store: &Store, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let mut done = None;
    crate::store::in_one_read(store.conn(), || {
        done = Some(f());
        Ok(())
    })?;
    done.unwrap_or_else(|| bail!("the read did not run"))
}

#[cfg(test)]
mod one_read_tests {
    /// A command's reads in [`super::one_read`] see one state: a case a
    /// colleague adds between two of them is in neither (`show` counted
    /// a case's parcels and listed one more beside the count).
    #[test]
    fn a_commands_reads_see_one_state() {
        let (dir, store) = crate::store::testutil::temp_store();
        let count = || -> i64 {
            store
                .conn()
                .query_row("SELECT count(*) FROM cases", [], |r| r.get(0))
                .unwrap()
        };
        let colleague = || {
            let mut other = crate::store::Store::open(
                &dir.path().join("t.db"),
                crate::store::OpenOptions::new("colleague"),
            )
            .unwrap();
            other
                .write(|w| {
                    let mut c: crate::domain::Case =
                        crate::domain::record::new_record(&[("title", "Op")])
                            .unwrap()
                            .0;
                    crate::store::create::case(w, &mut c)
                })
                .unwrap();
        };
        let (before, after) = super::one_read(&store, || {
            let before = count();
            colleague();
            Ok((before, count()))
        })
        .unwrap();
        assert_eq!(before, after);
        // Outside it, the next read sees the colleague's case.
        assert_eq!(count(), after + 1);
    }
}
