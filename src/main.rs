//! The `airssys-wasm` binary: everything lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    airssys_wasm::cli::main()
}
