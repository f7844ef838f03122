//! Tile images: native executables marked by an ELF note (written by the
//! tile runtime) with the ISA code and the tile ABI version they were built
//! for. The simulator runs nothing else.

use std::path::Path;

use tile_sim_abi as abi;

/// What a tile image says about itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    /// TILE_DESC ISA code.
    pub isa: u32,
    /// Tile ABI version.
    pub abi: u32,
    /// kif ABI version (0 in images of tile ABI 1, which did not record it).
    pub kif: u32,
}

/// Why a file is not a runnable tile image.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The file cannot be read.
    #[error("{path}: cannot read the tile image: {source}")]
    Unreadable {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// Not an ELF executable for this host.
    #[error("{path} is not a tile image: {why}")]
    NotExecutable {
        /// The file.
        path: String,
        /// What it is instead.
        why: &'static str,
    },
    /// An executable without the tile-image note.
    #[error(
        "{path} is not a tile image (it has no tilekit note): tile programs start with `tile_runtime::run`, which marks them"
    )]
    NotTileImage {
        /// The file.
        path: String,
    },
    /// Built for another ISA.
    #[error(
        "{path} is a tile image for ISA code {isa}, but simulated cores are host-native (code {host})"
    )]
    WrongIsa {
        /// The file.
        path: String,
        /// Its ISA code.
        isa: u32,
        /// The host-native code.
        host: u32,
    },
    /// Built for another tile ABI.
    #[error(
        "{path} was built for tile ABI {built}, this simulator speaks tile ABI {expected}: rebuild it against this tilekit"
    )]
    WrongAbi {
        /// The file.
        path: String,
        /// The image's version.
        built: u32,
        /// This simulator's version.
        expected: u32,
    },
}

fn u16_at(b: &[u8], o: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(o..o.checked_add(2)?)?.try_into().ok()?,
    ))
}
fn u32_at(b: &[u8], o: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(o..o.checked_add(4)?)?.try_into().ok()?,
    ))
}
fn u64_at(b: &[u8], o: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(o..o.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// Finds the tilekit note in ELF64 little-endian bytes (any bytes: never panics).
pub fn find_note(elf: &[u8]) -> Result<Option<ImageInfo>, &'static str> {
    if elf.get(..4) != Some(b"\x7fELF".as_slice()) {
        return Err("not an ELF file");
    }
    if elf.get(4) != Some(&2) || elf.get(5) != Some(&1) {
        return Err("not a 64-bit little-endian ELF file");
    }
    if u16_at(elf, 18) != Some(62) {
        return Err("not an x86-64 executable");
    }
    let (phoff, phentsize, phnum) = (
        u64_at(elf, 32).ok_or("truncated ELF header")? as usize,
        u16_at(elf, 54).ok_or("truncated ELF header")? as usize,
        u16_at(elf, 56).ok_or("truncated ELF header")? as usize,
    );
    for k in 0..phnum {
        let ph = phoff.saturating_add(k.saturating_mul(phentsize));
        if u32_at(elf, ph) != Some(4) {
            continue; // not PT_NOTE
        }
        let (off, size) = (
            u64_at(elf, ph.saturating_add(8)).unwrap_or(0) as usize,
            u64_at(elf, ph.saturating_add(32)).unwrap_or(0) as usize,
        );
        let notes = elf
            .get(off..off.saturating_add(size))
            .ok_or("note segment outside the file")?;
        let mut at = 0;
        while at + 12 <= notes.len() {
            let namesz = u32_at(notes, at).unwrap_or(0) as usize;
            let descsz = u32_at(notes, at.saturating_add(4)).unwrap_or(0) as usize;
            let kind = u32_at(notes, at.saturating_add(8)).unwrap_or(0);
            let name_at = at + 12;
            let desc_at = name_at + namesz.div_ceil(4) * 4;
            let name = notes.get(name_at..name_at + namesz);
            // Older tile ABIs had a shorter descriptor: read what is there
            // so a version mismatch can be named.
            if kind == abi::NOTE_TYPE && name == Some(abi::NOTE_NAME.as_slice()) && descsz >= 8 {
                let (isa, ver) = (
                    u32_at(notes, desc_at),
                    u32_at(notes, desc_at.saturating_add(4)),
                );
                let kif = if descsz >= 12 {
                    u32_at(notes, desc_at.saturating_add(8)).unwrap_or(0)
                } else {
                    0
                };
                if let (Some(isa), Some(abi)) = (isa, ver) {
                    return Ok(Some(ImageInfo { isa, abi, kif }));
                }
            }
            at = desc_at + descsz.div_ceil(4) * 4;
        }
    }
    Ok(None)
}

/// The part of an ELF image a loader writes into memory: the headers and
/// every segment's file contents — what runs — without the sections that
/// only tools read (symbols, debug info), as a hardware loader loads
/// segments. The section header table is dropped with them (its fields
/// are zeroed); neither the kernel nor the dynamic loader needs it. Cuts a
/// tile image with debug info to a fraction of its file.
pub fn loadable(elf: &[u8]) -> Result<Vec<u8>, &'static str> {
    find_note(elf)?;
    let (phoff, phentsize, phnum) = (
        u64_at(elf, 32).ok_or("truncated ELF header")?,
        u64::from(u16_at(elf, 54).ok_or("truncated ELF header")?),
        u64::from(u16_at(elf, 56).ok_or("truncated ELF header")?),
    );
    let mut end = phoff
        .checked_add(phentsize.checked_mul(phnum).ok_or("bad program headers")?)
        .ok_or("bad program headers")?
        .max(64);
    for k in 0..phnum {
        let ph = (phoff + k * phentsize) as usize;
        let off = u64_at(elf, ph.saturating_add(8)).ok_or("truncated program header")?;
        let filesz = u64_at(elf, ph.saturating_add(32)).ok_or("truncated program header")?;
        end = end.max(off.checked_add(filesz).ok_or("bad program header")?);
    }
    let end = usize::try_from(end).map_err(|_| "segment beyond the file")?;
    let mut out = elf.get(..end).ok_or("segment beyond the file")?.to_vec();
    // e_shoff, e_shentsize, e_shnum, e_shstrndx: no section headers.
    out[40..48].fill(0);
    out[58..64].fill(0);
    Ok(out)
}

/// Checks that `bytes` (named `what` in errors) are a tile image for
/// host-native cores and this ABI.
pub fn check_bytes(what: &str, bytes: &[u8]) -> Result<ImageInfo, ImageError> {
    let p = what.to_owned();
    let info = find_note(bytes)
        .map_err(|why| ImageError::NotExecutable {
            path: p.clone(),
            why,
        })?
        .ok_or(ImageError::NotTileImage { path: p.clone() })?;
    let host = tcu_mmio::tile_desc::Isa::HostNative as u32;
    if info.isa != host {
        return Err(ImageError::WrongIsa {
            path: p,
            isa: info.isa,
            host,
        });
    }
    if info.abi != abi::TILE_ABI_VERSION {
        return Err(ImageError::WrongAbi {
            path: p,
            built: info.abi,
            expected: abi::TILE_ABI_VERSION,
        });
    }
    Ok(info)
}

/// Reads the tile image at `path` and checks it ([`check_bytes`]).
pub fn read(path: &Path) -> Result<Vec<u8>, ImageError> {
    let p = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ImageError::Unreadable {
        path: p.clone(),
        source,
    })?;
    check_bytes(&p, &bytes)?;
    Ok(bytes)
}

/// Checks that `path` is a tile image for host-native cores and this ABI,
/// reading only its first 64 KiB when the note lies there.
pub fn check(path: &Path) -> Result<ImageInfo, ImageError> {
    let p = path.display().to_string();
    // Headers and notes sit at the start of an executable: read 64 KiB
    // first, and the whole file only if the notes lie beyond.
    let unreadable = |source| ImageError::Unreadable {
        path: p.clone(),
        source,
    };
    let mut head = Vec::with_capacity(64 << 10);
    {
        use std::io::Read;
        let f = std::fs::File::open(path).map_err(unreadable)?;
        f.take(64 << 10)
            .read_to_end(&mut head)
            .map_err(unreadable)?;
    }
    let bytes = match find_note(&head) {
        Err("note segment outside the file") => std::fs::read(path).map_err(unreadable)?,
        _ => head,
    };
    check_bytes(&p, &bytes)
}

/// Where and what a loader writes into a core's local memory so that the
/// core finds `image` with its arguments (layout: `tile_sim_abi::image`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadPlan {
    /// Local address of the image.
    pub image_at: u64,
    /// Local address of the header.
    pub header_at: u64,
    /// The header page (words, then the argument block).
    pub header: Vec<u8>,
}

/// Why an image cannot be loaded into a tile's memory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The image and its header do not fit.
    #[error(
        "the image is {image} bytes, but the tile's memory is {mem} bytes (4 KiB of it hold the image header): give the tile more memory in the board file"
    )]
    TooBig {
        /// Image size.
        image: u64,
        /// Memory size.
        mem: u64,
    },
    /// The arguments do not fit the header.
    #[error("the arguments take {len} bytes; at most {max} fit the image header")]
    ArgsTooLong {
        /// Their length (NUL-separated).
        len: u64,
        /// The most that fits.
        max: u64,
    },
    /// An argument contains a NUL byte.
    #[error("argument {0:?} contains a NUL byte")]
    Nul(String),
}

/// Plans loading an image of `image_len` bytes with `args` into a local
/// memory of `mem_size` bytes.
pub fn plan_load(mem_size: u64, image_len: u64, args: &[&str]) -> Result<LoadPlan, LoadError> {
    use abi::image as layout;
    let p = layout::place(mem_size, image_len).ok_or(LoadError::TooBig {
        image: image_len,
        mem: mem_size,
    })?;
    let mut block = Vec::new();
    for a in args {
        if a.contains('\0') {
            return Err(LoadError::Nul((*a).to_owned()));
        }
        block.extend_from_slice(a.as_bytes());
        block.push(0);
    }
    if block.len() as u64 > layout::MAX_ARGS_BYTES {
        return Err(LoadError::ArgsTooLong {
            len: block.len() as u64,
            max: layout::MAX_ARGS_BYTES,
        });
    }
    let mut header = vec![0u8; layout::HEADER_SIZE as usize];
    for (j, w) in layout::encode(p, image_len, block.len() as u64)
        .iter()
        .enumerate()
    {
        header[j * 8..j * 8 + 8].copy_from_slice(&w.to_le_bytes());
    }
    let at = layout::IMAGE_ARGS_AT as usize;
    header[at..at + block.len()].copy_from_slice(&block);
    Ok(LoadPlan {
        image_at: p.image_at,
        header_at: p.header_at,
        header,
    })
}

/// Splits an argument block (NUL-terminated arguments) into arguments.
pub fn split_args(block: &[u8]) -> Vec<String> {
    if block.is_empty() {
        return Vec::new();
    }
    let body = block.strip_suffix(&[0]).unwrap_or(block);
    body.split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}
