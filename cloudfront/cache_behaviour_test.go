package cloudfront

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

// TestTTLAndRevalidation: an object is a hit until its max-age, then the
// edge revalidates with If-None-Match and the origin's 304 makes it a
// RefreshHit, fresh for another max-age.
func TestTTLAndRevalidation(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	o := &origin{s: s, delay: 20 * time.Millisecond}
	o.respond = func(req *sim.Request) sim.Response {
		if v, _ := req.Header("If-None-Match"); v == `"v1"` {
			return sim.Response{Status: 304, Headers: []sim.Header{{Name: "ETag", Value: `"v1"`}}}
		}
		return sim.Response{Status: 200, Bytes: 5000, Headers: []sim.Header{{Name: "Cache-Control", Value: "max-age=60"}, {Name: "ETag", Value: `"v1"`}}}
	}
	r := newRigOn(t, s, Config{Edges: []string{"IAD"}}, simpleDist(o))
	c := viewer(1, ashburn)
	a := []*answer{r.get(0, c, "/a.css"), r.get(30*time.Second, c, "/a.css"), r.get(59*time.Second, c, "/a.css"),
		r.get(61*time.Second, c, "/a.css"), r.get(100*time.Second, c, "/a.css"), r.get(122*time.Second, c, "/a.css")}
	s.Run()
	want := []string{"Miss", "Hit", "Hit", "RefreshHit", "Hit", "RefreshHit"}
	for i, x := range a {
		require.True(t, x.done)
		assert.Equal(t, 200, x.resp.Status, "request %d", i)
		assert.Equal(t, int64(5000), x.resp.Bytes, "request %d", i)
		assert.Equal(t, want[i]+" from cloudfront", xcache(x), "request %d", i)
	}
	require.Len(t, o.seen, 3)
	_, cond := o.seen[0].Header("If-None-Match")
	assert.False(t, cond, "first fetch is unconditional")
	v, _ := o.seen[1].Header("If-None-Match")
	assert.Equal(t, `"v1"`, v)
	st := r.d.Stats()
	assert.Equal(t, uint64(3), st.Hits)
	assert.Equal(t, uint64(2), st.RefreshHits)
	assert.Equal(t, uint64(1), st.Misses)
	assert.NoError(t, s.Requests().Check())
	assert.Equal(t, uint64(6), s.Requests().Completed())
}

// TestChangedObjectReplaced: when the origin has a new version the
// revalidation returns 200 and the edge serves and caches the new one.
func TestChangedObjectReplaced(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	version := "v1"
	o := &origin{s: s}
	o.respond = func(req *sim.Request) sim.Response {
		return sim.Response{Status: 200, Bytes: int64(len(version)) * 100, Headers: []sim.Header{
			{Name: "Cache-Control", Value: "max-age=10"}, {Name: "ETag", Value: version}}}
	}
	r := newRigOn(t, s, Config{Edges: []string{"IAD"}}, simpleDist(o))
	c := viewer(1, ashburn)
	first := r.get(0, c, "/x")
	s.Schedule(sim.Time(5*time.Second), func() { version = "v22" })
	second := r.get(20*time.Second, c, "/x")
	third := r.get(21*time.Second, c, "/x")
	s.Run()
	assert.Equal(t, int64(200), first.resp.Bytes)
	assert.Equal(t, "Miss from cloudfront", xcache(second))
	assert.Equal(t, int64(300), second.resp.Bytes)
	assert.Equal(t, "Hit from cloudfront", xcache(third))
	assert.Equal(t, int64(300), third.resp.Bytes)
}

// TestInvalidation: a cached object keeps being served while the
// invalidation is in progress and is fetched again once it completes.
func TestInvalidation(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	o := fixedOrigin(s, sim.Response{Status: 200, Bytes: 1000})
	r := newRigOn(t, s, Config{Edges: []string{"IAD", "EWR"}, InvalidationTime: 60 * time.Second}, simpleDist(o))
	c := viewer(1, ashburn)
	r.get(0, c, "/img/a.png")
	r.get(0, c, "/img/b.png")
	r.get(0, c, "/css/site.css")
	var inv *Invalidation
	s.Schedule(sim.Time(10*time.Second), func() {
		var err error
		inv, err = r.d.CreateInvalidation("ref-1", "/img/*")
		require.NoError(t, err)
	})
	during := r.get(20*time.Second, c, "/img/a.png")
	after := r.get(71*time.Second, c, "/img/a.png")
	untouched := r.get(72*time.Second, c, "/css/site.css")
	s.Run()
	assert.Equal(t, "Hit from cloudfront", xcache(during))
	assert.Equal(t, "Miss from cloudfront", xcache(after))
	assert.Equal(t, "Hit from cloudfront", xcache(untouched))
	assert.Equal(t, InvalidationCompleted, inv.Status)
	assert.Equal(t, sim.Time(70*time.Second), inv.CompleteTime)
	// a.png and b.png at the IAD edge and at its regional edge cache.
	assert.Equal(t, 4, inv.Removed)
	assert.Len(t, o.seen, 4)
}

func TestInvalidationValidation(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	r := newRigOn(t, s, Config{Edges: []string{"IAD"}}, simpleDist(fixedOrigin(s, sim.Response{Status: 200})))
	for _, bad := range [][]string{nil, {"img/a.png"}, {"/img/*/a.png"}} {
		_, err := r.d.CreateInvalidation("x", bad...)
		assert.ErrorIs(t, err, ErrInvalidArgument, "%v", bad)
	}
	for i := range MaxInvalidationWildcardsInProgress {
		_, err := r.d.CreateInvalidation("w", "/w"+string(rune('a'+i))+"*")
		require.NoError(t, err)
	}
	_, err := r.d.CreateInvalidation("w", "/one-too-many*")
	assert.ErrorIs(t, err, ErrTooManyInvalidationsInProgress)
	s.Run() // all complete
	_, err = r.d.CreateInvalidation("w", "/now-fine*")
	assert.NoError(t, err)
}

// TestNoStoreNeverCached: no-store (and no-cache, private) answers are
// never cached with MinTTL 0, so every request goes to the origin.
func TestNoStoreNeverCached(t *testing.T) {
	for _, cc := range []string{"no-store", "no-cache", "private, max-age=3600"} {
		t.Run(cc, func(t *testing.T) {
			s := sim.New(sim.Config{Seed: 1})
			o := fixedOrigin(s, sim.Response{Status: 200, Bytes: 100, Headers: []sim.Header{{Name: "Cache-Control", Value: cc}}})
			r := newRigOn(t, s, Config{Edges: []string{"IAD"}}, simpleDist(o))
			var as []*answer
			for i := range 5 {
				as = append(as, r.get(time.Duration(i)*time.Second, viewer(1, ashburn), "/private"))
			}
			s.Run()
			for _, a := range as {
				assert.Equal(t, "Miss from cloudfront", xcache(a))
			}
			assert.Len(t, o.seen, 5)
			for _, c := range r.cf.Caches() {
				assert.Zero(t, c.Objects, c.Location)
			}
		})
	}
}

// TestBehaviorPrecedence uses AWS's own example: with images/*.jpg,
// images/* and *.gif in that order, /images/sample.gif goes to the second.
func TestBehaviorPrecedence(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	mk := func(name string) *origin {
		return fixedOrigin(s, sim.Response{Status: 200, Bytes: 10, From: name})
	}
	jpg, images, gif, def := mk("jpg"), mk("images"), mk("gif"), mk("default")
	dc := DistributionConfig{
		Origins: []Origin{
			{ID: "jpg", Handler: jpg, Region: "us-east-1"}, {ID: "images", Handler: images, Region: "us-east-1"},
			{ID: "gif", Handler: gif, Region: "us-east-1"}, {ID: "default", Handler: def, Region: "us-east-1"}},
		CacheBehaviors: []CacheBehavior{
			{PathPattern: "images/*.jpg", TargetOriginID: "jpg"},
			{PathPattern: "images/*", TargetOriginID: "images"},
			{PathPattern: "*.gif", TargetOriginID: "gif"},
		},
		DefaultCacheBehavior: CacheBehavior{TargetOriginID: "default"},
	}
	r := newRigOn(t, s, Config{Edges: []string{"IAD"}}, dc)
	tests := map[string]string{
		"/images/sample.gif": "images", "/images/a/b.jpg": "jpg", "/logo.gif": "gif", "/index.html": "default", "/IMAGES/x.jpg": "default",
	}
	as := map[string]*answer{}
	for _, p := range sortedKeys(tests) {
		as[p] = r.get(0, viewer(1, ashburn), p)
	}
	s.Run()
	for p, want := range tests {
		assert.Equal(t, want, as[p].resp.From, p)
	}
	assert.Equal(t, 1, r.d.MatchBehavior("/images/sample.gif"))
	assert.Equal(t, -1, r.d.MatchBehavior("/index.html"))
}

// TestDistributionsShareCachesNotObjects: two distributions on one network
// share the edge cache but never each other's objects, and an
// invalidation touches only its own distribution.
func TestDistributionsShareCachesNotObjects(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	a := fixedOrigin(s, sim.Response{Status: 200, Bytes: 111, From: "a"})
	b := fixedOrigin(s, sim.Response{Status: 200, Bytes: 222, From: "b"})
	r := newRigOn(t, s, Config{Edges: []string{"IAD"}, DisableRegionalEdgeCaches: true}, simpleDist(a))
	d2, err := r.cf.CreateDistribution(simpleDist(b))
	require.NoError(t, err)
	c := viewer(1, ashburn)
	var got []sim.Response
	for i, d := range []*Distribution{r.d, d2, r.d, d2} {
		s.Schedule(sim.Time(time.Duration(i)*time.Second), func() {
			s.Send(d, &sim.Request{Client: c, Method: "GET", Host: d.DomainName(), Path: "/same"}, func(_ *sim.Request, resp sim.Response) {
				got = append(got, resp)
			})
		})
	}
	s.Schedule(sim.Time(10*time.Second), func() {
		_, err := d2.CreateInvalidation("x", "/*")
		require.NoError(t, err)
	})
	s.Run()
	require.Len(t, got, 4)
	assert.Equal(t, []int64{111, 222, 111, 222}, []int64{got[0].Bytes, got[1].Bytes, got[2].Bytes, got[3].Bytes})
	assert.Equal(t, "b", got[1].From, "a miss names the origin")
	assert.Equal(t, "cloudfront:"+d2.ID(), got[3].From, "a hit names the distribution")
	assert.Equal(t, 1, r.cf.Caches()[0].Objects, "only the first distribution's object is left")
	assert.Equal(t, uint64(1), r.d.Stats().Hits)
	assert.Equal(t, uint64(1), d2.Stats().Hits)
}

// TestHead: HEAD shares the GET's cache entry and sends no body.
func TestHead(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	o := fixedOrigin(s, sim.Response{Status: 200, Bytes: 5000})
	r := newRigOn(t, s, Config{Edges: []string{"IAD"}}, simpleDist(o))
	get := r.get(0, viewer(1, ashburn), "/f")
	head := r.send(time.Second, viewer(1, ashburn), "HEAD", "/f", "")
	s.Run()
	assert.Equal(t, int64(5000), get.resp.Bytes)
	assert.Equal(t, "Hit from cloudfront", xcache(head))
	assert.Zero(t, head.resp.Bytes)
	assert.Equal(t, int64(5000), r.d.Stats().BytesDownloaded)
}
