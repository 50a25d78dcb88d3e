//! The evidence trail of some demo seizures: the inspection that found
//! them, the exhibit and its custody, the laboratory's result, and how a
//! controlled delivery ended. Every choice is drawn from a hash of what the
//! parcel already is, not from the generator, so the rest of the demo data
//! is the same with or without it.

use crate::domain::evidence::{Custody, Delivery, Exhibit, Inspection, LabResult};
use crate::domain::record::new_record;
use crate::domain::{Finding, Parcel};
use crate::store::{Result, Writer, records};

/// A number from a text, stable across runs and platforms (FNV-1a).
fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}

fn pick<'a>(h: u64, shift: u32, from: &[&'a str]) -> &'a str {
    from[((h >> shift) % from.len() as u64) as usize]
}

const LABS: &[&str] = &[
    "Central Forensic Laboratory",
    "Customs Laboratory",
    "National Drug Testing Centre",
];
const OFFICERS: &[&str] = &[
    "Insp. Nurlanov",
    "Insp. Sadykova",
    "Off. Abenov",
    "Off. Kim",
];

/// The laboratory result behind a lab-confirmed finding.
pub fn lab_result(w: &mut Writer<'_>, f: &Finding, reference: &str, date: &str) -> Result<()> {
    let h = hash(reference);
    let purity = format!("{}", 1 + (h >> 8) % 60);
    let mut pairs = vec![
        ("laboratory", pick(h, 0, LABS)),
        ("reference", reference),
        (
            "method",
            pick(h, 4, &["GC-MS", "GC-MS,FTIR", "LC-MS", "GC-MS,NMR"]),
        ),
        ("analysed_on", date),
        ("outcome", "confirmed"),
        ("purity", &purity),
    ];
    let q;
    if let (Some(qty), Some(unit)) = (f.quantity, f.unit.as_deref()) {
        q = format!("{}", (qty * 0.97 * 100.0).round() / 100.0);
        pairs.push(("net_quantity", &q));
        pairs.push(("unit", unit));
    }
    let (mut r, _) = new_record::<LabResult>(&pairs)?;
    r.finding_id = f.meta.id;
    records::insert(w, &mut r)?;
    Ok(())
}

/// The inspection, exhibit and custody of a seized parcel of a series (one
/// in four), and the outcome of a controlled delivery.
pub fn trail(w: &mut Writer<'_>, p: &Parcel, net_g: f64) -> Result<()> {
    let h = hash(&p.tracking);
    let (Some(day), true) = (p.seized_on.as_deref(), h.is_multiple_of(4)) else {
        return Ok(());
    };
    // Found in the working day; stored one to three hours later.
    let found = 8 + (h >> 8) % 9;
    let at = |later: u64| format!("{day} {:02}:{:02}", found + later, (h >> 20) % 60);
    let officer = pick(h, 12, OFFICERS);
    let selection = if p.status == "controlled-delivery" {
        "intelligence"
    } else {
        pick(
            h,
            16,
            &[
                "profiling-hit",
                "x-ray",
                "detector-dog",
                "profiling-hit",
                "intelligence",
            ],
        )
    };
    let place = p.seized_place.as_deref().unwrap_or("");
    let (mut i, _) = new_record::<Inspection>(&[
        ("inspected_on", &at(0)),
        ("place", place),
        ("officer", officer),
        ("selection", selection),
        (
            "actions",
            "x-rayed,opened,field-tested,weighed,photographed",
        ),
        ("test_kit", "NIK"),
        ("test_result", "positive"),
    ])?;
    i.parcel_id = p.meta.id;
    records::insert(w, &mut i)?;
    let number = format!("EX-{}-1", p.tracking);
    let seal = format!("S-{:06}", h % 1_000_000);
    let gross = p.weight_g.unwrap_or(net_g).max(net_g);
    let mut e_pairs = vec![
        ("number", number.as_str()),
        ("seal", seal.as_str()),
        (
            "description",
            p.found_contents.as_deref().unwrap_or("contents"),
        ),
    ];
    let (g, n) = (format!("{gross}"), format!("{net_g}"));
    if gross > 0.0 {
        e_pairs.push(("gross_g", &g));
    }
    if net_g > 0.0 {
        e_pairs.push(("net_g", &n));
    }
    let (mut e, _) = new_record::<Exhibit>(&e_pairs)?;
    e.parcel_id = p.meta.id;
    records::insert(w, &mut e)?;
    let store = "Evidence store";
    let hand = |w: &mut Writer<'_>,
                at: String,
                from: Option<&str>,
                to: &str,
                purpose: &str|
     -> Result<()> {
        let mut v = vec![
            ("handed_at", at.as_str()),
            ("to_holder", to),
            ("purpose", purpose),
            ("seal", seal.as_str()),
        ];
        if let Some(f) = from {
            v.push(("from_holder", f));
        }
        let (mut c, _) = new_record::<Custody>(&v)?;
        c.exhibit_id = e.meta.id;
        records::insert(w, &mut c)?;
        Ok(())
    };
    hand(w, at(0), None, officer, "seizure")?;
    hand(w, at(1 + (h >> 24) % 3), Some(officer), store, "storage")?;
    // Now and then the seal is found cut on the way to the laboratory, as
    // happens: the trail flags it.
    if (h >> 40).is_multiple_of(8) {
        let (mut c, _) = new_record::<Custody>(&[
            ("handed_at", &at(5)),
            ("from_holder", store),
            ("to_holder", "Courier to the laboratory"),
            ("purpose", "transport"),
            ("seal_intact", "no"),
            (
                "note",
                "tape over the seal cut; contents counted and resealed",
            ),
        ])?;
        c.exhibit_id = e.meta.id;
        records::insert(w, &mut c)?;
    }
    if p.status == "controlled-delivery" {
        let outcome = pick(
            h,
            28,
            &[
                "collected",
                "collected",
                "delivered-not-collected",
                "not-delivered",
            ],
        );
        let mut v = vec![("delivered_on", day), ("outcome", outcome)];
        if let Some(a) = p.recipient_address.as_deref() {
            v.push(("delivered_to", a));
        }
        let arrests = format!("{}", 1 + (h >> 32) % 2);
        if outcome == "collected" {
            v.push((
                "collected_by",
                p.recipient_name.as_deref().unwrap_or("recipient"),
            ));
            v.push(("arrests", &arrests));
        }
        let (mut d, _) = new_record::<Delivery>(&v)?;
        d.parcel_id = p.meta.id;
        records::insert(w, &mut d)?;
    }
    Ok(())
}
