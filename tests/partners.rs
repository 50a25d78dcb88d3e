//! Seizure tables as partner agencies send them (issue #17), from
//! `tests/fixtures/partners/`: each imports as sent, or with the one flag
//! or mapping it needs, and the values stored are the ones meant (a
//! weight of `0,45 кг` is 450 g, `03/04/2026` from an American table is
//! 4 March). The Kazakh post's table is in `tests/import.rs`.

mod common;

use common::Nb;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/partners")
        .join(name)
}

fn f(name: &str) -> String {
    fixture(name).to_str().unwrap().to_string()
}

fn nb() -> Nb {
    let nb = Nb::new();
    nb.ok(&["init"]);
    nb
}

fn text(nb: &Nb, tracking: &str, field: &str) -> Option<String> {
    let c = rusqlite::Connection::open(&nb.db).unwrap();
    c.query_row(
        &format!("SELECT {field} FROM parcels WHERE tracking = ?1"),
        [tracking],
        |r| r.get(0),
    )
    .unwrap()
}

fn grams(nb: &Nb, tracking: &str) -> Option<f64> {
    let c = rusqlite::Connection::open(&nb.db).unwrap();
    c.query_row(
        "SELECT weight_g FROM parcels WHERE tracking = ?1",
        [tracking],
        |r| r.get(0),
    )
    .unwrap()
}

fn line_of(nb: &Nb, tracking: &str) -> i64 {
    let c = rusqlite::Connection::open(&nb.db).unwrap();
    c.query_row(
        "SELECT pr.line FROM provenance pr JOIN parcels p ON p.id = pr.item_id WHERE p.tracking = ?1",
        [tracking],
        |r| r.get(0),
    )
    .unwrap()
}

fn verified(nb: &Nb) {
    let out = nb.ok(&["audit", "verify"]);
    assert!(out.contains("audit log intact"), "{out}");
}

/// A post's report: a title, a period, a blank line and who prepared it
/// above the header; a `№` column; weights in kg by the header.
#[test]
fn a_title_block_above_the_header_is_skipped() {
    let nb = nb();
    let v = nb.json(&["import", "csv", &f("khorgos_title_block_ru.csv")]);
    assert_eq!(v["imported"], 3, "{v}");
    assert_eq!(v["header_line"], 5, "{v}");
    assert_eq!(v["ignored_columns"][0], "№", "{v}");
    assert_eq!(grams(&nb, "RR000001010CN"), Some(450.0));
    assert_eq!(grams(&nb, "EE000001037HK"), Some(125.0));
    assert_eq!(
        text(&nb, "RR000001023CN", "seized_on").as_deref(),
        Some("2026-08-03")
    );
    // Lines are the file's own: the first row is on line 6.
    assert_eq!(line_of(&nb, "RR000001010CN"), 6);
    assert_eq!(line_of(&nb, "EE000001037HK"), 8);
    // --header-row says where the header is; a line no row starts on is refused.
    let again = Nb::new();
    let out = again.ok(&[
        "import",
        "csv",
        &f("khorgos_title_block_ru.csv"),
        "--header-row",
        "5",
    ]);
    assert!(out.contains("3 imported"), "{out}");
    let err = again.fails(&[
        "import",
        "csv",
        &f("khorgos_title_block_ru.csv"),
        "--header-row",
        "3",
    ]);
    assert!(
        err.contains("--header-row 3: no row starts on line 3"),
        "{err}"
    );
    verified(&nb);
}

/// English headers, `Weight (kg)`, countries by their English names.
#[test]
fn english_headers_weight_in_kg_and_country_names() {
    let nb = nb();
    let v = nb.json(&["import", "csv", &f("en_weight_kg_china.csv")]);
    assert_eq!(v["imported"], 3, "{v}");
    assert_eq!(grams(&nb, "RR000002015CN"), Some(450.0));
    assert_eq!(grams(&nb, "RR000002029CN"), Some(2000.0));
    assert_eq!(grams(&nb, "RR000002032IN"), Some(75.0));
    assert_eq!(text(&nb, "RR000002015CN", "origin").as_deref(), Some("CN"));
    assert_eq!(
        text(&nb, "RR000002029CN", "destination").as_deref(),
        Some("KG")
    );
    assert_eq!(
        text(&nb, "RR000002015CN", "recipient_address").as_deref(),
        Some("Almaty, Abaya 5-12")
    );
}

/// Slash dates day first: `25/04/2026` in the column says so, and the
/// ambiguous `03/04/2026` of the same column is read the same way.
#[test]
fn slash_dates_day_first_told_by_the_column() {
    let nb = nb();
    let v = nb.json(&["import", "csv", &f("uz_slash_dmy.csv")]);
    assert_eq!(v["imported"], 3, "{v}");
    assert_eq!(
        text(&nb, "RR000003015CN", "seized_on").as_deref(),
        Some("2026-04-03")
    );
    assert_eq!(
        text(&nb, "RR000003024CN", "seized_on").as_deref(),
        Some("2026-04-25")
    );
    assert_eq!(
        text(&nb, "CP000003038NL", "seized_on").as_deref(),
        Some("2026-05-17")
    );
}

/// An American table: every date could be either order, so it is refused
/// naming the line, column and flag; `--date-order mdy` reads it. Weights
/// in pounds.
#[test]
fn us_dates_need_date_order_mdy() {
    let nb = nb();
    let err = nb.fails(&["import", "csv", &f("us_mdy_date_order.csv")]);
    assert!(
        err.contains("line 2, column \"Seizure Date\" (seized_on): \"03/04/2026\"")
            && err.contains("--date-order"),
        "{err}"
    );
    assert_eq!(nb.count("parcels"), 0);
    let v = nb.json(&[
        "import",
        "csv",
        &f("us_mdy_date_order.csv"),
        "--date-order",
        "mdy",
    ]);
    assert_eq!(v["imported"], 3, "{v}");
    assert_eq!(
        text(&nb, "EE000004016US", "seized_on").as_deref(),
        Some("2026-03-04")
    );
    assert_eq!(
        text(&nb, "EE000004033US", "seized_on").as_deref(),
        Some("2026-11-12")
    );
    assert_eq!(grams(&nb, "EE000004020US"), Some(453.59237));
    let err = nb.fails(&[
        "import",
        "csv",
        &f("us_mdy_date_order.csv"),
        "--date-order",
        "dym",
    ]);
    assert!(err.contains("dmy, mdy or ymd"), "{err}");
}

/// Dates saved as a spreadsheet's day numbers (1900 date system).
#[test]
fn excel_serial_dates_in_a_date_column() {
    let nb = nb();
    let v = nb.json(&["import", "csv", &f("excel_serial_dates.csv")]);
    assert_eq!(v["imported"], 3, "{v}");
    assert_eq!(
        text(&nb, "RR000005011CN", "seized_on").as_deref(),
        Some("2025-12-30")
    );
    assert_eq!(
        text(&nb, "RR000005025CN", "seized_on").as_deref(),
        Some("2026-02-01")
    );
    // With a time of day.
    assert_eq!(
        text(&nb, "RR000005039CN", "seized_on").as_deref(),
        Some("2026-03-19")
    );
    // Numbers in the weight column stay grams: only a date column has days.
    assert_eq!(grams(&nb, "RR000005011CN"), Some(500.0));
}

/// A bare `Вес` column whose values carry their unit.
#[test]
fn weights_with_their_unit_in_the_values() {
    let nb = nb();
    let v = nb.json(&["import", "csv", &f("weights_with_units_ru.csv")]);
    assert_eq!(v["imported"], 4, "{v}");
    assert_eq!(grams(&nb, "RR000006017CN"), Some(450.0), "0,45 кг");
    assert_eq!(grams(&nb, "RR000006025CN"), Some(450.0), "450 g");
    assert_eq!(grams(&nb, "RR000006034CN"), Some(1200.0), "1 200 г");
    assert_eq!(grams(&nb, "RR000006048CN"), Some(450.0), "450г");
    // A value without a unit under a header without one is refused, not
    // guessed.
    let nb2 = nb_with("w.csv", "Трек-номер;Вес\nRR000006017CN;0,45\n");
    let err = nb2.0.fails(&["import", "csv", &nb2.1]);
    assert!(
        err.contains("line 2, column \"Вес\" (weight_g): \"0,45\" has no unit"),
        "{err}"
    );
    // And on the command line.
    nb.ok(&[
        "add",
        "parcel",
        "--tracking",
        "RR000000028CN",
        "--weight",
        "0,45 kg",
    ]);
    assert_eq!(grams(&nb, "RR000000028CN"), Some(450.0));
}

fn nb_with(name: &str, text: &str) -> (Nb, String) {
    let nb = nb();
    let p = nb._dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    let p = p.to_str().unwrap().to_string();
    (nb, p)
}

/// A Russian table in windows-1251 with `;`: named as not UTF-8 without
/// its encoding, imported with it; `ШПИ` is the tracking number.
#[test]
fn a_windows_1251_semicolon_table() {
    let nb = nb();
    let err = nb.fails(&["import", "csv", &f("ru_cp1251_semicolon.csv")]);
    assert!(
        err.contains("line 1: not UTF-8; pass --encoding windows-1251"),
        "{err}"
    );
    let v = nb.json(&[
        "import",
        "csv",
        &f("ru_cp1251_semicolon.csv"),
        "--encoding",
        "windows-1251",
    ]);
    assert_eq!(v["imported"], 2, "{v}");
    assert_eq!(v["delimiter"], ";");
    assert_eq!(
        text(&nb, "RR000010011CN", "sender_name").as_deref(),
        Some("ООО Шэньчжэнь Лаб")
    );
    assert_eq!(text(&nb, "RR000010011CN", "origin").as_deref(), Some("CN"));
    assert_eq!(grams(&nb, "RR000010025CN"), Some(95.0));
    assert_eq!(
        text(&nb, "RR000010025CN", "seized_on").as_deref(),
        Some("2026-03-16")
    );
}

/// Tab-separated, with a status column and an empty date.
#[test]
fn a_tab_separated_table() {
    let nb = nb();
    let v = nb.json(&["import", "csv", &f("kg_post_tab.tsv")]);
    assert_eq!(v["imported"], 2, "{v}");
    assert_eq!(v["delimiter"], "\t");
    assert_eq!(
        text(&nb, "RR000007012CN", "status").as_deref(),
        Some("seized")
    );
    assert_eq!(
        text(&nb, "RR000007012CN", "recipient_name").as_deref(),
        Some("Бакыт Осмонов")
    );
    assert_eq!(text(&nb, "RR000007026CN", "seized_on"), None);
    assert_eq!(grams(&nb, "RR000007026CN"), Some(80.0));
}

/// `N/A`, `-`, `unknown`, `#N/A` everywhere are empty values; a row with
/// four bad cells is refused naming each by its column, in the listing,
/// the JSON report and the rejects file.
#[test]
fn placeholders_and_a_row_with_several_errors() {
    let nb = nb();
    let err = nb.fails(&["import", "csv", &f("na_and_bad_rows.csv")]);
    for part in [
        "line 4, column \"Sender phone\" (sender_phone): \"+86 abc\" is not a phone number",
        "; column \"Recipient phone\" (recipient_phone): \"12\" is not a phone number",
        "; column \"Weight (g)\" (weight_g): \"heavy\" is not a number",
        "; column \"Seizure date\" (seized_on): \"31.02.2026\" is not a date",
    ] {
        assert!(err.contains(part), "{part} not in {err}");
    }
    assert!(err.contains("1 of 4 rows are bad"), "{err}");
    // (A dry run without --skip-bad is refused as the import is.)
    let v = nb.json(&[
        "import",
        "csv",
        &f("na_and_bad_rows.csv"),
        "--dry-run",
        "--skip-bad",
    ]);
    let problems = v["errors"][0]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 4, "{v}");
    assert_eq!(problems[2]["column"], "Weight (g)");
    assert_eq!(problems[2]["field"], "weight_g");
    let rejects = nb._dir.path().join("rejects.csv");
    let v = nb.json(&[
        "import",
        "csv",
        &f("na_and_bad_rows.csv"),
        "--skip-bad",
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    assert_eq!(v["imported"], 3, "{v}");
    let mut r = csv::Reader::from_path(&rejects).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][9], "4");
    assert_eq!(
        rows[0][10].matches("; column ").count(),
        3,
        "{:?}",
        &rows[0][10]
    );
    for (t, field) in [
        ("RR000008018CN", "sender_name"),
        ("RR000008018CN", "sender_phone"),
        ("RR000008018CN", "seized_on"),
        ("RR000008018CN", "seized_place"),
        ("RR000008021CN", "sender_phone"),
        ("RR000008021CN", "recipient_name"),
        ("RR000008049CN", "origin"),
        ("RR000008049CN", "recipient_phone"),
    ] {
        assert_eq!(text(&nb, t, field), None, "{t} {field}");
    }
    assert_eq!(grams(&nb, "RR000008018CN"), None);
    assert_eq!(text(&nb, "RR000008021CN", "origin").as_deref(), Some("CN"));
    verified(&nb);
}

/// An odd layout (`|`, French headers) that no header recognition knows:
/// refused without a mapping, imported with the one beside it, whose
/// `Poids brut (kg)` column is converted to grams.
#[test]
fn an_odd_layout_imports_with_its_mapping() {
    let nb = nb();
    let err = nb.fails(&["import", "csv", &f("be_odd_layout_mapping.csv")]);
    assert!(err.contains("no tracking column"), "{err}");
    assert_eq!(nb.count("parcels"), 0);
    let v = nb.json(&[
        "import",
        "csv",
        &f("be_odd_layout_mapping.csv"),
        "--mapping",
        &f("be_odd_layout_mapping.toml"),
    ]);
    assert_eq!(v["imported"], 2, "{v}");
    assert_eq!(grams(&nb, "CP000009013NL"), Some(1200.0));
    assert_eq!(grams(&nb, "CP000009027NL"), Some(300.0));
    assert_eq!(
        text(&nb, "CP000009013NL", "seized_on").as_deref(),
        Some("2026-08-14")
    );
    assert_eq!(
        text(&nb, "CP000009013NL", "status").as_deref(),
        Some("seized")
    );
    assert_eq!(
        text(&nb, "CP000009027NL", "declared_contents").as_deref(),
        Some("cosmetics")
    );
    // A mapping that names a bare weight column states its unit.
    let (nb2, file) = nb_with("v.csv", "Ref;Вес\nRR000006017CN;0,45\n");
    let map = nb2._dir.path().join("m.toml");
    std::fs::write(
        &map,
        "[columns]\n\"Ref\" = \"tracking\"\n\"Вес\" = \"weight_g\"\n[units]\n\"Вес\" = \"kg\"\n",
    )
    .unwrap();
    nb2.ok(&["import", "csv", &file, "--mapping", map.to_str().unwrap()]);
    assert_eq!(grams(&nb2, "RR000006017CN"), Some(450.0));
}

/// With --skip-bad a row that is not UTF-8 is one bad row, not the whole
/// file refused; without it, the file is refused naming the line and
/// column, as any bad cell is.
#[test]
fn skip_bad_skips_a_row_that_is_not_utf8() {
    let nb = nb();
    let p = nb._dir.path().join("mixed.csv");
    std::fs::write(
        &p,
        b"Tracking,Sender\nRR000006017CN,ok\nRR000006025CN,\xcf\xe5\xf2\xf0\n" as &[u8],
    )
    .unwrap();
    let file = p.to_str().unwrap();
    let err = nb.fails(&["import", "csv", file]);
    assert!(
        err.contains("line 3, column \"Sender\" (sender_name): not UTF-8 (byte 0xCF"),
        "{err}"
    );
    let out = nb.ok(&["import", "csv", file, "--skip-bad"]);
    assert!(
        out.contains("1 imported") && out.contains("1 rejected"),
        "{out}"
    );
    let rejects = std::fs::read_to_string(nb._dir.path().join("mixed.rejects.csv")).unwrap();
    assert!(
        rejects.contains("RR000006025CN,\u{fffd}")
            && rejects.contains("column \"\"Sender\"\" (sender_name): not UTF-8 (byte 0xCF,"),
        "{rejects}"
    );
}
