//! Board reset, and the control-page thread that notices the host's
//! requests. A window may be written without any doorbell (a VM's ivshmem
//! BAR, an FPGA host), so the thread polls: every millisecond while the
//! host is active, backing off to 20 ms when idle. It also keeps the
//! heartbeat going.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use board_window::layout::{ControlReg, STATUS_RESETTING, STATUS_UP};
use tile_sim_abi as abi;

use crate::{Shared, lock, service};

/// Stops every tile program, resets every TCU and clears all memory.
pub(crate) fn reset(shared: &Shared) {
    let pids: Vec<u32> = lock(shared).pids.iter().flatten().copied().collect();
    for pid in &pids {
        // SAFETY: kill(2) on children we started and have not reaped.
        unsafe { libc::kill(*pid as i32, libc::SIGKILL) };
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut st = lock(shared);
    while st.pids.iter().any(Option::is_some) && Instant::now() < deadline {
        st = match shared.exited.wait_timeout(st, Duration::from_millis(50)) {
            Ok((g, _)) => g,
            Err(p) => p.into_inner().0,
        };
    }
    st.model.reset();
    for k in 0..shared.tiles.len() {
        st.inflight[k] = false;
        st.output[k].clear();
        st.exits[k] = None;
        let shm = &shared.tiles[k].shm;
        // Registers of the mirror back to zero (the transport words stay).
        for off in (0..abi::DOORBELL).step_by(8) {
            shm.store(off, 0);
        }
        if let Some(w) = &shared.window {
            w.clear_events(shared.tiles[k].slot);
        }
        service::publish(shared, &mut st, k);
    }
}

/// Polls the control page for RESET and keeps the heartbeat.
pub(crate) fn control_thread(shared: &Shared) {
    let Some(w) = &shared.window else { return };
    let status = ControlReg::Status.window_offset();
    let mut last_beat = Instant::now();
    let mut idle = Duration::from_millis(1);
    while !shared.stop.load(Ordering::SeqCst) {
        if w.read(ControlReg::Reset.window_offset()) != 0 {
            w.write(status, STATUS_UP.mask() | STATUS_RESETTING.mask());
            reset(shared);
            w.write(ControlReg::Reset.window_offset(), 0);
            w.write(status, STATUS_UP.mask());
            idle = Duration::from_millis(1);
        } else {
            idle = (idle * 2).min(Duration::from_millis(20));
        }
        if last_beat.elapsed() >= Duration::from_millis(50) {
            w.heartbeat();
            last_beat = Instant::now();
        }
        std::thread::sleep(idle);
    }
}
