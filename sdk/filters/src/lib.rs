//! `tile-filters`: filters and the pipelines that chain them.
//!
//! A **filter** is an activity that reads one file endpoint and writes
//! another (`filter_proto` has the control protocol). Its two sides:
//!
//! - [`filter::run`] is the filter's own side: it asks its parent for the
//!   job, opens the input and the output on its file session, runs the
//!   transformation over `Read`/`Write` handles and reports what it did.
//!   Software stages use it as is; an accelerator's shim speaks the same
//!   protocol with `filter_proto` alone.
//! - [`Pipeline`] is the app's side: it takes the filters root handed the
//!   app (`parent:` in the board file), connects the first one's input to
//!   a file, each one's output to the next one's input through a pipe on
//!   the file server, the last one's output to a file, starts them all and
//!   collects their reports. The app's tile moves no data: each filter
//!   reads and writes the file server's memory through its own endpoints.
#![forbid(unsafe_code)]

mod accel;
pub mod filter;
mod pipeline;

pub use filter_proto::{Job, Report};

/// Where a software filter finds the send gate to its parent's control
/// gate (the parent delegates it there before starting the filter).
pub const CTRL_SEL: kif::CapSel = kif::CapSel(23);
pub use pipeline::{Pipeline, PipelineError, StageResult};
