//! `pipeline [--after MARK] [--report PATH] [--timeout SECS] IN OUT STAGE…`: chains the filters root handed this program
//! (`parent:` in the board file), in boot order, from file IN to file OUT
//! through pipes; STAGE is the k-th filter's name followed by its
//! parameters (`"xor key=90"`; `"accel:aes-ctr key=… iv=…"` for a filter
//! that is an accelerator tile's controller). Prints, per stage, the tile it ran on,
//! the bytes in and out and when it finished. With `--after MARK` it
//! first waits (up to 60 s) until MARK exists: another boot program
//! writes the input. With `--report PATH` it also writes each stage's
//! `filter_proto::StageLine` there (what `tilekit pipe` reads). With
//! `--timeout SECS` stages still running after SECS are stopped and the
//! pipeline fails naming the first and its tile.
#![forbid(unsafe_code)]

use std::time::Duration;

use std::io::Write;

use filter_proto::StageLine;
use tile_files::{FileSession, flags};
use tile_filters::Pipeline;
use tile_gates::{ChildActivity, Env};
use tile_runtime::tcu_mmio::TileId;

fn main() {
    tile_runtime::run(|tile| {
        let env = Env::new(tile);
        match run(&env) {
            Ok(()) => 0,
            Err(e) => {
                tile.print(&format!("pipeline: {e}\n"));
                1
            }
        }
    })
}

fn run(env: &Env<'_>) -> Result<(), String> {
    let mut args = env.tile.args();
    let files = FileSession::first(env).map_err(|e| format!("no file session: {e}"))?;
    let mut report = None;
    let mut timeout = None;
    loop {
        match args {
            [flag, mark, rest @ ..] if flag == "--after" => {
                if !files.wait_for(mark, Duration::from_secs(60)) {
                    return Err(format!("{mark} did not appear within 60 s"));
                }
                args = rest;
            }
            [flag, path, rest @ ..] if flag == "--report" => {
                report = Some(path.clone());
                args = rest;
            }
            [flag, secs, rest @ ..] if flag == "--timeout" => {
                let s: f64 = secs
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0)
                    .ok_or_else(|| format!("--timeout takes seconds, not `{secs}`"))?;
                timeout = Some(Duration::from_secs_f64(s));
                args = rest;
            }
            _ => break,
        }
    }
    let [input, output, stages @ ..] = args else {
        return Err(
            "usage: pipeline IN OUT STAGE… (STAGE: the filter's name and parameters)".into(),
        );
    };
    let children = ChildActivity::all_handed(env);
    if children.len() != stages.len() {
        return Err(format!(
            "{} stages named but {} filters handed over; give each filter a boot entry with `parent:` this tile",
            stages.len(),
            children.len()
        ));
    }
    let mut p = Pipeline::new(env, &files, input, output);
    if let Some(t) = timeout {
        p = p.timeout(t);
    }
    for (child, spec) in children.into_iter().zip(stages) {
        let (name, params) = spec.split_once(' ').unwrap_or((spec, ""));
        // `accel:NAME`: the child is an accelerator tile's controller.
        p = match name.strip_prefix("accel:") {
            Some(name) => p.accel_stage(child, name, params),
            None => p.stage(child, name, params),
        };
    }
    let results = p.run().map_err(|e| e.to_string())?;
    if let Some(path) = report {
        let lines: String = results
            .iter()
            .enumerate()
            .map(|(k, r)| {
                let line = StageLine {
                    index: k as u64,
                    name: &r.name,
                    tile: r.report.tile,
                    bytes_in: r.report.bytes_in,
                    bytes_out: r.report.bytes_out,
                    micros: r.elapsed.as_micros() as u64,
                };
                format!("{line}\n")
            })
            .collect();
        let mut f = files
            .open(&path, flags::WRITE | flags::CREATE | flags::TRUNC)
            .map_err(|e| format!("cannot write the report {path}: {e}"))?;
        f.write_all(lines.as_bytes())
            .map_err(|e| format!("cannot write the report {path}: {e}"))?;
        f.close()
            .map_err(|e| format!("cannot write the report {path}: {e}"))?;
    }
    for (k, r) in results.iter().enumerate() {
        env.tile.print(&format!(
            "pipeline: stage {k} {} on {}: {} bytes in, {} out, done at {} ms\n",
            r.name,
            u16::try_from(r.report.tile)
                .ok()
                .and_then(|raw| TileId::from_raw(raw).ok())
                .map_or_else(|| "an unknown tile".to_owned(), |t| t.to_string()),
            r.report.bytes_in,
            r.report.bytes_out,
            r.elapsed.as_millis()
        ));
    }
    Ok(())
}
