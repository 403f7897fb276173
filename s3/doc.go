// Package s3 models Amazon S3 in virtual time: one partition (Service) of
// globally named buckets holding versioned objects, with S3's API, error
// codes, request-rate limits, latency, storage classes, lifecycle, static
// website hosting, access policy, CloudWatch metrics and billing.
//
// # Usage
//
//	svc, _ := s3.New(s, s3.Config{Metrics: cw, Billing: ledger})
//	b, _ := svc.CreateBucket(s3.BucketConfig{Name: "assets"})
//	b.PutObject("img/logo.png", s3.PutObjectInput{Size: 40_000})
//	s.Send(b, &sim.Request{Method: "GET", Path: "/img/logo.png"}, done)
//
// A Bucket's Go methods (PutObject, GetObject, ListObjectsV2, ...) are the
// API as the bucket owner calls it: they act at once, are billed, and skip
// the rate, latency and access model. Requests sent to a Bucket or to the
// Service as a sim.Handler are the data plane: they are authorized by the
// bucket policy, rate-limited per prefix, answered after a modelled latency
// with S3's status codes (sim.Response.Reason carries the error code), and
// counted in the request metrics. CloudFront origins use Bucket as a
// handler with SignOAC and OACPolicy; Service.Serve also answers by host
// name (REST, path-style, website endpoints and custom domains).
//
// # What it models
//
//   - Buckets: naming rules, uniqueness within the partition (409
//     BucketAlreadyExists / BucketAlreadyOwnedByYou), region, tags, the
//     per-account quota, versioning (Unversioned → Enabled ⇄ Suspended).
//   - Objects: size limits (5 TiB object, 5 GiB single PUT, 10,000 parts of
//     5 MiB–5 GiB but the last), metadata, deterministic MD5-like ETags
//     ("-N" for multipart), version IDs, delete markers, the null version.
//   - Listing: ListObjectsV2 (prefix, delimiter, common prefixes, ≤ 1,000
//     keys, opaque continuation tokens, UTF-8 byte order from a B-tree) and
//     ListObjectVersions; strong read-after-write consistency.
//   - Performance: a token bucket per prefix (the key up to its last '/')
//     for reads (5,500/s) and writes (3,500/s); excess requests get 503
//     SlowDown; a prefix throttled for Performance.SplitAfter splits,
//     doubling its capacity. Latency is a log-normal first-byte time plus
//     size ÷ per-connection throughput.
//   - Storage classes with minimum durations, minimum billable sizes,
//     Glacier overheads, retrieval fees, restores that complete hours
//     later, Intelligent-Tiering tiers, One Zone-IA data loss (DestroyAZ),
//     and optionally 503s at each class's designed unavailability
//     (Performance.InjectUnavailability).
//   - Lifecycle rules evaluated at midnight UTC, with S3's rounding of due
//     dates to the next midnight, the transition waterfall and its timing
//     constraints, expiration, noncurrent-version rules, delete-marker
//     clean-up and aborting incomplete multipart uploads.
//   - Access: bucket policies (Allow/Deny, Principal/NotPrincipal,
//     wildcard actions and resources, String/Arn/IpAddress/Bool/Null
//     conditions on aws:SourceIp, aws:SourceArn, aws:SecureTransport and a
//     few more), Block Public Access, SigV4 presigned URLs (≤ 7 days).
//   - Website endpoints: index and error documents, the 302 to a folder's
//     index, routing rules, object redirects, redirect-all buckets.
//   - Money: daily billing line items (GB-month storage per class and
//     tier, Tier1/Tier2 requests per class, retrieval, restores,
//     early-deletion remainders, Intelligent-Tiering monitoring), tagged
//     with the bucket's tags; AWS/S3 metrics: daily BucketSizeBytes per
//     StorageType and NumberOfObjects, and 1-minute request metrics
//     (AllRequests, GetRequests, ..., 4xxErrors, 5xxErrors,
//     BytesDownloaded, BytesUploaded, FirstByteLatency, TotalRequestLatency)
//     for buckets with RequestMetrics.
//
// # Assumptions (knobs, because AWS does not publish them)
//
// The token bucket's burst (1 s), the time to a partition split (15 min)
// and its doubling, the prefix definition, the latency distributions, the
// lower bounds of Deep Archive restore times, XML body sizes, and the
// prices (us-east-1 list prices, marked [verify] in the project notes).
// A GB-month is 730 hours of 2^30 bytes.
//
// # What it leaves out
//
// IAM identity policies (principals of the owning account are allowed
// unless a bucket policy denies them), ACLs, object lock, replication,
// event notifications, encryption, S3 Select, Transfer Acceleration,
// access points, volume price tiers, data-transfer charges and request
// bodies (a multipart upload completed through Serve uses every uploaded
// part). Partitions never merge back. Requests from the same client share
// nothing: each GET is its own connection.
package s3
