//! Capabilities: per-activity tables of selectors, and the derivation tree.
//!
//! A capability names a kernel object for one activity at one selector.
//! Capabilities derived from another (an exchange's copies, a send gate
//! made from a receive gate, a memory gate derived from a larger one) are
//! its children; revoking a capability revokes its whole subtree, in every
//! activity. The capability that created an object *owns* it: the object
//! lives as long as that capability.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use kif::CapSel;

use crate::arena::{Arena, Key};
use crate::objects::ObjKey;
use crate::rules::KernelRule;

/// A capability's key.
pub type CapKey = Key;

/// One capability.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cap {
    /// The activity holding it.
    pub owner: ObjKey,
    /// Its selector in the owner's table.
    pub sel: CapSel,
    /// The object it names.
    pub obj: ObjKey,
    /// What it was derived from.
    pub parent: Option<CapKey>,
    /// What was derived from it.
    pub children: Vec<CapKey>,
    /// Whether it owns its object (revoking it frees the object).
    pub owns: bool,
    /// The kernel-memory quota that paid for it, and how much.
    pub paid: Option<(ObjKey, u64)>,
}

/// Every capability of every activity.
#[derive(Default)]
pub struct CapSpace {
    caps: Arena<Cap>,
    tables: BTreeMap<ObjKey, BTreeMap<CapSel, CapKey>>,
}

impl CapSpace {
    /// The capability `act` holds at `sel`.
    pub fn lookup(&self, act: ObjKey, sel: CapSel) -> Option<CapKey> {
        self.tables.get(&act)?.get(&sel).copied()
    }

    /// The capability at `key`.
    pub fn get(&self, key: CapKey) -> Option<&Cap> {
        self.caps.get(key)
    }

    /// Whether `act`'s selector `sel` is free.
    pub fn is_free(&self, act: ObjKey, sel: CapSel) -> bool {
        self.lookup(act, sel).is_none()
    }

    /// Puts a capability for `obj` at `act`'s `sel`, as a child of `parent`.
    pub fn insert(
        &mut self,
        act: ObjKey,
        sel: CapSel,
        obj: ObjKey,
        parent: Option<CapKey>,
        owns: bool,
        paid: Option<(ObjKey, u64)>,
    ) -> Result<CapKey, KernelRule> {
        if !self.is_free(act, sel) {
            return Err(KernelRule::CapExists);
        }
        let key = self.caps.insert(Cap {
            owner: act,
            sel,
            obj,
            parent,
            children: Vec::new(),
            owns,
            paid,
        });
        if let Some(p) = parent.and_then(|p| self.caps.get_mut(p)) {
            p.children.push(key);
        }
        self.tables.entry(act).or_default().insert(sel, key);
        Ok(key)
    }

    /// `key` and everything derived from it, children before parents.
    pub fn subtree(&self, key: CapKey) -> Vec<CapKey> {
        let mut out = Vec::new();
        let mut stack = alloc::vec![(key, false)];
        while let Some((k, expanded)) = stack.pop() {
            if expanded {
                out.push(k);
                continue;
            }
            stack.push((k, true));
            if let Some(c) = self.caps.get(k) {
                for child in &c.children {
                    stack.push((*child, false));
                }
            }
        }
        out
    }

    /// Removes one capability (not its children: callers remove subtrees
    /// children first) from its table and from its parent.
    pub fn remove(&mut self, key: CapKey) -> Option<Cap> {
        let cap = self.caps.remove(key)?;
        if let Some(t) = self.tables.get_mut(&cap.owner) {
            t.remove(&cap.sel);
        }
        if let Some(p) = cap.parent.and_then(|p| self.caps.get_mut(p)) {
            p.children.retain(|c| *c != key);
        }
        Some(cap)
    }

    /// Every capability of `act`, by selector.
    pub fn of(&self, act: ObjKey) -> impl Iterator<Item = (CapSel, CapKey)> + '_ {
        self.tables
            .get(&act)
            .into_iter()
            .flat_map(|t| t.iter().map(|(s, k)| (*s, *k)))
    }

    /// Every capability.
    pub fn iter(&self) -> impl Iterator<Item = (CapKey, &Cap)> {
        self.caps.iter()
    }

    /// How many capabilities exist.
    pub fn len(&self) -> usize {
        self.caps.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.caps.is_empty()
    }
}
