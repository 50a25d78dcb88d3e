fn main() -> std::process::ExitCode {
    interdict::cli::run()
}
