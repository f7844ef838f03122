//! Boot information: what the loader tells the kernel about the board.
//!
//! The loader (the host's bring-up, or a boot ROM on an FPGA) writes it
//! into the kernel tile's local memory at [`BOOT_INFO_ADDR`] before it
//! starts the kernel's core, as 64-bit little-endian words:
//!
//! ```text
//! 0  magic "TKBOOT01"           1  kif ABI version
//! 2  tile count (n)             3  boot entry count (m)
//! then n × 6 words: NoC id, kind, endpoint count, local memory bytes,
//!                   NoC id of its DRAM slice's memory tile (0xFFFF: none),
//!                   offset of the slice in that memory tile
//! then m × 2 words: NoC id of a core with a program, flags
//! ```
//!
//! The kernel **carves memory** from it: what of each memory tile no
//! tile's DRAM slice covers ([`BootInfo::free_memory`]) goes to root as
//! memory gates at [`ROOT_MEM_CAPS`]`+ 0, + 1, …`. Every core's slice
//! becomes its **PMP endpoint** ([`crate::eps::PMP`]): a memory endpoint
//! onto the slice, which on hardware carries the core's own memory
//! accesses.
//!
//! Flags: [`ENTRY_START`] — the kernel starts this core at boot (the root
//! resource manager); entries without it are loaded programs the kernel
//! registers but does not start. The first started entry is **root**: it
//! receives a tile capability for every entry that is not started, at
//! selectors [`ROOT_TILE_CAPS`]`+ 0, + 1, …` in entry order, and starts
//! them itself.
//!
//! The programs themselves are already in their cores' memory (loaded the
//! way `tile-sim-abi::image` describes), each with its arguments.

use tcu_mmio::TileId;

/// Where the boot information starts in the kernel tile's local memory.
pub const BOOT_INFO_ADDR: u64 = 0x1_0000;
/// Most bytes it may take.
pub const BOOT_INFO_MAX: u64 = 0x1000;
/// The first word.
pub const BOOT_MAGIC: u64 = u64::from_le_bytes(*b"TKBOOT01");
/// Entry flag: the kernel starts this core at boot.
pub const ENTRY_START: u64 = 1;
/// Where root finds the tile capabilities of the programs it starts.
pub const ROOT_TILE_CAPS: crate::CapSel = crate::CapSel(16);
/// Where root finds the memory gates over the free memory.
pub const ROOT_MEM_CAPS: crate::CapSel = crate::CapSel(80);
/// Most memory gates root gets (free ranges beyond are not handed out).
pub const MAX_MEM_CAPS: usize = 16;
/// Words per tile entry.
const TILE_WORDS: usize = 6;

/// What a tile is, as boot information says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum TileKind {
    /// The kernel's tile.
    Kernel = 0,
    /// A core.
    Core = 1,
    /// An accelerator.
    Accel = 2,
    /// A memory tile.
    Memory = 3,
    /// The host tile.
    Host = 4,
}

impl TileKind {
    fn from_word(w: u64) -> Option<Self> {
        Some(match w {
            0 => TileKind::Kernel,
            1 => TileKind::Core,
            2 => TileKind::Accel,
            3 => TileKind::Memory,
            4 => TileKind::Host,
            _ => return None,
        })
    }
}

/// One tile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BootTile {
    /// Its NoC id.
    pub id: TileId,
    /// What it is.
    pub kind: TileKind,
    /// Endpoints.
    pub eps: u16,
    /// Local memory bytes (memory tiles: their size).
    pub mem: u64,
    /// Its DRAM slice: the memory tile and the offset in it (kernel and
    /// core tiles).
    pub dram: Option<(TileId, u64)>,
}

/// Why boot information does not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootError {
    /// No magic: nothing was written.
    NoMagic,
    /// Written for another kif ABI version.
    Version(u64),
    /// Counts or fields out of range.
    Corrupt,
}

/// How many words boot information for `tiles` tiles and `entries` boot
/// entries takes.
pub const fn size_words(tiles: usize, entries: usize) -> usize {
    4 + tiles * TILE_WORDS + entries * 2
}

/// Words of boot information for `tiles` and boot `entries`.
pub fn encode(tiles: &[BootTile], entries: &[(TileId, u64)], out: &mut [u64]) -> Option<usize> {
    let n = size_words(tiles.len(), entries.len());
    let out = out.get_mut(..n)?;
    out[0] = BOOT_MAGIC;
    out[1] = crate::KIF_ABI_VERSION.into();
    out[2] = tiles.len() as u64;
    out[3] = entries.len() as u64;
    for (i, t) in tiles.iter().enumerate() {
        let w = &mut out[4 + i * TILE_WORDS..4 + (i + 1) * TILE_WORDS];
        let (dt, doff) = t.dram.map_or((0xFFFF, 0), |(m, o)| (m.raw().into(), o));
        w.copy_from_slice(&[
            t.id.raw().into(),
            t.kind as u64,
            t.eps.into(),
            t.mem,
            dt,
            doff,
        ]);
    }
    let at = 4 + tiles.len() * TILE_WORDS;
    for (i, (e, flags)) in entries.iter().enumerate() {
        out[at + i * 2] = e.raw().into();
        out[at + i * 2 + 1] = *flags;
    }
    Some(n)
}

/// Decoded boot information over its words.
pub struct BootInfo<'w> {
    words: &'w [u64],
    tiles: usize,
    entries: usize,
}

impl<'w> BootInfo<'w> {
    /// Checks and decodes `words` (read from [`BOOT_INFO_ADDR`]).
    pub fn decode(words: &'w [u64]) -> Result<Self, BootError> {
        if words.first() != Some(&BOOT_MAGIC) {
            return Err(BootError::NoMagic);
        }
        let version = *words.get(1).ok_or(BootError::Corrupt)?;
        if version != u64::from(crate::KIF_ABI_VERSION) {
            return Err(BootError::Version(version));
        }
        let tiles = usize::try_from(*words.get(2).ok_or(BootError::Corrupt)?)
            .map_err(|_| BootError::Corrupt)?;
        let entries = usize::try_from(*words.get(3).ok_or(BootError::Corrupt)?)
            .map_err(|_| BootError::Corrupt)?;
        let need = tiles
            .checked_mul(TILE_WORDS)
            .and_then(|t| entries.checked_mul(2).and_then(|e| t.checked_add(e)))
            .and_then(|n| n.checked_add(4))
            .ok_or(BootError::Corrupt)?;
        if need > words.len() {
            return Err(BootError::Corrupt);
        }
        let info = BootInfo {
            words,
            tiles,
            entries,
        };
        if info.tiles().any(|t| t.is_none()) || info.entries().any(|e| e.is_none()) {
            return Err(BootError::Corrupt);
        }
        Ok(info)
    }

    /// The tiles (each `Some` after a successful decode).
    pub fn tiles(&self) -> impl Iterator<Item = Option<BootTile>> + '_ {
        (0..self.tiles).map(|i| {
            let w = &self.words[4 + i * TILE_WORDS..4 + (i + 1) * TILE_WORDS];
            let dram = match w[4] {
                0xFFFF => None,
                m => Some((TileId::from_raw(u16::try_from(m).ok()?).ok()?, w[5])),
            };
            Some(BootTile {
                id: TileId::from_raw(u16::try_from(w[0]).ok()?).ok()?,
                kind: TileKind::from_word(w[1])?,
                eps: u16::try_from(w[2]).ok()?,
                mem: w[3],
                dram,
            })
        })
    }

    /// What of each memory tile no DRAM slice covers: (memory tile,
    /// offset, size), in tile and address order.
    pub fn free_memory(&self) -> alloc::vec::Vec<(TileId, u64, u64)> {
        let tiles: alloc::vec::Vec<BootTile> = self.tiles().flatten().collect();
        let mut out = alloc::vec::Vec::new();
        for m in tiles.iter().filter(|t| t.kind == TileKind::Memory) {
            let mut used: alloc::vec::Vec<(u64, u64)> = tiles
                .iter()
                .filter_map(|t| match t.dram {
                    Some((mt, off)) if mt == m.id => Some((off, off.saturating_add(t.mem))),
                    _ => None,
                })
                .collect();
            used.sort_unstable();
            let mut at = 0u64;
            for (start, end) in used {
                if start > at {
                    out.push((m.id, at, start.min(m.mem) - at));
                }
                at = at.max(end);
                if at >= m.mem {
                    break;
                }
            }
            if at < m.mem {
                out.push((m.id, at, m.mem - at));
            }
        }
        out.retain(|(_, _, size)| *size > 0);
        out
    }

    /// The cores with programs and their flags, in order.
    pub fn entries(&self) -> impl Iterator<Item = Option<(TileId, u64)>> + '_ {
        let at = 4 + self.tiles * TILE_WORDS;
        (0..self.entries).map(move |i| {
            let id = TileId::from_raw(u16::try_from(self.words[at + i * 2]).ok()?).ok()?;
            Some((id, self.words[at + i * 2 + 1]))
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn boot_info_round_trips_and_refuses_garbage() {
        let tiles = [
            BootTile {
                id: TileId::on_chip0(0),
                kind: TileKind::Kernel,
                eps: 128,
                mem: 1 << 26,
                dram: Some((TileId::on_chip0(3), 0)),
            },
            BootTile {
                id: TileId::on_chip0(2),
                kind: TileKind::Core,
                eps: 128,
                mem: 1 << 26,
                dram: Some((TileId::on_chip0(3), 2 << 26)),
            },
            BootTile {
                id: TileId::on_chip0(3),
                kind: TileKind::Memory,
                eps: 0,
                mem: 4 << 26,
                dram: None,
            },
        ];
        let mut w = [0u64; 40];
        let n = encode(&tiles, &[(TileId::on_chip0(2), ENTRY_START)], &mut w).unwrap();
        let info = BootInfo::decode(&w[..n]).unwrap();
        assert_eq!(
            info.tiles()
                .map(Option::unwrap)
                .collect::<heapless::Tiles>()
                .0,
            3
        );
        assert_eq!(info.tiles().nth(1), Some(Some(tiles[1])));
        // The memory tile has slices at 0 and 2 (in units of 64 MiB): 1
        // and 3 are free.
        assert_eq!(
            info.free_memory(),
            [
                (TileId::on_chip0(3), 1 << 26, 1 << 26),
                (TileId::on_chip0(3), 3 << 26, 1 << 26)
            ]
        );
        assert_eq!(
            info.entries().next(),
            Some(Some((TileId::on_chip0(2), ENTRY_START)))
        );
        assert!(matches!(BootInfo::decode(&[0; 8]), Err(BootError::NoMagic)));
        w[1] = 99;
        assert!(matches!(
            BootInfo::decode(&w[..n]),
            Err(BootError::Version(99))
        ));
        w[1] = crate::KIF_ABI_VERSION.into();
        w[2] = u64::MAX;
        assert!(matches!(BootInfo::decode(&w[..n]), Err(BootError::Corrupt)));
    }

    mod heapless {
        /// Counts items (the crate has no alloc).
        pub struct Tiles(pub usize);
        impl<T> FromIterator<T> for Tiles {
            fn from_iter<I: IntoIterator<Item = T>>(i: I) -> Self {
                Tiles(i.into_iter().count())
            }
        }
    }
}
