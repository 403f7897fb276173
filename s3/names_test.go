package s3

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateBucketName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"docexamplebucket1", true},
		{"log-delivery-march-2020", true},
		{"my-hosted-content", true},
		{"docexamplewebsite.com", true},
		{"www.docexamplewebsite.com", true},
		{"my.example.s3.bucket", true},
		{"abc", true},
		{strings.Repeat("a", 63), true},
		{"ab", false},                    // too short
		{strings.Repeat("a", 64), false}, // too long
		{"doc_example_bucket", false},    // underscore
		{"DocExampleBucket", false},      // uppercase
		{"doc-example-bucket-", false},   // ends with hyphen
		{"-doc-example-bucket", false},   // starts with hyphen
		{"doc..example", false},          // adjacent periods
		{"192.168.5.4", false},           // IP address form
		{"xn--bucket", false},            // reserved prefix
		{"sthree-bucket", false},         // reserved prefix
		{"bucket-s3alias", false},        // reserved suffix
		{"bucket--ol-s3", false},         // reserved suffix
		{"bucket.mrap", false},           // reserved suffix
		{"bucket--x-s3", false},          // reserved suffix
		{"amzn-s3-demo-bucket", false},   // reserved prefix
		{"bücket", false},                // non-ASCII
		{"192.168.5.4.example", true},    // not an IP address
	} {
		err := ValidateBucketName(tc.name)
		if tc.ok {
			assert.NoError(t, err, tc.name)
		} else {
			assert.ErrorIs(t, err, ErrInvalidBucketName, tc.name)
		}
	}
}

func TestValidateKey(t *testing.T) {
	require.NoError(t, ValidateKey("photos/2006/January/sample.jpg"))
	require.NoError(t, ValidateKey(strings.Repeat("k", MaxKeyLength)))
	require.ErrorIs(t, ValidateKey(strings.Repeat("k", MaxKeyLength+1)), ErrKeyTooLong)
	require.ErrorIs(t, ValidateKey(""), ErrInvalidArgument)
	require.ErrorIs(t, ValidateKey("bad\xff"), ErrInvalidArgument)
}

// FuzzBucketName checks that every accepted name obeys each naming rule
// independently of how the validator is written, and that a service
// accepts exactly the names the validator accepts.
func FuzzBucketName(f *testing.F) {
	for _, s := range []string{"abc", "a.b-c", "192.168.5.4", "xn--a", "a..b", "Ab1", "bucket--ol-s3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := ValidateBucketName(name)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != "InvalidBucketName" || e.Status != 400 {
				t.Fatalf("%q: error %v is not InvalidBucketName", name, err)
			}
			return
		}
		if len(name) < 3 || len(name) > 63 || strings.Contains(name, "..") ||
			strings.HasPrefix(name, "xn--") || strings.HasSuffix(name, "-s3alias") {
			t.Fatalf("%q accepted", name)
		}
		for i, c := range name {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
				t.Fatalf("%q accepted with %q", name, c)
			}
			if (i == 0 || i == len(name)-1) && (c == '.' || c == '-') {
				t.Fatalf("%q accepted with edge %q", name, c)
			}
		}
	})
}

// FuzzKey checks that accepted keys are 1–1024 bytes of UTF-8 and that
// an accepted key round-trips through PUT, GET and a prefix listing.
func FuzzKey(f *testing.F) {
	for _, s := range []string{"a", "photos/2006/x.jpg", "ü/ß", "a//b", "\x00", "\xff"} {
		f.Add(s)
	}
	_, _, b := newTestBucket(f, Config{}, "fuzz-keys")
	f.Fuzz(func(t *testing.T, key string) {
		err := ValidateKey(key)
		if err != nil {
			if key != "" && len(key) <= MaxKeyLength && utf8.ValidString(key) {
				t.Fatalf("%q rejected: %v", key, err)
			}
			_, perr := b.PutObject(key, PutObjectInput{Size: 1})
			require.Error(t, perr)
			return
		}
		_, err = b.PutObject(key, PutObjectInput{Size: int64(len(key))})
		require.NoError(t, err)
		got, err := b.GetObject(key, GetObjectInput{})
		require.NoError(t, err)
		require.Equal(t, int64(len(key)), got.Size)
		out, err := b.ListObjectsV2(ListObjectsV2Input{Prefix: key, MaxKeys: 1})
		require.NoError(t, err)
		require.Len(t, out.Contents, 1)
		require.Equal(t, key, out.Contents[0].Key)
		_, err = b.DeleteObject(key, "")
		require.NoError(t, err)
	})
}
