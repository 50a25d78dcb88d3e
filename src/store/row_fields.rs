//! A record's row read by serde straight from its columns: each column a
//! field named as in the record's JSON form, its value given as the JSON
//! form holds it (a 16-byte blob a record id's text, a timestamp column's
//! number its text), with no JSON map made between. Reading a record
//! through a `serde_json` map cost a string for every column's name, a
//! JSON value for every column and a sorted map of them, for every record
//! read: a tenth of a merge.
//!
//! The values are handed to serde exactly as `serde_json::Value` hands
//! them ([`super::records::from_row`]'s earlier path, kept as the test's
//! reference): a null as unit (or `None`), a whole number as `u64` when
//! not negative and `i64` otherwise, a real as `f64` (a non-finite one as
//! null), a text as a string, and an enum from its name.

use super::stamp;
use rusqlite::Row;
use rusqlite::types::ValueRef;
use serde::de::value::{Error, StrDeserializer};
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::forward_to_deserialize_any;
use uuid::Uuid;

/// Reads the row's columns `cols` (in the order selected) as a `T`.
pub fn read<T: de::DeserializeOwned>(row: &Row<'_>, cols: &[&'static str]) -> Result<T, Error> {
    T::deserialize(Fields { row, cols, at: 0 })
}

/// The row as a map from column name to value.
struct Fields<'a, 'r> {
    row: &'a Row<'r>,
    cols: &'a [&'static str],
    at: usize,
}

impl<'de> de::Deserializer<'de> for Fields<'_, '_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> MapAccess<'de> for Fields<'_, '_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.cols.get(self.at) {
            Some(col) => seed.deserialize(StrDeserializer::new(col)).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let col = self.cols[self.at];
        let value = self
            .row
            .get_ref(self.at)
            .map_err(|e| de::Error::custom(format!("{col}: {e}")))?;
        self.at += 1;
        seed.deserialize(Column::of(col, value)?)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.cols.len() - self.at)
    }
}

/// One column's value, as the record's JSON form holds it.
enum Column<'v> {
    Null,
    Whole(i64),
    Real(f64),
    Text(&'v str),
    Owned(String),
}

impl<'v> Column<'v> {
    fn of(col: &str, v: ValueRef<'v>) -> Result<Column<'v>, Error> {
        Ok(match v {
            ValueRef::Integer(_) if stamp::is_stamp_column(col) => Column::Owned(stamp::decode(v)),
            ValueRef::Null => Column::Null,
            ValueRef::Integer(n) => Column::Whole(n),
            ValueRef::Real(f) if f.is_finite() => Column::Real(f),
            // (No write stores one: read as nothing, a received file's
            // infinity would merge as an empty field without a word.)
            ValueRef::Real(f) => {
                return Err(de::Error::custom(format!(
                    "{col}: {f}, not a number a record holds"
                )));
            }
            ValueRef::Text(t) => Column::Text(
                std::str::from_utf8(t)
                    .map_err(|_| de::Error::custom(format!("{col}: text that is not UTF-8")))?,
            ),
            ValueRef::Blob(b) => match Uuid::from_slice(b) {
                Ok(id) => Column::Owned(id.to_string()),
                Err(_) => Column::Null,
            },
        })
    }
}

impl<'de> de::Deserializer<'de> for Column<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Column::Null => visitor.visit_unit(),
            Column::Whole(n) if n >= 0 => visitor.visit_u64(n as u64),
            Column::Whole(n) => visitor.visit_i64(n),
            Column::Real(f) => visitor.visit_f64(f),
            Column::Text(s) => visitor.visit_str(s),
            Column::Owned(s) => visitor.visit_string(s),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Column::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            Column::Text(s) => visitor.visit_enum(IntoDeserializer::<Error>::into_deserializer(s)),
            Column::Owned(s) => visitor.visit_enum(IntoDeserializer::<Error>::into_deserializer(s)),
            _ => Err(de::Error::invalid_type(
                de::Unexpected::Other("a value that is not a name"),
                &"the name of a variant",
            )),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::ItemKind;
    use crate::domain::record::Record;
    use crate::store::records;
    use crate::store::testutil::temp_store;
    use rusqlite::Connection;

    /// Every record of the kind read both ways; how many there were.
    fn same_both_ways<R: Record>(conn: &Connection) -> usize {
        let mut stmt = conn.prepare(records::select_sql::<R>()).unwrap();
        let mut rows = stmt.query([]).unwrap();
        let mut n = 0;
        while let Some(row) = rows.next().unwrap() {
            let direct = records::from_row::<R>(row).map(|r| records::to_json(&r).unwrap());
            let through =
                records::from_row_through_json::<R>(row).map(|r| records::to_json(&r).unwrap());
            match (direct, through) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{}", R::KIND),
                (Err(_), Err(_)) => {}
                (a, b) => panic!("{}: read directly {a:?}, through JSON {b:?}", R::KIND),
            }
            n += 1;
        }
        n
    }

    #[test]
    fn every_kind_reads_as_it_did_through_a_json_map() {
        let (_d, mut s) = temp_store();
        crate::exchange::demo::generate(&mut s, 200, 5, |_, _| {}).unwrap();
        let conn = s.conn();
        // Values in the shapes an older or a partner's file may hold: a
        // time as text, a negative and a real number, a text where a
        // number is read, a blob that is no id, a null.
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF;
             UPDATE parcels SET updated_at = '2026-12-05T05:35:31Z' WHERE rowid = 1;
             UPDATE parcels SET weight_g = -3 WHERE rowid = 2;
             UPDATE parcels SET weight_g = 2.5 WHERE rowid = 3;
             UPDATE parcels SET weight_g = 'heavy' WHERE rowid = 4;
             UPDATE parcels SET carrier = NULL WHERE rowid = 5;
             UPDATE findings SET substance_id = x'0102' WHERE rowid = 1;
             PRAGMA foreign_keys = ON;",
        )
        .unwrap();
        let mut read = 0;
        for k in ItemKind::ALL {
            read += crate::with_record_type!(k, R => same_both_ways::<R>(conn));
        }
        assert!(read > 200, "{read} records read");
    }

    #[test]
    fn text_that_is_not_utf8_is_an_error_naming_the_column() {
        let (_d, mut s) = temp_store();
        let (mut p, _) = crate::domain::record::new_record::<crate::domain::Parcel>(&[(
            "tracking",
            "RR123456785KZ",
        )])
        .unwrap();
        s.write(|w| crate::store::create::parcel(w, &mut p))
            .unwrap();
        s.conn()
            .execute("UPDATE parcels SET carrier = CAST(x'ff00' AS TEXT)", [])
            .unwrap();
        let err = records::get::<crate::domain::Parcel>(s.conn(), p.meta.id).unwrap_err();
        assert!(err.to_string().contains("carrier"), "{err}");
    }

    /// An infinity no write stores (a received file's, made with another
    /// tool) is an error naming the column, not an empty field.
    #[test]
    fn an_infinite_number_is_an_error_naming_the_column() {
        let (_d, mut s) = temp_store();
        let (mut p, _) = crate::domain::record::new_record::<crate::domain::Parcel>(&[(
            "tracking",
            "RR123456785KZ",
        )])
        .unwrap();
        s.write(|w| crate::store::create::parcel(w, &mut p))
            .unwrap();
        s.conn()
            .execute("UPDATE parcels SET declared_value = 9e999", [])
            .unwrap();
        let err = records::get::<crate::domain::Parcel>(s.conn(), p.meta.id).unwrap_err();
        let err = err.to_string();
        assert!(
            err.contains("declared_value") && err.contains("inf"),
            "{err}"
        );
    }
}
