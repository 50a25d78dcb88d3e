//! Functions of this program that SQL over a notebook may call, put on
//! every connection the store opens.
//!
//! `ident_key(kind, text, country)`: the value cross-referencing keys
//! `text` by, as an identifier of `kind` (`phone`, `email`, `address`,
//! `name`, `content`, `tracking`; `country` the hint a national phone
//! number is read in), or NULL when it gives none. Counts group by it,
//! so that `+7 701 555 01 42` and `87015550142` sent to Kazakhstan are one
//! phone, as they are one in `xref`.

use crate::domain::identifiers as ids;
use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;

/// The key of `raw` as an identifier of the kind named `kind`.
pub fn ident_key(kind: &str, raw: &str, country: Option<&str>) -> Option<String> {
    match kind {
        "phone" => ids::phone_key(raw, country),
        "email" => ids::email_key(raw),
        "address" => ids::address_key(raw),
        "name" => ids::name_key(raw),
        "content" => ids::content_key(raw),
        "tracking" => ids::tracking_key(raw),
        _ => None,
    }
}

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "ident_key",
        3,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let kind: String = ctx.get(0)?;
            let raw: Option<String> = ctx.get(1)?;
            let country: Option<String> = ctx.get(2)?;
            Ok(raw.and_then(|r| ident_key(&kind, &r, country.as_deref())))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_keys_text_as_cross_referencing_does() {
        let c = Connection::open_in_memory().unwrap();
        register(&c).unwrap();
        let key = |kind: &str, raw: Option<&str>, country: Option<&str>| -> Option<String> {
            c.query_row("SELECT ident_key(?1, ?2, ?3)", (kind, raw, country), |r| {
                r.get(0)
            })
            .unwrap()
        };
        for raw in ["+7 701 555 01 42", "87015550142", "7015550142"] {
            assert_eq!(
                key("phone", Some(raw), Some("KZ")).as_deref(),
                Some("+77015550142"),
                "{raw}"
            );
        }
        assert_eq!(
            key("content", Some("Tea  Sample"), None),
            key("content", Some("tea sample"), None)
        );
        assert_eq!(key("phone", None, Some("KZ")), None);
        assert_eq!(key("phone", Some("n/a"), None), None);
        assert_eq!(key("nonsense", Some("x"), None), None);
    }
}
