//! Create and edit forms, generated from the record kinds' field tables.
//! Each field is checked by the same domain rules as the command line; a
//! message appears on the field (e.g. the expected S10 check digit).

use crate::domain::fields::{FieldError, FieldSpec};
use crate::domain::record::{get_field, new_record, set_fields};
use crate::domain::{Case, Finding, ItemKind, Link, Note, Parcel, Record, Substance};
use crate::store::refs::ItemRef;
use crate::store::{Result, Store, StoreError, create, records};
use rusqlite::Connection;
use uuid::Uuid;

/// The case a new parcel goes into: not a field of the parcel (a case
/// includes it by a link), asked for on its form all the same.
pub static CASE_FIELD: FieldSpec =
    FieldSpec::new("case", "In case", crate::domain::fields::FieldKind::Text);

#[derive(Debug, Clone)]
pub struct FormField {
    pub spec: &'static FieldSpec,
    pub value: String,
    pub error: Option<String>,
    pub warning: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Form {
    pub kind: ItemKind,
    pub editing: Option<Uuid>,
    /// For a new finding: the parcel and the substance found in it.
    pub finding_of: Option<(ItemRef, ItemRef)>,
    /// For a new piece of evidence: what it is about (the parcel of an
    /// inspection, exhibit or delivery; the exhibit of a hand-over; the
    /// finding of a lab result).
    pub parent: Option<ItemRef>,
    pub fields: Vec<FormField>,
    pub focus: usize,
    /// Where the caret stands in the focused field (characters).
    pub caret: usize,
    pub error: Option<String>,
    /// An edit form: each field's value as the record held it when the
    /// form opened (or as last seen after a clash), by field name. A save
    /// writes only the fields changed from these, and refuses when
    /// someone else changed one of them since.
    pub seen: Vec<(&'static str, String)>,
    /// Whether anything was typed into the form since it opened, and
    /// whether the user was told that cancelling now loses it: the first
    /// cancel of a form typed into says so, the second discards it.
    pub typed: bool,
    pub discard_told: bool,
}

/// A field this form changed that someone else changed too since the
/// form opened.
#[derive(Debug, Clone)]
struct Clash {
    field: &'static str,
    now: String,
    by: String,
    at: String,
}

/// What a save of an edit form works from: the record, the values the
/// form saw, and where clashes found in the write are put.
struct Editing<'a> {
    id: Uuid,
    seen: &'a [(&'static str, String)],
    clashes: std::cell::RefCell<Vec<Clash>>,
}

impl Form {
    /// A blank form for a new item of a kind (links and notes have their
    /// own quicker ways in, findings start from [`Form::new_finding`]).
    pub fn new(kind: ItemKind) -> Form {
        let mut form = Form {
            kind,
            editing: None,
            finding_of: None,
            parent: None,
            fields: crate::domain::fields_of(kind)
                .iter()
                .map(|spec| FormField {
                    spec,
                    value: spec
                        .default
                        .map(|d| {
                            if d == "today" {
                                jiff::ZonedDateTime::now().date().to_string()
                            } else if d == "now" {
                                crate::domain::fields::parse_date_time("now").unwrap_or_default()
                            } else {
                                d.to_string()
                            }
                        })
                        .unwrap_or_default(),
                    error: None,
                    warning: None,
                })
                .collect(),
            focus: 0,
            caret: 0,
            error: None,
            seen: Vec::new(),
            typed: false,
            discard_told: false,
        };
        // The caret at the end of a value filled in ahead, as on every
        // field moved to: typing adds to it.
        form.focus_on(0);
        form
    }

    /// A new parcel, in a case when one is given (its reference).
    pub fn new_parcel(case: Option<String>) -> Form {
        let mut f = Form::new(ItemKind::Parcel);
        f.fields.push(FormField {
            spec: &CASE_FIELD,
            value: case.unwrap_or_default(),
            error: None,
            warning: None,
        });
        f
    }

    pub fn new_finding(parcel: ItemRef, substance: ItemRef) -> Form {
        let mut f = Form::new(ItemKind::Finding);
        f.finding_of = Some((parcel, substance));
        f
    }

    /// A new piece of evidence about `parent`.
    pub fn new_under(kind: ItemKind, parent: ItemRef) -> Form {
        let mut f = Form::new(kind);
        f.parent = Some(parent);
        if kind == ItemKind::Document {
            // Read from the file when it is saved, not typed.
            f.fields
                .retain(|x| !matches!(x.spec.name, "sha256" | "size_bytes"));
        }
        f.focus_on(0);
        f
    }

    pub fn edit(conn: &Connection, item: &ItemRef) -> Result<Form> {
        fn load<R: Record>(conn: &Connection, id: Uuid, form: &mut Form) -> Result<()> {
            let r: R = records::must_get(conn, id)?;
            for f in &mut form.fields {
                f.value = get_field(&r, f.spec.name);
            }
            Ok(())
        }
        let mut form = Form::new(item.kind);
        form.editing = Some(item.id);
        crate::with_record_type!(item.kind, R => load::<R>(conn, item.id, &mut form)?);
        form.seen = form
            .fields
            .iter()
            .map(|f| (f.spec.name, f.value.clone()))
            .collect();
        form.focus_on(0);
        Ok(form)
    }

    pub fn title(&self) -> String {
        match (&self.editing, &self.finding_of) {
            (Some(_), _) => format!("Edit {}", self.kind),
            (None, Some((p, s))) => format!("{} found in {}", s.label, p.label),
            (None, None) => match &self.parent {
                Some(p) => format!("New {} of {}", self.kind, p.label),
                None => format!("New {}", self.kind),
            },
        }
    }

    /// The focused field's text, its caret, and the most characters its
    /// field holds.
    pub fn edit_target(&mut self) -> Option<(&mut String, &mut usize, usize)> {
        let f = self.fields.get_mut(self.focus)?;
        let cap = f.spec.max_chars();
        Some((&mut f.value, &mut self.caret, cap))
    }

    /// The focused field was edited: its message no longer applies.
    pub fn edited(&mut self) {
        if let Some(f) = self.fields.get_mut(self.focus) {
            f.error = None;
        }
        self.typed = true;
        self.discard_told = false;
    }

    /// Checks the field being left, then moves on.
    pub fn next(&mut self, forward: bool) {
        self.check(self.focus);
        let n = self.fields.len();
        self.focus_on(if forward {
            (self.focus + 1) % n
        } else {
            (self.focus + n - 1) % n
        });
    }

    fn check(&mut self, i: usize) -> bool {
        let Some(f) = self.fields.get_mut(i) else {
            return true;
        };
        if std::ptr::eq(f.spec, &CASE_FIELD) {
            return true;
        }
        match f.spec.parse(&f.value) {
            Ok(p) => {
                f.error = None;
                f.warning = p.warning;
                true
            }
            Err(e) => {
                f.error = Some(e.message);
                false
            }
        }
    }

    /// Puts the focus on field `i`, the caret at its end.
    fn focus_on(&mut self, i: usize) {
        self.focus = i.min(self.fields.len().saturating_sub(1));
        self.caret = self
            .fields
            .get(self.focus)
            .map_or(0, |f| super::text::end(&f.value));
    }

    fn mark(&mut self, e: &FieldError) {
        if let Some(i) = self.fields.iter().position(|f| f.spec.name == e.field) {
            self.fields[i].error = Some(e.message.clone());
            self.focus_on(i);
        } else {
            self.error = Some(e.to_string());
        }
    }

    /// Saves the form and returns the item with any warnings; `None` when
    /// it was not saved, with the messages on the fields.
    pub fn save(&mut self, store: &mut Store) -> Option<(ItemRef, Vec<String>)> {
        self.error = None;
        let mut ok = true;
        for i in 0..self.fields.len() {
            ok &= self.check(i);
        }
        if !ok {
            let at = self
                .fields
                .iter()
                .position(|f| f.error.is_some())
                .unwrap_or(0);
            self.focus_on(at);
            return None;
        }
        // An edit writes only the fields it changed, onto the record as
        // it is stored now (another person's change to another field
        // stays).
        let changed = |f: &&FormField| {
            self.editing.is_none()
                || self
                    .seen
                    .iter()
                    .find(|(n, _)| *n == f.spec.name)
                    .is_none_or(|(_, v)| *v != f.value)
        };
        let pairs: Vec<(&str, &str)> = self
            .fields
            .iter()
            .filter(|f| !std::ptr::eq(f.spec, &CASE_FIELD))
            .filter(changed)
            .map(|f| (f.spec.name, f.value.as_str()))
            .collect();
        let edit = self.editing.map(|id| Editing {
            id,
            seen: &self.seen,
            clashes: Default::default(),
        });
        let case = self
            .fields
            .iter()
            .find(|f| std::ptr::eq(f.spec, &CASE_FIELD))
            .map(|f| f.value.trim().to_string())
            .filter(|v| !v.is_empty());
        // The case a new parcel went into, as its reference (the field
        // may hold it in other letters or spacing).
        let mut into: Option<String> = None;
        let result = match self.kind {
            ItemKind::Parcel => save_as::<Parcel>(store, edit.as_ref(), &pairs, |w, p| {
                // The case is found first, so that a wrong reference saves
                // nothing and is said on its field.
                let case = case
                    .as_deref()
                    .map(|c| {
                        crate::store::refs::resolve_kind(&w.tx, c, ItemKind::Case).map_err(|e| {
                            StoreError::Invalid(FieldError {
                                field: "case".into(),
                                message: e.to_string(),
                            })
                        })
                    })
                    .transpose()?;
                let warnings = create::parcel(w, p)?;
                if let Some(c) = case {
                    create::include_in_case(w, c.id, p.meta.id)?;
                    into = Some(c.label);
                }
                Ok(warnings)
            }),
            ItemKind::Substance => {
                save_as::<Substance>(store, edit.as_ref(), &pairs, create::substance)
            }
            ItemKind::Finding => {
                let ends = self.finding_of.as_ref().map(|(p, s)| (p.id, s.id));
                save_as::<Finding>(store, edit.as_ref(), &pairs, |w, f| match ends {
                    Some((p, s)) => {
                        f.parcel_id = p;
                        f.substance_id = s;
                        create::finding(w, f)
                    }
                    None => Err(StoreError::NotFound(
                        "a finding needs its parcel and substance".into(),
                    )),
                })
            }
            ItemKind::Link => save_as::<Link>(store, edit.as_ref(), &pairs, |_, _| {
                Err(StoreError::NotFound(
                    "links are made with the link key".into(),
                ))
            }),
            ItemKind::Note => save_as::<Note>(store, edit.as_ref(), &pairs, |_, _| {
                Err(StoreError::NotFound(
                    "notes are added with the note key".into(),
                ))
            }),
            ItemKind::Case => save_as::<Case>(store, edit.as_ref(), &pairs, create::case),
            ItemKind::Person => {
                save_as::<crate::domain::Person>(store, edit.as_ref(), &pairs, |w, p| {
                    crate::store::records::insert(w, p)
                })
            }
            ItemKind::Organisation => {
                save_as::<crate::domain::Organisation>(store, edit.as_ref(), &pairs, |w, o| {
                    crate::store::records::insert(w, o)
                })
            }
            ItemKind::Document if self.editing.is_none() => {
                let parent = self.parent.as_ref().map(|p| p.id);
                let file = match read_document(&pairs) {
                    Ok(f) => f,
                    Err(e) => {
                        self.mark(&e);
                        return None;
                    }
                };
                let mut with_hash: Vec<(&str, &str)> = pairs
                    .iter()
                    .filter(|(k, _)| *k != "path")
                    .copied()
                    .collect();
                let size = file.size.to_string();
                with_hash.extend([
                    ("path", file.path.as_str()),
                    ("sha256", file.sha256.as_str()),
                    ("size_bytes", size.as_str()),
                ]);
                save_as::<crate::domain::evidence::Document>(store, None, &with_hash, |w, d| {
                    match parent {
                        Some(p) => crate::evidence::add_document(w, p, d, file.bytes.as_deref()),
                        None => Err(StoreError::NotFound(
                            "a document is added from the detail of what it is about".into(),
                        )),
                    }
                })
            }
            kind => {
                let parent = self.parent.as_ref().map(|p| p.id);
                crate::with_record_type!(kind, R => save_as::<R>(store, edit.as_ref(), &pairs, |w, r| match parent {
                    Some(p) => crate::evidence::add(w, p, r),
                    None => Err(StoreError::NotFound(format!(
                        "a {kind} is added from the detail of what it is about"
                    ))),
                }))
            }
        };
        let clashes = edit.map(|e| e.clashes.into_inner()).unwrap_or_default();
        if !clashes.is_empty() {
            self.clashed(&clashes);
            return None;
        }
        match result {
            Ok(v) => {
                if let (Some(c), Some(f)) = (
                    into,
                    self.fields
                        .iter_mut()
                        .find(|f| std::ptr::eq(f.spec, &CASE_FIELD)),
                ) {
                    f.value = c;
                }
                Some(v)
            }
            Err(StoreError::Invalid(e)) => {
                self.mark(&e);
                None
            }
            Err(StoreError::Duplicate(m)) if m.starts_with("tracking:") => {
                self.mark(&FieldError {
                    field: "tracking".into(),
                    message: m.trim_start_matches("tracking:").trim().to_string(),
                });
                None
            }
            Err(e) => {
                self.error = Some(e.to_string());
                None
            }
        }
    }
}

impl Form {
    /// Someone else changed fields this form changed too: nothing was
    /// written. Each such field says who changed it, when, and to what;
    /// the form keeps the user's text, and now counts the stored value
    /// as seen, so a second save replaces it knowingly.
    fn clashed(&mut self, clashes: &[Clash]) {
        let mut names = Vec::new();
        for c in clashes {
            let Some(i) = self.fields.iter().position(|f| f.spec.name == c.field) else {
                continue;
            };
            let label = self.fields[i].spec.label;
            self.fields[i].error = Some(format!(
                "changed by {} at {} since this form opened, to {:?}",
                c.by, c.at, c.now
            ));
            if let Some(s) = self.seen.iter_mut().find(|(n, _)| *n == c.field) {
                s.1 = c.now.clone();
            }
            names.push(label);
        }
        let first = &clashes[0];
        self.error = Some(format!(
            "not saved: {} changed by {} at {} since this form opened; save again to replace it with yours",
            names.join(", "),
            first.by,
            first.at
        ));
        if let Some(i) = self.fields.iter().position(|f| f.spec.name == first.field) {
            self.focus_on(i);
        }
    }
}

/// A document's file as the form names it: read and hashed now (its
/// bytes too when it is to be kept in the notebook).
struct DocumentFile {
    path: String,
    sha256: String,
    size: u64,
    bytes: Option<Vec<u8>>,
}

fn read_document(pairs: &[(&str, &str)]) -> std::result::Result<DocumentFile, FieldError> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.trim())
            .unwrap_or("")
    };
    let bad = |field: &str, message: String| FieldError {
        field: field.into(),
        message,
    };
    let raw = get("path");
    if raw.is_empty() {
        return Err(bad("path", "is required".into()));
    }
    let path = std::path::absolute(raw).map_err(|e| bad("path", e.to_string()))?;
    let (sha256, size) = crate::evidence::files::hash_file(&path)
        .map_err(|e| bad("path", format!("cannot read {}: {e}", path.display())))?;
    let bytes = if get("embedded").eq_ignore_ascii_case("yes") {
        let b = std::fs::read(&path).map_err(|e| bad("path", e.to_string()))?;
        if crate::evidence::files::sha256_hex(&b) != sha256 {
            return Err(bad("path", "the file changed while it was read".into()));
        }
        Some(b)
    } else {
        None
    };
    Ok(DocumentFile {
        path: path.to_string_lossy().into_owned(),
        sha256,
        size,
        bytes,
    })
}

fn save_as<R: Record>(
    store: &mut Store,
    editing: Option<&Editing<'_>>,
    pairs: &[(&str, &str)],
    create: impl FnOnce(&mut crate::store::Writer<'_>, &mut R) -> Result<Vec<String>>,
) -> Result<(ItemRef, Vec<String>)> {
    store.write(|w| {
        let (rec, warnings) = match editing {
            Some(edit) => {
                let mut rec: R = records::must_get(&w.tx, edit.id)?;
                // Each field written must be as the form saw it: else
                // someone changed it since, and nothing is written.
                let clashes: Vec<Clash> = pairs
                    .iter()
                    .filter_map(|(name, _)| {
                        let (field, seen) = edit.seen.iter().find(|(n, _)| n == name)?;
                        let now = get_field(&rec, name);
                        (now != *seen).then(|| Clash {
                            field,
                            now,
                            by: rec.meta().updated_by.clone(),
                            at: rec.meta().updated_at.clone(),
                        })
                    })
                    .collect();
                if !clashes.is_empty() {
                    let first = clashes[0].field;
                    edit.clashes.replace(clashes);
                    return Err(StoreError::Invalid(FieldError {
                        field: first.into(),
                        message: "changed by someone else since the form opened".into(),
                    }));
                }
                if pairs.is_empty() {
                    // Nothing changed: nothing to write.
                    return Ok((
                        ItemRef {
                            kind: R::KIND,
                            id: rec.meta().id,
                            label: rec.label(),
                        },
                        Vec::new(),
                    ));
                }
                let mut warnings = set_fields(&mut rec, pairs)?;
                warnings.extend(records::update(w, &mut rec)?.1);
                (rec, warnings)
            }
            None => {
                let (mut rec, mut warnings) = new_record::<R>(pairs)?;
                warnings.extend(create(w, &mut rec)?);
                (rec, warnings)
            }
        };
        Ok((
            ItemRef {
                kind: R::KIND,
                id: rec.meta().id,
                label: rec.label(),
            },
            warnings,
        ))
    })
}

impl super::app::App {
    /// The keys of an open form.
    pub(super) fn form_action(&mut self, a: super::keymap::Action) -> bool {
        use super::app::Modal;
        use super::keymap::Action;
        match a {
            Action::Save => {
                if let Modal::Form(f) = std::mem::replace(&mut self.modal, Modal::None) {
                    self.ask(super::effect::Effect::SaveForm(f));
                }
            }
            Action::NextField | Action::PrevField => {
                if let Modal::Form(f) = &mut self.modal {
                    f.next(a == Action::NextField);
                }
            }
            Action::Cancel => self.cancel_typed(),
            _ => return false,
        }
        true
    }

    /// Cancels the form or note prompt open, unless something was typed
    /// into it and the user was not told yet that cancelling loses it:
    /// then it says so, with the keys that discard and save (as the
    /// keymap has them), and a second cancel discards it.
    pub(super) fn cancel_typed(&mut self) {
        if self.unsaved_told(super::keymap::Action::Cancel) {
            self.modal = super::app::Modal::None;
        }
    }

    /// Quits, unless a form or note prompt is open with something typed
    /// into it and the user was not told yet that quitting loses it (a
    /// `Ctrl-c` from shell habit threw a filled form away): then it says
    /// so, and a second quit quits.
    pub(super) fn quit_typed(&mut self) {
        if self.unsaved_told(super::keymap::Action::Quit) {
            self.quit = true;
        }
    }

    /// Whether the open form or note prompt may be left by `leave`
    /// (cancel or quit) without a word: nothing typed into it, or the user
    /// told already. Else it says what a second `leave` does, with the
    /// keys that do it and that save (as the keymap has them).
    fn unsaved_told(&mut self, leave: super::keymap::Action) -> bool {
        use super::app::Modal;
        use super::keymap::{Action, Layer};
        let (layer, save) = match self.modal {
            Modal::Note(_) => (Layer::Prompt, Action::Confirm),
            _ => (Layer::Form, Action::Save),
        };
        // (A key of one character types it into the field.)
        let key = |a: Action| {
            self.keymap
                .keys_for(layer, a)
                .into_iter()
                .chain(
                    self.keymap
                        .keys_for(Layer::Global, a)
                        .into_iter()
                        .filter(|k| k.chars().count() > 1),
                )
                .next()
                .unwrap_or_else(|| a.description().to_string())
        };
        let told = format!(
            "not saved: {} again {} what was typed here, {} saves it",
            key(leave),
            if leave == Action::Quit {
                "quits and discards"
            } else {
                "discards"
            },
            key(save)
        );
        let (typed, warned, error) = match &mut self.modal {
            Modal::Form(f) => (f.typed, &mut f.discard_told, &mut f.error),
            Modal::Note(p) => (p.typed, &mut p.discard_told, &mut p.error),
            _ => (false, &mut false, &mut None),
        };
        if typed && !*warned {
            *warned = true;
            *error = Some(told);
            false
        } else {
            true
        }
    }

    /// What the runner's save of a form came to: the item shown, or the
    /// form back with its errors. `notes` are what else the save found
    /// (a screening hit, a known person named), said after it.
    pub(super) fn form_saved(
        &mut self,
        f: Box<Form>,
        saved: Option<(ItemRef, Vec<String>)>,
        notes: Vec<String>,
    ) {
        match saved {
            Some((item, warnings)) => {
                let verb = if f.editing.is_some() {
                    "saved"
                } else {
                    "created"
                };
                // Each warning and note once, and only while it is new:
                // saving the item again with the same cause says nothing
                // more of it.
                let mut fresh = self.fresh_notices(item.id, warnings.iter().chain(&notes));
                let mut take =
                    |n: &String| fresh.iter().position(|f| f == n).map(|i| fresh.remove(i));
                let warnings: Vec<String> = warnings.iter().filter_map(&mut take).collect();
                let notes: Vec<String> = notes.iter().filter_map(&mut take).collect();
                let mut msg = format!("{verb} {}", item.named());
                // A warning before anything else said (at 80 columns the
                // case's title after the item filled the status line, and
                // the warning was what was cut).
                if !warnings.is_empty() {
                    msg.push_str(&format!(" (warning: {})", warnings.join("; ")));
                }
                // A new parcel says the case it went into.
                let case = f
                    .fields
                    .iter()
                    .find(|x| std::ptr::eq(x.spec, &CASE_FIELD))
                    .map(|x| x.value.trim())
                    .filter(|c| !c.is_empty() && f.editing.is_none());
                if let Some(c) = case {
                    msg.push_str(&format!(" in case {c}"));
                }
                self.reload();
                // A parcel added from the Links pane (of its case, or of a
                // parcel of it) leaves it there, so that the next `a` adds
                // to the same case: it went to the Parcels pane, and the
                // parcels logged after it went into no case, unsaid.
                let beside = self.pane == super::app::Pane::Links && case.is_some();
                if !beside
                    && matches!(
                        item.kind,
                        ItemKind::Case | ItemKind::Parcel | ItemKind::Substance
                    )
                {
                    self.go_to(item, true);
                } else {
                    self.refresh_current();
                }
                self.info(msg);
                if !notes.is_empty() {
                    self.info(notes.join(" · "));
                }
            }
            None => {
                // Why it was not saved, in the log too (it kept only
                // "saving…"; the form says it beside its fields).
                if let Some(e) = f.error.clone() {
                    self.error(e);
                }
                self.modal = super::app::Modal::Form(f);
            }
        }
    }

    /// Of the notices a save of an item gave, those not given at its
    /// last save, each once: a warning is said once while its cause
    /// lasts, and again if the cause goes and comes back.
    pub(super) fn fresh_notices<'a>(
        &mut self,
        id: Uuid,
        notices: impl Iterator<Item = &'a String>,
    ) -> Vec<String> {
        let mut now: Vec<String> = Vec::new();
        for n in notices {
            if !now.contains(n) {
                now.push(n.clone());
            }
        }
        let before = self.notices.insert(id, now.clone()).unwrap_or_default();
        now.retain(|n| !before.contains(n));
        now
    }
}
