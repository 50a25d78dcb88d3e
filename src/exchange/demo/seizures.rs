//! What the planted series and lone seizures carry: the substances seen in
//! parcels, each in the forms its group is seized in, in quantities parcel
//! seizures have, with how often it is seen at the start and at the end of
//! the demo's two years (rising and falling trends), and where it is
//! shipped from.

use super::Rng;
use super::world::{self, Country};

/// The demo's two years: day 0 is 2024-12-01, the last day 2026-11-30.
pub const DAYS: usize = 730;
pub const FIRST_DAY: (i16, i8, i8) = (2024, 12, 1);
/// The day the nitazene route shifts: from then on most nitazene series
/// come from India through the Gulf by courier instead of from China by
/// post (2026-02-01).
pub const SHIFT_DAY: usize = 427;

/// The date of day `d` of the demo, `YYYY-MM-DD`.
pub fn date(d: usize) -> String {
    let (y, m, day) = FIRST_DAY;
    let first = jiff::civil::date(y, m, day);
    let d = d.min(DAYS - 1) as i64;
    first
        .checked_add(jiff::Span::new().days(d))
        .unwrap_or(first)
        .to_string()
}

/// A form a substance is seized in, with its unit, how often (weight), the
/// range of quantities found (log-uniform) and the mass of one unit in
/// grams (for the parcel's weight).
#[derive(Debug, Clone, Copy)]
pub struct Form {
    pub form: &'static str,
    pub unit: &'static str,
    pub weight: usize,
    pub qty: (f64, f64),
    pub grams_per_unit: f64,
}

const fn f(form: &'static str, unit: &'static str, weight: usize, qty: (f64, f64)) -> Form {
    let grams_per_unit = match unit.as_bytes() {
        b"tablets" => 0.3,
        b"blotters" => 0.03,
        b"ml" => 1.1,
        _ => 1.0,
    };
    Form {
        form,
        unit,
        weight,
        qty,
        grams_per_unit,
    }
}

/// The classes of substances the demo uses, by what decides their forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Fentanyl,
    Nitazene,
    OtherOpioid,
    Precursor,
    Cannabinoid,
    Cathinone,
    Phenethylamine,
    Benzodiazepine,
    Dissociative,
}

const FENTANYL_FORMS: &[Form] = &[
    f("powder", "g", 65, (1.0, 100.0)),
    f("tablets", "tablets", 30, (10.0, 500.0)),
    f("liquid", "ml", 5, (5.0, 50.0)),
];
const CARFENTANIL_FORMS: &[Form] = &[f("powder", "g", 100, (0.1, 10.0))];
const NITAZENE_FORMS: &[Form] = &[
    f("powder", "g", 55, (0.5, 50.0)),
    f("tablets", "tablets", 35, (10.0, 300.0)),
    f("liquid", "ml", 10, (5.0, 30.0)),
];
const OPIOID_FORMS: &[Form] = &[
    f("powder", "g", 70, (1.0, 50.0)),
    f("tablets", "tablets", 30, (10.0, 300.0)),
];
/// 4-ANPP and NPP are crystalline solids, shipped in bulk.
const PRECURSOR_FORMS: &[Form] = &[
    f("powder", "g", 85, (100.0, 3000.0)),
    f("crystals", "g", 15, (100.0, 2000.0)),
];
const CANNABINOID_FORMS: &[Form] = &[
    f("herbal-material", "g", 45, (10.0, 500.0)),
    f("e-liquid", "ml", 25, (10.0, 100.0)),
    f("paper", "g", 10, (5.0, 100.0)),
    f("powder", "g", 20, (5.0, 250.0)),
];
const CATHINONE_FORMS: &[Form] = &[
    f("crystals", "g", 55, (5.0, 500.0)),
    f("powder", "g", 45, (5.0, 500.0)),
];
const NBOME_FORMS: &[Form] = &[f("blotters", "blotters", 100, (10.0, 500.0))];
const METH_FORMS: &[Form] = &[
    f("crystals", "g", 70, (5.0, 300.0)),
    f("powder", "g", 20, (5.0, 300.0)),
    f("tablets", "tablets", 10, (50.0, 1000.0)),
];
const MDMA_FORMS: &[Form] = &[
    f("tablets", "tablets", 60, (20.0, 1000.0)),
    f("crystals", "g", 25, (5.0, 200.0)),
    f("powder", "g", 15, (5.0, 200.0)),
];
const BENZO_FORMS: &[Form] = &[
    f("tablets", "tablets", 60, (20.0, 1000.0)),
    f("powder", "g", 30, (1.0, 50.0)),
    f("liquid", "ml", 5, (10.0, 100.0)),
    f("blotters", "blotters", 5, (10.0, 200.0)),
];
const DISSOCIATIVE_FORMS: &[Form] = &[
    f("powder", "g", 50, (5.0, 200.0)),
    f("crystals", "g", 50, (5.0, 200.0)),
];

/// A substance of the catalogue as the demo plants it.
#[derive(Debug)]
pub struct Profile {
    /// Its name in the catalogue.
    pub name: &'static str,
    pub class: Class,
    pub forms: &'static [Form],
    /// How often it is seen on the first and on the last day (relative
    /// weights; the share moves linearly in between).
    pub trend: (usize, usize),
    /// The day it first reaches the market (0: there from the start).
    /// Before it, it is never seen; from it, its weight grows from
    /// `trend.0` to `trend.1` by the last day: an emerging substance.
    pub from: usize,
}

const fn s(
    name: &'static str,
    class: Class,
    forms: &'static [Form],
    trend: (usize, usize),
) -> Profile {
    Profile {
        name,
        class,
        forms,
        trend,
        from: 0,
    }
}

/// A substance that appears only from day `from` on, then rises to
/// `weight` by the last day.
const fn arriving(
    name: &'static str,
    class: Class,
    forms: &'static [Form],
    from: usize,
    weight: usize,
) -> Profile {
    Profile {
        name,
        class,
        forms,
        trend: (0, weight),
        from,
    }
}

/// Nitazenes rise (2 to 24, then 32 as Protonitazepyne arrives in the
/// last 100 days) as fentanyl analogues other than fentanyl
/// itself fall (17 to 1); ADB-BUTINACA overtakes MDMB-4en-PINACA and
/// bromazolam replaces etizolam; cathinones stay among the largest groups.
pub const SUBSTANCES: &[Profile] = &[
    s("Fentanyl", Class::Fentanyl, FENTANYL_FORMS, (4, 4)),
    s("Carfentanil", Class::Fentanyl, CARFENTANIL_FORMS, (5, 0)),
    s("Acetylfentanyl", Class::Fentanyl, FENTANYL_FORMS, (6, 1)),
    s("Furanylfentanyl", Class::Fentanyl, FENTANYL_FORMS, (6, 0)),
    s("Isotonitazene", Class::Nitazene, NITAZENE_FORMS, (1, 8)),
    s("Metonitazene", Class::Nitazene, NITAZENE_FORMS, (0, 8)),
    s("Protonitazene", Class::Nitazene, NITAZENE_FORMS, (1, 8)),
    s("Brorphine", Class::OtherOpioid, OPIOID_FORMS, (2, 1)),
    s("4-ANPP", Class::Precursor, PRECURSOR_FORMS, (2, 2)),
    s("NPP", Class::Precursor, PRECURSOR_FORMS, (2, 2)),
    s("Mephedrone", Class::Cathinone, CATHINONE_FORMS, (10, 10)),
    s("alpha-PVP", Class::Cathinone, CATHINONE_FORMS, (12, 8)),
    s("3-MMC", Class::Cathinone, CATHINONE_FORMS, (4, 4)),
    s(
        "N-Ethylpentylone",
        Class::Cathinone,
        CATHINONE_FORMS,
        (3, 2),
    ),
    s(
        "MDMB-4en-PINACA",
        Class::Cannabinoid,
        CANNABINOID_FORMS,
        (8, 4),
    ),
    s(
        "ADB-BUTINACA",
        Class::Cannabinoid,
        CANNABINOID_FORMS,
        (3, 8),
    ),
    s(
        "4F-MDMB-BINACA",
        Class::Cannabinoid,
        CANNABINOID_FORMS,
        (4, 3),
    ),
    s("25I-NBOMe", Class::Phenethylamine, NBOME_FORMS, (2, 2)),
    s("Methamphetamine", Class::Phenethylamine, METH_FORMS, (4, 4)),
    s("MDMA", Class::Phenethylamine, MDMA_FORMS, (4, 4)),
    s("Etizolam", Class::Benzodiazepine, BENZO_FORMS, (4, 1)),
    s("Bromazolam", Class::Benzodiazepine, BENZO_FORMS, (1, 5)),
    s(
        "Methoxetamine",
        Class::Dissociative,
        DISSOCIATIVE_FORMS,
        (2, 2),
    ),
    s(
        "2-Fluorodeschloroketamine",
        Class::Dissociative,
        DISSOCIATIVE_FORMS,
        (2, 3),
    ),
    // Protonitazepyne reaches the market late in the second year, as
    // nitazenes new to a region do: never seen before, then weekly.
    arriving(
        "Protonitazepyne",
        Class::Nitazene,
        NITAZENE_FORMS,
        DAYS - 100,
        8,
    ),
];

impl Profile {
    /// Its weight on day `d`, in hundredths, interpolated between the
    /// first and last day.
    fn weight_on(&self, d: usize) -> usize {
        if d < self.from {
            return 0;
        }
        let (a, b) = (self.trend.0 as i64 * 100, self.trend.1 as i64 * 100);
        let span = DAYS.saturating_sub(self.from).max(1) as i64;
        let d = (d.min(DAYS) - self.from) as i64;
        (a + (b - a) * d / span) as usize
    }
}

/// A substance as seen on day `d`: drawn by the trend weights of that day.
pub fn substance(rng: &mut Rng, d: usize) -> &'static Profile {
    world::weighted(rng, SUBSTANCES, |p| p.weight_on(d))
}

/// The substances of series of `sizes` parcels centred on `days`, so that
/// together they follow the trends closely: a series of a dozen parcels
/// drawn at random would make or break a trend on its own. Series are
/// taken in date order and each gets the substance most owed so far (its
/// share of the parcels up to then, less what it already has, old debts
/// fading).
/// `fixed[c]` keeps series `c`'s substance as given.
pub fn for_series(
    days: &[usize],
    sizes: &[usize],
    fixed: &[Option<&'static Profile>],
) -> Vec<&'static Profile> {
    let mut order: Vec<usize> = (0..days.len()).collect();
    order.sort_by_key(|&c| (days[c], c));
    let mut owed = vec![0f64; SUBSTANCES.len()];
    let mut out = vec![&SUBSTANCES[0]; days.len()];
    for c in order {
        let size = sizes[c] as f64;
        let total: usize = SUBSTANCES.iter().map(|p| p.weight_on(days[c])).sum();
        // Old debts fade: a substance owed a series a year ago is not
        // owed one now, when its trend has moved on.
        for (o, p) in owed.iter_mut().zip(SUBSTANCES) {
            *o = *o * 0.8 + p.weight_on(days[c]) as f64 / total.max(1) as f64 * size;
        }
        let pick = match fixed.get(c).copied().flatten() {
            Some(p) => SUBSTANCES
                .iter()
                .position(|q| std::ptr::eq(q, p))
                .unwrap_or(0),
            None => (0..SUBSTANCES.len())
                .max_by(|&a, &b| owed[a].total_cmp(&owed[b]).then(b.cmp(&a)))
                .unwrap_or(0),
        };
        owed[pick] -= size;
        out[c] = &SUBSTANCES[pick];
    }
    out
}

impl Profile {
    pub fn form(&self, rng: &mut Rng) -> &'static Form {
        world::weighted(rng, self.forms, |f| f.weight)
    }
}

/// A quantity in `form`'s range, log-uniform (many small seizures, few
/// large ones), rounded as a report would write it.
pub fn quantity(rng: &mut Rng, form: &Form) -> f64 {
    let (lo, hi) = form.qty;
    let u = rng.below(1_000_000) as f64 / 1_000_000.0;
    let q = lo * (hi / lo).powf(u);
    match form.unit {
        "g" if q < 10.0 => (q * 10.0).round() / 10.0,
        _ => q.round().max(1.0),
    }
}

/// Where a series of `class` seen on day `d` is shipped from. Nitazenes
/// shift from China to India after [`SHIFT_DAY`].
pub fn origin(rng: &mut Rng, class: Class, d: usize) -> &'static Country {
    use world::{AE, CN, DE, GB, HK, IN, NL, PL, RU, TR, US};
    let table: &[(&'static Country, usize)] = match class {
        Class::Nitazene if d >= SHIFT_DAY => &[(&IN, 60), (&CN, 35), (&HK, 5)],
        Class::Nitazene => &[(&CN, 85), (&IN, 10), (&HK, 5)],
        Class::Fentanyl | Class::OtherOpioid | Class::Precursor => {
            &[(&CN, 85), (&HK, 10), (&IN, 5)]
        }
        Class::Cannabinoid => &[(&CN, 80), (&TR, 8), (&RU, 7), (&HK, 5)],
        Class::Cathinone => &[(&CN, 40), (&RU, 20), (&PL, 20), (&NL, 15), (&IN, 5)],
        Class::Phenethylamine => &[(&NL, 35), (&DE, 20), (&PL, 15), (&CN, 20), (&GB, 10)],
        Class::Benzodiazepine => &[(&IN, 35), (&CN, 30), (&GB, 15), (&US, 10), (&AE, 10)],
        Class::Dissociative => &[(&CN, 50), (&IN, 30), (&NL, 20)],
    };
    world::weighted(rng, table, |o| o.1).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_span_two_years() {
        assert_eq!(date(0), "2024-12-01");
        assert_eq!(date(DAYS - 1), "2026-11-30");
        assert_eq!(date(SHIFT_DAY), "2026-02-01");
    }

    #[test]
    fn quantities_stay_in_range() {
        let mut rng = Rng::new(3);
        for p in SUBSTANCES {
            for form in p.forms {
                for _ in 0..200 {
                    let q = quantity(&mut rng, form);
                    assert!(q >= form.qty.0 - 0.05 && q <= form.qty.1 + 0.5, "{q}");
                }
            }
        }
    }
}
