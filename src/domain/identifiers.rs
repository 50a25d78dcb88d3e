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
}

impl IdentKind {
    pub const ALL: [IdentKind; 9] = [
        IdentKind::Tracking,
        IdentKind::Phone,
        IdentKind::Email,
        IdentKind::Address,
        IdentKind::Name,
        IdentKind::Payment,
        IdentKind::Content,
        IdentKind::NameSound,
        IdentKind::AddressSound,
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
        }
    }
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
    contact::phone_e164(raw, country_hint)
}

pub fn email_key(raw: &str) -> Option<String> {
    contact::parse_email(raw).ok()
}

/// Folded address: transliterated, lower case, punctuation dropped.
pub fn address_key(raw: &str) -> Option<String> {
    let f = text::fold(raw);
    (f.len() >= 4).then_some(f)
}

/// Folded name with words sorted.
pub fn name_key(raw: &str) -> Option<String> {
    let k = text::name_key(raw);
    (k.len() >= 3).then_some(k)
}

/// The sound of a name, so that transliterations and small typos meet:
/// each folded word is reduced to its consonant skeleton after the usual
/// transliteration swaps (w/v, ph/f, kh/h, j/y...), vowels after the first
/// letter dropped, doubled letters collapsed; words sorted. `Ivan Petrov`,
/// `PETROV Ivan`, `Iwan Petrow` and `Ivan Petorv` all give `ivn ptrv`.
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
    "ul",
    "ulitsa",
    "street",
    "st",
    "str",
    "strasse",
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
/// like, each reduced to its consonant skeleton, numbers kept exactly,
/// sorted. `ul. Abaya 5, kv. 12, Almaty` and `Abay street 5 apt 12 Almaty`
/// both give `12 5 ab almt`.
pub fn address_sound_key(raw: &str) -> Option<String> {
    let folded = text::fold(raw);
    let mut words: Vec<String> = folded
        .split(' ')
        .filter(|w| !w.is_empty() && !ADDRESS_WORDS.contains(w))
        .map(|w| {
            if w.bytes().all(|b| b.is_ascii_digit()) {
                w.to_string()
            } else {
                skeleton(w)
            }
        })
        .filter(|w| !w.is_empty())
        .collect();
    words.sort_unstable();
    words.dedup();
    let k = words.join(" ");
    // Enough to be a place: a number and a name at least.
    (words.len() >= 2 && words.iter().any(|w| w.bytes().all(|b| b.is_ascii_digit()))).then_some(k)
}

fn skeleton(word: &str) -> String {
    let w = word
        .replace("sch", "sh")
        .replace("ph", "f")
        .replace("kh", "h")
        .replace("ck", "k")
        .replace("th", "t")
        .replace("ou", "u")
        .replace('w', "v")
        .replace('j', "y")
        .replace('q', "k")
        .replace('x', "ks")
        .replace('z', "s");
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
static S10_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Za-z]{2}\d{9}[A-Za-z]{2}\b").expect("valid regex"));
static PAYMENT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(bc1[a-z0-9]{25,59}|[13][a-km-zA-HJ-NP-Z1-9]{25,34}|T[1-9A-HJ-NP-Za-km-z]{33}|0x[0-9a-fA-F]{40})\b")
        .expect("valid regex")
});

/// Identifiers written inside free text (notes and leads): e-mail
/// addresses, international phone numbers, S10 numbers and crypto-currency
/// payment addresses.
pub fn from_free_text(t: &str) -> Vec<Identifier> {
    let mut out = Vec::new();
    for m in EMAIL_RE.find_iter(t) {
        if let Some(v) = email_key(m.as_str()) {
            out.push(Identifier::new(IdentKind::Email, v, "text"));
        }
    }
    for m in PHONE_RE.find_iter(t) {
        if let Some(v) = phone_key(m.as_str(), None) {
            out.push(Identifier::new(IdentKind::Phone, v, "text"));
        }
    }
    for m in S10_RE.find_iter(t) {
        if let Ok(s) = s10::parse(m.as_str()) {
            out.push(Identifier::new(IdentKind::Tracking, s.to_string(), "text"));
        }
    }
    for m in PAYMENT_RE.find_iter(t) {
        out.push(Identifier::new(
            IdentKind::Payment,
            m.as_str().to_string(),
            "text",
        ));
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
            IdentKind::Payment,
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
        )));
    }

    #[test]
    fn name_sounds_meet_on_transliteration_order_and_typos() {
        let k = name_sound_key("Ivan Petrov").unwrap();
        assert_eq!(k, "ivn ptrv");
        for v in ["PETROV Ivan", "Iwan Petrow", "Ivan Petorv", "Иван Петров"] {
            assert_eq!(name_sound_key(v).unwrap(), k, "{v}");
        }
        assert_eq!(
            name_sound_key("Mohammed Ali"),
            name_sound_key("Muhammad Aly")
        );
        assert_ne!(name_sound_key("Ivan Ivanov"), name_sound_key("Ivan Petrov"));
        assert!(name_sound_key("Al").is_none());
    }

    #[test]
    fn address_sounds_meet_on_spelling_and_abbreviation() {
        let k = address_sound_key("ul. Abaya 5, kv. 12, Almaty").unwrap();
        assert_eq!(k, "12 5 ab almt");
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
