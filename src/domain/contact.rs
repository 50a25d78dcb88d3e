//! Phone numbers and e-mail addresses as they appear on parcel labels.

use phonenumber::metadata::{DATABASE, Database};
use phonenumber::{Mode, PhoneNumber, country};
use std::str::FromStr;

/// How many of the numbering plans' patterns stay compiled. phonenumber
/// compiles a pattern on its first use and keeps 100 of them: a dozen
/// countries' numbers use more (a type of number is a pattern, each
/// country has a dozen), so checking them in turn compiled the patterns
/// again and again (a merge of 100,000 parcels spent seconds compiling
/// regular expressions). Room for the plans of every country a notebook
/// meets; each pattern is a few kilobytes.
const PATTERNS_KEPT: usize = 4_000;

/// The numbering plans, with room kept for their compiled patterns.
pub(crate) fn plans() -> &'static Database {
    static WIDENED: std::sync::Once = std::sync::Once::new();
    WIDENED.call_once(|| {
        if let Ok(mut kept) = DATABASE.cache().lock() {
            kept.set_capacity(PATTERNS_KEPT);
        }
    });
    &DATABASE
}

/// A number read against the plans ([`plans`]).
pub fn parse_number(hint: Option<country::Id>, text: &str) -> Option<PhoneNumber> {
    phonenumber::parse_with(plans(), hint, text).ok()
}

/// Whether a number is one of its country's plan ([`plans`]).
pub fn is_plan_number(n: &PhoneNumber) -> bool {
    phonenumber::is_valid_with(plans(), n)
}

/// Checks a phone number as typed: at least five digits, only the characters
/// people write phone numbers with. The text is stored as typed; the
/// identifier index holds its E.164 form.
pub fn check_phone(input: &str) -> Result<String, String> {
    let s = input.trim();
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let allowed = s
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !allowed || !(5..=17).contains(&digits) {
        return Err(format!(
            "{s:?} is not a phone number: expected 5-17 digits, optionally with +, spaces, dashes and brackets"
        ));
    }
    // Digits, a point and zeros: a number as a spreadsheet or pandas
    // writes it (`77011234567.0`), whose zero is no digit of the phone.
    // (It was taken, and indexed as `770112345670`, meeting nothing.)
    if let Some((number, zeros)) = s.rsplit_once('.')
        && !zeros.is_empty()
        && zeros.bytes().all(|b| b == b'0')
        && !number.contains('.')
        && number
            .trim_start_matches('+')
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        return Err(format!(
            "{s:?} is a number as a spreadsheet writes it, not a phone: write it without the `.{zeros}` ({number:?})"
        ));
    }
    Ok(s.to_string())
}

/// E.164 form of a phone number, using the country as a hint for national
/// formats: `+7 (701) 555-01-42`, `87015550142` and `7015550142` with KZ all
/// give `+77015550142`. Numbers that cannot be parsed fall back to their
/// digits (with the `+` kept), so they still meet their twins.
pub fn phone_e164(input: &str, country_hint: Option<&str>) -> Option<String> {
    let count = input.bytes().filter(u8::is_ascii_digit).count();
    if count < 5 {
        return None;
    }
    // A number written in international form is already E.164 once its
    // separators are gone; only national forms need the parser (which is
    // slow: it validates against every pattern of the country).
    let t = input.trim_start();
    if t.starts_with('+') && !t.contains("(0)") && (8..=15).contains(&count) {
        let mut e164 = String::with_capacity(count + 1);
        e164.push('+');
        e164.extend(t.chars().filter(char::is_ascii_digit));
        return Some(e164);
    }
    let digits: String = input.chars().filter(char::is_ascii_digit).collect();
    // `00` and a country code is the international form most partners'
    // tables write (`0049 30 1234567`): read as `+` when what follows is
    // a valid number (it was kept as `0049...`, meeting nothing).
    if let Some(rest) = t.strip_prefix("00").map(|_| &digits[2..])
        && let Some(n) = parse_number(None, &format!("+{rest}"))
        && is_plan_number(&n)
    {
        return Some(n.format().mode(Mode::E164).to_string());
    }
    let hint = country_hint.and_then(|c| country::Id::from_str(c).ok());
    if let Some(n) = parse_number(hint, input)
        && is_plan_number(&n)
    {
        return Some(n.format().mode(Mode::E164).to_string());
    }
    // A national number whose leading digits equal the calling code (KZ
    // `7015550142`) is read as international by the parser: retry with the
    // country's calling code in front.
    if !input.trim_start().starts_with('+')
        && let Some(code) = country_hint.and_then(|c| plans().by_id(c))
        && let Some(n) = parse_number(hint, &format!("+{}{digits}", code.country_code()))
        && is_plan_number(&n)
    {
        return Some(n.format().mode(Mode::E164).to_string());
    }
    let plus = if input.trim_start().starts_with('+') {
        "+"
    } else {
        ""
    };
    Some(format!("{plus}{digits}"))
}

/// The warning for a phone written in national form where no country says
/// which nation's (`where_from` names the field that would): it is kept as
/// its digits, so it meets only the same number written the same way.
pub fn national_without_country(
    field: &str,
    input: &str,
    country: Option<&str>,
    where_from: &str,
) -> Option<String> {
    let national = !input.trim_start().starts_with('+');
    (national && country.is_none() && input.bytes().filter(u8::is_ascii_digit).count() >= 5).then(|| {
        format!(
            "{field}: {input:?} is written as a national number and no {where_from} says which nation's: it meets only the same digits, not the number written +...; give {where_from}, or write it in international form"
        )
    })
}

/// What to say of a phone as written in a record's `field`: a national
/// number with no country to read it in ([`national_without_country`]),
/// or one written internationally that is no number of its country's plan
/// (a digit too few or too many: `+770155501` met a mistyped twin and no
/// one else, without a word, until 2026-12-07).
pub fn phone_warning(
    field: &str,
    input: &str,
    country: Option<&str>,
    where_from: &str,
) -> Option<String> {
    national_without_country(field, input, country, where_from).or_else(|| {
        let t = input.trim_start();
        if !t.starts_with('+') || t.bytes().filter(u8::is_ascii_digit).count() < 5 {
            return None;
        }
        let code = if t.contains("(0)") {
            // (A trunk zero in brackets: the parser knows to drop it.)
            let n = parse_number(None, t)?;
            (!is_plan_number(&n)).then(|| n.code().value())?
        } else {
            off_plan_length(t)?
        };
        Some(format!(
            "{field}: {input:?} is no number of +{code}'s plan (a digit too few or too many?): it meets only the same digits written again"
        ))
    })
}

/// The national lengths each calling code's plans allow: those of every
/// type of number one may dial there (the crate leaves the general
/// description's lengths empty), read from the plans once.
static PLAN_LENGTHS: std::sync::LazyLock<std::collections::HashMap<u16, Vec<u16>>> =
    std::sync::LazyLock::new(|| {
        (1..1000u16)
            .filter_map(|code| {
                let mut lengths: Vec<u16> = plans()
                    .by_code(&code)?
                    .iter()
                    .flat_map(|p| {
                        let d = p.descriptors();
                        [
                            Some(d.general()),
                            d.fixed_line(),
                            d.mobile(),
                            d.toll_free(),
                            d.premium_rate(),
                            d.shared_cost(),
                            d.personal_number(),
                            d.voip(),
                            d.pager(),
                            d.uan(),
                            d.voicemail(),
                        ]
                        .into_iter()
                        .flatten()
                        .flat_map(|t| t.possible_length().iter().copied())
                        .collect::<Vec<_>>()
                    })
                    .collect();
                lengths.sort_unstable();
                lengths.dedup();
                Some((code, lengths))
            })
            .collect()
    });

/// The calling code of a number written internationally whose national
/// part has a length no plan of that code allows; `None` when the length
/// is one of theirs or the code is none. The plans' lengths, not their
/// patterns: this is asked of every phone of every record checked (a
/// merge's hundred thousand parcels), and matching each number against
/// its country's dozen patterns cost the merge seconds.
fn off_plan_length(international: &str) -> Option<u16> {
    let count = international.bytes().filter(u8::is_ascii_digit).count();
    let mut digits = international.bytes().filter(u8::is_ascii_digit);
    let mut code = 0u16;
    // (Calling codes are prefix-free and none begins with 0: at most one
    // of the first three digits' prefixes is a code.)
    for n in 1..=3 {
        let d = digits.next()? - b'0';
        if n == 1 && d == 0 {
            return None;
        }
        code = code * 10 + u16::from(d);
        if let Some(lengths) = PLAN_LENGTHS.get(&code) {
            let national = u16::try_from(count - n).ok()?;
            return (!lengths.contains(&national)).then_some(code);
        }
    }
    None
}

/// A national number read in `country`, only when it is a valid number
/// there (for numbers found in free text, where a guess would connect
/// strangers).
pub fn phone_valid(input: &str, country: &str) -> Option<String> {
    let hint = country::Id::from_str(country).ok()?;
    let n = parse_number(Some(hint), input)?;
    is_plan_number(&n).then(|| n.format().mode(Mode::E164).to_string())
}

/// Validates an e-mail address loosely (one `@`, a dotted domain, no spaces)
/// and returns it lower-cased.
pub fn parse_email(input: &str) -> Result<String, String> {
    let s = input.trim();
    let ok = match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if ok {
        Ok(s.to_lowercase())
    } else {
        Err(format!("{s:?} is not an e-mail address"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Numbers of many countries read in turn keep their plans' patterns
    /// compiled: phonenumber kept 100, fewer than thirty countries'
    /// numbers use, so each number read compiled them again (a merge of
    /// 100,000 parcels spent seconds on it, in the check of a number
    /// against its plan that came with the warning for numbers off it).
    /// And each valid number, written internationally, is said to be none
    /// of its plan's by no warning.
    #[test]
    fn the_plans_patterns_stay_compiled_across_countries() {
        let countries = [
            "KZ", "DE", "NL", "CN", "IN", "PL", "TR", "RU", "GB", "FR", "ES", "IT", "US", "CA",
            "BR", "MX", "JP", "KR", "AU", "SE", "NO", "FI", "DK", "BE", "AT", "CH", "CZ", "UA",
            "LT", "LV",
        ];
        let mut checked = 0;
        for c in countries {
            let meta = plans().by_id(c).expect("a country of the plans");
            for d in [meta.descriptors().mobile(), meta.descriptors().fixed_line()]
                .into_iter()
                .flatten()
            {
                if let Some(example) = d.example() {
                    let e164 = format!("+{}{example}", meta.country_code());
                    assert_eq!(
                        phone_warning("phone", &e164, None, "country"),
                        None,
                        "{e164}"
                    );
                    // A national form is read against the patterns.
                    assert_eq!(
                        phone_e164(example, Some(c)),
                        Some(e164.clone()),
                        "{c} {example}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 40, "{checked}");
        let kept = plans().cache().lock().unwrap().len();
        assert!(kept > 100, "only {kept} patterns kept compiled");
    }

    /// `00` and a country code is the international form: it meets the
    /// number written with `+` (it was kept as its digits, `0049...`),
    /// whatever country the parcel gives; a national number is not read
    /// so.
    #[test]
    fn a_number_written_with_00_is_international() {
        for hint in [None, Some("KZ"), Some("DE"), Some("RU")] {
            assert_eq!(
                phone_e164("0049 30 1234567", hint).as_deref(),
                Some("+49301234567"),
                "{hint:?}"
            );
            assert_eq!(
                phone_e164("00 7 701 555 01 42", hint).as_deref(),
                Some("+77015550142")
            );
        }
        assert_eq!(
            phone_e164("8 701 555 01 42", Some("KZ")).as_deref(),
            Some("+77015550142")
        );
    }

    #[test]
    fn kazakh_numbers_meet() {
        let want = Some("+77015550142".to_string());
        assert_eq!(phone_e164("+7 (701) 555-01-42", Some("KZ")), want);
        assert_eq!(phone_e164("87015550142", Some("KZ")), want);
        assert_eq!(phone_e164("7015550142", Some("KZ")), want);
        assert_eq!(phone_e164("+77015550142", None), want);
        // UK style with the trunk zero in brackets goes through the parser.
        assert_eq!(
            phone_e164("+44 (0) 20 7946 0958", None),
            Some("+442079460958".into())
        );
    }

    #[test]
    fn unparseable_numbers_fall_back_to_digits() {
        assert_eq!(phone_e164("12345", None), Some("12345".into()));
        assert_eq!(phone_e164("12", None), None);
    }

    #[test]
    fn phone_check() {
        assert!(check_phone("+7 (701) 555-01-42").is_ok());
        assert!(check_phone("call me").is_err());
        assert!(check_phone("123").is_err());
        // A spreadsheet's number with its `.0` is refused, naming it; a
        // number written with points is a phone.
        for float in ["77011234567.0", "+77011234567.00"] {
            let err = check_phone(float).unwrap_err();
            assert!(err.contains("spreadsheet") && err.contains(".0"), "{err}");
        }
        assert!(check_phone("701.555.0142").is_ok());
        assert!(check_phone("8.701.555.01.40").is_ok());
        // A number of the wrong length for its country's plan is said;
        // a valid one is not.
        for short in ["+770155501", "+7 701 555 01 42 7", "+99655511122"] {
            let w = phone_warning("phones", short, None, "nationality").unwrap_or_default();
            assert!(w.contains("no number of +"), "{short}: {w}");
        }
        assert_eq!(
            phone_warning("phones", "+7 701 555 01 42", None, "nationality"),
            None
        );
    }

    #[test]
    fn emails() {
        assert_eq!(parse_email(" Ivan.P@Mail.RU ").unwrap(), "ivan.p@mail.ru");
        for bad in ["no-at", "a@b", "a@@b.c", "a b@c.d", "@c.d", "a@.c"] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }
}
