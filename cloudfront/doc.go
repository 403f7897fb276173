// Package cloudfront simulates Amazon CloudFront: distributions served from
// edge locations with finite caches, regional edge caches, Origin Shield,
// and origins that are any sim.Handler (an S3 bucket, a load balancer, a
// function).
//
// # Model
//
// A CloudFront (New) is the edge network of one run: the edge locations in
// use (from package geo), one cache per edge, one per regional edge cache
// (REC) and one per Origin Shield Region (the same cache when an edge's REC
// is in the shield's Region). Caches are shared by all distributions; cache
// keys carry the distribution ID. A Distribution (CreateDistribution) is a
// sim.Handler viewers send requests to.
//
// A viewer request goes, in order, through:
//
//  1. Edge selection: the edge with the lowest RTT from the viewer's
//     coordinates among the edges of the distribution's price class.
//  2. Connection: a new viewer connection (per Client.ID, kept for
//     Config.ViewerKeepAlive) costs one TCP round trip plus
//     Config.TLSRoundTrips for HTTPS; then half an RTT to arrive.
//  3. Checks at the edge: Host (domain or alias, else 403), geo restriction
//     (403; unknown countries are served), the first cache behaviour whose
//     path pattern matches, viewer protocol policy (301 or 403), allowed
//     methods (403), signed URL or signed cookies when the behaviour has
//     trusted key groups (403), the viewer-request function.
//  4. Cache: GET and HEAD under a cache policy with MaxTTL > 0 are looked up
//     by cache key (path plus the policy's query strings, headers, cookies
//     and encodings). A fresh copy is a Hit. A miss or an expired copy goes
//     up the tiers — edge → REC → Origin Shield → origin — stopping at the
//     first fresh copy; each location collapses concurrent misses for one
//     key into one request upstream. The location next to the origin sends
//     If-None-Match / If-Modified-Since for its expired copy; a 304 renews
//     it (RefreshHit at the edge). Other methods and uncacheable behaviours
//     go edge → (Origin Shield) → origin with no caching.
//  5. Origin: each location keeps connections to each origin warm for the
//     origin's KeepAliveTimeout (5 s), so only cold connections pay TCP and
//     TLS round trips — why dynamic requests get faster through CloudFront.
//     Origin groups fail over to the secondary on configured status codes,
//     connection failures and timeouts, for GET, HEAD and OPTIONS only.
//  6. The answer is cached at every location on the way down with the TTL
//     from EdgeTTL (TTLs, Cache-Control and Expires as CloudFront combines
//     them; 4xx/5xx for ErrorCachingMinTTL), then compressed if eligible,
//     given the response headers policy and the viewer-response function,
//     and sent back in half an RTT.
//
// Every location spends Config.EdgeProcessing on each request it forwards
// or answers from cache. Eviction is LRU by default (NewLRU); Config.NewCache
// plugs in another policy (NewFIFO, or any Cache).
//
// Invalidations (CreateInvalidation) complete after Config.InvalidationTime
// and then remove matching copies from every location. Access logs are
// CloudFront's standard tab-separated format (LogRecord, ParseAccessLog);
// LogParser reads them back for workload's replay.
// Metrics go to namespace AWS/CloudFront each minute with dimensions
// DistributionId and Region=Global; line items (per-GB data transfer and
// per-request charges by the serving edge's pricing geography, Origin
// Shield requests, invalidation paths beyond the free 1,000 a month,
// function invocations) go to Config.Billing each BillingPeriod. Call
// CloudFront.Flush at the end of a run for the partial periods.
//
// # Origin access control
//
// An S3 origin with OriginAccessControl receives HeaderPrincipal
// ("cloudfront.amazonaws.com") and HeaderSourceArn (the distribution's
// ARN), standing in for the SigV4 signature of the service principal; the
// s3 package reads the same headers and checks the bucket policy's
// aws:SourceArn condition against them (s3.OACPolicy writes such a policy).
//
// # What it leaves out, and assumptions
//
//   - Network delays are the latency model's mean RTT, without jitter, so a
//     distribution by itself draws no random numbers.
//   - Transfer time: responses take no time proportional to their size;
//     bandwidth quotas (150 Gbps, 250,000 requests/s) are not enforced.
//   - Viewer conditional requests (a viewer's own If-None-Match) are not
//     answered with 304; viewers always get the full object.
//   - No Age header on hits; hits reuse the cached header slice.
//   - Stale-if-error, range requests, field-level encryption, real-time
//     logs, WebSockets, gRPC and continuous deployment are not modelled.
//   - Cache sizes, the edge processing time, the invalidation time, the
//     viewer keep-alive, the CloudFront Function budget and the compression
//     ratios are assumptions with documented defaults: AWS does not publish
//     them.
//   - An object with edge TTL 0 is not stored (CloudFront stores it and
//     revalidates every time; the origin sees the same request count).
//   - With MinTTL > 0, no-cache/no-store/private answers are cached for
//     MinTTL without contacting the origin on each request.
//   - An origin answer with Status 0 is a failed connection, noticed
//     ConnectionTimeout after the attempt began.
//   - A viewer-request function runs after signed-URL validation, and the
//     behaviour is chosen before it runs (so a rewritten path keeps its
//     behaviour), as with CloudFront Functions.
//   - Volume price tiers and the free tier are not applied.
package cloudfront
