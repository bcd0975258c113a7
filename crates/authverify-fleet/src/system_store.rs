//! `--trust system` (Windows): the stores of the machine authverify runs on, read through
//! CryptoAPI as WinVerifyTrust reads them. Root and AuthRoot (the automatic-update cache)
//! are anchors, CA intermediates, Disallowed distrusted; each at every location that feeds
//! chain building: the current user, the local machine, and the group-policy and enterprise
//! physical stores. A certificate several locations share counts once. The machine's cached
//! authroot.stl (`HKLM\...\AuthRoot\AutoUpdate\EncodedCtl`) is loaded too, and its sequence
//! number and date are reported: on an offline machine it is as old as its last sync.
//!
//! The only unsafe code of the project: CryptoAPI and the registry are C APIs. Each call's
//! contract is in a comment beside it. (The workspace denies `unsafe_code`; this module
//! alone allows it.)

#![allow(unsafe_code)]

use authverify::TrustStore;

/// What was loaded, for the note the caller prints.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Roots added (Root and AuthRoot).
    pub anchors: usize,
    /// Intermediates added (CA).
    pub intermediates: usize,
    /// Certificates distrusted (Disallowed).
    pub distrusted: usize,
    /// `store: why` for every certificate or list that could not be read.
    pub unreadable: Vec<String>,
    /// (sequence number, thisUpdate) of the cached authroot.stl, when the machine has one.
    pub cached_ctl: Option<(String, authverify::UnixTime)>,
}

/// Why the machine's stores gave nothing to trust.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SystemStoreError {
    /// Not Windows: there are no CryptoAPI stores to read.
    #[error("--trust system reads the stores of the Windows machine authverify runs on (CryptoAPI); here, give --trust a `reg export` of that machine's stores instead (see README: --trust machine.reg)")]
    NotWindows,
    /// No root could be read and there is no cached root list.
    #[error("--trust system: no Root or AuthRoot certificate could be read from this machine's stores")]
    NoRoots,
}

/// Adds the stores of the Windows machine this runs on to `store`.
#[cfg(not(windows))]
pub fn load(_store: &mut TrustStore) -> Result<Loaded, SystemStoreError> {
    Err(SystemStoreError::NotWindows)
}

/// Adds the stores of the Windows machine this runs on to `store`.
#[cfg(windows)]
pub fn load(store: &mut TrustStore) -> Result<Loaded, SystemStoreError> {
    windows::load(store)
}

#[cfg(windows)]
mod windows {
    use std::collections::HashSet;
    use std::sync::Arc;

    use authverify::{Certificate, Role, TrustList, TrustStore};
    use windows_sys::Win32::Security::Cryptography::{
        CertCloseStore, CertEnumCertificatesInStore, CertOpenStore, CERT_STORE_OPEN_EXISTING_FLAG,
        CERT_STORE_PROV_SYSTEM_W, CERT_STORE_READONLY_FLAG, CERT_SYSTEM_STORE_CURRENT_USER_GROUP_POLICY_ID,
        CERT_SYSTEM_STORE_CURRENT_USER_ID, CERT_SYSTEM_STORE_LOCAL_MACHINE_ENTERPRISE_ID,
        CERT_SYSTEM_STORE_LOCAL_MACHINE_GROUP_POLICY_ID, CERT_SYSTEM_STORE_LOCAL_MACHINE_ID,
    };
    use windows_sys::Win32::System::Registry::{RegGetValueW, HKEY_LOCAL_MACHINE, RRF_RT_REG_BINARY};

    use super::{Loaded, SystemStoreError};

    /// Stores and the role their certificates play in chain building (the number keeps a
    /// certificate that two locations share from counting twice in the same role).
    const STORES: [(&str, Role, u8); 4] = [
        ("Root", Role::Anchors, 0),
        ("AuthRoot", Role::Anchors, 0),
        ("CA", Role::Intermediates, 1),
        ("Disallowed", Role::Distrusted, 2),
    ];

    /// wincrypt.h: a location id goes in the high word of the flags.
    const LOCATION_SHIFT: u32 = 16;
    const LOCATIONS: [(u32, &str); 5] = [
        (CERT_SYSTEM_STORE_CURRENT_USER_ID, "CurrentUser"),
        (CERT_SYSTEM_STORE_LOCAL_MACHINE_ID, "LocalMachine"),
        (CERT_SYSTEM_STORE_CURRENT_USER_GROUP_POLICY_ID, "CurrentUserGroupPolicy"),
        (
            CERT_SYSTEM_STORE_LOCAL_MACHINE_GROUP_POLICY_ID,
            "LocalMachineGroupPolicy",
        ),
        (CERT_SYSTEM_STORE_LOCAL_MACHINE_ENTERPRISE_ID, "LocalMachineEnterprise"),
    ];

    fn wide(s: &str) -> Vec<u16> {
        s.encode_utf16().chain(std::iter::once(0)).collect()
    }

    /// Every certificate's DER in one system store; `None` when the store does not exist.
    fn read_store(location: u32, name: &str) -> Option<Vec<Vec<u8>>> {
        let name_w = wide(name);
        let flags = (location << LOCATION_SHIFT) | CERT_STORE_READONLY_FLAG | CERT_STORE_OPEN_EXISTING_FLAG;
        // SAFETY: CERT_STORE_PROV_SYSTEM_W takes a NUL-terminated UTF-16 store name as pvPara,
        // which `name_w` is and outlives the call; encoding type and provider may be 0 for it.
        let store = unsafe { CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, flags, name_w.as_ptr().cast()) };
        if store.is_null() {
            return None;
        }
        let mut out = Vec::new();
        let mut ctx = std::ptr::null();
        loop {
            // SAFETY: `store` is open; `ctx` is null or the context the previous call returned,
            // which this call frees (the enumeration contract).
            ctx = unsafe { CertEnumCertificatesInStore(store, ctx) };
            if ctx.is_null() {
                break;
            }
            // SAFETY: a non-null context from the enumeration points to a CERT_CONTEXT whose
            // pbCertEncoded holds cbCertEncoded bytes while the context is alive (until the
            // next enumeration call); the bytes are copied before that.
            let der = unsafe {
                let c = &*ctx;
                std::slice::from_raw_parts(c.pbCertEncoded, c.cbCertEncoded as usize).to_vec()
            };
            out.push(der);
        }
        // SAFETY: `store` was opened above and is closed once; the enumeration has ended, so
        // no context is outstanding.
        unsafe { CertCloseStore(store, 0) };
        Some(out)
    }

    /// The machine's cached authroot.stl, if it has one.
    fn cached_ctl() -> Option<Vec<u8>> {
        let key = wide(r"SOFTWARE\Microsoft\SystemCertificates\AuthRoot\AutoUpdate");
        let value = wide("EncodedCtl");
        let mut size = 0u32;
        // SAFETY: a null buffer with a valid size pointer asks for the value's size; key and
        // value names are NUL-terminated UTF-16 that outlive the call.
        let rc = unsafe {
            RegGetValueW(
                HKEY_LOCAL_MACHINE,
                key.as_ptr(),
                value.as_ptr(),
                RRF_RT_REG_BINARY,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                &mut size,
            )
        };
        if rc != 0 || size == 0 {
            return None;
        }
        let mut buf = vec![0u8; size as usize];
        // SAFETY: `buf` has `size` writable bytes, as `size` tells the call; it writes at
        // most that many and stores the count written back in `size`.
        let rc = unsafe {
            RegGetValueW(
                HKEY_LOCAL_MACHINE,
                key.as_ptr(),
                value.as_ptr(),
                RRF_RT_REG_BINARY,
                std::ptr::null_mut(),
                buf.as_mut_ptr().cast(),
                &mut size,
            )
        };
        if rc != 0 {
            return None;
        }
        buf.truncate(size as usize);
        Some(buf)
    }

    pub(super) fn load(store: &mut TrustStore) -> Result<Loaded, SystemStoreError> {
        let mut loaded = Loaded::default();
        let mut seen: HashSet<(u8, [u8; 32])> = HashSet::new();
        for (location, location_name) in LOCATIONS {
            for (name, role, role_id) in STORES {
                let Some(certs) = read_store(location, name) else {
                    continue;
                };
                for der in certs {
                    match Certificate::from_der(&der) {
                        Ok(c) => {
                            if !seen.insert((role_id, c.sha256())) {
                                continue;
                            }
                            let c = Arc::new(c);
                            match role {
                                Role::Anchors => {
                                    store.add_anchor(c);
                                    loaded.anchors += 1;
                                }
                                Role::Intermediates => {
                                    store.add_intermediate(c);
                                    loaded.intermediates += 1;
                                }
                                _ => {
                                    store.distrust(c);
                                    loaded.distrusted += 1;
                                }
                            }
                        }
                        Err(e) => loaded.unreadable.push(format!("{location_name}\\{name}: {e}")),
                    }
                }
            }
        }
        if let Some(ctl) = cached_ctl() {
            match TrustList::parse(&ctl) {
                Ok(list) => {
                    let info = (
                        list.sequence_number.clone().unwrap_or_else(|| "?".into()),
                        list.this_update,
                    );
                    match store.add_trust_list(list) {
                        Ok(()) => loaded.cached_ctl = Some(info),
                        Err(e) => loaded.unreadable.push(format!("cached authroot.stl: {e}")),
                    }
                }
                Err(e) => loaded.unreadable.push(format!("cached authroot.stl: {e}")),
            }
        }
        if loaded.anchors == 0 && loaded.cached_ctl.is_none() {
            return Err(SystemStoreError::NoRoots);
        }
        Ok(loaded)
    }
}
