package s3

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func putKeys(t tb, b *Bucket, keys ...string) {
	t.Helper()
	for _, k := range keys {
		_, err := b.PutObject(k, PutObjectInput{Size: 1})
		require.NoError(t, err)
	}
}

func keysOf(out ListObjectsV2Output) []string {
	var ks []string
	for _, c := range out.Contents {
		ks = append(ks, c.Key)
	}
	return ks
}

// TestListDocumentedExamples reproduces the S3 user guide's examples of
// listing keys hierarchically ("Organizing objects using prefixes").
func TestListDocumentedExamples(t *testing.T) {
	_, _, b := newTestBucket(t, Config{}, "examplebucket")
	putKeys(t, b, "Development/Projects.xls", "Finance/statement1.pdf", "Private/taxdocument.pdf", "s3-dg.pdf")

	out, err := b.ListObjectsV2(ListObjectsV2Input{Delimiter: "/"})
	require.NoError(t, err)
	assert.Equal(t, []string{"Development/", "Finance/", "Private/"}, out.CommonPrefixes)
	assert.Equal(t, []string{"s3-dg.pdf"}, keysOf(out))
	assert.Equal(t, 4, out.KeyCount)

	out, err = b.ListObjectsV2(ListObjectsV2Input{Prefix: "Development/", Delimiter: "/"})
	require.NoError(t, err)
	assert.Empty(t, out.CommonPrefixes)
	assert.Equal(t, []string{"Development/Projects.xls"}, keysOf(out))

	// The ListObjects API reference example: prefix photos/2006/ rolls up
	// the months.
	putKeys(t, b, "photos/2006/January/sample.jpg", "photos/2006/February/sample2.jpg",
		"photos/2006/February/sample3.jpg", "photos/2006/February/sample4.jpg")
	out, err = b.ListObjectsV2(ListObjectsV2Input{Prefix: "photos/2006/", Delimiter: "/"})
	require.NoError(t, err)
	assert.Equal(t, []string{"photos/2006/February/", "photos/2006/January/"}, out.CommonPrefixes)
	assert.Empty(t, out.Contents)

	// Each common prefix counts once against MaxKeys.
	out, err = b.ListObjectsV2(ListObjectsV2Input{Delimiter: "/", MaxKeys: 2})
	require.NoError(t, err)
	assert.Equal(t, []string{"Development/", "Finance/"}, out.CommonPrefixes)
	require.True(t, out.IsTruncated)
	out, err = b.ListObjectsV2(ListObjectsV2Input{Delimiter: "/", MaxKeys: 2, ContinuationToken: out.NextContinuationToken})
	require.NoError(t, err)
	assert.Equal(t, []string{"Private/", "photos/"}, out.CommonPrefixes)
	require.True(t, out.IsTruncated)
	out, err = b.ListObjectsV2(ListObjectsV2Input{Delimiter: "/", MaxKeys: 2, ContinuationToken: out.NextContinuationToken})
	require.NoError(t, err)
	assert.Equal(t, []string{"s3-dg.pdf"}, keysOf(out))
	assert.False(t, out.IsTruncated)

	out, err = b.ListObjectsV2(ListObjectsV2Input{StartAfter: "Private/taxdocument.pdf", MaxKeys: 1})
	require.NoError(t, err)
	assert.Equal(t, []string{"photos/2006/February/sample2.jpg"}, keysOf(out), "UTF-8 binary order: 'P' < 'p'")

	_, err = b.ListObjectsV2(ListObjectsV2Input{ContinuationToken: "garbage"})
	require.ErrorIs(t, err, ErrInvalidArgument)
	_, err = b.ListObjectsV2(ListObjectsV2Input{MaxKeys: -1})
	require.ErrorIs(t, err, ErrInvalidArgument)
}

// TestListPagination lists 2,500 keys: pages of 1,000, 1,000 and 500 (a
// MaxKeys above 1,000 is capped), in byte order, each key exactly once.
func TestListPagination(t *testing.T) {
	_, _, b := newTestBucket(t, Config{}, "pages")
	var want []string
	for i := range 2500 {
		k := fmt.Sprintf("logs/%04d", (i*7919)%2500) // inserted out of order
		want = append(want, k)
		putKeys(t, b, k)
	}
	sort.Strings(want)
	var got []string
	var sizes []int
	token := ""
	for {
		out, err := b.ListObjectsV2(ListObjectsV2Input{Prefix: "logs/", MaxKeys: 5000, ContinuationToken: token})
		require.NoError(t, err)
		assert.Equal(t, MaxListKeys, out.MaxKeys)
		sizes = append(sizes, out.KeyCount)
		got = append(got, keysOf(out)...)
		if !out.IsTruncated {
			break
		}
		token = out.NextContinuationToken
	}
	assert.Equal(t, []int{1000, 1000, 500}, sizes)
	assert.Equal(t, want, got)
}

func TestListUTF8BinaryOrder(t *testing.T) {
	_, _, b := newTestBucket(t, Config{}, "order")
	keys := []string{"é", "z", "Z", "a", "ä", "日本", "~", "0"}
	putKeys(t, b, keys...)
	out, err := b.ListObjectsV2(ListObjectsV2Input{})
	require.NoError(t, err)
	assert.Equal(t, []string{"0", "Z", "a", "z", "~", "ä", "é", "日本"}, keysOf(out))
}

// TestListObjectVersionsPagination pages through versions and markers one
// at a time and checks the markers resume inside a key.
func TestListObjectVersionsPagination(t *testing.T) {
	_, _, b := newTestBucket(t, Config{}, "versions")
	require.NoError(t, b.PutBucketVersioning(VersioningEnabled))
	putKeys(t, b, "a", "a", "b", "c/x", "c/y")
	_, err := b.DeleteObject("b", "")
	require.NoError(t, err)
	all, err := b.ListObjectVersions(ListObjectVersionsInput{})
	require.NoError(t, err)
	require.Len(t, all.Versions, 6)
	assert.True(t, all.Versions[2].DeleteMarker && all.Versions[2].IsLatest && all.Versions[2].Key == "b")
	var paged []ObjectVersion
	in := ListObjectVersionsInput{MaxKeys: 1}
	for {
		out, err := b.ListObjectVersions(in)
		require.NoError(t, err)
		paged = append(paged, out.Versions...)
		if !out.IsTruncated {
			break
		}
		in.KeyMarker, in.VersionIDMarker = out.NextKeyMarker, out.NextVersionIDMarker
	}
	assert.Equal(t, all.Versions, paged)

	out, err := b.ListObjectVersions(ListObjectVersionsInput{Delimiter: "/", MaxKeys: 3})
	require.NoError(t, err)
	assert.Len(t, out.Versions, 3)
	assert.True(t, out.IsTruncated)
	out, err = b.ListObjectVersions(ListObjectVersionsInput{Delimiter: "/", KeyMarker: out.NextKeyMarker, VersionIDMarker: out.NextVersionIDMarker})
	require.NoError(t, err)
	assert.Equal(t, []string{"c/"}, out.CommonPrefixes)
	assert.Len(t, out.Versions, 1, "b's older version")
}

// TestListMatchesModel checks ListObjectsV2 against a direct model over a
// sorted slice, for random keys, prefixes, delimiters and page sizes.
func TestListMatchesModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		_, _, b := newTestBucket(rt, Config{}, "model")
		keyGen := rapid.StringOfN(rapid.SampledFrom([]rune("ab/é")), 1, 6, -1)
		keys := rapid.SliceOfNDistinct(keyGen, 0, 40, func(s string) string { return s }).Draw(rt, "keys")
		putKeys(rt, b, keys...)
		prefix := rapid.StringOfN(rapid.SampledFrom([]rune("ab/")), 0, 2, -1).Draw(rt, "prefix")
		delim := rapid.SampledFrom([]string{"", "/", "b"}).Draw(rt, "delim")
		maxKeys := rapid.IntRange(1, 7).Draw(rt, "maxKeys")

		// The model: sorted keys with the prefix, rolled up by delimiter.
		sort.Strings(keys)
		var want []string // contents as keys, common prefixes as "CP:"+p
		seen := map[string]bool{}
		for _, k := range keys {
			if !strings.HasPrefix(k, prefix) {
				continue
			}
			if i := strings.Index(k[len(prefix):], delim); delim != "" && i >= 0 {
				cp := k[:len(prefix)+i+len(delim)]
				if !seen[cp] {
					seen[cp] = true
					want = append(want, "CP:"+cp)
				}
				continue
			}
			want = append(want, k)
		}
		var got []string
		token := ""
		for pages := 0; ; pages++ {
			out, err := b.ListObjectsV2(ListObjectsV2Input{Prefix: prefix, Delimiter: delim, MaxKeys: maxKeys, ContinuationToken: token})
			require.NoError(rt, err)
			require.LessOrEqual(rt, out.KeyCount, maxKeys)
			// Within a page, contents and prefixes interleave in key order.
			var page []string
			for _, c := range out.Contents {
				page = append(page, c.Key)
			}
			for _, p := range out.CommonPrefixes {
				page = append(page, "CP:"+p)
			}
			sort.Slice(page, func(i, j int) bool { return strings.TrimPrefix(page[i], "CP:") < strings.TrimPrefix(page[j], "CP:") })
			got = append(got, page...)
			if !out.IsTruncated {
				break
			}
			require.Less(rt, pages, 100)
			token = out.NextContinuationToken
		}
		require.Equal(rt, want, got)
	})
}

// TestListETags: listings carry each version's ETag (a page shares one
// buffer for them), equal to HeadObject's, across a page and for
// noncurrent versions.
func TestListETags(t *testing.T) {
	_, _, b := newTestBucket(t, Config{}, "etags")
	require.NoError(t, b.PutBucketVersioning(VersioningEnabled))
	for i := range 1500 {
		_, err := b.PutObject(fmt.Sprintf("k%04d", i), PutObjectInput{Size: int64(i)})
		require.NoError(t, err)
	}
	_, err := b.PutObject("k0007", PutObjectInput{Size: 1})
	require.NoError(t, err)
	seen := map[string]bool{}
	for token := ""; ; {
		out, err := b.ListObjectsV2(ListObjectsV2Input{ContinuationToken: token})
		require.NoError(t, err)
		for _, o := range out.Contents {
			h, err := b.HeadObject(o.Key, GetObjectInput{})
			require.NoError(t, err)
			require.Equal(t, h.ETag, o.ETag, o.Key)
			require.False(t, seen[o.ETag], "ETags differ between objects")
			seen[o.ETag] = true
		}
		if !out.IsTruncated {
			break
		}
		token = out.NextContinuationToken
	}
	assert.Len(t, seen, 1500)
	vs, err := b.ListObjectVersions(ListObjectVersionsInput{Prefix: "k0007"})
	require.NoError(t, err)
	require.Len(t, vs.Versions, 2)
	for _, v := range vs.Versions {
		h, err := b.HeadObject(v.Key, GetObjectInput{VersionID: v.VersionID})
		require.NoError(t, err)
		assert.Equal(t, h.ETag, v.ETag)
	}
	assert.NotEqual(t, vs.Versions[0].ETag, vs.Versions[1].ETag)
}
