//! ISO 3166-1 alpha-2 country codes.

use isocountry::CountryCode;

pub fn is_valid(code: &str) -> bool {
    code.len() == 2 && CountryCode::for_alpha2(code).is_ok()
}

/// Upper-cases and validates a country code.
pub fn parse(input: &str) -> Result<String, String> {
    let code = input.trim().to_ascii_uppercase();
    if is_valid(&code) {
        Ok(code)
    } else {
        Err(format!(
            "{:?} is not an ISO 3166-1 alpha-2 country code (e.g. KZ, CN, NL)",
            input.trim()
        ))
    }
}

/// A list of countries such as a transit route: `TR, AE` -> `TR,AE`.
pub fn parse_list(input: &str) -> Result<String, String> {
    let codes: Result<Vec<String>, String> = input
        .split([',', ' ', ';', '>'])
        .filter(|s| !s.trim().is_empty())
        .map(parse)
        .collect();
    Ok(codes?.join(","))
}

pub fn name(code: &str) -> Option<&'static str> {
    CountryCode::for_alpha2(code).ok().map(|c| c.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(parse(" kz ").unwrap(), "KZ");
        assert!(parse("XX").unwrap_err().contains("\"XX\""));
        assert!(parse("KAZ").is_err());
        assert_eq!(parse_list("tr, ae > nl").unwrap(), "TR,AE,NL");
        assert!(parse_list("TR,QQ").is_err());
        assert_eq!(name("KZ"), Some("Kazakhstan"));
    }
}
