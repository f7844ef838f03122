//! The host tile's console (`tilekit up --console`): commands typed on
//! stdin, run with the host's session of the board's file system.
//!
//! ```text
//! ls [DIR]           list a directory (default /)
//! stat PATH          size and kind
//! cat PATH           print a file
//! put LOCAL REMOTE   copy a file onto the board (directories created)
//! get REMOTE LOCAL   copy a file from the board (folders created)
//! mkdir PATH         create a directory (and its parents)
//! rm PATH            remove a file or an empty directory
//! help               this list
//! quit               leave (also at end of input)
//! ```

use std::io::BufRead as _;
use std::sync::mpsc::{Receiver, channel};

use board_host::HostFiles;

use crate::transfer::{Pair, get_all, put_all};

/// What a line asks for.
pub enum Line {
    /// Run a command; print its output.
    Command(String),
    /// Leave the console.
    Quit,
}

/// Reads stdin on a thread; lines arrive on the receiver (`Quit` at the
/// end of input).
pub fn stdin_lines() -> Receiver<Line> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            let t = line.trim();
            let msg = if t == "quit" || t == "exit" {
                Line::Quit
            } else {
                Line::Command(t.to_owned())
            };
            let quit = matches!(msg, Line::Quit);
            if tx.send(msg).is_err() || quit {
                return;
            }
        }
        let _ = tx.send(Line::Quit);
    });
    rx
}

/// The help text.
pub const HELP: &str = "commands: ls [DIR], stat PATH, cat PATH, put LOCAL REMOTE, get REMOTE LOCAL, mkdir PATH, rm PATH, help, quit";

/// Runs one command; its output, or what went wrong.
pub fn execute(files: &HostFiles<'_>, line: &str) -> Result<String, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let e = |e: board_host::HostError| e.to_string();
    let abs = |p: &str| -> Result<String, String> {
        if p.starts_with('/') {
            Ok(p.to_owned())
        } else {
            Err(format!("`{p}`: a path on the board starts with `/`"))
        }
    };
    match words.as_slice() {
        [] => Ok(String::new()),
        ["help"] => Ok(format!("{HELP}\n")),
        ["ls"] | ["ls", _] => {
            let dir = abs(words.get(1).copied().unwrap_or("/"))?;
            let mut out = String::new();
            for (name, is_dir, size) in files.read_dir(&dir).map_err(e)? {
                let kind = if is_dir { "dir " } else { "file" };
                out.push_str(&format!("{kind} {size:>12} {name}\n"));
            }
            Ok(out)
        }
        ["stat", p] => {
            let (size, dir) = files.stat(&abs(p)?).map_err(e)?;
            Ok(format!(
                "{p}: {} of {size} {}\n",
                if dir { "directory" } else { "file" },
                if dir { "entries" } else { "bytes" }
            ))
        }
        ["cat", p] => {
            let data = files.get(&abs(p)?, &mut |_| {}).map_err(e)?;
            Ok(String::from_utf8_lossy(&data).into_owned())
        }
        ["put", local, remote] => {
            let pair = Pair {
                local: (*local).into(),
                remote: abs(remote)?,
            };
            put_all(files, &[pair]).map_err(|e| format!("{e:#}"))?;
            Ok(format!("put {local} to {remote}\n"))
        }
        ["get", remote, local] => {
            let pair = Pair {
                local: (*local).into(),
                remote: abs(remote)?,
            };
            get_all(files, &[pair]).map_err(|e| format!("{e:#}"))?;
            Ok(format!("got {remote} to {local}\n"))
        }
        ["mkdir", p] => files.mkdir_all(&abs(p)?).map(|()| String::new()).map_err(e),
        ["rm", p] => files.unlink(&abs(p)?).map(|()| String::new()).map_err(e),
        _ => Err(format!("`{line}`: not a command ({HELP})")),
    }
}
