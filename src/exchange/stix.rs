//! A case as a STIX 2.1 bundle.
