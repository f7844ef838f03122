//! Child activities: programs another program starts, watches and stops.
//!
//! Images are loaded onto tiles by the board's loader (as an FPGA
//! bring-up script would); what a program gets is the *activity* on such
//! a tile: root hands it over before the program starts (`parent:` in the
//! board file, `kif::plan::CHILD_ACTS + k` for the k-th child). The parent
//! gives the child capabilities (a gate to talk back, say), starts it,
//! and waits for it — blocking ([`ChildActivity::wait`]) or by upcall
//! ([`ChildActivity::watch`]) while it serves something else. Dropping
//! the handle does nothing: a child runs until it exits or is stopped.

use kif::{CapRange, CapSel};

use crate::{Env, GateError};

/// An activity this program may start, stop and wait for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChildActivity {
    /// Its capability.
    pub sel: CapSel,
}

impl ChildActivity {
    /// The `k`-th child root handed over at boot (in boot-entry order).
    pub fn handed(k: usize) -> ChildActivity {
        ChildActivity {
            sel: CapSel(kif::plan::CHILD_ACTS.0 + k as u64),
        }
    }

    /// The children root handed over: selectors `CHILD_ACTS…` that hold a
    /// capability (asked of the kernel with a harmless `MemInfo`: an
    /// activity is the wrong type, an empty selector none at all).
    pub fn all_handed(env: &Env<'_>) -> Vec<ChildActivity> {
        use tile_syscalls::SyscallError::Kernel;
        (0..kif::plan::MAX_CHILDREN)
            .map(ChildActivity::handed)
            .take_while(|c| !matches!(env.sys.mem_info(c.sel), Err(Kernel(kif::Code::NoCap))))
            .collect()
    }

    /// Gives the child capability `own` at its selector `to` (before it
    /// starts: a gate it finds at a place both sides agree on).
    pub fn delegate(&self, env: &Env<'_>, own: CapSel, to: CapSel) -> Result<(), GateError> {
        Ok(env.sys.exchange(self.sel, CapRange::one(own), to, false)?)
    }

    /// Starts it.
    pub fn start(&self, env: &Env<'_>) -> Result<(), GateError> {
        Ok(env.sys.act_ctrl(self.sel, true)?)
    }

    /// Stops it (as if it exited with 0x7FFF_FFFF).
    pub fn stop(&self, env: &Env<'_>) -> Result<(), GateError> {
        Ok(env.sys.act_ctrl(self.sel, false)?)
    }

    /// Waits until it exits; its exit code.
    pub fn wait(&self, env: &Env<'_>) -> Result<u64, GateError> {
        Ok(env.sys.act_wait(self.sel)?)
    }

    /// Asks the kernel for an upcall (`Upcall::Exited { ident, .. }`) when
    /// it exits, so this program keeps working meanwhile.
    pub fn watch(&self, env: &Env<'_>, ident: u64) -> Result<(), GateError> {
        Ok(env.sys.act_watch(self.sel, ident)?)
    }
}
