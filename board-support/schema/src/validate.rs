//! Semantic checks of a parsed board, and the resolved description that
//! the rest of tilekit uses (defaults filled in, memory placed).
//!
//! Every check has an id (`B01`…) listed in `docs/boards.md` with a failing
//! example in `tests/invalid/` and its expected message in a snapshot.

use std::collections::{BTreeMap, BTreeSet};

use serde_saphyr::{Location, Spanned};
use tcu_mmio::TileId;
use tcu_mmio::regs::Layout;

use crate::diag::Diagnostic;
use crate::model::{Board, FORMAT_VERSION, IsaName, TileKind, TileSpec};
use crate::size::Size;

/// Endpoint count when a tile does not say.
pub const DEFAULT_EPS: u16 = 128;
/// Local buffer size of an accelerator tile when it does not say.
pub const DEFAULT_SPM: Size = Size(64 << 10);
/// Device model of an accelerator tile when it does not say.
pub const DEFAULT_MODEL: &str = "behavioural";
/// Memory is handed out in pages of this size.
pub const PAGE: u64 = 4096;

/// What names a board may use: registered accelerator kinds, device models
/// and tile programs.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    /// Registered accelerator kinds.
    pub accel_kinds: BTreeSet<String>,
    /// Device model backends.
    pub models: BTreeSet<String>,
    /// Tile programs that boot entries may name.
    pub programs: BTreeSet<String>,
    /// Per accelerator kind: the firmware its tiles' controllers run (an
    /// executable found like a tile image).
    pub firmware: BTreeMap<String, String>,
}

impl Catalog {
    /// The kinds (built-in manifests, [`crate::manifest`]), models and
    /// programs tilekit itself ships.
    pub fn builtin() -> Self {
        crate::manifest::Registry::builtin().catalog()
    }

    /// The models and programs tilekit ships, without accelerator kinds.
    pub(crate) fn base() -> Self {
        let set = |names: &[&str]| names.iter().map(|s| (*s).to_owned()).collect();
        Self {
            accel_kinds: BTreeSet::new(),
            firmware: BTreeMap::new(),
            models: set(&["behavioural", "rtl"]),
            // The tile programs this workspace builds (samples; root and
            // the kernel are started by boot itself, not named here).
            programs: set(&[
                "hello",
                "ping",
                "pong",
                "crasher",
                "noop-bench",
                "echo-srv",
                "stuck-srv",
                "echo-client",
                "fcopy",
                "pipeline",
                "upcase",
                "xor",
                "sw-aes-ctr",
                "sw-sha256",
                "sw-fir",
                "sw-isp",
            ]),
        }
    }
}

/// A tile with every default filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tile {
    /// Where it is on the NoC.
    pub id: TileId,
    /// What it is.
    pub kind: TileKind,
    /// Human-readable label.
    pub label: Option<String>,
    /// Instruction set (compute tiles).
    pub isa: Option<IsaName>,
    /// Endpoint count (0 for memory tiles).
    pub eps: u16,
    /// Kernel and core tiles: the DRAM slice (memory tile, offset, size).
    pub dram: Option<DramSlice>,
    /// Memory tiles: their size.
    pub size: Option<Size>,
    /// Accel tiles: kind name.
    pub accel: Option<String>,
    /// Accel tiles: device model.
    pub model: Option<String>,
    /// Accel tiles: local buffer size.
    pub spm: Option<Size>,
    /// NoC router.
    pub router: u8,
}

/// A slice of a memory tile granted to a core by its PMP endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DramSlice {
    /// The memory tile.
    pub mem_tile: TileId,
    /// Byte offset in it.
    pub offset: u64,
    /// Size in bytes.
    pub size: u64,
}

/// A resolved boot entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Boot {
    /// Program name.
    pub program: String,
    /// Tile it runs on.
    pub tile: TileId,
    /// Arguments.
    pub args: Vec<String>,
    /// The service it creates.
    pub serves: Option<String>,
    /// Services it gets sessions with, in order.
    pub sessions: Vec<String>,
    /// The boot entry (index into `BoardDesc::boot`) that starts it.
    pub parent: Option<usize>,
}

/// A board that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardDesc {
    /// Board name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Tiles, sorted by id.
    pub tiles: Vec<Tile>,
    /// Boot entries in file order.
    pub boot: Vec<Boot>,
    /// Services the host tile gets sessions with, in order.
    pub host_sessions: Vec<String>,
}

impl BoardDesc {
    /// The tile with `id`.
    pub fn tile(&self, id: TileId) -> Option<&Tile> {
        self.tiles.iter().find(|t| t.id == id)
    }

    /// Tiles of one kind.
    pub fn tiles_of(&self, kind: TileKind) -> impl Iterator<Item = &Tile> {
        self.tiles.iter().filter(move |t| t.kind == kind)
    }
}

struct Checker<'a> {
    file: &'a str,
    out: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn err(&mut self, at: Location, rule: &str, message: impl AsRef<str>, fix: impl Into<String>) {
        self.out.push(Diagnostic::at(
            self.file,
            at,
            format!("{rule}: {}", message.as_ref()),
            fix,
        ));
    }
}

fn loc<T>(s: &Spanned<T>) -> Location {
    s.referenced
}

/// The name of root's file service in `sessions:` lists.
pub const FILE_SERVICE: &str = "fs";

/// Most sessions a program or the host gets at boot (`kif::plan`).
const MAX_SESSIONS: usize = 6;

/// Services and sessions: names well-formed and unique, every session of an
/// earlier entry's service, not too many.
fn check_services(c: &mut Checker<'_>, board: &Board) {
    // `fs` is root's file service, always there; the others are boot
    // entries' (None: built in).
    let mut served: BTreeMap<&str, Option<Location>> = BTreeMap::new();
    served.insert(FILE_SERVICE, None);
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.len() <= 31
            && n.chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
    };
    let check_sessions = |c: &mut Checker<'_>,
                          who: &str,
                          list: &[Spanned<String>],
                          served: &BTreeMap<&str, Option<Location>>| {
        for s in list {
            if !served.contains_key(s.value.as_str()) {
                let known: Vec<&str> = served.keys().copied().collect();
                c.err(
                    loc(s),
                    "B14",
                    format!(
                        "{who} asks for a session with `{}`, which no earlier boot entry serves",
                        s.value
                    ),
                    if known.is_empty() {
                        "add `serves: NAME` to the boot entry of the server, before this one"
                            .to_owned()
                    } else {
                        format!(
                            "name one of: {} (or move the server's entry before this one)",
                            known.join(", ")
                        )
                    },
                );
            }
        }
        if let Some(extra) = list.get(MAX_SESSIONS) {
            c.err(
                loc(extra),
                "B14",
                format!("{who} asks for {} sessions", list.len()),
                format!("at most {MAX_SESSIONS} sessions per program"),
            );
        }
    };
    for b in &board.boot {
        let who = format!("boot program `{}`", b.program.value);
        check_sessions(c, &who, &b.sessions, &served);
        if let Some(name) = &b.serves {
            if !name_ok(&name.value) {
                c.err(
                    loc(name),
                    "B14",
                    format!("service name `{}` is not a valid name", name.value),
                    "use 1 to 31 lower-case letters, digits and `-`",
                );
            } else if let Some(prev) = served.get(name.value.as_str()) {
                let first = match prev {
                    Some(l) => format!("first on line {}", l.line()),
                    None => "it is root's file service".to_owned(),
                };
                c.err(
                    loc(name),
                    "B14",
                    format!("service `{}` is served twice ({first})", name.value),
                    "give each server's service its own name",
                );
            } else {
                served.insert(&name.value, Some(loc(name)));
            }
        }
    }
    check_sessions(c, "the host tile", &board.host_sessions, &served);
}

/// Most children one boot program gets (`kif::plan::MAX_CHILDREN`).
const MAX_CHILDREN: usize = 8;

/// `parent:`: names the tile of another boot entry (same chip) that is no
/// child itself; neither serves; at most [`MAX_CHILDREN`] per parent.
fn check_parents(c: &mut Checker<'_>, board: &Board, boot: &mut [Boot]) {
    for (i, b) in board.boot.iter().enumerate() {
        let Some(p) = &b.parent else { continue };
        let chip = b.chip.unwrap_or(0);
        let found = board
            .boot
            .iter()
            .position(|e| e.tile.value == p.value && e.chip.unwrap_or(0) == chip);
        let who = format!("boot program `{}`", b.program.value);
        let Some(j) = found else {
            c.err(
                loc(p),
                "B15",
                format!(
                    "{who} names parent tile {}, which runs no boot program",
                    p.value
                ),
                "name the `tile:` of the boot entry that starts this program",
            );
            continue;
        };
        let parent = &board.boot[j];
        let why = if j == i {
            Some("a program cannot start itself".to_owned())
        } else if parent.parent.is_some() {
            Some(format!(
                "its parent `{}` is a child itself; children do not have children",
                parent.program.value
            ))
        } else if b.serves.is_some() || parent.serves.is_some() {
            Some(
                "a parent and its children do not serve (root starts servers in boot order)".into(),
            )
        } else if board.boot[..i]
            .iter()
            .filter(|e| e.parent.as_ref().is_some_and(|q| q.value == p.value))
            .count()
            >= MAX_CHILDREN
        {
            Some(format!("at most {MAX_CHILDREN} children per parent"))
        } else {
            None
        };
        match why {
            Some(why) => c.err(
                loc(p),
                "B15",
                format!("{who} cannot be started by tile {}: {why}", p.value),
                "remove `parent:` or point it at another program",
            ),
            None => boot[i].parent = Some(j),
        }
    }
}

/// Which optional fields a kind may carry: (field name, location if present).
fn present_fields(t: &TileSpec) -> Vec<(&'static str, Location)> {
    let mut v = Vec::new();
    if let Some(x) = &t.isa {
        v.push(("isa", loc(x)));
    }
    if let Some(x) = &t.eps {
        v.push(("eps", loc(x)));
    }
    if let Some(x) = &t.dram {
        v.push(("dram", loc(x)));
    }
    if let Some(x) = &t.dram_at {
        v.push(("dram_at", loc(x)));
    }
    if let Some(x) = &t.size {
        v.push(("size", loc(x)));
    }
    if let Some(x) = &t.accel {
        v.push(("accel", loc(x)));
    }
    if let Some(x) = &t.model {
        v.push(("model", loc(x)));
    }
    if let Some(x) = &t.spm {
        v.push(("spm", loc(x)));
    }
    v
}

fn allowed_fields(kind: TileKind) -> &'static [&'static str] {
    match kind {
        TileKind::Kernel | TileKind::Core => &["isa", "eps", "dram", "dram_at"],
        TileKind::Accel => &["isa", "eps", "accel", "model", "spm"],
        TileKind::Memory => &["size"],
        TileKind::Host => &["eps"],
    }
}

/// Checks a parsed board against the rules and resolves it.
pub fn validate(
    file: &str,
    board: &Board,
    catalog: &Catalog,
) -> Result<BoardDesc, Vec<Diagnostic>> {
    let mut c = Checker {
        file,
        out: Vec::new(),
    };
    if board.tilekit_board.value != FORMAT_VERSION {
        c.err(
            loc(&board.tilekit_board),
            "B01",
            format!("board format {} is not supported", board.tilekit_board.value),
            format!("write `tilekit_board: {FORMAT_VERSION}` (this tilekit reads format {FORMAT_VERSION})"),
        );
    }
    let name = &board.name.value;
    let name_ok = !name.is_empty()
        && name.len() <= 31
        && name
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
        && !name.starts_with('-');
    if !name_ok {
        c.err(
            loc(&board.name),
            "B02",
            format!("board name `{name}` is not a valid name"),
            "use 1 to 31 lower-case letters, digits and `-`, not starting with `-` (it names `sim:NAME`)",
        );
    }

    let mut tiles = Vec::new();
    let mut seen: BTreeMap<TileId, Location> = BTreeMap::new();
    let mut first_of_kind: BTreeMap<&'static str, Location> = BTreeMap::new();
    for t in &board.tiles {
        if let Some(tile) = check_tile(&mut c, t, catalog) {
            if let Some(prev) = seen.get(&tile.id) {
                c.err(
                    loc(&t.id),
                    "B04",
                    format!(
                        "tile {} is defined twice (first at line {})",
                        tile.id,
                        prev.line()
                    ),
                    "give every tile its own `id` (and `chip`)",
                );
            } else {
                seen.insert(tile.id, loc(&t.id));
            }
            for single in [TileKind::Kernel, TileKind::Host] {
                if tile.kind == single {
                    if let Some(prev) = first_of_kind.get(single.name()) {
                        c.err(
                            loc(&t.kind),
                            "B03",
                            format!("a second {} tile (the first is at line {})", single.name(), prev.line()),
                            "a board has exactly one kernel tile and at most one host tile; make this one a `core`".to_string(),
                        );
                    } else {
                        first_of_kind.insert(single.name(), loc(&t.kind));
                    }
                }
            }
            tiles.push((tile, t));
        }
    }
    if !first_of_kind.contains_key("kernel") {
        c.err(
            loc(&board.name),
            "B03",
            format!("board `{name}` has no kernel tile"),
            "add a tile with `kind: kernel` (the kernel is the only software that configures TCUs)",
        );
    }
    place_dram(&mut c, &mut tiles);

    let mut boot = Vec::new();
    let mut booted: BTreeMap<TileId, Location> = BTreeMap::new();
    for b in &board.boot {
        let id = match TileId::new(b.chip.unwrap_or(0), b.tile.value) {
            Ok(id) => id,
            Err(_) => {
                c.err(
                    loc(&b.tile),
                    "B12",
                    "boot entry names a chip above 63",
                    "use a chip number 0..=63",
                );
                continue;
            }
        };
        match tiles.iter().find(|(t, _)| t.id == id) {
            None => c.err(
                loc(&b.tile),
                "B12",
                format!(
                    "boot entry for `{}` names tile {id}, which the board does not have",
                    b.program.value
                ),
                "name the id of a `core` tile",
            ),
            // An accelerator tile runs its kind's firmware as a child of
            // a program that connects it (a pipeline's stage).
            Some((t, _)) if t.kind == TileKind::Accel => {
                let kind = t.accel.as_deref().unwrap_or_default();
                if b.program.value != kind {
                    c.err(
                        loc(&b.program),
                        "B12",
                        format!(
                            "boot entry for `{}` names tile {id}, an accel tile of kind `{kind}`",
                            b.program.value
                        ),
                        format!(
                            "an accel tile runs its kind's firmware: write `program: {kind}`, or name a `core` tile"
                        ),
                    );
                } else if b.parent.is_none() || !b.args.is_empty() || b.serves.is_some() {
                    c.err(
                        loc(&b.tile),
                        "B12",
                        format!("the `{kind}` accelerator on tile {id} needs a parent and takes no args or service"),
                        "give it `parent: TILE` (the program that connects and starts it) and drop `args`/`serves`",
                    );
                }
            }
            Some((t, _)) if t.kind != TileKind::Core => c.err(
                loc(&b.tile),
                "B12",
                format!(
                    "boot entry for `{}` names tile {id}, a {} tile",
                    b.program.value,
                    t.kind.name()
                ),
                "programs run on `core` tiles; name one of those",
            ),
            Some(_) => {}
        }
        let firmware = tiles
            .iter()
            .any(|(t, _)| t.id == id && t.kind == TileKind::Accel);
        if let Some(prev) = booted.insert(id, loc(&b.tile)) {
            c.err(
                loc(&b.tile),
                "B12",
                format!(
                    "tile {id} already runs a boot program (line {})",
                    prev.line()
                ),
                "without a tile multiplexer each activity owns a core: pick another core tile",
            );
        }
        if !firmware && !catalog.programs.contains(&b.program.value) {
            let known: Vec<&str> = catalog.programs.iter().map(String::as_str).collect();
            c.err(
                loc(&b.program),
                "B13",
                format!(
                    "boot program `{}` is not a known tile program",
                    b.program.value
                ),
                if known.is_empty() {
                    "this tilekit build has no tile programs yet; remove the entry".to_owned()
                } else {
                    format!("use one of: {}", known.join(", "))
                },
            );
        }
        boot.push(Boot {
            program: b.program.value.clone(),
            tile: id,
            args: b.args.clone(),
            serves: b.serves.as_ref().map(|s| s.value.clone()),
            sessions: b.sessions.iter().map(|s| s.value.clone()).collect(),
            parent: None,
        });
    }
    check_services(&mut c, board);
    if boot.len() == board.boot.len() {
        check_parents(&mut c, board, &mut boot);
    }

    if c.out.is_empty() {
        let mut tiles: Vec<Tile> = tiles.into_iter().map(|(t, _)| t).collect();
        tiles.sort_by_key(|t| t.id);
        Ok(BoardDesc {
            name: name.clone(),
            description: board.description.clone(),
            tiles,
            boot,
            host_sessions: board
                .host_sessions
                .iter()
                .map(|s| s.value.clone())
                .collect(),
        })
    } else {
        c.out.sort_by_key(|d| (d.line, d.column));
        Err(c.out)
    }
}

fn check_tile(c: &mut Checker<'_>, t: &TileSpec, catalog: &Catalog) -> Option<Tile> {
    let kind = t.kind.value;
    let chip = t.chip.as_ref().map_or(0, |s| s.value);
    let id = match TileId::new(chip, t.id.value) {
        Ok(id) => id,
        Err(_) => {
            let at = t.chip.as_ref().map_or(loc(&t.id), loc);
            c.err(
                at,
                "B05",
                format!("chip {chip} is out of range"),
                "chips are numbered 0..=63",
            );
            return None;
        }
    };
    let allowed = allowed_fields(kind);
    for (field, at) in present_fields(t) {
        if !allowed.contains(&field) {
            c.err(
                at,
                "B07",
                format!("`{field}` does not apply to a {} tile", kind.name()),
                format!(
                    "remove it; a {} tile takes {}",
                    kind.name(),
                    allowed.join(", ")
                ),
            );
        }
    }
    let need = |c: &mut Checker<'_>, ok: bool, field: &str, example: &str| {
        if !ok {
            c.err(
                loc(&t.kind),
                "B08",
                format!("{} tile {id} needs `{field}`", kind.name()),
                format!("add `{field}: {example}`"),
            );
        }
    };
    match kind {
        TileKind::Kernel | TileKind::Core => {
            need(c, t.isa.is_some(), "isa", "host-native");
            need(c, t.dram.is_some(), "dram", "64 MiB");
        }
        TileKind::Accel => need(c, t.accel.is_some(), "accel", "crypto"),
        TileKind::Memory => need(c, t.size.is_some(), "size", "1 GiB"),
        TileKind::Host => {}
    }
    let eps = match (&t.eps, kind) {
        (_, TileKind::Memory) => 0,
        (Some(e), _) => {
            if e.value > Layout::MAX_EPS {
                c.err(
                    loc(e),
                    "B06",
                    format!("{} endpoints overrun the TCU v2 register layout", e.value),
                    format!("use at most {} endpoints (the print buffer must end before the privileged page at 0x2000)", Layout::MAX_EPS),
                );
            } else if e.value == 0 {
                c.err(
                    loc(e),
                    "B06",
                    "a tile with 0 endpoints cannot communicate",
                    "use at least 1 endpoint (128 is the hardware's count)",
                );
            }
            e.value
        }
        (None, _) => DEFAULT_EPS,
    };
    if let Some(a) = &t.accel
        && !catalog.accel_kinds.contains(&a.value)
    {
        let known: Vec<&str> = catalog.accel_kinds.iter().map(String::as_str).collect();
        c.err(
            loc(a),
            "B09",
            format!("accelerator kind `{}` is not registered", a.value),
            format!(
                "use one of: {}; or register it with a manifest (docs/porting.md)",
                known.join(", ")
            ),
        );
    }
    if let Some(m) = &t.model
        && !catalog.models.contains(&m.value)
    {
        let known: Vec<&str> = catalog.models.iter().map(String::as_str).collect();
        c.err(
            loc(m),
            "B10",
            format!("device model `{}` is not known", m.value),
            format!("use one of: {}", known.join(", ")),
        );
    }
    for (what, s) in [("dram", &t.dram), ("size", &t.size), ("spm", &t.spm)] {
        if let Some(s) = s
            && (s.value.bytes() == 0 || s.value.bytes() % PAGE != 0)
        {
            c.err(
                loc(s),
                "B11",
                format!(
                    "`{what}` of {} is not a positive multiple of 4 KiB",
                    s.value
                ),
                "memory is handed out in 4 KiB pages; round it up",
            );
        }
    }
    let accel_like = kind == TileKind::Accel;
    Some(Tile {
        id,
        kind,
        label: t.label.clone(),
        isa: t
            .isa
            .as_ref()
            .map(|s| s.value)
            .or(accel_like.then_some(IsaName::HostNative)),
        eps,
        dram: None,
        size: t.size.as_ref().map(|s| s.value),
        accel: t.accel.as_ref().map(|s| s.value.clone()),
        model: accel_like.then(|| {
            t.model
                .as_ref()
                .map_or(DEFAULT_MODEL.to_owned(), |m| m.value.clone())
        }),
        spm: accel_like.then(|| t.spm.as_ref().map_or(DEFAULT_SPM, |s| s.value)),
        router: t.router.as_ref().map_or(0, |r| r.value),
    })
}

/// Places every kernel/core DRAM slice in the first memory tile: explicit
/// `dram_at` slices where they say, the others after the highest slice so
/// far; refuses overlaps and slices past the end.
fn place_dram(c: &mut Checker<'_>, tiles: &mut [(Tile, &TileSpec)]) {
    let Some((mem_id, mem_size)) = tiles
        .iter()
        .find(|(t, _)| t.kind == TileKind::Memory)
        .map(|(t, _)| (t.id, t.size.map_or(0, Size::bytes)))
    else {
        for (t, spec) in tiles.iter() {
            if let Some(d) = &spec.dram {
                c.err(
                    loc(d),
                    "B11",
                    format!("tile {} needs DRAM but the board has no memory tile", t.id),
                    "add a tile with `kind: memory` and a `size`",
                );
            }
        }
        return;
    };
    let mut placed: Vec<(u64, u64, TileId, Location)> = Vec::new();
    let mut next = 0u64;
    // Explicit placements first, then the rest in file order.
    let mut order: Vec<usize> = (0..tiles.len()).collect();
    order.sort_by_key(|&i| tiles[i].1.dram_at.is_none());
    for i in order {
        let (tile, spec) = &mut tiles[i];
        let Some(size) = spec.dram.as_ref() else {
            continue;
        };
        let at_loc = spec.dram_at.as_ref().map_or(loc(size), loc);
        let offset = spec.dram_at.as_ref().map_or(next, |a| a.value);
        let len = size.value.bytes();
        if offset % PAGE != 0 {
            c.err(
                at_loc,
                "B11",
                format!("`dram_at` {offset:#x} is not 4 KiB aligned"),
                "align it to 4 KiB (0x1000)",
            );
            continue;
        }
        let end = offset.saturating_add(len);
        if end > mem_size {
            c.err(
                at_loc,
                "B11",
                format!(
                    "DRAM of tile {} ({:#x}..{end:#x}) does not fit the {} memory tile {mem_id}",
                    tile.id,
                    offset,
                    Size(mem_size)
                ),
                "shrink the slices or enlarge the memory tile's `size`",
            );
            continue;
        }
        if let Some((o, e, other, _)) = placed.iter().find(|(o, e, _, _)| offset < *e && *o < end) {
            c.err(
                at_loc,
                "B11",
                format!("DRAM of tile {} ({offset:#x}..{end:#x}) overlaps tile {other} ({o:#x}..{e:#x})", tile.id),
                "move `dram_at` so the slices do not overlap, or leave it out to place the slice automatically",
            );
            continue;
        }
        placed.push((offset, end, tile.id, at_loc));
        next = next.max(end);
        tile.dram = Some(DramSlice {
            mem_tile: mem_id,
            offset,
            size: len,
        });
    }
}
