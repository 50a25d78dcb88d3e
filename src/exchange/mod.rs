//! Data in and out of the notebook: the synthetic demo dataset, CSV import,
//! database-file export and merge, and partners' formats (CSV, JSON, STIX
//! 2.1, incident summaries).

pub mod anx;
pub mod chart;
pub mod conflicts;
pub mod csv_import;
pub mod demo;
pub mod dot;
pub mod export;
pub mod handling;
pub mod incident;
pub mod keyring;
pub mod manifest;
pub mod merge;
pub mod misp;
pub mod received;
pub mod seal;
pub mod signing;
pub mod stix;
pub mod strict_json;
pub mod summary;
pub mod targeting;
