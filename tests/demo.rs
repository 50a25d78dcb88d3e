//! The demo notebook teaches the patterns of the field: each rule below is
//! what an officer would check first, written here from the field's facts
//! (not from the generator's tables), on a notebook generated once.

use interdict::domain::ItemKind;
use interdict::exchange::demo::{self, Summary};
use interdict::store::{OpenOptions, Store, records};
use rusqlite::Connection;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use uuid::Uuid;

const PARCELS: usize = 6000;
/// The seed; `DEMO_SEED=n cargo test --test demo` tries the rules on
/// another notebook.
fn seed() -> u64 {
    std::env::var("DEMO_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(9)
}

struct Demo {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    summary: Summary,
}

fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.db");
        let mut s = Store::open(&path, OpenOptions::new("test")).unwrap();
        let summary = demo::generate(&mut s, PARCELS, seed(), |_, _| {}).unwrap();
        Demo {
            _dir: dir,
            path,
            summary,
        }
    })
}

fn conn() -> Connection {
    Connection::open(&demo().path).unwrap()
}

fn rows<T: rusqlite::types::FromSql>(sql: &str) -> Vec<Vec<T>> {
    let c = conn();
    let mut stmt = c.prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| (0..n).map(|i| r.get(i)).collect())
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Findings with their substance's group and subclass, form, quantity,
/// unit, and the parcel's weight.
struct Found {
    substance: String,
    group: String,
    subclass: String,
    form: String,
    quantity: f64,
    unit: String,
    weight_g: f64,
}

fn findings() -> Vec<Found> {
    let c = conn();
    let mut stmt = c
        .prepare(
            "SELECT s.name, s.\"group\", coalesce(s.subclass, ''), f.form, f.quantity, f.unit, p.weight_g
             FROM findings f JOIN substances s ON s.id = f.substance_id
             JOIN parcels p ON p.id = f.parcel_id",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok(Found {
            substance: r.get(0)?,
            group: r.get(1)?,
            subclass: r.get(2)?,
            form: r.get(3)?,
            quantity: r.get(4)?,
            unit: r.get(5)?,
            weight_g: r.get(6)?,
        })
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// The forms each group is seized in (EUDA, UNODC and national reports):
/// opioids as powder, tablets imitating medicines, sometimes liquid;
/// synthetic cannabinoids on herbal material, in e-liquid, on paper or as
/// the raw powder; cathinones as crystals or powder; the fentanyl
/// precursors 4-ANPP and NPP (crystalline solids) as powder or crystals.
fn allowed_forms(group: &str, subclass: &str) -> &'static [&'static str] {
    match (group, subclass) {
        (_, "fentanyl-analogue" | "nitazene" | "brorphine-like" | "other-opioid") => {
            &["powder", "tablets", "liquid"]
        }
        (_, "precursor") => &["powder", "crystals"],
        ("synthetic-cannabinoids", _) => &["herbal-material", "e-liquid", "paper", "powder"],
        ("synthetic-cathinones", _) => &["crystals", "powder"],
        ("phenethylamines", _) => &["powder", "crystals", "tablets", "blotters"],
        (_, "benzodiazepine") => &["tablets", "powder", "liquid", "blotters"],
        ("ketamine-pcp-type", _) => &["powder", "crystals"],
        _ => &[],
    }
}

#[test]
fn each_substance_group_comes_in_the_forms_it_is_seized_in() {
    let found = findings();
    assert!(found.len() > PARCELS / 20, "{} findings", found.len());
    let mut groups = HashSet::new();
    for f in &found {
        assert!(
            allowed_forms(&f.group, &f.subclass).contains(&f.form.as_str()),
            "{} ({}/{}) as {}",
            f.substance,
            f.group,
            f.subclass,
            f.form
        );
        groups.insert((f.group.clone(), f.subclass.clone()));
    }
    // Not one group standing for all: opioids, stimulants, cannabinoids,
    // precursors and the rest are all there.
    assert!(groups.len() >= 8, "{groups:?}");
    // Precursors and herbal blends are not blotters; NBOMe is.
    assert!(found.iter().any(|f| f.form == "blotters"));
    assert!(found.iter().any(|f| f.form == "herbal-material"));
}

/// The net mass of a finding in grams, at the lightest a unit can be
/// (a tablet 0.1 g, a blotter 0.01 g, a millilitre 1 g).
fn grams(f: &Found) -> f64 {
    f.quantity
        * match f.unit.as_str() {
            "mg" => 0.001,
            "kg" => 1000.0,
            "ug" => 0.000_001,
            "l" => 1000.0,
            "tablets" | "capsules" => 0.1,
            "blotters" => 0.01,
            _ => 1.0,
        }
}

#[test]
fn every_finding_fits_inside_its_parcel_in_seizure_sized_amounts() {
    let found = findings();
    for f in &found {
        assert!(
            grams(f) <= f.weight_g,
            "{} {} of {} in a {} g parcel",
            f.quantity,
            f.unit,
            f.substance,
            f.weight_g
        );
        assert!(f.quantity > 0.0);
        // Grams to a few hundred grams; precursors in bulk, to kilograms.
        let cap = if f.subclass == "precursor" {
            5000.0
        } else {
            1000.0
        };
        assert!(
            grams(f) <= cap,
            "{} {} of {}",
            f.quantity,
            f.unit,
            f.substance
        );
    }
    // Most seizures are of grams to a few hundred grams.
    let small = found.iter().filter(|f| grams(f) <= 500.0).count();
    assert!(small * 10 >= found.len() * 9, "{small} of {}", found.len());
}

#[test]
fn every_phone_is_a_valid_number_of_its_country() {
    let all: Vec<Vec<Option<String>>> =
        rows("SELECT sender_phone, origin, recipient_phone, destination FROM parcels");
    let mut checked = 0;
    for r in &all {
        for (phone, country) in [(&r[0], &r[1]), (&r[2], &r[3])] {
            let (Some(phone), Some(country)) = (phone, country) else {
                panic!("a parcel without a phone or country: {r:?}");
            };
            let id: phonenumber::country::Id = country.parse().unwrap();
            let n = phonenumber::parse(Some(id), phone)
                .unwrap_or_else(|e| panic!("{phone} ({country}): {e}"));
            assert!(
                phonenumber::is_valid(&n) && n.country().id() == Some(id),
                "{phone} is not a valid number of {country}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, PARCELS * 2);
}

#[test]
fn routes_have_the_shape_the_field_reports() {
    let all: Vec<Vec<Option<String>>> =
        rows("SELECT origin, coalesce(transit, ''), destination FROM parcels");
    let region = ["KZ", "UZ", "KG", "TJ"];
    let mut origins: HashMap<String, usize> = HashMap::new();
    let mut transits = 0;
    for r in &all {
        let (o, t, d) = (
            r[0].clone().unwrap(),
            r[1].clone().unwrap(),
            r[2].clone().unwrap(),
        );
        assert_ne!(o, d, "a parcel from a country to itself");
        assert!(
            region.contains(&d.as_str()),
            "destination {d} outside the region"
        );
        for hop in t.split(',').filter(|h| !h.is_empty()) {
            assert!(hop != o && hop != d, "transit {hop} on {o} -> {d}");
            transits += 1;
        }
        *origins.entry(o).or_default() += 1;
    }
    // A few source countries dominate; China first.
    let mut ranked: Vec<(String, usize)> = origins.into_iter().collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.1));
    assert_eq!(ranked[0].0, "CN", "{ranked:?}");
    let top3: usize = ranked.iter().take(3).map(|r| r.1).sum();
    assert!(top3 * 100 >= PARCELS * 60, "{ranked:?}");
    assert!(ranked[0].1 * 100 >= PARCELS * 40, "{ranked:?}");
    // Transit hubs on some routes, not on all.
    assert!(
        transits * 100 >= PARCELS * 5 && transits < PARCELS,
        "{transits}"
    );
}

#[test]
fn seizures_happen_in_the_destination_country() {
    // Where each country's posts and terminals are.
    let places: &[(&str, &[&str])] = &[
        ("KZ", &["Almaty", "Astana", "Khorgos", "Shymkent"]),
        ("UZ", &["Tashkent"]),
        ("KG", &["Bishkek", "Manas", "Torugart", "Osh"]),
        ("TJ", &["Dushanbe", "Kulma"]),
    ];
    let seized: Vec<Vec<String>> =
        rows("SELECT destination, seized_place FROM parcels WHERE seized_place IS NOT NULL");
    assert!(!seized.is_empty());
    for r in &seized {
        let cities = places.iter().find(|p| p.0 == r[0]).unwrap().1;
        assert!(
            cities.iter().any(|c| r[1].contains(c)),
            "seized at {:?} on its way to {}",
            r[1],
            r[0]
        );
    }
}

#[test]
fn customs_documents_fit_the_item() {
    let all: Vec<Vec<Option<String>>> = rows(
        "SELECT tracking, tracking_kind, customs_form, CAST(weight_g AS TEXT), hs_code, declared_contents,
                declared_currency, origin, service FROM parcels",
    );
    // The currencies a sender in each origin declares in.
    let local: HashMap<&str, &str> = [
        ("CN", "CNY"),
        ("IN", "INR"),
        ("NL", "EUR"),
        ("DE", "EUR"),
        ("PL", "PLN"),
        ("TR", "TRY"),
        ("AE", "AED"),
        ("RU", "RUB"),
        ("GB", "GBP"),
        ("US", "USD"),
        ("HK", "HKD"),
        ("KR", "KRW"),
    ]
    .into_iter()
    .collect();
    let mut currencies = HashSet::new();
    let mut hs_codes = 0;
    let mut services = HashSet::new();
    for r in &all {
        let tracking = r[0].clone().unwrap();
        let kind = r[1].clone().unwrap();
        let form = r[2].clone().unwrap_or_default();
        let weight: f64 = r[3].as_deref().unwrap().parse().unwrap();
        let origin = r[7].clone().unwrap();
        let documents = r[5].as_deref() == Some("documents");
        if form == "CN22" {
            // Letter post only (not EMS, not parcel post), up to 2 kg.
            assert_eq!(kind, "s10", "CN22 on courier waybill {tracking}");
            assert!(!tracking.starts_with(['E', 'C', 'H']), "CN22 on {tracking}");
            assert!(weight <= 2000.0, "CN22 on a {weight} g item {tracking}");
        }
        // Goods by EMS or parcel post, or over 2 kg by post: a CN23.
        if kind == "s10" && !documents && (tracking.starts_with(['E', 'C', 'H']) || weight > 2000.0)
        {
            assert_eq!(form, "CN23", "{tracking}, {weight} g");
        }
        if kind == "waybill" {
            assert!(
                form != "CN22" && form != "CN23",
                "postal form {form} on courier item {tracking}"
            );
        }
        if kind == "s10" && weight > 2000.0 {
            assert!(
                !tracking.starts_with(['R', 'L', 'U']),
                "a {weight} g letter-post item {tracking}"
            );
        }
        if let Some(hs) = &r[4] {
            hs_codes += 1;
            let declared = r[5].as_deref().unwrap_or_default();
            let chapter =
                hs_chapter(declared).unwrap_or_else(|| panic!("no chapter known for {declared:?}"));
            assert!(
                hs.starts_with(chapter),
                "{tracking}: {declared:?} declared under HS {hs}"
            );
        } else {
            assert_eq!(
                r[5].as_deref(),
                Some("documents"),
                "{tracking} without HS code"
            );
        }
        if let Some(c) = &r[6] {
            assert!(
                c == "USD" || local.get(origin.as_str()) == Some(&c.as_str()),
                "{tracking} from {origin} declared in {c}"
            );
            currencies.insert(c.clone());
        }
        services.insert(r[8].clone().unwrap());
    }
    assert!(currencies.len() >= 6, "{currencies:?}");
    assert!(hs_codes * 10 >= PARCELS * 8, "{hs_codes}");
    assert!(services.len() >= 4, "{services:?}");
}

/// The HS chapter goods belong in, from words of their description
/// (the Harmonized System's chapter titles).
fn hs_chapter(declared: &str) -> Option<&'static str> {
    let d = declared.to_lowercase();
    let chapters: &[(&[&str], &str)] = &[
        (&["tea"], "09"),
        (&["herbal"], "12"),
        (&["vitamin", "supplement"], "21"),
        (&["research chemical"], "29"),
        (&["plant food"], "31"),
        (&["pigment", "dye", "coating"], "32"),
        (&["cosmetic", "lipstick", "bath salts", "incense"], "33"),
        (&["photo", "toner"], "37"),
        (&["reagent"], "38"),
        (&["plastic", "silicone", "phone case"], "39"),
        (&["handbag"], "42"),
        (&["book"], "49"),
        (&["t-shirt", "socks"], "61"),
        (&["dress"], "62"),
        (&["shoes"], "64"),
        (&["ceramic"], "69"),
        (&["jewellery"], "71"),
        (&["hooks"], "73"),
        (&["charger", "earphones", "cable"], "85"),
        (&["car "], "87"),
        (&["watch"], "91"),
        (&["toys", "fishing", "fitness equipment"], "95"),
    ];
    chapters
        .iter()
        .find(|(words, _)| words.iter().any(|w| d.contains(w)))
        .map(|c| c.1)
}

#[test]
fn the_same_seed_gives_the_same_notebook() {
    let content = |seed: u64| -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("n.db"), OpenOptions::new("test")).unwrap();
        demo::generate(&mut s, 400, seed, |_, _| {}).unwrap();
        let mut stmt = s
            .conn()
            .prepare(
                "SELECT p.tracking, p.carrier, p.service, p.origin, p.transit, p.destination,
                        p.sender_name, p.sender_phone, p.recipient_name, p.recipient_address,
                        p.recipient_phone, p.customs_form, p.declared_contents,
                        p.declared_value, p.declared_currency, p.hs_code, p.weight_g,
                        p.status, p.seized_place, p.seized_on, f.form, f.quantity,
                        (SELECT name FROM substances WHERE id = f.substance_id)
                 FROM parcels p LEFT JOIN findings f ON f.parcel_id = p.id ORDER BY p.n",
            )
            .unwrap();
        let n = stmt.column_count();
        stmt.query_map([], |r| {
            let cols: Vec<String> = (0..n)
                .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                .collect();
            Ok(cols.join("|"))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    };
    let a = content(5);
    assert!(a.len() >= 400, "{} rows", a.len());
    assert!(a == content(5), "seed 5 gave two notebooks");
    assert!(a != content(6), "seeds 5 and 6 gave the same notebook");
}

#[test]
fn controlled_deliveries_and_seizures_carry_their_findings() {
    let bare: Vec<Vec<String>> = rows(
        "SELECT tracking, status FROM parcels p
         WHERE status IN ('seized', 'controlled-delivery')
           AND NOT EXISTS (SELECT 1 FROM findings f WHERE f.parcel_id = p.id)",
    );
    assert!(bare.is_empty(), "{bare:?}");
    let cd: Vec<Vec<i64>> =
        rows("SELECT count(*) FROM parcels WHERE status = 'controlled-delivery'");
    assert!(cd[0][0] > 0);
    // And nothing found where nothing was opened.
    let stray: Vec<Vec<i64>> = rows(
        "SELECT count(*) FROM findings f JOIN parcels p ON p.id = f.parcel_id
         WHERE p.status IN ('targeted', 'released')",
    );
    assert_eq!(stray[0][0], 0);
}

/// Findings of `substances` seized in the first and in the last six
/// months of the demo's two years.
fn first_and_last_half_year(substances: &[String]) -> (usize, usize) {
    let dates: Vec<Vec<String>> = rows(
        "SELECT s.name, p.seized_on FROM findings f JOIN substances s ON s.id = f.substance_id
         JOIN parcels p ON p.id = f.parcel_id",
    );
    let mut first = 0;
    let mut last = 0;
    for r in dates.iter().filter(|r| substances.contains(&r[0])) {
        if r[1].as_str() < "2025-06-01" {
            first += 1;
        } else if r[1].as_str() >= "2026-06-01" {
            last += 1;
        }
    }
    (first, last)
}

#[test]
fn trends_rise_and_fall_over_two_years() {
    let span: Vec<Vec<String>> =
        rows("SELECT min(seized_on), max(seized_on) FROM parcels WHERE seized_on IS NOT NULL");
    assert!(span[0][0].as_str() < "2025-01-01", "{span:?}");
    assert!(span[0][1].as_str() >= "2026-11-01", "{span:?}");
    let s = &demo().summary;
    let named = |direction: &str| -> Vec<String> {
        s.trends
            .iter()
            .filter(|t| t.direction == direction)
            .map(|t| t.substance.clone())
            .collect()
    };
    let rising = named("rising");
    let falling = named("falling");
    // Nitazenes rise, fentanyl analogues other than fentanyl fall: in the
    // seizures, not only in the summary.
    let nitazenes: Vec<String> = ["Isotonitazene", "Metonitazene", "Protonitazene"]
        .map(String::from)
        .to_vec();
    let analogues: Vec<String> = ["Acetylfentanyl", "Furanylfentanyl", "Carfentanil"]
        .map(String::from)
        .to_vec();
    assert!(nitazenes.iter().all(|n| rising.contains(n)), "{rising:?}");
    assert!(analogues.iter().all(|n| falling.contains(n)), "{falling:?}");
    let (a, b) = first_and_last_half_year(&nitazenes);
    assert!(b >= 2 * a.max(1), "nitazenes: {a} then {b}");
    let (a, b) = first_and_last_half_year(&analogues);
    assert!(a >= 2 * b.max(1), "fentanyl analogues: {a} then {b}");
}

#[test]
fn a_route_shifts_and_a_shop_handle_recurs() {
    let s = &demo().summary;
    let shift = s.route_shift.as_ref().expect("a planted route shift");
    let planted = s
        .clusters
        .iter()
        .find(|c| c.case_ref == shift.case_ref)
        .unwrap();
    let c = conn();
    let mut before = HashSet::new();
    let mut after = HashSet::new();
    for t in &planted.trackings {
        let (o, tr, d, on): (String, Option<String>, String, Option<String>) = c
            .query_row(
                "SELECT origin, transit, destination, seized_on FROM parcels WHERE tracking = ?1",
                [t],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        let route = match tr {
            Some(tr) => format!("{o}>{tr}>{d}"),
            None => format!("{o}>{d}"),
        };
        if let Some(on) = on {
            if on < shift.from {
                before.insert(route);
            } else {
                after.insert(route);
            }
        }
    }
    assert_eq!(before, HashSet::from([shift.before.clone()]), "{shift:?}");
    assert_eq!(after, HashSet::from([shift.after.clone()]), "{shift:?}");
    assert_ne!(shift.before, shift.after);

    let shop = s.shop.as_ref().expect("a planted shop");
    assert!(shop.case_refs.len() >= 3, "{shop:?}");
    let cases: Vec<Vec<String>> = rows(&format!(
        "SELECT DISTINCT c.\"ref\" FROM notes n JOIN cases c ON c.id = n.item_id
         WHERE n.text LIKE '%{}%' ORDER BY 1",
        shop.handle
    ));
    let mut want = shop.case_refs.clone();
    want.sort();
    assert_eq!(
        cases.into_iter().map(|r| r[0].clone()).collect::<Vec<_>>(),
        want
    );
}

/// Without the cases that tie them, the planted series are still the
/// networks an analyst meets first: background names, addresses and
/// phones collide as rarely as real ones, and no background network is as
/// large as a series. (A stranger who happens to share a series' name may
/// join its network, as in life; a network of strangers may not lead.)
#[test]
fn planted_series_lead_the_clusters_without_their_cases() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy.db");
    std::fs::copy(&demo().path, &path).unwrap();
    let mut s = Store::open(&path, OpenOptions::new("test")).unwrap();
    let cases: Vec<Uuid> = s
        .conn()
        .prepare("SELECT id FROM cases")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    s.write(|w| {
        for id in &cases {
            records::delete(w, ItemKind::Case, *id)?;
        }
        Ok(())
    })
    .unwrap();
    let planted = &demo().summary.clusters;
    let components = interdict::xref::graph::all_clusters(s.conn()).unwrap();
    let mut seen = HashSet::new();
    let mut strays = 0;
    for (i, comp) in components.iter().take(planted.len()).enumerate() {
        let tracking: String = s
            .conn()
            .query_row(
                "SELECT tracking FROM parcels WHERE id = ?1",
                [comp.example.id],
                |r| r.get(0),
            )
            .unwrap_or_else(|_| panic!("network {i} is not led by a parcel: {comp:?}"));
        let series = planted
            .iter()
            .position(|p| p.trackings.contains(&tracking))
            .unwrap_or_else(|| {
                panic!(
                    "network {i} of {} items is background ({tracking})",
                    comp.size
                )
            });
        // The whole series and its buyer (a person named on, or linked
        // to, its parcels), and at most a stray parcel or two.
        let size = planted[series].trackings.len() + 1;
        assert!(
            comp.size >= size && comp.size <= size + 2,
            "network {i} of {} items holds series {} of {size}",
            comp.size,
            planted[series].case_ref
        );
        strays += comp.size - size;
        assert!(seen.insert(series));
    }
    assert_eq!(seen.len(), planted.len());
    assert!(strays <= 2, "{strays} strangers joined the series");
}
