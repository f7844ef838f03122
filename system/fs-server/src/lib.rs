//! `fs-server`: the board's file system and pipes behind the file protocol.
//!
//! [`FsHandler`] is a [`tile_gates::server::Handler`]: it keeps a
//! [`memfs::MemFs`] over a memory gate the server holds (root's carved
//! memory) and answers `file_proto` requests. A session first obtains a
//! send gate (`session::OBTAIN_GATE`) and delegates memory endpoints
//! (`session::DELEGATE_EP`), one per file it has open at once.
//!
//! - **Files**: for every piece `NextIn`/`NextOut` hands out, the server
//!   derives a memory gate over exactly that piece and activates it on the
//!   client's endpoint (revoking the previous piece's gate first, which
//!   invalidates the endpoint), then answers (offset 0, length).
//! - **Pipes** (`Mkpipe`, then `Open` for reading or writing): the ring
//!   lies in the region too; a channel's endpoint is pointed at the whole
//!   ring once (read-only for readers, write-only for writers), and
//!   `NextIn`/`NextOut` answer with (offset in the ring, length). A reader
//!   of an empty pipe and a writer of a full one get their answer later
//!   (the message is kept), when another request changes the pipe.
//!
//! The client moves the bytes with its own TCU.
#![forbid(unsafe_code)]

use std::collections::{BTreeMap, BTreeSet};

use file_proto::{Error, Request, encode_reply, flags, session};
use kif::CapSel;
use kif::service::ExchangeReply;
use memfs::{MemFs, Piece};
use pipes::{Pipe, Step};
use tile_gates::server::{Answer, Handler, Server};
use tile_gates::{Env, Msg};
use tile_runtime::tcu_mmio::ep::Perm;

/// What an open descriptor is.
#[derive(Clone, Copy)]
enum Kind {
    /// A file of memfs (its descriptor there).
    File(u64),
    /// A pipe's channel (the pipe's inode, the channel).
    Pipe(usize, pipes::Chan),
}

/// A file a session has open.
struct OpenFile {
    kind: Kind,
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

/// A request that waits for a pipe to change.
struct Waiting {
    ident: u64,
    fd: u64,
    write: bool,
    msg: Msg,
}

/// Most bytes a pipe's ring may have.
pub const MAX_PIPE: u64 = 16 << 20;

/// The file service.
pub struct FsHandler {
    fs: MemFs,
    region: CapSel,
    sessions: BTreeMap<u64, Sess>,
    pipes: BTreeMap<usize, Pipe>,
    /// Pipes whose name is gone while channels were open (freed on the
    /// last close).
    detached: BTreeSet<usize>,
    waiting: Vec<Waiting>,
    next_ident: u64,
}

type Outcome = Result<([u64; 3], Vec<u8>), Error>;

impl FsHandler {
    /// A file system over the memory gate at `region` (all of it).
    pub fn new(env: &Env<'_>, region: CapSel) -> Result<FsHandler, tile_syscalls::SyscallError> {
        let (size, _) = env.sys.mem_info(region)?;
        Ok(Self::with(MemFs::new(size), region))
    }

    /// A file system without memory (every write is `NoSpace`): for a
    /// board that leaves no memory to root.
    pub fn without_memory() -> FsHandler {
        Self::with(MemFs::new(0), CapSel(u64::MAX))
    }

    fn with(fs: MemFs, region: CapSel) -> FsHandler {
        FsHandler {
            fs,
            region,
            sessions: BTreeMap::new(),
            pipes: BTreeMap::new(),
            detached: BTreeSet::new(),
            waiting: Vec::new(),
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

    /// Activates a gate over `piece` on file `f`'s endpoint (the previous
    /// one revoked first).
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

    fn file(&self, ident: u64, fd: u64) -> Result<(usize, Kind), Error> {
        let sess = self.sessions.get(&ident).ok_or(Error::InvArgs)?;
        let i = usize::try_from(fd).map_err(|_| Error::InvArgs)?;
        let of = sess
            .files
            .get(i)
            .and_then(Option::as_ref)
            .ok_or(Error::InvArgs)?;
        Ok((i, of.kind))
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
        match of.kind {
            Kind::File(fd) => self.fs.close(fd),
            Kind::Pipe(ino, ch) => {
                let r = self.pipes.get_mut(&ino).map_or(Ok(()), |p| p.close(ch));
                if self.detached.contains(&ino) && self.pipes.get(&ino).is_none_or(Pipe::is_unused)
                {
                    self.detached.remove(&ino);
                    self.pipes.remove(&ino);
                    self.fs.free_pipe(ino);
                }
                r
            }
        }
    }

    fn open(
        &mut self,
        env: &Env<'_>,
        ident: u64,
        fl: u64,
        ep: u64,
        path: &str,
    ) -> Result<u64, Error> {
        let sess = self.sessions.get(&ident).ok_or(Error::InvArgs)?;
        let ep = usize::try_from(ep)
            .ok()
            .filter(|e| *e < sess.eps.len())
            .ok_or(Error::InvArgs)?;
        let pipe = self.fs.pipe(path)?;
        let kind = match pipe {
            Some((ino, _, size)) => {
                let rw = fl & (flags::READ | flags::WRITE);
                let p = self.pipes.entry(ino).or_insert_with(|| Pipe::new(size));
                match rw {
                    flags::READ => Kind::Pipe(ino, p.open_reader()),
                    flags::WRITE => Kind::Pipe(ino, p.open_writer()),
                    _ => return Err(Error::InvArgs),
                }
            }
            None => Kind::File(self.fs.open(path, fl)?),
        };
        let sess = self.sessions.get_mut(&ident).ok_or(Error::InvArgs)?;
        let slot = sess
            .files
            .iter()
            .position(Option::is_none)
            .unwrap_or(sess.files.len());
        let of = Some(OpenFile {
            kind,
            ep,
            window: None,
        });
        if slot == sess.files.len() {
            sess.files.push(of);
        } else {
            sess.files[slot] = of;
        }
        // A pipe channel's endpoint sees the whole ring, once.
        if let Some((_, at, size)) = pipe {
            let perm = if fl & flags::READ != 0 {
                Perm::R
            } else {
                Perm::W
            };
            if let Err(e) = self.window(env, ident, slot, Piece { at, len: size }, perm) {
                let _ = self.close_file(env, ident, slot);
                return Err(e);
            }
        }
        Ok(slot as u64)
    }

    /// `NextIn`/`NextOut`: `None` when a pipe makes the client wait.
    fn next(&mut self, env: &Env<'_>, ident: u64, fd: u64, write: bool) -> Option<Outcome> {
        let (i, kind) = match self.file(ident, fd) {
            Ok(x) => x,
            Err(e) => return Some(Err(e)),
        };
        Some(match kind {
            Kind::File(mfd) => {
                let r = if write {
                    self.fs.next_out(mfd)
                } else {
                    self.fs.next_in(mfd)
                };
                r.and_then(|p| {
                    if p.len > 0 {
                        let perm = if write { Perm::W } else { Perm::R };
                        self.window(env, ident, i, p, perm)?;
                    }
                    Ok(([0, p.len, 0], Vec::new()))
                })
            }
            Kind::Pipe(ino, ch) => {
                let Some(p) = self.pipes.get_mut(&ino) else {
                    return Some(Err(Error::InvArgs));
                };
                let step = if write { p.next_out(ch) } else { p.next_in(ch) };
                match step {
                    Ok(Step::Go(piece)) => Ok(([piece.at, piece.len, 0], Vec::new())),
                    Ok(Step::Eof) => Ok(([0, 0, 0], Vec::new())),
                    Ok(Step::Wait) => return None,
                    Err(e) => Err(e),
                }
            }
        })
    }

    /// Handles one request of session `ident` (`None`: answered later).
    fn handle(&mut self, env: &Env<'_>, ident: u64, r: Request<'_>) -> Option<Outcome> {
        let none = Vec::new;
        Some(match r {
            Request::Open { flags, ep, path } => self
                .open(env, ident, flags, ep, path)
                .map(|fd| ([fd, 0, 0], none())),
            Request::NextIn { fd } => return self.next(env, ident, fd, false),
            Request::NextOut { fd } => return self.next(env, ident, fd, true),
            Request::Commit { fd, n } => self.file(ident, fd).and_then(|(_, kind)| {
                match kind {
                    Kind::File(mfd) => self.fs.commit(mfd, n)?,
                    Kind::Pipe(ino, ch) => self
                        .pipes
                        .get_mut(&ino)
                        .ok_or(Error::InvArgs)?
                        .commit(ch, n)?,
                }
                Ok(([0; 3], none()))
            }),
            Request::Seek { fd, off, whence } => {
                self.file(ident, fd).and_then(|(_, kind)| match kind {
                    Kind::File(mfd) => Ok(([self.fs.seek(mfd, off, whence)?, 0, 0], none())),
                    Kind::Pipe(..) => Err(Error::InvArgs),
                })
            }
            Request::Stat { path } => self
                .fs
                .stat(path)
                .map(|(size, kind)| ([size, kind as u64, 0], none())),
            Request::Close { fd } => self
                .file(ident, fd)
                .and_then(|(i, _)| self.close_file(env, ident, i))
                .map(|()| ([0; 3], none())),
            Request::Mkdir { path } => self.fs.mkdir(path).map(|()| ([0; 3], none())),
            Request::Unlink { path } => {
                let busy = self
                    .fs
                    .inode(path)
                    .ok()
                    .and_then(|ino| self.pipes.get(&ino))
                    .is_some_and(|p| !p.is_unused());
                if busy {
                    // Removed now, freed when its last channel closes.
                    self.fs.detach_pipe(path).map(|ino| {
                        self.detached.insert(ino);
                        ([0; 3], none())
                    })
                } else {
                    if let Ok(ino) = self.fs.inode(path) {
                        self.pipes.remove(&ino);
                    }
                    self.fs.unlink(path).map(|()| ([0; 3], none()))
                }
            }
            Request::ReadDir { index, path } => {
                self.fs.read_dir(path, index).map(|(name, kind, size)| {
                    (
                        [kind as u64, size, name.len() as u64],
                        name.as_bytes().to_vec(),
                    )
                })
            }
            Request::Mkpipe { size, path } => {
                if size > MAX_PIPE {
                    Err(Error::InvArgs)
                } else {
                    self.fs.mkpipe(path, size).map(|()| ([0; 3], none()))
                }
            }
        })
    }

    /// Answers the waiting requests a change made ready.
    fn retry(&mut self, env: &Env<'_>, srv: &Server) {
        loop {
            let mut progressed = false;
            for w in std::mem::take(&mut self.waiting) {
                match self.next(env, w.ident, w.fd, w.write) {
                    Some(r) => {
                        srv.reply(env, &w.msg, &reply_bytes(r));
                        progressed = true;
                    }
                    None => self.waiting.push(w),
                }
            }
            if !progressed {
                return;
            }
        }
    }
}

fn reply_bytes(r: Outcome) -> Vec<u8> {
    let mut out = vec![0u8; 32];
    let (res, name) = match r {
        Ok((w, name)) => (Ok(w), name),
        Err(e) => (Err(e), Vec::new()),
    };
    let n = encode_reply(res, &mut out).unwrap_or(0);
    out.truncate(n);
    out.extend_from_slice(&name);
    out
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

    fn close(&mut self, env: &Env<'_>, srv: &Server, ident: u64) {
        // Its waiting requests go (nobody is there to hear the answers).
        self.waiting.retain(|w| w.ident != ident);
        let n = self.sessions.get(&ident).map_or(0, |s| s.files.len());
        for i in 0..n {
            let _ = self.close_file(env, ident, i);
        }
        if let Some(s) = self.sessions.remove(&ident) {
            for ep in s.eps {
                let _ = env.sys.revoke(ep);
            }
        }
        // Its pipe channels are gone: readers may see EOF, writers Broken.
        self.retry(env, srv);
    }

    fn message(&mut self, env: &Env<'_>, srv: &Server, msg: &Msg) -> Answer {
        let ident = msg.label();
        let r = match Request::decode(&msg.payload) {
            Ok(req) => {
                let waits = match req {
                    Request::NextIn { fd } => Some((fd, false)),
                    Request::NextOut { fd } => Some((fd, true)),
                    _ => None,
                };
                match self.handle(env, ident, req) {
                    Some(r) => r,
                    None => {
                        let (fd, write) = waits.unwrap_or((0, false));
                        self.waiting.push(Waiting {
                            ident,
                            fd,
                            write,
                            msg: msg.clone(),
                        });
                        // Waiting commits the previous piece: that may be
                        // what another waiter needs.
                        self.retry(env, srv);
                        return Answer::Later;
                    }
                }
            }
            Err(_) => Err(Error::InvMsg),
        };
        let answer = reply_bytes(r);
        // This request may have made room or data for a waiting one: reply
        // to this one first, then to those.
        srv.reply(env, msg, &answer);
        self.retry(env, srv);
        Answer::Later
    }
}
