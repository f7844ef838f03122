//! The app's side: chain filters from a file, through pipes, to a file.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use filter_proto::{Ctrl, Job, MSG_ORDER, Report};
use kif::upcall::Upcall;

use crate::CTRL_SEL;
use tile_files::{FileError, FileSession};
use tile_gates::{ChildActivity, Env, GateError, RecvGate};
use tile_runtime::tcu_mmio::{EpId, Label, TileId};

/// Bytes of each pipe between two stages (its ring in the file server's
/// memory).
pub const DEFAULT_PIPE_SIZE: u64 = 256 << 10;
/// Where a pipeline puts its pipes.
const PIPE_DIR: &str = "/tmp";

/// Why a pipeline did not run through.
#[derive(Debug)]
pub enum PipelineError {
    /// The pipeline has no stage, or more than `kif::plan::MAX_CHILDREN`.
    Shape(String),
    /// Setting up gates or starting a stage failed.
    Gate(GateError),
    /// Creating or removing a pipe failed.
    Files(FileError),
    /// A stage failed: its number, its name, and what happened.
    Stage {
        /// Position in the pipeline (0 = first).
        index: usize,
        /// The stage's name.
        name: String,
        /// The tile it ran on, once it had asked for its job.
        tile: Option<TileId>,
        /// What happened.
        why: String,
    },
}

impl std::fmt::Display for PipelineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PipelineError::Shape(s) => f.write_str(s),
            PipelineError::Gate(e) => write!(f, "cannot set up the pipeline: {e}"),
            PipelineError::Files(e) => write!(f, "cannot set up the pipeline's pipes: {e}"),
            PipelineError::Stage {
                index,
                name,
                tile: Some(t),
                why,
            } => write!(f, "stage {index} ({name}) on {t} failed: {why}"),
            PipelineError::Stage {
                index,
                name,
                tile: None,
                why,
            } => write!(f, "stage {index} ({name}) failed: {why}"),
        }
    }
}

impl std::error::Error for PipelineError {}

impl From<GateError> for PipelineError {
    fn from(e: GateError) -> Self {
        PipelineError::Gate(e)
    }
}

impl From<FileError> for PipelineError {
    fn from(e: FileError) -> Self {
        PipelineError::Files(e)
    }
}

/// What one stage did.
#[derive(Clone, Debug)]
pub struct StageResult {
    /// The stage's name.
    pub name: String,
    /// Its report (bytes in and out, its tile).
    pub report: Report,
    /// Its exit code.
    pub exit: u64,
    /// From the start of the pipeline until the stage reported.
    pub elapsed: Duration,
}

struct Stage {
    child: ChildActivity,
    name: String,
    params: String,
    /// The child runs on an accelerator tile (its controller gets
    /// endpoints, not capabilities).
    accel: bool,
}

/// Filters chained from an input file to an output file.
pub struct Pipeline<'f, 'e> {
    env: &'e Env<'e>,
    files: &'f FileSession<'e>,
    input: String,
    output: String,
    stages: Vec<Stage>,
    pipe_size: u64,
    timeout: Option<Duration>,
}

impl<'f, 'e> Pipeline<'f, 'e> {
    /// A pipeline reading `input` and writing `output` (paths on the file
    /// server of `files`; the filters must have sessions with the same
    /// server, `sessions: [fs]` in the board file).
    pub fn new(env: &'e Env<'e>, files: &'f FileSession<'e>, input: &str, output: &str) -> Self {
        Pipeline {
            env,
            files,
            input: input.into(),
            output: output.into(),
            stages: Vec::new(),
            pipe_size: DEFAULT_PIPE_SIZE,
            timeout: None,
        }
    }

    /// Appends a stage: filter activity `child` with `params`
    /// (`key=value` words).
    pub fn stage(mut self, child: ChildActivity, name: &str, params: &str) -> Self {
        self.stages.push(Stage {
            child,
            name: name.into(),
            params: params.into(),
            accel: false,
        });
        self
    }

    /// Appends a stage that runs on an accelerator tile: `child` is the
    /// activity root created there (the tile's controller runs its
    /// firmware); the pipeline configures the controller's endpoints
    /// ([`filter_proto::accel`]) before starting it. Its job's parameters
    /// begin with `op=NAME` (a tile may serve several stages: the crypto
    /// tile runs `aes-ctr` and `sha256`).
    pub fn accel_stage(mut self, child: ChildActivity, name: &str, params: &str) -> Self {
        self.stages.push(Stage {
            child,
            name: name.into(),
            params: format!("op={name} {params}"),
            accel: true,
        });
        self
    }

    /// Stops the stages still running after `limit` and fails the
    /// pipeline, naming the first of them and its tile (a hung filter or
    /// accelerator must not hang its app).
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(limit);
        self
    }

    /// The size of the pipes between stages.
    pub fn pipe_size(mut self, bytes: u64) -> Self {
        self.pipe_size = bytes;
        self
    }

    /// The path of the pipe after stage `k`.
    fn pipe(&self, k: usize) -> String {
        format!("{PIPE_DIR}/pipeline-{}-{k}", self.env.tile.name())
    }

    /// Where stage `k` reads and writes.
    fn ends(&self, k: usize) -> (String, String) {
        let input = if k == 0 {
            self.input.clone()
        } else {
            self.pipe(k - 1)
        };
        let output = if k + 1 == self.stages.len() {
            self.output.clone()
        } else {
            self.pipe(k)
        };
        (input, output)
    }

    /// Connects and starts every stage, answers their control messages,
    /// waits until all have exited, removes the pipes. The results in
    /// stage order, or the first stage that failed (the others are stopped
    /// when one fails).
    pub fn run(self) -> Result<Vec<StageResult>, PipelineError> {
        let n = self.stages.len();
        if n == 0 || n > kif::plan::MAX_CHILDREN {
            return Err(PipelineError::Shape(format!(
                "a pipeline has 1 to {} stages, not {n}",
                kif::plan::MAX_CHILDREN
            )));
        }
        if let Err(FileError::Fs(e)) = self.files.mkdir(PIPE_DIR)
            && e != file_proto::Error::Exists
        {
            return Err(FileError::Fs(e).into());
        }
        for k in 0..n - 1 {
            let _ = self.files.unlink(&self.pipe(k));
            self.files.mkpipe(&self.pipe(k), self.pipe_size)?;
        }
        let r = self.run_stages();
        for k in 0..n - 1 {
            let _ = self.files.unlink(&self.pipe(k));
        }
        r
    }

    fn run_stages(&self) -> Result<Vec<StageResult>, PipelineError> {
        let env = self.env;
        // One slot per stage: each has one credit.
        let order = MSG_ORDER
            + (self.stages.len() as u8)
                .next_power_of_two()
                .trailing_zeros() as u8;
        let ctrl = RecvGate::new(env, order, MSG_ORDER)?;
        let t0 = Instant::now();
        let mut eps = vec![[0u64; 2]; self.stages.len()];
        for (k, s) in self.stages.iter().enumerate() {
            if s.accel {
                eps[k] = crate::accel::connect(env, &s.child, ctrl.sel, k as u64)
                    .map_err(|e| {
                        self.failure(
                            k,
                            format!(
                                "cannot connect its tile ({e}); its boot entry needs `parent:` this program and `sessions: [fs]`"
                            ),
                        )
                    })?;
            } else {
                let sgate = env.sel();
                env.sys
                    .create_sgate(sgate, ctrl.sel, Label(k as u64), 1)
                    .map_err(GateError::Syscall)?;
                s.child.delegate(env, sgate, CTRL_SEL)?;
            }
            s.child.watch(env, k as u64)?;
        }
        for s in &self.stages {
            s.child.start(env)?;
        }
        let mut reports: BTreeMap<usize, (Report, Duration)> = BTreeMap::new();
        let mut exits: BTreeMap<usize, u64> = BTreeMap::new();
        // Failures by stage, with a rank: a stage's own failure (0) before
        // a broken pipe (1) — the consequence of a neighbour's failure.
        let mut failures: BTreeMap<usize, (u8, String)> = BTreeMap::new();
        let mut stopped = false;
        // Where each stage runs, from its first control message.
        let mut tiles: BTreeMap<usize, TileId> = BTreeMap::new();
        while exits.len() < self.stages.len() {
            let mut busy = false;
            while let Some(m) = ctrl.fetch(env) {
                busy = true;
                let k = m.label() as usize;
                tiles.entry(k).or_insert(m.header.sender_tile);
                match (self.stages.get(k), Ctrl::decode(&m.payload)) {
                    (Some(_), Ok(Ctrl::Job)) => {
                        let (input, output) = self.ends(k);
                        let job = Job {
                            input: &input,
                            output: &output,
                            params: &self.stages[k].params,
                            eps: eps[k],
                        };
                        let mut b = [0u8; 1 << MSG_ORDER];
                        match job.encode(&mut b) {
                            Ok(len) => ctrl.reply(env, &m, &b[..len]),
                            Err(e) => {
                                ctrl.ack(env, &m);
                                failures.entry(k).or_insert((0, e.to_string()));
                            }
                        }
                    }
                    (Some(_), Ok(Ctrl::Done(r))) => {
                        reports.insert(k, (r, t0.elapsed()));
                        ctrl.reply(env, &m, &[]);
                        if r.code != 0 {
                            let rank = u8::from(r.code == file_proto::Error::Broken as u64);
                            failures.entry(k).or_insert((rank, describe(r.code)));
                        }
                    }
                    (_, other) => {
                        ctrl.ack(env, &m);
                        let why =
                            format!("sent a message that is not a control message: {other:?}");
                        let k = k.min(self.stages.len() - 1);
                        failures.entry(k).or_insert((0, why));
                    }
                }
            }
            while let Some(up) = env.upcall() {
                busy = true;
                if let Upcall::Exited { ident, code } = up {
                    let k = ident as usize;
                    exits.insert(k, code);
                    if !reports.contains_key(&k) && !stopped {
                        let why = format!("exited with code {code} before it reported");
                        failures.entry(k).or_insert((0, why));
                    }
                }
            }
            if !failures.is_empty() && !stopped {
                // One stage failed: the others stop (their pipes would
                // otherwise hold them for ever).
                stopped = true;
                for (k, s) in self.stages.iter().enumerate() {
                    if !exits.contains_key(&k) && !reports.contains_key(&k) {
                        let _ = s.child.stop(env);
                    }
                }
            }
            if let Some(limit) = self.timeout
                && !stopped
                && t0.elapsed() > limit
            {
                for k in (0..self.stages.len()).filter(|k| !reports.contains_key(k)) {
                    let why = format!(
                        "did not finish within {:.1} s and was stopped",
                        limit.as_secs_f64()
                    );
                    failures.entry(k).or_insert((0, why));
                }
                continue;
            }
            if !busy && exits.len() < self.stages.len() {
                if self.timeout.is_some() {
                    // Look at the clock now and then.
                    std::thread::sleep(Duration::from_millis(1));
                } else {
                    // Any message wakes it: a control message or an upcall.
                    let _ = env.tile.tcu().sleep(EpId::INVALID);
                }
            }
        }
        if let Some((k, (_, why))) = failures
            .into_iter()
            .min_by_key(|(k, (rank, _))| (*rank, *k))
        {
            let mut e = self.failure(k, why);
            if let PipelineError::Stage { tile, .. } = &mut e {
                *tile = tiles.get(&k).copied();
            }
            return Err(e);
        }
        Ok(self
            .stages
            .iter()
            .enumerate()
            .map(|(k, s)| {
                let (report, elapsed) = reports.get(&k).copied().unwrap_or_default();
                StageResult {
                    name: s.name.clone(),
                    report,
                    exit: exits.get(&k).copied().unwrap_or_default(),
                    elapsed,
                }
            })
            .collect())
    }

    fn failure(&self, index: usize, why: String) -> PipelineError {
        PipelineError::Stage {
            index,
            name: self.stages[index].name.clone(),
            tile: None,
            why,
        }
    }
}

/// A report's code in words.
fn describe(code: u64) -> String {
    match code {
        filter_proto::code::BAD_PARAMS => "it does not understand its parameters".into(),
        filter_proto::code::BAD_INPUT => "its input is not in the format it takes".into(),
        filter_proto::code::DEVICE => "its device failed".into(),
        c => match file_proto::Error::try_from(c) {
            Ok(e) => format!("the file server said: {}", e.describe()),
            Err(_) => format!("it reported code {c}"),
        },
    }
}
