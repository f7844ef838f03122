//! The 32-byte message header the TCU writes in front of every message in a
//! receive slot (spec v2 since 2023-01, "Message Header").
//!
//! [`Header`] is the byte layout (a `zerocopy` type, little-endian words, so
//! it can be read out of a copied slot without `unsafe`); [`HeaderInfo`] the
//! typed view. Word 0 is packed from the [`Field`] constants below.

use zerocopy::little_endian::U64;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::field::{Field, FieldOverflow};
use crate::ids::{EpId, Label, TileId};

/// Word 0: the message is a reply.
pub const HDR_REPLY: Field = Field::new("flags", 0, 0, "REPLY (1): this message is a reply");
/// Word 0: log2 of the reply slot size the sender can take.
pub const HDR_RSIZE: Field = Field::new(
    "rsize",
    4,
    1,
    "log2 of the size of the reply the sender accepts",
);
/// Word 0: sender tile.
pub const HDR_STILE: Field = Field::new("stile", 12, 5, "sender tile number");
/// Word 0: sender chip.
pub const HDR_SCHIP: Field = Field::new("schip", 18, 13, "sender chip number");
/// Word 0: payload length in bytes.
pub const HDR_LENGTH: Field =
    Field::new("length", 31, 19, "payload length in bytes (without header)");
/// Word 0: sender EP.
pub const HDR_SEP: Field = Field::new("sep", 47, 32, "sender's send EP (credit return)");
/// Word 0: the sender's receive EP for the reply.
pub const HDR_REP: Field = Field::new(
    "rep",
    63,
    48,
    "sender's receive EP for the reply (0xFFFF = none)",
);
/// Word 1: the label for the reply.
pub const HDR_RLABEL: Field = Field::new("rlabel", 63, 0, "label the reply will carry");
/// Word 2: the sender's label.
pub const HDR_LABEL: Field = Field::new("label", 63, 0, "label of the sender's send EP");

/// The fields of each header word, in ascending bit order (word 3 is reserved).
pub const HEADER_LAYOUT: [&[Field]; 4] = [
    &[
        HDR_REPLY, HDR_RSIZE, HDR_STILE, HDR_SCHIP, HDR_LENGTH, HDR_SEP, HDR_REP,
    ],
    &[HDR_RLABEL],
    &[HDR_LABEL],
    &[],
];

/// Size of the header in bytes.
pub const HEADER_SIZE: usize = 32;

/// The raw header as it stands in a receive slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable)]
#[repr(C)]
pub struct Header {
    /// Flags, sizes, sender and reply routing (see the `HDR_*` fields).
    pub word0: U64,
    /// Reply label.
    pub reply_label: U64,
    /// Sender label.
    pub label: U64,
    /// Reserved, zero.
    pub reserved: U64,
}

const _: () = assert!(size_of::<Header>() == HEADER_SIZE);

/// The typed content of a header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HeaderInfo {
    /// The message is a reply.
    pub reply: bool,
    /// log2 of the reply size the sender accepts.
    pub reply_size_log2: u8,
    /// The sending tile.
    pub sender_tile: TileId,
    /// Payload length in bytes (13 bits).
    pub length: u16,
    /// The sender's send EP.
    pub sender_ep: EpId,
    /// The sender's receive EP for the reply.
    pub reply_ep: EpId,
    /// Label for the reply.
    pub reply_label: Label,
    /// The sender's label.
    pub label: Label,
}

/// Why a header cannot be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// A value does not fit its field.
    #[error(transparent)]
    Field(#[from] FieldOverflow),
    /// The reserved word is not zero.
    #[error("reserved header word is {0:#x}, not zero")]
    Reserved(u64),
}

impl Header {
    /// Builds the header for `info`; fails if a value does not fit.
    pub fn new(info: &HeaderInfo) -> Result<Self, FieldOverflow> {
        let mut w = HDR_REPLY.set_flag(0, info.reply)?;
        w = HDR_RSIZE.set(w, info.reply_size_log2.into())?;
        w = HDR_STILE.set(w, info.sender_tile.tile().into())?;
        w = HDR_SCHIP.set(w, info.sender_tile.chip().into())?;
        w = HDR_LENGTH.set(w, info.length.into())?;
        w = HDR_SEP.set(w, info.sender_ep.raw().into())?;
        w = HDR_REP.set(w, info.reply_ep.raw().into())?;
        Ok(Header {
            word0: U64::new(w),
            reply_label: U64::new(info.reply_label.0),
            label: U64::new(info.label.0),
            reserved: U64::new(0),
        })
    }

    /// Decodes the header.
    pub fn info(&self) -> Result<HeaderInfo, HeaderError> {
        if self.reserved.get() != 0 {
            return Err(HeaderError::Reserved(self.reserved.get()));
        }
        let w = self.word0.get();
        Ok(HeaderInfo {
            reply: HDR_REPLY.get(w) != 0,
            reply_size_log2: HDR_RSIZE.get(w) as u8,
            sender_tile: TileId::new(HDR_SCHIP.get(w) as u8, HDR_STILE.get(w) as u8)?,
            length: HDR_LENGTH.get(w) as u16,
            sender_ep: EpId(HDR_SEP.get(w) as u16),
            reply_ep: EpId(HDR_REP.get(w) as u16),
            reply_label: Label(self.reply_label.get()),
            label: Label(self.label.get()),
        })
    }

    /// The 32 bytes as they stand in a receive slot.
    pub fn to_bytes(&self) -> [u8; HEADER_SIZE] {
        let mut out = [0u8; HEADER_SIZE];
        out.copy_from_slice(self.as_bytes());
        out
    }

    /// Reads a header from the first 32 bytes of `bytes` (a copied slot).
    pub fn read_from(bytes: &[u8]) -> Option<Self> {
        Header::read_from_prefix(bytes).ok().map(|(h, _)| h)
    }
}
