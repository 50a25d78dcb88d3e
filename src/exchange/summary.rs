//! A parcel seizure as a plain-text incident summary.
