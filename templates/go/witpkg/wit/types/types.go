// Package wit_types holds the WIT value types the generated bindings use:
// unit, tuples, options and results.
package wit_types

// Unit is WIT's `_`: a result or payload that carries nothing.
type Unit struct{}

// Tuple2 is a WIT `tuple<A, B>`.
type Tuple2[A any, B any] struct {
	F0 A
	F1 B
}

// Tags of a Result.
const (
	ResultOk  uint8 = 0
	ResultErr uint8 = 1
)

// Result is a WIT `result<T, E>`.
type Result[T any, E any] struct {
	tag uint8
	ok  T
	err E
}

// Ok makes a successful result.
func Ok[T any, E any](value T) Result[T, E] { return Result[T, E]{tag: ResultOk, ok: value} }

// Err makes a failed result.
func Err[T any, E any](value E) Result[T, E] { return Result[T, E]{tag: ResultErr, err: value} }

// Tag says which case the result holds.
func (r Result[T, E]) Tag() uint8 { return r.tag }

// IsOk reports a success.
func (r Result[T, E]) IsOk() bool { return r.tag == ResultOk }

// IsErr reports a failure.
func (r Result[T, E]) IsErr() bool { return r.tag == ResultErr }

// Ok is the success value (zero for a failure).
func (r Result[T, E]) Ok() T { return r.ok }

// Err is the failure value (zero for a success).
func (r Result[T, E]) Err() E { return r.err }

// Option is a WIT `option<T>`.
type Option[T any] struct {
	some  bool
	value T
}

// Some makes an option holding value.
func Some[T any](value T) Option[T] { return Option[T]{some: true, value: value} }

// None makes an empty option.
func None[T any]() Option[T] { return Option[T]{} }

// IsSome reports a value.
func (o Option[T]) IsSome() bool { return o.some }

// IsNone reports no value.
func (o Option[T]) IsNone() bool { return !o.some }

// Some is the value (zero when there is none).
func (o Option[T]) Some() T { return o.value }
