//! `device-port`: how a shim drives an accelerator's device.
//!
//! A device is what its vendor ships: registers (64-bit, by index) and a
//! port onto the tile's **local buffers** — the only memory it reaches.
//! It knows nothing of TCUs, endpoints or files; the shim is the only code
//! that knows both sides. Behavioural models (`crypto-model`, …) implement
//! [`Device`] in Rust; an RTL simulation implements it by driving the
//! Verilated design's register and buffer ports.
//!
//! A write may start a **job** ([`Device::write`] says so); the job then
//! runs ([`Device::run`]) while the controller does other work — the
//! [`Runner`] runs it on its own thread, as the hardware block runs beside
//! its controller, and answers status reads meanwhile with the device's
//! busy value. That is what lets a shim overlap device work and TCU
//! transfers (double buffering).
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

/// The tile's local buffers, as the device's port sees them.
pub trait Buffers: Send + Sync {
    /// Their size in bytes.
    fn len(&self) -> u64;
    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Reads `buf.len()` bytes at `off`; `false` outside the buffers.
    fn read(&self, off: u64, buf: &mut [u8]) -> bool;
    /// Writes `data` at `off`; `false` outside the buffers.
    fn write(&self, off: u64, data: &[u8]) -> bool;
}

/// Local buffers in a vector (tests, and tiles whose buffers are private
/// to the process).
pub struct VecBuffers(Mutex<Vec<u8>>);

impl VecBuffers {
    /// `len` zero bytes.
    pub fn new(len: usize) -> VecBuffers {
        VecBuffers(Mutex::new(vec![0; len]))
    }
}

impl Buffers for VecBuffers {
    fn len(&self) -> u64 {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).len() as u64
    }
    fn read(&self, off: u64, buf: &mut [u8]) -> bool {
        let v = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match range(off, buf.len(), v.len()) {
            Some(r) => {
                buf.copy_from_slice(&v[r]);
                true
            }
            None => false,
        }
    }
    fn write(&self, off: u64, data: &[u8]) -> bool {
        let mut v = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match range(off, data.len(), v.len()) {
            Some(r) => {
                v[r].copy_from_slice(data);
                true
            }
            None => false,
        }
    }
}

/// `off..off+len` if it lies inside `size` bytes.
pub fn range(off: u64, len: usize, size: usize) -> Option<std::ops::Range<usize>> {
    let start = usize::try_from(off).ok()?;
    let end = start.checked_add(len)?;
    (end <= size).then_some(start..end)
}

/// An accelerator's device.
pub trait Device: Send + 'static {
    /// Reads register `reg` (unknown registers read 0).
    fn read(&mut self, reg: u16) -> u64;
    /// Writes register `reg`; `true` if the write started a job.
    fn write(&mut self, reg: u16, value: u64) -> bool;
    /// Runs the started job to its end against `bufs`, leaving its result
    /// (done, error bits, output length) in the registers.
    fn run(&mut self, bufs: &dyn Buffers);
    /// The status register's index and the value it reads while a job runs.
    fn busy_status(&self) -> (u16, u64);
}

struct Shared<D> {
    device: Mutex<D>,
    /// A job is running (status reads answer `busy_status`).
    busy: AtomicBool,
    /// A job to run was handed over.
    job: Mutex<bool>,
    wake: Condvar,
    stop: AtomicBool,
}

/// Runs a device's jobs on their own thread, beside the controller.
pub struct Runner<D: Device> {
    shared: Arc<Shared<D>>,
    busy_status: (u16, u64),
    thread: Option<std::thread::JoinHandle<()>>,
}

impl<D: Device> Runner<D> {
    /// Starts the device's thread with its port onto `bufs`.
    pub fn new(device: D, bufs: Arc<dyn Buffers>) -> Runner<D> {
        let busy_status = device.busy_status();
        let shared = Arc::new(Shared {
            device: Mutex::new(device),
            busy: AtomicBool::new(false),
            job: Mutex::new(false),
            wake: Condvar::new(),
            stop: AtomicBool::new(false),
        });
        let s = shared.clone();
        let thread = std::thread::spawn(move || {
            loop {
                {
                    let mut job = s.job.lock().unwrap_or_else(PoisonError::into_inner);
                    while !*job && !s.stop.load(Ordering::Acquire) {
                        job = s.wake.wait(job).unwrap_or_else(PoisonError::into_inner);
                    }
                    if s.stop.load(Ordering::Acquire) {
                        return;
                    }
                    *job = false;
                }
                s.device
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .run(bufs.as_ref());
                s.busy.store(false, Ordering::Release);
                s.wake.notify_all();
            }
        });
        Runner {
            shared,
            busy_status,
            thread: Some(thread),
        }
    }

    /// Reads a register (the status register reads busy while a job runs).
    pub fn read(&self, reg: u16) -> u64 {
        if reg == self.busy_status.0 && self.shared.busy.load(Ordering::Acquire) {
            return self.busy_status.1;
        }
        self.device().read(reg)
    }

    /// Writes a register; a write that starts a job hands it to the
    /// device's thread. (Writes while a job runs wait for it, as a bus
    /// stalls on a busy block.)
    pub fn write(&self, reg: u16, value: u64) {
        let started = self.device().write(reg, value);
        if started {
            self.shared.busy.store(true, Ordering::Release);
            *self
                .shared
                .job
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = true;
            self.shared.wake.notify_all();
        }
    }

    /// Whether a job runs.
    pub fn busy(&self) -> bool {
        self.shared.busy.load(Ordering::Acquire)
    }

    /// Waits until no job runs.
    pub fn wait_idle(&self) {
        let mut job = self
            .shared
            .job
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while self.busy() {
            job = self
                .shared
                .wake
                .wait_timeout(job, std::time::Duration::from_millis(1))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn device(&self) -> std::sync::MutexGuard<'_, D> {
        self.shared
            .device
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl<D: Device> Drop for Runner<D> {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        self.shared.wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
