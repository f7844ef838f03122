//! `sw-fir taps=PATH`: the Q15 FIR filter over 16-bit little-endian mono
//! PCM (raw, or a WAV of that format: its header is skipped), taps from a
//! file of whitespace-separated integers on the board. Output: raw PCM as
//! long as the input.
#![forbid(unsafe_code)]

use dsp_model::wav::{Start, detect};
use dsp_model::{Fir, taps};
use software_stages::read_param_file;
use tile_filters::filter::{self, Failure};

fn main() {
    tile_runtime::run(|tile| {
        filter::run(tile, |job, input, output, files| {
            let path = job
                .param("taps")
                .ok_or_else(|| Failure::params("fir needs taps=PATH (a file of Q15 integers)"))?;
            let text = read_param_file(files, "taps", path)?;
            let taps = taps::parse(&text).map_err(|e| Failure::params(format!("{path}: {e}")))?;
            let mut fir = Fir::new(taps);
            // Look at the start for a WAV header.
            let mut head = Vec::new();
            let mut buf = vec![0u8; software_stages::CHUNK];
            // (skip, data bytes): a WAV's data chunk may be followed by
            // other chunks, which are not samples.
            let (skip, mut left) = loop {
                let n = input.read(&mut buf)?;
                head.extend_from_slice(&buf[..n]);
                match detect(&head, n == 0).map_err(|e| Failure::input(e.to_string()))? {
                    Start::NeedMore => continue,
                    Start::Raw => break (0, u64::MAX),
                    Start::Wav { data_at, data_len } => break (data_at, data_len),
                }
            };
            let mut take = |chunk: &[u8]| {
                let n = chunk.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                left -= n as u64;
                n
            };
            let first = head.get(skip..).unwrap_or_default();
            let mut out = Vec::new();
            fir.bytes(&first[..take(first)], &mut out);
            output.write_all(&out)?;
            software_stages::stream(input, output, |chunk, out| {
                let n = take(chunk);
                fir.bytes(&chunk[..n], out);
            })?;
            if fir.has_odd_byte() {
                return Err(Failure::input(
                    "the input ends in the middle of a sample: 16-bit PCM has an even length",
                ));
            }
            Ok(())
        })
    })
}
