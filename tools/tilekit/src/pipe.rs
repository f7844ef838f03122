//! `tilekit pipe --in PATH --out PATH [--software] [--json] STAGE…`: runs
//! a pipeline of filters on a board — the input put onto the board's file
//! system, each stage on its own tile, the output got back — and says
//! which tile ran each stage, the bytes and the time.
//!
//! Stages are `NAME[:key=value]…`: `isp[:black=N][:wb=R,G,B][:gamma=srgb|linear]`,
//! `fir:taps=PATH`, `aes-ctr:key=HEX|@FILE:iv=HEX`, `sha256`. Parameters
//! that name files (`taps=`, `key=@`) name files of this machine: they are
//! put onto the board first. The stages are filters chained by the
//! `pipeline` app through pipes on root's file system.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use board_host::{Board, CuState};
use board_schema::TileKind;
use board_schema::manifest::{Registry, StageSpec};
use filter_proto::StageLine;
use serde_json::json;
use tcu_mmio::TileId;

use crate::exit::Exit;
use crate::open::BoardArgs;

/// Options of `tilekit pipe`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    board: BoardArgs,
    /// The input file (on this machine).
    #[arg(long = "in", value_name = "PATH")]
    input: PathBuf,
    /// Where the output goes (parent folders created).
    #[arg(long = "out", value_name = "PATH")]
    output: PathBuf,
    /// Run every stage in software on a core tile, even where the board
    /// has the accelerator.
    #[arg(long)]
    software: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
    /// Stop stages still running after this many seconds and fail, naming
    /// the first and its tile.
    #[arg(long, default_value_t = 120.0, value_name = "SECS")]
    timeout: f64,
    /// The stages, in order: NAME[:key=value]…
    #[arg(required = true, value_name = "STAGE")]
    stages: Vec<String>,
}

/// A stage as given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    /// Its name (`aes-ctr`).
    pub name: String,
    /// Its parameters, in order.
    pub params: Vec<(String, String)>,
}

/// Parses `NAME[:key=value]…` against the stages `registry` knows.
pub fn parse_stage(s: &str, registry: &Registry) -> Result<Stage, String> {
    let mut parts = s.split(':');
    let name = parts.next().unwrap_or_default().to_owned();
    if registry.stage(&name).is_none() {
        return Err(format!(
            "`{name}` is not a stage this tilekit knows; use one of: {} (or register a kind: docs/porting.md)",
            registry.stage_names().join(", ")
        ));
    }
    let params = parts
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| format!("stage `{s}`: `{p}` is not key=value"))
        })
        .collect::<Result<_, _>>()?;
    Ok(Stage { name, params })
}

/// Where each stage runs: an accelerator tile of its kind (each tile runs
/// one stage), or `None` for software on a core tile (`--software`, or no
/// free tile of that kind).
fn place(
    rom: &board_window::Rom,
    stages: &[Stage],
    software: bool,
    registry: &Registry,
) -> Vec<Option<TileId>> {
    let mut used = Vec::new();
    stages
        .iter()
        .map(|st| {
            let (kind, _) = registry.stage(&st.name)?;
            if software {
                return None;
            }
            let t = rom.tiles.iter().find(|t| {
                t.accel.as_deref() == Some(kind.manifest.kind.as_str()) && !used.contains(&t.id)
            })?;
            used.push(t.id);
            Some(t.id)
        })
        .collect()
}

/// A file of this machine a parameter names, and where it goes on the
/// board.
struct ParamFile {
    local: PathBuf,
    remote: String,
}

/// The stage's parameters as its program takes them (`key=value` words),
/// with files of this machine replaced by their place on the board.
fn program_params(k: usize, st: &Stage, spec: &StageSpec, files: &mut Vec<ParamFile>) -> String {
    st.params
        .iter()
        .map(|(key, v)| {
            let local = if spec.file_params.contains(key) {
                Some((v.as_str(), ""))
            } else if spec.file_at_params.contains(key) {
                v.strip_prefix('@').map(|p| (p, "@"))
            } else {
                None
            };
            match local {
                Some((path, at)) => {
                    let remote = format!("/pipe/params/{k}-{key}");
                    files.push(ParamFile {
                        local: PathBuf::from(path),
                        remote: remote.clone(),
                    });
                    format!("{key}={at}{remote}")
                }
                None => format!("{key}={v}"),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs the pipeline.
pub fn run(args: &Args) -> anyhow::Result<Exit> {
    let t0 = Instant::now();
    let registry = match Registry::load() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Failed);
        }
    };
    let stages = match args
        .stages
        .iter()
        .map(|s| parse_stage(s, &registry))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Usage);
        }
    };
    let input = match std::fs::read(&args.input) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: reading the input {}: {e}", args.input.display());
            return Ok(Exit::Failed);
        }
    };
    let mut param_files = Vec::new();
    let params: Vec<String> = stages
        .iter()
        .enumerate()
        .map(|(k, s)| match registry.stage(&s.name) {
            Some((_, spec)) => program_params(k, s, spec, &mut param_files),
            None => String::new(),
        })
        .collect();
    let mut uploads = vec![(PathBuf::new(), "/pipe/in".to_owned(), input)];
    for f in &param_files {
        match std::fs::read(&f.local) {
            Ok(b) => uploads.push((f.local.clone(), f.remote.clone(), b)),
            Err(e) => {
                eprintln!(
                    "error: reading {} for a stage's parameter: {e}",
                    f.local.display()
                );
                return Ok(Exit::Failed);
            }
        }
    }
    let board = match args.board.open(false) {
        Ok(b) => b,
        Err(code) => return Ok(code),
    };
    let cores: Vec<TileId> = board
        .rom()
        .tiles
        .iter()
        .filter(|t| t.kind == TileKind::Core)
        .map(|t| t.id)
        .collect();
    let tiles = place(board.rom(), &stages, args.software, &registry);
    let software = tiles.iter().filter(|t| t.is_none()).count();
    let need = 2 + software;
    if cores.len() < need {
        eprintln!(
            "error: this pipeline needs {need} core tiles (root, the app and {software} software stage(s)), the board `{}` has {}",
            board.rom().name,
            cores.len()
        );
        return Ok(Exit::Failed);
    }
    if !board.rom().tiles.iter().any(|t| t.kind == TileKind::Host) {
        eprintln!(
            "error: board `{}` has no host tile: the input and output travel through it",
            board.rom().name
        );
        return Ok(Exit::Failed);
    }
    // Software stages take the core tiles after root's and the app's.
    let mut next_core = cores[2..].iter();
    let tiles: Vec<(TileId, bool)> = tiles
        .into_iter()
        .map(|t| match t {
            Some(accel) => (accel, true),
            None => (next_core.next().copied().unwrap_or(cores[0]), false),
        })
        .collect();
    // The program of each software stage (a kind may have none).
    let mut programs = Vec::new();
    for (s, (_, accel)) in stages.iter().zip(&tiles) {
        let Some((kind, spec)) = registry.stage(&s.name) else {
            continue;
        };
        match (&spec.software, accel) {
            (_, true) => programs.push(String::new()),
            (Some(sw), false) => programs.push(kind.resolve(sw)),
            (None, false) => {
                eprintln!(
                    "error: stage {} has no software version and needs a free `{}` accelerator tile, which board `{}` lacks",
                    s.name,
                    kind.manifest.kind,
                    board.rom().name
                );
                return Ok(Exit::Failed);
            }
        }
    }
    let mut images = Vec::new();
    for name in ["tilekit-kernel", "tilekit-root", "pipeline"]
        .into_iter()
        .chain(programs.iter().map(String::as_str))
    {
        if name.is_empty() {
            // An accelerator's controller runs its firmware.
            images.push(Vec::new());
            continue;
        }
        match crate::images::read(name) {
            Ok((_, b)) => images.push(b),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(Exit::Failed);
            }
        }
    }
    let code = run_on(
        &board, args, &stages, &params, &uploads, &images, &cores, &tiles, t0,
    )?;
    Ok(code)
}

#[allow(clippy::too_many_arguments)]
fn run_on(
    board: &Board,
    args: &Args,
    stages: &[Stage],
    params: &[String],
    uploads: &[(PathBuf, String, Vec<u8>)],
    images: &[Vec<u8>],
    cores: &[TileId],
    tiles: &[(TileId, bool)],
    t0: Instant,
) -> anyhow::Result<Exit> {
    use kif::plan::{FILES, PlanEntry, RootPlan};
    let mut entries = vec![PlanEntry {
        sessions: vec![FILES],
        host_starts: true,
        ..PlanEntry::default()
    }];
    entries.extend(stages.iter().map(|_| PlanEntry {
        sessions: vec![FILES],
        parent: Some(0),
        ..PlanEntry::default()
    }));
    let plan = RootPlan {
        entries,
        host_sessions: vec![FILES],
    };
    // The app stops hung stages itself (naming them); tilekit's own limit
    // is a little longer.
    let mut app_args = vec![
        "--timeout".to_owned(),
        format!("{}", args.timeout.max(0.1)),
        "--report".to_owned(),
        "/pipe/report".to_owned(),
        "/pipe/in".to_owned(),
        "/pipe/out".to_owned(),
    ];
    app_args.extend(stages.iter().zip(params).zip(tiles).map(|((s, p), t)| {
        let accel = if t.1 { "accel:" } else { "" };
        format!("{accel}{} {p}", s.name)
    }));
    let root_args = plan.to_args();
    let mut apps: Vec<(TileId, &[u8], Vec<&str>)> = vec![(
        cores[1],
        &images[2],
        app_args.iter().map(String::as_str).collect(),
    )];
    for (img, (tile, _)) in images[3..].iter().zip(tiles) {
        apps.push((*tile, img, vec![]));
    }
    let bar = crate::progress::spinner(&format!(
        "loading {} programs onto {}",
        apps.len() + 2,
        board.uri()
    ));
    let booted = board.boot_with_root(
        &images[0],
        (
            cores[0],
            &images[1],
            root_args.iter().map(String::as_str).collect(),
        ),
        &apps,
    );
    bar.finish_and_clear();
    if let Err(e) = booted {
        if let Some(why) = board.kernel_failure() {
            eprintln!("error: {why}");
            return Ok(Exit::Failed);
        }
        return Ok(crate::open::report(e));
    }
    let files = crate::transfer::host_files(board).map_err(anyhow::Error::from)?;
    for (local, remote, data) in uploads {
        if let Some((dir, _)) = remote.rsplit_once('/')
            && !dir.is_empty()
        {
            files.mkdir_all(dir)?;
        }
        let what = if local.as_os_str().is_empty() {
            format!("put {}", args.input.display())
        } else {
            format!("put {}", local.display())
        };
        let bar = crate::progress::bytes(&what, data.len() as u64);
        files.put(remote, data, &mut |n| bar.set_position(n))?;
        bar.finish_and_clear();
    }
    let started = Instant::now();
    let start = kif::syscall::msg::ActCtrl {
        act: kif::plan::HOST_ACTS,
        start: true,
    };
    files.syscalls().call(&start.encode())?;
    let app = cores[1];
    let timeout = Duration::from_secs_f64(args.timeout.max(0.0) + 10.0);
    let view = match board.wait(app, timeout) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            let _ = files.syscalls().exit(0);
            return Ok(Exit::Program(124));
        }
    };
    let ran = started.elapsed();
    if view.cu != Ok(CuState::Exited) || view.exit_code != 0 {
        eprintln!("error: the pipeline failed ({}):", view.cu_description());
        eprint!("{}", indent(&view.printed));
        for (k, (st, (tile, _))) in stages.iter().zip(tiles).enumerate() {
            let out = board.output(*tile).unwrap_or_default();
            if !out.is_empty() {
                eprintln!("stage {k} ({}) on {tile}:", st.name);
                eprint!("{}", indent(&out));
            }
        }
        let _ = files.syscalls().exit(0);
        return Ok(Exit::Failed);
    }
    let report = files.get("/pipe/report", &mut |_| {})?;
    let total = files.stat("/pipe/out").map_or(0, |(n, _)| n);
    let bar = crate::progress::bytes(&format!("get {}", args.output.display()), total);
    let out = files.get("/pipe/out", &mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    let _ = files.syscalls().exit(0);
    write_out(&args.output, &out)?;
    let report = String::from_utf8_lossy(&report);
    let lines: Vec<StageLine<'_>> = report.lines().filter_map(StageLine::parse).collect();
    summary(args, &lines, tiles, ran, t0.elapsed(), out.len());
    Ok(Exit::Success)
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

fn write_out(path: &Path, data: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("creating {} for --out: {e}", dir.display()))?;
    }
    std::fs::write(path, data).map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))
}

fn tile_name(raw: u64) -> String {
    u16::try_from(raw)
        .ok()
        .and_then(|r| TileId::from_raw(r).ok())
        .map_or_else(|| "?".to_owned(), |t| t.to_string())
}

fn summary(
    args: &Args,
    lines: &[StageLine<'_>],
    tiles: &[(TileId, bool)],
    ran: Duration,
    wall: Duration,
    out_len: usize,
) {
    let mode = |l: &StageLine<'_>| {
        let accel = tiles.get(l.index as usize).is_some_and(|t| t.1);
        if accel { "accelerator" } else { "software" }
    };
    if args.json {
        let stages: Vec<_> = lines
            .iter()
            .map(|l| {
                json!({
                    "index": l.index, "name": l.name, "tile": tile_name(l.tile), "mode": mode(l),
                    "bytes_in": l.bytes_in, "bytes_out": l.bytes_out, "done_ms": l.micros as f64 / 1e3,
                })
            })
            .collect();
        let v = json!({
            "stages": stages, "output_bytes": out_len,
            "pipeline_ms": ran.as_secs_f64() * 1e3, "wall_ms": wall.as_secs_f64() * 1e3,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return;
    }
    let mut table = comfy_table::Table::new();
    table.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(["#", "stage", "ran on", "bytes in", "bytes out", "done at"]);
    for l in lines {
        table.add_row([
            l.index.to_string(),
            l.name.to_owned(),
            format!("{} ({})", tile_name(l.tile), mode(l)),
            l.bytes_in.to_string(),
            l.bytes_out.to_string(),
            format!("{:.1} ms", l.micros as f64 / 1e3),
        ]);
    }
    println!("{table}");
    println!(
        "{} bytes to {}; the pipeline ran {:.1} ms, {:.1} ms in all (board start and transfers included)",
        out_len,
        args.output.display(),
        ran.as_secs_f64() * 1e3,
        wall.as_secs_f64() * 1e3
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn stages_parse_or_say_what_exists() {
        let r = Registry::builtin();
        assert_eq!(
            parse_stage("isp:black=64:wb=2,1,1.5", &r).unwrap(),
            Stage {
                name: "isp".into(),
                params: vec![
                    ("black".into(), "64".into()),
                    ("wb".into(), "2,1,1.5".into())
                ],
            }
        );
        assert_eq!(parse_stage("sha256", &r).unwrap().params, vec![]);
        assert!(
            parse_stage("blur", &r)
                .unwrap_err()
                .contains("use one of: aes-ctr, sha256, fir, isp")
        );
        assert!(
            parse_stage("fir:taps", &r)
                .unwrap_err()
                .contains("`taps` is not key=value")
        );
    }

    #[test]
    fn files_named_by_parameters_go_onto_the_board() {
        let r = Registry::builtin();
        let mut files = Vec::new();
        let mut params = |k, s: &str| {
            let st = parse_stage(s, &r).unwrap();
            let spec = r.stage(&st.name).unwrap().1;
            program_params(k, &st, spec, &mut files)
        };
        assert_eq!(
            params(1, "aes-ctr:key=@k.hex:iv=00"),
            "key=@/pipe/params/1-key iv=00"
        );
        assert_eq!(params(2, "fir:taps=lp.txt"), "taps=/pipe/params/2-taps");
        assert_eq!(params(0, "aes-ctr:key=00ff:iv=00"), "key=00ff iv=00");
        let local: Vec<_> = files
            .iter()
            .map(|f| f.local.display().to_string())
            .collect();
        assert_eq!(local, ["k.hex", "lp.txt"]);
    }
}
