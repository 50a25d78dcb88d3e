//! The catalogue's substance names and synonyms as declared contents are
//! matched against them: every term checked in catalogue order would cost
//! a thousand comparisons a parcel, so each term is found by its first
//! word through an index of that word and its one-byte deletions (two
//! words one edit apart always share one of those), and only the terms
//! found are checked, whole, in catalogue order. The answer is that of
//! checking every term in turn.

use super::score::term_matches;
use std::collections::HashMap;

/// A word's keys: the word, and when it may be matched with a typo (five
/// bytes or more, as [`term_matches`] allows) each of its one-byte
/// deletions.
fn keys(word: &[u8], mut f: impl FnMut(&[u8])) {
    f(word);
    if word.len() >= 5 {
        let mut k = Vec::with_capacity(word.len());
        for i in 0..word.len() {
            k.clear();
            k.extend_from_slice(&word[..i]);
            k.extend_from_slice(&word[i + 1..]);
            f(&k);
        }
    }
}

/// Folded terms with the substance each names, in catalogue order, and
/// the index of their first words.
#[derive(Default)]
pub struct Terms {
    list: Vec<(String, String)>,
    index: HashMap<Vec<u8>, Vec<u32>, foldhash::fast::RandomState>,
    /// Each substance's CAS number (`437-38-7`), with its name.
    cas: HashMap<String, String>,
}

impl Terms {
    /// `list`: (folded term, substance name), in the order they are tried.
    pub fn new(list: Vec<(String, String)>) -> Terms {
        let mut index: HashMap<Vec<u8>, Vec<u32>, foldhash::fast::RandomState> = HashMap::default();
        for (at, (term, _)) in list.iter().enumerate() {
            let Some(first) = term.split(' ').find(|w| !w.is_empty()) else {
                continue;
            };
            keys(first.as_bytes(), |k| {
                let at = at as u32;
                let e = index.entry(k.to_vec()).or_default();
                if e.last() != Some(&at) {
                    e.push(at);
                }
            });
        }
        Terms {
            list,
            index,
            cas: HashMap::new(),
        }
    }

    /// With the substances' CAS numbers: (number, substance name).
    pub fn with_cas(mut self, cas: Vec<(String, String)>) -> Terms {
        for (c, name) in cas {
            self.cas.entry(c).or_insert(name);
        }
        self
    }

    /// The first CAS number of a substance written in `text` (digits,
    /// hyphen, two digits, hyphen, a digit, standing apart from other
    /// digits), with the substance's name.
    pub fn cas_in(&self, text: &str) -> Option<(&str, &str)> {
        if self.cas.is_empty() {
            return None;
        }
        let b = text.as_bytes();
        let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
        let mut i = 0;
        while i < b.len() {
            if !digit(i) || (i > 0 && digit(i - 1)) {
                i += 1;
                continue;
            }
            let mut j = i;
            while digit(j) {
                j += 1;
            }
            let n = j - i;
            if (2..=7).contains(&n)
                && b.get(j) == Some(&b'-')
                && digit(j + 1)
                && digit(j + 2)
                && b.get(j + 3) == Some(&b'-')
                && digit(j + 4)
                && !digit(j + 5)
                && let Some((c, name)) = self.cas.get_key_value(&text[i..j + 5])
            {
                return Some((c.as_str(), name.as_str()));
            }
            i = j;
        }
        None
    }

    /// The first term, in catalogue order, whose every word is among
    /// `words` (folded), with its substance.
    pub fn first_match<W: AsRef<str>>(&self, words: &[W]) -> Option<(&str, &str)> {
        let mut found: Vec<u32> = Vec::new();
        for w in words {
            keys(w.as_ref().as_bytes(), |k| {
                if let Some(at) = self.index.get(k) {
                    found.extend_from_slice(at);
                }
            });
        }
        found.sort_unstable();
        found.dedup();
        found
            .into_iter()
            .map(|at| &self.list[at as usize])
            .find(|(term, _)| term_matches(term, words))
            .map(|(t, n)| (t.as_str(), n.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    /// Checking every term in turn, as before the index.
    fn each(list: &[(String, String)], w: &[String]) -> Option<String> {
        list.iter()
            .find(|(t, _)| term_matches(t, w))
            .map(|(t, _)| t.clone())
    }

    #[test]
    fn the_index_finds_what_trying_every_term_finds() {
        let list: Vec<(String, String)> = [
            "mephedrone",
            "4 mmc",
            "protonitazene",
            "isotonitazene",
            "alpha pvp",
            "pvp",
            "tea",
            "green tea",
            "карфентанил",
            "spice",
        ]
        .iter()
        .map(|t| (t.to_string(), format!("S-{t}")))
        .collect();
        let terms = Terms::new(list.clone());
        for row in [
            "mephedron",
            "mephedrone powder",
            "mefedrone",
            "xmephedrone",
            "4 mmc sample",
            "mmc 4",
            "protonitazen",
            "isotonitazine crystals",
            "alpha pvp",
            "pvp alpha",
            "tea",
            "teas",
            "green tea leaves",
            "gren tea",
            "карфентанил",
            "карфентанилл",
            "spcie",
            "spices",
            "books",
            "",
        ] {
            let w = words(row);
            assert_eq!(
                terms.first_match(&w).map(|(t, _)| t.to_string()),
                each(&list, &w),
                "{row:?}"
            );
        }
    }

    /// A catalogue substance's CAS number in a declaration is found, as
    /// written, standing apart from other digits; other numbers are not.
    #[test]
    fn a_cas_number_in_a_declaration_is_found() {
        let t = Terms::new(Vec::new()).with_cas(vec![
            ("437-38-7".into(), "Fentanyl".into()),
            ("1165-22-6".into(), "Metonitazene".into()),
        ]);
        assert_eq!(t.cas_in("437-38-7"), Some(("437-38-7", "Fentanyl")));
        assert_eq!(
            t.cas_in("sample, CAS 1165-22-6, 5 g"),
            Some(("1165-22-6", "Metonitazene"))
        );
        for no in [
            "4437-38-7",
            "437-38-71",
            "437 38 7",
            "tea 38-7",
            "2437-38-7x",
        ] {
            assert_eq!(t.cas_in(no), None, "{no}");
        }
    }
}
