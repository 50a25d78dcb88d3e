//! An audit entry's action and item kind as the file stores them (schema
//! 15): the common names as small numbers (one byte where `lab-result`
//! took ten), any other name as its text. The columns have no type
//! affinity, so SQLite keeps either as given. The numbers are fixed
//! forever (files made by any build read alike): a list only grows at its
//! end. Everything above the store, and every hash, sees the names.

use rusqlite::types::{Value as Sql, ValueRef};

/// The actions with a number: the name at position `i` is `i + 1`.
const ACTIONS: &[&str] = &[
    "create",
    "update",
    "delete",
    "merge",
    "import",
    "upgrade",
    "catalogue",
    "export",
    "restore-with",
    "resolve-incoming",
    "resolve-keep-local",
    "resolve-keep-over-deletion",
];

/// The action of the audit entry of a record merged field by field (each
/// side changed other fields since the version both had): like a
/// settlement, it supersedes both sides' versions as they stood, so a
/// third post that holds the partner's version takes the merged one
/// without a conflict. (Until 2026-12-07 it was written as a plain
/// "merge", which took in neither version: a post holding the partner's
/// side met the merged record as a conflict of the field it had not
/// changed.)
pub const MERGED_FIELDS: &str = "merge-fields";

/// The item kinds with a number, as [`ACTIONS`].
const KINDS: &[&str] = &[
    "case",
    "parcel",
    "substance",
    "finding",
    "link",
    "note",
    "person",
    "organisation",
    "inspection",
    "exhibit",
    "custody",
    "lab-result",
    "delivery",
    "document",
    "merge",
    "import",
    "notebook",
    "warnlist",
    "watchlist",
    "profile",
    "match",
];

/// Which of the two an audit column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Name {
    Action,
    Kind,
}

impl Name {
    fn list(self) -> &'static [&'static str] {
        match self {
            Name::Action => ACTIONS,
            Name::Kind => KINDS,
        }
    }

    /// The number of a name, when it has one.
    pub fn code(self, name: &str) -> Option<i64> {
        self.list()
            .iter()
            .position(|n| *n == name)
            .map(|i| i as i64 + 1)
    }

    /// The value to store for a name.
    pub fn encode(self, name: &str) -> Sql {
        match self.code(name) {
            Some(c) => Sql::Integer(c),
            None => Sql::Text(name.to_string()),
        }
    }

    /// The name a stored value stands for. A number no name has reads as
    /// its digits (a hash over the entry then shows it changed).
    pub fn decode(self, v: ValueRef<'_>) -> String {
        match v {
            ValueRef::Integer(c) => usize::try_from(c - 1)
                .ok()
                .and_then(|i| self.list().get(i))
                .map_or_else(|| c.to_string(), |n| (*n).to_string()),
            ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
            ValueRef::Real(f) => f.to_string(),
            ValueRef::Null => String::new(),
        }
    }

    /// Column `i` of a row, as a name.
    pub fn get(self, row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<String> {
        Ok(self.decode(row.get_ref(i)?))
    }

    /// The SQL literal a stored name is compared with: its number, or the
    /// quoted text of a name without one.
    pub fn sql(self, name: &str) -> String {
        match self.code(name) {
            Some(c) => c.to_string(),
            None => format!("'{}'", name.replace('\'', "''")),
        }
    }

    /// The SQL expression that reads a column of names as the names (for
    /// someone reading the file with SQL alone).
    pub fn sql_decode(self, col: &str) -> String {
        self.sql_case(col, |code, name| format!(" WHEN {code} THEN '{name}'"))
    }

    /// The SQL expression that turns a column of names (text, before
    /// schema 15) into what is stored now.
    pub fn sql_encode(self, col: &str) -> String {
        self.sql_case(col, |code, name| format!(" WHEN '{name}' THEN {code}"))
    }

    /// `CASE col` with one arm per numbered name, the value itself else.
    fn sql_case(self, col: &str, arm: impl Fn(usize, &str) -> String) -> String {
        let arms: String = self
            .list()
            .iter()
            .enumerate()
            .map(|(i, n)| arm(i + 1, n))
            .collect();
        format!("CASE {col}{arms} ELSE {col} END")
    }
}

/// Every record kind's number, as an SQL list for `item_kind IN (...)`.
pub fn sql_record_kinds() -> String {
    crate::domain::ItemKind::ALL
        .iter()
        .map(|k| Name::Kind.sql(k.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ItemKind;

    #[test]
    fn every_record_kind_and_common_action_has_a_number_and_reads_back() {
        for k in ItemKind::ALL {
            let v = Name::Kind.encode(k.as_str());
            assert!(matches!(v, Sql::Integer(_)), "{k}");
            assert_eq!(Name::Kind.decode((&v).into()), k.as_str());
        }
        assert_eq!(Name::Action.code("create"), Some(1));
        assert_eq!(Name::Kind.code("lab-result"), Some(12));
        for (n, name) in [(Name::Action, "confirm-match"), (Name::Kind, "1")] {
            let v = n.encode(name);
            assert_eq!(v, Sql::Text(name.into()));
            assert_eq!(n.decode((&v).into()), name);
        }
        assert_eq!(Name::Kind.decode(ValueRef::Integer(999)), "999");
        assert_eq!(Name::Action.sql("it's"), "'it''s'");
    }

    #[test]
    fn the_upgrade_sql_stores_what_the_code_does() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        for n in [Name::Action, Name::Kind] {
            for name in n.list().iter().copied().chain(["other", "7"]) {
                let got: Sql = c
                    .query_row(&format!("SELECT {}", n.sql_encode("?1")), [name], |r| {
                        r.get(0)
                    })
                    .unwrap();
                assert_eq!(got, n.encode(name), "{name}");
                let back: String = c
                    .query_row(
                        &format!("SELECT {}", n.sql_decode(&n.sql_encode("?1"))),
                        [name],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert_eq!(back, name);
            }
        }
    }
}
