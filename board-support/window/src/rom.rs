//! The ROM: what a board is, readable before anything else is touched.
//!
//! Words are 64-bit little-endian. Header (word index):
//!
//! | word | content |
//! |---|---|
//! | 0 | magic `TKWINDOW` |
//! | 1 | layout version |
//! | 2 | TCU spec version: major \[47:32\] minor \[55:48\] patch \[63:56\] (as FEATURES) |
//! | 3 | window size |
//! | 4 | tile count |
//! | 5 | aperture count |
//! | 6 | bytes covered by the checksum |
//! | 7 | CRC-32 (IEEE) of those bytes with this word read as 0 |
//! | 8..=11 | board name, 32 bytes, NUL padded |
//!
//! Tile table at byte 0x100, one 64-byte entry per tile region slot; the
//! aperture table follows it, 32 bytes per aperture. Decoding checks every
//! bound, so any byte string decodes to a ROM or to an error, never a panic.

use board_schema::{BoardDesc, IsaName, Size, TileKind};
use tcu_mmio::TileId;
use tcu_mmio::field::Field;
use tcu_mmio::regs::Features;
use tcu_mmio::tile_desc::Isa;

use crate::layout::{
    APERTURE_SIZE, LAYOUT_VERSION, MAGIC, MAX_APERTURES, MAX_TILES, ROM_SIZE, WINDOW_SIZE,
};

/// Byte offset of the tile table in the ROM.
pub const TILE_TABLE: usize = 0x100;
/// Bytes per tile entry.
pub const TILE_ENTRY: usize = 64;
/// Bytes per aperture entry.
pub const APERTURE_ENTRY: usize = 32;
/// Longest board name.
pub const NAME_LEN: usize = 32;
/// Longest accelerator kind or model name.
pub const KIND_LEN: usize = 16;

/// Tile entry word 0: NoC id.
pub const T_NOC: Field = Field::new("noc_id", 13, 0, "chip << 8 | tile");
/// Tile entry word 0: kind.
pub const T_KIND: Field = Field::new(
    "kind",
    23,
    16,
    "0 kernel, 1 core, 2 accel, 3 memory, 4 host",
);
/// Tile entry word 0: ISA code (TILE_DESC.isa; 0 none).
pub const T_ISA: Field = Field::new("isa", 31, 24, "TILE_DESC ISA code");
/// Tile entry word 0: endpoint count.
pub const T_EPS: Field = Field::new("eps", 47, 32, "number of TCU endpoints");
/// Tile entry word 0: NoC router.
pub const T_ROUTER: Field = Field::new("router", 55, 48, "router the tile is attached to");
/// Tile entry word 2: memory tile of the DRAM slice.
pub const T_DRAM_TILE: Field = Field::new(
    "dram_tile",
    63,
    48,
    "NoC id of the memory tile (0xFFFF: none)",
);
/// Tile entry word 2: offset of the DRAM slice.
pub const T_DRAM_OFF: Field = Field::new(
    "dram_offset",
    47,
    0,
    "offset of the slice in the memory tile",
);

/// Aperture entry word 0: memory tile.
pub const A_TILE: Field = Field::new("mem_tile", 13, 0, "NoC id of the memory tile");

/// One tile as the ROM describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RomTile {
    /// NoC id.
    pub id: TileId,
    /// Kind.
    pub kind: TileKind,
    /// ISA (None for memory and host tiles).
    pub isa: Option<Isa>,
    /// Endpoint count.
    pub eps: u16,
    /// Router.
    pub router: u8,
    /// Memory: DRAM slice, memory size or local buffers, in bytes.
    pub memory: u64,
    /// DRAM slice: (memory tile, offset).
    pub dram: Option<(TileId, u64)>,
    /// Accelerator kind name.
    pub accel: Option<String>,
    /// Device model name.
    pub model: Option<String>,
}

/// An aperture onto a memory tile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RomAperture {
    /// The memory tile.
    pub mem_tile: TileId,
    /// Size of the aperture's window.
    pub window: u64,
    /// Size of the memory behind it.
    pub memory: u64,
}

/// The decoded ROM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rom {
    /// Layout version.
    pub layout_version: u64,
    /// TCU spec version.
    pub tcu_version: (u16, u8, u8),
    /// Window size.
    pub window_size: u64,
    /// Board name.
    pub name: String,
    /// Tiles in region-slot order.
    pub tiles: Vec<RomTile>,
    /// Apertures in order.
    pub apertures: Vec<RomAperture>,
}

/// Why ROM bytes are not a valid ROM.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RomError {
    /// Wrong magic: not a tilekit window, or the link is down.
    #[error("no tilekit ROM: magic is {found:#018x}, expected {MAGIC:#018x} (\"TKWINDOW\"){hint}")]
    Magic {
        /// What was read.
        found: u64,
        /// A hint for the common cases.
        hint: &'static str,
    },
    /// A layout version this tilekit does not read.
    #[error(
        "window layout version {0} is not supported (this tilekit reads version {LAYOUT_VERSION}); update tilekit or the bitstream"
    )]
    Version(u64),
    /// Checksum mismatch.
    #[error(
        "ROM checksum mismatch: stored {stored:#010x}, computed {computed:#010x}; the ROM is corrupt or was read while changing"
    )]
    Checksum {
        /// Stored value.
        stored: u64,
        /// Computed value.
        computed: u64,
    },
    /// A count or size out of range.
    #[error("ROM field `{field}` is {value}, at most {max} is possible")]
    Range {
        /// Which field.
        field: &'static str,
        /// Its value.
        value: u64,
        /// The limit.
        max: u64,
    },
    /// A value that does not decode.
    #[error("ROM tile entry {slot}: {what}")]
    Entry {
        /// The slot.
        slot: usize,
        /// What is wrong.
        what: String,
    },
    /// The board cannot be described in a ROM.
    #[error("the board cannot be put in a window: {0}")]
    Encode(String),
}

fn word(rom: &[u8], i: usize) -> u64 {
    rom.get(i * 8..i * 8 + 8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
        .unwrap_or(0)
}

fn put_word(rom: &mut [u8], byte: usize, v: u64) {
    if let Some(dst) = rom.get_mut(byte..byte + 8) {
        dst.copy_from_slice(&v.to_le_bytes());
    }
}

fn put_str(rom: &mut [u8], byte: usize, s: &str, max: usize) -> Result<(), RomError> {
    if s.len() > max {
        return Err(RomError::Encode(format!(
            "`{s}` is longer than {max} bytes"
        )));
    }
    if let Some(dst) = rom.get_mut(byte..byte + s.len()) {
        dst.copy_from_slice(s.as_bytes());
    }
    Ok(())
}

fn get_str(rom: &[u8], byte: usize, max: usize) -> Result<String, String> {
    let raw = rom.get(byte..byte + max).ok_or("string outside the ROM")?;
    let end = raw.iter().position(|b| *b == 0).unwrap_or(max);
    let s = std::str::from_utf8(&raw[..end]).map_err(|_| "name is not UTF-8".to_owned())?;
    if raw[end..].iter().any(|b| *b != 0) {
        return Err("name has bytes after its NUL terminator".into());
    }
    Ok(s.to_owned())
}

fn kind_code(k: TileKind) -> u64 {
    match k {
        TileKind::Kernel => 0,
        TileKind::Core => 1,
        TileKind::Accel => 2,
        TileKind::Memory => 3,
        TileKind::Host => 4,
    }
}

fn kind_of(code: u64) -> Option<TileKind> {
    Some(match code {
        0 => TileKind::Kernel,
        1 => TileKind::Core,
        2 => TileKind::Accel,
        3 => TileKind::Memory,
        4 => TileKind::Host,
        _ => return None,
    })
}

fn isa_of(i: IsaName) -> Isa {
    i.isa()
}

/// The CRC over the first `len` bytes with the checksum word as zero.
fn checksum(rom: &[u8], len: usize) -> u64 {
    let mut h = crc32fast::Hasher::new();
    let body = &rom[..len.min(rom.len())];
    h.update(&body[..56.min(body.len())]);
    h.update(&[0u8; 8]);
    if body.len() > 64 {
        h.update(&body[64..]);
    }
    u64::from(h.finalize())
}

/// The ROM of `board` (exactly [`ROM_SIZE`] bytes).
pub fn encode(board: &BoardDesc) -> Result<Vec<u8>, RomError> {
    if board.tiles.len() as u64 > MAX_TILES {
        return Err(RomError::Encode(format!(
            "{} tiles, a window has {MAX_TILES} regions",
            board.tiles.len()
        )));
    }
    let mem_tiles: Vec<_> = board.tiles_of(TileKind::Memory).collect();
    if mem_tiles.len() as u64 > MAX_APERTURES {
        return Err(RomError::Encode(format!(
            "{} memory tiles, a window has {MAX_APERTURES} apertures",
            mem_tiles.len()
        )));
    }
    let mut rom = vec![0u8; ROM_SIZE as usize];
    let f = |fld: Field, r: u64, v: u64| fld.set(r, v).map_err(|e| RomError::Encode(e.to_string()));
    for (slot, t) in board.tiles.iter().enumerate() {
        let base = TILE_TABLE + slot * TILE_ENTRY;
        let mut w0 = f(T_NOC, 0, t.id.raw().into())?;
        w0 = f(T_KIND, w0, kind_code(t.kind))?;
        w0 = f(T_ISA, w0, t.isa.map_or(0, |i| isa_of(i) as u64))?;
        w0 = f(T_EPS, w0, t.eps.into())?;
        w0 = f(T_ROUTER, w0, t.router.into())?;
        let memory = tile_memory(t);
        let mut w2 = f(T_DRAM_TILE, 0, 0xFFFF)?;
        if let Some(d) = t.dram {
            w2 = f(T_DRAM_TILE, 0, d.mem_tile.raw().into())?;
            w2 = f(T_DRAM_OFF, w2, d.offset)?;
        }
        put_word(&mut rom, base, w0);
        put_word(&mut rom, base + 8, memory);
        put_word(&mut rom, base + 16, w2);
        put_str(
            &mut rom,
            base + 32,
            t.accel.as_deref().unwrap_or(""),
            KIND_LEN,
        )?;
        put_str(
            &mut rom,
            base + 48,
            t.model.as_deref().unwrap_or(""),
            KIND_LEN,
        )?;
    }
    let ap_table = TILE_TABLE + board.tiles.len() * TILE_ENTRY;
    for (n, m) in mem_tiles.iter().enumerate() {
        let base = ap_table + n * APERTURE_ENTRY;
        put_word(&mut rom, base, f(A_TILE, 0, m.id.raw().into())?);
        put_word(&mut rom, base + 8, APERTURE_SIZE);
        put_word(&mut rom, base + 16, m.size.map_or(0, Size::bytes));
    }
    let used = ap_table + mem_tiles.len() * APERTURE_ENTRY;
    let version = Features {
        kernel: false,
        vm: false,
        ctxsw: false,
        version: tcu_mmio::SPEC_VERSION,
    }
    .to_raw();
    for (i, v) in [
        MAGIC,
        LAYOUT_VERSION,
        version,
        WINDOW_SIZE,
        board.tiles.len() as u64,
        mem_tiles.len() as u64,
        used as u64,
        0,
    ]
    .into_iter()
    .enumerate()
    {
        put_word(&mut rom, i * 8, v);
    }
    put_str(&mut rom, 64, &board.name, NAME_LEN)?;
    let sum = checksum(&rom, used);
    put_word(&mut rom, 56, sum);
    Ok(rom)
}

/// Decodes and verifies ROM bytes.
pub fn decode(rom: &[u8]) -> Result<Rom, RomError> {
    let magic = word(rom, 0);
    if magic != MAGIC {
        let hint = match magic {
            u64::MAX => {
                ": every bit reads 1 — the PCIe link is down (e.g. after reprogramming the FPGA); rescan the bus or reboot the host"
            }
            0 => {
                ": the window reads zero — no board is served there (start one with `tilekit sim`)"
            }
            _ => "",
        };
        return Err(RomError::Magic { found: magic, hint });
    }
    let version = word(rom, 1);
    if version != LAYOUT_VERSION {
        return Err(RomError::Version(version));
    }
    let range = |field: &'static str, value: u64, max: u64| {
        if value > max {
            Err(RomError::Range { field, value, max })
        } else {
            Ok(value)
        }
    };
    let used = range(
        "checksummed bytes",
        word(rom, 6),
        (rom.len() as u64).min(ROM_SIZE),
    )? as usize;
    let stored = word(rom, 7);
    let computed = checksum(rom, used);
    if stored != computed {
        return Err(RomError::Checksum { stored, computed });
    }
    let tiles_n = range("tile count", word(rom, 4), MAX_TILES)? as usize;
    let aps_n = range("aperture count", word(rom, 5), MAX_APERTURES)? as usize;
    let need = TILE_TABLE + tiles_n * TILE_ENTRY + aps_n * APERTURE_ENTRY;
    range("tables end", need as u64, used as u64)?;
    let name = get_str(rom, 64, NAME_LEN).map_err(|what| RomError::Entry {
        slot: 0,
        what: format!("board name: {what}"),
    })?;
    let mut tiles = Vec::with_capacity(tiles_n);
    for slot in 0..tiles_n {
        let base = TILE_TABLE + slot * TILE_ENTRY;
        let bad = |what: String| RomError::Entry { slot, what };
        let w0 = word(rom, base / 8);
        let id = TileId::from_raw(T_NOC.get(w0) as u16).map_err(|e| bad(e.to_string()))?;
        let kind = kind_of(T_KIND.get(w0))
            .ok_or_else(|| bad(format!("unknown tile kind {}", T_KIND.get(w0))))?;
        let isa = match T_ISA.get(w0) {
            0 => None,
            code => Some(Isa::try_from(code).map_err(|e| bad(e.to_string()))?),
        };
        let w2 = word(rom, base / 8 + 2);
        let dram = match T_DRAM_TILE.get(w2) {
            0xFFFF => None,
            t => Some((
                TileId::from_raw(t as u16).map_err(|e| bad(e.to_string()))?,
                T_DRAM_OFF.get(w2),
            )),
        };
        let opt = |s: String| (!s.is_empty()).then_some(s);
        tiles.push(RomTile {
            id,
            kind,
            isa,
            eps: T_EPS.get(w0) as u16,
            router: T_ROUTER.get(w0) as u8,
            memory: word(rom, base / 8 + 1),
            dram,
            accel: opt(get_str(rom, base + 32, KIND_LEN).map_err(bad)?),
            model: opt(get_str(rom, base + 48, KIND_LEN).map_err(bad)?),
        });
    }
    let ap_table = TILE_TABLE + tiles_n * TILE_ENTRY;
    let mut apertures = Vec::with_capacity(aps_n);
    for n in 0..aps_n {
        let base = ap_table + n * APERTURE_ENTRY;
        let mem_tile = TileId::from_raw(A_TILE.get(word(rom, base / 8)) as u16).map_err(|e| {
            RomError::Entry {
                slot: n,
                what: format!("aperture: {e}"),
            }
        })?;
        apertures.push(RomAperture {
            mem_tile,
            window: word(rom, base / 8 + 1),
            memory: word(rom, base / 8 + 2),
        });
    }
    let f = Features::from_raw(word(rom, 2));
    Ok(Rom {
        layout_version: version,
        tcu_version: f.version,
        window_size: word(rom, 3),
        name,
        tiles,
        apertures,
    })
}

/// A difference between a board file and a board's ROM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// What differs (e.g. `tile C0T07 accel`).
    pub what: String,
    /// What the board file says.
    pub expected: String,
    /// What the ROM says.
    pub actual: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: expected {}, actual {}",
            self.what, self.expected, self.actual
        )
    }
}

/// Compares a board description with a ROM; empty when they agree.
pub fn compare(board: &BoardDesc, rom: &Rom) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let mut diff = |what: String, e: String, a: String| {
        if e != a {
            out.push(Mismatch {
                what,
                expected: e,
                actual: a,
            });
        }
    };
    diff("board name".into(), board.name.clone(), rom.name.clone());
    let (maj, min, pat) = tcu_mmio::SPEC_VERSION;
    diff(
        "TCU spec version".into(),
        format!("{maj}.{min}.{pat}"),
        format!(
            "{}.{}.{}",
            rom.tcu_version.0, rom.tcu_version.1, rom.tcu_version.2
        ),
    );
    diff(
        "tile count".into(),
        board.tiles.len().to_string(),
        rom.tiles.len().to_string(),
    );
    for t in &board.tiles {
        let Some(r) = rom.tiles.iter().find(|r| r.id == t.id) else {
            diff(
                format!("tile {}", t.id),
                t.kind.name().into(),
                "missing".into(),
            );
            continue;
        };
        let name = |s: &str| format!("tile {} {s}", t.id);
        diff(name("kind"), t.kind.name().into(), r.kind.name().into());
        diff(
            name("isa"),
            t.isa.map_or("none".into(), |i| i.name().into()),
            r.isa.map_or("none".into(), |i| i.name().into()),
        );
        diff(name("endpoints"), t.eps.to_string(), r.eps.to_string());
        diff(
            name("accel"),
            t.accel.clone().unwrap_or_else(|| "none".into()),
            r.accel.clone().unwrap_or_else(|| "none".into()),
        );
        diff(
            name("model"),
            t.model.clone().unwrap_or_else(|| "none".into()),
            r.model.clone().unwrap_or_else(|| "none".into()),
        );
        let memory = tile_memory(t);
        diff(
            name("memory"),
            Size(memory).to_string(),
            Size(r.memory).to_string(),
        );
    }
    out
}

/// The memory a tile's ROM entry states: its DRAM slice, a memory tile's
/// size, an accelerator's local buffers, or the host tile's local memory
/// (the bounce buffer).
fn tile_memory(t: &board_schema::Tile) -> u64 {
    if t.kind == TileKind::Host {
        return crate::layout::BOUNCE_SIZE;
    }
    t.dram
        .map(|d| d.size)
        .or(t.size.map(Size::bytes))
        .or(t.spm.map(Size::bytes))
        .unwrap_or(0)
}
