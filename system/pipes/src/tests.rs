//! A writer and a reader moving bytes through a small ring in turns, with
//! the chunk sizes the file-protocol tests use.

extern crate std;

use alloc::vec;
use alloc::vec::Vec;

use proptest::prelude::*;

use super::*;

fn bytes(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(151).wrapping_add((i >> 9) as u8))
        .collect()
}

/// Moves `data` from a writer to a reader through a ring of `size`, each
/// using at most `wchunk`/`rchunk` bytes of a piece, alternating `steps`
/// operations per side; returns what the reader got.
fn transfer(data: &[u8], size: u64, wchunk: usize, rchunk: usize, steps: usize) -> Vec<u8> {
    let mut p = Pipe::new(size);
    let mut ring = vec![0u8; size as usize];
    let (r, w) = (p.open_reader(), p.open_writer());
    let (mut sent, mut got) = (0, Vec::new());
    let mut writer_open = true;
    loop {
        for _ in 0..steps {
            if !writer_open {
                break;
            }
            if sent == data.len() {
                p.close(w).unwrap();
                writer_open = false;
                break;
            }
            match p.next_out(w).unwrap() {
                Step::Go(pc) => {
                    let n = (pc.len as usize).min(wchunk).min(data.len() - sent);
                    ring[pc.at as usize..pc.at as usize + n].copy_from_slice(&data[sent..sent + n]);
                    sent += n;
                    p.commit(w, n as u64).unwrap();
                }
                Step::Wait => break,
                Step::Eof => unreachable!("writers see no EOF"),
            }
        }
        for _ in 0..steps {
            match p.next_in(r).unwrap() {
                Step::Go(pc) => {
                    let n = (pc.len as usize).min(rchunk);
                    got.extend_from_slice(&ring[pc.at as usize..pc.at as usize + n]);
                    p.commit(r, n as u64).unwrap();
                }
                Step::Wait => break,
                Step::Eof => return got,
            }
        }
    }
}

#[test]
fn bytes_arrive_intact_with_odd_chunks_and_ring_sizes() {
    let data = bytes(1 << 20);
    for (wc, rc) in [(1, 17), (15, 1), (17, 4095), (4095, 65537), (65537, 15)] {
        for size in [4096, 65536 + 3] {
            let got = transfer(&data, size, wc, rc, 3);
            assert!(
                got == data,
                "chunks {wc}/{rc}, ring {size}: {} of {} bytes",
                got.len(),
                data.len()
            );
        }
    }
}

#[test]
fn empty_full_eof_and_broken() {
    let mut p = Pipe::new(8);
    let early = p.open_writer();
    assert_eq!(
        p.next_out(early),
        Ok(Step::Wait),
        "no reader yet: wait, not broken"
    );
    p.close(early).unwrap();
    let mut p = Pipe::new(8);
    let r = p.open_reader();
    assert_eq!(p.next_in(r), Ok(Step::Wait), "no writer yet: wait, not EOF");
    let w = p.open_writer();
    assert_eq!(p.next_out(w), Ok(Step::Go(Piece { at: 0, len: 8 })));
    assert_eq!(
        p.next_out(w),
        Ok(Step::Wait),
        "full: the previous piece was committed in full"
    );
    assert_eq!(p.next_in(r), Ok(Step::Go(Piece { at: 0, len: 8 })));
    p.commit(r, 3).unwrap();
    assert_eq!(
        p.next_out(w),
        Ok(Step::Go(Piece { at: 0, len: 3 })),
        "wraps"
    );
    p.commit(w, 1).unwrap();
    assert_eq!(p.commit(w, 1), Err(Error::InvArgs), "nothing pending");
    assert_eq!(p.next_in(w), Err(Error::NoPerm), "a writer does not read");
    assert_eq!(p.next_out(r), Err(Error::NoPerm));
    p.close(w).unwrap();
    assert_eq!(p.next_in(r), Ok(Step::Go(Piece { at: 3, len: 5 })));
    assert_eq!(p.next_in(r), Ok(Step::Go(Piece { at: 0, len: 1 })));
    assert_eq!(p.next_in(r), Ok(Step::Eof), "empty and the writer is gone");
    let w2 = p.open_writer();
    p.close(r).unwrap();
    assert_eq!(p.next_out(w2), Err(Error::Broken), "no reader left");
    p.close(w2).unwrap();
    assert!(p.is_unused());
    assert_eq!(p.next_in(99), Err(Error::InvArgs));
}

#[test]
fn one_piece_per_direction_at_a_time() {
    let mut p = Pipe::new(16);
    let r = p.open_reader();
    let (w1, w2) = (p.open_writer(), p.open_writer());
    assert!(matches!(p.next_out(w1), Ok(Step::Go(_))));
    assert_eq!(p.next_out(w2), Ok(Step::Wait), "w1 holds a piece");
    p.commit(w1, 4).unwrap();
    assert_eq!(p.next_out(w2), Ok(Step::Go(Piece { at: 4, len: 12 })));
    assert_eq!(p.next_in(r), Ok(Step::Go(Piece { at: 0, len: 4 })));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn any_interleaving_delivers_every_byte_in_order(
        len in 0usize..50_000,
        size in 1u64..5000,
        wc in 1usize..3000,
        rc in 1usize..3000,
        steps in 1usize..5,
    ) {
        let data = bytes(len);
        prop_assert_eq!(transfer(&data, size, wc, rc, steps), data);
    }
}
