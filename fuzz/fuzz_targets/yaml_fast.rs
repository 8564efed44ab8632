//! Fuzzes the fast YAML path against the general parser: on arbitrary UTF-8, whenever the fast
//! path reads a stream, it must read it exactly as the general parser does (documents, values
//! with their key order, positions, document starts) and the general parser must find no problem
//! in it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_source::yaml::{parse_stream_fast, parse_stream_general};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(fast) = parse_stream_fast(text) {
        assert_eq!(fast.describe(), parse_stream_general(text).describe(), "{text:?}");
    }
});
