//! JSON as interdict prints and writes it: serde_json's, except that every
//! character [`super::text::needs_escape`] would make visible in a terminal
//! (C1 controls, DEL, bidirectional overrides, line and paragraph
//! separators, tag and private-use characters...) is written as a `\uXXXX`
//! escape (a UTF-16 surrogate pair above U+FFFF). The JSON means the same:
//! it parses back to the very same strings. Only the bytes differ, so a
//! JSON document shown in a terminal, pasted into a chat or read by a
//! JavaScript parser that takes U+2028 as a line end cannot reorder, hide
//! or break what it holds.
//!
//! Every JSON the command line prints or writes goes through [`pretty`],
//! [`compact`], [`write_pretty`] or [`write_compact`].

use super::text::needs_escape;
use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter, Serializer};
use std::io::{self, Write};

/// A serde_json formatter (compact or pretty) that escapes what is not
/// shown as itself.
pub struct Safe<F>(pub F);

impl<F: Formatter> Formatter for Safe<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if !needs_escape(c) {
                continue;
            }
            if start < i {
                self.0.write_string_fragment(w, &fragment[start..i])?;
            }
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                write!(w, "\\u{u:04x}")?;
            }
            start = i + c.len_utf8();
        }
        if start < fragment.len() {
            self.0.write_string_fragment(w, &fragment[start..])?;
        }
        Ok(())
    }

    // Everything else as the wrapped formatter writes it: the layout
    // (pretty's indentation lives in these) and the rest.
    fn write_raw_fragment<W: ?Sized + Write>(&mut self, w: &mut W, f: &str) -> io::Result<()> {
        self.0.write_raw_fragment(w, f)
    }
    fn begin_string<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_string(w)
    }
    fn end_string<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_string(w)
    }
    fn write_char_escape<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        e: serde_json::ser::CharEscape,
    ) -> io::Result<()> {
        self.0.write_char_escape(w, e)
    }
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Writes `value` as indented JSON (as `serde_json::to_writer_pretty`),
/// escaping what is not shown as itself.
pub fn write_pretty<W: Write, T: Serialize + ?Sized>(w: W, value: &T) -> serde_json::Result<()> {
    value.serialize(&mut Serializer::with_formatter(
        w,
        Safe(PrettyFormatter::new()),
    ))
}

/// Writes `value` as JSON on one line (as `serde_json::to_writer`),
/// escaping what is not shown as itself.
pub fn write_compact<W: Write, T: Serialize + ?Sized>(w: W, value: &T) -> serde_json::Result<()> {
    value.serialize(&mut Serializer::with_formatter(w, Safe(CompactFormatter)))
}

/// `value` as indented JSON (as `serde_json::to_string_pretty`), escaping
/// what is not shown as itself.
pub fn pretty<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(128);
    write_pretty(&mut out, value)?;
    // Only ASCII escapes and whole UTF-8 strings were written.
    String::from_utf8(out).map_err(serde::ser::Error::custom)
}

/// `value` as JSON on one line (as `serde_json::to_string`), escaping what
/// is not shown as itself.
pub fn compact<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(128);
    write_compact(&mut out, value)?;
    String::from_utf8(out).map_err(serde::ser::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// What must not be in the output: anything escaped in a terminal but
    /// the line breaks of the pretty layout.
    fn hidden(c: char) -> bool {
        c != '\n' && needs_escape(c)
    }

    #[test]
    fn invisible_characters_are_escaped_and_come_back() {
        let s = "a\u{202E}b\u{2028}c\u{E0041}d\u{9B}e\u{7F}f\u{1b}g Иван \u{200B}";
        let v = json!({ s: [s, {"k": s}], "n": 1.5 });
        for out in [pretty(&v).unwrap(), compact(&v).unwrap()] {
            assert!(!out.chars().any(hidden), "{out:?}");
            assert!(out.contains(r"a\u202eb\u2028c\udb40\udc41d\u009be\u007ff\u001bg"));
            assert!(out.contains("Иван"), "{out}");
            assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), v);
        }
    }

    #[test]
    fn plain_json_is_as_serde_json_writes_it() {
        let v = json!({"a": [1, "x", null, {"b": true}], "c": "Ж \"q\" \\ \n"});
        assert_eq!(
            pretty(&v).unwrap(),
            serde_json::to_string_pretty(&v).unwrap()
        );
        assert_eq!(compact(&v).unwrap(), serde_json::to_string(&v).unwrap());
        assert_eq!(pretty(&json!([])).unwrap(), "[]");
    }

    proptest::proptest! {
        #[test]
        fn nothing_invisible_is_written_and_everything_comes_back(
            s in "\\PC*|[\u{0}-\u{10FFFF}]*",
            k in "[\u{0}-\u{10FFFF}]{0,8}",
        ) {
            let v = json!({ k.clone(): s.clone(), "list": [s.clone(), k] });
            for out in [pretty(&v).unwrap(), compact(&v).unwrap()] {
                proptest::prop_assert!(!out.chars().any(hidden), "{:?}", out);
                proptest::prop_assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), v.clone());
            }
        }
    }
}
