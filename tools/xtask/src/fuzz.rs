//! The `fuzz-smoke` step: builds the fuzz targets in `fuzz/` (outside the
//! workspace, with cargo-fuzz on the stable toolchain, no sanitizer) and
//! runs each for a bounded time from its committed seeds. New inputs go to
//! a scratch corpus under `target/`; a crash fails the step naming the
//! target and the input that crashed it (docs/fuzzing.md).

use std::path::Path;
use std::process::Command;

use crate::steps::Outcome;

/// Seconds each target runs.
const SECONDS_PER_TARGET: u32 = 20;

/// The targets, as listed in `fuzz/Cargo.toml`.
pub const TARGETS: &[&str] = &[
    "board_yaml",
    "window_rom",
    "tile_image",
    "tcu_words",
    "kif_syscall",
];

/// Runs the step.
pub fn smoke(root: &Path, have_fuzz: bool) -> Outcome {
    if !have_fuzz {
        return Outcome::Skipped("cargo-fuzz is not installed (run tools/setup.sh)".into());
    }
    let dir = root.join("fuzz");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build = Command::new(&cargo)
        .args(["fuzz", "build", "--sanitizer", "none"])
        .current_dir(&dir)
        .status();
    match build {
        Ok(s) if s.success() => {}
        Ok(s) => return Outcome::Failed(format!("`cargo fuzz build` exited with {s}")),
        Err(e) => return Outcome::Failed(format!("could not start cargo fuzz: {e}")),
    }
    let scratch = root.join("target/fuzz-smoke");
    for t in TARGETS {
        let corpus = scratch.join("corpus").join(t);
        let artifacts = scratch.join("artifacts").join(t);
        if let Err(e) =
            std::fs::create_dir_all(&corpus).and_then(|()| std::fs::create_dir_all(&artifacts))
        {
            return Outcome::Failed(format!("creating {}: {e}", scratch.display()));
        }
        let prefix = format!("-artifact_prefix={}/", artifacts.display());
        let time = format!("-max_total_time={SECONDS_PER_TARGET}");
        let status = Command::new(&cargo)
            .args(["fuzz", "run", "--sanitizer", "none", t])
            .arg(&corpus)
            .arg(dir.join("seeds").join(t))
            .args([
                "--",
                &time,
                &prefix,
                "-rss_limit_mb=2048",
                "-print_final_stats=1",
            ])
            .current_dir(&dir)
            .status();
        match status {
            Ok(s) if s.success() => println!("fuzz-smoke: {t}: no crash in {SECONDS_PER_TARGET} s"),
            Ok(s) => {
                let found: Vec<String> = std::fs::read_dir(&artifacts)
                    .map(|d| {
                        d.filter_map(Result::ok)
                            .map(|e| e.path().display().to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                return Outcome::Failed(format!(
                    "fuzz target `{t}` failed ({s}); input: {}; reproduce with `cd fuzz && cargo fuzz run --sanitizer none {t} INPUT`",
                    if found.is_empty() {
                        "none saved".to_owned()
                    } else {
                        found.join(", ")
                    }
                ));
            }
            Err(e) => return Outcome::Failed(format!("could not start cargo fuzz: {e}")),
        }
    }
    Outcome::Passed
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
