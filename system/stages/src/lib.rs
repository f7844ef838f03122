//! The software stages' shared parts: reading a parameter's file, copying
//! through an engine in chunks.
//!
//! Each stage is a filter program (`tile_filters::filter::run`) on a core
//! tile: `sw-isp [black=N] [wb=R,G,B] [gamma=srgb|linear]`, `sw-aes-ctr
//! key=HEX|@FILE iv=HEX`, `sw-sha256`, `sw-fir taps=PATH`. They run the same engines as the accelerators' device
//! models (`isp-model`, `crypto-model`, `dsp-model`), so a stage gives the same bytes
//! on a core as on its accelerator.
#![forbid(unsafe_code)]

use std::io::{Read, Write};

use tile_files::{FileSession, flags};
use tile_filters::filter::Failure;

/// Bytes a stage moves per step.
pub const CHUNK: usize = 256 << 10;

/// The text of the file at `path` on the stage's session (keys, taps),
/// at most 1 MiB.
pub fn read_param_file(files: &FileSession<'_>, what: &str, path: &str) -> Result<String, Failure> {
    let mut f = files
        .open(path, flags::READ)
        .map_err(|e| Failure::params(format!("{what}: cannot open {path}: {e}")))?;
    let mut text = String::new();
    (&mut f)
        .take(1 << 20)
        .read_to_string(&mut text)
        .map_err(|e| Failure::params(format!("{what}: cannot read {path} as text: {e}")))?;
    Ok(text)
}

/// Reads `input` to its end in chunks, hands each to `step` (which
/// appends its output to the vector) and writes the output.
pub fn stream(
    input: &mut dyn Read,
    output: &mut dyn Write,
    mut step: impl FnMut(&[u8], &mut Vec<u8>),
) -> Result<(), Failure> {
    let mut buf = vec![0u8; CHUNK];
    let mut out = Vec::with_capacity(CHUNK + 16);
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        out.clear();
        step(&buf[..n], &mut out);
        output.write_all(&out)?;
    }
}
