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
