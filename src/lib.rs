//! interdict: a terminal case-and-intelligence notebook for the officers and
//! analysts who interdict synthetic drugs smuggled through parcel streams.
//!
//! Layers, each importing only those before it:
//! `domain` (data and rules) -> `store` (SQLite) -> `xref` (cross-referencing)
//! and `analysis` (counts, trends, routes, timelines) and `evidence` (inspection, custody, lab results) -> `exchange` (import, export, demo data) -> `cli` (command line).

pub mod analysis;
pub mod cli;
pub mod domain;
pub mod evidence;
pub mod exchange;
pub mod store;
pub mod targeting;
pub mod tui;
pub mod xref;
