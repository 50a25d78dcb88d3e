//! What a text holds (a character mask, where characters stand) and the
//! upper bound on the score a query can reach in it, so that rows that
//! cannot reach the results are never scored.

use super::*;

/// What the bound needs to know of one row (33 bytes).
#[derive(Clone, Copy, Default, PartialEq, Debug)]
#[repr(C, packed)]
pub(super) struct Features {
    /// The characters present.
    mask: u64,
    /// The characters other than capital letters present at a word start
    /// or after punctuation (bonus 8 or 7).
    sep_lower: u64,
    /// The capital letters present there (bits 0-25).
    sep_upper: u32,
    /// The capital letters present on a camelCase hump (bonus 6).
    camels: u32,
    /// For each letter at a word start or after punctuation (as it is
    /// written): the character after it, and the next two when they are
    /// word starts too (folded to lower case), hashed into 64 bits.
    pub(super) pairs: u64,
    /// The bit of the first character, plus 128 when it is a capital
    /// (255 when the text is empty).
    first: u8,
}

pub(super) fn features(text: &str) -> Features {
    // (Most rows are ASCII: read byte by byte, with nothing to decode,
    // they take about half the time.)
    if text.is_ascii() {
        features_ascii(text.as_bytes())
    } else {
        features_of(text.chars())
    }
}

/// The bit of each ASCII character in a row's mask (see [`bit`]).
const ASCII_BIT: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        let c = i as u8;
        t[i] = match c {
            b'a'..=b'z' => c - b'a',
            b'A'..=b'Z' => c - b'A',
            b'0'..=b'9' => 26 + c - b'0',
            b' ' => 36,
            _ => 37 + c % 27,
        };
        i += 1;
    }
    t
};

/// Whether a character of each ASCII class makes the next one a word
/// start (bonus 7 or 8): the separators, and NUL (read as the start).
const fn separates(c: CharClass) -> bool {
    matches!(
        c,
        CharClass::Empty | CharClass::HardSep | CharClass::SoftSep
    )
}

/// [`features_of`] an ASCII text, byte by byte through tables: the mask
/// in one tight pass, then the word starts, where the rest is (a word
/// start's pairs looked for ahead of it, not behind every character). The
/// same features (checked against [`features_of`] for every ASCII text in
/// the tests) in about a third of the time, which a one-shot search
/// spends on every row.
fn features_ascii(text: &[u8]) -> Features {
    let Some(&b0) = text.first() else {
        return Features {
            first: 255,
            ..Features::default()
        };
    };
    let bit_of = |c: u8| u32::from(ASCII_BIT[usize::from(c & 0x7f)]);
    let class_of = |c: u8| ASCII_CLASS[usize::from(c & 0x7f)];
    let mask = text.iter().fold(0u64, |m, &c| m | 1 << bit_of(c));
    let (mut sep_lower, mut sep_upper, mut camels, mut pairs) = (0u64, 0u32, 0u32, 0u64);
    let n = text.len();
    // (The first character follows the empty start.)
    let mut start = true;
    let mut prev = CharClass::Empty;
    for h in 0..n {
        let c = text[h];
        let class = class_of(c);
        if start {
            let b = bit_of(c);
            if class == CharClass::Upper {
                sep_upper |= 1 << b;
            } else {
                sep_lower |= 1 << b;
            }
            let x = char::from(c);
            if h + 1 < n && records_pairs(x) {
                let next = text[h + 1];
                pairs |= 1 << pair_bit(x, char::from(next));
                if h + 2 < n && separates(class_of(next)) {
                    pairs |= 1 << pair_bit(x, char::from(text[h + 2]));
                }
                if h + 3 < n && separates(class_of(text[h + 2])) {
                    pairs |= 1 << pair_bit(x, char::from(text[h + 3]));
                }
            }
        } else if class == CharClass::Upper && matches!(prev, CharClass::Lower | CharClass::Number)
        {
            camels |= 1 << bit_of(c);
        }
        start = separates(class);
        prev = class;
    }
    Features {
        mask,
        sep_lower,
        sep_upper,
        camels,
        pairs,
        first: bit_of(b0) as u8 | if b0.is_ascii_uppercase() { 128 } else { 0 },
    }
}

/// [`features`] of any text, character by character.
pub(super) fn features_of(chars: impl Iterator<Item = char>) -> Features {
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
    let mut prev_class = class(prev);
    for (seen, c) in chars.enumerate() {
        let b = bit(c);
        if prev == '\0' && f.first == 255 {
            f.first = b as u8 | if c.is_ascii_uppercase() { 128 } else { 0 };
        }
        mask |= 1 << b;
        let c_class = class(c);
        let place = class_bonus(prev_class, c_class);
        match place {
            7 | 8 if c.is_ascii_uppercase() => sep_upper |= 1 << b,
            7 | 8 => sep_lower |= 1 << b,
            6 => camels |= 1 << b,
            _ => {}
        }
        for d in 1..=seen.min(3) {
            let (h, h_place) = recent[3 - d];
            if h_place >= 7 && (d == 1 || place >= 7) && records_pairs(h) {
                pairs |= 1 << pair_bit(h, c);
            }
        }
        recent = [recent[1], recent[2], (c, place)];
        prev = c;
        prev_class = c_class;
    }
    f.mask = mask;
    f.sep_lower = sep_lower;
    f.sep_upper = sep_upper;
    f.camels = camels;
    f.pairs = pairs;
    f
}

/// Whether a word start `x` has its pairs recorded: letters only. A
/// parcel's row has a word start for each group of digits of its phone
/// numbers, house and flat numbers, about a third of its pairs; the 64
/// bits held fewer letters' pairs falsely set without them (a query
/// opening with anything else is not held to 18 by a pair).
pub(super) fn records_pairs(x: char) -> bool {
    x.is_alphabetic()
}

/// The bit of a pair in [`Features::pairs`]: `x` as written, `y` folded.
pub(super) fn pair_bit(x: char, y: char) -> u32 {
    let h = (x as u32).wrapping_mul(0x9E37_79B1)
        ^ (y.to_ascii_lowercase() as u32).wrapping_mul(0x85EB_CA77);
    h.rotate_right(13).wrapping_mul(0xC2B2_AE3D) >> 26
}

/// `c` in the other case (ASCII letters only).
pub(super) fn swap_case(c: char) -> char {
    if c.is_ascii_uppercase() {
        c.to_ascii_lowercase()
    } else {
        c.to_ascii_uppercase()
    }
}

/// A query, with what the bound needs of it.
pub(super) struct Query {
    pub(super) text: String,
    /// The characters, for [`Query::refined`]; folded to lower case as
    /// bytes when all are ASCII (else empty), and for each ASCII byte
    /// (folded) the places in the query that hold it, one bit each (up to
    /// 64 characters).
    chars: Vec<char>,
    lower: Vec<u8>,
    places: Box<[u64; 128]>,
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
    pub(super) fn new(q: &str) -> Query {
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
            places: {
                let mut places = Box::new([0u64; 128]);
                if q.is_ascii() {
                    for (i, b) in q.bytes().take(64).enumerate() {
                        places[usize::from(b.to_ascii_lowercase())] |= 1 << i;
                    }
                }
                places
            },
            chars: chars.clone(),
            pair: (chars.len() >= 2 && records_pairs(chars[0])).then(|| {
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
    pub(super) fn bound(&self, f: &Features) -> Option<i32> {
        self.bound_capped(f, &[])
    }

    /// The bound, tightened by reading the row's text (a tenth of what
    /// scoring it costs). A character matched right after the one before
    /// it earns the consecutive bonus; one matched anywhere else comes
    /// after a gap, which costs 3 plus its length and earns no
    /// consecutive bonus. So a character of the query that never directly
    /// follows the one before it in the row scores at most the best, over
    /// the places the row has it, of 16 plus that place's bonus less the
    /// gap back to the nearest place of the character before it (the
    /// matcher's reused rows can start a character from an earlier
    /// character's score instead, after a longer gap, with the characters
    /// between scoring nothing: so no character is counted below 0).
    /// `None` when a character after the first is absent past the row's
    /// first place.
    pub(super) fn refined(&self, f: &Features, text: &str, caps: &mut Vec<i32>) -> Option<i32> {
        let n = self.chars.len();
        if !(2..=64).contains(&n) {
            return self.bound(f);
        }
        // caps[i]: the best of place bonus less gap seen for character i
        // (ABSENT: none yet); caps[n + i]: where character i was last seen.
        const ABSENT: i32 = i32::MIN;
        caps.clear();
        caps.resize(n, ABSENT);
        caps.resize(2 * n, -1);
        let (caps, seen) = caps.split_at_mut(n);
        let mut adjacent = 0u64;
        // The best a place can give the character there, after the
        // nearest place of the one before it (`None`: there is none).
        let after_gap = |seen: &[i32], i: usize, at: i32, place: i32| -> Option<i32> {
            let before = seen[i - 1];
            (before >= 0).then(|| apart(place, at, before))
        };
        if text.is_ascii() && self.lower.len() == n {
            // Bytes, and the places in the query of each (folded) byte,
            // so that most of the row's characters cost a lookup.
            let q = &self.lower;
            let places = &*self.places;
            let bytes = text.as_bytes();
            let (&first, rest) = bytes.split_first()?;
            let at_of = |c: u8| places[usize::from(c.to_ascii_lowercase() & 127)];
            // The query as a subsequence, greedily (what makes a match).
            let mut pi = usize::from(first.to_ascii_lowercase() == q[0]);
            for_bits(at_of(first), |k| seen[k] = 0);
            let mut prev = first;
            // The places of the previous byte, one on: where it would
            // make a character of the query follow directly.
            let mut next_to = at_of(first) << 1;
            for (at, &c) in (1..).zip(rest) {
                let here = at_of(c);
                if here != 0 {
                    if pi < n && c.to_ascii_lowercase() == q[pi] {
                        pi += 1;
                    }
                    adjacent |= here & next_to;
                    let apart = here & !next_to & !1;
                    if apart != 0 {
                        let place = place_bonus(char::from(prev), char::from(c));
                        for_bits(apart, |i| {
                            if let Some(v) = after_gap(seen, i, at, place) {
                                caps[i] = caps[i].max(v);
                            }
                        });
                    }
                    for_bits(here, |k| seen[k] = at);
                }
                next_to = here << 1;
                prev = c;
            }
            if pi < n {
                return None;
            }
        } else {
            let mut chars = text.chars();
            let mut prev = chars.next()?;
            for (k, qc) in self.chars.iter().enumerate() {
                if prev.eq_ignore_ascii_case(qc) {
                    seen[k] = 0;
                }
            }
            for (at, c) in (1..).zip(chars) {
                for (i, pair) in self.chars.windows(2).enumerate().map(|(i, p)| (i + 1, p)) {
                    if c.eq_ignore_ascii_case(&pair[1]) {
                        if prev.eq_ignore_ascii_case(&pair[0]) {
                            adjacent |= 1 << i;
                        } else if let Some(v) = after_gap(seen, i, at, place_bonus(prev, c)) {
                            caps[i] = caps[i].max(v);
                        }
                    }
                }
                for (k, qc) in self.chars.iter().enumerate() {
                    if c.eq_ignore_ascii_case(qc) {
                        seen[k] = at;
                    }
                }
                prev = c;
            }
        }
        for (i, cap) in caps.iter_mut().enumerate().skip(1) {
            *cap = if adjacent >> i & 1 == 1 {
                i32::MAX
            } else if *cap == ABSENT {
                return None;
            } else {
                most_apart(*cap)
            };
        }
        self.bound_capped(f, caps)
    }

    /// The most character `i` (after the first) can add to a score in a
    /// row of these features, from its place and the character before it
    /// alone.
    #[inline]
    fn most(&self, f: &Features, i: usize) -> i32 {
        let b = self.bits[i];
        let lower_sep = f.sep_lower >> b & 1 == 1;
        let upper_sep = b < 32 && f.sep_upper >> b & 1 == 1;
        let camel = b < 32 && f.camels >> b & 1 == 1;
        let after_sep = self.after[i] >= 7;
        let next_bonus = if after_sep && (lower_sep || upper_sep) {
            self.after[i]
        } else if !after_sep && camel {
            6
        } else {
            4
        };
        16 + next_bonus.max(4)
    }

    /// What the characters from the `from`th on (`from` at least 2) add to
    /// [`Query::bound`] (and to any bound [`Query::bound_capped`] makes)
    /// over the query's first `from` characters' own: each of them is
    /// counted on its own. `None` when the row lacks one of the query's
    /// characters.
    pub(super) fn bound_after(&self, f: &Features, from: usize) -> Option<i32> {
        debug_assert!(from >= 2);
        if f.mask & self.mask != self.mask {
            return None;
        }
        Some((from..self.bits.len()).map(|i| self.most(f, i)).sum())
    }

    /// The bound from the query's matches in a row (of 2 to 64 ASCII
    /// characters, found in full): [`Query::bound_capped`]'s reading,
    /// with the first character taken at each of its places with what
    /// the second can earn after it there, rather than from the row's
    /// features (whose pairs are hashed into 64 bits, so that a long
    /// row's often say a pair is there when it is not).
    pub(super) fn bound_matched(&self, f: &Features, caps: &Caps) -> i32 {
        let inc = |i: usize| self.most(f, i).min(caps.each[i]);
        let second = inc(1);
        let rest: i32 = (2..self.bits.len()).map(inc).sum();
        let first_two = (caps.open + second).max(caps.alone.saturating_add(second.min(18)));
        first_two + rest
    }

    /// The bound with each character's most (after the first) capped by
    /// `caps` when given.
    pub(super) fn bound_capped(&self, f: &Features, caps: &[i32]) -> Option<i32> {
        let (mask, sep_lower, sep_upper, camels, first, pairs) =
            (f.mask, f.sep_lower, f.sep_upper, f.camels, f.first, f.pairs);
        if mask & self.mask != self.mask {
            return None;
        }
        // Each character's most, the first two's taken together below.
        let mut incs = [0i32; 2];
        let mut total = 0;
        for i in 1..self.bits.len() {
            let inc = self
                .most(f, i)
                .min(caps.get(i).copied().unwrap_or(i32::MAX));
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

/// What a row's text allows each query character, read from the query's
/// matches in it ([`Replica::caps`]), for [`Query::bound_matched`].
#[derive(Default)]
pub(super) struct Caps {
    /// For each character after the first, the most it can add (the
    /// first's entry is unused).
    pub(super) each: Vec<i32>,
    /// The first character's best score (at least 15, its score where
    /// it earns no bonus) at places after which the second is not held
    /// to 18; and `alone`, its best at word starts that the second does
    /// not follow closely (`i32::MIN`: none), after which it is.
    pub(super) open: i32,
    pub(super) alone: i32,
}

/// What a query character matched at `at`, apart from the character
/// before it (last found at `before`), can get from its place (bonus
/// `place`) less the gap between them: a gap of g characters costs 3 + g.
#[inline]
pub(super) fn apart(place: i32, at: i32, before: i32) -> i32 {
    place - 3 - (at - before - 1)
}

/// The most a character found only apart from the one before it adds,
/// from the best [`apart`] of its places: 16 for the match, and no less
/// than 0 (the matcher's reused rows can start it from an earlier
/// character's score instead).
#[inline]
pub(super) fn most_apart(best: i32) -> i32 {
    (16 + best).max(0)
}

/// Calls `f` with the place of each bit set in `bits`, lowest first.
#[inline]
fn for_bits(mut bits: u64, mut f: impl FnMut(usize)) {
    while bits != 0 {
        f(bits.trailing_zeros() as usize);
        bits &= bits - 1;
    }
}

/// The largest bonus a character right after `prev` can have (and at
/// least 4, what following a match earns).
pub(super) fn bonus_after(prev: char) -> i32 {
    match class(prev) {
        CharClass::Empty | CharClass::HardSep => 8,
        CharClass::SoftSep => 7,
        _ => 6,
    }
}

/// True when `a` occurs in `b` in order, as the matcher compares
/// characters (ASCII case ignored): every match of `b` is a match of `a`.
pub(super) fn subsequence(a: &str, b: &str) -> bool {
    let mut it = b.chars();
    a.chars().all(|c| it.any(|d| d.eq_ignore_ascii_case(&c)))
}
