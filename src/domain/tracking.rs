//! Tracking numbers: UPU S10 postal identifiers, or courier waybills that
//! follow their carriers' own schemes and are never forced into S10.

use super::s10;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrackingKind {
    S10,
    #[default]
    Waybill,
}

impl TrackingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TrackingKind::S10 => "s10",
            TrackingKind::Waybill => "waybill",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracking {
    pub canonical: String,
    pub kind: TrackingKind,
    /// The courier the waybill's scheme suggests, when it is recognisable.
    pub carrier_hint: Option<&'static str>,
    pub warning: Option<String>,
}

/// Classifies and validates a tracking number. Anything with the outline of
/// an S10 number (letters, digits, letters) must pass S10 rules, so a typo in
/// a postal number is caught rather than filed as a waybill.
pub fn parse(input: &str) -> Result<Tracking, String> {
    let canonical = s10::canonical_form(input);
    if canonical.is_empty() {
        return Err("a tracking number is required".into());
    }
    if s10::looks_like_s10(&canonical) {
        let s = s10::parse(&canonical).map_err(|e| e.to_string())?;
        let warning = s.service_warning();
        return Ok(Tracking {
            canonical: s.to_string(),
            kind: TrackingKind::S10,
            carrier_hint: Some("post"),
            warning,
        });
    }
    // Two numbers in one cell (`RR123456785KZ RR000000155RU`) ran together
    // as one 26-character waybill, which no watch of either ever met.
    let parts: Vec<String> = input
        .split(|c: char| c.is_whitespace() || c == ',' || c == '/' || c == ';' || c == '-')
        .map(s10::canonical_form)
        .filter(|p| !p.is_empty())
        .collect();
    let s10s: Vec<String> = {
        let parts = parts.clone();
        let whole: Vec<String> =
            if canonical.is_ascii() && canonical.len().is_multiple_of(13) && canonical.len() > 13 {
                (0..canonical.len() / 13)
                    .map(|i| canonical[i * 13..(i + 1) * 13].to_string())
                    .collect()
            } else {
                Vec::new()
            };
        let of = |v: Vec<String>| -> Vec<String> {
            if v.len() > 1 && v.iter().all(|p| s10::looks_like_s10(p)) {
                v
            } else {
                Vec::new()
            }
        };
        let found = of(parts);
        if found.is_empty() { of(whole) } else { found }
    };
    if !s10s.is_empty() {
        return Err(format!(
            "{input:?} holds {} tracking numbers ({}): a parcel has one; give each its own row or entry",
            s10s.len(),
            s10s.join(", ")
        ));
    }
    // An S10 number with a word beside it (`RR444444445KZ Kazpost`, `EMS
    // RR444444445KZ`) ran together as a waybill (`RR444444445KZKAZPOST`)
    // no watch or parcel of the number met.
    if parts.len() > 1
        && let [number] = parts
            .iter()
            .filter(|p| s10::looks_like_s10(p))
            .collect::<Vec<_>>()[..]
    {
        let others: Vec<&str> = input
            .split(|c: char| c.is_whitespace() || c == ',' || c == '/' || c == ';' || c == '-')
            .filter(|w| !w.is_empty() && s10::canonical_form(w) != *number)
            .collect();
        return Err(format!(
            "{input:?} holds an S10 number ({number}) and other words ({}): the tracking number is the S10 number alone (a carrier has its own field)",
            others.join(" ")
        ));
    }
    if !canonical.bytes().all(|b| b.is_ascii_alphanumeric()) {
        // A Latin letter typed on a Cyrillic or Greek keyboard looks the
        // same and is not: said by place, not as "only letters".
        let alike: Vec<String> = canonical
            .chars()
            .enumerate()
            .filter_map(|(i, c)| {
                latin_alike(c).map(|l| format!("{c} at {} (like Latin {l})", i + 1))
            })
            .collect();
        if !alike.is_empty() {
            return Err(format!(
                "{input:?} is not a tracking number: it holds a letter of another alphabet that looks Latin: {}; type the Latin letter",
                alike.join(", ")
            ));
        }
        return Err(format!(
            "{input:?} is not a tracking number: only letters, digits, spaces and dashes are allowed"
        ));
    }
    if !(8..=40).contains(&canonical.len()) || !canonical.bytes().any(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{input:?} is not a tracking number: expected an S10 number (e.g. RR123456785KZ) or a courier waybill of 8-40 letters and digits"
        ));
    }
    // A valid S10 number with a character or two run on before or after
    // it (`RR123456785KZX`: a key typed by mistake) is no waybill: saved
    // as one, it met no watch or parcel of the number, without a word.
    if (14..=15).contains(&canonical.len()) {
        let n = canonical.len();
        for (at, extra, place) in [
            (0, &canonical[13..], "after"),
            (n - 13, &canonical[..n - 13], "before"),
        ] {
            if let Ok(number) = s10::parse(&canonical[at..at + 13]) {
                return Err(format!(
                    "{input:?} is the S10 number {number} with {extra:?} {place} it (a key typed by mistake?): the tracking number is the S10 number alone"
                ));
            }
        }
    }
    Ok(Tracking {
        carrier_hint: waybill_carrier(&canonical),
        canonical,
        kind: TrackingKind::Waybill,
        warning: None,
    })
}

/// The Latin capital a Cyrillic or Greek letter is written like, when it
/// is one a tracking number could hold (`Р` for `R`).
fn latin_alike(c: char) -> Option<char> {
    Some(match c.to_uppercase().next()? {
        'А' | 'Α' => 'A',
        'В' | 'Β' => 'B',
        'С' => 'C',
        'Е' | 'Ε' => 'E',
        'Н' | 'Η' => 'H',
        'І' | 'Ι' => 'I',
        'К' | 'Κ' => 'K',
        'М' | 'Μ' => 'M',
        'О' | 'Ο' => 'O',
        'Р' | 'Ρ' => 'P',
        'Т' | 'Τ' => 'T',
        'Х' | 'Χ' => 'X',
        'У' | 'Υ' => 'Y',
        'Ζ' => 'Z',
        'Ν' => 'N',
        _ => return None,
    })
}

fn waybill_carrier(c: &str) -> Option<&'static str> {
    let digits = c.bytes().all(|b| b.is_ascii_digit());
    if c.starts_with("1Z") && c.len() == 18 {
        Some("UPS")
    } else if digits && c.len() == 10 {
        Some("DHL Express")
    } else if digits && matches!(c.len(), 12 | 15 | 20 | 22) {
        Some("FedEx")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s10_numbers() {
        let t = parse("RR123456785KZ").unwrap();
        assert_eq!(t.kind, TrackingKind::S10);
        let e = parse("RR123456789KZ").unwrap_err();
        assert!(e.contains("expected 5"), "{e}");
        // An S10 outline with a missing digit is a mistake, not a waybill.
        assert!(parse("RR12345678KZ").is_err());
    }

    #[test]
    fn courier_waybills_are_not_forced_into_s10() {
        let ups = parse("1Z999AA10123456784").unwrap();
        assert_eq!(ups.kind, TrackingKind::Waybill);
        assert_eq!(ups.carrier_hint, Some("UPS"));
        assert_eq!(
            parse("1234567890").unwrap().carrier_hint,
            Some("DHL Express")
        );
        assert_eq!(parse("123456789012").unwrap().carrier_hint, Some("FedEx"));
        assert_eq!(
            parse("JD0146000000 12345").unwrap().canonical,
            "JD014600000012345"
        );
    }

    /// A valid S10 number with a character or two run on is refused,
    /// naming the number and what was run on (`RR123456785KZX` was saved
    /// as a waybill, cut off from every watch and parcel of the number);
    /// a waybill that only looks alike, its check digit wrong, is one.
    #[test]
    fn an_s10_number_with_a_stray_key_is_refused() {
        for (v, extra, place) in [
            ("RR123456785KZX", "X", "after"),
            ("RR444444445KZ1", "1", "after"),
            ("XRR444444445KZ", "X", "before"),
            ("rr444444445kz12", "12", "after"),
        ] {
            let e = parse(v).unwrap_err();
            assert!(
                e.contains(&format!(
                    "with {extra:?} {place} it (a key typed by mistake?)"
                )),
                "{v}: {e}"
            );
        }
        assert_eq!(
            parse("RR123456784KZX").unwrap().kind,
            TrackingKind::Waybill,
            "its check digit is not the S10's"
        );
    }

    /// An S10 number with a word before or after it is refused, naming
    /// both (it was kept as a waybill of the two run together); an S10
    /// number written in groups is the number.
    #[test]
    fn an_s10_number_beside_words_is_refused() {
        for (v, words) in [
            ("RR444444445KZ Kazpost", "Kazpost"),
            ("Kazpost RR444444445KZ", "Kazpost"),
            ("RR444444445KZ EMS", "EMS"),
            ("tracking: RR444444445KZ", "tracking:"),
            ("RR444444445KZ-KAZPOST", "KAZPOST"),
            ("RR444444445KZ-1", "1"),
            ("EMS-RR444444445KZ", "EMS"),
        ] {
            let e = parse(v).unwrap_err();
            assert!(
                e.contains(&format!(
                    "holds an S10 number (RR444444445KZ) and other words ({words})"
                )),
                "{v}: {e}"
            );
        }
        assert_eq!(
            parse("RR 444 444 445 KZ").unwrap().canonical,
            "RR444444445KZ"
        );
        assert_eq!(
            parse("RR-444-444-445-KZ").unwrap().canonical,
            "RR444444445KZ"
        );
        assert_eq!(
            parse("1Z 999 AA1 0123 4567 84").unwrap().kind,
            TrackingKind::Waybill
        );
    }

    /// Two S10 numbers in one value are refused, named, spaced or not;
    /// a letter of another alphabet that looks Latin is named by place.
    #[test]
    fn two_numbers_and_look_alike_letters_are_named() {
        for two in [
            "RR123456785KZ RR000000155RU",
            "RR123456785KZRR000000155RU",
            "RR123456785KZ, RR000000155RU",
        ] {
            let e = parse(two).unwrap_err();
            assert!(
                e.contains("holds 2 tracking numbers (RR123456785KZ, RR000000155RU)"),
                "{two}: {e}"
            );
        }
        // A waybill with a space stays one waybill.
        assert!(parse("JD0146000000 12345").is_ok());
        let e = parse("РР473124829KZ").unwrap_err();
        assert!(
            e.contains("Р at 1 (like Latin P), Р at 2 (like Latin P)"),
            "{e}"
        );
        let e = parse("RR473124829КZ").unwrap_err();
        assert!(e.contains("К at 12 (like Latin K)"), "{e}");
    }

    #[test]
    fn garbage_rejected() {
        assert!(parse("").is_err());
        assert!(parse("abc").is_err());
        assert!(parse("RR12345;DROP").is_err());
        assert!(parse("ABCDEFGHIJ").is_err());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::domain::s10;
    use proptest::prelude::*;

    proptest! {
        /// Whatever is typed or imported, parsing answers and never panics,
        /// and what it accepts it accepts again in canonical form.
        #[test]
        fn any_text_parses_or_is_refused(input in "\\PC{0,40}") {
            if let Ok(t) = parse(&input) {
                let again = parse(&t.canonical).expect("canonical form parses");
                prop_assert_eq!(again.canonical, t.canonical);
                prop_assert_eq!(again.kind, t.kind);
            }
        }

        /// Every well-formed S10 number is accepted as S10, and every wrong
        /// check digit is refused naming the right one.
        #[test]
        fn s10_numbers_and_their_check_digits(
            service in "[CEHLRUV][A-Z]",
            serial in 0u32..100_000_000,
            country in prop::sample::select(vec!["KZ", "CN", "NL", "DE", "US", "GB", "IN", "HK"]),
            wrong in 0u8..10,
        ) {
            let mut d = [0u8; 8];
            let digits = format!("{serial:08}");
            for (i, c) in digits.bytes().enumerate() {
                d[i] = c - b'0';
            }
            let check = s10::check_digit(&d);
            let good = format!("{service}{digits}{check}{country}");
            let t = parse(&good).unwrap();
            prop_assert_eq!(t.kind, TrackingKind::S10);
            prop_assert_eq!(&t.canonical, &good);
            prop_assert!(t.warning.is_none());
            if wrong != check {
                let bad = format!("{service}{digits}{wrong}{country}");
                let e = parse(&bad).unwrap_err();
                let expected = format!("expected {check}");
                prop_assert!(e.contains(&expected), "{}", e);
            }
        }
    }
}
