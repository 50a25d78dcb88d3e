//! One hand-over of an exhibit: from whom to whom, when, where, why, and
//! whether the seal was intact. A custody log is appended to, never
//! edited: a correction is a new entry.

use super::meta_access;
use crate::domain::fields::{FieldError, FieldKind::*, FieldSpec};
use crate::domain::text::search_fields;
use crate::domain::{ItemKind, Meta, Record};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const PURPOSES: &[&str] = &[
    "seizure",
    "storage",
    "transport",
    "analysis",
    "court",
    "return",
    "destruction",
    "other",
];
pub const YES_NO: &[&str] = &["yes", "no"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Custody {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(default)]
    pub exhibit_id: Uuid,
    pub handed_at: String,
    pub from_holder: Option<String>,
    pub to_holder: String,
    pub place: Option<String>,
    pub purpose: String,
    pub seal_intact: String,
    /// The seal number on the exhibit after the hand-over (a new seal
    /// when a laboratory opened it).
    pub seal: Option<String>,
    pub note: Option<String>,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec::new("handed_at", "When", DateTime)
        .required()
        .default("now"),
    FieldSpec::new("from_holder", "From", Text),
    FieldSpec::new("to_holder", "To", Text).required(),
    FieldSpec::new("place", "Where", Text),
    FieldSpec::new("purpose", "Purpose", Choice(PURPOSES))
        .required()
        .default("storage"),
    FieldSpec::new("seal_intact", "Seal intact", Choice(YES_NO))
        .required()
        .default("yes"),
    FieldSpec::new("seal", "Seal number now", Text),
    FieldSpec::new("note", "Note", LongText),
];

impl Record for Custody {
    const KIND: ItemKind = ItemKind::Custody;
    const FIELDS: &'static [FieldSpec] = FIELDS;
    const ID_COLUMNS: &'static [&'static str] = &["exhibit_id"];
    meta_access!();

    fn label(&self) -> String {
        format!(
            "{} {} -> {} ({})",
            self.handed_at,
            self.from_holder.as_deref().unwrap_or("?"),
            self.to_holder,
            self.purpose
        )
    }
    fn search_text(&self) -> String {
        search_fields(&[
            self.from_holder.as_deref(),
            Some(self.to_holder.as_str()),
            self.place.as_deref(),
            self.note.as_deref(),
        ])
    }
    fn check(&self) -> Result<Vec<String>, FieldError> {
        if self.seal_intact == "no" && self.note.is_none() {
            return Ok(vec![
                "seal_intact: a broken seal is flagged on the exhibit; say what was seen (note)"
                    .into(),
            ]);
        }
        Ok(Vec::new())
    }
}

/// Whether time `a` is before time `b`, each `YYYY-MM-DD` or
/// `YYYY-MM-DD HH:MM`: compared on what both say, so a date alone is
/// not before a time of the same day.
pub fn earlier(a: &str, b: &str) -> bool {
    let n = a.len().min(b.len());
    a[..n] < b[..n]
}

/// What is wrong with a custody log, entry by entry: a gap (an entry
/// whose giver is not the last receiver), an entry dated before an entry
/// recorded before it or before the seizure, one from a holder to the
/// same holder, one after the exhibit's destruction, a broken seal, a seal
/// number that changed outside an analysis. `exhibit_seal` is the seal the
/// exhibit was sealed with (a seizure entry's seal, when the log opens
/// with one, is the seal at seizure); `seized_at`, when the seizure was.
/// Entries in the order they were recorded: that order is the chain.
pub fn flags(
    exhibit_seal: Option<&str>,
    seized_at: Option<&str>,
    log: &[Custody],
) -> Vec<(usize, String)> {
    let same = |a: &str, b: &str| crate::domain::text::fold(a) == crate::domain::text::fold(b);
    let mut out = Vec::new();
    let mut seal = exhibit_seal.map(str::to_string);
    // The latest-dated entry so far, by its index.
    let mut latest: Option<usize> = None;
    let mut destroyed: Option<usize> = None;
    for (i, e) in log.iter().enumerate() {
        // A log that does not open with the seizure leaves who held the
        // exhibit from the seizure to its first hand-over unrecorded.
        if i == 0 && e.purpose != "seizure" {
            out.push((
                i,
                format!(
                    "gap: the log opens with a hand-over {}to {} on {}, not with the seizure: who held it from the seizure{} is not recorded",
                    e.from_holder
                        .as_deref()
                        .map(|f| format!("from {f} "))
                        .unwrap_or_default(),
                    e.to_holder,
                    e.handed_at,
                    seized_at.map(|s| format!(" ({s})")).unwrap_or_default()
                ),
            ));
        }
        if i > 0 {
            let prev = &log[i - 1];
            match &e.from_holder {
                Some(from) if !same(from, &prev.to_holder) => out.push((
                    i,
                    format!(
                        "gap: handed over by {from}, but {} held it since {}",
                        prev.to_holder, prev.handed_at
                    ),
                )),
                None => out.push((
                    i,
                    format!(
                        "gap: who handed it over is not recorded ({} held it since {})",
                        prev.to_holder, prev.handed_at
                    ),
                )),
                _ => {}
            }
        }
        let is_seizure = i == 0 && e.purpose == "seizure";
        match seized_at {
            Some(s) if !is_seizure && earlier(&e.handed_at, s) => out.push((
                i,
                format!("dated {}, before the seizure ({s})", e.handed_at),
            )),
            _ => {
                if let Some(l) = latest
                    && earlier(&e.handed_at, &log[l].handed_at)
                {
                    out.push((
                        i,
                        if l + 1 == i {
                            format!(
                                "dated {}, before the hand-over before it ({})",
                                e.handed_at, log[l].handed_at
                            )
                        } else {
                            format!(
                                "dated {}, before hand-over {} ({}) recorded before it",
                                e.handed_at,
                                l + 1,
                                log[l].handed_at
                            )
                        },
                    ));
                }
            }
        }
        if latest.is_none_or(|l| !earlier(&e.handed_at, &log[l].handed_at)) {
            latest = Some(i);
        }
        if let Some(from) = &e.from_holder
            && same(from, &e.to_holder)
        {
            out.push((i, format!("handed over from {from} to the same holder")));
        }
        if let Some(d) = destroyed {
            out.push((
                i,
                format!(
                    "handed over after its destruction (hand-over {}, {})",
                    d + 1,
                    log[d].handed_at
                ),
            ));
        }
        if e.purpose == "destruction" && destroyed.is_none() {
            destroyed = Some(i);
        }
        if e.seal_intact == "no" {
            out.push((i, "seal broken at this hand-over".into()));
        }
        if let Some(now) = &e.seal {
            if let Some(before) = &seal
                && !is_seizure
                && !same(before, now)
                && e.seal_intact == "yes"
                && e.purpose != "analysis"
            {
                out.push((
                    i,
                    format!("seal changed from {before} to {now} outside an analysis"),
                ));
            }
            seal = Some(now.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::new_record;

    fn entry(at: &str, from: Option<&str>, to: &str, intact: &str, seal: Option<&str>) -> Custody {
        let mut v = vec![
            ("handed_at", at),
            ("to_holder", to),
            ("seal_intact", intact),
        ];
        if let Some(f) = from {
            v.push(("from_holder", f));
        }
        if let Some(s) = seal {
            v.push(("seal", s));
        }
        new_record::<Custody>(&v).unwrap().0
    }

    #[test]
    fn gaps_broken_seals_and_changed_seals_are_flagged() {
        let mut log = vec![
            entry(
                "2026-03-02 10:00",
                Some("Insp. Nurlanov"),
                "Evidence store",
                "yes",
                None,
            ),
            entry(
                "2026-03-03 09:00",
                Some("evidence store"),
                "Courier Abenov",
                "yes",
                None,
            ),
            // Abenov gave it, but the log says Sadykova handed it over.
            entry(
                "2026-03-04 09:00",
                Some("Sadykova"),
                "Central lab",
                "no",
                Some("S-2"),
            ),
            entry(
                "2026-03-01",
                Some("Central lab"),
                "Court",
                "yes",
                Some("S-3"),
            ),
        ];
        // Opening with a hand-over, not the seizure, leaves who held it
        // from the seizure unrecorded.
        let opening = flags(Some("S-1"), Some("2026-03-01"), &log[..1]);
        assert!(
            opening.len() == 1
                && opening[0].1.starts_with(
                    "gap: the log opens with a hand-over from Insp. Nurlanov to Evidence store on 2026-03-02 10:00, not with the seizure"
                )
                && opening[0].1.contains("(2026-03-01)"),
            "{opening:?}"
        );
        log[0].purpose = "seizure".into();
        let f = flags(Some("S-1"), None, &log);
        let at = |i: usize| {
            f.iter()
                .filter(|(n, _)| *n == i)
                .map(|(_, s)| s.as_str())
                .collect::<Vec<_>>()
        };
        assert!(at(0).is_empty() && at(1).is_empty(), "{f:?}");
        assert!(
            at(2)
                .iter()
                .any(|s| s.starts_with("gap: handed over by Sadykova")),
            "{f:?}"
        );
        assert!(at(2).contains(&"seal broken at this hand-over"), "{f:?}");
        assert!(
            at(3)
                .iter()
                .any(|s| s.contains("before the hand-over before it")),
            "{f:?}"
        );
        assert!(
            at(3)
                .iter()
                .any(|s| s.contains("seal changed from S-2 to S-3")),
            "{f:?}"
        );
        // A laboratory's new seal is expected.
        let mut lab = vec![entry("2026-03-02 10:00", Some("A"), "Lab", "yes", None), {
            let mut e = entry("2026-03-05 10:00", Some("Lab"), "A", "yes", Some("LAB-9"));
            e.purpose = "analysis".into();
            e
        }];
        lab[0].purpose = "seizure".into();
        assert!(flags(Some("S-1"), None, &lab).is_empty());
    }
}
