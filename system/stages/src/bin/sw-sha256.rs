//! `sw-sha256`: the SHA-256 digest of the input (32 bytes out).
#![forbid(unsafe_code)]

use crypto_model::Sha256;
use tile_filters::filter::{self, Failure};

fn main() {
    tile_runtime::run(|tile| {
        filter::run(tile, |job, input, output, _files| {
            if !job.params.trim().is_empty() {
                return Err(Failure::params(format!(
                    "sha256 takes no parameters, got `{}`",
                    job.params
                )));
            }
            let mut sha = Sha256::new();
            software_stages::stream(input, output, |chunk, _| sha.update(chunk))?;
            output.write_all(&sha.finish())?;
            Ok(())
        })
    })
}
