//! Text normalisation and display safety.

use std::borrow::Cow;

/// Makes untrusted text safe to show in a terminal: C0 and C1 control
/// characters become caret or `<U+XXXX>` notation, and every other
/// character that is not shown as itself (by Unicode general category:
/// format characters such as bidirectional overrides, zero-width and tag
/// characters; private-use, line and paragraph separators; code points not
/// yet assigned) becomes `<U+XXXX>`, so nothing can move the cursor,
/// recolour the screen, hide text or reorder what the officer reads.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !needs_escape(c) {
            out.push(c);
        } else if (c as u32) < 0x20 {
            out.push('^');
            out.push((c as u8 + b'@') as char);
        } else if c == '\u{7f}' {
            out.push_str("^?");
        } else {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        }
    }
    Cow::Owned(out)
}

/// Whether a character is escaped by [`sanitize`]: by its category, not
/// by a list, so that characters a list would miss are caught too.
pub fn needs_escape(c: char) -> bool {
    use unicode_general_category::{GeneralCategory as G, get_general_category};
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    matches!(
        get_general_category(c),
        G::Control
            | G::Format
            | G::PrivateUse
            | G::LineSeparator
            | G::ParagraphSeparator
            | G::Surrogate
            | G::Unassigned
    )
}

/// Whether a spreadsheet would run a CSV cell as a formula: it starts
/// with `=`, `+`, `-`, `@`, tab or carriage return (OWASP CSV injection).
fn runs_as_formula(s: &str) -> bool {
    // A negative number is a number (`-3` became the text `'-3`, a
    // change column a spreadsheet could no longer sum).
    let negative_number = s.strip_prefix('-').is_some_and(|n| {
        let (whole, frac) = n.split_once('.').unwrap_or((n, "0"));
        !whole.is_empty()
            && !frac.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && frac.bytes().all(|b| b.is_ascii_digit())
    });
    !negative_number && matches!(s.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'))
}

/// A CSV cell a spreadsheet will not run as a formula: one that would be
/// gets a leading `'`, and nothing else changes. [`csv_unguard`] takes the
/// quote off again, so a file written this way and imported gives back
/// each value as it was (`+44 20 7946 0000` stays a phone number).
/// Whether a cell gets the guard's quote: one that runs as a formula, or
/// a value that itself starts with quotes before a formula's sign
/// (`'-Ivan`: the import took its quote for the guard and stored `-Ivan`).
fn needs_guard(s: &str) -> bool {
    runs_as_formula(s.trim_start_matches('\''))
}

pub fn csv_guard(s: &str) -> Cow<'_, str> {
    if needs_guard(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// A cell without the `'` [`csv_guard`] puts before a value that starts
/// like a formula (`'+7 701 ...`): the quote is not part of the value.
/// Any other cell, one starting with `'` included, is as written.
pub fn csv_unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if runs_as_formula(rest.trim_start_matches('\'')) => rest,
        _ => cell,
    }
}

/// Whether CSV cells keep their control characters as they are: when the
/// output goes to a file or a pipe, not a terminal ([`csv_to_terminal`]).
static CSV_RAW: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Says whether CSV is written for a terminal (the default): there
/// [`csv_cell`] makes control characters visible, so that a CSV printed
/// on the screen cannot drive it; written to a file or a pipe it keeps
/// them as stored, so that the file reads back in unchanged.
pub fn csv_to_terminal(on: bool) {
    CSV_RAW.store(!on, std::sync::atomic::Ordering::Relaxed);
}

/// A CSV cell, as `--format csv` writes it: guarded against formulas
/// ([`csv_guard`], which the import takes off again), and on a terminal
/// control characters other than newline and tab made visible as in
/// tables, so that it cannot drive the terminal (see
/// [`csv_to_terminal`]; written to a file, they stay as stored and the
/// file imports back unchanged).
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    let raw = CSV_RAW.load(std::sync::atomic::Ordering::Relaxed);
    let hidden = |c: char| !raw && c != '\n' && c != '\t' && needs_escape(c);
    if !needs_guard(s) && !s.chars().any(hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 1);
    if needs_guard(s) {
        out.push('\'');
    }
    for c in s.chars() {
        if hidden(c) {
            out.push_str(&sanitize(c.encode_utf8(&mut [0; 4])));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Folds text for matching: transliterated to ASCII (Cyrillic, and the
/// `č š ž ŝ` of scientific and GOST transliterations, as
/// [`super::translit::latin`] writes them; the rest by `deunicode`), lower
/// case, punctuation to spaces, runs of spaces collapsed; an apostrophe
/// inside a word is no gap (Uzbek Latin's `oʻ` and `gʻ`, a soft sign
/// written `'`: `O'tkir Yo'ldoshev` -> `otkir yoldoshev`, as `Ўткир
/// Йўлдошев`; it split them into `o tkir yo ldoshev`, which met no other
/// spelling).
/// `Đorđević, ul. Abaya 5` -> `dordevic ul abaya 5`.
pub fn fold(s: &str) -> String {
    let ascii: std::borrow::Cow<'_, str> = if s.is_ascii() {
        // (What deunicode gives back for ASCII: itself.)
        s.into()
    } else if super::translit::has_cyrillic(s) || super::translit::has_caron(s) {
        deunicode::deunicode(&super::translit::latin(s)).into()
    } else {
        deunicode::deunicode(s).into()
    };
    let mut out = String::with_capacity(ascii.len());
    let bytes = ascii.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b.is_ascii_alphanumeric() {
            out.push(b.to_ascii_lowercase() as char);
        } else if in_word_apostrophe(bytes, i) {
            continue;
        } else if !out.ends_with(' ') && !out.is_empty() {
            out.push(' ');
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Whether the byte at `i` of ASCII text is an apostrophe (`'`, or the
/// `` ` `` and `'` that `deunicode` makes of `ʻ ʼ ’ ‘ ´`) between two
/// letters or digits: part of the word.
fn in_word_apostrophe(bytes: &[u8], i: usize) -> bool {
    matches!(bytes[i], b'\'' | b'`')
        && i > 0
        && bytes[i - 1].is_ascii_alphanumeric()
        && bytes.get(i + 1).is_some_and(u8::is_ascii_alphanumeric)
}

/// Whether [`fold`]`(raw) == folded`, without making the folded text
/// when `raw` is ASCII (said of a field of every parcel screened).
pub fn folds_to(raw: &str, folded: &str) -> bool {
    if !raw.is_ascii() {
        return fold(raw) == folded;
    }
    let mut want = folded.bytes();
    let mut gap = false;
    let bytes = raw.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if in_word_apostrophe(bytes, i) {
            continue;
        }
        if !b.is_ascii_alphanumeric() {
            gap = true;
            continue;
        }
        // (A gap before the first word, or after the last, is none.)
        if std::mem::take(&mut gap) && want.len() < folded.len() && want.next() != Some(b' ') {
            return false;
        }
        if want.next() != Some(b.to_ascii_lowercase()) {
            return false;
        }
    }
    want.next().is_none()
}

/// A person or company name key: folded words in sorted order, so
/// `Ivan Petrov` and `PETROV, Ivan` meet.
pub fn name_key(s: &str) -> String {
    let folded = fold(s);
    // (Folded text has its words one space apart, none empty; in order
    // already, as most names of two words are half the time, it is the
    // key as it is.)
    let mut words = folded.split(' ');
    let mut last = words.next();
    let sorted = words.all(|w| {
        let ok = last.is_none_or(|l| l <= w);
        last = Some(w);
        ok
    });
    if sorted {
        return folded;
    }
    let mut words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    words.sort_unstable();
    words.join(" ")
}

/// A record's search text: the fields it has, separated by ` | ` (so a
/// match never runs from one field into the next).
pub fn search_fields(parts: &[Option<&str>]) -> String {
    parts
        .iter()
        .flatten()
        .copied()
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Trims and turns an empty string into `None`.
pub fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Cuts a string to at most `max` characters, adding an ellipsis.
///
/// A card number in a text cut is masked first (unless `--show-cards`):
/// cut short it no longer reads as one, and the masks applied to what is
/// printed passed its first twelve digits (tables, labels).
pub fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    if s.chars().count() <= max {
        Cow::Borrowed(s)
    } else {
        let s = super::identifiers::shown_text(s);
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        Cow::Owned(out)
    }
}

/// A column of a plain-text table: `s` cut to `width` terminal cells (an
/// ellipsis where cut, as [`truncate`]) and padded to them, by display
/// width (padded by characters, a name with a CJK character pushed the
/// columns after it one place right).
pub fn column(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let mut out = if s.width() <= width {
        s.to_string()
    } else {
        cut_to_width(&super::identifiers::shown_text(s), width)
    };
    let pad = width.saturating_sub(out.width());
    out.extend(std::iter::repeat_n(' ', pad));
    out
}

/// `s`, wider than `width` terminal cells, cut to them with an ellipsis
/// (the ellipsis in the last cell).
pub fn cut_to_width(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Lines of at most `width` terminal cells, broken between words where it
/// can (a word longer than a line is cut), for messages read in full. (In
/// cells, not characters: a line of Chinese, two cells a character, ran
/// past the pane and lost its last words.)
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    let width = width.max(8);
    let mut lines = Vec::new();
    for para in s.lines() {
        let mut line = String::new();
        for word in para.split(' ') {
            let mut word = word.to_string();
            loop {
                let used = line.width();
                let need = word.width() + usize::from(!line.is_empty());
                if used + need <= width {
                    if !line.is_empty() {
                        line.push(' ');
                    }
                    line.push_str(&word);
                    break;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    continue;
                }
                // A word longer than a line: as much as fits, then the rest.
                let (mut head, mut cells) = (String::new(), 0);
                let mut rest = word.chars().peekable();
                while let Some(c) = rest.peek() {
                    let w = c.width().unwrap_or(0);
                    if cells + w > width && !head.is_empty() {
                        break;
                    }
                    cells += w;
                    head.push(*c);
                    rest.next();
                }
                word = rest.collect();
                lines.push(head);
                if word.is_empty() {
                    break;
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// A bar of `width` cells for `n` of `max`, in eighths of a cell (at
/// least one eighth for any `n` above zero).
pub fn bar(n: u64, max: u64, width: usize) -> String {
    if max == 0 || n == 0 {
        return String::new();
    }
    let eighths = ((n as f64 / max as f64) * (width * 8) as f64)
        .round()
        .max(1.0) as usize;
    const PART: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let mut s = "█".repeat(eighths / 8);
    s.push_str(PART[eighths % 8]);
    s
}

/// A sparkline of counts, one character each (a blank for none).
pub fn spark(counts: &[u64]) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = counts.iter().copied().max().unwrap_or(0);
    counts
        .iter()
        .map(|&c| {
            if c == 0 || max == 0 {
                ' '
            } else {
                LEVELS[((c as f64 / max as f64) * 7.0).round() as usize]
            }
        })
        .collect()
}

/// A name as it reads: letters of other scripts that look like Latin ones
/// taken as those, any run of spaces as one, characters that show nothing
/// dropped, dashes of every kind as `-`, case folded, trimmed: two names
/// with the same skeleton are told apart by nobody reading them (signer
/// names, profile names).
pub fn skeleton(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let invisible = matches!(c, '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}'
            | '\u{17B4}' | '\u{17B5}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FEFF}'
            | '\u{FFA0}');
        if invisible {
            continue;
        }
        if c.is_whitespace() {
            if !out.ends_with(' ') {
                out.push(' ');
            }
            continue;
        }
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        };
        out.push(match c {
            'а' | 'α' | 'ɑ' => 'a',
            'в' | 'β' => 'b',
            'с' | 'ϲ' => 'c',
            'ԁ' => 'd',
            'е' | 'ё' | 'ε' => 'e',
            'һ' | 'н' | 'η' => 'h',
            'і' | 'ї' | 'ι' | 'ı' => 'i',
            'ј' => 'j',
            'к' | 'κ' => 'k',
            'м' | 'μ' => 'm',
            'п' | 'π' => 'n',
            'о' | 'ο' | 'σ' | '0' => 'o',
            'р' | 'ρ' => 'p',
            'ԛ' => 'q',
            'ѕ' => 's',
            'т' | 'τ' => 't',
            'υ' => 'u',
            'ν' => 'v',
            'ԝ' | 'ω' => 'w',
            'х' | 'χ' => 'x',
            'у' | 'γ' => 'y',
            'ζ' => 'z',
            // Dashes and hyphens of every kind read as '-'.
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            c => c,
        });
    }
    out.trim().to_string()
}

/// The characters of a name that are not plain ASCII, each with its code
/// point and place (`U+0430 at character 1`), to say how a look-alike of
/// another name ([`skeleton`]) differs; `None` when all are plain.
pub fn unusual(name: &str) -> Option<String> {
    let found: Vec<String> = name
        .chars()
        .enumerate()
        .filter(|(_, c)| !(c.is_ascii_graphic() || *c == ' '))
        .map(|(i, c)| format!("U+{:04X} at character {}", c as u32, i + 1))
        .collect();
    (!found.is_empty()).then(|| found.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An apostrophe inside a word (Uzbek Latin's `oʻ`, `gʻ` in any of
    /// its forms; a soft sign written `'`) is part of the word, so the
    /// Latin and Cyrillic spellings of one name meet; between words, or
    /// around one, it is a gap as any mark.
    #[test]
    fn an_apostrophe_inside_a_word_is_part_of_it() {
        let one = |a: &str, b: &str| assert_eq!(name_key(a), name_key(b), "{a} / {b}");
        for latin in [
            "O'tkir Yo'ldoshev",
            "Oʻtkir Yoʻldoshev",
            "Oʼtkir Yoʼldoshev",
            "O’tkir Yo’ldoshev",
            "O`tkir Yo`ldoshev",
            "Otkir Yoldoshev",
        ] {
            one(latin, "Ўткир Йўлдошев");
        }
        one("Shavkat G'ulomov", "Шавкат Ғуломов");
        one("Natal'ya Il'ina", "Наталья Ильина");
        assert_eq!(
            fold("Farg'ona, Mustaqillik ko'chasi 12"),
            "fargona mustaqillik kochasi 12"
        );
        assert_eq!(fold("'quoted' words"), "quoted words");
        assert_eq!(fold("a ' b"), "a b");
        for raw in ["O'tkir Yo'ldoshev", "'x' y", "a ' b", "it's"] {
            assert!(folds_to(raw, &fold(raw)), "{raw}");
        }
        assert!(!folds_to("O'tkir", "o tkir"));
    }

    /// A table's column is cut and padded by display width: a CJK name
    /// takes two cells a character, and the columns after it stay put.
    #[test]
    fn a_column_is_padded_by_display_width() {
        use unicode_width::UnicodeWidthStr;
        assert_eq!(column("Ли", 6), "Ли    ");
        assert_eq!(column("Сержант Ли 李", 14).width(), 14);
        assert_eq!(column("李李李李李", 6), "李李… ");
        assert_eq!(column("abcdefgh", 5), "abcd…");
        for s in ["Сержант Ли 李", "李李李李李", "plain"] {
            assert_eq!(column(s, 8).width(), 8, "{s}");
        }
    }

    /// Lines are wrapped by the cells they take: a message naming a
    /// Chinese value keeps every word within the width.
    #[test]
    fn wrapped_lines_fit_their_cells() {
        use unicode_width::UnicodeWidthStr;
        let msg = "\"电话一二三四五六七八九十\" is not a phone number: expected 5-17 digits";
        let lines = wrap(msg, 34);
        assert!(lines.iter().all(|l| l.width() <= 34), "{lines:?}");
        assert_eq!(lines.join(" "), msg);
        let long = wrap(&"电".repeat(20), 9);
        assert!(long.iter().all(|l| l.width() <= 9), "{long:?}");
        assert_eq!(long.concat(), "电".repeat(20));
    }

    /// A negative number stays a number in CSV; a formula, a phone
    /// written with `+` and a text starting with `-` are guarded.
    #[test]
    fn a_negative_number_is_not_guarded() {
        for n in ["-3", "-3.5", "-100"] {
            assert_eq!(csv_guard(n), n);
        }
        for f in [
            "-3+cmd|' /C calc'!A0",
            "=1+1",
            "+44 20 7946 0000",
            "-",
            "-3.",
            "- 3",
            "@x",
        ] {
            assert_eq!(csv_guard(f), format!("'{f}"), "{f}");
            assert_eq!(csv_unguard(&csv_guard(f)), f);
        }
        // A value of its own starting with the guard's quote before a
        // formula's sign comes back whole (its quote was taken for the
        // guard); any other quote is no guard.
        for v in [
            "'-Ivan",
            "'=5 tablets",
            "'+ inside",
            "'@home",
            "''=x",
            "'plain",
            "'",
            "'-3",
        ] {
            assert_eq!(csv_unguard(&csv_guard(v)), v, "{v}");
        }
        assert_eq!(csv_guard("'plain"), "'plain");
    }

    /// `folds_to` says what comparing with `fold` says, for text folded
    /// the same, folded otherwise, and not ASCII.
    #[test]
    fn folds_to_agrees_with_fold() {
        let texts = [
            "",
            " ",
            "DHL",
            " dhl ",
            "China Post",
            "china  post",
            "China-Post!",
            "ChinaPost",
            "China Post EMS",
            "EMS",
            "Казпочта",
            "Kazpost",
            "a",
            "--a--b--",
            "ab",
            "a b",
        ];
        for raw in texts {
            for other in texts {
                let folded = fold(other);
                assert_eq!(
                    folds_to(raw, &folded),
                    fold(raw) == folded,
                    "{raw:?} against {folded:?}"
                );
            }
        }
    }

    #[test]
    fn sanitize_makes_controls_visible() {
        assert_eq!(sanitize("plain text"), "plain text");
        assert_eq!(sanitize("a\x1b[31mred"), "a^[[31mred");
        assert_eq!(sanitize("bell\x07\x00"), "bell^G^@");
        assert_eq!(sanitize("del\x7f"), "del^?");
        assert_eq!(sanitize("x\u{202E}evil"), "x<U+202E>evil");
        assert_eq!(sanitize("zero\u{200B}width"), "zero<U+200B>width");
        assert_eq!(sanitize("c1\u{9b}"), "c1<U+009B>");
        assert_eq!(sanitize("line\nbreak"), "line^Jbreak");
    }

    #[test]
    fn folding() {
        assert_eq!(fold("Đorđević, ul. Abaya 5"), "dordevic ul abaya 5");
        assert_eq!(fold("  Иван   Петров "), "ivan petrov");
        assert_eq!(name_key("PETROV, Ivan"), "ivan petrov");
        assert_eq!(name_key("Ivan Petrov"), name_key("Petrov  Ivan"));
    }

    #[test]
    fn wrapping_breaks_between_words_and_cuts_only_long_ones() {
        assert_eq!(wrap("one two three", 8), vec!["one two", "three"]);
        assert_eq!(wrap("abcdefghijkl", 8), vec!["abcdefgh", "ijkl"]);
        let long = "warning: origin: KZ, but the S10 number was issued by the post of CN";
        let lines = wrap(long, 30);
        assert!(lines.iter().all(|l| l.chars().count() <= 30), "{lines:?}");
        assert_eq!(lines.join(" "), long);
    }

    #[test]
    fn invisible_characters_are_shown_by_category() {
        for c in [
            '\u{E0041}', // a tag character
            '\u{180E}',
            '\u{206A}',
            '\u{FFF9}',
            '\u{1D173}',
            '\u{2028}',
            '\u{2029}',
            '\u{E000}', // private use
            '\u{202E}',
            '\u{200B}',
        ] {
            let raw = format!("a{c}b");
            assert_eq!(sanitize(&raw), format!("a<U+{:04X}>b", c as u32), "{c:?}");
        }
        assert_eq!(
            sanitize("Иван Петров, ул. Абая 5"),
            "Иван Петров, ул. Абая 5"
        );
        assert_eq!(sanitize("a\u{1b}]0;x\u{7}"), "a^[]0;x^G");
    }

    proptest::proptest! {
        #[test]
        fn nothing_invisible_survives(s in "\\PC*|[\u{0}-\u{10FFFF}]*") {
            let shown = sanitize(&s);
            proptest::prop_assert!(!shown.chars().any(needs_escape));
            // What is shown as itself is kept in order.
            let kept: String = s.chars().filter(|c| !needs_escape(*c)).collect();
            let mut rest = shown.as_ref();
            for c in kept.chars() {
                let at = rest.find(c);
                proptest::prop_assert!(at.is_some());
                rest = &rest[at.unwrap_or(0) + c.len_utf8()..];
            }
        }
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
