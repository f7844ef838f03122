//! `shim-dsp`: the DSP tile's firmware (the simulator starts it when the
//! tile's activity starts): the DSP block behind the controller.
#![forbid(unsafe_code)]

fn main() {
    accel_controller::sim::run(
        dsp_model::device::DspDevice::new(),
        dsp_shim::DspDriver::default(),
    )
}
