//! A deterministic, realistic synthetic dataset of the parcels a Central
//! Asian customs and police notebook sees over two years (2024-12-01 to
//! 2026-11-30): background traffic from the countries the region buys from
//! (China above all), and planted series of parcels that share a sender
//! phone, a recipient address (with name variants) and a cover story,
//! grouped into cases with graded leads, with findings of catalogue
//! substances in the forms and quantities parcel seizures have. Planted
//! on top: rising and falling substance trends, a route that shifts and an
//! online shop whose handle recurs across cases. The same seed gives the
//! same data.

mod evidence;
mod goods;
pub mod people;
mod seizures;
pub mod targeting;
mod world;

use crate::domain::record::new_record;
use crate::domain::{Case, Finding, Note, Parcel, s10};
use crate::store::catalogue::catalogue_id;
use crate::store::{Result, Store, StoreError, create, records};
use goods::Goods;
use seizures::{Form, Profile};
use serde::Serialize;
use uuid::Uuid;
use world::{Country, Courier, Destination, Mode};

pub use seizures::{DAYS, date as demo_date};

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
    /// A copy of one of `items`, uniformly.
    pub fn one_of<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

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
    /// Substances planted to rise or fall over the two years.
    pub trends: Vec<PlantedTrend>,
    /// The series whose route shifts half-way.
    pub route_shift: Option<RouteShift>,
    /// The online shop named in the leads of several cases.
    pub shop: Option<PlantedShop>,
    /// Substances never seen before a date, then rising.
    pub emerging: Vec<PlantedEmerging>,
    /// The starter profiles and the watched phones.
    pub targeting: targeting::Seeded,
    /// The buyers and the shop as people and organisations.
    pub people: people::PlantedPeople,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlantedEmerging {
    pub substance: String,
    /// The first day it can be seized on.
    pub from: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlantedTrend {
    pub substance: String,
    pub direction: &'static str,
    /// Relative weight on the first and on the last day.
    pub weights: (usize, usize),
}

#[derive(Debug, Clone, Serialize)]
pub struct RouteShift {
    pub case_ref: String,
    /// From this date the series' parcels take the new route.
    pub from: String,
    /// Routes as `origin>transit>destination`.
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlantedShop {
    pub handle: String,
    pub case_refs: Vec<String>,
}

/// Name variants as they appear on labels of one series: reordered words,
/// transliteration (v/w, y/j), and typos.
pub fn name_variants(first: &str, last: &str) -> Vec<String> {
    // German-style v/w and j/y, Kazakh zh/j, Russian kh/h; failing all of
    // them, the o/a that Central Asian spellings swap in the surname.
    let rules = |s: &str| {
        s.replace('v', "w")
            .replace('V', "W")
            .replace('y', "j")
            .replace("zh", "j")
            .replace("kh", "h")
    };
    let translit = {
        let (f, l) = (rules(first), rules(last));
        if f != first || l != last {
            format!("{f} {l}")
        } else {
            match last.rfind('o') {
                Some(i) => format!("{first} {}a{}", &last[..i], &last[i + 1..]),
                None => format!("{first} {last}h"),
            }
        }
    };
    // Two neighbouring letters swapped: the first pair that differs.
    let typo = |s: &str| {
        let mut c: Vec<char> = s.chars().collect();
        if let Some(i) = (1..c.len().saturating_sub(1)).find(|&i| c[i] != c[i + 1]) {
            c.swap(i, i + 1);
        }
        c.into_iter().collect::<String>()
    };
    let mut out = vec![
        format!("{first} {last}"),
        format!("{} {}", last.to_uppercase(), first),
        translit,
        format!("{first} {}", typo(last)),
    ];
    let mut seen = std::collections::HashSet::new();
    out.retain(|v| seen.insert(v.clone()));
    out
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

/// Where contraband is hidden, by the form it is in.
fn concealment(rng: &mut Rng, form: &str) -> &'static str {
    let choices: &[&str] = match form {
        "blotters" | "paper" => &[
            "sheets between greeting cards",
            "inside the pages of a notebook",
            "behind the backing of a photo frame",
        ],
        "tablets" => &[
            "tablets in a vitamin bottle",
            "tablets in the blister packs of a medicine",
            "tablets inside a toy",
        ],
        "liquid" | "e-liquid" => &[
            "in a perfume bottle",
            "in e-cigarette refill bottles",
            "in a shampoo bottle",
        ],
        "herbal-material" => &[
            "inside tea packets",
            "vacuum-sealed among spices",
            "sewn into a cushion",
        ],
        _ => &[
            "vacuum-sealed in a book spine",
            "in a toy battery compartment",
            "mixed into a cosmetic cream",
            "in a phone case lining",
            "in foil-lined bags inside tea packets",
            "in a printer cartridge",
        ],
    };
    rng.one_of(choices)
}

/// The way a parcel from `origin` travels; illicit series favour letter
/// post and EMS from China, couriers from India and the Gulf.
fn mode(rng: &mut Rng, origin: &Country, illicit: bool) -> Mode {
    // Weights of small packet, EMS, parcel post and courier.
    let w: [usize; 4] = match (origin.code, illicit) {
        ("CN" | "HK", _) => [62, 18, 10, 10],
        ("IN", true) => [15, 35, 0, 50],
        ("AE", _) => [20, 20, 0, 60],
        // The express couriers stopped serving Russia in 2022.
        ("RU", _) => [45, 20, 35, 0],
        ("KR", _) => [60, 20, 0, 20],
        (_, true) => [45, 15, 10, 30],
        _ => [50, 10, 20, 20],
    };
    let r = world::weighted(rng, &[0usize, 1, 2, 3], |i| w[*i]);
    match r {
        0 => Mode::SmallPacket,
        1 => Mode::Ems,
        2 => Mode::ParcelPost,
        _ => Mode::Courier(match origin.code {
            "CN" | "HK" | "IN" | "AE" => *rng.pick(&[Courier::Dhl, Courier::Dhl, Courier::FedEx]),
            "US" => *rng.pick(&[Courier::Ups, Courier::FedEx]),
            _ => *rng.pick(&[Courier::Dhl, Courier::Ups]),
        }),
    }
}

/// A letter-post item heavier than a small packet may be goes as EMS
/// (contraband, in a hurry) or parcel post.
fn fit(mode: Mode, weight_g: f64, illicit: bool) -> Mode {
    match mode {
        Mode::SmallPacket if weight_g > world::SMALL_PACKET_MAX_G => {
            if illicit {
                Mode::Ems
            } else {
                Mode::ParcelPost
            }
        }
        m => m,
    }
}

/// The countries a parcel passes through: a courier's hub; China Post's
/// items to Uzbekistan, Kyrgyzstan and Tajikistan often through Almaty.
fn transit(
    rng: &mut Rng,
    origin: &Country,
    dest: &Destination,
    mode: Mode,
) -> Option<&'static str> {
    match mode {
        Mode::Courier(c) => c.hub(origin.code),
        _ if origin.code == "CN" && dest.country.code != "KZ" && rng.chance(40) => Some("KZ"),
        _ if origin.code == "TR" && rng.chance(20) => Some("AE"),
        _ => None,
    }
}

/// Where a parcel is opened: the destination's international mail office,
/// its courier terminal, or the land border post parcel post straight from
/// China crosses (not one that came through a third country).
fn seizure_place(
    rng: &mut Rng,
    dest: &Destination,
    origin: &Country,
    mode: Mode,
    transit: Option<&str>,
) -> &'static str {
    match (mode, dest.land_post) {
        (Mode::Courier(_), _) => rng.one_of(dest.courier_posts),
        (Mode::ParcelPost, Some(border)) if origin.code == "CN" && transit.is_none() => border,
        _ => rng.one_of(dest.mail_posts),
    }
}

fn route_text(origin: &Country, transit: Option<&str>, dest: &Destination) -> String {
    match transit {
        Some(t) => format!("{}>{t}>{}", origin.code, dest.country.code),
        None => format!("{}>{}", origin.code, dest.country.code),
    }
}

struct Gen {
    rng: Rng,
    serial: u32,
}

/// One parcel's journey and declaration, before the people on its label.
struct Shipment<'a> {
    origin: &'static Country,
    dest: &'static Destination,
    mode: Mode,
    transit: Option<&'static str>,
    goods: &'static Goods,
    declared: &'a str,
    weight_g: f64,
}

impl Gen {
    fn tracking(&mut self, mode: Mode, origin: &str) -> String {
        self.serial += 1;
        let serial = self.serial;
        match mode {
            Mode::Courier(Courier::Ups) => {
                format!("1Z{:06X}{:010}", self.rng.below(0xFF_FFFF), serial)
            }
            Mode::Courier(Courier::Dhl) => format!("{:010}", 3_000_000_000u64 + u64::from(serial)),
            Mode::Courier(Courier::FedEx) => {
                format!("{:012}", 700_000_000_000u64 + u64::from(serial))
            }
            Mode::Ems => s10_number(
                self.rng.one_of(&["EA", "EB", "EE", "EM", "ES", "EV", "EX"]),
                serial,
                origin,
            ),
            // H: the e-commerce parcel, a parcel-post product.
            Mode::ParcelPost => s10_number(
                self.rng.one_of(&["CA", "CB", "CP", "CX", "CY", "HA", "HB"]),
                serial,
                origin,
            ),
            Mode::SmallPacket => s10_number(
                self.rng
                    .one_of(&["RB", "RR", "RS", "RU", "LA", "LZ", "UA", "UB"]),
                serial,
                origin,
            ),
        }
    }

    /// A whole number in `range` (grams or dollars), as a float.
    fn between(&mut self, range: (u32, u32)) -> f64 {
        f64::from(range.0) + self.rng.below((range.1 - range.0) as usize + 1) as f64
    }

    /// The parcel a shipment makes, with its customs declaration: a CN22
    /// only on letter post up to 2 kg and about 300 SDR, a CN23 on other
    /// postal items, the courier's own documents on express items; the
    /// value in the currency of the origin or in US dollars.
    fn parcel(&mut self, sh: &Shipment<'_>) -> Result<Parcel> {
        let tracking = self.tracking(sh.mode, sh.origin.code);
        let (carrier, service) = match sh.mode {
            Mode::Courier(c) => (c.name(), c.service()),
            Mode::SmallPacket => (sh.origin.post, "small packet"),
            Mode::Ems => (sh.origin.post, "EMS"),
            Mode::ParcelPost => (sh.origin.post, "parcel post"),
        };
        let usd = self.between(sh.goods.usd);
        let documents = sh.goods.hs.is_none();
        let form = match sh.mode {
            Mode::Courier(_) => "none",
            _ if documents => "none",
            Mode::SmallPacket if usd <= world::CN22_MAX_USD => "CN22",
            _ => "CN23",
        };
        let (value, currency) = if documents {
            (String::new(), "")
        } else if self.rng.chance(sh.origin.local_share) {
            let v = usd * sh.origin.per_usd;
            let text = if sh.origin.per_usd >= 10.0 {
                format!("{}", (v / 10.0).round() * 10.0)
            } else {
                format!("{:.2}", v)
            };
            (text, sh.origin.currency)
        } else {
            (format!("{usd}"), "USD")
        };
        let weight = format!("{}", sh.weight_g.ceil());
        let (p, _) = new_record::<Parcel>(&[
            ("tracking", &tracking),
            ("carrier", carrier),
            ("service", service),
            ("origin", sh.origin.code),
            ("transit", sh.transit.unwrap_or("")),
            ("destination", sh.dest.country.code),
            ("weight_g", &weight),
            ("declared_value", &value),
            ("declared_currency", currency),
            ("customs_form", form),
            ("hs_code", sh.goods.hs.unwrap_or("")),
            ("declared_contents", sh.declared),
            ("declared_category", sh.goods.category),
        ])?;
        Ok(p)
    }
}

/// A planted series: one network behind several parcels, and the case
/// opened on it.
struct Series {
    case_id: Uuid,
    dest: &'static Destination,
    address: String,
    names: Vec<String>,
    recipient_phones: [String; 2],
    cover: String,
    goods: &'static Goods,
    substance: &'static Profile,
    form: &'static Form,
    concealment: &'static str,
    legs: Vec<Leg>,
    /// Days of the two years the series' parcels fall in.
    start: usize,
    span: usize,
    /// Parcels written so far (spreads them over the span).
    done: usize,
    size: usize,
}

/// How a series ships: from `from_day` on, from `origin` by `mode`, sent
/// by `sender` with phone `phone`.
struct Leg {
    from_day: usize,
    origin: &'static Country,
    mode: Mode,
    /// The transit countries of the leg: a series ships the same way.
    transit: Option<&'static str>,
    sender: String,
    phone: String,
}

impl Leg {
    fn new(
        rng: &mut Rng,
        from_day: usize,
        origin: &'static Country,
        mode: Mode,
        dest: &Destination,
    ) -> Leg {
        Leg {
            from_day,
            origin,
            mode,
            transit: transit(rng, origin, dest, mode),
            sender: world::company(rng, origin, true),
            phone: origin.phone.number(rng),
        }
    }
}

impl Series {
    fn leg(&self, day: usize) -> &Leg {
        self.legs
            .iter()
            .rev()
            .find(|l| day >= l.from_day)
            .unwrap_or(&self.legs[0])
    }
}

/// A recipient of background traffic, kept so that some of them order
/// again (a second parcel, not more: the notebook logs the parcels
/// officers looked at, not every order).
struct Recipient {
    dest: &'static Destination,
    name: String,
    address: String,
    phone: String,
    parcels: usize,
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
    let mut summary = store.bulk(|store| generate_in(store, parcels, seed, progress))??;
    summary.targeting = targeting::seed(store, &summary.clusters)?;
    // Whole: no longer a demo stopped midway.
    store.write(|w| {
        w.tx.execute("DELETE FROM meta WHERE key = ?1", [UNFINISHED])?;
        Ok(())
    })?;
    Ok(summary)
}

/// The `meta` key a demo holds from its first write to its last: a
/// notebook that still has it holds a demo stopped midway (killed, or a
/// full disk), which cannot be finished.
const UNFINISHED: &str = "demo_unfinished";

/// Why demo data may not go into this notebook: it holds records already
/// (a demo goes into an empty notebook), or a demo stopped midway.
fn not_empty(conn: &rusqlite::Connection, path: &std::path::Path) -> Result<()> {
    use rusqlite::OptionalExtension;
    let unfinished: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [UNFINISHED], |r| {
            r.get(0)
        })
        .optional()?;
    let parcels = records::count::<Parcel>(conn)?;
    let cases = records::count::<Case>(conn)?;
    if let Some(value) = unfinished {
        // `N` (a demo of N parcels), then the process writing it: one
        // still running is said as such (a second demo was told the
        // first had stopped midway).
        let (of, writer) = value.split_once(' ').unwrap_or((value.as_str(), ""));
        // The demo's own records, by who wrote them (every record, from
        // a file of before 2026-12-07 that does not say).
        let by = serde_json::from_str::<serde_json::Value>(writer)
            .ok()
            .and_then(|v| v.get("by")?.as_str().map(str::to_string));
        let (mine, theirs) = match by {
            Some(by) => {
                let of = |table: &str| -> Result<i64> {
                    Ok(conn.query_row(
                        &format!(
                            "SELECT count(*) FROM {table} WHERE {} = ?1",
                            crate::store::writers::read(&format!("{table}.created_by"))
                        ),
                        [&by],
                        |r| r.get(0),
                    )?)
                };
                let (c, p) = (of("cases")?, of("parcels")?);
                ((c, p), (cases - c, parcels - p))
            }
            None => ((cases, parcels), (0, 0)),
        };
        let others = if theirs.0 + theirs.1 > 0 {
            format!(
                "; {} cases and {} parcels others wrote meanwhile are in it too",
                theirs.0, theirs.1
            )
        } else {
            String::new()
        };
        let running = serde_json::from_str::<crate::exchange::csv_import::Running>(writer)
            .ok()
            .filter(|r| r.gone(r.heartbeat.as_deref().unwrap_or_default()).is_none());
        if let Some(r) = running {
            return Err(StoreError::Duplicate(format!(
                "{}: a demo of {of} parcels is being written into this notebook (process {} on {}; {} parcels so far{others}); wait for it to finish, or start another on a new file (--db NEW.db)",
                path.display(),
                r.pid.map_or_else(|| "?".to_string(), |p| p.to_string()),
                r.host,
                mine.1
            )));
        }
        return Err(StoreError::Duplicate(format!(
            "{}: a demo was stopped midway in this notebook ({} cases and {} of its {of} parcels written{others}) and cannot be finished; start the demo on a new file (--db NEW.db)",
            path.display(),
            mine.0,
            mine.1
        )));
    }
    if parcels > 0 || cases > 0 {
        return Err(StoreError::Duplicate(format!(
            "{}: the notebook already holds {cases} cases and {parcels} parcels; demo data goes into an empty notebook (pick another file with --db)",
            path.display()
        )));
    }
    Ok(())
}

fn generate_in(
    store: &mut Store,
    parcels: usize,
    seed: u64,
    mut progress: impl FnMut(usize, usize),
) -> Result<Summary> {
    not_empty(store.conn(), store.path())?;
    for p in seizures::SUBSTANCES {
        records::must_get::<crate::domain::Substance>(store.conn(), catalogue_id(p.name)).map_err(
            |_| {
                StoreError::Corrupt(format!(
                    "the substance catalogue lacks {}, which the demo data uses",
                    p.name
                ))
            },
        )?;
    }
    let mut g = Gen {
        rng: Rng::new(seed),
        serial: 10_000_000 + (seed % 1000) as u32 * 1000,
    };
    let mut summary = Summary::default();
    for p in seizures::SUBSTANCES {
        if p.from > 0 {
            summary.emerging.push(PlantedEmerging {
                substance: p.name.to_string(),
                from: seizures::date(p.from),
            });
        }
        let direction = match p.trend.0.cmp(&p.trend.1) {
            std::cmp::Ordering::Less => "rising",
            std::cmp::Ordering::Greater => "falling",
            std::cmp::Ordering::Equal => continue,
        };
        summary.trends.push(PlantedTrend {
            substance: p.name.to_string(),
            direction,
            weights: p.trend,
        });
    }
    // About one parcel in seven belongs to a planted series of 5 to 14:
    // more than a background network reaches (a repeat shopper has two
    // parcels; two such pairs joined by a stranger's namesake, four).
    let n_clusters = if parcels < 5 {
        0
    } else {
        (parcels / 70).max(1)
    };
    let mut plan: Vec<Option<usize>> = vec![None; parcels];
    let mut free = parcels;
    let mut sizes: Vec<usize> = Vec::new();
    for c in 0..n_clusters {
        let size = 5 + g.rng.below(10);
        if free < size {
            break;
        }
        for _ in 0..size {
            let mut i = g.rng.below(parcels);
            while plan[i].is_some() {
                i = (i + 1) % parcels;
            }
            plan[i] = Some(c);
        }
        free -= size;
        sizes.push(size);
    }
    let n_clusters = sizes.len();
    // The series whose route shifts (a large one, so that parcels are
    // seized on both routes), and those that name the shop.
    let shift_series = sizes.iter().position(|&n| n >= 9);
    let shop_series: Vec<usize> = (0..n_clusters).filter(|c| c % 9 == 4).collect();
    let shop_handle = format!(
        "@{}{}_chem_shop",
        g.rng.pick(&["almaty", "steppe", "silk", "nomad", "asia"]),
        100 + g.rng.below(900)
    );

    // When each series ships, and what.
    let spans: Vec<(usize, usize)> = (0..n_clusters)
        .map(|c| {
            if shift_series == Some(c) {
                (seizures::SHIFT_DAY - 150, 300)
            } else {
                let span = 30 + g.rng.below(210);
                (g.rng.below(DAYS - span), span)
            }
        })
        .collect();
    let fixed: Vec<Option<&'static Profile>> = (0..n_clusters)
        .map(|c| {
            (shift_series == Some(c))
                .then(|| {
                    seizures::SUBSTANCES
                        .iter()
                        .find(|p| p.name == "Protonitazene")
                })
                .flatten()
        })
        .collect();
    let mids: Vec<usize> = spans.iter().map(|(s, n)| s + n / 2).collect();
    let substances = seizures::for_series(&mids, &sizes, &fixed);

    // Cases and the identity of each series.
    let mut series: Vec<Series> = Vec::new();
    let path = store.path().to_path_buf();
    store.write(|w| {
        // Asked again in the write that begins it: two demos started at
        // once on one empty file (the second wrote its cases too).
        not_empty(&w.tx, &path)?;
        w.tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)",
            (
                UNFINISHED,
                format!("{parcels} {}", {
                    // (With who writes it: a colleague's records written
                    // meanwhile are not counted as the demo's.)
                    let mut v: serde_json::Value =
                        serde_json::from_str(&crate::exchange::csv_import::Running::here(0).json())
                            .unwrap_or_default();
                    v["by"] = serde_json::Value::String(w.actor.to_string());
                    v
                }),
            ),
        )?;
        for (c, &size) in sizes.iter().enumerate() {
            let shifts = shift_series == Some(c);
            let (start, span) = spans[c];
            let substance = substances[c];
            let form = substance.form(&mut g.rng);
            let dest = world::destination(&mut g.rng);
            let city = *g.rng.pick(dest.cities);
            let legs = if shifts {
                vec![
                    Leg::new(&mut g.rng, 0, &world::CN, Mode::SmallPacket, dest),
                    Leg::new(
                        &mut g.rng,
                        seizures::SHIFT_DAY,
                        &world::IN,
                        Mode::Courier(Courier::Dhl),
                        dest,
                    ),
                ]
            } else {
                let origin = seizures::origin(&mut g.rng, substance.class, start);
                let mode = mode(&mut g.rng, origin, true);
                vec![Leg::new(&mut g.rng, 0, origin, mode, dest)]
            };
            let (first, last) = world::person_parts(&mut g.rng, dest.country);
            let address = world::address(&mut g.rng, dest, city);
            let op = OPERATIONS[c % OPERATIONS.len()];
            let title = if c < OPERATIONS.len() {
                format!("Operation {op}")
            } else {
                format!("Operation {op} {}", c / OPERATIONS.len() + 1)
            };
            let (cover, goods) = goods::cover_story(c);
            let end = start + span;
            let closed = end + 90 < DAYS && g.rng.chance(50);
            let status = if closed {
                "closed"
            } else {
                *g.rng.pick(&["open", "active", "active"])
            };
            let (mut case, _) = new_record::<Case>(&[
                ("title", &title),
                ("status", status),
                ("opened_on", &seizures::date(start + g.rng.below(20))),
                ("lead_officer", &world::person(&mut g.rng, &world::KZ)),
                (
                    "summary",
                    &format!(
                        "Series of parcels from {} to {city}, {}, declared as {cover:?}, carrying {} as {}.",
                        legs.iter()
                            .map(|l| l.origin.code)
                            .collect::<Vec<_>>()
                            .join(" then "),
                        dest.country.code,
                        substance.name,
                        form.form
                    ),
                ),
                (
                    "tlp",
                    *g.rng
                        .pick(&["AMBER", "AMBER", "GREEN", "AMBER+STRICT", "RED"]),
                ),
            ])?;
            if closed {
                case.closed_on = Some(seizures::date(end + 30 + g.rng.below(60)));
            }
            create::case(w, &mut case)?;
            let rp = [
                dest.country.phone.number(&mut g.rng),
                dest.country.phone.number(&mut g.rng),
            ];
            let s = Series {
                case_id: case.meta.id,
                dest,
                address,
                names: name_variants(&first, &last),
                recipient_phones: rp,
                cover,
                goods,
                substance,
                form,
                concealment: concealment(&mut g.rng, form.form),
                legs,
                start,
                span,
                done: 0,
                size,
            };
            summary.clusters.push(PlantedCluster {
                case_ref: case.reference.clone(),
                sender_phone: s.legs[0].phone.clone(),
                recipient_address: s.address.clone(),
                declared: s.cover.clone(),
                name_variants: s.names.clone(),
                trackings: Vec::new(),
            });
            if shifts {
                summary.route_shift = Some(RouteShift {
                    case_ref: case.reference.clone(),
                    from: seizures::date(seizures::SHIFT_DAY),
                    before: route_text(s.legs[0].origin, s.legs[0].transit, dest),
                    after: route_text(s.legs[1].origin, s.legs[1].transit, dest),
                });
            }
            if shop_series.contains(&c) {
                summary
                    .shop
                    .get_or_insert_with(|| PlantedShop {
                        handle: shop_handle.clone(),
                        case_refs: Vec::new(),
                    })
                    .case_refs
                    .push(case.reference.clone());
            }
            series.push(s);
            summary.cases += 1;
        }
        Ok(())
    })?;

    let mut recipients: Vec<Recipient> = Vec::new();
    let mut start = 0;
    while start < parcels {
        let mut end = start;
        let batch = crate::store::Batch::new();
        store.write(|w| {
            while end < parcels && !batch.full(end - start) {
                let slot = plan[end];
                end += 1;
                match slot {
                    Some(c) => {
                        let p = series_parcel(w, &mut g, &mut series[c])?;
                        create::include_in_case(w, series[c].case_id, p.0)?;
                        summary.links += 1;
                        summary.clusters[c].trackings.push(p.1);
                        summary.findings += p.2;
                    }
                    None => {
                        summary.findings += background_parcel(w, &mut g, &mut recipients)?;
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
            // A valid address (an identifier the leads share), from the
            // same draws as ever.
            let wallet = people::bitcoin(&hex_string(&mut g.rng, 38));
            let mut texts = vec![
                format!(
                    "Buyer pays the sender by crypto to {wallet}; same phone {} seen on a forum advert.",
                    s.legs[0].phone
                ),
                format!(
                    "Partner agency reports further parcels to {} declared as {:?}.",
                    s.address, s.cover
                ),
            ];
            if shop_series.contains(&c) {
                texts.push(format!(
                    "The recipient ordered through the Telegram shop {shop_handle}; the shop advertises {} with delivery by post.",
                    s.substance.name
                ));
            }
            if let Some(next) = s.legs.get(1) {
                texts.push(format!(
                    "Since {} the same buyer receives by {} on the route {}; sender phone {}.",
                    seizures::date(next.from_day),
                    match next.mode {
                        Mode::Courier(c) => c.name(),
                        _ => next.origin.post,
                    },
                    route_text(next.origin, next.transit, s.dest),
                    next.phone
                ));
            }
            for (k, text) in texts.iter().enumerate() {
                let grade = [("2", "B", "P"), ("3", "C", "C"), ("1", "B", "P")][(c + k) % 3];
                // Within the series' span; a note on the second leg after
                // that leg began.
                let from = match s.legs.get(1) {
                    Some(next) if k == texts.len() - 1 => next.from_day.max(s.start),
                    _ => s.start,
                };
                let to = s.start + s.span;
                let day = from + g.rng.below(to.saturating_sub(from).max(1));
                let (mut n, _) = new_record::<Note>(&[
                    ("note_type", if k == 1 { "note" } else { "lead" }),
                    ("noted_on", &seizures::date(day)),
                    ("text", text),
                    ("source", if k == 1 { "partner agency" } else { "informant" }),
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

    // The buyer behind each series and the shop.
    let planted = store.write(|w| {
        let buyers: Vec<people::Buyer<'_>> = series
            .iter()
            .zip(&summary.clusters)
            .map(|(s, c)| people::Buyer {
                case_id: s.case_id,
                country: s.dest.country.code,
                names: &s.names,
                address: &s.address,
                phone: &s.recipient_phones[0],
                trackings: &c.trackings,
            })
            .collect();
        let shop_cases: Vec<Uuid> = shop_series.iter().map(|&c| series[c].case_id).collect();
        people::plant(
            w,
            seed,
            &buyers,
            (!shop_cases.is_empty()).then_some((shop_handle.as_str(), shop_cases.as_slice())),
        )
    })?;
    summary.links += planted.links;
    summary.people = planted;
    Ok(summary)
}

/// The next parcel of series `s`: its id, tracking number and how many
/// findings it got.
fn series_parcel(
    w: &mut crate::store::Writer<'_>,
    g: &mut Gen,
    s: &mut Series,
) -> Result<(Uuid, String, usize)> {
    // Spread over the span, in order, with some jitter.
    let slot = s.span / s.size.max(1);
    let day = (s.start + s.done * slot + g.rng.below(slot.max(1))).min(DAYS - 1);
    s.done += 1;
    let leg = s.leg(day);
    let qty = seizures::quantity(&mut g.rng, s.form);
    let net = qty * s.form.grams_per_unit;
    let weight = net + g.between(s.goods.grams);
    let mode = fit(leg.mode, weight, true);
    let transit = leg.transit;
    let mut p = g.parcel(&Shipment {
        origin: leg.origin,
        dest: s.dest,
        mode,
        transit,
        goods: s.goods,
        declared: &s.cover,
        weight_g: weight,
    })?;
    p.sender_name = Some(leg.sender.clone());
    p.sender_phone = Some(leg.phone.clone());
    p.recipient_name = Some(g.rng.pick(&s.names).clone());
    p.recipient_address = Some(s.address.clone());
    p.recipient_phone = Some(g.rng.pick(&s.recipient_phones).clone());
    // Most are opened and seized; some go on as controlled deliveries
    // (found, then delivered under watch); some are flagged but not yet
    // opened, some opened elsewhere without a find and released.
    let status = *world::weighted(
        &mut g.rng,
        &[
            ("seized", 62),
            ("controlled-delivery", 8),
            ("targeted", 20),
            ("released", 10),
        ],
        |s| s.1,
    );
    p.status = status.0.into();
    let found = matches!(status.0, "seized" | "controlled-delivery");
    if found {
        p.concealment = Some(s.concealment.to_string());
        p.found_contents = Some(format!("{} {}", s.form.form, s.substance.name));
        p.seized_place =
            Some(seizure_place(&mut g.rng, s.dest, leg.origin, mode, transit).to_string());
        p.seized_on = Some(seizures::date(day));
    }
    create::parcel(w, &mut p)?;
    if found {
        finding(w, g, p.meta.id, s.substance, s.form, qty, day)?;
        evidence::trail(w, &p, qty * s.form.grams_per_unit)?;
    }
    Ok((p.meta.id, p.tracking, usize::from(found)))
}

/// A parcel of ordinary traffic (now and then one with contraband outside
/// any series); returns how many findings it got.
fn background_parcel(
    w: &mut crate::store::Writer<'_>,
    g: &mut Gen,
    recipients: &mut Vec<Recipient>,
) -> Result<usize> {
    // One parcel in twelve that officers log carries contraband, shipped
    // the way contraband is: most seizures are never tied to a series.
    let lone = g.rng.chance(8);
    let day = g.rng.below(DAYS);
    let contraband = lone.then(|| {
        let substance = seizures::substance(&mut g.rng, day);
        let form = substance.form(&mut g.rng);
        let qty = seizures::quantity(&mut g.rng, form);
        (substance, form, qty)
    });
    let origin = match contraband {
        Some((substance, ..)) => seizures::origin(&mut g.rng, substance.class, day),
        None => world::origin(&mut g.rng, false),
    };
    // A repeat shopper now and then, else someone new.
    let again = recipients.len() >= 8 && g.rng.chance(8);
    let recipient = if again {
        let from = recipients.len().saturating_sub(512);
        let i = from + g.rng.below(recipients.len() - from);
        (recipients[i].parcels < 2).then_some(i)
    } else {
        None
    };
    let recipient = match recipient {
        Some(i) => {
            recipients[i].parcels += 1;
            i
        }
        None => {
            let dest = world::destination(&mut g.rng);
            let city = *g.rng.pick(dest.cities);
            recipients.push(Recipient {
                dest,
                name: world::person(&mut g.rng, dest.country),
                address: world::address(&mut g.rng, dest, city),
                phone: dest.country.phone.number(&mut g.rng),
                parcels: 1,
            });
            if recipients.len() > 4096 {
                recipients.drain(..2048);
            }
            recipients.len() - 1
        }
    };
    let dest = recipients[recipient].dest;
    let goods = loop {
        let goods = g.rng.pick(goods::BACKGROUND);
        // Contraband is not sent as documents.
        if contraband.is_none() || goods.hs.is_some() {
            break goods;
        }
    };
    let net = contraband.map_or(0.0, |(_, form, qty)| qty * form.grams_per_unit);
    let weight = net + g.between(goods.grams);
    let mode = fit(mode(&mut g.rng, origin, lone), weight, lone);
    let transit = transit(&mut g.rng, origin, dest, mode);
    let mut p = g.parcel(&Shipment {
        origin,
        dest,
        mode,
        transit,
        goods,
        declared: goods.description,
        weight_g: weight,
    })?;
    p.sender_name = Some(if g.rng.chance(45) {
        world::company(&mut g.rng, origin, contraband.is_some())
    } else {
        world::person(&mut g.rng, origin)
    });
    p.sender_phone = Some(origin.phone.number(&mut g.rng));
    let r = &recipients[recipient];
    p.recipient_name = Some(r.name.clone());
    p.recipient_address = Some(r.address.clone());
    p.recipient_phone = Some(r.phone.clone());
    match contraband {
        Some((substance, form, qty)) => {
            p.status = if g.rng.chance(90) {
                "seized"
            } else {
                "controlled-delivery"
            }
            .into();
            p.seized_on = Some(seizures::date(day));
            p.seized_place =
                Some(seizure_place(&mut g.rng, dest, origin, mode, transit).to_string());
            p.concealment = Some(concealment(&mut g.rng, form.form).to_string());
            p.found_contents = Some(format!("{} {}", form.form, substance.name));
            create::parcel(w, &mut p)?;
            finding(w, g, p.meta.id, substance, form, qty, day)?;
            Ok(1)
        }
        None => {
            p.status = (*g
                .rng
                .pick(&["targeted", "inspected", "inspected", "released"]))
            .into();
            create::parcel(w, &mut p)?;
            Ok(0)
        }
    }
}

const OPERATIONS: &[&str] = &[
    "Steppe", "Lantern", "Saffron", "Kestrel", "Glacier", "Bazaar", "Caravan", "Falcon", "Juniper",
    "Orbit", "Meridian", "Silk", "Tundra", "Harbour", "Cobalt", "Nomad",
];

fn hex_string(rng: &mut Rng, n: usize) -> String {
    const ALPHABET: &[u8] = b"023456789acdefghjklmnpqrstuvwxyz";
    (0..n)
        .map(|_| ALPHABET[rng.below(ALPHABET.len())] as char)
        .collect()
}

fn finding(
    w: &mut crate::store::Writer<'_>,
    g: &mut Gen,
    parcel: Uuid,
    substance: &Profile,
    form: &Form,
    qty: f64,
    day: usize,
) -> Result<()> {
    let lab = g.rng.chance(40);
    let year = &seizures::date(day)[..4];
    let (mut f, _) = new_record::<Finding>(&[
        ("form", form.form),
        ("quantity", &format!("{qty}")),
        ("unit", form.unit),
        (
            "identification",
            if lab { "lab-confirmed" } else { "presumptive" },
        ),
        (
            "test_ref",
            &if lab {
                format!("LAB-{year}-{:05}", g.rng.below(100000))
            } else {
                "field test kit".into()
            },
        ),
    ])?;
    f.parcel_id = parcel;
    f.substance_id = catalogue_id(substance.name);
    create::finding_of(w, &mut f)?;
    if lab && let Some(r) = f.test_ref.clone() {
        evidence::lab_result(w, &f, &r, &seizures::date(day))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {

    /// A demo still being written is said as such to a second one (it was
    /// told the first had stopped midway); one whose process is gone is
    /// stopped midway.
    #[test]
    fn a_demo_being_written_is_not_said_to_have_stopped() {
        let (_d, mut s) = crate::store::testutil::temp_store();
        let path = s.path().to_path_buf();
        let set = |s: &mut Store, value: String| {
            s.write(|w| {
                w.tx.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                    (UNFINISHED, value),
                )?;
                Ok(())
            })
            .unwrap();
        };
        let here = crate::exchange::csv_import::Running::here(0);
        set(&mut s, format!("500 {}", here.json()));
        let e = not_empty(s.conn(), &path).unwrap_err().to_string();
        assert!(e.contains("a demo of 500 parcels is being written"), "{e}");
        let gone = crate::exchange::csv_import::Running {
            pid: Some(u32::MAX - 1),
            ..here
        };
        set(&mut s, format!("500 {}", gone.json()));
        let e = not_empty(s.conn(), &path).unwrap_err().to_string();
        assert!(e.contains("stopped midway"), "{e}");
        // As an older build wrote it.
        set(&mut s, "500".into());
        let e = not_empty(s.conn(), &path).unwrap_err().to_string();
        assert!(e.contains("stopped midway"), "{e}");
    }

    /// A colleague's case written while a demo ran is not counted as the
    /// demo's when the demo is found stopped midway (it was: "286 cases").
    #[test]
    fn a_demo_stopped_midway_counts_its_own_records_only() {
        let (_d, mut s) = crate::store::testutil::temp_store();
        let path = s.path().to_path_buf();
        generate(&mut s, 60, 7, |_, _| {}).unwrap();
        let (cases, parcels) = (
            records::count::<Case>(s.conn()).unwrap(),
            records::count::<Parcel>(s.conn()).unwrap(),
        );
        let gone = crate::exchange::csv_import::Running {
            pid: Some(u32::MAX - 1),
            ..crate::exchange::csv_import::Running::here(0)
        };
        let mut v: serde_json::Value = serde_json::from_str(&gone.json()).unwrap();
        v["by"] = s.actor().into();
        s.write(|w| {
            w.tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                (UNFINISHED, format!("500 {v}")),
            )?;
            Ok(())
        })
        .unwrap();
        drop(s);
        let mut lee = Store::open(&path, crate::store::OpenOptions::new("Insp Lee")).unwrap();
        lee.write(|w| {
            let (mut c, _) = crate::domain::record::new_record::<Case>(&[("title", "Lee's case")])?;
            crate::store::create::case(w, &mut c)?;
            Ok(())
        })
        .unwrap();
        let e = not_empty(lee.conn(), &path).unwrap_err().to_string();
        assert!(
            e.contains(&format!(
                "({cases} cases and {parcels} of its 500 parcels written; 1 cases and 0 parcels others wrote meanwhile are in it too)"
            )),
            "{e}"
        );
        // While it runs, too.
        let mut v: serde_json::Value =
            serde_json::from_str(&crate::exchange::csv_import::Running::here(0).json()).unwrap();
        v["by"] = "tester".into();
        lee.write(|w| {
            w.tx.execute(
                "UPDATE meta SET value = ?2 WHERE key = ?1",
                (UNFINISHED, format!("500 {v}")),
            )?;
            Ok(())
        })
        .unwrap();
        let e = not_empty(lee.conn(), &path).unwrap_err().to_string();
        assert!(
            e.contains(&format!(
                "; {parcels} parcels so far; 1 cases and 0 parcels others wrote meanwhile are in it too)"
            )),
            "{e}"
        );
    }
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
    fn name_variants_are_four_different_spellings() {
        for (first, last) in [
            ("Firuz", "Rakozoda"),
            ("Timur", "Kaabanuly"),
            ("Li", "Tam"),
            ("Aidar", "Nurmukhanov"),
        ] {
            let v = name_variants(first, last);
            assert_eq!(v.len(), 4, "{v:?}");
            let mut distinct = v.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), 4, "{v:?}");
        }
        assert_eq!(name_variants("Firuz", "Rakozoda")[2], "Firuz Rakozada");
        assert_eq!(name_variants("Timur", "Kaabanuly")[3], "Timur Kabaanuly");
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
