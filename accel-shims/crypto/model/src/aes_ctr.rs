//! AES-CTR per NIST SP 800-38A.

use aes::cipher::{BlockCipherEncrypt, KeyInit};

/// Why a key is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyError(pub usize);

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "an AES key has 16 bytes (AES-128) or 32 bytes (AES-256), not {}",
            self.0
        )
    }
}

impl std::error::Error for KeyError {}

enum Cipher {
    Aes128(Box<aes::Aes128>),
    Aes256(Box<aes::Aes256>),
}

/// A CTR keystream: XORs data with AES(counter), AES(counter + 1), …
pub struct AesCtr {
    cipher: Cipher,
    /// The counter block of the next keystream block.
    counter: u128,
    /// The current keystream block and how much of it is used (16: none
    /// left).
    block: [u8; 16],
    used: usize,
}

impl AesCtr {
    /// AES-128 (16-byte key) or AES-256 (32-byte key) from the initial
    /// counter block `iv`.
    pub fn new(key: &[u8], iv: [u8; 16]) -> Result<AesCtr, KeyError> {
        let cipher = match key.len() {
            16 => Cipher::Aes128(Box::new(
                aes::Aes128::new_from_slice(key).map_err(|_| KeyError(16))?,
            )),
            32 => Cipher::Aes256(Box::new(
                aes::Aes256::new_from_slice(key).map_err(|_| KeyError(32))?,
            )),
            n => return Err(KeyError(n)),
        };
        Ok(AesCtr {
            cipher,
            counter: u128::from_be_bytes(iv),
            block: [0; 16],
            used: 16,
        })
    }

    /// The key size in bits.
    pub fn key_bits(&self) -> u32 {
        match self.cipher {
            Cipher::Aes128(_) => 128,
            Cipher::Aes256(_) => 256,
        }
    }

    /// The counter block the next keystream block comes from.
    pub fn counter(&self) -> [u8; 16] {
        self.counter.to_be_bytes()
    }

    fn next_block(&mut self) {
        let mut b = aes::Block::from(self.counter.to_be_bytes());
        match &self.cipher {
            Cipher::Aes128(c) => c.encrypt_block(&mut b),
            Cipher::Aes256(c) => c.encrypt_block(&mut b),
        }
        self.block.copy_from_slice(&b);
        self.used = 0;
        // The whole block is the counter; it wraps at 2^128.
        self.counter = self.counter.wrapping_add(1);
    }

    /// Encrypts (or decrypts: the same) `data` in place, continuing the
    /// keystream where the last call left it.
    pub fn apply(&mut self, data: &mut [u8]) {
        let mut rest = data;
        // The rest of a block an earlier chunk began.
        while self.used < 16 && !rest.is_empty() {
            rest[0] ^= self.block[self.used];
            self.used += 1;
            rest = &mut rest[1..];
        }
        let mut blocks = rest.chunks_exact_mut(16);
        for chunk in &mut blocks {
            self.next_block();
            for (d, k) in chunk.iter_mut().zip(self.block) {
                *d ^= k;
            }
            self.used = 16;
        }
        let tail = blocks.into_remainder();
        if !tail.is_empty() {
            self.next_block();
            for (d, k) in tail.iter_mut().zip(self.block) {
                *d ^= k;
            }
            self.used = tail.len();
        }
    }
}
