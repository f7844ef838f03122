//! `memfs`: the memory file system's logic, without a board.
//!
//! The board's file system lives in a region of a memory tile that the
//! file server holds a memory gate for. This crate decides *where* every
//! byte goes — it never touches the bytes: files are lists of extents in
//! the region ([`alloc`](crate::Extents)), directories map names to
//! inodes, and an open file hands out **pieces** as M3's file protocol
//! does: [`MemFs::next_in`] and [`MemFs::next_out`] say which part of the
//! region the client may read or write next (the server then configures
//! the client's memory endpoint onto exactly that part), and
//! [`MemFs::commit`] records how much the client used. `next_in` and
//! `next_out` commit the previous piece in full; length 0 from `next_in`
//! is end of file.
//!
//! `no_std` with `alloc`, like the kernel: the same server logic runs on a
//! RISC-V system tile.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod extents;

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

pub use extents::Extents;
pub use file_proto::{Error, FileKind, Whence, flags};

/// The smallest extent a write allocates (larger files get larger ones).
pub const MIN_EXTENT: u64 = 64 << 10;
/// The largest extent a write allocates at once.
pub const MAX_EXTENT: u64 = 4 << 20;
/// Most files open at once.
pub const MAX_OPEN: usize = 256;

/// A piece of a file in the region: where it lies and how long it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    /// Offset in the region.
    pub at: u64,
    /// Length in bytes (0: end of file).
    pub len: u64,
}

#[derive(Clone, Debug)]
enum Node {
    File {
        size: u64,
        extents: Vec<(u64, u64)>,
    },
    Dir {
        entries: BTreeMap<String, usize>,
    },
    /// A pipe's ring: where it lies, its size (the pipe server keeps the
    /// rest).
    Pipe {
        at: u64,
        size: u64,
    },
}

#[derive(Clone, Copy, Debug)]
struct Pending {
    piece: Piece,
    write: bool,
}

#[derive(Clone, Debug)]
struct Open {
    ino: usize,
    flags: u64,
    pos: u64,
    pending: Option<Pending>,
}

/// The file system.
pub struct MemFs {
    nodes: Vec<Option<Node>>,
    open: Vec<Option<Open>>,
    space: Extents,
}

/// Index of the root directory.
const ROOT: usize = 0;

/// The components of an absolute path (`/a/b`); `.` and empty ones are
/// skipped, `..` is refused.
fn components(path: &str) -> Result<Vec<&str>, Error> {
    if !path.starts_with('/') {
        return Err(Error::InvArgs);
    }
    let mut out = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err(Error::InvArgs),
            c => out.push(c),
        }
    }
    Ok(out)
}

impl MemFs {
    /// An empty file system (just `/`) over a region of `size` bytes.
    pub fn new(size: u64) -> Self {
        Self {
            nodes: alloc::vec![Some(Node::Dir {
                entries: BTreeMap::new()
            })],
            open: Vec::new(),
            space: Extents::new(size),
        }
    }

    /// Bytes of the region not used by any file.
    pub fn free(&self) -> u64 {
        self.space.free()
    }

    fn node(&self, ino: usize) -> Result<&Node, Error> {
        self.nodes
            .get(ino)
            .and_then(Option::as_ref)
            .ok_or(Error::NoEntry)
    }

    /// The inode `path` names.
    fn lookup(&self, path: &str) -> Result<usize, Error> {
        let mut ino = ROOT;
        for c in components(path)? {
            match self.node(ino)? {
                Node::Dir { entries } => ino = *entries.get(c).ok_or(Error::NoEntry)?,
                _ => return Err(Error::NotDir),
            }
        }
        Ok(ino)
    }

    /// The directory that holds `path`'s last component, and that name.
    fn parent<'p>(&self, path: &'p str) -> Result<(usize, &'p str), Error> {
        let comps = components(path)?;
        let (&name, dirs) = comps.split_last().ok_or(Error::Exists)?;
        let mut ino = ROOT;
        for c in dirs {
            match self.node(ino)? {
                Node::Dir { entries } => ino = *entries.get(*c).ok_or(Error::NoEntry)?,
                _ => return Err(Error::NotDir),
            }
        }
        match self.node(ino)? {
            Node::Dir { .. } => Ok((ino, name)),
            _ => Err(Error::NotDir),
        }
    }

    fn add(&mut self, dir: usize, name: &str, node: Node) -> usize {
        let ino = match self.nodes.iter().position(Option::is_none) {
            Some(i) => {
                self.nodes[i] = Some(node);
                i
            }
            None => {
                self.nodes.push(Some(node));
                self.nodes.len() - 1
            }
        };
        if let Some(Some(Node::Dir { entries })) = self.nodes.get_mut(dir) {
            entries.insert(name.to_string(), ino);
        }
        ino
    }

    /// Creates directory `path`.
    pub fn mkdir(&mut self, path: &str) -> Result<(), Error> {
        let (dir, name) = self.parent(path)?;
        if let Node::Dir { entries } = self.node(dir)?
            && entries.contains_key(name)
        {
            return Err(Error::Exists);
        }
        self.add(
            dir,
            name,
            Node::Dir {
                entries: BTreeMap::new(),
            },
        );
        Ok(())
    }

    /// Size and kind of `path`.
    pub fn stat(&self, path: &str) -> Result<(u64, FileKind), Error> {
        Ok(match self.node(self.lookup(path)?)? {
            Node::File { size, .. } => (*size, FileKind::File),
            Node::Dir { entries } => (entries.len() as u64, FileKind::Dir),
            Node::Pipe { size, .. } => (*size, FileKind::Pipe),
        })
    }

    /// Entry `index` of directory `path` (in name order): name, kind, size.
    pub fn read_dir(&self, path: &str, index: u64) -> Result<(&str, FileKind, u64), Error> {
        let Node::Dir { entries } = self.node(self.lookup(path)?)? else {
            return Err(Error::NotDir);
        };
        let (name, ino) = entries.iter().nth(index as usize).ok_or(Error::NoEntry)?;
        Ok(match self.node(*ino)? {
            Node::File { size, .. } => (name.as_str(), FileKind::File, *size),
            Node::Dir { entries } => (name.as_str(), FileKind::Dir, entries.len() as u64),
            Node::Pipe { size, .. } => (name.as_str(), FileKind::Pipe, *size),
        })
    }

    /// Removes `path`: a file nobody has open, or an empty directory.
    pub fn unlink(&mut self, path: &str) -> Result<(), Error> {
        let (dir, name) = self.parent(path)?;
        let ino = self.lookup(path)?;
        match self.node(ino)? {
            Node::Dir { entries } if !entries.is_empty() => return Err(Error::NotEmpty),
            _ if self.open.iter().flatten().any(|o| o.ino == ino) => return Err(Error::NoPerm),
            _ => {}
        }
        match self.nodes[ino].take() {
            Some(Node::File { extents, .. }) => {
                for (at, len) in extents {
                    self.space.release(at, len);
                }
            }
            Some(Node::Pipe { at, size }) => self.space.release(at, size),
            _ => {}
        }
        if let Some(Some(Node::Dir { entries })) = self.nodes.get_mut(dir) {
            entries.remove(name);
        }
        Ok(())
    }

    /// Removes the name of the pipe at `path` while channels of it are still
    /// open (as POSIX unlinks an open file): the ring stays allocated under
    /// the returned inode until [`MemFs::free_pipe`]. A stopped activity
    /// may hold a channel until its session closes; its pipe must not
    /// block a new one of the same name.
    pub fn detach_pipe(&mut self, path: &str) -> Result<usize, Error> {
        let (dir, name) = self.parent(path)?;
        let ino = self.lookup(path)?;
        if !matches!(self.node(ino)?, Node::Pipe { .. }) {
            return Err(Error::InvArgs);
        }
        if let Some(Some(Node::Dir { entries })) = self.nodes.get_mut(dir) {
            entries.remove(name);
        }
        Ok(ino)
    }

    /// Frees the ring of a pipe [detached](MemFs::detach_pipe) before.
    pub fn free_pipe(&mut self, ino: usize) {
        if let Some(slot) = self.nodes.get_mut(ino)
            && matches!(slot, Some(Node::Pipe { .. }))
            && let Some(Node::Pipe { at, size }) = slot.take()
        {
            self.space.release(at, size);
        }
    }

    /// Creates a pipe at `path` with a ring of `size` bytes (one piece of
    /// the region).
    pub fn mkpipe(&mut self, path: &str, size: u64) -> Result<(), Error> {
        if size == 0 || size > MAX_EXTENT * 4 {
            return Err(Error::InvArgs);
        }
        let (dir, name) = self.parent(path)?;
        if let Node::Dir { entries } = self.node(dir)?
            && entries.contains_key(name)
        {
            return Err(Error::Exists);
        }
        let (at, got) = self.space.take(size, size).ok_or(Error::NoSpace)?;
        if got < size {
            self.space.release(at, got);
            return Err(Error::NoSpace);
        }
        self.add(dir, name, Node::Pipe { at, size });
        Ok(())
    }

    /// The pipe at `path`, if it is one: (its inode, where its ring lies,
    /// its size).
    pub fn pipe(&self, path: &str) -> Result<Option<(usize, u64, u64)>, Error> {
        let ino = match self.lookup(path) {
            Ok(ino) => ino,
            Err(Error::NoEntry) => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(match self.node(ino)? {
            Node::Pipe { at, size } => Some((ino, *at, *size)),
            _ => None,
        })
    }

    /// The inode `path` names (the pipe server checks whether a pipe is in
    /// use before it is removed).
    pub fn inode(&self, path: &str) -> Result<usize, Error> {
        self.lookup(path)
    }

    /// Opens `path` with [`flags`]; returns the descriptor.
    pub fn open(&mut self, path: &str, fl: u64) -> Result<u64, Error> {
        if fl & !flags::ALL != 0 || fl & (flags::READ | flags::WRITE) == 0 {
            return Err(Error::InvArgs);
        }
        if fl & (flags::TRUNC | flags::APPEND | flags::CREATE) != 0 && fl & flags::WRITE == 0 {
            return Err(Error::InvArgs);
        }
        let slot = match self.open.iter().position(Option::is_none) {
            Some(s) => s,
            None if self.open.len() < MAX_OPEN => {
                self.open.push(None);
                self.open.len() - 1
            }
            None => return Err(Error::TooMany),
        };
        let ino = match self.lookup(path) {
            Ok(ino) => ino,
            Err(Error::NoEntry) if fl & flags::CREATE != 0 => {
                let (dir, name) = self.parent(path)?;
                self.add(
                    dir,
                    name,
                    Node::File {
                        size: 0,
                        extents: Vec::new(),
                    },
                )
            }
            Err(e) => return Err(e),
        };
        let pos = match &mut self.nodes[ino] {
            Some(Node::Dir { .. }) => return Err(Error::IsDir),
            // Pipes are opened through their server ([`MemFs::pipe`]).
            Some(Node::Pipe { .. }) => return Err(Error::InvArgs),
            Some(Node::File { size, extents }) => {
                if fl & flags::TRUNC != 0 {
                    for (at, len) in extents.drain(..) {
                        self.space.release(at, len);
                    }
                    *size = 0;
                }
                if fl & flags::APPEND != 0 { *size } else { 0 }
            }
            None => return Err(Error::NoEntry),
        };
        self.open[slot] = Some(Open {
            ino,
            flags: fl,
            pos,
            pending: None,
        });
        Ok(slot as u64)
    }

    fn file(&mut self, fd: u64) -> Result<&mut Open, Error> {
        self.open
            .get_mut(usize::try_from(fd).map_err(|_| Error::InvArgs)?)
            .and_then(Option::as_mut)
            .ok_or(Error::InvArgs)
    }

    /// Applies the pending piece of `fd` with `n` of its bytes used.
    fn settle(&mut self, fd: u64, n: Option<u64>) -> Result<(), Error> {
        let o = self.file(fd)?;
        let Some(p) = o.pending.take() else {
            return if n.is_some() {
                Err(Error::InvArgs)
            } else {
                Ok(())
            };
        };
        let used = n.unwrap_or(p.piece.len);
        if used > p.piece.len {
            o.pending = Some(p);
            return Err(Error::InvArgs);
        }
        o.pos += used;
        let (ino, pos, write) = (o.ino, o.pos, p.write);
        if write && let Some(Some(Node::File { size, .. })) = self.nodes.get_mut(ino) {
            *size = (*size).max(pos);
        }
        Ok(())
    }

    /// Where file byte `pos` of `extents` lies: (region offset, bytes left
    /// in that extent).
    fn locate(extents: &[(u64, u64)], pos: u64) -> Option<(u64, u64)> {
        let mut start = 0;
        for &(at, len) in extents {
            if pos < start + len {
                return Some((at + (pos - start), len - (pos - start)));
            }
            start += len;
        }
        None
    }

    /// The next piece to read (length 0: end of file).
    pub fn next_in(&mut self, fd: u64) -> Result<Piece, Error> {
        self.settle(fd, None)?;
        let o = self.file(fd)?;
        if o.flags & flags::READ == 0 {
            return Err(Error::NoPerm);
        }
        let (ino, pos) = (o.ino, o.pos);
        let Some(Node::File { size, extents }) = self.nodes.get(ino).and_then(Option::as_ref)
        else {
            return Err(Error::NoEntry);
        };
        let piece = match Self::locate(extents, pos) {
            Some((at, left)) if pos < *size => Piece {
                at,
                len: left.min(size - pos),
            },
            _ => Piece { at: 0, len: 0 },
        };
        if piece.len > 0 {
            self.file(fd)?.pending = Some(Pending {
                piece,
                write: false,
            });
        }
        Ok(piece)
    }

    /// The next piece to write (allocating space as needed).
    pub fn next_out(&mut self, fd: u64) -> Result<Piece, Error> {
        self.settle(fd, None)?;
        let o = self.file(fd)?;
        if o.flags & flags::WRITE == 0 {
            return Err(Error::NoPerm);
        }
        let (ino, pos) = (o.ino, o.pos);
        let Some(Some(Node::File { extents, .. })) = self.nodes.get_mut(ino) else {
            return Err(Error::NoEntry);
        };
        let piece = match Self::locate(extents, pos) {
            Some((at, left)) => Piece { at, len: left },
            None => {
                // Past the allocated space: a new extent, larger for
                // larger files (fewer pieces), merged with the last one
                // when the region allows.
                let have: u64 = extents.iter().map(|e| e.1).sum();
                let want = have.clamp(MIN_EXTENT, MAX_EXTENT);
                let (at, len) = self
                    .space
                    .take(want, MIN_EXTENT.min(want))
                    .ok_or(Error::NoSpace)?;
                let Some(Some(Node::File { extents, .. })) = self.nodes.get_mut(ino) else {
                    return Err(Error::NoEntry);
                };
                match extents.last_mut() {
                    Some(last) if last.0 + last.1 == at => last.1 += len,
                    _ => extents.push((at, len)),
                }
                Piece { at, len }
            }
        };
        self.file(fd)?.pending = Some(Pending { piece, write: true });
        Ok(piece)
    }

    /// `n` bytes of the last piece were used.
    pub fn commit(&mut self, fd: u64, n: u64) -> Result<(), Error> {
        self.settle(fd, Some(n))
    }

    /// Moves the position (the pending piece is committed in full first);
    /// returns it. Positions past the end are refused.
    pub fn seek(&mut self, fd: u64, off: i64, whence: Whence) -> Result<u64, Error> {
        self.settle(fd, None)?;
        let o = self.file(fd)?;
        let (ino, pos) = (o.ino, o.pos);
        let size = match self.node(ino)? {
            Node::File { size, .. } => *size,
            _ => return Err(Error::IsDir),
        };
        let base = match whence {
            Whence::Set => 0,
            Whence::Cur => pos,
            Whence::End => size,
        };
        let new = base
            .checked_add_signed(off)
            .filter(|p| *p <= size)
            .ok_or(Error::InvArgs)?;
        self.file(fd)?.pos = new;
        Ok(new)
    }

    /// Closes `fd` (its pending piece committed in full).
    pub fn close(&mut self, fd: u64) -> Result<(), Error> {
        self.settle(fd, None)?;
        let i = usize::try_from(fd).map_err(|_| Error::InvArgs)?;
        self.open[i] = None;
        // Space a file allocated beyond its size stays with it (the next
        // write fills it); truncation releases it.
        Ok(())
    }
}

#[cfg(test)]
mod tests;
