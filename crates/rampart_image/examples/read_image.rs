//! Reads an image with a filter that keeps every file up to 1 MiB, and prints the time taken and
//! what was kept: `cargo run --release -p rampart_image --example read_image -- SOURCE`.

use std::io::{self, Read};
use std::time::Instant;

use rampart_model::files::{EntryMeta, FileFilter};

/// Keeps every file up to 1 MiB whole.
struct SmallFiles;

impl FileFilter for SmallFiles {
    fn wants(&self, meta: &EntryMeta<'_>) -> bool {
        meta.size <= 1 << 20
    }

    fn keep(&self, _meta: &EntryMeta<'_>, content: &mut dyn Read) -> io::Result<Option<Vec<u8>>> {
        let mut v = Vec::new();
        content.read_to_end(&mut v)?;
        Ok(Some(v))
    }
}

fn main() {
    let Some(source) = std::env::args().nth(1) else {
        eprintln!("usage: read_image SOURCE");
        std::process::exit(2);
    };
    let t = Instant::now();
    let result = rampart_image::open(&source, &rampart_image::Options::default())
        .and_then(|i| i.files(&SmallFiles));
    match result {
        Ok(out) => {
            let bytes: usize = out.files.files.values().map(Vec::len).sum();
            println!(
                "{source}: {} layers, {} files kept ({bytes} bytes), {} symlinks in {:.3} s",
                out.layers.len(),
                out.files.files.len(),
                out.files.symlinks.len(),
                t.elapsed().as_secs_f64()
            );
        }
        Err(e) => {
            eprintln!("{source}: {e}");
            std::process::exit(1);
        }
    }
}
