//! An organisation: an online shop (Telegram channel or bot, web or .onion
//! store), a company, a forwarder, a bank or exchange.

use super::fields::{
    FieldError, FieldKind::*, FieldSpec, HANDLING_CODES, INTEL_GRADES, SOURCE_GRADES,
};
use super::identifiers::Identifier;
use super::kind::ItemKind;
use super::meta::Meta;
use super::person::{contact_warnings, parts, party_identifiers};
use super::record::Record;
use serde::{Deserialize, Serialize};

pub const ORGANISATION_TYPES: &[&str] = &[
    "shop",
    "marketplace",
    "company",
    "forwarder",
    "courier",
    "bank",
    "exchange",
    "laboratory",
    "other",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organisation {
    #[serde(flatten)]
    pub meta: Meta,
    pub name: String,
    pub org_type: String,
    /// Other names, separated by `;`.
    pub aliases: Option<String>,
    pub country: Option<String>,
    /// Phone numbers, separated by `;`.
    pub phones: Option<String>,
    /// Addresses, separated by `;`.
    pub addresses: Option<String>,
    /// Handles, channels, web and .onion sites, e-mail, payment ids.
    pub contacts: Option<String>,
    pub description: Option<String>,
    pub source_grade: Option<String>,
    pub intel_grade: Option<String>,
    pub handling: Option<String>,
    pub tlp: String,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec::new("name", "Name", Text).required(),
    FieldSpec::new("org_type", "Type", Choice(ORGANISATION_TYPES))
        .required()
        .default("shop"),
    FieldSpec::new("aliases", "Aliases (;)", Text),
    FieldSpec::new("country", "Country", Country),
    FieldSpec::new("phones", "Phones (;)", Text),
    FieldSpec::new("addresses", "Addresses (;)", LongText),
    FieldSpec::new("contacts", "Handles, sites, payment", LongText),
    FieldSpec::new("description", "Description", LongText),
    FieldSpec::new("source_grade", "Source (1-3)", Choice(SOURCE_GRADES)),
    FieldSpec::new("intel_grade", "Intelligence (A-E)", Choice(INTEL_GRADES)),
    FieldSpec::new("handling", "Handling (P/C)", Choice(HANDLING_CODES)),
    FieldSpec::new("tlp", "Handling (TLP)", Tlp)
        .required()
        .default("AMBER"),
];

impl Organisation {
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(parts(&self.aliases))
    }
}

impl Record for Organisation {
    const KIND: ItemKind = ItemKind::Organisation;
    const FIELDS: &'static [FieldSpec] = FIELDS;

    fn meta(&self) -> &Meta {
        &self.meta
    }
    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }
    fn label(&self) -> String {
        format!("{} ({})", self.name, self.org_type)
    }
    fn search_text(&self) -> String {
        crate::domain::text::search_fields(&[
            Some(self.name.as_str()),
            Some(self.org_type.as_str()),
            self.aliases.as_deref(),
            self.country.as_deref(),
            self.phones.as_deref(),
            self.addresses.as_deref(),
            self.contacts.as_deref(),
            self.description.as_deref(),
        ])
    }
    fn identifiers(&self) -> Vec<Identifier> {
        party_identifiers(
            self.names(),
            &self.phones,
            &self.addresses,
            &self.contacts,
            self.country.as_deref(),
        )
    }
    fn sounds(&self) -> Vec<Identifier> {
        super::person::party_sounds(self.names(), &self.addresses)
    }
    fn check(&self) -> Result<Vec<String>, FieldError> {
        let mut w = contact_warnings(&self.contacts);
        for p in self.phones.as_deref().unwrap_or("").split(';') {
            let p = p.trim();
            if let Some(n) =
                super::contact::phone_warning("phones", p, self.country.as_deref(), "country")
            {
                w.push(n);
            }
        }
        Ok(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identifiers::IdentKind;
    use crate::domain::record::new_record;

    #[test]
    fn a_shop_is_found_by_its_handle_site_and_wallet() {
        let (o, _) = new_record::<Organisation>(&[
            ("name", "@Almaty_Mef_bot"),
            (
                "contacts",
                "mirror http://mef-shop.kz, USDT TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
            ),
        ])
        .unwrap();
        assert_eq!(o.org_type, "shop");
        let ids = o.identifiers();
        let has = |k: IdentKind, v: &str| ids.iter().any(|i| i.kind == k && i.value == v);
        assert!(has(IdentKind::Handle, "@almaty_mef_bot"));
        assert!(has(IdentKind::Domain, "mef-shop.kz"));
        assert!(has(IdentKind::Wallet, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"));
        assert!(new_record::<Organisation>(&[("name", "X"), ("org_type", "cartel")]).is_err());
    }
}
