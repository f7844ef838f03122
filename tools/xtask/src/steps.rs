//! The steps of `cargo xtask ci`: what each runs, and its time budget.
//!
//! Every step either passes, fails, or is skipped with a reason. A step is
//! skipped only when it cannot run on this machine (a tool is missing, the
//! network is needed); `.ci/expected-to-run` lists the steps that must not
//! skip on the CI machine. The budgets are documented in `docs/ci.md`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The result of one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The step ran and passed.
    Passed,
    /// The step ran and failed, with a one-line reason.
    Failed(String),
    /// The step could not run here, with the reason.
    Skipped(String),
}

/// What a step needs to run.
pub struct Ctx {
    /// The workspace root.
    pub root: PathBuf,
}

/// One step of the CI command.
pub struct Step {
    /// Name used on the command line and in `.ci/expected-to-run`.
    pub name: &'static str,
    /// What the step checks, for `--list`.
    pub doc: &'static str,
    /// The time it should take on 2 cores from a clean checkout.
    pub budget: Duration,
    /// Runs the step.
    pub run: fn(&Ctx) -> Outcome,
}

const fn mins(m: u64) -> Duration {
    Duration::from_secs(m * 60)
}

/// Every step, in the order CI runs them (cheap checks first).
pub fn all() -> Vec<Step> {
    vec![
        Step {
            name: "fmt",
            doc: "cargo fmt --all --check",
            budget: mins(1),
            run: |ctx| cargo(ctx, &["fmt", "--all", "--check"], &[]),
        },
        Step {
            name: "layering",
            doc: "dependency rules between crates and the `unsafe` policy",
            budget: mins(1),
            run: |ctx| in_process(crate::layering::check_workspace(&ctx.root)),
        },
        Step {
            name: "docs-sync",
            doc: "docs/tcu.md and docs/tcu-rules.md match the code they are generated from",
            budget: mins(1),
            run: |ctx| in_process(crate::tcu_reference::gen_docs(&ctx.root, true)),
        },
        Step {
            name: "build",
            doc: "cargo build --workspace --all-targets --locked",
            budget: mins(10),
            run: |ctx| {
                cargo(
                    ctx,
                    &["build", "--workspace", "--all-targets", "--locked"],
                    &[],
                )
            },
        },
        Step {
            name: "kernel-no-std",
            doc: "links the kernel core into a no_std staticlib with panic=abort, its own panic handler and allocator (fails if anything pulls in std)",
            budget: mins(1),
            run: |ctx| {
                let manifest = ctx.root.join("kernel-tile/link-check/Cargo.toml");
                let manifest = manifest.display().to_string();
                cargo(
                    ctx,
                    &[
                        "build",
                        "--release",
                        "--locked",
                        "--manifest-path",
                        &manifest,
                    ],
                    &[],
                )
            },
        },
        Step {
            name: "clippy",
            doc: "cargo clippy --workspace --all-targets -- -D warnings",
            budget: mins(3),
            run: |ctx| {
                cargo(
                    ctx,
                    &[
                        "clippy",
                        "--workspace",
                        "--all-targets",
                        "--locked",
                        "--",
                        "-D",
                        "warnings",
                    ],
                    &[],
                )
            },
        },
        Step {
            name: "test",
            doc: "cargo nextest run --workspace --profile ci (unit, property and integration tests)",
            budget: mins(6),
            run: |ctx| {
                if !have_cargo_subcommand(ctx, "nextest") {
                    return Outcome::Skipped(
                        "cargo-nextest is not installed (run tools/setup.sh)".into(),
                    );
                }
                cargo(
                    ctx,
                    &[
                        "nextest",
                        "run",
                        "--workspace",
                        "--locked",
                        "--profile",
                        "ci",
                    ],
                    &[],
                )
            },
        },
        Step {
            name: "fuzz-smoke",
            doc: "cargo fuzz (stable, no sanitizer, debug assertions): every fuzz target of fuzz/ for 15 s from its seeds, one per core (docs/fuzzing.md)",
            budget: mins(4),
            run: |ctx| crate::fuzz::smoke(&ctx.root, have_cargo_subcommand(ctx, "fuzz")),
        },
        Step {
            name: "doctest",
            doc: "cargo test --doc --workspace (nextest does not run doctests)",
            budget: mins(2),
            run: |ctx| cargo(ctx, &["test", "--doc", "--workspace", "--locked"], &[]),
        },
        Step {
            name: "doc",
            doc: "cargo doc --workspace --no-deps with warnings as errors",
            budget: mins(2),
            run: |ctx| {
                cargo(
                    ctx,
                    &["doc", "--workspace", "--no-deps", "--locked"],
                    &[("RUSTDOCFLAGS", "-D warnings")],
                )
            },
        },
        Step {
            name: "deny",
            doc: "cargo deny check bans licenses sources (offline)",
            budget: mins(1),
            run: |ctx| {
                if !have_cargo_subcommand(ctx, "deny") {
                    return Outcome::Skipped(
                        "cargo-deny is not installed (run tools/setup.sh)".into(),
                    );
                }
                cargo(
                    ctx,
                    &[
                        "deny",
                        "--offline",
                        "--locked",
                        "check",
                        "bans",
                        "licenses",
                        "sources",
                    ],
                    &[],
                )
            },
        },
        Step {
            name: "advisories",
            doc: "cargo deny check advisories (needs the RustSec database from the network)",
            budget: mins(1),
            run: |_| {
                Outcome::Skipped(
                    "the RustSec advisory database needs a network this machine does not reach; \
                     run `cargo deny check advisories` where it does"
                        .into(),
                )
            },
        },
    ]
}

fn in_process(result: anyhow::Result<()>) -> Outcome {
    match result {
        Ok(()) => Outcome::Passed,
        Err(err) => Outcome::Failed(format!("{err:#}")),
    }
}

fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs `cargo ARGS` in the workspace root with its output going straight
/// to the terminal.
fn cargo(ctx: &Ctx, args: &[&str], envs: &[(&str, &str)]) -> Outcome {
    let mut cmd = Command::new(cargo_bin());
    cmd.args(args).current_dir(&ctx.root);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    match cmd.status() {
        Ok(status) if status.success() => Outcome::Passed,
        Ok(status) => Outcome::Failed(format!("`cargo {}` exited with {status}", args.join(" "))),
        Err(err) => Outcome::Failed(format!("could not start cargo: {err}")),
    }
}

/// Whether `cargo NAME` exists (an installed `cargo-NAME`).
fn have_cargo_subcommand(ctx: &Ctx, name: &str) -> bool {
    Command::new(cargo_bin())
        .args([name, "--version"])
        .current_dir(&ctx.root)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Reads `.ci/expected-to-run`: one step name per line, `#` comments.
pub fn expected_to_run(root: &Path) -> anyhow::Result<Vec<String>> {
    let path = root.join(".ci/expected-to-run");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    Ok(parse_expected(&text))
}

fn parse_expected(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_list_ignores_comments_and_blanks() {
        let got = parse_expected("# header\nfmt\n\n  test  # must run\n");
        assert_eq!(got, vec!["fmt".to_string(), "test".to_string()]);
    }

    #[test]
    fn step_names_are_unique() {
        let steps = all();
        let mut names: Vec<_> = steps.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), steps.len());
    }
}
