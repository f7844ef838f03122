//! `pipes`: the pipe server's logic, without a board.
//!
//! A pipe is a ring buffer in memory. The server configures every
//! reader's memory endpoint onto the ring read-only and every writer's
//! write-only, once; [`Pipe::next_in`] and [`Pipe::next_out`] then say
//! which contiguous part of the ring a channel may read or fill next
//! (offset in the ring, length), and [`Pipe::commit`] how much it used.
//! As in M3, `next_in`/`next_out` commit the previous piece in full. A
//! reader of an empty pipe and a writer of a full one **wait**
//! ([`Step::Wait`]): the server keeps their request and asks again after
//! the next change. A reader gets end of file ([`Step::Eof`]) once the
//! pipe is empty and every writer has closed; a writer gets
//! [`Error::Broken`] once every reader has closed. Only one channel per
//! direction holds a piece at a time; the others wait their turn.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::vec::Vec;

pub use file_proto::Error;

/// A piece of the ring: offset and length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    /// Offset in the ring.
    pub at: u64,
    /// Length.
    pub len: u64,
}

/// What a channel may do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Use this piece.
    Go(Piece),
    /// Nothing yet: ask again after the next change.
    Wait,
    /// End of file (readers only).
    Eof,
}

/// A channel's number.
pub type Chan = usize;

#[derive(Clone, Copy, Debug)]
struct ChanState {
    write: bool,
    pending: Option<Piece>,
}

/// One pipe.
#[derive(Clone, Debug)]
pub struct Pipe {
    size: u64,
    rpos: u64,
    filled: u64,
    chans: Vec<Option<ChanState>>,
    had_writer: bool,
    had_reader: bool,
}

impl Pipe {
    /// A pipe over a ring of `size` bytes (at least 1).
    pub fn new(size: u64) -> Self {
        Self {
            size: size.max(1),
            rpos: 0,
            filled: 0,
            chans: Vec::new(),
            had_writer: false,
            had_reader: false,
        }
    }

    /// The ring's size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Bytes written and not yet read.
    pub fn filled(&self) -> u64 {
        self.filled
    }

    fn open(&mut self, write: bool) -> Chan {
        self.had_writer |= write;
        self.had_reader |= !write;
        let st = Some(ChanState {
            write,
            pending: None,
        });
        match self.chans.iter().position(Option::is_none) {
            Some(i) => {
                self.chans[i] = st;
                i
            }
            None => {
                self.chans.push(st);
                self.chans.len() - 1
            }
        }
    }

    /// A new reading channel.
    pub fn open_reader(&mut self) -> Chan {
        self.open(false)
    }

    /// A new writing channel.
    pub fn open_writer(&mut self) -> Chan {
        self.open(true)
    }

    fn count(&self, write: bool) -> usize {
        self.chans
            .iter()
            .flatten()
            .filter(|c| c.write == write)
            .count()
    }

    fn chan(&mut self, ch: Chan, write: bool) -> Result<&mut ChanState, Error> {
        match self.chans.get_mut(ch).and_then(Option::as_mut) {
            Some(c) if c.write == write => Ok(c),
            Some(_) => Err(Error::NoPerm),
            None => Err(Error::InvArgs),
        }
    }

    /// Applies `ch`'s pending piece with `n` bytes used (`None`: all).
    fn settle(&mut self, ch: Chan, n: Option<u64>) -> Result<(), Error> {
        let c = self
            .chans
            .get_mut(ch)
            .and_then(Option::as_mut)
            .ok_or(Error::InvArgs)?;
        let Some(p) = c.pending else {
            return if n.is_some() {
                Err(Error::InvArgs)
            } else {
                Ok(())
            };
        };
        let used = n.unwrap_or(p.len);
        if used > p.len {
            return Err(Error::InvArgs);
        }
        c.pending = None;
        if c.write {
            self.filled += used;
        } else {
            self.rpos = (self.rpos + used) % self.size;
            self.filled -= used;
        }
        Ok(())
    }

    fn busy(&self, ch: Chan, write: bool) -> bool {
        self.chans
            .iter()
            .enumerate()
            .any(|(i, c)| i != ch && c.is_some_and(|c| c.write == write && c.pending.is_some()))
    }

    /// The next piece for reader `ch` to read.
    pub fn next_in(&mut self, ch: Chan) -> Result<Step, Error> {
        self.chan(ch, false)?;
        self.settle(ch, None)?;
        if self.busy(ch, false) {
            return Ok(Step::Wait);
        }
        if self.filled == 0 {
            let writers_gone = self.had_writer && self.count(true) == 0;
            return Ok(if writers_gone { Step::Eof } else { Step::Wait });
        }
        let piece = Piece {
            at: self.rpos,
            len: self.filled.min(self.size - self.rpos),
        };
        self.chan(ch, false)?.pending = Some(piece);
        Ok(Step::Go(piece))
    }

    /// The next piece for writer `ch` to fill.
    pub fn next_out(&mut self, ch: Chan) -> Result<Step, Error> {
        self.chan(ch, true)?;
        self.settle(ch, None)?;
        if self.count(false) == 0 {
            // No reader yet: wait for one; all readers gone: broken.
            return if self.had_reader {
                Err(Error::Broken)
            } else {
                Ok(Step::Wait)
            };
        }
        if self.busy(ch, true) || self.filled == self.size {
            return Ok(Step::Wait);
        }
        let wpos = (self.rpos + self.filled) % self.size;
        let piece = Piece {
            at: wpos,
            len: (self.size - self.filled).min(self.size - wpos),
        };
        self.chan(ch, true)?.pending = Some(piece);
        Ok(Step::Go(piece))
    }

    /// `n` bytes of `ch`'s last piece were used.
    pub fn commit(&mut self, ch: Chan, n: u64) -> Result<(), Error> {
        self.settle(ch, Some(n))
    }

    /// Closes `ch` (its pending piece committed in full).
    pub fn close(&mut self, ch: Chan) -> Result<(), Error> {
        self.settle(ch, None)?;
        self.chans[ch] = None;
        Ok(())
    }

    /// Whether no channel is open any more (the server may free the ring).
    pub fn is_unused(&self) -> bool {
        self.chans.iter().all(Option::is_none)
    }
}

#[cfg(test)]
mod tests;
