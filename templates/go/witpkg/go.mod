// A stand-in for go.bytecodealliance.org/pkg: the Go module proxy is out of
// reach here, and the generated bindings need only these two small packages.
module go.bytecodealliance.org/pkg

go 1.25
