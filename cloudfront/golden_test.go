package cloudfront

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run %s -update to create it", t.Name())
	require.Equal(t, string(want), string(got), "rerun with -update if the change is intended")
}

// TestGoldenAccessLog pins the standard access log and the trace of a
// short scenario: a miss, a hit, a revalidation, an origin-group failover,
// a geo-blocked viewer, an HTTP viewer redirected to HTTPS and an
// invalidation.
func TestGoldenAccessLog(t *testing.T) {
	var log, trace bytes.Buffer
	s := sim.New(sim.Config{Seed: 3, Trace: &trace})
	origin := &origin{s: s, delay: 15 * time.Millisecond, respond: func(req *sim.Request) sim.Response {
		if v, _ := req.Header("If-None-Match"); v == `"a"` {
			return sim.Response{Status: 304}
		}
		return sim.Response{Status: 200, Bytes: 4096, Headers: []sim.Header{
			{Name: "Cache-Control", Value: "max-age=60"}, {Name: "ETag", Value: `"a"`}, {Name: "Content-Type", Value: "text/css"}}}
	}}
	broken := fixedOrigin(s, sim.Response{Status: 503, Reason: "ServiceUnavailable"})
	dc := DistributionConfig{
		Aliases: []string{"www.example.com"},
		Origins: []Origin{{ID: "app", DomainName: "app.example.com", Handler: origin, Region: "us-east-1"},
			{ID: "broken", DomainName: "broken.example.com", Handler: broken, Region: "us-west-2"}},
		OriginGroups:         []OriginGroup{{ID: "ha", PrimaryOriginID: "broken", SecondaryOriginID: "app", FailoverCriteria: []int{503}}},
		CacheBehaviors:       []CacheBehavior{{PathPattern: "/ha/*", TargetOriginID: "ha"}},
		DefaultCacheBehavior: CacheBehavior{TargetOriginID: "app", ViewerProtocolPolicy: RedirectToHTTPS},
		GeoRestriction:       GeoRestriction{RestrictionType: GeoBlockList, Locations: []string{"KP"}},
		AccessLog:            &log,
	}
	r := newRigOn(t, s, Config{Edges: []string{"IAD", "CDG"}}, dc)
	us, fr := viewer(1, ashburn), viewer(2, paris)
	fr.Country = "FR"
	kp := viewer(3, tokyo)
	kp.Country = "KP"
	r.send(0, us, "GET", "/site.css", "", sim.Header{Name: "User-Agent", Value: "Mozilla/5.0 (X11; Linux x86_64)"})
	r.get(2*time.Second, us, "/site.css")
	r.get(90*time.Second, us, "/site.css")
	r.get(3*time.Second, fr, "/ha/page")
	r.get(4*time.Second, kp, "/site.css")
	s.Schedule(sim.Time(5*time.Second), func() {
		req := &sim.Request{Client: fr, Protocol: "HTTP", Method: "GET", Host: "www.example.com", Path: "/site.css"}
		s.Send(r.d, req, nil)
		_, err := r.d.CreateInvalidation("deploy-42", "/site.css")
		require.NoError(t, err)
	})
	r.get(100*time.Second, us, "/site.css")
	s.Run()
	require.NoError(t, r.d.FlushLog())
	golden(t, "access_log.golden", log.Bytes())
	golden(t, "trace.golden", append(trace.Bytes(), fmt.Sprintf("%+v\n", r.d.Stats())...))
}
