//! Only tile images run on the simulated board: executables without the
//! tilekit note, other ISAs and other tile ABIs are refused, naming both
//! versions, before any process starts.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

mod sim {
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    use board_schema::Catalog;
    use tcu_mmio::TileId;
    use tilekit_sim::Sim;
    use tilekit_sim::image::{check, find_note};

    const PROBE: &str = env!("CARGO_BIN_EXE_tilekit-sandbox-probe");

    fn sim() -> Sim {
        let yaml = "tilekit_board: 1\nname: images\ntiles:\n  - { id: 0, kind: kernel, isa: host-native, dram: 16 MiB }\n  - { id: 1, kind: core, isa: host-native, dram: 16 MiB }\n  - { id: 2, kind: memory, size: 64 MiB }\n";
        Sim::new(&board_schema::parse("images.yaml", yaml, &Catalog::builtin()).unwrap()).unwrap()
    }

    /// A copy of the probe with the note's word at `field` (0 ISA, 1 tile ABI, 2 kif ABI) set to `value`.
    fn patched(field: usize, value: u32) -> tempfile::TempPath {
        let mut bytes = std::fs::read(PROBE).unwrap();
        let pat: Vec<u8> = [
            8u32.to_le_bytes(),
            tile_sim_abi::NOTE_DESC_SIZE.to_le_bytes(),
            0x5449u32.to_le_bytes(),
        ]
        .concat();
        let at = bytes
            .windows(pat.len())
            .position(|w| w == pat.as_slice())
            .unwrap()
            + 12
            + 8;
        bytes[at + 4 * field..at + 4 * field + 4].copy_from_slice(&value.to_le_bytes());
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), &bytes).unwrap();
        std::fs::set_permissions(f.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        f.into_temp_path()
    }

    #[test]
    fn tile_images_are_accepted() {
        let info = check(Path::new(PROBE)).unwrap();
        assert_eq!(info.abi, tile_sim_abi::TILE_ABI_VERSION);
    }

    #[test]
    fn other_programs_are_refused_before_they_start() {
        let sim = sim();
        let t = TileId::on_chip0(1);
        let e = sim
            .spawn(t, Path::new("/bin/true"), &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/bin/true is not a tile image (it has no tilekit note)"),
            "{e}"
        );
        let text = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(text.path(), "#!/bin/sh\necho hi\n").unwrap();
        let e = sim.spawn(t, text.path(), &[]).unwrap_err().to_string();
        assert!(e.contains("is not a tile image: not an ELF file"), "{e}");
        assert!(sim.pid(t).is_none(), "nothing was started");
    }

    #[test]
    fn wrong_abi_and_isa_name_both_versions() {
        let sim = sim();
        let t = TileId::on_chip0(1);
        let abi = patched(1, 99);
        let e = sim.spawn(t, &abi, &[]).unwrap_err().to_string();
        assert!(
            e.contains(&format!(
                "was built for tile ABI 99, this simulator speaks tile ABI {}",
                tile_sim_abi::TILE_ABI_VERSION
            )),
            "{e}"
        );
        let isa = patched(0, 1);
        let e = sim.spawn(t, &isa, &[]).unwrap_err().to_string();
        assert!(
            e.contains(
                "is a tile image for ISA code 1, but simulated cores are host-native (code 31)"
            ),
            "{e}"
        );
    }

    #[test]
    fn the_note_parser_never_panics_on_truncated_or_corrupt_files() {
        let bytes = std::fs::read(PROBE).unwrap();
        for len in (0..4096).chain((4096..bytes.len()).step_by(4093)) {
            let _ = find_note(&bytes[..len]);
        }
        let mut corrupt = bytes[..4096].to_vec();
        for i in (0..corrupt.len()).step_by(7) {
            corrupt[i] ^= 0xA5;
            let _ = find_note(&corrupt);
            let _ = tilekit_sim::image::loadable(&corrupt);
        }
        for len in (0..4096).step_by(61) {
            let _ = tilekit_sim::image::loadable(&bytes[..len]);
        }
    }

    #[test]
    fn only_what_runs_is_loaded() {
        let bytes = std::fs::read(PROBE).unwrap();
        let loaded = tilekit_sim::image::loadable(&bytes).unwrap();
        // Debug info and symbols stay behind; the note and every segment come along.
        assert!(
            loaded.len() < bytes.len(),
            "{} vs {}",
            loaded.len(),
            bytes.len()
        );
        assert_eq!(find_note(&loaded).unwrap(), find_note(&bytes).unwrap());
        assert_eq!(&loaded[..40], &bytes[..40]);
        assert_eq!(&loaded[40..48], &[0u8; 8], "no section header table");
        // And it runs: the simulator starts a loaded image.
        let sim = sim();
        let t = TileId::on_chip0(1);
        sim.load_image(t, &bytes, &["sleep", "0"]).unwrap();
        sim.start(t).unwrap();
        assert_eq!(
            sim.wait(t, std::time::Duration::from_secs(10)).unwrap(),
            tilekit_sim::TileExit::Exited(0),
            "{}",
            sim.output(t)
        );
    }
}
