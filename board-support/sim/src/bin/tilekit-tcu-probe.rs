//! A tile program that issues raw TCU register operations from its
//! arguments and prints each result, for tests that check the TCU's rules
//! across processes (the tile goes through its real register mirror, not
//! the SDK's checked paths).
//!
//! Operations (numbers decimal or 0x-hex):
//! - `cmd OP EP ARG0 ADDR SIZE ARG1` — issue a command; prints its error name
//! - `wr OFFSET VALUE` — write a register; prints `applied` or `ignored`
//! - `rd OFFSET` — read a register; prints its value in hex
//! - `mem ADDR HEXBYTES` — put bytes into local memory
//! - `serve ADDR` — serve register writes posted into a mailbox in local
//!   memory at ADDR until killed (see [`serve`]); for harnesses that drive
//!   a tile's own register writes one at a time
//!
//! Output: one line per operation, `N: result`.
#![forbid(unsafe_code)]

use tile_runtime::sim_abi;
use tile_runtime::tcu_mmio::cmd::CommandStatus;
use tile_runtime::tcu_mmio::regs::UnprivReg;
use tile_runtime::tcu_mmio::{CmdOp, Command, EpId, LocalAddr, Reg, RegisterAccess};

fn num(s: &str) -> u64 {
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).unwrap_or(u64::MAX),
        None => s.parse().unwrap_or(u64::MAX),
    }
}

/// Serves the mailbox at local address `at`: words 0 sequence number
/// (posted by the harness, 0 = nothing), 1 register offset, 2 value; the
/// probe writes the register through its real mirror, waits until the
/// simulator has taken a COMMAND or PRINT hand-off (SLEEP stays pending),
/// and answers by copying the sequence number to word 3.
fn serve(tile: &tile_runtime::Tile, at: u64) -> ! {
    let regs = tile.tcu().regs();
    let layout = tile.tcu().layout();
    let command = Reg::Unpriv(UnprivReg::Command).offset(layout);
    let print = Reg::Unpriv(UnprivReg::Print).offset(layout);
    let word = |k: u64| {
        let mut b = [0u8; 8];
        tile.read_mem(LocalAddr(at + 8 * k), &mut b);
        u64::from_le_bytes(b)
    };
    let mut last = 0;
    loop {
        let seq = word(0);
        if seq == 0 || seq == last {
            std::thread::sleep(std::time::Duration::from_micros(20));
            continue;
        }
        let (off, v) = (word(1), word(2));
        regs.write(off, v);
        // A hand-off (COMMAND, PRINT) or request rang the doorbell: wait
        // until the simulator has handled it (a SLEEP stays pending).
        let map = regs.mapping();
        let rang = map.load(sim_abi::DOORBELL);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        while (off == command || off == print)
            && map.load(sim_abi::DOORBELL_SEEN) != rang
            && std::time::Instant::now() < deadline
        {
            regs.relax();
        }
        tile.write_mem(LocalAddr(at + 24), &seq.to_le_bytes());
        last = seq;
    }
}

fn main() {
    tile_runtime::run(|tile| {
        let args = tile.args().to_vec();
        if args.first().map(String::as_str) == Some("serve") {
            serve(tile, args.get(1).map_or(0x8000, |a| num(a)));
        }
        let regs = tile.tcu().regs();
        let layout = tile.tcu().layout();
        let mut i = 0;
        let mut n = 0;
        let mut out = String::new();
        while i < args.len() {
            let at = i;
            let a = |k: usize| args.get(at + k).map_or(0, |s| num(s));
            let line = match args[i].as_str() {
                "cmd" => {
                    let op = CmdOp::try_from(a(1)).unwrap_or(CmdOp::Idle);
                    let unpriv = |r| Reg::Unpriv(r).offset(layout);
                    regs.write(unpriv(UnprivReg::DataAddr), a(4));
                    regs.write(unpriv(UnprivReg::DataSize), a(5));
                    regs.write(unpriv(UnprivReg::Arg1), a(6));
                    let c = Command {
                        op,
                        ep: EpId(a(2) as u16),
                        arg0: a(3) as u32,
                    };
                    regs.write(unpriv(UnprivReg::Command), c.encode());
                    let st = loop {
                        match CommandStatus::decode(regs.read(unpriv(UnprivReg::Command))) {
                            Ok(s) if s.op == CmdOp::Idle => break Ok(s),
                            Ok(_) => regs.relax(),
                            Err(e) => break Err(e),
                        }
                    };
                    i += 7;
                    match st {
                        Ok(s) => s.error.name().to_owned(),
                        Err(e) => format!("undecodable COMMAND: {e}"),
                    }
                }
                "wr" => {
                    regs.write(a(1), a(2));
                    i += 3;
                    let ignored = regs.mapping().load(sim_abi::REQ_RESULT) != 0;
                    (if ignored { "ignored" } else { "applied" }).to_owned()
                }
                "rd" => {
                    i += 2;
                    format!("{:#x}", regs.read(a(1)))
                }
                "mem" => {
                    let hex = args.get(i + 2).cloned().unwrap_or_default();
                    let bytes: Vec<u8> = (0..hex.len() / 2)
                        .map(|k| {
                            u8::from_str_radix(hex.get(k * 2..k * 2 + 2).unwrap_or("00"), 16)
                                .unwrap_or(0)
                        })
                        .collect();
                    let ok = tile.write_mem(LocalAddr(a(1)), &bytes);
                    i += 3;
                    (if ok { "ok" } else { "outside" }).to_owned()
                }
                other => {
                    i += 1;
                    format!("unknown operation `{other}`")
                }
            };
            out.push_str(&format!("{n}: {line}\n"));
            n += 1;
        }
        tile.print(&out);
        0
    })
}
