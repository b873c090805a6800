//! Compile-fail tests of `#[component]` and the `Component` trait: each case in
//! `tests/ui/` is a realistic misuse, and its `.stderr` is the error the user sees.
//! Regenerate with `TRYBUILD=overwrite cargo test -p airssys-wasm-sdk --test ui`.

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
