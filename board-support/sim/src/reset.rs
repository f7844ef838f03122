//! Board reset: every tile program stopped, every TCU reset, all memory
//! cleared, every window region published anew.

use std::time::{Duration, Instant};

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
    st.core_changes.clear();
    for k in 0..shared.tiles.len() {
        st.inflight[k] = false;
        st.output[k].clear();
        st.exits[k] = None;
        st.core_on[k] = false;
        st.stopping[k] = false;
        let t = &shared.tiles[k];
        // Registers of the mirror back to zero (the transport words stay).
        for off in (0..abi::DOORBELL).step_by(8) {
            t.shm.store(t.base + off, 0);
        }
        shared.window.clear_events(t.slot);
        st.views[k].clear(&shared.window);
        service::publish(shared, &mut st, k);
    }
}
