// Package sweep runs experiments over many simulation configurations: a
// space of parameter points, each replicated with derived seeds, on all
// cores of one machine or split into shards for a batch engine, with
// per-point confidence intervals and resumable output.
//
// # Spaces
//
// A Space is an ordered list of points over named parameters of kind Int,
// Float, Duration or String (instance types, policy names). Grid takes the
// Cartesian product of value lists; List takes explicit points; Random and
// LatinHypercube draw n points from ranges or lists with their own seed.
// Point i is the same everywhere, which is what lets shards and resumed
// runs agree.
//
// # Replications and statistics
//
// Each point runs Config.Replicas times. Replica n of a point gets the
// seed sim.DeriveSeed(Config.Seed, "point/<params>/replica/<n>") (or the
// same seed for every point with CommonRandomNumbers), so results do not
// depend on which worker, shard or machine ran it. Per point and metric the
// summary gives the mean, the sample standard deviation and a Student-t
// confidence interval (gonum distuv.StudentsT), plus user Statistics.
// Sequential stopping adds replications to a point until one metric's
// half-width reaches a target; the decision uses only earlier replicas'
// values, in replica order, so it is the same for any worker count.
//
// # Execution and outputs
//
// Run uses a pool of Workers goroutines (parallelism across runs; each run
// is single-threaded, as sim requires). One coordinating goroutine hands
// out work, appends each finished run to the CSV and JSON Lines outputs
// with a single write, and, when everything is done, rewrites both in
// (point, replica) order: the final bytes do not depend on timing or on
// the number of workers. Each output starts with the sweep's fingerprint,
// a hash of everything that decides the runs (names, seeds, replication
// rules and every point), so Resume and Merge refuse files of another
// sweep. A sweep killed at any moment resumes from its outputs: finished
// runs are read back (a cut-off last line is dropped) and only the others
// run. Resume also adds replications to a finished sweep: raise Replicas
// and the runs already done are kept.
//
// # Beyond one machine
//
// A Shard takes every Count-th point starting at Index. ShardFromEnv reads
// it from a Kubernetes Indexed Job (JOB_COMPLETION_INDEX plus
// NIMBUS_SWEEP_SHARDS), a Slurm job array (SLURM_ARRAY_TASK_ID,
// SLURM_ARRAY_TASK_COUNT, SLURM_ARRAY_TASK_MIN) or explicit variables;
// ParseShard reads "2/4" from a command line (GNU parallel). Merge checks
// that the inputs are all the shards of the same sweep, complete, and
// writes exactly the files one machine would have written.
//
// # Performance
//
// The pool adds about 4 µs per run, plus two small writes per run when
// outputs are on. Simulation runs allocate fast and keep little, so with
// the default GOGC=100 the garbage collector competes with the workers for
// cores: on two cores, two workers of the flagship example ran slower than
// one until GOGC was raised to 400 (then 1.75× faster). Raise GOGC, or set
// debug.SetGCPercent, for sweeps.
//
// # What it leaves out
//
// There is no scheduler of its own across machines: batch engines already
// do that. Replications are not interrupted mid-run on cancel; Run waits
// for those in progress. Output files must not be edited: every line is
// checked against what the sweep would write.
package sweep
