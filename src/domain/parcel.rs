//! A parcel: one item in a postal, courier or cargo stream. Declared and
//! found contents are kept apart, since mis-declaration is itself a signal.

use super::fields::{FieldError, FieldKind::*, FieldSpec};
use super::identifiers::{self as ids, IdentKind, Identifier};
use super::kind::ItemKind;
use super::meta::Meta;
use super::record::Record;
use super::tracking::{self, TrackingKind};
use serde::{Deserialize, Serialize};

pub const PARCEL_STATUS: &[&str] = &[
    "targeted",
    "inspected",
    "seized",
    "controlled-delivery",
    "released",
];
pub const CUSTOMS_FORMS: &[&str] = &["CN22", "CN23", "none"];
pub const DECLARED_CATEGORIES: &[&str] = &[
    "gift",
    "documents",
    "commercial-sample",
    "returned-goods",
    "sale-of-goods",
    "other",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parcel {
    #[serde(flatten)]
    pub meta: Meta,
    pub tracking: String,
    /// Derived from the tracking number.
    #[serde(default)]
    pub tracking_kind: TrackingKind,
    pub carrier: Option<String>,
    pub service: Option<String>,
    pub origin: Option<String>,
    pub transit: Option<String>,
    pub destination: Option<String>,
    pub sender_name: Option<String>,
    pub sender_address: Option<String>,
    pub sender_phone: Option<String>,
    pub sender_email: Option<String>,
    pub recipient_name: Option<String>,
    pub recipient_address: Option<String>,
    pub recipient_phone: Option<String>,
    pub recipient_email: Option<String>,
    pub customs_form: Option<String>,
    pub declared_category: Option<String>,
    pub declared_contents: Option<String>,
    pub declared_value: Option<f64>,
    pub declared_currency: Option<String>,
    pub hs_code: Option<String>,
    pub weight_g: Option<f64>,
    pub concealment: Option<String>,
    pub found_contents: Option<String>,
    pub status: String,
    pub seized_place: Option<String>,
    pub seized_on: Option<String>,
    /// When the parcel was posted.
    #[serde(default)]
    pub posted_on: Option<String>,
    /// The office of origin (where it was posted).
    #[serde(default)]
    pub posted_from: Option<String>,
    /// Where it entered the country: a point of entry, or a flight.
    #[serde(default)]
    pub entry_point: Option<String>,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec::new("tracking", "Tracking number", Tracking).required(),
    FieldSpec::new("carrier", "Carrier", Text),
    FieldSpec::new("service", "Service", Text),
    FieldSpec::new("origin", "Origin country", Country),
    FieldSpec::new("transit", "Transit countries", CountryList),
    FieldSpec::new("destination", "Destination country", Country),
    FieldSpec::new("sender_name", "Sender name", Text),
    FieldSpec::new("sender_address", "Sender address", Text),
    FieldSpec::new("sender_phone", "Sender phone", Phone),
    FieldSpec::new("sender_email", "Sender e-mail", Email),
    FieldSpec::new("recipient_name", "Recipient name", Text),
    FieldSpec::new("recipient_address", "Recipient address", Text),
    FieldSpec::new("recipient_phone", "Recipient phone", Phone),
    FieldSpec::new("recipient_email", "Recipient e-mail", Email),
    FieldSpec::new("customs_form", "Customs form", Choice(CUSTOMS_FORMS)),
    FieldSpec::new(
        "declared_category",
        "Declared category",
        Choice(DECLARED_CATEGORIES),
    ),
    FieldSpec::new("declared_contents", "Declared contents", Text),
    FieldSpec::new("declared_value", "Declared value", Amount),
    FieldSpec::new("declared_currency", "Currency", Currency),
    FieldSpec::new("hs_code", "HS code", HsCode),
    FieldSpec::new("weight_g", "Weight (g)", Grams),
    FieldSpec::new("concealment", "Concealment", Text),
    FieldSpec::new("found_contents", "Found contents", Text),
    FieldSpec::new("status", "Status", Choice(PARCEL_STATUS))
        .required()
        .default("targeted"),
    FieldSpec::new("seized_place", "Seized at", Text),
    FieldSpec::new("seized_on", "Seized on", Date),
    FieldSpec::new("posted_on", "Posted on", Date),
    FieldSpec::new("posted_from", "Office of origin", Text),
    FieldSpec::new("entry_point", "Point of entry / flight", Text),
];

fn opt(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// The key a parcel's sender is told apart by, from its columns: the
/// first of its phone (read in its origin), e-mail, name and address that
/// has a key, each made as [`Parcel::identifiers_of`] makes it (what
/// `targeting::score::sender_key` finds among its identifiers); `None`
/// when none has.
pub fn sender_key_of(
    phone: &Option<String>,
    email: &Option<String>,
    name: &Option<String>,
    address: &Option<String>,
    origin: Option<&str>,
) -> Option<String> {
    opt(phone)
        .and_then(|p| ids::phone_key(p, origin))
        .or_else(|| opt(email).and_then(ids::email_key))
        .or_else(|| opt(name).and_then(ids::name_key))
        .or_else(|| opt(address).and_then(ids::address_key))
}

/// The key of a parcel's recipient's name, as [`Parcel::identifiers_of`]
/// makes it.
pub fn recipient_name_key(name: &Option<String>) -> Option<String> {
    opt(name).and_then(ids::name_key)
}

/// The fields a parcel's search text is made of, in order
/// ([`Record::search_text`] joins them). The store keeps no search row
/// for a parcel: it makes the text from these columns of the parcel's row
/// when it is searched (see `store::search`). The office of origin and
/// the point of entry are places to search by, as the place of seizure
/// is (until 2026-12-07 they were not searched); the service, customs
/// form, declared category, HS code and transit country are categories,
/// counted and compared in the analyst's views, not searched.
pub const SEARCH_FIELDS: [&str; 18] = [
    "tracking",
    "carrier",
    "origin",
    "destination",
    "sender_name",
    "sender_address",
    "sender_phone",
    "sender_email",
    "recipient_name",
    "recipient_address",
    "recipient_phone",
    "recipient_email",
    "declared_contents",
    "found_contents",
    "concealment",
    "seized_place",
    "posted_from",
    "entry_point",
];

/// The fields a parcel's identifiers are made of ([`Parcel::identifiers_of`]
/// reads no other), with its required status: what a reader that wants
/// only its identifiers reads of its row.
pub const IDENTIFIER_FIELDS: [&str; 15] = [
    "tracking",
    "origin",
    "destination",
    "sender_name",
    "sender_address",
    "sender_phone",
    "sender_email",
    "recipient_name",
    "recipient_address",
    "recipient_phone",
    "recipient_email",
    "declared_contents",
    "concealment",
    "found_contents",
    "status",
];

impl Record for Parcel {
    const KIND: ItemKind = ItemKind::Parcel;
    const FIELDS: &'static [FieldSpec] = FIELDS;

    fn meta(&self) -> &Meta {
        &self.meta
    }
    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }
    fn label(&self) -> String {
        self.tracking.clone()
    }
    fn search_text(&self) -> String {
        // Its SEARCH_FIELDS, by name: the list the store's SQL makes the
        // same text from, so the two cannot drift apart.
        let value = serde_json::to_value(self).unwrap_or_default();
        crate::domain::text::search_fields(
            &SEARCH_FIELDS.map(|f| value.get(f).and_then(serde_json::Value::as_str)),
        )
    }
    fn identifiers(&self) -> Vec<Identifier> {
        self.identifiers_of(true)
    }
    fn sounds(&self) -> Vec<Identifier> {
        let mut out = Vec::with_capacity(4);
        self.push_sounds(&mut out);
        out
    }
    fn from_fields(values: &mut [serde_json::Value]) -> Option<Result<Parcel, String>> {
        Some(Parcel::of_fields(values))
    }
    fn derive(&mut self) {
        if let Ok(t) = tracking::parse(&self.tracking) {
            self.tracking_kind = t.kind;
        }
    }
    fn check(&self) -> Result<Vec<String>, FieldError> {
        let mut w = Vec::new();
        for (field, phone, country, from) in [
            ("sender_phone", &self.sender_phone, &self.origin, "origin"),
            (
                "recipient_phone",
                &self.recipient_phone,
                &self.destination,
                "destination",
            ),
        ] {
            if let Some(p) = phone
                && let Some(n) = super::contact::phone_warning(field, p, country.as_deref(), from)
            {
                w.push(n);
            }
        }
        // A route through its own end: a slip in the transit countries.
        for t in self
            .transit
            .as_deref()
            .unwrap_or_default()
            .split([',', ' ', ';'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            for (end, c) in [("origin", &self.origin), ("destination", &self.destination)] {
                if c.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(t)) {
                    w.push(format!(
                        "transit: {} is the parcel's {end} too",
                        t.to_ascii_uppercase()
                    ));
                }
            }
        }
        if self.declared_value.is_some() && self.declared_currency.is_none() {
            w.push("declared_currency: a declared value without a currency".into());
        }
        if self.seized_on.is_some() && matches!(self.status.as_str(), "targeted" | "released") {
            w.push(format!(
                "status: the parcel has a seizure date but its status is {}",
                self.status
            ));
        }
        // A seizure or posting is recorded once it happened: a date after
        // today anywhere on Earth (UTC+14) is a slip (`4.3.69` is read as
        // 2069), said on every path a parcel is written by.
        let latest = super::dates::latest_today();
        for (field, on) in [
            ("seized_on", &self.seized_on),
            ("posted_on", &self.posted_on),
        ] {
            if let Some(on) = on
                && on.as_str() > latest.as_str()
            {
                w.push(format!(
                    "{field}: {on} is in the future (a two-digit year is read as 20YY up to 69; write the year in four digits)"
                ));
            }
        }
        if let (Some(posted), Some(seized)) = (&self.posted_on, &self.seized_on)
            && posted > seized
        {
            w.push(format!(
                "posted_on: {posted} is after the seizure on {seized}"
            ));
        }
        if self.tracking_kind == TrackingKind::S10
            && let (Some(o), Ok(t)) = (&self.origin, super::s10::parse(&self.tracking))
            && t.country() != o
        {
            w.push(format!(
                "origin: {o}, but the S10 number was issued by the post of {}",
                t.country()
            ));
        }
        for (field, t) in [
            ("concealment", &self.concealment),
            ("found_contents", &self.found_contents),
        ] {
            if let Some(t) = t {
                w.extend(
                    ids::scan(t, None)
                        .failed
                        .into_iter()
                        .map(|f| format!("{field}: {f}")),
                );
            }
        }
        Ok(w)
    }
}

/// A field's parsed text, taken ([`Parcel::of_fields`]).
fn taken_text(
    field: Option<(&FieldSpec, &mut serde_json::Value)>,
) -> Result<Option<String>, String> {
    use serde_json::Value;
    match field.map(|(f, v)| (f.name, std::mem::take(v))) {
        None | Some((_, Value::Null)) => Ok(None),
        Some((_, Value::String(s))) => Ok(Some(s)),
        Some((name, v)) => Err(format!("{name}: {v} is not text")),
    }
}

/// A field's parsed number, taken ([`Parcel::of_fields`]).
fn taken_number(
    field: Option<(&FieldSpec, &mut serde_json::Value)>,
) -> Result<Option<f64>, String> {
    use serde_json::Value;
    match field.map(|(f, v)| (f.name, std::mem::take(v))) {
        None | Some((_, Value::Null)) => Ok(None),
        Some((name, Value::Number(n))) => n
            .as_f64()
            .map(Some)
            .ok_or_else(|| format!("{name}: {n} is not a number")),
        Some((name, v)) => Err(format!("{name}: {v} is not a number")),
    }
}

impl Parcel {
    /// [`Record::from_fields`]: one value for each of [`FIELDS`], in its
    /// order. (Deserialised, the `flatten`ed meta had serde copy every
    /// value into a buffer of its own first: a seventh of reading a row.)
    fn of_fields(values: &mut [serde_json::Value]) -> Result<Parcel, String> {
        if values.len() != FIELDS.len() {
            return Err(format!(
                "{} values for {} fields",
                values.len(),
                FIELDS.len()
            ));
        }
        let mut fields = FIELDS.iter().zip(values.iter_mut());
        let tracking = taken_text(fields.next())?;
        let carrier = taken_text(fields.next())?;
        let service = taken_text(fields.next())?;
        let origin = taken_text(fields.next())?;
        let transit = taken_text(fields.next())?;
        let destination = taken_text(fields.next())?;
        let sender_name = taken_text(fields.next())?;
        let sender_address = taken_text(fields.next())?;
        let sender_phone = taken_text(fields.next())?;
        let sender_email = taken_text(fields.next())?;
        let recipient_name = taken_text(fields.next())?;
        let recipient_address = taken_text(fields.next())?;
        let recipient_phone = taken_text(fields.next())?;
        let recipient_email = taken_text(fields.next())?;
        let customs_form = taken_text(fields.next())?;
        let declared_category = taken_text(fields.next())?;
        let declared_contents = taken_text(fields.next())?;
        let declared_value = taken_number(fields.next())?;
        let declared_currency = taken_text(fields.next())?;
        let hs_code = taken_text(fields.next())?;
        let weight_g = taken_number(fields.next())?;
        let concealment = taken_text(fields.next())?;
        let found_contents = taken_text(fields.next())?;
        let status = taken_text(fields.next())?;
        let seized_place = taken_text(fields.next())?;
        let seized_on = taken_text(fields.next())?;
        let posted_on = taken_text(fields.next())?;
        let posted_from = taken_text(fields.next())?;
        let entry_point = taken_text(fields.next())?;
        Ok(Parcel {
            meta: Meta::unsaved(),
            tracking: tracking.ok_or("missing field `tracking`")?,
            tracking_kind: TrackingKind::default(),
            carrier,
            service,
            origin,
            transit,
            destination,
            sender_name,
            sender_address,
            sender_phone,
            sender_email,
            recipient_name,
            recipient_address,
            recipient_phone,
            recipient_email,
            customs_form,
            declared_category,
            declared_contents,
            declared_value,
            declared_currency,
            hs_code,
            weight_g,
            concealment,
            found_contents,
            status: status.ok_or("missing field `status`")?,
            seized_place,
            seized_on,
            posted_on,
            posted_from,
            entry_point,
        })
    }

    /// Its name and address sounds, in the order [`Parcel::identifiers_of`]
    /// lists them.
    fn push_sounds(&self, out: &mut Vec<Identifier>) {
        let mut push = |kind, key: Option<String>, role| {
            if let Some(v) = key {
                out.push(Identifier::new(kind, v, role));
            }
        };
        push(
            IdentKind::NameSound,
            opt(&self.sender_name).and_then(ids::name_sound_key),
            "sender_name",
        );
        push(
            IdentKind::NameSound,
            opt(&self.recipient_name).and_then(ids::name_sound_key),
            "recipient_name",
        );
        push(
            IdentKind::AddressSound,
            opt(&self.sender_address).and_then(ids::address_sound_key),
            "sender_address",
        );
        push(
            IdentKind::AddressSound,
            opt(&self.recipient_address).and_then(ids::address_sound_key),
            "recipient_address",
        );
    }

    /// The parcel's identifiers as [`Record::identifiers`] gives them, in
    /// the same order, the name and address sounds left out unless
    /// `sounds` (a screen asks only of exact values, and works a name's
    /// sound out when an indicator needs it: the sounds were a third of
    /// reading a manifest's row).
    pub fn identifiers_of(&self, sounds: bool) -> Vec<Identifier> {
        let mut out = Vec::with_capacity(16);
        let mut push = |kind, key: Option<String>, role| {
            if let Some(v) = key {
                out.push(Identifier::new(kind, v, role));
            }
        };
        push(IdentKind::Tracking, Some(self.tracking.clone()), "tracking");
        let o = self.origin.as_deref();
        let d = self.destination.as_deref();
        push(
            IdentKind::Phone,
            opt(&self.sender_phone).and_then(|p| ids::phone_key(p, o)),
            "sender_phone",
        );
        push(
            IdentKind::Phone,
            opt(&self.recipient_phone).and_then(|p| ids::phone_key(p, d)),
            "recipient_phone",
        );
        push(
            IdentKind::Email,
            opt(&self.sender_email).and_then(ids::email_key),
            "sender_email",
        );
        push(
            IdentKind::Email,
            opt(&self.recipient_email).and_then(ids::email_key),
            "recipient_email",
        );
        push(
            IdentKind::Address,
            opt(&self.sender_address).and_then(ids::address_key),
            "sender_address",
        );
        push(
            IdentKind::Address,
            opt(&self.recipient_address).and_then(ids::address_key),
            "recipient_address",
        );
        push(
            IdentKind::Name,
            opt(&self.sender_name).and_then(ids::name_key),
            "sender_name",
        );
        push(
            IdentKind::Name,
            recipient_name_key(&self.recipient_name),
            "recipient_name",
        );
        push(
            IdentKind::Content,
            opt(&self.declared_contents).and_then(ids::content_key),
            "declared_contents",
        );
        if sounds {
            self.push_sounds(&mut out);
        }
        // Handles, domains, payment ids and phones written in its free
        // text (read in the parcel's country), and handles given as names.
        let country = d.or(o);
        for t in [&self.concealment, &self.found_contents]
            .into_iter()
            .flatten()
        {
            out.extend(ids::scan(t, country).ids);
        }
        for n in [&self.sender_name, &self.recipient_name]
            .into_iter()
            .flatten()
        {
            if n.contains('@') || n.contains("t.me") {
                out.extend(
                    crate::domain::online::handles_in(n)
                        .into_iter()
                        .map(|h| Identifier::new(IdentKind::Handle, h, "text")),
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::{new_record, set_fields};

    /// A parcel made from its fields' values without serde is the one
    /// serde makes of them: every field set, and only the required ones.
    /// A parcel's identifiers read no field but [`IDENTIFIER_FIELDS`]:
    /// with every other field of a full parcel left empty they are the
    /// same.
    #[test]
    fn identifiers_read_only_their_fields() {
        let full: Vec<(&str, &str)> = vec![
            ("tracking", "RR123456785KZ"),
            ("carrier", "Kazpost"),
            ("service", "EMS"),
            ("origin", "CN"),
            ("transit", "AE"),
            ("destination", "KZ"),
            ("sender_name", "Li Wei @li_shop"),
            ("sender_address", "Guangzhou, Baiyun 12"),
            ("sender_phone", "185 4084 1956"),
            ("sender_email", "li@example.cn"),
            ("recipient_name", "Ivan Petrov"),
            ("recipient_address", "Almaty, Abaya 5, kv 12"),
            ("recipient_phone", "8 701 555 0142"),
            ("recipient_email", "ivan@example.kz"),
            ("customs_form", "CN23"),
            ("declared_category", "gift"),
            ("declared_contents", "tea samples"),
            ("declared_value", "12"),
            ("declared_currency", "USD"),
            ("hs_code", "0902.10"),
            ("weight_g", "250"),
            (
                "concealment",
                "in tea, call +7 777 123 4567 or t.me/klad_shop",
            ),
            (
                "found_contents",
                "white powder; courier's phone +7 702 000 1122",
            ),
            ("status", "seized"),
            ("seized_place", "Almaty airport"),
            ("seized_on", "2026-11-30"),
            ("posted_on", "2026-11-20"),
            ("posted_from", "Guangzhou"),
            ("entry_point", "ALA"),
        ];
        let (p, _) = new_record::<Parcel>(&full).unwrap();
        let kept: Vec<(&str, &str)> = full
            .iter()
            .filter(|(f, _)| IDENTIFIER_FIELDS.contains(f))
            .copied()
            .collect();
        assert!(kept.len() < full.len());
        let (q, _) = new_record::<Parcel>(&kept).unwrap();
        assert!(p.identifiers().len() > 12, "{:?}", p.identifiers());
        assert_eq!(p.identifiers(), q.identifiers());
        // Each field read names one: not one of them is there for nothing.
        for field in IDENTIFIER_FIELDS
            .iter()
            .filter(|f| !["status", "tracking"].contains(f))
        {
            let less: Vec<(&str, &str)> =
                kept.iter().filter(|(f, _)| f != field).copied().collect();
            let (r, _) = new_record::<Parcel>(&less).unwrap();
            assert_ne!(r.identifiers(), p.identifiers(), "{field}");
        }
    }

    #[test]
    fn made_from_fields_as_deserialised() {
        let full = [
            ("tracking", "RR123456785KZ"),
            ("carrier", "Kazpost"),
            ("service", "EMS"),
            ("origin", "CN"),
            ("transit", "AE, TR"),
            ("destination", "KZ"),
            ("sender_name", "Li Wei"),
            ("sender_address", "12 Road, Shenzhen"),
            ("sender_phone", "+86 138 0013 8000"),
            ("sender_email", "li@example.cn"),
            ("recipient_name", "Aigerim Sadykova"),
            ("recipient_address", "Abay 10, Almaty"),
            ("recipient_phone", "+7 701 234 5678"),
            ("recipient_email", "a@example.kz"),
            ("customs_form", "CN23"),
            ("declared_category", "gift"),
            ("declared_contents", "tea sample"),
            ("declared_value", "12.5"),
            ("declared_currency", "USD"),
            ("hs_code", "0902.10"),
            ("weight_g", "450"),
            ("concealment", "in a tea tin"),
            ("found_contents", "white powder"),
            ("status", "seized"),
            ("seized_place", "Almaty airport"),
            ("seized_on", "2026-11-02"),
            ("posted_on", "2026-10-28"),
            ("posted_from", "Shenzhen office"),
            ("entry_point", "KC 922"),
        ];
        let bare = [("tracking", "RR123456785KZ")];
        for given in [&full[..], &bare[..]] {
            let values: Vec<serde_json::Value> = FIELDS
                .iter()
                .map(|f| {
                    let raw = given.iter().find(|(n, _)| *n == f.name).map(|(_, v)| *v);
                    f.parse(raw.or(f.default).unwrap_or("")).unwrap().value
                })
                .collect();
            let mut map = match serde_json::to_value(Meta::unsaved()).unwrap() {
                serde_json::Value::Object(m) => m,
                _ => unreachable!(),
            };
            for (f, v) in FIELDS.iter().zip(values.clone()) {
                map.insert(f.name.into(), v);
            }
            let want: Parcel = serde_json::from_value(serde_json::Value::Object(map)).unwrap();
            let got = Parcel::of_fields(&mut values.clone()).unwrap();
            assert_eq!(got, want);
            if given.len() == full.len() {
                assert!(
                    FIELDS
                        .iter()
                        .all(|f| given.iter().any(|(n, _)| *n == f.name))
                );
                assert_eq!(got.entry_point.as_deref(), Some("KC 922"));
                assert_eq!(got.weight_g, Some(450.0));
            }
        }
        // Too few values, or a number where text goes, is said.
        assert!(Parcel::of_fields(&mut [serde_json::Value::Null]).is_err());
        let mut wrong = vec![serde_json::Value::Null; FIELDS.len()];
        wrong[0] = serde_json::json!(5);
        assert!(Parcel::of_fields(&mut wrong).is_err());
    }

    #[test]
    fn new_parcel_classifies_tracking() {
        let (p, w) =
            new_record::<Parcel>(&[("tracking", "rr123456785kz"), ("origin", "KZ")]).unwrap();
        assert_eq!(p.tracking, "RR123456785KZ");
        assert_eq!(p.tracking_kind, TrackingKind::S10);
        assert_eq!(p.status, "targeted");
        assert!(w.is_empty(), "{w:?}");
        let (w2, _) = new_record::<Parcel>(&[("tracking", "1Z999AA10123456784")]).unwrap();
        assert_eq!(w2.tracking_kind, TrackingKind::Waybill);
    }

    #[test]
    fn bad_values_name_the_field() {
        let e = new_record::<Parcel>(&[("tracking", "RR123456789KZ")]).unwrap_err();
        assert_eq!(e.field, "tracking");
        assert!(e.message.contains("expected 5"));
        let e =
            new_record::<Parcel>(&[("tracking", "RR123456785KZ"), ("origin", "Kazakhstanistan")])
                .unwrap_err();
        assert_eq!(e.field, "origin");
        // A country's name is read as its code; a placeholder as nothing.
        let (p, _) = new_record::<Parcel>(&[
            ("tracking", "RR123456785KZ"),
            ("origin", "Казахстан"),
            ("recipient_phone", "N/A"),
            ("recipient_name", "не известно"),
            ("seized_on", "05.03.2026"),
        ])
        .unwrap();
        assert_eq!(p.origin.as_deref(), Some("KZ"));
        assert_eq!(p.recipient_phone, None);
        assert_eq!(p.recipient_name, None);
        assert_eq!(p.seized_on.as_deref(), Some("2026-03-05"));
        let e = new_record::<Parcel>(&[("tracking", "N/A")]).unwrap_err();
        assert!(e.message.contains("is required"), "{e}");
        assert!(
            new_record::<Parcel>(&[("tracking", "RR123456785KZ"), ("seized_on", "31.02.2026")])
                .is_err()
        );
        let e =
            new_record::<Parcel>(&[("tracking", "RR123456785KZ"), ("colour", "red")]).unwrap_err();
        assert!(e.message.contains("no such parcel field"));
    }

    /// Without the sounds, the same identifiers in the same order (the
    /// screen's indicators take the first that matches).
    #[test]
    fn identifiers_without_sounds_are_the_exact_ones_in_order() {
        let (p, _) = new_record::<Parcel>(&[
            ("tracking", "RR123456785KZ"),
            ("origin", "KZ"),
            ("destination", "DE"),
            ("sender_phone", "8 (701) 555-01-42"),
            ("recipient_phone", "+49 30 1234567"),
            ("sender_email", "shop@example.com"),
            ("sender_name", "PETROV, Ivan"),
            ("recipient_name", "@darkshop t.me/darkshop"),
            ("sender_address", "ul. Abaya 5, kv. 12, Almaty"),
            ("recipient_address", "Hauptstrasse 3, Berlin"),
            ("declared_contents", "Tea sample"),
            (
                "concealment",
                "call +7 701 555 0143, pay bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
            ),
        ])
        .unwrap();
        let all = p.identifiers();
        assert!(all.iter().any(|i| !i.kind.is_exact()), "{all:?}");
        let exact: Vec<Identifier> = all.into_iter().filter(|i| i.kind.is_exact()).collect();
        assert_eq!(p.identifiers_of(false), exact);
        assert_eq!(p.identifiers_of(true), p.identifiers());
    }

    #[test]
    fn identifiers_are_normalised() {
        let (mut p, _) = new_record::<Parcel>(&[
            ("tracking", "RR123456785KZ"),
            ("origin", "KZ"),
            ("sender_phone", "8 (701) 555-01-42"),
            ("sender_name", "PETROV, Ivan"),
            ("declared_contents", "Tea sample"),
        ])
        .unwrap();
        let ids = p.identifiers();
        assert!(ids.contains(&Identifier::new(
            IdentKind::Phone,
            "+77015550142".into(),
            "sender_phone"
        )));
        assert!(ids.contains(&Identifier::new(
            IdentKind::Name,
            "ivan petrov".into(),
            "sender_name"
        )));
        assert!(ids.contains(&Identifier::new(
            IdentKind::Content,
            "tea sample".into(),
            "declared_contents"
        )));
        set_fields(&mut p, &[("tracking", "1Z999AA10123456784")]).unwrap();
        assert_eq!(p.tracking_kind, TrackingKind::Waybill);
    }

    #[test]
    fn origin_mismatch_warns() {
        let (_, w) =
            new_record::<Parcel>(&[("tracking", "RR123456785KZ"), ("origin", "CN")]).unwrap();
        assert!(w.iter().any(|w| w.contains("issued by the post of KZ")));
    }

    /// `4.3.69` is read as 2069: a seizure or posting in the future, or a
    /// posting after the seizure, is said whatever path writes it.
    #[test]
    fn dates_in_the_future_or_out_of_order_warn() {
        let (p, w) = new_record::<Parcel>(&[
            ("tracking", "RR123456785KZ"),
            ("status", "seized"),
            ("seized_on", "4.3.69"),
            ("posted_on", "2026-03-01"),
        ])
        .unwrap();
        assert_eq!(p.seized_on.as_deref(), Some("2069-03-04"));
        assert!(
            w.iter()
                .any(|w| w.starts_with("seized_on: 2069-03-04 is in the future")),
            "{w:?}"
        );
        let (_, w) = new_record::<Parcel>(&[
            ("tracking", "RR123456785KZ"),
            ("seized_on", "2026-03-01"),
            ("posted_on", "2026-03-04"),
        ])
        .unwrap();
        assert!(
            w.iter()
                .any(|w| w == "posted_on: 2026-03-04 is after the seizure on 2026-03-01"),
            "{w:?}"
        );
        let (_, w) = new_record::<Parcel>(&[
            ("tracking", "RR123456785KZ"),
            ("status", "seized"),
            ("seized_on", "2026-03-04"),
            ("posted_on", "2026-03-01"),
        ])
        .unwrap();
        assert!(w.is_empty(), "{w:?}");
    }

    /// A transit country that is the parcel's own origin or destination
    /// is said (a slip: `CN>KZ>UZ>KZ` was stored without a word); a
    /// route through other countries is not.
    #[test]
    fn a_transit_through_the_parcels_own_end_is_said() {
        let (_, w) = new_record::<Parcel>(&[
            ("tracking", "RR123456785CN"),
            ("origin", "CN"),
            ("transit", "kz,uz"),
            ("destination", "KZ"),
        ])
        .unwrap();
        assert!(
            w.iter()
                .any(|w| w == "transit: KZ is the parcel's destination too"),
            "{w:?}"
        );
        let (_, w) = new_record::<Parcel>(&[
            ("tracking", "RR123456785CN"),
            ("origin", "CN"),
            ("transit", "UZ"),
            ("destination", "KZ"),
        ])
        .unwrap();
        assert!(!w.iter().any(|w| w.starts_with("transit")), "{w:?}");
    }
}
