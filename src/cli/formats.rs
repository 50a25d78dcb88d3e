//! Partners' formats: STIX 2.1 bundles and incident summaries.

use super::args::ExportArgs;
use crate::store::Store;
use anyhow::{Result, bail};
use std::io::Write;

pub fn stix(_store: &Store, _args: &ExportArgs, _out: &mut impl Write) -> Result<()> {
    bail!("STIX export is not built yet")
}

pub fn incident(
    _store: &Store,
    _parcel: &str,
    _args: &ExportArgs,
    _out: &mut impl Write,
) -> Result<()> {
    bail!("incident summaries are not built yet")
}
