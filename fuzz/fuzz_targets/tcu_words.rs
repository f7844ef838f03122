//! TCU register words as a tile or a link may present them: endpoint
//! registers, COMMAND and EXT_CMD values, message headers (from a receive
//! slot of any length). Decoders never panic; what decodes re-encodes to
//! the same value, and — where the decoder refuses reserved bits or every
//! bit belongs to a field — to the very same words.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use tcu_mmio::cmd::{CommandStatus, ExtCmdStatus};
use tcu_mmio::ep::EpConfig;
use tcu_mmio::header::{HEADER_SIZE, Header};

#[derive(Arbitrary, Debug)]
struct Words<'a> {
    ep: [u64; 3],
    command: u64,
    ext_cmd: u64,
    header: [u8; 32],
    /// A copied slot of any length, for `Header::read_from`: the bytes
    /// after the fixed fields, as they are.
    slot: &'a [u8],
}

fuzz_target!(|w: Words<'_>| {
    if let Ok(cfg) = EpConfig::from_regs(w.ep) {
        let again = cfg.to_regs().expect("a decoded configuration encodes");
        assert_eq!(EpConfig::from_regs(again), Ok(cfg));
        // Reserved bits are refused, so only an invalid EP (whose other
        // bits mean nothing) may read back differently.
        if cfg != EpConfig::Invalid {
            assert_eq!(again, w.ep, "{cfg:?}");
        }
    }
    if let Ok(s) = CommandStatus::decode(w.command) {
        assert_eq!(CommandStatus::decode(s.encode()), Ok(s));
        assert_eq!(s.encode(), w.command, "{s:?}");
    }
    if let Ok(s) = ExtCmdStatus::decode(w.ext_cmd) {
        assert_eq!(s.encode(), Ok(w.ext_cmd), "{s:?}");
        assert_eq!(ExtCmdStatus::decode(w.ext_cmd), Ok(s));
    }
    header(&w.header);
    header(w.slot);
});

fn header(bytes: &[u8]) {
    let Some(h) = Header::read_from(bytes) else {
        assert!(bytes.len() < HEADER_SIZE);
        return;
    };
    assert_eq!(h.to_bytes()[..], bytes[..HEADER_SIZE]);
    if let Ok(info) = h.info() {
        let again = Header::new(&info).expect("a decoded header encodes");
        assert_eq!(again.info(), Ok(info));
        // Every bit of the header is a field or the reserved word (zero).
        assert_eq!(again.to_bytes(), h.to_bytes(), "{info:?}");
    }
}
