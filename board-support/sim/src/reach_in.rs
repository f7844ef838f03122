//! Reach-in: noticing what hosts write into the window.
//!
//! A window may be written without any doorbell (another process mapping
//! /dev/shm, a VM's ivshmem BAR, an FPGA host), so one thread polls it:
//! the control page (RESET), the host tile's command hand-off, and every
//! tile region's watched registers ([`crate::view`]). Polling is adaptive:
//! while a host is active (something changed in the last 100 ms) the
//! thread looks every ~20 µs, so a host's command completes in tens of
//! microseconds; idle, it backs off to every 20 ms. It also keeps the
//! heartbeat going.

use std::sync::Arc;
use std::sync::atomic::{Ordering, fence};
use std::time::{Duration, Instant};

use board_window::layout::{ControlReg, STATUS_RESETTING, STATUS_UP};
use tcu_model::Access;

use crate::{Shared, launcher, lock, reset, service};

/// How long the thread keeps polling fast after the last host activity.
const ACTIVE: Duration = Duration::from_millis(100);
/// The fast polling period.
const FAST: Duration = Duration::from_micros(20);
/// The slowest polling period (idle).
const SLOW: Duration = Duration::from_millis(20);

/// Publishes tile `k`'s window region if the model changed since.
fn publish_if_dirty(shared: &Shared, st: &mut crate::State, k: usize) {
    if std::mem::take(&mut st.view_dirty[k]) {
        st.views[k].publish(&shared.window, &st.model, shared.tiles[k].id);
    }
}

/// One pass over the window; true when the host did anything.
fn poll(shared: &Arc<Shared>) -> bool {
    let w = &shared.window;
    let mut active = false;
    if w.read(ControlReg::Reset.window_offset()) != 0 {
        w.write(
            ControlReg::Status.window_offset(),
            STATUS_UP.mask() | STATUS_RESETTING.mask(),
        );
        reset::reset(shared);
        w.write(ControlReg::Reset.window_offset(), 0);
        w.write(ControlReg::Status.window_offset(), STATUS_UP.mask());
        active = true;
    }
    // A host asks for an up-to-date view: publish every dirty region in
    // this pass, then acknowledge.
    let view_req = w.read(ControlReg::ViewReq.window_offset());
    let sync = view_req != w.read(ControlReg::ViewAck.window_offset());
    if sync {
        active = true;
    }
    let changes = {
        let mut st = lock(shared);
        for (k, t) in shared.tiles.iter().enumerate() {
            // The host's hand-off is read before its other registers: a
            // command the host wrote after configuring an endpoint must
            // see that configuration applied (the host stores in order).
            let handoff = t.host && service::handoff_pending(t);
            fence(Ordering::Acquire);
            publish_if_dirty(shared, &mut st, k);
            let writes = st.views[k].scan(w);
            if !writes.is_empty() {
                active = true;
            }
            // Writes into the host tile's own region are its own (local)
            // register writes; into any other region they travel over the
            // NoC (remote), as a host's writes through the board's bridge.
            let from = if t.host {
                Access::Local
            } else {
                Access::Remote
            };
            if !writes.is_empty() {
                for (off, v) in writes {
                    tracing::trace!("reach-in: tile {} +{off:#x} = {v:#x}", t.id);
                    st.model.write_reg(t.id, off, v, from);
                }
                service::after_model_step(shared, &mut st, k);
            }
            if handoff {
                active |= service::service(shared, &mut st, k);
            }
        }
        if sync {
            for k in 0..shared.tiles.len() {
                publish_if_dirty(shared, &mut st, k);
            }
            w.write(ControlReg::ViewAck.window_offset(), view_req);
        }
        !st.core_changes.is_empty()
    };
    if changes {
        launcher::apply_core_changes(shared);
    }
    active
}

/// Polls the window until the simulator stops.
pub(crate) fn reach_in_thread(shared: &Arc<Shared>) {
    // Sleeps of a few microseconds need a small timer slack.
    // SAFETY: prctl(PR_SET_TIMERSLACK) on this thread; no memory involved.
    unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1000 as libc::c_ulong, 0, 0, 0) };
    let mut last_beat = Instant::now();
    let mut last_active = Instant::now() - ACTIVE;
    let mut idle = FAST;
    while !shared.stop.load(Ordering::SeqCst) {
        if poll(shared) {
            last_active = Instant::now();
            idle = FAST;
        } else if last_active.elapsed() >= ACTIVE {
            idle = (idle * 2).min(SLOW);
        }
        if last_beat.elapsed() >= Duration::from_millis(50) {
            shared.window.heartbeat();
            last_beat = Instant::now();
        }
        std::thread::sleep(idle);
    }
}
