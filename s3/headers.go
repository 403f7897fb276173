package s3

import (
	"unsafe"

	"github.com/nimbus-sim/nimbus/sim"
)

// Response headers and the ETag string they carry share one allocation per
// response. Each response owns its block, so a cache that keeps a response
// (CloudFront's) keeps only that response's memory alive.
type (
	headerBlock2 struct {
		hs   [2]sim.Header
		etag [etagLen]byte
	}
	headerBlock7 struct {
		hs   [maxObjectHeaders]sim.Header
		etag [etagLen]byte
	}
)

// plainHeaders are the GET headers of a version without metadata, built on
// its first GET and shared by every later response while the storage class
// and the bucket's versioning they were built for hold. Sharing is safe
// because responses' headers are read-only (sim.Response.WithHeader
// copies); it saves an allocation per GET.
type plainHeaders struct {
	hs        [3]sim.Header // ETag, x-amz-version-id, x-amz-storage-class
	n         uint8
	versioned bool
	class     StorageClass
	etag      [etagLen]byte
}

// maxObjectHeaders is the most headers objectHeaders writes.
const maxObjectHeaders = 7

// newHeaders returns an empty header slice with room for n (≤
// maxObjectHeaders) headers, and v's ETag as a string in the same block.
func newHeaders(n int, v *version) ([]sim.Header, string) {
	var hs []sim.Header
	var buf []byte
	if n <= 2 {
		blk := new(headerBlock2)
		hs, buf = blk.hs[:0:n], blk.etag[:0]
	} else {
		blk := new(headerBlock7)
		hs, buf = blk.hs[:0:n], blk.etag[:0]
	}
	// etagLen bounds appendETag, so it writes into the block; the bytes
	// are never written again.
	buf = v.appendETag(buf)
	return hs, unsafe.String(unsafe.SliceData(buf), len(buf))
}
