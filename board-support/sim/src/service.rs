//! The service thread: takes hand-offs out of the tiles' mirrors, lets the
//! model act, publishes the results, wakes the tiles.

use std::sync::Arc;
use std::sync::atomic::{Ordering, fence};

use tcu_mmio::cmd::{CMD_OP, CommandStatus};
use tcu_mmio::regs::{ConfigReg, ExtReg, Layout, PRINT_REGS, PrivReg, UnprivReg};
use tcu_mmio::{CmdOp, EpId, Reg};
use tcu_model::{Access, WriteOutcome};
use tile_sim_abi as abi;

use crate::{Shared, State, lock};

/// How many ignored writes the simulator remembers (the newest).
pub(crate) const IGNORED_LOG: usize = 256;
/// How many register writes over the NoC the simulator remembers.
pub(crate) const REMOTE_WRITE_LOG: usize = 4096;

/// Polls of all doorbells before the service thread sleeps on all of them.
/// One thread serves every tile, so it is the only spinner on the
/// simulator's side (LIMITS.md: never more spinners than cores).
const SPINS: u32 = 20000;

/// Serves every tile until the simulator stops: polls all doorbells, then
/// sleeps on all of them at once (futex_waitv).
pub(crate) fn service_thread(shared: &Arc<Shared>) {
    let n = shared.tiles.len();
    let mut seen: Vec<u32> = vec![0; n];
    let mut budget = SpinBudget::new(n);
    while !shared.stop.load(Ordering::SeqCst) {
        for (i, t) in shared.tiles.iter().enumerate() {
            seen[i] = t.shm.load(t.base + abi::DOORBELL) as u32;
        }
        let changes = {
            let mut st = lock(shared);
            // The host tile is the reach-in thread's: its register writes
            // must be applied before its command runs.
            for i in (0..n).filter(|i| !shared.tiles[*i].host) {
                service(shared, &mut st, i);
            }
            !st.core_changes.is_empty()
        };
        if changes {
            crate::launcher::apply_core_changes(shared);
        }
        let mut rang = false;
        'spin: for k in 0..SPINS {
            if k % 256 == 0 {
                budget.update(shared, true);
            }
            for (i, t) in shared.tiles.iter().enumerate() {
                if t.shm.load(t.base + abi::DOORBELL) as u32 != seen[i] {
                    rang = true;
                    break 'spin;
                }
            }
            std::hint::spin_loop();
        }
        if !rang {
            // Asleep, the service thread leaves its core to a tile.
            budget.update(shared, false);
            // The host tile has no doorbell (the reach-in thread polls its
            // region): wait on the tiles' doorbells only.
            let words: Vec<(&crate::shm::SharedMem, u32)> = shared
                .tiles
                .iter()
                .zip(&seen)
                .filter(|(t, _)| !t.host)
                .map(|(t, s)| (&*t.shm, *s))
                .collect();
            crate::shm::wait_any(&words, abi::DOORBELL, 100_000_000);
        }
    }
}

/// Whether tile `t` has handed anything off (a request, PRINT, COMMAND).
pub(crate) fn handoff_pending(t: &crate::SimTile) -> bool {
    let layout = Layout::new(t.shm.load(t.base + abi::EPS) as u16).unwrap_or(Layout::HW);
    let at = |r: Reg| t.base + r.offset(layout);
    t.shm.load(t.base + abi::REQ_STATE) == 1
        || t.shm.load(at(Reg::Unpriv(UnprivReg::Print))) != 0
        || CMD_OP.get(t.shm.load(at(Reg::COMMAND))) != CmdOp::Idle as u64
}

/// The wait policy's shared spinner budget (LIMITS.md: spinning pays only
/// while spinners stay below the cores). Tiles announce that they spin in
/// their SPINNING word; the service thread counts them, counts itself while
/// it spins, and grants SPIN_PERMIT so that no new spinner starts once the
/// cores are taken — a tile without a permit sleeps on its event word at
/// once, and a spinning tile whose permit is withdrawn stops and sleeps.
struct SpinBudget {
    cores: usize,
    granted: Vec<bool>,
}

impl SpinBudget {
    fn new(tiles: usize) -> Self {
        Self {
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            granted: vec![true; tiles],
        }
    }

    /// Recounts the spinners and updates every tile's permit.
    fn update(&mut self, shared: &Shared, service_spins: bool) {
        let budget = self.cores.saturating_sub(usize::from(service_spins));
        let spinning: Vec<bool> = shared
            .tiles
            .iter()
            .map(|t| !t.host && t.shm.load(t.base + abi::SPINNING) == 1)
            .collect();
        for (k, (t, permit)) in shared
            .tiles
            .iter()
            .zip(permits(budget, &spinning))
            .enumerate()
        {
            if permit != self.granted[k] {
                self.granted[k] = permit;
                t.shm.store(t.base + abi::SPIN_PERMIT, u64::from(permit));
            }
        }
    }
}

/// Which tiles may spin, given which spin now and how many spinners the
/// cores take: a spinner may go on while the spinners fit the budget; a new
/// one may start only while there is room for it.
fn permits(budget: usize, spinning: &[bool]) -> Vec<bool> {
    let spinners = spinning.iter().filter(|s| **s).count();
    spinning
        .iter()
        .map(|s| {
            if *s {
                spinners <= budget
            } else {
                spinners < budget
            }
        })
        .collect()
}

/// Handles whatever tile `i` handed off: a register request, PRINT, COMMAND.
/// Returns whether there was anything.
pub(crate) fn service(shared: &Shared, st: &mut State, i: usize) -> bool {
    let t = &shared.tiles[i];
    let shm = &t.shm;
    let id = t.id;
    let Some(layout) = st.model.tile(id).map(|s| s.layout) else {
        return false;
    };
    // Offsets in `shm` of the tile's mirror.
    let off = |r: Reg| t.base + r.offset(layout);
    let backend = |w: u64| t.base + w;
    // Everything handed off before this ring is visible now.
    let rung = shm.load(backend(abi::DOORBELL));
    fence(Ordering::Acquire);
    // A register write request (anything but the hand-off registers).
    let mut worked = false;
    if shm.load(backend(abi::REQ_STATE)) == 1 {
        worked = true;
        let (o, v) = (
            shm.load(backend(abi::REQ_OFFSET)),
            shm.load(backend(abi::REQ_VALUE)),
        );
        let out = st.model.write_reg(id, o, v, Access::Local);
        shm.store(
            backend(abi::REQ_RESULT),
            u64::from(matches!(out, WriteOutcome::Ignored(_))),
        );
        fence(Ordering::Release);
        shm.store(backend(abi::REQ_STATE), 0);
    }
    // PRINT: copy the buffer in, print, answer 0.
    let plen = shm.load(off(Reg::Unpriv(UnprivReg::Print)));
    if plen != 0 {
        worked = true;
        for n in 0..PRINT_REGS as u8 {
            let w = shm.load(off(Reg::PrintBuf(n)));
            st.model
                .write_reg(id, Reg::PrintBuf(n).offset(layout), w, Access::Local);
        }
        st.model.write_reg(
            id,
            Reg::Unpriv(UnprivReg::Print).offset(layout),
            plen,
            Access::Local,
        );
        take_printed(shared, st);
        fence(Ordering::Release);
        shm.store(off(Reg::Unpriv(UnprivReg::Print)), 0);
    }
    // COMMAND: a new hand-off if the mirror says busy and none is in flight.
    let cmd = shm.load(off(Reg::COMMAND));
    if st.inflight[i] && cmd != st.handed[i] {
        // The tile wrote COMMAND while its command runs: the TCU ignores
        // that write (CMD-BUSY, counted) and COMMAND keeps showing the
        // running command.
        worked = true;
        st.model
            .write_reg(id, Reg::COMMAND.offset(layout), cmd, Access::Local);
        shm.store(off(Reg::COMMAND), st.handed[i]);
    } else if CMD_OP.get(cmd) != CmdOp::Idle as u64 && !st.inflight[i] {
        st.handed[i] = cmd;
        worked = true;
        for r in [UnprivReg::DataAddr, UnprivReg::DataSize, UnprivReg::Arg1] {
            let v = shm.load(off(Reg::Unpriv(r)));
            st.model
                .write_reg(id, Reg::Unpriv(r).offset(layout), v, Access::Local);
        }
        st.inflight[i] = true;
        let out = st
            .model
            .write_reg(id, Reg::COMMAND.offset(layout), cmd, Access::Local);
        if let WriteOutcome::Ignored(_) = out {
            // The model refused the hand-off (cannot happen while the
            // mirror and model agree); answer so the tile does not hang.
            st.inflight[i] = false;
            let abort = CommandStatus {
                op: CmdOp::Idle,
                ep: EpId(0),
                error: tcu_mmio::Code::Abort,
                arg0: 0,
            };
            shm.store(off(Reg::COMMAND), abort.encode());
        }
    }
    // Publish and wake only what changed: a tile without a hand-off is
    // left alone (publishing every tile on every pass costs a futex wake each).
    if shm.load(backend(abi::DOORBELL_SEEN)) != rung {
        shm.store(backend(abi::DOORBELL_SEEN), rung);
    }
    if worked {
        after_model_step(shared, st, i);
    }
    worked
}

/// Moves what the model printed into the tiles' output and PRINT rings.
fn take_printed(shared: &Shared, st: &mut State) {
    for p in st.model.take_printed() {
        if let Some(&k) = shared.index.get(&p.tile) {
            st.output[k].extend_from_slice(&p.text);
            shared.window.append_print(shared.tiles[k].slot, &p.text);
        }
    }
}

/// Publishes every tile the model touched (and tile `i`), then wakes them.
pub(crate) fn after_model_step(shared: &Shared, st: &mut State, i: usize) {
    for ig in st.model.take_ignored() {
        tracing::debug!(
            "tile {}: ignored write of {:#x} at +{:#x} ({})",
            ig.tile,
            ig.value,
            ig.offset,
            ig.rule.id()
        );
        if st.ignored.len() == IGNORED_LOG {
            st.ignored.pop_front();
        }
        st.ignored.push_back(ig);
    }
    for w in st.model.take_remote_writes() {
        if st.remote_writes.len() == REMOTE_WRITE_LOG {
            st.remote_writes.pop_front();
        }
        st.remote_writes.push_back(w);
    }
    if st.trace.is_some() {
        let records = st.model.take_records();
        if let Some(t) = &mut st.trace {
            t.take(records);
        }
    }
    let mut touched = st.model.take_events();
    let id = shared.tiles[i].id;
    if !touched.contains(&id) {
        touched.push(id);
    }
    take_printed(shared, st);
    for t in touched {
        if let Some(&k) = shared.index.get(&t) {
            publish(shared, st, k);
        }
    }
    // A changed CORE_ENABLE/CORE_RESET starts or stops a compute unit —
    // written by the host, or by any tile over the NoC (the kernel through
    // its scratch endpoint), so every tile is looked at. The launcher acts
    // on it outside the lock.
    for (k, t) in shared.tiles.iter().enumerate() {
        if t.host {
            continue;
        }
        if let Some(s) = st.model.tile(t.id) {
            let on = s.config[0] & 1 == 1 && s.config[1] & 1 == 0;
            if on != st.core_on[k] {
                st.core_on[k] = on;
                if !st.core_changes.contains(&k) {
                    st.core_changes.push(k);
                }
                publish(shared, st, k);
            }
        }
    }
}

/// Writes the model's view of tile `k` into its mirror and its window
/// region and bumps its event word. COMMAND and ARG1 are written only when
/// a handed-off command has completed, so a command the tile is just
/// writing is never overwritten.
pub(crate) fn publish(shared: &Shared, st: &mut State, k: usize) {
    let t = &shared.tiles[k];
    let shm = &t.shm;
    let Some(s) = st.model.tile(t.id) else { return };
    let layout = s.layout;
    let off = |r: Reg| t.base + r.offset(layout);
    if !t.host {
        // A tile's own mirror (the host tile's mirror is its window
        // region, published below).
        shm.store(off(Reg::Ext(ExtReg::Features)), s.features);
        shm.store(off(Reg::Ext(ExtReg::TileDesc)), s.tile_desc);
        shm.store(off(Reg::Ext(ExtReg::ExtCmd)), s.ext_cmd);
        for (e, words) in s.eps.iter().enumerate() {
            for (w, v) in words.iter().enumerate() {
                shm.store(
                    off(Reg::Ep {
                        ep: EpId(e as u16),
                        word: w as u8,
                    }),
                    *v,
                );
            }
        }
        for r in PrivReg::ALL {
            shm.store(off(Reg::Priv(*r)), s.privileged[*r as usize]);
        }
        shm.store(off(Reg::Config(ConfigReg::CoreEnable)), s.config[0]);
        shm.store(off(Reg::Config(ConfigReg::CoreReset)), s.config[1]);
    }
    let done = CommandStatus::decode(s.command).is_ok_and(|c| c.op == CmdOp::Idle);
    if st.inflight[k] && done {
        shm.store(off(Reg::Unpriv(UnprivReg::Arg1)), s.arg1);
        fence(Ordering::Release);
        shm.store(off(Reg::COMMAND), s.command);
        st.inflight[k] = false;
    }
    // The window: the host's view of every tile, and the host tile's own
    // registers.
    let violations = s.violations;
    if t.host {
        st.views[k].publish(&shared.window, &st.model, t.id);
    } else {
        // Other tiles' regions are a debug view: the reach-in thread
        // refreshes them, off the message path.
        st.view_dirty[k] = true;
    }
    shared.window.publish_reg(
        t.slot,
        board_window::layout::TileEventReg::Violations.offset(),
        violations,
    );
    fence(Ordering::Release);
    let ev = shm.load(t.base + abi::EVENT).wrapping_add(1) & 0xFFFF_FFFF;
    shm.store(t.base + abi::EVENT, ev);
    shm.wake(t.base + abi::EVENT);
}

#[cfg(test)]
mod tests {
    use super::permits;

    #[test]
    fn spinners_never_outnumber_the_cores() {
        // 2 cores, the service thread spinning: one tile may spin.
        assert_eq!(permits(1, &[false, false, false]), [true, true, true]);
        assert_eq!(permits(1, &[true, false, false]), [true, false, false]);
        // Two got in at once: both are told to stop.
        assert_eq!(permits(1, &[true, true, false]), [false, false, false]);
        // The service thread asleep: two tiles may spin.
        assert_eq!(permits(2, &[true, false, false]), [true, true, true]);
        assert_eq!(permits(2, &[true, true, false]), [true, true, false]);
        // One core, the service thread spinning: nobody else.
        assert_eq!(permits(0, &[false, false]), [false, false]);
    }
}
