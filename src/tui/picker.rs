//! Pickers: fuzzy-pick an item (to jump to, to link to, to find a path to,
//! the substance found in a parcel) or a link's type; state, keys and
//! drawing.

use super::app::{App, Modal, move_in};
use super::draw::{block, centered, fit};
use super::effect::Effect;
use super::form::Form;
use super::keymap::Action;
use crate::domain::record::new_record;
use crate::domain::{ItemKind, Link};
use crate::store::refs::ItemRef;
use crate::store::search::Hit;
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

#[derive(Debug, Clone)]
pub enum PickerPurpose {
    Jump,
    /// The other end of a path from this item.
    PathFrom(ItemRef),
    /// The substance found in a parcel.
    FindingIn(ItemRef),
    LinkFrom(ItemRef),
    /// Second step of a link: its type.
    LinkType {
        from: ItemRef,
        to: ItemRef,
    },
    /// The kind of evidence to record about an item.
    Evidence {
        about: ItemRef,
        kinds: Vec<ItemKind>,
    },
}

/// What evidence is recorded about an item of a kind, and how it is said.
pub fn evidence_kinds(kind: ItemKind) -> Vec<(ItemKind, &'static str)> {
    let mut v = match kind {
        ItemKind::Parcel => vec![
            (
                ItemKind::Inspection,
                "inspection: when, where, how it was selected, field test",
            ),
            (
                ItemKind::Exhibit,
                "exhibit or sample: number, seal, weights",
            ),
            (
                ItemKind::Delivery,
                "controlled delivery: how it ended, arrests",
            ),
        ],
        ItemKind::Exhibit => vec![(
            ItemKind::Custody,
            "custody hand-over (appended, never edited)",
        )],
        ItemKind::Finding => vec![(ItemKind::LabResult, "laboratory result")],
        _ => Vec::new(),
    };
    // A photo or document goes on anything but a link, a hand-over or
    // another document.
    if !matches!(
        kind,
        ItemKind::Link | ItemKind::Custody | ItemKind::Document
    ) {
        v.push((
            ItemKind::Document,
            "photo or document: a file by its path, hashed now",
        ));
    }
    v
}

#[derive(Debug, Clone)]
pub struct Picker {
    pub purpose: PickerPurpose,
    pub query: String,
    /// Where the caret stands in the query (characters).
    pub caret: usize,
    pub hits: Vec<Hit>,
    pub cursor: usize,
}

impl App {
    /// Opens a picker with an empty query.
    pub(super) fn open_picker(&mut self, purpose: PickerPurpose) {
        self.modal = Modal::Picker(Picker {
            purpose,
            query: String::new(),
            caret: 0,
            hits: Vec::new(),
            cursor: 0,
        });
    }

    /// The keys of an open picker.
    pub(super) fn picker_action(&mut self, a: Action) -> bool {
        match a {
            Action::Down
            | Action::Up
            | Action::Top
            | Action::Bottom
            | Action::PageDown
            | Action::PageUp => {
                let page = self.page;
                if let Modal::Picker(p) = &mut self.modal {
                    let len = picker_len(p);
                    move_in(&mut p.cursor, len, a, page);
                }
            }
            Action::Confirm => {
                if let Modal::Picker(p) = std::mem::replace(&mut self.modal, Modal::None) {
                    self.pick(p);
                }
            }
            Action::Cancel => self.modal = Modal::None,
            _ => return false,
        }
        true
    }

    /// The picker's query searched again (by the runner).
    pub(super) fn run_picker(&mut self) {
        let Modal::Picker(p) = &mut self.modal else {
            return;
        };
        p.cursor = 0;
        let kind = match p.purpose {
            PickerPurpose::FindingIn(_) => Some(ItemKind::Substance),
            _ => None,
        };
        let query = p.query.clone();
        self.ask(Effect::PickerSearch { query, kind });
    }

    /// What a search found for the picker, if it is still open on that
    /// query.
    pub(super) fn picker_hits(&mut self, query: &str, hits: Vec<Hit>) {
        if let Modal::Picker(p) = self.modal_under_help()
            && p.query == query
        {
            // The other end of a link or path is never the item itself
            // (offered, it was refused only once its type was chosen, and
            // the query typed was gone).
            let own = match &p.purpose {
                PickerPurpose::LinkFrom(from) | PickerPurpose::PathFrom(from) => Some(from.id),
                _ => None,
            };
            p.hits = hits.into_iter().filter(|h| Some(h.id) != own).collect();
            p.cursor = 0;
        }
    }

    pub(super) fn pick(&mut self, p: Picker) {
        let hit = p.hits.get(p.cursor).map(|h| ItemRef {
            kind: h.kind,
            id: h.id,
            label: h.label.clone(),
        });
        match (p.purpose.clone(), hit) {
            (PickerPurpose::Jump, Some(item)) if item.kind == ItemKind::Note => {
                self.ask(Effect::GoToNoteSubject(item.id))
            }
            (PickerPurpose::Jump, Some(item)) => self.go_to(item, true),
            (PickerPurpose::Jump, None) => {}
            (PickerPurpose::PathFrom(from), Some(to)) => self.ask(Effect::Path { from, to }),
            (PickerPurpose::FindingIn(parcel), Some(substance)) => {
                self.modal = Modal::Form(Box::new(Form::new_finding(parcel, substance)));
            }
            (PickerPurpose::LinkFrom(from), Some(to)) => {
                self.open_picker(PickerPurpose::LinkType { from, to });
            }
            (PickerPurpose::Evidence { about, kinds }, _) => {
                let kind = kinds[p.cursor.min(kinds.len() - 1)];
                self.modal = Modal::Form(Box::new(Form::new_under(kind, about)));
            }
            (PickerPurpose::LinkType { from, to }, _) => {
                let types = Link::types_between(from.kind, to.kind);
                let Some(t) = types
                    .get(p.cursor.min(types.len().saturating_sub(1)))
                    .copied()
                else {
                    return;
                };
                let (from, to) = if t == "includes"
                    && from.kind != ItemKind::Case
                    && to.kind == ItemKind::Case
                {
                    (to, from)
                } else {
                    (from, to)
                };
                match new_record::<Link>(&[("link_type", t)]) {
                    Ok((mut l, _)) => {
                        l.from_id = from.id;
                        l.to_id = to.id;
                        self.ask(Effect::CreateLink(Box::new(l), from, to));
                    }
                    Err(e) => self.error(e.to_string()),
                }
            }
            // Nothing under the cursor: the picker stays.
            (_, None) => self.modal = Modal::Picker(p),
        }
    }
}

impl App {
    /// The store refused a link as chosen: its type does not fit its ends
    /// (an includes link between two parcels), or its other end is the
    /// item itself. The choice the refusal is about opens again, the
    /// first choice kept, with the reason on the status line.
    pub(super) fn link_refused(
        &mut self,
        from: ItemRef,
        to: ItemRef,
        link_type: &str,
        e: &crate::domain::fields::FieldError,
    ) {
        if e.field == "to" {
            self.open_picker(PickerPurpose::LinkFrom(from));
            self.error(format!("{}: choose another item, or Esc", e.message));
            return;
        }
        let (from_kind, to_kind) = (from.kind, to.kind);
        self.open_picker(PickerPurpose::LinkType { from, to });
        if let Modal::Picker(p) = &mut self.modal {
            p.cursor = Link::types_between(from_kind, to_kind)
                .iter()
                .position(|t| *t == link_type)
                .unwrap_or(0);
        }
        self.error(format!("{}: choose another type, or Esc", e.message));
    }
}

impl Picker {
    /// A list to choose from, with no query typed (a link's type, the
    /// kind of evidence).
    pub fn is_choice(&self) -> bool {
        matches!(
            self.purpose,
            PickerPurpose::LinkType { .. } | PickerPurpose::Evidence { .. }
        )
    }
}

pub fn picker_len(p: &Picker) -> usize {
    match p.purpose {
        PickerPurpose::LinkType { ref from, ref to } => {
            Link::types_between(from.kind, to.kind).len()
        }
        PickerPurpose::Evidence { ref kinds, .. } => kinds.len(),
        _ => p.hits.len(),
    }
}

pub fn draw_picker(f: &mut Frame<'_>, app: &App, p: &Picker) {
    let area = centered(f.area(), 78, f.area().height.saturating_sub(4).min(20));
    let w = area.width.saturating_sub(2) as usize;
    let (title, mut lines) = match &p.purpose {
        PickerPurpose::LinkType { from, to } => (
            format!(
                " Link {} to {}: type ",
                fit(&from.label, 20),
                fit(&to.label, 20)
            ),
            Link::types_between(from.kind, to.kind)
                .iter()
                .map(|t| Line::from(format!("  {t}")))
                .collect::<Vec<_>>(),
        ),
        PickerPurpose::Evidence { about, .. } => (
            format!(" Record about {}: ", fit(&about.label, 40)),
            evidence_kinds(about.kind)
                .into_iter()
                .map(|(_, t)| Line::from(format!("  {t}")))
                .collect::<Vec<_>>(),
        ),
        purpose => {
            let title = match purpose {
                PickerPurpose::LinkFrom(from) => format!(" Link {} to… ", fit(&from.label, 30)),
                PickerPurpose::FindingIn(p) => {
                    format!(" Substance found in {} ", fit(&p.label, 30))
                }
                PickerPurpose::PathFrom(from) => {
                    format!(" Path from {} to… ", fit(&from.label, 30))
                }
                _ => " Search everything ".into(),
            };
            let mut lines = vec![Line::from(vec![
                Span::styled("> ", app.theme.key()),
                Span::raw(super::text::window(&p.query, p.caret, w.saturating_sub(2))),
            ])];
            for h in &p.hits {
                lines.push(Line::from(vec![
                    Span::styled(format!("  {:9} ", h.kind.as_str()), app.theme.dim()),
                    Span::raw(fit(
                        &format!("{}  {}", h.label, h.snippet(40)),
                        w.saturating_sub(12),
                    )),
                ]));
            }
            if p.hits.is_empty() && !p.query.is_empty() {
                lines.push(Line::from(Span::styled(
                    "  nothing matches",
                    app.theme.dim(),
                )));
            }
            (title, lines)
        }
    };
    let offset = if matches!(
        p.purpose,
        PickerPurpose::LinkType { .. } | PickerPurpose::Evidence { .. }
    ) {
        0
    } else {
        1
    };
    if picker_len(p) > 0
        && let Some(l) = lines.get_mut(p.cursor + offset)
    {
        *l = l.clone().style(app.theme.selected());
    }
    let inner_h = area.height.saturating_sub(2) as usize;
    let skip = (p.cursor + offset + 1).saturating_sub(inner_h);
    super::draw::clear_popup(f, area);
    f.render_widget(
        Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>())
            .block(block(app, title, true)),
        area,
    );
}
