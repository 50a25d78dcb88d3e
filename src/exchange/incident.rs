//! The incident report partners ask for (the fields of international
//! incident reporting, IONICS-style), for one parcel or a whole series (the
//! parcels of a case): who reports it, how each parcel was detected, posted,
//! routed and seized, each substance with its CAS number, control status,
//! group, purity and weights, the online vendors, marketplaces and payment
//! methods known, the people arrested with their nationality, how a
//! controlled delivery ended, and the TLP marking. The same facts as text
//! (the summary), JSON and CSV, with stable field names (README: Sharing).

use super::handling::{self, Release};
use super::summary;
use crate::domain::evidence::{Delivery, Exhibit, Inspection, LabResult};
use crate::domain::identifiers::{self, IdentKind};
use crate::domain::{Case, ItemKind, Organisation, Parcel, Person, Substance};
use crate::store::refs::ItemRef;
use crate::store::{Result, StoreError, records, related};
use rusqlite::Connection;
use serde::Serialize;
use uuid::Uuid;

/// The version of the JSON and CSV forms' field names.
pub const FORMAT: &str = "interdict-incident/1";

/// Who reports, as the command line says it.
#[derive(Debug, Clone, Default)]
pub struct Reporting {
    pub country: Option<String>,
    pub agency: Option<String>,
    pub focal_point: Option<String>,
    pub national_reference: Option<String>,
    /// `YYYY-MM-DD`.
    pub report_date: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    pub format: &'static str,
    pub reporting_country: Option<String>,
    pub agency: Option<String>,
    pub focal_point: Option<String>,
    pub report_date: String,
    pub national_reference: Option<String>,
    /// The strictest TLP label of what the report is about.
    pub tlp: String,
    pub incident_type: String,
    /// Whether it covers several parcels.
    pub series: bool,
    pub cases: Vec<CaseOut>,
    pub parcels: Vec<ParcelOut>,
    pub persons_arrested: Vec<Arrested>,
    pub online_vendors: Vec<Party>,
    pub marketplaces: Vec<Party>,
    pub payment_methods: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseOut {
    pub reference: String,
    /// None for a TLP:RED case (its title withheld).
    pub title: Option<String>,
    pub tlp: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParcelOut {
    #[serde(skip)]
    pub id: Uuid,
    pub tracking: String,
    pub tracking_kind: String,
    pub status: String,
    pub shipment_mode: String,
    pub carrier: Option<String>,
    pub service: Option<String>,
    /// How it was selected (the seizing inspection's, see
    /// `evidence::seizing_inspection`; with none of the seizure's day, the
    /// last before it, else the first): `profiling-hit`,
    /// `x-ray`, `detector-dog`, `intelligence`, `random`,
    /// `controlled-delivery`, `tip-off`, `other`.
    pub detection_method: Option<String>,
    pub inspected_on: Option<String>,
    pub field_test: Option<String>,
    pub seizure_date: Option<String>,
    pub seizure_place: Option<String>,
    /// The seizure's date (and place, where the parcel gives none) are
    /// its first inspection's: the parcel records no seizure date.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub seizure_from_inspection: bool,
    pub posting_date: Option<String>,
    pub office_of_origin: Option<String>,
    pub point_of_entry: Option<String>,
    pub origin: Option<String>,
    pub transit: Vec<String>,
    pub destination: Option<String>,
    pub sender: PartyDetails,
    pub recipient: PartyDetails,
    pub declared_contents: Option<String>,
    pub declared_value: Option<f64>,
    pub declared_currency: Option<String>,
    pub hs_code: Option<String>,
    pub found_contents: Option<String>,
    pub concealment: Option<String>,
    pub gross_weight_g: Option<f64>,
    /// The net weight of its exhibits (items, not samples), when weighed.
    pub net_weight_g: Option<f64>,
    /// What its exhibits' weights are flagged for on their trail (heavier
    /// than the parcel, together or alone: a kg-for-g slip), each once:
    /// the report gave a net weight above the gross with no word. A
    /// finding's or a lab result's quantity over the parcel's weight too.
    /// Always present (`[]`: the README names it a stable field).
    pub weight_flags: Vec<String>,
    pub substances: Vec<SubstanceOut>,
    pub controlled_delivery: Option<DeliveryOut>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PartyDetails {
    pub name: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubstanceOut {
    pub name: String,
    pub cas: Option<String>,
    /// International control (`1961 Sch. I`), or `not internationally
    /// controlled`.
    pub control_status: String,
    pub group: String,
    pub subclass: Option<String>,
    pub effect: Option<String>,
    pub form: String,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
    pub identification: String,
    /// The finding's own test reference (a field kit's number), which the
    /// text gives: JSON and CSV left it out.
    pub test_reference: Option<String>,
    pub purity_percent: Option<f64>,
    pub laboratory: Option<String>,
    pub lab_reference: Option<String>,
    pub lab_method: Option<String>,
    /// The laboratory's net quantity, in `lab_unit`.
    pub lab_net_quantity: Option<f64>,
    pub lab_unit: Option<String>,
    /// The laboratory results that contradict the presumptive
    /// identification (`CFL CFL-6: not-detected`).
    pub lab_contradicted_by: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeliveryOut {
    pub outcome: String,
    pub date: Option<String>,
    pub collected_by: Option<String>,
    pub arrests: Option<u64>,
    /// Other outcomes recorded for the parcel (a flag of its trail),
    /// earliest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_recorded: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Arrested {
    pub name: String,
    pub nationality: Option<String>,
    pub born_on: Option<String>,
    /// The parcel they were arrested over.
    pub parcel: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Party {
    pub name: String,
    pub kind: String,
    /// Sites, handles and other contacts as recorded.
    pub contacts: Option<String>,
}

/// The parcels a report is about: a parcel, or a case's seized parcels
/// (all of them when none was seized).
fn parcels_of(conn: &Connection, target: &ItemRef) -> Result<Vec<Uuid>> {
    match target.kind {
        ItemKind::Parcel => Ok(vec![target.id]),
        ItemKind::Case => {
            let all = related::parcels_in_case(conn, target.id, usize::MAX, 0)?;
            let seized: Vec<Uuid> = all
                .iter()
                .filter(|p| matches!(p.status.as_str(), "seized" | "controlled-delivery"))
                .map(|p| p.meta.id)
                .collect();
            Ok(if seized.is_empty() {
                all.iter().map(|p| p.meta.id).collect()
            } else {
                seized
            })
        }
        k => Err(StoreError::Refused(format!(
            "an incident is reported for a parcel or a case (a series), not a {k}"
        ))),
    }
}

/// Gathers the report of a parcel or a case.
pub fn gather(
    conn: &Connection,
    target: &ItemRef,
    who: &Reporting,
    rel: &Release,
) -> Result<Incident> {
    let parcel_ids = parcels_of(conn, target)?;
    if parcel_ids.is_empty() {
        return Err(StoreError::Refused(format!(
            "{} holds no parcel to report",
            target.label
        )));
    }
    // The cases named: the one reported, or those including the parcel;
    // held-back cases are not named, and a parcel only they hold does
    // not leave.
    let case_ids: Vec<Uuid> = match target.kind {
        ItemKind::Case => vec![target.id],
        _ => related::cases_including(conn, target.id)?,
    };
    let all_cases = case_ids.len();
    let (mut held, mut kept) = (Vec::new(), Vec::new());
    for c in case_ids {
        match handling::held_back(conn, ItemKind::Case, c, rel)? {
            None => kept.push(c),
            Some(_) => held.push(c),
        }
    }
    let case_ids = kept;
    if all_cases > 0 && case_ids.is_empty() {
        let names = held
            .iter()
            .map(|&id| records::label_of(conn, ItemKind::Case, id))
            .collect::<Result<Vec<_>>>()?;
        return Err(StoreError::Refused(format!(
            "{} belongs only to case(s) held back ({}): name them with --include-red (TLP:RED) or pass --amber-strict (TLP:AMBER+STRICT)",
            target.label,
            names.join(", ")
        )));
    }
    let mut tlp = "CLEAR".to_string();
    let mut cases = Vec::new();
    for id in &case_ids {
        if let Some(c) = records::get::<Case>(conn, *id)? {
            if handling::tlp_rank(&c.tlp) > handling::tlp_rank(&tlp) {
                tlp = c.tlp.clone();
            }
            cases.push(CaseOut {
                title: (!c.tlp.eq_ignore_ascii_case("RED")).then(|| c.title.clone()),
                reference: c.reference,
                tlp: c.tlp,
            });
        }
    }
    if cases.is_empty() {
        // A parcel in no case carries the default marking.
        tlp = "AMBER".into();
    }
    cases.sort_by(|a, b| a.reference.cmp(&b.reference));
    let mut parcels = Vec::new();
    let mut arrested = Vec::new();
    for &pid in &parcel_ids {
        let p: Parcel = records::must_get(conn, pid)?;
        parcels.push(parcel_out(conn, &p)?);
        for l in related::links_of(conn, pid, usize::MAX)? {
            if l.link_type == "arrested"
                && l.from_kind == ItemKind::Person
                && let Some(person) = records::get::<Person>(conn, l.from_id)?
                && handling::held_back(conn, ItemKind::Person, person.meta.id, rel)?.is_none()
            {
                arrested.push(Arrested {
                    name: person.name,
                    nationality: person.nationality,
                    born_on: person.born_on,
                    parcel: p.tracking.clone(),
                });
            }
        }
    }
    // Shops, marketplaces and payment ids: of the case, or of the cases
    // the parcel is in.
    let (mut vendors, mut markets, mut payments) = (Vec::new(), Vec::new(), Vec::new());
    let mut orgs: Vec<Uuid> = Vec::new();
    // Each text read for payment ids, with the label of what it is from:
    // what the report takes from it marks the report as strictly.
    let mut texts: Vec<(String, String)> = Vec::new();
    for c in &case_ids {
        orgs.extend(related::ids_in_case(conn, ItemKind::Organisation, *c)?);
        for id in related::ids_in_case(conn, ItemKind::Person, *c)? {
            if handling::held_back(conn, ItemKind::Person, id, rel)?.is_none()
                && let Some(p) = records::get::<Person>(conn, id)?
            {
                texts.extend(p.contacts.into_iter().map(|c| (c, p.tlp.clone())));
            }
        }
        for id in related::ids_in_case(conn, ItemKind::Note, *c)? {
            if handling::held_back(conn, ItemKind::Note, id, rel)?.is_none()
                && let Some(n) = records::get::<crate::domain::Note>(conn, id)?
            {
                texts.push((n.text, n.tlp));
            }
        }
    }
    orgs.sort();
    orgs.dedup();
    for id in orgs {
        if handling::held_back(conn, ItemKind::Organisation, id, rel)?.is_some() {
            continue;
        }
        let Some(o) = records::get::<Organisation>(conn, id)? else {
            continue;
        };
        texts.extend(o.contacts.iter().map(|c| (c.clone(), o.tlp.clone())));
        let party = Party {
            name: o.name.clone(),
            kind: o.org_type.clone(),
            contacts: o.contacts.clone(),
        };
        let named = match o.org_type.as_str() {
            "shop" => {
                vendors.push(party);
                true
            }
            "marketplace" => {
                markets.push(party);
                true
            }
            "bank" | "exchange" => {
                payments.push(format!("{} {}", o.org_type, o.name));
                true
            }
            _ => false,
        };
        // What the report names marks it as strictly.
        if named && handling::tlp_rank(&o.tlp) > handling::tlp_rank(&tlp) {
            tlp = o.tlp.clone();
        }
    }
    for (t, from) in &texts {
        for i in identifiers::scan(t, None).ids {
            if matches!(
                i.kind,
                IdentKind::Card | IdentKind::Iban | IdentKind::Wallet
            ) {
                payments.push(format!("{} {}", i.kind.as_str(), i.kind.shown(&i.value)));
                if handling::tlp_rank(from) > handling::tlp_rank(&tlp) {
                    tlp = from.clone();
                }
            }
        }
    }
    payments.sort();
    payments.dedup();
    let series = parcels.len() > 1;
    let incident_type = if series {
        format!("series of {} parcels", parcels.len())
    } else if parcels[0].controlled_delivery.is_some() {
        // A delivery recorded is one followed, whatever the status says.
        summary::incident_type("controlled-delivery").to_string()
    } else {
        summary::incident_type(&parcels[0].status).to_string()
    };
    Ok(Incident {
        format: FORMAT,
        reporting_country: who.country.clone(),
        agency: who.agency.clone(),
        focal_point: who.focal_point.clone(),
        report_date: who.report_date.clone(),
        // The case's reference when none is given.
        national_reference: who
            .national_reference
            .clone()
            .or_else(|| cases.first().map(|c| c.reference.clone())),
        tlp,
        incident_type,
        series,
        cases,
        parcels,
        persons_arrested: arrested,
        online_vendors: vendors,
        marketplaces: markets,
        payment_methods: payments,
    })
}

fn parcel_out(conn: &Connection, p: &Parcel) -> Result<ParcelOut> {
    let mut inspections: Vec<Inspection> =
        records::list_where(conn, "parcel_id = ?1", [p.meta.id], usize::MAX, 0)?;
    inspections.sort_by(|a, b| a.inspected_on.cmp(&b.inspected_on));
    // The inspection that seized it: its detection method (the last one
    // was said, a re-examination in the store given as the detection).
    // With none on the seizure's day, the last before it (the one that
    // led to it), else the first.
    let seizure_day = p.seized_on.as_deref().map(|d| d.get(..10).unwrap_or(d));
    let last = crate::evidence::seizing_inspection(&inspections, p.seized_on.as_deref())
        .or_else(|| {
            seizure_day.and_then(|day| {
                inspections
                    .iter()
                    .rev()
                    .find(|i| i.inspected_on.get(..10).unwrap_or(&i.inspected_on) <= day)
            })
        })
        .or(inspections.first());
    // The field test: the seizing inspection's, else the first of that
    // day's inspections that tested (an x-ray at 09:00, the kit at 14:00:
    // the report said "not recorded" of a test the trail flagged).
    let day = |i: &Inspection| {
        i.inspected_on
            .get(..10)
            .unwrap_or(&i.inspected_on)
            .to_string()
    };
    let tested = last.filter(|i| i.test_result.is_some()).or_else(|| {
        let on = day(last?);
        inspections
            .iter()
            .find(|i| i.test_result.is_some() && day(i) == on)
    });
    let exhibits: Vec<Exhibit> =
        records::list_where(conn, "parcel_id = ?1", [p.meta.id], usize::MAX, 0)?;
    let items: Vec<&Exhibit> = exhibits
        .iter()
        .filter(|e| e.exhibit_kind == "item")
        .collect();
    let net = (!items.is_empty() && items.iter().all(|e| e.net_g.is_some()))
        .then(|| items.iter().filter_map(|e| e.net_g).sum());
    let mut weight_flags: Vec<String> = Vec::new();
    let mut flagged: Vec<String> = Vec::new();
    for e in &exhibits {
        for f in crate::evidence::sheet::weight_flags(conn, e)? {
            if !flagged.contains(&f) {
                weight_flags.push(format!("exhibit {}: {f}", e.number));
                flagged.push(f);
            }
        }
    }
    let mut substances = Vec::new();
    weight_flags.extend(crate::evidence::findings_over_weight(conn, p.meta.id)?);
    for f in related::findings_in_parcel(conn, p.meta.id)? {
        let s: Option<Substance> = records::get(conn, f.substance_id)?;
        let results: Vec<LabResult> =
            records::list_where(conn, "finding_id = ?1", [f.meta.id], usize::MAX, 0)?;
        // A quantity by mass over what the parcel weighs, as its trail
        // flags it (the report gave 2 kg beside a parcel of 1 kg, unsaid).
        let name = s.as_ref().map_or("unknown substance", |s| s.name.as_str());
        let mut over = vec![crate::evidence::finding_over_weight(conn, &f, name)?];
        for r in &results {
            over.push(crate::evidence::lab_over_weight(conn, p.meta.id, r)?);
        }
        for flag in over.into_iter().flatten() {
            if !weight_flags.contains(&flag) {
                weight_flags.push(flag);
            }
        }
        // The confirming result the finding names as its test reference
        // (the text's Substances line names it too), else the first that
        // confirms, else the latest that does not contradict it. (A
        // result that found another substance, or none, is said beside:
        // its purity, laboratory and method were given as the finding's,
        // a partner's form reading "Fentanyl, 3 % pure" of Carfentanil.)
        let named = |r: &&LabResult| {
            f.test_ref.as_deref().map(str::trim)
                == Some(format!("{} {}", r.laboratory, r.reference).as_str())
        };
        let lab = results
            .iter()
            .filter(|r| r.confirms())
            .find(named)
            .or_else(|| results.iter().find(|r| r.confirms()))
            .or_else(|| results.iter().rev().find(|r| !r.contradicts()));
        // Results that contradict the presumptive identification, said
        // beside the one reported.
        let contradicting: Vec<String> = results
            .iter()
            .filter(|r| r.contradicts())
            .map(|r| {
                crate::domain::Record::label(r)
                    .trim_start_matches("lab ")
                    .to_string()
            })
            .collect();
        substances.push(SubstanceOut {
            name: s
                .as_ref()
                .map_or_else(|| "unknown substance".into(), |s| s.name.clone()),
            cas: s.as_ref().and_then(|s| s.cas.clone()),
            control_status: s
                .as_ref()
                .map_or_else(|| "not recorded".into(), |s| s.control_summary()),
            group: s
                .as_ref()
                .map_or_else(|| "other".into(), |s| s.group.clone()),
            subclass: s.as_ref().and_then(|s| s.subclass.clone()),
            effect: s.as_ref().and_then(|s| s.effect.clone()),
            form: f.form.clone(),
            quantity: f.quantity,
            unit: f.unit.clone(),
            identification: f.identification.clone(),
            test_reference: f.test_ref.clone(),
            purity_percent: lab.and_then(|r| r.purity),
            laboratory: lab.map(|r| r.laboratory.clone()),
            lab_reference: lab.map(|r| r.reference.clone()),
            lab_method: lab.map(|r| r.method.clone()),
            lab_net_quantity: lab.and_then(|r| r.net_quantity),
            lab_unit: lab.and_then(|r| r.unit.clone()),
            lab_contradicted_by: contradicting,
        });
    }
    // The outcome of the latest date (an outcome entered last but dated
    // earlier was reported over the collection and its arrests); the
    // others are said beside it.
    let mut deliveries: Vec<Delivery> =
        records::list_where::<Delivery, _>(conn, "parcel_id = ?1", [p.meta.id], usize::MAX, 0)?;
    deliveries.sort_by(|a, b| a.delivered_on.cmp(&b.delivered_on));
    let delivery = deliveries.pop();
    let also: Vec<String> = deliveries
        .iter()
        .map(|d| match &d.delivered_on {
            Some(on) => format!("{} on {on}", d.outcome),
            None => d.outcome.clone(),
        })
        .collect();
    Ok(ParcelOut {
        id: p.meta.id,
        tracking: p.tracking.clone(),
        tracking_kind: p.tracking_kind.as_str().to_string(),
        status: p.status.clone(),
        shipment_mode: summary::shipment_mode(p),
        carrier: p.carrier.clone(),
        service: p.service.clone(),
        detection_method: last.map(|i| i.selection.clone()),
        inspected_on: last.map(|i| i.inspected_on.clone()),
        field_test: match tested {
            Some(i) => i
                .test_result
                .as_ref()
                .map(|r| -> Result<String> {
                    let mut s = r.clone();
                    if let Some(x) = &i.test_indicated {
                        s.push_str(&format!(" for {x}"));
                    }
                    if let Some(k) = &i.test_kit {
                        s.push_str(&format!(" ({k})"));
                    }
                    // (Said beside the lab's answer, with no word, before.)
                    if let Some(flag) = crate::evidence::field_test_unborne(conn, p.meta.id, i)? {
                        s.push_str(&format!("; not borne out: {flag}"));
                    }
                    Ok(s)
                })
                .transpose()?,
            None => None,
        },
        // A seized parcel with no seizure date of its own is dated and
        // placed by its inspection, as its custody sheet is (the report
        // said "not recorded" beside a sheet that gave the time).
        seizure_date: p.seized_on.clone().or_else(|| {
            last.filter(|_| p.status == "seized")
                .map(|i| i.inspected_on.chars().take(10).collect())
        }),
        seizure_place: p.seized_place.clone().or_else(|| {
            last.filter(|_| p.status == "seized" && p.seized_on.is_none())
                .and_then(|i| i.place.clone())
        }),
        seizure_from_inspection: p.seized_on.is_none() && p.status == "seized" && last.is_some(),
        posting_date: p.posted_on.clone(),
        office_of_origin: p.posted_from.clone(),
        point_of_entry: p.entry_point.clone(),
        origin: p.origin.clone(),
        transit: p
            .transit
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        destination: p.destination.clone(),
        sender: PartyDetails {
            name: p.sender_name.clone(),
            address: p.sender_address.clone(),
            phone: p.sender_phone.clone(),
            email: p.sender_email.clone(),
        },
        recipient: PartyDetails {
            name: p.recipient_name.clone(),
            address: p.recipient_address.clone(),
            phone: p.recipient_phone.clone(),
            email: p.recipient_email.clone(),
        },
        declared_contents: p.declared_contents.clone(),
        declared_value: p.declared_value,
        declared_currency: p.declared_currency.clone(),
        hs_code: p.hs_code.clone(),
        found_contents: p.found_contents.clone(),
        concealment: p.concealment.clone(),
        gross_weight_g: p.weight_g,
        net_weight_g: net,
        weight_flags,
        substances,
        controlled_delivery: delivery.map(|d| DeliveryOut {
            outcome: d.outcome,
            date: d.delivered_on,
            collected_by: d.collected_by,
            // (A count: the record holds whole numbers only.)
            arrests: d.arrests.map(|n| n as u64),
            also_recorded: also,
        }),
    })
}

/// The CSV form's columns, in order: one row per substance of each parcel
/// (a parcel with none has one row, its substance columns empty); the
/// report's own fields repeat on every row.
pub const CSV_COLUMNS: &[&str] = &[
    "format",
    "reporting_country",
    "agency",
    "focal_point",
    "report_date",
    "national_reference",
    "tlp",
    "incident_type",
    "series",
    "cases",
    "tracking",
    "tracking_kind",
    "status",
    "shipment_mode",
    "detection_method",
    "field_test",
    "seizure_date",
    "seizure_place",
    "posting_date",
    "office_of_origin",
    "point_of_entry",
    "origin",
    "transit",
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
    "declared_value",
    "declared_currency",
    "hs_code",
    "found_contents",
    "concealment",
    "gross_weight_g",
    "net_weight_g",
    "weight_flags",
    "substance",
    "cas",
    "control_status",
    "group",
    "subclass",
    "effect",
    "form",
    "quantity",
    "unit",
    "identification",
    "test_reference",
    "purity_percent",
    "laboratory",
    "lab_reference",
    "lab_method",
    "lab_contradicted_by",
    "controlled_delivery",
    "delivery_date",
    "collected_by",
    "arrests",
    "persons_arrested",
    "online_vendors",
    "marketplaces",
    "payment_methods",
];

fn num(x: Option<f64>) -> String {
    x.map(summary::number).unwrap_or_default()
}

/// The report's CSV rows, under [`CSV_COLUMNS`] (the command line writes
/// them with its formula guard, as every CSV it prints).
pub fn csv_rows(i: &Incident) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let cases = i
        .cases
        .iter()
        .map(|c| c.reference.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let arrested = i
        .persons_arrested
        .iter()
        .map(|a| match &a.nationality {
            Some(n) => format!("{} ({n})", a.name),
            None => a.name.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ");
    let parties = |v: &[Party]| {
        v.iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    for p in &i.parcels {
        let subs: Vec<Option<&SubstanceOut>> = if p.substances.is_empty() {
            vec![None]
        } else {
            p.substances.iter().map(Some).collect()
        };
        for s in subs {
            let so = |f: fn(&SubstanceOut) -> String| s.map(f).unwrap_or_default();
            let d = p.controlled_delivery.as_ref();
            let row: Vec<String> = vec![
                i.format.into(),
                o(&i.reporting_country),
                o(&i.agency),
                o(&i.focal_point),
                i.report_date.clone(),
                o(&i.national_reference),
                i.tlp.clone(),
                i.incident_type.clone(),
                i.series.to_string(),
                cases.clone(),
                p.tracking.clone(),
                p.tracking_kind.clone(),
                p.status.clone(),
                p.shipment_mode.clone(),
                o(&p.detection_method),
                o(&p.field_test),
                o(&p.seizure_date),
                o(&p.seizure_place),
                o(&p.posting_date),
                o(&p.office_of_origin),
                o(&p.point_of_entry),
                o(&p.origin),
                p.transit.join(","),
                o(&p.destination),
                o(&p.sender.name),
                o(&p.sender.address),
                o(&p.sender.phone),
                o(&p.sender.email),
                o(&p.recipient.name),
                o(&p.recipient.address),
                o(&p.recipient.phone),
                o(&p.recipient.email),
                o(&p.declared_contents),
                num(p.declared_value),
                o(&p.declared_currency),
                o(&p.hs_code),
                o(&p.found_contents),
                o(&p.concealment),
                num(p.gross_weight_g),
                num(p.net_weight_g),
                p.weight_flags.join("; "),
                so(|s| s.name.clone()),
                so(|s| s.cas.clone().unwrap_or_default()),
                so(|s| s.control_status.clone()),
                so(|s| s.group.clone()),
                so(|s| s.subclass.clone().unwrap_or_default()),
                so(|s| s.effect.clone().unwrap_or_default()),
                so(|s| s.form.clone()),
                so(|s| num(s.quantity)),
                so(|s| s.unit.clone().unwrap_or_default()),
                so(|s| s.identification.clone()),
                so(|s| s.test_reference.clone().unwrap_or_default()),
                so(|s| num(s.purity_percent)),
                so(|s| s.laboratory.clone().unwrap_or_default()),
                so(|s| s.lab_reference.clone().unwrap_or_default()),
                so(|s| s.lab_method.clone().unwrap_or_default()),
                so(|s| s.lab_contradicted_by.join("; ")),
                d.map(|d| d.outcome.clone()).unwrap_or_default(),
                d.and_then(|d| d.date.clone()).unwrap_or_default(),
                d.and_then(|d| d.collected_by.clone()).unwrap_or_default(),
                d.and_then(|d| d.arrests)
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                arrested.clone(),
                parties(&i.online_vendors),
                parties(&i.marketplaces),
                i.payment_methods.join("; "),
            ];
            debug_assert_eq!(row.len(), CSV_COLUMNS.len());
            rows.push(row);
        }
    }
    rows
}
