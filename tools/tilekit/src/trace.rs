//! `tilekit trace [-o FILE] PROGRAM [-- ARGS…]`: runs a program as `run`
//! does, on a board simulated in this process, and writes every TCU
//! command and message of the run as a Chrome/Perfetto trace (JSON trace
//! event format): one track per tile, a slice per command, an arrow per
//! message from its sender to its receiver.

use std::path::{Path, PathBuf};

use board_window::rom::Rom;
use serde_json::{Value, json};
use tcu_mmio::{Code, TileId};
use tcu_model::Record;
use tilekit_sim::Trace;

use crate::exit::Exit;

/// Options of `tilekit trace`.
#[derive(clap::Args, Debug)]
pub struct TraceArgs {
    /// Where the trace goes (open it in Perfetto, ui.perfetto.dev, or
    /// chrome://tracing).
    #[arg(short, long, value_name = "FILE", default_value = "tilekit-trace.json")]
    out: PathBuf,
    #[command(flatten)]
    run: crate::run::Args,
}

/// Runs the program with the trace on.
pub fn run(args: &TraceArgs) -> anyhow::Result<Exit> {
    crate::run::run_traced(&args.run, Some(&args.out))
}

/// The displayed width of an instantaneous command, in µs.
const SLICE_US: f64 = 0.5;

/// The trace as Chrome trace-event JSON: tiles are threads of one process
/// named after the board.
pub fn chrome_json(trace: &Trace, rom: &Rom) -> Value {
    let tid = |t: TileId| u64::from(t.raw());
    let mut events = vec![json!({
        "ph": "M", "name": "process_name", "pid": 1, "args": {"name": format!("board {}", rom.name)},
    })];
    for t in &rom.tiles {
        let label = match &t.accel {
            Some(a) => format!("{} {} ({a})", t.id, t.kind.name()),
            None => format!("{} {}", t.id, t.kind.name()),
        };
        events.push(json!({
            "ph": "M", "name": "thread_name", "pid": 1, "tid": tid(t.id), "args": {"name": label},
        }));
        events.push(json!({
            "ph": "M", "name": "thread_sort_index", "pid": 1, "tid": tid(t.id),
            "args": {"sort_index": tid(t.id)},
        }));
    }
    for (flow, (ns, r)) in trace.records.iter().enumerate() {
        let ts = *ns as f64 / 1e3;
        match r {
            Record::Command {
                tile,
                op,
                ep,
                error,
                bytes,
                peer,
            } => {
                let mut name = op.name().to_owned();
                if let Some(p) = peer {
                    name = format!("{name} {p}");
                }
                if *error != Code::None {
                    name = format!("{name} ✗ {}", error.name());
                }
                events.push(json!({
                    "ph": "X", "name": name, "cat": "command", "pid": 1, "tid": tid(*tile),
                    "ts": ts, "dur": SLICE_US,
                    "args": {"ep": ep.raw(), "bytes": bytes, "error": error.name()},
                }));
            }
            Record::Delivered {
                from,
                to,
                ep,
                bytes,
                label,
                reply,
            } => {
                let what = if *reply { "reply" } else { "message" };
                events.push(json!({
                    "ph": "X", "name": format!("{what} from {from}"), "cat": "message", "pid": 1,
                    "tid": tid(*to), "ts": ts, "dur": SLICE_US,
                    "args": {"ep": ep.raw(), "bytes": bytes, "label": format!("{label:#x}")},
                }));
                events.push(json!({
                    "ph": "s", "name": what, "cat": "message", "id": flow, "pid": 1,
                    "tid": tid(*from), "ts": ts,
                }));
                events.push(json!({
                    "ph": "f", "bp": "e", "name": what, "cat": "message", "id": flow, "pid": 1,
                    "tid": tid(*to), "ts": ts,
                }));
            }
        }
    }
    json!({
        "traceEvents": events,
        "displayTimeUnit": "ns",
        "otherData": {"board": rom.name, "records": trace.records.len(), "dropped": trace.dropped},
    })
}

/// Writes `trace` to `out` and says so on stderr.
pub fn write(trace: &Trace, rom: &Rom, out: &Path) -> anyhow::Result<()> {
    let v = chrome_json(trace, rom);
    let file = std::fs::File::create(out)
        .map_err(|e| anyhow::anyhow!("cannot write the trace to {}: {e}", out.display()))?;
    serde_json::to_writer(std::io::BufWriter::new(file), &v)?;
    let commands = trace
        .records
        .iter()
        .filter(|(_, r)| matches!(r, Record::Command { .. }))
        .count();
    eprintln!(
        "tilekit: trace of {commands} commands and {} messages written to {}{} (open it in https://ui.perfetto.dev)",
        trace.records.len() - commands,
        out.display(),
        if trace.dropped > 0 {
            format!(
                "; {} later records did not fit and were dropped",
                trace.dropped
            )
        } else {
            String::new()
        }
    );
    Ok(())
}
