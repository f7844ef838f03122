//! Links the kernel core into a `no_std` static library with its own
//! panic handler and allocator: proof that nothing in it needs std.
#![no_std]
#![deny(unsafe_code)]

extern crate alloc;

use core::alloc::{GlobalAlloc, Layout};

/// An allocator that never allocates: the link check only needs one to
/// exist (the kernel tile's platform layer brings the real one).
struct NoAlloc;

// The trait is unsafe to implement; returning null is always allowed.
#[allow(unsafe_code)]
mod imp {
    use super::*;

    // SAFETY: `alloc` returns null (allocation failure), which callers must
    // handle; `dealloc` is never given a pointer this allocator returned.
    unsafe impl GlobalAlloc for NoAlloc {
        unsafe fn alloc(&self, _: Layout) -> *mut u8 {
            core::ptr::null_mut()
        }
        unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
    }

    #[global_allocator]
    static ALLOCATOR: NoAlloc = NoAlloc;
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// Referenced so the kernel core's code is linked in, not discarded.
// An exported symbol is an unsafe attribute; nothing else here is unsafe.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn tilekit_kernel_link_check(label: u64, w0: u64, w1: u64) -> u64 {
    struct NullNoc;
    impl kernel_core::Noc for NullNoc {
        fn config_ep(
            &mut self,
            _: tcu_mmio_ids::TileId,
            _: tcu_mmio_ids::EpId,
            _: &tcu_mmio_ids::EpConfig,
        ) -> Result<(), tcu_mmio_ids::Code> {
            Ok(())
        }
        fn invalidate_ep(
            &mut self,
            _: tcu_mmio_ids::TileId,
            _: tcu_mmio_ids::EpId,
        ) -> Result<(), tcu_mmio_ids::Code> {
            Ok(())
        }
        fn set_running(
            &mut self,
            _: tcu_mmio_ids::TileId,
            _: tcu_mmio_ids::ActId,
        ) -> Result<(), tcu_mmio_ids::Code> {
            Ok(())
        }
        fn core_control(
            &mut self,
            _: tcu_mmio_ids::TileId,
            _: bool,
        ) -> Result<(), tcu_mmio_ids::Code> {
            Ok(())
        }
    }
    let mut k = kernel_core::Kernel::new(tcu_mmio_ids::TileId::on_chip0(0));
    k.syscall(&mut NullNoc, label, 0, &[w0, w1]).code as u64
}

/// The TCU types the kernel's NoC speaks.
mod tcu_mmio_ids {
    pub use tcu_mmio::ep::EpConfig;
    pub use tcu_mmio::{ActId, Code, EpId, TileId};
}
