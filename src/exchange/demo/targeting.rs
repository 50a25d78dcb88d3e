//! The demo's targeting: the starter profiles, watchlist entries on the
//! planted series, and a manifest of tomorrow's parcels in which some rows
//! are planted to be hit (a seized parcel's recipient phone again, a
//! watched phone written the local way, a fentanyl heading, cover goods
//! cheap for their weight, several senders to one flat), among ordinary
//! traffic that should not be. The planted rows are named, so a test can
//! count what screening finds and what it finds wrongly.

use super::goods::BACKGROUND;
use super::world::{self, Country};
use super::{PlantedCluster, Rng, s10_number};
use crate::store::{Result, Store, StoreError};
use crate::targeting::{stored, watchlist};
use rusqlite::Connection;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// The starter profiles shipped in `assets/profiles` (examples, not
/// official guidance), by file name.
pub const STARTER_PROFILES: &[(&str, &str)] = &[
    (
        "opioids-by-post.toml",
        include_str!("../../../assets/profiles/opioids-by-post.toml"),
    ),
    (
        "nps-cover-goods.toml",
        include_str!("../../../assets/profiles/nps-cover-goods.toml"),
    ),
    (
        "recipient-clusters.toml",
        include_str!("../../../assets/profiles/recipient-clusters.toml"),
    ),
];

/// What the demo set up for targeting.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Seeded {
    pub profiles: Vec<String>,
    /// Watched phones (as normalised), with their case.
    pub watched: Vec<(String, String)>,
}

/// Loads the starter profiles and watches the sender phone of every third
/// planted series, for its case.
pub fn seed(store: &mut Store, clusters: &[PlantedCluster]) -> Result<Seeded> {
    store.write(|w| {
        let mut out = Seeded::default();
        for (_, text) in STARTER_PROFILES {
            let (p, _, _) = stored::save(w, text)?;
            out.profiles.push(p.name);
        }
        for c in clusters.iter().step_by(3) {
            let case = crate::store::refs::resolve(&w.tx, &c.case_ref)?;
            let e = watchlist::add(
                w,
                &watchlist::NewEntry {
                    kind: "phone".into(),
                    raw: c.sender_phone.clone(),
                    reason: format!("sender of the series in {}", c.case_ref),
                    case: Some(case.id),
                    ..Default::default()
                },
            );
            match e {
                Ok(e) => out.watched.push((e.value, c.case_ref.clone())),
                // Two series may share a sender.
                Err(StoreError::Refused(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    })
}

/// A planted row of a manifest: its tracking number and what should hit.
#[derive(Debug, Clone, Serialize)]
pub struct Planted {
    pub tracking: String,
    pub line: u64,
    pub why: &'static str,
}

/// Bumped whenever the manifest generator changes (benchmarks keep
/// manifests by it).
pub const MANIFEST_VERSION: u32 = 2;

/// What a manifest holds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Manifest {
    pub rows: usize,
    pub planted: Vec<Planted>,
    /// Rows of planted recipient clusters that come before the cluster is
    /// large enough to be a hit (neither planted hits nor false ones if
    /// they are hit later in a rescreen).
    pub cluster_lead_in: Vec<String>,
}

const HEADER: &[&str] = &[
    "tracking",
    "carrier",
    "service",
    "origin",
    "destination",
    "sender_name",
    "sender_address",
    "sender_phone",
    "recipient_name",
    "recipient_address",
    "recipient_phone",
    "declared_contents",
    "declared_value",
    "declared_currency",
    "hs_code",
    "weight_g",
];

/// Origins of ordinary traffic in the manifest: none of the source
/// countries the starter profiles name.
const ORDINARY: &[&Country] = &[
    &world::DE,
    &world::TR,
    &world::KR,
    &world::US,
    &world::GB,
    &world::AE,
    &world::RU,
    &world::PL,
];

/// `+7 701 555 01 42` written as it is at home (`8 701 555 01 42`).
fn local(phone: &str) -> String {
    phone
        .strip_prefix("+7 ")
        .map_or_else(|| phone.to_string(), |rest| format!("8 {rest}"))
}

/// Writes a manifest of `rows` rows to `path` (CSV with a header) as the
/// notebook on `conn` makes it likely: about one row in fifty planted to
/// hit. Deterministic for a seed and a notebook.
pub fn manifest(conn: &Connection, path: &Path, rows: usize, seed: u64) -> Result<Manifest> {
    let io = |e: std::io::Error| StoreError::File {
        path: path.into(),
        message: e.to_string(),
    };
    let mut seized: Vec<(String, String)> = conn
        .prepare(
            "SELECT recipient_phone, destination FROM parcels
             WHERE status = 'seized' AND recipient_phone IS NOT NULL AND destination IS NOT NULL
             ORDER BY n LIMIT 500",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    seized.dedup();
    let watched: Vec<String> = conn
        .prepare("SELECT raw FROM watchlist WHERE kind = 'phone' ORDER BY added_at")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut rng = Rng::new(seed ^ 0x6d61_6e69_6665_7374);
    let file = crate::exchange::seal::private_beside(path)?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
    w.write_record(HEADER).map_err(|e| io(e.into()))?;
    let mut out = Manifest {
        rows,
        ..Manifest::default()
    };
    let mut serial = 700_000u32;
    let mut line = 1u64;
    let mut i = 0;
    while i < rows {
        line += 1;
        serial += 1;
        let dest = world::destination(&mut rng);
        let city = *rng.pick(dest.cities);
        let origin = *rng.pick(ORDINARY);
        let goods = rng.pick(BACKGROUND);
        let grams =
            goods.grams.0 + rng.below((goods.grams.1 - goods.grams.0).max(1) as usize) as u32;
        let usd = goods.usd.0 + rng.below((goods.usd.1 - goods.usd.0).max(1) as usize) as u32;
        let mut row = Row {
            tracking: s10_number("CP", serial, origin.code),
            carrier: origin.post.to_string(),
            service: "parcel".into(),
            origin: origin.code.to_string(),
            destination: dest.country.code.to_string(),
            sender_name: world::person(&mut rng, origin),
            sender_address: format!(
                "{} {} St, {}",
                1 + rng.below(900),
                world::surname(&mut rng, origin, false),
                origin.code
            ),
            sender_phone: origin.phone.number(&mut rng),
            recipient_name: world::person(&mut rng, dest.country),
            recipient_address: world::address(&mut rng, dest, city),
            recipient_phone: dest.country.phone.number(&mut rng),
            declared: goods.description.to_string(),
            value: usd.max(1).to_string(),
            currency: "USD".into(),
            hs: goods.hs.unwrap_or("").to_string(),
            grams: grams.max(10).to_string(),
        };
        // About one row in fifty is planted, by turns.
        let planted = i % 50 == 25;
        let turn = (i / 50) % 5;
        let mut extra = Vec::new();
        if planted {
            match turn {
                0 if !seized.is_empty() => {
                    let (phone, dest) = &seized[rng.below(seized.len())];
                    row.recipient_phone = phone.clone();
                    row.destination = dest.clone();
                    row.origin = "CN".into();
                    row.carrier = world::CN.post.into();
                    row.service = "EMS".into();
                    row.tracking = s10_number("EE", serial, "CN");
                    out.planted.push(Planted {
                        tracking: row.tracking.clone(),
                        line,
                        why: "recipient phone of a seized parcel, from CN by EMS",
                    });
                }
                1 if !watched.is_empty() => {
                    let phone = &watched[rng.below(watched.len())];
                    // Written the local way, a number is read in the
                    // parcel's country: the row comes from the number's.
                    if phone.starts_with("+7 ") {
                        row.origin = "RU".into();
                        row.carrier = world::RU.post.into();
                        row.tracking = s10_number("CP", serial, "RU");
                        row.sender_phone = local(phone);
                    } else {
                        row.sender_phone = phone.clone();
                    }
                    out.planted.push(Planted {
                        tracking: row.tracking.clone(),
                        line,
                        why: "a watched phone, written the local way",
                    });
                }
                2 => {
                    row.origin = "IN".into();
                    row.carrier = world::IN.post.into();
                    row.tracking = s10_number("CP", serial, "IN");
                    row.declared = "chemical intermediate for research".into();
                    row.hs = "2933.33".into();
                    out.planted.push(Planted {
                        tracking: row.tracking.clone(),
                        line,
                        why: "HS heading of fentanyl, from IN",
                    });
                }
                3 => {
                    row.declared = "silicone resin samples".into();
                    row.hs = "3910.00".into();
                    row.value = "2".into();
                    row.grams = (800 + rng.below(400)).to_string();
                    out.planted.push(Planted {
                        tracking: row.tracking.clone(),
                        line,
                        why: "cover goods, cheap for their weight, a new sender",
                    });
                }
                _ => {
                    // Four parcels from four senders to one flat, each to
                    // another name: the third and fourth are hits.
                    for k in 1..4 {
                        serial += 1;
                        let o = *rng.pick(ORDINARY);
                        let mut r = row.clone();
                        r.tracking = s10_number("CP", serial, o.code);
                        r.origin = o.code.into();
                        r.carrier = o.post.into();
                        r.sender_name = world::person(&mut rng, o);
                        r.sender_phone = o.phone.number(&mut rng);
                        r.recipient_name = world::person(&mut rng, dest.country);
                        extra.push((k, r));
                    }
                    out.cluster_lead_in.push(row.tracking.clone());
                }
            }
        }
        w.write_record(row.cells()).map_err(|e| io(e.into()))?;
        i += 1;
        for (k, r) in extra {
            if i >= rows {
                break;
            }
            line += 1;
            w.write_record(r.cells()).map_err(|e| io(e.into()))?;
            i += 1;
            if k >= 2 {
                out.planted.push(Planted {
                    tracking: r.tracking.clone(),
                    line,
                    why: "the third or later sender to one flat, under another name",
                });
            } else {
                out.cluster_lead_in.push(r.tracking.clone());
            }
        }
    }
    let file = w
        .into_inner()
        .map_err(|e| io(std::io::Error::other(e.to_string())))?
        .into_inner()
        .map_err(|e| io(e.into_error()))?;
    let mut file = file;
    file.flush().map_err(io)?;
    crate::exchange::seal::put_in_place(file, path)?;
    Ok(out)
}

#[derive(Clone)]
struct Row {
    tracking: String,
    carrier: String,
    service: String,
    origin: String,
    destination: String,
    sender_name: String,
    sender_address: String,
    sender_phone: String,
    recipient_name: String,
    recipient_address: String,
    recipient_phone: String,
    declared: String,
    value: String,
    currency: String,
    hs: String,
    grams: String,
}

impl Row {
    fn cells(&self) -> [&str; 16] {
        [
            &self.tracking,
            &self.carrier,
            &self.service,
            &self.origin,
            &self.destination,
            &self.sender_name,
            &self.sender_address,
            &self.sender_phone,
            &self.recipient_name,
            &self.recipient_address,
            &self.recipient_phone,
            &self.declared,
            &self.value,
            &self.currency,
            &self.hs,
            &self.grams,
        ]
    }
}
