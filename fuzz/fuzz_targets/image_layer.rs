//! Fuzzes the layer reader: `rampart_image::read_tar` (tar, optionally gzip or zstd) on arbitrary
//! bytes must never panic, and every kept path must be normalised (no leading `/`, no `..`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_model::files::KeepAll;

fuzz_target!(|data: &[u8]| {
    if let Ok(fs) = rampart_image::read_tar(data, &KeepAll) {
        for path in fs.files.keys().chain(fs.symlinks.keys()) {
            assert!(!path.starts_with('/'), "{path}");
            assert!(
                path.split('/')
                    .all(|c| c != ".." && c != "." && !c.is_empty()),
                "{path}"
            );
        }
    }
});
