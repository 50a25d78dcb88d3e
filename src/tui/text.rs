//! One-line text editing for every field, prompt and filter: readline keys
//! (tui-input) on a string and its caret, a length cap, and paste in one
//! step. The caret counts characters.
//!
//! Each text has its own cap, the caller's to give: a form field holds
//! what its field may hold ([`crate::domain::fields::FieldSpec::max_chars`]:
//! 1,000 characters for a one-line value, 20,000 for free text such as a
//! note), a query ([`QUERY_MAX_CHARS`]) far less.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::{Input, InputRequest};

/// The most characters a filter, a picker's query or a note's grading
/// holds: more finds nothing more, and costs every search.
pub const QUERY_MAX_CHARS: usize = 256;

/// What an editing key asks for: tui-input's readline keys, plus the
/// Alt-b / Alt-f / Alt-d word keys as terminals over SSH and tmux send them
/// (Esc then the letter, which crossterm reads as Alt).
fn request(k: KeyEvent) -> Option<InputRequest> {
    if k.modifiers == KeyModifiers::ALT {
        return match k.code {
            KeyCode::Char('b') | KeyCode::Left => Some(InputRequest::GoToPrevWord),
            KeyCode::Char('f') | KeyCode::Right => Some(InputRequest::GoToNextWord),
            KeyCode::Char('d') => Some(InputRequest::DeleteNextWord),
            KeyCode::Backspace => Some(InputRequest::DeletePrevWord),
            _ => None,
        };
    }
    tui_input::backend::crossterm::to_input_request(&Event::Key(k))
}

fn apply(value: &mut String, caret: &mut usize, req: InputRequest, cap: usize) -> bool {
    if matches!(req, InputRequest::InsertChar(_)) && value.chars().count() >= cap {
        return false;
    }
    let len = value.chars().count();
    let mut input = Input::new(std::mem::take(value)).with_cursor((*caret).min(len));
    let changed = input.handle(req).is_some_and(|s| s.value);
    *caret = input.cursor();
    *value = input.value().to_string();
    changed
}

/// What an edit did to a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Edited {
    /// The text changed (a caret move changes only the caret).
    pub changed: bool,
    /// Some of what was typed or pasted was left out: the text is at its
    /// cap.
    pub cut: bool,
}

/// Applies an editing key to a text of at most `cap` characters: `None`
/// when the key does not edit text (the caller's keymap has it), else
/// what it did (a character typed at the cap is left out).
pub fn key(value: &mut String, caret: &mut usize, k: KeyEvent, cap: usize) -> Option<Edited> {
    let req = request(k)?;
    let typed = matches!(req, InputRequest::InsertChar(_));
    let changed = apply(value, caret, req, cap);
    Some(Edited {
        changed,
        cut: typed && !changed && value.chars().count() >= cap,
    })
}

/// Inserts text at the caret (a paste) into a text of at most `cap`
/// characters: control characters are dropped and what goes past the cap
/// is left out (only as much of the paste as fits is ever looked at, so a
/// paste of megabytes costs no more than one that fits).
pub fn insert(value: &mut String, caret: &mut usize, text: &str, cap: usize) -> Edited {
    let room = cap.saturating_sub(value.chars().count());
    // The lines of a paste are joined with one space (a one-line text
    // has no line breaks; `\r\n` and blank lines make one space too), a
    // tab is a space, other control characters go.
    let text = text.trim_end_matches(['\r', '\n']);
    let mut after_space = false;
    let mut kept = text.chars().filter_map(move |c| {
        let c = match c {
            '\n' | '\r' if after_space => return None,
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => return None,
            c => c,
        };
        after_space = c == ' ';
        Some(c)
    });
    let add: String = kept.by_ref().take(room).collect();
    let cut = kept.next().is_some();
    if add.is_empty() {
        return Edited {
            changed: false,
            cut,
        };
    }
    let at = value
        .char_indices()
        .nth(*caret)
        .map_or(value.len(), |(i, _)| i);
    value.insert_str(at, &add);
    *caret = (*caret).min(value.chars().count()) + add.chars().count();
    Edited { changed: true, cut }
}

/// The text as a field shows it while edited: the caret as `▏` where it
/// stands.
pub fn with_caret(value: &str, caret: usize) -> String {
    let at = value
        .char_indices()
        .nth(caret)
        .map_or(value.len(), |(i, _)| i);
    format!("{}▏{}", &value[..at], &value[at..])
}

/// The part of a one-line text a field of `width` columns shows while it
/// is edited, sanitised, with the caret as `▏`: all of it when it fits;
/// else scrolled sideways, by display width, so that the caret is always
/// in view (at the end, the text's end shows; moving left, the caret
/// walks to a third of the field's width, then the text scrolls). A wide
/// character that would stand half outside is left out whole.
pub fn window(value: &str, caret: usize, width: usize) -> String {
    use crate::domain::text::sanitize;
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    let at = value
        .char_indices()
        .nth(caret)
        .map_or(value.len(), |(i, _)| i);
    let before = sanitize(&value[..at]);
    let after = sanitize(&value[at..]);
    let room = width.saturating_sub(1);
    if before.width() + after.width() <= room {
        return format!("{before}▏{after}");
    }
    let cw = |c: char| c.width().unwrap_or(0);
    // What precedes the caret keeps up to a third of the field (so that
    // what was just typed shows), what follows it as much of the rest as
    // it fills, and what precedes it then the remainder.
    let keep = before.width().min(room / 3);
    let mut tail = String::new();
    let mut used = 0;
    for c in after.chars() {
        if used + cw(c) > room - keep {
            break;
        }
        used += cw(c);
        tail.push(c);
    }
    let mut head: Vec<char> = Vec::new();
    let mut left = room - used;
    for c in before.chars().rev() {
        if cw(c) > left {
            break;
        }
        left -= cw(c);
        head.push(c);
    }
    let head: String = head.into_iter().rev().collect();
    format!("{head}▏{tail}")
}

/// Whether a key cuts text that `Ctrl-y` can paste back, as readline's
/// kill keys do: `Ctrl-w`, `Ctrl-u`, `Ctrl-k`, `Alt-d`, `Alt-Backspace`.
pub fn is_cut(k: KeyEvent) -> bool {
    match k.modifiers {
        KeyModifiers::CONTROL => matches!(k.code, KeyCode::Char('w' | 'u' | 'k')),
        KeyModifiers::ALT => matches!(k.code, KeyCode::Char('d') | KeyCode::Backspace),
        _ => false,
    }
}

/// Whether a key pastes back the text cut last (`Ctrl-y`).
pub fn is_paste_back(k: KeyEvent) -> bool {
    k.modifiers == KeyModifiers::CONTROL && k.code == KeyCode::Char('y')
}

/// What one cut took out of a text: the run of characters between what
/// the text before and after it have in common at either end.
pub fn removed(before: &str, after: &str) -> String {
    let b: Vec<char> = before.chars().collect();
    let a: Vec<char> = after.chars().collect();
    let head = b.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let tail = b[head..]
        .iter()
        .rev()
        .zip(a[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    b[head..b.len() - tail].iter().collect()
}

/// The caret at the end of a text.
pub fn end(value: &str) -> usize {
    value.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    /// `key` with a roomy cap.
    fn key(value: &mut String, caret: &mut usize, k: KeyEvent) -> Option<Edited> {
        super::key(value, caret, k, 1000)
    }

    #[test]
    fn a_cut_is_what_went() {
        assert_eq!(removed("Petrov Ivan", "Petrov "), "Ivan");
        assert_eq!(removed("Petrov Ivan", "Ivan"), "Petrov ");
        assert_eq!(removed("aaa", "aa"), "a");
        assert_eq!(removed("same", "same"), "");
    }

    #[test]
    fn readline_keys_edit_in_the_middle() {
        let (mut v, mut c) = ("Petrov Ivan".to_string(), 11);
        key(&mut v, &mut c, k(KeyCode::Home, KeyModifiers::NONE));
        assert_eq!(c, 0);
        // Alt-f goes to the next word's start, Left back over the space.
        key(&mut v, &mut c, k(KeyCode::Char('f'), KeyModifiers::ALT));
        key(&mut v, &mut c, k(KeyCode::Left, KeyModifiers::NONE));
        key(&mut v, &mut c, k(KeyCode::Char('a'), KeyModifiers::NONE));
        assert_eq!(v, "Petrova Ivan", "{c}");
        key(&mut v, &mut c, k(KeyCode::Char('e'), KeyModifiers::CONTROL));
        key(&mut v, &mut c, k(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(v, "Petrova ");
        key(&mut v, &mut c, k(KeyCode::Char('a'), KeyModifiers::CONTROL));
        key(&mut v, &mut c, k(KeyCode::Char('k'), KeyModifiers::CONTROL));
        assert_eq!(v, "");
        assert_eq!(
            key(&mut v, &mut c, k(KeyCode::Enter, KeyModifiers::NONE)),
            None
        );
    }

    #[test]
    fn paste_inserts_at_the_caret_up_to_the_cap() {
        let (mut v, mut c) = ("+7 555".to_string(), 3);
        let e = insert(&mut v, &mut c, "701 \x1b[2J", 100);
        assert_eq!(
            e,
            Edited {
                changed: true,
                cut: false
            }
        );
        assert_eq!(v, "+7 701 [2J555");
        // Cut at the cap, and said so.
        let long = "x".repeat(300);
        let e = insert(&mut v, &mut c, &long, 100);
        assert!(e.changed && e.cut, "{e:?}");
        assert_eq!(v.chars().count(), 100);
        assert_eq!(
            insert(&mut v, &mut c, "y", 100),
            Edited {
                changed: false,
                cut: true
            }
        );
        // Exactly filling the cap is not a cut.
        let (mut v, mut c) = (String::new(), 0);
        assert!(!insert(&mut v, &mut c, &"é".repeat(20), 20).cut);
        assert_eq!(with_caret("ab", 1), "a▏b");
        assert_eq!(with_caret("Ж", 1), "Ж▏");
    }

    #[test]
    fn a_long_text_scrolls_to_keep_the_caret_in_view() {
        use unicode_width::UnicodeWidthStr;
        // Wide characters at the end: the end shows, none cut in half.
        let wide = "龙".repeat(40);
        let w = window(&wide, 40, 21);
        assert_eq!(w, format!("{}▏", "龙".repeat(10)));
        assert!(w.width() <= 21);
        let w = window(&wide, 40, 20);
        assert_eq!(w, format!("{}▏", "龙".repeat(9)));
        // At the start, the start shows; in the middle the caret shows.
        let long: String = ('a'..='z').cycle().take(300).collect();
        assert_eq!(window(&long, 0, 6), "▏abcde");
        let w = window(&long, 150, 10);
        assert!(w.contains('▏') && w.width() <= 10, "{w}");
        assert_eq!(w, "rst▏uvwxyz", "{w}");
        // One left of the end: the view stays on the end.
        assert_eq!(window("abcdefghij", 9, 6), "fghi▏j");
        // What fits is shown whole.
        assert_eq!(window("ab", 1, 10), "a▏b");
    }

    #[test]
    fn a_pasted_lines_are_joined_with_one_space() {
        let (mut v, mut c) = (String::new(), 0);
        insert(
            &mut v,
            &mut c,
            "first 🚀\nsecond line \r\n42\r\n\r\nthird\n",
            1000,
        );
        assert_eq!(v, "first 🚀 second line 42 third");
    }

    #[test]
    fn typing_stops_at_the_cap_and_says_so() {
        let (mut v, mut c) = ("abc".to_string(), 3);
        let e = super::key(&mut v, &mut c, k(KeyCode::Char('d'), KeyModifiers::NONE), 3);
        assert_eq!(
            e,
            Some(Edited {
                changed: false,
                cut: true
            })
        );
        assert_eq!(v, "abc");
        // Deleting at the cap is no cut.
        let e = super::key(&mut v, &mut c, k(KeyCode::Backspace, KeyModifiers::NONE), 3);
        assert_eq!(
            e,
            Some(Edited {
                changed: true,
                cut: false
            })
        );
    }
}
