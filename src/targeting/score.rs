//! Scoring one parcel against a profile: every indicator that fires, with
//! its weight and the evidence an officer can defend the choice with
//! ("recipient phone +77015550142 was on seized parcel RR123456785KZ
//! (C-0004)"). What the notebook knows (watchlists, seized parcels, open
//! cases, earlier parcels) is asked of a [`Knowledge`].

use super::profile::{self, Indicator, Profile, Test};
use super::terms::Terms;
use crate::domain::identifiers::{IdentKind, Identifier};
use crate::domain::text::fold;
use crate::domain::{ItemKind, Parcel};
use serde::{Deserialize, Serialize};
use std::hash::BuildHasher;
use uuid::Uuid;

/// Why an indicator fired: the evidence, and the item it points at (to
/// follow from the hits view).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub indicator: String,
    pub weight: f64,
    pub evidence: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<Pointer>,
    /// Found by a screen of a manifest (`screen --keep-hits`), its other
    /// rows counted: a rescreen of the notebook alone cannot find it
    /// again, and keeps it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub manifest: bool,
}

/// An item a reason points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pointer {
    pub kind: ItemKind,
    pub id: Uuid,
}

/// A parcel's score under one profile (or the watchlist), at or over its
/// threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub profile: String,
    pub score: f64,
    pub threshold: f64,
    pub reasons: Vec<Reason>,
}

/// The name hits of the watchlist alone are filed under.
pub const WATCHLIST: &str = "watchlist";

/// A watchlist entry an identifier matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Watched {
    pub id: Uuid,
    pub reason: String,
    pub case: Option<(String, Uuid)>,
    pub added_by: String,
}

/// A parcel an identifier was seen on, and the case that holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub tracking: String,
    pub parcel: Uuid,
    pub case: Option<String>,
}

/// An open case an identifier appears in, and through which parcel.
#[derive(Debug, Clone, PartialEq)]
pub struct InCase {
    pub case_ref: String,
    pub case: Uuid,
    pub via: Option<String>,
}

/// A known suspect's name, and where it is known from.
#[derive(Debug, Clone, PartialEq)]
pub struct Suspect {
    /// The name key (folded words, sorted).
    pub name: String,
    pub source: String,
    pub item: Option<Pointer>,
}

/// What scoring asks of the notebook. `except` is the parcel being scored
/// (which must not count as its own evidence).
pub trait Knowledge {
    fn watched(&mut self, kind: IdentKind, value: &str) -> crate::store::Result<Vec<Watched>>;
    fn seized_with(
        &mut self,
        kind: IdentKind,
        value: &str,
        except: Uuid,
    ) -> crate::store::Result<Option<Seen>>;
    fn open_case_with(
        &mut self,
        kind: IdentKind,
        value: &str,
        except: Uuid,
    ) -> crate::store::Result<Option<InCase>>;
    /// Known suspects whose names sound like `name_sound` (a name-sound key).
    fn suspects(&mut self, name_sound: &str) -> crate::store::Result<Vec<Suspect>>;
    /// How many other parcels hold this identifier.
    fn others_with(
        &mut self,
        kind: IdentKind,
        value: &str,
        except: Uuid,
    ) -> crate::store::Result<usize>;
    /// Other parcels to a recipient holding this identifier, recorded on or
    /// after `since` (YYYY-MM-DD): each one's sender (its key's hash) and
    /// what names the parcel (its tracking number, or its line). Asked by
    /// a test that fires only with `need` of them or more: when there are
    /// fewer, the answer may be none (so a recipient with one other parcel
    /// is told without its sender being looked up).
    fn senders_to(
        &mut self,
        kind: IdentKind,
        value: &str,
        since: &str,
        except: Uuid,
        need: usize,
    ) -> crate::store::Result<Vec<Other>>;
    /// The recipient names of other parcels to this address: each name
    /// key's hash, and the name (or the line it is on).
    fn names_at(&mut self, address: &str, except: Uuid) -> crate::store::Result<Vec<Other>>;
    /// The catalogue's substance names and synonyms, folded, with the
    /// substance's name.
    fn substance_terms(&mut self) -> crate::store::Result<std::sync::Arc<super::terms::Terms>>;
}

/// Another parcel's sender or recipient name, told apart by a hash of its
/// key, and shown by `label`.
#[derive(Debug, Clone, PartialEq)]
pub struct Other {
    pub key: u64,
    pub label: Label,
}

/// What names another parcel (or its recipient) in evidence: text, or an
/// earlier row of the batch screened, written out only when shown (a
/// busy address has hundreds, and at most five are shown).
#[derive(Debug, Clone, PartialEq)]
pub enum Label {
    Text(String),
    Line(u32),
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Label::Text(t) => f.write_str(t),
            Label::Line(n) => write!(f, "line {n}"),
        }
    }
}

/// The hash keys are told apart by (in one process).
pub fn key_hash(s: &str) -> u64 {
    HASH.hash_one(s)
}

/// The hash a screen keys what it holds in memory by (values, senders,
/// names: never written anywhere, so only one process need agree on it).
/// foldhash's: SipHash, the standard library's, was a tenth of scoring.
pub const HASH: foldhash::quality::FixedState =
    foldhash::quality::FixedState::with_seed(0x1d7e_57a1);

/// `sender_phone` -> `sender phone`.
fn role_words(role: &str) -> String {
    role.replace('_', " ").replace("email", "e-mail")
}

/// The roles a sender is told apart by, in order: their phone, else
/// e-mail, else name, else address.
pub const SENDER_KEY_ROLES: [&str; 4] = [
    "sender_phone",
    "sender_email",
    "sender_name",
    "sender_address",
];

/// The key a sender is told apart by (see [`SENDER_KEY_ROLES`]), from a
/// parcel's identifiers.
pub fn sender_key(ids: &[Identifier]) -> &str {
    SENDER_KEY_ROLES
        .iter()
        .find_map(|role| {
            ids.iter()
                .find(|i| i.role == *role && i.kind.is_exact())
                .map(|i| i.value.as_str())
        })
        .unwrap_or_default()
}

/// Whether an indicator asks the notebook (the others look at the parcel
/// alone, or at what is read once: the catalogue's terms).
pub(crate) fn asks(test: &Test) -> bool {
    matches!(
        test,
        Test::Watchlist { .. }
            | Test::SeenInSeized { .. }
            | Test::InOpenCase { .. }
            | Test::NameLikeSuspect { .. }
            | Test::FirstFromSender {}
            | Test::ManySenders { .. }
            | Test::ManyNames { .. }
    )
}

/// Scores `parcel` (whose identifiers are `ids`) under `profile`; a hit
/// when the score reaches the threshold. `today` (YYYY-MM-DD) dates the
/// windows of time.
///
/// The indicators that look at the parcel alone go first ([`look`]);
/// those that ask the notebook go after ([`finish`]), the heaviest first,
/// and only while they could still bring the score to the threshold: a
/// parcel that cannot reach it whatever the notebook says is no hit, and
/// is not asked about. A hit has every indicator tried, so its reasons are
/// all there, in the profile's order.
pub fn score(
    profile: &Profile,
    parcel: &Parcel,
    ids: &[Identifier],
    know: &mut dyn Knowledge,
    today: &str,
) -> crate::store::Result<Option<Hit>> {
    let catalogue = catalogue_for(std::slice::from_ref(profile), know)?;
    let looked = look(profile, parcel, catalogue.as_deref());
    finish(profile, looked, parcel, ids, know, today)
}

/// What a profile's indicators that look at the parcel alone found: the
/// first half of [`score`], which needs nothing but the parcel (and the
/// catalogue's terms), so a screen works it out on its reading thread.
#[derive(Debug, Clone, Default)]
pub struct Looked {
    /// The indicators that fired, by their place in the profile; their
    /// evidence is written by [`finish`], for a hit only (most parcels
    /// screened are none, and the words of what fired were a tenth of
    /// reading a manifest's row).
    fired: Vec<usize>,
    score: f64,
}

/// The catalogue's terms, when a look of one of `profiles` at a parcel
/// needs them (a `contents` test that names substances).
pub fn catalogue_for(
    profiles: &[Profile],
    know: &mut dyn Knowledge,
) -> crate::store::Result<Option<std::sync::Arc<Terms>>> {
    let needed = profiles.iter().flat_map(|p| &p.indicators).any(|i| {
        matches!(
            i.test,
            Test::Contents {
                substances: true,
                ..
            }
        )
    });
    Ok(match needed {
        true => Some(know.substance_terms()?),
        false => None,
    })
}

/// The reason an indicator that fired gives.
fn reason(ind: &Indicator, (evidence, item): (String, Option<Pointer>)) -> Reason {
    Reason {
        indicator: ind.label.clone(),
        weight: ind.weight,
        evidence,
        item,
        manifest: false,
    }
}

/// The indicators of `profile` that look at the parcel alone, tried.
pub fn look(profile: &Profile, parcel: &Parcel, catalogue: Option<&Terms>) -> Looked {
    let folded = Folded::of(parcel, None);
    look_with(profile, parcel, catalogue, &folded.words())
}

/// Every profile's [`look`] at the parcel (its declared contents folded
/// once for them all). `folded_contents`: the declared contents as
/// [`fold`] gives them, when the caller has them already (its content
/// identifier's value).
pub fn look_all(
    profiles: &[Profile],
    parcel: &Parcel,
    catalogue: Option<&Terms>,
    folded_contents: Option<&str>,
) -> Vec<Looked> {
    let folded = Folded::of(parcel, folded_contents);
    let words = folded.words();
    profiles
        .iter()
        .map(|p| look_with(p, parcel, catalogue, &words))
        .collect()
}

fn look_with(
    profile: &Profile,
    parcel: &Parcel,
    catalogue: Option<&Terms>,
    words: &[&str],
) -> Looked {
    let mut out = Looked::default();
    for (at, ind) in profile.indicators.iter().enumerate() {
        if asks(&ind.test) {
            continue;
        }
        if looks(ind, parcel, catalogue, words, false).is_some() {
            out.score += ind.weight;
            out.fired.push(at);
        }
    }
    out
}

/// The second half of [`score`]: the indicators that ask the notebook,
/// after what [`look`] found.
pub fn finish(
    profile: &Profile,
    looked: Looked,
    parcel: &Parcel,
    ids: &[Identifier],
    know: &mut dyn Knowledge,
    today: &str,
) -> crate::store::Result<Option<Hit>> {
    let inds = &profile.indicators;
    // The heaviest first (worked out as the profile was read).
    let order = &profile.asking;
    // The most the indicators not yet tried could add.
    let mut could: f64 = order.iter().map(|at| inds[*at].weight.max(0.0)).sum();
    let Looked {
        fired: looked,
        mut score,
    } = looked;
    let mut fired = Vec::new();
    // (With room for rounding: the sums below add in another order.)
    let margin = 1e-9 * profile.threshold.abs().max(1.0);
    for &at in order {
        if score + could < profile.threshold - margin {
            return Ok(None);
        }
        let ind = &inds[at];
        could -= ind.weight.max(0.0);
        if let Some(f) = fires(ind, parcel, ids, know, today)? {
            score += ind.weight;
            fired.push((at, reason(ind, f)));
        }
    }
    if score + could < profile.threshold - margin {
        return Ok(None);
    }
    // The evidence of what looked at the parcel alone, now that it is
    // wanted.
    if !looked.is_empty() {
        let catalogue = catalogue_for(std::slice::from_ref(profile), know)?;
        let folded = Folded::of(parcel, None);
        let words = folded.words();
        for at in looked {
            let ind = &inds[at];
            if let Some(f) = looks(ind, parcel, catalogue.as_deref(), &words, true) {
                fired.push((at, reason(ind, f)));
            }
        }
    }
    fired.sort_by_key(|(at, _)| *at);
    let reasons: Vec<Reason> = fired.into_iter().map(|(_, r)| r).collect();
    // The score as the profile's order adds it up.
    let score: f64 = reasons.iter().map(|r| r.weight).sum();
    if score < profile.threshold || reasons.is_empty() {
        return Ok(None);
    }
    Ok(Some(Hit {
        profile: profile.name.clone(),
        score,
        threshold: profile.threshold,
        reasons,
    }))
}

/// Every watchlist entry the parcel's identifiers are on: a hit of its own
/// (one point per entry matched), whatever the profiles say.
pub fn watchlist_hit(
    ids: &[Identifier],
    know: &mut dyn Knowledge,
) -> crate::store::Result<Option<Hit>> {
    let mut reasons = Vec::new();
    for i in ids.iter().filter(|i| i.kind.is_exact()) {
        for w in know.watched(i.kind, &i.value)? {
            reasons.push(Reason {
                indicator: "on the watchlist".into(),
                weight: 1.0,
                evidence: watched_text(i, &w),
                item: w.case.as_ref().map(|(_, id)| Pointer {
                    kind: ItemKind::Case,
                    id: *id,
                }),
                manifest: false,
            });
        }
    }
    Ok((!reasons.is_empty()).then(|| Hit {
        profile: WATCHLIST.into(),
        score: reasons.len() as f64,
        threshold: 1.0,
        reasons,
    }))
}

fn watched_text(i: &Identifier, w: &Watched) -> String {
    let mut s = format!(
        "{} {} is on the watchlist: {}",
        role_words(i.role),
        i.value,
        w.reason
    );
    match &w.case {
        Some((r, _)) => s.push_str(&format!(" ({r}, added by {})", w.added_by)),
        None => s.push_str(&format!(" (added by {})", w.added_by)),
    }
    s
}

type Fired = Option<(String, Option<Pointer>)>;

fn in_list(list: &[String], value: &str) -> bool {
    list.iter().any(|c| c.trim().eq_ignore_ascii_case(value))
}

/// Whether `value`, folded, is one of `folded` (names folded already).
fn folded_in(folded: &[String], value: Option<&str>) -> bool {
    value.is_some_and(|v| folded.iter().any(|f| crate::domain::text::folds_to(v, f)))
}

/// A parcel's declared contents, folded: worked out once for every
/// profile's look at it (or given, by a caller that folded them already).
enum Folded<'a> {
    Given(&'a str),
    Made(String),
}

impl<'a> Folded<'a> {
    fn of(parcel: &Parcel, given: Option<&'a str>) -> Folded<'a> {
        match given {
            Some(f) => Folded::Given(f),
            None => Folded::Made(
                parcel
                    .declared_contents
                    .as_deref()
                    .map(fold)
                    .unwrap_or_default(),
            ),
        }
    }

    /// Its words (none when the parcel declares nothing).
    fn words(&self) -> Vec<&str> {
        let text = match self {
            Folded::Given(f) => f,
            Folded::Made(f) => f.as_str(),
        };
        text.split(' ').filter(|w| !w.is_empty()).collect()
    }
}

/// Whether an indicator that looks at the parcel alone fires: its
/// evidence (`catalogue`: the catalogue's terms, for a `contents` test
/// that names substances).
fn looks(
    ind: &Indicator,
    p: &Parcel,
    catalogue: Option<&Terms>,
    words: &[&str],
    say: bool,
) -> Fired {
    let plain = |s: &dyn Fn() -> String| Some((if say { s() } else { String::new() }, None));
    match &ind.test {
        Test::Origin { countries } => match p.origin.as_deref() {
            Some(o) if in_list(countries, o) => plain(&|| format!("origin {o}")),
            _ => None,
        },
        Test::Destination { countries } => match p.destination.as_deref() {
            Some(d) if in_list(countries, d) => plain(&|| format!("destination {d}")),
            _ => None,
        },
        Test::Transit { countries } => {
            match p
                .transit
                .as_deref()
                .unwrap_or_default()
                .split([',', ' ', ';'])
                .map(str::trim)
                .find(|t| !t.is_empty() && in_list(countries, t))
            {
                Some(t) => plain(&|| format!("transit through {}", t.to_ascii_uppercase())),
                None => None,
            }
        }
        // (The names and terms folded once, as the profile was read.)
        Test::Carrier { .. } => match folded_in(&ind.folded_terms, p.carrier.as_deref()) {
            true => plain(&|| format!("carrier {}", p.carrier.as_deref().unwrap_or(""))),
            false => None,
        },
        Test::Service { .. } => match folded_in(&ind.folded_terms, p.service.as_deref()) {
            true => plain(&|| format!("service {}", p.service.as_deref().unwrap_or(""))),
            false => None,
        },
        Test::Contents { terms, substances } => {
            let declared = p.declared_contents.as_deref()?;
            if let Some(t) = terms
                .iter()
                .zip(&ind.folded_terms)
                .find(|(_, f)| term_matches(f, words))
                .map(|(t, _)| t)
            {
                return plain(&|| format!("declared contents {declared:?} match {t:?}"));
            }
            if *substances && let Some((_, name)) = catalogue.and_then(|t| t.first_match(words)) {
                return plain(&|| {
                    format!("declared contents {declared:?} name the substance {name}")
                });
            }
            if *substances && let Some((cas, name)) = catalogue.and_then(|t| t.cas_in(declared)) {
                return plain(&|| {
                    format!("declared contents {declared:?} give the CAS number {cas} ({name})")
                });
            }
            None
        }
        Test::HsMismatch {} => match (p.hs_code.as_deref(), p.declared_contents.as_deref()) {
            (Some(hs), Some(declared)) => {
                hs_mismatch_in(hs, declared, words).map(|why| (why, None))
            }
            _ => None,
        },
        Test::HsHeadings { headings } => {
            let hs = p.hs_code.as_deref()?;
            let digits = profile::hs_digits(hs);
            match headings.iter().find(|h| {
                let h = profile::hs_digits(h);
                h.len() >= 4 && digits.starts_with(&h)
            }) {
                Some(h) => plain(&|| format!("HS code {hs} is under heading {h}")),
                None => None,
            }
        }
        Test::Value {
            min,
            max,
            currency,
            rates,
        } => {
            let declared = p.declared_value?;
            let v = profile::value_in(
                declared,
                p.declared_currency.as_deref(),
                currency.as_deref(),
                rates,
            )?;
            if min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m) {
                plain(&|| format!("declared value {}", declared_in(p, declared, v, currency)))
            } else {
                None
            }
        }
        Test::Weight { min_g, max_g } => match p.weight_g {
            Some(g) if min_g.is_none_or(|m| g >= m) && max_g.is_none_or(|m| g <= m) => {
                plain(&|| format!("weight {g} g"))
            }
            _ => None,
        },
        Test::ValuePerGram {
            max,
            currency,
            rates,
        } => {
            let (declared, g) = (p.declared_value?, p.weight_g?);
            let v = profile::value_in(
                declared,
                p.declared_currency.as_deref(),
                currency.as_deref(),
                rates,
            )?;
            if g > 0.0 && v / g <= *max {
                plain(&|| {
                    format!(
                        "declared value {} for {g} g: {:.4}{} per gram",
                        declared_in(p, declared, v, currency),
                        v / g,
                        currency
                            .as_deref()
                            .map(|c| format!(" {c}"))
                            .unwrap_or_default()
                    )
                })
            } else {
                None
            }
        }
        _ => None,
    }
}

/// A declared value as evidence: with its currency, and what it is worth
/// in the indicator's currency where it was converted (`250 RUB, 2.63
/// USD`).
fn declared_in(p: &Parcel, declared: f64, v: f64, currency: &Option<String>) -> String {
    let had = p.declared_currency.as_deref().unwrap_or("");
    let mut s = format!("{declared}");
    if !had.is_empty() {
        s.push_str(&format!(" {had}"));
    }
    if let Some(c) = currency.as_deref()
        && !had.eq_ignore_ascii_case(c)
    {
        s.push_str(&format!(", {v:.2} {c}"));
    }
    s
}

/// Whether an indicator fires, asking the notebook when it must.
fn fires(
    ind: &Indicator,
    p: &Parcel,
    ids: &[Identifier],
    know: &mut dyn Knowledge,
    today: &str,
) -> crate::store::Result<Fired> {
    let none = Ok(None);
    let plain = |s: String| Ok(Some((s, None)));
    match &ind.test {
        Test::Watchlist { .. } => {
            let kinds = &ind.kinds;
            for i in ids.iter().filter(|i| kinds.contains(&i.kind)) {
                if let Some(w) = know.watched(i.kind, &i.value)?.into_iter().next() {
                    let item = w.case.as_ref().map(|(_, id)| Pointer {
                        kind: ItemKind::Case,
                        id: *id,
                    });
                    return Ok(Some((watched_text(i, &w), item)));
                }
            }
            none
        }
        Test::SeenInSeized { .. } => {
            let kinds = &ind.kinds;
            for i in ids
                .iter()
                .filter(|i| kinds.contains(&i.kind) && i.role != "tracking")
            {
                if let Some(s) = know.seized_with(i.kind, &i.value, p.meta.id)? {
                    return Ok(Some((
                        format!(
                            "{} {} was on seized parcel {}{}",
                            role_words(i.role),
                            i.value,
                            s.tracking,
                            s.case.map(|c| format!(" ({c})")).unwrap_or_default()
                        ),
                        Some(Pointer {
                            kind: ItemKind::Parcel,
                            id: s.parcel,
                        }),
                    )));
                }
            }
            none
        }
        Test::InOpenCase { .. } => {
            let kinds = &ind.kinds;
            for i in ids
                .iter()
                .filter(|i| kinds.contains(&i.kind) && i.role != "tracking")
            {
                if let Some(c) = know.open_case_with(i.kind, &i.value, p.meta.id)? {
                    return Ok(Some((
                        format!(
                            "{} {} appears in open case {}{}",
                            role_words(i.role),
                            i.value,
                            c.case_ref,
                            c.via.map(|t| format!(" (parcel {t})")).unwrap_or_default()
                        ),
                        Some(Pointer {
                            kind: ItemKind::Case,
                            id: c.case,
                        }),
                    )));
                }
            }
            none
        }
        Test::NameLikeSuspect { min_score } => {
            let mut best: Option<(u8, String, Suspect)> = None;
            for (role, name) in [
                ("sender name", p.sender_name.as_deref()),
                ("recipient name", p.recipient_name.as_deref()),
            ] {
                let Some(name) = name.filter(|n| !n.trim().is_empty()) else {
                    continue;
                };
                let key = crate::domain::text::name_key(name);
                let Some(sound) = crate::domain::identifiers::name_sound_key(name) else {
                    continue;
                };
                // (A seized parcel's own names are no evidence against it.)
                let others = know.suspects(&sound)?.into_iter().filter(|s| {
                    s.item
                        .as_ref()
                        .is_none_or(|i| !(i.kind == ItemKind::Parcel && i.id == p.meta.id))
                });
                for s in others {
                    let score = similarity(&key, &s.name);
                    if score >= *min_score && best.as_ref().is_none_or(|b| score > b.0) {
                        best = Some((score, format!("{role} {name:?}"), s));
                    }
                }
            }
            match best {
                Some((score, what, s)) => Ok(Some((
                    format!(
                        "{what} is like {:?} (score {score}) on {}",
                        s.name, s.source
                    ),
                    s.item,
                ))),
                None => none,
            }
        }
        Test::FirstFromSender {} => {
            let sender: Vec<&Identifier> = ids
                .iter()
                .filter(|i| {
                    i.kind.is_exact()
                        && matches!(i.role, "sender_phone" | "sender_email" | "sender_address")
                })
                .collect();
            if sender.is_empty() {
                return none;
            }
            for i in &sender {
                if know.others_with(i.kind, &i.value, p.meta.id)? > 0 {
                    return none;
                }
            }
            plain(format!(
                "no other parcel has the sender's {}",
                sender
                    .iter()
                    .map(|i| format!("{} {}", i.kind.as_str(), i.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
        Test::ManySenders { days, at_least } => {
            let since = days_before(today, *days);
            let mine = sender_key(ids);
            for i in ids.iter().filter(|i| {
                i.kind.is_exact()
                    && matches!(
                        i.role,
                        "recipient_phone" | "recipient_email" | "recipient_address"
                    )
            }) {
                // (This parcel's own sender counts too, when it has one.)
                let need = (*at_least as usize).saturating_sub(usize::from(!mine.is_empty()));
                let others = know.senders_to(i.kind, &i.value, &since, p.meta.id, need)?;
                let none_key = key_hash("");
                let mut senders: Vec<u64> = others
                    .iter()
                    .map(|o| o.key)
                    .filter(|k| *k != none_key)
                    .collect();
                if !mine.is_empty() {
                    senders.push(key_hash(mine));
                }
                senders.sort_unstable();
                senders.dedup();
                if senders.len() as u32 >= *at_least {
                    let tracks: Vec<String> =
                        others.iter().map(|o| o.label.to_string()).take(5).collect();
                    return plain(format!(
                        "{} {} received parcels from {} different senders since {since} ({}{})",
                        role_words(i.role),
                        i.value,
                        senders.len(),
                        tracks.join(", "),
                        if others.len() > 5 { ", ..." } else { "" }
                    ));
                }
            }
            none
        }
        Test::ManyNames { at_least } => {
            let Some(addr) = ids
                .iter()
                .find(|i| i.role == "recipient_address" && i.kind == IdentKind::Address)
            else {
                return none;
            };
            let mut names = know.names_at(&addr.value, p.meta.id)?;
            // (This parcel's name adds one at most: most addresses are
            // told apart here, with no name of this one worked out.)
            if names.len() + 1 < *at_least as usize {
                return none;
            }
            if let Some(n) = p.recipient_name.as_deref().filter(|n| !n.trim().is_empty()) {
                let key = crate::domain::text::name_key(n);
                names.push(Other {
                    key: key_hash(&key),
                    label: Label::Text(key),
                });
            }
            // One of each name, the first met kept, in the order met (the
            // notebook's, the manifest's newest first, this parcel's): an
            // order that does not hang on the hash.
            let blank = key_hash("");
            let mut met = std::collections::HashSet::new();
            names.retain(|n| n.key != blank && met.insert(n.key));
            if names.len() as u32 >= *at_least {
                return plain(format!(
                    "recipient address {} has {} different recipient names ({})",
                    addr.value,
                    names.len(),
                    names
                        .iter()
                        .take(5)
                        .map(|n| n.label.to_string())
                        .collect::<Vec<_>>()
                        .join("; ")
                ));
            }
            none
        }
        // The tests that look at the parcel alone are tried by [`look`],
        // never here ([`finish`] asks only `Profile::asking`).
        _ => none,
    }
}

/// Whether every word of `term` (folded) is among `words`, a word of five
/// letters or more allowing one typo.
pub fn term_matches<W: AsRef<str>>(term: &str, words: &[W]) -> bool {
    let mut any = false;
    for t in term.split(' ').filter(|w| !w.is_empty()) {
        any = true;
        let found = words
            .iter()
            .map(AsRef::as_ref)
            .any(|w: &str| w == t || (t.len() >= 5 && w.len() >= 5 && within_one(t, w)));
        if !found {
            return false;
        }
    }
    any
}

/// Whether `a` and `b` differ by at most one insertion, deletion or
/// substitution.
fn within_one(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let (mut i, mut j, mut edits) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            i += 1;
            j += 1;
            continue;
        }
        edits += 1;
        if edits > 1 {
            return false;
        }
        match a.len().cmp(&b.len()) {
            std::cmp::Ordering::Greater => i += 1,
            std::cmp::Ordering::Less => j += 1,
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
        }
    }
    edits + (a.len() - i) + (b.len() - j) <= 1
}

/// Jaro-Winkler similarity of two name keys, 0-100.
pub fn similarity(a: &str, b: &str) -> u8 {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    if a == b {
        return 100;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut b_used = vec![false; b.len()];
    let mut a_matched = Vec::new();
    for (i, ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        if let Some(j) = (lo..hi).find(|&j| !b_used[j] && b[j] == *ca) {
            b_used[j] = true;
            a_matched.push(*ca);
        }
    }
    let m = a_matched.len();
    if m == 0 {
        return 0;
    }
    let b_matched: Vec<char> = b
        .iter()
        .zip(&b_used)
        .filter(|(_, u)| **u)
        .map(|(c, _)| *c)
        .collect();
    let t = a_matched
        .iter()
        .zip(&b_matched)
        .filter(|(x, y)| x != y)
        .count() as f64
        / 2.0;
    let m = m as f64;
    let jaro = (m / a.len() as f64 + m / b.len() as f64 + (m - t) / m) / 3.0;
    let prefix = a.iter().zip(&b).take(4).take_while(|(x, y)| x == y).count() as f64;
    let jw = jaro + prefix * 0.1 * (1.0 - jaro);
    (jw * 100.0).round().clamp(0.0, 100.0) as u8
}

/// `today` minus `days`, as YYYY-MM-DD (today itself when unreadable).
pub fn days_before(today: &str, days: u32) -> String {
    // (Asked with the same two for every parcel screened: the last answer
    // is kept.)
    thread_local! {
        static LAST: std::cell::RefCell<Option<(String, u32, String)>> =
            const { std::cell::RefCell::new(None) };
    }
    if let Some(said) = LAST.with_borrow(|l| {
        l.as_ref()
            .filter(|(t, d, _)| t == today && *d == days)
            .map(|(.., said)| said.clone())
    }) {
        return said;
    }
    let said = days_before_worked_out(today, days);
    LAST.set(Some((today.to_string(), days, said.clone())));
    said
}

fn days_before_worked_out(today: &str, days: u32) -> String {
    let Some(d) = today
        .get(..10)
        .and_then(|t| t.parse::<jiff::civil::Date>().ok())
    else {
        return today.to_string();
    };
    d.checked_sub(jiff::Span::new().days(i64::from(days)))
        .map_or_else(|_| today.to_string(), |d| d.to_string())
}

/// Whether a declaration's word is the goods word `word` or its plural
/// (`shirts`, `watches`, `sunglasses` for `sunglass`).
fn goods_word(w: &str, word: &str) -> bool {
    w == word
        || w.strip_suffix('s').is_some_and(|s| s == word)
        || w.strip_suffix("es").is_some_and(|s| s == word)
}

/// What the HS chapters of goods a declaration names are (a small table of
/// common cover goods and of chemicals), and whether the declared code
/// fits: `None` when it does or nothing is known.
pub fn hs_mismatch(hs: &str, declared: &str) -> Option<String> {
    let folded = fold(declared);
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    hs_mismatch_in(hs, declared, &words)
}

/// [`hs_mismatch`] with the declaration's folded words.
fn hs_mismatch_in(hs: &str, declared: &str, words: &[&str]) -> Option<String> {
    const GOODS: &[(&str, &[&str], &str)] = &[
        // (Each word also matches its plural: see `goods_word`.)
        ("tea", &["09", "21"], "tea"),
        ("coffee", &["09", "21"], "coffee"),
        ("toy", &["95"], "toys"),
        ("doll", &["95"], "toys"),
        ("fishing", &["95"], "sports goods"),
        ("fitness", &["95", "21"], "sports goods"),
        ("clothes", &["61", "62", "63"], "clothing"),
        ("clothing", &["61", "62", "63"], "clothing"),
        ("shirt", &["61", "62"], "clothing"),
        ("tshirt", &["61", "62"], "clothing"),
        ("dress", &["61", "62"], "clothing"),
        ("sock", &["61"], "clothing"),
        ("shoe", &["64"], "footwear"),
        ("sneaker", &["64"], "footwear"),
        ("book", &["49"], "printed matter"),
        ("document", &["49"], "printed matter"),
        ("cosmetic", &["33"], "cosmetics"),
        ("lipstick", &["33"], "cosmetics"),
        ("cream", &["33", "30"], "cosmetics"),
        ("phone", &["85", "39", "42"], "electrical goods"),
        ("charger", &["85"], "electrical goods"),
        ("cable", &["85"], "electrical goods"),
        ("usb", &["85", "84"], "electrical goods"),
        ("headphone", &["85"], "electrical goods"),
        ("earphone", &["85"], "electrical goods"),
        ("watch", &["91", "85"], "watches"),
        ("wristwatch", &["91"], "watches"),
        ("sunglass", &["90"], "optical goods"),
        ("car", &["87", "84", "85", "40"], "vehicle parts"),
        ("candle", &["34"], "candles"),
        ("jewelry", &["71"], "jewellery"),
        ("jewellery", &["71"], "jewellery"),
        ("bag", &["42"], "bags"),
        ("handbag", &["42"], "bags"),
        ("resin", &["39"], "plastics"),
        ("silicone", &["39"], "plastics"),
        ("plastic", &["39"], "plastics"),
        ("snap", &["73", "83"], "metal fittings"),
        ("hook", &["73", "83"], "metal fittings"),
        ("pigment", &["32"], "pigments"),
        ("coating", &["32"], "paints and coatings"),
    ];
    const CHEMICAL: &[&str] = &["28", "29", "30", "38"];
    let digits = profile::hs_digits(hs);
    let chapter = digits.get(..2)?;
    // The goods the words name; the code fits when any of them fits it
    // ("plastic toys" may be filed as toys or as plastics).
    // (`T-shirts` is folded to `t shirts`: the `t` joins the word after.)
    let joined: Vec<String> = words
        .windows(2)
        .map(|w| format!("{}{}", w[0], w[1]))
        .collect();
    let named: Vec<&(&str, &[&str], &str)> = GOODS
        .iter()
        .filter(|(word, ..)| {
            words.iter().any(|w| goods_word(w, word)) || joined.iter().any(|w| goods_word(w, word))
        })
        .collect();
    let (_, _, what) = named.first()?;
    if named
        .iter()
        .any(|(_, chapters, _)| chapters.contains(&chapter))
    {
        return None;
    }
    let chemical = if CHEMICAL.contains(&chapter) {
        " (a chemical or pharmaceutical chapter)"
    } else {
        ""
    };
    Some(format!(
        "HS code {hs} is chapter {chapter}{chemical}, not one for {what} ({declared:?})"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::Record;

    /// A notebook that knows one seized parcel's phone and one suspect's
    /// name sound, and counts what it is asked.
    #[derive(Default)]
    struct Counting {
        seized_phone: Option<String>,
        suspect_sound: Option<String>,
        asked: Vec<&'static str>,
    }

    impl Knowledge for Counting {
        fn watched(&mut self, _: IdentKind, _: &str) -> crate::store::Result<Vec<Watched>> {
            self.asked.push("watched");
            Ok(Vec::new())
        }
        fn seized_with(
            &mut self,
            kind: IdentKind,
            value: &str,
            _: Uuid,
        ) -> crate::store::Result<Option<Seen>> {
            self.asked.push("seized");
            Ok(
                (kind == IdentKind::Phone && self.seized_phone.as_deref() == Some(value)).then(
                    || Seen {
                        tracking: "RR123456785KZ".into(),
                        parcel: Uuid::nil(),
                        case: None,
                    },
                ),
            )
        }
        fn open_case_with(
            &mut self,
            _: IdentKind,
            _: &str,
            _: Uuid,
        ) -> crate::store::Result<Option<InCase>> {
            self.asked.push("open case");
            Ok(None)
        }
        fn suspects(&mut self, sound: &str) -> crate::store::Result<Vec<Suspect>> {
            self.asked.push("suspects");
            Ok(if self.suspect_sound.as_deref() == Some(sound) {
                vec![Suspect {
                    name: "ivan petrov".into(),
                    source: "the watchlist".into(),
                    item: None,
                }]
            } else {
                Vec::new()
            })
        }
        fn others_with(&mut self, _: IdentKind, _: &str, _: Uuid) -> crate::store::Result<usize> {
            self.asked.push("others");
            Ok(0)
        }
        fn senders_to(
            &mut self,
            _: IdentKind,
            _: &str,
            _: &str,
            _: Uuid,
            _: usize,
        ) -> crate::store::Result<Vec<Other>> {
            self.asked.push("senders");
            Ok(Vec::new())
        }
        fn names_at(&mut self, _: &str, _: Uuid) -> crate::store::Result<Vec<Other>> {
            self.asked.push("names");
            Ok(Vec::new())
        }
        fn substance_terms(
            &mut self,
        ) -> crate::store::Result<std::sync::Arc<super::super::terms::Terms>> {
            Ok(Default::default())
        }
    }

    /// The notebook is asked only while its answers could still bring the
    /// score to the threshold, the heaviest question first; a hit still
    /// lists every reason, in the profile's order.
    #[test]
    fn the_notebook_is_asked_only_while_a_hit_is_still_possible() {
        // The lighter question is listed first, the heavier second.
        let (profile, _) = profile::parse(
            r#"
name = "p"
threshold = 60
[[indicator]]
weight = 20
kind = "origin"
countries = ["CN"]
[[indicator]]
weight = 25
kind = "name-like-suspect"
min_score = 88
[[indicator]]
weight = 50
kind = "seen-in-seized"
kinds = ["phone"]
"#,
        )
        .unwrap();
        let parcel = |origin: &str| {
            crate::domain::record::new_record::<Parcel>(&[
                ("tracking", "RR123456785KZ"),
                ("origin", origin),
                ("destination", "KZ"),
                ("recipient_name", "Ivan Petrov"),
                ("recipient_phone", "+7 701 555 0142"),
            ])
            .unwrap()
            .0
        };
        let sound = crate::domain::identifiers::name_sound_key("Ivan Petrov").unwrap();
        let run = |p: &Parcel, k: &mut Counting| {
            score(&profile, p, &p.identifiers(), k, "2026-12-01").unwrap()
        };

        // Not from CN, and the phone was on no seized parcel: 25 at most
        // is left, under 60, so the suspects are not asked about.
        let mut k = Counting::default();
        assert_eq!(run(&parcel("DE"), &mut k), None);
        assert_eq!(k.asked, ["seized"]);

        // From CN, the phone not on a seized parcel: 20 + 25 is under 60
        // too, so again the suspects are not asked about.
        let mut k = Counting {
            suspect_sound: Some(sound.clone()),
            ..Counting::default()
        };
        assert_eq!(run(&parcel("CN"), &mut k), None);
        assert_eq!(k.asked, ["seized"]);

        // The phone on a seized parcel: 70, a hit, and the suspects are
        // still asked about so that the hit lists every reason.
        let mut k = Counting {
            seized_phone: Some("+77015550142".into()),
            ..Counting::default()
        };
        let hit = run(&parcel("CN"), &mut k).expect("a hit");
        assert_eq!(k.asked, ["seized", "suspects"]);
        assert_eq!(hit.score, 70.0);

        // The phone was on a seized parcel and the name is a suspect's: a
        // hit of 95 with every reason, in the profile's order.
        let mut k = Counting {
            seized_phone: Some("+77015550142".into()),
            suspect_sound: Some(sound),
            ..Counting::default()
        };
        let hit = run(&parcel("CN"), &mut k).expect("a hit");
        assert_eq!(k.asked, ["seized", "suspects"]);
        assert_eq!(hit.score, 95.0);
        let weights: Vec<f64> = hit.reasons.iter().map(|r| r.weight).collect();
        assert_eq!(weights, [20.0, 25.0, 50.0]);
    }

    #[test]
    fn words_match_with_one_typo_in_long_words() {
        let words: Vec<String> = fold("Silicon resin samples, 2 pcs")
            .split(' ')
            .map(str::to_string)
            .collect();
        assert!(term_matches("silicone resin", &words));
        assert!(term_matches("samples", &words));
        assert!(!term_matches("tea", &words));
        assert!(!term_matches("resin powder", &words));
        assert!(within_one("mephedrone", "mefhedrone"));
        assert!(within_one("resin", "resins"));
        assert!(!within_one("resin", "raisin"));
    }

    #[test]
    fn names_score_by_likeness() {
        assert_eq!(similarity("ivan petrov", "ivan petrov"), 100);
        assert!(similarity("ivan petrof", "ivan petrov") >= 90);
        assert!(similarity("anna smith", "ivan petrov") < 60);
        assert_eq!(similarity("", "x"), 0);
    }

    #[test]
    fn windows_of_days_cross_months_and_years() {
        assert_eq!(days_before("2026-03-01", 1), "2026-02-28");
        assert_eq!(days_before("2024-03-01", 1), "2024-02-29");
        assert_eq!(days_before("2026-01-05", 30), "2025-12-06");
        assert_eq!(days_before("2026-12-01T10:00:00Z", 0), "2026-12-01");
        assert_eq!(days_before("garbage", 3), "garbage");
    }

    #[test]
    fn hs_codes_unlike_their_goods() {
        let m = hs_mismatch("2933.39", "Plastic toys").unwrap();
        assert!(m.contains("chapter 29") && m.contains("chemical"), "{m}");
        assert_eq!(hs_mismatch("9503.00", "Plastic toys"), None);
        assert_eq!(hs_mismatch("0902.10", "green tea"), None);
        assert!(hs_mismatch("3004.90", "black tea").is_some());
        assert_eq!(
            hs_mismatch("2933.39", "intermediate"),
            None,
            "nothing known"
        );
        assert!(hs_mismatch("2933.39", "silicone resin samples").is_some());
        assert_eq!(hs_mismatch("3910.00", "silicone resin samples"), None);
        assert_eq!(hs_mismatch("3926.90", "Plastic toys"), None);
    }

    /// Plurals and the everyday goods of declarations are known: only
    /// `T-shirt` was flagged under chapter 29, not `T-shirts`, `car spare
    /// parts` or `USB cables`; and the goods' own codes are not flagged.
    #[test]
    fn plurals_and_common_goods_are_known() {
        for d in [
            "T-shirt",
            "T-shirts",
            "tshirts",
            "shirts",
            "car spare parts",
            "USB cables",
            "watch",
            "sunglasses",
            "wireless earphones",
            "sports shoes",
        ] {
            assert!(hs_mismatch("2933.39", d).is_some(), "{d}");
        }
        for (hs, d) in [
            ("6109.10", "T-shirts"),
            ("8708.99", "car spare parts"),
            ("8544.42", "USB cable"),
            ("9102.11", "wristwatch"),
            ("9004.10", "sunglasses"),
            ("8518.30", "wireless earphones"),
            ("6404.11", "sports shoes"),
            ("3926.90", "phone case"),
            ("6115.95", "socks"),
            ("3304.10", "lipstick"),
        ] {
            assert_eq!(hs_mismatch(hs, d), None, "{hs} {d}");
        }
    }
}
