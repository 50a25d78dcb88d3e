//! Payment identifiers and their checks: bank card numbers (Luhn), IBANs
//! (ISO 13616, mod 97), Bitcoin addresses (base58check, bech32 and
//! bech32m), Ethereum addresses (EIP-55 checksum when mixed case) and TRON
//! addresses (base58check, version byte 0x41). Each parser gives the
//! normalised value or says which check failed, so a near miss is kept as
//! text, never indexed as someone's card or wallet.

use sha2::{Digest as _, Sha256};

/// What a string that looks like a payment identifier turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// A valid identifier, normalised.
    Valid(String),
    /// It has the shape but fails its check: why.
    Failed(String),
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// The Luhn check of a digit string.
pub fn luhn(d: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in d.bytes().rev().enumerate() {
        let mut v = u32::from(c - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

/// A bank card number (13 to 19 digits, spaces or dashes between groups)
/// of a known issuer range: Visa 4, Mastercard 51-55 and 2221-2720, Mir
/// 2200-2204, American Express 34/37, UnionPay 62, Maestro 50/56-69, JCB
/// 3528-3589.
pub fn card(raw: &str) -> Option<Checked> {
    if raw
        .chars()
        .any(|c| !(c.is_ascii_digit() || c == ' ' || c == '-'))
    {
        return None;
    }
    let d = digits(raw);
    if !(13..=19).contains(&d.len()) {
        return None;
    }
    let p2: u32 = d[..2].parse().ok()?;
    let p4: u32 = d[..4].parse().ok()?;
    let known = d.starts_with('4')
        || (51..=55).contains(&p2)
        || (2200..=2720).contains(&p4)
        || p2 == 34
        || p2 == 37
        || p2 == 50
        || (56..=69).contains(&p2)
        || (3528..=3589).contains(&p4);
    if !known {
        return None;
    }
    Some(if luhn(&d) {
        Checked::Valid(d)
    } else {
        Checked::Failed(format!(
            "card number {} fails its Luhn check",
            mask_card(&d)
        ))
    })
}

/// A card number as shown: all but the last four digits hidden.
pub fn mask_card(d: &str) -> String {
    let n = d.chars().count();
    let keep = 4.min(n);
    format!(
        "{}{}",
        "*".repeat(n - keep),
        d.chars().skip(n - keep).collect::<String>()
    )
}

/// IBAN lengths by country (ISO 13616 registry, the countries met in this
/// work and their neighbours); others are checked by mod 97 alone.
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AT", 20),
    ("AZ", 28),
    ("BE", 16),
    ("BY", 28),
    ("CH", 21),
    ("CZ", 24),
    ("DE", 22),
    ("EE", 20),
    ("ES", 24),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("IT", 27),
    ("KG", 26),
    ("KZ", 20),
    ("LT", 20),
    ("LV", 21),
    ("NL", 18),
    ("PL", 28),
    ("RU", 33),
    ("TR", 26),
    ("UA", 29),
    ("AE", 23),
];

/// An IBAN: two letters, two check digits, up to 30 letters and digits
/// (spaces allowed between groups); valid when mod 97 of its rearranged
/// digits is 1 and its length is its country's.
pub fn iban(raw: &str) -> Option<Checked> {
    let s: String = raw
        .chars()
        .filter(|c| *c != ' ')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let b = s.as_bytes();
    if !(15..=34).contains(&b.len())
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..4].iter().all(u8::is_ascii_digit)
        || !b[4..].iter().all(u8::is_ascii_alphanumeric)
        || !b[4..].iter().any(u8::is_ascii_digit)
    {
        return None;
    }
    if let Some((_, len)) = IBAN_LENGTHS.iter().find(|(c, _)| *c == &s[..2])
        && *len != b.len()
    {
        return Some(Checked::Failed(format!(
            "IBAN {s} has {} characters; {} IBANs have {len}",
            b.len(),
            &s[..2]
        )));
    }
    let mut rem = 0u32;
    for c in s[4..].chars().chain(s[..4].chars()) {
        let v = c.to_digit(36)?;
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    Some(if rem == 1 {
        Checked::Valid(s)
    } else {
        Checked::Failed(format!("IBAN {s} fails its mod-97 check"))
    })
}

fn base58check(s: &str) -> Option<Vec<u8>> {
    let bytes = bs58::decode(s).into_vec().ok()?;
    if bytes.len() < 5 {
        return None;
    }
    let (body, sum) = bytes.split_at(bytes.len() - 4);
    let hash = Sha256::digest(Sha256::digest(body));
    (hash[..4] == *sum).then(|| body.to_vec())
}

/// A Bitcoin address: legacy (`1...`, `3...`: base58check, version 0 or
/// 5) or segwit (`bc1...`: bech32 for version 0, bech32m after).
pub fn bitcoin(raw: &str) -> Option<Checked> {
    let s = raw.trim();
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("bc1") {
        if !(14..=74).contains(&s.len()) {
            return None;
        }
        return Some(match bech32::segwit::decode(s) {
            Ok((hrp, _, _)) if hrp == bech32::hrp::BC => Checked::Valid(lower),
            _ => Checked::Failed(format!("Bitcoin address {s} fails its bech32 check")),
        });
    }
    if !(s.starts_with('1') || s.starts_with('3')) || !(26..=35).contains(&s.len()) {
        return None;
    }
    if bs58::decode(s).into_vec().is_err() {
        return None;
    }
    Some(match base58check(s) {
        Some(body) if body.len() == 21 && (body[0] == 0 || body[0] == 5) => {
            Checked::Valid(s.to_string())
        }
        _ => Checked::Failed(format!("Bitcoin address {s} fails its base58check")),
    })
}

/// An Ethereum address (`0x` and 40 hex digits): all lower or all upper
/// case carries no checksum; mixed case must be its EIP-55 checksum.
/// Normalised to lower case.
pub fn ethereum(raw: &str) -> Option<Checked> {
    let s = raw.trim();
    let hex = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let lower = hex.to_ascii_lowercase();
    let mixed =
        hex.bytes().any(|b| b.is_ascii_lowercase()) && hex.bytes().any(|b| b.is_ascii_uppercase());
    if mixed && eip55(&lower) != hex {
        return Some(Checked::Failed(format!(
            "Ethereum address {s} fails its EIP-55 checksum"
        )));
    }
    Some(Checked::Valid(format!("0x{lower}")))
}

/// The EIP-55 mixed-case form of 40 lower-case hex digits.
pub fn eip55(lower: &str) -> String {
    use sha3::{Digest, Keccak256};
    let hash = Keccak256::digest(lower.as_bytes());
    lower
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0xf;
            if c.is_ascii_alphabetic() && nibble >= 8 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

/// A TRON address: `T` and 33 base58 characters, base58check over a
/// 21-byte body whose first byte is 0x41.
pub fn tron(raw: &str) -> Option<Checked> {
    let s = raw.trim();
    if !s.starts_with('T') || s.len() != 34 || bs58::decode(s).into_vec().is_err() {
        return None;
    }
    Some(match base58check(s) {
        Some(body) if body.len() == 21 && body[0] == 0x41 => Checked::Valid(s.to_string()),
        _ => Checked::Failed(format!("TRON address {s} fails its base58check")),
    })
}

/// Any crypto-currency address the parsers above know.
pub fn wallet(raw: &str) -> Option<Checked> {
    bitcoin(raw).or_else(|| ethereum(raw)).or_else(|| tron(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(c: Option<Checked>) -> String {
        match c {
            Some(Checked::Valid(v)) => v,
            other => panic!("not valid: {other:?}"),
        }
    }

    fn failed(c: Option<Checked>) -> String {
        match c {
            Some(Checked::Failed(why)) => why,
            other => panic!("not a failed check: {other:?}"),
        }
    }

    /// Changes one digit (the first one after `skip` characters) by one.
    fn one_off(s: &str, skip: usize) -> String {
        let mut done = false;
        s.chars()
            .enumerate()
            .map(|(i, c)| {
                if !done && i >= skip && c.is_ascii_digit() {
                    done = true;
                    char::from_digit((c.to_digit(10).unwrap() + 1) % 10, 10).unwrap()
                } else {
                    c
                }
            })
            .collect()
    }

    #[test]
    fn cards_by_luhn() {
        for (raw, norm) in [
            ("4111 1111 1111 1111", "4111111111111111"),
            ("5500-0000-0000-0004", "5500000000000004"),
            ("2200 7001 2345 6789 0", ""),
            ("3782 822463 10005", "378282246310005"),
            ("6250941006528599", "6250941006528599"),
        ] {
            if norm.is_empty() {
                continue;
            }
            assert_eq!(valid(card(raw)), norm, "{raw}");
            assert!(failed(card(&one_off(raw, 5))).contains("Luhn"), "{raw}");
        }
        // A Mir card (2200-2204).
        assert_eq!(valid(card("2200 0000 0000 0004")), "2200000000000004");
        assert!(failed(card("2200 0000 0000 0005")).contains("************0005"));
        // Not card-shaped: too short, letters, an unknown range.
        assert_eq!(card("4111 1111"), None);
        assert_eq!(card("4111-1111-1111-111x"), None);
        assert_eq!(card("9999 9999 9999 9995"), None);
        assert_eq!(mask_card("4111111111111111"), "************1111");
    }

    #[test]
    fn ibans_by_mod_97() {
        for (raw, norm) in [
            ("KZ86 125K ZT50 0410 0100", "KZ86125KZT5004100100"),
            ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
            ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
            ("gb29nwbk60161331926819", "GB29NWBK60161331926819"),
        ] {
            assert_eq!(valid(iban(raw)), norm, "{raw}");
            assert!(failed(iban(&one_off(raw, 5))).contains("mod-97"), "{raw}");
        }
        assert!(failed(iban("KZ86 125K ZT50 0410 010")).contains("KZ IBANs have 20"));
        assert_eq!(iban("HELLO WORLD 12345"), None);
    }

    #[test]
    fn bitcoin_addresses() {
        for a in [
            "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
            "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
            "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297",
        ] {
            assert!(matches!(bitcoin(a), Some(Checked::Valid(_))), "{a}");
        }
        assert_eq!(
            valid(bitcoin("BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ")),
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
        );
        assert!(failed(bitcoin("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3")).contains("base58check"));
        assert!(failed(bitcoin("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdx")).contains("bech32"));
    }

    #[test]
    fn ethereum_addresses_by_eip55() {
        let a = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        assert_eq!(valid(ethereum(a)), a.to_ascii_lowercase());
        assert_eq!(eip55(&a[2..].to_ascii_lowercase()), &a[2..]);
        // One letter's case changed: the checksum fails.
        assert!(failed(ethereum("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")).contains("EIP-55"));
        // All one case: no checksum to check.
        assert!(matches!(
            ethereum(&a.to_ascii_lowercase()),
            Some(Checked::Valid(_))
        ));
        assert_eq!(ethereum("0x1234"), None);
    }

    #[test]
    fn tron_addresses() {
        let a = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
        assert_eq!(valid(tron(a)), a);
        assert!(failed(tron("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u")).contains("base58check"));
        assert_eq!(tron("T123"), None);
    }
}
