//! Traces: the model's records ([`tcu_model::Record`]) stamped with the
//! time since the trace started, as the service thread drains them right
//! after each command.

use std::time::Instant;

use tcu_model::Record;

/// Most records a trace keeps; later ones are counted, not kept.
pub const TRACE_CAP: usize = 2_000_000;

/// A trace being recorded.
pub(crate) struct Tracer {
    t0: Instant,
    records: Vec<(u64, Record)>,
    dropped: u64,
}

impl Tracer {
    pub(crate) fn new() -> Tracer {
        Tracer {
            t0: Instant::now(),
            records: Vec::new(),
            dropped: 0,
        }
    }

    /// Stamps and keeps `records` (while there is room).
    pub(crate) fn take(&mut self, records: Vec<Record>) {
        let ns = u64::try_from(self.t0.elapsed().as_nanos()).unwrap_or(u64::MAX);
        for r in records {
            if self.records.len() < TRACE_CAP {
                self.records.push((ns, r));
            } else {
                self.dropped += 1;
            }
        }
    }

    pub(crate) fn finish(self) -> Trace {
        Trace {
            records: self.records,
            dropped: self.dropped,
        }
    }
}

/// A finished trace.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// Nanoseconds since the trace started, and what happened then.
    pub records: Vec<(u64, Record)>,
    /// Records beyond [`TRACE_CAP`], not kept.
    pub dropped: u64,
}
