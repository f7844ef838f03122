//! The tile regions of the window, and reach-in through them.
//!
//! A window is plain memory on every link we serve it over (a file in
//! /dev/shm, a VM's ivshmem BAR): a host's store into it rings no
//! doorbell. So the simulator remembers, per tile region, what it last
//! published into every register a host may write (its *shadow*) and
//! treats a word that differs as a register write by the host — found by
//! polling ([`crate::reach_in`]), then applied or ignored by the model's
//! rules like any other write, and published back.
//!
//! Publishing uses compare-and-swap against the shadow, so a store by the
//! host that lands between two polls is never overwritten: the word keeps
//! the host's value until the next poll sees it.
//!
//! Which registers are watched: the external registers, every endpoint,
//! the privileged page and the configuration registers (CORE_ENABLE,
//! CORE_RESET) of every tile region. In the host tile's own region the
//! command hand-off (COMMAND, DATA_ADDR, DATA_SIZE, ARG1, PRINT and the
//! print buffer) is not watched: it follows the hand-off protocol of
//! `tile-sim-abi` (the host writes only while idle, the simulator only
//! while busy).

use tcu_mmio::regs::{ConfigReg, ExtReg, Layout, PrivReg, UnprivReg};
use tcu_mmio::{EpId, Reg, TileId};
use tcu_model::Model;

use crate::window::WindowFile;

/// What the simulator last published into one tile region.
pub(crate) struct RegionView {
    /// Offset of the region in the window.
    base: u64,
    /// The watched register offsets (within the region).
    offsets: Vec<u64>,
    /// The value last published at each watched offset.
    shadow: Vec<u64>,
    /// Debug-view registers published without watching (a tile's command
    /// registers; the host never writes them).
    shown: Vec<u64>,
}

/// The registers of a region a host may write, in publication order (the
/// order `RegionView::publish` takes the model's values in; a test checks
/// the two agree).
fn watched(layout: Layout) -> Vec<u64> {
    let mut v: Vec<u64> = ExtReg::ALL
        .iter()
        .map(|r| Reg::Ext(*r).offset(layout))
        .collect();
    for ep in 0..layout.eps() {
        for word in 0..tcu_mmio::ep::EP_REGS as u8 {
            v.push(Reg::Ep { ep: EpId(ep), word }.offset(layout));
        }
    }
    v.extend(PrivReg::ALL.iter().map(|r| Reg::Priv(*r).offset(layout)));
    v.extend(
        ConfigReg::ALL
            .iter()
            .map(|r| Reg::Config(*r).offset(layout)),
    );
    v
}

impl RegionView {
    /// The view of a region at window offset `base` for a TCU with
    /// `layout`; `host`: the region is the host tile's own (its hand-off
    /// registers belong to the host and are not published here).
    pub(crate) fn new(base: u64, layout: Layout, host: bool) -> Self {
        let offsets = watched(layout);
        let shown = if host {
            Vec::new()
        } else {
            UnprivReg::ALL
                .iter()
                .map(|r| Reg::Unpriv(*r).offset(layout))
                .collect()
        };
        Self {
            base,
            shadow: vec![0; offsets.len()],
            offsets,
            shown,
        }
    }

    /// Publishes the model's view of `tile` into the region. Only words
    /// that changed are stored, each with compare-and-swap against the
    /// shadow; a word the host wrote meanwhile keeps the host's value.
    pub(crate) fn publish(&mut self, w: &WindowFile, model: &Model, tile: TileId) {
        let Some(t) = model.tile(tile) else { return };
        // The values in the order of `watched` (this runs on every message:
        // no per-register decoding).
        let values = [t.features, t.tile_desc, t.ext_cmd]
            .into_iter()
            .chain(t.eps.iter().flatten().copied())
            .chain(t.privileged.iter().copied())
            .chain(t.config.iter().copied());
        for ((j, off), v) in self.offsets.iter().enumerate().zip(values) {
            if v != self.shadow[j] && w.publish_if_unchanged(self.base + off, self.shadow[j], v) {
                self.shadow[j] = v;
            }
        }
        for off in &self.shown {
            w.write(self.base + off, model.read_reg(tile, *off));
        }
    }

    /// The watched words the host changed since the last publication, as
    /// (offset in the region, value); the shadow takes the new values.
    pub(crate) fn scan(&mut self, w: &WindowFile) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        for (j, off) in self.offsets.iter().enumerate() {
            let now = w.read(self.base + off);
            if now != self.shadow[j] {
                self.shadow[j] = now;
                out.push((*off, now));
            }
        }
        out
    }

    /// Forgets what was published (after a board reset the region is
    /// cleared and published anew).
    pub(crate) fn clear(&mut self, w: &WindowFile) {
        for (j, off) in self.offsets.iter().enumerate() {
            w.write(self.base + off, 0);
            self.shadow[j] = 0;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// `publish` takes values straight from the tile state in the order of
    /// `watched`; this pins that order to the register map.
    #[test]
    fn publication_order_is_the_register_order() {
        let layout = Layout::new(4).unwrap();
        let offs = watched(layout);
        assert_eq!(ExtReg::ALL.len(), 3);
        assert_eq!(offs[0], Reg::Ext(ExtReg::Features).offset(layout));
        assert_eq!(offs[1], Reg::Ext(ExtReg::TileDesc).offset(layout));
        assert_eq!(offs[2], Reg::Ext(ExtReg::ExtCmd).offset(layout));
        assert_eq!(
            offs[3],
            Reg::Ep {
                ep: EpId(0),
                word: 0
            }
            .offset(layout)
        );
        let priv_at = 3 + 4 * tcu_mmio::ep::EP_REGS;
        for (k, r) in PrivReg::ALL.iter().enumerate() {
            assert_eq!(*r as usize, k);
            assert_eq!(offs[priv_at + k], Reg::Priv(*r).offset(layout));
        }
        let cfg_at = priv_at + PrivReg::ALL.len();
        assert_eq!(
            offs[cfg_at],
            Reg::Config(ConfigReg::CoreEnable).offset(layout)
        );
        assert_eq!(
            offs[cfg_at + 1],
            Reg::Config(ConfigReg::CoreReset).offset(layout)
        );
        assert_eq!(offs.len(), cfg_at + 2);
    }
}
