//! Partners' formats: STIX 2.1 bundles, MISP events and incident summaries.

use super::args::{ExportArgs, Format};
use crate::domain::ItemKind;
use crate::exchange::{stix, summary};
use crate::store::Store;
use crate::store::refs;
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::Path;

/// Writes `text` to the file named by `--out`, or to `out`.
/// Writes a text export (STIX, MISP, an incident report, a DOT graph),
/// each card number in it masked but for its last four digits, whatever
/// `--show-cards` says: what leaves for partners never carries one whole.
fn emit(args: &ExportArgs, text: &str, out: &mut impl Write) -> Result<()> {
    let text = crate::domain::identifiers::masked_text(text);
    if let Some(p) = written(args, text.as_bytes(), out)? {
        eprintln!("wrote {p}");
    }
    Ok(())
}

/// Writes what an export made to `--out` (encrypted to each
/// `--encrypt-to` recipient, when given) or to `out`; returns what to
/// call the file written, if one was. Encrypted bytes are never written
/// to a terminal or a pipe: `--encrypt-to` needs `--out`.
pub(super) fn written(
    args: &ExportArgs,
    bytes: &[u8],
    out: &mut impl Write,
) -> Result<Option<String>> {
    use crate::exchange::seal;
    let to = seal::recipients(&args.encrypt_to)?;
    match (&args.out, to.is_empty()) {
        (Some(p), true) => {
            seal::write_private(p, bytes)?;
            Ok(Some(p.display().to_string()))
        }
        (Some(p), false) => {
            seal::encrypt_bytes(bytes, p, &to)?;
            Ok(Some(format!("{} (encrypted)", p.display())))
        }
        (None, true) => {
            out.write_all(bytes)?;
            Ok(None)
        }
        (None, false) => bail!("--encrypt-to writes an encrypted file: name it with --out FILE"),
    }
}

/// What the export's flags let leave (`--include-red`, `--amber-strict`).
pub fn release(store: &Store, args: &ExportArgs) -> Result<crate::exchange::handling::Release> {
    let mut include_red = std::collections::HashSet::new();
    for r in &args.include_red {
        include_red.insert(
            refs::resolve(store.conn(), r)
                .with_context(|| format!("--include-red {r}"))?
                .id,
        );
    }
    Ok(crate::exchange::handling::Release {
        include_red,
        amber_strict: args.amber_strict,
        redact_sources: args.redact_sources,
    })
}

pub fn stix(store: &Store, args: &ExportArgs, out: &mut impl Write) -> Result<()> {
    let conn = store.conn();
    let [case] = args.cases.as_slice() else {
        bail!("--stix takes exactly one --case (got {})", args.cases.len());
    };
    let case = refs::resolve_kind(conn, case, ItemKind::Case)?;
    // RED items named by reference or id (notes have only ids).
    let mut include_red = Vec::new();
    for r in &args.include_red {
        include_red.push(
            refs::resolve(conn, r)
                .with_context(|| format!("--include-red {r}"))?
                .id,
        );
    }
    let opts = stix::StixOptions {
        agency: args.agency.clone(),
        exporter: store.actor().to_string(),
        include_red,
        amber_strict: args.amber_strict,
        redact_sources: args.redact_sources,
    };
    let bundle = stix::case_bundle(conn, case.id, &opts)?;
    let mut text = crate::domain::json::pretty(&bundle)?;
    text.push('\n');
    emit(args, &text, out)
}

pub fn misp(store: &Store, args: &ExportArgs, out: &mut impl Write) -> Result<()> {
    let conn = store.conn();
    let [case] = args.cases.as_slice() else {
        bail!("--misp takes exactly one --case (got {})", args.cases.len());
    };
    let case = refs::resolve_kind(conn, case, ItemKind::Case)?;
    let rel = release(store, args)?;
    let event = crate::exchange::misp::case_event(conn, case.id, &rel)?;
    let mut text = crate::domain::json::pretty(&event)?;
    text.push('\n');
    emit(args, &text, out)
}

/// The largest MISP event file imported: one transaction holds the
/// notebook while it is written, so it is kept to what takes about a
/// second (a MISP event from a partner is tens of kilobytes).
const MAX_MISP_EVENT: u64 = 4 << 20;

/// A JSON file's bytes as text: UTF-8 (a byte-order mark is read past by
/// the JSON reader), or why not, naming the line and column of the first
/// byte that is not UTF-8, or the UTF-16 a byte-order mark says it is in
/// (it said only "stream did not contain valid UTF-8").
fn json_text(bytes: Vec<u8>) -> std::result::Result<String, String> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(format!(
            "the file is UTF-16 ({}, by its byte-order mark); JSON is read as UTF-8: save it as UTF-8 (iconv -f UTF-16 -t UTF-8)",
            if bytes[0] == 0xFF {
                "little-endian"
            } else {
                "big-endian"
            }
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let before = &bytes[..at];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let start = before.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
        // (The column in characters: what comes before the bad byte on
        // its line is UTF-8.)
        let column = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
        format!(
            "not UTF-8 at line {line}, column {column} (byte 0x{:02X}, the file's byte {}): JSON is read as UTF-8; save the file as UTF-8",
            bytes[at],
            at + 1
        )
    })
}

pub fn import_misp(
    ctx: &super::commands::Ctx,
    store: &mut Store,
    file: &Path,
    dry_run: bool,
    out: &mut impl Write,
) -> Result<()> {
    let size = std::fs::metadata(file)
        .with_context(|| format!("reading {}", file.display()))?
        .len();
    if size > MAX_MISP_EVENT {
        bail!(
            "{}: {size} bytes; a MISP event is read whole and imported in one transaction, so at most {MAX_MISP_EVENT} bytes (split the event)",
            file.display()
        );
    }
    // (Read up to its cap whatever it is: a pipe or device has no size.)
    let bytes = super::read_at_most(
        file,
        MAX_MISP_EVENT,
        "a MISP event (read whole and imported in one transaction)",
    )?;
    let text = json_text(bytes).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let name = file.display().to_string();
    let import = |w: &mut crate::store::Writer<'_>| {
        crate::exchange::misp::import_event(w, &text, &name, dry_run).map(|r| (r, !dry_run))
    };
    let report = if dry_run {
        // Tried on a private copy of the notebook: colleagues never wait
        // on a dry run.
        let (_dir, mut trial) = store.trial_copy()?;
        trial.write_maybe(import)?
    } else {
        store.write_maybe(import)?
    };
    if ctx.format == super::args::Format::Json {
        return super::output::print_json(out, &serde_json::to_value(&report)?);
    }
    let added: Vec<String> = report
        .added
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    writeln!(
        out,
        "{}MISP event {} as case {}: added {}; {} already here{}",
        if dry_run {
            "(dry run, nothing written) "
        } else {
            ""
        },
        report.event,
        super::output::cell_line(&report.case),
        if added.is_empty() {
            "nothing".into()
        } else {
            added.join(", ")
        },
        report.already_here,
        if report.skipped.is_empty() {
            String::new()
        } else {
            format!(
                "; objects of other templates left out: {}",
                report
                    .skipped
                    .iter()
                    .map(|(k, n)| format!("{n} {k}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    )?;
    for n in &report.notices {
        writeln!(out, "  {}", super::output::cell_line(n))?;
    }
    Ok(())
}

pub fn incident(
    format: Format,
    store: &Store,
    parcel: &str,
    args: &ExportArgs,
    out: &mut impl Write,
) -> Result<()> {
    let conn = store.conn();
    let target = refs::resolve(conn, parcel)?;
    let rel = release(store, args)?;
    let who = crate::exchange::incident::Reporting {
        country: args
            .country
            .as_deref()
            .map(crate::domain::country::parse)
            .transpose()
            .map_err(|m| anyhow::anyhow!("--country: {m}"))?,
        agency: args.agency.clone(),
        focal_point: Some(
            args.focal_point
                .clone()
                .unwrap_or_else(|| store.actor().to_string()),
        ),
        national_reference: args.national_reference.clone(),
        report_date: jiff::ZonedDateTime::now().date().to_string(),
    };
    let report = crate::exchange::incident::gather(conn, &target, &who, &rel)?;
    let text = match format {
        Format::Json => format!("{}\n", crate::domain::json::pretty(&report)?),
        Format::Csv => {
            let mut buf = Vec::new();
            super::output::print_csv(
                &mut buf,
                crate::exchange::incident::CSV_COLUMNS,
                crate::exchange::incident::csv_rows(&report),
            )?;
            String::from_utf8(buf)?
        }
        Format::Table => summary::incident_text(conn, &report)?,
    };
    emit(args, &text, out)
}

#[cfg(test)]
mod tests {
    use super::json_text;

    /// A file that is not UTF-8 is named with the line and column of its
    /// first bad byte, or as the UTF-16 its byte-order mark says (it said
    /// only "stream did not contain valid UTF-8").
    #[test]
    fn a_json_file_not_utf8_is_named_where() {
        let e = json_text(b"{\n  \"info\": \"Op \xC0 x\"\n}".to_vec()).unwrap_err();
        assert!(e.contains("line 2, column 15") && e.contains("0xC0"), "{e}");
        let e = json_text(vec![0xFF, 0xFE, b'{', 0]).unwrap_err();
        assert!(e.contains("UTF-16 (little-endian"), "{e}");
        assert_eq!(
            json_text("{\"a\": \"Ж\"}".as_bytes().to_vec()).unwrap(),
            "{\"a\": \"Ж\"}"
        );
    }
}
