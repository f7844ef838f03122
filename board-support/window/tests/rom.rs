//! The ROM round-trips every shipped board, detects corruption, never
//! panics on arbitrary bytes, and names mismatches with a board file.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use std::path::Path;

use board_schema::{BoardDesc, Catalog};
use board_window::{RomError, compare, decode, encode};
use proptest::prelude::*;

fn board(name: &str) -> BoardDesc {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../boards")
        .join(name);
    board_schema::load(&path, &Catalog::builtin()).unwrap()
}

#[test]
fn shipped_boards_round_trip() {
    for name in ["minimal.yaml", "demo.yaml", "vcu118-riscv.yaml"] {
        let b = board(name);
        let rom = decode(&encode(&b).unwrap()).unwrap();
        assert_eq!(rom.name, b.name);
        assert_eq!(rom.tiles.len(), b.tiles.len());
        assert_eq!(compare(&b, &rom), vec![], "{name}");
    }
}

#[test]
fn a_different_board_is_named_expected_vs_actual() {
    let demo = board("demo.yaml");
    let rom = decode(&encode(&demo).unwrap()).unwrap();
    let minimal = board("minimal.yaml");
    let m = compare(&minimal, &rom);
    let text: Vec<String> = m.iter().map(ToString::to_string).collect();
    assert!(
        text.contains(&"board name: expected minimal, actual demo".to_string()),
        "{text:#?}"
    );
    assert!(
        text.contains(&"tile count: expected 4, actual 12".to_string()),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with("tile C0T02 kind: expected memory, actual core")),
        "{text:#?}"
    );
}

#[test]
fn link_down_and_empty_windows_say_what_to_do() {
    let ones = vec![0xFFu8; 4096];
    let e = decode(&ones).unwrap_err();
    assert!(e.to_string().contains("PCIe link is down"), "{e}");
    let zeros = vec![0u8; 4096];
    assert!(
        decode(&zeros)
            .unwrap_err()
            .to_string()
            .contains("tilekit sim")
    );
}

proptest! {
    #[test]
    fn any_bit_flip_in_the_checksummed_part_is_detected(bit in 0usize..(0x100 + 12 * 64 + 32) * 8) {
        let demo = board("demo.yaml");
        let mut rom = encode(&demo).unwrap();
        rom[bit / 8] ^= 1 << (bit % 8);
        let r = decode(&rom);
        prop_assert!(r.is_err(), "flip of bit {} went unnoticed", bit);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048), fix_magic in any::<bool>()) {
        let mut bytes = bytes;
        if fix_magic && bytes.len() >= 16 {
            bytes[..8].copy_from_slice(b"TKWINDOW");
            bytes[8..16].copy_from_slice(&1u64.to_le_bytes());
        }
        let _ = decode(&bytes);
    }
}

#[test]
fn wrong_layout_version_is_refused() {
    let mut rom = encode(&board("minimal.yaml")).unwrap();
    rom[8..16].copy_from_slice(&7u64.to_le_bytes());
    assert_eq!(decode(&rom), Err(RomError::Version(7)));
}
