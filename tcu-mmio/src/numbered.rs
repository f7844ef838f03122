//! One macro for the small numbered enumerations of the spec (opcodes,
//! tile types, ISA codes): the enum, its `ALL` table, its names and a
//! `TryFrom<u64>` that refuses undefined numbers with the given error.

/// Errors for a number an enumeration does not define.
pub(crate) trait Unknown {
    /// The error for `value` in enumeration `what`.
    fn unknown(what: &'static str, value: u64) -> Self;
}

/// Defines a numbered enumeration: `numbered_enum! { ErrorType; doc Name { Var = n => "name", … } }`.
macro_rules! numbered_enum {
    ($err:ty; $(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $num:literal => $s:literal,)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum $name { $($(#[$vm])* $var = $num,)* }

        impl $name {
            /// Every value, in numeric order.
            pub const ALL: &'static [$name] = &[$($name::$var,)*];

            /// The name the spec (or tilekit) uses.
            pub const fn name(self) -> &'static str {
                match self { $($name::$var => $s,)* }
            }
        }

        impl TryFrom<u64> for $name {
            type Error = $err;
            fn try_from(raw: u64) -> Result<Self, $err> {
                match raw {
                    $($num => Ok($name::$var),)*
                    other => Err(<$err as $crate::numbered::Unknown>::unknown(stringify!($name), other)),
                }
            }
        }
    };
}

pub(crate) use numbered_enum;
