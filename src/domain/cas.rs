//! CAS registry numbers, e.g. `437-38-7` (fentanyl).

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CasError {
    #[error(
        "{0:?} is not a CAS number: expected 2-7 digits, 2 digits, 1 check digit (e.g. 437-38-7)"
    )]
    Shape(String),
    #[error("{number} has check digit {found}, expected {expected}")]
    CheckDigit {
        number: String,
        found: u8,
        expected: u8,
    },
}

/// Validates a CAS number and returns it in canonical `NNNNNNN-NN-N` form.
pub fn parse(input: &str) -> Result<String, CasError> {
    let s = input.trim();
    let parts: Vec<&str> = s.split('-').collect();
    let shape_ok = parts.len() == 3
        && (2..=7).contains(&parts[0].len())
        && parts[1].len() == 2
        && parts[2].len() == 1
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        && !parts[0].starts_with('0');
    if !shape_ok {
        return Err(CasError::Shape(input.to_string()));
    }
    let body: Vec<u32> = parts[0]
        .bytes()
        .chain(parts[1].bytes())
        .map(|b| u32::from(b - b'0'))
        .collect();
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| d * (i as u32 + 1))
        .sum();
    let expected = (sum % 10) as u8;
    let found = parts[2].as_bytes()[0] - b'0';
    if expected != found {
        return Err(CasError::CheckDigit {
            number: s.to_string(),
            found,
            expected,
        });
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_numbers() {
        for n in [
            "437-38-7",
            "59708-52-0",
            "50-00-0",
            "7732-18-5",
            "14188-81-9",
        ] {
            assert_eq!(parse(n).unwrap(), n);
        }
    }

    #[test]
    fn wrong_check_digit() {
        let e = parse("437-38-6").unwrap_err();
        assert_eq!(
            e,
            CasError::CheckDigit {
                number: "437-38-6".into(),
                found: 6,
                expected: 7
            }
        );
        assert!(e.to_string().contains("expected 7"));
    }

    #[test]
    fn bad_shapes() {
        for n in [
            "",
            "437387",
            "437-3-7",
            "4-38-7",
            "12345678-38-7",
            "43a-38-7",
            "437-38-77",
        ] {
            assert!(matches!(parse(n), Err(CasError::Shape(_))), "{n}");
        }
    }
}
