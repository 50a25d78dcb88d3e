//! Database files between teams: export, merge, conflicts, keys.

use super::args::{ConflictCmd, ExportArgs, Format, Keep, KeysCmd, MergeArgs};
use super::commands::Ctx;
use super::output::{cell_line, print_json, print_table};
use crate::domain::ItemKind;
use crate::exchange::conflicts::{self, Choice};
use crate::exchange::export::{self, ExportOptions};
use crate::exchange::keyring::{self, Keyring, Known, Standing};
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
    let report = export::export_with(
        store,
        path,
        &ExportOptions {
            cases,
            all: args.all,
            include_red,
            redact_sources: args.redact_sources,
            key: &key,
            encrypt_to: seal::recipients(&args.encrypt_to)?,
            amber_strict: args.amber_strict,
        },
        args.all || args.with_profiles,
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
            "withheld: {} item(s): TLP:RED ones (name one with --include-red), TLP:AMBER+STRICT ones (--amber-strict), and what belonged only to them (watchlist entries included)",
            m.handling.withheld_red
        )?;
    }
    if !m.handling.raised.is_empty() {
        writeln!(
            out,
            "{} record(s) withheld for their label (alive or deleted), made elsewhere or relabelled here, are named by id and label only, so a receiver holding one under a looser label raises its own",
            m.handling.raised.len()
        )?;
    }
    for r in &m.handling.included_red {
        writeln!(out, "included TLP:RED item by name: {}", cell_line(r))?;
    }
    for r in &m.handling.amber_strict {
        writeln!(
            out,
            "included TLP:AMBER+STRICT item (its recipients' organisation only): {}",
            cell_line(r)
        )?;
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

/// What is wrong with the time a file says it was exported at, if
/// anything: not a time, or later than this machine's clock by more than
/// ten minutes (the exporter's clock, or this one, is wrong: the
/// records' and history's times from it would sort after everything
/// written here since). Said, not refused: it was accepted without a word.
fn exported_when(at: &str) -> Option<String> {
    const SLACK_S: i64 = 10 * 60;
    // (Any RFC 3339 form: `Z` or an offset, any year.)
    let Ok(then) = at.parse::<jiff::Timestamp>() else {
        // (Past the last instant jiff holds, late in the year 9999.)
        if at.len() >= 19 && at.starts_with("9999-") {
            return Some(format!(
                "the file says it was exported at {at}, thousands of years after this machine's clock: the exporter's clock (or the manifest) is wrong"
            ));
        }
        return Some(format!(
            "the file's signed manifest gives {:?} as when it was exported, which is not a time",
            at
        ));
    };
    let ahead = then.as_second() - jiff::Timestamp::now().as_second();
    (ahead > SLACK_S).then(|| {
        format!(
            "the file says it was exported at {at}, {} minutes after this machine's clock: the exporter's clock (or this one) is wrong, and its records' times will sort after what is written here meanwhile",
            ahead / 60
        )
    })
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
    if db == store.db_id() {
        // A file of this notebook (an export of it merged back), or one
        // that says it is: this notebook's checkpoint is its own writes'
        // alone. (A partner's file naming this notebook as its source
        // replaced it with the partner's log head, and `audit verify`
        // then said this notebook was rolled back.)
        let own = crate::exchange::signing::fingerprint(&key.verifying_key());
        return (rec.fingerprint != own).then(|| {
            format!(
                "the file names this notebook ({db}) as the one it was exported from, but it was signed by {} (key {}), not with your key: its log is not taken as this notebook's",
                rec.signer, rec.fingerprint
            )
        });
    }
    // A file exported before the later entry was seen is an older copy,
    // not a rolled-back log: merging an older export after a newer one
    // (or one of a notebook this account also writes, whose own entries
    // it checkpoints) is ordinary, and was told it was a rollback. A log
    // rewritten at the entry seen is said whenever.
    let warning = seal::read_checkpoint(dir, db, &key.verifying_key()).and_then(|cp| {
        let older_copy = head.seq < cp.seq && rec.manifest.exported_at.as_str() < cp.at.as_str();
        (!older_copy)
            .then(|| seal::against_checkpoint(&cp, head.seq, &head.hash))
            .flatten()
    });
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

/// Where the user keeps the signers they know.
pub fn keyring_path() -> Result<PathBuf> {
    let dir = super::data_dir()
        .context("cannot find the user's data directory for the list of known signers")?;
    Ok(dir.join("known-signers.json"))
}

/// The user's list of known signers, and their own key's fingerprint.
fn keyring() -> Result<(Keyring, Option<String>)> {
    let ring = Keyring::load(&keyring_path()?)?;
    let own = signing_key_path()
        .ok()
        .filter(|p| p.exists())
        .and_then(|p| signing::load_or_create(&p).ok())
        .map(|k| signing::fingerprint(&k.verifying_key()));
    Ok((ring, own))
}

/// What the user's list says of the signer of a received file.
/// For a received file browsed: the signer's standing, and what the user
/// must be told about it, if anything: a signer the list does not know
/// (or knows otherwise), and a `-wal` or `-journal` beside the file that
/// was ignored (what is shown is the file alone, as signed).
pub fn signer_standing(rec: &received::Received, me: &str) -> Result<(Standing, Option<String>)> {
    let (standing, problem) = key_standing(rec, me)?;
    let beside = crate::store::ignored_text(&rec.ignored_beside);
    let said = match (problem, beside) {
        (Some(p), Some(b)) => Some(format!("{p}; {b}")),
        (p, b) => p.or(b),
    };
    Ok((standing, said))
}

/// The signer's standing in the user's list of known signers, and the
/// problem with it, if any.
fn key_standing(rec: &received::Received, me: &str) -> Result<(Standing, Option<String>)> {
    let (ring, own) = keyring()?;
    let standing = ring.standing_for(&rec.signer, &rec.fingerprint, own.as_deref(), me);
    let problem = standing.problem(&rec.signer, &rec.fingerprint);
    Ok((standing, problem))
}

/// The keys that sealed a notebook's entries, judged by the user's list:
/// problems (a known name sealing with a new key, a revoked key, a key
/// known by another name), and the keys the list does not hold.
pub fn judge_sealers(
    sealers: &[crate::store::audit::seal::Sealer],
) -> Result<(Vec<String>, Vec<String>)> {
    // (The user's own seals are told apart by the seal check already.)
    let ring = Keyring::load(&keyring_path()?)?;
    let (mut problems, mut unknown) = (Vec::new(), Vec::new());
    for s in sealers.iter().filter(|s| !s.yours) {
        let standing = ring.standing(&s.actor, &s.fingerprint, None);
        let Some(p) = standing.problem(&s.actor, &s.fingerprint) else {
            continue;
        };
        if standing == Standing::Unknown {
            unknown.push(format!("{} seal(s) {p}", s.seals));
        } else {
            problems.push(format!("{} seal(s) {p}", s.seals));
        }
    }
    Ok((problems, unknown))
}

pub fn merge(
    ctx: &Ctx,
    store: &mut Store,
    args: &MergeArgs,
    identity: Option<&Path>,
    out: &mut impl Write,
) -> Result<()> {
    if same_file(&args.file, store.path()) {
        bail!(
            "refused, nothing was merged: {} is this notebook itself; a merge brings in another notebook's export (`interdict --db OTHER export --all --out FILE`)",
            args.file.display()
        );
    }
    // A file whose merge completed here before is not read whole again to
    // be checked: its bytes passed those checks then.
    let rec = received::open_vouched(&args.file, identity, &|sha| {
        merging::merged_whole(store.conn(), sha)
    })
    .context("refused, nothing was merged")?;
    // A valid signature says the file is as its signer left it; the
    // user's list of known signers says whether the signer is who they
    // think.
    if let Some(beside) = crate::store::ignored_text(&rec.ignored_beside) {
        eprintln!("warning: {}", cell_line(&beside));
    }
    let (standing, problem) = key_standing(&rec, store.actor())?;
    if let Some(problem) = problem {
        let once = args.trust_new
            && matches!(
                standing,
                Standing::Unknown | Standing::KnownAs(_) | Standing::YourName
            );
        if !once {
            bail!(
                "refused, nothing was merged: {}{}",
                cell_line(&problem),
                if matches!(
                    standing,
                    Standing::Unknown | Standing::KnownAs(_) | Standing::YourName
                ) {
                    " (or accept it this once with --trust-new)"
                } else {
                    ""
                }
            );
        }
        eprintln!("accepted this once (--trust-new): {}", cell_line(&problem));
    }
    if let Some(warning) = source_checkpoint(store, &rec, args.dry_run) {
        eprintln!(
            "warning: the notebook this file comes from: {}",
            cell_line(&warning)
        );
    }
    if let Some(warning) = exported_when(&rec.manifest.exported_at) {
        eprintln!("warning: {}", cell_line(&warning));
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
    if report.known_bytes {
        writeln!(
            out,
            "its bytes are those of a merge completed here before: its integrity and content hash were not computed again"
        )?;
    }
    writeln!(
        out,
        "added {}, updated {}, unchanged {}, conflicts {}, deleted {}",
        report.added, report.updated, report.unchanged, report.conflicts, report.deleted
    )?;
    write_targeting(out, &report.targeting, args.dry_run)?;
    if report.deleted > 0 {
        writeln!(
            out,
            "{} record(s) {} deleted here because they were deleted there (each audited; see `interdict audit log`)",
            report.deleted,
            if args.dry_run { "would be" } else { "were" }
        )?;
    }
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
    if report.brought_back > 0 {
        writeln!(
            out,
            "{} record(s) deleted here {} back with items a partner kept over that deletion (their notes, links, evidence; `interdict audit log` shows each as restore-with)",
            report.brought_back,
            if args.dry_run { "would come" } else { "came" }
        )?;
    }
    for r in &report.raised {
        writeln!(
            out,
            "label {} raised: {} (the sender withholds it under that label; `interdict audit log` shows the change)",
            if args.dry_run { "would be" } else { "was" },
            cell_line(r)
        )?;
    }
    if report.settled_there > 0 {
        writeln!(
            out,
            "{} conflict(s) open here {} closed: the partner had settled them, and its newer version (or deletion) is taken (`interdict conflicts list --all` lists them as settled-there)",
            report.settled_there,
            if args.dry_run { "would be" } else { "were" }
        )?;
    }
    // New conflicts, and those an earlier merge filed that are still open
    // (said as new on every merge of the file, or of an unchanged one).
    let again = report.conflicts.saturating_sub(report.new_conflicts);
    if report.new_conflicts > 0 {
        writeln!(
            out,
            "{} new conflict(s): an item edited on both sides, settled differently at each, or deleted at one and edited or added to at the other; both versions are kept; see `interdict conflicts`",
            report.new_conflicts
        )?;
    }
    if again > 0 {
        writeln!(
            out,
            "{again} conflict(s) already open here met the same version again; see `interdict conflicts`"
        )?;
    }
    // Records added beside one here of the same number (a parcel's
    // tracking, an exhibit's): both kept, and said.
    let added = if args.dry_run {
        "would be added"
    } else {
        "was added"
    };
    for (list, what, beside, then) in [
        (
            &report.same_tracking,
            "parcel",
            "this notebook's parcel of the same tracking number: both kept",
            "`interdict show ID` each, and delete or renumber one",
        ),
        (
            &report.same_exhibit_number,
            "exhibit",
            "this notebook's exhibit of the same number: both kept, and the number alone now names neither",
            "name each by its id",
        ),
        (
            &report.same_name,
            "",
            "one of this notebook's of the same name: both kept, and the name alone now names neither",
            "`interdict show ID` each; if they are one, `interdict matches list` offers the pair to confirm as `same-as`",
        ),
        (
            &report.same_link,
            "link",
            "this notebook's link between the same two, of the same type: both kept, each with its own note and grade",
            "`interdict show ID` each; `interdict delete ID` the one not wanted",
        ),
    ] {
        for s in list.iter().take(20) {
            let line = format!(
                "{what} {} {added} beside {beside} (here {}, received {}; {then})",
                cell_line(&s.tracking),
                s.here,
                s.received
            );
            writeln!(out, "{}", line.trim_start())?;
        }
    }
    if report.same_tracking.len() > 20 {
        writeln!(
            out,
            "and {} more parcels beside one here of the same tracking number (--format json lists all)",
            report.same_tracking.len() - 20
        )?;
    }
    if !report.written && !args.dry_run {
        writeln!(out, "nothing new: the notebook was not changed")?;
    }
    Ok(())
}

/// What a merge did with the risk profiles and watchlist entries it
/// received: every one counted, none of them screening here until
/// someone here says so.
fn write_targeting(
    out: &mut impl Write,
    t: &crate::exchange::targeting::Received,
    dry_run: bool,
) -> Result<()> {
    let names = |v: &[String]| {
        v.iter()
            .map(|n| cell_line(n))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !t.profiles_added.is_empty() {
        writeln!(
            out,
            "risk profiles: {} {} switched off ({}): `interdict profile on NAME` turns one on",
            t.profiles_added.len(),
            if dry_run { "would be added" } else { "added" },
            names(&t.profiles_added)
        )?;
    }
    if !t.profiles_differ.is_empty() {
        writeln!(
            out,
            "risk profiles kept as they are here (the file's text differs): {}",
            names(&t.profiles_differ)
        )?;
    }
    if !t.profiles_unreadable.is_empty() {
        writeln!(
            out,
            "risk profiles left out (their text does not read as a profile): {}",
            names(&t.profiles_unreadable)
        )?;
    }
    if !t.watch_received.is_empty() {
        writeln!(
            out,
            "watchlist: {} entr{} received, not watched here until you add {}:",
            t.watch_received.len(),
            if t.watch_received.len() == 1 {
                "y"
            } else {
                "ies"
            },
            if t.watch_received.len() == 1 {
                "it"
            } else {
                "them"
            }
        )?;
        for e in &t.watch_received {
            writeln!(
                out,
                "  {} {}: {} (TLP:{}{}{}, watched by {}): {}",
                e.kind,
                cell_line(&e.value),
                cell_line(&e.reason),
                e.tlp,
                e.case
                    .as_deref()
                    .map(|c| format!(", case {}", cell_line(c)))
                    .unwrap_or_default(),
                e.expires_on
                    .as_deref()
                    .map(|d| format!(", until {d}"))
                    .unwrap_or_default(),
                cell_line(&e.added_by),
                cell_line(&e.accept)
            )?;
        }
    }
    if t.watch_already > 0 {
        writeln!(
            out,
            "watchlist: {} received entr{} watched here already",
            t.watch_already,
            if t.watch_already == 1 {
                "y is"
            } else {
                "ies are"
            }
        )?;
    }
    for l in &t.watch_left_out {
        writeln!(out, "watchlist entry left out: {}", cell_line(l))?;
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
            match &c.here_now {
                Some(Some(_)) => writeln!(
                    out,
                    "here: as it stands now (edited here since the conflict was filed; --keep local keeps it so)"
                )?,
                Some(None) => writeln!(out, "here: deleted here since the conflict was filed")?,
                None => {}
            }
            let diff = c.diff();
            if c.base.is_some() {
                // Who changed what since the version both sides shared.
                let rows: Vec<Vec<String>> = diff
                    .into_iter()
                    .map(|d| vec![d.field, d.base.unwrap_or_default(), d.local, d.incoming])
                    .collect();
                print_table(out, &["field", "shared", "here", "incoming"], &rows)?;
            } else {
                let rows: Vec<Vec<String>> = diff
                    .into_iter()
                    .map(|d| vec![d.field, d.local, d.incoming])
                    .collect();
                print_table(out, &["field", "here", "incoming"], &rows)?;
            }
            if c.is_deletion() && c.local.is_some() {
                writeln!(out, "incoming: deleted there")?;
            }
            if !c.deleted_with.is_empty() {
                writeln!(
                    out,
                    "--keep incoming deletes with it {} record(s) here: {}",
                    c.deleted_with.len(),
                    c.deleted_with.join("; ")
                )?;
            }
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
            // A field of the conflict edited here since it was filed is
            // replaced by the incoming value: said (it was done unsaid).
            let replaced = match choice {
                Choice::Incoming => conflicts::get(store.conn(), *id)
                    .map(|c| c.replaced_since())
                    .unwrap_or_default(),
                Choice::Local => Vec::new(),
            };
            let c = conflicts::resolve(store, *id, choice)?;
            for (field, now) in &replaced {
                eprintln!(
                    "note: {field} was edited here since the conflict was filed ({}): the incoming value replaced it (`interdict audit log {}` holds it)",
                    cell_line(now),
                    c.item_id
                );
            }
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
            // (A deletion met an edit: every field differs, and the
            // list named them all, a note's id and kind too.)
            let fields = if c.is_deletion() {
                "(deleted there)".to_string()
            } else if let Some(said) = c.absent_here() {
                said.to_string()
            } else {
                c.diff()
                    .iter()
                    .filter(|d| !crate::domain::Meta::COLUMNS.contains(&d.field.as_str()))
                    .map(|d| d.field.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
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

/// `keys trust`: from an export file, a fingerprint or a public key.
fn trust(
    ctx: &Ctx,
    what: &str,
    name: Option<&str>,
    identity: Option<&Path>,
    user: &str,
    out: &mut impl Write,
) -> Result<()> {
    let me = user;
    let user = user.to_string();
    let now = crate::domain::meta::now();
    let entry = if Path::new(what).is_file() {
        let rec = received::open(Path::new(what), identity)
            .context("not trusted: the file failed its checks")?;
        if let Some(n) = name
            && n != rec.signer
        {
            bail!(
                "{what} is signed as {}, not {}: the name is the one its signer signs with",
                cell_line(&rec.signer),
                cell_line(n)
            );
        }
        Known {
            name: rec.signer.clone(),
            fingerprint: rec.fingerprint.clone(),
            public_key: Some(rec.public_key.clone()),
            trusted_at: now,
            trusted_by: user,
            from: Path::new(what)
                .file_name()
                .map_or(what.to_string(), |n| n.to_string_lossy().into_owned()),
            revoked_at: None,
        }
    } else {
        let (fingerprint, public_key) = if keyring::is_fingerprint(what) {
            (what.to_string(), None)
        } else if what.starts_with("ed25519:") {
            let key = signing::parse_public(what)?;
            (signing::fingerprint(&key), Some(what.to_string()))
        } else {
            bail!(
                "{} is neither a file, a fingerprint (SHA256: and 22 characters, as `interdict keys show` prints it) nor a public key (ed25519:...)",
                cell_line(what)
            );
        };
        let Some(name) = name else {
            bail!(
                "trusting a key by its fingerprint needs the name its owner signs with: --name NAME"
            );
        };
        if name.trim().is_empty() || crate::domain::text::sanitize(name) != name {
            bail!(
                "--name: {} is not a name a signer can have",
                cell_line(name)
            );
        }
        Known {
            name: name.to_string(),
            fingerprint,
            public_key,
            trusted_at: now,
            trusted_by: user,
            from: "fingerprint".into(),
            revoked_at: None,
        }
    };
    let (_, own) = keyring()?;
    if own.as_deref() == Some(entry.fingerprint.as_str()) {
        writeln!(
            out,
            "{} is your own key: what it signs is yours already",
            entry.fingerprint
        )?;
        return Ok(());
    }
    // Your own name with another key: your other machine's, or someone
    // signing as you. Said whichever way it is trusted.
    let as_you = (entry.name == me).then(|| {
        format!(
            "warning: {} is your own name here and {} is not your key: trust it only if it is your own other key (another machine's), its fingerprint checked there; otherwise revoke it (`interdict keys revoke {}`)",
            cell_line(&entry.name),
            entry.fingerprint,
            entry.fingerprint
        )
    });
    let mut ring = Keyring::load(&keyring_path()?)?;
    let before = ring.standing(&entry.name, &entry.fingerprint, None);
    let added = ring.trust(entry.clone())?;
    if added {
        ring.save()?;
    }
    if ctx.format == Format::Json {
        return print_json(out, &serde_json::json!({"trusted": entry, "new": added}));
    }
    if !added {
        writeln!(
            out,
            "already trusted: {} ({})",
            cell_line(&entry.name),
            entry.fingerprint
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "trusted {} ({}): files they sign are merged without asking",
        cell_line(&entry.name),
        entry.fingerprint
    )?;
    if let Some(w) = as_you {
        eprintln!("{w}");
    }
    if let Standing::NewKeyForName(old) = before {
        writeln!(
            out,
            "note: {} also has {} on your list; revoke it (`interdict keys revoke FINGERPRINT`) if it is no longer theirs",
            cell_line(&entry.name),
            old.join(", ")
        )?;
    }
    Ok(())
}

pub fn keys(
    ctx: &Ctx,
    cmd: &KeysCmd,
    identity: Option<&Path>,
    user: &str,
    out: &mut impl Write,
) -> Result<()> {
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
        KeysCmd::Trust { what, name } => {
            return trust(ctx, what, name.as_deref(), identity, user, out);
        }
        KeysCmd::List => {
            let ring = Keyring::load(&keyring_path()?)?;
            if ctx.format == Format::Json {
                return print_json(
                    out,
                    &serde_json::json!({"known": ring.keys, "file": ring.path()}),
                );
            }
            if ring.keys.is_empty() {
                writeln!(
                    out,
                    "no signers known yet: `interdict keys trust FILE` (an export they signed) or `interdict keys trust SHA256:... --name NAME`"
                )?;
                return Ok(());
            }
            let rows: Vec<Vec<String>> = ring
                .keys
                .iter()
                .map(|k| {
                    vec![
                        k.name.clone(),
                        k.fingerprint.clone(),
                        k.trusted_at.clone(),
                        k.trusted_by.clone(),
                        k.from.clone(),
                        k.revoked_at
                            .as_ref()
                            .map_or("trusted".into(), |at| format!("revoked {at}")),
                    ]
                })
                .collect();
            print_table(
                out,
                &["name", "fingerprint", "trusted", "by", "from", "status"],
                &rows,
            )?;
        }
        KeysCmd::Revoke { what } => {
            let mut ring = Keyring::load(&keyring_path()?)?;
            let done = ring.revoke(what, &crate::domain::meta::now());
            if done.is_empty() {
                bail!(
                    "no trusted key has the fingerprint or name {}: see `interdict keys list`",
                    cell_line(what)
                );
            }
            ring.save()?;
            if ctx.format == Format::Json {
                return print_json(out, &serde_json::json!({"revoked": done}));
            }
            for k in &done {
                writeln!(
                    out,
                    "revoked {} ({}): files it signs are refused from now on",
                    cell_line(&k.name),
                    k.fingerprint
                )?;
            }
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

/// Whether two paths name one file (the same device and inode, through
/// any links); false when either cannot be read.
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}
