module wit_component

go 1.25

require go.bytecodealliance.org/pkg v0.2.3

// The bindings' support packages come from witpkg/ (no module proxy needed).
replace go.bytecodealliance.org/pkg => ./witpkg
