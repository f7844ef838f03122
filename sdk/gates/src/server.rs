//! A small server framework on the blocking receive.
//!
//! A [`Server`] has two receive gates: the **service gate**, where the
//! kernel's requests arrive (`kif::service`: open, obtain, delegate,
//! close), and the **message gate**, where clients send what the
//! protocol of the service says, through send gates the server hands out
//! over sessions (labelled with the session's ident). [`Server::run`]
//! sleeps until anything arrives — a request, a message, an upcall — and
//! hands it to the [`Handler`]. A handler may answer a message later
//! ([`Answer::Later`]: a pipe reader waiting for data): it keeps the
//! [`Msg`] and calls [`Server::reply`] when it can.

use kif::CapSel;
use kif::service::{ExchangeReply, Request};
use kif::upcall::Upcall;
use tile_runtime::tcu_mmio::{EpId, Label};

use crate::{Env, GateError, Msg, RecvGate};

/// What a handler says to a client's message.
pub enum Answer {
    /// Reply with these bytes now.
    Now(Vec<u8>),
    /// The handler keeps the message and replies later.
    Later,
}

/// What a service does.
pub trait Handler {
    /// A session is opened (`arg` from the opener); its ident.
    fn open(&mut self, env: &Env<'_>, srv: &Server, arg: u64) -> Result<u64, kif::Code>;
    /// Session `ident` obtains up to `count` capabilities.
    fn obtain(
        &mut self,
        env: &Env<'_>,
        srv: &Server,
        ident: u64,
        count: u64,
        args: [u64; 2],
    ) -> Result<ExchangeReply, kif::Code>;
    /// Session `ident` delegates `count` capabilities: where they go.
    fn delegate(
        &mut self,
        env: &Env<'_>,
        srv: &Server,
        ident: u64,
        count: u64,
        args: [u64; 2],
    ) -> Result<ExchangeReply, kif::Code> {
        let _ = (env, srv, ident, count, args);
        Err(kif::Code::NotSup)
    }
    /// Session `ident` is gone.
    fn close(&mut self, env: &Env<'_>, srv: &Server, ident: u64);
    /// A client's message (its label is the session's ident).
    fn message(&mut self, env: &Env<'_>, srv: &Server, msg: &Msg) -> Answer;
    /// An upcall of the kernel. Returning `false` ends [`Server::run`].
    fn upcall(&mut self, env: &Env<'_>, srv: &Server, up: Upcall) -> bool {
        let _ = (env, srv, up);
        true
    }
}

/// A service and its gates.
pub struct Server {
    /// Where the kernel's requests arrive.
    pub service: RecvGate,
    /// Where clients' messages arrive.
    pub messages: RecvGate,
    /// The service capability.
    pub srv_sel: CapSel,
}

impl Server {
    /// Creates the service at `srv_sel` and a message gate of 2^`order`
    /// bytes in slots of 2^`msg_order`.
    pub fn new(
        env: &Env<'_>,
        srv_sel: CapSel,
        order: u8,
        msg_order: u8,
    ) -> Result<Server, GateError> {
        let min = kif::service::MIN_MSG_ORDER;
        let service = RecvGate::new(env, min + 2, min)?;
        env.sys.create_srv(srv_sel, service.sel)?;
        let messages = RecvGate::new(env, order, msg_order)?;
        Ok(Server {
            service,
            messages,
            srv_sel,
        })
    }

    /// A send gate to the message gate at `dst`, labelled `ident` (what
    /// an `obtain` hands a session), with `credits` messages in flight.
    pub fn send_gate(
        &self,
        env: &Env<'_>,
        dst: CapSel,
        ident: u64,
        credits: u8,
    ) -> Result<(), GateError> {
        env.sys
            .create_sgate(dst, self.messages.sel, Label(ident), credits)?;
        Ok(())
    }

    /// Answers a message kept with [`Answer::Later`].
    pub fn reply(&self, env: &Env<'_>, msg: &Msg, data: &[u8]) {
        self.messages.reply(env, msg, data);
    }

    /// Serves until the handler's upcall says stop.
    pub fn run(&self, env: &Env<'_>, h: &mut dyn Handler) {
        loop {
            let mut busy = false;
            while let Some(m) = self.service.fetch(env) {
                busy = true;
                let answer = self.request(env, h, &m);
                self.service.reply_words(env, &m, &answer);
            }
            while let Some(up) = env.upcall() {
                busy = true;
                if !h.upcall(env, self, up) {
                    return;
                }
            }
            while let Some(m) = self.messages.fetch(env) {
                busy = true;
                if let Answer::Now(data) = h.message(env, self, &m) {
                    self.messages.reply(env, &m, &data);
                }
            }
            if !busy {
                let _ = env.tile.tcu().sleep(EpId::INVALID);
            }
        }
    }

    fn request(&self, env: &Env<'_>, h: &mut dyn Handler, m: &Msg) -> Vec<u64> {
        let code = |c: kif::Code| vec![c as u64];
        match Request::decode(&m.words()) {
            Ok(Request::Open { arg }) => match h.open(env, self, arg) {
                Ok(ident) => vec![kif::Code::Success as u64, ident],
                Err(c) => code(c),
            },
            Ok(Request::Exchange {
                ident,
                obtain,
                count,
                args,
            }) => {
                let r = if obtain {
                    h.obtain(env, self, ident, count, args)
                } else {
                    h.delegate(env, self, ident, count, args)
                };
                match r {
                    Ok(x) => x.encode().to_vec(),
                    Err(c) => code(c),
                }
            }
            Ok(Request::Close { ident }) => {
                h.close(env, self, ident);
                code(kif::Code::Success)
            }
            Err(_) => code(kif::Code::InvMsg),
        }
    }
}
