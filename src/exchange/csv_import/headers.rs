//! Recognising a seizure table's headers, delimiter and encoding.

use super::*;
use crate::domain::fields::CURRENCY_WORDS;

/// Headers people use for each parcel field, besides the field's own name
/// and label. Matched ignoring case, spaces and punctuation. Weights are
/// recognised apart, with their unit (see [`weight_header`]).
pub(super) const ALIASES: &[(&str, &[&str])] = &[
    (
        "tracking",
        &[
            "номер отправления",
            "трек номер",
            "трек-номер",
            "трек-код",
            "номер посылки",
            "номер почтового отправления",
            "track no",
            "awb no",
            "hawb",
            "item barcode",
            "mail item id",
            "трек",
            "шпи",
            "штрихкод",
            "штрих-код",
            "номер рпо",
            "идентификатор отправления",
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
    (
        "carrier",
        &[
            "перевозчик",
            "оператор почтовой связи",
            "курьерская служба",
            "courier",
            "operator",
            "postal operator",
        ],
    ),
    (
        "service",
        &[
            "вид отправления",
            "категория отправления",
            "service type",
            "mail class",
            "product",
        ],
    ),
    (
        "origin",
        &[
            "страна отправления",
            "страна отправки",
            "страна вывоза",
            "origin country",
            "country of dispatch",
            "shipper country",
            "consignor country",
            "country from",
            "страна отправителя",
            "страна происхождения",
            "откуда",
            "origin",
            "country of origin",
            "origin country code",
            "from country",
            "sender country",
            "dispatch country",
            "departure country",
        ],
    ),
    (
        "transit",
        &[
            "транзит",
            "страна транзита",
            "transit",
            "transit country",
            "via",
        ],
    ),
    (
        "destination",
        &[
            "страна назначения",
            "страна доставки",
            "destination country",
            "country of destination",
            "country to",
            "страна получателя",
            "куда",
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
            "отправитель",
            "sender name",
            "shipper name",
            "фио отправителя",
            "наименование отправителя",
            "sender",
            "shipper",
            "shipper name",
            "from name",
            "consignor",
            "consignor name",
            "грузоотправитель",
            "отправитель фио",
            "экспортер",
            "exporter",
            "sender exporter",
            "shipper exporter",
            "отправитель экспортер",
        ],
    ),
    (
        "sender_address",
        &[
            "адрес отправителя",
            "shipper address",
            "from address",
            "consignor address",
        ],
    ),
    (
        "sender_phone",
        &[
            "телефон отправителя",
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
            "email отправителя",
            "эл почта отправителя",
            "sender mail",
            "shipper email",
            "from email",
            "consignor email",
        ],
    ),
    (
        "recipient_name",
        &[
            "получатель",
            "фио получателя",
            "адресат",
            "recipient",
            "consignee",
            "consignee name",
            "addressee",
            "addressee name",
            "receiver",
            "receiver name",
            "to name",
            "грузополучатель",
            "получатель фио",
            "импортер",
            "importer",
            "consignee importer",
            "получатель импортер",
        ],
    ),
    (
        "recipient_address",
        &[
            "адрес получателя",
            "адрес",
            "адрес адресата",
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
            "телефон получателя",
            "телефон",
            "телефон адресата",
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
            "email получателя",
            "эл почта получателя",
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
            "описание вложения",
            "наименование вложения",
            "описание товара",
            "declared goods",
            "вложение",
            "содержимое",
            "наименование товара",
            "описание",
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
    (
        "declared_value",
        &[
            "объявленная ценность",
            "стоимость",
            "value",
            "customs value",
            "item value",
        ],
    ),
    ("declared_currency", &["валюта", "value currency"]),
    (
        "hs_code",
        &[
            "код тн вэд",
            "тн вэд",
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
            "вес г",
            "вес, г",
            "вес (г)",
            "вес гр",
            "вес в граммах",
            "weight g",
            "weight gr",
            "weight grams",
            "weight in grams",
            "gross weight g",
            "mass g",
        ],
    ),
    (
        "concealment",
        &[
            "способ сокрытия",
            "concealment method",
            "method of concealment",
            "hidden in",
        ],
    ),
    (
        "found_contents",
        &[
            "обнаружено",
            "фактическое вложение",
            "found",
            "contents found",
            "actual contents",
            "seized contents",
            "substance found",
        ],
    ),
    ("status", &["статус", "parcel status", "state"]),
    (
        "seized_place",
        &[
            "место изъятия",
            "место обнаружения",
            "пункт пропуска",
            "таможенный пост",
            "place of detection",
            "customs office",
            "border post",
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
            "дата изъятия",
            "дата обнаружения",
            "дата задержания",
            "date of detection",
            "detection date",
            "date of interception",
            "interception date",
            "seizure date",
            "date of seizure",
            "seized date",
            "date seized",
        ],
    ),
    (
        "posted_on",
        &[
            "дата отправки",
            "дата приема",
            "дата приёма",
            "дата отправления",
            "posting date",
            "date of posting",
            "date posted",
            "posted",
            "mailing date",
            "date of dispatch",
            "dispatch date",
        ],
    ),
    (
        "posted_from",
        &[
            "место приема",
            "место приёма",
            "отделение отправки",
            "office of origin",
            "origin office",
            "posting office",
            "office of posting",
            "posted at",
        ],
    ),
    (
        "entry_point",
        &[
            "пункт въезда",
            "рейс",
            "номер рейса",
            "point of entry",
            "entry point",
            "port of entry",
            "flight",
            "flight number",
        ],
    ),
];

/// A header reduced to what matters for recognising it: `Sender E-mail`,
/// `sender_email` and `SENDER EMAIL` all become `senderemail`.
pub(super) fn header_key(h: &str) -> String {
    fold(h).replace(' ', "")
}

/// Words that make a header a weight's: `Weight (kg)`, `Вес, г`,
/// `Масса брутто (кг)`, `Gross weight kg`, `Weight`.
const WEIGHT_WORDS: &[&str] = &[
    "weight",
    "wt",
    "вес",
    "масса",
    "mass",
    "gewicht",
    "peso",
    "poids",
    "重量",
    "毛重",
];
/// Words that make a weight a net weight (of the contents, without the
/// packing): not the parcel's weight, which is its gross weight. (Read as
/// the parcel's, a `Net weight (kg)` went out as the gross weight in
/// incident reports, and a customs table giving both, `Вес брутто` and
/// `Вес нетто`, was refused whole for two weight columns.)
const NET_WORDS: &[&str] = &["net", "netto", "нетто", "нт", "净重"];
/// Words a weight header may have besides: which weight, of what.
const WEIGHT_QUALIFIERS: &[&str] = &[
    "gross",
    "total",
    "actual",
    "declared",
    "parcel",
    "item",
    "package",
    "shipment",
    "of",
    "in",
    "the",
    "brutto",
    "брутто",
    "общий",
    "общая",
    "фактический",
    "фактическая",
    "отправления",
    "посылки",
    "в",
    "бр",
];

/// Whether a header names a weight, and in which unit: `Some(Some(Kg))`
/// for `Weight (kg)`, `Some(None)` for a bare `Weight` or `Вес` (each
/// value must then say its unit), None for other headers.
pub fn weight_header(header: &str) -> Option<Option<WeightUnit>> {
    let lower = header.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut weight = false;
    let mut unit = None;
    if words.iter().any(|w| NET_WORDS.contains(w)) {
        return None;
    }
    for w in &words {
        if WEIGHT_WORDS.contains(w) {
            weight = true;
        } else if let Some(u) = WeightUnit::from_word(w) {
            if unit.is_some_and(|x| x != u) {
                return None;
            }
            unit = Some(u);
        } else if !WEIGHT_QUALIFIERS.contains(w) {
            return None;
        }
    }
    weight.then_some(unit)
}

/// The one weight unit a header names among other words (`Poids brut
/// (kg)`), if it names exactly one.
pub fn unit_in_header(header: &str) -> Option<WeightUnit> {
    let lower = header.to_lowercase();
    let mut units = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter_map(WeightUnit::from_word);
    let first = units.next()?;
    units.all(|u| u == first).then_some(first)
}

/// The date order a header spells out (`Seizure date (dd/mm/yyyy)`,
/// `Дата (ДД.ММ.ГГГГ)`, `Date MM-DD-YY`), and the header without it.
pub fn date_format_hint(header: &str) -> Option<(DateOrder, String)> {
    let folded = fold(header);
    let words: Vec<&str> = folded.split(' ').collect();
    let part = |w: &str| match w {
        "dd" | "d" => Some('d'),
        "mm" | "m" => Some('m'),
        "yyyy" | "yy" | "gggg" | "gg" => Some('y'),
        _ => None,
    };
    for i in 0..words.len().saturating_sub(2) {
        let three = [part(words[i]), part(words[i + 1]), part(words[i + 2])];
        let order = match three {
            [Some('d'), Some('m'), Some('y')] => DateOrder::Dmy,
            [Some('m'), Some('d'), Some('y')] => DateOrder::Mdy,
            [Some('y'), Some('m'), Some('d')] => DateOrder::Ymd,
            _ => continue,
        };
        let rest: Vec<&str> = words[..i].iter().chain(&words[i + 3..]).copied().collect();
        return Some((order, rest.join(" ")));
    }
    None
}

/// Whether a header is a bare `Адрес` or `Телефон`, which names no side
/// (taken as the addressee's where no sender's column is beside it).
pub fn is_bare_contact(header: &str) -> bool {
    matches!(header_key(header).as_str(), k if k == header_key("адрес") || k == header_key("телефон"))
}

/// Words that make a column the sender's side, whatever else its header
/// says (`Отправитель/Экспортер`, `Seller`, `Shipper ref`): beside one,
/// a bare `Адрес` or `Телефон` could be either side's.
const SENDER_WORDS: &[&str] = &[
    "отправител",
    "грузоотправител",
    "экспортер",
    "экспортёр",
    "продавец",
    "sender",
    "shipper",
    "consignor",
    "exporter",
    "seller",
];

/// Whether a header names the sender's side ([`SENDER_WORDS`]), a word of
/// it starting with one of those (its case and endings aside).
pub fn names_sender(header: &str) -> bool {
    static STEMS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let stems = STEMS.get_or_init(|| SENDER_WORDS.iter().map(|w| header_key(w)).collect());
    fold(header)
        .split(' ')
        .any(|word| stems.iter().any(|s| word.starts_with(s.as_str())))
}

/// ISO 4217 codes a value header may name (`Value (USD)`): those of the
/// posts and couriers this tool meets. A code not here is not read as one
/// (`Value (CIF)` names terms of delivery, not a currency).
const CURRENCY_CODES: &[&str] = &[
    "USD", "EUR", "RUB", "KZT", "CNY", "GBP", "UZS", "KGS", "TJS", "TMT", "TRY", "INR", "JPY",
    "KRW", "AED", "CHF", "PLN", "UAH", "BYN", "AMD", "GEL", "AZN", "MNT", "HKD", "SGD", "THB",
    "VND", "IDR", "MYR", "PKR", "IRR", "AFN", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "CZK",
    "HUF", "RON", "BGN", "ILS", "SAR", "QAR", "BRL", "MXN", "ZAR", "EGP", "NGN", "LKR",
];

/// The currency a header names (`Value ($)`, `Стоимость (USD)`,
/// `Declared value, EUR`), as its ISO 4217 code, and the header without
/// it; `None` when it names none, or two.
pub fn currency_in_header(header: &str) -> Option<(&'static str, String)> {
    let code_of = |w: &str| -> Option<&'static str> {
        let lower = w.to_lowercase();
        CURRENCY_CODES
            .iter()
            .find(|c| c.eq_ignore_ascii_case(w))
            .copied()
            .or_else(|| {
                CURRENCY_WORDS
                    .iter()
                    .find(|(word, _)| *word == lower)
                    .map(|(_, c)| *c)
            })
    };
    let mut found: Option<&'static str> = None;
    let mut rest = String::with_capacity(header.len());
    let mut word = String::new();
    let end_word = |word: &mut String, rest: &mut String, found: &mut Option<&'static str>| {
        if word.is_empty() {
            return true;
        }
        let ok = match code_of(word) {
            Some(c) if found.is_none_or(|f| f == c) => {
                *found = Some(c);
                rest.push(' ');
                true
            }
            Some(_) => false,
            None => {
                rest.push_str(word);
                true
            }
        };
        word.clear();
        ok
    };
    for ch in header.chars() {
        if ch.is_alphanumeric() {
            word.push(ch);
            continue;
        }
        if !end_word(&mut word, &mut rest, &mut found) {
            return None;
        }
        let sign = ch.to_string();
        match code_of(&sign) {
            Some(c) if found.is_none_or(|f| f == c) => {
                found = Some(c);
                rest.push(' ');
            }
            Some(_) => return None,
            None => rest.push(ch),
        }
    }
    if !end_word(&mut word, &mut rest, &mut found) {
        return None;
    }
    found.map(|c| (c, rest))
}

/// The parcel field a header names, if it is one people commonly use.
pub fn recognise(header: &str) -> Option<&'static str> {
    let key = header_key(header);
    if key.is_empty() {
        return None;
    }
    if let Some((_, rest)) = date_format_hint(header)
        && let Some(f) = recognise(&rest)
    {
        return Some(f);
    }
    // A value with its currency (`Стоимость (USD)`): the value's column,
    // the currency read from the header (see `ColumnPlan::value_currency`).
    if let Some((_, rest)) = currency_in_header(header)
        && recognise(&rest) == Some("declared_value")
    {
        return Some("declared_value");
    }
    let (fields, aliases) = header_keys();
    if let Some(f) = fields.get(&key) {
        return Some(f);
    }
    if weight_header(header).is_some() {
        return Some("weight_g");
    }
    aliases.get(&key).copied()
}

/// Fields by header key.
type KeyTable = std::collections::HashMap<String, &'static str>;

/// The fields' own names and labels, and then their aliases, by header
/// key (the first field to claim a key keeps it): made once. (Each cell
/// of a header row folded every alias again: a row of 50,000 cells in a
/// file's first lines took minutes to score.)
fn header_keys() -> &'static (KeyTable, KeyTable) {
    static KEYS: std::sync::OnceLock<(KeyTable, KeyTable)> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let mut fields = std::collections::HashMap::new();
        for spec in Parcel::FIELDS {
            for k in [header_key(spec.name), header_key(spec.label)] {
                fields.entry(k).or_insert(spec.name);
            }
        }
        let mut aliases = std::collections::HashMap::new();
        for (field, names) in ALIASES {
            for a in *names {
                aliases.entry(header_key(a)).or_insert(*field);
            }
        }
        (fields, aliases)
    })
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
