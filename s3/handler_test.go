package s3

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

var ownerHeader = sim.Header{Name: HeaderPrincipal, Value: "arn:aws:iam::123456789012:user/admin"}

// TestRESTThroughService drives the REST API through the partition's
// handler: virtual-hosted and path-style hosts, PUT headers, ranged GET,
// delete markers, listings and multipart by query.
func TestRESTThroughService(t *testing.T) {
	s, svc, b := newTestBucket(t, Config{}, "rest")
	require.NoError(t, b.PutBucketVersioning(VersioningEnabled))
	do := func(method, host, path, query string, bytes int64, hs ...sim.Header) sim.Response {
		return send(s, svc, &sim.Request{Method: method, Host: host, Path: path, Query: query, Bytes: bytes,
			Headers: append([]sim.Header{ownerHeader}, hs...)})
	}
	vh := "rest.s3.us-east-1.amazonaws.com"
	resp := do("PUT", vh, "/dir/file.txt", "", 5000,
		sim.Header{Name: "x-amz-storage-class", Value: "STANDARD_IA"},
		sim.Header{Name: "Cache-Control", Value: "max-age=60"},
		sim.Header{Name: "x-amz-meta-owner", Value: "ops"},
		sim.Header{Name: "x-amz-tagging", Value: "env=prod"})
	require.Equal(t, 200, resp.Status)
	version, ok := resp.Header("x-amz-version-id")
	require.True(t, ok)
	obj, err := b.HeadObject("dir/file.txt", GetObjectInput{})
	require.NoError(t, err)
	assert.Equal(t, StandardIA, obj.StorageClass)
	assert.Equal(t, map[string]string{"owner": "ops"}, obj.Metadata)
	assert.Equal(t, map[string]string{"env": "prod"}, obj.Tags)

	resp = do("GET", "s3.us-east-1.amazonaws.com", "/rest/dir/file.txt", "", 0, sim.Header{Name: "Range", Value: "bytes=0-999"})
	assert.Equal(t, 206, resp.Status)
	assert.Equal(t, int64(1000), resp.Bytes)
	sc, _ := resp.Header("x-amz-storage-class")
	assert.Equal(t, "STANDARD_IA", sc)
	assert.Equal(t, "s3:rest", resp.From)

	resp = do("PUT", vh, "/dir/copy.txt", "", 0, sim.Header{Name: "x-amz-copy-source", Value: "/rest/dir/file.txt?versionId=" + version})
	require.Equal(t, 200, resp.Status)

	resp = do("GET", vh, "/", "list-type=2&prefix=dir/&max-keys=1", 0)
	assert.Equal(t, 200, resp.Status)
	assert.Equal(t, int64(listBaseBytes+listEntryBytes), resp.Bytes)
	tok, ok := resp.Header("x-nimbus-next-continuation-token")
	require.True(t, ok)
	resp = do("GET", vh, "/", "list-type=2&prefix=dir/&continuation-token="+url.QueryEscape(tok), 0)
	assert.Equal(t, int64(listBaseBytes+listEntryBytes), resp.Bytes)

	resp = do("DELETE", vh, "/dir/file.txt", "", 0)
	assert.Equal(t, 204, resp.Status)
	dm, _ := resp.Header("x-amz-delete-marker")
	assert.Equal(t, "true", dm)
	resp = do("GET", vh, "/dir/file.txt", "", 0)
	assert.Equal(t, 404, resp.Status)
	dm, _ = resp.Header("x-amz-delete-marker")
	assert.Equal(t, "true", dm)
	resp = do("GET", vh, "/dir/file.txt", "versionId="+version, 0)
	assert.Equal(t, 200, resp.Status)
	resp = do("GET", vh, "/", "versions", 0)
	assert.Equal(t, int64(listBaseBytes+3*listEntryBytes), resp.Bytes)

	resp = do("POST", vh, "/big.bin", "uploads", 0)
	require.Equal(t, 200, resp.Status)
	id, _ := resp.Header("x-nimbus-upload-id")
	for n, size := range []int64{MinPartSize, MinPartSize, 10} {
		resp = do("PUT", vh, "/big.bin", url.Values{"partNumber": {string(rune('1' + n))}, "uploadId": {id}}.Encode(), size)
		require.Equal(t, 200, resp.Status)
	}
	resp = do("POST", vh, "/big.bin", "uploadId="+url.QueryEscape(id), 0)
	require.Equal(t, 200, resp.Status)
	etag, _ := resp.Header("ETag")
	assert.Regexp(t, `-3"$`, etag)

	assert.Equal(t, "NoSuchBucket", do("GET", "nope.s3.us-east-1.amazonaws.com", "/k", "", 0).Reason)
	assert.Equal(t, 405, do("PATCH", vh, "/k", "", 0).Status)
	assert.Equal(t, "InvalidStorageClass", do("PUT", vh, "/k", "", 1, sim.Header{Name: "x-amz-storage-class", Value: "COLD"}).Reason)
	assert.Equal(t, "InvalidArgument", do("GET", vh, "/", "list-type=2&continuation-token=zzz", 0).Reason)
	require.NoError(t, s.Requests().Check())
	assert.Zero(t, s.Requests().InFlight())
}

// TestLatencyModel: a GET answers after the first-byte latency plus size ÷
// throughput; with Sigma 0 both are exact.
func TestLatencyModel(t *testing.T) {
	perf := Performance{ReadFirstByte: Latency{Median: 20 * time.Millisecond}, Throughput: 100e6}
	s, _, b := newTestBucket(t, Config{Performance: perf}, "timing")
	_, _ = b.PutObject("f", PutObjectInput{Size: 50e6})
	req := &sim.Request{Method: "GET", Path: "/f", Headers: []sim.Header{ownerHeader}}
	resp := send(s, b, req)
	require.Equal(t, 200, resp.Status)
	require.Len(t, req.Hops, 1)
	assert.Equal(t, 520*time.Millisecond, req.Hops[0].Leave.Sub(req.Hops[0].Enter), "20 ms + 50 MB at 100 MB/s")
	assert.Equal(t, "s3", req.Hops[0].Service)
}

// TestLatencyDistribution: with the default model the median first-byte
// latency of small GETs is the configured 30 ms (within 5 % over 20,000
// samples).
func TestLatencyDistribution(t *testing.T) {
	s, _, b := newTestBucket(t, Config{Performance: Performance{NoRateLimits: true}}, "dist")
	_, _ = b.PutObject("tiny", PutObjectInput{Size: 0})
	h := sim.NewHistogram()
	for range 20000 {
		req := &sim.Request{Method: "GET", Path: "/tiny", Headers: []sim.Header{ownerHeader}}
		send(s, b, req)
		h.Record(req.Hops[0].Leave.Sub(req.Hops[0].Enter))
	}
	assert.InEpsilon(t, float64(30*time.Millisecond), float64(h.Quantile(0.5)), 0.05)
	// Log-normal with sigma 0.6: p99 = median × e^(2.326 × 0.6) ≈ 4.04 × median.
	assert.InEpsilon(t, float64(30*time.Millisecond)*4.04, float64(h.Quantile(0.99)), 0.1)
}

func TestStorageMetrics(t *testing.T) {
	rec := &recorder{}
	s := sim.New(sim.Config{Seed: 1})
	svc, _ := New(s, Config{Metrics: rec})
	b, _ := svc.CreateBucket(BucketConfig{Name: "metered"})
	_, _ = b.PutObject("a", PutObjectInput{Size: 1000})
	_, _ = b.PutObject("b", PutObjectInput{Size: 1000, StorageClass: StandardIA})
	_, _ = b.PutObject("c", PutObjectInput{Size: 1000, StorageClass: Glacier})
	s.RunFor(day)
	assert.Equal(t, 1000.0, rec.sum("BucketSizeBytes", "StandardStorage"))
	assert.Equal(t, 1000.0, rec.sum("BucketSizeBytes", "StandardIAStorage"))
	assert.Equal(t, float64(128<<10-1000), rec.sum("BucketSizeBytes", "StandardIASizeOverhead"))
	assert.Equal(t, 1000.0, rec.sum("BucketSizeBytes", "GlacierStorage"))
	assert.Equal(t, float64(32<<10), rec.sum("BucketSizeBytes", "GlacierObjectOverhead"))
	assert.Equal(t, float64(8<<10), rec.sum("BucketSizeBytes", "GlacierS3ObjectOverhead"))
	assert.Equal(t, 3.0, rec.sum("NumberOfObjects", "AllStorageTypes"))
	for _, d := range rec.data {
		assert.Equal(t, sim.Time(day), d.Timestamp)
	}
}

// TestInjectUnavailability: with injection on, GETs fail at the storage
// class's designed unavailability. Over n = 200,000 GETs of a One Zone-IA
// object the failure count is Binomial(n, 0.005): mean 1,000, standard
// deviation 31.5; the bound is ±4 σ.
func TestInjectUnavailability(t *testing.T) {
	perf := Performance{InjectUnavailability: true, NoRateLimits: true, NoLatency: true}
	s, _, b := newTestBucket(t, Config{Performance: perf}, "flaky")
	_, _ = b.PutObject("oz", PutObjectInput{Size: 1, StorageClass: OneZoneIA})
	_, _ = b.PutObject("std", PutObjectInput{Size: 1})
	count := func(key string, n int) int {
		failed := 0
		for range n {
			if send(s, b, &sim.Request{Method: "GET", Path: "/" + key, Headers: []sim.Header{ownerHeader}}).Reason == "ServiceUnavailable" {
				failed++
			}
		}
		return failed
	}
	assert.InDelta(t, 1000, count("oz", 200000), 126)
	// Standard: mean 20, σ 4.5.
	assert.InDelta(t, 20, count("std", 200000), 18)
}
