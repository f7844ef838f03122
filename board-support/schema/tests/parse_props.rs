//! Property tests: the board parser never panics, whatever the input, and
//! every refusal names a location inside the file.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use board_schema::{BoardError, Catalog, parse};
use proptest::prelude::*;

const DEMO: &str = include_str!("../../../boards/demo.yaml");

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        let _ = parse("fuzz.yaml", &text, &Catalog::builtin());
    }

    #[test]
    fn mutated_boards_are_parsed_or_refused_with_a_location(pos in 0usize..DEMO.len(), byte in any::<u8>(), cut in any::<bool>()) {
        let mut bytes = DEMO.as_bytes().to_vec();
        if cut {
            bytes.truncate(pos);
        } else {
            bytes[pos] = byte;
        }
        let Ok(text) = String::from_utf8(bytes) else { return Ok(()) };
        let lines = text.lines().count() as u64 + 1;
        match parse("mutated.yaml", &text, &Catalog::builtin()) {
            Ok(_) => {}
            Err(BoardError::Invalid(diags)) => {
                prop_assert!(!diags.is_empty());
                for d in diags {
                    prop_assert!(d.line <= lines, "{} is past the end", d);
                    prop_assert!(!d.fix.is_empty(), "{} has no fix", d);
                }
            }
            Err(e) => prop_assert!(false, "unexpected error kind: {e}"),
        }
    }
}
