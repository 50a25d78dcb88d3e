//! One vocabulary of intents (`Action`), bound to keys per layer. The
//! defaults live here; the user's config file overrides only the actions it
//! names. Help and the status-line hints are generated from the keymap in
//! force, so they cannot disagree with the keys.

use crokey::KeyCombination;
use crossterm::event::KeyEvent;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    NextPane,
    PrevPane,
    PaneCases,
    PaneParcels,
    PaneSubstances,
    PaneLinks,
    Down,
    Up,
    Top,
    Bottom,
    HalfPageDown,
    HalfPageUp,
    PageDown,
    PageUp,
    DetailDown,
    DetailUp,
    DetailPageDown,
    DetailPageUp,
    Follow,
    Back,
    Forward,
    AddNote,
    AddFinding,
    AddEvidence,
    New,
    Edit,
    Delete,
    Link,
    Filter,
    Search,
    LoadDemo,
    Cancel,
    Confirm,
    Save,
    NextField,
    PrevField,
    Yes,
    No,
    PathTo,
    History,
    Neighbourhood,
    Matches,
    Hits,
    Reject,
    Conflicts,
    KeepLocal,
    TakeIncoming,
    Messages,
    Frequencies,
    Trends,
    Routes,
    Emerging,
    Timeline,
    SortBy,
    SplitBy,
    Every,
    Period,
    CaseScope,
    Redraw,
}

impl Action {
    pub fn description(self) -> &'static str {
        use Action::*;
        match self {
            Quit => "quit",
            Help => "show or hide this help",
            NextPane => "next pane",
            PrevPane => "previous pane",
            PaneCases => "cases pane",
            PaneParcels => "parcels pane",
            PaneSubstances => "substances pane",
            PaneLinks => "links of the selected item",
            Down => "move down",
            Up => "move up",
            Top => "go to the first item",
            Bottom => "go to the last item",
            HalfPageDown => "half a page down",
            HalfPageUp => "half a page up",
            PageDown => "page down",
            PageUp => "page up",
            DetailDown => "scroll the detail (right) down a line",
            DetailUp => "scroll the detail (right) up a line",
            DetailPageDown => "scroll the detail (right) down a page",
            DetailPageUp => "scroll the detail (right) up a page",
            Follow => "follow the link / open the item",
            Back => "back to the previous item",
            Forward => "forward again",
            AddNote => "add a note or lead to the selected item",
            AddFinding => "record a substance found in the selected parcel",
            AddEvidence => {
                "record evidence: an inspection, exhibit or delivery of a parcel, a hand-over of an exhibit, a lab result on a finding (its row in the Links pane), a photo or document on any item"
            }
            New => "new item in this pane",
            Edit => "edit the selected item (in Links: the link, finding or note)",
            Delete => "delete the selected item (in Links: the link, finding or note)",
            Link => "link the selected item to another",
            Filter => "filter this list as you type (Cases, Parcels, Substances)",
            Search => "search everything and jump",
            LoadDemo => "load the demo data",
            Cancel => "cancel",
            Confirm => "accept",
            Save => "save",
            NextField => "next field",
            PrevField => "previous field",
            Yes => "yes (in suggested matches: they are one, linked same-as)",
            No => "no",
            PathTo => "the chain of connections to another item",
            History => "history of the selected item: who changed what, when",
            Neighbourhood => "draw the selected item's neighbourhood",
            Matches => "suggested name matches to confirm or reject",
            Hits => "parcels that matched a profile or the watchlist, newest first, with why",
            Reject => "reject the suggested match",
            Conflicts => "edits that met on merge, to settle",
            KeepLocal => "keep the version here (the incoming one stays on record)",
            TakeIncoming => "take the incoming version (the one here stays on record)",
            Messages => "every message of this session, in full",
            Redraw => {
                "draw the whole screen again (after other output, a `wall` or a job's, wrote over it)"
            }
            Frequencies => "count the values of a field of this pane's items",
            Trends => "seizures over time, rising ones first",
            Routes => "parcels by origin and destination, and how many held drugs",
            Emerging => "substances first seen lately",
            Timeline => "the timeline of the case in focus",
            SortBy => "sort by count or by value",
            SplitBy => "split the trend by another field",
            Every => "per week or per month",
            Period => "a longer or shorter period",
            CaseScope => "only the case in focus, or everything",
        }
    }

    /// Whether the action writes to the notebook (none is offered on a
    /// notebook open read-only).
    pub fn writes(self) -> bool {
        use Action::*;
        matches!(
            self,
            AddNote
                | AddFinding
                | AddEvidence
                | New
                | Edit
                | Delete
                | Link
                | LoadDemo
                | Save
                | Yes
                | Reject
                | KeepLocal
                | TakeIncoming
        )
    }

    /// The short word shown in the status-line hints.
    pub fn hint(self) -> &'static str {
        use Action::*;
        match self {
            Quit => "quit",
            Help => "help",
            Follow => "open",
            Back => "back",
            AddNote => "note",
            AddFinding => "finding",
            AddEvidence => "evidence",
            New => "new",
            Edit => "edit",
            Delete => "delete",
            Link => "link",
            Filter => "filter",
            Search => "search",
            LoadDemo => "demo data",
            Cancel => "cancel",
            Save => "save",
            NextField => "next field",
            Confirm => "ok",
            Yes => "yes",
            No => "no",
            NextPane => "pane",
            Down => "down",
            Up => "up",
            PathTo => "path",
            History => "history",
            Neighbourhood => "map",
            Matches => "matches",
            Hits => "hits",
            Reject => "reject",
            Conflicts => "conflicts",
            KeepLocal => "keep ours",
            TakeIncoming => "take theirs",
            Messages => "messages",
            Frequencies => "counts",
            Trends => "trends",
            Routes => "routes",
            Emerging => "emerging",
            Timeline => "timeline",
            SortBy => "sort",
            SplitBy => "split by",
            Every => "week/month",
            Period => "period",
            CaseScope => "case only",
            _ => "",
        }
    }
}

/// Where a key is looked up: the open modal first, then the pane, then
/// global bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Global,
    List,
    Empty,
    Form,
    Prompt,
    Picker,
    Confirm,
    Help,
    Report,
    Matches,
    Conflicts,
    Stats,
    /// A list to choose from with no text to type (a link's type, the
    /// kind of evidence).
    Choice,
}

impl Layer {
    pub fn title(self) -> &'static str {
        match self {
            Layer::Global => {
                "Everywhere (in views, forms and prompts: Ctrl-c, F1, and ? where it types nothing)"
            }
            Layer::List => "Lists",
            Layer::Empty => "Empty notebook",
            Layer::Form => "Forms",
            Layer::Prompt => "Note prompt",
            Layer::Picker => "Pickers",
            Layer::Confirm => "Confirmations",
            Layer::Help => "Help",
            Layer::Report => "Paths and maps",
            Layer::Matches => "Suggested matches",
            Layer::Conflicts => "Merge conflicts",
            Layer::Stats => "Counts and charts",
            Layer::Choice => "Choice lists",
        }
    }
}

/// A key sequence: one key, or several pressed in turn (`g g`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys(pub Vec<KeyCombination>);

impl Keys {
    /// Whether the keys would type text in a field (`q`, `?`, `Shift-a`),
    /// rather than being a control key, a function key or a chord.
    pub fn types_text(&self) -> bool {
        use crossterm::event::{KeyCode, KeyModifiers};
        self.0.iter().any(|k| {
            (k.modifiers - KeyModifiers::SHIFT).is_empty()
                && k.codes.iter().any(|c| matches!(c, KeyCode::Char(_)))
        })
    }
}

impl fmt::Display for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s: Vec<String> = self.0.iter().map(|k| k.to_string()).collect();
        f.write_str(&s.join(" "))
    }
}

fn parse_keys(s: &str) -> Result<Keys, String> {
    let combos: Result<Vec<KeyCombination>, String> = s
        .split_whitespace()
        .map(|k| {
            crokey::parse(k)
                .map(KeyCombination::normalized)
                .map_err(|e| format!("{s:?}: {e}"))
        })
        .collect();
    let combos = combos?;
    if combos.is_empty() {
        return Err("an empty key".into());
    }
    Ok(Keys(combos))
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub layer: Layer,
    pub keys: Keys,
    pub action: Action,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

pub enum Resolved {
    Action(Action),
    /// The keys so far begin a longer sequence.
    Pending,
    None,
}

const DEFAULTS: &[(Layer, Action, &[&str])] = {
    use Action as A;
    use Layer as L;
    &[
        (L::Global, A::Quit, &["q", "ctrl-c"]),
        (L::Global, A::Help, &["?", "f1"]),
        (L::Global, A::NextPane, &["tab"]),
        (L::Global, A::PrevPane, &["shift-backtab"]),
        (L::Global, A::PaneCases, &["1"]),
        (L::Global, A::PaneParcels, &["2"]),
        (L::Global, A::PaneSubstances, &["3"]),
        (L::Global, A::PaneLinks, &["4"]),
        (L::Global, A::Back, &["[", "backspace", "alt-left"]),
        (L::Global, A::Forward, &["]", "alt-right"]),
        (L::Global, A::Search, &["s"]),
        (L::Global, A::Messages, &["shift-m"]),
        (L::Global, A::Redraw, &["ctrl-l"]),
        (L::List, A::Down, &["j", "down"]),
        (L::List, A::Up, &["k", "up"]),
        (L::List, A::Top, &["g g", "home"]),
        (L::List, A::Bottom, &["shift-g", "end"]),
        (L::List, A::HalfPageDown, &["ctrl-d"]),
        (L::List, A::HalfPageUp, &["ctrl-u"]),
        (L::List, A::PageDown, &["pagedown", "ctrl-f"]),
        (L::List, A::PageUp, &["pageup", "ctrl-b"]),
        (L::List, A::DetailDown, &["shift-j", "ctrl-e"]),
        (L::List, A::DetailUp, &["shift-k", "ctrl-y"]),
        (L::List, A::DetailPageDown, &["shift-pagedown", "alt-j"]),
        (L::List, A::DetailPageUp, &["shift-pageup", "alt-k"]),
        (L::List, A::Follow, &["enter"]),
        (L::List, A::AddNote, &["n"]),
        (L::List, A::AddFinding, &["f"]),
        (L::List, A::AddEvidence, &["v"]),
        (L::List, A::New, &["a"]),
        (L::List, A::Edit, &["e"]),
        (L::List, A::Delete, &["x", "delete"]),
        (L::List, A::Link, &["l"]),
        (L::List, A::Filter, &["/"]),
        (L::List, A::PathTo, &["p"]),
        (L::List, A::History, &["h"]),
        (L::List, A::Neighbourhood, &["w"]),
        (L::List, A::Matches, &["m"]),
        (L::List, A::Hits, &["shift-h"]),
        (L::Report, A::Down, &["j", "down"]),
        (L::Report, A::Up, &["k", "up"]),
        (L::Report, A::Follow, &["enter"]),
        (L::Report, A::Cancel, &["esc", "ctrl-g", "q"]),
        (L::Matches, A::Down, &["j", "down"]),
        (L::Matches, A::Up, &["k", "up"]),
        (L::Report, A::Top, &["g g", "home"]),
        (L::Report, A::Bottom, &["shift-g", "end"]),
        (L::Report, A::PageDown, &["pagedown", "ctrl-f"]),
        (L::Report, A::PageUp, &["pageup", "ctrl-b"]),
        (L::Matches, A::Top, &["g g", "home"]),
        (L::Matches, A::Bottom, &["shift-g", "end"]),
        (L::Matches, A::PageDown, &["pagedown", "ctrl-f"]),
        (L::Matches, A::PageUp, &["pageup", "ctrl-b"]),
        (L::Matches, A::Yes, &["y"]),
        (L::Matches, A::Reject, &["r"]),
        (L::Matches, A::Cancel, &["esc", "ctrl-g", "q"]),
        (L::List, A::Conflicts, &["shift-c"]),
        (L::Conflicts, A::Down, &["j", "down"]),
        (L::Conflicts, A::Up, &["k", "up"]),
        (L::Conflicts, A::Top, &["g g", "home"]),
        (L::Conflicts, A::Bottom, &["shift-g", "end"]),
        (L::Conflicts, A::PageDown, &["pagedown", "ctrl-f"]),
        (L::Conflicts, A::PageUp, &["pageup", "ctrl-b"]),
        (L::Conflicts, A::KeepLocal, &["o"]),
        (L::Conflicts, A::TakeIncoming, &["t"]),
        (L::Conflicts, A::Cancel, &["esc", "ctrl-g", "q"]),
        (L::List, A::Cancel, &["esc", "ctrl-g"]),
        (L::List, A::Frequencies, &["shift-f"]),
        (L::List, A::Trends, &["shift-t"]),
        (L::List, A::Routes, &["shift-r"]),
        (L::List, A::Emerging, &["shift-e"]),
        (L::List, A::Timeline, &["t"]),
        (L::Stats, A::Down, &["j", "down"]),
        (L::Stats, A::Up, &["k", "up"]),
        (L::Stats, A::PageDown, &["pagedown", "ctrl-f"]),
        (L::Stats, A::PageUp, &["pageup", "ctrl-b"]),
        (L::Stats, A::Top, &["g g", "home"]),
        (L::Stats, A::Bottom, &["shift-g", "end"]),
        (L::Stats, A::Follow, &["enter"]),
        (L::Stats, A::SortBy, &["s"]),
        (L::Stats, A::SplitBy, &["b"]),
        (L::Stats, A::Every, &["w"]),
        (L::Stats, A::Period, &["p"]),
        (L::Stats, A::CaseScope, &["c"]),
        (L::Stats, A::Cancel, &["esc", "ctrl-g", "q"]),
        (L::Empty, A::LoadDemo, &["d"]),
        (L::Empty, A::New, &["a"]),
        (L::Form, A::Save, &["ctrl-s", "f2"]),
        (L::Form, A::Cancel, &["esc", "ctrl-g"]),
        (L::Form, A::NextField, &["tab", "down", "enter"]),
        (L::Form, A::PrevField, &["shift-backtab", "up"]),
        (L::Prompt, A::Confirm, &["enter"]),
        (L::Prompt, A::NextField, &["tab"]),
        (L::Prompt, A::Cancel, &["esc", "ctrl-g"]),
        (L::Picker, A::Confirm, &["enter"]),
        (L::Picker, A::Down, &["down", "ctrl-n"]),
        (L::Picker, A::Up, &["up", "ctrl-p"]),
        (L::Picker, A::Cancel, &["esc", "ctrl-g"]),
        (L::Choice, A::Down, &["j", "down", "ctrl-n"]),
        (L::Choice, A::Up, &["k", "up", "ctrl-p"]),
        (L::Choice, A::Top, &["g g", "home"]),
        (L::Choice, A::Bottom, &["shift-g", "end"]),
        (L::Choice, A::Confirm, &["enter"]),
        (L::Choice, A::Cancel, &["esc", "ctrl-g"]),
        (L::Confirm, A::Yes, &["y"]),
        (L::Confirm, A::No, &["n", "esc", "ctrl-g"]),
        (L::Help, A::Help, &["?", "f1"]),
        (L::Help, A::Cancel, &["esc", "ctrl-g", "q"]),
        (L::Help, A::Down, &["j", "down"]),
        (L::Help, A::Up, &["k", "up"]),
        (L::Help, A::Top, &["g g", "home"]),
        (L::Help, A::Bottom, &["shift-g", "end"]),
        (L::Help, A::HalfPageDown, &["ctrl-d"]),
        (L::Help, A::HalfPageUp, &["ctrl-u"]),
        (L::Help, A::PageDown, &["pagedown", "ctrl-f"]),
        (L::Help, A::PageUp, &["pageup", "ctrl-b"]),
    ]
};

/// The user's overrides: `[keys.LAYER] action = ["key", ...]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    #[serde(default)]
    pub keys: BTreeMap<Layer, BTreeMap<Action, Vec<String>>>,
}

impl Keymap {
    pub fn defaults() -> Keymap {
        let mut bindings = Vec::new();
        for (layer, action, keys) in DEFAULTS {
            for k in *keys {
                if let Ok(keys) = parse_keys(k) {
                    bindings.push(Binding {
                        layer: *layer,
                        keys,
                        action: *action,
                    });
                }
            }
        }
        Keymap { bindings }
    }

    /// Defaults with the user's bindings in place of the defaults of each
    /// action they name.
    pub fn with_overrides(cfg: &KeyConfig) -> Result<Keymap, String> {
        let mut map = Keymap::defaults();
        for (layer, actions) in &cfg.keys {
            for (action, keys) in actions {
                let parsed: Result<Vec<Keys>, String> =
                    keys.iter().map(|k| parse_keys(k)).collect();
                let parsed = parsed
                    .map_err(|e| format!("[keys.{layer:?}] {action:?}: {e}").to_lowercase())?;
                map.bindings
                    .retain(|b| !(b.layer == *layer && b.action == *action));
                for keys in parsed {
                    map.bindings.push(Binding {
                        layer: *layer,
                        keys,
                        action: *action,
                    });
                }
            }
        }
        Ok(map)
    }

    /// Looks up the keys pressed so far in the given layers, in order.
    pub fn resolve(&self, layers: &[Layer], pressed: &[KeyCombination]) -> Resolved {
        self.resolve_where(layers, pressed, |_| true)
    }

    /// Looks up the keys pressed so far among the bindings of the given
    /// layers that `keep` keeps.
    pub fn resolve_where(
        &self,
        layers: &[Layer],
        pressed: &[KeyCombination],
        keep: impl Fn(&Binding) -> bool,
    ) -> Resolved {
        let mut pending = false;
        for layer in layers {
            for b in self
                .bindings
                .iter()
                .filter(|b| b.layer == *layer && keep(b))
            {
                if b.keys.0 == pressed {
                    return Resolved::Action(b.action);
                }
                if b.keys.0.len() > pressed.len() && b.keys.0.starts_with(pressed) {
                    pending = true;
                }
            }
        }
        if pending {
            Resolved::Pending
        } else {
            Resolved::None
        }
    }

    /// The keys bound to an action in a layer, as shown to the user.
    /// The keymap without the actions that write: what a notebook open
    /// read-only binds, so that its help and hints offer nothing it would
    /// refuse after the typing was done.
    pub fn read_only(mut self) -> Keymap {
        self.bindings.retain(|b| !b.action.writes());
        self
    }

    pub fn keys_for(&self, layer: Layer, action: Action) -> Vec<String> {
        self.bindings
            .iter()
            .filter(|b| b.layer == layer && b.action == action)
            .map(|b| b.keys.to_string())
            .collect()
    }
}

/// The key combination of a key event, as bindings are written.
pub fn combo(ev: KeyEvent) -> KeyCombination {
    KeyCombination::from(ev).normalized()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn key(c: char) -> KeyCombination {
        combo(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    #[test]
    fn sequences_and_layers() {
        let m = Keymap::defaults();
        assert!(matches!(
            m.resolve(&[Layer::List, Layer::Global], &[key('j')]),
            Resolved::Action(Action::Down)
        ));
        assert!(matches!(
            m.resolve(&[Layer::List, Layer::Global], &[key('g')]),
            Resolved::Pending
        ));
        assert!(matches!(
            m.resolve(&[Layer::List, Layer::Global], &[key('g'), key('g')]),
            Resolved::Action(Action::Top)
        ));
        assert!(matches!(
            m.resolve(&[Layer::List, Layer::Global], &[key('z')]),
            Resolved::None
        ));
        let shift_g = combo(KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT));
        assert!(matches!(
            m.resolve(&[Layer::List], &[shift_g]),
            Resolved::Action(Action::Bottom)
        ));
    }

    #[test]
    fn every_escape_has_a_second_key() {
        let m = Keymap::defaults();
        for b in m
            .bindings
            .iter()
            .filter(|b| b.keys.to_string().to_lowercase() == "esc")
        {
            let keys = m.keys_for(b.layer, b.action);
            assert!(keys.len() >= 2, "{:?} {:?} only has Esc", b.layer, b.action);
        }
    }

    #[test]
    fn no_key_means_two_things_where_layers_meet() {
        let m = Keymap::defaults();
        for stack in [
            vec![Layer::List, Layer::Global],
            vec![Layer::Empty, Layer::Global],
        ] {
            let mut seen: Vec<(String, Action)> = Vec::new();
            for layer in &stack {
                for b in m.bindings.iter().filter(|b| b.layer == *layer) {
                    let k = b.keys.to_string();
                    if let Some((_, a)) = seen.iter().find(|(s, _)| *s == k) {
                        panic!("{k} is bound to both {a:?} and {:?}", b.action);
                    }
                    seen.push((k, b.action));
                }
            }
        }
    }

    #[test]
    fn overrides_replace_only_what_they_name() {
        let cfg: KeyConfig = toml::from_str("[keys.list]\ndown = [\"ctrl-j\"]\n").unwrap();
        let m = Keymap::with_overrides(&cfg).unwrap();
        assert_eq!(m.keys_for(Layer::List, Action::Down), vec!["Ctrl-j"]);
        assert_eq!(m.keys_for(Layer::List, Action::Up).len(), 2);
        let bad: KeyConfig = toml::from_str("[keys.list]\ndown = [\"ctrl-nope\"]\n").unwrap();
        assert!(Keymap::with_overrides(&bad).is_err());
        assert!(toml::from_str::<KeyConfig>("[keys.list]\nfly = [\"x\"]\n").is_err());
    }
}
