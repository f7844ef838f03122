//! The file system driven the way a client drives it: bytes copied into
//! and out of a simulated region at the pieces it hands out, against a
//! reference map of paths to contents.

extern crate std;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use proptest::prelude::*;

use super::*;

/// A file system with its region's bytes.
struct Fs {
    fs: MemFs,
    region: Vec<u8>,
}

impl Fs {
    fn new(size: u64) -> Self {
        Self {
            fs: MemFs::new(size),
            region: vec![0; size as usize],
        }
    }

    /// Writes `data` to `fd` in chunks of at most `chunk` bytes per piece
    /// use, committing partial pieces.
    fn write(&mut self, fd: u64, data: &[u8], chunk: usize) -> Result<(), Error> {
        let mut done = 0;
        while done < data.len() {
            let p = self.fs.next_out(fd)?;
            assert!(p.len > 0);
            let n = (p.len as usize).min(data.len() - done).min(chunk);
            let at = p.at as usize;
            self.region[at..at + n].copy_from_slice(&data[done..done + n]);
            done += n;
            if (n as u64) < p.len {
                self.fs.commit(fd, n as u64)?;
            }
        }
        Ok(())
    }

    /// Reads `fd` to its end, using at most `chunk` bytes of each piece.
    fn read(&mut self, fd: u64, chunk: usize) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        loop {
            let p = self.fs.next_in(fd)?;
            if p.len == 0 {
                return Ok(out);
            }
            let n = (p.len as usize).min(chunk);
            out.extend_from_slice(&self.region[p.at as usize..p.at as usize + n]);
            if (n as u64) < p.len {
                self.fs.commit(fd, n as u64)?;
            }
        }
    }

    fn put(&mut self, path: &str, data: &[u8], chunk: usize) -> Result<(), Error> {
        let fd = self
            .fs
            .open(path, flags::WRITE | flags::CREATE | flags::TRUNC)?;
        self.write(fd, data, chunk)?;
        self.fs.close(fd)
    }

    fn get(&mut self, path: &str, chunk: usize) -> Result<Vec<u8>, Error> {
        let fd = self.fs.open(path, flags::READ)?;
        let d = self.read(fd, chunk)?;
        self.fs.close(fd)?;
        Ok(d)
    }
}

fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

#[test]
fn files_written_in_odd_chunks_read_back_identical() {
    for chunk in [1, 15, 17, 4095, 65537] {
        let mut f = Fs::new(8 << 20);
        let data = bytes(300_001, chunk as u8);
        f.put("/data", &data, chunk).unwrap();
        assert_eq!(
            f.fs.stat("/data").unwrap(),
            (data.len() as u64, FileKind::File)
        );
        assert_eq!(f.get("/data", chunk).unwrap(), data, "chunk {chunk}");
        assert_eq!(f.get("/data", usize::MAX).unwrap(), data);
    }
}

#[test]
fn directories_paths_and_errors() {
    let mut f = Fs::new(1 << 20);
    f.fs.mkdir("/a").unwrap();
    f.fs.mkdir("/a/b").unwrap();
    assert_eq!(f.fs.mkdir("/a"), Err(Error::Exists));
    assert_eq!(f.fs.mkdir("/x/y"), Err(Error::NoEntry));
    f.put("/a/b/c.txt", b"hello", 64).unwrap();
    assert_eq!(f.fs.mkdir("/a/b/c.txt/d"), Err(Error::NotDir));
    assert_eq!(f.fs.open("/a", flags::READ), Err(Error::IsDir));
    assert_eq!(f.fs.open("/nope", flags::READ), Err(Error::NoEntry));
    assert_eq!(f.fs.open("relative", flags::READ), Err(Error::InvArgs));
    assert_eq!(f.fs.open("/a/../x", flags::READ), Err(Error::InvArgs));
    assert_eq!(f.fs.open("/a/b/c.txt", 0), Err(Error::InvArgs));
    assert_eq!(
        f.fs.open("/a/b/c.txt", flags::READ | flags::TRUNC),
        Err(Error::InvArgs)
    );
    assert_eq!(f.get("//a/./b/c.txt", 2).unwrap(), b"hello");
    assert_eq!(f.fs.read_dir("/a", 0).unwrap(), ("b", FileKind::Dir, 1));
    assert_eq!(
        f.fs.read_dir("/a/b", 0).unwrap(),
        ("c.txt", FileKind::File, 5)
    );
    assert_eq!(f.fs.read_dir("/a/b", 1), Err(Error::NoEntry));
    assert_eq!(f.fs.unlink("/a/b"), Err(Error::NotEmpty));
    let fd = f.fs.open("/a/b/c.txt", flags::READ).unwrap();
    assert_eq!(f.fs.unlink("/a/b/c.txt"), Err(Error::NoPerm), "open");
    assert_eq!(f.fs.next_out(fd), Err(Error::NoPerm), "read-only");
    f.fs.close(fd).unwrap();
    assert_eq!(f.fs.next_in(fd), Err(Error::InvArgs), "closed");
    let before = f.fs.free();
    f.fs.unlink("/a/b/c.txt").unwrap();
    assert!(f.fs.free() > before, "its space is free again");
    f.fs.unlink("/a/b").unwrap();
    assert_eq!(f.fs.stat("/a/b"), Err(Error::NoEntry));
}

#[test]
fn partial_commits_seek_append_and_eof() {
    let mut f = Fs::new(1 << 20);
    let fd = f.fs.open("/f", flags::WRITE | flags::CREATE).unwrap();
    let p = f.fs.next_out(fd).unwrap();
    f.region[p.at as usize..p.at as usize + 3].copy_from_slice(b"abc");
    f.fs.commit(fd, 3).unwrap();
    assert_eq!(f.fs.commit(fd, 1), Err(Error::InvArgs), "nothing pending");
    let p = f.fs.next_out(fd).unwrap();
    assert_eq!(
        f.fs.commit(fd, p.len + 1),
        Err(Error::InvArgs),
        "more than the piece"
    );
    f.fs.commit(fd, 0).unwrap();
    f.fs.close(fd).unwrap();
    assert_eq!(f.fs.stat("/f").unwrap().0, 3, "only committed bytes count");
    // Append goes to the end; seek moves within.
    let fd = f.fs.open("/f", flags::WRITE | flags::APPEND).unwrap();
    f.write(fd, b"de", 16).unwrap();
    f.fs.close(fd).unwrap();
    assert_eq!(f.get("/f", 1).unwrap(), b"abcde");
    let fd = f.fs.open("/f", flags::READ | flags::WRITE).unwrap();
    assert_eq!(f.fs.seek(fd, -2, Whence::End), Ok(3));
    assert_eq!(f.read(fd, 100).unwrap(), b"de");
    assert_eq!(f.fs.next_in(fd).unwrap().len, 0, "EOF stays EOF");
    assert_eq!(f.fs.seek(fd, 1, Whence::End), Err(Error::InvArgs));
    assert_eq!(f.fs.seek(fd, 1, Whence::Set), Ok(1));
    f.write(fd, b"X", 1).unwrap();
    f.fs.close(fd).unwrap();
    assert_eq!(f.get("/f", 3).unwrap(), b"aXcde");
}

#[test]
fn a_full_region_says_no_space_and_keeps_what_was_written() {
    let mut f = Fs::new(MIN_EXTENT * 2);
    let data = bytes((MIN_EXTENT * 3) as usize, 7);
    let fd = f.fs.open("/big", flags::WRITE | flags::CREATE).unwrap();
    assert_eq!(f.write(fd, &data, usize::MAX), Err(Error::NoSpace));
    f.fs.close(fd).unwrap();
    let kept = f.get("/big", usize::MAX).unwrap();
    assert_eq!(kept.len() as u64, MIN_EXTENT * 2);
    assert_eq!(kept, data[..kept.len()]);
    assert_eq!(f.fs.free(), 0);
}

#[test]
fn a_detached_pipe_frees_its_name_now_and_its_ring_later() {
    let mut f = Fs::new(1 << 20);
    let all = f.fs.free();
    f.fs.mkdir("/tmp").unwrap();
    f.fs.mkpipe("/tmp/p", 64 << 10).unwrap();
    let ino = f.fs.detach_pipe("/tmp/p").unwrap();
    // The name is free at once (a new pipe of that name can be made) ...
    assert_eq!(f.fs.pipe("/tmp/p"), Ok(None));
    f.fs.mkpipe("/tmp/p", 64 << 10).unwrap();
    assert_eq!(f.fs.free(), all - (128 << 10));
    // ... the ring only when the server says its last channel closed.
    f.fs.free_pipe(ino);
    assert_eq!(f.fs.free(), all - (64 << 10));
    // Freeing twice or freeing a file changes nothing.
    f.fs.free_pipe(ino);
    f.put("/f", b"x", 1).unwrap();
    let file = f.fs.inode("/f").unwrap();
    let before = f.fs.free();
    f.fs.free_pipe(file);
    assert_eq!(f.fs.free(), before);
    assert_eq!(f.fs.detach_pipe("/f"), Err(Error::InvArgs));
}

#[test]
fn too_many_open_files() {
    let mut f = Fs::new(1 << 20);
    f.put("/f", b"x", 1).unwrap();
    for _ in 0..MAX_OPEN {
        f.fs.open("/f", flags::READ).unwrap();
    }
    assert_eq!(f.fs.open("/f", flags::READ), Err(Error::TooMany));
}

#[derive(Clone, Debug)]
enum Op {
    Put(u8, usize, usize),
    Append(u8, usize, usize),
    Unlink(u8),
    Check(u8, usize),
}

fn op() -> impl Strategy<Value = Op> {
    let name = 0u8..4;
    let len = prop_oneof![0usize..100, 0usize..200_000];
    let chunk = prop_oneof![
        Just(1usize),
        1usize..64,
        Just(4095usize),
        Just(65537usize),
        Just(usize::MAX)
    ];
    prop_oneof![
        (name.clone(), len.clone(), chunk.clone()).prop_map(|(n, l, c)| Op::Put(n, l, c)),
        (name.clone(), len, chunk.clone()).prop_map(|(n, l, c)| Op::Append(n, l, c)),
        name.clone().prop_map(Op::Unlink),
        (name, chunk).prop_map(|(n, c)| Op::Check(n, c)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Random puts, appends and unlinks: every file reads back as the
    /// reference says, and unlinking everything frees the whole region.
    #[test]
    fn files_match_a_reference(ops in proptest::collection::vec(op(), 1..24)) {
        let size = 16u64 << 20;
        let mut f = Fs::new(size);
        let mut model: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for (i, o) in ops.iter().enumerate() {
            match *o {
                Op::Put(n, len, chunk) => {
                    let path = alloc::format!("/f{n}");
                    let data = bytes(len, i as u8);
                    f.put(&path, &data, chunk).unwrap();
                    model.insert(path, data);
                }
                Op::Append(n, len, chunk) => {
                    let path = alloc::format!("/f{n}");
                    let data = bytes(len, i as u8);
                    let fd = f.fs.open(&path, flags::WRITE | flags::CREATE | flags::APPEND).unwrap();
                    f.write(fd, &data, chunk).unwrap();
                    f.fs.close(fd).unwrap();
                    model.entry(path).or_default().extend_from_slice(&data);
                }
                Op::Unlink(n) => {
                    let path = alloc::format!("/f{n}");
                    let r = f.fs.unlink(&path);
                    prop_assert_eq!(r.is_ok(), model.remove(&path).is_some());
                }
                Op::Check(n, chunk) => {
                    let path = alloc::format!("/f{n}");
                    match model.get(&path) {
                        Some(d) => prop_assert_eq!(&f.get(&path, chunk).unwrap(), d),
                        None => prop_assert_eq!(f.get(&path, chunk), Err(Error::NoEntry)),
                    }
                }
            }
        }
        for (path, d) in &model {
            prop_assert_eq!(&f.get(path, usize::MAX).unwrap(), d);
        }
        for path in model.keys() {
            f.fs.unlink(path).unwrap();
        }
        prop_assert_eq!(f.fs.free(), size);
    }
}
