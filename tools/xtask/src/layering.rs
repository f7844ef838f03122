//! The layering rules of the architecture brief, checked over `cargo metadata`.
//!
//! What may never depend on what (normal and build dependencies, followed
//! transitively through workspace crates; dev-dependencies are exempt so a
//! kernel test may use the in-process TCU model):
//!
//! - `tcu-mmio/` depends on no other workspace crate;
//! - tile-side code (`kernel-tile/`, `sdk/`, `system/`, `accel-shims/`,
//!   `samples/`) never depends on `board-support/` or `tools/`: it must run
//!   unchanged on an FPGA;
//! - `sdk/` sees the kernel only through `kif`;
//! - `accel-shims/` never sees the kernel;
//! - `board-support/` never depends on `tools/`;
//! - a device model (`[package.metadata.tilekit] role = "device-model"`)
//!   depends on no TCU crate.
//!
//! And the `unsafe` policy: every crate root says `#![forbid(unsafe_code)]`
//! unless the crate is in [`UNSAFE_ALLOWED`], where hardware or the OS is
//! touched.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, bail};
use cargo_metadata::{DependencyKind, MetadataCommand};

/// Crates that may contain `unsafe`, with the reason. Everything else forbids it.
pub const UNSAFE_ALLOWED: &[(&str, &str)] = &[
    ("tcu-mmio", "volatile MMIO access to TCU registers"),
    (
        "tile-platform",
        "platform glue of simulated tiles: the inherited mapping, futexes",
    ),
    (
        "tile-runtime",
        "a tile program's image note and crash handler (module `sim` only)",
    ),
    (
        "tilekit-sim",
        "the simulator's transport (shared mappings, futexes) and tile launcher",
    ),
];

/// A workspace crate as the rules see it.
#[derive(Debug, Clone)]
pub struct Pkg {
    /// Package name.
    pub name: String,
    /// Top-level folder it lives in (`tcu-mmio`, `sdk`, …).
    pub area: String,
    /// Declared as a device model.
    pub device_model: bool,
    /// Direct normal/build dependencies on other workspace crates.
    pub deps: Vec<String>,
}

const TILE_SIDE: &[&str] = &["kernel-tile", "sdk", "system", "accel-shims", "samples"];

/// Returns every rule violation in the graph, one message each.
pub fn violations(pkgs: &[Pkg]) -> Vec<String> {
    let by_name: BTreeMap<&str, &Pkg> = pkgs.iter().map(|p| (p.name.as_str(), p)).collect();
    let mut out = Vec::new();
    for p in pkgs {
        let closure = closure(p, &by_name);
        let area_of = |d: &str| by_name.get(d).map(|q| q.area.as_str()).unwrap_or("");
        // (area that must not be reached, why) for this package.
        let mut banned: Vec<(&str, &str)> = Vec::new();
        if TILE_SIDE.contains(&p.area.as_str()) {
            let why = "tile-side code must run unchanged on an FPGA, so it knows only its TCU";
            banned.push(("board-support", why));
            banned.push(("tools", why));
        }
        match p.area.as_str() {
            "board-support" => banned.push(("tools", "board-support never depends on tools")),
            "accel-shims" => banned.push(("kernel-tile", "shims never see the kernel")),
            _ => {}
        }
        for d in &closure {
            let area = area_of(d);
            if p.area == "tcu-mmio" {
                out.push(format!(
                    "{} depends on workspace crate {d}: tcu-mmio depends on no other workspace crate",
                    p.name
                ));
            }
            for (b, why) in &banned {
                if area == *b {
                    out.push(format!(
                        "{} ({}) depends on {d} ({area}): {why}",
                        p.name, p.area
                    ));
                }
            }
            if p.area == "sdk" && area == "kernel-tile" && !d.ends_with("kif") {
                out.push(format!(
                    "{} (sdk) depends on {d} (kernel-tile): the sdk sees the kernel only through kif",
                    p.name
                ));
            }
        }
        if p.device_model && closure.contains("tcu-mmio") {
            out.push(format!(
                "{} is a device model but depends on tcu-mmio: a device model knows nothing of TCUs",
                p.name
            ));
        }
    }
    out
}

/// Every workspace crate reachable from `p` through normal/build deps.
fn closure<'a>(p: &'a Pkg, by_name: &BTreeMap<&str, &'a Pkg>) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<&str> = p.deps.iter().map(String::as_str).collect();
    while let Some(d) = todo.pop() {
        if let Some(q) = by_name.get(d)
            && seen.insert(q.name.as_str())
        {
            todo.extend(q.deps.iter().map(String::as_str));
        }
    }
    seen
}

/// Reads the workspace with `cargo metadata` and checks every rule.
pub fn check_workspace(root: &Path) -> anyhow::Result<()> {
    let meta = MetadataCommand::new()
        .manifest_path(root.join("Cargo.toml"))
        .no_deps()
        .exec()
        .context("running cargo metadata")?;
    let ws: BTreeSet<String> = meta
        .workspace_packages()
        .iter()
        .map(|p| p.name.to_string())
        .collect();
    let mut pkgs = Vec::new();
    let mut problems = Vec::new();
    for p in meta.workspace_packages() {
        let rel = p
            .manifest_path
            .strip_prefix(root)
            .with_context(|| format!("{} is outside the workspace root", p.manifest_path))?;
        let area = rel
            .components()
            .next()
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default();
        let device_model =
            p.metadata.pointer("/tilekit/role").and_then(|v| v.as_str()) == Some("device-model");
        let deps = p
            .dependencies
            .iter()
            .filter(|d| matches!(d.kind, DependencyKind::Normal | DependencyKind::Build))
            .filter(|d| ws.contains(&d.name))
            .map(|d| d.name.clone())
            .collect();
        let allowed = UNSAFE_ALLOWED.iter().any(|(n, _)| *n == p.name.as_str());
        if !allowed {
            for t in &p.targets {
                let is_root = t.kind.iter().any(|k| {
                    matches!(
                        k,
                        cargo_metadata::TargetKind::Lib
                            | cargo_metadata::TargetKind::Bin
                            | cargo_metadata::TargetKind::StaticLib
                            | cargo_metadata::TargetKind::CDyLib
                            | cargo_metadata::TargetKind::RLib
                    )
                });
                if !is_root {
                    continue;
                }
                let src = std::fs::read_to_string(&t.src_path)
                    .with_context(|| format!("reading {}", t.src_path))?;
                if !src.contains("#![forbid(unsafe_code)]") {
                    problems.push(format!(
                        "{} ({}) lacks #![forbid(unsafe_code)]: only {} may use unsafe \
                         (tools/xtask/src/layering.rs, UNSAFE_ALLOWED)",
                        p.name,
                        t.src_path,
                        UNSAFE_ALLOWED
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
        pkgs.push(Pkg {
            name: p.name.to_string(),
            area,
            device_model,
            deps,
        });
    }
    problems.extend(violations(&pkgs));
    if problems.is_empty() {
        println!(
            "layering: {} workspace crates follow the dependency and unsafe rules",
            pkgs.len()
        );
        Ok(())
    } else {
        for p in &problems {
            eprintln!("layering: {p}");
        }
        bail!("{} layering violation(s)", problems.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(name: &str, area: &str, deps: &[&str]) -> Pkg {
        Pkg {
            name: name.into(),
            area: area.into(),
            device_model: false,
            deps: deps.iter().map(|d| d.to_string()).collect(),
        }
    }

    fn graph() -> Vec<Pkg> {
        vec![
            pkg("tcu-mmio", "tcu-mmio", &[]),
            pkg("kif", "kernel-tile", &["tcu-mmio"]),
            pkg("kernel-core", "kernel-tile", &["kif", "tcu-mmio"]),
            pkg("tile-runtime", "sdk", &["kif", "tcu-mmio"]),
            pkg("tcu-model", "board-support", &["tcu-mmio"]),
            pkg("tilekit", "tools", &["tcu-model"]),
        ]
    }

    #[test]
    fn the_intended_graph_is_clean() {
        assert_eq!(violations(&graph()), Vec::<String>::new());
    }

    #[test]
    fn tile_side_code_may_not_reach_board_support_even_transitively() {
        let mut g = graph();
        g.push(pkg("helper", "sdk", &["tcu-model"]));
        g.push(pkg("app", "samples", &["helper"]));
        let v = violations(&g);
        assert!(
            v.iter()
                .any(|m| m.starts_with("helper (sdk) depends on tcu-model")),
            "{v:?}"
        );
        assert!(
            v.iter()
                .any(|m| m.starts_with("app (samples) depends on tcu-model")),
            "{v:?}"
        );
    }

    #[test]
    fn sdk_sees_kernel_only_through_kif() {
        let mut g = graph();
        g.push(pkg("files", "sdk", &["kernel-core"]));
        let v = violations(&g);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].contains("only through kif"));
    }

    #[test]
    fn tcu_mmio_stands_alone_and_board_support_avoids_tools() {
        let mut g = graph();
        g[0].deps.push("kif".into());
        g.push(pkg("window", "board-support", &["tilekit"]));
        let v = violations(&g);
        assert!(
            v.iter().any(|m| m.contains("tcu-mmio depends on no other")),
            "{v:?}"
        );
        assert!(
            v.iter().any(|m| m.contains("never depends on tools")),
            "{v:?}"
        );
    }

    #[test]
    fn shims_never_see_the_kernel_and_device_models_no_tcu() {
        let mut g = graph();
        g.push(pkg("crypto-shim", "accel-shims", &["kif"]));
        let mut dev = pkg("crypto-device", "accel-shims", &["tile-runtime"]);
        dev.device_model = true;
        g.push(dev);
        let v = violations(&g);
        assert!(
            v.iter().any(|m| m.contains("shims never see the kernel")),
            "{v:?}"
        );
        assert!(
            v.iter().any(|m| m.contains("knows nothing of TCUs")),
            "{v:?}"
        );
    }

    #[test]
    fn the_real_workspace_passes() {
        check_workspace(&crate::workspace_root()).unwrap();
    }
}
