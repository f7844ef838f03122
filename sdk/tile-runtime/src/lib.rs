//! `tile-runtime`: what every tile program starts with.
//!
//! ```no_run
//! // In a tile program's `main`:
//! tile_runtime::run(|tile| {
//!     tile.print("hello from my tile\n");
//!     0 // the exit code the host sees
//! })
//! ```
//!
//! [`run`] attaches the platform (today: a simulated core, whose glue is in
//! [`sim`]), hands the program a [`Tile`] — its TCU, its local memory, its
//! arguments — and exits with the program's code. Tile programs know only
//! their TCU: nothing here depends on the simulator, so the same program
//! logic runs on an FPGA core once its platform glue exists.
#![deny(unsafe_code)]

#[allow(unsafe_code)]
pub mod sim;

use tcu_mmio::regs::Layout;
use tcu_mmio::{LocalAddr, Tcu};

pub use tcu_mmio;
pub use tile_sim_abi as sim_abi;

/// A running tile program's view of its tile.
#[derive(Debug)]
pub struct Tile {
    tcu: Tcu<sim::SimRegs>,
    name: String,
    args: Vec<String>,
}

impl Tile {
    /// Attaches to the simulated platform.
    pub fn attach() -> Result<Self, sim::AttachError> {
        let mapping = sim::Mapping::attach()?;
        // `run --stop-at-entry`: wait here, before anything of the
        // program runs, until the debugger is attached and the host lets
        // the tile go.
        while mapping.load(tile_sim_abi::HOLD_AT_ENTRY) != 0 {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let regs = sim::SimRegs::new(mapping);
        let layout = Layout::new(regs.eps())
            .map_err(|e| sim::AttachError(format!("bad endpoint count from the board: {e}")))?;
        Ok(Self {
            tcu: Tcu::new(regs, layout),
            name: std::env::var(tile_sim_abi::ENV_TILE).unwrap_or_else(|_| "tile".into()),
            args: std::env::args().skip(1).collect(),
        })
    }

    /// The tile's TCU.
    pub fn tcu(&self) -> &Tcu<sim::SimRegs> {
        &self.tcu
    }

    /// The tile's name (e.g. `C0T03`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The program's arguments (without the program name).
    pub fn args(&self) -> &[String] {
        &self.args
    }

    /// Prints text through the TCU's PRINT register (the host collects it).
    pub fn print(&self, text: &str) {
        self.tcu.print(text.as_bytes());
    }

    /// Size of local memory in bytes.
    pub fn mem_size(&self) -> u64 {
        self.mapping().mem_size()
    }

    /// Copies `data` to local memory at `addr`; false outside it.
    pub fn write_mem(&self, addr: LocalAddr, data: &[u8]) -> bool {
        self.mapping().mem_write(addr.0, data)
    }

    /// Copies local memory at `addr` into `buf`; false outside it.
    pub fn read_mem(&self, addr: LocalAddr, buf: &mut [u8]) -> bool {
        self.mapping().mem_read(addr.0, buf)
    }

    fn mapping(&self) -> &sim::Mapping {
        self.tcu.regs().mapping()
    }
}

/// Where the runtime assembles the exit message (its own area of local
/// memory, below `kif::eps::RUNTIME_AREA_END`).
const EXIT_MSG: u64 = kif::eps::EXIT_MSG_BUF;

/// If the kernel started this tile (its syscall endpoint leads to the
/// kernel), sends the `Exit` syscall: the kernel releases the activity's
/// capabilities, so peers get errors instead of waiting. No reply comes.
pub(crate) fn tell_the_kernel(tile: &Tile, code: i32) {
    use tcu_mmio::ep::EpConfig;
    let to_kernel = matches!(
        tile.tcu().ep_config(kif::eps::SYSCALL_SEND),
        Ok(EpConfig::Send(s)) if s.target_ep == kif::eps::KERNEL_SYSCALL
    );
    if !to_kernel {
        return;
    }
    let words = kif::syscall::msg::Exit {
        code: code as u32 as u64,
    }
    .encode();
    let mut bytes = [0u8; 16];
    kif::syscall::words_to_bytes(&words, &mut bytes);
    if tile.write_mem(LocalAddr(EXIT_MSG), &bytes) {
        let _ = tile.tcu().send(
            kif::eps::SYSCALL_SEND,
            LocalAddr(EXIT_MSG),
            bytes.len() as u64,
            tcu_mmio::EpId::INVALID,
            tcu_mmio::Label(0),
        );
    }
}

/// Runs a tile program: attaches, calls `main`, exits with its code.
/// Without a board (run directly from a shell) it says so and exits 125.
pub fn run(main: impl FnOnce(&Tile) -> i32) -> ! {
    // Reference the image note so the linker keeps it in every tile program.
    std::hint::black_box(&sim::IMAGE_NOTE);
    match Tile::attach() {
        Ok(tile) => {
            // A crash still tells the kernel (as M3's multiplexer would):
            // a fatal signal through the handler, a panic here.
            sim::on_crash(&tile);
            let code = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| main(&tile)))
            {
                Ok(code) => code,
                Err(payload) => {
                    let what = payload
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "(no message)".into());
                    tile.print(&format!("tile-runtime: the program panicked: {what}\n"));
                    101
                }
            };
            sim::on_crash_clear();
            tell_the_kernel(&tile, code);
            std::process::exit(code)
        }
        Err(e) => {
            eprintln!("tile-runtime: {e}");
            std::process::exit(125)
        }
    }
}
