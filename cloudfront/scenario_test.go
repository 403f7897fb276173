package cloudfront

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/geo"
	"github.com/nimbus-sim/nimbus/sim"
)

// TestScenarios runs the scripts in testdata/scenarios. The language:
//
//	setup edges=IAD,CDG [regional=false] [min=0s default=24h max=8760h]
//	      [cache-control=max-age=60] [etag=v1] [delay=20ms] [bytes=1000]
//	    Builds a network with those edges and one distribution whose
//	    origin (us-east-1) answers 200 with the given headers after delay,
//	    and 304 to a conditional request whose If-None-Match is its ETag.
//	origin at=30s [cache-control=...] [etag=v2] [bytes=2000]
//	    Changes the origin's answer from instant at on.
//	get at=10s path=/a [from=CDG] [client=1]
//	    A viewer standing at edge location from (default the first edge)
//	    sends GET path at instant at.
//	invalidate at=40s paths=/a,/img/*
//	run
//	    Runs to the end and prints one line per answer, in order:
//	    "t=<sent> <path> <status> <X-Cache> <bytes>B <latency>", then the
//	    origin's request count.
//
// Rewrite the expected output with -rewrite.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/scenarios/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var sc *scriptRig
			datadriven.RunTest(t, f, func(t *testing.T, td *datadriven.TestData) string {
				arg := func(key, def string) string {
					if a, ok := td.Arg(key); ok {
						return strings.Join(a.Vals, ",")
					}
					return def
				}
				dur := func(key, def string) time.Duration {
					d, err := time.ParseDuration(arg(key, def))
					require.NoError(t, err, td.Pos)
					return d
				}
				switch td.Cmd {
				case "setup":
					sc = newScriptRig(t, strings.Split(arg("edges", "IAD"), ","), arg("regional", "true") == "true",
						CachePolicy{Name: "script", MinTTL: dur("min", "0s"), DefaultTTL: dur("default", "24h"), MaxTTL: dur("max", "8760h")},
						scriptAnswer{cacheControl: arg("cache-control", ""), etag: arg("etag", ""), bytes: int64(atoi(t, arg("bytes", "1000")))},
						dur("delay", "20ms"))
					return fmt.Sprintf("distribution %s", sc.r.d.DomainName())
				case "origin":
					a := sc.answer
					a.cacheControl = arg("cache-control", a.cacheControl)
					a.etag = arg("etag", a.etag)
					a.bytes = int64(atoi(t, arg("bytes", strconv.FormatInt(a.bytes, 10))))
					sc.r.s.Schedule(sim.Time(dur("at", "0s")), func() { sc.answer = a })
					return ""
				case "get":
					from := arg("from", sc.edges[0])
					e, ok := geo.LookupEdge(from)
					require.True(t, ok, from)
					c := viewer(uint64(atoi(t, arg("client", "1"))), e.Location)
					sc.answers = append(sc.answers, sc.r.get(dur("at", "0s"), c, arg("path", "/")))
					return ""
				case "invalidate":
					paths := strings.Split(arg("paths", "/*"), ",")
					sc.r.s.Schedule(sim.Time(dur("at", "0s")), func() {
						_, err := sc.r.d.CreateInvalidation("script", paths...)
						require.NoError(t, err)
					})
					return ""
				case "run":
					sc.r.s.Run()
					var b strings.Builder
					for _, a := range sc.answers {
						fmt.Fprintf(&b, "t=%v %s %d %q %dB %v\n", a.req.Start.Sub(0), a.req.Path, a.resp.Status, xcache(a), a.resp.Bytes,
							a.latency.Round(100*time.Microsecond))
					}
					fmt.Fprintf(&b, "origin requests: %d", len(sc.origin.seen))
					sc.answers = nil
					return b.String()
				}
				t.Fatalf("%s: unknown command %q", td.Pos, td.Cmd)
				return ""
			})
		})
	}
}

type scriptAnswer struct {
	cacheControl, etag string
	bytes              int64
}

type scriptRig struct {
	r       *rig
	edges   []string
	origin  *origin
	answer  scriptAnswer
	answers []*answer
}

func newScriptRig(t *testing.T, edges []string, regional bool, p CachePolicy, a scriptAnswer, delay time.Duration) *scriptRig {
	s := sim.New(sim.Config{Seed: 1})
	sc := &scriptRig{edges: edges, answer: a}
	sc.origin = &origin{s: s, delay: delay, respond: func(req *sim.Request) sim.Response {
		cur := sc.answer
		var hs []sim.Header
		if cur.cacheControl != "" {
			hs = append(hs, sim.Header{Name: "Cache-Control", Value: cur.cacheControl})
		}
		if cur.etag != "" {
			hs = append(hs, sim.Header{Name: "ETag", Value: cur.etag})
			if v, _ := req.Header("If-None-Match"); v == cur.etag {
				return sim.Response{Status: 304, Headers: hs}
			}
		}
		return sim.Response{Status: 200, Bytes: cur.bytes, Headers: hs}
	}}
	dc := simpleDist(sc.origin)
	dc.DefaultCacheBehavior.CachePolicy = &p
	sc.r = newRigOn(t, s, Config{Edges: edges, DisableRegionalEdgeCaches: !regional}, dc)
	return sc
}

func atoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}
