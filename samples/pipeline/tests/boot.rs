//! Filters chained by an app on the simulated demo board: the host puts
//! the input, the app (`pipeline`, tile 2) connects `upcase` (tile 3) and
//! `xor` (tile 4) through a pipe on root's file system, starts them, and
//! collects their reports; the host gets the output.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use boot_harness::{random_bytes as random, run_pipeline};

/// Runs the app with `args` and `filters`, `input` at `/in`.
fn run(args: &[&str], filters: &[&str], input: &[u8]) -> (u64, String, Option<Vec<u8>>) {
    let r = run_pipeline(args, filters, &[("/in", input)]);
    (r.code, r.printed, r.out)
}

#[test]
fn two_filters_on_two_tiles_transform_a_file_through_a_pipe() {
    let input = random((1 << 20) + 3, 9);
    let (code, printed, out) = run(
        &["/in", "/out", "upcase", "xor key=0x5a"],
        &["upcase", "xor"],
        &input,
    );
    assert_eq!(code, 0, "{printed}");
    let want: Vec<u8> = input
        .iter()
        .map(|b| b.to_ascii_uppercase() ^ 0x5a)
        .collect();
    assert!(
        out.as_deref() == Some(&want[..]),
        "output differs\n{printed}"
    );
    let n = input.len();
    assert!(
        printed.contains(&format!("stage 0 upcase on C0T03: {n} bytes in, {n} out")),
        "{printed}"
    );
    assert!(
        printed.contains(&format!("stage 1 xor on C0T04: {n} bytes in, {n} out")),
        "{printed}"
    );
}

#[test]
fn a_stage_that_refuses_its_parameters_fails_the_pipeline_by_name() {
    let (code, printed, _) = run(
        &["/in", "/out", "upcase", "xor key=300"],
        &["upcase", "xor"],
        &random(100_000, 3),
    );
    assert_ne!(code, 0, "{printed}");
    assert!(
        printed.contains("stage 1 (xor) on C0T04 failed: it does not understand its parameters"),
        "{printed}"
    );
    assert!(printed.contains("`key=300` is not a number"), "{printed}");
}

#[test]
fn a_missing_input_is_reported_by_the_first_stage() {
    let (code, printed, _) = run(&["/nothing", "/out", "upcase"], &["upcase"], b"x");
    assert_ne!(code, 0, "{printed}");
    assert!(
        printed.contains("stage 0 (upcase) on C0T03 failed: the file server said:"),
        "{printed}"
    );
}

#[test]
fn stages_and_handed_filters_must_match() {
    let (code, printed, _) = run(&["/in", "/out", "upcase", "xor key=1"], &["upcase"], b"x");
    assert_ne!(code, 0, "{printed}");
    assert!(
        printed.contains("2 stages named but 1 filters handed over"),
        "{printed}"
    );
}
