//! Database files between teams: export, merge, conflicts, keys.

use super::args::{ConflictCmd, ExportArgs, Format, Keep, KeysCmd, MergeArgs};
use super::commands::Ctx;
use super::output::{cell_line, print_json, print_table};
use crate::domain::ItemKind;
use crate::exchange::conflicts::{self, Choice};
use crate::exchange::export::{self, ExportOptions};
use crate::exchange::{merge as merging, received, seal, signing};
use crate::store::{Store, refs};
use anyhow::{Context, Result, bail};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Where this user's signing key lives.
pub fn signing_key_path() -> Result<PathBuf> {
    let dir =
        super::data_dir().context("cannot find the user's data directory for the signing key")?;
    Ok(dir.join("signing.key"))
}

pub fn export(ctx: &Ctx, store: &Store, args: &ExportArgs, out: &mut impl Write) -> Result<()> {
    let Some(path) = &args.out else {
        bail!("a database export needs --out FILE.db");
    };
    if args.cases.is_empty() && !args.all {
        bail!("choose what to export: --case REF (repeatable) or --all");
    }
    let conn = store.conn();
    let cases = args
        .cases
        .iter()
        .map(|c| Ok(refs::resolve_kind(conn, c, ItemKind::Case)?.id))
        .collect::<Result<Vec<_>>>()?;
    let include_red = args
        .include_red
        .iter()
        .map(|r| Ok(refs::resolve(conn, r)?.id))
        .collect::<Result<Vec<_>>>()?;
    let key = signing::load_or_create(&signing_key_path()?)?;
    let live = std::io::stderr().is_terminal();
    let mut last = std::time::Instant::now();
    let mut progress = |stage: &str, done: usize, total: usize| {
        if !live {
            return;
        }
        if total == 0 {
            eprint!("\rexport: {stage}…{:30}\r", "");
        } else if last.elapsed().as_millis() >= 200 || done == total {
            eprint!("\rexport: {done}/{total} records");
            last = std::time::Instant::now();
        }
    };
    let report = export::export(
        store,
        path,
        &ExportOptions {
            cases,
            all: args.all,
            include_red,
            redact_sources: args.redact_sources,
            key: &key,
            encrypt_to: seal::recipients(&args.encrypt_to)?,
        },
        &mut progress,
    )?;
    if live {
        eprint!("\r{:60}\r", "");
    }
    if ctx.format == Format::Json {
        return print_json(out, &report);
    }
    let m = &report.manifest;
    let counts = m
        .counts
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect::<Vec<_>>()
        .join(", ");
    writeln!(
        out,
        "wrote {}{}: {counts}",
        report.file,
        if report.encrypted { " (encrypted)" } else { "" }
    )?;
    writeln!(
        out,
        "signed by {} (key {}); content {}",
        cell_line(&report.signer),
        report.fingerprint,
        m.content_hash
    )?;
    if m.handling.withheld_red > 0 {
        writeln!(
            out,
            "withheld: {} TLP:RED item(s) (name one with --include-red to include it)",
            m.handling.withheld_red
        )?;
    }
    for r in &m.handling.included_red {
        writeln!(out, "included TLP:RED item by name: {}", cell_line(r))?;
    }
    if m.handling.redact_sources {
        writeln!(
            out,
            "sources redacted from {} note(s)",
            m.handling.redacted_notes
        )?;
    }
    Ok(())
}

/// The head of the source's audit log that came signed in the file,
/// against this user's checkpoint of that log (kept from earlier files of
/// the same source); a later head becomes the checkpoint. A warning when
/// the source's log went back.
fn source_checkpoint(store: &Store, rec: &received::Received, dry_run: bool) -> Option<String> {
    use crate::store::audit::seal;
    let head = rec.manifest.audit_head.as_ref()?;
    let (key, dir) = store.sealing()?;
    let dir = dir?;
    let db = rec.manifest.source_db;
    let warning = seal::read_checkpoint(dir, db, &key.verifying_key())
        .and_then(|cp| seal::against_checkpoint(&cp, head.seq, &head.hash));
    if warning.is_none()
        && !dry_run
        && let Some(hash) = seal::unhex(&head.hash)
        && let Err(e) = seal::record_checkpoint(
            dir,
            db,
            &rec.file,
            key,
            head.seq,
            &hash,
            &crate::domain::meta::now(),
        )
    {
        tracing::warn!("{e}");
    }
    warning
}

pub fn merge(
    ctx: &Ctx,
    store: &mut Store,
    args: &MergeArgs,
    identity: Option<&Path>,
    out: &mut impl Write,
) -> Result<()> {
    let rec = received::open(&args.file, identity).context("refused, nothing was merged")?;
    if let Some(warning) = source_checkpoint(store, &rec, args.dry_run) {
        eprintln!(
            "warning: the notebook this file comes from: {}",
            cell_line(&warning)
        );
    }
    let live = std::io::stderr().is_terminal();
    let mut last = std::time::Instant::now();
    let report = merging::merge(store, &rec, args.dry_run, &mut |done, total| {
        if live && (last.elapsed().as_millis() >= 200 || done == total) {
            eprint!("\rmerging: {done}/{total} records");
            last = std::time::Instant::now();
            if done == total {
                eprintln!();
            }
        }
    })?;
    if ctx.format == Format::Json {
        return print_json(out, &report);
    }
    writeln!(
        out,
        "{} {}: signed by {} (key {}), exported by {} at {}",
        if args.dry_run {
            "would merge"
        } else {
            "merged"
        },
        args.file.display(),
        cell_line(&report.signer),
        report.fingerprint,
        cell_line(&report.exporter),
        cell_line(&report.exported_at),
    )?;
    writeln!(
        out,
        "added {}, updated {}, unchanged {}, conflicts {}",
        report.added, report.updated, report.unchanged, report.conflicts
    )?;
    for r in &report.renumbered {
        let why = if crate::domain::case::parse_reference(&r.there).is_some() {
            "its reference was taken"
        } else {
            "its reference is not one a notebook gives"
        };
        writeln!(
            out,
            "case {} there is {} here ({why})",
            cell_line(&r.there),
            r.here
        )?;
    }
    if report.conflicts > 0 {
        writeln!(
            out,
            "{} item(s) were edited on both sides: both versions are kept; see `interdict conflicts`",
            report.conflicts
        )?;
    }
    if !report.written && !args.dry_run {
        writeln!(out, "nothing new: the notebook was not changed")?;
    }
    Ok(())
}

pub fn conflicts(
    ctx: &Ctx,
    store: &mut Store,
    cmd: Option<&ConflictCmd>,
    out: &mut impl Write,
) -> Result<()> {
    let all = match cmd {
        None => false,
        Some(ConflictCmd::List { all }) => *all,
        Some(ConflictCmd::Show { id }) => {
            let c = conflicts::get(store.conn(), *id)?;
            if ctx.format == Format::Json {
                return print_json(out, &serde_json::json!({"conflict": c, "fields": c.diff()}));
            }
            writeln!(
                out,
                "conflict {}: {} {} ({}), from {}{}, {}",
                c.id,
                c.item_kind,
                c.label,
                c.status,
                c.file,
                c.signer
                    .as_deref()
                    .map(|s| format!(" signed by {s}"))
                    .unwrap_or_default(),
                c.detected_at
            )?;
            let rows: Vec<Vec<String>> = c
                .diff()
                .into_iter()
                .map(|d| vec![d.field, d.local, d.incoming])
                .collect();
            print_table(out, &["field", "here", "incoming"], &rows)?;
            if c.status == "open" {
                writeln!(
                    out,
                    "choose: interdict conflicts resolve {} --keep local|incoming",
                    c.id
                )?;
            }
            return Ok(());
        }
        Some(ConflictCmd::Resolve { id, keep }) => {
            let choice = match keep {
                Keep::Local => Choice::Local,
                Keep::Incoming => Choice::Incoming,
            };
            let c = conflicts::resolve(store, *id, choice)?;
            if ctx.format == Format::Json {
                return print_json(out, &c);
            }
            writeln!(
                out,
                "conflict {} resolved: {} {} ({})",
                c.id, c.item_kind, c.label, c.status
            )?;
            return Ok(());
        }
    };
    let list = conflicts::list(store.conn(), all)?;
    if ctx.format == Format::Json {
        return print_json(out, &list);
    }
    if list.is_empty() {
        writeln!(out, "no {}conflicts", if all { "" } else { "open " })?;
        return Ok(());
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|c| {
            let fields = c
                .diff()
                .iter()
                .filter(|d| !crate::domain::Meta::COLUMNS.contains(&d.field.as_str()))
                .map(|d| d.field.clone())
                .collect::<Vec<_>>()
                .join(", ");
            vec![
                c.id.to_string(),
                c.item_kind.clone(),
                c.label.clone(),
                fields,
                c.file.clone(),
                c.status.clone(),
            ]
        })
        .collect();
    print_table(
        out,
        &["id", "kind", "item", "differs in", "from", "status"],
        &rows,
    )?;
    Ok(())
}

pub fn keys(ctx: &Ctx, cmd: &KeysCmd, out: &mut impl Write) -> Result<()> {
    match cmd {
        KeysCmd::Show => {
            let path = signing_key_path()?;
            let key = signing::load_or_create(&path)?.verifying_key();
            if ctx.format == Format::Json {
                return print_json(
                    out,
                    &serde_json::json!({
                        "public_key": signing::public_text(&key),
                        "fingerprint": signing::fingerprint(&key),
                        "file": path,
                    }),
                );
            }
            writeln!(out, "signing key {}", path.display())?;
            writeln!(out, "public key  {}", signing::public_text(&key))?;
            writeln!(out, "fingerprint {}", signing::fingerprint(&key))?;
        }
        KeysCmd::NewIdentity { out: path } => {
            let recipient = seal::new_identity(path)?;
            if ctx.format == Format::Json {
                return print_json(
                    out,
                    &serde_json::json!({"recipient": recipient, "file": path}),
                );
            }
            writeln!(out, "wrote {} (keep it private)", path.display())?;
            writeln!(out, "recipient {recipient}")?;
            writeln!(
                out,
                "senders encrypt to you with: interdict export ... --encrypt-to {recipient}"
            )?;
        }
    }
    Ok(())
}
