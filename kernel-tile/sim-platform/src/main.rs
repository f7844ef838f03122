//! `tilekit-kernel`: the kernel on a simulated core tile.
//!
//! The platform layer around `kernel-core`: it claims the kernel tile's
//! authority over its own TCU, sets up the syscall receive endpoint,
//! reads the boot information the loader left in its memory
//! (`kif::boot`), deprivileges every other tile, creates an activity for
//! every boot entry and starts its core — all remote writes through the
//! scratch endpoint — and then serves syscalls forever: SLEEP on the
//! syscall endpoint, FETCH, decode, handle, REPLY. On an FPGA the same core
//! runs on a RISC-V tile with another platform layer (docs/kernel.md).
#![forbid(unsafe_code)]

use kernel_core::tcu_noc::{LocalMemory, TcuNoc};
use kernel_core::{Kernel, Noc as _};
use kif::boot::{BOOT_INFO_ADDR, BOOT_INFO_MAX, BootInfo, TileKind};
use kif::eps;
use tile_runtime::Tile;
use tile_runtime::tcu_mmio::ep::{Credits, EpConfig, MemEp, Perm, RecvEp, SendEp};
use tile_runtime::tcu_mmio::header::{HEADER_SIZE, Header};
use tile_runtime::tcu_mmio::tcu::{ConfigAuthority, MsgOffset, Tcu};
use tile_runtime::tcu_mmio::{ActId, Code, EpId, Label, LocalAddr};

/// The syscall receive buffer: 32 slots of 512 bytes.
const SYSCALL_BUF: u64 = 0x4000;
const SYSCALL_SLOTS_LOG2: u8 = 5;
/// The scratch buffer for remote register writes.
const SCRATCH: u64 = 0x3000;
/// Where replies are assembled.
const REPLY_STAGE: u64 = 0x3100;
/// Where requests to services are assembled.
const SERVICE_STAGE: u64 = 0x3200;
/// The receive buffer for services' replies: 32 slots of 64 bytes.
const SERVICE_REPLY_BUF: u64 = 0xC000;
const SERVICE_REPLY_SLOTS_LOG2: u8 = 5;
const SERVICE_REPLY_ORDER: u8 = 6;
/// How long the kernel sleeps between looks while a caller waits for a
/// service (SLEEP has no timeout).
const POLL: std::time::Duration = std::time::Duration::from_millis(1);
/// Kernel memory every boot activity gets.
const BOOT_KMEM: u64 = 1 << 20;

struct Mem<'t>(&'t Tile);

impl LocalMemory for Mem<'_> {
    fn write(&mut self, addr: u64, data: &[u8]) -> bool {
        self.0.write_mem(LocalAddr(addr), data)
    }
}

fn main() {
    tile_runtime::run(|tile| match kernel(tile) {
        Ok(()) => 0,
        Err(e) => {
            tile.print(&format!("kernel: {e}\n"));
            1
        }
    })
}

fn kernel(tile: &Tile) -> Result<(), String> {
    let tcu = tile.tcu();
    let auth = tcu
        .claim_authority()
        .ok_or("the kernel tile is not privileged: the kernel must be the first thing to run after a board reset")?;
    // The launcher names the tile `C<chip>T<tile>`.
    let me = tile
        .name()
        .strip_prefix('C')
        .and_then(|r| r.split_once('T'))
        .and_then(|(c, t)| {
            tile_runtime::tcu_mmio::TileId::new(c.parse().ok()?, t.parse().ok()?).ok()
        })
        .ok_or_else(|| format!("cannot tell the kernel's tile from `{}`", tile.name()))?;
    // The syscall receive endpoint; its slots' reply EPs follow KERNEL_REPLY_EPS.
    let rep = EpConfig::Receive(RecvEp {
        act: ActId::INVALID,
        reply_eps: eps::KERNEL_REPLY_EPS,
        slots_log2: SYSCALL_SLOTS_LOG2,
        slot_size_log2: eps::SYSCALL_MSG_ORDER,
        wpos: 0,
        rpos: 0,
        buf_addr: SYSCALL_BUF,
        occupied: 0,
        unread: 0,
    });
    tcu.configure_ep(&auth, eps::KERNEL_SYSCALL, &rep)
        .map_err(|e| format!("configuring the syscall endpoint: {e}"))?;
    // Services' replies: no reply EPs (the kernel does not answer them).
    let srv = EpConfig::Receive(RecvEp {
        act: ActId::INVALID,
        reply_eps: EpId::INVALID,
        slots_log2: SERVICE_REPLY_SLOTS_LOG2,
        slot_size_log2: SERVICE_REPLY_ORDER,
        wpos: 0,
        rpos: 0,
        buf_addr: SERVICE_REPLY_BUF,
        occupied: 0,
        unread: 0,
    });
    tcu.configure_ep(&auth, eps::KERNEL_SERVICE_REPLIES, &srv)
        .map_err(|e| format!("configuring the service-reply endpoint: {e}"))?;
    // Boot information.
    let mut bytes = vec![0u8; BOOT_INFO_MAX as usize];
    if !tile.read_mem(LocalAddr(BOOT_INFO_ADDR), &mut bytes) {
        return Err("the kernel tile's memory is too small for boot information".into());
    }
    let mut words = vec![0u64; bytes.len() / 8];
    kif::syscall::bytes_to_words(&bytes, &mut words);
    let info = BootInfo::decode(&words)
        .map_err(|e| format!("boot information: {e:?} (was the board loaded by `tilekit run`?)"))?;
    let noc_tcu = Tcu::new(tcu.regs(), tcu.layout());
    let noc_auth = noc_tcu.claim_authority().ok_or("authority lost")?;
    let mut noc = TcuNoc::new(noc_tcu, noc_auth, Mem(tile), SCRATCH);
    let mut k = Kernel::new(me);
    let mut user = 0;
    let mut host = None;
    for t in info.tiles().flatten() {
        match t.kind {
            TileKind::Kernel | TileKind::Memory => {}
            TileKind::Core | TileKind::Accel | TileKind::Host => {
                noc.deprivilege(t.id)
                    .map_err(|e| format!("deprivileging {}: {e}", t.id))?;
                k.add_tile(t.id, t.eps, t.mem);
                // A core's DRAM slice is its PMP endpoint.
                if let (TileKind::Core, Some((mem_tile, offset))) = (t.kind, t.dram) {
                    let pmp = EpConfig::Memory(MemEp {
                        act: ActId::INVALID,
                        perm: Perm::RW,
                        target_tile: mem_tile,
                        addr: offset,
                        size: t.mem,
                    });
                    noc.config_ep(t.id, eps::PMP, &pmp)
                        .map_err(|e| format!("setting the PMP endpoint of {}: {e}", t.id))?;
                }
                if t.kind == TileKind::Host {
                    host = Some(t.id);
                } else {
                    user += 1;
                }
            }
        }
    }
    // Started entries run at once; the first of them is root, which gets
    // a tile capability for every entry that is not started (kif::boot).
    let mut started = 0;
    let mut root = None;
    for (entry, flags) in info.entries().flatten() {
        if flags & kif::boot::ENTRY_START == 0 {
            continue;
        }
        let act = k
            .create_activity(&mut noc, entry, &entry.to_string(), BOOT_KMEM)
            .map_err(|r| format!("creating the activity on {entry}: {r}"))?;
        noc.start_core(entry)
            .map_err(|e| format!("starting {entry}: {e}"))?;
        tile.print(&format!(
            "kernel: started {entry} as activity {}\n",
            act.raw()
        ));
        root.get_or_insert(act);
        started += 1;
    }
    if let Some(root) = root {
        let loaded = info
            .entries()
            .flatten()
            .filter(|(_, f)| f & kif::boot::ENTRY_START == 0);
        for (i, (entry, _)) in loaded.enumerate() {
            let sel = kif::CapSel(kif::boot::ROOT_TILE_CAPS.0 + i as u64);
            k.grant_tile(root, sel, entry)
                .map_err(|r| format!("giving root the tile {entry}: {r}"))?;
        }
        // The memory no slice uses goes to root.
        for (i, (mem_tile, addr, size)) in info
            .free_memory()
            .into_iter()
            .take(kif::boot::MAX_MEM_CAPS)
            .enumerate()
        {
            let sel = kif::CapSel(kif::boot::ROOT_MEM_CAPS.0 + i as u64);
            let gate = kernel_core::objects::MGate {
                tile: mem_tile,
                addr,
                size,
                perm: Perm::RW,
            };
            k.grant_mgate(root, sel, gate)
                .map_err(|r| format!("giving root {size} bytes of {mem_tile}: {r}"))?;
        }
        // The host tile takes part as an activity of its own (its syscall
        // endpoints configured, no core to start); root holds it to give
        // it its sessions.
        if let Some(h) = host {
            let act = k
                .create_activity(&mut noc, h, "host", BOOT_KMEM)
                .map_err(|r| format!("creating the host tile's activity: {r}"))?;
            k.grant_activity(root, kif::plan::ROOT_HOST_ACT, act)
                .map_err(|r| format!("giving root the host's activity: {r}"))?;
            tile.print(&format!(
                "kernel: the host tile {h} is activity {}\n",
                act.raw()
            ));
        }
    }
    tile.print(&format!(
        "kernel: booted on {me}: {user} user tiles deprivileged, {started} started\n"
    ));
    serve(tile, &auth, &mut k, &mut noc)
}

/// Serves syscalls and services' replies until the board is reset.
fn serve(
    tile: &Tile,
    auth: &ConfigAuthority,
    k: &mut Kernel,
    noc: &mut dyn kernel_core::Noc,
) -> Result<(), String> {
    let tcu = tile.tcu();
    loop {
        k.advance(tcu.cur_time());
        send_requests(tile, auth, k, noc);
        answer_ready(tile, k);
        let syscall = tcu
            .fetch_msg(eps::KERNEL_SYSCALL)
            .map_err(|e| format!("FETCH_MSG: {e}"))?;
        if let Some(off) = syscall {
            k.advance(tcu.cur_time());
            syscall_msg(tile, k, noc, off);
        }
        let reply = tcu
            .fetch_msg(eps::KERNEL_SERVICE_REPLIES)
            .map_err(|e| format!("FETCH_MSG: {e}"))?;
        if let Some(off) = reply {
            service_reply(tile, k, noc, off);
        }
        if syscall.is_some() || reply.is_some() {
            continue;
        }
        if k.next_deadline().is_some() {
            // A caller waits for a service: look again soon, so its
            // timeout is noticed even if no message comes.
            std::thread::sleep(POLL);
        } else {
            // SLEEP returns at once while any message is unread.
            tcu.sleep(EpId::INVALID)
                .map_err(|e| format!("SLEEP: {e}"))?;
        }
    }
}

/// Handles the syscall message at `off`.
fn syscall_msg(tile: &Tile, k: &mut Kernel, noc: &mut dyn kernel_core::Noc, off: MsgOffset) {
    let tcu = tile.tcu();
    let slot_size = 1usize << eps::SYSCALL_MSG_ORDER;
    let mut slot = vec![0u8; slot_size];
    let mut words = [0u64; kif::syscall::MAX_WORDS];
    tile.read_mem(LocalAddr(SYSCALL_BUF + u64::from(off.0)), &mut slot);
    let info = Header::read_from(&slot).and_then(|h| h.info().ok());
    let reply = match info {
        Some(h) => {
            let len = usize::from(h.length).min(slot_size - HEADER_SIZE);
            let n = kif::syscall::bytes_to_words(&slot[HEADER_SIZE..HEADER_SIZE + len], &mut words);
            k.syscall(noc, h.label.0, off.0.into(), &words[..n])
        }
        None => kernel_core::Reply::refused_message(),
    };
    if reply.deferred {
        // Answered later (an activity wait, a service's answer): the slot
        // stays until then.
        return;
    }
    if reply.silent {
        // The caller exited: no reply, free the slot.
        let _ = tcu.ack_msg(eps::KERNEL_SYSCALL, off);
        if let Some(h) = info {
            tile.print(&format!(
                "kernel: activity {} on {} exited\n",
                h.label.0, h.sender_tile
            ));
        }
        return;
    }
    reply_to(tile, off, &reply);
}

/// Answers the syscall message at `off` with `reply`.
fn reply_to(tile: &Tile, off: MsgOffset, reply: &kernel_core::Reply) {
    let tcu = tile.tcu();
    let mut out = [0u8; 24];
    kif::syscall::words_to_bytes(&reply.words(), &mut out);
    tile.write_mem(LocalAddr(REPLY_STAGE), &out);
    match tcu.reply(eps::KERNEL_SYSCALL, LocalAddr(REPLY_STAGE), 24, off) {
        Ok(()) => {}
        // The caller asked for no reply (or its reply EP is gone): free
        // the slot anyway.
        Err(Code::NoSep | Code::RecvGone | Code::NoRep) => {
            let _ = tcu.ack_msg(eps::KERNEL_SYSCALL, off);
        }
        Err(e) => {
            tile.print(&format!("kernel: REPLY failed: {e}\n"));
            let _ = tcu.ack_msg(eps::KERNEL_SYSCALL, off);
        }
    }
}

/// Sends the kernel's requests to services: the service send EP is
/// pointed at each service's receive gate in turn.
fn send_requests(
    tile: &Tile,
    auth: &ConfigAuthority,
    k: &mut Kernel,
    noc: &mut dyn kernel_core::Noc,
) {
    let tcu = tile.tcu();
    for m in k.take_outbox() {
        let ep = EpConfig::Send(SendEp {
            act: ActId::INVALID,
            cur_credits: Credits::UNLIMITED,
            max_credits: Credits::UNLIMITED,
            msg_size_log2: m.msg_order,
            credit_ep: EpId::INVALID,
            reply: false,
            target_tile: m.tile,
            target_ep: m.ep,
            label: Label(0),
        });
        let mut bytes = [0u8; 8 * kif::service::MAX_REQUEST_WORDS];
        let n = kif::syscall::words_to_bytes(&m.words[..m.len], &mut bytes);
        tile.write_mem(LocalAddr(SERVICE_STAGE), &bytes[..n]);
        let sent = tcu
            .configure_ep(auth, eps::KERNEL_SERVICE_SEND, &ep)
            .map_err(|_| Code::NoSep)
            .and_then(|()| {
                tcu.send(
                    eps::KERNEL_SERVICE_SEND,
                    LocalAddr(SERVICE_STAGE),
                    n as u64,
                    if m.reply {
                        eps::KERNEL_SERVICE_REPLIES
                    } else {
                        EpId::INVALID
                    },
                    Label(m.id),
                )
            });
        match sent {
            Ok(()) => {}
            Err(e) if m.reply => {
                tile.print(&format!(
                    "kernel: request {} to the service at {}:{} not sent: {e}\n",
                    m.id, m.tile, m.ep
                ));
                k.service_unreachable(noc, m.id);
            }
            Err(e) => tile.print(&format!("kernel: upcall to {} dropped: {e}\n", m.tile)),
        }
    }
}

/// Hands the service reply at `off` to the kernel.
fn service_reply(tile: &Tile, k: &mut Kernel, noc: &mut dyn kernel_core::Noc, off: MsgOffset) {
    let mut slot = [0u8; 1 << SERVICE_REPLY_ORDER];
    tile.read_mem(LocalAddr(SERVICE_REPLY_BUF + u64::from(off.0)), &mut slot);
    if let Some(h) = Header::read_from(&slot).and_then(|h| h.info().ok()) {
        let len = usize::from(h.length).min(slot.len() - HEADER_SIZE);
        let mut words = [0u64; kif::service::MAX_REPLY_WORDS];
        let n = kif::syscall::bytes_to_words(&slot[HEADER_SIZE..HEADER_SIZE + len], &mut words);
        k.service_reply(noc, h.label.0, &words[..n]);
    }
    let _ = tile.tcu().ack_msg(eps::KERNEL_SERVICE_REPLIES, off);
}

/// Sends the replies that became ready (activity waits answered by an
/// exit), to the messages that asked for them.
fn answer_ready(tile: &Tile, k: &mut Kernel) {
    for (token, reply) in k.take_ready() {
        reply_to(tile, MsgOffset(token as u32), &reply);
    }
}
