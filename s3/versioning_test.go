package s3

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// versionsOf lists a key's versions as (versionID, isMarker) pairs.
func versionsOf(t *testing.T, b *Bucket, key string) []ObjectVersion {
	t.Helper()
	out, err := b.ListObjectVersions(ListObjectVersionsInput{Prefix: key})
	require.NoError(t, err)
	return out.Versions
}

// TestVersioningEnabled follows the S3 user guide's examples: PUTs add
// versions, a simple DELETE adds a marker (GET then 404s), GET of the
// marker's version ID is 405, and deleting the marker restores the object.
func TestVersioningEnabled(t *testing.T) {
	_, _, b := newTestBucket(t, Config{}, "versioned")
	v0, err := b.PutObject("photo.gif", PutObjectInput{Size: 10})
	require.NoError(t, err)
	assert.Empty(t, v0.VersionID, "unversioned buckets report no version ID")
	require.ErrorIs(t, b.PutBucketVersioning(Unversioned), ErrIllegalVersioning)
	require.NoError(t, b.PutBucketVersioning(VersioningEnabled))

	v1, err := b.PutObject("photo.gif", PutObjectInput{Size: 11})
	require.NoError(t, err)
	v2, err := b.PutObject("photo.gif", PutObjectInput{Size: 12})
	require.NoError(t, err)
	require.Len(t, v1.VersionID, 32)
	require.NotEqual(t, v1.VersionID, v2.VersionID)

	vs := versionsOf(t, b, "photo.gif")
	require.Len(t, vs, 3)
	assert.Equal(t, []string{v2.VersionID, v1.VersionID, NullVersion}, []string{vs[0].VersionID, vs[1].VersionID, vs[2].VersionID})
	assert.True(t, vs[0].IsLatest)
	assert.False(t, vs[1].IsLatest)

	old, err := b.GetObject("photo.gif", GetObjectInput{VersionID: NullVersion})
	require.NoError(t, err)
	assert.Equal(t, int64(10), old.Size, "the pre-versioning object is the null version")

	del, err := b.DeleteObject("photo.gif", "")
	require.NoError(t, err)
	assert.True(t, del.DeleteMarker)
	_, err = b.GetObject("photo.gif", GetObjectInput{})
	require.ErrorIs(t, err, ErrNoSuchKey)
	_, err = b.GetObject("photo.gif", GetObjectInput{VersionID: del.VersionID})
	require.ErrorIs(t, err, ErrMethodNotAllowed)
	got, err := b.GetObject("photo.gif", GetObjectInput{VersionID: v1.VersionID})
	require.NoError(t, err)
	assert.Equal(t, int64(11), got.Size)
	list, err := b.ListObjectsV2(ListObjectsV2Input{})
	require.NoError(t, err)
	assert.Empty(t, list.Contents, "a key whose current version is a marker is not listed")
	assert.Equal(t, int64(3), b.ObjectCount(), "three versions remain behind the marker")
	assert.Equal(t, int64(33), b.StorageBytes())

	// Deleting the marker by version ID makes v2 current again.
	out, err := b.DeleteObject("photo.gif", del.VersionID)
	require.NoError(t, err)
	assert.True(t, out.DeleteMarker)
	got, err = b.GetObject("photo.gif", GetObjectInput{})
	require.NoError(t, err)
	assert.Equal(t, v2.VersionID, got.VersionID)

	// Deleting a version permanently removes it.
	_, err = b.DeleteObject("photo.gif", v1.VersionID)
	require.NoError(t, err)
	_, err = b.GetObject("photo.gif", GetObjectInput{VersionID: v1.VersionID})
	require.ErrorIs(t, err, ErrNoSuchVersion)
	assert.Equal(t, int64(22), b.StorageBytes())
	assert.Equal(t, int64(2), b.ObjectCount())
}

// TestVersioningSuspended: a PUT replaces the null version only; a simple
// DELETE removes the null version and leaves a null delete marker.
func TestVersioningSuspended(t *testing.T) {
	_, _, b := newTestBucket(t, Config{}, "suspended")
	require.NoError(t, b.PutBucketVersioning(VersioningEnabled))
	v1, _ := b.PutObject("k", PutObjectInput{Size: 1})
	require.NoError(t, b.PutBucketVersioning(VersioningSuspended))
	n1, err := b.PutObject("k", PutObjectInput{Size: 2})
	require.NoError(t, err)
	assert.Equal(t, NullVersion, n1.VersionID)
	_, err = b.PutObject("k", PutObjectInput{Size: 3})
	require.NoError(t, err)
	vs := versionsOf(t, b, "k")
	require.Len(t, vs, 2, "the second suspended PUT overwrote the null version")
	assert.Equal(t, NullVersion, vs[0].VersionID)
	assert.Equal(t, int64(3), vs[0].Size)
	assert.Equal(t, v1.VersionID, vs[1].VersionID)

	del, err := b.DeleteObject("k", "")
	require.NoError(t, err)
	assert.Equal(t, NullVersion, del.VersionID)
	vs = versionsOf(t, b, "k")
	require.Len(t, vs, 2)
	assert.True(t, vs[0].DeleteMarker)
	assert.Equal(t, NullVersion, vs[0].VersionID)
	assert.Equal(t, v1.VersionID, vs[1].VersionID)
	assert.Equal(t, int64(1), b.StorageBytes(), "the null version's 3 bytes are gone")

	// A second simple delete replaces the null marker; still two entries.
	_, err = b.DeleteObject("k", "")
	require.NoError(t, err)
	assert.Len(t, versionsOf(t, b, "k"), 2)
	// Deleting the null marker by ID exposes v1.
	_, err = b.DeleteObject("k", NullVersion)
	require.NoError(t, err)
	got, err := b.GetObject("k", GetObjectInput{})
	require.NoError(t, err)
	assert.Equal(t, v1.VersionID, got.VersionID)
}

func TestUnversionedDelete(t *testing.T) {
	_, _, b := newTestBucket(t, Config{}, "plain")
	_, err := b.PutObject("k", PutObjectInput{Size: 5})
	require.NoError(t, err)
	_, err = b.PutObject("k", PutObjectInput{Size: 7})
	require.NoError(t, err)
	assert.Equal(t, int64(7), b.StorageBytes(), "an overwrite replaces the object")
	out, err := b.DeleteObject("k", "")
	require.NoError(t, err)
	assert.False(t, out.DeleteMarker)
	assert.Zero(t, b.Len())
	_, err = b.DeleteObject("k", "")
	require.NoError(t, err, "deletes are idempotent")
}
