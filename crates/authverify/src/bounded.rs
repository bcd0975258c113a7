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

/// What a file read in parts holds in memory: the file ranges read into a zeroed buffer as
/// long as the file, and what they cost, each range with a page more (the page it touches
/// beyond its bytes), against a bound. The MSI structure (`msi::hold`) and the APPX headers
/// (`verify::reader`) are both charged through it: the chains and offsets a file names can
/// point anywhere in it, and a sparse file claims any length at no cost on disk, so only
/// this bounds what a file makes the reader hold.
#[derive(Debug)]
pub(crate) struct HeldRanges {
    ranges: Vec<std::ops::Range<u64>>,
    spent: u64,
    most: u64,
}

/// A memory page: the least a held range makes resident.
const PAGE: u64 = 4096;

impl HeldRanges {
    /// Nothing held yet, at most `most` bytes to be.
    pub(crate) fn new(most: u64) -> Self {
        Self {
            ranges: Vec::new(),
            spent: 0,
            most,
        }
    }

    /// Charges `range` (an empty one is free); false once what is held would pass the
    /// bound, and then the caller reads nothing more.
    pub(crate) fn charge(&mut self, range: &std::ops::Range<u64>) -> bool {
        if range.start < range.end {
            let cost = range.end.saturating_sub(range.start).saturating_add(PAGE);
            self.spent = self.spent.saturating_add(cost);
        }
        self.spent <= self.most
    }

    /// Records `range` as read (after [`HeldRanges::charge`]).
    pub(crate) fn record(&mut self, range: std::ops::Range<u64>) {
        self.ranges.push(range);
    }

    /// The ranges read, sorted, overlapping and adjacent ones merged.
    pub(crate) fn into_merged(self) -> Vec<std::ops::Range<u64>> {
        merged(self.ranges)
    }
}

/// `ranges` sorted, overlapping and adjacent ones merged.
pub(crate) fn merged(mut ranges: Vec<std::ops::Range<u64>>) -> Vec<std::ops::Range<u64>> {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<std::ops::Range<u64>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}
