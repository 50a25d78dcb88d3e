//! Tests of the import as a partner's files exercise it: the same values
//! written differently, repeated and odd headers, encodings, huge cells,
//! ragged rows and dates that cannot be right.

use super::*;
use crate::store::testutil::temp_store;

fn import_text(store: &mut Store, text: &str, opts: &Options) -> Result<Report, ImportError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.csv");
    std::fs::write(&path, text).unwrap();
    let prep = Prepared::new(&path, None, None, None)?;
    run(store, &prep, opts, |_| {})
}

/// A phone is the same phone however it is written: a re-import that
/// writes it otherwise is a duplicate, as a weight in other units is; a
/// different number is still said.
#[test]
fn a_phone_written_otherwise_is_the_same_value() {
    let (_d, mut s) = temp_store();
    let o = Options::default();
    let first = "Tracking number,Origin,Sender phone,Recipient phone,Weight\n\
                 RR473124829KZ,CN,+77011234567,87015550142,450 g\n";
    let r = import_text(&mut s, first, &o).unwrap();
    assert_eq!(r.imported, 1, "{r:?}");
    // Destination unknown in the file: the national recipient number is
    // compared as written, and matches as written.
    let again = "Tracking number,Origin,Sender phone,Recipient phone,Weight\n\
                 RR473124829KZ,CN,+7 701 123-45-67,8 (701) 555-01-42,0.45 kg\n";
    let r = import_text(&mut s, again, &o).unwrap();
    assert_eq!((r.duplicates, r.rejected), (1, 0), "{:?}", r.errors);
    // The same in one file: the second row repeats the first.
    let (_d2, mut s2) = temp_store();
    let twice = "Tracking number,Sender phone\n\
                 RR473124829KZ,+77011234567\n\
                 RR473124829KZ,+7 (701) 123 45 67\n";
    let r = import_text(&mut s2, twice, &o).unwrap();
    assert_eq!((r.imported, r.duplicates, r.rejected), (1, 1, 0), "{r:?}");
    // Another number is other values, shown as written.
    let other = "Tracking number,Origin,Sender phone,Weight\n\
                 RR473124829KZ,CN,+7 701 123-45-68,450 g\n";
    let r = import_text(&mut s, other, &o).unwrap();
    assert_eq!(r.rejected, 1);
    assert!(
        r.errors[0]
            .message
            .contains("sender_phone (file \"+7 701 123-45-68\", notebook \"+77011234567\")"),
        "{}",
        r.errors[0].message
    );
}

fn prepared(
    text: &str,
    mapping: Option<&str>,
) -> (tempfile::TempDir, Result<Prepared, ImportError>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.csv");
    std::fs::write(&path, text).unwrap();
    let m = mapping.map(|t| Mapping::parse(t, Path::new("m.toml")).unwrap());
    let prep = Prepared::new(&path, m.as_ref(), None, None);
    (dir, prep)
}

/// Two columns headed alike cannot be told apart by header: the error
/// says to name one by its place, `--save-mapping` writes places for
/// them, and a mapping by place imports the file.
#[test]
fn columns_headed_alike_are_told_apart_by_place() {
    let csv =
        "Tracking number,Sender phone,Sender phone\nRR473124829KZ,+77011234567,+77011234568\n";
    let (_d, prep) = prepared(csv, None);
    let prep = prep.unwrap();
    let e = prep
        .plan
        .check(Path::new("in.csv"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("columns 2 and 3 are both headed \"Sender phone\"")
            && e.contains("\"#2\" = \"sender_phone\" and \"#3\" = \"\""),
        "{e}"
    );
    let saved = prep.mapping().to_toml();
    assert!(
        saved.contains("\"Tracking number\" = \"tracking\"")
            && saved.contains("\"#2\" = \"sender_phone\"")
            && saved.contains("\"#3\" = \"sender_phone\""),
        "{saved}"
    );
    // Read back as saved, it names the two columns and says to choose.
    let e = Mapping::parse(&saved, Path::new("m.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("both fill sender_phone; set one to \"\""), "{e}");
    // A key by header fills both; one by place takes the second out.
    let m = "[columns]\n\"Tracking number\" = \"tracking\"\n\"Sender phone\" = \"sender_phone\"\n\"#3\" = \"\"\n";
    let (_d, prep) = prepared(csv, Some(m));
    let prep = prep.unwrap();
    prep.plan.check(Path::new("in.csv")).unwrap();
    assert_eq!(
        prep.plan.fields,
        [Some("tracking"), Some("sender_phone"), None]
    );
    assert_eq!(prep.plan.ignored, ["Sender phone (column 3)"]);
    let (_s, mut s) = temp_store();
    let r = run(&mut s, &prep, &Options::default(), |_| {}).unwrap();
    assert_eq!(r.imported, 1, "{r:?}");
    let p: Vec<Parcel> = records::list(s.conn(), 1, 0).unwrap();
    assert_eq!(p[0].sender_phone.as_deref(), Some("+77011234567"));
    // By place alone, the other way round (the column the mapping does
    // not name recognised by its header).
    let m = "[columns]\n\"#1\" = \"tracking\"\n\"#3\" = \"recipient_phone\"\n";
    let (_d, prep) = prepared(csv, Some(m));
    let prep = prep.unwrap();
    assert_eq!(
        prep.plan.fields,
        [
            Some("tracking"),
            Some("sender_phone"),
            Some("recipient_phone")
        ]
    );
    // A mapping for the odd column alone: the others recognised.
    let (_d, prep) = prepared(
        "Tracking number,Recipient name,Peso (kg)\nRR473124829KZ,Ivan,\"1,5\"\n",
        Some("[columns]\n\"Peso (kg)\" = \"weight_g\"\n"),
    );
    let prep = prep.unwrap();
    prep.plan.check(Path::new("in.csv")).unwrap();
    assert_eq!(
        prep.plan.fields,
        [Some("tracking"), Some("recipient_name"), Some("weight_g")]
    );
    // Column 0 is none.
    let e = Mapping::parse("[columns]\n\"#0\" = \"tracking\"\n", Path::new("m.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("counted from 1"), "{e}");
}

/// A mapping key that is no header of the file is said as that, with
/// the file's headers, not as a file whose columns are not recognised.
#[test]
fn a_mapping_key_matching_no_header_is_named() {
    let csv = "Tracking number,Sender phone\nRR473124829KZ,+77011234567\n";
    for key in ["Nope", "#7"] {
        let m = format!("[columns]\n\"{key}\" = \"tracking\"\n");
        let (_d, prep) = prepared(csv, Some(&m));
        let e = prep
            .unwrap()
            .plan
            .check(Path::new("in.csv"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!(
                "the mapping's column \"{key}\" (for tracking) is not in the file, whose columns are \"Tracking number\", \"Sender phone\""
            )),
            "{e}"
        );
    }
}

/// UTF-16 without a byte-order mark is told in any script: a Cyrillic
/// header has NULs only at its delimiters and line ends.
#[test]
fn utf16_without_a_bom_is_told_for_cyrillic_text() {
    let text = "Трек-номер,Отправитель,Телефон отправителя\r\n\
                RR473124829KZ,Иван Петров,+77011234567\r\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    assert_eq!(reader::utf16_by_nuls(&le), Some(encoding_rs::UTF_16LE));
    assert_eq!(reader::utf16_by_nuls(&be), Some(encoding_rs::UTF_16BE));
    // The start cut in the middle of a character.
    let header: Vec<u8> = "Трек-номер;Получатель\nРР"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    assert_eq!(
        reader::utf16_by_nuls(&header[..header.len() - 1]),
        Some(encoding_rs::UTF_16LE)
    );
    // A title above the header.
    let titled: Vec<u8> = "Изъятия за июнь\r\nТрек-номер,Получатель\r\n"
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .collect();
    assert_eq!(reader::utf16_by_nuls(&titled), Some(encoding_rs::UTF_16BE));
    // A character beyond the first plane cut between its halves.
    let far: Vec<u8> = "Имя,Заметка\n1,𝔸"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    assert_eq!(
        reader::utf16_by_nuls(&far[..far.len() - 2]),
        Some(encoding_rs::UTF_16LE)
    );
    // With a byte-order mark too: reported as the UTF-16 it is (a file
    // with one was reported as UTF-8).
    let with_bom = |mark: &[u8], body: &[u8]| [mark, body].concat();
    let le_bom = with_bom(&[0xFF, 0xFE], &le);
    let be_bom = with_bom(&[0xFE, 0xFF], &be);
    for (bytes, name) in [
        (le.clone(), "UTF-16LE"),
        (be.clone(), "UTF-16BE"),
        (le_bom, "UTF-16LE"),
        (be_bom, "UTF-16BE"),
    ] {
        let (_d, mut s) = temp_store();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        std::fs::write(&path, &bytes).unwrap();
        let prep = Prepared::new(&path, None, None, None).unwrap();
        let r = run(&mut s, &prep, &Options::default(), |_| {}).unwrap();
        assert_eq!((r.imported, r.encoding.as_str()), (1, name), "{r:?}");
        let p: Vec<Parcel> = records::list(s.conn(), 1, 0).unwrap();
        assert_eq!(p[0].sender_name.as_deref(), Some("Иван Петров"));
    }
    // Not UTF-16: UTF-8 Cyrillic, ASCII with a stray NUL, binary.
    assert_eq!(reader::utf16_by_nuls(text.as_bytes()), None);
    assert_eq!(
        reader::utf16_by_nuls(b"tracking,name\nRR1,a\x00b\nRR2,c\n"),
        None
    );
    assert_eq!(
        reader::utf16_by_nuls(b"SQLite format 3\x00\x10\x00\x01\x01"),
        None
    );
    let nul_pair: Vec<u8> = "a,b\n\u{0}c,d\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    assert_eq!(reader::utf16_by_nuls(&nul_pair), None, "a NUL character");
}

/// A cell too long to be a value is not held whole: its row is read up
/// to it and rejected, naming line and column, and the rows after it
/// keep their true lines (its line breaks counted though not held).
#[test]
fn a_huge_cell_is_not_held_and_its_row_is_rejected() {
    let big = "x".repeat(3 * MAX_CELL_BYTES as usize);
    let breaks = "\r\n".repeat(MAX_CELL_BYTES as usize);
    let commas = ",".repeat(MAX_ROW_BYTES as usize);
    let quotes = "\"\"".repeat(MAX_CELL_BYTES as usize);
    let csv = format!(
        "Tracking number,Sender name,Weight\n\
         RR473124829KZ,\"{big}\",450 g\n\
         RR123456785KZ,{big},12 g\n\
         EE473124829CN,\"a{breaks}b\",1 g\n\
         RR470000003CN,ok{commas}\n\
         RR470000017CN,\"q{quotes}\",2 g\n\
         RR470000025CN,ok,heavy\n\
         RR470000034CN,Ivan,3 g\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let rejects = dir.path().join("r.csv");
    let opts = Options {
        skip_bad: true,
        rejects: Some(rejects.clone()),
        ..Options::default()
    };
    let (_d, mut s) = temp_store();
    let r = import_text(&mut s, &csv, &opts).unwrap();
    assert_eq!((r.imported, r.rejected), (1, 6), "{:?}", r.errors);
    let said: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
    let cell = "(sender_name): the cell is over 2 MiB";
    assert!(said[0].starts_with("line 2, column \"Sender name\" ") && said[0].contains(cell));
    assert!(said[1].starts_with("line 3, column \"Sender name\" ") && said[1].contains(cell));
    assert!(said[2].starts_with("line 4, column \"Sender name\" ") && said[2].contains(cell));
    let row_line = 5 + MAX_CELL_BYTES;
    assert!(
        said[3].starts_with(&format!("line {row_line}, column \"(column "))
            && said[3].contains("the row is over 4 MiB"),
        "{}",
        said[3]
    );
    assert!(said[4].starts_with(&format!("line {}, ", row_line + 1)) && said[4].contains(cell));
    assert!(said[5].starts_with(&format!("line {}, column \"Weight\"", row_line + 2)));
    let p: Vec<Parcel> = records::list(s.conn(), 1, 0).unwrap();
    assert_eq!(p[0].tracking, "RR470000034CN");
    // The rejects file holds each row as far as it was read.
    let written = std::fs::read(&rejects).unwrap();
    assert!(
        written.len() < 12 * MAX_CELL_BYTES as usize,
        "{}",
        written.len()
    );
    let mut back = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(written.as_slice());
    let lines: Vec<String> = back
        .records()
        .map(|r| {
            let r = r.unwrap();
            r.get(r.len() - 2).unwrap().to_string()
        })
        .collect();
    assert_eq!(lines[..3], ["2", "3", "4"]);
    // A header that long is no header.
    let e = import_text(&mut s, &format!("Tracking,{big}\nRR473124829KZ,1\n"), &opts)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("line 1: the header's column 2: the cell is over 2 MiB"),
        "{e}"
    );
}

/// A row that never ends (a stream with no line ends: `/dev/zero`, a
/// pipe) refuses the file, naming the line it began
/// on, once 64 MiB were passed over looking for its end: the rest of it
/// was passed over until the stream ended, from a device or pipe never.
#[test]
fn a_row_that_never_ends_refuses_the_file() {
    let tail = "a".repeat((MAX_SKIPPED_BYTES + MAX_ROW_BYTES) as usize + (1 << 20));
    let csv = format!("Tracking number,Destination\nRR473124829KZ,KZ\nRR123456785KZ,KZ{tail}");
    let (_d, mut s) = temp_store();
    let e = import_text(&mut s, &csv, &Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("the row that begins on line 3 runs on for more than 64 MiB with no end"),
        "{e}"
    );
    let p: Vec<Parcel> = records::list(s.conn(), 10, 0).unwrap();
    assert!(p.is_empty());
}

/// A row whose only cells past the header's are empty (a trailing
/// delimiter, as Excel writes) is a row like any other; one with more
/// cells is refused, and the rejects file keeps its extra cells under
/// columns of their own, `line` and `error` under their names in every
/// row.
#[test]
fn extra_cells_keep_the_rejects_file_aligned_and_trailing_empty_ones_are_no_cells() {
    let csv = "Tracking number,Sender name,Recipient name,Weight\n\
               RR473124829KZ,Wang,Ivan,450 g,,2\n\
               RR123456785KZ,Li,Olga,12 g,\n\
               RR470000003CN,\"Li\nWei\",Olga,12 g, ,\n\
               EE473124829CN,Chen,Anna,heavy,\n\
               RR470000017CN,Sun\n";
    let dir = tempfile::tempdir().unwrap();
    let rejects = dir.path().join("r.csv");
    let opts = Options {
        skip_bad: true,
        rejects: Some(rejects.clone()),
        ..Options::default()
    };
    let (_d, mut s) = temp_store();
    let r = import_text(&mut s, csv, &opts).unwrap();
    assert_eq!((r.imported, r.rejected), (2, 3), "{:?}", r.errors);
    assert_eq!(
        r.errors[0].to_string(),
        "line 2: the row has 6 cells, the header 4"
    );
    let mut back = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&rejects)
        .unwrap();
    let header: Vec<String> = back.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        header,
        [
            "Tracking number",
            "Sender name",
            "Recipient name",
            "Weight",
            "(column 5)",
            "(column 6)",
            "line",
            "error"
        ]
    );
    let rows: Vec<Vec<String>> = back
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    for row in &rows {
        assert_eq!(row.len(), header.len(), "{row:?}");
    }
    assert_eq!(
        rows[0][..7],
        ["RR473124829KZ", "Wang", "Ivan", "450 g", "", "2", "2"]
    );
    assert_eq!(
        rows[1][..7],
        ["EE473124829CN", "Chen", "Anna", "heavy", "", "", "6"]
    );
    assert_eq!(rows[2][..7], ["RR470000017CN", "Sun", "", "", "", "", "7"]);
    assert!(rows[2][7].contains("the row has 2 cells"), "{:?}", rows[2]);
}

/// A two-digit year is not guessed (`4.3.69` is not 2069-03-04), and a
/// seizure or posting date after today is refused, each naming line and
/// column; four-digit years, times of day and ISO dates read as before.
#[test]
fn two_digit_years_and_future_dates_are_refused() {
    let future = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        .checked_add(jiff::Span::new().days(3))
        .unwrap();
    let csv = format!(
        "Tracking number,Seized on,Posted on\n\
         RR123456785KZ,4.3.69,01.01.2020\n\
         RR473124829KZ,13/03/26,01.01.2020\n\
         EE473124829CN,05.03.2020,{future}\n\
         RR470000003CN,{future},\n\
         RR470000017CN,04.03.1969 10:00,2020-03-01T08:00\n"
    );
    let (_d, mut s) = temp_store();
    let r = import_text(&mut s, &csv, &Options::default()).unwrap();
    assert_eq!((r.new, r.rejected), (1, 4), "{:?}", r.errors);
    let said: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        said[0],
        "line 2, column \"Seized on\" (seized_on): \"4.3.69\" has a two-digit year \
         (1969 or 2069?), which is not guessed: write the year in four digits"
    );
    assert!(
        said[1].starts_with(
            "line 3, column \"Seized on\" (seized_on): \"13/03/26\" has a two-digit year"
        ),
        "{}",
        said[1]
    );
    assert_eq!(
        said[2],
        format!(
            "line 4, column \"Posted on\" (posted_on): {future} is in the future: a parcel \
             is recorded as posted once it was"
        )
    );
    assert_eq!(
        said[3],
        format!(
            "line 5, column \"Seized on\" (seized_on): {future} is in the future: a seizure \
             is recorded once it happened"
        )
    );
    // The good row's dates, with their times of day dropped.
    let opts = Options {
        skip_bad: true,
        rejects: Some(_d.path().join("r.csv")),
        ..Options::default()
    };
    import_text(&mut s, &csv, &opts).unwrap();
    let p: Vec<Parcel> = records::list(s.conn(), 1, 0).unwrap();
    assert_eq!(p[0].seized_on.as_deref(), Some("1969-03-04"));
    assert_eq!(p[0].posted_on.as_deref(), Some("2020-03-01"));
    // A future date beside another cell's problem is said with it, every
    // problem of the row at once (it was said once the other was mended).
    let csv = format!(
        "Tracking number,Recipient phone,Seized on\n\
         RR000071109CN,+7 abc,{future}\n"
    );
    let r = import_text(&mut s, &csv, &Options::default()).unwrap();
    let said = r.errors[0].to_string();
    assert!(
        said.contains("\"+7 abc\" is not a phone number")
            && said.contains(&format!(
                "column \"Seized on\" (seized_on): {future} is in the future"
            )),
        "{said}"
    );
}

/// A cell typed over several lines goes into a one-line field with its
/// lines joined by ", ", a line that ends with its own comma not given a
/// second one (`г. Астана,, пр. ...`).
#[test]
fn lines_of_a_cell_are_joined_with_one_comma() {
    let (_d, mut s) = temp_store();
    let csv = "Tracking;Recipient address;Weight (g)\n\
               RR123456785KZ;\"г. Астана,\nпр. Республики 1\n\nкв. 5\";5\n";
    import_text(&mut s, csv, &Options::default()).unwrap();
    let p: Vec<Parcel> = records::list(s.conn(), 1, 0).unwrap();
    assert_eq!(
        p[0].recipient_address.as_deref(),
        Some("г. Астана, пр. Республики 1, кв. 5")
    );
}

/// A header line ending with its delimiter (as a spreadsheet writes) has
/// no column there to ignore: it was reported as `(column 4)`.
#[test]
fn a_trailing_delimiter_on_the_header_is_no_column() {
    let (_d, mut s) = temp_store();
    let csv = "Tracking;Recipient address;Weight (g);\nRR123456785KZ;Almaty;5;\n";
    let r = import_text(&mut s, csv, &Options::default()).unwrap();
    assert!(r.ignored_columns.is_empty(), "{:?}", r.ignored_columns);
    assert_eq!(r.imported, 1);
}

/// A column whose values tell both decimal marks says so of a value it
/// cannot read, instead of "no other value in this column tells which".
#[test]
fn a_column_whose_marks_disagree_says_so() {
    let (_d, mut s) = temp_store();
    let csv =
        "Tracking;Weight (kg)\nRR000100009CN;2,300.75\nRR000100012CN;0,25\nRR000100026CN;1,200\n";
    let opts = Options {
        skip_bad: true,
        ..Options::default()
    };
    let r = import_text(&mut s, csv, &opts).unwrap();
    let said = format!("{:?}", r.errors);
    assert!(said.contains("disagree on the decimal mark"), "{said}");
    // Naming the column's own values (it named 0,5 and 1,200.5 whatever
    // the column held).
    assert!(said.contains("0,25") && said.contains("2,300.75"), "{said}");
}

/// A date column whose own dates tell both orders says so of a date
/// that reads both ways (it said no date in the column told which), and
/// the dates that tell their order are read in it.
#[test]
fn a_date_column_written_both_ways_says_so() {
    let (_d, mut s) = temp_store();
    let csv = "Tracking,Weight (g),Seizure date\nRR000011017CN,100,13/01/2026\n\
               RR000011025CN,100,1/13/2026\nRR000011034CN,100,03/04/2026\n";
    let opts = Options {
        skip_bad: true,
        ..Options::default()
    };
    let r = import_text(&mut s, csv, &opts).unwrap();
    let said = format!("{:?}", r.errors);
    assert!(
        said.contains("this column's dates are written both ways")
            && said.contains("13/01/2026")
            && said.contains("1/13/2026"),
        "{said}"
    );
    assert_eq!(r.imported, 2);
}

/// A value's currency written in its header (`Value ($)`, `Стоимость
/// (USD)`) is each row's currency where the row says none (it was
/// dropped: a value with no currency, which no value test reads); a
/// currency column's own cell wins, and terms of delivery are no currency.
#[test]
fn a_currency_in_the_value_header_is_the_rows_currency() {
    for (h, code) in [
        ("Value ($)", Some("USD")),
        ("Стоимость (USD)", Some("USD")),
        ("Declared value, EUR", Some("EUR")),
        ("Объявленная ценность, руб", Some("RUB")),
        ("Value ₸", Some("KZT")),
        ("Value (CIF)", None),
        ("Value", None),
        ("Value (USD/EUR)", None),
    ] {
        assert_eq!(headers::currency_in_header(h).map(|(c, _)| c), code, "{h}");
        // Recognised as a value with its currency, or not at all.
        let want = (!matches!(h, "Value (CIF)" | "Value (USD/EUR)")).then_some("declared_value");
        assert_eq!(recognise(h), want, "{h}");
    }
    let (_d, mut s) = temp_store();
    let text = "Трек-номер;Стоимость (USD);Валюта;Вес (г)\n\
                RR473124829KZ;5;;1000\n\
                RR000000014KZ;7;EUR;200\n\
                RR000000028KZ;;;300\n";
    let r = import_text(&mut s, text, &Options::default()).unwrap();
    assert_eq!((r.imported, r.rejected), (3, 0), "{:?}", r.errors);
    assert_eq!(
        r.columns
            .iter()
            .find(|c| c.field == "declared_value")
            .and_then(|c| c.currency),
        Some("USD")
    );
    let got: Vec<(String, Option<f64>, Option<String>)> = s
        .conn()
        .prepare(
            "SELECT tracking, declared_value, declared_currency FROM parcels ORDER BY tracking",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        got,
        vec![
            ("RR000000014KZ".into(), Some(7.0), Some("EUR".into())),
            ("RR000000028KZ".into(), None, None),
            ("RR473124829KZ".into(), Some(5.0), Some("USD".into())),
        ]
    );
}

/// What a parcel's own check says of a row (a value with no currency, an
/// S10 number of another post than its origin) is counted by field and
/// said with the first row's line: `add` said it of one parcel, an import
/// of thousands said nothing.
#[test]
fn what_the_parcels_check_says_is_counted_by_field() {
    let (_d, mut s) = temp_store();
    let text = "Tracking number,Origin,Declared value,Weight (g)\n\
                RR473124829KZ,KZ,5,100\n\
                RR000000014KZ,KZ,,100\n\
                RR000000028KZ,CN,7,100\n";
    let r = import_text(&mut s, text, &Options::default()).unwrap();
    assert_eq!(r.imported, 3, "{:?}", r.errors);
    let got: Vec<(&str, u64, u64)> = r
        .notices
        .iter()
        .map(|n| (n.field.as_str(), n.rows, n.first_line))
        .collect();
    assert_eq!(got, vec![("declared_currency", 2, 2), ("origin", 1, 4)]);
    assert!(
        r.notices[1].first.contains("issued by the post of KZ"),
        "{:?}",
        r.notices
    );
}

/// A mapped weight column whose header names no unit this tool reads
/// (`Poids`, `重量`) is refused row by row as a bare `Weight` is, unless
/// a value or `[units]` says one: `1,5` under `Poids` was stored as
/// 1.5 g. Units in other languages' words are read (`重量(公斤)`,
/// `Gewicht (Pfund)`, `Вес (килограммы)`).
#[test]
fn a_mapped_weight_column_that_names_no_unit_is_not_grams() {
    let import_mapped = |text: &str, mapping: &str| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        std::fs::write(&path, text).unwrap();
        let m = Mapping::parse(mapping, &dir.path().join("m.toml")).unwrap();
        let prep = Prepared::new(&path, Some(&m), None, None).unwrap();
        let (_d, mut s) = temp_store();
        let r = run(&mut s, &prep, &Options::default(), |_| {}).unwrap();
        let w: Option<f64> = s
            .conn()
            .query_row("SELECT weight_g FROM parcels", [], |r| r.get(0))
            .ok()
            .flatten();
        (r, w)
    };
    let (r, w) = import_mapped(
        "Num. envoi|Poids\nRR000000155RU|1,5\n",
        "[columns]\n\"Num. envoi\" = \"tracking\"\n\"Poids\" = \"weight_g\"\n",
    );
    assert_eq!((r.imported, r.rejected, w), (0, 1, None), "{r:?}");
    assert!(r.errors[0].to_string().contains("has no unit"), "{r:?}");
    for (header, grams) in [
        ("重量(公斤)", 1500.0),
        ("Вес (килограммы)", 1500.0),
        ("Gewicht (Pfund)", 680.388_555),
        ("Poids (g)", 1.5),
    ] {
        let (r, w) = import_mapped(
            &format!("Num. envoi|{header}\nRR000000155RU|1,5\n"),
            &format!("[columns]\n\"Num. envoi\" = \"tracking\"\n\"{header}\" = \"weight_g\"\n"),
        );
        assert_eq!(r.imported, 1, "{header}: {r:?}");
        assert!((w.unwrap() - grams).abs() < 0.01, "{header}: {w:?}");
    }
    // A value that says its unit is read under any header.
    let (r, w) = import_mapped(
        "Num. envoi|Poids\nRR000000155RU|1,5 kg\n",
        "[columns]\n\"Num. envoi\" = \"tracking\"\n\"Poids\" = \"weight_g\"\n",
    );
    assert_eq!((r.imported, w), (1, Some(1500.0)), "{r:?}");
}

/// A dotted date follows the order its column is told (`--date-order`,
/// its header, its other dates), as a slash date does: `03.04.2026` was
/// read day first under `--date-order mdy` and under `(mm.dd.yyyy)`.
#[test]
fn a_dotted_date_follows_its_columns_order() {
    let stored = |s: &Store| -> Vec<(String, String)> {
        s.conn()
            .prepare("SELECT tracking, seized_on FROM parcels ORDER BY tracking")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    // The header tells.
    let (_d, mut s) = temp_store();
    let r = import_text(
        &mut s,
        "Tracking number,Seizure date (mm.dd.yyyy)\nRR473124829KZ,03.04.2026\nRR000000014KZ,04.25.2026\n",
        &Options::default(),
    )
    .unwrap();
    assert_eq!((r.imported, r.rejected), (2, 0), "{:?}", r.errors);
    assert_eq!(
        stored(&s),
        vec![
            ("RR000000014KZ".into(), "2026-04-25".into()),
            ("RR473124829KZ".into(), "2026-03-04".into())
        ]
    );
    // The column's other dates tell, dotted or slashed.
    let (_d, mut s) = temp_store();
    let r = import_text(
        &mut s,
        "Tracking number,Seizure date\nRR473124829KZ,03.04.2026\nRR000000014KZ,04/25/2026\n",
        &Options::default(),
    )
    .unwrap();
    assert_eq!((r.imported, r.rejected), (2, 0), "{:?}", r.errors);
    assert_eq!(stored(&s)[1].1, "2026-03-04");
    // Told nothing, day first as before.
    let (_d, mut s) = temp_store();
    import_text(
        &mut s,
        "Tracking number,Seizure date\nRR473124829KZ,03.04.2026\n",
        &Options::default(),
    )
    .unwrap();
    assert_eq!(stored(&s)[0].1, "2026-04-03");
}

/// Every column's name worked out in one pass is the name each one gets
/// alone (a header of 100,000 columns took 71 s, each name looked for
/// among all the others).
#[test]
fn every_columns_name_in_one_pass_is_each_ones() {
    use super::plan::{column_name, column_names};
    let header: Vec<String> = ["Tracking", "", "Phone", "Phone", " Remarks "]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let all = column_names(&header);
    assert_eq!(all.len(), header.len());
    for (i, n) in all.iter().enumerate() {
        assert_eq!(n, &column_name(&header, i));
    }
    assert_eq!(all[2], "Phone (column 3)");
    assert_eq!(all[1], "(column 2)");
}
