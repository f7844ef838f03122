//! `tile-files`: files for programs on tiles.
//!
//! A [`FileSession`] is a session with a file server (root's `fs`, given
//! at boot at `kif::plan::SESSION_SELS`, or a pipe server): it obtains a
//! send gate for requests and delegates a memory endpoint the server will
//! point at file data. A [`File`] implements `std::io::Read`, `Write` and
//! `Seek`: reading asks for the next piece (`NextIn`), then READs it
//! through the endpoint into local memory, 1 MiB at a time; writing asks
//! for space (`NextOut`) and WRITEs into it; a partly used piece is
//! committed (`Commit`) on `flush`, `seek` and close. The data never
//! travels in messages.

#![forbid(unsafe_code)]

use std::cell::{Cell, RefCell};
use std::io;

use file_proto::{FileKind, Request, Whence, decode_reply, session};
use kif::{CapRange, CapSel};
use tile_gates::{Env, GateError, MemGate, RecvGate, SendGate};
use tile_runtime::tcu_mmio::LocalAddr;

pub use file_proto::flags;

/// Bytes moved per READ/WRITE (the staging buffer in local memory): large
/// commands, since every TCU command costs a round trip to the TCU.
pub const STAGING: u64 = 1 << 20;

/// Why a file operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileError {
    /// A gate, syscall or TCU command failed.
    Gate(GateError),
    /// The file server said no.
    Fs(file_proto::Error),
    /// The server's answer is not a file-protocol reply.
    Protocol,
}

impl From<GateError> for FileError {
    fn from(e: GateError) -> Self {
        FileError::Gate(e)
    }
}

impl From<tile_syscalls::SyscallError> for FileError {
    fn from(e: tile_syscalls::SyscallError) -> Self {
        FileError::Gate(GateError::Syscall(e))
    }
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileError::Gate(e) => e.fmt(f),
            FileError::Fs(e) => write!(f, "the file server says: {e}"),
            FileError::Protocol => {
                f.write_str("the file server's answer is not a file-protocol reply")
            }
        }
    }
}

impl std::error::Error for FileError {}

impl From<FileError> for io::Error {
    fn from(e: FileError) -> io::Error {
        let kind = match e {
            FileError::Fs(file_proto::Error::NoEntry) => io::ErrorKind::NotFound,
            FileError::Fs(file_proto::Error::Exists) => io::ErrorKind::AlreadyExists,
            FileError::Fs(file_proto::Error::NoPerm) => io::ErrorKind::PermissionDenied,
            FileError::Fs(file_proto::Error::Broken) => io::ErrorKind::BrokenPipe,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, e)
    }
}

/// A session with a file server.
pub struct FileSession<'e> {
    env: &'e Env<'e>,
    sess: CapSel,
    sgate: SendGate,
    reply: RecvGate,
    /// Delegated memory endpoints no open file uses (with their numbers
    /// at the server).
    free_eps: RefCell<Vec<(MemGate, u64)>>,
    staging: u64,
}

impl<'e> FileSession<'e> {
    /// Sets up the session at `sess`: obtains the request gate, delegates
    /// a memory endpoint.
    pub fn new(env: &'e Env<'e>, sess: CapSel) -> Result<Self, FileError> {
        let sel = env.sel();
        env.sys
            .exchange_sess(sess, CapRange::one(sel), true, [session::OBTAIN_GATE, 0])?;
        let sgate = SendGate::activate(env, sel)?;
        let reply = RecvGate::new(env, file_proto::MSG_ORDER, file_proto::MSG_ORDER)?;
        let staging = env.mem(STAGING, 4096)?;
        Ok(FileSession {
            env,
            sess,
            sgate,
            reply,
            free_eps: RefCell::new(Vec::new()),
            staging,
        })
    }

    /// A memory endpoint for a file: one that a closed file left, or a
    /// new one delegated to the server (every open file has its own: the
    /// server points it at that file's pieces).
    fn endpoint(&self) -> Result<(MemGate, u64), FileError> {
        if let Some(e) = self.free_eps.borrow_mut().pop() {
            return Ok(e);
        }
        let ep = MemGate::endpoint(self.env)?;
        let (_, index) = self.env.sys.exchange_sess(
            self.sess,
            CapRange::one(ep.ep_sel),
            false,
            [session::DELEGATE_EP, 0],
        )?;
        Ok((ep, index))
    }

    /// The session of the first session root gave this program.
    pub fn first(env: &'e Env<'e>) -> Result<Self, FileError> {
        Self::new(env, kif::plan::SESSION_SELS)
    }

    fn call(&self, r: Request<'_>) -> Result<([u64; 3], Vec<u8>), FileError> {
        let mut buf = [0u8; 1 << file_proto::MSG_ORDER];
        let n = r
            .encode(&mut buf)
            .map_err(|_| FileError::Fs(file_proto::Error::InvArgs))?;
        let answer = self.sgate.call(self.env, &buf[..n], &self.reply)?;
        match decode_reply(&answer) {
            Ok(Ok(w)) => Ok((w, answer.get(32..).unwrap_or_default().to_vec())),
            Ok(Err(e)) => Err(FileError::Fs(e)),
            Err(_) => Err(FileError::Protocol),
        }
    }

    /// Opens `path` with [`flags`].
    pub fn open(&self, path: &str, fl: u64) -> Result<File<'_, 'e>, FileError> {
        let (ep, index) = self.endpoint()?;
        let r = self.call(Request::Open {
            flags: fl,
            ep: index,
            path,
        });
        match r {
            Ok((w, _)) => Ok(File {
                s: self,
                fd: w[0],
                ep,
                ep_index: index,
                piece: Cell::new(None),
            }),
            Err(e) => {
                self.free_eps.borrow_mut().push((ep, index));
                Err(e)
            }
        }
    }

    /// Size and kind of `path`.
    pub fn stat(&self, path: &str) -> Result<(u64, FileKind), FileError> {
        let (w, _) = self.call(Request::Stat { path })?;
        Ok((
            w[0],
            FileKind::try_from(w[1]).map_err(|_| FileError::Protocol)?,
        ))
    }

    /// Waits until `path` exists (a mark another program creates when
    /// its output is complete), polling every 2 ms; `false` if it does
    /// not appear within `timeout`.
    pub fn wait_for(&self, path: &str, timeout: std::time::Duration) -> bool {
        let give_up = std::time::Instant::now() + timeout;
        while self.stat(path).is_err() {
            if std::time::Instant::now() > give_up {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        true
    }

    /// Creates directory `path`.
    pub fn mkdir(&self, path: &str) -> Result<(), FileError> {
        self.call(Request::Mkdir { path }).map(drop)
    }

    /// Creates a pipe at `path` with a ring of `size` bytes; open it for
    /// reading on one tile and for writing on another.
    pub fn mkpipe(&self, path: &str, size: u64) -> Result<(), FileError> {
        self.call(Request::Mkpipe { size, path }).map(drop)
    }

    /// Removes `path`.
    pub fn unlink(&self, path: &str) -> Result<(), FileError> {
        self.call(Request::Unlink { path }).map(drop)
    }

    /// The entries of directory `path`: name, kind, size.
    pub fn read_dir(&self, path: &str) -> Result<Vec<(String, FileKind, u64)>, FileError> {
        if self.stat(path)?.1 != FileKind::Dir {
            return Err(FileError::Fs(file_proto::Error::NotDir));
        }
        let mut out = Vec::new();
        for index in 0.. {
            match self.call(Request::ReadDir { index, path }) {
                Ok((w, name)) => {
                    let name = name.get(..w[2] as usize).ok_or(FileError::Protocol)?;
                    let kind = FileKind::try_from(w[0]).map_err(|_| FileError::Protocol)?;
                    out.push((String::from_utf8_lossy(name).into_owned(), kind, w[1]));
                }
                Err(FileError::Fs(file_proto::Error::NoEntry)) if index > 0 || out.is_empty() => {
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}

/// The piece a file is working on: write or read, where it starts in the
/// endpoint's window, its length, bytes used.
#[derive(Clone, Copy, Debug)]
struct Piece {
    write: bool,
    at: u64,
    len: u64,
    used: u64,
}

/// An open file.
pub struct File<'s, 'e> {
    s: &'s FileSession<'e>,
    fd: u64,
    ep: MemGate,
    ep_index: u64,
    piece: Cell<Option<Piece>>,
}

impl File<'_, '_> {
    /// Commits a partly used piece (so the server's position is ours).
    fn settle(&self) -> Result<(), FileError> {
        if let Some(p) = self.piece.take()
            && p.used < p.len
        {
            self.s.call(Request::Commit {
                fd: self.fd,
                n: p.used,
            })?;
        }
        Ok(())
    }

    /// Closes the file (the same happens on drop, ignoring errors).
    pub fn close(self) -> Result<(), FileError> {
        let r = self
            .settle()
            .and_then(|()| self.s.call(Request::Close { fd: self.fd }).map(drop));
        self.s.free_eps.borrow_mut().push((self.ep, self.ep_index));
        std::mem::forget(self);
        r
    }

    fn read_some(&self, buf: &mut [u8]) -> Result<usize, FileError> {
        let p = match self.piece.get() {
            Some(p) if !p.write && p.used < p.len => p,
            Some(p) if p.write => {
                self.settle()?;
                return self.read_some(buf);
            }
            _ => {
                // NextIn commits a fully used piece itself.
                self.piece.set(None);
                let (w, _) = self.s.call(Request::NextIn { fd: self.fd })?;
                if w[1] == 0 {
                    return Ok(0);
                }
                Piece {
                    write: false,
                    at: w[0],
                    len: w[1],
                    used: 0,
                }
            }
        };
        let n = (buf.len() as u64).min(p.len - p.used).min(STAGING);
        self.ep.read(self.s.env, self.s.staging, n, w0(p))?;
        self.s
            .env
            .tile
            .read_mem(LocalAddr(self.s.staging), &mut buf[..n as usize]);
        self.piece.set(Some(Piece {
            used: p.used + n,
            ..p
        }));
        Ok(n as usize)
    }

    fn write_some(&self, buf: &[u8]) -> Result<usize, FileError> {
        let p = match self.piece.get() {
            Some(p) if p.write && p.used < p.len => p,
            Some(p) if !p.write => {
                self.settle()?;
                return self.write_some(buf);
            }
            _ => {
                self.piece.set(None);
                let (w, _) = self.s.call(Request::NextOut { fd: self.fd })?;
                if w[1] == 0 {
                    return Err(FileError::Fs(file_proto::Error::NoSpace));
                }
                Piece {
                    write: true,
                    at: w[0],
                    len: w[1],
                    used: 0,
                }
            }
        };
        let n = (buf.len() as u64).min(p.len - p.used).min(STAGING);
        self.s
            .env
            .tile
            .write_mem(LocalAddr(self.s.staging), &buf[..n as usize]);
        self.ep.write(self.s.env, self.s.staging, n, w0(p))?;
        self.piece.set(Some(Piece {
            used: p.used + n,
            ..p
        }));
        Ok(n as usize)
    }
}

/// Where in the endpoint's window the next bytes of piece `p` lie (a
/// file's piece is the whole window; a pipe's lies somewhere in the ring).
fn w0(p: Piece) -> u64 {
    p.at + p.used
}

impl io::Read for File<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        Ok(self.read_some(buf)?)
    }
}

impl io::Write for File<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        Ok(self.write_some(buf)?)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(self.settle()?)
    }
}

impl io::Seek for File<'_, '_> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.settle()?;
        let (off, whence) = match pos {
            io::SeekFrom::Start(o) => (o as i64, Whence::Set),
            io::SeekFrom::Current(o) => (o, Whence::Cur),
            io::SeekFrom::End(o) => (o, Whence::End),
        };
        let (w, _) = self.s.call(Request::Seek {
            fd: self.fd,
            off,
            whence,
        })?;
        Ok(w[0])
    }
}

impl Drop for File<'_, '_> {
    fn drop(&mut self) {
        let _ = self.settle();
        let _ = self.s.call(Request::Close { fd: self.fd });
        self.s.free_eps.borrow_mut().push((self.ep, self.ep_index));
    }
}
