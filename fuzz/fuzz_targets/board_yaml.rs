//! Board files: any text through the whole loader (YAML 1.1/1.2 scan,
//! structure, semantic validation) must give a board or a diagnostic,
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let catalog = board_schema::Catalog::builtin();
    if let Ok(board) = board_schema::parse("fuzz.yaml", &text, &catalog) {
        // A valid board encodes into a ROM that decodes and matches it.
        if let Ok(rom) = board_window::encode(&board) {
            let decoded = board_window::decode(&rom).expect("an encoded ROM decodes");
            assert!(board_window::compare(&board, &decoded).is_empty());
        }
    }
});
