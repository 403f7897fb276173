package s3

import (
	"unsafe"

	"github.com/nimbus-sim/nimbus/sim"
)

// arenaSlab is how many headers (and 64 times as many ETag bytes) one
// arena allocation holds.
const arenaSlab = 256

// arena hands out response headers and ETag strings carved from shared
// slabs, so a GET allocates once per few hundred responses rather than
// twice per response. Carved regions are never written again: a header
// slice has its capacity capped (a caller's append copies it) and ETag
// bytes are immutable once turned into a string.
type arena struct {
	headers []sim.Header
	bytes   []byte
}

// header returns an empty slice with room for exactly n headers.
func (a *arena) header(n int) []sim.Header {
	if len(a.headers)+n > cap(a.headers) {
		a.headers = make([]sim.Header, 0, max(arenaSlab, n))
	}
	i := len(a.headers)
	a.headers = a.headers[:i+n]
	return a.headers[i : i : i+n]
}

// etag returns v's ETag as a string backed by the byte slab.
func (a *arena) etag(v *version) string {
	if len(a.bytes)+etagLen > cap(a.bytes) {
		a.bytes = make([]byte, 0, 64*arenaSlab)
	}
	i := len(a.bytes)
	a.bytes = v.appendETag(a.bytes)
	return unsafe.String(&a.bytes[i], len(a.bytes)-i)
}
