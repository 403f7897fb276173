// Package cloudwatch models Amazon CloudWatch for nimbus: a metric store
// with AWS's statistics, periods and retention roll-ups, metric math, metric
// and composite alarms with AWS's evaluation rules, and dashboards rendered
// to PNG and SVG.
//
// # Metrics
//
// A metric is a namespace, a metric name and up to 30 dimensions. Services
// publish through Publish (no validation, no allocation once a series
// exists) or, faster, through a Series handle's Put; users call
// PutMetricData, which validates as AWS does (the AWS/ prefix is reserved,
// 30 dimensions, values within ±2^360, timestamps from 2 weeks ago to 2
// hours ahead, storage resolution 1 or 60 s, Values/Counts up to 150).
//
// Each series keeps B-trees (github.com/google/btree) of buckets ordered by
// time, one per resolution: 1 s (high-resolution metrics only) kept 3 hours,
// 1 minute kept 15 days, 5 minutes kept 63 days and 1 hour kept 455 days.
// Tree items are chunks of 64 consecutive periods, so publishing the newest
// bucket is an append. Aged buckets are merged into the next coarser
// resolution every Config.CompactionInterval, so a 90-day run holds at most
// 21,600 + 13,824 + 648 buckets per series (1-minute, 5-minute, 1-hour)
// whatever the publication rate. A bucket keeps the exact statistic set
// (SampleCount, Sum, Minimum, Maximum) and the sample distribution: up to 64
// samples themselves, then a log-bucketed sketch with 2% bucket ratio, so
// percentiles and trimmed statistics are exact for up to 64 samples per
// period and within 1% beyond. A sketch is dense while its bucket takes
// writes (8 bytes per 2% step between the period's minimum and maximum,
// about 2.8 KB for 1 ms to 1 s); each compaction packs the buckets written
// since the last one, losslessly, into a few bits per step (Rice-coded
// counts), so merging packed buckets, in roll-ups or in periods longer than
// a bucket, gives exactly the sketch of all their samples. A bucket of a
// busy minute of latencies over 3 decades then takes about 300 bytes in
// all, an hourly roll-up about 500, and a 90-day percentile series about
// 12 MB (BenchmarkPercentileSeriesMemory). As in AWS, statistic sets with
// more than one distinct value make percentiles unavailable: services that
// want p99 put each sample (Series.Put) or Values/Counts.
//
// GetMetricStatistics and GetMetricData accept periods of 1, 5, 10 or 30 s
// or multiples of 60 s (up to 1 day), round the start time down as AWS does,
// and reject periods finer than the roll-up of old data (AWS silently
// returns nothing). Statistics: SampleCount, Sum, Average, Minimum, Maximum,
// pNN.NN, tmNN, wmNN, tcNN, tsNN, IQM and TM/WM/TC/TS/PR(lo:hi). Percentiles
// use the nearest-rank definition (gonum stat.Quantile with stat.Empirical);
// a trimmed range (lo:hi] excludes its lower bound and includes its upper
// bound, as AWS documents, with percentage bounds turned into values first.
// GetMetricData evaluates metric math: + - * /, comparisons, SUM, AVG, MIN,
// MAX, ABS, DIFF, RATE, FILL(m, value|REPEAT|LINEAR), IF, [m1, m2] arrays
// and ANOMALY_DETECTION_BAND.
//
// Data becomes visible after Config.PublicationDelay (default 30 s, an
// assumption: AWS publishes no figure). The delay is what makes alarms, and
// so scaling, react later than the load that caused them.
//
// # Alarms
//
// PutMetricAlarm creates an alarm on a metric or a metric-math expression,
// in INSUFFICIENT_DATA until its first evaluation. Alarms are evaluated
// every minute (every 10 s for 10 s and 30 s periods) at
// Config.EvaluationOffset, in creation order, over an evaluation range of
// EvaluationPeriods + Config.EvaluationRangeExtra periods ending at the
// evaluation minute. M-of-N evaluation and TreatMissingData follow AWS's
// documented tables exactly (see TreatMissingData), including the rule
// against premature alarms. Anomaly-detection alarms compare a metric with
// an ANOMALY_DETECTION_BAND, a deliberately simple model of AWS's: mean ± k
// standard deviations of the same time of day over the previous 14 days.
// Transitions record history (kept 2 weeks) and run the new state's
// actions: ActionFunc, a Topic (SNS-like fan-out) or a ScalingPolicy, which,
// as AWS documents for Auto Scaling, is invoked again every minute while the
// alarm stays in the state. PutCompositeAlarm
// combines alarms' states with ALARM/OK/INSUFFICIENT_DATA(name), TRUE,
// FALSE, AND, OR and NOT, and is re-evaluated whenever a named alarm changes
// state.
//
// # Dashboards
//
// A Dashboard is a grid of widgets (time-series lines or stacked areas of
// metric queries and expressions with alarm threshold lines, and single
// values) rendered with gonum.org/v1/plot to PNG or SVG, with wall-clock
// dates (sim.Wall) on the time axis. WriteCSV exports any query's results.
//
// # What it leaves out
//
// AWS's anomaly-detection model (trend, weekly seasonality, exclusions),
// SEARCH and Metrics Insights, metric streams, cross-account observability, EC2 and
// Systems Manager alarm actions, alarm mute rules, the 15-minute delay
// before ListMetrics shows a new metric, and request throttling. A series'
// unit and storage resolution are those of its first datum. Results are in
// ascending time order. A composite alarm's rule may name only existing
// alarms, and an alarm named by a composite cannot be deleted alone.
package cloudwatch
