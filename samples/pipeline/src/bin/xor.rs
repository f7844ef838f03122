//! `xor key=N`: a filter that XORs every byte with N (0..=255, decimal or
//! 0x hex). Started by a pipeline (`tile-filters`).
#![forbid(unsafe_code)]

use tile_filters::filter::{self, Failure};

/// The key from `key=N`.
fn key(param: Option<&str>) -> Result<u8, Failure> {
    let v = param.ok_or_else(|| Failure::params("xor needs `key=N` (0..=255)"))?;
    let parsed = match v.strip_prefix("0x") {
        Some(hex) => u8::from_str_radix(hex, 16),
        None => v.parse(),
    };
    parsed.map_err(|_| Failure::params(format!("xor: `key={v}` is not a number 0..=255")))
}

fn main() {
    tile_runtime::run(|tile| {
        filter::run(tile, |job, input, output, _files| {
            let k = key(job.param("key"))?;
            let mut buf = vec![0u8; 64 << 10];
            loop {
                let n = input.read(&mut buf)?;
                if n == 0 {
                    return Ok(());
                }
                buf[..n].iter_mut().for_each(|b| *b ^= k);
                output.write_all(&buf[..n])?;
            }
        })
    })
}
