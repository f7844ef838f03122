//! The host as ping: the host tile exchanges real TCU messages with pong
//! running on a core, everything through the board's window with the host
//! library — the image loaded through a memory endpoint, the core started
//! through CORE_ENABLE, endpoints configured by the host as bring-up does.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

mod sim {
    use std::time::Duration;

    use board_host::{Board, BoardUri, Bounce, CuState, HostError, OpenOptions};
    use ping_pong::*;
    use tile_runtime::tcu_mmio::ep::{EpConfig, RecvEp, SendEp};
    use tile_runtime::tcu_mmio::{ActId, Credits, EpId, Label, TileId};

    const PONG: TileId = TileId::on_chip0(2);
    const HOST_SEND: EpId = EpId(0);
    const HOST_REPLIES: EpId = EpId(1);

    fn pong_image() -> Vec<u8> {
        std::fs::read(env!("CARGO_BIN_EXE_pong")).unwrap()
    }

    /// Opens the embedded demo board in this process and wires the host
    /// tile to pong.
    fn wired_demo() -> Board {
        let board = Board::open(&BoardUri::Demo, &OpenOptions::default()).unwrap();
        let host = board.host_tile().unwrap().id();
        for (tile, ep, cfg) in endpoint_plan(host, PONG) {
            if tile == PONG {
                board.configure_ep(tile, ep, &cfg).unwrap();
            }
        }
        let one = Credits::new(1).unwrap();
        let send = EpConfig::Send(SendEp {
            act: ActId::INVALID,
            cur_credits: one,
            max_credits: one,
            msg_size_log2: SLOT_SIZE_LOG2,
            credit_ep: EpId::INVALID,
            reply: false,
            target_tile: PONG,
            target_ep: PONG_RECV,
            label: Label(0x40),
        });
        board.configure_ep(host, HOST_SEND, &send).unwrap();
        let replies = EpConfig::Receive(RecvEp {
            act: ActId::INVALID,
            reply_eps: EpId::INVALID,
            slots_log2: 1,
            slot_size_log2: SLOT_SIZE_LOG2,
            wpos: 0,
            rpos: 0,
            buf_addr: Bounce::RECEIVE_AREA,
            occupied: 0,
            unread: 0,
        });
        board.configure_ep(host, HOST_REPLIES, &replies).unwrap();
        board
    }

    #[test]
    fn the_host_tile_plays_ping_through_the_window() {
        let board = wired_demo();
        board.run(PONG, &pong_image(), &["5"]).unwrap();
        let host = board.host_tile().unwrap();
        for n in 0..5 {
            let ping = format!("ping {n}");
            host.send(HOST_SEND, ping.as_bytes(), HOST_REPLIES, Label(n))
                .unwrap();
            let reply = host.recv(HOST_REPLIES, Duration::from_secs(10)).unwrap();
            assert_eq!(reply.payload, format!("pong {n}").as_bytes());
            assert_eq!(reply.header.sender_tile, PONG);
            assert_eq!(reply.header.label, Label(n));
            host.ack(HOST_REPLIES, &reply).unwrap();
        }
        let view = board.wait(PONG, Duration::from_secs(10)).unwrap();
        assert_eq!(view.cu, Ok(CuState::Exited), "{}", view.printed);
        assert_eq!(view.exit_code, 0, "{}", view.printed);
        assert!(
            view.printed.contains("pong: answered 5"),
            "{}",
            view.printed
        );
    }

    #[test]
    fn a_core_is_stopped_through_core_enable_and_a_hung_tile_times_out_by_name() {
        let board = wired_demo();
        // pong waits for 5 requests that never come.
        board.run(PONG, &pong_image(), &["5"]).unwrap();
        assert_eq!(board.tile_view(PONG).unwrap().cu, Ok(CuState::Running));
        let e = board.wait(PONG, Duration::from_millis(300)).unwrap_err();
        assert!(matches!(e, HostError::Timeout { .. }), "{e}");
        let text = e.to_string();
        assert!(text.contains("C0T02"), "{text}");
        assert!(text.contains("stopped"), "{text}");
        assert_eq!(board.tile_view(PONG).unwrap().cu, Ok(CuState::Stopped));
        // The board keeps working: the same core starts again.
        board.run(PONG, &pong_image(), &["0"]).unwrap();
        let v = board.wait(PONG, Duration::from_secs(10)).unwrap();
        assert_eq!(
            (v.cu, v.exit_code),
            (Ok(CuState::Exited), 0),
            "{}",
            v.printed
        );
    }

    #[test]
    fn a_reset_board_has_no_image_and_says_so() {
        let board = wired_demo();
        board.reset(Duration::from_secs(10)).unwrap();
        // Nothing loaded: switching the core on reports it in its output.
        board.start(PONG).unwrap();
        let v = board.wait(PONG, Duration::from_secs(10)).unwrap();
        assert_eq!(v.cu, Ok(CuState::Crashed));
        assert!(v.printed.contains("no image was loaded"), "{}", v.printed);
        // Non-images are refused before anything is written.
        let e = board
            .run(PONG, b"#!/bin/sh\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a tile image"), "{e}");
        // And too big ones name the sizes and the fix.
        let small = TileId::on_chip0(7);
        let e = board
            .run(small, &pong_image(), &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot run programs"), "{e}");
    }
}
