//! What can be counted: the dimensions of each kind of item, as the SQL
//! that yields their values. A dimension is a stored field (any field of
//! the kind), a value derived from fields (the month of seizure, the route
//! `CN>KZ`) or a value reached through other tables (the substances found
//! in a parcel, the kinds of identifier it carries), which may give an
//! item several values at once.
//!
//! The SQL here is built only from the names in this file and the kinds'
//! field lists, never from what a user typed: values are always bound.

use crate::domain::{Case, ItemKind, Link, Parcel, Record, Substance};

/// How a dimension's values are reached from the item row `t`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// One value per item: an SQL expression over `t`.
    Expr(String),
    /// Any number of values per item: joins from `t` and the expression of
    /// the value over them. An item is counted once per distinct value.
    /// `drive`, when given, is the same join written from the other table
    /// first (`findings f CROSS JOIN parcels t ...`): counting over every
    /// item, reading the smaller table in its own order beats reaching it
    /// from the items (a trend of three years: 1.1 s against 0.4 s at 1M).
    Many {
        join: String,
        value: String,
        drive: Option<String>,
    },
    /// Named yes/no conditions over `t`, each a value an item has when it
    /// holds (the kinds of identifier a parcel carries): counted in one
    /// pass over the items.
    Flags(Vec<(String, String)>),
}

impl Source {
    /// The `FROM` clause that reaches a dimension's values from the items
    /// of `table` (aliased `t`).
    pub fn from(&self, table: &str) -> String {
        match self {
            Source::Many { drive: Some(d), .. } => d.replace("{table}", table),
            Source::Many { join, .. } => format!("{table} t {join}"),
            _ => format!("{table} t"),
        }
    }

    /// The condition under which an item of a `Flags` source has none of
    /// its values.
    pub fn no_flag(flags: &[(String, String)]) -> String {
        let any: Vec<String> = flags.iter().map(|(_, c)| format!("({c})")).collect();
        format!("NOT ({})", any.join(" OR "))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dim {
    /// What the command line and JSON call it (`carrier`, `month`).
    pub name: String,
    /// What a person reads (`Carrier`, `Month of seizure`).
    pub label: String,
    pub kind: ItemKind,
    pub source: Source,
}

impl Dim {
    fn expr(kind: ItemKind, name: &str, label: &str, sql: &str) -> Dim {
        Dim {
            name: name.into(),
            label: label.into(),
            kind,
            source: Source::Expr(sql.into()),
        }
    }
    fn many(kind: ItemKind, name: &str, label: &str, join: &str, value: &str) -> Dim {
        let drive = match join {
            FOUND => Some(FOUND_FIRST),
            FINDINGS => Some(FINDINGS_FIRST),
            _ => None,
        };
        Dim {
            name: name.into(),
            label: label.into(),
            kind,
            source: Source::Many {
                join: join.into(),
                value: value.into(),
                drive: drive.map(String::from),
            },
        }
    }

    /// Whether an item may have several values (shares then add up to more
    /// than 100 %).
    pub fn is_many(&self) -> bool {
        matches!(self.source, Source::Many { .. } | Source::Flags(_))
    }

    /// The value as SQL compares it, for a value as shown or typed: an
    /// identifier's key ([`KEYED`]: `87015550142` as `+77015550142` when
    /// it can be read without its country), a stored field's value as the
    /// field stores what is typed (`cn` as `CN`, `Seized` as `seized`),
    /// anything else as it is.
    pub fn encode(&self, shown: &str) -> rusqlite::types::Value {
        use rusqlite::types::Value;
        if let Some((_, ident, _)) = keyed(self.kind, &self.name) {
            let key = crate::store::sqlfn::ident_key(ident, shown, None);
            return Value::Text(key.unwrap_or_else(|| shown.to_string()));
        }
        // A value of a finding or a substance counted on parcels is read
        // as that field reads what is typed (`form=Powder` is `powder`;
        // it matched nothing until 2026-12-07).
        let (kind, field) = match (self.kind, self.name.as_str()) {
            (ItemKind::Parcel, "form") => (ItemKind::Finding, "form"),
            (ItemKind::Parcel, f @ ("group" | "subclass" | "effect")) => (ItemKind::Substance, f),
            (k, f) => (k, f),
        };
        let spec = crate::domain::fields_of(kind)
            .iter()
            .find(|f| f.name == field);
        match spec.map(|f| f.parse(shown).map(|p| p.value)) {
            Some(Ok(serde_json::Value::String(v))) => Value::Text(v),
            Some(Ok(serde_json::Value::Number(n))) => match n.as_i64() {
                Some(i) => Value::Integer(i),
                None => Value::Real(n.as_f64().unwrap_or_default()),
            },
            _ => Value::Text(shown.to_string()),
        }
    }

    /// A value typed for the dimension (`--where FIELD=VALUE`), as its
    /// values are written, or why no item can have it: a week given by
    /// any of its days is its Monday, a route's countries are codes, a
    /// status or form is one the field takes. A value no item can hold
    /// counted a silent 0 (`week=2025-01-01`, `route=cn>kz`,
    /// `status=seizd`, `seized_on=2024-02-30`).
    pub fn normalise(&self, shown: &str) -> Result<String, String> {
        let v = shown.trim();
        if keyed(self.kind, &self.name).is_some() {
            return Ok(v.to_string());
        }
        let date = |t: &str| {
            t.parse::<jiff::civil::Date>()
                .map_err(|_| format!("{t:?} is not a date YYYY-MM-DD"))
        };
        match self.name.as_str() {
            "year" if date_expr(self.kind).is_some() => {
                return match v.parse::<u16>() {
                    Ok(y) if v.len() == 4 && y > 0 => Ok(v.to_string()),
                    _ => Err(format!("{v:?} is not a year (2026)")),
                };
            }
            "quarter" if date_expr(self.kind).is_some() => {
                let up = v.to_ascii_uppercase();
                let ok = up.len() == 7
                    && up[..4].bytes().all(|b| b.is_ascii_digit())
                    && &up[4..6] == "-Q"
                    && matches!(&up[6..], "1" | "2" | "3" | "4");
                return if ok {
                    Ok(up)
                } else {
                    Err(format!("{v:?} is not a quarter (2026-Q3)"))
                };
            }
            "month" if date_expr(self.kind).is_some() => {
                return date(&format!("{v}-01"))
                    .map(|_| v.to_string())
                    .map_err(|_| format!("{v:?} is not a month (2026-03)"));
            }
            "week" if date_expr(self.kind).is_some() => {
                // Any day of the week: its Monday, as the weeks are named.
                let d = date(v)?;
                let back = i64::from(d.weekday().to_monday_zero_offset());
                return d
                    .checked_sub(jiff::Span::new().days(back))
                    .map(|m| m.to_string())
                    .map_err(|e| e.to_string());
            }
            "route" | "path" if self.kind == ItemKind::Parcel => {
                let parts: Result<Vec<String>, String> = v
                    .split('>')
                    .map(|c| match c.trim() {
                        "?" => Ok("?".to_string()),
                        c => crate::domain::country::parse(c),
                    })
                    .collect();
                let parts = parts?;
                if self.name == "route" && parts.len() != 2 {
                    return Err(format!(
                        "{v:?} is not a route: its origin and destination, as CN>KZ (? for none)"
                    ));
                }
                return Ok(parts.join(">"));
            }
            _ => {}
        }
        if let Source::Flags(flags) = &self.source {
            let l = v.to_ascii_lowercase();
            return match flags.iter().find(|(k, _)| *k == l) {
                Some((k, _)) => Ok(k.clone()),
                None => Err(format!(
                    "{v:?} is not one of: {}",
                    flags
                        .iter()
                        .map(|(k, _)| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
        }
        if self.name == "controlled" && self.kind == ItemKind::Substance {
            return match v.to_ascii_lowercase().as_str() {
                l @ ("yes" | "no") => Ok(l.to_string()),
                _ => Err(format!("{v:?} is not yes or no")),
            };
        }
        // A stored field: what it takes, as it stores it.
        let (kind, field) = match (self.kind, self.name.as_str()) {
            (ItemKind::Parcel, "form") => (ItemKind::Finding, "form"),
            (ItemKind::Parcel, f @ ("group" | "subclass" | "effect")) => (ItemKind::Substance, f),
            (k, f) => (k, f),
        };
        match crate::domain::fields_of(kind)
            .iter()
            .find(|f| f.name == field)
            .map(|f| f.parse(v))
        {
            Some(Ok(p)) => Ok(match p.value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => v.to_string(),
                other => other.to_string(),
            }),
            Some(Err(e)) => Err(e.message),
            None => Ok(v.to_string()),
        }
    }

    /// The condition that the dimension (as SQL, `e`) holds `shown`, and
    /// its parameters. A phone number written the national way
    /// (`87015550142`) is the number it is in any country the notebook's
    /// rows read theirs in (the destinations, for a recipient's): it
    /// counted a silent 0, though a parcel held it as written.
    pub fn equals(&self, e: &str, shown: &str) -> (String, Vec<rusqlite::types::Value>) {
        use rusqlite::types::Value;
        let international = {
            let t = shown.trim_start();
            t.starts_with('+') || t.starts_with("00")
        };
        if let Some((_, ident, Some(country))) = keyed(self.kind, &self.name)
            && !international
        {
            let v = Value::Text(shown.to_string());
            let table = self.kind.table();
            return (
                format!(
                    "{e} IN (SELECT ident_key('{ident}', ?, c) FROM \
                     (SELECT DISTINCT \"{country}\" AS c FROM {table}) UNION ALL SELECT ?)"
                ),
                vec![v.clone(), v],
            );
        }
        (format!("{e} = ?"), vec![self.encode(shown)])
    }

    /// The value as shown, for a value as SQL returns it (`None`: empty).
    pub fn decode(&self, v: rusqlite::types::ValueRef<'_>) -> Option<String> {
        use rusqlite::types::ValueRef;
        let s = match v {
            ValueRef::Null => return None,
            ValueRef::Integer(i) => i.to_string(),
            ValueRef::Real(f) => f.to_string(),
            ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
            ValueRef::Blob(_) => return None,
        };
        (!s.is_empty()).then_some(s)
    }
}

/// The date a kind of item is placed in time by, as SQL over `t`: a
/// parcel's seizure, a case's opening, a link's making. Substances have
/// none of their own (they are placed by their findings' parcels).
pub fn date_expr(kind: ItemKind) -> Option<&'static str> {
    match kind {
        ItemKind::Parcel => Some("t.seized_on"),
        ItemKind::Case => Some("t.opened_on"),
        // (Its timestamp as `store::stamp` keeps it: milliseconds, or text.)
        ItemKind::Link => Some(
            "CASE typeof(t.created_at) WHEN 'integer' \
             THEN date(t.created_at / 1000.0, 'unixepoch') ELSE substr(t.created_at, 1, 10) END",
        ),
        _ => None,
    }
}

const FINDINGS: &str = "JOIN findings f ON f.parcel_id = t.id";
const FOUND: &str =
    "JOIN findings f ON f.parcel_id = t.id JOIN substances s ON s.id = f.substance_id";
const FINDINGS_FIRST: &str = "findings f CROSS JOIN {table} t ON t.id = f.parcel_id";
const FOUND_FIRST: &str = "findings f CROSS JOIN {table} t ON t.id = f.parcel_id \
     CROSS JOIN substances s ON s.id = f.substance_id";

/// A substance under a UN schedule (1961, 1971) or table (1988), as SQL
/// over the substances' alias `s`: what "controlled" means in the counts.
pub fn controlled(s: &str) -> String {
    format!(
        "({s}.schedule_1961 IS NOT NULL OR {s}.schedule_1971 IS NOT NULL OR {s}.table_1988 IS NOT NULL)"
    )
}

/// How many items each condition holds for, as SQL aggregates (one per
/// condition, in order).
pub fn counts_where<'a>(conditions: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    conditions
        .into_iter()
        .map(|c| format!("coalesce(sum(CASE WHEN {c} THEN 1 ELSE 0 END), 0)"))
        .collect()
}

/// A field given (neither NULL nor empty), as SQL over `t`.
fn filled(columns: &[&str]) -> String {
    columns
        .iter()
        .map(|c| format!("coalesce(t.{c}, '') <> ''"))
        .collect::<Vec<_>>()
        .join(" OR ")
}

fn derived(kind: ItemKind) -> Vec<Dim> {
    let mut v = Vec::new();
    if let Some(d) = date_expr(kind) {
        let when = match kind {
            ItemKind::Parcel => "seizure",
            ItemKind::Case => "opening",
            _ => "making",
        };
        v.push(Dim::expr(
            kind,
            "year",
            &format!("Year of {when}"),
            &format!("substr({d}, 1, 4)"),
        ));
        v.push(Dim::expr(
            kind,
            "quarter",
            &format!("Quarter of {when}"),
            &format!("substr({d}, 1, 4) || '-Q' || ((CAST(substr({d}, 6, 2) AS INTEGER) + 2) / 3)"),
        ));
        v.push(Dim::expr(
            kind,
            "month",
            &format!("Month of {when}"),
            &format!("substr({d}, 1, 7)"),
        ));
        v.push(Dim::expr(
            kind,
            "week",
            &format!("Week of {when} (its Monday)"),
            &format!("date({d}, 'weekday 0', '-6 days')"),
        ));
    }
    match kind {
        ItemKind::Parcel => {
            v.push(Dim::expr(
                kind,
                "route",
                "Route (origin>destination)",
                "coalesce(t.origin, '?') || '>' || coalesce(t.destination, '?')",
            ));
            v.push(Dim::expr(
                kind,
                "path",
                "Path (origin>transit>destination)",
                // (Each transit country a step: `CN>AE>KZ>UZ`, as typed back
                // to `--where`; `CN>AE,KZ>UZ` was refused there.)
                "coalesce(t.origin, '?') || '>' || coalesce(replace(replace(nullif(t.transit, ''), ' ', ''), ',', '>') || '>', '') || coalesce(t.destination, '?')",
            ));
            v.push(Dim::many(
                kind,
                "substance",
                "Substance found",
                FOUND,
                "s.name",
            ));
            v.push(Dim::many(
                kind,
                "group",
                "Substance group found",
                FOUND,
                "s.\"group\"",
            ));
            v.push(Dim::many(
                kind,
                "subclass",
                "Substance sub-class found",
                FOUND,
                "s.subclass",
            ));
            v.push(Dim::many(
                kind,
                "effect",
                "Effect group found",
                FOUND,
                "s.effect",
            ));
            v.push(Dim::many(kind, "form", "Form found", FINDINGS, "f.form"));
            // The kinds of identifier a parcel carries: the fields each
            // kind of the identifier index is taken from, given.
            let flags = [
                ("tracking", filled(&["tracking"])),
                ("phone", filled(&["sender_phone", "recipient_phone"])),
                ("email", filled(&["sender_email", "recipient_email"])),
                ("address", filled(&["sender_address", "recipient_address"])),
                ("name", filled(&["sender_name", "recipient_name"])),
                ("content", filled(&["declared_contents"])),
            ];
            v.push(Dim {
                name: "identifier".into(),
                label: "Identifier kinds carried".into(),
                kind,
                source: Source::Flags(flags.into_iter().map(|(k, c)| (k.to_string(), c)).collect()),
            });
        }
        ItemKind::Substance => {
            v.push(Dim::expr(
                kind,
                "controlled",
                "Under a UN schedule",
                &format!("CASE WHEN {} THEN 'yes' ELSE 'no' END", controlled("t")),
            ));
        }
        _ => {}
    }
    v
}

fn fields(kind: ItemKind) -> Vec<(&'static str, &'static str)> {
    let specs = match kind {
        ItemKind::Case => Case::FIELDS,
        ItemKind::Parcel => Parcel::FIELDS,
        ItemKind::Substance => Substance::FIELDS,
        ItemKind::Link => Link::FIELDS,
        _ => &[],
    };
    let mut v: Vec<_> = specs.iter().map(|f| (f.name, f.label)).collect();
    match kind {
        ItemKind::Parcel => v.insert(1, ("tracking_kind", "Tracking number kind")),
        ItemKind::Link => {
            v.insert(0, ("to_kind", "Kind linked to"));
            v.insert(0, ("from_kind", "Kind linked from"));
        }
        _ => {}
    }
    v.push(("created_by", "Written by"));
    v
}

/// The fields whose values are identifiers, counted by the key that
/// cross-referencing gives them (one phone written three ways is one
/// value, as it is one in `xref`): (field, identifier kind, the column of
/// the country a national phone number is read in).
const KEYED: &[(&str, &str, Option<&str>)] = &[
    ("sender_phone", "phone", Some("origin")),
    ("recipient_phone", "phone", Some("destination")),
    ("sender_email", "email", None),
    ("recipient_email", "email", None),
    ("sender_address", "address", None),
    ("recipient_address", "address", None),
    ("sender_name", "name", None),
    ("recipient_name", "name", None),
    ("declared_contents", "content", None),
];

fn keyed(kind: ItemKind, name: &str) -> Option<(&'static str, &'static str, Option<&'static str>)> {
    (kind == ItemKind::Parcel)
        .then(|| KEYED.iter().find(|(f, _, _)| *f == name).copied())
        .flatten()
}

/// Every dimension of a kind: its stored fields (the column picker's
/// order: the kind's form order), then the derived ones.
pub fn all(kind: ItemKind) -> Vec<Dim> {
    let mut v: Vec<Dim> = fields(kind)
        .into_iter()
        .map(|(name, label)| {
            // (A writer's name read through `writers`; an identifier by
            // its key, or as written when it gives none; any other column
            // as stored.)
            let read = crate::store::records::read_column("t", name);
            let sql = if let Some((field, ident, country)) = keyed(kind, name) {
                let country = country.map_or("NULL".to_string(), |c| format!("t.\"{c}\""));
                format!(
                    "coalesce(ident_key('{ident}', t.\"{field}\", {country}), nullif(t.\"{field}\", ''))"
                )
            } else if read.starts_with('"') {
                format!("t.{read}")
            } else {
                read
            };
            // A parcel's transit countries each counted, and each found
            // by `--where` (`AE,KZ` was one value: `transit=AE` counted
            // a silent 0 of parcels that went through AE).
            if (kind, name) == (ItemKind::Parcel, "transit") {
                return Dim::many(kind, name, label, TRANSITS, "nullif(tr.value, '')");
            }
            Dim::expr(kind, name, label, &sql)
        })
        .collect();
    v.extend(derived(kind));
    v
}

/// A parcel's transit countries, one row each (stored `AE,KZ`).
const TRANSITS: &str = "JOIN json_each('[\"' || replace(replace(coalesce(t.transit, ''), ' ', ''), ',', '\",\"') || '\"]') tr";

/// The dimension of a kind called `name`, or a message listing them.
pub fn find(kind: ItemKind, name: &str) -> Result<Dim, String> {
    let all = all(kind);
    let wanted = name.trim().to_ascii_lowercase().replace('-', "_");
    if let Some(d) = all.iter().find(|d| d.name == wanted) {
        return Ok(d.clone());
    }
    let names: Vec<&str> = all.iter().map(|d| d.name.as_str()).collect();
    Err(format!(
        "{name:?} is not a field of a {kind}; one of: {}",
        names.join(", ")
    ))
}

/// Whether values of the dimension are read through an index of their own
/// (a count over them does not read the records).
pub fn indexed(d: &Dim) -> bool {
    matches!(
        (d.kind, d.name.as_str()),
        (ItemKind::Parcel, "status" | "tracking")
            | (ItemKind::Case, "status")
            | (ItemKind::Substance, "name" | "cas")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::keys;

    #[test]
    fn every_kind_has_its_fields_and_derived_values() {
        let p = all(ItemKind::Parcel);
        for name in [
            "carrier",
            "concealment",
            "month",
            "route",
            "group",
            "identifier",
        ] {
            assert!(p.iter().any(|d| d.name == name), "{name}");
        }
        assert!(find(ItemKind::Parcel, "Seized-On").is_ok());
        let e = find(ItemKind::Parcel, "nonsense").unwrap_err();
        assert!(e.contains("carrier") && e.contains("route"), "{e}");
        assert!(find(ItemKind::Case, "status").is_ok());
        assert!(find(ItemKind::Substance, "controlled").is_ok());
        assert!(find(ItemKind::Link, "link_type").is_ok());
        assert!(find(ItemKind::Case, "route").is_err());
    }

    #[test]
    fn identifier_kinds_are_the_kinds_of_the_index() {
        let Source::Flags(flags) = find(ItemKind::Parcel, "identifier").unwrap().source else {
            panic!("not flags")
        };
        for (name, _) in &flags {
            assert!(keys::ident_named(name).is_some(), "{name}");
        }
    }
}
