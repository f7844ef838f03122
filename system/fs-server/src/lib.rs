//! `fs-server`: the board's file system behind the file protocol.
//!
//! [`FsHandler`] is a [`tile_gates::server::Handler`]: it keeps a
//! [`memfs::MemFs`] over a memory gate the server holds (root's carved
//! memory) and answers `file_proto` requests. A session first obtains a
//! send gate (`session::OBTAIN_GATE`) and delegates one or more memory
//! endpoints (`session::DELEGATE_EP`); for every piece `NextIn`/`NextOut`
//! hands out, the server derives a memory gate over exactly that piece and
//! activates it on the client's endpoint (revoking the previous piece's
//! gate first, which invalidates the endpoint), then answers (offset 0,
//! length). The client moves the bytes with its own TCU.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;

use file_proto::{Error, Request, encode_reply, session};
use kif::CapSel;
use kif::service::ExchangeReply;
use memfs::{MemFs, Piece};
use tile_gates::server::{Answer, Handler, Server};
use tile_gates::{Env, Msg};
use tile_runtime::tcu_mmio::ep::Perm;

/// A file a session has open.
struct OpenFile {
    fd: u64,
    ep: usize,
    /// The memory gate currently activated on the client's endpoint.
    window: Option<CapSel>,
}

/// A session's state.
#[derive(Default)]
struct Sess {
    /// The client's delegated memory endpoints (our copies).
    eps: Vec<CapSel>,
    files: Vec<Option<OpenFile>>,
}

/// The file service.
pub struct FsHandler {
    fs: MemFs,
    region: CapSel,
    sessions: BTreeMap<u64, Sess>,
    next_ident: u64,
}

impl FsHandler {
    /// A file system over the memory gate at `region` (all of it).
    pub fn new(env: &Env<'_>, region: CapSel) -> Result<FsHandler, tile_syscalls::SyscallError> {
        let (size, _) = env.sys.mem_info(region)?;
        Ok(FsHandler {
            fs: MemFs::new(size),
            region,
            sessions: BTreeMap::new(),
            next_ident: 1,
        })
    }

    /// A file system without memory (every write is `NoSpace`): for a
    /// board that leaves no memory to root.
    pub fn without_memory() -> FsHandler {
        FsHandler {
            fs: MemFs::new(0),
            region: CapSel(u64::MAX),
            sessions: BTreeMap::new(),
            next_ident: 1,
        }
    }

    /// Bytes free.
    pub fn free(&self) -> u64 {
        self.fs.free()
    }

    /// A new session's ident (for sessions the server creates itself with
    /// `CreateSess`).
    pub fn add_session(&mut self) -> u64 {
        let ident = self.next_ident;
        self.next_ident += 1;
        self.sessions.insert(ident, Sess::default());
        ident
    }

    /// Activates a gate over `piece` on file `f`'s endpoint.
    fn window(
        &mut self,
        env: &Env<'_>,
        ident: u64,
        f: usize,
        piece: Piece,
        perm: Perm,
    ) -> Result<(), Error> {
        let sess = self.sessions.get_mut(&ident).ok_or(Error::InvArgs)?;
        let of = sess
            .files
            .get_mut(f)
            .and_then(Option::as_mut)
            .ok_or(Error::InvArgs)?;
        if let Some(old) = of.window.take() {
            let _ = env.sys.revoke(old);
        }
        let ep = *sess.eps.get(of.ep).ok_or(Error::InvArgs)?;
        let sel = env.sel();
        env.sys
            .derive_mem(sel, self.region, piece.at, piece.len, perm)
            .map_err(|_| Error::NoSpace)?;
        if env.sys.activate(ep, sel, 0).is_err() {
            let _ = env.sys.revoke(sel);
            return Err(Error::EpFailed);
        }
        of.window = Some(sel);
        Ok(())
    }

    fn file(&self, ident: u64, fd: u64) -> Result<(usize, u64), Error> {
        let sess = self.sessions.get(&ident).ok_or(Error::InvArgs)?;
        let i = usize::try_from(fd).map_err(|_| Error::InvArgs)?;
        let of = sess
            .files
            .get(i)
            .and_then(Option::as_ref)
            .ok_or(Error::InvArgs)?;
        Ok((i, of.fd))
    }

    fn close_file(&mut self, env: &Env<'_>, ident: u64, i: usize) -> Result<(), Error> {
        let sess = self.sessions.get_mut(&ident).ok_or(Error::InvArgs)?;
        let of = sess
            .files
            .get_mut(i)
            .and_then(Option::take)
            .ok_or(Error::InvArgs)?;
        if let Some(w) = of.window {
            let _ = env.sys.revoke(w);
        }
        self.fs.close(of.fd)
    }

    /// Handles one request of session `ident`: the result words, and the
    /// name for `ReadDir`.
    fn handle(
        &mut self,
        env: &Env<'_>,
        ident: u64,
        r: Request<'_>,
    ) -> Result<([u64; 3], Vec<u8>), Error> {
        let none = Vec::new();
        Ok(match r {
            Request::Open { flags, ep, path } => {
                let sess = self.sessions.get(&ident).ok_or(Error::InvArgs)?;
                let ep = usize::try_from(ep)
                    .ok()
                    .filter(|e| *e < sess.eps.len())
                    .ok_or(Error::InvArgs)?;
                let fd = self.fs.open(path, flags)?;
                let sess = self.sessions.get_mut(&ident).ok_or(Error::InvArgs)?;
                let slot = sess
                    .files
                    .iter()
                    .position(Option::is_none)
                    .unwrap_or(sess.files.len());
                let of = Some(OpenFile {
                    fd,
                    ep,
                    window: None,
                });
                if slot == sess.files.len() {
                    sess.files.push(of);
                } else {
                    sess.files[slot] = of;
                }
                ([slot as u64, 0, 0], none)
            }
            Request::NextIn { fd } => {
                let (i, mfd) = self.file(ident, fd)?;
                let p = self.fs.next_in(mfd)?;
                if p.len > 0 {
                    self.window(env, ident, i, p, Perm::R)?;
                }
                ([0, p.len, 0], none)
            }
            Request::NextOut { fd } => {
                let (i, mfd) = self.file(ident, fd)?;
                let p = self.fs.next_out(mfd)?;
                self.window(env, ident, i, p, Perm::W)?;
                ([0, p.len, 0], none)
            }
            Request::Commit { fd, n } => {
                let (_, mfd) = self.file(ident, fd)?;
                self.fs.commit(mfd, n)?;
                ([0; 3], none)
            }
            Request::Seek { fd, off, whence } => {
                let (_, mfd) = self.file(ident, fd)?;
                ([self.fs.seek(mfd, off, whence)?, 0, 0], none)
            }
            Request::Stat { path } => {
                let (size, kind) = self.fs.stat(path)?;
                ([size, kind as u64, 0], none)
            }
            Request::Close { fd } => {
                let (i, _) = self.file(ident, fd)?;
                self.close_file(env, ident, i)?;
                ([0; 3], none)
            }
            Request::Mkdir { path } => {
                self.fs.mkdir(path)?;
                ([0; 3], none)
            }
            Request::Unlink { path } => {
                self.fs.unlink(path)?;
                ([0; 3], none)
            }
            Request::ReadDir { index, path } => {
                let (name, kind, size) = self.fs.read_dir(path, index)?;
                (
                    [kind as u64, size, name.len() as u64],
                    name.as_bytes().to_vec(),
                )
            }
        })
    }
}

impl Handler for FsHandler {
    fn open(&mut self, _env: &Env<'_>, _srv: &Server, _arg: u64) -> Result<u64, kif::Code> {
        Ok(self.add_session())
    }

    fn obtain(
        &mut self,
        env: &Env<'_>,
        srv: &Server,
        ident: u64,
        count: u64,
        args: [u64; 2],
    ) -> Result<ExchangeReply, kif::Code> {
        if !self.sessions.contains_key(&ident) || args[0] != session::OBTAIN_GATE || count < 1 {
            return Err(kif::Code::InvArgs);
        }
        let sel = env.sel();
        srv.send_gate(env, sel, ident, 1)
            .map_err(|_| kif::Code::NoSpace)?;
        Ok(ExchangeReply {
            start: sel.0,
            count: 1,
            result: 0,
        })
    }

    fn delegate(
        &mut self,
        env: &Env<'_>,
        _srv: &Server,
        ident: u64,
        count: u64,
        args: [u64; 2],
    ) -> Result<ExchangeReply, kif::Code> {
        let sess = self.sessions.get_mut(&ident).ok_or(kif::Code::InvArgs)?;
        if args[0] != session::DELEGATE_EP || count != 1 || sess.eps.len() >= 8 {
            return Err(kif::Code::InvArgs);
        }
        let sel = env.sel();
        sess.eps.push(sel);
        Ok(ExchangeReply {
            start: sel.0,
            count: 1,
            result: sess.eps.len() as u64 - 1,
        })
    }

    fn close(&mut self, env: &Env<'_>, _srv: &Server, ident: u64) {
        let n = self.sessions.get(&ident).map_or(0, |s| s.files.len());
        for i in 0..n {
            let _ = self.close_file(env, ident, i);
        }
        if let Some(s) = self.sessions.remove(&ident) {
            for ep in s.eps {
                let _ = env.sys.revoke(ep);
            }
        }
    }

    fn message(&mut self, env: &Env<'_>, _srv: &Server, msg: &Msg) -> Answer {
        let mut out = vec![0u8; 256];
        let r = match Request::decode(&msg.payload) {
            Ok(req) => self.handle(env, msg.label(), req),
            Err(_) => Err(Error::InvMsg),
        };
        let (res, name) = match r {
            Ok((w, name)) => (Ok(w), name),
            Err(e) => (Err(e), Vec::new()),
        };
        let n = encode_reply(res, &mut out).unwrap_or(0);
        out.truncate(n);
        out.extend_from_slice(&name);
        Answer::Now(out)
    }
}
