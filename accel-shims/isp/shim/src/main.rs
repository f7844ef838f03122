//! `shim-isp`: the ISP tile's firmware (the simulator starts it when the
//! tile's activity starts): the ISP block behind the controller.
#![forbid(unsafe_code)]

fn main() {
    accel_controller::sim::run(
        isp_model::device::IspDevice::new(),
        isp_shim::IspDriver::default(),
    )
}
