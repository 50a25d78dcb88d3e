//! Scoring a text against a query as fuzzy-matcher's SkimMatcherV2 does,
//! and the allocation-free replica of its programme that decides which
//! rows the matcher itself need score.

use super::*;

/// SkimMatcherV2 scores of fuzzy-matcher 0.3.7 depend on the strings the
/// same matcher scored before (its cached score matrix is reused without
/// clearing a bonus field, and `use_cache(false)` panics), so a fresh
/// matcher scores each text: a row's score is then the same whichever
/// search, thread or order computes it.
pub(super) fn skim_score(text: &str, q: &str) -> Option<i64> {
    SkimMatcherV2::default().ignore_case().fuzzy_match(text, q)
}

/// The characters of `text` that match the query, as search ranks them.
pub fn skim_indices(text: &str, q: &str) -> Option<Vec<usize>> {
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
pub(super) struct Replica {
    /// (m, p, bonus) of the two rows.
    cells: Vec<(i32, i32, i32)>,
    place: Vec<i32>,
    first: Vec<usize>,
    chars: Vec<char>,
    pattern: Vec<char>,
}

pub(super) const NEG_INF: i32 = i16::MIN as i32;

/// A character as the matcher compares and classes it.
pub(super) trait Ch: Copy + PartialEq {
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
    pub(super) fn new() -> Replica {
        Replica {
            cells: Vec::new(),
            place: Vec::new(),
            first: Vec::new(),
            chars: Vec::new(),
            pattern: Vec::new(),
        }
    }

    /// Whether `q` can match in `text` at all: its characters in order
    /// (either case), which [`Replica::score`] looks for first and
    /// scores nothing without. For an ASCII query, a byte loop over the
    /// text that stops once the last character is found (an ASCII
    /// character equals, in either case, only an ASCII byte of UTF-8, so
    /// any text is read as bytes, with no pass to see whether it is
    /// ASCII); for others, true (the score says).
    pub(super) fn could_match(text: &str, q: &str) -> bool {
        if !q.is_ascii() {
            return true;
        }
        let mut pattern = q.as_bytes().iter();
        let Some(mut want) = pattern.next() else {
            return true;
        };
        for c in text.as_bytes() {
            if c.eq_ic(*want) {
                match pattern.next() {
                    Some(next) => want = next,
                    None => return true,
                }
            }
        }
        false
    }

    pub(super) fn score(&mut self, text: &str, q: &str) -> Option<i64> {
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

    pub(super) fn dp<C: Ch>(&mut self, choice: &[C], pattern: &[C]) -> Option<i64> {
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
pub(super) fn class_bonus(prev: CharClass, cur: CharClass) -> i32 {
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
pub(super) fn place_bonus(prev: char, c: char) -> i32 {
    class_bonus(class(prev), class(c))
}

/// The bit standing for a character in a row's mask. Characters the
/// matcher treats as equal (ASCII case) share a bit; others may share one
/// too, which only lets more rows through.
pub(super) fn bit(c: char) -> u32 {
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
pub(super) enum CharClass {
    Empty,
    Upper,
    Lower,
    Number,
    HardSep,
    SoftSep,
}

#[inline]
pub(super) fn class(c: char) -> CharClass {
    if c.is_ascii() {
        return ASCII_CLASS[c as usize];
    }
    class_of(c)
}

/// [`class_of`] for every ASCII character, looked up per character of
/// every row scored.
pub(super) const ASCII_CLASS: [CharClass; 128] = {
    let mut t = [CharClass::Lower; 128];
    let mut i = 0;
    while i < 128 {
        t[i] = class_of(i as u8 as char);
        i += 1;
    }
    t
};

pub(super) const fn class_of(c: char) -> CharClass {
    match c {
        '\0' => CharClass::Empty,
        ' ' | '/' | '\\' | '|' | '(' | ')' | '[' | ']' | '{' | '}' => CharClass::HardSep,
        '!'..='\'' | '*'..='.' | ':'..='@' | '^'..='`' | '~' => CharClass::SoftSep,
        '0'..='9' => CharClass::Number,
        'A'..='Z' => CharClass::Upper,
        _ => CharClass::Lower,
    }
}
