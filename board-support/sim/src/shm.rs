//! Shared memory: a memfd mapped into the simulator, touched only through
//! volatile word accesses and raw copies (never through references, since
//! tile processes write it concurrently).

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::Ordering;

use tcu_model::{Backing, RawWindow};

/// A memfd and its mapping in the simulator.
#[derive(Debug)]
pub struct SharedMem {
    fd: OwnedFd,
    base: *mut u8,
    len: usize,
}

// SAFETY: the mapping is accessed only through volatile word accesses and
// raw copies, which are valid from any thread; no references are handed out.
unsafe impl Send for SharedMem {}
// SAFETY: as for Send.
unsafe impl Sync for SharedMem {}

impl SharedMem {
    /// A zero-filled shared memory of `len` bytes named `name` (for /proc).
    pub fn new(name: &str, len: usize) -> std::io::Result<Self> {
        let cname =
            CString::new(name).map_err(|_| std::io::Error::other("memfd name has a NUL byte"))?;
        // SAFETY: memfd_create with a valid C string; the result is checked.
        let raw = unsafe { libc::memfd_create(cname.as_ptr(), libc::MFD_CLOEXEC) };
        if raw < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh descriptor we own.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: ftruncate on our descriptor.
        if unsafe { libc::ftruncate(fd.as_raw_fd(), len as libc::off_t) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Self::map(fd, len)
    }

    /// Maps `len` bytes of `fd` shared and read-write.
    fn map(fd: OwnedFd, len: usize) -> std::io::Result<Self> {
        // SAFETY: mapping a descriptor we own; the result is checked.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Self {
            fd,
            base: p.cast(),
            len,
        })
    }

    /// Maps the file at `path` (`create`: a new file of `len` bytes that must
    /// not exist yet; otherwise an existing file, whose size must be `len`).
    pub fn file(path: &std::path::Path, len: usize, create: bool) -> std::io::Result<Self> {
        use std::os::unix::fs::OpenOptionsExt;
        let f = if create {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)?
        } else {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)?
        };
        if create {
            f.set_len(len as u64)?;
        } else if f.metadata()?.len() != len as u64 {
            return Err(std::io::Error::other(format!(
                "{} is {} bytes, a window is {len}",
                path.display(),
                f.metadata()?.len()
            )));
        }
        Self::map(f.into(), len)
    }

    /// The descriptor (handed to a tile process).
    pub fn fd(&self) -> &OwnedFd {
        &self.fd
    }

    fn word(&self, off: u64) -> Option<*mut u64> {
        let off = usize::try_from(off).ok()?;
        (off % 8 == 0 && off.checked_add(8)? <= self.len)
            .then(|| self.base.wrapping_add(off).cast())
    }

    /// Volatile load (all ones outside).
    pub fn load(&self, off: u64) -> u64 {
        match self.word(off) {
            // SAFETY: aligned and inside the mapping (checked by `word`).
            Some(p) => unsafe { p.read_volatile() },
            None => u64::MAX,
        }
    }

    /// Volatile store (dropped outside).
    pub fn store(&self, off: u64, v: u64) {
        if let Some(p) = self.word(off) {
            // SAFETY: aligned and inside the mapping (checked by `word`).
            unsafe { p.write_volatile(v) }
        }
    }

    /// Atomically replaces the word at `off` by `new` if it holds `old`.
    pub fn compare_exchange(&self, off: u64, old: u64, new: u64) -> bool {
        match self.word(off) {
            // SAFETY: aligned and inside the mapping (checked by `word`).
            // An atomic is the one form of reference into shared memory we
            // allow: it is built on UnsafeCell (no aliasing assumptions) and
            // lives only for this call.
            Some(p) => unsafe { std::sync::atomic::AtomicU64::from_ptr(p) }
                .compare_exchange(old, new, Ordering::AcqRel, Ordering::Acquire)
                .is_ok(),
            None => false,
        }
    }

    pub(crate) fn range(&self, off: u64, len: usize) -> Option<*mut u8> {
        let off = usize::try_from(off).ok()?;
        (off.checked_add(len)? <= self.len).then(|| self.base.wrapping_add(off))
    }

    /// Copies out of the mapping.
    pub fn read(&self, off: u64, buf: &mut [u8]) {
        if let Some(p) = self.range(off, buf.len()) {
            // SAFETY: the range is inside the mapping; `buf` is ours.
            unsafe { std::ptr::copy_nonoverlapping(p, buf.as_mut_ptr(), buf.len()) }
        }
    }

    /// Copies into the mapping.
    pub fn write(&self, off: u64, data: &[u8]) {
        if let Some(p) = self.range(off, data.len()) {
            // SAFETY: the range is inside the mapping; `data` is ours.
            unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), p, data.len()) }
        }
    }

    /// Zeroes `len` bytes at `off` by dropping the pages (the memfd reads
    /// zero there and gives the memory back); unaligned edges are written.
    pub fn clear(&self, off: u64, len: u64) {
        const PAGE: u64 = 4096;
        let start = off.next_multiple_of(PAGE).min(off + len);
        let end = ((off + len) / PAGE * PAGE).max(start);
        self.write(off, &vec![0u8; (start - off) as usize]);
        self.write(end, &vec![0u8; (off + len - end) as usize]);
        if end > start
            && let Some(p) = self.range(start, (end - start) as usize)
        {
            // SAFETY: MADV_REMOVE on a page-aligned range inside our shared
            // mapping: the pages are freed and read back as zeros.
            let r = unsafe { libc::madvise(p.cast(), (end - start) as usize, libc::MADV_REMOVE) };
            if r != 0 {
                self.write(start, &vec![0u8; (end - start) as usize]);
            }
        }
    }

    /// FUTEX_WAKE on the 32-bit word at `off` (shared futex: other processes wait on it).
    pub fn wake(&self, off: u64) {
        if let Some(p) = self.word(off) {
            // SAFETY: futex on an aligned word inside the mapping.
            unsafe {
                libc::syscall(
                    libc::SYS_futex,
                    p.cast::<u32>(),
                    libc::FUTEX_WAKE,
                    i32::MAX,
                    0usize,
                    0usize,
                    0u32,
                )
            };
        }
    }
}

/// Waits until the 32-bit word at `off` of any of `mems` differs from its
/// expected value (FUTEX_WAITV on all of them), for at most `timeout_ns`.
/// Kernels without futex_waitv (before 5.16) get a short sleep instead.
pub fn wait_any(mems: &[(&SharedMem, u32)], off: u64, timeout_ns: i64) {
    #[repr(C)]
    struct FutexWaitv {
        val: u64,
        uaddr: u64,
        flags: u32,
        reserved: u32,
    }
    const FUTEX2_SIZE_U32: u32 = 2;
    const SYS_FUTEX_WAITV: libc::c_long = 449;
    let waiters: Vec<FutexWaitv> = mems
        .iter()
        .filter_map(|(m, v)| {
            m.word(off).map(|p| FutexWaitv {
                val: u64::from(*v),
                uaddr: p as u64,
                flags: FUTEX2_SIZE_U32,
                reserved: 0,
            })
        })
        .collect();
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    let total = now.tv_nsec + timeout_ns;
    let deadline = libc::timespec {
        tv_sec: now.tv_sec + total / 1_000_000_000,
        tv_nsec: total % 1_000_000_000,
    };
    // SAFETY: futex_waitv(2) with an array of valid waiters over words
    // inside our mappings, its length, no flags, an absolute deadline on
    // CLOCK_MONOTONIC; the kernel only reads them.
    let r = unsafe {
        libc::syscall(
            SYS_FUTEX_WAITV,
            waiters.as_ptr(),
            waiters.len() as libc::c_uint,
            0u32,
            &deadline as *const libc::timespec,
            libc::CLOCK_MONOTONIC,
        )
    };
    if r < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ENOSYS) {
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
}

impl Drop for SharedMem {
    fn drop(&mut self) {
        // SAFETY: unmapping the mapping made in `new`; nothing refers to it.
        unsafe { libc::munmap(self.base.cast(), self.len) };
    }
}

/// A window of a shared memory as a model backing.
pub struct ShmBacking {
    /// The memory.
    pub shm: std::sync::Arc<SharedMem>,
    /// Where the window starts.
    pub offset: u64,
    /// Its length.
    pub len: u64,
}

impl Backing for ShmBacking {
    fn len(&self) -> u64 {
        self.len
    }
    fn read(&self, offset: u64, buf: &mut [u8]) {
        self.shm.read(self.offset + offset, buf);
    }
    fn write(&mut self, offset: u64, data: &[u8]) {
        self.shm.write(self.offset + offset, data);
    }
    fn clear(&mut self) {
        self.shm.clear(self.offset, self.len);
    }
    fn raw_window(&mut self, offset: u64, len: u64) -> Option<RawWindow> {
        let end = offset.checked_add(len)?;
        if end > self.len {
            return None;
        }
        let base = self.shm.range(self.offset + offset, len as usize)?;
        Some(RawWindow { base, len })
    }
    fn copy_to(&self, offset: u64, dst: &mut dyn Backing, dst_offset: u64, len: u64) {
        let src = (offset + len <= self.len)
            .then(|| self.shm.range(self.offset + offset, len as usize))
            .flatten();
        match (src, dst.raw_window(dst_offset, len)) {
            (Some(from), Some(to)) if to.len >= len => {
                // SAFETY: both ranges lie inside live shared mappings (checked
                // by `range` and `raw_window`). They may overlap — a core's
                // DRAM slice is also part of its memory tile — so this is a
                // memmove. No reference into the mappings is formed.
                unsafe { std::ptr::copy(from, to.base, len as usize) }
            }
            _ => {
                let mut buf = vec![0u8; len as usize];
                self.read(offset, &mut buf);
                dst.write(dst_offset, &buf);
            }
        }
    }
}

/// A memory tile whose DRAM slices live in the cores' own memories: reads
/// and writes are split over the parts that cover each range.
pub struct MemTileBacking {
    /// (start in the memory tile, length, backing part), sorted, covering
    /// the whole memory tile without gaps.
    pub parts: Vec<(u64, u64, ShmBacking)>,
    /// Total size.
    pub size: u64,
}

impl MemTileBacking {
    fn each(&self, offset: u64, len: usize, mut f: impl FnMut(usize, u64, std::ops::Range<usize>)) {
        let end = offset + len as u64;
        for (i, (start, plen, _)) in self.parts.iter().enumerate() {
            let (s, e) = (offset.max(*start), end.min(start + plen));
            if s < e {
                f(i, s - start, (s - offset) as usize..(e - offset) as usize);
            }
        }
    }
}

impl Backing for MemTileBacking {
    fn len(&self) -> u64 {
        self.size
    }
    fn read(&self, offset: u64, buf: &mut [u8]) {
        let mut todo = Vec::new();
        self.each(offset, buf.len(), |i, at, r| todo.push((i, at, r)));
        for (i, at, r) in todo {
            self.parts[i].2.read(at, &mut buf[r]);
        }
    }
    fn write(&mut self, offset: u64, data: &[u8]) {
        let mut todo = Vec::new();
        self.each(offset, data.len(), |i, at, r| todo.push((i, at, r)));
        for (i, at, r) in todo {
            self.parts[i].2.write(at, &data[r]);
        }
    }
    fn clear(&mut self) {
        for (_, _, part) in &mut self.parts {
            part.clear();
        }
    }
    fn raw_window(&mut self, offset: u64, len: u64) -> Option<RawWindow> {
        // Only a range inside one part is contiguous.
        let (start, plen, part) = self
            .parts
            .iter_mut()
            .find(|(s, l, _)| offset >= *s && offset < s + l)?;
        if offset + len > *start + *plen {
            return None;
        }
        part.raw_window(offset - *start, len)
    }
    fn copy_to(&self, offset: u64, dst: &mut dyn Backing, dst_offset: u64, len: u64) {
        let mut todo = Vec::new();
        self.each(offset, len as usize, |i, at, r| todo.push((i, at, r)));
        for (i, at, r) in todo {
            self.parts[i].2.copy_to(
                at,
                dst,
                dst_offset + r.start as u64,
                (r.end - r.start) as u64,
            );
        }
    }
}
