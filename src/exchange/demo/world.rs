//! The world the demo data lives in: the countries parcels come from and go
//! to, their posts, currencies, phone numbering plans and names, the
//! carriers that move the parcels and the places they are seized.
//!
//! The notebook serves Central Asia: every destination and every seizure
//! place is in Kazakhstan, Uzbekistan, Kyrgyzstan or Tajikistan, and no
//! origin is one of them, so no parcel goes from a country to itself.

use super::Rng;

/// A country parcels come from or go to.
pub struct Country {
    pub code: &'static str,
    /// The national post (the carrier of its letter post, parcels and EMS).
    pub post: &'static str,
    /// The local currency, and how often a declaration is made out in it
    /// rather than in US dollars (percent).
    pub currency: &'static str,
    pub local_share: usize,
    /// Units of the local currency to one US dollar (rounded).
    pub per_usd: f64,
    pub phone: Plan,
    /// Given names, male then female (split at `female_from`).
    pub given: &'static [&'static str],
    pub female_from: usize,
    /// Surname endings for men and for women.
    pub endings: (&'static [&'static str], &'static [&'static str]),
}

/// A mobile numbering plan: the calling code, the national prefixes in use
/// with the national number's length after each, and how the national
/// number is grouped when written.
pub struct Plan {
    pub cc: &'static str,
    pub prefixes: &'static [(&'static str, usize)],
    pub groups: &'static [usize],
}

impl Plan {
    /// A mobile number valid in this plan, written `+cc nnn nnn nn nn`.
    pub fn number(&self, rng: &mut Rng) -> String {
        let (prefix, len) = *rng.pick(self.prefixes);
        let mut national = String::with_capacity(len);
        national.push_str(prefix);
        while national.len() < len {
            national.push(char::from(b'0' + rng.below(10) as u8));
        }
        let mut out = format!("+{}", self.cc);
        let mut at = 0;
        for g in self.groups {
            if at >= national.len() {
                break;
            }
            let end = (at + g).min(national.len());
            out.push(' ');
            out.push_str(&national[at..end]);
            at = end;
        }
        if at < national.len() {
            out.push_str(&national[at..]);
        }
        out
    }
}

const fn p(prefix: &'static str, len: usize) -> (&'static str, usize) {
    (prefix, len)
}

const CA_MALE_ENDINGS: &[&str] = &["ov", "ev", "bekov", "baev", "aliev"];
const CA_FEMALE_ENDINGS: &[&str] = &["ova", "eva", "bekova", "baeva", "alieva"];

pub const KZ: Country = Country {
    code: "KZ",
    post: "Kazpost",
    currency: "KZT",
    local_share: 60,
    per_usd: 480.0,
    phone: Plan {
        cc: "7",
        prefixes: &[
            p("700", 10),
            p("701", 10),
            p("702", 10),
            p("705", 10),
            p("707", 10),
            p("708", 10),
            p("747", 10),
            p("771", 10),
            p("775", 10),
            p("776", 10),
            p("777", 10),
            p("778", 10),
        ],
        groups: &[3, 3, 2, 2],
    },
    given: &[
        "Nurlan",
        "Aidar",
        "Yerlan",
        "Askar",
        "Timur",
        "Daniyar",
        "Serik",
        "Bekzat",
        "Arman",
        "Dauren",
        "Marat",
        "Ruslan",
        "Dmitry",
        "Sergey",
        "Alexei",
        "Yerzhan",
        "Bauyrzhan",
        "Kairat",
        "Azamat",
        "Olzhas",
        "Aigerim",
        "Aizhan",
        "Dana",
        "Gulnara",
        "Madina",
        "Saule",
        "Zhanar",
        "Asel",
        "Aliya",
        "Elena",
        "Olga",
        "Anna",
        "Dinara",
        "Kamila",
        "Togzhan",
        "Ainur",
        "Assel",
        "Botagoz",
        "Indira",
        "Yulia",
    ],
    female_from: 20,
    endings: (
        &["ov", "ev", "bekov", "baev", "uly", "in"],
        &["ova", "eva", "bekova", "baeva", "kyzy", "ina"],
    ),
};

pub const UZ: Country = Country {
    code: "UZ",
    post: "Uzbekiston Pochtasi",
    currency: "UZS",
    local_share: 40,
    per_usd: 12_500.0,
    phone: Plan {
        cc: "998",
        prefixes: &[
            p("90", 9),
            p("91", 9),
            p("93", 9),
            p("94", 9),
            p("95", 9),
            p("97", 9),
            p("98", 9),
            p("99", 9),
            p("33", 9),
            p("88", 9),
        ],
        groups: &[2, 3, 2, 2],
    },
    given: &[
        "Jasur", "Bekzod", "Sardor", "Otabek", "Rustam", "Sherzod", "Dilshod", "Farrukh",
        "Jahongir", "Aziz", "Umid", "Shakhzod", "Dilnoza", "Nilufar", "Malika", "Gulnora",
        "Shahnoza", "Zarina", "Nodira", "Madina", "Feruza", "Kamola", "Sevara", "Mohira",
    ],
    female_from: 12,
    endings: (CA_MALE_ENDINGS, CA_FEMALE_ENDINGS),
};

pub const KG: Country = Country {
    code: "KG",
    post: "Kyrgyz Pochtasy",
    currency: "KGS",
    local_share: 40,
    per_usd: 87.0,
    phone: Plan {
        cc: "996",
        prefixes: &[
            p("550", 9),
            p("555", 9),
            p("700", 9),
            p("703", 9),
            p("707", 9),
            p("770", 9),
            p("772", 9),
            p("777", 9),
            p("990", 9),
            p("995", 9),
            p("999", 9),
            p("220", 9),
            p("500", 9),
        ],
        groups: &[3, 3, 3],
    },
    given: &[
        "Bakyt", "Nurbek", "Azamat", "Almaz", "Emil", "Ulan", "Kubanych", "Bolot", "Talant",
        "Aibek", "Chyngyz", "Mirlan", "Aida", "Aizada", "Cholpon", "Gulzat", "Nazgul", "Begaiym",
        "Aigul", "Zhyldyz", "Meerim", "Kanykei", "Aselia", "Nurzhan",
    ],
    female_from: 12,
    endings: (
        &["ov", "ev", "bekov", "uulu", "baev"],
        &["ova", "eva", "bekova", "kyzy", "baeva"],
    ),
};

pub const TJ: Country = Country {
    code: "TJ",
    post: "Pochtai Tojik",
    currency: "TJS",
    local_share: 30,
    per_usd: 10.9,
    phone: Plan {
        cc: "992",
        prefixes: &[
            p("90", 9),
            p("91", 9),
            p("92", 9),
            p("93", 9),
            p("98", 9),
            p("88", 9),
            p("55", 9),
            p("50", 9),
            p("11", 9),
            p("00", 9),
        ],
        groups: &[2, 3, 4],
    },
    given: &[
        "Firuz",
        "Rustam",
        "Davron",
        "Parviz",
        "Behruz",
        "Faridun",
        "Jamshed",
        "Manuchehr",
        "Shahrom",
        "Umed",
        "Bahrom",
        "Sino",
        "Nigina",
        "Zarina",
        "Mehrona",
        "Tahmina",
        "Firuza",
        "Gulnoza",
        "Madina",
        "Shabnam",
        "Dilafruz",
        "Sitora",
        "Munira",
        "Parvina",
    ],
    female_from: 12,
    endings: (
        &["ov", "zoda", "iyon", "ev"],
        &["ova", "zoda", "iyon", "eva"],
    ),
};

const EURO_GIVEN: &[&str] = &[
    "Jan",
    "Piotr",
    "Tomasz",
    "Lukas",
    "Daniel",
    "Max",
    "Thomas",
    "Martin",
    "David",
    "Mark",
    "Anna",
    "Katarzyna",
    "Lena",
    "Sophie",
    "Laura",
    "Eva",
    "Marta",
    "Julia",
    "Emma",
    "Sara",
];

pub const CN: Country = Country {
    code: "CN",
    post: "China Post",
    currency: "CNY",
    local_share: 30,
    per_usd: 7.2,
    phone: Plan {
        cc: "86",
        prefixes: &[
            p("130", 11),
            p("131", 11),
            p("132", 11),
            p("133", 11),
            p("135", 11),
            p("136", 11),
            p("137", 11),
            p("138", 11),
            p("139", 11),
            p("150", 11),
            p("151", 11),
            p("152", 11),
            p("155", 11),
            p("156", 11),
            p("158", 11),
            p("159", 11),
            p("180", 11),
            p("181", 11),
            p("182", 11),
            p("185", 11),
            p("186", 11),
            p("187", 11),
            p("188", 11),
            p("189", 11),
        ],
        groups: &[3, 4, 4],
    },
    given: &[
        "Wei", "Jun", "Hao", "Lei", "Yang", "Jie", "Tao", "Ming", "Qiang", "Bo", "Li", "Na",
        "Fang", "Jing", "Ying", "Xiu", "Yan", "Min", "Hui", "Lan",
    ],
    female_from: 10,
    endings: (&[""], &[""]),
};

pub const IN: Country = Country {
    code: "IN",
    post: "India Post",
    currency: "INR",
    local_share: 40,
    per_usd: 84.0,
    phone: Plan {
        cc: "91",
        prefixes: &[
            p("98", 10),
            p("99", 10),
            p("97", 10),
            p("96", 10),
            p("95", 10),
            p("94", 10),
            p("93", 10),
            p("91", 10),
            p("90", 10),
            p("88", 10),
            p("87", 10),
            p("70", 10),
        ],
        groups: &[5, 5],
    },
    given: &[
        "Rahul", "Amit", "Vikram", "Arjun", "Rohan", "Sanjay", "Rajesh", "Anil", "Suresh",
        "Deepak", "Priya", "Anjali", "Neha", "Pooja", "Sunita", "Kavita", "Divya", "Meera", "Asha",
        "Ritu",
    ],
    female_from: 10,
    endings: (&[""], &[""]),
};

pub const NL: Country = Country {
    code: "NL",
    post: "PostNL",
    currency: "EUR",
    local_share: 90,
    per_usd: 0.93,
    phone: Plan {
        cc: "31",
        prefixes: &[p("61", 9), p("62", 9), p("63", 9), p("64", 9), p("65", 9)],
        groups: &[1, 8],
    },
    given: EURO_GIVEN,
    female_from: 10,
    endings: (&[""], &[""]),
};

pub const PL: Country = Country {
    code: "PL",
    post: "Poczta Polska",
    currency: "PLN",
    local_share: 50,
    per_usd: 4.0,
    phone: Plan {
        cc: "48",
        prefixes: &[
            p("50", 9),
            p("51", 9),
            p("53", 9),
            p("57", 9),
            p("60", 9),
            p("66", 9),
            p("69", 9),
            p("72", 9),
            p("73", 9),
            p("78", 9),
            p("79", 9),
            p("88", 9),
        ],
        groups: &[3, 3, 3],
    },
    given: EURO_GIVEN,
    female_from: 10,
    endings: (&["ski", "czyk", "ak"], &["ska", "czyk", "ak"]),
};

pub const DE: Country = Country {
    code: "DE",
    post: "Deutsche Post",
    currency: "EUR",
    local_share: 90,
    per_usd: 0.93,
    phone: Plan {
        cc: "49",
        prefixes: &[
            p("151", 11),
            p("152", 11),
            p("157", 11),
            p("159", 11),
            p("160", 10),
            p("162", 10),
            p("163", 10),
            p("170", 10),
            p("171", 10),
            p("172", 10),
            p("173", 10),
            p("174", 10),
            p("175", 10),
            p("176", 11),
            p("177", 10),
            p("178", 10),
            p("179", 10),
        ],
        groups: &[3, 8],
    },
    given: EURO_GIVEN,
    female_from: 10,
    endings: (&["er", "mann"], &["er", "mann"]),
};

pub const TR: Country = Country {
    code: "TR",
    post: "PTT",
    currency: "TRY",
    local_share: 30,
    per_usd: 34.0,
    phone: Plan {
        cc: "90",
        prefixes: &[
            p("501", 10),
            p("505", 10),
            p("506", 10),
            p("507", 10),
            p("530", 10),
            p("532", 10),
            p("533", 10),
            p("535", 10),
            p("536", 10),
            p("538", 10),
            p("541", 10),
            p("542", 10),
            p("543", 10),
            p("544", 10),
            p("545", 10),
            p("551", 10),
            p("552", 10),
            p("553", 10),
            p("554", 10),
            p("555", 10),
        ],
        groups: &[3, 3, 2, 2],
    },
    given: &[
        "Ahmet", "Mehmet", "Mustafa", "Emre", "Burak", "Murat", "Can", "Kemal", "Ayse", "Fatma",
        "Elif", "Zeynep", "Emine", "Merve", "Selin", "Derya",
    ],
    female_from: 8,
    endings: (&["oglu", "can", "er"], &["oglu", "can", "er"]),
};

pub const AE: Country = Country {
    code: "AE",
    post: "Emirates Post",
    currency: "AED",
    local_share: 40,
    per_usd: 3.67,
    phone: Plan {
        cc: "971",
        prefixes: &[
            p("50", 9),
            p("52", 9),
            p("54", 9),
            p("55", 9),
            p("56", 9),
            p("58", 9),
        ],
        groups: &[2, 3, 4],
    },
    given: &[
        "Ahmed", "Omar", "Khalid", "Yousef", "Hassan", "Ali", "Faisal", "Rashid", "Fatima",
        "Aisha", "Mariam", "Noura", "Layla", "Huda", "Salma", "Reem",
    ],
    female_from: 8,
    endings: (&[""], &[""]),
};

pub const RU: Country = Country {
    code: "RU",
    post: "Russian Post",
    currency: "RUB",
    local_share: 85,
    per_usd: 95.0,
    phone: Plan {
        cc: "7",
        prefixes: &[
            p("903", 10),
            p("905", 10),
            p("906", 10),
            p("909", 10),
            p("910", 10),
            p("912", 10),
            p("915", 10),
            p("916", 10),
            p("917", 10),
            p("919", 10),
            p("921", 10),
            p("925", 10),
            p("926", 10),
            p("950", 10),
            p("951", 10),
            p("960", 10),
            p("961", 10),
            p("965", 10),
            p("977", 10),
            p("985", 10),
            p("999", 10),
        ],
        groups: &[3, 3, 2, 2],
    },
    given: &[
        "Ivan",
        "Dmitry",
        "Sergey",
        "Alexei",
        "Andrei",
        "Mikhail",
        "Nikolai",
        "Pavel",
        "Artem",
        "Maxim",
        "Olga",
        "Elena",
        "Natalia",
        "Tatiana",
        "Irina",
        "Svetlana",
        "Yulia",
        "Anastasia",
        "Ekaterina",
        "Maria",
    ],
    female_from: 10,
    endings: (&["ov", "ev", "in", "sky"], &["ova", "eva", "ina", "skaya"]),
};

pub const US: Country = Country {
    code: "US",
    post: "USPS",
    currency: "USD",
    local_share: 100,
    per_usd: 1.0,
    phone: Plan {
        cc: "1",
        prefixes: &[
            p("2025", 10),
            p("2128", 10),
            p("3054", 10),
            p("4156", 10),
            p("6463", 10),
            p("7187", 10),
            p("9174", 10),
        ],
        groups: &[3, 3, 4],
    },
    given: &[
        "James", "Michael", "Robert", "John", "David", "William", "Mary", "Jennifer", "Linda",
        "Sarah", "Jessica", "Karen",
    ],
    female_from: 6,
    endings: (&["son", "er", "ton"], &["son", "er", "ton"]),
};

pub const GB: Country = Country {
    code: "GB",
    post: "Royal Mail",
    currency: "GBP",
    local_share: 90,
    per_usd: 0.79,
    phone: Plan {
        cc: "44",
        prefixes: &[
            p("71", 10),
            p("72", 10),
            p("73", 10),
            p("740", 10),
            p("741", 10),
            p("742", 10),
            p("743", 10),
            p("744", 10),
            p("746", 10),
            p("747", 10),
            p("748", 10),
            p("749", 10),
            p("753", 10),
            p("754", 10),
            p("755", 10),
            p("756", 10),
            p("757", 10),
            p("758", 10),
            p("759", 10),
            p("771", 10),
            p("772", 10),
            p("773", 10),
            p("774", 10),
            p("775", 10),
            p("776", 10),
            p("777", 10),
            p("780", 10),
            p("781", 10),
            p("784", 10),
            p("785", 10),
            p("786", 10),
            p("787", 10),
            p("788", 10),
            p("789", 10),
        ],
        groups: &[4, 6],
    },
    given: &[
        "Oliver", "George", "Harry", "Jack", "Thomas", "Charlie", "Olivia", "Amelia", "Emily",
        "Isla", "Ava", "Sophie",
    ],
    female_from: 6,
    endings: (&["son", "ley", "ford"], &["son", "ley", "ford"]),
};

pub const HK: Country = Country {
    code: "HK",
    post: "Hongkong Post",
    currency: "HKD",
    local_share: 30,
    per_usd: 7.8,
    phone: Plan {
        cc: "852",
        prefixes: &[
            p("510", 8),
            p("511", 8),
            p("512", 8),
            p("513", 8),
            p("514", 8),
            p("516", 8),
            p("517", 8),
            p("518", 8),
            p("519", 8),
            p("61", 8),
            p("63", 8),
            p("64", 8),
            p("65", 8),
            p("69", 8),
            p("94", 8),
            p("96", 8),
            p("97", 8),
        ],
        groups: &[4, 4],
    },
    given: &[
        "Ka Ho", "Chi Wai", "Wing Kei", "Man Kit", "Siu Ming", "Mei Ling", "Wai Yee", "Hoi Yan",
    ],
    female_from: 5,
    endings: (&[""], &[""]),
};

pub const KR: Country = Country {
    code: "KR",
    post: "Korea Post",
    currency: "KRW",
    local_share: 30,
    per_usd: 1_380.0,
    phone: Plan {
        cc: "82",
        prefixes: &[
            p("102", 10),
            p("103", 10),
            p("104", 10),
            p("106", 10),
            p("107", 10),
            p("108", 10),
            p("109", 10),
        ],
        groups: &[2, 4, 4],
    },
    given: &[
        "Min-jun", "Seo-jun", "Ji-ho", "Hyun-woo", "Do-yun", "Seo-yeon", "Ji-woo", "Ha-eun",
        "Min-seo", "Soo-ah",
    ],
    female_from: 5,
    endings: (&[""], &[""]),
};

/// The countries the notebook serves, with their share of the traffic it
/// sees (percent), cities, streets and the places parcels are seized.
pub struct Destination {
    pub country: &'static Country,
    pub share: usize,
    pub cities: &'static [&'static str],
    pub streets: &'static [&'static str],
    /// Where postal items are opened (international mail offices).
    pub mail_posts: &'static [&'static str],
    /// Where courier and express items are cleared.
    pub courier_posts: &'static [&'static str],
    /// The land border post parcels from China cross, where there is one.
    pub land_post: Option<&'static str>,
}

pub const DESTINATIONS: &[Destination] = &[
    Destination {
        country: &KZ,
        share: 58,
        cities: &[
            "Almaty",
            "Almaty",
            "Almaty",
            "Astana",
            "Astana",
            "Shymkent",
            "Karaganda",
            "Aktobe",
            "Pavlodar",
            "Ust-Kamenogorsk",
            "Taraz",
            "Atyrau",
        ],
        streets: &[
            "Abaya",
            "Tole bi",
            "Furmanova",
            "Zheltoksan",
            "Dostyk",
            "Satpaeva",
            "Gagarina",
            "Raiymbek",
            "Nazarbayev",
            "Bogenbay batyr",
            "Kabanbay batyr",
            "Zhibek zholy",
            "Seifullina",
            "Auezova",
            "Timiryazeva",
            "Rozybakieva",
            "Kunaeva",
            "Baitursynova",
            "Al-Farabi",
            "Turan",
            "Kenesary",
            "Respublika",
            "Mangilik El",
            "Tauelsizdik",
            "Abylai khan",
            "Baizakova",
            "Masanchi",
            "Shevchenko",
            "Zhandosova",
            "Utepova",
        ],
        mail_posts: &[
            "Almaty international mail exchange office",
            "Astana international mail office",
        ],
        courier_posts: &["Almaty airport express cargo terminal"],
        land_post: Some("Khorgos border customs post"),
    },
    Destination {
        country: &UZ,
        share: 20,
        cities: &[
            "Tashkent",
            "Tashkent",
            "Tashkent",
            "Samarkand",
            "Bukhara",
            "Namangan",
            "Andijan",
            "Fergana",
            "Nukus",
        ],
        streets: &[
            "Amir Temur",
            "Navoi",
            "Mustaqillik",
            "Shota Rustaveli",
            "Bobur",
            "Chilonzor",
            "Yunusabad",
            "Mirobod",
            "Istiqlol",
            "Afrosiyob",
            "Beruniy",
            "Ulugbek",
            "Furqat",
            "Bunyodkor",
            "Nukus",
            "Taras Shevchenko",
            "Mukimi",
            "Olmazor",
        ],
        mail_posts: &["Tashkent international post office"],
        courier_posts: &["Tashkent airport cargo terminal"],
        land_post: None,
    },
    Destination {
        country: &KG,
        share: 14,
        cities: &[
            "Bishkek",
            "Bishkek",
            "Bishkek",
            "Osh",
            "Jalal-Abad",
            "Karakol",
        ],
        streets: &[
            "Chui",
            "Manas",
            "Kievskaya",
            "Toktogul",
            "Ibraimova",
            "Sovetskaya",
            "Moskovskaya",
            "Jibek Jolu",
            "Akhunbaeva",
            "Frunze",
            "Isanova",
            "Logvinenko",
            "Abdrakhmanova",
            "Gorkogo",
        ],
        mail_posts: &["Bishkek EMS hub"],
        courier_posts: &["Manas airport cargo terminal"],
        land_post: Some("Torugart border post"),
    },
    Destination {
        country: &TJ,
        share: 8,
        cities: &["Dushanbe", "Dushanbe", "Khujand", "Kulob", "Bokhtar"],
        streets: &[
            "Rudaki",
            "Somoni",
            "Ayni",
            "Firdavsi",
            "Sino",
            "Bokhtar",
            "Shotemur",
            "Loiq Sherali",
            "Mirzo Tursunzoda",
            "Ismoili Somoni",
            "Sadriddin Ayni",
            "Nisor Muhammad",
        ],
        mail_posts: &["Dushanbe international post office"],
        courier_posts: &["Dushanbe airport cargo terminal"],
        land_post: Some("Kulma border post"),
    },
];

/// The countries parcels come from, with their share of background
/// (legitimate) traffic and of the illicit series, in percent. A few
/// sources dominate both; China above all (field reports: NPS ordered on
/// foreign websites, most of them shipped from China).
pub const ORIGINS: &[(&Country, usize, usize)] = &[
    (&CN, 52, 48),
    (&TR, 9, 4),
    (&RU, 9, 8),
    (&KR, 6, 0),
    (&DE, 5, 4),
    (&US, 4, 2),
    (&IN, 4, 14),
    (&AE, 3, 3),
    (&GB, 2, 2),
    (&NL, 2, 8),
    (&PL, 2, 5),
    (&HK, 2, 2),
];

/// A way a parcel travels: letter post (a small packet up to 2 kg, with a
/// CN22 up to 300 SDR), EMS, parcel post, or an express courier with its
/// own waybill and documents. (The express couriers have not served
/// Russia since 2022.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    SmallPacket,
    Ems,
    ParcelPost,
    Courier(Courier),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Courier {
    Ups,
    Dhl,
    FedEx,
}

impl Courier {
    pub fn name(self) -> &'static str {
        match self {
            Courier::Ups => "UPS",
            Courier::Dhl => "DHL Express",
            Courier::FedEx => "FedEx",
        }
    }
    pub fn service(self) -> &'static str {
        match self {
            Courier::Ups => "UPS Worldwide Express",
            Courier::Dhl => "DHL Express Worldwide",
            Courier::FedEx => "FedEx International Priority",
        }
    }
    /// The courier's European or Gulf hub a parcel from `origin` passes
    /// through, if any.
    pub fn hub(self, origin: &str) -> Option<&'static str> {
        match (self, origin) {
            (_, "AE") => None,
            (Courier::Dhl, "CN" | "HK" | "IN" | "KR") => Some("AE"),
            (Courier::Dhl, _) if origin != "DE" => Some("DE"),
            // UPS through Cologne, DHL through Leipzig.
            (Courier::Ups, _) if origin != "DE" => Some("DE"),
            (Courier::FedEx, "FR") => None,
            (Courier::FedEx, _) => Some("FR"),
            _ => None,
        }
    }
}

/// The biggest letter-post item: above it a parcel goes by parcel post or
/// EMS.
pub const SMALL_PACKET_MAX_G: f64 = 2000.0;
/// Above this value (US dollars, about 300 SDR) a postal item needs a CN23.
pub const CN22_MAX_USD: f64 = 400.0;

/// Draws from a table by weight.
pub fn weighted<'a, T>(rng: &mut Rng, items: &'a [T], weight: impl Fn(&T) -> usize) -> &'a T {
    let total: usize = items.iter().map(&weight).sum();
    let mut r = rng.below(total.max(1));
    for it in items {
        let w = weight(it);
        if r < w {
            return it;
        }
        r -= w;
    }
    &items[items.len() - 1]
}

pub fn destination(rng: &mut Rng) -> &'static Destination {
    weighted(rng, DESTINATIONS, |d| d.share)
}

/// An origin of background traffic, or of an illicit series.
pub fn origin(rng: &mut Rng, illicit: bool) -> &'static Country {
    weighted(rng, ORIGINS, |o| if illicit { o.2 } else { o.1 }).0
}

/// Syllables of generated surnames: millions of combinations, so that two
/// unrelated people share a full name about as rarely as real people do,
/// while the planted series share theirs.
const SYLLABLES: &[&str] = &[
    "ka", "ri", "mo", "na", "ta", "be", "so", "lu", "da", "ve", "zu", "ni", "ra", "ko", "mi", "sa",
    "to", "ba", "le", "gu", "dy", "ar", "el", "om", "us", "in", "ak", "er", "ish", "tem", "jan",
    "bol", "sul", "gar", "dim", "pol", "rus", "kem", "tur", "zan", "khan", "mur", "sey", "tol",
    "nur", "as", "kar", "ruz", "bek", "zhan", "sab", "dal", "fer", "hal", "mak", "sen", "tash",
    "yus", "qul", "vor",
];

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A surname of `country`'s shape for a man or a woman.
pub fn surname(rng: &mut Rng, country: &Country, female: bool) -> String {
    let endings = if female {
        country.endings.1
    } else {
        country.endings.0
    };
    // Three syllables and an ending: 216,000 stems, so that two strangers
    // share a full name about once in millions of pairs.
    let n = 3;
    let mut s: String = (0..n).map(|_| *rng.pick(SYLLABLES)).collect();
    let ending = rng.one_of(endings);
    // Sabsulto + ov: Sabsultov.
    if s.chars().last().is_some_and(|c| ending.starts_with(c)) {
        s.pop();
    }
    s.push_str(ending);
    capitalise(&s)
}

/// A person of `country`: given name and surname, the gender agreeing.
pub fn person(rng: &mut Rng, country: &Country) -> String {
    let (given, surname) = person_parts(rng, country);
    format!("{given} {surname}")
}

/// A given name and surname apart, for series whose labels vary the name.
pub fn person_parts(rng: &mut Rng, country: &Country) -> (String, String) {
    let i = rng.below(country.given.len());
    let female = i >= country.female_from;
    (country.given[i].to_string(), surname(rng, country, female))
}

/// A company's name in `country`: a shop or trader for ordinary goods;
/// for contraband (`chemical`) the chemical and biotech fronts NPS
/// shippers pose as.
pub fn company(rng: &mut Rng, country: &Country, chemical: bool) -> String {
    let stem = capitalise(&format!(
        "{}{}{}",
        rng.pick(SYLLABLES),
        rng.pick(SYLLABLES),
        rng.pick(SYLLABLES)
    ));
    let kind = if chemical {
        rng.one_of(&[
            "Chemicals",
            "Biotech",
            "Lab Supplies",
            "Pharma Trade",
            "New Material",
        ])
    } else {
        rng.one_of(&["Trading", "Import Export", "Commerce", "Online Store"])
    };
    match country.code {
        "CN" => format!(
            "{} {stem} {kind} Co., Ltd",
            rng.one_of(&[
                "Shenzhen",
                "Guangzhou",
                "Yiwu",
                "Wuhan",
                "Shanghai",
                "Hebei"
            ])
        ),
        "IN" => format!("{stem} {kind} Pvt Ltd"),
        "DE" => format!("{stem} {kind} GmbH"),
        "NL" => format!("{stem} {kind} B.V."),
        "PL" => format!("{stem} {kind} Sp. z o.o."),
        "GB" | "HK" => format!("{stem} {kind} Ltd"),
        "AE" => format!("{stem} {kind} LLC"),
        "TR" => format!("{stem} {kind} Ltd Sti"),
        "RU" => format!("OOO {stem} {kind}"),
        "US" => format!("{stem} {kind} Inc"),
        _ => format!("{stem} {kind} Co"),
    }
}

/// An address in the city `city` of `dest`.
pub fn address(rng: &mut Rng, dest: &Destination, city: &str) -> String {
    format!(
        "{city}, {} {}, apt {}",
        rng.pick(dest.streets),
        1 + rng.below(250),
        1 + rng.below(180)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every generated number is a valid number of its country's plan.
    #[test]
    fn phone_numbers_are_valid_in_their_country() {
        let mut rng = Rng::new(1);
        let all = ORIGINS
            .iter()
            .map(|o| o.0)
            .chain(DESTINATIONS.iter().map(|d| d.country));
        let mut bad = Vec::new();
        for c in all {
            let id: phonenumber::country::Id = c.code.parse().unwrap();
            for _ in 0..400 {
                let n = c.phone.number(&mut rng);
                let parsed = crate::domain::contact::parse_number(Some(id), &n).unwrap();
                if !crate::domain::contact::is_plan_number(&parsed)
                    || parsed.country().id() != Some(id)
                {
                    bad.push(format!("{} {n}", c.code));
                }
            }
        }
        assert!(
            bad.is_empty(),
            "{} invalid: {:?}",
            bad.len(),
            &bad[..bad.len().min(40)]
        );
    }

    #[test]
    fn no_origin_is_a_destination() {
        for o in ORIGINS {
            assert!(
                !DESTINATIONS.iter().any(|d| d.country.code == o.0.code),
                "{}",
                o.0.code
            );
        }
    }
}
