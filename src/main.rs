/// mimalloc, not the system's allocator: a screen or an import makes each
/// row's records on its reading thread and frees them on the other, and
/// glibc's allocator spent a quarter of a million-row screen allocating,
/// freeing across threads and waiting on its locks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h (v2 and v3; the Rust bindings
/// name the options around it, not it), and its defaults there (v2, v3).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
const PURGE_DELAY_DEFAULTS: [std::ffi::c_long; 2] = [10, 1000];

fn main() -> std::process::ExitCode {
    // Memory let go is given back to the system at once, not a second
    // later: the interface loading a million texts peaked 15-25 MiB
    // higher while freed memory waited. (Only when the option holds one
    // of its defaults, so that it is the one meant.)
    // SAFETY: reading and setting an option of the allocator; any value of
    // a known option is valid.
    unsafe {
        if PURGE_DELAY_DEFAULTS.contains(&libmimalloc_sys::mi_option_get(PURGE_DELAY)) {
            libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
        }
    }
    interdict::cli::run()
}
