//! The files `tilekit accel new` writes, with `{{name}}` (the kind),
//! `{{lib}}` (its crate's library name), `{{Camel}}` (the name for types),
//! `{{src}}` (the tilekit checkout)
//! and `{{tilekit}}` (the tilekit executable) filled in.

/// What the templates are filled with.
pub struct Vars<'a> {
    /// The kind's name.
    pub name: &'a str,
    /// The library's name (`-` as `_`).
    pub lib: &'a str,
    /// The name in CamelCase, for type names.
    pub camel: &'a str,
    /// The tilekit checkout, for path dependencies.
    pub tilekit_src: &'a str,
    /// The tilekit executable the board test runs (env `TILEKIT` overrides).
    pub tilekit_bin: &'a str,
}

/// Every file: its path in the crate and its text.
pub fn files(v: &Vars<'_>) -> Vec<(String, String)> {
    let fill = |t: &str| {
        t.replace("{{name}}", v.name)
            .replace("{{lib}}", v.lib)
            .replace("{{Camel}}", v.camel)
            .replace("{{src}}", v.tilekit_src)
            .replace("{{tilekit}}", v.tilekit_bin)
    };
    [
        ("Cargo.toml", CARGO),
        ("README.md", README),
        ("{{name}}.accel.yaml", MANIFEST),
        ("board.yaml", BOARD),
        ("src/lib.rs", LIB),
        ("src/device.rs", DEVICE),
        ("src/driver.rs", DRIVER),
        ("src/client.rs", CLIENT),
        ("src/main.rs", MAIN),
        ("tests/device.rs", TEST_DEVICE),
        ("tests/board.rs", TEST_BOARD),
        (".gitignore", "/target\n"),
    ]
    .iter()
    .map(|(p, t)| (fill(p), fill(t)))
    .collect()
}

const CARGO: &str = r#"[package]
name = "{{name}}-accel"
version = "0.1.0"
edition = "2024"
publish = false
description = "The {{name}} accelerator for tilekit: device model, shim (firmware `shim-{{name}}`), client."

[[bin]]
name = "shim-{{name}}"
path = "src/main.rs"

[dependencies]
accel-controller = { path = "{{src}}/accel-shims/controller", features = ["sim"] }
device-port = { path = "{{src}}/accel-shims/device-port" }
filter-proto = { path = "{{src}}/sdk/filter-proto" }

# A crate of its own, outside tilekit's workspace.
[workspace]
"#;

const MANIFEST: &str = r#"# Registers the `{{name}}` accelerator kind with tilekit: put this folder on
# TILEKIT_ACCEL_PATH (or copy the file into `accels/` beside tilekit).
tilekit_accel: 1
kind: {{name}}
description: The {{name}} block (generated; a byte-XOR example until the real device model replaces it)
# Relative to this file: the firmware `cargo build` makes.
firmware: target/debug/shim-{{name}}
stages:
  - name: {{name}}
    params: "key=0..255"
"#;

const BOARD: &str = r#"# A small board with one `{{name}}` tile, for `tilekit pipe --board board.yaml`.
# (Any board file may add the tile: `{ id: N, kind: accel, accel: {{name}}, spm: 256 KiB }`.)
tilekit_board: 1
name: {{name}}-board
description: Kernel, three cores, the {{name}} accelerator, memory and the host tile.
tiles:
  - { id: 0, kind: kernel, isa: host-native, eps: 128, dram: 64 MiB }
  - { id: 1, kind: core, label: system, isa: host-native, eps: 128, dram: 64 MiB }
  - { id: 2, kind: core, label: app, isa: host-native, eps: 128, dram: 64 MiB }
  - { id: 3, kind: core, isa: host-native, eps: 128, dram: 64 MiB }
  - { id: 4, kind: accel, label: {{name}}, accel: {{name}}, eps: 32, spm: 256 KiB }
  - { id: 5, kind: memory, size: 512 MiB }
  - { id: 6, kind: host, eps: 64 }
"#;

const LIB: &str = r#"//! The `{{name}}` accelerator for tilekit, in three parts:
//!
//! - [`device`]: the device model — the vendor's block with its own
//!   registers and a port onto the tile's local buffers; it knows nothing
//!   of TCUs. (Generated as a byte-XOR block: replace it with yours.)
//! - [`driver`]: the shim's kind-specific part — how the tile's controller
//!   (`accel-controller`) drives the registers; `src/main.rs` is the
//!   firmware the simulator starts on a `{{name}}` tile.
//! - [`client`]: how apps and `tilekit pipe` name the stage.
#![forbid(unsafe_code)]

pub mod client;
pub mod device;
pub mod driver;
"#;

const DEVICE: &str = r#"//! The `{{name}}` block's register interface, as its vendor documents it.
//!
//! | reg | name | access | meaning |
//! |---|---|---|---|
//! | 0 | `CTRL` | w | bit 0 START |
//! | 1 | `STATUS` | r | bit 0 BUSY, bit 1 DONE, bits 8–15 ERROR (1: outside the buffers) |
//! | 2 | `SRC` | rw | input offset in the local buffers |
//! | 3 | `DST` | rw | output offset |
//! | 4 | `LEN` | rw | bytes |
//! | 5 | `KEY` | rw | the byte every input byte is XORed with |
//! | 6 | `OUT_LEN` | r | bytes the last job wrote |

use device_port::{Buffers, Device};

/// Register indices.
pub mod reg {
    /// Control.
    pub const CTRL: u16 = 0;
    /// Status.
    pub const STATUS: u16 = 1;
    /// Input offset.
    pub const SRC: u16 = 2;
    /// Output offset.
    pub const DST: u16 = 3;
    /// Length.
    pub const LEN: u16 = 4;
    /// The key byte.
    pub const KEY: u16 = 5;
    /// Bytes written by the last job.
    pub const OUT_LEN: u16 = 6;
}

/// `STATUS` bits.
pub mod status {
    /// Busy.
    pub const BUSY: u64 = 1;
    /// Done.
    pub const DONE: u64 = 2;
    /// Where the error code starts.
    pub const ERROR_SHIFT: u32 = 8;
    /// Error: the job's buffers leave the local buffers.
    pub const RANGE: u64 = 1;
}

/// The block.
#[derive(Debug, Default)]
pub struct {{Camel}}Device {
    regs: [u64; 7],
}

impl Device for {{Camel}}Device {
    fn read(&mut self, reg: u16) -> u64 {
        self.regs.get(usize::from(reg)).copied().unwrap_or(0)
    }

    fn write(&mut self, reg: u16, value: u64) -> bool {
        if reg == reg::STATUS || reg == reg::OUT_LEN {
            return false; // read-only
        }
        if let Some(r) = self.regs.get_mut(usize::from(reg)) {
            *r = value;
        }
        reg == reg::CTRL && value & 1 == 1
    }

    fn run(&mut self, bufs: &dyn Buffers) {
        let r = self.regs;
        let (src, dst, key) = (r[2], r[3], r[5] as u8);
        let mut data = vec![0u8; usize::try_from(r[4]).unwrap_or(usize::MAX).min(1 << 30)];
        let ok = bufs.read(src, &mut data) && {
            data.iter_mut().for_each(|b| *b ^= key);
            bufs.write(dst, &data)
        };
        self.regs[usize::from(reg::OUT_LEN)] = if ok { data.len() as u64 } else { 0 };
        let error = if ok { 0 } else { status::RANGE << status::ERROR_SHIFT };
        self.regs[usize::from(reg::STATUS)] = status::DONE | error;
    }

    fn busy_status(&self) -> (u16, u64) {
        (reg::STATUS, status::BUSY)
    }
}
"#;

const DRIVER: &str = r#"//! How the tile's controller drives the `{{name}}` block: the stage's
//! parameters become register values, every buffer of input one job.

use accel_controller::{Driver, Failure, ParamFiles, Port, Step, check_status};
use filter_proto::Job;

use crate::device::{reg, status};

/// The words for an error code of `STATUS`.
fn describe(code: u64) -> &'static str {
    match code {
        status::RANGE => "a job's buffers leave the local buffers",
        _ => "an error code the block does not document",
    }
}

/// The driver.
#[derive(Debug, Default)]
pub struct {{Camel}}Driver {
    /// The input ended: no job runs.
    idle: bool,
}

impl Driver for {{Camel}}Driver {
    fn setup(&mut self, port: &dyn Port, job: &Job<'_>, _files: &dyn ParamFiles) -> Result<(), Failure> {
        if job.param("op") != Some("{{name}}") {
            return Err(Failure::params("the {{name}} tile runs op={{name}}"));
        }
        let key = match job.param("key") {
            None => 0,
            Some(k) => k
                .parse::<u8>()
                .map_err(|_| Failure::params(format!("{{name}}: key={k} is not 0..255")))?,
        };
        port.write(reg::KEY, u64::from(key));
        Ok(())
    }

    fn start(
        &mut self,
        port: &dyn Port,
        src: u64,
        len: u64,
        _cap: u64,
        dst: u64,
        room: u64,
    ) -> Result<(), Failure> {
        self.idle = len == 0;
        if self.idle {
            return Ok(());
        }
        if len > room {
            return Err(Failure::device("a job larger than its output room"));
        }
        port.write(reg::SRC, src);
        port.write(reg::DST, dst);
        port.write(reg::LEN, len);
        port.write(reg::CTRL, 1);
        Ok(())
    }

    fn step(&mut self, port: &dyn Port) -> Result<Step, Failure> {
        if self.idle {
            return Ok(Step::Done(0));
        }
        let st = port.read(reg::STATUS);
        check_status("{{name}}", st, status::ERROR_SHIFT, status::DONE, describe)?;
        Ok(Step::Done(port.read(reg::OUT_LEN)))
    }

    fn more(&mut self, _: &dyn Port, _: u64, _: u64) -> Result<(), Failure> {
        Err(Failure::device("the {{name}} block has no further output"))
    }
}
"#;

const CLIENT: &str = r#"//! The client side: how apps name the `{{name}}` stage. The SDK does the
//! rest (`tile_filters::Pipeline::accel_stage` connects the tile).

/// The stage for `tilekit pipe`: `{{name}}:key=K`.
pub fn stage(key: u8) -> String {
    format!("{{name}}:key={key}")
}

/// The stage for the `pipeline` app or a board file: `accel:{{name}} key=K`.
pub fn pipeline_stage(key: u8) -> String {
    format!("accel:{{name}} key={key}")
}

/// What the stage makes of `data` (the reference the tests compare with).
pub fn reference(key: u8, data: &[u8]) -> Vec<u8> {
    data.iter().map(|b| b ^ key).collect()
}
"#;

const MAIN: &str = r#"//! `shim-{{name}}`: the `{{name}}` tile's firmware — the simulator starts it
//! when the tile's activity starts: the device behind the controller.
#![forbid(unsafe_code)]

fn main() {
    accel_controller::sim::run(
        {{lib}}_accel::device::{{Camel}}Device::default(),
        {{lib}}_accel::driver::{{Camel}}Driver::default(),
    )
}
"#;

const TEST_DEVICE: &str = r#"//! The block through its registers, without a board.

use device_port::{Buffers, Runner, VecBuffers};
use std::sync::Arc;
use {{lib}}_accel::device::{reg, status, {{Camel}}Device};

#[test]
fn a_job_xors_its_buffer_and_a_job_outside_the_buffers_fails() {
    let bufs = Arc::new(VecBuffers::new(4096));
    let data: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
    assert!(bufs.write(0, &data));
    let dev = Runner::new({{Camel}}Device::default(), bufs.clone());
    for (r, v) in [(reg::SRC, 0), (reg::DST, 2048), (reg::LEN, 1000), (reg::KEY, 0x5A)] {
        dev.write(r, v);
    }
    dev.write(reg::CTRL, 1);
    dev.wait_idle();
    assert_eq!(dev.read(reg::STATUS), status::DONE);
    assert_eq!(dev.read(reg::OUT_LEN), 1000);
    let mut out = vec![0u8; 1000];
    assert!(bufs.read(2048, &mut out));
    assert_eq!(out, {{lib}}_accel::client::reference(0x5A, &data));
    dev.write(reg::DST, 4000);
    dev.write(reg::CTRL, 1);
    dev.wait_idle();
    assert_eq!(dev.read(reg::STATUS) >> status::ERROR_SHIFT, status::RANGE);
}
"#;

const TEST_BOARD: &str = r#"//! The stage on the simulated board: `tilekit pipe` with this crate's
//! manifest on `TILEKIT_ACCEL_PATH` runs it on the `{{name}}` tile of
//! `board.yaml`. (`TILEKIT` names the tilekit to use; by default the one
//! that generated this crate.)

use std::path::Path;
use std::process::Command;

fn tilekit() -> String {
    std::env::var("TILEKIT").unwrap_or_else(|_| "{{tilekit}}".into())
}

#[test]
fn the_stage_runs_on_its_tile_and_equals_the_reference() {
    let dir = std::env::temp_dir().join(format!("{{name}}-accel-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The manifest, pointing at the firmware this build made.
    std::fs::write(
        dir.join("{{name}}.accel.yaml"),
        format!(
            "tilekit_accel: 1\nkind: {{name}}\nfirmware: {}\nstages:\n  - name: {{name}}\n",
            env!("CARGO_BIN_EXE_shim-{{name}}")
        ),
    )
    .unwrap();
    let input = dir.join("in.bin");
    let data: Vec<u8> = (0..300_001u32).map(|i| (i * 31 + i / 777) as u8).collect();
    std::fs::write(&input, &data).unwrap();
    let output = dir.join("out.bin");
    let board = Path::new(env!("CARGO_MANIFEST_DIR")).join("board.yaml");
    let out = Command::new(tilekit())
        .arg("pipe")
        .arg("--json")
        .arg("--board")
        .arg(&board)
        .arg("--in")
        .arg(&input)
        .arg("--out")
        .arg(&output)
        .arg({{lib}}_accel::client::stage(0xA5))
        .env("TILEKIT_ACCEL_PATH", &dir)
        .output()
        .expect("tilekit runs (set TILEKIT to its path)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("\"mode\": \"accelerator\""), "{stdout}");
    assert!(std::fs::read(&output).unwrap() == {{lib}}_accel::client::reference(0xA5, &data));
    std::fs::remove_dir_all(&dir).unwrap();
}
"#;

const README: &str = r#"# The `{{name}}` accelerator for tilekit

Generated by `tilekit accel new {{name}}`. It builds and its tests pass as generated; then make it
yours:

| file | what it is |
|---|---|
| `src/device.rs` | the **device model**: the vendor's block — registers and a port onto the tile's local buffers, no TCU. Generated as a byte-XOR block: replace it with your block's behavioural model (or its RTL simulation) |
| `src/driver.rs` | the **shim**'s part for this kind: how the tile's controller (`accel-controller`) drives your registers — parameters in `setup`, one job per buffer in `start`/`step` |
| `src/main.rs` | the tile's **firmware** (`shim-{{name}}`): controller + device + driver |
| `src/client.rs` | the **client** side: how apps and `tilekit pipe` name the stage |
| `{{name}}.accel.yaml` | the **manifest** registering the kind and its stage with tilekit |
| `board.yaml` | a board with a `{{name}}` tile |
| `tests/device.rs` | the device through its registers |
| `tests/board.rs` | the stage on the simulated board through `tilekit pipe` |

```sh
cargo build && cargo test
TILEKIT_ACCEL_PATH=$PWD tilekit board check board.yaml
TILEKIT_ACCEL_PATH=$PWD tilekit pipe --board board.yaml --in IN --out OUT {{name}}:key=7
```

The guide: `docs/porting.md` in the tilekit checkout ({{src}}).
"#;
