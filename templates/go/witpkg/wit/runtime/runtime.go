// Package wit_runtime gives the generated bindings memory the host can write
// into: Go allocations pinned until the bindings have read them.
package wit_runtime

import (
	"runtime"
	"unsafe"
)

// Memory handed out to the host through cabi_realloc, kept until Unpin.
var hostPinner runtime.Pinner

// The host calls cabi_realloc while it copies arguments in, when the component
// may not call any import; Go's allocator can (it reads the clock when the heap
// grows). So cabi_realloc carves from `spare`, a buffer allocated earlier, at a
// time imports are allowed, and refilled after each export has read its
// arguments, at twice the largest argument seen. Carved pieces stay alive as
// long as anything points into them.
var spare []byte

// The largest single allocation the host asked for so far.
var largest uintptr

const spareSize = 1 << 20

func init() {
	spare = make([]byte, spareSize)
}

// Allocate returns size bytes aligned to align, pinned by pinner.
func Allocate(pinner *runtime.Pinner, size, align uintptr) unsafe.Pointer {
	if size == 0 {
		size = 1
	}
	buffer := make([]byte, size+align)
	start := unsafe.Pointer(&buffer[0])
	pinner.Pin(start)
	return alignUp(start, align)
}

func alignUp(p unsafe.Pointer, align uintptr) unsafe.Pointer {
	misalignment := uintptr(p) % align
	if misalignment == 0 {
		return p
	}
	return unsafe.Add(p, align-misalignment)
}

// Unpin releases what the host wrote into through cabi_realloc, once an
// export has copied its arguments out, and refills the spare buffer while
// allocating is safe.
func Unpin() {
	hostPinner.Unpin()
	want := max(uintptr(spareSize), 2*largest)
	if uintptr(len(spare)) < want/2 {
		spare = make([]byte, want)
	}
}

//go:wasmexport cabi_realloc
func cabiRealloc(old unsafe.Pointer, oldSize, align, newSize uintptr) unsafe.Pointer {
	var fresh unsafe.Pointer
	largest = max(largest, newSize+align)
	if need := newSize + align; need <= uintptr(len(spare)) {
		start := unsafe.Pointer(&spare[0])
		hostPinner.Pin(start)
		fresh = alignUp(start, align)
		used := uintptr(fresh) - uintptr(start) + newSize
		spare = spare[used:]
	} else {
		// Larger than anything before: allocate now. If the heap must grow, Go
		// reads the clock and the call traps; the next spare buffer is big enough.
		fresh = Allocate(&hostPinner, newSize, align)
	}
	if oldSize > 0 && old != nil {
		copy(unsafe.Slice((*byte)(fresh), oldSize), unsafe.Slice((*byte)(old), oldSize))
	}
	return fresh
}

// Pages the preview1 adapter asks for its own state. They live in Go's static
// data, which the Go heap never hands out, so neither side overwrites the other.
var adapterArena [5 * 65536]byte
var adapterUsed uintptr

//go:wasmexport cabi_realloc_adapter
func cabiReallocAdapter(old unsafe.Pointer, oldSize, align, newSize uintptr) unsafe.Pointer {
	base := uintptr(unsafe.Pointer(&adapterArena[0]))
	start := (base + adapterUsed + align - 1) &^ (align - 1)
	end := start + newSize
	if end > base+uintptr(len(adapterArena)) {
		panic("adapter arena exhausted")
	}
	adapterUsed = end - base
	return unsafe.Pointer(start)
}
