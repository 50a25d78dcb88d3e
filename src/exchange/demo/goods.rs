//! What parcels declare: ordinary goods for background traffic, and the
//! cover stories of the planted series, each with the HS code that fits
//! it, a plausible value and the weight such an item has.

/// Declared goods and what goes with them on the customs form.
#[derive(Debug, Clone, Copy)]
pub struct Goods {
    pub description: &'static str,
    /// The six-digit HS code that fits the description (documents have
    /// none).
    pub hs: Option<&'static str>,
    pub category: &'static str,
    /// Value range in US dollars.
    pub usd: (u32, u32),
    /// Weight range of the item with its packing, grams.
    pub grams: (u32, u32),
}

const fn g(
    description: &'static str,
    hs: &'static str,
    category: &'static str,
    usd: (u32, u32),
    grams: (u32, u32),
) -> Goods {
    Goods {
        description,
        hs: Some(hs),
        category,
        usd,
        grams,
    }
}

/// Goods of ordinary e-commerce and private traffic.
pub const BACKGROUND: &[Goods] = &[
    Goods {
        description: "documents",
        hs: None,
        category: "documents",
        usd: (0, 0),
        grams: (20, 300),
    },
    g("T-shirts", "6109.10", "sale-of-goods", (5, 40), (150, 900)),
    g(
        "women's dress",
        "6204.43",
        "sale-of-goods",
        (10, 60),
        (200, 800),
    ),
    g("socks", "6115.95", "sale-of-goods", (2, 15), (50, 400)),
    g(
        "sports shoes",
        "6404.11",
        "sale-of-goods",
        (20, 90),
        (600, 1800),
    ),
    g("handbag", "4202.22", "sale-of-goods", (10, 80), (300, 1200)),
    g("phone case", "3926.90", "sale-of-goods", (2, 15), (30, 200)),
    g(
        "phone charger",
        "8504.40",
        "sale-of-goods",
        (5, 30),
        (80, 400),
    ),
    g(
        "wireless earphones",
        "8518.30",
        "sale-of-goods",
        (10, 60),
        (80, 300),
    ),
    g("USB cable", "8544.42", "sale-of-goods", (2, 12), (40, 200)),
    g(
        "wristwatch",
        "9102.11",
        "sale-of-goods",
        (10, 100),
        (80, 300),
    ),
    g(
        "imitation jewellery",
        "7117.19",
        "sale-of-goods",
        (3, 30),
        (20, 200),
    ),
    g("cosmetics", "3304.99", "sale-of-goods", (5, 50), (100, 800)),
    g("lipstick", "3304.10", "sale-of-goods", (3, 20), (30, 150)),
    g("toys", "9503.00", "sale-of-goods", (5, 40), (100, 1500)),
    g("books", "4901.99", "sale-of-goods", (5, 40), (200, 1800)),
    g(
        "car spare parts",
        "8708.99",
        "sale-of-goods",
        (10, 150),
        (200, 6000),
    ),
    g("green tea", "0902.10", "gift", (5, 30), (100, 1000)),
    g("vitamins", "2106.90", "sale-of-goods", (5, 40), (100, 600)),
    g(
        "plastic kitchenware",
        "3924.10",
        "sale-of-goods",
        (3, 25),
        (150, 1500),
    ),
    g(
        "fishing tackle",
        "9507.90",
        "sale-of-goods",
        (5, 60),
        (50, 900),
    ),
    g(
        "fitness equipment",
        "9506.91",
        "sale-of-goods",
        (15, 120),
        (800, 8000),
    ),
    g("ceramic souvenirs", "6913.90", "gift", (5, 30), (100, 700)),
];

/// Cover stories the planted series declare (the field's list: pigments,
/// plant food, "research chemical", tea...), each with the HS code a
/// shipper would put beside it.
pub const COVERS: &[Goods] = &[
    g(
        "tea sample",
        "0902.10",
        "commercial-sample",
        (2, 20),
        (50, 400),
    ),
    g(
        "pigment",
        "3204.17",
        "commercial-sample",
        (2, 25),
        (50, 500),
    ),
    g(
        "plant food",
        "3105.90",
        "commercial-sample",
        (2, 15),
        (50, 500),
    ),
    g(
        "bath salts",
        "3307.30",
        "commercial-sample",
        (2, 20),
        (50, 500),
    ),
    g(
        "research chemical sample",
        "2933.99",
        "commercial-sample",
        (5, 40),
        (30, 300),
    ),
    g(
        "photo developer",
        "3707.90",
        "commercial-sample",
        (2, 20),
        (50, 400),
    ),
    g("incense", "3307.41", "gift", (2, 15), (50, 400)),
    g(
        "printer toner",
        "3707.90",
        "commercial-sample",
        (5, 30),
        (100, 600),
    ),
    g(
        "dye powder",
        "3204.19",
        "commercial-sample",
        (2, 20),
        (50, 500),
    ),
    g(
        "cosmetic sample",
        "3304.99",
        "commercial-sample",
        (2, 20),
        (50, 300),
    ),
    g(
        "herbal blend",
        "1211.90",
        "commercial-sample",
        (2, 20),
        (50, 400),
    ),
    g(
        "laboratory reagent",
        "3822.19",
        "commercial-sample",
        (10, 60),
        (50, 400),
    ),
    g(
        "silicone resin",
        "3910.00",
        "commercial-sample",
        (5, 40),
        (100, 800),
    ),
    g(
        "fitness supplement",
        "2106.90",
        "sale-of-goods",
        (5, 30),
        (100, 600),
    ),
    g(
        "coating",
        "3208.90",
        "commercial-sample",
        (5, 30),
        (100, 800),
    ),
    g(
        "plastic samples",
        "3926.90",
        "commercial-sample",
        (2, 15),
        (50, 500),
    ),
    g(
        "snap hooks",
        "7326.90",
        "sale-of-goods",
        (2, 15),
        (100, 600),
    ),
    g(
        "toys and decorations",
        "9503.00",
        "gift",
        (3, 20),
        (100, 800),
    ),
];

/// Words that make a series' cover story its own once the base stories
/// are all in use.
pub const COVER_VARIANTS: &[&str] = &[
    "for shop",
    "batch B",
    "premium",
    "wholesale",
    "refill",
    "lot 7",
    "for salon",
    "grade A",
    "bulk",
    "for lab",
    "green",
    "new formula",
    "mix",
    "extra",
    "organic",
    "blue",
    "for printing",
    "pure",
    "gold",
    "trial",
];

/// The cover story of series `c`: a base story, made distinct with a
/// variant once every base story is in use.
pub fn cover_story(c: usize) -> (String, &'static Goods) {
    let base = &COVERS[c % COVERS.len()];
    let text = match c / COVERS.len() {
        0 => base.description.to_string(),
        k => format!(
            "{} {}",
            base.description,
            COVER_VARIANTS[(k - 1) % COVER_VARIANTS.len()]
        ),
    };
    (text, base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hs_codes_have_six_digits_and_ranges_are_ordered() {
        for goods in BACKGROUND.iter().chain(COVERS) {
            if let Some(hs) = goods.hs {
                let digits = hs.replace('.', "");
                assert!(
                    digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()),
                    "{hs}"
                );
            }
            assert!(goods.usd.0 <= goods.usd.1 && goods.grams.0 < goods.grams.1);
        }
    }
}
