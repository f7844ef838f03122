//! Opening boards: URIs, the ROM check against a board file, ownership,
//! read-only attach.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

mod sim {
    use board_host::{Board, BoardUri, HostError, OpenOptions};
    use board_schema::Catalog;
    use tilekit_sim::{Isolation, Sim};

    fn demo() -> board_schema::BoardDesc {
        board_schema::parse("demo.yaml", board_host::DEMO_BOARD, &Catalog::builtin()).unwrap()
    }

    /// The demo board with the crypto and ISP tiles swapped and one core
    /// with less memory: the board file a user might give by mistake.
    fn wrong_file(dir: &tempfile::TempDir) -> std::path::PathBuf {
        let text = board_host::DEMO_BOARD
            .replace("label: isp, accel: isp", "label: isp, accel: crypto")
            .replace(
                "{ id: 6, kind: core, isa: host-native, eps: 128, dram: 64 MiB }",
                "{ id: 6, kind: core, isa: host-native, eps: 128, dram: 32 MiB }",
            );
        let p = dir.path().join("wrong.yaml");
        std::fs::write(&p, text).unwrap();
        p
    }

    fn served(name: &str) -> Sim {
        Sim::serve(&demo(), Isolation::Sandboxed, name).unwrap()
    }

    #[test]
    fn a_board_that_is_not_the_board_file_is_refused_naming_each_difference() {
        let name = format!("host-mismatch-{}", std::process::id());
        let _sim = served(&name);
        let dir = tempfile::tempdir().unwrap();
        let opts = OpenOptions {
            board_file: Some(wrong_file(&dir)),
            ..OpenOptions::default()
        };
        let e = Board::open(&BoardUri::Sim(name.clone()), &opts)
            .err()
            .unwrap();
        assert!(matches!(e, HostError::Mismatch { .. }), "{e}");
        let text = e
            .to_string()
            .replace(&name, "NAME")
            .replace(&dir.path().display().to_string(), "DIR");
        insta::assert_snapshot!(text);
        // The right board file opens it.
        let dir2 = tempfile::tempdir().unwrap();
        let right = dir2.path().join("demo.yaml");
        std::fs::write(&right, board_host::DEMO_BOARD).unwrap();
        let opts = OpenOptions {
            board_file: Some(right),
            ..OpenOptions::default()
        };
        let b = Board::open(&BoardUri::Sim(name), &opts).unwrap();
        assert_eq!(b.rom().name, "demo");
        assert!(b.nonce(0x1234_5678_9abc_def0).unwrap());
    }

    #[test]
    fn one_writer_at_a_time_and_read_only_attach_needs_no_ownership() {
        let name = format!("host-busy-{}", std::process::id());
        let _sim = served(&name);
        let uri = BoardUri::Sim(name);
        let opts = OpenOptions {
            command: "first-owner --flag".into(),
            ..OpenOptions::default()
        };
        let first = Board::open(&uri, &opts).unwrap();
        let e = Board::open(&uri, &OpenOptions::default()).err().unwrap();
        let text = e.to_string();
        assert!(matches!(e, HostError::Busy { .. }), "{text}");
        assert!(text.contains(&std::process::id().to_string()), "{text}");
        assert!(text.contains("first-owner --flag"), "{text}");
        let ro = OpenOptions {
            read_only: true,
            ..OpenOptions::default()
        };
        let viewer = Board::open(&uri, &ro).unwrap();
        assert_eq!(viewer.rom().tiles.len(), 12);
        let e = viewer.nonce(1).unwrap_err().to_string();
        assert!(e.contains("read-only"), "{e}");
        drop(first);
        // The owner is gone: the next writer gets the board.
        Board::open(&uri, &OpenOptions::default()).unwrap();
    }

    #[test]
    fn unserved_boards_and_missing_files_say_what_to_do() {
        let e = Board::open(
            &BoardUri::Sim("nobody-serves-this".into()),
            &OpenOptions::default(),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(
            e.contains("tilekit sim --board FILE --name nobody-serves-this"),
            "{e}"
        );
        let e = Board::open(
            &BoardUri::File("/nonexistent/board.yaml".into()),
            &OpenOptions::default(),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains("/nonexistent/board.yaml"), "{e}");
    }

    #[test]
    fn tilekit_board_supplies_the_default_and_the_demo_board_is_the_last_resort() {
        assert_eq!(BoardUri::resolve(None, None).unwrap(), BoardUri::Demo);
        assert_eq!(BoardUri::resolve(None, Some("")).unwrap(), BoardUri::Demo);
        assert_eq!(
            BoardUri::resolve(Some("sim:x"), Some("sim:y")).unwrap(),
            BoardUri::Sim("x".into())
        );
        assert_eq!(
            BoardUri::resolve(None, Some("sim:from-env")).unwrap(),
            BoardUri::Sim("from-env".into())
        );
        assert!(BoardUri::resolve(None, Some("bogus:uri")).is_err());
    }
}
