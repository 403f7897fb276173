// Package workload drives a simulated architecture with traffic: arrival
// processes, request shapes, client populations, open- and closed-loop
// clients, and the replay and recording of request logs.
//
// # Arrivals
//
// A Profile is a rate over virtual time (ConstantRate, Diurnal, Step, Spike,
// Piecewise, SumRate). Poisson turns a Profile into a (non-homogeneous)
// Poisson process by thinning; Constant sends at fixed intervals; NewSum
// superposes any sources. Everything that draws randomness takes the
// *rand.Rand of a named sim stream ("workload/<client>/<purpose>"), so the
// same seed gives the same requests.
//
// # Clients
//
// NewOpenLoop sends on the arrival schedule whatever the answers (a
// load generator); NewClosedLoop runs N users that each send, wait for the
// answer, think and repeat, so throughput obeys X = N / (R + Z). Both inject
// through sim.Send, so the run's conservation tally counts their requests.
// Shape fills each request: method, host, a path chosen by popularity
// (uniform or bounded Zipf over Keys), size and CPU work from a Dist
// (Const, Exponential, LogNormal, Uniform, Empirical). Clients draws the
// client from weighted Populations (country or Region, IP prefixes,
// location from package geo).
//
// # Logs
//
// NewCSVReader and NewJSONLReader read request logs (timestamp, client_ip,
// method, host, path, bytes, optional query); NewReplay replays them in
// virtual time, optionally time-scaled or on their own wall-clock times;
// Recorder writes a run's requests in the same formats. Other log formats
// plug in as a RecordReader, or as a LineParser behind NewLineReader (the
// elb and cloudfront packages add ALB access-log and CloudFront standard-log
// parsers this way). Bad input gives a *FieldError naming the line and the
// field, wrapping ErrBadRecord.
//
// # What it leaves out
//
//   - Connections: each request stands alone; keep-alive, TLS handshakes and
//     HTTP/2 multiplexing are not modelled.
//   - Diurnal is a raised cosine; real daily curves are asymmetric (use
//     Piecewise for a measured curve).
//   - A population's clients share one location; addresses are assigned to
//     users in order through the prefixes, not geolocated.
//   - Source ports are drawn from Linux's default ephemeral range
//     (32768–60999), an assumption about client operating systems.
package workload
