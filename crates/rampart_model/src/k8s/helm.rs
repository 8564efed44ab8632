//! Helm values files: how they are named, and the `HelmValues` object rampart reads one into.
//!
//! A chart's `values.yaml` (and the `values-prod.yaml`, `prod.values.yaml` ... overrides kept
//! beside it) is plain YAML configuration, not a Kubernetes object, yet it is where credentials
//! are most often committed. rampart's file source reads each document of such a file that names
//! neither `apiVersion` nor `kind` as one object of this shape, so that checks stay pure object
//! checks and findings name the file and line of the value:
//!
//! ```yaml
//! apiVersion: rampart.dev/v1
//! kind: HelmValues
//! metadata:
//!   name: charts/api/values.yaml   # the file as given (`#N` appended for document N > 0)
//! values: {...}                    # the document as written
//! ```

/// `apiVersion` of the object.
pub const VALUES_API_VERSION: &str = "rampart.dev/v1";
/// `kind` of the object.
pub const VALUES_KIND: &str = "HelmValues";
/// The field holding the document.
pub const VALUES_FIELD: &str = "values";

/// True for the names Helm users give values files: `values.yaml` (`.yml`, `.json`), and
/// `values-*`, `values_*`, `values.*`, `*-values`, `*_values`, `*.values` with those extensions
/// (`values-prod.yaml`, `prod.values.yaml`). Case-insensitive.
pub fn is_values_file_name(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    let Some(stem) = [".yaml", ".yml", ".json"]
        .iter()
        .find_map(|ext| lower.strip_suffix(ext))
    else {
        return false;
    };
    stem == "values"
        || ["values-", "values_", "values."]
            .iter()
            .any(|p| stem.starts_with(p))
        || ["-values", "_values", ".values"]
            .iter()
            .any(|s| stem.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_file_names() {
        for yes in [
            "values.yaml",
            "values.yml",
            "Values.YAML",
            "values-prod.yaml",
            "values_staging.yml",
            "values.dev.yaml",
            "prod-values.yaml",
            "prod.values.yaml",
            "values.json",
        ] {
            assert!(is_values_file_name(yes), "{yes}");
        }
        for no in [
            "deployment.yaml",
            "myvalues.yaml",
            "values.txt",
            "Chart.yaml",
            "values",
        ] {
            assert!(!is_values_file_name(no), "{no}");
        }
    }
}
