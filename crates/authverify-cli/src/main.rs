//! The `authverify` binary. Everything lives in the `authverify_cli` library; this only
//! runs it.

fn main() -> std::process::ExitCode {
    authverify_cli::run()
}
