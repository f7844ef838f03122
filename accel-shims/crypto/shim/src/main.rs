//! `shim-crypto`: the crypto tile's firmware (the simulator starts it when
//! the tile's activity starts): the crypto block behind the controller.
#![forbid(unsafe_code)]

fn main() {
    accel_controller::sim::run(
        crypto_model::device::CryptoDevice::new(),
        crypto_shim::CryptoDriver::default(),
    )
}
