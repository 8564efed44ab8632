//! Loading every object of some paths into memory, for commands that analyse an inventory
//! (`rbac`, `netpol`). `scan` streams instead.

use std::path::PathBuf;

use rampart_model::{InputError, Resource};
use rayon::prelude::*;

/// Every object in `paths` (files, directories, `-`), in path order, and the input errors met.
#[allow(dead_code)] // until the rbac and netpol commands land
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
