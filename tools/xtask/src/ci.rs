//! `cargo xtask ci`: runs the steps of [`crate::steps`] and reports.
//!
//! Output per step: a header, the tool's own output, then one of
//! `PASSED: name (12.3s)`, `FAILED: name: reason` or `SKIPPED: reason`.
//! The run ends with a summary table and the closing line
//! `ci: N passed, N failed, N skipped`. With `CI=true` in the environment, a
//! skipped step that `.ci/expected-to-run` names fails the run.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::steps::{self, Ctx, Outcome, Step};

/// Options of `cargo xtask ci`.
#[derive(clap::Args, Debug, Default)]
pub struct CiArgs {
    /// Run only these steps (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Leave out these steps.
    #[arg(long, value_delimiter = ',')]
    skip: Vec<String>,
    /// List the steps with their budgets and exit.
    #[arg(long)]
    list: bool,
    /// Stop at the first failing step.
    #[arg(long)]
    fail_fast: bool,
}

/// Whether we run on the CI machine (`CI=true` or `CI=1`).
fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Runs the CI steps.
pub fn run(root: &Path, args: &CiArgs) -> anyhow::Result<()> {
    let all = steps::all();
    for name in args.only.iter().chain(&args.skip) {
        if !all.iter().any(|s| s.name == name) {
            bail!("no step named `{name}`; `cargo xtask ci --list` lists them");
        }
    }
    if args.list {
        for s in &all {
            println!(
                "{:<12} {:>4} min  {}",
                s.name,
                s.budget.as_secs() / 60,
                s.doc
            );
        }
        return Ok(());
    }
    check_expected_names(root)?;
    let expected = steps::expected_to_run(root)?;
    let enforce = on_ci();
    let selected: Vec<&Step> = all
        .iter()
        .filter(|s| args.only.is_empty() || args.only.iter().any(|o| o == s.name))
        .filter(|s| !args.skip.iter().any(|o| o == s.name))
        .collect();

    let ctx = Ctx {
        root: root.to_path_buf(),
    };
    let started = Instant::now();
    let mut results: Vec<(&Step, Outcome, Duration)> = Vec::new();
    for step in selected {
        println!(
            "\n==> {} (budget {} min): {}",
            step.name,
            step.budget.as_secs() / 60,
            step.doc
        );
        let t0 = Instant::now();
        let mut outcome = (step.run)(&ctx);
        let took = t0.elapsed();
        if let Outcome::Skipped(reason) = &outcome
            && enforce
            && expected.iter().any(|e| e == step.name)
        {
            outcome = Outcome::Failed(format!(
                "skipped, but .ci/expected-to-run says it must run on CI: {reason}"
            ));
        }
        match &outcome {
            Outcome::Passed => println!("PASSED: {} ({:.1}s)", step.name, took.as_secs_f64()),
            Outcome::Failed(why) => println!("FAILED: {}: {why}", step.name),
            Outcome::Skipped(why) => println!("SKIPPED: {}: {why}", step.name),
        }
        if took > step.budget {
            println!(
                "warning: step `{}` took {:.0}s, over its budget of {}s (docs/ci.md)",
                step.name,
                took.as_secs_f64(),
                step.budget.as_secs()
            );
        }
        let failed = matches!(outcome, Outcome::Failed(_));
        results.push((step, outcome, took));
        if failed && args.fail_fast {
            break;
        }
    }
    summarize(&results, started.elapsed())
}

fn summarize(results: &[(&Step, Outcome, Duration)], total: Duration) -> anyhow::Result<()> {
    println!("\n{:<12} {:<8} {:>8}  note", "step", "result", "time");
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for (step, outcome, took) in results {
        let (word, note) = match outcome {
            Outcome::Passed => {
                passed += 1;
                ("PASSED", String::new())
            }
            Outcome::Failed(why) => {
                failed += 1;
                ("FAILED", why.clone())
            }
            Outcome::Skipped(why) => {
                skipped += 1;
                ("SKIPPED", why.clone())
            }
        };
        println!(
            "{:<12} {:<8} {:>7.1}s  {}",
            step.name,
            word,
            took.as_secs_f64(),
            note
        );
    }
    println!("total time {:.1}s", total.as_secs_f64());
    println!("ci: {passed} passed, {failed} failed, {skipped} skipped");
    if failed > 0 {
        bail!("{failed} CI step(s) failed");
    }
    Ok(())
}

/// Fails if `.ci/expected-to-run` names a step that does not exist (a typo
/// there would otherwise silently stop enforcing anything).
fn check_expected_names(root: &Path) -> anyhow::Result<()> {
    let all = steps::all();
    for name in steps::expected_to_run(root).context("reading .ci/expected-to-run")? {
        if !all.iter().any(|s| s.name == name) {
            bail!(".ci/expected-to-run names `{name}`, which is not a step");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn committed_expected_to_run_names_real_steps() {
        let root = crate::workspace_root();
        super::check_expected_names(&root).unwrap();
    }
}
