//! A generational arena: kernel objects by index, never by pointer.
//!
//! A [`Key`] is an index plus the generation of the slot when the value
//! was inserted; after the value is removed and the slot reused, old keys
//! no longer resolve — a stale reference is an error, not a wrong object.

use alloc::vec::Vec;

/// A key into an [`Arena`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    index: u32,
    generation: u32,
}

impl Key {
    /// The slot index (for debugging output).
    pub fn index(self) -> u32 {
        self.index
    }
}

enum Slot<T> {
    Full { generation: u32, value: T },
    Free { generation: u32, next: Option<u32> },
}

/// Values of type `T` by [`Key`].
pub struct Arena<T> {
    slots: Vec<Slot<T>>,
    free: Option<u32>,
    len: usize,
}

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Arena<T> {
    /// An empty arena.
    pub const fn new() -> Self {
        Self {
            slots: Vec::new(),
            free: None,
            len: 0,
        }
    }

    /// Inserts `value`; returns its key.
    pub fn insert(&mut self, value: T) -> Key {
        self.len += 1;
        if let Some(index) = self.free
            && let Some(Slot::Free { generation, next }) = self.slots.get(index as usize)
        {
            let (generation, next) = (generation.wrapping_add(1), *next);
            self.free = next;
            self.slots[index as usize] = Slot::Full { generation, value };
            return Key { index, generation };
        }
        let index = self.slots.len() as u32;
        self.slots.push(Slot::Full {
            generation: 0,
            value,
        });
        Key {
            index,
            generation: 0,
        }
    }

    /// The value at `key`, if it is still there.
    pub fn get(&self, key: Key) -> Option<&T> {
        match self.slots.get(key.index as usize)? {
            Slot::Full { generation, value } if *generation == key.generation => Some(value),
            _ => None,
        }
    }

    /// The value at `key`, mutably, if it is still there.
    pub fn get_mut(&mut self, key: Key) -> Option<&mut T> {
        match self.slots.get_mut(key.index as usize)? {
            Slot::Full { generation, value } if *generation == key.generation => Some(value),
            _ => None,
        }
    }

    /// Removes and returns the value at `key`.
    pub fn remove(&mut self, key: Key) -> Option<T> {
        let i = key.index as usize;
        match self.slots.get(i) {
            Some(Slot::Full { generation, .. }) if *generation == key.generation => {}
            _ => return None,
        }
        let old = core::mem::replace(
            &mut self.slots[i],
            Slot::Free {
                generation: key.generation,
                next: self.free,
            },
        );
        self.free = Some(key.index);
        self.len -= 1;
        match old {
            Slot::Full { value, .. } => Some(value),
            Slot::Free { .. } => None,
        }
    }

    /// How many values it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every (key, value).
    pub fn iter(&self) -> impl Iterator<Item = (Key, &T)> {
        self.slots.iter().enumerate().filter_map(|(i, s)| match s {
            Slot::Full { generation, value } => Some((
                Key {
                    index: i as u32,
                    generation: *generation,
                },
                value,
            )),
            Slot::Free { .. } => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_keys_do_not_resolve_after_reuse() {
        let mut a = Arena::new();
        let k1 = a.insert("one");
        assert_eq!(a.remove(k1), Some("one"));
        let k2 = a.insert("two");
        assert_eq!(k1.index(), k2.index(), "the slot is reused");
        assert_eq!(a.get(k1), None, "the old key is stale");
        assert_eq!(a.get(k2), Some(&"two"));
        assert_eq!(a.remove(k1), None);
        assert_eq!(a.len(), 1);
    }
}
