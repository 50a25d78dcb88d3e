//! JSON from partners read strictly: an object that gives one key twice
//! is refused, naming the key and where (serde_json keeps the last, so
//! `"Tag": [tlp:red], "Tag": [tlp:clear]` came in CLEAR with no word).

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// What a refusal of a key given twice says, before its key and place.
pub const TWICE: &str = "given twice in one object";

/// `text` as a JSON value; a key given twice in one object is an error
/// at its line and column, as a syntax error is.
pub fn parse(text: &str) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let v = Strict.deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

struct Strict;

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Strict)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            if out.contains_key(&k) {
                return Err(de::Error::custom(format!("the key {k:?} {TWICE}")));
            }
            let v = map.next_value_seed(Strict)?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_given_twice_is_refused_where_it_stands() {
        let e = parse("{\"a\": 1,\n \"Tag\": [], \"Tag\": [1]}").unwrap_err();
        let said = e.to_string();
        assert!(said.contains("\"Tag\" given twice"), "{said}");
        assert!(said.contains("line 2"), "{said}");
        // the same key in two objects is no repeat
        let v = parse(r#"[{"Tag": 1}, {"Tag": 2, "n": {"Tag": 3}}]"#).unwrap();
        assert_eq!(v[1]["n"]["Tag"], 3);
    }

    #[test]
    fn it_reads_what_serde_json_reads() {
        let text = r#"{"s": "é\u00e9", "n": -3, "u": 18446744073709551615, "f": 1.5e3, "b": false, "z": null, "l": [[], {}]}"#;
        assert_eq!(
            parse(text).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
        assert!(parse("{} x").is_err());
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(
            parse(&deep).is_err(),
            "nesting is limited as serde_json limits it"
        );
    }
}
