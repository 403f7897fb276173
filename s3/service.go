package s3

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// Service is one S3 partition: every bucket of every account and region
// whose names must be unique. It answers requests by host name (virtual-
// hosted and path-style REST endpoints, website endpoints) as a
// sim.Handler, and runs S3's daily work (lifecycle, Intelligent-Tiering,
// storage metrics, billing) at midnight UTC of virtual time once a bucket
// exists, so drive runs with RunUntil or RunFor.
type Service struct {
	s       *sim.Sim
	cfg     Config
	buckets map[string]*Bucket
	owned   map[string]int // buckets per account
	keys    map[string]AccessKey
	daily   *sim.Ticker
	idSeed  uint64
	idCtr   uint64
	lost    map[string]bool // destroyed AZs
}

// New returns an empty partition. Zero Config fields take their documented
// defaults; invalid fields give an error wrapping ErrInvalidConfig.
func New(s *sim.Sim, cfg Config) (*Service, error) {
	if err := cfg.withDefaults(); err != nil {
		return nil, err
	}
	return &Service{
		s: s, cfg: cfg, buckets: map[string]*Bucket{}, owned: map[string]int{},
		keys: map[string]AccessKey{}, lost: map[string]bool{},
		idSeed: sim.DeriveSeed(s.Seed(), "s3/"+cfg.Partition+"/ids"),
	}, nil
}

// Config returns the configuration in effect, defaults filled in.
func (v *Service) Config() Config { return v.cfg }

// PublicAccessBlock holds the four Block Public Access settings.
type PublicAccessBlock struct {
	// BlockPublicAcls rejects PUTs with public ACLs (ACLs are not modelled).
	BlockPublicAcls bool
	// IgnorePublicAcls ignores public ACLs (ACLs are not modelled).
	IgnorePublicAcls bool
	// BlockPublicPolicy rejects PutBucketPolicy with a public policy.
	BlockPublicPolicy bool
	// RestrictPublicBuckets limits a bucket with a public policy to AWS
	// service principals and principals of the owning account.
	RestrictPublicBuckets bool
}

// BlockAll is the Block Public Access setting of new buckets since April
// 2023: all four on.
var BlockAll = PublicAccessBlock{true, true, true, true}

// IntelligentTieringConfig opts a bucket's Intelligent-Tiering objects into
// the asynchronous archive tiers; 0 leaves a tier off.
type IntelligentTieringConfig struct {
	// ArchiveAccessDays moves objects to Archive Access after this many
	// days without access (90–730).
	ArchiveAccessDays int
	// DeepArchiveAccessDays moves objects to Deep Archive Access after this
	// many days without access (180–730).
	DeepArchiveAccessDays int
}

// BucketConfig describes a bucket to create.
type BucketConfig struct {
	// Name is the globally unique bucket name.
	Name string
	// Region is the bucket's region (default: Config.Region).
	Region string
	// Owner is the owning account ID (default: Config.AccountID).
	Owner string
	// Tags are the bucket's cost-allocation tags, copied onto line items.
	Tags map[string]string
	// PublicAccessBlock is the bucket's Block Public Access setting; nil
	// means BlockAll, S3's default for new buckets.
	PublicAccessBlock *PublicAccessBlock
	// RequestMetrics enables CloudWatch request metrics (1-minute, filter
	// "EntireBucket"), which AWS bills as custom metrics.
	RequestMetrics bool
	// IntelligentTiering opts into the archive access tiers.
	IntelligentTiering IntelligentTieringConfig
	// OneZoneAZ is the Availability Zone that holds the bucket's One Zone-IA
	// objects (default: the region's first AZ, Region+"a").
	OneZoneAZ string
}

// CreateBucket creates a bucket. Name errors are *Error InvalidBucketName
// (and wrap ErrInvalidConfig); a taken name gives BucketAlreadyOwnedByYou
// or BucketAlreadyExists; the account quota gives TooManyBuckets.
func (v *Service) CreateBucket(bc BucketConfig) (*Bucket, error) {
	if err := ValidateBucketName(bc.Name); err != nil {
		return nil, fmt.Errorf("s3: bucket %q: Name: %w: %w", bc.Name, err, ErrInvalidConfig)
	}
	if bc.Region == "" {
		bc.Region = v.cfg.Region
	}
	if bc.Owner == "" {
		bc.Owner = v.cfg.AccountID
	}
	if bc.OneZoneAZ == "" {
		bc.OneZoneAZ = bc.Region + "a"
	}
	it := bc.IntelligentTiering
	switch {
	case len(bc.Owner) != 12 || !digits(bc.Owner):
		return nil, fmt.Errorf("s3: bucket %q: Owner %q is not a 12-digit account ID: %w", bc.Name, bc.Owner, ErrInvalidConfig)
	case !strings.HasPrefix(bc.OneZoneAZ, bc.Region):
		return nil, fmt.Errorf("s3: bucket %q: OneZoneAZ %q is not in region %s: %w", bc.Name, bc.OneZoneAZ, bc.Region, ErrInvalidConfig)
	case it.ArchiveAccessDays != 0 && (it.ArchiveAccessDays < 90 || it.ArchiveAccessDays > 730):
		return nil, fmt.Errorf("s3: bucket %q: IntelligentTiering.ArchiveAccessDays %d not in 90..730: %w", bc.Name, it.ArchiveAccessDays, ErrInvalidConfig)
	case it.DeepArchiveAccessDays != 0 && (it.DeepArchiveAccessDays < 180 || it.DeepArchiveAccessDays > 730 ||
		it.ArchiveAccessDays != 0 && it.DeepArchiveAccessDays <= it.ArchiveAccessDays):
		return nil, fmt.Errorf("s3: bucket %q: IntelligentTiering.DeepArchiveAccessDays %d not in 180..730 or not after ArchiveAccessDays: %w", bc.Name, it.DeepArchiveAccessDays, ErrInvalidConfig)
	}
	if old, ok := v.buckets[bc.Name]; ok {
		if old.cfg.Owner == bc.Owner {
			return nil, ErrBucketAlreadyOwnedByYou.at(bc.Name)
		}
		return nil, ErrBucketAlreadyExists.at(bc.Name)
	}
	if v.cfg.MaxBuckets > 0 && v.owned[bc.Owner] >= v.cfg.MaxBuckets {
		return nil, ErrTooManyBuckets.at(bc.Name)
	}
	b := newBucket(v, bc)
	v.buckets[bc.Name] = b
	v.owned[bc.Owner]++
	if v.daily == nil {
		v.startDaily()
	}
	if v.s.Tracing() {
		v.s.Trace("s3", "CreateBucket", bc.Name, sim.F("region", bc.Region), sim.F("owner", bc.Owner))
	}
	return b, nil
}

// DeleteBucket deletes an empty bucket (no object versions, no multipart
// uploads), releasing its name; otherwise BucketNotEmpty.
func (v *Service) DeleteBucket(name string) error {
	b, ok := v.buckets[name]
	if !ok {
		return ErrNoSuchBucket.at(name)
	}
	if b.tree.Len() > 0 || len(b.uploads) > 0 {
		return ErrBucketNotEmpty.at(name)
	}
	b.flush(v.s.Now())
	b.deleted = true
	delete(v.buckets, name)
	v.owned[b.cfg.Owner]--
	if v.s.Tracing() {
		v.s.Trace("s3", "DeleteBucket", name)
	}
	return nil
}

// Bucket returns the named bucket.
func (v *Service) Bucket(name string) (*Bucket, bool) {
	b, ok := v.buckets[name]
	return b, ok
}

// Buckets returns every bucket, sorted by name.
func (v *Service) Buckets() []*Bucket {
	out := make([]*Bucket, 0, len(v.buckets))
	for _, name := range v.bucketNames() {
		out = append(out, v.buckets[name])
	}
	return out
}

func (v *Service) bucketNames() []string {
	names := make([]string, 0, len(v.buckets))
	for n := range v.buckets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// DestroyAZ models the loss of an Availability Zone: every One Zone-IA
// object version stored in az is lost, without early-deletion charges;
// other classes span at least three AZs and survive. It returns the number
// of versions lost. New One Zone-IA writes to buckets in az keep working
// (S3 would place them in the rebuilt zone).
func (v *Service) DestroyAZ(az string) int {
	lost := 0
	v.lost[az] = true
	for _, b := range v.Buckets() {
		if b.cfg.OneZoneAZ == az {
			lost += b.loseOneZone()
		}
	}
	if v.s.Tracing() {
		v.s.Trace("s3", "DestroyAZ", az, sim.F("lostVersions", lost))
	}
	return lost
}

// Flush bills the usage accrued since the last daily run up to now, for
// every bucket; call it at the end of a run to close the books.
func (v *Service) Flush() {
	now := v.s.Now()
	for _, b := range v.Buckets() {
		b.flush(now)
	}
}

// Stop stops the daily work (lifecycle, metrics, billing) after flushing,
// so that sim.Run can return once nothing else is pending.
func (v *Service) Stop() {
	v.Flush()
	if v.daily != nil {
		v.daily.Stop()
		v.daily = nil
	}
}

func (v *Service) startDaily() {
	now := v.s.Wall(v.s.Now()).UTC()
	next := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).Add(day)
	v.daily = v.s.Every(v.s.TimeOf(next), day, v.runDaily)
}

// runDaily is S3's midnight-UTC batch: lifecycle and Intelligent-Tiering
// moves, expiry of restored copies and multipart uploads, storage metrics
// and the day's bill.
func (v *Service) runDaily(now sim.Time) {
	for _, b := range v.Buckets() {
		b.accrue(now)
		b.expireRestores(now)
		b.runLifecycle(now)
		b.runTiering(now)
		b.publishStorage(now)
		b.flush(now)
	}
}

// midnightAfter rounds t up to the next midnight UTC (t itself if it is
// one), as S3 rounds lifecycle due dates.
func (v *Service) midnightAfter(t sim.Time) sim.Time {
	w := v.s.Wall(t).UTC()
	m := time.Date(w.Year(), w.Month(), w.Day(), 0, 0, 0, 0, time.UTC)
	if m.Before(w) {
		m = m.Add(day)
	}
	return v.s.TimeOf(m)
}

const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._"

// token returns a deterministic opaque identifier of n characters, as S3
// forms version IDs and upload IDs.
func (v *Service) token(n int) string {
	b := make([]byte, n)
	var x uint64
	for i := range b {
		if i%10 == 0 {
			v.idCtr++
			x = splitmix(v.idSeed + v.idCtr)
		}
		b[i] = idAlphabet[x&63]
		x >>= 6
	}
	return string(b)
}

func splitmix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Serve answers a request addressed by host name, like S3's endpoints:
// virtual-hosted REST ("<bucket>.s3.<region>.amazonaws.com",
// "<bucket>.s3.amazonaws.com"), path-style REST ("s3.<region>.amazonaws.com"
// with the bucket as the first path segment), website endpoints
// ("<bucket>.s3-website-<region>.amazonaws.com" or "...s3-website.<region>...")
// and a custom domain equal to a website bucket's name. Unknown buckets get
// 404 NoSuchBucket.
func (v *Service) Serve(req *sim.Request, reply func(sim.Response)) {
	host := req.Host
	if i := strings.IndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	if b, ok := v.buckets[host]; ok && b.website != nil {
		b.serve(req, req.Path, true, reply)
		return
	}
	name, website, pathStyle := splitHost(host)
	key := req.Path
	if pathStyle {
		p := strings.TrimPrefix(req.Path, "/")
		name, key = p, "/"
		if i := strings.IndexByte(p, '/'); i >= 0 {
			name, key = p[:i], p[i:]
		}
	}
	b, ok := v.buckets[name]
	if !ok {
		e := ErrNoSuchBucket
		req.AddHop(sim.Hop{Service: "s3", Name: name, Enter: v.s.Now(), Leave: v.s.Now(), Status: e.Status})
		reply(sim.Response{Status: e.Status, Reason: e.Code, From: "s3", Bytes: errorBytes})
		return
	}
	b.serve(req, key, website, reply)
}

// splitHost recognises S3 endpoint host names.
func splitHost(host string) (bucket string, website, pathStyle bool) {
	if i := strings.Index(host, ".s3-website"); i > 0 {
		return host[:i], true, false
	}
	if i := strings.Index(host, ".s3."); i > 0 {
		return host[:i], false, false
	}
	if strings.HasPrefix(host, "s3.") || strings.HasPrefix(host, "s3-") {
		return "", false, true
	}
	return host, false, false
}
