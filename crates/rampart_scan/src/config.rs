//! Finding and reading `.rampart.yaml`.

use std::path::{Path, PathBuf};

use rampart_checks::{Config, Registry};
use rampart_model::InputError;
use rampart_source::Input;

use crate::{ConfigSource, ScanError};

/// Reads the config the options name. Problems inside it are input errors with file:line (the
/// scan reports them and exits 2, still running with the defaults); an unreadable named file is
/// an error.
/// Check ids (waivers, selections, severities) are those of `registry`.
pub(crate) fn load(
    source: &ConfigSource,
    paths: &[PathBuf],
    registry: &Registry,
) -> Result<(Config, Vec<InputError>), ScanError> {
    let path = match source {
        ConfigSource::None => None,
        ConfigSource::File(p) => Some(p.clone()),
        ConfigSource::Discover => paths.first().and_then(|p| find_config(p)),
    };
    let Some(path) = path else {
        return Ok((Config::default(), Vec::new()));
    };
    let text = rampart_source::read_input(&Input::File(path.clone()))
        .map_err(|e| ScanError::Config(e.to_string()))?;
    let stream = rampart_source::yaml::parse_stream(&text);
    let mut errors: Vec<InputError> = stream
        .errors
        .iter()
        .map(|e| InputError::at(&path, e.pos, e.message.clone()))
        .collect();
    let Some(doc) = stream.docs.into_iter().next() else {
        return Ok((Config::default(), errors));
    };
    match Config::from_value_in(doc.value.clone(), registry) {
        Ok(cfg) => Ok((cfg, errors)),
        Err(e) => {
            let pos = doc.positions.locate(&doc.value, &e.pointer);
            errors.push(InputError::at(
                &path,
                pos,
                format!("invalid config: {}", e.message),
            ));
            Ok((Config::default(), errors))
        }
    }
}

/// `.rampart.yaml` in the directory of `start` or any parent.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    if start.as_os_str() == "-" {
        return None;
    }
    let abs = std::fs::canonicalize(start).ok()?;
    let mut dir = if abs.is_dir() {
        Some(abs.as_path())
    } else {
        abs.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join(".rampart.yaml");
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}
