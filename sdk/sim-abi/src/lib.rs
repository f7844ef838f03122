//! `tile-sim-abi`: what a simulated tile inherits from the simulator.
//!
//! A simulated compute unit is a process that inherits exactly one file
//! descriptor, [`TILE_FD`]. It holds, in this order:
//!
//! ```text
//! 0x0000 .. 0x4000   the tile's TCU region: a mirror of its registers that
//!                    the simulator publishes (spec v2 layout), with the
//!                    transport words below in the backend area at +0x3800
//! 0x4000 .. end      the tile's local memory (a core's DRAM slice, an
//!                    accelerator's buffers); local address 0 is at 0x4000
//! ```
//!
//! The mirror is not authoritative: the simulator copies what it needs out
//! of it, validates, and acts (architecture brief §4). The tile writes the
//! argument registers (DATA_ADDR, DATA_SIZE, ARG1) and the print buffer into
//! the mirror directly; COMMAND and PRINT are hand-offs (the tile writes
//! them only while idle, the simulator only while busy); every other
//! register write travels as a request through [`REQ_STATE`]. This crate is
//! shared by the simulator (board-support) and the tile runtime (sdk), so
//! neither depends on the other.
#![no_std]
#![forbid(unsafe_code)]

/// The descriptor number a tile inherits.
pub const TILE_FD: i32 = 3;
/// Size of the register part (one TCU region).
pub const REGION_SIZE: u64 = 0x4000;
/// Offset of local memory in the descriptor.
pub const MEMORY_OFFSET: u64 = REGION_SIZE;

/// Backend area: the tile increments this 32-bit word (and wakes it with a
/// futex) after writing COMMAND, PRINT or a request.
pub const DOORBELL: u64 = 0x3800;
/// Backend area: the simulator increments this 32-bit word (and wakes it
/// with a futex) when a command or request completes or a message arrives.
pub const EVENT: u64 = 0x3808;
/// Backend area: 1 while a register-write request is pending, 0 when done.
pub const REQ_STATE: u64 = 0x3810;
/// Backend area: the register offset of the pending request.
pub const REQ_OFFSET: u64 = 0x3818;
/// Backend area: the value of the pending request.
pub const REQ_VALUE: u64 = 0x3820;
/// Backend area: the outcome of the last request (0 applied, 1 ignored).
pub const REQ_RESULT: u64 = 0x3828;
/// Backend area: 1 while the tile waits at entry for a debugger
/// (`run --stop-at-entry`); the simulator clears it to let the tile go.
pub const HOLD_AT_ENTRY: u64 = 0x3830;

/// Backend area: CLOCK_MONOTONIC in ns when the board started; CUR_TIME is
/// the time since then.
pub const BOOT_NS: u64 = 0x3838;

/// Backend area: the tile's endpoint count (fixes where the print buffer is).
pub const EPS: u64 = 0x3840;

/// Backend area: 1 while the tile spins waiting for its event word, 0
/// otherwise (written by the tile; the simulator counts spinners).
pub const SPINNING: u64 = 0x3848;

/// Backend area: 1 while the tile may spin before sleeping, 0 when the
/// board's spinners already fill the machine's cores (written by the
/// simulator; a spinning tile checks it and goes to sleep when it drops).
/// The wait policy of LIMITS.md: spin only while spinners < cores.
pub const SPIN_PERMIT: u64 = 0x3850;

/// Backend area: the DOORBELL value the simulator has handled everything
/// up to (written by the simulator after each pass over the tile's
/// hand-offs). A tile that needs to know its hand-off was taken — a SLEEP
/// stays pending without any other sign — waits until it equals the value
/// it rang.
pub const DOORBELL_SEEN: u64 = 0x3858;

/// Version of the tile ABI (this descriptor layout, the transport protocol
/// and the image note). A tile image records the version it was built for
/// in its note, beside the kif ABI version (the kernel interface).
pub const TILE_ABI_VERSION: u32 = 2;

/// ELF note that marks a tile image: owner name (NUL-terminated, padded to
/// 4 bytes in the note).
pub const NOTE_NAME: &[u8; 8] = b"tilekit\0";
/// ELF note type of the tile-image note ("TI").
pub const NOTE_TYPE: u32 = 0x5449;
/// Size of the note's descriptor: ISA code, tile ABI version and kif ABI
/// version (u32 each). Images of tile ABI 1 had the first two only.
pub const NOTE_DESC_SIZE: u32 = 12;

/// Environment variable naming the tile (e.g. `C0T03`) for messages.
pub const ENV_TILE: &str = "TILEKIT_TILE";

/// Where a loaded image lives in a simulated core's local memory, and how
/// its header is laid out: the one definition the loaders (the host
/// library, the in-process simulator) and the launcher share.
///
/// The **image header** fills the last 4 KiB of local memory; the image
/// bytes (the ELF executable) sit right below it, starting at a 4 KiB
/// boundary. Local memory below the image is free for the program, so a
/// program's buffers at low addresses never collide with its image (as on
/// a core whose code is linked high).
///
/// Header, 64-bit little-endian words: 0 [`image::IMAGE_MAGIC`], 1 local address
/// of the image, 2 image length in bytes, 3 length of the argument block;
/// the argument block (arguments separated by NUL bytes) starts at byte
/// [`image::IMAGE_ARGS_AT`] of the header.
pub mod image {
    /// Size of the header at the top of local memory.
    pub const HEADER_SIZE: u64 = 0x1000;
    /// First word of a valid header: the ASCII bytes `TKIMAGE1`.
    pub const IMAGE_MAGIC: u64 = u64::from_le_bytes(*b"TKIMAGE1");
    /// Byte offset of the argument block inside the header.
    pub const IMAGE_ARGS_AT: u64 = 0x40;
    /// Most bytes the argument block can hold.
    pub const MAX_ARGS_BYTES: u64 = HEADER_SIZE - IMAGE_ARGS_AT;

    /// Where an image of a given size goes in a local memory of a given size.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Placement {
        /// Local address of the header (the last 4 KiB).
        pub header_at: u64,
        /// Local address of the first image byte.
        pub image_at: u64,
    }

    /// Places an image of `image_len` bytes in `mem_size` bytes of local
    /// memory; `None` when it does not fit.
    pub fn place(mem_size: u64, image_len: u64) -> Option<Placement> {
        let header_at = mem_size.checked_sub(HEADER_SIZE)? & !(HEADER_SIZE - 1);
        let rounded = image_len.checked_next_multiple_of(HEADER_SIZE)?;
        let image_at = header_at.checked_sub(rounded)?;
        Some(Placement {
            header_at,
            image_at,
        })
    }

    /// A decoded header.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Header {
        /// Local address of the image.
        pub image_at: u64,
        /// Image length in bytes.
        pub image_len: u64,
        /// Length of the argument block.
        pub args_len: u64,
    }

    /// Why a header is not valid.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum HeaderError {
        /// No magic: nothing was loaded.
        NoImage,
        /// The header's fields point outside local memory or overlap it.
        Corrupt,
    }

    /// The header words for an image placed at `p` with `args_len` bytes of arguments.
    pub fn encode(p: Placement, image_len: u64, args_len: u64) -> [u64; 4] {
        [IMAGE_MAGIC, p.image_at, image_len, args_len]
    }

    /// Decodes the first four header words of the header at local address
    /// `header_at`, checking that the image lies below it.
    pub fn decode(words: [u64; 4], header_at: u64) -> Result<Header, HeaderError> {
        if words[0] != IMAGE_MAGIC {
            return Err(HeaderError::NoImage);
        }
        let (image_at, image_len, args_len) = (words[1], words[2], words[3]);
        let end = image_at
            .checked_add(image_len)
            .ok_or(HeaderError::Corrupt)?;
        if end > header_at || args_len > MAX_ARGS_BYTES || image_len == 0 {
            return Err(HeaderError::Corrupt);
        }
        Ok(Header {
            image_at,
            image_len,
            args_len,
        })
    }

    #[cfg(test)]
    #[allow(clippy::unwrap_used)]
    mod tests {
        use super::*;

        #[test]
        fn images_sit_below_the_header_at_the_top() {
            let p = place(16 << 20, 5_000_000).unwrap();
            assert_eq!(p.header_at, (16 << 20) - 0x1000);
            assert_eq!(p.image_at % 0x1000, 0);
            assert!(p.image_at + 5_000_000 <= p.header_at);
            let w = encode(p, 5_000_000, 10);
            assert_eq!(
                decode(w, p.header_at),
                Ok(Header {
                    image_at: p.image_at,
                    image_len: 5_000_000,
                    args_len: 10
                })
            );
        }

        #[test]
        fn images_that_do_not_fit_and_bad_headers_are_refused() {
            assert_eq!(place(1 << 20, 1 << 20), None);
            assert_eq!(place(0x800, 1), None);
            let p = place(1 << 20, 100).unwrap();
            assert_eq!(decode([0, 0, 0, 0], p.header_at), Err(HeaderError::NoImage));
            let mut w = encode(p, 100, 0);
            w[2] = u64::MAX;
            assert_eq!(decode(w, p.header_at), Err(HeaderError::Corrupt));
            w = encode(p, 100, MAX_ARGS_BYTES + 1);
            assert_eq!(decode(w, p.header_at), Err(HeaderError::Corrupt));
            w = encode(p, 0, 0);
            assert_eq!(decode(w, p.header_at), Err(HeaderError::Corrupt));
        }
    }
}
