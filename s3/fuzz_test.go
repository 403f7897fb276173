package s3

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
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
