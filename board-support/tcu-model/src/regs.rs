//! Register reads and writes: who may write what, and what a write sets off.

use tcu_mmio::cmd::{CommandStatus, ExtCmdStatus};
use tcu_mmio::regs::{
    ConfigReg, ExtReg, FEAT_CTXSW, FEAT_KERNEL, FEAT_VM, PRINT_BUF_BYTES, PrivReg, UnprivReg,
};
use tcu_mmio::{CmdOp, Code, ExtOp, Reg, TileId};

use crate::Ignored;
use crate::{Access, Model, Printed, Rule, WriteOutcome};

impl Model {
    /// Reads the register at `offset` of tile `id`'s TCU region. Every
    /// register is readable by everyone; no register reads all ones.
    pub fn read_reg(&self, id: TileId, offset: u64) -> u64 {
        let Some(t) = self.tile(id) else {
            return u64::MAX;
        };
        let Some(reg) = Reg::at(offset, t.layout) else {
            return u64::MAX;
        };
        match reg {
            Reg::Ext(ExtReg::Features) => t.features,
            Reg::Ext(ExtReg::TileDesc) => t.tile_desc,
            Reg::Ext(ExtReg::ExtCmd) => t.ext_cmd,
            Reg::Unpriv(UnprivReg::Command) => t.command,
            Reg::Unpriv(UnprivReg::DataAddr) => t.data_addr,
            Reg::Unpriv(UnprivReg::DataSize) => t.data_size,
            Reg::Unpriv(UnprivReg::Arg1) => t.arg1,
            Reg::Unpriv(UnprivReg::CurTime) => self.now_ns,
            Reg::Unpriv(UnprivReg::Print) => t.print,
            Reg::Ep { ep, word } => t
                .ep_words(ep)
                .and_then(|w| w.get(usize::from(word)).copied())
                .unwrap_or(u64::MAX),
            Reg::PrintBuf(n) => t.print_buf.get(usize::from(n)).copied().unwrap_or(u64::MAX),
            Reg::Priv(r) => t.privileged[r as usize],
            Reg::Config(ConfigReg::CoreEnable) => t.config[0],
            Reg::Config(ConfigReg::CoreReset) => t.config[1],
        }
    }

    /// Writes the register at `offset` of tile `id`'s TCU region, as `from`.
    pub fn write_reg(&mut self, id: TileId, offset: u64, value: u64, from: Access) -> WriteOutcome {
        self.write_reg_from(None, id, offset, value, from)
    }

    /// [`Model::write_reg`] by tile `source` (a memory endpoint onto the
    /// registers), or from outside the NoC (`None`).
    pub(crate) fn write_reg_from(
        &mut self,
        source: Option<TileId>,
        id: TileId,
        offset: u64,
        value: u64,
        from: Access,
    ) -> WriteOutcome {
        let Some(&i) = self.index.get(&id) else {
            return WriteOutcome::Ignored(Rule::RegReadOnly);
        };
        let reg = Reg::at(offset, self.tiles[i].layout);
        let outcome = self.apply_write(i, reg, value, from);
        // A write from elsewhere (the kernel over the NoC, a memory EP onto
        // the registers) changes what the tile sees: report it, so mirrors
        // are published again.
        if from == Access::Remote {
            if outcome == WriteOutcome::Applied {
                self.events.push(id);
            }
            self.remote_writes.push(crate::RemoteWrite {
                from: source,
                tile: id,
                offset,
                value,
                applied: outcome == WriteOutcome::Applied,
            });
        }
        if let WriteOutcome::Ignored(rule) = outcome {
            self.tiles[i].violations += 1;
            self.ignored.push(Ignored {
                tile: id,
                offset,
                value,
                rule,
            });
        }
        outcome
    }

    fn apply_write(
        &mut self,
        i: usize,
        reg: Option<Reg>,
        value: u64,
        from: Access,
    ) -> WriteOutcome {
        use Access::{Local, Remote};
        let privileged = self.tiles[i].is_privileged();
        let t = &mut self.tiles[i];
        let ignored = WriteOutcome::Ignored;
        match (reg, from) {
            (None, _) => ignored(Rule::RegReadOnly),
            (Some(Reg::Ext(_)), Local) => ignored(Rule::PrivExtWrite),
            (Some(Reg::Ext(ExtReg::TileDesc)), Remote) => ignored(Rule::RegReadOnly),
            (Some(Reg::Ext(ExtReg::Features)), Remote) => {
                // The flag bits are writable; the version is read-only.
                let flags = FEAT_KERNEL.mask() | FEAT_VM.mask() | FEAT_CTXSW.mask();
                t.features = (t.features & !flags) | (value & flags);
                WriteOutcome::Applied
            }
            (Some(Reg::Ext(ExtReg::ExtCmd)), Remote) => {
                self.ext_command(i, value);
                WriteOutcome::Applied
            }
            (Some(Reg::Unpriv(_) | Reg::PrintBuf(_)), Remote) => ignored(Rule::RemoteUnprivWrite),
            (Some(Reg::Unpriv(UnprivReg::Command)), Local) => {
                let busy = CommandStatus::decode(t.command).map_or(true, |s| s.op != CmdOp::Idle);
                if busy {
                    return ignored(Rule::CmdBusy);
                }
                t.command = value;
                self.exec_command(i);
                WriteOutcome::Applied
            }
            (Some(Reg::Unpriv(UnprivReg::DataAddr)), Local) => {
                t.data_addr = value;
                WriteOutcome::Applied
            }
            (Some(Reg::Unpriv(UnprivReg::DataSize)), Local) => {
                t.data_size = value;
                WriteOutcome::Applied
            }
            (Some(Reg::Unpriv(UnprivReg::Arg1)), Local) => {
                t.arg1 = value;
                WriteOutcome::Applied
            }
            (Some(Reg::Unpriv(UnprivReg::CurTime)), Local) => ignored(Rule::RegReadOnly),
            (Some(Reg::Unpriv(UnprivReg::Print)), Local) => {
                self.print(i, value);
                WriteOutcome::Applied
            }
            (Some(Reg::PrintBuf(n)), Local) => {
                if let Some(w) = t.print_buf.get_mut(usize::from(n)) {
                    *w = value;
                }
                WriteOutcome::Applied
            }
            (Some(Reg::Ep { .. }), Local) if !privileged => ignored(Rule::PrivEpWrite),
            (Some(Reg::Ep { ep, word }), _) => {
                if let Some(w) = t
                    .eps
                    .get_mut(usize::from(ep.raw()))
                    .and_then(|e| e.get_mut(usize::from(word)))
                {
                    *w = value;
                }
                WriteOutcome::Applied
            }
            (Some(Reg::Priv(_)), Local) if !privileged => ignored(Rule::PrivPrivWrite),
            // tilekit has no tile multiplexer: the kernel sets CUR_ACT of a
            // single-activity tile remotely (docs/tcu-rules.md).
            (Some(Reg::Priv(PrivReg::CurAct)), Remote) => {
                t.privileged[PrivReg::CurAct as usize] = value;
                WriteOutcome::Applied
            }
            (Some(Reg::Priv(_)), Remote) => ignored(Rule::RemoteUnprivWrite),
            (Some(Reg::Priv(r)), Local) => {
                t.privileged[r as usize] = value;
                WriteOutcome::Applied
            }
            (Some(Reg::Config(_)), Local) => ignored(Rule::PrivConfigWrite),
            (Some(Reg::Config(c)), Remote) => {
                let idx = match c {
                    ConfigReg::CoreEnable => 0,
                    ConfigReg::CoreReset => 1,
                };
                t.config[idx] = value;
                WriteOutcome::Applied
            }
        }
    }

    /// PRINT: emits `len` bytes of the print buffer and writes 0 back.
    fn print(&mut self, i: usize, len: u64) {
        let t = &mut self.tiles[i];
        let n = usize::try_from(len)
            .unwrap_or(usize::MAX)
            .min(PRINT_BUF_BYTES);
        let bytes: Vec<u8> = t
            .print_buf
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .take(n)
            .collect();
        self.printed.push(Printed {
            tile: t.id,
            text: bytes,
        });
        t.print = 0;
    }

    /// An external command written to EXT_CMD over the NoC.
    fn ext_command(&mut self, i: usize, raw: u64) {
        let op = ExtOp::try_from(tcu_mmio::cmd::EXT_CMD_OP.get(raw));
        let arg = tcu_mmio::cmd::EXT_CMD_ARG.get(raw);
        let (error, result) = match op {
            Ok(ExtOp::Idle) => (Code::None, arg),
            Ok(ExtOp::InvEp) => match self.inv_ep(i, arg) {
                Ok(unread) => (Code::None, unread),
                Err(rule) => (rule.error_code(), 0),
            },
            Ok(ExtOp::Reset) => {
                // gem5's RESET: the compute unit restarts; hardware uses the
                // configuration page, which the simulator drives.
                let t = &mut self.tiles[i];
                t.command = 0;
                t.print = 0;
                (Code::None, 0)
            }
            Err(_) => (Rule::ExtUnknown.error_code(), 0),
        };
        let status = ExtCmdStatus {
            op: ExtOp::Idle,
            error,
            arg: result & tcu_mmio::cmd::EXT_CMD_ARG.max(),
        };
        self.tiles[i].ext_cmd = status.encode().unwrap_or(0);
    }
}
