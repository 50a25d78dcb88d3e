//! What the interface asks of the store. Key handling ([`super::app`],
//! [`super::update`] and the modals) changes only the interface's state
//! and queues effects; the [`super::runner::Runner`] carries them out
//! against the store and hands the results back to the state. So every
//! key can be tested, effect by effect, without a database.

use super::analyst::Job;
use super::form::Form;
use super::note::NotePrompt;
use super::stats::StatsView;
use crate::domain::{ItemKind, Link, Note};
use crate::exchange::conflicts::Choice;
use crate::store::refs::ItemRef;
use crate::xref::fuzzy::Suggestion;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub enum Effect {
    /// Every list's count and visible rows read again, then the item
    /// under the cursor shown.
    Reload,
    /// The rows at list `i`'s offset.
    Fetch(usize),
    /// The item under the focused list's cursor becomes current: its
    /// details and connections are read (nothing when it already is).
    Select,
    /// The current item's details and connections read again.
    Refresh,
    /// An item shown in its pane, its row under the cursor, and its
    /// connections; the Links pane's row put back when one is given.
    GoTo {
        item: ItemRef,
        links_cursor: Option<usize>,
    },
    /// List `pane`'s cursor put on the item `id` (a filter just dropped),
    /// on screen row `row` where it can be, and that item shown; the top
    /// of the list when the item is not in it.
    Reveal {
        pane: usize,
        id: Uuid,
        row: usize,
    },
    /// The item shown opened in the Links pane: its details and
    /// connections read again; if it was deleted elsewhere, the opening
    /// is undone.
    Open(ItemRef),
    /// A note found by search: the item it is written on is shown.
    GoToNoteSubject(Uuid),
    /// A live filter of list `pane` (by the searcher off the input thread).
    Filter {
        pane: usize,
        kind: ItemKind,
        query: String,
    },
    /// The texts of a kind loaded ahead of a filter.
    Warm(ItemKind),
    /// The open picker's query searched.
    PickerSearch {
        query: String,
        kind: Option<ItemKind>,
    },
    /// The shortest chain between two items, as a report.
    Path {
        from: ItemRef,
        to: ItemRef,
    },
    /// An item's audit history, as a report.
    History(ItemRef),
    /// What surrounds an item, drawn as a tree.
    Neighbourhood(ItemRef),
    /// A form filled with a record's stored values.
    EditForm(ItemRef),
    /// A new parcel's form, in the case of the item given (a case, or a
    /// parcel in one).
    NewParcelBeside(ItemRef),
    SaveForm(Box<Form>),
    /// A note checked and made; the prompt comes back on failure.
    SaveNote(Box<NotePrompt>, Box<Note>),
    CreateLink(Box<Link>, ItemRef, ItemRef),
    Delete(ItemRef),
    /// Suggested name matches around an item (or everywhere).
    Matches(Option<Uuid>),
    /// The hits of screening, newest first.
    Hits,
    ConfirmMatch(Box<Suggestion>),
    RejectMatch(Box<Suggestion>),
    Conflicts,
    Resolve {
        conflict: i64,
        choice: Choice,
    },
    /// A counts view opened; a filtered pane's matches (kind and ids)
    /// become the items it counts.
    OpenStats {
        view: Box<StatsView>,
        hits: Option<Vec<(ItemKind, Uuid)>>,
    },
    /// A count handed to the analyst worker.
    Count(Job),
    LoadDemo,
}

impl Effect {
    /// What a write asks, in words, for the status line while it waits
    /// for the notebook (`None`: the effect writes nothing).
    pub fn writing(&self) -> Option<&'static str> {
        match self {
            Effect::SaveForm(_) => Some("saving"),
            Effect::SaveNote(..) => Some("saving the note"),
            Effect::CreateLink(..) => Some("linking"),
            Effect::Delete(_) => Some("deleting"),
            Effect::ConfirmMatch(_) | Effect::RejectMatch(_) => Some("recording the match"),
            Effect::Resolve { .. } => Some("settling the conflict"),
            Effect::LoadDemo => Some("loading the demo"),
            _ => None,
        }
    }
}
