//! What the hostile firmware tries before it serves: TCU commands on
//! endpoints it was never given and register writes only the kernel's TCU
//! may make. It prints how many were refused or ignored; the containment
//! test requires all of them.

use tcu_mmio::ep::{EpConfig, MemEp};
use tcu_mmio::regs::{ConfigReg, Layout, PrivReg};
use tcu_mmio::{ActId, EpId, Label, LocalAddr, Perm, Reg, RegisterAccess, Tcu, TileId};
use tile_platform::{Mapping, SimRegs};

/// Scratch in the local buffers.
const SCRATCH: LocalAddr = LocalAddr(filter_proto::accel::BUFFERS);

/// Tries every attack once and prints the tally on the tile's output.
pub fn attack() {
    let Ok(map) = Mapping::attach() else { return };
    let regs = SimRegs::new(map);
    let Ok(layout) = Layout::new(regs.eps()) else {
        return;
    };
    let tcu = Tcu::new(regs, layout);
    let (mut tried, mut refused) = (0, 0);
    let mut count = |r: Result<(), tcu_mmio::Code>| {
        tried += 1;
        refused += usize::from(r.is_err());
    };
    // Endpoints the client never configured (and the memory endpoints
    // before the file server points them anywhere).
    for ep in (filter_proto::accel::EP_IN..layout.eps()).map(EpId) {
        count(tcu.read(ep, SCRATCH, 64, 0));
        count(tcu.write(ep, SCRATCH, 64, 0));
        count(tcu.send(ep, SCRATCH, 16, EpId::INVALID, Label(0)));
    }
    // A memory endpoint of its own making, onto the memory tile's start.
    let forged = EpConfig::Memory(MemEp {
        act: ActId(1),
        perm: Perm::RW,
        target_tile: TileId::on_chip0(10),
        addr: 0,
        size: 1 << 20,
    });
    let (mut writes, mut ignored) = (0, 0);
    let target = EpId(20);
    if let Ok(words) = forged.to_regs() {
        for (w, v) in words.iter().enumerate() {
            tcu.regs().write(
                Reg::Ep {
                    ep: target,
                    word: w as u8,
                }
                .offset(layout),
                *v,
            );
        }
        writes += 1;
        ignored += usize::from(!matches!(tcu.ep_config(target), Ok(EpConfig::Memory(_))));
        count(tcu.read(target, SCRATCH, 64, 0));
    }
    // Privileged and configuration registers.
    for (reg, v) in [
        (Reg::Priv(PrivReg::CurAct), 1),
        (Reg::Config(ConfigReg::CoreReset), 1),
    ] {
        let before = tcu.read_reg(reg);
        tcu.regs().write(reg.offset(layout), v);
        writes += 1;
        ignored += usize::from(tcu.read_reg(reg) == before);
    }
    tcu.print(
        format!(
            "hostile: {refused} of {tried} rogue TCU commands refused, {ignored} of {writes} register writes ignored\n"
        )
        .as_bytes(),
    );
}
