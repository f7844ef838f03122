//! `board-schema`: tilekit's board descriptions.
//!
//! A board file is YAML (format 1, documented in `docs/boards.md`):
//!
//! ```yaml
//! tilekit_board: 1
//! name: minimal
//! tiles:
//!   - { id: 0, kind: kernel, isa: host-native, dram: 16 MiB }
//!   - { id: 1, kind: core, isa: host-native, dram: 16 MiB }
//!   - { id: 2, kind: memory, size: 64 MiB }
//! ```
//!
//! [`load`] reads and checks a file in three stages, each refusing with a
//! `file:line:column` diagnostic that names the fix: scalars that YAML 1.1
//! and 1.2 read differently ([`yaml`]), the structure (unknown keys,
//! duplicate keys, wrong types), and the semantics ([`validate()`]). The
//! result is a [`BoardDesc`] with every default filled in. [`json_schema`]
//! gives the JSON Schema for editors.
#![forbid(unsafe_code)]

pub mod diag;
pub mod manifest;
pub mod model;
pub mod size;
pub mod validate;
pub mod yaml;

use std::path::Path;

pub use diag::{BoardError, Diagnostic};
pub use model::{Board, IsaName, TileKind};
pub use size::Size;
pub use validate::{BoardDesc, Boot, Catalog, DramSlice, Tile, validate};

/// Parses and validates board YAML; `file` names it in diagnostics.
pub fn parse(file: &str, text: &str, catalog: &Catalog) -> Result<BoardDesc, BoardError> {
    let board = yaml::parse_board(file, text)?;
    validate(file, &board, catalog).map_err(BoardError::Invalid)
}

/// Reads, parses and validates a board file.
pub fn load(path: &Path, catalog: &Catalog) -> Result<BoardDesc, BoardError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| BoardError::Io {
        path: file.clone(),
        source,
    })?;
    parse(&file, &text, catalog)
}

/// The JSON Schema of board files (draft 2020-12), pretty-printed.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Board);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}
