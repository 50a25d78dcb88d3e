//! A deterministic, realistic synthetic dataset: parcels from the origin
//! countries of the trade to Central Asian and European destinations, most
//! of them background traffic, some in planted clusters that share a
//! sender phone, a recipient address (with name variants) and a reused
//! declared content, grouped into cases, with findings of catalogue
//! substances and graded leads. The same seed gives the same data.

use crate::domain::record::new_record;
use crate::domain::{Case, Finding, Note, Parcel, s10};
use crate::store::catalogue::catalogue_id;
use crate::store::{Result, Store, StoreError, create, records};
use serde::Serialize;
use uuid::Uuid;

/// SplitMix64: small, fast and reproducible across platforms.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const ORIGINS: &[(&str, &str)] = &[
    ("CN", "+86 1"),
    ("IN", "+91 9"),
    ("NL", "+31 6"),
    ("PL", "+48 5"),
    ("HK", "+852 5"),
    ("TR", "+90 5"),
    ("DE", "+49 15"),
    ("AE", "+971 5"),
    ("US", "+1 202"),
    ("GB", "+44 7"),
];
const DESTINATIONS: &[(&str, &str, &[&str])] = &[
    (
        "KZ",
        "+7 70",
        &["Almaty", "Astana", "Shymkent", "Karaganda"],
    ),
    ("UZ", "+998 9", &["Tashkent", "Samarkand", "Bukhara"]),
    ("KG", "+996 55", &["Bishkek", "Osh"]),
    ("TJ", "+992 9", &["Dushanbe", "Khujand"]),
    ("DE", "+49 17", &["Berlin", "Hamburg", "Munich"]),
    ("GB", "+44 7", &["London", "Manchester", "Leeds"]),
    ("AU", "+61 4", &["Sydney", "Melbourne", "Perth"]),
    ("US", "+1 305", &["Miami", "Houston", "Seattle"]),
];
const FIRST: &[&str] = &[
    "Ivan",
    "Aidar",
    "Dmitry",
    "Olga",
    "Aigerim",
    "Sergey",
    "Timur",
    "Elena",
    "Nurlan",
    "Anna",
    "Rustam",
    "Dilnoza",
    "Marat",
    "Yulia",
    "Bekzat",
    "John",
    "Maria",
    "Wei",
    "Li",
    "Ahmet",
    "Priya",
    "Jan",
    "Katarzyna",
];
const LAST: &[&str] = &[
    "Petrov",
    "Ivanov",
    "Sadykov",
    "Nurlanova",
    "Kim",
    "Smirnov",
    "Akhmetov",
    "Tashkentov",
    "Karimova",
    "Novak",
    "Wang",
    "Zhang",
    "Yilmaz",
    "Sharma",
    "Kowalski",
    "Muller",
    "Smith",
    "Brown",
    "Abdullaev",
    "Omarov",
    "Popova",
    "Sokolov",
    "Chen",
];
/// Surnames are built from syllables, so that unrelated background parcels
/// almost never share a name (millions of combinations) while the planted
/// series share theirs.
const SYLLABLES: &[&str] = &[
    "ka", "ri", "mo", "na", "ta", "be", "so", "lu", "da", "ve", "zu", "ni", "ra", "ko", "mi", "sa",
    "to", "ba", "le", "gu", "dy", "ar", "el", "om", "us", "in", "ak", "er", "ish", "tem", "jan",
    "bol", "sul", "gar", "dim", "pol", "rus", "kem", "tur", "zan",
];
const SURNAME_ENDINGS: &[&str] = &[
    "ov", "ova", "ev", "eva", "enko", "bekov", "uly", "kyzy", "ski", "ska", "yan", "er", "son",
    "ez", "ic",
];
/// Words that make a series' cover story its own once the base stories
/// are all in use.
const COVER_VARIANTS: &[&str] = &[
    "for shop",
    "batch B",
    "premium",
    "wholesale",
    "refill",
    "lot 7",
    "for salon",
    "grade A",
    "bulk",
    "for lab",
    "green",
    "new formula",
    "mix",
    "extra",
    "organic",
    "blue",
    "for printing",
    "pure",
    "gold",
    "trial",
];

fn surname(rng: &mut Rng) -> String {
    let n = 2 + rng.below(3);
    let mut s: String = (0..n).map(|_| *rng.pick(SYLLABLES)).collect();
    s.push_str(SURNAME_ENDINGS[rng.below(SURNAME_ENDINGS.len())]);
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => s,
    }
}

const STREETS: &[&str] = &[
    "Abaya",
    "Lenina",
    "Tole bi",
    "Furmanova",
    "Navoi",
    "Amir Temur",
    "Chui",
    "Rudaki",
    "Main St",
    "High St",
    "Market St",
    "Gagarina",
    "Zheltoksan",
    "Dostyk",
    "Satpaeva",
];
const DECLARED: &[&str] = &[
    "gift",
    "documents",
    "clothes",
    "phone case",
    "cosmetics",
    "toys",
    "spare parts",
    "books",
    "shoes",
    "vitamins",
    "tea",
    "sample",
    "electronics",
    "jewellery",
    "food supplement",
];
/// Cover stories reused within a series of parcels.
const COVERS: &[&str] = &[
    "tea sample",
    "pigment",
    "plant food",
    "bath salts",
    "research chemical sample",
    "photo developer",
    "incense",
    "printer toner",
    "dye powder",
    "cosmetic sample",
    "herbal blend",
    "laboratory reagent",
];
const CONCEALMENT: &[&str] = &[
    "inside tea packets",
    "vacuum-sealed in a book spine",
    "in a toy battery compartment",
    "mixed into a cosmetic cream",
    "blotters between greeting cards",
    "tablets in a vitamin bottle",
    "powder in a phone case lining",
];
const POSTS: &[&str] = &[
    "Almaty airport customs post",
    "Tashkent international post office",
    "Bishkek EMS hub",
    "Frankfurt mail centre",
    "Heathrow worldwide distribution centre",
];
/// Substances most seen in parcels, by catalogue name.
const SEIZED: &[&str] = &[
    "Fentanyl",
    "Carfentanil",
    "Isotonitazene",
    "Metonitazene",
    "Protonitazene",
    "Mephedrone",
    "alpha-PVP",
    "3-MMC",
    "MDMB-4en-PINACA",
    "ADB-BUTINACA",
    "4F-MDMB-BINACA",
    "25I-NBOMe",
    "Etizolam",
    "Bromazolam",
    "Methoxetamine",
    "2-Fluorodeschloroketamine",
    "Acetylfentanyl",
    "Furanylfentanyl",
    "4-ANPP",
    "NPP",
    "Brorphine",
    "N-Ethylpentylone",
    "Methamphetamine",
    "MDMA",
];
const FORMS: &[(&str, &str)] = &[
    ("powder", "g"),
    ("tablets", "tablets"),
    ("blotters", "blotters"),
    ("liquid", "ml"),
    ("herbal-material", "g"),
    ("crystals", "g"),
    ("e-liquid", "ml"),
];
const OPERATIONS: &[&str] = &[
    "Steppe", "Lantern", "Saffron", "Kestrel", "Glacier", "Bazaar", "Caravan", "Falcon", "Juniper",
    "Orbit", "Meridian", "Silk", "Tundra", "Harbour", "Cobalt", "Nomad",
];

/// A cluster of parcels planted by the generator, for tests to find again.
#[derive(Debug, Clone, Serialize)]
pub struct PlantedCluster {
    pub case_ref: String,
    pub sender_phone: String,
    pub recipient_address: String,
    pub declared: String,
    pub name_variants: Vec<String>,
    pub trackings: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub cases: usize,
    pub parcels: usize,
    pub findings: usize,
    pub notes: usize,
    pub links: usize,
    pub clusters: Vec<PlantedCluster>,
}

/// Name variants as they appear on labels of one series: reordered words,
/// transliteration (v/w, y/j), and typos.
pub fn name_variants(first: &str, last: &str) -> Vec<String> {
    let translit = |s: &str| s.replace('v', "w").replace('V', "W").replace("y", "j");
    let typo = |s: &str| {
        let mut c: Vec<char> = s.chars().collect();
        if c.len() > 3 {
            c.swap(1, 2);
        }
        c.into_iter().collect::<String>()
    };
    vec![
        format!("{first} {last}"),
        format!("{} {}", last.to_uppercase(), first),
        format!("{} {}", translit(first), translit(last)),
        format!("{first} {}", typo(last)),
    ]
}

/// An S10 number with a correct check digit.
pub fn s10_number(service: &str, serial: u32, country: &str) -> String {
    let mut d = [0u8; 8];
    let mut n = serial % 100_000_000;
    for i in (0..8).rev() {
        d[i] = (n % 10) as u8;
        n /= 10;
    }
    let c = s10::check_digit(&d);
    format!("{service}{:08}{c}{country}", serial % 100_000_000)
}

fn phone(rng: &mut Rng, prefix: &str) -> String {
    format!(
        "{prefix}{:03} {:02} {:02}",
        rng.below(1000),
        rng.below(100),
        rng.below(100)
    )
}

struct Gen {
    rng: Rng,
    serial: u32,
}

impl Gen {
    fn tracking(&mut self, origin: &str) -> String {
        self.serial += 1;
        let r = self.rng.below(100);
        if r < 12 {
            // Courier waybills keep their own schemes.
            format!("1Z{:06X}{:010}", self.rng.below(0xFFFFFF), self.serial)
        } else if r < 20 {
            format!("{:010}", 3_000_000_000u64 + u64::from(self.serial))
        } else {
            let service = *self
                .rng
                .pick(&["RR", "RB", "CP", "CX", "EE", "EA", "LX", "UA", "HB"]);
            s10_number(service, self.serial, origin)
        }
    }

    fn date(&mut self) -> String {
        format!(
            "2026-{:02}-{:02}",
            1 + self.rng.below(10),
            1 + self.rng.below(28)
        )
    }
}

/// Fills an empty notebook with `parcels` parcels. `progress(done, total)`
/// is called as parcels are written. Written as a bulk write
/// ([`Store::bulk`]) in transactions of about a second each
/// ([`crate::store::Batch`]), each complete in itself.
pub fn generate(
    store: &mut Store,
    parcels: usize,
    seed: u64,
    progress: impl FnMut(usize, usize),
) -> Result<Summary> {
    store.bulk(|store| generate_in(store, parcels, seed, progress))?
}

fn generate_in(
    store: &mut Store,
    parcels: usize,
    seed: u64,
    mut progress: impl FnMut(usize, usize),
) -> Result<Summary> {
    let existing = records::count::<Parcel>(store.conn())?;
    if existing > 0 {
        return Err(StoreError::Duplicate(format!(
            "{}: the notebook already holds {existing} parcels; demo data goes into an empty notebook (pick another file with --db)",
            store.path().display()
        )));
    }
    for name in SEIZED {
        records::must_get::<crate::domain::Substance>(store.conn(), catalogue_id(name)).map_err(
            |_| {
                StoreError::Corrupt(format!(
                    "the substance catalogue lacks {name}, which the demo data uses"
                ))
            },
        )?;
    }
    let mut g = Gen {
        rng: Rng::new(seed),
        serial: 10_000_000 + (seed % 1000) as u32 * 1000,
    };
    let mut summary = Summary::default();
    // About one parcel in ten belongs to a planted series; a series has 3-12.
    let n_clusters = if parcels < 3 {
        0
    } else {
        (parcels / 60).max(1)
    };
    let mut plan: Vec<Option<usize>> = vec![None; parcels];
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_clusters];
    for (c, m) in members.iter_mut().enumerate() {
        let size = (3 + g.rng.below(10)).min(parcels);
        for _ in 0..size {
            let mut i = g.rng.below(parcels);
            while plan[i].is_some() {
                i = (i + 1) % parcels;
            }
            plan[i] = Some(c);
            m.push(i);
        }
        if plan.iter().all(Option::is_some) {
            break;
        }
    }

    // Cases and the identity of each series.
    struct Series {
        case_id: Uuid,
        origin: &'static str,
        dest: usize,
        phone: String,
        address: String,
        sender: String,
        names: Vec<String>,
        cover: String,
        concealment: &'static str,
        substance: &'static str,
        form: (&'static str, &'static str),
    }
    let mut series: Vec<Series> = Vec::new();
    store.write(|w| {
        for c in 0..n_clusters {
            let (origin, oprefix) = *g.rng.pick(ORIGINS);
            let dest = g.rng.below(DESTINATIONS.len());
            let (dcc, _, cities) = DESTINATIONS[dest];
            let first = *g.rng.pick(FIRST);
            let last = surname(&mut g.rng);
            let city = *g.rng.pick(cities);
            let address = format!(
                "{city}, {} {}, apt {}",
                g.rng.pick(STREETS),
                1 + g.rng.below(200),
                1 + g.rng.below(90)
            );
            let op = OPERATIONS[c % OPERATIONS.len()];
            let title = if c < OPERATIONS.len() {
                format!("Operation {op}")
            } else {
                format!("Operation {op} {}", c / OPERATIONS.len() + 1)
            };
            let (mut case, _) = new_record::<Case>(&[
                ("title", &title),
                (
                    "status",
                    *g.rng.pick(&["open", "active", "active", "closed"]),
                ),
                ("opened_on", &g.date()),
                (
                    "lead_officer",
                    &format!("{} {}", g.rng.pick(FIRST), g.rng.pick(LAST)),
                ),
                (
                    "summary",
                    &format!(
                        "Series of parcels from {origin} to {city}, {dcc}, declared as {:?}.",
                        COVERS[c % COVERS.len()]
                    ),
                ),
                (
                    "tlp",
                    *g.rng
                        .pick(&["AMBER", "AMBER", "GREEN", "AMBER+STRICT", "RED"]),
                ),
            ])?;
            if case.status == "closed" {
                // Opening dates fall in January to October.
                case.closed_on = Some("2026-11-01".into());
            }
            create::case(w, &mut case)?;
            let substance = *g.rng.pick(SEIZED);
            series.push(Series {
                case_id: case.meta.id,
                origin,
                dest,
                phone: phone(&mut g.rng, oprefix),
                address,
                sender: format!("{} Trading Co", surname(&mut g.rng)),
                names: name_variants(first, &last),
                cover: cover_story(c),
                concealment: CONCEALMENT[g.rng.below(CONCEALMENT.len())],
                substance,
                form: *g.rng.pick(FORMS),
            });
            summary.clusters.push(PlantedCluster {
                case_ref: case.reference.clone(),
                sender_phone: series[c].phone.clone(),
                recipient_address: series[c].address.clone(),
                declared: series[c].cover.clone(),
                name_variants: series[c].names.clone(),
                trackings: Vec::new(),
            });
            summary.cases += 1;
        }
        Ok(())
    })?;

    let mut start = 0;
    while start < parcels {
        let mut end = start;
        let batch = crate::store::Batch::new();
        store.write(|w| {
            while end < parcels && !batch.full(end - start) {
                let slot = &plan[end];
                end += 1;
                match slot {
                    Some(c) => {
                        let s = &series[*c];
                        let (dcc, dprefix, _) = DESTINATIONS[s.dest];
                        let tracking = g.tracking(s.origin);
                        let seized = g.rng.chance(70);
                        let name = g.rng.pick(&s.names).clone();
                        let mut p = parcel(&mut g, &tracking, s.origin, dcc)?;
                        p.sender_name = Some(s.sender.clone());
                        p.sender_phone = Some(s.phone.clone());
                        p.recipient_name = Some(name);
                        p.recipient_address = Some(s.address.clone());
                        p.recipient_phone = Some(phone(&mut g.rng, dprefix));
                        p.declared_contents = Some(s.cover.clone());
                        p.declared_category = Some("commercial-sample".into());
                        if seized {
                            p.status = "seized".into();
                            p.concealment = Some(s.concealment.to_string());
                            p.found_contents = Some(format!("{} {}", s.form.0, s.substance));
                            p.seized_place = Some(g.rng.pick(POSTS).to_string());
                            p.seized_on = Some(g.date());
                        } else {
                            p.status =
                                (*g.rng
                                    .pick(&["targeted", "inspected", "controlled-delivery"]))
                                .into();
                        }
                        create::parcel(w, &mut p)?;
                        create::include_in_case(w, s.case_id, p.meta.id)?;
                        summary.links += 1;
                        summary.clusters[*c].trackings.push(p.tracking.clone());
                        if seized {
                            finding(w, &mut g, p.meta.id, s.substance, s.form)?;
                            summary.findings += 1;
                        }
                    }
                    None => {
                        let (origin, oprefix) = *g.rng.pick(ORIGINS);
                        let (dcc, dprefix, cities) = *g.rng.pick(DESTINATIONS);
                        let tracking = g.tracking(origin);
                        let mut p = parcel(&mut g, &tracking, origin, dcc)?;
                        let first = *g.rng.pick(FIRST);
                        p.sender_name = Some(format!("{first} {}", surname(&mut g.rng)));
                        p.sender_phone = Some(phone(&mut g.rng, oprefix));
                        p.recipient_name =
                            Some(format!("{} {}", g.rng.pick(FIRST), g.rng.pick(LAST)));
                        p.recipient_address = Some(format!(
                            "{}, {} {}, apt {}",
                            g.rng.pick(cities),
                            g.rng.pick(STREETS),
                            1 + g.rng.below(300),
                            1 + g.rng.below(200)
                        ));
                        p.recipient_phone = Some(phone(&mut g.rng, dprefix));
                        p.declared_contents = Some((*g.rng.pick(DECLARED)).into());
                        p.declared_category = Some(
                            (*g.rng.pick(&["gift", "sale-of-goods", "documents", "other"])).into(),
                        );
                        p.status =
                            (*g.rng
                                .pick(&["targeted", "targeted", "inspected", "released"]))
                            .into();
                        if g.rng.chance(2) {
                            // A lone seizure outside any series.
                            p.status = "seized".into();
                            p.seized_on = Some(g.date());
                            p.seized_place = Some(g.rng.pick(POSTS).to_string());
                            let form = *g.rng.pick(FORMS);
                            let substance = *g.rng.pick(SEIZED);
                            p.found_contents = Some(format!("{} {substance}", form.0));
                            create::parcel(w, &mut p)?;
                            finding(w, &mut g, p.meta.id, substance, form)?;
                            summary.findings += 1;
                        } else {
                            create::parcel(w, &mut p)?;
                        }
                    }
                }
                summary.parcels += 1;
            }
            Ok(())
        })?;
        progress(end, parcels);
        start = end;
    }

    // Leads on each case: what an informant or a partner agency said.
    store.write(|w| {
        for (c, s) in series.iter().enumerate() {
            let wallet = format!("bc1q{}", hex_string(&mut g.rng, 38));
            let texts = [
                format!("Buyer pays the sender by crypto to {wallet}; same phone {} seen on a forum advert.", s.phone),
                format!("Partner agency reports further parcels to {} declared as {:?}.", s.address, s.cover),
            ];
            for (k, text) in texts.iter().enumerate() {
                let grade = [("2", "B", "P"), ("3", "C", "C"), ("1", "B", "P")][(c + k) % 3];
                let (mut n, _) = new_record::<Note>(&[
                    ("note_type", if k == 0 { "lead" } else { "note" }),
                    ("noted_on", &g.date()),
                    ("text", text),
                    ("source", if k == 0 { "informant" } else { "partner agency" }),
                    ("source_grade", grade.0),
                    ("intel_grade", grade.1),
                    ("handling", grade.2),
                ])?;
                n.item_id = s.case_id;
                create::note(w, &mut n)?;
                summary.notes += 1;
            }
        }
        Ok(())
    })?;
    Ok(summary)
}

/// The cover story of series `c`: a base story, made distinct with a
/// variant once every base story is in use.
fn cover_story(c: usize) -> String {
    let base = COVERS[c % COVERS.len()];
    match c / COVERS.len() {
        0 => base.to_string(),
        k => format!("{base} {}", COVER_VARIANTS[(k - 1) % COVER_VARIANTS.len()]),
    }
}

fn hex_string(rng: &mut Rng, n: usize) -> String {
    const ALPHABET: &[u8] = b"023456789acdefghjklmnpqrstuvwxyz";
    (0..n)
        .map(|_| ALPHABET[rng.below(ALPHABET.len())] as char)
        .collect()
}

fn parcel(g: &mut Gen, tracking: &str, origin: &str, dest: &str) -> Result<Parcel> {
    let carrier = if tracking.starts_with("1Z") {
        "UPS"
    } else if tracking.len() == 10 {
        "DHL Express"
    } else if tracking.starts_with('E') {
        "EMS"
    } else {
        "Post"
    };
    let weight = format!("{}", 50 + g.rng.below(2000));
    let value = format!("{}", 5 + g.rng.below(120));
    let (p, _) = new_record::<Parcel>(&[
        ("tracking", tracking),
        ("carrier", carrier),
        ("origin", origin),
        ("destination", dest),
        ("weight_g", &weight),
        ("declared_value", &value),
        ("declared_currency", "USD"),
        (
            "customs_form",
            if tracking.starts_with('C') || tracking.starts_with('E') {
                "CN23"
            } else {
                "CN22"
            },
        ),
    ])?;
    Ok(p)
}

fn finding(
    w: &mut crate::store::Writer<'_>,
    g: &mut Gen,
    parcel: Uuid,
    substance: &str,
    form: (&str, &str),
) -> Result<()> {
    let qty = match form.1 {
        "g" => format!("{}.{}", 1 + g.rng.below(500), g.rng.below(10)),
        "ml" => format!("{}", 5 + g.rng.below(100)),
        _ => format!("{}", 10 + g.rng.below(500)),
    };
    let lab = g.rng.chance(40);
    let (mut f, _) = new_record::<Finding>(&[
        ("form", form.0),
        ("quantity", &qty),
        ("unit", form.1),
        (
            "identification",
            if lab { "lab-confirmed" } else { "presumptive" },
        ),
        (
            "test_ref",
            &if lab {
                format!("LAB-2026-{:05}", g.rng.below(100000))
            } else {
                "field test kit".into()
            },
        ),
    ])?;
    f.parcel_id = parcel;
    f.substance_id = catalogue_id(substance);
    create::finding(w, &mut f)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s10_numbers_are_valid() {
        for serial in [0, 1, 47312482, 99999999, 12345678] {
            let n = s10_number("RR", serial, "KZ");
            assert!(s10::parse(&n).is_ok(), "{n}");
        }
        assert_eq!(s10_number("RR", 47312482, "KZ"), "RR473124829KZ");
    }

    #[test]
    fn rng_is_deterministic() {
        let a: Vec<u64> = (0..5)
            .scan(Rng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..5)
            .scan(Rng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn name_variants_meet_on_reordering() {
        let v = name_variants("Ivan", "Petrov");
        assert_eq!(v[0], "Ivan Petrov");
        assert_eq!(v[1], "PETROV Ivan");
        assert_eq!(v[2], "Iwan Petrow");
        assert_eq!(
            crate::domain::text::name_key(&v[0]),
            crate::domain::text::name_key(&v[1])
        );
    }
}
