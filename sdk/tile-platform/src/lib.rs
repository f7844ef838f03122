//! `tile-platform`: the platform glue of a simulated tile — the inherited
//! descriptor, its mapping, and register access through the simulator's
//! transport. Tile programs reach it through `tile-runtime`; accelerator
//! controllers (which never see the kernel, so not `tile-runtime`, which
//! knows kif) use it directly.
//!
//! All `unsafe` of a tile's software is here. Shared memory is touched only
//! with volatile loads and stores of whole aligned words and with raw
//! pointer copies; no Rust reference into the mapping is ever formed,
//! because the simulator writes it concurrently.

use std::cell::Cell;
use std::sync::atomic::{Ordering, fence};

use tcu_mmio::RegisterAccess;
use tcu_mmio::regs::{Reg, UnprivReg};
use tile_sim_abi as abi;

/// Why the simulated platform could not be attached.
#[derive(Debug)]
pub struct AttachError(pub String);

impl std::fmt::Display for AttachError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The mapping of the inherited descriptor.
#[derive(Debug)]
pub struct Mapping {
    base: *mut u8,
    len: usize,
}

// SAFETY: the mapping is never unmapped (it lives as long as the process)
// and every access goes through raw-pointer copies or atomic word
// operations, never a Rust reference: other processes write the same
// memory concurrently already, so threads of this process sharing it add
// no new kind of access. (An accelerator tile's device model runs on its
// own thread against the tile's local buffers.)
unsafe impl Send for Mapping {}
// SAFETY: as for `Send`.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps [`abi::TILE_FD`]: the tile's register mirror and its memory.
    pub fn attach() -> Result<Self, AttachError> {
        // SAFETY: fstat only writes the stat buffer we own.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: `st` is a valid, writable stat buffer.
        if unsafe { libc::fstat(abi::TILE_FD, &mut st) } != 0 {
            return Err(AttachError(format!(
                "no board descriptor on fd {}: tile programs run on a board (`tilekit run`), not directly",
                abi::TILE_FD
            )));
        }
        let len = usize::try_from(st.st_size).unwrap_or(0);
        if (len as u64) < abi::REGION_SIZE {
            return Err(AttachError(format!(
                "fd {} is {len} bytes, smaller than a tile region",
                abi::TILE_FD
            )));
        }
        // SAFETY: mapping a descriptor we inherited for this purpose; the
        // result is checked before use.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                abi::TILE_FD,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(AttachError(format!(
                "cannot map fd {}: {}",
                abi::TILE_FD,
                std::io::Error::last_os_error()
            )));
        }
        Ok(Self {
            base: p.cast(),
            len,
        })
    }

    fn word(&self, off: u64) -> Option<*mut u64> {
        let off = usize::try_from(off).ok()?;
        (off % 8 == 0 && off + 8 <= self.len).then(|| self.base.wrapping_add(off).cast::<u64>())
    }

    /// Volatile load of the word at `off` (all ones outside the mapping).
    pub fn load(&self, off: u64) -> u64 {
        match self.word(off) {
            // SAFETY: `word` returns an aligned pointer inside the mapping.
            Some(p) => unsafe { p.read_volatile() },
            None => u64::MAX,
        }
    }

    /// Volatile store of the word at `off` (dropped outside the mapping).
    pub fn store(&self, off: u64, v: u64) {
        if let Some(p) = self.word(off) {
            // SAFETY: `word` returns an aligned pointer inside the mapping.
            unsafe { p.write_volatile(v) }
        }
    }

    /// Size of local memory.
    pub fn mem_size(&self) -> u64 {
        self.len as u64 - abi::MEMORY_OFFSET
    }

    fn mem_ptr(&self, addr: u64, len: usize) -> Option<*mut u8> {
        let end = addr.checked_add(len as u64)?;
        (end <= self.mem_size())
            .then(|| self.base.wrapping_add((abi::MEMORY_OFFSET + addr) as usize))
    }

    /// Copies `data` into local memory at `addr`; false outside it.
    pub fn mem_write(&self, addr: u64, data: &[u8]) -> bool {
        match self.mem_ptr(addr, data.len()) {
            Some(p) => {
                // SAFETY: the range lies inside the mapping and does not
                // overlap `data`, which is ordinary process memory.
                unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), p, data.len()) };
                true
            }
            None => false,
        }
    }

    /// Copies local memory at `addr` into `buf`; false outside it.
    pub fn mem_read(&self, addr: u64, buf: &mut [u8]) -> bool {
        match self.mem_ptr(addr, buf.len()) {
            Some(p) => {
                // SAFETY: as in `mem_write`, in the other direction.
                unsafe { std::ptr::copy_nonoverlapping(p, buf.as_mut_ptr(), buf.len()) };
                true
            }
            None => false,
        }
    }

    fn futex(&self, off: u64, op: libc::c_int, val: u32) {
        if let Some(p) = self.word(off) {
            let ts = libc::timespec {
                tv_sec: 0,
                tv_nsec: 50_000_000,
            };
            // SAFETY: a futex call on an aligned word inside the mapping;
            // the kernel only reads it. The timeout bounds a lost wake-up.
            unsafe {
                libc::syscall(
                    libc::SYS_futex,
                    p.cast::<u32>(),
                    op,
                    val,
                    &ts as *const libc::timespec,
                    0usize,
                    0u32,
                );
            }
        }
    }
}

/// Register access of a simulated core.
#[derive(Debug)]
pub struct SimRegs {
    map: Mapping,
    /// The EVENT value seen when the last hand-off started.
    seen: Cell<u32>,
    /// How long to spin before sleeping for the command in flight.
    spins: Cell<u32>,
}

/// Polls before sleeping on the futex while a command other than SLEEP
/// runs (a SLEEP waits for another tile, which needs the core: it sleeps at
/// once). With one service thread in the simulator, a tile spinning for its
/// own short command keeps spinners at or below the 2 cores (LIMITS.md);
/// measured in docs/performance.md.
const SPINS: u32 = 20000;

impl SimRegs {
    /// Access through `map`.
    pub fn new(map: Mapping) -> Self {
        Self {
            map,
            seen: Cell::new(0),
            spins: Cell::new(SPINS),
        }
    }

    /// The mapping (local memory access).
    pub fn mapping(&self) -> &Mapping {
        &self.map
    }

    fn event(&self) -> u32 {
        self.map.load(abi::EVENT) as u32
    }

    fn ring(&self) {
        fence(Ordering::Release);
        let d = self.map.load(abi::DOORBELL).wrapping_add(1) & 0xFFFF_FFFF;
        self.map.store(abi::DOORBELL, d);
        self.map.futex(abi::DOORBELL, libc::FUTEX_WAKE, 1);
    }

    /// Blocks until EVENT differs from `seen`: spins first while the
    /// simulator permits it (its spinner budget), then sleeps on the word.
    fn wait_event(&self) {
        let seen = self.seen.get();
        if self.spins.get() > 0 && self.map.load(abi::SPIN_PERMIT) != 0 {
            self.map.store(abi::SPINNING, 1);
            for i in 0..self.spins.get() {
                if self.event() != seen {
                    self.map.store(abi::SPINNING, 0);
                    fence(Ordering::Acquire);
                    self.seen.set(self.event());
                    return;
                }
                // The permit is withdrawn when others fill the cores.
                if i % 64 == 63 && self.map.load(abi::SPIN_PERMIT) == 0 {
                    break;
                }
                std::hint::spin_loop();
            }
            self.map.store(abi::SPINNING, 0);
        }
        self.map.futex(abi::EVENT, libc::FUTEX_WAIT, seen);
        fence(Ordering::Acquire);
        self.seen.set(self.event());
    }
}

impl RegisterAccess for SimRegs {
    fn read(&self, offset: u64) -> u64 {
        if offset == Reg::Unpriv(UnprivReg::CurTime).offset(tcu_mmio::regs::Layout::HW) {
            let mut ts = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: clock_gettime writes the timespec we own.
            unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
            let now = ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64;
            return now.saturating_sub(self.map.load(abi::BOOT_NS));
        }
        let v = self.map.load(offset);
        fence(Ordering::Acquire);
        v
    }

    fn write(&self, offset: u64, value: u64) {
        let unpriv = |r| Reg::Unpriv(r).offset(tcu_mmio::regs::Layout::HW);
        if offset == unpriv(UnprivReg::DataAddr)
            || offset == unpriv(UnprivReg::DataSize)
            || offset == unpriv(UnprivReg::Arg1)
        {
            self.map.store(offset, value);
        } else if offset == unpriv(UnprivReg::Command) || offset == unpriv(UnprivReg::Print) {
            // Hand-off: remember EVENT before the simulator can answer.
            self.seen.set(self.event());
            // SLEEP waits for another tile, which needs a core: sleep at
            // once. Everything else completes within microseconds: spin.
            let op = tcu_mmio::cmd::CMD_OP.get(value);
            let sleeping =
                offset == unpriv(UnprivReg::Command) && op == tcu_mmio::CmdOp::Sleep as u64;
            self.spins.set(if sleeping { 0 } else { SPINS });
            fence(Ordering::Release);
            self.map.store(offset, value);
            self.ring();
        } else if offset > unpriv(UnprivReg::Print) && offset < 0x2000 && self.is_print_buf(offset)
        {
            self.map.store(offset, value);
        } else {
            // Everything else is a request the simulator applies or ignores.
            while self.map.load(abi::REQ_STATE) != 0 {
                self.wait_event();
            }
            self.map.store(abi::REQ_OFFSET, offset);
            self.map.store(abi::REQ_VALUE, value);
            self.seen.set(self.event());
            fence(Ordering::Release);
            self.map.store(abi::REQ_STATE, 1);
            self.ring();
            while self.map.load(abi::REQ_STATE) != 0 {
                self.wait_event();
            }
        }
    }

    fn relax(&self) {
        self.wait_event();
    }
}

impl SimRegs {
    /// Whether `offset` is in the print buffer (which follows the last EP).
    fn is_print_buf(&self, offset: u64) -> bool {
        let eps = tcu_mmio::regs::Layout::new(self.eps()).unwrap_or(tcu_mmio::regs::Layout::HW);
        let start = eps.print_buf_start();
        (start..start + tcu_mmio::regs::PRINT_REGS * 8).contains(&offset)
    }

    /// The endpoint count, from the simulator-published backend word.
    pub fn eps(&self) -> u16 {
        self.map.load(abi::EPS) as u16
    }
}
