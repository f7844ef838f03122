//! TCU register words as a tile or a link may present them: endpoint
//! registers, COMMAND and EXT_CMD values, message headers. What decodes
//! re-encodes to the same words.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use tcu_mmio::cmd::{CommandStatus, ExtCmdStatus};
use tcu_mmio::ep::EpConfig;
use tcu_mmio::header::Header;

#[derive(Arbitrary, Debug)]
struct Words {
    ep: [u64; 3],
    command: u64,
    ext_cmd: u64,
    header: [u8; 32],
}

fuzz_target!(|w: Words| {
    if let Ok(cfg) = EpConfig::from_regs(w.ep) {
        let again = cfg.to_regs().expect("a decoded configuration encodes");
        assert_eq!(EpConfig::from_regs(again), Ok(cfg));
    }
    if let Ok(s) = CommandStatus::decode(w.command) {
        assert_eq!(CommandStatus::decode(s.encode()), Ok(s));
    }
    if let Ok(s) = ExtCmdStatus::decode(w.ext_cmd) {
        if let Ok(raw) = s.encode() {
            assert_eq!(ExtCmdStatus::decode(raw), Ok(s));
        }
    }
    if let Some(h) = Header::read_from(&w.header) {
        if let Ok(info) = h.info() {
            let again = Header::new(&info).expect("a decoded header encodes");
            assert_eq!(again.info(), Ok(info));
        }
    }
});
