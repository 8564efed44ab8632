//! `fix` over the real-world corpus (shared/corpora/realworld): every file either loads and
//! fixes to a result that verifies, or is refused as a whole; fixing twice equals fixing once;
//! files without fixable findings are untouched. Figures are printed (run with --nocapture).

use std::time::Instant;

use rampart_checks::{Engine, Selection};
use rampart_fix::{fix_text, FixError, Options};

#[test]
fn realworld_corpus_fixes_verify_and_are_idempotent() {
    let Some(dir) = rampart_testutil::require_corpora("realworld") else {
        return;
    };
    let (inputs, _) = rampart_source::discover(&[dir]);
    let engine = Engine::new(Selection::all());
    let opts = Options {
        unsafe_fixes: true,
        ..Options::default()
    };
    let texts: Vec<_> = inputs
        .iter()
        .filter_map(|i| Some((i.path().to_path_buf(), rampart_source::read_input(i).ok()?)))
        .collect();
    // What a scan of the same files costs in this build (parse and every object check).
    let start = Instant::now();
    let mut objects = 0;
    for (path, text) in &texts {
        let parsed = rampart_source::parse_str(path, text);
        for r in &parsed.resources {
            objects += engine.run(r).len();
        }
    }
    let scan = start.elapsed();
    let start = Instant::now();
    let mut results = Vec::new();
    for (path, text) in &texts {
        results.push(fix_text(path, text, &engine, &opts));
    }
    let elapsed = start.elapsed();
    let (mut changed, mut applied, mut failed, mut not_loaded) = (0, 0, 0, 0);
    let mut problems = Vec::new();
    for ((path, text), r) in texts.iter().zip(&results) {
        match r {
            Ok(o) => {
                applied += o.applied.len();
                failed += o.failed.len();
                if o.text != **text {
                    changed += 1;
                    match fix_text(path, &o.text, &engine, &opts) {
                        Ok(again) if again.text == o.text => {}
                        Ok(_) => problems.push(format!("{}: not idempotent", path.display())),
                        Err(e) => problems.push(format!("{}: second run: {e}", path.display())),
                    }
                } else if !o.applied.is_empty() {
                    problems.push(format!(
                        "{}: fixes applied but text unchanged",
                        path.display()
                    ));
                }
            }
            Err(FixError::Load(_)) => not_loaded += 1,
            Err(e) => problems.push(e.to_string()),
        }
    }
    println!(
        "realworld: {} files, {changed} changed, {applied} fixes applied, {failed} not applicable \
         in place, {not_loaded} not loadable; fix pass took {:?}, a scan of the same files \
         {scan:?} ({objects} findings) (this build's profile)",
        texts.len(),
        elapsed
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(changed > 0);
}
