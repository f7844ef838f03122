//! Syscall messages as any activity may send them: the decoder, and the
//! kernel handling whatever decodes (on a NoC that accepts every write),
//! must answer with a code, never panic — also when a service answers its
//! requests with garbage, or never. Service requests decode or fail
//! cleanly.
#![no_main]

use kernel_core::{Kernel, Noc};
use libfuzzer_sys::fuzz_target;
use tcu_mmio::ep::EpConfig;
use tcu_mmio::{ActId, EpId, TileId};

struct AcceptingNoc;

impl Noc for AcceptingNoc {
    fn config_ep(&mut self, _: TileId, _: EpId, _: &EpConfig) -> Result<(), tcu_mmio::Code> {
        Ok(())
    }
    fn invalidate_ep(&mut self, _: TileId, _: EpId) -> Result<(), tcu_mmio::Code> {
        Ok(())
    }
    fn set_running(&mut self, _: TileId, _: ActId) -> Result<(), tcu_mmio::Code> {
        Ok(())
    }
    fn core_control(&mut self, _: TileId, _: bool) -> Result<(), tcu_mmio::Code> {
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let mut words = [0u64; kif::syscall::MAX_WORDS];
    let n = kif::syscall::bytes_to_words(data, &mut words);
    let words = &words[..n];
    let _ = kif::syscall::decode(words);
    // The same bytes as a series of syscalls of one activity.
    let mut k = Kernel::new(TileId::on_chip0(0));
    k.add_tile(TileId::on_chip0(1), 64, 1 << 20);
    let Ok(act) = k.create_activity(&mut AcceptingNoc, TileId::on_chip0(1), "fuzz", 1 << 16) else {
        return;
    };
    let _ = kif::service::Request::decode(words);
    for (i, call) in words.chunks(6).enumerate() {
        let r = k.syscall(&mut AcceptingNoc, act.raw().into(), i as u64, call);
        assert_eq!(r.code == kif::Code::Success, r.rule.is_none());
        // A hostile server: whatever the kernel asks is answered with the
        // same words; time moves on by 0.3 s per call (timeouts).
        for m in k.take_outbox() {
            k.service_reply(&mut AcceptingNoc, m.id, call);
        }
        k.advance(i as u64 * 300_000_000);
        for (_, r) in k.take_ready() {
            assert_eq!(r.code == kif::Code::Success, r.rule.is_none());
        }
    }
});
