package cloudfront

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// CacheControl is the part of an origin's Cache-Control header that
// CloudFront reads.
type CacheControl struct {
	// MaxAge and SMaxAge are the max-age and s-maxage directives; the Has
	// flags say whether each was present (with a valid number).
	MaxAge, SMaxAge       time.Duration
	HasMaxAge, HasSMaxAge bool
	// NoCache, NoStore and Private are the directives of those names.
	NoCache, NoStore, Private bool
	// NoTransform is the no-transform directive (it stops compression).
	NoTransform bool
}

// maxAgeLimit is the largest max-age CloudFront honours: 100 years.
const maxAgeLimit = 100 * 365 * 24 * time.Hour

// ParseCacheControl parses a Cache-Control header value. Unknown directives
// are ignored; a max-age or s-maxage that is not a non-negative integer is
// ignored as if absent (RFC 9111 §4.2.1 says such values are invalid).
// Values above 100 years are capped at 100 years.
func ParseCacheControl(v string) CacheControl {
	var cc CacheControl
	for len(v) > 0 {
		var d string
		d, v, _ = strings.Cut(v, ",")
		d = strings.TrimSpace(d)
		name, arg, hasArg := strings.Cut(d, "=")
		name = strings.TrimSpace(name)
		arg = strings.Trim(strings.TrimSpace(arg), `"`)
		switch strings.ToLower(name) {
		case "max-age":
			if sec, ok := parseSeconds(arg, hasArg); ok {
				cc.MaxAge, cc.HasMaxAge = sec, true
			}
		case "s-maxage":
			if sec, ok := parseSeconds(arg, hasArg); ok {
				cc.SMaxAge, cc.HasSMaxAge = sec, true
			}
		case "no-cache":
			cc.NoCache = true
		case "no-store":
			cc.NoStore = true
		case "private":
			cc.Private = true
		case "no-transform":
			cc.NoTransform = true
		}
	}
	return cc
}

func parseSeconds(arg string, hasArg bool) (time.Duration, bool) {
	if !hasArg || arg == "" {
		return 0, false
	}
	for i := 0; i < len(arg); i++ {
		if arg[i] < '0' || arg[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(arg, 10, 64)
	if err != nil || n > uint64(maxAgeLimit/time.Second) {
		return maxAgeLimit, true // overflowing numbers mean "very long"
	}
	return time.Duration(n) * time.Second, true
}

// EdgeTTL returns how long CloudFront keeps an origin response under a
// cache policy, and whether it caches it at all, following the rules in
// CloudFront's "Managing how long content stays in the cache":
//
//   - no-store, no-cache or private with MinTTL 0: not cached;
//     with MinTTL > 0: cached for MinTTL;
//   - otherwise h = s-maxage, else max-age, else Expires − now; when h is
//     present the TTL is clamp(h, MinTTL, MaxTTL), when absent
//     max(MinTTL, DefaultTTL).
//
// now is the wall-clock instant the response arrived, for Expires. An
// Expires that does not parse counts as already expired (RFC 9111 §5.3).
// A TTL of zero means "not cached": this model does not store objects only
// to revalidate them on every request.
func EdgeTTL(p CachePolicy, headers []sim.Header, now time.Time) (time.Duration, bool) {
	var cc CacheControl
	var expires string
	var hasExpires bool
	for _, h := range headers {
		switch {
		case strings.EqualFold(h.Name, "Cache-Control"):
			cc = ParseCacheControl(h.Value)
		case strings.EqualFold(h.Name, "Expires"):
			expires, hasExpires = h.Value, true
		}
	}
	if cc.NoStore || cc.NoCache || cc.Private {
		return p.MinTTL, p.MinTTL > 0
	}
	var h time.Duration
	present := true
	switch {
	case cc.HasSMaxAge:
		h = cc.SMaxAge
	case cc.HasMaxAge:
		h = cc.MaxAge
	case hasExpires:
		if t, err := http.ParseTime(expires); err == nil {
			h = max(t.Sub(now), 0)
		}
	default:
		present = false
	}
	ttl := max(p.MinTTL, p.DefaultTTL)
	if present {
		ttl = max(p.MinTTL, min(h, p.MaxTTL))
	}
	return ttl, ttl > 0
}
