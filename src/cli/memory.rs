//! When the allocator gives freed memory back to the system (mimalloc's
//! purge delay; the binary's allocator, see `main.rs`).

/// `mi_option_purge_delay` in mimalloc.h (v2 and v3; the Rust bindings
/// name the options around it, not it), and its defaults there (v2, v3).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
const PURGE_DELAY_DEFAULTS: [std::ffi::c_long; 2] = [10, 1000];

/// Memory let go is given back to the system at once, not a second
/// later: the interface loading a million texts peaked 15-25 MiB higher
/// while freed memory waited. (Only when the option holds one of its
/// defaults, so that it is the one meant: `MIMALLOC_PURGE_DELAY` set to
/// anything else is left as it is.)
pub fn give_back_at_once() {
    // SAFETY: reading and setting an option of the allocator; any value of
    // a known option is valid.
    unsafe {
        if PURGE_DELAY_DEFAULTS.contains(&libmimalloc_sys::mi_option_get(PURGE_DELAY)) {
            libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
        }
    }
}

/// Memory let go is kept `ms` milliseconds before it is given back (when
/// [`give_back_at_once`] had set it so): a screen frees every row it
/// made, and giving each page back at once was a tenth of its system
/// time (`madvise`), for 3 MiB less at its peak.
pub fn give_back_after(ms: std::ffi::c_long) {
    // SAFETY: as above.
    unsafe {
        if libmimalloc_sys::mi_option_get(PURGE_DELAY) == 0 {
            libmimalloc_sys::mi_option_set(PURGE_DELAY, ms);
        }
    }
}
