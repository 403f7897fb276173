package cloudfront

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

// FuzzServe sends two arbitrary viewer requests for the same URL through a
// distribution whose cache key takes every query string, header and cookie,
// to an origin answering with a fuzzed status, Cache-Control and Expires:
// each request must get exactly one answer with an HTTP status, without a
// panic, and the run's tally must balance.
func FuzzServe(f *testing.F) {
	f.Add("GET", "/a.js", "v=1&v=2&%zz", "Accept-Encoding", "gzip, br", "max-age=-5, s-maxage=99999999999999", "Thu, 01 Dec 1994 16:00:00 GMT", 200)
	f.Add("HEAD", "", "", "Cookie", "a=b; c", "no-store, private", "0", 304)
	f.Add("POST", "/images/*.png", "Expires=1&Signature=x&Key-Pair-Id=y", "If-None-Match", `"e"`, "no-cache", "", 503)
	f.Fuzz(func(t *testing.T, method, path, query, hname, hvalue, cacheControl, expires string, status int) {
		if status < 100 || status > 599 {
			status = 200
		}
		s := sim.New(sim.Config{Seed: 1})
		hs := []sim.Header{{Name: "Cache-Control", Value: cacheControl}, {Name: "Expires", Value: expires}, {Name: "ETag", Value: `"e"`}}
		o := fixedOrigin(s, sim.Response{Status: status, Bytes: 1000, Headers: hs})
		all := ParamsConfig{Behavior: ParamsAll}
		pol := NewCachePolicy("fuzz", 0)
		pol.QueryStrings, pol.Cookies = all, all
		dc := simpleDist(o)
		dc.DefaultCacheBehavior.CachePolicy = &pol
		dc.DefaultCacheBehavior.AllowedMethods = AllMethods
		cf, err := New(s, Config{Edges: []string{"IAD"}})
		require.NoError(t, err)
		d, err := cf.CreateDistribution(dc)
		require.NoError(t, err)
		answers := 0
		for i := range 2 {
			req := &sim.Request{Client: viewer(1, ashburn), Method: method, Host: d.DomainName(), Path: path, Query: query}
			if hname != "" {
				req.SetHeader(hname, hvalue)
				req.SetCookie(hname, hvalue)
			}
			s.Schedule(sim.Time(i)*sim.Time(time.Second), func() {
				s.Send(d, req, func(_ *sim.Request, r sim.Response) {
					answers++
					require.True(t, r.Status >= 100 && r.Status < 600, "status %d", r.Status)
				})
			})
		}
		s.RunFor(5 * time.Minute)
		require.Equal(t, 2, answers)
		require.NoError(t, s.Requests().Check())
	})
}
