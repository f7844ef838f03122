//! The client side of an accelerator tile: connecting its controller.
//!
//! An accelerator's controller never talks to the kernel, so its parent
//! sets up, before starting it, every endpoint of the fixed layout
//! ([`filter_proto::accel`]) on the accelerator's tile: it takes the tile's
//! file session (root gave the activity one, as to any filter), obtains a
//! send gate over it and delegates two memory endpoints allocated on the
//! tile to it — so the file server points *the accelerator's* endpoints at
//! file data, and data between two accelerators never reaches the app's
//! tile — and binds a reply gate and a send gate to the app's control gate
//! there.

use filter_proto::accel;
use kif::{CapRange, CapSel};
use tile_gates::{ChildActivity, Env, GateError};
use tile_runtime::tcu_mmio::{EpId, Label};

/// Connects accelerator activity `child` (stage `stage`) to the control
/// receive gate `ctrl`; returns the numbers of its input and output memory
/// endpoints in its file session (they go into its [`filter_proto::Job`]).
pub(crate) fn connect(
    env: &Env<'_>,
    child: &ChildActivity,
    ctrl: CapSel,
    stage: u64,
) -> Result<[u64; 2], GateError> {
    let sys = &env.sys;
    let ep_at = |ep: u16| -> Result<CapSel, GateError> {
        let sel = env.sel();
        sys.alloc_ep_on(sel, child.sel, EpId(ep), 0)
            .map_err(GateError::Syscall)?;
        Ok(sel)
    };
    // The accelerator's own file session, from its capabilities.
    let sess = env.sel();
    sys.exchange(
        child.sel,
        CapRange::one(sess),
        kif::plan::SESSION_SELS,
        true,
    )
    .map_err(GateError::Syscall)?;
    // Requests over it go out from the accelerator's tile.
    let files = env.sel();
    sys.exchange_sess(
        sess,
        CapRange::one(files),
        true,
        [file_proto::session::OBTAIN_GATE, 0],
    )
    .map_err(GateError::Syscall)?;
    sys.activate(ep_at(accel::EP_FILES)?, files, 0)
        .map_err(GateError::Syscall)?;
    // Its memory endpoints, the file server's to configure.
    let mut eps = [0u64; 2];
    for (i, ep) in [accel::EP_IN, accel::EP_OUT].into_iter().enumerate() {
        let cap = ep_at(ep)?;
        let (_, index) = sys
            .exchange_sess(
                sess,
                CapRange::one(cap),
                false,
                [file_proto::session::DELEGATE_EP, 0],
            )
            .map_err(GateError::Syscall)?;
        eps[i] = index;
    }
    // Its reply gate, in its own local memory.
    let replies = env.sel();
    sys.create_rgate(replies, accel::REPLY_ORDER, accel::REPLY_MSG_ORDER)
        .map_err(GateError::Syscall)?;
    sys.activate(ep_at(accel::EP_REPLIES)?, replies, accel::REPLY_BUF)
        .map_err(GateError::Syscall)?;
    // Its way to the app: one credit, labelled with the stage.
    let sgate = env.sel();
    sys.create_sgate(sgate, ctrl, Label(stage), 1)
        .map_err(GateError::Syscall)?;
    sys.activate(ep_at(accel::EP_CTRL)?, sgate, 0)
        .map_err(GateError::Syscall)?;
    Ok(eps)
}
