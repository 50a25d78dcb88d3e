/// mimalloc, not the system's allocator: a screen or an import makes each
/// row's records on its reading thread and frees them on the other, and
/// glibc's allocator spent a quarter of a million-row screen allocating,
/// freeing across threads and waiting on its locks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // A file-size limit (`ulimit -f`) kills a process that writes past it
    // with SIGXFSZ, mid-transaction and without a word; ignored, the
    // write fails (EFBIG), the transaction is rolled back and the error
    // is said like a full disk.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to SIG_IGN at start, before
    // any other thread exists, touches no memory of the program's.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    interdict::cli::memory::give_back_at_once();
    interdict::cli::run()
}
