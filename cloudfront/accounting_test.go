package cloudfront

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
)

type recordingBiller struct{ items []billing.LineItem }

func (b *recordingBiller) Add(li billing.LineItem) { b.items = append(b.items, li) }

func (b *recordingBiller) quantity(usage string) float64 {
	q := 0.0
	for _, li := range b.items {
		if li.UsageType == usage {
			q += li.Quantity
		}
	}
	return q
}

func (b *recordingBiller) cost() float64 {
	c := 0.0
	for _, li := range b.items {
		c += li.Cost()
	}
	return c
}

type recordingPublisher struct{ data []cloudwatch.MetricDatum }

func (p *recordingPublisher) Publish(ns string, d cloudwatch.MetricDatum) {
	if ns == "AWS/CloudFront" {
		p.data = append(p.data, d)
	}
}

func (p *recordingPublisher) get(name string, ts sim.Time) (cloudwatch.MetricDatum, bool) {
	for _, d := range p.data {
		if d.MetricName == name && d.Timestamp == ts {
			return d, true
		}
	}
	return cloudwatch.MetricDatum{}, false
}

// TestMetrics: one minute of traffic with 10 requests (1 miss, 8 hits, 1
// 404 from the origin) gives the AWS/CloudFront datapoints by their
// definitions.
func TestMetrics(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	o := &origin{s: s, delay: 50 * time.Millisecond, respond: func(req *sim.Request) sim.Response {
		if req.Path == "/missing" {
			return sim.Response{Status: 404, Reason: "NoSuchKey", Bytes: 200}
		}
		return sim.Response{Status: 200, Bytes: 1000}
	}}
	pub := &recordingPublisher{}
	r := newRigOn(t, s, Config{Edges: []string{"IAD"}, Metrics: pub}, simpleDist(o))
	c := viewer(1, ashburn)
	for i := range 9 {
		r.get(time.Duration(i)*time.Second, c, "/obj")
	}
	r.get(30*time.Second, c, "/missing")
	s.Run()
	dims := []cloudwatch.Dimension{{Name: "DistributionId", Value: r.d.ID()}, {Name: "Region", Value: "Global"}}
	check := func(name string, want float64) {
		d, ok := pub.get(name, 0)
		require.True(t, ok, name)
		assert.Equal(t, dims, d.Dimensions)
		assert.InDelta(t, want, d.Value, 1e-9, name)
	}
	check("Requests", 10)
	check("BytesDownloaded", 9*1000+200)
	check("BytesUploaded", 0)
	check("4xxErrorRate", 10)
	check("5xxErrorRate", 0)
	check("TotalErrorRate", 10)
	check("CacheHitRate", 100*8.0/9) // the 404 is not cacheable traffic
	lat, ok := pub.get("OriginLatency", 0)
	require.True(t, ok)
	assert.Equal(t, 2.0, lat.StatisticValues.SampleCount)
	assert.Equal(t, cloudwatch.UnitMilliseconds, lat.Unit)
	assert.GreaterOrEqual(t, lat.StatisticValues.Minimum, 50.0, "origin latency includes the origin's own 50 ms")
}

// TestBilling: requests and bytes are billed per geography of the serving
// edge; invalidation paths beyond the free 1,000 a month cost $0.005.
func TestBilling(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	b := &recordingBiller{}
	o := fixedOrigin(s, sim.Response{Status: 200, Bytes: 1 << 20})
	r := newRigOn(t, s, Config{Edges: []string{"IAD", "CDG"}, Billing: b}, simpleDist(o))
	for i := range 100 {
		r.get(time.Duration(i)*time.Second, viewer(1, ashburn), "/big")
	}
	for i := range 50 {
		r.get(time.Duration(i)*time.Second, viewer(2, paris), "/big")
	}
	s.Schedule(sim.Time(time.Hour+time.Minute), func() {
		paths := make([]string, 1001)
		for i := range paths {
			paths[i] = "/p" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		}
		_, err := r.d.CreateInvalidation("big", paths[:1000]...)
		require.NoError(t, err)
		_, err = r.d.CreateInvalidation("one-more", paths[1000])
		require.NoError(t, err)
	})
	s.Run()
	assert.Equal(t, 100.0, b.quantity("US-Requests-Tier2-HTTPS"))
	assert.Equal(t, 50.0, b.quantity("EU-Requests-Tier2-HTTPS"))
	assert.InDelta(t, 100.0/1024, b.quantity("US-DataTransfer-Out-Bytes"), 1e-12)
	assert.Equal(t, 1.0, b.quantity("Invalidations"))
	want := 100*0.0100/10000 + 50*0.0120/10000 + 100.0/1024*0.085 + 50.0/1024*0.085 + 0.005
	assert.InDelta(t, want, b.cost(), 1e-12)
	for _, li := range b.items {
		assert.Equal(t, "AmazonCloudFront", li.Service)
		assert.Equal(t, r.d.ID(), li.ResourceID)
		if li.UsageType != "Invalidations" {
			assert.Equal(t, sim.Time(0), li.Start)
			assert.Equal(t, sim.Time(time.Hour), li.End)
		}
	}
}

// TestAccessLog: one parseable line per viewer request, with the result
// types and sizes the viewer saw.
func TestAccessLog(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	var buf bytes.Buffer
	dc := simpleDist(fixedOrigin(s, sim.Response{Status: 200, Bytes: 777, Headers: []sim.Header{{Name: "Content-Type", Value: "image/png"}}}))
	dc.AccessLog = &buf
	r := newRigOn(t, s, Config{Edges: []string{"IAD"}}, dc)
	c := viewer(1, ashburn)
	r.send(0, c, "GET", "/a.png", "x=1", sim.Header{Name: "User-Agent", Value: "curl/8.0 (test)"})
	r.get(time.Second, c, "/a.png")
	s.Run()
	require.NoError(t, r.d.FlushLog())
	recs, err := ParseAccessLog(&buf)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.Equal(t, ResultMiss, recs[0].ResultType)
	assert.Equal(t, ResultHit, recs[1].ResultType)
	assert.Equal(t, "IAD-C1", recs[0].EdgeLocation)
	assert.Equal(t, "curl/8.0 (test)", recs[0].UserAgent)
	assert.Equal(t, "x=1", recs[0].URIQuery)
	assert.Equal(t, int64(777), recs[1].Bytes)
	assert.Equal(t, "198.51.100.1", recs[1].ClientIP)
	assert.Equal(t, r.d.DomainName(), recs[1].Host)
	assert.Equal(t, "image/png", recs[1].ContentType)
	assert.Equal(t, s.Wall(sim.Time(time.Second)).Truncate(time.Second).UTC(), recs[1].Time)
	assert.Greater(t, recs[0].TimeTaken, recs[1].TimeTaken, "a miss takes longer at the edge than a hit")
}
