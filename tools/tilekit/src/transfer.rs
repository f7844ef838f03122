//! `run --put LOCAL=REMOTE` and `--get REMOTE=LOCAL`: files between the
//! host PC and the board's file system, through the host library's file
//! client (the host tile's session with root's file service, data through
//! the bounce buffer — any board link).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use board_host::{Board, HostError, HostFiles};

/// A transfer: a file on this machine and one on the board.
#[derive(Clone, Debug)]
pub struct Pair {
    /// The file here.
    pub local: PathBuf,
    /// The path on the board (absolute).
    pub remote: String,
}

/// Parses `LOCAL=REMOTE` (`put`) or `REMOTE=LOCAL` (`get`, `reverse`).
fn parse(s: &str, reverse: bool) -> Result<Pair, String> {
    let (a, b) = s.split_once('=').ok_or_else(|| {
        format!(
            "`{s}`: expected {}",
            if reverse {
                "REMOTE=LOCAL"
            } else {
                "LOCAL=REMOTE"
            }
        )
    })?;
    let (local, remote) = if reverse { (b, a) } else { (a, b) };
    if !remote.starts_with('/') {
        return Err(format!("`{remote}`: a path on the board starts with `/`"));
    }
    if local.is_empty() {
        return Err(format!("`{s}`: the local path is empty"));
    }
    Ok(Pair {
        local: PathBuf::from(local),
        remote: remote.to_owned(),
    })
}

/// clap's parser for `--put`.
pub fn parse_put(s: &str) -> Result<Pair, String> {
    parse(s, false)
}

/// clap's parser for `--get`.
pub fn parse_get(s: &str) -> Result<Pair, String> {
    parse(s, true)
}

/// The host's file client, once root has given the host its session.
pub fn host_files(board: &Board) -> Result<HostFiles<'_>, HostError> {
    HostFiles::when_ready(board, kif::plan::SESSION_SELS, Duration::from_secs(10))
}

/// Puts every pair (remote parent directories created).
pub fn put_all(files: &HostFiles<'_>, pairs: &[Pair]) -> anyhow::Result<()> {
    for p in pairs {
        let data = std::fs::read(&p.local)
            .map_err(|e| anyhow::anyhow!("reading {} for --put: {e}", p.local.display()))?;
        if let Some((dir, _)) = p.remote.rsplit_once('/')
            && !dir.is_empty()
        {
            files.mkdir_all(dir)?;
        }
        let t = Instant::now();
        let bar = crate::progress::bytes(&format!("put {}", p.remote), data.len() as u64);
        files.put(&p.remote, &data, &mut |n| bar.set_position(n))?;
        bar.finish_and_clear();
        tracing::info!(
            "put {} ({} bytes) to {} in {:.1} ms",
            p.local.display(),
            data.len(),
            p.remote,
            t.elapsed().as_secs_f64() * 1e3
        );
    }
    Ok(())
}

/// Gets every pair (local parent folders created).
pub fn get_all(files: &HostFiles<'_>, pairs: &[Pair]) -> anyhow::Result<()> {
    for p in pairs {
        let t = Instant::now();
        // The size first, for the bar (a missing file fails in `get`).
        let total = files.stat(&p.remote).map_or(0, |(size, _)| size);
        let bar = crate::progress::bytes(&format!("get {}", p.remote), total);
        let data = files.get(&p.remote, &mut |n| bar.set_position(n))?;
        bar.finish_and_clear();
        if let Some(dir) = p.local.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("creating {} for --get: {e}", dir.display()))?;
        }
        write(&p.local, &data)?;
        tracing::info!(
            "got {} ({} bytes) to {} in {:.1} ms",
            p.remote,
            data.len(),
            p.local.display(),
            t.elapsed().as_secs_f64() * 1e3
        );
    }
    Ok(())
}

fn write(path: &Path, data: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, data)
        .map_err(|e| anyhow::anyhow!("writing {} for --get: {e}", path.display()))
}
