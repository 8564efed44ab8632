//! Registers the built-in checks: one folder per check, `src/checks/<category>/<id>/mod.rs`
//! (`<id>` is the check id with `_` for `-`), so adding a folder is all it takes.
//!
//! Writes into OUT_DIR:
//! - `checks/<category>.rs`: the `pub mod <id>;` of each check folder of the category (with a
//!   `#[path]`, since a module declared in an included file would otherwise be looked up next to
//!   it), included by `src/checks/<category>/mod.rs`;
//! - `checks/all.rs`: `ALL` (every check) and `FOLDERS` (each check with its folder), included by
//!   `src/checks/mod.rs`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let checks = manifest.join("src/checks");
    // A directory: cargo reruns this script when anything under it changes.
    println!("cargo:rerun-if-changed=src/checks");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("checks");
    fs::create_dir_all(&out).expect("creating OUT_DIR/checks");

    let top = read(&checks.join("mod.rs"));
    let mut all = String::new();
    let mut folders = String::new();
    for category in subdirs(&checks) {
        let cat = name(&category);
        let cat_mod = category.join("mod.rs");
        if !cat_mod.is_file() {
            fail(&category, "a category folder needs a mod.rs");
        }
        if !top.contains(&format!("pub mod {cat};")) {
            fail(
                &checks.join("mod.rs"),
                &format!("declare the category: `pub mod {cat};`"),
            );
        }
        let include = format!("include!(concat!(env!(\"OUT_DIR\"), \"/checks/{cat}.rs\"));");
        if !read(&cat_mod).contains(&include) {
            fail(
                &cat_mod,
                &format!("a category's mod.rs must declare its checks with `{include}`"),
            );
        }
        let mut mods = String::new();
        for check in subdirs(&category) {
            let id = name(&check);
            let file = check.join("mod.rs");
            if !id.starts_with(|c: char| c.is_ascii_lowercase())
                || !id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                fail(
                    &check,
                    "a check folder is named after the check id, with `_` for `-`",
                );
            }
            if !file.is_file() {
                // Not a check (the fixture test reports fixtures left in such a folder).
                continue;
            }
            if !read(&file).contains("pub static CHECK") {
                fail(
                    &file,
                    "a check's mod.rs must define `pub static CHECK: Check`",
                );
            }
            let path = file.to_str().expect("UTF-8 path");
            writeln!(mods, "#[path = {path:?}]\npub mod {id};").expect("writing to a String");
            writeln!(all, "    &{cat}::{id}::CHECK,").expect("writing to a String");
            writeln!(folders, "    (\"{cat}/{id}\", &{cat}::{id}::CHECK),")
                .expect("writing to a String");
        }
        fs::write(out.join(format!("{cat}.rs")), mods).expect("writing the category's modules");
    }
    let code = format!(
        "/// Every built-in check (the registry sorts them): one per folder \
         `src/checks/<category>/<id>/`.\n\
         pub static ALL: &[&Check] = &[\n{all}];\n\n\
         /// Each built-in check with its folder under `src/checks/` (`<category>/<id>`).\n\
         pub static FOLDERS: &[(&str, &Check)] = &[\n{folders}];\n"
    );
    fs::write(out.join("all.rs"), code).expect("writing all.rs");
}

/// The subdirectories of `dir`, sorted (a `fixtures` folder is not a check).
fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir() && name(p) != "fixtures")
        .collect();
    v.sort();
    v
}

fn name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn fail(p: &Path, why: &str) -> ! {
    panic!("{}: {why}", p.display())
}
