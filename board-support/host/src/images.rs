//! Finding tile images and accelerator firmware by name: the documented
//! search order.
//!
//! 1. the name as a path, when it contains `/` or names an existing file;
//! 2. the directory of the running executable (`tilekit`'s: a build's
//!    `target/debug` or `target/release`, or an installation's `bin/`; a
//!    test's `target/debug/deps`, and then its parent);
//! 3. `images/` beside that directory (an installation's `share`-style
//!    folder);
//! 4. every directory of `TILEKIT_IMAGE_PATH` (`:`-separated).
//!
//! A missing image names every place searched.

use std::path::{Path, PathBuf};

/// The environment variable with extra image directories.
pub const ENV_IMAGE_PATH: &str = "TILEKIT_IMAGE_PATH";

/// Where `name` was looked for, in order.
pub fn candidates(name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let as_path = Path::new(name);
    if name.contains('/') || as_path.is_file() {
        out.push(as_path.to_path_buf());
        return out;
    }
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        out.push(dir.join(name));
        if let Some(up) = dir.parent() {
            out.push(up.join("images").join(name));
            // A test executable sits in `target/debug/deps`.
            if dir.ends_with("deps") {
                out.push(up.join(name));
            }
        }
        out.push(dir.join("images").join(name));
    }
    if let Ok(paths) = std::env::var(ENV_IMAGE_PATH) {
        for d in paths.split(':').filter(|d| !d.is_empty()) {
            out.push(Path::new(d).join(name));
        }
    }
    out
}

/// The image `name`, or an error listing the places searched.
pub fn find(name: &str) -> Result<PathBuf, String> {
    let c = candidates(name);
    if let Some(p) = c.iter().find(|p| p.is_file()) {
        return Ok(p.clone());
    }
    let places: Vec<String> = c.iter().map(|p| format!("  {}", p.display())).collect();
    Err(format!(
        "no tile image `{name}`; searched:\n{}\nbuild it (`cargo build --workspace`), give its path, or add its directory to {ENV_IMAGE_PATH}",
        places.join("\n")
    ))
}

/// The image `name`: its path and its bytes, or an error naming the places
/// searched (or the file that could not be read).
pub fn read(name: &str) -> Result<(PathBuf, Vec<u8>), String> {
    let path = find(name)?;
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((path, bytes))
}
