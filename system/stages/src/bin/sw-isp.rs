//! `sw-isp [black=N] [wb=R,G,B] [gamma=srgb|linear]`: a Bayer RGGB raw
//! frame (PGM P5, 8- or 16-bit) to an 8-bit RGB PPM, as the ISP
//! accelerator computes it (`isp-model`).
#![forbid(unsafe_code)]

use isp_model::{Isp, Params};
use tile_filters::filter::{self, Failure};

fn main() {
    tile_runtime::run(|tile| {
        filter::run(tile, |job, input, output, _files| {
            let params = Params::parse(job.params).map_err(Failure::params)?;
            let mut isp = Isp::new(params);
            let mut failed = None;
            software_stages::stream(input, output, |chunk, out| {
                if failed.is_none()
                    && let Err(e) = isp.push(chunk, out)
                {
                    failed = Some(e);
                }
            })?;
            if let Some(e) = failed {
                return Err(Failure::input(e.to_string()));
            }
            let mut tail = Vec::new();
            isp.finish(&mut tail)
                .map_err(|e| Failure::input(e.to_string()))?;
            output.write_all(&tail)?;
            Ok(())
        })
    })
}
