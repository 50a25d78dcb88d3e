//! `interdict import csv`.

use super::args::{Format, ImportCsvArgs};
use super::commands::Ctx;
use super::output::{cell_line, print_json};
use crate::exchange::csv_import::{
    self as imp, Layout, Mapping, Options, Outcome, Phase, Prepared, Progress, Report,
};
use crate::store::Store;
use anyhow::{Context, Result, bail};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// Bad rows listed on the terminal when an import is refused.
const SHOWN_ERRORS: usize = 10;

/// A CSV file read for import or screening: its mapping (given, or its
/// headers recognised), encoding and delimiter.
/// The most bytes a column mapping (a few dozen lines of TOML) is read
/// with.
const MAX_MAPPING_BYTES: u64 = 1 << 20;

pub(super) fn prepare(
    file: &Path,
    mapping: Option<&Path>,
    encoding: Option<&str>,
    delimiter: Option<char>,
    header_row: Option<u64>,
    date_order: Option<crate::domain::fields::DateOrder>,
) -> Result<Prepared> {
    let mapping = match mapping {
        Some(p) => {
            let text = super::read_text_at_most(p, MAX_MAPPING_BYTES, "a column mapping")
                .with_context(|| format!("cannot read the mapping {}", p.display()))?;
            Some(Mapping::parse(&text, p)?)
        }
        None => None,
    };
    let encoding = encoding.map(imp::encoding_for).transpose()?;
    let delimiter = delimiter.map(imp::delimiter_byte).transpose()?;
    let layout = Layout {
        encoding,
        delimiter,
        header_row,
        date_order,
    };
    Ok(Prepared::with_layout(file, mapping.as_ref(), &layout)?)
}

/// How far a reading has got, in percent of the file's bytes.
pub(super) fn percent(p: &Progress) -> u64 {
    (p.bytes_read * 100)
        .checked_div(p.total_bytes)
        .map(|n| n.min(100))
        .unwrap_or(0)
}

pub fn csv(ctx: &Ctx, store: &mut Store, args: &ImportCsvArgs, out: &mut impl Write) -> Result<()> {
    let prep = prepare(
        &args.file,
        args.mapping.as_deref(),
        args.encoding.as_deref(),
        args.delimiter,
        args.header_row,
        args.date_order,
    )?;
    if let Some(p) = &args.save_mapping {
        crate::exchange::seal::write_private(p, prep.mapping().to_toml().as_bytes())
            .with_context(|| format!("cannot write the mapping {}", p.display()))?;
        eprintln!("mapping written to {}", cell_line(&p.display().to_string()));
    }
    let opts = Options {
        skip_bad: args.skip_bad,
        rejects: args.rejects.clone(),
        dry_run: args.dry_run,
        ..Options::default()
    };
    let live = std::io::stderr().is_terminal();
    let mut last = Instant::now();
    let mut shown = false;
    let before = crate::store::records::last_number(store.conn(), crate::domain::ItemKind::Parcel)?;
    let report = imp::run(store, &prep, &opts, |p: Progress| {
        if live && last.elapsed() >= Duration::from_millis(200) {
            show_progress(&p);
            last = Instant::now();
            shown = true;
        }
    })?;
    if shown {
        eprint!("\r\x1b[K");
    }
    let json = matches!(ctx.format, Format::Json);
    if json {
        // The errors listed are the first of them: how many more there
        // are is said (the list was cut at 20 without a word).
        let mut v = serde_json::to_value(&report)?;
        v["errors_not_listed"] =
            serde_json::json!(report.rejected.saturating_sub(report.errors.len() as u64));
        print_json(out, &v)?;
    } else {
        print_summary(out, &report)?;
    }
    // Imported parcels that name a known person or shop: suggested, not
    // linked.
    if report.outcome == Outcome::Imported && report.imported > 0 {
        let (n, first) = crate::xref::parcels_naming_parties(store.conn(), before, 5)?;
        if n > 0 {
            eprintln!(
                "note: {n} imported parcel{} name a known person or organisation ({}{}): `interdict xref TRACKING` shows whom and why",
                if n == 1 { "" } else { "s" },
                cell_line(&first.join(", ")),
                if n as usize > first.len() {
                    ", ..."
                } else {
                    ""
                }
            );
        }
    }
    if let Some(why) = became_bad(&report, args.skip_bad) {
        if !json {
            for e in report.errors.iter().take(SHOWN_ERRORS) {
                eprintln!("  {}", cell_line(&e.to_string()));
            }
        }
        bail!("{why}");
    }
    if report.outcome == Outcome::Refused {
        if !json {
            for e in report.errors.iter().take(SHOWN_ERRORS) {
                eprintln!("  {}", cell_line(&e.to_string()));
            }
            if report.rejected as usize > SHOWN_ERRORS {
                eprintln!("  ... and {} more", report.rejected as usize - SHOWN_ERRORS);
            }
        }
        let refused = if report.dry_run {
            "the import would be refused (dry run, nothing written)"
        } else {
            "nothing was imported"
        };
        if report.new == 0 {
            // (--skip-bad would import nothing: not worth offering.)
            let none = if report.duplicates == 0 {
                "no row is good".to_string()
            } else {
                format!(
                    "no row is new (the other {} are in the notebook already)",
                    report.duplicates
                )
            };
            bail!(
                "{}: {} of {} rows are bad and {none}; {refused}. Fix them",
                report.file,
                report.rejected,
                report.read,
            );
        }
        bail!(
            "{}: {} of {} rows are bad; {refused}. Fix them, or re-run with --skip-bad to import the {} good row{} (bad rows go to {})",
            report.file,
            report.rejected,
            report.read,
            report.new,
            if report.new == 1 { "" } else { "s" },
            args.rejects
                .clone()
                .unwrap_or_else(|| imp::default_rejects_path(&args.file))
                .display()
        );
    }
    Ok(())
}

fn show_progress(p: &Progress) {
    let verb = match p.phase {
        Phase::Checking => "checking",
        Phase::Writing => "writing",
        Phase::Notebook => "reading the notebook:",
    };
    let pct = percent(p);
    eprint!(
        "\r\x1b[Kimport: {verb} {} rows ({pct}%), {} imported, {} duplicates, {} rejected",
        p.rows, p.imported, p.duplicates, p.rejected
    );
}

fn print_summary(out: &mut impl Write, r: &Report) -> Result<()> {
    let file = cell_line(&r.file);
    match r.outcome {
        Outcome::Imported => writeln!(
            out,
            "{file}: {} rows read, {} imported, {} duplicates, {} rejected{}",
            r.read,
            r.imported,
            r.duplicates,
            r.rejected,
            blank(r)
        )?,
        Outcome::DryRun => writeln!(
            out,
            "{file} (dry run, nothing written): {} rows read, {} would be imported, {} duplicates, {} rejected{}",
            r.read,
            r.new,
            r.duplicates,
            r.rejected,
            blank(r)
        )?,
        Outcome::Refused => writeln!(
            out,
            "{file}{}: {} rows read, {} good, {} duplicates, {} rejected{}; {}",
            if r.dry_run {
                " (dry run, nothing written)"
            } else {
                ""
            },
            r.read,
            r.new,
            r.duplicates,
            r.rejected,
            blank(r),
            if r.dry_run {
                "the import would be refused"
            } else {
                "nothing imported"
            }
        )?,
    }
    if r.header_line > 1 {
        writeln!(
            out,
            "header on line {} (the lines above it skipped as a title or notes)",
            r.header_line
        )?;
    }
    let cols: Vec<String> = r
        .columns
        .iter()
        .map(|c| match c.currency {
            Some(code) => format!(
                "{} -> {} (in {code} where a row says no currency)",
                c.column, c.field
            ),
            None => format!("{} -> {}", c.column, c.field),
        })
        .collect();
    writeln!(out, "columns: {}", cell_line(&cols.join(", ")))?;
    if !r.ignored_columns.is_empty() {
        writeln!(
            out,
            "ignored columns: {}",
            cell_line(&crate::cli::output::first_few(&r.ignored_columns, 40))
        )?;
    }
    for n in &r.notices {
        // (Imported as they are, as `add` keeps one parcel with them: a
        // person looks.)
        writeln!(out, "{}", crate::cli::output::notice_line(n))?;
    }
    if !r.missing_columns.is_empty() {
        writeln!(
            out,
            "mapped columns not in the file: {}",
            cell_line(&r.missing_columns.join(", "))
        )?;
    }
    if r.outcome != Outcome::Refused {
        for e in r.errors.iter().take(SHOWN_ERRORS) {
            writeln!(out, "  {}", cell_line(&e.to_string()))?;
        }
        if r.rejected as usize > SHOWN_ERRORS.min(r.errors.len()) {
            writeln!(
                out,
                "  ... and {} more",
                r.rejected as usize - SHOWN_ERRORS.min(r.errors.len())
            )?;
        }
    }
    if let Some(f) = &r.rejects_file {
        writeln!(
            out,
            "rejected rows written to {} (UTF-8, with line and error columns)",
            cell_line(f)
        )?;
    }
    if let Some(f) = &r.stale_rejects_removed {
        writeln!(
            out,
            "no row rejected: the rejects file of an earlier import, {}, was removed",
            cell_line(f)
        )?;
    }
    Ok(())
}

fn blank(r: &Report) -> String {
    if r.blank > 0 {
        format!(", {} blank", r.blank)
    } else {
        String::new()
    }
}

/// Rows that passed the first reading's check and were rejected as they
/// were written (a colleague wrote the same parcels with other values
/// meanwhile): without `--skip-bad` the import promised all or nothing,
/// and what its finished steps wrote stays, so it says so and fails.
fn became_bad(r: &imp::Report, skip_bad: bool) -> Option<String> {
    (r.outcome == Outcome::Imported && r.rejected > 0 && !skip_bad).then(|| {
        format!(
            "{}: {} row{} became bad while the import wrote (written meanwhile by someone else with other values), after every row had passed its check; the other {} are imported{}. Look at {}, and import it again once fixed",
            cell_line(&r.file),
            r.rejected,
            if r.rejected == 1 { "" } else { "s" },
            r.imported,
            if r.duplicates > 0 {
                format!(" ({} duplicates)", r.duplicates)
            } else {
                String::new()
            },
            r.rejects_file
                .as_deref()
                .map_or_else(|| "the rows named above".to_string(), cell_line)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_rejected_as_they_were_written_fail_the_import_unless_skipped() {
        let mut r = imp::Report {
            file: "in.csv".into(),
            outcome: Outcome::Imported,
            ..Default::default()
        };
        r.imported = 19_999;
        r.rejected = 1;
        r.rejects_file = Some("in.rejects.csv".into());
        let why = became_bad(&r, false).expect("fails");
        assert!(
            why.contains("1 row became bad") && why.contains("19999 are imported"),
            "{why}"
        );
        assert!(why.contains("in.rejects.csv"), "{why}");
        assert_eq!(became_bad(&r, true), None, "--skip-bad: as asked");
        r.rejected = 0;
        assert_eq!(became_bad(&r, false), None);
        r.rejected = 3;
        r.outcome = Outcome::Refused;
        assert_eq!(became_bad(&r, false), None, "refused: said as before");
    }
}
