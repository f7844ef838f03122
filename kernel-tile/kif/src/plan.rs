//! Root's plan: which boot programs serve and which sessions each gets.
//!
//! The loader hands it to the root resource manager as arguments (one
//! per fact, so it reads well in a log):
//!
//! ```text
//! serve=I      boot entry I creates a service (at SERVICE_SEL)
//! sess=I:J     entry I gets a session with entry J's service
//! sess=I:fs    entry I gets a session with root's file service
//! host-sess=J  the host tile gets a session with entry J's service
//! host-sess=fs the host tile gets a session with root's file service
//! host-start=I root does not start entry I: it gives the host tile the
//!              activity (at HOST_ACTS + 0, + 1, …) to start when it is
//!              ready (after putting the program's input files, say)
//! child=I:P    root does not start entry I: it gives entry P the
//!              activity (at CHILD_ACTS + 0, + 1, … in entry order) before
//!              P starts; P starts it, waits for it or stops it (the SDK's
//!              child activities, a pipeline's filters)
//! ```
//!
//! Entries count from 0 over the programs root starts, in boot order. A
//! session's service must come earlier in boot order than the program
//! that uses it: root starts a server and waits until its service exists
//! before it opens sessions for later entries. Sessions land at
//! [`SESSION_SELS`]`+ 0, + 1, …` in the order named, before the program
//! starts; a server creates its service at [`SERVICE_SEL`].

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::CapSel;

/// Where a server creates its service (root obtains it from there).
pub const SERVICE_SEL: CapSel = CapSel(8);
/// Where a program finds its sessions, in the order its boot entry names
/// them.
pub const SESSION_SELS: CapSel = CapSel(9);
/// Most sessions a program (or the host) gets at boot.
pub const MAX_SESSIONS: usize = 6;
/// Where the host tile finds the activities it is to start
/// (`host-start`), in entry order.
pub const HOST_ACTS: CapSel = CapSel(16);

/// Where a program finds the activities of its children (`child`), in
/// entry order.
pub const CHILD_ACTS: CapSel = CapSel(24);
/// Most children a program gets at boot.
pub const MAX_CHILDREN: usize = 8;

/// In a session list: root's own file service (`fs`), not a boot entry.
pub const FILES: usize = usize::MAX;

/// Where root finds the host tile's activity (if the board has a host
/// tile), to give it its sessions.
pub const ROOT_HOST_ACT: CapSel = CapSel(15);

/// One program's part of the plan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanEntry {
    /// It creates a service.
    pub serves: bool,
    /// The entries whose services it gets sessions with, in order.
    pub sessions: Vec<usize>,
    /// The host tile starts it (root hands the host the activity).
    pub host_starts: bool,
    /// The entry that starts it (root hands that program the activity).
    pub parent: Option<usize>,
}

/// What root sets up besides starting the programs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RootPlan {
    /// Per boot entry root starts, in order.
    pub entries: Vec<PlanEntry>,
    /// The host tile's sessions.
    pub host_sessions: Vec<usize>,
}

/// Why root's arguments are not a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError(pub String);

impl core::fmt::Display for PlanError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a session's service is written in the arguments.
fn peer(j: usize) -> String {
    if j == FILES {
        "fs".into()
    } else {
        format!("{j}")
    }
}

impl RootPlan {
    /// The plan as root's arguments.
    pub fn to_args(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            if e.serves {
                out.push(format!("serve={i}"));
            }
            for j in &e.sessions {
                out.push(format!("sess={i}:{}", peer(*j)));
            }
            if e.host_starts {
                out.push(format!("host-start={i}"));
            }
            if let Some(p) = e.parent {
                out.push(format!("child={i}:{p}"));
            }
        }
        for j in &self.host_sessions {
            out.push(format!("host-sess={}", peer(*j)));
        }
        out
    }

    /// The plan in root's arguments, checked: every session names an
    /// earlier entry that serves, no program has more than
    /// [`MAX_SESSIONS`].
    pub fn parse<S: AsRef<str>>(args: &[S]) -> Result<RootPlan, PlanError> {
        let mut plan = RootPlan::default();
        let peer = |s: &str, arg: &str| {
            if s == "fs" {
                return Ok(FILES);
            }
            s.parse::<usize>().ok().filter(|n| *n < 64).ok_or_else(|| {
                PlanError(format!(
                    "`{arg}`: `{s}` is not an entry number 0..=63 or `fs`"
                ))
            })
        };
        let num = |s: &str, arg: &str| {
            s.parse::<usize>()
                .ok()
                .filter(|n| *n < 64)
                .ok_or_else(|| PlanError(format!("`{arg}`: `{s}` is not an entry number 0..=63")))
        };
        for arg in args {
            let arg = arg.as_ref();
            let (key, val) = arg
                .split_once('=')
                .ok_or_else(|| PlanError(format!("`{arg}` is not KEY=VALUE")))?;
            match key {
                "serve" => {
                    let i = num(val, arg)?;
                    plan.entry(i).serves = true;
                }
                "sess" => {
                    let (i, j) = val
                        .split_once(':')
                        .ok_or_else(|| PlanError(format!("`{arg}`: expected sess=I:J")))?;
                    let (i, j) = (num(i, arg)?, peer(j, arg)?);
                    plan.entry(i).sessions.push(j);
                }
                "host-start" => {
                    let i = num(val, arg)?;
                    plan.entry(i).host_starts = true;
                }
                "child" => {
                    let (i, p) = val
                        .split_once(':')
                        .ok_or_else(|| PlanError(format!("`{arg}`: expected child=I:P")))?;
                    let (i, p) = (num(i, arg)?, num(p, arg)?);
                    plan.entry(p);
                    plan.entry(i).parent = Some(p);
                }
                "host-sess" => {
                    let j = peer(val, arg)?;
                    plan.host_sessions.push(j);
                }
                _ => {
                    return Err(PlanError(format!(
                        "`{arg}`: unknown key `{key}` (serve, sess, child, host-sess or host-start)"
                    )));
                }
            }
        }
        plan.check()?;
        Ok(plan)
    }

    /// The entries whose parent is `p`, in order.
    pub fn children(&self, p: usize) -> impl Iterator<Item = usize> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.parent == Some(p))
            .map(|(i, _)| i)
    }

    fn entry(&mut self, i: usize) -> &mut PlanEntry {
        if self.entries.len() <= i {
            self.entries.resize(i + 1, PlanEntry::default());
        }
        &mut self.entries[i]
    }

    /// Checks the order and the limits.
    pub fn check(&self) -> Result<(), PlanError> {
        let serves = |j: usize| j == FILES || self.entries.get(j).is_some_and(|e| e.serves);
        for (i, e) in self.entries.iter().enumerate() {
            if e.sessions.len() > MAX_SESSIONS {
                return Err(PlanError(format!(
                    "entry {i} asks for {} sessions; at most {MAX_SESSIONS}",
                    e.sessions.len()
                )));
            }
            for &j in &e.sessions {
                if j != FILES && (j >= i || !serves(j)) {
                    return Err(PlanError(format!(
                        "entry {i} asks for a session with entry {j}, which is not an earlier entry that serves"
                    )));
                }
            }
        }
        for (i, e) in self.entries.iter().enumerate() {
            let Some(p) = e.parent else { continue };
            let parent = &self.entries[p];
            if p == i || parent.parent.is_some() || parent.serves || e.serves || e.host_starts {
                return Err(PlanError(format!(
                    "entry {i} cannot be a child of entry {p}: a child has a parent that is no child itself, neither serves, and the host does not start the child"
                )));
            }
            if self.children(p).count() > MAX_CHILDREN {
                return Err(PlanError(format!(
                    "entry {p} has more than {MAX_CHILDREN} children"
                )));
            }
        }
        if self.host_sessions.len() > MAX_SESSIONS {
            return Err(PlanError(format!(
                "the host asks for {} sessions; at most {MAX_SESSIONS}",
                self.host_sessions.len()
            )));
        }
        if let Some(j) = self.host_sessions.iter().find(|j| !serves(**j)) {
            return Err(PlanError(format!(
                "the host asks for a session with entry {j}, which does not serve"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    extern crate std;
    use super::*;
    use alloc::vec;

    #[test]
    fn plans_round_trip_through_arguments() {
        let plan = RootPlan {
            entries: vec![
                PlanEntry {
                    serves: true,
                    sessions: vec![],
                    host_starts: false,
                    parent: None,
                },
                PlanEntry {
                    serves: false,
                    sessions: vec![0, 0],
                    host_starts: true,
                    parent: None,
                },
                PlanEntry {
                    parent: Some(1),
                    ..PlanEntry::default()
                },
            ],
            host_sessions: vec![0, FILES],
        };
        let args = plan.to_args();
        assert_eq!(
            args,
            [
                "serve=0",
                "sess=1:0",
                "sess=1:0",
                "host-start=1",
                "child=2:1",
                "host-sess=0",
                "host-sess=fs"
            ]
        );
        assert_eq!(RootPlan::parse(&args), Ok(plan));
        assert_eq!(RootPlan::parse::<&str>(&[]), Ok(RootPlan::default()));
    }

    #[test]
    fn bad_plans_are_refused_with_the_reason() {
        for (args, why) in [
            (&["sess=0:1", "serve=1"][..], "not an earlier entry"),
            (&["sess=1:0"][..], "not an earlier entry"),
            (&["host-sess=0"][..], "does not serve"),
            (&["serve"][..], "KEY=VALUE"),
            (&["serve=x"][..], "entry number"),
            (&["serve=64"][..], "entry number"),
            (&["boot=1"][..], "unknown key"),
            (&["sess=1"][..], "sess=I:J"),
            (&["child=1:1"][..], "cannot be a child"),
            (&["child=1:0", "child=0:2"][..], "cannot be a child"),
            (&["serve=0", "child=1:0"][..], "cannot be a child"),
            (&["child=1:0", "host-start=1"][..], "cannot be a child"),
            (&["child=1"][..], "child=I:P"),
        ] {
            let e = RootPlan::parse(args).unwrap_err();
            assert!(e.0.contains(why), "{args:?}: {e}");
        }
    }
}
