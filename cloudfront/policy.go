package cloudfront

import (
	"fmt"
	"strings"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// CloudFront's legacy TTL defaults, used when a behaviour has no cache
// policy (Expiration.html).
const (
	DefaultMinTTL     = 0 * time.Second
	DefaultDefaultTTL = 86400 * time.Second    // 1 day
	DefaultMaxTTL     = 31536000 * time.Second // 1 year
)

// Behaviours of a ParamsConfig, with AWS's API spellings.
const (
	// ParamsNone includes nothing.
	ParamsNone = "none"
	// ParamsWhitelist includes only the listed names.
	ParamsWhitelist = "whitelist"
	// ParamsAllExcept includes every name but the listed ones.
	ParamsAllExcept = "allExcept"
	// ParamsAll includes every name (query strings and cookies).
	ParamsAll = "all"
	// ParamsAllViewer forwards every viewer header (origin request policies).
	ParamsAllViewer = "allViewer"
	// ParamsAllViewerAndWhitelistCloudFront forwards every viewer header and
	// the listed CloudFront-generated headers (origin request policies).
	ParamsAllViewerAndWhitelistCloudFront = "allViewerAndWhitelistCloudFront"
)

// MaxPolicyItems is how many headers, cookies or query strings one policy
// may name.
const MaxPolicyItems = 10

// ParamsConfig selects query strings, headers or cookies for a cache key or
// an origin request. The zero value includes none.
type ParamsConfig struct {
	// Behavior is one of the Params* constants; empty means ParamsNone.
	Behavior string
	// Items are the names the behaviour refers to (at most MaxPolicyItems).
	// Header names are case-insensitive; query strings and cookies are not.
	Items []string
}

// includes reports whether the name is selected.
func (p ParamsConfig) includes(name string, fold bool) bool {
	switch p.Behavior {
	case ParamsAll:
		return true
	case ParamsAllViewer:
		return !isCloudFrontHeader(name)
	case ParamsAllViewerAndWhitelistCloudFront:
		return !isCloudFrontHeader(name) || contains(p.Items, name, fold)
	case ParamsWhitelist:
		return contains(p.Items, name, fold)
	case ParamsAllExcept:
		return !contains(p.Items, name, fold)
	}
	return false
}

func contains(items []string, name string, fold bool) bool {
	for _, it := range items {
		if it == name || (fold && strings.EqualFold(it, name)) {
			return true
		}
	}
	return false
}

func (p ParamsConfig) validate(obj, field string, allowed ...string) error {
	ok := p.Behavior == ""
	for _, a := range allowed {
		ok = ok || p.Behavior == a
	}
	if !ok {
		return fmt.Errorf("cloudfront: %s: %s.Behavior %q not one of %v: %w", obj, field, p.Behavior, allowed, ErrInvalidConfig)
	}
	if len(p.Items) > MaxPolicyItems {
		return fmt.Errorf("cloudfront: %s: %s has %d items > %d: %w", obj, field, len(p.Items), MaxPolicyItems, ErrInvalidConfig)
	}
	return nil
}

// CachePolicy decides what goes into the cache key and how long objects
// stay cached. The TTL fields are used exactly as given (a zero MaxTTL means
// nothing is cached); start from NewCachePolicy or a managed policy.
type CachePolicy struct {
	// Name identifies the policy.
	Name string
	// MinTTL, DefaultTTL and MaxTTL bound the edge TTL; see EdgeTTL.
	MinTTL, DefaultTTL, MaxTTL time.Duration
	// QueryStrings, Headers and Cookies join the cache key (and are
	// forwarded to the origin). Headers allows none or whitelist only.
	QueryStrings, Headers, Cookies ParamsConfig
	// EnableAcceptEncodingGzip and EnableAcceptEncodingBrotli add the
	// viewer's normalised gzip/br support to the cache key, so compressed
	// variants are cached apart.
	EnableAcceptEncodingGzip, EnableAcceptEncodingBrotli bool
}

// NewCachePolicy returns a policy with the given MinTTL and CloudFront's
// defaults for the rest: DefaultTTL 86,400 s (or MinTTL if larger), MaxTTL
// 31,536,000 s (or DefaultTTL if larger), and a cache key of the path only.
func NewCachePolicy(name string, minTTL time.Duration) CachePolicy {
	def := max(DefaultDefaultTTL, minTTL)
	return CachePolicy{Name: name, MinTTL: minTTL, DefaultTTL: def, MaxTTL: max(DefaultMaxTTL, def)}
}

// Managed cache policies (using-managed-cache-policies.html).
var (
	// CachingOptimized is AWS's recommended policy for static content:
	// 1 s / 1 day / 1 year, gzip and br in the cache key.
	CachingOptimized = CachePolicy{Name: "Managed-CachingOptimized", MinTTL: time.Second, DefaultTTL: DefaultDefaultTTL,
		MaxTTL: DefaultMaxTTL, EnableAcceptEncodingGzip: true, EnableAcceptEncodingBrotli: true}
	// CachingDisabled caches nothing (0 / 0 / 0), for dynamic content.
	CachingDisabled = CachePolicy{Name: "Managed-CachingDisabled"}
)

// Validate checks the policy's TTL order and item counts.
func (p CachePolicy) Validate() error {
	obj := fmt.Sprintf("cache policy %q", p.Name)
	// The 100-year cap (the longest max-age honoured) keeps Stored+TTL
	// inside sim.Time's range.
	if p.MinTTL < 0 || p.DefaultTTL < p.MinTTL || p.MaxTTL < p.DefaultTTL || p.MaxTTL > maxAgeLimit {
		return fmt.Errorf("cloudfront: %s: need 0 <= MinTTL %v <= DefaultTTL %v <= MaxTTL %v <= 100 years: %w", obj, p.MinTTL, p.DefaultTTL, p.MaxTTL, ErrInvalidConfig)
	}
	if err := p.QueryStrings.validate(obj, "QueryStrings", ParamsNone, ParamsWhitelist, ParamsAllExcept, ParamsAll); err != nil {
		return err
	}
	if err := p.Headers.validate(obj, "Headers", ParamsNone, ParamsWhitelist); err != nil {
		return err
	}
	return p.Cookies.validate(obj, "Cookies", ParamsNone, ParamsWhitelist, ParamsAllExcept, ParamsAll)
}

// OriginRequestPolicy forwards query strings, headers and cookies to the
// origin without adding them to the cache key. Header items may name
// CloudFront-generated viewer headers such as CloudFront-Viewer-Country.
type OriginRequestPolicy struct {
	// Name identifies the policy.
	Name string
	// QueryStrings, Headers and Cookies select what is forwarded.
	QueryStrings, Headers, Cookies ParamsConfig
}

// AllViewer is AWS's managed origin request policy that forwards every
// viewer header, cookie and query string; pair it with CachingDisabled for
// dynamic content.
var AllViewer = OriginRequestPolicy{Name: "Managed-AllViewer", Headers: ParamsConfig{Behavior: ParamsAllViewer},
	Cookies: ParamsConfig{Behavior: ParamsAll}, QueryStrings: ParamsConfig{Behavior: ParamsAll}}

// Validate checks the policy's behaviours and item counts.
func (p OriginRequestPolicy) Validate() error {
	obj := fmt.Sprintf("origin request policy %q", p.Name)
	if err := p.QueryStrings.validate(obj, "QueryStrings", ParamsNone, ParamsWhitelist, ParamsAllExcept, ParamsAll); err != nil {
		return err
	}
	if err := p.Headers.validate(obj, "Headers", ParamsNone, ParamsWhitelist, ParamsAllViewer, ParamsAllViewerAndWhitelistCloudFront, ParamsAllExcept); err != nil {
		return err
	}
	return p.Cookies.validate(obj, "Cookies", ParamsNone, ParamsWhitelist, ParamsAllExcept, ParamsAll)
}

// ResponseHeadersPolicy adds and removes headers on responses to viewers.
type ResponseHeadersPolicy struct {
	// Name identifies the policy.
	Name string
	// CustomHeaders are added to every response.
	CustomHeaders []sim.Header
	// Override replaces a header of the same name the origin sent; without
	// it the origin's value is kept.
	Override bool
	// RemoveHeaders are removed from responses (case-insensitive).
	RemoveHeaders []string
}

// SecurityHeadersPolicy is AWS's managed "SecurityHeadersPolicy": HSTS for
// a year, nosniff, SAMEORIGIN framing, a strict referrer policy and the XSS
// filter, overriding origin values.
var SecurityHeadersPolicy = ResponseHeadersPolicy{
	Name: "Managed-SecurityHeadersPolicy",
	CustomHeaders: []sim.Header{
		{Name: "Strict-Transport-Security", Value: "max-age=31536000"},
		{Name: "X-Content-Type-Options", Value: "nosniff"},
		{Name: "X-Frame-Options", Value: "SAMEORIGIN"},
		{Name: "Referrer-Policy", Value: "strict-origin-when-cross-origin"},
		{Name: "X-XSS-Protection", Value: "1; mode=block"},
	},
	Override: true,
}

// apply returns resp with the policy's headers. It copies the header slice
// so cached objects are never modified.
func (p *ResponseHeadersPolicy) apply(resp sim.Response) sim.Response {
	if p == nil {
		return resp
	}
	hs := make([]sim.Header, 0, len(resp.Headers)+len(p.CustomHeaders))
	for _, h := range resp.Headers {
		if !contains(p.RemoveHeaders, h.Name, true) {
			hs = append(hs, h)
		}
	}
	for _, c := range p.CustomHeaders {
		found := false
		for i := range hs {
			if strings.EqualFold(hs[i].Name, c.Name) {
				found = true
				if p.Override {
					hs[i].Value = c.Value
				}
			}
		}
		if !found {
			hs = append(hs, c)
		}
	}
	resp.Headers = hs
	return resp
}

func isCloudFrontHeader(name string) bool {
	return len(name) > 11 && strings.EqualFold(name[:11], "CloudFront-")
}
