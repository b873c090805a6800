// Package wit_runtime gives the generated bindings memory the host can write
// into: Go allocations pinned until the bindings have read them.
package wit_runtime

import (
	"runtime"
	"unsafe"
)

// Memory handed out to the host through cabi_realloc, kept until Unpin.
var hostPinner runtime.Pinner

// Allocate returns size bytes aligned to align, pinned by pinner.
func Allocate(pinner *runtime.Pinner, size, align uintptr) unsafe.Pointer {
	if size == 0 {
		size = 1
	}
	buffer := make([]byte, size+align)
	start := unsafe.Pointer(&buffer[0])
	pinner.Pin(start)
	misalignment := uintptr(start) % align
	if misalignment == 0 {
		return start
	}
	return unsafe.Add(start, align-misalignment)
}

// Unpin releases what the host wrote into through cabi_realloc, once an
// export has copied its arguments out.
func Unpin() {
	hostPinner.Unpin()
}

//go:wasmexport cabi_realloc
func cabiRealloc(old unsafe.Pointer, oldSize, align, newSize uintptr) unsafe.Pointer {
	fresh := Allocate(&hostPinner, newSize, align)
	if oldSize > 0 && old != nil {
		copy(unsafe.Slice((*byte)(fresh), oldSize), unsafe.Slice((*byte)(old), oldSize))
	}
	return fresh
}
