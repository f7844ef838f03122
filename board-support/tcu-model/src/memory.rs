//! Memory the model reads and writes: backings (a memory tile's DRAM, an
//! accelerator's local buffers) and regions of them (a core's DRAM slice).
//!
//! The model copies in and out of backings; it never holds a reference into
//! memory another process may write. The in-process backing is a `Vec<u8>`;
//! the simulator supplies backings over shared mappings.

/// A byte-addressable store.
pub trait Backing: Send {
    /// Size in bytes.
    fn len(&self) -> u64;
    /// Whether the store is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Copies `buf.len()` bytes at `offset` into `buf`. The caller has
    /// checked that the range lies inside the store.
    fn read(&self, offset: u64, buf: &mut [u8]);
    /// Copies `data` to `offset`. The caller has checked the range.
    fn write(&mut self, offset: u64, data: &[u8]);

    /// Copies `len` bytes at `offset` of this backing into `dst` at
    /// `dst_offset` (the caller has checked both ranges). The default goes
    /// through a buffer; backings over mapped memory copy directly when `dst`
    /// offers a [`RawWindow`].
    fn copy_to(&self, offset: u64, dst: &mut dyn Backing, dst_offset: u64, len: u64) {
        let mut buf = vec![0u8; len.min(64 << 10) as usize];
        let mut done = 0;
        while done < len {
            let n = (len - done).min(buf.len() as u64) as usize;
            self.read(offset + done, &mut buf[..n]);
            dst.write(dst_offset + done, &buf[..n]);
            done += n as u64;
        }
    }

    /// The bytes `offset..offset + len` as a raw window another backing may
    /// copy into directly, if they are one contiguous piece of mapped memory.
    fn raw_window(&mut self, offset: u64, len: u64) -> Option<RawWindow> {
        let _ = (offset, len);
        None
    }

    /// Sets every byte to zero (board reset). The default writes zeros;
    /// backings over shared memory drop their pages instead, so a reset
    /// does not commit memory that was never used.
    fn clear(&mut self) {
        let zeros = vec![0u8; 64 << 10];
        let mut off = 0;
        while off < self.len() {
            let n = (self.len() - off).min(zeros.len() as u64);
            self.write(off, &zeros[..n as usize]);
            off += n;
        }
    }
}

/// A contiguous piece of mapped memory: where it starts and how long it is. Only code
/// that may use `unsafe` (the simulator's backings) dereferences it.
#[derive(Clone, Copy, Debug)]
pub struct RawWindow {
    /// First byte.
    pub base: *mut u8,
    /// Length in bytes.
    pub len: u64,
}

/// An in-process backing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VecBacking(pub Vec<u8>);

impl VecBacking {
    /// `len` zero bytes.
    pub fn zeroed(len: usize) -> Self {
        Self(vec![0; len])
    }
}

impl Backing for VecBacking {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    fn read(&self, offset: u64, buf: &mut [u8]) {
        let start = offset as usize;
        if let Some(src) = self.0.get(start..start + buf.len()) {
            buf.copy_from_slice(src);
        }
    }

    fn write(&mut self, offset: u64, data: &[u8]) {
        let start = offset as usize;
        if let Some(dst) = self.0.get_mut(start..start + data.len()) {
            dst.copy_from_slice(data);
        }
    }
}

/// Index of a backing in the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BackingId(pub usize);

/// A window of a backing: what a tile sees as its local memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Region {
    /// The backing.
    pub backing: BackingId,
    /// Where the window starts in the backing.
    pub offset: u64,
    /// Its size in bytes.
    pub size: u64,
}

impl Region {
    /// The backing offset of local address range `addr..addr+len`, if the
    /// whole range lies inside the region.
    pub fn translate(&self, addr: u64, len: u64) -> Option<u64> {
        let end = addr.checked_add(len)?;
        (end <= self.size).then(|| self.offset + addr)
    }
}
