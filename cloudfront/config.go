package cloudfront

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/geo"
	"github.com/nimbus-sim/nimbus/sim"
)

// MetricPublisher receives aggregated datapoints; *cloudwatch.CloudWatch
// implements it. Nil means metrics are not published.
type MetricPublisher interface {
	Publish(namespace string, d cloudwatch.MetricDatum)
}

// Biller receives priced usage; *billing.Ledger implements it. Nil means no
// billing.
type Biller interface {
	Add(billing.LineItem)
}

// Latency gives the mean round-trip time between two points;
// geo.LatencyModel implements it.
type Latency interface {
	RTT(a, b geo.Point) time.Duration
}

// Config configures CloudFront's edge network in one run: which edge
// locations exist, how big their caches are, the connection model, and the
// sinks for metrics and billing. Distributions are created on it. Zero
// fields take the defaults named in their comments.
type Config struct {
	// Edges are the edge location codes (geo.EdgeLocations) in service;
	// empty means all of them.
	Edges []string
	// EdgeCacheBytes is each edge location's cache size. Default 256 GiB —
	// an assumption: AWS does not publish POP cache sizes.
	EdgeCacheBytes int64
	// RegionalCacheBytes is each regional edge cache's size. Default 4 TiB,
	// an assumption (AWS says only that RECs are larger than POPs). It also
	// sizes Origin Shield locations: Origin Shield runs on REC
	// infrastructure, and when an edge's REC is in the Origin Shield Region
	// the two are one cache.
	RegionalCacheBytes int64
	// NewCache builds every tier's cache and so chooses the eviction
	// policy; nil means NewLRU.
	NewCache NewCache
	// DisableRegionalEdgeCaches turns the second tier off, so edges fill
	// straight from Origin Shield or the origin. Real CloudFront always has
	// it; this knob exists to show what it buys.
	DisableRegionalEdgeCaches bool
	// Latency turns distance into RTT; nil means geo.DefaultLatency().
	Latency Latency
	// EdgeProcessing is the time a tier spends on a request before it
	// answers from cache or forwards it. Default 1 ms, an assumption.
	EdgeProcessing time.Duration
	// TLSRoundTrips is how many round trips a TLS handshake takes: 1 for
	// TLS 1.3 (the default, which CloudFront supports), 2 for TLS 1.2.
	TLSRoundTrips int
	// ViewerKeepAlive is how long an idle viewer connection stays open at
	// an edge, so the viewer's next request skips the handshakes. Default
	// 60 s, an assumption (browsers and CloudFront both close idle
	// connections after tens of seconds). Connections are per Client.ID;
	// an edge forgets those idle for longer, so its memory follows the
	// viewers active within the keep-alive, not all viewers of the run.
	ViewerKeepAlive time.Duration
	// InvalidationTime is how long an invalidation takes to complete.
	// Default 60 s, an assumption: AWS says invalidations usually finish
	// within minutes and does not publish a distribution.
	InvalidationTime time.Duration
	// AccountID is the AWS account that owns the distributions, used in
	// their ARNs. Default "123456789012".
	AccountID string
	// Prices is the price table; nil means DefaultPrices().
	Prices *Prices
	// Metrics receives AWS/CloudFront datapoints each minute; nil = none.
	Metrics MetricPublisher
	// Billing receives line items each BillingPeriod; nil = none.
	Billing Biller
	// BillingPeriod is how much usage one line item covers. Default 1 h.
	BillingPeriod time.Duration
	// CompressionRatioGzip and CompressionRatioBrotli are compressed size
	// over original size for compressible content. Defaults 0.30 and 0.25,
	// assumptions typical of text (AWS publishes no figure).
	CompressionRatioGzip, CompressionRatioBrotli float64
}

// Defaults applied by New.
const (
	DefaultEdgeCacheBytes     = 256 << 30
	DefaultRegionalCacheBytes = 4 << 40
	DefaultEdgeProcessing     = time.Millisecond
	DefaultViewerKeepAlive    = 60 * time.Second
	DefaultInvalidationTime   = 60 * time.Second
	DefaultAccountID          = "123456789012"
)

func (c *Config) setDefaults() {
	if c.EdgeCacheBytes == 0 {
		c.EdgeCacheBytes = DefaultEdgeCacheBytes
	}
	if c.RegionalCacheBytes == 0 {
		c.RegionalCacheBytes = DefaultRegionalCacheBytes
	}
	if c.NewCache == nil {
		c.NewCache = NewLRU
	}
	if c.Latency == nil {
		c.Latency = geo.DefaultLatency()
	}
	if c.EdgeProcessing == 0 {
		c.EdgeProcessing = DefaultEdgeProcessing
	}
	if c.TLSRoundTrips == 0 {
		c.TLSRoundTrips = 1
	}
	if c.ViewerKeepAlive == 0 {
		c.ViewerKeepAlive = DefaultViewerKeepAlive
	}
	if c.InvalidationTime == 0 {
		c.InvalidationTime = DefaultInvalidationTime
	}
	if c.AccountID == "" {
		c.AccountID = DefaultAccountID
	}
	if c.Prices == nil {
		p := DefaultPrices()
		c.Prices = &p
	}
	if c.BillingPeriod == 0 {
		c.BillingPeriod = time.Hour
	}
	if c.CompressionRatioGzip == 0 {
		c.CompressionRatioGzip = 0.30
	}
	if c.CompressionRatioBrotli == 0 {
		c.CompressionRatioBrotli = 0.25
	}
}

func (c *Config) validate() error {
	switch {
	case c.EdgeCacheBytes < 0, c.RegionalCacheBytes < 0:
		return fmt.Errorf("cloudfront: cache sizes must be positive (EdgeCacheBytes %d, RegionalCacheBytes %d): %w",
			c.EdgeCacheBytes, c.RegionalCacheBytes, ErrInvalidConfig)
	case !(c.CompressionRatioGzip > 0 && c.CompressionRatioGzip <= 1) || !(c.CompressionRatioBrotli > 0 && c.CompressionRatioBrotli <= 1):
		return fmt.Errorf("cloudfront: CompressionRatioGzip %v and CompressionRatioBrotli %v must lie in (0, 1]: %w",
			c.CompressionRatioGzip, c.CompressionRatioBrotli, ErrInvalidConfig)
	case c.EdgeProcessing < 0:
		return fmt.Errorf("cloudfront: EdgeProcessing %v < 0: %w", c.EdgeProcessing, ErrInvalidConfig)
	case c.TLSRoundTrips < 1 || c.TLSRoundTrips > 2:
		return fmt.Errorf("cloudfront: TLSRoundTrips %d not 1 (TLS 1.3) or 2 (TLS 1.2): %w", c.TLSRoundTrips, ErrInvalidConfig)
	case c.ViewerKeepAlive < 0, c.InvalidationTime < 0, c.BillingPeriod < 0:
		return fmt.Errorf("cloudfront: ViewerKeepAlive, InvalidationTime and BillingPeriod must not be negative: %w", ErrInvalidConfig)
	case c.EdgeProcessing > maxAgeLimit, c.InvalidationTime > maxAgeLimit, c.BillingPeriod > maxAgeLimit:
		// Events this far ahead would overflow virtual time.
		return fmt.Errorf("cloudfront: EdgeProcessing, InvalidationTime and BillingPeriod must not exceed 100 years: %w", ErrInvalidConfig)
	}
	return nil
}

// ViewerProtocolPolicy says which protocols viewers may use.
type ViewerProtocolPolicy string

// Viewer protocol policies.
const (
	// AllowAll serves HTTP and HTTPS (the default).
	AllowAll ViewerProtocolPolicy = "allow-all"
	// RedirectToHTTPS answers HTTP requests with 301 to the HTTPS URL.
	RedirectToHTTPS ViewerProtocolPolicy = "redirect-to-https"
	// HTTPSOnly answers HTTP requests with 403.
	HTTPSOnly ViewerProtocolPolicy = "https-only"
)

// AllowedMethods is one of the three method sets a behaviour may allow.
type AllowedMethods int

// Method sets.
const (
	// GetHead allows GET and HEAD (the default).
	GetHead AllowedMethods = iota
	// GetHeadOptions adds OPTIONS.
	GetHeadOptions
	// AllMethods allows GET, HEAD, OPTIONS, PUT, PATCH, POST and DELETE.
	AllMethods
)

func (a AllowedMethods) allows(m string) bool {
	switch m {
	case "GET", "HEAD", "":
		return true
	case "OPTIONS":
		return a >= GetHeadOptions
	case "PUT", "PATCH", "POST", "DELETE":
		return a == AllMethods
	}
	return false
}

// CacheBehavior routes requests whose path matches PathPattern.
type CacheBehavior struct {
	// PathPattern selects requests ("images/*.jpg"); ignored (it is "*")
	// for the default behaviour.
	PathPattern string
	// TargetOriginID is the ID of an origin or an origin group.
	TargetOriginID string
	// ViewerProtocolPolicy; empty means AllowAll.
	ViewerProtocolPolicy ViewerProtocolPolicy
	// AllowedMethods; the zero value is GetHead.
	AllowedMethods AllowedMethods
	// Compress makes edges gzip or Brotli-compress eligible responses.
	Compress bool
	// CachePolicy; nil means CloudFront's legacy defaults: TTLs 0 / 1 day /
	// 1 year and a cache key of the path only.
	CachePolicy *CachePolicy
	// OriginRequestPolicy; nil forwards only what is in the cache key.
	OriginRequestPolicy *OriginRequestPolicy
	// ResponseHeadersPolicy; nil adds no headers.
	ResponseHeadersPolicy *ResponseHeadersPolicy
	// TrustedKeyGroups names the distribution's key groups whose keys may
	// sign URLs and cookies; non-empty makes the content private.
	TrustedKeyGroups []string
	// FunctionAssociations attach functions to event points (at most one
	// per event type).
	FunctionAssociations []FunctionAssociation
	// FieldLevelEncryption, when set, encrypts POST form fields at the edge.
	FieldLevelEncryption *FieldLevelEncryption
}

// Field-level encryption limits (field-level-encryption.html).
const (
	MaxFLEFields       = 10
	MaxFLEFieldBytes   = 16 << 10
	MaxFLERequestBytes = 1 << 20
)

// FieldLevelEncryption encrypts the named form fields of POST requests
// with an RSA public key at the edge, so only the origin can read them.
// The model keeps its limits and its charge: a POST larger than
// MaxFLERequestBytes is refused with 413, and each encrypted request is
// billed. (The encryption itself changes nothing the simulation sees.)
type FieldLevelEncryption struct {
	// ProfileName names the FLE profile.
	ProfileName string
	// Fields are the form field names to encrypt (1..MaxFLEFields).
	Fields []string
}

// OriginProtocolPolicy says how CloudFront connects to a custom origin.
type OriginProtocolPolicy string

// Origin protocol policies.
const (
	// HTTPSOnlyOrigin always uses HTTPS (the default here).
	HTTPSOnlyOrigin OriginProtocolPolicy = "https-only"
	// HTTPOnlyOrigin always uses HTTP (no TLS handshake).
	HTTPOnlyOrigin OriginProtocolPolicy = "http-only"
	// MatchViewer uses the viewer's protocol.
	MatchViewer OriginProtocolPolicy = "match-viewer"
)

// Origin timeouts (RequestAndResponseBehaviorCustomOrigin.html).
const (
	DefaultConnectionTimeout  = 10 * time.Second
	DefaultConnectionAttempts = 3
	DefaultResponseTimeout    = 30 * time.Second
	// DefaultKeepAliveTimeout is CloudFront's origin keep-alive idle
	// timeout (1–60 s).
	DefaultKeepAliveTimeout = 5 * time.Second
)

// SigningBehavior is how origin access control signs origin requests.
type SigningBehavior string

// OAC signing behaviours.
const (
	// SignAlways signs every request (recommended).
	SignAlways SigningBehavior = "always"
	// SignNever never signs.
	SignNever SigningBehavior = "never"
	// SignNoOverride passes a viewer's Authorization header through and
	// signs only requests that lack one.
	SignNoOverride SigningBehavior = "no-override"
)

// OriginAccessControl lets an S3 origin admit only this distribution.
type OriginAccessControl struct {
	// Name identifies the OAC.
	Name string
	// SigningBehavior; empty means SignAlways.
	SigningBehavior SigningBehavior
}

// Headers through which origin access control identifies CloudFront to an
// S3 origin in nimbus (the same names as package s3 reads). Real OAC signs
// the request with SigV4 as the service principal cloudfront.amazonaws.com
// and S3 checks the bucket policy's aws:SourceArn condition; here the
// signed identity travels in these headers.
const (
	// HeaderPrincipal carries the caller's principal,
	// "cloudfront.amazonaws.com".
	HeaderPrincipal = "X-Nimbus-Principal"
	// HeaderSourceArn carries aws:SourceArn, the distribution's ARN
	// "arn:aws:cloudfront::<account>:distribution/<id>".
	HeaderSourceArn = "X-Nimbus-Source-Arn"
)

// OriginShield places an extra caching layer in front of an origin.
type OriginShield struct {
	// Enabled turns it on.
	Enabled bool
	// Region is the Origin Shield Region, such as "us-east-1"; pick the
	// Region nearest the origin.
	Region string
}

// Origin is where a distribution fetches content: any sim.Handler (an S3
// bucket, a load balancer, a user's function).
type Origin struct {
	// ID is unique within the distribution.
	ID string
	// DomainName is the origin's name, sent as Host unless the viewer's Host
	// is forwarded.
	DomainName string
	// Handler answers origin requests.
	Handler sim.Handler
	// Region is where the origin runs, for RTT (its geo.Region location).
	Region string
	// Location overrides Region's coordinates when non-zero.
	Location geo.Point
	// S3 marks an S3 REST origin: it may use OriginAccessControl, has no
	// response timeout setting, and edges skip the REC when it is in the
	// bucket's Region.
	S3 bool
	// OriginAccessControl, for S3 origins; nil sends unsigned requests.
	OriginAccessControl *OriginAccessControl
	// OriginPath is prefixed to every origin request path.
	OriginPath string
	// CustomHeaders are added to every origin request.
	CustomHeaders []sim.Header
	// ProtocolPolicy for custom origins; empty means HTTPSOnlyOrigin.
	ProtocolPolicy OriginProtocolPolicy
	// ConnectionTimeout (1–10 s, default 10 s) and ConnectionAttempts (1–3,
	// default 3) bound how long CloudFront tries to connect.
	ConnectionTimeout  time.Duration
	ConnectionAttempts int
	// ResponseTimeout (1–60 s, default 30 s) is how long CloudFront waits
	// for the origin's answer before giving up (504) or failing over.
	ResponseTimeout time.Duration
	// KeepAliveTimeout (1–60 s, default 5 s) is how long an idle
	// connection from a tier to this origin stays warm for reuse.
	KeepAliveTimeout time.Duration
	// OriginShield configures the optional third tier.
	OriginShield OriginShield
}

// FailoverStatusCodes are the status codes an origin group may fail over
// on.
var FailoverStatusCodes = []int{400, 403, 404, 416, 500, 502, 503, 504}

// OriginGroup pairs a primary and a secondary origin for failover.
type OriginGroup struct {
	// ID is unique among origins and groups.
	ID string
	// PrimaryOriginID and SecondaryOriginID name two origins.
	PrimaryOriginID, SecondaryOriginID string
	// FailoverCriteria are status codes (from FailoverStatusCodes) that
	// send a GET, HEAD or OPTIONS to the secondary. Connection failures and
	// timeouts always fail over.
	FailoverCriteria []int
}

// Geo restriction types, as the API spells them.
const (
	// GeoNone restricts nothing.
	GeoNone = "none"
	// GeoAllowList ("whitelist") serves only the listed countries.
	GeoAllowList = "whitelist"
	// GeoBlockList ("blacklist") refuses the listed countries.
	GeoBlockList = "blacklist"
)

// GeoRestriction allows or blocks viewers by country. Viewers whose
// country is unknown (empty) are served, as CloudFront serves them.
type GeoRestriction struct {
	// RestrictionType is GeoNone (or empty), GeoAllowList or GeoBlockList.
	RestrictionType string
	// Locations are ISO 3166-1 alpha-2 country codes.
	Locations []string
}

func (g GeoRestriction) blocks(country string) bool {
	if country == "" {
		return false
	}
	switch g.RestrictionType {
	case GeoAllowList:
		return !contains(g.Locations, country, true)
	case GeoBlockList:
		return contains(g.Locations, country, true)
	}
	return false
}

// Price classes: which edge geographies serve the distribution.
const (
	// PriceClassAll uses every edge location (the default).
	PriceClassAll = "PriceClass_All"
	// PriceClass200 leaves out South America and Australia/New Zealand.
	PriceClass200 = "PriceClass_200"
	// PriceClass100 uses only North America and Europe/Israel.
	PriceClass100 = "PriceClass_100"
)

// DistributionConfig describes one distribution.
type DistributionConfig struct {
	// Aliases are alternate domain names (CNAMEs), at most 100.
	Aliases []string
	// DefaultCacheBehavior handles requests no other behaviour matches.
	DefaultCacheBehavior CacheBehavior
	// CacheBehaviors are checked in order; the first match wins.
	CacheBehaviors []CacheBehavior
	// Origins (at most 25) and OriginGroups (at most 10).
	Origins      []Origin
	OriginGroups []OriginGroup
	// KeyGroups are the trusted key groups behaviours may name.
	KeyGroups []KeyGroup
	// PriceClass; empty means PriceClassAll.
	PriceClass string
	// GeoRestriction applies to the whole distribution.
	GeoRestriction GeoRestriction
	// ErrorCachingMinTTL is how long error responses (4xx/5xx from the
	// origin) are cached. Default 10 s, CloudFront's default.
	ErrorCachingMinTTL time.Duration
	// AccessLog, when set, receives the standard access log (a header and
	// one line per viewer request).
	AccessLog io.Writer
	// Tags are cost-allocation tags copied onto line items.
	Tags map[string]string
}

// Distribution quotas (cloudfront-limits.html).
const (
	MaxOrigins        = 25
	MaxOriginGroups   = 10
	MaxCacheBehaviors = 25
	MaxAliases        = 100
)

// DefaultErrorCachingMinTTL is how long CloudFront caches 4xx/5xx answers.
const DefaultErrorCachingMinTTL = 10 * time.Second

func (c *DistributionConfig) validate() error {
	if len(c.Aliases) > MaxAliases {
		return fmt.Errorf("cloudfront: distribution: %d Aliases > %d: %w", len(c.Aliases), MaxAliases, ErrInvalidConfig)
	}
	if len(c.Origins) == 0 || len(c.Origins) > MaxOrigins {
		return fmt.Errorf("cloudfront: distribution: %d Origins, want 1..%d: %w", len(c.Origins), MaxOrigins, ErrInvalidConfig)
	}
	if len(c.OriginGroups) > MaxOriginGroups {
		return fmt.Errorf("cloudfront: distribution: %d OriginGroups > %d: %w", len(c.OriginGroups), MaxOriginGroups, ErrInvalidConfig)
	}
	if len(c.CacheBehaviors) > MaxCacheBehaviors {
		return fmt.Errorf("cloudfront: distribution: %d CacheBehaviors > %d: %w", len(c.CacheBehaviors), MaxCacheBehaviors, ErrInvalidConfig)
	}
	switch c.PriceClass {
	case "", PriceClassAll, PriceClass200, PriceClass100:
	default:
		return fmt.Errorf("cloudfront: distribution: PriceClass %q unknown: %w", c.PriceClass, ErrInvalidConfig)
	}
	switch c.GeoRestriction.RestrictionType {
	case "", GeoNone, GeoAllowList, GeoBlockList:
	default:
		return fmt.Errorf("cloudfront: distribution: GeoRestriction.RestrictionType %q unknown: %w", c.GeoRestriction.RestrictionType, ErrInvalidConfig)
	}
	if c.ErrorCachingMinTTL < 0 {
		return fmt.Errorf("cloudfront: distribution: ErrorCachingMinTTL %v < 0: %w", c.ErrorCachingMinTTL, ErrInvalidConfig)
	}
	ids := map[string]bool{}
	for i := range c.Origins {
		o := &c.Origins[i]
		if err := o.validate(); err != nil {
			return err
		}
		if ids[o.ID] {
			return fmt.Errorf("cloudfront: origin %q: duplicate ID: %w", o.ID, ErrInvalidConfig)
		}
		ids[o.ID] = true
	}
	for _, g := range c.OriginGroups {
		if g.ID == "" || ids[g.ID] {
			return fmt.Errorf("cloudfront: origin group %q: ID empty or not unique: %w", g.ID, ErrInvalidConfig)
		}
		for _, m := range []string{g.PrimaryOriginID, g.SecondaryOriginID} {
			if !ids[m] || isGroup(c.OriginGroups, m) {
				return fmt.Errorf("cloudfront: origin group %q: member %q is not an origin: %w", g.ID, m, ErrInvalidConfig)
			}
		}
		for _, code := range g.FailoverCriteria {
			if !containsInt(FailoverStatusCodes, code) {
				return fmt.Errorf("cloudfront: origin group %q: FailoverCriteria %d not one of %v: %w", g.ID, code, FailoverStatusCodes, ErrInvalidConfig)
			}
		}
	}
	for _, g := range c.OriginGroups {
		ids[g.ID] = true
	}
	keyGroups := map[string]bool{}
	for _, kg := range c.KeyGroups {
		if len(kg.Keys) == 0 || len(kg.Keys) > MaxKeysPerGroup {
			return fmt.Errorf("cloudfront: key group %q: %d keys, want 1..%d: %w", kg.Name, len(kg.Keys), MaxKeysPerGroup, ErrInvalidConfig)
		}
		for _, k := range kg.Keys {
			if k.ID == "" || k.Key == nil {
				return fmt.Errorf("cloudfront: key group %q: key %q has no ID or no public key: %w", kg.Name, k.ID, ErrInvalidConfig)
			}
		}
		keyGroups[kg.Name] = true
	}
	check := func(b *CacheBehavior, name string, isDefault bool) error {
		if !isDefault {
			if err := ValidatePathPattern(b.PathPattern); err != nil {
				return fmt.Errorf("cloudfront: cache behavior %s: %w", name, err)
			}
		}
		if !ids[b.TargetOriginID] {
			return fmt.Errorf("cloudfront: cache behavior %s: TargetOriginID %q is no origin or origin group: %w", name, b.TargetOriginID, ErrInvalidConfig)
		}
		switch b.ViewerProtocolPolicy {
		case "", AllowAll, RedirectToHTTPS, HTTPSOnly:
		default:
			return fmt.Errorf("cloudfront: cache behavior %s: ViewerProtocolPolicy %q unknown: %w", name, b.ViewerProtocolPolicy, ErrInvalidConfig)
		}
		if b.AllowedMethods < GetHead || b.AllowedMethods > AllMethods {
			return fmt.Errorf("cloudfront: cache behavior %s: AllowedMethods %d unknown: %w", name, b.AllowedMethods, ErrInvalidConfig)
		}
		if b.CachePolicy != nil {
			if err := b.CachePolicy.Validate(); err != nil {
				return fmt.Errorf("cloudfront: cache behavior %s: %w", name, err)
			}
		}
		if b.OriginRequestPolicy != nil {
			if err := b.OriginRequestPolicy.Validate(); err != nil {
				return fmt.Errorf("cloudfront: cache behavior %s: %w", name, err)
			}
		}
		if len(b.TrustedKeyGroups) > MaxKeyGroupsPerBehavior {
			return fmt.Errorf("cloudfront: cache behavior %s: %d TrustedKeyGroups > %d: %w", name, len(b.TrustedKeyGroups), MaxKeyGroupsPerBehavior, ErrInvalidConfig)
		}
		for _, kg := range b.TrustedKeyGroups {
			if !keyGroups[kg] {
				return fmt.Errorf("cloudfront: cache behavior %s: TrustedKeyGroups names unknown key group %q: %w", name, kg, ErrInvalidConfig)
			}
		}
		if fle := b.FieldLevelEncryption; fle != nil && (len(fle.Fields) == 0 || len(fle.Fields) > MaxFLEFields) {
			return fmt.Errorf("cloudfront: cache behavior %s: FieldLevelEncryption %q has %d fields, want 1..%d: %w",
				name, fle.ProfileName, len(fle.Fields), MaxFLEFields, ErrInvalidConfig)
		}
		return validateFunctions(b.FunctionAssociations, name)
	}
	if err := check(&c.DefaultCacheBehavior, "default", true); err != nil {
		return err
	}
	for i := range c.CacheBehaviors {
		b := &c.CacheBehaviors[i]
		if err := check(b, fmt.Sprintf("%d (%q)", i, b.PathPattern), false); err != nil {
			return err
		}
	}
	return nil
}

func (o *Origin) validate() error {
	name := fmt.Sprintf("cloudfront: origin %q", o.ID)
	switch {
	case o.ID == "":
		return fmt.Errorf("cloudfront: origin with DomainName %q: ID is empty: %w", o.DomainName, ErrInvalidConfig)
	case o.Handler == nil:
		return fmt.Errorf("%s: Handler is nil: %w", name, ErrInvalidConfig)
	case o.ConnectionTimeout != 0 && (o.ConnectionTimeout < time.Second || o.ConnectionTimeout > 10*time.Second):
		return fmt.Errorf("%s: ConnectionTimeout %v outside 1s..10s: %w", name, o.ConnectionTimeout, ErrInvalidConfig)
	case o.ConnectionAttempts < 0 || o.ConnectionAttempts > 3:
		return fmt.Errorf("%s: ConnectionAttempts %d outside 1..3: %w", name, o.ConnectionAttempts, ErrInvalidConfig)
	case o.ResponseTimeout != 0 && (o.ResponseTimeout < time.Second || o.ResponseTimeout > 60*time.Second):
		return fmt.Errorf("%s: ResponseTimeout %v outside 1s..60s: %w", name, o.ResponseTimeout, ErrInvalidConfig)
	case o.KeepAliveTimeout != 0 && (o.KeepAliveTimeout < time.Second || o.KeepAliveTimeout > 60*time.Second):
		return fmt.Errorf("%s: KeepAliveTimeout %v outside 1s..60s: %w", name, o.KeepAliveTimeout, ErrInvalidConfig)
	case o.OriginAccessControl != nil && !o.S3:
		return fmt.Errorf("%s: OriginAccessControl needs an S3 origin: %w", name, ErrInvalidConfig)
	case o.Location == (geo.Point{}) && o.Region == "":
		return fmt.Errorf("%s: neither Region nor Location is set: %w", name, ErrInvalidConfig)
	}
	if o.Location == (geo.Point{}) {
		r, ok := geo.LookupRegion(o.Region)
		if !ok {
			return fmt.Errorf("%s: Region %q unknown: %w", name, o.Region, ErrInvalidConfig)
		}
		o.Location = r.Location
	}
	switch o.ProtocolPolicy {
	case "", HTTPSOnlyOrigin, HTTPOnlyOrigin, MatchViewer:
	default:
		return fmt.Errorf("%s: ProtocolPolicy %q unknown: %w", name, o.ProtocolPolicy, ErrInvalidConfig)
	}
	if o.OriginAccessControl != nil {
		switch o.OriginAccessControl.SigningBehavior {
		case "", SignAlways, SignNever, SignNoOverride:
		default:
			return fmt.Errorf("%s: OriginAccessControl.SigningBehavior %q unknown: %w", name, o.OriginAccessControl.SigningBehavior, ErrInvalidConfig)
		}
	}
	if o.OriginShield.Enabled {
		if _, ok := geo.LookupRegion(o.OriginShield.Region); !ok {
			return fmt.Errorf("%s: OriginShield.Region %q unknown: %w", name, o.OriginShield.Region, ErrInvalidConfig)
		}
	}
	if o.ConnectionTimeout == 0 {
		o.ConnectionTimeout = DefaultConnectionTimeout
	}
	if o.ConnectionAttempts == 0 {
		o.ConnectionAttempts = DefaultConnectionAttempts
	}
	if o.ResponseTimeout == 0 {
		o.ResponseTimeout = DefaultResponseTimeout
	}
	if o.KeepAliveTimeout == 0 {
		o.KeepAliveTimeout = DefaultKeepAliveTimeout
	}
	if o.OriginPath != "" && !strings.HasPrefix(o.OriginPath, "/") {
		return fmt.Errorf("%s: OriginPath %q must start with /: %w", name, o.OriginPath, ErrInvalidConfig)
	}
	return nil
}

func isGroup(gs []OriginGroup, id string) bool {
	for _, g := range gs {
		if g.ID == id {
			return true
		}
	}
	return false
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
