//! Containment: a hostile accelerator in the demo board's crypto tile (the
//! `hostile-accel` firmware swapped in) attacks on purpose — TCU commands
//! on endpoints it was never given, register writes only the kernel may
//! make, a device writing outside its buffers, a job that never ends,
//! output it claims but did not write. Each time the app gets an error
//! naming the stage and the tile, nothing outside the tile changes (the
//! files the host put read back intact, no other tile's TCU saw a
//! violation), and the board keeps running (the host still reads files
//! afterwards).
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use boot_harness::{PipelineRun, random_bytes as random, run_pipeline_with};
use tcu_mmio::TileId;

const CRYPTO: TileId = TileId::on_chip0(9);

/// Runs one stage `op` of the hostile firmware on the crypto tile.
fn hostile(op: &str, input: &[u8], canary: &[u8]) -> PipelineRun {
    let stage = format!("accel:{op} ");
    let args = ["--timeout", "3", "/in", "/out", &stage];
    let firmware = board_host::images::find("shim-hostile").unwrap();
    let r = run_pipeline_with(
        &args,
        &["accel:crypto"],
        &[("/in", input), ("/canary", canary)],
        &|board| {
            board
                .local_sim()
                .unwrap()
                .set_firmware(CRYPTO, Ok(firmware.clone()))
                .unwrap();
        },
    );
    assert_eq!(r.tiles[1], CRYPTO);
    // Whatever it did: every file the host put is intact, read back after
    // the run (so root and its file server still serve) ...
    for (path, after) in &r.files_after {
        let put = if path == "/in" { input } else { canary };
        assert!(
            after.as_deref() == Some(put),
            "{op}: {path} changed or is gone"
        );
    }
    // ... and no tile but the hostile one had a register write ignored.
    for (t, v) in &r.violations {
        if *t != CRYPTO {
            assert_eq!(*v, 0, "{op}: tile {t} saw {v} ignored writes");
        }
    }
    // Its rogue TCU commands were all refused, its register writes ignored.
    let line = r
        .printed
        .lines()
        .find(|l| l.contains("rogue TCU commands refused"))
        .unwrap_or_else(|| panic!("{op}: the firmware did not attack: {}", r.printed));
    let words: Vec<&str> = line.split_whitespace().collect();
    let n = |i: usize| words.get(i).and_then(|w| w.parse::<u64>().ok()).unwrap();
    // "[C0T09] hostile: R of T rogue TCU commands refused, I of W register writes ignored"
    let at = words.iter().position(|w| *w == "hostile:").unwrap();
    assert!(n(at + 3) > 20, "{line}");
    assert_eq!(
        n(at + 1),
        n(at + 3),
        "{op}: a rogue command got through: {line}"
    );
    assert_eq!(
        n(at + 8),
        n(at + 10),
        "{op}: a privileged write took effect: {line}"
    );
    let hostile_violations = r.violations.iter().find(|v| v.0 == CRYPTO).unwrap().1;
    assert!(hostile_violations >= 3, "{hostile_violations}");
    r
}

#[test]
fn a_hostile_accelerator_that_behaves_still_cannot_reach_beyond_its_endpoints() {
    let (input, canary) = (random(200_003, 31), random(4096, 32));
    let r = hostile("copy", &input, &canary);
    assert_eq!(r.code, 0, "{}", r.printed);
    assert!(r.out.as_deref() == Some(&input[..]));
}

#[test]
fn a_device_writing_outside_its_buffers_is_contained() {
    let (input, canary) = (random(100_000, 33), random(4096, 34));
    let r = hostile("overrun", &input, &canary);
    assert_ne!(r.code, 0, "{}", r.printed);
    assert!(
        r.printed
            .contains("stage 0 (overrun) on C0T09 failed: its device failed"),
        "{}",
        r.printed
    );
    assert!(
        r.printed
            .contains("(0 writes outside its buffers got through)"),
        "{}",
        r.printed
    );
}

#[test]
fn a_device_claiming_output_it_did_not_write_is_not_believed() {
    let (input, canary) = (random(100_000, 35), random(4096, 36));
    let r = hostile("overclaim", &input, &canary);
    assert_ne!(r.code, 0, "{}", r.printed);
    assert!(
        r.printed
            .contains("stage 0 (overclaim) on C0T09 failed: its device failed"),
        "{}",
        r.printed
    );
    assert!(r.printed.contains("the device claims"), "{}", r.printed);
}

#[test]
fn a_device_that_never_finishes_is_stopped_and_named() {
    let (input, canary) = (random(100_000, 37), random(4096, 38));
    let r = hostile("hang", &input, &canary);
    assert_ne!(r.code, 0, "{}", r.printed);
    assert!(
        r.printed.contains(
            "stage 0 (hang) on C0T09 failed: did not finish within 3.0 s and was stopped"
        ),
        "{}",
        r.printed
    );
}
