//! Window ROMs: whatever a window holds (a dead link, a foreign device, a
//! corrupt bitstream) must decode or be refused, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = board_window::decode(data);
});
