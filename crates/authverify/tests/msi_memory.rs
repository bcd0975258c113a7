//! Issue 27: an MSI package's directory costs memory besides the input in proportion to
//! its entries, and the entries are bounded ([`authverify::msi::MAX_ENTRIES`]). A package
//! with a million entries (123 MiB) peaked at 613 MB RSS when the `cfb` crate modelled
//! every entry; this counts the heap the verification itself allocates, the input aside,
//! at the bound and one entry past it. No timing is asserted.
//!
//! One test in its own binary: the counting allocator sees every thread of the process, so
//! no other test may run beside it.

// A global allocator is an `unsafe impl`; this one only counts and forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use authverify::error::MsiError;
use authverify::msi::MAX_ENTRIES;
use authverify::{Certificate, Error, FileStatus, Policy, TrustStore, Verifier};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call forwards to `System` with the caller's arguments unchanged; the
// counters are atomics and never affect what is allocated.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as received.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// The most the heap may grow while a package held in memory is verified: the bound on
/// entries keeps the walk's few bytes per entry well under it.
const BUDGET: usize = 64 << 20;

/// How far the heap rose above where it stood while `f` ran.
fn heap_growth<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(before))
}

#[test]
fn a_package_at_the_entry_bound_verifies_in_bounded_memory_and_one_past_it_is_refused() {
    let at = "2026-06-01T00:00:00Z".parse().expect("time");
    // The root, the signature, two streams with data, and empty streams up to the bound.
    let fixed = 4;
    let package =
        authverify_testgen::hostile_big::many_entries_package(u32::try_from(MAX_ENTRIES - fixed).expect("fits"));
    let mut trust = TrustStore::new();
    trust.add_anchor(std::sync::Arc::new(
        Certificate::from_der(&package.root_der).expect("root"),
    ));
    let verifier = Verifier::new(trust, Policy::windows());

    let (report, grown) = heap_growth(|| verifier.verify_bytes(&package.image, at));
    let report = report.expect("a package at the bound is read");
    assert_eq!(report.status, FileStatus::Valid, "{:?}", report.notes);
    assert!(
        grown < BUDGET,
        "verifying {} MiB with {MAX_ENTRIES} entries grew the heap by {} MiB",
        package.image.len() >> 20,
        grown >> 20
    );
    drop(package);

    let past =
        authverify_testgen::hostile_big::many_entries_package(u32::try_from(MAX_ENTRIES - fixed + 1).expect("fits"));
    let (result, grown) = heap_growth(|| verifier.verify_bytes(&past.image, at));
    match result {
        Err(Error::Msi(MsiError::TooManyEntries { limit })) => assert_eq!(limit, MAX_ENTRIES),
        other => panic!("one entry past the bound: {other:?}"),
    }
    assert_eq!(
        Error::Msi(MsiError::TooManyEntries { limit: MAX_ENTRIES }).rule(),
        "file.msi"
    );
    assert!(grown < BUDGET, "refusing it grew the heap by {} MiB", grown >> 20);
}
