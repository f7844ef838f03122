//! Decodes TCU register values with tcu-mmio's definitions.
//!
//! ```sh
//! cargo run -p tcu-mmio --example decode                     # a tour of encodings
//! cargo run -p tcu-mmio --example decode -- ep W0 W1 W2      # an endpoint's 3 words
//! cargo run -p tcu-mmio --example decode -- command RAW      # a COMMAND value
//! cargo run -p tcu-mmio --example decode -- features RAW     # FEATURES
//! cargo run -p tcu-mmio --example decode -- error N          # an error code
//! ```
//! Numbers may be decimal or 0x-prefixed hex.

use std::process::ExitCode;

use tcu_mmio::cmd::CommandStatus;
use tcu_mmio::ep::{Credits, EpConfig, MemEp, Perm, RecvEp, SendEp};
use tcu_mmio::regs::Features;
use tcu_mmio::{ActId, CmdOp, Code, Command, EpId, Label, TileId};

fn num(s: &str) -> Result<u64, String> {
    let r = match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => s.replace('_', "").parse(),
    };
    r.map_err(|e| format!("`{s}` is not a number: {e}"))
}

fn tour() -> Result<(), String> {
    let e = |x: tcu_mmio::FieldOverflow| x.to_string();
    let send = EpConfig::Send(SendEp {
        act: ActId(1),
        cur_credits: Credits::new(4).map_err(e)?,
        max_credits: Credits::new(4).map_err(e)?,
        msg_size_log2: 9,
        credit_ep: EpId::INVALID,
        reply: false,
        target_tile: TileId::on_chip0(0),
        target_ep: EpId(4),
        label: Label(1),
    });
    let recv = EpConfig::Receive(RecvEp {
        act: ActId(1),
        reply_eps: EpId(9),
        slots_log2: 2,
        slot_size_log2: 9,
        wpos: 0,
        rpos: 0,
        buf_addr: 0x1000,
        occupied: 0,
        unread: 0,
    });
    let mem = EpConfig::Memory(MemEp {
        act: ActId(1),
        perm: Perm::RW,
        target_tile: TileId::on_chip0(5),
        addr: 0x10_0000,
        size: 0x1_0000,
    });
    println!("Endpoint configurations and their register words (spec v2):");
    for cfg in [send, recv, mem] {
        let w = cfg.to_regs().map_err(e)?;
        println!(
            "  {:<8} {:#018x} {:#018x} {:#018x}",
            cfg.ep_type().name(),
            w[0],
            w[1],
            w[2]
        );
        println!("           {cfg:?}");
    }
    let cmd = Command {
        op: CmdOp::Send,
        ep: EpId(8),
        arg0: 0xFFFF,
    };
    println!(
        "\nCOMMAND for SEND on EP8 without reply EP: {:#018x}",
        cmd.encode()
    );
    Ok(())
}

fn run(args: &[String]) -> Result<(), String> {
    match args {
        [] => tour(),
        [k, w0, w1, w2] if k == "ep" => {
            let cfg =
                EpConfig::from_regs([num(w0)?, num(w1)?, num(w2)?]).map_err(|e| e.to_string())?;
            println!("{cfg:#?}");
            Ok(())
        }
        [k, raw] if k == "command" => {
            let s = CommandStatus::decode(num(raw)?).map_err(|e| e.to_string())?;
            println!("{s:#?}");
            Ok(())
        }
        [k, raw] if k == "features" => {
            println!("{:#?}", Features::from_raw(num(raw)?));
            Ok(())
        }
        [k, n] if k == "error" => {
            let c = Code::try_from(num(n)?).map_err(|e| e.to_string())?;
            println!("{c}");
            Ok(())
        }
        _ => Err("usage: decode [ep W0 W1 W2 | command RAW | features RAW | error N]".into()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}
