//! The controller's messages: requests over its endpoints and the file
//! protocol through its own file session.
//!
//! Every request waits for its answer on [`accel::EP_REPLIES`]; one is in
//! flight at a time. Data never travels in messages: the file server
//! points [`accel::EP_IN`] / [`accel::EP_OUT`] at a piece of the file (or
//! a pipe's ring) and the controller READs or WRITEs through them.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use file_proto::{Request, decode_reply};
use filter_proto::accel;
use tcu_mmio::ep::EpConfig;
use tcu_mmio::header::{HEADER_SIZE, Header};
use tcu_mmio::{Code, EpId, Label, LocalAddr, RegisterAccess};

use crate::{Failure, Local, Tile};

/// Why a request or transfer failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsFail {
    /// The file server said no.
    Fs(file_proto::Error),
    /// A TCU command failed.
    Tcu(Code),
    /// The peer's endpoint is gone (it ended, or its gate was revoked).
    Gone,
    /// An answer that is not one, or a message that does not fit.
    Protocol,
}

impl fmt::Display for FsFail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FsFail::Fs(e) => write!(f, "the file server says: {e}"),
            FsFail::Tcu(c) => write!(f, "the TCU says: {c}"),
            FsFail::Gone => f.write_str("the peer is gone"),
            FsFail::Protocol => f.write_str("an answer that is not a protocol message"),
        }
    }
}

impl From<Code> for FsFail {
    fn from(c: Code) -> Self {
        FsFail::Tcu(c)
    }
}

impl From<FsFail> for Failure {
    fn from(e: FsFail) -> Failure {
        let code = match e {
            FsFail::Fs(err) => err as u64,
            _ => file_proto::Error::InvArgs as u64,
        };
        Failure {
            code,
            why: alloc::format!("{e}"),
        }
    }
}

/// The controller's channel to its client and its file server.
pub struct Files<'t, A: RegisterAccess, L: Local> {
    pub(crate) tile: &'t Tile<'t, A, L>,
    /// The session's numbers of the input and output memory endpoints.
    pub(crate) eps: [u64; 2],
}

impl<'t, A: RegisterAccess, L: Local> Files<'t, A, L> {
    /// Sends `msg` through send endpoint `ep` and waits for the answer's
    /// payload.
    pub fn call(&self, ep: u16, msg: &[u8]) -> Result<Vec<u8>, FsFail> {
        let (tcu, mem) = (self.tile.tcu, self.tile.mem);
        if msg.len() > 1 << filter_proto::MSG_ORDER || !mem.write(accel::MSG_BUF, msg) {
            return Err(FsFail::Protocol);
        }
        let replies = EpId(accel::EP_REPLIES);
        tcu.send(
            EpId(ep),
            LocalAddr(accel::MSG_BUF),
            msg.len() as u64,
            replies,
            Label(0),
        )?;
        loop {
            if let Some(off) = tcu.fetch_msg(replies)? {
                let mut slot = vec![0u8; 1 << accel::REPLY_MSG_ORDER];
                let read = mem.read(accel::REPLY_BUF + u64::from(off.0), &mut slot);
                tcu.ack_msg(replies, off)?;
                let info = Header::read_from(&slot).and_then(|h| h.info().ok());
                return match info {
                    Some(h) if read => {
                        let len = usize::from(h.length).min(slot.len() - HEADER_SIZE);
                        Ok(slot[HEADER_SIZE..HEADER_SIZE + len].to_vec())
                    }
                    _ => Err(FsFail::Protocol),
                };
            }
            // A server that ended takes its gate along: do not wait for ever.
            if !matches!(tcu.ep_config(EpId(ep)), Ok(EpConfig::Send(_))) {
                return Err(FsFail::Gone);
            }
            tcu.sleep(EpId::INVALID)?;
        }
    }

    /// A file-protocol request; the answer's words.
    pub fn request(&self, r: Request<'_>) -> Result<[u64; 3], FsFail> {
        let mut buf = [0u8; 1 << file_proto::MSG_ORDER];
        let n = r.encode(&mut buf).map_err(|_| FsFail::Protocol)?;
        let answer = self.call(accel::EP_FILES, &buf[..n])?;
        match decode_reply(&answer) {
            Ok(Ok(w)) => Ok(w),
            Ok(Err(e)) => Err(FsFail::Fs(e)),
            Err(_) => Err(FsFail::Protocol),
        }
    }

    /// Opens `path` with `flags` through the input (`output == false`) or
    /// output memory endpoint.
    pub fn open(&self, path: &str, flags: u64, output: bool) -> Result<FileEnd, FsFail> {
        let which = usize::from(output);
        let [fd, _, _] = self.request(Request::Open {
            flags,
            ep: self.eps[which],
            path,
        })?;
        Ok(FileEnd {
            fd,
            ep: EpId(if output { accel::EP_OUT } else { accel::EP_IN }),
            piece: None,
            bytes: 0,
        })
    }

    /// The whole file at `path` (at most `max` bytes), read through the
    /// input endpoint into the start of the local buffers (call it before
    /// streaming).
    pub fn read_whole(&self, path: &str, max: usize) -> Result<Vec<u8>, FsFail> {
        let mut f = self.open(path, file_proto::flags::READ, false)?;
        let room = self.tile.mem.size().saturating_sub(accel::BUFFERS);
        let mut out = Vec::new();
        let r = loop {
            let n = match f.fill(self, accel::BUFFERS, room) {
                Ok(n) => n,
                Err(e) => break Err(e),
            };
            if n == 0 {
                break Ok(());
            }
            let at = out.len();
            out.resize(at + n as usize, 0);
            if !self.tile.mem.read(accel::BUFFERS, &mut out[at..]) {
                break Err(FsFail::Protocol);
            }
            if out.len() > max {
                break Err(FsFail::Fs(file_proto::Error::NoSpace));
            }
        };
        let closed = f.close(self);
        r.and(closed).map(|()| out)
    }
}

/// An open file of the controller: its descriptor, the endpoint the server
/// points at its pieces, the piece in use (where it starts in the
/// endpoint's window, its length, bytes used).
pub struct FileEnd {
    fd: u64,
    ep: EpId,
    piece: Option<(u64, u64, u64)>,
    /// Bytes moved so far.
    pub bytes: u64,
}

impl FileEnd {
    /// Reads up to `cap` bytes to local address `addr`: the rest of the
    /// current piece, or (when it is used up) the next piece. 0: the end
    /// of the input.
    pub fn fill<A: RegisterAccess, L: Local>(
        &mut self,
        files: &Files<'_, A, L>,
        addr: u64,
        cap: u64,
    ) -> Result<u64, FsFail> {
        let mut got = 0;
        while got < cap {
            let (at, len, used) = match self.piece {
                Some(p) if p.2 < p.1 => p,
                // The piece is used up: with bytes in hand, hand them on
                // rather than wait for the next (a pipe's writer may be
                // slow).
                _ if got > 0 => break,
                _ => {
                    // NextIn commits a fully used piece itself.
                    self.piece = None;
                    let [at, len, _] = files.request(Request::NextIn { fd: self.fd })?;
                    if len == 0 {
                        break;
                    }
                    (at, len, 0)
                }
            };
            let n = (len - used).min(cap - got);
            files
                .tile
                .tcu
                .read(self.ep, LocalAddr(addr + got), n, at + used)?;
            self.piece = Some((at, len, used + n));
            got += n;
        }
        self.bytes += got;
        Ok(got)
    }

    /// Writes `n` bytes at local address `addr` to the file, asking for
    /// pieces as they fill.
    pub fn emit<A: RegisterAccess, L: Local>(
        &mut self,
        files: &Files<'_, A, L>,
        addr: u64,
        n: u64,
    ) -> Result<(), FsFail> {
        let mut done = 0;
        while done < n {
            let (at, len, used) = match self.piece {
                Some(p) if p.2 < p.1 => p,
                _ => {
                    self.piece = None;
                    let [at, len, _] = files.request(Request::NextOut { fd: self.fd })?;
                    if len == 0 {
                        return Err(FsFail::Fs(file_proto::Error::NoSpace));
                    }
                    (at, len, 0)
                }
            };
            let k = (len - used).min(n - done);
            files
                .tile
                .tcu
                .write(self.ep, LocalAddr(addr + done), k, at + used)?;
            self.piece = Some((at, len, used + k));
            done += k;
        }
        self.bytes += n;
        Ok(())
    }

    /// Commits a partly used piece and closes the file.
    pub fn close<A: RegisterAccess, L: Local>(self, files: &Files<'_, A, L>) -> Result<(), FsFail> {
        let committed = match self.piece {
            Some((_, len, used)) if used < len => files
                .request(Request::Commit {
                    fd: self.fd,
                    n: used,
                })
                .map(drop),
            _ => Ok(()),
        };
        let closed = files.request(Request::Close { fd: self.fd }).map(drop);
        committed.and(closed)
    }
}

impl<A: RegisterAccess, L: Local> crate::ParamFiles for Files<'_, A, L> {
    fn read_whole(&self, path: &str, max: usize) -> Result<Vec<u8>, String> {
        Files::read_whole(self, path, max).map_err(|e| alloc::format!("{e}"))
    }
}
