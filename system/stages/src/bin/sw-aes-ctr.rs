//! `sw-aes-ctr key=HEX|@FILE iv=HEX`: AES-128 or AES-256 in CTR mode (by
//! the key's length: 32 or 64 hex digits), as `openssl enc -aes-128-ctr
//! -K KEY -iv IV` computes it. `@FILE` reads the key's hex from a file on
//! the board. Encrypting and decrypting are the same.
#![forbid(unsafe_code)]

use crypto_model::{AesCtr, hex};
use software_stages::{read_param_file, stream};
use tile_filters::filter::{self, Failure};

fn main() {
    tile_runtime::run(|tile| {
        filter::run(tile, |job, input, output, files| {
            let key = match job.param("key") {
                Some(k) if k.starts_with('@') => read_param_file(files, "key", &k[1..])?,
                Some(k) => k.to_owned(),
                None => {
                    return Err(Failure::params(
                        "aes-ctr needs key=HEX (or key=@FILE) and iv=HEX",
                    ));
                }
            };
            let key = hex::key(&key).map_err(|e| Failure::params(format!("aes-ctr key: {e}")))?;
            let iv = job
                .param("iv")
                .ok_or_else(|| Failure::params("aes-ctr needs iv=HEX (32 hex digits)"))?;
            let iv = hex::iv(iv).map_err(|e| Failure::params(format!("aes-ctr iv: {e}")))?;
            let mut engine =
                AesCtr::new(&key, iv).map_err(|e| Failure::params(format!("aes-ctr: {e}")))?;
            stream(input, output, |chunk, out| {
                out.extend_from_slice(chunk);
                engine.apply(out);
            })
        })
    })
}
