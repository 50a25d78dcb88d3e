//! Plain data and rules: records, validators and normalisers. No I/O, no
//! SQL, no terminal.

pub mod cas;
pub mod case;
pub mod contact;
pub mod country;
pub mod dates;
pub mod evidence;
pub mod fields;
pub mod finding;
pub mod identifiers;
pub mod json;
pub mod kind;
pub mod link;
pub mod meta;
pub mod note;
pub mod online;
pub mod organisation;
pub mod parcel;
pub mod payment;
pub mod person;
pub mod record;
pub mod s10;
pub mod substance;
pub mod text;
pub mod tracking;
pub mod translit;
pub mod weight;

pub use case::Case;
pub use finding::Finding;
pub use kind::ItemKind;
pub use link::Link;
pub use meta::Meta;
pub use note::Note;
pub use organisation::Organisation;
pub use parcel::Parcel;
pub use person::Person;
pub use record::Record;
pub use substance::Substance;

/// The fields a person can set on items of a kind, in form order.
pub fn fields_of(kind: ItemKind) -> &'static [fields::FieldSpec] {
    crate::with_record_type!(kind, R => R::FIELDS)
}
