//! File-protocol requests as any client may send them: the decoder never
//! panics and what decodes re-encodes to the same request; then the same
//! bytes, cut into requests, drive the memory file system and a pipe as the
//! file server would — every answer is a result, never a panic, and the
//! file system's free space never exceeds its region.
#![no_main]

use file_proto::{Request, decode_reply, flags};
use libfuzzer_sys::fuzz_target;
use memfs::MemFs;
use pipes::Pipe;

const REGION: u64 = 1 << 20;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Request::decode(data) {
        let mut buf = [0u8; 512];
        let n = r.encode(&mut buf).expect("a decoded request encodes");
        assert_eq!(Request::decode(&buf[..n]), Ok(r));
    }
    let _ = decode_reply(data);
    let mut fs = MemFs::new(REGION);
    let mut pipe = Pipe::new(4099);
    let (r, w) = (pipe.open_reader(), pipe.open_writer());
    for chunk in data.chunks(48) {
        let Ok(req) = Request::decode(chunk) else {
            continue;
        };
        let _ = match req {
            Request::Open { flags: fl, path, .. } => fs.open(path, fl).map(drop),
            Request::NextIn { fd } => fs.next_in(fd).map(drop),
            Request::NextOut { fd } => fs.next_out(fd).map(drop),
            Request::Commit { fd, n } => fs.commit(fd, n),
            Request::Seek { fd, off, whence } => fs.seek(fd, off, whence).map(drop),
            Request::Stat { path } => fs.stat(path).map(drop),
            Request::Close { fd } => fs.close(fd),
            Request::Mkdir { path } => fs.mkdir(path),
            Request::Unlink { path } => fs.unlink(path),
            Request::ReadDir { index, path } => fs.read_dir(path, index).map(drop),
            Request::Mkpipe { size, path } => fs.mkpipe(path, size),
        };
        // The same descriptors against a pipe's two channels.
        let _ = match req {
            Request::NextIn { .. } => pipe.next_in(r).map(drop),
            Request::NextOut { .. } => pipe.next_out(w).map(drop),
            Request::Commit { fd, n } => pipe.commit(if fd & 1 == 0 { r } else { w }, n),
            _ => Ok(()),
        };
        assert!(fs.free() <= REGION);
        assert!(pipe.filled() <= pipe.size());
    }
    let _ = flags::ALL;
});
