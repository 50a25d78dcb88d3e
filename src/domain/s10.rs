//! UPU S10 identifiers for international postal items, e.g. `RR123456785KZ`:
//! two letters of service indicator, eight serial digits, one check digit and
//! the ISO 3166-1 alpha-2 code of the issuing post.

use std::fmt;

const WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];

/// Check digit of an eight-digit S10 serial number.
pub fn check_digit(serial: &[u8; 8]) -> u8 {
    let sum: u32 = serial
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    match 11 - (sum % 11) {
        10 => 0,
        11 => 5,
        c => c as u8,
    }
}

/// A valid S10 identifier in canonical form (upper case, no spaces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S10 {
    canonical: String,
}

impl S10 {
    pub fn as_str(&self) -> &str {
        &self.canonical
    }
    pub fn service_indicator(&self) -> &str {
        &self.canonical[..2]
    }
    pub fn country(&self) -> &str {
        &self.canonical[11..]
    }
    /// A warning when the service indicator is outside the ranges the UPU
    /// assigns (S10 allows new ranges, so this never rejects).
    pub fn service_warning(&self) -> Option<String> {
        let si = self.service_indicator();
        match service_name(si) {
            Some(_) => None,
            None => Some(format!(
                "service indicator {si} is not in a known S10 range (C, E, H, L, R, U, V)"
            )),
        }
    }
}

impl fmt::Display for S10 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical)
    }
}

/// What the first letter of a service indicator means.
pub fn service_name(indicator: &str) -> Option<&'static str> {
    match indicator.chars().next()? {
        'C' => Some("parcel post"),
        'E' => Some("EMS"),
        'H' => Some("e-commerce parcel"),
        'L' => Some("express letter"),
        'R' => Some("registered"),
        'U' => Some("letter item with customs declaration"),
        'V' => Some("insured"),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum S10Error {
    #[error(
        "{0:?} is not an S10 number: expected 2 letters, 8 serial digits, 1 check digit, 2 letters"
    )]
    Shape(String),
    #[error("{number} has check digit {found}, expected {expected} for serial {serial}")]
    CheckDigit {
        number: String,
        serial: String,
        found: u8,
        expected: u8,
    },
    #[error("{number}: {country:?} is not an ISO 3166-1 country code")]
    Country { number: String, country: String },
}

/// Upper-cases and removes spaces, as officers type numbers from labels.
pub fn canonical_form(input: &str) -> String {
    // (Said several times of every tracking number read: plain ASCII,
    // the common case, byte by byte.)
    if input.is_ascii() {
        let mut out = String::with_capacity(input.len());
        for b in input.bytes() {
            if !matches!(b, b'\t'..=b'\r' | b' ' | b'-') {
                out.push(char::from(b.to_ascii_uppercase()));
            }
        }
        return out;
    }
    canonical_form_of_chars(input)
}

/// [`canonical_form`], char by char.
fn canonical_form_of_chars(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

/// Does the text have the outline of an S10 number (letters, digits, letters)?
/// Used to decide whether a tracking number must satisfy S10 rules.
pub fn looks_like_s10(canonical: &str) -> bool {
    let b = canonical.as_bytes();
    b.len() >= 11
        && b.len() <= 15
        && b[..2].iter().all(u8::is_ascii_alphabetic)
        && b[b.len() - 2..].iter().all(u8::is_ascii_alphabetic)
        && b[2..b.len() - 2].iter().all(u8::is_ascii_digit)
}

pub fn parse(input: &str) -> Result<S10, S10Error> {
    let canonical = canonical_form(input);
    let b = canonical.as_bytes();
    if b.len() != 13
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..11].iter().all(u8::is_ascii_digit)
        || !b[11..].iter().all(u8::is_ascii_uppercase)
    {
        return Err(S10Error::Shape(input.to_string()));
    }
    let mut serial = [0u8; 8];
    for (i, d) in b[2..10].iter().enumerate() {
        serial[i] = d - b'0';
    }
    let expected = check_digit(&serial);
    let found = b[10] - b'0';
    if found != expected {
        return Err(S10Error::CheckDigit {
            number: canonical.clone(),
            serial: canonical[2..10].to_string(),
            found,
            expected,
        });
    }
    let country = &canonical[11..];
    if !super::country::is_valid(country) {
        return Err(S10Error::Country {
            number: canonical.clone(),
            country: country.to_string(),
        });
    }
    Ok(S10 { canonical })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-by-byte form of plain ASCII is the char-by-char one.
    #[test]
    fn canonical_form_of_ascii_is_that_of_chars() {
        for input in [
            "rr 123-456-785 kz",
            "\tRR123456785KZ\r\n",
            "a\u{b}b\u{c}c d",
            "1z 999 aa1 0123 4567 84",
            "x\u{1c}y",
            "",
        ] {
            assert_eq!(
                canonical_form(input),
                canonical_form_of_chars(input),
                "{input:?}"
            );
        }
        for b in 0u8..128 {
            let s = format!("a{}b", char::from(b));
            assert_eq!(canonical_form(&s), canonical_form_of_chars(&s), "{b}");
        }
    }

    fn digits(s: &str) -> [u8; 8] {
        let mut out = [0; 8];
        for (i, c) in s.bytes().enumerate() {
            out[i] = c - b'0';
        }
        out
    }

    #[test]
    fn domain_test_vectors() {
        assert_eq!(check_digit(&digits("47312482")), 9);
        assert_eq!(check_digit(&digits("12345678")), 5);
        assert_eq!(check_digit(&digits("00000008")), 0);
        assert_eq!(check_digit(&digits("00000015")), 5);
    }

    #[test]
    fn valid_numbers_parse_to_canonical_form() {
        let s = parse("rr 123 456 785 kz").unwrap();
        assert_eq!(s.as_str(), "RR123456785KZ");
        assert_eq!(s.service_indicator(), "RR");
        assert_eq!(s.country(), "KZ");
        assert!(s.service_warning().is_none());
        assert!(parse("EE473124829CN").is_ok());
    }

    #[test]
    fn wrong_check_digit_names_the_expected_digit() {
        let err = parse("RR123456789KZ").unwrap_err();
        assert_eq!(
            err,
            S10Error::CheckDigit {
                number: "RR123456789KZ".into(),
                serial: "12345678".into(),
                found: 9,
                expected: 5
            }
        );
        assert!(err.to_string().contains("expected 5"));
    }

    #[test]
    fn bad_shapes_and_countries_rejected() {
        assert!(matches!(parse("RR12345678KZ"), Err(S10Error::Shape(_))));
        assert!(matches!(
            parse("1Z999AA10123456784"),
            Err(S10Error::Shape(_))
        ));
        assert!(matches!(
            parse("RR123456785XX"),
            Err(S10Error::Country { .. })
        ));
    }

    #[test]
    fn unknown_service_indicator_warns_only() {
        let s = parse("ZZ123456785KZ").unwrap();
        assert!(s.service_warning().unwrap().contains("ZZ"));
        assert!(parse("JA123456785KZ").unwrap().service_warning().is_some());
    }

    #[test]
    fn s10_outline() {
        assert!(looks_like_s10("RR12345678KZ"));
        assert!(looks_like_s10("RR123456785KZ"));
        assert!(!looks_like_s10("1Z999AA10123456784"));
        assert!(!looks_like_s10("1234567890"));
    }
}
