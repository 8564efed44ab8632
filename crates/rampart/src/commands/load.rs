//! Loading every object of some paths into memory, for commands that analyse an inventory
//! (`rbac`, `netpol`). `scan` streams instead.

use std::path::PathBuf;

use rampart_model::{InputError, Resource};
use rayon::prelude::*;

/// Every object in `paths` (files, directories, `-`), in path order, and the input errors met.
pub fn load_all(paths: &[PathBuf]) -> (Vec<Resource>, Vec<InputError>) {
    let (inputs, mut errors) = rampart_source::discover(paths);
    let parsed: Vec<_> = inputs
        .par_iter()
        .map(rampart_source::read_and_parse)
        .collect();
    let mut resources = Vec::new();
    for p in parsed {
        resources.extend(p.resources);
        errors.extend(p.errors);
    }
    (resources, errors)
}

/// Objects from `paths` and, when the cluster flags ask for it, from a live cluster or a snapshot
/// (whose partial coverage is reported on stderr). Without either, an error says what to give.
pub fn load_inputs(
    paths: &[PathBuf],
    cluster: &super::cluster::ClusterArgs,
) -> anyhow::Result<(Vec<Resource>, Vec<InputError>)> {
    if paths.is_empty() && !cluster.requested() {
        anyhow::bail!("nothing to read: give manifests (PATH..., or - for stdin), --cluster, or --snapshot FILE");
    }
    let (mut resources, errors) = if paths.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        load_all(paths)
    };
    if cluster.requested() {
        let loaded = super::cluster::load(cluster)?;
        super::cluster::warn_partial(&loaded.coverage);
        resources.extend(loaded.resources);
    }
    Ok((resources, errors))
}
