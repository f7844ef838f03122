//! The kernel's error codes: what a syscall reply's first word says.

/// Why a syscall failed (0: it did not). Numbers are part of the ABI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u64)]
pub enum Code {
    /// Success.
    Success = 0,
    /// The message is not a syscall: too short, unknown opcode, or a field
    /// that does not decode.
    InvMsg = 1,
    /// An argument is out of its range (a size of 0, an order too big, …).
    InvArgs = 2,
    /// No capability at the selector (never given, or revoked).
    NoCap = 3,
    /// The capability has another type than the syscall needs.
    WrongType = 4,
    /// The capability lacks a permission the operation needs.
    NoPerm = 5,
    /// The destination selector is taken.
    Exists = 6,
    /// The caller's kernel-memory quota cannot pay for the object.
    NoKMem = 7,
    /// A derivation reaches outside what it derives from.
    OutOfBounds = 8,
    /// The object is already in use (an endpoint or gate activated twice).
    InUse = 9,
    /// No endpoint (or other resource) is free.
    NoSpace = 10,
    /// A memory gate would cover a TCU register region.
    RegisterRegion = 11,
    /// The peer activity or service is gone.
    Gone = 12,
    /// A service did not answer in time.
    Timeout = 13,
    /// The operation is not supported (yet, or on this kind of tile).
    NotSup = 14,
    /// The TCU refused an operation of the kernel (a board fault).
    Tcu = 15,
    /// The image was built for another kif ABI version.
    AbiVersion = 16,
}

impl Code {
    /// Every code, in numeric order.
    pub const ALL: &'static [Code] = &[
        Code::Success,
        Code::InvMsg,
        Code::InvArgs,
        Code::NoCap,
        Code::WrongType,
        Code::NoPerm,
        Code::Exists,
        Code::NoKMem,
        Code::OutOfBounds,
        Code::InUse,
        Code::NoSpace,
        Code::RegisterRegion,
        Code::Gone,
        Code::Timeout,
        Code::NotSup,
        Code::Tcu,
        Code::AbiVersion,
    ];

    /// The name, as messages print it.
    pub const fn name(self) -> &'static str {
        match self {
            Code::Success => "SUCCESS",
            Code::InvMsg => "INV_MSG",
            Code::InvArgs => "INV_ARGS",
            Code::NoCap => "NO_CAP",
            Code::WrongType => "WRONG_TYPE",
            Code::NoPerm => "NO_PERM",
            Code::Exists => "EXISTS",
            Code::NoKMem => "NO_KMEM",
            Code::OutOfBounds => "OUT_OF_BOUNDS",
            Code::InUse => "IN_USE",
            Code::NoSpace => "NO_SPACE",
            Code::RegisterRegion => "REGISTER_REGION",
            Code::Gone => "GONE",
            Code::Timeout => "TIMEOUT",
            Code::NotSup => "NOT_SUP",
            Code::Tcu => "TCU",
            Code::AbiVersion => "ABI_VERSION",
        }
    }
}

impl TryFrom<u64> for Code {
    type Error = u64;
    fn try_from(raw: u64) -> Result<Self, u64> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| *c as u64 == raw)
            .ok_or(raw)
    }
}

impl core::fmt::Display for Code {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn codes_round_trip_and_are_dense() {
        for (n, c) in Code::ALL.iter().enumerate() {
            assert_eq!(*c as u64, n as u64);
            assert_eq!(Code::try_from(n as u64), Ok(*c));
        }
        assert_eq!(
            Code::try_from(Code::ALL.len() as u64),
            Err(Code::ALL.len() as u64)
        );
    }
}
