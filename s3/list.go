package s3

import (
	"encoding/base64"
	"strings"
	"unsafe"

	"github.com/nimbus-sim/nimbus/sim"
)

// ListObjectsV2Input are ListObjectsV2's parameters.
type ListObjectsV2Input struct {
	Prefix    string // only keys starting with this
	Delimiter string // rolls keys up into CommonPrefixes at this string ("" = flat)
	// MaxKeys caps keys plus common prefixes per page: 0 means 1,000, and
	// larger values are reduced to 1,000.
	MaxKeys int
	// ContinuationToken resumes from a previous page's NextContinuationToken.
	ContinuationToken string
	// StartAfter lists keys after this one (first page only).
	StartAfter string
}

// ObjectSummary is one key in a listing.
type ObjectSummary struct {
	Key          string       // object key
	LastModified sim.Time     // when the current version was written
	ETag         string       // quoted ETag
	Size         int64        // bytes
	StorageClass StorageClass // current storage class
}

// ListObjectsV2Output is one page of a listing.
type ListObjectsV2Output struct {
	Contents       []ObjectSummary // keys in UTF-8 binary order
	CommonPrefixes []string        // rolled-up prefixes, each ending in the delimiter
	// KeyCount is len(Contents) + len(CommonPrefixes) ≤ MaxKeys.
	KeyCount    int
	MaxKeys     int  // the effective page size
	IsTruncated bool // more keys follow
	// NextContinuationToken is the opaque token for the next page.
	NextContinuationToken string
}

const tokenPrefix = "nimbus1:"

func encodeToken(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + key))
}

// decodeToken returns the key a continuation token resumes at.
func decodeToken(t string) (string, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil || !strings.HasPrefix(string(raw), tokenPrefix) {
		return "", false
	}
	return string(raw[len(tokenPrefix):]), true
}

// successor returns the least string greater than every string with prefix
// p, and false when there is none (p is all 0xff bytes).
func successor(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

func maxKeys(n int) (int, *Error) {
	switch {
	case n < 0:
		return 0, ErrInvalidArgument.withMessage("max-keys %d < 0", n)
	case n == 0 || n > MaxListKeys:
		return MaxListKeys, nil
	}
	return n, nil
}

// ListObjectsV2 lists current, non-deleted keys in UTF-8 binary order.
// With a delimiter, keys that contain it after the prefix roll up into
// CommonPrefixes, each counting once against MaxKeys. Errors:
// InvalidArgument for a negative MaxKeys or a malformed token.
func (b *Bucket) ListObjectsV2(in ListObjectsV2Input) (ListObjectsV2Output, error) {
	b.use.requests[Standard][0]++
	out, err := b.list(in)
	if err != nil {
		return out, err.at(b.cfg.Name)
	}
	return out, nil
}

func (b *Bucket) list(in ListObjectsV2Input) (ListObjectsV2Output, *Error) {
	var out ListObjectsV2Output
	n, err := maxKeys(in.MaxKeys)
	if err != nil {
		return out, err
	}
	out.MaxKeys = n
	start := in.Prefix
	if in.ContinuationToken != "" {
		k, ok := decodeToken(in.ContinuationToken)
		if !ok {
			return out, ErrInvalidArgument.withMessage("the continuation token provided is incorrect")
		}
		start = max(start, k)
	} else if in.StartAfter != "" {
		start = max(start, in.StartAfter+"\x00")
	}
	pivot := &entry{}
	// The page's ETags share one buffer: one allocation a page, not one a
	// key. Appending never rewrites earlier bytes, so the strings hold.
	var etags []byte
	for done := false; !done; {
		done = true
		pivot.key = start
		b.tree.AscendGreaterOrEqual(pivot, func(e *entry) bool {
			if !strings.HasPrefix(e.key, in.Prefix) {
				return false
			}
			if e.vs[0].marker {
				return true
			}
			if out.KeyCount == n {
				out.IsTruncated = true
				out.NextContinuationToken = encodeToken(e.key)
				return false
			}
			if in.Delimiter != "" {
				if i := strings.Index(e.key[len(in.Prefix):], in.Delimiter); i >= 0 {
					cp := e.key[:len(in.Prefix)+i+len(in.Delimiter)]
					out.CommonPrefixes = append(out.CommonPrefixes, cp)
					out.KeyCount++
					start, done = successor(cp)
					done = !done
					return false
				}
			}
			v := &e.vs[0]
			if etags == nil {
				etags = make([]byte, 0, min(n, 1000)*etagLen)
				out.Contents = make([]ObjectSummary, 0, min(n, 1000))
			}
			from := len(etags)
			etags = v.appendETag(etags)
			out.Contents = append(out.Contents, ObjectSummary{
				Key: e.key, LastModified: v.created, ETag: unsafe.String(&etags[from], len(etags)-from), Size: v.size, StorageClass: v.class,
			})
			out.KeyCount++
			return true
		})
	}
	return out, nil
}

// ListObjectVersionsInput are ListObjectVersions' parameters.
type ListObjectVersionsInput struct {
	Prefix    string // only keys starting with this
	Delimiter string // rolls keys up into CommonPrefixes ("" = flat)
	// MaxKeys caps versions, delete markers and common prefixes per page
	// (0 means 1,000).
	MaxKeys int
	// KeyMarker and VersionIDMarker resume after a previous page's
	// NextKeyMarker and NextVersionIDMarker.
	KeyMarker       string
	VersionIDMarker string // see KeyMarker
}

// ObjectVersion is one version or delete marker in a version listing.
type ObjectVersion struct {
	Key          string       // object key
	VersionID    string       // "null" for the null version
	IsLatest     bool         // current version of its key
	DeleteMarker bool         // a delete marker rather than a version
	LastModified sim.Time     // when the version was written
	ETag         string       // empty for delete markers
	Size         int64        // bytes (0 for delete markers)
	StorageClass StorageClass // the version's storage class
}

// ListObjectVersionsOutput is one page of a version listing. Versions holds
// versions and delete markers together, by key and then newest first (S3
// returns them in two lists; DeleteMarker tells them apart).
type ListObjectVersionsOutput struct {
	Versions            []ObjectVersion // versions and delete markers
	CommonPrefixes      []string        // rolled-up prefixes
	IsTruncated         bool            // more versions follow
	NextKeyMarker       string          // KeyMarker for the next page
	NextVersionIDMarker string          // VersionIDMarker for the next page
}

// ListObjectVersions lists every version and delete marker.
func (b *Bucket) ListObjectVersions(in ListObjectVersionsInput) (ListObjectVersionsOutput, error) {
	b.use.requests[Standard][0]++
	var out ListObjectVersionsOutput
	n, err := maxKeys(in.MaxKeys)
	if err != nil {
		return out, err.at(b.cfg.Name)
	}
	start, skipKey, skipTo := in.Prefix, "", ""
	if in.KeyMarker != "" {
		start = max(start, in.KeyMarker)
		switch {
		case in.VersionIDMarker != "":
			skipKey, skipTo = in.KeyMarker, in.VersionIDMarker
		case in.Delimiter != "" && strings.HasSuffix(in.KeyMarker, in.Delimiter):
			if s, ok := successor(in.KeyMarker); ok {
				start = max(start, s)
			} else {
				return out, nil
			}
		default:
			start = max(start, in.KeyMarker+"\x00")
		}
	}
	count := 0
	pivot := &entry{}
	// The page's ETags share one buffer: one allocation a page, not one a
	// key. Appending never rewrites earlier bytes, so the strings hold.
	var etags []byte
	for done := false; !done; {
		done = true
		pivot.key = start
		b.tree.AscendGreaterOrEqual(pivot, func(e *entry) bool {
			if !strings.HasPrefix(e.key, in.Prefix) {
				return false
			}
			if in.Delimiter != "" {
				if i := strings.Index(e.key[len(in.Prefix):], in.Delimiter); i >= 0 {
					if count == n {
						out.IsTruncated = true
						return false
					}
					cp := e.key[:len(in.Prefix)+i+len(in.Delimiter)]
					out.CommonPrefixes = append(out.CommonPrefixes, cp)
					out.NextKeyMarker, out.NextVersionIDMarker = cp, ""
					count++
					start, done = successor(cp)
					done = !done
					return false
				}
			}
			i := 0
			if e.key == skipKey {
				if i = b.find(e, skipTo) + 1; i == 0 {
					i = len(e.vs) // unknown marker version: resume at the next key
				}
			}
			for ; i < len(e.vs); i++ {
				if count == n {
					out.IsTruncated = true
					return false
				}
				v := &e.vs[i]
				ov := ObjectVersion{Key: e.key, VersionID: b.versionID(v), IsLatest: i == 0, DeleteMarker: v.marker,
					LastModified: v.created, Size: v.size, StorageClass: v.class}
				if !v.marker {
					if etags == nil {
						etags = make([]byte, 0, min(n, 1000)*etagLen)
					}
					from := len(etags)
					etags = v.appendETag(etags)
					ov.ETag = unsafe.String(&etags[from], len(etags)-from)
				}
				out.Versions = append(out.Versions, ov)
				out.NextKeyMarker, out.NextVersionIDMarker = e.key, ov.VersionID
				count++
			}
			return true
		})
	}
	if !out.IsTruncated {
		out.NextKeyMarker, out.NextVersionIDMarker = "", ""
	}
	return out, nil
}
