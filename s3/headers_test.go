package s3

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

// TestNewHeaders: the ETag carved from a header block equals ETag() for
// single-PUT and largest-multipart versions, and filling the block's
// headers leaves it intact.
func TestNewHeaders(t *testing.T) {
	for _, v := range []*version{
		{etag: [16]byte{0xde, 0xad}},
		{etag: [16]byte{0xff}, parts: 65535},
	} {
		for _, n := range []int{1, 2, 3, maxObjectHeaders} {
			hs, etag := newHeaders(n, v)
			require.Equal(t, v.ETag(), etag)
			require.Len(t, etag, len(v.ETag()))
			for range n {
				hs = append(hs, hs[:1]...)
				hs[len(hs)-1].Value = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			}
			assert.Equal(t, v.ETag(), etag)
		}
	}
}

// TestObjectHeadersBound: a version with every optional header (metadata,
// restore, versioning, range, non-Standard class) fits maxObjectHeaders.
func TestObjectHeadersBound(t *testing.T) {
	_, _, b := newTestBucket(t, Config{}, "hdrs")
	require.NoError(t, b.PutBucketVersioning(VersioningEnabled))
	_, err := b.PutObject("k", PutObjectInput{Size: 10, StorageClass: StandardIA, ContentType: "text/plain", CacheControl: "max-age=60"})
	require.NoError(t, err)
	_, v, _, _ := b.lookup("k", "")
	v.x.restoring = true
	hs := b.objectHeaders(v, "bytes 0-1/10")
	assert.Len(t, hs, maxObjectHeaders, "ETag, Content-Type, Cache-Control, restore, version, range, class")
	assert.LessOrEqual(t, cap(hs), maxObjectHeaders)
}

// TestPlainHeadersCache: a version's cached GET headers are shared between
// GETs and rebuilt when the bucket's versioning or the version's storage
// class changes; callers cannot append into the shared block.
func TestPlainHeadersCache(t *testing.T) {
	_, _, b := newTestBucket(t, Config{}, "cache")
	_, err := b.PutObject("k", PutObjectInput{Size: 10})
	require.NoError(t, err)
	_, v, _, _ := b.lookup("k", "")
	first := b.objectHeaders(v, "")
	require.Equal(t, []sim.Header{{Name: "ETag", Value: v.ETag()}}, first)
	again := b.objectHeaders(v, "")
	assert.Same(t, &first[0], &again[0], "the second GET shares the first's headers")
	assert.Equal(t, len(again), cap(again), "appending copies")

	require.NoError(t, b.PutBucketVersioning(VersioningEnabled))
	hs := b.objectHeaders(v, "")
	assert.Equal(t, []sim.Header{{Name: "ETag", Value: v.ETag()}, {Name: "x-amz-version-id", Value: NullVersion}}, hs)

	v.class = Glacier
	hs = b.objectHeaders(v, "")
	assert.Equal(t, []sim.Header{{Name: "ETag", Value: v.ETag()}, {Name: "x-amz-version-id", Value: NullVersion},
		{Name: "x-amz-storage-class", Value: Glacier.String()}}, hs)

	ranged := b.objectHeaders(v, "bytes 0-1/10")
	assert.Len(t, ranged, 4, "a range is never cached")
	assert.Len(t, b.objectHeaders(v, ""), 3)
}
