//! The register map of one tile's TCU region (spec v2, "MMIO registers"),
//! relative to the region's base (0xF000_0000 in a core's address space).
//!
//! ```text
//! +0x0000  external registers     FEATURES, TILE_DESC, EXT_CMD
//! +0x0018  unprivileged registers COMMAND, DATA_ADDR, DATA_SIZE, ARG1, CUR_TIME, PRINT
//! +0x0048  endpoint registers     3 × 64 bit per endpoint
//! +0x0048 + 24·eps  print buffer  32 × 64 bit
//! +0x2000  privileged page        CU_REQ, PRIV_CTRL, PRIV_CMD, PRIV_CMD_ARG, CUR_ACT, CLEAR_IRQ
//! +0x3000  configuration page     hardware: core start/stop (+0x3028, +0x3030)
//! ```
//!
//! The print buffer follows the last endpoint, so its place depends on the
//! endpoint count; [`Layout`] carries that count and refuses counts that
//! would run the print buffer into the privileged page (more than
//! [`Layout::MAX_EPS`]).

use crate::cmd::{
    CMD_ARG0, CMD_EP, CMD_ERROR, CMD_OP, EXT_CMD_ARG, EXT_CMD_ERROR, EXT_CMD_OP, PRIV_CMD_ARG0,
    PRIV_CMD_ERROR, PRIV_CMD_OP,
};
use crate::ep::EP_REGS;
use crate::field::{Field, FieldOverflow};
use crate::tile_desc::{TD_ATTR, TD_ISA, TD_MEM, TD_TYPE};

/// Base address of the TCU region in a core's physical address space.
pub const MMIO_BASE: u64 = 0xF000_0000;
/// Size of one tile's TCU region: external to configuration page.
pub const REGION_SIZE: u64 = 0x4000;
/// Offset of the first endpoint register.
pub const EPS_START: u64 = 0x48;
/// Bytes per endpoint.
pub const EP_SIZE: u64 = (EP_REGS as u64) * 8;
/// Number of 64-bit print-buffer registers.
pub const PRINT_REGS: u64 = 32;
/// Bytes one PRINT command can carry.
pub const PRINT_BUF_BYTES: usize = (PRINT_REGS * 8) as usize;
/// Offset of the privileged page.
pub const PRIV_START: u64 = 0x2000;
/// Offset of the configuration page (hardware-specific registers).
pub const CONFIG_START: u64 = 0x3000;

/// The endpoint count of a TCU, which fixes where the print buffer lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Layout {
    eps: u16,
}

impl Layout {
    /// The largest endpoint count whose registers and print buffer end
    /// before the privileged page: (0x2000 − 0x48 − 256) / 24 = 327.
    pub const MAX_EPS: u16 = ((PRIV_START - EPS_START - PRINT_REGS * 8) / EP_SIZE) as u16;

    /// The endpoint count of M3's FPGA bitfiles.
    pub const HW_EPS: u16 = 128;

    /// The layout of M3's FPGA bitfiles (128 endpoints).
    pub const HW: Layout = Layout { eps: Self::HW_EPS };

    /// A layout with `eps` endpoints; fails above [`Layout::MAX_EPS`].
    pub const fn new(eps: u16) -> Result<Self, FieldOverflow> {
        if eps > Self::MAX_EPS {
            return Err(FieldOverflow {
                field: "endpoint count (print buffer must end before the privileged page at 0x2000)",
                width: 16,
                max: Self::MAX_EPS as u64,
                value: eps as u64,
            });
        }
        Ok(Self { eps })
    }

    /// The endpoint count.
    pub const fn eps(self) -> u16 {
        self.eps
    }

    /// Offset of the first print-buffer register.
    pub const fn print_buf_start(self) -> u64 {
        EPS_START + self.eps as u64 * EP_SIZE
    }
}

macro_rules! reg_group {
    ($(#[$m:meta])* $name:ident, $base:expr, { $($(#[$vm:meta])* $var:ident = $idx:literal => $s:literal,)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum $name { $($(#[$vm])* $var = $idx,)* }

        impl $name {
            /// Every register of the group, in address order.
            pub const ALL: &'static [$name] = &[$($name::$var,)*];

            /// The spec's name.
            pub const fn name(self) -> &'static str {
                match self { $($name::$var => $s,)* }
            }

            /// Byte offset within the TCU region.
            pub const fn offset(self) -> u64 {
                $base + (self as u64) * 8
            }
        }
    };
}

reg_group! {
    /// External registers: writable only over the NoC (by the kernel or the
    /// host's bring-up), never by the tile's own compute unit.
    ExtReg, 0x0, {
        /// Feature flags and TCU version.
        Features = 0 => "FEATURES",
        /// Tile description, set by the hardware.
        TileDesc = 1 => "TILE_DESC",
        /// External command.
        ExtCmd = 2 => "EXT_CMD",
    }
}

reg_group! {
    /// Unprivileged registers: the compute unit issues commands with them.
    UnprivReg, 0x18, {
        /// Command and its status.
        Command = 0 => "COMMAND",
        /// Local address of the data (message, buffer).
        DataAddr = 1 => "DATA_ADDR",
        /// Size of the data in bytes.
        DataSize = 2 => "DATA_SIZE",
        /// Second argument / result.
        Arg1 = 3 => "ARG1",
        /// Nanoseconds since boot (read-only).
        CurTime = 4 => "CUR_TIME",
        /// Write a length to print the print buffer; reads 0 when done.
        Print = 5 => "PRINT",
    }
}

reg_group! {
    /// Privileged registers: for the tile's privileged software (tile
    /// multiplexer). Encodings and documentation only; tilekit does not
    /// model tile sharing yet.
    PrivReg, PRIV_START, {
        /// Requests from the TCU to the compute unit.
        CuReq = 0 => "CU_REQ",
        /// Privileged control flags.
        PrivCtrl = 1 => "PRIV_CTRL",
        /// Privileged command.
        PrivCmd = 2 => "PRIV_CMD",
        /// Argument / result of the privileged command.
        PrivCmdArg = 3 => "PRIV_CMD_ARG",
        /// The current activity.
        CurAct = 4 => "CUR_ACT",
        /// Acknowledges an interrupt (M3 code; v3 replaces it by FETCH_IRQ).
        ClearIrq = 5 => "CLEAR_IRQ",
    }
}

/// Configuration registers of the hardware platform (VCU118 bitfiles) in
/// the page at +0x3000. Not part of the TCU spec; tilekit's window gives
/// every tile the same two, so cores start and stop the same way on the
/// simulator and on the FPGA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConfigReg {
    /// Core enable: write 1 to start the compute unit, 0 to stop it.
    CoreEnable,
    /// Core reset: write 1 to hold the compute unit in reset, 0 to release.
    CoreReset,
}

impl ConfigReg {
    /// Both registers, in address order.
    pub const ALL: &'static [ConfigReg] = &[ConfigReg::CoreEnable, ConfigReg::CoreReset];

    /// The name tilekit uses.
    pub const fn name(self) -> &'static str {
        match self {
            ConfigReg::CoreEnable => "CORE_ENABLE",
            ConfigReg::CoreReset => "CORE_RESET",
        }
    }

    /// Byte offset within the TCU region.
    pub const fn offset(self) -> u64 {
        match self {
            ConfigReg::CoreEnable => CONFIG_START + 0x28,
            ConfigReg::CoreReset => CONFIG_START + 0x30,
        }
    }
}

/// Any register of a tile's TCU region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reg {
    /// An external register.
    Ext(ExtReg),
    /// An unprivileged register.
    Unpriv(UnprivReg),
    /// Word `word` (0..=2) of endpoint `ep`.
    Ep {
        /// The endpoint.
        ep: crate::ids::EpId,
        /// The register within the endpoint (0..=2).
        word: u8,
    },
    /// Print-buffer register `n` (0..=31).
    PrintBuf(u8),
    /// A privileged register.
    Priv(PrivReg),
    /// A configuration register.
    Config(ConfigReg),
}

impl Reg {
    /// FEATURES.
    pub const FEATURES: Reg = Reg::Ext(ExtReg::Features);
    /// TILE_DESC.
    pub const TILE_DESC: Reg = Reg::Ext(ExtReg::TileDesc);
    /// EXT_CMD.
    pub const EXT_CMD: Reg = Reg::Ext(ExtReg::ExtCmd);
    /// COMMAND.
    pub const COMMAND: Reg = Reg::Unpriv(UnprivReg::Command);

    /// Byte offset within the TCU region for a TCU with `layout`.
    pub const fn offset(self, layout: Layout) -> u64 {
        match self {
            Reg::Ext(r) => r.offset(),
            Reg::Unpriv(r) => r.offset(),
            Reg::Ep { ep, word } => EPS_START + ep.raw() as u64 * EP_SIZE + word as u64 * 8,
            Reg::PrintBuf(n) => layout.print_buf_start() + n as u64 * 8,
            Reg::Priv(r) => r.offset(),
            Reg::Config(r) => r.offset(),
        }
    }

    /// The register at `offset`, if any (the simulator decodes accesses with
    /// this). Endpoints beyond the layout's count are not registers.
    pub fn at(offset: u64, layout: Layout) -> Option<Reg> {
        if !offset.is_multiple_of(8) {
            return None;
        }
        let idx = |base: u64| ((offset - base) / 8) as usize;
        if offset < UnprivReg::Command.offset() {
            return ExtReg::ALL.get(idx(0)).map(|r| Reg::Ext(*r));
        }
        if offset < EPS_START {
            return UnprivReg::ALL
                .get(idx(UnprivReg::Command.offset()))
                .map(|r| Reg::Unpriv(*r));
        }
        let pb = layout.print_buf_start();
        if offset < pb {
            let rel = offset - EPS_START;
            return Some(Reg::Ep {
                ep: crate::ids::EpId((rel / EP_SIZE) as u16),
                word: ((rel % EP_SIZE) / 8) as u8,
            });
        }
        if offset < pb + PRINT_REGS * 8 {
            return Some(Reg::PrintBuf(idx(pb) as u8));
        }
        if (PRIV_START..CONFIG_START).contains(&offset) {
            return PrivReg::ALL.get(idx(PRIV_START)).map(|r| Reg::Priv(*r));
        }
        ConfigReg::ALL
            .iter()
            .find(|r| r.offset() == offset)
            .map(|r| Reg::Config(*r))
    }
}

/// FEATURES: the tile is privileged (kernel tile).
pub const FEAT_KERNEL: Field = Field::new(
    "kernel",
    0,
    0,
    "1 = privileged: the CU may write its own EP registers",
);
/// FEATURES: virtual memory extension enabled.
pub const FEAT_VM: Field = Field::new("vm", 1, 1, "1 = virtual memory (TLB) enabled");
/// FEATURES: context-switching extension enabled.
pub const FEAT_CTXSW: Field = Field::new(
    "ctxsw",
    2,
    2,
    "1 = tile sharing (context switching) enabled",
);
/// FEATURES: TCU major version.
pub const FEAT_VMAJOR: Field = Field::new("vmajor", 47, 32, "TCU major version (read-only)");
/// FEATURES: TCU minor version.
pub const FEAT_VMINOR: Field = Field::new("vminor", 55, 48, "TCU minor version (read-only)");
/// FEATURES: TCU patch version.
pub const FEAT_VPATCH: Field = Field::new("vpatch", 63, 56, "TCU patch version (read-only)");

/// The decoded FEATURES register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Features {
    /// Privileged (kernel) tile.
    pub kernel: bool,
    /// Virtual memory enabled.
    pub vm: bool,
    /// Context switching enabled.
    pub ctxsw: bool,
    /// TCU version (major, minor, patch).
    pub version: (u16, u8, u8),
}

impl Features {
    /// Decodes a raw FEATURES value (every bit pattern decodes; reserved
    /// bits are ignored, as software must).
    pub const fn from_raw(raw: u64) -> Self {
        Self {
            kernel: FEAT_KERNEL.get(raw) != 0,
            vm: FEAT_VM.get(raw) != 0,
            ctxsw: FEAT_CTXSW.get(raw) != 0,
            version: (
                FEAT_VMAJOR.get(raw) as u16,
                FEAT_VMINOR.get(raw) as u8,
                FEAT_VPATCH.get(raw) as u8,
            ),
        }
    }

    /// Encodes the register.
    pub fn to_raw(&self) -> u64 {
        let (ma, mi, pa) = self.version;
        // Every value fits by its type; the fallback is unreachable.
        FEAT_KERNEL
            .set_flag(0, self.kernel)
            .and_then(|r| FEAT_VM.set_flag(r, self.vm))
            .and_then(|r| FEAT_CTXSW.set_flag(r, self.ctxsw))
            .and_then(|r| FEAT_VMAJOR.set(r, ma.into()))
            .and_then(|r| FEAT_VMINOR.set(r, mi.into()))
            .and_then(|r| FEAT_VPATCH.set(r, pa.into()))
            .unwrap_or(0)
    }
}

/// Who may write a register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Writer {
    /// Nobody: set by the hardware.
    Hardware,
    /// Only over the NoC (the kernel through a memory EP, the host's bring-up).
    Remote,
    /// The tile's own compute unit.
    Local,
    /// The tile's privileged software (tile multiplexer).
    Privileged,
    /// The platform (configuration page; the kernel or the host over the NoC).
    Platform,
}

impl Writer {
    /// A short description for the reference.
    pub const fn describe(self) -> &'static str {
        match self {
            Writer::Hardware => "read-only",
            Writer::Remote => "remote (NoC) only",
            Writer::Local => "local CU",
            Writer::Privileged => "local privileged SW",
            Writer::Platform => "remote (platform)",
        }
    }
}

/// A register whose meaning is one whole 64-bit value.
const fn whole(name: &'static str, doc: &'static str) -> Field {
    Field::new(name, 63, 0, doc)
}

/// The PRINT register: number of bytes to print.
pub const PRINT_LEN: Field = whole(
    "len",
    "bytes of the print buffer to print; the TCU writes 0 when done",
);
/// DATA_ADDR.
pub const DATA_ADDR: Field = whole("addr", "local address of the message or buffer");
/// DATA_SIZE.
pub const DATA_SIZE: Field = whole("size", "size of the data in bytes");
/// ARG1.
pub const ARG1: Field = whole(
    "arg1",
    "SEND: reply label; READ/WRITE: offset; FETCH_MSG: result (message offset or −1)",
);
/// CUR_TIME.
pub const CUR_TIME: Field = whole("time", "nanoseconds since boot");
/// PRIV_CMD_ARG.
pub const PRIV_CMD_ARG: Field = whole("arg", "second argument / result of PRIV_CMD");
/// Configuration registers hold a 0/1 value.
pub const CONFIG_VALUE: Field = whole("value", "1 = set, 0 = clear");

/// CU_REQ: request type.
pub const CU_REQ_TYPE: Field = Field::new(
    "type",
    2,
    0,
    "0 idle, 1 response (written by SW), 2 foreign message, 3 PMP failure",
);
/// CU_REQ (foreign message): the endpoint.
pub const CU_REQ_FOREIGN_EP: Field =
    Field::new("ep", 18, 3, "foreign message: receive EP it arrived on");
/// CU_REQ (foreign message): the activity.
pub const CU_REQ_FOREIGN_ACT: Field =
    Field::new("act", 63, 48, "foreign message: activity the EP belongs to");
/// CU_REQ (PMP failure): the access was a write.
pub const CU_REQ_PMP_WRITE: Field = Field::new("write", 3, 3, "PMP failure: 1 = write access");
/// CU_REQ (PMP failure): the error.
pub const CU_REQ_PMP_ERR: Field = Field::new("error", 8, 4, "PMP failure: error code");
/// CU_REQ (PMP failure): the physical address.
pub const CU_REQ_PMP_PHYS: Field = Field::new("phys", 63, 32, "PMP failure: physical address");
/// CUR_ACT: the running activity.
pub const CUR_ACT_ID: Field = Field::new("id", 15, 0, "id of the running activity");
/// CUR_ACT: its unread messages.
pub const CUR_ACT_MSGS: Field =
    Field::new("msgs", 31, 16, "unread messages of the running activity");
/// CLEAR_IRQ: which interrupt to acknowledge.
pub const CLEAR_IRQ_IRQ: Field = whole("irq", "interrupt to acknowledge: 0 CU request, 1 timer");

/// One fixed register of the map, for the reference and for tests.
#[derive(Clone, Copy, Debug)]
pub struct RegDoc {
    /// The register.
    pub reg: Reg,
    /// Its name.
    pub name: &'static str,
    /// Who may write it.
    pub writer: Writer,
    /// Its fields, ascending. Registers whose meaning depends on a type
    /// field (CU_REQ) list the fields of every variant; fields of different
    /// variants may overlap.
    pub fields: &'static [Field],
}

/// Every fixed register (all but endpoint and print-buffer registers), in
/// address order.
pub const REGISTER_DOCS: &[RegDoc] = &[
    RegDoc {
        reg: Reg::Ext(ExtReg::Features),
        name: "FEATURES",
        writer: Writer::Remote,
        fields: &[
            FEAT_KERNEL,
            FEAT_VM,
            FEAT_CTXSW,
            FEAT_VMAJOR,
            FEAT_VMINOR,
            FEAT_VPATCH,
        ],
    },
    RegDoc {
        reg: Reg::Ext(ExtReg::TileDesc),
        name: "TILE_DESC",
        writer: Writer::Hardware,
        fields: &[TD_TYPE, TD_ISA, TD_ATTR, TD_MEM],
    },
    RegDoc {
        reg: Reg::Ext(ExtReg::ExtCmd),
        name: "EXT_CMD",
        writer: Writer::Remote,
        fields: &[EXT_CMD_OP, EXT_CMD_ERROR, EXT_CMD_ARG],
    },
    RegDoc {
        reg: Reg::Unpriv(UnprivReg::Command),
        name: "COMMAND",
        writer: Writer::Local,
        fields: &[CMD_OP, CMD_EP, CMD_ERROR, CMD_ARG0],
    },
    RegDoc {
        reg: Reg::Unpriv(UnprivReg::DataAddr),
        name: "DATA_ADDR",
        writer: Writer::Local,
        fields: &[DATA_ADDR],
    },
    RegDoc {
        reg: Reg::Unpriv(UnprivReg::DataSize),
        name: "DATA_SIZE",
        writer: Writer::Local,
        fields: &[DATA_SIZE],
    },
    RegDoc {
        reg: Reg::Unpriv(UnprivReg::Arg1),
        name: "ARG1",
        writer: Writer::Local,
        fields: &[ARG1],
    },
    RegDoc {
        reg: Reg::Unpriv(UnprivReg::CurTime),
        name: "CUR_TIME",
        writer: Writer::Hardware,
        fields: &[CUR_TIME],
    },
    RegDoc {
        reg: Reg::Unpriv(UnprivReg::Print),
        name: "PRINT",
        writer: Writer::Local,
        fields: &[PRINT_LEN],
    },
    RegDoc {
        reg: Reg::Priv(PrivReg::CuReq),
        name: "CU_REQ",
        writer: Writer::Privileged,
        fields: &[
            CU_REQ_TYPE,
            CU_REQ_PMP_WRITE,
            CU_REQ_FOREIGN_EP,
            CU_REQ_PMP_ERR,
            CU_REQ_PMP_PHYS,
            CU_REQ_FOREIGN_ACT,
        ],
    },
    RegDoc {
        reg: Reg::Priv(PrivReg::PrivCtrl),
        name: "PRIV_CTRL",
        writer: Writer::Privileged,
        fields: &[PRIV_CTRL_PMP_FAILURES],
    },
    RegDoc {
        reg: Reg::Priv(PrivReg::PrivCmd),
        name: "PRIV_CMD",
        writer: Writer::Privileged,
        fields: &[PRIV_CMD_OP, PRIV_CMD_ERROR, PRIV_CMD_ARG0],
    },
    RegDoc {
        reg: Reg::Priv(PrivReg::PrivCmdArg),
        name: "PRIV_CMD_ARG",
        writer: Writer::Privileged,
        fields: &[PRIV_CMD_ARG],
    },
    RegDoc {
        reg: Reg::Priv(PrivReg::CurAct),
        name: "CUR_ACT",
        writer: Writer::Privileged,
        fields: &[CUR_ACT_ID, CUR_ACT_MSGS],
    },
    RegDoc {
        reg: Reg::Priv(PrivReg::ClearIrq),
        name: "CLEAR_IRQ",
        writer: Writer::Privileged,
        fields: &[CLEAR_IRQ_IRQ],
    },
    RegDoc {
        reg: Reg::Config(ConfigReg::CoreEnable),
        name: "CORE_ENABLE",
        writer: Writer::Platform,
        fields: &[CONFIG_VALUE],
    },
    RegDoc {
        reg: Reg::Config(ConfigReg::CoreReset),
        name: "CORE_RESET",
        writer: Writer::Platform,
        fields: &[CONFIG_VALUE],
    },
];

/// PRIV_CTRL: report PMP failures as CU requests.
pub const PRIV_CTRL_PMP_FAILURES: Field =
    Field::new("pmp", 0, 0, "1 = report PMP failures as CU requests");
