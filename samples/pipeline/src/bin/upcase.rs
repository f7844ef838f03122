//! `upcase`: a filter that turns ASCII letters into capitals; every
//! other byte passes unchanged. Started by a pipeline (`tile-filters`).
#![forbid(unsafe_code)]

use tile_filters::filter;

fn main() {
    tile_runtime::run(|tile| {
        filter::run(tile, |job, input, output, _files| {
            if !job.params.trim().is_empty() {
                return Err(filter::Failure::params(format!(
                    "upcase takes no parameters, got `{}`",
                    job.params
                )));
            }
            let mut buf = vec![0u8; 64 << 10];
            loop {
                let n = input.read(&mut buf)?;
                if n == 0 {
                    return Ok(());
                }
                buf[..n].make_ascii_uppercase();
                output.write_all(&buf[..n])?;
            }
        })
    })
}
