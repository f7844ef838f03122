//! Tile images and the image header in a core's memory: the note parser,
//! the loader's cut to loadable segments, and the header decoder see bytes
//! from files and from memory tiles may have written.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tilekit_sim::image::{find_note, loadable};

fuzz_target!(|data: &[u8]| {
    let note = find_note(data);
    if let Ok(cut) = loadable(data) {
        // What is loaded carries the same note.
        assert_eq!(find_note(&cut), note);
        assert!(cut.len() <= data.len());
    }
    if data.len() >= 40 {
        let mut words = [0u64; 4];
        for (k, w) in words.iter_mut().enumerate() {
            *w = u64::from_le_bytes(data[k * 8..k * 8 + 8].try_into().unwrap_or([0; 8]));
        }
        let header_at = u64::from_le_bytes(data[32..40].try_into().unwrap_or([0; 8]));
        if let Ok(h) = tile_sim_abi::image::decode(words, header_at) {
            assert!(h.image_at + h.image_len <= header_at);
        }
    }
    let _ = tilekit_sim::image::split_args(data);
});
