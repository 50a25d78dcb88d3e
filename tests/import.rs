//! `interdict import csv`, run as a user would: the real binary on temp
//! files, with the spreadsheets officers actually receive.

mod common;

use common::{Nb, s};
use interdict::exchange::demo::s10_number;
use std::path::{Path, PathBuf};

fn write(nb: &Nb, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = nb._dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn verified(nb: &Nb) {
    let out = nb.ok(&["audit", "verify"]);
    assert!(out.contains("audit log intact"), "{out}");
    assert!(out.contains("records match the audit"), "{out}");
}

fn stored(nb: &Nb, tracking: &str, field: &str) -> Option<String> {
    let c = rusqlite::Connection::open(&nb.db).unwrap();
    c.query_row(
        &format!("SELECT {field} FROM parcels WHERE tracking = ?1"),
        [tracking],
        |r| r.get(0),
    )
    .unwrap()
}

fn no_raw_controls(s: &str) {
    assert!(!s.contains('\x1b'), "raw ESC in {s:?}");
    assert!(!s.contains('\u{202e}'), "raw bidi override in {s:?}");
}

#[test]
fn bad_rows_stop_the_import_and_name_line_and_field() {
    let nb = Nb::new();
    let csv = format!(
        "Tracking number,Origin,Weight (g),Seizure date\n\
         {},CN,120,2026-03-01\n\
         {},CN,heavy,2026-03-01\n\
         {},IN,50,2026-02-30\n\
         ,NL,10,\n\
         ZZ123456785KZ,KZ,10,\n",
        s10_number("RR", 1, "CN"),
        s10_number("RR", 2, "CN"),
        s10_number("EE", 3, "IN"),
    );
    let f = write(&nb, "seizures.csv", csv);
    let err = nb.fails(&["import", "csv", s(&f)]);
    assert!(
        err.contains("line 3, column \"Weight (g)\" (weight_g): \"heavy\" is not a number"),
        "{err}"
    );
    assert!(
        err.contains("line 4, column \"Seizure date\" (seized_on)"),
        "{err}"
    );
    assert!(
        err.contains("line 5, column \"Tracking number\" (tracking): is required"),
        "{err}"
    );
    assert!(
        err.contains("3 of 5 rows are bad; nothing was imported"),
        "{err}"
    );
    assert!(err.contains("--skip-bad"), "{err}");
    assert_eq!(nb.count("parcels"), 0);
    assert_eq!(nb.count("sources"), 0);
    assert!(!nb._dir.path().join("seizures.rejects.csv").exists());

    // --dry-run says what would happen and writes nothing.
    let out = nb.ok(&["import", "csv", s(&f), "--dry-run", "--skip-bad"]);
    assert!(out.contains("2 would be imported"), "{out}");
    assert_eq!(nb.count("parcels"), 0);

    // --skip-bad: the good rows go in (an unknown S10 service indicator is
    // only a warning), the bad ones to the rejects file.
    let out = nb.ok(&["import", "csv", s(&f), "--skip-bad"]);
    assert!(
        out.contains("5 rows read, 2 imported, 0 duplicates, 3 rejected"),
        "{out}"
    );
    assert_eq!(nb.count("parcels"), 2);
    assert_eq!(nb.count("provenance"), 2);
    let rejects = std::fs::read_to_string(nb._dir.path().join("seizures.rejects.csv")).unwrap();
    let mut r = csv::Reader::from_reader(rejects.as_bytes());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "Tracking number",
            "Origin",
            "Weight (g)",
            "Seizure date",
            "line",
            "error"
        ]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(&rows[0][2], "heavy");
    assert_eq!(&rows[0][4], "3");
    assert!(rows[0][5].contains("weight_g"));
    assert_eq!(&rows[2][4], "5");
    verified(&nb);
    // One audit entry for the import itself, with its report.
    let c = rusqlite::Connection::open(&nb.db).unwrap();
    let (n, after): (i64, String) = c
        .query_row(
            &format!(
                "SELECT count(*), max(detail) FROM audit WHERE action = {}",
                interdict::store::audit::names::Name::Action.sql("import")
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(n, 1);
    let report: serde_json::Value = serde_json::from_str(&after).unwrap();
    assert_eq!(report["imported"], 2);
    let (kind, sha): (String, String) = c
        .query_row("SELECT kind, file_sha256 FROM sources", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(kind, "import");
    assert_eq!(sha.len(), 64);
}

#[test]
fn utf8_bom_crlf_quotes_and_quoted_newlines() {
    let nb = Nb::new();
    let (a, b, c) = (
        s10_number("RR", 10, "CN"),
        s10_number("RR", 11, "CN"),
        s10_number("RR", 12, "CN"),
    );
    let csv = format!(
        "\u{feff}Tracking;Declared contents;Sender address\r\n\
         {a};\"tea \"\"sample\"\"; gift\";\"Guangzhou; Baiyun 12\"\r\n\
         {b};pigment;\"Line one\r\nline two\"\r\n\
         {c};\"comma, inside\";Shenzhen\r\n"
    );
    let f = write(&nb, "bom.csv", csv);
    let out = nb.ok(&["import", "csv", s(&f)]);
    assert!(out.contains("3 rows read, 3 imported"), "{out}");
    // A spreadsheet cell typed over two lines fills a one-line field with
    // its lines joined; the row after it keeps its true line number (5).
    assert_eq!(
        stored(&nb, &b, "sender_address").unwrap(),
        "Line one, line two"
    );
    assert_eq!(
        stored(&nb, &a, "declared_contents").unwrap(),
        "tea \"sample\"; gift"
    );
    assert_eq!(
        stored(&nb, &a, "sender_address").unwrap(),
        "Guangzhou; Baiyun 12"
    );
    assert_eq!(
        stored(&nb, &c, "declared_contents").unwrap(),
        "comma, inside"
    );
    let c_db = rusqlite::Connection::open(&nb.db).unwrap();
    let line: i64 = c_db
        .query_row(
            "SELECT pr.line FROM provenance pr JOIN parcels p ON p.id = pr.item_id WHERE p.tracking = ?1",
            [&c],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(line, 5);
    // The BOM did not stick to the first header.
    let v = nb.json(&["import", "csv", s(&f), "--skip-bad", "--dry-run"]);
    assert_eq!(v["columns"][0]["column"], "Tracking");
    assert_eq!(v["delimiter"], ";");
    verified(&nb);
}

#[test]
fn duplicates_and_reimport_add_nothing() {
    let nb = Nb::new();
    let (a, b) = (s10_number("RR", 20, "CN"), s10_number("CP", 21, "CN"));
    let csv = format!(
        "tracking,sender phone,recipient,weight_g\n\
         {a},+86 138 0013 8000,Ivan Petrov,100\n\
         {b},+86 138 0013 8001,Ivan Petrov,200\n\
         {a},+86 138 0013 8000,Ivan Petrov,100\n\
         {a},+86 138 0013 8000,Ivan Petrov,999\n"
    );
    let f = write(&nb, "dups.csv", csv);
    let v = nb.json(&["import", "csv", s(&f), "--skip-bad"]);
    assert_eq!(v["imported"], 2, "{v}");
    assert_eq!(v["duplicates"], 1);
    assert_eq!(v["rejected"], 1);
    assert_eq!(v["errors"][0]["line"], 5);
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("line 2 too, with different values"),
        "{v}"
    );
    let before = (
        nb.count("parcels"),
        nb.count("occurrences"),
        nb.count("search_items"),
    );
    let v = nb.json(&["import", "csv", s(&f), "--skip-bad"]);
    assert_eq!(v["imported"], 0, "{v}");
    assert_eq!(v["duplicates"], 3);
    assert_eq!(
        (
            nb.count("parcels"),
            nb.count("occurrences"),
            nb.count("search_items")
        ),
        before
    );
    // The cross-reference index knows the shared phone.
    let show = nb.ok(&["show", &b]);
    assert!(show.contains("Ivan Petrov"), "{show}");
    // A changed value is not merged silently: the row is rejected naming
    // the parcel and the field.
    let changed = write(&nb, "changed.csv", format!("tracking,weight_g\n{b},250\n"));
    let err = nb.fails(&["import", "csv", s(&changed)]);
    assert!(
        err.contains(&format!("parcel {b} is already in the notebook")),
        "{err}"
    );
    assert!(
        err.contains("weight_g (file 250.0, notebook 200.0)"),
        "{err}"
    );
    verified(&nb);
}

/// A row of UTF-8 text in a file read as windows-1251 (two systems'
/// exports joined) is said, naming its line and column: it was stored as
/// `РђР№РіСѓР»СЊ` without a word.
#[test]
fn a_utf8_row_in_a_windows_1251_file_is_said() {
    let nb = Nb::new();
    let (a, b) = (s10_number("RR", 1006, "CN"), s10_number("RR", 1010, "CN"));
    let head = format!("Трек-номер;Получатель;Вес (г)\n{a};Иван Петров;250\n");
    let (cp1251, _, bad) = encoding_rs::WINDOWS_1251.encode(&head);
    assert!(!bad);
    let mut bytes = cp1251.into_owned();
    bytes.extend_from_slice(format!("{b};Айгуль Нурланова;200\n").as_bytes());
    let f = write(&nb, "mixed.csv", &bytes);
    let err = nb.fails(&["import", "csv", s(&f), "--encoding", "windows-1251"]);
    assert!(
        err.contains("line 3") && err.contains("Айгуль Нурланова") && err.contains("UTF-8 text"),
        "{err}"
    );
    assert_eq!(nb.count("parcels"), 0);
    let out = nb.ok(&[
        "import",
        "csv",
        s(&f),
        "--encoding",
        "windows-1251",
        "--skip-bad",
    ]);
    assert!(out.contains("1 imported"), "{out}");
    let shown = nb.json(&["show", &a]);
    assert_eq!(shown["recipient_name"], "Иван Петров", "{shown}");
}

#[test]
fn windows_1251_needs_its_encoding() {
    let nb = Nb::new();
    let t = s10_number("RR", 30, "KZ");
    let text = format!("Трек-номер\tОтправитель\tВес (г)\n{t}\tИван Петров\t250\n");
    let (bytes, _, bad) = encoding_rs::WINDOWS_1251.encode(&text);
    assert!(!bad);
    let f = write(&nb, "cp1251.tsv", &bytes);
    let err = nb.fails(&["import", "csv", s(&f)]);
    assert!(
        err.contains("line 1: not UTF-8; pass --encoding windows-1251"),
        "{err}"
    );
    let err = nb.fails(&["import", "csv", s(&f), "--encoding", "klingon"]);
    assert!(err.contains("unknown encoding \"klingon\""), "{err}");
    // The Russian headers are recognised without a mapping.
    let out = nb.ok(&["import", "csv", s(&f), "--encoding", "windows-1251"]);
    assert!(out.contains("1 rows read, 1 imported"), "{out}");
    assert!(
        out.contains("Отправитель -> sender_name, Вес (г) -> weight_g"),
        "{out}"
    );
    assert!(!out.contains("ignored columns"), "{out}");
    let map = write(
        &nb,
        "ru.toml",
        "encoding = \"windows-1251\"\n[columns]\n\"Трек-номер\" = \"tracking\"\n\"Отправитель\" = \"sender_name\"\n\"Вес (г)\" = \"weight_g\"\n",
    );
    let nb2 = Nb::new();
    let out = nb2.ok(&["import", "csv", s(&f), "--mapping", s(&map)]);
    assert!(out.contains("1 imported"), "{out}");
    assert_eq!(stored(&nb2, &t, "sender_name").unwrap(), "Иван Петров");
    assert!(!out.contains("ignored columns"), "{out}");
    verified(&nb);
    verified(&nb2);
}

#[test]
fn a_mapping_file_with_defaults_and_save_mapping() {
    let nb = Nb::new();
    let t = s10_number("EE", 40, "NL");
    let csv = format!("Référence colis|Poids|Remarque\n{t}|1,5|x\n");
    let f = write(&nb, "fr.csv", csv);
    // No tracking column is recognised: the error names the columns, and
    // --save-mapping still writes a template to fill in.
    let tpl = nb._dir.path().join("tpl.toml");
    let err = nb.fails(&["import", "csv", s(&f), "--save-mapping", s(&tpl)]);
    assert!(err.contains("no tracking column"), "{err}");
    assert!(
        err.contains("\"Référence colis\", \"Poids\", \"Remarque\""),
        "{err}"
    );
    let template = std::fs::read_to_string(&tpl).unwrap();
    assert!(template.contains("delimiter = \"|\""), "{template}");
    assert!(
        template.contains("\"Référence colis\" = \"\""),
        "{template}"
    );
    // A broken mapping is named with its line.
    let bad = write(
        &nb,
        "bad.toml",
        "[columns]\n\"Référence colis\" = \"tracking\"\n\"Poids\" = \"weight\"\n",
    );
    let err = nb.fails(&["import", "csv", s(&f), "--mapping", s(&bad)]);
    assert!(
        err.contains("bad.toml: line 3:") && err.contains("weight"),
        "{err}"
    );
    let map = write(
        &nb,
        "fr.toml",
        "[columns]\n\"Référence colis\" = \"tracking\"\n\"Poids\" = \"weight_g\"\n\n[units]\n\"Poids\" = \"kg\"\n\n[defaults]\nstatus = \"seized\"\ncarrier = \"PostNL\"\norigin = \"NL\"\n",
    );
    let used = nb._dir.path().join("used.toml");
    let out = nb.ok(&[
        "import",
        "csv",
        s(&f),
        "--mapping",
        s(&map),
        "--save-mapping",
        s(&used),
    ]);
    assert!(out.contains("1 imported"), "{out}");
    assert!(out.contains("ignored columns: Remarque"), "{out}");
    assert_eq!(stored(&nb, &t, "status").unwrap(), "seized");
    assert_eq!(stored(&nb, &t, "carrier").unwrap(), "PostNL");
    let w: f64 = rusqlite::Connection::open(&nb.db)
        .unwrap()
        .query_row("SELECT weight_g FROM parcels", [], |r| r.get(0))
        .unwrap();
    // (A header that names no unit says none: `[units]` gives it.)
    assert_eq!(w, 1500.0);
    // The saved mapping imports the same file the same way.
    let saved = std::fs::read_to_string(&used).unwrap();
    assert!(saved.contains("status = \"seized\""), "{saved}");
    let out = nb.ok(&["import", "csv", s(&f), "--mapping", s(&used)]);
    assert!(out.contains("0 imported, 1 duplicates"), "{out}");
    verified(&nb);
}

#[test]
fn hostile_text_is_stored_faithfully_and_never_echoed_raw() {
    let nb = Nb::new();
    let t = s10_number("RR", 50, "CN");
    // (A control character is never data: refused since 2026-12-07, as
    // in the row of line 5.)
    let evil_name = "Wang\u{2028} Li\u{202e}gnp.exe\u{200b}";
    let long = "x".repeat(100_000);
    // A value longer than any field holds is refused by name, like any
    // other bad value, not stored.
    let csv = format!(
        "tracking,sender_name,declared_contents,weight_g,\x1b[31mEvil column\n\
         {t},{evil_name},tea sample,10,a\n\
         {},ok,tea,\x1b[2J\u{202e}9,b\n\
         {},ok,{long},10,c\n\
         {},Wang\x1b[2J,tea,10,d\n",
        s10_number("RR", 51, "CN"),
        s10_number("RR", 52, "CN"),
        s10_number("RR", 53, "CN")
    );
    let f = write(&nb, "evil.csv", csv);
    let out = nb.cmd().args(["import", "csv", s(&f)]).assert().failure();
    let o = out.get_output();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    no_raw_controls(&stdout);
    no_raw_controls(&stderr);
    assert!(stderr.contains("line 3, column \"weight_g\""), "{stderr}");
    assert!(
        stderr.contains("line 4, column \"declared_contents\"")
            && stderr.contains("100000 characters"),
        "{stderr}"
    );
    assert!(stdout.contains("^[[31mEvil column"), "{stdout}");
    assert!(
        stderr.contains("line 5, column \"sender_name\"") && stderr.contains("U+001B"),
        "{stderr}"
    );
    let out = nb
        .cmd()
        .args(["import", "csv", s(&f), "--skip-bad"])
        .assert()
        .success();
    let o = out.get_output();
    no_raw_controls(&String::from_utf8_lossy(&o.stdout));
    no_raw_controls(&String::from_utf8_lossy(&o.stderr));
    assert_eq!(stored(&nb, &t, "sender_name").unwrap(), evil_name);
    let kept: i64 = rusqlite::Connection::open(&nb.db)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM parcels WHERE tracking = ?1",
            [s10_number("RR", 52, "CN")],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, 0, "the over-long row went to the rejects");
    no_raw_controls(&nb.ok(&["list", "parcels"]));
    no_raw_controls(&nb.ok(&["show", &t]));
    verified(&nb);
}

#[test]
fn json_report_and_wrong_inputs() {
    let nb = Nb::new();
    let t = s10_number("RR", 60, "CN");
    let f = write(&nb, "j.csv", format!("Waybill,Colour\n{t},red\n\n,\n"));
    let v = nb.json(&["import", "csv", s(&f)]);
    assert_eq!(v["outcome"], "imported");
    assert_eq!(v["read"], 2, "{v}");
    assert_eq!(v["blank"], 1);
    assert_eq!(v["imported"], 1);
    assert_eq!(v["ignored_columns"][0], "Colour");
    assert!(v["source_id"].is_string());
    let err = nb.fails(&["import", "csv", "/nonexistent/x.csv"]);
    assert!(err.contains("/nonexistent/x.csv"), "{err}");
    let empty = write(&nb, "empty.csv", "");
    let err = nb.fails(&["import", "csv", s(&empty)]);
    assert!(err.contains("no header line"), "{err}");
    let err = nb.fails(&["import", "csv", s(&f), "--delimiter", "§"]);
    assert!(err.contains("delimiter"), "{err}");
    // A row with more cells than the header is refused, not shifted.
    let wide = write(
        &nb,
        "wide.csv",
        format!("tracking,origin\n{},CN,extra\n", s10_number("RR", 61, "CN")),
    );
    let err = nb.fails(&["import", "csv", s(&wide)]);
    assert!(
        err.contains("line 2: the row has 3 cells, the header 2"),
        "{err}"
    );
    verified(&nb);
}

#[cfg(unix)]
#[test]
fn the_rejects_file_replaces_a_planted_link_and_is_the_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let nb = Nb::new();
    let f = write(
        &nb,
        "bad.csv",
        format!("tracking,weight_g\n{},heavy\n", s10_number("RR", 70, "CN")),
    );
    let precious = nb._dir.path().join("precious.txt");
    std::fs::write(&precious, "keep me").unwrap();
    let rejects = nb._dir.path().join("bad.rejects.csv");
    std::os::unix::fs::symlink(&precious, &rejects).unwrap();
    nb.cmd()
        .args(["import", "csv", s(&f), "--skip-bad"])
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me");
    let meta = std::fs::symlink_metadata(&rejects).unwrap();
    assert!(!meta.file_type().is_symlink());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert!(std::fs::read_to_string(&rejects).unwrap().contains("heavy"));
}

#[test]
fn a_listed_csv_imports_back_with_every_value_unchanged() {
    let a = Nb::new();
    a.ok(&["demo", "--parcels", "200"]);
    // Values a spreadsheet would take for formulas, guarded in the CSV.
    a.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR123456785KZ",
        "--sender-phone",
        "+44 20 7946 0958",
        "--declared",
        "=SUM(A1:A9) samples",
        "--concealment=-inside a book-",
        "--recipient-name",
        "@shop_bot",
        // Invisible characters are stored as written (never echoed raw
        // on a terminal): a CSV written to a file keeps them, so that it
        // reads back in unchanged. (A control character is refused.)
        "--sender-name",
        "Wang\u{2028} Li\u{200b}",
    ]);
    let csv = a.db.with_file_name("parcels.csv");
    std::fs::write(
        &csv,
        a.ok(&["list", "parcels", "--format", "csv", "--limit", "1000"]),
    )
    .unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.contains("'+44 20 7946 0958") && text.contains("'=SUM"),
        "guarded"
    );
    let b = Nb::new();
    b.ok(&["init"]);
    let out = b.ok(&["import", "csv", csv.to_str().unwrap()]);
    assert!(out.contains("201 imported"), "{out}");
    assert!(
        out.contains("ignored columns: route, sender, recipient, declared"),
        "{out}"
    );
    let fields = [
        "tracking",
        "carrier",
        "service",
        "origin",
        "transit",
        "destination",
        "sender_name",
        "sender_address",
        "sender_phone",
        "sender_email",
        "recipient_name",
        "recipient_address",
        "recipient_phone",
        "recipient_email",
        "customs_form",
        "declared_category",
        "declared_contents",
        "declared_value",
        "declared_currency",
        "hs_code",
        "weight_g",
        "concealment",
        "found_contents",
        "status",
        "seized_place",
        "seized_on",
    ];
    let q = format!(
        "SELECT {} FROM parcels ORDER BY tracking",
        fields
            .map(|f| format!("quote(\"{f}\")"))
            .join(" || '|' || ")
    );
    let rows = |db: &std::path::Path| -> Vec<String> {
        let c = rusqlite::Connection::open(db).unwrap();
        let mut stmt = c.prepare(&q).unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let (ra, rb) = (rows(&a.db), rows(&b.db));
    assert_eq!(ra.len(), 201);
    for (x, y) in ra.iter().zip(&rb) {
        assert_eq!(x, y);
    }
}

/// A seizure table as a Kazakh post sends it: Russian headers, `;`
/// between cells, countries by their Russian names, dates as DD.MM.YYYY,
/// and `N/A`, `-`, `—`, `нет`, `не известно` where nothing is known.
/// Imported as sent, with no mapping (`tests/fixtures/partners/`).
#[test]
fn a_russian_table_with_placeholders_imports_as_sent() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/partners/kz_customs_ru.csv");
    let report = nb.json(&["import", "csv", s(&file)]);
    assert_eq!(report["imported"], 3, "{report}");
    assert_eq!(report["rejected"], 0, "{report}");
    let used: Vec<String> = report["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap().to_string())
        .collect();
    for f in [
        "tracking",
        "origin",
        "destination",
        "sender_name",
        "recipient_name",
        "recipient_phone",
        "recipient_address",
        "declared_contents",
        "weight_g",
        "seized_on",
        "seized_place",
    ] {
        assert!(used.iter().any(|u| u == f), "{f} not recognised: {used:?}");
    }
    assert_eq!(
        stored(&nb, "RR123456785CN", "origin").as_deref(),
        Some("CN")
    );
    assert_eq!(
        stored(&nb, "RR000000014CN", "destination").as_deref(),
        Some("KG")
    );
    assert_eq!(
        stored(&nb, "RR123456785CN", "seized_on").as_deref(),
        Some("2026-03-05")
    );
    assert_eq!(
        stored(&nb, "RR123456785CN", "recipient_phone").as_deref(),
        Some("8 701 555 01 42")
    );
    // Placeholders are empty values, not errors and not values.
    for (t, f) in [
        ("RR000000005CN", "sender_name"),
        ("RR000000005CN", "recipient_phone"),
        ("RR000000005CN", "weight_g"),
        ("RR000000005CN", "seized_on"),
        ("RR000000014CN", "sender_name"),
        ("RR000000014CN", "recipient_address"),
    ] {
        assert_eq!(stored(&nb, t, f), None, "{t} {f}");
    }
    // The Cyrillic and the Latin spellings of one address are one.
    let x = nb.ok(&["xref", "RR123456785CN"]);
    assert!(
        x.contains("RR000000005CN") && x.contains("almaty ul abaya 5 kv 12"),
        "{x}"
    );
    // And typed the same way.
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR000000028CN",
        "--origin",
        "Китай",
        "--recipient-phone",
        "N/A",
        "--seized-on",
        "01.02.2026",
    ]);
    assert_eq!(stored(&nb, "RR000000028CN", "recipient_phone"), None);
    assert_eq!(
        stored(&nb, "RR000000028CN", "seized_on").as_deref(),
        Some("2026-02-01")
    );
    verified(&nb);
}

/// A quote that is never closed, or closes lines later, swallows the
/// rows in between: the file is refused whole, even with --skip-bad,
/// naming the line the quote opened on; a cell typed over several lines
/// still imports.
#[test]
fn a_broken_quote_refuses_the_file_even_with_skip_bad() {
    let nb = Nb::new();
    let t: Vec<String> = (0..5).map(|n| s10_number("RR", 470 + n, "CN")).collect();
    let head = "Tracking number,Sender name,Weight (g)\n";
    let unclosed = write(
        &nb,
        "unt.csv",
        format!(
            "{head}{},A,450\n{},\"Oops,450\n{},C,450\n{},D,450\n",
            t[0], t[1], t[2], t[3]
        ),
    );
    for extra in [&[][..], &["--skip-bad"], &["--skip-bad", "--dry-run"]] {
        let mut args = vec!["import", "csv", s(&unclosed)];
        args.extend_from_slice(extra);
        let err = nb.fails(&args);
        assert!(
            err.contains(
                "line 3: a quoted cell opened here is never closed: it runs to the end of the file (line 5)"
            ),
            "{extra:?}: {err}"
        );
        assert!(!err.contains("rows read"), "{err}");
    }
    // Closed lines later, by the quote that opened a later cell, or by
    // one too many, with every cell count right.
    for (name, rows) in [
        (
            "late.csv",
            format!(
                "{},\"Oops,450\n{},C,450\n{},\"D, jr\",450\n",
                t[1], t[2], t[3]
            ),
        ),
        (
            "extra.csv",
            format!("{},\"Oops,450\n{},C,450\n{},D\",450\n", t[1], t[2], t[3]),
        ),
    ] {
        let f = write(
            &nb,
            name,
            format!("{head}{},A,450\n{rows}{},E,450\n", t[0], t[4]),
        );
        let err = nb.fails(&["import", "csv", s(&f), "--skip-bad"]);
        assert!(
            err.contains("line 3: a quoted cell opened here closes only on line 5"),
            "{name}: {err}"
        );
    }
    // The row swallowed is the quoted cell's last line, the quote that
    // closes it a stray one at its end (it was imported into the cell
    // above, its own parcel lost).
    let f = write(
        &nb,
        "last.csv",
        format!(
            "{head}{},A,450\n{},\"Oops\n{},C,450\",450\n{},E,450\n",
            t[0], t[1], t[2], t[4]
        ),
    );
    let err = nb.fails(&["import", "csv", s(&f), "--skip-bad"]);
    assert!(
        err.contains("line 3: a quoted cell opened here closes only on line 4, and holds whole rows (line 4 reads as one)"),
        "{err}"
    );
    assert_eq!(nb.count("parcels"), 0);
    assert!(!nb._dir.path().join("unt.rejects.csv").exists());
    // A stray quote and an inch mark at the same column of the next row:
    // that row's cells up to it, then the rest after the quote (the
    // parcel was lost and its weight given to the row above, exit 0).
    let f = write(
        &nb,
        "inch.csv",
        format!(
            "Tracking number,Consignee,Consignee address,Declared content,Weight (g)\n\
             {},Ivan Petrov,Almaty Abaya 5,\"tea sample,100\n\
             {},Aigul Nurlanova,Almaty Tole bi 3,LCD monitor 15\",2500\n\
             {},Serik,Astana,gift,300\n",
            t[0], t[1], t[2]
        ),
    );
    let err = nb.fails(&["import", "csv", s(&f), "--skip-bad"]);
    assert!(
        err.contains("line 2: a quoted cell opened here closes only on line 3, and holds whole rows (line 3 reads as one)"),
        "{err}"
    );
    assert_eq!(nb.count("parcels"), 0);
    // The same with the tracking column last, and in a table of two
    // columns.
    let f = write(
        &nb,
        "inch-last.csv",
        format!(
            "recipient_name,declared_contents,weight_g,tracking\n\
             Ivan,\"Tablet 10,450,{}\n\
             Petr,Monitor 15\",300,{}\n\
             Anna,Box,200,{}\n",
            t[0], t[1], t[2]
        ),
    );
    let err = nb.fails(&["import", "csv", s(&f), "--skip-bad"]);
    assert!(
        err.contains("line 2: a quoted cell opened here closes only on line 3"),
        "{err}"
    );
    let f = write(
        &nb,
        "inch-two.csv",
        format!(
            "tracking,declared_contents\n{},\"Tablet\n{},Monitor 15\"\n{},Box\n",
            t[0], t[1], t[2]
        ),
    );
    let err = nb.fails(&["import", "csv", s(&f), "--skip-bad"]);
    assert!(
        err.contains("line 2: a quoted cell opened here closes only on line 3"),
        "{err}"
    );
    assert_eq!(nb.count("parcels"), 0);
    // A cell over several lines, quoted right, is a cell.
    let f = write(
        &nb,
        "ok.csv",
        format!(
            "{head}{},A,450\n{},\"Line one\nline two, flat 5\",450\n{},C,450\n",
            t[0], t[1], t[2]
        ),
    );
    let out = nb.ok(&["import", "csv", s(&f)]);
    assert!(out.contains("3 rows read, 3 imported"), "{out}");
}

/// A dry run answers as the import would: with a bad row and no
/// --skip-bad it says the import would be refused, and fails.
#[test]
fn a_dry_run_is_refused_when_the_import_would_be() {
    let nb = Nb::new();
    let f = write(
        &nb,
        "dry.csv",
        format!(
            "Tracking number,Weight (g)\n{},450\n{},heavy\n{},450\n",
            s10_number("RR", 80, "CN"),
            s10_number("RR", 81, "CN"),
            s10_number("RR", 82, "CN")
        ),
    );
    let err = nb.fails(&["import", "csv", s(&f), "--dry-run"]);
    assert!(
        err.contains("1 of 3 rows are bad; the import would be refused (dry run, nothing written)"),
        "{err}"
    );
    let out = nb
        .cmd()
        .args(["import", "csv", s(&f), "--dry-run", "--format", "json"])
        .assert()
        .failure()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["outcome"], "refused", "{v}");
    assert_eq!(v["dry_run"], true, "{v}");
    // With --skip-bad it would import the good rows, as the import does.
    let v = nb.json(&["import", "csv", s(&f), "--dry-run", "--skip-bad"]);
    assert_eq!(
        (v["outcome"].as_str(), v["new"].as_u64()),
        (Some("dry-run"), Some(2))
    );
    nb.fails(&["import", "csv", s(&f)]);
    assert_eq!(nb.count("parcels"), 0);
}

/// The rejects file is named wherever the report goes; one an earlier
/// import left is removed when no row is rejected any more, and said so.
#[test]
fn the_rejects_file_is_named_and_a_stale_one_removed() {
    let nb = Nb::new();
    let (a, b) = (s10_number("RR", 90, "CN"), s10_number("RR", 91, "CN"));
    let f = write(
        &nb,
        "rej.csv",
        format!("tracking,weight_g\n{a},450\n{b},heavy\n"),
    );
    let rejects = nb._dir.path().join("rej.rejects.csv");
    let out = nb.ok(&["import", "csv", s(&f), "--skip-bad"]);
    assert!(
        out.contains(&format!("rejected rows written to {}", s(&rejects))),
        "{out}"
    );
    assert!(rejects.exists());
    std::fs::remove_file(&rejects).unwrap();
    let v = nb.json(&["import", "csv", s(&f), "--skip-bad"]);
    assert_eq!(v["rejects_file"], s(&rejects), "{v}");
    assert!(rejects.exists());
    // Fixed: nothing rejected, the old rejects file goes.
    std::fs::write(&f, format!("tracking,weight_g\n{a},450\n{b},12\n")).unwrap();
    let out = nb.ok(&["import", "csv", s(&f), "--skip-bad"]);
    assert!(out.contains("0 rejected"), "{out}");
    assert!(
        out.contains("the rejects file of an earlier import") && out.contains("was removed"),
        "{out}"
    );
    assert!(!rejects.exists());
    // A file there that is not a rejects file is left alone.
    let other = nb._dir.path().join("notes.csv");
    std::fs::write(&other, "mine\n").unwrap();
    let v = nb.json(&["import", "csv", s(&f), "--rejects", s(&other)]);
    assert!(v["stale_rejects_removed"].is_null(), "{v}");
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "mine\n");
}

/// A weight or value such as `1,200` could be thousands or a decimal
/// part: its column's other values tell which, else it is refused with
/// both readings; `1,200,5` is not a number.
#[test]
fn thousands_separators_are_told_by_the_column_or_refused() {
    let nb = Nb::new();
    let t: Vec<String> = (0..4).map(|n| s10_number("RR", 100 + n, "CN")).collect();
    let f = write(
        &nb,
        "amb.csv",
        format!(
            "Tracking number,Weight (g),Declared value,Currency\n\
             {},\"1,200\",\"1,500\",USD\n{},\"1,200,5\",10,USD\n{},1.200,20,USD\n",
            t[0], t[1], t[2]
        ),
    );
    let err = nb.fails(&["import", "csv", s(&f)]);
    for part in [
        "line 2, column \"Weight (g)\" (weight_g): \"1,200\" could be 1200 (a comma between thousands) or 1.2 (a decimal comma), and no other value in this column tells which",
        "column \"Declared value\" (declared_value): \"1,500\" could be 1500 (a comma between thousands) or 1.5 (a decimal comma)",
        "line 3, column \"Weight (g)\" (weight_g): \"1,200,5\" is not a number",
        "line 4, column \"Weight (g)\" (weight_g): \"1.200\" could be 1200 (a point between thousands) or 1.2 (a decimal point)",
    ] {
        assert!(err.contains(part), "{part} not in {err}");
    }
    // The column's other values settle it: a decimal comma (0,5), or
    // commas between thousands (a value with both marks).
    let f = write(
        &nb,
        "told.csv",
        format!(
            "Tracking number,Weight (g),Declared value,Currency\n\
             {},\"1,200\",\"1,500\",USD\n{},\"0,5\",\"1,500.25\",USD\n\
             {},\"1.200,5\",1.200,USD\n{},\"1,25\",\"12,345,678\",USD\n",
            t[0], t[1], t[2], t[3]
        ),
    );
    let out = nb.ok(&["import", "csv", s(&f)]);
    assert!(out.contains("4 imported"), "{out}");
    let num = |tr: &str, field: &str| -> f64 {
        let c = rusqlite::Connection::open(&nb.db).unwrap();
        c.query_row(
            &format!("SELECT {field} FROM parcels WHERE tracking = ?1"),
            [tr],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(num(&t[0], "weight_g"), 1.2);
    assert_eq!(num(&t[2], "weight_g"), 1200.5);
    assert_eq!(num(&t[3], "weight_g"), 1.25);
    assert_eq!(num(&t[0], "declared_value"), 1500.0);
    assert_eq!(num(&t[1], "declared_value"), 1500.25);
    assert_eq!(num(&t[2], "declared_value"), 1.2);
    assert_eq!(num(&t[3], "declared_value"), 12_345_678.0);
}

/// `--encoding utf-8` reads as the default does: a byte that is not
/// UTF-8 is named (line, column, byte) like any bad cell, never stored
/// as U+FFFD; the
/// encoding suggested is the one the bytes look like.
#[test]
fn bytes_that_are_not_utf8_are_named_with_the_encoding_they_look_like() {
    let nb = Nb::new();
    let t = s10_number("RR", 120, "CN");
    let text = format!("Tracking number,Sender name\n{t},Jörg Müller\n");
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    let f = write(&nb, "west.csv", &bytes);
    for extra in [&[][..], &["--encoding", "utf-8"], &["--encoding", "UTF8"]] {
        let mut args = vec!["import", "csv", s(&f)];
        args.extend_from_slice(extra);
        let err = nb.fails(&args);
        assert!(
            err.contains(
                "line 2, column \"Sender name\" (sender_name): not UTF-8 (byte 0xF6, the cell's \
                 byte 2); pass --encoding windows-1252"
            ),
            "{extra:?}: {err}"
        );
    }
    assert_eq!(nb.count("parcels"), 0);
    let out = nb.ok(&["import", "csv", s(&f), "--encoding", "windows-1252"]);
    assert!(out.contains("1 imported"), "{out}");
    assert_eq!(stored(&nb, &t, "sender_name").unwrap(), "Jörg Müller");
}

/// Error text stays readable: a long header or value echoed is cut,
/// saying how long it was, and the reason is kept whole; a rejects file
/// that cannot be written is said once, naming the path given, before
/// anything is written; a file with no good row is not offered
/// --skip-bad.
#[test]
fn error_text_cuts_long_values_and_says_each_thing_once() {
    let nb = Nb::new();
    let long_header = "H".repeat(2_000_000);
    let digits = "9".repeat(400);
    let (a, b) = (s10_number("RR", 130, "CN"), s10_number("RR", 131, "CN"));
    // A header no column of which is recognised: each echoed, cut.
    let h = write(&nb, "head.csv", format!("{long_header},Weight\n{a},1 g\n"));
    let err = nb.fails(&["import", "csv", s(&h)]);
    assert!(err.len() < 1_000, "{} bytes of error", err.len());
    assert!(
        err.contains(&format!(
            "\"{}… (2000000 characters)\", \"Weight\"",
            "H".repeat(80)
        )),
        "{err}"
    );
    let f = write(
        &nb,
        "long.csv",
        format!("tracking,weight_g,{long_header}\n{a},{digits},x\n{b},heavy,x\n"),
    );
    let err = nb.fails(&["import", "csv", s(&f)]);
    assert!(err.len() < 1_000, "{} bytes of error", err.len());
    // The reason kept whole, the value cut.
    assert!(
        err.contains(&format!("{}… (400 characters) must be", "9".repeat(80))),
        "{err}"
    );
    assert!(
        err.contains("2 of 2 rows are bad and no row is good; nothing was imported. Fix them")
            && !err.contains("--skip-bad"),
        "{err}"
    );
    // One good row: --skip-bad offered for it, said in the singular.
    let g = write(
        &nb,
        "one.csv",
        format!("tracking,weight_g\n{a},450\n{b},heavy\n"),
    );
    let err = nb.fails(&["import", "csv", s(&g)]);
    assert!(err.contains("import the 1 good row (bad rows"), "{err}");
    let missing = nb._dir.path().join("nodir").join("r.csv");
    let err = nb.fails(&[
        "import",
        "csv",
        s(&g),
        "--skip-bad",
        "--rejects",
        s(&missing),
    ]);
    assert_eq!(err.matches("does not exist").count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "{}: the rejects file's directory {} does not exist; nothing was imported",
            missing.display(),
            missing.parent().unwrap().display()
        )) && !err.contains(".interdict-out"),
        "{err}"
    );
    assert_eq!(nb.count("parcels"), 0);
}

/// A seizure table's row with a seizure date and no status is a seized
/// parcel (it was imported `targeted`, so screening against seized
/// parcels never fired on it); a status given stays.
#[test]
fn a_row_with_a_seizure_date_and_no_status_is_seized() {
    let nb = Nb::new();
    let f = write(
        &nb,
        "seizures.csv",
        "Tracking number,Seizure date,Status\nRR123456785KZ,01.11.2026,\nEE123456785KZ,02.11.2026,inspected\nCP123456785KZ,,\n",
    );
    nb.ok(&["import", "csv", s(&f)]);
    let status = |t: &str| {
        nb.json(&["show", t])["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status("RR123456785KZ"), "seized");
    assert_eq!(status("EE123456785KZ"), "inspected");
    assert_eq!(status("CP123456785KZ"), "targeted");
}

/// JSON lists the first bad rows and says how many more there are (the
/// list was cut at 20 without a word).
#[test]
fn json_says_how_many_bad_rows_it_does_not_list() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let mut csv = String::from("Tracking number;Weight (g)\n");
    for i in 0..30 {
        csv.push_str(&format!("BAD{i};5\n"));
    }
    let f = write(&nb, "bad30.csv", csv);
    let out = nb
        .cmd()
        .args([
            "--format",
            "json",
            "import",
            "csv",
            f.to_str().unwrap(),
            "--dry-run",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rejected"], 30, "{v}");
    assert_eq!(v["errors"].as_array().unwrap().len(), 20, "{v}");
    assert_eq!(v["errors_not_listed"], 10, "{v}");
}

/// A tracking number twice in one file with other values: the rejected
/// row names the fields it gives otherwise, as a clash with the notebook
/// does (in the rejects file and the report of an import with
/// --skip-bad).
#[test]
fn a_repeat_in_the_file_names_the_fields_it_changes() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let f = write(
        &nb,
        "dup.csv",
        "Tracking number,Weight (g),Recipient phone,Destination country\nRR400000015CN,500,+77015550101,KZ\nRR400000015CN,600,+77015550101,KZ\n",
    );
    nb.ok(&["import", "csv", f.to_str().unwrap(), "--skip-bad"]);
    let rejects = std::fs::read_to_string(nb._dir.path().join("dup.rejects.csv")).unwrap();
    assert!(
        rejects.contains("with different values: weight_g (this row 600.0, line 2 500.0)"),
        "{rejects}"
    );
}

/// A bare `Адрес` / `Телефон` is the addressee's in a table of the
/// addressee alone; beside a sender's column (`Отправитель`) it could be
/// either side's and is ignored, named, as `Address` / `Phone` are (the
/// sender's address and phone were stored as the recipient's).
#[test]
fn a_bare_address_or_phone_beside_a_sender_is_not_taken_as_the_recipients() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let both = write(
        &nb,
        "ru2.csv",
        "ШПИ;Отправитель;Адрес;Телефон;Вес, кг\nRR920000018CN;Ли Вэй;Гуанчжоу, ул. Чжуншань 5;+86 138 0013 8000;0,5\n",
    );
    let out = nb
        .cmd()
        .args(["import", "csv", both.to_str().unwrap()])
        .output()
        .unwrap();
    let said =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("Адрес") && said.contains("Телефон"), "{said}");
    assert_eq!(stored(&nb, "RR920000018CN", "recipient_phone"), None);
    assert_eq!(stored(&nb, "RR920000018CN", "recipient_address"), None);
    assert_eq!(
        stored(&nb, "RR920000018CN", "sender_name").as_deref(),
        Some("Ли Вэй")
    );
    // The addressee's table alone: the addressee's.
    let alone = write(
        &nb,
        "ru1.csv",
        "ШПИ;Адрес;Телефон\nRR920000021CN;Алматы, ул. Абая 5;+7 701 555 01 42\n",
    );
    nb.ok(&["import", "csv", alone.to_str().unwrap()]);
    assert!(stored(&nb, "RR920000021CN", "recipient_phone").is_some());
    // A consignor and consignee as customs documents name them: both
    // sides' names, the bare contacts neither's.
    let customs = write(
        &nb,
        "ru3.csv",
        "ШПИ;Грузоотправитель;Адрес;Телефон;Грузополучатель\nRR920000035CN;Shenzhen Trade Co;Shenzhen, Futian;+86 755 1234 5678;Иванов Иван\n",
    );
    nb.ok(&["import", "csv", customs.to_str().unwrap()]);
    assert_eq!(stored(&nb, "RR920000035CN", "recipient_phone"), None);
    assert_eq!(stored(&nb, "RR920000035CN", "recipient_address"), None);
    assert_eq!(
        stored(&nb, "RR920000035CN", "sender_name").as_deref(),
        Some("Shenzhen Trade Co")
    );
    assert_eq!(
        stored(&nb, "RR920000035CN", "recipient_name").as_deref(),
        Some("Иванов Иван")
    );
    // A column naming the sender that is not read (a seller) is a
    // sender's column beside them all the same.
    let seller = write(
        &nb,
        "ru4.csv",
        "ШПИ;Продавец (магазин);Адрес;Телефон\nRR920000049CN;mef-shop;Shenzhen, Futian;+86 755 1234 5678\n",
    );
    let said = nb.ok(&["import", "csv", seller.to_str().unwrap()]);
    assert!(said.contains("Продавец"), "{said}");
    assert_eq!(stored(&nb, "RR920000049CN", "recipient_phone"), None);
}

/// A rejects file of a row that was not UTF-8 holds U+FFFD where its
/// bytes were: imported again (as it is, or read as Windows-1252 as its
/// error column advises), the value is refused, never stored as
/// `M\u{FFFD}ller` or `Mï¿½ller`.
#[test]
fn a_value_holding_the_mark_of_a_lost_character_is_refused() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let f = write(
        &nb,
        "w1252.csv",
        b"Tracking number;Sender name;Weight (g)\r\nRR600000015KZ;M\xfcller GmbH;100\r\nRR600000024KZ;Smith Ltd;100\r\n",
    );
    nb.ok(&["import", "csv", f.to_str().unwrap(), "--skip-bad"]);
    let rejects = nb._dir.path().join("w1252.rejects.csv");
    for extra in [&[][..], &["--encoding", "windows-1252"]] {
        let mut args = vec!["import", "csv", rejects.to_str().unwrap()];
        args.extend_from_slice(extra);
        let err = nb.fails(&args);
        assert!(err.contains("holds U+FFFD"), "{extra:?}: {err}");
        assert_eq!(nb.count("parcels"), 1, "only the good row: {extra:?}");
    }
}

/// An encoding named for a file that says otherwise: a UTF-8 or UTF-16
/// byte-order mark wins (and the report names what was read), and UTF-8
/// text without one is refused rather than stored garbled, naming the
/// line and both readings. (A UTF-8 file with its mark, imported with
/// the `--encoding windows-1251` a partner's other files need, stored
/// `Иванов` as `РРІР°РЅРѕРІ`.) A tab delimiter is named `tab`.
#[test]
fn a_byte_order_mark_wins_over_the_encoding_named_and_utf8_is_not_read_as_another() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let text = "Tracking,Recipient\nRR920000018CN,Иванов Иван\n";
    let bom = write(
        &nb,
        "bom.csv",
        [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
    );
    let r = nb.json(&[
        "import",
        "csv",
        bom.to_str().unwrap(),
        "--encoding",
        "windows-1251",
    ]);
    assert_eq!(r["encoding"], "UTF-8", "{r}");
    assert_eq!(
        stored(&nb, "RR920000018CN", "recipient_name").as_deref(),
        Some("Иванов Иван")
    );
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "Tracking,Recipient\nRR920000021CN,Петров Пётр\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let le = write(&nb, "le.csv", utf16);
    let r = nb.json(&[
        "import",
        "csv",
        le.to_str().unwrap(),
        "--encoding",
        "windows-1251",
    ]);
    assert_eq!(r["encoding"], "UTF-16LE", "{r}");
    assert_eq!(
        stored(&nb, "RR920000021CN", "recipient_name").as_deref(),
        Some("Петров Пётр")
    );
    let plain = write(
        &nb,
        "plain.csv",
        "Tracking\tRecipient\nRR920000035CN\tMüller Jürgen\n",
    );
    let err = nb.fails(&[
        "import",
        "csv",
        plain.to_str().unwrap(),
        "--encoding",
        "latin1",
        "--delimiter",
        "tab",
    ]);
    assert!(
        err.contains("line 2") && err.contains("UTF-8") && err.contains("MÃ¼ller"),
        "{err}"
    );
    assert_eq!(stored_count(&nb), 2);
    nb.ok(&[
        "import",
        "csv",
        plain.to_str().unwrap(),
        "--delimiter",
        "tab",
    ]);
    assert_eq!(
        stored(&nb, "RR920000035CN", "recipient_name").as_deref(),
        Some("Müller Jürgen")
    );
    // A file in windows-1251 is read as named.
    let (cp, _, _) =
        encoding_rs::WINDOWS_1251.encode("Tracking;Recipient\nRR920000049CN;Сидоров\n");
    let cp = write(&nb, "cp.csv", cp.as_ref());
    nb.ok(&[
        "import",
        "csv",
        cp.to_str().unwrap(),
        "--encoding",
        "windows-1251",
    ]);
    assert_eq!(
        stored(&nb, "RR920000049CN", "recipient_name").as_deref(),
        Some("Сидоров")
    );
}

fn stored_count(nb: &Nb) -> i64 {
    let c = rusqlite::Connection::open(&nb.db).unwrap();
    c.query_row("SELECT count(*) FROM parcels", [], |r| r.get(0))
        .unwrap()
}

/// A net weight is of the contents, not the parcel: beside the gross
/// weight, as customs tables give both, the gross is the parcel's and the
/// net is named as ignored (the table was refused whole for two weight
/// columns); alone, it is named as ignored, not stored as the parcel's
/// weight (incident reports gave it as the gross).
#[test]
fn a_net_weight_is_not_the_parcels_weight() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let both = write(
        &nb,
        "both.csv",
        "ШПИ;Вес брутто, кг;Вес нетто, кг\nRR920000018CN;0,5;0,3\n",
    );
    let r = nb.json(&["import", "csv", both.to_str().unwrap()]);
    assert_eq!(r["imported"], 1, "{r}");
    assert!(
        r["ignored_columns"].to_string().contains("Вес нетто"),
        "{r}"
    );
    assert_eq!(stored_weight(&nb, "RR920000018CN"), Some(500.0));
    let net = write(
        &nb,
        "net.csv",
        "Tracking,Net weight (kg)\nRR920000021CN,0.3\n",
    );
    let r = nb.json(&["import", "csv", net.to_str().unwrap()]);
    assert!(
        r["ignored_columns"].to_string().contains("Net weight"),
        "{r}"
    );
    assert_eq!(stored_weight(&nb, "RR920000021CN"), None);
}

fn stored_weight(nb: &Nb, tracking: &str) -> Option<f64> {
    rusqlite::Connection::open(&nb.db)
        .unwrap()
        .query_row(
            "SELECT weight_g FROM parcels WHERE tracking = ?1",
            [tracking],
            |r| r.get(0),
        )
        .unwrap()
}

/// Two exports pasted one under the other: a second header that differs
/// from the first refuses the file, --skip-bad or not (its rows were read
/// under the first header's columns: phones swapped, 0.45 kg stored as
/// 0.45 g); the same header again is a row that is not a parcel, said so.
#[test]
fn a_second_header_mid_file_is_told_and_one_that_differs_refuses_the_file() {
    let nb = Nb::new();
    let t: Vec<String> = (0..3).map(|n| s10_number("RR", 1006 + n, "CN")).collect();
    let f = write(
        &nb,
        "two.csv",
        format!(
            "Tracking number,Sender phone,Recipient phone,Weight (g)\n\
             {},+86 138 0013 8000,+7 701 555 01 42,450\n\
             Tracking number,Recipient phone,Sender phone,Weight (kg)\n\
             {},+7 701 555 01 43,+86 138 0013 8001,0.45\n",
            t[0], t[1]
        ),
    );
    for extra in [&[][..], &["--skip-bad"]] {
        let mut a = vec!["import", "csv", s(&f)];
        a.extend_from_slice(extra);
        let err = nb.fails(&a);
        assert!(
            err.contains("line 3 is another header, not the one of line 1")
                && err.contains("column 2: \"Recipient phone\" here, \"Sender phone\" there")
                && err.contains("split it at line 3"),
            "{err}"
        );
    }
    assert_eq!(nb.count("parcels"), 0);
    let f = write(
        &nb,
        "same.csv",
        format!(
            "Tracking number,Sender phone,Weight (g)\n\
             {},+86 138 0013 8000,450\n\
             Tracking number,Sender phone,Weight (g)\n\
             {},+86 138 0013 8001,300\n",
            t[0], t[2]
        ),
    );
    let err = nb.fails(&["import", "csv", s(&f)]);
    assert!(
        err.contains("line 3") && err.contains("repeats the header of line 1"),
        "{err}"
    );
    let out = nb.ok(&["import", "csv", s(&f), "--skip-bad"]);
    assert!(out.contains("2 imported"), "{out}");
    // A second header with a column more is not taken for the file's
    // header (the rows above it were taken for a title and lost).
    let nb = Nb::new();
    let f = write(
        &nb,
        "wider.csv",
        format!(
            "Tracking,Recipient name,Recipient phone,Weight (g)\n\
             {},Ivan,+77011234567,450\n\
             Tracking,Recipient name,Recipient phone,Weight (g),Sender phone\n\
             {},Anna,+77017654321,200,+8613800138000\n",
            t[0], t[2]
        ),
    );
    let err = nb.fails(&["import", "csv", s(&f)]);
    assert!(
        err.contains("line 3 is another header, not the one of line 1"),
        "{err}"
    );
    assert_eq!(nb.count("parcels"), 0);
    // Written in other case and spacing, it is the same header.
    let nb = Nb::new();
    let f = write(
        &nb,
        "case.csv",
        format!(
            "Tracking number,Sender phone,Weight (g)\n\
             {},+86 138 0013 8000,450\n\
             TRACKING  NUMBER , sender phone,weight (G)\n\
             {},+86 138 0013 8001,300\n",
            t[0], t[2]
        ),
    );
    let err = nb.fails(&["import", "csv", s(&f)]);
    assert!(err.contains("repeats the header of line 1"), "{err}");
}

/// A cell quoted on one line with text after its closing quote
/// (`"Ромашка" ТОО`, a company name as partners write it) is read without
/// its quotes, and said, naming the column (the quotes were dropped
/// without a word).
#[test]
fn text_after_a_closing_quote_on_one_line_is_said() {
    let nb = Nb::new();
    let (a, b) = (s10_number("RR", 2006, "CN"), s10_number("RR", 2010, "CN"));
    let f = write(
        &nb,
        "q.csv",
        format!(
            "Tracking number;Sender name;Weight (g)\n{a};\"Ромашка\" ТОО;250\n{b};\"Plain, quoted\";300\n"
        ),
    );
    let out = nb.ok(&["import", "csv", s(&f)]);
    assert!(out.contains("2 imported"), "{out}");
    let said = out
        .lines()
        .filter(|l| l.contains("closing quote"))
        .collect::<Vec<_>>();
    assert_eq!(said.len(), 1, "{out}");
    assert!(
        said[0].contains("line 2")
            && said[0].contains("Sender name")
            && said[0].contains("Ромашка ТОО"),
        "{out}"
    );
}

/// Empty header cells at the header's end are a trailing delimiter and
/// nothing is said of them, but a value under one is named as an ignored
/// column with the line it is first on (a phone there was left out, the
/// import said done); a mapping by place takes it.
#[test]
fn a_value_under_no_header_at_the_end_is_named() {
    let nb = Nb::new();
    nb.ok(&["init"]);
    let f = write(
        &nb,
        "trailing.csv",
        "Tracking number;Weight (g);\nRR100000017CN;100;\nRR100000025CN;100;Ivanov Ivan +7 701 555 01 42\n",
    );
    let out = nb.ok(&["import", "csv", s(&f), "--dry-run"]);
    assert!(out.contains("ignored columns: (column 3)"), "{out}");
    assert!(
        out.contains("line 3: (column 3): a value under no header, not imported"),
        "{out}"
    );
    let v = nb.json(&["import", "csv", s(&f), "--dry-run"]);
    assert_eq!(
        v["ignored_columns"],
        serde_json::json!(["(column 3)"]),
        "{v}"
    );
    // Empty under it in every row: a trailing delimiter, unsaid.
    let g = write(
        &nb,
        "empty.csv",
        "Tracking number;Weight (g);\nRR100000017CN;100;\n",
    );
    let out = nb.ok(&["import", "csv", s(&g), "--dry-run"]);
    assert!(!out.contains("ignored"), "{out}");
    assert!(!out.contains("notice"), "{out}");
    // two such columns on one row: both named
    let two = write(
        &nb,
        "two.csv",
        "tracking,sender_name,weight_g,,\nRR123456785KZ,Ivan,450,x,extra\n",
    );
    let out = nb.ok(&["import", "csv", s(&two), "--dry-run"]);
    assert!(
        out.contains("ignored columns: (column 4), (column 5)"),
        "{out}"
    );
    let map = write(&nb, "m.toml", "[columns]\n\"#3\" = \"sender_name\"\n");
    let out = nb.ok(&["import", "csv", s(&f), "--mapping", s(&map)]);
    assert!(out.contains("(column 3) -> sender_name"), "{out}");
    assert!(!out.contains("ignored"), "{out}");
    assert_eq!(
        stored(&nb, "RR100000025CN", "sender_name").unwrap(),
        "Ivanov Ivan +7 701 555 01 42"
    );
    verified(&nb);
}

/// interdict's own list imports back unchanged where nothing else in a
/// column tells its decimal mark (every value with three decimals: a
/// dinar amount, milligrams) and where a value itself starts with the
/// quote a formula's guard is (`'-Ivan`): the first was refused, "could
/// be 2125 or 2.125", the second lost its quote.
#[test]
fn own_lists_of_three_decimals_and_quoted_values_import_back() {
    let a = Nb::new();
    a.ok(&["init"]);
    a.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR100000017CN",
        "--weight",
        "1234 mg",
        "--value",
        "2.125",
        "--currency",
        "KWD",
        "--sender-name",
        "'-Ivan",
        "--declared",
        "'=5 tablets",
        "--concealment",
        "'+ inside",
        "--found",
        "'@home",
    ]);
    a.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR100000025CN",
        "--weight",
        "2.5 g",
        "--value",
        "10.250",
        "--currency",
        "BHD",
        "--sender-name",
        "''=x",
    ]);
    let csv = a.beside("own.csv");
    std::fs::write(&csv, a.ok(&["list", "parcels", "--format", "csv"])).unwrap();
    let b = Nb::new();
    b.ok(&["init"]);
    let out = b.ok(&["import", "csv", s(&csv)]);
    assert!(out.contains("2 imported"), "{out}");
    for (t, field, want) in [
        ("RR100000017CN", "weight_g", "1.234"),
        ("RR100000017CN", "declared_value", "2.125"),
        ("RR100000017CN", "sender_name", "'-Ivan"),
        ("RR100000017CN", "declared_contents", "'=5 tablets"),
        ("RR100000017CN", "concealment", "'+ inside"),
        ("RR100000017CN", "found_contents", "'@home"),
        ("RR100000025CN", "weight_g", "2.5"),
        ("RR100000025CN", "declared_value", "10.25"),
        ("RR100000025CN", "sender_name", "''=x"),
    ] {
        let as_text = |nb: &Nb| {
            rusqlite::Connection::open(&nb.db)
                .unwrap()
                .query_row(
                    &format!("SELECT CAST({field} AS TEXT) FROM parcels WHERE tracking = ?1"),
                    [t],
                    |r| r.get::<_, Option<String>>(0),
                )
                .unwrap()
        };
        assert_eq!(as_text(&a).as_deref(), Some(want), "{t} {field} here");
        assert_eq!(as_text(&b).as_deref(), Some(want), "{t} {field} there");
    }
    // A partner's column of the same values under its own header is still
    // asked about (its mark is not known).
    let partner = write(
        &b,
        "partner.csv",
        "Tracking number,Value\nRR100000033CN,2.125\n",
    );
    let err = b.fails(&["import", "csv", s(&partner)]);
    assert!(err.contains("could be"), "{err}");
}

/// A notebook holding two parcels under one tracking number (its own and
/// a partner's, received) counts a row as a duplicate of either: it was
/// compared with the first only, and refused though it was the second.
/// A row like neither names both.
#[test]
fn a_row_is_a_duplicate_of_any_parcel_under_its_number() {
    let t = s10_number("RR", 88, "CN");
    let (here, there) = (Nb::new(), Nb::new());
    here.ok(&["add", "parcel", "--tracking", &t, "--weight", "100"]);
    there.ok(&["add", "parcel", "--tracking", &t, "--weight", "250"]);
    let file = there.beside("there.db");
    there.ok(&["export", "--all", "--out", s(&file)]);
    here.ok(&["merge", "--trust-new", s(&file)]);
    assert_eq!(here.count("parcels"), 2);
    let same = write(&here, "same.csv", format!("tracking,weight_g\n{t},250\n"));
    let v = here.json(&["import", "csv", s(&same)]);
    assert_eq!(
        (v["imported"].as_i64(), v["duplicates"].as_i64()),
        (Some(0), Some(1)),
        "{v}"
    );
    let other = write(&here, "other.csv", format!("tracking,weight_g\n{t},999\n"));
    let err = here.fails(&["import", "csv", s(&other)]);
    assert!(
        err.contains(&format!("2 parcels {t} are already in the notebook")),
        "{err}"
    );
}
