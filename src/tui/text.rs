//! One-line text editing for every field, prompt and filter: readline keys
//! (tui-input) on a string and its caret, a length cap, and paste in one
//! step. The caret counts characters.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::{Input, InputRequest};

/// The most characters a field holds; typing and pasting stop there.
pub const MAX_CHARS: usize = 4096;

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

fn apply(value: &mut String, caret: &mut usize, req: InputRequest) -> bool {
    if matches!(req, InputRequest::InsertChar(_)) && value.chars().count() >= MAX_CHARS {
        return false;
    }
    let len = value.chars().count();
    let mut input = Input::new(std::mem::take(value)).with_cursor((*caret).min(len));
    let changed = input.handle(req).is_some_and(|s| s.value);
    *caret = input.cursor();
    *value = input.value().to_string();
    changed
}

/// Applies an editing key: `None` when the key does not edit text (the
/// caller's keymap has it), else whether the text changed (a caret move
/// changes only the caret).
pub fn key(value: &mut String, caret: &mut usize, k: KeyEvent) -> Option<bool> {
    Some(apply(value, caret, request(k)?))
}

/// Inserts text at the caret (a paste, or a character typed): control
/// characters are dropped and the cap holds. Whether the text changed.
pub fn insert(value: &mut String, caret: &mut usize, text: &str) -> bool {
    let room = MAX_CHARS.saturating_sub(value.chars().count());
    let add: String = text
        .chars()
        .filter(|c| !c.is_control())
        .take(room)
        .collect();
    if add.is_empty() {
        return false;
    }
    let at = value
        .char_indices()
        .nth(*caret)
        .map_or(value.len(), |(i, _)| i);
    value.insert_str(at, &add);
    *caret = (*caret).min(value.chars().count()) + add.chars().count();
    true
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
        assert!(insert(&mut v, &mut c, "701 \x1b[2J"));
        assert_eq!(v, "+7 701 [2J555");
        let long = "x".repeat(MAX_CHARS * 2);
        insert(&mut v, &mut c, &long);
        assert_eq!(v.chars().count(), MAX_CHARS);
        assert!(!insert(&mut v, &mut c, "y"));
        assert_eq!(with_caret("ab", 1), "a▏b");
        assert_eq!(with_caret("Ж", 1), "Ж▏");
    }
}
