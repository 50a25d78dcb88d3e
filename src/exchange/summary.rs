//! A parcel seizure as a plain-text incident summary, in the shape partners
//! report to international incident systems (IONICS-style): what happened,
//! when and where, who reports it, what was found and how it was
//! identified, how it travelled, who sent and who was to receive it, what
//! was declared against what was found, and the cases it belongs to.
//! Every line is present; what the notebook does not hold says
//! "not recorded". Text from the records has control characters made
//! visible, so the summary is safe to print and to paste.

use super::incident::Incident;
use crate::domain::text::sanitize;
use crate::domain::tracking::TrackingKind;
use crate::domain::{Finding, Parcel, Substance, country, s10};
use crate::store::error::Result;
use crate::store::{records, related};
use rusqlite::Connection;
use uuid::Uuid;

const NOT_RECORDED: &str = "not recorded";
const TITLE: &str = "INCIDENT SUMMARY: parcel interdiction\n\n";

/// One substance found, as the summary shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundSubstance {
    pub name: String,
    pub group: Option<String>,
    pub finding: Finding,
}

/// A case the parcel belongs to: reference, title, TLP label.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRef {
    pub reference: String,
    pub title: String,
    pub tlp: String,
}

/// The plain-text incident report: who reports it, then each parcel's
/// summary with its evidence (detection, posting, entry, substances'
/// CAS numbers, control, purity, a controlled delivery's outcome), then
/// the people arrested, online vendors, marketplaces, payment methods and
/// the TLP marking.
pub fn incident_text(conn: &Connection, i: &Incident) -> Result<String> {
    let nr = |v: &Option<String>| or_not_recorded(v);
    let mut out = String::from(TITLE);
    labelled(&mut out, "Report format", i.format.to_string());
    labelled(&mut out, "TLP", format!("TLP:{}", i.tlp));
    labelled(
        &mut out,
        "Reporting country",
        i.reporting_country
            .as_deref()
            .map_or_else(|| NOT_RECORDED.into(), country_text),
    );
    labelled(&mut out, "Agency", nr(&i.agency));
    labelled(&mut out, "Focal point", nr(&i.focal_point));
    labelled(&mut out, "Report date", clean(&i.report_date));
    labelled(&mut out, "National reference", nr(&i.national_reference));
    // (A single parcel's incident type is said with the parcel, once.)
    if i.series {
        labelled(&mut out, "Incident", clean(&i.incident_type));
    }
    out.push('\n');
    let cases: Vec<CaseRef> = i
        .cases
        .iter()
        .map(|c| CaseRef {
            reference: c.reference.clone(),
            title: c.title.clone().unwrap_or_default(),
            tlp: c.tlp.clone(),
        })
        .collect();
    for (n, p) in i.parcels.iter().enumerate() {
        if i.series {
            out.push_str(&format!(
                "--- parcel {} of {} ---\n",
                n + 1,
                i.parcels.len()
            ));
        }
        let mut parcel: Parcel = records::must_get(conn, p.id)?;
        if p.seizure_from_inspection {
            // (Shown as the report has them: its inspection's.)
            parcel.seized_on = p
                .seizure_date
                .as_ref()
                .map(|d| format!("{d} (its inspection's)"));
            if parcel.seized_place.is_none() {
                parcel.seized_place = p
                    .seizure_place
                    .as_ref()
                    .map(|pl| format!("{pl} (its inspection's)"));
            }
        }
        let substances = found_in(conn, p.id)?;
        let block = render(&parcel, &substances, &cases, i.agency.as_deref());
        out.push_str(block.strip_prefix(TITLE).unwrap_or(&block));
        labelled(
            &mut out,
            "Detection method",
            match (&p.detection_method, &p.inspected_on) {
                (Some(m), Some(on)) => format!("{} (inspected {})", clean(m), clean(on)),
                _ => NOT_RECORDED.into(),
            },
        );
        labelled(&mut out, "Field test", nr(&p.field_test));
        labelled(&mut out, "Posting date", nr(&p.posting_date));
        labelled(&mut out, "Office of origin", nr(&p.office_of_origin));
        labelled(&mut out, "Point of entry", nr(&p.point_of_entry));
        labelled(
            &mut out,
            "Net weight",
            p.net_weight_g
                .map_or_else(|| NOT_RECORDED.into(), |g| format!("{} g", number(g))),
        );
        for f in &p.weight_flags {
            labelled(&mut out, "Weight flagged", clean(f));
        }
        for (k, s) in p.substances.iter().enumerate() {
            let mut d = vec![
                format!(
                    "CAS {}",
                    s.cas.as_deref().map_or_else(|| NOT_RECORDED.into(), clean)
                ),
                clean(&s.control_status),
                format!(
                    "group {}{}{}",
                    clean(&s.group),
                    s.subclass
                        .as_deref()
                        .map(|x| format!(", {}", clean(x)))
                        .unwrap_or_default(),
                    s.effect
                        .as_deref()
                        .map(|x| format!(", {}", clean(x)))
                        .unwrap_or_default()
                ),
            ];
            d.push(match (s.purity_percent, &s.laboratory) {
                (Some(pu), Some(l)) => format!(
                    "purity {} % ({}, {} {})",
                    number(pu),
                    clean(s.lab_method.as_deref().unwrap_or("")),
                    clean(l),
                    clean(s.lab_reference.as_deref().unwrap_or(""))
                ),
                (None, Some(l)) => format!(
                    "purity {NOT_RECORDED} ({} {})",
                    clean(l),
                    clean(s.lab_reference.as_deref().unwrap_or(""))
                ),
                _ => format!("purity {NOT_RECORDED}"),
            });
            // A result that contradicts the identification is said where
            // the confirming one is.
            if !s.lab_contradicted_by.is_empty() {
                d.push(format!(
                    "CONTRADICTED by {}",
                    s.lab_contradicted_by
                        .iter()
                        .map(|c| clean(c))
                        .collect::<Vec<_>>()
                        .join("; ")
                ));
            }
            labelled(
                &mut out,
                if k == 0 { "Substance details" } else { "" },
                format!("{}. {}: {}", k + 1, clean(&s.name), d.join("; ")),
            );
        }
        labelled(
            &mut out,
            "Controlled delivery",
            match &p.controlled_delivery {
                Some(d) => {
                    let mut t = clean(&d.outcome);
                    if let Some(on) = &d.date {
                        t.push_str(&format!(" on {}", clean(on)));
                    }
                    if let Some(by) = &d.collected_by {
                        t.push_str(&format!(", collected by {}", clean(by)));
                    }
                    if let Some(a) = d.arrests {
                        t.push_str(&format!(", {a} arrested"));
                    }
                    if !d.also_recorded.is_empty() {
                        t.push_str(&format!(
                            " (also recorded, and flagged: {})",
                            d.also_recorded
                                .iter()
                                .map(|o| clean(o))
                                .collect::<Vec<_>>()
                                .join("; ")
                        ));
                    }
                    t
                }
                None if p.status == "controlled-delivery" => format!("outcome {NOT_RECORDED}"),
                None => "none".into(),
            },
        );
        out.push('\n');
    }
    let list = |v: Vec<String>| {
        if v.is_empty() {
            "none recorded".to_string()
        } else {
            v.join("; ")
        }
    };
    labelled(
        &mut out,
        "Persons arrested",
        list(
            i.persons_arrested
                .iter()
                .map(|a| {
                    format!(
                        "{} (nationality {}{}), over {}",
                        clean(&a.name),
                        a.nationality
                            .as_deref()
                            .map_or_else(|| NOT_RECORDED.into(), country_text),
                        a.born_on
                            .as_deref()
                            .map(|b| format!(", born {}", clean(b)))
                            .unwrap_or_default(),
                        clean(&a.parcel)
                    )
                })
                .collect(),
        ),
    );
    let parties = |v: &[super::incident::Party]| {
        v.iter()
            .map(|p| match &p.contacts {
                Some(c) => format!("{} ({})", clean(&p.name), clean(c)),
                None => clean(&p.name),
            })
            .collect::<Vec<_>>()
    };
    labelled(&mut out, "Online vendors", list(parties(&i.online_vendors)));
    labelled(&mut out, "Marketplaces", list(parties(&i.marketplaces)));
    labelled(
        &mut out,
        "Payment methods",
        list(i.payment_methods.iter().map(|p| clean(p)).collect()),
    );
    Ok(out)
}

/// One `Label:  value` line of the report (an empty label continues the
/// line above).
fn labelled(out: &mut String, label: &str, value: String) {
    let label = if label.is_empty() {
        String::new()
    } else {
        format!("{label}:")
    };
    out.push_str(&format!("{label:<20} {value}\n"));
}

/// What was found in a parcel, as the summary names it.
fn found_in(conn: &Connection, parcel_id: Uuid) -> Result<Vec<FoundSubstance>> {
    let mut substances = Vec::new();
    for f in related::findings_in_parcel(conn, parcel_id)? {
        let s: Option<Substance> = records::get(conn, f.substance_id)?;
        substances.push(FoundSubstance {
            name: s
                .as_ref()
                .map_or_else(|| "unknown substance".to_string(), |s| s.name.clone()),
            group: s.map(|s| s.group),
            finding: f,
        });
    }
    Ok(substances)
}

fn or_not_recorded(v: &Option<String>) -> String {
    match v.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => clean(s),
        _ => NOT_RECORDED.to_string(),
    }
}

/// Untrusted text on one line: control characters (newlines too) visible.
fn clean(s: &str) -> String {
    sanitize(s.trim()).into_owned()
}

pub(super) fn incident_type(status: &str) -> &'static str {
    match status {
        "seized" => "seizure",
        "controlled-delivery" => "seizure, followed by a controlled delivery",
        "released" => "suspicious shipment (released after inspection)",
        "inspected" => "suspicious shipment (inspected, nothing seized)",
        _ => "suspicious shipment (targeted, not yet inspected)",
    }
}

fn country_text(code: &str) -> String {
    let code = code.trim();
    match country::name(code) {
        Some(n) => format!("{code} ({n})"),
        None => clean(code),
    }
}

fn route(p: &Parcel) -> String {
    let origin = p
        .origin
        .as_deref()
        .map_or_else(|| format!("origin {NOT_RECORDED}"), country_text);
    let destination = p
        .destination
        .as_deref()
        .map_or_else(|| format!("destination {NOT_RECORDED}"), country_text);
    let mut parts = vec![origin];
    parts.extend(
        p.transit
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(country_text),
    );
    parts.push(destination);
    parts.join(" -> ")
}

pub(super) fn shipment_mode(p: &Parcel) -> String {
    let (mode, scheme_service) = match p.tracking_kind {
        TrackingKind::S10 => (
            "postal",
            s10::parse(&p.tracking)
                .ok()
                .and_then(|t| s10::service_name(t.service_indicator())),
        ),
        TrackingKind::Waybill => ("courier", None),
    };
    let service = match p.service.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => clean(s),
        _ => scheme_service.map_or_else(|| NOT_RECORDED.to_string(), str::to_string),
    };
    format!(
        "{mode}; carrier: {}; service: {service}",
        or_not_recorded(&p.carrier)
    )
}

fn tracking(p: &Parcel) -> String {
    match p.tracking_kind {
        TrackingKind::S10 => format!("{} (UPU S10)", clean(&p.tracking)),
        TrackingKind::Waybill => format!("{} (courier waybill)", clean(&p.tracking)),
    }
}

fn party(
    name: &Option<String>,
    address: &Option<String>,
    phone: &Option<String>,
    email: &Option<String>,
) -> String {
    let all = [name, address, phone, email];
    if all
        .iter()
        .all(|v| v.as_deref().is_none_or(|s| s.trim().is_empty()))
    {
        return NOT_RECORDED.to_string();
    }
    let details: Vec<String> = [("address", address), ("phone", phone), ("e-mail", email)]
        .into_iter()
        .map(|(label, v)| format!("{label} {}", or_not_recorded(v)))
        .collect();
    format!("{}; {}", or_not_recorded(name), details.join("; "))
}

pub(super) fn number(x: f64) -> String {
    // Whole numbers without a decimal point; others as written.
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

fn declared(p: &Parcel) -> String {
    let contents = match p.declared_contents.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => format!("\"{}\"", clean(s)),
        _ => NOT_RECORDED.to_string(),
    };
    let mut details = Vec::new();
    if let Some(c) = p.declared_category.as_deref() {
        details.push(format!("category {}", clean(c)));
    }
    if let Some(f) = p.customs_form.as_deref() {
        details.push(format!("form {}", clean(f)));
    }
    if let Some(v) = p.declared_value {
        let cur = p
            .declared_currency
            .as_deref()
            .map(clean)
            .unwrap_or_default();
        details.push(format!("value {} {cur}", number(v)).trim_end().to_string());
    }
    if let Some(h) = p.hs_code.as_deref() {
        details.push(format!("HS {}", clean(h)));
    }
    if details.is_empty() {
        contents
    } else {
        format!("{contents} ({})", details.join(", "))
    }
}

fn substance_line(s: &FoundSubstance) -> String {
    let f = &s.finding;
    let quantity = match (f.quantity, f.unit.as_deref()) {
        (Some(q), Some(u)) => format!("{} {}", number(q), clean(u)),
        (Some(q), None) => number(q),
        _ => format!("quantity {NOT_RECORDED}"),
    };
    let status = match f.identification.as_str() {
        "lab-confirmed" => "lab-confirmed".to_string(),
        // (Not "field test": a finding is presumptive until a laboratory
        // confirms it, whether or not a field test was recorded.)
        "presumptive" => "presumptive".to_string(),
        other => clean(other),
    };
    let test = match f.test_ref.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => format!(", test ref {}", clean(t)),
        _ => String::new(),
    };
    let group = s
        .group
        .as_deref()
        .map(|g| format!(" [{}]", clean(g)))
        .unwrap_or_default();
    // A unit that counts the form itself (tablets) says the form once.
    let form = if f.unit_is_form() && f.quantity.is_some() {
        String::new()
    } else {
        format!("{}, ", clean(&f.form))
    };
    format!(
        "{}{group}: {form}{quantity}, {status}{test}",
        clean(&s.name)
    )
}

/// The summary text from gathered facts.
pub fn render(
    p: &Parcel,
    substances: &[FoundSubstance],
    cases: &[CaseRef],
    agency: Option<&str>,
) -> String {
    let agency = match agency.map(str::trim) {
        Some(a) if !a.is_empty() => clean(a),
        _ => NOT_RECORDED.to_string(),
    };
    let weight = p
        .weight_g
        .map_or_else(|| NOT_RECORDED.to_string(), |w| format!("{} g", number(w)));
    let cases_text = if cases.is_empty() {
        "none".to_string()
    } else {
        cases
            .iter()
            .map(|c| {
                if c.tlp.eq_ignore_ascii_case("RED") {
                    format!("{} (TLP:RED, title withheld)", clean(&c.reference))
                } else {
                    format!("{} {}", clean(&c.reference), clean(&c.title))
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let lines: Vec<(&str, String)> = vec![
        ("Incident type", incident_type(&p.status).to_string()),
        ("Date", or_not_recorded(&p.seized_on)),
        ("Place", or_not_recorded(&p.seized_place)),
        ("Reporting agency", agency),
        ("Shipment mode", shipment_mode(p)),
        ("Tracking number", tracking(p)),
        ("Route", route(p)),
        (
            "Sender",
            party(
                &p.sender_name,
                &p.sender_address,
                &p.sender_phone,
                &p.sender_email,
            ),
        ),
        (
            "Recipient",
            party(
                &p.recipient_name,
                &p.recipient_address,
                &p.recipient_phone,
                &p.recipient_email,
            ),
        ),
        ("Declared contents", declared(p)),
        ("Found contents", or_not_recorded(&p.found_contents)),
        ("Concealment", or_not_recorded(&p.concealment)),
        ("Gross weight", weight),
        ("Linked cases", cases_text),
    ];
    let width = lines
        .iter()
        .map(|(l, _)| l.len())
        .chain(["Substances".len()])
        .max()
        .unwrap_or(0)
        + 1;
    let mut out = String::from(TITLE);
    let mut line = |label: &str, value: &str| {
        let label = if label.is_empty() {
            String::new()
        } else {
            format!("{label}:")
        };
        out.push_str(&format!("{label:<width$} {value}\n"));
    };
    for (label, value) in &lines[..4] {
        line(label, value);
    }
    if substances.is_empty() {
        line("Substances", NOT_RECORDED);
    }
    for (i, s) in substances.iter().enumerate() {
        let label = if i == 0 { "Substances" } else { "" };
        line(label, &format!("{}. {}", i + 1, substance_line(s)));
    }
    for (label, value) in &lines[4..] {
        line(label, value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::new_record;

    fn parcel(fields: &[(&str, &str)]) -> Parcel {
        new_record::<Parcel>(fields).unwrap().0
    }

    #[test]
    fn missing_data_says_not_recorded() {
        let p = parcel(&[("tracking", "1Z999AA10123456784")]);
        let s = render(&p, &[], &[], None);
        assert!(
            s.contains("Incident type:     suspicious shipment (targeted"),
            "{s}"
        );
        assert!(s.contains("Date:              not recorded"), "{s}");
        assert!(s.contains("Reporting agency:  not recorded"), "{s}");
        assert!(s.contains("Substances:        not recorded"), "{s}");
        assert!(s.contains("Sender:            not recorded"), "{s}");
        assert!(
            s.contains("Route:             origin not recorded -> destination not recorded"),
            "{s}"
        );
        assert!(
            s.contains("courier; carrier: not recorded; service: not recorded"),
            "{s}"
        );
        assert!(s.contains("Linked cases:      none"), "{s}");
        for l in s.lines().skip(2) {
            let value = l.split_once(':').map(|(_, v)| v.trim()).unwrap_or("");
            assert!(!value.is_empty(), "blank line in summary: {l:?}");
        }
    }

    #[test]
    fn a_full_seizure() {
        let p = parcel(&[
            ("tracking", "EE123456785KZ"),
            ("carrier", "Kazpost"),
            ("origin", "KZ"),
            ("transit", "TR,AE"),
            ("destination", "DE"),
            ("sender_name", "Petrov Trading Co"),
            ("sender_phone", "+7 701 555 0142"),
            ("recipient_name", "Anna Weber"),
            ("recipient_address", "Berlin, Hauptstr. 5"),
            ("declared_contents", "Tea sample"),
            ("declared_category", "commercial-sample"),
            ("customs_form", "CN23"),
            ("declared_value", "25"),
            ("declared_currency", "USD"),
            ("found_contents", "white powder"),
            ("concealment", "in tea tins"),
            ("weight_g", "830"),
            ("status", "seized"),
            ("seized_on", "2026-03-04"),
        ]);
        // Merged or imported text may hold what a form would refuse.
        let mut p = p;
        p.seized_place = Some("Almaty airport\ncustoms post".into());
        let f = new_record::<Finding>(&[
            ("form", "powder"),
            ("quantity", "12.5"),
            ("unit", "g"),
            ("identification", "lab-confirmed"),
            ("test_ref", "LAB-7"),
        ])
        .unwrap()
        .0;
        let subs = [FoundSubstance {
            name: "Fentanyl".into(),
            group: Some("other".into()),
            finding: f,
        }];
        let cases = [
            CaseRef {
                reference: "C-0001".into(),
                title: "Operation Tea".into(),
                tlp: "AMBER".into(),
            },
            CaseRef {
                reference: "C-0002".into(),
                title: "Secret".into(),
                tlp: "RED".into(),
            },
        ];
        let s = render(&p, &subs, &cases, Some("KZ Customs"));
        assert!(s.contains("Incident type:     seizure\n"), "{s}");
        assert!(s.contains("Date:              2026-03-04\n"), "{s}");
        assert!(
            s.contains("Place:             Almaty airport^Jcustoms post\n"),
            "{s}"
        );
        assert!(
            s.contains("1. Fentanyl [other]: powder, 12.5 g, lab-confirmed, test ref LAB-7"),
            "{s}"
        );
        assert!(s.contains("postal; carrier: Kazpost; service: EMS"), "{s}");
        assert!(s.contains("EE123456785KZ (UPU S10)"), "{s}");
        assert!(s.contains("KZ (Kazakhstan) -> TR ("), "{s}");
        assert!(s.contains("-> DE (Germany)"), "{s}");
        assert!(
            s.contains(
                "Sender:            Petrov Trading Co; address not recorded; \
                 phone +7 701 555 0142; e-mail not recorded"
            ),
            "{s}"
        );
        assert!(
            s.contains("\"Tea sample\" (category commercial-sample, form CN23, value 25 USD)"),
            "{s}"
        );
        assert!(s.contains("Found contents:    white powder"), "{s}");
        assert!(s.contains("Gross weight:      830 g"), "{s}");
        assert!(
            s.contains("C-0001 Operation Tea; C-0002 (TLP:RED, title withheld)"),
            "{s}"
        );
        assert!(!s.contains("Secret"));
    }

    #[test]
    fn presumptive_tests_say_so() {
        let f =
            new_record::<Finding>(&[("form", "tablets"), ("quantity", "40"), ("unit", "tablets")])
                .unwrap()
                .0;
        let line = substance_line(&FoundSubstance {
            name: "Protonitazene".into(),
            group: None,
            finding: f,
        });
        assert_eq!(line, "Protonitazene: 40 tablets, presumptive");
    }
}
