package s3_test

import (
	"fmt"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/s3"
	"github.com/nimbus-sim/nimbus/sim"
)

// Example lists a bucket hierarchically, as the S3 user guide does.
func Example() {
	s := sim.New(sim.Config{Seed: 1})
	svc, _ := s3.New(s, s3.Config{})
	b, _ := svc.CreateBucket(s3.BucketConfig{Name: "examplebucket"})
	for _, k := range []string{"Development/Projects.xls", "Finance/statement1.pdf", "Private/taxdocument.pdf", "s3-dg.pdf"} {
		b.PutObject(k, s3.PutObjectInput{Size: 1024})
	}
	out, _ := b.ListObjectsV2(s3.ListObjectsV2Input{Delimiter: "/"})
	fmt.Println("CommonPrefixes:", out.CommonPrefixes)
	for _, c := range out.Contents {
		fmt.Println("Key:", c.Key, c.Size, c.StorageClass)
	}
	// Output:
	// CommonPrefixes: [Development/ Finance/ Private/]
	// Key: s3-dg.pdf 1024 STANDARD
}

// Example_handler serves a GET through the bucket as a sim.Handler, the way
// a client or a CloudFront origin fetch reaches it.
func Example_handler() {
	s := sim.New(sim.Config{Seed: 1})
	svc, _ := s3.New(s, s3.Config{})
	b, _ := svc.CreateBucket(s3.BucketConfig{Name: "assets"})
	dist := "arn:aws:cloudfront::123456789012:distribution/E1EXAMPLE"
	if err := b.PutBucketPolicy(s3.OACPolicy(b.ARN(), dist)); err != nil {
		fmt.Println(err)
	}
	b.PutObject("logo.png", s3.PutObjectInput{Size: 90_000})

	for _, signed := range []bool{true, false} {
		req := &sim.Request{Method: "GET", Host: b.RegionalDomainName(), Path: "/logo.png"}
		if signed {
			s3.SignOAC(req, dist)
		}
		s.Send(b, req, func(r *sim.Request, resp sim.Response) {
			fmt.Printf("signed=%v: %d %s %d bytes after %v\n", signed, resp.Status, resp.Reason, resp.Bytes, s.Now().Sub(r.Start) > 0)
		})
		s.RunFor(time.Second)
	}
	// Output:
	// signed=true: 200  90000 bytes after true
	// signed=false: 403 AccessDenied 243 bytes after true
}

// Example_lifecycle bills one object for 120 days under the rule Standard →
// Standard-IA at 30 days → Glacier Flexible Retrieval at 90.
func Example_lifecycle() {
	s := sim.New(sim.Config{Seed: 1})
	ledger := billing.NewLedger()
	svc, _ := s3.New(s, s3.Config{Billing: ledger})
	b, _ := svc.CreateBucket(s3.BucketConfig{Name: "logs-archive"})
	b.PutBucketLifecycleConfiguration([]s3.LifecycleRule{{
		ID:          "archive",
		Transitions: []s3.Transition{{Days: 30, StorageClass: s3.StandardIA}, {Days: 90, StorageClass: s3.Glacier}},
	}})
	b.PutObject("2026/01/01.log.gz", s3.PutObjectInput{Size: 5 << 30}) // 5 GiB
	s.RunFor(120 * 24 * time.Hour)
	svc.Flush()
	cost := map[string]float64{}
	var order []string
	for _, li := range ledger.Items() {
		if _, ok := cost[li.UsageType]; !ok {
			order = append(order, li.UsageType)
		}
		cost[li.UsageType] += li.Cost()
	}
	for _, u := range order {
		fmt.Printf("%-28s $%.6f\n", u, cost[u])
	}
	// By hand: 5 GiB × 720 h/730 h × $0.023 = $0.113425 (Standard, days 0–30),
	// 5 × 1440/730 × $0.0125 = $0.123288 (IA, days 30–90), (5 GiB + 32 KiB)
	// × 720/730 × $0.0036 = $0.017754 (Glacier), 8 KiB at the Standard rate
	// (negligible), and one request each at $0.005, $0.01, $0.03 per 1,000.

	// Output:
	// TimedStorage-ByteHrs         $0.113425
	// Requests-Tier1               $0.000005
	// Requests-SIA-Tier1           $0.000010
	// TimedStorage-SIA-ByteHrs     $0.123288
	// Requests-GLACIER-Tier1       $0.000030
	// TimedStorage-GlacierByteHrs  $0.017754
}
