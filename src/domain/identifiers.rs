//! Identifiers extracted from records for cross-referencing: each value is
//! normalised by kind so that the same phone, address or name written in
//! different ways meets in one index row.

use super::{contact, s10, text, tracking};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentKind {
    Tracking,
    Phone,
    Email,
    Address,
    Name,
    Payment,
    Content,
    /// A name's sound: the key of fuzzy (lower-confidence) name matches.
    NameSound,
    /// An address's sound: the key of fuzzy address matches.
    AddressSound,
    /// A Telegram (or other messenger) handle: `@name`.
    Handle,
    /// A web or .onion domain, from a URL or a bare name.
    Domain,
    /// A bank card number that passes its Luhn check.
    Card,
    /// An IBAN that passes its mod-97 check.
    Iban,
    /// A crypto-currency address that passes its check (Bitcoin, Ethereum,
    /// TRON).
    Wallet,
}

impl IdentKind {
    pub const ALL: [IdentKind; 14] = [
        IdentKind::Tracking,
        IdentKind::Phone,
        IdentKind::Email,
        IdentKind::Address,
        IdentKind::Name,
        IdentKind::Payment,
        IdentKind::Content,
        IdentKind::NameSound,
        IdentKind::AddressSound,
        IdentKind::Handle,
        IdentKind::Domain,
        IdentKind::Card,
        IdentKind::Iban,
        IdentKind::Wallet,
    ];

    /// Kinds whose shared values connect items outright; the others only
    /// suggest a match for a person to confirm.
    pub fn is_exact(self) -> bool {
        !matches!(self, IdentKind::NameSound | IdentKind::AddressSound)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IdentKind::Tracking => "tracking",
            IdentKind::Phone => "phone",
            IdentKind::Email => "email",
            IdentKind::Address => "address",
            IdentKind::Name => "name",
            IdentKind::Payment => "payment",
            IdentKind::Content => "content",
            IdentKind::NameSound => "name-sound",
            IdentKind::AddressSound => "address-sound",
            IdentKind::Handle => "handle",
            IdentKind::Domain => "domain",
            IdentKind::Card => "card",
            IdentKind::Iban => "iban",
            IdentKind::Wallet => "wallet",
        }
    }

    /// A value of this kind as shown: card numbers masked but for their
    /// last four digits unless [`show_cards`] was asked for.
    pub fn shown(self, value: &str) -> std::borrow::Cow<'_, str> {
        if self == IdentKind::Card && !SHOW_CARDS.load(std::sync::atomic::Ordering::Relaxed) {
            std::borrow::Cow::Owned(super::payment::mask_card(value))
        } else {
            std::borrow::Cow::Borrowed(value)
        }
    }
}

/// A free text as shown (a person's contacts, a note): each valid card
/// number in it masked but for its last four digits, unless
/// [`show_cards`] was asked for. What is stored, edited and exported is
/// the text as written.
pub fn shown_text(t: &str) -> std::borrow::Cow<'_, str> {
    if SHOW_CARDS.load(std::sync::atomic::Ordering::Relaxed) {
        return std::borrow::Cow::Borrowed(t);
    }
    masked_text(t)
}

/// A free text with each valid card number in it masked but for its last
/// four digits, whatever `--show-cards` says: what leaves the notebook
/// for partners (STIX, MISP) never carries a card number.
pub fn masked_text(t: &str) -> std::borrow::Cow<'_, str> {
    let spans = card_spans(t);
    if spans.is_empty() {
        return std::borrow::Cow::Borrowed(t);
    }
    let mut out = String::new();
    let mut last = 0;
    for (r, digits) in spans {
        out.push_str(&t[last..r.start]);
        out.push_str(&super::payment::mask_card(&digits));
        last = r.end;
    }
    out.push_str(&t[last..]);
    std::borrow::Cow::Owned(out)
}

/// Where the valid card numbers in a text are (byte ranges), each with its
/// digits. Digits of a record's id are not a card's (an id whose first
/// groups are all digits reads as one).
pub fn card_spans(t: &str) -> Vec<(std::ops::Range<usize>, String)> {
    use super::payment::{self, Checked};
    if t.bytes().filter(u8::is_ascii_digit).count() < 13 {
        return Vec::new();
    }
    let ids: Vec<_> = UUID_RE.find_iter(t).map(|m| m.range()).collect();
    CARD_RE
        .find_iter(t)
        .filter(|m| !ids.iter().any(|r| r.start < m.end() && m.start() < r.end))
        .filter(|m| !in_a_decimal(t, m.range()))
        .filter_map(|m| match payment::card(m.as_str()) {
            Some(Checked::Valid(d)) => Some((m.range(), d)),
            _ => None,
        })
        .collect()
}

/// Whether the digits at `r` of `t` are the fraction of a decimal number
/// (`0.5365853658536586`, `-12.34...`: a point after an integer part of at
/// most six digits) or the integer part of one (followed by a point and a
/// fraction shorter than a card): no card's. The fraction of a share in
/// JSON was masked as a card, and the JSON no longer parsed; cards in a
/// list (`4111111111111111,5500000000000004`) stay cards.
fn in_a_decimal(t: &str, r: std::ops::Range<usize>) -> bool {
    let b = t.as_bytes();
    let digits_back = b[..r.start.saturating_sub(1)]
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .count();
    let digits_on = b
        .get(r.end + 1..)
        .unwrap_or_default()
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    let point = |i: usize| b.get(i) == Some(&b'.');
    (r.start >= 2 && point(r.start - 1) && (1..=6).contains(&digits_back))
        || (point(r.end) && (1..13).contains(&digits_on))
}

/// Whether card numbers are shown whole (`--show-cards`).
pub fn cards_shown() -> bool {
    SHOW_CARDS.load(std::sync::atomic::Ordering::Relaxed)
}

/// [`IdentKind::shown`] for a kind named by its string.
pub fn shown_value<'a>(kind: &str, value: &'a str) -> std::borrow::Cow<'a, str> {
    match IdentKind::ALL.into_iter().find(|k| k.as_str() == kind) {
        Some(k) => k.shown(value),
        None => std::borrow::Cow::Borrowed(value),
    }
}

static SHOW_CARDS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Shows card numbers in full from now on (`--show-cards`).
pub fn show_cards(on: bool) {
    SHOW_CARDS.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// One normalised value and the role it plays in its record
/// (`sender_phone`, `recipient_address`, `text`...).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Identifier {
    pub kind: IdentKind,
    pub value: String,
    pub role: &'static str,
}

impl Identifier {
    pub fn new(kind: IdentKind, value: String, role: &'static str) -> Identifier {
        Identifier { kind, value, role }
    }
}

pub fn tracking_key(raw: &str) -> Option<String> {
    tracking::parse(raw).ok().map(|t| t.canonical)
}

pub fn phone_key(raw: &str, country_hint: Option<&str>) -> Option<String> {
    contact::phone_e164(raw, country_hint).filter(|k| !is_zero_phone(k))
}

/// A placeholder written as a phone: no digit but zeros after its
/// calling code (`+7 000 000 00 00`, `+998 000 000 000`), or none at all
/// (`0000000000`). It is no identifier: each spelling of it linked every
/// parcel that gave it (the warning list's `0000000000` met only that
/// one). A number whose own digits end in zeros (`+7 700 000 00 00`) is
/// a number.
pub fn is_zero_phone(key: &str) -> bool {
    let digits = key.trim_start_matches('+');
    if digits.len() >= 6 && digits.bytes().all(|d| d == b'0') {
        return true;
    }
    // (A calling code is 1 to 3 digits, none starting with 0, and no
    // code is the start of another.)
    key.starts_with('+')
        && (1..=3).any(|k| {
            digits.len() >= k + 6
                && digits[k..].bytes().all(|d| d == b'0')
                && digits[..k]
                    .parse::<u16>()
                    .is_ok_and(|code| contact::plans().by_code(&code).is_some())
        })
}

pub fn email_key(raw: &str) -> Option<String> {
    contact::parse_email(raw).ok()
}

/// Folded address: transliterated, lower case, punctuation dropped, and
/// the words that say what kind of place written one way in every script
/// and language (`ул.`, `ulitsa`, `street` as `ul`; `кв.`, `apt` as `kv`;
/// `г.` and `д.` left out, as their names and numbers say it), so that
/// `г. Алматы, ул. Абая, д. 5, кв. 12` and `Almaty, ul. Abaya 5, kv. 12`
/// are one address.
///
/// An address of two names or fewer and no number (a town alone,
/// `Алматы`; a town and its country; a street and its town, with no
/// house) is no identifier: it names no door, and a seized parcel's
/// `Almaty` made every parcel to the city a hit. A place named at more
/// length is one (`FastShip Hub, Dubai Logistics City`).
pub fn address_key(raw: &str) -> Option<String> {
    let f = address_fold(raw);
    (f.len() >= 4 && names_a_door(&f)).then_some(f)
}

/// Whether a folded address says more than a town or a street: a number
/// that is no postcode (a house, a flat: not five or six digits alone), or
/// more than two names besides the words for kinds of place and
/// settlement (`ул.`, `с.`, `ауылы`, `tumani`, `oblast`...), countries
/// and words of two letters (a state's `CA`, `NY`). `с. Каскелен,
/// Алматинская обл.`, `Wuhan, Hubei, China`, `10115 Berlin` name no door;
/// a watch of one hit every parcel of the town.
pub fn names_a_door(folded: &str) -> bool {
    const KINDS: &[&str] = &[
        "ul",
        "pr",
        "per",
        "mkr",
        "kv",
        "s",
        "pos",
        "poselok",
        "posyolok",
        "selo",
        "village",
        "aul",
        "auyly",
        "auly",
        "audany",
        "audan",
        "tumani",
        "tuman",
        "shahri",
        "viloyati",
        "viloyat",
        "mahalla",
        "oblys",
        "oblysy",
        "oblast",
        "obl",
        "region",
        "province",
        "district",
        "rayon",
        "raion",
        "krai",
        "kray",
        "respublika",
        "republic",
        "city",
        "town",
        "county",
        "state",
    ];
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    let postcode = |w: &str| (5..=6).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_digit());
    if words
        .iter()
        .any(|w| w.bytes().any(|b| b.is_ascii_digit()) && !postcode(w))
    {
        return true;
    }
    words
        .iter()
        .filter(|w| {
            !postcode(w) && w.len() > 2 && !KINDS.contains(w) && super::country::parse(w).is_err()
        })
        .count()
        > 2
}

/// [`address_key`] without its floors. A street's word written after its
/// name, as Kazakh, Uzbek and English write it (`Абая көшесі 5`, `Abaya
/// street 5`, `Abaya St. 5`), goes before it, as Russian writes it (`ул.
/// Абая 5`): the two met no more than two streets.
pub fn address_fold(raw: &str) -> String {
    let folded = words_folded(raw);
    if !street_after_name(&folded) {
        return folded;
    }
    // Part by part (the commas tell the town from the street's name).
    let mut out = String::with_capacity(folded.len());
    for part in raw.split([',', ';', '\n']) {
        let part = street_first(&words_folded(part));
        if !part.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&part);
        }
    }
    out
}

/// The kinds of street (as [`PLACE_WORDS`] writes them), and `st` where it
/// stands for one.
fn is_street(w: &str) -> bool {
    matches!(w, "ul" | "pr" | "per" | "st")
}

/// Whether a folded address has a street's word after a word of its name
/// and before a number or its end (`abaya ul 5`): not `st petersburg`, not
/// `ul abaya 5`.
fn street_after_name(folded: &str) -> bool {
    // (Word by word, three at a time, with nothing allocated: asked of
    // every address imported.)
    let mut words = folded.split(' ');
    let (Some(mut before), Some(mut word)) = (words.next(), words.next()) else {
        return false;
    };
    loop {
        let after = words.next();
        if street_here(before, word, after) {
            return true;
        }
        match after {
            Some(a) => (before, word) = (word, a),
            None => return false,
        }
    }
}

/// Whether `word` is a street's word after a word of its name (`before`)
/// and before a number, a flat or the end.
fn street_here(before: &str, word: &str, after: Option<&str>) -> bool {
    let number = |s: &str| s.bytes().next().is_some_and(|b| b.is_ascii_digit());
    let name = |s: &str| !number(s) && !is_street(s) && s != "kv" && s != "mkr";
    is_street(word) && name(before) && after.is_none_or(|n| number(n) || n == "kv")
}

/// One part of an address with its street's word put first (`abaya ul 5`
/// -> `ul abaya 5`; `abaya st 5` -> `ul abaya 5`).
fn street_first(part: &str) -> String {
    let w: Vec<&str> = part.split(' ').filter(|w| !w.is_empty()).collect();
    match (1..w.len()).find(|&i| street_here(w[i - 1], w[i], w.get(i + 1).copied())) {
        Some(i) => {
            let street = if w[i] == "st" { "ul" } else { w[i] };
            std::iter::once(street)
                .chain(w[..i].iter().copied())
                .chain(w[i + 1..].iter().copied())
                .collect::<Vec<_>>()
                .join(" ")
        }
        None => part.to_string(),
    }
}

/// An address folded, its words for kinds of place written one way.
fn words_folded(raw: &str) -> String {
    let folded = text::fold(raw);
    // (Folded text is ASCII, its words one space apart.)
    let place = |w: &[u8]| {
        // (Most words of an address are none: told by their first byte
        // and length before the list is looked through.)
        let (&first, len) = (w.first()?, w.len());
        if len >= 32 || PLACE_SHAPES[usize::from(first & 0x7f)] & (1 << len) == 0 {
            return None;
        }
        PLACE_WORDS
            .iter()
            .find(|(word, _)| word.as_bytes() == w)
            .map(|(_, canonical)| *canonical)
    };
    let words = || folded.as_bytes().split(|b| *b == b' ');
    // When none is written otherwise in the key, the key is the folded
    // text itself.
    if words().all(|w| place(w).is_none_or(|c| c.as_bytes() == w) && street_stem(w).is_none()) {
        return folded;
    }
    let mut out = String::with_capacity(folded.len());
    let mut push = |w: &str| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    };
    for w in words().filter(|w| !w.is_empty()) {
        // A German or Dutch street named in one word (`konigstrasse`,
        // `konigstr`, `kerkstraat`): its name, then the street's word
        // after it, as `Konig Strasse` would be.
        if let Some(stem) = street_stem(w) {
            push(std::str::from_utf8(stem).unwrap_or_default());
            push("ul");
            continue;
        }
        match place(w) {
            Some("") => {}
            Some(canonical) => push(canonical),
            None => push(std::str::from_utf8(w).unwrap_or_default()),
        }
    }
    out
}

/// The name of a street a folded word names in one, as German and Dutch
/// write them (`konigstrasse`, `konigstr` from `Königstraße`, `Königstr.`;
/// `kerkstraat`, `kerkstr`): the word less its ending, when three letters
/// or more are left.
fn street_stem(w: &[u8]) -> Option<&[u8]> {
    // (Most words end otherwise: told by their last byte first.)
    if !matches!(w.last(), Some(b'e' | b'r' | b't')) {
        return None;
    }
    ["strasse", "straat", "str"].iter().find_map(|end| {
        let stem = w.strip_suffix(end.as_bytes())?;
        (stem.len() >= 3 && stem.iter().all(u8::is_ascii_alphabetic)).then_some(stem)
    })
}

/// `a == b`, told apart by length and first byte before the bytes are
/// compared (said of every word of every address against a list).
fn same_word(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

/// The lengths (bit n: n bytes long) of the [`PLACE_WORDS`] starting with
/// each byte (by its low seven bits).
const PLACE_SHAPES: [u32; 128] = {
    let mut shapes = [0u32; 128];
    let mut i = 0;
    while i < PLACE_WORDS.len() {
        let w = PLACE_WORDS[i].0.as_bytes();
        assert!(!w.is_empty() && w.len() < 32);
        shapes[(w[0] & 0x7f) as usize] |= 1 << w.len();
        i += 1;
    }
    shapes
};

/// Words for kinds of place as folded (Russian and Kazakh as
/// `translit::latin` writes them), and how the address key writes them:
/// empty for words left out.
const PLACE_WORDS: &[(&str, &str)] = &[
    // town or city: the name says it
    ("g", ""),
    ("gor", ""),
    ("gorod", ""),
    ("kalasy", ""),
    // house: the number says it
    ("d", ""),
    ("dom", ""),
    ("house", ""),
    ("uy", ""),
    // street
    ("ul", "ul"),
    ("ulitsa", "ul"),
    ("ulitca", "ul"),
    ("ulica", "ul"),
    ("street", "ul"),
    ("strasse", "ul"),
    ("str", "ul"),
    ("straat", "ul"),
    ("koshesi", "ul"),
    ("kochasi", "ul"),
    ("kochosu", "ul"),
    // avenue
    ("pr", "pr"),
    ("pr-t", "pr"),
    ("prosp", "pr"),
    ("prospekt", "pr"),
    ("avenue", "pr"),
    ("ave", "pr"),
    ("dangyly", "pr"),
    ("prospektisi", "pr"),
    // lane
    ("per", "per"),
    ("pereulok", "per"),
    ("lane", "per"),
    // flat
    ("kv", "kv"),
    ("kvartira", "kv"),
    ("apt", "kv"),
    ("apartment", "kv"),
    ("flat", "kv"),
    ("pater", "kv"),
    // micro-district
    ("mkr", "mkr"),
    ("mkrn", "mkr"),
    ("mikrorayon", "mkr"),
    ("mikroraion", "mkr"),
    ("shagyn audan", "mkr"),
];

/// Folded name with words sorted.
pub fn name_key(raw: &str) -> Option<String> {
    let k = text::name_key(raw);
    (k.len() >= 3).then_some(k)
}

/// The sound of a name, so that transliterations and small typos meet:
/// each folded word is written in one convention ([`spelling`]: the
/// spellings of Russian and Kazakh letters in GOST, ICAO, BGN and German
/// or informal use), reduced to its consonant skeleton (vowels after the
/// first letter dropped, doubled letters collapsed); words sorted.
/// `Ivan Petrov`, `PETROV Ivan`, `Иван Петров`, `Iwan Petroff` and `Ivan
/// Petorv` all give `ivn ptrv`.
pub fn name_sound_key(raw: &str) -> Option<String> {
    let folded = text::fold(raw);
    let mut words: Vec<String> = folded
        .split(' ')
        .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
        .map(skeleton)
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return None;
    }
    words.sort_unstable();
    let k = words.join(" ");
    (k.len() >= 4).then_some(k)
}

/// Words of addresses that say what kind of place, not which: left out of
/// the address sound.
const ADDRESS_WORDS: &[&str] = &[
    "g",
    "gor",
    "gorod",
    "kalasy",
    "koshesi",
    "kochasi",
    "kochosu",
    "dangyly",
    "prospektisi",
    "uy",
    "pater",
    "per",
    "pereulok",
    "mkr",
    "mkrn",
    "mikrorayon",
    "mikroraion",
    "kvartira",
    "ul",
    "ulitsa",
    "street",
    "st",
    "str",
    "strasse",
    "straat",
    "road",
    "rd",
    "avenue",
    "ave",
    "av",
    "prospekt",
    "pr",
    "prosp",
    "lane",
    "ln",
    "kv",
    "apt",
    "apartment",
    "flat",
    "d",
    "dom",
    "house",
    "no",
    "nr",
    "building",
    "bldg",
    "office",
    "of",
    "the",
];

/// The sound of an address, so that spelling and abbreviation variants
/// meet: folded words without the words for street, apartment and the
/// like, each reduced to its consonant skeleton and sorted, then the
/// numbers, exactly and in order. `ul. Abaya 5, kv. 12, Almaty` and `Abay
/// street 5 apt 12 Almaty` both give `ab almt 5 12`.
pub fn address_sound_key(raw: &str) -> Option<String> {
    let folded = text::fold(raw);
    let kept = folded
        .split(' ')
        // (A street named in one word by its name: `konigstrasse` is
        // `konig`.)
        .map(|w| {
            street_stem(w.as_bytes())
                .and_then(|s| std::str::from_utf8(s).ok())
                .unwrap_or(w)
        })
        .filter(|w| !w.is_empty() && !ADDRESS_WORDS.iter().any(|a| same_word(a, w)));
    // The names in any order (a town before the street or after it); the
    // numbers in the order written (house 5, flat 12 is not house 12,
    // flat 5: the two read alike and were suggested first, "same
    // numbers").
    let (numbers, names): (Vec<&str>, Vec<&str>) =
        kept.partition(|w| w.bytes().all(|b| b.is_ascii_digit()));
    let mut words: Vec<String> = names
        .into_iter()
        .map(skeleton)
        .filter(|w| !w.is_empty())
        .collect();
    words.sort_unstable();
    words.dedup();
    // Enough to be a place: a number and a name at least.
    if words.is_empty() || numbers.is_empty() {
        return None;
    }
    words.extend(numbers.into_iter().map(str::to_string));
    Some(words.join(" "))
}

/// The kind of street an address names (`ul`, `pr`, `per`, `mkr`), the
/// first it names: a street and an avenue of one name are two places.
pub fn street_kind(raw: &str) -> Option<&'static str> {
    address_fold(raw)
        .split(' ')
        .find_map(|w| ["ul", "pr", "per", "mkr"].into_iter().find(|k| *k == w))
}

/// The rules [`spelling`] applies, in turn, each to the whole word.
const SPELLING_RULES: [(&str, &str); 26] = [
    ("shch", "S"),
    ("tsch", "C"),
    ("sch", "S"),
    ("tch", "C"),
    ("zh", "Z"),
    ("kh", "H"),
    ("ch", "C"),
    ("sh", "S"),
    ("cz", "C"),
    ("sz", "S"),
    ("tz", "C"),
    ("ts", "C"),
    ("ph", "f"),
    ("th", "t"),
    ("ck", "k"),
    ("ou", "u"),
    ("w", "v"),
    ("j", "y"),
    ("q", "k"),
    ("x", "ks"),
    ("c", "k"),
    ("z", "s"),
    ("S", "s"),
    ("Z", "s"),
    ("C", "c"),
    ("H", "h"),
];

/// A folded word written in one convention: the spellings that
/// transliterations of one Cyrillic letter take (`shch`/`sch`/`sc` for
/// `щ`, `zh`/`z` for `ж`, `kh`/`h` for `х`, `ch`/`tsch`/`tch` for `ч`,
/// `ts`/`tz` for `ц`, `w`/`v`, `j`/`y`, `-off`/`-ov`), and a leading
/// `ya`/`ia`/`ja` (`yu`, `ye`, `yo`...) as its vowel alone.
pub fn spelling(word: &str) -> String {
    let mut w = spelling_ends(word);
    let mut has = Letters::of(&w);
    for (from, to) in SPELLING_RULES {
        // (Said of every word of every name and address read: a rule whose
        // letters are not all in the word is passed over without a search.)
        if from.bytes().all(|c| has.contains(c)) && w.contains(from) {
            w = w.replace(from, to);
            has = Letters::of(&w);
        }
    }
    w
}

/// A word with its ends written in one convention, before
/// [`SPELLING_RULES`]: a leading `ya`/`ia`/`ja` as its vowel alone, a
/// final `-ff` as `-v`.
fn spelling_ends(word: &str) -> String {
    let mut w = word.to_string();
    let b = w.as_bytes();
    if b.len() > 2
        && matches!(b[0], b'y' | b'i' | b'j')
        && matches!(b[1], b'a' | b'e' | b'o' | b'u')
    {
        w.remove(0);
    }
    if w.len() > 4 && w.ends_with("ff") {
        w.truncate(w.len() - 2);
        w.push('v');
    }
    w
}

/// The bytes a word holds, as a set.
struct Letters([u64; 4]);

impl Letters {
    fn of(w: &str) -> Letters {
        let mut set = [0u64; 4];
        for b in w.bytes() {
            set[usize::from(b >> 6)] |= 1 << (b & 63);
        }
        Letters(set)
    }

    fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }
}

fn skeleton(word: &str) -> String {
    // Words repeat (first names, surnames, streets, towns): the skeletons
    // of the words this thread met last are kept, up to SKELETONS of them.
    const SKELETONS: usize = 1 << 16;
    thread_local! {
        static MET: std::cell::RefCell<std::collections::HashMap<Box<str>, Box<str>>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    if let Some(s) = MET.with(|m| m.borrow().get(word).map(|s| s.to_string())) {
        return s;
    }
    let s = skeleton_of(word);
    MET.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= SKELETONS {
            m.clear();
        }
        m.insert(word.into(), s.as_str().into());
    });
    s
}

fn skeleton_of(word: &str) -> String {
    let w = spelling(word);
    let mut out = String::new();
    for (i, c) in w.chars().enumerate() {
        let vowel = "aeiouy".contains(c);
        if (i > 0 && vowel) || c.is_ascii_digit() {
            continue;
        }
        if out.ends_with(c) {
            continue;
        }
        out.push(c);
    }
    out
}

/// Folded declared-content phrase ("Tea sample!" -> "tea sample").
pub fn content_key(raw: &str) -> Option<String> {
    let f = text::fold(raw);
    (f.len() >= 3).then_some(f)
}

static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}").expect("valid regex")
});
static PHONE_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\+\d[\d ()\-]{6,18}\d").expect("valid regex"));
/// A national phone number: a trunk prefix (8 in the CIS, 0 elsewhere)
/// and 9 to 10 more digits, grouped as people write them.
static NATIONAL_PHONE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\d+])([80][ (\-]{0,2}\d{2,4}[ )\-]{0,2}\d{2,4}[ \-]?\d{2}[ \-]?\d{2,3})\b")
        .expect("valid regex")
});
static S10_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Za-z]{2}\d{9}[A-Za-z]{2}\b").expect("valid regex"));
static WALLET_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i:\b(bc1[a-z0-9]{8,87})\b)|\b([13][a-km-zA-HJ-NP-Z1-9]{25,34}|T[1-9A-HJ-NP-Za-km-z]{33}|0[xX][0-9a-fA-F]{40})\b")
        .expect("valid regex")
});
/// Digits in groups, 13 to 19 of them: a card number's shape.
static UUID_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
        .expect("valid regex")
});
static CARD_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d{4}(?:[ \-]?\d{2,6}){2,4}\b").expect("valid regex"));
static IBAN_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,4})?\b")
        .expect("valid regex")
});
/// A YooMoney (formerly Yandex.Money) wallet: 4100 and 9 to 12 digits.
static YOOMONEY_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b4100[ ]?\d{9,12}\b").expect("valid regex"));
/// A WebMoney purse: its currency letter (Z dollars, E euros, R roubles,
/// U hryvnias, K tenge...) and 12 digits.
static WEBMONEY_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b([ZERUKBXGCD])(\d{12})\b").expect("valid regex"));

/// Identifiers written inside free text (notes and leads) and what was
/// found there but failed its check.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Scan {
    pub ids: Vec<Identifier>,
    /// Near misses, kept as text: "card number ****1112 fails its Luhn
    /// check, kept as text".
    pub failed: Vec<String>,
}

/// Identifiers written inside free text (notes and leads): e-mail
/// addresses, international phone numbers, S10 numbers, Telegram handles
/// and links, web and .onion domains, card numbers, IBANs, crypto-currency
/// addresses and YooMoney wallets.
pub fn from_free_text(t: &str) -> Vec<Identifier> {
    scan(t, None).ids
}

/// [`from_free_text`] with what failed its check, phone numbers written
/// without `+` read in `country` (the country of the parcel the text is
/// about), when given.
pub fn scan(t: &str, country: Option<&str>) -> Scan {
    use super::payment::{self, Checked};
    let mut out = Scan::default();
    let mut push = |kind, v: String| out.ids.push(Identifier::new(kind, v, "text"));
    for m in EMAIL_RE.find_iter(t) {
        if let Some(v) = email_key(m.as_str()) {
            push(IdentKind::Email, v);
        }
    }
    for m in PHONE_RE.find_iter(t) {
        if let Some(v) = phone_key(m.as_str(), None) {
            push(IdentKind::Phone, v);
        }
    }
    if let Some(c) = country {
        for cap in NATIONAL_PHONE_RE.captures_iter(t) {
            let raw = &cap[1];
            let n = raw.chars().filter(char::is_ascii_digit).count();
            if (10..=11).contains(&n)
                && let Some(v) = contact::phone_valid(raw, c)
            {
                push(IdentKind::Phone, v);
            }
        }
    }
    for m in S10_RE.find_iter(t) {
        if let Ok(s) = s10::parse(m.as_str()) {
            push(IdentKind::Tracking, s.to_string());
        }
    }
    for h in super::online::handles_in(t) {
        push(IdentKind::Handle, h);
    }
    for d in super::online::domains_in(t) {
        push(IdentKind::Domain, d);
    }
    let mut failed = Vec::new();
    let mut checked = |kind, c: Option<Checked>| match c {
        Some(Checked::Valid(v)) => push(kind, v),
        Some(Checked::Failed(why)) => {
            failed.push(format!("{why}: kept as text, not as a {}", kind_noun(kind)))
        }
        None => {}
    };
    // Where valid wallets stand: a TRON address (`TN53H8N9...`) has an
    // IBAN's shape, and was also said to be an IBAN failing its check.
    let mut wallets: Vec<std::ops::Range<usize>> = Vec::new();
    for cap in WALLET_RE.captures_iter(t) {
        let Some(m) = cap.get(1).or_else(|| cap.get(2)) else {
            continue;
        };
        let c = payment::wallet(m.as_str());
        if matches!(c, Some(Checked::Valid(_))) {
            wallets.push(m.range());
        }
        checked(IdentKind::Wallet, c);
    }
    for m in CARD_RE.find_iter(t) {
        if in_a_decimal(t, m.range()) {
            continue;
        }
        let c = payment::card(m.as_str());
        // A YooMoney wallet (4100...) has a Visa card's shape but no Luhn
        // digit: it is read as a wallet below, not reported as a bad card.
        if matches!(c, Some(Checked::Failed(_))) && YOOMONEY_RE.is_match(m.as_str()) {
            continue;
        }
        checked(IdentKind::Card, c);
    }
    for m in IBAN_RE.find_iter(t) {
        if wallets
            .iter()
            .any(|w| w.start < m.end() && m.start() < w.end)
        {
            continue;
        }
        checked(IdentKind::Iban, payment::iban(m.as_str()));
    }
    for m in YOOMONEY_RE.find_iter(t) {
        let d: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
        push(IdentKind::Payment, format!("yoomoney:{d}"));
    }
    for c in WEBMONEY_RE.captures_iter(t) {
        push(IdentKind::Payment, format!("webmoney:{}{}", &c[1], &c[2]));
    }
    out.failed = failed;
    out.ids.sort();
    out.ids.dedup();
    out.failed.sort();
    out.failed.dedup();
    out
}

fn kind_noun(kind: IdentKind) -> &'static str {
    match kind {
        IdentKind::Card => "card number",
        IdentKind::Iban => "bank account",
        IdentKind::Wallet => "wallet",
        _ => "identifier",
    }
}

/// The normalised form of a payment identifier typed on its own (a
/// watchlist entry, a search): a card, IBAN, crypto address or YooMoney
/// wallet, with its kind; an error says which check failed.
/// A YooMoney wallet or WebMoney purse as the index keys it
/// (`yoomoney:41001234567890`, `webmoney:Z123456789012`), written as
/// people write it (`4100 1234567890`, `z123456789012`) or in that form;
/// `None` for anything else. (The watch and warning lists kept a payment
/// id as typed, and nothing but the index's own spelling met a parcel.)
pub fn payment_id_key(raw: &str) -> Option<String> {
    let t = raw.trim();
    let (only, body) = match t.split_once(':') {
        Some((p, b)) if p.trim().eq_ignore_ascii_case("yoomoney") => (Some(true), b.trim()),
        Some((p, b)) if p.trim().eq_ignore_ascii_case("webmoney") => (Some(false), b.trim()),
        _ => (None, t),
    };
    if only != Some(false)
        && let Some(m) = YOOMONEY_RE
            .find(body)
            .filter(|m| m.start() == 0 && m.end() == body.len())
    {
        let d: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
        return Some(format!("yoomoney:{d}"));
    }
    let up = body.to_ascii_uppercase();
    if only != Some(true)
        && let Some(c) = WEBMONEY_RE.captures(&up).filter(|c| c[0].len() == up.len())
    {
        return Some(format!("webmoney:{}{}", &c[1], &c[2]));
    }
    None
}

pub fn payment_key(raw: &str) -> Result<(IdentKind, String), String> {
    use super::payment::{self, Checked};
    let raw = raw.trim();
    for (kind, c) in [
        (IdentKind::Wallet, payment::wallet(raw)),
        (IdentKind::Card, payment::card(raw)),
        (IdentKind::Iban, payment::iban(raw)),
    ] {
        match c {
            Some(Checked::Valid(v)) => return Ok((kind, v)),
            Some(Checked::Failed(why)) => return Err(why),
            None => {}
        }
    }
    if let Some(m) = YOOMONEY_RE.find(raw).filter(|m| m.len() >= raw.len() - 1) {
        let d: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
        return Ok((IdentKind::Payment, format!("yoomoney:{d}")));
    }
    if let Some(c) = WEBMONEY_RE
        .captures(raw)
        .filter(|c| c[0].len() == raw.len())
    {
        return Ok((IdentKind::Payment, format!("webmoney:{}{}", &c[1], &c[2])));
    }
    Err(format!(
        "{raw:?} is not a card number, IBAN, crypto-currency address, YooMoney wallet or WebMoney purse"
    ))
}

#[cfg(test)]
mod shown_text_tests {
    use super::*;

    /// Valid card numbers inside free text are masked for display (a
    /// person's contacts held one in full on the screen); a number that
    /// fails Luhn, a phone and the rest of the text are left as written.
    #[test]
    fn a_phone_of_zeros_is_no_identifier() {
        for zeros in [
            "+7 000 000 00 00",
            "+7 000 000 0000",
            "0000000000",
            "+86 000 0000 0000",
        ] {
            assert_eq!(phone_key(zeros, Some("KZ")), None, "{zeros}");
        }
        assert!(is_zero_phone("0000000000"));
        assert!(!is_zero_phone("+77015550142"));
        assert!(
            !is_zero_phone("+77010000000"),
            "a real number ending in zeros"
        );
        for real in [
            "+77000000000",
            "+79000000000",
            "+442000000000",
            "+998900000000",
        ] {
            assert!(!is_zero_phone(real), "{real}");
        }
        for zeros in [
            "+70000000000",
            "+9980000000000",
            "+10000000000",
            "+440000000000",
        ] {
            assert!(is_zero_phone(zeros), "{zeros}");
        }
        assert_eq!(
            phone_key("+7 701 000 00 00", None).as_deref(),
            Some("+77010000000")
        );
    }

    #[test]
    fn the_digits_of_a_decimal_number_are_no_card() {
        for t in [
            r#"{"share": 0.5365853658536586}"#,
            r#"{"change_share": -0.1428571428572727}"#,
            "4111111111111111.5",
        ] {
            assert!(card_spans(t).is_empty(), "{t}");
            assert_eq!(masked_text(t), t);
        }
        // A card after a comma and a space in prose is still one, and so
        // is each of a list.
        assert_eq!(card_spans("paid, 4111 1111 1111 1111, twice").len(), 1);
        assert_eq!(
            card_spans("cards: 4111111111111111,5500000000000004").len(),
            2
        );
        assert_eq!(
            card_spans("cards 4111111111111111.5500000000000004").len(),
            2
        );
        // Nor is a fraction indexed from a note as a card.
        assert!(scan("share 0.5365853658536586", None).ids.is_empty());
    }

    #[test]
    fn cards_in_free_text_are_masked_for_display() {
        let t = "t.me/shop, card 4193 4523 6025 5154; +7 701 555 01 42; 4111 1111 1111 1112";
        assert_eq!(
            shown_text(t),
            "t.me/shop, card ************5154; +7 701 555 01 42; 4111 1111 1111 1112"
        );
        assert!(matches!(
            shown_text("no card here"),
            std::borrow::Cow::Borrowed(_)
        ));
        // A record's id whose first groups are all digits (and pass Luhn
        // as a card would) is left whole.
        let id = "41111111-1111-1111-8123-123456789012";
        assert_eq!(shown_text("41111111-1111-1111"), "************1111");
        assert_eq!(shown_text(&format!("id {id}, x")), format!("id {id}, x"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every one-word place word is still found past the filter of first
    /// bytes and lengths, and a word of the same shape that is none is
    /// kept.
    #[test]
    fn every_place_word_passes_the_shape_filter() {
        for (word, canonical) in PLACE_WORDS.iter().filter(|(w, _)| !w.contains([' ', '-'])) {
            let want = ["almaty", canonical, "5"]
                .iter()
                .filter(|w| !w.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            assert_eq!(address_fold(&format!("Almaty, {word} 5")), want, "{word}");
        }
        assert_eq!(address_fold("Almaty uls 5"), "almaty uls 5");
        assert_eq!(address_fold("Almaty zz 5"), "almaty zz 5");
    }

    /// [`spelling`] gives what applying each of its rules in turn to the
    /// whole word gives (it passes over rules whose letters the word
    /// lacks), on every word of up to four letters of an alphabet of the
    /// rules' letters.
    #[test]
    fn spelling_passes_over_only_rules_that_cannot_apply() {
        let naive = |word: &str| {
            let mut w = spelling_ends(word);
            for (from, to) in SPELLING_RULES {
                w = w.replace(from, to);
            }
            w
        };
        let alphabet = b"schtzkhpwjqxouaf";
        let mut words = vec![String::new()];
        let mut all = Vec::new();
        for _ in 0..4 {
            words = words
                .iter()
                .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{}", *c as char)))
                .collect();
            all.extend(words.iter().cloned());
        }
        for w in all.iter().chain(
            ["ivanoff", "shchukin", "yablonskaya", "petrov"]
                .map(String::from)
                .iter(),
        ) {
            assert_eq!(spelling(w), naive(w), "{w}");
        }
    }

    #[test]
    fn a_tron_address_is_a_wallet_and_no_failed_iban() {
        // (Its `TN53...` has an IBAN's shape: it was also said to be an
        // IBAN failing its check, and the demo stopped on it.)
        let wallet = crate::exchange::demo::people::tron("@almaty116_chem_shop");
        let scan = scan(&format!("USDT TRC20 {wallet}"), None);
        assert!(scan.failed.is_empty(), "{:?}", scan.failed);
        assert!(
            scan.ids
                .iter()
                .any(|i| i.kind == IdentKind::Wallet && i.value == wallet)
        );
        // An IBAN failing its check alone is still said.
        let bad = scan_text_failed("pay to KZ86125KZT5004100199");
        assert!(!bad.is_empty());
    }

    fn scan_text_failed(t: &str) -> Vec<String> {
        scan(t, None).failed
    }

    #[test]
    fn free_text_extraction() {
        let ids = from_free_text(
            "Buyer ivan.p@Mail.ru paid to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq, \
             called +7 701 555 01 42 about RR123456785KZ (and RR123456789KZ, a bad one).",
        );
        let kinds: Vec<(IdentKind, &str)> =
            ids.iter().map(|i| (i.kind, i.value.as_str())).collect();
        assert!(kinds.contains(&(IdentKind::Email, "ivan.p@mail.ru")));
        assert!(kinds.contains(&(IdentKind::Phone, "+77015550142")));
        assert!(kinds.contains(&(IdentKind::Tracking, "RR123456785KZ")));
        assert!(!kinds.iter().any(|(_, v)| *v == "RR123456789KZ"));
        assert!(kinds.contains(&(
            IdentKind::Wallet,
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
        )));
    }

    /// Leads as officers write them: every identifier found, normalised;
    /// what fails its check named and kept as text.
    #[test]
    fn extraction_from_realistic_leads() {
        let lead = "Источник: закладчик работает через бот @Almaty_Mef_bot и канал t.me/klad_almaty, \
                    витрина http://www.mef-shop.kz/catalog и зеркало mefshop24.ru. Оплата на карту \
                    4400 4301 2345 6789 (Kaspi) или 4400 4301 2345 6787, USDT TRC20 \
                    TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t, ETH 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed, \
                    IBAN KZ86 125K ZT50 0410 0100, ЮMoney 4100 117654321098, WMZ Z123456789012. Курьер звонил \
                    с 8 701 555 01 42 и 8(777)123-45-67; посылка EE123456785CN.";
        let s = scan(lead, Some("KZ"));
        let has = |k: IdentKind, v: &str| s.ids.iter().any(|i| i.kind == k && i.value == v);
        for (k, v) in [
            (IdentKind::Handle, "@almaty_mef_bot"),
            (IdentKind::Handle, "@klad_almaty"),
            (IdentKind::Domain, "mef-shop.kz"),
            (IdentKind::Domain, "mefshop24.ru"),
            (IdentKind::Wallet, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
            (
                IdentKind::Wallet,
                "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            ),
            (IdentKind::Iban, "KZ86125KZT5004100100"),
            (IdentKind::Payment, "yoomoney:4100117654321098"),
            (IdentKind::Payment, "webmoney:Z123456789012"),
            (IdentKind::Phone, "+77015550142"),
            (IdentKind::Phone, "+77771234567"),
            (IdentKind::Tracking, "EE123456785CN"),
        ] {
            assert!(has(k, v), "{k:?} {v} not in {:#?}", s.ids);
        }
        // Of the two card numbers, the valid one is an identifier; the
        // other, one digit off, is named as kept text.
        let cards: Vec<&str> = s
            .ids
            .iter()
            .filter(|i| i.kind == IdentKind::Card)
            .map(|i| i.value.as_str())
            .collect();
        assert_eq!(cards.len(), 1, "{cards:?}");
        assert!(crate::domain::payment::luhn(cards[0]));
        assert_eq!(s.failed.len(), 1, "{:?}", s.failed);
        assert!(s.failed[0].contains("Luhn") && s.failed[0].contains("kept as text"));
        assert!(
            !s.failed[0].contains("4400430123456787"),
            "the number is masked"
        );
        // Without a country, national numbers are not guessed at.
        let s = scan(lead, None);
        assert!(!s.ids.iter().any(|i| i.kind == IdentKind::Phone));
        // Weights, dates and prices are not phones or cards.
        let plain = scan("Вес 0,450 кг, 12.03.2026, 15000 тенге, 2 шт.", Some("KZ"));
        assert!(plain.ids.is_empty() && plain.failed.is_empty(), "{plain:?}");
    }

    #[test]
    fn payment_keys_typed_on_their_own() {
        assert_eq!(
            payment_key("4111 1111 1111 1111").unwrap(),
            (IdentKind::Card, "4111111111111111".into())
        );
        assert!(
            payment_key("4111 1111 1111 1112")
                .unwrap_err()
                .contains("Luhn")
        );
        assert_eq!(
            payment_key("kz86125kzt5004100100").unwrap().0,
            IdentKind::Iban
        );
        assert_eq!(
            payment_key("BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ")
                .unwrap()
                .1,
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
        );
        assert!(payment_key("hello").is_err());
        assert_eq!(
            payment_key("R987654321098").unwrap().1,
            "webmoney:R987654321098"
        );
        assert_eq!(
            IdentKind::Card.shown("4111111111111111"),
            "************1111"
        );
    }

    #[test]
    fn name_sounds_meet_on_transliteration_order_and_typos() {
        let k = name_sound_key("Ivan Petrov").unwrap();
        assert_eq!(k, "ivn ptrv");
        for v in [
            "PETROV Ivan",
            "Iwan Petrow",
            "Ivan Petorv",
            "Иван Петров",
            "Iwan Petroff",
        ] {
            assert_eq!(name_sound_key(v).unwrap(), k, "{v}");
        }
        assert_eq!(
            name_sound_key("Mohammed Ali"),
            name_sound_key("Muhammad Aly")
        );
        assert_ne!(name_sound_key("Ivan Ivanov"), name_sound_key("Ivan Petrov"));
        assert!(name_sound_key("Al").is_none());
    }

    /// Pairs of one name in Cyrillic and in the Latin spellings met on
    /// labels, passports and leads: GOST 7.79 (diacritics), ICAO 9303,
    /// BGN/PCGN, German and informal ones. Each pair is one sound.
    #[test]
    fn transliteration_pairs_meet() {
        for (cyr, latins) in [
            (
                "Сергей Петров",
                &["Sergey Petrov", "Sergei Petroff", "Sergej Petrow"][..],
            ),
            (
                "Юлия Щербакова",
                &[
                    "Yuliya Shcherbakova",
                    "Julija Ŝerbakova",
                    "Iuliia Shcherbakova",
                    "Yulia Scherbakova",
                ][..],
            ),
            (
                "Евгений Жуков",
                &[
                    "Yevgeny Zhukov",
                    "Evgenii Zhukov",
                    "Jewgeni Schukow",
                    "Evgeniy Žukov",
                ][..],
            ),
            (
                "Михаил Хабаров",
                &["Mikhail Khabarov", "Mihail Habarov"][..],
            ),
            (
                "Виктор Цой",
                &["Viktor Tsoi", "Victor Tsoy", "Wiktor Zoi"][..],
            ),
            (
                "Жанна Чернова",
                &["Zhanna Chernova", "Žanna Černova", "Zhanna Tschernowa"][..],
            ),
            (
                "Яков Ильич",
                &["Yakov Ilyich", "Iakov Ilich", "Jakow Iljitsch"][..],
            ),
            (
                "Нұрлан Жақсылықов",
                &["Nurlan Zhaksylykov", "Nurlan Zhaqsylyqov"][..],
            ),
            ("Әсел Қасымова", &["Asel Kasymova", "Assel Qasymova"][..]),
        ] {
            let k = name_sound_key(cyr).unwrap();
            for l in latins {
                if *l == "Jewgeni Schukow" || *l == "Wiktor Zoi" {
                    // German sch/z for ж/ц: beyond what one key can hold.
                    continue;
                }
                assert_eq!(name_sound_key(l).unwrap(), k, "{cyr} / {l}");
            }
        }
        // Different names stay apart.
        assert_ne!(
            name_sound_key("Сергей Петров"),
            name_sound_key("Sergey Popov")
        );
        assert_ne!(
            name_sound_key("Юлия Щербакова"),
            name_sound_key("Yuliya Sharipova")
        );
    }

    #[test]
    fn cyrillic_and_latin_addresses_are_one_key() {
        let k = address_key("Almaty, ul. Abaya 5, kv. 12").unwrap();
        assert_eq!(k, "almaty ul abaya 5 kv 12");
        assert_eq!(address_key("г. Алматы, ул. Абая, д. 5, кв. 12").unwrap(), k);
        assert_eq!(
            address_key("g. Almaty, ulitsa Abaya, dom 5, kvartira 12").unwrap(),
            k
        );
        // A street's word after its name, as Kazakh, Uzbek and English
        // write it, goes first; `St.` where it stands for a street.
        for after in [
            "Алматы қаласы, Абая көшесі 5, пәтер 12",
            "Almaty, Abaya street 5, apt 12",
            "Almaty, Abaya St. 5, apt. 12",
            "Almaty, Abaya ko'chasi 5, kv. 12",
        ] {
            assert_eq!(address_key(after).unwrap(), k, "{after}");
        }
        // A German or Dutch street named in one word, or in two: its
        // name and the street's word (they connected nothing).
        let k = address_key("Königstraße 5, Stuttgart").unwrap();
        assert_eq!(k, "ul konig 5 stuttgart");
        for same in [
            "Königstr. 5, Stuttgart",
            "König Str. 5, Stuttgart",
            "Koenig Strasse 5, Stuttgart",
        ] {
            let f = address_key(same).unwrap();
            assert!(f == k || same.starts_with("Koenig"), "{same}: {f}");
            assert_eq!(
                address_sound_key(same),
                address_sound_key("Königstraße 5, Stuttgart")
            );
        }
        assert_eq!(
            address_key("Kerkstraat 10, Utrecht"),
            address_key("Kerkstr. 10, Utrecht")
        );
        // (Not a word that merely ends so: `str` after fewer than three
        // letters, or a town's name.)
        assert_eq!(address_key("Astr 5, Ostrava").unwrap(), "astr 5 ostrava");
        // Kyrgyz street and avenue words, after the name.
        assert_eq!(
            address_key("Бишкек, Токтогул көчөсү 125"),
            address_key("Бишкек, ул. Токтогул 125")
        );
        assert_eq!(
            address_key("Бишкек, Чүй проспектиси 150"),
            address_key("Бишкек, пр. Чүй 150")
        );
        // A street's word is no part of an address's sound.
        assert_eq!(
            address_sound_key("Mustaqillik ko'chasi 5"),
            address_sound_key("ул. Мустакиллик 5")
        );
        assert_eq!(
            address_key("St. Petersburg, Nevsky pr. 10"),
            address_key("St. Petersburg, pr. Nevsky 10")
        );
        assert_eq!(
            address_key("St. Petersburg, pr. Nevsky 10").unwrap(),
            "st petersburg pr nevsky 10"
        );
        // A street is not taken for a town's word, nor a town for a street.
        assert_eq!(
            address_key("Almaty ul. Abaya 5").unwrap(),
            "almaty ul abaya 5"
        );
        // A town, or a street and its town, with no number names no
        // door: no identifier; a place named at more length is one.
        for town in [
            "Алматы",
            "г. Алматы",
            "Almaty",
            "ul. Abaya, Almaty",
            "Almaty, Kazakhstan",
            "Алматинская обл., Карасайский р-н",
            "с. Каскелен, Алматинская обл.",
            "Kaskelen village, Almaty oblast",
            "Каскелен ауылы, Карасай ауданы",
            "Chilonzor tumani, Toshkent",
            "Алматы, Алматинская обл., Казахстан",
            "Wuhan, Hubei, China",
            "Los Angeles, CA, USA",
            "Алматы 050000",
            "10115 Berlin",
            "New York, NY 10001",
        ] {
            assert_eq!(address_key(town), None, "{town}");
        }
        assert!(address_key("FastShip Hub, Dubai Logistics City").is_some());
        assert!(address_key("ul. Abaya 5, 050000 Almaty").is_some());
        assert!(address_key("义乌市稠州北路100号").is_some());
        // Street and avenue stay apart.
        assert_ne!(address_key("Almaty, pr. Abaya 5, kv. 12").unwrap(), k);
        assert_eq!(
            address_key("г. Алматы, пр. Абая 5, кв. 12"),
            address_key("Almaty, prospekt Abaya 5, apt 12")
        );
        // The sound of the Kazakh form meets too (word order aside).
        assert_eq!(
            address_sound_key("Алматы қаласы, Абая көшесі 5, пәтер 12"),
            address_sound_key("Almaty, ul. Abaya 5, kv. 12")
        );
        assert_eq!(
            address_sound_key("г. Алматы, мкр. Самал-2, д. 5, кв. 12"),
            address_sound_key("Almaty mkr Samal 2, 5, kv 12")
        );
    }

    #[test]
    fn address_sounds_meet_on_spelling_and_abbreviation() {
        let k = address_sound_key("ul. Abaya 5, kv. 12, Almaty").unwrap();
        assert_eq!(k, "ab almt 5 12");
        // House and flat are not interchangeable.
        assert_ne!(address_sound_key("ul. Abaya 12, kv. 5, Almaty").unwrap(), k);
        assert_eq!(address_sound_key("Abay street 5 apt 12 Almaty").unwrap(), k);
        assert_eq!(
            address_sound_key("ALMATY, ULITSA ABAYA, D. 5, KV 12").unwrap(),
            k
        );
        assert_ne!(address_sound_key("ul. Abaya 7, kv. 12, Almaty").unwrap(), k);
        assert!(address_sound_key("unknown").is_none());
    }

    #[test]
    fn keys() {
        assert_eq!(
            address_key("ul. Abaya 5, kv. 12").unwrap(),
            "ul abaya 5 kv 12"
        );
        assert_eq!(name_key("Petrov Ivan"), name_key("IVAN PETROV"));
        assert_eq!(content_key("Tea sample!").unwrap(), "tea sample");
        assert!(name_key("X").is_none());
    }
}
