//! The one bounded cache type the verifier's caches are made of.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

/// A thread-safe map bounded in entries. When full it is emptied and refilled: simple, and a
/// file set's working set (its few intermediates) refills at once.
#[derive(Debug)]
pub(crate) struct BoundedMap<K, V> {
    map: Mutex<HashMap<K, V>>,
    capacity: usize,
}

impl<K: Eq + Hash, V: Clone> BoundedMap<K, V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.map.lock().map(|m| m.len()).unwrap_or(0)
    }

    pub(crate) fn get(&self, key: &K) -> Option<V> {
        self.map.lock().ok().and_then(|m| m.get(key).cloned())
    }

    pub(crate) fn put(&self, key: K, value: V) {
        if let Ok(mut m) = self.map.lock() {
            if m.len() >= self.capacity {
                m.clear();
            }
            m.insert(key, value);
        }
    }
}
