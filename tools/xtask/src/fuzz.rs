//! The `fuzz-smoke` step: builds the fuzz targets in `fuzz/` (outside the
//! workspace, with cargo-fuzz on the stable toolchain, no sanitizer, with
//! debug assertions so an arithmetic overflow is a crash as in tests) and
//! runs each for a bounded time from its committed seeds, as many at once
//! as there are cores. New inputs go to a scratch corpus under `target/`;
//! a crash fails the step naming the target and the input that crashed it
//! (docs/fuzzing.md).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use crate::steps::Outcome;

/// Seconds each target runs (libFuzzer's `-max_total_time`).
const SECONDS_PER_TARGET: u32 = 15;

/// Seconds one input may take before libFuzzer calls it a hang and fails.
const SECONDS_PER_INPUT: u32 = 10;

/// Executions a target must reach in its run: 10⁵ for the syscall
/// decoder (the kernel's bar), 10⁴ for the others (the YAML parser is the
/// slowest, about 3·10⁴ in a run here).
fn min_executions(target: &str) -> u64 {
    if target == "kif_syscall" {
        100_000
    } else {
        10_000
    }
}

/// Lines of a target's log printed when it passes (its end).
const LOG_TAIL: usize = 12;

/// Lines of a target's log printed when it fails (from the panic on).
const FAILED_TAIL: usize = 150;

/// Build flags, the same for `cargo fuzz build` and `cargo fuzz run` (a
/// difference would make `run` build again).
const FLAGS: &[&str] = &["--sanitizer", "none", "--debug-assertions"];

/// The targets, as listed in `fuzz/Cargo.toml`.
pub const TARGETS: &[&str] = &[
    "board_yaml",
    "window_rom",
    "tile_image",
    "tcu_words",
    "kif_syscall",
    "file_proto",
];

/// One target's run.
struct Run {
    target: &'static str,
    child: Child,
    log: PathBuf,
    artifacts: PathBuf,
}

/// Runs the step: one build, then every target, one per core (a crash in
/// one does not stop the others), failing with each crashed target and its
/// input.
pub fn smoke(root: &Path, have_fuzz: bool) -> Outcome {
    if !have_fuzz {
        return Outcome::Skipped("cargo-fuzz is not installed (run tools/setup.sh)".into());
    }
    let dir = root.join("fuzz");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build = Command::new(&cargo)
        .args(["fuzz", "build"])
        .args(FLAGS)
        .current_dir(&dir)
        .status();
    match build {
        Ok(s) if s.success() => {}
        Ok(s) => return Outcome::Failed(format!("`cargo fuzz build` exited with {s}")),
        Err(e) => return Outcome::Failed(format!("could not start cargo fuzz: {e}")),
    }
    let scratch = root.join("target/fuzz-smoke");
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "fuzz-smoke: {} targets, {SECONDS_PER_TARGET} s each from fuzz/seeds/TARGET, {} at a time; logs in {}",
        TARGETS.len(),
        jobs.min(TARGETS.len()),
        scratch.join("logs").display()
    );
    let mut queue = TARGETS.iter();
    let mut running: Vec<Run> = Vec::new();
    let mut failed = Vec::new();
    loop {
        while running.len() < jobs {
            let Some(&t) = queue.next() else { break };
            match start(&cargo, &dir, &scratch, t) {
                Ok(run) => running.push(run),
                Err(e) => {
                    kill_all(&mut running);
                    return Outcome::Failed(format!("fuzz target `{t}`: {e}"));
                }
            }
        }
        if running.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
        let mut k = 0;
        while k < running.len() {
            match running[k].child.try_wait() {
                Ok(None) => k += 1,
                Ok(Some(status)) => {
                    let run = running.swap_remove(k);
                    if let Some(failure) = report(&run, status) {
                        failed.push(failure);
                    }
                }
                Err(e) => {
                    let t = running[k].target;
                    kill_all(&mut running);
                    return Outcome::Failed(format!("fuzz target `{t}`: waiting for it: {e}"));
                }
            }
        }
    }
    if failed.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Failed(format!(
            "fuzz target {} (docs/fuzzing.md)",
            failed.join("; fuzz target ")
        ))
    }
}

/// Starts `cargo fuzz run` for `t`, its output going to its log.
fn start(cargo: &str, dir: &Path, scratch: &Path, t: &'static str) -> Result<Run, String> {
    let corpus = scratch.join("corpus").join(t);
    let artifacts = scratch.join("artifacts").join(t);
    let logs = scratch.join("logs");
    // Inputs saved by an earlier run must not be blamed on this one.
    let _ = std::fs::remove_dir_all(&artifacts);
    for d in [&corpus, &artifacts, &logs] {
        std::fs::create_dir_all(d).map_err(|e| format!("creating {}: {e}", d.display()))?;
    }
    let log = logs.join(format!("{t}.log"));
    let out = File::create(&log).map_err(|e| format!("creating {}: {e}", log.display()))?;
    let err = out
        .try_clone()
        .map_err(|e| format!("opening {}: {e}", log.display()))?;
    let child = Command::new(cargo)
        .args(["fuzz", "run"])
        .args(FLAGS)
        .arg(t)
        .arg(&corpus)
        .arg(dir.join("seeds").join(t))
        .arg("--")
        .arg(format!("-max_total_time={SECONDS_PER_TARGET}"))
        .arg(format!("-timeout={SECONDS_PER_INPUT}"))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .args([
            "-rss_limit_mb=2048",
            "-print_funcs=0",
            "-print_final_stats=1",
        ])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("could not start cargo fuzz: {e}"))?;
    Ok(Run {
        target: t,
        child,
        log,
        artifacts,
    })
}

/// Prints how `run` ended; the failure line if it crashed.
fn report(run: &Run, status: ExitStatus) -> Option<String> {
    let t = run.target;
    let text = std::fs::read_to_string(&run.log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    if status.success() {
        println!("--- {t} ({}):", run.log.display());
        for l in &lines[lines.len().saturating_sub(LOG_TAIL)..] {
            println!("    {l}");
        }
        // A run that barely ran proves little.
        let min = min_executions(t);
        let executed = lines
            .iter()
            .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
            .and_then(|n| n.trim().parse::<u64>().ok());
        return match executed {
            Some(n) if n >= min => {
                println!("fuzz-smoke: {t}: no crash in {SECONDS_PER_TARGET} s ({n} executions)");
                None
            }
            other => {
                let n = other.map_or_else(|| "an unknown number of".to_owned(), |n| n.to_string());
                println!(
                    "fuzz-smoke: {t}: only {n} executions in {SECONDS_PER_TARGET} s (at least {min} needed)"
                );
                Some(format!("{t}: too few executions ({n})"))
            }
        };
    }
    // From the panic (or libFuzzer's error) on: the message, the stack,
    // where the input went and the input in base64.
    let from = lines
        .iter()
        .position(|l| l.contains("panicked at") || l.contains("ERROR: libFuzzer"))
        .unwrap_or(lines.len().saturating_sub(FAILED_TAIL));
    println!("--- {t} ({}):", run.log.display());
    for l in lines.iter().skip(from).take(FAILED_TAIL) {
        println!("    {l}");
    }
    let mut found: Vec<String> = std::fs::read_dir(&run.artifacts)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path().display().to_string())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    let input = if found.is_empty() {
        "none saved".to_owned()
    } else {
        found.join(", ")
    };
    println!("fuzz-smoke: {t}: CRASHED ({status}); input: {input}");
    let again = found.first().map_or(String::new(), |f| {
        format!(
            " (reproduce: `cd fuzz && cargo fuzz run {} {t} {f}`)",
            FLAGS.join(" ")
        )
    });
    Some(format!("`{t}` crashed ({status}), input {input}{again}"))
}

/// Stops the runs still going (after an error of the step itself).
fn kill_all(running: &mut Vec<Run>) {
    for mut r in running.drain(..) {
        let _ = r.child.kill();
        let _ = r.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::TARGETS;

    /// Every target of fuzz/Cargo.toml runs in the step, and nothing else.
    #[test]
    fn the_step_runs_every_target() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let manifest = std::fs::read_to_string(root.join("fuzz/Cargo.toml")).unwrap_or_default();
        let declared: Vec<&str> = manifest
            .lines()
            .filter_map(|l| l.strip_prefix("name = \""))
            .filter_map(|l| l.strip_suffix('"'))
            .filter(|n| *n != "tilekit-fuzz")
            .collect();
        assert_eq!(declared, TARGETS);
        for t in TARGETS {
            assert!(root.join("fuzz/seeds").join(t).is_dir(), "no seeds for {t}");
            assert!(
                root.join("fuzz/fuzz_targets")
                    .join(format!("{t}.rs"))
                    .is_file()
            );
        }
    }
}
