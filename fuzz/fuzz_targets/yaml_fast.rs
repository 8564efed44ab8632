//! Fuzzes the fast YAML path against the general parser: on arbitrary UTF-8, whenever the fast
//! path reads a stream, it must read it exactly as the general parser does (documents, values
//! with their key order, positions, document starts) and the general parser must find no problem
//! in it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_source::yaml::{parse_stream_fast, parse_stream_general, Stream};

fn render(s: &Stream) -> String {
    let mut out = String::new();
    for d in &s.docs {
        out.push_str(&serde_json::to_string(&d.value).expect("a JSON value serialises"));
        out.push_str(&format!("\n{:?}\n{:?}\n", d.positions, d.start));
    }
    for e in &s.errors {
        out.push_str(&format!("error {e:?}\n"));
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(fast) = parse_stream_fast(text) {
        assert_eq!(render(&fast), render(&parse_stream_general(text)), "{text:?}");
    }
});
