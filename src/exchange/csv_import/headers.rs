//! Recognising a seizure table's headers, delimiter and encoding.

use super::*;

/// Headers people use for each parcel field, besides the field's own name
/// and label. Matched ignoring case, spaces and punctuation. A bare
/// "weight" is left out on purpose: its unit is unknown.
pub(super) const ALIASES: &[(&str, &[&str])] = &[
    (
        "tracking",
        &[
            "tracking number",
            "tracking no",
            "tracking id",
            "tracking code",
            "track",
            "track number",
            "waybill",
            "waybill number",
            "waybill no",
            "awb",
            "air waybill",
            "item id",
            "item number",
            "item no",
            "consignment no",
            "consignment number",
            "shipment number",
            "shipment id",
            "parcel number",
            "parcel id",
            "barcode",
            "num envoi",
            "numero envoi",
            "trek nomer",
        ],
    ),
    ("carrier", &["courier", "operator", "postal operator"]),
    ("service", &["service type", "mail class", "product"]),
    (
        "origin",
        &[
            "origin",
            "country of origin",
            "origin country code",
            "from country",
            "sender country",
            "dispatch country",
            "departure country",
        ],
    ),
    ("transit", &["transit", "transit country", "via"]),
    (
        "destination",
        &[
            "destination",
            "destination country code",
            "to country",
            "recipient country",
            "consignee country",
            "dest country",
        ],
    ),
    (
        "sender_name",
        &[
            "sender",
            "shipper",
            "shipper name",
            "from name",
            "consignor",
            "consignor name",
        ],
    ),
    (
        "sender_address",
        &["shipper address", "from address", "consignor address"],
    ),
    (
        "sender_phone",
        &[
            "sender tel",
            "sender telephone",
            "sender mobile",
            "shipper tel",
            "shipper phone",
            "shipper telephone",
            "from phone",
            "from tel",
            "consignor phone",
            "consignor tel",
        ],
    ),
    (
        "sender_email",
        &[
            "sender mail",
            "shipper email",
            "from email",
            "consignor email",
        ],
    ),
    (
        "recipient_name",
        &[
            "recipient",
            "consignee",
            "consignee name",
            "addressee",
            "addressee name",
            "receiver",
            "receiver name",
            "to name",
        ],
    ),
    (
        "recipient_address",
        &[
            "consignee address",
            "addressee address",
            "receiver address",
            "delivery address",
            "to address",
        ],
    ),
    (
        "recipient_phone",
        &[
            "recipient tel",
            "recipient telephone",
            "recipient mobile",
            "consignee phone",
            "consignee tel",
            "receiver phone",
            "receiver tel",
            "addressee phone",
            "to phone",
            "to tel",
        ],
    ),
    (
        "recipient_email",
        &[
            "recipient mail",
            "consignee email",
            "receiver email",
            "addressee email",
            "to email",
        ],
    ),
    (
        "customs_form",
        &["customs declaration", "declaration form", "cn form", "form"],
    ),
    (
        "declared_category",
        &["category", "category of item", "item category"],
    ),
    (
        "declared_contents",
        &[
            "declared content",
            "declared",
            "contents",
            "content",
            "description",
            "description of contents",
            "goods description",
            "item description",
        ],
    ),
    ("declared_value", &["value", "customs value", "item value"]),
    ("declared_currency", &["value currency"]),
    (
        "hs_code",
        &[
            "hs",
            "hs tariff number",
            "tariff code",
            "tariff number",
            "commodity code",
        ],
    ),
    (
        "weight_g",
        &[
            "weight g",
            "weight gr",
            "weight grams",
            "weight in grams",
            "gross weight g",
            "net weight g",
            "mass g",
        ],
    ),
    (
        "concealment",
        &["concealment method", "method of concealment", "hidden in"],
    ),
    (
        "found_contents",
        &[
            "found",
            "contents found",
            "actual contents",
            "seized contents",
            "substance found",
        ],
    ),
    ("status", &["parcel status", "state"]),
    (
        "seized_place",
        &[
            "seized place",
            "seizure place",
            "place of seizure",
            "seizure location",
            "seized where",
        ],
    ),
    (
        "seized_on",
        &[
            "seizure date",
            "date of seizure",
            "seized date",
            "date seized",
        ],
    ),
];

/// A header reduced to what matters for recognising it: `Sender E-mail`,
/// `sender_email` and `SENDER EMAIL` all become `senderemail`.
pub(super) fn header_key(h: &str) -> String {
    fold(h).replace(' ', "")
}

/// The parcel field a header names, if it is one people commonly use.
pub fn recognise(header: &str) -> Option<&'static str> {
    let key = header_key(header);
    if key.is_empty() {
        return None;
    }
    for spec in Parcel::FIELDS {
        if header_key(spec.name) == key || header_key(spec.label) == key {
            return Some(spec.name);
        }
    }
    ALIASES
        .iter()
        .find(|(_, aliases)| aliases.iter().any(|a| header_key(a) == key))
        .map(|(field, _)| *field)
}

/// The delimiter a header line uses: whichever of `,` `;` tab `|` occurs
/// most often outside quotes in the first line; `,` when none does.
pub fn sniff_delimiter(head: &[u8]) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for &b in head {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = CANDIDATES.iter().position(|c| *c == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let mut best = 0;
    for i in 1..CANDIDATES.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    CANDIDATES[best]
}

/// The byte a delimiter character stands for.
pub fn delimiter_byte(c: char) -> Result<u8, ImportError> {
    u8::try_from(c)
        .ok()
        .filter(|b| b.is_ascii() && *b != b'"' && *b != b'\n' && *b != b'\r')
        .ok_or_else(|| ImportError::BadDelimiter(c.to_string()))
}

/// An encoding by its WHATWG label (`windows-1251`, `cp1251`, `koi8-r`...).
pub fn encoding_for(label: &str) -> Result<&'static Encoding, ImportError> {
    Encoding::for_label(label.trim().as_bytes())
        .ok_or_else(|| ImportError::UnknownEncoding(label.to_string()))
}

// ---------------------------------------------------------------------
// Mapping files
