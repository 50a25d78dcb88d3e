//! Cyrillic to Latin, the ways people in the field write it.
//!
//! Russian and Kazakh names and addresses reach the notebook in Cyrillic
//! and in several Latin spellings: the BGN/PCGN-like one of most labels and
//! leads (`Yuliya Zhaksylykova`), ICAO 9303 of passports since 2013
//! (`Iuliia`), GOST 7.79 and Czech-style diacritics (`Žaksylykova`), and
//! informal or German/French ones (`Petroff`, `Iwan`, `Sergei`). Here:
//! - [`latin`], the one form the notebook folds Cyrillic to (BGN/PCGN
//!   style, what most Latin data is written in), so `Иван Петров` and
//!   `Ivan Petrov` have one name key;
//! - [`latin_icao`], the passport form, added to search texts beside
//!   [`latin`] so a Latin query in either convention finds Cyrillic data;
//! - [`query_form`], what a Cyrillic query searches for: each letter as
//!   the part every convention shares (`й` as nothing, `ш` as `s`, `ч` as
//!   `c`), so the query's letters come in order in any spelling;
//! - [`searchable`], a search text with its Latin forms appended.
//!
//! The fuzzy keys that let the remaining spellings meet (`Petroff`,
//! `Iwan`) are in `identifiers`.

/// A Cyrillic letter (lower case) in the canonical form and in ICAO 9303
/// (2013), when the two differ.
fn letter(c: char) -> Option<(&'static str, Option<&'static str>)> {
    Some(match c {
        'а' => ("a", None),
        'б' => ("b", None),
        'в' => ("v", None),
        'г' => ("g", None),
        'д' => ("d", None),
        'е' => ("e", None),
        'ё' => ("e", None),
        'ж' => ("zh", None),
        'з' => ("z", None),
        'и' => ("i", None),
        'й' => ("y", Some("i")),
        'к' => ("k", None),
        'л' => ("l", None),
        'м' => ("m", None),
        'н' => ("n", None),
        'о' => ("o", None),
        'п' => ("p", None),
        'р' => ("r", None),
        'с' => ("s", None),
        'т' => ("t", None),
        'у' => ("u", None),
        'ф' => ("f", None),
        'х' => ("kh", None),
        'ц' => ("ts", None),
        'ч' => ("ch", None),
        'ш' => ("sh", None),
        'щ' => ("shch", None),
        'ъ' => ("", Some("ie")),
        'ы' => ("y", None),
        'ь' => ("", None),
        'э' => ("e", None),
        'ю' => ("yu", Some("iu")),
        'я' => ("ya", Some("ia")),
        // Kazakh (as Kazakh passports write it in Latin).
        'ә' => ("a", None),
        'ғ' => ("g", None),
        'қ' => ("k", None),
        'ң' => ("n", None),
        'ө' => ("o", None),
        'ұ' => ("u", None),
        'ү' => ("u", None),
        'һ' => ("h", None),
        'і' => ("i", None),
        // Ukrainian, Belarusian, Uzbek and Tajik letters met on labels.
        'є' => ("ye", Some("ie")),
        'ї' => ("yi", Some("i")),
        'ґ' => ("g", None),
        // (Uzbek's `ў` is Latin `oʻ`, `o` once the apostrophe is part
        // of the word: `Ўткир` meets `O'tkir`.)
        'ў' => ("o", None),
        'ҳ' => ("h", None),
        'ҷ' => ("j", None),
        'ӣ' => ("i", None),
        'ӯ' => ("u", None),
        _ => return None,
    })
}

/// The part of a letter's spellings that every convention shares, for
/// queries: `ш` is `sh`, `š` (folded `s`) or `sch`, so `s`.
fn shared(c: char) -> Option<&'static str> {
    Some(match c {
        'ж' => "z",
        'й' | 'ъ' | 'ь' => "",
        'х' => "h",
        'ц' => "t",
        'ч' => "c",
        'ш' | 'щ' => "s",
        'ю' => "u",
        'я' => "a",
        'ё' | 'є' => "e",
        'ї' => "i",
        _ => return letter(c).map(|(l, _)| l),
    })
}

pub fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}' | '\u{0500}'..='\u{052F}')
}

pub fn has_cyrillic(s: &str) -> bool {
    // (Most texts are ASCII, told at once.)
    !s.is_ascii() && s.chars().any(is_cyrillic)
}

/// The Latin letters with a caron or circumflex that scientific and GOST
/// 7.79 (system A) transliterations write for `ч ш ж щ`: read as the
/// canonical `ch sh zh shch` (`deunicode` would drop the mark and make
/// `Černova` `Cernova`).
fn caron(c: char) -> Option<&'static str> {
    Some(match c {
        'č' => "ch",
        'š' => "sh",
        'ž' => "zh",
        'ŝ' => "shch",
        'Č' => "Ch",
        'Š' => "Sh",
        'Ž' => "Zh",
        'Ŝ' => "Shch",
        _ => return None,
    })
}

pub fn has_caron(s: &str) -> bool {
    s.chars().any(|c| caron(c).is_some())
}

fn convert(s: &str, one: impl Fn(char) -> Option<&'static str>) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !is_cyrillic(c) {
            match caron(c) {
                Some(l) => out.push_str(l),
                None => out.push(c),
            }
            continue;
        }
        let lower = c.to_lowercase().next().unwrap_or(c);
        match one(lower) {
            Some(l) if lower != c => {
                // A capital: the first letter of its spelling capitalised.
                let mut it = l.chars();
                if let Some(f) = it.next() {
                    out.push(f.to_ascii_uppercase());
                    out.extend(it);
                }
            }
            Some(l) => out.push_str(l),
            // A Cyrillic letter of another language: as it is (folding
            // turns it into ASCII its own way).
            None => out.push(c),
        }
    }
    out
}

/// The canonical Latin form: `Жақсылықова Юлия` -> `Zhaksylykova Yuliya`
/// (and `Černova` -> `Chernova`). Other text is returned as it is.
pub fn latin(s: &str) -> String {
    convert(s, |c| letter(c).map(|(l, _)| l))
}

/// The ICAO 9303 (passport) form: `Юлия Сергеевна` -> `Iuliia Sergeevna`.
pub fn latin_icao(s: &str) -> String {
    convert(s, |c| letter(c).map(|(l, icao)| icao.unwrap_or(l)))
}

/// What a query searches for: a query with Cyrillic in the letters every
/// Latin spelling shares (`Щербаков` -> `sherbakov`, which `Shcherbakov`
/// and `Scherbakow` hold in order); any other query as it is.
///
/// An S10 tracking number written with spaces or dashes (`rs 100421010
/// ru`, as read off a label) is searched in the form every text holds it
/// in (`RS100421010RU`): `show` and `add` knew it so written, search found
/// nothing. (Only an S10, whose letters say what it is: digits with
/// spaces, `90 505 221`, are as often part of a phone number, and are
/// searched as typed.)
pub fn query_form(q: &str) -> std::borrow::Cow<'_, str> {
    if q.contains([' ', '-'])
        && let Ok(t) = super::tracking::parse(q)
        && t.kind == super::tracking::TrackingKind::S10
    {
        return std::borrow::Cow::Owned(t.canonical);
    }
    // Accents composed as texts are kept (see `fields::composed`): a
    // query pasted with combining accents meets them.
    let q: std::borrow::Cow<'_, str> = if q.is_ascii() {
        q.into()
    } else {
        super::fields::composed(q).into()
    };
    // An apostrophe inside a word is part of it, as names are keyed
    // (`O'tkir` is `Otkir`, and `Ўткир`'s Latin form): a query with one
    // found only the texts that wrote it so (a text with it still meets
    // the query without it, its letters in order).
    let q = without_inner_apostrophes(q);
    if has_cyrillic(&q) {
        std::borrow::Cow::Owned(convert(&q, shared).to_lowercase())
    } else {
        q
    }
}

/// `q` less each apostrophe (`'`, `` ` ``, `ʻ`, `ʼ`, `’`, `‘`) between two
/// letters or digits.
fn without_inner_apostrophes(q: std::borrow::Cow<'_, str>) -> std::borrow::Cow<'_, str> {
    const MARKS: [char; 6] = ['\'', '`', 'ʻ', 'ʼ', '’', '‘'];
    if !q.contains(MARKS) {
        return q;
    }
    let chars: Vec<char> = q.chars().collect();
    let inner = |i: usize| {
        MARKS.contains(&chars[i])
            && i > 0
            && chars[i - 1].is_alphanumeric()
            && chars.get(i + 1).is_some_and(|c| c.is_alphanumeric())
    };
    std::borrow::Cow::Owned(
        (0..chars.len())
            .filter(|&i| !inner(i))
            .map(|i| chars[i])
            .collect(),
    )
}

/// A search text with its Latin forms appended when it holds Cyrillic
/// (`Иван Петров · Ivan Petrov`; the passport form too where it differs),
/// so that Latin queries find it and Cyrillic queries, searched in
/// [`query_form`], do too.
pub fn searchable(text: &str) -> std::borrow::Cow<'_, str> {
    if !has_cyrillic(text) {
        return std::borrow::Cow::Borrowed(text);
    }
    let canonical = latin(text);
    let icao = latin_icao(text);
    let mut out = format!("{text} · {canonical}");
    if icao != canonical {
        out.push_str(" · ");
        out.push_str(&icao);
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_and_passport_forms() {
        assert_eq!(latin("Иван Петров"), "Ivan Petrov");
        assert_eq!(latin("Жақсылықова Юлия"), "Zhaksylykova Yuliya");
        assert_eq!(latin_icao("Юлия Сергеевна"), "Iuliia Sergeevna");
        assert_eq!(latin("Щербаков Сергей"), "Shcherbakov Sergey");
        assert_eq!(
            latin("г. Алматы, ул. Абая, д. 5"),
            "g. Almaty, ul. Abaya, d. 5"
        );
        assert_eq!(latin("ЦОЙ"), "TsOY");
        assert_eq!(latin("no cyrillic here"), "no cyrillic here");
        assert_eq!(latin("Нұрлан Әбілқайыр"), "Nurlan Abilkayyr");
    }

    #[test]
    fn a_cyrillic_query_is_held_in_order_by_every_spelling() {
        let holds = |q: &str, text: &str| {
            let q = query_form(q);
            let mut rest = text.to_lowercase();
            for c in q.chars().filter(|c| *c != ' ') {
                match rest.find(c) {
                    Some(i) => rest = rest[i + c.len_utf8()..].to_string(),
                    None => return false,
                }
            }
            true
        };
        for (q, spellings) in [
            ("Щербаков", &["Shcherbakov", "Scherbakov", "Ščerbakov"][..]),
            ("Сергей", &["Sergey", "Sergei", "Sergej"][..]),
            ("Жанна", &["Zhanna", "Žanna"][..]),
            ("Юлия", &["Yuliya", "Iuliia", "Julija", "Yulia"][..]),
            ("Хабаров", &["Khabarov", "Habarov"][..]),
            ("мефедрон", &["мефедрон · mefedron"][..]),
        ] {
            for s in spellings {
                let folded = crate::domain::text::fold(s);
                assert!(holds(q, &folded), "{q} in {s} ({folded})");
            }
        }
        assert_eq!(query_form("almaty"), "almaty");
        assert_eq!(query_form("rs 100421010 ru"), "RS100421010RU");
        assert_eq!(query_form("ul. abaya 5"), "ul. abaya 5");
        // Digits with spaces are searched as typed (a phone's part).
        assert_eq!(query_form("90 505 221"), "90 505 221");
    }

    #[test]
    fn search_texts_gain_their_latin_forms() {
        assert_eq!(searchable("Petrov"), "Petrov");
        assert_eq!(searchable("Юлия"), "Юлия · Yuliya · Iuliia");
        assert_eq!(searchable("Иван"), "Иван · Ivan");
    }
}
