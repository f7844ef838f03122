//! The `fuzz-smoke` step: builds the fuzz targets in `fuzz/` (outside the
//! workspace, with cargo-fuzz on the stable toolchain, no sanitizer, with
//! debug assertions so an arithmetic overflow is a crash as in tests) and
//! runs each for a bounded time from its committed seeds. New inputs go to
//! a scratch corpus under `target/`; a crash fails the step naming the
//! target and the input that crashed it (docs/fuzzing.md).

use std::path::Path;
use std::process::Command;

use crate::steps::Outcome;

/// Seconds each target runs (libFuzzer's `-max_total_time`).
const SECONDS_PER_TARGET: u32 = 15;

/// Seconds one input may take before libFuzzer calls it a hang and fails.
const SECONDS_PER_INPUT: u32 = 10;

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
];

/// Runs the step: one build, then every target (a crash in one does not
/// stop the others), failing with each crashed target and its input.
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
    let mut failed = Vec::new();
    for t in TARGETS {
        let corpus = scratch.join("corpus").join(t);
        let artifacts = scratch.join("artifacts").join(t);
        // Inputs saved by an earlier run must not be blamed on this one.
        let _ = std::fs::remove_dir_all(&artifacts);
        if let Err(e) =
            std::fs::create_dir_all(&corpus).and_then(|()| std::fs::create_dir_all(&artifacts))
        {
            return Outcome::Failed(format!("creating {}: {e}", scratch.display()));
        }
        let prefix = format!("-artifact_prefix={}/", artifacts.display());
        let time = format!("-max_total_time={SECONDS_PER_TARGET}");
        let timeout = format!("-timeout={SECONDS_PER_INPUT}");
        println!("fuzz-smoke: {t}: {SECONDS_PER_TARGET} s from fuzz/seeds/{t}");
        let status = Command::new(&cargo)
            .args(["fuzz", "run"])
            .args(FLAGS)
            .arg(t)
            .arg(&corpus)
            .arg(dir.join("seeds").join(t))
            .args([
                "--",
                &time,
                &timeout,
                &prefix,
                "-rss_limit_mb=2048",
                "-print_funcs=0",
                "-print_final_stats=1",
            ])
            .current_dir(&dir)
            .status();
        match status {
            Ok(s) if s.success() => println!("fuzz-smoke: {t}: no crash in {SECONDS_PER_TARGET} s"),
            Ok(s) => {
                let mut found: Vec<String> = std::fs::read_dir(&artifacts)
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
                println!("fuzz-smoke: {t}: CRASHED ({s}); input: {input}");
                let again = found.first().map_or(String::new(), |f| {
                    format!(
                        " (reproduce: `cd fuzz && cargo fuzz run {} {t} {f}`)",
                        FLAGS.join(" ")
                    )
                });
                failed.push(format!("`{t}` crashed ({s}), input {input}{again}"));
            }
            Err(e) => return Outcome::Failed(format!("could not start cargo fuzz: {e}")),
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
