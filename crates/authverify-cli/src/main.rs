//! The `authverify` binary. Everything lives in the `authverify_cli` library, which the
//! Python binding shares; this only runs it.

fn main() -> std::process::ExitCode {
    authverify_cli::run()
}
