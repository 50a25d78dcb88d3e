//! Targeting: deciding, before a parcel is opened, whether it matches what
//! the notebook knows, and saying why.
//!
//! - [`watchlist`]: identifiers to catch, normalised as the index holds
//!   them, each with a reason, an author, an expiry, a TLP label, a case.
//! - [`profile`]: risk profiles as TOML (weighted indicators and a
//!   threshold), refused with line and field when they cannot be read.
//! - [`score`]: one parcel against one profile, every indicator that fired
//!   with its weight and evidence; [`live`] answers what scoring asks of
//!   the notebook through its identifier index; [`known`] holds what a
//!   long screen asks most in memory.
//! - [`stored`]: profiles kept in the notebook, and the hits screening
//!   stores; [`Screener`] screens every parcel a store writes, in the
//!   write's own transaction.

pub mod batch;
pub mod known;
pub mod live;
mod prefetch;
pub mod profile;
pub mod score;
pub mod stored;
pub mod terms;
pub mod watchlist;

use crate::domain::{Parcel, Record};
use crate::store::{Result, Writer};
use profile::Profile;
use std::sync::{Arc, Mutex};

/// What a screener has loaded: the targeting settings' version, the
/// active profiles, and whether any watchlist entry exists.
#[derive(Default)]
struct Loaded {
    /// The version the profiles were read at (`None` before the first
    /// read; `Some(None)` for a notebook whose targeting never changed).
    version: Option<Option<String>>,
    profiles: Arc<Vec<Profile>>,
    watching: bool,
    /// The watchlist's names (read with the profiles).
    names: Arc<Vec<live::WatchedName>>,
    /// The catalogue's terms, and the catalogue version they were read at.
    terms: Arc<terms::Terms>,
    terms_of: Option<(i64, Option<String>)>,
}

/// Screens each parcel a store writes against the active profiles and the
/// watchlist, storing its hits in the same transaction. Install it with
/// `Store::set_screen`. The profiles are read once and again only when
/// they or the watchlist change (any process's change: the notebook keeps
/// a version of them).
#[derive(Default)]
pub struct Screener {
    loaded: Mutex<Loaded>,
}

impl Screener {
    pub fn new() -> Screener {
        Screener::default()
    }

    /// The active profiles and whether anything is watched, as of `conn`.
    pub fn settings(&self, conn: &rusqlite::Connection) -> Result<(Arc<Vec<Profile>>, bool)> {
        use rusqlite::OptionalExtension;
        let version: Option<String> = conn
            .prepare_cached("SELECT value FROM meta WHERE key = 'targeting'")?
            .query_row([], |r| r.get(0))
            .optional()?;
        let mut l = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if l.version.as_ref() != Some(&version) {
            l.profiles = Arc::new(stored::active(conn)?);
            l.watching = watchlist::count(conn)? > 0;
            l.names = Arc::new(live::watched_names(conn)?);
            l.version = Some(version);
        }
        Ok((l.profiles.clone(), l.watching))
    }

    /// The hits of `parcel` (as the notebook on `conn` knows it, on
    /// `today`), without storing them.
    pub fn hits_of(
        &self,
        conn: &rusqlite::Connection,
        parcel: &Parcel,
        today: &str,
    ) -> Result<Vec<score::Hit>> {
        let (profiles, watching) = self.settings(conn)?;
        self.hits_under(conn, parcel, today, &profiles, watching)
    }

    /// [`Screener::hits_of`], the settings read.
    fn hits_under(
        &self,
        conn: &rusqlite::Connection,
        parcel: &Parcel,
        today: &str,
        profiles: &[Profile],
        watching: bool,
    ) -> Result<Vec<score::Hit>> {
        if profiles.is_empty() && !watching {
            return Ok(Vec::new());
        }
        let names = self
            .loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .names
            .clone();
        let mut know = live::Live::new(conn, today)
            .with_terms(self.terms(conn)?)
            .with_names(names);
        screen(profiles, watching, parcel, &mut know, today)
    }

    /// The catalogue's terms, read again only when the catalogue changed.
    pub fn terms(&self, conn: &rusqlite::Connection) -> Result<Arc<terms::Terms>> {
        let version = live::substances_version(conn)?;
        let mut l = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if l.terms_of.as_ref() != Some(&version) {
            l.terms = Arc::new(live::substance_terms(conn)?);
            l.terms_of = Some(version);
        }
        Ok(l.terms.clone())
    }
}

/// The hits of `parcel` under `profiles`, and on the watchlist when
/// `watching`, as `know` knows it on `today`.
pub fn screen(
    profiles: &[Profile],
    watching: bool,
    parcel: &Parcel,
    know: &mut dyn score::Knowledge,
    today: &str,
) -> Result<Vec<score::Hit>> {
    let ids = parcel.identifiers();
    screen_with(profiles, watching, parcel, &ids, know, today)
}

/// [`screen`], the parcel's identifiers given.
pub fn screen_with(
    profiles: &[Profile],
    watching: bool,
    parcel: &Parcel,
    ids: &[crate::domain::identifiers::Identifier],
    know: &mut dyn score::Knowledge,
    today: &str,
) -> Result<Vec<score::Hit>> {
    let catalogue = score::catalogue_for(profiles, know)?;
    let looked = score::look_all(profiles, parcel, catalogue.as_deref(), None);
    screen_looked(profiles, watching, parcel, ids, looked, know, today)
}

/// [`screen_with`], each profile's look at the parcel ([`score::look`],
/// one per profile, in order) done already: a screen does it on its
/// reading thread.
pub fn screen_looked(
    profiles: &[Profile],
    watching: bool,
    parcel: &Parcel,
    ids: &[crate::domain::identifiers::Identifier],
    looked: Vec<score::Looked>,
    know: &mut dyn score::Knowledge,
    today: &str,
) -> Result<Vec<score::Hit>> {
    let mut hits = Vec::new();
    if watching && let Some(h) = score::watchlist_hit(ids, know)? {
        hits.push(h);
    }
    for (p, l) in profiles.iter().zip(looked) {
        if let Some(h) = score::finish(p, l, parcel, ids, know, today)? {
            hits.push(h);
        }
    }
    Ok(hits)
}

/// What a rescreen did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Rescreened {
    pub screened: usize,
    /// Parcels with at least one hit after it.
    pub hit: usize,
}

/// Screens again the parcels recorded on or after `since` (YYYY-MM-DD)
/// against today's profiles and watchlist, storing their hits as saving
/// them would (a hit that no longer holds goes): after a profile or the
/// watchlist changed. Written in short transactions, so colleagues never
/// wait long; `progress` hears (done, total).
pub fn rescreen(
    store: &mut crate::store::Store,
    since: &str,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Rescreened> {
    let ids: Vec<uuid::Uuid> = store
        .conn()
        .prepare(&format!(
            "SELECT id FROM parcels WHERE {} ORDER BY n",
            crate::store::stamp::sql_on_or_after("created_at", "?1")
        ))?
        .query_map([since], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let screener = Screener::new();
    let mut out = Rescreened::default();
    let mut at = 0;
    while at < ids.len() {
        let batch = crate::store::Batch::new();
        let (done, hit) = store.write(|w| {
            let (mut done, mut hit) = (0, 0);
            while at + done < ids.len() && !batch.full(done) {
                let id = ids[at + done];
                done += 1;
                let Some(p) = crate::store::records::get::<Parcel>(&w.tx, id)? else {
                    continue;
                };
                let hits = screener.hits_of(&w.tx, &p, &w.now)?;
                hit += usize::from(!hits.is_empty());
                stored::store_hits(w, id, &hits)?;
            }
            Ok((done, hit))
        })?;
        at += done;
        out.screened += done;
        out.hit += hit;
        progress(at, ids.len());
    }
    Ok(out)
}

impl crate::store::Screen for Screener {
    fn parcel(&self, w: &Writer<'_>, _item: i64, parcel: &Parcel, new: bool) -> Result<()> {
        // Nothing to screen against: nothing read or written for a new
        // parcel; one saved again loses the hits found before, which no
        // longer hold (their profile switched off, their entry removed).
        let (profiles, watching) = self.settings(&w.tx)?;
        if profiles.is_empty() && !watching {
            return if new {
                Ok(())
            } else {
                stored::store_hits(w, parcel.meta.id, &[])
            };
        }
        let hits = self.hits_under(&w.tx, parcel, &w.now, &profiles, watching)?;
        stored::store_hits(w, parcel.meta.id, &hits)
    }

    fn idle(&self, w: &Writer<'_>) -> Result<bool> {
        let (profiles, watching) = self.settings(&w.tx)?;
        Ok(profiles.is_empty() && !watching)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::new_record;
    use crate::domain::{Case, Link};
    use crate::store::create;
    use crate::store::testutil::temp_store;

    const PROFILE: &str = r#"
name = "opioids-by-post"
threshold = 50

[[indicator]]
weight = 20
kind = "origin"
countries = ["CN"]

[[indicator]]
weight = 40
kind = "seen-in-seized"
kinds = ["phone"]

[[indicator]]
weight = 10
kind = "contents"
terms = ["silicone resin"]
"#;

    fn parcel(fields: &[(&str, &str)]) -> Parcel {
        new_record::<Parcel>(fields).unwrap().0
    }

    #[test]
    fn a_saved_parcel_is_screened_in_its_own_transaction_with_evidence() {
        let (_d, mut s) = temp_store();
        s.set_screen(Arc::new(Screener::new()));
        // A seized parcel in case C-0001.
        let seized = s
            .write(|w| {
                let (mut c, _) = new_record::<Case>(&[("title", "Steppe")])?;
                create::case(w, &mut c)?;
                let mut p = parcel(&[
                    ("tracking", "RR123456785KZ"),
                    ("origin", "KZ"),
                    ("destination", "KZ"),
                    ("recipient_phone", "87015550142"),
                    ("status", "seized"),
                ]);
                create::parcel(w, &mut p)?;
                let (mut l, _) = new_record::<Link>(&[("link_type", "includes")])?;
                l.from_id = c.meta.id;
                l.to_id = p.meta.id;
                create::link(w, &mut l)?;
                Ok(p.meta.id)
            })
            .unwrap();
        // Nothing to screen against yet: no hit.
        let id = s
            .write(|w| {
                let mut p = parcel(&[("tracking", "RR000000014CN"), ("origin", "CN")]);
                create::parcel(w, &mut p).map(|_| p.meta.id)
            })
            .unwrap();
        assert!(stored::hits_on(s.conn(), id).unwrap().is_empty());
        let (p, warnings, new) = s.write(|w| stored::save(w, PROFILE)).unwrap();
        assert!(new && warnings.is_empty(), "{warnings:?}");
        assert_eq!(p.indicators.len(), 3);
        s.write(|w| {
            watchlist::add(
                w,
                &watchlist::NewEntry {
                    kind: "phone".into(),
                    raw: "+7 (701) 555-01-42".into(),
                    reason: "courier for the Steppe ring".into(),
                    ..Default::default()
                },
            )
        })
        .unwrap();
        // A parcel from CN whose recipient phone, written the local way,
        // was on the seized parcel and is on the watchlist.
        let hit = s
            .write(|w| {
                let mut p = parcel(&[
                    ("tracking", "RR000000028CN"),
                    ("origin", "CN"),
                    ("destination", "KZ"),
                    ("recipient_phone", "8 701 555 01 42"),
                    ("declared_contents", "Silicon resin, 2 pcs"),
                ]);
                create::parcel(w, &mut p).map(|_| p.meta.id)
            })
            .unwrap();
        let hits = stored::hits_on(s.conn(), hit).unwrap();
        assert_eq!(hits.len(), 2, "{hits:#?}");
        let by = |name: &str| hits.iter().find(|h| h.profile == name).unwrap();
        let profile = by("opioids-by-post");
        assert_eq!(profile.score, 70.0);
        let evidence: Vec<&str> = profile
            .reasons
            .iter()
            .map(|r| r.evidence.as_str())
            .collect();
        assert!(evidence.contains(&"origin CN"), "{evidence:?}");
        assert!(
            evidence.contains(
                &"recipient phone +77015550142 was on seized parcel RR123456785KZ (C-0001)"
            ),
            "{evidence:?}"
        );
        assert!(
            evidence
                .iter()
                .any(|e| e.contains("\"Silicon resin, 2 pcs\" match \"silicone resin\"")),
            "{evidence:?}"
        );
        let seized_reason = profile
            .reasons
            .iter()
            .find(|r| r.evidence.contains("seized"))
            .unwrap();
        assert_eq!(seized_reason.item.as_ref().unwrap().id, seized);
        let watch = by(score::WATCHLIST);
        assert!(
            watch.reasons[0].evidence.starts_with(
                "recipient phone +77015550142 is on the watchlist: courier for the Steppe ring"
            ),
            "{:?}",
            watch.reasons
        );
        // Edited so that nothing fires: its hits go with the edit.
        s.write(|w| {
            let mut p: Parcel = crate::store::records::must_get(&w.tx, hit)?;
            p.origin = Some("DE".into());
            p.recipient_phone = None;
            p.declared_contents = None;
            crate::store::records::update(w, &mut p).map(drop)
        })
        .unwrap();
        assert!(stored::hits_on(s.conn(), hit).unwrap().is_empty());
        // The earlier parcel from CN alone scores 20: under the threshold.
        assert!(stored::hits_on(s.conn(), id).unwrap().is_empty());
        assert!(matches!(
            crate::store::audit::verify(s.conn()).unwrap(),
            crate::store::audit::Verdict::Intact { .. }
        ));
    }

    #[test]
    fn watchlist_entries_are_normalised_refused_when_bad_and_removable() {
        let (_d, mut s) = temp_store();
        let add = |s: &mut crate::store::Store,
                   kind: &str,
                   raw: &str,
                   extra: &dyn Fn(&mut watchlist::NewEntry)| {
            let mut e = watchlist::NewEntry {
                kind: kind.into(),
                raw: raw.into(),
                reason: "lead 12".into(),
                ..Default::default()
            };
            extra(&mut e);
            s.write(|w| watchlist::add(w, &e))
        };
        let e = add(&mut s, "phone", "87015550142", &|e| {
            e.country = Some("KZ".into())
        })
        .unwrap();
        assert_eq!(e.value, "+77015550142");
        let err = add(&mut s, "phone", "+7 701 555 0142", &|_| {}).unwrap_err();
        assert!(err.to_string().contains("already"), "{err}");
        let err = add(&mut s, "phone", "87015550142", &|_| {}).unwrap_err();
        assert!(err.to_string().contains("--country"), "{err}");
        let err = add(&mut s, "fax", "123", &|_| {}).unwrap_err();
        assert!(err.to_string().starts_with("kind:"), "{err}");
        let err = add(&mut s, "email", "a@b.kz", &|e| e.reason = " ".into()).unwrap_err();
        assert!(err.to_string().starts_with("reason:"), "{err}");
        let err = add(&mut s, "email", "a@b.kz", &|e| {
            e.expires_on = Some("2001-01-01".into())
        })
        .unwrap_err();
        assert!(err.to_string().contains("past"), "{err}");
        let err = add(&mut s, "email", "a@b.kz", &|e| e.tlp = Some("PINK".into())).unwrap_err();
        assert!(err.to_string().starts_with("tlp:"), "{err}");
        add(&mut s, "address", "Almaty, ul. Abaya 5, kv. 12", &|_| {}).unwrap();
        assert_eq!(
            watchlist::list(s.conn(), false, "2026-12-01")
                .unwrap()
                .len(),
            2
        );
        let gone = s
            .write(|w| watchlist::remove(w, Some("phone"), "+7 701 555-01-42", None))
            .unwrap();
        assert_eq!(gone.len(), 1);
        assert_eq!(
            watchlist::list(s.conn(), false, "2026-12-01")
                .unwrap()
                .len(),
            1
        );
        let log = crate::store::audit::recent(s.conn(), 1).unwrap();
        assert_eq!(
            (log[0].action.as_str(), log[0].item_kind.as_str()),
            ("delete", "watchlist")
        );
    }
}
