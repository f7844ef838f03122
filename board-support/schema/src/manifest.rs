//! Accelerator kinds, registered by manifests.
//!
//! A kind is a name a board file gives an `accel` tile. Its manifest (a
//! small YAML file named `KIND.accel.yaml`) says which firmware the tile's controller runs and
//! which pipeline stages the kind serves:
//!
//! ```yaml
//! tilekit_accel: 1
//! kind: crypto
//! description: AES-128/256-CTR and SHA-256
//! firmware: shim-crypto          # found like a tile image; with a `/`, relative to this file
//! stages:
//!   - name: aes-ctr
//!     software: sw-aes-ctr       # optional: the same stage in software, for a core tile
//!     params: "key=HEX|@FILE iv=HEX"   # optional: shown in help and errors
//!     file_at_params: [key]      # `key=@PATH` names a file of the host: put onto the board
//!   - name: sha256
//! ```
//!
//! `file_params` lists parameters whose value is always a host file
//! (`taps=PATH`). The **search path**, in order: the kinds tilekit ships
//! (`accel-shims/manifests/`, built in), every `*.accel.yaml` in `accels/`
//! beside the running executable, then in every directory of
//! `TILEKIT_ACCEL_PATH` (`:`-separated). A kind or stage name registered
//! twice is an error naming both files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::{BoardError, Diagnostic};

/// The environment variable with extra manifest directories.
pub const ENV_ACCEL_PATH: &str = "TILEKIT_ACCEL_PATH";

/// The manifests tilekit ships.
const BUILTIN: &[(&str, &str)] = &[
    (
        "crypto.accel.yaml (built in)",
        include_str!("../../../accel-shims/manifests/crypto.accel.yaml"),
    ),
    (
        "dsp.accel.yaml (built in)",
        include_str!("../../../accel-shims/manifests/dsp.accel.yaml"),
    ),
    (
        "isp.accel.yaml (built in)",
        include_str!("../../../accel-shims/manifests/isp.accel.yaml"),
    ),
];

/// A manifest as written.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Format version: 1.
    pub tilekit_accel: u32,
    /// The kind's name (what board files write as `accel:`).
    pub kind: String,
    /// One line on what it does.
    #[serde(default)]
    pub description: String,
    /// The firmware its tiles' controllers run.
    pub firmware: String,
    /// The stages it serves.
    pub stages: Vec<StageSpec>,
}

/// One stage a kind serves.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StageSpec {
    /// Its name in `tilekit pipe` (`aes-ctr`).
    pub name: String,
    /// The program running it in software on a core tile, if any.
    #[serde(default)]
    pub software: Option<String>,
    /// Its parameters, for help and errors.
    #[serde(default)]
    pub params: String,
    /// Parameters whose value is a host file.
    #[serde(default)]
    pub file_params: Vec<String>,
    /// Parameters whose value `@PATH` is a host file.
    #[serde(default)]
    pub file_at_params: Vec<String>,
}

/// A registered kind: its manifest and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kind {
    /// The manifest.
    pub manifest: Manifest,
    /// The file it was read from.
    pub file: String,
    /// Its directory (relative firmware and software paths start there);
    /// `None` for the built-in kinds.
    pub dir: Option<PathBuf>,
}

impl Kind {
    /// A program name as the manifest gives it: a path (containing `/`)
    /// relative to the manifest's directory, or a name to search for.
    pub fn resolve(&self, name: &str) -> String {
        match &self.dir {
            Some(dir) if name.contains('/') && !Path::new(name).is_absolute() => {
                dir.join(name).display().to_string()
            }
            _ => name.to_owned(),
        }
    }
}

/// Every registered kind, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Registry {
    /// The kinds.
    pub kinds: BTreeMap<String, Kind>,
}

fn diag(file: &str, line: u64, column: u64, message: String, fix: &str) -> BoardError {
    BoardError::Invalid(vec![Diagnostic {
        file: file.to_owned(),
        line,
        column,
        message,
        fix: fix.to_owned(),
    }])
}

/// Parses one manifest.
pub fn parse_manifest(file: &str, text: &str) -> Result<Manifest, BoardError> {
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::Error,
        strict_booleans: true,
        with_snippet: false,
    };
    let m: Manifest = serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        let msg = e.to_string();
        let msg = msg.lines().next().unwrap_or_default();
        let msg = msg.rfind(" at line ").map_or(msg, |i| &msg[..i]).to_owned();
        diag(
            file,
            line,
            column,
            msg,
            "see docs/porting.md for the manifest's keys",
        )
    })?;
    if m.tilekit_accel != 1 {
        return Err(diag(
            file,
            1,
            1,
            format!(
                "manifest format {} is not one this tilekit reads",
                m.tilekit_accel
            ),
            "write `tilekit_accel: 1`",
        ));
    }
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 32
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    for n in std::iter::once(&m.kind).chain(m.stages.iter().map(|s| &s.name)) {
        if !name_ok(n) {
            return Err(diag(
                file,
                0,
                0,
                format!("`{n}` is not a kind or stage name"),
                "use 1 to 32 lowercase letters, digits and `-`",
            ));
        }
    }
    if m.stages.is_empty() {
        return Err(diag(
            file,
            0,
            0,
            format!("kind `{}` serves no stage", m.kind),
            "list at least one under `stages:`",
        ));
    }
    Ok(m)
}

impl Registry {
    /// The kinds tilekit ships.
    pub fn builtin() -> Registry {
        let mut r = Registry::default();
        for (file, text) in BUILTIN {
            if let Ok(m) = parse_manifest(file, text) {
                let _ = r.add(m, file, None);
            }
        }
        r
    }

    /// The built-in kinds plus every manifest on the search path.
    pub fn load() -> Result<Registry, BoardError> {
        let mut r = Registry::builtin();
        for dir in search_dirs() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.ends_with(".accel.yaml"))
                })
                .collect();
            files.sort();
            for path in files {
                r.add_file(&path)?;
            }
        }
        Ok(r)
    }

    /// Reads the manifest at `path` and registers its kind.
    pub fn add_file(&mut self, path: &Path) -> Result<(), BoardError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| BoardError::Io {
            path: file.clone(),
            source,
        })?;
        let m = parse_manifest(&file, &text)?;
        let dir = path.parent().map(Path::to_path_buf);
        self.add(m, &file, Some(dir.unwrap_or_default()))
    }

    fn add(&mut self, m: Manifest, file: &str, dir: Option<PathBuf>) -> Result<(), BoardError> {
        if let Some(k) = self.kinds.get(&m.kind) {
            return Err(diag(
                file,
                0,
                0,
                format!(
                    "accelerator kind `{}` is registered twice: also by {}",
                    m.kind, k.file
                ),
                "remove one of the manifests or rename the kind",
            ));
        }
        for s in &m.stages {
            if let Some((k, _)) = self.stage(&s.name) {
                return Err(diag(
                    file,
                    0,
                    0,
                    format!(
                        "stage `{}` is served already by kind `{}` ({})",
                        s.name, k.manifest.kind, k.file
                    ),
                    "give the stage another name",
                ));
            }
        }
        self.kinds.insert(
            m.kind.clone(),
            Kind {
                manifest: m,
                file: file.to_owned(),
                dir,
            },
        );
        Ok(())
    }

    /// The kind serving stage `name`, and the stage.
    pub fn stage(&self, name: &str) -> Option<(&Kind, &StageSpec)> {
        self.kinds.values().find_map(|k| {
            k.manifest
                .stages
                .iter()
                .find(|s| s.name == name)
                .map(|s| (k, s))
        })
    }

    /// Every stage name, in kind order.
    pub fn stage_names(&self) -> Vec<&str> {
        self.kinds
            .values()
            .flat_map(|k| k.manifest.stages.iter().map(|s| s.name.as_str()))
            .collect()
    }

    /// The catalog board files are checked against: the built-in programs
    /// and models, these kinds and their firmware.
    pub fn catalog(&self) -> crate::Catalog {
        let mut c = crate::Catalog::base();
        for (name, k) in &self.kinds {
            c.accel_kinds.insert(name.clone());
            c.firmware
                .insert(name.clone(), k.resolve(&k.manifest.firmware));
        }
        c
    }
}

/// Where manifests are looked for, after the built-in ones.
pub fn search_dirs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        out.push(dir.join("accels"));
    }
    if let Ok(paths) = std::env::var(ENV_ACCEL_PATH) {
        out.extend(
            paths
                .split(':')
                .filter(|d| !d.is_empty())
                .map(PathBuf::from),
        );
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_kinds_are_manifests() {
        let r = Registry::builtin();
        assert_eq!(
            r.kinds.keys().map(String::as_str).collect::<Vec<_>>(),
            ["crypto", "dsp", "isp"]
        );
        assert_eq!(r.stage_names(), ["aes-ctr", "sha256", "fir", "isp"]);
        let (k, s) = r.stage("fir").unwrap();
        assert_eq!(
            (k.manifest.kind.as_str(), s.software.as_deref()),
            ("dsp", Some("sw-fir"))
        );
        let c = r.catalog();
        assert_eq!(c.firmware["crypto"], "shim-crypto");
        assert!(c.programs.contains("hello"));
    }

    #[test]
    fn a_manifest_from_a_folder_registers_its_kind_with_paths_beside_it() {
        let dir = std::env::temp_dir().join(format!("tilekit-manifest-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("crc.accel.yaml");
        std::fs::write(
            &path,
            "tilekit_accel: 1\nkind: crc\nfirmware: target/debug/shim-crc\nstages:\n  - { name: crc32, software: target/debug/sw-crc32 }\n",
        )
        .unwrap();
        let mut r = Registry::builtin();
        r.add_file(&path).unwrap();
        let (k, s) = r.stage("crc32").unwrap();
        let sw = k.resolve(s.software.as_deref().unwrap());
        assert_eq!(sw, dir.join("target/debug/sw-crc32").display().to_string());
        assert_eq!(
            r.catalog().firmware["crc"],
            dir.join("target/debug/shim-crc").display().to_string()
        );
        // The same kind again: refused, naming the first file.
        let e = r.add_file(&path).unwrap_err().to_string();
        assert!(e.contains("registered twice: also by"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_manifests_are_refused_with_a_location_and_a_fix() {
        let e = parse_manifest(
            "m.yaml",
            "tilekit_accel: 1\nkind: x\nfirmware: f\nstages: []\nextra: 1\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("m.yaml:5:"), "{e}");
        let e = parse_manifest(
            "m.yaml",
            "tilekit_accel: 2\nkind: x\nfirmware: f\nstages: [{name: y}]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("write `tilekit_accel: 1`"), "{e}");
        let e = parse_manifest(
            "m.yaml",
            "tilekit_accel: 1\nkind: Big Name\nfirmware: f\nstages: [{name: y}]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("lowercase letters"), "{e}");
        let e = parse_manifest(
            "m.yaml",
            "tilekit_accel: 1\nkind: x\nfirmware: f\nstages: []\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("serves no stage"), "{e}");
        // The same stage name as a built-in kind's.
        let mut r = Registry::builtin();
        let m = parse_manifest(
            "m.yaml",
            "tilekit_accel: 1\nkind: x\nfirmware: f\nstages: [{name: sha256}]\n",
        )
        .unwrap();
        let e = r.add(m, "m.yaml", None).unwrap_err().to_string();
        assert!(
            e.contains("stage `sha256` is served already by kind `crypto`"),
            "{e}"
        );
    }
}
