//! Watchlists, risk profiles, hits and manifest screening on the command
//! line.

use super::args::{Format, ProfileCmd, ScreenArgs, WatchCmd};
use super::output::{cell_line, csv_row, csv_writer, print_csv, print_json, print_list};
use crate::exchange::csv_import::{self as imp, Phase, Progress};
use crate::exchange::manifest;
use crate::store::{Store, refs};
use crate::targeting::score::Hit;
use crate::targeting::{Screener, profile, stored, watchlist};
use anyhow::{Context, Result, bail};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

fn today() -> String {
    jiff::ZonedDateTime::now().date().to_string()
}

pub fn watch(
    format: Format,
    store: &mut Store,
    cmd: &WatchCmd,
    out: &mut impl Write,
) -> Result<()> {
    match cmd {
        WatchCmd::Add {
            kind,
            value,
            reason,
            case,
            expires,
            tlp,
            country,
        } => {
            let case = case
                .as_deref()
                .map(|c| refs::resolve(store.conn(), c))
                .transpose()?;
            if let Some(c) = &case
                && c.kind != crate::domain::ItemKind::Case
            {
                bail!(
                    "--case: {} is a {}, not a case",
                    cell_line(&c.label),
                    c.kind
                );
            }
            let new = watchlist::NewEntry {
                kind: kind.clone(),
                raw: value.clone(),
                reason: reason.clone(),
                case: case.map(|c| c.id),
                expires_on: expires.clone(),
                tlp: tlp.clone(),
                country: country.clone(),
            };
            let e = store.write(|w| watchlist::add(w, &new))?;
            // A number off its country's plan (a digit short or over) is
            // watched as written, and hits only the same slip: said, as a
            // record's own phone is when saved.
            if e.kind == "phone"
                && let Some(w) =
                    crate::domain::contact::phone_warning("value", &e.value, None, "--country")
            {
                eprintln!("warning: {}", cell_line(&w));
            }
            if format == Format::Json {
                return print_json(out, &e);
            }
            writeln!(
                out,
                "watching {} {}{}: new parcels holding it are hits",
                e.kind,
                cell_line(&e.value),
                e.expires_on
                    .as_deref()
                    .map(|d| format!(" until {d}"))
                    .unwrap_or_default()
            )?;
        }
        WatchCmd::List { all } => {
            let entries = watchlist::list(store.conn(), *all, &today())?;
            print_list(
                out,
                format,
                &entries,
                &[
                    "id", "kind", "value", "reason", "case", "tlp", "expires", "by", "added",
                ],
                |e| {
                    vec![
                        e.id.to_string(),
                        e.kind.clone(),
                        e.value.clone(),
                        e.reason.clone(),
                        e.case.clone().unwrap_or_default(),
                        e.tlp.clone(),
                        e.expires_on.clone().unwrap_or_default(),
                        e.added_by.clone(),
                        e.added_at.get(..10).unwrap_or(&e.added_at).to_string(),
                    ]
                },
            )?;
        }
        WatchCmd::Remove {
            what,
            value,
            country,
        } => {
            let (kind, what) = match value {
                Some(v) => (Some(what.as_str()), v.as_str()),
                None => (None, what.as_str()),
            };
            let gone = store.write(|w| watchlist::remove(w, kind, what, country.as_deref()))?;
            if gone.is_empty() {
                bail!(
                    "{} is not on the watchlist: see `interdict watch list`",
                    cell_line(what)
                );
            }
            if format == Format::Json {
                return print_json(out, &gone);
            }
            for e in &gone {
                writeln!(out, "no longer watching {} {}", e.kind, cell_line(&e.value))?;
            }
        }
    }
    Ok(())
}

const TEMPLATE: &str = r#"# A risk profile: parcels whose indicators add up to the threshold are hits.
# Every indicator that fires is shown with its weight and evidence.
# Kinds: origin, transit, destination (countries = [...]), carrier,
# service (names = [...]), contents (terms = [...], substances = true),
# hs-mismatch, hs-headings (headings = [...]), value (min, max), weight
# (min_g, max_g), value-per-gram (max), watchlist, seen-in-seized,
# in-open-case (kinds = [...] of phone, email, address, name, content,
# payment, tracking), name-like-suspect (min_score), first-from-sender,
# many-senders (days, at_least), many-names (at_least).
name = "NAME"
description = ""
threshold = 50

[[indicator]]
label = "an identifier seen on a seized parcel"
weight = 50
kind = "seen-in-seized"
"#;

fn print_saved(
    out: &mut impl Write,
    p: &profile::Profile,
    warnings: &[String],
    new: bool,
) -> Result<()> {
    writeln!(
        out,
        "{} profile {} ({} indicators, threshold {})",
        if new { "added" } else { "saved" },
        cell_line(&p.name),
        p.indicators.len(),
        p.threshold
    )?;
    for w in warnings {
        eprintln!("warning: {}", cell_line(w));
    }
    Ok(())
}

pub fn profile(
    format: Format,
    store: &mut Store,
    cmd: &ProfileCmd,
    out: &mut impl Write,
) -> Result<()> {
    match cmd {
        ProfileCmd::List => {
            let list = stored::list(store.conn())?;
            print_list(
                out,
                format,
                &list,
                &["name", "active", "indicators", "threshold", "updated", "by"],
                |p| {
                    vec![
                        p.name.clone(),
                        if p.active { "yes" } else { "no" }.into(),
                        p.indicators.to_string(),
                        p.threshold.to_string(),
                        p.updated_at.get(..10).unwrap_or(&p.updated_at).to_string(),
                        p.updated_by.clone(),
                    ]
                },
            )?;
        }
        ProfileCmd::Import { file } => {
            let text = super::read_text_at_most(
                file,
                crate::targeting::profile::MAX_TEXT as u64,
                "a profile",
            )?;
            let (p, warnings, new) = store
                .write(|w| stored::save(w, &text))
                .with_context(|| format!("{}", file.display()))?;
            if format == Format::Json {
                return print_json(
                    out,
                    &serde_json::json!({"profile": p, "warnings": warnings, "new": new}),
                );
            }
            print_saved(out, &p, &warnings, new)?;
        }
        ProfileCmd::Export { name, out: path } => {
            let Some((text, _)) = stored::text_of(store.conn(), name)? else {
                bail!(
                    "no profile {}: see `interdict profile list`",
                    cell_line(name)
                );
            };
            match path {
                Some(p) => {
                    crate::exchange::seal::write_private(p, text.as_bytes())
                        .with_context(|| format!("cannot write {}", p.display()))?;
                    writeln!(out, "wrote {}", p.display())?;
                }
                None => out.write_all(text.as_bytes())?,
            }
        }
        ProfileCmd::Edit { name } => edit(store, name, out)?,
        ProfileCmd::On { name } | ProfileCmd::Off { name } => {
            let on = matches!(cmd, ProfileCmd::On { .. });
            if !store.write(|w| stored::set_active(w, name, on))? {
                bail!(
                    "no profile {}: see `interdict profile list`",
                    cell_line(name)
                );
            }
            writeln!(
                out,
                "profile {} is {}",
                cell_line(name),
                if on { "on" } else { "off" }
            )?;
        }
        ProfileCmd::Remove { name } => {
            if !store.write(|w| stored::remove(w, name))? {
                bail!(
                    "no profile {}: see `interdict profile list`",
                    cell_line(name)
                );
            }
            writeln!(out, "removed profile {}", cell_line(name))?;
        }
    }
    Ok(())
}

/// `profile edit`: the profile's TOML (or a template) in the user's
/// editor, saved when it reads; a text that does not read is refused with
/// its line and field, and offered back to the editor on a terminal. The
/// stored profile is unchanged until a text reads.
fn edit(store: &mut Store, name: &str, out: &mut impl Write) -> Result<()> {
    let current = stored::text_of(store.conn(), name)?.map(|(t, _)| t);
    let text = current
        .clone()
        .unwrap_or_else(|| TEMPLATE.replace("NAME", name.trim()));
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    // A private folder of this process; swept if it is killed.
    let dir = crate::exchange::seal::work_dir_in(&std::env::temp_dir(), "profile")?;
    let file = dir.path().join("profile.toml");
    crate::exchange::seal::write_private(&file, text.as_bytes())?;
    loop {
        let mut parts = editor.split_whitespace();
        let program = parts.next().unwrap_or("vi");
        let status = std::process::Command::new(program)
            .args(parts)
            .arg(&file)
            .status()
            .with_context(|| format!("cannot run the editor {editor:?} (set $EDITOR)"))?;
        if !status.success() {
            bail!("the editor ended with {status}; the profile is unchanged");
        }
        let edited = std::fs::read_to_string(&file)?;
        if current.as_deref() == Some(edited.as_str()) || (current.is_none() && edited == text) {
            writeln!(out, "unchanged")?;
            return Ok(());
        }
        match store.write(|w| stored::save(w, &edited)) {
            Ok((p, warnings, new)) => return print_saved(out, &p, &warnings, new),
            Err(e) => {
                eprintln!("{}", cell_line(&e.to_string()));
                if !std::io::stdin().is_terminal() {
                    bail!("the profile is unchanged");
                }
                eprint!("edit again? [Y/n] ");
                let mut answer = String::new();
                std::io::stdin().read_line(&mut answer)?;
                if answer.trim().eq_ignore_ascii_case("n") {
                    bail!("the profile is unchanged");
                }
            }
        }
    }
}

/// One line per reason, for CSV.
const REASON_COLUMNS: &[&str] = &[
    "tracking",
    "profile",
    "score",
    "threshold",
    "indicator",
    "weight",
    "evidence",
];

fn reason_rows(tracking: &str, h: &Hit) -> Vec<Vec<String>> {
    h.reasons
        .iter()
        .map(|r| {
            vec![
                tracking.to_string(),
                h.profile.clone(),
                h.score.to_string(),
                h.threshold.to_string(),
                r.indicator.clone(),
                r.weight.to_string(),
                r.evidence.clone(),
            ]
        })
        .collect()
}

fn print_hit(out: &mut impl Write, head: &str, h: &Hit) -> Result<()> {
    writeln!(
        out,
        "{head} {}: {} (threshold {})",
        cell_line(&h.profile),
        h.score,
        h.threshold
    )?;
    for r in &h.reasons {
        writeln!(
            out,
            "    {:>+5}  {}: {}",
            r.weight,
            cell_line(&r.indicator),
            cell_line(&r.evidence)
        )?;
    }
    Ok(())
}

pub fn hits(
    format: Format,
    store: &Store,
    since: Option<&str>,
    limit: Option<usize>,
    out: &mut impl Write,
) -> Result<()> {
    let since = since
        .map(crate::domain::fields::parse_date)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--since: {e}"))?;
    // (A table shows the newest hundred and says how many there are; JSON
    // and CSV, read by programs, give all unless told otherwise.)
    let limit = limit.unwrap_or(match format {
        Format::Table => 100,
        _ => usize::MAX,
    });
    let list = stored::hits(store.conn(), since.as_deref(), limit)?;
    let total = stored::hits_count(store.conn(), since.as_deref())?;
    if (list.len() as i64) < total {
        eprintln!(
            "{} of {total} hits shown, the newest; use --limit for more",
            list.len()
        );
    }
    match format {
        Format::Json => print_json(out, &list)?,
        Format::Csv => {
            let mut headers = vec!["at"];
            headers.extend(REASON_COLUMNS);
            print_csv(
                out,
                &headers,
                list.iter().flat_map(|s| {
                    let h = Hit {
                        profile: s.profile.clone(),
                        score: s.score,
                        threshold: s.threshold,
                        reasons: s.reasons.clone(),
                    };
                    reason_rows(&s.tracking, &h).into_iter().map(|mut r| {
                        r.insert(0, s.at.clone());
                        r
                    })
                }),
            )?;
        }
        Format::Table => {
            if list.is_empty() {
                writeln!(
                    out,
                    "no hits{}",
                    since.map(|s| format!(" since {s}")).unwrap_or_default()
                )?;
            }
            for s in &list {
                let h = Hit {
                    profile: s.profile.clone(),
                    score: s.score,
                    threshold: s.threshold,
                    reasons: s.reasons.clone(),
                };
                print_hit(
                    out,
                    &format!(
                        "{} parcel {}",
                        s.at.get(..16).unwrap_or(&s.at).replace('T', " "),
                        cell_line(&s.tracking)
                    ),
                    &h,
                )?;
            }
        }
    }
    Ok(())
}

/// A failure to write the screen's output, as the screen reports it
/// (its I/O kind kept, so a closed pipe stays one).
fn stdout_error(e: anyhow::Error) -> imp::ImportError {
    let kind = e
        .chain()
        .find_map(|c| c.downcast_ref::<std::io::Error>().map(std::io::Error::kind))
        .unwrap_or(std::io::ErrorKind::Other);
    imp::ImportError::Io {
        path: "stdout".into(),
        source: std::io::Error::new(kind, e.to_string()),
    }
}

pub fn screen(
    format: Format,
    store: &mut Store,
    args: &ScreenArgs,
    out: &mut impl Write,
) -> Result<()> {
    // (A one-shot command: what it frees is soon made again.)
    super::memory::give_back_after(100);
    let prep = super::import::prepare(
        &args.file,
        args.mapping.as_deref(),
        args.encoding.as_deref(),
        args.delimiter,
        args.header_row,
        args.date_order,
    )?;
    let (profiles, watching) = match &args.profile {
        Some(name) => {
            let Some((text, _)) = stored::text_of(store.conn(), name)? else {
                bail!(
                    "no profile {}: see `interdict profile list`",
                    cell_line(name)
                );
            };
            let (p, _) = profile::parse(&text).map_err(|e| anyhow::anyhow!("{e}"))?;
            (vec![p], false)
        }
        None => {
            let (p, w) = Screener::new().settings(store.conn())?;
            (p.to_vec(), w)
        }
    };
    if profiles.is_empty() && !watching {
        bail!(
            "nothing to screen against: no active profile and an empty watchlist (`interdict profile import FILE`, `interdict watch add ...`)"
        );
    }
    let live = std::io::stderr().is_terminal();
    let mut last = Instant::now();
    let mut shown = false;
    let mut found: Vec<manifest::RowHit> = Vec::new();
    let mut first_hit = true;
    if format == Format::Csv {
        let mut headers = vec!["line"];
        headers.extend(REASON_COLUMNS);
        csv_writer(&mut *out, &headers)?.flush()?;
    }
    let today = today();
    let report = {
        let mut print = |h: manifest::RowHit| -> std::result::Result<(), imp::ImportError> {
            let mut write = || -> Result<()> {
                match format {
                    Format::Table => {
                        for hit in &h.hits {
                            print_hit(
                                out,
                                &format!(
                                    "line {} parcel {}{}",
                                    h.line,
                                    cell_line(&h.tracking),
                                    if h.held { " (in the notebook)" } else { "" }
                                ),
                                hit,
                            )?;
                        }
                    }
                    // Each hit's rows written as they come, as the JSON's.
                    Format::Csv => {
                        let mut w = csv::Writer::from_writer(&mut *out);
                        for hit in &h.hits {
                            for mut r in reason_rows(&h.tracking, hit) {
                                r.insert(0, h.line.to_string());
                                csv_row(&mut w, &r)?;
                            }
                        }
                        w.flush()?;
                    }
                    // Each hit written as it comes (a million rows' hits held
                    // for one document at the end weighed tens of MiB).
                    Format::Json => {
                        let sep = if first_hit {
                            "{\"hits\": [\n  "
                        } else {
                            ",\n  "
                        };
                        first_hit = false;
                        out.write_all(sep.as_bytes())?;
                        crate::domain::json::write_compact(&mut *out, &h)?;
                    }
                }
                Ok(())
            };
            write().map_err(stdout_error)?;
            // (Held to tell a tracking number the file has twice, kept
            // or not.)
            found.push(h);
            Ok(())
        };
        manifest::screen(
            store.conn(),
            &prep,
            &profiles,
            watching,
            &today,
            args.keep_hits,
            &mut print,
            |p: Progress| {
                if p.phase == Phase::Notebook && live {
                    // (On one line of an 80-column terminal.)
                    let pct = super::import::percent(&p);
                    if pct >= 100 {
                        eprint!("\r\x1b[Kscreen: reading the notebook: seized parcels, open cases");
                    } else {
                        eprint!(
                            "\r\x1b[Kscreen: reading the notebook: {} of {} identifiers ({pct}%)",
                            p.rows, p.total_bytes
                        );
                    }
                    shown = true;
                } else if live && last.elapsed() >= Duration::from_millis(200) {
                    let pct = super::import::percent(&p);
                    eprint!("\r\x1b[Kscreen: {} rows ({pct}%)", p.rows);
                    last = Instant::now();
                    shown = true;
                }
            },
        )?
    };
    if shown {
        eprint!("\r\x1b[K");
    }
    let hit_lines: std::collections::HashSet<u64> = found.iter().map(|h| h.line).collect();
    let (first, again) = twice_in_file(found);
    let (kept, mut twice) = if args.keep_hits {
        let kept = manifest::keep(store, &first)?;
        let twice = note_twice(store, &args.file, &first, &again, &kept)?;
        (Some(kept), twice)
    } else {
        // Said without keeping: which rows, and what differs.
        let said = again
            .iter()
            .filter_map(|(r, line)| {
                let f = first.iter().find(|f| f.line == *line)?;
                Some(twice_head(f, r, *line))
            })
            .collect();
        (None, said)
    };
    twice.extend(twice_unhit(&report, &hit_lines, args.keep_hits));
    match format {
        Format::Json => {
            // The hits are written; the rest of the document follows.
            if first_hit {
                write!(out, "{{\"hits\": [")?;
            }
            write!(out, "\n],\n\"kept\": ")?;
            crate::domain::json::write_compact(&mut *out, &kept)?;
            write!(out, ",\n\"twice\": ")?;
            crate::domain::json::write_compact(&mut *out, &twice)?;
            write!(out, ",\n\"report\": ")?;
            // (The rows that could not be read are listed up to 100: how
            // many more there are is said.)
            let mut v = serde_json::to_value(&report)?;
            v["errors_not_listed"] =
                serde_json::json!(report.unreadable.saturating_sub(report.errors.len() as u64));
            crate::domain::json::write_compact(&mut *out, &v)?;
            writeln!(out, "\n}}")?;
        }
        Format::Csv => {}
        Format::Table => {
            if report.hit == 0 && report.unreadable > 0 {
                // (Not a plain "no hits": the rows passed over were not
                // screened at all.)
                writeln!(
                    out,
                    "no hits among the {} rows read; {} rows could not be read and were not screened (see below)",
                    report.screened, report.unreadable
                )?;
            } else if report.hit == 0 {
                writeln!(out, "no hits")?;
            }
        }
    }
    if !report.ignored_columns.is_empty() {
        // What they hold reaches no indicator (a phone column under a
        // header the import does not know is screened against nothing).
        eprintln!(
            "ignored columns (screened against nothing; name their fields with --mapping): {}",
            cell_line(&crate::cli::output::first_few(&report.ignored_columns, 40))
        );
    }
    for n in &report.notices {
        // (Screened as they are: a phone with no country to read it in
        // meets no watched or seized number written otherwise.)
        eprintln!("{}", crate::cli::output::notice_line(n));
    }
    for e in report.errors.iter().take(10) {
        eprintln!("  skipped {}", cell_line(&e.to_string()));
    }
    if report.unreadable > 10 {
        eprintln!("  ... and {} more", report.unreadable - 10);
    }
    eprintln!(
        "{}: {} rows screened, {} hit, {} could not be read; against {}{}",
        cell_line(&report.file),
        report.screened,
        report.hit,
        report.unreadable,
        if report.profiles.is_empty() {
            "no profile".to_string()
        } else {
            report.profiles.join(", ")
        },
        if report.watchlist {
            " and the watchlist"
        } else {
            ""
        }
    );
    if report.held > 0 {
        eprintln!(
            "{} rows have tracking numbers the notebook holds already: each screened without its stored copy counting as another parcel",
            report.held
        );
    }
    if let Some(k) = kept {
        eprintln!(
            "kept: {} parcels added as targeted{}",
            k.added,
            if k.already.is_empty() {
                String::new()
            } else {
                format!(", {} already in the notebook", k.already.len())
            }
        );
    }
    for t in &twice {
        eprintln!("  {}", cell_line(t));
    }
    if report.screened == 0 && report.unreadable > 0 {
        bail!(
            "no row of {} could be read: nothing was screened",
            cell_line(&report.file)
        );
    }
    Ok(())
}

/// What is said of the tracking numbers the file has twice where not
/// both rows hit (those where both did are said with what differs): which
/// line hit, and that the other's data is not kept; those where neither
/// did, counted.
fn twice_unhit(
    report: &manifest::Report,
    hit: &std::collections::HashSet<u64>,
    keep: bool,
) -> Vec<String> {
    let mut said = Vec::new();
    let mut neither = 0u64;
    for t in &report.twice {
        let (a, b) = (t.first_line, t.line);
        let (hit_line, other) = match (hit.contains(&a), hit.contains(&b)) {
            (true, true) => continue,
            (false, false) => {
                neither += 1;
                continue;
            }
            (true, false) => (a, b),
            (false, true) => (b, a),
        };
        said.push(format!(
            "{}: twice in the file (lines {a} and {b}); only line {hit_line} hit{}",
            t.tracking,
            if keep {
                format!(", kept from it; line {other}'s data is not kept")
            } else {
                String::new()
            }
        ));
    }
    if neither > 0 {
        said.push(format!(
            "{neither} tracking numbers twice in the file, neither row hitting"
        ));
    }
    let unlisted = report.twice_rows.saturating_sub(report.twice.len() as u64);
    if unlisted > 0 {
        said.push(format!(
            "... and {unlisted} more rows with the tracking number of an earlier row"
        ));
    }
    said
}

/// The hit rows whose tracking number an earlier hit row of the file has:
/// (the first row of each number, the later ones with their first's line).
fn twice_in_file(
    found: Vec<manifest::RowHit>,
) -> (Vec<manifest::RowHit>, Vec<(manifest::RowHit, u64)>) {
    let key = |t: &str| {
        crate::domain::identifiers::tracking_key(t).unwrap_or_else(|| t.trim().to_uppercase())
    };
    let mut first_line: std::collections::HashMap<String, u64> = Default::default();
    let (mut first, mut again) = (Vec::new(), Vec::new());
    for r in found {
        match first_line.get(&key(&r.tracking)) {
            Some(l) => {
                let l = *l;
                again.push((r, l));
            }
            None => {
                first_line.insert(key(&r.tracking), r.line);
                first.push(r);
            }
        }
    }
    (first, again)
}

/// What is said of a tracking number the file has twice: both lines, and
/// what the later row gives otherwise.
fn twice_head(f: &manifest::RowHit, r: &manifest::RowHit, line: u64) -> String {
    let diff = match (&f.parcel, &r.parcel) {
        (Some(a), Some(b)) => differing(a, b),
        _ => Vec::new(),
    };
    format!(
        "{}: twice in the file (lines {line} and {}){}",
        r.tracking,
        r.line,
        if diff.is_empty() {
            String::new()
        } else {
            format!(
                ", line {} differs: {}",
                r.line,
                diff.iter()
                    .map(|(k, a, b)| format!("{k} {b} (line {line}: {a})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    )
}

/// A later row of a tracking number the file has twice: its data (where
/// it differs from the first row's) and its hits, as a note on the parcel
/// kept from the first row, so neither row's data is lost; said in the
/// summary. (Before, the second row was "already in the notebook" and
/// dropped.)
fn note_twice(
    store: &mut Store,
    file: &std::path::Path,
    first: &[manifest::RowHit],
    again: &[(manifest::RowHit, u64)],
    kept: &manifest::Kept,
) -> Result<Vec<String>> {
    use crate::domain::Note;
    use crate::domain::record::new_record;
    let mut said = Vec::new();
    if again.is_empty() {
        return Ok(said);
    }
    let name = file.display().to_string();
    store.write(|w| {
        for (r, line) in again {
            let Some(f) = first.iter().find(|f| f.line == *line) else {
                continue;
            };
            let hits: Vec<String> = r
                .hits
                .iter()
                .map(|h| {
                    format!(
                        "{} {}/{}: {}",
                        h.profile,
                        h.score,
                        h.threshold,
                        h.reasons
                            .iter()
                            .map(|x| x.evidence.as_str())
                            .collect::<Vec<_>>()
                            .join("; ")
                    )
                })
                .collect();
            let head = twice_head(f, r, *line);
            if kept.already.contains(&f.tracking) {
                said.push(format!(
                    "{head}; the notebook had the parcel already: neither row added"
                ));
                continue;
            }
            let Ok(parcel) =
                refs::resolve_kind(&w.tx, &f.tracking, crate::domain::ItemKind::Parcel)
            else {
                said.push(format!("{head}; not kept"));
                continue;
            };
            let mut text = format!(
                "Screen of {name}: {head}. Line {} was kept as this parcel; line {}'s hits: {}",
                line,
                r.line,
                hits.join(" | ")
            );
            if text.chars().count() > crate::domain::fields::MAX_LONG_TEXT {
                text = text
                    .chars()
                    .take(crate::domain::fields::MAX_LONG_TEXT - 1)
                    .collect::<String>()
                    + "…";
            }
            let (mut n, _) = new_record::<Note>(&[("text", text.as_str())])?;
            n.item_id = parcel.id;
            crate::store::create::note(w, &mut n)?;
            said.push(format!(
                "{head}; line {line} kept as the parcel, line {}'s data and hits in a note on it",
                r.line
            ));
        }
        Ok(())
    })?;
    Ok(said)
}

/// The fields two rows' parcels hold differently: (field, first, second).
fn differing(
    a: &crate::domain::Parcel,
    b: &crate::domain::Parcel,
) -> Vec<(String, String, String)> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(a), serde_json::to_value(b))
    else {
        return Vec::new();
    };
    let meta = [
        "id",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
        "origin_db",
    ];
    let shown = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "(none)".to_string(),
        Some(serde_json::Value::String(s)) => format!("{s:?}"),
        Some(v) => v.to_string(),
    };
    a.keys()
        .chain(b.keys().filter(|k| !a.contains_key(*k)))
        .filter(|k| !meta.contains(&k.as_str()) && a.get(*k) != b.get(*k))
        .map(|k| (k.clone(), shown(a.get(k)), shown(b.get(k))))
        .collect()
}

pub fn rescreen(
    format: Format,
    store: &mut Store,
    since: Option<&str>,
    out: &mut impl Write,
) -> Result<()> {
    let since = match since {
        Some(d) => {
            crate::domain::fields::parse_date(d).map_err(|e| anyhow::anyhow!("--since: {e}"))?
        }
        None => crate::targeting::score::days_before(&today(), 30),
    };
    let live = std::io::stderr().is_terminal();
    let mut last = Instant::now();
    let r = crate::targeting::rescreen(store, &since, &mut |done, total| {
        if live && (last.elapsed() >= Duration::from_millis(200) || done == total) {
            eprint!("\r\x1b[Krescreen: {done}/{total} parcels");
            last = Instant::now();
            if done == total {
                eprintln!();
            }
        }
    })?;
    if format == Format::Json {
        return print_json(
            out,
            &serde_json::json!({"since": since, "screened": r.screened, "hit": r.hit}),
        );
    }
    writeln!(
        out,
        "screened again {} parcel(s) recorded since {since}: {} hit (see `interdict hits`)",
        r.screened, r.hit
    )?;
    Ok(())
}
