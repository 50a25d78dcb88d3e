//! Search across every kind. Every item whose text contains the query's
//! characters in order (case-insensitively: `almty` finds `Almaty`) is a
//! match; matches are ranked by fuzzy-matcher's SkimMatcherV2 score, best
//! first, older items first among equal scores, and the best `limit` are
//! returned.
//!
//! Scoring every row costs about a microsecond, far too much per keystroke
//! over a million parcels, so both ways of searching here skip rows that
//! provably cannot reach the results:
//! - a 64-bit mask of the characters a row holds rejects rows lacking one
//!   of the query's characters;
//! - an upper bound on the score a row can reach (from where its
//!   characters stand: at the start, at word starts, elsewhere) skips rows
//!   that cannot beat the worst result kept so far.
//!
//! [`search`] streams the rows from SQLite in rowid order. [`LiveSearch`]
//! keeps one kind's texts in memory for the live filter, visits rows by
//! descending bound so the results fill with the best rows first, narrows
//! each keystroke to the rows that may match the query before it (rows
//! found not to match are dropped), and scores on both cores. Rows are
//! scored first with a replica of the matcher's programme without its
//! allocations; the matcher scores the results.
//! Both return the same results; `tests/search_narrowing.rs` checks it.

use super::error::Result;
use super::keys;
use crate::domain::ItemKind;
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use uuid::Uuid;

/// Replaces the searchable text of the item `item` (an item key),
/// removing it when empty.
pub fn replace(tx: &Connection, item: i64, label: &str, body: &str, fresh: bool) -> Result<()> {
    if !fresh {
        remove(tx, item)?;
    }
    if body.trim().is_empty() && label.trim().is_empty() {
        return Ok(());
    }
    tx.prepare_cached("INSERT INTO search_items (item, label, body) VALUES (?1, ?2, ?3)")?
        .execute((item, label, body))?;
    Ok(())
}

/// Replaces the searchable text of an item that has one, keeping its row
/// (and so its place among equal scores); nothing is written when the
/// text is unchanged.
pub fn update(tx: &Connection, item: i64, label: &str, body: &str) -> Result<()> {
    let old: Option<(i64, String, String)> = tx
        .prepare_cached("SELECT rowid, label, body FROM search_items WHERE item = ?1")?
        .query_row([item], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((rowid, old_label, old_body)) = old else {
        return replace(tx, item, label, body, true);
    };
    if body.trim().is_empty() && label.trim().is_empty() {
        return remove(tx, item);
    }
    if old_label == label && old_body == body {
        return Ok(());
    }
    tx.prepare_cached("UPDATE search_items SET label = ?2, body = ?3 WHERE rowid = ?1")?
        .execute((rowid, label, body))?;
    Ok(())
}

pub fn remove(tx: &Connection, item: i64) -> Result<()> {
    tx.prepare_cached("DELETE FROM search_items WHERE item = ?1")?
        .execute([item])?;
    Ok(())
}

/// Rows of one kind (by kind code), or of every kind (NULL).
const ROWS_OF_KIND: &str =
    "SELECT rowid, body FROM search_items WHERE (?1 IS NULL OR (item & 15) = ?1) ORDER BY rowid";

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub kind: ItemKind,
    pub id: Uuid,
    pub label: String,
    pub text: String,
    pub score: i64,
    /// Character positions in `text` that matched the query.
    #[serde(skip)]
    pub matched: Vec<usize>,
}

impl Hit {
    /// About `width` characters of the text around the first match, so a
    /// table shows why the item matched.
    pub fn snippet(&self, width: usize) -> String {
        let chars: Vec<char> = self.text.chars().collect();
        let first = self.matched.first().copied().unwrap_or(0);
        let start = first.saturating_sub(width / 4);
        let end = (start + width).min(chars.len());
        let mut s: String = chars[start..end].iter().collect();
        if start > 0 {
            s.insert(0, '…');
        }
        if end < chars.len() {
            s.push('…');
        }
        s
    }
}

/// SkimMatcherV2 scores of fuzzy-matcher 0.3.7 depend on the strings the
/// same matcher scored before (its cached score matrix is reused without
/// clearing a bonus field, and `use_cache(false)` panics), so a fresh
/// matcher scores each text: a row's score is then the same whichever
/// search, thread or order computes it.
fn skim_score(text: &str, q: &str) -> Option<i64> {
    SkimMatcherV2::default().ignore_case().fuzzy_match(text, q)
}

fn skim_indices(text: &str, q: &str) -> Option<Vec<usize>> {
    SkimMatcherV2::default()
        .ignore_case()
        .fuzzy_indices(text, q)
        .map(|(_, idx)| idx)
}

/// SkimMatcherV2's score as a fresh matcher computes it (the same
/// dynamic programme over the same two reused rows, the same constants),
/// without its allocations (and so cheaper), so it decides which rows the
/// matcher itself need score. `skim_score` stays the score that
/// ranks; the two are checked equal by proptest and on the demo data.
struct Replica {
    /// (m, p, bonus) of the two rows.
    cells: Vec<(i32, i32, i32)>,
    place: Vec<i32>,
    first: Vec<usize>,
    chars: Vec<char>,
    pattern: Vec<char>,
}

const NEG_INF: i32 = i16::MIN as i32;

/// A character as the matcher compares and classes it.
trait Ch: Copy + PartialEq {
    fn eq_ic(self, other: Self) -> bool;
    fn class(self) -> CharClass;
}

impl Ch for u8 {
    fn eq_ic(self, other: u8) -> bool {
        self.eq_ignore_ascii_case(&other)
    }
    fn class(self) -> CharClass {
        class(char::from(self))
    }
}

impl Ch for char {
    fn eq_ic(self, other: char) -> bool {
        self.eq_ignore_ascii_case(&other)
    }
    fn class(self) -> CharClass {
        class(self)
    }
}

impl Replica {
    fn new() -> Replica {
        Replica {
            cells: Vec::new(),
            place: Vec::new(),
            first: Vec::new(),
            chars: Vec::new(),
            pattern: Vec::new(),
        }
    }

    fn score(&mut self, text: &str, q: &str) -> Option<i64> {
        if text.is_ascii() && q.is_ascii() {
            return self.dp(text.as_bytes(), q.as_bytes());
        }
        let (mut chars, mut pattern) = (
            std::mem::take(&mut self.chars),
            std::mem::take(&mut self.pattern),
        );
        chars.clear();
        chars.extend(text.chars());
        pattern.clear();
        pattern.extend(q.chars());
        let score = self.dp(&chars, &pattern);
        (self.chars, self.pattern) = (chars, pattern);
        score
    }

    fn dp<C: Ch>(&mut self, choice: &[C], pattern: &[C]) -> Option<i64> {
        if pattern.is_empty() {
            return Some(0);
        }
        // Greedy leftmost positions (the matcher's cheap_matches).
        self.first.clear();
        let mut pi = 0;
        for (idx, &c) in choice.iter().enumerate() {
            if pi < pattern.len() && c.eq_ic(pattern[pi]) {
                self.first.push(idx);
                pi += 1;
            }
        }
        if pi < pattern.len() {
            return None;
        }
        let cols = choice.len() + 1;
        self.place.clear();
        self.place.resize(cols, 0);
        let mut prev = CharClass::Empty;
        for (j, &c) in choice.iter().enumerate() {
            let cur = c.class();
            self.place[j + 1] = class_bonus(prev, cur);
            prev = cur;
        }
        if cols > 1 {
            self.place[1] *= 2;
        }
        // Two fresh rows; row 0 has p = -1 (gap extension) everywhere.
        self.cells.clear();
        self.cells.resize(cols, (NEG_INF, -1, 0));
        self.cells.resize(2 * cols, (NEG_INF, NEG_INF, 0));
        let cells = &mut self.cells[..];
        for (i, &pc) in pattern.iter().enumerate() {
            let row = ((i + 1) & 1) * cols;
            let row_prev = (i & 1) * cols;
            let to_skip = self.first[i];
            for (j, &c) in choice[to_skip..].iter().enumerate() {
                let col = to_skip + j + 1;
                let (cur, last, prev) = (row + col, row + col - 1, row_prev + col - 1);
                let (last_m, last_p, last_bonus) = cells[last];
                if c.eq_ic(pc) {
                    let match_score = if c == pc { 16 } else { 14 };
                    let in_place = self.place[col];
                    let cons = last_bonus.max(in_place.max(4));
                    cells[last].2 = cons;
                    let (prev_m, prev_p, _) = cells[prev];
                    cells[cur].0 = (prev_m + cons).max(prev_p + in_place) + match_score;
                } else {
                    cells[cur].0 = NEG_INF;
                    cells[cur].2 = 0;
                }
                cells[cur].1 = (-4 + last_m).max(-1 + last_p);
            }
        }
        let last_row = (pattern.len() & 1) * cols;
        let from = self.first[pattern.len() - 1];
        cells[last_row + from..last_row + cols]
            .iter()
            .map(|c| c.0)
            .max()
            .map(i64::from)
    }
}

#[inline]
fn class_bonus(prev: CharClass, cur: CharClass) -> i32 {
    use CharClass::*;
    match (prev, cur) {
        (Empty, _) | (HardSep, _) => 8,
        (SoftSep, _) => 7,
        (Lower, Upper) | (Number, Upper) => 6,
        _ => 0,
    }
}

/// The matcher's bonus for a character after `prev`.
#[inline]
fn place_bonus(prev: char, c: char) -> i32 {
    class_bonus(class(prev), class(c))
}

/// The bit standing for a character in a row's mask. Characters the
/// matcher treats as equal (ASCII case) share a bit; others may share one
/// too, which only lets more rows through.
fn bit(c: char) -> u32 {
    match c {
        'a'..='z' => c as u32 - 'a' as u32,
        'A'..='Z' => c as u32 - 'A' as u32,
        '0'..='9' => 26 + c as u32 - '0' as u32,
        ' ' => 36,
        _ => 37 + c as u32 % 27,
    }
}

/// How SkimMatcherV2 classes a character for its position bonuses.
#[derive(Clone, Copy, PartialEq)]
enum CharClass {
    Empty,
    Upper,
    Lower,
    Number,
    HardSep,
    SoftSep,
}

#[inline]
fn class(c: char) -> CharClass {
    if c.is_ascii() {
        return ASCII_CLASS[c as usize];
    }
    class_of(c)
}

/// [`class_of`] for every ASCII character, looked up per character of
/// every row scored.
const ASCII_CLASS: [CharClass; 128] = {
    let mut t = [CharClass::Lower; 128];
    let mut i = 0;
    while i < 128 {
        t[i] = class_of(i as u8 as char);
        i += 1;
    }
    t
};

const fn class_of(c: char) -> CharClass {
    match c {
        '\0' => CharClass::Empty,
        ' ' | '/' | '\\' | '|' | '(' | ')' | '[' | ']' | '{' | '}' => CharClass::HardSep,
        '!'..='\'' | '*'..='.' | ':'..='@' | '^'..='`' | '~' => CharClass::SoftSep,
        '0'..='9' => CharClass::Number,
        'A'..='Z' => CharClass::Upper,
        _ => CharClass::Lower,
    }
}

/// What the bound needs to know of one row (33 bytes).
#[derive(Clone, Copy, Default)]
#[repr(C, packed)]
struct Features {
    /// The characters present.
    mask: u64,
    /// The characters other than capital letters present at a word start
    /// or after punctuation (bonus 8 or 7).
    sep_lower: u64,
    /// The capital letters present there (bits 0-25).
    sep_upper: u32,
    /// The capital letters present on a camelCase hump (bonus 6).
    camels: u32,
    /// For each character at a word start or after punctuation (as it is
    /// written): the character after it, and the next two when they are
    /// word starts too (folded to lower case), hashed into 64 bits.
    pairs: u64,
    /// The bit of the first character, plus 128 when it is a capital
    /// (255 when the text is empty).
    first: u8,
}

fn features(text: &str) -> Features {
    let mut f = Features {
        first: 255,
        ..Features::default()
    };
    let (mut mask, mut sep_lower, mut sep_upper, mut camels) = (0u64, 0u64, 0u32, 0u32);
    let mut pairs = 0u64;
    // The last three characters and their places, newest last: a pair
    // joins a word start `h` to the character after it, and to each of
    // the next two that is a word start too. One pass, no allocation.
    let mut recent: [(char, i32); 3] = [('\0', 0); 3];
    let mut prev = '\0';
    for (seen, c) in text.chars().enumerate() {
        let b = bit(c);
        if prev == '\0' && f.first == 255 {
            f.first = b as u8 | if c.is_ascii_uppercase() { 128 } else { 0 };
        }
        mask |= 1 << b;
        let place = place_bonus(prev, c);
        match place {
            7 | 8 if c.is_ascii_uppercase() => sep_upper |= 1 << b,
            7 | 8 => sep_lower |= 1 << b,
            6 => camels |= 1 << b,
            _ => {}
        }
        for d in 1..=seen.min(3) {
            let (h, h_place) = recent[3 - d];
            if h_place >= 7 && (d == 1 || place >= 7) {
                pairs |= 1 << pair_bit(h, c);
            }
        }
        recent = [recent[1], recent[2], (c, place)];
        prev = c;
    }
    f.mask = mask;
    f.sep_lower = sep_lower;
    f.sep_upper = sep_upper;
    f.camels = camels;
    f.pairs = pairs;
    f
}

/// The bit of a pair in [`Features::pairs`]: `x` as written, `y` folded.
fn pair_bit(x: char, y: char) -> u32 {
    let h = (x as u32).wrapping_mul(0x9E37_79B1)
        ^ (y.to_ascii_lowercase() as u32).wrapping_mul(0x85EB_CA77);
    h.rotate_right(13).wrapping_mul(0xC2B2_AE3D) >> 26
}

/// `c` in the other case (ASCII letters only).
fn swap_case(c: char) -> char {
    if c.is_ascii_uppercase() {
        c.to_ascii_lowercase()
    } else {
        c.to_ascii_uppercase()
    }
}

/// A query, with what the bound needs of it.
struct Query {
    text: String,
    /// The characters, for [`Query::refined`]; folded to lower case as
    /// bytes when all are ASCII (else empty), and the set of those bytes.
    chars: Vec<char>,
    lower: Vec<u8>,
    set: u128,
    /// The pair bits of the first two characters: as typed, and with the
    /// first in the other case.
    pair: Option<(u32, u32)>,
    bits: Vec<u32>,
    /// Which characters are capitals.
    upper: Vec<bool>,
    mask: u64,
    /// For each character but the first, the bonus it can earn right
    /// after the one before it.
    after: Vec<i32>,
}

impl Query {
    fn new(q: &str) -> Query {
        let chars: Vec<char> = q.chars().collect();
        let bits: Vec<u32> = chars.iter().map(|&c| bit(c)).collect();
        let after = (0..chars.len())
            .map(|i| if i == 0 { 0 } else { bonus_after(chars[i - 1]) })
            .collect();
        Query {
            text: q.to_string(),
            lower: if q.is_ascii() {
                q.bytes().map(|b| b.to_ascii_lowercase()).collect()
            } else {
                Vec::new()
            },
            set: if q.is_ascii() {
                q.bytes()
                    .fold(0, |m, b| m | 1 << (b.to_ascii_lowercase() & 127))
            } else {
                0
            },
            chars: chars.clone(),
            pair: (chars.len() >= 2).then(|| {
                (
                    pair_bit(chars[0], chars[1]),
                    pair_bit(swap_case(chars[0]), chars[1]),
                )
            }),
            upper: chars.iter().map(char::is_ascii_uppercase).collect(),
            mask: bits.iter().fold(0, |m, b| m | 1 << b),
            bits,
            after,
        }
    }

    /// The most SkimMatcherV2 can give this row, `None` when one of the
    /// query's characters is missing. The matcher scores a matched
    /// character 16 (14 on a case mismatch), adds a position bonus (8 at a
    /// word start, 7 after punctuation, 6 on a camelCase hump, doubled on
    /// the text's first character) or, right after the previous match, the
    /// larger of 4 and that bonus, and charges 3 plus 1 a character for a
    /// gap. So the first query character scores at most 15 plus the bonus
    /// of the best place the row has it (less 2 if only in the other
    /// case), and each further one at most 20: 16 plus 4 right after the
    /// previous match, unless the row has it where a larger bonus can
    /// follow a character like the previous one, or 16 plus 8 less a gap
    /// of at least 4 at a word start.
    fn bound(&self, f: &Features) -> Option<i32> {
        self.bound_capped(f, &[])
    }

    /// The bound, tightened by reading the row's text (a tenth of what
    /// scoring it costs): a character that never directly follows the one
    /// before it in the row can only be matched after a gap, which costs 4
    /// and earns no consecutive bonus, so it scores at most 16 plus the
    /// best place bonus it has in the row, less 4. `None` when a
    /// character after the first is absent past the row's first place.
    fn refined(&self, f: &Features, text: &str, caps: &mut Vec<i32>) -> Option<i32> {
        let n = self.chars.len();
        if !(2..=64).contains(&n) {
            return self.bound(f);
        }
        caps.clear();
        caps.resize(n, -1);
        let mut adjacent = 0u64;
        if text.is_ascii() && self.lower.len() == n {
            // Bytes, and a set of the query's (folded) bytes, so that most
            // of the row's characters cost a lookup.
            let q = &self.lower;
            let bytes = text.as_bytes();
            let (&first, rest) = bytes.split_first()?;
            let mut prev = first;
            // The query as a subsequence, greedily (what makes a match).
            let mut pi = usize::from(first.to_ascii_lowercase() == q[0]);
            for &c in rest {
                let lc = c.to_ascii_lowercase();
                if self.set >> (lc & 127) & 1 == 1 {
                    if pi < n && lc == q[pi] {
                        pi += 1;
                    }
                    let place = place_bonus(char::from(prev), char::from(c));
                    let lp = prev.to_ascii_lowercase();
                    for i in 1..n {
                        if lc == q[i] {
                            caps[i] = caps[i].max(place);
                            if lp == q[i - 1] {
                                adjacent |= 1 << i;
                            }
                        }
                    }
                }
                prev = c;
            }
            if pi < n {
                return None;
            }
        } else {
            let mut chars = text.chars();
            let mut prev = chars.next()?;
            for c in chars {
                for (i, pair) in self.chars.windows(2).enumerate() {
                    if c.eq_ignore_ascii_case(&pair[1]) {
                        caps[i + 1] = caps[i + 1].max(place_bonus(prev, c));
                        if prev.eq_ignore_ascii_case(&pair[0]) {
                            adjacent |= 1 << (i + 1);
                        }
                    }
                }
                prev = c;
            }
        }
        for (i, cap) in caps.iter_mut().enumerate().skip(1) {
            if *cap < 0 {
                return None;
            }
            *cap = if adjacent >> i & 1 == 1 {
                i32::MAX
            } else {
                16 + *cap - 4
            };
        }
        self.bound_capped(f, caps)
    }

    /// The bound with each character's most (after the first) capped by
    /// `caps` when given.
    fn bound_capped(&self, f: &Features, caps: &[i32]) -> Option<i32> {
        let (mask, sep_lower, sep_upper, camels, first, pairs) =
            (f.mask, f.sep_lower, f.sep_upper, f.camels, f.first, f.pairs);
        if mask & self.mask != self.mask {
            return None;
        }
        // Each character's most, the first two's taken together below.
        let mut incs = [0i32; 2];
        let mut total = 0;
        for (i, &b) in self.bits.iter().enumerate() {
            let lower_sep = sep_lower >> b & 1 == 1;
            let upper_sep = b < 32 && sep_upper >> b & 1 == 1;
            let camel = b < 32 && camels >> b & 1 == 1;
            if i == 0 {
                continue;
            }
            let after_sep = self.after[i] >= 7;
            let next_bonus = if after_sep && (lower_sep || upper_sep) {
                self.after[i]
            } else if !after_sep && camel {
                6
            } else {
                4
            };
            let inc = (16 + next_bonus.max(4)).min(caps.get(i).copied().unwrap_or(i32::MAX));
            if i == 1 {
                incs[1] = inc;
            } else {
                total += inc;
            }
        }
        // The first character, by where in the row it can match; after a
        // word start (or the text's start) the second one earns more than
        // 18 only right after it, or at a word start one or two
        // characters on: pairs the row records.
        let (b, upper) = (self.bits[0], self.upper[0]);
        let lower_sep = sep_lower >> b & 1 == 1;
        let upper_sep = b < 32 && sep_upper >> b & 1 == 1;
        let camel = b < 32 && camels >> b & 1 == 1;
        let second = |pair_bit: Option<u32>| match (self.bits.len(), pair_bit) {
            (1, _) => 0,
            (_, Some(p)) if pairs >> p & 1 == 0 => 18.min(incs[1]),
            _ => incs[1],
        };
        let (same, other) = match self.pair {
            Some((s, o)) => (Some(s), Some(o)),
            None => (None, None),
        };
        let (exact_sep, other_sep) = if upper {
            (upper_sep, lower_sep)
        } else {
            (lower_sep, upper_sep)
        };
        let mut best = 15 + second(None);
        if u32::from(first & 127) == b {
            let exact = (first >= 128) == upper;
            let s = -1 + if exact { 16 } else { 14 } + 16;
            best = best.max(s + second(if exact { same } else { other }));
        }
        if exact_sep {
            best = best.max(23 + second(same));
        }
        if other_sep {
            best = best.max(21 + second(other));
        }
        if camel {
            best = best.max(-1 + if upper { 16 } else { 14 } + 6 + second(None));
        }
        Some(best + total)
    }
}

/// The largest bonus a character right after `prev` can have (and at
/// least 4, what following a match earns).
fn bonus_after(prev: char) -> i32 {
    match class(prev) {
        CharClass::Empty | CharClass::HardSep => 8,
        CharClass::SoftSep => 7,
        _ => 6,
    }
}

/// True when `a` occurs in `b` in order, as the matcher compares
/// characters (ASCII case ignored): every match of `b` is a match of `a`.
fn subsequence(a: &str, b: &str) -> bool {
    let mut it = b.chars();
    a.chars().all(|c| it.any(|d| d.eq_ignore_ascii_case(&c)))
}

/// Keeps the best `limit` of (score, row order) pairs: higher score first,
/// earlier row first among equals.
struct Best {
    limit: usize,
    heap: std::collections::BinaryHeap<std::cmp::Reverse<(i64, std::cmp::Reverse<u64>)>>,
}

impl Best {
    fn new(limit: usize) -> Best {
        Best {
            limit,
            heap: std::collections::BinaryHeap::new(),
        }
    }

    fn full(&self) -> bool {
        self.heap.len() >= self.limit
    }

    /// The worst kept result, once `limit` are kept.
    fn worst(&self) -> Option<(i64, u64)> {
        if !self.full() {
            return None;
        }
        self.heap.peek().map(|r| (r.0.0, r.0.1.0))
    }

    /// True when a row with at most `bound` at position `order` could still
    /// enter the results.
    fn could_take(&self, bound: i64, order: u64) -> bool {
        match self.worst() {
            None => true,
            Some((score, at)) => bound > score || (bound == score && order < at),
        }
    }

    fn offer(&mut self, score: i64, order: u64) {
        if !self.could_take(score, order) {
            return;
        }
        self.heap
            .push(std::cmp::Reverse((score, std::cmp::Reverse(order))));
        if self.heap.len() > self.limit {
            self.heap.pop();
        }
    }

    /// Best first.
    fn into_sorted(self) -> Vec<(i64, u64)> {
        let mut v: Vec<(i64, u64)> = self.heap.into_iter().map(|r| (r.0.0, r.0.1.0)).collect();
        v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        v
    }
}

/// Items whose text matches `query`, best first.
pub fn search(
    conn: &Connection,
    query: &str,
    kind: Option<ItemKind>,
    limit: usize,
) -> Result<Vec<Hit>> {
    Ok(search_cancellable(conn, query, kind, limit, &|| false)?.unwrap_or_default())
}

/// Rows of one kind (or all) within a range of rowids.
const ROWS_OF_KIND_BETWEEN: &str = "SELECT rowid, body FROM search_items
     WHERE (?1 IS NULL OR (item & 15) = ?1) AND rowid BETWEEN ?2 AND ?3 ORDER BY rowid";

/// Above this many rows, a one-shot search reads the second half of them
/// on the other core, through a second read-only connection.
const TWO_CORES_FROM: i64 = 50_000;

/// As [`search`], giving up (with `None`) as soon as `cancelled` says so.
/// Reads every row of the kind from SQLite once, in rowid order; a file
/// with many rows is read in two halves, one per core, and the best of
/// both kept (the same results: each half keeps its exact best).
pub fn search_cancellable(
    conn: &Connection,
    query: &str,
    kind: Option<ItemKind>,
    limit: usize,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Result<Option<Vec<Hit>>> {
    search_split(conn, query, kind, limit, cancelled, TWO_CORES_FROM)
}

/// [`search_cancellable`], on two cores when there are more than
/// `two_cores_from` rows.
fn search_split(
    conn: &Connection,
    query: &str,
    kind: Option<ItemKind>,
    limit: usize,
    cancelled: &(dyn Fn() -> bool + Sync),
    two_cores_from: i64,
) -> Result<Option<Vec<Hit>>> {
    let q = query.trim();
    if q.is_empty() || limit == 0 {
        return Ok(Some(Vec::new()));
    }
    let top: i64 = conn.query_row(
        "SELECT coalesce(max(rowid), 0) FROM search_items",
        [],
        |r| r.get(0),
    )?;
    let second = if top > two_cores_from {
        super::second_reader(conn)
    } else {
        None
    };
    let found = match second {
        Some(other) => {
            let mid = top / 2;
            let (mine, theirs) = std::thread::scope(|s| {
                let theirs =
                    s.spawn(move || scan(&other, q, kind, limit, mid + 1, i64::MAX, cancelled));
                let mine = scan(conn, q, kind, limit, i64::MIN, mid, cancelled);
                let theirs = theirs
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
                (mine, theirs)
            });
            let (Some(mine), Some(theirs)) = (mine?, theirs?) else {
                return Ok(None);
            };
            let mut best = Best::new(limit);
            for (score, order) in mine.into_iter().chain(theirs) {
                if best.could_take(score, order) {
                    best.offer(score, order);
                }
            }
            best.into_sorted()
        }
        None => match scan(conn, q, kind, limit, i64::MIN, i64::MAX, cancelled)? {
            Some(found) => found,
            None => return Ok(None),
        },
    };
    let mut hits = Vec::with_capacity(found.len());
    for (score, rowid) in found {
        if let Some(h) = hit_at(conn, rowid as i64, None, Some(q), score)? {
            hits.push(h);
        }
    }
    Ok(Some(hits))
}

/// The best `limit` rows (score, rowid) among rowids `lo..=hi`, best
/// first; `None` when cancelled.
fn scan(
    conn: &Connection,
    q: &str,
    kind: Option<ItemKind>,
    limit: usize,
    lo: i64,
    hi: i64,
    cancelled: &dyn Fn() -> bool,
) -> Result<Option<Vec<(i64, u64)>>> {
    let query = Query::new(q);
    let mut best = Best::new(limit);
    let mut replica = Replica::new();
    let mut stmt = conn.prepare_cached(ROWS_OF_KIND_BETWEEN)?;
    let mut rows = stmt.query((kind.map(keys::kind_code), lo, hi))?;
    let mut n = 0u32;
    while let Some(r) = rows.next()? {
        n += 1;
        if n.is_multiple_of(4096) && cancelled() {
            return Ok(None);
        }
        let rowid: i64 = r.get(0)?;
        let Ok(body) = r.get_ref(1)?.as_str() else {
            continue;
        };
        let Some(bound) = query.bound(&features(body)) else {
            continue;
        };
        if !best.could_take(bound.into(), rowid as u64) {
            continue;
        }
        if let Some(score) = replica.score(body, q)
            && best.could_take(score, rowid as u64)
            && let Some(score) = skim_score(body, q)
        {
            best.offer(score, rowid as u64);
        }
    }
    Ok(Some(best.into_sorted()))
}

/// The hit for one row of `search_items`, with the matched characters.
fn hit_at(
    conn: &Connection,
    rowid: i64,
    text: Option<&str>,
    q: Option<&str>,
    score: i64,
) -> Result<Option<Hit>> {
    let row: Option<(i64, String, String)> = conn
        .prepare_cached("SELECT item, label, body FROM search_items WHERE rowid = ?1")?
        .query_row([rowid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((item, label, body)) = row else {
        return Ok(None);
    };
    let Some((kind, id)) = keys::id_of(conn, item)? else {
        return Ok(None);
    };
    // A row rewritten since the texts were loaded is not shown stale.
    if text.is_some_and(|t| t != body) {
        return Ok(None);
    }
    let matched = q.and_then(|q| skim_indices(&body, q)).unwrap_or_default();
    Ok(Some(Hit {
        kind,
        id,
        label,
        text: body,
        score,
        matched,
    }))
}

/// One kind's searchable texts, held in memory.
#[derive(Default)]
struct Corpus {
    /// Every text, one after another.
    text: String,
    /// Where each text starts in `text` (one more entry than rows).
    starts: Vec<u32>,
    rowids: Vec<i64>,
    features: Vec<Features>,
}

impl Corpus {
    fn load(
        conn: &Connection,
        kind: Option<ItemKind>,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<Option<Corpus>> {
        let mut c = Corpus::default();
        c.starts.push(0);
        let mut stmt = conn.prepare_cached(ROWS_OF_KIND)?;
        let mut rows = stmt.query([kind.map(keys::kind_code)])?;
        let mut n = 0u32;
        while let Some(r) = rows.next()? {
            n += 1;
            if n.is_multiple_of(16384) && cancelled() {
                return Ok(None);
            }
            let Ok(body) = r.get_ref(1)?.as_str() else {
                continue;
            };
            if body.is_empty() {
                continue;
            }
            if c.text.len() + body.len() > u32::MAX as usize {
                break;
            }
            c.rowids.push(r.get(0)?);
            c.features.push(features(body));
            c.text.push_str(body);
            c.starts.push(c.text.len() as u32);
        }
        c.text.shrink_to_fit();
        c.starts.shrink_to_fit();
        c.rowids.shrink_to_fit();
        c.features.shrink_to_fit();
        Ok(Some(c))
    }

    fn len(&self) -> usize {
        self.rowids.len()
    }

    #[inline]
    fn text(&self, i: u32) -> &str {
        let i = i as usize;
        &self.text[self.starts[i] as usize..self.starts[i + 1] as usize]
    }
}

/// The rows that may match one query, each with a bound on its score
/// (exact where the row was scored).
struct Level {
    query: String,
    rows: Vec<u32>,
    bounds: Vec<i32>,
    /// The results, and for how many asked.
    results: Vec<(i64, u64)>,
    limit: usize,
}

/// Marks a row found not to match.
const NO_MATCH: i32 = i32::MIN;

/// Rows scored between two looks at `cancelled`, split over the threads.
const CHUNK: usize = 1024;

/// The live filter's search over one kind: texts held in memory (loaded
/// on first use and again when another connection has written, as
/// `PRAGMA data_version` tells), narrowing keystroke by keystroke.
pub struct LiveSearch {
    kind: Option<ItemKind>,
    corpus: Option<Corpus>,
    data_version: Option<i64>,
    /// Queries typed, each extending the one below it.
    levels: Vec<Level>,
    threads: usize,
    /// (rows considered, rows scored) by the last search, for benchmarks.
    last: (usize, usize),
    /// Whether hits carry the positions of the matched characters.
    positions: bool,
}

impl LiveSearch {
    pub fn new(kind: Option<ItemKind>) -> LiveSearch {
        LiveSearch {
            kind,
            corpus: None,
            data_version: None,
            levels: Vec::new(),
            threads: std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
            last: (0, 0),
            positions: true,
        }
    }

    pub fn kind(&self) -> Option<ItemKind> {
        self.kind
    }

    /// How many rows the last search considered (had the query's
    /// characters) and how many it scored with the matcher.
    pub fn last_work(&self) -> (usize, usize) {
        self.last
    }

    /// Leaves [`Hit::matched`] empty (callers that do not show it).
    pub fn without_positions(mut self) -> LiveSearch {
        self.positions = false;
        self
    }

    /// Uses this many threads for scoring (at least one).
    pub fn with_threads(mut self, n: usize) -> LiveSearch {
        self.threads = n.max(1);
        self
    }

    /// Loads the texts if they are missing or another connection has
    /// written since. `None` when cancelled.
    pub fn refresh(
        &mut self,
        conn: &Connection,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<Option<()>> {
        let v: i64 = conn.pragma_query_value(None, "data_version", |r| r.get(0))?;
        if self.corpus.is_some() && self.data_version == Some(v) {
            return Ok(Some(()));
        }
        self.levels.clear();
        self.corpus = None;
        let Some(c) = Corpus::load(conn, self.kind, cancelled)? else {
            return Ok(None);
        };
        self.corpus = Some(c);
        self.data_version = Some(v);
        Ok(Some(()))
    }

    /// Forgets the texts (they are loaded again on the next search).
    pub fn invalidate(&mut self) {
        self.corpus = None;
        self.levels.clear();
    }

    /// The best `limit` matches of `query`, as [`search`] finds them;
    /// `None` when `cancelled` said so first.
    pub fn search(
        &mut self,
        conn: &Connection,
        query: &str,
        limit: usize,
        cancelled: &(dyn Fn() -> bool + Sync),
    ) -> Result<Option<Vec<Hit>>> {
        let q = query.trim();
        if q.is_empty() || limit == 0 {
            return Ok(Some(Vec::new()));
        }
        if self.refresh(conn, cancelled)?.is_none() {
            return Ok(None);
        }
        let Some(found) = self.rank(q, limit, cancelled) else {
            return Ok(None);
        };
        let Some(corpus) = &self.corpus else {
            return Ok(Some(Vec::new()));
        };
        let mut hits = Vec::with_capacity(found.len());
        for (score, i) in found {
            let i = i as u32;
            if let Some(h) = hit_at(
                conn,
                corpus.rowids[i as usize],
                Some(corpus.text(i)),
                self.positions.then_some(q),
                score,
            )? {
                hits.push(h);
            }
        }
        Ok(Some(hits))
    }

    /// (score, row) of the best `limit` matches, best first.
    fn rank(
        &mut self,
        q: &str,
        limit: usize,
        cancelled: &(dyn Fn() -> bool + Sync),
    ) -> Option<Vec<(i64, u64)>> {
        let corpus = self.corpus.as_ref()?;
        // The same query again (a deleted character retyped, or Esc and
        // back): its results are known.
        if let Some(pos) = self.levels.iter().position(|l| l.query == q) {
            self.levels.truncate(pos + 1);
            let l = &self.levels[pos];
            if l.limit == limit {
                return Some(l.results.clone());
            }
        }
        // Keep the levels whose query the new one extends.
        while self
            .levels
            .last()
            .is_some_and(|l| !subsequence(&l.query, q))
        {
            self.levels.pop();
        }
        let query = Query::new(q);
        let mut level = match self.levels.last() {
            Some(base) if base.query == q => Level {
                query: q.to_string(),
                rows: base.rows.clone(),
                bounds: base.bounds.clone(),
                results: Vec::new(),
                limit,
            },
            Some(base) => narrow(corpus, base, &query, self.threads, cancelled)?,
            None => everything(corpus, &query, self.threads, cancelled)?,
        };
        if self.levels.last().is_some_and(|l| l.query == q) {
            self.levels.pop();
        }
        let mut scored = 0;
        level.results = best_of(
            corpus,
            &mut level,
            &query,
            limit,
            self.threads,
            cancelled,
            &mut scored,
        )?;
        self.last = (level.rows.len(), scored);
        level.limit = limit;
        let results = level.results.clone();
        self.levels.push(level);
        // Bounded memory: drop the oldest levels beyond two million rows.
        while self.levels.len() > 1
            && self.levels.iter().map(|l| l.rows.len()).sum::<usize>() > 2_000_000
        {
            self.levels.remove(0);
        }
        Some(results)
    }
}

/// Splits `0..n` into `parts` ranges and runs `f` on each, on its own
/// thread but the first, returning the results in order.
fn split<T: Send>(
    n: usize,
    parts: usize,
    f: impl Fn(std::ops::Range<usize>) -> T + Sync,
) -> Vec<T> {
    let parts = parts.clamp(1, n.max(1));
    let per = n.div_ceil(parts);
    let ranges: Vec<std::ops::Range<usize>> = (0..parts)
        .map(|p| (p * per).min(n)..((p + 1) * per).min(n))
        .collect();
    if parts == 1 {
        return vec![f(0..n)];
    }
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = ranges[1..]
            .iter()
            .cloned()
            .map(|r| s.spawn(move || f(r)))
            .collect();
        let mut out = vec![f(ranges[0].clone())];
        for h in handles {
            match h.join() {
                Ok(v) => out.push(v),
                Err(e) => std::panic::resume_unwind(e),
            }
        }
        out
    })
}

/// Every row with the query's characters, with its bound.
fn everything(
    corpus: &Corpus,
    query: &Query,
    threads: usize,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Option<Level> {
    let parts = split(corpus.len(), threads, |r| {
        let mut rows = Vec::new();
        let mut bounds = Vec::new();
        for i in r {
            if let Some(b) = query.bound(&corpus.features[i]) {
                rows.push(i as u32);
                bounds.push(b);
            }
        }
        (rows, bounds)
    });
    if cancelled() {
        return None;
    }
    Some(join_level(query, parts))
}

/// The rows of `base` that may match `query` (which extends base's query).
fn narrow(
    corpus: &Corpus,
    base: &Level,
    query: &Query,
    threads: usize,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Option<Level> {
    let parts = split(base.rows.len(), threads, |r| {
        let mut rows = Vec::new();
        let mut bounds = Vec::new();
        for k in r {
            if base.bounds[k] == NO_MATCH {
                continue;
            }
            let i = base.rows[k];
            if let Some(b) = query.bound(&corpus.features[i as usize]) {
                rows.push(i);
                bounds.push(b);
            }
        }
        (rows, bounds)
    });
    if cancelled() {
        return None;
    }
    Some(join_level(query, parts))
}

fn join_level(query: &Query, parts: Vec<(Vec<u32>, Vec<i32>)>) -> Level {
    let n = parts.iter().map(|p| p.0.len()).sum();
    let mut rows = Vec::with_capacity(n);
    let mut bounds = Vec::with_capacity(n);
    for (r, b) in parts {
        rows.extend_from_slice(&r);
        bounds.extend_from_slice(&b);
    }
    Level {
        query: query.text.clone(),
        rows,
        bounds,
        results: Vec::new(),
        limit: 0,
    }
}

/// What became of a row visited for the results.
enum Scored {
    Score(i64),
    /// Not scored: its bound from its text cannot enter the results.
    Bounded(i32),
    NoMatch,
}

/// The best `limit` rows of a level: rows are visited by descending bound
/// (then row order), so the kept results fill with good rows early, and
/// the visit stops at the first row whose bound cannot beat the worst kept
/// result. Scored rows get their exact score as their bound, or are
/// marked as not matching.
fn best_of(
    corpus: &Corpus,
    level: &mut Level,
    query: &Query,
    limit: usize,
    threads: usize,
    cancelled: &(dyn Fn() -> bool + Sync),
    scored_rows: &mut usize,
) -> Option<Vec<(i64, u64)>> {
    let n = level.rows.len();
    if n == 0 {
        return Some(Vec::new());
    }
    // Counting sort by bound, descending; stable, so row order within.
    let lo = level
        .bounds
        .iter()
        .copied()
        .filter(|&b| b != NO_MATCH)
        .min()
        .unwrap_or(0);
    let hi = level.bounds.iter().copied().max().unwrap_or(0);
    let span = (hi - lo) as usize + 1;
    let mut counts = vec![0usize; span + 1];
    for &b in &level.bounds {
        if b != NO_MATCH {
            counts[(hi - b) as usize + 1] += 1;
        }
    }
    for k in 1..counts.len() {
        counts[k] += counts[k - 1];
    }
    let total = counts[span];
    let mut order = vec![0u32; total];
    for (k, &b) in level.bounds.iter().enumerate() {
        if b != NO_MATCH {
            let slot = &mut counts[(hi - b) as usize];
            order[*slot] = k as u32;
            *slot += 1;
        }
    }
    let mut best = Best::new(limit);
    let mut at = 0;
    while at < total {
        if cancelled() {
            return None;
        }
        // The next rows that could still enter the results.
        let mut end = at;
        while end < total && end - at < CHUNK * threads {
            let k = order[end] as usize;
            if !best.could_take(level.bounds[k].into(), u64::from(level.rows[k])) {
                break;
            }
            end += 1;
        }
        if end == at {
            break;
        }
        let batch = &order[at..end];
        // Once the results are full, a row is first bounded again from its
        // text, and scored only if it can still enter them.
        let best_now = &best;
        let scored = split(batch.len(), threads, |r| {
            let mut replica = Replica::new();
            let mut caps = Vec::new();
            batch[r]
                .iter()
                .map(|&k| {
                    let row = level.rows[k as usize];
                    let text = corpus.text(row);
                    if best_now.full() {
                        match query.refined(&corpus.features[row as usize], text, &mut caps) {
                            None => return Scored::NoMatch,
                            Some(b) if !best_now.could_take(b.into(), row.into()) => {
                                return Scored::Bounded(b);
                            }
                            Some(_) => {}
                        }
                    }
                    match replica.score(text, &query.text) {
                        Some(s) => Scored::Score(s),
                        None => Scored::NoMatch,
                    }
                })
                .collect::<Vec<_>>()
        });
        for (&k, score) in batch.iter().zip(scored.into_iter().flatten()) {
            let k = k as usize;
            match score {
                Scored::Score(s) => {
                    *scored_rows += 1;
                    level.bounds[k] = s.clamp(i64::from(i32::MIN + 1), i64::from(i32::MAX)) as i32;
                    best.offer(s, u64::from(level.rows[k]));
                }
                Scored::Bounded(b) => level.bounds[k] = b,
                Scored::NoMatch => level.bounds[k] = NO_MATCH,
            }
        }
        at = end;
    }
    // The results as the matcher itself scores them.
    let kept = best.into_sorted();
    let rescored = split(kept.len(), threads, |r| {
        kept[r]
            .iter()
            .map(|&(replica, i)| {
                let score = skim_score(corpus.text(i as u32), &query.text);
                debug_assert_eq!(score, Some(replica), "{:?}", corpus.text(i as u32));
                (score.unwrap_or(replica), i)
            })
            .collect::<Vec<_>>()
    });
    let mut out: Vec<(i64, u64)> = rescored.into_iter().flatten().collect();
    out.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::{new_record, set_fields};
    use crate::domain::{Case, Parcel};
    use crate::store::testutil::temp_store;
    use crate::store::{create, records};

    #[test]
    fn finds_substrings_fuzzy_matches_and_catalogue_names() {
        let (_d, mut s) = temp_store();
        let id = s
            .write(|w| {
                let (mut p, _) = new_record::<Parcel>(&[
                    ("tracking", "RR123456785KZ"),
                    ("recipient_address", "Almaty, ul. Abaya 5"),
                    ("declared_contents", "tea sample"),
                ])?;
                create::parcel(w, &mut p)?;
                Ok(p.meta.id)
            })
            .unwrap();
        let hits = search(s.conn(), "tea sample", None, 10).unwrap();
        assert_eq!(hits[0].id, id);
        let hits = search(s.conn(), "almty", None, 10).unwrap();
        assert_eq!(hits[0].id, id, "non-contiguous query finds Almaty");
        let hits = search(s.conn(), "carfentanil", Some(ItemKind::Substance), 5).unwrap();
        assert_eq!(hits[0].label, "Carfentanil");
        assert!(search(s.conn(), "zzzzqqqq", None, 10).unwrap().is_empty());

        // Edits and deletes keep the index in step.
        s.write(|w| {
            let mut p: Parcel = records::must_get(&w.tx, id)?;
            set_fields(&mut p, &[("declared_contents", "pigment")])?;
            records::update(w, &mut p)?;
            Ok(())
        })
        .unwrap();
        assert!(
            search(s.conn(), "tea sample", Some(ItemKind::Parcel), 10)
                .unwrap()
                .is_empty()
        );
        assert_eq!(search(s.conn(), "pigment", None, 10).unwrap()[0].id, id);
        s.write(|w| records::delete(w, ItemKind::Parcel, id))
            .unwrap();
        assert!(
            search(s.conn(), "pigment", Some(ItemKind::Parcel), 10)
                .unwrap()
                .is_empty()
        );
        let n: i64 = s
            .conn()
            .query_row(
                // Rows of parcels no longer there.
                "SELECT count(*) FROM search_items WHERE (item & 15) = 2
                   AND NOT EXISTS (SELECT 1 FROM parcels WHERE n = item >> 4)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 0);
    }

    /// Read in two halves on two cores, a search returns exactly what one
    /// pass returns, ties in the same order.
    #[test]
    fn two_halves_give_the_results_of_one_pass() {
        let (_d, mut s) = temp_store();
        let words = ["Almaty", "tea", "Karaganda", "sample", "pigment", "Kazakh"];
        s.write(|w| {
            for i in 0..300usize {
                let title = format!(
                    "{} {} {i}",
                    words[i % words.len()],
                    words[(i / 6) % words.len()]
                );
                let (mut c, _) = new_record::<Case>(&[("title", title.as_str())])?;
                create::case(w, &mut c)?;
            }
            Ok(())
        })
        .unwrap();
        for q in ["almty", "tea", "ka", "C-01", "zzzq", "a"] {
            for limit in [1, 7, 50, 1000] {
                let one = search_split(s.conn(), q, None, limit, &|| false, i64::MAX)
                    .unwrap()
                    .unwrap();
                let two = search_split(s.conn(), q, None, limit, &|| false, 10)
                    .unwrap()
                    .unwrap();
                let key = |h: &Hit| (h.score, h.id);
                assert_eq!(
                    one.iter().map(key).collect::<Vec<_>>(),
                    two.iter().map(key).collect::<Vec<_>>(),
                    "{q} {limit}"
                );
            }
        }
    }

    #[test]
    fn a_small_limit_keeps_the_best_of_many_matches() {
        let (_d, mut s) = temp_store();
        crate::exchange::demo::generate(&mut s, 400, 5, |_, _| {}).unwrap();
        for q in ["a", "kz", "almty"] {
            let all = search(s.conn(), q, Some(ItemKind::Parcel), 100_000).unwrap();
            assert!(all.len() > 50, "{q}: {}", all.len());
            let top = search(s.conn(), q, Some(ItemKind::Parcel), 7).unwrap();
            let ids = |h: &[Hit]| h.iter().map(|h| (h.score, h.id)).collect::<Vec<_>>();
            assert_eq!(ids(&top), ids(&all[..7]), "{q}");
            assert!(top.iter().all(|h| !h.matched.is_empty()));
        }
    }

    /// Texts and queries rich in what the matcher's bonuses look at: case,
    /// separators, punctuation, digits, a non-ASCII letter.
    fn tricky() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::collection::vec(
            proptest::sample::select(vec![
                'a', 'A', 'b', 'B', 'l', ' ', '|', '.', '-', '1', 'é', '/',
            ]),
            0..40,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

        /// The bound is never below the score, a missing character is
        /// never a match, and the replica scores as the matcher does.
        /// (Appending to a query can raise a score by more than the new
        /// characters earn: the matcher's reused rows let a later
        /// character start from an earlier one's score, so the bound is
        /// not carried from one keystroke to the next.)
        /// The one-pass features are those of the two-pass reading they
        /// replaced (every character's place first, then the pairs).
        #[test]
        fn features_in_one_pass_are_the_two_pass_ones(text in tricky()) {
            let chars: Vec<char> = text.chars().collect();
            let mut places = Vec::new();
            let mut prev = '\0';
            for &c in &chars {
                places.push(place_bonus(prev, c));
                prev = c;
            }
            let mut pairs = 0u64;
            for h in 0..chars.len() {
                if places[h] < 7 {
                    continue;
                }
                for d in 1..=3 {
                    if h + d < chars.len() && (d == 1 || places[h + d] >= 7) {
                        pairs |= 1 << pair_bit(chars[h], chars[h + d]);
                    }
                }
            }
            prop_assert_eq!(features(&text).pairs, pairs);
        }

        #[test]
        fn the_bound_holds(text in tricky(), q in "[abAB l|.1é-]{1,6}") {
            let query = Query::new(&q);
            let score = skim_score(&text, &q);
            match query.bound(&features(&text)) {
                None => prop_assert!(score.is_none()),
                Some(b) => prop_assert!(score.is_none_or(|s| s <= i64::from(b)), "{score:?} > {b}"),
            }
            match query.refined(&features(&text), &text, &mut Vec::new()) {
                None => prop_assert!(score.is_none()),
                Some(b) => prop_assert!(score.is_none_or(|s| s <= i64::from(b)), "refined: {score:?} > {b}"),
            }
            prop_assert_eq!(score.is_some(), subsequence(&q, &text));
            prop_assert_eq!(Replica::new().score(&text, &q), score);
        }
    }

    #[test]
    fn a_fresh_matcher_scores_the_same_whatever_came_before() {
        // fuzzy-matcher 0.3.7 reuses a matrix between calls; these scored
        // differently after other strings through one shared matcher.
        for (text, q) in [("|-A.|-a-aBbaa ", "bbaa"), ("A .|Ab..Bbb bbc--c.", "bbb")] {
            let alone = skim_score(text, q);
            let shared = SkimMatcherV2::default().ignore_case();
            let _ = shared.fuzzy_match("| A|A|A|A|A|A|A|A|A|A|A|A|A|A|A|A|A", "aaaaaaaaaa");
            let _ = shared.fuzzy_match("Almaty | aaaaaab | A A A A AAAB", "aaab");
            let _ = skim_score("Almaty | aaaaaab | A A A A AAAB", "aaab");
            assert_eq!(skim_score(text, q), alone);
        }
    }
}
