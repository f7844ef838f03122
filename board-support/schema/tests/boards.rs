//! The shipped boards validate (in code and against the JSON Schema), and
//! every validation rule has a failing example whose message is a snapshot.
#![allow(clippy::unwrap_used)] // Tests unwrap: a panic is a test failure.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use board_schema::{Catalog, json_schema, parse};

fn boards_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../boards")
}

fn shipped_boards() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(boards_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    assert!(
        v.len() >= 3,
        "boards/ should hold minimal, demo and the hardware-shaped board"
    );
    v
}

fn catalog() -> Catalog {
    let mut c = Catalog::builtin();
    c.programs.insert("hello".into());
    c
}

#[test]
fn shipped_boards_validate() {
    for path in shipped_boards() {
        let text = std::fs::read_to_string(&path).unwrap();
        if let Err(e) = parse(&path.display().to_string(), &text, &Catalog::builtin()) {
            panic!("{e}");
        }
    }
}

#[test]
fn shipped_boards_match_the_json_schema() {
    let schema: serde_json::Value = serde_json::from_str(&json_schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for path in shipped_boards() {
        let text = std::fs::read_to_string(&path).unwrap();
        let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    }
}

#[test]
fn the_schema_rejects_what_the_parser_rejects_structurally() {
    let schema: serde_json::Value = serde_json::from_str(&json_schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for name in [
        "S01-unknown-key.yaml",
        "S03-unknown-kind.yaml",
        "S05-missing-tiles.yaml",
    ] {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/invalid")
                .join(name),
        )
        .unwrap();
        let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        assert!(!validator.is_valid(&value), "{name} passes the schema");
    }
}

#[test]
fn demo_board_has_the_tile_budget_of_the_brief() {
    let text = std::fs::read_to_string(boards_dir().join("demo.yaml")).unwrap();
    let b = parse("demo.yaml", &text, &Catalog::builtin()).unwrap();
    use board_schema::TileKind::*;
    let count = |k| b.tiles_of(k).count();
    assert_eq!(count(Kernel), 1);
    assert!(count(Core) >= 6, "system + app + software stages");
    assert_eq!(count(Memory), 1);
    assert_eq!(count(Host), 1);
    let kinds: BTreeSet<_> = b.tiles_of(Accel).filter_map(|t| t.accel.clone()).collect();
    assert_eq!(kinds, ["crypto", "dsp", "isp"].map(String::from).into());
}

#[test]
fn an_accelerator_tile_boots_as_a_child_running_its_firmware() {
    let text = "tilekit_board: 1
name: accel-child
tiles:
  - { id: 0, kind: kernel, isa: host-native, dram: 16 MiB }
  - { id: 1, kind: core, isa: host-native, dram: 16 MiB }
  - { id: 2, kind: accel, accel: crypto, spm: 64 KiB }
  - { id: 3, kind: memory, size: 128 MiB }
boot:
  - { program: pipeline, tile: 1, sessions: [fs] }
  - { program: crypto, tile: 2, parent: 1, sessions: [fs] }
";
    let b = parse("accel-child.yaml", text, &Catalog::builtin()).unwrap();
    assert_eq!(b.boot[1].program, "crypto");
    assert_eq!(b.boot[1].parent, Some(0));
}

#[test]
fn dram_slices_are_placed_without_overlap() {
    let text = std::fs::read_to_string(boards_dir().join("demo.yaml")).unwrap();
    let b = parse("demo.yaml", &text, &Catalog::builtin()).unwrap();
    let mut slices: Vec<_> = b.tiles.iter().filter_map(|t| t.dram).collect();
    slices.sort_by_key(|s| s.offset);
    for w in slices.windows(2) {
        assert!(w[0].offset + w[0].size <= w[1].offset);
    }
}

#[test]
fn invalid_boards_are_refused_with_location_and_fix() {
    insta::glob!("invalid/*.yaml", |path| {
        let name = format!("invalid/{}", path.file_name().unwrap().to_string_lossy());
        let text = std::fs::read_to_string(path).unwrap();
        let err = parse(&name, &text, &catalog()).expect_err("must be refused");
        let msg = err.to_string();
        assert!(msg.starts_with(&name), "{msg}");
        assert!(msg.contains("fix: "), "{msg}");
        insta::assert_snapshot!(msg);
    });
}

#[test]
fn every_rule_id_has_a_failing_example() {
    let src = include_str!("../src/validate.rs");
    let mut ids = BTreeSet::new();
    for (i, _) in src.match_indices("\"B") {
        let id = &src[i + 1..i + 4];
        if id[1..].chars().all(|c| c.is_ascii_digit()) {
            ids.insert(id.to_owned());
        }
    }
    assert!(ids.len() >= 13, "{ids:?}");
    let files: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
    for id in ids {
        assert!(
            files.iter().any(|f| f.starts_with(&id)),
            "rule {id} has no failing example in tests/invalid/"
        );
    }
}
