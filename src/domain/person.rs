//! A person: a sender, recipient, courier, buyer or organiser, known under
//! names in any script, with what identifies them.

use super::fields::{
    FieldError, FieldKind::*, FieldSpec, HANDLING_CODES, INTEL_GRADES, SOURCE_GRADES,
};
use super::identifiers::{self as ids, IdentKind, Identifier};
use super::kind::ItemKind;
use super::meta::Meta;
use super::record::Record;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    #[serde(flatten)]
    pub meta: Meta,
    /// The name as written (Cyrillic or Latin).
    pub name: String,
    /// Other names and spellings, separated by `;`.
    pub aliases: Option<String>,
    pub born_on: Option<String>,
    pub nationality: Option<String>,
    /// Identity documents, separated by `;` (`passport KZ N1234567`).
    pub documents: Option<String>,
    /// Phone numbers, separated by `;` (read in the nationality's country
    /// when written without `+`).
    pub phones: Option<String>,
    /// Addresses, separated by `;`.
    pub addresses: Option<String>,
    /// E-mail addresses, messenger handles, web sites, cards, IBANs,
    /// wallets: free text, each recognised and checked.
    pub contacts: Option<String>,
    /// What they do in the case (buyer, courier, organiser...).
    pub role_notes: Option<String>,
    pub source_grade: Option<String>,
    pub intel_grade: Option<String>,
    pub handling: Option<String>,
    pub tlp: String,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec::new("name", "Name", Text).required(),
    FieldSpec::new("aliases", "Aliases (;)", Text),
    FieldSpec::new("born_on", "Born", Date),
    FieldSpec::new("nationality", "Nationality", Country),
    FieldSpec::new("documents", "Documents (;)", Text),
    FieldSpec::new("phones", "Phones (;)", Text),
    FieldSpec::new("addresses", "Addresses (;)", LongText),
    FieldSpec::new("contacts", "Handles, mail, payment", LongText),
    FieldSpec::new("role_notes", "Role", LongText),
    FieldSpec::new("source_grade", "Source (1-3)", Choice(SOURCE_GRADES)),
    FieldSpec::new("intel_grade", "Intelligence (A-E)", Choice(INTEL_GRADES)),
    FieldSpec::new("handling", "Handling (P/C)", Choice(HANDLING_CODES)),
    FieldSpec::new("tlp", "Handling (TLP)", Tlp)
        .required()
        .default("AMBER"),
];

/// The parts of a `;`-separated field.
pub fn parts(v: &Option<String>) -> impl Iterator<Item = &str> {
    v.as_deref()
        .unwrap_or("")
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

impl Person {
    /// The name and every alias.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(parts(&self.aliases))
    }
}

/// Identifiers of names, phones, addresses and contacts, shared by people
/// and organisations. Phones and contacts are read in `country`.
pub(crate) fn party_identifiers<'a>(
    names: impl Iterator<Item = &'a str>,
    phones: &Option<String>,
    addresses: &Option<String>,
    contacts: &Option<String>,
    country: Option<&str>,
) -> Vec<Identifier> {
    let mut out = Vec::new();
    for n in names {
        if let Some(k) = ids::name_key(n) {
            out.push(Identifier::new(IdentKind::Name, k, "name"));
        }
        out.extend(name_sound(n));
        out.extend(
            super::online::handles_in(n)
                .into_iter()
                .map(|h| Identifier::new(IdentKind::Handle, h, "name")),
        );
    }
    for p in parts(phones) {
        if let Some(k) = ids::phone_key(p, country) {
            out.push(Identifier::new(IdentKind::Phone, k, "phone"));
        }
    }
    for a in parts(addresses) {
        if let Some(k) = ids::address_key(a) {
            out.push(Identifier::new(IdentKind::Address, k, "address"));
        }
        out.extend(address_sound(a));
    }
    if let Some(c) = contacts {
        out.extend(ids::scan(c, country).ids.into_iter().map(|mut i| {
            i.role = "contacts";
            i
        }));
    }
    out.sort();
    out.dedup();
    out
}

/// A party's name's sound, as [`party_identifiers`] holds it.
fn name_sound(name: &str) -> Option<Identifier> {
    ids::name_sound_key(name).map(|k| Identifier::new(IdentKind::NameSound, k, "name"))
}

/// A party's address's sound, as [`party_identifiers`] holds it.
fn address_sound(address: &str) -> Option<Identifier> {
    ids::address_sound_key(address).map(|k| Identifier::new(IdentKind::AddressSound, k, "address"))
}

/// The sounds of a party's names and addresses: those of
/// [`party_identifiers`] alone, sorted and each once as there.
pub(crate) fn party_sounds<'a>(
    names: impl Iterator<Item = &'a str>,
    addresses: &Option<String>,
) -> Vec<Identifier> {
    let mut out: Vec<Identifier> = names
        .filter_map(name_sound)
        .chain(parts(addresses).filter_map(address_sound))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Warnings for contacts that look like payment ids but fail their check.
pub(crate) fn contact_warnings(contacts: &Option<String>) -> Vec<String> {
    contacts
        .as_deref()
        .map(|c| {
            ids::scan(c, None)
                .failed
                .into_iter()
                .map(|f| format!("contacts: {f}"))
                .collect()
        })
        .unwrap_or_default()
}

impl Record for Person {
    const KIND: ItemKind = ItemKind::Person;
    const FIELDS: &'static [FieldSpec] = FIELDS;

    fn meta(&self) -> &Meta {
        &self.meta
    }
    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }
    fn label(&self) -> String {
        self.name.clone()
    }
    fn search_text(&self) -> String {
        crate::domain::text::search_fields(&[
            Some(self.name.as_str()),
            self.aliases.as_deref(),
            self.born_on.as_deref(),
            self.nationality.as_deref(),
            self.documents.as_deref(),
            self.phones.as_deref(),
            self.addresses.as_deref(),
            self.contacts.as_deref(),
            self.role_notes.as_deref(),
        ])
    }
    fn identifiers(&self) -> Vec<Identifier> {
        party_identifiers(
            self.names(),
            &self.phones,
            &self.addresses,
            &self.contacts,
            self.nationality.as_deref(),
        )
    }
    fn sounds(&self) -> Vec<Identifier> {
        party_sounds(self.names(), &self.addresses)
    }
    fn check(&self) -> Result<Vec<String>, FieldError> {
        // Nobody is born after today (a slip of the year was stored and
        // went out as the arrested person's date of birth).
        if let Some(b) = self.born_on.as_deref()
            && b > crate::domain::dates::latest_today().as_str()
        {
            return Err(FieldError {
                field: "born_on".into(),
                message: format!("{b} is in the future: a date of birth is past"),
            });
        }
        let mut w = contact_warnings(&self.contacts);
        for p in parts(&self.phones) {
            if ids::phone_key(p, self.nationality.as_deref()).is_none() {
                w.push(format!("phones: {p:?} is not a phone number it can read"));
            } else if let Some(n) = super::contact::phone_warning(
                "phones",
                p,
                self.nationality.as_deref(),
                "nationality",
            ) {
                w.push(n);
            }
        }
        Ok(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::new_record;

    #[test]
    fn a_person_is_found_by_each_name_phone_address_and_contact() {
        let (p, w) = new_record::<Person>(&[
            ("name", "Иван Петров"),
            ("aliases", "Iwan Petroff; @ivan_klad"),
            ("nationality", "KZ"),
            ("phones", "8 701 555 01 42; +7 777 123 45 67"),
            ("addresses", "г. Алматы, ул. Абая, д. 5, кв. 12"),
            (
                "contacts",
                "t.me/ivan_shop, card 4111 1111 1111 1111, card 4111 1111 1111 1112",
            ),
        ])
        .unwrap();
        assert_eq!(p.tlp, "AMBER");
        assert!(w.iter().any(|w| w.contains("Luhn")), "{w:?}");
        let ids = p.identifiers();
        let has = |k: IdentKind, v: &str| ids.iter().any(|i| i.kind == k && i.value == v);
        assert!(has(IdentKind::Name, "ivan petrov"));
        assert!(has(IdentKind::NameSound, "ivn ptrv"));
        assert!(has(IdentKind::Handle, "@ivan_klad"));
        assert!(has(IdentKind::Handle, "@ivan_shop"));
        assert!(has(IdentKind::Phone, "+77015550142"));
        assert!(has(IdentKind::Phone, "+77771234567"));
        assert!(has(IdentKind::Address, "almaty ul abaya 5 kv 12"));
        assert!(has(IdentKind::Card, "4111111111111111"));
        assert!(!has(IdentKind::Card, "4111111111111112"));
    }
}
