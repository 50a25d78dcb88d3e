//! A finding: a substance found in a parcel, in a form and quantity, with
//! how sure the identification is.

use super::fields::{FieldError, FieldKind::*, FieldSpec};
use super::kind::ItemKind;
use super::meta::Meta;
use super::record::Record;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const FORMS: &[&str] = &[
    "powder",
    "tablets",
    "capsules",
    "blotters",
    "liquid",
    "e-liquid",
    "herbal-material",
    "crystals",
    "paper",
    "other",
];
pub const UNITS: &[&str] = &[
    "mg", "g", "kg", "ug", "ml", "l", "tablets", "capsules", "blotters", "units",
];
pub const IDENTIFICATION: &[&str] = &["presumptive", "lab-confirmed"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(default)]
    pub parcel_id: Uuid,
    #[serde(default)]
    pub substance_id: Uuid,
    pub form: String,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
    pub identification: String,
    /// Field-test kit or laboratory report reference.
    pub test_ref: Option<String>,
    pub note: Option<String>,
}

impl Finding {
    /// Whether the unit counts pieces of the form itself (215 tablets of
    /// tablets), so that the form is said once.
    pub fn unit_is_form(&self) -> bool {
        self.unit.as_deref() == Some(self.form.as_str())
    }

    /// How much of what was found, as a person says it: `12 g powder`,
    /// `215 blotters`, `powder`.
    pub fn amount(&self) -> String {
        match (self.quantity, self.unit.as_deref()) {
            (Some(q), Some(u)) if self.unit_is_form() => format!("{q} {u}"),
            (Some(q), Some(u)) => format!("{q} {u} {}", self.form),
            (Some(q), None) => format!("{q} {}", self.form),
            _ => self.form.clone(),
        }
    }
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec::new("form", "Form", Choice(FORMS))
        .required()
        .default("powder"),
    FieldSpec::new("quantity", "Quantity", Quantity),
    FieldSpec::new("unit", "Unit", Choice(UNITS)),
    FieldSpec::new("identification", "Identification", Choice(IDENTIFICATION))
        .required()
        .default("presumptive"),
    FieldSpec::new("test_ref", "Test / lab report", Text),
    FieldSpec::new("note", "Note", LongText),
];

impl Record for Finding {
    const KIND: ItemKind = ItemKind::Finding;
    const FIELDS: &'static [FieldSpec] = FIELDS;
    const ID_COLUMNS: &'static [&'static str] = &["parcel_id", "substance_id"];

    fn meta(&self) -> &Meta {
        &self.meta
    }
    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }
    fn label(&self) -> String {
        format!("{} ({})", self.amount(), self.identification)
    }
    fn check(&self) -> Result<Vec<String>, FieldError> {
        if self.quantity.is_some() && self.unit.is_none() {
            return Err(FieldError {
                field: "unit".into(),
                message: "a quantity needs a unit".into(),
            });
        }
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::new_record;

    #[test]
    fn quantity_needs_unit() {
        assert_eq!(
            new_record::<Finding>(&[("quantity", "5")])
                .unwrap_err()
                .field,
            "unit"
        );
        let (f, _) = new_record::<Finding>(&[("quantity", "5"), ("unit", "G")]).unwrap();
        assert_eq!(f.label(), "5 g powder (presumptive)");
        assert_eq!(
            new_record::<Finding>(&[("unit", "bags")])
                .unwrap_err()
                .field,
            "unit"
        );
    }

    #[test]
    fn a_unit_that_counts_the_form_says_it_once() {
        let (f, _) = new_record::<Finding>(&[
            ("form", "blotters"),
            ("quantity", "215"),
            ("unit", "blotters"),
        ])
        .unwrap();
        assert_eq!(f.label(), "215 blotters (presumptive)");
        let (f, _) = new_record::<Finding>(&[("form", "tablets")]).unwrap();
        assert_eq!(f.amount(), "tablets");
    }
}
