//! A photo or document on an item, referenced by its file's path and
//! SHA-256 (the file is not copied into the notebook unless asked), so
//! that a changed or missing file is noticed when it is shown.

use super::meta_access;
use crate::domain::fields::{FieldError, FieldKind::*, FieldSpec};
use crate::domain::text::search_fields;
use crate::domain::{ItemKind, Meta, Record};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const DOC_KINDS: &[&str] = &[
    "photo",
    "x-ray-image",
    "document",
    "lab-report",
    "label",
    "video",
    "other",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(default = "default_kind")]
    pub item_kind: ItemKind,
    #[serde(default)]
    pub item_id: Uuid,
    pub path: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
    pub size_bytes: Option<f64>,
    pub doc_kind: String,
    pub description: Option<String>,
    /// `yes` when the bytes are kept in the notebook as well.
    pub embedded: String,
}

fn default_kind() -> ItemKind {
    ItemKind::Parcel
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec::new("path", "File", Text).required(),
    FieldSpec::new("sha256", "SHA-256", Text).required(),
    FieldSpec::new("size_bytes", "Size (bytes)", Amount),
    FieldSpec::new("doc_kind", "Kind", Choice(DOC_KINDS))
        .required()
        .default("document"),
    FieldSpec::new("description", "Description", Text),
    FieldSpec::new(
        "embedded",
        "Kept in the notebook",
        Choice(super::custody::YES_NO),
    )
    .required()
    .default("no"),
];

/// The kind of document a file name suggests.
pub fn kind_for(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("jpg" | "jpeg" | "png" | "heic" | "webp" | "tif" | "tiff" | "gif" | "bmp") => "photo",
        Some("mp4" | "mov" | "avi" | "mkv") => "video",
        _ => "document",
    }
}

impl Document {
    /// The first field of the file's fingerprint, or of what it is on,
    /// that differs from `before`'s (`None`: the same file on the same
    /// item).
    pub fn fingerprint_changed(&self, before: &Document) -> Option<&'static str> {
        if self.sha256 != before.sha256 {
            Some("sha256")
        } else if self.size_bytes != before.size_bytes {
            Some("size_bytes")
        } else if self.embedded != before.embedded {
            Some("embedded")
        } else if self.item_id != before.item_id || self.item_kind != before.item_kind {
            Some("item")
        } else {
            None
        }
    }
}

impl Record for Document {
    const KIND: ItemKind = ItemKind::Document;
    const FIELDS: &'static [FieldSpec] = FIELDS;
    const ID_COLUMNS: &'static [&'static str] = &["item_id"];
    meta_access!();

    fn label(&self) -> String {
        let name = self.path.rsplit(['/', '\\']).next().unwrap_or(&self.path);
        format!("{} {name}", self.doc_kind)
    }
    fn search_text(&self) -> String {
        search_fields(&[Some(self.path.as_str()), self.description.as_deref()])
    }
    fn check(&self) -> Result<Vec<String>, FieldError> {
        let h = self.sha256.trim();
        if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(FieldError {
                field: "sha256".into(),
                message: format!("{h:?} is not a SHA-256 (64 hex digits)"),
            });
        }
        if h.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(FieldError {
                field: "sha256".into(),
                message: "write the SHA-256 in lower case".into(),
            });
        }
        if matches!(
            self.item_kind,
            ItemKind::Link | ItemKind::Document | ItemKind::Custody
        ) {
            return Err(FieldError {
                field: "item".into(),
                message: format!("a document is not attached to a {}", self.item_kind),
            });
        }
        Ok(Vec::new())
    }
}
