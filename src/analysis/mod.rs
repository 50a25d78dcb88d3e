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

/// A date given as `YYYY-MM-DD`, checked.
pub fn parse_date(what: &'static str, s: &str) -> Result<jiff::civil::Date> {
    s.trim()
        .parse()
        .map_err(|e| Error::input(what, format!("{s:?} is not a date YYYY-MM-DD ({e})")))
}
