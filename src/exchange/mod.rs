//! Data in and out of the notebook: the synthetic demo dataset (and, to
//! come, CSV, JSON, STIX and database-file exchange).

pub mod demo;
