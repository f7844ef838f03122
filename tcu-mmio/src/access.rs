//! Register access: the trait every backend implements, and the volatile
//! MMIO implementation for real hardware and mapped windows.
//!
//! A TCU register is always accessed with a single 64-bit load or store: the
//! command hand-off (write the arguments, then COMMAND; poll COMMAND until its
//! opcode reads IDLE) depends on a register never being seen half-written.
//! Offsets are byte offsets within one tile's TCU region (see
//! [`crate::regs::Reg::offset`]).

/// Reads and writes 64-bit TCU registers of one tile.
///
/// Implementations: [`MmioRegs`] (volatile accesses through a mapping), the
/// simulator's transport, and in-process fakes for tests. Implementations
/// must perform each call as one indivisible 64-bit access.
pub trait RegisterAccess {
    /// Reads the register at byte offset `offset`.
    fn read(&self, offset: u64) -> u64;

    /// Writes the register at byte offset `offset`.
    fn write(&self, offset: u64, value: u64);

    /// Orders this tile's memory accesses before later register accesses
    /// (and vice versa). The default is a full fence.
    fn fence(&self) {
        core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
    }

    /// Called while waiting for a command to finish. The default spins; the
    /// simulator's transport blocks on its event word after a short spin.
    fn relax(&self) {
        core::hint::spin_loop();
    }

    /// Asked before each wait for a command: `true` makes the command fail
    /// with TIMEOUT_NOC instead of waiting on. Hosts reaching a board over
    /// a link give up after their timeout; tiles never do (the default).
    /// A command given up on is still in flight: the TCU must be reset
    /// before the next one.
    fn give_up(&self) -> bool {
        false
    }
}

impl<A: RegisterAccess + ?Sized> RegisterAccess for &A {
    fn read(&self, offset: u64) -> u64 {
        (**self).read(offset)
    }
    fn write(&self, offset: u64, value: u64) {
        (**self).write(offset, value);
    }
    fn fence(&self) {
        (**self).fence();
    }
    fn relax(&self) {
        (**self).relax();
    }
    fn give_up(&self) -> bool {
        (**self).give_up()
    }
}

/// Volatile 64-bit accesses to a TCU region mapped at a fixed address.
///
/// Out-of-range or unaligned offsets are not accessed: reads return all ones
/// (what a bus returns for a missing device) and writes are dropped, so a
/// wrong offset can never touch memory outside the mapping.
#[derive(Debug)]
pub struct MmioRegs {
    base: *mut u64,
    len: usize,
}

// SAFETY: the mapping is device memory (or a shared mapping) accessed only by
// single volatile loads and stores, which are valid from any thread.
unsafe impl Send for MmioRegs {}
// SAFETY: as for Send; no method hands out references into the mapping.
unsafe impl Sync for MmioRegs {}

impl MmioRegs {
    /// Accesses the `len` bytes of TCU registers mapped at `base`.
    ///
    /// # Safety
    /// `base` must be 8-byte aligned and point to `len` bytes that stay mapped
    /// (readable and writable) for the lifetime of the returned value, and
    /// that are device registers or memory shared with the party that models
    /// them — never memory the Rust program otherwise borrows.
    pub unsafe fn new(base: *mut u64, len: usize) -> Self {
        Self { base, len }
    }

    /// The mapped length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the mapping is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn slot(&self, offset: u64) -> Option<*mut u64> {
        let off = usize::try_from(offset).ok()?;
        if off % 8 != 0 || off.checked_add(8)? > self.len {
            return None;
        }
        // wrapping_add keeps this free of unsafe; the bounds check above makes
        // the result point inside the mapping.
        Some(self.base.wrapping_add(off / 8))
    }
}

impl RegisterAccess for MmioRegs {
    fn read(&self, offset: u64) -> u64 {
        match self.slot(offset) {
            // SAFETY: `slot` returns an aligned pointer inside the mapping,
            // which `new`'s contract keeps valid for reads.
            Some(p) => unsafe { p.read_volatile() },
            None => u64::MAX,
        }
    }

    fn write(&self, offset: u64, value: u64) {
        if let Some(p) = self.slot(offset) {
            // SAFETY: `slot` returns an aligned pointer inside the mapping,
            // which `new`'s contract keeps valid for writes.
            unsafe { p.write_volatile(value) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mmio_accesses_stay_inside_the_mapping() {
        let mut mem = [0u64; 4];
        {
            // SAFETY: `mem` outlives `regs`, which is the only access to it
            // inside this block.
            let regs = unsafe { MmioRegs::new(mem.as_mut_ptr(), 32) };
            regs.write(8, 0xDEAD_BEEF);
            assert_eq!(regs.read(8), 0xDEAD_BEEF);
            assert_eq!(regs.read(32), u64::MAX, "past the end reads all ones");
            assert_eq!(regs.read(3), u64::MAX, "unaligned reads all ones");
            regs.write(32, 1);
            regs.write(u64::MAX, 1);
        }
        assert_eq!(mem, [0, 0xDEAD_BEEF, 0, 0]);
    }
}
