package main

import (
	"testing"
	"time"
)

// BenchmarkHour simulates one hour of the default shop (about 47,000
// requests through Route 53, CloudFront, the ALB, the fleet and S3) and
// reports the host time per request.
func BenchmarkHour(b *testing.B) {
	c, err := parse([]string{"-hours", "1", "-quiet", "-no-files"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	var reqs uint64
	start := time.Now()
	for b.Loop() {
		sh, err := build(c)
		if err != nil {
			b.Fatal(err)
		}
		reqs += sh.simulate(c).Requests.Generated
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(reqs), "ns/request")
}
