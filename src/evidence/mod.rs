//! The evidence trail of seizures: adding inspections, exhibits, custody
//! hand-overs, laboratory results, controlled-delivery outcomes and
//! documents with the rules that involve other records, and reading a
//! parcel's or a case's trail back with what is wrong in it flagged (a
//! custody gap, a broken seal, a laboratory result that contradicts the
//! presumptive test, a document whose file changed).

pub mod files;
pub mod sheet;

use crate::domain::evidence::{
    Custody, Delivery, Document, Exhibit, Inspection, LabResult, custody, lab,
};
use crate::domain::fields::FieldError;
use crate::domain::{Finding, ItemKind, Link, Record, Substance};
use crate::store::{Result, StoreError, Writer, create, records, refs, related};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use uuid::Uuid;

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid(FieldError {
        field: field.into(),
        message: message.into(),
    })
}

fn kind_of(conn: &Connection, id: Uuid) -> Result<ItemKind> {
    refs::kind_of_id(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("no item has id {id}")))
}

fn must_be(conn: &Connection, id: Uuid, want: ItemKind, what: ItemKind) -> Result<()> {
    let k = kind_of(conn, id)?;
    if k != want {
        return Err(invalid(
            want.as_str(),
            format!("a {what} is about a {want}, not a {k}"),
        ));
    }
    Ok(())
}

/// Adds a piece of evidence about `parent` (a parcel for an inspection,
/// exhibit or delivery; an exhibit for a custody hand-over; a finding for
/// a laboratory result; any item for a document). Returns the warnings,
/// with what the new record flags (a custody gap, a contradicting result).
pub fn add<R: Record>(w: &mut Writer<'_>, parent: Uuid, rec: &mut R) -> Result<Vec<String>> {
    let any: &mut dyn std::any::Any = rec;
    if let Some(x) = any.downcast_mut::<Inspection>() {
        return add_inspection(w, parent, x);
    }
    if let Some(x) = any.downcast_mut::<Exhibit>() {
        return add_exhibit(w, parent, x);
    }
    if let Some(x) = any.downcast_mut::<Custody>() {
        return add_custody(w, parent, x);
    }
    if let Some(x) = any.downcast_mut::<LabResult>() {
        return add_lab_result(w, parent, x);
    }
    if let Some(x) = any.downcast_mut::<Delivery>() {
        return add_delivery(w, parent, x, &[]);
    }
    if let Some(x) = any.downcast_mut::<Document>() {
        return add_document(w, parent, x, None);
    }
    Err(StoreError::Refused(format!(
        "a {} is not evidence added about another item",
        R::KIND
    )))
}

pub fn add_inspection(w: &mut Writer<'_>, parcel: Uuid, x: &mut Inspection) -> Result<Vec<String>> {
    must_be(&w.tx, parcel, ItemKind::Parcel, ItemKind::Inspection)?;
    x.parcel_id = parcel;
    records::insert(w, x)
}

/// The exhibit with this number, if any: written as given, or else
/// ignoring case (`ex-1` is `EX-1`; one number per notebook whatever its
/// case).
pub fn exhibit_numbered(conn: &Connection, number: &str) -> Result<Option<Exhibit>> {
    match refs::exhibit_numbered(conn, number)? {
        Some(id) => records::get(conn, id),
        None => Ok(None),
    }
}

pub fn add_exhibit(w: &mut Writer<'_>, parcel: Uuid, x: &mut Exhibit) -> Result<Vec<String>> {
    must_be(&w.tx, parcel, ItemKind::Parcel, ItemKind::Exhibit)?;
    x.parcel_id = parcel;
    if let Some(other) = exhibit_numbered(&w.tx, &x.number)? {
        return Err(StoreError::Duplicate(format!(
            "number: exhibit {} is already in the notebook (on parcel {})",
            other.number,
            records::label_of(&w.tx, ItemKind::Parcel, other.parcel_id)?
        )));
    }
    records::sample_weights(&w.tx, x)?;
    let mut warnings = records::insert(w, x)?;
    warnings.extend(
        sheet::weight_flags(&w.tx, x)?
            .into_iter()
            .map(|f| format!("flagged on exhibit {}: {f}", x.number)),
    );
    // A sample that makes its exhibit's samples outweigh it says so (the
    // flag is the exhibit's: the trail said it, `exhibit add` did not).
    if let Some(of) = &x.sample_of
        && let Some(src) = exhibit_numbered(&w.tx, of)?
        && let Some(f) = sheet::samples_flag(&w.tx, &src)?
    {
        warnings.push(format!("flagged on exhibit {}: {f}", src.number));
    }
    Ok(warnings)
}

/// An exhibit's custody log in the order it was recorded, which is the
/// chain: an entry dated before the one before it stays where it was
/// recorded and is flagged (hand-over numbers never change after the
/// fact). Entries that came with a merge keep the time they were first
/// recorded.
pub fn custody_log(conn: &Connection, exhibit: Uuid) -> Result<Vec<Custody>> {
    let mut log: Vec<Custody> =
        records::list_where(conn, "exhibit_id = ?1", [exhibit], usize::MAX, 0)?;
    // Stable: entries written together stay in the order written.
    log.sort_by(|a, b| a.meta.created_at.cmp(&b.meta.created_at));
    Ok(log)
}

/// The inspection that seized a parcel: the first on its seizure's day,
/// or, with no seizure date, its first. (The last one was taken: a
/// re-examination days later in the store became the seizure, and every
/// hand-over before it was flagged as before the seizure.)
pub fn seizing_inspection<'a>(
    inspections: &'a [Inspection],
    seized_on: Option<&str>,
) -> Option<&'a Inspection> {
    let day = |t: &str| t.get(..10).unwrap_or(t).to_string();
    let first = |on: &dyn Fn(&&Inspection) -> bool| {
        inspections
            .iter()
            .filter(on)
            .min_by(|a, b| a.inspected_on.cmp(&b.inspected_on))
    };
    match seized_on {
        Some(s) => first(&|i| day(&i.inspected_on) == day(s)),
        None => first(&|_| true),
    }
}

/// When a parcel was seized: its seizure date, with the time of the
/// inspection that seized it ([`seizing_inspection`]) when the date gives
/// none; with no seizure date, that inspection's time.
pub fn parcel_seized_at(conn: &Connection, parcel: Uuid) -> Result<Option<String>> {
    let inspections: Vec<Inspection> =
        records::list_where(conn, "parcel_id = ?1", [parcel], usize::MAX, 0)?;
    let seized_on = records::get::<crate::domain::Parcel>(conn, parcel)?.and_then(|p| p.seized_on);
    let seizing = seizing_inspection(&inspections, seized_on.as_deref());
    Ok(match (seized_on, seizing) {
        (Some(s), Some(i)) if s.len() <= 10 => Some(i.inspected_on.clone()),
        (Some(s), _) => Some(s),
        (None, i) => i.map(|i| i.inspected_on.clone()),
    })
}

/// The custody flags an edit of the item `id` (of `kind`) can change:
/// those of the exhibit itself, or of each of a parcel's exhibits, each
/// with the exhibit's number; none for other kinds.
pub fn exhibit_flags_of(
    conn: &Connection,
    kind: ItemKind,
    id: Uuid,
) -> Result<Vec<(String, Vec<String>)>> {
    let exhibits: Vec<Exhibit> = match kind {
        ItemKind::Exhibit => records::get(conn, id)?.into_iter().collect(),
        ItemKind::Parcel => records::list_where(conn, "parcel_id = ?1", [id], usize::MAX, 0)?,
        _ => Vec::new(),
    };
    exhibits
        .into_iter()
        .map(|x| {
            let number = x.number.clone();
            Ok((number, sheet::exhibit_trail(conn, x)?.flags))
        })
        .collect()
}

/// The flags of `after` that `before` did not hold ([`exhibit_flags_of`]
/// before and after an edit), said as the edit makes them: `flagged on
/// exhibit EX-1: ...`. (By place: the edit may renumber the exhibit.)
pub fn new_flags(
    before: &[(String, Vec<String>)],
    after: Vec<(String, Vec<String>)>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (k, (number, now)) in after.into_iter().enumerate() {
        let had = before.get(k).map(|(_, f)| f.as_slice()).unwrap_or_default();
        out.extend(
            now.into_iter()
                .filter(|f| !had.contains(f))
                .map(|f| format!("flagged on exhibit {number}: {f}")),
        );
    }
    out
}

/// When an exhibit was seized: the later of its log's seizure entry and
/// the parcel's seizure as the parcel records it now (a seizure date
/// moved later after the exhibit was logged leaves its hand-overs before
/// it flagged); and the flag on a seizure entry dated on a day before the
/// parcel's seizure (its seizure date or inspection changed after the
/// exhibit was logged, or the entry misdated).
pub fn exhibit_seizure(
    conn: &Connection,
    e: &Exhibit,
    log: &[Custody],
) -> Result<(Option<String>, Option<String>)> {
    let parcel = parcel_seized_at(conn, e.parcel_id)?;
    let entry = log.first().filter(|c| c.purpose == "seizure");
    Ok(match (entry, parcel) {
        (Some(c), Some(p)) if custody::earlier(&c.handed_at, &p) => {
            let flag = format!(
                "the seizure entry is dated {}, before the parcel's seizure as the parcel records it ({p})",
                c.handed_at
            );
            (Some(p), Some(flag))
        }
        (Some(c), _) => (Some(c.handed_at.clone()), None),
        (None, p) => (p, None),
    })
}

pub fn add_custody(w: &mut Writer<'_>, exhibit: Uuid, x: &mut Custody) -> Result<Vec<String>> {
    must_be(&w.tx, exhibit, ItemKind::Exhibit, ItemKind::Custody)?;
    x.exhibit_id = exhibit;
    if crate::domain::dates::in_the_future(&x.handed_at) {
        return Err(invalid(
            "handed_at",
            format!(
                "{} is in the future: a hand-over is recorded once it happened",
                x.handed_at
            ),
        ));
    }
    let ex: Exhibit = records::must_get(&w.tx, exhibit)?;
    let log = custody_log(&w.tx, exhibit)?;
    // Who gave it, when not said: whoever last received it.
    if x.from_holder.is_none()
        && let Some(last) = log.last()
    {
        x.from_holder = Some(last.to_holder.clone());
    }
    let mut warnings = records::insert(w, x)?;
    // What the new entry flags: it is the last, and an entry's flags
    // depend only on the entries recorded before it.
    let t = sheet::exhibit_trail(&w.tx, ex)?;
    let last = t.custody.len();
    warnings.extend(
        t.entry_flags
            .iter()
            .filter(|(i, _)| *i + 1 == last)
            .map(|(_, f)| format!("flagged on exhibit {}: {f}", t.exhibit.number)),
    );
    Ok(warnings)
}

/// Resolves a finding as a person names it: its id or `PARCEL:SUBSTANCE`
/// (`RR123456785CN:fentanyl`), as every reference resolves, or a parcel
/// holding one finding.
pub fn resolve_finding(conn: &Connection, text: &str) -> Result<Finding> {
    let r = refs::resolve(conn, text)?;
    match r.kind {
        ItemKind::Finding => records::must_get(conn, r.id),
        ItemKind::Parcel => {
            let mut found = related::findings_in_parcel(conn, r.id)?;
            match found.len() {
                1 => Ok(found.remove(0)),
                0 => Err(StoreError::NotFound(format!(
                    "parcel {} has no finding",
                    r.label
                ))),
                n => {
                    let mut names = Vec::new();
                    for f in &found {
                        names.push(format!(
                            "{}:{} ({})",
                            r.label,
                            records::label_of(conn, ItemKind::Substance, f.substance_id)?,
                            f.meta.id
                        ));
                    }
                    Err(StoreError::Ambiguous(format!(
                        "parcel {} has {n} findings; name one: {}",
                        r.label,
                        names.join(", ")
                    )))
                }
            }
        }
        k => Err(StoreError::NotFound(format!(
            "{:?} is a {k}, not a finding (name one as PARCEL:SUBSTANCE)",
            text.trim()
        ))),
    }
}

/// Resolves an exhibit by its number or id, as every reference resolves.
pub fn resolve_exhibit(conn: &Connection, text: &str) -> Result<Exhibit> {
    if let Some(e) = exhibit_numbered(conn, text)? {
        return Ok(e);
    }
    match refs::resolve(conn, text) {
        Ok(r) if r.kind == ItemKind::Exhibit => records::must_get(conn, r.id),
        _ => Err(StoreError::NotFound(format!(
            "no exhibit numbered {:?} (interdict exhibit list PARCEL lists a parcel's exhibits)",
            text.trim()
        ))),
    }
}

/// Adds a laboratory result to a finding. A result that confirms (with
/// methods that can identify under SWGDRUG) makes the finding
/// lab-confirmed (and names the report as its test reference when none
/// is); one that found another substance, or none, is flagged against the
/// presumptive identification. Refused: a result that contradicts itself
/// (`other-substance` naming the finding's own substance, `confirmed`
/// naming another, `not-detected` naming one), `confirmed` by methods that
/// cannot identify, and an analysis dated in the future. One dated before
/// the seizure is flagged.
pub fn add_lab_result(w: &mut Writer<'_>, finding: Uuid, x: &mut LabResult) -> Result<Vec<String>> {
    must_be(&w.tx, finding, ItemKind::Finding, ItemKind::LabResult)?;
    x.finding_id = finding;
    let mut f: Finding = records::must_get(&w.tx, finding)?;
    let named: crate::domain::Substance = records::must_get(&w.tx, f.substance_id)?;
    let substance = named.name.clone();
    // (What the result says of itself alone, `not-detected` naming a
    // substance among it, is its record's own check, on every write.)
    x.against_finding(&named).map_err(StoreError::Invalid)?;
    if x.outcome == "confirmed" && !lab::identifies(&x.method) {
        return Err(invalid(
            "method",
            format!(
                "{} cannot confirm {substance}: SWGDRUG identifies with a category A technique (GC-MS, LC-MS, LC-HRMS, FTIR, Raman, NMR) and one more; name every technique the report used",
                x.method
            ),
        ));
    }
    if let Some(on) = &x.analysed_on
        && crate::domain::dates::in_the_future(on)
    {
        return Err(invalid(
            "analysed_on",
            format!("{on} is in the future: a result is recorded once the analysis is done"),
        ));
    }
    let mut warnings = records::insert(w, x)?;
    if let Some(flag) = lab_before_seizure(&w.tx, f.parcel_id, x)? {
        warnings.push(format!("flagged: {flag}"));
    }
    if let Some(flag) = lab_over_weight(&w.tx, f.parcel_id, x)? {
        warnings.push(format!("flagged: {flag}"));
    }
    if x.contradicts() {
        warnings.push(format!(
            "flagged: {} contradicts the {} identification of {substance}",
            x.label(),
            f.identification
        ));
        if f.identification == "lab-confirmed" && !related::confirmed_by_lab(&w.tx, finding)? {
            f.identification = "presumptive".into();
            records::update(w, &mut f)?;
        }
    } else if x.confirms() && (f.identification != "lab-confirmed" || f.test_ref.is_none()) {
        f.identification = "lab-confirmed".into();
        if f.test_ref.is_none() {
            f.test_ref = Some(format!("{} {}", x.laboratory, x.reference));
        }
        records::update(w, &mut f)?;
    }
    Ok(warnings)
}

/// What is wrong with a result's date: an analysis before the seizure.
fn lab_before_seizure(conn: &Connection, parcel: Uuid, r: &LabResult) -> Result<Option<String>> {
    let (Some(on), Some(seized)) = (&r.analysed_on, parcel_seized_at(conn, parcel)?) else {
        return Ok(None);
    };
    Ok(custody::earlier(on, &seized).then(|| {
        format!(
            "lab {} {} is dated {on}, before the seizure ({seized})",
            r.laboratory, r.reference
        )
    }))
}

/// What is wrong with a result's net quantity, given by mass: more than
/// the parcel weighs, or than its exhibits weigh together (each by its
/// net weight, else its gross; samples are part of what they were taken
/// from; only when every exhibit was weighed), by more than a twentieth
/// (weighing, as the exhibits' own check allows). A unit mistaken (kg for
/// g, g for mg) makes a seizure a thousand times what it was, in every
/// count and report drawn from it.
pub fn lab_over_weight(conn: &Connection, parcel: Uuid, r: &LabResult) -> Result<Option<String>> {
    let lab = format!("lab {} {}", r.laboratory, r.reference);
    quantity_over_weight(conn, parcel, (r.net_quantity, r.unit.as_deref()), &lab)
}

/// Whether the lab does not bear out a positive field test: some finding
/// of the parcel is lab-confirmed, and none of the confirmed substances is
/// what the test indicated (by its name, a synonym, its group, subclass
/// or effect, words folded: `opioids` is borne out by a synthetic opioid,
/// which fentanyl's effect says it is).
/// A kit's positive for fentanyl beside a lab-confirmed mephedrone was
/// said side by side in the report, the disagreement unflagged.
pub fn field_test_unborne(
    conn: &Connection,
    parcel: Uuid,
    i: &crate::domain::evidence::Inspection,
) -> Result<Option<String>> {
    let (Some("positive"), Some(indicated)) =
        (i.test_result.as_deref(), i.test_indicated.as_deref())
    else {
        return Ok(None);
    };
    let want = crate::domain::text::fold(indicated);
    let stems: Vec<&str> = want
        .split(' ')
        .filter(|w| w.len() >= 4)
        .map(|w| w.trim_end_matches('s'))
        .collect();
    if stems.is_empty() {
        return Ok(None);
    }
    let mut confirmed = Vec::new();
    for f in related::findings_in_parcel(conn, parcel)? {
        if f.identification != "lab-confirmed" {
            continue;
        }
        let Some(s) = records::get::<Substance>(conn, f.substance_id)? else {
            continue;
        };
        let terms = [
            Some(&s.name),
            s.synonyms.as_ref(),
            Some(&s.group),
            s.subclass.as_ref(),
            s.effect.as_ref(),
        ];
        let meets = terms.into_iter().flatten().any(|t| {
            let t = crate::domain::text::fold(t);
            stems.iter().any(|w| t.contains(w))
        });
        if meets {
            return Ok(None);
        }
        if !confirmed.contains(&s.name) {
            confirmed.push(s.name);
        }
    }
    Ok((!confirmed.is_empty()).then(|| {
        format!(
            "the field test of {}{} was positive for {indicated}; the lab confirmed {} only",
            i.inspected_on,
            i.test_kit
                .as_deref()
                .map(|k| format!(" ({k})"))
                .unwrap_or_default(),
            confirmed.join(", ")
        )
    }))
}

/// What is wrong with a finding's quantity, given by mass, as with a lab
/// result's ([`lab_over_weight`]): `add finding` warned once of 2 kg in a
/// parcel of 1 kg, and neither the trail nor the report said it again.
pub fn finding_over_weight(
    conn: &Connection,
    f: &crate::domain::Finding,
    substance: &str,
) -> Result<Option<String>> {
    quantity_over_weight(
        conn,
        f.parcel_id,
        (f.quantity, f.unit.as_deref()),
        &format!("the finding of {substance}"),
    )
}

/// A quantity by mass in grams; `None` for one counted (tablets, ml).
fn grams_of(q: f64, unit: &str) -> Option<f64> {
    Some(
        q * match unit {
            "ug" => 1e-6,
            "mg" => 1e-3,
            "g" => 1.0,
            "kg" => 1e3,
            _ => return None,
        },
    )
}

/// Whether a parcel's findings by mass together weigh more than it does
/// (by more than a twentieth), with two or more of them: each was weighed
/// against it alone, and a report listed 600 g of substances under a
/// parcel of 500 g.
pub fn findings_over_weight(conn: &Connection, parcel: Uuid) -> Result<Option<String>> {
    let Some(w) = records::get::<crate::domain::Parcel>(conn, parcel)?.and_then(|p| p.weight_g)
    else {
        return Ok(None);
    };
    let weighed: Vec<f64> = related::findings_in_parcel(conn, parcel)?
        .iter()
        .filter_map(|f| grams_of(f.quantity?, f.unit.as_deref()?))
        .collect();
    let total: f64 = weighed.iter().sum();
    Ok((weighed.len() > 1 && total > w * 1.05).then(|| {
        format!(
            "the parcel's {} findings weigh {} g together, more than the parcel weighs ({w} g): check their units, or the weight",
            weighed.len(),
            (total * 1000.0).round() / 1000.0
        )
    }))
}

/// A quantity (`q` in `unit`) of what `said` names, against the parcel's
/// weight and its exhibits'.
fn quantity_over_weight(
    conn: &Connection,
    parcel: Uuid,
    (q, unit): (Option<f64>, Option<&str>),
    said: &str,
) -> Result<Option<String>> {
    let (Some(q), Some(unit)) = (q, unit) else {
        return Ok(None);
    };
    let Some(grams) = grams_of(q, unit) else {
        return Ok(None);
    };
    let over = |w: f64| grams > w * 1.05;
    if let Some(w) = records::get::<crate::domain::Parcel>(conn, parcel)?.and_then(|p| p.weight_g)
        && over(w)
    {
        return Ok(Some(format!(
            "{said} gives a net quantity of {q} {unit}, more than the parcel weighs ({w} g): check the unit, or the weight"
        )));
    }
    let exhibits: Vec<Exhibit> =
        records::list_where(conn, "parcel_id = ?1", [parcel], usize::MAX, 0)?;
    let weights: Option<Vec<f64>> = exhibits
        .iter()
        .filter(|e| e.sample_of.is_none())
        .map(|e| e.net_g.or(e.gross_g))
        .collect();
    if let Some(weights) = weights.filter(|w| !w.is_empty()) {
        let all: f64 = weights.iter().sum();
        if over(all) {
            return Ok(Some(format!(
                "{said} gives a net quantity of {q} {unit}, more than the parcel's exhibits weigh ({all} g): check the unit, or the exhibits' weights"
            )));
        }
    }
    Ok(None)
}

/// Records how a controlled delivery ended; each of `arrested` (people
/// already in the notebook) is linked to the parcel as `arrested`, and the
/// count of arrests is at least theirs.
pub fn add_delivery(
    w: &mut Writer<'_>,
    parcel: Uuid,
    x: &mut Delivery,
    arrested: &[Uuid],
) -> Result<Vec<String>> {
    must_be(&w.tx, parcel, ItemKind::Parcel, ItemKind::Delivery)?;
    x.parcel_id = parcel;
    let n = arrested.len() as f64;
    match x.arrests {
        Some(a) if a < n => {
            return Err(invalid(
                "arrests",
                format!(
                    "{a} arrested, but {n} people are named as arrested (--arrested): give the number arrested, at least those named"
                ),
            ));
        }
        None if n > 0.0 => x.arrests = Some(n),
        _ => {}
    }
    let mut warnings = records::insert(w, x)?;
    let all: Vec<Delivery> = records::list_where(&w.tx, "parcel_id = ?1", [parcel], usize::MAX, 0)?;
    warnings.extend(
        delivery_flags(&w.tx, parcel, &all)?
            .into_iter()
            .map(|f| format!("flagged: {f}")),
    );
    for person in arrested {
        if kind_of(&w.tx, *person)? != ItemKind::Person {
            return Err(invalid("arrested", "only people are arrested"));
        }
        let (mut l, _) = crate::domain::record::new_record::<Link>(&[("link_type", "arrested")])?;
        l.from_id = *person;
        l.to_id = parcel;
        match create::link(w, &mut l) {
            Ok(_) | Err(StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(warnings)
}

/// Adds a document on an item; `bytes` are kept in the notebook when
/// given (asked for with `--embed`), once per content.
pub fn add_document(
    w: &mut Writer<'_>,
    item: Uuid,
    x: &mut Document,
    bytes: Option<&[u8]>,
) -> Result<Vec<String>> {
    x.item_kind = kind_of(&w.tx, item)?;
    x.item_id = item;
    if let Some(b) = bytes {
        if files::sha256_hex(b) != x.sha256 {
            return Err(invalid("sha256", "the bytes kept are not those hashed"));
        }
        x.embedded = "yes".into();
        w.tx.prepare_cached(
            "INSERT OR IGNORE INTO document_bytes (sha256, bytes) VALUES (?1, ?2)",
        )?
        .execute(rusqlite::params![x.sha256, b])?;
    }
    records::insert(w, x)
}

/// The evidence trail of one parcel.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Trail {
    pub inspections: Vec<Inspection>,
    pub exhibits: Vec<ExhibitTrail>,
    pub lab_results: Vec<LabTrail>,
    pub deliveries: Vec<Delivery>,
    pub documents: Vec<Document>,
    /// What is wrong in it, each said in a line.
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExhibitTrail {
    pub exhibit: Exhibit,
    pub custody: Vec<Custody>,
    pub flags: Vec<String>,
    /// The flags of the custody entries, by index into `custody`.
    #[serde(skip)]
    pub entry_flags: Vec<(usize, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LabTrail {
    pub finding: Uuid,
    pub substance: String,
    pub presumptive: String,
    pub result: LabResult,
}

/// Documents on an item.
pub fn documents_on(conn: &Connection, item: Uuid) -> Result<Vec<Document>> {
    records::list_where(conn, "item_id = ?1", [item], usize::MAX, 0)
}

/// The parcels a laboratory result is recorded for (through a finding
/// on them), each once.
pub fn parcels_with_lab_results(conn: &Connection) -> Result<Vec<Uuid>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT f.parcel_id FROM lab_results r JOIN findings f ON f.id = r.finding_id",
    )?;
    let ids = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// A parcel's evidence trail, flags included.
pub fn trail(conn: &Connection, parcel: Uuid) -> Result<Trail> {
    let mut t = Trail {
        inspections: records::list_where(conn, "parcel_id = ?1", [parcel], usize::MAX, 0)?,
        deliveries: records::list_where(conn, "parcel_id = ?1", [parcel], usize::MAX, 0)?,
        documents: documents_on(conn, parcel)?,
        ..Trail::default()
    };
    t.inspections
        .sort_by(|a, b| a.inspected_on.cmp(&b.inspected_on));
    t.flags.extend(delivery_flags(conn, parcel, &t.deliveries)?);
    for i in &t.inspections {
        t.flags.extend(field_test_unborne(conn, parcel, i)?);
    }
    for x in &t.inspections {
        t.documents.extend(documents_on(conn, x.meta.id)?);
    }
    let exhibits: Vec<Exhibit> =
        records::list_where(conn, "parcel_id = ?1", [parcel], usize::MAX, 0)?;
    for e in exhibits {
        let et = sheet::exhibit_trail(conn, e)?;
        t.flags.extend(
            et.flags
                .iter()
                .map(|f| format!("exhibit {}, {f}", et.exhibit.number)),
        );
        t.documents.extend(documents_on(conn, et.exhibit.meta.id)?);
        t.exhibits.push(et);
    }
    t.flags.extend(findings_over_weight(conn, parcel)?);
    for f in related::findings_in_parcel(conn, parcel)? {
        let substance = records::get::<Substance>(conn, f.substance_id)?
            .map(|s| s.name)
            .unwrap_or_else(|| "?".into());
        if let Some(flag) = finding_over_weight(conn, &f, &substance)? {
            t.flags.push(flag);
        }
        let results: Vec<LabResult> =
            records::list_where(conn, "finding_id = ?1", [f.meta.id], usize::MAX, 0)?;
        for r in results {
            if let Some(flag) = lab_before_seizure(conn, parcel, &r)? {
                t.flags.push(flag);
            }
            if let Some(flag) = lab_over_weight(conn, parcel, &r)? {
                t.flags.push(flag);
            }
            if r.outcome == "confirmed" && !r.confirms() {
                t.flags.push(format!(
                    "lab {} {} says confirmed by {} alone, which cannot identify {substance} (SWGDRUG)",
                    r.laboratory, r.reference, r.method
                ));
            }
            if r.contradicts() {
                t.flags.push(format!(
                    // (The identification it contradicts as it stands: a
                    // lab-confirmed one was called presumptive.)
                    "lab {} {} contradicts the {} identification of {substance}: {}",
                    r.laboratory,
                    r.reference,
                    f.identification,
                    match (&r.outcome[..], &r.identified) {
                        ("other-substance", Some(s)) => format!("it found {s}"),
                        _ => "it found none".into(),
                    }
                ));
            }
            t.documents.extend(documents_on(conn, r.meta.id)?);
            t.lab_results.push(LabTrail {
                finding: f.meta.id,
                substance: substance.clone(),
                presumptive: f.identification.clone(),
                result: r,
            });
        }
    }
    Ok(t)
}

/// What is wrong with a parcel's controlled-delivery outcomes: more than
/// one (a delivery ends one way), or one dated before the parcel was
/// seized (the delivery follows the interception).
fn delivery_flags(conn: &Connection, parcel: Uuid, deliveries: &[Delivery]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    if deliveries.len() > 1 {
        let said: Vec<String> = deliveries
            .iter()
            .map(|d| match &d.delivered_on {
                Some(on) => format!("{} ({on})", d.outcome),
                None => d.outcome.clone(),
            })
            .collect();
        out.push(format!(
            "{} controlled-delivery outcomes are recorded ({}): a delivery ends one way",
            deliveries.len(),
            said.join(", ")
        ));
    }
    if let Some(seized) = parcel_seized_at(conn, parcel)? {
        for d in deliveries {
            if let Some(on) = &d.delivered_on
                && custody::earlier(on, &seized)
            {
                out.push(format!(
                    "controlled delivery ({}) dated {on}, before the parcel's seizure ({seized})",
                    d.outcome
                ));
            }
        }
    }
    Ok(out)
}

/// The flags of every parcel a case includes, each naming its parcel.
pub fn case_flags(conn: &Connection, case: Uuid) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for p in related::ids_in_case(conn, ItemKind::Parcel, case)? {
        let parcel = records::label_of(conn, ItemKind::Parcel, p)?;
        for f in trail(conn, p)?.flags {
            out.push(format!("{parcel}: {f}"));
        }
    }
    Ok(out)
}

/// Whether a parcel has any evidence recorded (for listings that show a
/// mark rather than the trail).
pub fn has_trail(conn: &Connection, parcel: Uuid) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM inspections WHERE parcel_id = ?1 UNION ALL SELECT 1 FROM exhibits WHERE parcel_id = ?1
             UNION ALL SELECT 1 FROM deliveries WHERE parcel_id = ?1 LIMIT 1",
        )?
        .query_row([parcel], |_| Ok(()))
        .optional()?
        .is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Parcel;
    use crate::domain::record::new_record;
    use crate::store::create;
    use crate::store::integrity::check_tables;
    use crate::store::testutil::temp_store;

    #[test]
    fn document_bytes_changed_outside_interdict_are_named() {
        let (_d, mut s) = temp_store();
        let photo = b"a photo of the parcel as opened";
        let sha = files::sha256_hex(photo);
        s.write(|w| {
            let (mut p, _) = new_record::<Parcel>(&[("tracking", "RR123456785KZ")])?;
            create::parcel(w, &mut p)?;
            let (mut d, _) =
                new_record::<Document>(&[("path", "/evidence/opened.jpg"), ("sha256", &sha)])?;
            add_document(w, p.meta.id, &mut d, Some(photo)).map(drop)
        })
        .unwrap();
        let ok = check_tables(s.conn()).unwrap();
        assert!(ok.problems.is_empty(), "{:?}", ok.problems);
        assert_eq!(
            ok.checked,
            1 + crate::store::warnlist::list(s.conn()).unwrap().len()
        );
        // The photo kept in the notebook replaced by another.
        s.conn()
            .execute("UPDATE document_bytes SET bytes = X'00ff'", [])
            .unwrap();
        let all = check_tables(s.conn()).unwrap().problems.join("\n");
        assert_eq!(
            all,
            format!(
                "document_bytes row {sha} holds bytes whose SHA-256 is {}: changed outside interdict",
                files::sha256_hex(&[0, 255])
            )
        );
        // And then removed.
        s.conn().execute("DELETE FROM document_bytes", []).unwrap();
        let all = check_tables(s.conn()).unwrap().problems.join("\n");
        assert!(
            all.starts_with(&format!(
                "document_bytes has no row {sha} for document /evidence/opened.jpg ("
            )) && all.ends_with("), which is kept in the notebook: changed outside interdict"),
            "{all}"
        );
    }
}
