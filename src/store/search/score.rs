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
    sparse: Sparse,
}

/// The texts the sparse programme scores: ASCII, at most this long (so
/// that a score reached by a real path never falls to the programme's
/// "minus infinity", whose floors the sparse reading leaves out: every
/// real value stays above -len - 4 * 64), against an ASCII query of at
/// most 64 characters (one bit each).
const SPARSE_LEN: usize = 8192;

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
            sparse: Sparse::default(),
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

    /// Reads the text `held` stands for, each `sep` in it a field break
    /// (`" | "`), as held, for [`Replica::caps`] and [`Replica::run`]:
    /// whether the query is in it; `None` when the sparse programme does
    /// not read it (a text or query not ASCII, too long), and
    /// [`Replica::score`] of the text written out must say.
    pub(super) fn collect_held(&mut self, held: &str, sep: char, q: &str) -> Option<bool> {
        if !q.is_ascii() || !(1..=64).contains(&q.len()) || !sep.is_ascii() {
            return None;
        }
        self.sparse
            .collect(held.as_bytes(), Some(sep as u8), q.as_bytes())
            .ok()
    }

    /// After a `collect_held` that found the query: what each character
    /// can add, as [`Query::bound_matched`] takes it (see
    /// [`Sparse::caps`]).
    pub(super) fn caps(&self, caps: &mut Caps) {
        self.sparse.caps(caps);
    }

    /// After a `collect_held` that found the query: its score.
    pub(super) fn run(&mut self) -> i64 {
        self.sparse.run()
    }

    pub(super) fn score(&mut self, text: &str, q: &str) -> Option<i64> {
        if text.is_ascii() && q.is_ascii() {
            let (text, q) = (text.as_bytes(), q.as_bytes());
            if text.len() <= SPARSE_LEN
                && (1..=64).contains(&q.len())
                && let Ok(score) = self.sparse.score(text, q)
            {
                return score;
            }
            return self.dp(text, q);
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

/// The matcher's programme read at its matches only (the same scores as
/// [`Replica::dp`], checked by proptest): a row of the programme holds
/// "minus infinity" wherever its character does not match, and its gap
/// column (the best score to carry over a gap) falls by one a character
/// after a match, so each query character's row is its matches, each
/// scored from the matches of the row before, with the gap column worked
/// out where it is read. A parcel's text of 180 characters against a
/// six-letter query is a thousand cells of the programme and a few dozen
/// matches.
///
/// The matcher's quirks are kept: its two rows are reused, so a row's
/// first cell reads the values the row two before left there (its gap
/// column starts from them), and the final maximum includes the cell
/// before the last character's first match.
pub(super) struct Sparse {
    /// The query the table is for, and for each ASCII byte the bits of
    /// the query's characters it matches (either case).
    pattern: Vec<u8>,
    table: Box<[u64; 128]>,
    /// For each query character: its greedy leftmost match, the value of
    /// its gap column there, and its matches from there on.
    first: Vec<u32>,
    gap: Vec<i32>,
    hits: Vec<Vec<Hit>>,
    /// What the block scan looks for, and the separator it was made with.
    needles: Option<Needles>,
    needles_sep: u8,
}

impl Default for Sparse {
    fn default() -> Sparse {
        Sparse {
            pattern: Vec::new(),
            table: Box::new([0; 128]),
            first: Vec::new(),
            gap: Vec::new(),
            hits: Vec::new(),
            needles: None,
            needles_sep: 0,
        }
    }
}

/// A query character's match in the text.
#[derive(Clone, Copy)]
struct Hit {
    /// Where (in the text as written).
    at: u32,
    /// The programme's score there.
    m: i32,
    /// The place's bonus, and what the match itself scores (16, or 14
    /// in the other case).
    place: i16,
    score: i16,
}

/// Why the sparse programme did not score a text (the dense one does).
#[derive(Debug, PartialEq)]
pub(super) enum Unread {
    NotAscii,
    TooLong,
}

/// Below every real value, so that nothing found raises it.
const NOTHING: i32 = i32::MIN / 4;

/// What one field break stands for when a text is held with one
/// character for each.
const BREAK: &[u8] = b" | ";

impl Sparse {
    /// The score of an ASCII `text` (at most [`SPARSE_LEN`] long) against
    /// an ASCII query of 1 to 64 characters.
    pub(super) fn score(&mut self, text: &[u8], pat: &[u8]) -> Result<Option<i64>, Unread> {
        self.read(text, None, pat)
    }

    fn read(&mut self, text: &[u8], sep: Option<u8>, pat: &[u8]) -> Result<Option<i64>, Unread> {
        if !self.collect(text, sep, pat)? {
            return Ok(None);
        }
        Ok(Some(self.run()))
    }

    /// Finds each query character's matches (`Ok(false)`: the query is
    /// not in the text) for [`Sparse::caps`] and [`Sparse::run`].
    pub(super) fn collect(
        &mut self,
        text: &[u8],
        sep: Option<u8>,
        pat: &[u8],
    ) -> Result<bool, Unread> {
        let n = pat.len();
        debug_assert!((1..=64).contains(&n) && pat.is_ascii());
        if self.pattern != pat {
            self.pattern.clear();
            self.pattern.extend_from_slice(pat);
            self.table.fill(0);
            for (i, &c) in pat.iter().enumerate() {
                self.table[usize::from(c.to_ascii_lowercase() & 127)] |= 1 << i;
                self.table[usize::from(c.to_ascii_uppercase() & 127)] |= 1 << i;
            }
            if self.hits.len() < n {
                self.hits.resize_with(n, Vec::new);
            }
            self.needles = None;
        }
        self.first.clear();
        self.first.resize(n, 0);
        self.gap.clear();
        self.gap.resize(n, 0);
        for h in &mut self.hits[..n] {
            h.clear();
        }
        // The greedy leftmost matches (the matcher's cheap_matches) and,
        // for each character, its matches from its leftmost on: one pass
        // that looks only at bytes of the query (and field breaks, three
        // characters each as written).
        // (Written out, a text is at least as long as held.)
        if text.len() > SPARSE_LEN {
            return Err(Unread::TooLong);
        }
        if !text.is_ascii() {
            return Err(Unread::NotAscii);
        }
        let sep = sep.unwrap_or(0x80);
        if self.needles.is_none() || self.needles_sep != sep {
            self.needles = Some(Needles::of(pat, sep));
            self.needles_sep = sep;
        }
        let needles = self.needles.take().expect("made above");
        let mut pi = 0;
        let mut shift = 0u32;
        // Each byte that may be a query character or the separator, in
        // order.
        let mut at = |this: &mut Sparse, x: usize| {
            let c = text[x];
            if c == sep {
                for (k, &b) in BREAK.iter().enumerate() {
                    let w = x as u32 + shift + k as u32;
                    let prev = match k {
                        0 => this.class_before(text, x, sep),
                        _ => ASCII_CLASS[usize::from(BREAK[k - 1])],
                    };
                    this.hit(&mut pi, w, b, prev, pat);
                }
                shift += 2;
            } else if this.table[usize::from(c & 127)] != 0 {
                let prev = this.class_before(text, x, sep);
                this.hit(&mut pi, x as u32 + shift, c, prev, pat);
            }
        };
        if needles.blocks {
            // Sixteen bytes at a time: most bytes are neither.
            let mut blocks = text.chunks_exact(16);
            let mut x = 0;
            for block in blocks.by_ref() {
                let mut m = needles.find(block.try_into().expect("16 bytes"));
                while m != 0 {
                    at(self, x + m.trailing_zeros() as usize);
                    m &= m - 1;
                }
                x += 16;
            }
            let tail = blocks.remainder();
            if !tail.is_empty() {
                // (Made up to a block with a byte no needle is.)
                let mut last = [0xff; 16];
                last[..tail.len()].copy_from_slice(tail);
                let mut m = needles.find(&last);
                while m != 0 {
                    at(self, x + m.trailing_zeros() as usize);
                    m &= m - 1;
                }
            }
        } else {
            for x in 0..text.len() {
                at(self, x);
            }
        }
        self.needles = Some(needles);
        let w = text.len() as u32 + shift;
        if w as usize > SPARSE_LEN {
            return Err(Unread::TooLong);
        }
        Ok(pi == n)
    }

    /// What each query character can add to the score, from the matches
    /// found (of the query `collect` was given, found in full), as
    /// [`Query::bound_matched`] takes it. For each character after the
    /// first: where it directly follows a match of the one before, 16
    /// plus its place's bonus, or 4 where that is less (what the matcher's
    /// run bonus gives there); elsewhere 16 plus the best of its places'
    /// bonus less 3 and the gap back to the nearest match of the one
    /// before (no less than 0). The same reading as [`Query::refined`],
    /// on the matches a score is made of only, and tighter where a
    /// character follows the one before (there `refined` leaves it to the
    /// row's features). And for the first two characters together (see
    /// [`Caps`]): the first's score where it matches, and whether the
    /// second can earn more than 18 after it.
    pub(super) fn caps(&self, caps: &mut Caps) {
        let n = self.pattern.len();
        caps.each.clear();
        caps.each.push(i32::MAX);
        for i in 1..n {
            let before = &self.hits[i - 1];
            let mut j = 0;
            let (mut next_to, mut apart) = (i32::MIN, i32::MIN);
            for h in &self.hits[i] {
                while j < before.len() && before[j].at < h.at {
                    j += 1;
                }
                // The nearest match of the character before, if any.
                let Some(last) = j.checked_sub(1).map(|k| before[k].at) else {
                    continue;
                };
                let place = i32::from(h.place);
                if last + 1 == h.at {
                    next_to = next_to.max(16 + place.max(4));
                } else {
                    apart = apart.max(super::bound::apart(place, h.at as i32, last as i32));
                }
            }
            caps.each.push(next_to.max(super::bound::most_apart(apart)));
        }
        (caps.open, caps.alone) = (15, i32::MIN);
        let (firsts, seconds) = (&self.hits[0], self.hits.get(1).filter(|_| n >= 2));
        let mut j = 0;
        for h in firsts {
            // What the first character scores here (the matcher's first
            // row starts from -1).
            let place = i32::from(h.place);
            let own = i32::from(h.score) + place - 1;
            if own <= caps.open {
                continue;
            }
            // After a word start (or the text's start) the second earns
            // more than 18 only right after it, or at a word start one
            // or two characters on (what a row's pairs record).
            let Some(seconds) = seconds.filter(|_| place >= 7) else {
                caps.open = own;
                continue;
            };
            while j < seconds.len() && seconds[j].at <= h.at {
                j += 1;
            }
            let paired = seconds[j..]
                .iter()
                .take_while(|s| s.at <= h.at + 3)
                .any(|s| s.at == h.at + 1 || s.place >= 7);
            if paired {
                caps.open = own;
            } else {
                caps.alone = caps.alone.max(own);
            }
        }
    }

    /// The score, from the matches found by a `collect` that found the
    /// query.
    pub(super) fn run(&mut self) -> i64 {
        let n = self.pattern.len();
        for i in 0..n {
            let f = self.first[i];
            // The first cell's left neighbour is what the row two before
            // left there (the rows as first made, for the first two).
            let (stale_m, stale_p) = match i {
                0 => (NEG_INF, NEG_INF),
                1 => (NEG_INF, -1),
                _ => (
                    m_at(&self.hits[i - 2], f - 1),
                    p_at(&self.hits[i - 2], self.first[i - 2], self.gap[i - 2], f - 1),
                ),
            };
            self.gap[i] = (stale_m - 4).max(stale_p - 1);
            let (before, rest) = self.hits.split_at_mut(i);
            let prev = before.last().map(Vec::as_slice).unwrap_or(&[]);
            let (prev_first, prev_gap) = match i {
                0 => (0, 0),
                _ => (self.first[i - 1] as i32, self.gap[i - 1]),
            };
            let mut j = 0;
            let mut best = NOTHING;
            for hit in rest[0].iter_mut() {
                let (prev_m, prev_p) = if i == 0 {
                    (NEG_INF, -1)
                } else {
                    let y = hit.at - 1;
                    while j < prev.len() && prev[j].at < y {
                        best = best.max(prev[j].m + prev[j].at as i32);
                        j += 1;
                    }
                    let m = match prev.get(j) {
                        Some(h) if h.at == y => h.m,
                        _ => NEG_INF,
                    };
                    let y = y as i32;
                    (m, (prev_gap - (y - prev_first)).max(best - 3 - y))
                };
                let place = i32::from(hit.place);
                // The bonus of a match after a match: the matcher writes
                // its run's bonus into the cell before, read back only by
                // a match at this same place, so it is always this.
                let cons = place.max(4);
                hit.m = (prev_m + cons).max(prev_p + place) + i32::from(hit.score);
            }
        }
        let last = n - 1;
        let mut best = self.hits[last].iter().map(|h| h.m).max().unwrap_or(NEG_INF);
        if last >= 2 {
            best = best.max(m_at(&self.hits[last - 2], self.first[last] - 1));
        }
        i64::from(best)
    }
}

impl Sparse {
    /// The class of the character before `text[x]` as written.
    #[inline]
    fn class_before(&self, text: &[u8], x: usize, sep: u8) -> CharClass {
        match x {
            0 => CharClass::Empty,
            _ if text[x - 1] == sep => ASCII_CLASS[usize::from(BREAK[2])],
            _ => ASCII_CLASS[usize::from(text[x - 1])],
        }
    }

    /// Byte `c` at `w` as written, after a character of class `prev`: a
    /// match of each query character it equals from that one's leftmost
    /// on (the `pi`th's leftmost, if it is the next).
    #[inline(always)]
    fn hit(&mut self, pi: &mut usize, w: u32, c: u8, prev: CharClass, pat: &[u8]) {
        let n = pat.len();
        let mut bits = self.table[usize::from(c & 127)];
        if bits == 0 {
            return;
        }
        if *pi < n && bits >> *pi & 1 == 1 {
            self.first[*pi] = w;
            *pi += 1;
        }
        if *pi < 64 {
            bits &= (1u64 << *pi) - 1;
        }
        let place = class_bonus(prev, ASCII_CLASS[usize::from(c)]) * if w == 0 { 2 } else { 1 };
        while bits != 0 {
            let i = bits.trailing_zeros() as usize;
            self.hits[i].push(Hit {
                at: w,
                m: 0,
                place: place as i16,
                score: if c == pat[i] { 16 } else { 14 },
            });
            bits &= bits - 1;
        }
    }
}

/// The bytes [`Sparse::collect`] stops at (a query's characters in either
/// case, and the field separator), found sixteen at a time: a heavy
/// keystroke reads most of a million rows' texts, and most of their bytes
/// are neither.
struct Needles {
    /// Letters, lower case, compared with each byte made lower case (a
    /// few other bytes then compare equal too: [`Sparse::collect`] looks
    /// again at each byte found).
    folded: Vec<u8>,
    /// Every other byte, compared as it is.
    exact: Vec<u8>,
    /// Whether to read by blocks: not where there are too many needles
    /// for it to gain, nor where the machine has no block comparison.
    blocks: bool,
}

impl Needles {
    fn of(pat: &[u8], sep: u8) -> Needles {
        let mut n = Needles {
            folded: Vec::new(),
            exact: Vec::new(),
            blocks: false,
        };
        for &c in pat.iter().chain(sep.is_ascii().then_some(&sep)) {
            let (list, c) = if c.is_ascii_alphabetic() {
                (&mut n.folded, c.to_ascii_lowercase())
            } else {
                (&mut n.exact, c)
            };
            if !list.contains(&c) {
                list.push(c);
            }
        }
        n.blocks = cfg!(target_arch = "x86_64") && n.folded.len() + n.exact.len() <= 12;
        n
    }

    /// One bit for each byte of `block` that may be a needle, the first
    /// byte the lowest bit.
    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn find(&self, block: &[u8; 16]) -> u32 {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
            _mm_set1_epi8, _mm_setzero_si128,
        };
        // SAFETY: SSE2 is part of every x86_64, and `block` is 16
        // readable bytes (the load asks no alignment).
        unsafe {
            let bytes = _mm_loadu_si128(block.as_ptr().cast::<__m128i>());
            let lower = _mm_or_si128(bytes, _mm_set1_epi8(0x20));
            let mut hits = _mm_setzero_si128();
            for &c in &self.folded {
                hits = _mm_or_si128(hits, _mm_cmpeq_epi8(lower, _mm_set1_epi8(c as i8)));
            }
            for &c in &self.exact {
                hits = _mm_or_si128(hits, _mm_cmpeq_epi8(bytes, _mm_set1_epi8(c as i8)));
            }
            _mm_movemask_epi8(hits) as u32
        }
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn find(&self, _block: &[u8; 16]) -> u32 {
        unreachable!("blocks are read on x86_64 only")
    }
}

/// A row's score at `y`: "minus infinity" where it holds no match.
fn m_at(hits: &[Hit], y: u32) -> i32 {
    match hits.binary_search_by_key(&y, |h| h.at) {
        Ok(k) => hits[k].m,
        Err(_) => NEG_INF,
    }
}

/// A row's gap column at `y` (after its first match `first`, whose value
/// there is `gap`): the best of its matches before `y`, less 3 and the
/// gap's length.
fn p_at(hits: &[Hit], first: u32, gap: i32, y: u32) -> i32 {
    let best = hits
        .iter()
        .take_while(|h| h.at < y)
        .map(|h| h.m + h.at as i32)
        .max()
        .unwrap_or(NOTHING);
    let y = y as i32;
    (gap - (y - first as i32)).max(best - 3 - y)
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// ASCII texts crowded with few letters in both cases, separators and
    /// digits, so that queries match many times over, in runs, and with
    /// a character two places on repeating one (what the reused rows
    /// carry over).
    fn crowded() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            proptest::sample::select(vec!['a', 'A', 'b', 'B', 'c', ' ', '|', '.', '-', '1', '/']),
            0..120,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

        /// The programme read at its matches scores as the whole
        /// programme does, and as the matcher itself does.
        #[test]
        fn the_sparse_programme_scores_as_the_dense_one(
            text in crowded(),
            q in "[abcAB1 .-]{1,9}",
        ) {
            let mut r = Replica::new();
            let dense = r.dp(text.as_bytes(), q.as_bytes());
            let sparse = Sparse::default().score(text.as_bytes(), q.as_bytes()).unwrap();
            prop_assert_eq!(sparse, dense, "{:?} against {:?}", text, q);
            prop_assert_eq!(r.score(&text, &q), skim_score(&text, &q));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 5_000, ..ProptestConfig::default() })]

        /// A text held with one character for each field break scores as
        /// the text written out, whatever the query (spaces and bars too).
        #[test]
        fn a_held_text_scores_as_written(
            parts in proptest::collection::vec(crowded(), 1..4),
            q in "[abcA |1.]{1,7}",
        ) {
            let held = parts.join("\u{1f}");
            let written = parts.join(" | ");
            let want = Replica::new().dp(written.as_bytes(), q.as_bytes());
            let got = Sparse::default().read(held.as_bytes(), Some(0x1f), q.as_bytes());
            prop_assert_eq!(got, Ok(want), "{:?} against {:?}", written, q);
        }

        /// Read sixteen bytes at a time, a text gives the matches it
        /// gives read byte by byte (what a query of many distinct
        /// characters is read by): the same places, bonuses and scores.
        #[test]
        fn blocks_find_the_matches_bytes_find(
            parts in proptest::collection::vec(crowded(), 1..4),
            q in "[abcA |1.]{1,7}",
        ) {
            let held = parts.join("\u{1f}");
            let read = |blocks: bool| {
                let mut s = Sparse::default();
                let _ = s.collect(b"", Some(0x1f), q.as_bytes());
                s.needles.as_mut().expect("made").blocks = blocks;
                let found = s.collect(held.as_bytes(), Some(0x1f), q.as_bytes());
                let hits: Vec<Vec<(u32, i16, i16)>> = s.hits[..q.len()]
                    .iter()
                    .map(|h| h.iter().map(|h| (h.at, h.place, h.score)).collect())
                    .collect();
                (found, s.first.clone(), hits)
            };
            prop_assert!(cfg!(not(target_arch = "x86_64")) || Needles::of(q.as_bytes(), 0x1f).blocks);
            prop_assert_eq!(read(true), read(false), "{:?} against {:?}", held, q);
        }
    }

    #[test]
    fn texts_it_does_not_read_are_said_so() {
        let mut s = Sparse::default();
        assert_eq!(s.score("Алматы".as_bytes(), b"a"), Err(Unread::NotAscii));
        let long = "a".repeat(SPARSE_LEN + 1);
        assert_eq!(s.score(long.as_bytes(), b"a"), Err(Unread::TooLong));
        // Three characters written for each held break.
        let held = "a\u{1f}".repeat(SPARSE_LEN / 4 + 1);
        assert_eq!(
            s.read(held.as_bytes(), Some(0x1f), b"a"),
            Err(Unread::TooLong)
        );
        // The replica scores them all the same.
        assert_eq!(Replica::new().score(&long, "a"), skim_score(&long, "a"));
        assert_eq!(
            Replica::new().score("Алматы a", "a"),
            skim_score("Алматы a", "a")
        );
    }

    /// One scorer serves many queries and texts in turn (its table and
    /// rows are reused).
    #[test]
    fn a_reused_scorer_scores_each_text_afresh() {
        let mut s = Sparse::default();
        let texts = [
            "Almaty | KZ",
            "aaaa bbbb",
            "",
            "a",
            "ALMATY almaty Almaty",
            "x y z",
        ];
        for q in ["a", "al", "almaty", "aab", "AA", "zz"] {
            for t in texts {
                let want = Replica::new().dp(t.as_bytes(), q.as_bytes());
                assert_eq!(s.score(t.as_bytes(), q.as_bytes()), Ok(want), "{t:?} {q:?}");
            }
        }
    }

    /// A query of 64 characters (one bit each) and texts at the longest
    /// the sparse programme takes.
    #[test]
    fn the_longest_queries_and_texts_it_takes() {
        let q: String = (0..64)
            .map(|i| if i % 3 == 0 { 'a' } else { 'b' })
            .collect();
        let text: String = (0..SPARSE_LEN)
            .map(|i| ['a', 'b', ' ', 'B'][i * 7 % 4])
            .collect();
        let want = Replica::new().dp(text.as_bytes(), q.as_bytes());
        assert!(want.is_some());
        assert_eq!(
            Sparse::default().score(text.as_bytes(), q.as_bytes()),
            Ok(want)
        );
        assert_eq!(Replica::new().score(&text, &q), want);
    }
}
