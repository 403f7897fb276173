package s3

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/google/btree"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/nimbus-sim/nimbus/sim"
)

// Versioning is a bucket's versioning state.
type Versioning uint8

// The versioning states. A bucket starts Unversioned; once Enabled it can
// only move between Enabled and Suspended.
const (
	Unversioned Versioning = iota
	VersioningEnabled
	VersioningSuspended
)

// String returns the state as GetBucketVersioning reports it ("" for an
// unversioned bucket).
func (v Versioning) String() string {
	switch v {
	case VersioningEnabled:
		return "Enabled"
	case VersioningSuspended:
		return "Suspended"
	}
	return ""
}

// NullVersion is the version ID of objects written while a bucket was
// unversioned or suspended.
const NullVersion = "null"

// version is one object version or delete marker. Its ID is formatted from
// id on demand (0 is the null version).
type version struct {
	id              uint64
	size            int64
	created         sim.Time // Last-Modified
	classSince      sim.Time // entered its current storage class
	lastAccess      sim.Time // for Intelligent-Tiering
	noncurrentSince sim.Time // became noncurrent (0 while current)
	etag            [md5.Size]byte
	parts           uint16 // multipart part count; 0 for a single PUT
	class           StorageClass
	tier            Tier
	marker          bool
	x               *extra        // rarely-set attributes
	hdr             *plainHeaders // cached GET headers; see objectHeaders
}

type extra struct {
	contentType, cacheControl, redirect string
	metadata, tags                      map[string]string
	restoring                           bool
	restoredUntil                       sim.Time
}

// entry is one key with its versions, newest (current) first.
type entry struct {
	key string
	vs  []version
	ps  *prefixState // the key's rate-limit prefix, once a request looked it up
}

func entryLess(a, b *entry) bool { return a.key < b.key }

// Bucket is one S3 bucket. Its methods are the S3 API as called by the
// bucket owner: they take effect at the current virtual instant, are billed
// as requests, and bypass the request-rate, latency and access model, which
// apply to requests through Serve (the data plane).
type Bucket struct {
	svc     *Service
	cfg     BucketConfig
	arn     string
	objBase string // arn + "/"
	webHost string // WebsiteEndpoint()
	from    string // "s3:" + name, for Response.From
	created sim.Time
	deleted bool

	versioning Versioning
	nextID     uint64
	tree       *btree.BTreeG[*entry] // keys in UTF-8 byte order, for listing
	index      map[string]*entry     // the same entries, for point lookups
	uploads    map[string]*upload

	lifecycle []LifecycleRule
	website   *WebsiteConfiguration
	policy    *Policy
	pab       PublicAccessBlock

	prefixes     map[string]*prefixState
	hot          *entry // the entry a read request is serving, so it is looked up once; nil between requests
	readTTFB     distuv.LogNormal
	writeLat     distuv.LogNormal
	rng          distuv.Uniform
	outage       *rand.Rand // InjectUnavailability draws
	metrics      requestMetrics
	use          usage
	intCount     int // versions in Intelligent-Tiering
	restoredRefs []restoreRef
	free         *pending // recycled delayed replies
}

func newBucket(v *Service, bc BucketConfig) *Bucket {
	now := v.s.Now()
	bc.Tags = maps.Clone(bc.Tags)
	b := &Bucket{
		svc: v, cfg: bc, created: now,
		arn:      "arn:" + v.cfg.Partition + ":s3:::" + bc.Name,
		from:     "s3:" + bc.Name,
		tree:     btree.NewG(32, entryLess),
		index:    map[string]*entry{},
		uploads:  map[string]*upload{},
		prefixes: map[string]*prefixState{},
		pab:      BlockAll,
	}
	b.objBase = b.arn + "/"
	b.webHost = b.websiteEndpoint()
	if bc.PublicAccessBlock != nil {
		b.pab = *bc.PublicAccessBlock
	}
	b.use.accrued, b.use.flushed = now, now
	p := v.cfg.Performance
	src := v.s.Stream("s3/" + bc.Name + "/latency")
	b.readTTFB = logNormal(p.ReadFirstByte, src)
	b.writeLat = logNormal(p.WriteLatency, src)
	b.outage = v.s.Stream("s3/" + bc.Name + "/availability")
	b.rng = distuv.Uniform{Min: 0, Max: 1, Src: v.s.Stream("s3/" + bc.Name + "/restore")}
	return b
}

// Name returns the bucket name.
func (b *Bucket) Name() string { return b.cfg.Name }

// Region returns the bucket's region code.
func (b *Bucket) Region() string { return b.cfg.Region }

// Owner returns the owning account ID.
func (b *Bucket) Owner() string { return b.cfg.Owner }

// ARN returns the bucket ARN, such as "arn:aws:s3:::example".
func (b *Bucket) ARN() string { return b.arn }

// Tags returns a copy of the bucket's tags.
func (b *Bucket) Tags() map[string]string { return maps.Clone(b.cfg.Tags) }

// PutBucketTagging replaces the bucket's cost-allocation tags (at most 50).
func (b *Bucket) PutBucketTagging(tags map[string]string) error {
	if len(tags) > 50 {
		return ErrInvalidArgument.withMessage("bucket tag count %d > 50", len(tags)).at(b.cfg.Name)
	}
	b.cfg.Tags = maps.Clone(tags)
	return nil
}

// RegionalDomainName returns the REST endpoint host name,
// "<bucket>.s3.<region>.amazonaws.com", as CloudFront S3 origins use it.
func (b *Bucket) RegionalDomainName() string {
	return b.cfg.Name + ".s3." + b.cfg.Region + ".amazonaws.com"
}

// Versioning returns the bucket's versioning state.
func (b *Bucket) Versioning() Versioning { return b.versioning }

// PutBucketVersioning sets the versioning state to Enabled or Suspended;
// a bucket can never return to Unversioned (IllegalVersioningConfiguration).
func (b *Bucket) PutBucketVersioning(state Versioning) error {
	if state != VersioningEnabled && state != VersioningSuspended {
		return ErrIllegalVersioning.at(b.cfg.Name)
	}
	if b.versioning == Unversioned && state == VersioningSuspended {
		// S3 accepts suspending an unversioned bucket; it then behaves as
		// suspended (null versions) from here on.
		b.versioning = state
		return nil
	}
	b.versioning = state
	if b.svc.s.Tracing() {
		b.svc.s.Trace("s3", "PutBucketVersioning", b.cfg.Name, sim.F("status", state.String()))
	}
	return nil
}

func (b *Bucket) get(key string) *entry {
	if h := b.hot; h != nil && h.key == key {
		return h
	}
	return b.index[key]
}

func (b *Bucket) insert(e *entry) {
	b.tree.ReplaceOrInsert(e)
	b.index[e.key] = e
}

func (b *Bucket) unlink(e *entry) {
	b.tree.Delete(e)
	delete(b.index, e.key)
}

// versionID formats a version's ID.
func (b *Bucket) versionID(v *version) string {
	if v.id == 0 {
		return NullVersion
	}
	return formatVersionID(v.id)
}

// formatVersionID renders a 32-character opaque, URL-safe version ID; it
// is a bijection of the counter so IDs never collide.
func formatVersionID(id uint64) string {
	var buf [32]byte
	x, y := splitmix(id), id^0x5bd1e9955bd1e995
	for i := range 16 {
		buf[i] = idAlphabet[x&63]
		x >>= 4
	}
	for i := 16; i < 32; i++ {
		buf[i] = idAlphabet[y&15+uint64(i&3)*16]
		y >>= 4
	}
	return string(buf[:])
}

// find returns the index of the version with the given ID, or -1.
func (b *Bucket) find(e *entry, id string) int {
	for i := range e.vs {
		if id == NullVersion && e.vs[i].id == 0 || e.vs[i].id != 0 && formatVersionID(e.vs[i].id) == id {
			return i
		}
	}
	return -1
}

// etagLen bounds a formatted ETag: quotes, 32 hex digits, "-" and a part
// count of up to 5 digits.
const etagLen = 2 + 2*md5.Size + 6

// appendETag appends a version's ETag in quotes, with "-N" for multipart
// objects.
func (v *version) appendETag(dst []byte) []byte {
	dst = append(dst, '"')
	dst = hex.AppendEncode(dst, v.etag[:])
	if v.parts > 0 {
		dst = strconv.AppendUint(append(dst, '-'), uint64(v.parts), 10)
	}
	return append(dst, '"')
}

// ETag formats a version's ETag in quotes, with "-N" for multipart objects.
func (v *version) ETag() string {
	var buf [etagLen]byte
	return string(v.appendETag(buf[:0]))
}

// etagIs reports whether s is the version's ETag, without allocating.
func (v *version) etagIs(s string) bool {
	var buf [etagLen]byte
	return string(v.appendETag(buf[:0])) == s
}

// contentETag derives a deterministic MD5-like digest for content that the
// model does not hold: the bucket, key, a write counter and the size.
func contentETag(bucket, key string, seq uint64, size int64) [md5.Size]byte {
	h := md5.New()
	h.Write([]byte(bucket))
	h.Write([]byte{0})
	h.Write([]byte(key))
	var n [16]byte
	binary.BigEndian.PutUint64(n[:8], seq)
	binary.BigEndian.PutUint64(n[8:], uint64(size))
	h.Write(n[:])
	var out [md5.Size]byte
	h.Sum(out[:0])
	return out
}

// Object describes one object version as GET and HEAD report it.
type Object struct {
	Key          string       // object key
	VersionID    string       // "null" for the null version; "" in unversioned buckets
	Size         int64        // bytes
	ETag         string       // quoted, like "\"9b2cf535f27731c974343645a3985328\""
	LastModified sim.Time     // when this version was written
	StorageClass StorageClass // current storage class
	// Tier is the Intelligent-Tiering access tier (Frequent otherwise).
	Tier         Tier
	ContentType  string // Content-Type as stored
	CacheControl string // Cache-Control as stored
	// WebsiteRedirectLocation redirects website requests for the object.
	WebsiteRedirectLocation string
	Metadata                map[string]string // user metadata (x-amz-meta-*)
	Tags                    map[string]string // object tags
	// Restore is the x-amz-restore header of an archived object: "" when
	// no restore was requested, `ongoing-request="true"` while restoring,
	// `ongoing-request="false", expiry-date="..."` once restored.
	Restore string
}

func (b *Bucket) describe(key string, v *version) Object {
	o := Object{
		Key: key, Size: v.size, ETag: v.ETag(), LastModified: v.created,
		StorageClass: v.class, Tier: v.tier,
	}
	if b.versioning != Unversioned {
		o.VersionID = b.versionID(v)
	}
	if x := v.x; x != nil {
		o.ContentType, o.CacheControl, o.WebsiteRedirectLocation = x.contentType, x.cacheControl, x.redirect
		o.Metadata, o.Tags = maps.Clone(x.metadata), maps.Clone(x.tags)
		switch {
		case x.restoring:
			o.Restore = `ongoing-request="true"`
		case x.restoredUntil > 0:
			o.Restore = `ongoing-request="false", expiry-date="` + b.svc.s.Wall(x.restoredUntil).UTC().Format(httpTime) + `"`
		}
	}
	return o
}

const httpTime = "Mon, 02 Jan 2006 15:04:05 GMT"

// PutObjectInput are the attributes of a new object.
type PutObjectInput struct {
	// Size is the object size in bytes (up to MaxPutSize for one PUT).
	Size         int64
	StorageClass StorageClass // x-amz-storage-class (Standard when zero)
	ContentType  string       // Content-Type returned on GET
	CacheControl string       // Cache-Control returned on GET
	// WebsiteRedirectLocation makes website requests for the key redirect.
	WebsiteRedirectLocation string
	Metadata                map[string]string // user metadata (x-amz-meta-*)
	Tags                    map[string]string // object tags (lifecycle filters match them)
}

// PutObjectOutput is the result of a write.
type PutObjectOutput struct {
	ETag      string // quoted ETag of the new version
	VersionID string // "" in unversioned buckets
}

// PutObject stores an object, replacing the current version (unversioned),
// adding a version (enabled) or replacing the null version (suspended).
// Errors: EntityTooLarge above MaxPutSize, KeyTooLongError, InvalidArgument.
func (b *Bucket) PutObject(key string, in PutObjectInput) (PutObjectOutput, error) {
	if err := ValidateKey(key); err != nil {
		return PutObjectOutput{}, err
	}
	if in.Size < 0 {
		return PutObjectOutput{}, ErrInvalidArgument.withMessage("negative size %d", in.Size).at(b.cfg.Name + "/" + key)
	}
	if in.Size > MaxPutSize {
		return PutObjectOutput{}, ErrEntityTooLarge.at(b.cfg.Name + "/" + key)
	}
	if in.StorageClass >= numClasses {
		return PutObjectOutput{}, ErrInvalidStorageClass.at(b.cfg.Name + "/" + key)
	}
	b.use.requests[in.StorageClass][0]++
	v := b.newVersion(key, in.Size, in.StorageClass, 0)
	v.x = in.extra()
	v.etag = contentETag(b.cfg.Name, key, b.nextID, in.Size)
	return b.write(key, v), nil
}

func (in *PutObjectInput) extra() *extra {
	if in.ContentType == "" && in.CacheControl == "" && in.WebsiteRedirectLocation == "" && len(in.Metadata) == 0 && len(in.Tags) == 0 {
		return nil
	}
	return &extra{
		contentType: in.ContentType, cacheControl: in.CacheControl, redirect: in.WebsiteRedirectLocation,
		metadata: maps.Clone(in.Metadata), tags: maps.Clone(in.Tags),
	}
}

func (b *Bucket) newVersion(key string, size int64, class StorageClass, parts uint16) version {
	now := b.svc.s.Now()
	b.nextID++
	v := version{size: size, created: now, classSince: now, lastAccess: now, class: class, parts: parts}
	if b.versioning == VersioningEnabled {
		v.id = b.nextID
	}
	return v
}

// write installs v as the key's current version under the bucket's
// versioning state, and returns the write's answer.
func (b *Bucket) write(key string, v version) PutObjectOutput {
	now := b.svc.s.Now()
	e := b.get(key)
	if e == nil {
		e = &entry{key: key}
		b.insert(e)
	}
	if b.versioning != VersioningEnabled {
		// The null version (the only one when unversioned) is replaced.
		if i := slices.IndexFunc(e.vs, func(v version) bool { return v.id == 0 }); i >= 0 {
			b.drop(e, i, now, true)
		}
	}
	if len(e.vs) > 0 && e.vs[0].noncurrentSince == 0 {
		e.vs[0].noncurrentSince = now
	}
	e.vs = slices.Insert(e.vs, 0, v)
	b.charge(key, &e.vs[0], 1)
	if v.class == IntelligentTiering {
		b.intCount++
	}
	out := PutObjectOutput{ETag: v.ETag()}
	if b.versioning != Unversioned {
		out.VersionID = b.versionID(&v)
	}
	return out
}

// remove deletes version i of e, billing an early deletion when early is
// set; it drops the entry when no version remains.
func (b *Bucket) remove(e *entry, i int, now sim.Time, early bool) {
	b.drop(e, i, now, early)
	if len(e.vs) == 0 {
		b.unlink(e)
	}
}

// drop deletes version i of e but leaves the entry in the tree.
func (b *Bucket) drop(e *entry, i int, now sim.Time, early bool) {
	v := &e.vs[i]
	if early {
		b.chargeEarly(v, now)
	}
	b.charge(e.key, v, -1)
	if v.class == IntelligentTiering && !v.marker {
		b.intCount--
	}
	e.vs = slices.Delete(e.vs, i, i+1)
}

// GetObjectInput selects what a GET or HEAD reads.
type GetObjectInput struct {
	// VersionID selects a version; "" means the current one.
	VersionID string
	// Range is an HTTP byte range such as "bytes=0-1023"; "" reads all.
	Range string
	// IfMatch and IfNoneMatch are conditional-request ETags.
	IfMatch, IfNoneMatch string
}

// GetObjectOutput is a GET's answer.
type GetObjectOutput struct {
	Object
	// ContentLength is the number of bytes returned.
	ContentLength int64
	// ContentRange is "bytes first-last/size" for ranged reads.
	ContentRange string
}

// lookup resolves a key and optional version for reading. Errors follow
// S3: NoSuchKey (with the delete-marker flag when the current version is a
// marker), NoSuchVersion, MethodNotAllowed for a marker's version ID.
func (b *Bucket) lookup(key, versionID string) (*entry, *version, *Error, bool) {
	e := b.get(key)
	if e == nil {
		if versionID != "" {
			return nil, nil, ErrNoSuchVersion, false
		}
		return nil, nil, ErrNoSuchKey, false
	}
	i := 0
	if versionID != "" {
		if i = b.find(e, versionID); i < 0 {
			return nil, nil, ErrNoSuchVersion, false
		}
		if e.vs[i].marker {
			return e, &e.vs[i], ErrMethodNotAllowed, true
		}
	} else if e.vs[0].marker {
		return e, &e.vs[0], ErrNoSuchKey, true
	}
	return e, &e.vs[i], nil, false
}

// readable reports whether an archived version can be read now.
func readable(v *version) bool {
	switch {
	case v.class.Info().Archived, v.class == IntelligentTiering && v.tier >= TierArchive:
		return v.x != nil && v.x.restoredUntil > 0
	}
	return true
}

// getObject is GET and HEAD without the request-level bookkeeping; it
// returns the version read and the body length.
func (b *Bucket) getObject(key string, in *GetObjectInput, head bool) (*version, int64, string, *Error, bool) {
	_, v, err, marker := b.lookup(key, in.VersionID)
	if err != nil {
		return v, 0, "", err, marker
	}
	if in.IfMatch != "" && !v.etagIs(in.IfMatch) {
		return v, 0, "", ErrPreconditionFailed, false
	}
	if in.IfNoneMatch != "" && v.etagIs(in.IfNoneMatch) {
		return v, 0, "", ErrNotModified, false
	}
	if !head && !readable(v) {
		return v, 0, "", ErrInvalidObjectState, false
	}
	n, cr := v.size, ""
	if in.Range != "" {
		first, last, ok, err := parseRange(in.Range, v.size)
		if err != nil {
			return v, 0, "", err, false
		}
		if ok {
			n = last - first + 1
			cr = "bytes " + strconv.FormatInt(first, 10) + "-" + strconv.FormatInt(last, 10) + "/" + strconv.FormatInt(v.size, 10)
		}
	}
	if head {
		b.use.requests[v.class][1]++
		return v, 0, cr, nil, false
	}
	b.touch(v, n)
	return v, n, cr, nil, false
}

// touch records a read of n bytes: Intelligent-Tiering moves the object
// back to Frequent Access, and IA-class reads are billed per GB retrieved.
// HEAD is not an access.
func (b *Bucket) touch(v *version, n int64) {
	now := b.svc.s.Now()
	v.lastAccess = now
	b.use.requests[v.class][1]++
	b.use.retrieved[v.class] += n
	if v.class == IntelligentTiering && v.tier != TierFrequent && v.tier < TierArchive {
		b.setTier(v, TierFrequent)
	}
}

// GetObject reads an object (or a byte range of it). Errors: NoSuchKey,
// NoSuchVersion, MethodNotAllowed (a delete marker's version ID),
// InvalidObjectState (archived and not restored), InvalidRange,
// PreconditionFailed, NotModified.
func (b *Bucket) GetObject(key string, in GetObjectInput) (GetObjectOutput, error) {
	v, n, cr, err, _ := b.getObject(key, &in, false)
	if err != nil {
		return GetObjectOutput{}, err.at(b.cfg.Name + "/" + key)
	}
	return GetObjectOutput{Object: b.describe(key, v), ContentLength: n, ContentRange: cr}, nil
}

// HeadObject reads an object's attributes; it works on archived objects.
func (b *Bucket) HeadObject(key string, in GetObjectInput) (Object, error) {
	v, _, _, err, _ := b.getObject(key, &in, true)
	if err != nil {
		return Object{}, err.at(b.cfg.Name + "/" + key)
	}
	return b.describe(key, v), nil
}

// DeleteObjectOutput is a DELETE's answer.
type DeleteObjectOutput struct {
	// VersionID is the version deleted or the delete marker created.
	VersionID string
	// DeleteMarker reports that a marker was created or deleted.
	DeleteMarker bool
}

// DeleteObject deletes as S3 does. Without a version ID: unversioned
// buckets remove the object; enabled buckets add a delete marker;
// suspended buckets remove the null version and add a null delete marker.
// With a version ID the version is removed permanently. Deleting what does
// not exist succeeds (S3 deletes are idempotent).
func (b *Bucket) DeleteObject(key, versionID string) (DeleteObjectOutput, error) {
	if err := ValidateKey(key); err != nil {
		return DeleteObjectOutput{}, err
	}
	now := b.svc.s.Now()
	e := b.get(key)
	if versionID != "" {
		if e == nil {
			return DeleteObjectOutput{VersionID: versionID}, nil
		}
		i := b.find(e, versionID)
		if i < 0 {
			return DeleteObjectOutput{VersionID: versionID}, nil
		}
		marker := e.vs[i].marker
		b.remove(e, i, now, true)
		if i == 0 && len(e.vs) > 0 {
			e.vs[0].noncurrentSince = 0
		}
		b.trace("DeleteObject", key, versionID)
		return DeleteObjectOutput{VersionID: versionID, DeleteMarker: marker}, nil
	}
	switch b.versioning {
	case Unversioned:
		if e != nil {
			b.remove(e, 0, now, true)
		}
		return DeleteObjectOutput{}, nil
	default:
		m := b.newVersion(key, 0, Standard, 0)
		m.marker = true
		out := b.write(key, m)
		return DeleteObjectOutput{VersionID: out.VersionID, DeleteMarker: true}, nil
	}
}

func (b *Bucket) trace(event, key, versionID string) {
	if b.svc.s.Tracing() {
		b.svc.s.Trace("s3", event, b.cfg.Name+"/"+key, sim.F("versionId", versionID))
	}
}

// CopyObjectInput describes a server-side copy.
type CopyObjectInput struct {
	// SourceBucket defaults to the destination bucket.
	SourceBucket    string
	SourceKey       string // key to copy
	SourceVersionID string // version to copy ("" = current)
	// StorageClass of the copy.
	StorageClass StorageClass
	// ReplaceMetadata takes ContentType, CacheControl, Metadata and Tags
	// from Replacement instead of the source (MetadataDirective REPLACE).
	ReplaceMetadata bool
	Replacement     PutObjectInput // attributes used with ReplaceMetadata
}

// CopyObject copies an object (up to MaxPutSize) within or across buckets
// of the partition. The copy keeps the source's ETag (same content).
// Archived sources need a completed restore (InvalidObjectState).
func (b *Bucket) CopyObject(key string, in CopyObjectInput) (PutObjectOutput, error) {
	if err := ValidateKey(key); err != nil {
		return PutObjectOutput{}, err
	}
	src := b
	if in.SourceBucket != "" && in.SourceBucket != b.cfg.Name {
		var ok bool
		if src, ok = b.svc.buckets[in.SourceBucket]; !ok {
			return PutObjectOutput{}, ErrNoSuchBucket.at(in.SourceBucket)
		}
	}
	_, sv, err, _ := src.lookup(in.SourceKey, in.SourceVersionID)
	switch {
	case err != nil:
		return PutObjectOutput{}, err.at(src.cfg.Name + "/" + in.SourceKey)
	case !readable(sv):
		return PutObjectOutput{}, ErrInvalidObjectState.at(src.cfg.Name + "/" + in.SourceKey)
	case sv.size > MaxPutSize:
		return PutObjectOutput{}, ErrEntityTooLarge.withMessage("copy source larger than 5 GiB needs UploadPartCopy").at(src.cfg.Name + "/" + in.SourceKey)
	case in.StorageClass >= numClasses:
		return PutObjectOutput{}, ErrInvalidStorageClass.at(b.cfg.Name + "/" + key)
	}
	src.touch(sv, sv.size)
	b.use.requests[in.StorageClass][0]++
	v := b.newVersion(key, sv.size, in.StorageClass, sv.parts)
	v.etag = sv.etag
	if in.ReplaceMetadata {
		v.x = in.Replacement.extra()
	} else if sv.x != nil {
		v.x = &extra{contentType: sv.x.contentType, cacheControl: sv.x.cacheControl, redirect: sv.x.redirect,
			metadata: maps.Clone(sv.x.metadata), tags: maps.Clone(sv.x.tags)}
	}
	return b.write(key, v), nil
}

// Len returns the number of keys that have at least one version (including
// keys whose current version is a delete marker).
func (b *Bucket) Len() int { return b.tree.Len() }

// StorageBytes returns the stored bytes of all versions, excluding
// overheads and minimum-size padding.
func (b *Bucket) StorageBytes() int64 {
	var n int64
	for m := range mMonitored {
		if m != mRestored {
			n += b.use.actual[m]
		}
	}
	return n
}

// ObjectCount returns the number of stored object versions (not markers).
func (b *Bucket) ObjectCount() int64 { return b.use.objects }

// String describes the bucket for logs.
func (b *Bucket) String() string { return fmt.Sprintf("s3 bucket %s (%s)", b.cfg.Name, b.cfg.Region) }
