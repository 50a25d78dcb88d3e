//! What every record carries besides its own fields.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Identity and provenance of a record. Ids are UUIDv7, so records written
/// in different database files never collide when the files are merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub id: Uuid,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
    /// Id of the database the record was first written in.
    pub origin_db: Uuid,
}

impl Meta {
    /// A placeholder the store fills in when the record is first written.
    pub fn unsaved() -> Meta {
        Meta {
            id: Uuid::nil(),
            created_at: String::new(),
            created_by: String::new(),
            updated_at: String::new(),
            updated_by: String::new(),
            origin_db: Uuid::nil(),
        }
    }

    pub const COLUMNS: [&'static str; 6] = [
        "id",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
        "origin_db",
    ];
}

/// The current time as stored: RFC 3339, UTC, milliseconds.
pub fn now() -> String {
    format_timestamp(jiff::Timestamp::now())
}

pub fn format_timestamp(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamp_format() {
        let t: jiff::Timestamp = "2026-11-29T05:13:36.5Z".parse().unwrap();
        assert_eq!(super::format_timestamp(t), "2026-11-29T05:13:36.500Z");
    }
}
