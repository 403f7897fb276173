package cloudfront

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

func TestConfigValidation(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	h := sim.Fixed(sim.Response{Status: 200})
	cf, err := New(s, Config{Edges: []string{"IAD"}})
	require.NoError(t, err)
	base := func() DistributionConfig { return simpleDist(h) }
	tests := []struct {
		name   string
		mutate func(*DistributionConfig)
		want   string
	}{
		{"no origins", func(c *DistributionConfig) { c.Origins = nil }, "0 Origins"},
		{"unknown target", func(c *DistributionConfig) { c.DefaultCacheBehavior.TargetOriginID = "nope" }, `TargetOriginID "nope"`},
		{"nil handler", func(c *DistributionConfig) { c.Origins[0].Handler = nil }, `origin "web": Handler is nil`},
		{"no region", func(c *DistributionConfig) { c.Origins[0].Region = "" }, "neither Region nor Location"},
		{"bad region", func(c *DistributionConfig) { c.Origins[0].Region = "mars-1" }, `Region "mars-1" unknown`},
		{"timeout range", func(c *DistributionConfig) { c.Origins[0].ResponseTimeout = 90 * time.Second }, "ResponseTimeout 1m30s outside 1s..60s"},
		{"attempts range", func(c *DistributionConfig) { c.Origins[0].ConnectionAttempts = 4 }, "ConnectionAttempts 4 outside 1..3"},
		{"OAC on custom origin", func(c *DistributionConfig) { c.Origins[0].OriginAccessControl = &OriginAccessControl{} }, "needs an S3 origin"},
		{"bad shield region", func(c *DistributionConfig) { c.Origins[0].OriginShield = OriginShield{Enabled: true, Region: "x"} }, "OriginShield.Region"},
		{"duplicate origin", func(c *DistributionConfig) { c.Origins = append(c.Origins, c.Origins[0]) }, "duplicate ID"},
		{"failover code", func(c *DistributionConfig) {
			c.Origins = append(c.Origins, Origin{ID: "b", Handler: h, Region: "us-west-2"})
			c.OriginGroups = []OriginGroup{{ID: "g", PrimaryOriginID: "web", SecondaryOriginID: "b", FailoverCriteria: []int{501}}}
		}, "FailoverCriteria 501"},
		{"group member missing", func(c *DistributionConfig) {
			c.OriginGroups = []OriginGroup{{ID: "g", PrimaryOriginID: "web", SecondaryOriginID: "zz"}}
		}, `member "zz"`},
		{"bad pattern", func(c *DistributionConfig) {
			c.CacheBehaviors = []CacheBehavior{{PathPattern: "", TargetOriginID: "web"}}
		}, "PathPattern is empty"},
		{"TTL order", func(c *DistributionConfig) {
			c.DefaultCacheBehavior.CachePolicy = &CachePolicy{Name: "p", MinTTL: time.Hour, DefaultTTL: time.Minute, MaxTTL: time.Hour}
		}, `cache policy "p"`},
		{"too many headers", func(c *DistributionConfig) {
			p := NewCachePolicy("p", 0)
			p.Headers = ParamsConfig{Behavior: ParamsWhitelist, Items: strings.Split("a b c d e f g h i j k", " ")}
			c.DefaultCacheBehavior.CachePolicy = &p
		}, "11 items > 10"},
		{"unknown key group", func(c *DistributionConfig) { c.DefaultCacheBehavior.TrustedKeyGroups = []string{"kg"} }, `unknown key group "kg"`},
		{"price class", func(c *DistributionConfig) { c.PriceClass = "PriceClass_50" }, "PriceClass"},
		{"geo type", func(c *DistributionConfig) { c.GeoRestriction.RestrictionType = "allow" }, "RestrictionType"},
		{"protocol policy", func(c *DistributionConfig) { c.DefaultCacheBehavior.ViewerProtocolPolicy = "tls" }, "ViewerProtocolPolicy"},
		{"two functions at one event", func(c *DistributionConfig) {
			f := &Function{Name: "f", Handler: func(*FunctionEvent) time.Duration { return 0 }}
			c.DefaultCacheBehavior.FunctionAssociations = []FunctionAssociation{{EventType: ViewerRequest, Function: f}, {EventType: ViewerRequest, Function: f}}
		}, "two functions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.mutate(&c)
			_, err := cf.CreateDistribution(c)
			require.ErrorIs(t, err, ErrInvalidConfig)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	for _, bad := range []Config{{Edges: []string{"XXX"}}, {TLSRoundTrips: 3}, {EdgeCacheBytes: -1}, {CompressionRatioGzip: 2}, {CompressionRatioBrotli: math.NaN()}, {CompressionRatioGzip: -0.5},
		{InvalidationTime: 1<<63 - 1}} {
		_, err := New(s, bad)
		assert.ErrorIs(t, err, ErrInvalidConfig, "%+v", bad)
	}
}

// TestPriceClass: a viewer in Tokyo reaches NRT with PriceClass_All but an
// edge in North America or Europe with PriceClass_100.
func TestPriceClass(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	cf, err := New(s, Config{Edges: []string{"NRT", "SEA", "CDG"}})
	require.NoError(t, err)
	e, _ := cf.EdgeFor(tokyo, PriceClassAll)
	assert.Equal(t, "NRT", e)
	e, _ = cf.EdgeFor(tokyo, PriceClass100)
	assert.Equal(t, "SEA", e)
	assert.Equal(t, GeoJP, GeographyOf("JP"))
	assert.Equal(t, GeoEU, GeographyOf("DE"))
	assert.Equal(t, GeoSA, GeographyOf("BR"))
}

// TestViewerWithoutCoordinates: a viewer with no coordinates is placed at
// its Region, else its Country.
func TestViewerWithoutCoordinates(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	cf, err := New(s, Config{Edges: []string{"IAD", "NRT", "CDG"}})
	require.NoError(t, err)
	for _, tt := range []struct {
		c    sim.Client
		want string
	}{
		{sim.Client{Region: "ap-northeast-1"}, "NRT"},
		{sim.Client{Country: "FR"}, "CDG"},
		{sim.Client{Region: "us-east-1", Country: "FR"}, "IAD"},
	} {
		e, _ := cf.EdgeFor(viewerPoint(&tt.c), PriceClassAll)
		assert.Equal(t, tt.want, e, "%+v", tt.c)
	}
}
