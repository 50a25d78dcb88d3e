//! Lists as CSV (safe to open in a spreadsheet) and incident summaries.

mod common;

use common::Nb;
use serde_json::Value;

const HYPERLINK: &str = "=HYPERLINK(\"http://example.invalid/x\",\"open me\")";

fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (headers, rows)
}

fn column(headers: &[String], name: &str) -> usize {
    headers
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
}

fn hostile_notebook() -> Nb {
    let nb = Nb::new();
    nb.ok(&[
        "add",
        "case",
        "--title",
        "@SUM(1+1) operation",
        "--summary",
        "line one, with a comma\nline two",
    ]);
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--origin",
        "KZ",
        "--destination",
        "DE",
        "--sender-name",
        HYPERLINK,
        "--sender-phone",
        "+7 701 555 0142",
        "--recipient-name",
        "Anna \"Ann\" Weber",
        "--declared",
        "tea, \"sample\"",
        "--case",
        "C-0001",
    ]);
    nb
}

#[test]
fn csv_lists_have_a_header_and_neutralise_formulas() {
    let nb = hostile_notebook();
    let text = nb.ok(&["list", "parcels", "--format", "csv"]);
    let (headers, rows) = parse_csv(&text);
    assert_eq!(
        &headers[..6],
        [
            "tracking",
            "status",
            "route",
            "sender",
            "recipient",
            "declared"
        ]
    );
    assert!(headers.contains(&"sender_phone".to_string()));
    assert_eq!(headers.last().unwrap(), "id");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row[column(&headers, "tracking")], "RR123456785KZ");
    assert_eq!(row[column(&headers, "sender")], format!("'{HYPERLINK}"));
    assert_eq!(
        row[column(&headers, "sender_name")],
        format!("'{HYPERLINK}")
    );
    assert_eq!(row[column(&headers, "sender_phone")], "'+7 701 555 0142");
    assert_eq!(row[column(&headers, "route")], "KZ>DE");
    // No cell of the file starts a formula.
    for cell in row {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "unsafe cell {cell:?}"
        );
    }

    let cases = nb.ok(&["list", "cases", "--format", "csv"]);
    let (headers, rows) = parse_csv(&cases);
    assert_eq!(
        &headers[..6],
        ["ref", "status", "opened", "tlp", "parcels", "title"]
    );
    assert_eq!(rows[0][column(&headers, "title")], "'@SUM(1+1) operation");
    assert_eq!(rows[0][column(&headers, "parcels")], "1");
}

#[test]
fn csv_round_trips_through_the_csv_crate() {
    let nb = hostile_notebook();
    let json = nb.json(&["list", "parcels"]);
    let p = &json[0];
    let text = nb.ok(&["list", "parcels", "--format", "csv"]);
    let (headers, rows) = parse_csv(&text);
    let row = &rows[0];
    // Every field comes back as stored, once the guarding quote is dropped.
    for name in [
        "tracking",
        "sender_name",
        "sender_phone",
        "recipient_name",
        "declared_contents",
        "origin",
        "destination",
        "status",
    ] {
        let cell = &row[column(&headers, name)];
        let cell = match cell.strip_prefix('\'') {
            Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
            _ => cell.as_str(),
        };
        assert_eq!(cell, p[name].as_str().unwrap(), "{name}");
    }
    assert_eq!(row[column(&headers, "id")], p["id"].as_str().unwrap());
    // Commas, quotes and newlines stay inside their cells.
    assert_eq!(row[column(&headers, "declared")], "tea, \"sample\"");
    assert_eq!(row[column(&headers, "recipient")], "Anna \"Ann\" Weber");
    let (headers, rows) = parse_csv(&nb.ok(&["list", "cases", "--format", "csv"]));
    assert_eq!(
        rows[0][column(&headers, "summary")],
        "line one, with a comma\nline two"
    );
}

#[test]
fn csv_is_refused_where_it_does_not_apply() {
    let nb = hostile_notebook();
    let err = nb.fails(&["show", "C-0001", "--format", "csv"]);
    assert!(err.contains("--format csv applies to list"), "{err}");
    // Refused before anything is written.
    let err = nb.fails(&["add", "case", "--title", "Never", "--format", "csv"]);
    assert!(err.contains("--format csv applies to list"), "{err}");
    assert_eq!(nb.count("cases"), 1);
    // Other lists take it.
    let log = nb.ok(&["audit", "log", "--format", "csv"]);
    assert!(
        log.starts_with("seq,at,by,action,kind,item,changes\n"),
        "{log}"
    );
}

/// The first seized parcel of the demo's first case.
fn demo_seizure(nb: &Nb) -> String {
    nb.ok(&["demo", "--parcels", "200", "--seed", "42"]);
    let parcels = nb.json(&["list", "parcels", "--case", "C-0001"]);
    parcels
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["status"] == "seized")
        .map(|p: &Value| p["tracking"].as_str().unwrap().to_string())
        .expect("a seized parcel in C-0001")
}

#[test]
fn incident_summary_of_a_demo_seizure() {
    let nb = Nb::new();
    let tracking = demo_seizure(&nb);
    let today = || jiff::ZonedDateTime::now().date().to_string();
    let before = today();
    let text = nb.ok(&[
        "export",
        "--incident",
        &tracking,
        "--agency",
        "Test Customs",
    ]);
    assert!(text.contains(&tracking));
    // The report is dated the day it is made (the day before or after
    // midnight, for a run across it); the snapshot holds the rest.
    let dated = |day: &str| text.contains(&format!("\nReport date:         {day}\n"));
    assert!(dated(&before) || dated(&today()), "{text}");
    insta::with_settings!({filters => vec![
        (r"(?m)^(Report date: +)\d{4}-\d{2}-\d{2}$", "${1}[today]"),
    ]}, {
        insta::assert_snapshot!("incident_demo_seizure", text);
    });

    // --out writes the same text to a file.
    let out = nb._dir.path().join("incident.txt");
    nb.ok(&[
        "export",
        "--incident",
        &tracking,
        "--agency",
        "Test Customs",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
}

#[test]
fn incident_summary_of_a_bare_parcel_says_what_is_missing() {
    let nb = Nb::new();
    nb.ok(&["add", "parcel", "--tracking", "RR123456785KZ"]);
    let text = nb.ok(&["export", "--incident", "RR123456785KZ"]);
    assert!(text.contains("Reporting agency:  not recorded"), "{text}");
    assert!(text.contains("Substances:        not recorded"), "{text}");
    assert!(text.contains("Linked cases:      none"), "{text}");
    let err = nb.fails(&["export", "--incident", "C-0009"]);
    assert!(err.contains("C-0009"), "{err}");
}
