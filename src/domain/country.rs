//! ISO 3166-1 alpha-2 country codes.

use isocountry::CountryCode;

pub fn is_valid(code: &str) -> bool {
    // (Said of two or three fields of every row read: a table of the
    // upper-case codes, not a search through ISO's list.)
    static CODES: std::sync::LazyLock<[bool; 26 * 26]> = std::sync::LazyLock::new(|| {
        let mut t = [false; 26 * 26];
        for c in CountryCode::as_array() {
            if let Some(i) = upper_pair(c.alpha2()) {
                t[i] = true;
            }
        }
        t
    });
    match upper_pair(code) {
        Some(i) => CODES[i],
        None => code.len() == 2 && CountryCode::for_alpha2(code).is_ok(),
    }
}

/// Where two upper-case ASCII letters stand in a table of every pair.
fn upper_pair(code: &str) -> Option<usize> {
    match code.as_bytes() {
        [a @ b'A'..=b'Z', b @ b'A'..=b'Z'] => {
            Some(usize::from(a - b'A') * 26 + usize::from(b - b'A'))
        }
        _ => None,
    }
}

/// Names tables write for countries besides ISO's English ones: short
/// English names and the Russian names of the countries in this work
/// and their neighbours and trading partners.
const NAMES: &[(&str, &str)] = &[
    ("russia", "RU"),
    ("south korea", "KR"),
    ("korea", "KR"),
    ("uk", "GB"),
    ("great britain", "GB"),
    ("united kingdom", "GB"),
    ("usa", "US"),
    ("united states", "US"),
    ("uae", "AE"),
    ("turkey", "TR"),
    ("turkiye", "TR"),
    ("iran", "IR"),
    ("vietnam", "VN"),
    ("moldova", "MD"),
    ("czech republic", "CZ"),
    ("czechia", "CZ"),
    ("holland", "NL"),
    ("taiwan", "TW"),
    ("laos", "LA"),
    ("syria", "SY"),
    ("китай", "CN"),
    ("кнр", "CN"),
    ("казахстан", "KZ"),
    ("россия", "RU"),
    ("российская федерация", "RU"),
    ("рф", "RU"),
    ("кыргызстан", "KG"),
    ("киргизия", "KG"),
    ("узбекистан", "UZ"),
    ("таджикистан", "TJ"),
    ("туркменистан", "TM"),
    ("турция", "TR"),
    ("индия", "IN"),
    ("германия", "DE"),
    ("нидерланды", "NL"),
    ("голландия", "NL"),
    ("польша", "PL"),
    ("сша", "US"),
    ("оаэ", "AE"),
    ("объединенные арабские эмираты", "AE"),
    ("великобритания", "GB"),
    ("франция", "FR"),
    ("италия", "IT"),
    ("испания", "ES"),
    ("бельгия", "BE"),
    ("корея", "KR"),
    ("южная корея", "KR"),
    ("япония", "JP"),
    ("беларусь", "BY"),
    ("белоруссия", "BY"),
    ("украина", "UA"),
    ("грузия", "GE"),
    ("армения", "AM"),
    ("азербайджан", "AZ"),
    ("иран", "IR"),
    ("афганистан", "AF"),
    ("пакистан", "PK"),
    ("монголия", "MN"),
    ("гонконг", "HK"),
    ("канада", "CA"),
    ("таиланд", "TH"),
    ("вьетнам", "VN"),
    ("латвия", "LV"),
    ("литва", "LT"),
    ("эстония", "EE"),
    ("молдова", "MD"),
    ("чехия", "CZ"),
];

/// Upper-cases and validates a country code; a country's name in English
/// or Russian (`China`, `Китай`, `Kazakhstan`, `Казахстан`) is read as its
/// code.
pub fn parse(input: &str) -> Result<String, String> {
    let code = input.trim().to_ascii_uppercase();
    if is_valid(&code) {
        return Ok(code);
    }
    // Three letters, as customs systems write them (`CHN`, `KAZ`).
    if code.len() == 3
        && let Ok(c) = CountryCode::for_alpha3(&code)
    {
        return Ok(c.alpha2().to_string());
    }
    if let Some(c) = by_name(input) {
        return Ok(c.to_string());
    }
    Err(format!(
        "{:?} is not an ISO 3166-1 alpha-2 country code (e.g. KZ, CN, NL), its alpha-3 form (KAZ) or a country's name",
        input.trim()
    ))
}

/// The code of a country named in English (ISO's name, or a short one) or
/// Russian.
fn by_name(input: &str) -> Option<&'static str> {
    let t = input.trim().to_lowercase();
    if t.len() < 2 {
        return None;
    }
    if let Some((_, c)) = NAMES.iter().find(|(n, _)| *n == t) {
        return Some(c);
    }
    let folded = super::text::fold(&t);
    CountryCode::as_array()
        .iter()
        .find(|c| super::text::fold(c.name()) == folded)
        .map(|c| c.alpha2())
}

/// A list of countries such as a transit route: `TR, AE` -> `TR,AE`.
pub fn parse_list(input: &str) -> Result<String, String> {
    let mut codes = Vec::new();
    for part in input
        .split([',', ';', '>'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        // A name of several words (`United Arab Emirates`), or codes
        // written with spaces between them (`TR AE`).
        match parse(part) {
            Ok(c) => codes.push(c),
            Err(e) if !part.contains(' ') => return Err(e),
            Err(_) => {
                for w in part.split_whitespace() {
                    codes.push(parse(w)?);
                }
            }
        }
    }
    Ok(codes.join(","))
}

pub fn name(code: &str) -> Option<&'static str> {
    CountryCode::for_alpha2(code).ok().map(|c| c.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A country's three-letter code, as customs systems write it, is
    /// its code (`CHN` passed a manifest's row over).
    #[test]
    fn an_alpha3_code_is_the_country() {
        assert_eq!(parse("CHN").as_deref(), Ok("CN"));
        assert_eq!(parse("kaz").as_deref(), Ok("KZ"));
        assert_eq!(parse("USA").as_deref(), Ok("US"));
        assert!(parse("XXX").is_err());
    }

    #[test]
    fn the_table_of_codes_agrees_with_iso() {
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                let code = format!("{}{}", a as char, b as char);
                assert_eq!(
                    is_valid(&code),
                    CountryCode::for_alpha2(&code).is_ok(),
                    "{code}"
                );
            }
        }
        for bad in ["", "K", "kz", "KZZ", "K1", "ЖЖ"] {
            assert_eq!(
                is_valid(bad),
                bad.len() == 2 && CountryCode::for_alpha2(bad).is_ok(),
                "{bad}"
            );
        }
    }

    #[test]
    fn codes() {
        assert_eq!(parse(" kz ").unwrap(), "KZ");
        assert!(parse("XX").unwrap_err().contains("\"XX\""));
        assert_eq!(parse("KAZ").unwrap(), "KZ");
        assert_eq!(parse_list("tr, ae > nl").unwrap(), "TR,AE,NL");
        assert!(parse_list("TR,QQ").is_err());
        assert_eq!(name("KZ"), Some("Kazakhstan"));
    }

    #[test]
    fn names_in_english_and_russian() {
        for (n, c) in [
            ("China", "CN"),
            ("Китай", "CN"),
            ("Kazakhstan", "KZ"),
            ("КАЗАХСТАН", "KZ"),
            ("Russia", "RU"),
            ("Российская Федерация", "RU"),
            ("Germany", "DE"),
            ("Kyrgyzstan", "KG"),
            ("Киргизия", "KG"),
            ("United Arab Emirates", "AE"),
            ("ОАЭ", "AE"),
        ] {
            assert_eq!(parse(n).unwrap(), c, "{n}");
        }
        assert!(parse("Atlantis").unwrap_err().contains("country's name"));
        assert_eq!(parse_list("Турция, ОАЭ").unwrap(), "TR,AE");
    }
}
