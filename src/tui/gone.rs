//! Items deleted elsewhere: by the same user in another window, or by a
//! colleague on the shared notebook, while this interface still showed
//! them (in a filter's matches, the Links pane, a report, the history of
//! hops) or had a form or prompt open on them. Acting on one says so,
//! naming it and who deleted it, forgets it, and reads the lists again;
//! what the user typed is kept where it can be.

use super::app::{App, ListState, Pane, Place};
use super::data::Row;
use super::form::Form;
use crate::domain::ItemKind;
use crate::store::refs::ItemRef;
use rusqlite::Connection;
use uuid::Uuid;

/// Whether an item is in the notebook (a failed read counts as there, so
/// that its own error is said instead).
pub fn exists(conn: &Connection, kind: ItemKind, id: Uuid) -> bool {
    crate::store::records::count_where(conn, kind, "id = ?1", [id]).map_or(true, |n| n > 0)
}

/// Who deleted an item and when, as its history records it.
pub fn deleted_by(conn: &Connection, id: Uuid) -> Option<String> {
    let entries = crate::store::audit::history(conn, id).ok()?;
    let e = entries.iter().rev().find(|e| e.action == "delete")?;
    let at = e.at.get(..16).unwrap_or(&e.at).replace('T', " ");
    Some(format!("by {} at {at}", e.actor))
}

/// An item as a message names it.
pub fn named(item: &ItemRef) -> String {
    if item.label.trim().is_empty() {
        format!("that {}", item.kind)
    } else {
        item.named()
    }
}

/// What is said of an item deleted elsewhere.
fn message(item: &ItemRef, by: Option<String>, then: &str) -> String {
    let by = by.map(|b| format!(" ({b})")).unwrap_or_default();
    format!("{} was deleted elsewhere{by}{then}", named(item))
}

/// A form whose save failed: if the record it edits, or an item it adds
/// to (the parcel of a finding or piece of evidence, the substance
/// found), was deleted elsewhere, the form says so, every value typed
/// kept, and the interface is told. The edit of a case, parcel or
/// substance becomes the form of a new one, which saving again adds.
pub fn form_gone(conn: &Connection, app: &mut App, f: &mut Form) {
    let shown = f
        .seen
        .first()
        .map(|(_, v)| v.clone())
        .or_else(|| f.fields.first().map(|x| x.value.clone()))
        .unwrap_or_default();
    let mut ends: Vec<(ItemRef, bool)> = Vec::new();
    if let Some(id) = f.editing {
        let item = ItemRef {
            kind: f.kind,
            id,
            label: shown,
        };
        ends.push((item, true));
    }
    ends.extend(f.parent.iter().map(|p| (p.clone(), false)));
    if let Some((p, s)) = &f.finding_of {
        ends.extend([(p.clone(), false), (s.clone(), false)]);
    }
    let kind = f.kind;
    let Some((item, edited)) = ends.into_iter().find(|(i, _)| !exists(conn, i.kind, i.id)) else {
        return;
    };
    let then = if edited
        && matches!(
            kind,
            ItemKind::Case | ItemKind::Parcel | ItemKind::Substance
        ) {
        f.editing = None;
        f.seen.clear();
        format!(
            " since this form opened: nothing was saved; save again to add what the form holds as a new {kind}, or Esc to drop it"
        )
    } else if edited {
        ": nothing was saved (Esc closes the form)".to_string()
    } else {
        format!(": the new {kind} was not saved (Esc closes the form)")
    };
    let by = deleted_by(conn, item.id);
    f.error = Some(message(&item, by.clone(), &then));
    app.gone_elsewhere(&item, by, &then);
}

/// If `item` is no longer in the notebook, tells the interface (see
/// [`App::gone_elsewhere`]), with `then` said after; true when it is
/// gone.
pub fn check(conn: &Connection, app: &mut App, item: &ItemRef, then: &str) -> bool {
    if exists(conn, item.kind, item.id) {
        return false;
    }
    app.gone_elsewhere(item, deleted_by(conn, item.id), then);
    true
}

/// What a hop changes before the runner has looked the item up, to put
/// back if the item turns out to be gone: the pane, the history, and the
/// filter or subset of the list it would have cleared.
#[derive(Debug, Clone)]
pub struct NavUndo {
    pane: Pane,
    back: Vec<Place>,
    forward: Vec<Place>,
    links_cursor: usize,
    filter_typing: bool,
    /// The list whose filter the hop cleared, as it was.
    list: Option<(usize, ListState)>,
}

impl App {
    /// Notes where the user is, before a hop changes it (the first
    /// change of a key only).
    pub(super) fn before_hop(&mut self) {
        if self.nav_undo.is_none() {
            self.nav_undo = Some(NavUndo {
                pane: self.pane,
                back: self.back.clone(),
                forward: self.forward.clone(),
                links_cursor: self.links_cursor,
                filter_typing: self.filter_typing,
                list: None,
            });
        }
    }

    /// A hop is about to clear list `i`'s filter and subset: they are
    /// kept to put back.
    pub(super) fn keep_list_for_undo(&mut self, i: usize) {
        self.before_hop();
        if let Some(u) = self.nav_undo.as_mut()
            && u.list.is_none()
        {
            u.list = Some((i, self.lists[i].clone()));
        }
    }

    /// Puts back what the hop of this key changed (its item was gone).
    pub(super) fn undo_hop(&mut self) {
        let Some(u) = self.nav_undo.take() else {
            return;
        };
        self.pane = u.pane;
        self.back = u.back;
        self.forward = u.forward;
        self.links_cursor = u.links_cursor;
        self.filter_typing = u.filter_typing;
        if let Some((i, l)) = u.list {
            self.lists[i] = l;
        }
    }

    /// An item the interface showed or was asked to act on is no longer
    /// in the notebook: said, naming it (and who deleted it, when known),
    /// with `then` after; it leaves the history of hops and any filter's
    /// matches, stops being the item shown, and the lists are read again.
    pub(super) fn gone_elsewhere(&mut self, item: &ItemRef, by: Option<String>, then: &str) {
        self.error(message(item, by, then));
        self.back.retain(|p| p.item.id != item.id);
        self.forward.retain(|p| p.item.id != item.id);
        for i in 0..self.lists.len() {
            if self.lists[i].hits.iter().any(|r| r.id == item.id) {
                self.forget_hit(i, item.id);
            }
        }
        if self.current.as_ref().is_some_and(|c| c.id == item.id) {
            self.current = None;
            self.detail.clear();
            self.detail_scroll = 0;
            self.links.clear();
            self.links_cursor = 0;
            // In the Links pane, back to where the user was before it.
            if self.pane == Pane::Links
                && let Some(there) = self.back.pop()
            {
                self.return_to(there);
            }
        }
        self.reload();
        self.refresh_current();
    }

    /// Takes an item out of list `i`'s filter matches, the cursor staying
    /// on the row it was on (or the next one, if that was the item).
    pub(super) fn forget_hit(&mut self, i: usize, id: Uuid) {
        let l = &mut self.lists[i];
        let on: Option<Uuid> = l.selected().map(|r: &Row| r.id).filter(|r| *r != id);
        l.hits.retain(|r| r.id != id);
        if let Some(on) = on
            && let Some(at) = l.hits.iter().position(|r| r.id == on)
        {
            l.cursor = at;
        }
        self.clamp(i);
    }
}
