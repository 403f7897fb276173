package s3

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

// globRef is a deliberately simple recursive wildcard matcher.
func globRef(p, s string) bool {
	if p == "" {
		return s == ""
	}
	switch p[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if globRef(p[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && globRef(p[1:], s[1:])
	}
	return s != "" && s[0] == p[0] && globRef(p[1:], s[1:])
}

// FuzzGlob checks the policy matcher (with its prefix fast path and the
// split subject) against the reference matcher.
func FuzzGlob(f *testing.F) {
	f.Add("arn:aws:s3:::b/*", "arn:aws:s3:::b/", "k")
	f.Add("a*b?c", "axxb", "yc")
	f.Add("", "", "")
	f.Add("**", "a", "")
	f.Fuzz(func(t *testing.T, p, a, b string) {
		if len(p) > 12 || len(a)+len(b) > 24 {
			return // keep the exponential reference cheap
		}
		require.Equal(t, globRef(p, a+b), glob(p, a, b, false), "%q ~ %q+%q", p, a, b)
	})
}

// FuzzParseRange checks that any Range header gives either no range, an
// InvalidRange error, or a range within the object.
func FuzzParseRange(f *testing.F) {
	for _, h := range []string{"bytes=0-99", "bytes=-5", "bytes=10-", "bytes=5-2", "bytes=0-1,3-4", "bytes=99999-", "bytes=--1", ""} {
		f.Add(h, int64(100))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			size = -size
		}
		first, last, ok, err := parseRange(h, size)
		if err != nil {
			require.Equal(t, ErrInvalidRange, err)
			require.False(t, ok)
			return
		}
		if ok {
			require.True(t, 0 <= first && first <= last && last < size, "%q on %d: %d-%d", h, size, first, last)
			require.True(t, strings.HasPrefix(h, "bytes="))
		}
	})
}

// FuzzContinuationToken checks that any token either is rejected or
// resumes a listing without error, and that tokens round-trip.
func FuzzContinuationToken(f *testing.F) {
	f.Add(encodeToken("photos/2006/"))
	f.Add("garbage")
	f.Add("")
	_, _, b := newTestBucket(f, Config{}, "tokens")
	for i := range 10 {
		putKeys(f, b, "k/"+strconv.Itoa(i))
	}
	f.Fuzz(func(t *testing.T, token string) {
		if k, ok := decodeToken(token); ok {
			require.Equal(t, k, mustDecode(t, encodeToken(k)))
			out, err := b.ListObjectsV2(ListObjectsV2Input{ContinuationToken: token, MaxKeys: 3})
			require.NoError(t, err)
			for _, c := range out.Contents {
				require.GreaterOrEqual(t, c.Key, k)
			}
			return
		}
		if token != "" {
			_, err := b.ListObjectsV2(ListObjectsV2Input{ContinuationToken: token})
			require.ErrorIs(t, err, ErrInvalidArgument)
		}
	})
}

func mustDecode(t *testing.T, tok string) string {
	k, ok := decodeToken(tok)
	require.True(t, ok)
	return k
}

// FuzzParseStorageClass checks parse/format round trips.
func FuzzParseStorageClass(f *testing.F) {
	for _, n := range classNames {
		f.Add(n)
	}
	f.Add("glacier")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseStorageClass(s)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidStorageClass)
			return
		}
		if s != "" {
			require.Equal(t, s, c.String())
		}
	})
}

// FuzzServe sends arbitrary REST and website requests to a versioned
// website bucket holding a few objects: whatever the method, path, query
// and headers, the bucket must answer exactly once with an HTTP status
// and never panic.
func FuzzServe(f *testing.F) {
	f.Add("GET", "/a/b.txt", "", "Range", "bytes=0-10", false)
	f.Add("PUT", "/c", "partNumber=1&uploadId=x", "x-amz-copy-source", "/web/a/b.txt?versionId=1", false)
	f.Add("POST", "/a/b.txt", "restore&days=-1&tier=Bulk", "x-amz-tagging", "a=1&b", false)
	f.Add("GET", "/", "list-type=2&max-keys=-5&continuation-token=%zz", "", "", false)
	f.Add("GET", "/a/", "", "If-None-Match", `"x"`, true)
	f.Add("DELETE", "/%41", "versionId=null", "x-amz-storage-class", "GLACIER", false)
	f.Add("GET", "/a", "X-Amz-Signature=00&X-Amz-Expires=99999999999&X-Amz-Date=x", "", "", false)
	f.Fuzz(func(t *testing.T, method, path, query, hname, hvalue string, website bool) {
		s := sim.New(sim.Config{Seed: 1})
		svc, err := New(s, Config{})
		require.NoError(t, err)
		b, err := svc.CreateBucket(BucketConfig{Name: "web", PublicAccessBlock: &PublicAccessBlock{}})
		require.NoError(t, err)
		require.NoError(t, b.PutBucketVersioning(VersioningEnabled))
		require.NoError(t, b.PutBucketPolicy(PublicReadPolicy(b.ARN())))
		require.NoError(t, b.PutBucketWebsite(WebsiteConfiguration{IndexDocument: "index.html", ErrorDocument: "404.html"}))
		for _, k := range []string{"a/b.txt", "a/index.html", "404.html"} {
			_, err := b.PutObject(k, PutObjectInput{Size: 100})
			require.NoError(t, err)
		}
		host := ""
		if website {
			host = b.WebsiteEndpoint()
		}
		req := &sim.Request{Method: method, Host: host, Path: path, Query: query, Bytes: int64(len(hvalue))}
		if hname != "" {
			req.SetHeader(hname, hvalue)
		}
		answers := 0
		s.Send(b, req, func(_ *sim.Request, r sim.Response) {
			answers++
			require.True(t, r.Status >= 200 && r.Status < 600, "status %d", r.Status)
		})
		s.RunFor(time.Minute) // replies take milliseconds; daily tickers never end
		require.Equal(t, 1, answers)
		require.NoError(t, s.Requests().Check())
	})
}
