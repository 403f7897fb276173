package cloudfront

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/nimbus-sim/nimbus/sim"
)

func TestParseCacheControl(t *testing.T) {
	cc := ParseCacheControl(`public, Max-Age=60, s-maxage="120", no-transform`)
	assert.Equal(t, CacheControl{MaxAge: time.Minute, HasMaxAge: true, SMaxAge: 2 * time.Minute, HasSMaxAge: true, NoTransform: true}, cc)
	cc = ParseCacheControl("max-age=-1, no-store")
	assert.False(t, cc.HasMaxAge, "negative max-age is invalid")
	assert.True(t, cc.NoStore)
	cc = ParseCacheControl("max-age=99999999999999999999")
	assert.Equal(t, maxAgeLimit, cc.MaxAge, "capped at 100 years")
}

func TestEdgeTTL(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	def := NewCachePolicy("default", 0) // 0 / 86400 / 31536000
	minned := CachePolicy{MinTTL: 10 * time.Second, DefaultTTL: 100 * time.Second, MaxTTL: 1000 * time.Second}
	hs := func(kv ...string) []sim.Header {
		var out []sim.Header
		for i := 0; i < len(kv); i += 2 {
			out = append(out, sim.Header{Name: kv[i], Value: kv[i+1]})
		}
		return out
	}
	exp := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	tests := []struct {
		name   string
		p      CachePolicy
		h      []sim.Header
		ttl    time.Duration
		cached bool
	}{
		{"no headers: DefaultTTL", def, nil, 86400 * time.Second, true},
		{"max-age", def, hs("Cache-Control", "max-age=60"), time.Minute, true},
		{"s-maxage beats max-age", def, hs("Cache-Control", "max-age=60, s-maxage=30"), 30 * time.Second, true},
		{"max-age beats Expires", def, hs("Cache-Control", "max-age=60", "Expires", exp(time.Hour)), time.Minute, true},
		{"Expires alone", def, hs("Expires", exp(time.Hour)), time.Hour, true},
		{"Expires in the past", def, hs("Expires", exp(-time.Hour)), 0, false},
		{"Expires garbage counts as expired", def, hs("Expires", "0"), 0, false},
		{"max-age above MaxTTL clamps", minned, hs("Cache-Control", "max-age=5000"), 1000 * time.Second, true},
		{"max-age below MinTTL clamps", minned, hs("Cache-Control", "max-age=1"), 10 * time.Second, true},
		{"DefaultTTL below MinTTL never", CachePolicy{MinTTL: 50 * time.Second, DefaultTTL: 50 * time.Second, MaxTTL: time.Hour}, nil, 50 * time.Second, true},
		{"no-store with MinTTL 0", def, hs("Cache-Control", "no-store"), 0, false},
		{"no-cache with MinTTL 0", def, hs("Cache-Control", "no-cache"), 0, false},
		{"private with MinTTL 0", def, hs("Cache-Control", "private, max-age=600"), 0, false},
		{"no-store with MinTTL > 0 caches MinTTL", minned, hs("Cache-Control", "no-store"), 10 * time.Second, true},
		{"CachingDisabled", CachingDisabled, hs("Cache-Control", "max-age=600"), 0, false},
		{"max-age=0", def, hs("Cache-Control", "max-age=0"), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ttl, cached := EdgeTTL(tt.p, tt.h, now)
			assert.Equal(t, tt.ttl, ttl)
			assert.Equal(t, tt.cached, cached)
		})
	}
}

func TestNewCachePolicyDefaults(t *testing.T) {
	p := NewCachePolicy("p", 0)
	assert.Equal(t, []time.Duration{0, 86400 * time.Second, 31536000 * time.Second}, []time.Duration{p.MinTTL, p.DefaultTTL, p.MaxTTL})
	p = NewCachePolicy("big", 100000*time.Second) // MinTTL above a day drags DefaultTTL up
	assert.Equal(t, 100000*time.Second, p.DefaultTTL)
	p = NewCachePolicy("huge", 40000000*time.Second) // and above a year drags MaxTTL up
	assert.Equal(t, 40000000*time.Second, p.MaxTTL)
	assert.NoError(t, p.Validate())
	assert.ErrorIs(t, CachePolicy{Name: "x", MinTTL: 2, DefaultTTL: 1, MaxTTL: 3}.Validate(), ErrInvalidConfig)
	assert.ErrorIs(t, CachePolicy{Name: "x", MaxTTL: 1<<63 - 1}.Validate(), ErrInvalidConfig, "Stored+MaxTTL would overflow")
}

func FuzzParseCacheControl(f *testing.F) {
	f.Add("max-age=60, s-maxage=30, no-cache")
	f.Add(`private, max-age="10"`)
	f.Fuzz(func(t *testing.T, v string) {
		cc := ParseCacheControl(v)
		if cc.MaxAge < 0 || cc.SMaxAge < 0 || cc.MaxAge > maxAgeLimit || cc.SMaxAge > maxAgeLimit {
			t.Fatalf("ParseCacheControl(%q) = %+v out of range", v, cc)
		}
		if !cc.HasMaxAge && cc.MaxAge != 0 {
			t.Fatalf("MaxAge set without HasMaxAge: %+v", cc)
		}
	})
}
