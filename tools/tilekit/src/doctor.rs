//! `tilekit doctor`: a preflight of what this machine offers the
//! simulator and the PCIe backend, with the fix for each gap.
//!
//! Each check says `ok`, `missing` (something tilekit needs for that use)
//! or `note`; `--json` prints them for scripts. The exit code is 0 when
//! nothing is missing that the simulated board needs, 3 otherwise.

use std::path::Path;

use serde_json::json;

use crate::exit::Exit;

/// Options of `tilekit doctor`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print the checks as JSON.
    #[arg(long)]
    json: bool,
}

/// One finding.
struct Check {
    name: &'static str,
    /// ok, missing, note.
    state: &'static str,
    detail: String,
    fix: String,
    /// The simulated board cannot work without it.
    needed: bool,
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
}

fn checks() -> Vec<Check> {
    let mut out = Vec::new();
    // /dev/shm: windows of served boards and every tile's memory live there.
    let shm = Path::new("/dev/shm");
    let shm_ok = shm.is_dir()
        && tempfile::Builder::new()
            .prefix("tilekit-doctor")
            .tempfile_in(shm)
            .is_ok();
    out.push(Check {
        name: "/dev/shm",
        state: if shm_ok { "ok" } else { "missing" },
        detail: if shm_ok {
            "writable: served boards' windows can live there".into()
        } else {
            "not a writable directory".into()
        },
        fix:
            "mount a tmpfs there: `sudo mount -t tmpfs tmpfs /dev/shm` (containers: --shm-size=1g)"
                .into(),
        needed: false,
    });
    // seccomp: the sandbox filters every tile's system calls.
    let status = read("/proc/self/status").unwrap_or_default();
    let seccomp = status.lines().any(|l| l.starts_with("Seccomp:"));
    out.push(Check {
        name: "seccomp",
        state: if seccomp { "ok" } else { "missing" },
        detail: if seccomp {
            "the kernel filters system calls: tiles run sandboxed".into()
        } else {
            "this kernel reports no seccomp: tiles cannot be sandboxed".into()
        },
        fix: "use a kernel built with CONFIG_SECCOMP_FILTER, or run with --insecure (tiles then reach your files)".into(),
        needed: true,
    });
    // Landlock: tiles see no files.
    let lsm = read("/sys/kernel/security/lsm").unwrap_or_default();
    let landlock = lsm.split(',').any(|m| m == "landlock");
    out.push(Check {
        name: "landlock",
        state: if landlock { "ok" } else { "note" },
        detail: if landlock {
            "active: tiles see no files".into()
        } else if lsm.is_empty() {
            "cannot tell (no /sys/kernel/security/lsm): tiles rely on seccomp alone for files".into()
        } else {
            format!("not among the active security modules ({lsm}): tiles rely on seccomp alone for files")
        },
        fix: "boot with `lsm=landlock,…` on the kernel command line (Linux ≥ 5.13)".into(),
        needed: false,
    });
    // User namespaces (used by the sandbox where available).
    let userns = read("/proc/sys/user/max_user_namespaces")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let unpriv = read("/proc/sys/kernel/unprivileged_userns_clone").is_none_or(|v| v == "1");
    let userns_ok = userns > 0 && unpriv;
    out.push(Check {
        name: "user namespaces",
        state: if userns_ok { "ok" } else { "note" },
        detail: if userns_ok {
            format!("available (max {userns})")
        } else {
            "not available to unprivileged users".into()
        },
        fix: "`sudo sysctl -w user.max_user_namespaces=15000` (and kernel.unprivileged_userns_clone=1 where it exists)".into(),
        needed: false,
    });
    // VFIO for PCIe boards.
    let vfio = Path::new("/dev/vfio/vfio");
    let groups: Vec<String> = std::fs::read_dir("/dev/vfio")
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != "vfio")
                .collect()
        })
        .unwrap_or_default();
    let writable = |p: &Path| {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(p)
            .is_ok()
    };
    let (state, detail) = if !vfio.exists() {
        (
            "note",
            "no /dev/vfio/vfio: PCIe boards only through sysfs (`resourceN`)".to_owned(),
        )
    } else if !writable(vfio) {
        (
            "note",
            "/dev/vfio/vfio is not writable by this user".to_owned(),
        )
    } else if groups.is_empty() {
        (
            "note",
            "VFIO is there but no device is bound to vfio-pci".to_owned(),
        )
    } else {
        let denied: Vec<&String> = groups
            .iter()
            .filter(|g| !writable(&Path::new("/dev/vfio").join(g)))
            .collect();
        if denied.is_empty() {
            ("ok", format!("groups {} usable", groups.join(", ")))
        } else {
            (
                "note",
                format!(
                    "groups not writable: {}",
                    denied
                        .iter()
                        .map(|g| g.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        }
    };
    out.push(Check {
        name: "vfio",
        state,
        detail,
        fix: "`sudo modprobe vfio-pci`, bind the board (`echo VENDOR DEVICE | sudo tee /sys/bus/pci/drivers/vfio-pci/new_id`) and give your user the group file: `sudo chown $USER /dev/vfio/N`".into(),
        needed: false,
    });
    out
}

/// Runs the checks.
pub fn run(args: &Args) -> Exit {
    let all = checks();
    if args.json {
        let v: Vec<_> = all
            .iter()
            .map(|c| json!({"check": c.name, "state": c.state, "detail": c.detail, "fix": c.fix, "needed": c.needed}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        for c in &all {
            println!("{:<16} {:<8} {}", c.name, c.state, c.detail);
            if c.state != "ok" {
                println!("{:<16} {:<8} fix: {}", "", "", c.fix);
            }
        }
    }
    if all.iter().any(|c| c.needed && c.state == "missing") {
        Exit::Unavailable
    } else {
        Exit::Success
    }
}
