//! `interdict import csv`.

use super::args::ImportCsvArgs;
use super::commands::Ctx;
use crate::store::Store;
use anyhow::{Result, bail};
use std::io::Write;

pub fn csv(
    _ctx: &Ctx,
    _store: &mut Store,
    _args: &ImportCsvArgs,
    _out: &mut impl Write,
) -> Result<()> {
    bail!("CSV import is not built yet")
}
