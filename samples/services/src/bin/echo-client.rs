//! echo-client: uses the session root gave it (the first, at
//! `kif::plan::SESSION_SELS`): obtains a send gate over it, sends its
//! arguments as a message and prints the answer. Exits 0 on an answer, 3
//! when the server does not answer the exchange in time, 4 when the server
//! ended while the message waited for its answer, 2 on other errors.
#![forbid(unsafe_code)]

use kif::{CapRange, Code};
use tile_gates::{Env, GateError, RecvGate, SendGate};
use tile_syscalls::SyscallError;

fn main() {
    tile_runtime::run(|tile| {
        let env = Env::new(tile);
        match talk(&env) {
            Ok(answer) => {
                tile.print(&format!("echo-client: {answer}\n"));
                0
            }
            Err(GateError::Syscall(SyscallError::Kernel(Code::Timeout))) => {
                tile.print("echo-client: the server did not answer in time (TIMEOUT)\n");
                3
            }
            Err(GateError::Gone) => {
                tile.print("echo-client: the server is gone; no answer will come\n");
                4
            }
            Err(e) => {
                tile.print(&format!("echo-client: {e}\n"));
                2
            }
        }
    })
}

fn talk(env: &Env<'_>) -> Result<String, GateError> {
    let sgate = env.sel();
    env.sys
        .exchange_sess(kif::plan::SESSION_SELS, CapRange::one(sgate), true, [0, 0])?;
    // Where answers arrive: one slot of 256 bytes.
    let replies = RecvGate::new(env, 8, 8)?;
    let sgate = SendGate::activate(env, sgate)?;
    let text = env.tile.args().join(" ");
    let answer = sgate.call(env, text.as_bytes(), &replies)?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}
