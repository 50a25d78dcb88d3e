//! The demo's people and shops: the buyer behind each planted series (in
//! Cyrillic where the destination writes it, with the Latin spelling of
//! the labels as an alias), linked to the series' parcels for every other
//! series and left for the match suggestions for the rest; and the
//! Telegram shop named in several cases' leads, with its site and wallet.
//! Drawn from a generator of their own, after everything else, so the
//! parcels, cases and leads are the same with or without them.

use super::Rng;
use crate::domain::identifiers as ids;
use crate::domain::record::new_record;
use crate::domain::{Link, Organisation, Person};
use crate::store::{Result, Writer, create, records, refs};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// What the demo knows of a series when it plants its buyer.
pub struct Buyer<'a> {
    pub case_id: Uuid,
    pub country: &'static str,
    /// The name as the labels spell it, first.
    pub names: &'a [String],
    pub address: &'a str,
    pub phone: &'a str,
    pub trackings: &'a [String],
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PlantedPeople {
    pub people: usize,
    pub organisations: usize,
    /// Links made to and from them.
    pub links: usize,
    /// Buyers linked to their series' parcels (recipient-of).
    pub linked: Vec<String>,
    /// Buyers left for `matches list` to suggest.
    pub suggested: Vec<String>,
    /// The shop's organisation, its site and its TRON wallet.
    pub shop: Option<(String, String, String)>,
}

/// Countries whose labels and leads are often written in Cyrillic.
const CYRILLIC: &[&str] = &["KZ", "RU", "KG", "BY", "UA", "TJ", "UZ"];

/// Latin letters as Cyrillic, longest spelling first, so that
/// [`crate::domain::translit::latin`] gives the Latin back.
const TO_CYRILLIC: &[(&str, &str)] = &[
    ("shch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("ya", "я"),
    ("yu", "ю"),
    ("a", "а"),
    ("b", "б"),
    ("v", "в"),
    ("g", "г"),
    ("d", "д"),
    ("e", "е"),
    ("z", "з"),
    ("i", "и"),
    ("k", "к"),
    ("l", "л"),
    ("m", "м"),
    ("n", "н"),
    ("o", "о"),
    ("p", "п"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("u", "у"),
    ("f", "ф"),
];

/// `text` in Cyrillic, if its Latin spelling comes back exactly from it
/// (names with `w`, `j`, `h`... stay Latin).
pub fn cyrillic(text: &str) -> Option<String> {
    if !text.is_ascii() {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let (orig, bytes) = (text.as_bytes(), lower.as_bytes());
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let prev_vowel = i > 0 && "aeiouy".contains(bytes[i - 1] as char);
        let (len, cyr) = match TO_CYRILLIC.iter().find(|(l, _)| lower[i..].starts_with(l)) {
            Some((l, cy)) => (l.len(), *cy),
            None if c == 'y' && prev_vowel => (1, "й"),
            None if c == 'y' => (1, "ы"),
            None => return None,
        };
        if orig[i].is_ascii_uppercase() {
            out.extend(cyr.chars().flat_map(char::to_uppercase));
        } else {
            out.push_str(cyr);
        }
        i += len;
    }
    (crate::domain::translit::latin(&out) == text).then_some(out)
}

/// The contacts of the shop under `handle`: the handle, its site, a TRON
/// and a Bitcoin wallet, each an identifier.
pub fn shop_contacts(handle: &str) -> String {
    let bare = handle.trim_start_matches('@').replace('_', "-");
    format!(
        "{handle}, https://{bare}.shop, USDT TRC20 {}, BTC {}",
        tron(handle),
        bitcoin(handle)
    )
}

/// A TRON address made from `seed`: valid (base58check over 0x41 and 20
/// bytes), so it is an identifier, not text.
pub fn tron(seed: &str) -> String {
    let mut body = vec![0x41u8];
    body.extend_from_slice(&Sha256::digest(seed.as_bytes())[..20]);
    let check = Sha256::digest(Sha256::digest(&body));
    body.extend_from_slice(&check[..4]);
    bs58::encode(body).into_string()
}

/// A segwit (version 0) Bitcoin address made from `seed`.
pub fn bitcoin(seed: &str) -> String {
    let program = &Sha256::digest(seed.as_bytes())[..20];
    bech32::segwit::encode(bech32::hrp::BC, bech32::segwit::VERSION_0, program).unwrap_or_default()
}

/// A bank card number (a Visa range) made from `rng`, with its Luhn digit.
pub fn card(rng: &mut Rng) -> String {
    let mut d: String = "4".to_string();
    for _ in 0..14 {
        d.push(char::from(b'0' + rng.below(10) as u8));
    }
    let check = (0..10)
        .map(|c| format!("{d}{c}"))
        .find(|n| crate::domain::payment::luhn(n))
        .unwrap_or_default();
    check
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Plants the buyers and the shop.
pub fn plant(
    w: &mut Writer<'_>,
    seed: u64,
    buyers: &[Buyer<'_>],
    shop: Option<(&str, &[Uuid])>,
) -> Result<PlantedPeople> {
    let mut rng = Rng::new(seed ^ 0x5eed_0fb0_7e25);
    let mut out = PlantedPeople::default();
    for (i, b) in buyers.iter().enumerate() {
        let latin = &b.names[0];
        let cyr = CYRILLIC
            .contains(&b.country)
            .then(|| cyrillic(latin))
            .flatten();
        let name = cyr.clone().unwrap_or_else(|| latin.clone());
        let address = CYRILLIC
            .contains(&b.country)
            .then(|| cyrillic(&b.address.replace(", apt ", ", kv. ")).map(|a| format!("г. {a}")))
            .flatten()
            .unwrap_or_else(|| b.address.to_string());
        let aliases = if cyr.is_some() {
            latin.clone()
        } else {
            b.names.get(1).cloned().unwrap_or_default()
        };
        let card = card(&mut rng);
        let contacts = format!("card {card}");
        let (mut p, _) = new_record::<Person>(&[
            ("name", &name),
            ("aliases", &aliases),
            ("nationality", b.country),
            ("phones", b.phone),
            ("addresses", &address),
            ("contacts", &contacts),
            ("role_notes", "buyer (recipient of the series)"),
            ("source_grade", "2"),
            ("intel_grade", "B"),
        ])?;
        records::insert(w, &mut p)?;
        out.people += 1;
        // The buyer's own link to the case, and for every other series to
        // each parcel (the rest are left for the suggestions).
        out.links += link(w, b.case_id, p.meta.id, "related-to", "the series' buyer")?;
        if i % 2 == 0 {
            for t in b.trackings {
                let parcel = refs::resolve(&w.tx, t)?.id;
                out.links += link(w, p.meta.id, parcel, "recipient-of", "named on the label")?;
            }
            out.linked.push(name);
        } else {
            out.suggested.push(name);
        }
    }
    if let Some((handle, cases)) = shop {
        let bare = handle.trim_start_matches('@').replace('_', "-");
        let site = format!("{bare}.shop");
        let wallet = tron(handle);
        let contacts = shop_contacts(handle);
        debug_assert!(ids::scan(&contacts, None).failed.is_empty());
        let (mut o, _) = new_record::<Organisation>(&[
            ("name", &format!("{} shop", handle.trim_start_matches('@'))),
            ("org_type", "shop"),
            ("contacts", &contacts),
            (
                "description",
                "Telegram shop selling synthetic drugs, delivered by post",
            ),
            ("source_grade", "2"),
            ("intel_grade", "C"),
        ])?;
        records::insert(w, &mut o)?;
        out.organisations += 1;
        for c in cases {
            out.links += link(w, o.meta.id, *c, "related-to", "named in the case's leads")?;
        }
        out.shop = Some((o.name.clone(), site, wallet));
    }
    Ok(out)
}

/// Makes a link; 1 (for counting).
fn link(w: &mut Writer<'_>, from: Uuid, to: Uuid, kind: &str, why: &str) -> Result<usize> {
    let (mut l, _) = new_record::<Link>(&[("link_type", kind), ("note", why)])?;
    l.from_id = from;
    l.to_id = to;
    create::link(w, &mut l).map(|_| 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shop handle the demo can draw gives contacts that are all
    /// identifiers (`demo --parcels 5000` drew one that was not, and the
    /// demo stopped half-written in a debug build).
    #[test]
    fn every_shop_the_demo_can_draw_has_contacts_that_are_identifiers() {
        let mut failed = Vec::new();
        for town in ["almaty", "steppe", "silk", "nomad", "asia"] {
            for n in 100..1000 {
                let handle = format!("@{town}{n}_chem_shop");
                let scan = ids::scan(&shop_contacts(&handle), None);
                if !scan.failed.is_empty() {
                    failed.push((handle, scan.failed));
                }
            }
        }
        assert!(
            failed.is_empty(),
            "{} fail: {:?}",
            failed.len(),
            &failed[..failed.len().min(5)]
        );
    }

    #[test]
    fn names_and_addresses_in_cyrillic_come_back_as_written() {
        assert_eq!(
            cyrillic("Nurlan Zhaksylykov").as_deref(),
            Some("Нурлан Жаксылыков")
        );
        assert_eq!(
            cyrillic("Almaty, Abaya 12, kv. 5").as_deref(),
            Some("Алматы, Абая 12, кв. 5")
        );
        assert_eq!(
            cyrillic("Almaty, Abaya 12").as_deref(),
            Some("Алматы, Абая 12")
        );
        assert_eq!(cyrillic("Iwan"), None);
    }

    #[test]
    fn made_payment_ids_pass_their_checks() {
        use crate::domain::payment::{Checked, bitcoin as btc, card as c, tron as t};
        assert!(matches!(t(&tron("x")), Some(Checked::Valid(_))));
        assert!(matches!(btc(&bitcoin("x")), Some(Checked::Valid(_))));
        let mut rng = Rng::new(7);
        for _ in 0..20 {
            assert!(matches!(c(&card(&mut rng)), Some(Checked::Valid(_))));
        }
    }
}
