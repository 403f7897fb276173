package s3

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

func TestCreateBucketUniqueness(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	svc, err := New(s, Config{MaxBuckets: 2})
	require.NoError(t, err)
	_, err = svc.CreateBucket(BucketConfig{Name: "shared-name"})
	require.NoError(t, err)
	_, err = svc.CreateBucket(BucketConfig{Name: "shared-name"})
	require.ErrorIs(t, err, ErrBucketAlreadyOwnedByYou)
	// Another account, another region: still one namespace per partition.
	_, err = svc.CreateBucket(BucketConfig{Name: "shared-name", Owner: "111122223333", Region: "eu-west-1"})
	require.ErrorIs(t, err, ErrBucketAlreadyExists)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 409, e.Status)

	_, err = svc.CreateBucket(BucketConfig{Name: "Bad_Name"})
	require.ErrorIs(t, err, ErrInvalidBucketName)
	require.ErrorIs(t, err, ErrInvalidConfig)

	_, err = svc.CreateBucket(BucketConfig{Name: "second"})
	require.NoError(t, err)
	_, err = svc.CreateBucket(BucketConfig{Name: "third"})
	require.ErrorIs(t, err, ErrTooManyBuckets)

	b, _ := svc.Bucket("second")
	_, err = b.PutObject("k", PutObjectInput{Size: 1})
	require.NoError(t, err)
	require.ErrorIs(t, svc.DeleteBucket("second"), ErrBucketNotEmpty)
	_, err = b.DeleteObject("k", "")
	require.NoError(t, err)
	require.NoError(t, svc.DeleteBucket("second"))
	require.ErrorIs(t, svc.DeleteBucket("second"), ErrNoSuchBucket)
	// The name is free again, for anyone.
	_, err = svc.CreateBucket(BucketConfig{Name: "second", Owner: "111122223333"})
	require.NoError(t, err)
	assert.Equal(t, []string{"second", "shared-name"}, svc.bucketNames())
}

func TestConfigValidation(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	for _, cfg := range []Config{
		{Partition: "aws-mars"},
		{AccountID: "12345"},
		{MonthHours: -1},
		{Performance: Performance{ReadRate: -5}},
		{Performance: Performance{ReadFirstByte: Latency{Median: -1}}},
		{Performance: Performance{MaxPartitions: -1}},
		{Performance: Performance{Burst: -time.Second}},
		{Performance: Performance{Burst: 100 * time.Microsecond}}, // 0.35 of a write
		{Performance: Performance{ReadFirstByte: Latency{Median: time.Millisecond, Sigma: math.NaN()}}},
		{Performance: Performance{WriteLatency: Latency{Median: time.Millisecond, Sigma: math.Inf(1)}}},
		{Performance: Performance{Throughput: 1e-300}},
		{GlacierRestoreTimes: [numRestoreTiers]RestoreTime{{1, 1 << 62}, {1, 2}, {1, 2}}},
	} {
		_, err := New(s, cfg)
		require.ErrorIs(t, err, ErrInvalidConfig, "%+v", cfg)
	}
	svc, err := New(s, Config{})
	require.NoError(t, err)
	for _, bc := range []BucketConfig{
		{Name: "ok-name", Owner: "x"},
		{Name: "ok-name", Region: "eu-west-1", OneZoneAZ: "us-east-1a"},
		{Name: "ok-name", IntelligentTiering: IntelligentTieringConfig{ArchiveAccessDays: 30}},
		{Name: "ok-name", IntelligentTiering: IntelligentTieringConfig{ArchiveAccessDays: 200, DeepArchiveAccessDays: 190}},
	} {
		_, err := svc.CreateBucket(bc)
		require.ErrorIs(t, err, ErrInvalidConfig, "%+v", bc)
	}
}

func TestObjectSizeLimits(t *testing.T) {
	_, _, b := newTestBucket(t, Config{}, "limits")
	_, err := b.PutObject("max", PutObjectInput{Size: MaxPutSize})
	require.NoError(t, err)
	_, err = b.PutObject("big", PutObjectInput{Size: MaxPutSize + 1})
	require.ErrorIs(t, err, ErrEntityTooLarge)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 400, e.Status)
	assert.Equal(t, "limits/big", e.Resource)
}

func TestMultipartUpload(t *testing.T) {
	_, _, b := newTestBucket(t, Config{}, "mpu")
	id, err := b.CreateMultipartUpload("video.mp4", PutObjectInput{StorageClass: StandardIA})
	require.NoError(t, err)
	var parts []CompletedPart
	for n := 1; n <= 3; n++ {
		size := MinPartSize
		if n == 3 {
			size = 1 // the last part may be small
		}
		etag, err := b.UploadPart("video.mp4", id, n, size)
		require.NoError(t, err)
		parts = append(parts, CompletedPart{n, etag})
	}
	_, err = b.UploadPart("video.mp4", id, MaxParts+1, 1)
	require.ErrorIs(t, err, ErrInvalidArgument)
	_, err = b.UploadPart("video.mp4", id, 4, MaxPartSize+1)
	require.ErrorIs(t, err, ErrEntityTooLarge)
	_, err = b.UploadPart("video.mp4", "nope", 1, 1)
	require.ErrorIs(t, err, ErrNoSuchUpload)
	assert.Equal(t, 2*MinPartSize+1, b.use.actual[mSIA], "parts are billed while the upload is open")

	_, err = b.CompleteMultipartUpload("video.mp4", id, []CompletedPart{parts[1], parts[0]})
	require.ErrorIs(t, err, ErrInvalidPartOrder)
	_, err = b.CompleteMultipartUpload("video.mp4", id, []CompletedPart{{PartNumber: 1, ETag: `"bad"`}})
	require.ErrorIs(t, err, ErrInvalidPart)
	_, err = b.CompleteMultipartUpload("video.mp4", id, []CompletedPart{parts[0], {PartNumber: 4}})
	require.ErrorIs(t, err, ErrInvalidPart)

	out, err := b.CompleteMultipartUpload("video.mp4", id, parts)
	require.NoError(t, err)
	assert.Regexp(t, `^"[0-9a-f]{32}-3"$`, out.ETag)
	obj, err := b.HeadObject("video.mp4", GetObjectInput{})
	require.NoError(t, err)
	assert.Equal(t, 2*MinPartSize+1, obj.Size)
	assert.Equal(t, StandardIA, obj.StorageClass)
	assert.Equal(t, out.ETag, obj.ETag)
	assert.Empty(t, b.ListMultipartUploads())
	assert.Equal(t, 2*MinPartSize+1, b.use.actual[mSIA], "parts become the object")
	require.ErrorIs(t, b.AbortMultipartUpload("video.mp4", id), ErrNoSuchUpload)

	// A small middle part is EntityTooSmall; abort frees the parts.
	id2, _ := b.CreateMultipartUpload("small", PutObjectInput{})
	e1, _ := b.UploadPart("small", id2, 1, 1024)
	e2, _ := b.UploadPart("small", id2, 2, 1024)
	_, err = b.CompleteMultipartUpload("small", id2, []CompletedPart{{1, e1}, {2, e2}})
	require.ErrorIs(t, err, ErrEntityTooSmall)
	require.NoError(t, b.AbortMultipartUpload("small", id2))
	assert.Zero(t, b.use.actual[mStandard])
}

func TestGetRangeAndConditions(t *testing.T) {
	_, _, b := newTestBucket(t, Config{}, "ranges")
	put, err := b.PutObject("f", PutObjectInput{Size: 1000, ContentType: "text/plain"})
	require.NoError(t, err)
	for _, tc := range []struct {
		rng    string
		n      int64
		cr     string
		errIs  error
		status int
	}{
		{"", 1000, "", nil, 200},
		{"bytes=0-99", 100, "bytes 0-99/1000", nil, 206},
		{"bytes=900-", 100, "bytes 900-999/1000", nil, 206},
		{"bytes=-10", 10, "bytes 990-999/1000", nil, 206},
		{"bytes=990-5000", 10, "bytes 990-999/1000", nil, 206},
		{"bytes=1000-", 0, "", ErrInvalidRange, 416},
		{"bytes=5-2", 1000, "", nil, 200},     // invalid syntax is ignored
		{"bytes=0-1,5-6", 1000, "", nil, 200}, // multiple ranges are ignored
		{"items=0-1", 1000, "", nil, 200},
	} {
		got, err := b.GetObject("f", GetObjectInput{Range: tc.rng})
		if tc.errIs != nil {
			require.ErrorIs(t, err, tc.errIs, tc.rng)
			continue
		}
		require.NoError(t, err, tc.rng)
		assert.Equal(t, tc.n, got.ContentLength, tc.rng)
		assert.Equal(t, tc.cr, got.ContentRange, tc.rng)
	}
	_, err = b.GetObject("f", GetObjectInput{IfNoneMatch: put.ETag})
	require.ErrorIs(t, err, ErrNotModified)
	_, err = b.GetObject("f", GetObjectInput{IfMatch: `"other"`})
	require.ErrorIs(t, err, ErrPreconditionFailed)
	_, err = b.GetObject("missing", GetObjectInput{})
	require.ErrorIs(t, err, ErrNoSuchKey)
}

func TestCopyObject(t *testing.T) {
	_, svc, b := newTestBucket(t, Config{}, "src-bucket")
	dst, err := svc.CreateBucket(BucketConfig{Name: "dst-bucket"})
	require.NoError(t, err)
	src, err := b.PutObject("a", PutObjectInput{Size: 42, CacheControl: "max-age=60", Metadata: map[string]string{"k": "v"}})
	require.NoError(t, err)
	out, err := dst.CopyObject("b", CopyObjectInput{SourceBucket: "src-bucket", SourceKey: "a", StorageClass: GlacierIR})
	require.NoError(t, err)
	assert.Equal(t, src.ETag, out.ETag, "a copy has the same content and ETag")
	obj, err := dst.HeadObject("b", GetObjectInput{})
	require.NoError(t, err)
	assert.Equal(t, "max-age=60", obj.CacheControl)
	assert.Equal(t, map[string]string{"k": "v"}, obj.Metadata)
	assert.Equal(t, GlacierIR, obj.StorageClass)

	_, err = dst.CopyObject("c", CopyObjectInput{SourceBucket: "nope", SourceKey: "a"})
	require.ErrorIs(t, err, ErrNoSuchBucket)
	_, err = dst.CopyObject("c", CopyObjectInput{SourceBucket: "src-bucket", SourceKey: "zz"})
	require.ErrorIs(t, err, ErrNoSuchKey)
	_, err = b.PutObject("cold", PutObjectInput{Size: 1, StorageClass: Glacier})
	require.NoError(t, err)
	_, err = dst.CopyObject("c", CopyObjectInput{SourceBucket: "src-bucket", SourceKey: "cold"})
	require.ErrorIs(t, err, ErrInvalidObjectState)
}

func TestErrorIsByCode(t *testing.T) {
	err := error(ErrNoSuchKey.at("b/k"))
	assert.True(t, errors.Is(err, ErrNoSuchKey))
	assert.False(t, errors.Is(err, ErrNoSuchBucket))
	assert.Equal(t, "s3: NoSuchKey: The specified key does not exist (b/k)", err.Error())
}
