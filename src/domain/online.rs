//! Online identifiers: Telegram handles and links, web and .onion domains
//! (from URLs and bare names), as written in leads and on labels.

use regex::Regex;
use std::sync::LazyLock;

/// A Telegram username: 5 to 32 letters, digits and underscores,
/// beginning with a letter; case-insensitive (kept in lower case, `@`
/// first).
pub fn telegram(name: &str) -> Option<String> {
    let n = name.trim().trim_start_matches('@');
    let b = n.as_bytes();
    ((5..=32).contains(&b.len())
        && b[0].is_ascii_alphabetic()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        && !n.ends_with('_'))
    .then(|| format!("@{}", n.to_ascii_lowercase()))
}

/// Top-level domains a bare name (without `http://`) must end in to be
/// read as a domain in free text, so `e.g.`, `file.txt` and `ul.Abaya`
/// are not: the generic ones and those of the countries in this work.
const TLDS: &[&str] = &[
    "com",
    "net",
    "org",
    "info",
    "biz",
    "io",
    "me",
    "cc",
    "to",
    "ws",
    "su",
    "ru",
    "kz",
    "kg",
    "uz",
    "tj",
    "tm",
    "by",
    "ua",
    "az",
    "am",
    "ge",
    "md",
    "cn",
    "hk",
    "in",
    "nl",
    "de",
    "pl",
    "uk",
    "eu",
    "shop",
    "store",
    "online",
    "site",
    "top",
    "xyz",
    "club",
    "pro",
    "app",
    "market",
    "onion",
    "bz",
    "co",
    "sh",
    "ly",
    "li",
    "pw",
    "vip",
    "best",
    "fun",
    "live",
    "tech",
    "space",
    "website",
    // Written in their own letters (`мефедрон-шоп.рф`).
    "рф",
    "қаз",
    "бел",
    "укр",
    "срб",
    "мон",
    "онлайн",
    "сайт",
    "орг",
    "ком",
];

/// A domain name, lower case and without `www.`: labels of letters,
/// digits and hyphens (letters of any script: a name written in its own
/// letters is kept in them, `мефедрон-шоп.рф`); a v3 (56 characters) or
/// v2 (16) `.onion` name.
pub fn domain(raw: &str) -> Option<String> {
    let d = raw.trim().trim_end_matches('.').to_lowercase();
    let d = d.strip_prefix("www.").unwrap_or(&d).to_string();
    let labels: Vec<&str> = d.split('.').collect();
    if labels.len() < 2 || d.len() > 253 {
        return None;
    }
    let ok = labels.iter().all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    });
    let tld = labels[labels.len() - 1];
    if !ok || !TLDS.contains(&tld) {
        return None;
    }
    if tld == "onion" {
        let name = labels[labels.len() - 2];
        let base32 = name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b));
        if !(base32 && (name.len() == 56 || name.len() == 16)) {
            return None;
        }
    }
    Some(d)
}

static TG_LINK_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:https?://)?(?:t|telegram)\.me/(?:s/)?([A-Za-z][A-Za-z0-9_]{3,31})\b")
        .expect("valid regex")
});
static TG_HANDLE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^A-Za-z0-9_.@/])@([A-Za-z][A-Za-z0-9_]{3,31})\b").expect("valid regex")
});
static URL_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bhttps?://([\p{L}\p{N}.-]+)").expect("valid regex"));
static BARE_DOMAIN_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|[^\p{L}\p{N}_.@/-])((?:[\p{L}\p{N}-]+\.)+\p{L}{2,12})\b")
        .expect("valid regex")
});

/// The Telegram handles of a text: `@name` (not inside an e-mail address)
/// and `t.me/name` links.
pub fn handles_in(t: &str) -> Vec<String> {
    let mut out: Vec<String> = TG_LINK_RE
        .captures_iter(t)
        .chain(TG_HANDLE_RE.captures_iter(t))
        .filter_map(|c| telegram(&c[1]))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The domains of a text: of its URLs (except Telegram's own links, which
/// are handles) and bare names with a known top-level domain; not the
/// domains of e-mail addresses.
pub fn domains_in(t: &str) -> Vec<String> {
    let mut out: Vec<String> = URL_RE
        .captures_iter(t)
        .chain(BARE_DOMAIN_RE.captures_iter(t))
        // Not the part of an e-mail address before its `@`
        // (`ivan.online@mail.ru` names no site `ivan.online`).
        .filter(|c| !t[c.get(1).map_or(0, |m| m.end())..].starts_with('@'))
        .filter_map(|c| domain(&c[1]))
        .filter(|d| d != "t.me" && d != "telegram.me")
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegram_handles_and_links() {
        let t = "Ordered via @Mef_Shop_KZ bot, channel t.me/almaty_klad and https://t.me/s/NewsDrop; \
                 paid ivan@mail.ru; not a handle: @ab or @_x";
        assert_eq!(
            handles_in(t),
            vec!["@almaty_klad", "@mef_shop_kz", "@newsdrop"]
        );
        assert_eq!(telegram("@Sh0p_bot").as_deref(), Some("@sh0p_bot"));
        assert_eq!(telegram("@1shop"), None);
        assert_eq!(telegram("shop_"), None);
    }

    #[test]
    fn domains_from_urls_and_bare_names() {
        let t = "Shop at https://www.Chem-Store.ru/catalog?id=5, mirror chemstore.kz, \
                 hidden service http://expyuzz4wqqyqhjn.onion/ and \
                 duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion; \
                 mail to x@mail.ru, e.g. ul.Abaya 5, file.txt, t.me/shop_one";
        assert_eq!(
            domains_in(t),
            vec![
                "chem-store.ru",
                "chemstore.kz",
                "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion",
                "expyuzz4wqqyqhjn.onion",
            ]
        );
        assert_eq!(domain("bad.onion"), None);
        // An e-mail's local part is no site; a name in its own letters is.
        assert_eq!(
            domains_in(
                "answers at Seller.Shop@ProtonMail.com and ivan.online@mail.ru; \
                 site https://Мефедрон-Шоп.рф/каталог, mirror шоп2.рф"
            ),
            vec!["мефедрон-шоп.рф", "шоп2.рф"]
        );
        assert_eq!(domain("-x.com"), None);
    }
}
