//! `shim-hostile`: the hostile accelerator's firmware — rogue TCU commands
//! first, then the controller with the hostile device.
#![forbid(unsafe_code)]

fn main() {
    hostile_accel::rogue::attack();
    accel_controller::sim::run(
        hostile_accel::HostileDevice::default(),
        hostile_accel::HostileDriver::default(),
    )
}
