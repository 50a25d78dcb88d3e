/// mimalloc, not the system's allocator: a screen or an import makes each
/// row's records on its reading thread and frees them on the other, and
/// glibc's allocator spent a quarter of a million-row screen allocating,
/// freeing across threads and waiting on its locks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    interdict::cli::memory::give_back_at_once();
    interdict::cli::run()
}
