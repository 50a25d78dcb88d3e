//! Seizure tables from spreadsheets: CSV import with column mapping.
