//! Kernel objects: what capabilities name.

use alloc::vec::Vec;

use tcu_mmio::ep::Perm;
use tcu_mmio::{ActId, EpId, Label, TileId};

use crate::arena::Key;

/// A kernel object's key.
pub type ObjKey = Key;

/// Bytes of kernel memory an object of each kind costs its creator.
pub mod cost {
    /// A receive, send or memory gate, an endpoint.
    pub const GATE: u64 = 64;
    /// A kernel-memory capability.
    pub const KMEM: u64 = 32;
    /// A capability (every copy made by an exchange).
    pub const CAP: u64 = 32;
}

/// A tile: its endpoints and memory as the kernel manages them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tile {
    /// Its NoC id.
    pub id: TileId,
    /// Endpoint count.
    pub eps: u16,
    /// Which endpoints are allocated (standard ones at activity creation).
    pub allocated: Vec<bool>,
    /// Size of its local memory (receive buffers must lie inside).
    pub mem_size: u64,
    /// The activity it runs (one at most: no multiplexer).
    pub running: Option<ObjKey>,
}

/// An activity: a program on a tile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Activity {
    /// Its id (the label of its syscalls).
    pub id: ActId,
    /// Its tile.
    pub tile: ObjKey,
    /// Its name (for messages).
    pub name: alloc::string::String,
    /// Its exit code once it has exited.
    pub exited: Option<u64>,
}

/// A kernel-memory quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KMem {
    /// Bytes it started with.
    pub quota: u64,
    /// Bytes left.
    pub left: u64,
}

/// Where a gate is bound: an endpoint object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Binding {
    /// The tile.
    pub tile: TileId,
    /// The endpoint.
    pub ep: EpId,
}

/// A receive gate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RGate {
    /// log2 of the buffer size.
    pub order: u8,
    /// log2 of a slot's size.
    pub msg_order: u8,
    /// Where it is activated (one endpoint at most).
    pub activated: Option<Binding>,
}

/// A send gate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SGate {
    /// The receive gate it sends to.
    pub rgate: ObjKey,
    /// The label of its messages.
    pub label: Label,
    /// Credits (0: unlimited).
    pub credits: u8,
}

/// A memory gate: a range of a tile's memory with permissions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MGate {
    /// The tile holding the memory.
    pub tile: TileId,
    /// Start address at that tile.
    pub addr: u64,
    /// Size in bytes.
    pub size: u64,
    /// Permissions.
    pub perm: Perm,
}

/// An endpoint allocated to an activity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ep {
    /// Its tile.
    pub tile: TileId,
    /// Its tile's object.
    pub tile_obj: ObjKey,
    /// The endpoint.
    pub ep: EpId,
    /// Reply endpoints reserved after it.
    pub replies: u64,
    /// The activity it belongs to (its EP registers carry this id).
    pub act: ActId,
    /// The gate bound to it, and the capability that bound it.
    pub bound: Option<(ObjKey, crate::caps::CapKey)>,
}

/// Any kernel object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KObject {
    /// A tile.
    Tile(Tile),
    /// An activity.
    Activity(Activity),
    /// A kernel-memory quota.
    KMem(KMem),
    /// A receive gate.
    RGate(RGate),
    /// A send gate.
    SGate(SGate),
    /// A memory gate.
    MGate(MGate),
    /// An endpoint.
    Ep(Ep),
    /// A service.
    Service(Service),
    /// A session.
    Session(Session),
}

/// A service: a server's receive gate the kernel sends requests to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    /// The server (capabilities exchanged over sessions come from and go
    /// to it).
    pub server: ObjKey,
    /// The receive gate requests go to.
    pub rgate: ObjKey,
}

/// A session of a service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The service.
    pub srv: ObjKey,
    /// What the server calls it.
    pub ident: u64,
}

impl KObject {
    /// The kind, as messages name it.
    pub fn kind(&self) -> &'static str {
        match self {
            KObject::Tile(_) => "tile",
            KObject::Activity(_) => "activity",
            KObject::KMem(_) => "kernel memory",
            KObject::RGate(_) => "receive gate",
            KObject::SGate(_) => "send gate",
            KObject::MGate(_) => "memory gate",
            KObject::Ep(_) => "endpoint",
            KObject::Service(_) => "service",
            KObject::Session(_) => "session",
        }
    }
}
