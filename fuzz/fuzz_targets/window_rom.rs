//! Window ROMs: whatever a window holds (a dead link, a foreign device, a
//! corrupt bitstream) must decode or be refused, never panic.
//!
//! A ROM has no encoder of its own (`board_window::encode` takes a board
//! file; `board_yaml` checks that direction), so the checks here are what
//! decoding promises about the bytes it reads:
//! - only the first `ROM_SIZE` bytes count: a longer read of the window
//!   decodes the same;
//! - a ROM that decodes reads nothing past its checksummed bytes, so the
//!   same bytes padded with zeros to a whole ROM decode the same;
//! - what decodes stays within the ROM's limits.
#![no_main]

use board_window::layout::{MAX_APERTURES, MAX_TILES, ROM_SIZE};
use board_window::rom::{KIND_LEN, NAME_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let decoded = board_window::decode(data);
    let rom_size = ROM_SIZE as usize;
    if data.len() > rom_size {
        assert_eq!(board_window::decode(&data[..rom_size]), decoded);
    }
    let Ok(rom) = decoded else {
        return;
    };
    if data.len() < rom_size {
        let mut padded = data.to_vec();
        padded.resize(rom_size, 0);
        assert_eq!(board_window::decode(&padded), Ok(rom.clone()));
    }
    assert!(rom.tiles.len() as u64 <= MAX_TILES);
    assert!(rom.apertures.len() as u64 <= MAX_APERTURES);
    assert!(rom.name.len() <= NAME_LEN && !rom.name.contains('\0'));
    for t in &rom.tiles {
        for s in [&t.accel, &t.model].into_iter().flatten() {
            assert!(!s.is_empty() && s.len() <= KIND_LEN && !s.contains('\0'));
        }
    }
});
