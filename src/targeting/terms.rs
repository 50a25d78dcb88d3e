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
        Terms { list, index }
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
}
