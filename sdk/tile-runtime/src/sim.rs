//! What a tile *program* adds to the platform glue (`tile-platform`): the
//! image note the loader checks and the crash handler that tells the
//! kernel.

use std::sync::atomic::Ordering;

pub use tile_platform::{AttachError, Mapping, SimRegs};
use tile_sim_abi as abi;

/// The ELF note that marks every program built with this runtime as a tile
/// image for host-native simulated cores (tile-sim-abi describes the layout:
/// namesz, descsz, type, name, then ISA code, tile ABI and kif ABI version).
#[repr(C, align(4))]
pub struct ImageNote {
    namesz: u32,
    descsz: u32,
    kind: u32,
    name: [u8; 8],
    isa: u32,
    abi: u32,
    kif: u32,
}

/// The note itself, kept by the linker in a note section.
#[used]
#[unsafe(link_section = ".note.tilekit")]
pub static IMAGE_NOTE: ImageNote = ImageNote {
    namesz: abi::NOTE_NAME.len() as u32,
    descsz: abi::NOTE_DESC_SIZE,
    kind: abi::NOTE_TYPE,
    name: *abi::NOTE_NAME,
    isa: tcu_mmio::tile_desc::Isa::HostNative as u32,
    abi: abi::TILE_ABI_VERSION,
    kif: kif::KIF_ABI_VERSION,
};

/// The tile the crash handler tells the kernel about while `main` runs.
static CRASH_TILE: std::sync::atomic::AtomicPtr<crate::Tile> =
    std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());

/// The signals of a faulting instruction: the program crashed.
const CRASH_SIGNALS: [libc::c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];

extern "C" fn crash_handler(sig: libc::c_int) {
    // Taken out atomically: a second crash inside the handler does not use it.
    let tile = CRASH_TILE.swap(std::ptr::null_mut(), Ordering::AcqRel);
    if !tile.is_null() {
        // SAFETY: `tile` points to the Tile `run` owns; it lives until
        // `on_crash_clear` (after `main` returns).
        crate::tell_the_kernel(unsafe { &*tile }, 128 + sig);
    }
    // Die of the signal as before, so the board records the crash: with
    // the default action back, returning re-runs the faulting instruction.
    // (raise(3) needs tgkill, which the sandbox does not allow.)
    // SAFETY: restoring the default action is async-signal-safe.
    unsafe { libc::signal(sig, libc::SIG_DFL) };
}

/// While `main` runs: on a crash signal, tell the kernel (the `Exit`
/// syscall with 128 + the signal) and then die of the signal.
pub(crate) fn on_crash(tile: &crate::Tile) {
    CRASH_TILE.store((tile as *const crate::Tile).cast_mut(), Ordering::Release);
    for sig in CRASH_SIGNALS {
        // SAFETY: installing a handler that makes only async-signal-safe
        // calls (stores to the shared mapping, a futex wake, raise).
        unsafe { libc::signal(sig, crash_handler as *const () as libc::sighandler_t) };
    }
}

/// `main` has returned: the tile pointer must not be used any more.
pub(crate) fn on_crash_clear() {
    CRASH_TILE.store(std::ptr::null_mut(), Ordering::Release);
}
