//! SHA-256 (FIPS 180-4) as a streaming engine.

use sha2::Digest;

/// A SHA-256 computation over chunks.
#[derive(Clone, Default)]
pub struct Sha256 {
    inner: sha2::Sha256,
    bytes: u64,
}

impl Sha256 {
    /// A new computation.
    pub fn new() -> Sha256 {
        Sha256::default()
    }

    /// Feeds `data`.
    pub fn update(&mut self, data: &[u8]) {
        self.inner.update(data);
        self.bytes += data.len() as u64;
    }

    /// Bytes fed so far.
    pub fn len(&self) -> u64 {
        self.bytes
    }

    /// Whether nothing was fed yet.
    pub fn is_empty(&self) -> bool {
        self.bytes == 0
    }

    /// The 32-byte digest.
    pub fn finish(self) -> [u8; 32] {
        self.inner.finalize().into()
    }
}
