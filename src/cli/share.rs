//! Database files between teams: export, merge, conflicts, keys.

use super::args::{ConflictCmd, ExportArgs, KeysCmd, MergeArgs};
use super::commands::Ctx;
use crate::store::Store;
use anyhow::{Result, bail};
use std::io::Write;
use std::path::Path;

pub fn export(_ctx: &Ctx, _store: &Store, _args: &ExportArgs, _out: &mut impl Write) -> Result<()> {
    bail!("database export is not built yet")
}

pub fn merge(
    _ctx: &Ctx,
    _store: &mut Store,
    _args: &MergeArgs,
    _identity: Option<&Path>,
    _out: &mut impl Write,
) -> Result<()> {
    bail!("merge is not built yet")
}

pub fn conflicts(
    _ctx: &Ctx,
    _store: &mut Store,
    _cmd: Option<&ConflictCmd>,
    _out: &mut impl Write,
) -> Result<()> {
    bail!("conflicts are not built yet")
}

pub fn keys(_ctx: &Ctx, _cmd: &KeysCmd, _out: &mut impl Write) -> Result<()> {
    bail!("keys are not built yet")
}
