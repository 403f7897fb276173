package cloudfront_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/cloudfront"
	"github.com/nimbus-sim/nimbus/s3"
	"github.com/nimbus-sim/nimbus/sim"
)

// TestOriginAccessControlWithS3: a bucket whose policy admits only one
// distribution (the policy the console generates for OAC) serves that
// distribution, and refuses a distribution without OAC and one with OAC
// but another ARN.
func TestOriginAccessControlWithS3(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	svc, err := s3.New(s, s3.Config{})
	require.NoError(t, err)
	b, err := svc.CreateBucket(s3.BucketConfig{Name: "assets"})
	require.NoError(t, err)
	b.PutObject("logo.png", s3.PutObjectInput{Size: 90_000})
	cf, err := cloudfront.New(s, cloudfront.Config{Edges: []string{"IAD"}})
	require.NoError(t, err)
	mk := func(oac bool) *cloudfront.Distribution {
		o := cloudfront.Origin{ID: "s3", DomainName: b.RegionalDomainName(), Handler: b, Region: "us-east-1", S3: true}
		if oac {
			o.OriginAccessControl = &cloudfront.OriginAccessControl{Name: "assets-oac"}
		}
		d, err := cf.CreateDistribution(cloudfront.DistributionConfig{Origins: []cloudfront.Origin{o},
			DefaultCacheBehavior: cloudfront.CacheBehavior{TargetOriginID: "s3"}})
		require.NoError(t, err)
		return d
	}
	allowed, noOAC, other := mk(true), mk(false), mk(true)
	require.NoError(t, b.PutBucketPolicy(s3.OACPolicy(b.ARN(), allowed.ARN())))
	status := map[*cloudfront.Distribution]int{}
	for _, d := range []*cloudfront.Distribution{allowed, noOAC, other} {
		req := &sim.Request{Client: sim.Client{ID: 1, Lat: 38.9, Lon: -77.4}, Method: "GET", Host: d.DomainName(), Path: "/logo.png"}
		s.Send(d, req, func(_ *sim.Request, resp sim.Response) { status[d] = resp.Status })
	}
	s.RunFor(time.Minute) // s3 keeps daily storage timers, so Run would not return
	assert.Equal(t, 200, status[allowed])
	assert.Equal(t, 403, status[noOAC])
	assert.Equal(t, 403, status[other])
}
