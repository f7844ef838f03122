//! A tile program that attempts one thing a tile must not be able to do,
//! for the sandbox tests: it exits 0 if the attempt succeeded and 1 if the
//! system refused it (the sandbox may also kill it with SIGSYS).
//!
//! `tilekit-sandbox-probe ATTEMPT [ARG]`, ATTEMPT one of: open PATH,
//! write PATH, exec PATH, ptrace PID, signal PID, read-mem PID, fork,
//! grow-fd, socket, sleep SECONDS.
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    // A tile image, though it needs no board: keep the runtime's note.
    std::hint::black_box(&tile_runtime::sim::IMAGE_NOTE);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    let ok = match arg(0).as_str() {
        "open" => std::fs::File::open(arg(1)).is_ok(),
        "write" => std::fs::write(arg(1), b"escaped").is_ok(),
        "exec" => std::process::Command::new(arg(1))
            .status()
            .is_ok_and(|s| s.success()),
        "ptrace" => probe::ptrace(&arg(1)),
        "signal" => probe::signal(&arg(1)),
        "read-mem" => {
            std::fs::read(format!("/proc/{}/mem", arg(1))).is_ok()
                || std::fs::File::open(format!("/proc/{}/mem", arg(1))).is_ok()
        }
        "fork" => std::process::Command::new("/proc/self/exe")
            .arg("sleep")
            .arg("0")
            .status()
            .is_ok(),
        "grow-fd" => probe::grow_fd(),
        "socket" => std::net::UdpSocket::bind("127.0.0.1:0").is_ok(),
        "sleep" => {
            std::thread::sleep(std::time::Duration::from_secs(arg(1).parse().unwrap_or(10)));
            true
        }
        other => {
            eprintln!("unknown attempt `{other}`");
            return ExitCode::from(2);
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Attempts that need raw system calls, through the probe module of the
/// simulator crate (which may use unsafe; this binary may not).
mod probe {
    pub fn ptrace(pid: &str) -> bool {
        tilekit_sim::probe::ptrace_attach(pid.parse().unwrap_or(0))
    }
    pub fn signal(pid: &str) -> bool {
        tilekit_sim::probe::signal(pid.parse().unwrap_or(0))
    }
    pub fn grow_fd() -> bool {
        tilekit_sim::probe::grow_fd()
    }
}
