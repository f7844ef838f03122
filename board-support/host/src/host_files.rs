//! Files of the board's file system, from the host: put and get.
//!
//! The host tile's activity has a session with root's file service
//! (`host_sessions: [fs]`, or `tilekit run --put/--get`). Over it the host
//! obtains a send gate, makes a receive gate for answers in the bounce
//! buffer's receive half, and delegates a memory endpoint of its own TCU;
//! the file server points that endpoint at each piece of a file and the
//! host READs or WRITEs it — through the bounce buffer, so this works on
//! any board link.

use std::time::Duration;

use file_proto::{Request, decode_reply, flags, session};
use kif::syscall::msg;
use kif::{CapSel, SEL_ACT};
use tcu_mmio::{EpId, Label};

use crate::{Bounce, HostError, HostSyscalls};

/// Selectors the host's file client uses (above `kif::plan`'s).
const SGATE: CapSel = CapSel(40);
const RGATE: CapSel = CapSel(41);
const REP_EP: CapSel = CapSel(42);
const SEP: CapSel = CapSel(43);
const MEM_EP: CapSel = CapSel(44);

/// How long a file request may take.
const ANSWER: Duration = Duration::from_secs(10);

/// The host's file client.
pub struct HostFiles<'b> {
    sys: HostSyscalls<'b>,
    sep: EpId,
    rep: EpId,
    mem: EpId,
    ep_index: u64,
}

fn fs_err(what: &str, e: file_proto::Error) -> HostError {
    HostError::Files(format!("{what}: {e}"))
}

impl<'b> HostFiles<'b> {
    /// The file client over the host's session at `sess`, waiting up to
    /// `timeout` for root to have handed it over (right after a boot).
    pub fn when_ready(
        board: &'b crate::Board,
        sess: CapSel,
        timeout: Duration,
    ) -> Result<Self, HostError> {
        crate::host_activity::retry_until_ready(timeout, || Self::new(board.host_syscalls()?, sess))
    }

    /// Sets up the file client over the host's session at `sess`.
    pub fn new(sys: HostSyscalls<'b>, sess: CapSel) -> Result<Self, HostError> {
        let x = msg::ExchangeSess {
            sess,
            own_start: SGATE,
            count: 1,
            obtain: true,
            arg0: session::OBTAIN_GATE,
            arg1: 0,
        };
        sys.call(&x.encode())?;
        let order = file_proto::MSG_ORDER;
        sys.call(
            &msg::CreateRGate {
                dst: RGATE,
                order,
                msg_order: order,
            }
            .encode(),
        )?;
        let alloc = |dst| msg::AllocEp {
            dst,
            act: SEL_ACT,
            ep: EpId::INVALID,
            replies: 0,
        };
        let activate = |ep, gate, rbuf_off| msg::Activate {
            ep,
            gate,
            rbuf_mem: CapSel(u64::MAX),
            rbuf_off,
        };
        let rep = EpId(sys.call(&alloc(REP_EP).encode())?[0] as u16);
        // The last 4 KiB of the bounce buffer's receive half.
        let rbuf = Bounce::SIZE - 0x1000;
        sys.call(&activate(REP_EP, RGATE, rbuf).encode())?;
        let sep = EpId(sys.call(&alloc(SEP).encode())?[0] as u16);
        sys.call(&activate(SEP, SGATE, 0).encode())?;
        let mem = EpId(sys.call(&alloc(MEM_EP).encode())?[0] as u16);
        let d = msg::ExchangeSess {
            sess,
            own_start: MEM_EP,
            count: 1,
            obtain: false,
            arg0: session::DELEGATE_EP,
            arg1: 0,
        };
        let [_, ep_index] = sys.call(&d.encode())?;
        Ok(HostFiles {
            sys,
            sep,
            rep,
            mem,
            ep_index,
        })
    }

    /// Sends any request and returns the answer's words (tools and tests of
    /// the server's checks; `put`/`get` are the usual way).
    pub fn request(&self, r: Request<'_>) -> Result<[u64; 3], HostError> {
        self.call(&format!("{:?}", r.op()), r)
    }

    /// The number of the host's delegated memory endpoint (for `Open`).
    pub fn ep_index(&self) -> u64 {
        self.ep_index
    }

    fn call(&self, what: &str, r: Request<'_>) -> Result<[u64; 3], HostError> {
        self.call_with_tail(what, r).map(|(w, _)| w)
    }

    /// A request's answer: its words and the bytes after them (a name).
    fn call_with_tail(&self, what: &str, r: Request<'_>) -> Result<([u64; 3], Vec<u8>), HostError> {
        let mut buf = [0u8; 1 << file_proto::MSG_ORDER];
        let n = r
            .encode(&mut buf)
            .map_err(|e| HostError::Files(format!("{what}: {e:?}")))?;
        let t = self.sys.tile();
        t.send(self.sep, &buf[..n], self.rep, Label(0))?;
        let m = t.recv(self.rep, ANSWER)?;
        t.ack(self.rep, &m)?;
        match decode_reply(&m.payload) {
            Ok(Ok(w)) => Ok((w, m.payload.get(32..).unwrap_or_default().to_vec())),
            Ok(Err(e)) => Err(fs_err(what, e)),
            Err(_) => Err(HostError::Files(format!(
                "{what}: the file server's answer is not a file-protocol reply"
            ))),
        }
    }

    /// Writes `data` to `path` (created or truncated). `progress` hears
    /// the bytes written so far.
    pub fn put(
        &self,
        path: &str,
        data: &[u8],
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), HostError> {
        let what = format!("putting {path}");
        let fl = flags::WRITE | flags::CREATE | flags::TRUNC;
        let [fd, _, _] = self.call(
            &what,
            Request::Open {
                flags: fl,
                ep: self.ep_index,
                path,
            },
        )?;
        let mut done = 0usize;
        while done < data.len() {
            let [at, len, _] = self.call(&what, Request::NextOut { fd })?;
            if len == 0 {
                return Err(fs_err(&what, file_proto::Error::NoSpace));
            }
            let n = (len as usize).min(data.len() - done);
            self.sys
                .tile()
                .write_mem(self.mem, at, &data[done..done + n])?;
            done += n;
            progress(done as u64);
            if (n as u64) < len {
                self.call(&what, Request::Commit { fd, n: n as u64 })?;
            }
        }
        self.call(&what, Request::Close { fd }).map(drop)
    }

    /// Reads all of `path`. `progress` hears the bytes read so far.
    pub fn get(&self, path: &str, progress: &mut dyn FnMut(u64)) -> Result<Vec<u8>, HostError> {
        let what = format!("getting {path}");
        let [fd, _, _] = self.call(
            &what,
            Request::Open {
                flags: flags::READ,
                ep: self.ep_index,
                path,
            },
        )?;
        let mut out = Vec::new();
        loop {
            let [at, len, _] = self.call(&what, Request::NextIn { fd })?;
            if len == 0 {
                break;
            }
            let end = out.len();
            out.resize(end + len as usize, 0);
            self.sys.tile().read_mem(self.mem, at, &mut out[end..])?;
            progress(out.len() as u64);
        }
        self.call(&what, Request::Close { fd })?;
        Ok(out)
    }

    /// Size of `path` (and whether it is a directory).
    pub fn stat(&self, path: &str) -> Result<(u64, bool), HostError> {
        let [size, kind, _] = self.call(&format!("stat {path}"), Request::Stat { path })?;
        Ok((size, kind == file_proto::FileKind::Dir as u64))
    }

    /// Removes `path` (a file nobody has open, or an empty directory).
    pub fn unlink(&self, path: &str) -> Result<(), HostError> {
        self.call(&format!("removing {path}"), Request::Unlink { path })
            .map(drop)
    }

    /// The entries of directory `path`: (name, is a directory, size).
    pub fn read_dir(&self, path: &str) -> Result<Vec<(String, bool, u64)>, HostError> {
        let what = format!("ls {path}");
        if !self.stat(path)?.1 {
            return Err(fs_err(&what, file_proto::Error::NotDir));
        }
        let mut out = Vec::new();
        for index in 0.. {
            match self.call_with_tail(&what, Request::ReadDir { index, path }) {
                Ok(([kind, size, len], name)) => {
                    let name = name.get(..len as usize).unwrap_or_default();
                    let dir = kind == file_proto::FileKind::Dir as u64;
                    out.push((String::from_utf8_lossy(name).into_owned(), dir, size));
                }
                Err(HostError::Files(m)) if m.ends_with(file_proto::Error::NoEntry.describe()) => {
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Creates directory `path` and its parents (existing ones are fine).
    pub fn mkdir_all(&self, path: &str) -> Result<(), HostError> {
        let mut at = String::new();
        for c in path.split('/').filter(|c| !c.is_empty()) {
            at.push('/');
            at.push_str(c);
            match self.call(&format!("mkdir {at}"), Request::Mkdir { path: &at }) {
                Ok(_) => {}
                Err(HostError::Files(m)) if m.ends_with(file_proto::Error::Exists.describe()) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The host's syscalls (to start an activity root handed over, say).
    pub fn syscalls(&self) -> &HostSyscalls<'b> {
        &self.sys
    }
}
