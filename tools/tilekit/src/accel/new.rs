//! `tilekit accel new NAME [--dir DIR] [--tilekit-src PATH]`: generates an
//! out-of-tree crate for a new accelerator kind that builds and passes its
//! tests unchanged: the device model (a byte-XOR block with its own
//! registers, to be replaced by the real one), the driver and firmware
//! (the shim), the client side (the stage's spelling for apps and
//! `tilekit pipe`), its manifest, a board snippet with a tile of the new
//! kind, tests of the device through its registers and of the stage on
//! the simulated board, and a README.

use std::path::{Path, PathBuf};

use board_schema::manifest::Registry;

use crate::accel::templates;
use crate::exit::Exit;

/// Options of `tilekit accel new`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The kind's name (lowercase letters, digits, `-`): also its stage's.
    name: String,
    /// Where the crate goes (default: ./NAME); must not exist or be empty.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// The tilekit checkout the crate depends on (default: the one this
    /// tilekit was built from).
    #[arg(long, value_name = "PATH")]
    tilekit_src: Option<PathBuf>,
}

/// Generates the crate.
pub fn run(args: &Args) -> anyhow::Result<Exit> {
    let name = args.name.as_str();
    let ok = !name.is_empty()
        && name.len() <= 32
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok {
        eprintln!(
            "error: `{name}` is not a kind name: use 1 to 32 lowercase letters, digits and `-`, starting with a letter"
        );
        return Ok(Exit::Usage);
    }
    let registry = Registry::builtin();
    if registry.kinds.contains_key(name) || registry.stage(name).is_some() {
        eprintln!("error: `{name}` is a built-in kind or stage already; pick another name");
        return Ok(Exit::Usage);
    }
    let src = match &args.tilekit_src {
        Some(p) => p.clone(),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."),
    };
    let src = match src.canonicalize() {
        Ok(p) if p.join("accel-shims/controller/Cargo.toml").is_file() => p,
        _ => {
            eprintln!(
                "error: {} is not a tilekit checkout (no accel-shims/controller); give one with --tilekit-src",
                src.display()
            );
            return Ok(Exit::Failed);
        }
    };
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from(name));
    if dir.exists() && std::fs::read_dir(&dir).is_ok_and(|mut d| d.next().is_some()) {
        eprintln!(
            "error: {} exists and is not empty; give another --dir",
            dir.display()
        );
        return Ok(Exit::Failed);
    }
    let tilekit_bin = std::env::current_exe()?;
    let camel: String = name
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    let vars = templates::Vars {
        name,
        lib: &name.replace('-', "_"),
        camel: &camel,
        tilekit_src: &src.display().to_string(),
        tilekit_bin: &tilekit_bin.display().to_string(),
    };
    for (path, text) in templates::files(&vars) {
        let at = dir.join(&path);
        if let Some(parent) = at.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&at, text)?;
    }
    println!(
        "created {}: the `{name}` accelerator (device model, shim, client, tests, board snippet)\n\
         next:\n  cd {}\n  cargo build && cargo test        # the device, and the stage on the simulated board\n  \
         TILEKIT_ACCEL_PATH=$PWD tilekit pipe --board board.yaml --in IN --out OUT {name}:key=7",
        dir.display(),
        dir.display()
    );
    Ok(Exit::Success)
}
