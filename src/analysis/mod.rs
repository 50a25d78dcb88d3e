//! Counting, grouping and dating what the notebook holds: frequency sheets
//! on any field, trends over time, the route matrix, emerging substances
//! and case timelines. Queries and aggregation only; the faces draw them.

pub mod dims;
pub mod emerging;
pub mod freq;
pub mod routes;
pub mod scope;
pub mod timeline;
pub mod trend;

pub use dims::Dim;
pub use scope::{Facet, Scope};

/// What can go wrong in a count, by what is at fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value the caller gave (a date, a period, a field name), named.
    #[error("{what}: {message}")]
    Input { what: &'static str, message: String },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

impl Error {
    pub fn input(what: &'static str, message: impl Into<String>) -> Error {
        Error::Input {
            what,
            message: message.into(),
        }
    }
    /// Whether the count was given up because a newer one superseded it.
    pub fn interrupted(&self) -> bool {
        matches!(
            self,
            Error::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::OperationInterrupted
        )
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// `part` of `whole` as a percentage to a tenth, rounded half up in whole
/// numbers (the command line and the interface said 16.2 % and 16.1 % of
/// 323 of 2,000, each rounding its own float); 0 of nothing is 0.0 %.
pub fn percent_of(part: u64, whole: u64) -> String {
    let (part, whole) = (u128::from(part), u128::from(whole));
    let tenths = if whole == 0 {
        0
    } else {
        (part * 2000 + whole) / (2 * whole)
    };
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// A date given as `YYYY-MM-DD`, checked.
pub fn parse_date(what: &'static str, s: &str) -> Result<jiff::civil::Date> {
    s.trim()
        .parse()
        .map_err(|e| Error::input(what, format!("{s:?} is not a date YYYY-MM-DD ({e})")))
}

#[cfg(test)]
mod percent_tests {
    #[test]
    fn a_share_is_rounded_half_up_in_whole_numbers() {
        assert_eq!(super::percent_of(323, 2000), "16.2%");
        assert_eq!(super::percent_of(1, 3), "33.3%");
        assert_eq!(super::percent_of(2, 3), "66.7%");
        assert_eq!(super::percent_of(0, 0), "0.0%");
        assert_eq!(super::percent_of(7, 7), "100.0%");
    }
}
